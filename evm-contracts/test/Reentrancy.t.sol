// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "solady/utils/ReentrancyGuardTransient.sol";

import {MeshTypes} from "../src/MeshTypes.sol";
import {IMeshRouter} from "../src/interfaces/IMeshRouter.sol";
import {ReentrantToken} from "./mocks/BadTokens.sol";
import {Bundle, MeshFixture} from "./utils/MeshFixture.sol";

/// @notice Every state-changing entry point of the router that moves tokens (lock, settle,
/// settleMany, settleBatch, settleMultiproof, refundExpired, settleAction) is re-entered by a
/// reentrant token through every guarded entry point, the same one and every other
/// (cross-function re-entry). The re-entrant call must fail with exactly the guard's
/// `Reentrancy()`, and the outer call must move exactly its own amount. Removing `nonReentrant`
/// from any one of the seven functions fails at least one of these tests (checked with
/// scripts/mutants-sol.sh for the first six).
contract ReentrancyTest is MeshFixture {
    uint256 internal constant AMOUNT = 50e18;

    ReentrantToken internal rt;
    /// @dev Bundle x (nonce 1): a locked leg of `rt` the outer call settles or refunds.
    bytes32 internal xid;
    /// @dev Bundle y (nonce 2): a second locked leg of `rt` the inner calls target (so that,
    /// unguarded, they would succeed and move tokens). Bundle z (nonce 3) is not locked: what an
    /// inner `lock` would lock.
    bytes32 internal yid;

    enum Entry {
        Lock,
        Settle,
        SettleMany,
        SettleBatch,
        SettleMultiproof,
        RefundExpired,
        SettleAction
    }

    uint256 internal constant ENTRIES = 7;

    function setUp() public {
        _setUpMesh(3, 2);
        rt = new ReentrantToken();
        rt.mint(alice, 100 * AMOUNT);
        vm.prank(alice);
        rt.approve(address(router), type(uint256).max);
        xid = _id(_rtLeg(1));
        yid = _id(_rtLeg(2));
        _lock(_rtLeg(1), 0);
        _lock(_rtLeg(2), 0);
        // The token may lock for alice: an unguarded inner lock would succeed.
        vm.prank(alice);
        router.setOperator(address(rt), true);
    }

    /// @dev One leg alice → bob of `AMOUNT` of `rt`, deadlines fixed from T0.
    function _rtLeg(uint64 nonce) internal view returns (Bundle memory b) {
        b = _oneLeg(nonce, AMOUNT);
        b.lockDeadline = T0 + 1 hours;
        b.settleDeadline = T0 + 2 hours;
        b.legs[0].token = _acct(address(rt));
    }

    /// @dev The calldata of a call of `entry` on the leg of `id` with `verdict` (signed by the
    /// whole genesis set under a one-leaf root), or of a lock of `z`.
    function _call(Entry entry, bytes32 id, uint8 verdict) internal view returns (bytes memory) {
        bytes32 leaf = MeshTypes.settlementLeaf(id, verdict);
        bytes32[] memory none = new bytes32[](0);
        if (entry == Entry.Lock) {
            Bundle memory z = _rtLeg(3);
            return abi.encodeCall(
                router.lock,
                (
                    _id(z),
                    0,
                    z.legs[0],
                    z.lockDeadline,
                    z.settleDeadline,
                    z.creatorHash,
                    z.nonce,
                    _legHashes(z)
                )
            );
        }
        if (entry == Entry.Settle) {
            return abi.encodeCall(router.settle, (id, 0, verdict, leaf, none));
        }
        IMeshRouter.SettleItem[] memory items = new IMeshRouter.SettleItem[](1);
        items[0] = IMeshRouter.SettleItem(id, 0, verdict, none);
        if (entry == Entry.SettleMany) {
            return abi.encodeCall(router.settleMany, (leaf, items));
        }
        if (entry == Entry.SettleBatch) {
            bytes memory sigs = _sign(signerKeys, verifier.batchDigest(GENESIS_EPOCH, 7, leaf));
            return abi.encodeCall(router.settleBatch, (GENESIS_EPOCH, 7, leaf, sigs, items));
        }
        if (entry == Entry.SettleMultiproof) {
            IMeshRouter.MultiItem[] memory m = new IMeshRouter.MultiItem[](1);
            m[0] = IMeshRouter.MultiItem(id, 0, verdict, 0);
            return abi.encodeCall(router.settleMultiproof, (leaf, 1, m, none));
        }
        if (entry == Entry.SettleAction) {
            // On a plain leg, unguarded, this would revert `ActionMismatch`, not `Reentrancy()`.
            return abi.encodeCall(
                router.settleAction,
                (id, 0, MeshTypes.settlementLeaf(id, MeshTypes.COMMIT), none, _rtAction(0))
            );
        }
        return abi.encodeCall(router.refundExpired, (id, 0));
    }

    /// @dev An action that returns the input to the recipient: called when `gasLimit` is in
    /// range (the token moves to the executor and back), paid directly when it is zero.
    function _rtAction(uint64 gasLimit) internal view returns (IMeshRouter.ActionCall memory) {
        return IMeshRouter.ActionCall(
            _acct(address(rt)),
            abi.encodeCall(rt.balanceOf, (address(this))),
            _acct(address(rt)),
            AMOUNT,
            gasLimit
        );
    }

    /// @dev Runs `outer` on leg x with the token armed to re-enter through `inner` on leg y, and
    /// checks the guard refused the inner call with `Reentrancy()` and nothing moved twice.
    function _check(Entry outer, Entry inner, uint8 verdict) internal {
        uint256 snap = vm.snapshotState();
        // Both legs' verdicts verified (settleBatch needs no stored root, the others do).
        _submitRoot(MeshTypes.settlementLeaf(xid, verdict), 0);
        _submitRoot(MeshTypes.settlementLeaf(yid, verdict), 1);
        if (outer == Entry.RefundExpired || inner == Entry.RefundExpired) {
            // Refunds open; a COMMIT would be skipped or refused, so the verdicts are ABORTs.
            vm.warp(T0 + 2 hours + GRACE);
        }
        bytes memory innerCall = _call(inner, yid, verdict);
        rt.arm(address(router), innerCall);
        uint256 routerBefore = rt.balanceOf(address(router));
        (bool ok,) = address(router).call(_call(outer, xid, verdict));
        assertTrue(ok, string.concat("outer call ", vm.toString(uint256(outer))));
        assertFalse(rt.armed(), "the token re-entered");
        assertFalse(
            rt.lastCallSucceeded(),
            string.concat(
                "inner call ", vm.toString(uint256(inner)), " in ", vm.toString(uint256(outer))
            )
        );
        assertEq(
            rt.lastReturnData(),
            abi.encodeWithSelector(ReentrancyGuardTransient.Reentrancy.selector),
            "Reentrancy()"
        );
        // Only the outer call moved tokens: leg y is still locked, z was not locked.
        assertEq(uint8(router.legStatus(yid, 0)), uint8(IMeshRouter.LegStatus.Locked), "y");
        assertEq(uint8(router.legStatus(_id(_rtLeg(3)), 0)), 0, "z");
        if (outer == Entry.Lock) {
            assertEq(rt.balanceOf(address(router)), routerBefore + AMOUNT, "one pull");
        } else {
            assertEq(rt.balanceOf(address(router)), routerBefore - AMOUNT, "one payout");
            assertTrue(router.legStatus(xid, 0) != IMeshRouter.LegStatus.Locked, "x ended");
        }
        vm.revertToState(snap);
    }

    /// @dev `outer` re-entered through every entry point.
    function _checkAll(Entry outer) internal {
        uint8 verdict = MeshTypes.ABORT;
        for (uint256 i; i < ENTRIES; ++i) {
            Entry inner = Entry(i);
            // Locks close before refunds open: that pair cannot happen.
            if (
                (outer == Entry.RefundExpired && inner == Entry.Lock)
                    || (outer == Entry.Lock && inner == Entry.RefundExpired)
            ) {
                continue;
            }
            _check(outer, inner, verdict);
        }
    }

    function _lockOuter(Entry inner) internal {
        uint256 snap = vm.snapshotState();
        _submitRoot(MeshTypes.settlementLeaf(yid, MeshTypes.ABORT), 1);
        rt.arm(address(router), _call(inner, yid, MeshTypes.ABORT));
        uint256 routerBefore = rt.balanceOf(address(router));
        assertEq(_lock(_rtLeg(3), 0), AMOUNT, "outer lock credited exactly its own pull");
        assertFalse(rt.lastCallSucceeded(), "inner call during lock");
        assertEq(
            rt.lastReturnData(),
            abi.encodeWithSelector(ReentrancyGuardTransient.Reentrancy.selector),
            "Reentrancy()"
        );
        assertEq(uint8(router.legStatus(yid, 0)), uint8(IMeshRouter.LegStatus.Locked), "y");
        assertEq(rt.balanceOf(address(router)), routerBefore + AMOUNT, "one pull");
        vm.revertToState(snap);
    }

    function test_Reentrancy_Settle_RefusesEveryEntryPoint() public {
        _checkAll(Entry.Settle);
    }

    function test_Reentrancy_SettleMany_RefusesEveryEntryPoint() public {
        _checkAll(Entry.SettleMany);
    }

    function test_Reentrancy_SettleBatch_RefusesEveryEntryPoint() public {
        _checkAll(Entry.SettleBatch);
    }

    function test_Reentrancy_SettleMultiproof_RefusesEveryEntryPoint() public {
        _checkAll(Entry.SettleMultiproof);
    }

    function test_Reentrancy_RefundExpired_RefusesEveryEntryPoint() public {
        _checkAll(Entry.RefundExpired);
    }

    /// @dev During the pull of a lock, every settlement entry point is refused.
    function test_Reentrancy_Lock_RefusesEveryEntryPoint() public {
        for (uint256 i; i < ENTRIES; ++i) {
            if (Entry(i) == Entry.RefundExpired) continue;
            _lockOuter(Entry(i));
        }
    }

    /// @dev `settleAction` on an action leg of `rt`, the token armed to re-enter through
    /// `inner` on leg y while it moves (to the executor inside the self-call when the action is
    /// called, to the recipient when it is paid directly): refused with `Reentrancy()`, one
    /// payout.
    function _checkSettleAction(Entry inner, uint64 gasLimit) internal {
        uint256 snap = vm.snapshotState();
        Bundle memory a = _rtLeg(9);
        IMeshRouter.ActionCall memory action = _rtAction(gasLimit);
        a.legs[0].action = router.actionHash(action);
        bytes32 aid = _id(a);
        _lock(a, 0);
        _submitRoot(MeshTypes.settlementLeaf(aid, MeshTypes.COMMIT), 0);
        _submitRoot(MeshTypes.settlementLeaf(yid, MeshTypes.ABORT), 1);
        rt.arm(address(router), _call(inner, yid, MeshTypes.ABORT));
        uint256 routerBefore = rt.balanceOf(address(router));
        bool executed = router.settleAction(
            aid, 0, MeshTypes.settlementLeaf(aid, MeshTypes.COMMIT), new bytes32[](0), action
        );
        assertEq(executed, gasLimit != 0, "executed iff callable");
        assertFalse(rt.armed(), "the token re-entered");
        assertFalse(rt.lastCallSucceeded(), string.concat("inner ", vm.toString(uint256(inner))));
        assertEq(
            rt.lastReturnData(),
            abi.encodeWithSelector(ReentrancyGuardTransient.Reentrancy.selector),
            "Reentrancy()"
        );
        assertEq(uint8(router.legStatus(yid, 0)), uint8(IMeshRouter.LegStatus.Locked), "y");
        assertEq(uint8(router.legStatus(_id(_rtLeg(3)), 0)), 0, "z");
        assertEq(rt.balanceOf(address(router)), routerBefore - AMOUNT, "one payout");
        vm.revertToState(snap);
    }

    function test_Reentrancy_SettleAction_RefusesEveryEntryPoint() public {
        for (uint256 i; i < ENTRIES; ++i) {
            _checkSettleAction(Entry(i), 100_000);
            _checkSettleAction(Entry(i), 0);
        }
    }

    /// @dev A COMMIT paid out to a reentrant token's recipient cannot re-enter either.
    function test_Reentrancy_CommitPayout_RefusesSettleOfOtherLeg() public {
        _check(Entry.Settle, Entry.SettleMany, MeshTypes.COMMIT);
        _check(Entry.SettleMultiproof, Entry.Settle, MeshTypes.COMMIT);
        _check(Entry.SettleBatch, Entry.SettleMultiproof, MeshTypes.COMMIT);
    }
}
