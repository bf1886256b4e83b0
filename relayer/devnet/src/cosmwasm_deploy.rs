//! The devnet's CosmWasm chains (gamma): mesh-router-cw stored and instantiated with the hub's
//! first signer set and the code of its action executor (mesh-action-executor-cw, which the
//! Router instantiates itself), the hub's light client of the chain created from one of its headers, and the
//! chain registered on the bundle-log as `ChainVm::CosmWasm`; the demo cw20 (cw-plus cw20-base)
//! with a balance for every demo user.
use std::path::Path;

use mesh_hub::deploy::{checked_wasm, find_code, Progress};
use mesh_hub::{CosmosClient, CosmosClientConfig};
use mesh_hub_api::{bundle_log, router_cw};

use crate::manifest::{CosmWasmInfo, Manifest};
use crate::DevnetError;

/// The Router's artifact (built by `scripts/build-wasm.sh` beside the hub contracts).
pub const ROUTER_WASM: &str = "mesh_router_cw.wasm";
/// The Router's label on the chain.
pub const ROUTER_LABEL: &str = "atomic-mesh router";
/// The action executor's artifact (`contracts/action-executor-cw`).
pub const EXECUTOR_WASM: &str = "mesh_action_executor_cw.wasm";
/// The demo cw20's artifact (cw20-base, `contracts/fixtures/demo-cw20`).
pub const CW20_WASM: &str = "mesh_demo_cw20.wasm";

fn fail(step: impl Into<String>) -> impl FnOnce(String) -> DevnetError {
    let step = step.into();
    move |detail| DevnetError::Step { step, detail }
}

fn progress() -> Progress<'static> {
    Progress::new(|line| tracing::debug!("cosmwasm deploy: {line}"))
}

/// A client of the CosmWasm chain `c`: same fee denom and gas price as the hub (same binary).
pub fn chain_client(manifest: &Manifest, c: &CosmWasmInfo) -> Result<CosmosClient, DevnetError> {
    let mut cfg = CosmosClientConfig::devnet(&c.rpc, &c.chain_id);
    cfg.fee_denom = manifest.hub.denom.clone();
    cfg.gas_price = manifest.hub.gas_price.parse().unwrap_or(cfg.gas_price);
    CosmosClient::new(cfg).map_err(|e| DevnetError::Step { step: format!("{} client", c.name), detail: e.to_string() })
}

/// Deploys every CosmWasm chain of the manifest: the Router with signer set `set`, the light
/// client on the hub, the registration on the bundle-log.
pub async fn deploy_cosmwasm(
    manifest: &mut Manifest,
    set: &mesh_protocol::SignerSet,
    artifacts: &Path,
) -> Result<(), DevnetError> {
    let hub = crate::deploy::hub_client(manifest)?;
    let deployer = manifest.accounts.deployer.hub_signer();
    let bundle_log_addr = manifest.contracts["bundle_log"].clone();
    let light_client_addr = manifest.contracts["light_client"].clone();
    let (wasm, sum) = checked_wasm(artifacts, ROUTER_WASM).map_err(|e| fail("router artifact")(e.to_string()))?;
    let (executor_wasm, executor_sum) =
        checked_wasm(artifacts, EXECUTOR_WASM).map_err(|e| fail("action executor artifact")(e.to_string()))?;
    let cw20 = checked_wasm(artifacts, CW20_WASM).map_err(|e| fail("demo cw20 artifact")(e.to_string()))?;
    let mut chains = Vec::new();
    for i in 0..manifest.cosmwasm.len() {
        let c = manifest.cosmwasm[i].clone();
        let profile =
            manifest.profile.cosmwasm.iter().find(|p| p.chain_id == c.chain_id).cloned().ok_or_else(|| {
                DevnetError::Step {
                    step: "deploy CosmWasm chains".into(),
                    detail: format!("{} not in the profile", c.name),
                }
            })?;
        let client = chain_client(manifest, &c)?;
        let step = |what: &str| format!("{}: {what}", c.name);
        let code_id = match find_code(&client, sum).await.map_err(|e| fail(step("find router code"))(e.to_string()))? {
            Some(id) => id,
            None => {
                client
                    .store_code(&deployer, wasm.clone())
                    .await
                    .map_err(|e| fail(step("store router"))(e.to_string()))?
                    .0
            }
        };
        let executor_code = match find_code(&client, executor_sum)
            .await
            .map_err(|e| fail(step("find executor code"))(e.to_string()))?
        {
            Some(id) => id,
            None => {
                client
                    .store_code(&deployer, executor_wasm.clone())
                    .await
                    .map_err(|e| fail(step("store action executor"))(e.to_string()))?
                    .0
            }
        };
        let msg = router_cw::InstantiateMsg {
            hub_chain_id: manifest.hub.chain_id.clone(),
            deployment: bundle_log_addr.clone(),
            domain: c.domain,
            refund_grace: crate::deploy::DEVNET_REFUND_GRACE,
            min_rotation_delay: manifest.profile.contracts.rotation_delay.as_secs(),
            genesis_set: set.clone(),
            action_executor_code_id: Some(executor_code),
        };
        let (router, out) = client
            .instantiate(&deployer, code_id, &msg, ROUTER_LABEL, Some(deployer.address().clone()), vec![])
            .await
            .map_err(|e| fail(step("instantiate router"))(e.to_string()))?;
        tracing::debug!(chain = %c.name, %router, gas = out.gas_used, "router instantiated");
        manifest.cosmwasm[i].code_ids.insert("router".into(), code_id);
        manifest.cosmwasm[i].code_ids.insert("action_executor".into(), executor_code);
        manifest.cosmwasm[i].contracts.insert("router".into(), router.clone());
        manifest.cosmwasm[i].denoms = profile.demo_denom.iter().cloned().collect();
        if let Some(symbol) = &profile.demo_cw20 {
            let (code_id, token) =
                deploy_demo_cw20(manifest, &client, &cw20, symbol).await.map_err(fail(step("demo cw20")))?;
            manifest.cosmwasm[i].code_ids.insert("cw20".into(), code_id);
            manifest.cosmwasm[i].contracts.insert("cw20".into(), token);
        }

        // a recent header the deployer trusts (one below the head: its commit is canonical)
        let (head, _) = client.latest_block().await.map_err(|e| fail(step("read head"))(e.to_string()))?;
        let reader = crate::helpers::cw_chain(manifest, i)?;
        let header = mesh_chain::HeaderSource::light_header(&reader, head.saturating_sub(1).max(1))
            .await
            .map_err(|e| fail(step("read header"))(e.to_string()))?
            .ok_or_else(|| fail(step("read header"))(format!("no header below head {head}")))?;
        mesh_hub::deploy::create_client(&hub, &deployer, &light_client_addr, &profile, header, &mut progress())
            .await
            .map_err(|e| fail(step("create the hub's light client"))(e.to_string()))?;

        let router_bytes =
            router.parse::<cosmrs::AccountId>().map_err(|e| fail(step("router address"))(e.to_string()))?.to_bytes();
        chains.push(bundle_log::ChainInfo {
            domain: c.domain,
            name: c.name.clone(),
            vm: bundle_log::ChainVm::CosmWasm { chain_id: c.chain_id.clone() },
            router: mesh_protocol::AccountId::from_cosmos_bytes(&router_bytes)
                .map_err(|e| fail(step("router account id"))(e.to_string()))?,
            confirmations: c.confirmations as u32,
        });
    }
    mesh_hub::deploy::register_chains(&hub, &deployer, &bundle_log_addr, &chains, &mut progress())
        .await
        .map_err(|e| fail("register CosmWasm chains")(e.to_string()))?;
    Ok(())
}

/// Stores (once per code) and instantiates cw20-base as `symbol`, 6 decimals, each demo user
/// holding the profile's genesis balance of it, no minter. Returns its code id and address.
async fn deploy_demo_cw20(
    manifest: &Manifest,
    client: &CosmosClient,
    (wasm, sum): &(Vec<u8>, [u8; 32]),
    symbol: &str,
) -> Result<(u64, String), String> {
    let deployer = manifest.accounts.deployer.hub_signer();
    let code_id = match find_code(client, *sum).await.map_err(|e| e.to_string())? {
        Some(id) => id,
        None => client.store_code(&deployer, wasm.clone()).await.map_err(|e| e.to_string())?.0,
    };
    let balances: Vec<_> = manifest
        .accounts
        .users
        .iter()
        .map(|u| serde_json::json!({ "address": u.hub_address, "amount": manifest.profile.accounts.balance }))
        .collect();
    // cw20-base's InstantiateMsg (cosmwasm-std 2 types, so written as JSON here)
    let msg = serde_json::json!({
        "name": format!("Mesh demo {symbol}"),
        "symbol": symbol,
        "decimals": 6,
        "initial_balances": balances,
    });
    let (token, out) = client
        .instantiate(&deployer, code_id, &msg, &format!("demo cw20 {symbol}"), Some(deployer.address().clone()), vec![])
        .await
        .map_err(|e| e.to_string())?;
    tracing::debug!(%token, gas = out.gas_used, "demo cw20 instantiated");
    Ok((code_id, token))
}

/// `MsgCreateValidator` of `operator` (a devnet identity funded on the chain) for the consensus
/// key `consensus_key`, self-delegating `stake` base units of the fee denom.
pub fn create_validator_msg(
    operator: &crate::keys::DevIdentity,
    consensus_key: [u8; 32],
    denom: &str,
    stake: u128,
) -> Result<cosmrs::Any, DevnetError> {
    use cosmrs::proto::cosmos::staking::v1beta1::{CommissionRates, Description, MsgCreateValidator};
    use prost::Message;
    let bytes = operator
        .hub_address
        .parse::<cosmrs::AccountId>()
        .map_err(|e| fail("operator address")(e.to_string()))?
        .to_bytes();
    let valoper = cosmrs::AccountId::new("injvaloper", &bytes).map_err(|e| fail("operator address")(e.to_string()))?;
    let pubkey = cosmrs::Any {
        type_url: "/cosmos.crypto.ed25519.PubKey".into(),
        value: cosmrs::proto::cosmos::crypto::ed25519::PubKey { key: consensus_key.to_vec() }.encode_to_vec(),
    };
    // LegacyDec on the wire: the integer of the value × 10^18
    let dec = |percent: u128| (percent * 10u128.pow(16)).to_string();
    let msg = MsgCreateValidator {
        description: Some(Description { moniker: format!("{}-validator", operator.name), ..Default::default() }),
        commission: Some(CommissionRates { rate: dec(10), max_rate: dec(20), max_change_rate: dec(1) }),
        min_self_delegation: "1".into(),
        validator_address: valoper.to_string(),
        pubkey: Some(pubkey),
        value: Some(cosmrs::proto::cosmos::base::v1beta1::Coin { denom: denom.into(), amount: stake.to_string() }),
        // `delegator_address` is deprecated since SDK 0.50: left empty
        ..Default::default()
    };
    Ok(cosmrs::Any { type_url: "/cosmos.staking.v1beta1.MsgCreateValidator".into(), value: msg.encode_to_vec() })
}
