//! The executor's durable state (`mesh bundle run`), one redb file per run.
//!
//! Layout (every value is JSON, so `redb` is the only thing a reader needs):
//! - `meta` (`&str` → bytes): `spec` the keccak-256 of the spec text the run started from, `plan`
//!   the [`RunPlan`] (the bundle with its deadlines, the legs, the calls and the steps, frozen on
//!   the first start), `registered` the bundle id once the hub has it, `verdict`.
//! - `steps` (step id → bytes): a [`StepRecord`] once a step is finished (done, or missed).
//! - `txs` ((step id, tx index) → bytes): every transaction a step signed, as a [`StoredTx`]:
//!   the signed raw bytes and hash written *before* the broadcast, the receipt's outcome once
//!   mined.
//!
//! Each write is one redb transaction committed with the default (immediate) durability: after
//! a crash the file holds either the whole write or none of it.
use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{RunPlan, StoredTx};

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const STEPS: TableDefinition<u64, &[u8]> = TableDefinition::new("steps");
const TXS: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("txs");

/// A store that cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[error("run state {path}: {detail}")]
pub struct StoreError {
    pub path: String,
    pub detail: String,
}

/// How a finished step ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepEnd {
    /// Done by this run.
    Done,
    /// Found done on the hub or the chain (by another party, or by an earlier run).
    Found,
    /// Another party's step this run cannot see (its own call): left to it.
    LeftToParty,
    /// Not done by its deadline: the bundle goes to ABORT.
    Missed,
}

/// A finished step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub end: StepEnd,
    pub note: String,
}

/// A stored transaction by (step, index).
pub type TxRow = ((usize, usize), StoredTx);

/// The executor's state file.
pub struct RunStore {
    db: Database,
    path: String,
}

impl RunStore {
    pub fn open(path: &Path) -> Result<RunStore, StoreError> {
        let err = |e: &dyn std::fmt::Display| StoreError { path: path.display().to_string(), detail: e.to_string() };
        let db = Database::create(path).map_err(|e| err(&e))?;
        let tx = db.begin_write().map_err(|e| err(&e))?;
        {
            tx.open_table(META).map_err(|e| err(&e))?;
            tx.open_table(STEPS).map_err(|e| err(&e))?;
            tx.open_table(TXS).map_err(|e| err(&e))?;
        }
        tx.commit().map_err(|e| err(&e))?;
        Ok(RunStore { db, path: path.display().to_string() })
    }

    fn err(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError { path: self.path.clone(), detail: e.to_string() }
    }

    fn get_meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let tx = self.db.begin_read().map_err(|e| self.err(e))?;
        let t = tx.open_table(META).map_err(|e| self.err(e))?;
        match t.get(key).map_err(|e| self.err(e))? {
            Some(v) => serde_json::from_slice(v.value()).map(Some).map_err(|e| self.err(format!("{key}: {e}"))),
            None => Ok(None),
        }
    }

    fn put_meta<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value).map_err(|e| self.err(e))?;
        let tx = self.db.begin_write().map_err(|e| self.err(e))?;
        tx.open_table(META).map_err(|e| self.err(e))?.insert(key, bytes.as_slice()).map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))
    }

    /// The spec fingerprint and plan of the run, if it started before.
    pub fn plan(&self) -> Result<Option<(String, RunPlan)>, StoreError> {
        match (self.get_meta::<String>("spec")?, self.get_meta::<RunPlan>("plan")?) {
            (Some(s), Some(p)) => Ok(Some((s, p))),
            _ => Ok(None),
        }
    }

    /// Freezes the run's plan (one write: both or neither).
    pub fn put_plan(&self, spec_sha: &str, plan: &RunPlan) -> Result<(), StoreError> {
        let (s, p) = (
            serde_json::to_vec(spec_sha).map_err(|e| self.err(e))?,
            serde_json::to_vec(plan).map_err(|e| self.err(e))?,
        );
        let tx = self.db.begin_write().map_err(|e| self.err(e))?;
        {
            let mut t = tx.open_table(META).map_err(|e| self.err(e))?;
            t.insert("spec", s.as_slice()).map_err(|e| self.err(e))?;
            t.insert("plan", p.as_slice()).map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))
    }

    pub fn registered(&self) -> Result<Option<mesh_protocol::Hash32>, StoreError> {
        self.get_meta("registered")
    }

    pub fn put_registered(&self, id: mesh_protocol::Hash32) -> Result<(), StoreError> {
        self.put_meta("registered", &id)
    }

    pub fn verdict(&self) -> Result<Option<mesh_protocol::Verdict>, StoreError> {
        self.get_meta("verdict")
    }

    pub fn put_verdict(&self, v: mesh_protocol::Verdict) -> Result<(), StoreError> {
        self.put_meta("verdict", &v)
    }

    pub fn step(&self, step: usize) -> Result<Option<StepRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(|e| self.err(e))?;
        let t = tx.open_table(STEPS).map_err(|e| self.err(e))?;
        match t.get(step as u64).map_err(|e| self.err(e))? {
            Some(v) => serde_json::from_slice(v.value()).map(Some).map_err(|e| self.err(e)),
            None => Ok(None),
        }
    }

    pub fn finish_step(&self, step: usize, record: &StepRecord) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(record).map_err(|e| self.err(e))?;
        let tx = self.db.begin_write().map_err(|e| self.err(e))?;
        tx.open_table(STEPS)
            .map_err(|e| self.err(e))?
            .insert(step as u64, bytes.as_slice())
            .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))
    }

    /// Transaction `index` of `step`, if it was signed.
    pub fn tx(&self, step: usize, index: usize) -> Result<Option<StoredTx>, StoreError> {
        let tx = self.db.begin_read().map_err(|e| self.err(e))?;
        let t = tx.open_table(TXS).map_err(|e| self.err(e))?;
        match t.get((step as u64, index as u64)).map_err(|e| self.err(e))? {
            Some(v) => serde_json::from_slice(v.value()).map(Some).map_err(|e| self.err(e)),
            None => Ok(None),
        }
    }

    pub fn put_tx(&self, step: usize, index: usize, stored: &StoredTx) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(stored).map_err(|e| self.err(e))?;
        let tx = self.db.begin_write().map_err(|e| self.err(e))?;
        tx.open_table(TXS)
            .map_err(|e| self.err(e))?
            .insert((step as u64, index as u64), bytes.as_slice())
            .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))
    }

    /// Every stored transaction, by (step, index).
    pub fn txs(&self) -> Result<Vec<TxRow>, StoreError> {
        let tx = self.db.begin_read().map_err(|e| self.err(e))?;
        let t = tx.open_table(TXS).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in t.iter().map_err(|e| self.err(e))? {
            let (k, v) = row.map_err(|e| self.err(e))?;
            let (s, i) = k.value();
            out.push(((s as usize, i as usize), serde_json::from_slice(v.value()).map_err(|e| self.err(e))?));
        }
        Ok(out)
    }
}
