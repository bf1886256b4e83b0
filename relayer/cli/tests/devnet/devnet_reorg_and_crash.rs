//! The reporter on the real devnet: a lock removed by a reorg shallower than the confirmation
//! depth is never reported; a relayer process that dies right after the hub included its reports
//! but before recording them, restarted, produces no duplicate log entry and loses no report.
use mesh_testkit::fixture::{mint_usdc, usdc_leg};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alloy::providers::Provider;
use mesh_chain_evm::locker::{lock_leg, wallet_provider};
use mesh_devnet::deploy::hub_client;
use mesh_devnet::evm_deploy::evm_rpc;
use mesh_devnet::manifest::Manifest;
use mesh_devnet::relayer_config::{data_dir, relayer_config};
use mesh_devnet::UpOptions;
use mesh_hub::bundle::{register, status};
use mesh_hub::CosmosClient;
use mesh_hub_api::bundle_log::{self, LogEvent};
use mesh_protocol::{Bundle, Hash32};
use mesh_relayer::config::Role;
use mesh_testkit::fixture::{devnet, now, start_relayer, DownOnDrop};

fn one_leg_bundle(m: &Manifest, nonce: u64, amount: u128) -> Bundle {
    let (alice, bob) = (&m.accounts.users[0], &m.accounts.users[1]);
    let t = now();
    Bundle {
        creator: alice.hub_address.clone(),
        nonce,
        lock_deadline: t + 90,
        settle_deadline: t + 200,
        legs: vec![usdc_leg(m, 0, &alice.evm_address, &bob.evm_address, amount)],
    }
}

async fn reported(hub: &CosmosClient, log: &str, id: Hash32) -> bool {
    status(hub, log, id).await.unwrap().reports[0].is_some()
}

async fn log_entries_for(hub: &CosmosClient, log: &str, id: Hash32) -> usize {
    let mut n = 0;
    let mut start_after = None;
    loop {
        let page: bundle_log::LogResponse =
            hub.query_smart(log, &bundle_log::QueryMsg::Log { start_after, limit: Some(100) }).await.unwrap();
        for e in &page.entries {
            if matches!(&e.event, LogEvent::LegReported { bundle_id, .. } if *bundle_id == id) {
                n += 1;
            }
        }
        match page.entries.last() {
            Some(last) if page.entries.len() == 100 => start_after = Some(last.seq),
            _ => return n,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reorged_locks_are_never_reported_and_a_crash_after_broadcast_duplicates_nothing() {
    let mut net = devnet("reorg-crash", 28100, 28090);
    net.profile.evm[0].confirmations = 6;
    let _guard = DownOnDrop(&net);
    let m =
        net.up(&UpOptions { validators: 1, evm_chains: 2, cosmwasm_chains: 0, fresh: true }).await.expect("devnet up");
    let hub = hub_client(&m).unwrap();
    let log = m.contracts["bundle_log"].clone();
    let alice = m.accounts.users[0].clone();
    mint_usdc(&m, 0, &alice.evm_address, 10_000).await;
    let pa = wallet_provider(&m.evm[0].rpc, &alice.evm_secret).unwrap();

    // ---- a reorg 2-3 blocks deep (< 6 confirmations) removes a lock before it is reported ----
    let reporter = start_relayer(&net, &m, Some(0), vec![Role::Reporter]);
    let ghost = one_leg_bundle(&m, 1, 100);
    let ghost_id = register(&hub, &alice.hub_signer(), &log, &ghost).await.unwrap();
    let (_, lock_block) = lock_leg(&pa, &m.bundle_domain(), &ghost, 0).await.unwrap();
    let head = pa.get_block_number().await.unwrap();
    let depth = head - lock_block + 1;
    assert!(depth < 6, "the reorg must stay below the confirmation depth (depth {depth})");
    evm_rpc(&m.evm[0].rpc, "anvil_reorg", serde_json::json!([depth, []])).unwrap();
    let after = pa.get_block_by_number(lock_block.into()).await.unwrap().unwrap();
    assert!(after.transactions.is_empty(), "the lock's block was replaced by an empty one");
    // wait well past the confirmation depth: the ghost lock must never be reported
    let until = pa.get_block_number().await.unwrap() + 10;
    while pa.get_block_number().await.unwrap() < until {
        assert!(!reported(&hub, &log, ghost_id).await, "a reorged lock was reported");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(!reported(&hub, &log, ghost_id).await);
    // the same leg locked for real on the new fork is reported (a fresh provider: the reorg
    // rewound alice's account nonce, which the old provider had cached)
    let pa = wallet_provider(&m.evm[0].rpc, &alice.evm_secret).unwrap();
    lock_leg(&pa, &m.bundle_domain(), &ghost, 0).await.expect("the reorg undid the escrow; lock again");
    let start = Instant::now();
    while !reported(&hub, &log, ghost_id).await {
        assert!(start.elapsed() < Duration::from_secs(40), "the canonical lock was not reported");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    reporter.stop().await;

    // ---- the relayer process dies after the hub included its report, before bookkeeping ------
    let data = data_dir(&net.dir);
    let cfg = relayer_config(&m, &m.accounts.relayers[1], vec![Role::Reporter], &data, None).unwrap();
    let cfg_path = data.join("crash-relayer.toml");
    std::fs::write(&cfg_path, toml::to_string(&cfg).unwrap()).unwrap();
    let mesh = env!("CARGO_BIN_EXE_mesh");
    let crash = one_leg_bundle(&m, 2, 50);
    let crash_id = register(&hub, &alice.hub_signer(), &log, &crash).await.unwrap();
    lock_leg(&pa, &m.bundle_domain(), &crash, 0).await.unwrap();
    let status1 = Command::new(crash_relayer())
        .env("MESH_CRASH_RELAYER_CONFIG", &cfg_path)
        .env("MESH_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!status1.success(), "the relayer died at the fault point");
    assert!(reported(&hub, &log, crash_id).await, "the hub included the report before the crash");
    assert_eq!(log_entries_for(&hub, &log, crash_id).await, 1);

    // restart without the fault: it re-sends its pending report, the hub treats it as a no-op
    let mut child = Command::new(mesh)
        .args(["relayer", "run", "--config", cfg_path.to_str().unwrap()])
        .env("MESH_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let store_path = cfg.relayer.db.clone();
    let start = Instant::now();
    loop {
        // the relayer's own bookkeeping catches up: nothing pending any more
        tokio::time::sleep(Duration::from_secs(2)).await;
        let _ = child.kill();
        let _ = child.wait();
        let store = mesh_relayer::store::Store::open(&store_path).unwrap();
        if store.pending().unwrap().is_empty() {
            break;
        }
        drop(store);
        assert!(start.elapsed() < Duration::from_secs(40), "the restarted relayer never settled its pending report");
        child = Command::new(mesh)
            .args(["relayer", "run", "--config", cfg_path.to_str().unwrap()])
            .env("MESH_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
    }
    assert_eq!(log_entries_for(&hub, &log, crash_id).await, 1, "no duplicate log entry after the restart");
    assert!(reported(&hub, &log, crash_id).await, "no report lost");
}

/// The `crash_relayer` test executable built beside this one (the newest, if several builds left
/// copies in `target/*/deps`).
fn crash_relayer() -> std::path::PathBuf {
    let deps = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    std::fs::read_dir(&deps)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with("crash_relayer-") && p.extension().is_none()
        })
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .unwrap_or_else(|| {
            panic!(
                "no crash_relayer test executable in {}: build it with `cargo test -p mesh-cli --no-run`",
                deps.display()
            )
        })
}
