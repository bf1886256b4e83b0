// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MeshRouter} from "../../src/MeshRouter.sol";
import {Leg, MeshTypes} from "../../src/MeshTypes.sol";
import {SettlementVerifier} from "../../src/SettlementVerifier.sol";
import {SignerSetLib} from "../../src/lib/SignerSetLib.sol";
import {TestToken} from "../mocks/TestToken.sol";
import {Merkle} from "./Merkle.sol";
import {Test} from "./Test.sol";

/// @notice A bundle as the tests build it.
struct Bundle {
    bytes32 creatorHash;
    uint64 nonce;
    uint64 lockDeadline;
    uint64 settleDeadline;
    Leg[] legs;
}

/// @notice Deploys a verifier, a router and a token, and builds, locks, signs and settles
/// bundles for the tests.
abstract contract MeshFixture is Test {
    string internal constant HUB = "mesh-devnet-1";
    /// @dev The hub's bundle-log address (the vectors' deployment).
    string internal constant DEPLOYMENT = "inj1qg5ega6dykkxc307y25pecuufrjkxkaggkkxh7";
    uint64 internal constant GENESIS_EPOCH = 1;
    uint64 internal constant ROTATION_DELAY = 1 days;
    uint64 internal constant T0 = 1_700_000_000;
    /// @dev The genesis set's expiry: 30 days (the hub's default set lifetime) after T0.
    uint64 internal constant GENESIS_EXPIRES_AT = T0 + 30 days;
    /// @dev The router's refund grace.
    uint64 internal constant GRACE = 30 minutes;
    /// @dev The domain id the hub's registry assigned to the fixture's chain (not its EIP-155 id).
    uint64 internal constant DOMAIN = 7;

    SettlementVerifier internal verifier;
    MeshRouter internal router;
    TestToken internal token;

    uint256[] internal signerKeys;
    address[] internal signerAddrs;
    uint256[] internal signerWeights;
    uint256 internal signerThreshold;

    address internal alice;
    address internal bob;
    address internal carol;

    function _setUpMesh(uint256 signerCount, uint256 threshold) internal {
        vm.warp(T0);
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");
        (signerKeys, signerAddrs) = _makeSigners("genesis", signerCount);
        signerWeights = new uint256[](signerCount);
        for (uint256 i; i < signerCount; ++i) {
            signerWeights[i] = 1;
        }
        signerThreshold = threshold;
        verifier = _newVerifier(signerAddrs, signerWeights, threshold);
        router = new MeshRouter(verifier, DOMAIN, GRACE);
        token = new TestToken();
        vm.label(address(verifier), "verifier");
        vm.label(address(router), "router");
        vm.label(address(token), "token");
    }

    /// @dev A verifier of the fixture's hub deployment with a genesis set expiring at
    /// `GENESIS_EXPIRES_AT`.
    function _newVerifier(address[] memory addrs, uint256[] memory weights, uint256 threshold)
        internal
        returns (SettlementVerifier)
    {
        return new SettlementVerifier(
            HUB,
            DEPLOYMENT,
            GENESIS_EPOCH,
            addrs,
            weights,
            threshold,
            GENESIS_EXPIRES_AT,
            ROTATION_DELAY
        );
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          SIGNERS                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev `n` keys named after `seed`, sorted by ascending address.
    function _makeSigners(string memory seed, uint256 n)
        internal
        pure
        returns (uint256[] memory keys, address[] memory addrs)
    {
        keys = new uint256[](n);
        addrs = new address[](n);
        for (uint256 i; i < n; ++i) {
            uint256 key = uint256(keccak256(abi.encode(seed, i))) % (SECP_N - 1) + 1;
            address a = vm.addr(key);
            uint256 j = i;
            while (j > 0 && addrs[j - 1] > a) {
                addrs[j] = addrs[j - 1];
                keys[j] = keys[j - 1];
                --j;
            }
            addrs[j] = a;
            keys[j] = key;
        }
    }

    uint256 internal constant SECP_N =
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    /// @dev Packed low-s signatures of `digest` by `keys` (in the given order).
    function _sign(uint256[] memory keys, bytes32 digest)
        internal
        pure
        returns (bytes memory sigs)
    {
        for (uint256 i; i < keys.length; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
            sigs = bytes.concat(sigs, abi.encodePacked(r, s, v));
        }
    }

    /// @dev The signer `ecrecover` gives for the `i`-th packed signature of `sigs` over `digest`
    /// (zero if none).
    function _recoverAt(bytes32 digest, bytes memory sigs, uint256 i)
        internal
        pure
        returns (address)
    {
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            let o := add(add(sigs, 0x20), mul(i, 65))
            r := mload(o)
            s := mload(add(o, 0x20))
            v := byte(0, mload(add(o, 0x40)))
        }
        return ecrecover(digest, v, r, s);
    }

    /// @dev The error `SignerSetLib.verify` raises for signatures that were not made over `digest`
    /// by members (signed under another domain, by strangers, or junk): the first one recovers
    /// an outsider (`NotASigner(0, outsider)`) or nobody (`UnrecoverableSignature(0)`).
    function _foreignSigError(bytes32 digest, bytes memory sigs)
        internal
        pure
        returns (bytes memory)
    {
        address outsider = _recoverAt(digest, sigs, 0);
        if (outsider == address(0)) {
            return abi.encodeWithSelector(SignerSetLib.UnrecoverableSignature.selector, 0);
        }
        return abi.encodeWithSelector(SignerSetLib.NotASigner.selector, 0, outsider);
    }

    /// @dev The first `k` of `keys`.
    function _take(uint256[] memory keys, uint256 k) internal pure returns (uint256[] memory out) {
        out = new uint256[](k);
        for (uint256 i; i < k; ++i) {
            out[i] = keys[i];
        }
    }

    /// @dev Signs and submits a batch over `root` with the genesis signers.
    function _submitRoot(bytes32 root, uint64 batchIndex) internal {
        bytes32 digest = verifier.batchDigest(GENESIS_EPOCH, batchIndex, root);
        verifier.submitBatch(GENESIS_EPOCH, batchIndex, root, _sign(signerKeys, digest));
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          BUNDLES                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev The 32-byte account id of an EVM address (left-padded).
    function _acct(address a) internal pure returns (bytes32) {
        return MeshTypes.account(a);
    }

    /// @dev The EVM address of an EVM-shaped account id (its low 20 bytes).
    function _addr(bytes32 id) internal pure returns (address) {
        return address(uint160(uint256(id)));
    }

    function _leg(address depositor, address tok, uint256 amount, address recipient)
        internal
        view
        returns (Leg memory)
    {
        return Leg({
            domain: DOMAIN,
            router: _acct(address(router)),
            depositor: _acct(depositor),
            token: _acct(tok),
            amount: amount,
            recipient: _acct(recipient),
            action: bytes32(0),
            kind: 0,
            origin: 0
        });
    }

    /// @dev A one-leg bundle alice → bob of `amount` test tokens.
    function _oneLeg(uint64 nonce, uint256 amount) internal view returns (Bundle memory b) {
        b.creatorHash = MeshTypes.creatorHash("inj1creator");
        b.nonce = nonce;
        b.lockDeadline = uint64(block.timestamp + 1 hours);
        b.settleDeadline = uint64(block.timestamp + 2 hours);
        b.legs = new Leg[](1);
        b.legs[0] = _leg(alice, address(token), amount, bob);
    }

    function _legHashes(Bundle memory b) internal pure returns (bytes32[] memory hashes) {
        hashes = new bytes32[](b.legs.length);
        for (uint256 i; i < b.legs.length; ++i) {
            hashes[i] = MeshTypes.legHash(b.legs[i]);
        }
    }

    function _id(Bundle memory b) internal view returns (bytes32) {
        return MeshTypes.bundleId(
            verifier.DOMAIN_SEPARATOR(),
            b.creatorHash,
            b.nonce,
            b.lockDeadline,
            b.settleDeadline,
            b.legs
        );
    }

    /// @dev Funds the depositor of leg `index` (test token only), approves and locks it.
    function _fundAndLock(Bundle memory b, uint32 index) internal returns (uint256 amount) {
        Leg memory leg = b.legs[index];
        TestToken(_addr(leg.token)).mint(_addr(leg.depositor), leg.amount);
        vm.prank(_addr(leg.depositor));
        TestToken(_addr(leg.token)).approve(_addr(leg.router), leg.amount);
        return _lock(b, index);
    }

    /// @dev Locks leg `index` as its depositor (tokens and allowance must be in place).
    function _lock(Bundle memory b, uint32 index) internal returns (uint256) {
        bytes32 id = _id(b);
        vm.prank(_addr(b.legs[index].depositor));
        return MeshRouter(_addr(b.legs[index].router))
            .lock(
                id,
                index,
                b.legs[index],
                b.lockDeadline,
                b.settleDeadline,
                b.creatorHash,
                b.nonce,
                _legHashes(b)
            );
    }

    /// @dev Signs and submits a batch holding the single leaf of (`id`, `verdict`).
    function _verdictRoot(bytes32 id, uint8 verdict) internal returns (bytes32 root) {
        root = MeshTypes.settlementLeaf(id, verdict);
        _submitRoot(root, 0);
    }

    function _leaves(bytes32[] memory ids, uint8 verdict)
        internal
        pure
        returns (bytes32[] memory leaves)
    {
        leaves = new bytes32[](ids.length);
        for (uint256 i; i < ids.length; ++i) {
            leaves[i] = MeshTypes.settlementLeaf(ids[i], verdict);
        }
    }

    function _root(bytes32[] memory leaves) internal pure returns (bytes32) {
        return Merkle.root(leaves);
    }

    function _proof(bytes32[] memory leaves, uint256 i) internal pure returns (bytes32[] memory) {
        return Merkle.proof(leaves, i);
    }
}
