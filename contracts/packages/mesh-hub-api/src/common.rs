//! Types shared by more than one hub contract.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{Addr, MessageInfo};

/// Why a caller may not run an entry point: the access checks bundle-log and stake-escrow share.
#[derive(thiserror::Error, Debug, PartialEq)]
pub enum AccessError {
    #[error("unauthorized: {action} may only be done by {allowed}, not {sender}")]
    Unauthorized { action: &'static str, allowed: String, sender: Addr },
    #[error("{action} may only be done by the dispute contract, which is not set yet")]
    DisputeNotSet { action: &'static str },
}

/// Funds sent with a message that takes none: refused, since they would be stuck in the contract.
#[derive(thiserror::Error, Debug, PartialEq)]
#[error("{action} takes no funds, {funds} were sent")]
pub struct FundsNotAccepted {
    pub action: &'static str,
    pub funds: String,
}

/// Refuses any funds attached to `action` (every hub message but a bundle's deposit and a bond).
pub fn nonpayable(info: &MessageInfo, action: &'static str) -> Result<(), FundsNotAccepted> {
    if info.funds.is_empty() {
        return Ok(());
    }
    let funds = info.funds.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
    Err(FundsNotAccepted { action, funds })
}

/// `sender` must be the contract's admin.
pub fn only_admin(admin: &Addr, sender: &Addr, action: &'static str) -> Result<(), AccessError> {
    if sender != admin {
        return Err(AccessError::Unauthorized {
            action,
            allowed: format!("the admin {admin}"),
            sender: sender.clone(),
        });
    }
    Ok(())
}

/// `sender` must be the dispute contract (the only one that may revert reports and slash).
pub fn only_dispute(dispute: Option<&Addr>, sender: &Addr, action: &'static str) -> Result<(), AccessError> {
    match dispute {
        Some(d) if d == sender => Ok(()),
        Some(d) => Err(AccessError::Unauthorized {
            action,
            allowed: format!("the dispute contract {d}"),
            sender: sender.clone(),
        }),
        None => Err(AccessError::DisputeNotSet { action }),
    }
}

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
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
#[derive(Eq)]
pub struct LegRef {
    pub bundle_id: mesh_protocol::Hash32,
    pub leg_index: u32,
}
