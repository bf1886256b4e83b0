//! Measures the figures in docs/benchmarks.md on a fresh devnet (real injectived + anvil):
//! devnet bring-up, hub SDK gas per operation, lock → hub report latency (p50/p95), legs mirrored
//! per minute by one relayer, lock → settled on every chain for a 3-leg bundle, relayer RSS.
//!
//!   cargo run --release -p mesh-e2e --bin mesh-bench
//!
//! `mesh-bench hub` measures the hub at scale instead (tests/src/bench_hub.rs).
//!
//! The relayer under test is the `mesh` binary (target/release/mesh, else target/debug/mesh) run
//! as its own process, so its RSS is its own.
use mesh_testkit::fixture::{leg_status, mint_usdc, try_mint_usdc, usdc_leg};
use std::time::{Duration, Instant};

use mesh_chain_evm::locker::{lock_leg, wallet_provider};
use mesh_devnet::attack::report_pointing_at;
use mesh_devnet::evm_deploy::{evm_rpc, ANVIL_DEPLOYER_KEY};
use mesh_devnet::keys::DevIdentity;
use mesh_devnet::relayer_config::{data_dir, relayer_config};
use mesh_hub::bundle::{register, register_many, status};
use mesh_hub_api::bundle_log::{self, EvmLocation, LockLocation, LockReport};
use mesh_protocol::eip712::{leg_hash, settlement_batch_digest};
use mesh_protocol::sig::{sign_digest, signing_key};
use mesh_protocol::{Bundle, Hash32, SettlementBatch};
use mesh_relayer::config::Role;
use mesh_testkit::fixture::{now, TestNet};

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[path = "../bench_hub.rs"]
mod bench_hub;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("hub") {
        return bench_hub::run(&argv[1..]).await;
    }
    let t0 = Instant::now();
    let tn = TestNet::up("bench", 28000, 27990, 1, 2).await;
    let (net, m, hub) = (&tn.net, &tn.m, &tn.hub);
    let bring_up = t0.elapsed();
    println!(
        "devnet bring-up (1 validator, 2 anvil chains, contracts, 3 bonded relayers): {:.1} s",
        bring_up.as_secs_f64()
    );

    let log = m.contracts["bundle_log"].clone();
    let domain = m.bundle_domain();
    let alice = m.accounts.users[0].clone();
    let bob = m.accounts.users[1].clone();
    let relayer0 = m.accounts.relayers[0].clone();

    // ---- hub gas: register, report 1 / 10 per tx, advance, sign, fraud proof ------------------
    println!("\nhub SDK gas (gas_used of the tx on injectived):");
    let t = now();
    let ten = Bundle {
        creator: alice.hub_address.clone(),
        nonce: 1,
        lock_deadline: t + 25,
        settle_deadline: t + 200,
        legs: (0..10).map(|i| usdc_leg(m, i % 2, &alice.evm_address, &bob.evm_address, 10 + i as u128)).collect(),
    };
    let out = hub
        .execute(&alice.hub_signer(), &log, &bundle_log::ExecuteMsg::RegisterBundle { bundle: ten.clone() }, vec![])
        .await
        .unwrap();
    println!("  RegisterBundle (10 legs)            {:>9}", out.gas_used);
    let id = Hash32(mesh_protocol::eip712::bundle_id(&domain, &ten));
    let p = wallet_provider(&m.evm[0].rpc, ANVIL_DEPLOYER_KEY).unwrap();
    let block = alloy::providers::Provider::get_block_by_number(&p, 1u64.into()).await.unwrap().unwrap();
    let report = |i: u32| LockReport {
        proof: None,
        bundle_id: id,
        leg_index: i,
        leg_hash: Hash32(leg_hash(&ten.legs[i as usize])),
        settle_deadline: ten.settle_deadline,
        location: LockLocation::Evm(EvmLocation {
            chain_id: m.evm.iter().find(|e| e.domain == ten.legs[i as usize].domain).unwrap().chain_id,
            block_number: block.header.number,
            block_hash: Hash32(block.header.hash),
            block_timestamp: block.header.timestamp,
            tx_hash: Hash32(block.header.hash),
            tx_index: 0,
            log_index: i,
        }),
    };
    let r0 = relayer0.hub_signer();
    let out = hub
        .execute(&r0, &log, &bundle_log::ExecuteMsg::ReportLocks { reports: vec![report(0)] }, vec![])
        .await
        .unwrap();
    println!("  ReportLocks, 1 report               {:>9}", out.gas_used);
    let out = hub
        .execute(&r0, &log, &bundle_log::ExecuteMsg::ReportLocks { reports: (1..10).map(report).collect() }, vec![])
        .await
        .unwrap();
    println!("  ReportLocks, 9 reports in one msg   {:>9}  ({} per report)", out.gas_used, out.gas_used / 9);
    let out = hub
        .execute(&r0, &log, &bundle_log::ExecuteMsg::ReportLocks { reports: vec![report(3)] }, vec![])
        .await
        .unwrap();
    println!("  ReportLocks, duplicate (no-op)      {:>9}", out.gas_used);
    // wait for the windows, then decide and close
    tokio::time::sleep(m.profile.contracts.dispute_window + Duration::from_secs(2)).await;
    let out = hub.execute(&r0, &log, &bundle_log::ExecuteMsg::Advance { limit: Some(16) }, vec![]).await.unwrap();
    println!("  Advance (1 bundle decided)          {:>9}", out.gas_used);
    let cur: bundle_log::BatchResponse = hub.query_smart(&log, &bundle_log::QueryMsg::CurrentBatch {}).await.unwrap();
    if !cur.entries.is_empty() {
        // CloseBatch closes only a due batch (full, or aged batch_max_age): wait until it is
        let aged = cur.opened_at + hub_cfg_batch_max_age(hub, &log).await + 1;
        while mesh_testkit::fixture::now() < aged {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        match hub.execute(&r0, &log, &bundle_log::ExecuteMsg::CloseBatch {}, vec![]).await {
            Ok(out) => println!("  CloseBatch (1 leaf)                 {:>9}", out.gas_used),
            // a relayer's Advance closed the aged batch first
            Err(e) => println!("  CloseBatch (1 leaf)                 not measured: {e}"),
        }
    }
    let batch: bundle_log::BatchResponse =
        hub.query_smart(&log, &bundle_log::QueryMsg::Batch { index: 0 }).await.unwrap();
    let digest = settlement_batch_digest(
        &domain,
        &SettlementBatch { epoch: batch.epoch.unwrap(), batch_index: 0, root: batch.root.unwrap() },
    );
    let key = signing_key(&hex::decode(&relayer0.evm_secret).unwrap().try_into().unwrap()).unwrap();
    let out = hub
        .execute(
            &r0,
            &log,
            &bundle_log::ExecuteMsg::SubmitSignatures { batch_index: 0, signatures: vec![sign_digest(&key, digest)] },
            vec![],
        )
        .await
        .unwrap();
    println!("  SubmitSignatures, 1 signature       {:>9}", out.gas_used);

    // ---- relayer latency and throughput -------------------------------------------------------
    let data = data_dir(&net.dir);
    let mesh = ["release", "debug"]
        .iter()
        .map(|p| mesh_testkit::fixture::repo().join("target").join(p).join("mesh"))
        .find(|p| p.exists())
        .expect("build the mesh binary first (cargo build --release -p mesh-cli)");
    let mut procs = Vec::new();
    for (i, roles) in
        [(0, vec![Role::Reporter, Role::Signer, Role::Poster]), (1, vec![Role::Signer]), (2, vec![Role::Signer])]
    {
        let cfg = relayer_config(m, &m.accounts.relayers[i], roles, &data, None).unwrap();
        let path = data.join(format!("bench-relayer-{i}.toml"));
        std::fs::write(&path, toml::to_string(&cfg).unwrap()).unwrap();
        let logf = std::fs::File::create(net.dir.join(format!("logs/bench-relayer-{i}.log"))).unwrap();
        procs.push(
            std::process::Command::new(&mesh)
                .args(["relayer", "run", "--config", path.to_str().unwrap()])
                .env("MESH_LOG", "warn")
                .stdout(logf.try_clone().unwrap())
                .stderr(logf)
                .spawn()
                .unwrap(),
        );
    }
    let n: usize = 20;
    mint_usdc(m, 0, &alice.evm_address, 1_000_000).await;
    mint_usdc(m, 1, &bob.evm_address, 1_000_000).await;
    let t = now();
    let mut bundles = Vec::new();
    for k in 0..n {
        let b = Bundle {
            creator: alice.hub_address.clone(),
            nonce: 100 + k as u64,
            lock_deadline: t + 200,
            settle_deadline: t + 400,
            legs: vec![
                usdc_leg(m, 0, &alice.evm_address, &bob.evm_address, 10),
                usdc_leg(m, 1, &bob.evm_address, &alice.evm_address, 5),
            ],
        };
        bundles.push(b);
    }
    let alice_hub = alice.hub_signer();
    let ids = register_many(hub, &alice_hub, &log, &bundles).await.unwrap();
    let pa = wallet_provider(&m.evm[0].rpc, &alice.evm_secret).unwrap();
    let pb = wallet_provider(&m.evm[1].rpc, &bob.evm_secret).unwrap();
    let start = Instant::now();
    // reports are watched while the locks are still being made: a bundle's latency is its own
    // lock → report time, not the wait for the whole lock phase to end
    let watcher = {
        let (hub, log, ids) = (hub.clone(), log.clone(), ids.clone());
        let pid = procs[0].id();
        tokio::spawn(async move {
            let mut reported_at: Vec<Option<Duration>> = vec![None; ids.len()];
            let mut peak_rss = 0;
            while reported_at.iter().any(Option::is_none) {
                for (k, id) in ids.iter().enumerate() {
                    if reported_at[k].is_none() {
                        // a bundle not locked yet has no reports: one cheap query
                        let s = status(&hub, &log, *id).await.unwrap();
                        if s.reports.iter().all(Option::is_some) {
                            reported_at[k] = Some(start.elapsed());
                        }
                    }
                }
                peak_rss = peak_rss.max(rss_kib(pid));
                assert!(start.elapsed() < Duration::from_secs(300), "reports did not arrive");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            (reported_at, peak_rss)
        })
    };
    let mut locked_at = Vec::new();
    for b in &bundles {
        // both legs of a bundle are locked at once, on their two chains
        let (a, c) = tokio::join!(lock_leg(&pa, &domain, b, 0), lock_leg(&pb, &domain, b, 1));
        a.unwrap();
        c.unwrap();
        locked_at.push(start.elapsed());
    }
    let lock_phase = start.elapsed();
    let (reported_at, mut peak_rss) = watcher.await.unwrap();
    let all_reported = start.elapsed();
    let mut lat: Vec<f64> = reported_at.iter().zip(&locked_at).map(|(r, l)| (r.unwrap() - *l).as_secs_f64()).collect();
    println!("\nrelayer ({} as its own process, confirmations 2, block time 1 s, hub ~3 blocks/s):", mesh.display());
    println!(
        "  {n} bundles × 2 legs locked in {:.1} s (one depositor per chain, approve + lock each, both chains at once)",
        lock_phase.as_secs_f64()
    );
    println!("  lock → both legs on the hub: p50 {:.1} s, p95 {:.1} s", pct(&mut lat, 0.5), pct(&mut lat, 0.95));
    println!(
        "  legs mirrored: {} in {:.1} s from the first lock = {:.0} legs/minute",
        2 * n,
        all_reported.as_secs_f64(),
        (2 * n) as f64 / all_reported.as_secs_f64() * 60.0
    );

    // lock → settled on every chain for one 3-leg bundle, broken down
    let t = now();
    let three = Bundle {
        creator: alice.hub_address.clone(),
        nonce: 9_999,
        lock_deadline: t + 60,
        settle_deadline: t + 200,
        legs: vec![
            usdc_leg(m, 0, &alice.evm_address, &bob.evm_address, 7),
            usdc_leg(m, 1, &bob.evm_address, &alice.evm_address, 3),
            usdc_leg(m, 0, &alice.evm_address, &bob.evm_address, 2),
        ],
    };
    let id = register(hub, &alice.hub_signer(), &log, &three).await.unwrap();
    let s0 = Instant::now();
    lock_leg(&pa, &m.bundle_domain(), &three, 0).await.unwrap();
    lock_leg(&pb, &m.bundle_domain(), &three, 1).await.unwrap();
    lock_leg(&pa, &m.bundle_domain(), &three, 2).await.unwrap();
    let locked = s0.elapsed();
    let (mut reported, mut decided, mut attested) = (None, None, None);
    loop {
        let s = status(hub, &log, id).await.unwrap();
        if reported.is_none() && s.reports.iter().all(Option::is_some) {
            reported = Some(s0.elapsed());
        }
        if decided.is_none() && s.verdict.is_some() {
            decided = Some(s0.elapsed());
        }
        if let (Some(_), Some(bi)) = (decided, s.batch_index) {
            if attested.is_none() {
                let b: bundle_log::BatchResponse =
                    hub.query_smart(&log, &bundle_log::QueryMsg::Batch { index: bi }).await.unwrap();
                if b.status == bundle_log::BatchStatus::Attested {
                    attested = Some(s0.elapsed());
                }
            }
        }
        peak_rss = peak_rss.max(rss_kib(procs[0].id()));
        let done = {
            let mut all = true;
            for (i, l) in three.legs.iter().enumerate() {
                let c = m.evm.iter().position(|e| e.domain == l.domain).unwrap();
                all &= leg_status(m, c, id, i as u32).await != 1;
            }
            all
        };
        if done {
            break;
        }
        assert!(s0.elapsed() < Duration::from_secs(200), "3-leg bundle did not settle");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let settled = s0.elapsed();
    let f = |d: Option<Duration>| d.unwrap().as_secs_f64();
    println!("\n3-leg bundle, lock → settled on every chain: {:.1} s", settled.as_secs_f64());
    println!("  locking the 3 legs (3 EVM txs + approvals)     {:>6.1} s", locked.as_secs_f64());
    println!("  → all legs reported (confirmations + indexing) {:>6.1} s", f(reported) - locked.as_secs_f64());
    println!(
        "  → verdict (dispute window {:>3} s + Advance)    {:>6.1} s",
        m.profile.contracts.dispute_window.as_secs(),
        f(decided) - f(reported)
    );
    println!("  → batch closed and attested (signatures)       {:>6.1} s", f(attested) - f(decided));
    println!("  → settled on both chains (poster txs)          {:>6.1} s", settled.as_secs_f64() - f(attested));

    // capacity: a backlog of locks made while the reporter is down, mirrored once it restarts
    let _ = procs[0].kill();
    let _ = procs[0].wait();
    let depositors: Vec<(usize, DevIdentity)> =
        (0..2).flat_map(|c| (0..10).map(move |i| (c, DevIdentity::derive(&format!("bench-{c}-{i}"))))).collect();
    for (c, id) in &depositors {
        evm_rpc(&m.evm[*c].rpc, "anvil_setBalance", serde_json::json!([id.evm_address, "0x3635c9adc5dea00000"]))
            .unwrap();
        mint_usdc(m, *c, &id.evm_address, 1_000_000).await;
    }
    let backlog_bundles = 60usize;
    let t = now();
    let big: Vec<Bundle> = (0..backlog_bundles)
        .map(|k| Bundle {
            creator: alice.hub_address.clone(),
            nonce: 20_000 + k as u64,
            lock_deadline: t + 240,
            settle_deadline: t + 400,
            legs: vec![
                usdc_leg(m, 0, &depositors[k % 10].1.evm_address, &bob.evm_address, 1),
                usdc_leg(m, 1, &depositors[10 + k % 10].1.evm_address, &alice.evm_address, 1),
            ],
        })
        .collect();
    let big_ids = register_many(hub, &alice_hub, &log, &big).await.unwrap();
    let mut locks = tokio::task::JoinSet::new();
    for (j, (c, id)) in depositors.iter().cloned().enumerate() {
        let (mine, hub_chain, rpc) =
            (big.iter().skip(j % 10).step_by(10).cloned().collect::<Vec<_>>(), m.bundle_domain(), m.evm[c].rpc.clone());
        locks.spawn(async move {
            let p = wallet_provider(&rpc, &id.evm_secret).unwrap();
            for b in &mine {
                lock_leg(&p, &hub_chain, b, c).await.unwrap();
            }
        });
    }
    while let Some(r) = locks.join_next().await {
        r.unwrap();
    }
    let cfg = data.join("bench-relayer-0.toml");
    let logf = std::fs::File::create(net.dir.join("logs/bench-relayer-0-restart.log")).unwrap();
    let b0 = Instant::now();
    procs[0] = std::process::Command::new(&mesh)
        .args(["relayer", "run", "--config", cfg.to_str().unwrap()])
        .env("MESH_LOG", "warn")
        .stdout(logf.try_clone().unwrap())
        .stderr(logf)
        .spawn()
        .unwrap();
    let mut left: Vec<Hash32> = big_ids.clone();
    while !left.is_empty() {
        let mut still = Vec::new();
        for id in left {
            if !status(hub, &log, id).await.unwrap().reports.iter().all(Option::is_some) {
                still.push(id);
            }
        }
        left = still;
        peak_rss = peak_rss.max(rss_kib(procs[0].id()));
        assert!(b0.elapsed() < Duration::from_secs(200), "backlog not mirrored");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let drained = b0.elapsed().as_secs_f64();
    println!(
        "\nreporter capacity: a backlog of {} legs (locked while it was down) mirrored {drained:.1} s after its restart = {:.0} legs/minute",
        2 * backlog_bundles,
        (2 * backlog_bundles) as f64 / drained * 60.0
    );
    println!("\nrelayer process RSS (reporter+signer+poster), peak: {:.1} MiB", peak_rss as f64 / 1024.0);

    // the false-lock fraud proof: header RLP + receipt + receipt-trie proof, checked in wasm
    let liar = m.accounts.relayers[3].clone();
    let escrow = m.contracts["stake_escrow"].clone();
    mesh_devnet::deploy::bond(
        hub,
        &escrow,
        &m.escrow_domain(),
        &liar,
        m.profile.contracts.relayer_bond.parse().unwrap(),
    )
    .await
    .unwrap();
    let t = now();
    let one = Bundle {
        creator: alice.hub_address.clone(),
        nonce: 30_000,
        lock_deadline: t + 60,
        settle_deadline: t + 200,
        legs: vec![usdc_leg(m, 0, &alice.evm_address, &bob.evm_address, 1)],
    };
    let one_id = register(hub, &alice.hub_signer(), &log, &one).await.unwrap();
    // the "lock" is a token mint: a real transaction with a log, but no LegLocked
    let minted = try_mint_usdc(m, 0, &alice.evm_address, 1).await.unwrap();
    let fake = report_pointing_at(&p, &m.bundle_domain(), &one, 0, &minted, 0).await.unwrap();
    hub.execute(&liar.hub_signer(), &log, &bundle_log::ExecuteMsg::ReportLocks { reports: vec![fake] }, vec![])
        .await
        .unwrap();
    let reported: bundle_log::ReportResponse =
        hub.query_smart(&log, &bundle_log::QueryMsg::Report { bundle_id: one_id, leg_index: 0 }).await.unwrap();
    let evm = mesh_chain_evm::AlloyEvm::new(&m.evm[0].rpc, m.evm[0].chain_id).unwrap();
    let router = mesh_testkit::fixture::addr(&m.evm[0].contracts["MeshRouter"]).0;
    let mesh_chain::LockCheck::False { proof, .. } =
        mesh_chain_evm::chain::check_report(&evm, router, &reported).await.unwrap()
    else {
        panic!("a mint is provably not a lock")
    };
    let size: usize = match proof.as_ref() {
        mesh_hub_api::dispute::FraudProof::FalseLock {
            evidence: mesh_hub_api::dispute::FalseLockEvidence::EvmReceipt { header, receipt, receipt_proof },
            ..
        } => header.len() + receipt.len() + receipt_proof.iter().map(|n| n.len()).sum::<usize>(),
        _ => 0,
    };
    let out = hub
        .execute(
            &m.accounts.disputer.hub_signer(),
            &m.contracts["dispute"],
            &mesh_hub_api::dispute::ExecuteMsg::SubmitFraudProof { proof: *proof },
            vec![],
        )
        .await
        .unwrap();
    println!(
        "\nSubmitFraudProof, false lock ({size} bytes of header + receipt + trie proof; revert, slash, jail, bounty): {} gas",
        out.gas_used
    );
    for mut p in procs {
        let _ = p.kill();
        let _ = p.wait();
    }
}

/// The bundle-log's `batch_max_age` (seconds).
async fn hub_cfg_batch_max_age(hub: &mesh_hub::CosmosClient, log: &str) -> u64 {
    let c: bundle_log::ConfigResponse = hub.query_smart(log, &bundle_log::QueryMsg::Config {}).await.unwrap();
    c.batch_max_age
}
