//! Storage. The escrow map's key layout is part of the protocol (the hub proves records by
//! ICS23 under `mesh_hub_api::router_cw::escrow_storage_key`): never change its namespace, key
//! types or value type.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::Addr;
use cw_storage_plus::{Item, Map};
use mesh_hub_api::router_cw::{ActionOutcome, CwToken, Escrow, RootRecord, SignerSetResponse, ESCROWS_NAMESPACE};
use mesh_protocol::Hash32;

#[cw_serde]
pub struct Config {
    pub hub_chain_id: String,
    pub deployment: String,
    /// The hub's EIP-712 domain separator, computed once at instantiation.
    pub hub_domain: Hash32,
    pub domain: u64,
    pub refund_grace: u64,
    pub min_rotation_delay: u64,
}

pub const CONFIG: Item<Config> = Item::new("config");
/// Escrow records by (bundle id bytes, leg index).
pub const ESCROWS: Map<(&[u8], u32), Escrow> = Map::new(ESCROWS_NAMESPACE);
/// Signer sets by epoch (the current one and every earlier one; only the current and the
/// previous `RETAINED_EPOCHS` verify).
pub const SETS: Map<u64, SignerSetResponse> = Map::new("sets");
pub const CURRENT_EPOCH: Item<u64> = Item::new("current_epoch");
/// Verified batch roots.
pub const ROOTS: Map<&[u8], RootRecord> = Map::new("roots");

/// A locked leg's action as resolved at lock (kept apart from the escrow record, whose layout
/// the hub proves and which never changes; the action is bound by the record's `leg_hash`).
#[cw_serde]
pub struct ActionRecord {
    /// `action_hash` of the leg's action.
    pub hash: Hash32,
    pub target: Addr,
    pub output: CwToken,
    pub outcome: Option<ActionOutcome>,
}

/// Action records by (bundle id bytes, leg index), only for legs with an action.
pub const ACTIONS: Map<(&[u8], u32), ActionRecord> = Map::new("actions");
/// The executor the Router instantiated (absent: no actions).
pub const EXECUTOR: Item<Addr> = Item::new("action_executor");
/// Bank denoms by token id: every denom locked, and those registered (`RegisterDenom`).
pub const DENOMS: Map<&[u8], String> = Map::new("denoms");
/// Set while an action runs (inside `SettleAction`'s sub-message, from `RunAction` to
/// `EndAction`): every other entry point refuses to run (`Reentrant`), so nothing the target
/// calls can settle, refund or lock. A failed run reverts it with everything else.
pub const ACTION_RUNNING: Item<()> = Item::new("action_running");
