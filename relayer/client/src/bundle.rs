//! `mesh bundle plan|register|lock|status|deliver|refund` on any network a network file
//! describes (the devnet writes `.devnet/network.toml`). Secrets come in as hex strings.
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use mesh_chain::{Delivery, LegLocker, LegState, SettleItem, SettlementSink};
use mesh_chain_evm::bindings::MeshRouter;
use mesh_chain_evm::delivery::EvmDelivery;
use mesh_chain_evm::locker::{evm_account, wallet_provider, EvmLocker};
use mesh_chain_evm::sender::{FeePolicy, TxSender};
use mesh_hub::{CosmosClient, CosmosClientConfig, CosmosSigner};
use mesh_hub_api::bundle_log::{
    self, BatchResponse, BatchStatus, BundleResponse, BundleStatus, ChainInfo, ChainVm, MerkleProofResponse,
    VerdictReason,
};
use mesh_planner::directory::{ChainEntry, HubTiming};
use mesh_planner::network::{ChainSection, Network, NetworkDirectory};
use mesh_planner::render::{plan_text, utc};
use mesh_planner::spec::{BundleSpec, Plan};
use mesh_protocol::eip712::bundle_id;
use mesh_protocol::{Bundle, Hash32, SettlementBatch, Verdict};

/// A network file and a client of its hub.
pub struct Client {
    pub network: Network,
    pub hub: CosmosClient,
}

impl Client {
    pub fn open(path: &Path) -> anyhow::Result<Client> {
        let network = Network::load(path).with_context(|| hint_devnet(path))?;
        let hub = hub_client(&network)?;
        Ok(Client { network, hub })
    }

    pub(crate) fn log(&self) -> &str {
        &self.network.hub.bundle_log
    }

    /// The planner's directory: the file's names with the hub's timing and registry. A chain of
    /// the file whose Router differs from the registered one is refused; one the hub does not
    /// know is left out (plans naming it are refused as unknown).
    pub async fn directory(&self) -> anyhow::Result<NetworkDirectory> {
        let cfg: bundle_log::ConfigResponse = self
            .hub
            .query_smart(self.log(), &bundle_log::QueryMsg::Config {})
            .await
            .context("reading the hub's config")?;
        if cfg.hub_chain_id != self.network.hub.chain_id {
            bail!(
                "network file: hub.chain_id is {:?} but the bundle-log was deployed for {:?}",
                self.network.hub.chain_id,
                cfg.hub_chain_id
            );
        }
        let timing = HubTiming {
            dispute_window: Duration::from_secs(cfg.dispute_window),
            delivery_margin: Duration::from_secs(cfg.delivery_margin),
            max_horizon: Duration::from_secs(cfg.max_horizon),
        };
        let mut chains = Vec::new();
        for c in &self.network.chains {
            let Some(info) = self.registered(c).await? else {
                eprintln!(
                    "note: chain {} of the network file is not registered on the hub; legs cannot use it",
                    c.name()
                );
                continue;
            };
            if info.router != c.router() {
                bail!(
                    "network file: chain {} names router {} but the hub registered {}",
                    c.name(),
                    c.account_text(&c.router()),
                    c.account_text(&info.router)
                );
            }
            chains.push(ChainEntry {
                name: c.name().to_string(),
                domain: info.domain,
                router: info.router,
                block_time: c.block_time(),
                confirmations: info.confirmations,
            });
        }
        Ok(NetworkDirectory { network: self.network.clone(), timing, chains })
    }

    async fn registered(&self, c: &ChainSection) -> anyhow::Result<Option<ChainInfo>> {
        let vm = match c {
            ChainSection::Evm(e) => ChainVm::Evm { chain_id: e.chain_id },
        };
        match self.hub.query_smart::<ChainInfo>(self.log(), &bundle_log::QueryMsg::ChainByVm { vm }).await {
            Ok(info) => Ok(Some(info)),
            Err(e) if e.to_string().contains("not found") => Ok(None),
            Err(e) => Err(e).context(format!("asking the hub for chain {}", c.name())),
        }
    }

    /// The chain of the network file a domain id belongs to.
    pub(crate) fn chain_of(&self, dir: &NetworkDirectory, domain: u64) -> anyhow::Result<&ChainSection> {
        let entry = dir
            .chains
            .iter()
            .find(|c| c.domain == domain)
            .with_context(|| format!("no chain of the network file is the hub's domain {domain}"))?;
        Ok(self.network.chain(&entry.name).expect("directory chains come from the file"))
    }

    pub(crate) async fn bundle(&self, id: Hash32) -> anyhow::Result<BundleResponse> {
        mesh_hub::bundle::status(&self.hub, self.log(), id).await.with_context(|| format!("bundle {id} on the hub"))
    }
}

fn hint_devnet(path: &Path) -> String {
    if path.starts_with(".devnet") {
        format!("{} (is the devnet up? `mesh devnet up` writes it)", path.display())
    } else {
        path.display().to_string()
    }
}

/// A hub client for the network file's hub.
pub fn hub_client(n: &Network) -> anyhow::Result<CosmosClient> {
    let mut cfg = CosmosClientConfig::devnet(&n.hub.rpc, &n.hub.chain_id);
    cfg.fee_denom = n.hub.denom.clone();
    let price = n.hub.gas_price.trim();
    let digits = price.trim_end_matches(|c: char| !c.is_ascii_digit());
    if !price[digits.len()..].is_empty() && price[digits.len()..] != n.hub.denom {
        bail!("network file: hub.gas_price {price:?} is not in the hub denom {}", n.hub.denom);
    }
    cfg.gas_price = digits.parse().with_context(|| format!("network file: hub.gas_price {price:?}"))?;
    Ok(CosmosClient::new(cfg)?)
}

/// Where the registered bundle of a spec is kept (`lock` and `refund` use exactly it).
fn registered_path(spec: &Path) -> PathBuf {
    spec.with_extension("registered.json")
}

/// The bundle `register` saved for `spec`.
pub fn load_registered(spec: &Path) -> anyhow::Result<Bundle> {
    let path = registered_path(spec);
    let bytes = std::fs::read(&path)
        .with_context(|| format!("{} is missing: register the bundle first (mesh bundle register)", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is not a bundle", path.display()))
}

/// Plans `spec` now — from the chains' live state when it has calls, actions, variables or an
/// objective ([`crate::market::snapshot`] reads exactly what it needs) — and checks what the hub
/// will check at registration beyond the plan's own rules: the creator's nonce is unused.
pub async fn checked_plan(c: &Client, spec: &Path) -> anyhow::Result<(Plan, NetworkDirectory)> {
    let dir = c.directory().await?;
    let s = BundleSpec::load(spec)?;
    let plan = if s.needs_market() {
        let market = crate::market::snapshot(&c.network, &s.market_needs(&dir)).await?;
        s.plan_with(&dir, Some(&market), now())?
    } else {
        s.plan(&dir, now())?
    };
    let used: Result<BundleResponse, _> = c
        .hub
        .query_smart(
            c.log(),
            &bundle_log::QueryMsg::BundleByNonce { creator: plan.bundle.creator.clone(), nonce: s.nonce },
        )
        .await;
    match used {
        Ok(b) => bail!(
            "nonce {} is already used by {} for bundle {} (registered {}): choose another nonce",
            s.nonce,
            s.creator,
            b.bundle_id,
            utc(b.registered_at)
        ),
        Err(e) if e.to_string().contains("not found") => {}
        Err(e) => return Err(e).context("asking the hub whether the nonce is used"),
    }
    Ok((plan, dir))
}

/// `mesh bundle plan`: the plan as text with its execution trace, or as JSON (`json`); the
/// diagram written to `svg` when given.
pub async fn plan(network: &Path, spec: &Path, json: bool, svg: Option<&Path>) -> anyhow::Result<()> {
    let c = Client::open(network)?;
    let (plan, _) = checked_plan(&c, spec).await?;
    if let Some(path) = svg {
        std::fs::write(path, mesh_planner::svg::plan_svg(&plan))
            .with_context(|| format!("writing the diagram to {}", path.display()))?;
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&mesh_planner::trace::plan_json(&plan, true))?);
        return Ok(());
    }
    print!("{}", plan_text(&plan, true));
    print!("{}", mesh_planner::trace::trace_text(&plan));
    let deposit = mesh_hub::bundle::registration_deposit(&c.hub, c.log()).await?;
    if let Some(d) = deposit.first() {
        println!("registration deposit: {} {} (returned on the verdict)", d.amount, d.denom);
    }
    if let Some(path) = svg {
        println!("diagram written to {}", path.display());
    }
    Ok(())
}

/// Registers the planned bundle as its creator (the key must be the creator's); the bundle is
/// saved next to the spec so `lock` and `refund` use exactly what was registered.
pub async fn register(network: &Path, spec: &Path, hub_secret: &str) -> anyhow::Result<()> {
    let c = Client::open(network)?;
    let signer = CosmosSigner::from_hex(hub_secret, &c.network.hub.account_prefix).map_err(anyhow::Error::msg)?;
    let (plan, _) = checked_plan(&c, spec).await?;
    if signer.address().to_string() != plan.bundle.creator {
        bail!(
            "the key is for {} but the spec's creator {} is {}: register with the creator's hub key",
            signer.address(),
            plan.creator_name,
            plan.bundle.creator
        );
    }
    let id = mesh_hub::bundle::register(&c.hub, &signer, c.log(), &plan.bundle).await?;
    let saved = registered_path(spec);
    std::fs::write(&saved, serde_json::to_vec_pretty(&plan.bundle)?)
        .with_context(|| format!("saving the registered bundle to {}", saved.display()))?;
    print!("{}", plan_text(&plan, false));
    println!("registered {id}; bundle saved to {}", saved.display());
    Ok(())
}

/// A refusal a caller may act on.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The leg's depositor is a contract of the network file: only it can lock the leg.
    #[error("leg {leg}'s depositor is the contract {name}: it locks its own legs (ask its operator)")]
    ContractDepositor { leg: usize, name: String },
}

/// How a leg is locked.
pub enum LockWith {
    /// Sign the approve and lock here with the depositor's EVM key (hex).
    Key(String),
    /// Print the two calls for the depositor's own wallet; with `script_only`, only the two
    /// `cast send` commands (signing with the key in `$KEY`).
    PrintCalls { script_only: bool },
}

pub async fn lock(network: &Path, spec: &Path, leg: usize, with: LockWith) -> anyhow::Result<()> {
    let c = Client::open(network)?;
    let dir = c.directory().await?;
    let bundle = load_registered(spec)?;
    let l = bundle.legs.get(leg).with_context(|| format!("the bundle has {} legs, no leg {leg}", bundle.legs.len()))?;
    let chain = c.chain_of(&dir, l.domain)?;
    let ChainSection::Evm(evm) = chain;
    let id = Hash32(bundle_id(&c.network.bundle_domain(), &bundle));
    let depositor = chain.account_text(&l.depositor);
    let named = c.network.name_of(chain.name(), &l.depositor);
    match with {
        LockWith::PrintCalls { script_only } => {
            evm_account(l.router, "router")?;
            let (approve, lock) = crate::run::lock_calls(&bundle, id, leg);
            // a burn leg escrows the Router's wrapped token (its address from the Router)
            let token = match l.kind {
                mesh_protocol::LegKind::Burn { .. } => {
                    let p = crate::market::provider(&c.network, chain.name())?;
                    mesh_chain_evm::locker::escrowed_token(&p, l).await?.to_string()
                }
                _ => chain.account_text(&l.token),
            };
            let router = chain.account_text(&l.router);
            let unit = c.network.token_by_address(chain.name(), &l.token);
            let amount = match &unit {
                Some((sym, d)) => format!(
                    "{} {sym} ({} base units)",
                    mesh_planner::units::format_units(l.amount.0.try_into().unwrap_or(i128::MAX), *d),
                    l.amount.0
                ),
                None => format!("{} base units", l.amount.0),
            };
            let (approve, lock) = (alloy::primitives::hex::encode(approve), alloy::primitives::hex::encode(lock));
            let cast = [
                format!("cast send --rpc-url {} --private-key \"$KEY\" {token} 0x{approve}", evm.rpc),
                format!("cast send --rpc-url {} --private-key \"$KEY\" {router} 0x{lock}", evm.rpc),
            ];
            if script_only {
                println!("# leg {leg} of {id}: approve, then lock, signed by {depositor} (its key in $KEY)");
                println!("set -e");
                for line in cast {
                    println!("{line}");
                }
                return Ok(());
            }
            println!("leg {leg} of {id} on {} (chain id {}): {depositor} locks {amount}", chain.name(), evm.chain_id);
            println!("send these two transactions from {depositor}, in order, before {}:", utc(bundle.lock_deadline));
            println!("1. approve the Router for the leg's amount");
            println!("   to:   {token}");
            println!("   data: 0x{approve}");
            println!("2. lock the leg");
            println!("   to:   {router}");
            println!("   data: 0x{lock}");
            println!("with Foundry's cast (--cast prints just these):");
            for line in cast {
                println!("   {line}");
            }
            Ok(())
        }
        LockWith::Key(secret) => {
            if let Some(name) = named.as_deref().filter(|n| chain.contracts().contains_key(*n)) {
                return Err(ClientError::ContractDepositor { leg, name: name.to_string() }.into());
            }
            let signer: alloy::signers::local::PrivateKeySigner =
                secret.trim_start_matches("0x").parse().context("the EVM key is not a 32-byte hex secret")?;
            let me = chain.account_text(&mesh_protocol::AccountId::from(signer.address()));
            if me != depositor {
                bail!(
                    "the key is for {me} but leg {leg}'s depositor is {depositor}{}: lock with the depositor's key, or --print-calls for its wallet",
                    named.map(|n| format!(" ({n})")).unwrap_or_default()
                );
            }
            let locker = EvmLocker {
                name: chain.name().to_string(),
                domain: l.domain,
                chain_id: evm.chain_id,
                wallet: wallet_provider(&evm.rpc, &secret)?,
            };
            let locked = locker.lock(&bundle, id, leg).await?;
            let who = named.unwrap_or(depositor);
            println!("{who} locked leg {leg} on {} in block {} (tx {})", chain.name(), locked.block, locked.tx);
            Ok(())
        }
    }
}

/// A leg's state in its chain's Router (`IMeshRouter.LegStatus`).
fn router_status(code: u8) -> &'static str {
    match code {
        0 => "not locked",
        1 => "locked",
        2 => "settled: delivered to the recipient",
        3 => "settled: refunded to the depositor (ABORT)",
        4 => "refunded after the settle deadline",
        _ => "unknown state",
    }
}

/// One leg's life: locked on its chain, reported on the hub, final in its chain's Router.
#[derive(serde::Serialize)]
struct LegView {
    index: usize,
    chain: String,
    router_status: &'static str,
    /// Raw `LegStatus` (0 none, 1 locked, 2 committed, 3 aborted, 4 refunded), `None` when the
    /// chain is not in the network file or did not answer.
    router_code: Option<u8>,
    reported_at: Option<u64>,
    block: Option<u64>,
    dispute_window_ends_at: Option<u64>,
}

impl LegView {
    /// Nothing of the leg is escrowed (settled, refunded, or never locked) on a chain that answered.
    fn is_final(&self) -> bool {
        self.router_code.is_some_and(|c| c != mesh_chain_evm::LEG_LOCKED)
    }
}

/// `mesh bundle status --json`: the hub's record, each leg's on-chain state and the batch's.
#[derive(serde::Serialize)]
struct StatusView<'a> {
    bundle: &'a BundleResponse,
    legs: Vec<LegView>,
    batch_attested: Option<bool>,
}

async fn leg_views(c: &Client, dir: &NetworkDirectory, b: &BundleResponse) -> Vec<LegView> {
    let mut out = Vec::with_capacity(b.bundle.legs.len());
    for (i, leg) in b.bundle.legs.iter().enumerate() {
        let chain = c.chain_of(dir, leg.domain).ok();
        let code = match (chain, leg.router.to_evm()) {
            (Some(ChainSection::Evm(e)), Some(router)) => match e.rpc.parse() {
                Ok(url) => {
                    let p = alloy::providers::ProviderBuilder::new().connect_http(url);
                    MeshRouter::new(router, p).legStatus(b.bundle_id.0, i as u32).call().await.ok()
                }
                Err(_) => None,
            },
            _ => None,
        };
        let report = b.reports.get(i).and_then(|r| r.as_ref());
        out.push(LegView {
            index: i,
            chain: chain.map(|c| c.name().to_string()).unwrap_or_else(|| format!("domain {}", leg.domain)),
            router_status: code.map(router_status).unwrap_or("chain not reachable"),
            router_code: code,
            reported_at: report.map(|r| r.reported_at),
            block: report.and_then(|r| r.location.as_evm()).map(|l| l.block_number),
            dispute_window_ends_at: report.map(|r| r.window_ends_at),
        });
    }
    out
}

fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Commit => "COMMIT",
        Verdict::Abort => "ABORT",
    }
}

fn reason_text(r: Option<VerdictReason>) -> &'static str {
    match r {
        Some(VerdictReason::AllLegsLocked) => "every leg locked and its dispute window passed",
        Some(VerdictReason::LegMissing) => "a leg was not locked and reported by the lock deadline",
        Some(VerdictReason::TooLateToCommit) => "every leg was reported, but too late to deliver a COMMIT",
        None => "no reason recorded",
    }
}

fn timeline(b: &BundleResponse, legs: &[LegView], attested: Option<bool>) -> String {
    let reported = b.reports.iter().filter(|r| r.is_some()).count();
    let mut s =
        format!("{}: registered {}, {reported}/{} legs reported", b.bundle_id, utc(b.registered_at), b.reports.len());
    for l in legs {
        s += &format!("\n  leg {} on {}: {}", l.index, l.chain, l.router_status);
        if let (Some(at), Some(block), Some(ends)) = (l.reported_at, l.block, l.dispute_window_ends_at) {
            s += &format!("; reported {} (block {block}), dispute window ends {}", utc(at), utc(ends));
        }
    }
    match (b.status, b.verdict, b.batch_index) {
        (BundleStatus::Decided, Some(v), Some(batch)) => {
            s += &format!(
                "\n  verdict {} ({}) {}, batch {batch}",
                verdict_text(v),
                reason_text(b.reason),
                utc(b.decided_at.unwrap_or_default())
            );
            if let Some(a) = attested {
                s += if a { ", batch attested" } else { ", batch awaiting signatures" };
            }
            let settled = legs.iter().filter(|l| l.is_final()).count();
            s += &format!("\n  final on its chain: {settled}/{} legs", legs.len());
        }
        _ => {
            let next =
                b.next_check.map(|t| format!("next check {}", utc(t))).unwrap_or_else(|| "no check scheduled".into());
            s += &format!("\n  pending; {next}, COMMIT possible before {}", utc(b.commit_cutoff));
        }
    }
    s
}

/// How long `--watch` sees locked legs go unreported before it says relayers may be missing.
const NO_RELAYER_HINT_AFTER: Duration = Duration::from_secs(45);

pub async fn status(network: &Path, id: &str, watch: bool, json: bool) -> anyhow::Result<()> {
    let c = Client::open(network)?;
    let dir = c.directory().await?;
    let id = Hash32::parse(id).map_err(|e| anyhow::anyhow!("bundle id {id:?}: {e}"))?;
    let mut last = String::new();
    let (mut unreported_since, mut hinted) = (None::<Instant>, false);
    loop {
        let b = c.bundle(id).await?;
        let attested = match b.batch_index {
            Some(i) => {
                let batch: BatchResponse =
                    c.hub.query_smart(c.log(), &bundle_log::QueryMsg::Batch { index: i }).await?;
                Some(batch.status == BatchStatus::Attested)
            }
            None => None,
        };
        let legs = leg_views(&c, &dir, &b).await;
        let all_final = legs.iter().all(LegView::is_final);
        let text = if json {
            serde_json::to_string_pretty(&StatusView { bundle: &b, legs, batch_attested: attested })?
        } else {
            // a locked leg nobody reports: relayers report locks, and none may be running
            let waiting = b.status != BundleStatus::Decided
                && legs.iter().any(|l| l.router_code == Some(mesh_chain_evm::LEG_LOCKED) && l.reported_at.is_none());
            unreported_since = if waiting { unreported_since.or(Some(Instant::now())) } else { None };
            if watch && !hinted && unreported_since.is_some_and(|t| t.elapsed() > NO_RELAYER_HINT_AFTER) {
                hinted = true;
                eprintln!(
                    "note: locked legs have gone unreported for {} s. Relayers report locks and deliver verdicts: is one running for this network? (`mesh relayer run --config …`; `mesh devnet up` starts none, `mesh demo` starts its own)",
                    NO_RELAYER_HINT_AFTER.as_secs()
                );
            }
            timeline(&b, &legs, attested)
        };
        if text != last {
            println!("{text}");
            last = text;
        }
        // watching ends once the verdict is attested and no leg is still escrowed anywhere
        if !watch || (attested == Some(true) && all_final) {
            return Ok(());
        }
        if b.status == BundleStatus::Decided && attested.is_none() {
            bail!("the hub decided bundle {id} but put it in no batch");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// An EVM chain's delivery port for `mesh bundle deliver|refund`, paying gas with `key`.
fn delivery(chain: &ChainSection, domain: u64, key: &str) -> anyhow::Result<EvmDelivery> {
    use alloy::providers::{Provider, ProviderBuilder};
    let ChainSection::Evm(e) = chain;
    let signer: alloy::signers::local::PrivateKeySigner =
        key.trim_start_matches("0x").parse().context("the EVM key is not a 32-byte hex secret")?;
    let wallet = alloy::network::EthereumWallet::from(signer);
    let provider = ProviderBuilder::new().connect_http(e.rpc.parse().with_context(|| format!("chain {} rpc", e.name))?);
    let addr = |a: &str| -> anyhow::Result<alloy::primitives::Address> { Ok(mesh_protocol::EvmAddress::parse(a)?.0) };
    Ok(EvmDelivery {
        name: e.name.clone(),
        domain,
        chain_id: e.chain_id,
        url: e.rpc.clone(),
        router: addr(&e.router)?,
        verifier: addr(&e.verifier)?,
        sender: TxSender::new(&e.rpc, provider.erased(), wallet, e.chain_id, FeePolicy::default(), Default::default()),
    })
}

/// `mesh bundle deliver`: anyone delivers a decided bundle's verdict to every chain of its legs
/// from the hub's public signatures, with the poster's delivery code. Legs already final on a
/// chain are skipped; a chain whose Verifier has not reached the batch's epoch is reported, not
/// rotated (the posters do that). A leg whose COMMIT runs an action is settled on its own with
/// the action the hub keeps, after its root is recorded. Returns the number of legs settled.
pub async fn deliver(
    network: &Path,
    id: &str,
    evm_secret: &str,
    out: &mut impl std::io::Write,
) -> anyhow::Result<usize> {
    let c = Client::open(network)?;
    let dir = c.directory().await?;
    let bundle_id = Hash32::parse(id).map_err(|e| anyhow::anyhow!("bundle id {id:?}: {e}"))?;
    deliver_on(&c, &dir, bundle_id, evm_secret, None, out).await
}

/// [`deliver`] with an open client, to every chain of the bundle's legs or only to `only`.
pub(crate) async fn deliver_on(
    c: &Client,
    dir: &NetworkDirectory,
    bundle_id: Hash32,
    evm_secret: &str,
    only: Option<&str>,
    out: &mut impl std::io::Write,
) -> anyhow::Result<usize> {
    let id = bundle_id;
    let b = c.bundle(bundle_id).await?;
    let (Some(verdict), Some(index)) = (b.verdict, b.batch_index) else {
        bail!("bundle {id} is not decided yet (mesh bundle status {id} --watch)")
    };
    let batch: BatchResponse = c.hub.query_smart(c.log(), &bundle_log::QueryMsg::Batch { index }).await?;
    let (Some(epoch), Some(root)) = (batch.epoch, batch.root) else { bail!("batch {index} is not closed yet") };
    if batch.status != BatchStatus::Attested {
        bail!("batch {index} is not attested yet: the signers have not signed it");
    }
    let proof: MerkleProofResponse =
        c.hub.query_smart(c.log(), &bundle_log::QueryMsg::MerkleProof { bundle_id }).await?;
    let mut sigs: Vec<_> = batch.signatures.iter().collect();
    sigs.sort_by_key(|s| s.signer);
    let signatures: Vec<mesh_protocol::Signature65> = sigs.iter().map(|s| s.signature).collect();
    let mut settled = 0;
    for entry in dir.chains.iter().filter(|e| only.is_none_or(|o| o == e.name)) {
        let legs: Vec<u32> =
            b.bundle.legs.iter().enumerate().filter(|(_, l)| l.domain == entry.domain).map(|(i, _)| i as u32).collect();
        if legs.is_empty() {
            continue;
        }
        let chain = c.network.chain(&entry.name).expect("directory chains come from the file");
        let d = delivery(chain, entry.domain, evm_secret)?;
        let (mut items, mut actions, mut unlocked) = (Vec::new(), Vec::new(), Vec::new());
        for i in legs {
            // a mint or release leg locks nothing: it is to settle while NotLocked
            let leg = &b.bundle.legs[i as usize];
            let open = if leg.kind.needs_lock() { LegState::Locked } else { LegState::NotLocked };
            if d.leg_state(bundle_id, i).await? != open {
                writeln!(out, "{}: leg {i} already final", entry.name)?;
                continue;
            }
            let item = SettleItem { bundle_id, leg_index: i, verdict, proof: proof.proof.clone() };
            if !leg.kind.needs_lock() {
                unlocked.push(item);
                continue;
            }
            match (&leg.action, verdict) {
                (Some(action), Verdict::Commit) => actions.push((item, action.clone())),
                _ => items.push(item),
            }
        }
        if items.is_empty() && actions.is_empty() && unlocked.is_empty() {
            continue;
        }
        let batch = SettlementBatch { epoch, batch_index: index, root };
        let mut known = d.is_verified_root(root).await?;
        if !known {
            let at = d.current_epoch().await?;
            if at < epoch {
                writeln!(out, "{}: Verifier at epoch {at}, the batch needs {epoch}: not delivered", entry.name)?;
                continue;
            }
        }
        let mut deliveries = Vec::new();
        if (!actions.is_empty() || !unlocked.is_empty()) && !known {
            deliveries.push((0, Delivery::SubmitRoot { batch, signatures: signatures.clone() }));
            known = true;
        }
        if !items.is_empty() {
            let n = items.len();
            deliveries.push((
                n,
                if known {
                    Delivery::SettleMany { root, items }
                } else {
                    Delivery::SettleBatch { batch, signatures: signatures.clone(), items }
                },
            ));
        }
        deliveries.extend(actions.into_iter().map(|(item, action)| (1, Delivery::SettleAction { root, item, action })));
        // after the lock legs, so a release finds the reserve they build
        deliveries.extend(
            unlocked
                .into_iter()
                .map(|item| (1, Delivery::SettleUnlocked { root, item, bundle: Box::new(b.bundle.clone()) })),
        );
        for (n, delivery) in deliveries {
            let sent = d.send(delivery).await?;
            if !sent.success {
                bail!("{}: the settlement reverted (tx {})", entry.name, sent.tx);
            }
            if n > 0 {
                settled += n;
                writeln!(out, "{}: settled {n} leg(s) {} (tx {})", entry.name, verdict_text(verdict), sent.tx)?;
            }
        }
    }
    Ok(settled)
}

/// `mesh bundle refund`: returns every still-escrowed leg of a registered bundle (or one leg)
/// to its depositor with the Router's `refundExpired`, which needs no signature and opens at the
/// settle deadline plus the Router's refund grace. Anyone may call it; the tokens go to the
/// depositor. Returns the number of legs refunded.
pub async fn refund(
    network: &Path,
    spec: &Path,
    leg: Option<usize>,
    evm_secret: &str,
    wait: bool,
    out: &mut impl std::io::Write,
) -> anyhow::Result<usize> {
    let c = Client::open(network)?;
    let dir = c.directory().await?;
    let bundle = load_registered(spec)?;
    let indexes: Vec<usize> = match leg {
        Some(i) if i < bundle.legs.len() => vec![i],
        Some(i) => bail!("the bundle has {} legs, no leg {i}", bundle.legs.len()),
        None => (0..bundle.legs.len()).collect(),
    };
    refund_legs(&c, &dir, &bundle, &indexes, evm_secret, wait, out).await
}

/// [`refund`] of `indexes` of a registered `bundle`, with an open client.
pub(crate) async fn refund_legs(
    c: &Client,
    dir: &NetworkDirectory,
    bundle: &Bundle,
    indexes: &[usize],
    evm_secret: &str,
    wait: bool,
    out: &mut impl std::io::Write,
) -> anyhow::Result<usize> {
    use alloy::sol_types::SolCall;
    let id = Hash32(bundle_id(&c.network.bundle_domain(), bundle));
    let mut refunded = 0;
    for &i in indexes {
        let l = &bundle.legs[i];
        let chain = c.chain_of(dir, l.domain)?;
        let d = delivery(chain, l.domain, evm_secret)?;
        if d.leg_state(id, i as u32).await? != LegState::Locked {
            writeln!(out, "{}: leg {i} is not escrowed (never locked, or already final)", chain.name())?;
            continue;
        }
        let ChainSection::Evm(e) = chain;
        let p = alloy::providers::ProviderBuilder::new().connect_http(e.rpc.parse()?);
        let router = MeshRouter::new(d.router, p);
        let opens: u64 = router.refundOpensAt(id.0, i as u32).call().await?.try_into().unwrap_or(u64::MAX);
        let open = loop {
            let head = router.provider().get_block_by_number(alloy::eips::BlockNumberOrTag::Latest).await?;
            let chain_now = head.map(|h| h.header.timestamp).unwrap_or_default();
            if chain_now >= opens {
                break true;
            }
            if !wait {
                writeln!(
                    out,
                    "{}: leg {i} can be refunded from {} ({} s from the chain's latest block; --wait waits); a verdict delivered before then settles it instead",
                    chain.name(),
                    utc(opens),
                    opens - chain_now
                )?;
                break false;
            }
            tokio::time::sleep(Duration::from_secs((opens - chain_now).clamp(1, 5))).await;
        };
        if !open {
            continue;
        }
        if d.leg_state(id, i as u32).await? != LegState::Locked {
            writeln!(out, "{}: leg {i} was settled meanwhile", chain.name())?;
            continue;
        }
        let call = MeshRouter::refundExpiredCall { bundleId: id.0, index: i as u32 };
        let sent = d.sender.send(d.router, call.abi_encode().into()).await?;
        if !sent.status() {
            bail!("{}: refundExpired of leg {i} reverted (tx {})", chain.name(), sent.transaction_hash);
        }
        refunded += 1;
        writeln!(out, "{}: leg {i} refunded to its depositor (tx {})", chain.name(), sent.transaction_hash)?;
    }
    Ok(refunded)
}

use alloy::providers::Provider as _;

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}
