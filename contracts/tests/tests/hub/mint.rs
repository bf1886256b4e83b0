//! Lock-and-mint legs on the hub: registration refuses a mint not matched by a lock of the same
//! token and amount (and a release not matched by a burn), mint and release legs are ready
//! without a report, and nobody can report a lock of a leg that locks nothing.

use bundle_log::ContractError as E;
use mesh_hub_api::bundle_log::{AwaitingReportsResponse, QueryMsg, VerdictReason};
use mesh_hub_tests::*;
use mesh_protocol::{Amount, Bundle, Leg, LegKind, ProtocolError, Verdict};

const USDC: u8 = 0x0c;

/// A leg of `kind` moving `amount` of USDC (an origin-domain-A token) on `domain`; the router
/// stands for the side nobody holds.
fn mint_leg(domain: u64, kind: LegKind, amount: u128) -> Leg {
    let router = if domain == DOMAIN_A { router_a() } else { router_b() };
    let user = account(0x0a);
    let (depositor, recipient) = match kind {
        LegKind::Lock | LegKind::Burn { .. } => (user, router),
        _ => (router, user),
    };
    Leg { domain, router, depositor, token: account(USDC), amount: Amount::from(amount), recipient, action: None, kind }
}

/// Alice's bundle `nonce`: USDC locked on A and minted on B, and wrapped USDC burned on B and
/// released on A.
#[track_caller]
fn lock_and_mint_bundle(h: &Hub, nonce: u64) -> Bundle {
    let mut b = h.bundle("alice", nonce, 0, 1_000);
    b.legs = vec![
        mint_leg(DOMAIN_A, LegKind::Lock, 500),
        mint_leg(DOMAIN_B, LegKind::Mint { origin_domain: DOMAIN_A }, 500),
        mint_leg(DOMAIN_B, LegKind::Burn { origin_domain: DOMAIN_A }, 200),
        mint_leg(DOMAIN_A, LegKind::Release, 200),
    ];
    b
}

fn awaiting(h: &Hub, domain: u64) -> Vec<u32> {
    let r: AwaitingReportsResponse = h
        .app
        .wrap()
        .query_wasm_smart(&h.log, &QueryMsg::AwaitingReports { domain, start_after: None, limit: None })
        .unwrap();
    r.legs.iter().map(|l| l.leg_index).collect()
}

#[test]
fn a_mint_without_a_matching_lock_is_refused_at_registration() {
    let mut h = Hub::with_relayers(4);
    let mut b = lock_and_mint_bundle(&h, 1);
    b.legs.remove(0);
    assert_err(h.register(&b), E::InvalidBundle(ProtocolError::UnmatchedLeg { index: 0, kind: 2 }));
    let mut b = lock_and_mint_bundle(&h, 1);
    b.legs[1].amount = Amount::from(501u128);
    assert_err(h.register(&b), E::InvalidBundle(ProtocolError::UnmatchedLeg { index: 1, kind: 2 }));
    let mut b = lock_and_mint_bundle(&h, 1);
    b.legs[1].token = account(0x0d);
    assert_err(h.register(&b), E::InvalidBundle(ProtocolError::UnmatchedLeg { index: 1, kind: 2 }));
    let b = lock_and_mint_bundle(&h, 1);
    assert!(h.register(&b).is_ok(), "nothing was kept from the refusals");
}

#[test]
fn a_release_without_a_matching_burn_is_refused_at_registration() {
    let mut h = Hub::with_relayers(4);
    let mut b = lock_and_mint_bundle(&h, 1);
    b.legs.remove(2);
    assert_err(h.register(&b), E::InvalidBundle(ProtocolError::UnmatchedLeg { index: 2, kind: 4 }));
}

#[test]
fn a_lock_left_without_its_mint_is_refused_because_supply_must_equal_the_reserve() {
    let mut h = Hub::with_relayers(4);
    let mut b = lock_and_mint_bundle(&h, 1);
    b.legs.remove(1);
    assert_err(h.register(&b), E::InvalidBundle(ProtocolError::UnmatchedLeg { index: 0, kind: 1 }));
}

#[test]
fn a_mint_on_its_own_origin_domain_is_refused() {
    let mut h = Hub::with_relayers(4);
    let mut b = lock_and_mint_bundle(&h, 1);
    b.legs[1] = mint_leg(DOMAIN_A, LegKind::Mint { origin_domain: DOMAIN_A }, 500);
    assert_err(
        h.register(&b),
        E::InvalidBundle(ProtocolError::BadKind {
            index: 1,
            reason: "a wrapped token is never minted or burned on its origin domain",
        }),
    );
}

#[test]
fn a_lock_and_mint_leg_on_a_cosmwasm_domain_is_refused() {
    let mut h = Hub::with_relayers(4);
    let (router, gamma) = h.add_gamma();
    let mut b = lock_and_mint_bundle(&h, 1);
    b.legs[1].domain = 7;
    b.legs[1].router = router;
    b.legs[1].depositor = router;
    assert_err(h.register(&b), E::KindNotSupported { leg_index: 1, kind: "mint", vm: gamma });
}

#[test]
fn mint_and_release_legs_await_no_report_and_commit_once_the_locks_are_reported() {
    let mut h = Hub::with_relayers(4);
    let b = lock_and_mint_bundle(&h, 1);
    let id = h.register(&b).unwrap();
    assert_eq!(awaiting(&h, DOMAIN_A), vec![0], "the lock awaits a report, the release does not");
    assert_eq!(awaiting(&h, DOMAIN_B), vec![2], "the burn awaits a report, the mint does not");
    h.report(0, vec![lock_report(&id, &b, 0)]).unwrap();
    h.wait(WINDOW);
    assert!(h.advance().unwrap().decided.is_empty(), "the burn is not reported yet");
    h.report(0, vec![lock_report(&id, &b, 2)]).unwrap();
    h.wait(WINDOW);
    let out = h.advance().unwrap();
    assert_eq!(out.decided.len(), 1);
    assert_eq!((out.decided[0].verdict, out.decided[0].reason), (Verdict::Commit, VerdictReason::AllLegsLocked));
}

#[test]
fn a_bundle_whose_lock_never_comes_aborts_and_mints_nothing() {
    let mut h = Hub::with_relayers(4);
    let b = lock_and_mint_bundle(&h, 1);
    let id = h.register(&b).unwrap();
    h.report(0, vec![lock_report(&id, &b, 2)]).unwrap();
    h.wait(1_001);
    let out = h.advance().unwrap();
    assert_eq!((out.decided[0].verdict, out.decided[0].reason), (Verdict::Abort, VerdictReason::LegMissing));
}

/// A mint leg has no lock: a "report" of one would let a relayer put a lock of nothing on
/// record (and give disputers a report no chain can disprove), so it is refused.
#[test]
fn a_report_of_a_mint_or_release_leg_is_refused() {
    let mut h = Hub::with_relayers(4);
    let b = lock_and_mint_bundle(&h, 1);
    let id = h.register(&b).unwrap();
    for leg_index in [1u32, 3] {
        assert_err(
            h.report(0, vec![lock_report(&id, &b, leg_index as usize)]),
            E::LegLocksNothing { bundle_id: id, leg_index },
        );
    }
    assert!(h.bundle_info(&id).reports.iter().all(Option::is_none), "nothing was recorded");
}
