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
