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

/// Stops the devnet when the test ends, pass or fail.
pub struct DownOnDrop<'a>(pub &'a Devnet);

impl Drop for DownOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.down(false);
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
