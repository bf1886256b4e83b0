//! Disputer: re-checks every lock report on the hub against its own EVM RPC and proves the false
//! ones (header RLP + receipt + receipt-trie proof), inside the report's dispute window.
//!
//! It also watches what signer-set quorums deliver to each chain: a colluding quorum can push a
//! root the hub never closed straight to a Verifier (`submitBatch`), through a Router
//! (`settleBatch`), or rotate to a set the hub never made (`rotate`). Every signature in those
//! calls that recovers to a registered relayer over a statement the hub did not make is proven
//! with a `WrongAttestation` / `WrongSignerSetUpdate` proof.
//!
//! Why not `Equivocation` when the hub also holds that signer's signature over its own root: the
//! contract accepts the wrong-statement proof in every such case (the hub closed another root),
//! it needs only the signature seen on the chain, and proving one kind consistently means a
//! restart or a second disputer collides on the contract's replay key instead of slashing the
//! same signature twice under two kinds. `mesh dispute prove-equivocation` covers pairs of
//! signatures found elsewhere.
//!
//! Reorgs need no rewind here: a signature is evidence by itself, whether or not the block that
//! carried it stays canonical.
use std::collections::HashMap;

use mesh_chain::{DeliveredSignature, DomainId, LockCheck, LockEvidence, SignatureWatch};
use mesh_hub::MeshHub;
use mesh_hub_api::bundle_log::LogEvent;
use mesh_protocol::eip712::HubDomain;
use mesh_protocol::{EvmAddress, Hash32};

use super::{on, RoleError};
use crate::fraud::{self, ProofError, Slot};
use crate::metrics::Metrics;
use crate::store::Store;

/// How far behind a chain's head to read its delivered signatures, and from where.
#[derive(Clone, Debug)]
pub struct WatchedDeliveries {
    pub confirmations: u64,
    /// First block to read when the database has no cursor for the chain.
    pub start_block: u64,
    /// Most blocks per `eth_getLogs` range.
    pub max_range: u64,
}

pub struct Disputer<C, W, H> {
    /// Chains whose optimistic reports this disputer can check, by domain.
    pub chains: HashMap<DomainId, C>,
    /// Chains whose delivered signatures are checked against the hub, by domain (every VM: a
    /// quorum may deliver a root the hub never closed to any chain).
    pub watches: HashMap<DomainId, (W, WatchedDeliveries)>,
    /// The hub's EIP-712 domain (what signatures are recovered over).
    pub domain: HubDomain,
    pub hub: H,
    pub store: std::sync::Arc<Store>,
    pub metrics: Metrics,
}

/// A wrong signature found on a chain and proven on the hub.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvenSignature {
    /// The domain of the chain the signature was delivered to.
    pub chain_id: DomainId,
    pub signer: EvmAddress,
    pub slot: Slot,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct DisputerTick {
    pub checked: usize,
    pub proven: Vec<(Hash32, u32)>,
    /// Wrong signatures proven this round.
    pub signatures_proven: Vec<ProvenSignature>,
}

const LOG_CURSOR: &str = "disputer.log_next";
/// Ranges read per chain per round, so one far-behind chain cannot starve the report checks.
const SIGNATURE_RANGES_PER_TICK: usize = 8;

/// Outcomes recorded per signature fraud.
const PROVEN: u8 = 1;
const REFUSED: u8 = 2;

fn signature_cursor(chain_id: u64) -> String {
    format!("disputer.signatures_next.{chain_id}")
}

impl<C: LockEvidence, W: SignatureWatch, H: MeshHub> Disputer<C, W, H> {
    pub async fn tick(&self) -> Result<DisputerTick, RoleError> {
        let mut out = self.check_reports().await?;
        out.signatures_proven = self.watch_signatures().await?;
        Ok(out)
    }

    /// Reads each watched chain's deliveries up to head − confirmations and proves every wrong
    /// signature in them once.
    pub async fn watch_signatures(&self) -> Result<Vec<ProvenSignature>, RoleError> {
        let mut out = Vec::new();
        // statements the hub made, as learnt this round: an honest batch delivered with k
        // signatures to n chains is checked against the hub once, not k·n times
        let mut agreed = std::collections::HashSet::new();
        let mut ids: Vec<u64> = self.watches.keys().copied().collect();
        ids.sort_unstable();
        for chain_id in ids {
            let (chain, w) = &self.watches[&chain_id];
            let key = signature_cursor(chain_id);
            let head = chain.watch_head().await.map_err(on(chain))?;
            let Some(safe) = head.checked_sub(w.confirmations) else { continue };
            for _ in 0..SIGNATURE_RANGES_PER_TICK {
                let from = match self.store.counter(&key)? {
                    0 => w.start_block,
                    next => next,
                };
                if from > safe {
                    break;
                }
                let to = safe.min(from.saturating_add(w.max_range.max(1) - 1));
                let delivered = chain.delivered_signatures(from, to).await.map_err(on(chain))?;
                for d in &delivered {
                    if let Some(p) = self.prove_signature(chain_id, d, &mut agreed).await? {
                        out.push(p);
                    }
                }
                // Each proof's outcome is recorded as it happens; a crash before this line only
                // re-reads the range, and the recorded outcomes keep it from proving twice.
                self.store.set_counter(&key, to + 1)?;
            }
        }
        Ok(out)
    }

    async fn prove_signature(
        &self,
        chain_id: u64,
        d: &DeliveredSignature,
        agreed: &mut std::collections::HashSet<(fraud::Slot, Hash32)>,
    ) -> Result<Option<ProvenSignature>, RoleError> {
        let statement = (fraud::slot(&d.statement), fraud::content(&d.statement));
        if agreed.contains(&statement) {
            return Ok(None);
        }
        // garbage signatures (e.g. in a `settleBatch` of a cached root, which checks none) prove nothing
        let Ok(signer) = fraud::signer(&self.domain, &d.statement, "delivered") else { return Ok(None) };
        let key = fraud::wrong_statement_key(&d.statement, signer);
        if self.store.signature_fraud(&key)?.is_some() {
            return Ok(None);
        }
        let f = match fraud::wrong_statement(&self.hub, &self.domain, &d.statement).await {
            Ok(f) => f,
            Err(ProofError::Hub(e)) => return Err(e.into()),
            Err(ProofError::HubAgrees { .. }) => {
                agreed.insert(statement);
                return Ok(None);
            }
            Err(e) => {
                tracing::debug!(tx = %d.tx, %signer, error = %e, "delivered signature proves nothing");
                return Ok(None);
            }
        };
        tracing::warn!(
            chain_id, tx = %d.tx, block = d.block, %signer, slot = %f.slot,
            signed = %fraud::content(&d.statement), hub_has = ?f.hub_has,
            "a signature over a statement the hub never made was delivered: submitting fraud proof"
        );
        match self.hub.submit_fraud(f.proof).await {
            Ok(tx) => {
                self.metrics.frauds_found.inc();
                tracing::info!(%tx, %signer, "signature fraud proven");
                self.store.mark_signature_fraud(&key, PROVEN)?;
                Ok(Some(ProvenSignature { chain_id, signer, slot: f.slot }))
            }
            // proven by someone else first (or the hub changed since the check): record and move on
            Err(e) if e.contract_log().is_some() => {
                tracing::warn!(error = %e, %signer, "signature fraud proof refused");
                self.store.mark_signature_fraud(&key, REFUSED)?;
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Checks every new lock report on the hub against this disputer's own EVM RPC.
    pub async fn check_reports(&self) -> Result<DisputerTick, RoleError> {
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
            let Some(chain) = self.chains.get(&r.leg.domain) else {
                tracing::debug!(bundle = %bundle_id, leg = leg_index, "report on a chain this disputer does not watch");
                self.store.mark_checked(*report_id, 0)?;
                continue;
            };
            let check = chain.check_lock(&r).await.map_err(on(chain))?;
            if check == LockCheck::NotYet {
                // our node is behind the reported block: look again next round
                last = entry.seq.checked_sub(1);
                break;
            }
            out.checked += 1;
            match check {
                LockCheck::False { why, proof } => {
                    tracing::warn!(bundle = %bundle_id, leg = leg_index, report_id, %why, "false lock report: submitting fraud proof");
                    match self.hub.submit_fraud(*proof).await {
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
                LockCheck::UnknownBlock => {
                    tracing::warn!(bundle = %bundle_id, leg = leg_index, "reported block is not on this node's chain; cannot prove with a receipt");
                    self.store.mark_checked(*report_id, 3)?;
                }
                LockCheck::Unprovable(why) => {
                    self.metrics.unprovable_reports.inc();
                    tracing::warn!(bundle = %bundle_id, leg = leg_index, %why, "cannot build a proof from this node's data; moving on");
                    self.store.mark_checked(*report_id, 4)?;
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
