//! Storage, private behind small functions.

use cosmwasm_std::{Addr, Order, StdResult, Storage};
use cw_storage_plus::{Bound, Item, Map};
use serde::{Deserialize, Serialize};

use crate::msg::FraudRecord;

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Config {
    pub bundle_log: Addr,
    pub stake_escrow: Addr,
    pub hub_chain_id: String,
    pub max_proof_nodes: u32,
    pub max_evidence_bytes: u32,
}

const CONFIG: Item<Config> = Item::new("config");
const FRAUDS: Map<u64, FraudRecord> = Map::new("frauds");
const FRAUD_COUNT: Item<u64> = Item::new("fraud_count");
/// Replay key of a proven fraud → its id.
const PROVEN: Map<&[u8], u64> = Map::new("proven");

pub fn save_config(s: &mut dyn Storage, c: &Config) -> StdResult<()> {
    CONFIG.save(s, c)
}
pub fn config(s: &dyn Storage) -> StdResult<Config> {
    CONFIG.load(s)
}

pub fn proven(s: &dyn Storage, key: &[u8]) -> StdResult<Option<u64>> {
    PROVEN.may_load(s, key)
}

pub fn next_fraud_id(s: &dyn Storage) -> StdResult<u64> {
    Ok(FRAUD_COUNT.may_load(s)?.unwrap_or(0))
}

/// Records a proven fraud under its replay key.
pub fn record_fraud(s: &mut dyn Storage, key: &[u8], f: &FraudRecord) -> StdResult<()> {
    PROVEN.save(s, key, &f.id)?;
    FRAUDS.save(s, f.id, f)?;
    FRAUD_COUNT.save(s, &(f.id + 1))
}

pub fn fraud(s: &dyn Storage, id: u64) -> StdResult<Option<FraudRecord>> {
    FRAUDS.may_load(s, id)
}
pub fn frauds_page(s: &dyn Storage, start_after: Option<u64>, limit: usize) -> StdResult<Vec<FraudRecord>> {
    FRAUDS
        .range(s, start_after.map(Bound::exclusive), None, Order::Ascending)
        .take(limit)
        .map(|r| r.map(|(_, f)| f))
        .collect()
}
