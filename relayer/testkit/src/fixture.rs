//! Test fixture: a devnet in its own folder and port range, relayers in this process.
//! Used by the end-to-end tests in `tests/` and the relayer's own process-level tests.
use std::path::PathBuf;

pub use mesh_devnet::helpers::*;
use mesh_devnet::manifest::Manifest;
use mesh_devnet::profile::Profile;
use mesh_devnet::relayer_config::{data_dir, relayer_config};
use mesh_devnet::Devnet;
use mesh_relayer::config::Role;
use tokio_util::sync::CancellationToken;

/// The repository root (this crate lives in `relayer/testkit`).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository root")
}

/// A devnet for one test: state under `target/e2e/<name>`, hub ports from `base_port`, CosmWasm
/// chains from `base_port + 50`, EVM chains on `evm_port`, `evm_port + 1`, …, so tests never
/// share processes or ports.
/// `MESH_E2E_PORT_OFFSET` shifts every port, so two checkouts can run their suites side by side.
pub fn devnet(name: &str, base_port: u16, evm_port: u16) -> Devnet {
    let offset: u16 = std::env::var("MESH_E2E_PORT_OFFSET").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let (base_port, evm_port) = (base_port + offset, evm_port + offset);
    let mut profile = Profile::load(&repo().join("hub-config/devnet.toml")).expect("devnet profile loads");
    profile.hub.base_port = base_port;
    for (i, chain) in profile.evm.iter_mut().enumerate() {
        chain.port = evm_port + i as u16;
    }
    // CosmWasm chains' validators between the hub's (at most 4: base_port..base_port + 33) and
    // the next test's range (base_port + 100)
    for (i, chain) in profile.cosmwasm.iter_mut().enumerate() {
        chain.base_port = base_port + 50 + 10 * i as u16;
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

/// A relayer daemon running in this process (same code as `mesh relayer run`).
pub struct RunningRelayer {
    pub cancel: CancellationToken,
    pub handle: tokio::task::JoinHandle<Result<(), mesh_relayer::daemon::DaemonError>>,
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
    let handle = tokio::spawn(mesh_relayer::daemon::run(cfg, cancel.clone()));
    RunningRelayer { cancel, handle }
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
    mesh_chain_evm::bindings::MeshRouter::new(addr(&m.evm[chain].contracts["MeshRouter"]).0, deployer(m, chain))
        .legStatus(id.0, index)
        .call()
        .await
        .expect("legStatus")
}

/// The epoch `chain`'s SettlementVerifier is at.
pub async fn verifier_epoch(m: &Manifest, chain: usize) -> u64 {
    mesh_chain_evm::bindings::SettlementVerifier::new(
        addr(&m.evm[chain].contracts["SettlementVerifier"]).0,
        deployer(m, chain),
    )
    .currentEpoch()
    .call()
    .await
    .expect("currentEpoch")
}

/// A devnet brought up for one test, with what every end-to-end test reaches for: the manifest, a
/// hub client, relayers in process, hub ports and wallets of the devnet identities. Dropped, it
/// stops the devnet (keeping a failing test's state for its logs, as [`DownOnDrop`]).
pub struct TestNet {
    pub net: Devnet,
    pub m: Manifest,
    pub hub: mesh_hub::CosmosClient,
}

impl TestNet {
    /// A fresh devnet named `name` (see [`devnet`] for the ports) with `validators` hub validators
    /// and `evm_chains` anvil chains; panics with the step that failed.
    pub async fn up(name: &str, base_port: u16, evm_port: u16, validators: usize, evm_chains: usize) -> TestNet {
        let opts = mesh_devnet::UpOptions { validators, evm_chains, cosmwasm_chains: 0, fresh: true };
        TestNet::up_with(name, base_port, evm_port, opts).await
    }

    /// [`TestNet::up`] with every option (CosmWasm chains too).
    pub async fn up_with(name: &str, base_port: u16, evm_port: u16, opts: mesh_devnet::UpOptions) -> TestNet {
        let net = devnet(name, base_port, evm_port);
        let m = match net.up(&opts).await {
            Ok(m) => m,
            Err(e) => {
                let _ = net.down(false);
                panic!("devnet {name} up: {e:?}")
            }
        };
        let hub = mesh_devnet::deploy::hub_client(&m).expect("hub client");
        TestNet { net, m, hub }
    }

    /// Devnet relayer `index` (the disputer identity when `None`) running `roles` in this process.
    pub fn relayer(&self, index: Option<usize>, roles: Vec<Role>) -> RunningRelayer {
        start_relayer(&self.net, &self.m, index, roles)
    }

    /// The usual quorum: relayer 0 reports, signs and posts, relayers 1 and 2 sign.
    pub fn quorum(&self) -> [RunningRelayer; 3] {
        [
            self.relayer(Some(0), vec![Role::Reporter, Role::Signer, Role::Poster]),
            self.relayer(Some(1), vec![Role::Signer]),
            self.relayer(Some(2), vec![Role::Signer]),
        ]
    }

    /// The path of the devnet's key file `name` (e.g. "carol.evm.key"), for the CLI's flags.
    pub fn key_file(&self, name: &str) -> String {
        self.net.dir.join("keys").join(name).to_str().expect("a UTF-8 path").to_string()
    }

    /// The hub port as `who` (its hub key) sees it: for playing a dishonest relayer or a disputer.
    pub fn hub_as(&self, who: &mesh_devnet::keys::DevIdentity) -> mesh_hub::LiveHub {
        mesh_hub::LiveHub {
            client: self.hub.clone(),
            signer: who.hub_signer(),
            bundle_log: self.m.contracts["bundle_log"].clone(),
            stake_escrow: self.m.contracts["stake_escrow"].clone(),
            dispute: self.m.contracts["dispute"].clone(),
            light_client: Default::default(),
        }
    }

    /// A provider signing as `who` on devnet chain `chain`.
    pub fn wallet(&self, chain: usize, who: &mesh_devnet::keys::DevIdentity) -> alloy::providers::DynProvider {
        mesh_chain_evm::locker::wallet_provider(&self.m.evm[chain].rpc, &who.evm_secret).expect("devnet wallet")
    }

    /// A provider signing as the anvil deployer (the demo tokens' owner) on chain `chain`.
    pub fn deployer(&self, chain: usize) -> alloy::providers::DynProvider {
        deployer(&self.m, chain)
    }
}

impl Drop for TestNet {
    fn drop(&mut self) {
        let _ = self.net.down(!std::thread::panicking());
    }
}
