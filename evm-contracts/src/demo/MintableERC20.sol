// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "solady/auth/Ownable.sol";
import {ERC20} from "solady/tokens/ERC20.sol";

/// @title MintableERC20
/// @notice Demo-only ERC-20 the owner can mint, with configurable decimals (e.g. a USDC
/// stand-in with 6 decimals). Not part of the protocol.
contract MintableERC20 is ERC20, Ownable {
    string internal _name;
    string internal _symbol;
    uint8 internal immutable _DECIMALS;

    /// @param name_ The token name.
    /// @param symbol_ The token symbol.
    /// @param decimals_ The token decimals.
    /// @param owner_ Who may mint.
    constructor(string memory name_, string memory symbol_, uint8 decimals_, address owner_) {
        _name = name_;
        _symbol = symbol_;
        _DECIMALS = decimals_;
        _initializeOwner(owner_);
    }

    /// @notice The token name.
    /// @return The name.
    function name() public view override returns (string memory) {
        return _name;
    }

    /// @notice The token symbol.
    /// @return The symbol.
    function symbol() public view override returns (string memory) {
        return _symbol;
    }

    /// @notice The token decimals.
    /// @return The decimals.
    function decimals() public view override returns (uint8) {
        return _DECIMALS;
    }

    /// @notice Mints `amount` to `to`. Owner only.
    /// @param to The receiver.
    /// @param amount The amount.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice Burns `amount` of the caller's tokens.
    /// @param amount The amount.
    function burn(uint256 amount) external {
        _burn(msg.sender, amount);
    }

    /// @dev No implicit Permit2 allowance for demo tokens.
    function _givePermit2InfiniteAllowance() internal pure override returns (bool) {
        return false;
    }
}
