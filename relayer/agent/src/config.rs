//! The relayer's TOML configuration (`relayer/mesh.example.toml` documents every key).
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(try_from = "RawConfig", into = "RawConfig")]
pub struct Config {
    pub relayer: RelayerSection,
    pub hub: HubSection,
    /// The EVM key: signs batch roots (signer) and pays for deliveries (poster).
    pub evm_key: Option<KeySource>,
    /// The EVM chains: `[[chains]]` sections without `vm` or with `vm = "evm"`.
    pub chains: Vec<ChainSection>,
    /// The CosmWasm chains: `[[chains]]` sections with `vm = "cosmwasm"`.
    pub cosmwasm: Vec<CosmWasmSection>,
    pub http: Option<HttpSection>,
    pub checker: CheckerSection,
}

/// The file's shape: one `[[chains]]` array whose sections say their VM (`vm`, default `evm`).
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    relayer: RelayerSection,
    hub: HubSection,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    evm_key: Option<KeySource>,
    #[serde(default)]
    chains: Vec<toml::Table>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http: Option<HttpSection>,
    #[serde(default)]
    checker: CheckerSection,
}

impl TryFrom<RawConfig> for Config {
    type Error = String;
    fn try_from(raw: RawConfig) -> Result<Config, String> {
        let (mut chains, mut cosmwasm) = (Vec::new(), Vec::new());
        for (i, mut table) in raw.chains.into_iter().enumerate() {
            let vm = match table.remove("vm") {
                None => "evm".to_string(),
                Some(toml::Value::String(v)) => v,
                Some(other) => return Err(format!("chains[{i}].vm must be a string, not {other}")),
            };
            let what = |e: toml::de::Error| format!("chains[{i}] (vm = {vm:?}): {}", e.message());
            match vm.as_str() {
                "evm" => chains.push(toml::Value::Table(table).try_into().map_err(what)?),
                "cosmwasm" => cosmwasm.push(toml::Value::Table(table).try_into().map_err(what)?),
                other => return Err(format!("chains[{i}]: unknown vm {other:?} (evm or cosmwasm)")),
            }
        }
        Ok(Config {
            relayer: raw.relayer,
            hub: raw.hub,
            evm_key: raw.evm_key,
            chains,
            cosmwasm,
            http: raw.http,
            checker: raw.checker,
        })
    }
}

impl From<Config> for RawConfig {
    fn from(c: Config) -> RawConfig {
        let table = |v: toml::Value| match v {
            toml::Value::Table(t) => t,
            _ => unreachable!("a section serialises to a table"),
        };
        let mut chains: Vec<toml::Table> =
            c.chains.iter().map(|s| table(toml::Value::try_from(s).expect("serialisable"))).collect();
        for s in &c.cosmwasm {
            let mut t = table(toml::Value::try_from(s).expect("serialisable"));
            t.insert("vm".into(), toml::Value::String("cosmwasm".into()));
            chains.push(t);
        }
        RawConfig { relayer: c.relayer, hub: c.hub, evm_key: c.evm_key, chains, http: c.http, checker: c.checker }
    }
}

/// A CosmWasm chain running mesh-router-cw (`vm = "cosmwasm"`): its locks are reported with a
/// state proof the hub's light client verifies, its settlements delivered as `MsgExecuteContract`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CosmWasmSection {
    pub name: String,
    /// CometBFT chain id (the hub registers the chain and its light client under it).
    pub chain_id: String,
    /// CometBFT RPC.
    pub rpc: String,
    /// mesh-router-cw address (bech32).
    pub router: String,
    /// Blocks to wait before proving a lock: at least 1, the light client verifies a proof at
    /// height `h` against header `h + 1`.
    #[serde(default = "default_cw_confirmations")]
    pub confirmations: u64,
    /// First height to index when the database has no cursor.
    #[serde(default)]
    pub start_block: u64,
    /// Most heights per indexing round.
    #[serde(default = "default_cw_range")]
    pub max_range: u64,
    /// Fee denom and fee per gas (base units) of deliveries on this chain.
    pub fee_denom: String,
    pub gas_price: String,
    /// Bech32 prefix of the chain's accounts.
    #[serde(default = "default_prefix")]
    pub account_prefix: String,
    /// The key paying for deliveries here; the hub key when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<KeySource>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub key_type: mesh_cosmos::KeyType,
}

fn default_cw_confirmations() -> u64 {
    1
}
fn default_cw_range() -> u64 {
    200
}
fn default_prefix() -> String {
    "inj".into()
}

/// The checker: re-checks other relayers' reports on this relayer's own nodes and objects to
/// those it cannot confirm. It runs with the signer role unless disabled here, or alone as the
/// `checker` role.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CheckerSection {
    /// Run the checker along with the signer role (default true).
    #[serde(default = "default_true")]
    pub enabled: bool,
}

impl Default for CheckerSection {
    fn default() -> Self {
        CheckerSection { enabled: true }
    }
}

fn default_true() -> bool {
    true
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Mirrors `LegLocked` events into the hub and advances verdicts.
    Reporter,
    /// Signs closed batches and signer-set updates with the EVM key.
    Signer,
    /// Delivers attested batches and rotations to every chain and settles legs.
    Poster,
    /// Re-checks every report and signature, proves fraud.
    Disputer,
    /// Re-checks other relayers' reports on its own nodes and objects to those it cannot confirm
    /// (on by default with `signer`).
    Checker,
}

impl Role {
    /// The name in configs and logs.
    pub fn name(self) -> &'static str {
        match self {
            Role::Reporter => "reporter",
            Role::Signer => "signer",
            Role::Poster => "poster",
            Role::Disputer => "disputer",
            Role::Checker => "checker",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RelayerSection {
    /// Embedded database file (created if missing).
    pub db: PathBuf,
    pub roles: Vec<Role>,
    #[serde(with = "humantime_serde", default = "default_poll")]
    pub poll_interval: Duration,
}

fn default_poll() -> Duration {
    Duration::from_millis(500)
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HubSection {
    pub rpc: String,
    pub chain_id: String,
    #[serde(default = "default_denom")]
    pub denom: String,
    /// Decimals of `denom`, for amounts in whole tokens ("1000 inj").
    #[serde(default = "default_denom_decimals")]
    pub denom_decimals: u8,
    /// Fee per gas in base units of `denom`.
    #[serde(default = "default_gas_price")]
    pub gas_price: String,
    pub bundle_log: String,
    pub stake_escrow: String,
    pub dispute: String,
    /// The relayer's hub account key.
    pub key: KeySource,
    /// How the key derives its address and signs: `secp256k1` (the Cosmos SDK's) or
    /// `eth_secp256k1` (Injective's, the default of `injectived keys add`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub key_type: mesh_cosmos::KeyType,
    /// The hub address the key must derive (e.g. what `injectived keys show` prints); checked at
    /// start-up so a key of the other type is refused before anything is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

impl HubSection {
    /// The EIP-712 domain of batches, signer-set updates and bundle ids (the bundle-log's).
    pub fn bundle_domain(&self) -> mesh_protocol::eip712::HubDomain {
        mesh_protocol::eip712::HubDomain::new(self.chain_id.clone(), self.bundle_log.clone())
    }

    /// The EIP-712 domain of a bonding key's proof of possession (the stake-escrow's).
    pub fn escrow_domain(&self) -> mesh_protocol::eip712::HubDomain {
        mesh_protocol::eip712::HubDomain::new(self.chain_id.clone(), self.stake_escrow.clone())
    }
}

fn default_denom() -> String {
    "inj".into()
}
fn default_denom_decimals() -> u8 {
    18
}
fn default_gas_price() -> String {
    "160000000".into()
}

/// Where a secret comes from. Secrets are never written to logs.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum KeySource {
    /// Hex secret in this environment variable.
    Env(String),
    /// Hex secret in this file (first line).
    File(PathBuf),
}

impl KeySource {
    pub fn load(&self) -> Result<String, ConfigError> {
        match self {
            KeySource::Env(var) => {
                std::env::var(var).map_err(|_| ConfigError::MissingKey(format!("environment variable {var}")))
            }
            KeySource::File(path) => std::fs::read_to_string(path)
                .map(|s| s.lines().next().unwrap_or_default().trim().to_string())
                .map_err(|e| ConfigError::MissingKey(format!("key file {}: {e}", path.display()))),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChainSection {
    pub name: String,
    pub chain_id: u64,
    pub rpc: String,
    /// MeshRouter address.
    pub router: String,
    /// SettlementVerifier address.
    pub verifier: String,
    /// Blocks to wait before a lock counts.
    pub confirmations: u64,
    /// First block to index when the database has no cursor.
    #[serde(default)]
    pub start_block: u64,
    /// Most blocks per `eth_getLogs`.
    #[serde(default = "default_range")]
    pub max_range: u64,
    /// How long a delivery may stay unmined before it is re-sent with higher fees.
    #[serde(with = "humantime_serde", default = "default_tx_timeout")]
    pub tx_timeout: Duration,
    /// Factor applied to both EIP-1559 fees on each re-send (at least 1.125).
    #[serde(default = "default_fee_bump")]
    pub fee_bump: f64,
    /// Highest `maxFeePerGas` (wei) a delivery may offer.
    #[serde(default = "default_max_fee")]
    pub max_fee_per_gas: u64,
}

fn default_range() -> u64 {
    500
}
fn default_tx_timeout() -> Duration {
    mesh_chain_evm::sender::FeePolicy::default().tx_timeout
}
fn default_fee_bump() -> f64 {
    mesh_chain_evm::sender::MIN_FEE_BUMP
}
/// The default fee cap (`max_fee_per_gas`), in wei.
pub fn default_max_fee() -> u64 {
    mesh_chain_evm::sender::FeePolicy::default().max_fee_per_gas as u64
}

impl ChainSection {
    /// How the poster prices its transactions on this chain.
    pub fn fee_policy(&self) -> mesh_chain_evm::sender::FeePolicy {
        mesh_chain_evm::sender::FeePolicy {
            tx_timeout: self.tx_timeout,
            fee_bump: self.fee_bump,
            max_fee_per_gas: self.max_fee_per_gas.into(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSection {
    /// Address of `/health`, `/metrics` and `/status`.
    pub listen: SocketAddr,
    /// `/health` answers 503 once a role failed this many rounds in a row (healthy again after
    /// its next good round).
    #[serde(default = "default_unhealthy_after")]
    pub unhealthy_after: u32,
}

/// The default of `http.unhealthy_after`.
pub fn default_unhealthy_after() -> u32 {
    5
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // the cause is part of the message (and not a `source`), so it is printed once
    #[error("reading config {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("config {path}: {}", error.to_string().trim_end())]
    Parse { path: String, error: Box<toml::de::Error> },
    #[error("config: {0}")]
    Invalid(String),
    #[error("key not available: {0}")]
    MissingKey(String),
}

impl Config {
    /// Reads and checks a config file; relative paths in it (the database, key files) are taken
    /// relative to the file's folder, so the relayer finds them whatever its working directory.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read { path: p.clone(), error })?;
        let mut cfg = Self::parse(&text, &p)?;
        cfg.resolve_paths(path.parent().unwrap_or(Path::new("")));
        Ok(cfg)
    }

    /// Makes relative paths relative to `base` (the config file's folder).
    pub fn resolve_paths(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        fix(&mut self.relayer.db);
        let cw_keys = self.cosmwasm.iter_mut().filter_map(|c| c.key.as_mut());
        for key in [Some(&mut self.hub.key), self.evm_key.as_mut()].into_iter().flatten().chain(cw_keys) {
            if let KeySource::File(p) = key {
                fix(p);
            }
        }
    }

    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let c: Config =
            toml::from_str(text).map_err(|e| ConfigError::Parse { path: origin.into(), error: Box::new(e) })?;
        c.validate()?;
        Ok(c)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.relayer.roles.is_empty() {
            return Err(ConfigError::Invalid("relayer.roles is empty: enable at least one role".into()));
        }
        let needs_evm_key = self.relayer.roles.iter().any(|r| matches!(r, Role::Signer | Role::Poster | Role::Checker));
        if needs_evm_key && self.evm_key.is_none() {
            return Err(ConfigError::Invalid("the signer, poster and checker roles need [evm_key]".into()));
        }
        if self.http.as_ref().is_some_and(|h| h.unhealthy_after == 0) {
            return Err(ConfigError::Invalid("http.unhealthy_after must be at least 1".into()));
        }
        self.hub
            .gas_price
            .parse::<u128>()
            .map_err(|_| ConfigError::Invalid("hub.gas_price is not an integer".into()))?;
        let mut ids = std::collections::BTreeSet::new();
        for c in &self.chains {
            if !ids.insert(c.chain_id) {
                return Err(ConfigError::Invalid(format!("chain id {} appears twice", c.chain_id)));
            }
            for (what, a) in [("router", &c.router), ("verifier", &c.verifier)] {
                mesh_protocol::EvmAddress::parse(a)
                    .map_err(|e| ConfigError::Invalid(format!("chain {}: {what} {a}: {e}", c.name)))?;
            }
            if c.max_range == 0 {
                return Err(ConfigError::Invalid(format!("chain {}: max_range must be positive", c.name)));
            }
            // below 12.5 % nodes refuse the replacement as underpriced
            if !c.fee_bump.is_finite() || c.fee_bump < mesh_chain_evm::sender::MIN_FEE_BUMP || c.fee_bump > 10.0 {
                return Err(ConfigError::Invalid(format!(
                    "chain {}: fee_bump {} must be between {} and 10",
                    c.name,
                    c.fee_bump,
                    mesh_chain_evm::sender::MIN_FEE_BUMP
                )));
            }
            if c.tx_timeout.is_zero() || c.max_fee_per_gas == 0 {
                return Err(ConfigError::Invalid(format!(
                    "chain {}: tx_timeout and max_fee_per_gas must be positive",
                    c.name
                )));
            }
        }
        let mut cw_ids = std::collections::BTreeSet::new();
        for c in &self.cosmwasm {
            let bad = |what: String| ConfigError::Invalid(format!("chain {}: {what}", c.name));
            let vm = mesh_hub_api::bundle_log::ChainVm::CosmWasm { chain_id: c.chain_id.clone() };
            if let Some(problem) = vm.chain_id_error() {
                return Err(bad(format!("chain_id {:?}: {problem}", c.chain_id)));
            }
            if !cw_ids.insert(c.chain_id.as_str()) {
                return Err(ConfigError::Invalid(format!("chain id {:?} appears twice", c.chain_id)));
            }
            c.router
                .parse::<cosmrs::AccountId>()
                .ok()
                .filter(|a| a.prefix() == c.account_prefix)
                .ok_or_else(|| bad(format!("router {:?} is not a {} bech32 address", c.router, c.account_prefix)))?;
            if c.confirmations == 0 {
                return Err(bad(
                    "confirmations must be at least 1 (a proof at h is checked against header h + 1)".into()
                ));
            }
            if c.max_range == 0 {
                return Err(bad("max_range must be positive".into()));
            }
            c.gas_price.parse::<u128>().map_err(|_| bad("gas_price is not an integer".into()))?;
        }
        Ok(())
    }

    pub fn has(&self, role: Role) -> bool {
        self.relayer.roles.contains(&role)
    }

    /// Whether the checker runs: as its own role, or with the signer unless `[checker]` disables it.
    pub fn runs_checker(&self) -> bool {
        self.has(Role::Checker) || (self.has(Role::Signer) && self.checker.enabled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../mesh.example.toml")).unwrap()
    }

    #[test]
    fn the_commented_example_parses() {
        let c = Config::parse(&example(), "mesh.example.toml").unwrap();
        assert!(c.has(Role::Reporter) && c.has(Role::Disputer));
        assert!(c.runs_checker(), "the checker runs with the signer by default");
        let off = Config::parse(&example().replace("[checker]\n", "[checker]\nenabled = false\n"), "x").unwrap();
        assert!(!off.runs_checker());
        assert_eq!(c.chains.len(), 2);
        assert_eq!(c.cosmwasm.len(), 1, "gamma: a [[chains]] section with vm = \"cosmwasm\"");
        assert_eq!((c.cosmwasm[0].chain_id.as_str(), c.cosmwasm[0].confirmations), ("gamma-1", 1));
        assert_eq!(c.relayer.poll_interval, Duration::from_millis(500));
        let alpha = c.chains[0].fee_policy();
        assert_eq!(alpha.tx_timeout, Duration::from_secs(30));
        assert_eq!((alpha.fee_bump, alpha.max_fee_per_gas), (1.125, 500_000_000_000));
        // the keys are optional: beta leaves them out and gets the same defaults
        assert_eq!(c.chains[1].fee_policy(), alpha);
    }

    #[test]
    fn a_fee_bump_below_twelve_and_a_half_percent_is_refused() {
        let text = example().replacen("fee_bump = 1.125", "fee_bump = 1.1", 1);
        let err = Config::parse(&text, "x").unwrap_err().to_string();
        assert!(err.contains("fee_bump"), "{err}");
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let text = example().replace("[relayer]", "[relayer]\nturbo = true");
        let err = Config::parse(&text, "x").unwrap_err().to_string();
        assert!(err.contains("turbo"), "{err}");
    }

    #[test]
    fn a_signer_without_an_evm_key_is_refused() {
        let text = example();
        let start = text.find("[evm_key]").unwrap();
        let end = start + text[start..].find("\n\n").unwrap();
        let without = format!("{}{}", &text[..start], &text[end..]);
        let err = Config::parse(&without, "x").unwrap_err().to_string();
        assert!(err.contains("[evm_key]"), "{err}");
    }

    #[test]
    fn a_chain_section_of_an_unknown_vm_or_a_cosmwasm_one_without_confirmations_is_refused() {
        let err = Config::parse(&example().replace("vm = \"cosmwasm\"", "vm = \"movevm\""), "x").unwrap_err();
        assert!(err.to_string().contains("unknown vm \"movevm\""), "{err}");
        let text = example().replace("confirmations = 1\n", "confirmations = 0\n");
        let err = Config::parse(&text, "x").unwrap_err().to_string();
        assert!(err.contains("gamma") && err.contains("confirmations"), "{err}");
        let text = example().replace("router = \"inj1", "router = \"cosmos1");
        let err = Config::parse(&text, "x").unwrap_err().to_string();
        assert!(err.contains("not a inj bech32 address"), "{err}");
        // an EVM key in a CosmWasm section is an unknown key, by name
        let text = example().replace("account_prefix = \"inj\"\n", "account_prefix = \"inj\"\nverifier = \"0x00\"\n");
        let err = Config::parse(&text, "x").unwrap_err().to_string();
        assert!(err.contains("verifier"), "{err}");
    }

    #[test]
    fn a_config_written_back_reads_the_same() {
        let c = Config::parse(&example(), "x").unwrap();
        let again = Config::parse(&toml::to_string(&c).unwrap(), "y").unwrap();
        assert_eq!((again.chains.len(), again.cosmwasm.len()), (2, 1));
        assert_eq!(again.cosmwasm[0].router, c.cosmwasm[0].router);
    }

    #[test]
    fn bad_router_addresses_are_refused() {
        let text = example().replacen("router = \"0x", "router = \"0xzz", 1);
        assert!(Config::parse(&text, "x").is_err());
    }

    #[test]
    fn keys_come_from_the_environment_or_a_file_and_say_which_is_missing() {
        let err = KeySource::Env("MESH_SURELY_UNSET_KEY".into()).load().unwrap_err().to_string();
        assert!(err.contains("MESH_SURELY_UNSET_KEY"));
        let f = std::env::temp_dir().join(format!("mesh-key-{}", std::process::id()));
        std::fs::write(&f, "abcd\n").unwrap();
        assert_eq!(KeySource::File(f.clone()).load().unwrap(), "abcd");
        std::fs::remove_file(f).unwrap();
    }
}
