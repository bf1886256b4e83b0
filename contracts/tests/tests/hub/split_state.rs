//! Attacks on the bundle-log's split storage (issue 14: a bundle's registration part, its head,
//! one key per leg report and per rejected report) and on the raw reads of the stake-escrow's
//! storage that replaced smart queries: each test is named after the attack it stops.

use bundle_log::ContractError as E;
use mesh_hub_api::bundle_log::{ExecuteMsg, ObjectionReason, QueryMsg, ReportResponse};
use mesh_hub_api::stake_escrow::ExecuteMsg as StakeMsg;
use mesh_hub_tests::*;
use mesh_protocol::Hash32;

fn report_of(h: &Hub, bundle_id: Hash32, leg_index: u32) -> ReportResponse {
    h.app.wrap().query_wasm_smart(&h.log, &QueryMsg::Report { bundle_id, leg_index }).unwrap()
}

/// Every key and value of the bundle-log's storage.
fn log_state(h: &Hub) -> Vec<(Vec<u8>, Vec<u8>)> {
    h.app.dump_wasm_raw(&h.log).into_iter().map(|(k, v)| (k.to_vec(), v.to_vec())).collect()
}

#[test]
fn a_report_of_leg_i_of_one_bundle_is_never_read_as_leg_i_of_another_bundle() {
    let mut h = Hub::with_judge(3);
    let (a, ba) = h.register_sample(1, 2);
    let (b, bb) = h.register_sample(2, 2);
    h.report(0, vec![lock_report(&a, &ba, 0)]).unwrap();
    let report_a = report_of(&h, a, 0).report.expect("A's leg 0 is reported");
    assert_eq!(report_of(&h, b, 0).report, None, "B's leg 0 stays unreported");
    assert_eq!(h.bundle_info(&b).reports, vec![None, None]);
    assert_eq!(h.bundle_info(&a).reports, vec![Some(report_a.clone()), None]);

    // A's leg 0 relabelled as B's leg 0: refused on B's registered leg hash.
    let mut relabelled = lock_report(&a, &ba, 0);
    relabelled.bundle_id = b;
    assert_err(
        h.report(1, vec![relabelled]),
        E::LegHashMismatch {
            bundle_id: b,
            leg_index: 0,
            expected: lock_report(&b, &bb, 0).leg_hash,
            got: lock_report(&a, &ba, 0).leg_hash,
        },
    );
    // An objection naming B's leg 0 with the id of A's report touches neither.
    let objection = mesh_hub_api::bundle_log::Objection {
        bundle_id: b,
        leg_index: 0,
        report_id: report_a.report_id,
        reason: ObjectionReason::UnknownBlock,
    };
    let who = h.relayers[2].addr.clone();
    let res = h.log_exec(&who, &ExecuteMsg::ObjectReports { objections: vec![objection] }).unwrap();
    let out: mesh_hub_api::bundle_log::ObjectReportsResponse = cosmwasm_std::from_json(res.data.unwrap()).unwrap();
    assert_eq!(out.ignored.len(), 1);
    assert_eq!(report_of(&h, a, 0).report, Some(report_a), "A's report keeps no objector");
    assert!(report_of(&h, b, 0).rejected.is_empty() && report_of(&h, a, 0).rejected.is_empty());
}

#[test]
fn a_rejected_report_of_one_bundle_is_never_listed_or_reverted_under_another_bundle() {
    let mut h = Hub::with_judge(3);
    let (a, ba) = h.register_sample(1, 2);
    let (b, bb) = h.register_sample(2, 2);
    h.report(0, vec![lock_report(&a, &ba, 0), lock_report(&b, &bb, 0)]).unwrap();
    let rejected_id = report_of(&h, a, 0).report.unwrap().report_id;
    // One of three equal signers is a third: the objection rejects A's report.
    let out = h.object(1, &[(a, 0)], ObjectionReason::UnknownBlock).unwrap();
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(report_of(&h, a, 0).rejected.iter().map(|r| r.report_id).collect::<Vec<_>>(), vec![rejected_id]);
    assert!(report_of(&h, b, 0).rejected.is_empty(), "B lists no rejected report");
    assert!(report_of(&h, a, 1).rejected.is_empty(), "nor does A's other leg");
    // The dispute contract proving it under B's id finds nothing there.
    let judge = h.dispute.clone();
    let revert = |bundle_id| ExecuteMsg::RevertReport { bundle_id, leg_index: 0, report_id: rejected_id, fraud_id: 1 };
    assert_err(
        h.log_exec(&judge, &revert(b)),
        E::ReportNotFound { bundle_id: b, leg_index: 0, report_id: rejected_id },
    );
    assert!(report_of(&h, b, 0).report.is_some(), "B's own report stands");
    h.log_exec(&judge, &revert(a)).unwrap();
    assert!(report_of(&h, a, 0).rejected.is_empty());
}

#[test]
fn an_out_of_range_leg_index_is_refused_with_a_typed_error_and_writes_no_key() {
    let mut h = Hub::with_judge(3);
    let (id, b) = h.register_sample(1, 2);
    h.report(0, vec![lock_report(&id, &b, 0)]).unwrap();
    let report_id = report_of(&h, id, 0).report.unwrap().report_id;
    let before = log_state(&h);
    // 2 is one past the end; 16, 31 and 32 are where a per-leg bit or key would wrap; u32::MAX.
    for leg_index in [2, 16, 31, 32, u32::MAX] {
        let mut bad = lock_report(&id, &b, 1);
        bad.leg_index = leg_index;
        // after a valid report in the same message: the whole message is refused
        assert_err(
            h.report(1, vec![lock_report(&id, &b, 1), bad]),
            E::LegIndexOutOfRange { bundle_id: id, leg_index, legs: 2 },
        );
        let objection = mesh_hub_api::bundle_log::Objection {
            bundle_id: id,
            leg_index,
            report_id,
            reason: ObjectionReason::UnknownBlock,
        };
        let who = h.relayers[1].addr.clone();
        assert_err(
            h.log_exec(&who, &ExecuteMsg::ObjectReports { objections: vec![objection] }),
            E::LegIndexOutOfRange { bundle_id: id, leg_index, legs: 2 },
        );
        let judge = h.dispute.clone();
        assert_err(
            h.log_exec(&judge, &ExecuteMsg::RevertReport { bundle_id: id, leg_index, report_id, fraud_id: 1 }),
            E::LegIndexOutOfRange { bundle_id: id, leg_index, legs: 2 },
        );
        assert_eq!(log_state(&h), before, "leg {leg_index}: nothing changed");
    }
    assert_eq!(h.bundle_info(&id).reports.len(), 2);
}

#[test]
fn a_jailed_relayer_cannot_report_until_unjailed_and_an_unbonded_one_not_until_it_bonds_again() {
    // The hub reads the relayer's standing from the stake-escrow's storage: every change of bond
    // or jail must reach it at once.
    let mut h = Hub::with_judge(2);
    let (id, b) = h.register_sample(1, 2);
    h.slash(1, mesh_hub_api::common::FraudKind::Equivocation, 0).unwrap();
    assert_err(
        h.report(1, vec![lock_report(&id, &b, 0)]),
        E::RelayerNotActive { relayer: h.relayers[1].addr.clone(), bonded: (STAKE / 2).to_string(), jailed: true },
    );
    let admin = h.admin.clone();
    h.stake_exec(&admin, &StakeMsg::Unjail { relayer: h.relayers[1].addr.to_string() }, &[]).unwrap();
    h.report(1, vec![lock_report(&id, &b, 0)]).unwrap();

    h.unbond(0, STAKE - MIN_BOND + 1).unwrap();
    assert_err(
        h.report(0, vec![lock_report(&id, &b, 1)]),
        E::RelayerNotActive { relayer: h.relayers[0].addr.clone(), bonded: (MIN_BOND - 1).to_string(), jailed: false },
    );
    h.bond(0, 1).unwrap();
    h.report(0, vec![lock_report(&id, &b, 1)]).unwrap();
    assert!(h.bundle_info(&id).reports.iter().all(Option::is_some));
}

#[test]
fn a_jailed_signer_cannot_resubmit_a_signature_it_gave_before_its_jailing() {
    let mut h = Hub::with_judge(4);
    h.register_sample(77, 1);
    h.wait(1_001);
    let index = h.advance().unwrap().closed_batches[0];
    h.submit_batch_signatures(index, &[2]).unwrap();
    h.slash(2, mesh_hub_api::common::FraudKind::WrongAttestation, 0).unwrap();
    assert_err(h.submit_batch_signatures(index, &[2]), E::SignerJailed { position: 0, signer: h.relayers[2].evm });
}
