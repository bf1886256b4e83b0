//! `mesh hub deploy`: stores the three hub contracts, instantiates them with a profile's
//! parameters, wires them (the dispute contract into the stake-escrow and the bundle-log),
//! registers chains on the bundle-log and makes the first signer set. The devnet deploys with
//! this same code.
//!
//! Every step first asks the hub whether it is already done, so a second run — after a crash, a
//! timeout, or to register chains added since — sends only what is missing:
//! - a code whose checksum equals the artifact's is reused, whoever stored it (so code stored by
//!   a governance proposal on a permissioned network is found, not uploaded again);
//! - a contract this deployer instantiated from that code under the contract's label is reused
//!   (its parameters must be the profile's, or the run stops);
//! - wiring, chains and the signer set are read from the contracts' own queries.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cosmrs::proto::cosmos::base::query::v1beta1::{PageRequest, PageResponse};
use cosmrs::proto::cosmwasm::wasm::v1::{
    QueryCodesRequest, QueryCodesResponse, QueryContractInfoRequest, QueryContractInfoResponse,
    QueryContractsByCreatorRequest, QueryContractsByCreatorResponse,
};
use cosmrs::rpc::Client;
use cosmwasm_std::Uint128;
use mesh_cosmos::{CosmosClient, CosmosClientConfig, CosmosError, CosmosSigner};
use mesh_hub_api::{bundle_log, dispute, light_client, stake_escrow};
use prost::Message;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::profile::{CosmWasmChain, Profile};

/// One hub contract: its name (in manifests and network files), artifact file and label.
#[derive(Clone, Copy, Debug)]
pub struct HubContract {
    pub name: &'static str,
    pub file: &'static str,
    pub label: &'static str,
}

/// The four hub contracts, in deployment order.
pub const HUB_CONTRACTS: [HubContract; 4] = [
    HubContract { name: "stake_escrow", file: "stake_escrow.wasm", label: "atomic-mesh stake-escrow" },
    HubContract { name: "bundle_log", file: "bundle_log.wasm", label: "atomic-mesh bundle-log" },
    HubContract { name: "dispute", file: "dispute.wasm", label: "atomic-mesh dispute" },
    HubContract { name: "light_client", file: "light_client.wasm", label: "atomic-mesh light-client" },
];

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("{path}: {detail} (build the artifacts with scripts/build-wasm.sh)")]
    Artifact { path: String, detail: String },
    #[error(
        "{path} has checksum {actual} but {checksums} says {expected}: refusing to deploy a wasm that is not the \
         one the checksums name (rebuild with scripts/build-wasm.sh, or check where the file came from)"
    )]
    ChecksumMismatch { path: String, checksums: String, expected: String, actual: String },
    #[error(
        "the hub does not let this deployer upload code (its genesis `code_upload` is permissioned): store {file} \
         (sha256 {checksum}) by a governance store-code proposal first — hub-config/README.md, step 5 — and run \
         `mesh hub deploy` again; it finds the stored code by its checksum"
    )]
    UploadNotAllowed { file: String, checksum: String },
    #[error("the node at {rpc} serves chain {node:?} but the profile's hub.chain_id is {profile:?}")]
    WrongChain { rpc: String, node: String, profile: String },
    #[error("{step}: {source}")]
    Hub {
        step: String,
        #[source]
        source: CosmosError,
    },
    #[error("{step}: {detail}")]
    Unexpected { step: String, detail: String },
    #[error(
        "{contract} {address}, instantiated earlier by this deployer, differs from the profile: {differences}. \
         Deploy the profile's parameters with another deployer key, or fix the profile"
    )]
    Differs { contract: &'static str, address: String, differences: String },
    #[error("{contract} {address} is wired to {wired}, not {expected}")]
    WiredElsewhere { contract: &'static str, address: String, wired: String, expected: String },
    #[error(
        "chain domain {domain} is registered as {registered} but should be {wanted}: change it with the bundle-log's \
         UpdateChain as its admin if that is intended"
    )]
    ChainDiffers { domain: u64, registered: String, wanted: String },
    #[error(
        "governance proposal {id} to pin codes {codes:?} ended {status}{}: nothing was pinned",
        if reason.is_empty() { String::new() } else { format!(" ({reason})") }
    )]
    ProposalNotPassed { id: u64, codes: Vec<u64>, status: String, reason: String },
    #[error(
        "governance proposal {id} to pin codes {codes:?} is still {status} after {waited_secs} s (its voting period \
         is the genesis's gov.params.voting_period; query it with `injectived query gov proposal {id}`)"
    )]
    ProposalPending { id: u64, codes: Vec<u64>, status: String, waited_secs: u64 },
    #[error("code(s) {codes:?} are not stored on the hub: no proposal to pin them was submitted")]
    UnknownCodes { codes: Vec<u64> },
    #[error("governance proposal {id} passed but the hub does not list code(s) {missing:?} as pinned")]
    NotPinned { id: u64, missing: Vec<u64> },
}

pub(crate) fn hub_err(step: impl Into<String>) -> impl FnOnce(CosmosError) -> DeployError {
    let step = step.into();
    move |source| DeployError::Hub { step, source }
}

/// The optimised wasm of the three contracts, each checked against `checksums.txt`.
pub struct Artifacts {
    pub dir: PathBuf,
    wasm: BTreeMap<&'static str, (Vec<u8>, [u8; 32])>,
}

impl Artifacts {
    /// Reads `dir/<contract>.wasm` and refuses any whose sha256 is not the one `dir/checksums.txt`
    /// names (the file `scripts/build-wasm.sh` writes: `<hex>  <file>` per line).
    pub fn load(dir: &Path) -> Result<Artifacts, DeployError> {
        let mut wasm = BTreeMap::new();
        for c in HUB_CONTRACTS {
            wasm.insert(c.name, checked_wasm(dir, c.file)?);
        }
        Ok(Artifacts { dir: dir.to_path_buf(), wasm })
    }

    /// A contract's wasm and its sha256.
    pub fn get(&self, name: &str) -> (&[u8], [u8; 32]) {
        let (w, s) = &self.wasm[name];
        (w, *s)
    }
}

/// `dir/file` and its sha256, refused unless `dir/checksums.txt` names that checksum for it.
pub fn checked_wasm(dir: &Path, file: &str) -> Result<(Vec<u8>, [u8; 32]), DeployError> {
    let sums_path = dir.join("checksums.txt");
    let art = |path: &Path, detail: String| DeployError::Artifact { path: path.display().to_string(), detail };
    let sums = std::fs::read_to_string(&sums_path).map_err(|e| art(&sums_path, e.to_string()))?;
    let want = sums
        .lines()
        .filter_map(|l| l.split_once(char::is_whitespace).map(|(h, f)| (f.trim().trim_start_matches('*'), h)))
        .find(|(f, _)| *f == file)
        .map(|(_, h)| h)
        .ok_or_else(|| art(&sums_path, format!("no checksum for {file}")))?;
    let path = dir.join(file);
    let bytes = std::fs::read(&path).map_err(|e| art(&path, e.to_string()))?;
    let sum: [u8; 32] = Sha256::digest(&bytes).into();
    if !hex::encode(sum).eq_ignore_ascii_case(want) {
        return Err(DeployError::ChecksumMismatch {
            path: path.display().to_string(),
            checksums: sums_path.display().to_string(),
            expected: want.to_string(),
            actual: hex::encode(sum),
        });
    }
    Ok((bytes, sum))
}

/// What is deployed: code ids and addresses by contract name (`stake_escrow`, `bundle_log`,
/// `dispute`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub code_ids: BTreeMap<String, u64>,
    pub contracts: BTreeMap<String, String>,
}

impl Deployment {
    pub fn stake_escrow(&self) -> &str {
        &self.contracts["stake_escrow"]
    }
    pub fn bundle_log(&self) -> &str {
        &self.contracts["bundle_log"]
    }
    pub fn dispute(&self) -> &str {
        &self.contracts["dispute"]
    }
    pub fn light_client(&self) -> &str {
        &self.contracts["light_client"]
    }
}

/// Progress of a run: each step says what it did or found, and counts the transactions sent.
pub struct Progress<'a> {
    /// Transactions sent so far (0 after a run that found everything done).
    pub sent: usize,
    say: Box<dyn FnMut(&str) + Send + 'a>,
}

impl<'a> Progress<'a> {
    pub fn new(say: impl FnMut(&str) + Send + 'a) -> Progress<'a> {
        Progress { sent: 0, say: Box::new(say) }
    }

    /// Progress that prints nothing.
    pub fn quiet() -> Progress<'static> {
        Progress::new(|_| {})
    }

    pub(crate) fn say(&mut self, line: &str) {
        (self.say)(line)
    }
}

/// A hub client for a deployment: fees in the profile's denom at `gas_price` base units per gas.
pub fn client(rpc: &str, profile: &Profile, gas_price: u128) -> Result<CosmosClient, DeployError> {
    let mut cfg = CosmosClientConfig::devnet(rpc, &profile.hub.chain_id);
    cfg.fee_denom = profile.hub.denom.clone();
    cfg.gas_price = gas_price;
    CosmosClient::new(cfg).map_err(hub_err(format!("hub client for {rpc}")))
}

/// The node serves the profile's chain (signatures bind the chain id: a wrong node must not
/// receive the deployment).
pub async fn check_chain(hub: &CosmosClient, profile: &Profile) -> Result<(), DeployError> {
    let rpc = hub.config().rpc_url.clone();
    let status = hub.rpc().status().await.map_err(|e| DeployError::Hub {
        step: format!("reach the hub node at {rpc}"),
        source: CosmosError::Rpc { url: rpc.clone(), detail: mesh_cosmos::rpc_detail(&e) },
    })?;
    let node = status.node_info.network.to_string();
    if node != profile.hub.chain_id {
        return Err(DeployError::WrongChain { rpc, node, profile: profile.hub.chain_id.clone() });
    }
    Ok(())
}

pub(crate) async fn abci<Req: Message, Resp: Message + Default>(
    hub: &CosmosClient,
    path: &str,
    req: Req,
) -> Result<Resp, DeployError> {
    let url = hub.config().rpc_url.clone();
    let resp = hub.rpc().abci_query(Some(path.to_string()), req.encode_to_vec(), None, false).await.map_err(|e| {
        DeployError::Hub {
            step: format!("query {path}"),
            source: CosmosError::Rpc { url, detail: mesh_cosmos::rpc_detail(&e) },
        }
    })?;
    if resp.code.is_err() {
        return Err(DeployError::Hub {
            step: format!("query {path}"),
            source: CosmosError::Query { path: path.into(), code: resp.code.value(), log: resp.log },
        });
    }
    Resp::decode(resp.value.as_slice())
        .map_err(|e| DeployError::Unexpected { step: format!("decode {path}"), detail: e.to_string() })
}

fn page(key: Vec<u8>) -> Option<PageRequest> {
    Some(PageRequest { key, offset: 0, limit: 100, count_total: false, reverse: false })
}

/// Every item a paginated query answers, page after page until the node gives no next key:
/// `request` makes the request for a page, `items` takes a page's items and its pagination.
pub(crate) async fn all_pages<Req: Message, Resp: Message + Default, T>(
    hub: &CosmosClient,
    path: &str,
    request: impl Fn(Option<PageRequest>) -> Req,
    items: impl Fn(Resp) -> (Vec<T>, Option<PageResponse>),
) -> Result<Vec<T>, DeployError> {
    let (mut key, mut all) = (Vec::new(), Vec::new());
    loop {
        let (page_items, pagination) = items(abci(hub, path, request(page(key))).await?);
        all.extend(page_items);
        match pagination.map(|p| p.next_key).filter(|k| !k.is_empty()) {
            Some(next) => key = next,
            None => return Ok(all),
        }
    }
}

/// The codes stored on the hub (id and checksum), read once, ascending by id.
pub struct StoredCodes(Vec<(u64, Vec<u8>)>);

impl StoredCodes {
    pub async fn read(hub: &CosmosClient) -> Result<Self, DeployError> {
        let codes = all_pages(
            hub,
            "/cosmwasm.wasm.v1.Query/Codes",
            |pagination| QueryCodesRequest { pagination },
            |r: QueryCodesResponse| {
                (r.code_infos.into_iter().map(|c| (c.code_id, c.data_hash)).collect(), r.pagination)
            },
        )
        .await?;
        Ok(StoredCodes(codes))
    }
    /// The lowest code id whose checksum is `checksum`, stored by anyone.
    pub fn find(&self, checksum: [u8; 32]) -> Option<u64> {
        self.0.iter().filter(|(_, sum)| sum.as_slice() == checksum).map(|(id, _)| *id).min()
    }
    pub fn ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.0.iter().map(|(id, _)| *id)
    }
}

/// The lowest code id whose checksum is `checksum`, stored by anyone (reads the code list; to
/// look up several, read [`StoredCodes`] once).
pub async fn find_code(hub: &CosmosClient, checksum: [u8; 32]) -> Result<Option<u64>, DeployError> {
    Ok(StoredCodes::read(hub).await?.find(checksum))
}

/// Contracts `creator` instantiated from `code_id` under `label`, oldest first.
async fn find_contracts(
    hub: &CosmosClient,
    creator: &str,
    code_id: u64,
    label: &str,
) -> Result<Vec<String>, DeployError> {
    let created = all_pages(
        hub,
        "/cosmwasm.wasm.v1.Query/ContractsByCreator",
        |pagination| QueryContractsByCreatorRequest { creator_address: creator.into(), pagination },
        |r: QueryContractsByCreatorResponse| (r.contract_addresses, r.pagination),
    )
    .await?;
    let mut found = Vec::new();
    for address in created {
        let info: QueryContractInfoResponse =
            abci(hub, "/cosmwasm.wasm.v1.Query/ContractInfo", QueryContractInfoRequest { address: address.clone() })
                .await?;
        if info.contract_info.is_some_and(|i| i.code_id == code_id && i.label == label) {
            found.push(address);
        }
    }
    Ok(found)
}

/// The stake-escrow's instantiate message for `profile`.
pub fn stake_escrow_msg(profile: &Profile) -> stake_escrow::InstantiateMsg {
    let p = &profile.contracts;
    stake_escrow::InstantiateMsg {
        admin: None,
        hub_chain_id: Some(profile.hub.chain_id.clone()),
        bond_denom: profile.hub.denom.clone(),
        min_bond: Uint128::new(units(&p.min_bond)),
        unbonding_period: p.unbonding_period.as_secs(),
        dispute_window: p.dispute_window.as_secs(),
        delivery_margin: p.delivery_margin.as_secs(),
        slash_bps: p.slash_bps,
        bounty_bps: p.bounty_bps,
        community_pool: None,
        rotation_delay: p.rotation_delay.as_secs(),
        signer_set_lifetime: Some(p.signer_set_lifetime.as_secs()),
        renewal_window: None,
        max_signer_weight_bps: None,
        dispute: None,
    }
}

/// The bundle-log's instantiate message for `profile` (no chains: they are added with `AddChain`
/// once their Routers exist).
pub fn bundle_log_msg(profile: &Profile, stake_escrow: &str) -> bundle_log::InstantiateMsg {
    let p = &profile.contracts;
    let deposit = units(&p.registration_deposit);
    bundle_log::InstantiateMsg {
        admin: None,
        hub_chain_id: Some(profile.hub.chain_id.clone()),
        stake_escrow: stake_escrow.into(),
        dispute: None,
        dispute_window: p.dispute_window.as_secs(),
        delivery_margin: p.delivery_margin.as_secs(),
        max_batch_size: p.max_batch_size,
        batch_max_age: p.batch_max_age.as_secs(),
        max_reports_per_msg: p.max_reports_per_msg,
        max_horizon: p.max_horizon.as_secs(),
        chains: vec![],
        rereport_grace: Some(p.rereport_grace().as_secs()),
        registration_deposit: (deposit > 0).then(|| cosmwasm_std::Coin {
            denom: profile.hub.denom.clone(),
            amount: cosmwasm_std::Uint256::from(deposit),
        }),
        retention: None,
    }
}

fn units(v: &str) -> u128 {
    v.parse().expect("validated by the profile")
}

/// Differences between a found contract's config and what the profile would instantiate.
fn diff(pairs: &[(&str, String, String)]) -> Option<String> {
    let d: Vec<String> =
        pairs.iter().filter(|(_, a, b)| a != b).map(|(k, has, want)| format!("{k} is {has}, profile {want}")).collect();
    (!d.is_empty()).then(|| d.join("; "))
}

/// Whether a found stake-escrow is the profile's (a different one stops the run).
async fn check_escrow(hub: &CosmosClient, address: &str, profile: &Profile) -> Result<bool, DeployError> {
    let c: stake_escrow::ConfigResponse = hub
        .query_smart(address, &stake_escrow::QueryMsg::Config {})
        .await
        .map_err(hub_err(format!("read stake-escrow {address}")))?;
    let w = stake_escrow_msg(profile);
    let pairs = [
        ("bond_denom", c.bond_denom, w.bond_denom),
        ("min_bond", c.min_bond.to_string(), w.min_bond.to_string()),
        ("unbonding_period", c.unbonding_period.to_string(), w.unbonding_period.to_string()),
        ("dispute_window", c.dispute_window.to_string(), w.dispute_window.to_string()),
        ("delivery_margin", c.delivery_margin.to_string(), w.delivery_margin.to_string()),
        ("slash_bps", c.slash_bps.to_string(), w.slash_bps.to_string()),
        ("bounty_bps", c.bounty_bps.to_string(), w.bounty_bps.to_string()),
        ("rotation_delay", c.rotation_delay.to_string(), w.rotation_delay.to_string()),
        ("signer_set_lifetime", c.signer_set_lifetime.to_string(), format!("{}", w.signer_set_lifetime.unwrap_or(0))),
    ];
    match diff(&pairs) {
        Some(differences) => {
            Err(DeployError::Differs { contract: "stake-escrow", address: address.into(), differences })
        }
        None => Ok(true),
    }
}

/// Whether a found bundle-log belongs to `escrow`'s deployment (false: an older deployment's); one
/// that does but with other parameters stops the run.
async fn check_bundle_log(
    hub: &CosmosClient,
    address: &str,
    profile: &Profile,
    escrow: &str,
) -> Result<bool, DeployError> {
    let c: bundle_log::ConfigResponse = hub
        .query_smart(address, &bundle_log::QueryMsg::Config {})
        .await
        .map_err(hub_err(format!("read bundle-log {address}")))?;
    if c.stake_escrow.as_str() != escrow {
        return Ok(false);
    }
    let w = bundle_log_msg(profile, escrow);
    let pairs = [
        ("dispute_window", c.dispute_window.to_string(), w.dispute_window.to_string()),
        ("delivery_margin", c.delivery_margin.to_string(), w.delivery_margin.to_string()),
        ("max_batch_size", c.max_batch_size.to_string(), w.max_batch_size.to_string()),
        ("batch_max_age", c.batch_max_age.to_string(), w.batch_max_age.to_string()),
        ("max_reports_per_msg", c.max_reports_per_msg.to_string(), w.max_reports_per_msg.to_string()),
        ("max_horizon", c.max_horizon.to_string(), w.max_horizon.to_string()),
        ("rereport_grace", c.rereport_grace.to_string(), format!("{}", w.rereport_grace.unwrap_or(0))),
        (
            "registration_deposit",
            c.registration_deposit.map(|d| d.to_string()).unwrap_or_default(),
            w.registration_deposit.map(|d| d.to_string()).unwrap_or_default(),
        ),
    ];
    match diff(&pairs) {
        Some(differences) => Err(DeployError::Differs { contract: "bundle-log", address: address.into(), differences }),
        None => Ok(true),
    }
}

/// Whether a found dispute contract belongs to this bundle-log and stake-escrow.
async fn check_dispute(hub: &CosmosClient, address: &str, log: &str, escrow: &str) -> Result<bool, DeployError> {
    let c: dispute::ConfigResponse = hub
        .query_smart(address, &dispute::QueryMsg::Config {})
        .await
        .map_err(hub_err(format!("read dispute {address}")))?;
    Ok(c.bundle_log.as_str() == log && c.stake_escrow.as_str() == escrow)
}

/// Stores, instantiates and wires the three contracts (each step skipped when the hub shows it
/// done). The deployer is the contracts' admin and their wasm admin (for migrations).
pub async fn deploy_contracts(
    hub: &CosmosClient,
    deployer: &CosmosSigner,
    profile: &Profile,
    artifacts: &Artifacts,
    progress: &mut Progress<'_>,
) -> Result<Deployment, DeployError> {
    let mut d = Deployment::default();
    let stored = StoredCodes::read(hub).await?;
    for c in HUB_CONTRACTS {
        let (wasm, sum) = artifacts.get(c.name);
        let id = match stored.find(sum) {
            Some(id) => {
                progress.say(&format!(
                    "{}: code {id} already holds it (sha256 {}), not stored again",
                    c.file,
                    short(sum)
                ));
                id
            }
            None => {
                let (id, out) = hub.store_code(deployer, wasm.to_vec()).await.map_err(|e| {
                    if e.contract_log().is_some_and(|l| l.contains("can not create code: unauthorized")) {
                        DeployError::UploadNotAllowed { file: c.file.into(), checksum: hex::encode(sum) }
                    } else {
                        DeployError::Hub { step: format!("store {}", c.file), source: e }
                    }
                })?;
                progress.sent += 1;
                progress.say(&format!("{}: stored as code {id} (tx {})", c.file, out.hash));
                id
            }
        };
        d.code_ids.insert(c.name.into(), id);
    }

    let creator = deployer.address().to_string();
    let admin = Some(deployer.address().clone());
    for c in HUB_CONTRACTS {
        let code_id = d.code_ids[c.name];
        let existing = find_contracts(hub, &creator, code_id, c.label).await?;
        // A found contract must be this deployment's: same parameters, pointing at the contracts
        // found or made before it.
        let mut reused = None;
        for address in existing {
            let ours = match c.name {
                "stake_escrow" => check_escrow(hub, &address, profile).await?,
                "bundle_log" => check_bundle_log(hub, &address, profile, d.stake_escrow()).await?,
                "dispute" => check_dispute(hub, &address, d.bundle_log(), d.stake_escrow()).await?,
                _ => check_light_client(hub, &address, deployer.address().as_ref()).await?,
            };
            if ours {
                reused = Some(address);
                break;
            }
        }
        let address = match reused {
            Some(a) => {
                progress.say(&format!("{}: already instantiated at {a}", c.label));
                a
            }
            None => {
                let result = match c.name {
                    "stake_escrow" => {
                        hub.instantiate(deployer, code_id, &stake_escrow_msg(profile), c.label, admin.clone(), vec![])
                            .await
                    }
                    "bundle_log" => {
                        let msg = bundle_log_msg(profile, d.stake_escrow());
                        hub.instantiate(deployer, code_id, &msg, c.label, admin.clone(), vec![]).await
                    }
                    "light_client" => {
                        let msg = light_client::InstantiateMsg { admin: None };
                        hub.instantiate(deployer, code_id, &msg, c.label, admin.clone(), vec![]).await
                    }
                    _ => {
                        let msg = dispute::InstantiateMsg {
                            bundle_log: d.bundle_log().into(),
                            stake_escrow: d.stake_escrow().into(),
                            max_proof_nodes: None,
                            max_evidence_bytes: None,
                        };
                        hub.instantiate(deployer, code_id, &msg, c.label, admin.clone(), vec![]).await
                    }
                };
                let (a, out) = result.map_err(hub_err(format!("instantiate {} (code {code_id})", c.label)))?;
                progress.sent += 1;
                progress.say(&format!("{}: instantiated at {a} (tx {})", c.label, out.hash));
                a
            }
        };
        d.contracts.insert(c.name.into(), address);
    }

    wire(hub, deployer, &d, progress).await?;
    Ok(d)
}

/// Whether a found light client is administered by this deployer (it creates the clients).
async fn check_light_client(hub: &CosmosClient, address: &str, deployer: &str) -> Result<bool, DeployError> {
    let c: light_client::ConfigResponse = hub
        .query_smart(address, &light_client::QueryMsg::Config {})
        .await
        .map_err(hub_err(format!("read light-client {address}")))?;
    Ok(c.admin.as_str() == deployer)
}

/// `SetDispute` on the stake-escrow and the bundle-log and `SetLightClient` on the bundle-log,
/// where not done yet (one tx for all).
async fn wire(
    hub: &CosmosClient,
    deployer: &CosmosSigner,
    d: &Deployment,
    progress: &mut Progress<'_>,
) -> Result<(), DeployError> {
    let escrow: stake_escrow::ConfigResponse = hub
        .query_smart(d.stake_escrow(), &stake_escrow::QueryMsg::Config {})
        .await
        .map_err(hub_err("read the stake-escrow's config"))?;
    let log: bundle_log::ConfigResponse = hub
        .query_smart(d.bundle_log(), &bundle_log::QueryMsg::Config {})
        .await
        .map_err(hub_err("read the bundle-log's config"))?;
    let mut msgs = Vec::new();
    for (contract, address, wired) in
        [("stake-escrow", d.stake_escrow(), escrow.dispute), ("bundle-log", d.bundle_log(), log.dispute)]
    {
        match wired {
            Some(w) if w.as_str() == d.dispute() => {}
            Some(w) => {
                return Err(DeployError::WiredElsewhere {
                    contract,
                    address: address.into(),
                    wired: format!("dispute contract {w}"),
                    expected: d.dispute().into(),
                })
            }
            None => {
                let msg = if contract == "stake-escrow" {
                    hub.execute_msg(
                        deployer,
                        address,
                        &stake_escrow::ExecuteMsg::SetDispute { dispute: d.dispute().into() },
                        vec![],
                    )
                } else {
                    hub.execute_msg(
                        deployer,
                        address,
                        &bundle_log::ExecuteMsg::SetDispute { dispute: d.dispute().into() },
                        vec![],
                    )
                };
                msgs.push(msg.map_err(hub_err("encode SetDispute"))?);
            }
        }
    }
    match log.light_client {
        Some(w) if w.as_str() == d.light_client() => {}
        // set once: a bundle-log verifying against another light client is another deployment
        Some(w) => {
            return Err(DeployError::WiredElsewhere {
                contract: "bundle-log",
                address: d.bundle_log().into(),
                wired: format!("light client {w}"),
                expected: d.light_client().into(),
            })
        }
        None => msgs.push(
            hub.execute_msg(
                deployer,
                d.bundle_log(),
                &bundle_log::ExecuteMsg::SetLightClient { light_client: d.light_client().into() },
                vec![],
            )
            .map_err(hub_err("encode SetLightClient"))?,
        ),
    }
    if msgs.is_empty() {
        progress.say("wiring: the stake-escrow and the bundle-log already know the dispute and light-client contracts");
        return Ok(());
    }
    let n = msgs.len();
    let out = hub.send(deployer, msgs, "wire the hub contracts").await.map_err(hub_err("wire the hub contracts"))?;
    progress.sent += 1;
    progress.say(&format!("wiring: {n} SetDispute / SetLightClient sent (tx {})", out.hash));
    Ok(())
}

/// Registers `chains` on the bundle-log (`AddChain`, one tx for all that are missing). A chain
/// already registered with the same entry is skipped; one registered differently stops the run
/// (changing a Router is an admin decision, `UpdateChain`, never a side effect of a deploy).
pub async fn register_chains(
    hub: &CosmosClient,
    deployer: &CosmosSigner,
    bundle_log_addr: &str,
    chains: &[bundle_log::ChainInfo],
    progress: &mut Progress<'_>,
) -> Result<usize, DeployError> {
    let registered = registered_chains(hub, bundle_log_addr).await?;
    let mut msgs = Vec::new();
    let mut names = Vec::new();
    for c in chains {
        match registered.iter().find(|r| r.domain == c.domain) {
            Some(r) if r == c => progress.say(&format!("chain {} (domain {}): already registered", c.name, c.domain)),
            Some(r) => {
                return Err(DeployError::ChainDiffers {
                    domain: c.domain,
                    registered: describe(r),
                    wanted: describe(c),
                })
            }
            None => {
                let msg = bundle_log::ExecuteMsg::add_chain(c.clone());
                msgs.push(
                    hub.execute_msg(deployer, bundle_log_addr, &msg, vec![]).map_err(hub_err("encode AddChain"))?,
                );
                names.push(format!("{} (domain {}, {})", c.name, c.domain, describe(c)));
            }
        }
    }
    if msgs.is_empty() {
        return Ok(0);
    }
    let n = msgs.len();
    let out = hub.send(deployer, msgs, "register chains").await.map_err(hub_err("register chains"))?;
    progress.sent += 1;
    progress.say(&format!("registered {} (tx {})", names.join(", "), out.hash));
    Ok(n)
}

fn describe(c: &bundle_log::ChainInfo) -> String {
    format!("{} {}, router {}, {} confirmations", c.name, c.vm, c.router, c.confirmations)
}

/// The bundle-log's chain registry.
pub async fn registered_chains(
    hub: &CosmosClient,
    bundle_log_addr: &str,
) -> Result<Vec<bundle_log::ChainInfo>, DeployError> {
    let mut all: Vec<bundle_log::ChainInfo> = Vec::new();
    loop {
        let page: bundle_log::ChainsResponse = hub
            .query_smart(
                bundle_log_addr,
                &bundle_log::QueryMsg::Chains { start_after: all.last().map(|c| c.domain), limit: Some(30) },
            )
            .await
            .map_err(hub_err("read the chain registry"))?;
        let done = page.chains.is_empty();
        all.extend(page.chains);
        if done {
            return Ok(all);
        }
    }
}

/// The hub's light client of `chain`, if one exists.
pub async fn light_client_of(
    hub: &CosmosClient,
    light_client_addr: &str,
    chain_id: &str,
) -> Result<Option<light_client::ClientResponse>, DeployError> {
    match hub
        .query_smart::<light_client::ClientResponse>(
            light_client_addr,
            &light_client::QueryMsg::Client { chain_id: chain_id.into() },
        )
        .await
    {
        Ok(c) => Ok(Some(c)),
        Err(e) if e.to_string().contains(&format!("no client for chain {chain_id}")) => Ok(None),
        Err(e) => Err(DeployError::Hub { step: format!("read the light client of {chain_id}"), source: e }),
    }
}

/// The `CreateClient` of `chain` (its profile entry) from a header the deployer trusts.
pub fn create_client_msg(chain: &CosmWasmChain, header: light_client::LightHeader) -> light_client::ExecuteMsg {
    light_client::ExecuteMsg::CreateClient {
        chain_id: chain.chain_id.clone(),
        header,
        trust_level: None,
        trusting_period: chain.trusting_period.as_secs(),
        unbonding_period: chain.unbonding_period.as_secs(),
        max_clock_drift: chain.max_clock_drift.as_secs(),
        max_consensus_states: None,
    }
}

/// Creates the hub's light client of `chain` from `header` (a header of the chain the deployer
/// trusts: whoever picks it picks the validator set every later proof rests on) unless one
/// exists; returns the client's latest height.
pub async fn create_client(
    hub: &CosmosClient,
    deployer: &CosmosSigner,
    light_client_addr: &str,
    chain: &CosmWasmChain,
    header: light_client::LightHeader,
    progress: &mut Progress<'_>,
) -> Result<u64, DeployError> {
    if let Some(c) = light_client_of(hub, light_client_addr, &chain.chain_id).await? {
        progress.say(&format!("light client of {}: exists at height {}", chain.chain_id, c.latest_height));
        return Ok(c.latest_height);
    }
    let out = hub
        .execute(deployer, light_client_addr, &create_client_msg(chain, header), vec![])
        .await
        .map_err(hub_err(format!("create the light client of {}", chain.chain_id)))?;
    progress.sent += 1;
    let c = light_client_of(hub, light_client_addr, &chain.chain_id).await?.ok_or(DeployError::Unexpected {
        step: format!("create the light client of {}", chain.chain_id),
        detail: "no client after CreateClient".into(),
    })?;
    progress.say(&format!(
        "light client of {}: created at height {} (tx {}, {} gas)",
        chain.chain_id, c.latest_height, out.hash, out.gas_used
    ));
    Ok(c.latest_height)
}

/// What [`first_rotation`] found or did.
#[derive(Clone, Debug)]
pub enum Rotation {
    /// A signer set already exists (the first rotation happened before).
    Exists(mesh_protocol::SignerSet),
    /// This call made epoch 1.
    Made(mesh_protocol::SignerSet),
    /// No relayer is bonded yet: nothing to make a set from.
    NoActiveRelayer,
}

/// Makes signer-set epoch 1 (`RotateSigners`) when none exists and a relayer is active. Later
/// rotations are the relayers' signer roles' job.
pub async fn first_rotation(
    hub: &CosmosClient,
    caller: &CosmosSigner,
    escrow: &str,
    progress: &mut Progress<'_>,
) -> Result<Rotation, DeployError> {
    let current: Option<stake_escrow::SignerSetResponse> = hub
        .query_smart(escrow, &stake_escrow::QueryMsg::CurrentSignerSet {})
        .await
        .map_err(hub_err("read the current signer set"))?;
    if let Some(s) = current {
        progress.say(&format!("signer set: epoch {} exists, rotations are the relayers' job", s.set.epoch));
        return Ok(Rotation::Exists(s.set));
    }
    let next: Option<mesh_protocol::SignerSet> = hub
        .query_smart(escrow, &stake_escrow::QueryMsg::NextSignerSet {})
        .await
        .map_err(hub_err("read the next signer set"))?;
    if next.is_none() {
        progress.say(
            "signer set: no relayer is bonded yet; run `mesh hub deploy` again once relayers bonded (or let a \
             relayer's signer role make epoch 1)",
        );
        return Ok(Rotation::NoActiveRelayer);
    }
    let out = hub
        .execute(caller, escrow, &stake_escrow::ExecuteMsg::RotateSigners {}, vec![])
        .await
        .map_err(hub_err("make signer set epoch 1 (RotateSigners)"))?;
    progress.sent += 1;
    let set: Option<stake_escrow::SignerSetResponse> = hub
        .query_smart(escrow, &stake_escrow::QueryMsg::CurrentSignerSet {})
        .await
        .map_err(hub_err("read the signer set"))?;
    let set = set
        .ok_or(DeployError::Unexpected {
            step: "make signer set epoch 1".into(),
            detail: "no set after RotateSigners".into(),
        })?
        .set;
    progress.say(&format!(
        "signer set: epoch {} made, {} signers, threshold {} (tx {})",
        set.epoch,
        set.signers.len(),
        set.threshold,
        out.hash
    ));
    Ok(Rotation::Made(set))
}

fn short(sum: [u8; 32]) -> String {
    hex::encode(&sum[..6])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_artifacts(dir: &Path) {
        let mut sums = String::new();
        for c in HUB_CONTRACTS {
            let body = format!("wasm of {}", c.name);
            std::fs::write(dir.join(c.file), &body).unwrap();
            sums.push_str(&format!("{}  {}\n", hex::encode(Sha256::digest(body.as_bytes())), c.file));
        }
        std::fs::write(dir.join("checksums.txt"), sums).unwrap();
    }

    #[test]
    fn artifacts_whose_checksums_match_load() {
        let dir = tempfile::tempdir().unwrap();
        fake_artifacts(dir.path());
        let a = Artifacts::load(dir.path()).unwrap();
        assert_eq!(a.get("dispute").0, b"wasm of dispute");
    }

    #[test]
    fn a_wasm_whose_checksum_differs_from_checksums_txt_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        fake_artifacts(dir.path());
        std::fs::write(dir.path().join("bundle_log.wasm"), "something else").unwrap();
        let err = Artifacts::load(dir.path()).err().expect("refused").to_string();
        assert!(err.contains("bundle_log.wasm") && err.contains("checksum"), "{err}");
    }

    #[test]
    fn a_wasm_without_a_checksum_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        fake_artifacts(dir.path());
        let sums = std::fs::read_to_string(dir.path().join("checksums.txt")).unwrap();
        let sums: String = sums.lines().filter(|l| !l.contains("dispute")).map(|l| format!("{l}\n")).collect();
        std::fs::write(dir.path().join("checksums.txt"), sums).unwrap();
        let err = Artifacts::load(dir.path()).err().expect("refused").to_string();
        assert!(err.contains("no checksum for dispute.wasm"), "{err}");
    }

    #[test]
    fn the_instantiate_messages_carry_the_profiles_parameters() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../hub-config/devnet.toml")).unwrap();
        let p = Profile::parse(&text, "devnet.toml").unwrap();
        let e = stake_escrow_msg(&p);
        assert_eq!((e.dispute_window, e.unbonding_period, e.signer_set_lifetime), (15, 60, Some(86_400)));
        let l = bundle_log_msg(&p, "inj1escrow");
        assert_eq!((l.rereport_grace, l.stake_escrow.as_str()), (Some(15), "inj1escrow"));
        assert_eq!(l.registration_deposit.unwrap().amount.to_string(), "1000000000000000000");
    }
}
