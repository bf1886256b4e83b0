// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VM, Vm} from "./Vm.sol";

/// @notice A small forge-std replacement: cheatcodes, assertions that revert with a message,
/// fuzz-input bounding and invariant targets.
abstract contract Test {
    /// @dev Marks the contract as a test contract for forge.
    bool public constant IS_TEST = true;

    Vm internal constant vm = VM;

    address[] private _targetContracts;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         INVARIANTS                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice Contracts the invariant fuzzer calls (read by forge).
    function targetContracts() public view returns (address[] memory) {
        return _targetContracts;
    }

    function targetContract(address target) internal {
        _targetContracts.push(target);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         ASSERTIONS                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function fail(string memory message) internal pure {
        revert(message);
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert(string.concat("assertTrue failed: ", message));
    }

    function assertTrue(bool condition) internal pure {
        assertTrue(condition, "");
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) revert(string.concat("assertFalse failed: ", message));
    }

    function assertFalse(bool condition) internal pure {
        assertFalse(condition, "");
    }

    function assertEq(uint256 a, uint256 b, string memory message) internal pure {
        if (a != b) {
            revert(
                string.concat(
                    "assertEq(uint256) failed: ",
                    message,
                    ": ",
                    vm.toString(a),
                    " != ",
                    vm.toString(b)
                )
            );
        }
    }

    function assertEq(uint256 a, uint256 b) internal pure {
        assertEq(a, b, "");
    }

    function assertEq(bytes32 a, bytes32 b, string memory message) internal pure {
        if (a != b) {
            revert(
                string.concat(
                    "assertEq(bytes32) failed: ",
                    message,
                    ": ",
                    vm.toString(a),
                    " != ",
                    vm.toString(b)
                )
            );
        }
    }

    function assertEq(bytes32 a, bytes32 b) internal pure {
        assertEq(a, b, "");
    }

    function assertEq(address a, address b, string memory message) internal pure {
        if (a != b) {
            revert(
                string.concat(
                    "assertEq(address) failed: ",
                    message,
                    ": ",
                    vm.toString(a),
                    " != ",
                    vm.toString(b)
                )
            );
        }
    }

    function assertEq(address a, address b) internal pure {
        assertEq(a, b, "");
    }

    function assertEq(bool a, bool b, string memory message) internal pure {
        if (a != b) revert(string.concat("assertEq(bool) failed: ", message));
    }

    function assertEq(bytes memory a, bytes memory b, string memory message) internal pure {
        if (keccak256(a) != keccak256(b)) {
            revert(string.concat("assertEq(bytes) failed: ", message));
        }
    }

    function assertEq(bytes memory a, bytes memory b) internal pure {
        assertEq(a, b, "");
    }

    function assertEq(bool a, bool b) internal pure {
        assertEq(a, b, "");
    }

    function assertEq(string memory a, string memory b, string memory message) internal pure {
        if (keccak256(bytes(a)) != keccak256(bytes(b))) {
            revert(string.concat("assertEq(string) failed: ", message, ": ", a, " != ", b));
        }
    }

    function assertLt(uint256 a, uint256 b, string memory message) internal pure {
        if (a >= b) {
            revert(
                string.concat(
                    "assertLt failed: ", message, ": ", vm.toString(a), " >= ", vm.toString(b)
                )
            );
        }
    }

    function assertLe(uint256 a, uint256 b, string memory message) internal pure {
        if (a > b) {
            revert(
                string.concat(
                    "assertLe failed: ", message, ": ", vm.toString(a), " > ", vm.toString(b)
                )
            );
        }
    }

    function assertGt(uint256 a, uint256 b, string memory message) internal pure {
        if (a <= b) {
            revert(
                string.concat(
                    "assertGt failed: ", message, ": ", vm.toString(a), " <= ", vm.toString(b)
                )
            );
        }
    }

    function assertGe(uint256 a, uint256 b, string memory message) internal pure {
        if (a < b) {
            revert(
                string.concat(
                    "assertGe failed: ", message, ": ", vm.toString(a), " < ", vm.toString(b)
                )
            );
        }
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          HELPERS                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Maps `x` into `[min, max]`, favouring the edges of the range as forge-std does: a value
    /// already in range is kept; otherwise `x` lands with probability 1/2 on one of the edges
    /// `min`, `min + 1`, `max - 1`, `max` (the given limits and their neighbours, so also 0, 1,
    /// `type(uint256).max - 1` and `type(uint256).max` when those are the limits), and is spread
    /// over the range otherwise. The fuzzer's own dictionary already favours 0, 1 and max for raw
    /// values; this keeps bounded values on the edges too.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 size = max - min;
        uint256 pick = uint256(keccak256(abi.encode(x))) % 8;
        if (pick < 4) {
            if (pick == 0) return min;
            if (pick == 1) return size == 0 ? min : min + 1;
            if (pick == 2) return size == 0 ? max : max - 1;
            return max;
        }
        if (size == type(uint256).max) return x;
        return min + (x % (size + 1));
    }

    /// @dev A labelled address derived from `name`.
    function makeAddr(string memory name) internal returns (address a) {
        a = vm.addr(uint256(keccak256(bytes(name))));
        vm.label(a, name);
    }
}
