use cosmwasm_std::StdError;
use mesh_proof_evm::ProofError;
use mesh_protocol::{AccountId, EvmAddress, Hash32, ProtocolError};

/// Every way a fraud proof can be refused; each variant says what did not match. A refused proof
/// changes nothing.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),

    #[error("invalid configuration: {field} {reason}")]
    InvalidConfig { field: &'static str, reason: String },
    #[error("bundle {bundle_id} leg {leg_index}: the lock on {vm} was proven against the hub's light client when it was reported; there is no report to dispute")]
    NotDisputable { bundle_id: Hash32, leg_index: u32, vm: String },
    #[error(transparent)]
    Payment(#[from] mesh_hub_api::common::FundsNotAccepted),
    #[error("evidence too large: {what} is {got}, at most {max} is allowed")]
    EvidenceTooLarge { what: &'static str, got: usize, max: u32 },

    #[error("this fraud was already proven (fraud {fraud_id})")]
    AlreadyProven { fraud_id: u64 },

    #[error("bundle {bundle_id} leg {leg_index} cannot be looked up: {reason}")]
    UnknownLeg { bundle_id: Hash32, leg_index: u32, reason: String },
    #[error("bundle {bundle_id} leg {leg_index} has no report to dispute")]
    NoReport { bundle_id: Hash32, leg_index: u32 },
    #[error("the dispute window of report {report_id} ended at {window_ends_at} (now {now})")]
    DisputeWindowClosed { report_id: u64, window_ends_at: u64, now: u64 },
    #[error("block header does not decode: {0}")]
    BadHeader(ProofError),
    #[error("header hash {got} is not the reported block hash {reported}")]
    HeaderHashMismatch { reported: Hash32, got: Hash32 },
    #[error("receipt proof does not verify at tx index {tx_index}: {reason}")]
    BadReceiptProof { tx_index: u64, reason: ProofError },
    #[error("report is correct: the receipt carries the reported LegLocked log")]
    ReportIsCorrect,
    #[error("state proof does not verify: {0}")]
    BadStateProof(ProofError),
    #[error("the leg's router {router} is not an EVM address: EVM evidence cannot be about it")]
    RouterNotEvm { router: AccountId },
    #[error(
        "report not disproven: after block {block_number} the Router holds this leg's escrow with the leg's hash \
         (a lock in that block or an earlier one is a real lock)"
    )]
    EscrowLockedInState { block_number: u64 },

    #[error("{which} signature is invalid: {reason}")]
    InvalidSignature { which: &'static str, reason: ProtocolError },
    #[error("the two signatures are by different signers ({first} and {second})")]
    DifferentSigners { first: EvmAddress, second: EvmAddress },
    #[error("the statements do not conflict: {reason}")]
    NotConflicting { reason: &'static str },
    #[error("signer {signer} is not a registered relayer")]
    UnknownSigner { signer: EvmAddress },
    #[error("attestation is correct: the hub closed batch {batch_index} of epoch {epoch} with root {root}")]
    AttestationIsCorrect { epoch: u64, batch_index: u64, root: Hash32 },
    #[error("signer-set update is correct: epoch {new_epoch} has signers hash {signers_hash}")]
    UpdateIsCorrect { new_epoch: u64, signers_hash: Hash32 },
}
