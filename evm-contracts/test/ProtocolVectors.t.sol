// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {MerkleProofLib} from "solady/utils/MerkleProofLib.sol";

import {MeshRouter} from "../src/MeshRouter.sol";
import {Action, Leg, MeshTypes} from "../src/MeshTypes.sol";
import {SettlementVerifier} from "../src/SettlementVerifier.sol";
import {IMeshRouter} from "../src/interfaces/IMeshRouter.sol";
import {SignerSetLib} from "../src/lib/SignerSetLib.sol";
import {TestToken} from "./mocks/TestToken.sol";
import {RecoverHarness} from "./utils/Harnesses.sol";
import {Merkle} from "./utils/Merkle.sol";
import {Test} from "./utils/Test.sol";
import {Vm} from "./utils/Vm.sol";

/// @notice Asserts every value of the Rust crate's cross-language vectors
/// (contracts/packages/mesh-protocol/vectors/protocol.json) against the Solidity encoding.
contract ProtocolVectorsTest is Test {
    string internal constant VECTORS = "../contracts/packages/mesh-protocol/vectors/protocol.json";

    string internal json;
    SettlementVerifier internal verifier;
    RecoverHarness internal harness;

    function setUp() public {
        json = vm.readFile(VECTORS);
        string memory hub = vm.parseJsonString(json, ".hub.chainId");
        string memory deployment = vm.parseJsonString(json, ".hub.deployment");
        (address[] memory signers, uint256[] memory weights, uint256 threshold) = _vectorSet();
        verifier = new SettlementVerifier(
            hub, deployment, 1, signers, weights, threshold, _vectorExpiresAt(), 0
        );
        harness = new RecoverHarness();
    }

    function _vectorSet()
        internal
        view
        returns (address[] memory signers, uint256[] memory weights, uint256 threshold)
    {
        signers = vm.parseJsonAddressArray(json, ".signerSet.signers");
        weights = vm.parseJsonUintArray(json, ".signerSet.weights");
        threshold = vm.parseJsonUint(json, ".signerSet.threshold");
    }

    function _vectorExpiresAt() internal view returns (uint64) {
        return uint64(vm.parseJsonUint(json, ".signerSet.expiresAt"));
    }

    function _key(string memory prefix, uint256 i, string memory suffix)
        internal
        pure
        returns (string memory)
    {
        return string.concat(prefix, "[", vm.toString(i), "]", suffix);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                      TYPES AND DOMAIN                      */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _checkType(string memory name, bytes32 constantHash) internal view {
        string memory ts = vm.parseJsonString(json, string.concat(".types.", name, ".typeString"));
        bytes32 th = vm.parseJsonBytes32(json, string.concat(".types.", name, ".typeHash"));
        assertEq(keccak256(bytes(ts)), th, string.concat(name, " type string"));
        assertEq(constantHash, th, string.concat(name, " type hash"));
    }

    function test_Vectors_TypeHashes() public view {
        _checkType("Leg", MeshTypes.LEG_TYPEHASH);
        _checkType("Bundle", MeshTypes.BUNDLE_TYPEHASH);
        _checkType("Settlement", MeshTypes.SETTLEMENT_TYPEHASH);
        _checkType("SettlementBatch", MeshTypes.SETTLEMENT_BATCH_TYPEHASH);
        _checkType("SignerSet", MeshTypes.SIGNER_SET_TYPEHASH);
        _checkType("SignerSetUpdate", MeshTypes.SIGNER_SET_UPDATE_TYPEHASH);
        _checkType("RelayerKey", MeshTypes.RELAYER_KEY_TYPEHASH);
        _checkType("Action", MeshTypes.ACTION_TYPEHASH);
    }

    function test_Vectors_Domain() public view {
        string memory ts = vm.parseJsonString(json, ".hub.domainTypeString");
        assertEq(keccak256(bytes(ts)), MeshTypes.DOMAIN_TYPEHASH, "domain type");
        assertEq(
            keccak256(bytes(vm.parseJsonString(json, ".hub.name"))), MeshTypes.NAME_HASH, "name"
        );
        assertEq(
            keccak256(bytes(vm.parseJsonString(json, ".hub.version"))),
            MeshTypes.VERSION_HASH,
            "version"
        );
        bytes32 salt = vm.parseJsonBytes32(json, ".hub.salt");
        string memory hub = vm.parseJsonString(json, ".hub.chainId");
        string memory deployment = vm.parseJsonString(json, ".hub.deployment");
        assertEq(MeshTypes.hubSalt(hub, deployment), salt, "salt");
        // salt = keccak256(abi.encode(keccak256(bytes(hubChainId)), keccak256(bytes(deployment)))).
        assertEq(
            keccak256(bytes.concat(keccak256(bytes(hub)), keccak256(bytes(deployment)))),
            salt,
            "salt formula"
        );
        assertEq(verifier.HUB_SALT(), salt, "verifier salt");
        assertEq(verifier.hubChainId(), hub, "verifier hub chain id");
        assertEq(verifier.deployment(), deployment, "verifier deployment");
        bytes32 separator = vm.parseJsonBytes32(json, ".hub.domainSeparator");
        assertEq(MeshTypes.domainSeparator(salt), separator, "separator");
        assertEq(verifier.DOMAIN_SEPARATOR(), separator, "verifier separator");
        (bytes1 fields,,,,, bytes32 domainSalt,) = verifier.eip712Domain();
        assertEq(uint8(fields), 0x13, "ERC-5267 fields");
        assertEq(domainSalt, salt, "ERC-5267 salt");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          BUNDLES                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _legAt(string memory b, uint256 j) internal view returns (Leg memory leg) {
        string memory l = _key(string.concat(b, ".bundle.legs"), j, "");
        leg.domain = uint64(vm.parseJsonUint(json, string.concat(l, ".domain")));
        leg.router = vm.parseJsonBytes32(json, string.concat(l, ".router"));
        leg.depositor = vm.parseJsonBytes32(json, string.concat(l, ".depositor"));
        leg.token = vm.parseJsonBytes32(json, string.concat(l, ".token"));
        leg.amount = vm.parseJsonUint(json, string.concat(l, ".amount"));
        leg.recipient = vm.parseJsonBytes32(json, string.concat(l, ".recipient"));
        leg.action = vm.parseJsonBytes32(json, _key(string.concat(b, ".legActionHashes"), j, ""));
        leg.kind = uint8(vm.parseJsonUint(json, _key(string.concat(b, ".legKinds"), j, "")));
        leg.origin = uint64(vm.parseJsonUint(json, _key(string.concat(b, ".legOrigins"), j, "")));
    }

    /// @dev The action at JSON path `a` (its calldata hashed here, not read from the file).
    function _actionAt(string memory a) internal view returns (Action memory action) {
        action.target = vm.parseJsonBytes32(json, string.concat(a, ".target"));
        action.dataHash = keccak256(vm.parseJsonBytes(json, string.concat(a, ".data")));
        action.outputToken = vm.parseJsonBytes32(json, string.concat(a, ".outputToken"));
        action.minOut = vm.parseJsonUint(json, string.concat(a, ".minOut"));
        action.gasLimit = uint64(vm.parseJsonUint(json, string.concat(a, ".gasLimit")));
    }

    /// @dev Whether the object at `a` carries every field of an action.
    function _hasActionFields(string memory a) internal view returns (bool) {
        return vm.keyExistsJson(json, string.concat(a, ".target"))
            && vm.keyExistsJson(json, string.concat(a, ".data"))
            && vm.keyExistsJson(json, string.concat(a, ".outputToken"))
            && vm.keyExistsJson(json, string.concat(a, ".minOut"))
            && vm.keyExistsJson(json, string.concat(a, ".gasLimit"));
    }

    function _a(bytes32 id) internal pure returns (address) {
        return address(uint160(uint256(id)));
    }

    /// @dev A 20-byte EVM address and a 20-byte Cosmos address map to their left-padded 32
    /// bytes; a 32-byte Cosmos address is its own account id and is not EVM-shaped.
    function test_Vectors_Accounts() public view {
        address evm = vm.parseJsonAddress(json, ".accounts.evm.address");
        bytes32 evmId = vm.parseJsonBytes32(json, ".accounts.evm.accountId");
        assertEq(MeshTypes.account(evm), evmId, "EVM address left-padded");
        assertTrue(MeshTypes.isEvmAccount(evmId), "EVM-shaped");
        assertEq(_a(evmId), evm, "and back");

        bytes memory c20 = vm.parseJsonBytes(json, ".accounts.cosmos20.bytes");
        bytes32 c20Id = vm.parseJsonBytes32(json, ".accounts.cosmos20.accountId");
        assertEq(c20.length, 20, "20-byte Cosmos address");
        assertEq(c20Id, bytes32(uint256(uint160(bytes20(c20)))), "20 bytes left-padded");
        assertTrue(MeshTypes.isEvmAccount(c20Id), "a 20-byte account is EVM-shaped");

        bytes memory c32 = vm.parseJsonBytes(json, ".accounts.cosmos32.bytes");
        bytes32 c32Id = vm.parseJsonBytes32(json, ".accounts.cosmos32.accountId");
        assertEq(c32.length, 32, "32-byte Cosmos address");
        assertEq(c32Id, bytes32(c32), "32 bytes as they are");
        assertFalse(MeshTypes.isEvmAccount(c32Id), "a 32-byte account is not EVM-shaped");
    }

    function test_Vectors_Bundles() public view {
        bytes32 separator = vm.parseJsonBytes32(json, ".hub.domainSeparator");
        uint256 i;
        uint256 kinded;
        for (; vm.keyExistsJson(json, _key(".bundles", i, "")); ++i) {
            string memory b = _key(".bundles", i, "");
            bytes32[] memory legHashes =
                vm.parseJsonBytes32Array(json, string.concat(b, ".legHashes"));
            Leg[] memory legs = new Leg[](legHashes.length);
            for (uint256 j; j < legs.length; ++j) {
                legs[j] = _legAt(b, j);
                assertEq(MeshTypes.legHash(legs[j]), legHashes[j], "leg hash");
                // A plain leg has no action object and a zero action hash.
                string memory a = _key(string.concat(b, ".bundle.legs"), j, ".action");
                if (!vm.keyExistsJson(json, a)) {
                    assertEq(legs[j].action, bytes32(0), "plain leg");
                } else if (_hasActionFields(a)) {
                    assertEq(MeshTypes.actionHash(_actionAt(a)), legs[j].action, "leg action");
                }
            }
            bytes32 ch = MeshTypes.creatorHash(
                vm.parseJsonString(json, string.concat(b, ".bundle.creator"))
            );
            assertEq(ch, vm.parseJsonBytes32(json, string.concat(b, ".creatorHash")), "creator");
            uint64 nonce = uint64(vm.parseJsonUint(json, string.concat(b, ".bundle.nonce")));
            uint64 lockDl =
                uint64(vm.parseJsonUint(json, string.concat(b, ".bundle.lock_deadline")));
            uint64 settleDl =
                uint64(vm.parseJsonUint(json, string.concat(b, ".bundle.settle_deadline")));
            bytes32 id = vm.parseJsonBytes32(json, string.concat(b, ".bundleId"));
            assertEq(
                MeshTypes.bundleId(separator, ch, nonce, lockDl, settleDl, legs), id, "bundle id"
            );
            assertEq(
                MeshTypes.bundleIdFromLegHashes(separator, ch, nonce, lockDl, settleDl, legHashes),
                id,
                "bundle id from leg hashes"
            );
            assertEq(
                MeshTypes.settlementLeaf(id, MeshTypes.COMMIT),
                vm.parseJsonBytes32(json, string.concat(b, ".commitLeaf")),
                "commit leaf"
            );
            assertEq(
                MeshTypes.settlementLeaf(id, MeshTypes.ABORT),
                vm.parseJsonBytes32(json, string.concat(b, ".abortLeaf")),
                "abort leaf"
            );
            for (uint256 j; j < legs.length; ++j) {
                if (legs[j].kind != MeshTypes.KIND_ESCROW) ++kinded;
            }
        }
        assertGe(kinded, 4, "lock-and-mint legs in the vectors");
        assertGe(i, 4, "bundle vectors");
    }

    /// @dev Every action vector: its calldata hash and `hashStruct(Action)`, also through the
    /// router's view.
    function test_Vectors_Actions() public {
        MeshRouter r = new MeshRouter(verifier, 1, 1 hours);
        uint256 i;
        for (; vm.keyExistsJson(json, _key(".actions", i, "")); ++i) {
            string memory a = _key(".actions", i, "");
            bytes memory data = vm.parseJsonBytes(json, string.concat(a, ".data"));
            Action memory action = _actionAt(a);
            assertEq(
                action.dataHash,
                vm.parseJsonBytes32(json, string.concat(a, ".dataHash")),
                "data hash"
            );
            bytes32 h = vm.parseJsonBytes32(json, string.concat(a, ".hash"));
            assertEq(MeshTypes.actionHash(action), h, "action hash");
            assertEq(
                r.actionHash(
                    IMeshRouter.ActionCall(
                        action.target, data, action.outputToken, action.minOut, action.gasLimit
                    )
                ),
                h,
                "router action hash"
            );
        }
        assertGe(i, 1, "action vectors");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          MERKLE                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_Vectors_Merkle() public view {
        uint256[6] memory sizes = [uint256(1), 2, 3, 5, 8, 13];
        for (uint256 t; t < sizes.length; ++t) {
            string memory m = _key(".merkle", t, "");
            bytes32[] memory leaves = vm.parseJsonBytes32Array(json, string.concat(m, ".leaves"));
            assertEq(leaves.length, sizes[t], "tree size");
            bytes32 root = vm.parseJsonBytes32(json, string.concat(m, ".root"));
            assertEq(Merkle.root(leaves), root, "root");
            for (uint256 i; i < leaves.length; ++i) {
                bytes32[] memory proof = _parseProof(string.concat(m, ".proofs"), i);
                bytes32[] memory built = Merkle.proof(leaves, i);
                assertEq(built.length, proof.length, "proof length");
                for (uint256 j; j < proof.length; ++j) {
                    assertEq(built[j], proof[j], "proof sibling");
                }
                assertTrue(MerkleProofLib.verify(proof, root, leaves[i]), "solady verify");
                assertTrue(MerkleProof.verify(proof, root, leaves[i]), "OpenZeppelin verify");
                if (leaves.length > 1) {
                    assertFalse(MerkleProofLib.verify(proof, root, bytes32(uint256(leaves[i]) ^ 1)));
                }
            }
        }
    }

    function _parseProof(string memory proofs, uint256 i) internal view returns (bytes32[] memory) {
        string memory path = _key(proofs, i, "");
        // An empty JSON array decodes as empty bytes, not as an empty bytes32[].
        if (!vm.keyExistsJson(json, string.concat(path, "[0]"))) return new bytes32[](0);
        return vm.parseJsonBytes32Array(json, path);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                 BATCHES, SETS AND SIGNATURES               */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _batch() internal view returns (uint64 epoch, uint64 index, bytes32 root) {
        epoch = uint64(vm.parseJsonUint(json, ".batch.epoch"));
        index = uint64(vm.parseJsonUint(json, ".batch.batchIndex"));
        root = vm.parseJsonBytes32(json, ".batch.root");
    }

    function test_Vectors_BatchDigest() public view {
        (uint64 epoch, uint64 index, bytes32 root) = _batch();
        bytes32 digest = vm.parseJsonBytes32(json, ".batch.digest");
        assertEq(verifier.batchDigest(epoch, index, root), digest, "verifier batch digest");
        assertEq(
            MeshTypes.typedDataDigest(
                MeshTypes.domainSeparator(verifier.HUB_SALT()),
                MeshTypes.settlementBatchHash(epoch, index, root)
            ),
            digest,
            "library batch digest"
        );
    }

    function test_Vectors_SignerSet() public view {
        (address[] memory signers, uint256[] memory weights, uint256 threshold) = _vectorSet();
        bytes32 h = vm.parseJsonBytes32(json, ".signerSet.hash");
        uint64 expiresAt = _vectorExpiresAt();
        assertEq(expiresAt, 1_900_000_000, "vector expiry");
        assertEq(
            MeshTypes.signerSetHash(signers, weights, threshold, expiresAt), h, "signer set hash"
        );
        assertEq(
            verifier.signerSetHash(signers, weights, threshold, expiresAt), h, "verifier set hash"
        );
        // The expiry is signed: another expiry is another set.
        assertTrue(
            MeshTypes.signerSetHash(signers, weights, threshold, expiresAt + 1) != h,
            "expiry is part of the hash"
        );
        uint64 newEpoch = uint64(vm.parseJsonUint(json, ".signerSet.updateNewEpoch"));
        assertEq(
            verifier.signerSetUpdateDigest(newEpoch, h),
            vm.parseJsonBytes32(json, ".signerSet.updateDigest"),
            "update digest"
        );
        (address[] memory s, uint256[] memory w, uint256 t, uint64 e,) = verifier.signerSet(1);
        assertEq(e, expiresAt, "stored expiry");
        assertEq(s.length, signers.length, "stored set size");
        for (uint256 i; i < s.length; ++i) {
            assertEq(s[i], signers[i], "stored signer");
            assertEq(w[i], weights[i], "stored weight");
        }
        assertEq(t, threshold, "stored threshold");
    }

    function test_Vectors_Signatures() public view {
        bytes32 batchDigest = vm.parseJsonBytes32(json, ".batch.digest");
        bytes32 updateDigest = vm.parseJsonBytes32(json, ".signerSet.updateDigest");
        address[] memory signers = vm.parseJsonAddressArray(json, ".signerSet.signers");
        for (uint256 i; i < 4; ++i) {
            string memory s = _key(".signatures", i, "");
            address a = vm.parseJsonAddress(json, string.concat(s, ".address"));
            uint256 key = vm.parseJsonUint(json, string.concat(s, ".privateKey"));
            assertEq(vm.addr(key), a, "key address");
            assertEq(a, signers[i], "signature order follows the set");
            bytes memory bs = vm.parseJsonBytes(json, string.concat(s, ".batchSignature"));
            bytes memory us = vm.parseJsonBytes(json, string.concat(s, ".updateSignature"));
            assertEq(harness.recover(batchDigest, bs), a, "batch signer");
            assertEq(harness.recover(updateDigest, us), a, "update signer");
            // Foundry signs deterministically (RFC 6979, low s) like the Rust crate.
            (uint8 v, bytes32 r, bytes32 sv) = vm.sign(key, batchDigest);
            assertEq(abi.encodePacked(r, sv, v), bs, "same batch signature");
            (v, r, sv) = vm.sign(key, updateDigest);
            assertEq(abi.encodePacked(r, sv, v), us, "same update signature");
        }
    }

    function test_Vectors_RelayerKey() public view {
        string memory relayer = vm.parseJsonString(json, ".relayerKey.relayer");
        bytes32 digest = MeshTypes.typedDataDigest(
            verifier.DOMAIN_SEPARATOR(), MeshTypes.relayerKeyHash(relayer)
        );
        assertEq(digest, vm.parseJsonBytes32(json, ".relayerKey.digest"), "relayer key digest");
        assertEq(
            harness.recover(digest, vm.parseJsonBytes(json, ".relayerKey.signature")),
            vm.parseJsonAddress(json, ".relayerKey.signer"),
            "relayer key signer"
        );
    }

    function test_Vectors_HighSSignatureRefused() public {
        bytes memory high = vm.parseJsonBytes(json, ".highSSignature");
        bytes memory low = vm.parseJsonBytes(json, ".signatures[0].batchSignature");
        // Same r, s' = n - s, flipped v: the malleated twin of the first batch signature.
        bytes32 r1;
        bytes32 r2;
        uint256 s1;
        uint256 s2;
        assembly {
            r1 := mload(add(high, 0x20))
            r2 := mload(add(low, 0x20))
            s1 := mload(add(high, 0x40))
            s2 := mload(add(low, 0x40))
        }
        assertEq(r1, r2, "same r");
        assertEq(s1 + s2, SignerSetLib.N, "s' = n - s");
        bytes32 digest = vm.parseJsonBytes32(json, ".batch.digest");
        // The raw precompile would accept it and recover the same signer...
        {
            uint8 v = uint8(high[64]);
            address raw = ecrecover(digest, v, r1, bytes32(s1));
            assertEq(raw, vm.parseJsonAddress(json, ".signatures[0].address"), "malleable form");
        }
        // ...but the protocol refuses it.
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.HighS.selector, 0));
        harness.recover(digest, high);
        (uint64 epoch, uint64 index, bytes32 root) = _batch();
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.HighS.selector, 0));
        verifier.submitBatch(epoch, index, root, high);
    }

    function test_Vectors_SubmitBatchWithVectorSignatures() public {
        (uint64 epoch, uint64 index, bytes32 root) = _batch();
        bytes memory sigs;
        for (uint256 i; i < 4; ++i) {
            sigs = bytes.concat(
                sigs, vm.parseJsonBytes(json, _key(".signatures", i, ".batchSignature"))
            );
        }
        assertTrue(verifier.submitBatch(epoch, index, root, sigs), "verified");
        assertTrue(verifier.isVerifiedRoot(root), "cached");
        // Three members (100 + 101 + 102 = 303 ≥ 271) suffice; two (at most 205) do not.
        bytes memory three = new bytes(195);
        bytes memory two = new bytes(130);
        for (uint256 i; i < 195; ++i) {
            three[i] = sigs[i + 65];
            if (i < 130) two[i] = sigs[i + 130];
        }
        bytes32 digest = verifier.batchDigest(epoch, index, root);
        assertEq(verifier.checkSignatures(epoch, digest, three), 306);
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.InsufficientWeight.selector, 205, 271));
        verifier.checkSignatures(epoch, digest, two);
    }

    function test_Vectors_RotateWithVectorSignatures() public {
        (address[] memory signers, uint256[] memory weights, uint256 threshold) = _vectorSet();
        bytes memory sigs;
        for (uint256 i; i < 4; ++i) {
            sigs = bytes.concat(
                sigs, vm.parseJsonBytes(json, _key(".signatures", i, ".updateSignature"))
            );
        }
        // The vector rotates epoch 1 to the same set (same expiry) as epoch 2.
        verifier.rotate(signers, weights, threshold, _vectorExpiresAt(), sigs);
        assertEq(verifier.currentEpoch(), 2, "rotated");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          LEGLOCKED                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_Vectors_LegLockedEvent() public {
        string memory sig = vm.parseJsonString(json, ".legLocked.signature");
        bytes32 topic0 = vm.parseJsonBytes32(json, ".legLocked.topic0");
        assertEq(keccak256(bytes(sig)), topic0, "topic0 from signature");
        assertEq(IMeshRouter.LegLocked.selector, topic0, "LegLocked selector");

        // Re-create the vector's lock: bundle 1, leg 0, on the vector's router and token addresses.
        address emitter = vm.parseJsonAddress(json, ".legLocked.emitter");
        Leg memory leg = _legAt(".bundles[1]", 0);
        // The router's domain is an immutable, part of its runtime code.
        MeshRouter impl = new MeshRouter(verifier, leg.domain, 1 hours);
        vm.etch(emitter, address(impl).code);
        assertEq(leg.router, MeshTypes.account(emitter), "vector leg router");
        address tok = _a(leg.token);
        address depositor = _a(leg.depositor);
        vm.etch(tok, address(new TestToken()).code);
        TestToken(tok).mint(depositor, leg.amount);
        vm.prank(depositor);
        TestToken(tok).approve(emitter, leg.amount);

        bytes32[] memory legHashes = vm.parseJsonBytes32Array(json, ".bundles[1].legHashes");
        uint64 lockDl = uint64(vm.parseJsonUint(json, ".bundles[1].bundle.lock_deadline"));
        uint64 settleDl = uint64(vm.parseJsonUint(json, ".bundles[1].bundle.settle_deadline"));
        vm.warp(lockDl - 100);
        vm.recordLogs();
        vm.prank(depositor);
        MeshRouter(emitter)
            .lock(
                vm.parseJsonBytes32(json, ".bundles[1].bundleId"),
                0,
                leg,
                lockDl,
                settleDl,
                vm.parseJsonBytes32(json, ".bundles[1].creatorHash"),
                uint64(vm.parseJsonUint(json, ".bundles[1].bundle.nonce")),
                legHashes
            );
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32[] memory topics = vm.parseJsonBytes32Array(json, ".legLocked.topics");
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != emitter) continue;
            ++found;
            assertEq(logs[i].topics.length, topics.length, "topic count");
            for (uint256 j; j < topics.length; ++j) {
                assertEq(logs[i].topics[j], topics[j], "topic");
            }
            assertEq(logs[i].data, vm.parseJsonBytes(json, ".legLocked.data"), "data");
        }
        assertEq(found, 1, "one LegLocked log from the router");
    }
}
