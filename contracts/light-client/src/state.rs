//! Storage, private behind small functions.

use cosmwasm_std::{Addr, HexBinary, Order, StdResult, Storage, Timestamp};
use cw_storage_plus::{Bound, Item, Map};
use serde::{Deserialize, Serialize};

use crate::msg::{ConsensusStateResponse, Fraction, Misbehaviour};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Config {
    pub admin: Addr,
}

/// A client's parameters and head.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ClientState {
    pub chain_id: String,
    pub trust_level: Fraction,
    pub trusting_period: u64,
    pub unbonding_period: u64,
    pub max_clock_drift: u64,
    pub max_consensus_states: u32,
    pub latest_height: u64,
    /// Consensus states kept.
    pub consensus_states: u32,
    /// Height of the misbehaviour that froze the client.
    pub frozen_at: Option<u64>,
}

/// What the client keeps of a verified header.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ConsensusState {
    pub height: u64,
    pub time: Timestamp,
    pub block_hash: HexBinary,
    pub app_hash: HexBinary,
    pub next_validators_hash: HexBinary,
}

impl From<ConsensusState> for ConsensusStateResponse {
    fn from(c: ConsensusState) -> Self {
        ConsensusStateResponse {
            height: c.height,
            time: c.time,
            block_hash: c.block_hash,
            app_hash: c.app_hash,
            next_validators_hash: c.next_validators_hash,
        }
    }
}

const CONFIG: Item<Config> = Item::new("config");
const CLIENTS: Map<&str, ClientState> = Map::new("clients");
/// (chain id, height) → consensus state.
const CONSENSUS: Map<(&str, u64), ConsensusState> = Map::new("consensus");
const MISBEHAVIOUR: Map<&str, Misbehaviour> = Map::new("misbehaviour");

pub fn save_config(s: &mut dyn Storage, c: &Config) -> StdResult<()> {
    CONFIG.save(s, c)
}
pub fn config(s: &dyn Storage) -> StdResult<Config> {
    CONFIG.load(s)
}

pub fn client(s: &dyn Storage, chain_id: &str) -> StdResult<Option<ClientState>> {
    CLIENTS.may_load(s, chain_id)
}
pub fn save_client(s: &mut dyn Storage, c: &ClientState) -> StdResult<()> {
    CLIENTS.save(s, &c.chain_id, c)
}

pub fn consensus_state(s: &dyn Storage, chain_id: &str, height: u64) -> StdResult<Option<ConsensusState>> {
    CONSENSUS.may_load(s, (chain_id, height))
}
pub fn save_consensus_state(s: &mut dyn Storage, chain_id: &str, c: &ConsensusState) -> StdResult<()> {
    CONSENSUS.save(s, (chain_id, c.height), c)
}

/// The `limit` oldest consensus states of a client.
pub fn oldest_consensus_states(s: &dyn Storage, chain_id: &str, limit: usize) -> StdResult<Vec<ConsensusState>> {
    CONSENSUS.prefix(chain_id).range(s, None, None, Order::Ascending).take(limit).map(|r| r.map(|(_, c)| c)).collect()
}

/// The newest consensus state below `height` and the oldest above it.
pub fn neighbours(
    s: &dyn Storage,
    chain_id: &str,
    height: u64,
) -> StdResult<(Option<ConsensusState>, Option<ConsensusState>)> {
    let below = CONSENSUS
        .prefix(chain_id)
        .range(s, None, Some(Bound::exclusive(height)), Order::Descending)
        .next()
        .transpose()?
        .map(|(_, c)| c);
    let above = CONSENSUS
        .prefix(chain_id)
        .range(s, Some(Bound::exclusive(height)), None, Order::Ascending)
        .next()
        .transpose()?
        .map(|(_, c)| c);
    Ok((below, above))
}

pub fn remove_consensus_state(s: &mut dyn Storage, chain_id: &str, height: u64) {
    CONSENSUS.remove(s, (chain_id, height))
}

pub fn misbehaviour(s: &dyn Storage, chain_id: &str) -> StdResult<Option<Misbehaviour>> {
    MISBEHAVIOUR.may_load(s, chain_id)
}
pub fn save_misbehaviour(s: &mut dyn Storage, chain_id: &str, m: &Misbehaviour) -> StdResult<()> {
    MISBEHAVIOUR.save(s, chain_id, m)
}
