//! The pure part of a false-lock proof by receipt: what the contract concludes from a header, a
//! receipt and its trie proof about one reported lock. Public so that off-chain code (the
//! relayer's in-memory test hub) runs exactly the checks the contract runs.
use alloy_trie::{proof::verify_proof, Nibbles};
use mesh_hub_api::bundle_log::EvmLocation;
use mesh_proof_evm::{
    decode_receipt, receipt_key, verify_receipt_proof, HeaderInfo, LegLockedLog, ProofError, Receipt,
};
use mesh_protocol::{Address, Amount, Bytes, Hash32, Leg};

use crate::error::ContractError;
use crate::msg::FalseLockFinding;

/// A reported lock, with the header its block hash pins.
pub struct Reported<'a> {
    pub header: &'a HeaderInfo,
    pub loc: &'a EvmLocation,
    /// The leg's Router (an EVM address).
    pub router: Address,
    pub leg: &'a Leg,
    pub leg_hash: Hash32,
    pub bundle_id: Hash32,
    pub leg_index: u32,
    pub settle_deadline: u64,
    /// What the header alone shows false ([`misreported`]).
    pub misreported: Option<FalseLockFinding>,
}

/// The block hash pins the header: a reported number or timestamp that differs from it is a false
/// statement in itself (the timestamp is what the lock-deadline check relied on).
pub fn misreported(header: &HeaderInfo, loc: &EvmLocation) -> Option<FalseLockFinding> {
    if header.number != loc.block_number {
        Some(FalseLockFinding::WrongBlockNumber { actual: header.number })
    } else if header.timestamp != loc.block_timestamp {
        Some(FalseLockFinding::WrongBlockTimestamp { actual: header.timestamp })
    } else {
        None
    }
}

/// What `receipt` (with its trie proof `nodes`, nodes root first) shows about the report: its
/// finding, or why the evidence proves nothing. An empty `receipt` is an exclusion proof (no
/// transaction at the reported index).
pub fn receipt_finding(r: &Reported, receipt: &[u8], nodes: &[Bytes]) -> Result<FalseLockFinding, ContractError> {
    let (h, loc) = (r.header, r.loc);
    if receipt.is_empty() {
        verify_proof(h.receipts_root, Nibbles::unpack(receipt_key(loc.tx_index)), None, nodes).map_err(|_| {
            ContractError::BadReceiptProof {
                tx_index: loc.tx_index,
                reason: ProofError::BadReceiptProof {
                    root: h.receipts_root,
                    reason: "exclusion proof does not verify",
                },
            }
        })?;
        return Ok(FalseLockFinding::NoTransactionAtIndex);
    }
    verify_receipt_proof(h.receipts_root, loc.tx_index, receipt, nodes)
        .map_err(|reason| ContractError::BadReceiptProof { tx_index: loc.tx_index, reason })?;
    // The receipt is the block's, at the reported index. One that does not decode cannot carry a
    // lock the hub can read: the report is false (relayers report only locks whose receipt
    // decodes), not unprovable.
    match decode_receipt(receipt) {
        Err(_) => Ok(r.misreported.clone().unwrap_or(FalseLockFinding::UndecodableReceipt { type_byte: receipt[0] })),
        Ok(decoded) => r
            .misreported
            .clone()
            .or_else(|| {
                check_lock(
                    &decoded,
                    loc.log_index,
                    r.router,
                    r.leg,
                    r.leg_hash,
                    r.bundle_id,
                    r.leg_index,
                    r.settle_deadline,
                )
            })
            .ok_or(ContractError::ReportIsCorrect),
    }
}

/// What is wrong with the reported lock, `None` if the receipt shows it as reported.
#[allow(clippy::too_many_arguments)]
pub fn check_lock(
    receipt: &Receipt,
    log_index: u32,
    router: Address,
    leg: &Leg,
    leg_hash: Hash32,
    bundle_id: Hash32,
    leg_index: u32,
    settle_deadline: u64,
) -> Option<FalseLockFinding> {
    if !receipt.success {
        return Some(FalseLockFinding::ReceiptFailed);
    }
    let Some(log) = receipt.logs.get(log_index as usize) else {
        return Some(FalseLockFinding::NoLogAtIndex { log_count: receipt.logs.len() as u32 });
    };
    if log.address != router {
        return Some(FalseLockFinding::WrongEmitter { emitter: log.address.into() });
    }
    let Ok(ev) = LegLockedLog::decode(log) else {
        return Some(FalseLockFinding::NotLegLocked);
    };
    let other = |field: &str| Some(FalseLockFinding::OtherLeg { field: field.to_owned() });
    if ev.bundle_id != bundle_id.0 {
        return other("bundle_id");
    }
    if ev.index != leg_index {
        return other("index");
    }
    if ev.leg_hash != leg_hash.0 {
        return other("leg_hash");
    }
    if ev.settle_deadline != settle_deadline {
        return other("settle_deadline");
    }
    if ev.amount < leg.amount.0 {
        return Some(FalseLockFinding::AmountTooLow { locked: Amount(ev.amount), required: leg.amount });
    }
    None
}
