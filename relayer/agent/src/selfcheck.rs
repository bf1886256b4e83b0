//! Start-up self-checks: what a config claims, checked against the nodes it names before any role
//! runs (`mesh relayer run` refuses to start on a failure, `mesh relayer check` prints them all).
//!
//! A relayer that starts on a wrong config looks healthy while doing harm or nothing: a hub chain
//! id other than the node's signs under another EIP-712 domain, an EVM chain id other than the
//! RPC's watches another chain, a key of the wrong type spends from an address nobody funded.
//! Each failure names the config field and both values.
//!
//! Fatal (the relayer refuses to start): every check below except the warnings. Warnings (logged,
//! the relayer starts): a bonded, active relayer not yet in the current signer set (it signs from
//! the next rotation on); a hub node still catching up.
use std::future::Future;
use std::time::Duration;

use mesh_hub::{CosmosClient, CosmosClientConfig, CosmosError, CosmosSigner, KeyType};
use mesh_hub_api::{bundle_log, stake_escrow};
use mesh_protocol::EvmAddress;

use crate::chains::ChainProbe;
use crate::config::{Config, Role};

/// How long one probe of a node may take before the node counts as unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a config is refused; each names the config field and what the node says instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("hub.rpc {url} is unreachable: {detail}")]
    HubUnreachable { url: String, detail: String },
    #[error(
        "hub.chain_id is {configured:?} but the node at {url} runs {actual:?} (signatures would be made under \
         another EIP-712 domain)"
    )]
    HubChainId { configured: String, actual: String, url: String },
    #[error("hub.{field} {address} cannot be read: {detail}")]
    HubContract { field: &'static str, address: String, detail: String },
    #[error("hub.chain_id is {configured:?} but hub.{field} {address} was instantiated for hub chain {actual:?}")]
    ContractChainId { field: &'static str, address: String, configured: String, actual: String },
    #[error("hub.key: {0}")]
    HubKey(String),
    #[error("hub.address is {configured} but hub.key as {key_type} derives {derived}{hint}")]
    HubAddress { configured: String, derived: String, key_type: KeyType, hint: String },
    #[error(
        "hub account {address} (hub.key as {key_type}) does not exist on the hub: send it some {denom} first{hint}"
    )]
    HubAccountMissing { address: String, key_type: KeyType, denom: String, hint: String },
    #[error("hub account {address} (hub.key as {key_type}) holds no {denom}: it cannot pay fees{hint}")]
    HubUnfunded { address: String, key_type: KeyType, denom: String, hint: String },
    #[error("evm_key: {0}")]
    EvmKey(String),
    #[error("chains.{chain}.rpc {url} is unreachable: {detail}")]
    EvmUnreachable { chain: String, url: String, detail: String },
    #[error("chains.{chain}.chain_id is {configured} but its RPC {url} reports chain id {actual}")]
    EvmChainId { chain: String, configured: u64, actual: u64, url: String },
    #[error("chains.{chain}.{field} {address} has no code on chain id {chain_id}")]
    NoCode { chain: String, field: &'static str, address: String, chain_id: u64 },
    #[error("chains.{chain}.verifier is {configured} but the router's verifier is {actual}")]
    VerifierMismatch { chain: String, configured: String, actual: String },
    #[error("chains.{chain}: EVM chain id {chain_id} is not in the hub's chain registry: {detail}")]
    NotRegistered { chain: String, chain_id: u64, detail: String },
    #[error("chains.{chain}.router is {configured} but the hub's registry names {registered} for domain {domain}")]
    RouterMismatch { chain: String, configured: String, registered: String, domain: u64 },
    #[error(
        "{address} is not bonded on the hub (roles {roles} need an active bonded relayer: mesh stake bond --config …)"
    )]
    NotBonded { address: String, roles: String },
    #[error("{address} is jailed on the hub since {since} (roles {roles} cannot act while jailed)")]
    Jailed { address: String, since: String, roles: String },
    #[error("{address} bonds {bonded} {denom}, below the hub's minimum {min_bond} {denom}: it is not active")]
    BelowMinBond { address: String, bonded: u128, min_bond: u128, denom: String },
    #[error(
        "evm_key derives {configured} but {address} registered the EVM signer {registered} when it bonded: its \
         signatures would not count"
    )]
    SignerMismatch { address: String, configured: String, registered: String },
    #[error(
        "evm_key account {account} holds nothing on chains.{chain} (chain id {chain_id}): the poster cannot pay gas"
    )]
    PosterUnfunded { chain: String, chain_id: u64, account: String },
    #[error("chains.{chain}.rpc {url} is unreachable: {detail}")]
    CwUnreachable { chain: String, url: String, detail: String },
    #[error("chains.{chain}.chain_id is {configured:?} but its RPC {url} serves chain {actual:?}")]
    CwChainId { chain: String, configured: String, actual: String, url: String },
    #[error("chains.{chain}.router {address} is not a mesh-router-cw of this deployment: {detail}")]
    CwRouter { chain: String, address: String, detail: String },
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Passed, with what was found.
    Ok(String),
    /// Passed with a caveat the operator should know.
    Warn(String),
    Failed(CheckError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked, e.g. `hub chain id` or `alpha router`.
    pub name: String,
    pub outcome: Outcome,
}

/// Every check run, in order. Checks that depend on a failed one are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    fn ok(&mut self, name: impl Into<String>, detail: impl Into<String>) {
        self.checks.push(Check { name: name.into(), outcome: Outcome::Ok(detail.into()) });
    }
    fn warn(&mut self, name: impl Into<String>, detail: impl Into<String>) {
        self.checks.push(Check { name: name.into(), outcome: Outcome::Warn(detail.into()) });
    }
    fn fail(&mut self, name: impl Into<String>, e: CheckError) {
        self.checks.push(Check { name: name.into(), outcome: Outcome::Failed(e) });
    }

    pub fn failures(&self) -> Vec<&CheckError> {
        self.checks
            .iter()
            .filter_map(|c| match &c.outcome {
                Outcome::Failed(e) => Some(e),
                _ => None,
            })
            .collect()
    }

    pub fn warnings(&self) -> Vec<(&str, &str)> {
        self.checks
            .iter()
            .filter_map(|c| match &c.outcome {
                Outcome::Warn(w) => Some((c.name.as_str(), w.as_str())),
                _ => None,
            })
            .collect()
    }

    pub fn passed(&self) -> bool {
        self.failures().is_empty()
    }

    /// The refusal, when any check failed.
    pub fn into_result(self) -> Result<Report, SelfCheckFailed> {
        let failures: Vec<CheckError> = self.failures().into_iter().cloned().collect();
        if failures.is_empty() {
            Ok(self)
        } else {
            Err(SelfCheckFailed(failures))
        }
    }
}

/// The start-up refusal: every failed check, in one message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SelfCheckFailed(pub Vec<CheckError>);

impl std::fmt::Display for SelfCheckFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let all: Vec<String> = self.0.iter().map(|e| e.to_string()).collect();
        write!(f, "start-up self-check failed: {}", all.join("; "))
    }
}

/// A probe under [`PROBE_TIMEOUT`]; a timeout reads as an unreachable node.
async fn probe<T, E: std::fmt::Display>(f: impl Future<Output = Result<T, E>>) -> Result<T, String> {
    match tokio::time::timeout(PROBE_TIMEOUT, f).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
    }
}

fn hub_client(cfg: &Config) -> Result<CosmosClient, String> {
    let mut hc = CosmosClientConfig::devnet(&cfg.hub.rpc, &cfg.hub.chain_id);
    hc.fee_denom = cfg.hub.denom.clone();
    hc.gas_price = cfg.hub.gas_price.parse().map_err(|_| "hub.gas_price is not an integer".to_string())?;
    CosmosClient::new(hc).map_err(|e| e.to_string())
}

/// The hub signer of the config (its key as `hub.key_type`).
pub fn hub_signer(cfg: &Config) -> Result<CosmosSigner, CheckError> {
    let secret = cfg.hub.key.load().map_err(|e| CheckError::HubKey(e.to_string()))?;
    CosmosSigner::from_hex_typed(&secret, "inj", cfg.hub.key_type).map_err(CheckError::HubKey)
}

/// The config's EVM secret, when it has one.
pub fn evm_secret(cfg: &Config) -> Result<Option<[u8; 32]>, CheckError> {
    let Some(src) = &cfg.evm_key else { return Ok(None) };
    let text = src.load().map_err(|e| CheckError::EvmKey(e.to_string()))?;
    let bytes = hex::decode(text.trim().trim_start_matches("0x")).map_err(|_| CheckError::EvmKey("not hex".into()))?;
    let secret: [u8; 32] = bytes.try_into().map_err(|_| CheckError::EvmKey("must be 32 bytes".into()))?;
    mesh_protocol::sig::signing_key(&secret).ok_or(CheckError::EvmKey("not a valid secp256k1 secret".into()))?;
    Ok(Some(secret))
}

/// The roles that send hub transactions (the poster only reads the hub).
fn hub_senders(cfg: &Config) -> Vec<Role> {
    let mut roles: Vec<Role> = cfg.relayer.roles.iter().copied().filter(|r| *r != Role::Poster).collect();
    if cfg.runs_checker() && !roles.contains(&Role::Checker) {
        roles.push(Role::Checker);
    }
    roles
}

fn role_names(roles: &[Role]) -> String {
    roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ")
}

/// Runs every check of `cfg` against the nodes it names.
pub async fn run(cfg: &Config) -> Report {
    let mut report = Report::default();
    let hub_ok = check_hub(cfg, &mut report).await;
    let evm = match evm_secret(cfg) {
        Ok(s) => s,
        Err(e) => {
            report.fail("evm key", e);
            None
        }
    };
    check_chains(cfg, hub_ok.as_ref(), evm, &mut report).await;
    check_cosmwasm_chains(cfg, &mut report).await;
    report
}

/// The hub checks; returns the client and signer when the node answered.
async fn check_hub(cfg: &Config, report: &mut Report) -> Option<(CosmosClient, CosmosSigner)> {
    let hub = &cfg.hub;
    let client = match hub_client(cfg) {
        Ok(c) => c,
        Err(detail) => {
            report.fail("hub node", CheckError::HubUnreachable { url: hub.rpc.clone(), detail });
            return None;
        }
    };
    let status = match probe(client.node_status()).await {
        Ok(s) => s,
        Err(detail) => {
            report.fail("hub node", CheckError::HubUnreachable { url: hub.rpc.clone(), detail });
            return None;
        }
    };
    if status.network != hub.chain_id {
        report.fail(
            "hub chain id",
            CheckError::HubChainId { configured: hub.chain_id.clone(), actual: status.network, url: hub.rpc.clone() },
        );
        return None;
    }
    report.ok("hub chain id", format!("{} at height {} ({})", status.network, status.height, hub.rpc));
    if status.catching_up {
        report.warn("hub node", format!("{} is still catching up: its answers may be stale", hub.rpc));
    }

    // the contracts, and the chain id they bind into every signature
    match probe(client.query_smart::<bundle_log::ConfigResponse>(&hub.bundle_log, &bundle_log::QueryMsg::Config {}))
        .await
    {
        Ok(c) if c.hub_chain_id != hub.chain_id => report.fail(
            "hub bundle-log",
            CheckError::ContractChainId {
                field: "bundle_log",
                address: hub.bundle_log.clone(),
                configured: hub.chain_id.clone(),
                actual: c.hub_chain_id,
            },
        ),
        Ok(_) => report.ok("hub bundle-log", hub.bundle_log.clone()),
        Err(detail) => report.fail(
            "hub bundle-log",
            CheckError::HubContract { field: "bundle_log", address: hub.bundle_log.clone(), detail },
        ),
    }
    let stake_cfg = match probe(
        client.query_smart::<stake_escrow::ConfigResponse>(&hub.stake_escrow, &stake_escrow::QueryMsg::Config {}),
    )
    .await
    {
        Ok(c) if c.hub_chain_id != hub.chain_id => {
            report.fail(
                "hub stake-escrow",
                CheckError::ContractChainId {
                    field: "stake_escrow",
                    address: hub.stake_escrow.clone(),
                    configured: hub.chain_id.clone(),
                    actual: c.hub_chain_id,
                },
            );
            None
        }
        Ok(c) => {
            report.ok("hub stake-escrow", hub.stake_escrow.clone());
            Some(c)
        }
        Err(detail) => {
            report.fail(
                "hub stake-escrow",
                CheckError::HubContract { field: "stake_escrow", address: hub.stake_escrow.clone(), detail },
            );
            None
        }
    };

    // the key: its address, and that the account can pay fees
    let signer = match hub_signer(cfg) {
        Ok(s) => s,
        Err(e) => {
            report.fail("hub key", e);
            return None;
        }
    };
    let me = signer.address().to_string();
    let other_type = KeyType::ALL.into_iter().find(|t| *t != hub.key_type).expect("two key types");
    let other_address = hub_signer(&with_key_type(cfg, other_type)).map(|s| s.address().to_string()).ok();
    if let Some(configured) = &hub.address {
        if *configured != me {
            let hint = match &other_address {
                Some(a) if a == configured => {
                    format!("; set hub.key_type = \"{other_type}\": as {other_type} the key derives {configured}")
                }
                _ => "; neither key type derives it: is it the right key?".to_string(),
            };
            report.fail(
                "hub key",
                CheckError::HubAddress { configured: configured.clone(), derived: me, key_type: hub.key_type, hint },
            );
            return None;
        }
    }
    report.ok("hub key", format!("{me} ({})", hub.key_type));
    let senders = hub_senders(cfg);
    if !senders.is_empty() {
        // where the funds are if the key was meant as the other type (a keyring export)
        let hint = match &other_address {
            Some(other) => match probe(client.balance(other, &hub.denom)).await {
                Ok(b) if b > 0 => format!(
                    "; the same key as {other_type} is {other}, which holds {b} {}: set hub.key_type = \"{other_type}\"",
                    hub.denom
                ),
                _ => String::new(),
            },
            None => String::new(),
        };
        match tokio::time::timeout(PROBE_TIMEOUT, client.account(signer.address())).await {
            Ok(Err(CosmosError::AccountNotFound(_))) => report.fail(
                "hub account",
                CheckError::HubAccountMissing {
                    address: me.clone(),
                    key_type: hub.key_type,
                    denom: hub.denom.clone(),
                    hint,
                },
            ),
            Ok(Err(e)) => {
                report.fail("hub account", CheckError::HubUnreachable { url: hub.rpc.clone(), detail: e.to_string() })
            }
            Err(_) => report.fail(
                "hub account",
                CheckError::HubUnreachable { url: hub.rpc.clone(), detail: "no answer to the account query".into() },
            ),
            Ok(Ok(_)) => match probe(client.balance(&me, &hub.denom)).await {
                Ok(0) => report.fail(
                    "hub account",
                    CheckError::HubUnfunded {
                        address: me.clone(),
                        key_type: hub.key_type,
                        denom: hub.denom.clone(),
                        hint,
                    },
                ),
                Ok(b) => report.ok("hub account", format!("{me} holds {b} {}", hub.denom)),
                Err(detail) => report.fail("hub account", CheckError::HubUnreachable { url: hub.rpc.clone(), detail }),
            },
        }
    }

    // stake: the reporter, signer and checker act only as an active bonded relayer
    let bonded_roles: Vec<Role> =
        senders.iter().copied().filter(|r| matches!(r, Role::Reporter | Role::Signer | Role::Checker)).collect();
    if let (false, Some(stake_cfg)) = (bonded_roles.is_empty(), stake_cfg.as_ref()) {
        check_stake(cfg, &client, &me, &bonded_roles, stake_cfg, report).await;
    }
    Some((client, signer))
}

fn with_key_type(cfg: &Config, key_type: KeyType) -> Config {
    let mut c = cfg.clone();
    c.hub.key_type = key_type;
    c
}

async fn check_stake(
    cfg: &Config,
    client: &CosmosClient,
    me: &str,
    roles: &[Role],
    stake_cfg: &stake_escrow::ConfigResponse,
    report: &mut Report,
) {
    let roles_text = role_names(roles);
    let escrow = &cfg.hub.stake_escrow;
    let info: Option<stake_escrow::RelayerInfo> =
        match probe(client.query_smart(escrow, &stake_escrow::QueryMsg::Relayer { address: me.to_string() })).await {
            Ok(i) => i,
            Err(detail) => {
                report.fail(
                    "relayer stake",
                    CheckError::HubContract { field: "stake_escrow", address: escrow.clone(), detail },
                );
                return;
            }
        };
    let Some(info) = info.filter(|i| !i.bonded.is_zero()) else {
        report.fail("relayer stake", CheckError::NotBonded { address: me.into(), roles: roles_text });
        return;
    };
    if info.jailed {
        let since = info.jailed_at.map_or_else(|| "an unknown time".to_string(), crate::time::rfc3339);
        report.fail("relayer stake", CheckError::Jailed { address: me.into(), since, roles: roles_text });
        return;
    }
    if !info.active {
        report.fail(
            "relayer stake",
            CheckError::BelowMinBond {
                address: me.into(),
                bonded: info.bonded.u128(),
                min_bond: stake_cfg.min_bond.u128(),
                denom: stake_cfg.bond_denom.clone(),
            },
        );
        return;
    }
    report.ok("relayer stake", format!("bonded {} {}, active", info.bonded, stake_cfg.bond_denom));
    if !roles.iter().any(|r| matches!(r, Role::Signer | Role::Checker)) {
        return;
    }
    let configured = match evm_secret(cfg) {
        Ok(Some(secret)) => EvmAddress(mesh_protocol::sig::signer_address(
            &mesh_protocol::sig::signing_key(&secret).expect("checked by evm_secret"),
        )),
        // reported by the EVM key check
        _ => return,
    };
    if configured != info.evm_signer {
        report.fail(
            "relayer signer",
            CheckError::SignerMismatch {
                address: me.into(),
                configured: configured.to_string(),
                registered: info.evm_signer.to_string(),
            },
        );
        return;
    }
    let current: Option<stake_escrow::SignerSetResponse> =
        probe(client.query_smart(escrow, &stake_escrow::QueryMsg::CurrentSignerSet {})).await.ok().flatten();
    match current {
        Some(set) if set.set.signers.iter().any(|s| s.address == configured) => {
            report.ok("relayer signer", format!("{configured} in the signer set of epoch {}", set.set.epoch))
        }
        Some(set) => report.warn(
            "relayer signer",
            format!(
                "{configured} is not in the current signer set (epoch {}): it signs once a rotation includes it",
                set.set.epoch
            ),
        ),
        None => report.warn("relayer signer", format!("{configured}: the hub has no signer set yet")),
    }
}

async fn check_chains(
    cfg: &Config,
    hub: Option<&(CosmosClient, CosmosSigner)>,
    evm_secret: Option<[u8; 32]>,
    report: &mut Report,
) {
    for c in &cfg.chains {
        let name = &c.name;
        let probe_ = match ChainProbe::new(c) {
            Ok(p) => p,
            Err(detail) => {
                report.fail(
                    format!("{name} rpc"),
                    CheckError::EvmUnreachable { chain: name.clone(), url: c.rpc.clone(), detail },
                );
                continue;
            }
        };
        match probe(probe_.chain_id()).await {
            Err(detail) => {
                report.fail(
                    format!("{name} rpc"),
                    CheckError::EvmUnreachable { chain: name.clone(), url: c.rpc.clone(), detail },
                );
                continue;
            }
            Ok(actual) if actual != c.chain_id => {
                report.fail(
                    format!("{name} chain id"),
                    CheckError::EvmChainId { chain: name.clone(), configured: c.chain_id, actual, url: c.rpc.clone() },
                );
                continue;
            }
            Ok(id) => report.ok(format!("{name} chain id"), format!("{id} ({})", c.rpc)),
        }
        let mut contracts = true;
        for (field, address) in [("router", &c.router), ("verifier", &c.verifier)] {
            match probe(probe_.has_code(address)).await {
                Ok(true) => report.ok(format!("{name} {field}"), address.clone()),
                Ok(false) => {
                    contracts = false;
                    report.fail(
                        format!("{name} {field}"),
                        CheckError::NoCode {
                            chain: name.clone(),
                            field,
                            address: address.clone(),
                            chain_id: c.chain_id,
                        },
                    )
                }
                Err(detail) => {
                    contracts = false;
                    report.fail(
                        format!("{name} {field}"),
                        CheckError::EvmUnreachable { chain: name.clone(), url: c.rpc.clone(), detail },
                    )
                }
            }
        }
        if contracts {
            match probe(probe_.router_verifier()).await {
                Ok(actual) if !actual.eq_ignore_ascii_case(&c.verifier) => report.fail(
                    format!("{name} verifier"),
                    CheckError::VerifierMismatch { chain: name.clone(), configured: c.verifier.clone(), actual },
                ),
                Ok(_) => {}
                Err(detail) => report.fail(
                    format!("{name} verifier"),
                    CheckError::EvmUnreachable { chain: name.clone(), url: c.rpc.clone(), detail },
                ),
            }
        }
        if let Some((client, _)) = hub {
            check_registry(cfg, c, client, report).await;
        }
        if let (true, Some(secret)) = (cfg.has(Role::Poster), evm_secret.as_ref()) {
            match probe(probe_.key_balance(secret)).await {
                Ok((account, 0)) => report.fail(
                    format!("{name} poster funds"),
                    CheckError::PosterUnfunded { chain: name.clone(), chain_id: c.chain_id, account },
                ),
                Ok((account, wei)) => report.ok(format!("{name} poster funds"), format!("{account} holds {wei} wei")),
                Err(detail) => report.fail(
                    format!("{name} poster funds"),
                    CheckError::EvmUnreachable { chain: name.clone(), url: c.rpc.clone(), detail },
                ),
            }
        }
    }
}

/// Each CosmWasm chain's node serves the configured chain id and its router is a mesh-router-cw
/// instantiated for this hub and bundle-log (its signatures' EIP-712 domain): a router of another
/// deployment would never accept this hub's batches. (The registry check is the daemon's start-up
/// lookup, `chains::registered_cosmwasm`.)
async fn check_cosmwasm_chains(cfg: &Config, report: &mut Report) {
    for c in &cfg.cosmwasm {
        let name = &c.name;
        let unreachable =
            |detail: String| CheckError::CwUnreachable { chain: name.clone(), url: c.rpc.clone(), detail };
        let mut cc = mesh_cosmos::CosmosClientConfig::devnet(&c.rpc, &c.chain_id);
        cc.fee_denom = c.fee_denom.clone();
        let client = match CosmosClient::new(cc) {
            Ok(client) => client,
            Err(e) => {
                report.fail(format!("{name} rpc"), unreachable(e.to_string()));
                continue;
            }
        };
        match probe(client.node_status()).await {
            Err(detail) => {
                report.fail(format!("{name} rpc"), unreachable(detail));
                continue;
            }
            Ok(status) if status.network != c.chain_id => {
                report.fail(
                    format!("{name} chain id"),
                    CheckError::CwChainId {
                        chain: name.clone(),
                        configured: c.chain_id.clone(),
                        actual: status.network,
                        url: c.rpc.clone(),
                    },
                );
                continue;
            }
            Ok(_) => report.ok(format!("{name} chain id"), format!("{} ({})", c.chain_id, c.rpc)),
        }
        let router = |detail: String| CheckError::CwRouter { chain: name.clone(), address: c.router.clone(), detail };
        match probe(client.query_smart::<mesh_hub_api::router_cw::ConfigResponse>(
            &c.router,
            &mesh_hub_api::router_cw::QueryMsg::Config {},
        ))
        .await
        {
            Err(detail) => report.fail(format!("{name} router"), router(detail)),
            Ok(r) if r.hub_chain_id != cfg.hub.chain_id || r.deployment != cfg.hub.bundle_log => report.fail(
                format!("{name} router"),
                router(format!(
                    "it was instantiated for hub {} / bundle-log {}, not {} / {}",
                    r.hub_chain_id, r.deployment, cfg.hub.chain_id, cfg.hub.bundle_log
                )),
            ),
            Ok(r) => report
                .ok(format!("{name} router"), format!("{} (domain {}, epoch {})", c.router, r.domain, r.current_epoch)),
        }
    }
}

/// The chain is in the hub's registry and `router` is the registered one (legs on the chain name
/// the registered router; this relayer would watch and settle another contract).
async fn check_registry(cfg: &Config, c: &crate::config::ChainSection, client: &CosmosClient, report: &mut Report) {
    let vm = bundle_log::ChainVm::Evm { chain_id: c.chain_id };
    let name = format!("{} registry", c.name);
    match probe(
        client.query_smart::<bundle_log::ChainInfo>(&cfg.hub.bundle_log, &bundle_log::QueryMsg::ChainByVm { vm }),
    )
    .await
    {
        Err(detail) => {
            report.fail(name, CheckError::NotRegistered { chain: c.name.clone(), chain_id: c.chain_id, detail })
        }
        Ok(info) => {
            let configured = EvmAddress::parse(&c.router).expect("validated config");
            if info.router != mesh_protocol::AccountId::from_evm(configured.0) {
                report.fail(
                    name,
                    CheckError::RouterMismatch {
                        chain: c.name.clone(),
                        configured: c.router.clone(),
                        registered: info.router.to_evm().map_or_else(|| info.router.to_string(), |a| format!("{a:#x}")),
                        domain: info.domain,
                    },
                );
            } else {
                report.ok(name, format!("domain {} ({})", info.domain, info.name));
            }
        }
    }
}
