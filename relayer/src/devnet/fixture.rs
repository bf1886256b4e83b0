//! Test fixture: a devnet in its own folder and port range, relayers in this process.
//! Used by the end-to-end tests in `tests/` and the relayer's own process-level tests.
use std::path::PathBuf;

use super::profile::Profile;
use super::Devnet;

/// The repository root (this crate lives in `relayer/`).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("relayer/ has a parent").to_path_buf()
}

/// A devnet for one test: state under `target/e2e/<name>`, hub ports from `base_port`, EVM chains
/// on `evm_port`, `evm_port + 1`, …, so tests never share processes or ports.
/// `MESH_E2E_PORT_OFFSET` shifts every port, so two checkouts can run their suites side by side.
pub fn devnet(name: &str, base_port: u16, evm_port: u16) -> Devnet {
    let offset: u16 = std::env::var("MESH_E2E_PORT_OFFSET").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let (base_port, evm_port) = (base_port + offset, evm_port + offset);
    let mut profile = Profile::load(&repo().join("hub-config/devnet.toml")).expect("devnet profile loads");
    profile.hub.base_port = base_port;
    for (i, chain) in profile.evm.iter_mut().enumerate() {
        chain.port = evm_port + i as u16;
    }
    let dir = repo().join("target/e2e").join(name);
    let mut d = Devnet::new(dir, profile);
    d.repo = repo();
    // a previous run killed before its cleanup may have left this devnet's processes behind
    let _ = d.down(false);
    d
}

/// Stops the devnet when the test ends, pass or fail. A passing test's state (~60 MB of node
/// data and logs per devnet) is removed; a failing test's is kept for its logs.
pub struct DownOnDrop<'a>(pub &'a Devnet);

impl Drop for DownOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.down(!std::thread::panicking());
    }
}

use super::manifest::Manifest;
use super::relayer_config::{data_dir, relayer_config};
use crate::config::Role;
use tokio_util::sync::CancellationToken;

/// A relayer daemon running in this process (same code as `mesh relayer run`).
pub struct RunningRelayer {
    pub cancel: CancellationToken,
    pub handle: tokio::task::JoinHandle<Result<(), crate::daemon::DaemonError>>,
}

impl RunningRelayer {
    pub async fn stop(self) {
        self.cancel.cancel();
        let _ = self.handle.await;
    }
}

/// Starts devnet relayer `index` with `roles` (the disputer identity when `index` is `None`).
pub fn start_relayer(net: &Devnet, m: &Manifest, index: Option<usize>, roles: Vec<Role>) -> RunningRelayer {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("MESH_LOG").unwrap_or_else(|_| "warn".into()))
        .with_test_writer()
        .try_init();
    let id = match index {
        Some(i) => m.accounts.relayers[i].clone(),
        None => m.accounts.disputer.clone(),
    };
    let cfg = relayer_config(m, &id, roles, &data_dir(&net.dir), None).expect("relayer config");
    let cancel = CancellationToken::new();
    let handle = tokio::spawn(crate::daemon::run(cfg, cancel.clone()));
    RunningRelayer { cancel, handle }
}

/// Unix time now.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs()
}

// Small helpers the end-to-end tests, the benchmark and the demo share: USDC legs, mints and
// balances on a devnet chain, as the deployer (the USDC owner). The `try_` forms return errors (the
// demo reports them); the others panic (they run in tests).

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

fn deployer(m: &Manifest, chain: usize) -> alloy::providers::DynProvider {
    crate::bundle::wallet_provider(&m.evm[chain].rpc, super::evm_deploy::ANVIL_DEPLOYER_KEY).expect("deployer wallet")
}

/// Mints `amount` USDC to `to` on `chain` and returns the mined receipt (the demo shows its hash).
pub async fn try_mint_usdc(
    m: &Manifest,
    chain: usize,
    to: &str,
    amount: u128,
) -> Result<alloy::rpc::types::TransactionReceipt, crate::bundle::BundleError> {
    let evm = |e: &dyn std::fmt::Display| crate::bundle::BundleError::Evm(format!("minting USDC: {e}"));
    let usdc = crate::evm::bindings::MintableERC20::new(addr(&m.evm[chain].contracts["USDC"]).0, deployer(m, chain));
    let sent = usdc.mint(addr(to).0, alloy::primitives::U256::from(amount)).send().await.map_err(|e| evm(&e))?;
    let r = sent.get_receipt().await.map_err(|e| evm(&e))?;
    if !r.status() {
        return Err(evm(&format!("tx {} reverted", r.transaction_hash)));
    }
    Ok(r)
}

/// `who`'s USDC balance on `chain`.
pub async fn try_usdc_balance(
    m: &Manifest,
    chain: usize,
    who: &str,
) -> Result<alloy::primitives::U256, crate::bundle::BundleError> {
    crate::bundle::balance_of(&deployer(m, chain), addr(&m.evm[chain].contracts["USDC"]).0, addr(who).0).await
}

/// [`try_mint_usdc`] for tests: panics on failure.
pub async fn mint_usdc(m: &Manifest, chain: usize, to: &str, amount: u128) {
    try_mint_usdc(m, chain, to, amount).await.expect("mint");
}

/// [`try_usdc_balance`] for tests: panics on failure.
pub async fn usdc_balance(m: &Manifest, chain: usize, who: &str) -> alloy::primitives::U256 {
    try_usdc_balance(m, chain, who).await.expect("balance")
}

/// The Router's `legStatus` of a leg on `chain` (0 none, 1 locked, 2 committed, 3 aborted, 4 refunded).
pub async fn leg_status(m: &Manifest, chain: usize, id: mesh_protocol::Hash32, index: u32) -> u8 {
    crate::evm::bindings::MeshRouter::new(addr(&m.evm[chain].contracts["MeshRouter"]).0, deployer(m, chain))
        .legStatus(id.0, index)
        .call()
        .await
        .expect("legStatus")
}

/// The epoch `chain`'s SettlementVerifier is at.
pub async fn verifier_epoch(m: &Manifest, chain: usize) -> u64 {
    crate::evm::bindings::SettlementVerifier::new(
        addr(&m.evm[chain].contracts["SettlementVerifier"]).0,
        deployer(m, chain),
    )
    .currentEpoch()
    .call()
    .await
    .expect("currentEpoch")
}
