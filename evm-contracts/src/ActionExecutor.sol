// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeTransferLib} from "solady/utils/SafeTransferLib.sol";

/// @title ActionExecutor
/// @notice Runs the action of one committed leg for its MeshRouter: approves the action's target
/// for the leg's tokens, calls it with exactly the action's gas, and forwards everything it holds
/// of the output and input tokens to the leg's recipient, who must have gained at least `minOut`
/// of the output token.
/// @dev Deployed by the router in its constructor; only that router may call `run`. Actions run
/// from here and never from the router, which holds every escrow: a target is approved for, and
/// can reach, only the tokens of the leg being settled. The router moves the leg's tokens here
/// and calls `run` inside one self-call, so any revert here returns the tokens to the router,
/// which then pays the recipient the escrowed tokens themselves.
contract ActionExecutor {
    using SafeTransferLib for address;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         CONSTANTS                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice Gas `run` keeps beyond the target's `gasLimit` (and the 1/63 the call withholds)
    /// for what follows the call: the approval reset, the forwarding transfers and the balance
    /// reads. Without it an out-of-gas after the target returned would look like a failure the
    /// target caused.
    uint256 public constant MARGIN = 100_000;

    /// @notice The router this executor serves (its deployer).
    address public immutable ROUTER;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        CUSTOM ERRORS                       */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice `run` was called by `caller`, not by the router.
    error OnlyRouter(address caller);
    /// @notice Only `available` gas is left before the target call; `needed` is `gasLimit`, the
    /// 1/63 the call withholds and `MARGIN`.
    error InsufficientActionGas(uint256 available, uint256 needed);
    /// @notice The target reverted (its revert data is neither copied nor returned).
    error ActionCallFailed();
    /// @notice The recipient gained `received` of the output token, less than `minOut`.
    error OutputBelowMinimum(uint256 minOut, uint256 received);

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        CONSTRUCTOR                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    constructor() {
        ROUTER = msg.sender;
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                            RUN                             */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice Runs an action with `amountIn` of `tokenIn`, which the router sent here just
    /// before. Router only.
    /// @dev Reverts (and the router falls back to paying the escrowed tokens) if the target
    /// reverts or the recipient gains less than `minOut`. The target is called with exactly
    /// `gasLimit` gas and none of its return data is copied, so a huge return or revert payload
    /// costs only the target's own gas. The balance increase is measured around everything, so
    /// output the target sends to the recipient directly counts too.
    /// @param tokenIn The leg's token.
    /// @param amountIn The leg's escrowed amount, held here.
    /// @param recipient The leg's recipient.
    /// @param target The contract called (has code, checked by the router).
    /// @param data The calldata.
    /// @param outputToken The token the recipient must gain.
    /// @param minOut The least gain.
    /// @param gasLimit The exact gas the target gets.
    /// @return received The recipient's output-token balance increase.
    function run(
        address tokenIn,
        uint256 amountIn,
        address recipient,
        address target,
        bytes calldata data,
        address outputToken,
        uint256 minOut,
        uint256 gasLimit
    ) external returns (uint256 received) {
        if (msg.sender != ROUTER) revert OnlyRouter(msg.sender);
        uint256 before = SafeTransferLib.balanceOf(outputToken, recipient);
        tokenIn.safeApprove(target, amountIn);
        _call(target, data, gasLimit);
        tokenIn.safeApprove(target, 0);
        _forwardAll(outputToken, recipient);
        if (tokenIn != outputToken) _forwardAll(tokenIn, recipient);
        uint256 afterwards = SafeTransferLib.balanceOf(outputToken, recipient);
        unchecked {
            received = afterwards > before ? afterwards - before : 0;
        }
        if (received < minOut) revert OutputBelowMinimum(minOut, received);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         INTERNALS                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Calls `target` with exactly `gasLimit` gas (the 63/64 rule would silently give it
    /// less, hence the check) and copies no return data; reverts `ActionCallFailed` if it reverts.
    function _call(address target, bytes calldata data, uint256 gasLimit) internal {
        uint256 needed = gasLimit + gasLimit / 63 + MARGIN;
        if (gasleft() < needed) revert InsufficientActionGas(gasleft(), needed);
        bool success;
        /// @solidity memory-safe-assembly
        assembly {
            let m := mload(0x40)
            calldatacopy(m, data.offset, data.length)
            success := call(gasLimit, target, 0, m, data.length, 0, 0)
        }
        if (!success) revert ActionCallFailed();
    }

    /// @dev Sends `to` everything this contract holds of `token` (nothing stays between runs).
    function _forwardAll(address token, address to) internal {
        uint256 balance = SafeTransferLib.balanceOf(token, address(this));
        if (balance != 0) token.safeTransfer(to, balance);
    }
}
