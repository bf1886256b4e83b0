// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice The protocol's batch Merkle tree (docs/protocol.md, section 4), for tests:
/// sorted-pair keccak, odd last node carried up unchanged, single leaf = root.
library Merkle {
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    function _next(bytes32[] memory level) private pure returns (bytes32[] memory up) {
        up = new bytes32[]((level.length + 1) / 2);
        for (uint256 i; i < up.length; ++i) {
            up[i] =
                2 * i + 1 < level.length ? hashPair(level[2 * i], level[2 * i + 1]) : level[2 * i];
        }
    }

    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        require(leaves.length != 0, "empty tree");
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            level = _next(level);
        }
        return level[0];
    }

    function proof(bytes32[] memory leaves, uint256 index)
        internal
        pure
        returns (bytes32[] memory p)
    {
        require(index < leaves.length, "index out of range");
        bytes32[] memory buf = new bytes32[](64);
        uint256 n;
        bytes32[] memory level = leaves;
        uint256 i = index;
        while (level.length > 1) {
            uint256 sibling = i ^ 1;
            if (sibling < level.length) buf[n++] = level[sibling];
            level = _next(level);
            i /= 2;
        }
        p = new bytes32[](n);
        for (uint256 j; j < n; ++j) {
            p[j] = buf[j];
        }
    }

    function process(bytes32 leaf, bytes32[] memory p) internal pure returns (bytes32 acc) {
        acc = leaf;
        for (uint256 j; j < p.length; ++j) {
            acc = hashPair(acc, p[j]);
        }
    }

    /// @dev Siblings needed to prove the leaves at `indices` (ascending, distinct) together:
    /// level by level from the leaves up, left to right (as `MeshRouter.settleMultiproof`).
    function multiproof(bytes32[] memory leaves, uint256[] memory indices)
        internal
        pure
        returns (bytes32[] memory p)
    {
        bytes32[] memory buf = new bytes32[](leaves.length);
        uint256 n;
        bytes32[] memory level = leaves;
        uint256[] memory known = indices;
        while (level.length > 1) {
            uint256[] memory up = new uint256[](known.length);
            uint256 u;
            for (uint256 j; j < known.length; ++j) {
                uint256 q = known[j];
                if (q % 2 == 0) {
                    if (q + 1 < level.length) {
                        if (j + 1 < known.length && known[j + 1] == q + 1) ++j;
                        else buf[n++] = level[q + 1];
                    }
                } else {
                    buf[n++] = level[q - 1];
                }
                up[u++] = q / 2;
            }
            known = new uint256[](u);
            for (uint256 j; j < u; ++j) {
                known[j] = up[j];
            }
            level = _next(level);
        }
        p = new bytes32[](n);
        for (uint256 j; j < n; ++j) {
            p[j] = buf[j];
        }
    }
}
