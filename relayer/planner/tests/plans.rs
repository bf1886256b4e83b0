//! The planner through a network file's directory: the example specs plan, bad ones are refused
//! by name.
mod common;

use std::path::Path;
use std::time::Duration;

use common::{directory, example};
use mesh_planner::network::NetworkDirectory;
use mesh_planner::spec::*;
use mesh_protocol::Amount;

/// An account as the network file writes it on `chain`, parsed.
fn account(d: &NetworkDirectory, chain: &str, text: &str) -> mesh_protocol::AccountId {
    d.network.chain(chain).unwrap().parse_account(text).unwrap()
}

fn arbitrage() -> BundleSpec {
    BundleSpec::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/arbitrage-fixed.bundle.toml")).unwrap()
}

#[test]
fn the_arbitrage_spec_plans_with_every_constraint_holding() {
    let m = directory();
    let p = arbitrage().plan(&m, 1_800_000_000).unwrap();
    assert_eq!(p.bundle.legs.len(), 3);
    let alpha = m.network.chain("alpha").unwrap();
    assert_eq!(
        p.bundle.legs[0].depositor,
        account(&m, "alpha", &alpha.contracts()["LendingPool"]),
        "contracts are parties"
    );
    assert_eq!(p.bundle.legs[0].token, account(&m, "alpha", &alpha.tokens()["WETH"].address));
    assert_eq!(p.units[0].decimals, 18);
    assert_eq!(p.bundle.legs[2].amount, Amount::from(10_009_000_000_000_000_000u128));
    let by: Vec<_> = p.constraints.iter().map(|c| (c.actual, c.required, c.holds)).collect();
    assert_eq!(
        by,
        vec![
            (10_009_000_000_000_000_000, 10_009_000_000_000_000_000, true),
            (10_000_000_000_000_000, 10_000_000_000_000_000, true),
            (-19_000_000_000_000_000, -19_000_000_000_000_000, true),
        ]
    );
}

#[test]
fn a_lender_repaid_less_than_declared_is_refused_with_every_broken_constraint() {
    let mut s = arbitrage();
    s.legs[2].amount = "10 WETH".into(); // repayment without the fee
    let err = s.plan(&directory(), 0).unwrap_err();
    let SpecError::ConstraintsFail(failing) = &err else { panic!("{err}") };
    assert_eq!(failing.len(), 1, "carol now pays less, so only the lender's constraint breaks: {err}");
    assert_eq!(failing[0].about, "lender receives ≥ principal + fee");
    assert_eq!(failing[0].actual, 10_000_000_000_000_000_000);
    assert!(
        err.to_string().contains(
            "lender receives ≥ principal + fee: 10 WETH (10000000000000000000 base units) but 10.009 WETH (10009000000000000000 base units) required"
        ),
        "{err}"
    );
}

#[test]
fn a_party_ending_worse_than_declared_is_refused() {
    let mut s = arbitrage();
    s.legs[1].amount = "9.9e18".into(); // base units still work: // the solver keeps 0.1 WETH: carol pays 0.109 in fees
    let err = s.plan(&directory(), 0).unwrap_err();
    let SpecError::ConstraintsFail(failing) = &err else { panic!("{err}") };
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0].actual, -109_000_000_000_000_000);
    assert!(!failing[0].holds);
}

#[test]
fn constraints_that_name_nothing_or_bound_nothing_are_refused() {
    let m = directory();
    let mut s = arbitrage();
    s.constraints[0].party = "dave".into();
    assert!(matches!(s.plan(&m, 0), Err(SpecError::BadConstraint { index: 0, .. })));
    let mut s = arbitrage();
    s.constraints[1].receives_at_least = Some("1".into()); // two bounds
    assert!(matches!(s.plan(&m, 0), Err(SpecError::BadConstraint { index: 1, .. })));
    let mut s = arbitrage();
    s.constraints[2].net_at_least = Some("lots".into());
    assert!(matches!(s.plan(&m, 0), Err(SpecError::BadConstraint { index: 2, .. })));
    let mut s = arbitrage();
    s.constraints[0].chain = Some("gamma".into());
    assert!(matches!(s.plan(&m, 0), Err(SpecError::BadConstraint { index: 0, .. })));
}

fn spec() -> BundleSpec {
    BundleSpec::load(&example("swap.bundle.toml")).unwrap()
}

#[test]
fn the_example_spec_plans_into_a_valid_bundle_with_balanced_flows() {
    let m = directory();
    let p = spec().plan(&m, 1_800_000_000).unwrap();
    assert_eq!(p.bundle.legs.len(), 2);
    assert_eq!(p.bundle.lock_deadline, 1_800_000_090);
    assert_eq!(p.bundle.settle_deadline, 1_800_000_210);
    let alice = &m.network.parties["alice"];
    assert_eq!(Some(&p.bundle.creator), alice.hub.as_ref());
    assert_eq!(p.bundle.legs[0].depositor, account(&m, "alpha", alice.evm.as_ref().unwrap()));
    assert_eq!(p.bundle.legs[0].amount, Amount::from(100_000_000u128), "100 USDC of 6 decimals");
    assert_eq!(p.net[&("alice".into(), "alpha".into(), "USDC".into())], -100_000_000);
    assert_eq!(p.net[&("bob".into(), "alpha".into(), "USDC".into())], 100_000_000);
    let per_token: i128 = p.net.values().sum();
    assert_eq!(per_token, 0, "what one party deposits another receives");
    assert!(p.timing.windows(2).all(|w| w[0].1 <= w[1].1), "the timing trace is in order");
}

#[test]
fn unknown_chains_tokens_parties_and_amounts_are_refused_by_name() {
    let m = directory();
    let mut s = spec();
    s.legs[0].chain = "gamma".into();
    assert!(matches!(s.plan(&m, 0), Err(SpecError::UnknownChain { leg: 0, .. })));
    let mut s = spec();
    s.legs[1].token = "DOGE".into();
    assert!(matches!(s.plan(&m, 0), Err(SpecError::UnknownToken { leg: 1, .. })));
    let mut s = spec();
    s.legs[1].to = "mallory".into();
    assert!(matches!(s.plan(&m, 0), Err(SpecError::UnknownParty { leg: 1, what: "recipient", .. })));
    let mut s = spec();
    s.legs[0].amount = "0".into();
    assert!(matches!(s.plan(&m, 0), Err(SpecError::BadAmount { leg: 0, .. })));
    let mut s = spec();
    s.creator = "nobody".into();
    assert!(matches!(s.plan(&m, 0), Err(SpecError::UnknownCreator(_))));
}

#[test]
fn a_bundle_that_cannot_settle_in_time_is_refused() {
    let m = directory();
    let mut s = spec();
    s.settle_after = Duration::from_secs(30); // < dispute window 15 s + margin 20 s + confirmations
    let err = s.plan(&m, 0).unwrap_err();
    assert!(matches!(err, SpecError::TooShort { .. }), "{err}");
    let mut s = spec();
    s.lock_within = Duration::from_secs(1);
    assert!(matches!(s.plan(&m, 0), Err(SpecError::LockTooShort { .. })));
}

proptest::proptest! {
    /// Whatever the legs, what one party deposits another receives (per chain and token), and
    /// a constraint holds exactly when its bound is at most the party's measured flow.
    #[test]
    fn flows_balance_and_constraints_hold_exactly_up_to_the_measured_value(
        legs in proptest::collection::vec((0usize..2, 0usize..3, 0usize..3, 1u64..1_000_000), 1..8),
        who in 0usize..3,
        slack in -2i128..3,
    ) {
        let m = directory();
        let names = ["alice", "bob", "carol"];
        let mut s = spec();
        s.legs = legs
            .iter()
            .map(|&(chain, from, to, amount)| LegSpec {
                chain: ["alpha", "beta"][chain].into(),
                from: names[from].into(),
                to: names[to].into(),
                token: "USDC".into(),
                amount: amount.to_string(),
                kind: None,
                origin: None,
                action: None,
            })
            .collect();
        let party = names[who];
        proptest::prop_assume!(s.legs.iter().any(|l| l.from == party || l.to == party));
        let p = s.plan(&m, 1_800_000_000).unwrap();
        for chain in ["alpha", "beta"] {
            let sum: i128 = p.net.iter().filter(|((_, c, _), _)| c == chain).map(|(_, v)| v).sum();
            proptest::prop_assert_eq!(sum, 0);
        }
        let net: i128 = p.net.iter().filter(|((who, _, _), _)| who == party).map(|(_, v)| v).sum();
        s.constraints = vec![ConstraintSpec {
            about: None,
            party: party.into(),
            token: "USDC".into(),
            chain: None,
            receives_at_least: None,
            net_at_least: Some((net + slack).to_string()),
        }];
        match s.plan(&m, 1_800_000_000) {
            Ok(p) => {
                proptest::prop_assert!(slack <= 0);
                proptest::prop_assert_eq!(p.constraints[0].actual, net);
            }
            Err(SpecError::ConstraintsFail(f)) => {
                proptest::prop_assert!(slack > 0);
                proptest::prop_assert_eq!(f[0].actual, net);
            }
            Err(e) => proptest::prop_assert!(false, "unexpected refusal: {}", e),
        }
    }
}

#[test]
fn unknown_keys_in_a_spec_are_refused() {
    let text = std::fs::read_to_string(example("swap.bundle.toml")).unwrap();
    let err = toml::from_str::<BundleSpec>(&text.replace("nonce = 7", "nonce = 7\nhurry = true")).unwrap_err();
    assert!(err.to_string().contains("hurry"), "{err}");
}

#[test]
fn a_plan_is_a_coordination_plan_whose_verdict_waits_for_every_lock() {
    use mesh_planner::steps::Action;
    let m = directory();
    let p = arbitrage().plan(&m, 1_000).unwrap();
    let steps = p.steps();
    let order = steps.order().unwrap();
    assert_eq!(order.len(), steps.0.len());
    assert_eq!(steps.0[order[0]].action, Action::Register);
    let verdict = steps.0.iter().find(|s| s.action == Action::Verdict).unwrap();
    let locks: Vec<usize> = steps.0.iter().filter(|s| matches!(s.action, Action::Lock { .. })).map(|s| s.id).collect();
    assert_eq!(locks.len(), p.bundle.legs.len(), "one lock step per leg");
    assert_eq!(verdict.depends_on, locks);
    // one delivery per chain of the legs, each after the verdict, by the settle deadline
    let deliveries: Vec<_> = steps.0.iter().filter(|s| matches!(s.action, Action::Deliver { .. })).collect();
    assert_eq!(deliveries.len(), 2, "alpha and beta");
    assert!(deliveries
        .iter()
        .all(|d| d.depends_on == vec![verdict.id] && d.deadline == Some(p.bundle.settle_deadline)));
    assert_eq!(steps.ready(&[]), vec![0], "only the registration can start");
}

#[test]
fn a_settle_deadline_beyond_the_hubs_horizon_is_refused_before_registration() {
    let mut s = spec();
    s.settle_after = Duration::from_secs(3_600);
    let err = s.plan(&directory(), 0).unwrap_err();
    assert!(matches!(err, SpecError::TooFar { .. }), "{err}");
}

#[test]
fn amounts_in_whole_tokens_and_in_base_units_plan_the_same_leg() {
    let m = directory();
    let mut s = spec();
    s.legs[0].amount = "100000000".into();
    let base = s.plan(&m, 1_000).unwrap();
    s.legs[0].amount = "100 USDC".into();
    let whole = s.plan(&m, 1_000).unwrap();
    assert_eq!(base.bundle, whole.bundle);
    s.legs[0].amount = "100 WETH".into();
    let err = s.plan(&m, 1_000).unwrap_err().to_string();
    assert_eq!(err, "leg 0: amount \"100 WETH\": \"100 WETH\": unit \"WETH\" is not USDC");
    s.legs[0].amount = "0.0000001 USDC".into();
    assert!(matches!(s.plan(&m, 1_000), Err(SpecError::BadAmount { leg: 0, .. })));
}

#[test]
fn a_token_missing_from_the_network_file_is_refused_even_by_address() {
    let mut s = spec();
    s.legs[0].token = "0x00000000000000000000000000000000000000aa".into();
    let err = s.plan(&directory(), 0).unwrap_err();
    assert!(matches!(err, SpecError::UnknownToken { leg: 0, .. }), "{err}");
}

#[test]
fn a_lock_and_mint_spec_plans_into_matched_legs_the_hub_accepts() {
    use mesh_protocol::LegKind;
    let d = directory();
    let s = BundleSpec::load(&example("mint.bundle.toml")).unwrap();
    let p = s.plan(&d, 1_800_000_000).unwrap();
    let (alpha, beta) = (&d.chains[0], &d.chains[1]);
    let [lock, mint] = &p.bundle.legs[..] else { panic!("two legs") };
    assert_eq!(lock.kind, LegKind::Lock);
    assert_eq!(lock.recipient, alpha.router, "the origin Router holds the reserve");
    assert_eq!(mint.kind, LegKind::Mint { origin_domain: alpha.domain });
    assert_eq!(mint.depositor, beta.router, "the destination Router mints");
    assert_eq!(mint.token, lock.token, "a mint names the origin token");
    assert_eq!(mint.amount, Amount::from(100_000_000u128));
    p.bundle.validate().unwrap();
    // only the lock is a party's step: the mint locks nothing
    let locks: Vec<_> = mesh_planner::steps::Steps::of(&p)
        .0
        .into_iter()
        .filter_map(|s| match s.action {
            mesh_planner::steps::Action::Lock { leg } => Some((leg, s.actor)),
            _ => None,
        })
        .collect();
    assert_eq!(locks, vec![(0, "alice".to_string())]);
}

#[test]
fn a_mint_the_spec_does_not_back_with_a_lock_is_refused_as_unmatched() {
    let d = directory();
    let mut s = BundleSpec::load(&example("mint.bundle.toml")).unwrap();
    s.legs[1].amount = "101 USDC".into(); // mints more than alice locks
    let err = s.plan(&d, 1_800_000_000).unwrap_err();
    assert!(
        matches!(err, SpecError::Invalid(mesh_protocol::ProtocolError::UnmatchedLeg { index: 1, kind: 2 })),
        "{err}"
    );
}
