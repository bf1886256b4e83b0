// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleProofLib} from "solady/utils/MerkleProofLib.sol";
import {ReentrancyGuardTransient} from "solady/utils/ReentrancyGuardTransient.sol";
import {SafeTransferLib} from "solady/utils/SafeTransferLib.sol";

import {ActionExecutor} from "./ActionExecutor.sol";
import {Action, Leg, LegProof, MeshTypes} from "./MeshTypes.sol";
import {MeshWrappedToken, MeshWrappedTokenFactory} from "./MeshWrappedToken.sol";
import {IMeshRouter} from "./interfaces/IMeshRouter.sol";
import {ISettlementVerifier} from "./interfaces/ISettlementVerifier.sol";

/// @title MeshRouter
/// @notice Escrows Atomic Mesh legs on this chain and applies the hub's signed verdicts:
/// COMMIT pays every leg's recipient, ABORT refunds every depositor, and once refunds open
/// (settle deadline + this chain's `REFUND_GRACE`) anyone can refund a leg without any
/// signature, so funds are never stuck.
/// @dev A verdict is trusted when its settlement leaf is under a batch root the
/// SettlementVerifier verified (one signature check per batch, then one Merkle proof per leg).
/// Settlements and refunds change the leg's state before the transfer they trigger; `lock`
/// records the escrow right after measuring the pull (it needs the measured amount). Every
/// state-changing entry point shares one reentrancy guard (transient storage: needs Cancun).
///
/// Time rule of a Locked leg, with `opens = settleDeadline + REFUND_GRACE` computed in uint256:
/// COMMIT while `now < opens`, ABORT at any time, `refundExpired` from `opens` on. The grace is
/// the delivery window of a COMMIT the hub decided before the settle deadline: without it a
/// COMMIT reaching chain A before the deadline and chain B after it would pay on A and refund
/// on B.
///
/// Actions: a leg may name (by hash) a call its COMMIT makes with the escrowed tokens, e.g. a
/// swap whose output goes to the recipient. Such a COMMIT applies only through `settleAction`,
/// where the relayer supplies the action. The call never runs from the router, which holds every
/// escrow, but from the router's own `ActionExecutor`, inside a self-call (`runAction`) with a
/// fixed gas budget: if anything in it fails, the tokens never left escrow and the recipient is
/// paid the escrowed tokens instead. The relayer must send enough gas for the whole budget
/// (`ActionGasTooLow` otherwise), so it cannot starve an action into that fallback.
///
/// Lock-and-mint (`Leg.kind`): a lock leg is escrowed like any leg, and its COMMIT moves it into
/// the router's reserve of that token instead of paying anyone; a mint leg locks nothing, and its
/// COMMIT (`settleUnlocked`) mints the router's `MeshWrappedToken` of (origin domain, origin
/// token) to the recipient. The way back: a burn leg escrows the wrapped token and its COMMIT
/// burns it; a release leg locks nothing and its COMMIT pays the recipient from the reserve, and
/// only from it (never from other legs' escrow). The hub registers a mint only beside a lock of
/// the same token and amount, a release only beside a burn, so the wrapped supply on every chain
/// equals the reserve on the origin chain.
contract MeshRouter is IMeshRouter, ReentrancyGuardTransient {
    using SafeTransferLib for address;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         IMMUTABLES                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev The verifier whose roots are trusted.
    ISettlementVerifier internal immutable _VERIFIER;

    /// @dev The hub's domain separator, copied from the verifier.
    bytes32 internal immutable _HUB_DOMAIN;

    /// @dev Seconds after the settle deadline during which COMMIT still applies and refunds stay
    /// closed (> 0).
    uint64 internal immutable _REFUND_GRACE;

    /// @dev The hub-assigned domain id of this chain (> 0): every leg escrowed here names it.
    uint64 internal immutable _DOMAIN;

    /// @dev The executor the router deployed to run actions.
    ActionExecutor internal immutable _EXECUTOR;

    /// @dev The factory the router deployed for its wrapped tokens (their CREATE2 deployer).
    MeshWrappedTokenFactory internal immutable _WRAPPED_FACTORY;

    /// @dev `keccak256` of the wrapped token's creation code (it takes no arguments).
    bytes32 internal immutable _WRAPPED_CODE_HASH;

    /// @dev `settleMany` skip reasons, as in `SettlementSkipped`.
    uint8 internal constant _SKIP_NOT_LOCKED = 1;
    uint8 internal constant _SKIP_EXPIRED = 2;
    uint8 internal constant _SKIP_TRANSFER_FAILED = 3;
    uint8 internal constant _SKIP_ACTION_REQUIRED = 4;

    /// @notice Gas `runAction` gets beyond the action's `gasLimit`: the transfer to the executor,
    /// the executor's approvals, balance reads and forwarding transfers (cold accounts, fresh
    /// balance slots), its `MARGIN`, and the two 1/64 withholdings of the calls runAction →
    /// executor → target (3.2 % of the gas limit: 320k at `MAX_ACTION_GAS`). A `MAX_ACTION_GAS`
    /// action with every account cold needs just over 500k (test/Actions.t.sol); the rest is
    /// headroom for costlier tokens. Unused gas is not charged: a relayer only needs a higher
    /// transaction gas limit.
    uint256 public constant ACTION_OVERHEAD = 600_000;

    /// @notice Gas `settleAction` keeps after the self-call for the fallback payment and the
    /// events.
    uint256 public constant ACTION_RESERVE = 100_000;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          STORAGE                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Storage form of an escrow. A COMMIT reads two slots (0 and 1); an amount that does
    /// not fit in 96 bits is kept in a fifth slot written only for such legs, a leg's action in
    /// a sixth written only for legs with an action.
    struct Stored {
        // Slot 0.
        address token;
        uint64 settleDeadline;
        LegStatus status;
        bool wideAmount;
        bool hasAction;
        uint8 kind;
        // Slot 1.
        address recipient;
        uint96 amount;
        // Slot 2.
        address depositor;
        // Slot 3.
        bytes32 legHash;
        // Slot 4, only when `wideAmount`.
        uint256 wide;
        // Slot 5, only when `hasAction`.
        bytes32 action;
    }

    /// @dev Escrows by `keccak256(abi.encode(bundleId, index))`.
    mapping(bytes32 key => Stored) internal _escrows;

    /// @inheritdoc IMeshRouter
    mapping(address depositor => mapping(address operator => bool)) public isOperator;

    /// @dev Origin tokens held as the backing of wrapped tokens elsewhere: raised by committed
    /// lock legs, lowered by committed release legs. Escrowed legs are never part of it.
    mapping(address token => uint256) internal _reserves;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        CONSTRUCTOR                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @param verifier_ The SettlementVerifier of the hub this router serves.
    /// @param domain_ The domain id the hub's chain registry assigned to this chain (> 0); legs
    /// naming another domain are refused (`WrongDomain`).
    /// @param refundGrace_ Seconds after a leg's settle deadline during which a signed COMMIT is
    /// still applied and refunds stay closed; > 0. Choose it above this chain's worst delivery
    /// delay of a batch (posting, inclusion, congestion).
    constructor(ISettlementVerifier verifier_, uint64 domain_, uint64 refundGrace_) {
        if (domain_ == 0) revert ZeroDomain();
        if (refundGrace_ == 0) revert ZeroRefundGrace();
        _VERIFIER = verifier_;
        _HUB_DOMAIN = verifier_.DOMAIN_SEPARATOR();
        _DOMAIN = domain_;
        _REFUND_GRACE = refundGrace_;
        _EXECUTOR = new ActionExecutor();
        _WRAPPED_FACTORY = new MeshWrappedTokenFactory();
        _WRAPPED_CODE_HASH = keccak256(type(MeshWrappedToken).creationCode);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                            LOCK                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @inheritdoc IMeshRouter
    function lock(
        bytes32 bundleId,
        uint32 index,
        Leg calldata leg,
        uint64 lockDeadline,
        uint64 settleDeadline,
        bytes32 creatorHash,
        uint64 nonce,
        bytes32[] calldata legHashes
    ) external nonReentrant returns (uint256 amount) {
        (address token, address depositor) = _checkLeg(leg, lockDeadline, settleDeadline);
        bytes32 hash = MeshTypes.legHash(leg);
        _checkMembership(
            bundleId, index, hash, lockDeadline, settleDeadline, creatorHash, nonce, legHashes
        );
        amount = _escrow(bundleId, index, token, depositor, leg, settleDeadline, hash);
    }

    /// @inheritdoc IMeshRouter
    function setOperator(address operator, bool approved) external {
        isOperator[msg.sender][operator] = approved;
        emit OperatorSet(msg.sender, operator, approved);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           SETTLE                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @inheritdoc IMeshRouter
    function settle(
        bytes32 bundleId,
        uint32 index,
        uint8 verdict,
        bytes32 batchRoot,
        bytes32[] calldata proof
    ) external nonReentrant {
        _checkVerdictProof(bundleId, verdict, batchRoot, proof);
        if (!_VERIFIER.isVerifiedRoot(batchRoot)) revert RootNotVerified(batchRoot);
        _settleLeg(bundleId, index, verdict);
    }

    /// @inheritdoc IMeshRouter
    function settleAction(
        bytes32 bundleId,
        uint32 index,
        bytes32 batchRoot,
        bytes32[] calldata proof,
        ActionCall calldata action
    ) external nonReentrant returns (bool executed) {
        _checkVerdictProof(bundleId, MeshTypes.COMMIT, batchRoot, proof);
        if (!_VERIFIER.isVerifiedRoot(batchRoot)) revert RootNotVerified(batchRoot);
        Stored storage e = _escrows[_key(bundleId, index)];
        _commitActionLeg(e, bundleId, index, action);
        address token = e.token;
        address recipient = e.recipient;
        uint256 amount = _amount(e, e.wideAmount);
        if (_callable(action)) {
            executed = _attempt(bundleId, index, token, amount, recipient, action);
        }
        if (!executed) {
            // The attempt reverted as a whole: the tokens are still here.
            token.safeTransfer(recipient, amount);
            emit ActionFellBack(bundleId, index);
        }
        emit LegSettled(bundleId, index, MeshTypes.COMMIT);
    }

    /// @inheritdoc IMeshRouter
    function settleUnlocked(
        uint32 index,
        uint8 verdict,
        bytes32 batchRoot,
        bytes32[] calldata proof,
        LegProof calldata p
    ) external nonReentrant {
        Leg calldata leg = p.leg;
        (bytes32 bundleId, bytes32 hash) = _checkUnlockedLeg(index, p);
        _checkVerdictProof(bundleId, verdict, batchRoot, proof);
        if (!_VERIFIER.isVerifiedRoot(batchRoot)) revert RootNotVerified(batchRoot);
        Stored storage e = _escrows[_key(bundleId, index)];
        LegStatus status = e.status;
        // Exactly once: the record of the end is what a second settlement finds.
        if (status != LegStatus.None) revert LegNotLocked(bundleId, index, status);
        e.kind = leg.kind;
        e.legHash = hash;
        e.settleDeadline = p.settleDeadline;
        if (verdict == MeshTypes.ABORT) {
            // Nothing was locked, so nothing moves.
            e.status = LegStatus.Aborted;
        } else {
            // As for a locked leg: once refunds open the lock this mint stands for may be refunded.
            uint256 opens = _refundOpensAt(p.settleDeadline);
            if (block.timestamp >= opens) revert SettlementExpired(opens, block.timestamp);
            e.status = LegStatus.Committed;
            e.token = _payUnlocked(leg);
        }
        emit LegSettled(bundleId, index, verdict);
    }

    /// @inheritdoc IMeshRouter
    /// @dev Not `nonReentrant`: `settleAction` holds the guard for the whole attempt, so nothing
    /// the action calls can enter the router's guarded functions, and nobody but the router can
    /// call this one.
    function runAction(
        bytes32 bundleId,
        uint32 index,
        address token,
        uint256 amount,
        address recipient,
        ActionCall calldata action
    ) external {
        if (msg.sender != address(this)) revert OnlySelf();
        token.safeTransfer(address(_EXECUTOR), amount);
        uint256 output = _EXECUTOR.run(
            token,
            amount,
            recipient,
            address(uint160(uint256(action.target))),
            action.data,
            address(uint160(uint256(action.outputToken))),
            action.minOut,
            action.gasLimit
        );
        emit ActionExecuted(bundleId, index, output);
    }

    /// @inheritdoc IMeshRouter
    function settleMany(bytes32 batchRoot, SettleItem[] calldata items)
        external
        nonReentrant
        returns (uint256 settled)
    {
        if (items.length == 0) revert NoItems();
        if (!_VERIFIER.isVerifiedRoot(batchRoot)) revert RootNotVerified(batchRoot);
        return _settleItems(batchRoot, items);
    }

    /// @inheritdoc IMeshRouter
    function settleBatch(
        uint64 epoch,
        uint64 batchIndex,
        bytes32 batchRoot,
        bytes calldata signatures,
        SettleItem[] calldata items
    ) external nonReentrant returns (uint256 settled) {
        if (items.length == 0) revert NoItems();
        if (batchRoot == bytes32(0)) revert ZeroRoot();
        if (!_VERIFIER.isVerifiedRoot(batchRoot)) {
            bytes32 digest = MeshTypes.typedDataDigest(
                _HUB_DOMAIN, MeshTypes.settlementBatchHash(epoch, batchIndex, batchRoot)
            );
            // Reverts unless the signatures reach the threshold of `epoch`'s set.
            _VERIFIER.checkSignatures(epoch, digest, signatures);
        }
        return _settleItems(batchRoot, items);
    }

    /// @inheritdoc IMeshRouter
    function settleMultiproof(
        bytes32 batchRoot,
        uint256 leafCount,
        MultiItem[] calldata items,
        bytes32[] calldata proof
    ) external nonReentrant returns (uint256 settled) {
        if (items.length == 0) revert NoItems();
        if (!_VERIFIER.isVerifiedRoot(batchRoot)) revert RootNotVerified(batchRoot);
        bytes32 computed = _multiproofRoot(leafCount, items, proof);
        if (computed != batchRoot) revert InvalidMultiproof(batchRoot, computed);
        for (uint256 i; i < items.length; ++i) {
            MultiItem calldata item = items[i];
            if (_trySettleLeg(item.bundleId, item.index, item.verdict)) {
                unchecked {
                    ++settled;
                }
            }
        }
    }

    /// @inheritdoc IMeshRouter
    function refundExpired(bytes32 bundleId, uint32 index) external nonReentrant {
        Stored storage e = _escrows[_key(bundleId, index)];
        (address token, uint64 deadline, LegStatus status, bool wide) =
            (e.token, e.settleDeadline, e.status, e.wideAmount);
        if (status != LegStatus.Locked) revert LegNotLocked(bundleId, index, status);
        uint256 opens = _refundOpensAt(deadline);
        if (block.timestamp < opens) revert NotExpired(opens, block.timestamp);
        e.status = LegStatus.Refunded;
        token.safeTransfer(e.depositor, _amount(e, wide));
        emit LegRefunded(bundleId, index);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           VIEWS                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @inheritdoc IMeshRouter
    function verifier() external view returns (ISettlementVerifier) {
        return _VERIFIER;
    }

    /// @inheritdoc IMeshRouter
    function actionExecutor() external view returns (address) {
        return address(_EXECUTOR);
    }

    /// @inheritdoc IMeshRouter
    function domain() external view returns (uint64) {
        return _DOMAIN;
    }

    /// @inheritdoc IMeshRouter
    function hubDomain() external view returns (bytes32) {
        return _HUB_DOMAIN;
    }

    /// @inheritdoc IMeshRouter
    function refundGrace() external view returns (uint64) {
        return _REFUND_GRACE;
    }

    /// @inheritdoc IMeshRouter
    function refundOpensAt(bytes32 bundleId, uint32 index) external view returns (uint256) {
        Stored storage e = _escrows[_key(bundleId, index)];
        if (e.status == LegStatus.None) return 0;
        return _refundOpensAt(e.settleDeadline);
    }

    /// @inheritdoc IMeshRouter
    function escrow(bytes32 bundleId, uint32 index) external view returns (Escrow memory) {
        Stored storage e = _escrows[_key(bundleId, index)];
        return Escrow({
            token: e.token,
            settleDeadline: e.settleDeadline,
            status: e.status,
            depositor: e.depositor,
            recipient: e.recipient,
            amount: _amount(e, e.wideAmount),
            legHash: e.legHash,
            action: e.hasAction ? e.action : bytes32(0)
        });
    }

    /// @inheritdoc IMeshRouter
    function wrappedToken(uint64 originDomain, bytes32 originToken)
        external
        view
        returns (address)
    {
        return _wrappedAddress(originDomain, originToken);
    }

    /// @inheritdoc IMeshRouter
    function reserveOf(address token) external view returns (uint256) {
        return _reserves[token];
    }

    /// @inheritdoc IMeshRouter
    function legStatus(bytes32 bundleId, uint32 index) external view returns (LegStatus) {
        return _escrows[_key(bundleId, index)].status;
    }

    /// @inheritdoc IMeshRouter
    function legHash(Leg calldata leg) external pure returns (bytes32) {
        return MeshTypes.legHash(leg);
    }

    /// @inheritdoc IMeshRouter
    function actionHash(ActionCall calldata action) external pure returns (bytes32) {
        return _actionHash(action);
    }

    /// @inheritdoc IMeshRouter
    function settlementLeaf(bytes32 bundleId, uint8 verdict) external pure returns (bytes32) {
        return MeshTypes.settlementLeaf(bundleId, verdict);
    }

    /// @inheritdoc IMeshRouter
    function computeBundleId(
        bytes32 creatorHash,
        uint64 nonce,
        uint64 lockDeadline,
        uint64 settleDeadline,
        bytes32[] calldata legHashes
    ) external view returns (bytes32) {
        return MeshTypes.bundleIdFromLegHashes(
            _HUB_DOMAIN, creatorHash, nonce, lockDeadline, settleDeadline, legHashes
        );
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         INTERNALS                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev The transient reentrancy guard is used on every chain (Cancun or later).
    function _useTransientReentrancyGuardOnlyOnMainnet() internal pure override returns (bool) {
        return false;
    }

    /// @dev `keccak256(abi.encode(bundleId, index))`.
    function _key(bytes32 bundleId, uint32 index) internal pure returns (bytes32 key) {
        /// @solidity memory-safe-assembly
        assembly {
            mstore(0x00, bundleId)
            mstore(0x20, index)
            key := keccak256(0x00, 0x40)
        }
    }

    /// @dev `settleDeadline + REFUND_GRACE` in 256 bits (never wraps: both are below 2^64).
    function _refundOpensAt(uint64 settleDeadline) internal view returns (uint256) {
        return uint256(settleDeadline) + _REFUND_GRACE;
    }

    /// @dev Applies an authenticated `verdict` (COMMIT or ABORT) to a leg, reverting unless the
    /// leg is Locked and, for COMMIT, refunds are not open yet and the leg has no action.
    function _settleLeg(bytes32 bundleId, uint32 index, uint8 verdict) internal {
        Stored storage e = _escrows[_key(bundleId, index)];
        (address token, uint64 deadline, LegStatus status, bool wide, bool hasAction) =
            (e.token, e.settleDeadline, e.status, e.wideAmount, e.hasAction);
        if (status != LegStatus.Locked) revert LegNotLocked(bundleId, index, status);
        address to;
        if (verdict == MeshTypes.COMMIT) {
            uint256 opens = _refundOpensAt(deadline);
            if (block.timestamp >= opens) revert SettlementExpired(opens, block.timestamp);
            if (hasAction) revert ActionRequired(bundleId, index);
            e.status = LegStatus.Committed;
            uint8 kind = e.kind;
            if (kind != MeshTypes.KIND_ESCROW) {
                _keep(kind, token, _amount(e, wide));
                emit LegSettled(bundleId, index, verdict);
                return;
            }
            to = e.recipient;
        } else {
            e.status = LegStatus.Aborted;
            to = e.depositor;
        }
        token.safeTransfer(to, _amount(e, wide));
        emit LegSettled(bundleId, index, verdict);
    }

    /// @dev Marks a leg Committed for `settleAction`, reverting unless it is Locked, refunds are
    /// not open yet and `action` is the leg's action.
    function _commitActionLeg(
        Stored storage e,
        bytes32 bundleId,
        uint32 index,
        ActionCall calldata action
    ) internal {
        (uint64 deadline, LegStatus status, bool hasAction) =
            (e.settleDeadline, e.status, e.hasAction);
        if (status != LegStatus.Locked) revert LegNotLocked(bundleId, index, status);
        uint256 opens = _refundOpensAt(deadline);
        if (block.timestamp >= opens) revert SettlementExpired(opens, block.timestamp);
        // A plain leg expects zero, which no action hashes to.
        bytes32 expected = hasAction ? e.action : bytes32(0);
        bytes32 got = _actionHash(action);
        if (got != expected) revert ActionMismatch(expected, got);
        e.status = LegStatus.Committed;
    }

    /// @dev Settles `items` under an authenticated `batchRoot`, skipping what cannot settle.
    function _settleItems(bytes32 batchRoot, SettleItem[] calldata items)
        internal
        returns (uint256 settled)
    {
        for (uint256 i; i < items.length; ++i) {
            SettleItem calldata item = items[i];
            bytes32 bundleId = item.bundleId;
            uint8 verdict = item.verdict;
            _checkVerdictProof(bundleId, verdict, batchRoot, item.proof);
            if (_trySettleLeg(bundleId, item.index, verdict)) {
                unchecked {
                    ++settled;
                }
            }
        }
    }

    /// @dev Applies an authenticated verdict to a leg, or skips it (with `SettlementSkipped`) if
    /// it is not Locked, if a COMMIT comes when refunds are open or for a leg with an action, or
    /// if the token transfer fails.
    function _trySettleLeg(bytes32 bundleId, uint32 index, uint8 verdict) internal returns (bool) {
        Stored storage e = _escrows[_key(bundleId, index)];
        (address token, uint64 deadline, LegStatus status, bool wide, bool hasAction) =
            (e.token, e.settleDeadline, e.status, e.wideAmount, e.hasAction);
        if (status != LegStatus.Locked) {
            emit SettlementSkipped(bundleId, index, _SKIP_NOT_LOCKED);
            return false;
        }
        address to;
        if (verdict == MeshTypes.COMMIT) {
            if (block.timestamp >= _refundOpensAt(deadline)) {
                emit SettlementSkipped(bundleId, index, _SKIP_EXPIRED);
                return false;
            }
            if (hasAction) {
                emit SettlementSkipped(bundleId, index, _SKIP_ACTION_REQUIRED);
                return false;
            }
            e.status = LegStatus.Committed;
            uint8 kind = e.kind;
            if (kind != MeshTypes.KIND_ESCROW) {
                // Our own reserve entry or our own wrapped token's burn: cannot fail.
                _keep(kind, token, _amount(e, wide));
                emit LegSettled(bundleId, index, verdict);
                return true;
            }
            to = e.recipient;
        } else {
            e.status = LegStatus.Aborted;
            to = e.depositor;
        }
        if (!_tryTransfer(token, to, _amount(e, wide))) {
            e.status = LegStatus.Locked;
            emit SettlementSkipped(bundleId, index, _SKIP_TRANSFER_FAILED);
            return false;
        }
        emit LegSettled(bundleId, index, verdict);
        return true;
    }

    /// @dev Root of the batch tree of `leafCount` leaves from the items' leaves (at their
    /// `leafIndex`, ascending; equal indices must carry the same bundle and verdict) and the
    /// missing siblings in `proof`, level by level from the leaves up, left to right. Follows
    /// docs/protocol.md section 4: sorted-pair hashing, an odd last node is carried up.
    /// Exact: `leafCount` is bounded by the hub's maximum batch size (so no arithmetic of the fold
    /// can wrap), every leaf index is below it, every proof element is consumed and the fold
    /// ends in one node that every item's leaf was hashed into.
    function _multiproofRoot(
        uint256 leafCount,
        MultiItem[] calldata items,
        bytes32[] calldata proof
    ) internal pure returns (bytes32) {
        if (leafCount == 0 || leafCount > MeshTypes.MAX_BATCH_SIZE) {
            revert LeafCountOutOfRange(leafCount);
        }
        uint256 n = items.length;
        // At most every leg of every bundle of the batch (leafCount ≤ 256: no overflow).
        uint256 maxItems = leafCount * MeshTypes.MAX_LEGS;
        if (n > maxItems) revert TooManyItems(n, maxItems);
        uint256[] memory pos = new uint256[](n);
        bytes32[] memory node = new bytes32[](n);
        uint256 k;
        for (uint256 i; i < n; ++i) {
            MultiItem calldata item = items[i];
            uint8 verdict = item.verdict;
            if (verdict != MeshTypes.COMMIT && verdict != MeshTypes.ABORT) {
                revert InvalidVerdict(verdict);
            }
            uint256 p = item.leafIndex;
            if (p >= leafCount) revert LeafIndexOutOfRange(p, leafCount);
            bytes32 leaf = MeshTypes.settlementLeaf(item.bundleId, verdict);
            if (k != 0 && p <= pos[k - 1]) {
                // Legs of one bundle share its leaf; anything else must ascend.
                if (p != pos[k - 1] || leaf != node[k - 1]) revert LeavesNotAscending(i);
                continue;
            }
            pos[k] = p;
            node[k] = leaf;
            ++k;
        }
        return _foldLevels(leafCount, pos, node, k, proof);
    }

    /// @dev Folds the known nodes (`k` ≥ 1 of them, at strictly ascending positions `pos`, all
    /// below `size`) level by level up to the root, taking missing siblings from `proof` in
    /// order. Reuses `pos` and `node`. Requires `1 ≤ size ≤ MAX_BATCH_SIZE` (checked by the
    /// caller), so `size + 1`, `p + 1` and `j + 2` cannot wrap; reverts unless every proof
    /// element was used and exactly one node is left.
    function _foldLevels(
        uint256 size,
        uint256[] memory pos,
        bytes32[] memory node,
        uint256 k,
        bytes32[] calldata proof
    ) internal pure returns (bytes32 root) {
        /// @solidity memory-safe-assembly
        assembly {
            let next := 0
            for {} gt(size, 1) { size := shr(1, add(size, 1)) } {
                let up := 0
                for { let j := 0 } lt(j, k) { j := add(j, 1) } {
                    let p := mload(add(pos, shl(5, add(j, 1))))
                    let h := mload(add(node, shl(5, add(j, 1))))
                    // mode 0: carried up; 1: sibling from the proof; 2: sibling is known.
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
                        if eq(next, proof.length) {
                            mstore(0x00, 0xbf391dce) // `MultiproofTooShort()`.
                            revert(0x1c, 0x04)
                        }
                        sibling := calldataload(add(proof.offset, shl(5, next)))
                        next := add(next, 1)
                    }
                    if mode {
                        // Sorted pair: keccak256(min ‖ max).
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
            if iszero(eq(next, proof.length)) {
                mstore(0x00, 0xf0b6cb4e) // `MultiproofTooLong(uint256)`.
                mstore(0x20, sub(proof.length, next))
                revert(0x1c, 0x24)
            }
            // Every item must have been folded into one single node: the root.
            if iszero(eq(k, 1)) {
                mstore(0x00, 0x112b57ee) // `MultiproofNotSingleRoot(uint256)`.
                mstore(0x20, k)
                revert(0x1c, 0x24)
            }
            root := mload(add(node, 0x20))
        }
    }

    /// @dev `MeshTypes.actionHash` of a supplied action.
    function _actionHash(ActionCall calldata action) internal pure returns (bytes32) {
        return MeshTypes.actionHash(
            Action({
                target: action.target,
                dataHash: keccak256(action.data),
                outputToken: action.outputToken,
                minOut: action.minOut,
                gasLimit: action.gasLimit
            })
        );
    }

    /// @dev Whether an action may be called at all: a gas limit in `[1, MAX_ACTION_GAS]`,
    /// EVM-shaped target and output token, a target with code. Otherwise its recipient is paid
    /// directly, the same way whoever settles it.
    function _callable(ActionCall calldata action) internal view returns (bool) {
        uint64 gasLimit = action.gasLimit;
        bytes32 target = action.target;
        return gasLimit != 0 && gasLimit <= MeshTypes.MAX_ACTION_GAS
            && MeshTypes.isEvmAccount(target) && MeshTypes.isEvmAccount(action.outputToken)
            && address(uint160(uint256(target))).code.length != 0;
    }

    /// @dev Runs `runAction` as a self-call with exactly `gasLimit + ACTION_OVERHEAD` gas, copying
    /// no return data (a revert payload cannot cost the router anything); returns whether it
    /// succeeded. Refuses to start with less gas than the call and the fallback need, so that
    /// the outcome depends on the action alone, never on the gas the relayer sent.
    function _attempt(
        bytes32 bundleId,
        uint32 index,
        address token,
        uint256 amount,
        address recipient,
        ActionCall calldata action
    ) internal returns (bool success) {
        bytes memory data = abi.encodeCall(
            this.runAction, (bundleId, index, token, amount, recipient, action)
        );
        uint256 budget = uint256(action.gasLimit) + ACTION_OVERHEAD;
        // The call keeps 1/64 of what is left: with `budget + budget / 63` the callee gets all
        // of `budget`.
        uint256 needed = budget + budget / 63 + ACTION_RESERVE;
        uint256 available = gasleft();
        if (available < needed) revert ActionGasTooLow(available, needed);
        /// @solidity memory-safe-assembly
        assembly {
            success := call(budget, address(), 0, add(data, 0x20), mload(data), 0, 0)
        }
    }

    /// @dev The escrowed amount (from slot 1, or slot 4 when `wide`).
    function _amount(Stored storage e, bool wide) internal view returns (uint256) {
        return wide ? e.wide : e.amount;
    }

    /// @dev The 20-byte address of an EVM-shaped account id; reverts `NotAnEvmAccount` unless
    /// its top 12 bytes are zero.
    function _evm(bytes32 id) internal pure returns (address) {
        if (!MeshTypes.isEvmAccount(id)) revert NotAnEvmAccount(id);
        return address(uint160(uint256(id)));
    }

    /// @dev The leg-level checks of `lock`; returns the leg's token and depositor as addresses.
    function _checkLeg(Leg calldata leg, uint64 lockDeadline, uint64 settleDeadline)
        internal
        view
        returns (address token, address depositor)
    {
        if (leg.domain != _DOMAIN) revert WrongDomain(_DOMAIN, leg.domain);
        address router = _evm(leg.router);
        depositor = _evm(leg.depositor);
        token = _lockedToken(leg);
        address recipient = _evm(leg.recipient);
        if (router != address(this)) revert WrongRouter(router, address(this));
        if (msg.sender != depositor && !isOperator[depositor][msg.sender]) {
            revert NotDepositorOrOperator(msg.sender, depositor);
        }
        if (block.timestamp > lockDeadline) {
            revert LockDeadlinePassed(lockDeadline, block.timestamp);
        }
        if (lockDeadline >= settleDeadline) {
            revert DeadlinesOutOfOrder(lockDeadline, settleDeadline);
        }
        if (leg.amount == 0) revert ZeroAmount();
        if (recipient == address(0)) revert ZeroRecipient();
        // Whatever the executor holds goes to the next action's recipient.
        if (recipient == address(_EXECUTOR)) revert RecipientIsExecutor();
        if (token.code.length == 0) revert TokenHasNoCode(token);
    }

    /// @dev The token a leg escrows, by its kind: the leg's token for an escrow or lock leg, the
    /// router's wrapped token of (origin, token) for a burn leg (which must exist: nobody holds
    /// one otherwise). Mint and release legs lock nothing; only an escrow leg has an action.
    function _lockedToken(Leg calldata leg) internal view returns (address token) {
        uint8 kind = leg.kind;
        uint64 origin = leg.origin;
        if (kind > MeshTypes.KIND_RELEASE) revert UnknownKind(kind);
        if (kind == MeshTypes.KIND_MINT || kind == MeshTypes.KIND_RELEASE) {
            revert LegLocksNothing(kind);
        }
        if (kind != MeshTypes.KIND_ESCROW && leg.action != bytes32(0)) revert ActionOnKind(kind);
        if (kind == MeshTypes.KIND_BURN) {
            if (origin == 0 || origin == _DOMAIN) revert BadOrigin(kind, origin);
            token = _wrappedAddress(origin, leg.token);
            if (token.code.length == 0) revert WrappedTokenNotDeployed(origin, leg.token);
        } else {
            if (origin != 0) revert BadOrigin(kind, origin);
            token = _evm(leg.token);
        }
    }

    /// @dev Checks that `p.leg` is an unlocked (mint or release) leg of this router and leg
    /// `index` of the bundle `p` describes; returns that bundle's id and the leg's hash.
    function _checkUnlockedLeg(uint32 index, LegProof calldata p)
        internal
        view
        returns (bytes32 bundleId, bytes32 hash)
    {
        Leg calldata leg = p.leg;
        uint8 kind = leg.kind;
        if (kind != MeshTypes.KIND_MINT && kind != MeshTypes.KIND_RELEASE) {
            revert NotAnUnlockedLeg(kind);
        }
        if (leg.domain != _DOMAIN) revert WrongDomain(_DOMAIN, leg.domain);
        address router = _evm(leg.router);
        if (router != address(this)) revert WrongRouter(router, address(this));
        hash = MeshTypes.legHash(leg);
        bundleId = MeshTypes.bundleIdFromLegHashes(
            _HUB_DOMAIN, p.creatorHash, p.nonce, p.lockDeadline, p.settleDeadline, p.legHashes
        );
        _checkMembership(
            bundleId,
            index,
            hash,
            p.lockDeadline,
            p.settleDeadline,
            p.creatorHash,
            p.nonce,
            p.legHashes
        );
    }

    /// @dev Pays a committed mint leg (mints the wrapped token, deploying it at its first mint)
    /// or release leg (from the reserve only); returns the token paid.
    function _payUnlocked(Leg calldata leg) internal returns (address token) {
        address recipient = _evm(leg.recipient);
        if (recipient == address(0)) revert ZeroRecipient();
        uint256 amount = leg.amount;
        if (amount == 0) revert ZeroAmount();
        uint64 origin = leg.origin;
        if (leg.kind == MeshTypes.KIND_MINT) {
            if (origin == 0 || origin == _DOMAIN) revert BadOrigin(leg.kind, origin);
            token = _wrappedAddress(origin, leg.token);
            if (token.code.length == 0) {
                _WRAPPED_FACTORY.deploy(origin, leg.token);
                emit WrappedTokenDeployed(origin, leg.token, token);
            }
            MeshWrappedToken(token).mint(recipient, amount);
        } else {
            if (origin != 0) revert BadOrigin(leg.kind, origin);
            token = _evm(leg.token);
            uint256 reserve = _reserves[token];
            if (reserve < amount) revert InsufficientReserve(token, reserve, amount);
            unchecked {
                reserve -= amount;
            }
            _reserves[token] = reserve;
            emit ReserveChanged(token, reserve);
            token.safeTransfer(recipient, amount);
        }
    }

    /// @dev A committed lock leg's tokens join the reserve; a committed burn leg's wrapped tokens
    /// (escrowed here) are burned. Nothing leaves the router.
    function _keep(uint8 kind, address token, uint256 amount) internal {
        if (kind == MeshTypes.KIND_LOCK) {
            uint256 reserve = _reserves[token] + amount;
            _reserves[token] = reserve;
            emit ReserveChanged(token, reserve);
        } else {
            MeshWrappedToken(token).burn(amount);
        }
    }

    /// @dev The CREATE2 address (deployer: the factory) of the wrapped token of
    /// (`originDomain`, `originToken`), deployed or not.
    function _wrappedAddress(uint64 originDomain, bytes32 originToken)
        internal
        view
        returns (address)
    {
        bytes32 salt = keccak256(abi.encode(originDomain, originToken));
        return address(
            uint160(
                uint256(
                    keccak256(
                        abi.encodePacked(
                            bytes1(0xff), address(_WRAPPED_FACTORY), salt, _WRAPPED_CODE_HASH
                        )
                    )
                )
            )
        );
    }

    /// @dev Pulls a checked leg's tokens, records its escrow and emits `LegLocked`; `token` and
    /// `depositor` are the leg's (EVM-shaped, checked) accounts as addresses.
    function _escrow(
        bytes32 bundleId,
        uint32 index,
        address token,
        address depositor,
        Leg calldata leg,
        uint64 settleDeadline,
        bytes32 hash
    ) internal returns (uint256 amount) {
        Stored storage e = _escrows[_key(bundleId, index)];
        if (e.status != LegStatus.None) revert LegAlreadyLocked(bundleId, index);
        amount = _pull(token, depositor, leg.amount);
        bool wide = amount > type(uint96).max;
        e.token = token;
        e.settleDeadline = settleDeadline;
        e.status = LegStatus.Locked;
        e.wideAmount = wide;
        e.recipient = address(uint160(uint256(leg.recipient)));
        // forge-lint: disable-next-line(unsafe-typecast)
        e.amount = wide ? 0 : uint96(amount);
        e.depositor = depositor;
        e.legHash = hash;
        if (wide) e.wide = amount;
        bytes32 action = leg.action;
        if (action != bytes32(0)) {
            e.hasAction = true;
            e.action = action;
        }
        uint8 kind = leg.kind;
        if (kind != MeshTypes.KIND_ESCROW) e.kind = kind;
        emit LegLocked(bundleId, index, hash, leg.depositor, leg.token, amount, settleDeadline);
    }

    /// @dev Checks that the leg hashing to `hash` is leg `index` of bundle `bundleId`.
    function _checkMembership(
        bytes32 bundleId,
        uint32 index,
        bytes32 hash,
        uint64 lockDeadline,
        uint64 settleDeadline,
        bytes32 creatorHash,
        uint64 nonce,
        bytes32[] calldata legHashes
    ) internal view {
        uint256 count = legHashes.length;
        if (count == 0 || count > MeshTypes.MAX_LEGS) revert BadLegCount(count);
        if (index >= count) revert LegIndexOutOfRange(index, count);
        if (legHashes[index] != hash) revert LegNotInBundle(index, hash, legHashes[index]);
        bytes32 computed = MeshTypes.bundleIdFromLegHashes(
            _HUB_DOMAIN, creatorHash, nonce, lockDeadline, settleDeadline, legHashes
        );
        if (computed != bundleId) revert BundleIdMismatch(bundleId, computed);
    }

    /// @dev Checks a verdict code and its Merkle proof under `batchRoot`.
    function _checkVerdictProof(
        bytes32 bundleId,
        uint8 verdict,
        bytes32 batchRoot,
        bytes32[] calldata proof
    ) internal pure {
        if (verdict != MeshTypes.COMMIT && verdict != MeshTypes.ABORT) {
            revert InvalidVerdict(verdict);
        }
        bytes32 leaf = MeshTypes.settlementLeaf(bundleId, verdict);
        if (!MerkleProofLib.verifyCalldata(proof, batchRoot, leaf)) {
            revert InvalidProof(bundleId, verdict, batchRoot);
        }
    }

    /// @dev Pulls `amount` of `token` from `from` and returns the measured balance increase,
    /// which must be at least `amount` (fee-on-transfer tokens are refused).
    function _pull(address token, address from, uint256 amount)
        internal
        returns (uint256 received)
    {
        uint256 before = SafeTransferLib.balanceOf(token, address(this));
        token.safeTransferFrom(from, address(this), amount);
        uint256 afterwards = SafeTransferLib.balanceOf(token, address(this));
        unchecked {
            received = afterwards > before ? afterwards - before : 0;
        }
        if (received < amount) revert InsufficientReceived(amount, received);
    }

    /// @dev `SafeTransferLib.safeTransfer` that returns false instead of reverting.
    function _tryTransfer(address token, address to, uint256 amount)
        internal
        returns (bool success)
    {
        /// @solidity memory-safe-assembly
        assembly {
            mstore(0x14, to) // Store the `to` argument.
            mstore(0x34, amount) // Store the `amount` argument.
            mstore(0x00, 0xa9059cbb000000000000000000000000) // `transfer(address,uint256)`.
            success := call(gas(), token, 0, 0x10, 0x44, 0x00, 0x20)
            if iszero(and(eq(mload(0x00), 1), success)) {
                // Accept a call that succeeded without return data to a contract.
                success := lt(or(iszero(extcodesize(token)), returndatasize()), success)
            }
            mstore(0x34, 0) // Restore the part of the free memory pointer that was overwritten.
        }
    }
}
