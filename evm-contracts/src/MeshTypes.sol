// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice One escrowed, conditional token transfer of a bundle (docs/protocol.md, section 1),
/// VM-neutral: a hub-assigned domain id and 32-byte account ids.
/// @dev Field order and types are normative: they are hashed as the EIP-712 struct `Leg`. On an
/// EVM chain every account is a 20-byte address left-padded to 32 bytes
/// (`bytes32(uint256(uint160(a)))`, `MeshTypes.account`); a Router refuses any other shape.
struct Leg {
    /// @dev Hub-assigned domain id of the chain that escrows the leg (the hub's chain registry
    /// maps it to a VM and that VM's chain id); a Router accepts only its own.
    uint64 domain;
    /// @dev The router that escrows the leg.
    bytes32 router;
    /// @dev Who locks the tokens (and gets them back on ABORT or expiry).
    bytes32 depositor;
    /// @dev The token escrowed (an ERC-20 on EVM).
    bytes32 token;
    /// @dev The amount the router must receive (> 0).
    uint256 amount;
    /// @dev Who is paid on COMMIT.
    bytes32 recipient;
    /// @dev `MeshTypes.actionHash` of the call a COMMIT runs with the escrowed tokens (paying
    /// the recipient its output), or zero for a plain transfer.
    bytes32 action;
    /// @dev What the leg does (`MeshTypes.KIND_*`): 0 escrow, 1 lock (kept as the reserve on
    /// COMMIT), 2 mint (nothing locked; COMMIT mints the wrapped origin token), 3 burn (escrows
    /// the wrapped origin token; COMMIT burns it), 4 release (nothing locked; COMMIT pays from the
    /// reserve). For mint and burn, `token` is the origin token.
    uint8 kind;
    /// @dev The origin domain of a mint or burn leg's token, zero for the other kinds.
    uint64 origin;
}

/// @notice A call a COMMIT makes with a leg's escrowed tokens (docs/protocol.md), as hashed into
/// the leg's `action` field.
/// @dev Field order and types are normative: they are hashed as the EIP-712 struct `Action`. The
/// calldata itself is not stored: the relayer supplies it and the router checks its hash.
struct Action {
    /// @dev The contract called (an EVM address left-padded, else the action is never called).
    bytes32 target;
    /// @dev `keccak256` of the calldata.
    bytes32 dataHash;
    /// @dev The token the recipient must receive at least `minOut` of.
    bytes32 outputToken;
    /// @dev The least output-token balance increase of the recipient that counts as success.
    uint256 minOut;
    /// @dev The exact gas the target is called with (1 to `MeshTypes.MAX_ACTION_GAS`).
    uint64 gasLimit;
}

/// @notice A mint or release leg with what proves it is leg `index` of its bundle: the bundle's
/// fields and every leg hash (as `lock` takes them), for `MeshRouter.settleUnlocked`. A global
/// struct (like `Leg`) so that ABI bindings resolve its `Leg` field.
/// @param leg The leg (kind mint or release, this router's domain and address).
/// @param lockDeadline The bundle's lock deadline.
/// @param settleDeadline The bundle's settle deadline.
/// @param creatorHash `keccak256(bytes(creator))` of the bundle.
/// @param nonce The bundle's nonce.
/// @param legHashes `hashStruct(Leg)` of every leg of the bundle, in order.
struct LegProof {
    Leg leg;
    uint64 lockDeadline;
    uint64 settleDeadline;
    bytes32 creatorHash;
    uint64 nonce;
    bytes32[] legHashes;
}

/// @title MeshTypes
/// @notice The Atomic Mesh encoding (docs/protocol.md): EIP-712 type hashes, the hub's domain,
/// leg hashes, bundle ids, settlement leaves and the digests relayers sign.
/// @dev Byte-identical to the Rust reference crate `mesh-protocol`; the forge test
/// `test/ProtocolVectors.t.sol` asserts every value of `vectors/protocol.json`.
library MeshTypes {
    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         CONSTANTS                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Verdict code of a bundle whose legs all deliver.
    uint8 internal constant COMMIT = 1;
    /// @dev Verdict code of a bundle whose legs all refund.
    uint8 internal constant ABORT = 2;
    /// @dev Most legs a bundle may have.
    uint256 internal constant MAX_LEGS = 16;
    /// @dev Most members a signer set may have.
    uint256 internal constant MAX_SIGNERS = 64;
    /// @dev Most leaves a settlement batch may have: the hub's `MAX_BATCH_SIZE_CAP`
    /// (mesh-hub-api `bundle_log`). Bounds the multiproof fold (`MeshRouter.settleMultiproof`).
    uint256 internal constant MAX_BATCH_SIZE = 256;
    /// @dev Most gas an action's target may be given; an action with a larger (or zero)
    /// `gasLimit` is never called and its recipient is paid the escrowed tokens.
    uint256 internal constant MAX_ACTION_GAS = 10_000_000;

    /// @dev Leg kinds (`Leg.kind`).
    uint8 internal constant KIND_ESCROW = 0;
    uint8 internal constant KIND_LOCK = 1;
    uint8 internal constant KIND_MINT = 2;
    uint8 internal constant KIND_BURN = 3;
    uint8 internal constant KIND_RELEASE = 4;

    /// @dev `keccak256("EIP712Domain(string name,string version,bytes32 salt)")`.
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,bytes32 salt)");
    /// @dev `keccak256("AtomicMesh")`, the domain name hash.
    bytes32 internal constant NAME_HASH = keccak256("AtomicMesh");
    /// @dev The EIP-712 domain version: what `VERSION_HASH` hashes and ERC-5267 reports.
    /// Version 4: legs carry a `kind` and an `origin` (lock-and-mint), so nothing signed under
    /// versions 1 (EVM-only legs), 2 (VM-neutral legs) or 3 (legs with actions) verifies.
    string internal constant VERSION = "4";
    /// @dev `keccak256(bytes(VERSION))`, the domain version hash.
    bytes32 internal constant VERSION_HASH = keccak256(bytes(VERSION));

    /// @dev EIP-712 type hash of `Leg`.
    bytes32 internal constant LEG_TYPEHASH = keccak256(
        "Leg(uint64 domain,bytes32 router,bytes32 depositor,bytes32 token,uint256 amount,bytes32 recipient,bytes32 action,uint8 kind,uint64 origin)"
    );
    /// @dev EIP-712 type hash of `Bundle` (with `Leg` appended, as EIP-712 requires).
    bytes32 internal constant BUNDLE_TYPEHASH = keccak256(
        "Bundle(bytes32 hubDomain,bytes32 creator,uint64 nonce,uint64 lockDeadline,uint64 settleDeadline,Leg[] legs)"
        "Leg(uint64 domain,bytes32 router,bytes32 depositor,bytes32 token,uint256 amount,bytes32 recipient,bytes32 action,uint8 kind,uint64 origin)"
    );
    /// @dev EIP-712 type hash of `Action`, a leg's call on COMMIT.
    bytes32 internal constant ACTION_TYPEHASH = keccak256(
        "Action(bytes32 target,bytes32 dataHash,bytes32 outputToken,uint256 minOut,uint64 gasLimit)"
    );
    /// @dev EIP-712 type hash of `Settlement`, the Merkle leaf.
    bytes32 internal constant SETTLEMENT_TYPEHASH =
        keccak256("Settlement(bytes32 bundleId,uint8 verdict)");
    /// @dev EIP-712 type hash of `SettlementBatch`, the statement relayers sign.
    bytes32 internal constant SETTLEMENT_BATCH_TYPEHASH =
        keccak256("SettlementBatch(uint64 epoch,uint64 batchIndex,bytes32 root)");
    /// @dev EIP-712 type hash of `SignerSet` (with its signed expiry).
    bytes32 internal constant SIGNER_SET_TYPEHASH = keccak256(
        "SignerSet(address[] signers,uint256[] weights,uint256 threshold,uint64 expiresAt)"
    );
    /// @dev EIP-712 type hash of `SignerSetUpdate`, the statement that rotates the set.
    bytes32 internal constant SIGNER_SET_UPDATE_TYPEHASH =
        keccak256("SignerSetUpdate(uint64 newEpoch,bytes32 signersHash)");
    /// @dev EIP-712 type hash of `RelayerKey`, a relayer's proof of possession on the hub.
    bytes32 internal constant RELAYER_KEY_TYPEHASH = keccak256("RelayerKey(string relayer)");

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           DOMAIN                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev The domain salt, which binds one deployment of the hub:
    /// `keccak256(abi.encode(keccak256(bytes(hubChainId)), keccak256(bytes(deployment))))`, where
    /// `deployment` is the bech32 address of the hub's bundle-log contract. Two deployments on one
    /// hub chain (a migration, a staging copy) never share a signature.
    function hubSalt(string memory hubChainId, string memory deployment)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(keccak256(bytes(hubChainId)), keccak256(bytes(deployment))));
    }

    /// @dev The hub's EIP-712 domain separator (name, version and salt; no chain id, no
    /// verifying contract). It is also the `hubDomain` field of every bundle id.
    function domainSeparator(bytes32 salt) internal pure returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, salt));
    }

    /// @dev `keccak256(0x19 ‖ 0x01 ‖ separator ‖ structHash)`, an EIP-712 signing digest.
    function typedDataDigest(bytes32 separator, bytes32 structHash)
        internal
        pure
        returns (bytes32 digest)
    {
        /// @solidity memory-safe-assembly
        assembly {
            mstore(0x00, 0x1901000000000000) // "\x19\x01" at 0x18.
            mstore(0x1a, separator)
            mstore(0x3a, structHash)
            digest := keccak256(0x18, 0x42)
            mstore(0x3a, 0) // Restore the high bytes of the free memory pointer.
        }
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                       LEGS AND BUNDLES                     */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev `hashStruct(Leg)`: what the router emits in `LegLocked` and the hub checks.
    function legHash(Leg memory leg) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                LEG_TYPEHASH,
                leg.domain,
                leg.router,
                leg.depositor,
                leg.token,
                leg.amount,
                leg.recipient,
                leg.action,
                leg.kind,
                leg.origin
            )
        );
    }

    /// @dev `hashStruct(Action)`: what a leg's `action` field holds.
    function actionHash(Action memory action) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                ACTION_TYPEHASH,
                action.target,
                action.dataHash,
                action.outputToken,
                action.minOut,
                action.gasLimit
            )
        );
    }

    /// @dev The 32-byte account id of an EVM address: the address left-padded with zeros.
    function account(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }

    /// @dev Whether `id` is EVM-shaped: its top 12 bytes are zero.
    function isEvmAccount(bytes32 id) internal pure returns (bool) {
        return uint256(id) >> 160 == 0;
    }

    /// @dev `keccak256(bytes(creator))`: the bundle creator's hub address as a fixed-size field.
    function creatorHash(string memory creator) internal pure returns (bytes32) {
        return keccak256(bytes(creator));
    }

    /// @dev `keccak256(legHash_0 ‖ … ‖ legHash_n)`: the EIP-712 encoding of `Leg[]`.
    function legsHash(bytes32[] memory legHashes) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(legHashes));
    }

    /// @dev `hashStruct(Bundle)`, the bundle id, from the legs themselves.
    function bundleId(
        bytes32 hubDomain,
        bytes32 creatorHash_,
        uint64 nonce,
        uint64 lockDeadline,
        uint64 settleDeadline,
        Leg[] memory legs
    ) internal pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](legs.length);
        for (uint256 i; i < legs.length; ++i) {
            hashes[i] = legHash(legs[i]);
        }
        return
            bundleIdFromLegHashes(
                hubDomain, creatorHash_, nonce, lockDeadline, settleDeadline, hashes
            );
    }

    /// @dev `hashStruct(Bundle)`, the bundle id, from the legs' hashes.
    function bundleIdFromLegHashes(
        bytes32 hubDomain,
        bytes32 creatorHash_,
        uint64 nonce,
        uint64 lockDeadline,
        uint64 settleDeadline,
        bytes32[] memory legHashes
    ) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                BUNDLE_TYPEHASH,
                hubDomain,
                creatorHash_,
                nonce,
                lockDeadline,
                settleDeadline,
                legsHash(legHashes)
            )
        );
    }

    /// @dev `hashStruct(Settlement)`: the Merkle leaf of one bundle's verdict, identical on every
    /// chain.
    function settlementLeaf(bytes32 bundleId_, uint8 verdict) internal pure returns (bytes32 leaf) {
        bytes32 typeHash = SETTLEMENT_TYPEHASH;
        /// @solidity memory-safe-assembly
        assembly {
            let m := mload(0x40)
            mstore(m, typeHash)
            mstore(add(m, 0x20), bundleId_)
            mstore(add(m, 0x40), and(verdict, 0xff))
            leaf := keccak256(m, 0x60)
        }
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                   SIGNED HUB STATEMENTS                    */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev `hashStruct(SettlementBatch)`.
    function settlementBatchHash(uint64 epoch, uint64 batchIndex, bytes32 root)
        internal
        pure
        returns (bytes32 h)
    {
        bytes32 typeHash = SETTLEMENT_BATCH_TYPEHASH;
        /// @solidity memory-safe-assembly
        assembly {
            let m := mload(0x40)
            mstore(m, typeHash)
            mstore(add(m, 0x20), and(epoch, 0xffffffffffffffff))
            mstore(add(m, 0x40), and(batchIndex, 0xffffffffffffffff))
            mstore(add(m, 0x60), root)
            h := keccak256(m, 0x80)
        }
    }

    /// @dev `hashStruct(SignerSet)` over the members in set order and the set's expiry; the
    /// epoch is not part of it (the `SignerSetUpdate` that hands over to the set carries it).
    function signerSetHash(
        address[] memory signers,
        uint256[] memory weights,
        uint256 threshold,
        uint64 expiresAt
    ) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                SIGNER_SET_TYPEHASH,
                keccak256(abi.encodePacked(signers)),
                keccak256(abi.encodePacked(weights)),
                threshold,
                expiresAt
            )
        );
    }

    /// @dev `hashStruct(SignerSetUpdate)`.
    function signerSetUpdateHash(uint64 newEpoch, bytes32 signersHash)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(SIGNER_SET_UPDATE_TYPEHASH, newEpoch, signersHash));
    }

    /// @dev `hashStruct(RelayerKey)`: what a relayer's EVM key signs when bonding on the hub.
    function relayerKeyHash(string memory relayer) internal pure returns (bytes32) {
        return keccak256(abi.encode(RELAYER_KEY_TYPEHASH, keccak256(bytes(relayer))));
    }
}
