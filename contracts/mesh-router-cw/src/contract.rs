//! Entry points: flat dispatch to `execute::*` and `query::*`.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Reply, Response, StdResult};

use crate::action;
use crate::error::ContractError;
use crate::execute;
use crate::msg::{ExecuteMsg, InstantiateMsg, QueryMsg};
use crate::query;

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(deps: DepsMut, env: Env, info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    mesh_hub_api::common::nonpayable(&info, "instantiate")?;
    execute::instantiate(deps, env, msg)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    // Only a bank lock takes funds; anything sent elsewhere would be stuck.
    if !matches!(msg, ExecuteMsg::Lock { .. }) {
        mesh_hub_api::common::nonpayable(&info, name(&msg))?;
    }
    action::check_not_running(deps.storage, &msg)?;
    match msg {
        ExecuteMsg::Lock { bundle, index } => execute::lock_native(deps, env, info, bundle, index),
        ExecuteMsg::Receive(msg) => execute::receive(deps, env, info, msg),
        ExecuteMsg::SubmitBatch { epoch, batch_index, root, signatures } => {
            execute::submit_batch(deps, env, epoch, batch_index, root, signatures)
        }
        ExecuteMsg::Settle { bundle_id, index, verdict, batch_root, proof } => {
            execute::settle(deps, env, bundle_id, index, verdict, batch_root, proof)
        }
        ExecuteMsg::SettleMany { batch_root, items } => execute::settle_many(deps, env, batch_root, items),
        ExecuteMsg::SettleBatch { epoch, batch_index, root, signatures, items } => {
            execute::settle_batch(deps, env, epoch, batch_index, root, signatures, items)
        }
        ExecuteMsg::SettleMultiproof { batch_root, leaf_count, items, proof } => {
            execute::settle_multiproof(deps, env, batch_root, leaf_count, items, proof)
        }
        ExecuteMsg::RefundExpired { bundle_id, index } => execute::refund_expired(deps, env, bundle_id, index),
        ExecuteMsg::Rotate { new_set, signatures } => execute::rotate(deps, env, new_set, signatures),
        ExecuteMsg::SettleAction { bundle_id, index, batch_root, proof, action } => {
            action::settle_action(deps, env, bundle_id, index, batch_root, proof, action)
        }
        ExecuteMsg::RegisterDenom { denom } => action::register_denom(deps, denom),
        ExecuteMsg::RunAction { bundle_id, index, action } => {
            action::run_action(deps, env, info.sender, bundle_id, index, action)
        }
        ExecuteMsg::EndAction { bundle_id, index } => action::end_action(deps, env, info.sender, bundle_id, index),
    }
}

/// The message's name, for errors.
fn name(msg: &ExecuteMsg) -> &'static str {
    match msg {
        ExecuteMsg::Lock { .. } => "lock",
        ExecuteMsg::Receive(_) => "receive",
        ExecuteMsg::SubmitBatch { .. } => "submit_batch",
        ExecuteMsg::Settle { .. } => "settle",
        ExecuteMsg::SettleMany { .. } => "settle_many",
        ExecuteMsg::SettleBatch { .. } => "settle_batch",
        ExecuteMsg::SettleMultiproof { .. } => "settle_multiproof",
        ExecuteMsg::RefundExpired { .. } => "refund_expired",
        ExecuteMsg::Rotate { .. } => "rotate",
        ExecuteMsg::SettleAction { .. } => "settle_action",
        ExecuteMsg::RegisterDenom { .. } => "register_denom",
        ExecuteMsg::RunAction { .. } => "run_action",
        ExecuteMsg::EndAction { .. } => "end_action",
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn reply(deps: DepsMut, _env: Env, msg: Reply) -> Result<Response, ContractError> {
    execute::reply(deps, msg)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> StdResult<Binary> {
    query::query(deps, env, msg)
}
