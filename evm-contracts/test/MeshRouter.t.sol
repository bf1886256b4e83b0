// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeTransferLib} from "solady/utils/SafeTransferLib.sol";

import {MeshRouter} from "../src/MeshRouter.sol";
import {Leg, MeshTypes} from "../src/MeshTypes.sol";
import {SettlementVerifier} from "../src/SettlementVerifier.sol";
import {IMeshRouter} from "../src/interfaces/IMeshRouter.sol";
import {SignerSetLib} from "../src/lib/SignerSetLib.sol";
import {BlocklistToken} from "./mocks/BadTokens.sol";
import {Bundle, MeshFixture} from "./utils/MeshFixture.sol";

contract MeshRouterTest is MeshFixture {
    uint256 internal constant AMOUNT = 200e18;

    event LegLocked(
        bytes32 indexed bundleId,
        uint32 indexed index,
        bytes32 legHash,
        bytes32 indexed depositor,
        bytes32 token,
        uint256 amount,
        uint64 settleDeadline
    );
    event LegSettled(bytes32 indexed bundleId, uint32 indexed index, uint8 verdict);
    event LegRefunded(bytes32 indexed bundleId, uint32 indexed index);
    event SettlementSkipped(bytes32 indexed bundleId, uint32 indexed index, uint8 reason);
    event OperatorSet(address indexed depositor, address indexed operator, bool approved);

    Bundle internal b;
    bytes32 internal id;

    function setUp() public {
        _setUpMesh(3, 2);
        Bundle memory one = _oneLeg(1, AMOUNT);
        _store(one);
        token.mint(alice, AMOUNT);
        vm.prank(alice);
        token.approve(address(router), type(uint256).max);
    }

    function _store(Bundle memory x) internal {
        delete b.legs;
        b.creatorHash = x.creatorHash;
        b.nonce = x.nonce;
        b.lockDeadline = x.lockDeadline;
        b.settleDeadline = x.settleDeadline;
        for (uint256 i; i < x.legs.length; ++i) {
            b.legs.push(x.legs[i]);
        }
        id = _id(x);
    }

    /// @dev Expects `lock` of leg 0 of `x` (as `caller`) to revert with `err`.
    function _expectLockRevert(Bundle memory x, address caller, bytes memory err) internal {
        bytes32 bid = _id(x);
        bytes32[] memory hashes = _legHashes(x);
        vm.prank(caller);
        vm.expectRevert(err);
        router.lock(
            bid, 0, x.legs[0], x.lockDeadline, x.settleDeadline, x.creatorHash, x.nonce, hashes
        );
    }

    function _commit() internal returns (bytes32 root) {
        root = _verdictRoot(id, MeshTypes.COMMIT);
    }

    function _noProof() internal pure returns (bytes32[] memory) {
        return new bytes32[](0);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                            LOCK                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_Lock_EscrowsAndEmits() public {
        bytes32 lh = MeshTypes.legHash(b.legs[0]);
        vm.expectEmit(true, true, true, true, address(router));
        emit LegLocked(id, 0, lh, _acct(alice), _acct(address(token)), AMOUNT, b.settleDeadline);
        uint256 credited = _lock(b, 0);
        assertEq(credited, AMOUNT, "credited");
        assertEq(token.balanceOf(address(router)), AMOUNT, "router balance");
        assertEq(token.balanceOf(alice), 0, "alice balance");
        IMeshRouter.Escrow memory e = router.escrow(id, 0);
        assertEq(e.token, address(token), "token");
        assertEq(e.settleDeadline, b.settleDeadline, "deadline");
        assertEq(uint8(e.status), uint8(IMeshRouter.LegStatus.Locked), "status");
        assertEq(e.depositor, alice, "depositor");
        assertEq(e.recipient, bob, "recipient");
        assertEq(e.amount, AMOUNT, "amount");
        assertEq(e.legHash, lh, "leg hash");
        assertEq(uint8(router.legStatus(id, 0)), uint8(IMeshRouter.LegStatus.Locked), "view");
    }

    function test_Lock_AtLockDeadline() public {
        vm.warp(b.lockDeadline);
        _lock(b, 0);
        assertEq(uint8(router.legStatus(id, 0)), uint8(IMeshRouter.LegStatus.Locked));
    }

    function test_Lock_ByApprovedOperator() public {
        vm.expectEmit(true, true, false, true, address(router));
        emit OperatorSet(alice, carol, true);
        vm.prank(alice);
        router.setOperator(carol, true);
        assertTrue(router.isOperator(alice, carol), "approved");
        bytes32[] memory hashes = _legHashes(b);
        vm.prank(carol);
        router.lock(
            id, 0, b.legs[0], b.lockDeadline, b.settleDeadline, b.creatorHash, b.nonce, hashes
        );
        assertEq(router.escrow(id, 0).depositor, alice, "depositor stays alice");
        assertEq(token.balanceOf(address(router)), AMOUNT, "pulled from alice");
    }

    function test_Lock_MultiLegBundleOnTwoChains() public {
        Bundle memory x = _oneLeg(2, AMOUNT);
        Leg[] memory legs = new Leg[](3);
        legs[0] = x.legs[0];
        legs[1] = _leg(carol, address(token), 5e18, alice);
        legs[1].domain = DOMAIN + 1; // escrowed elsewhere
        legs[2] = _leg(carol, address(token), 7e18, alice);
        x.legs = legs;
        _store(x);
        _lock(b, 0);
        token.mint(carol, 7e18);
        vm.prank(carol);
        token.approve(address(router), 7e18);
        _lock(b, 2);
        assertEq(router.escrow(id, 2).amount, 7e18, "leg 2");
        assertEq(uint8(router.legStatus(id, 1)), 0, "leg 1 is on another chain");
        bytes32[] memory hashes = _legHashes(b);
        vm.prank(carol);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.WrongDomain.selector, DOMAIN, DOMAIN + 1)
        );
        router.lock(
            id, 1, b.legs[1], b.lockDeadline, b.settleDeadline, b.creatorHash, b.nonce, hashes
        );
    }

    function test_Lock_WideAmount() public {
        uint256 wide = uint256(type(uint96).max) + 1;
        _store(_oneLeg(3, wide));
        uint256 credited = _fundAndLock(b, 0);
        assertEq(credited, wide, "credited");
        assertEq(router.escrow(id, 0).amount, wide, "stored wide");
        _commit();
        router.settle(id, 0, MeshTypes.COMMIT, MeshTypes.settlementLeaf(id, 1), _noProof());
        assertEq(token.balanceOf(bob), wide, "paid wide");
    }

    /// @dev Replay across domains: a leg of another domain (another chain of the hub's
    /// registry, whatever its VM) is refused here even when it names this router.
    function test_RevertWhen_LegNamesAnotherDomain() public {
        uint64[4] memory others = [uint64(1), DOMAIN - 1, DOMAIN + 1, type(uint64).max];
        for (uint256 i; i < others.length; ++i) {
            Bundle memory x = _oneLeg(1, AMOUNT);
            x.legs[0].domain = others[i];
            _expectLockRevert(
                x,
                alice,
                abi.encodeWithSelector(IMeshRouter.WrongDomain.selector, DOMAIN, others[i])
            );
        }
        // Domain zero is never a domain (the hub refuses it in bundles).
        Bundle memory z = _oneLeg(1, AMOUNT);
        z.legs[0].domain = 0;
        _expectLockRevert(
            z, alice, abi.encodeWithSelector(IMeshRouter.WrongDomain.selector, DOMAIN, 0)
        );
    }

    /// @dev Every account field of a leg on an EVM chain must be a left-padded 20-byte address:
    /// an id with any of its top 12 bytes set (a 32-byte Cosmos account, or a padded address
    /// with junk above it that would otherwise truncate to a real address) is refused, before
    /// the router, the depositor or the token are used.
    function test_RevertWhen_AccountIsNotEvmShaped(uint96 top, uint8 field) public {
        vm.assume(top != 0);
        Bundle memory x = _oneLeg(1, AMOUNT);
        Leg memory leg = x.legs[0];
        bytes32 high = bytes32(uint256(top) << 160);
        bytes32 bad;
        if (field % 4 == 0) bad = leg.router = leg.router | high;
        else if (field % 4 == 1) bad = leg.depositor = leg.depositor | high;
        else if (field % 4 == 2) bad = leg.token = leg.token | high;
        else bad = leg.recipient = leg.recipient | high;
        x.legs[0] = leg;
        _expectLockRevert(
            x, alice, abi.encodeWithSelector(IMeshRouter.NotAnEvmAccount.selector, bad)
        );
    }

    function test_RevertWhen_ZeroDomain() public {
        vm.expectRevert(IMeshRouter.ZeroDomain.selector);
        new MeshRouter(verifier, 0, GRACE);
    }

    function test_DomainIsTheConstructorArgument() public view {
        assertEq(router.domain(), DOMAIN, "domain");
    }

    function test_RevertWhen_LockWrongRouter() public {
        Bundle memory x = _oneLeg(1, AMOUNT);
        x.legs[0].router = _acct(carol);
        _expectLockRevert(
            x,
            alice,
            abi.encodeWithSelector(IMeshRouter.WrongRouter.selector, carol, address(router))
        );
    }

    function test_RevertWhen_LockByStranger() public {
        _expectLockRevert(
            _oneLeg(1, AMOUNT),
            carol,
            abi.encodeWithSelector(IMeshRouter.NotDepositorOrOperator.selector, carol, alice)
        );
    }

    function test_RevertWhen_LockByRevokedOperator() public {
        vm.startPrank(alice);
        router.setOperator(carol, true);
        router.setOperator(carol, false);
        vm.stopPrank();
        assertFalse(router.isOperator(alice, carol), "revoked");
        _expectLockRevert(
            _oneLeg(1, AMOUNT),
            carol,
            abi.encodeWithSelector(IMeshRouter.NotDepositorOrOperator.selector, carol, alice)
        );
    }

    function test_RevertWhen_LockAfterLockDeadline() public {
        vm.warp(b.lockDeadline + 1);
        Bundle memory x = _oneLeg(1, AMOUNT);
        x.lockDeadline = b.lockDeadline;
        x.settleDeadline = b.settleDeadline;
        _expectLockRevert(
            x,
            alice,
            abi.encodeWithSelector(
                IMeshRouter.LockDeadlinePassed.selector, b.lockDeadline, b.lockDeadline + 1
            )
        );
    }

    function test_RevertWhen_LockDeadlinesOutOfOrder() public {
        Bundle memory x = _oneLeg(1, AMOUNT);
        x.settleDeadline = x.lockDeadline;
        _expectLockRevert(
            x,
            alice,
            abi.encodeWithSelector(
                IMeshRouter.DeadlinesOutOfOrder.selector, x.lockDeadline, x.lockDeadline
            )
        );
    }

    function test_RevertWhen_LockZeroAmount() public {
        _expectLockRevert(
            _oneLeg(1, 0), alice, abi.encodeWithSelector(IMeshRouter.ZeroAmount.selector)
        );
    }

    function test_RevertWhen_LockZeroRecipient() public {
        Bundle memory x = _oneLeg(1, AMOUNT);
        x.legs[0].recipient = _acct(address(0));
        _expectLockRevert(x, alice, abi.encodeWithSelector(IMeshRouter.ZeroRecipient.selector));
    }

    function test_RevertWhen_LockTokenWithoutCode() public {
        Bundle memory x = _oneLeg(1, AMOUNT);
        x.legs[0].token = _acct(carol);
        _expectLockRevert(
            x, alice, abi.encodeWithSelector(IMeshRouter.TokenHasNoCode.selector, carol)
        );
    }

    function test_RevertWhen_LockWithoutAllowance() public {
        vm.prank(alice);
        token.approve(address(router), 0);
        _expectLockRevert(
            _oneLeg(1, AMOUNT),
            alice,
            abi.encodeWithSelector(SafeTransferLib.TransferFromFailed.selector)
        );
    }

    function test_RevertWhen_LockTwice() public {
        _lock(b, 0);
        token.mint(alice, AMOUNT);
        _expectLockRevert(
            _oneLeg(1, AMOUNT),
            alice,
            abi.encodeWithSelector(IMeshRouter.LegAlreadyLocked.selector, id, 0)
        );
    }

    function test_RevertWhen_LockNoLegHashes() public {
        bytes32[] memory none = new bytes32[](0);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.BadLegCount.selector, 0));
        router.lock(id, 0, b.legs[0], b.lockDeadline, b.settleDeadline, b.creatorHash, 1, none);
    }

    function test_RevertWhen_LockTooManyLegs() public {
        bytes32[] memory many = new bytes32[](17);
        many[0] = MeshTypes.legHash(b.legs[0]);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.BadLegCount.selector, 17));
        router.lock(id, 0, b.legs[0], b.lockDeadline, b.settleDeadline, b.creatorHash, 1, many);
    }

    function test_RevertWhen_LockIndexOutOfRange() public {
        bytes32[] memory hashes = _legHashes(b);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.LegIndexOutOfRange.selector, 1, 1));
        router.lock(id, 1, b.legs[0], b.lockDeadline, b.settleDeadline, b.creatorHash, 1, hashes);
    }

    function test_RevertWhen_LockLegNotInBundle() public {
        bytes32[] memory hashes = _legHashes(b);
        Leg memory other = b.legs[0];
        other.recipient = _acct(carol);
        bytes32 otherHash = MeshTypes.legHash(other);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.LegNotInBundle.selector, 0, otherHash, hashes[0])
        );
        router.lock(id, 0, other, b.lockDeadline, b.settleDeadline, b.creatorHash, 1, hashes);
    }

    /// @dev A leg that does belong to the bundle cannot be locked under another bundle id (no
    /// squatting of somebody else's (bundleId, index)).
    function test_RevertWhen_LockBundleIdMismatch() public {
        bytes32[] memory hashes = _legHashes(b);
        bytes32 computed = id;
        bytes32 victim = keccak256("someone else's bundle");
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.BundleIdMismatch.selector, victim, computed)
        );
        router.lock(
            victim, 0, b.legs[0], b.lockDeadline, b.settleDeadline, b.creatorHash, 1, hashes
        );
    }

    function test_RevertWhen_LockWrongDeadlinesForBundle() public {
        bytes32[] memory hashes = _legHashes(b);
        bytes32 altered = MeshTypes.bundleIdFromLegHashes(
            router.hubDomain(), b.creatorHash, 1, b.lockDeadline, b.settleDeadline + 1, hashes
        );
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.BundleIdMismatch.selector, id, altered));
        router.lock(
            id, 0, b.legs[0], b.lockDeadline, b.settleDeadline + 1, b.creatorHash, 1, hashes
        );
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           SETTLE                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_Settle_CommitPaysRecipient() public {
        _lock(b, 0);
        bytes32 root = _commit();
        vm.expectEmit(true, true, false, true, address(router));
        emit LegSettled(id, 0, MeshTypes.COMMIT);
        router.settle(id, 0, MeshTypes.COMMIT, root, _noProof());
        assertEq(token.balanceOf(bob), AMOUNT, "bob paid");
        assertEq(token.balanceOf(address(router)), 0, "router empty");
        assertEq(uint8(router.legStatus(id, 0)), uint8(IMeshRouter.LegStatus.Committed));
    }

    function test_Settle_AbortRefundsDepositor() public {
        _lock(b, 0);
        bytes32 root = _verdictRoot(id, MeshTypes.ABORT);
        vm.expectEmit(true, true, false, true, address(router));
        emit LegSettled(id, 0, MeshTypes.ABORT);
        router.settle(id, 0, MeshTypes.ABORT, root, _noProof());
        assertEq(token.balanceOf(alice), AMOUNT, "alice refunded");
        assertEq(uint8(router.legStatus(id, 0)), uint8(IMeshRouter.LegStatus.Aborted));
    }

    function test_Settle_AbortAfterDeadline() public {
        _lock(b, 0);
        bytes32 root = _verdictRoot(id, MeshTypes.ABORT);
        vm.warp(b.settleDeadline + 1 days);
        router.settle(id, 0, MeshTypes.ABORT, root, _noProof());
        assertEq(token.balanceOf(alice), AMOUNT, "alice refunded");
    }

    function test_Settle_CommitJustBeforeDeadline() public {
        _lock(b, 0);
        bytes32 root = _commit();
        vm.warp(b.settleDeadline - 1);
        router.settle(id, 0, MeshTypes.COMMIT, root, _noProof());
        assertEq(token.balanceOf(bob), AMOUNT, "bob paid");
    }

    function test_Settle_WithMerkleProof() public {
        _lock(b, 0);
        bytes32[] memory ids = new bytes32[](5);
        for (uint256 i; i < 5; ++i) {
            ids[i] = keccak256(abi.encode("other", i));
        }
        ids[3] = id;
        bytes32[] memory leaves = _leaves(ids, MeshTypes.COMMIT);
        bytes32 root = _root(leaves);
        _submitRoot(root, 4);
        router.settle(id, 0, MeshTypes.COMMIT, root, _proof(leaves, 3));
        assertEq(token.balanceOf(bob), AMOUNT, "bob paid");
    }

    function test_Settle_PermissionlessCaller() public {
        _lock(b, 0);
        bytes32 root = _commit();
        vm.prank(makeAddr("anyone"));
        router.settle(id, 0, MeshTypes.COMMIT, root, _noProof());
        assertEq(token.balanceOf(bob), AMOUNT, "bob paid");
    }

    function test_RevertWhen_SettleInvalidVerdict() public {
        _lock(b, 0);
        bytes32 root = _commit();
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.InvalidVerdict.selector, 0));
        router.settle(id, 0, 0, root, _noProof());
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.InvalidVerdict.selector, 3));
        router.settle(id, 0, 3, root, _noProof());
    }

    function test_RevertWhen_SettleRootNotVerified() public {
        _lock(b, 0);
        bytes32 root = MeshTypes.settlementLeaf(id, MeshTypes.COMMIT);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.RootNotVerified.selector, root));
        router.settle(id, 0, MeshTypes.COMMIT, root, _noProof());
    }

    function test_RevertWhen_SettleWrongVerdictForRoot() public {
        _lock(b, 0);
        bytes32 root = _verdictRoot(id, MeshTypes.ABORT);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.InvalidProof.selector, id, MeshTypes.COMMIT, root)
        );
        router.settle(id, 0, MeshTypes.COMMIT, root, _noProof());
    }

    function test_RevertWhen_SettleProofForAnotherBundle() public {
        _lock(b, 0);
        bytes32[] memory ids = new bytes32[](2);
        ids[0] = keccak256("x");
        ids[1] = keccak256("y");
        bytes32[] memory leaves = _leaves(ids, MeshTypes.COMMIT);
        bytes32 root = _root(leaves);
        _submitRoot(root, 1);
        bytes32[] memory proof = _proof(leaves, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.InvalidProof.selector, id, MeshTypes.COMMIT, root)
        );
        router.settle(id, 0, MeshTypes.COMMIT, root, proof);
    }

    function test_RevertWhen_SettleInnerNodeAsLeaf() public {
        // An inner node is a verified "leaf" of nothing: the router always hashes the leaf itself.
        _lock(b, 0);
        bytes32[] memory ids = new bytes32[](4);
        for (uint256 i; i < 4; ++i) {
            ids[i] = keccak256(abi.encode(i));
        }
        bytes32[] memory leaves = _leaves(ids, MeshTypes.COMMIT);
        bytes32 root = _root(leaves);
        _submitRoot(root, 1);
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = keccak256(
            abi.encodePacked(
                leaves[2] < leaves[3] ? leaves[2] : leaves[3],
                leaves[2] < leaves[3] ? leaves[3] : leaves[2]
            )
        );
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.InvalidProof.selector, id, MeshTypes.COMMIT, root)
        );
        router.settle(id, 0, MeshTypes.COMMIT, root, proof);
    }

    function test_RevertWhen_SettleNeverLocked() public {
        bytes32 root = _commit();
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.LegNotLocked.selector, id, 0, IMeshRouter.LegStatus.None
            )
        );
        router.settle(id, 0, MeshTypes.COMMIT, root, _noProof());
    }

    function test_RevertWhen_SettleTwice() public {
        _lock(b, 0);
        bytes32 root = _commit();
        router.settle(id, 0, MeshTypes.COMMIT, root, _noProof());
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.LegNotLocked.selector, id, 0, IMeshRouter.LegStatus.Committed
            )
        );
        router.settle(id, 0, MeshTypes.COMMIT, root, _noProof());
    }

    /// @dev From `settleDeadline + GRACE` on, refunds are open and a COMMIT is refused.
    function test_RevertWhen_SettleCommitWhenRefundsOpen() public {
        _lock(b, 0);
        bytes32 root = _commit();
        uint256 opens = uint256(b.settleDeadline) + GRACE;
        vm.warp(opens);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.SettlementExpired.selector, opens, opens)
        );
        router.settle(id, 0, MeshTypes.COMMIT, root, _noProof());
    }

    /// @dev The settle deadline itself no longer closes COMMIT: the grace does.
    function test_Settle_CommitAtSettleDeadlineAndUntilGraceEnds() public {
        _lock(b, 0);
        bytes32 root = _commit();
        vm.warp(uint256(b.settleDeadline) + GRACE - 1);
        router.settle(id, 0, MeshTypes.COMMIT, root, _noProof());
        assertEq(token.balanceOf(bob), AMOUNT, "paid in the last second of the grace");
    }

    /// @dev The audit's atomicity scenario: the hub COMMITs a two-chain bundle before its settle
    /// deadline; the COMMIT reaches chain A before the deadline and chain B after it (a slow
    /// poster, congestion). Both legs pay, and nobody can refund chain B's leg meanwhile.
    function test_LateCommitAfterSettleDeadlineStillPaysBeforeRefundsOpen() public {
        // Chain B: its own verifier (same hub deployment, same set) and router.
        SettlementVerifier verifierB = _newVerifier(signerAddrs, signerWeights, signerThreshold);
        MeshRouter routerB = new MeshRouter(verifierB, DOMAIN + 1, GRACE);
        Leg[] memory legs = new Leg[](2);
        legs[0] = b.legs[0];
        legs[1] = _leg(carol, address(token), AMOUNT, alice);
        legs[1].domain = DOMAIN + 1;
        legs[1].router = _acct(address(routerB));
        Bundle memory x = _oneLeg(2, AMOUNT);
        x.legs = legs;
        _store(x);
        _lock(b, 0);
        token.mint(carol, AMOUNT);
        vm.prank(carol);
        token.approve(address(routerB), AMOUNT);
        _lock(b, 1);
        bytes32 root = MeshTypes.settlementLeaf(id, MeshTypes.COMMIT);
        bytes memory sigs = _sign(signerKeys, verifier.batchDigest(GENESIS_EPOCH, 0, root));
        // Chain A: delivered before the settle deadline.
        vm.warp(b.settleDeadline - 1);
        verifier.submitBatch(GENESIS_EPOCH, 0, root, sigs);
        router.settle(id, 0, MeshTypes.COMMIT, root, _noProof());
        // Chain B: the settle deadline passed, the grace did not. A refund attempt fails...
        vm.warp(uint256(b.settleDeadline) + GRACE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.NotExpired.selector, uint256(b.settleDeadline) + GRACE, block.timestamp
            )
        );
        routerB.refundExpired(id, 1);
        // ...and the late COMMIT still pays.
        verifierB.submitBatch(GENESIS_EPOCH, 0, root, sigs);
        routerB.settle(id, 1, MeshTypes.COMMIT, root, _noProof());
        assertEq(token.balanceOf(bob), AMOUNT, "chain A paid");
        assertEq(token.balanceOf(alice), AMOUNT, "chain B paid (alice is leg 1's recipient)");
        assertEq(uint8(routerB.legStatus(id, 1)), uint8(IMeshRouter.LegStatus.Committed), "B");
        // Refunds open later, but the leg has ended.
        vm.warp(uint256(b.settleDeadline) + GRACE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.LegNotLocked.selector, id, 1, IMeshRouter.LegStatus.Committed
            )
        );
        routerB.refundExpired(id, 1);
    }

    function test_RevertWhen_SettleTransferFails() public {
        BlocklistToken bl = new BlocklistToken();
        Bundle memory x = _oneLeg(9, AMOUNT);
        x.legs[0].token = _acct(address(bl));
        _store(x);
        bl.mint(alice, AMOUNT);
        vm.prank(alice);
        bl.approve(address(router), AMOUNT);
        _lock(b, 0);
        bl.setBlocked(bob, true);
        bytes32 root = _commit();
        vm.expectRevert(abi.encodeWithSelector(SafeTransferLib.TransferFailed.selector));
        router.settle(id, 0, MeshTypes.COMMIT, root, _noProof());
        assertEq(uint8(router.legStatus(id, 0)), uint8(IMeshRouter.LegStatus.Locked), "intact");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        SETTLE MANY                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Locks `n` one-leg bundles alice → bob and returns their ids, leaves and items.
    function _batch(uint256 n, uint8 verdict)
        internal
        returns (bytes32 root, IMeshRouter.SettleItem[] memory items)
    {
        bytes32[] memory ids = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            Bundle memory x = _oneLeg(uint64(100 + i), 1e18 + i);
            _fundAndLock(x, 0);
            ids[i] = _id(x);
        }
        bytes32[] memory leaves = _leaves(ids, verdict);
        root = _root(leaves);
        items = new IMeshRouter.SettleItem[](n);
        for (uint256 i; i < n; ++i) {
            items[i] = IMeshRouter.SettleItem(ids[i], 0, verdict, _proof(leaves, i));
        }
    }

    function test_SettleMany_SettlesAll() public {
        (bytes32 root, IMeshRouter.SettleItem[] memory items) = _batch(6, MeshTypes.COMMIT);
        _submitRoot(root, 1);
        assertEq(router.settleMany(root, items), 6, "settled");
        assertEq(token.balanceOf(bob), 6e18 + 15, "bob paid all");
        assertEq(token.balanceOf(address(router)), 0, "router empty");
    }

    function test_SettleMany_SkipsEndedAndUnknownLegs() public {
        (bytes32 root, IMeshRouter.SettleItem[] memory items) = _batch(3, MeshTypes.ABORT);
        _submitRoot(root, 1);
        router.settle(items[1].bundleId, 0, MeshTypes.ABORT, root, items[1].proof);
        // Item 2 names a leg index that was never locked.
        items[2].index = 5;
        vm.expectEmit(true, true, false, true, address(router));
        emit SettlementSkipped(items[1].bundleId, 0, 1);
        vm.expectEmit(true, true, false, true, address(router));
        emit SettlementSkipped(items[2].bundleId, 5, 1);
        assertEq(router.settleMany(root, items), 1, "one settled");
        // Items 0 and 1 refunded once each (200e18 was alice's own balance); item 2's leg 0 stays.
        assertEq(token.balanceOf(alice), AMOUNT + 2e18 + 1, "refunded once each");
        assertEq(uint8(router.legStatus(items[2].bundleId, 0)), 1, "leg 0 of item 2 untouched");
    }

    function test_SettleMany_SkipsExpiredCommit() public {
        (bytes32 root, IMeshRouter.SettleItem[] memory items) = _batch(2, MeshTypes.COMMIT);
        _submitRoot(root, 1);
        // A COMMIT between the settle deadline and the end of the grace still settles...
        vm.warp(block.timestamp + 2 hours);
        IMeshRouter.SettleItem[] memory first = new IMeshRouter.SettleItem[](1);
        first[0] = items[1];
        assertEq(router.settleMany(root, first), 1, "late but within the grace");
        // ...from the end of the grace on (refunds open) it is skipped as EXPIRED.
        vm.warp(block.timestamp + GRACE);
        vm.expectEmit(true, true, false, true, address(router));
        emit SettlementSkipped(items[0].bundleId, 0, 2);
        assertEq(router.settleMany(root, items), 0, "none settled");
        assertEq(token.balanceOf(bob), 1e18 + 1, "nothing paid once refunds opened");
        router.refundExpired(items[0].bundleId, 0);
        assertEq(token.balanceOf(alice), AMOUNT + 1e18, "refund still open");
    }

    function test_SettleMany_SkipsFailedTransfer() public {
        BlocklistToken bl = new BlocklistToken();
        Bundle memory x = _oneLeg(50, AMOUNT);
        x.legs[0].token = _acct(address(bl));
        bytes32 blocked = _id(x);
        bl.mint(alice, AMOUNT);
        vm.prank(alice);
        bl.approve(address(router), AMOUNT);
        _store(x);
        _lock(b, 0);
        Bundle memory y = _oneLeg(51, AMOUNT);
        bytes32 fine = _id(y);
        _fundAndLock(y, 0);
        bytes32[] memory ids = new bytes32[](2);
        (ids[0], ids[1]) = (blocked, fine);
        bytes32[] memory leaves = _leaves(ids, MeshTypes.COMMIT);
        bytes32 root = _root(leaves);
        _submitRoot(root, 1);
        bl.setBlocked(bob, true);
        IMeshRouter.SettleItem[] memory items = new IMeshRouter.SettleItem[](2);
        items[0] = IMeshRouter.SettleItem(blocked, 0, MeshTypes.COMMIT, _proof(leaves, 0));
        items[1] = IMeshRouter.SettleItem(fine, 0, MeshTypes.COMMIT, _proof(leaves, 1));
        vm.expectEmit(true, true, false, true, address(router));
        emit SettlementSkipped(blocked, 0, 3);
        assertEq(router.settleMany(root, items), 1, "the other leg settles");
        assertEq(uint8(router.legStatus(blocked, 0)), uint8(IMeshRouter.LegStatus.Locked));
        assertEq(token.balanceOf(bob), AMOUNT, "fine leg paid");
        // Unblocked later, the same root still settles it.
        bl.setBlocked(bob, false);
        router.settle(blocked, 0, MeshTypes.COMMIT, root, items[0].proof);
        assertEq(bl.balanceOf(bob), AMOUNT, "paid once unblocked");
    }

    function test_RevertWhen_SettleManyEmpty() public {
        vm.expectRevert(IMeshRouter.NoItems.selector);
        router.settleMany(bytes32(uint256(1)), new IMeshRouter.SettleItem[](0));
    }

    function test_RevertWhen_SettleManyRootNotVerified() public {
        (bytes32 root, IMeshRouter.SettleItem[] memory items) = _batch(2, MeshTypes.COMMIT);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.RootNotVerified.selector, root));
        router.settleMany(root, items);
    }

    function test_RevertWhen_SettleManyBadProof() public {
        (bytes32 root, IMeshRouter.SettleItem[] memory items) = _batch(4, MeshTypes.COMMIT);
        _submitRoot(root, 1);
        items[2].proof[0] = bytes32(uint256(items[2].proof[0]) ^ 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.InvalidProof.selector, items[2].bundleId, MeshTypes.COMMIT, root
            )
        );
        router.settleMany(root, items);
    }

    function test_RevertWhen_SettleManyInvalidVerdict() public {
        (bytes32 root, IMeshRouter.SettleItem[] memory items) = _batch(2, MeshTypes.COMMIT);
        _submitRoot(root, 1);
        items[1].verdict = 7;
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.InvalidVerdict.selector, 7));
        router.settleMany(root, items);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        SETTLE BATCH                        */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_SettleBatch_VerifiesInPlaceWithoutCaching() public {
        (bytes32 root, IMeshRouter.SettleItem[] memory items) = _batch(3, MeshTypes.COMMIT);
        bytes memory sigs = _sign(signerKeys, verifier.batchDigest(GENESIS_EPOCH, 2, root));
        assertEq(router.settleBatch(GENESIS_EPOCH, 2, root, sigs, items), 3, "settled");
        assertEq(token.balanceOf(bob), 3e18 + 3, "paid");
        assertFalse(verifier.isVerifiedRoot(root), "root not cached");
    }

    function test_SettleBatch_UsesCachedRoot() public {
        (bytes32 root, IMeshRouter.SettleItem[] memory items) = _batch(2, MeshTypes.COMMIT);
        _submitRoot(root, 2);
        assertEq(router.settleBatch(GENESIS_EPOCH, 2, root, "", items), 2, "no signatures needed");
    }

    function test_RevertWhen_SettleBatchBelowThreshold() public {
        (bytes32 root, IMeshRouter.SettleItem[] memory items) = _batch(2, MeshTypes.COMMIT);
        bytes memory sigs =
            _sign(_take(signerKeys, 1), verifier.batchDigest(GENESIS_EPOCH, 2, root));
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.InsufficientWeight.selector, 1, 2));
        router.settleBatch(GENESIS_EPOCH, 2, root, sigs, items);
    }

    function test_RevertWhen_SettleBatchSignedForOtherIndex() public {
        (bytes32 root, IMeshRouter.SettleItem[] memory items) = _batch(2, MeshTypes.COMMIT);
        bytes memory sigs = _sign(signerKeys, verifier.batchDigest(GENESIS_EPOCH, 2, root));
        vm.expectRevert(_foreignSigError(verifier.batchDigest(GENESIS_EPOCH, 3, root), sigs));
        router.settleBatch(GENESIS_EPOCH, 3, root, sigs, items);
    }

    function test_RevertWhen_SettleBatchZeroRoot() public {
        (, IMeshRouter.SettleItem[] memory items) = _batch(1, MeshTypes.COMMIT);
        vm.expectRevert(IMeshRouter.ZeroRoot.selector);
        router.settleBatch(GENESIS_EPOCH, 2, bytes32(0), "", items);
    }

    function test_RevertWhen_SettleBatchEmpty() public {
        vm.expectRevert(IMeshRouter.NoItems.selector);
        router.settleBatch(
            GENESIS_EPOCH, 2, bytes32(uint256(1)), "", new IMeshRouter.SettleItem[](0)
        );
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                      REFUND EXPIRED                        */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_RefundExpired_ReturnsToDepositor() public {
        _lock(b, 0);
        vm.warp(uint256(b.settleDeadline) + GRACE);
        vm.expectEmit(true, true, false, true, address(router));
        emit LegRefunded(id, 0);
        vm.prank(makeAddr("anyone"));
        router.refundExpired(id, 0);
        assertEq(token.balanceOf(alice), AMOUNT, "refunded");
        assertEq(uint8(router.legStatus(id, 0)), uint8(IMeshRouter.LegStatus.Refunded));
    }

    function test_RevertWhen_RefundBeforeDeadline() public {
        _lock(b, 0);
        uint256 opens = uint256(b.settleDeadline) + GRACE;
        vm.warp(b.settleDeadline - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.NotExpired.selector, opens, b.settleDeadline - 1)
        );
        router.refundExpired(id, 0);
    }

    /// @dev Past the settle deadline but inside the grace, a refund would race a COMMIT still in
    /// delivery: refused until `settleDeadline + GRACE`.
    function test_RevertWhen_RefundBeforeGraceEnds() public {
        _lock(b, 0);
        uint256 opens = uint256(b.settleDeadline) + GRACE;
        assertEq(router.refundOpensAt(id, 0), opens, "refundOpensAt");
        vm.warp(b.settleDeadline);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.NotExpired.selector, opens, b.settleDeadline)
        );
        router.refundExpired(id, 0);
        vm.warp(opens - 1);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.NotExpired.selector, opens, opens - 1));
        router.refundExpired(id, 0);
        vm.warp(opens);
        router.refundExpired(id, 0);
        assertEq(token.balanceOf(alice), AMOUNT, "refunded once the grace ended");
    }

    function test_RevertWhen_ZeroRefundGrace() public {
        vm.expectRevert(IMeshRouter.ZeroRefundGrace.selector);
        new MeshRouter(verifier, DOMAIN, 0);
    }

    function test_RevertWhen_RefundNeverLocked() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.LegNotLocked.selector, id, 0, IMeshRouter.LegStatus.None
            )
        );
        router.refundExpired(id, 0);
    }

    function test_RevertWhen_RefundAfterCommit() public {
        _lock(b, 0);
        bytes32 root = _commit();
        router.settle(id, 0, MeshTypes.COMMIT, root, _noProof());
        vm.warp(b.settleDeadline);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.LegNotLocked.selector, id, 0, IMeshRouter.LegStatus.Committed
            )
        );
        router.refundExpired(id, 0);
    }

    function test_RevertWhen_SettleAfterRefund() public {
        _lock(b, 0);
        bytes32 root = _verdictRoot(id, MeshTypes.ABORT);
        vm.warp(uint256(b.settleDeadline) + GRACE);
        router.refundExpired(id, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.LegNotLocked.selector, id, 0, IMeshRouter.LegStatus.Refunded
            )
        );
        router.settle(id, 0, MeshTypes.ABORT, root, _noProof());
        assertEq(token.balanceOf(alice), AMOUNT, "refunded exactly once");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           VIEWS                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_Views() public view {
        assertEq(address(router.verifier()), address(verifier), "verifier");
        assertEq(router.hubDomain(), verifier.DOMAIN_SEPARATOR(), "hub domain");
        assertEq(router.refundGrace(), GRACE, "refund grace");
        assertEq(router.refundOpensAt(id, 0), 0, "never locked");
        assertEq(router.legHash(b.legs[0]), MeshTypes.legHash(b.legs[0]), "leg hash");
        assertEq(
            router.settlementLeaf(id, MeshTypes.ABORT),
            MeshTypes.settlementLeaf(id, MeshTypes.ABORT),
            "leaf"
        );
        assertEq(
            router.computeBundleId(
                b.creatorHash, b.nonce, b.lockDeadline, b.settleDeadline, _legHashes(b)
            ),
            id,
            "bundle id"
        );
        IMeshRouter.Escrow memory e = router.escrow(keccak256("none"), 3);
        assertEq(uint8(e.status), 0, "unknown leg");
        assertEq(e.amount, 0, "unknown amount");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                            FUZZ                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function testFuzz_LockCommit_Amount(uint256 amount) public {
        amount = bound(amount, 1, type(uint256).max / 2);
        _store(_oneLeg(77, amount));
        assertEq(_fundAndLock(b, 0), amount, "credited");
        assertEq(router.escrow(id, 0).amount, amount, "stored");
        bytes32 root = _commit();
        router.settle(id, 0, MeshTypes.COMMIT, root, _noProof());
        assertEq(token.balanceOf(bob), amount, "paid exactly");
        assertEq(token.balanceOf(address(router)), AMOUNT * 0, "router holds nothing");
    }

    function testFuzz_LockAbortAndRefund_Amount(uint256 amount, bool viaVerdict) public {
        amount = bound(amount, 1, type(uint256).max / 2);
        _store(_oneLeg(78, amount));
        _fundAndLock(b, 0);
        if (viaVerdict) {
            bytes32 root = _verdictRoot(id, MeshTypes.ABORT);
            router.settle(id, 0, MeshTypes.ABORT, root, _noProof());
        } else {
            vm.warp(uint256(b.settleDeadline) + GRACE);
            router.refundExpired(id, 0);
        }
        assertEq(token.balanceOf(alice), amount + AMOUNT, "refunded exactly");
    }

    /// @dev Lock succeeds iff now ≤ lockDeadline < settleDeadline.
    function testFuzz_Lock_Deadlines(uint64 lockDl, uint64 settleDl, uint64 at) public {
        at = uint64(bound(at, T0, T0 + 30 days));
        lockDl = uint64(bound(lockDl, T0 - 1 days, T0 + 30 days));
        settleDl = uint64(bound(settleDl, T0 - 1 days, T0 + 60 days));
        Bundle memory x = _oneLeg(90, AMOUNT);
        x.lockDeadline = lockDl;
        x.settleDeadline = settleDl;
        vm.warp(at);
        bytes memory err;
        if (at > lockDl) {
            err = abi.encodeWithSelector(IMeshRouter.LockDeadlinePassed.selector, lockDl, at);
        } else if (lockDl >= settleDl) {
            err = abi.encodeWithSelector(IMeshRouter.DeadlinesOutOfOrder.selector, lockDl, settleDl);
        }
        if (err.length != 0) {
            _expectLockRevert(x, alice, err);
        } else {
            _store(x);
            _lock(b, 0);
            assertEq(router.escrow(id, 0).settleDeadline, settleDl, "deadline stored");
        }
    }

    /// @dev After a lock, COMMIT pays iff now < settleDeadline + GRACE and refundExpired works
    /// iff now ≥ settleDeadline + GRACE; exactly one of the two can happen.
    function testFuzz_CommitOrRefund_AtAnyTime(uint64 at) public {
        _lock(b, 0);
        bytes32 root = _commit();
        uint256 opens = uint256(b.settleDeadline) + GRACE;
        at = uint64(bound(at, block.timestamp, opens + 10 days));
        vm.warp(at);
        _expectCommitXorRefund(router, id, 0, root, opens);
        assertEq(token.balanceOf(address(router)), 0, "escrow emptied once");
    }

    /// @dev Checks, at the current time, that exactly one of COMMIT and refund works on a Locked
    /// leg whose refunds open at `opens`, and applies it.
    function _expectCommitXorRefund(
        MeshRouter r,
        bytes32 bundleId,
        uint32 index,
        bytes32 root,
        uint256 opens
    ) internal {
        uint256 at = block.timestamp;
        if (at < opens) {
            vm.expectRevert(abi.encodeWithSelector(IMeshRouter.NotExpired.selector, opens, at));
            r.refundExpired(bundleId, index);
            r.settle(bundleId, index, MeshTypes.COMMIT, root, _noProof());
            assertEq(
                uint8(r.legStatus(bundleId, index)), uint8(IMeshRouter.LegStatus.Committed), "paid"
            );
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(IMeshRouter.SettlementExpired.selector, opens, at)
            );
            r.settle(bundleId, index, MeshTypes.COMMIT, root, _noProof());
            r.refundExpired(bundleId, index);
            assertEq(
                uint8(r.legStatus(bundleId, index)),
                uint8(IMeshRouter.LegStatus.Refunded),
                "refunded"
            );
        }
    }

    /// @dev Settle deadlines over the whole uint64 range and any grace: `refundOpensAt` is
    /// `settleDeadline + grace` computed without overflow (up to 2^65 − 2), and at any time
    /// (even past 2^64) exactly one of COMMIT and refund works. ABORT works at any time.
    function testFuzz_RefundOpens_WholeUint64Deadlines(
        uint64 settleDl,
        uint64 grace,
        uint256 at,
        bool abort
    ) public {
        settleDl = uint64(bound(settleDl, 1, type(uint64).max));
        grace = uint64(bound(grace, 1, type(uint64).max));
        router = new MeshRouter(verifier, DOMAIN, grace);
        Bundle memory x = _oneLeg(500, AMOUNT);
        x.lockDeadline = settleDl - 1;
        x.settleDeadline = settleDl;
        _store(x);
        // The verdict root is verified while the genesis set is valid.
        bytes32 root = _verdictRoot(id, abort ? MeshTypes.ABORT : MeshTypes.COMMIT);
        vm.warp(x.lockDeadline);
        _fundAndLock(b, 0);
        uint256 opens = uint256(settleDl) + grace;
        assertEq(router.refundOpensAt(id, 0), opens, "refundOpensAt");
        vm.warp(bound(at, x.lockDeadline, opens + 10 days));
        if (abort) {
            router.settle(id, 0, MeshTypes.ABORT, root, _noProof());
            assertEq(uint8(router.legStatus(id, 0)), uint8(IMeshRouter.LegStatus.Aborted), "A");
        } else {
            _expectCommitXorRefund(router, id, 0, root, opens);
        }
        assertEq(token.balanceOf(address(router)), 0, "escrow emptied once");
    }
}
