//! Client creation, updates and misbehaviour.

use cosmwasm_std::{Binary, DepsMut, Env, MessageInfo, Response, Storage, Timestamp};

use crate::error::ContractError;
use crate::msg::{Fraction, InstantiateMsg, LightHeader, Misbehaviour, MisbehaviourHeader};
use crate::msg::{DEFAULT_MAX_CONSENSUS_STATES, DEFAULT_TRUST_LEVEL};
use crate::state::{self, ClientState, Config, ConsensusState};
use crate::verify::{self, Mode};

/// Most consensus states one update prunes (bounds the work of an update; each update adds one
/// state, so a client over its bound shrinks back to it).
pub const PRUNE_PER_UPDATE: usize = 4;
/// Longest period a client parameter may name (100 years, in seconds).
pub const MAX_PERIOD: u64 = 100 * 365 * 24 * 3600;

pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    let admin = match msg.admin {
        Some(a) => deps.api.addr_validate(&a)?,
        None => info.sender,
    };
    state::save_config(deps.storage, &Config { admin: admin.clone() })?;
    Ok(Response::new().add_attribute("action", "instantiate").add_attribute("admin", admin))
}

/// A new client's parameters.
pub struct ClientParams {
    pub chain_id: String,
    pub trust_level: Option<Fraction>,
    pub trusting_period: u64,
    pub unbonding_period: u64,
    pub max_clock_drift: u64,
    pub max_consensus_states: Option<u32>,
}

pub fn create_client(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    p: ClientParams,
    header: LightHeader,
) -> Result<Response, ContractError> {
    let cfg = state::config(deps.storage)?;
    mesh_hub_api::common::only_admin(&cfg.admin, &info.sender, "create_client")?;
    if state::client(deps.storage, &p.chain_id)?.is_some() {
        return Err(ContractError::ClientExists { chain_id: p.chain_id });
    }
    let trust_level = p.trust_level.unwrap_or(DEFAULT_TRUST_LEVEL);
    verify::trust_threshold(trust_level)?;
    let invalid = |field, reason: &str| Err(ContractError::InvalidParams { field, reason: reason.into() });
    if p.trusting_period == 0 {
        return invalid("trusting_period", "must be positive");
    }
    if p.unbonding_period <= p.trusting_period {
        return invalid("unbonding_period", "must exceed the trusting period");
    }
    // keeps every time computation far from overflow
    if p.unbonding_period > MAX_PERIOD || p.max_clock_drift > MAX_PERIOD {
        return invalid("unbonding_period", "and max_clock_drift must be at most 100 years");
    }
    let max_consensus_states = p.max_consensus_states.unwrap_or(DEFAULT_MAX_CONSENSUS_STATES);
    if max_consensus_states == 0 {
        return invalid("max_consensus_states", "must be positive");
    }
    let decoded = verify::decode_header(&header)?;
    let mut client = ClientState {
        chain_id: p.chain_id,
        trust_level,
        trusting_period: p.trusting_period,
        unbonding_period: p.unbonding_period,
        max_clock_drift: p.max_clock_drift,
        max_consensus_states,
        latest_height: decoded.height(),
        consensus_states: 1,
        frozen_at: None,
    };
    verify::verify_standalone(deps.api, &client, &decoded)?;
    let cs = decoded.consensus_state()?;
    if expired(&client, cs.time, env.block.time) {
        return Err(ContractError::InvalidParams {
            field: "header",
            reason: format!("its time {} is older than the trusting period", cs.time.seconds()),
        });
    }
    client.latest_height = cs.height;
    state::save_consensus_state(deps.storage, &client.chain_id, &cs)?;
    state::save_client(deps.storage, &client)?;
    Ok(Response::new()
        .add_attribute("action", "create_client")
        .add_attribute("chain_id", client.chain_id)
        .add_attribute("height", cs.height.to_string())
        .add_attribute("app_hash", cs.app_hash.to_hex()))
}

pub fn update_client(
    deps: DepsMut,
    env: Env,
    chain_id: String,
    header: LightHeader,
    trusted_height: u64,
    trusted_next_validators: Option<Binary>,
) -> Result<Response, ContractError> {
    let mut client = active_client(deps.storage, &chain_id)?;
    let trusted = stored_state(deps.storage, &chain_id, trusted_height)?;
    let decoded = verify::decode_header(&header)?;
    verify::verify_from_trusted(
        deps.api,
        &client,
        &trusted,
        trusted_next_validators.as_ref(),
        &decoded,
        env.block.time,
        Mode::Update,
    )?;
    let cs = decoded.consensus_state()?;
    let res = Response::new().add_attribute("chain_id", &chain_id).add_attribute("height", cs.height.to_string());

    if let Some(existing) = state::consensus_state(deps.storage, &chain_id, cs.height)? {
        if existing.block_hash == cs.block_hash {
            return Ok(res.add_attribute("action", "update_client").add_attribute("result", "already_known"));
        }
        // two validly signed headers at one height: the chain's validators forked
        let evidence = Misbehaviour {
            height: cs.height,
            header_1: None,
            block_hash_1: existing.block_hash,
            header_2: header.signed_header,
            block_hash_2: cs.block_hash,
            frozen_at: env.block.time,
            frozen_at_height: env.block.height,
        };
        freeze(deps.storage, &mut client, &evidence)?;
        return Ok(res.add_attribute("action", "update_client").add_attribute("result", "frozen"));
    }
    // BFT time grows with height: a header between two stored ones must fit between their times
    let (below, above) = state::neighbours(deps.storage, &chain_id, cs.height)?;
    if below.is_some_and(|b| b.time >= cs.time) || above.as_ref().is_some_and(|a| a.time <= cs.time) {
        return Err(ContractError::InvalidHeader {
            height: cs.height,
            reason: "its time is not between the times of the stored consensus states around it".into(),
        });
    }
    state::save_consensus_state(deps.storage, &chain_id, &cs)?;
    client.consensus_states += 1;
    client.latest_height = client.latest_height.max(cs.height);
    let pruned = prune(deps.storage, &mut client, env.block.time)?;
    state::save_client(deps.storage, &client)?;
    Ok(res
        .add_attribute("action", "update_client")
        .add_attribute("result", "updated")
        .add_attribute("app_hash", cs.app_hash.to_hex())
        .add_attribute("pruned", pruned.to_string()))
}

pub fn submit_misbehaviour(
    deps: DepsMut,
    env: Env,
    chain_id: String,
    header_1: MisbehaviourHeader,
    header_2: MisbehaviourHeader,
) -> Result<Response, ContractError> {
    let mut client = active_client(deps.storage, &chain_id)?;
    let mut states = Vec::with_capacity(2);
    for h in [&header_1, &header_2] {
        let trusted = stored_state(deps.storage, &chain_id, h.trusted_height)?;
        let decoded = verify::decode_header(&h.header)?;
        verify::verify_from_trusted(
            deps.api,
            &client,
            &trusted,
            h.trusted_next_validators.as_ref(),
            &decoded,
            env.block.time,
            Mode::Misbehaviour,
        )?;
        states.push(decoded.consensus_state()?);
    }
    let (c1, c2) = (&states[0], &states[1]);
    if c1.height != c2.height {
        return Err(ContractError::NotMisbehaviour {
            reason: format!("the headers are at different heights ({} and {})", c1.height, c2.height),
        });
    }
    if c1.block_hash == c2.block_hash {
        return Err(ContractError::NotMisbehaviour { reason: "the two headers are the same block".into() });
    }
    let evidence = Misbehaviour {
        height: c1.height,
        header_1: Some(header_1.header.signed_header),
        block_hash_1: c1.block_hash.clone(),
        header_2: header_2.header.signed_header,
        block_hash_2: c2.block_hash.clone(),
        frozen_at: env.block.time,
        frozen_at_height: env.block.height,
    };
    freeze(deps.storage, &mut client, &evidence)?;
    Ok(Response::new()
        .add_attribute("action", "submit_misbehaviour")
        .add_attribute("chain_id", chain_id)
        .add_attribute("height", evidence.height.to_string())
        .add_attribute("result", "frozen"))
}

/// The client, refused when unknown or frozen (expiry is the verifier's: the trusted state
/// must be within the trusting period).
fn active_client(s: &dyn Storage, chain_id: &str) -> Result<ClientState, ContractError> {
    let client =
        state::client(s, chain_id)?.ok_or_else(|| ContractError::UnknownClient { chain_id: chain_id.into() })?;
    if let Some(height) = client.frozen_at {
        return Err(ContractError::Frozen { chain_id: chain_id.into(), height });
    }
    Ok(client)
}

fn stored_state(s: &dyn Storage, chain_id: &str, height: u64) -> Result<ConsensusState, ContractError> {
    state::consensus_state(s, chain_id, height)?
        .ok_or_else(|| ContractError::NoConsensusState { chain_id: chain_id.into(), height })
}

fn freeze(s: &mut dyn Storage, client: &mut ClientState, evidence: &Misbehaviour) -> Result<(), ContractError> {
    client.frozen_at = Some(evidence.height);
    state::save_misbehaviour(s, &client.chain_id, evidence)?;
    state::save_client(s, client)?;
    Ok(())
}

/// Whether a consensus state of time `time` is out of the trusting period at `now`.
pub fn expired(client: &ClientState, time: Timestamp, now: Timestamp) -> bool {
    time.plus_seconds(client.trusting_period) <= now
}

/// Drops the oldest consensus states that are out of the trusting period (they can no longer
/// verify a header) or beyond `max_consensus_states`, at most [`PRUNE_PER_UPDATE`], never the
/// latest one.
fn prune(s: &mut dyn Storage, client: &mut ClientState, now: Timestamp) -> Result<u32, ContractError> {
    let mut pruned = 0;
    for c in state::oldest_consensus_states(s, &client.chain_id, PRUNE_PER_UPDATE)? {
        if c.height == client.latest_height {
            break;
        }
        if !(expired(client, c.time, now) || client.consensus_states > client.max_consensus_states) {
            break;
        }
        state::remove_consensus_state(s, &client.chain_id, c.height);
        client.consensus_states -= 1;
        pruned += 1;
    }
    Ok(pruned)
}
