//! Read-only answers, and membership proofs.

use cosmwasm_std::{Binary, Deps, Env, HexBinary};

use crate::error::ContractError;
use crate::execute::expired;
use crate::msg::{ClientResponse, ClientStatus, ConfigResponse, ConsensusStateResponse, MembershipResponse};
use crate::msg::{Misbehaviour, ProofOps};
use crate::proof;
use crate::state::{self, ClientState, ConsensusState};

pub fn config(deps: Deps) -> Result<ConfigResponse, ContractError> {
    Ok(ConfigResponse { admin: state::config(deps.storage)?.admin })
}

fn load_client(deps: Deps, chain_id: &str) -> Result<ClientState, ContractError> {
    state::client(deps.storage, chain_id)?.ok_or_else(|| ContractError::UnknownClient { chain_id: chain_id.into() })
}

fn load_state(deps: Deps, chain_id: &str, height: u64) -> Result<ConsensusState, ContractError> {
    state::consensus_state(deps.storage, chain_id, height)?
        .ok_or_else(|| ContractError::NoConsensusState { chain_id: chain_id.into(), height })
}

fn status(client: &ClientState, latest: &ConsensusState, env: &Env) -> ClientStatus {
    if client.frozen_at.is_some() {
        ClientStatus::Frozen
    } else if expired(client, latest.time, env.block.time) {
        ClientStatus::Expired
    } else {
        ClientStatus::Active
    }
}

pub fn client(deps: Deps, env: &Env, chain_id: &str) -> Result<ClientResponse, ContractError> {
    let c = load_client(deps, chain_id)?;
    let latest = load_state(deps, chain_id, c.latest_height)?;
    let earliest =
        state::oldest_consensus_states(deps.storage, chain_id, 1)?.first().map(|s| s.height).unwrap_or(c.latest_height);
    Ok(ClientResponse {
        status: status(&c, &latest, env),
        chain_id: c.chain_id,
        trust_level: c.trust_level,
        trusting_period: c.trusting_period,
        unbonding_period: c.unbonding_period,
        max_clock_drift: c.max_clock_drift,
        max_consensus_states: c.max_consensus_states,
        latest_height: c.latest_height,
        earliest_height: earliest,
        consensus_states: c.consensus_states,
        frozen: c.frozen_at.is_some(),
    })
}

pub fn consensus_state(
    deps: Deps,
    chain_id: &str,
    height: Option<u64>,
) -> Result<ConsensusStateResponse, ContractError> {
    let c = load_client(deps, chain_id)?;
    Ok(load_state(deps, chain_id, height.unwrap_or(c.latest_height))?.into())
}

pub fn misbehaviour(deps: Deps, chain_id: &str) -> Result<Option<Misbehaviour>, ContractError> {
    load_client(deps, chain_id)?;
    Ok(state::misbehaviour(deps.storage, chain_id)?)
}

/// Verifies `key` → `value` in `store` at `height` against the app hash of the consensus state
/// at `height + 1`. The client must be active (not frozen, latest state within the trusting
/// period).
#[allow(clippy::too_many_arguments)]
pub fn verify_membership(
    deps: Deps,
    env: &Env,
    chain_id: &str,
    height: u64,
    store: &str,
    key: &Binary,
    value: &Binary,
    proof: &ProofOps,
) -> Result<MembershipResponse, ContractError> {
    let client = load_client(deps, chain_id)?;
    if let Some(h) = client.frozen_at {
        return Err(ContractError::Frozen { chain_id: chain_id.into(), height: h });
    }
    let latest = load_state(deps, chain_id, client.latest_height)?;
    if expired(&client, latest.time, env.block.time) {
        return Err(ContractError::Expired {
            chain_id: chain_id.into(),
            latest_height: latest.height,
            latest_time: latest.time.seconds(),
            trusting_period: client.trusting_period,
        });
    }
    let header_height = height
        .checked_add(1)
        .ok_or_else(|| ContractError::NoConsensusState { chain_id: chain_id.into(), height: u64::MAX })?;
    let cs = load_state(deps, chain_id, header_height)?;
    let (store_root, app_hash) = proof::verify_store_proof(proof, store, key, value)?;
    if app_hash != cs.app_hash.as_slice() {
        return Err(ContractError::RootMismatch {
            height: header_height,
            expected: cs.app_hash.to_hex(),
            got: HexBinary::from(app_hash).to_hex(),
        });
    }
    Ok(MembershipResponse { app_hash: cs.app_hash, store_root: HexBinary::from(store_root) })
}
