//! Random sequences of register / lock / report / object / fraud / advance / sign / bond /
//! unbond / claim / rotate / unjail / time, with honest relayers 0..3 and an adversary (relayer 3)
//! that reports locks in fabricated blocks and reverted transactions, objects to honest reports to
//! censor them, flash-bonds large stakes to dominate the next signer set and signs roots the hub
//! never closed. The honest relayers behave as the daemon does: before hub time moves, they
//! object to every open report they cannot confirm and re-report every locked leg that lost its
//! report. The hub's invariants are checked after every step:
//! * a COMMIT only for bundles whose every leg was really locked (the world's ground truth here),
//!   whatever the adversary's stake: the weight cap keeps one relayer below a third;
//! * stake books balance: deposited = bonded + unbonding + claimed + slashed, and the
//!   contract holds exactly bonded + unbonding + retained slash;
//! * a decided verdict never changes, and a bundle is in at most one batch;
//! * a leg is never counted twice: live reports (reported − reverted) per leg are 0 or 1 and
//!   match the bundle's report slot;
//! * an honest relayer is never slashed or jailed (its reports survive every fraud proof).

use std::collections::HashMap;

use cosmwasm_std::Uint128;
use mesh_hub_api::bundle_log::{LogEvent, LogResponse, ObjectionReason, QueryMsg as LogQuery};
use mesh_hub_api::dispute::{FalseLockEvidence, FraudProof};
use mesh_hub_api::stake_escrow::{
    ExecuteMsg as StakeExecute, QueryMsg as StakeQuery, RelayersResponse, SignerSetResponse,
};
use mesh_hub_tests::evm::{leg_locked, lock_receipt, EvmBlock};
use mesh_hub_tests::*;
use mesh_protocol::{Bundle, Hash32, Verdict};
use proptest::prelude::*;
use proptest::sample::Index;

/// Relayers 0..3 are honest; relayer 3 is the adversary.
const LIAR: usize = 3;

/// What the adversary's lock report points at.
#[derive(Debug, Clone, Copy)]
enum Lie {
    /// A transaction whose receipt failed: a fraud proof exists.
    RevertedTx,
    /// A block hash nobody can produce a header for: only objections stop it.
    FabricatedBlock,
}

#[derive(Debug, Clone)]
enum Op {
    /// A new bundle; with `all_locked` its depositors lock every leg at once (the usual case).
    Register {
        legs: usize,
        all_locked: bool,
    },
    /// The depositor really locks the leg (before the lock deadline only).
    Lock {
        bundle: Index,
        leg: Index,
    },
    Report {
        relayer: usize,
        bundle: Index,
        leg: Index,
    },
    Lie {
        bundle: Index,
        leg: Index,
        lie: Lie,
    },
    /// The adversary objects to whatever report a leg has (censorship attempt).
    Censor {
        bundle: Index,
        leg: Index,
    },
    /// The adversary signs a root the hub never closed; a disputer proves it.
    SignWrongRoot {
        batch: Index,
    },
    Unjail,
    Fraud {
        bundle: Index,
        leg: Index,
    },
    Advance,
    Sign {
        batch: Index,
        signers: Vec<usize>,
    },
    Wait {
        secs: u64,
    },
    Bond {
        relayer: usize,
        amount: u128,
    },
    Unbond {
        relayer: usize,
        amount: u128,
    },
    Claim {
        relayer: usize,
    },
    Rotate,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1usize..=3, prop::bool::weighted(0.6)).prop_map(|(legs, all_locked)| Op::Register { legs, all_locked }),
        5 => (any::<Index>(), any::<Index>()).prop_map(|(bundle, leg)| Op::Lock { bundle, leg }),
        4 => (0usize..3, any::<Index>(), any::<Index>()).prop_map(|(relayer, bundle, leg)| Op::Report { relayer, bundle, leg }),
        4 => (any::<Index>(), any::<Index>(), prop_oneof![Just(Lie::RevertedTx), Just(Lie::FabricatedBlock)])
            .prop_map(|(bundle, leg, lie)| Op::Lie { bundle, leg, lie }),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(bundle, leg)| Op::Censor { bundle, leg }),
        1 => any::<Index>().prop_map(|batch| Op::SignWrongRoot { batch }),
        1 => Just(Op::Unjail),
        3 => (any::<Index>(), any::<Index>()).prop_map(|(bundle, leg)| Op::Fraud { bundle, leg }),
        3 => Just(Op::Advance),
        2 => (any::<Index>(), prop::collection::vec(0usize..4, 1..4)).prop_map(|(batch, signers)| Op::Sign { batch, signers }),
        4 => prop_oneof![1u64..60, 100u64..700, 900u64..4_000].prop_map(|secs| Op::Wait { secs }),
        1 => (0usize..4, 1u128..5_000).prop_map(|(relayer, amount)| Op::Bond { relayer, amount }),
        // Flash stake: the adversary bonds many times everyone else's stake.
        1 => (10_000u128..200_000).prop_map(|amount| Op::Bond { relayer: LIAR, amount }),
        1 => (0usize..4, 1u128..12_000).prop_map(|(relayer, amount)| Op::Unbond { relayer, amount }),
        1 => (0usize..4).prop_map(|relayer| Op::Claim { relayer }),
        1 => Just(Op::Rotate),
    ]
}

struct Model {
    h: Hub,
    bundles: Vec<(Hash32, Bundle)>,
    /// Evidence behind each report, by report id (`None`: a fabricated block, no evidence).
    evidence: HashMap<u64, Option<EvmBlock>>,
    /// Report ids that are lies (the honest relayers' nodes cannot confirm them).
    lies: std::collections::HashSet<u64>,
    /// Legs really locked on their chains: the ground truth.
    locked: std::collections::HashSet<(Hash32, usize)>,
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
            Op::Register { legs, all_locked } => {
                self.nonce += 1;
                let b = h.bundle("alice", self.nonce, legs, 400 + 100 * self.nonce % 1_000);
                let id = h.register(&b).unwrap();
                if all_locked {
                    self.locked.extend((0..legs).map(|leg| (id, leg)));
                }
                self.bundles.push((id, b));
            }
            Op::Lock { bundle, leg } => {
                if self.bundles.is_empty() {
                    return;
                }
                let (id, b) = self.bundles[bundle.index(self.bundles.len())].clone();
                if h.now() <= b.lock_deadline {
                    self.locked.insert((id, leg.index(b.legs.len())));
                }
            }
            Op::Report { relayer, bundle, leg } => {
                if self.bundles.is_empty() {
                    return;
                }
                let (id, b) = self.bundles[bundle.index(self.bundles.len())].clone();
                let leg = leg.index(b.legs.len());
                if self.locked.contains(&(id, leg)) {
                    self.report(relayer, id, &b, leg, None);
                }
            }
            Op::Lie { bundle, leg, lie } => {
                if self.bundles.is_empty() {
                    return;
                }
                let (id, b) = self.bundles[bundle.index(self.bundles.len())].clone();
                self.report(LIAR, id, &b, leg.index(b.legs.len()), Some(lie));
            }
            Op::Censor { bundle, leg } => {
                if self.bundles.is_empty() {
                    return;
                }
                let (id, b) = self.bundles[bundle.index(self.bundles.len())].clone();
                let leg = leg.index(b.legs.len()) as u32;
                let res = h.object(LIAR, &[(id, leg)], ObjectionReason::NoMatchingLog);
                if let Some(out) = ok_or_one_of(res, ALLOWED_OBJECTION_REFUSALS) {
                    if !out.rejected.is_empty() {
                        self.stats.censored += 1;
                    }
                }
            }
            Op::SignWrongRoot { batch } => {
                let open: mesh_hub_api::bundle_log::BatchResponse =
                    h.app.wrap().query_wasm_smart(&h.log, &LogQuery::CurrentBatch {}).unwrap();
                if open.index == 0 {
                    return;
                }
                let index = batch.index(open.index as usize) as u64;
                let Some(epoch) = h.batch(index).epoch else { return };
                let wrong = Hash32(mesh_protocol::keccak256(format!("not the root of {index}")));
                let signature = h.batch_signature(LIAR, epoch, index, wrong);
                let proof = FraudProof::WrongAttestation { epoch, batch_index: index, root: wrong, signature };
                if ok_or_one_of(h.submit_fraud(proof), &["not a member", "already proven", "not registered"]).is_some()
                {
                    self.stats.signature_frauds_proven += 1;
                }
            }
            Op::Unjail => {
                let admin = h.admin.clone();
                let msg = StakeExecute::Unjail { relayer: h.relayers[LIAR].addr.to_string() };
                ok_or_one_of(h.stake_exec(&admin, &msg, &[]), &["is not jailed"]);
            }
            Op::Fraud { bundle, leg } => {
                if self.bundles.is_empty() {
                    return;
                }
                let (id, b) = self.bundles[bundle.index(self.bundles.len())].clone();
                let leg = leg.index(b.legs.len());
                let Some(report) = h.bundle_info(&id).reports[leg].clone() else { return };
                let Some(block) = self.evidence[&report.report_id].clone() else {
                    // A fabricated block: no header exists, no fraud proof can be built.
                    return;
                };
                let proof = FraudProof::FalseLock {
                    bundle_id: id,
                    leg_index: leg as u32,
                    evidence: FalseLockEvidence::EvmReceipt {
                        header: block.header.clone().into(),
                        receipt: block.receipts[1].clone().into(),
                        receipt_proof: block.proof(1),
                    },
                };
                let res = h.submit_fraud(proof);
                let liar = self.lies.contains(&report.report_id);
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
                        for leg in 0..info.bundle.legs.len() {
                            assert!(
                                self.locked.contains(&(d.bundle_id, leg)),
                                "COMMIT of bundle {} whose leg {leg} was never locked",
                                d.bundle_id
                            );
                        }
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
            Op::Wait { secs } => {
                self.honest_round();
                self.h.wait(secs);
            }
            Op::Bond { relayer, amount } => {
                h.bond(relayer, amount).unwrap();
            }
            Op::Unbond { relayer, amount } => {
                ok_or_one_of(h.unbond(relayer, amount), &["cannot unbond", "unbonding entries", "not bonded"]);
            }
            Op::Claim { relayer } => {
                ok_or_one_of(h.claim(relayer), ALLOWED_CLAIM_REFUSALS);
            }
            Op::Rotate => {
                ok_or_one_of(h.rotate(), &["next rotation", "same signer set", "no relayer is active"]);
            }
        }
    }

    /// Relayer `relayer` reports leg `leg`: with real evidence, or with the adversary's `lie`.
    fn report(&mut self, relayer: usize, id: Hash32, b: &Bundle, leg: usize, lie: Option<Lie>) {
        let h = &mut self.h;
        let ev = leg_locked(id, leg as u32, &b.legs[leg], b.settle_deadline);
        let special = lock_receipt(2, !matches!(lie, Some(Lie::RevertedTx)), &ev);
        self.nonce += 1;
        let block =
            EvmBlock::busy(evm_chain(b.legs[leg].domain), self.nonce, b.lock_deadline - 1, 2, vec![(1, special)]);
        let mut r = lock_report(&id, b, leg);
        r.location = block.location(1, 1);
        let evidence = match lie {
            Some(Lie::FabricatedBlock) => {
                r.location.as_evm_mut().unwrap().block_hash =
                    Hash32(mesh_protocol::keccak256(format!("no such block {}", self.nonce)));
                None
            }
            _ => Some(block),
        };
        let before = h.bundle_info(&id).reports[leg].clone();
        if ok_or_one_of(h.report(relayer, vec![r]), &["is not an active relayer"]).is_some() {
            let after = h.bundle_info(&id).reports[leg].clone();
            match (&before, &after) {
                (None, Some(new)) => {
                    assert_eq!(new.reporter, h.relayers[relayer].addr);
                    self.evidence.insert(new.report_id, evidence);
                    if lie.is_some() {
                        self.lies.insert(new.report_id);
                    }
                    self.stats.reports += 1;
                }
                _ => assert_eq!(before, after, "a duplicate or late report changes nothing"),
            }
        }
    }

    /// What honest daemons do before hub time moves on: object to every open report their nodes
    /// cannot confirm, and re-report every really locked leg that has no report.
    fn honest_round(&mut self) {
        let bundles = self.bundles.clone();
        for (id, b) in &bundles {
            let info = self.h.bundle_info(id);
            if info.verdict.is_some() {
                continue;
            }
            for leg in 0..b.legs.len() {
                match &info.reports[leg] {
                    Some(r) if self.lies.contains(&r.report_id) && self.h.now() < r.window_ends_at => {
                        for honest in 0..LIAR {
                            let res = self.h.object(honest, &[(*id, leg as u32)], ObjectionReason::UnknownBlock);
                            if let Some(out) = ok_or_one_of(res, ALLOWED_OBJECTION_REFUSALS) {
                                self.stats.lies_rejected += out.rejected.len();
                            }
                        }
                    }
                    None if self.locked.contains(&(*id, leg)) => self.report(0, *id, b, leg, None),
                    _ => {}
                }
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
        // Every member of the current signer set that can still sign has stake to lose.
        if let Some(set) = h.current_set() {
            for member in &set.set.signers {
                if set.jailed.contains(&member.address) {
                    continue;
                }
                let Some(i) = h.relayers.iter().position(|r| r.evm == member.address) else { continue };
                let r = h.relayer_info(i);
                let at_stake = r.bonded + r.unbonding.iter().map(|e| e.amount).sum::<Uint128>();
                assert!(!at_stake.is_zero(), "signer {i} can sign with nothing at stake");
            }
        }
        // Honest relayers.
        for i in 0..LIAR {
            let r = h.relayer_info(i);
            assert!(r.slashed.is_zero() && !r.jailed, "honest relayer {i} was punished");
        }
        // Verdicts and legs.
        let mut live: HashMap<(Hash32, u32), i64> = HashMap::new();
        let mut in_batches: HashMap<Hash32, usize> = HashMap::new();
        let mut gone = std::collections::HashSet::new();
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
                    LogEvent::ReportRejected { bundle_id, leg_index, report_id, .. } => {
                        gone.insert(report_id);
                        *live.entry((bundle_id, leg_index)).or_default() -= 1
                    }
                    // A rejected report proven false later is already gone from the leg.
                    LogEvent::ReportReverted { bundle_id, leg_index, report_id, .. } if gone.insert(report_id) => {
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
            if info.verdict == Some(Verdict::Commit) {
                for leg in 0..b.legs.len() {
                    assert!(
                        self.locked.contains(&(*id, leg)),
                        "COMMIT of bundle {id} whose leg {leg} was never locked"
                    );
                }
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
    lies_rejected: usize,
    censored: usize,
    signature_frauds_proven: usize,
}

/// Refusals an objection may meet in a random history (the objector left the set, was jailed…).
const ALLOWED_OBJECTION_REFUSALS: &[&str] =
    &["not a member of the current signer set", "is jailed", "is not an active relayer"];
/// Refusals a claim may meet (nothing matured yet, or the stake still backs a signer set).
const ALLOWED_CLAIM_REFUSALS: &[&str] = &["nothing to claim", "signer set", "expires"];

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
            lies: Default::default(),
            locked: Default::default(),
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
        s.lies_rejected += m.stats.lies_rejected;
        s.censored += m.stats.censored;
        s.signature_frauds_proven += m.stats.signature_frauds_proven;
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
    assert!(s.lies_rejected > 0 && s.signature_frauds_proven > 0, "{s:?}");
}
