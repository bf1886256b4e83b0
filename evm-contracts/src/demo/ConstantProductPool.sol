// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "solady/tokens/ERC20.sol";
import {FixedPointMathLib} from "solady/utils/FixedPointMathLib.sol";
import {ReentrancyGuardTransient} from "solady/utils/ReentrancyGuardTransient.sol";
import {SafeTransferLib} from "solady/utils/SafeTransferLib.sol";

/// @title ConstantProductPool
/// @notice Demo-only x·y = k pool of two ERC-20s with a 0.3 % fee on the input, exact-input
/// swaps, and liquidity shares as an ERC-20. Not part of the protocol; not audited.
contract ConstantProductPool is ERC20, ReentrancyGuardTransient {
    using SafeTransferLib for address;

    /// @notice Shares burnt at the first deposit so the pool can never be emptied of shares.
    uint256 public constant MINIMUM_LIQUIDITY = 1000;
    /// @notice Fee numerator on input amounts (997 / 1000 = 0.3 % fee).
    uint256 public constant FEE_NUMERATOR = 997;
    /// @notice Fee denominator.
    uint256 public constant FEE_DENOMINATOR = 1000;

    /// @notice The first token.
    // forge-lint: disable-next-line(screaming-snake-case-immutable)
    address public immutable token0;
    /// @notice The second token.
    // forge-lint: disable-next-line(screaming-snake-case-immutable)
    address public immutable token1;
    /// @notice Reserve of `token0`.
    uint256 public reserve0;
    /// @notice Reserve of `token1`.
    uint256 public reserve1;

    /// @notice Liquidity was added.
    /// @param provider Who added it.
    /// @param to Who received the shares.
    /// @param amount0 Token0 added.
    /// @param amount1 Token1 added.
    /// @param shares Shares minted.
    event LiquidityAdded(
        address indexed provider,
        address indexed to,
        uint256 amount0,
        uint256 amount1,
        uint256 shares
    );
    /// @notice Liquidity was removed.
    /// @param provider Who burnt shares.
    /// @param to Who received the tokens.
    /// @param amount0 Token0 paid.
    /// @param amount1 Token1 paid.
    /// @param shares Shares burnt.
    event LiquidityRemoved(
        address indexed provider,
        address indexed to,
        uint256 amount0,
        uint256 amount1,
        uint256 shares
    );
    /// @notice A swap.
    /// @param sender Who swapped.
    /// @param to Who received the output.
    /// @param tokenIn The input token.
    /// @param amountIn The input amount.
    /// @param amountOut The output amount.
    event Swap(
        address indexed sender,
        address indexed to,
        address indexed tokenIn,
        uint256 amountIn,
        uint256 amountOut
    );

    /// @notice The two tokens are equal or zero.
    error InvalidTokens(address token0, address token1);
    /// @notice `token` is not one of the pool's tokens.
    error UnknownToken(address token);
    /// @notice A zero amount was given or would be produced.
    error ZeroAmount();
    /// @notice The output `amountOut` is below the caller's minimum `minOut`.
    error Slippage(uint256 amountOut, uint256 minOut);
    /// @notice The pool has no liquidity.
    error NoLiquidity();

    /// @param tokenA One token.
    /// @param tokenB The other token.
    constructor(address tokenA, address tokenB) {
        if (tokenA == tokenB || tokenA == address(0) || tokenB == address(0)) {
            revert InvalidTokens(tokenA, tokenB);
        }
        (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
    }

    /// @notice The share token's name.
    /// @return The name.
    function name() public pure override returns (string memory) {
        return "Mesh Demo LP";
    }

    /// @notice The share token's symbol.
    /// @return The symbol.
    function symbol() public pure override returns (string memory) {
        return "MDLP";
    }

    /// @notice Output of an exact-input swap against the given reserves (0.3 % fee).
    /// @param amountIn The input amount.
    /// @param reserveIn The input token's reserve.
    /// @param reserveOut The output token's reserve.
    /// @return The output amount.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut)
        public
        pure
        returns (uint256)
    {
        if (amountIn == 0) revert ZeroAmount();
        if (reserveIn == 0 || reserveOut == 0) revert NoLiquidity();
        uint256 inWithFee = amountIn * FEE_NUMERATOR;
        return inWithFee * reserveOut / (reserveIn * FEE_DENOMINATOR + inWithFee);
    }

    /// @notice Quote for swapping `amountIn` of `tokenIn` now.
    /// @param tokenIn The input token.
    /// @param amountIn The input amount.
    /// @return The output amount.
    function quote(address tokenIn, uint256 amountIn) external view returns (uint256) {
        (uint256 rIn, uint256 rOut) = _reserves(tokenIn);
        return getAmountOut(amountIn, rIn, rOut);
    }

    /// @notice Adds liquidity (pulls both amounts; the caller must have approved them).
    /// @param amount0 Token0 to add.
    /// @param amount1 Token1 to add.
    /// @param minShares Least shares accepted.
    /// @param to Who receives the shares.
    /// @return shares Shares minted.
    function addLiquidity(uint256 amount0, uint256 amount1, uint256 minShares, address to)
        external
        nonReentrant
        returns (uint256 shares)
    {
        if (amount0 == 0 || amount1 == 0) revert ZeroAmount();
        token0.safeTransferFrom(msg.sender, address(this), amount0);
        token1.safeTransferFrom(msg.sender, address(this), amount1);
        uint256 supply = totalSupply();
        if (supply == 0) {
            shares = FixedPointMathLib.sqrt(amount0 * amount1) - MINIMUM_LIQUIDITY;
            _mint(address(0xdead), MINIMUM_LIQUIDITY);
        } else {
            shares = FixedPointMathLib.min(amount0 * supply / reserve0, amount1 * supply / reserve1);
        }
        if (shares == 0) revert ZeroAmount();
        if (shares < minShares) revert Slippage(shares, minShares);
        _mint(to, shares);
        _sync();
        emit LiquidityAdded(msg.sender, to, amount0, amount1, shares);
    }

    /// @notice Burns shares for the pro-rata reserves.
    /// @param shares Shares to burn.
    /// @param min0 Least token0 accepted.
    /// @param min1 Least token1 accepted.
    /// @param to Who receives the tokens.
    /// @return amount0 Token0 paid.
    /// @return amount1 Token1 paid.
    function removeLiquidity(uint256 shares, uint256 min0, uint256 min1, address to)
        external
        nonReentrant
        returns (uint256 amount0, uint256 amount1)
    {
        if (shares == 0) revert ZeroAmount();
        uint256 supply = totalSupply();
        amount0 = shares * reserve0 / supply;
        amount1 = shares * reserve1 / supply;
        if (amount0 < min0) revert Slippage(amount0, min0);
        if (amount1 < min1) revert Slippage(amount1, min1);
        _burn(msg.sender, shares);
        token0.safeTransfer(to, amount0);
        token1.safeTransfer(to, amount1);
        _sync();
        emit LiquidityRemoved(msg.sender, to, amount0, amount1, shares);
    }

    /// @notice Swaps exactly `amountIn` of `tokenIn` for the other token.
    /// @dev The output is computed on the amount the pool actually received.
    /// @param tokenIn The input token.
    /// @param amountIn The input amount (the caller must have approved it).
    /// @param minOut Least output accepted.
    /// @param to Who receives the output.
    /// @return amountOut The output amount.
    function swapExactIn(address tokenIn, uint256 amountIn, uint256 minOut, address to)
        external
        nonReentrant
        returns (uint256 amountOut)
    {
        (uint256 rIn, uint256 rOut) = _reserves(tokenIn);
        address tokenOut = tokenIn == token0 ? token1 : token0;
        tokenIn.safeTransferFrom(msg.sender, address(this), amountIn);
        uint256 received = SafeTransferLib.balanceOf(tokenIn, address(this)) - rIn;
        amountOut = getAmountOut(received, rIn, rOut);
        if (amountOut == 0) revert ZeroAmount();
        if (amountOut < minOut) revert Slippage(amountOut, minOut);
        tokenOut.safeTransfer(to, amountOut);
        _sync();
        emit Swap(msg.sender, to, tokenIn, received, amountOut);
    }

    function _reserves(address tokenIn) internal view returns (uint256 rIn, uint256 rOut) {
        if (tokenIn == token0) return (reserve0, reserve1);
        if (tokenIn == token1) return (reserve1, reserve0);
        revert UnknownToken(tokenIn);
    }

    function _sync() internal {
        reserve0 = SafeTransferLib.balanceOf(token0, address(this));
        reserve1 = SafeTransferLib.balanceOf(token1, address(this));
    }

    /// @dev The transient guard is used on every chain (Cancun or later).
    function _useTransientReentrancyGuardOnlyOnMainnet() internal pure override returns (bool) {
        return false;
    }

    /// @dev No implicit Permit2 allowance for LP shares.
    function _givePermit2InfiniteAllowance() internal pure override returns (bool) {
        return false;
    }
}
