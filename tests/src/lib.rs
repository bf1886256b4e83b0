//! Shared fixture of the end-to-end tests: a devnet in its own folder and port range.
use std::path::PathBuf;

use mesh_relayer::devnet::profile::Profile;
use mesh_relayer::devnet::Devnet;

/// The repository root (this crate lives in `tests/`).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// A devnet for one test: state under `target/e2e/<name>`, hub ports from `base_port`, EVM chains
/// on `evm_port`, `evm_port + 1`, …, so tests never share processes or ports.
pub fn devnet(name: &str, base_port: u16, evm_port: u16) -> Devnet {
    let mut profile = Profile::load(&repo().join("hub-config/devnet.toml")).expect("devnet profile loads");
    profile.hub.base_port = base_port;
    for (i, chain) in profile.evm.iter_mut().enumerate() {
        chain.port = evm_port + i as u16;
    }
    let dir = repo().join("target/e2e").join(name);
    let mut d = Devnet::new(dir, profile);
    d.repo = repo();
    d
}

/// Stops the devnet when the test ends, pass or fail.
pub struct DownOnDrop<'a>(pub &'a Devnet);

impl Drop for DownOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.down(false);
    }
}

use mesh_relayer::config::Role;
use mesh_relayer::devnet::manifest::Manifest;
use mesh_relayer::devnet::relayer_config::{data_dir, relayer_config};
use tokio_util::sync::CancellationToken;

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

/// Unix time now.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs()
}
