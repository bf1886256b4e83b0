//! Audit finding 2a on the real devnet: a bonded relayer reports a lock in a block hash that never
//! existed (no header preimage exists, so no fraud proof can be built). The honest signers re-check
//! the report on their own RPCs during its dispute window and object; their objections weigh more
//! than a third of the signer set, so the hub rejects the report; the bundle never COMMITs on that
//! evidence, and no chain pays: the leg that was really locked is refunded by the ABORT.
use std::time::{Duration, Instant};

use alloy::primitives::U256;
use alloy::providers::Provider;
use mesh_chain_evm::locker::{lock_leg, wallet_provider};
use mesh_devnet::attack::report_pointing_at;
use mesh_devnet::deploy::bond;
use mesh_hub::bundle::{register, status};
use mesh_hub::MeshHub;
use mesh_hub_api::bundle_log::{self, BundleStatus, LogEvent};
use mesh_protocol::{Bundle, Hash32, Verdict};
use mesh_testkit::fixture::{leg_status, mint_usdc, now, usdc_balance, usdc_leg, TestNet};

/// Router leg status codes (IMeshRouter.LegStatus).
const LOCKED: u8 = 1;
const ABORTED: u8 = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lock_reported_in_a_block_that_never_existed_is_rejected_and_nothing_pays() {
    let tn = TestNet::up("objections", 28000, 27990, 1, 2).await;
    let (_net, m, hub) = (&tn.net, &tn.m, &tn.hub);
    let log_addr = m.contracts["bundle_log"].clone();
    let escrow = m.contracts["stake_escrow"].clone();
    let (alice, bob) = (&m.accounts.users[0], &m.accounts.users[1]);

    // Relayer 3 bonds: the dishonest identity. It joins no signer set before the report, so the
    // three honest relayers hold the whole signing weight.
    let liar = &m.accounts.relayers[3];
    let bond_amount: u128 = m.profile.contracts.relayer_bond.parse().unwrap();
    bond(hub, &escrow, &m.escrow_domain(), liar, bond_amount).await.expect("the liar bonds");

    // Two legs: alice really locks 200 USDC on alpha; the beta leg is never locked.
    mint_usdc(m, 0, &alice.evm_address, 200).await;
    let t = now();
    let bundle = Bundle {
        creator: alice.hub_address.clone(),
        nonce: 1,
        lock_deadline: t + 45,
        settle_deadline: t + 160,
        legs: vec![
            usdc_leg(m, 0, &alice.evm_address, &bob.evm_address, 200),
            usdc_leg(m, 1, &alice.evm_address, &bob.evm_address, 300),
        ],
    };
    let id = register(hub, &alice.hub_signer(), &log_addr, &bundle).await.unwrap();
    let alice_alpha = wallet_provider(&m.evm[0].rpc, &alice.evm_secret).unwrap();
    let (lock_tx, _) = lock_leg(&alice_alpha, &m.bundle_domain(), &bundle, 0).await.expect("alice locks leg 0");
    let receipt = alice_alpha.get_transaction_receipt(lock_tx).await.unwrap().expect("the lock's receipt");

    // The honest relayers: reporting, signing (with the report checks), posting.
    let honest = tn.quorum();

    // The liar reports leg 1 "locked" in a block whose hash nobody can produce a header for:
    // the location is copied from alice's real lock on alpha, with the chain and hash changed.
    let mut fake = report_pointing_at(&alice_alpha, &m.bundle_domain(), &bundle, 0, &receipt, 1).await.unwrap();
    fake.leg_index = 1;
    fake.leg_hash = Hash32(mesh_protocol::eip712::leg_hash(&bundle.legs[1]));
    let beta = m.evm.iter().find(|c| c.domain == bundle.legs[1].domain).unwrap();
    let loc = fake.location.as_evm_mut().unwrap();
    loc.chain_id = beta.chain_id;
    loc.block_hash = Hash32(mesh_protocol::keccak256(b"a block that never existed"));
    let liar_hub = tn.hub_as(liar);
    let resp = liar_hub.submit_reports(vec![fake]).await.expect("the hub takes the report optimistically");
    assert_eq!(resp.new.len(), 1, "the lie is recorded, for now");

    // The honest signers object within the dispute window and the report is rejected.
    let window = m.profile.contracts.dispute_window;
    let started = Instant::now();
    loop {
        let page: bundle_log::LogResponse = hub
            .query_smart(&log_addr, &bundle_log::QueryMsg::Log { start_after: None, limit: Some(100) })
            .await
            .unwrap();
        let rejected = page
            .entries
            .iter()
            .any(|e| matches!(&e.event, LogEvent::ReportRejected { bundle_id, leg_index: 1, .. } if *bundle_id == id));
        if rejected {
            break;
        }
        assert!(
            started.elapsed() < window + Duration::from_secs(10),
            "no rejection within the dispute window: the lie would stand"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    eprintln!("lie rejected {:.1} s after it was reported", started.elapsed().as_secs_f64());
    let s = status(hub, &log_addr, id).await.unwrap();
    assert!(s.reports[1].is_none(), "the fabricated report is gone");

    // The bundle ABORTs at its lock deadline (leg 1 is never really locked); nobody pays bob,
    // and alice's real lock on alpha is refunded by the ABORT.
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        let s = status(hub, &log_addr, id).await.unwrap();
        if s.status == BundleStatus::Decided && leg_status(m, 0, id, 0).await == ABORTED {
            assert_eq!(s.verdict, Some(Verdict::Abort), "never COMMIT on fabricated evidence");
            break;
        }
        assert_ne!(s.verdict, Some(Verdict::Commit), "a COMMIT rested on a block that never existed");
        assert!(Instant::now() < deadline, "bundle did not end: {:?} {:?}", s.status, s.verdict);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_ne!(leg_status(m, 0, id, 0).await, LOCKED);
    assert_eq!(usdc_balance(m, 0, &bob.evm_address).await, U256::ZERO, "bob got nothing on alpha");
    assert_eq!(usdc_balance(m, 1, &bob.evm_address).await, U256::ZERO, "bob got nothing on beta");
    assert_eq!(usdc_balance(m, 0, &alice.evm_address).await, U256::from(200), "alice is refunded");
    for r in honest {
        r.stop().await;
    }
}
