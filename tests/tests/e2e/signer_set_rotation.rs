//! A signer-set change on the real devnet reaches every chain: the fourth relayer bonds, a
//! relayer's signer role rotates the hub to epoch 2 once the rotation delay is over, the epoch-1
//! set signs the update, the poster delivers `rotate` to each chain's SettlementVerifier, and a
//! bundle registered afterwards settles under epoch 2.
use mesh_testkit::fixture::{addr, mint_usdc, usdc_balance, usdc_leg, verifier_epoch};
use std::time::{Duration, Instant};

use alloy::primitives::U256;
use mesh_chain_evm::locker::{lock_leg, wallet_provider};
use mesh_devnet::deploy::bond;
use mesh_hub::bundle::{register, status};
use mesh_hub_api::bundle_log::{self, BatchResponse, BundleStatus};
use mesh_hub_api::stake_escrow::{self, SignerSetResponse};
use mesh_protocol::{Bundle, Verdict};
use mesh_relayer::config::Role;
use mesh_testkit::fixture::{now, TestNet};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_relayer_bonds_the_hub_rotates_and_every_verifier_follows_before_the_next_bundle_settles() {
    let tn = TestNet::up("rotation", 28400, 28390, 1, 2).await;
    let (_net, m, hub) = (&tn.net, &tn.m, &tn.hub);
    let escrow = &m.contracts["stake_escrow"];
    for chain in 0..m.evm.len() {
        assert_eq!(verifier_epoch(m, chain).await, 1, "deploy seeds every verifier with hub epoch 1");
    }

    // relayer 0 reports, signs and posts; 1 and 2 sign; relayer 3 (unbonded at bring-up) bonds now
    let r0 = tn.relayer(Some(0), vec![Role::Reporter, Role::Signer, Role::Poster]);
    let r1 = tn.relayer(Some(1), vec![Role::Signer]);
    let r2 = tn.relayer(Some(2), vec![Role::Signer]);
    let newcomer = &m.accounts.relayers[3];
    bond(hub, escrow, &m.escrow_domain(), newcomer, 10_000 * 10u128.pow(18)).await.expect("relayer 3 bonds");
    let r3 = tn.relayer(Some(3), vec![Role::Signer]);

    // the hub rotates (rotation delay 10 s), the old set attests the update, verifiers follow
    let started = Instant::now();
    loop {
        let current: Option<SignerSetResponse> =
            hub.query_smart(escrow, &stake_escrow::QueryMsg::CurrentSignerSet {}).await.unwrap();
        let hub_epoch = current.as_ref().map_or(0, |c| c.set.epoch);
        let alpha = verifier_epoch(m, 0).await;
        let beta = verifier_epoch(m, 1).await;
        if hub_epoch == 2 && alpha == 2 && beta == 2 {
            let set = current.unwrap().set;
            assert_eq!(set.signers.len(), 4);
            assert!(set.signers.iter().any(|s| s.address == addr(&newcomer.evm_address)));
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "rotation not delivered: hub epoch {hub_epoch}, alpha {alpha}, beta {beta}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!("hub rotated and both verifiers at epoch 2 {:.1} s after the bond", started.elapsed().as_secs_f64());
    let update: bundle_log::SignerSetUpdateResponse = hub
        .query_smart(&m.contracts["bundle_log"], &bundle_log::QueryMsg::SignerSetUpdate { new_epoch: 2 })
        .await
        .unwrap();
    assert!(update.attested && update.signing_epoch == 1);

    // a bundle registered now is closed, signed and settled under epoch 2
    let (alice, bob) = (&m.accounts.users[0], &m.accounts.users[1]);
    mint_usdc(m, 0, &alice.evm_address, 1_000).await;
    mint_usdc(m, 1, &bob.evm_address, 1_000).await;
    let t = now();
    let swap = Bundle {
        creator: alice.hub_address.clone(),
        nonce: 1,
        lock_deadline: t + 30,
        settle_deadline: t + 150,
        legs: vec![
            usdc_leg(m, 0, &alice.evm_address, &bob.evm_address, 100),
            usdc_leg(m, 1, &bob.evm_address, &alice.evm_address, 50),
        ],
    };
    let id = register(hub, &alice.hub_signer(), &m.contracts["bundle_log"], &swap).await.expect("register");
    let alice_alpha = wallet_provider(&m.evm[0].rpc, &alice.evm_secret).unwrap();
    let bob_beta = wallet_provider(&m.evm[1].rpc, &bob.evm_secret).unwrap();
    lock_leg(&alice_alpha, &m.bundle_domain(), &swap, 0).await.expect("alice locks on alpha");
    lock_leg(&bob_beta, &m.bundle_domain(), &swap, 1).await.expect("bob locks on beta");

    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let s = status(hub, &m.contracts["bundle_log"], id).await.unwrap();
        let paid = usdc_balance(m, 0, &bob.evm_address).await == U256::from(100)
            && usdc_balance(m, 1, &alice.evm_address).await == U256::from(50);
        if s.status == BundleStatus::Decided && paid {
            assert_eq!(s.verdict, Some(Verdict::Commit));
            let batch: BatchResponse = hub
                .query_smart(
                    &m.contracts["bundle_log"],
                    &bundle_log::QueryMsg::Batch { index: s.batch_index.expect("in a batch") },
                )
                .await
                .unwrap();
            assert_eq!(batch.epoch, Some(2), "closed under the new signer set");
            break;
        }
        assert!(Instant::now() < deadline, "bundle did not settle: {:?}/{:?}", s.status, s.verdict);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    for chain in 0..m.evm.len() {
        assert_eq!(verifier_epoch(m, chain).await, 2);
    }
    for r in [r0, r1, r2, r3] {
        assert!(!r.handle.is_finished(), "relayers keep running");
        r.stop().await;
    }
}
