use cosmwasm_std::{Addr, StdError};
use mesh_hub_api::bundle_log::ChainVm;
use mesh_protocol::{AccountId, Amount, EvmAddress, Hash32, ProtocolError};

/// Every way a bundle-log message can be refused; each variant says what did not match.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),

    #[error(transparent)]
    Access(#[from] mesh_hub_api::common::AccessError),
    #[error("invalid configuration: {field} {reason}")]
    InvalidConfig { field: &'static str, reason: String },
    #[error("hub chain id {given} does not match this chain's id {actual}")]
    HubChainIdMismatch { given: String, actual: String },
    #[error("stake-escrow {stake_escrow} {reason}")]
    StakeEscrowMismatch { stake_escrow: Addr, reason: String },
    #[error("the dispute contract is already set to {current}")]
    DisputeAlreadySet { current: Addr },
    #[error("the dispute contract is not set yet: reports cannot be disputed, so none are taken")]
    DisputeNotSet,
    #[error("the light-client contract is already set to {current}")]
    LightClientAlreadySet { current: Addr },
    #[error("report of bundle {bundle_id} leg {leg_index}: the light-client contract is not set yet, so locks on {vm} cannot be verified")]
    LightClientNotSet { bundle_id: Hash32, leg_index: u32, vm: ChainVm },

    #[error("domain {domain} is already registered")]
    ChainExists { domain: u64 },
    #[error("domain {domain} is not registered")]
    UnknownChain { domain: u64 },
    #[error("domain {domain}: {reason}")]
    InvalidChain { domain: u64, reason: &'static str },
    #[error("{vm} is already registered as domain {domain}: one chain, one domain")]
    VmChainTaken { vm: ChainVm, domain: u64 },
    #[error("domain {domain} is {current}; its VM and chain cannot change to {requested} (register a new domain)")]
    ChainVmChanged { domain: u64, current: ChainVm, requested: ChainVm },

    #[error("bundle is malformed: {0}")]
    InvalidBundle(ProtocolError),
    #[error("bundle creator {creator} must be the sender {sender}")]
    CreatorMismatch { creator: String, sender: Addr },
    #[error("lock deadline {lock_deadline} is not in the future (now {now})")]
    LockDeadlinePassed { lock_deadline: u64, now: u64 },
    #[error("settle deadline {settle_deadline} must be at least {minimum} (lock deadline + dispute window + delivery margin + 1)")]
    SettleDeadlineTooEarly { settle_deadline: u64, minimum: u64 },
    #[error("settle deadline {settle_deadline} is beyond the horizon {latest}")]
    SettleDeadlineTooFar { settle_deadline: u64, latest: u64 },
    #[error("leg {leg_index}: domain {domain} is not registered on the hub")]
    LegDomainUnknown { leg_index: usize, domain: u64 },
    #[error("leg {leg_index}: router {got} is not domain {domain}'s registered router {expected}")]
    WrongRouter { leg_index: usize, domain: u64, expected: AccountId, got: AccountId },
    #[error("leg {leg_index}: {field} {account} is not an account of {vm}")]
    LegAccountNotOfVm { leg_index: usize, field: &'static str, account: AccountId, vm: ChainVm },
    #[error("leg {leg_index}: {vm} does not run actions on COMMIT (its Router would refuse the leg)")]
    ActionNotSupported { leg_index: usize, vm: ChainVm },
    #[error("leg {leg_index}: the action's data is no call on {vm}: {reason}")]
    ActionDataNotOfVm { leg_index: usize, vm: ChainVm, reason: &'static str },
    #[error("leg {leg_index}: {vm} does not run {kind} legs (its Router would refuse the leg)")]
    KindNotSupported { leg_index: usize, kind: &'static str, vm: ChainVm },
    #[error("creator {creator} already used nonce {nonce} for bundle {bundle_id}")]
    NonceUsed { creator: Addr, nonce: u64, bundle_id: Hash32 },

    #[error("no reports given")]
    NoReports,
    #[error("{count} reports in one message, at most {max} are allowed")]
    TooManyReports { count: usize, max: u32 },
    #[error("{relayer} is not an active relayer (bonded {bonded}, jailed {jailed})")]
    RelayerNotActive { relayer: Addr, bonded: String, jailed: bool },
    #[error("bundle {bundle_id} is not registered")]
    UnknownBundle { bundle_id: Hash32 },
    #[error("bundle {bundle_id} leg {leg_index} locks nothing (a mint or release leg): there is no lock to report")]
    LegLocksNothing { bundle_id: Hash32, leg_index: u32 },
    #[error("bundle {bundle_id} has {legs} legs, there is no leg {leg_index}")]
    LegIndexOutOfRange { bundle_id: Hash32, leg_index: u32, legs: usize },
    #[error("report of bundle {bundle_id} leg {leg_index}: leg hash {got} is not the registered {expected}")]
    LegHashMismatch { bundle_id: Hash32, leg_index: u32, expected: Hash32, got: Hash32 },
    #[error("report of bundle {bundle_id} leg {leg_index}: settle deadline {got} is not the bundle's {expected}")]
    SettleDeadlineMismatch { bundle_id: Hash32, leg_index: u32, expected: u64, got: u64 },
    #[error("report of bundle {bundle_id} leg {leg_index}: a location on {got}, but the leg's domain {domain} is {expected}")]
    LocationVmMismatch { bundle_id: Hash32, leg_index: u32, domain: u64, expected: ChainVm, got: ChainVm },
    #[error("report of bundle {bundle_id} leg {leg_index}: block time {block_timestamp} is after the lock deadline {lock_deadline}")]
    LockedAfterDeadline { bundle_id: Hash32, leg_index: u32, block_timestamp: u64, lock_deadline: u64 },
    #[error("report of bundle {bundle_id} leg {leg_index}: block hash must not be zero")]
    ZeroBlockHash { bundle_id: Hash32, leg_index: u32 },
    #[error("report of bundle {bundle_id} leg {leg_index}: {vm} is verified by a light client; the report must carry the escrow record's state proof")]
    StateProofMissing { bundle_id: Hash32, leg_index: u32, vm: ChainVm },
    #[error(
        "report of bundle {bundle_id} leg {leg_index}: {vm} is verified optimistically; a state proof is not taken"
    )]
    StateProofNotTaken { bundle_id: Hash32, leg_index: u32, vm: ChainVm },
    #[error("report of bundle {bundle_id} leg {leg_index}: the light client refused the state proof at height {height}: {reason}")]
    StateProofRefused { bundle_id: Hash32, leg_index: u32, height: u64, reason: String },
    #[error("report of bundle {bundle_id} leg {leg_index}: the proven escrow record is not a router escrow record: {reason}")]
    EscrowRecordMalformed { bundle_id: Hash32, leg_index: u32, reason: String },
    #[error("report of bundle {bundle_id} leg {leg_index}: the proven escrow record's {field} is {got}, the leg's is {expected}")]
    EscrowRecordMismatch { bundle_id: Hash32, leg_index: u32, field: &'static str, expected: String, got: String },

    #[error("limit must be positive")]
    ZeroLimit,
    #[error("batch {index} is empty: nothing to close")]
    EmptyBatch { index: u64 },
    #[error("there is no signer set yet: batches cannot be closed before the first rotation")]
    NoSignerSet,

    #[error("no signatures given")]
    NoSignatures,
    #[error("{count} signatures in one message, at most {max} are allowed")]
    TooManySignatures { count: usize, max: usize },
    #[error("batch {index} does not exist")]
    UnknownBatch { index: u64 },
    #[error("batch {index} is still open: its root is not fixed")]
    BatchNotClosed { index: u64 },
    #[error("signer set of epoch {epoch} does not exist")]
    UnknownEpoch { epoch: u64 },
    #[error("epoch {new_epoch} is not reached by an update (the first epoch is the genesis set)")]
    NoUpdateForEpoch { new_epoch: u64 },
    #[error("signature {position} is invalid: {reason}")]
    InvalidSignature { position: usize, reason: ProtocolError },
    #[error("signature {position} recovers to {signer}, which is not a member of epoch {epoch}")]
    NotASigner { position: usize, signer: EvmAddress, epoch: u64 },
    #[error("signature {position} is by {signer}, whose relayer is jailed")]
    SignerJailed { position: usize, signer: EvmAddress },

    #[error("bundle {bundle_id} is already decided")]
    BundleAlreadyDecided { bundle_id: Hash32 },
    #[error("bundle {bundle_id} leg {leg_index} has no report {report_id}")]
    ReportNotFound { bundle_id: Hash32, leg_index: u32, report_id: u64 },
    #[error("bundle {bundle_id} is not decided yet")]
    BundleNotDecided { bundle_id: Hash32 },
    #[error("weight overflow adding {weight}")]
    WeightOverflow { weight: Amount },

    #[error(transparent)]
    Payment(#[from] mesh_hub_api::common::FundsNotAccepted),
    #[error("registering a bundle needs a deposit of exactly {expected}, got {got}")]
    WrongDeposit { expected: String, got: String },
    #[error("RegisterBundles takes 1 to {max} bundles, got {count}")]
    BadRegistrationCount { count: usize, max: usize },
    #[error("no objections given")]
    NoObjections,
    #[error("{count} objections in one message, at most {max} are allowed")]
    TooManyObjections { count: usize, max: u32 },
    #[error("{relayer}'s signer {signer} is not a member of the current signer set (epoch {epoch})")]
    NotInSignerSet { relayer: Addr, signer: EvmAddress, epoch: u64 },
    #[error("{relayer}'s signer {signer} is jailed")]
    ObjectorJailed { relayer: Addr, signer: EvmAddress },
    #[error("batch {index} is not due: it has {entries} of {max} leaves and closes at {due_at} (now {now})")]
    BatchNotDue { index: u64, entries: usize, max: u32, due_at: u64, now: u64 },
}
