//! bundle-log: registration, reports, advancing, batches, signatures, administration, queries.

use bundle_log::ContractError as E;
use cosmwasm_std::Addr;
use cw_multi_test::Executor;
use mesh_hub_api::bundle_log::{
    AwaitingReportsResponse, BatchIndexesResponse, BatchStatus, BundleResponse, ChainInfo, ChainVm, ChainsResponse,
    ConfigResponse, DueBundlesResponse, ExecuteMsg, LegRef, LogEvent, LogResponse, OpenReportsResponse, QueryMsg,
    ReportLocksResponse, ReportResponse, ScanCursor, SignerSetUpdateResponse, MAX_BATCH_SIZE_CAP, MAX_SCAN_PER_PAGE,
};
use mesh_hub_api::common::AccessError;
use mesh_hub_tests::*;
use mesh_protocol::eip712::HubDomain;
use mesh_protocol::{AccountId, EvmAddress, Hash32, ProtocolError, Signature65, Verdict, B256};

fn evm_loc(r: &mut mesh_hub_api::bundle_log::LockReport) -> &mut mesh_hub_api::bundle_log::EvmLocation {
    r.location.as_evm_mut().expect("an EVM location")
}

fn q<T: serde::de::DeserializeOwned>(h: &Hub, msg: &QueryMsg) -> T {
    h.app.wrap().query_wasm_smart(&h.log, msg).unwrap()
}

fn log_entries(h: &Hub) -> Vec<LogEvent> {
    let mut out = vec![];
    let mut start = None;
    loop {
        let page: LogResponse = q(h, &QueryMsg::Log { start_after: start, limit: Some(100) });
        if page.entries.is_empty() {
            return out;
        }
        start = page.entries.last().map(|e| e.seq);
        out.extend(page.entries.into_iter().map(|e| e.event));
    }
}

// ------------------------------------------------------------------ instantiate

#[test]
fn instantiate_is_refused_when_the_configuration_is_inconsistent() {
    let mut h = Hub::bare();
    let admin = h.admin.clone();
    h.stake =
        h.app.instantiate_contract(h.code_ids.0, admin.clone(), &stake_instantiate_msg(), &[], "s", None).unwrap();
    let mut try_msg = |f: &dyn Fn(&mut mesh_hub_api::bundle_log::InstantiateMsg)| {
        let mut m = log_instantiate_msg(&h.stake);
        f(&mut m);
        h.app.instantiate_contract(h.code_ids.1, admin.clone(), &m, &[], "log", None)
    };
    let actual = "cosmos-testnet-14002".to_string();
    assert_err(
        try_msg(&|m| m.hub_chain_id = Some("other-hub".into())),
        E::HubChainIdMismatch { given: "other-hub".into(), actual },
    );
    assert_err(
        try_msg(&|m| m.dispute_window = 0),
        E::InvalidConfig { field: "dispute_window", reason: "must be positive".into() },
    );
    assert_err(
        try_msg(&|m| m.delivery_margin = 0),
        E::InvalidConfig { field: "delivery_margin", reason: "must be positive".into() },
    );
    assert_err(
        try_msg(&|m| m.max_batch_size = MAX_BATCH_SIZE_CAP + 1),
        E::InvalidConfig { field: "max_batch_size", reason: "must be 1 to 256".into() },
    );
    assert_err(
        try_msg(&|m| m.max_reports_per_msg = 0),
        E::InvalidConfig { field: "max_reports_per_msg", reason: "must be 1 to 64".into() },
    );
    assert_err(
        try_msg(&|m| m.max_horizon = 10),
        E::InvalidConfig {
            field: "max_horizon",
            reason: format!("must be at least dispute window + delivery margin + 2 = {}", WINDOW + MARGIN + 2),
        },
    );
    // Audit finding 4: a margin no longer than the batch age lets a COMMIT arrive after the deadline.
    assert_err(
        try_msg(&|m| m.batch_max_age = MARGIN),
        E::InvalidConfig {
            field: "delivery_margin",
            reason: format!("must exceed batch_max_age ({MARGIN}s): a batch waits that long before it is signed"),
        },
    );
    assert_err(
        try_msg(&|m| m.rereport_grace = Some(0)),
        E::InvalidConfig { field: "rereport_grace", reason: "must be positive".into() },
    );
    assert_err(
        try_msg(&|m| m.registration_deposit = Some(cosmwasm_std::Coin::new(0u128, DENOM))),
        E::InvalidConfig { field: "registration_deposit", reason: "must be a positive amount of a named denom".into() },
    );
    assert_err(
        try_msg(&|m| m.retention = Some(0)),
        E::InvalidConfig { field: "retention", reason: "must be positive".into() },
    );
    // The stake-escrow's unbonding period (2000 s) must exceed W + M + the re-report grace
    // (default W): a relayer stays slashable while anything it reported can still be disputed.
    let stake = h.stake.clone();
    assert_err(
        try_msg(&|m| m.dispute_window = 900),
        E::StakeEscrowMismatch {
            stake_escrow: stake.clone(),
            reason: "has an unbonding period of 2000s, which must exceed dispute window + delivery margin + \
                     re-report grace = 2100s"
                .into(),
        },
    );
    let bad = ChainInfo {
        domain: 5,
        name: "x".into(),
        vm: ChainVm::Evm { chain_id: 10 },
        router: AccountId::ZERO,
        confirmations: 1,
    };
    assert_err(
        try_msg(&|m| m.chains.push(bad.clone())),
        E::InvalidChain { domain: 5, reason: "router must not be the zero account" },
    );
    assert_err(try_msg(&|m| m.chains.push(m.chains[0].clone())), E::ChainExists { domain: DOMAIN_A });
    let mut twin = chain_info(DOMAIN_A);
    twin.domain = 9;
    assert_err(
        try_msg(&|m| m.chains.push(twin.clone())),
        E::VmChainTaken { vm: ChainVm::Evm { chain_id: CHAIN_A }, domain: DOMAIN_A },
    );
    assert!(try_msg(&|_| {}).is_ok());
}

#[test]
fn config_reports_the_hub_domain_and_the_wiring() {
    let h = Hub::new();
    let c: ConfigResponse = q(&h, &QueryMsg::Config {});
    assert_eq!(c.hub_chain_id, h.hub.hub_chain_id);
    assert_eq!(c.hub_domain_separator.0, HubDomain::new(c.hub_chain_id.clone(), h.log.as_str()).separator());
    assert_eq!(c.stake_escrow, h.stake);
    assert_eq!(c.dispute, Some(h.dispute.clone()));
    assert_eq!((c.dispute_window, c.delivery_margin, c.max_batch_size), (WINDOW, MARGIN, MAX_BATCH));
    assert_eq!(c.admin, h.admin);
}

// ------------------------------------------------------------------ registration

#[test]
fn register_returns_the_bundle_id_in_data_and_attributes_and_logs_it() {
    let mut h = Hub::new();
    let b = h.bundle("alice", 9, 2, 1_000);
    let res = h.log_exec(&h.addr("alice"), &ExecuteMsg::RegisterBundle { bundle: b.clone() }).unwrap();
    let id = Hash32(mesh_protocol::eip712::bundle_id(&h.hub, &b));
    assert!(res.events.iter().any(|e| e.attributes.iter().any(|a| a.key == "bundle_id" && a.value == id.to_string())));
    let info = h.bundle_info(&id);
    assert_eq!(info.bundle, b);
    assert_eq!(info.reports, vec![None, None]);
    assert_eq!(info.next_check, Some(b.lock_deadline + 1));
    let by_nonce: BundleResponse = q(&h, &QueryMsg::BundleByNonce { creator: h.addr("alice").to_string(), nonce: 9 });
    assert_eq!(by_nonce.bundle_id, id);
    assert!(
        matches!(log_entries(&h).as_slice(), [LogEvent::BundleRegistered { bundle_id, nonce: 9, .. }] if *bundle_id == id)
    );
}

#[test]
fn register_is_rejected_when_the_bundle_is_malformed() {
    let mut h = Hub::new();
    let mut b = h.bundle("alice", 1, 1, 1_000);
    b.legs[0].amount = mesh_protocol::Amount::from(0u128);
    assert_err(h.register(&b), E::InvalidBundle(ProtocolError::ZeroAmount { index: 0 }));
    b.legs.clear();
    assert_err(h.register(&b), E::InvalidBundle(ProtocolError::NoLegs));
    let mut b = h.bundle("alice", 1, 17, 1_000);
    b.legs.truncate(17);
    assert_err(h.register(&b), E::InvalidBundle(ProtocolError::TooManyLegs { count: 17, max: 16 }));
}

#[test]
fn register_is_rejected_when_the_creator_is_not_the_sender() {
    let mut h = Hub::new();
    let b = h.bundle("alice", 1, 1, 1_000);
    let bob = h.addr("bob");
    assert_err(
        h.log_exec(&bob, &ExecuteMsg::RegisterBundle { bundle: b.clone() }),
        E::CreatorMismatch { creator: b.creator.clone(), sender: bob },
    );
}

#[test]
fn register_is_rejected_when_deadlines_leave_no_room() {
    let mut h = Hub::new();
    let now = h.now();
    let mut b = h.bundle("alice", 1, 1, 0);
    assert_err(h.register(&b), E::LockDeadlinePassed { lock_deadline: now, now });
    b.lock_deadline = now + 10;
    b.settle_deadline = now + 10 + WINDOW + MARGIN;
    assert_err(
        h.register(&b),
        E::SettleDeadlineTooEarly { settle_deadline: b.settle_deadline, minimum: now + 10 + WINDOW + MARGIN + 1 },
    );
    b.settle_deadline += 1;
    h.register(&b).unwrap();
    let mut far = h.bundle("alice", 2, 1, 10);
    far.settle_deadline = now + HORIZON + 1;
    assert_err(h.register(&far), E::SettleDeadlineTooFar { settle_deadline: now + HORIZON + 1, latest: now + HORIZON });
}

#[test]
fn register_is_rejected_when_a_leg_names_an_unknown_chain_or_another_router() {
    let mut h = Hub::new();
    let mut b = h.bundle("alice", 1, 2, 1_000);
    b.legs[1].domain = 99;
    assert_err(h.register(&b), E::LegDomainUnknown { leg_index: 1, domain: 99 });
    let mut b = h.bundle("alice", 1, 2, 1_000);
    b.legs[0].router = router_b();
    assert_err(
        h.register(&b),
        E::WrongRouter { leg_index: 0, domain: DOMAIN_A, expected: router_a(), got: router_b() },
    );
}

/// A leg naming a domain the hub never registered (say, a chain's EIP-155 id instead of its
/// domain id) could never be reported: refused at registration.
#[test]
fn a_leg_naming_an_unregistered_domain_is_refused() {
    let mut h = Hub::new();
    for domain in [0, 3, CHAIN_A, u64::MAX] {
        let mut b = h.bundle("alice", 1, 2, 1_000);
        b.legs[0].domain = domain;
        if domain == 0 {
            assert_err(h.register(&b), E::InvalidBundle(ProtocolError::ZeroDomain { index: 0 }));
        } else {
            assert_err(h.register(&b), E::LegDomainUnknown { leg_index: 0, domain });
        }
    }
}

/// A leg that names domain A but domain B's router (which the hub would then treat as A's) is
/// refused: a leg's hash binds a domain and a router, and the pair must be the registry's.
#[test]
fn a_leg_naming_another_domains_router_is_refused() {
    let mut h = Hub::new();
    let mut b = h.bundle("alice", 1, 2, 1_000);
    b.legs[1].router = router_a();
    assert_err(
        h.register(&b),
        E::WrongRouter { leg_index: 1, domain: DOMAIN_B, expected: router_b(), got: router_a() },
    );
    // The router's 20 bytes with junk above them are another account, not the router.
    let mut b = h.bundle("alice", 1, 2, 1_000);
    let mut wide = router_a();
    wide.0[0] = 1;
    b.legs[0].router = wide;
    assert_err(h.register(&b), E::WrongRouter { leg_index: 0, domain: DOMAIN_A, expected: router_a(), got: wide });
}

/// On an EVM domain every account of a leg must be a left-padded 20-byte address: a 32-byte
/// account could never be locked by the Router, so the bundle is refused up front.
#[test]
fn a_leg_with_a_32_byte_account_on_an_evm_domain_is_refused() {
    let mut h = Hub::new();
    let wide = AccountId(B256::repeat_byte(0x5c));
    for field in ["depositor", "token", "recipient"] {
        let mut b = h.bundle("alice", 1, 2, 1_000);
        let leg = &mut b.legs[1];
        *match field {
            "depositor" => &mut leg.depositor,
            "token" => &mut leg.token,
            _ => &mut leg.recipient,
        } = wide;
        assert_err(
            h.register(&b),
            E::LegAccountNotOfVm { leg_index: 1, field, account: wide, vm: ChainVm::Evm { chain_id: CHAIN_B } },
        );
    }
}

#[test]
fn register_is_rejected_when_the_nonce_was_used() {
    let mut h = Hub::new();
    let (id, _) = h.register_sample(5, 1);
    let mut again = h.bundle("alice", 5, 2, 2_000);
    again.legs.truncate(1);
    assert_err(h.register(&again), E::NonceUsed { creator: h.addr("alice"), nonce: 5, bundle_id: id });
    // Another creator may use the same nonce.
    h.register(&h.bundle("bob", 5, 1, 1_000)).unwrap();
}

// ------------------------------------------------------------------ reports

#[test]
fn report_is_recorded_once_and_a_duplicate_is_a_no_op() {
    let mut h = Hub::with_relayers(2);
    let (id, b) = h.register_sample(1, 2);
    let res = h.report(0, vec![lock_report(&id, &b, 0), lock_report(&id, &b, 0)]).unwrap();
    let data: ReportLocksResponse = cosmwasm_std::from_json(res.data.unwrap()).unwrap();
    let leg0 = LegRef { bundle_id: id, leg_index: 0 };
    assert_eq!((data.new, data.duplicate.clone()), (vec![leg0.clone()], vec![leg0.clone()]));
    let res = h.report(1, vec![lock_report(&id, &b, 0)]).unwrap();
    let data: ReportLocksResponse = cosmwasm_std::from_json(res.data.unwrap()).unwrap();
    assert_eq!(data.duplicate, vec![leg0]);
    let reported = log_entries(&h).iter().filter(|e| matches!(e, LogEvent::LegReported { .. })).count();
    assert_eq!(reported, 1, "one log entry for one leg");
    let r = h.bundle_info(&id).reports[0].clone().unwrap();
    assert_eq!((r.reporter, r.reported_at, r.window_ends_at), (h.relayers[0].addr.clone(), h.now(), h.now() + WINDOW));
    let rr: ReportResponse = q(&h, &QueryMsg::Report { bundle_id: id, leg_index: 0 });
    assert_eq!(rr.report.unwrap().report_id, r.report_id);
    assert!(!rr.decided);
}

#[test]
fn report_is_rejected_when_the_dispute_contract_is_not_wired() {
    let mut h = Hub::bare();
    let admin = h.admin.clone();
    h.stake =
        h.app.instantiate_contract(h.code_ids.0, admin.clone(), &stake_instantiate_msg(), &[], "s", None).unwrap();
    h.log = h.app.instantiate_contract(h.code_ids.1, admin, &log_instantiate_msg(&h.stake), &[], "l", None).unwrap();
    h.bond(0, STAKE).unwrap();
    let (id, b) = h.register_sample(1, 1);
    assert_err(h.report(0, all_reports(&id, &b)), E::DisputeNotSet);
}

#[test]
fn report_is_rejected_when_empty_or_too_many() {
    let mut h = Hub::with_relayers(1);
    let (id, b) = h.register_sample(1, 1);
    assert_err(h.report(0, vec![]), E::NoReports);
    let many = vec![lock_report(&id, &b, 0); MAX_REPORTS as usize + 1];
    assert_err(h.report(0, many), E::TooManyReports { count: MAX_REPORTS as usize + 1, max: MAX_REPORTS });
}

#[test]
fn exactly_the_maximum_number_of_reports_is_taken_in_one_message() {
    let mut h = Hub::with_relayers(1);
    let (id, b) = h.register_sample(1, 1);
    let res = h.report(0, vec![lock_report(&id, &b, 0); MAX_REPORTS as usize]).unwrap();
    let out: ReportLocksResponse = cosmwasm_std::from_json(res.data.unwrap()).unwrap();
    assert_eq!((out.new.len(), out.duplicate.len()), (1, MAX_REPORTS as usize - 1));
}

#[test]
fn a_lock_in_a_block_stamped_exactly_at_the_lock_deadline_is_taken_and_one_second_later_is_not() {
    let mut h = Hub::with_relayers(1);
    let (id, b) = h.register_sample(1, 2);
    let mut late = lock_report(&id, &b, 1);
    evm_loc(&mut late).block_timestamp = b.lock_deadline + 1;
    assert_err(
        h.report(0, vec![late]),
        E::LockedAfterDeadline {
            bundle_id: id,
            leg_index: 1,
            block_timestamp: b.lock_deadline + 1,
            lock_deadline: b.lock_deadline,
        },
    );
    let mut r = lock_report(&id, &b, 1);
    evm_loc(&mut r).block_timestamp = b.lock_deadline;
    let res = h.report(0, vec![r]).unwrap();
    let out: ReportLocksResponse = cosmwasm_std::from_json(res.data.unwrap()).unwrap();
    assert_eq!(out.new, vec![LegRef { bundle_id: id, leg_index: 1 }]);
}

#[test]
fn report_is_rejected_when_the_sender_is_not_a_bonded_relayer() {
    let mut h = Hub::with_relayers(1);
    let (id, b) = h.register_sample(1, 1);
    let mallory = h.addr("mallory");
    assert_err(
        h.log_exec(&mallory, &ExecuteMsg::ReportLocks { reports: all_reports(&id, &b) }),
        E::RelayerNotActive { relayer: mallory, bonded: "0".into(), jailed: false },
    );
    // Bonded below the minimum after unbonding.
    h.unbond(0, STAKE - MIN_BOND + 1).unwrap();
    assert_err(
        h.report(0, all_reports(&id, &b)),
        E::RelayerNotActive { relayer: h.relayers[0].addr.clone(), bonded: (MIN_BOND - 1).to_string(), jailed: false },
    );
}

#[test]
fn report_is_rejected_when_relayer_is_jailed() {
    let mut h = Hub::with_judge(2);
    let (id, b) = h.register_sample(1, 1);
    h.slash(1, mesh_hub_api::common::FraudKind::Equivocation, 0).unwrap();
    assert_err(
        h.report(1, all_reports(&id, &b)),
        E::RelayerNotActive { relayer: h.relayers[1].addr.clone(), bonded: (STAKE / 2).to_string(), jailed: true },
    );
}

#[test]
fn report_is_rejected_when_it_does_not_match_the_registered_leg() {
    let mut h = Hub::with_relayers(1);
    let (id, b) = h.register_sample(1, 2);
    let unknown = Hash32(mesh_protocol::keccak256("nope"));
    let mut r = lock_report(&id, &b, 0);
    r.bundle_id = unknown;
    assert_err(h.report(0, vec![r]), E::UnknownBundle { bundle_id: unknown });
    let mut r = lock_report(&id, &b, 0);
    r.leg_index = 2;
    assert_err(h.report(0, vec![r]), E::LegIndexOutOfRange { bundle_id: id, leg_index: 2, legs: 2 });
    let mut r = lock_report(&id, &b, 0);
    let expected = r.leg_hash;
    r.leg_hash = lock_report(&id, &b, 1).leg_hash;
    assert_err(
        h.report(0, vec![r.clone()]),
        E::LegHashMismatch { bundle_id: id, leg_index: 0, expected, got: r.leg_hash },
    );
    let mut r = lock_report(&id, &b, 0);
    r.settle_deadline += 1;
    assert_err(
        h.report(0, vec![r]),
        E::SettleDeadlineMismatch {
            bundle_id: id,
            leg_index: 0,
            expected: b.settle_deadline,
            got: b.settle_deadline + 1,
        },
    );
    let mut r = lock_report(&id, &b, 0);
    evm_loc(&mut r).chain_id = CHAIN_B;
    assert_err(
        h.report(0, vec![r]),
        E::LocationVmMismatch {
            bundle_id: id,
            leg_index: 0,
            domain: DOMAIN_A,
            expected: ChainVm::Evm { chain_id: CHAIN_A },
            got: ChainVm::Evm { chain_id: CHAIN_B },
        },
    );
    let mut r = lock_report(&id, &b, 1);
    evm_loc(&mut r).block_timestamp = b.lock_deadline + 1;
    assert_err(
        h.report(0, vec![r]),
        E::LockedAfterDeadline {
            bundle_id: id,
            leg_index: 1,
            block_timestamp: b.lock_deadline + 1,
            lock_deadline: b.lock_deadline,
        },
    );
    let mut r = lock_report(&id, &b, 1);
    evm_loc(&mut r).block_hash = Hash32::default();
    assert_err(h.report(0, vec![r]), E::ZeroBlockHash { bundle_id: id, leg_index: 1 });
    // A failing report in a batch leaves the good ones unrecorded too (atomic message).
    let mut bad = lock_report(&id, &b, 1);
    bad.settle_deadline = 0;
    assert_err(
        h.report(0, vec![lock_report(&id, &b, 0), bad]),
        E::SettleDeadlineMismatch { bundle_id: id, leg_index: 1, expected: b.settle_deadline, got: 0 },
    );
    assert!(h.bundle_info(&id).reports[0].is_none());
}

// ------------------------------------------------------------------ advance and batches

#[test]
fn advance_is_rejected_when_the_limit_is_zero_and_does_at_most_limit_bundles() {
    let mut h = Hub::with_relayers(1);
    for n in 0..5 {
        h.register_sample(n, 1);
    }
    let carol = h.addr("carol");
    assert_err(h.log_exec(&carol, &ExecuteMsg::Advance { limit: Some(0) }), E::ZeroLimit);
    h.wait(1_001);
    let due: DueBundlesResponse = q(&h, &QueryMsg::DueBundles { limit: None });
    assert_eq!(due.bundle_ids.len(), 5);
    let res = h.log_exec(&carol, &ExecuteMsg::Advance { limit: Some(2) }).unwrap();
    let out: mesh_hub_api::bundle_log::AdvanceResponse = cosmwasm_std::from_json(res.data.unwrap()).unwrap();
    assert_eq!(out.decided.len(), 2);
    let due: DueBundlesResponse = q(&h, &QueryMsg::DueBundles { limit: None });
    assert_eq!(due.bundle_ids.len(), 3);
    assert_eq!(h.advance().unwrap().decided.len(), 3);
    assert!(h.advance().unwrap().decided.is_empty(), "nothing due is not an error");
}

#[test]
fn batches_close_when_full_and_each_verdict_lands_in_exactly_one_batch() {
    let mut h = Hub::with_relayers(1);
    let n = MAX_BATCH as u64 * 2 + 3;
    let ids: Vec<_> = (0..n).map(|i| h.register_sample(i, 1).0).collect();
    h.wait(1_001);
    let carol = h.addr("carol");
    let res = h.log_exec(&carol, &ExecuteMsg::Advance { limit: Some(64) }).unwrap();
    let out: mesh_hub_api::bundle_log::AdvanceResponse = cosmwasm_std::from_json(res.data.unwrap()).unwrap();
    assert_eq!(out.closed_batches, vec![0, 1, 2]);
    let sizes: Vec<_> = (0..3).map(|i| h.batch(i).entries.len()).collect();
    assert_eq!(sizes, vec![8, 8, 3]);
    for i in 0..3 {
        // the root kept while the batch filled is the root of its leaves read back
        let b = h.batch(i);
        let leaves: Vec<_> = b.entries.iter().map(|e| e.leaf.0).collect();
        assert_eq!(b.root.map(|r| r.0), mesh_protocol::merkle::merkle_root(&leaves), "batch {i}");
    }
    let mut seen: Vec<_> = (0..3).flat_map(|i| h.batch(i).entries).map(|e| e.bundle_id).collect();
    seen.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(seen, want);
    for id in &ids {
        let p = h.proof(id).unwrap();
        let proof: Vec<_> = p.proof.iter().map(|x| x.0).collect();
        assert!(mesh_protocol::merkle::verify_merkle_proof(p.root.0, p.leaf.0, &proof));
    }
    let open: mesh_hub_api::bundle_log::BatchResponse = q(&h, &QueryMsg::CurrentBatch {});
    assert_eq!((open.index, open.status), (3, BatchStatus::Open));
    let unattested: BatchIndexesResponse = q(&h, &QueryMsg::UnattestedBatches { start_after: Some(0), limit: None });
    assert_eq!(unattested.batches, vec![1, 2]);
}

#[test]
fn close_batch_is_rejected_when_the_batch_is_empty_or_there_is_no_signer_set() {
    let mut h = Hub::new();
    let carol = h.addr("carol");
    assert_err(h.log_exec(&carol, &ExecuteMsg::CloseBatch {}), E::EmptyBatch { index: 0 });
    let (id, _) = h.register_sample(1, 1);
    h.wait(1_001);
    let res = h.log_exec(&carol, &ExecuteMsg::Advance { limit: None }).unwrap();
    assert!(res
        .events
        .iter()
        .any(|e| e.attributes.iter().any(|a| a.key == "waiting_for_signer_set" && a.value == "true")));
    assert_eq!(h.bundle_info(&id).verdict, Some(Verdict::Abort), "decided even without a signer set");
    assert_err(h.log_exec(&carol, &ExecuteMsg::CloseBatch {}), E::NoSignerSet);
    assert_err(h.proof(&id), format!("batch 0 of bundle {id} is not closed yet"));
    h.bond(0, STAKE).unwrap();
    h.rotate().unwrap();
    h.log_exec(&carol, &ExecuteMsg::CloseBatch {}).unwrap();
    assert_eq!(h.batch(0).epoch, Some(1));
    assert!(h.proof(&id).is_ok());
}

#[test]
fn batch_waits_for_its_max_age_before_advance_closes_it() {
    let mut h = Hub::bare();
    let admin = h.admin.clone();
    h.stake =
        h.app.instantiate_contract(h.code_ids.0, admin.clone(), &stake_instantiate_msg(), &[], "s", None).unwrap();
    let mut m = log_instantiate_msg(&h.stake);
    m.batch_max_age = 100;
    h.log = h.app.instantiate_contract(h.code_ids.1, admin, &m, &[], "l", None).unwrap();
    h.bond(0, STAKE).unwrap();
    h.rotate().unwrap();
    h.register_sample(1, 1);
    h.wait(1_001);
    assert!(h.advance().unwrap().closed_batches.is_empty());
    h.register_sample(2, 1);
    h.wait(99);
    assert!(h.advance().unwrap().closed_batches.is_empty());
    h.wait(1_001);
    let out = h.advance().unwrap();
    assert_eq!(out.closed_batches, vec![0]);
    assert_eq!(h.batch(0).entries.len(), 2);
}

// ------------------------------------------------------------------ signatures

fn decided_batch(h: &mut Hub) -> u64 {
    h.register_sample(77, 1);
    h.wait(1_001);
    h.advance().unwrap().closed_batches[0]
}

#[test]
fn signatures_are_rejected_when_the_batch_is_unknown_open_or_the_list_is_bad() {
    let mut h = Hub::with_relayers(4);
    let carol = h.addr("carol");
    let sig = h.batch_signature(0, 1, 0, Hash32::default());
    assert_err(
        h.log_exec(&carol, &ExecuteMsg::SubmitSignatures { batch_index: 9, signatures: vec![sig] }),
        E::UnknownBatch { index: 9 },
    );
    assert_err(
        h.log_exec(&carol, &ExecuteMsg::SubmitSignatures { batch_index: 0, signatures: vec![sig] }),
        E::BatchNotClosed { index: 0 },
    );
    let index = decided_batch(&mut h);
    assert_err(
        h.log_exec(&carol, &ExecuteMsg::SubmitSignatures { batch_index: index, signatures: vec![] }),
        E::NoSignatures,
    );
    assert_err(
        h.log_exec(&carol, &ExecuteMsg::SubmitSignatures { batch_index: index, signatures: vec![sig; 65] }),
        E::TooManySignatures { count: 65, max: 64 },
    );
    let mut bad_v = h.sign_batch(index, &[0])[0];
    bad_v.0[64] = 29;
    assert_err(
        h.log_exec(&carol, &ExecuteMsg::SubmitSignatures { batch_index: index, signatures: vec![bad_v] }),
        E::InvalidSignature { position: 0, reason: ProtocolError::SignatureV { v: 29 } },
    );
    // The high-s twin of a valid signature is refused (malleability).
    let good = h.sign_batch(index, &[0])[0];
    let high = high_s_twin(&good);
    assert_err(
        h.log_exec(&carol, &ExecuteMsg::SubmitSignatures { batch_index: index, signatures: vec![good, high] }),
        E::InvalidSignature { position: 1, reason: ProtocolError::HighS },
    );
}

#[test]
fn exactly_max_signers_signatures_are_taken_in_one_message() {
    let mut h = Hub::with_relayers(4);
    let index = decided_batch(&mut h);
    let sig = h.sign_batch(index, &[0])[0];
    let carol = h.addr("carol");
    let signatures = vec![sig; mesh_protocol::MAX_SIGNERS];
    let res = h.log_exec(&carol, &ExecuteMsg::SubmitSignatures { batch_index: index, signatures }).unwrap();
    let attr =
        |k: &str| res.events.iter().flat_map(|e| &e.attributes).find(|a| a.key == k).map(|a| a.value.clone()).unwrap();
    assert_eq!((attr("accepted"), attr("duplicates")), ("1".to_owned(), "63".to_owned()));
    assert_eq!(h.batch(index).signed_weight.to_string(), STAKE.to_string(), "one signer counts once");
}

fn high_s_twin(sig: &Signature65) -> Signature65 {
    use mesh_protocol::sig::SECP256K1_N;
    let s = mesh_protocol::U256::from_be_slice(&sig.0[32..64]);
    let mut out = *sig;
    out.0[32..64].copy_from_slice(&(SECP256K1_N - s).to_be_bytes::<32>());
    out.0[64] = if sig.0[64] == 27 { 28 } else { 27 };
    out
}

#[test]
fn signature_is_rejected_when_the_signer_is_not_in_the_batch_epoch() {
    let mut h = Hub::with_relayers(3);
    let index = decided_batch(&mut h);
    let b = h.batch(index);
    // Relayer 4 never bonded; relayer 0 signs another root (recovers to a random address).
    let outsider = h.batch_signature(4, 1, index, b.root.unwrap());
    let carol = h.addr("carol");
    assert_err(
        h.log_exec(&carol, &ExecuteMsg::SubmitSignatures { batch_index: index, signatures: vec![outsider] }),
        E::NotASigner { position: 0, signer: h.relayers[4].evm, epoch: 1 },
    );
    let wrong_root = h.batch_signature(0, 1, index, Hash32(mesh_protocol::keccak256("x")));
    // Over the closed root, relayer 0's signature of another root recovers to some other address.
    let digest = mesh_protocol::eip712::settlement_batch_digest(
        &h.log_domain(),
        &mesh_protocol::SettlementBatch { epoch: 1, batch_index: index, root: b.root.unwrap() },
    );
    let signer = EvmAddress(mesh_protocol::sig::recover_signer(digest, &wrong_root).unwrap());
    let res = h.log_exec(&carol, &ExecuteMsg::SubmitSignatures { batch_index: index, signatures: vec![wrong_root] });
    assert_err(res, E::NotASigner { position: 0, signer, epoch: 1 });
}

#[test]
fn signature_is_rejected_when_the_signer_is_jailed() {
    let mut h = Hub::with_judge(4);
    let index = decided_batch(&mut h);
    h.slash(2, mesh_hub_api::common::FraudKind::WrongAttestation, 0).unwrap();
    assert_err(h.submit_batch_signatures(index, &[0, 2]), E::SignerJailed { position: 1, signer: h.relayers[2].evm });
}

#[test]
fn duplicate_signatures_are_ignored_and_weight_accumulates_to_the_threshold() {
    let mut h = Hub::with_relayers(4);
    let index = decided_batch(&mut h);
    let res = h.submit_batch_signatures(index, &[1, 1]).unwrap();
    assert!(res.events.iter().any(|e| e.attributes.iter().any(|a| a.key == "duplicates" && a.value == "1")));
    h.submit_batch_signatures(index, &[1]).unwrap();
    let b = h.batch(index);
    assert_eq!(b.signed_weight.to_string(), STAKE.to_string());
    assert_eq!(b.threshold.unwrap().to_string(), "26667");
    h.submit_batch_signatures(index, &[0, 3]).unwrap();
    let b = h.batch(index);
    assert_eq!(b.status, BatchStatus::Attested);
    assert!(b.attested_at.is_some());
    // Signatures after attestation are still taken (more than the threshold does no harm).
    h.submit_batch_signatures(index, &[2]).unwrap();
    assert_eq!(h.batch(index).signatures.len(), 4);
    let attested: BatchIndexesResponse = q(&h, &QueryMsg::AttestedBatches { start_after: None, limit: None });
    assert_eq!(attested.batches, vec![index]);
    let unattested: BatchIndexesResponse = q(&h, &QueryMsg::UnattestedBatches { start_after: None, limit: None });
    assert!(unattested.batches.is_empty());
    assert!(log_entries(&h).iter().any(|e| matches!(e, LogEvent::BatchAttested { epoch: 1, .. })));
}

#[test]
fn signatures_after_attestation_do_not_attest_the_batch_again() {
    let mut h = Hub::with_relayers(4);
    let index = decided_batch(&mut h);
    h.submit_batch_signatures(index, &[0, 1, 2]).unwrap();
    let attested_at = h.batch(index).attested_at;
    assert!(attested_at.is_some());
    h.wait(60);
    let res = h.submit_batch_signatures(index, &[3]).unwrap();
    assert!(res.events.iter().flat_map(|e| &e.attributes).any(|a| a.key == "attested" && a.value == "true"));
    let b = h.batch(index);
    assert_eq!(
        (b.status, b.attested_at),
        (BatchStatus::Attested, attested_at),
        "attested once, at the first threshold"
    );
    let attestations = log_entries(&h).iter().filter(|e| matches!(e, LogEvent::BatchAttested { .. })).count();
    assert_eq!(attestations, 1);
}

#[test]
fn signer_set_update_signatures_after_attestation_do_not_attest_it_again() {
    let mut h = Hub::with_relayers(3);
    h.bond(3, STAKE).unwrap();
    h.wait(ROTATION_DELAY);
    h.rotate().unwrap();
    let hash = h.current_set().unwrap().signers_hash;
    let carol = h.addr("carol");
    let sigs: Vec<_> = (0..3).map(|i| h.update_signature(i, 2, hash)).collect();
    h.log_exec(&carol, &ExecuteMsg::SubmitSignerSetSignatures { new_epoch: 2, signatures: sigs.clone() }).unwrap();
    h.wait(60);
    // Resubmitted (duplicates): nothing new is attested or logged.
    h.log_exec(&carol, &ExecuteMsg::SubmitSignerSetSignatures { new_epoch: 2, signatures: sigs }).unwrap();
    let attestations =
        log_entries(&h).iter().filter(|e| matches!(e, LogEvent::SignerSetUpdateAttested { new_epoch: 2, .. })).count();
    assert_eq!(attestations, 1);
}

#[test]
fn a_batch_keeps_the_epoch_it_was_closed_under_after_a_rotation() {
    let mut h = Hub::with_relayers(3);
    let index = decided_batch(&mut h);
    h.bond(3, STAKE).unwrap();
    h.wait(ROTATION_DELAY);
    h.rotate().unwrap();
    assert_eq!(h.batch(index).epoch, Some(1));
    // Relayer 3 is only in epoch 2: its signature does not count for the epoch-1 batch.
    assert_err(
        h.submit_batch_signatures(index, &[3]),
        E::NotASigner { position: 0, signer: h.relayers[3].evm, epoch: 1 },
    );
    // Three equal members: the threshold ⌊2 · 30 000 / 3⌋ + 1 = 20 001 (strictly more than two
    // thirds, stake-escrow audit A4) needs all three.
    h.submit_batch_signatures(index, &[0, 1]).unwrap();
    assert_eq!(h.batch(index).status, BatchStatus::Closed);
    h.submit_batch_signatures(index, &[2]).unwrap();
    assert_eq!(h.batch(index).status, BatchStatus::Attested);
}

#[test]
fn signer_set_update_signatures_are_collected_from_the_previous_epoch() {
    let mut h = Hub::with_relayers(3);
    let carol = h.addr("carol");
    let sig = h.update_signature(0, 1, Hash32::default());
    assert_err(
        h.log_exec(&carol, &ExecuteMsg::SubmitSignerSetSignatures { new_epoch: 1, signatures: vec![sig] }),
        E::NoUpdateForEpoch { new_epoch: 1 },
    );
    assert_err(
        h.log_exec(&carol, &ExecuteMsg::SubmitSignerSetSignatures { new_epoch: 2, signatures: vec![sig] }),
        E::UnknownEpoch { epoch: 2 },
    );
    h.bond(3, STAKE).unwrap();
    h.wait(ROTATION_DELAY);
    h.rotate().unwrap();
    let set2 = h.current_set().unwrap();
    let sigs: Vec<_> = [0, 1, 3].iter().map(|&i| h.update_signature(i, 2, set2.signers_hash)).collect();
    assert_err(
        h.log_exec(&carol, &ExecuteMsg::SubmitSignerSetSignatures { new_epoch: 2, signatures: sigs.clone() }),
        E::NotASigner { position: 2, signer: h.relayers[3].evm, epoch: 1 },
    );
    h.log_exec(&carol, &ExecuteMsg::SubmitSignerSetSignatures { new_epoch: 2, signatures: sigs[..1].to_vec() })
        .unwrap();
    let u: SignerSetUpdateResponse = q(&h, &QueryMsg::SignerSetUpdate { new_epoch: 2 });
    assert!(!u.attested);
    h.log_exec(&carol, &ExecuteMsg::SubmitSignerSetSignatures { new_epoch: 2, signatures: sigs[..2].to_vec() })
        .unwrap();
    // Epoch 1 has three equal members: the threshold ⌊2 · 30 000 / 3⌋ + 1 = 20 001 (strictly
    // more than two thirds, stake-escrow audit A4) needs the third signature too.
    let u: SignerSetUpdateResponse = q(&h, &QueryMsg::SignerSetUpdate { new_epoch: 2 });
    assert!(!u.attested);
    let third = h.update_signature(2, 2, set2.signers_hash);
    h.log_exec(&carol, &ExecuteMsg::SubmitSignerSetSignatures { new_epoch: 2, signatures: vec![third] }).unwrap();
    let u: SignerSetUpdateResponse = q(&h, &QueryMsg::SignerSetUpdate { new_epoch: 2 });
    assert!(u.attested);
    assert_eq!((u.signing_epoch, u.signatures.len(), u.new_set.signers.len()), (1, 3, 4));
    assert_eq!(u.update.signers_hash, set2.signers_hash);
    assert!(log_entries(&h).iter().any(|e| matches!(e, LogEvent::SignerSetUpdateAttested { new_epoch: 2, .. })));
}

// ------------------------------------------------------------------ revert

#[test]
fn revert_report_is_only_taken_from_the_dispute_contract() {
    let mut h = Hub::with_relayers(1);
    let (id, b) = h.register_sample(1, 1);
    h.report(0, all_reports(&id, &b)).unwrap();
    let mallory = h.addr("mallory");
    let msg = ExecuteMsg::RevertReport { bundle_id: id, leg_index: 0, report_id: 1, fraud_id: 0 };
    assert_err(
        h.log_exec(&mallory, &msg),
        E::Access(AccessError::Unauthorized {
            action: "revert_report",
            allowed: format!("the dispute contract {}", h.dispute),
            sender: mallory.clone(),
        }),
    );
    let mut bare = Hub::bare();
    let admin = bare.admin.clone();
    bare.stake = bare
        .app
        .instantiate_contract(bare.code_ids.0, admin.clone(), &stake_instantiate_msg(), &[], "s", None)
        .unwrap();
    bare.log = bare
        .app
        .instantiate_contract(bare.code_ids.1, admin, &log_instantiate_msg(&bare.stake), &[], "l", None)
        .unwrap();
    assert_err(bare.log_exec(&mallory, &msg), E::Access(AccessError::DisputeNotSet { action: "revert_report" }));
}

#[test]
fn revert_report_is_rejected_when_the_report_is_not_the_named_one_or_the_bundle_is_decided() {
    let mut h = Hub::with_judge(1);
    let (id, b) = h.register_sample(1, 2);
    let judge = h.dispute.clone();
    h.report(0, vec![lock_report(&id, &b, 0)]).unwrap();
    let report_id = h.bundle_info(&id).reports[0].as_ref().unwrap().report_id;
    let revert = |leg_index, report_id| ExecuteMsg::RevertReport { bundle_id: id, leg_index, report_id, fraud_id: 7 };
    assert_err(h.log_exec(&judge, &revert(1, report_id)), E::ReportNotFound { bundle_id: id, leg_index: 1, report_id });
    assert_err(
        h.log_exec(&judge, &revert(0, report_id + 1)),
        E::ReportNotFound { bundle_id: id, leg_index: 0, report_id: report_id + 1 },
    );
    assert_err(
        h.log_exec(&judge, &revert(5, report_id)),
        E::LegIndexOutOfRange { bundle_id: id, leg_index: 5, legs: 2 },
    );
    h.log_exec(&judge, &revert(0, report_id)).unwrap();
    let awaiting: AwaitingReportsResponse =
        q(&h, &QueryMsg::AwaitingReports { domain: DOMAIN_A, start_after: None, limit: None });
    assert_eq!(awaiting.legs.len(), 1, "the reverted leg awaits a report again");
    h.report(0, vec![lock_report(&id, &b, 0)]).unwrap();
    h.wait(1_001 + WINDOW);
    h.advance().unwrap();
    let report_id = h.bundle_info(&id).reports[0].as_ref().unwrap().report_id;
    assert_err(h.log_exec(&judge, &revert(0, report_id)), E::BundleAlreadyDecided { bundle_id: id });
}

// ------------------------------------------------------------------ administration

#[test]
fn chain_registry_is_administered_by_the_admin_only() {
    let mut h = Hub::new();
    let admin = h.admin.clone();
    let mallory = h.addr("mallory");
    let router = account(0xc1);
    let op = ChainVm::Evm { chain_id: 10 };
    let add = ExecuteMsg::AddChain { domain: 3, name: "op".into(), vm: op.clone(), router, confirmations: 5 };
    assert_err(
        h.log_exec(&mallory, &add),
        E::Access(AccessError::Unauthorized {
            action: "add_chain",
            allowed: format!("the admin {admin}"),
            sender: mallory.clone(),
        }),
    );
    h.log_exec(&admin, &add).unwrap();
    assert_err(h.log_exec(&admin, &add), E::ChainExists { domain: 3 });
    let zero = ExecuteMsg::AddChain { domain: 0, name: "z".into(), vm: op.clone(), router, confirmations: 1 };
    assert_err(h.log_exec(&admin, &zero), E::InvalidChain { domain: 0, reason: "domain must be positive" });
    let zero_id = ExecuteMsg::AddChain {
        domain: 12,
        name: "z".into(),
        vm: ChainVm::Evm { chain_id: 0 },
        router,
        confirmations: 1,
    };
    assert_err(h.log_exec(&admin, &zero_id), E::InvalidChain { domain: 12, reason: "EVM chain id must be positive" });
    let noname = ExecuteMsg::AddChain {
        domain: 11,
        name: "".into(),
        vm: ChainVm::Evm { chain_id: 11 },
        router,
        confirmations: 1,
    };
    assert_err(h.log_exec(&admin, &noname), E::InvalidChain { domain: 11, reason: "name must not be empty" });
    let wide = ExecuteMsg::AddChain {
        domain: 11,
        name: "w".into(),
        vm: ChainVm::Evm { chain_id: 11 },
        router: AccountId(B256::repeat_byte(7)),
        confirmations: 1,
    };
    assert_err(
        h.log_exec(&admin, &wide),
        E::InvalidChain {
            domain: 11,
            reason: "router is not an account of the chain's VM (EVM: a left-padded 20-byte address)",
        },
    );

    let new_router = account(0xc2);
    let update = ExecuteMsg::UpdateChain {
        domain: 3,
        name: "optimism".into(),
        vm: op.clone(),
        router: new_router,
        confirmations: 9,
    };
    let allowed = format!("the admin {admin}");
    let not_admin =
        |action| E::Access(AccessError::Unauthorized { action, allowed: allowed.clone(), sender: mallory.clone() });
    assert_err(h.log_exec(&mallory, &update), not_admin("update_chain"));
    h.log_exec(&admin, &update).unwrap();
    let c: ChainInfo = q(&h, &QueryMsg::Chain { domain: 3 });
    assert_eq!((c.router, c.confirmations, c.name.as_str()), (new_router, 9, "optimism"));
    let by_vm: ChainInfo = q(&h, &QueryMsg::ChainByVm { vm: op.clone() });
    assert_eq!(by_vm, c, "found by its EVM chain id");
    let moved = ExecuteMsg::UpdateChain {
        domain: 3,
        name: "optimism".into(),
        vm: ChainVm::Evm { chain_id: 11 },
        router: new_router,
        confirmations: 9,
    };
    assert_err(
        h.log_exec(&admin, &moved),
        E::ChainVmChanged { domain: 3, current: op.clone(), requested: ChainVm::Evm { chain_id: 11 } },
    );
    let missing = ExecuteMsg::UpdateChain { domain: 12, name: "x".into(), vm: op, router, confirmations: 1 };
    assert_err(h.log_exec(&admin, &missing), E::UnknownChain { domain: 12 });

    // A bundle registered on domain A keeps working after domain A is removed.
    let (id, b) = h.register_sample(1, 1);
    assert_err(h.log_exec(&mallory, &ExecuteMsg::RemoveChain { domain: DOMAIN_A }), not_admin("remove_chain"));
    h.log_exec(&admin, &ExecuteMsg::RemoveChain { domain: DOMAIN_A }).unwrap();
    assert_err(h.log_exec(&admin, &ExecuteMsg::RemoveChain { domain: DOMAIN_A }), E::UnknownChain { domain: DOMAIN_A });
    assert_err(h.register(&h.bundle("alice", 2, 1, 1_000)), E::LegDomainUnknown { leg_index: 0, domain: DOMAIN_A });
    h.bond(0, STAKE).unwrap();
    h.report(0, all_reports(&id, &b)).unwrap();
    let chains: ChainsResponse = q(&h, &QueryMsg::Chains { start_after: None, limit: None });
    assert_eq!(chains.chains.iter().map(|c| c.domain).collect::<Vec<_>>(), vec![DOMAIN_B, 3]);
    // Its EVM chain is free again: a new domain may claim it.
    h.log_exec(&admin, &ExecuteMsg::add_chain(ChainInfo { domain: 4, ..chain_info(DOMAIN_A) })).unwrap();
}

/// A CosmWasm chain is registered by its CometBFT chain id, verified by a light client; a chain
/// id CometBFT itself would refuse (empty, longer than 50, whitespace or control characters) is
/// refused, and two domains cannot claim one chain id.
#[test]
fn a_cosmwasm_chain_is_registered_by_its_cometbft_chain_id_and_malformed_ids_are_refused() {
    use mesh_hub_api::bundle_log::Verification;
    let mut h = Hub::new();
    let admin = h.admin.clone();
    // A 32-byte (wasmd) contract address is a CosmWasm account.
    let router = AccountId(B256::repeat_byte(0x3c));
    let gamma = ChainVm::CosmWasm { chain_id: "gamma-1".into() };
    assert_eq!(gamma.verification(), Verification::LightClient);
    assert_eq!(ChainVm::Evm { chain_id: CHAIN_A }.verification(), Verification::Optimistic);
    let add = |domain, vm: ChainVm| ExecuteMsg::AddChain { domain, name: "gamma".into(), vm, router, confirmations: 1 };
    for (bad, reason) in [
        ("", "CometBFT chain id must not be empty"),
        (&"g".repeat(51)[..], "CometBFT chain id is longer than 50 characters"),
        ("gamma 1", "CometBFT chain id must be printable ASCII without whitespace"),
        ("gamma\n1", "CometBFT chain id must be printable ASCII without whitespace"),
        ("gämma-1", "CometBFT chain id must be printable ASCII without whitespace"),
    ] {
        assert_err(
            h.log_exec(&admin, &add(3, ChainVm::CosmWasm { chain_id: bad.into() })),
            E::InvalidChain { domain: 3, reason },
        );
    }
    h.log_exec(&admin, &add(3, ChainVm::CosmWasm { chain_id: "g".repeat(50) })).unwrap();
    h.log_exec(&admin, &add(4, gamma.clone())).unwrap();
    let by_vm: ChainInfo = q(&h, &QueryMsg::ChainByVm { vm: gamma.clone() });
    assert_eq!((by_vm.domain, by_vm.vm, by_vm.router), (4, gamma.clone(), router));
    assert_err(h.log_exec(&admin, &add(5, gamma.clone())), E::VmChainTaken { vm: gamma.clone(), domain: 4 });
    // An EVM chain id that reads like it is another chain: "31337" on CosmWasm is not EVM 31337.
    h.log_exec(&admin, &add(6, ChainVm::CosmWasm { chain_id: CHAIN_A.to_string() })).unwrap();
    // The VM of a domain never changes, not even to the same chain id on another VM.
    let moved = ExecuteMsg::UpdateChain {
        domain: 6,
        name: "x".into(),
        vm: ChainVm::Evm { chain_id: 99 },
        router: account(0xc4),
        confirmations: 1,
    };
    assert_err(
        h.log_exec(&admin, &moved),
        E::ChainVmChanged {
            domain: 6,
            current: ChainVm::CosmWasm { chain_id: CHAIN_A.to_string() },
            requested: ChainVm::Evm { chain_id: 99 },
        },
    );
}

/// On a CosmWasm domain, 32-byte accounts (wasmd contract addresses, bank denominations' token
/// ids) are accounts of the VM: such a leg registers, where the same leg on an EVM domain does not.
#[test]
fn a_leg_with_32_byte_accounts_registers_on_a_cosmwasm_domain() {
    let mut h = Hub::new();
    let admin = h.admin.clone();
    let router = AccountId(B256::repeat_byte(0x3c));
    h.log_exec(
        &admin,
        &ExecuteMsg::AddChain {
            domain: 7,
            name: "gamma".into(),
            vm: ChainVm::CosmWasm { chain_id: "gamma-1".into() },
            router,
            confirmations: 1,
        },
    )
    .unwrap();
    let mut b = h.bundle("alice", 1, 2, 1_000);
    let leg = &mut b.legs[1];
    leg.domain = 7;
    leg.router = router;
    leg.depositor = AccountId(B256::repeat_byte(0x5c));
    leg.token = AccountId(B256::repeat_byte(0x5d));
    leg.recipient = AccountId(B256::repeat_byte(0x5e));
    let id = h.register(&b).unwrap();
    let info = h.bundle_info(&id);
    assert_eq!(info.bundle.legs[1].domain, 7);
}

fn swap_action(target: AccountId) -> mesh_protocol::Action {
    mesh_protocol::Action {
        target,
        data: vec![0xab; 68].into(),
        output_token: account(0xd1),
        min_out: mesh_protocol::Amount::from(90u128),
        gas_limit: 200_000,
    }
}

/// A leg with an action on an EVM domain registers, with its calldata kept in the record (the
/// relayer supplies it at settlement) and the action inside the leg hash.
#[test]
fn a_leg_with_an_action_registers_on_an_evm_domain_with_its_calldata_kept() {
    let mut h = Hub::new();
    let mut b = h.bundle("alice", 1, 2, 1_000);
    b.legs[1].action = Some(swap_action(account(0xd0)));
    let id = h.register(&b).unwrap();
    let info = h.bundle_info(&id);
    assert_eq!(info.bundle.legs[1].action, b.legs[1].action, "the calldata is kept");
    let mut plain = b.legs[1].clone();
    plain.action = None;
    assert_ne!(
        mesh_protocol::eip712::leg_hash(&plain),
        mesh_protocol::eip712::leg_hash(&b.legs[1]),
        "the action is part of the leg hash"
    );
}

/// An action the EVM Router would never call (gas limit out of range, oversized calldata, zero
/// target), a target or output token that is not an EVM account, or, on a CosmWasm domain, data
/// that is not an execute message (a JSON object) is refused at registration, before anyone
/// locks.
#[test]
fn a_leg_with_an_action_no_router_could_run_is_refused_at_registration() {
    let mut h = Hub::new();
    let invalid = |reason| E::InvalidBundle(mesh_protocol::ProtocolError::BadAction { index: 1, reason });
    for (action, err) in [
        (
            mesh_protocol::Action { gas_limit: 0, ..swap_action(account(0xd0)) },
            invalid("gas limit must be between 1 and MAX_ACTION_GAS"),
        ),
        (
            mesh_protocol::Action { gas_limit: mesh_protocol::MAX_ACTION_GAS + 1, ..swap_action(account(0xd0)) },
            invalid("gas limit must be between 1 and MAX_ACTION_GAS"),
        ),
        (
            mesh_protocol::Action {
                data: vec![0; mesh_protocol::MAX_ACTION_DATA + 1].into(),
                ..swap_action(account(0xd0))
            },
            invalid("data exceeds MAX_ACTION_DATA bytes"),
        ),
        (swap_action(AccountId::ZERO), invalid("target must not be the zero account")),
        (
            swap_action(AccountId(B256::repeat_byte(0x5c))),
            E::LegAccountNotOfVm {
                leg_index: 1,
                field: "action target",
                account: AccountId(B256::repeat_byte(0x5c)),
                vm: ChainVm::Evm { chain_id: CHAIN_B },
            },
        ),
        (
            mesh_protocol::Action { output_token: AccountId(B256::repeat_byte(0x5d)), ..swap_action(account(0xd0)) },
            E::LegAccountNotOfVm {
                leg_index: 1,
                field: "action output token",
                account: AccountId(B256::repeat_byte(0x5d)),
                vm: ChainVm::Evm { chain_id: CHAIN_B },
            },
        ),
    ] {
        let mut b = h.bundle("alice", 1, 2, 1_000);
        b.legs[1].action = Some(action);
        assert_err(h.register(&b), err);
    }
    let (router, gamma) = h.add_gamma();
    // On CosmWasm the data is the target's execute message: anything but a JSON object is refused.
    let mut b = h.bundle("alice", 1, 2, 1_000);
    b.legs[1].domain = 7;
    b.legs[1].router = router;
    for data in [&[0xab; 68][..], b"[1]", b"{\"swap\":"] {
        let action =
            mesh_protocol::Action { data: data.to_vec().into(), ..swap_action(AccountId(B256::repeat_byte(0x5c))) };
        b.legs[1].action = Some(action);
        assert_err(
            h.register(&b),
            E::ActionDataNotOfVm {
                leg_index: 1,
                vm: gamma.clone(),
                reason: "a CosmWasm action's data must be a JSON object (the target's execute message)",
            },
        );
    }
    let chains: ChainsResponse = q(&h, &QueryMsg::Chains { start_after: None, limit: None });
    assert_eq!(chains.chains.len(), 3);
    // nothing was registered: the nonce is still free
    b.legs[1].action = None;
    h.register(&b).unwrap();
}

/// mesh-router-cw runs actions: a CosmWasm leg may carry one whose data is an execute message,
/// with a 32-byte target and a bank denom's token id as output token (accounts of that VM).
#[test]
fn a_leg_with_an_action_on_a_cosmwasm_domain_registers() {
    let mut h = Hub::new();
    let (router, _) = h.add_gamma();
    let mut b = h.bundle("alice", 1, 2, 1_000);
    b.legs[1].domain = 7;
    b.legs[1].router = router;
    let swap = mesh_protocol::Action {
        data: br#"{"swap":{"min":"90"}}"#.to_vec().into(),
        output_token: mesh_hub_api::router_cw::bank_denom_token_id("uatom"),
        ..swap_action(AccountId(B256::repeat_byte(0x5c)))
    };
    b.legs[1].action = Some(swap);
    let id = h.register(&b).unwrap();
    assert_eq!(h.bundle_info(&id).bundle.legs[1].action, b.legs[1].action, "the execute message is kept");
}

/// Two domains claiming one EVM chain id would let one chain's locks be reported for legs of
/// another domain (and split its legs between two routers): the registry refuses the second.
#[test]
fn two_domains_claiming_one_evm_chain_id_are_refused() {
    let mut h = Hub::new();
    let admin = h.admin.clone();
    let twin = ChainInfo { domain: 3, name: "anvil-a again".into(), router: account(0xc3), ..chain_info(DOMAIN_A) };
    assert_err(
        h.log_exec(&admin, &ExecuteMsg::add_chain(twin)),
        E::VmChainTaken { vm: ChainVm::Evm { chain_id: CHAIN_A }, domain: DOMAIN_A },
    );
    let chains: ChainsResponse = q(&h, &QueryMsg::Chains { start_after: None, limit: None });
    assert_eq!(chains.chains.len(), 2, "nothing registered");
}

/// A report whose location is on another chain (another VM, or another chain of the same VM)
/// than the leg's domain is refused: a lock on chain B is no lock of a leg on domain A.
#[test]
fn a_report_whose_location_vm_differs_from_the_domains_vm_is_refused() {
    let mut h = Hub::with_relayers(1);
    h.bond(0, STAKE).unwrap();
    let (id, b) = h.register_sample(1, 2);
    for other in [CHAIN_B, 1, u64::MAX] {
        let mut r = lock_report(&id, &b, 0);
        evm_loc(&mut r).chain_id = other;
        assert_err(
            h.report(0, vec![r]),
            E::LocationVmMismatch {
                bundle_id: id,
                leg_index: 0,
                domain: DOMAIN_A,
                expected: ChainVm::Evm { chain_id: CHAIN_A },
                got: ChainVm::Evm { chain_id: other },
            },
        );
    }
    // The check holds against the VM the domain had at registration, even after the registry
    // moved on (the domain removed and its EVM chain id given to a new domain).
    let admin = h.admin.clone();
    h.log_exec(&admin, &ExecuteMsg::RemoveChain { domain: DOMAIN_A }).unwrap();
    h.log_exec(&admin, &ExecuteMsg::add_chain(ChainInfo { domain: 5, ..chain_info(DOMAIN_A) })).unwrap();
    let mut r = lock_report(&id, &b, 0);
    evm_loc(&mut r).chain_id = CHAIN_B;
    assert!(h.report(0, vec![r]).is_err());
    h.report(0, vec![lock_report(&id, &b, 0)]).unwrap();
}

#[test]
fn admin_role_and_dispute_wiring_are_guarded() {
    let mut h = Hub::new();
    let admin = h.admin.clone();
    let mallory = h.addr("mallory");
    let bob = h.addr("bob");
    assert_err(
        h.log_exec(&mallory, &ExecuteMsg::SetDispute { dispute: mallory.to_string() }),
        E::Access(AccessError::Unauthorized {
            action: "set_dispute",
            allowed: format!("the admin {admin}"),
            sender: mallory.clone(),
        }),
    );
    assert_err(
        h.log_exec(&admin, &ExecuteMsg::SetDispute { dispute: mallory.to_string() }),
        E::DisputeAlreadySet { current: h.dispute.clone() },
    );
    assert_err(
        h.log_exec(&mallory, &ExecuteMsg::UpdateAdmin { admin: mallory.to_string() }),
        E::Access(AccessError::Unauthorized {
            action: "update_admin",
            allowed: format!("the admin {admin}"),
            sender: mallory.clone(),
        }),
    );
    h.log_exec(&admin, &ExecuteMsg::UpdateAdmin { admin: bob.to_string() }).unwrap();
    let c: ConfigResponse = q(&h, &QueryMsg::Config {});
    assert_eq!(c.admin, bob);
    assert_err(
        h.log_exec(&admin, &ExecuteMsg::RemoveChain { domain: DOMAIN_B }),
        E::Access(AccessError::Unauthorized {
            action: "remove_chain",
            allowed: format!("the admin {bob}"),
            sender: admin.clone(),
        }),
    );
    h.log_exec(&bob, &ExecuteMsg::RemoveChain { domain: DOMAIN_B }).unwrap();
    let _ = Addr::unchecked("unused");
}

// ------------------------------------------------------------------ queries

#[test]
fn awaiting_reports_lists_unreported_legs_per_chain_in_pages() {
    let mut h = Hub::with_relayers(1);
    let (id1, b1) = h.register_sample(1, 3);
    let (_id2, _) = h.register_sample(2, 2);
    let page = |h: &Hub, domain, start_after: Option<ScanCursor>, limit| -> AwaitingReportsResponse {
        q(h, &QueryMsg::AwaitingReports { domain, start_after, limit })
    };
    let all = page(&h, DOMAIN_A, None, None);
    assert_eq!(all.legs.len(), 3, "legs 0 and 2 of bundle 1, leg 0 of bundle 2");
    assert_eq!(all.next, None, "one page holds every undecided bundle");
    assert_eq!(page(&h, DOMAIN_B, None, None).legs.len(), 2);
    // a page holds whole bundles: the first bundle's legs, then the cursor to go on from
    let first = page(&h, DOMAIN_A, None, Some(1));
    assert!(first.next.is_some());
    let rest = page(&h, DOMAIN_A, first.next, None);
    assert_eq!(rest.next, None);
    let mut seen: Vec<_> = first.legs.iter().chain(&rest.legs).map(|l| (l.bundle_id, l.leg_index)).collect();
    seen.sort();
    let mut expected: Vec<_> = all.legs.iter().map(|l| (l.bundle_id, l.leg_index)).collect();
    expected.sort();
    assert_eq!(seen, expected, "the two pages hold every awaiting leg once");
    h.report(0, vec![lock_report(&id1, &b1, 0), lock_report(&id1, &b1, 2)]).unwrap();
    let legs = page(&h, DOMAIN_A, None, None).legs;
    assert_eq!(legs.len(), 1);
    assert_eq!(legs[0].leg, sample_leg(0, 2));
    h.wait(2_000);
    h.advance().unwrap();
    assert!(page(&h, DOMAIN_A, None, None).legs.is_empty(), "decided bundles await nothing");
    assert!(page(&h, DOMAIN_B, None, None).legs.is_empty());
}

#[test]
fn a_reader_pages_through_more_undecided_bundles_than_one_query_may_look_at() {
    // Every bundle reported: nothing awaits, but a page looks at no more than
    // MAX_SCAN_PER_PAGE bundles (a query's gas is bounded) and says where to go on.
    let mut h = Hub::with_relayers(1);
    let n = MAX_SCAN_PER_PAGE as u64 + 20;
    let mut reports = vec![];
    for nonce in 0..n {
        let (id, b) = h.register_sample(nonce, 1);
        reports.push(lock_report(&id, &b, 0));
    }
    for chunk in reports.chunks(16) {
        h.report(0, chunk.to_vec()).unwrap();
    }
    let first: AwaitingReportsResponse =
        q(&h, &QueryMsg::AwaitingReports { domain: DOMAIN_A, start_after: None, limit: None });
    assert!(first.legs.is_empty());
    let next = first.next.expect("the scan stopped at its bound");
    let second: AwaitingReportsResponse =
        q(&h, &QueryMsg::AwaitingReports { domain: DOMAIN_A, start_after: Some(next), limit: None });
    assert_eq!((second.legs.len(), second.next), (0, None));
    let limit = Some(MAX_SCAN_PER_PAGE as u32);
    let open: OpenReportsResponse = q(&h, &QueryMsg::OpenReports { domain: DOMAIN_A, start_after: None, limit });
    assert_eq!(open.reports.len(), MAX_SCAN_PER_PAGE, "one open report per bundle looked at");
    let more: OpenReportsResponse = q(&h, &QueryMsg::OpenReports { domain: DOMAIN_A, start_after: open.next, limit });
    assert_eq!((more.reports.len(), more.next), (20, None));
}

#[test]
fn log_pages_are_bounded_and_ordered() {
    let mut h = Hub::with_relayers(1);
    for n in 0..120 {
        h.register_sample(n, 1);
    }
    let page: LogResponse = q(&h, &QueryMsg::Log { start_after: None, limit: Some(1_000) });
    assert_eq!(page.entries.len(), 100, "clamped to the page maximum");
    assert_eq!(page.total, 120);
    let next: LogResponse = q(&h, &QueryMsg::Log { start_after: Some(99), limit: None });
    assert_eq!(next.entries.iter().map(|e| e.seq).collect::<Vec<_>>(), (100..120).collect::<Vec<_>>());
}

#[test]
fn queries_for_missing_things_say_what_is_missing() {
    let h = Hub::new();
    let id = Hash32(mesh_protocol::keccak256("missing"));
    // Query refusals are `StdError` text (no contract error type): the whole message is named.
    let res = h.app.wrap().query_wasm_smart::<BundleResponse>(&h.log, &QueryMsg::Bundle { bundle_id: id });
    assert_err(res, format!("bundle {id} not found"));
    assert_err(
        h.app.wrap().query_wasm_smart::<ChainInfo>(&h.log, &QueryMsg::Chain { domain: 5 }),
        "domain 5 not found",
    );
    assert_err(
        h.app.wrap().query_wasm_smart::<ChainInfo>(&h.log, &QueryMsg::ChainByVm { vm: ChainVm::Evm { chain_id: 5 } }),
        "evm chain 5 not found",
    );
    let res =
        h.app.wrap().query_wasm_smart::<SignerSetUpdateResponse>(&h.log, &QueryMsg::SignerSetUpdate { new_epoch: 1 });
    assert_err(res, "not reached by an update");
}
