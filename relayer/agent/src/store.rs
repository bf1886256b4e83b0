//! The relayer's durable state (redb, an embedded ACID database).
//!
//! Everything a role produces is committed in the same transaction as the cursor that produced
//! it, so a crash at any point resumes exactly where the last commit left off: an indexed range
//! is either entirely recorded (reports pending + cursor advanced) or not at all.
use std::path::Path;

use mesh_hub_api::bundle_log::{LockReport, Objection};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

/// chain id → next block to index.
const CURSORS: TableDefinition<u64, u64> = TableDefinition::new("cursors");
/// (chain id, block number) → block hash, for the blocks the cursor passed over.
const BLOCK_HASHES: TableDefinition<(u64, u64), [u8; 32]> = TableDefinition::new("block_hashes");
/// leg key → (source block number, JSON `LockReport`): found on an EVM chain, not yet on the hub.
const PENDING: TableDefinition<[u8; 36], (u64, &[u8])> = TableDefinition::new("pending_reports");
/// leg key → hub height at which the hub had a report for it.
const DONE: TableDefinition<[u8; 36], u64> = TableDefinition::new("done_reports");
/// leg key → (source block number, JSON `LockReport`) of every lock this relayer saw and the hub
/// took: if the hub's report is later reverted (another relayer's false report was proven), the
/// genuine lock is reported again from here.
const MIRRORED: TableDefinition<[u8; 36], (u64, &[u8])> = TableDefinition::new("mirrored_reports");
/// (epoch, batch index) → root this relayer signed: it never signs another root for that slot.
const SIGNED_BATCHES: TableDefinition<(u64, u64), [u8; 32]> = TableDefinition::new("signed_batches");
/// new epoch → signers hash this relayer signed.
const SIGNED_UPDATES: TableDefinition<u64, [u8; 32]> = TableDefinition::new("signed_updates");
/// (chain id, batch index) → 1 once every leg of that batch on that chain is settled.
const POSTED: TableDefinition<(u64, u64), u8> = TableDefinition::new("posted_batches");
/// (chain id, new epoch) → hash of the `rotate` transaction this poster got mined for it: a
/// restart does not send it again while the chain's node has not caught up.
const ROTATIONS: TableDefinition<(u64, u64), [u8; 32]> = TableDefinition::new("delivered_rotations");
/// report id → verdict of the disputer's check (0 = honest, 1 = fraud proven).
const CHECKED_REPORTS: TableDefinition<u64, u8> = TableDefinition::new("checked_reports");
/// contract replay key of a signature fraud (`fraud::wrong_statement_key`) → outcome of the
/// disputer's proof (1 = proven, 2 = refused by the hub, e.g. proven by someone else first).
const SIGNATURE_FRAUDS: TableDefinition<&[u8], u8> = TableDefinition::new("signature_frauds");
/// report id → (chain id, [`Judgement`] code, JSON `Objection` or empty): the checker's decision
/// on another relayer's report, committed before anything is sent, so a restart neither
/// forgets an objection nor judges a report twice.
const JUDGED_REPORTS: TableDefinition<u64, (u64, u8, &[u8])> = TableDefinition::new("judged_reports");
/// named counters (e.g. the next log sequence to look at).
const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("counters");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("relayer database: {0}")]
    Db(String),
    #[error("relayer database holds a malformed report: {0}")]
    Corrupt(String),
    #[error("refusing to sign root {new} for epoch {epoch} batch {batch}: root {signed} was signed for it already")]
    WouldEquivocate { epoch: u64, batch: u64, signed: String, new: String },
}

fn db<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Db(e.to_string())
}

/// Identifies one leg: bundle id ‖ leg index (big-endian).
pub fn leg_key(bundle_id: &[u8; 32], leg_index: u32) -> [u8; 36] {
    let mut k = [0u8; 36];
    k[..32].copy_from_slice(bundle_id);
    k[32..].copy_from_slice(&leg_index.to_be_bytes());
    k
}

/// The checker's decision on one report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// Confirmed on this relayer's node: never objected to.
    Confirmed,
    /// Objected to; the objection is not yet on the hub.
    Objecting(Objection),
    /// Objected to, and the hub has the objection (or the report closed before it could).
    Objected(Objection),
}

impl Judgement {
    fn code(&self) -> u8 {
        match self {
            Judgement::Confirmed => 0,
            Judgement::Objecting(_) => 1,
            Judgement::Objected(_) => 2,
        }
    }
}

/// A report waiting to reach the hub, with the block it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub key: [u8; 36],
    pub block: u64,
    pub report: LockReport,
}

pub struct Store {
    db: Database,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(db)?;
        }
        let database = Database::create(path).map_err(db)?;
        let tx = database.begin_write().map_err(db)?;
        {
            tx.open_table(CURSORS).map_err(db)?;
            tx.open_table(BLOCK_HASHES).map_err(db)?;
            tx.open_table(PENDING).map_err(db)?;
            tx.open_table(DONE).map_err(db)?;
            tx.open_table(MIRRORED).map_err(db)?;
            tx.open_table(SIGNED_BATCHES).map_err(db)?;
            tx.open_table(SIGNED_UPDATES).map_err(db)?;
            tx.open_table(POSTED).map_err(db)?;
            tx.open_table(ROTATIONS).map_err(db)?;
            tx.open_table(CHECKED_REPORTS).map_err(db)?;
            tx.open_table(SIGNATURE_FRAUDS).map_err(db)?;
            tx.open_table(COUNTERS).map_err(db)?;
            tx.open_table(JUDGED_REPORTS).map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(Store { db: database })
    }

    pub fn cursor(&self, chain_id: u64) -> Result<Option<u64>, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let t = tx.open_table(CURSORS).map_err(db)?;
        Ok(t.get(chain_id).map_err(db)?.map(|v| v.value()))
    }

    pub fn block_hash(&self, chain_id: u64, number: u64) -> Result<Option<[u8; 32]>, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let t = tx.open_table(BLOCK_HASHES).map_err(db)?;
        Ok(t.get((chain_id, number)).map_err(db)?.map(|v| v.value()))
    }

    /// Stored block numbers of a chain below `below`, newest first (for reorg rewinds).
    pub fn stored_blocks_below(&self, chain_id: u64, below: u64) -> Result<Vec<(u64, [u8; 32])>, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let t = tx.open_table(BLOCK_HASHES).map_err(db)?;
        let mut out = Vec::new();
        for item in t.range((chain_id, 0)..(chain_id, below)).map_err(db)?.rev() {
            let (k, v) = item.map_err(db)?;
            out.push((k.value().1, v.value()));
        }
        Ok(out)
    }

    /// Records one indexed range atomically: its reports become pending, the hashes of the given
    /// blocks are kept, and the cursor moves to `next`. Reports already done or pending are skipped.
    pub fn commit_range(
        &self,
        chain_id: u64,
        next: u64,
        hashes: &[(u64, [u8; 32])],
        reports: &[Pending],
    ) -> Result<usize, StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        let mut added = 0;
        {
            let mut cursors = tx.open_table(CURSORS).map_err(db)?;
            let mut bh = tx.open_table(BLOCK_HASHES).map_err(db)?;
            let mut pending = tx.open_table(PENDING).map_err(db)?;
            let done = tx.open_table(DONE).map_err(db)?;
            for (n, h) in hashes {
                bh.insert((chain_id, *n), *h).map_err(db)?;
            }
            for p in reports {
                if done.get(p.key).map_err(db)?.is_some() || pending.get(p.key).map_err(db)?.is_some() {
                    continue;
                }
                let json = serde_json::to_vec(&p.report).map_err(db)?;
                pending.insert(p.key, (p.block, json.as_slice())).map_err(db)?;
                added += 1;
            }
            cursors.insert(chain_id, next).map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(added)
    }

    /// Undoes everything indexed above block `keep` of `chain_id` (a reorg replaced those blocks):
    /// pending reports from them are dropped, their hashes forgotten, the cursor set to `keep + 1`.
    pub fn rewind(&self, chain_id: u64, keep: u64) -> Result<usize, StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        let mut dropped = 0;
        {
            let mut cursors = tx.open_table(CURSORS).map_err(db)?;
            let mut bh = tx.open_table(BLOCK_HASHES).map_err(db)?;
            let mut pending = tx.open_table(PENDING).map_err(db)?;
            let stale: Vec<u64> = bh
                .range((chain_id, keep + 1)..=(chain_id, u64::MAX))
                .map_err(db)?
                .map(|i| i.map(|(k, _)| k.value().1))
                .collect::<Result<_, _>>()
                .map_err(db)?;
            for n in stale {
                bh.remove((chain_id, n)).map_err(db)?;
            }
            let mut gone = Vec::new();
            for item in pending.iter().map_err(db)? {
                let (k, v) = item.map_err(db)?;
                let (block, json) = v.value();
                let report: LockReport =
                    serde_json::from_slice(json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                if report.location.chain_id == chain_id && block > keep {
                    gone.push(k.value());
                }
            }
            for k in gone {
                pending.remove(k).map_err(db)?;
                dropped += 1;
            }
            cursors.insert(chain_id, keep + 1).map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(dropped)
    }

    /// Every pending report, oldest block first.
    pub fn pending(&self) -> Result<Vec<Pending>, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let t = tx.open_table(PENDING).map_err(db)?;
        let mut out = Vec::new();
        for item in t.iter().map_err(db)? {
            let (k, v) = item.map_err(db)?;
            let (block, json) = v.value();
            let report = serde_json::from_slice(json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            out.push(Pending { key: k.value(), block, report });
        }
        out.sort_by_key(|p| (p.report.location.chain_id, p.block));
        Ok(out)
    }

    /// Moves reports from pending to done (the hub has a report for each of these legs).
    pub fn mark_done(&self, keys: &[[u8; 36]], hub_height: u64) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        {
            let mut pending = tx.open_table(PENDING).map_err(db)?;
            let mut done = tx.open_table(DONE).map_err(db)?;
            let mut mirrored = tx.open_table(MIRRORED).map_err(db)?;
            for k in keys {
                if let Some(v) = pending.remove(*k).map_err(db)? {
                    let (block, json) = v.value();
                    mirrored.insert(*k, (block, json)).map_err(db)?;
                }
                done.insert(*k, hub_height).map_err(db)?;
            }
        }
        tx.commit().map_err(db)
    }

    /// Puts a lock this relayer mirrored before back into pending (the hub's report of that leg
    /// was reverted); returns whether there was one to put back.
    pub fn reinstate(&self, key: &[u8; 36]) -> Result<bool, StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        let found;
        {
            let mirrored = tx.open_table(MIRRORED).map_err(db)?;
            let mut pending = tx.open_table(PENDING).map_err(db)?;
            let mut done = tx.open_table(DONE).map_err(db)?;
            let entry = mirrored.get(*key).map_err(db)?.map(|v| {
                let (block, json) = v.value();
                (block, json.to_vec())
            });
            found = entry.is_some();
            if let Some((block, json)) = entry {
                if pending.get(*key).map_err(db)?.is_none() {
                    pending.insert(*key, (block, json.as_slice())).map_err(db)?;
                }
                done.remove(*key).map_err(db)?;
            }
        }
        tx.commit().map_err(db)?;
        Ok(found)
    }

    /// Whether this relayer mirrored a lock for the leg.
    pub fn is_mirrored(&self, key: &[u8; 36]) -> Result<bool, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let t = tx.open_table(MIRRORED).map_err(db)?;
        Ok(t.get(*key).map_err(db)?.is_some())
    }

    /// Drops pending reports without marking them done (the hub can never accept them).
    pub fn drop_pending(&self, keys: &[[u8; 36]]) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        {
            let mut pending = tx.open_table(PENDING).map_err(db)?;
            for k in keys {
                pending.remove(*k).map_err(db)?;
            }
        }
        tx.commit().map_err(db)
    }

    /// Forgets that a leg was reported (the hub reverted the report): it may be reported again.
    pub fn forget_done(&self, key: &[u8; 36]) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        {
            let mut done = tx.open_table(DONE).map_err(db)?;
            done.remove(*key).map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    pub fn is_done(&self, key: &[u8; 36]) -> Result<bool, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let t = tx.open_table(DONE).map_err(db)?;
        Ok(t.get(*key).map_err(db)?.is_some())
    }

    /// Records the intent to sign `root` for (epoch, batch) before signing; refuses a second,
    /// different root for the same slot (that would be equivocation, a slashable fraud).
    pub fn record_batch_signature(&self, epoch: u64, batch: u64, root: [u8; 32]) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        {
            let mut t = tx.open_table(SIGNED_BATCHES).map_err(db)?;
            if let Some(prev) = t.get((epoch, batch)).map_err(db)? {
                let prev = prev.value();
                if prev != root {
                    return Err(StoreError::WouldEquivocate {
                        epoch,
                        batch,
                        signed: format!("0x{}", hex::encode(prev)),
                        new: format!("0x{}", hex::encode(root)),
                    });
                }
            }
            t.insert((epoch, batch), root).map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    /// Same guard for signer-set updates: one signers hash per new epoch.
    pub fn record_update_signature(&self, new_epoch: u64, signers_hash: [u8; 32]) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        {
            let mut t = tx.open_table(SIGNED_UPDATES).map_err(db)?;
            if let Some(prev) = t.get(new_epoch).map_err(db)? {
                let prev = prev.value();
                if prev != signers_hash {
                    return Err(StoreError::WouldEquivocate {
                        epoch: new_epoch,
                        batch: u64::MAX,
                        signed: format!("0x{}", hex::encode(prev)),
                        new: format!("0x{}", hex::encode(signers_hash)),
                    });
                }
            }
            t.insert(new_epoch, signers_hash).map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    pub fn is_posted(&self, chain_id: u64, batch: u64) -> Result<bool, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let t = tx.open_table(POSTED).map_err(db)?;
        Ok(t.get((chain_id, batch)).map_err(db)?.is_some())
    }

    pub fn mark_posted(&self, chain_id: u64, batch: u64) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        {
            tx.open_table(POSTED).map_err(db)?.insert((chain_id, batch), 1).map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    /// The `rotate` transaction this poster got mined on `chain_id` for `new_epoch`, if any.
    pub fn delivered_rotation(&self, chain_id: u64, new_epoch: u64) -> Result<Option<[u8; 32]>, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let t = tx.open_table(ROTATIONS).map_err(db)?;
        Ok(t.get((chain_id, new_epoch)).map_err(db)?.map(|v| v.value()))
    }

    pub fn record_rotation(&self, chain_id: u64, new_epoch: u64, tx_hash: [u8; 32]) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        {
            tx.open_table(ROTATIONS).map_err(db)?.insert((chain_id, new_epoch), tx_hash).map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    /// Forgets a delivered rotation whose transaction the chain no longer has (a reorg dropped it).
    pub fn forget_rotation(&self, chain_id: u64, new_epoch: u64) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        {
            tx.open_table(ROTATIONS).map_err(db)?.remove((chain_id, new_epoch)).map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    pub fn checked_report(&self, report_id: u64) -> Result<Option<u8>, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let t = tx.open_table(CHECKED_REPORTS).map_err(db)?;
        Ok(t.get(report_id).map_err(db)?.map(|v| v.value()))
    }

    pub fn mark_checked(&self, report_id: u64, outcome: u8) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        {
            tx.open_table(CHECKED_REPORTS).map_err(db)?.insert(report_id, outcome).map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    pub fn signature_fraud(&self, key: &[u8]) -> Result<Option<u8>, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let t = tx.open_table(SIGNATURE_FRAUDS).map_err(db)?;
        Ok(t.get(key).map_err(db)?.map(|v| v.value()))
    }

    pub fn mark_signature_fraud(&self, key: &[u8], outcome: u8) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        {
            tx.open_table(SIGNATURE_FRAUDS).map_err(db)?.insert(key, outcome).map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    pub fn counter(&self, name: &str) -> Result<u64, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let t = tx.open_table(COUNTERS).map_err(db)?;
        Ok(t.get(name).map_err(db)?.map(|v| v.value()).unwrap_or(0))
    }

    pub fn set_counter(&self, name: &str, value: u64) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        {
            tx.open_table(COUNTERS).map_err(db)?.insert(name, value).map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    /// The checker's decision on report `report_id`, if it made one.
    pub fn judgement(&self, report_id: u64) -> Result<Option<Judgement>, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let t = tx.open_table(JUDGED_REPORTS).map_err(db)?;
        let Some(v) = t.get(report_id).map_err(db)? else { return Ok(None) };
        let (_, code, json) = v.value();
        decode_judgement(code, json).map(Some)
    }

    /// Records decisions (report id, chain id, decision) in one transaction.
    pub fn record_judgements(&self, items: &[(u64, u64, Judgement)]) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        {
            let mut t = tx.open_table(JUDGED_REPORTS).map_err(db)?;
            for (report_id, chain_id, j) in items {
                let json = match j {
                    Judgement::Confirmed => Vec::new(),
                    Judgement::Objecting(o) | Judgement::Objected(o) => serde_json::to_vec(o).map_err(db)?,
                };
                t.insert(*report_id, (*chain_id, j.code(), json.as_slice())).map_err(db)?;
            }
        }
        tx.commit().map_err(db)
    }

    /// Objections of `chain_id` decided but not yet on the hub: (report id, objection).
    pub fn unsent_objections(&self, chain_id: u64) -> Result<Vec<(u64, Objection)>, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let t = tx.open_table(JUDGED_REPORTS).map_err(db)?;
        let mut out = Vec::new();
        for item in t.iter().map_err(db)? {
            let (k, v) = item.map_err(db)?;
            let (chain, code, json) = v.value();
            if chain == chain_id {
                if let Judgement::Objecting(o) = decode_judgement(code, json)? {
                    out.push((k.value(), o));
                }
            }
        }
        Ok(out)
    }
}

fn decode_judgement(code: u8, json: &[u8]) -> Result<Judgement, StoreError> {
    let objection = || serde_json::from_slice::<Objection>(json).map_err(|e| StoreError::Corrupt(e.to_string()));
    match code {
        0 => Ok(Judgement::Confirmed),
        1 => Ok(Judgement::Objecting(objection()?)),
        2 => Ok(Judgement::Objected(objection()?)),
        other => Err(StoreError::Corrupt(format!("judgement code {other}"))),
    }
}
