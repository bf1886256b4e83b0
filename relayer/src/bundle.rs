//! Bundle creator and depositor actions: register a bundle on the hub, lock a leg on its chain.
use alloy::network::EthereumWallet;
use alloy::primitives::{Address, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use mesh_hub_api::bundle_log::{self, BundleResponse, RegisterBundleResponse};
use mesh_protocol::eip712::{bundle_id, creator_hash, leg_hash, HubDomain};
use mesh_protocol::{Bundle, Hash32};

use crate::evm::bindings::{MeshRouter, MintableERC20};
use crate::hub::{HubClient, HubError, HubSigner};

/// How long to wait for an EVM transaction to be mined.
const RECEIPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(transparent)]
    Hub(#[from] HubError),
    #[error("EVM: {0}")]
    Evm(String),
    #[error("the hub returned bundle id {hub} but the bundle hashes to {local}")]
    IdMismatch { hub: String, local: String },
    #[error("leg {0} does not exist")]
    NoSuchLeg(usize),
    #[error("{0}")]
    Invalid(String),
}

/// The `Leg` struct of a `sol!` binding (each contract's binding has its own type) from a leg.
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

fn evm<E: std::fmt::Display>(e: E) -> BundleError {
    BundleError::Evm(e.to_string())
}

/// Registers `bundle` (its creator must be `creator`'s address); checks the hub's id.
pub async fn register(
    hub: &HubClient,
    creator: &HubSigner,
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

/// The coins `RegisterBundle` must carry: the bundle-log's `registration_deposit` (returned to
/// the creator on the verdict), none when it asks for none.
pub async fn registration_deposit(hub: &HubClient, bundle_log: &str) -> Result<Vec<cosmrs::Coin>, BundleError> {
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
pub async fn status(hub: &HubClient, bundle_log: &str, id: Hash32) -> Result<BundleResponse, BundleError> {
    Ok(hub.query_smart(bundle_log, &bundle_log::QueryMsg::Bundle { bundle_id: id }).await?)
}

/// A provider that signs with `secret` (hex) on `rpc`.
pub fn wallet_provider(rpc: &str, secret: &str) -> Result<DynProvider, BundleError> {
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
) -> Result<(alloy::primitives::B256, u64), BundleError> {
    let leg = bundle.legs.get(index).ok_or(BundleError::NoSuchLeg(index))?;
    let id = bundle_id(domain, bundle);
    let token = MintableERC20::new(leg.token.0, provider.clone());
    let router = MeshRouter::new(leg.router.0, provider.clone());
    mined(token.approve(leg.router.0, leg.amount.0).send().await.map_err(evm)?, "approve").await?;
    let pending = router
        .lock(
            id,
            index as u32,
            sol_leg!(MeshRouter::Leg, leg),
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

/// Locks leg `index`, whose depositor is the demo `LendingPool` at `pool`, through the pool's
/// `lockMeshLoan` (the provider's key must own the pool). Returns the tx hash and block.
pub async fn lock_loan_leg(
    provider: &DynProvider,
    pool: Address,
    domain: &HubDomain,
    bundle: &Bundle,
    index: usize,
) -> Result<(alloy::primitives::B256, u64), BundleError> {
    let leg = bundle.legs.get(index).ok_or(BundleError::NoSuchLeg(index))?;
    if leg.depositor.0 != pool {
        return Err(BundleError::Invalid(format!("leg {index}'s depositor is {}, not the pool", leg.depositor)));
    }
    // the pool lends only into a bundle that pays it back, fee included, on the same chain
    let lending = crate::evm::bindings::LendingPool::new(pool, provider.clone());
    let owed = leg.amount.0 + lending.flashFee(leg.token.0, leg.amount.0).call().await.map_err(evm)?;
    let repaid = bundle
        .legs
        .iter()
        .any(|l| l.chain_id == leg.chain_id && l.token == leg.token && l.recipient.0 == pool && l.amount.0 >= owed);
    if !repaid {
        return Err(BundleError::Invalid(format!(
            "leg {index} borrows {} from the pool, but no leg of the bundle repays the pool {owed} \
             (principal + flashFee) in that token on that chain",
            leg.amount
        )));
    }
    let id = bundle_id(domain, bundle);
    let pending = lending
        .lockMeshLoan(
            leg.router.0,
            id,
            index as u32,
            sol_leg!(crate::evm::bindings::LendingPool::Leg, leg),
            bundle.lock_deadline,
            bundle.settle_deadline,
            creator_hash(&bundle.creator),
            bundle.nonce,
            bundle.legs.iter().map(leg_hash).collect(),
        )
        .send()
        .await
        .map_err(evm)?;
    mined(pending, &format!("lockMeshLoan of leg {index}")).await
}

/// Waits for a sent transaction's receipt; a revert is an error naming `what`.
pub(crate) async fn mined(
    pending: alloy::providers::PendingTransactionBuilder<alloy::network::Ethereum>,
    what: &str,
) -> Result<(alloy::primitives::B256, u64), BundleError> {
    let receipt = pending.with_timeout(Some(RECEIPT_TIMEOUT)).get_receipt().await.map_err(evm)?;
    if !receipt.status() {
        return Err(BundleError::Evm(format!("{what} reverted")));
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
pub async fn balance_of(provider: &DynProvider, token: Address, who: Address) -> Result<U256, BundleError> {
    MintableERC20::new(token, provider.clone()).balanceOf(who).call().await.map_err(evm)
}

/// Registers `bundles` as their common creator, ten per hub tx (a hub block holds 10M gas and a
/// 10-leg registration costs ~376k). Returns the bundle ids in order.
pub async fn register_many(
    hub: &HubClient,
    creator: &HubSigner,
    bundle_log: &str,
    bundles: &[Bundle],
) -> Result<Vec<Hash32>, BundleError> {
    let domain = HubDomain::new(hub.config().chain_id.clone(), bundle_log);
    let deposit = registration_deposit(hub, bundle_log).await?;
    for chunk in bundles.chunks(10) {
        let msgs = chunk
            .iter()
            .map(|b| {
                hub.execute_msg(
                    creator,
                    bundle_log,
                    &bundle_log::ExecuteMsg::RegisterBundle { bundle: b.clone() },
                    deposit.clone(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        hub.send(creator, msgs, "register bundles").await?;
    }
    Ok(bundles.iter().map(|b| Hash32(bundle_id(&domain, b))).collect())
}

/// A lock report of leg `leg_index` of `bundle` that points at log `log_index` of the mined
/// transaction `receipt` — whatever that transaction really did. A relayer reports only
/// `LegLocked` logs; the demo, the benchmark and the tests use this to play a dishonest one.
pub async fn report_pointing_at(
    provider: &DynProvider,
    domain: &HubDomain,
    bundle: &Bundle,
    leg_index: u32,
    receipt: &alloy::rpc::types::TransactionReceipt,
    log_index: u32,
) -> Result<bundle_log::LockReport, BundleError> {
    let number = receipt.block_number.ok_or_else(|| BundleError::Evm("receipt without a block".into()))?;
    let block = provider
        .get_block_by_number(number.into())
        .await
        .map_err(evm)?
        .ok_or(BundleError::Evm("no such block".into()))?;
    let leg = bundle.legs.get(leg_index as usize).ok_or(BundleError::NoSuchLeg(leg_index as usize))?;
    Ok(bundle_log::LockReport {
        bundle_id: Hash32(bundle_id(domain, bundle)),
        leg_index,
        leg_hash: Hash32(leg_hash(leg)),
        settle_deadline: bundle.settle_deadline,
        location: bundle_log::EvmLocation {
            chain_id: leg.chain_id,
            block_number: block.header.number,
            block_hash: Hash32(block.header.hash),
            block_timestamp: block.header.timestamp,
            tx_hash: Hash32(receipt.transaction_hash),
            tx_index: receipt.transaction_index.ok_or_else(|| BundleError::Evm("receipt without an index".into()))?,
            log_index,
        },
    })
}
