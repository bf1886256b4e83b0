//! Every way a Router message can be refused. Where the meaning is the same, a variant has the
//! name of the Solidity custom error of `MeshRouter` / `SettlementVerifier` / `SignerSetLib`.

use cosmwasm_std::{Addr, StdError, Uint256};
use mesh_hub_api::common::FundsNotAccepted;
use mesh_hub_api::router_cw::LegStatus;
use mesh_protocol::{AccountId, Amount, EvmAddress, Hash32, ProtocolError, Verdict};

#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),
    #[error(transparent)]
    FundsNotAccepted(#[from] FundsNotAccepted),

    // ---------------------------------------------------------------- instantiate
    #[error("the hub chain id must not be empty")]
    EmptyHubChainId,
    #[error("the deployment (the hub's bundle-log address) must not be empty")]
    EmptyDeployment,
    #[error("the domain id must be positive")]
    ZeroDomain,
    #[error("the refund grace must be positive")]
    ZeroRefundGrace,
    #[error("signer set is invalid: {0}")]
    InvalidSignerSet(ProtocolError),

    // ---------------------------------------------------------------- lock
    #[error("bundle is malformed: {0}")]
    InvalidBundle(ProtocolError),
    #[error("leg index {index} is out of range: the bundle has {count} legs")]
    LegIndexOutOfRange { index: u32, count: usize },
    #[error("the leg is for domain {got}, this router serves domain {expected}")]
    WrongDomain { expected: u64, got: u64 },
    #[error("the leg carries an action on COMMIT; this router was instantiated without an action executor, so it refuses the leg")]
    ActionNotSupported,
    #[error("the action's {field} {account} is not a contract of this chain: {reason}")]
    ActionAccountNotAContract { field: &'static str, account: AccountId, reason: String },
    #[error("the action's output token {output_token} is neither a recorded bank denom nor a contract of this chain (register its denom with RegisterDenom first)")]
    OutputTokenUnknown { output_token: AccountId },
    #[error("the action's data is not a JSON object (an execute message): {reason}")]
    ActionDataNotJson { reason: String },
    #[error("the leg's recipient must not be the action executor {executor}")]
    RecipientIsExecutor { executor: Addr },
    #[error(
        "the leg is a lock-and-mint leg (kind other than escrow); this router only escrows, so it refuses the leg"
    )]
    KindNotSupported,
    #[error("the leg's router {leg_router} is not this router {router}")]
    WrongRouter { leg_router: AccountId, router: AccountId },
    #[error("{caller} is not the leg's depositor {depositor}")]
    NotDepositor { caller: Addr, depositor: AccountId },
    #[error("lock deadline {lock_deadline} has passed (now {now})")]
    LockDeadlinePassed { lock_deadline: u64, now: u64 },
    #[error("lock deadline {lock_deadline} must be before settle deadline {settle_deadline}")]
    DeadlinesOutOfOrder { lock_deadline: u64, settle_deadline: u64 },
    #[error("the leg's amount must be positive")]
    ZeroAmount,
    #[error("the leg's recipient must not be the zero account")]
    ZeroRecipient,
    #[error("the leg's recipient {recipient} is not an address of this chain: {reason}")]
    RecipientNotAnAddress { recipient: AccountId, reason: String },
    #[error("a lock takes exactly one coin (the leg's denom), got [{funds}]")]
    WrongFunds { funds: String },
    #[error("the leg's token is {leg_token}, the tokens sent are {sent}")]
    WrongToken { leg_token: AccountId, sent: AccountId },
    #[error("received {received}, less than the leg's amount {expected}")]
    InsufficientReceived { expected: Amount, received: Uint256 },
    #[error("leg {index} of bundle {bundle_id} is already locked")]
    LegAlreadyLocked { bundle_id: Hash32, index: u32 },
    #[error("the cw20 hook's msg is not a router ReceiveMsg: {reason}")]
    InvalidReceiveMsg { reason: String },

    // ---------------------------------------------------------------- settle
    #[error("leg {index} of bundle {bundle_id} is not locked (it is {status:?})")]
    LegNotLocked { bundle_id: Hash32, index: u32, status: LegStatus },
    #[error("batch root {root} is not verified")]
    RootNotVerified { root: Hash32 },
    #[error("the proof does not place the {verdict:?} leaf of bundle {bundle_id} under root {root}")]
    InvalidProof { bundle_id: Hash32, verdict: Verdict, root: Hash32 },
    #[error("a COMMIT cannot apply any more: refunds opened at {refund_opens_at} (now {now})")]
    SettlementExpired { refund_opens_at: u64, now: u64 },
    #[error("refunds open at {refund_opens_at} (now {now})")]
    NotExpired { refund_opens_at: u64, now: u64 },
    #[error("no items to settle")]
    NoItems,
    #[error("leg {index} of bundle {bundle_id} has an action: its COMMIT applies only through SettleAction")]
    ActionRequired { bundle_id: Hash32, index: u32 },
    #[error("the action supplied hashes to {got}, the leg's action is {expected} (zero: the leg has none)")]
    ActionMismatch { expected: Hash32, got: Hash32 },
    #[error("an action is running: the router refuses every other message until it ends")]
    Reentrant,
    #[error("{msg} may only be sent by the router itself, not {caller}")]
    OnlySelf { msg: &'static str, caller: Addr },
    #[error("{denom:?} is not a valid bank denom: {reason}")]
    InvalidDenom { denom: String, reason: &'static str },
    #[error("the zero root is never valid")]
    ZeroRoot,

    // ---------------------------------------------------------------- multiproof
    #[error("leaf count {leaf_count} is out of range (1 to 256)")]
    LeafCountOutOfRange { leaf_count: u32 },
    #[error("{count} items, at most {max} are allowed")]
    TooManyItems { count: usize, max: usize },
    #[error("leaf index {leaf_index} is not below the leaf count {leaf_count}")]
    LeafIndexOutOfRange { leaf_index: u32, leaf_count: u32 },
    #[error("item {item}: leaf indices must ascend (equal only for legs of one bundle and verdict)")]
    LeavesNotAscending { item: usize },
    #[error("the multiproof is too short")]
    MultiproofTooShort,
    #[error("the multiproof has {extra} unused elements")]
    MultiproofTooLong { extra: usize },
    #[error("the multiproof folds to {nodes} nodes, not one root")]
    MultiproofNotSingleRoot { nodes: usize },
    #[error("the multiproof folds to {computed}, not the root {root}")]
    InvalidMultiproof { root: Hash32, computed: Hash32 },

    // ---------------------------------------------------------------- signer sets
    #[error("epoch {epoch} is not active (current epoch {current})")]
    EpochNotActive { epoch: u64, current: u64 },
    #[error("the signer set of epoch {epoch} expired at {expires_at}")]
    SignerSetExpired { epoch: u64, expires_at: u64 },
    #[error("rotation is possible from {earliest} on (now {now})")]
    RotationTooEarly { earliest: u64, now: u64 },
    #[error("the new set's epoch must be {expected}, got {got}")]
    WrongEpoch { expected: u64, got: u64 },
    #[error("expiry {expires_at} is not after now ({now})")]
    ExpiryInPast { expires_at: u64, now: u64 },
    #[error("expiry {expires_at} is before the current set's expiry {current_expires_at}")]
    ExpiryBeforeCurrent { expires_at: u64, current_expires_at: u64 },

    // ---------------------------------------------------------------- signatures
    #[error("no signatures")]
    NoSignatures,
    #[error("{count} signatures, at most {max} are allowed")]
    TooManySignatures { count: usize, max: usize },
    #[error("signature {index}: v must be 27 or 28, got {v}")]
    BadSignatureV { index: usize, v: u8 },
    #[error("signature {index}: r or s is zero or not below the curve order")]
    SignatureOutOfRange { index: usize },
    #[error("signature {index}: s is high (only low-s signatures are accepted)")]
    HighS { index: usize },
    #[error("signature {index}: no public key recovers from it")]
    UnrecoverableSignature { index: usize },
    #[error("signature {index}: signer {signer} is not after the previous signer {previous}")]
    SignersNotAscending { index: usize, signer: EvmAddress, previous: EvmAddress },
    #[error("signature {index}: {signer} is not a member of the set")]
    NotASigner { index: usize, signer: EvmAddress },
    #[error("signed weight {weight} is below the threshold {threshold}")]
    InsufficientWeight { weight: Amount, threshold: Amount },

    #[error("unknown reply id {id}")]
    UnknownReply { id: u64 },
}
