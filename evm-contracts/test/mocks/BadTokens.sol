// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice A bare-bones ERC-20 whose transfer hooks the mocks below override.
abstract contract MockERC20Base {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public totalSupply;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
    }

    function _approve(address spender, uint256 amount) internal {
        allowance[msg.sender][spender] = amount;
    }

    function _move(address from, address to, uint256 amount) internal virtual {
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }

    function _spend(address from, uint256 amount) internal {
        if (from != msg.sender) allowance[from][msg.sender] -= amount;
    }
}

/// @notice Burns `feeBps` of every transfer (the recipient receives less than sent).
contract FeeOnTransferToken is MockERC20Base {
    uint256 public feeBps = 100;

    function setFeeBps(uint256 bps) external {
        feeBps = bps;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        _approve(spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        _spend(from, amount);
        _move(from, to, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) internal override {
        uint256 fee = amount * feeBps / 10_000;
        balanceOf[from] -= amount;
        balanceOf[to] += amount - fee;
        totalSupply -= fee;
    }
}

/// @notice USDT-style: `transfer`, `transferFrom` and `approve` return nothing.
contract MissingReturnToken is MockERC20Base {
    function approve(address spender, uint256 amount) external {
        _approve(spender, amount);
    }

    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external {
        _spend(from, amount);
        _move(from, to, amount);
    }
}

/// @notice Returns false instead of reverting when a transfer is not possible, and can be told
/// to fail every transfer.
contract FalseReturnToken is MockERC20Base {
    bool public broken;

    function setBroken(bool b) external {
        broken = b;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        _approve(spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        if (broken || balanceOf[msg.sender] < amount) return false;
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        if (broken || balanceOf[from] < amount || allowance[from][msg.sender] < amount) {
            return false;
        }
        _spend(from, amount);
        _move(from, to, amount);
        return true;
    }
}

/// @notice Refuses transfers to blocked addresses (USDC-style blacklist).
contract BlocklistToken is MockERC20Base {
    mapping(address => bool) public blocked;

    function setBlocked(address who, bool b) external {
        blocked[who] = b;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        _approve(spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        require(!blocked[to], "blocked");
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        require(!blocked[to], "blocked");
        _spend(from, amount);
        _move(from, to, amount);
        return true;
    }
}

/// @notice Calls back into an arbitrary target during `transfer`/`transferFrom` (once), to test
/// reentrancy; records whether the reentrant call succeeded and what it returned.
contract ReentrantToken is MockERC20Base {
    address public target;
    bytes public payload;
    bool public armed;
    bool public lastCallSucceeded;
    bytes public lastReturnData;

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
        armed = true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        _approve(spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        _reenter();
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        _spend(from, amount);
        _move(from, to, amount);
        _reenter();
        return true;
    }

    function _reenter() internal {
        if (!armed) return;
        armed = false;
        (lastCallSucceeded, lastReturnData) = target.call(payload);
    }
}
