// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MeshTypes} from "../src/MeshTypes.sol";
import {HashedTimelock} from "../src/baseline/HashedTimelock.sol";
import {PerLegSignatureRouter} from "../src/baseline/PerLegSignatureRouter.sol";
import {IMeshRouter} from "../src/interfaces/IMeshRouter.sol";
import {SignerSetLib} from "../src/lib/SignerSetLib.sol";
import {RecoverHarness} from "./utils/Harnesses.sol";
import {Bundle, MeshFixture} from "./utils/MeshFixture.sol";

/// @notice The gas baselines behave as they claim, and `SignerSetLib.recover` refuses every
/// malformed signature.
contract BaselinesTest is MeshFixture {
    HashedTimelock internal htlc;
    PerLegSignatureRouter internal perLeg;
    RecoverHarness internal rec;
    bytes32 internal constant PREIMAGE = keccak256("secret");

    function setUp() public {
        _setUpMesh(3, 2);
        htlc = new HashedTimelock();
        perLeg = new PerLegSignatureRouter(verifier, DOMAIN, GRACE, signerAddrs, signerWeights, 2);
        rec = new RecoverHarness();
        token.mint(alice, 100e18);
        vm.prank(alice);
        token.approve(address(htlc), type(uint256).max);
    }

    function _htlcLock() internal returns (bytes32 id) {
        vm.prank(alice);
        id = htlc.lock(address(token), bob, 10e18, keccak256(abi.encode(PREIMAGE)), T0 + 1 hours);
    }

    function test_Htlc_ClaimWithPreimage() public {
        bytes32 id = _htlcLock();
        htlc.claim(id, PREIMAGE);
        assertEq(token.balanceOf(bob), 10e18, "claimed");
        vm.expectRevert(abi.encodeWithSelector(HashedTimelock.NotLocked.selector, id));
        htlc.claim(id, PREIMAGE);
    }

    function test_Htlc_RefundAfterTimelock() public {
        bytes32 id = _htlcLock();
        vm.expectRevert(
            abi.encodeWithSelector(HashedTimelock.TimelockNotPassed.selector, T0 + 1 hours)
        );
        htlc.refund(id);
        vm.warp(T0 + 1 hours);
        vm.expectRevert(
            abi.encodeWithSelector(HashedTimelock.TimelockPassed.selector, T0 + 1 hours)
        );
        htlc.claim(id, PREIMAGE);
        htlc.refund(id);
        assertEq(token.balanceOf(alice), 100e18, "refunded");
        vm.expectRevert(abi.encodeWithSelector(HashedTimelock.NotLocked.selector, id));
        htlc.refund(id);
    }

    function test_RevertWhen_HtlcWrongPreimage() public {
        bytes32 id = _htlcLock();
        vm.expectRevert(HashedTimelock.WrongPreimage.selector);
        htlc.claim(id, keccak256("guess"));
    }

    function test_RevertWhen_HtlcLockTwice() public {
        bytes32 id = _htlcLock();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(HashedTimelock.LockExists.selector, id));
        htlc.lock(address(token), bob, 10e18, keccak256(abi.encode(PREIMAGE)), T0 + 1 hours);
    }

    function _perLegLocked() internal returns (bytes32 id) {
        Bundle memory x = _oneLeg(1, 5e18);
        x.legs[0].router = _acct(address(perLeg));
        _fundAndLock(x, 0);
        id = _id(x);
    }

    function _perLegSigs(bytes32 id, uint8 verdict, uint256 k)
        internal
        view
        returns (bytes memory)
    {
        bytes32 digest = MeshTypes.typedDataDigest(
            verifier.DOMAIN_SEPARATOR(), MeshTypes.settlementLeaf(id, verdict)
        );
        return _sign(_take(signerKeys, k), digest);
    }

    function test_PerLegSignature_Settles() public {
        bytes32 id = _perLegLocked();
        perLeg.settleWithSignatures(id, 0, MeshTypes.COMMIT, _perLegSigs(id, MeshTypes.COMMIT, 2));
        assertEq(token.balanceOf(bob), 5e18, "paid");
    }

    function test_RevertWhen_PerLegSignatureBelowThreshold() public {
        bytes32 id = _perLegLocked();
        bytes memory sigs = _perLegSigs(id, MeshTypes.COMMIT, 1);
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.InsufficientWeight.selector, 1, 2));
        perLeg.settleWithSignatures(id, 0, MeshTypes.COMMIT, sigs);
    }

    function test_RevertWhen_PerLegSignatureInvalidVerdict() public {
        bytes32 id = _perLegLocked();
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.InvalidVerdict.selector, 9));
        perLeg.settleWithSignatures(id, 0, 9, "");
    }

    function _sig(bytes32 digest) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKeys[0], digest);
        return abi.encodePacked(r, s, v);
    }

    function test_Recover_RefusesMalformedSignatures() public {
        bytes32 digest = keccak256("digest");
        bytes memory good = _sig(digest);
        assertEq(rec.recover(digest, good), signerAddrs[0], "good");

        bytes memory bad = _sig(digest);
        bad[64] = bytes1(uint8(29));
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.BadSignatureV.selector, 0, 29));
        rec.recover(digest, bad);

        bad = _sig(digest);
        for (uint256 i; i < 32; ++i) {
            bad[i] = 0;
        }
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.SignatureOutOfRange.selector, 0));
        rec.recover(digest, bad);

        bad = _sig(digest);
        for (uint256 i; i < 32; ++i) {
            bad[i] = 0xff;
        }
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.SignatureOutOfRange.selector, 0));
        rec.recover(digest, bad);

        bad = _sig(digest);
        for (uint256 i; i < 32; ++i) {
            bad[32 + i] = 0;
        }
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.SignatureOutOfRange.selector, 0));
        rec.recover(digest, bad);

        bad = _sig(digest);
        for (uint256 i; i < 31; ++i) {
            bad[i] = 0;
        }
        bad[31] = bytes1(uint8(5)); // not the x coordinate of a curve point
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.UnrecoverableSignature.selector, 0));
        rec.recover(digest, bad);
    }
}
