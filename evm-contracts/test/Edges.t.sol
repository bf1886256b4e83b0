// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MeshRouter} from "../src/MeshRouter.sol";
import {MeshTypes} from "../src/MeshTypes.sol";
import {SettlementVerifier} from "../src/SettlementVerifier.sol";
import {IMeshRouter} from "../src/interfaces/IMeshRouter.sol";
import {ISettlementVerifier} from "../src/interfaces/ISettlementVerifier.sol";
import {SignerSetLib} from "../src/lib/SignerSetLib.sol";
import {Merkle} from "./utils/Merkle.sol";
import {Bundle, MeshFixture} from "./utils/MeshFixture.sol";

/// @notice Full ranges and type extremes: deadlines over the whole uint64, signer sets of 64
/// members with weights near 2^256 (threshold overflow), and "a bundle outside the batch never
/// settles" at every extreme of leg index, verdict code, proof length, leaf count and leaf index.
contract EdgesTest is MeshFixture {
    uint256 internal constant AMOUNT = 7e18;

    function setUp() public {
        _setUpMesh(3, 2);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                 DEADLINES OVER THE WHOLE UINT64            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Any (now, lockDeadline, settleDeadline) in uint64: the lock is accepted iff
    /// now ≤ lockDeadline < settleDeadline; then COMMIT applies strictly before
    /// settleDeadline + GRACE (computed without wrapping, even at 2^64 − 1) and refunds from then.
    function testFuzz_Deadlines_WholeUint64(uint64 now_, uint64 lockDl, uint64 settleDl) public {
        now_ = uint64(bound(now_, 1, type(uint64).max));
        lockDl = uint64(bound(lockDl, 0, type(uint64).max));
        settleDl = uint64(bound(settleDl, 0, type(uint64).max));
        vm.warp(now_);
        Bundle memory b = _oneLeg(1, AMOUNT);
        b.lockDeadline = lockDl;
        b.settleDeadline = settleDl;
        token.mint(alice, AMOUNT);
        vm.prank(alice);
        token.approve(address(router), AMOUNT);
        bytes32 bid = _id(b);
        bytes32[] memory hashes = _legHashes(b);
        if (now_ > lockDl || lockDl >= settleDl) {
            vm.expectRevert(
                now_ > lockDl
                    ? abi.encodeWithSelector(IMeshRouter.LockDeadlinePassed.selector, lockDl, now_)
                    : abi.encodeWithSelector(
                        IMeshRouter.DeadlinesOutOfOrder.selector, lockDl, settleDl
                    )
            );
            vm.prank(alice);
            router.lock(bid, 0, b.legs[0], lockDl, settleDl, b.creatorHash, b.nonce, hashes);
            return;
        }
        _lock(b, 0);
        bytes32 id = _id(b);
        uint256 opens = uint256(settleDl) + GRACE;
        assertEq(router.refundOpensAt(id, 0), opens, "opens without wrapping");
        // The verifier's set expires long before such deadlines: settle through a fresh pair
        // whose genesis set outlives them is not needed, refunds are the escape hatch.
        vm.warp(opens - 1);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.NotExpired.selector, opens, opens - 1));
        router.refundExpired(id, 0);
        vm.warp(opens);
        router.refundExpired(id, 0);
        assertEq(token.balanceOf(alice), AMOUNT, "refunded at the first second refunds open");
    }

    /// @dev At the very top of uint64: lock at 2^64 − 2, settle deadline 2^64 − 1; a signed
    /// COMMIT still pays in the grace after it (the sum exceeds uint64 but not uint256).
    function test_Deadlines_TopOfUint64_CommitInGrace() public {
        uint64 top = type(uint64).max;
        Bundle memory b = _oneLeg(1, AMOUNT);
        b.lockDeadline = top - 1;
        b.settleDeadline = top;
        token.mint(alice, AMOUNT);
        vm.prank(alice);
        token.approve(address(router), AMOUNT);
        _lock(b, 0);
        bytes32 id = _id(b);
        bytes32 root = _verdictRoot(id, MeshTypes.COMMIT); // signed while the set is valid
        vm.warp(uint256(top) + GRACE - 1);
        router.settle(id, 0, MeshTypes.COMMIT, root, new bytes32[](0));
        assertEq(token.balanceOf(bob), AMOUNT, "paid in the grace after 2^64 - 1");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*            SIGNER SETS: 64 MEMBERS, WEIGHTS NEAR 2^256      */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _heavySet(uint256 n, uint256 w)
        internal
        pure
        returns (uint256[] memory keys, address[] memory addrs, uint256[] memory weights)
    {
        (keys, addrs) = _makeSigners("heavy", n);
        weights = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            weights[i] = w;
        }
    }

    /// @dev 64 members of weight ⌊(2^256 − 1) / 64⌋, threshold the whole weight: 63 signatures
    /// fall one member short, 64 verify (the sum reaches the top of uint256 without wrapping).
    function test_SignerSet64_WeightsNearTop_NeedsEveryMember() public {
        uint256 w = type(uint256).max / 64;
        (uint256[] memory keys, address[] memory addrs, uint256[] memory weights) = _heavySet(64, w);
        SettlementVerifier v = _newVerifier(addrs, weights, w * 64);
        bytes32 root = keccak256("heavy");
        bytes32 digest = v.batchDigest(GENESIS_EPOCH, 0, root);
        vm.expectRevert(
            abi.encodeWithSelector(SignerSetLib.InsufficientWeight.selector, w * 63, w * 64)
        );
        v.submitBatch(GENESIS_EPOCH, 0, root, _sign(_take(keys, 63), digest));
        assertTrue(v.submitBatch(GENESIS_EPOCH, 0, root, _sign(keys, digest)), "all 64");
        assertEq(v.checkSignatures(GENESIS_EPOCH, digest, _sign(keys, digest)), w * 64, "weight");
    }

    /// @dev 2 to 64 members whose weights sum past 2^256 − 1: the set is refused with
    /// WeightOverflow (never a wrapped, tiny total that a single member could reach).
    function testFuzz_SignerSet_WeightOverflowRefused(uint256 n, uint256 w) public {
        n = bound(n, 2, 64);
        // Smallest weight that overflows with n members: ⌊max / n⌋ + 1.
        w = bound(w, type(uint256).max / n + 1, type(uint256).max);
        (, address[] memory addrs, uint256[] memory weights) = _heavySet(n, w);
        vm.expectRevert(SignerSetLib.WeightOverflow.selector);
        _newVerifier(addrs, weights, 1);
    }

    /// @dev Threshold above the total by one, at the top of uint256: refused with BadThreshold.
    function testFuzz_SignerSet_ThresholdAboveTotalRefused(uint256 n, uint256 extra) public {
        n = bound(n, 1, 64);
        uint256 w = type(uint256).max / n;
        (, address[] memory addrs, uint256[] memory weights) = _heavySet(n, w);
        uint256 total = w * n;
        if (total == type(uint256).max) return; // no threshold above the total exists
        uint256 threshold = bound(extra, total + 1, type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(SignerSetLib.BadThreshold.selector, threshold, total)
        );
        _newVerifier(addrs, weights, threshold);
    }

    /// @dev The low-s bound is exact: s = n/2 passes the range checks (and then fails as a
    /// stranger's or no signature), s = n/2 + 1 is refused as HighS, at any position.
    function test_SignatureS_ExactlyHalfOrderBoundary() public {
        bytes32 root = keccak256("half-n");
        bytes32 digest = verifier.batchDigest(GENESIS_EPOCH, 0, root);
        bytes memory valid = _sign(signerKeys, digest);
        // n / 2 written out (not the library's constant, so that a changed constant is caught).
        uint256 half = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
        bytes memory atHalf = abi.encodePacked(bytes32(uint256(1)), bytes32(half), uint8(27));
        bytes memory aboveHalf = abi.encodePacked(bytes32(uint256(1)), bytes32(half + 1), uint8(27));
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.HighS.selector, 0));
        verifier.submitBatch(GENESIS_EPOCH, 0, root, aboveHalf);
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.HighS.selector, 3));
        verifier.submitBatch(GENESIS_EPOCH, 0, root, bytes.concat(valid, aboveHalf));
        vm.expectRevert(_foreignSigError(digest, atHalf));
        verifier.submitBatch(GENESIS_EPOCH, 0, root, atHalf);
    }

    /// @dev 65 members: refused.
    function test_RevertWhen_SignerSet65Members() public {
        (, address[] memory addrs, uint256[] memory weights) = _heavySet(65, 1);
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.TooManySigners.selector, 65, 64));
        _newVerifier(addrs, weights, 1);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*        A BUNDLE OUTSIDE THE BATCH NEVER SETTLES (EXTREMES)  */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev A locked leg x, and a verified batch of 3 other bundles that does not contain it.
    function _outside() internal returns (bytes32 xid, bytes32 root, bytes32[] memory leaves) {
        Bundle memory x = _oneLeg(1, AMOUNT);
        _fundAndLock(x, 0);
        xid = _id(x);
        leaves = new bytes32[](3);
        for (uint256 i; i < 3; ++i) {
            leaves[i] =
                MeshTypes.settlementLeaf(keccak256(abi.encode("other", i)), MeshTypes.COMMIT);
        }
        root = _root(leaves);
        _submitRoot(root, 0);
    }

    function _assertStillLocked(bytes32 xid) internal view {
        assertEq(uint8(router.legStatus(xid, 0)), uint8(IMeshRouter.LegStatus.Locked), "locked");
        assertEq(token.balanceOf(address(router)), AMOUNT, "escrow intact");
    }

    /// @dev settle / settleMany with every verdict code's extremes and proofs of length 0, 1, the
    /// batch's own siblings, 64 and 256 elements: InvalidVerdict or InvalidProof, never a payout.
    function test_OutsideBundle_Settle_Extremes() public {
        (bytes32 xid, bytes32 root, bytes32[] memory leaves) = _outside();
        uint8[4] memory verdicts = [0, MeshTypes.COMMIT, MeshTypes.ABORT, type(uint8).max];
        uint256[5] memory lens = [uint256(0), 1, 2, 64, 256];
        for (uint256 v; v < 4; ++v) {
            for (uint256 l; l < 5; ++l) {
                bytes32[] memory proof = new bytes32[](lens[l]);
                for (uint256 j; j < proof.length; ++j) {
                    proof[j] =
                        j < 2 ? Merkle.proof(leaves, 0)[j % 2] : bytes32(type(uint256).max - j);
                }
                bytes memory err = verdicts[v] == MeshTypes.COMMIT || verdicts[v] == MeshTypes.ABORT
                    ? abi.encodeWithSelector(
                        IMeshRouter.InvalidProof.selector, xid, verdicts[v], root
                    )
                    : abi.encodeWithSelector(IMeshRouter.InvalidVerdict.selector, verdicts[v]);
                vm.expectRevert(err);
                router.settle(xid, 0, verdicts[v], root, proof);
                IMeshRouter.SettleItem[] memory items = new IMeshRouter.SettleItem[](1);
                items[0] = IMeshRouter.SettleItem(xid, 0, verdicts[v], proof);
                vm.expectRevert(err);
                router.settleMany(root, items);
            }
        }
        _assertStillLocked(xid);
    }

    /// @dev Leg index at 0 and 2^32 − 1 with a sibling's proof under the batch root: refused.
    function test_OutsideBundle_LegIndexExtremes() public {
        (bytes32 xid, bytes32 root, bytes32[] memory leaves) = _outside();
        uint32[2] memory idx = [uint32(0), type(uint32).max];
        for (uint256 i; i < 2; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IMeshRouter.InvalidProof.selector, xid, MeshTypes.COMMIT, root
                )
            );
            router.settle(xid, idx[i], MeshTypes.COMMIT, root, Merkle.proof(leaves, 1));
        }
        _assertStillLocked(xid);
    }

    /// @dev settleBatch of the outside leg with the batch's real signatures and every proof
    /// shape: InvalidProof (the signatures authenticate the root, not the leg).
    function test_OutsideBundle_SettleBatch_Extremes() public {
        (bytes32 xid,, bytes32[] memory leaves) = _outside();
        bytes32 root2 = keccak256(abi.encode(_root(leaves), "unsubmitted"));
        bytes memory sigs = _sign(signerKeys, verifier.batchDigest(GENESIS_EPOCH, 9, root2));
        uint256[3] memory lens = [uint256(0), 1, 255];
        for (uint256 l; l < 3; ++l) {
            IMeshRouter.SettleItem[] memory items = new IMeshRouter.SettleItem[](1);
            items[0] = IMeshRouter.SettleItem(xid, 0, MeshTypes.ABORT, new bytes32[](lens[l]));
            vm.expectRevert(
                abi.encodeWithSelector(
                    IMeshRouter.InvalidProof.selector, xid, MeshTypes.ABORT, root2
                )
            );
            router.settleBatch(GENESIS_EPOCH, 9, root2, sigs, items);
        }
        _assertStillLocked(xid);
    }

    /// @dev settleMultiproof with the outside leg at leaf index 0, 2 and 2^32 − 1 and leaf counts
    /// 0, 1, 3, 256, 257, 2^255, 2^256 − 2 and 2^256 − 1, with the batch's honest multiproof of
    /// the position: always refused (out of range, or the fold does not reach the root).
    function test_OutsideBundle_Multiproof_Extremes() public {
        (bytes32 xid, bytes32 root, bytes32[] memory leaves) = _outside();
        uint32[3] memory leafIdx = [uint32(0), 2, type(uint32).max];
        uint256[8] memory counts =
            [uint256(0), 1, 3, 256, 257, 2 ** 255, type(uint256).max - 1, type(uint256).max];
        for (uint256 p; p < 3; ++p) {
            uint256[] memory pos = new uint256[](1);
            pos[0] = leafIdx[p] < 3 ? leafIdx[p] : 0;
            bytes32[] memory proof = Merkle.multiproof(leaves, pos);
            for (uint256 c; c < 8; ++c) {
                IMeshRouter.MultiItem[] memory items = new IMeshRouter.MultiItem[](1);
                items[0] = IMeshRouter.MultiItem(xid, 0, MeshTypes.COMMIT, leafIdx[p]);
                (bool ok, bytes memory ret) = address(router)
                    .call(abi.encodeCall(router.settleMultiproof, (root, counts[c], items, proof)));
                assertFalse(ok, "outside bundle settled");
                bytes4 sel = bytes4(ret);
                assertTrue(
                    sel == IMeshRouter.LeafCountOutOfRange.selector
                        || sel == IMeshRouter.LeafIndexOutOfRange.selector
                        || sel == IMeshRouter.InvalidMultiproof.selector
                        || sel == IMeshRouter.MultiproofTooShort.selector
                        || sel == IMeshRouter.MultiproofTooLong.selector,
                    "a multiproof refusal"
                );
                if (counts[c] == 0 || counts[c] > MeshTypes.MAX_BATCH_SIZE) {
                    assertEq(
                        ret,
                        abi.encodeWithSelector(IMeshRouter.LeafCountOutOfRange.selector, counts[c]),
                        "leaf count refused first"
                    );
                }
            }
        }
        _assertStillLocked(xid);
    }

    /// @dev settleMultiproof applies each item's own verdict: an ABORT refunds the depositor and
    /// a COMMIT of the same batch pays the recipient (kills "every item settles as COMMIT").
    function test_SettleMultiproof_AppliesEachItemsVerdict() public {
        Bundle memory a = _oneLeg(1, AMOUNT);
        Bundle memory c = _oneLeg(2, AMOUNT);
        _fundAndLock(a, 0);
        _fundAndLock(c, 0);
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = MeshTypes.settlementLeaf(_id(a), MeshTypes.ABORT);
        leaves[1] = MeshTypes.settlementLeaf(_id(c), MeshTypes.COMMIT);
        bytes32 root = _root(leaves);
        _submitRoot(root, 0);
        IMeshRouter.MultiItem[] memory items = new IMeshRouter.MultiItem[](2);
        items[0] = IMeshRouter.MultiItem(_id(a), 0, MeshTypes.ABORT, 0);
        items[1] = IMeshRouter.MultiItem(_id(c), 0, MeshTypes.COMMIT, 1);
        assertEq(router.settleMultiproof(root, 2, items, new bytes32[](0)), 2, "two settled");
        assertEq(uint8(router.legStatus(_id(a), 0)), uint8(IMeshRouter.LegStatus.Aborted), "a");
        assertEq(uint8(router.legStatus(_id(c), 0)), uint8(IMeshRouter.LegStatus.Committed), "c");
        assertEq(token.balanceOf(alice), AMOUNT, "ABORT refunded the depositor");
        assertEq(token.balanceOf(bob), AMOUNT, "COMMIT paid the recipient");
    }

    /// @dev The zero root and a root never verified: RootNotVerified / ZeroRoot, for every path.
    function test_OutsideBundle_UnverifiedAndZeroRoot() public {
        (bytes32 xid,,) = _outside();
        bytes32 leaf = MeshTypes.settlementLeaf(xid, MeshTypes.COMMIT);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.RootNotVerified.selector, leaf));
        router.settle(xid, 0, MeshTypes.COMMIT, leaf, new bytes32[](0));
        IMeshRouter.SettleItem[] memory items = new IMeshRouter.SettleItem[](1);
        items[0] = IMeshRouter.SettleItem(xid, 0, MeshTypes.COMMIT, new bytes32[](0));
        vm.expectRevert(IMeshRouter.ZeroRoot.selector);
        router.settleBatch(GENESIS_EPOCH, 0, bytes32(0), "", items);
        vm.expectRevert(ISettlementVerifier.ZeroRoot.selector);
        verifier.submitBatch(GENESIS_EPOCH, 0, bytes32(0), "");
        _assertStillLocked(xid);
    }
}
