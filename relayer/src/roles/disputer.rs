//! Disputer: re-checks every lock report on the hub against its own EVM RPC and proves the false
//! ones (header RLP + receipt + receipt-trie proof), inside the report's dispute window.
use std::collections::HashMap;

use mesh_hub_api::bundle_log::{LogEvent, ReportResponse};
use mesh_hub_api::dispute::FraudProof;
use mesh_protocol::evm::{build_receipt_proof, decode_receipt, LegLockedLog};
use mesh_protocol::{Address, Hash32};

use super::RoleError;
use crate::evm::{EvmEvidence, EvmSource};
use crate::hub::MeshHub;
use crate::metrics::Metrics;
use crate::store::Store;

/// What checking one report against the chain showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// The chain has exactly the reported lock.
    Honest,
    /// The reported receipt failed or does not carry the reported lock: provable.
    False(String),
    /// The reported block is not on this node's chain (non-canonical block; needs a vote, not a proof).
    UnknownBlock,
}

/// Checks a report against the chain; on a provable mismatch returns the proof too.
pub async fn check_report<E: EvmSource + EvmEvidence>(
    evm: &E,
    router: Address,
    r: &ReportResponse,
) -> Result<(Finding, Option<FraudProof>), RoleError> {
    let Some(report) = &r.report else { return Ok((Finding::Honest, None)) };
    let loc = &report.location;
    let block = match evm.block(loc.block_number).await? {
        Some(b) if b.hash == loc.block_hash.0 => b,
        _ => return Ok((Finding::UnknownBlock, None)),
    };
    let receipts = evm.block_receipts(loc.block_number).await?;
    // No transaction at that index: proven by an exclusion proof (an empty receipt).
    let receipt_bytes = receipts.get(loc.tx_index as usize).cloned().unwrap_or_default();
    let problem = if receipt_bytes.is_empty() {
        Some(format!("the block has no transaction {}", loc.tx_index))
    } else if block.timestamp != loc.block_timestamp {
        // the header in the proof shows the real timestamp (what the lock-deadline check used)
        Some(format!("the block's timestamp is {}, not {}", block.timestamp, loc.block_timestamp))
    } else {
        let receipt =
            decode_receipt(&receipt_bytes).map_err(|e| RoleError::Fatal(format!("undecodable receipt: {e}")))?;
        if !receipt.success {
            Some("the reported transaction failed".to_string())
        } else {
            match receipt.logs.get(loc.log_index as usize).map(LegLockedLog::decode) {
                None => Some(format!("the receipt has no log {}", loc.log_index)),
                Some(Err(_)) => Some(format!("log {} is not a LegLocked event", loc.log_index)),
                Some(Ok(ev)) => {
                    if ev.router != router {
                        Some(format!("log {} was emitted by {} , not the router", loc.log_index, ev.router))
                    } else if ev.bundle_id != r.bundle_id.0 || ev.index != r.leg_index {
                        Some("the log is for another leg".into())
                    } else if ev.leg_hash != r.leg_hash.0 || ev.settle_deadline != r.settle_deadline {
                        Some("the log's leg hash or settle deadline differs".into())
                    } else if ev.amount < r.leg.amount.0 {
                        Some("the escrowed amount is below the leg's".into())
                    } else {
                        None
                    }
                }
            }
        }
    };
    let Some(why) = problem else { return Ok((Finding::Honest, None)) };
    let header = evm.header_rlp(loc.block_number).await?;
    let (root, proof) = build_receipt_proof(&receipts, loc.tx_index);
    let info = mesh_protocol::evm::decode_header(&header).map_err(|e| RoleError::Fatal(format!("own header: {e}")))?;
    if info.receipts_root != root {
        return Err(RoleError::Fatal(format!(
            "block {}: rebuilt receipts root differs from the header",
            loc.block_number
        )));
    }
    let fraud = FraudProof::FalseLock {
        bundle_id: r.bundle_id,
        leg_index: r.leg_index,
        header: header.into(),
        receipt: receipt_bytes.into(),
        receipt_proof: proof.into_iter().map(|n| n.to_vec().into()).collect(),
    };
    Ok((Finding::False(why), Some(fraud)))
}

pub struct Disputer<E, H> {
    /// Chains this disputer can check, by chain id, with their routers.
    pub chains: HashMap<u64, (E, Address)>,
    pub hub: H,
    pub store: std::sync::Arc<Store>,
    pub metrics: Metrics,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct DisputerTick {
    pub checked: usize,
    pub proven: Vec<(Hash32, u32)>,
}

const LOG_CURSOR: &str = "disputer.log_next";

impl<E: EvmSource + EvmEvidence, H: MeshHub> Disputer<E, H> {
    pub async fn tick(&self) -> Result<DisputerTick, RoleError> {
        let mut out = DisputerTick::default();
        let next = self.store.counter(LOG_CURSOR)?;
        let page = self.hub.log(next.checked_sub(1), 50).await?;
        let mut last = None;
        for entry in &page.entries {
            last = Some(entry.seq);
            let LogEvent::LegReported { bundle_id, leg_index, report_id, .. } = &entry.event else { continue };
            if self.store.checked_report(*report_id)?.is_some() {
                continue;
            }
            let Some(r) = self.hub.report(*bundle_id, *leg_index).await? else { continue };
            let current = r.report.as_ref().map(|x| x.report_id);
            if current != Some(*report_id) || r.decided {
                // already reverted, replaced or final: nothing to prove any more
                self.store.mark_checked(*report_id, 0)?;
                continue;
            }
            let Some((evm, router)) = r.report.as_ref().and_then(|x| self.chains.get(&x.location.chain_id)) else {
                tracing::debug!(bundle = %bundle_id, leg = leg_index, "report on a chain this disputer does not watch");
                self.store.mark_checked(*report_id, 0)?;
                continue;
            };
            let loc_block = r.report.as_ref().map(|x| x.location.block_number).unwrap_or_default();
            if evm.head().await? < loc_block {
                // our node is behind the reported block: look again next round
                last = entry.seq.checked_sub(1);
                break;
            }
            out.checked += 1;
            let (finding, proof) = check_report(evm, *router, &r).await?;
            match (finding, proof) {
                (Finding::False(why), Some(proof)) => {
                    tracing::warn!(bundle = %bundle_id, leg = leg_index, report_id, %why, "false lock report: submitting fraud proof");
                    match self.hub.submit_fraud(proof).await {
                        Ok(tx) => {
                            self.metrics.frauds_found.inc();
                            tracing::info!(%tx, "fraud proven");
                            out.proven.push((*bundle_id, *leg_index));
                            self.store.mark_checked(*report_id, 1)?;
                        }
                        // proven by someone else first, or the window closed: record and move on
                        Err(e) if e.contract_log().is_some() => {
                            tracing::warn!(error = %e, "fraud proof refused");
                            self.store.mark_checked(*report_id, 2)?;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                (Finding::UnknownBlock, _) => {
                    tracing::warn!(bundle = %bundle_id, leg = leg_index, "reported block is not on this node's chain; cannot prove with a receipt");
                    self.store.mark_checked(*report_id, 3)?;
                }
                _ => self.store.mark_checked(*report_id, 0)?,
            }
        }
        if let Some(seq) = last {
            self.store.set_counter(LOG_CURSOR, seq + 1)?;
        } else if !page.entries.is_empty() {
            self.store.set_counter(LOG_CURSOR, next)?;
        }
        Ok(out)
    }
}
