//! The reporter against an in-memory chain and hub.

use std::sync::Arc;

use mesh_chain_evm::EvmChain;
use mesh_hub_api::bundle_log::{LegRef, LockReport};
use mesh_proof_evm::LegLockedLog;
use mesh_protocol::{Address, Bundle, Hash32, Verdict};
use mesh_relayer::chains::LightClientChain;
use mesh_relayer::metrics::{ChainLabel, Metrics};
use mesh_relayer::roles::light_clients::LightClients;
use mesh_relayer::roles::reporter::{Reporter, ReporterTick, WatchedChain};
use mesh_relayer::roles::RoleError;
use mesh_relayer::store::{leg_key, Store};
use mesh_testkit::mocks::*;

const CHAIN: u64 = 31337;
const ROUTER: Address = Address::repeat_byte(0xa1);
const LOCK_DEADLINE: u64 = GENESIS_TIME + 10_000;
const SETTLE_DEADLINE: u64 = GENESIS_TIME + 100_000;

fn reporter(
    chain: &MockChain,
    hub: &MockHub,
    store: Arc<Store>,
    confirmations: u64,
    max_range: u64,
) -> Reporter<EvmChain<MockChain>, MockHub, LightClientChain> {
    Reporter {
        chains: vec![WatchedChain {
            chain: evm_chain("anvil-a", chain.clone(), ROUTER, Address::ZERO),
            confirmations,
            start_block: 1,
            max_range,
        }],
        hub: hub.clone(),
        light_clients: LightClients::new(vec![]),
        store,
        metrics: Metrics::new(),
        max_reports_per_msg: 2,
        batch_max_age: 30,
    }
}

/// A bundle with `legs` legs, all on the watched chain.
fn bundle_on_chain(nonce: u64, legs: usize) -> Bundle {
    bundle(nonce, LOCK_DEADLINE, SETTLE_DEADLINE, (0..legs).map(|i| leg(CHAIN, ROUTER, 100 + i as u64)).collect())
}

fn key(b: &Bundle, leg_index: u32) -> [u8; 36] {
    leg_key(&id_of(b).0, leg_index)
}

fn all_submitted(hub: &MockHub) -> Vec<LockReport> {
    hub.report_submissions().into_iter().flatten().collect()
}

fn reorgs(r: &Reporter<EvmChain<MockChain>, MockHub, LightClientChain>) -> u64 {
    r.metrics.reorgs.get_or_create(&ChainLabel::new("anvil-a")).get()
}

#[tokio::test]
async fn only_blocks_up_to_head_minus_confirmations_are_indexed() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 8);
    let b = bundle_on_chain(1, 1);
    let hub = MockHub::new();
    hub.register(&b);
    let lock_block = chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]); // block 9
    chain.mine_empty(1); // head 10
    let r = reporter(&chain, &hub, store.clone(), 3, 100);

    let t = r.tick().await.unwrap();
    assert_eq!(chain.leg_locked_calls(), vec![(1, 7)], "head 10 − 3 confirmations = 7");
    assert_eq!(store.cursor(CHAIN).unwrap(), Some(8));
    assert_eq!(t.indexed_events, 0);
    assert!(hub.report_submissions().is_empty(), "the lock at block 9 is not confirmed yet");

    chain.mine_empty(1); // head 11: still only up to 8
    r.tick().await.unwrap();
    assert_eq!(chain.leg_locked_calls(), vec![(1, 7), (8, 8)]);
    assert!(hub.report_submissions().is_empty());

    chain.mine_empty(1); // head 12: block 9 has its 3 confirmations
    let t = r.tick().await.unwrap();
    assert_eq!(chain.leg_locked_calls(), vec![(1, 7), (8, 8), (9, 9)]);
    assert_eq!(t.indexed_events, 1);
    assert_eq!(t.submitted, 1);
    assert_eq!(all_submitted(&hub), vec![lock_report(&b, 0, location(CHAIN, &lock_block, 0, 0))]);
}

#[tokio::test]
async fn indexing_proceeds_in_contiguous_ranges_of_at_most_max_range_blocks() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 45);
    let hub = MockHub::new();
    let r = reporter(&chain, &hub, store.clone(), 0, 10);
    for _ in 0..6 {
        r.tick().await.unwrap();
    }
    assert_eq!(chain.leg_locked_calls(), vec![(1, 10), (11, 20), (21, 30), (31, 40), (41, 45)]);
    assert_eq!(store.cursor(CHAIN).unwrap(), Some(46));
    // the last block of every range is remembered for reorg detection
    for n in [10, 20, 30, 40, 45] {
        assert_eq!(store.block_hash(CHAIN, n).unwrap(), Some(chain.get(n).hash.0), "block {n}");
    }
}

#[tokio::test]
async fn a_lock_becomes_a_report_located_by_tx_index_and_log_index_within_the_receipt() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 3);
    let b = bundle_on_chain(1, 1);
    let hub = MockHub::new();
    hub.register(&b);
    // third transaction of the block; the LegLocked log is the second log of its receipt
    let noise = MockTx::noise().logs.remove(0);
    let block = chain.mine(vec![MockTx::noise(), MockTx::noise(), MockTx::ok(vec![noise, lock_log(&b, 0)])]);
    let r = reporter(&chain, &hub, store.clone(), 0, 100);

    let t = r.tick().await.unwrap();
    assert_eq!(t, ReporterTick { indexed_events: 1, rewound: 0, submitted: 1, duplicates: 0, advanced: false });
    let sent = all_submitted(&hub);
    assert_eq!(sent.len(), 1);
    let loc = sent[0].location.as_evm().expect("an EVM location");
    assert_eq!(loc.chain_id, CHAIN);
    assert_eq!(loc.block_number, 4);
    assert_eq!(loc.block_hash, Hash32(block.hash));
    assert_eq!(loc.block_timestamp, block.timestamp);
    assert_eq!(loc.tx_hash, Hash32(block.tx_hashes[2]));
    assert_eq!(loc.tx_index, 2);
    assert_eq!(loc.log_index, 1, "index within the receipt, not within the block");
    assert_eq!(sent[0], lock_report(&b, 0, location(CHAIN, &block, 2, 1)));
    assert!(store.is_done(&key(&b, 0)).unwrap());
    assert!(store.pending().unwrap().is_empty());
    assert_eq!(r.metrics.reports_submitted.get(), 1);
    assert_eq!(hub.report_of(id_of(&b), 0).unwrap().location.as_evm(), Some(loc));
}

#[tokio::test]
async fn pending_reports_go_out_in_messages_of_at_most_max_reports_per_msg() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 1);
    let b = bundle_on_chain(1, 3);
    let hub = MockHub::new();
    hub.register(&b);
    chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)]), MockTx::ok(vec![lock_log(&b, 1), lock_log(&b, 2)])]);
    let r = reporter(&chain, &hub, store.clone(), 0, 100);

    let t = r.tick().await.unwrap();
    assert_eq!(t.submitted, 3);
    let sizes: Vec<usize> = hub.report_submissions().iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![2, 1]);
    for i in 0..3 {
        assert!(store.is_done(&key(&b, i)).unwrap());
        assert_eq!(hub.reported_entries(id_of(&b), i), 1);
    }
}

#[tokio::test]
async fn a_leg_the_hub_already_has_is_marked_done_without_being_submitted() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 1);
    let b = bundle_on_chain(1, 1);
    let hub = MockHub::new();
    hub.register(&b);
    let block = chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]);
    // another relayer was faster
    hub.add_report(&lock_report(&b, 0, location(CHAIN, &block, 0, 0)), "mesh1other");
    let r = reporter(&chain, &hub, store.clone(), 0, 100);

    let t = r.tick().await.unwrap();
    assert_eq!(t.submitted, 0);
    assert_eq!(t.duplicates, 1);
    assert_eq!(hub.calls(HubMethod::SubmitReports), 0);
    assert!(store.is_done(&key(&b, 0)).unwrap());
    assert!(store.pending().unwrap().is_empty());

    let t = r.tick().await.unwrap();
    assert_eq!((t.submitted, t.duplicates), (0, 0));
    assert_eq!(hub.calls(HubMethod::SubmitReports), 0);
    assert_eq!(hub.calls(HubMethod::Report), 1, "a done leg is not looked up again");
    assert_eq!(hub.reported_entries(id_of(&b), 0), 1);
}

#[tokio::test]
async fn after_a_restart_a_report_the_hub_took_unconfirmed_is_resent_and_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let chain = MockChain::new(CHAIN, 1);
    let b = bundle_on_chain(1, 1);
    let hub = MockHub::new();
    hub.register(&b);
    let block = chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]);
    let expected = lock_report(&b, 0, location(CHAIN, &block, 0, 0));
    // the query node lags: it still lists the leg as awaiting after the report landed
    hub.freeze_awaiting();
    // the tx is executed, but the relayer only sees a timeout (then crashes)
    hub.fail_next(HubMethod::SubmitReports, Failure::AppliedThenTransient);
    {
        let store = Arc::new(Store::open(&db_path(dir.path())).unwrap());
        let r = reporter(&chain, &hub, store.clone(), 0, 100);
        let err = r.tick().await.unwrap_err();
        assert!(err.is_recoverable(), "{err}");
        assert_eq!(r.metrics.reports_submitted.get(), 0);
        assert_eq!(store.pending().unwrap().len(), 1, "the report stays pending: its fate is unknown");
        assert!(!store.is_done(&key(&b, 0)).unwrap());
    }
    assert_eq!(hub.reported_entries(id_of(&b), 0), 1);

    // restart on the same database
    let store = Arc::new(Store::open(&db_path(dir.path())).unwrap());
    let r = reporter(&chain, &hub, store.clone(), 0, 100);
    let t = r.tick().await.unwrap();
    assert_eq!(t.indexed_events, 0, "the cursor survived the restart");
    assert_eq!((t.submitted, t.duplicates), (0, 1));
    assert_eq!(hub.report_submissions(), vec![vec![expected.clone()], vec![expected]]);
    let last = hub.report_responses().pop().unwrap();
    assert_eq!(last.duplicate, vec![LegRef { bundle_id: Hash32(id_of(&b)), leg_index: 0 }]);
    assert!(last.new.is_empty());
    assert_eq!(r.metrics.reports_submitted.get(), 0, "the duplicate is not counted as a new report");
    assert_eq!(hub.reported_entries(id_of(&b), 0), 1, "the hub holds one report");
    assert!(store.is_done(&key(&b, 0)).unwrap());
    assert!(store.pending().unwrap().is_empty());

    r.tick().await.unwrap();
    assert_eq!(hub.report_submissions().len(), 2, "nothing is sent a third time");
}

#[tokio::test]
async fn a_reorg_below_the_cursor_rewinds_to_the_newest_matching_block_and_reindexes_the_new_fork() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 6);
    // locked before the bundle is registered, so the report stays pending
    let b = bundle_on_chain(1, 1);
    let hub = MockHub::new();
    let old = chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]); // block 7
    chain.mine_empty(3); // head 10
    let r = reporter(&chain, &hub, store.clone(), 2, 4);

    r.tick().await.unwrap(); // 1..=4
    let t = r.tick().await.unwrap(); // 5..=8
    assert_eq!(t.indexed_events, 1);
    assert_eq!(store.cursor(CHAIN).unwrap(), Some(9));
    let pending = store.pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].report.location.as_evm().unwrap().block_hash, Hash32(old.hash));

    // a reorg deeper than the 2 confirmations replaces blocks 7 and up; on the new fork the
    // same leg is locked in block 8, second transaction
    chain.reorg_above(6);
    chain.mine_empty(1); // 7'
    let new = chain.mine(vec![MockTx::noise(), MockTx::ok(vec![lock_log(&b, 0)])]); // 8'
    chain.mine_empty(3); // head 11
    assert_ne!(chain.get(7).hash, old.hash);

    let t = r.tick().await.unwrap();
    assert_eq!(t.rewound, 1, "the report from the replaced block 7 was dropped");
    assert_eq!(reorgs(&r), 1);
    // rewound to block 4 (the newest stored block still on the chain), then re-indexed 5..=8
    assert_eq!(chain.leg_locked_calls(), vec![(1, 4), (5, 8), (5, 8)]);
    assert_eq!(store.cursor(CHAIN).unwrap(), Some(9));
    assert_eq!(store.block_hash(CHAIN, 4).unwrap(), Some(chain.get(4).hash.0));
    assert_eq!(store.block_hash(CHAIN, 7).unwrap(), None, "the replaced block's hash is forgotten");
    assert_eq!(store.block_hash(CHAIN, 8).unwrap(), Some(new.hash.0));
    let pending = store.pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].report, lock_report(&b, 0, location(CHAIN, &new, 1, 0)));

    // once the bundle exists, the new fork's lock is what reaches the hub
    hub.register(&b);
    let t = r.tick().await.unwrap();
    assert_eq!(t.rewound, 0);
    assert_eq!(all_submitted(&hub), vec![lock_report(&b, 0, location(CHAIN, &new, 1, 0))]);
    assert_eq!(reorgs(&r), 1);
}

#[tokio::test]
async fn a_lock_in_a_block_replaced_before_it_was_confirmed_is_never_reported() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 4);
    let b = bundle_on_chain(1, 1);
    let hub = MockHub::new();
    hub.register(&b);
    chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]); // block 5, unconfirmed
    let r = reporter(&chain, &hub, store.clone(), 2, 100);
    r.tick().await.unwrap(); // indexes 1..=3
    chain.reorg_above(4);
    chain.mine_empty(4); // 5'..8': no lock on the new fork
    let t = r.tick().await.unwrap();
    assert_eq!(t.rewound, 0, "nothing indexed was replaced");
    assert_eq!(reorgs(&r), 0);
    assert_eq!(chain.leg_locked_calls(), vec![(1, 3), (4, 6)]);
    assert!(store.pending().unwrap().is_empty());
    assert!(hub.report_submissions().is_empty());
}

#[tokio::test]
async fn a_lock_after_the_lock_deadline_is_dropped_and_never_submitted() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 4);
    // block 5 is at GENESIS_TIME + 60: one second too late
    let b = bundle(1, GENESIS_TIME + 59, SETTLE_DEADLINE, vec![leg(CHAIN, ROUTER, 100)]);
    let hub = MockHub::new();
    hub.register(&b);
    let late = chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]);
    assert_eq!(late.timestamp, GENESIS_TIME + 60);
    let r = reporter(&chain, &hub, store.clone(), 0, 100);

    let t = r.tick().await.unwrap();
    assert_eq!(t.indexed_events, 1);
    assert_eq!((t.submitted, t.duplicates), (0, 0));
    assert_eq!(hub.calls(HubMethod::SubmitReports), 0);
    assert!(store.pending().unwrap().is_empty(), "dropped, not retried");
    assert!(!store.is_done(&key(&b, 0)).unwrap(), "the leg is still unreported");
    r.tick().await.unwrap();
    assert_eq!(hub.calls(HubMethod::SubmitReports), 0);
}

#[tokio::test]
async fn a_lock_at_exactly_the_lock_deadline_is_reported() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 4);
    let b = bundle(1, GENESIS_TIME + 60, SETTLE_DEADLINE, vec![leg(CHAIN, ROUTER, 100)]);
    let hub = MockHub::new();
    hub.register(&b);
    chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]);
    let t = reporter(&chain, &hub, store, 0, 100).tick().await.unwrap();
    assert_eq!(t.submitted, 1);
}

#[tokio::test]
async fn a_lock_whose_leg_hash_or_settle_deadline_differs_from_the_registered_leg_is_never_submitted() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 1);
    let b = bundle_on_chain(1, 2);
    let hub = MockHub::new();
    hub.register(&b);
    let wrong_hash = LegLockedLog { leg_hash: h(0x55), ..lock_event(&b, 0) };
    let wrong_deadline = LegLockedLog { settle_deadline: SETTLE_DEADLINE + 1, ..lock_event(&b, 1) };
    chain.mine(vec![MockTx::ok(vec![wrong_hash.to_log()]), MockTx::ok(vec![wrong_deadline.to_log()])]);
    let r = reporter(&chain, &hub, store.clone(), 0, 100);

    let t = r.tick().await.unwrap();
    assert_eq!(t.indexed_events, 2);
    assert_eq!(t.submitted, 0);
    assert_eq!(hub.calls(HubMethod::SubmitReports), 0);
    assert!(store.pending().unwrap().is_empty());
    assert!(!store.is_done(&key(&b, 0)).unwrap());
    assert!(!store.is_done(&key(&b, 1)).unwrap());

    // the genuine lock that follows is still reported
    let genuine = chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]);
    r.tick().await.unwrap();
    assert_eq!(all_submitted(&hub), vec![lock_report(&b, 0, location(CHAIN, &genuine, 0, 0))]);
}

#[tokio::test]
async fn reports_for_a_bundle_not_yet_registered_stay_pending_until_it_is() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 1);
    let b = bundle_on_chain(1, 1);
    let hub = MockHub::new();
    let block = chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]);
    let r = reporter(&chain, &hub, store.clone(), 0, 100);

    for _ in 0..2 {
        let t = r.tick().await.unwrap();
        assert_eq!((t.submitted, t.duplicates), (0, 0));
        assert_eq!(store.pending().unwrap().len(), 1);
        assert!(!store.is_done(&key(&b, 0)).unwrap());
    }
    assert_eq!(hub.calls(HubMethod::SubmitReports), 0);

    hub.register(&b);
    let t = r.tick().await.unwrap();
    assert_eq!(t.submitted, 1);
    assert_eq!(all_submitted(&hub), vec![lock_report(&b, 0, location(CHAIN, &block, 0, 0))]);
    assert!(store.pending().unwrap().is_empty());
}

#[tokio::test]
async fn a_pending_report_for_an_already_decided_bundle_is_settled_without_submission() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 1);
    let b = bundle_on_chain(1, 1);
    let hub = MockHub::new();
    hub.register(&b);
    hub.decide(id_of(&b), Verdict::Abort);
    chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]);
    let r = reporter(&chain, &hub, store.clone(), 0, 100);
    let t = r.tick().await.unwrap();
    assert_eq!((t.submitted, t.duplicates), (0, 1));
    assert_eq!(hub.calls(HubMethod::SubmitReports), 0);
    assert!(store.is_done(&key(&b, 0)).unwrap());
}

#[tokio::test]
async fn advance_is_called_when_bundles_are_due_and_not_otherwise() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 1);
    let hub = MockHub::new();
    let r = reporter(&chain, &hub, store, 0, 100);

    let t = r.tick().await.unwrap();
    assert!(!t.advanced);
    assert_eq!(hub.calls(HubMethod::Advance), 0);

    hub.set_due(vec![Hash32(h(0x01))]);
    let t = r.tick().await.unwrap();
    assert!(t.advanced);
    assert_eq!(hub.calls(HubMethod::Advance), 1);

    // the mock's Advance cleared the due list
    let t = r.tick().await.unwrap();
    assert!(!t.advanced);
    assert_eq!(hub.calls(HubMethod::Advance), 1);
}

#[tokio::test]
async fn advance_is_called_when_the_open_batch_has_waited_batch_max_age() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 1);
    let hub = MockHub::new();
    let r = reporter(&chain, &hub, store, 0, 100);
    let now = GENESIS_TIME + 1_000;
    hub.set_now(now);

    hub.set_current_batch(open_batch(0, now - 29, &[(h(1), Verdict::Commit)]));
    assert!(!r.tick().await.unwrap().advanced, "29 s < batch_max_age");
    hub.set_current_batch(open_batch(0, now - 30, &[]));
    assert!(!r.tick().await.unwrap().advanced, "an empty batch is not worth closing");
    hub.set_current_batch(open_batch(0, now - 30, &[(h(1), Verdict::Commit)]));
    assert!(r.tick().await.unwrap().advanced);
    assert_eq!(hub.calls(HubMethod::Advance), 1);
}

#[tokio::test]
async fn the_hubs_settled_bundles_are_pruned_when_retention_let_them_go_and_not_otherwise() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 1);
    let hub = MockHub::new();
    let r = reporter(&chain, &hub, store, 0, 100);
    r.tick().await.unwrap();
    assert_eq!(hub.calls(HubMethod::Prune), 0, "nothing past retention");
    hub.set_prunable(3);
    r.tick().await.unwrap();
    assert_eq!(hub.calls(HubMethod::Prune), 1);
    r.tick().await.unwrap();
    assert_eq!(hub.calls(HubMethod::Prune), 1, "the mock's Prune removed them");
    // another relayer pruned first: the refusal does not stop the round
    hub.set_prunable(1);
    hub.fail_next(HubMethod::Prune, Failure::Contract("nothing to prune".into()));
    hub.set_due(vec![Hash32(h(0x01))]);
    assert!(r.tick().await.unwrap().advanced, "the round went on to Advance");
    assert_eq!(hub.calls(HubMethod::Prune), 2);
}

#[tokio::test]
async fn an_advance_the_contract_refuses_is_not_an_error() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 1);
    let hub = MockHub::new();
    let r = reporter(&chain, &hub, store, 0, 100);
    hub.set_due(vec![Hash32(h(0x01))]);
    hub.fail_next(HubMethod::Advance, Failure::Contract("nothing to advance".into()));
    let t = r.tick().await.unwrap();
    assert!(!t.advanced);
    assert_eq!(hub.calls(HubMethod::Advance), 1);
}

#[tokio::test]
async fn an_rpc_failure_while_indexing_leaves_the_cursor_and_pending_reports_untouched() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 1);
    let b = bundle_on_chain(1, 1);
    let hub = MockHub::new();
    hub.register(&b);
    chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]);
    let r = reporter(&chain, &hub, store.clone(), 0, 100);

    chain.fail_next(EvmMethod::LegLocked);
    let err = r.tick().await.unwrap_err();
    assert!(matches!(err, RoleError::Chain { .. }) && err.is_recoverable(), "{err}");
    assert_eq!(store.cursor(CHAIN).unwrap(), None, "the range was not committed");
    assert!(store.pending().unwrap().is_empty());

    let t = r.tick().await.unwrap();
    assert_eq!(chain.calls(EvmMethod::LegLocked), 2);
    assert_eq!(chain.leg_locked_calls(), vec![(1, 2)], "the same range is read again");
    assert_eq!(t.submitted, 1);
}

#[tokio::test]
async fn a_hub_outage_while_submitting_keeps_the_report_pending_for_the_next_round() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 1);
    let b = bundle_on_chain(1, 1);
    let hub = MockHub::new();
    hub.register(&b);
    chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]);
    let r = reporter(&chain, &hub, store.clone(), 0, 100);

    hub.fail_next(HubMethod::SubmitReports, Failure::Transient);
    assert!(r.tick().await.unwrap_err().is_recoverable());
    assert_eq!(store.cursor(CHAIN).unwrap(), Some(3), "indexing was committed before the hub was asked");
    assert_eq!(store.pending().unwrap().len(), 1);
    assert_eq!(hub.reported_entries(id_of(&b), 0), 0);

    let t = r.tick().await.unwrap();
    assert_eq!((t.indexed_events, t.submitted), (0, 1));
    assert_eq!(hub.reported_entries(id_of(&b), 0), 1);
}

#[tokio::test]
async fn a_reorg_between_reading_the_logs_and_the_range_end_is_caught_on_the_next_round() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 3);
    let b = bundle_on_chain(1, 1);
    let hub = MockHub::new();
    chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]); // block 4
    chain.mine_empty(2); // head 6
    let r = reporter(&chain, &hub, store.clone(), 0, 100);

    // eth_getLogs sees the lock in block 4; right after, blocks 4.. are replaced by a fork in
    // which the lock sits in block 5
    chain.reorg_after_next_leg_locked(3, vec![vec![], vec![MockTx::ok(vec![lock_log(&b, 0)])], vec![]]);
    r.tick().await.unwrap();
    assert_eq!(chain.leg_locked_calls(), vec![(1, 6)]);

    hub.register(&b);
    chain.mine_empty(1);
    r.tick().await.unwrap();
    let new = chain.get(5);
    assert_eq!(
        all_submitted(&hub),
        vec![lock_report(&b, 0, location(CHAIN, &new, 0, 0))],
        "only the lock on the chain's current fork reaches the hub"
    );
    assert_eq!(reorgs(&r), 1);
}

#[tokio::test]
async fn locks_on_two_chains_share_one_message() {
    const OTHER: u64 = 31338;
    let (_dir, store) = temp_store();
    let (a, b_chain) = (MockChain::new(CHAIN, 1), MockChain::new(OTHER, 1));
    let b = bundle(1, LOCK_DEADLINE, SETTLE_DEADLINE, vec![leg(CHAIN, ROUTER, 100), leg(OTHER, ROUTER, 5)]);
    let hub = MockHub::new();
    hub.register(&b);
    a.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]);
    b_chain.mine(vec![MockTx::ok(vec![lock_log(&b, 1)])]);
    let mut r = reporter(&a, &hub, store.clone(), 0, 100);
    r.chains.push(WatchedChain {
        chain: evm_chain("anvil-b", b_chain.clone(), ROUTER, Address::ZERO),
        confirmations: 0,
        start_block: 1,
        max_range: 100,
    });

    let t = r.tick().await.unwrap();

    assert_eq!(t.submitted, 2);
    let chains: Vec<Vec<u64>> = hub
        .report_submissions()
        .iter()
        .map(|m| m.iter().map(|r| r.location.as_evm().unwrap().chain_id).collect())
        .collect();
    assert_eq!(chains, vec![vec![CHAIN, OTHER]], "one message (one hub tx) for both chains' locks");
}
