//! Types shared by more than one hub contract.

use cosmwasm_schema::cw_serde;

/// The kinds of fraud the dispute contract proves; also the reason a relayer was slashed.
#[cw_serde]
#[derive(Copy, Eq)]
pub enum FraudKind {
    /// A lock report whose receipt failed or does not carry the reported `LegLocked` log.
    FalseLock,
    /// One signer signed two conflicting statements (two roots for one batch, two sets for one epoch).
    Equivocation,
    /// A signature over a settlement batch the hub never closed.
    WrongAttestation,
    /// A signature over a signer-set update the hub never made.
    WrongSignerSetUpdate,
}

impl FraudKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            FraudKind::FalseLock => "false_lock",
            FraudKind::Equivocation => "equivocation",
            FraudKind::WrongAttestation => "wrong_attestation",
            FraudKind::WrongSignerSetUpdate => "wrong_signer_set_update",
        }
    }
}

/// Names one leg of one bundle.
#[cw_serde]
#[derive(Eq)]
pub struct LegRef {
    pub bundle_id: mesh_protocol::Hash32,
    pub leg_index: u32,
}
