//! `mesh bundle plan|register|lock|status` against the devnet manifest.
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use mesh_hub_api::bundle_log::{BatchStatus, BundleResponse, BundleStatus};

use crate::deploy::hub_client;
use crate::helpers::now;
use crate::manifest::Manifest;
use mesh_planner::spec::{BundleSpec, Plan};

pub fn print_plan(p: &Plan) {
    println!("bundle id  {}", p.id);
    println!("creator    {}  nonce {}", p.bundle.creator, p.bundle.nonce);
    for (i, ((l, w), h)) in p.bundle.legs.iter().zip(&p.written).zip(&p.leg_hashes).enumerate() {
        println!("leg {i} on {} (domain {}): {} → {}, {} {}", w.chain, l.domain, w.from, w.to, w.amount, w.token);
        println!(
            "      {} → {}, {} of token {}; leg hash {h}",
            evm_text(&l.depositor),
            evm_text(&l.recipient),
            l.amount,
            evm_text(&l.token)
        );
    }
    println!("net flows on COMMIT (ABORT returns everything):");
    for ((party, chain, token), v) in &p.net {
        println!("  {party:<10} {v:>+14} {token} on {chain}");
    }
    if !p.constraints.is_empty() {
        println!("declared constraints (on COMMIT):");
        for c in &p.constraints {
            let mark = if c.holds { "holds" } else { "FAILS" };
            println!("  {mark:<6} {}: {} (≥ {})", c.about, c.actual, c.required);
        }
    }
    println!("timing:");
    for (what, t) in &p.timing {
        println!("  {t}  (+{:>4}s)  {what}", t.saturating_sub(p.timing[0].1));
    }
    let steps = p.steps();
    println!("steps (each after the ones in brackets):");
    for id in steps.order().expect("a plan's steps have no cycle") {
        let s = &steps.0[id];
        let by = s.deadline.map(|d| format!(", by {d}")).unwrap_or_default();
        println!("  {id}. {} — {}{by} {:?}", s.action, s.actor, s.depends_on);
    }
}

/// Loads the spec and plans it now; refuses what cannot settle in time.
fn plan(spec: &Path, m: &Manifest) -> anyhow::Result<Plan> {
    let s = BundleSpec::load(spec)?;
    Ok(s.plan(m, now())?)
}

pub async fn plan_cmd(spec: &Path, manifest: &Path) -> anyhow::Result<()> {
    let m = Manifest::load(manifest)?;
    print_plan(&plan(spec, &m)?);
    Ok(())
}

/// Registers the planned bundle; the plan (with its fixed deadlines) is saved next to the spec
/// so `lock` uses exactly the registered bundle.
pub async fn register_cmd(spec: &Path, manifest: &Path) -> anyhow::Result<()> {
    let m = Manifest::load(manifest)?;
    let p = plan(spec, &m)?;
    let creator = m
        .accounts
        .users
        .iter()
        .chain(&m.accounts.relayers)
        .find(|u| u.hub_address == p.bundle.creator)
        .context("register: the creator must be a devnet identity (its key signs the hub tx)")?;
    let hub = hub_client(&m)?;
    let id = mesh_hub::bundle::register(&hub, &creator.hub_signer(), &m.contracts["bundle_log"], &p.bundle).await?;
    let saved = spec.with_extension("registered.json");
    std::fs::write(&saved, serde_json::to_vec_pretty(&p.bundle)?)?;
    print_plan(&p);
    println!("registered {id}; bundle saved to {}", saved.display());
    Ok(())
}

pub async fn lock_cmd(spec: &Path, manifest: &Path, leg: usize) -> anyhow::Result<()> {
    let m = Manifest::load(manifest)?;
    let saved = spec.with_extension("registered.json");
    let bundle: mesh_protocol::Bundle = serde_json::from_slice(
        &std::fs::read(&saved).with_context(|| format!("{} missing: register the bundle first", saved.display()))?,
    )?;
    let l = bundle.legs.get(leg).with_context(|| format!("the bundle has no leg {leg}"))?;
    let chain = m.evm.iter().find(|c| c.domain == l.domain).context("unknown chain")?;
    let depositor = evm_text(&l.depositor);
    // the demo LendingPool locks its own legs; its owner (the deployer) asks it to
    if chain.contracts.get("LendingPool").map(|a| a.as_str()) == Some(depositor.as_str()) {
        let p = mesh_chain_evm::locker::wallet_provider(&chain.rpc, crate::evm_deploy::ANVIL_DEPLOYER_KEY)?;
        let pool = mesh_chain_evm::locker::evm_account(l.depositor, "depositor")?;
        let (tx, block) = crate::attack::lock_loan_leg(&p, pool, &m.bundle_domain(), &bundle, leg).await?;
        println!("LendingPool locked leg {leg} on {} in block {block} (tx {tx})", chain.name);
        return Ok(());
    }
    let depositor = std::iter::once(&m.accounts.deployer)
        .chain(&m.accounts.users)
        .chain(&m.accounts.relayers)
        .find(|u| u.evm_address == depositor)
        .context("the leg's depositor is not a devnet identity: lock it with its own wallet")?;
    let locker = mesh_chain_evm::locker::EvmLocker {
        name: chain.name.clone(),
        domain: chain.domain,
        chain_id: chain.chain_id,
        wallet: mesh_chain_evm::locker::wallet_provider(&chain.rpc, &depositor.evm_secret)?,
    };
    let id = mesh_protocol::Hash32(mesh_protocol::eip712::bundle_id(&m.bundle_domain(), &bundle));
    let locked = mesh_chain::LegLocker::lock(&locker, &bundle, id, leg).await?;
    println!("{} locked leg {leg} on {} in block {} (tx {})", depositor.name, chain.name, locked.block, locked.tx);
    Ok(())
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
    /// chain is not in the manifest or did not answer.
    router_code: Option<u8>,
    reported_at: Option<u64>,
    block: Option<u64>,
    dispute_window_ends_at: Option<u64>,
}

/// `mesh bundle status --json`: the hub's record, each leg's on-chain state and the batch's.
#[derive(serde::Serialize)]
struct StatusView<'a> {
    bundle: &'a BundleResponse,
    legs: Vec<LegView>,
    batch_attested: Option<bool>,
}

async fn leg_views(m: &Manifest, b: &BundleResponse) -> Vec<LegView> {
    let mut out = Vec::with_capacity(b.bundle.legs.len());
    for (i, leg) in b.bundle.legs.iter().enumerate() {
        let chain = m.evm.iter().find(|c| c.domain == leg.domain);
        let code = match (chain, leg.router.to_evm()) {
            (Some(c), Some(router)) => {
                match mesh_chain_evm::locker::wallet_provider(&c.rpc, crate::evm_deploy::ANVIL_DEPLOYER_KEY) {
                    Ok(p) => mesh_chain_evm::bindings::MeshRouter::new(router, p)
                        .legStatus(b.bundle_id.0, i as u32)
                        .call()
                        .await
                        .ok(),
                    Err(_) => None,
                }
            }
            _ => None,
        };
        let report = b.reports.get(i).and_then(|r| r.as_ref());
        out.push(LegView {
            index: i,
            chain: chain.map(|c| c.name.clone()).unwrap_or_else(|| format!("domain {}", leg.domain)),
            router_status: code.map(router_status).unwrap_or("chain not reachable"),
            router_code: code,
            reported_at: report.map(|r| r.reported_at),
            block: report.and_then(|r| r.location.as_evm()).map(|l| l.block_number),
            dispute_window_ends_at: report.map(|r| r.window_ends_at),
        });
    }
    out
}

impl LegView {
    /// Nothing of the leg is escrowed (settled, refunded, or never locked) on a chain that answered.
    fn is_final(&self) -> bool {
        self.router_code.is_some_and(|c| c != mesh_chain_evm::LEG_LOCKED)
    }
}

fn timeline(b: &BundleResponse, legs: &[LegView], attested: Option<bool>) -> String {
    let reported = b.reports.iter().filter(|r| r.is_some()).count();
    let mut s =
        format!("{}: registered at {}, {reported}/{} legs reported", b.bundle_id, b.registered_at, b.reports.len());
    for l in legs {
        s += &format!("\n  leg {} on {}: {}", l.index, l.chain, l.router_status);
        if let (Some(at), Some(block), Some(ends)) = (l.reported_at, l.block, l.dispute_window_ends_at) {
            s += &format!("; reported at {at} (block {block}), dispute window ends {ends}");
        }
    }
    match (b.status, b.verdict, b.batch_index) {
        (BundleStatus::Decided, Some(v), Some(batch)) => {
            s += &format!("\n  verdict {v:?} ({:?}) at {}, batch {batch}", b.reason, b.decided_at.unwrap_or_default());
            if let Some(a) = attested {
                s += if a { ", batch attested" } else { ", batch awaiting signatures" };
            }
            let settled = legs.iter().filter(|l| l.is_final()).count();
            s += &format!("\n  final on its chain: {settled}/{} legs", legs.len());
        }
        _ => s += &format!("\n  pending; next check at {:?}, COMMIT possible before {}", b.next_check, b.commit_cutoff),
    }
    s
}

pub async fn status_cmd(id: &str, manifest: &Path, watch: bool, json: bool) -> anyhow::Result<()> {
    let m = Manifest::load(manifest)?;
    let hub = hub_client(&m)?;
    let id = mesh_protocol::Hash32::parse(id).map_err(|e| anyhow::anyhow!("bundle id: {e}"))?;
    let mut last = String::new();
    loop {
        let b = mesh_hub::bundle::status(&hub, &m.contracts["bundle_log"], id).await?;
        let attested = match b.batch_index {
            Some(i) => {
                let batch: mesh_hub_api::bundle_log::BatchResponse = hub
                    .query_smart(&m.contracts["bundle_log"], &mesh_hub_api::bundle_log::QueryMsg::Batch { index: i })
                    .await?;
                Some(batch.status == BatchStatus::Attested)
            }
            None => None,
        };
        let legs = leg_views(&m, &b).await;
        let all_final = legs.iter().all(LegView::is_final);
        let text = if json {
            serde_json::to_string_pretty(&StatusView { bundle: &b, legs, batch_attested: attested })?
        } else {
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
            bail!("decided bundle without a batch");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// `mesh bundle deliver`: anyone delivers a decided bundle's verdict to every chain of its legs
/// from the hub's public signatures, with the poster's delivery code. Legs already final on a
/// chain are skipped; a chain whose Verifier has not reached the batch's epoch is reported, not
/// rotated (the posters do that). Returns the number of legs settled.
pub async fn deliver_cmd(
    id: &str,
    manifest: &Path,
    evm_key: &str,
    out: &mut impl std::io::Write,
) -> anyhow::Result<usize> {
    use alloy::network::EthereumWallet;
    use alloy::providers::{Provider, ProviderBuilder};
    use alloy::signers::local::PrivateKeySigner;
    use mesh_hub_api::bundle_log::{self, BatchResponse, MerkleProofResponse};

    use mesh_chain::{Delivery, LegState, SettleItem, SettlementSink};
    use mesh_chain_evm::delivery::EvmDelivery;
    use mesh_chain_evm::sender::{FeePolicy, TxSender};
    use mesh_protocol::SettlementBatch;

    let m = Manifest::load(manifest)?;
    let hub = hub_client(&m)?;
    let log = &m.contracts["bundle_log"];
    let bundle_id = mesh_protocol::Hash32::parse(id).map_err(|e| anyhow::anyhow!("bundle id {id}: {e}"))?;
    let b = mesh_hub::bundle::status(&hub, log, bundle_id).await?;
    let (Some(verdict), Some(index)) = (b.verdict, b.batch_index) else { bail!("bundle {id} is not decided yet") };
    let batch: BatchResponse = hub.query_smart(log, &bundle_log::QueryMsg::Batch { index }).await?;
    let (Some(epoch), Some(root)) = (batch.epoch, batch.root) else { bail!("batch {index} is not closed yet") };
    if batch.status != BatchStatus::Attested {
        bail!("batch {index} is not attested yet ({:?}): the signers have not signed it", batch.status);
    }
    let proof: MerkleProofResponse = hub.query_smart(log, &bundle_log::QueryMsg::MerkleProof { bundle_id }).await?;
    let mut sigs: Vec<_> = batch.signatures.iter().collect();
    sigs.sort_by_key(|s| s.signer);
    let signatures: Vec<mesh_protocol::Signature65> = sigs.iter().map(|s| s.signature).collect();
    let signer: PrivateKeySigner = evm_key.trim_start_matches("0x").parse().context("EVM key")?;
    let wallet = EthereumWallet::from(signer);
    let mut settled = 0;
    for chain in &m.evm {
        let legs: Vec<u32> =
            b.bundle.legs.iter().enumerate().filter(|(_, l)| l.domain == chain.domain).map(|(i, _)| i as u32).collect();
        if legs.is_empty() {
            continue;
        }
        let provider = ProviderBuilder::new().connect_http(chain.rpc.parse()?).erased();
        let addr = |k: &str| -> anyhow::Result<alloy::primitives::Address> {
            Ok(mesh_protocol::EvmAddress::parse(
                chain.contracts.get(k).with_context(|| format!("{}: no {k}", chain.name))?,
            )?
            .0)
        };
        let d = EvmDelivery {
            name: chain.name.clone(),
            domain: chain.domain,
            chain_id: chain.chain_id,
            url: chain.rpc.clone(),
            router: addr("MeshRouter")?,
            verifier: addr("SettlementVerifier")?,
            sender: TxSender::new(
                &chain.rpc,
                provider,
                wallet.clone(),
                chain.chain_id,
                FeePolicy::default(),
                Default::default(),
            ),
        };
        let mut items = Vec::new();
        for i in legs {
            if d.leg_state(bundle_id, i).await? != LegState::Locked {
                writeln!(out, "{}: leg {i} already final", chain.name)?;
                continue;
            }
            items.push(SettleItem { bundle_id, leg_index: i, verdict, proof: proof.proof.clone() });
        }
        if items.is_empty() {
            continue;
        }
        let n = items.len();
        let delivery = if d.is_verified_root(root).await? {
            Delivery::SettleMany { root, items }
        } else {
            let at = d.current_epoch().await?;
            if at < epoch {
                writeln!(out, "{}: Verifier at epoch {at}, the batch needs {epoch}: not delivered", chain.name)?;
                continue;
            }
            Delivery::SettleBatch {
                batch: SettlementBatch { epoch, batch_index: index, root },
                signatures: signatures.clone(),
                items,
            }
        };
        let sent = d.send(delivery).await?;
        if !sent.success {
            bail!("{}: the settlement reverted (tx {})", chain.name, sent.tx);
        }
        settled += n;
        writeln!(out, "{}: settled {n} leg(s) {verdict:?} (tx {})", chain.name, sent.tx)?;
    }
    Ok(settled)
}

/// A leg account in the form the devnet manifest writes EVM addresses (`0x` + 40 hex digits).
pub fn evm_text(account: &mesh_protocol::AccountId) -> String {
    account.to_evm().map(|a| mesh_protocol::EvmAddress(a).to_string()).unwrap_or_else(|| account.to_string())
}
