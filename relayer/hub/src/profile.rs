//! The hub profile (`hub-config/*.toml`): the hub chain, its genesis settings, the contracts'
//! parameters and the chains the hub registers. `hub-config/devnet.toml` is the local devnet's;
//! `hub-config/network-profile.example.toml` is the template for a real network, which leaves out
//! the keys only the devnet reads (they take the defaults below).
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub hub: HubSection,
    /// Devnet only: the identities `mesh devnet up` funds and bonds.
    #[serde(default)]
    pub accounts: AccountsSection,
    /// What `mesh hub patch-genesis` sets in the genesis file.
    #[serde(default)]
    pub genesis: GenesisSection,
    pub contracts: ContractsSection,
    /// The chains the hub registers (`AddChain`): domain, VM chain id, confirmations.
    #[serde(default)]
    pub evm: Vec<EvmChain>,
    /// The CosmWasm chains the hub registers, each verified by a light client on the hub.
    #[serde(default)]
    pub cosmwasm: Vec<CosmWasmChain>,
}

/// Decimal string of base units (they exceed 64 bits).
pub type Units = String;

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HubSection {
    pub chain_id: String,
    pub denom: String,
    /// Bech32 prefix of hub accounts (`inj` on injectived, `wasm` on a plain wasmd).
    #[serde(default = "default_prefix")]
    pub account_prefix: String,
    /// Devnet: written into each validator's `config.toml`; on a real network each validator
    /// sets `consensus.timeout_commit` itself.
    #[serde(with = "humantime_serde", default = "default_timeout_commit")]
    pub timeout_commit: Duration,
    pub minimum_gas_price: Units,
    /// Devnet only: each validator's self-delegation (its gentx).
    #[serde(default = "zero")]
    pub validator_stake: Units,
    /// Devnet only: each validator operator's genesis balance.
    #[serde(default = "zero")]
    pub validator_balance: Units,
    /// Devnet only: first loopback port of the validators.
    #[serde(default = "default_base_port")]
    pub base_port: u16,
}

fn default_prefix() -> String {
    "inj".into()
}
fn default_timeout_commit() -> Duration {
    Duration::from_secs(1)
}
fn zero() -> Units {
    "0".into()
}
fn default_base_port() -> u16 {
    26650
}

/// Devnet only.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsSection {
    #[serde(default = "zero")]
    pub balance: Units,
    #[serde(default)]
    pub relayers: u32,
    #[serde(default)]
    pub bonded_relayers: u32,
}

impl Default for AccountsSection {
    fn default() -> Self {
        AccountsSection { balance: zero(), relayers: 0, bonded_relayers: 0 }
    }
}

/// Genesis settings; a key left out leaves the genesis's own value alone.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GenesisSection {
    /// Who may upload wasm code: `"everybody"`, `"nobody"` (governance proposals only) or a list
    /// of addresses.
    pub code_upload: Option<Access>,
    /// Default instantiate permission of uploaded code: `"everybody"` or `"nobody"`.
    pub instantiate_default: Option<AccessKeyword>,
    /// Governance voting period (`gov.params.voting_period`).
    #[serde(default, with = "humantime_serde::option")]
    pub voting_period: Option<Duration>,
    /// Governance expedited voting period (must be below the voting period).
    #[serde(default, with = "humantime_serde::option")]
    pub expedited_voting_period: Option<Duration>,
    /// Minimum proposal deposit, base units of `hub.denom`.
    pub min_deposit: Option<Units>,
    /// Minimum deposit of an expedited proposal; the SDK requires it above `min_deposit`.
    pub expedited_min_deposit: Option<Units>,
    /// Staking unbonding time of validators (`staking.params.unbonding_time`).
    #[serde(default, with = "humantime_serde::option")]
    pub unbonding_time: Option<Duration>,
    /// Block gas limit (`consensus.params.block.max_gas`; -1 for none). Storing a contract takes
    /// a few million gas: it must fit one block.
    pub max_block_gas: Option<i64>,
}

/// A wasm access setting.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Access {
    Keyword(AccessKeyword),
    Addresses(Vec<String>),
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AccessKeyword {
    Everybody,
    Nobody,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContractsSection {
    #[serde(with = "humantime_serde")]
    pub dispute_window: Duration,
    #[serde(with = "humantime_serde")]
    pub delivery_margin: Duration,
    #[serde(with = "humantime_serde")]
    pub unbonding_period: Duration,
    pub min_bond: Units,
    /// Devnet only: the stake each devnet relayer bonds (default `min_bond`).
    #[serde(default)]
    pub relayer_bond: Units,
    pub slash_bps: u16,
    pub bounty_bps: u16,
    #[serde(with = "humantime_serde")]
    pub rotation_delay: Duration,
    pub max_batch_size: u32,
    #[serde(with = "humantime_serde")]
    pub batch_max_age: Duration,
    pub max_reports_per_msg: u32,
    #[serde(with = "humantime_serde")]
    pub max_horizon: Duration,
    /// How long a rejected or disproven leg keeps its bundle open for a re-report (default: the
    /// dispute window).
    #[serde(default, with = "humantime_serde::option")]
    pub rereport_grace: Option<Duration>,
    /// How long a signer set is valid (its signed `expires_at`; default one day).
    #[serde(with = "humantime_serde", default = "default_signer_set_lifetime")]
    pub signer_set_lifetime: Duration,
    /// Deposit a `RegisterBundle` carries, base units of `hub.denom` ("0": none; default 10^18).
    #[serde(default = "default_registration_deposit")]
    pub registration_deposit: Units,
}

fn default_signer_set_lifetime() -> Duration {
    Duration::from_secs(24 * 3600)
}
fn default_registration_deposit() -> Units {
    "1000000000000000000".into()
}

impl ContractsSection {
    /// The re-report grace the bundle-log is instantiated with.
    pub fn rereport_grace(&self) -> Duration {
        self.rereport_grace.unwrap_or(self.dispute_window)
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EvmChain {
    pub name: String,
    /// The domain id the hub's chain registry gives the chain (what legs name).
    pub domain: u64,
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Devnet only: the anvil process's port.
    #[serde(default)]
    pub port: u16,
    /// Devnet only: the anvil process's block time.
    #[serde(with = "humantime_serde", default = "default_block_time")]
    pub block_time: Duration,
    /// Blocks relayers wait before reporting a lock.
    pub confirmations: u64,
}

/// A CosmWasm chain (Cosmos SDK + CometBFT) the hub registers with a light client. On the devnet
/// it is a second injectived chain with one validator, run from the same binary as the hub.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CosmWasmChain {
    pub name: String,
    /// The domain id the hub's chain registry gives the chain (what legs name).
    pub domain: u64,
    /// CometBFT chain id (`ChainVm::CosmWasm`).
    pub chain_id: String,
    /// Blocks relayers wait before proving a lock (the light client needs header `h + 1`).
    #[serde(default = "one")]
    pub confirmations: u64,
    /// Devnet only: the validator's first loopback port (p2p, rpc, abci, grpc follow).
    #[serde(default)]
    pub base_port: u16,
    /// Devnet only: the validator's `consensus.timeout_commit`.
    #[serde(with = "humantime_serde", default = "default_block_time")]
    pub timeout_commit: Duration,
    /// The light client's trusting period: how long a verified header may vouch for newer ones.
    /// Below the chain's unbonding period (CometBFT's advice: 2/3 of it), else validators could
    /// sign a fork after their stake left.
    #[serde(with = "humantime_serde", default = "default_trusting_period")]
    pub trusting_period: Duration,
    /// The chain's unbonding period (its `staking.params.unbonding_time`).
    #[serde(with = "humantime_serde", default = "default_unbonding_period")]
    pub unbonding_period: Duration,
    /// How far a header's time may be ahead of the hub's block time.
    #[serde(with = "humantime_serde", default = "default_clock_drift")]
    pub max_clock_drift: Duration,
    /// Devnet only: a bank denom minted in the chain's genesis to every devnet account, the demo's
    /// token on the chain.
    #[serde(default)]
    pub demo_denom: Option<String>,
    /// Devnet only: the symbol of a cw20 (cw20-base) instantiated on the chain, each demo user
    /// holding the genesis balance of it: the demo's cw20 on the chain.
    #[serde(default)]
    pub demo_cw20: Option<String>,
}

fn default_trusting_period() -> Duration {
    Duration::from_secs(14 * 24 * 3600)
}

/// The Cosmos SDK's default `unbonding_time` (21 days).
fn default_unbonding_period() -> Duration {
    Duration::from_secs(21 * 24 * 3600)
}

fn default_clock_drift() -> Duration {
    Duration::from_secs(10)
}

fn one() -> u64 {
    1
}

fn default_block_time() -> Duration {
    Duration::from_secs(1)
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("reading hub profile {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("hub profile {path}: {source}")]
    Parse { path: String, source: Box<toml::de::Error> },
    #[error("hub profile {path}: {problem}")]
    Invalid { path: String, problem: String },
}

impl Profile {
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read { path: p.clone(), source })?;
        Self::parse(&text, &p)
    }

    pub fn parse(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let mut profile: Profile =
            toml::from_str(text).map_err(|e| ProfileError::Parse { path: origin.into(), source: Box::new(e) })?;
        if profile.contracts.relayer_bond.is_empty() {
            profile.contracts.relayer_bond = profile.contracts.min_bond.clone();
        }
        profile.validate().map_err(|problem| ProfileError::Invalid { path: origin.into(), problem })?;
        Ok(profile)
    }

    fn validate(&self) -> Result<(), String> {
        let units = |name: &str, v: &str| v.parse::<u128>().map_err(|_| format!("{name} = {v:?} is not an integer"));
        units("hub.minimum_gas_price", &self.hub.minimum_gas_price)?;
        units("hub.validator_stake", &self.hub.validator_stake)?;
        units("hub.validator_balance", &self.hub.validator_balance)?;
        units("accounts.balance", &self.accounts.balance)?;
        units("contracts.registration_deposit", &self.contracts.registration_deposit)?;
        let deposit = self.genesis.min_deposit.as_deref().map(|d| units("genesis.min_deposit", d)).transpose()?;
        let expedited = self
            .genesis
            .expedited_min_deposit
            .as_deref()
            .map(|d| units("genesis.expedited_min_deposit", d))
            .transpose()?;
        if let (Some(d), Some(e)) = (deposit, expedited) {
            if e <= d {
                return Err("genesis.expedited_min_deposit must exceed genesis.min_deposit".into());
            }
        }
        let min = units("contracts.min_bond", &self.contracts.min_bond)?;
        let bond = units("contracts.relayer_bond", &self.contracts.relayer_bond)?;
        if bond < min {
            return Err(format!("contracts.relayer_bond {bond} is below contracts.min_bond {min}"));
        }
        if self.accounts.bonded_relayers > self.accounts.relayers {
            return Err("accounts.bonded_relayers exceeds accounts.relayers".into());
        }
        let c = &self.contracts;
        // The bundle-log refuses an unbonding period that does not outlast window + re-report
        // grace + margin, and a delivery margin no longer than the batch age: say it here, before
        // anything is deployed.
        if c.unbonding_period <= c.dispute_window + c.rereport_grace() + c.delivery_margin {
            return Err("contracts.unbonding_period must exceed dispute_window + rereport_grace (default: the \
                        dispute window) + delivery_margin"
                .into());
        }
        if c.delivery_margin <= c.batch_max_age {
            return Err("contracts.delivery_margin must exceed contracts.batch_max_age".into());
        }
        if let (Some(e), Some(v)) = (self.genesis.expedited_voting_period, self.genesis.voting_period) {
            if e >= v {
                return Err("genesis.expedited_voting_period must be below genesis.voting_period".into());
            }
        }
        let (mut ids, mut domains, mut names) =
            (std::collections::BTreeSet::new(), std::collections::BTreeSet::new(), std::collections::BTreeSet::new());
        for e in &self.evm {
            if !ids.insert(e.chain_id) {
                return Err(format!("evm chain id {} appears twice", e.chain_id));
            }
            if e.domain == 0 || !domains.insert(e.domain) {
                return Err(format!("evm chain {}: domain {} is zero or appears twice", e.name, e.domain));
            }
            if !names.insert(e.name.as_str()) {
                return Err(format!("evm chain name {:?} appears twice", e.name));
            }
        }
        let mut cosmos_ids = std::collections::BTreeSet::new();
        for c in &self.cosmwasm {
            let vm = mesh_hub_api::bundle_log::ChainVm::CosmWasm { chain_id: c.chain_id.clone() };
            if let Some(problem) = vm.chain_id_error() {
                return Err(format!("cosmwasm chain {}: chain_id {:?}: {problem}", c.name, c.chain_id));
            }
            if c.chain_id == self.hub.chain_id || !cosmos_ids.insert(c.chain_id.as_str()) {
                return Err(format!("cosmwasm chain id {:?} appears twice (or is the hub's)", c.chain_id));
            }
            if c.domain == 0 || !domains.insert(c.domain) {
                return Err(format!("cosmwasm chain {}: domain {} is zero or appears twice", c.name, c.domain));
            }
            if c.trusting_period.is_zero() || c.trusting_period >= c.unbonding_period {
                return Err(format!(
                    "cosmwasm chain {}: trusting_period must be positive and below unbonding_period (a header \
                     trusted longer than validators stay slashable lets them sign a fork for free)",
                    c.name
                ));
            }
            if !names.insert(c.name.as_str()) {
                return Err(format!("chain name {:?} appears twice", c.name));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_file(name: &str) -> String {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hub-config").join(name)).unwrap()
    }

    #[test]
    fn the_devnet_profile_in_the_repo_loads() {
        let p = Profile::parse(&repo_file("devnet.toml"), "devnet.toml").unwrap();
        assert_eq!(p.hub.chain_id, "mesh-devnet-1");
        assert_eq!(p.hub.timeout_commit, Duration::from_millis(300));
        assert_eq!(p.evm.len(), 2);
        assert_eq!(p.genesis.code_upload, Some(Access::Keyword(AccessKeyword::Everybody)));
        assert_eq!(
            p.cosmwasm.iter().map(|c| (c.name.as_str(), c.domain, c.chain_id.as_str())).collect::<Vec<_>>(),
            vec![("gamma", 3, "gamma-1")]
        );
    }

    #[test]
    fn a_cosmwasm_chain_that_reuses_a_domain_or_a_chain_id_or_has_a_malformed_one_is_refused() {
        let devnet = repo_file("devnet.toml");
        for (from, to, problem) in [
            ("domain = 3", "domain = 2", "cosmwasm chain gamma: domain 2 is zero or appears twice"),
            ("domain = 3", "domain = 0", "cosmwasm chain gamma: domain 0 is zero or appears twice"),
            ("chain_id = \"gamma-1\"", "chain_id = \"mesh-devnet-1\"", "appears twice (or is the hub's)"),
            (
                "chain_id = \"gamma-1\"",
                "chain_id = \"gamma 1\"",
                "chain_id \"gamma 1\": CometBFT chain id must be printable ASCII without whitespace",
            ),
            ("name = \"gamma\"", "name = \"alpha\"", "chain name \"alpha\" appears twice"),
        ] {
            let gamma = devnet.find("[[cosmwasm]]").unwrap();
            let (head, tail) = devnet.split_at(gamma);
            let text = format!("{head}{}", tail.replacen(from, to, 1));
            let err = Profile::parse(&text, "x.toml").unwrap_err().to_string();
            assert!(err.contains(problem), "{from} -> {to}: {err}");
        }
    }

    #[test]
    fn the_real_network_template_loads_without_any_devnet_only_key() {
        let text = repo_file("network-profile.example.toml");
        let p = Profile::parse(&text, "network-profile.example.toml").unwrap();
        // the template leaves every devnet-only key out (commented), so they take their defaults
        for key in ["validator_stake", "validator_balance", "base_port", "relayer_bond", "port", "block_time"] {
            assert!(
                !text.lines().any(|l| l.trim_start().starts_with(&format!("{key} ="))),
                "the template sets devnet-only key {key}"
            );
        }
        assert!(!text.lines().any(|l| l.trim() == "[accounts]"), "the template has an [accounts] section");
        assert_eq!(p.accounts.relayers, 0);
        assert_eq!(p.genesis.code_upload, Some(Access::Keyword(AccessKeyword::Nobody)));
        assert!(
            p.contracts.dispute_window >= Duration::from_secs(600),
            "a real dispute window is minutes, not seconds"
        );
        assert!(p.evm.iter().all(|e| e.port == 0));
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        let text = repo_file("devnet.toml").replace("[accounts]", "[accounts]\nsurprise = 1");
        let err = Profile::parse(&text, "x.toml").unwrap_err().to_string();
        assert!(err.contains("surprise"), "{err}");
    }

    #[test]
    fn an_unbonding_period_inside_the_dispute_window_is_refused() {
        let text = repo_file("devnet.toml").replace("unbonding_period = \"60s\"", "unbonding_period = \"30s\"");
        let err = Profile::parse(&text, "x.toml").unwrap_err().to_string();
        assert!(err.contains("unbonding_period"), "{err}");
    }

    #[test]
    fn code_upload_takes_a_keyword_or_a_list_of_addresses() {
        let text = repo_file("devnet.toml").replace("code_upload = \"everybody\"", "code_upload = [\"inj1abc\"]");
        let p = Profile::parse(&text, "x.toml").unwrap();
        assert_eq!(p.genesis.code_upload, Some(Access::Addresses(vec!["inj1abc".into()])));
        let text = repo_file("devnet.toml").replace("code_upload = \"everybody\"", "code_upload = \"anybody\"");
        assert!(Profile::parse(&text, "x.toml").is_err());
    }
}
