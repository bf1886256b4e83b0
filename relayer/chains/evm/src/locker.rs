//! A depositor's actions on an EVM chain: approve and lock a leg, read balances.
use alloy::network::EthereumWallet;
use alloy::primitives::{Address, B256, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use mesh_chain::{AdapterError, Chain, DomainId, LegLocker, Locked};
use mesh_hub_api::bundle_log::ChainVm;
use mesh_protocol::eip712::{bundle_id, creator_hash, leg_hash, HubDomain};
use mesh_protocol::{Bundle, Hash32};

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
            domain: leg.domain,
            router: leg.router.0,
            depositor: leg.depositor.0,
            token: leg.token.0,
            amount: leg.amount.0,
            recipient: leg.recipient.0,
            action: leg.action.as_ref().map(mesh_protocol::eip712::action_hash).unwrap_or_default(),
            kind: leg.kind.code(),
            origin: leg.kind.origin(),
        }
    }};
}

/// The 20-byte address behind a leg's 32-byte account on an EVM domain.
pub fn evm_account(account: mesh_protocol::AccountId, what: &str) -> Result<Address, LockError> {
    account.to_evm().ok_or_else(|| LockError::Invalid(format!("the leg's {what} {account} is not an EVM address")))
}

/// Any displayable failure as an EVM error.
pub fn evm<E: std::fmt::Display>(e: E) -> LockError {
    LockError::Evm(e.to_string())
}

/// A contract call that failed before it was sent (most often: its gas estimate reverted), with
/// the revert decoded by name.
pub fn call_failed(what: &str, e: &alloy::contract::Error) -> LockError {
    LockError::Evm(format!("{what}: {}", crate::revert::explain(e)))
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
    lock_leg_of(provider, bundle_id(domain, bundle), bundle, index).await
}

/// [`lock_leg`] for a bundle whose id under the hub's domain is `id`.
async fn lock_leg_of(
    provider: &DynProvider,
    id: B256,
    bundle: &Bundle,
    index: usize,
) -> Result<(B256, u64), LockError> {
    let leg = bundle.legs.get(index).ok_or(LockError::NoSuchLeg(index))?;
    let router_address = evm_account(leg.router, "router")?;
    let token = MintableERC20::new(escrowed_token(provider, leg).await?, provider.clone());
    let router = MeshRouter::new(router_address, provider.clone());
    let approve = token.approve(router_address, leg.amount.0).send().await.map_err(|e| call_failed("approve", &e))?;
    mined(approve, "approve").await?;
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
        .map_err(|e| call_failed(&format!("lock of leg {index}"), &e))?;
    mined(pending, &format!("lock of leg {index}")).await
}

/// The ERC-20 a leg's `lock` escrows (what its depositor approves): the leg's token, or for a
/// burn leg the Router's wrapped token of (origin, token) — protocol §13.
pub async fn escrowed_token(provider: &DynProvider, leg: &mesh_protocol::Leg) -> Result<Address, LockError> {
    match leg.kind {
        mesh_protocol::LegKind::Burn { origin_domain } => {
            let router = MeshRouter::new(evm_account(leg.router, "router")?, provider.clone());
            router.wrappedToken(origin_domain, leg.token.0).call().await.map_err(evm)
        }
        _ => evm_account(leg.token, "token"),
    }
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

impl AdapterError for LockError {
    fn is_recoverable(&self) -> bool {
        // a node or mempool hiccup may pass; a leg that does not exist or is not EVM never will
        matches!(self, LockError::Evm(_))
    }
    fn would_revert(&self) -> bool {
        false
    }
}

/// A depositor's wallet on one EVM chain ([`LegLocker`]): approves the Router for the leg's token
/// and locks the leg, both signed by the wallet's key.
pub struct EvmLocker {
    pub name: String,
    pub domain: DomainId,
    pub chain_id: u64,
    /// A provider that signs as the depositor ([`wallet_provider`]).
    pub wallet: DynProvider,
}

impl Chain for EvmLocker {
    type Error = LockError;
    fn domain(&self) -> DomainId {
        self.domain
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn vm(&self) -> ChainVm {
        ChainVm::Evm { chain_id: self.chain_id }
    }
}

impl LegLocker for EvmLocker {
    async fn lock(&self, bundle: &Bundle, bundle_id: Hash32, index: usize) -> Result<Locked, LockError> {
        let leg = bundle.legs.get(index).ok_or(LockError::NoSuchLeg(index))?;
        if leg.domain != self.domain {
            return Err(LockError::Invalid(format!(
                "leg {index} is on domain {}, this wallet on {} (domain {})",
                leg.domain, self.name, self.domain
            )));
        }
        let (tx, block) = lock_leg_of(&self.wallet, bundle_id.0, bundle, index).await?;
        Ok(Locked { tx: Hash32(tx), block })
    }
}
