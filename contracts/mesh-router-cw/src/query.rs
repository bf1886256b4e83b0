//! Read-only views.

use cosmwasm_std::{to_json_binary, Binary, Deps, Env, StdResult};
use mesh_hub_api::router_cw::{
    escrow_abci_key, escrow_storage_key, ConfigResponse, EscrowStorageKeyResponse, LegActionResponse, LegStatus,
    QueryMsg,
};
use mesh_protocol::eip712::bundle_id;
use mesh_protocol::Hash32;

use crate::execute::account_of;
use crate::state::{ACTIONS, CONFIG, CURRENT_EPOCH, DENOMS, ESCROWS, EXECUTOR, ROOTS, SETS};
use crate::verify::hub;

pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Config {} => {
            let cfg = CONFIG.load(deps.storage)?;
            to_json_binary(&ConfigResponse {
                router: account_of(deps.api, &env.contract.address)?,
                current_epoch: CURRENT_EPOCH.load(deps.storage)?,
                hub_chain_id: cfg.hub_chain_id,
                deployment: cfg.deployment,
                hub_domain: cfg.hub_domain,
                domain: cfg.domain,
                refund_grace: cfg.refund_grace,
                min_rotation_delay: cfg.min_rotation_delay,
                action_executor: EXECUTOR.may_load(deps.storage)?,
            })
        }
        QueryMsg::Escrow { bundle_id, index } => {
            to_json_binary(&ESCROWS.may_load(deps.storage, (bundle_id.0.as_slice(), index))?)
        }
        QueryMsg::LegStatus { bundle_id, index } => {
            let escrow = ESCROWS.may_load(deps.storage, (bundle_id.0.as_slice(), index))?;
            to_json_binary(&escrow.map_or(LegStatus::None, |e| e.status))
        }
        QueryMsg::SignerSet { epoch } => to_json_binary(&SETS.may_load(deps.storage, epoch)?),
        QueryMsg::IsVerifiedRoot { root } => to_json_binary(&ROOTS.has(deps.storage, root.0.as_slice())),
        QueryMsg::RootRecord { root } => to_json_binary(&ROOTS.may_load(deps.storage, root.0.as_slice())?),
        QueryMsg::RefundOpensAt { bundle_id, index } => {
            let cfg = CONFIG.load(deps.storage)?;
            let escrow = ESCROWS.may_load(deps.storage, (bundle_id.0.as_slice(), index))?;
            to_json_binary(&escrow.map(|e| e.settle_deadline.saturating_add(cfg.refund_grace)))
        }
        QueryMsg::EscrowStorageKey { bundle_id, index } => {
            let router = deps.api.addr_canonicalize(env.contract.address.as_str())?;
            to_json_binary(&EscrowStorageKeyResponse {
                storage_key: Binary::from(escrow_storage_key(&bundle_id, index)),
                abci_key: Binary::from(escrow_abci_key(router.as_slice(), &bundle_id, index)),
            })
        }
        QueryMsg::BundleId { bundle } => {
            let cfg = CONFIG.load(deps.storage)?;
            to_json_binary(&Hash32(bundle_id(&hub(&cfg), &bundle)))
        }
        QueryMsg::LegAction { bundle_id, index } => {
            let record = ACTIONS.may_load(deps.storage, (bundle_id.0.as_slice(), index))?;
            to_json_binary(&record.map(|r| LegActionResponse {
                action_hash: r.hash,
                target: r.target,
                output: r.output,
                outcome: r.outcome,
            }))
        }
        QueryMsg::Denom { token_id } => to_json_binary(&DENOMS.may_load(deps.storage, token_id.0.as_slice())?),
    }
}
