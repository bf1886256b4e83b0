// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SettlementVerifier} from "../../src/SettlementVerifier.sol";
import {IMeshRouter} from "../../src/interfaces/IMeshRouter.sol";
import {TestToken} from "../mocks/TestToken.sol";
import {MeshFixture} from "../utils/MeshFixture.sol";
import {RouterHandler, VerifierHandler} from "./Handlers.sol";

/// @notice Handler-based invariants of the router and the verifier.
contract InvariantsTest is MeshFixture {
    RouterHandler internal rh;
    VerifierHandler internal vh;

    function setUp() public {
        _setUpMesh(3, 2);
        rh = new RouterHandler(router, verifier, signerKeys);
        (uint256[] memory keys, address[] memory addrs) = _makeSigners("weighted", 6);
        uint256[] memory w = new uint256[](6);
        for (uint256 i; i < 6; ++i) {
            w[i] = i + 1; // total 21
        }
        vh = new VerifierHandler(keys, addrs, w, 12);
        targetContract(address(rh));
        targetContract(address(vh));
    }

    /// @dev For each token, the router holds exactly the sum of its open (Locked) legs, and the
    /// escrow records of open legs add up to the same sum.
    function invariant_EscrowBalanceEqualsOpenLegs() public view {
        for (uint256 t; t < 2; ++t) {
            TestToken tok = rh.tokens(t);
            uint256 recorded;
            for (uint256 i; i < rh.legCount(); ++i) {
                (bytes32 id, uint32 index, address token,,,,) = rh.legs(i);
                if (token != address(tok)) continue;
                IMeshRouter.Escrow memory e = router.escrow(id, index);
                if (e.status == IMeshRouter.LegStatus.Locked) recorded += e.amount;
            }
            assertEq(tok.balanceOf(address(router)), rh.openSum(address(tok)), "balance = open sum");
            assertEq(recorded, rh.openSum(address(tok)), "escrow records = open sum");
        }
    }

    /// @dev No leg ever ends twice or leaves a terminal state, and every party holds exactly
    /// what the legs that ended paid it.
    function invariant_NoLegEndsTwice() public view {
        assertEq(rh.doubleEnds(), 0, "double ends");
        for (uint256 i; i < rh.legCount(); ++i) {
            assertLe(rh.endCount(i), 1, "end count");
        }
        for (uint256 t; t < 2; ++t) {
            address tok = address(rh.tokens(t));
            for (uint256 a; a < rh.actorCount(); ++a) {
                address actor = rh.actors(a);
                assertEq(TestToken(tok).balanceOf(actor), rh.expectedBalance(tok, actor), "payouts");
            }
        }
    }

    /// @dev The action executor keeps nothing between actions.
    function invariant_ExecutorHoldsNothing() public view {
        for (uint256 t; t < 2; ++t) {
            assertEq(rh.tokens(t).balanceOf(router.actionExecutor()), 0, "executor balance");
        }
    }

    /// @dev A COMMIT once refunds opened (settle deadline + grace) never pays, a refund never
    /// happens before, and no leg ever gets an outcome its verdict or its deadline does not allow.
    function invariant_LateCommitNeverPays() public view {
        assertEq(rh.lateCommits(), 0, "late commits");
        assertEq(rh.wrongOutcomes(), 0, "wrong outcomes");
    }

    /// @dev A root is verified iff untainted member signatures of at least the threshold weight
    /// signed it and it was submitted before the set's expiry.
    function invariant_OnlyThresholdWeightVerifies() public view {
        SettlementVerifier v = vh.verifier();
        uint256 verified;
        for (uint256 i; i < vh.rootCount(); ++i) {
            bytes32 root = vh.roots(i);
            bool ok = vh.memberWeight(root) >= vh.threshold() && !vh.tainted(root) && !vh.late(root);
            assertEq(v.isVerifiedRoot(root), ok, "verified iff threshold weight");
            if (ok) ++verified;
        }
        assertEq(verified, vh.verifiedCount(), "verified count");
    }

    /// @dev The handlers reach every outcome (the invariants are not vacuous).
    function test_Handlers_ReachEveryOutcome() public {
        for (uint256 i; i < 6; ++i) {
            rh.lock(i, i * 600, 1 hours, i % 2 == 0);
        }
        rh.closeBatch(1, 5); // all six bundles
        for (uint256 i; i < rh.legCount(); ++i) {
            rh.settleWrongVerdict(i);
            rh.settleActionTampered(i, hex"beef");
            rh.settle(i);
            rh.settleAction(i);
        }
        rh.lock(99, 0, 1, true);
        rh.warp(2 hours);
        rh.warp(GRACE);
        for (uint256 i; i < rh.legCount(); ++i) {
            rh.refund(i);
        }
        rh.settleMany(0);
        assertGe(rh.commits(), 1, "commits");
        assertGe(rh.aborts(), 1, "aborts");
        assertGe(rh.refunds(), 1, "refunds");
        assertGe(rh.actionCommits(), 1, "action commits");
        invariant_EscrowBalanceEqualsOpenLegs();
        invariant_ExecutorHoldsNothing();
        invariant_NoLegEndsTwice();
        invariant_LateCommitNeverPays();

        vh.submit(1, 0x3f, 0); // everyone: verified
        vh.submit(2, 0x07, 0); // weight 6 < 12: refused
        vh.submit(3, 0x3f, 1); // corrupted: refused
        vh.submit(4, 0x3f, 2); // outsider: refused
        vh.submit(5, 0x38, 0); // 4 + 5 + 6 = 15: verified
        vh.replay(0);
        assertEq(vh.verifiedCount(), 2, "two verified");
        vm.warp(vh.expiresAt());
        vh.submit(6, 0x3f, 0); // everyone, but the set expired: refused
        assertTrue(vh.late(vh.roots(5)), "late");
        assertEq(vh.verifiedCount(), 2, "still two verified");
        invariant_OnlyThresholdWeightVerifies();
    }
}
