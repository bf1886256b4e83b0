//! The hub profile (`hub-config/*.toml`): chain, accounts, contract parameters and EVM chains.
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub hub: HubSection,
    pub accounts: AccountsSection,
    pub contracts: ContractsSection,
    #[serde(default)]
    pub evm: Vec<EvmChain>,
}

/// Decimal string of base units (they exceed 64 bits).
pub type Units = String;

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HubSection {
    pub chain_id: String,
    pub denom: String,
    #[serde(with = "humantime_serde")]
    pub timeout_commit: Duration,
    pub minimum_gas_price: Units,
    pub validator_stake: Units,
    pub validator_balance: Units,
    pub base_port: u16,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsSection {
    pub balance: Units,
    pub relayers: u32,
    pub bonded_relayers: u32,
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
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EvmChain {
    pub name: String,
    pub chain_id: u64,
    pub port: u16,
    #[serde(with = "humantime_serde")]
    pub block_time: Duration,
    pub confirmations: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("reading {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {source}")]
    Parse { path: String, source: Box<toml::de::Error> },
    #[error("{path}: {problem}")]
    Invalid { path: String, problem: String },
}

impl Profile {
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read { path: p.clone(), source })?;
        Self::parse(&text, &p)
    }

    pub fn parse(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let profile: Profile =
            toml::from_str(text).map_err(|e| ProfileError::Parse { path: origin.into(), source: Box::new(e) })?;
        profile.validate().map_err(|problem| ProfileError::Invalid { path: origin.into(), problem })?;
        Ok(profile)
    }

    fn validate(&self) -> Result<(), String> {
        let units = |name: &str, v: &str| v.parse::<u128>().map_err(|_| format!("{name} = {v:?} is not an integer"));
        units("hub.minimum_gas_price", &self.hub.minimum_gas_price)?;
        units("hub.validator_stake", &self.hub.validator_stake)?;
        units("hub.validator_balance", &self.hub.validator_balance)?;
        units("accounts.balance", &self.accounts.balance)?;
        let min = units("contracts.min_bond", &self.contracts.min_bond)?;
        let bond = units("contracts.relayer_bond", &self.contracts.relayer_bond)?;
        if bond < min {
            return Err(format!("contracts.relayer_bond {bond} is below contracts.min_bond {min}"));
        }
        if self.accounts.bonded_relayers > self.accounts.relayers {
            return Err("accounts.bonded_relayers exceeds accounts.relayers".into());
        }
        let c = &self.contracts;
        // The devnet's re-report grace is the dispute window (relayer/devnet/src/deploy.rs); the
        // bundle-log refuses an unbonding period that does not outlast window + margin + grace, and
        // a delivery margin no longer than the batch age.
        if c.unbonding_period <= 2 * c.dispute_window + c.delivery_margin {
            return Err("contracts.unbonding_period must exceed 2 × dispute_window + delivery_margin".into());
        }
        if c.delivery_margin <= c.batch_max_age {
            return Err("contracts.delivery_margin must exceed contracts.batch_max_age".into());
        }
        let mut ids = std::collections::BTreeSet::new();
        for e in &self.evm {
            if !ids.insert(e.chain_id) {
                return Err(format!("evm chain id {} appears twice", e.chain_id));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn devnet_text() -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../hub-config/devnet.toml")).unwrap()
    }

    #[test]
    fn the_devnet_profile_in_the_repo_loads() {
        let p = Profile::parse(&devnet_text(), "devnet.toml").unwrap();
        assert_eq!(p.hub.chain_id, "mesh-devnet-1");
        assert_eq!(p.hub.timeout_commit, Duration::from_millis(300));
        assert_eq!(p.evm.len(), 2);
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        let text = devnet_text().replace("[accounts]", "[accounts]\nsurprise = 1");
        let err = Profile::parse(&text, "x.toml").unwrap_err().to_string();
        assert!(err.contains("surprise"), "{err}");
    }

    #[test]
    fn an_unbonding_period_inside_the_dispute_window_is_refused() {
        let text = devnet_text().replace("unbonding_period = \"60s\"", "unbonding_period = \"30s\"");
        let err = Profile::parse(&text, "x.toml").unwrap_err().to_string();
        assert!(err.contains("unbonding_period"), "{err}");
    }
}
