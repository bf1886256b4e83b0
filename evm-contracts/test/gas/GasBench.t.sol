// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Leg, MeshTypes} from "../../src/MeshTypes.sol";
import {SettlementVerifier} from "../../src/SettlementVerifier.sol";
import {HashedTimelock} from "../../src/baseline/HashedTimelock.sol";
import {PerLegSignatureRouter} from "../../src/baseline/PerLegSignatureRouter.sol";
import {ConstantProductPool} from "../../src/demo/ConstantProductPool.sol";
import {IMeshRouter} from "../../src/interfaces/IMeshRouter.sol";
import {TestToken} from "../mocks/TestToken.sol";
import {Merkle} from "../utils/Merkle.sol";
import {Bundle, MeshFixture} from "../utils/MeshFixture.sol";
import {console} from "../utils/console.sol";

/// @notice Performs `n` plain ERC-20 transfers, the same ones a settlement batch makes: used to
/// subtract the token transfers from the settlement cost.
contract TransferLoop {
    function run(address token, address[] calldata to, uint256[] calldata amounts) external {
        for (uint256 i; i < to.length; ++i) {
            TestToken(token).transfer(to[i], amounts[i]);
        }
    }

    function ping() external pure {}
}

/// @notice Gas benchmark. Every `test_Gas_*` function is its own transaction (fresh warm/cold
/// access sets); the measured figure is the execution gas of one external call from the test
/// contract to an already-warm target account (as the `to` of a real transaction is), i.e.
/// without the 21,000 base cost and calldata. The calldata cost of the same call (EIP-2028:
/// 16 gas per non-zero byte, 4 per zero byte) is printed next to it.
///
/// Run: scripts/forge.sh test --match-contract GasBench -vv
contract GasBenchTest is MeshFixture {
    uint256 internal constant K_MAX = 13;
    uint256 internal constant AMOUNT = 1000e18;

    SettlementVerifier internal v1;
    SettlementVerifier internal v7;
    SettlementVerifier internal v13;
    PerLegSignatureRouter internal perLeg;
    HashedTimelock internal htlc;
    TransferLoop internal loop;

    uint256[] internal keys13;
    address[] internal addrs13;

    /// @dev Prepared settlement batches by size: ids, items, root.
    mapping(uint256 n => bytes32 root) internal roots;
    mapping(uint256 n => IMeshRouter.SettleItem[]) internal items;
    mapping(uint256 n => address[]) internal recipients;
    mapping(uint256 n => uint256[]) internal amounts;

    mapping(uint256 n => IMeshRouter.MultiItem[]) internal multiItems;
    mapping(uint256 n => bytes32[]) internal batchIds;

    /// @dev N = 32 legs placed at the even positions of a 64-leaf batch (other chains' leaves in
    /// between): the multiproof then needs siblings.
    bytes32 internal interleavedRoot;
    IMeshRouter.MultiItem[] internal interleavedItems;
    bytes32[] internal interleavedProof;

    /// @dev The N = 8 legs in a batch whose root is not cached (for `settleBatch`).
    bytes32 internal freshRoot;
    IMeshRouter.SettleItem[] internal freshItems;
    bytes internal freshSigs;

    /// @dev Legs locked in the per-leg-signature router, and their signatures.
    bytes32[] internal perLegIds;
    bytes[] internal perLegSigs;

    /// @dev Action legs (locked, COMMIT verified): a pool swap, and one paid directly (gas
    /// limit zero).
    bytes32[2] internal actionIds;
    IMeshRouter.ActionCall[2] internal actionCalls;
    ConstantProductPool internal pool;

    bytes32 internal htlcId;
    bytes32 internal constant PREIMAGE = keccak256("preimage");

    function setUp() public {
        _setUpMesh(K_MAX, 7); // `verifier` has threshold 7 of the 13 members.
        keys13 = signerKeys;
        addrs13 = signerAddrs;
        uint256[] memory w = signerWeights;
        v1 = _newVerifier(addrs13, w, 1);
        v7 = verifier;
        v13 = _newVerifier(addrs13, w, 13);
        perLeg = new PerLegSignatureRouter(verifier, DOMAIN, GRACE, addrs13, w, 7);
        htlc = new HashedTimelock();
        loop = new TransferLoop();

        uint256[4] memory sizes = [uint256(1), 8, 32, 128];
        uint64 nonce;
        for (uint256 s; s < sizes.length; ++s) {
            uint256 n = sizes[s];
            bytes32[] memory ids = new bytes32[](n);
            for (uint256 i; i < n; ++i) {
                address to = vm.addr(uint256(keccak256(abi.encode("recipient", n, i))));
                // Recipients already hold the token: a transfer updates a warm-able non-zero slot.
                token.mint(to, 1);
                token.mint(address(loop), AMOUNT);
                Bundle memory b = _oneLeg(++nonce, AMOUNT);
                b.legs[0].recipient = _acct(to);
                _fundAndLock(b, 0);
                ids[i] = _id(b);
                recipients[n].push(to);
                amounts[n].push(AMOUNT);
            }
            bytes32[] memory leaves = _leaves(ids, MeshTypes.COMMIT);
            bytes32 root = _root(leaves);
            roots[n] = root;
            for (uint256 i; i < n; ++i) {
                items[n].push(
                    IMeshRouter.SettleItem({
                        bundleId: ids[i],
                        index: 0,
                        verdict: MeshTypes.COMMIT,
                        proof: _proof(leaves, i)
                    })
                );
                multiItems[n].push(
                    IMeshRouter.MultiItem({
                        bundleId: ids[i], index: 0, verdict: MeshTypes.COMMIT, leafIndex: uint32(i)
                    })
                );
                batchIds[n].push(ids[i]);
            }
            // Roots are submitted here; the settle benchmarks start from a verified root.
            _submitRoot(root, uint64(s));
        }

        _prepareInterleaved();
        _prepareFresh();
        _prepareActions(++nonce);
        ++nonce;

        // Per-leg-signature baseline: 8 legs, each with 7 signatures over its own verdict.
        for (uint256 i; i < 8; ++i) {
            Bundle memory b = _oneLeg(++nonce, AMOUNT);
            b.legs[0].router = _acct(address(perLeg));
            b.legs[0].recipient = _acct(recipients[8][i]);
            _fundAndLock(b, 0);
            bytes32 id = _id(b);
            perLegIds.push(id);
            bytes32 digest = MeshTypes.typedDataDigest(
                verifier.DOMAIN_SEPARATOR(), MeshTypes.settlementLeaf(id, MeshTypes.COMMIT)
            );
            perLegSigs.push(_sign(_take(keys13, 7), digest));
        }

        // HTLC baseline: one open lock to claim, and the sender's funds for a fresh lock.
        token.mint(alice, 2 * AMOUNT);
        vm.startPrank(alice);
        token.approve(address(htlc), type(uint256).max);
        htlcId = htlc.lock(
            address(token), recipients[8][0], AMOUNT, keccak256(abi.encode(PREIMAGE)), T0 + 1 hours
        );
        vm.stopPrank();
        // A fresh leg to lock in the lock benchmark (tokens and allowance in place).
        token.mint(alice, AMOUNT);
        vm.prank(alice);
        token.approve(address(router), type(uint256).max);
    }

    function _prepareInterleaved() internal {
        bytes32[] memory leaves = new bytes32[](64);
        uint256[] memory here = new uint256[](32);
        for (uint256 i; i < 32; ++i) {
            leaves[2 * i] = MeshTypes.settlementLeaf(batchIds[32][i], MeshTypes.COMMIT);
            leaves[2 * i + 1] = keccak256(abi.encode("other chain", i));
            here[i] = 2 * i;
            interleavedItems.push(
                IMeshRouter.MultiItem(batchIds[32][i], 0, MeshTypes.COMMIT, uint32(2 * i))
            );
        }
        interleavedRoot = _root(leaves);
        bytes32[] memory proof = Merkle.multiproof(leaves, here);
        for (uint256 i; i < proof.length; ++i) {
            interleavedProof.push(proof[i]);
        }
        _submitRoot(interleavedRoot, 10);
    }

    function _prepareActions(uint64 nonce) internal {
        TestToken usdc = new TestToken();
        pool = new ConstantProductPool(address(token), address(usdc));
        token.mint(address(this), 1000e18);
        usdc.mint(address(this), 3_000_000e18);
        token.approve(address(pool), type(uint256).max);
        usdc.approve(address(pool), type(uint256).max);
        (uint256 a0, uint256 a1) = pool.token0() == address(token)
            ? (uint256(1000e18), uint256(3_000_000e18))
            : (uint256(3_000_000e18), uint256(1000e18));
        pool.addLiquidity(a0, a1, 0, address(this));
        bytes memory swap =
            abi.encodeCall(pool.swapExactIn, (address(token), 1e18, 0, router.actionExecutor()));
        for (uint256 i; i < 2; ++i) {
            IMeshRouter.ActionCall memory a = IMeshRouter.ActionCall(
                _acct(address(pool)), swap, _acct(address(usdc)), 2000e18, i == 0 ? 300_000 : 0
            );
            actionCalls[i] = a;
            Bundle memory b = _oneLeg(nonce + uint64(i), 1e18);
            b.legs[0].recipient = _acct(recipients[8][i]);
            b.legs[0].action = router.actionHash(a);
            _fundAndLock(b, 0);
            actionIds[i] = _id(b);
            _submitRoot(MeshTypes.settlementLeaf(actionIds[i], MeshTypes.COMMIT), uint64(20 + i));
        }
    }

    function _prepareFresh() internal {
        bytes32[] memory leaves = new bytes32[](9);
        for (uint256 i; i < 8; ++i) {
            leaves[i] = MeshTypes.settlementLeaf(batchIds[8][i], MeshTypes.COMMIT);
        }
        leaves[8] = keccak256("another chain's leaf");
        freshRoot = _root(leaves);
        for (uint256 i; i < 8; ++i) {
            freshItems.push(
                IMeshRouter.SettleItem(batchIds[8][i], 0, MeshTypes.COMMIT, _proof(leaves, i))
            );
        }
        freshSigs = _sign(_take(keys13, 7), verifier.batchDigest(GENESIS_EPOCH, 11, freshRoot));
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         HELPERS                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _calldataGas(bytes memory data) internal pure returns (uint256 g) {
        for (uint256 i; i < data.length; ++i) {
            g += data[i] == 0 ? 4 : 16;
        }
    }

    function _report(string memory name, uint256 exec, bytes memory data) internal view {
        uint256 cd = _calldataGas(data);
        console.log(
            string.concat(
                "GAS | ",
                name,
                " | exec ",
                vm.toString(exec),
                " | calldata ",
                vm.toString(cd),
                " | tx ",
                vm.toString(21_000 + cd + exec)
            )
        );
    }

    /// @dev Calls `target` with `data` and returns the execution gas of the call.
    function _measure(address target, bytes memory data) internal returns (uint256 used) {
        uint256 before = gasleft();
        (bool ok, bytes memory ret) = target.call(data);
        used = before - gasleft();
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                       SUBMIT BATCH                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function _benchSubmit(SettlementVerifier v, uint256 k, string memory name) internal {
        bytes32 root = keccak256(abi.encode("fresh root", k));
        bytes memory sigs = _sign(_take(keys13, k), v.batchDigest(GENESIS_EPOCH, 99, root));
        bytes memory data = abi.encodeCall(v.submitBatch, (GENESIS_EPOCH, 99, root, sigs));
        v.HUB_SALT(); // Warm the target account, as the transaction's `to` is.
        uint256 used = _measure(address(v), data);
        assertTrue(v.isVerifiedRoot(root), "verified");
        _report(name, used, data);
    }

    function test_Gas_SubmitBatch_k1() public {
        _benchSubmit(v1, 1, "submitBatch k=1");
    }

    function test_Gas_SubmitBatch_k7() public {
        _benchSubmit(v7, 7, "submitBatch k=7");
    }

    function test_Gas_SubmitBatch_k13() public {
        _benchSubmit(v13, 13, "submitBatch k=13");
    }

    /// @dev Signature verification alone (no root cached): the view relayers pre-check with.
    function test_Gas_VerifyOnly_k13() public {
        bytes32 digest = v13.batchDigest(GENESIS_EPOCH, 99, bytes32(uint256(1)));
        bytes memory sigs = _sign(keys13, digest);
        bytes memory data = abi.encodeCall(v13.checkSignatures, (GENESIS_EPOCH, digest, sigs));
        v13.HUB_SALT();
        _report("checkSignatures k=13 (verify only)", _measure(address(v13), data), data);
    }

    function test_Gas_SubmitBatch_Replay_k7() public {
        bytes32 root = roots[8];
        bytes memory sigs = _sign(_take(keys13, 7), v7.batchDigest(GENESIS_EPOCH, 1, root));
        bytes memory data = abi.encodeCall(v7.submitBatch, (GENESIS_EPOCH, 1, root, sigs));
        v7.HUB_SALT();
        _report("submitBatch replay (no-op) k=7", _measure(address(v7), data), data);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          SETTLE                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_Gas_Settle_Single() public {
        IMeshRouter.SettleItem memory it = items[1][0];
        bytes memory data =
            abi.encodeCall(router.settle, (it.bundleId, it.index, it.verdict, roots[1], it.proof));
        router.hubDomain();
        _report("settle (one leg, N=1)", _measure(address(router), data), data);
    }

    function _benchSettleMany(uint256 n) internal {
        bytes memory data = abi.encodeCall(router.settleMany, (roots[n], items[n]));
        router.hubDomain();
        uint256 used = _measure(address(router), data);
        _report(string.concat("settleMany N=", vm.toString(n)), used, data);
        console.log(string.concat("GAS | settleMany per leg N=", vm.toString(n)), used / n);
        assertEq(token.balanceOf(recipients[n][n - 1]), AMOUNT + 1, "paid");
    }

    function _benchTransfers(uint256 n) internal {
        bytes memory data = abi.encodeCall(loop.run, (address(token), recipients[n], amounts[n]));
        loop.ping();
        uint256 used = _measure(address(loop), data);
        _report(string.concat("plain transfers N=", vm.toString(n)), used, data);
    }

    function test_Gas_SettleMany_N1() public {
        _benchSettleMany(1);
    }

    function test_Gas_SettleMany_N8() public {
        _benchSettleMany(8);
    }

    function test_Gas_SettleMany_N32() public {
        _benchSettleMany(32);
    }

    function test_Gas_SettleMany_N128() public {
        _benchSettleMany(128);
    }

    function _benchMultiproof(uint256 n) internal {
        bytes memory data =
            abi.encodeCall(router.settleMultiproof, (roots[n], n, multiItems[n], new bytes32[](0)));
        router.hubDomain();
        uint256 used = _measure(address(router), data);
        _report(string.concat("settleMultiproof N=", vm.toString(n), " (whole batch)"), used, data);
        assertEq(token.balanceOf(recipients[n][n - 1]), AMOUNT + 1, "paid");
    }

    function test_Gas_SettleMultiproof_N8() public {
        _benchMultiproof(8);
    }

    function test_Gas_SettleMultiproof_N32() public {
        _benchMultiproof(32);
    }

    function test_Gas_SettleMultiproof_N128() public {
        _benchMultiproof(128);
    }

    function test_Gas_SettleMultiproof_N32_Interleaved() public {
        bytes memory data = abi.encodeCall(
            router.settleMultiproof, (interleavedRoot, 64, interleavedItems, interleavedProof)
        );
        router.hubDomain();
        uint256 used = _measure(address(router), data);
        _report("settleMultiproof N=32 of a 64-leaf batch", used, data);
        assertEq(token.balanceOf(recipients[32][31]), AMOUNT + 1, "paid");
    }

    /// @dev Signatures checked in place (no root cache) and 8 legs settled, one transaction.
    function test_Gas_SettleBatch_N8_k7() public {
        bytes memory data = abi.encodeCall(
            router.settleBatch, (GENESIS_EPOCH, 11, freshRoot, freshSigs, freshItems)
        );
        router.hubDomain();
        uint256 used = _measure(address(router), data);
        _report("settleBatch N=8 k=7 (verify in place)", used, data);
        assertEq(token.balanceOf(recipients[8][7]), AMOUNT + 1, "paid");
    }

    function test_Gas_Transfers_N1() public {
        _benchTransfers(1);
    }

    function test_Gas_Transfers_N8() public {
        _benchTransfers(8);
    }

    function test_Gas_Transfers_N32() public {
        _benchTransfers(32);
    }

    function test_Gas_Transfers_N128() public {
        _benchTransfers(128);
    }

    function _benchSettleAction(uint256 i, string memory name) internal {
        bytes32 id = actionIds[i];
        bytes memory data = abi.encodeCall(
            router.settleAction,
            (
                id,
                0,
                MeshTypes.settlementLeaf(id, MeshTypes.COMMIT),
                new bytes32[](0),
                actionCalls[i]
            )
        );
        router.hubDomain();
        _report(name, _measure(address(router), data), data);
        assertEq(uint8(router.legStatus(id, 0)), uint8(IMeshRouter.LegStatus.Committed), "done");
    }

    /// @dev A leg whose action swaps 1 token on the demo pool (output to the recipient).
    function test_Gas_SettleAction_PoolSwap() public {
        _benchSettleAction(0, "settleAction (pool swap executed)");
    }

    /// @dev An action that is never called (gas limit zero): the escrow is paid directly.
    function test_Gas_SettleAction_DirectPayment() public {
        _benchSettleAction(1, "settleAction (not callable, paid directly)");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                     LOCK AND REFUND                        */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_Gas_Lock() public {
        Bundle memory b = _oneLeg(1_000_000, AMOUNT);
        bytes memory data = abi.encodeCall(
            router.lock,
            (
                _id(b),
                0,
                b.legs[0],
                b.lockDeadline,
                b.settleDeadline,
                b.creatorHash,
                b.nonce,
                _legHashes(b)
            )
        );
        router.hubDomain();
        vm.prank(alice);
        _report("lock (1-leg bundle)", _measure(address(router), data), data);
    }

    /// @dev A leg with an action: one more storage slot.
    function test_Gas_Lock_ActionLeg() public {
        Bundle memory b = _oneLeg(1_000_002, AMOUNT);
        b.legs[0].action = keccak256("an action");
        bytes memory data = abi.encodeCall(
            router.lock,
            (
                _id(b),
                0,
                b.legs[0],
                b.lockDeadline,
                b.settleDeadline,
                b.creatorHash,
                b.nonce,
                _legHashes(b)
            )
        );
        router.hubDomain();
        vm.prank(alice);
        _report("lock (1-leg bundle, leg with an action)", _measure(address(router), data), data);
    }

    function test_Gas_Lock_16LegBundle() public {
        Bundle memory b = _oneLeg(1_000_001, AMOUNT);
        b.legs = new Leg[](16);
        for (uint256 i; i < 16; ++i) {
            b.legs[i] = _leg(alice, address(token), AMOUNT - i, bob);
        }
        bytes memory data = abi.encodeCall(
            router.lock,
            (
                _id(b),
                15,
                b.legs[15],
                b.lockDeadline,
                b.settleDeadline,
                b.creatorHash,
                b.nonce,
                _legHashes(b)
            )
        );
        router.hubDomain();
        vm.prank(alice);
        _report("lock (16-leg bundle)", _measure(address(router), data), data);
    }

    function test_Gas_RefundExpired() public {
        IMeshRouter.SettleItem memory it = items[1][0];
        vm.warp(T0 + 2 hours + GRACE);
        bytes memory data = abi.encodeCall(router.refundExpired, (it.bundleId, it.index));
        router.hubDomain();
        _report("refundExpired", _measure(address(router), data), data);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         BASELINES                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_Gas_Htlc_Lock() public {
        bytes memory data = abi.encodeCall(
            htlc.lock,
            (address(token), bob, AMOUNT, keccak256(abi.encode(PREIMAGE)), uint64(T0 + 1 hours))
        );
        htlc.locks(bytes32(0));
        vm.prank(alice);
        _report("HTLC lock", _measure(address(htlc), data), data);
    }

    function test_Gas_Htlc_Claim() public {
        bytes memory data = abi.encodeCall(htlc.claim, (htlcId, PREIMAGE));
        htlc.locks(bytes32(0));
        _report("HTLC claim", _measure(address(htlc), data), data);
    }

    /// @dev One per-leg-signature settlement in its own transaction.
    function test_Gas_PerLegSig_Single_k7() public {
        bytes memory data = abi.encodeCall(
            perLeg.settleWithSignatures, (perLegIds[0], 0, MeshTypes.COMMIT, perLegSigs[0])
        );
        perLeg.hubDomain();
        _report("per-leg-signature settle k=7 (own tx)", _measure(address(perLeg), data), data);
    }

    /// @dev Eight per-leg-signature settlements in one transaction (the baseline's best case).
    function test_Gas_PerLegSig_N8_k7() public {
        perLeg.hubDomain();
        uint256 total;
        uint256 cd;
        for (uint256 i; i < 8; ++i) {
            bytes memory data = abi.encodeCall(
                perLeg.settleWithSignatures, (perLegIds[i], 0, MeshTypes.COMMIT, perLegSigs[i])
            );
            total += _measure(address(perLeg), data);
            cd += _calldataGas(data);
        }
        console.log(
            string.concat(
                "GAS | per-leg-signature settle x8 k=7 (one tx) | exec ",
                vm.toString(total),
                " | calldata ",
                vm.toString(cd)
            )
        );
        console.log("GAS | per-leg-signature settle per leg (N=8, k=7)", total / 8);
    }
}
