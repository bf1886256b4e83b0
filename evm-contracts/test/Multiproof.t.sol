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
    constructor(ISettlementVerifier v) MeshRouter(v, 1, 1 hours) {}

    function multiproofRoot(uint256 leafCount, MultiItem[] calldata items, bytes32[] calldata proof)
        external
        pure
        returns (bytes32)
    {
        return _multiproofRoot(leafCount, items, proof);
    }

    /// @dev The fold alone, with arbitrary known nodes (to exercise its final one-node check).
    function foldLevels(
        uint256 size,
        uint256[] memory pos,
        bytes32[] memory node,
        bytes32[] calldata proof
    ) external pure returns (bytes32) {
        return _foldLevels(size, pos, node, pos.length, proof);
    }
}

/// @notice The multiproof root computation as it was before the audit (unbounded `leafCount`),
/// kept verbatim to show that the PoC below really forged a root with it.
library VulnerableMultiproof {
    function root(uint256 leafCount, IMeshRouter.MultiItem[] memory items, bytes32[] memory proof)
        internal
        pure
        returns (bytes32 r)
    {
        uint256 n = items.length;
        uint256[] memory pos = new uint256[](n);
        bytes32[] memory node = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            pos[i] = items[i].leafIndex;
            node[i] = MeshTypes.settlementLeaf(items[i].bundleId, items[i].verdict);
        }
        uint256 size = leafCount;
        uint256 k = n;
        /// @solidity memory-safe-assembly
        assembly {
            let next := 0
            for {} gt(size, 1) { size := shr(1, add(size, 1)) } {
                let up := 0
                for { let j := 0 } lt(j, k) { j := add(j, 1) } {
                    let p := mload(add(pos, shl(5, add(j, 1))))
                    let h := mload(add(node, shl(5, add(j, 1))))
                    let mode := 1
                    let sibling := 0
                    if iszero(and(p, 1)) {
                        switch lt(add(p, 1), size)
                        case 0 { mode := 0 }
                        default {
                            if lt(add(j, 1), k) {
                                if eq(mload(add(pos, shl(5, add(j, 2)))), add(p, 1)) {
                                    sibling := mload(add(node, shl(5, add(j, 2))))
                                    j := add(j, 1)
                                    mode := 2
                                }
                            }
                        }
                    }
                    if eq(mode, 1) {
                        sibling := mload(add(proof, shl(5, add(next, 1))))
                        next := add(next, 1)
                    }
                    if mode {
                        if gt(h, sibling) {
                            h := xor(h, sibling)
                            sibling := xor(h, sibling)
                            h := xor(h, sibling)
                        }
                        mstore(0x00, h)
                        mstore(0x20, sibling)
                        h := keccak256(0x00, 0x40)
                    }
                    up := add(up, 1)
                    mstore(add(pos, shl(5, up)), shr(1, p))
                    mstore(add(node, shl(5, up)), h)
                }
                k := up
            }
            r := mload(add(node, 0x20))
        }
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
        bytes32 computed = harness.multiproofRoot(7, items, proof);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.InvalidMultiproof.selector, root, computed)
        );
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
        bytes32 computed = harness.multiproofRoot(7, items, proof);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.InvalidMultiproof.selector, root, computed)
        );
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

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*          AUDIT: FORGED VERDICTS THROUGH THE MULTIPROOF     */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev A 2-leaf batch whose root is verified: leaf 0 is the COMMIT of a bundle with a leg
    /// locked here (`honest`), leaf 1 another chain's leaf. A second bundle (`victim`) has a leg
    /// locked here too, but no verdict in this batch.
    function _twoLeafBatch()
        internal
        returns (bytes32 root, bytes32 honest, bytes32 victim, bytes32[] memory leaves)
    {
        Bundle memory h = _oneLeg(1, AMOUNT);
        _fundAndLock(h, 0);
        honest = _id(h);
        Bundle memory v = _oneLeg(2, AMOUNT);
        v.legs[0] = _leg(carol, address(token), AMOUNT, carol);
        _fundAndLock(v, 0);
        victim = _id(v);
        leaves = new bytes32[](2);
        leaves[0] = MeshTypes.settlementLeaf(honest, MeshTypes.COMMIT);
        leaves[1] = keccak256("another chain's leaf");
        root = Merkle.root(leaves);
        _submitRoot(root, 0);
    }

    /// @dev The audit's proof of concept: with `leafCount = 2^256 − 1`, `size + 1` wrapped to 0,
    /// the fold ran one level and the second item was never tied to the root, so the victim's
    /// leg (another bundle, no verdict signed) could be COMMITted to the attacker's liking.
    function test_RevertWhen_LeafCountWrapsTheFold_ForgesVerdict() public {
        (bytes32 root, bytes32 honest, bytes32 victim, bytes32[] memory leaves) = _twoLeafBatch();
        IMeshRouter.MultiItem[] memory items = new IMeshRouter.MultiItem[](2);
        items[0] = IMeshRouter.MultiItem(honest, 0, MeshTypes.COMMIT, 0);
        items[1] = IMeshRouter.MultiItem(victim, 0, MeshTypes.COMMIT, 5);
        bytes32[] memory proof = new bytes32[](2);
        proof[0] = leaves[1];
        proof[1] = keccak256("anything");
        uint256 leafCount = type(uint256).max;
        // The pre-audit fold reaches the verified root with this forged input...
        assertEq(VulnerableMultiproof.root(leafCount, items, proof), root, "PoC forges the root");
        // ...the router now refuses the batch size before folding anything.
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.LeafCountOutOfRange.selector, leafCount));
        router.settleMultiproof(root, leafCount, items, proof);
        // With the true size the forged item is out of range, and at an in-range index it is
        // hashed into the root and cannot match it.
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.LeafIndexOutOfRange.selector, 5, 2));
        router.settleMultiproof(root, 2, items, proof);
        items[1].leafIndex = 1;
        bytes32 computed = harness.multiproofRoot(2, items, new bytes32[](0));
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.InvalidMultiproof.selector, root, computed)
        );
        router.settleMultiproof(root, 2, items, new bytes32[](0));
        assertEq(uint8(router.legStatus(victim, 0)), uint8(IMeshRouter.LegStatus.Locked), "victim");
        assertEq(token.balanceOf(carol), 0, "victim's tokens stay in escrow");
        // The honest item alone still settles with the honest proof.
        IMeshRouter.MultiItem[] memory one = new IMeshRouter.MultiItem[](1);
        one[0] = IMeshRouter.MultiItem(honest, 0, MeshTypes.COMMIT, 0);
        bytes32[] memory honestProof = new bytes32[](1);
        honestProof[0] = leaves[1];
        assertEq(router.settleMultiproof(root, 2, one, honestProof), 1, "honest leg settles");
    }

    /// @dev The errors a forged multiproof may end in (anything else is a bug).
    function _isMultiproofRefusal(bytes memory ret) internal pure returns (bool) {
        if (ret.length < 4) return false;
        bytes4 sel = bytes4(ret);
        return sel == IMeshRouter.LeafCountOutOfRange.selector
            || sel == IMeshRouter.TooManyItems.selector
            || sel == IMeshRouter.LeafIndexOutOfRange.selector
            || sel == IMeshRouter.LeavesNotAscending.selector
            || sel == IMeshRouter.MultiproofTooShort.selector
            || sel == IMeshRouter.MultiproofTooLong.selector
            || sel == IMeshRouter.MultiproofNotSingleRoot.selector
            || sel == IMeshRouter.InvalidMultiproof.selector;
    }

    /// @dev Builds a forged call: the honest batch's items (honest proof) plus the victim's item
    /// at `forgedIndex`, inserted at a random place, with the proof mutated by `shape`
    /// (0 as is, 1 random siblings, 2 a sibling dropped, 3 extra siblings, 4 siblings reversed,
    /// 5 random proof of random length).
    function _forge(
        bytes32 honest,
        bytes32 victim,
        bytes32[] memory leaves,
        uint256 forgedIndex,
        uint256 seed
    ) internal pure returns (IMeshRouter.MultiItem[] memory items, bytes32[] memory proof) {
        uint256[] memory idx = new uint256[](1);
        idx[0] = 0;
        bytes32[] memory honestProof = Merkle.multiproof(leaves, idx);
        items = new IMeshRouter.MultiItem[](2);
        IMeshRouter.MultiItem memory h = IMeshRouter.MultiItem(honest, 0, MeshTypes.COMMIT, 0);
        IMeshRouter.MultiItem memory f = IMeshRouter.MultiItem(
            victim,
            0,
            (seed >> 8) % 2 == 0 ? MeshTypes.COMMIT : MeshTypes.ABORT,
            uint32(forgedIndex)
        );
        (items[0], items[1]) = seed % 2 == 0 ? (h, f) : (f, h);
        uint256 shape = (seed >> 16) % 6;
        if (shape == 0) {
            proof = honestProof;
        } else if (shape == 1) {
            proof = new bytes32[](honestProof.length);
            for (uint256 i; i < proof.length; ++i) {
                proof[i] = keccak256(abi.encode(seed, "sibling", i));
            }
        } else if (shape == 2) {
            proof = new bytes32[](honestProof.length == 0 ? 0 : honestProof.length - 1);
            for (uint256 i; i < proof.length; ++i) {
                proof[i] = honestProof[i + 1];
            }
        } else if (shape == 3) {
            proof = new bytes32[](honestProof.length + 1 + (seed >> 24) % 8);
            for (uint256 i; i < proof.length; ++i) {
                proof[i] = i < honestProof.length
                    ? honestProof[i]
                    : (i % 2 == 0 ? leaves[i % leaves.length] : keccak256(abi.encode(seed, i)));
            }
        } else if (shape == 4) {
            proof = new bytes32[](honestProof.length);
            for (uint256 i; i < proof.length; ++i) {
                proof[i] = honestProof[proof.length - 1 - i];
            }
        } else {
            proof = new bytes32[]((seed >> 24) % 12);
            for (uint256 i; i < proof.length; ++i) {
                proof[i] = i % 3 == 0 ? leaves[i % leaves.length] : keccak256(abi.encode(seed, i));
            }
        }
    }

    /// @dev Asserts that settling the forged items fails with a multiproof refusal and leaves
    /// every leg and balance as it was.
    function _assertForgeryRefused(
        bytes32 root,
        uint256 leafCount,
        bytes32 victim,
        IMeshRouter.MultiItem[] memory items,
        bytes32[] memory proof
    ) internal {
        uint256 escrowed = token.balanceOf(address(router));
        (bool ok, bytes memory ret) = address(router)
            .call(abi.encodeCall(router.settleMultiproof, (root, leafCount, items, proof)));
        assertFalse(ok, "a forged item never settles");
        assertTrue(_isMultiproofRefusal(ret), "refused by a multiproof check");
        assertEq(uint8(router.legStatus(victim, 0)), uint8(IMeshRouter.LegStatus.Locked), "victim");
        assertEq(token.balanceOf(address(router)), escrowed, "escrow intact");
    }

    /// @dev Whole uint256 range of `leafCount`, random forged leaf index, item order and proof
    /// shape: a forged item never settles.
    function testFuzz_RevertWhen_ForgedItemAnyLeafCount_ForgesVerdict(
        uint256 leafCount,
        uint32 forgedIndex,
        uint256 seed
    ) public {
        (bytes32 root, bytes32 honest, bytes32 victim, bytes32[] memory leaves) = _twoLeafBatch();
        (IMeshRouter.MultiItem[] memory items, bytes32[] memory proof) =
            _forge(honest, victim, leaves, forgedIndex, seed);
        _assertForgeryRefused(root, leafCount, victim, items, proof);
    }

    /// @dev The same over the in-range batch sizes (1 to 256) and a larger honest batch (the
    /// forged item at any index, random siblings, reordered items, missing or extra siblings).
    function testFuzz_RevertWhen_ForgedItemInRangeLeafCount_ForgesVerdict(
        uint256 leafCount,
        uint8 batchSize,
        uint32 forgedIndex,
        uint256 seed
    ) public {
        leafCount = bound(leafCount, 1, MeshTypes.MAX_BATCH_SIZE);
        uint256 n = bound(batchSize, 2, 40);
        Bundle memory h = _oneLeg(1, AMOUNT);
        _fundAndLock(h, 0);
        Bundle memory v = _oneLeg(2, AMOUNT);
        v.legs[0] = _leg(carol, address(token), AMOUNT, carol);
        _fundAndLock(v, 0);
        bytes32[] memory leaves = new bytes32[](n);
        leaves[0] = MeshTypes.settlementLeaf(_id(h), MeshTypes.COMMIT);
        for (uint256 i = 1; i < n; ++i) {
            leaves[i] = keccak256(abi.encode(seed, "leaf", i));
        }
        bytes32 root = Merkle.root(leaves);
        _submitRoot(root, 0);
        forgedIndex = uint32(seed % 3 == 0 ? forgedIndex : bound(forgedIndex, 0, leafCount));
        (IMeshRouter.MultiItem[] memory items, bytes32[] memory proof) =
            _forge(_id(h), _id(v), leaves, forgedIndex, seed);
        _assertForgeryRefused(root, leafCount, _id(v), items, proof);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                  MULTIPROOF AT THE EXTREMES                */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _one(bytes32 id, uint32 leafIndex)
        internal
        pure
        returns (IMeshRouter.MultiItem[] memory items)
    {
        items = new IMeshRouter.MultiItem[](1);
        items[0] = IMeshRouter.MultiItem(id, 0, MeshTypes.COMMIT, leafIndex);
    }

    function _expectLeafCountRefused(uint256 leafCount) internal {
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.LeafCountOutOfRange.selector, leafCount));
        harness.multiproofRoot(leafCount, _one(keccak256("id"), 0), new bytes32[](0));
    }

    function test_RevertWhen_LeafCountZero_ForgesVerdict() public {
        _expectLeafCountRefused(0);
    }

    function test_RevertWhen_LeafCountAboveMaxBatch_ForgesVerdict() public {
        _expectLeafCountRefused(MeshTypes.MAX_BATCH_SIZE + 1);
        _expectLeafCountRefused(2 ** 255);
        _expectLeafCountRefused(type(uint256).max - 1);
        _expectLeafCountRefused(type(uint256).max);
    }

    /// @dev The batch-size bound is the hub's cap, 256 leaves (mesh-hub-api `MAX_BATCH_SIZE_CAP`),
    /// written out here: a test reading `MeshTypes.MAX_BATCH_SIZE` moves with the constant. A
    /// verified 257-leaf batch whose multiproof folds to its root is refused before the fold,
    /// and its leg stays Locked (kills `MAX_BATCH_SIZE` 256 → 257).
    function test_RevertWhen_MultiproofBatchAboveHubCap() public {
        Bundle memory b = _oneLeg(1, AMOUNT);
        _fundAndLock(b, 0);
        bytes32 id = _id(b);
        bytes32[] memory leaves = new bytes32[](257);
        leaves[0] = MeshTypes.settlementLeaf(id, MeshTypes.COMMIT);
        for (uint256 i = 1; i < 257; ++i) {
            leaves[i] = keccak256(abi.encode("another bundle", i));
        }
        bytes32 root = Merkle.root(leaves);
        _submitRoot(root, 0);
        bytes32[] memory proof = Merkle.multiproof(leaves, new uint256[](1));
        IMeshRouter.MultiItem[] memory items = _one(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.LeafCountOutOfRange.selector, 257));
        router.settleMultiproof(root, 257, items, proof);
        assertEq(uint8(router.legStatus(id, 0)), uint8(IMeshRouter.LegStatus.Locked), "locked");
        assertEq(token.balanceOf(bob), 0, "recipient not paid");
        // The largest batch the hub makes, 256 leaves, settles.
        bytes32[] memory max = new bytes32[](256);
        for (uint256 i; i < 256; ++i) {
            max[i] = leaves[i];
        }
        bytes32 maxRoot = Merkle.root(max);
        _submitRoot(maxRoot, 1);
        proof = Merkle.multiproof(max, new uint256[](1));
        assertEq(router.settleMultiproof(maxRoot, 256, items, proof), 1, "256 leaves settle");
        assertEq(token.balanceOf(bob), AMOUNT, "paid");
    }

    function test_MultiproofRoot_LeafCountOne() public {
        bytes32 id = keccak256("only");
        bytes32 leaf = MeshTypes.settlementLeaf(id, MeshTypes.COMMIT);
        assertEq(harness.multiproofRoot(1, _one(id, 0), new bytes32[](0)), leaf, "root = leaf");
        // A sibling where the tree has none is refused, not ignored.
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.MultiproofTooLong.selector, 1));
        harness.multiproofRoot(1, _one(id, 0), new bytes32[](1));
        // Leaf index 1 does not exist in a one-leaf batch.
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.LeafIndexOutOfRange.selector, 1, 1));
        harness.multiproofRoot(1, _one(id, 1), new bytes32[](0));
        // A second, different leaf at index 0.
        IMeshRouter.MultiItem[] memory two = new IMeshRouter.MultiItem[](2);
        two[0] = IMeshRouter.MultiItem(id, 0, MeshTypes.COMMIT, 0);
        two[1] = IMeshRouter.MultiItem(keccak256("forged"), 0, MeshTypes.COMMIT, 0);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.LeavesNotAscending.selector, 1));
        harness.multiproofRoot(1, two, new bytes32[](0));
    }

    /// @dev The largest batch the hub makes: every leaf, the last leaf alone, and the bounds of
    /// the leaf index.
    function test_MultiproofRoot_LeafCountMaxBatch() public view {
        uint256 n = MeshTypes.MAX_BATCH_SIZE;
        (bytes32[] memory ids, bytes32[] memory leaves) = _tree(n, 256);
        uint256[] memory all = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            all[i] = i;
        }
        bytes32 root = Merkle.root(leaves);
        assertEq(harness.multiproofRoot(n, _items(ids, all), new bytes32[](0)), root, "all");
        uint256[] memory last = new uint256[](1);
        last[0] = n - 1;
        assertEq(
            harness.multiproofRoot(n, _items(ids, last), Merkle.multiproof(leaves, last)),
            root,
            "leaf 255"
        );
        uint256[] memory first = new uint256[](1);
        assertEq(
            harness.multiproofRoot(n, _items(ids, first), Merkle.multiproof(leaves, first)),
            root,
            "leaf 0"
        );
    }

    function test_RevertWhen_LeafIndexAtBounds_ForgesVerdict() public {
        bytes32 id = keccak256("id");
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.LeafIndexOutOfRange.selector, 256, 256));
        harness.multiproofRoot(256, _one(id, 256), new bytes32[](8));
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.LeafIndexOutOfRange.selector, type(uint32).max, 256)
        );
        harness.multiproofRoot(256, _one(id, type(uint32).max), new bytes32[](8));
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.LeafIndexOutOfRange.selector, 7, 7));
        harness.multiproofRoot(7, _one(id, 7), new bytes32[](3));
    }

    function test_RevertWhen_ProofLengthZeroOrHuge_ForgesVerdict() public {
        (bytes32[] memory ids, bytes32[] memory leaves) = _tree(8, 3);
        uint256[] memory idx = _subset(8, 0x05);
        IMeshRouter.MultiItem[] memory items = _items(ids, idx);
        bytes32[] memory proof = Merkle.multiproof(leaves, idx);
        vm.expectRevert(IMeshRouter.MultiproofTooShort.selector);
        harness.multiproofRoot(8, items, new bytes32[](0));
        bytes32[] memory huge = new bytes32[](5000);
        for (uint256 i; i < proof.length; ++i) {
            huge[i] = proof[i];
        }
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.MultiproofTooLong.selector, 5000 - proof.length)
        );
        harness.multiproofRoot(8, items, huge);
    }

    function test_RevertWhen_TooManyItems_ForgesVerdict() public {
        IMeshRouter.MultiItem[] memory items = new IMeshRouter.MultiItem[](17);
        for (uint256 i; i < 17; ++i) {
            items[i] = IMeshRouter.MultiItem(keccak256("id"), uint32(i), MeshTypes.COMMIT, 0);
        }
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.TooManyItems.selector, 17, 16));
        harness.multiproofRoot(1, items, new bytes32[](0));
        // Sixteen legs of one bundle in a one-leaf batch are fine.
        IMeshRouter.MultiItem[] memory sixteen = new IMeshRouter.MultiItem[](16);
        for (uint256 i; i < 16; ++i) {
            sixteen[i] = items[i];
        }
        assertEq(
            harness.multiproofRoot(1, sixteen, new bytes32[](0)),
            MeshTypes.settlementLeaf(keccak256("id"), MeshTypes.COMMIT),
            "16 legs, one leaf"
        );
    }

    /// @dev The fold's last check: whatever the input, it ends in exactly one node (no items, or
    /// known nodes out of order, are refused rather than returning the first node).
    function test_RevertWhen_FoldDoesNotEndInOneNode_ForgesVerdict() public {
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.MultiproofNotSingleRoot.selector, 0));
        harness.multiproofRoot(4, new IMeshRouter.MultiItem[](0), new bytes32[](0));
        uint256[] memory pos = new uint256[](2);
        bytes32[] memory node = new bytes32[](2);
        (pos[0], pos[1]) = (1, 0);
        (node[0], node[1]) = (keccak256("a"), keccak256("b"));
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.MultiproofNotSingleRoot.selector, 2));
        harness.foldLevels(2, pos, node, new bytes32[](2));
    }
}
