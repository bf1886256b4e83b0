use cosmwasm_std::{Addr, OverflowError, StdError, Uint128, Uint256};
use mesh_protocol::{EvmAddress, ProtocolError};

/// Every way a stake-escrow message can be refused; each variant says what did not match.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),
    #[error(transparent)]
    Overflow(#[from] OverflowError),
    #[error("amount {amount} does not fit in 128 bits")]
    AmountTooLarge { amount: Uint256 },

    #[error(transparent)]
    Access(#[from] mesh_hub_api::common::AccessError),
    #[error("invalid configuration: {field} {reason}")]
    InvalidConfig { field: &'static str, reason: String },
    #[error("hub chain id {given} does not match this chain's id {actual}")]
    HubChainIdMismatch { given: String, actual: String },
    #[error("unbonding period {unbonding_period}s must exceed dispute window + delivery margin = {minimum}s")]
    UnbondingTooShort { unbonding_period: u64, minimum: u64 },
    #[error("the dispute contract is already set to {current}")]
    DisputeAlreadySet { current: Addr },

    #[error("bond needs funds in {denom}, none were sent")]
    NoFunds { denom: String },
    #[error("bond takes only {expected}, got {got}")]
    WrongDenom { expected: String, got: String },
    #[error("bond takes a single coin, got {count}")]
    MultipleDenoms { count: usize },
    #[error("proof of possession is malformed: {0}")]
    BadProofSignature(ProtocolError),
    #[error("proof of possession recovers to {recovered}, not to the claimed signer {claimed}")]
    ProofOfPossessionMismatch { claimed: EvmAddress, recovered: EvmAddress },
    #[error("EVM signer {signer} is already registered by {owner}")]
    SignerTaken { signer: EvmAddress, owner: Addr },
    #[error("relayer {relayer} is registered with EVM signer {registered}, not {given}")]
    SignerMismatch { relayer: Addr, registered: EvmAddress, given: EvmAddress },

    #[error("{address} is not a relayer (it never bonded)")]
    UnknownRelayer { address: String },
    #[error("amount must be positive")]
    ZeroAmount,
    #[error("cannot unbond {requested}: only {bonded} is bonded")]
    InsufficientBond { bonded: Uint128, requested: Uint128 },
    #[error("relayer already has {max} unbonding entries; claim first")]
    TooManyUnbondingEntries { max: usize },
    #[error("nothing to claim yet (next release at {next_release:?})")]
    NothingToClaim { next_release: Option<u64> },
    #[error(
        "nothing to claim before {claimable_from}: the relayer's signer is a member of signer set {epoch}, which \
         chains accept until {expires_at}; its stake stays slashable until then plus the unbonding period"
    )]
    StakeLockedBySignerSet { epoch: u64, expires_at: u64, claimable_from: u64 },
    #[error(transparent)]
    FundsNotAccepted(#[from] mesh_hub_api::common::FundsNotAccepted),
    #[error("cannot withdraw {requested} of retained slashed stake: only {retained} is retained")]
    InsufficientRetained { retained: Uint128, requested: Uint128 },

    #[error("relayer {relayer} is not jailed")]
    NotJailed { relayer: Addr },

    #[error("no relayer is active: cannot make a signer set")]
    NoActiveRelayers,
    #[error("the next rotation is allowed at {next_at}, it is {now}")]
    RotationTooEarly { next_at: u64, now: u64 },
    #[error(
        "the active relayers form the same signer set as epoch {epoch}; it may be renewed from {renewable_at} \
         (within the renewal window before it expires)"
    )]
    SignerSetUnchanged { epoch: u64, renewable_at: u64 },
    #[error("signer set is invalid: {0}")]
    InvalidSignerSet(ProtocolError),
}
