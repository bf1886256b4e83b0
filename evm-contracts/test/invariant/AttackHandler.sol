// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MeshRouter} from "../../src/MeshRouter.sol";
import {Leg, MeshTypes} from "../../src/MeshTypes.sol";
import {SettlementVerifier} from "../../src/SettlementVerifier.sol";
import {IMeshRouter} from "../../src/interfaces/IMeshRouter.sol";
import {TestToken} from "../mocks/TestToken.sol";
import {Merkle} from "../utils/Merkle.sol";
import {VM, Vm} from "../utils/Vm.sol";

/// @notice Honest hub, honest users AND an attacker against one verifier + router pair.
///
/// Honest actions: lock bundles of 1 to `MeshTypes.MAX_LEGS` legs (as the depositor or an
/// approved operator), close batches of up to 40 bundles signed by the current (or a retained)
/// signer set, submitted or kept for `settleBatch`, settle through every entry point, refund,
/// rotate the signer set (sets with weights near 2^256), set operators, let time pass.
///
/// Attacker actions call every external function with forged input: random siblings, wrong and
/// extreme leaf counts (0, 1, n ± 1, 256, 257, 2^255, 2^256 − 2, 2^256 − 1), reordered and
/// foreign items, wrong and invalid verdicts; signature sets below the threshold, by non-members,
/// duplicated, high-s, reordered, over the wrong statement, by retired, future and retained
/// epochs (which may have expired); forged rotations; locks for someone else.
///
/// Ghosts: every statement the hub signed (root → leaves), each leg's status, the open sum per
/// token, how often a leg ended, and the outcome every signature check must have (a model of
/// `SignerSetLib.verify` + epoch rules): an accepted forgery or a refused honest statement is
/// counted in `modelMismatches`.
contract AttackHandler {
    Vm internal constant vm = VM;

    uint256 internal constant SECP_N =
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    uint64 public constant GRACE = 30 minutes;
    /// @dev The router's domain id.
    uint64 public constant DOMAIN = 7;
    uint64 public constant DELAY = 1 hours;
    uint64 public constant GENESIS = 1;
    uint256 internal constant MAX_LEGS_TOTAL = 160;

    SettlementVerifier public immutable verifier;
    MeshRouter public immutable router;
    TestToken[2] public tokens;
    address[3] public actors;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        GHOST STATE                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    struct SetInfo {
        uint256[] keys; // sorted by ascending address
        uint256[] weights;
        uint256 threshold;
        uint64 expiresAt;
        uint64 activatedAt;
    }

    mapping(uint64 epoch => SetInfo) internal sets;
    uint64 public epoch;

    struct LegRef {
        bytes32 bundleId;
        uint32 index;
        address token;
        uint256 amount;
        uint64 settleDeadline;
    }

    LegRef[] public legs;
    IMeshRouter.LegStatus[] internal cached;
    uint256[] public endCount;
    bytes32[] internal bundles;
    uint256 internal verdictCursor;
    mapping(bytes32 id => uint256[]) internal legsOf;
    uint64 internal nonce;

    /// @dev Every statement the hub signed: root → its leaves and bundle ids.
    mapping(bytes32 leaf => bool) public signedLeaf;
    mapping(bytes32 root => bool) public signedRoot;
    bytes32[] public roots;
    mapping(bytes32 root => bytes32[]) internal rootLeaves;
    mapping(bytes32 root => bytes32[]) internal rootIds;
    mapping(bytes32 root => bytes) internal rootSigs;
    mapping(bytes32 root => uint64) internal rootEpoch;
    mapping(bytes32 id => bytes32) internal rootOf;
    mapping(bytes32 id => uint256) internal posOf;
    mapping(bytes32 id => uint8) public verdictOf;
    /// @dev Every root an attacker tried to get verified.
    bytes32[] public triedRoots;

    mapping(address token => uint256) public openSum;
    mapping(address depositor => mapping(address operator => bool)) public operatorGhost;

    uint256 public doubleEnds;
    uint256 public forgedOutcomes; // a leg ended with a verdict the hub never signed
    uint256 public lateOutcomes; // a COMMIT after refunds opened / a refund before
    uint256 public modelMismatches; // a signature check disagreed with the model
    uint256 public forgedRotations;
    uint256 public forgedLocks;
    uint256 public honestVerified;
    uint256 public attackerCalls;
    uint256 public settledLegs;

    /// @dev The EVM address of an EVM-shaped account id.
    function _a(bytes32 id) internal pure returns (address) {
        return address(uint160(uint256(id)));
    }

    constructor() {
        tokens[0] = new TestToken();
        tokens[1] = new TestToken();
        actors[0] = vm.addr(0xA11CE);
        actors[1] = vm.addr(0xB0B);
        actors[2] = vm.addr(0xCA401);
        _newSet(GENESIS, 0, uint64(block.timestamp + 2 days));
        SetInfo storage g = sets[GENESIS];
        verifier = new SettlementVerifier(
            "mesh-devnet-1",
            "inj1qg5ega6dykkxc307y25pecuufrjkxkaggkkxh7",
            GENESIS,
            _addrs(g.keys),
            g.weights,
            g.threshold,
            g.expiresAt,
            DELAY
        );
        g.activatedAt = uint64(block.timestamp);
        epoch = GENESIS;
        router = new MeshRouter(verifier, DOMAIN, GRACE);
    }

    function legCount() external view returns (uint256) {
        return legs.length;
    }

    function triedCount() external view returns (uint256) {
        return triedRoots.length;
    }

    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        SIGNER SETS                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Profiles: 0: 3 × weight 1, threshold 2. 1: four weights summing to 2^256 − 1, threshold
    /// 3·2^254 (the lightest member plus two others fall one short). 2: 1–8 members of random
    /// weight, threshold anywhere in [1, total].
    function _newSet(uint64 e, uint256 seed, uint64 expiresAt) internal {
        uint256 profile = seed % 3;
        uint256 n = profile == 0 ? 3 : profile == 1 ? 4 : _bound(seed >> 8, 1, 8);
        uint256[] memory keys = new uint256[](n);
        address[] memory addrs = new address[](n);
        for (uint256 i; i < n; ++i) {
            uint256 key =
                uint256(keccak256(abi.encode("attack-set", e, seed, i))) % (SECP_N - 1) + 1;
            address a = vm.addr(key);
            uint256 j = i;
            while (j > 0 && addrs[j - 1] > a) {
                addrs[j] = addrs[j - 1];
                keys[j] = keys[j - 1];
                --j;
            }
            addrs[j] = a;
            keys[j] = key;
        }
        uint256[] memory w = new uint256[](n);
        uint256 total;
        for (uint256 i; i < n; ++i) {
            if (profile == 0) {
                w[i] = 1;
            } else if (profile == 1) {
                w[i] = i == 3 ? 2 ** 254 - 1 : 2 ** 254;
            } else {
                w[i] =
                    _bound(uint256(keccak256(abi.encode(seed, "w", i))), 1, type(uint256).max / 8);
            }
            total += w[i];
        }
        SetInfo storage s = sets[e];
        s.keys = keys;
        s.weights = w;
        s.threshold = profile == 0 ? 2 : profile == 1 ? 3 * 2 ** 254 : _bound(seed >> 16, 1, total);
        s.expiresAt = expiresAt;
    }

    function _addrs(uint256[] memory keys) internal pure returns (address[] memory a) {
        a = new address[](keys.length);
        for (uint256 i; i < keys.length; ++i) {
            a[i] = vm.addr(keys[i]);
        }
    }

    function _sig(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Signatures of `digest` by the members of `e` in `mask` (ascending), and their weight.
    function _signMask(uint64 e, uint256 mask, bytes32 digest)
        internal
        view
        returns (bytes memory sigs, uint256 weight)
    {
        SetInfo storage s = sets[e];
        for (uint256 i; i < s.keys.length; ++i) {
            if ((mask >> i) & 1 == 0) continue;
            sigs = bytes.concat(sigs, _sig(s.keys[i], digest));
            weight += s.weights[i];
        }
    }

    /// @dev A mask of members of `e` reaching its threshold (random members, then the rest).
    function _quorumMask(uint64 e, uint256 seed) internal view returns (uint256 mask) {
        SetInfo storage s = sets[e];
        uint256 w;
        for (uint256 i; i < s.keys.length; ++i) {
            if ((seed >> i) & 1 == 1) {
                mask |= 1 << i;
                w = _satAdd(w, s.weights[i]);
            }
        }
        // Top up with members not yet in: the whole set always reaches the threshold.
        for (uint256 i; i < s.keys.length && w < s.threshold; ++i) {
            if ((mask >> i) & 1 == 0) {
                mask |= 1 << i;
                w = _satAdd(w, s.weights[i]);
            }
        }
    }

    /// @dev A mask of members of `e` weighing less than its threshold (maybe empty).
    function _subQuorumMask(uint64 e, uint256 seed) internal view returns (uint256 mask) {
        SetInfo storage s = sets[e];
        uint256 w;
        for (uint256 k; k < s.keys.length; ++k) {
            uint256 i = (k + seed % s.keys.length) % s.keys.length;
            if (_satAdd(w, s.weights[i]) < s.threshold) {
                mask |= 1 << i;
                w += s.weights[i];
            }
        }
    }

    function _satAdd(uint256 a, uint256 b) internal pure returns (uint256) {
        unchecked {
            uint256 c = a + b;
            return c < a ? type(uint256).max : c;
        }
    }

    /// @dev Whether `e`'s set verifies now (current or retained, known, not expired).
    function _active(uint64 e) internal view returns (bool) {
        if (e > epoch || epoch - e > 3) return false;
        SetInfo storage s = sets[e];
        if (s.keys.length == 0) return false;
        return block.timestamp < s.expiresAt;
    }

    /// @dev Forged signatures of `digest` (and whether the model says they must be refused:
    /// always, except mode 7 — a full, correct set of an epoch that is still active).
    /// Modes: 0 below threshold, 1 non-members, 2 a member twice, 3 high-s, 4 over another
    /// statement, 5 a retired epoch, 6 a future epoch, 7 a retained or current epoch (valid iff
    /// active), 8 reordered (descending).
    function _forge(uint256 mode, uint256 seed, bytes32 root, uint64 batchIndex)
        internal
        view
        returns (uint64 e, bytes memory sigs, bool mustRefuse)
    {
        e = epoch;
        mustRefuse = true;
        bytes32 digest = verifier.batchDigest(e, batchIndex, root);
        if (mode == 0) {
            (sigs,) = _signMask(e, _subQuorumMask(e, seed), digest);
        } else if (mode == 1) {
            for (uint256 i; i < 3; ++i) {
                sigs = bytes.concat(
                    sigs, _sig(uint256(keccak256(abi.encode(seed, i))) % 1e30 + 1, digest)
                );
            }
        } else if (mode == 2) {
            bytes memory one = _sig(sets[e].keys[seed % sets[e].keys.length], digest);
            (bytes memory all,) = _signMask(e, type(uint256).max, digest);
            sigs = bytes.concat(one, all);
        } else if (mode == 3) {
            (sigs,) = _signMask(e, type(uint256).max, digest);
            _highS(sigs, seed % (sigs.length / 65));
        } else if (mode == 4) {
            (sigs,) = _signMask(e, type(uint256).max, verifier.batchDigest(e, batchIndex + 1, root));
        } else if (mode == 5) {
            e = epoch > GENESIS + 3 ? uint64(_bound(seed, GENESIS, epoch - 4)) : GENESIS;
            (sigs,) = _signMask(e, type(uint256).max, verifier.batchDigest(e, batchIndex, root));
            mustRefuse = !_active(e);
        } else if (mode == 6) {
            e = epoch + 1 + uint64(seed % 3);
            (sigs,) = _signMask(epoch, type(uint256).max, verifier.batchDigest(e, batchIndex, root));
        } else if (mode == 7) {
            e = epoch - uint64(seed % (epoch - GENESIS + 1 < 5 ? epoch - GENESIS + 1 : 5));
            (sigs,) = _signMask(e, type(uint256).max, verifier.batchDigest(e, batchIndex, root));
            mustRefuse = !_active(e);
        } else {
            uint256 n = sets[e].keys.length;
            for (uint256 i = n; i > 0; --i) {
                sigs = bytes.concat(sigs, _sig(sets[e].keys[i - 1], digest));
            }
            // One member alone in "descending" order is just ascending: a valid quorum iff
            // that member reaches the threshold.
            mustRefuse = !(n == 1 && _active(e));
        }
        if (sigs.length == 0) sigs = _sig(1, digest); // key 1 is never a member
    }

    /// @dev Replaces signature `i` by its high-s twin (same signer, s' = n − s, v flipped).
    function _highS(bytes memory sigs, uint256 i) internal pure {
        uint256 o = 32 + i * 65;
        uint256 s;
        uint8 v;
        assembly {
            s := mload(add(sigs, add(o, 32)))
            v := byte(0, mload(add(sigs, add(o, 64))))
        }
        s = SECP_N - s;
        v = v == 27 ? 28 : 27;
        assembly {
            mstore(add(sigs, add(o, 32)), s)
            mstore8(add(sigs, add(o, 64)), v)
        }
    }

    /// @dev Records a statement the hub (a valid set) signed.
    function _recordSigned(bytes32 root, bytes32[] memory leaves) internal {
        if (signedRoot[root]) return;
        signedRoot[root] = true;
        for (uint256 i; i < leaves.length; ++i) {
            signedLeaf[leaves[i]] = true;
        }
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                       HONEST ACTIONS                       */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice A bundle of 1 to MAX_LEGS legs, every leg locked by its depositor or an operator.
    function lock(uint256 seed, uint256 window) external {
        uint256 n =
            seed % 4 == 0 ? _bound(seed >> 2, 1, MeshTypes.MAX_LEGS) : _bound(seed >> 2, 1, 3);
        if (legs.length + n > MAX_LEGS_TOTAL) return;
        uint64 lockDl = uint64(block.timestamp + _bound(window, 0, 1 hours));
        uint64 settleDl = uint64(lockDl + _bound(window >> 64, 1, 3 hours));
        Leg[] memory bl = new Leg[](n);
        bytes32[] memory hashes = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            uint256 s = uint256(keccak256(abi.encode(seed, i)));
            bl[i] = Leg({
                domain: router.domain(),
                router: MeshTypes.account(address(router)),
                depositor: MeshTypes.account(actors[s % 3]),
                token: MeshTypes.account(address(tokens[(s >> 4) % 2])),
                amount: s % 5 == 0 ? _bound(s >> 8, 2 ** 96, 1e30) : _bound(s >> 8, 1, 1e24),
                recipient: MeshTypes.account(actors[(s >> 2) % 3]),
                action: bytes32(0),
                kind: 0,
                origin: 0
            });
            hashes[i] = MeshTypes.legHash(bl[i]);
        }
        Ctx memory c = Ctx(bytes32(0), keccak256("inj1attack"), lockDl, settleDl, ++nonce, hashes);
        c.id = MeshTypes.bundleIdFromLegHashes(
            router.hubDomain(), c.creator, c.nonce, lockDl, settleDl, hashes
        );
        bundles.push(c.id);
        for (uint256 i; i < n; ++i) {
            _lockOne(c, uint32(i), bl[i], seed);
        }
    }

    struct Ctx {
        bytes32 id;
        bytes32 creator;
        uint64 lockDl;
        uint64 settleDl;
        uint64 nonce;
        bytes32[] hashes;
    }

    function _lockOne(Ctx memory c, uint32 i, Leg memory leg, uint256 seed) internal {
        TestToken(_a(leg.token)).mint(_a(leg.depositor), leg.amount);
        vm.prank(_a(leg.depositor));
        TestToken(_a(leg.token)).approve(address(router), type(uint256).max);
        address caller = _a(leg.depositor);
        address op = actors[(uint256(keccak256(abi.encode(seed, i, "op"))) % 3)];
        if (operatorGhost[_a(leg.depositor)][op]) caller = op;
        vm.prank(caller);
        uint256 credited =
            router.lock(c.id, i, leg, c.lockDl, c.settleDl, c.creator, c.nonce, c.hashes);
        require(credited == leg.amount, "credited");
        legs.push(LegRef(c.id, i, _a(leg.token), leg.amount, c.settleDl));
        legsOf[c.id].push(legs.length - 1);
        cached.push(IMeshRouter.LegStatus.Locked);
        endCount.push(0);
        openSum[_a(leg.token)] += leg.amount;
    }

    /// @notice An actor approves or revokes an operator.
    function setOperator(uint256 who, uint256 op, bool approved) external {
        address depositor = actors[who % 3];
        address operator = actors[op % 3];
        vm.prank(depositor);
        router.setOperator(operator, approved);
        operatorGhost[depositor][operator] = approved;
    }

    /// @notice The hub closes a batch of up to 40 bundles, signed by a quorum of the current or a
    /// retained set; submitted to the verifier, or kept for `settleBatch`.
    function closeBatch(uint256 seed, uint256 countSeed, bool submit) external {
        uint256 available = bundles.length - verdictCursor;
        if (available == 0) return;
        uint256 count = _bound(countSeed, 1, available < 40 ? available : 40);
        bytes32[] memory ids = new bytes32[](count);
        bytes32[] memory leaves = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            bytes32 id = bundles[verdictCursor++];
            uint8 verdict = uint256(keccak256(abi.encode(seed, i))) % 2 == 0
                ? MeshTypes.COMMIT
                : MeshTypes.ABORT;
            verdictOf[id] = verdict;
            ids[i] = id;
            leaves[i] = MeshTypes.settlementLeaf(id, verdict);
        }
        bytes32 root = Merkle.root(leaves);
        uint64 e = epoch - uint64(seed % (epoch - GENESIS + 1 < 4 ? epoch - GENESIS + 1 : 4));
        uint64 batchIndex = uint64(roots.length);
        (bytes memory sigs,) =
            _signMask(e, _quorumMask(e, seed >> 32), verifier.batchDigest(e, batchIndex, root));
        // A set that may still sign signed it: a leaf of this root may settle from now on.
        if (_active(e)) _recordSigned(root, leaves);
        roots.push(root);
        rootLeaves[root] = leaves;
        rootIds[root] = ids;
        rootSigs[root] = sigs;
        rootEpoch[root] = e;
        for (uint256 i; i < count; ++i) {
            rootOf[ids[i]] = root;
            posOf[ids[i]] = i;
        }
        if (submit) {
            try verifier.submitBatch(e, batchIndex, root, sigs) returns (bool fresh) {
                if (!_active(e)) ++modelMismatches; // an expired set verified a root
                if (fresh) ++honestVerified;
            } catch {
                if (_active(e)) ++modelMismatches; // a quorum of an active set was refused
            }
        }
    }

    /// @notice Settles one leg with its bundle's signed verdict (settle / settleMany /
    /// settleBatch / settleMultiproof chosen by `how`).
    function settleHonest(uint256 legSeed, uint256 how) external {
        if (legs.length == 0) return;
        LegRef memory l = legs[legSeed % legs.length];
        bytes32 root = rootOf[l.bundleId];
        if (root == bytes32(0)) return;
        uint8 verdict = verdictOf[l.bundleId];
        bytes32[] memory leaves = rootLeaves[root];
        bytes32[] memory proof = Merkle.proof(leaves, posOf[l.bundleId]);
        IMeshRouter.SettleItem[] memory items = new IMeshRouter.SettleItem[](1);
        items[0] = IMeshRouter.SettleItem(l.bundleId, l.index, verdict, proof);
        how %= 4;
        if (how == 0) {
            try router.settle(l.bundleId, l.index, verdict, root, proof) {} catch {}
        } else if (how == 1) {
            try router.settleMany(root, items) {} catch {}
        } else if (how == 2) {
            try router.settleBatch(
                rootEpoch[root], _batchIndexOf(root), root, rootSigs[root], items
            ) {}
                catch {}
        } else {
            uint256[] memory pos = new uint256[](1);
            pos[0] = posOf[l.bundleId];
            IMeshRouter.MultiItem[] memory m = new IMeshRouter.MultiItem[](1);
            m[0] = IMeshRouter.MultiItem(l.bundleId, l.index, verdict, uint32(pos[0]));
            try router.settleMultiproof(root, leaves.length, m, Merkle.multiproof(leaves, pos)) {}
                catch {}
        }
        _reconcile();
    }

    function _batchIndexOf(bytes32 root) internal view returns (uint64) {
        for (uint256 i; i < roots.length; ++i) {
            if (roots[i] == root) return uint64(i);
        }
        return 0;
    }

    /// @notice Anyone refunds a leg (only from settle deadline + grace on).
    function refund(uint256 legSeed) external {
        if (legs.length == 0) return;
        LegRef memory l = legs[legSeed % legs.length];
        try router.refundExpired(l.bundleId, l.index) {} catch {}
        _reconcile();
    }

    /// @notice Time passes (sometimes a day: sets expire, refunds open).
    function warp(uint256 secondsSeed) external {
        uint256 dt = secondsSeed % 8 == 0 ? 1 days : _bound(secondsSeed, 0, 2 hours);
        vm.warp(block.timestamp + dt);
    }

    /// @notice The current set hands over to a new one (expiry never decreases).
    function rotate(uint256 seed) external {
        SetInfo storage cur = sets[epoch];
        if (block.timestamp >= cur.expiresAt) return; // expired: nothing can rotate (recovery is a new deployment)
        if (block.timestamp < uint256(cur.activatedAt) + DELAY) return;
        uint64 next = epoch + 1;
        uint64 exp = uint64(
            (cur.expiresAt > block.timestamp + 1 days ? cur.expiresAt : block.timestamp + 1 days)
                + _bound(seed >> 128, 0, 2 days)
        );
        _newSet(next, seed, exp);
        SetInfo storage s = sets[next];
        address[] memory addrs = _addrs(s.keys);
        bytes32 digest = verifier.signerSetUpdateDigest(
            next, verifier.signerSetHash(addrs, s.weights, s.threshold, exp)
        );
        (bytes memory sigs,) = _signMask(epoch, _quorumMask(epoch, seed >> 64), digest);
        try verifier.rotate(addrs, s.weights, s.threshold, exp, sigs) {
            s.activatedAt = uint64(block.timestamp);
            epoch = next;
        } catch {
            ++modelMismatches; // an honest rotation was refused
            delete sets[next];
        }
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                      ATTACKER ACTIONS                      */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev A root mixing real leaves of pending legs with the verdicts the attacker wants.
    function _forgedTree(uint256 seed)
        internal
        view
        returns (bytes32 root, bytes32[] memory leaves, bytes32[] memory ids, uint8[] memory vs)
    {
        uint256 n = _bound(seed, 1, 6);
        leaves = new bytes32[](n);
        ids = new bytes32[](n);
        vs = new uint8[](n);
        for (uint256 i; i < n; ++i) {
            uint256 s = uint256(keccak256(abi.encode(seed, i, "forge")));
            ids[i] = legs.length == 0 ? bytes32(s) : legs[s % legs.length].bundleId;
            vs[i] = s % 2 == 0 ? MeshTypes.COMMIT : MeshTypes.ABORT;
            leaves[i] = MeshTypes.settlementLeaf(ids[i], vs[i]);
        }
        root = Merkle.root(leaves);
    }

    /// @notice Submits a forged tree with forged (or, mode 7, possibly valid) signatures.
    function attackSubmit(uint256 seed, uint256 mode) external {
        ++attackerCalls;
        (bytes32 root, bytes32[] memory leaves,,) = _forgedTree(seed);
        if (verifier.isVerifiedRoot(root) || root == bytes32(0)) return;
        (uint64 e, bytes memory sigs, bool mustRefuse) = _forge(mode % 9, seed >> 8, root, 0);
        triedRoots.push(root);
        if (!mustRefuse) _recordSigned(root, leaves); // a valid set really signed it
        try verifier.submitBatch(e, 0, root, sigs) {
            if (mustRefuse) ++modelMismatches;
        } catch {
            if (!mustRefuse) ++modelMismatches;
        }
    }

    /// @notice settleBatch with a forged tree and forged signatures, items proven under it.
    function attackSettleBatch(uint256 seed, uint256 mode) external {
        ++attackerCalls;
        (bytes32 root, bytes32[] memory leaves, bytes32[] memory ids, uint8[] memory vs) =
            _forgedTree(seed);
        if (verifier.isVerifiedRoot(root) || signedRoot[root]) return;
        (uint64 e, bytes memory sigs, bool mustRefuse) = _forge(mode % 9, seed >> 8, root, 5);
        if (!mustRefuse) _recordSigned(root, leaves);
        try router.settleBatch(e, 5, root, sigs, _items(leaves, ids, vs)) {
            if (mustRefuse) ++modelMismatches;
        } catch {}
        _reconcile();
    }

    function _items(bytes32[] memory leaves, bytes32[] memory ids, uint8[] memory vs)
        internal
        view
        returns (IMeshRouter.SettleItem[] memory items)
    {
        items = new IMeshRouter.SettleItem[](ids.length);
        for (uint256 i; i < ids.length; ++i) {
            uint32 index;
            if (legsOf[ids[i]].length != 0) index = legs[legsOf[ids[i]][0]].index;
            items[i] = IMeshRouter.SettleItem(ids[i], index, vs[i], Merkle.proof(leaves, i));
        }
    }

    /// @notice settle / settleMany of a leg with any verdict (also invalid codes) under a
    /// verified root with random siblings, another bundle's proof or a prefix of its own.
    function attackSettle(uint256 seed, uint256 legSeed, uint8 verdict, bool many) external {
        ++attackerCalls;
        if (legs.length == 0 || roots.length == 0) return;
        LegRef memory l = legs[legSeed % legs.length];
        bytes32 root = roots[seed % roots.length];
        if (seed % 5 == 0) {
            verdict = verdictOf[l.bundleId] == MeshTypes.COMMIT ? MeshTypes.ABORT : MeshTypes.COMMIT;
        }
        bytes32[] memory leaves = rootLeaves[root];
        bytes32[] memory proof;
        uint256 kind = (seed >> 8) % 3;
        if (kind == 0) {
            proof = new bytes32[](_bound(seed >> 16, 0, 8));
            for (uint256 i; i < proof.length; ++i) {
                proof[i] = keccak256(abi.encode(seed, i));
            }
        } else if (kind == 1) {
            proof = Merkle.proof(leaves, (seed >> 16) % leaves.length);
        } else {
            proof = Merkle.proof(leaves, (seed >> 16) % leaves.length);
            // Drop the last sibling: proves an inner node, not a leaf.
            if (proof.length != 0) {
                assembly {
                    mstore(proof, sub(mload(proof), 1))
                }
            }
        }
        if (many) {
            IMeshRouter.SettleItem[] memory items = new IMeshRouter.SettleItem[](1);
            items[0] = IMeshRouter.SettleItem(l.bundleId, l.index, verdict, proof);
            try router.settleMany(root, items) {} catch {}
        } else {
            try router.settle(l.bundleId, l.index, verdict, root, proof) {} catch {}
        }
        _reconcile();
    }

    /// @notice settleMultiproof of a signed batch with tampered shape: leaf counts at the
    /// extremes, reordered or foreign items, flipped verdicts, random or missing siblings.
    function attackMultiproof(uint256 seed, uint256 countSel, uint256 tamper) external {
        ++attackerCalls;
        if (roots.length == 0) return;
        bytes32 root = roots[seed % roots.length];
        (IMeshRouter.MultiItem[] memory items, bytes32[] memory proof, uint256 leafCount) =
            _honestMulti(root, seed);
        (leafCount, proof) = _tamperMulti(items, proof, leafCount, countSel, tamper % 7);
        try router.settleMultiproof(root, leafCount, items, proof) {} catch {}
        _reconcile();
    }

    /// @dev An honest multiproof of an ascending subset (at least one) of the root's bundles,
    /// with every leg of each chosen bundle.
    function _honestMulti(bytes32 root, uint256 seed)
        internal
        view
        returns (IMeshRouter.MultiItem[] memory items, bytes32[] memory proof, uint256 leafCount)
    {
        bytes32[] memory leaves = rootLeaves[root];
        bytes32[] memory ids = rootIds[root];
        leafCount = leaves.length;
        uint256[] memory pos = new uint256[](leafCount);
        uint256 k;
        uint256 nItems;
        for (uint256 i; i < leafCount; ++i) {
            if ((seed >> (i % 200)) & 1 == 1 || (k == 0 && i == leafCount - 1)) {
                pos[k++] = i;
                nItems += legsOf[ids[i]].length == 0 ? 1 : legsOf[ids[i]].length;
            }
        }
        assembly {
            mstore(pos, k)
        }
        items = new IMeshRouter.MultiItem[](nItems);
        uint256 c;
        for (uint256 j; j < k; ++j) {
            bytes32 id = ids[pos[j]];
            uint256[] memory ls = legsOf[id];
            uint256 m = ls.length == 0 ? 1 : ls.length;
            for (uint256 q; q < m; ++q) {
                uint32 index = ls.length == 0 ? 0 : legs[ls[q]].index;
                items[c++] = IMeshRouter.MultiItem(id, index, verdictOf[id], uint32(pos[j]));
            }
        }
        proof = Merkle.multiproof(leaves, pos);
    }

    /// @dev Tampers with an honest multiproof (t == 6: left honest).
    function _tamperMulti(
        IMeshRouter.MultiItem[] memory items,
        bytes32[] memory proof,
        uint256 leafCount,
        uint256 sel,
        uint256 t
    ) internal view returns (uint256, bytes32[] memory) {
        if (t == 0) {
            uint256[11] memory extremes = [
                0,
                1,
                2,
                leafCount - 1,
                leafCount + 1,
                255,
                256,
                257,
                2 ** 255,
                type(uint256).max - 1,
                type(uint256).max
            ];
            leafCount = sel % 13 == 12 ? sel : extremes[sel % 11]; // or anywhere in uint256
        } else if (t == 1 && items.length > 1) {
            uint256 a = sel % items.length;
            uint256 b = (sel >> 8) % items.length;
            (items[a], items[b]) = (items[b], items[a]);
        } else if (t == 2) {
            items[sel % items.length].verdict = uint8(sel >> 8);
        } else if (t == 3 && proof.length != 0) {
            proof[sel % proof.length] = keccak256(abi.encode(sel));
        } else if (t == 4 && legs.length != 0) {
            // A foreign bundle (any leg) slipped in at an item's leaf index.
            LegRef memory l = legs[sel % legs.length];
            items[(sel >> 8) % items.length].bundleId = l.bundleId;
            items[(sel >> 8) % items.length].index = l.index;
        } else if (t == 5) {
            if (sel % 2 == 0) {
                bytes32[] memory longer = new bytes32[](proof.length + 1);
                for (uint256 i; i < proof.length; ++i) {
                    longer[i] = proof[i];
                }
                longer[proof.length] = bytes32(sel);
                proof = longer;
            } else {
                proof = new bytes32[](0);
            }
        }
        return (leafCount, proof);
    }

    /// @notice Forged rotations: below the threshold, non-members, high-s, a retained (non-current)
    /// set, the wrong epoch, duplicates, or a valid quorum over a different set than submitted.
    function attackRotate(uint256 seed, uint256 mode) external {
        ++attackerCalls;
        uint64 before = verifier.currentEpoch();
        Rot memory r;
        r.keys = sets[epoch].keys;
        r.addrs = _addrs(r.keys); // the attacker re-installs a copy of the current set
        r.w = sets[epoch].weights;
        r.t = sets[epoch].threshold;
        r.exp = uint64(sets[epoch].expiresAt + _bound(seed, 0, 1 days));
        r.digest = verifier.signerSetUpdateDigest(
            epoch + 1, verifier.signerSetHash(r.addrs, r.w, r.t, r.exp)
        );
        bytes memory sigs = _forgeRotation(r, seed, mode % 7);
        if (sigs.length == 0) return;
        try verifier.rotate(r.addrs, r.w, r.t, r.exp, sigs) {
            ++forgedRotations;
        } catch {}
        if (verifier.currentEpoch() != before) ++forgedRotations;
    }

    struct Rot {
        uint256[] keys;
        address[] addrs;
        uint256[] w;
        uint256 t;
        uint64 exp;
        bytes32 digest;
    }

    function _forgeRotation(Rot memory r, uint256 seed, uint256 mode)
        internal
        view
        returns (bytes memory sigs)
    {
        if (mode == 0) {
            (sigs,) = _signMask(epoch, _subQuorumMask(epoch, seed), r.digest);
        } else if (mode == 1) {
            sigs = _sig(uint256(keccak256(abi.encode(seed))) % 1e30 + 1, r.digest);
        } else if (mode == 2) {
            (sigs,) = _signMask(epoch, type(uint256).max, r.digest);
            _highS(sigs, seed % (sigs.length / 65));
        } else if (mode == 3) {
            // A retained (previous) set signs: only the current set may rotate.
            if (epoch == GENESIS) return "";
            (sigs,) = _signMask(epoch - 1, type(uint256).max, r.digest);
        } else if (mode == 4) {
            (sigs,) = _signMask(
                epoch,
                type(uint256).max,
                verifier.signerSetUpdateDigest(
                    epoch + 2, verifier.signerSetHash(r.addrs, r.w, r.t, r.exp)
                )
            );
        } else if (mode == 5) {
            bytes memory one = _sig(r.keys[seed % r.keys.length], r.digest);
            (bytes memory sub,) = _signMask(epoch, _subQuorumMask(epoch, seed), r.digest);
            sigs = bytes.concat(one, one, sub);
        } else {
            // A valid quorum over a set with another threshold than the one submitted.
            (sigs,) = _signMask(epoch, type(uint256).max, r.digest);
            r.t = r.t == 1 ? 2 : r.t - 1;
        }
        if (sigs.length == 0) sigs = _sig(1, r.digest);
    }

    /// @notice Locks a leg for someone who did not approve the caller, or a leg that is not in the
    /// bundle id, or an already locked leg again.
    function attackLock(uint256 seed, uint256 who) external {
        ++attackerCalls;
        address depositor = actors[who % 3];
        address caller = actors[(who >> 8) % 3];
        if (caller == depositor || operatorGhost[depositor][caller]) caller = vm.addr(0xE11E);
        Leg memory leg = Leg({
            domain: router.domain(),
            router: MeshTypes.account(address(router)),
            depositor: MeshTypes.account(depositor),
            token: MeshTypes.account(address(tokens[seed % 2])),
            amount: _bound(seed >> 8, 1, 1e24),
            recipient: MeshTypes.account(caller),
            action: bytes32(0),
            kind: 0,
            origin: 0
        });
        Ctx memory c = Ctx(
            bytes32(0),
            bytes32(seed),
            uint64(block.timestamp + 1 hours),
            uint64(block.timestamp + 2 hours),
            0,
            new bytes32[](1)
        );
        c.hashes[0] = MeshTypes.legHash(leg);
        c.id = MeshTypes.bundleIdFromLegHashes(
            router.hubDomain(), c.creator, 0, c.lockDl, c.settleDl, c.hashes
        );
        uint256 mode = (seed >> 128) % 3;
        if (mode == 1) {
            // The depositor locks, but under a bundle id that does not commit to the leg.
            caller = depositor;
            c.id = keccak256(abi.encode(c.id));
        } else if (mode == 2 && legs.length != 0) {
            // The depositor re-locks an existing leg's slot.
            caller = depositor;
            c.id = legs[seed % legs.length].bundleId;
        }
        TestToken(_a(leg.token)).mint(depositor, leg.amount);
        vm.prank(depositor);
        TestToken(_a(leg.token)).approve(address(router), type(uint256).max);
        vm.prank(caller);
        try router.lock(c.id, 0, leg, c.lockDl, c.settleDl, c.creator, 0, c.hashes) {
            ++forgedLocks;
        } catch {}
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         RECONCILE                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Books every leg's status change: an end with a verdict the hub never signed, at the
    /// wrong time, or a second end, is counted.
    function _reconcile() internal {
        for (uint256 i; i < legs.length; ++i) {
            LegRef memory l = legs[i];
            IMeshRouter.LegStatus now_ = router.legStatus(l.bundleId, l.index);
            IMeshRouter.LegStatus was = cached[i];
            if (now_ == was) continue;
            cached[i] = now_;
            if (was != IMeshRouter.LegStatus.Locked || ++endCount[i] > 1) {
                ++doubleEnds;
                continue;
            }
            openSum[l.token] -= l.amount;
            uint256 opens = uint256(l.settleDeadline) + GRACE;
            if (now_ == IMeshRouter.LegStatus.Committed) {
                ++settledLegs;
                if (!signedLeaf[MeshTypes.settlementLeaf(l.bundleId, MeshTypes.COMMIT)]) {
                    ++forgedOutcomes;
                }
                if (block.timestamp >= opens) ++lateOutcomes;
            } else if (now_ == IMeshRouter.LegStatus.Aborted) {
                ++settledLegs;
                if (!signedLeaf[MeshTypes.settlementLeaf(l.bundleId, MeshTypes.ABORT)]) {
                    ++forgedOutcomes;
                }
            } else if (now_ == IMeshRouter.LegStatus.Refunded) {
                if (block.timestamp < opens) ++lateOutcomes;
            } else {
                ++forgedOutcomes;
            }
        }
    }
}
