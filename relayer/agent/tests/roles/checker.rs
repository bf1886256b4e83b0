//! The checker (stake-weighted objections, audit finding 2a) against an in-memory chain and hub.

use std::sync::Arc;

use mesh_chain_evm::EvmChain;
use mesh_hub_api::bundle_log::{EvmLocation, LockReport, ObjectionReason};
use mesh_protocol::{Address, Bundle, EvmAddress, Hash32, B256, U256};
use mesh_relayer::chains::LightClientChain;
use mesh_relayer::metrics::{ChainLabel, Metrics};
use mesh_relayer::roles::checker::{CheckedChain, Checker};
use mesh_relayer::roles::light_clients::LightClients;
use mesh_relayer::store::{Judgement, Store};
use mesh_testkit::mocks::*;

const CHAIN: u64 = 31337;
const ROUTER: Address = Address::repeat_byte(0xa1);
const LOCK_DEADLINE: u64 = GENESIS_TIME + 10_000;
const SETTLE_DEADLINE: u64 = GENESIS_TIME + 100_000;
const ME: &str = "inj1checker";
const OTHER: &str = "inj1other";
const CONFIRMATIONS: u64 = 2;

fn me() -> Address {
    addr(0x51)
}

/// A hub whose current set has three members, this checker among them: one objection is a third.
fn hub_with_set() -> MockHub {
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[me(), addr(0x52), addr(0x53)], &[]));
    hub.set_objector(me());
    hub
}

fn checker(chain: &MockChain, hub: &MockHub, store: Arc<Store>) -> Checker<EvmChain<MockChain>, MockHub> {
    Checker {
        chains: vec![CheckedChain {
            chain: evm_chain("anvil-a", chain.clone(), ROUTER, Address::ZERO),
            confirmations: CONFIRMATIONS,
        }],
        hub: hub.clone(),
        me: ME.into(),
        signer: EvmAddress(me()),
        store,
        metrics: Metrics::new(),
        max_objections_per_msg: 16,
    }
}

fn one_leg(nonce: u64) -> Bundle {
    bundle(nonce, LOCK_DEADLINE, SETTLE_DEADLINE, vec![leg(CHAIN, ROUTER, 100)])
}

/// A chain with a real lock of `b`'s leg 0 in block 5 (tx 1, log 0), buried under `CONFIRMATIONS`.
fn chain_with_lock(b: &Bundle) -> (MockChain, EvmLocation) {
    let chain = MockChain::new(CHAIN, 4);
    let block = chain.mine(vec![MockTx::noise(), MockTx::ok(vec![lock_log(b, 0)])]);
    chain.mine_empty(CONFIRMATIONS);
    (chain, location(CHAIN, &block, 1, 0))
}

fn report(b: &Bundle, loc: EvmLocation) -> LockReport {
    lock_report(b, 0, loc)
}

fn reasons(hub: &MockHub) -> Vec<ObjectionReason> {
    hub.objection_submissions().into_iter().flatten().map(|o| o.reason).collect()
}

#[tokio::test]
async fn a_fabricated_block_hash_is_objected_to_and_rejected() {
    let (_dir, store) = temp_store();
    let b = one_leg(1);
    let (chain, mut loc) = chain_with_lock(&b);
    loc.block_hash = Hash32(B256::repeat_byte(0x99)); // 32 random bytes: no fraud proof can exist
    let hub = hub_with_set();
    let id = hub.register(&b);
    let report_id = hub.add_report(&report(&b, loc), OTHER);

    let t = checker(&chain, &hub, store.clone()).tick().await.unwrap();
    assert_eq!(reasons(&hub), vec![ObjectionReason::UnknownBlock]);
    assert_eq!((t.objected, t.rejected), (1, 1));
    assert!(hub.report_of(id.0, 0).is_none(), "a third of the weight rejected the report");
    assert!(matches!(store.judgement(report_id).unwrap(), Some(Judgement::Objected(_))));
}

#[tokio::test]
async fn every_kind_of_unconfirmable_report_gets_its_reason_in_one_message() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 4);
    let bundles: Vec<Bundle> = (1..=6).map(one_leg).collect();
    // block 5: tx 0 a failed lock of bundle 3, tx 1 the lock of bundle 4 with a wrong amount,
    // tx 2 noise, tx 3 the lock of bundle 5 (receipt unreadable)
    let mut short = lock_event(&bundles[3], 0);
    short.amount = U256::from(99u8);
    let block = chain.mine(vec![
        MockTx::failed(vec![lock_log(&bundles[2], 0)]),
        MockTx::ok(vec![short.to_log()]),
        MockTx::noise(),
        MockTx::ok(vec![lock_log(&bundles[4], 0)]),
    ]);
    chain.make_unreadable(block.number, 3);
    chain.mine_empty(CONFIRMATIONS);
    let hub = hub_with_set();
    hub.put_signer_set(signer_set(2, &[me(), addr(0x52), addr(0x53), addr(0x54), addr(0x55), addr(0x56)], &[]));
    let mut wrong_time = location(CHAIN, &block, 2, 0);
    wrong_time.block_timestamp += 1;
    let cases = [
        (wrong_time, ObjectionReason::WrongTimestamp),
        (location(CHAIN, &block, 9, 0), ObjectionReason::NoSuchTransaction),
        (location(CHAIN, &block, 0, 0), ObjectionReason::TransactionFailed),
        (location(CHAIN, &block, 1, 0), ObjectionReason::NoMatchingLog),
        (location(CHAIN, &block, 3, 0), ObjectionReason::UnreadableReceipt),
        (location(CHAIN, &block, 2, 0), ObjectionReason::NoMatchingLog), // an ERC-20 log, not a lock
    ];
    for (b, (loc, _)) in bundles.iter().zip(&cases) {
        hub.register(b);
        hub.add_report(&report(b, loc.clone()), OTHER);
    }

    let c = checker(&chain, &hub, store);
    let t = c.tick().await.unwrap();
    assert_eq!(hub.objection_submissions().len(), 1, "all objections of a round go in one message");
    let mut got = reasons(&hub);
    let mut want: Vec<ObjectionReason> = cases.iter().map(|(_, r)| *r).collect();
    got.sort_by_key(|r| format!("{r:?}"));
    want.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(got, want);
    assert_eq!(t.objected, 6);
    assert_eq!(c.metrics.objections_sent.get(), 6);
}

#[tokio::test]
async fn a_correct_report_is_never_objected_to() {
    let (_dir, store) = temp_store();
    let b = one_leg(1);
    let (chain, loc) = chain_with_lock(&b);
    let hub = hub_with_set();
    let id = hub.register(&b);
    let report_id = hub.add_report(&report(&b, loc), OTHER);

    let c = checker(&chain, &hub, store.clone());
    for _ in 0..3 {
        c.tick().await.unwrap();
    }
    assert!(hub.objection_submissions().is_empty());
    assert!(hub.report_of(id.0, 0).is_some());
    assert_eq!(store.judgement(report_id).unwrap(), Some(Judgement::Confirmed));
    assert_eq!(chain.calls(EvmMethod::TxAt), 1, "a confirmed report is judged once");
}

#[tokio::test]
async fn a_report_not_yet_confirmations_deep_waits_then_is_confirmed() {
    let (_dir, store) = temp_store();
    let b = one_leg(1);
    let chain = MockChain::new(CHAIN, 4);
    let block = chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]);
    let hub = hub_with_set();
    hub.register(&b);
    let report_id = hub.add_report(&report(&b, location(CHAIN, &block, 0, 0)), OTHER);
    let c = checker(&chain, &hub, store.clone());

    let t = c.tick().await.unwrap();
    assert_eq!(t.waiting, 1);
    assert_eq!(store.judgement(report_id).unwrap(), None, "not judged before the confirmation depth");
    chain.mine_empty(CONFIRMATIONS);
    assert_eq!(c.tick().await.unwrap().confirmed, 1);
    assert!(hub.objection_submissions().is_empty());
}

#[tokio::test]
async fn an_rpc_error_is_no_reason_to_object() {
    let (_dir, store) = temp_store();
    let b = one_leg(1);
    let (chain, loc) = chain_with_lock(&b);
    let hub = hub_with_set();
    hub.register(&b);
    let report_id = hub.add_report(&report(&b, loc), OTHER);
    let c = checker(&chain, &hub, store.clone());

    for method in [EvmMethod::Head, EvmMethod::Block, EvmMethod::TxAt] {
        chain.fail_next(method);
        c.tick().await.expect("an RPC error never stops the role");
        assert!(hub.objection_submissions().is_empty(), "{method:?} failed: no objection");
        assert_eq!(store.judgement(report_id).unwrap(), None, "{method:?} failed: judged next round");
    }
    assert_eq!(c.metrics.check_errors.get_or_create(&ChainLabel::new("anvil-a")).get(), 3);
    c.tick().await.unwrap();
    assert_eq!(store.judgement(report_id).unwrap(), Some(Judgement::Confirmed));
    assert!(hub.objection_submissions().is_empty());
}

#[tokio::test]
async fn a_restart_does_not_send_an_objection_again() {
    let dir = tempfile::tempdir().unwrap();
    let b = one_leg(1);
    let (chain, mut loc) = chain_with_lock(&b);
    loc.block_hash = Hash32(B256::repeat_byte(0x99));
    let hub = hub_with_set();
    // six members: one objection is counted, not enough to reject
    hub.put_signer_set(signer_set(2, &[me(), addr(0x52), addr(0x53), addr(0x54), addr(0x55), addr(0x56)], &[]));
    hub.register(&b);
    hub.add_report(&report(&b, loc), OTHER);
    {
        let store = Arc::new(Store::open(&db_path(dir.path())).unwrap());
        checker(&chain, &hub, store).tick().await.unwrap();
    }
    assert_eq!(hub.objection_submissions().len(), 1);
    let store = Arc::new(Store::open(&db_path(dir.path())).unwrap());
    let c = checker(&chain, &hub, store);
    c.tick().await.unwrap();
    c.tick().await.unwrap();
    assert_eq!(hub.objection_submissions().len(), 1, "judged once, sent once, across a restart");
}

#[tokio::test]
async fn an_objection_lost_in_a_crash_is_sent_after_the_restart_unless_the_hub_has_it() {
    let b = one_leg(1);
    let (chain, mut loc) = chain_with_lock(&b);
    loc.block_hash = Hash32(B256::repeat_byte(0x99));
    let six = [me(), addr(0x52), addr(0x53), addr(0x54), addr(0x55), addr(0x56)];

    // the send fails (nothing reached the hub): the decision is kept and sent next round
    let (_dir, store) = temp_store();
    let hub = hub_with_set();
    hub.put_signer_set(signer_set(2, &six, &[]));
    let id = hub.register(&b);
    hub.add_report(&report(&b, loc.clone()), OTHER);
    let c = checker(&chain, &hub, store.clone());
    hub.fail_next(HubMethod::ObjectReports, Failure::Transient);
    assert!(c.tick().await.is_err());
    c.tick().await.unwrap();
    assert_eq!(hub.objection_submissions().len(), 1);
    assert_eq!(hub.report_of(id.0, 0).unwrap().objectors, vec![EvmAddress(me())]);
    assert_eq!(chain.calls(EvmMethod::TxAt), 0, "an unknown block needs no receipt");

    // the hub took it but the answer was lost: the hub lists this signer, nothing is re-sent
    let (_dir2, store2) = temp_store();
    let hub2 = hub_with_set();
    hub2.put_signer_set(signer_set(2, &six, &[]));
    hub2.register(&b);
    hub2.add_report(&report(&b, loc), OTHER);
    let c2 = checker(&chain, &hub2, store2.clone());
    hub2.fail_next(HubMethod::ObjectReports, Failure::AppliedThenTransient);
    assert!(c2.tick().await.is_err());
    c2.tick().await.unwrap();
    c2.tick().await.unwrap();
    assert_eq!(hub2.objection_submissions().len(), 1, "the hub already counted it");
}

#[tokio::test]
async fn own_reports_and_non_members_are_left_alone() {
    let (_dir, store) = temp_store();
    let b = one_leg(1);
    let (chain, mut loc) = chain_with_lock(&b);
    loc.block_hash = Hash32(B256::repeat_byte(0x99));
    let hub = hub_with_set();
    hub.register(&b);
    hub.add_report(&report(&b, loc.clone()), ME);
    checker(&chain, &hub, store.clone()).tick().await.unwrap();
    assert!(hub.objection_submissions().is_empty(), "its own report is not checked");

    let outsider = MockHub::new();
    outsider.put_signer_set(signer_set(1, &[addr(0x52), addr(0x53)], &[]));
    outsider.register(&b);
    outsider.add_report(&report(&b, loc), OTHER);
    checker(&chain, &outsider, store).tick().await.unwrap();
    assert!(outsider.objection_submissions().is_empty(), "only members of the current set object");
    assert_eq!(outsider.calls(HubMethod::OpenReports), 0);
}

#[tokio::test]
async fn what_an_honest_reporter_reports_is_confirmed() {
    use mesh_relayer::roles::reporter::{Reporter, WatchedChain};
    let (_dir, store) = temp_store();
    let (_dir2, reporter_store) = temp_store();
    let bundles: Vec<Bundle> = (1..=3)
        .map(|n| bundle(n, LOCK_DEADLINE, SETTLE_DEADLINE, vec![leg(CHAIN, ROUTER, 100), leg(CHAIN, ROUTER, 7)]))
        .collect();
    let chain = MockChain::new(CHAIN, 3);
    chain.mine(vec![MockTx::noise(), MockTx::ok(vec![lock_log(&bundles[0], 0), lock_log(&bundles[1], 1)])]);
    chain.mine(vec![MockTx::ok(vec![MockTx::noise().logs[0].clone(), lock_log(&bundles[2], 0)])]);
    chain.mine(vec![MockTx::ok(vec![lock_log(&bundles[0], 1)]), MockTx::ok(vec![lock_log(&bundles[1], 0)])]);
    chain.mine_empty(CONFIRMATIONS);
    let hub = hub_with_set();
    for b in &bundles {
        hub.register(b);
    }
    let reporter = Reporter {
        chains: vec![WatchedChain {
            chain: evm_chain("anvil-a", chain.clone(), ROUTER, Address::ZERO),
            confirmations: CONFIRMATIONS,
            start_block: 1,
            max_range: 100,
        }],
        hub: hub.clone(),
        light_clients: LightClients::<LightClientChain>::new(vec![]),
        store: reporter_store,
        metrics: Metrics::new(),
        max_reports_per_msg: 16,
        batch_max_age: 30,
    };
    assert_eq!(reporter.tick().await.unwrap().submitted, 5);
    let t = checker(&chain, &hub, store).tick().await.unwrap();
    assert_eq!(t.confirmed, 5);
    assert!(hub.objection_submissions().is_empty(), "an honest report is never objected to");
}
