//! Poster: delivers signer-set rotations and attested batches to every chain and settles that
//! chain's legs.
//!
//! For each attested batch and chain: if any leg of the batch is still escrowed there, the legs are
//! settled in one transaction — `settleBatch` with the hub's signatures when the Verifier does not
//! know the root yet, `settleMany` when it does (the Router skips legs someone else settled).
//! A (chain, batch) pair is recorded as posted after that transaction; a leg the Router skipped
//! (a COMMIT past its deadline, a token refusing the transfer) is left to `refundExpired`.
//! A leg whose COMMIT runs an action (docs/protocol.md §12) is settled on its own, with the
//! action the hub keeps for it, under a root the Verifier knows: when it does not yet, the root
//! is submitted first (`SubmitRoot`), then the other legs go through `settleMany`.
//!
//! A Verifier only checks signatures of epochs it knows, and rotates one epoch at a time with the
//! previous set's signatures. So before a batch closed under epoch *e* is delivered, the attested
//! `SignerSetUpdate`s up to *e* are delivered in epoch order; a batch whose epoch is not reachable
//! yet (update not attested, rotation delay not over) waits for a later round. Rotations nobody's
//! batch needs yet are delivered too, but never so far ahead that a batch still being signed under
//! an older epoch falls out of the Verifier's retained epochs.
use std::collections::HashMap;
use std::sync::Arc;

use mesh_chain::{AdapterError, Delivery, LegState, SettleItem, SettlementSink};
use mesh_hub::MeshHub;
use mesh_protocol::eip712::signer_set_hash;
use mesh_protocol::{Action, Hash32, SettlementBatch, Signature65, Verdict};

use super::{on, RoleError};
use crate::metrics::{ChainLabel, Metrics};
use crate::store::Store;

/// `SettlementVerifier.RETAINED_EPOCHS`: epochs before the current one that still verify.
pub const RETAINED_EPOCHS: u64 = 3;

pub struct Poster<C, H> {
    pub chains: Vec<C>,
    pub hub: H,
    pub store: Arc<Store>,
    pub metrics: Metrics,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct PosterTick {
    /// (chain id, batch index, legs settled)
    pub delivered: Vec<(u64, u64, usize)>,
    /// (chain id, new epoch) of every rotation this round delivered, in order.
    pub rotated: Vec<(u64, u64)>,
    /// (chain id, batch index) waiting for that chain's Verifier to reach the batch's epoch.
    pub waiting: Vec<(u64, u64)>,
    /// (chain id, batch index) whose settlement reverted, would revert or could not be sent
    /// this round: logged and counted, retried next round (the legs still locked are re-read).
    pub failed: Vec<(u64, u64)>,
}

/// Store counter: every attested batch below it is posted on every chain (0: none yet).
const POSTED_CURSOR: &str = "poster.posted_below";

impl<C: SettlementSink, H: MeshHub> Poster<C, H> {
    pub async fn tick(&self) -> Result<PosterTick, RoleError> {
        let mut out = PosterTick::default();
        // each Verifier's epoch, read at most once per round and updated as rotations land
        let mut epochs: Vec<Option<u64>> = vec![None; self.chains.len()];
        // Every closed batch below the oldest unattested one is attested; the cursor moves over
        // those once they are posted everywhere, so each round pages only through the batches
        // still to deliver (the hub answers 50 per page) however long the hub has run.
        let floor = self.hub.unattested_batches().await?.first().copied();
        let mut start_after = self.store.counter(POSTED_CURSOR)?.checked_sub(1);
        let mut prefix_posted = true;
        loop {
            let page = self.hub.attested_batches(start_after).await?;
            let Some(&last) = page.last() else { break };
            for index in page {
                if !self.chains.iter().all(|c| self.store.is_posted(c.domain(), index).unwrap_or(false)) {
                    self.deliver_batch(index, &mut epochs, &mut out).await?;
                }
                let posted = self.chains.iter().all(|c| self.store.is_posted(c.domain(), index).unwrap_or(false));
                prefix_posted &= posted && floor.is_none_or(|f| index < f);
                if prefix_posted {
                    self.store.set_counter(POSTED_CURSOR, index + 1)?;
                }
            }
            start_after = Some(last);
        }
        self.follow_hub_epoch(floor, &mut epochs, &mut out).await?;
        Ok(out)
    }

    /// Delivers attested batch `index` to every chain it is not posted on yet.
    async fn deliver_batch(
        &self,
        index: u64,
        epochs: &mut [Option<u64>],
        out: &mut PosterTick,
    ) -> Result<(), RoleError> {
        let batch = self.hub.batch(index).await?;
        let (Some(epoch), Some(root)) = (batch.epoch, batch.root) else { return Ok(()) };
        let signatures = sorted(&batch.signatures);
        // every bundle of the batch is read once, not once per chain
        let mut bundles = Vec::with_capacity(batch.entries.len());
        for entry in &batch.entries {
            bundles.push(self.hub.bundle(entry.bundle_id).await?);
        }
        let mut proofs: HashMap<Hash32, Vec<Hash32>> = HashMap::new();
        for (ci, chain) in self.chains.iter().enumerate() {
            let chain_id = chain.domain();
            if self.store.is_posted(chain_id, index)? {
                continue;
            }
            let mut items = Vec::new();
            let mut actions: Vec<(SettleItem, Action)> = Vec::new();
            let mut unlocked: Vec<(SettleItem, Box<mesh_protocol::Bundle>)> = Vec::new();
            for (entry, bundle) in batch.entries.iter().zip(&bundles) {
                for (i, leg) in bundle.bundle.legs.iter().enumerate() {
                    if leg.domain != chain_id {
                        continue;
                    }
                    // a mint or release leg locks nothing: it is to settle while NotLocked
                    let open = if leg.kind.needs_lock() { LegState::Locked } else { LegState::NotLocked };
                    if chain.leg_state(entry.bundle_id, i as u32).await.map_err(on(chain))? != open {
                        continue;
                    }
                    if let std::collections::hash_map::Entry::Vacant(slot) = proofs.entry(entry.bundle_id) {
                        let p = self.hub.merkle_proof(entry.bundle_id).await?;
                        slot.insert(p.proof.clone());
                    }
                    let item = SettleItem {
                        bundle_id: entry.bundle_id,
                        leg_index: i as u32,
                        verdict: entry.verdict,
                        proof: proofs[&entry.bundle_id].clone(),
                    };
                    match (&leg.action, entry.verdict) {
                        _ if !leg.kind.needs_lock() => unlocked.push((item, Box::new(bundle.bundle.clone()))),
                        (Some(action), Verdict::Commit) => actions.push((item, action.clone())),
                        _ => items.push(item),
                    }
                }
            }
            if !items.is_empty() || !actions.is_empty() || !unlocked.is_empty() {
                let known = chain.is_verified_root(root).await.map_err(on(chain))?;
                if !known {
                    let mut at = self.verifier_epoch(chain, &mut epochs[ci]).await?;
                    if at < epoch {
                        at = self.rotate_up_to(chain, at, epoch, out).await?;
                        epochs[ci] = Some(at);
                    }
                    if at < epoch {
                        // not an error: the update may still be collecting signatures, or the
                        // Verifier's rotation delay is not over
                        tracing::debug!(chain = %chain.name(), batch = index, epoch, verifier_epoch = at, "batch waits for its signer set");
                        out.waiting.push((chain_id, index));
                        continue;
                    }
                }
                let n = items.len() + actions.len() + unlocked.len();
                let batch = SettlementBatch { epoch, batch_index: index, root };
                let mut deliveries = Vec::new();
                // Plain legs take one transaction either way: an unknown root is checked in
                // place by `settleBatch` (no 20k-gas root cache write, docs/benchmarks.md); a
                // root the verifier already knows goes through `settleMany`. Action legs need
                // the root recorded first, and so do mint and release legs.
                let mut known = known;
                if (!actions.is_empty() || !unlocked.is_empty()) && !known {
                    deliveries.push(Delivery::SubmitRoot { batch, signatures: signatures.clone() });
                    known = true;
                }
                if !items.is_empty() {
                    deliveries.push(if known {
                        Delivery::SettleMany { root, items }
                    } else {
                        Delivery::SettleBatch { batch, signatures: signatures.clone(), items }
                    });
                }
                deliveries.extend(actions.into_iter().map(|(item, action)| Delivery::SettleAction {
                    root,
                    item,
                    action,
                }));
                // after the batch's lock legs (above), so a release finds the reserve they build
                deliveries.extend(unlocked.into_iter().map(|(item, bundle)| Delivery::SettleUnlocked {
                    root,
                    item,
                    bundle,
                }));
                let mut all_sent = true;
                for delivery in deliveries {
                    let root_first = matches!(delivery, Delivery::SubmitRoot { .. });
                    if !self.send(chain, delivery, index, out).await? {
                        all_sent = false;
                        // the rest needs the root; once it is known each settlement stands alone,
                        // so one that reverts for good (a mint past its refund opening) does not
                        // hold back the batch's other legs
                        if root_first {
                            break;
                        }
                    }
                }
                if !all_sent {
                    continue;
                }
                self.metrics.legs_settled.get_or_create(&ChainLabel::new(chain.name())).inc_by(n as u64);
                tracing::info!(chain = %chain.name(), batch = index, legs = n, "settled legs");
                out.delivered.push((chain_id, index, n));
            }
            self.store.mark_posted(chain_id, index)?;
        }
        Ok(())
    }

    /// Sends one settlement transaction of batch `index`; `false` when it was not delivered this
    /// round (logged, counted and recorded in `out.failed`: retried next round, the legs still
    /// locked re-read). One odd chain, revert or receipt never stops the poster (nor the other
    /// chains' deliveries); a settlement that reverts for good fails its gas estimate from then
    /// on, so nothing more is spent.
    async fn send(&self, chain: &C, delivery: Delivery, index: u64, out: &mut PosterTick) -> Result<bool, RoleError> {
        let failures = self.metrics.settlement_failures.get_or_create(&ChainLabel::new(chain.name())).clone();
        let what = delivery_name(&delivery);
        let sent = match chain.send(delivery).await {
            Ok(sent) => sent,
            // a key that cannot sign is a configuration problem, not a bad round
            Err(e) if !e.is_recoverable() && !e.would_revert() => return Err(RoleError::chain(chain.name(), e)),
            Err(e) => {
                failures.inc();
                tracing::warn!(chain = %chain.name(), batch = index, delivery = what, error = %e, "settlement not delivered; retrying next round");
                out.failed.push((chain.domain(), index));
                return Ok(false);
            }
        };
        if !sent.success {
            failures.inc();
            tracing::error!(chain = %chain.name(), batch = index, delivery = what, tx = %sent.tx, "settlement reverted; retrying next round");
            out.failed.push((chain.domain(), index));
            return Ok(false);
        }
        tracing::debug!(chain = %chain.name(), batch = index, delivery = what, tx = %sent.tx, "delivered");
        Ok(true)
    }

    /// Rotations no pending delivery asked for: Verifiers follow the hub. `floor` is the oldest
    /// unattested batch, as read at the start of the round.
    async fn follow_hub_epoch(
        &self,
        floor: Option<u64>,
        epochs: &mut [Option<u64>],
        out: &mut PosterTick,
    ) -> Result<(), RoleError> {
        if let Some(current) = self.hub.current_signer_set().await? {
            let hub_epoch = current.set.epoch;
            let mut limit = None;
            for (ci, chain) in self.chains.iter().enumerate() {
                let at = self.verifier_epoch(chain, &mut epochs[ci]).await?;
                if at >= hub_epoch {
                    continue;
                }
                if limit.is_none() {
                    limit = Some(self.rotation_limit(hub_epoch, floor).await?);
                }
                let target = limit.unwrap_or(hub_epoch);
                if at < target {
                    epochs[ci] = Some(self.rotate_up_to(chain, at, target, out).await?);
                }
            }
        }
        Ok(())
    }

    async fn verifier_epoch(&self, chain: &C, cached: &mut Option<u64>) -> Result<u64, RoleError> {
        if let Some(e) = cached {
            return Ok(*e);
        }
        let e = chain.current_epoch().await.map_err(on(chain))?;
        *cached = Some(e);
        Ok(e)
    }

    /// How far Verifiers may be rotated ahead of need: the oldest batch still being signed must
    /// stay within the retained epochs. `floor` is the oldest batch still being signed.
    async fn rotation_limit(&self, hub_epoch: u64, floor: Option<u64>) -> Result<u64, RoleError> {
        let Some(first) = floor else { return Ok(hub_epoch) };
        let oldest = self.hub.batch(first).await?.epoch.unwrap_or(hub_epoch);
        Ok(hub_epoch.min(oldest.saturating_add(RETAINED_EPOCHS)))
    }

    /// Delivers the hub's attested rotations `from + 1 ..= target` to `chain`, in order; stops at
    /// the first one that cannot go yet. Returns the epoch the Verifier is at afterwards.
    async fn rotate_up_to(&self, chain: &C, from: u64, target: u64, out: &mut PosterTick) -> Result<u64, RoleError> {
        let chain_id = chain.domain();
        let mut at = from;
        while at < target {
            let new_epoch = at + 1;
            let Some(update) = self.hub.signer_set_update(new_epoch).await? else { break };
            if !update.attested {
                break;
            }
            if let Some(tx) = self.store.delivered_rotation(chain_id, new_epoch)? {
                // delivered by this poster before (maybe before a restart): do not send it twice
                if chain.tx_status(Hash32(tx.into())).await.map_err(on(chain))? == Some(true) {
                    tracing::debug!(chain = %chain.name(), new_epoch, "rotation mined, waiting for the node to show it");
                    break;
                }
                tracing::warn!(chain = %chain.name(), new_epoch, tx = %Hash32(tx.into()), "the chain lost a delivered rotation (reorg); sending it again");
                self.store.forget_rotation(chain_id, new_epoch)?;
            }
            if update.new_set.epoch != new_epoch || signer_set_hash(&update.new_set) != update.update.signers_hash.0 {
                return Err(RoleError::Fatal(format!(
                    "signer-set update {new_epoch}: the hub's set does not match its signers hash"
                )));
            }
            if !chain.rotation_allowed().await.map_err(on(chain))? {
                tracing::debug!(chain = %chain.name(), new_epoch, "verifier's rotation delay not over");
                break;
            }
            let delivery = Delivery::Rotate { set: update.new_set.clone(), signatures: sorted(&update.signatures) };
            match chain.send(delivery).await {
                Ok(sent) if sent.success => {
                    self.store.record_rotation(chain_id, new_epoch, sent.tx.0 .0)?;
                    self.metrics.rotations_delivered.get_or_create(&ChainLabel::new(chain.name())).inc();
                    tracing::info!(chain = %chain.name(), new_epoch, tx = %sent.tx, "delivered signer-set rotation");
                    out.rotated.push((chain_id, new_epoch));
                    at = new_epoch;
                }
                Ok(sent) => {
                    // another poster's rotation landed first, or the delay was judged too early
                    let now = chain.current_epoch().await.map_err(on(chain))?;
                    if now >= new_epoch {
                        at = now;
                        continue;
                    }
                    return Err(RoleError::Chain {
                        chain: chain.name().into(),
                        recoverable: true,
                        source: format!("rotate to epoch {new_epoch} reverted (tx {})", sent.tx).into(),
                    });
                }
                Err(e) if e.would_revert() => {
                    let now = chain.current_epoch().await.map_err(on(chain))?;
                    if now >= new_epoch {
                        tracing::debug!(chain = %chain.name(), new_epoch, "already rotated by another poster");
                        at = now;
                        continue;
                    }
                    return Err(RoleError::chain(chain.name(), e));
                }
                Err(e) => return Err(RoleError::chain(chain.name(), e)),
            }
        }
        Ok(at)
    }
}

/// Signatures as verifiers take them: by ascending signer (the hub answers them so; sorting
/// again costs nothing and does not trust it).
fn delivery_name(d: &Delivery) -> &'static str {
    match d {
        Delivery::Rotate { .. } => "rotate",
        Delivery::SettleBatch { .. } => "settleBatch",
        Delivery::SettleMany { .. } => "settleMany",
        Delivery::SubmitRoot { .. } => "submitRoot",
        Delivery::SettleAction { .. } => "settleAction",
        Delivery::SettleUnlocked { .. } => "settleUnlocked",
    }
}

fn sorted(signatures: &[mesh_hub_api::bundle_log::SignerSignature]) -> Vec<Signature65> {
    let mut sorted: Vec<_> = signatures.iter().collect();
    sorted.sort_by_key(|s| s.signer);
    sorted.iter().map(|s| s.signature).collect()
}
