//! Under load and without relayers: 50 bundles registered and locked concurrently all reach a
//! final, correct state with every chain's escrow conserved, though the relayer that reports and
//! posts is restarted twice mid-run (while the locks arrive, and again while batches settle);
//! and with every relayer stopped,
//! `refundExpired` returns a locked leg after its settle deadline with no signature at all.
use mesh_testkit::fixture::{addr, mint_usdc, usdc_balance, usdc_leg};
use std::time::{Duration, Instant};

use alloy::primitives::U256;
use mesh_chain_evm::bindings::MeshRouter;
use mesh_chain_evm::locker::{lock_leg, wallet_provider};
use mesh_devnet::evm_deploy::{evm_rpc, ANVIL_DEPLOYER_KEY};
use mesh_devnet::keys::DevIdentity;
use mesh_hub::bundle::{register, register_many, status};
use mesh_hub_api::bundle_log::BundleStatus;
use mesh_protocol::eip712::bundle_id;
use mesh_protocol::{Bundle, Verdict};
use mesh_relayer::config::Role;
use mesh_testkit::fixture::{now, TestNet};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_bundles_end_correctly_and_expired_legs_refund_without_relayers() {
    let tn = TestNet::up("many", 28200, 28190, 1, 2).await;
    let (_net, m, hub) = (&tn.net, &tn.m, &tn.hub);
    let log = m.contracts["bundle_log"].clone();
    let domain = m.bundle_domain();
    let (alice, bob, carol) = (m.accounts.users[0].clone(), m.accounts.users[1].clone(), m.accounts.users[2].clone());
    mint_usdc(m, 0, &carol.evm_address, 1_000).await;

    // ---- 50 bundles, 2 legs each on different chains, 45 fully locked, 5 missing a leg ----
    let full_roles = || vec![Role::Reporter, Role::Signer, Role::Poster];
    let mut r = vec![
        tn.relayer(Some(0), full_roles()),
        tn.relayer(Some(1), vec![Role::Reporter, Role::Signer]),
        tn.relayer(Some(2), vec![Role::Signer]),
    ];
    // ten depositors per chain lock concurrently
    let alpha: Vec<DevIdentity> = (0..10).map(|i| DevIdentity::derive(&format!("load-alpha-{i}"))).collect();
    let beta: Vec<DevIdentity> = (0..10).map(|i| DevIdentity::derive(&format!("load-beta-{i}"))).collect();
    for (c, ids) in [(0, &alpha), (1, &beta)] {
        for id in ids {
            evm_rpc(&m.evm[c].rpc, "anvil_setBalance", serde_json::json!([id.evm_address, "0x3635c9adc5dea00000"]))
                .unwrap();
            mint_usdc(m, c, &id.evm_address, 10_000).await;
        }
    }
    let t = now();
    let bundles: Vec<Bundle> = (0..50usize)
        .map(|k| Bundle {
            creator: alice.hub_address.clone(),
            nonce: 1_000 + k as u64,
            lock_deadline: t + 60,
            settle_deadline: t + 200,
            legs: vec![
                usdc_leg(m, 0, &alpha[k % 10].evm_address, &bob.evm_address, 100 + k as u128),
                usdc_leg(m, 1, &beta[k % 10].evm_address, &alice.evm_address, 10 + k as u128),
            ],
        })
        .collect();
    // registrations batched 10 per hub tx (a block holds 10M gas)
    let alice_hub = alice.hub_signer();
    register_many(hub, &alice_hub, &log, &bundles).await.expect("registrations, 10 per tx");
    let mut locks = tokio::task::JoinSet::new();
    for (c, ids) in [(0usize, alpha.clone()), (1usize, beta.clone())] {
        for (i, id) in ids.into_iter().enumerate() {
            let mine: Vec<Bundle> = bundles
                .iter()
                .enumerate()
                .filter(|(k, _)| k % 10 == i && (c == 0 || *k < 45))
                .map(|(_, b)| b.clone())
                .collect();
            let rpc = m.evm[c].rpc.clone();
            let hub_chain = m.bundle_domain();
            locks.spawn(async move {
                let p = wallet_provider(&rpc, &id.evm_secret).unwrap();
                for b in &mine {
                    lock_leg(&p, &hub_chain, b, c).await.unwrap();
                }
            });
        }
    }
    // restart 1: relayer 0 goes away while the locks arrive and comes back on its stored cursors
    tokio::time::sleep(Duration::from_secs(4)).await;
    r.remove(0).stop().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    r.insert(0, tn.relayer(Some(0), full_roles()));
    while let Some(done) = locks.join_next().await {
        done.expect("every lock lands");
    }
    assert!(now() <= t + 60, "locks finished before the lock deadline");

    let start = Instant::now();
    let mut restarted_while_settling = false;
    loop {
        let mut decided = 0;
        for b in &bundles {
            let s = status(hub, &log, mesh_protocol::Hash32(bundle_id(&domain, b))).await.unwrap();
            decided += usize::from(s.status == BundleStatus::Decided);
        }
        let router_alpha = usdc_balance(m, 0, &m.evm[0].contracts["MeshRouter"]).await;
        let router_beta = usdc_balance(m, 1, &m.evm[1].contracts["MeshRouter"]).await;
        // restart 2: some legs already paid out, others still escrowed: the poster restarts
        let paid_some = usdc_balance(m, 1, &alice.evm_address).await > U256::ZERO;
        if paid_some && !router_beta.is_zero() && !restarted_while_settling {
            eprintln!("restarting relayer 0 with {decided}/50 decided, {router_beta} still escrowed on beta");
            r.remove(0).stop().await;
            r.insert(0, tn.relayer(Some(0), full_roles()));
            restarted_while_settling = true;
        }
        if decided == 50 && router_alpha.is_zero() && router_beta.is_zero() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(240),
            "{decided}/50 decided; escrow left {router_alpha} / {router_beta}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let mut verdicts = (0, 0);
    for (k, b) in bundles.iter().enumerate() {
        let s = status(hub, &log, mesh_protocol::Hash32(bundle_id(&domain, b))).await.unwrap();
        let expected = if k < 45 { Verdict::Commit } else { Verdict::Abort };
        assert_eq!(s.verdict, Some(expected), "bundle {k}");
        if k < 45 {
            verdicts.0 += 1
        } else {
            verdicts.1 += 1
        }
    }
    assert_eq!(verdicts, (45, 5));
    assert!(restarted_while_settling, "the poster restarted while legs were still escrowed");
    // conservation: every token that entered an escrow left it to exactly one party
    let paid_to_bob: u128 = (0..45u128).map(|k| 100 + k).sum();
    let paid_to_alice: u128 = (0..45u128).map(|k| 10 + k).sum();
    assert_eq!(usdc_balance(m, 0, &bob.evm_address).await, U256::from(paid_to_bob));
    assert_eq!(usdc_balance(m, 1, &alice.evm_address).await, U256::from(paid_to_alice));
    for i in 0..10u128 {
        let committed_alpha: u128 = (0..45u128).filter(|k| k % 10 == i).map(|k| 100 + k).sum();
        let committed_beta: u128 = (0..45u128).filter(|k| k % 10 == i).map(|k| 10 + k).sum();
        assert_eq!(
            usdc_balance(m, 0, &alpha[i as usize].evm_address).await,
            U256::from(10_000 - committed_alpha),
            "aborted legs refunded"
        );
        assert_eq!(usdc_balance(m, 1, &beta[i as usize].evm_address).await, U256::from(10_000 - committed_beta));
    }
    for relayer in r {
        relayer.stop().await;
    }

    // ---- then every relayer is stopped: an expired leg is refunded without any signature ----
    let t = now();
    let lonely = Bundle {
        creator: carol.hub_address.clone(),
        nonce: 1,
        lock_deadline: t + 8,
        settle_deadline: t + 8 + 36,
        legs: vec![usdc_leg(m, 0, &carol.evm_address, &alice.evm_address, 77)],
    };
    register(hub, &carol.hub_signer(), &log, &lonely).await.unwrap();
    let pc = wallet_provider(&m.evm[0].rpc, &carol.evm_secret).unwrap();
    lock_leg(&pc, &m.bundle_domain(), &lonely, 0).await.unwrap();
    let carol_before = usdc_balance(m, 0, &carol.evm_address).await;
    // a third party (the deployer key) sends the refund: it is permissionless
    let anyone = wallet_provider(&m.evm[0].rpc, ANVIL_DEPLOYER_KEY).unwrap();
    let router = MeshRouter::new(addr(&m.evm[0].contracts["MeshRouter"]).0, anyone);
    let lonely_id = bundle_id(&domain, &lonely);
    let early = router.refundExpired(lonely_id, 0).send().await;
    assert!(early.is_err(), "refundExpired is refused before the settle deadline + refund grace");

    // nothing happens until the settle deadline + the router's refund grace (a COMMIT is still
    // accepted until then); then anyone can refund it, no signature needed
    while now() < lonely.settle_deadline + mesh_devnet::deploy::DEVNET_REFUND_GRACE + 2 {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let receipt = router
        .refundExpired(lonely_id, 0)
        .send()
        .await
        .unwrap()
        .with_timeout(Some(Duration::from_secs(60)))
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
    assert_eq!(
        usdc_balance(m, 0, &carol.evm_address).await,
        carol_before + U256::from(77),
        "carol refunded after expiry"
    );

    let s = status(hub, &log, mesh_protocol::Hash32(lonely_id)).await.unwrap();
    assert!(s.reports[0].is_none(), "no relayer ran: the hub never heard of the lock");
}
