//! Checker: re-checks every other relayer's report on this relayer's own node during its dispute
//! window, and objects to what it cannot confirm (audit finding 2a).
//!
//! A report that points at a block that never existed (random 32 bytes for a hash) cannot be
//! proven false — no header hashes to it — so the bundle-log also rejects a report once
//! objections of members of the current signer set weigh a third of the set. Per chain and
//! round the checker pages `OpenReports`, skips its own reports and those it judged already, and
//! for each report reads, at the chain's confirmation depth: the block by number (hash and
//! timestamp), the transaction at the reported index and its receipt (which must belong to that
//! block: the EVM adapter checks), its status, and the log at the reported index — a `LegLocked`
//! of the leg's Router for this bundle, leg index and leg hash, an amount of at least the leg's
//! and the bundle's settle deadline. Every decision is committed to the database before anything
//! is sent, and all objections of a round go in one `ObjectReports`: a restart never forgets an
//! objection and never judges a report twice; an objection the hub already counted (its
//! `objectors` list this signer) is not sent again.
//!
//! An RPC error is never a reason to object (the report is looked at again next round); an odd
//! block, receipt or log is logged and counted, never stops the process.
use std::collections::HashSet;

use mesh_chain::{Confirmation, LegSource, LockEvidence};
use mesh_hub::MeshHub;
use mesh_hub_api::bundle_log::Objection;
use mesh_protocol::EvmAddress;

use super::RoleError;
use crate::metrics::{ChainLabel, Metrics};
use crate::store::{Judgement, Store};

/// One chain whose reports are checked.
pub struct CheckedChain<C> {
    pub chain: C,
    /// Blocks a reported block must be buried under before it is judged (the reporters' depth).
    pub confirmations: u64,
}

pub struct Checker<C, H> {
    pub chains: Vec<CheckedChain<C>>,
    pub hub: H,
    /// This relayer's hub address: its own reports are not checked.
    pub me: String,
    /// This relayer's EVM signer: only members of the current signer set object.
    pub signer: EvmAddress,
    pub store: std::sync::Arc<Store>,
    pub metrics: Metrics,
    /// Most objections per `ObjectReports` (the hub's `max_reports_per_msg`).
    pub max_objections_per_msg: usize,
}

/// What one tick did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CheckerTick {
    /// Reports confirmed on this node.
    pub confirmed: usize,
    /// Objections the hub took this round.
    pub objected: usize,
    /// Reports whose block is not yet at the confirmation depth on this node.
    pub waiting: usize,
    /// Reports left for the next round because the node did not answer.
    pub errors: usize,
    /// Reports rejected by this round's objections (they reached a third of the weight).
    pub rejected: usize,
}

impl<C: LockEvidence + LegSource, H: MeshHub> Checker<C, H> {
    pub async fn tick(&self) -> Result<CheckerTick, RoleError> {
        let mut out = CheckerTick::default();
        // only members of the current set (not jailed) may object; others have nothing to do
        let member = self.hub.current_signer_set().await?.is_some_and(|s| {
            s.set.signers.iter().any(|w| w.address == self.signer) && !s.jailed.contains(&self.signer)
        });
        if !member {
            return Ok(out);
        }
        let mut to_send: Vec<(u64, u64, Objection)> = Vec::new();
        for chain in &self.chains {
            self.check_chain(chain, &mut out, &mut to_send).await?;
        }
        to_send.truncate(self.max_objections_per_msg.max(1));
        if to_send.is_empty() {
            return Ok(out);
        }
        let objections: Vec<Objection> = to_send.iter().map(|(_, _, o)| o.clone()).collect();
        let resp = self.hub.object_reports(objections).await?;
        let sent: Vec<(u64, u64, Judgement)> =
            to_send.into_iter().map(|(id, chain, o)| (id, chain, Judgement::Objected(o))).collect();
        self.store.record_judgements(&sent)?;
        out.objected = resp.counted.len() + resp.rejected.len();
        out.rejected = resp.rejected.len();
        self.metrics.objections_sent.inc_by(out.objected as u64);
        self.metrics.reports_rejected.inc_by(out.rejected as u64);
        tracing::info!(
            counted = resp.counted.len(),
            rejected = resp.rejected.len(),
            ignored = resp.ignored.len(),
            "objected to reports this node cannot confirm"
        );
        Ok(out)
    }

    async fn check_chain(
        &self,
        checked: &CheckedChain<C>,
        out: &mut CheckerTick,
        to_send: &mut Vec<(u64, u64, Objection)>,
    ) -> Result<(), RoleError> {
        let chain = &checked.chain;
        let chain_id = chain.domain();
        let errors = self.metrics.check_errors.get_or_create(&ChainLabel::new(chain.name())).clone();
        let open = self.hub.open_reports(chain_id).await?;
        let open_ids: HashSet<u64> = open.iter().map(|r| r.report.report_id).collect();
        let mut decided: Vec<(u64, u64, Judgement)> = Vec::new();
        // the head is read once per chain and round, and only when a report needs judging
        let mut head = None;
        for r in &open {
            let id = r.report.report_id;
            if r.report.reporter.as_str() == self.me {
                continue;
            }
            match self.store.judgement(id)? {
                Some(Judgement::Confirmed | Judgement::Objected(_)) => continue,
                Some(Judgement::Objecting(o)) => {
                    // decided before a restart: send it, unless the hub already counted it
                    if r.report.objectors.contains(&self.signer) {
                        decided.push((id, chain_id, Judgement::Objected(o)));
                    } else {
                        to_send.push((id, chain_id, o));
                    }
                    continue;
                }
                None => {}
            }
            let h = match head {
                Some(h) => h,
                None => match chain.head().await {
                    Ok(h) => *head.insert(h),
                    Err(e) => {
                        errors.inc();
                        out.errors += 1;
                        tracing::warn!(chain = %chain.name(), error = %e, "no head: reports are checked next round");
                        break;
                    }
                },
            };
            match chain.confirm_lock(r, h, checked.confirmations).await {
                Ok(Confirmation::Wait) => out.waiting += 1,
                Ok(Confirmation::Confirmed) => {
                    out.confirmed += 1;
                    self.metrics.reports_confirmed.inc();
                    decided.push((id, chain_id, Judgement::Confirmed));
                }
                Ok(Confirmation::Object(reason)) => {
                    tracing::warn!(chain = %chain.name(), bundle = %r.bundle_id, leg = r.leg_index, report = id, reporter = %r.report.reporter, ?reason, "cannot confirm a report: objecting");
                    let o = Objection { bundle_id: r.bundle_id, leg_index: r.leg_index, report_id: id, reason };
                    decided.push((id, chain_id, Judgement::Objecting(o.clone())));
                    to_send.push((id, chain_id, o));
                }
                Err(e) => {
                    errors.inc();
                    out.errors += 1;
                    tracing::warn!(chain = %chain.name(), bundle = %r.bundle_id, leg = r.leg_index, error = %e, "could not check a report; next round");
                }
            }
        }
        // objections decided earlier for reports that are no longer open can never count
        for (id, o) in self.store.unsent_objections(chain_id)? {
            if !open_ids.contains(&id) {
                decided.push((id, chain_id, Judgement::Objected(o)));
            }
        }
        // committed before anything is sent: a crash after this re-sends, never forgets
        self.store.record_judgements(&decided)?;
        Ok(())
    }
}
