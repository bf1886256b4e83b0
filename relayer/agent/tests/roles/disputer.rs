//! The disputer against an in-memory chain and hub.

use std::collections::HashMap;
use std::sync::Arc;

use mesh_chain::LockCheck;
use mesh_chain_evm::chain::check_report;
use mesh_chain_evm::EvmChain;
use mesh_hub_api::bundle_log::EvmLocation;
use mesh_hub_api::dispute::{FalseLockEvidence, FraudProof};
use mesh_proof_evm::{decode_header, receipt_key, verify_receipt_proof, LegLockedLog};
use mesh_protocol::{Address, Bundle, Bytes, Hash32};
use mesh_relayer::metrics::Metrics;
use mesh_relayer::roles::disputer::{Disputer, DisputerTick};
use mesh_relayer::store::Store;
use mesh_testkit::mocks::*;

const CHAIN: u64 = 31337;
const ROUTER: Address = Address::repeat_byte(0xa1);

fn disputer(
    chain: &MockChain,
    hub: &MockHub,
    store: Arc<Store>,
) -> Disputer<EvmChain<MockChain>, EvmChain<MockChain>, MockHub> {
    Disputer {
        chains: HashMap::from([(CHAIN, evm_chain("anvil-a", chain.clone(), ROUTER, Address::ZERO))]),
        watches: HashMap::new(),
        domain: domain(),
        hub: hub.clone(),
        store,
        metrics: Metrics::new(),
    }
}

fn sample_bundle(nonce: u64) -> Bundle {
    bundle(nonce, GENESIS_TIME + 10_000, GENESIS_TIME + 100_000, vec![leg(CHAIN, ROUTER, 500)])
}

/// A chain whose block 3 holds `txs`, a hub where `b` is registered and leg 0 is reported at
/// (block 3, `tx_index`, `log_index`) by another relayer. Returns the block and the report id.
fn reported(
    chain: &MockChain,
    hub: &MockHub,
    b: &Bundle,
    txs: Vec<MockTx>,
    tx_index: u64,
    log_index: u32,
) -> (MockBlock, u64) {
    let block = chain.mine(txs);
    hub.register(b);
    let id = hub.add_report(&lock_report(b, 0, location(CHAIN, &block, tx_index, log_index)), "mesh1liar");
    (block, id)
}

/// The submitted fraud proof is a FalseLock for leg 0 of `b` whose evidence verifies the way the
/// dispute contract checks it: header hashes to the reported block, receipt proven at the index.
fn assert_valid_false_lock(proof: &FraudProof, b: &Bundle, block: &MockBlock, tx_index: u64) {
    let FraudProof::FalseLock {
        bundle_id,
        leg_index,
        evidence: FalseLockEvidence::EvmReceipt { header, receipt, receipt_proof },
    } = proof
    else {
        panic!("expected a FalseLock proof by receipt, got {proof:?}")
    };
    assert_eq!(*bundle_id, Hash32(id_of(b)));
    assert_eq!(*leg_index, 0);
    let info = decode_header(header.as_slice()).unwrap();
    assert_eq!(info.hash, block.hash, "the header is the reported block's");
    assert_eq!(info.number, block.number);
    assert_eq!(info.receipts_root, block.receipts_root);
    assert_eq!(receipt.as_slice(), block.receipts[tx_index as usize].as_slice());
    let nodes: Vec<Bytes> = receipt_proof.iter().map(|n| Bytes::copy_from_slice(n.as_slice())).collect();
    verify_receipt_proof(info.receipts_root, tx_index, receipt.as_slice(), &nodes).unwrap();
    // and the proof does not verify for another index
    assert!(verify_receipt_proof(info.receipts_root, tx_index + 1, receipt.as_slice(), &nodes).is_err());
}

/// Runs the disputer on a false report and checks it is proven once.
async fn assert_proven_once(txs: Vec<MockTx>, tx_index: u64, log_index: u32) {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let hub = MockHub::new();
    let b = sample_bundle(1);
    let (block, report_id) = reported(&chain, &hub, &b, txs, tx_index, log_index);
    let d = disputer(&chain, &hub, store.clone());

    let t = d.tick().await.unwrap();
    assert_eq!(t, DisputerTick { checked: 1, proven: vec![(Hash32(id_of(&b)), 0)], ..Default::default() });
    let frauds = hub.frauds();
    assert_eq!(frauds.len(), 1);
    assert_valid_false_lock(&frauds[0], &b, &block, tx_index);
    assert_eq!(store.checked_report(report_id).unwrap(), Some(1));
    assert_eq!(d.metrics.frauds_found.get(), 1);

    let t = d.tick().await.unwrap();
    assert_eq!(t, DisputerTick::default());
    assert_eq!(hub.frauds().len(), 1, "proven once");
}

#[tokio::test]
async fn an_honest_report_is_not_disputed() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let hub = MockHub::new();
    let b = sample_bundle(1);
    let txs = vec![MockTx::noise(), MockTx::ok(vec![MockTx::noise().logs.remove(0), lock_log(&b, 0)])];
    let (_block, report_id) = reported(&chain, &hub, &b, txs, 1, 1);
    let d = disputer(&chain, &hub, store.clone());

    let t = d.tick().await.unwrap();
    assert_eq!(t, DisputerTick { checked: 1, proven: vec![], ..Default::default() });
    assert!(hub.frauds().is_empty());
    assert_eq!(store.checked_report(report_id).unwrap(), Some(0));
    assert_eq!(hub.calls(HubMethod::SubmitFraud), 0);
}

#[tokio::test]
async fn a_report_whose_receipt_has_no_leglocked_log_at_that_index_is_proven_false() {
    let b = sample_bundle(1);
    // the transaction at index 1 emitted something else
    assert_proven_once(vec![MockTx::ok(vec![lock_log(&b, 0)]), MockTx::noise(), MockTx::noise()], 1, 0).await;
}

#[tokio::test]
async fn a_report_naming_a_log_index_beyond_the_receipt_is_proven_false() {
    let b = sample_bundle(1);
    assert_proven_once(vec![MockTx::noise(), MockTx::ok(vec![lock_log(&b, 0)])], 1, 4).await;
}

#[tokio::test]
async fn a_report_of_a_failed_transaction_is_proven_false() {
    let b = sample_bundle(1);
    assert_proven_once(vec![MockTx::noise(), MockTx::failed(vec![lock_log(&b, 0)]), MockTx::noise()], 1, 0).await;
}

#[tokio::test]
async fn a_report_of_a_leglocked_log_from_another_emitter_is_proven_false() {
    let b = sample_bundle(1);
    let forged = LegLockedLog { router: Address::repeat_byte(0xbd), ..lock_event(&b, 0) }.to_log();
    assert_proven_once(vec![MockTx::noise(), MockTx::noise(), MockTx::ok(vec![forged])], 2, 0).await;
}

#[tokio::test]
async fn a_report_of_a_lock_of_another_leg_is_proven_false() {
    let b = sample_bundle(1);
    let other = sample_bundle(2);
    assert_proven_once(vec![MockTx::ok(vec![lock_log(&other, 0)])], 0, 0).await;
    assert_proven_once(vec![MockTx::ok(vec![lock_log(&b, 0)]), MockTx::ok(vec![lock_log(&other, 0)])], 1, 0).await;
}

#[tokio::test]
async fn check_report_tells_honest_from_false_without_the_hub() {
    let chain = MockChain::new(CHAIN, 2);
    let hub = MockHub::new();
    let b = sample_bundle(1);
    let block = chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)]), MockTx::noise()]);
    hub.register(&b);
    hub.add_report(&lock_report(&b, 0, location(CHAIN, &block, 0, 0)), "mesh1relayer");
    let r = mesh_hub::MeshHub::report(&hub, Hash32(id_of(&b)), 0).await.unwrap().unwrap();
    assert_eq!(check_report(&chain, ROUTER, &r).await.unwrap(), LockCheck::Honest);

    let mut lying = r.clone();
    lying.report.as_mut().unwrap().location = location(CHAIN, &block, 1, 0).into();
    let LockCheck::False { proof, .. } = check_report(&chain, ROUTER, &lying).await.unwrap() else {
        panic!("a report pointing at the wrong transaction is false")
    };
    assert_valid_false_lock(&proof, &b, &block, 1);

    // an honest log whose amount is below the registered leg's is false too
    let mut short = r.clone();
    short.leg.amount.0 += mesh_protocol::U256::from(1u8);
    assert!(matches!(check_report(&chain, ROUTER, &short).await.unwrap(), LockCheck::False { .. }));
}

/// The test hub runs the dispute contract's own evidence checks (`dispute::evidence`): a proof
/// the contract would refuse is refused in memory too, so a wrong proof or packing fails here.
#[tokio::test]
async fn the_test_hub_refuses_a_tampered_proof_and_a_proof_of_an_honest_report() {
    let chain = MockChain::new(CHAIN, 2);
    let hub = MockHub::new();
    let b = sample_bundle(1);
    let block = chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)]), MockTx::noise()]);
    hub.register(&b);
    // the report points at the noise transaction: false, and provable
    hub.add_report(&lock_report(&b, 0, location(CHAIN, &block, 1, 0)), "mesh1relayer");
    let r = mesh_hub::MeshHub::report(&hub, Hash32(id_of(&b)), 0).await.unwrap().unwrap();
    let LockCheck::False { proof, .. } = check_report(&chain, ROUTER, &r).await.unwrap() else {
        panic!("a report pointing at the wrong transaction is false")
    };
    let mut tampered = (*proof).clone();
    if let FraudProof::FalseLock { evidence: FalseLockEvidence::EvmReceipt { receipt, .. }, .. } = &mut tampered {
        let mut bytes = receipt.to_vec();
        *bytes.last_mut().unwrap() ^= 1;
        *receipt = bytes.into();
    }
    let err = mesh_hub::MeshHub::submit_fraud(&hub, tampered).await.unwrap_err();
    assert!(err.contract_log().is_some_and(|l| l.contains("receipt proof")), "{err}");
    assert!(hub.frauds().is_empty());

    // the honest receipt of the real lock, offered as evidence against a correct report
    let honest = lock_report(&b, 0, location(CHAIN, &block, 0, 0));
    let hub = MockHub::new();
    hub.register(&b);
    hub.add_report(&honest, "mesh1relayer");
    let FraudProof::FalseLock { evidence: FalseLockEvidence::EvmReceipt { header, .. }, .. } = *proof else {
        unreachable!()
    };
    let receipts = mesh_chain_evm::EvmEvidence::block_receipts(&chain, block.number).await.unwrap();
    let (_, nodes) = mesh_proof_evm::build_receipt_proof(&receipts, 0);
    let against_honest = FraudProof::FalseLock {
        bundle_id: Hash32(id_of(&b)),
        leg_index: 0,
        evidence: FalseLockEvidence::EvmReceipt {
            header,
            receipt: receipts[0].clone().into(),
            receipt_proof: nodes.into_iter().map(|n| n.to_vec().into()).collect(),
        },
    };
    let err = mesh_hub::MeshHub::submit_fraud(&hub, against_honest).await.unwrap_err();
    assert!(err.contract_log().is_some_and(|l| l.contains("correct")), "{err}");
}

#[tokio::test]
async fn a_report_in_a_block_this_node_does_not_have_is_not_disputed_with_a_receipt() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 4);
    let hub = MockHub::new();
    let b = sample_bundle(1);
    hub.register(&b);
    let block = chain.get(3);
    let mut loc = location(CHAIN, &block, 0, 0);
    loc.tx_hash = Hash32(h(0x01));
    loc.block_hash = Hash32(h(0x77)); // a block of another fork
    let report_id = hub.add_report(&lock_report(&b, 0, loc), "mesh1liar");
    let d = disputer(&chain, &hub, store.clone());
    let t = d.tick().await.unwrap();
    assert_eq!(t, DisputerTick { checked: 1, proven: vec![], ..Default::default() });
    assert!(hub.frauds().is_empty());
    assert_eq!(store.checked_report(report_id).unwrap(), Some(3));
}

/// A report of leg 0 of `b` at (`block`, `tx_index`, log 0), which the block does not have.
async fn assert_exclusion_proven(chain: &MockChain, block: &MockBlock, tx_index: u64) {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    let b = sample_bundle(1);
    hub.register(&b);
    let loc = EvmLocation { tx_index, ..location(CHAIN, block, 0, 0) };
    let report_id = hub.add_report(&lock_report(&b, 0, loc), "mesh1liar");
    let t = disputer(chain, &hub, store.clone()).tick().await.unwrap();
    assert_eq!(t.proven, vec![(Hash32(id_of(&b)), 0)]);
    assert_eq!(store.checked_report(report_id).unwrap(), Some(1));
    let frauds = hub.frauds();
    let [FraudProof::FalseLock { evidence: FalseLockEvidence::EvmReceipt { header, receipt, receipt_proof }, .. }] =
        frauds.as_slice()
    else {
        panic!("expected one FalseLock proof, got {frauds:?}")
    };
    assert!(receipt.is_empty(), "an empty receipt marks an exclusion proof");
    let info = decode_header(header.as_slice()).unwrap();
    assert_eq!(info.hash, block.hash);
    // what the dispute contract checks: the trie has no value at that index
    let nodes: Vec<Bytes> = receipt_proof.iter().map(|n| Bytes::copy_from_slice(n.as_slice())).collect();
    let key = alloy_trie::Nibbles::unpack(receipt_key(tx_index));
    alloy_trie::proof::verify_proof(info.receipts_root, key, None, &nodes).unwrap();
}

#[tokio::test]
async fn a_report_pointing_past_the_blocks_last_transaction_is_proven_false_by_exclusion() {
    let chain = MockChain::new(CHAIN, 2);
    let block = chain.mine(vec![MockTx::noise(), MockTx::noise(), MockTx::noise()]);
    assert_exclusion_proven(&chain, &block, 3).await;
    assert_exclusion_proven(&chain, &block, 200).await;
}

#[tokio::test]
async fn a_report_of_a_transaction_in_an_empty_block_is_proven_false_by_exclusion() {
    let chain = MockChain::new(CHAIN, 2);
    let block = chain.mine(vec![]);
    assert_exclusion_proven(&chain, &block, 0).await;
}

#[tokio::test]
async fn a_report_with_a_forged_block_timestamp_is_proven_false() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let hub = MockHub::new();
    let b = sample_bundle(1);
    // the lock is real, but the report claims the block is older than it is (as a lock made
    // after the lock deadline would need to)
    let block = chain.mine(vec![MockTx::ok(vec![lock_log(&b, 0)])]);
    hub.register(&b);
    let loc = EvmLocation { block_timestamp: block.timestamp - 100, ..location(CHAIN, &block, 0, 0) };
    let report_id = hub.add_report(&lock_report(&b, 0, loc), "mesh1liar");
    let t = disputer(&chain, &hub, store.clone()).tick().await.unwrap();
    assert_eq!(t.proven, vec![(Hash32(id_of(&b)), 0)]);
    assert_eq!(store.checked_report(report_id).unwrap(), Some(1));
    // the header in the proof is what shows the real timestamp
    assert_valid_false_lock(&hub.frauds()[0], &b, &block, 0);
    let FraudProof::FalseLock { evidence: FalseLockEvidence::EvmReceipt { header, .. }, .. } = &hub.frauds()[0] else {
        unreachable!()
    };
    assert_eq!(decode_header(header.as_slice()).unwrap().timestamp, block.timestamp);
}

#[tokio::test]
async fn the_log_cursor_survives_a_restart_so_nothing_is_checked_twice() {
    let dir = tempfile::tempdir().unwrap();
    let chain = MockChain::new(CHAIN, 2);
    let hub = MockHub::new();
    let honest = sample_bundle(1);
    let liar = sample_bundle(2);
    let block = chain.mine(vec![MockTx::ok(vec![lock_log(&honest, 0)]), MockTx::noise()]);
    hub.register(&honest);
    hub.register(&liar);
    hub.add_report(&lock_report(&honest, 0, location(CHAIN, &block, 0, 0)), "mesh1good");
    hub.add_report(&lock_report(&liar, 0, location(CHAIN, &block, 1, 0)), "mesh1liar");
    // log: 0 registered, 1 registered, 2 reported (honest), 3 reported (false)
    {
        let store = Arc::new(Store::open(&db_path(dir.path())).unwrap());
        let t = disputer(&chain, &hub, store).tick().await.unwrap();
        assert_eq!(t.checked, 2);
        assert_eq!(t.proven, vec![(Hash32(id_of(&liar)), 0)]);
    }
    assert_eq!(hub.log_queries(), vec![None]);
    let report_lookups = hub.calls(HubMethod::Report);
    assert_eq!(report_lookups, 2);

    let store = Arc::new(Store::open(&db_path(dir.path())).unwrap());
    let d = disputer(&chain, &hub, store);
    let t = d.tick().await.unwrap();
    assert_eq!(t, DisputerTick::default());
    assert_eq!(hub.log_queries(), vec![None, Some(3)], "resumes after the last entry it saw");
    assert_eq!(hub.calls(HubMethod::Report), report_lookups, "no report is looked up again");
    assert_eq!(hub.calls(HubMethod::SubmitFraud), 1);
    assert_eq!(chain.calls(EvmMethod::BlockReceipts), 2);

    // a new report after the restart is checked
    let late = sample_bundle(3);
    hub.register(&late);
    hub.add_report(&lock_report(&late, 0, location(CHAIN, &block, 1, 0)), "mesh1liar");
    let t = d.tick().await.unwrap();
    assert_eq!(t.proven, vec![(Hash32(id_of(&late)), 0)]);
    assert_eq!(hub.frauds().len(), 2);
}

#[tokio::test]
async fn a_fraud_proof_the_contract_refuses_is_recorded_and_not_retried() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let hub = MockHub::new();
    let b = sample_bundle(1);
    let (_block, report_id) = reported(&chain, &hub, &b, vec![MockTx::noise()], 0, 0);
    hub.fail_next(HubMethod::SubmitFraud, Failure::Contract("fraud already proven".into()));
    let d = disputer(&chain, &hub, store.clone());
    let t = d.tick().await.unwrap();
    assert_eq!(t, DisputerTick { checked: 1, proven: vec![], ..Default::default() });
    assert_eq!(store.checked_report(report_id).unwrap(), Some(2));
    assert_eq!(d.metrics.frauds_found.get(), 0);
    d.tick().await.unwrap();
    assert_eq!(hub.calls(HubMethod::SubmitFraud), 1);
}

#[tokio::test]
async fn a_fraud_proof_lost_to_a_hub_outage_is_submitted_next_round() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let hub = MockHub::new();
    let b = sample_bundle(1);
    let (block, report_id) = reported(&chain, &hub, &b, vec![MockTx::noise()], 0, 0);
    hub.fail_next(HubMethod::SubmitFraud, Failure::Transient);
    let d = disputer(&chain, &hub, store.clone());
    assert!(d.tick().await.unwrap_err().is_recoverable());
    assert_eq!(store.checked_report(report_id).unwrap(), None);
    assert!(hub.frauds().is_empty());

    let t = d.tick().await.unwrap();
    assert_eq!(t.proven, vec![(Hash32(id_of(&b)), 0)]);
    assert_eq!(hub.frauds().len(), 1);
    assert_valid_false_lock(&hub.frauds()[0], &b, &block, 0);
}

#[tokio::test]
async fn a_report_above_the_nodes_head_is_checked_once_the_node_catches_up() {
    let (_dir, store) = temp_store();
    let b = sample_bundle(1);
    let txs = || vec![MockTx::noise()]; // a false report: no lock in the block
                                        // the hub's reporter saw block 3; this disputer's node is still at block 2
    let ahead = MockChain::new(CHAIN, 2);
    let reported_block = ahead.mine(txs());
    let behind = MockChain::new(CHAIN, 2);
    let hub = MockHub::new();
    hub.register(&b); // seq 0
    hub.add_report(&lock_report(&b, 0, location(CHAIN, &reported_block, 0, 0)), "mesh1liar"); // seq 1
    let d = disputer(&behind, &hub, store);

    let t = d.tick().await.unwrap();
    assert_eq!(t, DisputerTick::default());
    assert!(hub.frauds().is_empty());

    // the node catches up (same chain, so the same block hash)
    assert_eq!(behind.mine(txs()).hash, reported_block.hash);
    let t = d.tick().await.unwrap();
    assert_eq!(t.proven, vec![(Hash32(id_of(&b)), 0)]);
    assert_eq!(hub.log_queries(), vec![None, Some(0)], "the deferred entry is read again");
}

#[tokio::test]
async fn a_report_already_reverted_or_decided_is_not_disputed() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let hub = MockHub::new();
    let b = sample_bundle(1);
    let (_block, report_id) = reported(&chain, &hub, &b, vec![MockTx::noise()], 0, 0);
    hub.decide(id_of(&b), mesh_protocol::Verdict::Abort);
    let t = disputer(&chain, &hub, store.clone()).tick().await.unwrap();
    assert_eq!(t, DisputerTick::default());
    assert!(hub.frauds().is_empty());
    assert_eq!(store.checked_report(report_id).unwrap(), Some(0));
}

#[tokio::test]
async fn a_report_on_a_chain_the_disputer_does_not_watch_is_skipped() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let other_chain = MockChain::new(CHAIN + 1, 3);
    let hub = MockHub::new();
    let b = bundle(1, GENESIS_TIME + 10_000, GENESIS_TIME + 100_000, vec![leg(CHAIN + 1, ROUTER, 5)]);
    hub.register(&b);
    let report_id = hub.add_report(&lock_report(&b, 0, location(CHAIN + 1, &other_chain.get(3), 0, 0)), "x");
    let t = disputer(&chain, &hub, store.clone()).tick().await.unwrap();
    assert_eq!(t, DisputerTick::default());
    assert_eq!(store.checked_report(report_id).unwrap(), Some(0));
    assert_eq!(chain.calls(EvmMethod::BlockReceipts), 0);
}

#[tokio::test]
async fn an_odd_receipt_that_cannot_back_a_proof_is_logged_and_skipped_never_fatal() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let hub = MockHub::new();
    let b = sample_bundle(1);
    // The report points at an OP-stack deposit (type 0x7e) this node serves with a receipt that
    // does not rebuild the header's receipts root: no proof can be made from it.
    let (block, report_id) = reported(&chain, &hub, &b, vec![MockTx::noise(), MockTx::noise()], 1, 0);
    chain.replace_receipt(block.number, 1, vec![0x7e, 0xc0]);
    let d = disputer(&chain, &hub, store.clone());

    let t = d.tick().await.expect("an odd receipt never stops the disputer");
    assert_eq!(t, DisputerTick { checked: 1, proven: vec![], ..Default::default() });
    assert!(hub.frauds().is_empty());
    assert_eq!(store.checked_report(report_id).unwrap(), Some(4));
    assert_eq!(d.metrics.unprovable_reports.get(), 1);
    // and the next round goes on with nothing left to do
    assert_eq!(d.tick().await.unwrap(), DisputerTick::default());
}
