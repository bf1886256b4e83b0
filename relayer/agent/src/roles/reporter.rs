//! Reporter: mirrors `LegLocked` events into the hub.
//!
//! Per chain it indexes `[cursor, head − confirmations]` in bounded ranges, keeping the hash of
//! the last block of every range; when that hash no longer matches the chain, a reorg deeper
//! than the confirmation depth happened and the cursor rewinds to the newest block that still
//! matches, dropping reports from the replaced blocks that never reached the hub. Found locks are
//! committed as pending together with the cursor, then sent in batched `ReportLocks`; a leg the
//! hub already has counts as done, so a crash between broadcast and bookkeeping re-sends and the
//! hub treats the repeat as a no-op. It also calls `Advance` when bundles are due.
use std::collections::{BTreeMap, HashMap};

use mesh_chain::{HeaderSource, LegSource, ObservedLock};
use mesh_hub::MeshHub;
use mesh_hub_api::bundle_log::{AwaitingLeg, LockLocation, LockReport};

use super::light_clients::LightClients;
use super::{on, RoleError};
use crate::metrics::Metrics;
use crate::store::{leg_key, Pending, Store};

/// One watched chain.
pub struct WatchedChain<C> {
    pub chain: C,
    pub confirmations: u64,
    pub start_block: u64,
    pub max_range: u64,
}

pub struct Reporter<C, H, S> {
    pub chains: Vec<WatchedChain<C>>,
    pub hub: H,
    /// The light clients of the watched CosmWasm chains, updated before their reports are sent.
    pub light_clients: LightClients<S>,
    pub store: std::sync::Arc<Store>,
    pub metrics: Metrics,
    /// Most reports per `ReportLocks` (the hub's `max_reports_per_msg`).
    pub max_reports_per_msg: usize,
    /// The hub's `batch_max_age`: an open batch older than this is worth an `Advance`.
    pub batch_max_age: u64,
}

/// What one tick did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReporterTick {
    pub indexed_events: usize,
    pub rewound: usize,
    pub submitted: usize,
    pub duplicates: usize,
    pub advanced: bool,
}

fn to_pending(lock: &ObservedLock) -> Pending {
    let r = &lock.report;
    Pending { key: leg_key(&r.bundle_id.0 .0, r.leg_index), block: lock.block.number, report: r.clone() }
}

impl<C: LegSource, H: MeshHub, S: HeaderSource + LegSource> Reporter<C, H, S> {
    pub async fn tick(&self) -> Result<ReporterTick, RoleError> {
        let mut out = ReporterTick::default();
        for chain in &self.chains {
            let (events, rewound) = self.index_chain(chain).await?;
            out.indexed_events += events;
            out.rewound += rewound;
        }
        // one awaiting-legs query per chain and round, shared by both steps below
        let mut awaiting = HashMap::new();
        for c in &self.chains {
            let domain = c.chain.domain();
            awaiting.insert(domain, self.hub.awaiting_reports(domain).await?);
        }
        self.reinstate_reverted(&awaiting).await?;
        let (submitted, duplicates) = self.submit_pending(&awaiting).await?;
        out.submitted = submitted;
        out.duplicates = duplicates;
        out.advanced = self.prune_and_advance_if_due().await?;
        self.light_clients.refresh(&self.hub, crate::time::unix_now()).await?;
        Ok(out)
    }

    /// Detects a reorg below the cursor and rewinds; returns the number of dropped reports.
    async fn check_reorg(&self, watched: &WatchedChain<C>, cursor: u64) -> Result<usize, RoleError> {
        let (chain, id) = (&watched.chain, watched.chain.domain());
        let stored = self.store.stored_blocks_below(id, cursor)?;
        let Some((newest, hash)) = stored.first().copied() else { return Ok(0) };
        if chain.block(newest).await.map_err(on(chain))?.is_some_and(|b| b.hash.0 .0 == hash) {
            return Ok(0);
        }
        // Walk back to the newest stored block still on the chain.
        let mut keep = watched.start_block.saturating_sub(1);
        for (n, h) in stored.iter().skip(1) {
            if chain.block(*n).await.map_err(on(chain))?.is_some_and(|b| b.hash.0 .0 == *h) {
                keep = *n;
                break;
            }
        }
        let dropped = self.store.rewind(id, &chain.vm(), keep)?;
        self.metrics.reorgs.get_or_create(&crate::metrics::ChainLabel::new(chain.name())).inc();
        tracing::warn!(chain = %chain.name(), from = newest, to = keep, dropped, "reorg below the confirmation depth: rewound");
        Ok(dropped.max(1))
    }

    async fn index_chain(&self, watched: &WatchedChain<C>) -> Result<(usize, usize), RoleError> {
        let (chain, id) = (&watched.chain, watched.chain.domain());
        let mut cursor = self.store.cursor(id)?.unwrap_or(watched.start_block);
        let rewound = self.check_reorg(watched, cursor).await?;
        if rewound > 0 {
            cursor = self.store.cursor(id)?.unwrap_or(watched.start_block);
        }
        let head = chain.head().await.map_err(on(chain))?;
        let safe = head.saturating_sub(watched.confirmations);
        self.metrics
            .lag
            .get_or_create(&crate::metrics::ChainLabel::new(chain.name()))
            .set(head.saturating_sub(cursor) as i64);
        if safe < cursor {
            return Ok((0, rewound));
        }
        let to = safe.min(cursor + watched.max_range - 1);
        // The range's last block is read *before* its logs: if a reorg lands in between, the
        // stored hash is the older one and the next round sees the mismatch and rewinds. Read
        // after the logs, it could already be the new fork's and hide that the logs are stale.
        let last =
            chain.block(to).await.map_err(on(chain))?.ok_or_else(|| {
                RoleError::Fatal(format!("{}: block {to} below head {head} is missing", chain.name()))
            })?;
        let events = chain.leg_locks(cursor, to).await.map_err(on(chain))?;
        let mut hashes = vec![(to, last.hash.0 .0)];
        // keep the hashes of blocks with events too: a finer rewind point
        for e in &events {
            hashes.push((e.block.number, e.block.hash.0 .0));
        }
        let reports: Vec<Pending> = events.iter().map(to_pending).collect();
        let added = self.store.commit_range(id, to + 1, &hashes, &reports)?;
        self.metrics
            .events_indexed
            .get_or_create(&crate::metrics::ChainLabel::new(chain.name()))
            .inc_by(events.len() as u64);
        if !events.is_empty() {
            tracing::info!(chain = %chain.name(), from = cursor, to, events = events.len(), new = added, "indexed LegLocked events");
        }
        Ok((events.len(), rewound))
    }

    /// A leg the hub awaits again although this relayer mirrored its lock had its report reverted
    /// (another relayer's false report was proven): report the genuine lock again.
    async fn reinstate_reverted(&self, awaiting: &HashMap<u64, Vec<AwaitingLeg>>) -> Result<(), RoleError> {
        for legs in awaiting.values() {
            for leg in legs {
                let key = leg_key(&leg.bundle_id.0 .0, leg.leg_index);
                if !(self.store.is_mirrored(&key)? && self.store.is_done(&key)?) {
                    continue;
                }
                // a lagging query node may still list a leg it has a report for: ask for the leg itself
                let state = self.hub.report(leg.bundle_id, leg.leg_index).await?;
                if state.is_some_and(|s| s.report.is_none() && !s.decided) && self.store.reinstate(&key)? {
                    tracing::info!(bundle = %leg.bundle_id, leg = leg.leg_index, "report was reverted; reporting the genuine lock again");
                }
            }
        }
        Ok(())
    }

    /// Sends pending reports the hub awaits; settles the bookkeeping of the others.
    async fn submit_pending(&self, awaiting: &HashMap<u64, Vec<AwaitingLeg>>) -> Result<(usize, usize), RoleError> {
        let pending = self.store.pending()?;
        if pending.is_empty() {
            return Ok((0, 0));
        }
        // pending reports by the domain of the chain that produced them
        let mut by_chain: BTreeMap<u64, Vec<Pending>> = BTreeMap::new();
        for p in pending {
            let vm = p.report.location.vm();
            let Some(c) = self.chains.iter().find(|c| c.chain.vm() == vm) else {
                tracing::warn!(bundle = %p.report.bundle_id, leg = p.report.leg_index, %vm, "pending report of a chain no longer watched; dropped");
                self.store.drop_pending(&[p.key])?;
                continue;
            };
            by_chain.entry(c.chain.domain()).or_default().push(p);
        }
        let (mut submitted, mut duplicates) = (0, 0);
        let mut to_send = Vec::new();
        for (chain_id, items) in by_chain {
            let awaiting: HashMap<([u8; 32], u32), &AwaitingLeg> =
                awaiting.get(&chain_id).into_iter().flatten().map(|l| ((l.bundle_id.0 .0, l.leg_index), l)).collect();
            let mut send = Vec::new();
            for p in items {
                let r = &p.report;
                match awaiting.get(&(r.bundle_id.0 .0, r.leg_index)) {
                    Some(leg)
                        if leg.leg_hash == r.leg_hash
                            && leg.settle_deadline == r.settle_deadline
                            && r.location.block_timestamp().is_none_or(|t| t <= leg.lock_deadline) =>
                    {
                        send.push(p)
                    }
                    Some(_) => {
                        tracing::warn!(bundle = %r.bundle_id, leg = r.leg_index, "lock does not match the registered leg or came after the lock deadline; not reported");
                        self.store.drop_pending(&[p.key])?;
                    }
                    None => match self.hub.report(r.bundle_id, r.leg_index).await? {
                        Some(state) if state.report.is_some() || state.decided => {
                            duplicates += 1;
                            self.store.mark_done(&[p.key], 0)?;
                        }
                        // Bundle not registered yet (a leg may be locked before registration): keep it.
                        _ => {}
                    },
                }
            }
            to_send.extend(send);
        }
        // Proven (CosmWasm) reports go in messages of their own, per proof height, after the
        // hub's light client was brought to that height + 1: a proof it cannot check yet must
        // not hold back the other chains' reports.
        let (proven, optimistic): (Vec<Pending>, Vec<Pending>) =
            to_send.into_iter().partition(|p| p.report.proof.is_some());
        let mut by_height: BTreeMap<(String, u64), Vec<Pending>> = BTreeMap::new();
        for p in proven {
            match &p.report.location {
                LockLocation::CosmWasm(l) => by_height.entry((l.chain_id.clone(), l.height)).or_default().push(p),
                other => {
                    tracing::warn!(bundle = %p.report.bundle_id, location = ?other, "a proof for a chain the hub does not verify by proof; dropped");
                    self.store.drop_pending(&[p.key])?;
                }
            }
        }
        for ((chain_id, height), items) in by_height {
            if let Err(e) = self.light_clients.ensure(&self.hub, &chain_id, height + 1).await {
                if !e.is_recoverable() {
                    return Err(e);
                }
                tracing::warn!(%chain_id, height, error = %e, "light client not updated yet; reports wait");
                continue;
            }
            match self.send_reports(&items).await {
                Ok((s, d)) => {
                    submitted += s;
                    duplicates += d;
                }
                Err(RoleError::Hub(e)) if e.contract_log().is_some() => {
                    tracing::warn!(%chain_id, height, error = %e, "the hub refused proven reports; retrying next round");
                }
                Err(e) => return Err(e),
            }
        }
        let (s, d) = self.send_reports(&optimistic).await?;
        Ok((submitted + s, duplicates + d))
    }

    /// Sends `items` in `ReportLocks` messages of at most `max_reports_per_msg` and records them.
    async fn send_reports(&self, items: &[Pending]) -> Result<(usize, usize), RoleError> {
        let (mut submitted, mut duplicates) = (0, 0);
        // every chain's reports share the messages: one tx for a few locks on several chains
        for chunk in items.chunks(self.max_reports_per_msg.max(1)) {
            let reports: Vec<LockReport> = chunk.iter().map(|p| p.report.clone()).collect();
            let resp = self.hub.submit_reports(reports).await?;
            let keys: Vec<[u8; 36]> = chunk.iter().map(|p| p.key).collect();
            self.store.mark_done(&keys, 0)?;
            submitted += resp.new.len();
            duplicates += resp.duplicate.len() + resp.decided.len();
            self.metrics.reports_submitted.inc_by(resp.new.len() as u64);
            tracing::info!(new = resp.new.len(), duplicate = resp.duplicate.len(), "reported locks to the hub");
        }
        Ok((submitted, duplicates))
    }

    /// Calls `Prune` when settled bundles are past retention, then `Advance` when bundles are due
    /// or the open batch has waited long enough (one `DueBundles` query answers both).
    async fn prune_and_advance_if_due(&self) -> Result<bool, RoleError> {
        let due = self.hub.due_bundles().await?;
        if due.prunable > 0 {
            self.prune().await?;
        }
        let batch = self.hub.current_batch().await?;
        let batch_ripe = !batch.entries.is_empty() && due.now >= batch.opened_at + self.batch_max_age;
        if due.bundle_ids.is_empty() && !batch_ripe {
            return Ok(false);
        }
        match self.hub.advance().await {
            Ok(()) => Ok(true),
            // another relayer advanced first: nothing left to do
            Err(e) if e.contract_log().is_some() => {
                tracing::debug!(error = %e, "advance was a no-op");
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Decided bundles past retention leave the hub's state (and with them their batches and
    /// old log entries): nobody else is bound to call `Prune`, so the relayers do.
    async fn prune(&self) -> Result<(), RoleError> {
        match self.hub.prune().await {
            Ok(()) => Ok(()),
            // a refusal (another relayer pruned first, a node's odd answer) must not stop reporting
            Err(e) if e.contract_log().is_some() => {
                tracing::debug!(error = %e, "prune was refused");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }
}
