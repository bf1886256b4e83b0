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
    let action = match &msg {
        ExecuteMsg::Bond { .. } => None,
        ExecuteMsg::Unbond { .. } => Some("unbond"),
        ExecuteMsg::Claim {} => Some("claim"),
        ExecuteMsg::Slash { .. } => Some("slash"),
        ExecuteMsg::Unjail { .. } => Some("unjail"),
        ExecuteMsg::RotateSigners {} => Some("rotate_signers"),
        ExecuteMsg::SetDispute { .. } => Some("set_dispute"),
        ExecuteMsg::UpdateAdmin { .. } => Some("update_admin"),
        ExecuteMsg::WithdrawRetained { .. } => Some("withdraw_retained"),
    };
    if let Some(action) = action {
        mesh_hub_api::common::nonpayable(&info, action)?;
    }
    match msg {
        ExecuteMsg::Bond { evm_signer, proof_of_possession } => {
            execute::bond(deps, env, info, evm_signer, proof_of_possession)
        }
        ExecuteMsg::Unbond { amount } => execute::unbond(deps, env, info, amount),
        ExecuteMsg::Claim {} => execute::claim(deps, env, info),
        ExecuteMsg::Slash { relayer, kind, fraud_id, disputer } => {
            execute::slash(deps, env, info, relayer, kind, fraud_id, disputer)
        }
        ExecuteMsg::Unjail { relayer } => execute::unjail(deps, info, relayer),
        ExecuteMsg::RotateSigners {} => execute::rotate_signers(deps, env),
        ExecuteMsg::SetDispute { dispute } => execute::set_dispute(deps, info, dispute),
        ExecuteMsg::UpdateAdmin { admin } => execute::update_admin(deps, info, admin),
        ExecuteMsg::WithdrawRetained { to, amount } => execute::withdraw_retained(deps, env, info, to, amount),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Config {} => query::config(deps),
        QueryMsg::Relayer { address } => query::relayer(deps, address),
        QueryMsg::RelayerBySigner { evm_signer } => query::relayer_by_signer(deps, evm_signer),
        QueryMsg::Relayers { start_after, limit } => query::relayers(deps, start_after, limit),
        QueryMsg::IsActive { address } => query::is_active(deps, address),
        QueryMsg::SignerSet { epoch } => query::signer_set(deps, epoch),
        QueryMsg::CurrentSignerSet {} => query::current_signer_set(deps),
        QueryMsg::NextSignerSet {} => query::next_signer_set(deps, env),
        QueryMsg::Totals {} => query::totals(deps),
    }
}
