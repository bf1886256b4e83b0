// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Leg, LegProof} from "../MeshTypes.sol";
import {ISettlementVerifier} from "./ISettlementVerifier.sol";

/// @title IMeshRouter
/// @notice Escrows the legs of Atomic Mesh bundles on one chain and applies the hub's verdicts.
/// @dev Leg lifecycle: None → Locked → exactly one of Committed (paid to the recipient),
/// Aborted (refunded on an ABORT verdict) or Refunded (refunded once refunds opened).
///
/// Time rule of a Locked leg (`refundOpensAt = settleDeadline + refundGrace`, in uint256): a
/// signed COMMIT is applied while `block.timestamp < refundOpensAt`; an ABORT at any time;
/// `refundExpired` from `refundOpensAt` on. COMMIT and refund are thus never both possible, and
/// the per-chain `refundGrace` is the delivery window: the hub only COMMITs a bundle before its
/// `settleDeadline`, and a COMMIT delivered to every chain of the bundle within `refundGrace`
/// after that pays on every chain (atomicity no longer rests on an unenforced delivery deadline).
///
/// Actions: a leg whose `action` is not zero is paid on COMMIT only through `settleAction`, which
/// runs the action (a call made by the router's `actionExecutor` with the escrowed tokens,
/// whose output goes to the recipient) and pays the recipient the escrowed tokens themselves if
/// the action cannot run or fails. Either way the leg ends Committed, once.
interface IMeshRouter {
    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                       TYPES                                */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice Where a leg is in its lifecycle.
    enum LegStatus {
        None,
        Locked,
        Committed,
        Aborted,
        Refunded
    }

    /// @notice An escrowed leg.
    /// @param token The ERC-20 escrowed.
    /// @param settleDeadline The bundle's settle deadline; COMMIT is accepted and refunds stay
    /// closed until `settleDeadline + refundGrace()` (see `refundOpensAt`).
    /// @param status The leg's state.
    /// @param depositor Who locked the leg and is refunded.
    /// @param recipient Who is paid on COMMIT.
    /// @param amount The amount the router measured when locking (≥ the leg's amount).
    /// @param legHash `hashStruct(Leg)`, as emitted in `LegLocked`.
    /// @param action The leg's `action` (`MeshTypes.actionHash`), zero for a plain leg.
    struct Escrow {
        address token;
        uint64 settleDeadline;
        LegStatus status;
        address depositor;
        address recipient;
        uint256 amount;
        bytes32 legHash;
        bytes32 action;
    }

    /// @notice The action of a leg, as a relayer supplies it to `settleAction`; it must hash
    /// (`MeshTypes.actionHash`, with `dataHash = keccak256(data)`) to the leg's `action`.
    /// @param target The contract called; an EVM address left-padded to 32 bytes.
    /// @param data The calldata.
    /// @param outputToken The token the recipient must gain; an EVM address left-padded.
    /// @param minOut The least output-token balance increase of the recipient.
    /// @param gasLimit The exact gas the target is called with (1 to `MAX_ACTION_GAS`).
    struct ActionCall {
        bytes32 target;
        bytes data;
        bytes32 outputToken;
        uint256 minOut;
        uint64 gasLimit;
    }

    /// @notice One leg to settle in `settleMany`.
    /// @param bundleId The bundle's id.
    /// @param index The leg's index in the bundle.
    /// @param verdict 1 = COMMIT, 2 = ABORT.
    /// @param proof Merkle siblings of `settlementLeaf(bundleId, verdict)`, leaf level first.
    struct SettleItem {
        bytes32 bundleId;
        uint32 index;
        uint8 verdict;
        bytes32[] proof;
    }

    /// @notice One leg to settle in `settleMultiproof`.
    /// @param bundleId The bundle's id.
    /// @param index The leg's index in the bundle.
    /// @param verdict 1 = COMMIT, 2 = ABORT.
    /// @param leafIndex Position of `settlementLeaf(bundleId, verdict)` in the batch.
    struct MultiItem {
        bytes32 bundleId;
        uint32 index;
        uint8 verdict;
        uint32 leafIndex;
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           EVENTS                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice A leg's tokens were escrowed (normative: docs/protocol.md, section 6).
    /// @param bundleId The bundle's id.
    /// @param index The leg's index in the bundle.
    /// @param legHash `hashStruct(Leg)` of the leg.
    /// @param depositor The leg's depositor, as its 32-byte account id (a left-padded address).
    /// @param token The ERC-20 escrowed, as its 32-byte account id (a left-padded address).
    /// @param amount The balance increase the router measured (≥ the leg's amount).
    /// @param settleDeadline The bundle's settle deadline.
    event LegLocked(
        bytes32 indexed bundleId,
        uint32 indexed index,
        bytes32 legHash,
        bytes32 indexed depositor,
        bytes32 token,
        uint256 amount,
        uint64 settleDeadline
    );

    /// @notice A verdict was applied to a leg: COMMIT paid the escrow to the recipient, ABORT
    /// refunded it to the depositor (both are in `escrow(bundleId, index)` and `LegLocked`).
    /// @param bundleId The bundle's id.
    /// @param index The leg's index in the bundle.
    /// @param verdict 1 = COMMIT, 2 = ABORT.
    event LegSettled(bytes32 indexed bundleId, uint32 indexed index, uint8 verdict);

    /// @notice The router deployed its wrapped token of an origin token (at its first mint).
    /// @param originDomain The origin token's domain.
    /// @param originToken The origin token's account id.
    /// @param wrapped The wrapped token's address (`wrappedToken(originDomain, originToken)`).
    event WrappedTokenDeployed(
        uint64 indexed originDomain, bytes32 indexed originToken, address wrapped
    );

    /// @notice The reserve of `token` changed (a lock leg committed, or a release leg paid).
    /// @param token The origin token.
    /// @param reserve The new reserve.
    event ReserveChanged(address indexed token, uint256 reserve);

    /// @notice A leg was refunded to its depositor once refunds opened (settle deadline + refund
    /// grace), without a verdict.
    /// @param bundleId The bundle's id.
    /// @param index The leg's index in the bundle.
    event LegRefunded(bytes32 indexed bundleId, uint32 indexed index);

    /// @notice `settleMany` or `settleBatch` left a leg as it was.
    /// @param bundleId The bundle's id.
    /// @param index The leg's index in the bundle.
    /// @param reason 1 = not locked (never locked, or already ended), 2 = COMMIT while refunds
    /// are open (at or after `settleDeadline + refundGrace`), 3 = the token transfer failed,
    /// 4 = COMMIT of a leg with an action (left Locked for `settleAction`).
    event SettlementSkipped(bytes32 indexed bundleId, uint32 indexed index, uint8 reason);

    /// @notice A committed leg's action ran: the recipient gained `output` of the action's
    /// output token (≥ its `minOut`). Followed by `LegSettled(bundleId, index, COMMIT)`.
    /// @param bundleId The bundle's id.
    /// @param index The leg's index in the bundle.
    /// @param output The recipient's output-token balance increase.
    event ActionExecuted(bytes32 indexed bundleId, uint32 indexed index, uint256 output);

    /// @notice A committed leg's action could not run (gas limit zero or above `MAX_ACTION_GAS`,
    /// a target or output token that is not an EVM address, a target without code) or failed
    /// (reverted, or less than `minOut` output): the recipient was paid the escrowed tokens
    /// themselves. Followed by `LegSettled(bundleId, index, COMMIT)`.
    /// @param bundleId The bundle's id.
    /// @param index The leg's index in the bundle.
    event ActionFellBack(bytes32 indexed bundleId, uint32 indexed index);

    /// @notice `depositor` allowed or disallowed `operator` to lock legs on its behalf.
    /// @param depositor The depositor.
    /// @param operator The operator.
    /// @param approved Whether the operator may lock.
    event OperatorSet(address indexed depositor, address indexed operator, bool approved);

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        CUSTOM ERRORS                       */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice The leg is for domain `got`, not this router's domain `expected`.
    error WrongDomain(uint64 expected, uint64 got);
    /// @notice `account` is not a 20-byte EVM address left-padded to 32 bytes (its top 12 bytes
    /// are not zero): a leg on an EVM chain names only EVM accounts.
    error NotAnEvmAccount(bytes32 account);
    /// @notice The router was deployed with domain zero (the hub assigns positive domain ids).
    error ZeroDomain();
    /// @notice The leg is for router `legRouter`, not this router.
    error WrongRouter(address legRouter, address router);
    /// @notice `caller` is neither the leg's depositor `depositor` nor an operator it approved.
    error NotDepositorOrOperator(address caller, address depositor);
    /// @notice The lock deadline `lockDeadline` passed (now `timestamp`).
    error LockDeadlinePassed(uint64 lockDeadline, uint256 timestamp);
    /// @notice `lockDeadline` is not before `settleDeadline`.
    error DeadlinesOutOfOrder(uint64 lockDeadline, uint64 settleDeadline);
    /// @notice The leg's amount is zero.
    error ZeroAmount();
    /// @notice The leg's recipient is the zero address.
    error ZeroRecipient();
    /// @notice The leg's token `token` has no code.
    error TokenHasNoCode(address token);
    /// @notice The bundle has `count` legs; 1 to 16 are allowed.
    error BadLegCount(uint256 count);
    /// @notice Leg index `index` is not below the bundle's leg count `count`.
    error LegIndexOutOfRange(uint32 index, uint256 count);
    /// @notice The leg hashes to `legHash` but the bundle's leg `index` is `expected`.
    error LegNotInBundle(uint32 index, bytes32 legHash, bytes32 expected);
    /// @notice The bundle fields hash to `computed`, not to the given `bundleId`.
    error BundleIdMismatch(bytes32 bundleId, bytes32 computed);
    /// @notice Leg `index` of `bundleId` was already locked.
    error LegAlreadyLocked(bytes32 bundleId, uint32 index);
    /// @notice The router received `received`, less than the leg's amount `expected`.
    error InsufficientReceived(uint256 expected, uint256 received);
    /// @notice `verdict` is neither COMMIT (1) nor ABORT (2).
    error InvalidVerdict(uint8 verdict);
    /// @notice Leg `index` of `bundleId` is `status`, not Locked.
    error LegNotLocked(bytes32 bundleId, uint32 index, LegStatus status);
    /// @notice `root` was not verified by the SettlementVerifier.
    error RootNotVerified(bytes32 root);
    /// @notice The proof does not place the leaf of (`bundleId`, `verdict`) under `root`.
    error InvalidProof(bytes32 bundleId, uint8 verdict, bytes32 root);
    /// @notice COMMIT refused: refunds opened at `refundOpensAt` (settle deadline + refund grace;
    /// now `timestamp`).
    error SettlementExpired(uint256 refundOpensAt, uint256 timestamp);
    /// @notice Refund refused: refunds open at `refundOpensAt` (settle deadline + refund grace),
    /// still ahead (now `timestamp`).
    error NotExpired(uint256 refundOpensAt, uint256 timestamp);
    /// @notice The router was deployed with a refund grace of zero.
    error ZeroRefundGrace();
    /// @notice `settleMany` or `settleBatch` was called with no item.
    error NoItems();
    /// @notice A batch root of zero is never valid.
    error ZeroRoot();
    /// @notice Multiproof batch size `leafCount` is zero or above the hub's maximum batch size
    /// (`MeshTypes.MAX_BATCH_SIZE` = 256).
    error LeafCountOutOfRange(uint256 leafCount);
    /// @notice The multiproof has `count` items, more than `max` (16 legs per leaf of the batch).
    error TooManyItems(uint256 count, uint256 max);
    /// @notice Multiproof leaf index `leafIndex` is not below the batch size `leafCount`.
    error LeafIndexOutOfRange(uint256 leafIndex, uint256 leafCount);
    /// @notice Multiproof item `item` is not after the previous one (equal leaf indices must
    /// carry the same bundle and verdict).
    error LeavesNotAscending(uint256 item);
    /// @notice The multiproof ran out of siblings.
    error MultiproofTooShort();
    /// @notice The multiproof has `extra` unused siblings.
    error MultiproofTooLong(uint256 extra);
    /// @notice The multiproof fold ended with `nodes` nodes instead of one root.
    error MultiproofNotSingleRoot(uint256 nodes);
    /// @notice The multiproof yields `computed`, not the batch root `root`.
    error InvalidMultiproof(bytes32 root, bytes32 computed);
    /// @notice A token transfer out of escrow failed (raised by solady's SafeTransferLib).
    error TransferFailed();
    /// @notice Pulling the tokens from the depositor failed: no allowance, no balance, or the
    /// token returned false (raised by solady's SafeTransferLib).
    error TransferFromFailed();
    /// @notice Leg `index` of `bundleId` has an action: its COMMIT applies only through
    /// `settleAction`.
    error ActionRequired(bytes32 bundleId, uint32 index);
    /// @notice The supplied action hashes to `got`, not to the leg's `action` `expected` (zero
    /// for a leg without an action).
    error ActionMismatch(bytes32 expected, bytes32 got);
    /// @notice `settleAction` has `available` gas, less than `needed` (the action's gas limit,
    /// `ACTION_OVERHEAD`, the 1/63 a call withholds and `ACTION_RESERVE`): refused rather than
    /// letting the relayer's gas decide whether the action runs.
    error ActionGasTooLow(uint256 available, uint256 needed);
    /// @notice `runAction` was called by someone other than the router itself.
    error OnlySelf();
    /// @notice The leg's recipient is the router's action executor, which must hold nothing
    /// between actions.
    error RecipientIsExecutor();

    /// @notice `lock` got a mint or release leg: those lock nothing (`settleUnlocked` settles them).
    error LegLocksNothing(uint8 kind);

    /// @notice The leg's kind is not one of `MeshTypes.KIND_*`.
    error UnknownKind(uint8 kind);

    /// @notice A lock-and-mint leg carries an action; only escrow legs may.
    error ActionOnKind(uint8 kind);

    /// @notice A mint or burn leg names no origin domain or this one, or another kind names one.
    error BadOrigin(uint8 kind, uint64 origin);

    /// @notice A burn leg's wrapped token does not exist here yet (so nobody holds any).
    error WrappedTokenNotDeployed(uint64 originDomain, bytes32 originToken);

    /// @notice `settleUnlocked` got a leg that is neither a mint nor a release leg.
    error NotAnUnlockedLeg(uint8 kind);

    /// @notice A release leg asks for more than the reserve of its token holds.
    error InsufficientReserve(address token, uint256 reserve, uint256 amount);

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                      STATE-CHANGING                        */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice Escrows leg `index` of bundle `bundleId`, pulling `leg.amount` of `leg.token` from
    /// the depositor (who must have approved this router).
    /// @dev The caller proves that the leg belongs to the bundle by giving the bundle's other
    /// fields: `bundleId` must equal `hashStruct(Bundle)` over the router's hub domain,
    /// `creatorHash`, `nonce`, the deadlines and `legHashes`, and `legHashes[index]` must be the
    /// leg's hash. Without this anyone could squat `(bundleId, index)` with a bogus leg and make
    /// the bundle abort. Credits the measured balance increase; refuses less than `leg.amount`.
    /// Only the depositor or an operator it approved may lock, once, until `lockDeadline`.
    /// @param bundleId The bundle's id.
    /// @param index The leg's index in the bundle.
    /// @param leg The leg: domain = this router's `domain()`, router = this router's account id
    /// (`bytes32(uint256(uint160(address(this))))`), every account EVM-shaped (top 12 bytes zero;
    /// `NotAnEvmAccount` otherwise), recipient neither zero nor the `actionExecutor`; any
    /// `action` (zero: a plain transfer; otherwise only `settleAction` applies its COMMIT).
    /// @param lockDeadline The bundle's lock deadline (inclusive).
    /// @param settleDeadline The bundle's settle deadline, after `lockDeadline`.
    /// @param creatorHash `keccak256(bytes(creator))` of the bundle's hub creator.
    /// @param nonce The bundle's nonce.
    /// @param legHashes The hashes of all the bundle's legs, in order (1 to 16).
    /// @return amount The amount credited.
    function lock(
        bytes32 bundleId,
        uint32 index,
        Leg calldata leg,
        uint64 lockDeadline,
        uint64 settleDeadline,
        bytes32 creatorHash,
        uint64 nonce,
        bytes32[] calldata legHashes
    ) external returns (uint256 amount);

    /// @notice Applies a verified verdict to one leg: COMMIT pays the recipient (only before
    /// refunds open, `refundOpensAt`), ABORT refunds the depositor. Permissionless.
    /// @param bundleId The bundle's id.
    /// @param index The leg's index in the bundle.
    /// @param verdict 1 = COMMIT, 2 = ABORT.
    /// @param batchRoot A root verified by the SettlementVerifier.
    /// @param proof Merkle siblings of `settlementLeaf(bundleId, verdict)` under `batchRoot`.
    function settle(
        bytes32 bundleId,
        uint32 index,
        uint8 verdict,
        bytes32 batchRoot,
        bytes32[] calldata proof
    ) external;

    /// @notice Applies a verified verdict to a mint or release leg, which locks nothing and so
    /// has no escrow record until this call: COMMIT mints `leg.amount` of `wrappedToken(origin,
    /// token)` to the recipient (a mint leg; the wrapped token is deployed at its first mint) or
    /// pays it from the reserve of `token` (a release leg); ABORT only records the end.
    /// Permissionless.
    /// @dev Exactly once per leg (`LegNotLocked` for a second call, with the status it ended
    /// in). COMMIT only while `block.timestamp < settleDeadline + refundGrace` (as for a locked
    /// leg: from then on the lock this mint stands for may be refunded). A release pays only from
    /// the reserve (`InsufficientReserve`), never from escrowed legs; a release delivered before
    /// the lock COMMITs that back it may revert and be retried.
    /// @param index The leg's index in the bundle.
    /// @param verdict 1 = COMMIT, 2 = ABORT.
    /// @param batchRoot A root verified by the SettlementVerifier.
    /// @param proof Merkle siblings of `settlementLeaf(bundleId, verdict)` under `batchRoot`.
    /// @param p The leg and its bundle's fields (which give the bundle id).
    function settleUnlocked(
        uint32 index,
        uint8 verdict,
        bytes32 batchRoot,
        bytes32[] calldata proof,
        LegProof calldata p
    ) external;

    /// @notice Applies a verified COMMIT to a leg with an action, supplying the action: runs it
    /// (the recipient gets its output) or, if it cannot run or fails, pays the recipient the
    /// escrowed tokens. Permissionless; the leg ends Committed either way.
    /// @dev The leg must be Locked and refunds not open (as for `settle`); `action` must hash to
    /// the leg's `action` (`ActionMismatch`), so a relayer cannot substitute calldata. The
    /// action is called only if `1 ≤ gasLimit ≤ MAX_ACTION_GAS`, target and output token are
    /// EVM-shaped and the target has code; then the router requires
    /// `gasleft() ≥ g + g / 63 + ACTION_RESERVE` with `g = gasLimit + ACTION_OVERHEAD`
    /// (`ActionGasTooLow`) and gives `runAction` exactly `g` gas, so the outcome never depends on
    /// the gas the relayer sent. Emits `ActionExecuted` or `ActionFellBack`, then `LegSettled`.
    /// @param bundleId The bundle's id.
    /// @param index The leg's index in the bundle.
    /// @param batchRoot A root verified by the SettlementVerifier.
    /// @param proof Merkle siblings of `settlementLeaf(bundleId, COMMIT)` under `batchRoot`.
    /// @param action The leg's action.
    /// @return executed Whether the action ran (false: the escrowed tokens were paid).
    function settleAction(
        bytes32 bundleId,
        uint32 index,
        bytes32 batchRoot,
        bytes32[] calldata proof,
        ActionCall calldata action
    ) external returns (bool executed);

    /// @notice The attempt of `settleAction`, as a call of the router to itself so that a revert
    /// anywhere in it rolls the tokens back into escrow. Callable only by the router itself.
    /// @dev Sends `amount` of `token` to the action executor and runs the action there; emits
    /// `ActionExecuted`.
    /// @param bundleId The bundle's id.
    /// @param index The leg's index in the bundle.
    /// @param token The leg's token.
    /// @param amount The escrowed amount.
    /// @param recipient The leg's recipient.
    /// @param action The leg's action (checked against the leg by `settleAction`).
    function runAction(
        bytes32 bundleId,
        uint32 index,
        address token,
        uint256 amount,
        address recipient,
        ActionCall calldata action
    ) external;

    /// @notice Applies the verdicts of one verified batch to many legs. Permissionless.
    /// @dev Reverts if the root is not verified, on an invalid verdict or proof. Skips, with a
    /// `SettlementSkipped` event, legs that are not Locked (already ended by someone else, or
    /// never locked), COMMITs of legs whose refunds are open, legs whose token transfer fails
    /// and COMMITs of legs with an action (those need `settleAction`), so one leg can never
    /// block the rest of the batch.
    /// @param batchRoot A root verified by the SettlementVerifier.
    /// @param items The legs with their verdicts and proofs.
    /// @return settled How many legs were settled.
    function settleMany(bytes32 batchRoot, SettleItem[] calldata items)
        external
        returns (uint256 settled);

    /// @notice Delivers a signed batch in one transaction: checks the signatures in place
    /// (through the verifier, without caching the root) unless the root is already verified,
    /// then settles `items` exactly as `settleMany`. Permissionless.
    /// @dev For the common case where one poster settles all of this chain's legs of a batch at
    /// once, this saves the 20k-gas root cache write; legs settled later need `submitBatch` (or
    /// another `settleBatch`) with the same public signatures.
    /// @param epoch The signer-set epoch that signed the batch (current or retained).
    /// @param batchIndex The hub's batch index.
    /// @param batchRoot The batch root.
    /// @param signatures Packed 65-byte signatures over `SettlementBatch`, ascending by signer.
    /// @param items The legs with their verdicts and proofs.
    /// @return settled How many legs were settled.
    function settleBatch(
        uint64 epoch,
        uint64 batchIndex,
        bytes32 batchRoot,
        bytes calldata signatures,
        SettleItem[] calldata items
    ) external returns (uint256 settled);

    /// @notice Applies the verdicts of one verified batch to many legs with a single Merkle
    /// multiproof (each sibling sent once; none at all when every leaf of the batch is here).
    /// Permissionless; skips legs exactly as `settleMany`.
    /// @dev `items` are sorted by `leafIndex` (legs of one bundle share their leaf index).
    /// `proof` lists the siblings that cannot be computed from the items' leaves, level by level
    /// from the leaves up, left to right (see `test/utils/Merkle.sol` `multiproof`).
    /// Verification is exact: `1 ≤ leafCount ≤ 256` (`LeafCountOutOfRange`), at most 16 items
    /// per leaf (`TooManyItems`), every leaf index below `leafCount`, every proof element
    /// consumed (`MultiproofTooShort` / `MultiproofTooLong`), the fold ends in exactly one node
    /// (`MultiproofNotSingleRoot`) and that node is `batchRoot` (`InvalidMultiproof`).
    /// @param batchRoot A root verified by the SettlementVerifier.
    /// @param leafCount The number of leaves of the batch (1 to 256).
    /// @param items The legs with their verdicts and leaf positions.
    /// @param proof The missing siblings.
    /// @return settled How many legs were settled.
    function settleMultiproof(
        bytes32 batchRoot,
        uint256 leafCount,
        MultiItem[] calldata items,
        bytes32[] calldata proof
    ) external returns (uint256 settled);

    /// @notice Returns a Locked leg to its depositor once refunds opened (`refundOpensAt`:
    /// settle deadline + refund grace); anyone may call it, no signature needed, so funds are
    /// never stuck, even when no signer set can sign any more.
    /// @param bundleId The bundle's id.
    /// @param index The leg's index in the bundle.
    function refundExpired(bytes32 bundleId, uint32 index) external;

    /// @notice Allows or disallows `operator` to lock legs whose depositor is the caller.
    /// @param operator The operator.
    /// @param approved Whether it may lock.
    function setOperator(address operator, bool approved) external;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           VIEWS                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice The SettlementVerifier whose roots this router trusts.
    /// @return The verifier.
    function verifier() external view returns (ISettlementVerifier);

    /// @notice The contract that runs actions for this router (deployed by it, serves only it).
    /// @return The executor.
    function actionExecutor() external view returns (address);

    /// @notice The hub-assigned domain id of this chain: the `domain` of every leg this router
    /// escrows (immutable, > 0).
    /// @return The domain id.
    function domain() external view returns (uint64);

    /// @notice The hub's domain separator, the `hubDomain` of the bundles this router accepts.
    /// @return The domain separator.
    function hubDomain() external view returns (bytes32);

    /// @notice Seconds after a leg's settle deadline during which a signed COMMIT is still
    /// applied and refunds stay closed (this chain's delivery window; immutable, > 0).
    /// @return The grace in seconds.
    function refundGrace() external view returns (uint64);

    /// @notice When `refundExpired` opens for leg `index` of `bundleId`:
    /// `settleDeadline + refundGrace()` (may exceed 2^64). From then on COMMIT is refused.
    /// @param bundleId The bundle's id.
    /// @param index The leg's index.
    /// @return The unix time, or 0 if the leg was never locked.
    function refundOpensAt(bytes32 bundleId, uint32 index) external view returns (uint256);

    /// @notice The escrow of leg `index` of `bundleId` (all zero if never locked).
    /// @param bundleId The bundle's id.
    /// @param index The leg's index.
    /// @return The escrow.
    function escrow(bytes32 bundleId, uint32 index) external view returns (Escrow memory);

    /// @notice The address of this router's wrapped token of (`originDomain`, `originToken`),
    /// deployed (at its first mint) or not: a CREATE2 address fixed by the pair.
    /// @param originDomain The origin token's domain.
    /// @param originToken The origin token's account id.
    /// @return The wrapped token's address.
    function wrappedToken(uint64 originDomain, bytes32 originToken) external view returns (address);

    /// @notice The reserve of `token`: origin tokens backing wrapped tokens on other chains.
    /// @param token The origin token (an ERC-20 of this chain).
    /// @return The reserve.
    function reserveOf(address token) external view returns (uint256);

    /// @notice The status of leg `index` of `bundleId`.
    /// @param bundleId The bundle's id.
    /// @param index The leg's index.
    /// @return The status.
    function legStatus(bytes32 bundleId, uint32 index) external view returns (LegStatus);

    /// @notice Whether `depositor` approved `operator`.
    /// @param depositor The depositor.
    /// @param operator The operator.
    /// @return True if approved.
    function isOperator(address depositor, address operator) external view returns (bool);

    /// @notice `hashStruct(Leg)`.
    /// @param leg The leg.
    /// @return The leg hash.
    function legHash(Leg calldata leg) external pure returns (bytes32);

    /// @notice `hashStruct(Action)` of an action, with `dataHash = keccak256(action.data)`.
    /// @param action The action.
    /// @return The action hash (a leg's `action` field).
    function actionHash(ActionCall calldata action) external pure returns (bytes32);

    /// @notice The Merkle leaf of a bundle's verdict: `hashStruct(Settlement)`.
    /// @param bundleId The bundle's id.
    /// @param verdict 1 = COMMIT, 2 = ABORT.
    /// @return The leaf.
    function settlementLeaf(bytes32 bundleId, uint8 verdict) external pure returns (bytes32);

    /// @notice The id of a bundle of the router's hub, from its fields and leg hashes.
    /// @param creatorHash `keccak256(bytes(creator))`.
    /// @param nonce The bundle's nonce.
    /// @param lockDeadline The lock deadline.
    /// @param settleDeadline The settle deadline.
    /// @param legHashes The legs' hashes in order.
    /// @return The bundle id.
    function computeBundleId(
        bytes32 creatorHash,
        uint64 nonce,
        uint64 lockDeadline,
        uint64 settleDeadline,
        bytes32[] calldata legHashes
    ) external view returns (bytes32);
}
