//! Relayers on the real devnet carry bundles end to end: a bundle whose every leg is locked
//! COMMITs and pays every recipient on both chains; a bundle with a leg never locked ABORTs and
//! refunds the locked leg. Nothing is simulated: injectived, two anvil chains, real signatures.
use mesh_testkit::fixture::{leg_status, mint_usdc, usdc_balance, usdc_leg};
use std::time::{Duration, Instant};

use alloy::primitives::U256;
use mesh_chain_evm::locker::{lock_leg, wallet_provider};
use mesh_hub::bundle::{register, status};
use mesh_hub_api::bundle_log::BundleStatus;
use mesh_protocol::{Bundle, Verdict};
use mesh_relayer::config::Role;
use mesh_testkit::fixture::{now, TestNet};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn relayers_commit_a_fully_locked_bundle_and_abort_one_with_a_missing_leg() {
    let tn = TestNet::up("relayer-flow", 27800, 27790, 1, 2).await;
    let (_net, m, hub) = (&tn.net, &tn.m, &tn.hub);
    let (alice, bob) = (&m.accounts.users[0], &m.accounts.users[1]);
    mint_usdc(m, 0, &alice.evm_address, 1_000).await;
    mint_usdc(m, 1, &bob.evm_address, 1_000).await;

    // relayer 0 does everything; relayers 1 and 2 only sign (2 of 3 equal weights = threshold)
    let r0 = tn.relayer(Some(0), vec![Role::Reporter, Role::Signer, Role::Poster, Role::Disputer]);
    let r1 = tn.relayer(Some(1), vec![Role::Signer]);
    let r2 = tn.relayer(Some(2), vec![Role::Signer]);

    let t = now();
    let swap = Bundle {
        creator: alice.hub_address.clone(),
        nonce: 1,
        lock_deadline: t + 30,
        settle_deadline: t + 120,
        legs: vec![
            usdc_leg(m, 0, &alice.evm_address, &bob.evm_address, 100),
            usdc_leg(m, 1, &bob.evm_address, &alice.evm_address, 50),
        ],
    };
    let missing = Bundle {
        creator: alice.hub_address.clone(),
        nonce: 2,
        lock_deadline: t + 12,
        settle_deadline: t + 120,
        legs: vec![
            usdc_leg(m, 0, &alice.evm_address, &bob.evm_address, 7),
            usdc_leg(m, 1, &bob.evm_address, &alice.evm_address, 3),
        ],
    };
    let swap_id = register(hub, &alice.hub_signer(), &m.contracts["bundle_log"], &swap).await.expect("register swap");
    let missing_id = register(hub, &alice.hub_signer(), &m.contracts["bundle_log"], &missing).await.expect("register");

    let alice_alpha = wallet_provider(&m.evm[0].rpc, &alice.evm_secret).unwrap();
    let bob_beta = wallet_provider(&m.evm[1].rpc, &bob.evm_secret).unwrap();
    let locked_at = Instant::now();
    lock_leg(&alice_alpha, &m.bundle_domain(), &swap, 0).await.expect("alice locks on alpha");
    lock_leg(&bob_beta, &m.bundle_domain(), &swap, 1).await.expect("bob locks on beta");
    lock_leg(&alice_alpha, &m.bundle_domain(), &missing, 0).await.expect("alice locks the first leg");
    // bob never locks the second leg of `missing`

    // the locks reach the hub within confirmations + a few hub blocks
    loop {
        let s = status(hub, &m.contracts["bundle_log"], swap_id).await.unwrap();
        if s.reports.iter().all(Option::is_some) {
            eprintln!("both legs reported {:.1} s after locking", locked_at.elapsed().as_secs_f64());
            break;
        }
        assert!(locked_at.elapsed() < Duration::from_secs(30), "locks not reported within 30 s: {:?}", s.reports);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // both bundles end: verdicts on the hub, legs settled on every chain
    let deadline = Instant::now() + Duration::from_secs(110);
    loop {
        let s = status(hub, &m.contracts["bundle_log"], swap_id).await.unwrap();
        let a = status(hub, &m.contracts["bundle_log"], missing_id).await.unwrap();
        let settled = leg_status(m, 0, swap_id, 0).await != 1
            && leg_status(m, 1, swap_id, 1).await != 1
            && leg_status(m, 0, missing_id, 0).await != 1;
        if s.status == BundleStatus::Decided && a.status == BundleStatus::Decided && settled {
            assert_eq!(s.verdict, Some(Verdict::Commit));
            assert_eq!(a.verdict, Some(Verdict::Abort));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "bundles did not settle: swap {:?}/{:?}, missing {:?}/{:?}",
            s.status,
            s.verdict,
            a.status,
            a.verdict
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!("swap settled on both chains {:.1} s after locking", locked_at.elapsed().as_secs_f64());

    assert_eq!(usdc_balance(m, 0, &bob.evm_address).await, U256::from(100), "bob paid on alpha");
    assert_eq!(usdc_balance(m, 1, &alice.evm_address).await, U256::from(50), "alice paid on beta");
    assert_eq!(usdc_balance(m, 0, &alice.evm_address).await, U256::from(900), "alice's aborted leg refunded");
    assert_eq!(usdc_balance(m, 1, &bob.evm_address).await, U256::from(950));

    for r in [r0, r1, r2] {
        assert!(!r.handle.is_finished(), "relayers keep running");
        r.stop().await;
    }
}
