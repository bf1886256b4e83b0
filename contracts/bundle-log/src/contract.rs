//! Entry points: flat dispatch to `execute::*` and `query::*`.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Response, StdResult};

use crate::error::ContractError;
use crate::msg::{ChainInfo, ExecuteMsg, InstantiateMsg, QueryMsg};
use crate::{execute, query};

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(deps: DepsMut, env: Env, info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    execute::instantiate(deps, env, info, msg)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    // Only a registration takes funds (its deposit); anything sent elsewhere would be stuck.
    if !matches!(msg, ExecuteMsg::RegisterBundle { .. } | ExecuteMsg::RegisterBundles { .. }) {
        mesh_hub_api::common::nonpayable(&info, action(&msg))?;
    }
    match msg {
        ExecuteMsg::RegisterBundle { bundle } => execute::register_bundle(deps, env, info, bundle),
        ExecuteMsg::RegisterBundles { bundles } => execute::register_bundles(deps, env, info, bundles),
        ExecuteMsg::ReportLocks { reports } => execute::report_locks(deps, env, info, reports),
        ExecuteMsg::ObjectReports { objections } => execute::object_reports(deps, env, info, objections),
        ExecuteMsg::Prune { limit } => execute::prune(deps, env, limit),
        ExecuteMsg::Advance { limit } => execute::advance(deps, env, limit),
        ExecuteMsg::CloseBatch {} => execute::close_batch(deps, env),
        ExecuteMsg::SubmitSignatures { batch_index, signatures } => {
            execute::submit_signatures(deps, env, batch_index, signatures)
        }
        ExecuteMsg::SubmitSignerSetSignatures { new_epoch, signatures } => {
            execute::submit_signer_set_signatures(deps, env, new_epoch, signatures)
        }
        ExecuteMsg::RevertReport { bundle_id, leg_index, report_id, fraud_id } => {
            execute::revert_report(deps, env, info, bundle_id, leg_index, report_id, fraud_id)
        }
        ExecuteMsg::SetDispute { dispute } => execute::set_dispute(deps, info, dispute),
        ExecuteMsg::SetLightClient { light_client } => execute::set_light_client(deps, info, light_client),
        ExecuteMsg::AddChain { domain, name, vm, router, confirmations } => {
            execute::add_chain(deps, info, ChainInfo { domain, name, vm, router, confirmations })
        }
        ExecuteMsg::UpdateChain { domain, name, vm, router, confirmations } => {
            execute::update_chain(deps, info, ChainInfo { domain, name, vm, router, confirmations })
        }
        ExecuteMsg::RemoveChain { domain } => execute::remove_chain(deps, info, domain),
        ExecuteMsg::UpdateAdmin { admin } => execute::update_admin(deps, info, admin),
    }
}

/// The message's name, for errors.
fn action(msg: &ExecuteMsg) -> &'static str {
    match msg {
        ExecuteMsg::RegisterBundle { .. } => "register_bundle",
        ExecuteMsg::RegisterBundles { .. } => "register_bundles",
        ExecuteMsg::ReportLocks { .. } => "report_locks",
        ExecuteMsg::ObjectReports { .. } => "object_reports",
        ExecuteMsg::Advance { .. } => "advance",
        ExecuteMsg::CloseBatch {} => "close_batch",
        ExecuteMsg::Prune { .. } => "prune",
        ExecuteMsg::SubmitSignatures { .. } => "submit_signatures",
        ExecuteMsg::SubmitSignerSetSignatures { .. } => "submit_signer_set_signatures",
        ExecuteMsg::RevertReport { .. } => "revert_report",
        ExecuteMsg::SetDispute { .. } => "set_dispute",
        ExecuteMsg::SetLightClient { .. } => "set_light_client",
        ExecuteMsg::AddChain { .. } => "add_chain",
        ExecuteMsg::UpdateChain { .. } => "update_chain",
        ExecuteMsg::RemoveChain { .. } => "remove_chain",
        ExecuteMsg::UpdateAdmin { .. } => "update_admin",
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Config {} => query::config(deps, env),
        QueryMsg::Bundle { bundle_id } => query::bundle(deps, bundle_id),
        QueryMsg::BundleByNonce { creator, nonce } => query::bundle_by_nonce(deps, creator, nonce),
        QueryMsg::Report { bundle_id, leg_index } => query::report(deps, bundle_id, leg_index),
        QueryMsg::Log { start_after, limit } => query::log(deps, start_after, limit),
        QueryMsg::Batch { index } => query::batch(deps, index),
        QueryMsg::CurrentBatch {} => query::current_batch(deps),
        QueryMsg::MerkleProof { bundle_id } => query::merkle_proof_of(deps, bundle_id),
        QueryMsg::AwaitingReports { domain, start_after, limit } => {
            query::awaiting_reports(deps, domain, start_after, limit)
        }
        QueryMsg::DueBundles { limit } => query::due_bundles(deps, env, limit),
        QueryMsg::OpenReports { domain, start_after, limit } => query::open_reports(deps, domain, start_after, limit),
        QueryMsg::UnattestedBatches { start_after, limit } => query::unattested_batches(deps, start_after, limit),
        QueryMsg::AttestedBatches { start_after, limit } => query::attested_batches(deps, start_after, limit),
        QueryMsg::Chain { domain } => query::chain(deps, domain),
        QueryMsg::ChainByVm { vm } => query::chain_by_vm(deps, vm),
        QueryMsg::Chains { start_after, limit } => query::chains(deps, start_after, limit),
        QueryMsg::SignerSetUpdate { new_epoch } => query::signer_set_update(deps, new_epoch),
    }
}
