//! What the planner's test files share: the example network file as a directory.
use std::path::{Path, PathBuf};
use std::time::Duration;

use mesh_planner::directory::{ChainEntry, HubTiming};
use mesh_planner::network::{Network, NetworkDirectory};

/// A file of the repository's `examples/`.
pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

/// examples/network.example.toml with the devnet's timing (dispute window 15 s, delivery margin
/// 20 s) and a registry of domains 1 and 2, two confirmations each.
pub fn directory() -> NetworkDirectory {
    let network = Network::load(&example("network.example.toml")).unwrap();
    let chains = network
        .chains
        .iter()
        .enumerate()
        .map(|(i, c)| ChainEntry {
            name: c.name().to_string(),
            domain: i as u64 + 1,
            router: c.router(),
            block_time: c.block_time(),
            confirmations: 2,
        })
        .collect();
    let timing = HubTiming {
        dispute_window: Duration::from_secs(15),
        delivery_margin: Duration::from_secs(20),
        max_horizon: Duration::from_secs(3_600),
    };
    NetworkDirectory { network, timing, chains }
}
