// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeTransferLib} from "solady/utils/SafeTransferLib.sol";

/// @title HashedTimelock
/// @notice Gas baseline, NOT part of the protocol: a minimal ERC-20 hashed timelock contract
/// (HTLC), the classic two-party atomic swap primitive. The recipient claims with the preimage
/// of the hashlock before the timelock; afterwards the sender can refund.
contract HashedTimelock {
    using SafeTransferLib for address;

    /// @notice A lock.
    /// @param sender Who locked (refunded after the timelock).
    /// @param timelock Unix time from which the sender may refund.
    /// @param state 0 none, 1 locked, 2 claimed, 3 refunded.
    /// @param recipient Who claims with the preimage.
    /// @param token The ERC-20.
    /// @param amount The amount.
    /// @param hashlock `keccak256(preimage)`.
    struct Lock {
        address sender;
        uint64 timelock;
        uint8 state;
        address recipient;
        address token;
        uint256 amount;
        bytes32 hashlock;
    }

    /// @notice Lock `id` was created.
    /// @param id The lock id.
    /// @param sender The sender.
    /// @param recipient The recipient.
    /// @param token The token.
    /// @param amount The amount.
    /// @param hashlock The hashlock.
    /// @param timelock The timelock.
    event Locked(
        bytes32 indexed id,
        address indexed sender,
        address indexed recipient,
        address token,
        uint256 amount,
        bytes32 hashlock,
        uint64 timelock
    );
    /// @notice Lock `id` was claimed with `preimage`.
    /// @param id The lock id.
    /// @param preimage The revealed preimage.
    event Claimed(bytes32 indexed id, bytes32 preimage);
    /// @notice Lock `id` was refunded.
    /// @param id The lock id.
    event Refunded(bytes32 indexed id);

    /// @notice Lock `id` exists already.
    error LockExists(bytes32 id);
    /// @notice Lock `id` is not open.
    error NotLocked(bytes32 id);
    /// @notice The preimage does not hash to the hashlock.
    error WrongPreimage();
    /// @notice The timelock `timelock` passed.
    error TimelockPassed(uint64 timelock);
    /// @notice The timelock `timelock` has not passed.
    error TimelockNotPassed(uint64 timelock);

    /// @notice The locks by id.
    mapping(bytes32 id => Lock) public locks;

    /// @notice Locks `amount` of `token` for `recipient` under `hashlock` until `timelock`.
    /// @param token The ERC-20.
    /// @param recipient The recipient.
    /// @param amount The amount.
    /// @param hashlock `keccak256(preimage)`.
    /// @param timelock Unix time from which the sender may refund.
    /// @return id The lock id.
    function lock(
        address token,
        address recipient,
        uint256 amount,
        bytes32 hashlock,
        uint64 timelock
    ) external returns (bytes32 id) {
        id = keccak256(abi.encode(msg.sender, recipient, token, amount, hashlock, timelock));
        if (locks[id].state != 0) revert LockExists(id);
        locks[id] = Lock({
            sender: msg.sender,
            timelock: timelock,
            state: 1,
            recipient: recipient,
            token: token,
            amount: amount,
            hashlock: hashlock
        });
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Locked(id, msg.sender, recipient, token, amount, hashlock, timelock);
    }

    /// @notice Pays lock `id` to its recipient given the hashlock's preimage.
    /// @param id The lock id.
    /// @param preimage The preimage.
    function claim(bytes32 id, bytes32 preimage) external {
        Lock storage l = locks[id];
        if (l.state != 1) revert NotLocked(id);
        if (block.timestamp >= l.timelock) revert TimelockPassed(l.timelock);
        if (keccak256(abi.encode(preimage)) != l.hashlock) revert WrongPreimage();
        l.state = 2;
        l.token.safeTransfer(l.recipient, l.amount);
        emit Claimed(id, preimage);
    }

    /// @notice Returns lock `id` to its sender after the timelock.
    /// @param id The lock id.
    function refund(bytes32 id) external {
        Lock storage l = locks[id];
        if (l.state != 1) revert NotLocked(id);
        if (block.timestamp < l.timelock) revert TimelockNotPassed(l.timelock);
        l.state = 3;
        l.token.safeTransfer(l.sender, l.amount);
        emit Refunded(id);
    }
}
