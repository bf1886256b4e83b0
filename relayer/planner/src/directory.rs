//! Where a plan's names come from: chains, routers, tokens and parties by name, and the hub's
//! timing. A network file (or, on the devnet, its manifest) implements it; the planner never
//! reads either directly.
use std::time::Duration;

use mesh_protocol::eip712::HubDomain;
use mesh_protocol::EvmAddress;

/// One chain as a plan needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainEntry {
    pub name: String,
    /// The chain id legs name (the hub's chain registry key).
    pub chain_id: u64,
    /// The chain's Router, which every leg on it must name.
    pub router: EvmAddress,
    /// Time between blocks, and the blocks relayers wait before reporting a lock.
    pub block_time: Duration,
    pub confirmations: u32,
}

/// The hub's timing rules a plan must satisfy (the bundle-log's config).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HubTiming {
    pub dispute_window: Duration,
    pub delivery_margin: Duration,
}

/// Names → addresses, for one network.
pub trait Directory {
    /// The EIP-712 domain bundle ids are computed under (hub chain id and bundle-log address).
    fn bundle_domain(&self) -> HubDomain;
    fn timing(&self) -> HubTiming;
    /// Every chain, in a stable order.
    fn chains(&self) -> Vec<ChainEntry>;
    /// A token on `chain` by symbol (e.g. "USDC").
    fn token(&self, chain: &str, symbol: &str) -> Option<EvmAddress>;
    /// A party's account on `chain`: a person from the address book, or a named contract of that
    /// chain (e.g. a lending pool that locks its own legs).
    fn account(&self, chain: &str, name: &str) -> Option<EvmAddress>;
    /// A person's hub account (bech32), for a bundle's creator.
    fn hub_account(&self, name: &str) -> Option<String>;
}
