//! Storage, private behind small functions.

use cosmwasm_std::{Addr, Coin, Order, StdResult, Storage};
use cw_storage_plus::{Bound, Item, Map};
use mesh_protocol::{Amount, Bundle, EvmAddress, Hash32, Signature65, Verdict};
use serde::{Deserialize, Serialize};

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

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BundleRecord {
    pub id: Hash32,
    pub bundle: Bundle,
    pub leg_hashes: Vec<Hash32>,
    pub registered_at: u64,
    pub reports: Vec<Option<LegReport>>,
    pub verdict: Option<Verdict>,
    pub reason: Option<VerdictReason>,
    pub decided_at: Option<u64>,
    pub batch_index: Option<u64>,
    pub position: Option<u32>,
    pub next_check: Option<u64>,
    /// No verdict before this hub time: a report of this bundle was rejected or disproven and
    /// an honest relayer gets the time to re-report the leg (audit finding 6).
    #[serde(default)]
    pub rereport_until: Option<u64>,
    /// The registration deposit held for the creator until the verdict.
    #[serde(default)]
    pub deposit: Option<Coin>,
    /// Reports rejected by objections, kept (at most `MAX_REJECTED_KEPT`) so they stay provable.
    #[serde(default)]
    pub rejected: Vec<(u32, LegReport)>,
    /// Per leg, the VM (and its chain id) of the leg's domain at registration: reports are
    /// checked against it, so a later `UpdateChain` / `RemoveChain` does not move a leg.
    #[serde(default)]
    pub vms: Vec<ChainVm>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BatchRecord {
    pub index: u64,
    pub status: BatchStatus,
    /// The leaves in order, stored under their own keys (`BATCH_ENTRIES`) so that deciding a
    /// bundle, a signature or a status change rewrites this small head and never the 64 leaves
    /// (issue 14). Filled by [`batch`]; empty from [`batch_head`].
    #[serde(skip, default)]
    pub entries: Vec<BatchEntry>,
    /// Number of leaves.
    #[serde(default)]
    pub size: u32,
    pub opened_at: u64,
    pub first_entry_at: Option<u64>,
    pub epoch: Option<u64>,
    pub root: Option<Hash32>,
    pub closed_at: Option<u64>,
    pub attested_at: Option<u64>,
    pub signed_weight: Amount,
    pub threshold: Option<Amount>,
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
const CHAINS: Map<u64, ChainInfo> = Map::new("chains");
/// (VM name, the VM's chain id) → domain id: one domain per chain.
const VM_CHAINS: Map<(&str, &str), u64> = Map::new("vm_chains");
const BUNDLES: Map<&[u8], BundleRecord> = Map::new("bundles");
const NONCES: Map<(&Addr, u64), Hash32> = Map::new("nonces");
const LOG: Map<u64, LogEntry> = Map::new("log");
const LOG_LEN: Item<u64> = Item::new("log_len");
/// (time, bundle id): when `Advance` next looks at an undecided bundle. One entry per bundle.
const WAKEUPS: Map<(u64, &[u8]), ()> = Map::new("wakeups");
/// (domain, bundle id, leg index) of legs of undecided bundles without a report.
const AWAITING: Map<(u64, &[u8], u32), ()> = Map::new("awaiting");
/// (domain, bundle id, leg index) → report id of reports inside their dispute window (for the
/// signers that check them); removed when the report is rejected, reverted or the bundle decided.
const OPEN_REPORTS: Map<(u64, &[u8], u32), u64> = Map::new("open_reports");
/// (settle deadline, bundle id) of decided bundles still in state, for `Prune`.
const DECIDED: Map<(u64, &[u8]), ()> = Map::new("decided");
const BATCHES: Map<u64, BatchRecord> = Map::new("batches");
/// (batch index, position) → leaf.
const BATCH_ENTRIES: Map<(u64, u32), BatchEntry> = Map::new("batch_entries");
const OPEN_BATCH: Item<u64> = Item::new("open_batch");
const BATCH_SIGS: Map<(u64, &[u8]), Signature65> = Map::new("batch_sigs");
const UNATTESTED: Map<u64, ()> = Map::new("unattested");
const ATTESTED: Map<u64, ()> = Map::new("attested");
const UPDATES: Map<u64, UpdateRecord> = Map::new("updates");
const UPDATE_SIGS: Map<(u64, &[u8]), Signature65> = Map::new("update_sigs");

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

pub fn bundle(s: &dyn Storage, id: &Hash32) -> StdResult<Option<BundleRecord>> {
    BUNDLES.may_load(s, id.0.as_slice())
}
pub fn save_bundle(s: &mut dyn Storage, b: &BundleRecord) -> StdResult<()> {
    BUNDLES.save(s, b.id.0.as_slice(), b)
}
pub fn bundle_by_nonce(s: &dyn Storage, creator: &Addr, nonce: u64) -> StdResult<Option<Hash32>> {
    NONCES.may_load(s, (creator, nonce))
}
pub fn save_nonce(s: &mut dyn Storage, creator: &Addr, nonce: u64, id: &Hash32) -> StdResult<()> {
    NONCES.save(s, (creator, nonce), id)
}

// ------------------------------------------------------------------ log

/// Appends to the canonical log; returns the entry's sequence number.
pub fn append_log(s: &mut dyn Storage, height: u64, time: u64, event: LogEvent) -> StdResult<u64> {
    let seq = log_len(s)?;
    LOG.save(s, seq, &LogEntry { seq, height, time, event })?;
    LOG_LEN.save(s, &(seq + 1))?;
    Ok(seq)
}
pub fn log_len(s: &dyn Storage) -> StdResult<u64> {
    Ok(LOG_LEN.may_load(s)?.unwrap_or(0))
}
pub fn log_page(s: &dyn Storage, start_after: Option<u64>, limit: usize) -> StdResult<Vec<LogEntry>> {
    LOG.range(s, start_after.map(Bound::exclusive), None, Order::Ascending)
        .take(limit)
        .map(|r| r.map(|(_, e)| e))
        .collect()
}

// ------------------------------------------------------------------ schedule

/// Moves a bundle's wake-up to `at` (or removes it), keeping one entry per bundle.
pub fn reschedule(s: &mut dyn Storage, b: &mut BundleRecord, at: Option<u64>) -> StdResult<()> {
    if let Some(old) = b.next_check {
        WAKEUPS.remove(s, (old, b.id.0.as_slice()));
    }
    if let Some(t) = at {
        WAKEUPS.save(s, (t, b.id.0.as_slice()), &())?;
    }
    b.next_check = at;
    Ok(())
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

pub fn set_awaiting(s: &mut dyn Storage, domain: u64, id: &Hash32, leg: u32, awaiting: bool) -> StdResult<()> {
    if awaiting {
        AWAITING.save(s, (domain, id.0.as_slice(), leg), &())
    } else {
        AWAITING.remove(s, (domain, id.0.as_slice(), leg));
        Ok(())
    }
}
pub fn awaiting_page(
    s: &dyn Storage,
    domain: u64,
    start_after: Option<(&Hash32, u32)>,
    limit: usize,
) -> StdResult<Vec<(Hash32, u32)>> {
    AWAITING
        .sub_prefix(domain)
        .keys(s, start_after.map(|(id, leg)| Bound::exclusive((id.0.as_slice(), leg))), None, Order::Ascending)
        .take(limit)
        .map(|r| {
            r.map(|(id, leg)| {
                let mut h = [0u8; 32];
                h.copy_from_slice(&id);
                (Hash32(h.into()), leg)
            })
        })
        .collect()
}

pub fn set_open_report(s: &mut dyn Storage, domain: u64, id: &Hash32, leg: u32, report: Option<u64>) -> StdResult<()> {
    match report {
        Some(r) => OPEN_REPORTS.save(s, (domain, id.0.as_slice(), leg), &r),
        None => {
            OPEN_REPORTS.remove(s, (domain, id.0.as_slice(), leg));
            Ok(())
        }
    }
}
pub fn open_reports_page(
    s: &dyn Storage,
    domain: u64,
    start_after: Option<(&Hash32, u32)>,
    limit: usize,
) -> StdResult<Vec<(Hash32, u32)>> {
    OPEN_REPORTS
        .sub_prefix(domain)
        .keys(s, start_after.map(|(id, leg)| Bound::exclusive((id.0.as_slice(), leg))), None, Order::Ascending)
        .take(limit)
        .map(|r| r.map(|(id, leg)| (hash32(&id), leg)))
        .collect()
}

fn hash32(bytes: &[u8]) -> Hash32 {
    let mut h = [0u8; 32];
    h.copy_from_slice(bytes);
    Hash32(h.into())
}

pub fn mark_decided(s: &mut dyn Storage, b: &BundleRecord) -> StdResult<()> {
    DECIDED.save(s, (b.bundle.settle_deadline, b.id.0.as_slice()), &())
}
/// Up to `limit` decided bundles whose settle deadline is strictly before `before`, oldest first.
pub fn prunable(s: &dyn Storage, before: u64, limit: usize) -> StdResult<Vec<(u64, Hash32)>> {
    let end = Bound::exclusive((before, &[][..]));
    DECIDED.keys(s, None, Some(end), Order::Ascending).take(limit).map(|r| r.map(|(t, id)| (t, hash32(&id)))).collect()
}
/// Removes a decided bundle from state; its nonce stays taken and its log entries stay.
pub fn remove_bundle(s: &mut dyn Storage, settle_deadline: u64, id: &Hash32) {
    DECIDED.remove(s, (settle_deadline, id.0.as_slice()));
    BUNDLES.remove(s, id.0.as_slice());
}

// ------------------------------------------------------------------ batches

pub fn open_batch_index(s: &dyn Storage) -> StdResult<u64> {
    Ok(OPEN_BATCH.may_load(s)?.unwrap_or(0))
}
pub fn set_open_batch_index(s: &mut dyn Storage, index: u64) -> StdResult<()> {
    OPEN_BATCH.save(s, &index)
}
/// A batch with its leaves (for its root, proofs and queries).
pub fn batch(s: &dyn Storage, index: u64) -> StdResult<Option<BatchRecord>> {
    let Some(mut b) = BATCHES.may_load(s, index)? else { return Ok(None) };
    b.entries = BATCH_ENTRIES
        .prefix(index)
        .range(s, None, None, Order::Ascending)
        .take(b.size as usize)
        .map(|r| r.map(|(_, e)| e))
        .collect::<StdResult<_>>()?;
    Ok(Some(b))
}
/// A batch without its leaves (`entries` empty, `size` set).
pub fn batch_head(s: &dyn Storage, index: u64) -> StdResult<Option<BatchRecord>> {
    BATCHES.may_load(s, index)
}
/// Appends a leaf to batch `b` (the caller saves `b`); returns its position.
pub fn push_batch_entry(s: &mut dyn Storage, b: &mut BatchRecord, e: &BatchEntry) -> StdResult<u32> {
    let position = b.size;
    BATCH_ENTRIES.save(s, (b.index, position), e)?;
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
    BATCHES.save(s, b.index, b)
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
    BATCH_SIGS.save(s, (index, signer.0.as_slice()), sig)
}
/// Signatures of a batch, ascending by signer address (bounded by the set size, ≤ 64).
pub fn batch_signatures(s: &dyn Storage, index: u64) -> StdResult<Vec<(EvmAddress, Signature65)>> {
    sigs(s, &BATCH_SIGS, index)
}

fn sigs(
    s: &dyn Storage,
    map: &Map<(u64, &[u8]), Signature65>,
    index: u64,
) -> StdResult<Vec<(EvmAddress, Signature65)>> {
    map.prefix(index)
        .range(s, None, None, Order::Ascending)
        .take(mesh_protocol::MAX_SIGNERS)
        .map(|r| r.map(|(k, sig)| (EvmAddress(mesh_protocol::Address::from_slice(&k)), sig)))
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
    UPDATE_SIGS.save(s, (new_epoch, signer.0.as_slice()), sig)
}
pub fn update_signatures(s: &dyn Storage, new_epoch: u64) -> StdResult<Vec<(EvmAddress, Signature65)>> {
    sigs(s, &UPDATE_SIGS, new_epoch)
}
