//! A dishonest relayer reports a lock that never happened; the disputer proves it on-chain with a
//! receipt-trie proof from its own EVM RPC, the report is reverted, the relayer slashed and
//! jailed, and the bundle still ends correctly once the real lock is made and honestly reported.
use mesh_testkit::fixture::{try_mint_usdc, usdc_balance, usdc_leg};
use std::time::{Duration, Instant};

use alloy::primitives::U256;
use mesh_chain_evm::locker::{lock_leg, wallet_provider};
use mesh_devnet::attack::report_pointing_at;
use mesh_devnet::deploy::bond;
use mesh_devnet::evm_deploy::ANVIL_DEPLOYER_KEY;
use mesh_hub::bundle::{register, status};
use mesh_hub::MeshHub;
use mesh_hub_api::bundle_log::BundleStatus;
use mesh_hub_api::{dispute, stake_escrow};
use mesh_protocol::eip712::bundle_id;
use mesh_protocol::{Bundle, Verdict};
use mesh_relayer::config::Role;
use mesh_testkit::fixture::{now, TestNet};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_fake_lock_report_is_proven_false_reverted_and_its_relayer_slashed() {
    let tn = TestNet::up("disputer", 27900, 27890, 1, 2).await;
    let (_net, m, hub) = (&tn.net, &tn.m, &tn.hub);
    let domain = m.bundle_domain();
    let escrow = m.contracts["stake_escrow"].clone();
    let (alice, bob) = (&m.accounts.users[0], &m.accounts.users[1]);

    // relayer 3 bonds: it is the dishonest identity
    let liar = &m.accounts.relayers[3];
    let bond_amount: u128 = m.profile.contracts.relayer_bond.parse().unwrap();
    bond(hub, &escrow, &m.escrow_domain(), liar, bond_amount).await.expect("the liar bonds");

    // a one-leg bundle on alpha; the chain holds a mint transaction, but no lock
    let deployer = wallet_provider(&m.evm[0].rpc, ANVIL_DEPLOYER_KEY).unwrap();
    let mint = try_mint_usdc(m, 0, &alice.evm_address, 500).await.unwrap();
    let t = now();
    let bundle = Bundle {
        creator: alice.hub_address.clone(),
        nonce: 1,
        lock_deadline: t + 40,
        settle_deadline: t + 150,
        legs: vec![usdc_leg(m, 0, &alice.evm_address, &bob.evm_address, 200)],
    };
    let id = register(hub, &alice.hub_signer(), &m.contracts["bundle_log"], &bundle).await.unwrap();
    assert_eq!(id.0, bundle_id(&domain, &bundle));

    // log 0 of the mint is its Transfer, not a LegLocked
    let fake = report_pointing_at(&deployer, &m.bundle_domain(), &bundle, 0, &mint, 0).await.unwrap();
    let liar_hub = tn.hub_as(liar);
    let resp = liar_hub.submit_reports(vec![fake]).await.expect("the hub takes the report optimistically");
    assert_eq!(resp.new.len(), 1);
    let before: Option<stake_escrow::RelayerInfo> =
        hub.query_smart(&escrow, &stake_escrow::QueryMsg::Relayer { address: liar.hub_address.clone() }).await.unwrap();
    let before = before.unwrap();

    // the disputer (no stake needed) and an honest relayer set
    let disputer = tn.relayer(None, vec![Role::Disputer]);
    let disputer_balance = hub.balance(&m.accounts.disputer.hub_address, "inj").await.unwrap();
    let started = Instant::now();
    let frauds = loop {
        let f: dispute::FraudsResponse = hub
            .query_smart(&m.contracts["dispute"], &dispute::QueryMsg::Frauds { start_after: None, limit: None })
            .await
            .unwrap();
        if !f.frauds.is_empty() {
            break f.frauds;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no fraud proven within 30 s");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    eprintln!("fraud proven {:.1} s after the disputer started", started.elapsed().as_secs_f64());
    assert_eq!(frauds.len(), 1);
    assert_eq!(frauds[0].relayer.as_str(), liar.hub_address);
    assert_eq!(frauds[0].disputer.as_str(), m.accounts.disputer.hub_address);

    let s = status(hub, &m.contracts["bundle_log"], id).await.unwrap();
    assert!(s.reports[0].is_none(), "the false report is reverted");
    let after: Option<stake_escrow::RelayerInfo> =
        hub.query_smart(&escrow, &stake_escrow::QueryMsg::Relayer { address: liar.hub_address.clone() }).await.unwrap();
    let after = after.unwrap();
    assert!(after.jailed, "the liar is jailed");
    assert!(after.bonded < before.bonded, "the liar is slashed: {} -> {}", before.bonded, after.bonded);
    assert!(
        hub.balance(&m.accounts.disputer.hub_address, "inj").await.unwrap() > disputer_balance,
        "the disputer earned a bounty beyond its fees"
    );

    // the bundle goes on: alice really locks, honest relayers report, it COMMITs and pays bob
    let honest = tn.quorum();
    let alice_alpha = wallet_provider(&m.evm[0].rpc, &alice.evm_secret).unwrap();
    lock_leg(&alice_alpha, &m.bundle_domain(), &bundle, 0).await.expect("alice locks");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let s = status(hub, &m.contracts["bundle_log"], id).await.unwrap();
        let paid = usdc_balance(m, 0, &bob.evm_address).await;
        if s.status == BundleStatus::Decided && paid == U256::from(200) {
            assert_eq!(s.verdict, Some(Verdict::Commit));
            break;
        }
        assert!(Instant::now() < deadline, "bundle did not end: {:?} {:?}, bob has {paid}", s.status, s.verdict);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    for r in honest {
        r.stop().await;
    }
    disputer.stop().await;
}
