//! Where a plan's names come from: chains, routers, tokens and parties by name, and the hub's
//! timing. A network file (or, on the devnet, its manifest) implements it; the planner never
//! reads either directly.
use std::time::Duration;

use mesh_protocol::eip712::HubDomain;
use mesh_protocol::AccountId;

use crate::units::Unit;

/// One chain as a plan needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainEntry {
    pub name: String,
    /// The domain id legs name (the hub's chain registry key).
    pub domain: u64,
    /// The chain's Router, which every leg on it must name.
    pub router: AccountId,
    /// Time between blocks, and the blocks relayers wait before reporting a lock.
    pub block_time: Duration,
    pub confirmations: u32,
}

/// The hub's timing rules a plan must satisfy (the bundle-log's config).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HubTiming {
    pub dispute_window: Duration,
    pub delivery_margin: Duration,
    /// The latest settle deadline the hub accepts, from registration.
    pub max_horizon: Duration,
}

/// A token of a chain: its address and unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenEntry {
    pub address: AccountId,
    pub unit: Unit,
}

/// A chain's VM: how its locks reach the hub.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Vm {
    /// Relayers report its locks; a report stands after the hub's dispute window (optimistic).
    Evm,
    /// Its locks are proven to the hub's light client of the chain.
    CosmWasm,
}

/// Names → addresses, for one network.
pub trait Directory {
    /// The VM of `chain` (network files describe EVM chains; a directory with CosmWasm chains
    /// says so).
    fn vm(&self, _chain: &str) -> Vm {
        Vm::Evm
    }
    /// The EIP-712 domain bundle ids are computed under (hub chain id and bundle-log address).
    fn bundle_domain(&self) -> HubDomain;
    fn timing(&self) -> HubTiming;
    /// Every chain, in a stable order.
    fn chains(&self) -> Vec<ChainEntry>;
    /// A token on `chain` by symbol (e.g. "USDC") or by its address written in full.
    fn token(&self, chain: &str, symbol_or_address: &str) -> Option<TokenEntry>;
    /// A party's account on `chain`: a person from the address book, or a named contract of that
    /// chain (e.g. a lending pool that locks its own legs).
    fn account(&self, chain: &str, name: &str) -> Option<AccountId>;
    /// A person's hub account (bech32), for a bundle's creator.
    fn hub_account(&self, name: &str) -> Option<String>;
    /// An account of `chain` written the way its VM writes it (0x… on EVM chains).
    fn account_text(&self, chain: &str, account: &AccountId) -> String;
}
