//! Storage, private behind small functions.

use cosmwasm_std::{Addr, Coin, Order, StdError, StdResult, Storage};
use cw_storage_plus::{Bound, Item, Map};
use mesh_protocol::merkle::MerkleFrontier;
use mesh_protocol::{Amount, Bundle, EvmAddress, Hash32, Signature65, Verdict};
use serde::{Deserialize, Serialize};

use crate::codec;
use crate::msg::{BatchEntry, BatchStatus, ChainInfo, ChainVm, LegReport, LogEntry, LogEvent, VerdictReason};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Config {
    pub admin: Addr,
    pub hub_chain_id: String,
    pub stake_escrow: Addr,
    pub dispute: Option<Addr>,
    #[serde(default)]
    pub light_client: Option<Addr>,
    pub dispute_window: u64,
    pub delivery_margin: u64,
    pub max_batch_size: u32,
    pub batch_max_age: u64,
    pub max_reports_per_msg: u32,
    pub max_horizon: u64,
    pub rereport_grace: u64,
    pub registration_deposit: Option<Coin>,
    pub retention: u64,
}

/// What registration fixes for good: written once, then only read (issue 14: a report, an
/// objection or a verdict never rewrites the bundle and its legs). Stored in the raw form of
/// [`crate::codec`]: every byte written costs gas, and every report reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct BundleInfo {
    /// The key it is stored under (not stored again in the value).
    pub id: Hash32,
    pub bundle: Bundle,
    pub leg_hashes: Vec<Hash32>,
    pub registered_at: u64,
    /// Per leg, the VM (and its chain id) of the leg's domain at registration: reports are
    /// checked against it, so a later `UpdateChain` / `RemoveChain` does not move a leg.
    pub vms: Vec<ChainVm>,
    /// The registration deposit held for the creator; paid back with the verdict.
    pub deposit: Option<Coin>,
}

impl BundleInfo {
    /// Leg `leg_index` of this bundle, `None` when the bundle has no such leg: the only way
    /// to name a leg's storage, so an index out of range never reaches a key.
    pub fn leg(&self, leg_index: u32) -> Option<LegKey> {
        ((leg_index as usize) < self.bundle.legs.len()).then_some(LegKey { id: self.id, index: leg_index })
    }
    /// The legs that lock something (a mint or release leg locks nothing: never reported).
    pub fn locking_legs(&self) -> impl Iterator<Item = (LegKey, &mesh_protocol::Leg)> + '_ {
        self.bundle
            .legs
            .iter()
            .enumerate()
            .filter(|(_, l)| l.kind.needs_lock())
            .map(|(i, l)| (LegKey { id: self.id, index: i as u32 }, l))
    }
}

/// A leg of a registered bundle (made by [`BundleInfo::leg`], which checks the index).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegKey {
    id: Hash32,
    index: u32,
}

impl LegKey {
    pub fn index(&self) -> u32 {
        self.index
    }
    pub fn position(&self) -> usize {
        self.index as usize
    }
    fn key(&self) -> (&[u8], u32) {
        (self.id.0.as_slice(), self.index)
    }
}

/// The small mutable part of a bundle, rewritten only when it changes ([`crate::codec`] form:
/// every byte written costs gas).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct BundleHead {
    pub verdict: Option<Verdict>,
    pub reason: Option<VerdictReason>,
    pub decided_at: Option<u64>,
    pub batch_index: Option<u64>,
    pub position: Option<u32>,
    pub next_check: Option<u64>,
    /// No verdict before this hub time: a report of this bundle was rejected or disproven and
    /// an honest relayer gets the time to re-report the leg (audit finding 6).
    pub rereport_until: Option<u64>,
    /// Legs with a current report, bit `i` for leg `i` (a bundle has at most `MAX_LEGS` legs).
    pub reported: u32,
    /// The latest `window_ends_at` of the current reports, 0 if none.
    pub windows_end: u64,
    /// Rejected reports kept aside under `REJECTED` (at most `MAX_REJECTED_KEPT`).
    pub rejected: u32,
    /// Legs whose stored report was rejected by objections and stays where it was, bit `i` for
    /// leg `i`: a rejection writes nothing of the report (issue 14); a new report of the leg
    /// first moves it aside to `REJECTED`.
    pub rejected_here: u32,
}

const _: () = assert!(mesh_protocol::MAX_LEGS <= 32, "BundleHead::reported has one bit per leg");

impl BundleHead {
    pub fn is_reported(&self, leg: LegKey) -> bool {
        self.reported & (1 << leg.index) != 0
    }
    /// Leg `leg_index` of bundle `id` when it has a current report: the head alone shows the
    /// leg exists (a bit is set only for a leg of the bundle), without reading the bundle.
    pub fn reported_leg(&self, id: Hash32, leg_index: u32) -> Option<LegKey> {
        let leg = LegKey { id, index: leg_index };
        (leg_index < 32 && self.is_reported(leg)).then_some(leg)
    }
    fn is_rejected_here(&self, leg: LegKey) -> bool {
        self.rejected_here & (1 << leg.index) != 0
    }
    pub fn set_reported(&mut self, leg: LegKey, reported: bool) {
        if reported {
            self.reported |= 1 << leg.index;
        } else {
            self.reported &= !(1 << leg.index);
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
/// A batch's head ([`crate::codec`] form: it is rewritten by every signature).
pub struct BatchRecord {
    pub index: u64,
    pub status: BatchStatus,
    /// The leaves in order, stored under their own keys (`BATCH_ENTRIES`) so that deciding a
    /// bundle, a signature or a status change rewrites this small head and never the 64 leaves
    /// (issue 14). Filled by [`batch`]; empty from [`batch_head`].
    pub entries: Vec<BatchEntry>,
    /// Number of leaves.
    pub size: u32,
    pub opened_at: u64,
    pub first_entry_at: Option<u64>,
    pub epoch: Option<u64>,
    pub root: Option<Hash32>,
    pub closed_at: Option<u64>,
    pub attested_at: Option<u64>,
    pub signed_weight: Amount,
    pub threshold: Option<Amount>,
    /// The latest settle deadline of its bundles (0 while empty): once it is `retention` in the
    /// past, every one of its bundles may be pruned, and so may the batch.
    pub latest_deadline: u64,
    /// While open: the Merkle frontier of its leaves ([`MerkleFrontier`]), so closing it never
    /// reads its leaves back (issue 14); empty once closed (the root replaces it).
    pub frontier: Vec<Hash32>,
}

impl BatchRecord {
    /// The root of its leaves from its frontier.
    pub fn frontier_root(&self) -> StdResult<Option<Hash32>> {
        Ok(self.merkle_frontier()?.root().map(Hash32))
    }
    fn merkle_frontier(&self) -> StdResult<MerkleFrontier> {
        let nodes = self.frontier.iter().map(|n| n.0).collect();
        MerkleFrontier::from_parts(self.size as u64, nodes)
            .ok_or_else(|| StdError::msg("corrupt state: a batch frontier that does not match its size"))
    }
}

impl BatchRecord {
    pub fn open(index: u64, now: u64) -> Self {
        BatchRecord {
            index,
            status: BatchStatus::Open,
            entries: vec![],
            size: 0,
            opened_at: now,
            first_entry_at: None,
            epoch: None,
            root: None,
            closed_at: None,
            attested_at: None,
            signed_weight: Amount::default(),
            threshold: None,
            latest_deadline: 0,
            frontier: vec![],
        }
    }
}

/// Signatures gathered for one signer-set update.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct UpdateRecord {
    pub signed_weight: Amount,
    pub attested_at: Option<u64>,
}

const CONFIG: Item<Config> = Item::new("config");
/// Domain id → chain.
const CHAINS: Map<u64, ChainInfo> = Map::new("ch");
/// (VM name, the VM's chain id) → domain id: one domain per chain.
const VM_CHAINS: Map<(&str, &str), u64> = Map::new("vc");
/// Bundle id → what registration fixed (written once), in the raw form of [`crate::codec`]:
/// the map only names the keys.
const BUNDLES: Map<&[u8], ()> = Map::new("bi");
/// Bundle id → its mutable head ([`crate::codec`] form; the map names keys).
const HEADS: Map<&[u8], ()> = Map::new("bh");
/// (bundle id, leg index) → the leg's current report ([`crate::codec`] form; the map names keys).
const REPORTS: Map<(&[u8], u32), ()> = Map::new("lr");
/// (bundle id, report id) → leg index (one byte) and report ([`crate::codec`] form, with its
/// objectors): reports rejected by objections and then replaced by a new report of their leg,
/// kept (at most `MAX_REJECTED_KEPT`) so they stay provable.
const REJECTED: Map<(&[u8], u64), ()> = Map::new("rr");
/// (bundle id, leg index, signer) → the signer's weight when it objected ([`codec::encode_amount`]):
/// the objectors of the leg's stored report. Kept apart from the report so that an objection
/// writes one small entry instead of rewriting the report (issue 14).
const OBJECTORS: Map<(&[u8], u32, &[u8]), ()> = Map::new("ob");
/// (creator, nonce) → bundle id, its 32 bytes (the map names keys).
const NONCES: Map<(&Addr, u64), ()> = Map::new("nc");
/// Sequence number → entry, without the sequence number (the key), [`crate::codec`] form.
const LOG: Map<u64, ()> = Map::new("log");
/// (time, bundle id): when `Advance` next looks at an undecided bundle. One entry per bundle.
const WAKEUPS: Map<(u64, &[u8]), ()> = Map::new("wu");
/// (settle deadline, bundle id) of decided bundles still in state, for `Prune`.
const DECIDED: Map<(u64, &[u8]), ()> = Map::new("dc");
/// Batch index → head ([`crate::codec`] form; the map names keys).
const BATCHES: Map<u64, ()> = Map::new("ba");
/// (batch index, position) → leaf.
/// (batch index, position) → (bundle id, verdict): the leaf is `settlement_leaf` of them,
/// computed when read rather than stored.
/// Raw: the id's 32 bytes and the verdict's code (the map names keys).
const BATCH_ENTRIES: Map<(u64, u32), ()> = Map::new("be");
/// (batch index, signer) → signature, its 65 bytes (base64: shorter than the hex of the answers).
const BATCH_SIGS: Map<(u64, &[u8]), ()> = Map::new("bs");
/// The next batch index once `Prune` removed every batch (written only then).
const NEXT_BATCH: Item<u64> = Item::new("nb");
const UNATTESTED: Map<u64, ()> = Map::new("un");
const ATTESTED: Map<u64, ()> = Map::new("at");
const UPDATES: Map<u64, UpdateRecord> = Map::new("up");
/// (new epoch, signer) → signature, its 65 bytes.
const UPDATE_SIGS: Map<(u64, &[u8]), ()> = Map::new("us");

pub fn save_config(s: &mut dyn Storage, c: &Config) -> StdResult<()> {
    CONFIG.save(s, c)
}
pub fn config(s: &dyn Storage) -> StdResult<Config> {
    CONFIG.load(s)
}

// ------------------------------------------------------------------ chains

pub fn chain(s: &dyn Storage, domain: u64) -> StdResult<Option<ChainInfo>> {
    CHAINS.may_load(s, domain)
}
/// The domain registered for `vm`, if any.
pub fn domain_of_vm(s: &dyn Storage, vm: &ChainVm) -> StdResult<Option<u64>> {
    VM_CHAINS.may_load(s, (vm.vm_name(), &vm.native_chain_id()))
}
/// Saves a chain (new, or updated with the same VM).
pub fn save_chain(s: &mut dyn Storage, c: &ChainInfo) -> StdResult<()> {
    VM_CHAINS.save(s, (c.vm.vm_name(), &c.vm.native_chain_id()), &c.domain)?;
    CHAINS.save(s, c.domain, c)
}
pub fn remove_chain(s: &mut dyn Storage, c: &ChainInfo) {
    VM_CHAINS.remove(s, (c.vm.vm_name(), &c.vm.native_chain_id()));
    CHAINS.remove(s, c.domain)
}
pub fn chains_page(s: &dyn Storage, start_after: Option<u64>, limit: usize) -> StdResult<Vec<ChainInfo>> {
    CHAINS
        .range(s, start_after.map(Bound::exclusive), None, Order::Ascending)
        .take(limit)
        .map(|r| r.map(|(_, c)| c))
        .collect()
}

// ------------------------------------------------------------------ bundles

pub fn bundle_info(s: &dyn Storage, id: &Hash32) -> StdResult<Option<BundleInfo>> {
    s.get(&BUNDLES.key(id.0.as_slice())).map(|bytes| crate::codec::decode(*id, &bytes)).transpose()
}
pub fn bundle_head(s: &dyn Storage, id: &Hash32) -> StdResult<Option<BundleHead>> {
    s.get(&HEADS.key(id.0.as_slice())).map(|v| codec::decode_head(&v)).transpose()
}
/// Writes a new bundle: its registration part (never rewritten) and its first head.
pub fn save_new_bundle(s: &mut dyn Storage, info: &BundleInfo, head: &BundleHead) -> StdResult<()> {
    s.set(&BUNDLES.key(info.id.0.as_slice()), &crate::codec::encode(info)?);
    s.set(&HEADS.key(info.id.0.as_slice()), &codec::encode_head(head));
    Ok(())
}
pub fn save_head(s: &mut dyn Storage, id: &Hash32, head: &BundleHead) -> StdResult<()> {
    s.set(&HEADS.key(id.0.as_slice()), &codec::encode_head(head));
    Ok(())
}

/// The leg's current report with its objectors, `None` when the head shows none (a rejected
/// report kept in place is not current).
pub fn leg_report(s: &dyn Storage, head: &BundleHead, leg: LegKey) -> StdResult<Option<LegReport>> {
    if !head.is_reported(leg) {
        return Ok(None);
    }
    stored_report(s, leg)
}
/// The report stored under the leg's key, current or rejected in place, with its objectors.
fn stored_report(s: &dyn Storage, leg: LegKey) -> StdResult<Option<LegReport>> {
    let Some(bytes) = s.get(&REPORTS.key(leg.key())) else { return Ok(None) };
    let mut r = codec::decode_report(&bytes)?;
    for (signer, weight) in objectors(s, leg)? {
        r.objected_weight =
            Amount(r.objected_weight.0.checked_add(weight.0).ok_or_else(|| corrupt("weight overflow"))?);
        r.objectors.push(signer);
    }
    Ok(Some(r))
}
/// Stores a new current report of the leg (its objectors come later, under their own keys). A
/// rejected report kept in place there is first moved aside with its objectors (it stays
/// provable), which clears the leg's objectors.
pub fn save_new_report(s: &mut dyn Storage, head: &mut BundleHead, leg: LegKey, r: &LegReport) -> StdResult<()> {
    if head.is_rejected_here(leg) {
        if let Some(rejected) = stored_report(s, leg)? {
            push_rejected(s, head, leg, &rejected, crate::msg::MAX_REJECTED_KEPT)?;
        }
        clear_objectors(s, leg);
        head.rejected_here &= !(1 << leg.index);
    }
    s.set(&REPORTS.key(leg.key()), &codec::encode_report(r)?);
    head.set_reported(leg, true);
    Ok(())
}
/// The current report of the leg was rejected by objections: it stays where it is (provable,
/// with its objectors so far) and the leg waits for a report again. Writes nothing but the head.
pub fn reject_in_place(head: &mut BundleHead, leg: LegKey) {
    head.set_reported(leg, false);
    head.rejected_here |= 1 << leg.index;
}
/// Removes the leg's current report (proven false) with its objectors.
pub fn remove_leg_report(s: &mut dyn Storage, head: &mut BundleHead, leg: LegKey) -> StdResult<()> {
    s.remove(&REPORTS.key(leg.key()));
    clear_objectors(s, leg);
    head.set_reported(leg, false);
    Ok(())
}
/// The objectors of the leg's stored report with their weights, ascending by signer address
/// (bounded by the signer set: an objector must be a member).
pub fn objectors(s: &dyn Storage, leg: LegKey) -> StdResult<Vec<(EvmAddress, Amount)>> {
    let (id, i) = leg.key();
    raw_range(s, &OBJECTORS.key((id, i, &[])), &OBJECTORS.key((id, i, &[0xff; 21])))
        .map(|(k, v)| {
            let at = k.len().checked_sub(20).ok_or_else(|| corrupt("objector key"))?;
            let signer = &k[at..];
            Ok((EvmAddress(mesh_protocol::Address::from_slice(signer)), codec::decode_amount(&v)?))
        })
        .collect()
}
/// Records `signer` (of weight `weight` in the current set) as an objector to the leg's report.
pub fn add_objector(s: &mut dyn Storage, leg: LegKey, signer: &EvmAddress, weight: &Amount) {
    let (id, i) = leg.key();
    s.set(&OBJECTORS.key((id, i, signer.0.as_slice())), &codec::encode_amount(weight));
}
fn clear_objectors(s: &mut dyn Storage, leg: LegKey) {
    let (id, i) = leg.key();
    let keys: Vec<_> =
        raw_range(s, &OBJECTORS.key((id, i, &[])), &OBJECTORS.key((id, i, &[0xff; 21]))).map(|(k, _)| k).collect();
    keys.iter().for_each(|k| s.remove(k));
}
fn corrupt(what: &str) -> StdError {
    StdError::msg(format!("corrupt stored {what}"))
}
/// The current report of every leg of `info`, in leg order.
pub fn leg_reports(s: &dyn Storage, info: &BundleInfo, head: &BundleHead) -> StdResult<Vec<Option<LegReport>>> {
    info.bundle
        .legs
        .iter()
        .enumerate()
        .map(|(i, _)| leg_report(s, head, LegKey { id: info.id, index: i as u32 }))
        .collect()
}

/// Raw (key, value) pairs with `start <= key < end`, ascending.
fn raw_range<'a>(s: &'a dyn Storage, start: &[u8], end: &[u8]) -> impl Iterator<Item = (Vec<u8>, Vec<u8>)> + 'a {
    s.range(Some(start), Some(end), Order::Ascending)
}

/// Keeps a rejected report aside under its report id; when `head.rejected` reached `max`, the
/// oldest kept report of the bundle makes room.
fn push_rejected(s: &mut dyn Storage, head: &mut BundleHead, leg: LegKey, r: &LegReport, max: usize) -> StdResult<()> {
    let id = leg.id.0.as_slice();
    if head.rejected as usize >= max {
        let oldest = raw_range(s, &REJECTED.key((id, 0)), &REJECTED.key((id, u64::MAX))).next().map(|(k, _)| k);
        if let Some(oldest) = oldest {
            s.remove(&oldest);
            head.rejected -= 1;
        }
    }
    let mut value = vec![leg.index as u8];
    value.extend(codec::encode_report(r)?);
    s.set(&REJECTED.key((id, r.report_id)), &value);
    head.rejected += 1;
    Ok(())
}

/// Where a rejected report is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectedAt {
    /// Under its leg's key, where it was current (`BundleHead::rejected_here`).
    InPlace,
    /// Moved aside under `REJECTED` when its leg was reported again.
    Aside,
}

/// The bundle's rejected reports that are still kept, with their objectors: those kept aside
/// (oldest first), then those kept in place (leg order), as (where, leg index, report).
pub fn rejected_reports(
    s: &dyn Storage,
    id: &Hash32,
    head: &BundleHead,
) -> StdResult<Vec<(RejectedAt, u32, LegReport)>> {
    let raw = id.0.as_slice();
    let mut out: Vec<_> = raw_range(s, &REJECTED.key((raw, 0)), &REJECTED.key((raw, u64::MAX)))
        .take(crate::msg::MAX_REJECTED_KEPT)
        .map(|(_, v)| {
            let (leg, report) = v.split_first().ok_or_else(|| StdError::msg("stored rejected report is empty"))?;
            Ok((RejectedAt::Aside, *leg as u32, codec::decode_report(report)?))
        })
        .collect::<StdResult<_>>()?;
    for index in (0..32).filter(|i| head.rejected_here & (1 << i) != 0) {
        let leg = LegKey { id: *id, index };
        if let Some(r) = stored_report(s, leg)? {
            out.push((RejectedAt::InPlace, index, r));
        }
    }
    Ok(out)
}
/// Forgets a rejected report (proven false: it no longer needs to stay provable).
pub fn remove_rejected(
    s: &mut dyn Storage,
    head: &mut BundleHead,
    id: &Hash32,
    at: RejectedAt,
    leg_index: u32,
    report_id: u64,
) -> StdResult<()> {
    match at {
        RejectedAt::Aside => {
            s.remove(&REJECTED.key((id.0.as_slice(), report_id)));
            head.rejected = head.rejected.saturating_sub(1);
        }
        RejectedAt::InPlace => {
            let leg = LegKey { id: *id, index: leg_index };
            s.remove(&REPORTS.key(leg.key()));
            clear_objectors(s, leg);
            head.rejected_here &= !(1 << leg_index);
        }
    }
    Ok(())
}
pub fn bundle_by_nonce(s: &dyn Storage, creator: &Addr, nonce: u64) -> StdResult<Option<Hash32>> {
    match s.get(&NONCES.key((creator, nonce))) {
        None => Ok(None),
        Some(id) if id.len() == 32 => Ok(Some(hash32(&id))),
        Some(_) => Err(StdError::msg("stored bundle id is not 32 bytes")),
    }
}
pub fn save_nonce(s: &mut dyn Storage, creator: &Addr, nonce: u64, id: &Hash32) -> StdResult<()> {
    s.set(&NONCES.key((creator, nonce)), id.0.as_slice());
    Ok(())
}

// ------------------------------------------------------------------ log

/// Appends to the canonical log; returns the entry's sequence number.
pub fn append_log(s: &mut dyn Storage, height: u64, time: u64, event: LogEvent) -> StdResult<u64> {
    let seq = log_len(s)?;
    s.set(&LOG.key(seq), &codec::encode_log(seq, height, time, &event)?);
    Ok(seq)
}
/// The log's end for a message that appends many entries, found once (issue 14). Nothing else
/// may append to the log while a cursor is in use.
pub struct LogCursor {
    next: u64,
}

pub fn log_cursor(s: &dyn Storage) -> StdResult<LogCursor> {
    Ok(LogCursor { next: log_len(s)? })
}

impl LogCursor {
    /// The sequence number the next entry gets.
    pub fn next_seq(&self) -> u64 {
        self.next
    }
    pub fn append(&mut self, s: &mut dyn Storage, height: u64, time: u64, event: LogEvent) -> StdResult<u64> {
        let seq = self.next;
        s.set(&LOG.key(seq), &codec::encode_log(seq, height, time, &event)?);
        self.next += 1;
        Ok(seq)
    }
}

/// One past the last entry's sequence number. Not kept as a number of its own: that would be
/// one more write per message, and the last key is one step of a reverse iterator.
pub fn log_len(s: &dyn Storage) -> StdResult<u64> {
    let last = s.range(Some(&LOG.key(0)), Some(&LOG.key(u64::MAX)), Order::Descending).next();
    Ok(last.map_or(0, |(k, _)| last_u64(&k) + 1))
}
pub fn log_page(s: &dyn Storage, start_after: Option<u64>, limit: usize) -> StdResult<Vec<LogEntry>> {
    let start = start_after.map_or(Some(0), |a| a.checked_add(1));
    let Some(start) = start else { return Ok(vec![]) };
    raw_range(s, &LOG.key(start), &LOG.key(u64::MAX))
        .take(limit)
        .map(|(k, v)| codec::decode_log(last_u64(&k), &v))
        .collect()
}

// ------------------------------------------------------------------ schedule

/// Moves a bundle's wake-up to `at` (or removes it), keeping one entry per bundle.
/// Nothing is written when the time does not change.
pub fn reschedule(s: &mut dyn Storage, id: &Hash32, head: &mut BundleHead, at: Option<u64>) -> StdResult<()> {
    if head.next_check == at {
        return Ok(());
    }
    if let Some(old) = head.next_check {
        WAKEUPS.remove(s, (old, id.0.as_slice()));
    }
    if let Some(t) = at {
        WAKEUPS.save(s, (t, id.0.as_slice()), &())?;
    }
    head.next_check = at;
    Ok(())
}

/// Up to `limit` undecided bundles (every one has a wake-up) after `start_after`, in wake-up order.
pub fn undecided_page(
    s: &dyn Storage,
    start_after: Option<(u64, &Hash32)>,
    limit: usize,
) -> StdResult<Vec<(u64, Hash32)>> {
    let start = start_after.map(|(t, id)| Bound::exclusive((t, id.0.as_slice())));
    WAKEUPS.keys(s, start, None, Order::Ascending).take(limit).map(|r| r.map(|(t, id)| (t, hash32(&id)))).collect()
}

/// Up to `limit` bundles whose wake-up time is at or before `now`, earliest first.
pub fn due(s: &dyn Storage, now: u64, limit: usize) -> StdResult<Vec<(u64, Hash32)>> {
    let end = Bound::exclusive((now.saturating_add(1), &[][..]));
    WAKEUPS
        .keys(s, None, Some(end), Order::Ascending)
        .take(limit)
        .map(|r| {
            r.map(|(t, id)| {
                let mut h = [0u8; 32];
                h.copy_from_slice(&id);
                (t, Hash32(h.into()))
            })
        })
        .collect()
}

fn hash32(bytes: &[u8]) -> Hash32 {
    let mut h = [0u8; 32];
    h.copy_from_slice(bytes);
    Hash32(h.into())
}

pub fn mark_decided(s: &mut dyn Storage, b: &BundleInfo) -> StdResult<()> {
    DECIDED.save(s, (b.bundle.settle_deadline, b.id.0.as_slice()), &())
}
/// Up to `limit` decided bundles whose settle deadline is strictly before `before`, oldest first.
pub fn prunable(s: &dyn Storage, before: u64, limit: usize) -> StdResult<Vec<(u64, Hash32)>> {
    let end = Bound::exclusive((before, &[][..]));
    DECIDED.keys(s, None, Some(end), Order::Ascending).take(limit).map(|r| r.map(|(t, id)| (t, hash32(&id)))).collect()
}
/// Removes a decided bundle from state with its reports and kept rejected reports; its nonce
/// stays taken and its log entries stay.
pub fn remove_bundle(s: &mut dyn Storage, settle_deadline: u64, id: &Hash32) -> StdResult<()> {
    DECIDED.remove(s, (settle_deadline, id.0.as_slice()));
    if let Some(info) = bundle_info(s, id)? {
        for i in 0..info.bundle.legs.len() as u32 {
            REPORTS.remove(s, (id.0.as_slice(), i));
        }
    }
    let rejected: Vec<u64> =
        REJECTED.prefix(id.0.as_slice()).keys(s, None, None, Order::Ascending).collect::<StdResult<_>>()?;
    for report_id in rejected {
        REJECTED.remove(s, (id.0.as_slice(), report_id));
    }
    let raw = id.0.as_slice();
    let objectors: Vec<_> = raw_range(s, &OBJECTORS.key((raw, 0, &[])), &OBJECTORS.key((raw, u32::MAX, &[0xff; 21])))
        .map(|(k, _)| k)
        .collect();
    objectors.iter().for_each(|k| s.remove(k));
    HEADS.remove(s, id.0.as_slice());
    s.remove(&BUNDLES.key(id.0.as_slice()));
    Ok(())
}

/// Removes up to `limit` of the oldest log entries written before `before`; never the last
/// entry (the log's length is its last key, and report ids must not be handed out again).
pub fn prune_log(s: &mut dyn Storage, before: u64, limit: usize) -> StdResult<usize> {
    let end = log_len(s)?.saturating_sub(1);
    let mut old = vec![];
    for (k, v) in raw_range(s, &LOG.key(0), &LOG.key(end)).take(limit) {
        if codec::log_time(&v)? >= before {
            break;
        }
        old.push(k);
    }
    for k in &old {
        s.remove(k);
    }
    Ok(old.len())
}

/// Removes up to `limit` of the oldest closed batches whose bundles' settle deadlines are all
/// before `before`, with their leaves and signatures; returns their indexes. Stops at the first
/// batch that must stay (batches close in index order).
pub fn prune_batches(s: &mut dyn Storage, before: u64, limit: usize) -> StdResult<Vec<u64>> {
    let mut gone = vec![];
    let keys: Vec<Vec<u8>> =
        raw_range(s, &BATCHES.key(0), &BATCHES.key(u64::MAX)).take(limit).map(|(k, _)| k).collect();
    for k in keys {
        let index = last_u64(&k);
        let Some(b) = batch_head(s, index)? else { break };
        if b.status == BatchStatus::Open || b.latest_deadline >= before {
            break;
        }
        for position in 0..b.size {
            s.remove(&BATCH_ENTRIES.key((index, position)));
        }
        let sigs: Vec<Vec<u8>> =
            raw_range(s, &BATCH_SIGS.key((index, &[][..])), &BATCH_SIGS.key((index, &[0xff; 21][..])))
                .map(|(k, _)| k)
                .collect();
        for k in sigs {
            s.remove(&k);
        }
        UNATTESTED.remove(s, index);
        ATTESTED.remove(s, index);
        s.remove(&k);
        gone.push(index);
    }
    // The newest batch went too: the next index is kept so that it is never handed out again.
    if let Some(newest) = gone.last() {
        if raw_range(s, &BATCHES.key(0), &BATCHES.key(u64::MAX)).next().is_none() {
            NEXT_BATCH.save(s, &(newest + 1))?;
        }
    }
    Ok(gone)
}

// ------------------------------------------------------------------ batches

/// The open batch: the last stored batch while it is open, else a new empty one after it, not
/// stored until its first leaf (closing a batch writes nothing for the next one, issue 14).
/// When `Prune` removed every batch, the next index is the one it kept (`NEXT_BATCH`): an index
/// is never handed out twice.
pub fn open_batch(s: &dyn Storage) -> StdResult<BatchRecord> {
    let last = s.range(Some(&BATCHES.key(0)), Some(&BATCHES.key(u64::MAX)), Order::Descending).next();
    let Some((k, v)) = last else { return Ok(BatchRecord::open(NEXT_BATCH.may_load(s)?.unwrap_or(0), 0)) };
    let b = codec::decode_batch(last_u64(&k), &v)?;
    Ok(match b.status {
        BatchStatus::Open => b,
        _ => BatchRecord::open(b.index + 1, b.closed_at.unwrap_or(b.opened_at)),
    })
}
/// The u64 that ends a storage key (a log sequence number, a batch index).
fn last_u64(key: &[u8]) -> u64 {
    u64::from_be_bytes(key[key.len() - 8..].try_into().expect("8 bytes"))
}
/// A batch with its leaves (for its root, proofs and queries).
pub fn batch(s: &dyn Storage, index: u64) -> StdResult<Option<BatchRecord>> {
    let Some(mut b) = batch_head(s, index)? else { return Ok(None) };
    load_entries(s, &mut b)?;
    Ok(Some(b))
}
/// Fills `b.entries` with its leaves.
pub fn load_entries(s: &dyn Storage, b: &mut BatchRecord) -> StdResult<()> {
    let index = b.index;
    b.entries = raw_range(s, &BATCH_ENTRIES.key((index, 0)), &BATCH_ENTRIES.key((index, u32::MAX)))
        .take(b.size as usize)
        .map(|(_, v)| {
            let verdict = (v.len() == 33).then(|| Verdict::from_code(v[32])).flatten();
            let verdict = verdict.ok_or_else(|| StdError::msg("stored batch entry is corrupt"))?;
            let bundle_id = hash32(&v[..32]);
            Ok(BatchEntry {
                bundle_id,
                verdict,
                leaf: mesh_protocol::eip712::settlement_leaf(bundle_id.0, verdict).into(),
            })
        })
        .collect::<StdResult<_>>()?;
    Ok(())
}
/// A batch without its leaves (`entries` empty, `size` set).
pub fn batch_head(s: &dyn Storage, index: u64) -> StdResult<Option<BatchRecord>> {
    s.get(&BATCHES.key(index)).map(|v| codec::decode_batch(index, &v)).transpose()
}
/// Appends a leaf to batch `b` (the caller saves `b`); returns its position.
pub fn push_batch_entry(
    s: &mut dyn Storage,
    b: &mut BatchRecord,
    bundle_id: Hash32,
    verdict: Verdict,
    settle_deadline: u64,
) -> StdResult<u32> {
    let mut frontier = b.merkle_frontier()?;
    frontier.push(mesh_protocol::eip712::settlement_leaf(bundle_id.0, verdict));
    b.frontier = frontier.nodes().iter().map(|n| Hash32(*n)).collect();
    b.latest_deadline = b.latest_deadline.max(settle_deadline);
    let position = b.size;
    let mut value = bundle_id.0.to_vec();
    value.push(verdict.code());
    s.set(&BATCH_ENTRIES.key((b.index, position)), &value);
    b.size += 1;
    Ok(position)
}
pub fn save_batch(s: &mut dyn Storage, b: &BatchRecord) -> StdResult<()> {
    match b.status {
        BatchStatus::Open => {}
        BatchStatus::Closed => UNATTESTED.save(s, b.index, &())?,
        BatchStatus::Attested => {
            UNATTESTED.remove(s, b.index);
            ATTESTED.save(s, b.index, &())?;
        }
    }
    s.set(&BATCHES.key(b.index), &codec::encode_batch(b));
    Ok(())
}
pub fn unattested_page(s: &dyn Storage, start_after: Option<u64>, limit: usize) -> StdResult<Vec<u64>> {
    UNATTESTED.keys(s, start_after.map(Bound::exclusive), None, Order::Ascending).take(limit).collect()
}
pub fn attested_page(s: &dyn Storage, start_after: Option<u64>, limit: usize) -> StdResult<Vec<u64>> {
    ATTESTED.keys(s, start_after.map(Bound::exclusive), None, Order::Ascending).take(limit).collect()
}

pub fn has_batch_signature(s: &dyn Storage, index: u64, signer: &EvmAddress) -> bool {
    BATCH_SIGS.has(s, (index, signer.0.as_slice()))
}
pub fn save_batch_signature(s: &mut dyn Storage, index: u64, signer: &EvmAddress, sig: &Signature65) -> StdResult<()> {
    s.set(&BATCH_SIGS.key((index, signer.0.as_slice())), &sig.0);
    Ok(())
}
/// Signatures of a batch, ascending by signer address (bounded by the set size, ≤ 64).
pub fn batch_signatures(s: &dyn Storage, index: u64) -> StdResult<Vec<(EvmAddress, Signature65)>> {
    sigs(s, &BATCH_SIGS, index)
}

fn sigs(s: &dyn Storage, map: &Map<(u64, &[u8]), ()>, index: u64) -> StdResult<Vec<(EvmAddress, Signature65)>> {
    // a signer key is 20 bytes: 21 bytes of 0xff sort after every one of them
    raw_range(s, &map.key((index, &[][..])), &map.key((index, &[0xff; 21][..])))
        .take(mesh_protocol::MAX_SIGNERS)
        .map(|(k, sig)| {
            let sig: [u8; 65] =
                sig.as_slice().try_into().map_err(|_| StdError::msg("stored signature is not 65 bytes"))?;
            Ok((EvmAddress(mesh_protocol::Address::from_slice(&k[k.len() - 20..])), Signature65(sig)))
        })
        .collect()
}

pub fn update(s: &dyn Storage, new_epoch: u64) -> StdResult<UpdateRecord> {
    Ok(UPDATES.may_load(s, new_epoch)?.unwrap_or_default())
}
pub fn save_update(s: &mut dyn Storage, new_epoch: u64, u: &UpdateRecord) -> StdResult<()> {
    UPDATES.save(s, new_epoch, u)
}
pub fn has_update_signature(s: &dyn Storage, new_epoch: u64, signer: &EvmAddress) -> bool {
    UPDATE_SIGS.has(s, (new_epoch, signer.0.as_slice()))
}
pub fn save_update_signature(
    s: &mut dyn Storage,
    new_epoch: u64,
    signer: &EvmAddress,
    sig: &Signature65,
) -> StdResult<()> {
    s.set(&UPDATE_SIGS.key((new_epoch, signer.0.as_slice())), &sig.0);
    Ok(())
}
pub fn update_signatures(s: &dyn Storage, new_epoch: u64) -> StdResult<Vec<(EvmAddress, Signature65)>> {
    sigs(s, &UPDATE_SIGS, new_epoch)
}

/// A registered bundle of `legs` identical EVM legs on domain 1, for unit tests.
#[cfg(test)]
pub(crate) fn test_info(legs: usize, lock_deadline: u64, settle_deadline: u64) -> BundleInfo {
    let leg = mesh_protocol::Leg {
        domain: 1,
        router: mesh_protocol::AccountId::ZERO,
        depositor: mesh_protocol::AccountId::ZERO,
        token: mesh_protocol::AccountId::ZERO,
        amount: Amount::from(1u128),
        recipient: mesh_protocol::AccountId::ZERO,
        action: None,
        kind: Default::default(),
    };
    BundleInfo {
        id: Hash32(mesh_protocol::keccak256("bundle")),
        bundle: Bundle { creator: "c".into(), nonce: 0, lock_deadline, settle_deadline, legs: vec![leg; legs] },
        leg_hashes: vec![Hash32::default(); legs],
        registered_at: 0,
        vms: vec![ChainVm::Evm { chain_id: 1 }; legs],
        deposit: None,
    }
}

/// An EVM report of a leg, for unit tests.
#[cfg(test)]
pub(crate) fn test_report() -> LegReport {
    use crate::msg::{EvmLocation, LockLocation};
    LegReport {
        report_id: 7,
        reporter: Addr::unchecked("r"),
        reported_at: 10,
        window_ends_at: 20,
        location: LockLocation::Evm(EvmLocation {
            chain_id: 1,
            block_number: 2,
            block_hash: Hash32(mesh_protocol::keccak256("block")),
            block_timestamp: 3,
            tx_hash: Hash32(mesh_protocol::keccak256("tx")),
            tx_index: 4,
            log_index: 5,
        }),
        objectors: vec![EvmAddress(mesh_protocol::Address::repeat_byte(9))],
        objected_weight: Amount::from(3u128),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::{CosmWasmLocation, LockLocation};
    use cosmwasm_std::testing::MockStorage;
    use mesh_protocol::U256;

    fn info(legs: usize) -> BundleInfo {
        test_info(legs, 1, 2)
    }

    /// The compact stored forms give back exactly what was saved, for every kind of location.
    #[test]
    fn reports_and_bundles_read_back_exactly_as_saved() {
        let mut s = MockStorage::new();
        let b = info(2);
        save_new_bundle(&mut s, &b, &BundleHead::default()).unwrap();
        assert_eq!(bundle_info(&s, &b.id).unwrap(), Some(b.clone()));
        let evm = test_report();
        let cosmwasm = LegReport {
            location: LockLocation::CosmWasm(CosmWasmLocation { chain_id: "gamma".into(), height: 99 }),
            objectors: vec![],
            objected_weight: Amount::default(),
            ..evm.clone()
        };
        let mut head = BundleHead::default();
        save_new_report(&mut s, &mut head, b.leg(0).unwrap(), &evm).unwrap();
        save_new_report(&mut s, &mut head, b.leg(1).unwrap(), &cosmwasm).unwrap();
        assert_eq!(leg_reports(&s, &b, &head).unwrap(), vec![Some(evm.clone()), Some(cosmwasm)]);
    }

    /// A rejected report stays where it was with its objectors until its leg is reported again,
    /// then it is kept aside with them; the new report starts without objectors; pruning the
    /// bundle leaves none of it.
    #[test]
    fn a_rejected_report_is_kept_in_place_then_aside_and_leaves_with_its_bundle() {
        let mut s = MockStorage::new();
        let b = info(2);
        let mut head = BundleHead::default();
        save_new_bundle(&mut s, &b, &head).unwrap();
        let leg = b.leg(1).unwrap();
        let first = LegReport { report_id: 7, objectors: vec![], objected_weight: Amount::default(), ..test_report() };
        save_new_report(&mut s, &mut head, leg, &first).unwrap();
        let (low, high) =
            (EvmAddress(mesh_protocol::Address::repeat_byte(1)), EvmAddress(mesh_protocol::Address::repeat_byte(2)));
        add_objector(&mut s, leg, &high, &Amount(U256::from(5u8)));
        add_objector(&mut s, leg, &low, &Amount(U256::from(3u8)));
        let objected =
            LegReport { objectors: vec![low, high], objected_weight: Amount(U256::from(8u8)), ..first.clone() };
        assert_eq!(leg_report(&s, &head, leg).unwrap(), Some(objected.clone()));

        reject_in_place(&mut head, leg);
        assert_eq!(leg_report(&s, &head, leg).unwrap(), None, "a rejected report is not current");
        assert_eq!(rejected_reports(&s, &b.id, &head).unwrap(), vec![(RejectedAt::InPlace, 1, objected.clone())]);

        let second = LegReport { report_id: 9, ..first.clone() };
        save_new_report(&mut s, &mut head, leg, &second).unwrap();
        assert_eq!(leg_report(&s, &head, leg).unwrap(), Some(second), "no objectors carried over");
        assert_eq!(rejected_reports(&s, &b.id, &head).unwrap(), vec![(RejectedAt::Aside, 1, objected)]);
        assert_eq!((head.rejected, head.rejected_here), (1, 0));

        remove_rejected(&mut s, &mut head, &b.id, RejectedAt::Aside, 1, 7).unwrap();
        assert_eq!(rejected_reports(&s, &b.id, &head).unwrap(), vec![]);
        add_objector(&mut s, leg, &low, &Amount(U256::from(3u8)));
        reject_in_place(&mut head, leg);
        save_nonce(&mut s, &Addr::unchecked("creator"), 1, &b.id).unwrap();
        remove_bundle(&mut s, b.bundle.settle_deadline, &b.id).unwrap();
        let left: Vec<_> = s.range(None, None, Order::Ascending).map(|(k, _)| k).collect();
        assert_eq!(left, vec![NONCES.key((&Addr::unchecked("creator"), 1)).to_vec()], "only the nonce stays");
    }

    /// Every event reads back as written, with a report's id from its entry's place.
    #[test]
    fn log_entries_read_back_exactly_as_appended() {
        let mut s = MockStorage::new();
        let id = Hash32(mesh_protocol::keccak256("bundle"));
        let who = Addr::unchecked("r");
        let events = vec![
            LogEvent::BundleRegistered { bundle_id: id, creator: who.clone(), nonce: 3 },
            LogEvent::LegReported { bundle_id: id, leg_index: 1, report_id: 1, reporter: who.clone() },
            // not its own entry's id: kept whole
            LogEvent::LegReported { bundle_id: id, leg_index: 0, report_id: 1, reporter: who.clone() },
            LogEvent::VerdictFinal {
                bundle_id: id,
                verdict: Verdict::Commit,
                reason: VerdictReason::AllLegsLocked,
                batch_index: 4,
            },
            LogEvent::BundlePruned { bundle_id: id },
            LogEvent::ReportRejected {
                bundle_id: id,
                leg_index: 2,
                report_id: 9,
                epoch: 3,
                objected_weight: Amount::from(7u128),
            },
            LogEvent::BatchClosed { batch_index: 4, epoch: 3, root: id, size: 64 },
            LogEvent::BatchAttested { batch_index: 4, epoch: 3 },
            LogEvent::SignerSetUpdateAttested { new_epoch: 4, signers_hash: id },
        ];
        let mut cursor = log_cursor(&s).unwrap();
        for e in &events[..3] {
            cursor.append(&mut s, 5, 6, e.clone()).unwrap();
        }
        for e in &events[3..] {
            append_log(&mut s, 5, 6, e.clone()).unwrap();
        }
        let page = log_page(&s, None, 10).unwrap();
        assert_eq!(page.iter().map(|e| e.event.clone()).collect::<Vec<_>>(), events);
        assert_eq!(
            page.iter().map(|e| (e.seq, e.height, e.time)).collect::<Vec<_>>(),
            (0..9).map(|i| (i, 5, 6)).collect::<Vec<_>>()
        );
        assert_eq!(log_len(&s).unwrap(), 9);
        let after = log_page(&s, Some(2), 1).unwrap();
        assert_eq!(after.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3]);
        assert!(log_page(&s, Some(u64::MAX), 10).unwrap().is_empty());
    }

    #[test]
    fn a_batch_leaves_only_when_every_bundle_in_it_is_past_retention_and_never_while_open() {
        let mut s = MockStorage::new();
        let id = |n: u8| Hash32(mesh_protocol::keccak256([n]));
        // batches 0 and 1 closed (latest settle deadlines 100 and 300), batch 2 open
        for (index, deadlines) in [(0u64, [50u64, 100]), (1, [300, 200])] {
            let mut b = BatchRecord::open(index, 0);
            for (i, d) in deadlines.into_iter().enumerate() {
                push_batch_entry(&mut s, &mut b, id(index as u8 * 2 + i as u8), Verdict::Commit, d).unwrap();
            }
            b.status = BatchStatus::Closed;
            save_batch(&mut s, &b).unwrap();
            save_batch_signature(
                &mut s,
                index,
                &EvmAddress(mesh_protocol::Address::repeat_byte(1)),
                &Signature65([7; 65]),
            )
            .unwrap();
        }
        save_batch(&mut s, &BatchRecord::open(2, 0)).unwrap();
        assert_eq!(prune_batches(&mut s, 100, 8).unwrap(), Vec::<u64>::new(), "batch 0 has a bundle settling at 100");
        assert_eq!(prune_batches(&mut s, 101, 8).unwrap(), vec![0]);
        assert!(batch(&s, 0).unwrap().is_none() && batch_signatures(&s, 0).unwrap().is_empty());
        assert_eq!(batch(&s, 1).unwrap().unwrap().entries.len(), 2, "batch 1 waits for its latest deadline");
        assert_eq!(prune_batches(&mut s, u64::MAX, 8).unwrap(), vec![1], "never the open batch");
        assert!(batch(&s, 2).unwrap().is_some());
        assert!(unattested_page(&s, None, 10).unwrap().is_empty());

        // The next open batch is not stored until its first leaf; once the newest closed batch
        // is pruned too, its index is still never handed out again.
        let mut s = MockStorage::new();
        let mut b = BatchRecord::open(0, 0);
        push_batch_entry(&mut s, &mut b, id(1), Verdict::Abort, 10).unwrap();
        b.status = BatchStatus::Closed;
        b.closed_at = Some(5);
        save_batch(&mut s, &b).unwrap();
        assert_eq!(open_batch(&s).unwrap(), BatchRecord::open(1, 5));
        assert_eq!(prune_batches(&mut s, 10, 8).unwrap(), Vec::<u64>::new());
        assert_eq!(prune_batches(&mut s, 11, 8).unwrap(), vec![0]);
        assert_eq!(open_batch(&s).unwrap().index, 1, "the pruned newest batch's index is not handed out again");
        assert_eq!(open_batch(&MockStorage::new()).unwrap(), BatchRecord::open(0, 0));
    }

    #[test]
    fn a_leg_key_exists_only_for_a_leg_the_bundle_has() {
        let b = info(2);
        assert!(b.leg(1).is_some());
        for i in [2, 16, 31, 32, u32::MAX] {
            assert_eq!(b.leg(i), None, "leg {i}");
        }
    }
}
