//! Bundle creator actions on the hub: register bundles, read them back.
use mesh_hub_api::bundle_log::{self, BundleResponse, RegisterBundleResponse};
use mesh_protocol::eip712::{bundle_id, HubDomain};
use mesh_protocol::{Bundle, Hash32};

use crate::{CosmosClient, CosmosError, CosmosSigner};

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(transparent)]
    Hub(#[from] CosmosError),
    #[error("the hub returned bundle id {hub} but the bundle hashes to {local}")]
    IdMismatch { hub: String, local: String },
    #[error("{0}")]
    Invalid(String),
}

/// Registers `bundle` (its creator must be `creator`'s address); checks the hub's id.
pub async fn register(
    hub: &CosmosClient,
    creator: &CosmosSigner,
    bundle_log: &str,
    bundle: &Bundle,
) -> Result<Hash32, BundleError> {
    let deposit = registration_deposit(hub, bundle_log).await?;
    let out = hub
        .execute(creator, bundle_log, &bundle_log::ExecuteMsg::RegisterBundle { bundle: bundle.clone() }, deposit)
        .await?;
    let local = Hash32(bundle_id(&HubDomain::new(hub.config().chain_id.clone(), bundle_log), bundle));
    let resp: Option<RegisterBundleResponse> = out.msg_data.first().and_then(|raw| {
        use prost::Message;
        let r = cosmrs::proto::cosmwasm::wasm::v1::MsgExecuteContractResponse::decode(raw.as_slice()).ok()?;
        serde_json::from_slice(&r.data).ok()
    });
    if let Some(r) = resp {
        if r.bundle_id != local {
            return Err(BundleError::IdMismatch { hub: r.bundle_id.to_string(), local: local.to_string() });
        }
    }
    Ok(local)
}

/// The coins a `RegisterBundles` of `count` bundles carries: `count` times the one deposit.
pub fn deposits_for(deposit: &[cosmrs::Coin], count: usize) -> Vec<cosmrs::Coin> {
    deposit.iter().map(|c| cosmrs::Coin { denom: c.denom.clone(), amount: c.amount * count as u128 }).collect()
}

/// The coins `RegisterBundle` must carry: the bundle-log's `registration_deposit` (returned to
/// the creator on the verdict), none when it asks for none.
pub async fn registration_deposit(hub: &CosmosClient, bundle_log: &str) -> Result<Vec<cosmrs::Coin>, BundleError> {
    let cfg: bundle_log::ConfigResponse = hub.query_smart(bundle_log, &bundle_log::QueryMsg::Config {}).await?;
    let Some(coin) = cfg.registration_deposit else { return Ok(vec![]) };
    let denom = coin
        .denom
        .parse()
        .map_err(|e| BundleError::Invalid(format!("the hub's registration deposit denom {}: {e}", coin.denom)))?;
    let amount = cosmwasm_std::Uint128::try_from(coin.amount)
        .map(|a| a.u128())
        .map_err(|e| BundleError::Invalid(format!("the hub's registration deposit {}: {e}", coin.amount)))?;
    Ok(vec![cosmrs::Coin { denom, amount }])
}

/// The bundle as the hub stores it.
pub async fn status(hub: &CosmosClient, bundle_log: &str, id: Hash32) -> Result<BundleResponse, BundleError> {
    Ok(hub.query_smart(bundle_log, &bundle_log::QueryMsg::Bundle { bundle_id: id }).await?)
}

/// Registers `bundles` as their common creator, ten per hub tx in one `RegisterBundles` (one
/// contract load for the ten; ten 2-leg bundles cost ~1.05M gas of a 10M block). Returns the bundle ids in order.
pub async fn register_many(
    hub: &CosmosClient,
    creator: &CosmosSigner,
    bundle_log: &str,
    bundles: &[Bundle],
) -> Result<Vec<Hash32>, BundleError> {
    let domain = HubDomain::new(hub.config().chain_id.clone(), bundle_log);
    let deposit = registration_deposit(hub, bundle_log).await?;
    for chunk in bundles.chunks(10) {
        let funds = deposits_for(&deposit, chunk.len());
        let msg = bundle_log::ExecuteMsg::RegisterBundles { bundles: chunk.to_vec() };
        hub.execute(creator, bundle_log, &msg, funds).await?;
    }
    Ok(bundles.iter().map(|b| Hash32(bundle_id(&domain, b))).collect())
}
