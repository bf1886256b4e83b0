//! Entry points: flat dispatch to `execute::*` and `query::*`.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Response, StdResult};

use crate::error::ContractError;
use crate::msg::{ExecuteMsg, InstantiateMsg, QueryMsg};
use crate::{execute, query};

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(deps: DepsMut, env: Env, info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    execute::instantiate(deps, env, info, msg)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    // Nothing here takes funds; anything sent would be stuck in the contract.
    mesh_hub_api::common::nonpayable(&info, "submit_fraud_proof")?;
    match msg {
        ExecuteMsg::SubmitFraudProof { proof } => execute::submit_fraud_proof(deps, env, info, proof),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Config {} => query::config(deps),
        QueryMsg::Fraud { id } => query::fraud(deps, id),
        QueryMsg::Frauds { start_after, limit } => query::frauds(deps, start_after, limit),
    }
}
