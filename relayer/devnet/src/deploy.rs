//! Deploys and wires the hub contracts, bonds the devnet relayers and makes the first signer set.
use std::path::Path;

use cosmwasm_std::Uint128;
use mesh_hub_api::{bundle_log, dispute, stake_escrow};
use mesh_protocol::eip712::{relayer_key_digest, HubDomain};
use mesh_protocol::sig::{sign_digest, signing_key};
use mesh_protocol::EvmAddress;

use crate::manifest::Manifest;
use crate::DevnetError;
use mesh_hub::{CosmosClient, CosmosClientConfig, CosmosError};

/// The three hub contracts, in deployment order, with their artifact names.
pub const HUB_CONTRACTS: [(&str, &str); 3] =
    [("stake_escrow", "stake_escrow.wasm"), ("bundle_log", "bundle_log.wasm"), ("dispute", "dispute.wasm")];

fn step(name: &str) -> impl Fn(CosmosError) -> DevnetError + '_ {
    move |e| DevnetError::Step { step: name.into(), detail: e.to_string() }
}

pub fn hub_client(manifest: &Manifest) -> Result<CosmosClient, DevnetError> {
    let mut cfg = CosmosClientConfig::devnet(&manifest.hub.rpc[0], &manifest.hub.chain_id);
    cfg.fee_denom = manifest.hub.denom.clone();
    cfg.gas_price = manifest.hub.gas_price.parse().unwrap_or(cfg.gas_price);
    CosmosClient::new(cfg).map_err(step("hub client"))
}

fn units(v: &str) -> u128 {
    v.parse().expect("validated by the profile")
}

/// Lifetime of a devnet signer set (its signed `expires_at`): one day.
pub const DEVNET_SIGNER_SET_LIFETIME: u64 = 24 * 3600;

/// Deposit a devnet `RegisterBundle` attaches (returned on the verdict): 1 inj.
pub const DEVNET_REGISTRATION_DEPOSIT: u128 = 1_000_000_000_000_000_000;
/// The devnet routers' refund grace: a COMMIT for a locked leg is accepted until
/// `settle_deadline + grace`, `refundExpired` only from then. It must exceed the slowest devnet
/// delivery (hub block + signing + an EVM tx with a fee bump, well under 10 s).
pub const DEVNET_REFUND_GRACE: u64 = 10;

/// Stores the optimised wasm from `artifacts`, instantiates and wires the contracts.
pub async fn deploy_hub_contracts(manifest: &mut Manifest, artifacts: &Path) -> Result<(), DevnetError> {
    let hub = hub_client(manifest)?;
    let deployer = manifest.accounts.deployer.hub_signer();
    let p = manifest.profile.contracts.clone();
    for (name, file) in HUB_CONTRACTS {
        let path = artifacts.join(file);
        let wasm = std::fs::read(&path).map_err(|e| DevnetError::Step {
            step: format!("read {}", path.display()),
            detail: format!("{e} (build it with scripts/build-wasm.sh)"),
        })?;
        let (code_id, _) = hub.store_code(&deployer, wasm).await.map_err(step("store contract code"))?;
        manifest.code_ids.insert(name.to_string(), code_id);
    }
    let admin = Some(deployer.address().clone());
    let (escrow, _) = hub
        .instantiate(
            &deployer,
            manifest.code_ids["stake_escrow"],
            &stake_escrow::InstantiateMsg {
                admin: None,
                hub_chain_id: Some(manifest.hub.chain_id.clone()),
                bond_denom: manifest.hub.denom.clone(),
                min_bond: Uint128::new(units(&p.min_bond)),
                unbonding_period: p.unbonding_period.as_secs(),
                dispute_window: p.dispute_window.as_secs(),
                delivery_margin: p.delivery_margin.as_secs(),
                slash_bps: p.slash_bps,
                bounty_bps: p.bounty_bps,
                community_pool: None,
                rotation_delay: p.rotation_delay.as_secs(),
                signer_set_lifetime: Some(DEVNET_SIGNER_SET_LIFETIME),
                renewal_window: None,
                max_signer_weight_bps: None,
                dispute: None,
            },
            "atomic-mesh stake-escrow",
            admin.clone(),
            vec![],
        )
        .await
        .map_err(step("instantiate stake-escrow"))?;
    let (log, _) = hub
        .instantiate(
            &deployer,
            manifest.code_ids["bundle_log"],
            &bundle_log::InstantiateMsg {
                admin: None,
                hub_chain_id: Some(manifest.hub.chain_id.clone()),
                stake_escrow: escrow.clone(),
                dispute: None,
                dispute_window: p.dispute_window.as_secs(),
                delivery_margin: p.delivery_margin.as_secs(),
                max_batch_size: p.max_batch_size,
                batch_max_age: p.batch_max_age.as_secs(),
                max_reports_per_msg: p.max_reports_per_msg,
                max_horizon: p.max_horizon.as_secs(),
                chains: vec![],
                rereport_grace: Some(p.dispute_window.as_secs()),
                registration_deposit: Some(cosmwasm_std::Coin {
                    denom: manifest.hub.denom.clone(),
                    amount: cosmwasm_std::Uint256::from(DEVNET_REGISTRATION_DEPOSIT),
                }),
                retention: None,
            },
            "atomic-mesh bundle-log",
            admin.clone(),
            vec![],
        )
        .await
        .map_err(step("instantiate bundle-log"))?;
    let (disp, _) = hub
        .instantiate(
            &deployer,
            manifest.code_ids["dispute"],
            &dispute::InstantiateMsg {
                bundle_log: log.clone(),
                stake_escrow: escrow.clone(),
                max_proof_nodes: None,
                max_evidence_bytes: None,
            },
            "atomic-mesh dispute",
            admin,
            vec![],
        )
        .await
        .map_err(step("instantiate dispute"))?;
    let wire = vec![
        hub.execute_msg(&deployer, &escrow, &stake_escrow::ExecuteMsg::SetDispute { dispute: disp.clone() }, vec![])
            .map_err(step("wire dispute"))?,
        hub.execute_msg(&deployer, &log, &bundle_log::ExecuteMsg::SetDispute { dispute: disp.clone() }, vec![])
            .map_err(step("wire dispute"))?,
    ];
    hub.send(&deployer, wire, "wire the dispute contract").await.map_err(step("wire the dispute contract"))?;
    manifest.contracts.insert("stake_escrow".into(), escrow);
    manifest.contracts.insert("bundle_log".into(), log);
    manifest.contracts.insert("dispute".into(), disp);
    Ok(())
}

/// Bonds the first `bonded_relayers` devnet relayers (with proofs of possession of their EVM keys)
/// and makes signer-set epoch 1 from them.
pub async fn bond_relayers(manifest: &Manifest) -> Result<mesh_protocol::SignerSet, DevnetError> {
    let hub = hub_client(manifest)?;
    let escrow = &manifest.contracts["stake_escrow"];
    let domain = manifest.escrow_domain();
    let bond_amount = units(&manifest.profile.contracts.relayer_bond);
    for r in manifest.accounts.relayers.iter().take(manifest.profile.accounts.bonded_relayers as usize) {
        bond(&hub, escrow, &domain, r, bond_amount).await.map_err(step("bond relayer"))?;
    }
    let deployer = manifest.accounts.deployer.hub_signer();
    hub.execute(&deployer, escrow, &stake_escrow::ExecuteMsg::RotateSigners {}, vec![])
        .await
        .map_err(step("make signer set epoch 1"))?;
    let set: Option<stake_escrow::SignerSetResponse> =
        hub.query_smart(escrow, &stake_escrow::QueryMsg::CurrentSignerSet {}).await.map_err(step("read signer set"))?;
    set.map(|s| s.set)
        .ok_or(DevnetError::Step { step: "read signer set".into(), detail: "no signer set after rotation".into() })
}

/// Bonds `amount` for `relayer`, proving possession of its EVM key (EIP-712 `RelayerKey`).
pub async fn bond(
    hub: &CosmosClient,
    escrow: &str,
    domain: &HubDomain,
    relayer: &super::keys::DevIdentity,
    amount: u128,
) -> Result<mesh_hub::TxOutcome, CosmosError> {
    let evm_secret: [u8; 32] = hex::decode(&relayer.evm_secret).expect("hex").try_into().expect("32 bytes");
    let key = signing_key(&evm_secret).expect("valid devnet key");
    let proof = sign_digest(&key, relayer_key_digest(domain, &relayer.hub_address));
    let msg = stake_escrow::ExecuteMsg::Bond {
        evm_signer: EvmAddress::parse(&relayer.evm_address).expect("valid"),
        proof_of_possession: proof,
    };
    hub.execute(&relayer.hub_signer(), escrow, &msg, hub.coins(amount)).await
}

/// Registers every EVM chain of the manifest (with its deployed MeshRouter) on the bundle-log.
pub async fn register_chains(manifest: &Manifest) -> Result<(), DevnetError> {
    let hub = hub_client(manifest)?;
    let deployer = manifest.accounts.deployer.hub_signer();
    let mut msgs = Vec::new();
    for c in &manifest.evm {
        let router = c.contracts.get("MeshRouter").ok_or(DevnetError::Step {
            step: "register chains".into(),
            detail: format!("chain {} has no MeshRouter", c.name),
        })?;
        let msg = bundle_log::ExecuteMsg::AddChain {
            chain_id: c.chain_id,
            name: c.name.clone(),
            router: EvmAddress::parse(router)
                .map_err(|e| DevnetError::Step { step: "router address".into(), detail: e.to_string() })?,
            confirmations: c.confirmations as u32,
        };
        msgs.push(
            hub.execute_msg(&deployer, &manifest.contracts["bundle_log"], &msg, vec![])
                .map_err(step("register chains"))?,
        );
    }
    if !msgs.is_empty() {
        hub.send(&deployer, msgs, "register chains").await.map_err(step("register chains"))?;
    }
    Ok(())
}
