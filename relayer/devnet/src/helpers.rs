//! Small helpers the demo, the benchmark and the end-to-end tests share: unix time, USDC legs,
//! mints and balances on a devnet chain, as the deployer (the USDC owner). They return errors (the
//! demo reports them); the test fixture wraps them in panicking forms.
use mesh_chain_evm::locker::{balance_of, wallet_provider, LockError};

use crate::manifest::Manifest;

/// Unix time now.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs()
}

/// A manifest address.
pub fn addr(s: &str) -> mesh_protocol::EvmAddress {
    mesh_protocol::EvmAddress::parse(s).expect("a 0x address")
}

/// A USDC leg on devnet chain `chain` (index into the manifest's chains).
pub fn usdc_leg(m: &Manifest, chain: usize, depositor: &str, recipient: &str, amount: u128) -> mesh_protocol::Leg {
    mesh_protocol::Leg {
        domain: m.evm[chain].domain,
        router: addr(&m.evm[chain].contracts["MeshRouter"]).into(),
        depositor: addr(depositor).into(),
        token: addr(&m.evm[chain].contracts["USDC"]).into(),
        amount: mesh_protocol::Amount::from(amount),
        recipient: addr(recipient).into(),
        action: None,
        kind: Default::default(),
    }
}

pub fn deployer(m: &Manifest, chain: usize) -> alloy::providers::DynProvider {
    wallet_provider(&m.evm[chain].rpc, crate::evm_deploy::ANVIL_DEPLOYER_KEY).expect("deployer wallet")
}

/// Mints `amount` USDC to `to` on `chain` and returns the mined receipt (the demo shows its hash).
pub async fn try_mint_usdc(
    m: &Manifest,
    chain: usize,
    to: &str,
    amount: u128,
) -> Result<alloy::rpc::types::TransactionReceipt, LockError> {
    let evm = |e: &dyn std::fmt::Display| LockError::Evm(format!("minting USDC: {e}"));
    let usdc = crate::bindings::MintableERC20::new(addr(&m.evm[chain].contracts["USDC"]).0, deployer(m, chain));
    let sent = usdc.mint(addr(to).0, alloy::primitives::U256::from(amount)).send().await.map_err(|e| evm(&e))?;
    let r = sent.get_receipt().await.map_err(|e| evm(&e))?;
    if !r.status() {
        return Err(evm(&format!("tx {} reverted", r.transaction_hash)));
    }
    Ok(r)
}

/// `who`'s USDC balance on `chain`.
pub async fn try_usdc_balance(m: &Manifest, chain: usize, who: &str) -> Result<alloy::primitives::U256, LockError> {
    balance_of(&deployer(m, chain), addr(&m.evm[chain].contracts["USDC"]).0, addr(who).0).await
}

/// The protocol's account id of a bech32 address (a devnet identity's `hub_address` is its
/// address on every devnet Cosmos chain: same key, same prefix).
pub fn cw_account(bech32: &str) -> mesh_protocol::AccountId {
    let bytes = bech32.parse::<cosmrs::AccountId>().expect("a bech32 address").to_bytes();
    mesh_protocol::AccountId::from_cosmos_bytes(&bytes).expect("20 or 32 bytes")
}

/// A leg of `amount` of CosmWasm chain `chain`'s demo bank denom (index into the manifest's
/// `cosmwasm`), between two bech32 accounts.
pub fn cw_leg(m: &Manifest, chain: usize, depositor: &str, recipient: &str, amount: u128) -> mesh_protocol::Leg {
    let c = &m.cosmwasm[chain];
    mesh_protocol::Leg {
        domain: c.domain,
        router: cw_account(&c.contracts["router"]),
        depositor: cw_account(depositor),
        token: mesh_hub_api::router_cw::bank_denom_token_id(&c.denoms[0]),
        amount: mesh_protocol::Amount::from(amount),
        recipient: cw_account(recipient),
        action: None,
        kind: Default::default(),
    }
}

/// A leg of `amount` of CosmWasm chain `chain`'s demo cw20, between two bech32 accounts.
pub fn cw20_leg(m: &Manifest, chain: usize, depositor: &str, recipient: &str, amount: u128) -> mesh_protocol::Leg {
    let c = &m.cosmwasm[chain];
    mesh_protocol::Leg { token: cw_account(&c.contracts["cw20"]), ..cw_leg(m, chain, depositor, recipient, amount) }
}

/// The reading adapter of CosmWasm chain `chain`.
pub fn cw_chain(m: &Manifest, chain: usize) -> Result<mesh_chain_cosmwasm::CwChain, crate::DevnetError> {
    let c = &m.cosmwasm[chain];
    Ok(mesh_chain_cosmwasm::CwChain {
        name: c.name.clone(),
        domain: c.domain,
        chain_id: c.chain_id.clone(),
        router: c.contracts["router"].clone(),
        client: crate::cosmwasm_deploy::chain_client(m, c)?,
    })
}

/// `who`'s wallet on CosmWasm chain `chain`, holding its demo denom and demo cw20.
pub fn cw_locker(
    m: &Manifest,
    chain: usize,
    who: &crate::keys::DevIdentity,
) -> Result<mesh_chain_cosmwasm::CwLocker, crate::DevnetError> {
    let c = &m.cosmwasm[chain];
    Ok(mesh_chain_cosmwasm::CwLocker {
        name: c.name.clone(),
        domain: c.domain,
        chain_id: c.chain_id.clone(),
        router: c.contracts["router"].clone(),
        client: crate::cosmwasm_deploy::chain_client(m, c)?,
        signer: who.hub_signer(),
        tokens: c
            .denoms
            .iter()
            .map(|d| mesh_chain_cosmwasm::CwToken::Native { denom: d.clone() })
            .chain(c.contracts.get("cw20").map(|a| mesh_chain_cosmwasm::CwToken::Cw20 { address: a.clone() }))
            .collect(),
    })
}

/// `who`'s balance of CosmWasm chain `chain`'s demo denom.
pub async fn try_cw_balance(m: &Manifest, chain: usize, who: &str) -> Result<u128, crate::DevnetError> {
    let c = &m.cosmwasm[chain];
    let client = crate::cosmwasm_deploy::chain_client(m, c)?;
    client
        .balance(who, &c.denoms[0])
        .await
        .map_err(|e| crate::DevnetError::Step { step: format!("{} balance", c.name), detail: e.to_string() })
}

/// `who`'s balance of CosmWasm chain `chain`'s demo cw20.
pub async fn try_cw20_balance(m: &Manifest, chain: usize, who: &str) -> Result<u128, crate::DevnetError> {
    let c = &m.cosmwasm[chain];
    let client = crate::cosmwasm_deploy::chain_client(m, c)?;
    let step = || format!("{} cw20 balance", c.name);
    let token = c.contracts.get("cw20").ok_or_else(|| crate::DevnetError::Step {
        step: step(),
        detail: "the chain has no demo cw20 (profile `demo_cw20`)".into(),
    })?;
    // cw20's `BalanceResponse { balance: Uint128 }`: a decimal string
    let r: serde_json::Value = client
        .query_smart(token, &serde_json::json!({ "balance": { "address": who } }))
        .await
        .map_err(|e| crate::DevnetError::Step { step: step(), detail: e.to_string() })?;
    r["balance"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| crate::DevnetError::Step { step: step(), detail: format!("unexpected response {r}") })
}

/// The Router's status of a leg on CosmWasm chain `chain`.
pub async fn try_cw_leg_status(
    m: &Manifest,
    chain: usize,
    bundle_id: mesh_protocol::Hash32,
    index: u32,
) -> Result<mesh_hub_api::router_cw::LegStatus, crate::DevnetError> {
    let c = &m.cosmwasm[chain];
    let client = crate::cosmwasm_deploy::chain_client(m, c)?;
    client
        .query_smart(&c.contracts["router"], &mesh_hub_api::router_cw::QueryMsg::LegStatus { bundle_id, index })
        .await
        .map_err(|e| crate::DevnetError::Step { step: format!("{} leg status", c.name), detail: e.to_string() })
}
