// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MeshRouter} from "../../src/MeshRouter.sol";
import {SettlementVerifier} from "../../src/SettlementVerifier.sol";
import {IMeshRouter} from "../../src/interfaces/IMeshRouter.sol";
import {TestToken} from "../mocks/TestToken.sol";
import {Test} from "../utils/Test.sol";
import {AttackHandler} from "./AttackHandler.sol";

/// @notice Invariants of a verifier + router pair under honest users and hub AND an attacker
/// calling every external function with forged proofs, signatures, rotations and locks
/// (`AttackHandler`).
contract AttackInvariantsTest is Test {
    AttackHandler internal h;
    MeshRouter internal router;
    SettlementVerifier internal verifier;

    function setUp() public {
        vm.warp(1_700_000_000);
        h = new AttackHandler();
        router = h.router();
        verifier = h.verifier();
        targetContract(address(h));
    }

    /// @dev No leg ever settles with a verdict that is not a leaf of a root a valid signer set
    /// signed, and no root an attacker submitted is verified unless a valid set signed it.
    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 40
    function invariant_Attack_NoForgedVerdictSettles() public view {
        assertEq(h.forgedOutcomes(), 0, "a leg ended with a verdict the hub never signed");
        assertEq(h.lateOutcomes(), 0, "a COMMIT after refunds opened, or a refund before");
        for (uint256 i; i < h.triedCount(); ++i) {
            bytes32 root = h.triedRoots(i);
            if (verifier.isVerifiedRoot(root)) {
                assertTrue(h.signedRoot(root), "forged root verified");
            }
        }
    }

    /// @dev For each token the router holds exactly the sum of its open legs, which is also the
    /// sum of the escrow records of the Locked legs; no forged lock ever succeeded.
    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 40
    function invariant_Attack_EscrowEqualsOpenLegs() public view {
        assertEq(h.forgedLocks(), 0, "forged lock");
        for (uint256 t; t < 2; ++t) {
            TestToken tok = h.tokens(t);
            uint256 recorded;
            for (uint256 i; i < h.legCount(); ++i) {
                (bytes32 id, uint32 index, address token,,) = h.legs(i);
                if (token != address(tok)) continue;
                IMeshRouter.Escrow memory e = router.escrow(id, index);
                if (e.status == IMeshRouter.LegStatus.Locked) recorded += e.amount;
            }
            assertEq(tok.balanceOf(address(router)), h.openSum(address(tok)), "balance = open sum");
            assertEq(recorded, h.openSum(address(tok)), "records = open sum");
        }
    }

    /// @dev No leg ever ends twice or leaves a terminal state.
    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 40
    function invariant_Attack_NoLegEndsTwice() public view {
        assertEq(h.doubleEnds(), 0, "double end");
        for (uint256 i; i < h.legCount(); ++i) {
            assertLe(h.endCount(i), 1, "end count");
        }
    }

    /// @dev Only signatures of members of an active set weighing at least its threshold ever
    /// verify a root or a rotation: every check agreed with the model, no forged rotation took
    /// effect, and the verifier's epoch is the one honest rotations reached.
    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 40
    function invariant_Attack_OnlyThresholdWeightVerifies() public view {
        assertEq(h.modelMismatches(), 0, "signature check disagrees with the model");
        assertEq(h.forgedRotations(), 0, "forged rotation");
        assertEq(verifier.currentEpoch(), h.epoch(), "epoch");
    }

    /// @dev Every action runs without reverting and the invariants are not vacuous: legs settle
    /// through every entry point, sets rotate (to weights near 2^256), every forgery is tried.
    function test_AttackHandler_ReachesEveryPath() public {
        h.setOperator(0, 1, true);
        for (uint256 i; i < 8; ++i) {
            h.lock(i * 4, i * 300); // i * 4: bundles of up to MAX_LEGS legs
        }
        h.closeBatch(1, 3, true);
        h.closeBatch(2, 3, false);
        h.closeBatch(3, 2, true);
        for (uint256 i; i < 12; ++i) {
            h.settleHonest(i, i);
        }
        assertGt(h.settledLegs(), 0, "honest settlements");
        for (uint256 m; m < 9; ++m) {
            h.attackSubmit(100 + m, m);
            h.attackSettleBatch(200 + m, m);
            h.attackSettle(300 + m, m, uint8(m), m % 2 == 0);
            h.attackMultiproof(400 + m, m, m);
            h.attackRotate(500 + m, m);
            h.attackLock(600 + m, m);
        }
        for (uint256 r; r < 5; ++r) {
            vm.warp(block.timestamp + 1 hours);
            h.rotate(r * 7 + 1); // profiles 1, 2, 0, 1, 2
        }
        assertEq(verifier.currentEpoch(), 6, "five rotations");
        h.closeBatch(4, 5, true);
        for (uint256 m; m < 9; ++m) {
            h.attackSubmit(700 + m, m); // retired (epoch 1, 2), retained, future epochs
            h.attackRotate(800 + m, m);
        }
        h.warp(8); // a day: refunds open
        for (uint256 i; i < h.legCount(); ++i) {
            h.refund(i);
        }
        assertGt(h.attackerCalls(), 50, "attacks");
        invariant_Attack_NoForgedVerdictSettles();
        invariant_Attack_EscrowEqualsOpenLegs();
        invariant_Attack_NoLegEndsTwice();
        invariant_Attack_OnlyThresholdWeightVerifies();
    }
}
