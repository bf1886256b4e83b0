//! The one place that names every VM. Each configured chain becomes an adapter behind the
//! `mesh-chain` traits; the roles see only [`AnySource`] (indexing locks, every VM),
//! [`AnyChain`] (checking optimistic reports: the VMs whose locks the hub takes optimistically),
//! [`LightClientChain`] (the chains the hub follows with a light client) and [`AnySink`]
//! (delivering), routed by domain. A new VM is one more arm in the enums here, and its adapter
//! crate.
use alloy::network::EthereumWallet;
use alloy::providers::Provider;
use alloy::signers::local::PrivateKeySigner;
use mesh_chain::{
    AdapterError, BlockRef, Chain, Confirmation, DeliveredSignature, Delivery, DomainId, LegSource, LegState,
    LockCheck, LockEvidence, ObservedLock, Sent, SettlementSink, SignatureWatch,
};
use mesh_chain_cosmwasm::{CwChain, CwDelivery, CwError};
use mesh_chain_evm::delivery::{DeliveryError, EvmDelivery};
use mesh_chain_evm::sender::TxSender;
use mesh_chain_evm::{AlloyEvm, EvmChain, EvmError};
use mesh_hub::LiveHub;
use mesh_hub_api::bundle_log::{self, ChainVm, OpenReport, ReportResponse};
use mesh_protocol::{EvmAddress, Hash32};

use crate::config::Config;
use crate::metrics::{ChainLabel, Metrics};

/// Any adapter's error.
#[derive(Debug, thiserror::Error)]
pub enum AnyError {
    #[error(transparent)]
    Evm(#[from] EvmError),
    #[error(transparent)]
    EvmDelivery(#[from] DeliveryError),
    #[error(transparent)]
    CosmWasm(#[from] CwError),
}

impl AdapterError for AnyError {
    fn is_recoverable(&self) -> bool {
        match self {
            AnyError::Evm(e) => AdapterError::is_recoverable(e),
            AnyError::EvmDelivery(e) => e.is_recoverable(),
            AnyError::CosmWasm(e) => e.is_recoverable(),
        }
    }
    fn would_revert(&self) -> bool {
        match self {
            AnyError::Evm(e) => e.would_revert(),
            AnyError::EvmDelivery(e) => e.would_revert(),
            AnyError::CosmWasm(e) => e.would_revert(),
        }
    }
}

/// A chain whose reports the hub takes optimistically: the checker and the disputer judge them.
pub enum AnyChain {
    Evm(EvmChain<AlloyEvm>),
}

/// A chain whose locks the reporter indexes and whose delivered signatures the disputer
/// watches (every VM).
pub enum AnySource {
    Evm(EvmChain<AlloyEvm>),
    CosmWasm(CwChain),
}

impl SignatureWatch for AnySource {
    async fn watch_head(&self) -> Result<u64, AnyError> {
        match self {
            AnySource::Evm(c) => Ok(c.watch_head().await?),
            AnySource::CosmWasm(c) => Ok(c.watch_head().await?),
        }
    }
    async fn delivered_signatures(&self, from: u64, to: u64) -> Result<Vec<DeliveredSignature>, AnyError> {
        match self {
            AnySource::Evm(c) => Ok(c.delivered_signatures(from, to).await?),
            AnySource::CosmWasm(c) => Ok(c.delivered_signatures(from, to).await?),
        }
    }
}

/// A chain the hub follows with a light client (the reporter keeps the client up to date).
pub type LightClientChain = CwChain;

/// A chain the poster delivers to.
pub enum AnySink {
    Evm(EvmDelivery),
    CosmWasm(CwDelivery),
}

impl Chain for AnySource {
    type Error = AnyError;
    fn domain(&self) -> DomainId {
        match self {
            AnySource::Evm(c) => c.domain(),
            AnySource::CosmWasm(c) => c.domain(),
        }
    }
    fn name(&self) -> &str {
        match self {
            AnySource::Evm(c) => c.name(),
            AnySource::CosmWasm(c) => c.name(),
        }
    }
    fn vm(&self) -> ChainVm {
        match self {
            AnySource::Evm(c) => c.vm(),
            AnySource::CosmWasm(c) => c.vm(),
        }
    }
}

impl LegSource for AnySource {
    async fn head(&self) -> Result<u64, AnyError> {
        match self {
            AnySource::Evm(c) => Ok(c.head().await?),
            AnySource::CosmWasm(c) => Ok(c.head().await?),
        }
    }
    async fn block(&self, number: u64) -> Result<Option<BlockRef>, AnyError> {
        match self {
            AnySource::Evm(c) => Ok(c.block(number).await?),
            AnySource::CosmWasm(c) => Ok(c.block(number).await?),
        }
    }
    async fn leg_locks(&self, from: u64, to: u64) -> Result<Vec<ObservedLock>, AnyError> {
        match self {
            AnySource::Evm(c) => Ok(c.leg_locks(from, to).await?),
            AnySource::CosmWasm(c) => Ok(c.leg_locks(from, to).await?),
        }
    }
}

impl Chain for AnyChain {
    type Error = AnyError;
    fn domain(&self) -> DomainId {
        match self {
            AnyChain::Evm(c) => c.domain(),
        }
    }
    fn name(&self) -> &str {
        match self {
            AnyChain::Evm(c) => c.name(),
        }
    }
    fn vm(&self) -> ChainVm {
        match self {
            AnyChain::Evm(c) => c.vm(),
        }
    }
}

impl LegSource for AnyChain {
    async fn head(&self) -> Result<u64, AnyError> {
        match self {
            AnyChain::Evm(c) => Ok(c.head().await?),
        }
    }
    async fn block(&self, number: u64) -> Result<Option<BlockRef>, AnyError> {
        match self {
            AnyChain::Evm(c) => Ok(c.block(number).await?),
        }
    }
    async fn leg_locks(&self, from: u64, to: u64) -> Result<Vec<ObservedLock>, AnyError> {
        match self {
            AnyChain::Evm(c) => Ok(c.leg_locks(from, to).await?),
        }
    }
}

impl LockEvidence for AnyChain {
    async fn confirm_lock(&self, report: &OpenReport, head: u64, confirmations: u64) -> Result<Confirmation, AnyError> {
        match self {
            AnyChain::Evm(c) => Ok(c.confirm_lock(report, head, confirmations).await?),
        }
    }
    async fn check_lock(&self, leg: &ReportResponse) -> Result<LockCheck, AnyError> {
        match self {
            AnyChain::Evm(c) => Ok(c.check_lock(leg).await?),
        }
    }
}

impl SignatureWatch for AnyChain {
    async fn watch_head(&self) -> Result<u64, AnyError> {
        match self {
            AnyChain::Evm(c) => Ok(c.watch_head().await?),
        }
    }
    async fn delivered_signatures(&self, from: u64, to: u64) -> Result<Vec<DeliveredSignature>, AnyError> {
        match self {
            AnyChain::Evm(c) => Ok(c.delivered_signatures(from, to).await?),
        }
    }
}

impl Chain for AnySink {
    type Error = AnyError;
    fn domain(&self) -> DomainId {
        match self {
            AnySink::Evm(c) => c.domain(),
            AnySink::CosmWasm(c) => c.domain(),
        }
    }
    fn name(&self) -> &str {
        match self {
            AnySink::Evm(c) => c.name(),
            AnySink::CosmWasm(c) => c.name(),
        }
    }
    fn vm(&self) -> ChainVm {
        match self {
            AnySink::Evm(c) => c.vm(),
            AnySink::CosmWasm(c) => c.vm(),
        }
    }
}

impl SettlementSink for AnySink {
    async fn current_epoch(&self) -> Result<u64, AnyError> {
        match self {
            AnySink::Evm(c) => Ok(c.current_epoch().await?),
            AnySink::CosmWasm(c) => Ok(c.current_epoch().await?),
        }
    }
    async fn rotation_allowed(&self) -> Result<bool, AnyError> {
        match self {
            AnySink::Evm(c) => Ok(c.rotation_allowed().await?),
            AnySink::CosmWasm(c) => Ok(c.rotation_allowed().await?),
        }
    }
    async fn is_verified_root(&self, root: Hash32) -> Result<bool, AnyError> {
        match self {
            AnySink::Evm(c) => Ok(c.is_verified_root(root).await?),
            AnySink::CosmWasm(c) => Ok(c.is_verified_root(root).await?),
        }
    }
    async fn leg_state(&self, bundle_id: Hash32, leg_index: u32) -> Result<LegState, AnyError> {
        match self {
            AnySink::Evm(c) => Ok(c.leg_state(bundle_id, leg_index).await?),
            AnySink::CosmWasm(c) => Ok(c.leg_state(bundle_id, leg_index).await?),
        }
    }
    async fn tx_status(&self, tx: Hash32) -> Result<Option<bool>, AnyError> {
        match self {
            AnySink::Evm(c) => Ok(c.tx_status(tx).await?),
            AnySink::CosmWasm(c) => Ok(c.tx_status(tx).await?),
        }
    }
    async fn send(&self, delivery: Delivery) -> Result<Sent, AnyError> {
        match self {
            AnySink::Evm(c) => Ok(c.send(delivery).await?),
            AnySink::CosmWasm(c) => Ok(c.send(delivery).await?),
        }
    }
}

// ------------------------------------------------------------- building adapters from config

/// Why a configured chain cannot be set up (the daemon refuses to start with it).
#[derive(Debug, thiserror::Error)]
#[error("setting up {what}: {detail}")]
pub struct SetupError {
    pub what: &'static str,
    pub detail: String,
}

fn setup<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> SetupError {
    move |e| SetupError { what, detail: e.to_string() }
}

fn addr(s: &str) -> alloy::primitives::Address {
    EvmAddress::parse(s).expect("validated config").0
}

/// A configured chain as the hub's registry knows it.
pub struct Registered<'a> {
    pub cfg: &'a crate::config::ChainSection,
    pub domain: u64,
}

/// Looks every configured chain up in the hub's chain registry (by its EVM chain id): its domain,
/// and a refusal to start when the configured router is not the registered one (legs on that
/// chain name the registered router; this relayer would watch the wrong contract).
pub async fn registered<'a>(cfg: &'a Config, hub: &LiveHub) -> Result<Vec<Registered<'a>>, SetupError> {
    let mut out = Vec::with_capacity(cfg.chains.len());
    for c in &cfg.chains {
        let vm = bundle_log::ChainVm::Evm { chain_id: c.chain_id };
        let info: bundle_log::ChainInfo =
            hub.client.query_smart(&cfg.hub.bundle_log, &bundle_log::QueryMsg::ChainByVm { vm }).await.map_err(
                |e| SetupError {
                    what: "chain registry",
                    detail: format!("chain {} (EVM chain id {}) is not registered on the hub: {e}", c.name, c.chain_id),
                },
            )?;
        let router = mesh_protocol::AccountId::from_evm(addr(&c.router));
        if info.router != router {
            return Err(SetupError {
                what: "chain registry",
                detail: format!(
                    "chain {}: the configured router {} is not the hub's registered router {} of domain {}",
                    c.name, c.router, info.router, info.domain
                ),
            });
        }
        out.push(Registered { cfg: c, domain: info.domain });
    }
    Ok(out)
}

/// A configured CosmWasm chain as the hub's registry knows it.
pub struct RegisteredCw<'a> {
    pub cfg: &'a crate::config::CosmWasmSection,
    pub domain: u64,
}

/// Looks every configured CosmWasm chain up in the hub's chain registry (by its CometBFT chain
/// id), refusing to start when the configured router is not the registered one.
pub async fn registered_cosmwasm<'a>(cfg: &'a Config, hub: &LiveHub) -> Result<Vec<RegisteredCw<'a>>, SetupError> {
    let mut out = Vec::with_capacity(cfg.cosmwasm.len());
    for c in &cfg.cosmwasm {
        let vm = ChainVm::CosmWasm { chain_id: c.chain_id.clone() };
        let info: bundle_log::ChainInfo =
            hub.client.query_smart(&cfg.hub.bundle_log, &bundle_log::QueryMsg::ChainByVm { vm }).await.map_err(
                |e| SetupError {
                    what: "chain registry",
                    detail: format!(
                        "chain {} (CometBFT chain id {}) is not registered on the hub: {e}",
                        c.name, c.chain_id
                    ),
                },
            )?;
        let bytes = c.router.parse::<cosmrs::AccountId>().map_err(setup("router address"))?.to_bytes();
        let router = mesh_protocol::AccountId::from_cosmos_bytes(&bytes).map_err(setup("router address"))?;
        if info.router != router {
            return Err(SetupError {
                what: "chain registry",
                detail: format!(
                    "chain {}: the configured router {} is not the hub's registered router {} of domain {}",
                    c.name, c.router, info.router, info.domain
                ),
            });
        }
        out.push(RegisteredCw { cfg: c, domain: info.domain });
    }
    Ok(out)
}

fn cw_client(c: &crate::config::CosmWasmSection) -> Result<mesh_cosmos::CosmosClient, SetupError> {
    let mut cc = mesh_cosmos::CosmosClientConfig::devnet(&c.rpc, &c.chain_id);
    cc.fee_denom = c.fee_denom.clone();
    cc.gas_price = c.gas_price.parse().map_err(setup("gas price"))?;
    mesh_cosmos::CosmosClient::new(cc).map_err(setup("CosmWasm chain client"))
}

/// The reading adapter of a registered CosmWasm chain.
pub fn cw_reader(r: &RegisteredCw) -> Result<CwChain, SetupError> {
    let c = r.cfg;
    Ok(CwChain {
        name: c.name.clone(),
        domain: r.domain,
        chain_id: c.chain_id.clone(),
        router: c.router.clone(),
        client: cw_client(c)?,
    })
}

/// The delivering adapter of a registered CosmWasm chain, paying with the chain section's key
/// (the hub key `hub_secret` when it names none).
pub fn cw_sink(r: &RegisteredCw, hub_secret: &str, hub_key_type: mesh_cosmos::KeyType) -> Result<AnySink, SetupError> {
    let c = r.cfg;
    let (secret, key_type) = match &c.key {
        Some(k) => (k.load().map_err(setup("CosmWasm chain key"))?, c.key_type),
        None => (hub_secret.to_string(), hub_key_type),
    };
    let signer = mesh_cosmos::CosmosSigner::from_hex_typed(&secret, &c.account_prefix, key_type)
        .map_err(setup("CosmWasm chain key"))?;
    Ok(AnySink::CosmWasm(CwDelivery {
        name: c.name.clone(),
        domain: r.domain,
        chain_id: c.chain_id.clone(),
        router: c.router.clone(),
        client: cw_client(c)?,
        signer,
    }))
}

/// The indexing adapter of a registered CosmWasm chain.
pub fn cw_source(r: &RegisteredCw) -> Result<AnySource, SetupError> {
    Ok(AnySource::CosmWasm(cw_reader(r)?))
}

/// The indexing adapter of a registered EVM chain.
pub fn evm_source(r: &Registered) -> Result<AnySource, SetupError> {
    match reader(r)? {
        AnyChain::Evm(c) => Ok(AnySource::Evm(c)),
    }
}

/// The reading adapter of a registered chain.
pub fn reader(r: &Registered) -> Result<AnyChain, SetupError> {
    let c = r.cfg;
    Ok(AnyChain::Evm(EvmChain {
        name: c.name.clone(),
        domain: r.domain,
        chain_id: c.chain_id,
        router: addr(&c.router),
        verifier: addr(&c.verifier),
        rpc: AlloyEvm::new(&c.rpc, c.chain_id).map_err(setup("EVM client"))?,
    }))
}

/// The delivering adapter of a registered chain, signing with the relayer's EVM key `secret`.
pub fn sink(r: &Registered, secret: &[u8; 32], metrics: &Metrics) -> Result<AnySink, SetupError> {
    let c = r.cfg;
    let signer = PrivateKeySigner::from_slice(secret).map_err(setup("evm key"))?;
    let url = c.rpc.parse().map_err(setup("chain RPC URL"))?;
    // reads only: the sender signs, prices and re-prices every transaction itself
    let provider = alloy::providers::ProviderBuilder::new().connect_http(url).erased();
    let bumps = metrics.tx_fee_bumps.get_or_create(&ChainLabel::new(&c.name)).clone();
    Ok(AnySink::Evm(EvmDelivery {
        name: c.name.clone(),
        domain: r.domain,
        chain_id: c.chain_id,
        url: c.rpc.clone(),
        router: addr(&c.router),
        verifier: addr(&c.verifier),
        sender: TxSender::new(&c.rpc, provider, EthereumWallet::from(signer), c.chain_id, c.fee_policy(), bumps),
    }))
}

// ------------------------------------------------------------- start-up self-checks

/// What the start-up self-checks ask of a configured chain's RPC, answered in VM-neutral terms
/// (`crate::selfcheck` judges them). Each call fails with the RPC's error text on one line.
pub struct ChainProbe {
    vm: ProbeVm,
}

enum ProbeVm {
    Evm { provider: alloy::providers::DynProvider, router: alloy::primitives::Address },
}

/// A one-line error text: alloy's transport errors carry their cause chain in `source()`.
fn one_line(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = cause.source();
    }
    out
}

impl ChainProbe {
    pub fn new(c: &crate::config::ChainSection) -> Result<ChainProbe, String> {
        let url = c.rpc.parse().map_err(|e| format!("bad URL: {e}"))?;
        let provider = alloy::providers::ProviderBuilder::new().connect_http(url).erased();
        Ok(ChainProbe { vm: ProbeVm::Evm { provider, router: addr(&c.router) } })
    }

    /// The chain id the node reports (EIP-155 `eth_chainId`).
    pub async fn chain_id(&self) -> Result<u64, String> {
        match &self.vm {
            ProbeVm::Evm { provider, .. } => provider.get_chain_id().await.map_err(|e| one_line(&e)),
        }
    }

    /// Whether `account` (a configured contract address) holds code.
    pub async fn has_code(&self, account: &str) -> Result<bool, String> {
        match &self.vm {
            ProbeVm::Evm { provider, .. } => {
                provider.get_code_at(addr(account)).await.map(|c| !c.is_empty()).map_err(|e| one_line(&e))
            }
        }
    }

    /// The verifier the router settles through (the router's own `verifier()`).
    pub async fn router_verifier(&self) -> Result<String, String> {
        match &self.vm {
            ProbeVm::Evm { provider, router } => mesh_chain_evm::bindings::MeshRouter::new(*router, provider)
                .verifier()
                .call()
                .await
                .map(|a| format!("{a:#x}"))
                .map_err(|e| one_line(&e)),
        }
    }

    /// The native balance (wei) of the account of the EVM key `secret`, and that account.
    pub async fn key_balance(&self, secret: &[u8; 32]) -> Result<(String, u128), String> {
        let signer = PrivateKeySigner::from_slice(secret).map_err(|e| format!("evm_key: {e}"))?;
        match &self.vm {
            ProbeVm::Evm { provider, .. } => {
                let who = signer.address();
                let balance = provider.get_balance(who).await.map_err(|e| one_line(&e))?;
                Ok((format!("{who:#x}"), balance.try_into().unwrap_or(u128::MAX)))
            }
        }
    }
}
