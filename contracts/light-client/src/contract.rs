//! Entry points: flat dispatch to `execute::*` and `query::*`.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Response};

use crate::error::ContractError;
use crate::msg::{ExecuteMsg, InstantiateMsg, QueryMsg};
use crate::{execute, query};

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(deps: DepsMut, env: Env, info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    mesh_hub_api::common::nonpayable(&info, "instantiate")?;
    execute::instantiate(deps, env, info, msg)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    // Nothing here takes funds; anything sent would be stuck in the contract.
    let action = match &msg {
        ExecuteMsg::CreateClient { .. } => "create_client",
        ExecuteMsg::UpdateClient { .. } => "update_client",
        ExecuteMsg::SubmitMisbehaviour { .. } => "submit_misbehaviour",
    };
    mesh_hub_api::common::nonpayable(&info, action)?;
    match msg {
        ExecuteMsg::CreateClient {
            chain_id,
            header,
            trust_level,
            trusting_period,
            unbonding_period,
            max_clock_drift,
            max_consensus_states,
        } => execute::create_client(
            deps,
            env,
            info,
            execute::ClientParams {
                chain_id,
                trust_level,
                trusting_period,
                unbonding_period,
                max_clock_drift,
                max_consensus_states,
            },
            header,
        ),
        ExecuteMsg::UpdateClient { chain_id, header, trusted_height, trusted_next_validators } => {
            execute::update_client(deps, env, chain_id, header, trusted_height, trusted_next_validators)
        }
        ExecuteMsg::SubmitMisbehaviour { chain_id, header_1, header_2 } => {
            execute::submit_misbehaviour(deps, env, chain_id, header_1, header_2)
        }
    }
}

/// Queries fail with the [`ContractError`]'s message (e.g. why a proof does not verify).
#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    use cosmwasm_std::to_json_binary;
    Ok(match msg {
        QueryMsg::Config {} => to_json_binary(&query::config(deps)?)?,
        QueryMsg::Client { chain_id } => to_json_binary(&query::client(deps, &env, &chain_id)?)?,
        QueryMsg::ConsensusState { chain_id, height } => {
            to_json_binary(&query::consensus_state(deps, &chain_id, height)?)?
        }
        QueryMsg::Misbehaviour { chain_id } => to_json_binary(&query::misbehaviour(deps, &chain_id)?)?,
        QueryMsg::VerifyMembership { chain_id, height, store, key, value, proof } => {
            to_json_binary(&query::verify_membership(deps, &env, &chain_id, height, &store, &key, &value, &proof)?)?
        }
    })
}
