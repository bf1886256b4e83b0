// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "solady/utils/ReentrancyGuardTransient.sol";

import {ActionExecutor} from "../src/ActionExecutor.sol";
import {MeshRouter} from "../src/MeshRouter.sol";
import {Action, MeshTypes} from "../src/MeshTypes.sol";
import {ConstantProductPool} from "../src/demo/ConstantProductPool.sol";
import {IMeshRouter} from "../src/interfaces/IMeshRouter.sol";
import {
    FixedSwapTarget,
    GasBurnerTarget,
    GasEaterTarget,
    HugePayloadTarget,
    ReentrantTarget,
    RevertingTarget
} from "./mocks/ActionTargets.sol";
import {TestToken} from "./mocks/TestToken.sol";
import {Bundle, MeshFixture} from "./utils/MeshFixture.sol";
import {Vm} from "./utils/Vm.sol";

/// @notice Legs with an action: a COMMIT through `settleAction` runs the action from the
/// router's executor (the recipient gets its output) or, if it cannot run or fails, pays the
/// recipient the escrowed tokens; either way the leg ends once and the router pays out exactly
/// the escrow.
contract ActionsTest is MeshFixture {
    event LegSettled(bytes32 indexed bundleId, uint32 indexed index, uint8 verdict);
    event LegRefunded(bytes32 indexed bundleId, uint32 indexed index);
    event SettlementSkipped(bytes32 indexed bundleId, uint32 indexed index, uint8 reason);
    event ActionExecuted(bytes32 indexed bundleId, uint32 indexed index, uint256 output);
    event ActionFellBack(bytes32 indexed bundleId, uint32 indexed index);

    uint256 internal constant AMOUNT = 10e18;
    uint64 internal constant SWAP_GAS = 300_000;

    TestToken internal usdc;
    ConstantProductPool internal pool;
    ActionExecutor internal executor;
    FixedSwapTarget internal swapper;

    function setUp() public {
        _setUpMesh(3, 2);
        usdc = new TestToken();
        pool = new ConstantProductPool(address(token), address(usdc));
        executor = ActionExecutor(router.actionExecutor());
        swapper = new FixedSwapTarget();
        // 1 000 test tokens against 3 000 000 usdc.
        token.mint(address(this), 1000e18);
        usdc.mint(address(this), 3_000_000e18);
        token.approve(address(pool), type(uint256).max);
        usdc.approve(address(pool), type(uint256).max);
        (uint256 a0, uint256 a1) = pool.token0() == address(token)
            ? (uint256(1000e18), uint256(3_000_000e18))
            : (uint256(3_000_000e18), uint256(1000e18));
        pool.addLiquidity(a0, a1, 0, address(this));
        vm.label(address(usdc), "usdc");
        vm.label(address(pool), "pool");
        vm.label(address(executor), "executor");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          HELPERS                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _none() internal pure returns (bytes32[] memory) {
        return new bytes32[](0);
    }

    function _act(address target, bytes memory data, address out, uint256 minOut, uint64 gas)
        internal
        pure
        returns (IMeshRouter.ActionCall memory)
    {
        return IMeshRouter.ActionCall(_acct(target), data, _acct(out), minOut, gas);
    }

    /// @dev Swap `amount` test tokens on the pool, output to the executor (which forwards it).
    function _swap(uint256 amount, uint256 minOut)
        internal
        view
        returns (IMeshRouter.ActionCall memory)
    {
        bytes memory data =
            abi.encodeCall(pool.swapExactIn, (address(token), amount, 0, address(executor)));
        return _act(address(pool), data, address(usdc), minOut, SWAP_GAS);
    }

    /// @dev A one-leg bundle alice → bob of `amount` test tokens carrying `a`.
    function _actionBundle(uint64 nonce, uint256 amount, IMeshRouter.ActionCall memory a)
        internal
        view
        returns (Bundle memory b)
    {
        b = _oneLeg(nonce, amount);
        b.legs[0].action = router.actionHash(a);
    }

    /// @dev Locks an action leg and verifies its COMMIT (a one-leaf root at batch `nonce`).
    function _lockAction(uint64 nonce, uint256 amount, IMeshRouter.ActionCall memory a)
        internal
        returns (bytes32 id)
    {
        Bundle memory b = _actionBundle(nonce, amount, a);
        id = _id(b);
        _fundAndLock(b, 0);
        _submitRoot(MeshTypes.settlementLeaf(id, MeshTypes.COMMIT), nonce);
    }

    function _settleAction(bytes32 id, IMeshRouter.ActionCall memory a) internal returns (bool) {
        return
            router.settleAction(id, 0, MeshTypes.settlementLeaf(id, MeshTypes.COMMIT), _none(), a);
    }

    function _status(bytes32 id) internal view returns (uint8) {
        return uint8(router.legStatus(id, 0));
    }

    /// @dev The executor holds nothing and approves nothing after an action.
    function _assertExecutorEmpty(address target) internal view {
        assertEq(token.balanceOf(address(executor)), 0, "executor token");
        assertEq(usdc.balanceOf(address(executor)), 0, "executor usdc");
        assertEq(token.allowance(address(executor), target), 0, "approval reset");
    }

    /// @dev Settles an action leg expecting the fallback: bob is paid the escrowed tokens.
    function _expectFallback(bytes32 id, IMeshRouter.ActionCall memory a, uint256 amount) internal {
        uint256 routerBefore = token.balanceOf(address(router));
        uint256 bobBefore = token.balanceOf(bob);
        uint256 bobUsdc = usdc.balanceOf(bob);
        vm.expectEmit(true, true, false, true, address(router));
        emit ActionFellBack(id, 0);
        vm.expectEmit(true, true, false, true, address(router));
        emit LegSettled(id, 0, MeshTypes.COMMIT);
        assertFalse(_settleAction(id, a), "not executed");
        assertEq(token.balanceOf(bob), bobBefore + amount, "bob paid the escrow");
        assertEq(usdc.balanceOf(bob), bobUsdc, "no output");
        assertEq(token.balanceOf(address(router)), routerBefore - amount, "one payout");
        assertEq(_status(id), uint8(IMeshRouter.LegStatus.Committed), "committed");
        _assertExecutorEmpty(_addr(a.target));
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        ENCODING, LOCK                      */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_ActionHash_IsHashStructOfAction() public view {
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, 1);
        bytes32 expected = keccak256(
            abi.encode(
                keccak256(
                    "Action(bytes32 target,bytes32 dataHash,bytes32 outputToken,uint256 minOut,uint64 gasLimit)"
                ),
                a.target,
                keccak256(a.data),
                a.outputToken,
                a.minOut,
                a.gasLimit
            )
        );
        assertEq(router.actionHash(a), expected, "router view");
        assertEq(
            MeshTypes.actionHash(
                Action(a.target, keccak256(a.data), a.outputToken, a.minOut, a.gasLimit)
            ),
            expected,
            "library"
        );
    }

    function test_Lock_StoresActionAndPlainLegHasNone() public {
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, 1);
        bytes32 id = _lockAction(1, AMOUNT, a);
        IMeshRouter.Escrow memory e = router.escrow(id, 0);
        assertEq(e.action, router.actionHash(a), "action stored");
        assertEq(e.legHash, MeshTypes.legHash(_actionBundle(1, AMOUNT, a).legs[0]), "leg hash");
        // The action is part of the leg hash, so of the bundle id.
        Bundle memory plain = _oneLeg(1, AMOUNT);
        assertTrue(_id(plain) != id, "another bundle");
        _fundAndLock(plain, 0);
        assertEq(router.escrow(_id(plain), 0).action, bytes32(0), "plain leg");
    }

    function test_RevertWhen_LockPaysTheExecutor() public {
        Bundle memory b = _oneLeg(1, AMOUNT);
        b.legs[0].recipient = _acct(address(executor));
        token.mint(alice, AMOUNT);
        vm.prank(alice);
        token.approve(address(router), AMOUNT);
        bytes32 id = _id(b);
        bytes32[] memory hashes = _legHashes(b);
        vm.prank(alice);
        vm.expectRevert(IMeshRouter.RecipientIsExecutor.selector);
        router.lock(
            id, 0, b.legs[0], b.lockDeadline, b.settleDeadline, b.creatorHash, b.nonce, hashes
        );
    }

    function test_ActionExecutor_ServesItsRouter() public view {
        assertEq(executor.ROUTER(), address(router), "router");
        assertTrue(address(executor).code.length != 0, "deployed");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          SUCCESS                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_SettleAction_SwapPaysRecipientAtLeastMinOut() public {
        uint256 quote = pool.quote(address(token), AMOUNT);
        uint256 minOut = quote * 99 / 100;
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, minOut);
        bytes32 id = _lockAction(1, AMOUNT, a);
        assertEq(token.balanceOf(address(router)), AMOUNT, "escrowed");
        vm.expectEmit(true, true, false, true, address(router));
        emit ActionExecuted(id, 0, quote);
        vm.expectEmit(true, true, false, true, address(router));
        emit LegSettled(id, 0, MeshTypes.COMMIT);
        assertTrue(_settleAction(id, a), "executed");
        assertEq(usdc.balanceOf(bob), quote, "output to the recipient");
        assertGe(usdc.balanceOf(bob), minOut, "at least minOut");
        assertEq(token.balanceOf(bob), 0, "input swapped");
        assertEq(token.balanceOf(address(router)), 0, "router holds nothing");
        assertEq(usdc.balanceOf(address(router)), 0, "router holds no output");
        _assertExecutorEmpty(address(pool));
        assertEq(_status(id), uint8(IMeshRouter.LegStatus.Committed), "committed");
    }

    /// @dev Output the target sends straight to the recipient counts toward `minOut`.
    function test_SettleAction_OutputSentToRecipientDirectlyCounts() public {
        uint256 quote = pool.quote(address(token), AMOUNT);
        bytes memory data = abi.encodeCall(pool.swapExactIn, (address(token), AMOUNT, 0, bob));
        IMeshRouter.ActionCall memory a = _act(address(pool), data, address(usdc), quote, SWAP_GAS);
        bytes32 id = _lockAction(1, AMOUNT, a);
        assertTrue(_settleAction(id, a), "executed");
        assertEq(usdc.balanceOf(bob), quote, "output");
        _assertExecutorEmpty(address(pool));
    }

    /// @dev The target is called with the full `MAX_ACTION_GAS` even with every account cold:
    /// the overhead covers both 1/64 withholdings at the largest gas limit.
    function test_SettleAction_MaxGasLimitWithColdAccountsExecutes() public {
        GasEaterTarget eater = new GasEaterTarget();
        IMeshRouter.ActionCall memory a = _act(
            address(eater),
            abi.encodeCall(eater.eat, (3000)),
            address(usdc),
            0,
            uint64(MeshTypes.MAX_ACTION_GAS)
        );
        bytes32 id = _lockAction(1, AMOUNT, a);
        address[7] memory cold = [
            address(token),
            address(usdc),
            address(router),
            address(executor),
            address(eater),
            bob,
            alice
        ];
        for (uint256 i; i < cold.length; ++i) {
            vm.cool(cold[i]);
        }
        uint256 g0 = gasleft();
        assertTrue(_settleAction(id, a), "executed at the maximum gas limit");
        uint256 used = g0 - gasleft();
        assertGe(used, MeshTypes.MAX_ACTION_GAS - 10_000, "the target got its whole gas limit");
        assertEq(token.balanceOf(bob), AMOUNT, "input forwarded back");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         FALLBACKS                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_SettleAction_FallsBackWhenTargetReverts() public {
        RevertingTarget t = new RevertingTarget();
        IMeshRouter.ActionCall memory a = _act(address(t), hex"1234", address(usdc), 0, 100_000);
        bytes32 id = _lockAction(1, AMOUNT, a);
        _expectFallback(id, a, AMOUNT);
    }

    function test_SettleAction_FallsBackWhenOutputBelowMinOut() public {
        uint256 quote = pool.quote(address(token), AMOUNT);
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, quote + 1);
        bytes32 id = _lockAction(1, AMOUNT, a);
        (uint256 r0, uint256 r1) = (pool.reserve0(), pool.reserve1());
        _expectFallback(id, a, AMOUNT);
        assertEq(pool.reserve0(), r0, "the swap was rolled back");
        assertEq(pool.reserve1(), r1, "the swap was rolled back");
    }

    /// @dev A target that takes the approved input and pays nothing gets nothing: the shortfall
    /// rolls its transfer back.
    function test_SettleAction_FallsBackWhenTargetTakesInputWithoutOutput() public {
        bytes memory data = abi.encodeCall(swapper.take, (address(token), AMOUNT));
        IMeshRouter.ActionCall memory a = _act(address(swapper), data, address(usdc), 1, SWAP_GAS);
        bytes32 id = _lockAction(1, AMOUNT, a);
        _expectFallback(id, a, AMOUNT);
        assertEq(token.balanceOf(address(swapper)), 0, "nothing taken");
    }

    function test_SettleAction_FallsBackWhenTargetBurnsAllGas() public {
        GasBurnerTarget t = new GasBurnerTarget();
        uint64 gas = 1_000_000;
        IMeshRouter.ActionCall memory a = _act(address(t), "", address(usdc), 0, gas);
        bytes32 id = _lockAction(1, AMOUNT, a);
        uint256 g0 = gasleft();
        _expectFallback(id, a, AMOUNT);
        assertLe(g0 - gasleft(), gas + router.ACTION_OVERHEAD() + 150_000, "bounded gas");
    }

    /// @dev 1 MB returned: nothing is copied, the action succeeds, and the router pays no more
    /// than the gas limit and its overhead.
    function test_SettleAction_HugeReturnPayloadExecutesWithBoundedGas() public {
        HugePayloadTarget t = new HugePayloadTarget();
        uint64 gas = 3_000_000;
        bytes memory data = abi.encodeCall(t.returnHuge, (1 << 20));
        IMeshRouter.ActionCall memory a = _act(address(t), data, address(token), AMOUNT, gas);
        bytes32 id = _lockAction(1, AMOUNT, a);
        uint256 g0 = gasleft();
        assertTrue(_settleAction(id, a), "executed");
        assertLe(g0 - gasleft(), gas + router.ACTION_OVERHEAD(), "bounded gas");
        assertEq(token.balanceOf(bob), AMOUNT, "input forwarded");
        _assertExecutorEmpty(address(t));
    }

    /// @dev 1 MB of revert data: nothing is copied (neither by the executor nor by the router),
    /// the recipient is paid the escrow.
    function test_SettleAction_HugeRevertPayloadFallsBackWithBoundedGas() public {
        HugePayloadTarget t = new HugePayloadTarget();
        uint64 gas = 3_000_000;
        bytes memory data = abi.encodeCall(t.revertHuge, (1 << 20));
        IMeshRouter.ActionCall memory a = _act(address(t), data, address(token), 0, gas);
        bytes32 id = _lockAction(1, AMOUNT, a);
        uint256 g0 = gasleft();
        _expectFallback(id, a, AMOUNT);
        assertLe(g0 - gasleft(), gas + router.ACTION_OVERHEAD(), "bounded gas");
    }

    /// @dev Gas limit zero or above the maximum, a target without code or not EVM-shaped, an
    /// output token not EVM-shaped: never called, the recipient is paid directly (whatever gas
    /// the relayer sends).
    function test_SettleAction_UncallableActionPaysDirectly() public {
        IMeshRouter.ActionCall[] memory bad = new IMeshRouter.ActionCall[](5);
        bad[0] = _swap(AMOUNT, 0);
        bad[0].gasLimit = 0;
        bad[1] = _swap(AMOUNT, 0);
        bad[1].gasLimit = uint64(MeshTypes.MAX_ACTION_GAS + 1);
        bad[2] = _swap(AMOUNT, 0);
        bad[2].target = _acct(makeAddr("no code"));
        bad[3] = _swap(AMOUNT, 0);
        bad[3].target = bytes32(uint256(1) << 160 | uint256(uint160(address(pool))));
        bad[4] = _swap(AMOUNT, 0);
        bad[4].outputToken = bytes32(uint256(1) << 160 | uint256(uint160(address(usdc))));
        (uint256 r0, uint256 r1) = (pool.reserve0(), pool.reserve1());
        for (uint256 i; i < bad.length; ++i) {
            bytes32 id = _lockAction(uint64(i + 1), AMOUNT, bad[i]);
            // Far below what a called action needs: the payment does not depend on it.
            (bool ok, bytes memory ret) = address(router).call{gas: 200_000}(
                abi.encodeCall(
                    router.settleAction,
                    (id, 0, MeshTypes.settlementLeaf(id, MeshTypes.COMMIT), _none(), bad[i])
                )
            );
            assertTrue(ok, "paid with little gas");
            assertFalse(abi.decode(ret, (bool)), "not executed");
            assertEq(token.balanceOf(bob), AMOUNT * (i + 1), "bob paid the escrow");
            assertEq(_status(id), uint8(IMeshRouter.LegStatus.Committed), "committed");
        }
        assertEq(pool.reserve0(), r0, "pool untouched");
        assertEq(pool.reserve1(), r1, "pool untouched");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                      GAS GRIEFING                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _settleActionWithGas(bytes32 id, IMeshRouter.ActionCall memory a, uint256 gas)
        internal
        returns (bool ok, bytes memory ret)
    {
        return address(router).call{gas: gas}(
            abi.encodeCall(
                router.settleAction,
                (id, 0, MeshTypes.settlementLeaf(id, MeshTypes.COMMIT), _none(), a)
            )
        );
    }

    /// @dev Too little gas reverts `ActionGasTooLow` and leaves the leg Locked; the same call
    /// with enough gas runs the action.
    function test_RevertWhen_SettleActionGasTooLow_ThenExecutesWithEnoughGas() public {
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, 1);
        bytes32 id = _lockAction(1, AMOUNT, a);
        uint256 budget = SWAP_GAS + router.ACTION_OVERHEAD();
        uint256 needed = budget + budget / 63 + router.ACTION_RESERVE();
        (bool ok, bytes memory ret) = _settleActionWithGas(id, a, needed - 1);
        assertFalse(ok, "refused");
        assertEq(bytes4(ret), IMeshRouter.ActionGasTooLow.selector, "ActionGasTooLow");
        assertEq(_status(id), uint8(IMeshRouter.LegStatus.Locked), "still locked");
        assertEq(token.balanceOf(address(router)), AMOUNT, "still escrowed");
        (ok, ret) = _settleActionWithGas(id, a, needed + 100_000);
        assertTrue(ok, "settled");
        assertTrue(abi.decode(ret, (bool)), "executed");
        assertGe(usdc.balanceOf(bob), 1, "output");
    }

    /// @dev At the least gas with which `settleAction` does not revert, a target that uses its
    /// whole gas limit still runs: no gas a relayer may send forces the fallback.
    function test_SettleAction_LeastSufficientGasStillExecutes() public {
        GasEaterTarget eater = new GasEaterTarget();
        uint64 gas = 2_000_000;
        IMeshRouter.ActionCall memory a =
            _act(address(eater), abi.encodeCall(eater.eat, (3000)), address(token), AMOUNT, gas);
        bytes32 id = _lockAction(1, AMOUNT, a);
        uint256 lo = 0;
        uint256 hi = 20_000_000;
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            uint256 snap = vm.snapshotState();
            (bool ok,) = _settleActionWithGas(id, a, mid);
            vm.revertToState(snap);
            if (ok) hi = mid;
            else lo = mid;
        }
        uint256 snap2 = vm.snapshotState();
        (bool ok2, bytes memory ret2) = _settleActionWithGas(id, a, lo);
        assertFalse(ok2, "one less fails");
        assertEq(bytes4(ret2), IMeshRouter.ActionGasTooLow.selector, "and only on the gas check");
        vm.revertToState(snap2);
        (bool ok3, bytes memory ret3) = _settleActionWithGas(id, a, hi);
        assertTrue(ok3, "settled");
        assertTrue(abi.decode(ret3, (bool)), "executed with the least sufficient gas");
        assertEq(token.balanceOf(bob), AMOUNT, "paid");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                    REENTRANCY, ISOLATION                   */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Legs of the re-entrancy tests: x runs the re-entrant target; y (plain, COMMIT
    /// verified) and w (an action leg, COMMIT verified) would settle if an inner call got
    /// through; z is what an inner lock would lock.
    bytes32 internal xid;
    bytes32 internal yid;
    bytes32 internal wid;

    /// @dev Arms `t` to call every router entry point (on legs that would otherwise settle,
    /// refund or lock) and the executor, and locks leg x whose action runs `t`.
    function _armReentrant(ReentrantTarget t, bool strict)
        internal
        returns (IMeshRouter.ActionCall memory ax)
    {
        ax = _act(address(t), abi.encodeCall(t.go, ()), address(token), 0, 3_000_000);
        xid = _lockAction(1, AMOUNT, ax);
        Bundle memory y = _oneLeg(2, AMOUNT);
        yid = _id(y);
        _fundAndLock(y, 0);
        _submitRoot(MeshTypes.settlementLeaf(yid, MeshTypes.COMMIT), 2);
        wid = _lockAction(3, AMOUNT, _swap(AMOUNT, 0));
        token.mint(alice, AMOUNT);
        vm.startPrank(alice);
        token.approve(address(router), type(uint256).max);
        router.setOperator(address(t), true);
        vm.stopPrank();
        address[] memory targets = new address[](6);
        for (uint256 i; i < 5; ++i) {
            targets[i] = address(router);
        }
        targets[5] = address(executor);
        t.arm(targets, _reentrantPayloads(t, ax), strict);
    }

    function _reentrantPayloads(ReentrantTarget t, IMeshRouter.ActionCall memory ax)
        internal
        view
        returns (bytes[] memory payloads)
    {
        payloads = new bytes[](6);
        payloads[0] = abi.encodeCall(
            router.settle,
            (yid, 0, MeshTypes.COMMIT, MeshTypes.settlementLeaf(yid, MeshTypes.COMMIT), _none())
        );
        payloads[1] = abi.encodeCall(
            router.settleAction,
            (wid, 0, MeshTypes.settlementLeaf(wid, MeshTypes.COMMIT), _none(), _swap(AMOUNT, 0))
        );
        payloads[2] = abi.encodeCall(router.refundExpired, (yid, 0));
        Bundle memory z = _oneLeg(4, AMOUNT);
        payloads[3] = abi.encodeCall(
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
        payloads[4] =
            abi.encodeCall(router.runAction, (yid, 0, address(token), AMOUNT, address(t), ax));
        payloads[5] = abi.encodeCall(
            executor.run,
            (address(token), AMOUNT, address(t), address(t), "", address(token), 0, 100_000)
        );
    }

    /// @dev A target re-entering the router (settle, settleAction, refundExpired, lock,
    /// runAction) and calling the executor: every inner call fails, the action itself succeeds
    /// (the target ignores the failures), and only leg x is paid, once.
    function test_SettleAction_ReentrantTargetInnerCallsFail() public {
        ReentrantTarget t = new ReentrantTarget();
        IMeshRouter.ActionCall memory ax = _armReentrant(t, false);
        uint256 routerBefore = token.balanceOf(address(router));
        assertTrue(_settleAction(xid, ax), "executed");
        assertEq(t.calls(), 6, "every inner call made");
        bytes memory guard = abi.encodeWithSelector(ReentrancyGuardTransient.Reentrancy.selector);
        for (uint256 i; i < 6; ++i) {
            assertFalse(t.succeeded(i), string.concat("inner call ", vm.toString(i)));
        }
        for (uint256 i; i < 4; ++i) {
            assertEq(t.returned(i), guard, "Reentrancy()");
        }
        assertEq(t.returned(4), abi.encodeWithSelector(IMeshRouter.OnlySelf.selector), "OnlySelf()");
        assertEq(
            t.returned(5),
            abi.encodeWithSelector(ActionExecutor.OnlyRouter.selector, address(t)),
            "OnlyRouter()"
        );
        assertEq(token.balanceOf(address(router)), routerBefore - AMOUNT, "one payout");
        assertEq(token.balanceOf(bob), AMOUNT, "bob paid once");
        assertEq(token.balanceOf(address(t)), 0, "target got nothing");
        assertEq(_status(yid), uint8(IMeshRouter.LegStatus.Locked), "y");
        assertEq(_status(wid), uint8(IMeshRouter.LegStatus.Locked), "w");
        _assertExecutorEmpty(address(t));
    }

    /// @dev The same target propagating the failures: the action fails, the recipient is paid
    /// the escrow, once.
    function test_SettleAction_ReentrantTargetThatRevertsFallsBack() public {
        ReentrantTarget t = new ReentrantTarget();
        IMeshRouter.ActionCall memory ax = _armReentrant(t, true);
        _expectFallback(xid, ax, AMOUNT);
        assertEq(t.calls(), 0, "rolled back");
        assertEq(_status(yid), uint8(IMeshRouter.LegStatus.Locked), "y");
        assertEq(_status(wid), uint8(IMeshRouter.LegStatus.Locked), "w");
    }

    /// @dev A target calling the executor directly is refused (and its action then fails).
    function test_SettleAction_TargetCallingExecutorIsRefused() public {
        ReentrantTarget t = new ReentrantTarget();
        address[] memory targets = new address[](1);
        bytes[] memory payloads = new bytes[](1);
        targets[0] = address(executor);
        payloads[0] = abi.encodeCall(
            executor.run, (address(token), AMOUNT, address(t), address(t), "", address(token), 0, 0)
        );
        t.arm(targets, payloads, true);
        IMeshRouter.ActionCall memory a =
            _act(address(t), abi.encodeCall(t.go, ()), address(token), 0, 1_000_000);
        bytes32 id = _lockAction(1, AMOUNT, a);
        _expectFallback(id, a, AMOUNT);
    }

    function test_RevertWhen_RunActionCalledByAnyoneButTheRouter() public {
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, 0);
        bytes32 id = _lockAction(1, AMOUNT, a);
        address[3] memory callers = [alice, address(this), address(executor)];
        for (uint256 i; i < callers.length; ++i) {
            vm.prank(callers[i]);
            vm.expectRevert(IMeshRouter.OnlySelf.selector);
            router.runAction(id, 0, address(token), AMOUNT, alice, a);
        }
        assertEq(token.balanceOf(address(router)), AMOUNT, "still escrowed");
    }

    function test_RevertWhen_ExecutorRunCalledByAnyoneButTheRouter() public {
        token.mint(address(executor), AMOUNT);
        address[2] memory callers = [alice, address(this)];
        for (uint256 i; i < callers.length; ++i) {
            vm.prank(callers[i]);
            vm.expectRevert(abi.encodeWithSelector(ActionExecutor.OnlyRouter.selector, callers[i]));
            executor.run(address(token), AMOUNT, alice, address(pool), "", address(token), 0, 0);
        }
        assertEq(token.balanceOf(address(executor)), AMOUNT, "untouched");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                   MISMATCH AND VERDICTS                    */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Any field other than the leg's (calldata, target, output token, minOut, gas limit):
    /// `ActionMismatch`, the leg stays Locked.
    function test_RevertWhen_SettleActionDoesNotMatchTheLeg() public {
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, 1);
        bytes32 id = _lockAction(1, AMOUNT, a);
        bytes32 expected = router.actionHash(a);
        IMeshRouter.ActionCall[] memory other = new IMeshRouter.ActionCall[](5);
        for (uint256 i; i < 5; ++i) {
            other[i] = _swap(AMOUNT, 1);
        }
        other[0].data = abi.encodeCall(pool.swapExactIn, (address(token), AMOUNT, 0, carol));
        other[1].target = _acct(address(swapper));
        other[2].outputToken = _acct(address(token));
        other[3].minOut = 0;
        other[4].gasLimit = SWAP_GAS + 1;
        for (uint256 i; i < other.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IMeshRouter.ActionMismatch.selector, expected, router.actionHash(other[i])
                )
            );
            _settleAction(id, other[i]);
        }
        assertEq(_status(id), uint8(IMeshRouter.LegStatus.Locked), "still locked");
        assertTrue(_settleAction(id, a), "the leg's own action runs");
    }

    function test_RevertWhen_SettleActionOnPlainLeg() public {
        Bundle memory b = _oneLeg(1, AMOUNT);
        bytes32 id = _id(b);
        _fundAndLock(b, 0);
        _verdictRoot(id, MeshTypes.COMMIT);
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.ActionMismatch.selector, bytes32(0), router.actionHash(a)
            )
        );
        _settleAction(id, a);
    }

    function test_RevertWhen_SettleCommitOnActionLeg() public {
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, 0);
        bytes32 id = _lockAction(1, AMOUNT, a);
        bytes32 leaf = MeshTypes.settlementLeaf(id, MeshTypes.COMMIT);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.ActionRequired.selector, id, 0));
        router.settle(id, 0, MeshTypes.COMMIT, leaf, _none());
        assertEq(_status(id), uint8(IMeshRouter.LegStatus.Locked), "still locked");
    }

    /// @dev settleMany, settleBatch and settleMultiproof skip an action leg's COMMIT with reason
    /// 4 and leave it Locked for `settleAction`.
    function test_BatchPaths_SkipActionLegCommitWithReason4() public {
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, 0);
        bytes32 id = _lockAction(1, AMOUNT, a);
        bytes32 leaf = MeshTypes.settlementLeaf(id, MeshTypes.COMMIT);
        IMeshRouter.SettleItem[] memory items = new IMeshRouter.SettleItem[](1);
        items[0] = IMeshRouter.SettleItem(id, 0, MeshTypes.COMMIT, _none());
        vm.expectEmit(true, true, false, true, address(router));
        emit SettlementSkipped(id, 0, 4);
        assertEq(router.settleMany(leaf, items), 0, "settleMany");
        bytes memory sigs = _sign(signerKeys, verifier.batchDigest(GENESIS_EPOCH, 7, leaf));
        vm.expectEmit(true, true, false, true, address(router));
        emit SettlementSkipped(id, 0, 4);
        assertEq(router.settleBatch(GENESIS_EPOCH, 7, leaf, sigs, items), 0, "settleBatch");
        IMeshRouter.MultiItem[] memory m = new IMeshRouter.MultiItem[](1);
        m[0] = IMeshRouter.MultiItem(id, 0, MeshTypes.COMMIT, 0);
        vm.expectEmit(true, true, false, true, address(router));
        emit SettlementSkipped(id, 0, 4);
        assertEq(router.settleMultiproof(leaf, 1, m, _none()), 0, "settleMultiproof");
        assertEq(_status(id), uint8(IMeshRouter.LegStatus.Locked), "still locked");
        assertTrue(_settleAction(id, a), "then settleAction runs it");
    }

    function test_Settle_AbortRefundsActionLegDepositor() public {
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, 0);
        bytes32 id = _lockAction(1, AMOUNT, a);
        bytes32 leaf = MeshTypes.settlementLeaf(id, MeshTypes.ABORT);
        _submitRoot(leaf, 9);
        (uint256 r0, uint256 r1) = (pool.reserve0(), pool.reserve1());
        router.settle(id, 0, MeshTypes.ABORT, leaf, _none());
        assertEq(token.balanceOf(alice), AMOUNT, "refunded");
        assertEq(_status(id), uint8(IMeshRouter.LegStatus.Aborted), "aborted");
        assertEq(pool.reserve0() + pool.reserve1(), r0 + r1, "the action never ran");
        // A COMMIT can no longer apply.
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.LegNotLocked.selector, id, 0, IMeshRouter.LegStatus.Aborted
            )
        );
        _settleAction(id, a);
    }

    function test_SettleMany_AbortRefundsActionLegDepositor() public {
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, 0);
        bytes32 id = _lockAction(1, AMOUNT, a);
        bytes32 leaf = MeshTypes.settlementLeaf(id, MeshTypes.ABORT);
        _submitRoot(leaf, 9);
        IMeshRouter.SettleItem[] memory items = new IMeshRouter.SettleItem[](1);
        items[0] = IMeshRouter.SettleItem(id, 0, MeshTypes.ABORT, _none());
        assertEq(router.settleMany(leaf, items), 1, "settled");
        assertEq(token.balanceOf(alice), AMOUNT, "refunded");
    }

    function test_RefundExpired_RefundsActionLegDepositor() public {
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, 0);
        bytes32 id = _lockAction(1, AMOUNT, a);
        vm.warp(router.refundOpensAt(id, 0));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.SettlementExpired.selector, block.timestamp, block.timestamp
            )
        );
        _settleAction(id, a);
        router.refundExpired(id, 0);
        assertEq(token.balanceOf(alice), AMOUNT, "refunded");
        assertEq(_status(id), uint8(IMeshRouter.LegStatus.Refunded), "refunded");
        assertEq(usdc.balanceOf(bob), 0, "the action never ran");
    }

    function test_RevertWhen_SettleActionRootNotVerifiedOrWrongProof() public {
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, 0);
        Bundle memory b = _actionBundle(1, AMOUNT, a);
        bytes32 id = _id(b);
        _fundAndLock(b, 0);
        bytes32 commitLeaf = MeshTypes.settlementLeaf(id, MeshTypes.COMMIT);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.RootNotVerified.selector, commitLeaf));
        _settleAction(id, a);
        // A verified ABORT root proves nothing about COMMIT.
        bytes32 abortLeaf = MeshTypes.settlementLeaf(id, MeshTypes.ABORT);
        _submitRoot(abortLeaf, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.InvalidProof.selector, id, MeshTypes.COMMIT, abortLeaf
            )
        );
        router.settleAction(id, 0, abortLeaf, _none(), a);
        assertEq(_status(id), uint8(IMeshRouter.LegStatus.Locked), "still locked");
    }

    function test_RevertWhen_SettleActionTwice() public {
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, 0);
        bytes32 id = _lockAction(1, AMOUNT, a);
        assertTrue(_settleAction(id, a), "executed");
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.LegNotLocked.selector, id, 0, IMeshRouter.LegStatus.Committed
            )
        );
        _settleAction(id, a);
        vm.warp(router.refundOpensAt(id, 0));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.LegNotLocked.selector, id, 0, IMeshRouter.LegStatus.Committed
            )
        );
        router.refundExpired(id, 0);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           FUZZ                             */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Any amount (wide ones too), minOut, gas limit and output: the leg ends Committed with
    /// exactly one outcome, the router pays out exactly the escrow, the executor keeps nothing,
    /// the recipient gets the output (executed) or the escrow (fell back), and the outcome is
    /// the one the inputs determine.
    function testFuzz_SettleAction_OneOutcomeAndConservation(
        uint256 amount,
        uint256 minOut,
        uint64 gasLimit,
        uint256 amountOut
    ) public {
        amount = bound(amount, 1, 1e30);
        amountOut = bound(amountOut, 0, 1e36);
        // Full ranges on odd seeds; on even ones a minOut the output can meet and a gas limit
        // around the callable range, so both outcomes are exercised.
        if (minOut & 1 == 0) minOut = bound(minOut >> 1, 0, amountOut);
        if (gasLimit & 1 == 0) {
            gasLimit = uint64(bound(gasLimit >> 1, 0, MeshTypes.MAX_ACTION_GAS + 1));
        }
        bytes memory data = abi.encodeCall(
            swapper.swap, (address(token), amount, address(usdc), amountOut, address(executor))
        );
        IMeshRouter.ActionCall memory a =
            _act(address(swapper), data, address(usdc), minOut, gasLimit);
        bytes32 id = _lockAction(1, amount, a);
        uint256 routerBefore = token.balanceOf(address(router));
        vm.recordLogs();
        bool executed = _settleAction(id, a);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 outcomes;
        uint256 settledLogs;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(router)) continue;
            bytes32 t0 = logs[i].topics[0];
            if (t0 == ActionExecuted.selector || t0 == ActionFellBack.selector) ++outcomes;
            if (t0 == LegSettled.selector) ++settledLogs;
        }
        assertEq(outcomes, 1, "one outcome");
        assertEq(settledLogs, 1, "one LegSettled");
        assertEq(_status(id), uint8(IMeshRouter.LegStatus.Committed), "committed");
        assertEq(routerBefore - token.balanceOf(address(router)), amount, "exactly the escrow");
        _assertExecutorEmpty(address(swapper));
        if (executed) {
            assertEq(usdc.balanceOf(bob), amountOut, "output");
            assertGe(amountOut, minOut, "at least minOut");
            assertEq(token.balanceOf(bob), 0, "input swapped");
            assertEq(token.balanceOf(address(swapper)), amount, "swapper took the input");
        } else {
            assertEq(token.balanceOf(bob), amount, "escrow paid");
            assertEq(usdc.balanceOf(bob), 0, "no output");
        }
        bool callable = gasLimit != 0 && gasLimit <= MeshTypes.MAX_ACTION_GAS;
        if (!callable || amountOut < minOut) assertFalse(executed, "must fall back");
        if (callable && gasLimit >= SWAP_GAS && amountOut >= minOut) {
            assertTrue(executed, "must execute");
        }
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.LegNotLocked.selector, id, 0, IMeshRouter.LegStatus.Committed
            )
        );
        _settleAction(id, a);
    }

    /// @dev Any calldata other than the leg's is refused and leaves the leg Locked.
    function testFuzz_RevertWhen_SettleActionCalldataDiffers(bytes memory data) public {
        IMeshRouter.ActionCall memory a = _swap(AMOUNT, 0);
        vm.assume(keccak256(data) != keccak256(a.data));
        bytes32 id = _lockAction(1, AMOUNT, a);
        bytes32 expected = router.actionHash(a);
        a.data = data;
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.ActionMismatch.selector, expected, router.actionHash(a)
            )
        );
        _settleAction(id, a);
        assertEq(_status(id), uint8(IMeshRouter.LegStatus.Locked), "still locked");
    }
}
