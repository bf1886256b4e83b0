use cosmwasm_std::StdError;

/// Every way a light-client message or a proof can be refused; each variant says what did not
/// match. A refused message changes nothing.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),
    #[error(transparent)]
    Access(#[from] mesh_hub_api::common::AccessError),
    #[error(transparent)]
    Payment(#[from] mesh_hub_api::common::FundsNotAccepted),

    #[error("invalid client parameters: {field} {reason}")]
    InvalidParams { field: &'static str, reason: String },
    #[error("a client for chain {chain_id} already exists")]
    ClientExists { chain_id: String },
    #[error("no client for chain {chain_id}")]
    UnknownClient { chain_id: String },
    #[error(
        "the client of chain {chain_id} is frozen (misbehaviour at height {height}): it refuses updates and proofs"
    )]
    Frozen { chain_id: String, height: u64 },
    #[error(
        "the client of chain {chain_id} expired: its latest consensus state (height {latest_height}, time {latest_time}) \
         is older than the trusting period of {trusting_period} s"
    )]
    Expired { chain_id: String, latest_height: u64, latest_time: u64, trusting_period: u64 },
    #[error("the client of chain {chain_id} has no consensus state at height {height}")]
    NoConsensusState { chain_id: String, height: u64 },

    #[error("{what} does not decode: {reason}")]
    Decode { what: &'static str, reason: String },
    #[error("the header is for chain {got}, not {expected}")]
    WrongChainId { expected: String, got: String },
    #[error("a skipping update from height {trusted_height} to {height} needs trusted_next_validators")]
    MissingTrustedValidators { trusted_height: u64, height: u64 },
    #[error(
        "trusted_next_validators hash to {got}, but the consensus state at height {trusted_height} has next_validators_hash {expected}"
    )]
    TrustedValidatorsMismatch { trusted_height: u64, expected: String, got: String },
    #[error("the consensus state at height {trusted_height} is outside the trusting period: {reason}")]
    TrustedStateExpired { trusted_height: u64, reason: String },
    #[error("header {height} is in the future beyond the allowed clock drift: {reason}")]
    HeaderInFuture { height: u64, reason: String },
    #[error("header {height} is signed by {tallied} of the trusted voting power {total}: the trust level needs more than {threshold}")]
    NotEnoughTrust { height: u64, tallied: u64, total: u64, threshold: String },
    #[error("header {height} carries an invalid signature: {reason}")]
    InvalidSignature { height: u64, reason: String },
    #[error("header {height} does not verify: {reason}")]
    InvalidHeader { height: u64, reason: String },
    #[error("not a misbehaviour: {reason}")]
    NotMisbehaviour { reason: String },

    #[error("the proof must be {expected} ops, it has {got}")]
    WrongOpCount { expected: usize, got: usize },
    #[error("proof op {index} is of type {got}, not {expected}")]
    WrongOpType { index: usize, expected: &'static str, got: String },
    #[error("proof op {index} does not decode as an ICS23 existence proof: {reason}")]
    ProofDecode { index: usize, reason: String },
    #[error("proof op {index} is for key {got}, not {expected}")]
    KeyMismatch { index: usize, expected: String, got: String },
    #[error("proof op {index} proves value {got}, not {expected}")]
    ValueMismatch { index: usize, expected: String, got: String },
    #[error("proof op {index} does not verify against its spec ({spec}): {reason}")]
    ProofInvalid { index: usize, spec: &'static str, reason: String },
    #[error("the proof leads to app hash {got}, but the consensus state at height {height} has app hash {expected}")]
    RootMismatch { height: u64, expected: String, got: String },
}

/// The message of a dependency's error without what its tracer appends: tendermint's errors
/// (flex-error with an eyre tracer) add `Location:` and a stack backtrace to their text when
/// `RUST_BACKTRACE` is set natively, which would make a refusal's text depend on the environment.
pub(crate) fn plain(e: &impl core::fmt::Display) -> String {
    let text = e.to_string();
    match text.find("\n\nLocation:").or_else(|| text.find("\nLocation:")) {
        Some(at) => text[..at].trim_end().to_string(),
        None => text,
    }
}
