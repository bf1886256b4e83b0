//! Attacks on the bundle-log's lock reports and verdicts (audit findings 2a, 6, 7, 8, 9): each
//! test is named after the attack it stops.

use bundle_log::ContractError as E;
use cosmwasm_std::Coin;
use cw_multi_test::Executor;
use mesh_hub_api::bundle_log::{
    BundleResponse, DueBundlesResponse, ExecuteMsg, LogEvent, LogResponse, ObjectionReason, OpenReportsResponse,
    QueryMsg,
};
use mesh_hub_api::common::FundsNotAccepted;
use mesh_hub_tests::*;
use mesh_protocol::{Hash32, Verdict};

fn q<T: serde::de::DeserializeOwned>(h: &Hub, msg: &QueryMsg) -> T {
    h.app.wrap().query_wasm_smart(&h.log, msg).unwrap()
}

fn events(h: &Hub) -> Vec<LogEvent> {
    let page: LogResponse = q(h, &QueryMsg::Log { start_after: None, limit: Some(100) });
    page.entries.into_iter().map(|e| e.event).collect()
}

/// A report of leg `i` in a block hash nobody can produce a header for.
fn fabricated_report(id: &Hash32, b: &mesh_protocol::Bundle, i: usize) -> mesh_hub_api::bundle_log::LockReport {
    let mut r = lock_report(id, b, i);
    r.location.as_evm_mut().unwrap().block_hash = Hash32(mesh_protocol::keccak256(b"random 32 bytes, no preimage"));
    r
}

#[track_caller]
fn advance_until_decided(h: &mut Hub, id: &Hash32) -> BundleResponse {
    for _ in 0..20 {
        h.advance().unwrap();
        let b: BundleResponse = q(h, &QueryMsg::Bundle { bundle_id: *id });
        if b.verdict.is_some() {
            return b;
        }
        h.wait(200);
    }
    panic!("bundle {id} was never decided");
}

// ------------------------------------------------------------------ finding 2a

#[test]
fn a_lock_in_a_fabricated_block_is_rejected_by_a_third_of_the_signers_and_never_commits() {
    // Three equal signers: relayer 0 lies, relayer 1 alone is a third of the weight.
    let mut h = Hub::with_relayers(3);
    let (id, b) = h.register_sample(1, 2);
    h.report(0, vec![lock_report(&id, &b, 0), fabricated_report(&id, &b, 1)]).unwrap();
    let open: OpenReportsResponse = q(&h, &QueryMsg::OpenReports { domain: DOMAIN_B, start_after: None, limit: None });
    assert_eq!(open.reports.len(), 1, "signers see the report they must check");

    let out = h.object(1, &[(id, 1)], ObjectionReason::UnknownBlock).unwrap();
    assert_eq!((out.rejected.len(), out.counted.len()), (1, 0));
    let bundle: BundleResponse = q(&h, &QueryMsg::Bundle { bundle_id: id });
    assert!(bundle.reports[1].is_none(), "the leg is unreported again");
    assert!(bundle.reports[0].is_some(), "the honest report of the other leg stands");
    assert!(events(&h).iter().any(|e| matches!(e, LogEvent::ReportRejected { leg_index: 1, .. })));
    let open: OpenReportsResponse = q(&h, &QueryMsg::OpenReports { domain: DOMAIN_B, start_after: None, limit: None });
    assert!(open.reports.is_empty());

    // Nobody locks leg 1 for real: the bundle ABORTs, never COMMITs on the fabricated evidence.
    h.wait(1_000 + WINDOW);
    let decided = advance_until_decided(&mut h, &id);
    assert_eq!(decided.verdict, Some(Verdict::Abort));
}

#[test]
fn objections_of_less_than_a_third_cannot_censor_an_honest_report() {
    // Four equal signers: one malicious objector holds a quarter of the weight.
    let mut h = Hub::with_relayers(4);
    let (id, b) = h.register_sample(1, 2);
    h.report(0, all_reports(&id, &b)).unwrap();
    let out = h.object(3, &[(id, 0), (id, 1)], ObjectionReason::NoMatchingLog).unwrap();
    assert_eq!((out.counted.len(), out.rejected.len()), (2, 0));
    let bundle: BundleResponse = q(&h, &QueryMsg::Bundle { bundle_id: id });
    assert_eq!(bundle.reports[0].as_ref().unwrap().objectors, vec![h.relayers[3].evm]);
    h.wait(WINDOW);
    assert_eq!(advance_until_decided(&mut h, &id).verdict, Some(Verdict::Commit));
}

#[test]
fn a_signer_objecting_twice_counts_once() {
    let mut h = Hub::with_relayers(4);
    let (id, b) = h.register_sample(1, 1);
    h.report(0, all_reports(&id, &b)).unwrap();
    h.object(3, &[(id, 0)], ObjectionReason::UnknownBlock).unwrap();
    let again = h.object(3, &[(id, 0)], ObjectionReason::UnknownBlock).unwrap();
    assert_eq!((again.ignored.len(), again.rejected.len()), (1, 0));
    let bundle: BundleResponse = q(&h, &QueryMsg::Bundle { bundle_id: id });
    assert_eq!(bundle.reports[0].as_ref().unwrap().objected_weight.to_string(), STAKE.to_string());
}

#[test]
fn objections_are_refused_when_empty_or_too_many_and_the_maximum_is_taken() {
    let mut h = Hub::with_relayers(4);
    let (id, b) = h.register_sample(1, 1);
    h.report(0, all_reports(&id, &b)).unwrap();
    let report_id = h.bundle_info(&id).reports[0].as_ref().unwrap().report_id;
    let one = mesh_hub_api::bundle_log::Objection {
        bundle_id: id,
        leg_index: 0,
        report_id,
        reason: ObjectionReason::UnknownBlock,
    };
    let who = h.relayers[3].addr.clone();
    let send =
        |h: &mut Hub, n: usize| h.log_exec(&who, &ExecuteMsg::ObjectReports { objections: vec![one.clone(); n] });
    assert_err(send(&mut h, 0), E::NoObjections);
    assert_err(
        send(&mut h, MAX_REPORTS as usize + 1),
        E::TooManyObjections { count: MAX_REPORTS as usize + 1, max: MAX_REPORTS },
    );
    let res = send(&mut h, MAX_REPORTS as usize).unwrap();
    let out: mesh_hub_api::bundle_log::ObjectReportsResponse = cosmwasm_std::from_json(res.data.unwrap()).unwrap();
    assert_eq!((out.counted.len(), out.ignored.len()), (1, MAX_REPORTS as usize - 1), "one signer counts once");
}

#[test]
fn objectors_are_kept_in_address_order_whatever_order_they_object_in() {
    // Relayer 0 (the reporter) holds the largest stake, so two of the five others object
    // without reaching a third of the weight.
    let mut h = Hub::new();
    h.bond(0, 5 * STAKE).unwrap();
    for i in 1..6 {
        h.bond(i, STAKE).unwrap();
    }
    h.rotate().unwrap();
    let (id, b) = h.register_sample(1, 2);
    h.report(0, all_reports(&id, &b)).unwrap();
    let mut by_address: Vec<usize> = (1..6).collect();
    by_address.sort_by_key(|&i| h.relayers[i].evm);
    let (low, high) = (by_address[0], by_address[4]);
    // Leg 0 in ascending address order, leg 1 in descending order.
    h.object(low, &[(id, 0)], ObjectionReason::UnknownBlock).unwrap();
    let out = h.object(high, &[(id, 0), (id, 1)], ObjectionReason::UnknownBlock).unwrap();
    assert_eq!(out.counted.len(), 2, "two of six objectors are less than a third of the weight");
    h.object(low, &[(id, 1)], ObjectionReason::UnknownBlock).unwrap();
    let bundle = h.bundle_info(&id);
    for leg in 0..2 {
        let report = bundle.reports[leg].as_ref().unwrap();
        assert_eq!(report.objectors, vec![h.relayers[low].evm, h.relayers[high].evm], "leg {leg}");
        assert_eq!(report.objected_weight.to_string(), (2 * STAKE).to_string());
    }
}

#[test]
fn an_objection_from_outside_the_signer_set_is_refused() {
    let mut h = Hub::with_relayers(3);
    let (id, b) = h.register_sample(1, 1);
    h.report(0, all_reports(&id, &b)).unwrap();
    // Relayer 4 bonds now: active, but not in epoch 1's set, so it has no say yet.
    h.bond(4, STAKE).unwrap();
    let signer = h.relayers[4].evm;
    assert_err(
        h.object(4, &[(id, 0)], ObjectionReason::UnknownBlock),
        E::NotInSignerSet { relayer: h.relayers[4].addr.clone(), signer, epoch: 1 },
    );
    // And an account that never bonded.
    let stranger = h.addr("mallory");
    let msg = ExecuteMsg::ObjectReports {
        objections: vec![mesh_hub_api::bundle_log::Objection {
            bundle_id: id,
            leg_index: 0,
            report_id: 0,
            reason: ObjectionReason::UnknownBlock,
        }],
    };
    assert_err(
        h.log_exec(&stranger, &msg),
        E::RelayerNotActive { relayer: stranger.clone(), bonded: "0".into(), jailed: false },
    );
}

#[test]
fn objections_to_a_stale_or_closed_report_change_nothing() {
    let mut h = Hub::with_relayers(3);
    let (id, b) = h.register_sample(1, 1);
    h.report(0, all_reports(&id, &b)).unwrap();
    let report_id = {
        let bundle: BundleResponse = q(&h, &QueryMsg::Bundle { bundle_id: id });
        bundle.reports[0].as_ref().unwrap().report_id
    };
    let stale = mesh_hub_api::bundle_log::Objection {
        bundle_id: id,
        leg_index: 0,
        report_id: report_id + 1,
        reason: ObjectionReason::UnknownBlock,
    };
    let who = h.relayers[1].addr.clone();
    let res = h.log_exec(&who, &ExecuteMsg::ObjectReports { objections: vec![stale] }).unwrap();
    let out: mesh_hub_api::bundle_log::ObjectReportsResponse = cosmwasm_std::from_json(res.data.unwrap()).unwrap();
    assert_eq!(out.ignored.len(), 1);
    // After the window, an objection comes too late: the report stands.
    h.wait(WINDOW);
    let late = h.object(1, &[(id, 0)], ObjectionReason::UnknownBlock).unwrap();
    assert_eq!((late.ignored.len(), late.rejected.len()), (1, 0));
    let bundle: BundleResponse = q(&h, &QueryMsg::Bundle { bundle_id: id });
    assert!(bundle.reports[0].is_some());
}

#[test]
fn a_jailed_signer_cannot_object() {
    let mut h = Hub::with_judge(3);
    let (id, b) = h.register_sample(1, 1);
    h.report(0, all_reports(&id, &b)).unwrap();
    h.slash(1, mesh_hub_api::common::FraudKind::Equivocation, 0).unwrap();
    let signer = h.relayers[1].evm;
    assert_err(
        h.object(1, &[(id, 0)], ObjectionReason::UnknownBlock),
        E::ObjectorJailed { relayer: h.relayers[1].addr.clone(), signer },
    );
}

// ------------------------------------------------------------------ finding 6

#[test]
fn front_running_with_a_false_report_cannot_force_an_abort_of_a_fully_locked_bundle() {
    let mut h = Hub::with_relayers(3);
    let (id, b) = h.register_sample(1, 2);
    // Relayer 0 front-runs the honest report of leg 1 with a wrong location just before the lock
    // deadline; the honest report then comes back as a duplicate.
    h.report(1, vec![lock_report(&id, &b, 0)]).unwrap();
    h.wait(990);
    h.report(0, vec![fabricated_report(&id, &b, 1)]).unwrap();
    h.report(1, vec![lock_report(&id, &b, 1)]).unwrap();
    // Its own accomplice's evidence takes the report down right after the lock deadline...
    h.wait(20);
    h.object(2, &[(id, 1)], ObjectionReason::UnknownBlock).unwrap();
    // ...and an `Advance` at once would ABORT: the re-report grace stops it.
    h.advance().unwrap();
    let bundle: BundleResponse = q(&h, &QueryMsg::Bundle { bundle_id: id });
    assert_eq!(bundle.verdict, None, "no verdict inside the re-report grace");
    assert!(bundle.next_check.unwrap() >= h.now() + WINDOW - 1);
    // The honest relayer re-reports the real lock and the bundle COMMITs.
    h.report(1, vec![lock_report(&id, &b, 1)]).unwrap();
    h.wait(WINDOW);
    assert_eq!(advance_until_decided(&mut h, &id).verdict, Some(Verdict::Commit));
}

// ------------------------------------------------------------------ finding 7

fn hub_with_deposit(deposit: u128) -> Hub {
    let mut h = Hub::bare();
    let admin = h.admin.clone();
    h.stake = h
        .app
        .instantiate_contract(h.code_ids.0, admin.clone(), &stake_instantiate_msg(), &[], "stake-escrow", None)
        .unwrap();
    let mut msg = log_instantiate_msg(&h.stake);
    msg.registration_deposit = Some(Coin::new(deposit, DENOM));
    msg.batch_max_age = 100;
    msg.retention = Some(1_000);
    h.log = h.app.instantiate_contract(h.code_ids.1, admin, &msg, &[], "bundle-log", None).unwrap();
    h.hub.deployment = h.log.to_string();
    h.dispute = h.addr("judge");
    let judge = h.dispute.clone();
    h.wire(&judge);
    for i in 0..3 {
        h.bond(i, STAKE).unwrap();
    }
    h.rotate().unwrap();
    h
}

#[test]
fn spam_registration_without_the_deposit_is_refused_and_the_deposit_returns_on_the_verdict() {
    let mut h = hub_with_deposit(500);
    let b = h.bundle("alice", 1, 1, 1_000);
    let alice = h.addr("alice");
    let register = ExecuteMsg::RegisterBundle { bundle: b.clone() };
    assert_err(h.log_exec(&alice, &register), E::WrongDeposit { expected: "500umesh".into(), got: "".into() });
    assert_err(
        h.app.execute_contract(alice.clone(), h.log.clone(), &register, &[Coin::new(499u128, DENOM)]),
        E::WrongDeposit { expected: "500umesh".into(), got: "499umesh".into() },
    );
    let before = h.balance(&alice);
    h.app.execute_contract(alice.clone(), h.log.clone(), &register, &[Coin::new(500u128, DENOM)]).unwrap();
    assert_eq!(h.balance(&alice), before - 500);
    // Never locked: ABORT after the lock deadline, and the deposit is back.
    h.wait(1_001);
    let id = Hash32(mesh_protocol::eip712::bundle_id(&h.hub, &b));
    assert_eq!(advance_until_decided(&mut h, &id).verdict, Some(Verdict::Abort));
    assert_eq!(h.balance(&alice), before);
}

#[test]
fn deposits_of_bundles_decided_in_one_advance_come_back_in_full_one_transfer_per_creator() {
    let mut h = hub_with_deposit(500);
    let (alice, bob) = (h.addr("alice"), h.addr("bob"));
    let before = (h.balance(&alice), h.balance(&bob));
    for (who, nonce) in [(&alice, 1), (&alice, 2), (&bob, 1), (&alice, 3)] {
        let name = if *who == alice { "alice" } else { "bob" };
        let b = h.bundle(name, nonce, 1, 1_000);
        let register = ExecuteMsg::RegisterBundle { bundle: b };
        h.app.execute_contract(who.clone(), h.log.clone(), &register, &[Coin::new(500u128, DENOM)]).unwrap();
    }
    assert_eq!((h.balance(&alice), h.balance(&bob)), (before.0 - 1_500, before.1 - 500));
    h.wait(1_001);
    let res = h.log_exec(&h.addr("carol"), &ExecuteMsg::Advance { limit: None }).unwrap();
    let out: mesh_hub_api::bundle_log::AdvanceResponse = cosmwasm_std::from_json(res.data.unwrap()).unwrap();
    assert_eq!(out.decided.len(), 4);
    let transfers = res.events.iter().filter(|e| e.ty == "transfer").count();
    assert_eq!(transfers, 2, "one transfer to alice, one to bob");
    assert_eq!((h.balance(&alice), h.balance(&bob)), before);
}

/// Whether the bundle-log knows bundle `id`.
fn registered(h: &Hub, id: &Hash32) -> bool {
    let q = mesh_hub_api::bundle_log::QueryMsg::Bundle { bundle_id: *id };
    h.app.wrap().query_wasm_smart::<mesh_hub_api::bundle_log::BundleResponse>(&h.log, &q).is_ok()
}

#[test]
fn many_bundles_register_in_one_message_each_as_if_alone_and_each_deposit_comes_back() {
    let mut h = hub_with_deposit(500);
    let alice = h.addr("alice");
    let bundles: Vec<_> = (1..=3).map(|n| h.bundle("alice", n, 2, 1_000)).collect();
    let before = h.balance(&alice);
    let msg = ExecuteMsg::RegisterBundles { bundles: bundles.clone() };
    let res = h.app.execute_contract(alice.clone(), h.log.clone(), &msg, &[Coin::new(1_500u128, DENOM)]).unwrap();
    let out: mesh_hub_api::bundle_log::RegisterBundlesResponse = cosmwasm_std::from_json(res.data.unwrap()).unwrap();
    let ids: Vec<_> = bundles.iter().map(|b| Hash32(mesh_protocol::eip712::bundle_id(&h.hub, b))).collect();
    assert_eq!(out.bundle_ids, ids);
    assert_eq!(h.balance(&alice), before - 1_500);
    for (id, b) in ids.iter().zip(&bundles) {
        let r = h.bundle_info(id);
        assert_eq!((&r.bundle, r.verdict), (b, None));
    }
    // the nonces are taken as by RegisterBundle
    let again = ExecuteMsg::RegisterBundle { bundle: bundles[1].clone() };
    let err = h.app.execute_contract(alice.clone(), h.log.clone(), &again, &[Coin::new(500u128, DENOM)]);
    assert_err(err, E::NonceUsed { creator: alice.clone(), nonce: 2, bundle_id: ids[1] });
    h.wait(1_001);
    for id in &ids {
        assert_eq!(advance_until_decided(&mut h, id).verdict, Some(Verdict::Abort));
    }
    assert_eq!(h.balance(&alice), before, "every deposit back");
}

#[test]
fn a_registration_batch_paying_less_than_every_deposit_is_refused_and_registers_nothing() {
    let mut h = hub_with_deposit(500);
    let alice = h.addr("alice");
    let bundles: Vec<_> = (1..=3).map(|n| h.bundle("alice", n, 1, 1_000)).collect();
    let msg = ExecuteMsg::RegisterBundles { bundles: bundles.clone() };
    for paid in [500u128, 1_000, 1_499, 1_501] {
        assert_err(
            h.app.execute_contract(alice.clone(), h.log.clone(), &msg, &[Coin::new(paid, DENOM)]),
            E::WrongDeposit { expected: "1500umesh".into(), got: format!("{paid}umesh") },
        );
    }
    for b in &bundles {
        assert!(!registered(&h, &Hash32(mesh_protocol::eip712::bundle_id(&h.hub, b))));
    }
}

#[test]
fn one_bad_bundle_in_a_registration_batch_registers_none_of_them() {
    let mut h = hub_with_deposit(500);
    let alice = h.addr("alice");
    let first = h.bundle("alice", 1, 1, 1_000);
    let mut twin = h.bundle("alice", 1, 2, 1_000); // the same nonce again
    twin.legs.truncate(2);
    let foreign = h.bundle("bob", 2, 1, 1_000); // not alice's
    let first_id = Hash32(mesh_protocol::eip712::bundle_id(&h.hub, &first));
    let msg = ExecuteMsg::RegisterBundles { bundles: vec![first.clone(), twin] };
    assert_err(
        h.app.execute_contract(alice.clone(), h.log.clone(), &msg, &[Coin::new(1_000u128, DENOM)]),
        E::NonceUsed { creator: alice.clone(), nonce: 1, bundle_id: first_id },
    );
    let msg = ExecuteMsg::RegisterBundles { bundles: vec![first.clone(), foreign] };
    assert_err(
        h.app.execute_contract(alice.clone(), h.log.clone(), &msg, &[Coin::new(1_000u128, DENOM)]),
        E::CreatorMismatch { creator: h.addr("bob").to_string(), sender: alice.clone() },
    );
    assert!(!registered(&h, &first_id), "the valid first bundle was not kept either");
}

#[test]
fn an_empty_or_oversized_registration_batch_is_refused() {
    let mut h = hub_with_deposit(500);
    let alice = h.addr("alice");
    let max = mesh_hub_api::bundle_log::MAX_BUNDLES_PER_REGISTRATION;
    assert_err(
        h.app.execute_contract(alice.clone(), h.log.clone(), &ExecuteMsg::RegisterBundles { bundles: vec![] }, &[]),
        E::BadRegistrationCount { count: 0, max },
    );
    let bundles: Vec<_> = (1..=max as u64 + 1).map(|n| h.bundle("alice", n, 1, 1_000)).collect();
    let paid = Coin::new(500u128 * (max as u128 + 1), DENOM);
    assert_err(
        h.app.execute_contract(alice.clone(), h.log.clone(), &ExecuteMsg::RegisterBundles { bundles }, &[paid]),
        E::BadRegistrationCount { count: max + 1, max },
    );
}

#[test]
fn closing_one_leaf_batches_on_purpose_is_refused() {
    let mut h = hub_with_deposit(1);
    let b = h.bundle("alice", 1, 1, 1_000);
    let alice = h.addr("alice");
    let register = ExecuteMsg::RegisterBundle { bundle: b.clone() };
    h.app.execute_contract(alice, h.log.clone(), &register, &[Coin::new(1u128, DENOM)]).unwrap();
    h.wait(1_001);
    let id = Hash32(mesh_protocol::eip712::bundle_id(&h.hub, &b));
    h.advance().unwrap();
    let bundle: BundleResponse = q(&h, &QueryMsg::Bundle { bundle_id: id });
    assert!(bundle.verdict.is_some(), "decided into the open batch");
    let carol = h.addr("carol");
    let now = h.now();
    assert_err(
        h.log_exec(&carol, &ExecuteMsg::CloseBatch {}),
        E::BatchNotDue { index: 0, entries: 1, max: MAX_BATCH, due_at: now + 100, now },
    );
    h.wait(100);
    h.log_exec(&carol, &ExecuteMsg::CloseBatch {}).unwrap();
}

#[test]
fn settled_bundles_leave_state_after_retention_and_the_log_keeps_them() {
    let mut h = hub_with_deposit(1);
    let b = h.bundle("alice", 1, 1, 1_000);
    let alice = h.addr("alice");
    let register = ExecuteMsg::RegisterBundle { bundle: b.clone() };
    h.app.execute_contract(alice, h.log.clone(), &register, &[Coin::new(1u128, DENOM)]).unwrap();
    let id = Hash32(mesh_protocol::eip712::bundle_id(&h.hub, &b));
    h.wait(1_001);
    advance_until_decided(&mut h, &id);
    let carol = h.addr("carol");
    // Before settle deadline + retention: nothing to prune.
    h.log_exec(&carol, &ExecuteMsg::Prune { limit: None }).unwrap();
    assert!(h.app.wrap().query_wasm_smart::<BundleResponse>(&h.log, &QueryMsg::Bundle { bundle_id: id }).is_ok());
    let wait = b.settle_deadline + 1_000 + 1 - h.now();
    h.wait(wait);
    h.log_exec(&carol, &ExecuteMsg::Prune { limit: Some(5) }).unwrap();
    assert_err(
        h.app.wrap().query_wasm_smart::<BundleResponse>(&h.log, &QueryMsg::Bundle { bundle_id: id }),
        format!("bundle {id} not found"),
    );
    assert!(events(&h).iter().any(|e| matches!(e, LogEvent::BundlePruned { bundle_id } if *bundle_id == id)));
    assert!(events(&h).iter().any(|e| matches!(e, LogEvent::VerdictFinal { bundle_id, .. } if *bundle_id == id)));
    // The nonce stays taken: the pruned bundle cannot be registered again.
    let again = ExecuteMsg::RegisterBundle { bundle: h.bundle("alice", 1, 1, 1_000) };
    let alice = h.addr("alice");
    assert_err(
        h.app.execute_contract(alice.clone(), h.log.clone(), &again, &[Coin::new(1u128, DENOM)]),
        E::NonceUsed { creator: alice, nonce: 1, bundle_id: id },
    );
}

#[test]
fn years_of_settled_bundles_do_not_grow_state_beyond_what_retention_keeps() {
    let mut h = hub_with_deposit(1);
    let (alice, carol) = (h.addr("alice"), h.addr("carol"));
    let namespaces = |h: &Hub| -> Vec<Vec<u8>> { h.app.dump_wasm_raw(&h.log).into_iter().map(|(k, _)| k).collect() };
    let before = namespaces(&h);
    let mut last_deadline = 0;
    for nonce in 0..12 {
        let b = h.bundle("alice", nonce, 1, 1_000);
        last_deadline = last_deadline.max(b.settle_deadline);
        let register = ExecuteMsg::RegisterBundle { bundle: b };
        h.app.execute_contract(alice.clone(), h.log.clone(), &register, &[Coin::new(1u128, DENOM)]).unwrap();
    }
    h.wait(1_001);
    while !h.advance().unwrap().decided.is_empty() {}
    h.wait(200);
    let _ = h.log_exec(&carol, &ExecuteMsg::CloseBatch {});
    let total_before: LogResponse = q(&h, &QueryMsg::Log { start_after: None, limit: Some(1) });
    // Past every settle deadline by retention and the horizon: everything may go but the nonces.
    let due: DueBundlesResponse = q(&h, &QueryMsg::DueBundles { limit: None });
    assert_eq!(due.prunable, 0, "not past retention yet");
    h.wait(last_deadline + 1_000 + HORIZON + 1 - h.now());
    let due: DueBundlesResponse = q(&h, &QueryMsg::DueBundles { limit: None });
    assert_eq!(due.prunable, 12, "what relayers see before they prune");
    for _ in 0..4 {
        h.log_exec(&carol, &ExecuteMsg::Prune { limit: Some(5) }).unwrap();
    }
    let due: DueBundlesResponse = q(&h, &QueryMsg::DueBundles { limit: None });
    assert_eq!(due.prunable, 0);
    let left: Vec<Vec<u8>> = namespaces(&h).into_iter().filter(|k| !before.contains(k)).collect();
    // a map's keys are a 2-byte length and the namespace, then the key's parts; an item's key
    // is its name
    let ns = |k: &Vec<u8>| match k.get(2..2 + u16::from_be_bytes([k[0], k[1]]) as usize) {
        Some(name) => String::from_utf8_lossy(name).to_string(),
        None => String::from_utf8_lossy(k).to_string(),
    };
    let nonces = left.iter().filter(|k| ns(k) == "nc").count();
    let log: LogResponse = q(&h, &QueryMsg::Log { start_after: None, limit: Some(100) });
    assert_eq!(nonces, 12, "each pruned bundle keeps its nonce taken");
    assert!(
        log.entries.iter().all(|e| matches!(e.event, LogEvent::BundlePruned { .. })),
        "the log keeps only what retention keeps: {:?}",
        log.entries.iter().map(|e| &e.event).collect::<Vec<_>>()
    );
    let others: Vec<String> = left.iter().map(ns).filter(|n| n != "nc" && n != "log").collect();
    assert_eq!(others, vec!["nb"], "only the next batch index is new: the batch left with its leaves and signatures");
    assert!(h.app.wrap().query_wasm_smart::<serde_json::Value>(&h.log, &QueryMsg::Batch { index: 0 }).is_err());
    // Report ids (log sequence numbers) go on from where they were: never handed out twice.
    assert!(log.total > total_before.total);
    let b = h.bundle("alice", 99, 1, 1_000);
    let id = Hash32(mesh_protocol::eip712::bundle_id(&h.hub, &b));
    let register = ExecuteMsg::RegisterBundle { bundle: b };
    h.app.execute_contract(alice, h.log.clone(), &register, &[Coin::new(1u128, DENOM)]).unwrap();
    let page: LogResponse = q(&h, &QueryMsg::Log { start_after: Some(log.total - 1), limit: Some(1) });
    assert_eq!(page.entries[0].seq, log.total, "the next entry continues the sequence");
    assert!(matches!(page.entries[0].event, LogEvent::BundleRegistered { bundle_id, .. } if bundle_id == id));
}

// ------------------------------------------------------------------ finding 8

#[test]
fn funds_sent_with_a_message_that_takes_none_are_refused_not_kept() {
    let mut h = Hub::with_relayers(3);
    let (id, b) = h.register_sample(1, 1);
    let who = h.relayers[0].addr.clone();
    let before = h.balance(&who);
    let msg = ExecuteMsg::ReportLocks { reports: all_reports(&id, &b) };
    assert_err(
        h.app.execute_contract(who.clone(), h.log.clone(), &msg, &[Coin::new(7u128, DENOM)]),
        FundsNotAccepted { action: "report_locks", funds: "7umesh".into() },
    );
    assert_err(
        h.app.execute_contract(
            who.clone(),
            h.log.clone(),
            &ExecuteMsg::Advance { limit: None },
            &[Coin::new(1u128, DENOM)],
        ),
        FundsNotAccepted { action: "advance", funds: "1umesh".into() },
    );
    assert_eq!(h.balance(&who), before);
    assert_eq!(h.balance(&h.log.clone()), 0);
    // A registration without a configured deposit takes nothing either.
    let alice = h.addr("alice");
    let register = ExecuteMsg::RegisterBundle { bundle: h.bundle("alice", 2, 1, 1_000) };
    assert_err(
        h.app.execute_contract(alice, h.log.clone(), &register, &[Coin::new(1u128, DENOM)]),
        FundsNotAccepted { action: "register_bundle", funds: "1umesh".into() },
    );
}

// ------------------------------------------------------------------ finding 9

/// Sends `json` as raw bytes (the typed helpers cannot carry an unknown field).
fn exec_raw(h: &mut Hub, json: &str) -> cosmwasm_std::StdResult<cw_multi_test::AppResponse> {
    let who = h.relayers[0].addr.clone();
    let msg = cosmwasm_std::WasmMsg::Execute {
        contract_addr: h.log.to_string(),
        msg: cosmwasm_std::Binary::from(json.as_bytes()),
        funds: vec![],
    };
    h.app.execute(who, msg.into())
}

fn query_raw(h: &Hub, json: &str) -> cosmwasm_std::StdResult<cosmwasm_std::Binary> {
    let req = cosmwasm_std::QueryRequest::Wasm(cosmwasm_std::WasmQuery::Smart {
        contract_addr: h.log.to_string(),
        msg: cosmwasm_std::Binary::from(json.as_bytes()),
    });
    h.app.wrap().query(&req)
}

#[test]
fn a_typo_in_any_bundle_log_message_is_refused_instead_of_changing_its_meaning() {
    let mut h = Hub::with_relayers(3);
    let (id, b) = h.register_sample(1, 1);
    let report = serde_json::to_value(lock_report(&id, &b, 0)).unwrap();
    let mut with_typo_inside = report.clone();
    with_typo_inside["location"]["evm"]["blok_number"] = 7.into();
    let mut with_typo_beside = report.clone();
    with_typo_beside["location"]["chain_id"] = 7.into();
    let executes = [
        (serde_json::json!({"report_locks": {"reports": [with_typo_inside]}}), "blok_number"),
        (serde_json::json!({"report_locks": {"reports": [with_typo_beside]}}), "VARIANT"),
        (serde_json::json!({"report_locks": {"reports": [report], "extra": 1}}), "extra"),
        (serde_json::json!({"advance": {"limt": 1}}), "limt"),
        (serde_json::json!({"close_batch": {"now": true}}), "now"),
        (serde_json::json!({"prune": {"limit": 1, "all": true}}), "all"),
        (serde_json::json!({"object_reports": {"objections": [], "x": 1}}), "x"),
        (serde_json::json!({"submit_signatures": {"batch_index": 0, "signatures": [], "x": 1}}), "x"),
        (serde_json::json!({"submit_signer_set_signatures": {"new_epoch": 2, "signatures": [], "x": 1}}), "x"),
        (
            serde_json::json!({"revert_report": {"bundle_id": id, "leg_index": 0, "report_id": 0, "fraud_id": 0, "x": 1}}),
            "x",
        ),
        (serde_json::json!({"set_dispute": {"dispute": "x", "y": 1}}), "y"),
        (
            serde_json::json!({"add_chain": {"domain": 9, "name": "n", "vm": {"evm": {"chain_id": 9}}, "router": "0x0000000000000000000000001111111111111111111111111111111111111111", "confirmations": 1, "x": 1}}),
            "x",
        ),
        (
            serde_json::json!({"add_chain": {"domain": 9, "name": "n", "vm": {"evm": {"chain_id": 9, "x": 1}}, "router": "0x0000000000000000000000001111111111111111111111111111111111111111", "confirmations": 1}}),
            "x",
        ),
        (
            serde_json::json!({"update_chain": {"domain": 1, "name": "n", "vm": {"evm": {"chain_id": 31337}}, "router": "0x0000000000000000000000001111111111111111111111111111111111111111", "confirmations": 1, "x": 1}}),
            "x",
        ),
        (serde_json::json!({"remove_chain": {"domain": 9, "x": 1}}), "x"),
        (serde_json::json!({"update_admin": {"admin": "x", "y": 1}}), "y"),
        (
            serde_json::json!({"register_bundle": {"bundle": serde_json::to_value(h.bundle("alice", 9, 1, 1_000)).unwrap(), "x": 1}}),
            "x",
        ),
        (serde_json::json!({"advance": {}, "extra": {}}), "BESIDE"),
    ];
    let log_len = |h: &Hub| q::<LogResponse>(h, &QueryMsg::Log { start_after: None, limit: Some(1) }).total;
    let before = log_len(&h);
    // Each refused for its own unknown field (a refusal for any other reason would prove nothing);
    // a second variant beside the first is refused by the enum decoder, and a field beside the
    // location's VM tag is read as an unknown VM.
    let refusal = |field: &str| match field {
        "BESIDE" => "expected value".to_owned(),
        "VARIANT" => "unknown variant `chain_id`, expected `evm`".to_owned(),
        field => format!("unknown field `{field}`"),
    };
    for (msg, field) in executes {
        assert_err(exec_raw(&mut h, &msg.to_string()), refusal(field));
    }
    assert_eq!(log_len(&h), before, "nothing changed");
    let queries = [
        (serde_json::json!({"log": {"limt": 1}}), "limt"),
        (serde_json::json!({"config": {"x": 1}}), "x"),
        (serde_json::json!({"bundle": {"bundle_id": id, "x": 1}}), "x"),
        (serde_json::json!({"bundle_by_nonce": {"creator": "a", "nonce": 1, "x": 1}}), "x"),
        (serde_json::json!({"report": {"bundle_id": id, "leg_index": 0, "x": 1}}), "x"),
        (serde_json::json!({"batch": {"index": 0, "x": 1}}), "x"),
        (serde_json::json!({"current_batch": {"x": 1}}), "x"),
        (serde_json::json!({"merkle_proof": {"bundle_id": id, "x": 1}}), "x"),
        (serde_json::json!({"awaiting_reports": {"domain": 1, "x": 1}}), "x"),
        (serde_json::json!({"open_reports": {"domain": 1, "start_after": {"at": 0, "bundle_id": id, "x": 1}}}), "x"),
        (serde_json::json!({"due_bundles": {"x": 1}}), "x"),
        (serde_json::json!({"unattested_batches": {"x": 1}}), "x"),
        (serde_json::json!({"attested_batches": {"x": 1}}), "x"),
        (serde_json::json!({"chain": {"domain": 1, "x": 1}}), "x"),
        (serde_json::json!({"chain_by_vm": {"vm": {"evm": {"chain_id": 31337}}, "x": 1}}), "x"),
        (serde_json::json!({"chain_by_vm": {"vm": {"evm": {"chain_id": 31337, "x": 1}}}}), "x"),
        (serde_json::json!({"chains": {"x": 1}}), "x"),
        (serde_json::json!({"signer_set_update": {"new_epoch": 2, "x": 1}}), "x"),
    ];
    for (msg, field) in queries {
        assert_err(query_raw(&h, &msg.to_string()), refusal(field));
    }
}

#[test]
fn a_false_report_rejected_by_objections_still_costs_its_relayer_when_proven() {
    // The dispute contract is the account `judge` here, so `RevertReport` can be called directly.
    let mut h = Hub::with_judge(3);
    let (id, b) = h.register_sample(1, 1);
    h.report(0, vec![fabricated_report(&id, &b, 0)]).unwrap();
    let report_id = h.bundle_info(&id).reports[0].as_ref().unwrap().report_id;
    h.object(1, &[(id, 0)], ObjectionReason::UnknownBlock).unwrap();
    let r: mesh_hub_api::bundle_log::ReportResponse = q(&h, &QueryMsg::Report { bundle_id: id, leg_index: 0 });
    assert!(r.report.is_none());
    assert_eq!(r.rejected.iter().map(|r| r.report_id).collect::<Vec<_>>(), vec![report_id], "still provable");
    let judge = h.dispute.clone();
    let revert = ExecuteMsg::RevertReport { bundle_id: id, leg_index: 0, report_id, fraud_id: 7 };
    h.log_exec(&judge, &revert).unwrap();
    assert!(events(&h).iter().any(|e| matches!(e, LogEvent::ReportReverted { report_id: r, .. } if *r == report_id)));
    // Proven once: a second revert of the same report is refused.
    assert_err(h.log_exec(&judge, &revert), E::ReportNotFound { bundle_id: id, leg_index: 0, report_id });
}

#[test]
fn proving_a_rejected_report_removes_only_that_report_and_leaves_the_current_one_standing() {
    // The dispute contract is the account `judge` here, so `RevertReport` can be called directly.
    let mut h = Hub::with_judge(3);
    let (id, b) = h.register_sample(1, 1);
    // Two false reports of leg 0, one after the other, each rejected by a third of the signers.
    let mut rejected = vec![];
    for liar in [0, 2] {
        h.report(liar, vec![fabricated_report(&id, &b, 0)]).unwrap();
        rejected.push(h.bundle_info(&id).reports[0].as_ref().unwrap().report_id);
        h.object(1, &[(id, 0)], ObjectionReason::UnknownBlock).unwrap();
    }
    // Then the honest report of the real lock.
    h.report(1, vec![lock_report(&id, &b, 0)]).unwrap();
    let current = h.bundle_info(&id).reports[0].as_ref().unwrap().report_id;
    let judge = h.dispute.clone();
    // Proving the second lie takes it, and only it, out of the provable list.
    let revert = |report_id| ExecuteMsg::RevertReport { bundle_id: id, leg_index: 0, report_id, fraud_id: 1 };
    h.log_exec(&judge, &revert(rejected[1])).unwrap();
    let r: mesh_hub_api::bundle_log::ReportResponse = q(&h, &QueryMsg::Report { bundle_id: id, leg_index: 0 });
    assert_eq!(
        r.rejected.iter().map(|r| r.report_id).collect::<Vec<_>>(),
        vec![rejected[0]],
        "the first lie is still provable"
    );
    assert_eq!(r.report.as_ref().map(|r| r.report_id), Some(current), "the honest report stands");
    h.log_exec(&judge, &revert(rejected[0])).unwrap();
    let r: mesh_hub_api::bundle_log::ReportResponse = q(&h, &QueryMsg::Report { bundle_id: id, leg_index: 0 });
    assert!(r.rejected.is_empty());
    assert_eq!(r.report.map(|r| r.report_id), Some(current), "the honest report stands");
}

#[test]
fn objections_to_a_rejected_or_reverted_report_do_not_count_against_the_next_report_of_its_leg() {
    // Four equal signers and the judge: a quarter objects, half rejects.
    let mut h = Hub::with_judge(4);
    let (id, b) = h.register_sample(1, 2);
    // Leg 0: a lie, objected to by signer 3 (counted), then by signer 2 (rejected).
    h.report(0, vec![fabricated_report(&id, &b, 0)]).unwrap();
    let lie = h.bundle_info(&id).reports[0].as_ref().unwrap().report_id;
    assert_eq!(h.object(3, &[(id, 0)], ObjectionReason::UnknownBlock).unwrap().counted.len(), 1);
    assert_eq!(h.object(2, &[(id, 0)], ObjectionReason::UnknownBlock).unwrap().rejected.len(), 1);
    // Leg 1: a report signer 3 objects to, then proven false and reverted.
    h.report(0, vec![fabricated_report(&id, &b, 1)]).unwrap();
    let reverted = h.bundle_info(&id).reports[1].as_ref().unwrap().report_id;
    h.object(3, &[(id, 1)], ObjectionReason::UnknownBlock).unwrap();
    let judge = h.dispute.clone();
    h.log_exec(&judge, &ExecuteMsg::RevertReport { bundle_id: id, leg_index: 1, report_id: reverted, fraud_id: 1 })
        .unwrap();
    // The honest reports of both legs start without objectors: signer 3 objecting again is a
    // quarter, not the half it would be with its earlier objections carried over.
    h.report(1, all_reports(&id, &b)).unwrap();
    let out = h.object(3, &[(id, 0), (id, 1)], ObjectionReason::UnknownBlock).unwrap();
    assert_eq!((out.counted.len(), out.rejected.len()), (2, 0));
    let bundle = h.bundle_info(&id);
    for leg in 0..2 {
        let report = bundle.reports[leg].as_ref().unwrap();
        assert_eq!(report.objectors, vec![h.relayers[3].evm], "leg {leg}");
        assert_eq!(report.objected_weight.to_string(), STAKE.to_string(), "leg {leg}");
    }
    // The rejected lie is still provable, with the objection that counted before its rejection.
    let r: mesh_hub_api::bundle_log::ReportResponse = q(&h, &QueryMsg::Report { bundle_id: id, leg_index: 0 });
    assert_eq!(r.rejected.len(), 1);
    assert_eq!((r.rejected[0].report_id, r.rejected[0].objectors.clone()), (lie, vec![h.relayers[3].evm]));
    h.wait(WINDOW);
    assert_eq!(advance_until_decided(&mut h, &id).verdict, Some(Verdict::Commit));
}

#[test]
fn a_reverted_lock_rejected_by_objections_is_still_proven_and_slashed_by_the_dispute_contract() {
    use mesh_hub_api::dispute::{FalseLockEvidence, FraudProof};
    use mesh_hub_tests::evm::{leg_locked, lock_receipt, EvmBlock};
    let mut h = Hub::with_relayers(3);
    let (id, b) = h.register_sample(1, 1);
    // Relayer 0 reports a lock whose transaction reverted.
    let ev = leg_locked(id, 0, &b.legs[0], b.settle_deadline);
    let block =
        EvmBlock::busy(evm_chain(b.legs[0].domain), 77, b.lock_deadline - 1, 2, vec![(1, lock_receipt(2, false, &ev))]);
    let mut r = lock_report(&id, &b, 0);
    r.location = block.location(1, 1);
    h.report(0, vec![r]).unwrap();
    // The signers object first (TransactionFailed) and the report is rejected...
    let out = h.object(1, &[(id, 0)], ObjectionReason::TransactionFailed).unwrap();
    assert_eq!(out.rejected.len(), 1);
    // ...and the disputer's receipt proof still slashes and jails its relayer.
    let before = h.relayer_info(0);
    h.submit_fraud(FraudProof::FalseLock {
        bundle_id: id,
        leg_index: 0,
        evidence: FalseLockEvidence::EvmReceipt {
            header: block.header.clone().into(),
            receipt: block.receipts[1].clone().into(),
            receipt_proof: block.proof(1),
        },
    })
    .unwrap();
    let after = h.relayer_info(0);
    assert!(after.jailed && after.bonded < before.bonded, "the liar pays even though objections came first");
}

#[test]
fn a_typo_in_a_dispute_message_or_funds_sent_with_it_are_refused() {
    let mut h = Hub::with_relayers(3);
    let who = h.addr("disputer");
    let send = |h: &mut Hub, json: serde_json::Value, funds: Vec<Coin>| {
        let msg = cosmwasm_std::WasmMsg::Execute {
            contract_addr: h.dispute.to_string(),
            msg: cosmwasm_std::Binary::from(json.to_string().into_bytes()),
            funds,
        };
        h.app.execute(who.clone(), msg.into())
    };
    let proof = serde_json::json!({"wrong_attestation": {"epoch": 1, "batch_index": 0,
        "root": Hash32::default(), "signature": mesh_protocol::Signature65([0u8; 65])}});
    let typo = serde_json::json!({"submit_fraud_proof": {"proof": proof, "bounty_to": "me"}});
    assert_err(send(&mut h, typo, vec![]), "unknown field `bounty_to`");
    let inner = serde_json::json!({"submit_fraud_proof": {"proof": {"wrong_attestation": {"epoch": 1,
        "batch_index": 0, "root": Hash32::default(), "signature": mesh_protocol::Signature65([0u8; 65]), "x": 1}}}});
    assert_err(send(&mut h, inner, vec![]), "unknown field `x`");
    let paid = serde_json::json!({"submit_fraud_proof": {"proof": proof}});
    assert_err(
        send(&mut h, paid, vec![Coin::new(5u128, DENOM)]),
        FundsNotAccepted { action: "submit_fraud_proof", funds: "5umesh".into() },
    );
    for query in [
        serde_json::json!({"config": {"x": 1}}),
        serde_json::json!({"fraud": {"id": 0, "x": 1}}),
        serde_json::json!({"frauds": {"limt": 1}}),
    ] {
        let req = cosmwasm_std::QueryRequest::Wasm(cosmwasm_std::WasmQuery::Smart {
            contract_addr: h.dispute.to_string(),
            msg: cosmwasm_std::Binary::from(query.to_string().into_bytes()),
        });
        let field = if query.to_string().contains("limt") { "limt" } else { "x" };
        assert_err(h.app.wrap().query::<serde_json::Value>(&req), format!("unknown field `{field}`"));
    }
}
