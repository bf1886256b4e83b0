//! Properties over random sequences of locks, settlements, refunds and time jumps:
//! conservation (the Router holds, per token, exactly the sum of its open legs) and each leg
//! ends exactly once (a leg that left `Locked` never changes again, and paid exactly once).

use cosmwasm_std::coins;
use mesh_hub_api::router_cw::LegStatus;
use mesh_protocol::{Bundle, Hash32, Verdict};
use proptest::prelude::*;

use crate::harness::*;

#[derive(Clone, Debug)]
enum Op {
    /// Lock leg `leg` of the pool (bank when even, cw20 when odd).
    Lock {
        leg: usize,
    },
    Settle {
        leg: usize,
        commit: bool,
    },
    Refund {
        leg: usize,
    },
    Warp {
        seconds: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0usize..6).prop_map(|leg| Op::Lock { leg }),
        3 => (0usize..6, any::<bool>()).prop_map(|(leg, commit)| Op::Settle { leg, commit }),
        2 => (0usize..6).prop_map(|leg| Op::Refund { leg }),
        2 => (0u64..2500).prop_map(|seconds| Op::Warp { seconds }),
    ]
}

struct Pool {
    bundles: Vec<Bundle>,
    ids: Vec<Hash32>,
}

fn pool(w: &mut World) -> Pool {
    let (alice, bob) = (w.alice.clone(), w.bob.clone());
    let mut bundles = vec![];
    for i in 0..6u128 {
        let token = if i % 2 == 0 { w.native_token() } else { w.cw20_token() };
        let leg = w.leg(&alice, token, 100 + i, &bob);
        bundles.push(w.bundle(vec![leg]));
    }
    let ids = bundles.iter().map(|b| w.id(b)).collect();
    Pool { bundles, ids }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_router_holds_exactly_its_open_legs_and_each_leg_ends_once(ops in prop::collection::vec(op(), 1..24)) {
        let mut w = World::new();
        let p = pool(&mut w);
        let alice = w.alice.clone();
        let mut ended: Vec<Option<LegStatus>> = vec![None; 6];
        for op in ops {
            match op {
                Op::Lock { leg } => {
                    let amount = 100 + leg as u128;
                    let _ = if leg % 2 == 0 {
                        w.try_lock_native(&alice, &p.bundles[leg], 0, &coins(amount, DENOM))
                    } else {
                        w.try_lock_cw20(&alice, &p.bundles[leg], 0, amount)
                    };
                }
                Op::Settle { leg, commit } => {
                    let verdict = if commit { Verdict::Commit } else { Verdict::Abort };
                    let _ = w.settle_alone(p.ids[leg], 0, verdict);
                }
                Op::Refund { leg } => {
                    let _ = w.try_refund(p.ids[leg], 0);
                }
                Op::Warp { seconds } => {
                    let to = w.now() + seconds;
                    w.warp(to);
                }
            }
            // Conservation, per token.
            let (mut bank, mut cw20) = (0u128, 0u128);
            for (leg, id) in p.ids.iter().enumerate() {
                let status = w.status(*id, 0);
                if status == LegStatus::Locked {
                    if leg % 2 == 0 { bank += 100 + leg as u128 } else { cw20 += 100 + leg as u128 }
                }
                // Each leg ends once: an ended status never changes.
                match (ended[leg], status) {
                    (Some(prev), now) => prop_assert_eq!(prev, now, "leg {} changed after it ended", leg),
                    (None, LegStatus::Committed | LegStatus::Aborted | LegStatus::Refunded) => ended[leg] = Some(status),
                    _ => {}
                }
            }
            prop_assert_eq!(w.bank_balance(&w.router, DENOM), bank);
            prop_assert_eq!(w.cw20_balance(&w.router), cw20);
            // Nothing is created or lost: Alice + Bob + Router hold what they started with.
            let total_bank = w.bank_balance(&w.alice, DENOM) + w.bank_balance(&w.bob, DENOM) + bank;
            prop_assert_eq!(total_bank, 2 * INITIAL);
            let total_cw20 = w.cw20_balance(&w.alice) + w.cw20_balance(&w.bob) + cw20;
            prop_assert_eq!(total_cw20, 2 * INITIAL);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// At any time exactly one of "a COMMIT pays" and "a refund pays" holds (an ABORT always
    /// pays): `MeshRouter`'s `testFuzz_CommitOrRefund_AtAnyTime`.
    #[test]
    fn at_any_time_either_a_commit_or_a_refund_applies_never_both(offset in 0u64..(2 * GRACE + 4000)) {
        let mut w = World::new();
        let bundle = w.simple_bundle();
        let id = w.id(&bundle);
        let alice = w.alice.clone();
        w.lock_native(&alice, &bundle, 0);
        let at = bundle.lock_deadline + offset;
        w.warp(at);
        let opens = bundle.settle_deadline + GRACE;
        let root = w.verified_root(&[mesh_protocol::eip712::settlement_leaf(id.0, Verdict::Commit)]);
        let committed = w.try_settle(id, 0, Verdict::Commit, root, vec![]).is_ok();
        prop_assert_eq!(committed, at < opens);
        if !committed {
            prop_assert!(w.try_refund(id, 0).is_ok());
            prop_assert_eq!(w.status(id, 0), LegStatus::Refunded);
        } else {
            prop_assert_eq!(w.status(id, 0), LegStatus::Committed);
        }
    }
}
