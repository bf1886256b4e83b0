//! Read-only answers.

use cosmwasm_std::{to_json_binary, Addr, Binary, Deps, Env, StdResult};
use mesh_protocol::EvmAddress;

use crate::msg::{ConfigResponse, IsActiveResponse, RelayerInfo, RelayersResponse, SignerSetResponse, TotalsResponse};
use crate::state::{self, Config, Relayer, StoredSet};
use mesh_hub_api::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT};

pub fn config(deps: Deps) -> StdResult<Binary> {
    let c = state::config(deps.storage)?;
    to_json_binary(&ConfigResponse {
        admin: c.admin,
        hub_chain_id: c.hub_chain_id,
        bond_denom: c.bond_denom,
        min_bond: c.min_bond,
        unbonding_period: c.unbonding_period,
        dispute_window: c.dispute_window,
        delivery_margin: c.delivery_margin,
        slash_bps: c.slash_bps,
        bounty_bps: c.bounty_bps,
        community_pool: c.community_pool,
        rotation_delay: c.rotation_delay,
        dispute: c.dispute,
        signer_set_lifetime: c.signer_set_lifetime,
        renewal_window: c.renewal_window,
        max_signer_weight_bps: c.max_signer_weight_bps,
    })
}

fn info(cfg: &Config, address: Addr, r: Relayer) -> RelayerInfo {
    let active = r.is_active(cfg);
    let claimable_from = r.claimable_from(cfg);
    RelayerInfo {
        address,
        evm_signer: r.evm_signer,
        bonded: r.bonded,
        unbonding: r.unbonding,
        jailed: r.jailed,
        jailed_at: r.jailed_at,
        slashed: r.slashed,
        active,
        locked_until: r.locked_until,
        locked_by_epoch: r.locked_by_epoch,
        claimable_from,
    }
}

pub fn relayer(deps: Deps, address: String) -> StdResult<Binary> {
    let cfg = state::config(deps.storage)?;
    let addr = deps.api.addr_validate(&address)?;
    to_json_binary(&state::relayer(deps.storage, &addr)?.map(|r| info(&cfg, addr, r)))
}

pub fn relayer_by_signer(deps: Deps, evm_signer: EvmAddress) -> StdResult<Binary> {
    let cfg = state::config(deps.storage)?;
    let found = match state::signer_owner(deps.storage, &evm_signer)? {
        Some(addr) => state::relayer(deps.storage, &addr)?.map(|r| info(&cfg, addr, r)),
        None => None,
    };
    to_json_binary(&found)
}

pub fn relayers(deps: Deps, start_after: Option<String>, limit: Option<u32>) -> StdResult<Binary> {
    let cfg = state::config(deps.storage)?;
    let start = start_after.map(|a| deps.api.addr_validate(&a)).transpose()?;
    let limit = limit.unwrap_or(DEFAULT_PAGE_LIMIT).min(MAX_PAGE_LIMIT) as usize;
    let relayers =
        state::relayers_page(deps.storage, start.as_ref(), limit)?.into_iter().map(|(a, r)| info(&cfg, a, r)).collect();
    to_json_binary(&RelayersResponse { relayers })
}

pub fn is_active(deps: Deps, address: String) -> StdResult<Binary> {
    let cfg = state::config(deps.storage)?;
    let addr = deps.api.addr_validate(&address)?;
    let res = match state::relayer(deps.storage, &addr)? {
        Some(r) => IsActiveResponse { active: r.is_active(&cfg), bonded: r.bonded, jailed: r.jailed },
        None => IsActiveResponse { active: false, bonded: Default::default(), jailed: false },
    };
    to_json_binary(&res)
}

fn set_response(deps: Deps, stored: StoredSet) -> StdResult<SignerSetResponse> {
    let mut jailed = vec![];
    for s in &stored.set.signers {
        if let Some(owner) = state::signer_owner(deps.storage, &s.address)? {
            if state::relayer(deps.storage, &owner)?.is_some_and(|r| r.jailed) {
                jailed.push(s.address);
            }
        }
    }
    Ok(SignerSetResponse { set: stored.set, signers_hash: stored.signers_hash, created_at: stored.created_at, jailed })
}

pub fn signer_set(deps: Deps, epoch: u64) -> StdResult<Binary> {
    let found = state::signer_set(deps.storage, epoch)?.map(|s| set_response(deps, s)).transpose()?;
    to_json_binary(&found)
}

pub fn current_signer_set(deps: Deps) -> StdResult<Binary> {
    let epoch = state::current_epoch(deps.storage)?;
    let found = state::signer_set(deps.storage, epoch)?.map(|s| set_response(deps, s)).transpose()?;
    to_json_binary(&found)
}

pub fn next_signer_set(deps: Deps, env: Env) -> StdResult<Binary> {
    let cfg = state::config(deps.storage)?;
    let epoch = state::current_epoch(deps.storage)? + 1;
    let expires_at = env.block.time.seconds().saturating_add(cfg.signer_set_lifetime);
    let set = crate::execute::candidate_set(deps.storage, &cfg, epoch, expires_at)
        .map_err(|e| cosmwasm_std::StdError::msg(e.to_string()))?;
    to_json_binary(&set)
}

pub fn totals(deps: Deps) -> StdResult<Binary> {
    let t = state::totals(deps.storage)?;
    to_json_binary(&TotalsResponse {
        total_deposited: t.deposited,
        total_bonded: t.bonded,
        total_unbonding: t.unbonding,
        total_claimed: t.claimed,
        total_slashed: t.slashed,
        bounties_paid: t.bounties_paid,
        sent_to_community_pool: t.sent_to_community_pool,
        slashed_retained: t.slashed_retained,
        retained_withdrawn: t.retained_withdrawn,
    })
}
