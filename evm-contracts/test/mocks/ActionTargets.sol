// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestToken} from "./TestToken.sol";

/// @notice The ERC-20 calls the targets below make on the executor's tokens.
interface IERC20Min {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @notice Always reverts.
contract RevertingTarget {
    error Nope();

    fallback() external {
        revert Nope();
    }
}

/// @notice Burns every unit of gas it is given.
contract GasBurnerTarget {
    fallback() external {
        /// @solidity memory-safe-assembly
        assembly {
            for {} 1 {} {}
        }
    }
}

/// @notice Burns gas until `keep` is left, then returns: uses (almost) all of its gas limit and
/// still succeeds.
contract GasEaterTarget {
    function eat(uint256 keep) external view {
        while (gasleft() > keep) {}
    }
}

/// @notice Returns, or reverts with, `size` bytes of zeros.
contract HugePayloadTarget {
    function returnHuge(uint256 size) external pure {
        /// @solidity memory-safe-assembly
        assembly {
            return(0, size)
        }
    }

    function revertHuge(uint256 size) external pure {
        /// @solidity memory-safe-assembly
        assembly {
            revert(0, size)
        }
    }
}

/// @notice A swap at a price it is told: takes `amountIn` of `tokenIn` from the caller (who
/// approved it) and mints `amountOut` of `tokenOut` to `to`.
contract FixedSwapTarget {
    function swap(
        address tokenIn,
        uint256 amountIn,
        address tokenOut,
        uint256 amountOut,
        address to
    ) external {
        IERC20Min(tokenIn).transferFrom(msg.sender, address(this), amountIn);
        TestToken(tokenOut).mint(to, amountOut);
    }

    /// @dev Takes the approved tokens and pays nothing.
    function take(address tokenIn, uint256 amountIn) external {
        IERC20Min(tokenIn).transferFrom(msg.sender, address(this), amountIn);
    }
}

/// @notice Makes the calls it was armed with (into the router, the executor, anything) and
/// records whether each succeeded and what it returned; in strict mode a failed call makes it
/// revert (so the whole action fails).
contract ReentrantTarget {
    address[] public targets;
    bytes[] public payloads;
    bool[] public succeeded;
    bytes[] public returned;
    bool public strict;

    function arm(address[] calldata targets_, bytes[] calldata payloads_, bool strict_) external {
        targets = targets_;
        delete payloads;
        for (uint256 i; i < payloads_.length; ++i) {
            payloads.push(payloads_[i]);
        }
        strict = strict_;
    }

    function calls() external view returns (uint256) {
        return succeeded.length;
    }

    function go() external {
        for (uint256 i; i < targets.length; ++i) {
            (bool ok, bytes memory ret) = targets[i].call(payloads[i]);
            if (strict && !ok) revert("inner call failed");
            succeeded.push(ok);
            returned.push(ret);
        }
    }
}
