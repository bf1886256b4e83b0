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
        chain_id: m.evm[chain].chain_id,
        router: addr(&m.evm[chain].contracts["MeshRouter"]),
        depositor: addr(depositor),
        token: addr(&m.evm[chain].contracts["USDC"]),
        amount: mesh_protocol::Amount::from(amount),
        recipient: addr(recipient),
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
