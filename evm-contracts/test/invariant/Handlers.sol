// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MeshRouter} from "../../src/MeshRouter.sol";
import {Leg, MeshTypes} from "../../src/MeshTypes.sol";
import {SettlementVerifier} from "../../src/SettlementVerifier.sol";
import {IMeshRouter} from "../../src/interfaces/IMeshRouter.sol";
import {RevertingTarget} from "../mocks/ActionTargets.sol";
import {TestToken} from "../mocks/TestToken.sol";
import {Merkle} from "../utils/Merkle.sol";
import {VM, Vm} from "../utils/Vm.sol";

/// @notice Drives a MeshRouter through random locks, hub verdict batches, settlements (single and
/// batched, right and wrong verdicts), expiry refunds and time jumps, and keeps ghost accounting
/// of what every leg and every party must hold. About half the legs carry an action whose
/// recipient ends up with the leg's own tokens whatever happens (it runs and forwards the input,
/// it reverts, or it is never called), so the same accounting holds for them.
contract RouterHandler {
    Vm internal constant vm = VM;

    MeshRouter public immutable router;
    SettlementVerifier public immutable verifier;
    TestToken[2] public tokens;
    address[3] public actors;
    uint256[] internal signerKeys;

    struct LegRef {
        bytes32 bundleId;
        uint32 index;
        address token;
        uint256 amount;
        uint64 settleDeadline;
        address depositor;
        address recipient;
    }

    LegRef[] public legs;
    IMeshRouter.LegStatus[] internal cachedStatus;
    uint256[] public endCount;

    bytes32[] public bundles;
    mapping(bytes32 bundleId => uint256[]) internal legsOf;
    mapping(bytes32 bundleId => uint8) public verdictOf;
    uint256 internal verdictCursor;

    bytes32[] public roots;
    mapping(bytes32 root => bytes32[]) internal batchIds;
    mapping(bytes32 root => bytes32[]) internal batchLeaves;
    mapping(bytes32 bundleId => bytes32) public rootOf;

    // Ghosts.
    mapping(address token => uint256) public openSum;
    mapping(address token => mapping(address account => uint256)) public expectedBalance;
    uint256 public doubleEnds;
    uint256 public lateCommits;
    uint256 public wrongOutcomes;
    uint256 public calls;
    uint256 public commits;
    uint256 public aborts;
    uint256 public refunds;
    uint256 public actionCommits;
    uint64 internal nonce;

    /// @dev Per leg: 0 = no action, 1 = runs (a view on the token, input forwarded back),
    /// 2 = reverts (fallback), 3 = gas limit zero (paid directly); and the action itself.
    mapping(uint256 leg => uint256) public actionKind;
    mapping(uint256 leg => IMeshRouter.ActionCall) internal actionOf;
    RevertingTarget internal immutable reverter;

    /// @dev The EVM address of an EVM-shaped account id.
    function _a(bytes32 id) internal pure returns (address) {
        return address(uint160(uint256(id)));
    }

    constructor(MeshRouter router_, SettlementVerifier verifier_, uint256[] memory keys) {
        router = router_;
        verifier = verifier_;
        signerKeys = keys;
        tokens[0] = new TestToken();
        tokens[1] = new TestToken();
        actors[0] = vm.addr(0xA11CE);
        actors[1] = vm.addr(0xB0B);
        actors[2] = vm.addr(0xCA401);
        reverter = new RevertingTarget();
    }

    /// @dev The action of `kind` (1 to 3) for a leg of `amount` of `token`.
    function _action(uint256 kind, address token, uint256 amount)
        internal
        view
        returns (IMeshRouter.ActionCall memory a)
    {
        a.outputToken = MeshTypes.account(token);
        a.gasLimit = 100_000;
        if (kind == 1) {
            a.target = MeshTypes.account(token);
            a.data = abi.encodeWithSignature("totalSupply()");
            a.minOut = amount;
        } else {
            a.target = MeshTypes.account(address(reverter));
            a.data = hex"01";
            if (kind == 3) a.gasLimit = 0;
        }
    }

    function legCount() external view returns (uint256) {
        return legs.length;
    }

    function rootCount() external view returns (uint256) {
        return roots.length;
    }

    function actorCount() external pure returns (uint256) {
        return 3;
    }

    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          ACTIONS                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice A new bundle of one or two legs on this router, every leg locked by its depositor.
    function lock(uint256 seed, uint256 lockWindow, uint256 settleWindow, bool twoLegs) external {
        ++calls;
        uint64 lockDl = uint64(block.timestamp + _bound(lockWindow, 0, 1 hours));
        uint64 settleDl = uint64(lockDl + _bound(settleWindow, 1, 3 hours));
        Leg[] memory bundleLegs = new Leg[](twoLegs ? 2 : 1);
        for (uint256 i; i < bundleLegs.length; ++i) {
            uint256 s = uint256(keccak256(abi.encode(seed, i)));
            // Amounts up to 1e30 also exercise the wide (> 96-bit) storage path.
            uint256 amount = s % 7 == 0 ? _bound(s >> 8, 2 ** 96, 1e30) : _bound(s >> 8, 1, 1e24);
            bundleLegs[i] = Leg({
                domain: router.domain(),
                router: MeshTypes.account(address(router)),
                depositor: MeshTypes.account(actors[s % 3]),
                token: MeshTypes.account(address(tokens[(s >> 4) % 2])),
                amount: amount,
                recipient: MeshTypes.account(actors[(s >> 2) % 3]),
                action: bytes32(0),
                kind: 0,
                origin: 0
            });
            uint256 kind = (s >> 200) % 6;
            if (kind != 0 && kind <= 3) {
                bundleLegs[i].action =
                    router.actionHash(_action(kind, _a(bundleLegs[i].token), amount));
            }
        }
        bytes32 creatorHash = keccak256("inj1invariant");
        bytes32 id = MeshTypes.bundleId(
            router.hubDomain(), creatorHash, ++nonce, lockDl, settleDl, bundleLegs
        );
        bytes32[] memory hashes = new bytes32[](bundleLegs.length);
        for (uint256 i; i < hashes.length; ++i) {
            hashes[i] = MeshTypes.legHash(bundleLegs[i]);
        }
        bundles.push(id);
        for (uint256 i; i < bundleLegs.length; ++i) {
            Leg memory leg = bundleLegs[i];
            TestToken(_a(leg.token)).mint(_a(leg.depositor), leg.amount);
            vm.prank(_a(leg.depositor));
            TestToken(_a(leg.token)).approve(address(router), leg.amount);
            vm.prank(_a(leg.depositor));
            uint256 credited =
                router.lock(id, uint32(i), leg, lockDl, settleDl, creatorHash, nonce, hashes);
            require(credited == leg.amount, "credited");
            legs.push(
                LegRef(
                    id,
                    uint32(i),
                    _a(leg.token),
                    leg.amount,
                    settleDl,
                    _a(leg.depositor),
                    _a(leg.recipient)
                )
            );
            legsOf[id].push(legs.length - 1);
            if (leg.action != bytes32(0)) {
                uint256 kind = (uint256(keccak256(abi.encode(seed, i))) >> 200) % 6;
                actionKind[legs.length - 1] = kind;
                actionOf[legs.length - 1] = _action(kind, _a(leg.token), leg.amount);
            }
            cachedStatus.push(IMeshRouter.LegStatus.Locked);
            endCount.push(0);
            openSum[_a(leg.token)] += leg.amount;
        }
    }

    /// @notice The hub closes a batch: verdicts for up to `countSeed` bundles, signed root.
    function closeBatch(uint256 seed, uint256 countSeed) external {
        ++calls;
        uint256 available = bundles.length - verdictCursor;
        if (available == 0) return;
        uint256 count = _bound(countSeed, 1, available < 6 ? available : 6);
        bytes32[] memory ids = new bytes32[](count);
        bytes32[] memory leaves = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            bytes32 id = bundles[verdictCursor++];
            uint8 verdict = (uint256(keccak256(abi.encode(seed, i))) % 2 == 0)
                ? MeshTypes.COMMIT
                : MeshTypes.ABORT;
            verdictOf[id] = verdict;
            ids[i] = id;
            leaves[i] = MeshTypes.settlementLeaf(id, verdict);
        }
        bytes32 root = Merkle.root(leaves);
        uint64 batchIndex = uint64(roots.length);
        bytes32 digest = verifier.batchDigest(1, batchIndex, root);
        bytes memory sigs;
        for (uint256 i; i < signerKeys.length; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKeys[i], digest);
            sigs = bytes.concat(sigs, abi.encodePacked(r, s, v));
        }
        verifier.submitBatch(1, batchIndex, root, sigs);
        roots.push(root);
        batchIds[root] = ids;
        batchLeaves[root] = leaves;
        for (uint256 i; i < count; ++i) {
            rootOf[ids[i]] = root;
        }
    }

    function _proofFor(bytes32 id) internal view returns (bytes32 root, bytes32[] memory proof) {
        root = rootOf[id];
        bytes32[] memory ids = batchIds[root];
        for (uint256 i; i < ids.length; ++i) {
            if (ids[i] == id) return (root, Merkle.proof(batchLeaves[root], i));
        }
    }

    /// @notice Settles one leg with its bundle's verdict (may be expired, ended, ...).
    function settle(uint256 legSeed) external {
        ++calls;
        if (legs.length == 0) return;
        LegRef memory l = legs[legSeed % legs.length];
        uint8 verdict = verdictOf[l.bundleId];
        if (verdict == 0) return;
        (bytes32 root, bytes32[] memory proof) = _proofFor(l.bundleId);
        try router.settle(l.bundleId, l.index, verdict, root, proof) {} catch {}
        _reconcile();
    }

    /// @notice Tries the verdict the hub did NOT sign: must never apply.
    function settleWrongVerdict(uint256 legSeed) external {
        ++calls;
        if (legs.length == 0) return;
        LegRef memory l = legs[legSeed % legs.length];
        uint8 verdict = verdictOf[l.bundleId];
        if (verdict == 0) return;
        (bytes32 root, bytes32[] memory proof) = _proofFor(l.bundleId);
        uint8 wrong = verdict == MeshTypes.COMMIT ? MeshTypes.ABORT : MeshTypes.COMMIT;
        try router.settle(l.bundleId, l.index, wrong, root, proof) {
            ++wrongOutcomes;
        } catch {}
        _reconcile();
    }

    /// @notice Applies a leg's COMMIT with its action (fails for plain legs, ABORTed bundles,
    /// ended or expired legs).
    function settleAction(uint256 legSeed) external {
        ++calls;
        if (legs.length == 0) return;
        uint256 i = legSeed % legs.length;
        LegRef memory l = legs[i];
        if (verdictOf[l.bundleId] == 0) return;
        (bytes32 root, bytes32[] memory proof) = _proofFor(l.bundleId);
        try router.settleAction(l.bundleId, l.index, root, proof, actionOf[i]) {} catch {}
        _reconcile();
    }

    /// @notice Tries a leg's COMMIT with calldata the leg does not name: must never apply.
    function settleActionTampered(uint256 legSeed, bytes calldata data) external {
        ++calls;
        if (legs.length == 0) return;
        uint256 i = legSeed % legs.length;
        LegRef memory l = legs[i];
        if (verdictOf[l.bundleId] == 0) return;
        IMeshRouter.ActionCall memory a = actionOf[i];
        if (keccak256(data) == keccak256(a.data)) return;
        a.data = data;
        (bytes32 root, bytes32[] memory proof) = _proofFor(l.bundleId);
        try router.settleAction(l.bundleId, l.index, root, proof, a) {
            ++wrongOutcomes;
        } catch {}
        _reconcile();
    }

    /// @notice Settles every leg of one batch's bundles in one call.
    function settleMany(uint256 rootSeed) external {
        ++calls;
        if (roots.length == 0) return;
        bytes32 root = roots[rootSeed % roots.length];
        bytes32[] memory ids = batchIds[root];
        uint256 n;
        for (uint256 i; i < ids.length; ++i) {
            n += legsOf[ids[i]].length;
        }
        IMeshRouter.SettleItem[] memory items = new IMeshRouter.SettleItem[](n);
        n = 0;
        for (uint256 i; i < ids.length; ++i) {
            bytes32[] memory proof = Merkle.proof(batchLeaves[root], i);
            uint256[] memory ls = legsOf[ids[i]];
            for (uint256 j; j < ls.length; ++j) {
                items[n++] =
                    IMeshRouter.SettleItem(ids[i], legs[ls[j]].index, verdictOf[ids[i]], proof);
            }
        }
        try router.settleMany(root, items) {} catch {}
        _reconcile();
    }

    /// @notice Anyone refunds a leg (only works once refunds opened: deadline + grace).
    function refund(uint256 legSeed) external {
        ++calls;
        if (legs.length == 0) return;
        LegRef memory l = legs[legSeed % legs.length];
        try router.refundExpired(l.bundleId, l.index) {} catch {}
        _reconcile();
    }

    /// @notice Time passes.
    function warp(uint256 secondsSeed) external {
        ++calls;
        vm.warp(block.timestamp + _bound(secondsSeed, 0, 2 hours));
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        RECONCILE                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Compares every leg's status with the last known one and books each transition.
    function _reconcile() internal {
        for (uint256 i; i < legs.length; ++i) {
            LegRef memory l = legs[i];
            IMeshRouter.LegStatus now_ = router.legStatus(l.bundleId, l.index);
            IMeshRouter.LegStatus was = cachedStatus[i];
            if (now_ == was) continue;
            cachedStatus[i] = now_;
            if (was != IMeshRouter.LegStatus.Locked) {
                ++doubleEnds; // A leg left a terminal state.
                continue;
            }
            if (++endCount[i] > 1) ++doubleEnds;
            openSum[l.token] -= l.amount;
            if (now_ == IMeshRouter.LegStatus.Committed) {
                ++commits;
                if (actionKind[i] != 0) ++actionCommits;
                // COMMIT only before refunds open (settle deadline + grace).
                if (block.timestamp >= uint256(l.settleDeadline) + router.refundGrace()) {
                    ++lateCommits;
                }
                if (verdictOf[l.bundleId] != MeshTypes.COMMIT) ++wrongOutcomes;
                expectedBalance[l.token][l.recipient] += l.amount;
            } else if (now_ == IMeshRouter.LegStatus.Aborted) {
                ++aborts;
                if (verdictOf[l.bundleId] != MeshTypes.ABORT) ++wrongOutcomes;
                expectedBalance[l.token][l.depositor] += l.amount;
            } else if (now_ == IMeshRouter.LegStatus.Refunded) {
                ++refunds;
                if (block.timestamp < uint256(l.settleDeadline) + router.refundGrace()) {
                    ++wrongOutcomes;
                }
                expectedBalance[l.token][l.depositor] += l.amount;
            } else {
                ++wrongOutcomes;
            }
        }
    }
}

/// @notice Submits batches to a weighted verifier with random signer subsets, outsiders and
/// corrupted signatures, before and after its signer set's expiry (the router handler's `warp`
/// moves the clock), and records what each submission really carried.
contract VerifierHandler {
    Vm internal constant vm = VM;

    SettlementVerifier public immutable verifier;
    uint256[] internal keys;
    uint256[] internal weights;
    uint256 public immutable threshold;
    uint256 internal immutable outsiderKey;

    bytes32[] public roots;
    mapping(bytes32 root => uint256) public memberWeight;
    mapping(bytes32 root => bool) public tainted; // carried an outsider or corrupted signature
    mapping(bytes32 root => bool) public late; // submitted at or after the set's expiry
    uint64 public immutable expiresAt;
    uint256 public calls;
    uint256 public verifiedCount;

    constructor(
        uint256[] memory keys_,
        address[] memory addrs,
        uint256[] memory weights_,
        uint256 t
    ) {
        keys = keys_;
        weights = weights_;
        threshold = t;
        // Expires 4 hours in: the invariant runs submit on both sides of it.
        expiresAt = uint64(block.timestamp + 4 hours);
        verifier = new SettlementVerifier(
            "mesh-devnet-1",
            "inj1qg5ega6dykkxc307y25pecuufrjkxkaggkkxh7",
            1,
            addrs,
            weights_,
            t,
            expiresAt,
            0
        );
        outsiderKey = 0xBAD;
    }

    function rootCount() external view returns (uint256) {
        return roots.length;
    }

    /// @notice Submits a fresh root signed by the members in `mask`, maybe with an outsider's or
    /// a corrupted signature mixed in.
    function submit(uint256 seed, uint256 mask, uint8 mode) external {
        ++calls;
        bytes32 root = keccak256(abi.encode(seed, roots.length));
        roots.push(root);
        bytes32 digest = verifier.batchDigest(1, 0, root);
        bytes memory sigs;
        uint256 w;
        for (uint256 i; i < keys.length; ++i) {
            if ((mask >> i) & 1 == 0) continue;
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
            if (mode % 4 == 1 && w == 0) {
                // Corrupt the first signature's s: recovers someone else (or nobody).
                s = bytes32(uint256(s) ^ 1);
                tainted[root] = true;
            }
            sigs = bytes.concat(sigs, abi.encodePacked(r, s, v));
            w += weights[i];
        }
        if (mode % 4 == 2) {
            // An outsider appended (ordering may also be wrong: refused either way).
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(outsiderKey, digest);
            sigs = bytes.concat(sigs, abi.encodePacked(r, s, v));
            tainted[root] = true;
        }
        memberWeight[root] = w;
        late[root] = block.timestamp >= expiresAt;
        try verifier.submitBatch(1, 0, root, sigs) returns (bool fresh) {
            if (fresh) ++verifiedCount;
        } catch {}
    }

    /// @notice Re-submits a known root without signatures: a no-op if verified, else refused.
    function replay(uint256 index) external {
        ++calls;
        if (roots.length == 0) return;
        try verifier.submitBatch(1, 0, roots[index % roots.length], "") {} catch {}
    }
}
