// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "solady/auth/Ownable.sol";
import {SafeTransferLib} from "solady/utils/SafeTransferLib.sol";

import {MeshRouter} from "../../src/MeshRouter.sol";
import {Leg, MeshTypes} from "../../src/MeshTypes.sol";
import {SettlementVerifier} from "../../src/SettlementVerifier.sol";
import {ConstantProductPool} from "../../src/demo/ConstantProductPool.sol";
import {DemoWETH} from "../../src/demo/DemoWETH.sol";
import {IFlashBorrower, LendingPool} from "../../src/demo/LendingPool.sol";
import {MintableERC20} from "../../src/demo/MintableERC20.sol";
import {IMeshRouter} from "../../src/interfaces/IMeshRouter.sol";
import {Merkle} from "../utils/Merkle.sol";
import {Bundle, MeshFixture} from "../utils/MeshFixture.sol";

/// @notice A flash borrower that repays (or not) and checks what it got.
contract Borrower is IFlashBorrower {
    bool public repay = true;
    bool public badReturn;

    function setMode(bool repay_, bool badReturn_) external {
        repay = repay_;
        badReturn = badReturn_;
    }

    function onFlashLoan(address, address token, uint256 amount, uint256 fee, bytes calldata)
        external
        returns (bytes32)
    {
        require(MintableERC20(token).balanceOf(address(this)) >= amount, "not lent");
        if (repay) MintableERC20(token).approve(msg.sender, amount + fee);
        return badReturn ? bytes32(0) : keccak256("ERC3156FlashBorrower.onFlashLoan");
    }
}

contract DemoContractsTest is MeshFixture {
    MintableERC20 internal usdc;
    MintableERC20 internal weth;
    ConstantProductPool internal pool;
    LendingPool internal lender;

    function setUp() public {
        _setUpMesh(3, 2);
        usdc = new MintableERC20("USD Coin", "USDC", 6, address(this));
        weth = new MintableERC20("Wrapped Ether", "WETH", 18, address(this));
        pool = new ConstantProductPool(address(weth), address(usdc));
        lender = new LendingPool(address(this), 9);
        weth.mint(address(this), 10_000e18);
        usdc.mint(address(this), 30_000_000e6);
        weth.approve(address(pool), type(uint256).max);
        usdc.approve(address(pool), type(uint256).max);
        weth.approve(address(lender), type(uint256).max);
    }

    function _addLiquidity(uint256 w, uint256 u) internal returns (uint256) {
        (uint256 a0, uint256 a1) = pool.token0() == address(weth) ? (w, u) : (u, w);
        return pool.addLiquidity(a0, a1, 0, address(this));
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          TOKENS                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_MintableERC20_Metadata() public {
        assertEq(usdc.decimals(), 6, "decimals");
        assertEq(usdc.name(), "USD Coin", "name");
        assertEq(usdc.symbol(), "USDC", "symbol");
        usdc.mint(alice, 5e6);
        assertEq(usdc.balanceOf(alice), 5e6, "minted");
        vm.prank(alice);
        usdc.burn(2e6);
        assertEq(usdc.balanceOf(alice), 3e6, "burnt");
    }

    function test_RevertWhen_MintByNonOwner() public {
        vm.prank(alice);
        vm.expectRevert(Ownable.Unauthorized.selector);
        usdc.mint(alice, 1);
    }

    function test_DemoWETH_WrapUnwrap() public {
        DemoWETH w = new DemoWETH();
        vm.deal(alice, 3 ether);
        vm.prank(alice);
        w.deposit{value: 2 ether}();
        assertEq(w.balanceOf(alice), 2 ether, "wrapped");
        vm.prank(alice);
        w.withdraw(1 ether);
        assertEq(alice.balance, 2 ether, "unwrapped");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                     CONSTANT PRODUCT                       */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_Pool_AddSwapRemove() public {
        uint256 shares = _addLiquidity(1000e18, 3_000_000e6);
        assertGt(shares, 0, "shares");
        uint256 expected = pool.quote(address(weth), 10e18);
        uint256 inWithFee = uint256(10e18) * 997;
        uint256 manual = inWithFee * 3_000_000e6 / (uint256(1000e18) * 1000 + inWithFee);
        assertEq(expected, manual, "x*y=k with 0.3% fee");
        uint256 before = usdc.balanceOf(bob);
        uint256 out = pool.swapExactIn(address(weth), 10e18, expected, bob);
        assertEq(out, expected, "out");
        assertEq(usdc.balanceOf(bob) - before, out, "paid");
        (uint256 a0, uint256 a1) = pool.removeLiquidity(shares, 0, 0, address(this));
        assertGt(a0 + a1, 0, "removed");
        assertEq(pool.balanceOf(address(this)), 0, "shares burnt");
    }

    function test_Pool_SecondDepositProRata() public {
        _addLiquidity(1000e18, 3_000_000e6);
        uint256 supply = pool.totalSupply();
        uint256 shares = _addLiquidity(100e18, 300_000e6);
        assertEq(shares, supply / 10, "pro rata");
    }

    function test_RevertWhen_PoolSlippage() public {
        _addLiquidity(1000e18, 3_000_000e6);
        uint256 q = pool.quote(address(weth), 1e18);
        vm.expectRevert(abi.encodeWithSelector(ConstantProductPool.Slippage.selector, q, q + 1));
        pool.swapExactIn(address(weth), 1e18, q + 1, bob);
    }

    function test_RevertWhen_PoolUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(ConstantProductPool.UnknownToken.selector, alice));
        pool.swapExactIn(alice, 1, 0, bob);
    }

    function test_RevertWhen_PoolEmpty() public {
        vm.expectRevert(ConstantProductPool.NoLiquidity.selector);
        pool.quote(address(weth), 1e18);
    }

    function test_RevertWhen_PoolZeroAmounts() public {
        vm.expectRevert(ConstantProductPool.ZeroAmount.selector);
        pool.addLiquidity(0, 1, 0, bob);
        vm.expectRevert(ConstantProductPool.ZeroAmount.selector);
        pool.removeLiquidity(0, 0, 0, bob);
    }

    function test_RevertWhen_PoolSameTokens() public {
        vm.expectRevert(
            abi.encodeWithSelector(ConstantProductPool.InvalidTokens.selector, alice, alice)
        );
        new ConstantProductPool(alice, alice);
    }

    function testFuzz_Pool_SwapNeverDecreasesK(uint256 amountIn, bool wethIn) public {
        _addLiquidity(1000e18, 3_000_000e6);
        amountIn = bound(amountIn, 1e6, wethIn ? 5000e18 : 5_000_000e6);
        uint256 k = pool.reserve0() * pool.reserve1();
        address tokenIn = wethIn ? address(weth) : address(usdc);
        try pool.swapExactIn(tokenIn, amountIn, 0, bob) {} catch {}
        assertGe(pool.reserve0() * pool.reserve1(), k, "k never decreases");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         LENDING                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_FlashLoan_RepaidWithFee() public {
        lender.deposit(address(weth), 1000e18);
        Borrower br = new Borrower();
        uint256 fee = lender.flashFee(address(weth), 100e18);
        assertEq(fee, 0.09e18, "9 bps");
        weth.mint(address(br), fee);
        lender.flashLoan(br, address(weth), 100e18, "");
        assertEq(weth.balanceOf(address(lender)), 1000e18 + fee, "fee earned");
    }

    function test_RevertWhen_FlashLoanNotRepaid() public {
        lender.deposit(address(weth), 1000e18);
        Borrower br = new Borrower();
        br.setMode(false, false);
        vm.expectRevert(SafeTransferLib.TransferFromFailed.selector);
        lender.flashLoan(br, address(weth), 100e18, "");
    }

    function test_RevertWhen_FlashLoanCallbackFails() public {
        lender.deposit(address(weth), 1000e18);
        Borrower br = new Borrower();
        br.setMode(true, true);
        vm.expectRevert(LendingPool.CallbackFailed.selector);
        lender.flashLoan(br, address(weth), 1e18, "");
    }

    function test_RevertWhen_FlashLoanTooLarge() public {
        lender.deposit(address(weth), 10e18);
        Borrower br = new Borrower();
        vm.expectRevert(
            abi.encodeWithSelector(LendingPool.InsufficientLiquidity.selector, 11e18, 10e18)
        );
        lender.flashLoan(br, address(weth), 11e18, "");
    }

    function test_RevertWhen_LendingFeeTooHigh() public {
        vm.expectRevert(abi.encodeWithSelector(LendingPool.FeeTooHigh.selector, 10_001));
        new LendingPool(address(this), 10_001);
    }

    function test_Lending_WithdrawOwnerOnly() public {
        lender.deposit(address(weth), 10e18);
        vm.prank(alice);
        vm.expectRevert(Ownable.Unauthorized.selector);
        lender.withdraw(address(weth), 1e18, alice);
        lender.withdraw(address(weth), 1e18, alice);
        assertEq(weth.balanceOf(alice), 1e18, "withdrawn");
    }

    function test_RevertWhen_MeshLoanLegNotFromPool() public {
        Bundle memory x = _oneLeg(1, 1e18);
        x.legs[0].token = _acct(address(weth));
        bytes32 bid = _id(x);
        bytes32[] memory hashes = _legHashes(x);
        vm.expectRevert(abi.encodeWithSelector(LendingPool.NotPoolLeg.selector, _acct(alice)));
        lender.lockMeshLoan(
            router, bid, 0, x.legs[0], x.lockDeadline, x.settleDeadline, x.creatorHash, 1, hashes
        );
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*               TWO-CHAIN FLASH-LOAN ARBITRAGE               */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    struct Chain {
        uint64 id;
        uint64 domain;
        SettlementVerifier verifier;
        MeshRouter router;
        MintableERC20 weth;
        MintableERC20 usdc;
    }

    function _chain(uint64 chainId, uint64 domain) internal returns (Chain memory c) {
        vm.chainId(chainId);
        c.id = chainId;
        c.domain = domain;
        c.verifier = _newVerifier(signerAddrs, signerWeights, signerThreshold);
        c.router = new MeshRouter(c.verifier, domain, GRACE);
        c.weth = new MintableERC20("Wrapped Ether", "WETH", 18, address(this));
        c.usdc = new MintableERC20("USD Coin", "USDC", 6, address(this));
    }

    function _legOn(Chain memory c, address dep, address tok, uint256 amt, address to)
        internal
        pure
        returns (Leg memory)
    {
        return Leg(
            c.domain,
            _acct(address(c.router)),
            _acct(dep),
            _acct(tok),
            amt,
            _acct(to),
            bytes32(0),
            0,
            0
        );
    }

    Chain internal ca;
    Chain internal cb;
    LendingPool internal lp;
    address internal arb;
    address internal solver;

    /// @dev The vector bundle's shape with the demo contracts: a lender pool lends 200 WETH on
    /// chain A, a solver delivers 199 WETH on chain B for a USDC fee, the arbitrageur repays
    /// 200.4 WETH on chain A, and sells the WETH it got on chain B's pool. All or nothing.
    function test_Demo_TwoChainFlashLoanArbitrage() public {
        ca = _chain(31_337, 1);
        cb = _chain(31_338, 2);
        arb = makeAddr("arbitrageur");
        solver = makeAddr("solver");
        vm.chainId(ca.id);
        lp = new LendingPool(address(this), 20);
        ca.weth.mint(address(this), 1000e18);
        ca.weth.approve(address(lp), 1000e18);
        lp.deposit(address(ca.weth), 1000e18);

        Bundle memory x = _demoBundle();
        _demoLock(x);
        _demoSettle(x);
        assertEq(ca.weth.balanceOf(address(lp)), 1000.4e18, "lender repaid with fee");
        assertEq(ca.weth.balanceOf(arb), 200e18, "arb got the loan on A");
        assertEq(cb.weth.balanceOf(arb), 199e18, "arb got WETH on B");
        assertEq(cb.usdc.balanceOf(solver), 1000e6, "solver paid");
        _demoSell();
    }

    function _demoBundle() internal view returns (Bundle memory x) {
        x.creatorHash = MeshTypes.creatorHash("inj1arbitrageur");
        x.nonce = 2;
        x.lockDeadline = uint64(block.timestamp + 10 minutes);
        x.settleDeadline = uint64(block.timestamp + 1 hours);
        x.legs = new Leg[](4);
        x.legs[0] = _legOn(ca, address(lp), address(ca.weth), 200e18, arb);
        x.legs[1] = _legOn(cb, solver, address(cb.weth), 199e18, arb);
        x.legs[2] = _legOn(cb, arb, address(cb.usdc), 1000e6, solver);
        x.legs[3] = _legOn(ca, arb, address(ca.weth), 200.4e18, address(lp));
    }

    function _demoLock(Bundle memory x) internal {
        bytes32 bid = _id(x);
        bytes32[] memory hashes = _legHashes(x);
        // Chain A: the pool locks the loan, the arbitrageur locks the repayment.
        vm.chainId(ca.id);
        lp.lockMeshLoan(
            ca.router, bid, 0, x.legs[0], x.lockDeadline, x.settleDeadline, x.creatorHash, 2, hashes
        );
        ca.weth.mint(arb, 200.4e18);
        vm.prank(arb);
        ca.weth.approve(address(ca.router), 200.4e18);
        _lock(x, 3);
        // Chain B: the solver locks the bridged WETH, the arbitrageur its USDC fee.
        vm.chainId(cb.id);
        cb.weth.mint(solver, 199e18);
        vm.prank(solver);
        cb.weth.approve(address(cb.router), 199e18);
        _lock(x, 1);
        cb.usdc.mint(arb, 1000e6);
        vm.prank(arb);
        cb.usdc.approve(address(cb.router), 1000e6);
        _lock(x, 2);
    }

    function _demoSettle(Bundle memory x) internal {
        bytes32 bid = _id(x);
        // The hub commits the bundle in a batch; one signed root settles both chains.
        bytes32[] memory leaves = new bytes32[](3);
        leaves[0] = keccak256("another bundle");
        leaves[1] = MeshTypes.settlementLeaf(bid, MeshTypes.COMMIT);
        leaves[2] = keccak256("yet another bundle");
        bytes32 root = Merkle.root(leaves);
        bytes32[] memory proof = Merkle.proof(leaves, 1);
        bytes memory sigs = _sign(signerKeys, ca.verifier.batchDigest(GENESIS_EPOCH, 0, root));
        IMeshRouter.SettleItem[] memory itemsB = new IMeshRouter.SettleItem[](2);
        itemsB[0] = IMeshRouter.SettleItem(bid, 1, MeshTypes.COMMIT, proof);
        itemsB[1] = IMeshRouter.SettleItem(bid, 2, MeshTypes.COMMIT, proof);
        vm.chainId(cb.id);
        assertEq(cb.router.settleBatch(GENESIS_EPOCH, 0, root, sigs, itemsB), 2, "chain B");
        vm.chainId(ca.id);
        ca.verifier.submitBatch(GENESIS_EPOCH, 0, root, sigs);
        ca.router.settle(bid, 0, MeshTypes.COMMIT, root, proof);
        ca.router.settle(bid, 3, MeshTypes.COMMIT, root, proof);
    }

    function _demoSell() internal {
        vm.chainId(cb.id);
        ConstantProductPool poolB = new ConstantProductPool(address(cb.weth), address(cb.usdc));
        cb.weth.mint(address(this), 1000e18);
        cb.usdc.mint(address(this), 3_100_000e6);
        cb.weth.approve(address(poolB), type(uint256).max);
        cb.usdc.approve(address(poolB), type(uint256).max);
        bool wethFirst = poolB.token0() == address(cb.weth);
        poolB.addLiquidity(
            wethFirst ? 1000e18 : 3_100_000e6, wethFirst ? 3_100_000e6 : 1000e18, 0, address(this)
        );
        vm.startPrank(arb);
        cb.weth.approve(address(poolB), 199e18);
        uint256 out = poolB.swapExactIn(address(cb.weth), 199e18, 1, arb);
        vm.stopPrank();
        assertEq(cb.usdc.balanceOf(arb), out, "sold on B");
    }
}
