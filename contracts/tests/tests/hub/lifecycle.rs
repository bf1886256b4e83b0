//! Whole bundle lifecycles across the three contracts.

use mesh_hub_api::bundle_log::{BatchStatus, BundleStatus, ExecuteMsg, LogEvent, LogResponse, QueryMsg, VerdictReason};
use mesh_hub_api::dispute::{
    FalseLockEvidence, FalseLockFinding, FraudDetail, FraudProof, FraudRecord, QueryMsg as DisputeQuery,
};
use mesh_hub_tests::*;
use mesh_protocol::eip712::{bundle_id, settlement_leaf};
use mesh_protocol::merkle::verify_merkle_proof;
use mesh_protocol::Verdict;

use mesh_hub_tests::evm::{leg_locked, lock_receipt, EvmBlock};

#[test]
fn bundle_commits_once_every_leg_is_reported_and_every_window_passed() {
    let mut h = Hub::with_relayers(4);
    let (id, bundle) = h.register_sample(1, 3);
    assert_eq!(id.0, bundle_id(&h.hub, &bundle), "the hub's id is the protocol's bundle id");

    h.report(0, vec![lock_report(&id, &bundle, 0), lock_report(&id, &bundle, 1)]).unwrap();
    h.wait(100);
    h.report(1, vec![lock_report(&id, &bundle, 2)]).unwrap();
    h.wait(WINDOW - 1);
    assert!(h.advance().unwrap().decided.is_empty(), "the last report is still disputable");
    h.wait(1);
    let out = h.advance().unwrap();
    assert_eq!(out.decided.len(), 1);
    assert_eq!(out.decided[0].verdict, Verdict::Commit);
    assert_eq!(out.decided[0].reason, VerdictReason::AllLegsLocked);
    assert_eq!(out.closed_batches, vec![0]);

    let info = h.bundle_info(&id);
    assert_eq!(info.status, BundleStatus::Decided);
    assert_eq!(info.verdict, Some(Verdict::Commit));
    let batch = h.batch(0);
    assert_eq!(batch.status, BatchStatus::Closed);
    assert_eq!(batch.epoch, Some(1));

    // 4 equal stakes: threshold ⌈2/3 · 40000⌉ = 26667, so three signatures attest.
    h.submit_batch_signatures(0, &[2, 0]).unwrap();
    assert_eq!(h.batch(0).status, BatchStatus::Closed);
    h.submit_batch_signatures(0, &[3]).unwrap();
    let batch = h.batch(0);
    assert_eq!(batch.status, BatchStatus::Attested);
    assert_eq!(batch.signatures.len(), 3);
    assert!(batch.signatures.windows(2).all(|w| w[0].signer < w[1].signer), "sorted for the EVM verifier");

    let p = h.proof(&id).unwrap();
    assert!(p.attested);
    assert_eq!(p.leaf.0, settlement_leaf(id.0, Verdict::Commit));
    let proof: Vec<_> = p.proof.iter().map(|x| x.0).collect();
    assert!(verify_merkle_proof(p.root.0, p.leaf.0, &proof));
}

#[test]
fn bundle_aborts_when_a_leg_is_still_missing_after_the_lock_deadline() {
    let mut h = Hub::with_relayers(3);
    let (id, bundle) = h.register_sample(1, 2);
    h.report(0, vec![lock_report(&id, &bundle, 0)]).unwrap();
    h.wait(1_000);
    assert!(h.advance().unwrap().decided.is_empty(), "at the lock deadline itself the leg may still lock");
    h.wait(1);
    let out = h.advance().unwrap();
    assert_eq!(out.decided.len(), 1);
    assert_eq!((out.decided[0].verdict, out.decided[0].reason), (Verdict::Abort, VerdictReason::LegMissing));
    let p = h.proof(&id).unwrap();
    assert_eq!(p.leaf.0, settlement_leaf(id.0, Verdict::Abort));
}

#[test]
fn abort_for_a_missing_leg_waits_until_existing_reports_can_no_longer_be_disputed() {
    let mut h = Hub::with_relayers(3);
    let (id, bundle) = h.register_sample(1, 2);
    h.wait(990);
    h.report(0, vec![lock_report(&id, &bundle, 0)]).unwrap();
    h.wait(20);
    assert!(h.advance().unwrap().decided.is_empty());
    assert_eq!(h.bundle_info(&id).next_check, Some(h.now() - 20 + WINDOW));
    h.wait(WINDOW - 20);
    assert_eq!(h.advance().unwrap().decided[0].reason, VerdictReason::LegMissing);
}

#[test]
fn bundle_aborts_instead_of_committing_when_a_commit_could_not_be_delivered_in_time() {
    let mut h = Hub::with_relayers(3);
    let (id, bundle) = h.register_sample(1, 2);
    h.report(0, all_reports(&id, &bundle)).unwrap();
    // Nobody advances until the commit cutoff (settle deadline − delivery margin) has come.
    let cutoff = h.bundle_info(&id).commit_cutoff;
    assert_eq!(cutoff, bundle.settle_deadline - MARGIN);
    let now = h.now();
    h.wait(cutoff - now);
    let out = h.advance().unwrap();
    assert_eq!((out.decided[0].verdict, out.decided[0].reason), (Verdict::Abort, VerdictReason::TooLateToCommit));
}

#[test]
fn a_decided_verdict_never_changes_and_later_reports_are_no_ops() {
    let mut h = Hub::with_relayers(3);
    let (id, bundle) = h.register_sample(1, 2);
    h.report(0, vec![lock_report(&id, &bundle, 0)]).unwrap();
    h.wait(WINDOW + 1_000);
    assert_eq!(h.advance().unwrap().decided[0].verdict, Verdict::Abort);
    let before: LogResponse =
        h.app.wrap().query_wasm_smart(&h.log, &QueryMsg::Log { start_after: None, limit: None }).unwrap();
    let res = h.report(1, vec![lock_report(&id, &bundle, 1)]).unwrap();
    assert!(res
        .events
        .iter()
        .any(|e| e.attributes.iter().any(|a| a.key == "decided" && a.value.contains(&id.to_string()))));
    let after: LogResponse =
        h.app.wrap().query_wasm_smart(&h.log, &QueryMsg::Log { start_after: None, limit: None }).unwrap();
    assert_eq!(before.total, after.total, "no log entry for a no-op");
    h.wait(10_000);
    h.advance().unwrap();
    assert_eq!(h.bundle_info(&id).verdict, Some(Verdict::Abort));
}

#[test]
fn false_lock_is_proven_reverted_and_an_honest_rereport_still_commits() {
    let mut h = Hub::with_relayers(4);
    let (id, bundle) = h.register_sample(1, 2);
    let settle = bundle.settle_deadline;
    // Relayer 3 lies about leg 1: the transaction it names reverted.
    let ev1 = leg_locked(id, 1, &bundle.legs[1], settle);
    let bad_block =
        EvmBlock::busy(CHAIN_B, 500, bundle.lock_deadline - 50, 12, vec![(4, lock_receipt(2, false, &ev1))]);
    let mut lie = lock_report(&id, &bundle, 1);
    lie.location = bad_block.location(4, 1);
    h.report(3, vec![lie]).unwrap();
    // Relayer 0 honestly reports leg 0.
    let ev0 = leg_locked(id, 0, &bundle.legs[0], settle);
    let good_a = EvmBlock::busy(CHAIN_A, 700, bundle.lock_deadline - 100, 20, vec![(7, lock_receipt(2, true, &ev0))]);
    let mut honest = lock_report(&id, &bundle, 0);
    honest.location = good_a.location(7, 1);
    h.report(0, vec![honest]).unwrap();

    h.wait(60);
    let liar_before = h.relayer_info(3);
    let disputer_before = h.balance(&h.addr("disputer"));
    let report_id = h.bundle_info(&id).reports[1].as_ref().unwrap().report_id;
    h.submit_fraud(FraudProof::FalseLock {
        bundle_id: id,
        leg_index: 1,
        evidence: FalseLockEvidence::EvmReceipt {
            header: bad_block.header.clone().into(),
            receipt: bad_block.receipts[4].clone().into(),
            receipt_proof: bad_block.proof(4),
        },
    })
    .unwrap();

    // Reverted, slashed, jailed, bounty paid, recorded.
    assert!(h.bundle_info(&id).reports[1].is_none());
    let liar = h.relayer_info(3);
    assert!(liar.jailed);
    let slashed = liar_before.bonded.u128() * SLASH_BPS as u128 / 10_000;
    assert_eq!(liar.slashed.u128(), slashed);
    assert_eq!(h.balance(&h.addr("disputer")) - disputer_before, slashed * BOUNTY_BPS as u128 / 10_000);
    let fraud: FraudRecord = h.app.wrap().query_wasm_smart(&h.dispute, &DisputeQuery::Fraud { id: 0 }).unwrap();
    assert_eq!(fraud.relayer, h.relayers[3].addr);
    assert_eq!(
        fraud.detail,
        FraudDetail::FalseLock { bundle_id: id, leg_index: 1, report_id, finding: FalseLockFinding::ReceiptFailed }
    );
    let log: LogResponse =
        h.app.wrap().query_wasm_smart(&h.log, &QueryMsg::Log { start_after: None, limit: None }).unwrap();
    assert!(log
        .entries
        .iter()
        .any(|e| matches!(e.event, LogEvent::ReportReverted { report_id: r, fraud_id: 0, .. } if r == report_id)));

    // The honest leg 0 is not disputable.
    assert_err(
        h.submit_fraud(FraudProof::FalseLock {
            bundle_id: id,
            leg_index: 0,
            evidence: FalseLockEvidence::EvmReceipt {
                header: good_a.header.clone().into(),
                receipt: good_a.receipts[7].clone().into(),
                receipt_proof: good_a.proof(7),
            },
        }),
        dispute::ContractError::ReportIsCorrect,
    );

    // The liar can no longer report; an honest relayer re-reports the real lock of leg 1.
    let good_b = EvmBlock::busy(CHAIN_B, 510, bundle.lock_deadline - 10, 3, vec![(1, lock_receipt(0, true, &ev1))]);
    let mut rereport = lock_report(&id, &bundle, 1);
    rereport.location = good_b.location(1, 1);
    assert_err(
        h.report(3, vec![rereport.clone()]),
        bundle_log::ContractError::RelayerNotActive {
            relayer: h.relayers[3].addr.clone(),
            bonded: liar.bonded.to_string(),
            jailed: true,
        },
    );
    h.report(1, vec![rereport]).unwrap();
    h.wait(WINDOW);
    let out = h.advance().unwrap();
    assert_eq!((out.decided[0].verdict, out.decided[0].reason), (Verdict::Commit, VerdictReason::AllLegsLocked));
    let _ = ExecuteMsg::CloseBatch {};
}
