// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MeshRouter} from "../src/MeshRouter.sol";
import {LegProof, MeshTypes} from "../src/MeshTypes.sol";
import {MeshWrappedToken} from "../src/MeshWrappedToken.sol";
import {IMeshRouter} from "../src/interfaces/IMeshRouter.sol";
import {MeshFixture} from "./utils/MeshFixture.sol";
import {MintLegs} from "./utils/MintLegs.sol";

/// @notice Lock-and-mint legs over two routers of one hub: `router` (domain 7, origin of
/// `token`) and `remote` (domain 8, where the wrapped token lives). A lock leg's COMMIT keeps the
/// tokens as the reserve, a mint leg's mints the wrapped token; the way back burns it and
/// releases from the reserve. Wrapped supply equals the reserve after every step.
contract MintTest is MeshFixture {
    using MintLegs for MintLegs.MBundle;

    uint64 internal constant REMOTE = 8;
    uint256 internal constant AMOUNT = 1000e6;

    MeshRouter internal remote;
    bytes32 internal hubDomain;
    uint64 internal nextBatch;
    uint64 internal nextNonce = 1;

    function setUp() public {
        _setUpMesh(3, 2);
        remote = new MeshRouter(verifier, REMOTE, GRACE);
        hubDomain = verifier.DOMAIN_SEPARATOR();
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          HELPERS                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _origin() internal view returns (bytes32) {
        return _acct(address(token));
    }

    function _wrapped() internal view returns (MeshWrappedToken) {
        return MeshWrappedToken(remote.wrappedToken(DOMAIN, _origin()));
    }

    /// @dev Alice locks `amount` on `router`, bob is minted as much on `remote`.
    function _lockAndMint(uint256 amount) internal returns (MintLegs.MBundle memory b) {
        b = MintLegs.pair(
            nextNonce++,
            MintLegs.leg(router, MeshTypes.KIND_LOCK, 0, _origin(), alice, amount),
            MintLegs.leg(remote, MeshTypes.KIND_MINT, DOMAIN, _origin(), bob, amount)
        );
    }

    /// @dev Bob burns `amount` of wrapped tokens on `remote`, carol is released as much on
    /// `router`.
    function _burnAndRelease(uint256 amount) internal returns (MintLegs.MBundle memory b) {
        b = MintLegs.pair(
            nextNonce++,
            MintLegs.leg(remote, MeshTypes.KIND_BURN, DOMAIN, _origin(), bob, amount),
            MintLegs.leg(router, MeshTypes.KIND_RELEASE, 0, _origin(), carol, amount)
        );
    }

    function _lockAs(address who, MintLegs.MBundle memory b, uint32 index) internal {
        vm.prank(who);
        b.lock(index, hubDomain);
    }

    function _fundAndLockLeg0(MintLegs.MBundle memory b) internal {
        token.mint(alice, b.legs[0].amount);
        vm.prank(alice);
        token.approve(address(router), b.legs[0].amount);
        _lockAs(alice, b, 0);
    }

    /// @dev Signs a batch of the single leaf (`b`, `verdict`) and returns its root.
    function _decide(MintLegs.MBundle memory b, uint8 verdict) internal returns (bytes32 root) {
        root = MeshTypes.settlementLeaf(b.id(hubDomain), verdict);
        _submitRoot(root, nextBatch++);
    }

    function _settleUnlocked(
        MeshRouter r,
        MintLegs.MBundle memory b,
        uint32 index,
        uint8 verdict,
        bytes32 root
    ) internal {
        r.settleUnlocked(index, verdict, root, new bytes32[](0), b.proofOf(index));
    }

    /// @dev A full lock-and-mint of `amount` to bob, committed.
    function _mintToBob(uint256 amount) internal returns (MintLegs.MBundle memory b) {
        b = _lockAndMint(amount);
        _fundAndLockLeg0(b);
        bytes32 root = _decide(b, MeshTypes.COMMIT);
        router.settle(b.id(hubDomain), 0, MeshTypes.COMMIT, root, new bytes32[](0));
        _settleUnlocked(remote, b, 1, MeshTypes.COMMIT, root);
    }

    /// @dev Bob approves and locks the burn leg of `b`.
    function _lockBurn(MintLegs.MBundle memory b) internal {
        MeshWrappedToken w = _wrapped();
        vm.prank(bob);
        w.approve(address(remote), b.legs[0].amount);
        _lockAs(bob, b, 0);
    }

    function _assertConserved() internal view {
        address w = address(_wrapped());
        uint256 supply = w.code.length == 0 ? 0 : MeshWrappedToken(w).totalSupply();
        assertEq(supply, router.reserveOf(address(token)), "wrapped supply = reserve");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                       LOCK AND MINT                        */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_LockAndMint_CommitMintsTheWrappedTokenBackedByTheReserve() public {
        address predicted = remote.wrappedToken(DOMAIN, _origin());
        assertEq(predicted.code.length, 0, "deployed lazily");
        _mintToBob(AMOUNT);
        MeshWrappedToken w = _wrapped();
        assertEq(address(w), predicted, "at the predicted CREATE2 address");
        assertEq(w.balanceOf(bob), AMOUNT);
        assertEq(w.router(), address(remote));
        assertEq(w.originDomain(), DOMAIN);
        assertEq(w.originToken(), _origin());
        assertEq(router.reserveOf(address(token)), AMOUNT);
        assertEq(token.balanceOf(address(router)), AMOUNT, "the lock stays in the router");
        _assertConserved();
    }

    function test_LockAndMint_AbortRefundsTheLockAndMintsNothing() public {
        MintLegs.MBundle memory b = _lockAndMint(AMOUNT);
        _fundAndLockLeg0(b);
        bytes32 root = _decide(b, MeshTypes.ABORT);
        router.settle(b.id(hubDomain), 0, MeshTypes.ABORT, root, new bytes32[](0));
        _settleUnlocked(remote, b, 1, MeshTypes.ABORT, root);
        assertEq(token.balanceOf(alice), AMOUNT, "refunded");
        assertEq(address(_wrapped()).code.length, 0, "nothing minted, nothing deployed");
        assertEq(uint8(remote.legStatus(b.id(hubDomain), 1)), uint8(IMeshRouter.LegStatus.Aborted));
        _assertConserved();
    }

    function test_LockLeg_RefundExpiredRefundsTheDepositor() public {
        MintLegs.MBundle memory b = _lockAndMint(AMOUNT);
        _fundAndLockLeg0(b);
        vm.warp(uint256(b.settleDeadline) + GRACE);
        router.refundExpired(b.id(hubDomain), 0);
        assertEq(token.balanceOf(alice), AMOUNT);
        assertEq(router.reserveOf(address(token)), 0);
    }

    function test_RevertWhen_MintIsSettledTwice() public {
        MintLegs.MBundle memory b = _mintToBob(AMOUNT);
        bytes32 root = MeshTypes.settlementLeaf(b.id(hubDomain), MeshTypes.COMMIT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.LegNotLocked.selector,
                b.id(hubDomain),
                uint32(1),
                IMeshRouter.LegStatus.Committed
            )
        );
        _settleUnlocked(remote, b, 1, MeshTypes.COMMIT, root);
        assertEq(_wrapped().totalSupply(), AMOUNT);
    }

    function test_RevertWhen_MintIsCommittedAfterAnAbortWasRecorded() public {
        MintLegs.MBundle memory b = _lockAndMint(AMOUNT);
        bytes32 abortRoot = _decide(b, MeshTypes.ABORT);
        _settleUnlocked(remote, b, 1, MeshTypes.ABORT, abortRoot);
        bytes32 commitRoot = _decide(b, MeshTypes.COMMIT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.LegNotLocked.selector,
                b.id(hubDomain),
                uint32(1),
                IMeshRouter.LegStatus.Aborted
            )
        );
        _settleUnlocked(remote, b, 1, MeshTypes.COMMIT, commitRoot);
    }

    function test_RevertWhen_MintIsCommittedOnceRefundsOpened() public {
        MintLegs.MBundle memory b = _lockAndMint(AMOUNT);
        bytes32 root = _decide(b, MeshTypes.COMMIT);
        uint256 opens = uint256(b.settleDeadline) + GRACE;
        vm.warp(opens);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.SettlementExpired.selector, opens, opens)
        );
        _settleUnlocked(remote, b, 1, MeshTypes.COMMIT, root);
    }

    function test_RevertWhen_MintIsSettledWithoutAVerifiedRoot() public {
        MintLegs.MBundle memory b = _lockAndMint(AMOUNT);
        bytes32 root = MeshTypes.settlementLeaf(b.id(hubDomain), MeshTypes.COMMIT);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.RootNotVerified.selector, root));
        _settleUnlocked(remote, b, 1, MeshTypes.COMMIT, root);
    }

    function test_RevertWhen_MintLegIsNotInTheBundle() public {
        MintLegs.MBundle memory b = _lockAndMint(AMOUNT);
        bytes32 root = _decide(b, MeshTypes.COMMIT);
        LegProof memory p = b.proofOf(1);
        p.leg.amount = AMOUNT * 2;
        vm.expectRevert();
        remote.settleUnlocked(1, MeshTypes.COMMIT, root, new bytes32[](0), p);
        assertEq(address(_wrapped()).code.length, 0, "nothing minted");
    }

    function test_RevertWhen_LockIsGivenAMintLeg() public {
        MintLegs.MBundle memory b = _lockAndMint(AMOUNT);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.LegLocksNothing.selector, MeshTypes.KIND_MINT)
        );
        vm.prank(address(remote));
        b.lock(1, hubDomain);
    }

    function test_RevertWhen_SettleUnlockedIsGivenALockLeg() public {
        MintLegs.MBundle memory b = _lockAndMint(AMOUNT);
        bytes32 root = _decide(b, MeshTypes.COMMIT);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.NotAnUnlockedLeg.selector, MeshTypes.KIND_LOCK)
        );
        _settleUnlocked(router, b, 0, MeshTypes.COMMIT, root);
    }

    function test_RevertWhen_WrappedTokenIsMintedByAnyoneElse() public {
        _mintToBob(AMOUNT);
        MeshWrappedToken w = _wrapped();
        vm.expectRevert(abi.encodeWithSelector(MeshWrappedToken.OnlyRouter.selector, bob));
        vm.prank(bob);
        w.mint(bob, 1);
        vm.expectRevert(
            abi.encodeWithSelector(MeshWrappedToken.OnlyRouter.selector, address(router))
        );
        vm.prank(address(router));
        w.burn(1);
        _assertConserved();
    }

    function test_RevertWhen_AMintNamesItsOwnDomainAsOrigin() public {
        MintLegs.MBundle memory b = MintLegs.pair(
            nextNonce++,
            MintLegs.leg(router, MeshTypes.KIND_LOCK, 0, _origin(), alice, AMOUNT),
            MintLegs.leg(remote, MeshTypes.KIND_MINT, REMOTE, _origin(), bob, AMOUNT)
        );
        bytes32 root = _decide(b, MeshTypes.COMMIT);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.BadOrigin.selector, MeshTypes.KIND_MINT, REMOTE)
        );
        _settleUnlocked(remote, b, 1, MeshTypes.COMMIT, root);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                      BURN AND RELEASE                      */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_BurnAndRelease_CommitBurnsAndPaysFromTheReserve() public {
        _mintToBob(AMOUNT);
        MintLegs.MBundle memory b = _burnAndRelease(400e6);
        _lockBurn(b);
        assertEq(
            _wrapped().balanceOf(address(remote)), 400e6, "the burn leg escrows wrapped tokens"
        );
        bytes32 root = _decide(b, MeshTypes.COMMIT);
        remote.settle(b.id(hubDomain), 0, MeshTypes.COMMIT, root, new bytes32[](0));
        _settleUnlocked(router, b, 1, MeshTypes.COMMIT, root);
        assertEq(_wrapped().totalSupply(), 600e6, "burned");
        assertEq(_wrapped().balanceOf(address(remote)), 0);
        assertEq(token.balanceOf(carol), 400e6, "released");
        assertEq(router.reserveOf(address(token)), 600e6);
        _assertConserved();
    }

    function test_BurnLeg_AbortRefundsTheWrappedTokens() public {
        _mintToBob(AMOUNT);
        MintLegs.MBundle memory b = _burnAndRelease(400e6);
        _lockBurn(b);
        bytes32 root = _decide(b, MeshTypes.ABORT);
        remote.settle(b.id(hubDomain), 0, MeshTypes.ABORT, root, new bytes32[](0));
        _settleUnlocked(router, b, 1, MeshTypes.ABORT, root);
        assertEq(_wrapped().balanceOf(bob), AMOUNT, "refunded, not burned");
        assertEq(token.balanceOf(carol), 0, "nothing released");
        assertEq(router.reserveOf(address(token)), AMOUNT);
        _assertConserved();
    }

    function test_BurnLeg_RefundExpiredRefundsTheWrappedTokens() public {
        _mintToBob(AMOUNT);
        MintLegs.MBundle memory b = _burnAndRelease(400e6);
        _lockBurn(b);
        vm.warp(uint256(b.settleDeadline) + GRACE);
        remote.refundExpired(b.id(hubDomain), 0);
        assertEq(_wrapped().balanceOf(bob), AMOUNT);
        _assertConserved();
    }

    function test_RevertWhen_ReleaseFindsNoReserve() public {
        MintLegs.MBundle memory b = _burnAndRelease(AMOUNT);
        bytes32 root = _decide(b, MeshTypes.COMMIT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.InsufficientReserve.selector, address(token), 0, AMOUNT
            )
        );
        _settleUnlocked(router, b, 1, MeshTypes.COMMIT, root);
    }

    /// @dev Alice's plain escrow of the same token sits in the router: a release (here a forged
    /// one, with no reserve behind it) must not be paid from it.
    function test_RevertWhen_ReleaseWouldPayFromSomeoneElsesEscrow() public {
        _fundAndLock(_oneLeg(99, AMOUNT), 0);
        assertEq(token.balanceOf(address(router)), AMOUNT, "the escrow is there");
        MintLegs.MBundle memory b = _burnAndRelease(AMOUNT);
        bytes32 root = _decide(b, MeshTypes.COMMIT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.InsufficientReserve.selector, address(token), 0, AMOUNT
            )
        );
        _settleUnlocked(router, b, 1, MeshTypes.COMMIT, root);
        assertEq(token.balanceOf(carol), 0);
    }

    function test_RevertWhen_ABurnLegNamesAWrappedTokenThatDoesNotExist() public {
        MintLegs.MBundle memory b = _burnAndRelease(AMOUNT);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.WrappedTokenNotDeployed.selector, DOMAIN, _origin())
        );
        _lockAs(bob, b, 0);
    }

    function test_RevertWhen_ALockLegCarriesAnAction() public {
        MintLegs.MBundle memory b = _lockAndMint(AMOUNT);
        b.legs[0].action = keccak256("an action");
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.ActionOnKind.selector, MeshTypes.KIND_LOCK)
        );
        _lockAs(alice, b, 0);
    }

    function test_RevertWhen_ALegHasAnUnknownKind() public {
        MintLegs.MBundle memory b = _lockAndMint(AMOUNT);
        b.legs[0].kind = 5;
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.UnknownKind.selector, uint8(5)));
        _lockAs(alice, b, 0);
    }

    /// @dev Batched settlement applies lock and burn legs too, and skips mint and release legs
    /// (they have no escrow: `settleUnlocked` settles them).
    function test_SettleMany_KeepsLocksAndSkipsMints() public {
        MintLegs.MBundle memory b = _lockAndMint(AMOUNT);
        _fundAndLockLeg0(b);
        bytes32 root = _decide(b, MeshTypes.COMMIT);
        IMeshRouter.SettleItem[] memory items = new IMeshRouter.SettleItem[](1);
        items[0] = IMeshRouter.SettleItem(b.id(hubDomain), 0, MeshTypes.COMMIT, new bytes32[](0));
        assertEq(router.settleMany(root, items), 1);
        assertEq(router.reserveOf(address(token)), AMOUNT);
        items[0].index = 1;
        assertEq(remote.settleMany(root, items), 0, "a mint leg is not settled in a batch");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                            FUZZ                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Mint any amount, burn any part of it back, in any verdicts: supply = reserve and the
    /// router holds exactly the reserve.
    function testFuzz_LockMintBurnRelease_ConservesSupply(
        uint256 amount,
        uint256 back,
        bool commitBack
    ) public {
        amount = bound(amount, 1, type(uint128).max);
        back = bound(back, 1, amount);
        _mintToBob(amount);
        MintLegs.MBundle memory b = _burnAndRelease(back);
        _lockBurn(b);
        uint8 verdict = commitBack ? MeshTypes.COMMIT : MeshTypes.ABORT;
        bytes32 root = _decide(b, verdict);
        // The release first: the reserve already backs what is burned.
        _settleUnlocked(router, b, 1, verdict, root);
        remote.settle(b.id(hubDomain), 0, verdict, root, new bytes32[](0));
        uint256 left = commitBack ? amount - back : amount;
        assertEq(_wrapped().totalSupply(), left);
        assertEq(router.reserveOf(address(token)), left);
        assertEq(token.balanceOf(address(router)), left);
        assertEq(token.balanceOf(carol), amount - left);
    }
}
