//! The network file: everything a client needs to use one Atomic Mesh network — the hub's
//! endpoint and contracts, each chain's endpoint, Router and Verifier, its tokens with their
//! decimals and named contracts, and an address book of parties. `mesh devnet up` writes one for
//! the devnet (`.devnet/network.toml`); `mesh hub deploy` writes the hub section of a real one;
//! `examples/network.example.toml` documents every field.
//!
//! What the hub decides (domain ids, confirmations, timing) is not in the file: clients read it
//! from the hub, so the file cannot disagree with the hub about it.
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use mesh_protocol::{AccountId, EvmAddress};
use serde::{Deserialize, Serialize};

use crate::directory::{ChainEntry, Directory, HubTiming, TokenEntry};
use crate::units::Unit;

/// A network file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    pub hub: HubSection,
    /// The chains legs can be on, by name.
    #[serde(default, rename = "chain")]
    pub chains: Vec<ChainSection>,
    /// People and services by name: their hub and chain accounts (bundle specs name them).
    #[serde(default)]
    pub parties: BTreeMap<String, Party>,
}

/// The hub: where to reach it and its contracts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubSection {
    /// Cosmos chain id of the hub (part of every bundle id's EIP-712 domain).
    pub chain_id: String,
    /// CometBFT RPC endpoint of a hub node.
    pub rpc: String,
    /// Fee and stake denom, and its decimals (for showing amounts in whole units).
    pub denom: String,
    #[serde(default = "default_denom_decimals")]
    pub denom_decimals: u8,
    /// Gas price with its denom, e.g. "500000000inj".
    pub gas_price: String,
    /// Bech32 prefix of hub accounts.
    #[serde(default = "default_prefix")]
    pub account_prefix: String,
    pub bundle_log: String,
    pub stake_escrow: String,
    pub dispute: String,
}

fn default_denom_decimals() -> u8 {
    18
}

fn default_prefix() -> String {
    "inj".into()
}

/// One chain, by VM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "vm", rename_all = "lowercase")]
pub enum ChainSection {
    Evm(EvmSection),
}

/// An EVM chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvmSection {
    pub name: String,
    /// EIP-155 chain id (the hub's registry knows the chain by it).
    pub chain_id: u64,
    /// JSON-RPC endpoint.
    pub rpc: String,
    /// MeshRouter and SettlementVerifier addresses.
    pub router: String,
    pub verifier: String,
    /// Time between blocks (plans use it to time confirmations).
    #[serde(with = "humantime_serde")]
    pub block_time: Duration,
    /// Tokens by symbol.
    #[serde(default)]
    pub tokens: BTreeMap<String, Token>,
    /// Contracts that can be parties of a leg, by name (e.g. a lending pool that locks its own
    /// legs).
    #[serde(default)]
    pub contracts: BTreeMap<String, String>,
}

/// A token of a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    pub address: String,
    pub decimals: u8,
}

/// A named party: its hub account (to create bundles) and its chain account (to lock and
/// receive legs). Either may be absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub hub: Option<String>,
    pub evm: Option<String>,
}

/// A network file that cannot be used, with the field at fault.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error("reading network file {path}: {detail}")]
    Read { path: String, detail: String },
    #[error("network file {path}: {detail}")]
    Parse { path: String, detail: String },
    #[error("network file: {field}: {detail}")]
    Invalid { field: String, detail: String },
}

impl ChainSection {
    pub fn name(&self) -> &str {
        match self {
            ChainSection::Evm(e) => &e.name,
        }
    }

    pub fn as_evm(&self) -> Option<&EvmSection> {
        match self {
            ChainSection::Evm(e) => Some(e),
        }
    }

    pub fn block_time(&self) -> Duration {
        match self {
            ChainSection::Evm(e) => e.block_time,
        }
    }

    pub fn tokens(&self) -> &BTreeMap<String, Token> {
        match self {
            ChainSection::Evm(e) => &e.tokens,
        }
    }

    pub fn contracts(&self) -> &BTreeMap<String, String> {
        match self {
            ChainSection::Evm(e) => &e.contracts,
        }
    }

    /// The Router as a leg account.
    pub fn router(&self) -> AccountId {
        match self {
            // checked by `Network::validate`
            ChainSection::Evm(e) => evm_account(&e.router).unwrap_or_default(),
        }
    }

    /// A written account of this chain's VM (a 0x address on EVM chains).
    pub fn parse_account(&self, s: &str) -> Option<AccountId> {
        match self {
            ChainSection::Evm(_) => evm_account(s),
        }
    }

    /// An account in the form this chain's VM writes it.
    pub fn account_text(&self, a: &AccountId) -> String {
        match self {
            ChainSection::Evm(_) => a.to_evm().map(|e| EvmAddress(e).to_string()).unwrap_or_else(|| a.to_string()),
        }
    }

    /// A party's account on this chain.
    pub fn party_account(&self, p: &Party) -> Option<AccountId> {
        match self {
            ChainSection::Evm(_) => p.evm.as_deref().and_then(evm_account),
        }
    }
}

impl Network {
    pub fn load(path: &Path) -> Result<Network, NetworkError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| NetworkError::Read { path: path.display().to_string(), detail: e.to_string() })?;
        let net: Network = toml::from_str(&text)
            .map_err(|e| NetworkError::Parse { path: path.display().to_string(), detail: e.to_string() })?;
        net.validate()?;
        Ok(net)
    }

    /// The file as TOML, with a header saying what it is.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).expect("a network serialises");
        format!("# Atomic Mesh network file (see examples/network.example.toml for every field).\n{body}")
    }

    /// Writes the file atomically (a reader never sees half of it).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, self.to_toml())?;
        std::fs::rename(tmp, path)
    }

    /// Every address parses, names are unique, decimals are sane.
    pub fn validate(&self) -> Result<(), NetworkError> {
        let bad = |field: String, detail: String| NetworkError::Invalid { field, detail };
        let prefix = format!("{}1", self.hub.account_prefix);
        for (field, v) in [
            ("hub.bundle_log", &self.hub.bundle_log),
            ("hub.stake_escrow", &self.hub.stake_escrow),
            ("hub.dispute", &self.hub.dispute),
        ] {
            if !v.starts_with(&prefix) {
                return Err(bad(field.into(), format!("{v:?} is not a {prefix}… address")));
            }
        }
        if self.hub.denom_decimals > 30 {
            return Err(bad("hub.denom_decimals".into(), format!("{} is more than 30", self.hub.denom_decimals)));
        }
        let mut names = std::collections::BTreeSet::new();
        for c in &self.chains {
            if !names.insert(c.name()) {
                return Err(bad(format!("chain {:?}", c.name()), "defined twice".into()));
            }
            let ChainSection::Evm(e) = c;
            for (what, v) in [("router", &e.router), ("verifier", &e.verifier)] {
                if evm_account(v).is_none() {
                    return Err(bad(format!("chain {}: {what}", e.name), format!("{v:?} is not a 0x address")));
                }
            }
            for (sym, t) in &e.tokens {
                if evm_account(&t.address).is_none() {
                    return Err(bad(
                        format!("chain {}: token {sym}", e.name),
                        format!("{:?} is not a 0x address", t.address),
                    ));
                }
                if t.decimals > 36 {
                    return Err(bad(format!("chain {}: token {sym}", e.name), format!("{} decimals", t.decimals)));
                }
            }
            for (name, a) in &e.contracts {
                if evm_account(a).is_none() {
                    return Err(bad(
                        format!("chain {}: contract {name}", e.name),
                        format!("{a:?} is not a 0x address"),
                    ));
                }
            }
        }
        for (name, p) in &self.parties {
            if let Some(h) = &p.hub {
                if !h.starts_with(&prefix) {
                    return Err(bad(format!("party {name}: hub"), format!("{h:?} is not a {prefix}… address")));
                }
            }
            if let Some(e) = &p.evm {
                if evm_account(e).is_none() {
                    return Err(bad(format!("party {name}: evm"), format!("{e:?} is not a 0x address")));
                }
            }
        }
        Ok(())
    }

    pub fn chain(&self, name: &str) -> Option<&ChainSection> {
        self.chains.iter().find(|c| c.name() == name)
    }

    /// The bundle-log's EIP-712 domain (binds bundle ids and batches to this deployment).
    pub fn bundle_domain(&self) -> mesh_protocol::eip712::HubDomain {
        mesh_protocol::eip712::HubDomain::new(self.hub.chain_id.clone(), self.hub.bundle_log.clone())
    }

    /// A token of `chain` by symbol, or by its address written in full.
    pub fn token(&self, chain: &str, symbol_or_address: &str) -> Option<(String, AccountId, u8)> {
        let c = self.chain(chain)?;
        if let Some(t) = c.tokens().get(symbol_or_address) {
            return Some((symbol_or_address.to_string(), c.parse_account(&t.address)?, t.decimals));
        }
        let a = c.parse_account(symbol_or_address)?;
        c.tokens().iter().find(|(_, t)| c.parse_account(&t.address) == Some(a)).map(|(s, t)| (s.clone(), a, t.decimals))
    }

    /// A token's symbol and decimals from its address on the chain of `domain`'s entry `chain`.
    pub fn token_by_address(&self, chain: &str, address: &AccountId) -> Option<(String, u8)> {
        let c = self.chain(chain)?;
        c.tokens()
            .iter()
            .find(|(_, t)| c.parse_account(&t.address).as_ref() == Some(address))
            .map(|(s, t)| (s.clone(), t.decimals))
    }

    /// The name of a party or named contract with account `a` on `chain`, if the file knows it.
    pub fn name_of(&self, chain: &str, a: &AccountId) -> Option<String> {
        let c = self.chain(chain)?;
        if let Some((n, _)) = self.parties.iter().find(|(_, p)| c.party_account(p).as_ref() == Some(a)) {
            return Some(n.clone());
        }
        c.contracts().iter().find(|(_, v)| c.parse_account(v).as_ref() == Some(a)).map(|(n, _)| n.clone())
    }
}

/// A network file with what the hub says about it: its timing and, per chain of the file, the
/// registry's domain id and confirmations. The planner's directory for real networks.
#[derive(Clone, Debug)]
pub struct NetworkDirectory {
    pub network: Network,
    pub timing: HubTiming,
    /// One entry per chain of the file that the hub registered, in the file's order.
    pub chains: Vec<ChainEntry>,
}

impl Directory for NetworkDirectory {
    fn bundle_domain(&self) -> mesh_protocol::eip712::HubDomain {
        self.network.bundle_domain()
    }

    fn timing(&self) -> HubTiming {
        self.timing
    }

    fn chains(&self) -> Vec<ChainEntry> {
        self.chains.clone()
    }

    fn token(&self, chain: &str, symbol_or_address: &str) -> Option<TokenEntry> {
        let (symbol, address, decimals) = self.network.token(chain, symbol_or_address)?;
        Some(TokenEntry { address, unit: Unit::new(symbol, decimals) })
    }

    fn account(&self, chain: &str, name: &str) -> Option<AccountId> {
        let c = self.network.chain(chain)?;
        if let Some(p) = self.network.parties.get(name) {
            return c.party_account(p);
        }
        c.contracts().get(name).and_then(|a| c.parse_account(a))
    }

    fn hub_account(&self, name: &str) -> Option<String> {
        self.network.parties.get(name)?.hub.clone()
    }

    fn account_text(&self, chain: &str, account: &AccountId) -> String {
        match self.network.chain(chain) {
            Some(c) => c.account_text(account),
            None => account.to_string(),
        }
    }
}

fn evm_account(s: &str) -> Option<AccountId> {
    EvmAddress::parse(s).ok().map(AccountId::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Network {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/network.example.toml");
        Network::load(&path).unwrap()
    }

    #[test]
    fn the_example_network_file_loads_and_round_trips() {
        let n = example();
        assert_eq!(n.chains.len(), 2);
        let back: Network = toml::from_str(&n.to_toml()).unwrap();
        assert_eq!(back, n);
        let (sym, _, decimals) = n.token("alpha", "USDC").unwrap();
        assert_eq!((sym.as_str(), decimals), ("USDC", 6));
        let usdc = n.chain("alpha").unwrap().tokens()["USDC"].address.clone();
        assert_eq!(n.token("alpha", &usdc).unwrap().0, "USDC", "a token written by address is known by symbol");
    }

    #[test]
    fn a_network_file_with_a_typo_or_a_bad_address_is_refused_by_field() {
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/network.example.toml"))
                .unwrap();
        let typo = text.replacen("block_time", "blocktime", 1);
        assert!(toml::from_str::<Network>(&typo).unwrap_err().to_string().contains("blocktime"));
        let mut n = example();
        let ChainSection::Evm(e) = &mut n.chains[1];
        e.router = "0x12".into();
        let err = n.validate().unwrap_err().to_string();
        assert_eq!(err, "network file: chain beta: router: \"0x12\" is not a 0x address");
        let mut n = example();
        n.chains.push(n.chains[0].clone());
        assert_eq!(n.validate().unwrap_err().to_string(), "network file: chain \"alpha\": defined twice");
    }
}
