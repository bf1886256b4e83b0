// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MeshTypes} from "../src/MeshTypes.sol";
import {SettlementVerifier} from "../src/SettlementVerifier.sol";
import {ISettlementVerifier} from "../src/interfaces/ISettlementVerifier.sol";
import {SignerSetLib} from "../src/lib/SignerSetLib.sol";
import {MeshFixture} from "./utils/MeshFixture.sol";

contract SettlementVerifierTest is MeshFixture {
    bytes32 internal constant ROOT = keccak256("root");

    event SignerSetActivated(
        uint64 indexed epoch,
        bytes32 indexed signersHash,
        address[] signers,
        uint256[] weights,
        uint256 threshold,
        uint64 expiresAt
    );

    /// @dev The expiry of the sets the tests rotate to (after the genesis set's).
    uint64 internal constant NEXT_EXPIRES_AT = GENESIS_EXPIRES_AT + 30 days;
    event BatchVerified(bytes32 indexed root, uint64 epoch, uint64 batchIndex);

    function setUp() public {
        _setUpMesh(5, 3);
    }

    function _digest(uint64 epoch, uint64 index, bytes32 root) internal view returns (bytes32) {
        return verifier.batchDigest(epoch, index, root);
    }

    function _sigs(uint256 k, bytes32 root) internal view returns (bytes memory) {
        return _sign(_take(signerKeys, k), _digest(GENESIS_EPOCH, 7, root));
    }

    function _deploy(address[] memory s, uint256[] memory w, uint256 t)
        internal
        returns (SettlementVerifier)
    {
        return new SettlementVerifier(HUB, DEPLOYMENT, 1, s, w, t, GENESIS_EXPIRES_AT, 0);
    }

    function _ones(uint256 n) internal pure returns (uint256[] memory w) {
        w = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            w[i] = 1;
        }
    }

    function _replace(bytes memory sigs, uint256 index, bytes memory sig)
        internal
        pure
        returns (bytes memory out)
    {
        out = sigs;
        for (uint256 i; i < 65; ++i) {
            out[index * 65 + i] = sig[i];
        }
    }

    function _one(bytes memory sigs, uint256 index) internal pure returns (bytes memory out) {
        out = new bytes(65);
        for (uint256 i; i < 65; ++i) {
            out[i] = sigs[index * 65 + i];
        }
    }

    /// @dev Rotates to a fresh set of `n` signers named `seed` and returns their keys.
    function _rotate(string memory seed, uint256 n, uint256 t, uint256[] memory currentKeys)
        internal
        returns (uint256[] memory keys, address[] memory addrs)
    {
        (keys, addrs) = _makeSigners(seed, n);
        uint256[] memory w = _ones(n);
        uint64 newEpoch = verifier.currentEpoch() + 1;
        bytes32 digest = verifier.signerSetUpdateDigest(
            newEpoch, MeshTypes.signerSetHash(addrs, w, t, NEXT_EXPIRES_AT)
        );
        vm.warp(block.timestamp + ROTATION_DELAY);
        verifier.rotate(addrs, w, t, NEXT_EXPIRES_AT, _sign(currentKeys, digest));
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        CONSTRUCTOR                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_Constructor_StoresGenesisSet() public view {
        assertEq(verifier.currentEpoch(), GENESIS_EPOCH, "epoch");
        assertEq(verifier.hubChainId(), HUB, "hub");
        assertEq(verifier.deployment(), DEPLOYMENT, "deployment");
        assertEq(
            verifier.HUB_SALT(),
            keccak256(abi.encode(keccak256(bytes(HUB)), keccak256(bytes(DEPLOYMENT)))),
            "salt"
        );
        assertEq(verifier.MIN_ROTATION_DELAY(), ROTATION_DELAY, "delay");
        assertEq(verifier.RETAINED_EPOCHS(), 3, "retained");
        (address[] memory s, uint256[] memory w, uint256 t, uint64 exp, uint64 at) =
            verifier.signerSet(1);
        assertEq(exp, GENESIS_EXPIRES_AT, "expires at");
        assertEq(s.length, 5, "size");
        for (uint256 i; i < 5; ++i) {
            assertEq(s[i], signerAddrs[i], "signer");
            assertEq(w[i], 1, "weight");
        }
        assertEq(t, 3, "threshold");
        assertEq(at, T0, "activated at");
        assertTrue(verifier.isEpochActive(1), "active");
        assertFalse(verifier.isEpochActive(0), "epoch 0 never existed");
        assertFalse(verifier.isEpochActive(2), "future");
    }

    function test_Constructor_EmitsSignerSetActivated() public {
        uint256[] memory w = _ones(5);
        vm.expectEmit(true, true, false, true);
        emit SignerSetActivated(
            1,
            MeshTypes.signerSetHash(signerAddrs, w, 3, GENESIS_EXPIRES_AT),
            signerAddrs,
            w,
            3,
            GENESIS_EXPIRES_AT
        );
        _deploy(signerAddrs, w, 3);
    }

    function test_RevertWhen_ConstructorHubChainIdEmpty() public {
        vm.expectRevert(ISettlementVerifier.EmptyHubChainId.selector);
        new SettlementVerifier("", DEPLOYMENT, 1, signerAddrs, _ones(5), 3, GENESIS_EXPIRES_AT, 0);
    }

    function test_RevertWhen_SignerSetEmpty() public {
        vm.expectRevert(SignerSetLib.EmptySignerSet.selector);
        _deploy(new address[](0), new uint256[](0), 1);
    }

    function test_RevertWhen_SignerSetTooLarge() public {
        (, address[] memory addrs) = _makeSigners("big", 65);
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.TooManySigners.selector, 65, 64));
        _deploy(addrs, _ones(65), 1);
    }

    function test_SignerSetOf64Members() public {
        (, address[] memory addrs) = _makeSigners("big", 64);
        SettlementVerifier v = _deploy(addrs, _ones(64), 64);
        (address[] memory s,,,,) = v.signerSet(1);
        assertEq(s.length, 64, "64 members");
    }

    function test_RevertWhen_SignerWeightLengthMismatch() public {
        vm.expectRevert(
            abi.encodeWithSelector(SignerSetLib.SignerWeightLengthMismatch.selector, 5, 4)
        );
        _deploy(signerAddrs, _ones(4), 1);
    }

    function test_RevertWhen_SignerIsZero() public {
        address[] memory s = new address[](2);
        s[1] = alice;
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.ZeroSigner.selector, 0));
        _deploy(s, _ones(2), 1);
    }

    function test_RevertWhen_WeightIsZero() public {
        uint256[] memory w = _ones(5);
        w[2] = 0;
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.ZeroWeight.selector, 2, signerAddrs[2]));
        _deploy(signerAddrs, w, 1);
    }

    function test_RevertWhen_SignersDuplicated() public {
        address[] memory s = signerAddrs;
        s[3] = s[2];
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.SignersNotSorted.selector, 3, s[2]));
        _deploy(s, _ones(5), 1);
    }

    function test_RevertWhen_SignersDescending() public {
        address[] memory s = new address[](2);
        (s[0], s[1]) = (signerAddrs[1], signerAddrs[0]);
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.SignersNotSorted.selector, 1, s[1]));
        _deploy(s, _ones(2), 1);
    }

    function test_RevertWhen_WeightsOverflow() public {
        uint256[] memory w = _ones(5);
        w[0] = type(uint256).max;
        vm.expectRevert(SignerSetLib.WeightOverflow.selector);
        _deploy(signerAddrs, w, 1);
    }

    function test_RevertWhen_ThresholdZero() public {
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.BadThreshold.selector, 0, 5));
        _deploy(signerAddrs, _ones(5), 0);
    }

    function test_RevertWhen_ThresholdAboveTotal() public {
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.BadThreshold.selector, 6, 5));
        _deploy(signerAddrs, _ones(5), 6);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        SUBMIT BATCH                        */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_SubmitBatch_VerifiesAndCachesRoot() public {
        bytes memory sigs = _sigs(3, ROOT);
        vm.expectEmit(true, false, false, true, address(verifier));
        emit BatchVerified(ROOT, GENESIS_EPOCH, 7);
        assertTrue(verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs), "newly verified");
        assertTrue(verifier.isVerifiedRoot(ROOT), "cached");
        ISettlementVerifier.RootRecord memory r = verifier.rootRecord(ROOT);
        assertTrue(r.verified, "record");
        assertEq(r.epoch, GENESIS_EPOCH, "record epoch");
        assertEq(r.batchIndex, 7, "record index");
        assertEq(r.verifiedAt, T0, "record time");
    }

    function test_SubmitBatch_AllSigners() public {
        assertTrue(verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, _sigs(5, ROOT)));
    }

    function test_SubmitBatch_ReplayIsNoOp() public {
        bytes memory sigs = _sigs(3, ROOT);
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
        vm.recordLogs();
        assertFalse(verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs), "no-op");
        assertEq(vm.getRecordedLogs().length, 0, "no event");
        // Even garbage signatures do not revert once the root is known.
        assertFalse(verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, ""), "no-op without sigs");
    }

    function test_RevertWhen_RootIsZero() public {
        bytes memory sigs = _sigs(3, bytes32(0));
        vm.expectRevert(ISettlementVerifier.ZeroRoot.selector);
        verifier.submitBatch(GENESIS_EPOCH, 7, bytes32(0), sigs);
    }

    function test_RevertWhen_EpochInFuture() public {
        bytes memory sigs = _sign(signerKeys, _digest(2, 7, ROOT));
        vm.expectRevert(
            abi.encodeWithSelector(ISettlementVerifier.EpochNotActive.selector, 2, GENESIS_EPOCH)
        );
        verifier.submitBatch(2, 7, ROOT, sigs);
    }

    function test_RevertWhen_EpochBeforeGenesis() public {
        bytes memory sigs = _sign(signerKeys, _digest(0, 7, ROOT));
        vm.expectRevert(
            abi.encodeWithSelector(ISettlementVerifier.EpochNotActive.selector, 0, GENESIS_EPOCH)
        );
        verifier.submitBatch(0, 7, ROOT, sigs);
    }

    function test_RevertWhen_NoSignatures() public {
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.BadSignaturesLength.selector, 0));
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, "");
    }

    function test_RevertWhen_SignaturesLengthNotMultipleOf65() public {
        bytes memory sigs = _sigs(3, ROOT);
        bytes memory cut = new bytes(sigs.length - 1);
        for (uint256 i; i < cut.length; ++i) {
            cut[i] = sigs[i];
        }
        vm.expectRevert(
            abi.encodeWithSelector(SignerSetLib.BadSignaturesLength.selector, cut.length)
        );
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, cut);
    }

    function test_RevertWhen_SignatureVInvalid() public {
        bytes memory sigs = _sigs(3, ROOT);
        sigs[65 + 64] = bytes1(uint8(1));
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.BadSignatureV.selector, 1, 1));
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
    }

    function test_RevertWhen_SignatureRIsZero() public {
        bytes memory sigs = _sigs(3, ROOT);
        for (uint256 i; i < 32; ++i) {
            sigs[i] = 0;
        }
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.SignatureOutOfRange.selector, 0));
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
    }

    function test_RevertWhen_SignatureRNotBelowOrder() public {
        bytes memory sigs = _sigs(3, ROOT);
        bytes memory n = abi.encodePacked(SECP_N);
        for (uint256 i; i < 32; ++i) {
            sigs[130 + i] = n[i];
        }
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.SignatureOutOfRange.selector, 2));
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
    }

    function test_RevertWhen_SignatureSIsZero() public {
        bytes memory sigs = _sigs(3, ROOT);
        for (uint256 i; i < 32; ++i) {
            sigs[32 + i] = 0;
        }
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.SignatureOutOfRange.selector, 0));
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
    }

    function test_RevertWhen_SignatureHighS() public {
        bytes memory sigs = _sigs(3, ROOT);
        // Malleate the second signature: s' = n - s, v' = v ^ 1 (same signer for ecrecover).
        uint256 s;
        assembly {
            s := mload(add(sigs, add(0x20, 97)))
        }
        bytes memory hs = abi.encodePacked(SECP_N - s);
        for (uint256 i; i < 32; ++i) {
            sigs[97 + i] = hs[i];
        }
        sigs[129] = sigs[129] == bytes1(uint8(27)) ? bytes1(uint8(28)) : bytes1(uint8(27));
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.HighS.selector, 1));
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
    }

    function test_RevertWhen_SignatureUnrecoverable() public {
        bytes memory sigs = _sigs(3, ROOT);
        // r = 5 is not the x coordinate of a curve point (x^3 + 7 = 132 is not a square mod p).
        for (uint256 i; i < 32; ++i) {
            sigs[i] = 0;
        }
        sigs[31] = bytes1(uint8(5));
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.UnrecoverableSignature.selector, 0));
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
    }

    function test_RevertWhen_SignatureDuplicated() public {
        bytes memory sigs = _sigs(3, ROOT);
        sigs = _replace(sigs, 1, _one(sigs, 0));
        vm.expectRevert(
            abi.encodeWithSelector(
                SignerSetLib.SignersNotAscending.selector, 1, signerAddrs[0], signerAddrs[0]
            )
        );
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
    }

    function test_RevertWhen_SignaturesDescending() public {
        bytes memory sigs = _sigs(3, ROOT);
        bytes memory s0 = _one(sigs, 0);
        sigs = _replace(_replace(sigs, 0, _one(sigs, 1)), 1, s0);
        vm.expectRevert(
            abi.encodeWithSelector(
                SignerSetLib.SignersNotAscending.selector, 1, signerAddrs[0], signerAddrs[1]
            )
        );
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
    }

    function test_RevertWhen_SignerOutOfSet() public {
        (uint256[] memory outKeys, address[] memory outAddrs) = _makeSigners("outsider", 1);
        // Replace the last signature with an outsider whose address sorts after the others.
        bytes memory sigs = _sigs(2, ROOT);
        bytes memory extra = _sign(outKeys, _digest(GENESIS_EPOCH, 7, ROOT));
        bytes memory all =
            outAddrs[0] > signerAddrs[1] ? bytes.concat(sigs, extra) : bytes.concat(extra, sigs);
        uint256 index = outAddrs[0] > signerAddrs[1] ? 2 : 0;
        vm.expectRevert(
            abi.encodeWithSelector(SignerSetLib.NotASigner.selector, index, outAddrs[0])
        );
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, all);
    }

    function test_RevertWhen_SignatureForged() public {
        // Signatures over another root recover to unrelated addresses.
        bytes memory sigs = _sigs(3, keccak256("another root"));
        vm.expectRevert(_foreignSigError(_digest(GENESIS_EPOCH, 7, ROOT), sigs));
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
        assertFalse(verifier.isVerifiedRoot(ROOT));
    }

    function test_RevertWhen_SignedForAnotherBatchIndex() public {
        bytes memory sigs = _sigs(3, ROOT); // signed for batch index 7
        vm.expectRevert(_foreignSigError(_digest(GENESIS_EPOCH, 8, ROOT), sigs));
        verifier.submitBatch(GENESIS_EPOCH, 8, ROOT, sigs);
    }

    function test_RevertWhen_SignedUnderAnotherHub() public {
        SettlementVerifier other = new SettlementVerifier(
            "other-hub-1", DEPLOYMENT, 1, signerAddrs, _ones(5), 3, GENESIS_EXPIRES_AT, 0
        );
        bytes memory sigs = _sign(_take(signerKeys, 3), other.batchDigest(1, 7, ROOT));
        assertTrue(other.submitBatch(1, 7, ROOT, sigs), "valid on its own hub");
        vm.expectRevert(_foreignSigError(_digest(GENESIS_EPOCH, 7, ROOT), sigs));
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
    }

    function test_RevertWhen_WeightBelowThreshold() public {
        bytes memory sigs = _sigs(2, ROOT);
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.InsufficientWeight.selector, 2, 3));
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
    }

    function test_CheckSignatures_ReturnsWeight() public view {
        bytes32 digest = _digest(GENESIS_EPOCH, 7, ROOT);
        assertEq(verifier.checkSignatures(GENESIS_EPOCH, digest, _sign(signerKeys, digest)), 5);
    }

    function test_RevertWhen_CheckSignaturesBelowThreshold() public {
        bytes32 digest = _digest(GENESIS_EPOCH, 7, ROOT);
        bytes memory sigs = _sign(_take(signerKeys, 1), digest);
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.InsufficientWeight.selector, 1, 3));
        verifier.checkSignatures(GENESIS_EPOCH, digest, sigs);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          ROTATION                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_Rotate_ActivatesNextEpoch() public {
        (uint256[] memory keys, address[] memory addrs) = _makeSigners("epoch2", 4);
        {
            uint256[] memory w = _ones(4);
            bytes32 sh = MeshTypes.signerSetHash(addrs, w, 2, NEXT_EXPIRES_AT);
            bytes memory sigs = _sign(_take(signerKeys, 3), verifier.signerSetUpdateDigest(2, sh));
            vm.warp(T0 + ROTATION_DELAY);
            vm.expectEmit(true, true, false, true, address(verifier));
            emit SignerSetActivated(2, sh, addrs, w, 2, NEXT_EXPIRES_AT);
            verifier.rotate(addrs, w, 2, NEXT_EXPIRES_AT, sigs);
        }
        assertEq(verifier.currentEpoch(), 2, "epoch");
        {
            (address[] memory s,, uint256 t, uint64 exp, uint64 at) = verifier.signerSet(2);
            assertEq(exp, NEXT_EXPIRES_AT, "new expiry");
            assertEq(s[3], addrs[3], "new member");
            assertEq(t, 2, "new threshold");
            assertEq(at, T0 + ROTATION_DELAY, "activated");
        }
        // The new set signs epoch-2 batches; the old set still signs epoch-1 batches.
        bytes32 root2 = keccak256("root2");
        verifier.submitBatch(2, 0, root2, _sign(_take(keys, 2), _digest(2, 0, root2)));
        assertTrue(verifier.isVerifiedRoot(root2), "new set verifies");
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, _sigs(3, ROOT));
        assertTrue(verifier.isVerifiedRoot(ROOT), "retained set verifies");
        // The new set cannot sign for epoch 1, nor the old one for epoch 2.
        bytes32 root3 = keccak256("root3");
        bytes memory wrong = _sign(_take(keys, 2), _digest(GENESIS_EPOCH, 1, root3));
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.NotASigner.selector, 0, addrs[0]));
        verifier.submitBatch(GENESIS_EPOCH, 1, root3, wrong);
        wrong = _sign(_take(signerKeys, 3), _digest(2, 1, root3));
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.NotASigner.selector, 0, signerAddrs[0]));
        verifier.submitBatch(2, 1, root3, wrong);
    }

    function test_RevertWhen_RotateTooEarly() public {
        (, address[] memory addrs) = _makeSigners("epoch2", 4);
        uint256[] memory w = _ones(4);
        bytes32 digest = verifier.signerSetUpdateDigest(
            2, MeshTypes.signerSetHash(addrs, w, 2, NEXT_EXPIRES_AT)
        );
        bytes memory sigs = _sign(_take(signerKeys, 3), digest);
        vm.warp(T0 + ROTATION_DELAY - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISettlementVerifier.RotationTooEarly.selector,
                T0 + ROTATION_DELAY,
                T0 + ROTATION_DELAY - 1
            )
        );
        verifier.rotate(addrs, w, 2, NEXT_EXPIRES_AT, sigs);
    }

    function test_RevertWhen_RotateBelowThreshold() public {
        (, address[] memory addrs) = _makeSigners("epoch2", 4);
        uint256[] memory w = _ones(4);
        bytes32 digest = verifier.signerSetUpdateDigest(
            2, MeshTypes.signerSetHash(addrs, w, 2, NEXT_EXPIRES_AT)
        );
        bytes memory sigs = _sign(_take(signerKeys, 2), digest);
        vm.warp(T0 + ROTATION_DELAY);
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.InsufficientWeight.selector, 2, 3));
        verifier.rotate(addrs, w, 2, NEXT_EXPIRES_AT, sigs);
    }

    function test_RevertWhen_RotateSignedForOtherSet() public {
        (, address[] memory addrs) = _makeSigners("epoch2", 4);
        uint256[] memory w = _ones(4);
        bytes32 digest = verifier.signerSetUpdateDigest(
            2, MeshTypes.signerSetHash(addrs, w, 2, NEXT_EXPIRES_AT)
        );
        bytes memory sigs = _sign(_take(signerKeys, 3), digest);
        vm.warp(T0 + ROTATION_DELAY);
        // Same signatures, different threshold: another signer set hash.
        bytes32 actual = verifier.signerSetUpdateDigest(
            2, MeshTypes.signerSetHash(addrs, w, 1, NEXT_EXPIRES_AT)
        );
        vm.expectRevert(_foreignSigError(actual, sigs));
        verifier.rotate(addrs, w, 1, NEXT_EXPIRES_AT, sigs);
    }

    function test_RevertWhen_RotateSignedForOtherEpoch() public {
        (, address[] memory addrs) = _makeSigners("epoch2", 4);
        uint256[] memory w = _ones(4);
        bytes32 digest = verifier.signerSetUpdateDigest(
            3, MeshTypes.signerSetHash(addrs, w, 2, NEXT_EXPIRES_AT)
        );
        bytes memory sigs = _sign(_take(signerKeys, 3), digest);
        vm.warp(T0 + ROTATION_DELAY);
        bytes32 actual = verifier.signerSetUpdateDigest(
            2, MeshTypes.signerSetHash(addrs, w, 2, NEXT_EXPIRES_AT)
        );
        vm.expectRevert(_foreignSigError(actual, sigs));
        verifier.rotate(addrs, w, 2, NEXT_EXPIRES_AT, sigs);
    }

    function test_RevertWhen_RotateToInvalidSet() public {
        address[] memory addrs = new address[](2);
        (addrs[0], addrs[1]) = (signerAddrs[1], signerAddrs[0]);
        uint256[] memory w = _ones(2);
        bytes32 digest = verifier.signerSetUpdateDigest(
            2, MeshTypes.signerSetHash(addrs, w, 1, NEXT_EXPIRES_AT)
        );
        bytes memory sigs = _sign(_take(signerKeys, 3), digest);
        vm.warp(T0 + ROTATION_DELAY);
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.SignersNotSorted.selector, 1, addrs[1]));
        verifier.rotate(addrs, w, 1, NEXT_EXPIRES_AT, sigs);
    }

    function test_RevertWhen_RotationReplayed() public {
        (, address[] memory addrs) = _makeSigners("epoch2", 4);
        uint256[] memory w = _ones(4);
        bytes32 digest = verifier.signerSetUpdateDigest(
            2, MeshTypes.signerSetHash(addrs, w, 2, NEXT_EXPIRES_AT)
        );
        bytes memory sigs = _sign(_take(signerKeys, 3), digest);
        vm.warp(T0 + ROTATION_DELAY);
        verifier.rotate(addrs, w, 2, NEXT_EXPIRES_AT, sigs);
        vm.warp(T0 + 2 * ROTATION_DELAY);
        // Now the update would be for epoch 3 and must be signed by the epoch-2 set.
        bytes32 actual = verifier.signerSetUpdateDigest(
            3, MeshTypes.signerSetHash(addrs, w, 2, NEXT_EXPIRES_AT)
        );
        vm.expectRevert(_foreignSigError(actual, sigs));
        verifier.rotate(addrs, w, 2, NEXT_EXPIRES_AT, sigs);
    }

    function test_Retention_KeepsThreePreviousEpochs() public {
        uint256[] memory keys = signerKeys;
        for (uint256 e = 2; e <= 5; ++e) {
            (keys,) =
                _rotate(string.concat("epoch", vm.toString(e)), 3, 2, _take(keys, keys.length));
        }
        assertEq(verifier.currentEpoch(), 5, "epoch 5");
        assertFalse(verifier.isEpochActive(1), "epoch 1 dropped");
        assertTrue(verifier.isEpochActive(2), "epoch 2 retained");
        assertTrue(verifier.isEpochActive(4), "epoch 4 retained");
        bytes memory sigs = _sigs(3, ROOT);
        vm.expectRevert(abi.encodeWithSelector(ISettlementVerifier.EpochNotActive.selector, 1, 5));
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
    }

    /// @dev The oldest retained epoch (current − RETAINED_EPOCHS) still verifies through
    /// `submitBatch` and `checkSignatures`, not only in `isEpochActive` (kills `>` → `>=` in the
    /// retention check of `_setOf`).
    function test_Retention_OldestRetainedEpochStillVerifies() public {
        uint256[] memory keys = signerKeys;
        uint256[] memory epoch2Keys;
        for (uint256 e = 2; e <= 5; ++e) {
            (keys,) =
                _rotate(string.concat("epoch", vm.toString(e)), 3, 2, _take(keys, keys.length));
            if (e == 2) epoch2Keys = keys;
        }
        assertEq(verifier.currentEpoch(), 5, "epoch 5");
        bytes32 root = keccak256("oldest retained");
        bytes32 digest = verifier.batchDigest(2, 0, root);
        assertEq(verifier.checkSignatures(2, digest, _sign(epoch2Keys, digest)), 3, "weight");
        assertTrue(verifier.submitBatch(2, 0, root, _sign(epoch2Keys, digest)), "epoch 5 - 3");
    }

    function test_SignerSet_UnknownEpochIsEmpty() public view {
        (address[] memory s, uint256[] memory w, uint256 t, uint64 exp, uint64 at) =
            verifier.signerSet(9);
        assertEq(s.length + w.length + t + exp + at, 0, "empty");
    }

    /// @dev ERC-5267 must describe the domain signatures are checked under: a wallet that
    ///      rebuilds the separator from these fields gets exactly `DOMAIN_SEPARATOR`.
    function test_Eip712Domain() public view {
        (bytes1 fields, string memory name, string memory version,,,,) = verifier.eip712Domain();
        assertEq(uint8(fields), 0x13, "fields");
        assertEq(name, "AtomicMesh", "name");
        assertEq(version, "4", "version");
        (,,,,, bytes32 saltField,) = verifier.eip712Domain();
        bytes32 rebuilt = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,bytes32 salt)"),
                keccak256(bytes(name)),
                keccak256(bytes(version)),
                saltField
            )
        );
        assertEq(rebuilt, verifier.DOMAIN_SEPARATOR(), "the reported fields rebuild the separator");
        (,,, uint256 chainId, address vc, bytes32 salt, uint256[] memory ext) =
            verifier.eip712Domain();
        assertEq(chainId, 0, "no chain id");
        assertEq(vc, address(0), "no verifying contract");
        assertEq(salt, MeshTypes.hubSalt(HUB, DEPLOYMENT), "salt");
        assertEq(ext.length, 0, "no extensions");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*            AUDIT: SIGNING POWER OUTLIVING STAKE            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _expired(uint64 epoch, uint64 expiresAt) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(ISettlementVerifier.SignerSetExpired.selector, epoch, expiresAt);
    }

    /// @dev The genesis members unbonded on the hub; the hub keeps their stake slashable only
    /// until their set's expiry. From then on, whatever they sign is refused: batch roots,
    /// in-place checks, and the root is not cached.
    function test_RevertWhen_UnbondedSignersSignAfterTheirSetExpired() public {
        vm.warp(GENESIS_EXPIRES_AT - 1);
        assertTrue(verifier.isEpochActive(GENESIS_EPOCH), "active until the last second");
        bytes32 early = keccak256("signed in time");
        verifier.submitBatch(GENESIS_EPOCH, 6, early, _sign(signerKeys, _digest(1, 6, early)));
        vm.warp(GENESIS_EXPIRES_AT);
        assertFalse(verifier.isEpochActive(GENESIS_EPOCH), "inactive from expiresAt on");
        bytes32 digest = _digest(GENESIS_EPOCH, 7, ROOT);
        bytes memory sigs = _sign(signerKeys, digest);
        vm.expectRevert(_expired(GENESIS_EPOCH, GENESIS_EXPIRES_AT));
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
        vm.expectRevert(_expired(GENESIS_EPOCH, GENESIS_EXPIRES_AT));
        verifier.checkSignatures(GENESIS_EPOCH, digest, sigs);
        assertFalse(verifier.isVerifiedRoot(ROOT), "never verified");
        // A root verified before the expiry stays verified (it was signed while slashable).
        assertTrue(verifier.isVerifiedRoot(early), "verified in time stays verified");
    }

    /// @dev A retained (previous) epoch keeps verifying only until its own expiry, even while
    /// the current set is still valid.
    function test_RevertWhen_RetainedSetSignsAfterItsExpiry() public {
        (uint256[] memory keys,) = _rotate("epoch2", 3, 2, _take(signerKeys, 3));
        assertTrue(verifier.isEpochActive(GENESIS_EPOCH), "retained");
        vm.warp(GENESIS_EXPIRES_AT);
        assertFalse(verifier.isEpochActive(GENESIS_EPOCH), "retained but expired");
        assertTrue(verifier.isEpochActive(2), "current still valid");
        bytes memory sigs = _sigs(3, ROOT);
        vm.expectRevert(_expired(GENESIS_EPOCH, GENESIS_EXPIRES_AT));
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
        verifier.submitBatch(2, 0, ROOT, _sign(_take(keys, 2), _digest(2, 0, ROOT)));
        assertTrue(verifier.isVerifiedRoot(ROOT), "the current set signs");
    }

    /// @dev The expired set cannot hand its power over to a new set either (nor to itself).
    function test_RevertWhen_ExpiredSetSignsARotation() public {
        (, address[] memory addrs) = _makeSigners("epoch2", 4);
        uint256[] memory w = _ones(4);
        bytes32 digest = verifier.signerSetUpdateDigest(
            2, MeshTypes.signerSetHash(addrs, w, 2, NEXT_EXPIRES_AT)
        );
        bytes memory sigs = _sign(signerKeys, digest);
        vm.warp(GENESIS_EXPIRES_AT);
        vm.expectRevert(_expired(GENESIS_EPOCH, GENESIS_EXPIRES_AT));
        verifier.rotate(addrs, w, 2, NEXT_EXPIRES_AT, sigs);
        vm.warp(type(uint64).max);
        vm.expectRevert(_expired(GENESIS_EPOCH, GENESIS_EXPIRES_AT));
        verifier.rotate(addrs, w, 2, type(uint64).max, sigs);
        assertEq(verifier.currentEpoch(), GENESIS_EPOCH, "no rotation");
    }

    /// @dev The expiry is signed: a rotation submitted with a later expiry than the one the set
    /// signed (to extend the new members' signing power) does not verify.
    function test_RevertWhen_RotationExpiryAltered_ExtendsSigningPower() public {
        (, address[] memory addrs) = _makeSigners("epoch2", 4);
        uint256[] memory w = _ones(4);
        bytes memory sigs = _sign(
            signerKeys,
            verifier.signerSetUpdateDigest(2, MeshTypes.signerSetHash(addrs, w, 2, NEXT_EXPIRES_AT))
        );
        vm.warp(T0 + ROTATION_DELAY);
        uint64 extended = NEXT_EXPIRES_AT + 365 days;
        bytes32 actual =
            verifier.signerSetUpdateDigest(2, MeshTypes.signerSetHash(addrs, w, 2, extended));
        vm.expectRevert(_foreignSigError(actual, sigs));
        verifier.rotate(addrs, w, 2, extended, sigs);
    }

    function test_RevertWhen_RotationToSetExpiringInThePast() public {
        (, address[] memory addrs) = _makeSigners("epoch2", 4);
        uint256[] memory w = _ones(4);
        uint64 now_ = T0 + ROTATION_DELAY;
        bytes memory sigs = _sign(
            signerKeys,
            verifier.signerSetUpdateDigest(2, MeshTypes.signerSetHash(addrs, w, 2, now_))
        );
        vm.warp(now_);
        vm.expectRevert(
            abi.encodeWithSelector(ISettlementVerifier.ExpiryInPast.selector, now_, now_)
        );
        verifier.rotate(addrs, w, 2, now_, sigs);
    }

    /// @dev Expiries never decrease, so the current set is the last one to expire: once it
    /// expired, nothing verifies (the recovery condition is simple to monitor).
    function test_RevertWhen_RotationShortensExpiry() public {
        (, address[] memory addrs) = _makeSigners("epoch2", 4);
        uint256[] memory w = _ones(4);
        uint64 shorter = GENESIS_EXPIRES_AT - 1;
        bytes memory sigs = _sign(
            signerKeys,
            verifier.signerSetUpdateDigest(2, MeshTypes.signerSetHash(addrs, w, 2, shorter))
        );
        vm.warp(T0 + ROTATION_DELAY);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISettlementVerifier.ExpiryBeforeCurrent.selector, shorter, GENESIS_EXPIRES_AT
            )
        );
        verifier.rotate(addrs, w, 2, shorter, sigs);
        // The same expiry as the current set is accepted.
        sigs = _sign(
            signerKeys,
            verifier.signerSetUpdateDigest(
                2, MeshTypes.signerSetHash(addrs, w, 2, GENESIS_EXPIRES_AT)
            )
        );
        verifier.rotate(addrs, w, 2, GENESIS_EXPIRES_AT, sigs);
        assertEq(verifier.currentEpoch(), 2, "rotated with an equal expiry");
    }

    function test_RevertWhen_GenesisExpiryNotInFuture() public {
        vm.expectRevert(abi.encodeWithSelector(ISettlementVerifier.ExpiryInPast.selector, T0, T0));
        new SettlementVerifier(HUB, DEPLOYMENT, 1, signerAddrs, _ones(5), 3, T0, 0);
        vm.expectRevert(abi.encodeWithSelector(ISettlementVerifier.ExpiryInPast.selector, 0, T0));
        new SettlementVerifier(HUB, DEPLOYMENT, 1, signerAddrs, _ones(5), 3, 0, 0);
    }

    /// @dev Any expiry, any time (beyond 2^64 too): a set verifies iff now < expiresAt.
    function testFuzz_SetVerifiesIffNotExpired(uint64 expiresAt, uint256 at) public {
        expiresAt = uint64(bound(expiresAt, T0 + 1, type(uint64).max));
        SettlementVerifier v =
            new SettlementVerifier(HUB, DEPLOYMENT, 1, signerAddrs, _ones(5), 3, expiresAt, 0);
        at = bound(at, T0, uint256(type(uint64).max) + 1 days);
        vm.warp(at);
        bytes memory sigs = _sign(_take(signerKeys, 3), v.batchDigest(1, 7, ROOT));
        if (at >= expiresAt) vm.expectRevert(_expired(1, expiresAt));
        v.submitBatch(1, 7, ROOT, sigs);
        assertEq(v.isVerifiedRoot(ROOT), at < expiresAt, "verified iff not expired");
        assertEq(v.isEpochActive(1), at < expiresAt, "active iff not expired");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*             AUDIT: DOMAIN BINDS THE DEPLOYMENT             */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Each encoding change bumped the EIP-712 domain version (v2: VM-neutral legs, v3: legs
    /// with actions): a batch signed under an older domain (same name, same salt, version "1" or
    /// "2") recovers strangers and is refused, so nothing signed for older legs verifies.
    function test_RevertWhen_BatchSignedUnderOlderDomain() public {
        bytes32 digest = _digest(GENESIS_EPOCH, 7, ROOT);
        for (uint256 v = 1; v <= 2; ++v) {
            bytes32 oldDomain = keccak256(
                abi.encode(
                    MeshTypes.DOMAIN_TYPEHASH,
                    MeshTypes.NAME_HASH,
                    keccak256(bytes(vm.toString(v))),
                    verifier.HUB_SALT()
                )
            );
            assertTrue(oldDomain != verifier.DOMAIN_SEPARATOR(), "the version is bound");
            bytes32 oldDigest = MeshTypes.typedDataDigest(
                oldDomain, MeshTypes.settlementBatchHash(GENESIS_EPOCH, 7, ROOT)
            );
            bytes memory sigs = _sign(_take(signerKeys, 3), oldDigest);
            assertTrue(oldDigest != digest, "another digest");
            bytes memory err = _foreignSigError(digest, sigs);
            vm.expectRevert(err);
            verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
            vm.expectRevert(err);
            verifier.checkSignatures(GENESIS_EPOCH, digest, sigs);
        }
        // The same signers over the v3 digest verify.
        bytes memory sigs3 = _sign(_take(signerKeys, 3), digest);
        assertTrue(verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs3), "v3 verifies");
    }

    /// @dev Two bundle-logs on one hub chain (a migration, a staging copy) with the same signer
    /// set: a signature made for one is refused by the other's verifier.
    function test_SignatureForAnotherDeploymentOnTheSameHubIsRefused() public {
        string memory staging = "inj1stagingbundlelog000000000000000000000";
        SettlementVerifier other = new SettlementVerifier(
            HUB, staging, 1, signerAddrs, _ones(5), 3, GENESIS_EXPIRES_AT, 0
        );
        assertEq(other.hubChainId(), verifier.hubChainId(), "same hub chain");
        assertTrue(other.HUB_SALT() != verifier.HUB_SALT(), "other salt");
        assertTrue(other.DOMAIN_SEPARATOR() != verifier.DOMAIN_SEPARATOR(), "other domain");
        bytes memory sigs = _sign(_take(signerKeys, 3), other.batchDigest(1, 7, ROOT));
        assertTrue(other.submitBatch(1, 7, ROOT, sigs), "valid for its own deployment");
        vm.expectRevert(_foreignSigError(_digest(GENESIS_EPOCH, 7, ROOT), sigs));
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
        // Rotations do not cross deployments either.
        (, address[] memory addrs) = _makeSigners("epoch2", 4);
        uint256[] memory w = _ones(4);
        bytes memory rot = _sign(
            signerKeys,
            other.signerSetUpdateDigest(2, MeshTypes.signerSetHash(addrs, w, 2, NEXT_EXPIRES_AT))
        );
        vm.warp(T0 + ROTATION_DELAY);
        bytes32 here = verifier.signerSetUpdateDigest(
            2, MeshTypes.signerSetHash(addrs, w, 2, NEXT_EXPIRES_AT)
        );
        vm.expectRevert(_foreignSigError(here, rot));
        verifier.rotate(addrs, w, 2, NEXT_EXPIRES_AT, rot);
    }

    function test_RevertWhen_ConstructorDeploymentEmpty() public {
        vm.expectRevert(ISettlementVerifier.EmptyDeployment.selector);
        new SettlementVerifier(HUB, "", 1, signerAddrs, _ones(5), 3, GENESIS_EXPIRES_AT, 0);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                            FUZZ                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Random weighted sets and random signing subsets: a root verifies iff the subset's
    /// weight reaches the threshold.
    function testFuzz_SubmitBatch_VerifiesIffThresholdReached(
        uint256 seed,
        uint8 sizeSeed,
        uint256 mask,
        uint256 thresholdSeed
    ) public {
        uint256 n = bound(sizeSeed, 1, 12);
        (uint256[] memory keys, address[] memory addrs) = _makeSigners(string(abi.encode(seed)), n);
        (uint256[] memory w, uint256 total) = _randomWeights(seed, n);
        uint256 t = bound(thresholdSeed, 1, total);
        SettlementVerifier v = _deploy(addrs, w, t);
        bytes32 root = keccak256(abi.encode(seed, "root"));
        (uint256[] memory subset, uint256 signed) = _subset(keys, w, mask);
        bytes memory sigs = _sign(subset, v.batchDigest(1, 0, root));
        if (subset.length == 0) {
            vm.expectRevert(abi.encodeWithSelector(SignerSetLib.BadSignaturesLength.selector, 0));
        } else if (signed < t) {
            vm.expectRevert(
                abi.encodeWithSelector(SignerSetLib.InsufficientWeight.selector, signed, t)
            );
        }
        v.submitBatch(1, 0, root, sigs);
        assertEq(v.isVerifiedRoot(root), subset.length != 0 && signed >= t, "verified iff weight");
    }

    function _randomWeights(uint256 seed, uint256 n)
        internal
        pure
        returns (uint256[] memory w, uint256 total)
    {
        w = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            w[i] = bound(uint256(keccak256(abi.encode(seed, "w", i))), 1, 1e24);
            total += w[i];
        }
    }

    function _subset(uint256[] memory keys, uint256[] memory w, uint256 mask)
        internal
        pure
        returns (uint256[] memory subset, uint256 signed)
    {
        uint256 count;
        for (uint256 i; i < keys.length; ++i) {
            if ((mask >> i) & 1 == 1) ++count;
        }
        subset = new uint256[](count);
        count = 0;
        for (uint256 i; i < keys.length; ++i) {
            if ((mask >> i) & 1 == 1) {
                subset[count++] = keys[i];
                signed += w[i];
            }
        }
    }

    /// @dev Any single-byte corruption of a valid signature set is refused.
    function testFuzz_RevertWhen_SignatureByteCorrupted(uint256 position, uint8 xor) public {
        xor = uint8(bound(xor, 1, 255));
        bytes memory sigs = _sigs(3, ROOT);
        position = bound(position, 0, sigs.length - 1);
        sigs[position] = bytes1(uint8(sigs[position]) ^ xor);
        (bool ok, bytes memory ret) = address(verifier)
            .call(abi.encodeCall(verifier.submitBatch, (GENESIS_EPOCH, 7, ROOT, sigs)));
        assertFalse(ok, "refused");
        bytes4 sel = bytes4(ret);
        assertTrue(
            sel == SignerSetLib.BadSignatureV.selector
                || sel == SignerSetLib.SignatureOutOfRange.selector
                || sel == SignerSetLib.HighS.selector
                || sel == SignerSetLib.UnrecoverableSignature.selector
                || sel == SignerSetLib.SignersNotAscending.selector
                || sel == SignerSetLib.NotASigner.selector,
            "a signature check refused it"
        );
        assertFalse(verifier.isVerifiedRoot(ROOT), "not verified");
    }

    /// @dev Only ascending, duplicate-free orders of member signatures verify.
    function testFuzz_RevertWhen_SignaturesPermuted(uint256 seed) public {
        bytes memory sigs = _sigs(3, ROOT);
        uint256 a = bound(seed, 0, 2);
        uint256 b = bound(seed >> 8, 0, 2);
        vm.assume(a != b);
        bytes memory sa = _one(sigs, a);
        sigs = _replace(_replace(sigs, a, _one(sigs, b)), b, sa);
        // The first signer not above its predecessor is named.
        address[] memory order = new address[](3);
        for (uint256 i; i < 3; ++i) {
            order[i] = signerAddrs[i];
        }
        (order[a], order[b]) = (order[b], order[a]);
        uint256 at = order[1] <= order[0] ? 1 : 2;
        vm.expectRevert(
            abi.encodeWithSelector(
                SignerSetLib.SignersNotAscending.selector, at, order[at], order[at - 1]
            )
        );
        verifier.submitBatch(GENESIS_EPOCH, 7, ROOT, sigs);
    }
}
