// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "solady/auth/Ownable.sol";
import {ReentrancyGuardTransient} from "solady/utils/ReentrancyGuardTransient.sol";
import {SafeTransferLib} from "solady/utils/SafeTransferLib.sol";

import {Leg} from "../MeshTypes.sol";
import {IMeshRouter} from "../interfaces/IMeshRouter.sol";

/// @notice ERC-3156 flash borrower.
interface IFlashBorrower {
    /// @notice Called by the lender with the loaned tokens in hand.
    /// @param initiator Who asked for the loan.
    /// @param token The token lent.
    /// @param amount The amount lent.
    /// @param fee The fee due on top.
    /// @param data Arbitrary data from the initiator.
    /// @return `keccak256("ERC3156FlashBorrower.onFlashLoan")`.
    function onFlashLoan(
        address initiator,
        address token,
        uint256 amount,
        uint256 fee,
        bytes calldata data
    ) external returns (bytes32);
}

/// @title LendingPool
/// @notice Demo-only lender funded by its owner: ERC-3156 flash loans within one transaction on
/// one chain, and cross-chain "mesh loans": the pool itself is the depositor of an Atomic Mesh
/// leg that lends to a borrower, in a bundle whose other leg repays the pool with a fee. The
/// bundle's atomicity makes the loan all-or-nothing across chains. Not part of the protocol.
contract LendingPool is Ownable, ReentrancyGuardTransient {
    using SafeTransferLib for address;

    /// @notice The ERC-3156 callback's success value.
    bytes32 public constant CALLBACK_SUCCESS = keccak256("ERC3156FlashBorrower.onFlashLoan");

    /// @notice Flash-loan fee in basis points.
    uint256 public immutable FEE_BPS;

    /// @notice The owner added liquidity.
    /// @param token The token.
    /// @param amount The amount.
    event Deposited(address indexed token, uint256 amount);
    /// @notice The owner withdrew liquidity.
    /// @param token The token.
    /// @param amount The amount.
    /// @param to The receiver.
    event Withdrawn(address indexed token, uint256 amount, address indexed to);
    /// @notice A flash loan was made and repaid.
    /// @param receiver The borrower contract.
    /// @param token The token.
    /// @param amount The amount.
    /// @param fee The fee paid.
    event FlashLoan(address indexed receiver, address indexed token, uint256 amount, uint256 fee);
    /// @notice The pool locked a mesh loan leg.
    /// @param router The router escrowing it.
    /// @param bundleId The bundle.
    /// @param index The leg index.
    /// @param borrower The leg's recipient.
    /// @param amount The amount lent.
    event MeshLoanLocked(
        address indexed router,
        bytes32 indexed bundleId,
        uint32 index,
        address borrower,
        uint256 amount
    );

    /// @notice The flash borrower's callback did not return the success value.
    error CallbackFailed();
    /// @notice The pool holds `available` of the token, less than `requested`.
    error InsufficientLiquidity(uint256 requested, uint256 available);
    /// @notice The fee of `feeBps` basis points is above 100 %.
    error FeeTooHigh(uint256 feeBps);
    /// @notice A mesh loan leg must have the pool as its depositor (got `depositor`).
    error NotPoolLeg(bytes32 depositor);

    /// @param owner_ Who funds the pool and approves mesh loans.
    /// @param feeBps Flash-loan fee in basis points (e.g. 9 = 0.09 %).
    constructor(address owner_, uint256 feeBps) {
        if (feeBps > 10_000) revert FeeTooHigh(feeBps);
        _initializeOwner(owner_);
        FEE_BPS = feeBps;
    }

    /// @notice Adds `amount` of `token` (pulled from the owner).
    /// @param token The token.
    /// @param amount The amount.
    function deposit(address token, uint256 amount) external onlyOwner {
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(token, amount);
    }

    /// @notice Withdraws `amount` of `token` to `to`.
    /// @param token The token.
    /// @param amount The amount.
    /// @param to The receiver.
    function withdraw(address token, uint256 amount, address to) external onlyOwner {
        token.safeTransfer(to, amount);
        emit Withdrawn(token, amount, to);
    }

    /// @notice ERC-3156: most `token` that can be flash-borrowed.
    /// @param token The token.
    /// @return The pool's balance of it.
    function maxFlashLoan(address token) public view returns (uint256) {
        return SafeTransferLib.balanceOf(token, address(this));
    }

    /// @notice ERC-3156: fee for borrowing `amount` of `token`.
    /// @param token The token (any).
    /// @param amount The amount.
    /// @return The fee.
    function flashFee(address token, uint256 amount) public view returns (uint256) {
        token;
        return amount * FEE_BPS / 10_000;
    }

    /// @notice ERC-3156: lends `amount` of `token` to `receiver` for the duration of its callback;
    /// `amount + fee` is pulled back afterwards (the receiver must approve the pool).
    /// @param receiver The borrower contract.
    /// @param token The token.
    /// @param amount The amount.
    /// @param data Passed to the callback.
    /// @return True on success.
    function flashLoan(IFlashBorrower receiver, address token, uint256 amount, bytes calldata data)
        external
        nonReentrant
        returns (bool)
    {
        uint256 available = maxFlashLoan(token);
        if (amount > available) revert InsufficientLiquidity(amount, available);
        uint256 fee = flashFee(token, amount);
        token.safeTransfer(address(receiver), amount);
        if (receiver.onFlashLoan(msg.sender, token, amount, fee, data) != CALLBACK_SUCCESS) {
            revert CallbackFailed();
        }
        token.safeTransferFrom(address(receiver), address(this), amount + fee);
        emit FlashLoan(address(receiver), token, amount, fee);
        return true;
    }

    /// @notice Locks a mesh loan: the pool is the depositor of `leg`, which pays the borrower if
    /// the bundle commits and comes back to the pool otherwise. Owner only (the owner checks
    /// that the bundle also holds a repayment leg to the pool).
    /// @param router The leg's router.
    /// @param bundleId The bundle id.
    /// @param index The leg's index.
    /// @param leg The leg (depositor = this pool).
    /// @param lockDeadline The bundle's lock deadline.
    /// @param settleDeadline The bundle's settle deadline.
    /// @param creatorHash The bundle's creator hash.
    /// @param nonce The bundle's nonce.
    /// @param legHashes The bundle's leg hashes.
    function lockMeshLoan(
        IMeshRouter router,
        bytes32 bundleId,
        uint32 index,
        Leg calldata leg,
        uint64 lockDeadline,
        uint64 settleDeadline,
        bytes32 creatorHash,
        uint64 nonce,
        bytes32[] calldata legHashes
    ) external onlyOwner nonReentrant {
        if (leg.depositor != bytes32(uint256(uint160(address(this))))) {
            revert NotPoolLeg(leg.depositor);
        }
        // The router refuses accounts that are not EVM-shaped; the token is only read here
        // after the depositor check, and a non-EVM token id fails the router's lock.
        address token = address(uint160(uint256(leg.token)));
        uint256 available = maxFlashLoan(token);
        if (leg.amount > available) revert InsufficientLiquidity(leg.amount, available);
        token.safeApprove(address(router), leg.amount);
        router.lock(
            bundleId, index, leg, lockDeadline, settleDeadline, creatorHash, nonce, legHashes
        );
        emit MeshLoanLocked(
            address(router), bundleId, index, address(uint160(uint256(leg.recipient))), leg.amount
        );
    }

    /// @dev The transient guard is used on every chain (Cancun or later).
    function _useTransientReentrancyGuardOnlyOnMainnet() internal pure override returns (bool) {
        return false;
    }
}
