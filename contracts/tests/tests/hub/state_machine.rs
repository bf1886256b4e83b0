//! Random sequences of register / report / fraud / advance / sign / bond / unbond / claim /
//! rotate / time, with the hub's invariants checked after every step:
//! * stake books balance: deposited = bonded + unbonding + claimed + slashed, and the
//!   contract holds exactly bonded + unbonding + retained slash;
//! * a decided verdict never changes, and a bundle is in at most one batch;
//! * a leg is never counted twice: live reports (reported − reverted) per leg are 0 or 1 and
//!   match the bundle's report slot;
//! * an honest relayer is never slashed or jailed (its reports survive every fraud proof).

use std::collections::HashMap;

use cosmwasm_std::Uint128;
use mesh_hub::evm::{leg_locked, lock_receipt, EvmBlock};
use mesh_hub::*;
use mesh_hub_api::bundle_log::{LogEvent, LogResponse, QueryMsg as LogQuery};
use mesh_hub_api::dispute::FraudProof;
use mesh_hub_api::stake_escrow::{QueryMsg as StakeQuery, RelayersResponse, SignerSetResponse};
use mesh_protocol::{Bundle, Hash32, Verdict};
use proptest::prelude::*;
use proptest::sample::Index;

/// Relayers 0..3 are honest; relayer 3 reports locks whose transaction reverted.
const LIAR: usize = 3;

#[derive(Debug, Clone)]
enum Op {
    Register { legs: usize },
    Report { relayer: usize, bundle: Index, leg: Index },
    Fraud { bundle: Index, leg: Index },
    Advance,
    Sign { batch: Index, signers: Vec<usize> },
    Wait { secs: u64 },
    Bond { relayer: usize, amount: u128 },
    Unbond { relayer: usize, amount: u128 },
    Claim { relayer: usize },
    Rotate,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1usize..=3).prop_map(|legs| Op::Register { legs }),
        6 => (0usize..4, any::<Index>(), any::<Index>()).prop_map(|(relayer, bundle, leg)| Op::Report { relayer, bundle, leg }),
        3 => (any::<Index>(), any::<Index>()).prop_map(|(bundle, leg)| Op::Fraud { bundle, leg }),
        3 => Just(Op::Advance),
        2 => (any::<Index>(), prop::collection::vec(0usize..4, 1..4)).prop_map(|(batch, signers)| Op::Sign { batch, signers }),
        4 => prop_oneof![1u64..60, 100u64..700, 900u64..4_000].prop_map(|secs| Op::Wait { secs }),
        1 => (0usize..4, 1u128..5_000).prop_map(|(relayer, amount)| Op::Bond { relayer, amount }),
        1 => (0usize..4, 1u128..12_000).prop_map(|(relayer, amount)| Op::Unbond { relayer, amount }),
        1 => (0usize..4).prop_map(|relayer| Op::Claim { relayer }),
        1 => Just(Op::Rotate),
    ]
}

struct Model {
    h: Hub,
    bundles: Vec<(Hash32, Bundle)>,
    /// Evidence behind the current report of (bundle, leg), by report id.
    evidence: HashMap<u64, EvmBlock>,
    verdicts: HashMap<Hash32, Verdict>,
    nonce: u64,
    stats: Stats,
}

fn ok_or_one_of<T: std::fmt::Debug>(res: StdResult<T>, allowed: &[&str]) -> Option<T> {
    match res {
        Ok(v) => Some(v),
        Err(e) => {
            let msg = e.to_string();
            assert!(allowed.iter().any(|a| msg.contains(a)), "unexpected error: {msg}");
            None
        }
    }
}

impl Model {
    fn step(&mut self, op: Op) {
        let h = &mut self.h;
        match op {
            Op::Register { legs } => {
                self.nonce += 1;
                let b = h.bundle("alice", self.nonce, legs, 400 + 100 * self.nonce % 1_000);
                let id = h.register(&b).unwrap();
                self.bundles.push((id, b));
            }
            Op::Report { relayer, bundle, leg } => {
                if self.bundles.is_empty() {
                    return;
                }
                let (id, b) = self.bundles[bundle.index(self.bundles.len())].clone();
                let leg = leg.index(b.legs.len());
                let ev = leg_locked(id, leg as u32, &b.legs[leg], b.settle_deadline);
                let special = lock_receipt(2, relayer != LIAR, &ev);
                self.nonce += 1;
                let block =
                    EvmBlock::busy(b.legs[leg].chain_id, self.nonce, b.lock_deadline - 1, 2, vec![(1, special)]);
                let mut r = lock_report(&id, &b, leg);
                r.location = block.location(1, 1);
                let before = h.bundle_info(&id).reports[leg].clone();
                if ok_or_one_of(h.report(relayer, vec![r]), &["is not an active relayer"]).is_some() {
                    let after = h.bundle_info(&id).reports[leg].clone();
                    match (&before, &after) {
                        (None, Some(new)) => {
                            assert_eq!(new.reporter, h.relayers[relayer].addr);
                            self.evidence.insert(new.report_id, block);
                            self.stats.reports += 1;
                        }
                        _ => assert_eq!(before, after, "a duplicate or late report changes nothing"),
                    }
                }
            }
            Op::Fraud { bundle, leg } => {
                if self.bundles.is_empty() {
                    return;
                }
                let (id, b) = self.bundles[bundle.index(self.bundles.len())].clone();
                let leg = leg.index(b.legs.len());
                let Some(report) = h.bundle_info(&id).reports[leg].clone() else { return };
                let block = &self.evidence[&report.report_id];
                let proof = FraudProof::FalseLock {
                    bundle_id: id,
                    leg_index: leg as u32,
                    header: block.header.clone().into(),
                    receipt: block.receipts[1].clone().into(),
                    receipt_proof: block.proof(1),
                };
                let res = h.submit_fraud(proof);
                let liar = report.reporter == h.relayers[LIAR].addr;
                if h.now() >= report.window_ends_at {
                    assert_err(res, "dispute window");
                } else if liar {
                    res.unwrap();
                    assert!(h.bundle_info(&id).reports[leg].is_none(), "proven report is reverted");
                    self.stats.frauds_proven += 1;
                } else {
                    assert_err(res, dispute::ContractError::ReportIsCorrect);
                    self.stats.frauds_refused_as_correct += 1;
                }
            }
            Op::Advance => {
                let out = h.advance().unwrap();
                for d in out.decided {
                    match d.verdict {
                        Verdict::Commit => self.stats.commits += 1,
                        Verdict::Abort => self.stats.aborts += 1,
                    }
                    let info = h.bundle_info(&d.bundle_id);
                    if d.verdict == Verdict::Commit {
                        assert!(info.reports.iter().all(|r| r.as_ref().is_some_and(|r| r.window_ends_at <= h.now())));
                        assert!(h.now() + MARGIN < info.bundle.settle_deadline, "a COMMIT leaves time to deliver it");
                    }
                }
            }
            Op::Sign { batch, signers } => {
                let open: mesh_hub_api::bundle_log::BatchResponse =
                    h.app.wrap().query_wasm_smart(&h.log, &LogQuery::CurrentBatch {}).unwrap();
                if open.index == 0 {
                    return;
                }
                let index = batch.index(open.index as usize) as u64;
                let b = h.batch(index);
                let set: Option<SignerSetResponse> = h
                    .app
                    .wrap()
                    .query_wasm_smart(&h.stake, &StakeQuery::SignerSet { epoch: b.epoch.unwrap() })
                    .unwrap();
                let set = set.unwrap();
                let usable: Vec<usize> = signers
                    .into_iter()
                    .filter(|&i| {
                        set.set.weight_of(&h.relayers[i].evm).is_some() && !set.jailed.contains(&h.relayers[i].evm)
                    })
                    .collect();
                if usable.is_empty() {
                    return;
                }
                let weight_before = b.signed_weight.0;
                h.submit_batch_signatures(index, &usable).unwrap();
                self.stats.signature_rounds += 1;
                assert!(h.batch(index).signed_weight.0 >= weight_before);
            }
            Op::Wait { secs } => h.wait(secs),
            Op::Bond { relayer, amount } => {
                h.bond(relayer, amount).unwrap();
            }
            Op::Unbond { relayer, amount } => {
                ok_or_one_of(h.unbond(relayer, amount), &["cannot unbond", "unbonding entries"]);
            }
            Op::Claim { relayer } => {
                ok_or_one_of(h.claim(relayer), &["nothing to claim"]);
            }
            Op::Rotate => {
                ok_or_one_of(h.rotate(), &["next rotation", "same signer set", "no relayer is active"]);
            }
        }
    }

    fn check(&mut self) {
        let h = &self.h;
        // Stake books.
        let t = h.totals();
        assert_eq!(t.total_deposited, t.total_bonded + t.total_unbonding + t.total_claimed + t.total_slashed);
        assert_eq!(t.total_slashed, t.bounties_paid + t.sent_to_community_pool + t.slashed_retained);
        assert_eq!(Uint128::new(h.balance(&h.stake)), t.total_bonded + t.total_unbonding + t.slashed_retained);
        let all: RelayersResponse =
            h.app.wrap().query_wasm_smart(&h.stake, &StakeQuery::Relayers { start_after: None, limit: None }).unwrap();
        let sum: Uint128 =
            all.relayers.iter().map(|r| r.bonded + r.unbonding.iter().map(|e| e.amount).sum::<Uint128>()).sum();
        assert_eq!(sum, t.total_bonded + t.total_unbonding);
        // Honest relayers.
        for i in 0..LIAR {
            let r = h.relayer_info(i);
            assert!(r.slashed.is_zero() && !r.jailed, "honest relayer {i} was punished");
        }
        // Verdicts and legs.
        let mut live: HashMap<(Hash32, u32), i64> = HashMap::new();
        let mut in_batches: HashMap<Hash32, usize> = HashMap::new();
        let mut start = None;
        loop {
            let page: LogResponse =
                h.app.wrap().query_wasm_smart(&h.log, &LogQuery::Log { start_after: start, limit: Some(100) }).unwrap();
            let Some(last) = page.entries.last() else { break };
            start = Some(last.seq);
            for e in page.entries {
                match e.event {
                    LogEvent::LegReported { bundle_id, leg_index, .. } => {
                        *live.entry((bundle_id, leg_index)).or_default() += 1
                    }
                    LogEvent::ReportReverted { bundle_id, leg_index, .. } => {
                        *live.entry((bundle_id, leg_index)).or_default() -= 1
                    }
                    LogEvent::VerdictFinal { bundle_id, .. } => *in_batches.entry(bundle_id).or_default() += 1,
                    _ => {}
                }
            }
        }
        for (id, b) in &self.bundles {
            let info = h.bundle_info(id);
            for leg in 0..b.legs.len() {
                let n = live.get(&(*id, leg as u32)).copied().unwrap_or(0);
                assert!(n == 0 || n == 1, "leg counted {n} times");
                assert_eq!(n == 1, info.reports[leg].is_some());
            }
            if let Some(v) = info.verdict {
                let first = *self.verdicts.entry(*id).or_insert(v);
                assert_eq!(first, v, "verdict changed");
                assert_eq!(in_batches.get(id), Some(&1), "decided once, in one batch");
            } else {
                assert!(!self.verdicts.contains_key(id), "a verdict disappeared");
                assert!(!in_batches.contains_key(id));
            }
        }
    }
}

/// How often the generated histories hit the interesting paths (summed over all cases).
#[derive(Default, Debug)]
struct Stats {
    reports: usize,
    frauds_proven: usize,
    frauds_refused_as_correct: usize,
    commits: usize,
    aborts: usize,
    signature_rounds: usize,
}

#[test]
fn hub_invariants_hold_over_random_histories() {
    let stats = std::cell::RefCell::new(Stats::default());
    let config = ProptestConfig { cases: 96, max_shrink_iters: 200, ..ProptestConfig::default() };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&prop::collection::vec(op(), 1..45), |ops| {
        let mut m = Model {
            h: Hub::with_relayers(4),
            bundles: vec![],
            evidence: HashMap::new(),
            verdicts: HashMap::new(),
            nonce: 0,
            stats: Stats::default(),
        };
        for op in ops {
            m.step(op);
            m.check();
        }
        // Drain: enough time and advances decide every bundle; the verdicts still agree.
        for _ in 0..4 {
            m.h.wait(10_000);
            m.h.advance().unwrap();
        }
        m.check();
        for (id, _) in &m.bundles {
            prop_assert!(m.h.bundle_info(id).verdict.is_some(), "every bundle is decided eventually");
        }
        let mut s = stats.borrow_mut();
        s.reports += m.stats.reports;
        s.frauds_proven += m.stats.frauds_proven;
        s.frauds_refused_as_correct += m.stats.frauds_refused_as_correct;
        s.commits += m.stats.commits;
        s.aborts += m.stats.aborts;
        s.signature_rounds += m.stats.signature_rounds;
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let s = stats.into_inner();
    eprintln!("state machine coverage: {s:?}");
    // The generator must actually reach every interesting path, or the invariants prove little.
    assert!(s.reports > 0 && s.frauds_proven > 0 && s.frauds_refused_as_correct > 0, "{s:?}");
    assert!(s.commits > 0 && s.aborts > 0 && s.signature_rounds > 0, "{s:?}");
}
