// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {WETH} from "solady/tokens/WETH.sol";

/// @title DemoWETH
/// @notice Demo-only wrapped ether (deposit ETH, get WETH 1:1; withdraw back). Native ETH legs are
/// escrowed as this ERC-20. Not part of the protocol.
contract DemoWETH is WETH {
    /// @dev No implicit Permit2 allowance.
    function _givePermit2InfiniteAllowance() internal pure override returns (bool) {
        return false;
    }
}
