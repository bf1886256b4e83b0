//! Storage: the Router, and the run under way (between `Run` and `Finish`).

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{Addr, StdResult, Storage, Uint256};
use cw_storage_plus::Item;
use mesh_hub_api::router_cw::CwToken;
use mesh_protocol::Hash32;

const ROUTER: Item<Addr> = Item::new("router");
const RUN: Item<Run> = Item::new("run");

/// What `Finish` needs of the run `Run` started.
#[cw_serde]
pub struct Run {
    pub bundle_id: Hash32,
    pub index: u32,
    pub input: CwToken,
    pub recipient: Addr,
    pub output: CwToken,
    pub min_out: Uint256,
    /// The recipient's output-token balance before the call.
    pub before: Uint256,
}

pub fn router(storage: &dyn Storage) -> StdResult<Addr> {
    ROUTER.load(storage)
}

pub fn save_router(storage: &mut dyn Storage, router: &Addr) -> StdResult<()> {
    ROUTER.save(storage, router)
}

pub fn run_under_way(storage: &dyn Storage) -> bool {
    RUN.exists(storage)
}

pub fn start_run(storage: &mut dyn Storage, run: &Run) -> StdResult<()> {
    RUN.save(storage, run)
}

/// The run under way, removed (`None` when there is none).
pub fn take_run(storage: &mut dyn Storage) -> StdResult<Option<Run>> {
    let run = RUN.may_load(storage)?;
    RUN.remove(storage);
    Ok(run)
}
