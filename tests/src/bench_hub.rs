//! Hub at scale (issue 14; docs/benchmarks.md, "Hub at scale"): on a fresh devnet, real signed
//! transactions from several accounts at once — creators registering, bonded relayers reporting
//! 32 legs per message, deciding, closing batches and signing them — measure:
//! hub gas per operation at the sizes a loaded relayer uses, leg reports per second sustained,
//! what bounds that rate, hub gas per leg with everything included, and contract state per
//! bundle. Prints a table and ends with one line of JSON.
//!
//!   cargo run --release -p mesh-e2e --bin mesh-bench -- hub [--validators 4] [--bundles 900] [--in-flight 4]
//!   just bench-hub
//!
//! Figures only, never assertions: a slow machine prints smaller numbers, not a failure.
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mesh_cosmos::{CosmosClient, CosmosSigner, TxOutcome};
use mesh_devnet::helpers::usdc_leg;
use mesh_devnet::manifest::Manifest;
use mesh_hub::bundle::registration_deposit;
use mesh_hub_api::bundle_log::{self, EvmLocation, LockLocation, LockReport, Objection, ObjectionReason};
use mesh_protocol::eip712::{bundle_id, leg_hash, settlement_batch_digest};
use mesh_protocol::sig::{sign_digest, signing_key};
use mesh_protocol::{Bundle, Hash32, SettlementBatch};
use mesh_testkit::fixture::{now, TestNet};
use tokio::task::JoinSet;

/// Reports per `ReportLocks` message: the bundle-log's `max_reports_per_msg` on the devnet.
const REPORTS_PER_MSG: usize = 32;
/// Bundles per registration transaction (one `RegisterBundles` message).
const BUNDLES_PER_TX: usize = 10;

struct Args {
    validators: usize,
    bundles: usize,
    /// Transactions each account keeps in flight.
    in_flight: usize,
    /// The devnet's first hub port (its anvil chains 10 below): two benches on one machine
    /// need different ones.
    port: u16,
}

fn args(argv: &[String]) -> Args {
    let mut a = Args { validators: 1, bundles: 900, in_flight: 4, port: 30600 };
    let mut it = argv.iter();
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        let n: usize = v.parse().unwrap_or_else(|_| panic!("{k} {v}: not a number"));
        match k.as_str() {
            "--validators" => a.validators = n,
            "--bundles" => a.bundles = n,
            "--in-flight" => a.in_flight = n.max(1),
            "--port" => a.port = u16::try_from(n).ok().filter(|p| *p > 10).expect("--port: 11 to 65535"),
            other => panic!("unknown argument {other} (--validators N, --bundles N, --in-flight N, --port N)"),
        }
    }
    a
}

/// Sends every message list in `txs` from `signer`, `in_flight` at a time; returns each tx's
/// outcome with the number of items it carried, in completion order.
async fn pump(
    hub: &CosmosClient,
    signer: Arc<CosmosSigner>,
    txs: Vec<(usize, Vec<cosmrs::Any>)>,
    in_flight: usize,
) -> Vec<(usize, TxOutcome)> {
    let mut set = JoinSet::new();
    let mut out = Vec::with_capacity(txs.len());
    for (items, msgs) in txs {
        while set.len() >= in_flight {
            out.push(set.join_next().await.unwrap().unwrap());
        }
        let (hub, signer) = (hub.clone(), signer.clone());
        set.spawn(async move {
            // under load a sequence can go stale (a tx evicted, a simulation against an older
            // state): the client corrects it; a tx that still fails is sent again a little later
            let mut tries = 0;
            loop {
                match hub.send(&signer, msgs.clone(), "bench").await {
                    Ok(o) => return (items, o),
                    Err(e) if tries < 10 && !e.to_string().contains("exceeds block max gas") => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(300 * tries)).await;
                    }
                    Err(e) => panic!("hub tx failed {tries} times: {e}"),
                }
            }
        });
    }
    while let Some(r) = set.join_next().await {
        out.push(r.unwrap());
    }
    out
}

/// Block 1 of every EVM chain of the devnet: the bench's reports point into it (the bundle-log
/// checks a location's chain, shape and time, not its contents; nobody disputes them here).
async fn first_blocks(m: &Manifest) -> Vec<alloy::rpc::types::Block> {
    let mut blocks = vec![];
    for e in &m.evm {
        let p = mesh_chain_evm::locker::wallet_provider(&e.rpc, mesh_devnet::evm_deploy::ANVIL_DEPLOYER_KEY).unwrap();
        blocks.push(alloy::providers::Provider::get_block_by_number(&p, 1u64.into()).await.unwrap().unwrap());
    }
    blocks
}

/// The report of leg `i` of bundle `b` (id `id`), located in block 1 of the leg's chain.
fn lock_report(m: &Manifest, blocks: &[alloy::rpc::types::Block], id: Hash32, b: &Bundle, i: usize) -> LockReport {
    let chain = m.evm.iter().position(|e| e.domain == b.legs[i].domain).unwrap();
    let h = &blocks[chain].header;
    LockReport {
        proof: None,
        bundle_id: id,
        leg_index: i as u32,
        leg_hash: Hash32(leg_hash(&b.legs[i])),
        settle_deadline: b.settle_deadline,
        location: LockLocation::Evm(EvmLocation {
            chain_id: m.evm[chain].chain_id,
            block_number: h.number,
            block_hash: Hash32(h.hash),
            block_timestamp: h.timestamp,
            tx_hash: Hash32(leg_hash(&b.legs[i])),
            tx_index: 0,
            log_index: i as u32,
        }),
    }
}

/// Gas per objection of one `ObjectReports` message of `n` objections.
struct ObjectionGas {
    n: usize,
    counted: f64,
    rejecting: f64,
}

/// A fourth relayer bonds and the signer set rotates to four equal signers; 16 new bundles are
/// registered and their 32 legs reported in one message; then signer 1 objects to all 32 in one
/// message (a quarter of the weight: each objection is counted) and signer 2 does too (half:
/// each rejects its report). The bench's batches were signed before, under three signers.
async fn objections_of_four_signers(tn: &TestNet, log: &str, template: &Bundle) -> Result<ObjectionGas, String> {
    let (m, hub) = (&tn.m, &tn.hub);
    let escrow = m.contracts["stake_escrow"].clone();
    let bond: u128 = m.profile.contracts.relayer_bond.parse().map_err(|e| format!("relayer_bond: {e}"))?;
    mesh_devnet::deploy::bond(hub, &escrow, &m.escrow_domain(), &m.accounts.relayers[3], bond)
        .await
        .map_err(|e| format!("bond the fourth relayer: {e}"))?;
    let anyone = m.accounts.users[0].hub_signer();
    let rotate = mesh_hub_api::stake_escrow::ExecuteMsg::RotateSigners {};
    let mut tries = 0;
    // the last rotation may be younger than the rotation delay
    while let Err(e) = hub.execute(&anyone, &escrow, &rotate, vec![]).await {
        tries += 1;
        if tries > 20 {
            return Err(format!("rotate to four signers: {e}"));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let creator = &m.accounts.users[0];
    let signer = creator.hub_signer();
    let deposit = registration_deposit(hub, log).await.map_err(|e| format!("deposit: {e}"))?;
    let domain = m.bundle_domain();
    let t = now();
    let bundles: Vec<Bundle> = (0..REPORTS_PER_MSG as u64 / 2)
        .map(|k| Bundle {
            creator: creator.hub_address.clone(),
            nonce: 900_000 + k,
            lock_deadline: t + 1_800,
            settle_deadline: t + 3_000,
            ..template.clone()
        })
        .collect();
    for ch in bundles.chunks(BUNDLES_PER_TX) {
        let msg = bundle_log::ExecuteMsg::RegisterBundles { bundles: ch.to_vec() };
        let funds = mesh_hub::bundle::deposits_for(&deposit, ch.len());
        hub.send(&signer, vec![hub.execute_msg(&signer, log, &msg, funds).unwrap()], "bench")
            .await
            .map_err(|e| format!("register: {e}"))?;
    }
    let blocks = first_blocks(m).await;
    let mut reports = vec![];
    for b in &bundles {
        let id = Hash32(bundle_id(&domain, b));
        reports.extend((0..b.legs.len()).map(|i| lock_report(m, &blocks, id, b, i)));
    }
    let reporter = m.accounts.relayers[0].hub_signer();
    let msg = bundle_log::ExecuteMsg::ReportLocks { reports: reports.clone() };
    hub.send(&reporter, vec![exec(hub, &reporter, log, &msg)], "bench").await.map_err(|e| format!("report: {e}"))?;
    let mut objections = vec![];
    for r in &reports {
        let q = bundle_log::QueryMsg::Report { bundle_id: r.bundle_id, leg_index: r.leg_index };
        let current: bundle_log::ReportResponse = hub.query_smart(log, &q).await.map_err(|e| format!("report: {e}"))?;
        let report_id = current.report.ok_or("a reported leg without its report")?.report_id;
        objections.push(Objection {
            bundle_id: r.bundle_id,
            leg_index: r.leg_index,
            report_id,
            reason: ObjectionReason::UnknownBlock,
        });
    }
    let n = objections.len();
    let mut gas = vec![];
    for (who, expect) in [(1, "counted"), (2, "rejected")] {
        let s = m.accounts.relayers[who].hub_signer();
        let msg = bundle_log::ExecuteMsg::ObjectReports { objections: objections.clone() };
        let o = hub.send(&s, vec![exec(hub, &s, log, &msg)], "bench").await.map_err(|e| format!("object: {e}"))?;
        let took: usize = o.attribute("wasm", expect).and_then(|v| v.parse().ok()).unwrap_or(0);
        if took != n {
            return Err(format!("signer {who}'s objections: {took} of {n} {expect}"));
        }
        gas.push(o.gas_used as f64 / n as f64);
    }
    Ok(ObjectionGas { n, counted: gas[0], rejecting: gas[1] })
}

fn exec(hub: &CosmosClient, s: &CosmosSigner, log: &str, msg: &bundle_log::ExecuteMsg) -> cosmrs::Any {
    hub.execute_msg(s, log, msg, vec![]).expect("encode")
}

/// Transactions in the node's mempool (CometBFT `/num_unconfirmed_txs`, which tendermint-rpc
/// does not wrap): a plain HTTP/1.0 GET.
async fn unconfirmed_txs(rpc_url: &str) -> Option<usize> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = rpc_url.trim_start_matches("http://").trim_end_matches('/');
    let mut c = tokio::net::TcpStream::connect(host).await.ok()?;
    c.write_all(format!("GET /num_unconfirmed_txs HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes()).await.ok()?;
    let mut body = String::new();
    c.read_to_string(&mut body).await.ok()?;
    let at = body.find("\"n_txs\":\"")? + 9;
    body[at..].split('"').next()?.parse().ok()
}

/// CPU seconds the process `pid` has used (utime + stime), from /proc.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 =
        f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0) + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

/// Pids of the hub's validator processes (injectived with a home under the devnet's folder).
fn validator_pids(dir: &std::path::Path) -> Vec<u32> {
    let mut pids = vec![];
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains("injectived") && cmd.contains(&*dir.to_string_lossy()) && cmd.contains(" start") {
            pids.push(pid);
        }
    }
    pids
}

/// `mesh-bench hub ARGS…`.
pub async fn run(argv: &[String]) {
    let a = args(argv);
    let t0 = Instant::now();
    let tn = TestNet::up("bench-hub", a.port, a.port - 10, a.validators, 2).await;
    let (m, hub) = (&tn.m, &tn.hub);
    println!(
        "devnet: {} hub validator(s), 2 anvil chains, up in {:.0} s; {} bundles of 2 legs, {} txs in flight per account",
        a.validators,
        t0.elapsed().as_secs_f64(),
        a.bundles,
        a.in_flight
    );
    let log = m.contracts["bundle_log"].clone();
    let domain = m.bundle_domain();
    let params = hub.rpc_consensus_params().await.expect("consensus params");
    let max_gas = params.0;
    println!(
        "hub: block gas limit {}, timeout_commit {:?}, max block bytes {}",
        if max_gas < 0 { "none (-1)".to_string() } else { max_gas.to_string() },
        m.profile.hub.timeout_commit,
        params.1
    );
    let (_, state0) = hub.contract_state_size(&log).await.expect("state");

    // ---- registrations from three creators at once --------------------------------------------
    let t = now();
    let creators = &m.accounts.users[..3];
    let deposit = registration_deposit(hub, &log).await.expect("deposit");
    let per = a.bundles.div_ceil(creators.len());
    let mut bundles: Vec<Bundle> = vec![];
    let mut jobs = JoinSet::new();
    for (c, who) in creators.iter().enumerate() {
        let mine: Vec<Bundle> = (0..per)
            .map(|k| Bundle {
                creator: who.hub_address.clone(),
                nonce: 1_000 + k as u64,
                lock_deadline: t + 1_800,
                settle_deadline: t + 3_000,
                legs: vec![
                    usdc_leg(m, 0, &who.evm_address, &m.accounts.users[(c + 1) % 3].evm_address, 10 + k as u128),
                    usdc_leg(m, 1, &m.accounts.users[(c + 1) % 3].evm_address, &who.evm_address, 5),
                ],
            })
            .collect();
        bundles.extend(mine.iter().cloned());
        let signer = Arc::new(who.hub_signer());
        let txs = mine
            .chunks(BUNDLES_PER_TX)
            .map(|ch| {
                let msg = bundle_log::ExecuteMsg::RegisterBundles { bundles: ch.to_vec() };
                let funds = mesh_hub::bundle::deposits_for(&deposit, ch.len());
                (ch.len(), vec![hub.execute_msg(&signer, &log, &msg, funds).unwrap()])
            })
            .collect();
        let (hub, n) = (hub.clone(), a.in_flight);
        jobs.spawn(async move { pump(&hub, signer, txs, n).await });
    }
    let reg_start = Instant::now();
    let mut reg_gas = 0u64;
    while let Some(r) = jobs.join_next().await {
        reg_gas += r.unwrap().iter().map(|(_, o)| o.gas_used).sum::<u64>();
    }
    let reg_secs = reg_start.elapsed().as_secs_f64();
    let (_, state_registered) = hub.contract_state_size(&log).await.expect("state");
    let nb = bundles.len();
    let legs = 2 * nb;

    // ---- the lock reports: one relayer per leg, 32 per message, three relayers at once --------
    let blocks = first_blocks(m).await;
    let ids: Vec<Hash32> = bundles.iter().map(|b| Hash32(bundle_id(&domain, b))).collect();
    let report = |k: usize, i: usize| lock_report(m, &blocks, ids[k], &bundles[k], i);
    // the first bundle alone: one report per message, for the table
    let relayers: Vec<Arc<CosmosSigner>> = (0..3).map(|r| Arc::new(m.accounts.relayers[r].hub_signer())).collect();
    let single = hub
        .send(
            &relayers[0],
            vec![exec(hub, &relayers[0], &log, &bundle_log::ExecuteMsg::ReportLocks { reports: vec![report(0, 0)] })],
            "bench",
        )
        .await
        .expect("one report");
    let all: Vec<LockReport> =
        (0..nb).flat_map(|k| (0..2).map(move |i| (k, i))).skip(1).map(|(k, i)| report(k, i)).collect();
    let chunks: Vec<Vec<LockReport>> = all.chunks(REPORTS_PER_MSG).map(|c| c.to_vec()).collect();
    let mut per_relayer: Vec<Vec<(usize, Vec<cosmrs::Any>)>> = vec![vec![]; 3];
    for (n, c) in chunks.into_iter().enumerate() {
        let r = n % 3;
        let len = c.len();
        per_relayer[r]
            .push((len, vec![exec(hub, &relayers[r], &log, &bundle_log::ExecuteMsg::ReportLocks { reports: c })]));
    }
    let pids = validator_pids(&tn.net.dir);
    let cpu0: f64 = pids.iter().map(|p| cpu_secs(*p)).sum();
    let (h0, _) = hub.latest_block().await.expect("height");
    let mempool = Arc::new(std::sync::Mutex::new(vec![]));
    let sampler = {
        let (rpc, mempool) = (hub.clone(), mempool.clone());
        tokio::spawn(async move {
            loop {
                if let Some(n) = unconfirmed_txs(&rpc.config().rpc_url).await {
                    mempool.lock().unwrap().push(n);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    };
    let start = Instant::now();
    let mut jobs = JoinSet::new();
    for (r, txs) in per_relayer.into_iter().enumerate() {
        let (hub, s, n) = (hub.clone(), relayers[r].clone(), a.in_flight);
        jobs.spawn(async move { pump(&hub, s, txs, n).await });
    }
    let mut outcomes = vec![];
    while let Some(r) = jobs.join_next().await {
        outcomes.extend(r.unwrap());
    }
    let report_secs = start.elapsed().as_secs_f64();
    sampler.abort();
    let cpu = (pids.iter().map(|p| cpu_secs(*p)).sum::<f64>() - cpu0) / report_secs;
    let reported: usize = outcomes.iter().map(|(n, _)| n).sum();
    let report_gas_total: u64 = outcomes.iter().map(|(_, o)| o.gas_used).sum();
    let per_report = report_gas_total as f64 / reported as f64;
    let mut by_height: BTreeMap<u64, (usize, u64)> = BTreeMap::new();
    for (n, o) in &outcomes {
        let e = by_height.entry(o.height).or_default();
        e.0 += n;
        e.1 += o.gas_used;
    }
    let (first_h, last_h) = (*by_height.keys().next().unwrap(), *by_height.keys().last().unwrap());
    let heights = last_h - h0.min(first_h - 1);
    let busiest = by_height.values().map(|v| v.1).max().unwrap_or(0);
    let mean_per_block = report_gas_total as f64 / heights as f64;
    let legs_per_second = reported as f64 / report_secs;
    let mempool = std::mem::take(&mut *mempool.lock().unwrap());
    let mean_mempool = mempool.iter().sum::<usize>() as f64 / mempool.len().max(1) as f64;

    // ---- verdicts: Advance 32 at a time once the windows passed; batches close as they fill -----
    tokio::time::sleep(m.profile.contracts.dispute_window + Duration::from_secs(2)).await;
    let (mut advance_gas, mut decided, mut advances) = (0u64, 0usize, 0usize);
    let adv_start = Instant::now();
    // 32 per call, or as many as one transaction may use under the block gas limit
    let mut per_call = 32u32;
    loop {
        let msg = bundle_log::ExecuteMsg::Advance { limit: Some(per_call) };
        let o = match hub.send(&relayers[0], vec![exec(hub, &relayers[0], &log, &msg)], "bench").await {
            Ok(o) => o,
            Err(e) if e.to_string().contains("exceeds block max gas") && per_call > 1 => {
                println!("  (Advance of {per_call} bundles exceeds the block gas limit; trying {})", per_call / 2);
                per_call /= 2;
                continue;
            }
            Err(e) => panic!("advance: {e}"),
        };
        let d: usize = o.attribute("wasm", "decided").and_then(|v| v.parse().ok()).unwrap_or(0);
        if d == 0 {
            break;
        }
        advances += 1;
        advance_gas += o.gas_used;
        decided += d;
        // fewer than asked: nothing else is due (another call would close the last batch once
        // it aged, leaving `CloseBatch` nothing to measure)
        if d < per_call as usize || adv_start.elapsed() > Duration::from_secs(600) {
            break;
        }
    }
    // the last, partly filled batch closes once it aged
    tokio::time::sleep(Duration::from_secs(3)).await;
    let close = hub
        .send(&relayers[0], vec![exec(hub, &relayers[0], &log, &bundle_log::ExecuteMsg::CloseBatch {})], "bench")
        .await;
    // ---- signatures: the three signers sign every closed batch -----------------------------------
    let (mut sig_gas, mut sigs, mut batches) = (0u64, 0usize, 0u64);
    for index in 0.. {
        let b: bundle_log::BatchResponse = match hub.query_smart(&log, &bundle_log::QueryMsg::Batch { index }).await {
            Ok(b) => b,
            Err(_) => break,
        };
        let (Some(epoch), Some(root)) = (b.epoch, b.root) else { break };
        batches += 1;
        let digest = settlement_batch_digest(&domain, &SettlementBatch { epoch, batch_index: index, root });
        for (r, who) in relayers.iter().zip(&m.accounts.relayers) {
            let key = signing_key(&hex::decode(&who.evm_secret).unwrap().try_into().unwrap()).unwrap();
            let msg = bundle_log::ExecuteMsg::SubmitSignatures {
                batch_index: index,
                signatures: vec![sign_digest(&key, digest)],
            };
            if let Ok(o) = hub.send(r, vec![exec(hub, r, &log, &msg)], "bench").await {
                sig_gas += o.gas_used;
                sigs += 1;
            }
        }
    }
    let (_, state_decided) = hub.contract_state_size(&log).await.expect("state");

    // ---- objections under four equal signers ---------------------------------------------------
    let objections = objections_of_four_signers(&tn, &log, &bundles[0]).await;

    // ---- the table and the JSON line ----------------------------------------------------------
    let reg_per_bundle = reg_gas as f64 / nb as f64;
    let advance_per_bundle = advance_gas as f64 / decided.max(1) as f64;
    let close_gas = close.as_ref().map(|o| o.gas_used).ok();
    let close_leaves = match close.as_ref().ok().and_then(|o| o.attribute("wasm", "batch_index")?.parse().ok()) {
        Some(index) => hub
            .query_smart::<bundle_log::BatchResponse>(&log, &bundle_log::QueryMsg::Batch { index })
            .await
            .map_or(0, |b| b.entries.len()),
        None => 0,
    };
    let sig_per = sig_gas as f64 / sigs.max(1) as f64;
    let total = reg_gas as f64
        + report_gas_total as f64
        + single.gas_used as f64
        + advance_gas as f64
        + close_gas.unwrap_or(0) as f64
        + sig_gas as f64;
    let hub_gas_per_leg = total / legs as f64;
    println!("\nhub gas (gas_used of real txs; {} bundles, {} legs):", nb, legs);
    println!("  RegisterBundles (2 legs, 10 per msg) {:>10.0} per bundle", reg_per_bundle);
    println!("  ReportLocks, 1 report                {:>10}", single.gas_used);
    println!("  ReportLocks, 32 per message          {:>10.0} per report", per_report);
    match &objections {
        Ok(o) => {
            println!(
                "  ObjectReports, {:>2} per message        {:>10.0} per objection (counted: a quarter of the weight)",
                o.n, o.counted
            );
            println!(
                "  ObjectReports, {:>2} per message        {:>10.0} per objection (each rejects its report: half)",
                o.n, o.rejecting
            );
        }
        Err(e) => println!("  ObjectReports                        not measured: {e}"),
    }
    println!(
        "  Advance, {per_call:>2} per call               {:>10.0} per decided bundle ({decided} decided in {advances} calls)",
        advance_per_bundle
    );
    match close_gas {
        Some(g) => println!("  CloseBatch                           {:>10} (a batch of {close_leaves} leaves)", g),
        None => println!("  CloseBatch                           not measured (Advance closed every batch)"),
    }
    println!("  SubmitSignatures, 1 per tx           {:>10.0} per signature ({sigs} over {batches} batches)", sig_per);
    println!(
        "  hub gas per leg, everything included {:>10.0} (registration, report, verdict, batch, 3 signatures)",
        hub_gas_per_leg
    );
    println!("\nthroughput (leg reports, {} validator(s)):", a.validators);
    println!("  {reported} reports in {report_secs:.1} s = {legs_per_second:.1} legs/s sustained (3 relayers × {} txs in flight)", a.in_flight);
    println!("  registration: {nb} bundles in {reg_secs:.1} s = {:.1} bundles/s (3 creators)", nb as f64 / reg_secs);
    println!(
        "  {} blocks: mean {:.0} report gas per block, busiest {}, limit {}",
        heights,
        mean_per_block,
        busiest,
        if max_gas < 0 { "none".into() } else { max_gas.to_string() }
    );
    println!("  validator CPU while reporting: {:.2} cores (of 2); mean mempool {:.1} txs", cpu, mean_mempool);
    // a block is full when the next report tx no longer fits under its gas limit
    let biggest_tx = outcomes.iter().map(|(_, o)| o.gas_used).max().unwrap_or(0);
    let txs_per_block = if max_gas > 0 && biggest_tx > 0 { max_gas as u64 / biggest_tx } else { 0 };
    let full = format!(
        "block gas limit: a block holds {txs_per_block} report txs of {biggest_tx} gas, and the busiest carried {busiest}"
    );
    let bottleneck = if max_gas > 0 && busiest + biggest_tx > max_gas as u64 {
        full.as_str()
    } else if cpu > 1.5 {
        "node CPU: the validator executes contract calls as fast as this machine allows"
    } else if mean_mempool > 2.0 {
        "block production: txs wait in the mempool for the next block (timeout_commit)"
    } else {
        "the load generator: the node idles between txs (more accounts or more txs in flight)"
    };
    println!("  bottleneck: {bottleneck}");
    let state_per_bundle = (state_decided as f64 - state0 as f64) / nb as f64;
    println!("\ncontract state: {} bytes before, +{:.0} per registered bundle, {:.0} per decided bundle (kept until Prune after retention)",
        state0,
        (state_registered as f64 - state0 as f64) / nb as f64,
        state_per_bundle
    );
    println!(
        "{}",
        serde_json::json!({
            "validators": a.validators,
            "bundles": nb,
            "register_gas_per_bundle": reg_per_bundle.round(),
            "report_gas": per_report.round(),
            "report_gas_single": single.gas_used,
            "objection_gas": objections.as_ref().ok().map(|o| o.counted.round()),
            "rejecting_objection_gas": objections.as_ref().ok().map(|o| o.rejecting.round()),
            "advance_gas_per_bundle": advance_per_bundle.round(),
            "advance_per_call": per_call,
            "close_batch_gas": close_gas,
            "close_batch_leaves": close_leaves,
            "signature_gas": sig_per.round(),
            "hub_gas_per_leg": hub_gas_per_leg.round(),
            "legs_per_second": (legs_per_second * 10.0).round() / 10.0,
            "block_gas_limit": max_gas,
            "validator_cpu_cores": (cpu * 100.0).round() / 100.0,
            "state_bytes_per_bundle": state_per_bundle.round(),
            "bottleneck": bottleneck,
        })
    );
    tn.net.down(false).ok();
}
