// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MeshRouter} from "../src/MeshRouter.sol";
import {Leg, MeshTypes} from "../src/MeshTypes.sol";
import {IMeshRouter} from "../src/interfaces/IMeshRouter.sol";
import {ISettlementVerifier} from "../src/interfaces/ISettlementVerifier.sol";
import {Merkle} from "./utils/Merkle.sol";
import {Bundle, MeshFixture} from "./utils/MeshFixture.sol";

/// @notice Exposes the router's multiproof root computation.
contract MultiproofHarness is MeshRouter {
    constructor(ISettlementVerifier v) MeshRouter(v, 1 hours) {}

    function multiproofRoot(uint256 leafCount, MultiItem[] calldata items, bytes32[] calldata proof)
        external
        pure
        returns (bytes32)
    {
        return _multiproofRoot(leafCount, items, proof);
    }
}

contract MultiproofTest is MeshFixture {
    uint256 internal constant AMOUNT = 3e18;

    MultiproofHarness internal harness;

    function setUp() public {
        _setUpMesh(3, 2);
        harness = new MultiproofHarness(verifier);
    }

    /// @dev `n` bundle ids with COMMIT leaves.
    function _tree(uint256 n, uint256 seed)
        internal
        pure
        returns (bytes32[] memory ids, bytes32[] memory leaves)
    {
        ids = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            ids[i] = keccak256(abi.encode(seed, i));
        }
        leaves = _leaves(ids, MeshTypes.COMMIT);
    }

    function _items(bytes32[] memory ids, uint256[] memory indices)
        internal
        pure
        returns (IMeshRouter.MultiItem[] memory items)
    {
        items = new IMeshRouter.MultiItem[](indices.length);
        for (uint256 i; i < indices.length; ++i) {
            items[i] =
                IMeshRouter.MultiItem(ids[indices[i]], 0, MeshTypes.COMMIT, uint32(indices[i]));
        }
    }

    function _subset(uint256 n, uint256 mask) internal pure returns (uint256[] memory indices) {
        uint256 k;
        for (uint256 i; i < n; ++i) {
            if ((mask >> i) & 1 == 1) ++k;
        }
        if (k == 0) {
            indices = new uint256[](1);
            indices[0] = mask % n;
            return indices;
        }
        indices = new uint256[](k);
        k = 0;
        for (uint256 i; i < n; ++i) {
            if ((mask >> i) & 1 == 1) indices[k++] = i;
        }
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                    ROOT COMPUTATION                        */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev For any tree size and any subset of leaves, the router's multiproof root equals the
    /// protocol root (Merkle.root, itself checked against the Rust vectors).
    function testFuzz_MultiproofRoot_MatchesProtocolTree(uint8 size, uint256 mask, uint256 seed)
        public
        view
    {
        uint256 n = bound(size, 1, 70);
        (bytes32[] memory ids, bytes32[] memory leaves) = _tree(n, seed);
        uint256[] memory indices = _subset(n, mask);
        bytes32[] memory proof = Merkle.multiproof(leaves, indices);
        assertEq(harness.multiproofRoot(n, _items(ids, indices), proof), Merkle.root(leaves));
    }

    function test_MultiproofRoot_FullBatchNeedsNoSibling() public view {
        for (uint256 n = 1; n <= 13; ++n) {
            (bytes32[] memory ids, bytes32[] memory leaves) = _tree(n, n);
            uint256[] memory all = new uint256[](n);
            for (uint256 i; i < n; ++i) {
                all[i] = i;
            }
            assertEq(Merkle.multiproof(leaves, all).length, 0, "no sibling");
            assertEq(
                harness.multiproofRoot(n, _items(ids, all), new bytes32[](0)),
                Merkle.root(leaves),
                "full batch root"
            );
        }
    }

    function test_MultiproofRoot_SingleLeafEqualsSingleProof() public view {
        (bytes32[] memory ids, bytes32[] memory leaves) = _tree(13, 7);
        for (uint256 i; i < 13; ++i) {
            uint256[] memory one = new uint256[](1);
            one[0] = i;
            bytes32[] memory mp = Merkle.multiproof(leaves, one);
            bytes32[] memory sp = Merkle.proof(leaves, i);
            assertEq(mp.length, sp.length, "same length");
            for (uint256 j; j < mp.length; ++j) {
                assertEq(mp[j], sp[j], "same siblings");
            }
            assertEq(harness.multiproofRoot(13, _items(ids, one), mp), Merkle.root(leaves));
        }
    }

    function test_RevertWhen_MultiproofTooShort() public {
        (bytes32[] memory ids, bytes32[] memory leaves) = _tree(8, 1);
        uint256[] memory idx = _subset(8, 0x05);
        bytes32[] memory proof = Merkle.multiproof(leaves, idx);
        bytes32[] memory shorter = new bytes32[](proof.length - 1);
        for (uint256 i; i < shorter.length; ++i) {
            shorter[i] = proof[i];
        }
        IMeshRouter.MultiItem[] memory items = _items(ids, idx);
        vm.expectRevert(IMeshRouter.MultiproofTooShort.selector);
        harness.multiproofRoot(8, items, shorter);
    }

    function test_RevertWhen_MultiproofTooLong() public {
        (bytes32[] memory ids, bytes32[] memory leaves) = _tree(8, 1);
        uint256[] memory idx = _subset(8, 0x05);
        bytes32[] memory proof = Merkle.multiproof(leaves, idx);
        bytes32[] memory longer = new bytes32[](proof.length + 2);
        for (uint256 i; i < proof.length; ++i) {
            longer[i] = proof[i];
        }
        IMeshRouter.MultiItem[] memory items = _items(ids, idx);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.MultiproofTooLong.selector, 2));
        harness.multiproofRoot(8, items, longer);
    }

    function test_RevertWhen_MultiproofLeafIndexOutOfRange() public {
        (bytes32[] memory ids,) = _tree(4, 1);
        uint256[] memory idx = new uint256[](1);
        idx[0] = 3;
        IMeshRouter.MultiItem[] memory items = _items(ids, idx);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.LeafIndexOutOfRange.selector, 3, 3));
        harness.multiproofRoot(3, items, new bytes32[](0));
    }

    function test_RevertWhen_MultiproofLeavesDescending() public {
        (bytes32[] memory ids,) = _tree(4, 1);
        uint256[] memory idx = new uint256[](2);
        (idx[0], idx[1]) = (2, 1);
        IMeshRouter.MultiItem[] memory items = _items(ids, idx);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.LeavesNotAscending.selector, 1));
        harness.multiproofRoot(4, items, new bytes32[](0));
    }

    function test_RevertWhen_MultiproofSameIndexOtherLeaf() public {
        (bytes32[] memory ids,) = _tree(4, 1);
        uint256[] memory idx = new uint256[](2);
        (idx[0], idx[1]) = (1, 1);
        IMeshRouter.MultiItem[] memory items = _items(ids, idx);
        items[1].bundleId = ids[2];
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.LeavesNotAscending.selector, 1));
        harness.multiproofRoot(4, items, new bytes32[](0));
    }

    function test_RevertWhen_MultiproofInvalidVerdict() public {
        (bytes32[] memory ids,) = _tree(2, 1);
        uint256[] memory idx = _subset(2, 3);
        IMeshRouter.MultiItem[] memory items = _items(ids, idx);
        items[0].verdict = 0;
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.InvalidVerdict.selector, 0));
        harness.multiproofRoot(2, items, new bytes32[](0));
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                    SETTLE MULTIPROOF                       */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev A batch of 7 leaves where bundles 1, 4 and 5 have legs here (bundle 4 two of them).
    function _lockedBatch()
        internal
        returns (bytes32 root, bytes32[] memory leaves, IMeshRouter.MultiItem[] memory items)
    {
        bytes32[] memory ids = new bytes32[](7);
        for (uint256 i; i < 7; ++i) {
            ids[i] = keccak256(abi.encode("elsewhere", i));
        }
        items = new IMeshRouter.MultiItem[](4);
        uint256[3] memory here = [uint256(1), 4, 5];
        uint256 n;
        for (uint256 h; h < 3; ++h) {
            Bundle memory x = _oneLeg(uint64(h + 1), AMOUNT);
            if (h == 1) {
                Leg[] memory legs = new Leg[](2);
                legs[0] = x.legs[0];
                legs[1] = _leg(carol, address(token), AMOUNT, bob);
                x.legs = legs;
            }
            for (uint256 l; l < x.legs.length; ++l) {
                _fundAndLock(x, uint32(l));
            }
            ids[here[h]] = _id(x);
            for (uint256 l; l < x.legs.length; ++l) {
                items[n++] = IMeshRouter.MultiItem(
                    ids[here[h]], uint32(l), MeshTypes.COMMIT, uint32(here[h])
                );
            }
        }
        leaves = _leaves(ids, MeshTypes.COMMIT);
        root = Merkle.root(leaves);
        _submitRoot(root, 3);
    }

    function _indices() internal pure returns (uint256[] memory idx) {
        idx = new uint256[](3);
        (idx[0], idx[1], idx[2]) = (1, 4, 5);
    }

    function test_SettleMultiproof_SettlesAllLegs() public {
        (bytes32 root, bytes32[] memory leaves, IMeshRouter.MultiItem[] memory items) =
            _lockedBatch();
        bytes32[] memory proof = Merkle.multiproof(leaves, _indices());
        assertEq(router.settleMultiproof(root, 7, items, proof), 4, "four legs");
        assertEq(token.balanceOf(bob), 4 * AMOUNT, "all paid");
        assertEq(token.balanceOf(address(router)), 0, "router empty");
        // A second delivery skips every leg (already ended) without reverting.
        assertEq(router.settleMultiproof(root, 7, items, proof), 0, "nothing left");
    }

    function test_SettleMultiproof_SkipsExpiredCommit() public {
        (bytes32 root, bytes32[] memory leaves, IMeshRouter.MultiItem[] memory items) =
            _lockedBatch();
        bytes32[] memory proof = Merkle.multiproof(leaves, _indices());
        vm.warp(block.timestamp + 2 hours + GRACE);
        assertEq(router.settleMultiproof(root, 7, items, proof), 0, "none once refunds opened");
        assertEq(token.balanceOf(bob), 0, "nothing paid late");
    }

    function test_RevertWhen_SettleMultiproofWrongSibling() public {
        (bytes32 root, bytes32[] memory leaves, IMeshRouter.MultiItem[] memory items) =
            _lockedBatch();
        bytes32[] memory proof = Merkle.multiproof(leaves, _indices());
        proof[0] = keccak256("forged sibling");
        vm.expectRevert();
        router.settleMultiproof(root, 7, items, proof);
    }

    function test_RevertWhen_SettleMultiproofWrongLeafCount() public {
        (bytes32 root, bytes32[] memory leaves, IMeshRouter.MultiItem[] memory items) =
            _lockedBatch();
        bytes32[] memory proof = Merkle.multiproof(leaves, _indices());
        // A size with another shape needs other siblings (a size with the same shape, like 8
        // here, proves the same thing: the leaves are computed by the router, and the root is
        // only reached through genuine tree nodes).
        vm.expectRevert(IMeshRouter.MultiproofTooShort.selector);
        router.settleMultiproof(root, 16, items, proof);
    }

    function test_RevertWhen_SettleMultiproofWrongVerdict() public {
        (bytes32 root, bytes32[] memory leaves, IMeshRouter.MultiItem[] memory items) =
            _lockedBatch();
        bytes32[] memory proof = Merkle.multiproof(leaves, _indices());
        for (uint256 i; i < items.length; ++i) {
            items[i].verdict = MeshTypes.ABORT;
        }
        vm.expectRevert();
        router.settleMultiproof(root, 7, items, proof);
    }

    function test_RevertWhen_SettleMultiproofRootNotVerified() public {
        (, bytes32[] memory leaves, IMeshRouter.MultiItem[] memory items) = _lockedBatch();
        bytes32[] memory proof = Merkle.multiproof(leaves, _indices());
        bytes32 other = keccak256("unverified");
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.RootNotVerified.selector, other));
        router.settleMultiproof(other, 7, items, proof);
    }

    function test_RevertWhen_SettleMultiproofEmpty() public {
        vm.expectRevert(IMeshRouter.NoItems.selector);
        router.settleMultiproof(
            bytes32(uint256(1)), 1, new IMeshRouter.MultiItem[](0), new bytes32[](0)
        );
    }
}
