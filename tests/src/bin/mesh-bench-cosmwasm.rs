//! The CosmWasm figures of docs/benchmarks.md, on a fresh devnet (real injectived hub, two anvil
//! chains, gamma: a second injectived chain running mesh-router-cw):
//! * hub gas of the light client: an adjacent and a skipping `UpdateClient`;
//! * hub gas of a `ReportLocks` carrying one proven (ICS23) CosmWasm report, beside one EVM report;
//! * gamma gas of a bank-denom lock, of `SettleBatch` with 1 and 8 legs (the batch's signature
//!   verification and the cost per settled leg), and of `SettleMany` under a known root;
//! * a bundle across alpha, beta and gamma with relayers running: lock → report on the hub per
//!   chain, → verdict, → settled on every chain.
//!
//!   cargo run --release -p mesh-e2e --bin mesh-bench-cosmwasm
use std::time::{Duration, Instant};

use mesh_chain::{Delivery, HeaderSource, LegLocker, LegSource, SettleItem, SettlementSink};
use mesh_chain_evm::locker::lock_leg;
use mesh_hub::bundle::{register, status};
use mesh_hub_api::bundle_log::{self, BundleStatus};
use mesh_hub_api::light_client;
use mesh_protocol::eip712::{settlement_batch_digest, settlement_leaf};
use mesh_protocol::merkle::{merkle_proof, merkle_root};
use mesh_protocol::sig::{sign_digest, signer_address, signing_key};
use mesh_protocol::{Bundle, Hash32, SettlementBatch, Verdict};
use mesh_testkit::fixture::{cw_chain, cw_leg, cw_locker, mint_usdc, now, usdc_leg, TestNet};

const GAMMA: usize = 0;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let t0 = Instant::now();
    let opts = mesh_devnet::UpOptions { validators: 1, evm_chains: 2, cosmwasm_chains: 1, fresh: true };
    let tn = TestNet::up_with("bench-cosmwasm", 29300, 29290, opts).await;
    let (m, hub) = (&tn.m, &tn.hub);
    println!("devnet bring-up (hub, alpha, beta, gamma, contracts, light client): {:.1} s", t0.elapsed().as_secs_f64());
    let log = m.contracts["bundle_log"].clone();
    let lc = m.contracts["light_client"].clone();
    let (alice, carol) = (&m.accounts.users[0], &m.accounts.users[2]);
    let r0 = m.accounts.relayers[0].hub_signer();
    let gamma = cw_chain(m, GAMMA).unwrap();
    let carol_gamma = cw_locker(m, GAMMA, carol).unwrap();

    // ---- gamma: locks ---------------------------------------------------------------------------
    let t = now();
    let bundles: Vec<Bundle> = (0..9u64)
        .map(|i| Bundle {
            creator: carol.hub_address.clone(),
            nonce: 100 + i,
            lock_deadline: t + 600,
            settle_deadline: t + 1200,
            legs: vec![cw_leg(m, GAMMA, &carol.hub_address, &alice.hub_address, 1_000 + i as u128)],
        })
        .collect();
    let mut ids = Vec::new();
    let mut lock_gas = Vec::new();
    let mut last_lock = 0;
    for b in &bundles {
        let id = register(hub, &carol.hub_signer(), &log, b).await.unwrap();
        let locked = carol_gamma.lock(b, id, 0).await.unwrap();
        let out = gamma.client.wait_for_tx(&hex::encode_upper(locked.tx.0)).await.unwrap();
        lock_gas.push(out.gas_used);
        ids.push(id);
        last_lock = locked.block;
    }
    // the proof height (head − 2 below) must be at or above the last lock
    while gamma.head().await.unwrap() < last_lock + 2 {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("\ngamma SDK gas (gas_used on injectived, mesh-router-cw):");
    println!("  lock, bank denom                    {:>9}  (median of {})", median(&mut lock_gas), lock_gas.len());

    // ---- hub: light client updates and a proven report -------------------------------------------
    println!("\nhub SDK gas:");
    let client: light_client::ClientResponse =
        hub.query_smart(&lc, &light_client::QueryMsg::Client { chain_id: "gamma-1".into() }).await.unwrap();
    let mut h = client.latest_height;
    let head = gamma.head().await.unwrap();
    let adjacent = light_client::ExecuteMsg::UpdateClient {
        chain_id: "gamma-1".into(),
        header: gamma.light_header(h + 1).await.unwrap().unwrap(),
        trusted_height: h,
        trusted_next_validators: None,
    };
    let out = hub.execute(&r0, &lc, &adjacent, vec![]).await.unwrap();
    println!("  UpdateClient, adjacent header       {:>9}", out.gas_used);
    h += 1;
    let target = head - 1;
    let skipping = light_client::ExecuteMsg::UpdateClient {
        chain_id: "gamma-1".into(),
        header: gamma.light_header(target).await.unwrap().unwrap(),
        trusted_height: h,
        trusted_next_validators: Some(gamma.validator_set(h + 1).await.unwrap().unwrap().into()),
    };
    let out = hub.execute(&r0, &lc, &skipping, vec![]).await.unwrap();
    println!("  UpdateClient, skipping {:>5} blocks  {:>9}", target - h, out.gas_used);
    // the locks proven at target − 1 (header `target` verified above)
    let observed = gamma.leg_locks(1, target - 1).await.unwrap();
    assert_eq!(observed.len(), bundles.len(), "every lock found");
    let one = bundle_log::ExecuteMsg::ReportLocks { reports: vec![observed[0].report.clone()] };
    let out = hub.execute(&r0, &log, &one, vec![]).await.unwrap();
    println!("  ReportLocks, 1 proven CosmWasm report {:>7}", out.gas_used);
    let eight: Vec<_> = observed[1..].iter().map(|o| o.report.clone()).collect();
    let n = eight.len();
    let out = hub.execute(&r0, &log, &bundle_log::ExecuteMsg::ReportLocks { reports: eight }, vec![]).await.unwrap();
    println!("  ReportLocks, {n} proven reports        {:>9}  ({} per report)", out.gas_used, out.gas_used / n as u64);

    // ---- gamma: settlement, with a batch signed by the devnet signer set (epoch 1) ----------------
    let keys: Vec<_> = m.accounts.relayers[..3]
        .iter()
        .map(|r| signing_key(&hex::decode(&r.evm_secret).unwrap().try_into().unwrap()).unwrap())
        .collect();
    let domain = m.bundle_domain();
    let sink = mesh_chain_cosmwasm::CwDelivery {
        name: "gamma".into(),
        domain: m.cosmwasm[GAMMA].domain,
        chain_id: m.cosmwasm[GAMMA].chain_id.clone(),
        router: m.cosmwasm[GAMMA].contracts["router"].clone(),
        client: gamma.client.clone(),
        signer: m.accounts.relayers[0].hub_signer(),
    };
    let signed = |batch_index: u64, leaves: &[mesh_protocol::B256]| {
        let batch = SettlementBatch { epoch: 1, batch_index, root: Hash32(merkle_root(leaves).unwrap()) };
        let digest = settlement_batch_digest(&domain, &batch);
        let mut sigs: Vec<_> = keys.iter().map(|k| (signer_address(k), sign_digest(k, digest))).collect();
        sigs.sort_by_key(|(a, _)| *a);
        (batch, sigs.into_iter().map(|(_, s)| s).collect::<Vec<_>>())
    };
    let item = |i: usize, leaves: &[mesh_protocol::B256], at: usize| SettleItem {
        bundle_id: ids[i],
        leg_index: 0,
        verdict: Verdict::Commit,
        proof: merkle_proof(leaves, at).unwrap().into_iter().map(Hash32).collect(),
    };
    let gas_of = |sent: mesh_chain::Sent| {
        let c = gamma.client.clone();
        async move {
            assert!(sent.success);
            c.wait_for_tx(&hex::encode_upper(sent.tx.0)).await.unwrap().gas_used
        }
    };
    // batch A: one leg
    let leaves_a = vec![settlement_leaf(ids[0].0, Verdict::Commit)];
    let (batch, signatures) = signed(1_000_001, &leaves_a);
    let one = gas_of(
        sink.send(Delivery::SettleBatch { batch, signatures, items: vec![item(0, &leaves_a, 0)] }).await.unwrap(),
    )
    .await;
    // batch B: eight legs, seven settled with the batch and one later under the known root
    let leaves_b: Vec<_> = ids[1..].iter().map(|id| settlement_leaf(id.0, Verdict::Commit)).collect();
    let (batch, signatures) = signed(1_000_002, &leaves_b);
    let items: Vec<_> = (0..7).map(|j| item(1 + j, &leaves_b, j)).collect();
    let seven = gas_of(sink.send(Delivery::SettleBatch { batch, signatures, items }).await.unwrap()).await;
    let root = Hash32(merkle_root(&leaves_b).unwrap());
    let many =
        gas_of(sink.send(Delivery::SettleMany { root, items: vec![item(8, &leaves_b, 7)] }).await.unwrap()).await;
    let per_leg = (seven - one) / 6;
    println!("  SettleBatch, 1 leg (3 signatures)   {one:>9}");
    println!("  SettleBatch, 7 legs                 {seven:>9}");
    println!("  → per settled leg                   {per_leg:>9}");
    println!("  → batch verification (3 sigs)       {:>9}", one - per_leg);
    println!("  SettleMany, 1 leg under a known root {many:>8}");
    for id in &ids {
        assert_eq!(
            mesh_testkit::fixture::try_cw_leg_status(m, GAMMA, *id, 0).await.unwrap(),
            mesh_hub_api::router_cw::LegStatus::Committed
        );
    }

    // ---- three-VM latency with relayers ----------------------------------------------------------
    let relayers = tn.quorum();
    let bob = &m.accounts.users[1];
    mint_usdc(m, 0, &alice.evm_address, 100).await;
    mint_usdc(m, 1, &bob.evm_address, 100).await;
    let t = now();
    let b = Bundle {
        creator: alice.hub_address.clone(),
        nonce: 200,
        lock_deadline: t + 60,
        settle_deadline: t + 180,
        legs: vec![
            usdc_leg(m, 0, &alice.evm_address, &bob.evm_address, 10),
            usdc_leg(m, 1, &bob.evm_address, &carol.evm_address, 10),
            cw_leg(m, GAMMA, &carol.hub_address, &alice.hub_address, 10),
        ],
    };
    let id = register(hub, &alice.hub_signer(), &log, &b).await.unwrap();
    let start = Instant::now();
    lock_leg(&tn.wallet(0, alice), &domain, &b, 0).await.unwrap();
    lock_leg(&tn.wallet(1, bob), &domain, &b, 1).await.unwrap();
    carol_gamma.lock(&b, id, 2).await.unwrap();
    let locked = start.elapsed();
    let (mut reported, mut decided, mut settled) = ([None; 3], None, [None; 3]);
    while settled.iter().any(Option::is_none) {
        assert!(start.elapsed() < Duration::from_secs(180), "the three-VM bundle did not settle");
        let s = status(hub, &log, id).await.unwrap();
        for (i, r) in s.reports.iter().enumerate() {
            if r.is_some() && reported[i].is_none() {
                reported[i] = Some(start.elapsed());
            }
        }
        if s.status == BundleStatus::Decided && decided.is_none() {
            decided = Some(start.elapsed());
        }
        let states = [
            mesh_testkit::fixture::leg_status(m, 0, id, 0).await == 2,
            mesh_testkit::fixture::leg_status(m, 1, id, 1).await == 2,
            mesh_testkit::fixture::try_cw_leg_status(m, GAMMA, id, 2).await.unwrap()
                == mesh_hub_api::router_cw::LegStatus::Committed,
        ];
        for (i, done) in states.iter().enumerate() {
            if *done && settled[i].is_none() {
                settled[i] = Some(start.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let secs = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64());
    println!("\nthree-VM bundle (alpha, beta, gamma), seconds from the first lock:");
    println!("  all three locks sent                {:>6.1}", locked.as_secs_f64());
    for (i, name) in
        ["alpha (EVM, after 2 confirmations)", "beta (EVM, same)", "gamma (CosmWasm, proven, final at once)"]
            .iter()
            .enumerate()
    {
        println!("  reported on the hub: {name:<46} {:>6.1}", secs(reported[i]));
    }
    println!("  verdict (COMMIT) on the hub         {:>6.1}", secs(decided));
    for (i, name) in ["alpha", "beta", "gamma"].iter().enumerate() {
        println!("  settled on {name:<24} {:>6.1}", secs(settled[i]));
    }
    for r in relayers {
        r.stop().await;
    }
}

fn median(v: &mut [u64]) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}
