//! A depositor's actions on an EVM chain: approve and lock a leg, read balances.
use alloy::network::EthereumWallet;
use alloy::primitives::{Address, B256, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use mesh_protocol::eip712::{bundle_id, creator_hash, leg_hash, HubDomain};
use mesh_protocol::Bundle;

use crate::bindings::{MeshRouter, MintableERC20};

/// How long to wait for an EVM transaction to be mined.
const RECEIPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("EVM: {0}")]
    Evm(String),
    #[error("leg {0} does not exist")]
    NoSuchLeg(usize),
    #[error("{0}")]
    Invalid(String),
}

/// The `Leg` struct of a `sol!` binding (each contract's binding has its own type) from a leg.
#[macro_export]
macro_rules! sol_leg {
    ($ty:path, $leg:expr) => {{
        let leg = $leg;
        $ty {
            chainId: leg.chain_id,
            router: leg.router.0,
            depositor: leg.depositor.0,
            token: leg.token.0,
            amount: leg.amount.0,
            recipient: leg.recipient.0,
        }
    }};
}

/// Any displayable failure as an EVM error.
pub fn evm<E: std::fmt::Display>(e: E) -> LockError {
    LockError::Evm(e.to_string())
}

/// A provider that signs with `secret` (hex) on `rpc`.
pub fn wallet_provider(rpc: &str, secret: &str) -> Result<DynProvider, LockError> {
    let signer: PrivateKeySigner = secret.trim_start_matches("0x").parse().map_err(evm)?;
    let url = rpc.parse().map_err(evm)?;
    Ok(signing_provider(EthereumWallet::from(signer), url))
}

/// Approves the router and locks leg `index` of `bundle` as its depositor (the provider's key).
/// Returns the lock transaction's hash and block.
pub async fn lock_leg(
    provider: &DynProvider,
    domain: &HubDomain,
    bundle: &Bundle,
    index: usize,
) -> Result<(B256, u64), LockError> {
    let leg = bundle.legs.get(index).ok_or(LockError::NoSuchLeg(index))?;
    let id = bundle_id(domain, bundle);
    let token = MintableERC20::new(leg.token.0, provider.clone());
    let router = MeshRouter::new(leg.router.0, provider.clone());
    mined(token.approve(leg.router.0, leg.amount.0).send().await.map_err(evm)?, "approve").await?;
    let pending = router
        .lock(
            id,
            index as u32,
            crate::sol_leg!(MeshRouter::Leg, leg),
            bundle.lock_deadline,
            bundle.settle_deadline,
            creator_hash(&bundle.creator),
            bundle.nonce,
            bundle.legs.iter().map(leg_hash).collect(),
        )
        .send()
        .await
        .map_err(evm)?;
    mined(pending, &format!("lock of leg {index}")).await
}

/// Waits for a sent transaction's receipt; a revert is an error naming `what`.
pub async fn mined(
    pending: alloy::providers::PendingTransactionBuilder<alloy::network::Ethereum>,
    what: &str,
) -> Result<(B256, u64), LockError> {
    let receipt = pending.with_timeout(Some(RECEIPT_TIMEOUT)).get_receipt().await.map_err(evm)?;
    if !receipt.status() {
        return Err(LockError::Evm(format!("{what} reverted")));
    }
    Ok((receipt.transaction_hash, receipt.block_number.unwrap_or_default()))
}

/// A provider that signs with `wallet`. Nonces are read from the node for every transaction
/// (not cached): a transaction that fails to estimate, or a reorg, can never leave a nonce gap
/// that would strand every later transaction of the account.
pub fn signing_provider(wallet: EthereumWallet, url: reqwest_url::Url) -> DynProvider {
    ProviderBuilder::new()
        .disable_recommended_fillers()
        .with_gas_estimation()
        .with_simple_nonce_management()
        .fetch_chain_id()
        .wallet(wallet)
        .connect_http(url)
        .erased()
}

mod reqwest_url {
    pub use alloy::transports::http::reqwest::Url;
}

/// ERC-20 balance.
pub async fn balance_of(provider: &DynProvider, token: Address, who: Address) -> Result<U256, LockError> {
    MintableERC20::new(token, provider.clone()).balanceOf(who).call().await.map_err(evm)
}
