//! Read-only answers.

use cosmwasm_std::{to_json_binary, Binary, Deps, StdError, StdResult};
use mesh_hub_api::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT};

use crate::msg::{ConfigResponse, FraudsResponse};
use crate::state;

pub fn config(deps: Deps) -> StdResult<Binary> {
    let c = state::config(deps.storage)?;
    to_json_binary(&ConfigResponse {
        bundle_log: c.bundle_log,
        stake_escrow: c.stake_escrow,
        hub_chain_id: c.hub_chain_id,
        max_proof_nodes: c.max_proof_nodes,
        max_evidence_bytes: c.max_evidence_bytes,
    })
}

pub fn fraud(deps: Deps, id: u64) -> StdResult<Binary> {
    let f = state::fraud(deps.storage, id)?.ok_or_else(|| StdError::msg(format!("fraud {id} not found")))?;
    to_json_binary(&f)
}

pub fn frauds(deps: Deps, start_after: Option<u64>, limit: Option<u32>) -> StdResult<Binary> {
    let limit = limit.unwrap_or(DEFAULT_PAGE_LIMIT).min(MAX_PAGE_LIMIT) as usize;
    to_json_binary(&FraudsResponse { frauds: state::frauds_page(deps.storage, start_after, limit)? })
}
