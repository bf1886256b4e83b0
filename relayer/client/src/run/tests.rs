//! The step engine and its store on a fake hub and fake chains: a run killed at every boundary
//! between two of its actions (before an action, or right after it took effect) and restarted
//! from its state file does exactly what one uninterrupted run does.
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::time::Duration;

use alloy::primitives::{keccak256, Address, U256};
use alloy::sol_types::SolCall;
use mesh_protocol::eip712::{bundle_id, HubDomain};
use mesh_protocol::{AccountId, Amount, Bundle, Hash32, Leg, LegKind, Verdict};

use super::events::{Event, Events};
use super::store::RunStore;
use super::*;

const ALPHA: u64 = 1;
const BETA: u64 = 2;
const START: u64 = 1_000_000;

fn acct(b: u8) -> AccountId {
    AccountId::from_evm(Address::repeat_byte(b))
}

fn domain() -> HubDomain {
    HubDomain::new("hub-test", "inj1bundlelog")
}

/// A leg as the spec writes it.
fn written(chain: &str, from: &str, to: &str, token: &str) -> RunLeg {
    RunLeg { chain: chain.into(), from: from.into(), to: to.into(), token: token.into() }
}

/// A step due by the plans' lock deadline.
fn step(id: usize, action: RunAction, actor: &str, depends_on: Vec<usize>) -> RunStep {
    RunStep { id, action, actor: actor.into(), depends_on, deadline: Some(START + 40) }
}

/// The arbitrage: the pool lends bob 10 on alpha, bob delivers 9.99 to carol on beta, carol
/// repays 10.009 on alpha after her own call (buying the repayment).
fn arbitrage() -> RunPlan {
    let leg = |domain, depositor, recipient, amount: u64| Leg {
        domain,
        router: acct(if domain == ALPHA { 0xa1 } else { 0xb1 }),
        depositor,
        token: acct(if domain == ALPHA { 0xa2 } else { 0xb2 }),
        amount: Amount(U256::from(amount)),
        recipient,
        action: None,
        kind: Default::default(),
    };
    let (pool, bob, carol) = (acct(0x10), acct(0x0b), acct(0x0c));
    let bundle = Bundle {
        creator: "inj1carol".into(),
        nonce: 7,
        lock_deadline: START + 40,
        settle_deadline: START + 140,
        legs: vec![leg(ALPHA, pool, bob, 10_000), leg(BETA, bob, carol, 9_990), leg(ALPHA, carol, pool, 10_009)],
    };
    let w = |chain, from, to| written(chain, from, to, "WETH");
    RunPlan {
        creator_name: "carol".into(),
        bundle,
        legs: vec![w("alpha", "LendingPool", "bob"), w("beta", "bob", "carol"), w("alpha", "carol", "LendingPool")],
        calls: vec![RunCall {
            about: "carol buys 10.009 WETH on alpha's pool".into(),
            chain: "alpha".into(),
            party: "carol".into(),
            approve: Some((acct(0xa3), acct(0xa4), 5_000)),
            target: acct(0xa4),
            data: vec![0xde, 0xad, 0xbe, 0xef],
            value: 0,
        }],
        steps: vec![
            step(0, RunAction::Register, "carol", vec![]),
            step(1, RunAction::Call { call: 0 }, "carol", vec![]),
            step(2, RunAction::Lock { leg: 0 }, "LendingPool", vec![0]),
            step(3, RunAction::Lock { leg: 1 }, "bob", vec![0]),
            step(4, RunAction::Lock { leg: 2 }, "carol", vec![0, 1]),
            step(5, RunAction::Verdict, "relayers", vec![2, 3, 4]),
            step(6, RunAction::Deliver { chain: "alpha".into() }, "relayers", vec![5]),
            step(7, RunAction::Deliver { chain: "beta".into() }, "relayers", vec![5]),
        ],
    }
}

/// Where a fake run is killed: before its `n`th action, or right after it took effect.
#[derive(Clone, Copy, Debug)]
enum Kill {
    Before(usize),
    After(usize),
}

#[derive(Default)]
struct Chains {
    now: u64,
    registered: Vec<Bundle>,
    legs: BTreeMap<usize, u8>,
    mempool: Vec<StoredTx>,
    mined: BTreeMap<Hash32, bool>,
    next_nonce: BTreeMap<AccountId, u64>,
    signed: usize,
    /// Every transaction's effect, in order ("approve …", "call 0 …", "lock leg 1", …).
    executed: Vec<String>,
    verdict: Option<Verdict>,
    /// When bob (whose key the run may not hold) locks his leg himself.
    bob_locks_at: Option<u64>,
    delivered_by_run: usize,
    refunded_by_run: usize,
}

struct Fake {
    c: RefCell<Chains>,
    held: Vec<&'static str>,
    creator: bool,
    /// The relayers deliver a verdict as soon as it is decided.
    relayers: bool,
    /// Carol's call reverts.
    call_reverts: bool,
    actions: Cell<usize>,
    kill: Cell<Option<Kill>>,
    bundle: Bundle,
}

impl Fake {
    fn new(plan: &RunPlan) -> Fake {
        Fake {
            c: RefCell::new(Chains { now: START, ..Chains::default() }),
            held: vec!["carol", "bob", "LendingPool"],
            creator: true,
            relayers: true,
            call_reverts: false,
            actions: Cell::new(0),
            kill: Cell::new(None),
            bundle: plan.bundle.clone(),
        }
    }

    fn id(&self) -> Hash32 {
        Hash32(bundle_id(&domain(), &self.bundle))
    }

    /// Counts an action; `Err` when the run is killed before it. Returns whether to kill the run
    /// right after the action took effect.
    fn act(&self) -> anyhow::Result<bool> {
        let n = self.actions.get() + 1;
        self.actions.set(n);
        match self.kill.get() {
            Some(Kill::Before(k)) if k == n => anyhow::bail!("killed before action {n}"),
            Some(Kill::After(k)) if k == n => Ok(true),
            _ => Ok(false),
        }
    }

    fn killed_after(kill: bool) -> anyhow::Result<()> {
        if kill {
            anyhow::bail!("killed after the action took effect")
        }
        Ok(())
    }

    fn legs_on(&self, chain: &str) -> Vec<usize> {
        let domain = if chain == "alpha" { ALPHA } else { BETA };
        (0..self.bundle.legs.len()).filter(|l| self.bundle.legs[*l].domain == domain).collect()
    }

    /// Ends `legs` with `code`: a locked leg, or (for a verdict, not a refund) a mint or
    /// release leg that locks nothing and is still open.
    fn settle(&self, c: &mut Chains, legs: &[usize], code: u8) -> usize {
        let mut n = 0;
        for l in legs {
            let status = c.legs.get(l).copied().unwrap_or_default();
            let unlocked = !self.bundle.legs[*l].kind.needs_lock() && status == 0 && code != 4;
            if status == LEG_LOCKED || unlocked {
                c.legs.insert(*l, code);
                n += 1;
            }
        }
        n
    }

    /// Mines a mempool transaction: its effect, by its calldata.
    fn execute(&self, c: &mut Chains, tx: &StoredTx) {
        let next = c.next_nonce.entry(tx.from).or_default();
        assert_eq!(*next, tx.nonce, "transactions of an account are mined in nonce order");
        *next += 1;
        let sel: [u8; 4] = tx.raw[..4].try_into().unwrap();
        let body = &tx.raw[4..];
        let success = if sel == MintableERC20::approveCall::SELECTOR {
            c.executed.push(format!("approve by {}", tx.about));
            true
        } else if sel == MeshRouter::lockCall::SELECTOR || sel == pool::LendingPool::lockMeshLoanCall::SELECTOR {
            let leg = if sel == MeshRouter::lockCall::SELECTOR {
                MeshRouter::lockCall::abi_decode_raw(body).unwrap().index
            } else {
                pool::LendingPool::lockMeshLoanCall::abi_decode_raw(body).unwrap().index
            } as usize;
            if c.legs.get(&leg).copied().unwrap_or_default() != 0 {
                false
            } else {
                c.legs.insert(leg, LEG_LOCKED);
                c.executed.push(format!("lock leg {leg}"));
                true
            }
        } else if self.call_reverts {
            false
        } else {
            c.executed.push(format!("call {}", alloy::primitives::hex::encode(&tx.raw[..4])));
            true
        };
        c.mined.insert(tx.hash, success);
    }
}

impl World for Fake {
    fn now(&self) -> u64 {
        self.c.borrow().now
    }

    async fn sleep(&self, d: Duration) {
        let mut c = self.c.borrow_mut();
        c.now += d.as_secs().max(1);
        if c.bob_locks_at.is_some_and(|t| c.now >= t) && !c.legs.contains_key(&1) {
            c.legs.insert(1, LEG_LOCKED);
            c.executed.push("bob locks leg 1 himself".into());
        }
    }

    fn holds(&self, party: &str) -> bool {
        self.held.contains(&party)
    }

    fn holds_creator(&self) -> bool {
        self.creator
    }

    fn is_pool(&self, _chain: &str, party: &str) -> bool {
        party == "LendingPool"
    }

    async fn escrowed_token(&self, _chain: &str, bundle: &Bundle, leg: usize) -> anyhow::Result<AccountId> {
        Ok(bundle.legs[leg].token)
    }

    async fn find_registered(&self, creator: &str, nonce: u64) -> anyhow::Result<Option<(Hash32, Bundle)>> {
        Self::killed_after(self.act()?)?;
        let c = self.c.borrow();
        Ok(c.registered
            .iter()
            .find(|b| b.creator == creator && b.nonce == nonce)
            .map(|b| (Hash32(bundle_id(&domain(), b)), b.clone())))
    }

    async fn register(&self, bundle: &Bundle) -> anyhow::Result<Hash32> {
        let kill = self.act()?;
        {
            let mut c = self.c.borrow_mut();
            if c.registered.iter().any(|b| b.creator == bundle.creator && b.nonce == bundle.nonce) {
                anyhow::bail!("nonce {} already used", bundle.nonce);
            }
            c.registered.push(bundle.clone());
        }
        Self::killed_after(kill)?;
        Ok(Hash32(bundle_id(&domain(), bundle)))
    }

    async fn hub(&self, id: Hash32) -> anyhow::Result<HubView> {
        Self::killed_after(self.act()?)?;
        assert_eq!(id, self.id());
        let mut c = self.c.borrow_mut();
        if c.verdict.is_none() {
            let n = self.bundle.legs.len();
            let locked =
                (0..n).filter(|l| self.bundle.legs[*l].kind.needs_lock()).all(|l| c.legs.get(&l) == Some(&LEG_LOCKED));
            if locked {
                c.verdict = Some(Verdict::Commit);
            } else if c.now > self.bundle.lock_deadline {
                c.verdict = Some(Verdict::Abort);
            }
            if let (Some(v), true) = (c.verdict, self.relayers) {
                let code = if v == Verdict::Commit { LEG_COMMITTED } else { 3 };
                self.settle(&mut c, &(0..n).collect::<Vec<_>>(), code);
            }
        }
        Ok(HubView { verdict: c.verdict, attested: c.verdict.is_some() })
    }

    async fn leg_status(&self, _chain: &str, id: Hash32, leg: usize) -> anyhow::Result<u8> {
        Self::killed_after(self.act()?)?;
        assert_eq!(id, self.id());
        Ok(self.c.borrow().legs.get(&leg).copied().unwrap_or_default())
    }

    async fn sign(&self, tx: &TxRequest) -> anyhow::Result<StoredTx> {
        // a signature has no effect outside the run: killed after it is killed before it
        Self::killed_after(self.act()?)?;
        let mut c = self.c.borrow_mut();
        c.signed += 1;
        let from = acct(tx.party.len() as u8);
        let pending = c.mempool.iter().filter(|t| t.from == from).count() as u64;
        let nonce = c.next_nonce.get(&from).copied().unwrap_or_default() + pending;
        // a new signature is a new transaction: the counter makes every hash different
        let hash = Hash32(keccak256([tx.data.as_slice(), &nonce.to_be_bytes(), &c.signed.to_be_bytes()].concat()));
        Ok(StoredTx {
            chain: tx.chain.clone(),
            about: tx.about.clone(),
            raw: tx.data.clone(),
            hash,
            from,
            nonce,
            mined: None,
            block: None,
        })
    }

    async fn broadcast(&self, tx: &StoredTx) -> anyhow::Result<()> {
        let kill = self.act()?;
        {
            let mut c = self.c.borrow_mut();
            let used = c.next_nonce.get(&tx.from).copied().unwrap_or_default() > tx.nonce;
            if !c.mined.contains_key(&tx.hash) && !used && !c.mempool.iter().any(|t| t.hash == tx.hash) {
                c.mempool.push(tx.clone());
            }
        }
        Self::killed_after(kill)
    }

    async fn outcome(&self, tx: &StoredTx) -> anyhow::Result<TxOutcome> {
        Self::killed_after(self.act()?)?;
        let mut c = self.c.borrow_mut();
        if let Some(at) = c.mempool.iter().position(|t| t.hash == tx.hash) {
            let t = c.mempool.remove(at);
            self.execute(&mut c, &t);
        }
        Ok(match c.mined.get(&tx.hash) {
            Some(success) => TxOutcome::Mined { success: *success, block: 5 },
            None if c.next_nonce.get(&tx.from).copied().unwrap_or_default() > tx.nonce => TxOutcome::Replaced,
            None => TxOutcome::Pending,
        })
    }

    async fn deliver(&self, chain: &str, _id: Hash32) -> anyhow::Result<usize> {
        let kill = self.act()?;
        let n = {
            let mut c = self.c.borrow_mut();
            let code = if c.verdict == Some(Verdict::Commit) { LEG_COMMITTED } else { 3 };
            let n = self.settle(&mut c, &self.legs_on(chain), code);
            c.delivered_by_run += n;
            n
        };
        Self::killed_after(kill)?;
        Ok(n)
    }

    async fn refund(&self, _chain: &str, _bundle: &Bundle, legs: &[usize]) -> anyhow::Result<usize> {
        let kill = self.act()?;
        let n = {
            let mut c = self.c.borrow_mut();
            if c.now < self.bundle.settle_deadline {
                0
            } else {
                let n = self.settle(&mut c, legs, 4);
                c.refunded_by_run += n;
                n
            }
        };
        Self::killed_after(kill)?;
        Ok(n)
    }

    async fn balances(&self, _plan: &RunPlan) -> anyhow::Result<Vec<Balance>> {
        Ok(vec![])
    }
}

#[derive(Default)]
struct Recorded(Vec<Event>);

impl Events for Recorded {
    fn emit(&mut self, e: &Event) {
        self.0.push(e.clone());
    }
}

fn opts() -> RunOptions {
    RunOptions {
        poll: Duration::from_secs(1),
        tx_timeout: Duration::from_secs(60),
        deliver_after: Duration::from_secs(5),
    }
}

async fn run_once(fake: &Fake, state: &std::path::Path, plan: &RunPlan) -> (Result<RunOutcome, RunError>, Vec<Event>) {
    let store = RunStore::open(state).unwrap();
    let mut ev = Recorded::default();
    let p = plan.clone();
    let r = run(fake, &store, &mut ev, &domain(), "spec-1", move || Ok(p), opts()).await;
    (r, ev.0)
}

/// What one uninterrupted run of the arbitrage does, every transaction once.
const EFFECTS: [&str; 7] = [
    "approve by approve for call 0",
    "call deadbeef",
    "lock leg 0",
    "approve by approve the Router for leg 1",
    "lock leg 1",
    "approve by approve the Router for leg 2",
    "lock leg 2",
];

#[tokio::test]
async fn an_uninterrupted_run_registers_once_calls_once_locks_each_leg_once_and_commits() {
    let plan = arbitrage();
    let fake = Fake::new(&plan);
    let dir = tempfile::tempdir().unwrap();
    let (r, events) = run_once(&fake, &dir.path().join("run.redb"), &plan).await;
    assert_eq!(r.unwrap(), RunOutcome::Committed);
    let c = fake.c.borrow();
    assert_eq!(c.registered.len(), 1);
    assert_eq!(c.executed, EFFECTS);
    assert_eq!(c.signed, EFFECTS.len(), "one signature per transaction");
    assert_eq!(RunOutcome::Committed.exit_code(), 0);
    assert!(events.iter().any(|e| matches!(e, Event::Verdict { verdict: "COMMIT" })));
    assert!(matches!(events.last(), Some(Event::Outcome { outcome: "commit", code: 0, .. })));
    let done = events.iter().filter(|e| matches!(e, Event::StepDone { .. })).count();
    assert_eq!(done, plan.steps.len(), "every step finished once");
}

#[tokio::test]
async fn a_run_killed_at_every_action_boundary_and_restarted_ends_the_same_with_nothing_twice() {
    let plan = arbitrage();
    let total = {
        let fake = Fake::new(&plan);
        let dir = tempfile::tempdir().unwrap();
        run_once(&fake, &dir.path().join("run.redb"), &plan).await.0.unwrap();
        fake.actions.get()
    };
    assert!(total > 20, "the run takes many actions ({total})");
    for n in 1..=total {
        for kill in [Kill::Before(n), Kill::After(n)] {
            let fake = Fake::new(&plan);
            let dir = tempfile::tempdir().unwrap();
            let state = dir.path().join("run.redb");
            fake.kill.set(Some(kill));
            let (first, _) = run_once(&fake, &state, &plan).await;
            let first = first.expect_err("the run is killed");
            assert!(format!("{first}").contains("killed"), "{kill:?}: {first}");
            fake.kill.set(None);
            let (again, events) = run_once(&fake, &state, &plan).await;
            assert_eq!(again.unwrap(), RunOutcome::Committed, "{kill:?}");
            assert!(matches!(events.first(), Some(Event::Started { resumed: true, .. })));
            let c = fake.c.borrow();
            assert_eq!(c.registered.len(), 1, "{kill:?}: one registration");
            assert_eq!(c.executed, EFFECTS, "{kill:?}: each transaction's effect once, in order");
            assert_eq!(c.signed, EFFECTS.len(), "{kill:?}: no transaction signed twice");
        }
    }
}

#[tokio::test]
async fn a_finished_run_started_again_sends_nothing() {
    let plan = arbitrage();
    let fake = Fake::new(&plan);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("run.redb");
    run_once(&fake, &state, &plan).await.0.unwrap();
    let (again, events) = run_once(&fake, &state, &plan).await;
    assert_eq!(again.unwrap(), RunOutcome::Committed);
    assert!(!events.iter().any(|e| matches!(e, Event::TxSent { .. } | Event::StepStarted { .. })), "{events:?}");
    assert_eq!(fake.c.borrow().signed, EFFECTS.len());
}

#[tokio::test]
async fn a_reverted_call_is_an_error_naming_its_step_again_after_a_restart_and_never_re_sent() {
    let plan = arbitrage();
    let mut fake = Fake::new(&plan);
    fake.call_reverts = true;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("run.redb");
    for _ in 0..2 {
        let err = run_once(&fake, &state, &plan).await.0.unwrap_err();
        assert!(matches!(&err, RunError::Reverted { step: 1, .. }), "{err}");
        assert_eq!(err.exit_code(), 4);
        assert!(err.to_string().starts_with("step 1 (call 0): transaction 0x"), "{err}");
    }
    let c = fake.c.borrow();
    assert_eq!(c.signed, 2, "the approve and the call, signed once");
    assert!(c.legs.is_empty(), "nothing locked after the call failed");
}

#[tokio::test]
async fn another_partys_lock_is_waited_for_and_recognised_on_its_chain() {
    let plan = arbitrage();
    let mut fake = Fake::new(&plan);
    fake.held = vec!["carol", "LendingPool"];
    fake.c.borrow_mut().bob_locks_at = Some(START + 15);
    let dir = tempfile::tempdir().unwrap();
    let (r, events) = run_once(&fake, &dir.path().join("run.redb"), &plan).await;
    assert_eq!(r.unwrap(), RunOutcome::Committed);
    assert!(events.iter().any(|e| matches!(e, Event::Waiting { step: 3, .. })));
    assert!(events.iter().any(|e| matches!(e, Event::StepDone { step: 3, end: StepEnd::Found, .. })));
    let c = fake.c.borrow();
    assert!(c.executed.contains(&"bob locks leg 1 himself".to_string()));
    assert_eq!(c.signed, 5, "no transaction of bob's");
}

#[tokio::test]
async fn a_lock_never_made_ends_in_abort_refunded_by_the_run_with_its_own_exit_code() {
    let plan = arbitrage();
    let mut fake = Fake::new(&plan);
    fake.held = vec!["carol", "LendingPool"];
    fake.relayers = false;
    let dir = tempfile::tempdir().unwrap();
    let (r, events) = run_once(&fake, &dir.path().join("run.redb"), &plan).await;
    let outcome = r.unwrap();
    assert_eq!((outcome, outcome.exit_code()), (RunOutcome::Aborted, 3));
    assert!(events.iter().any(|e| matches!(e, Event::StepDone { step: 3, end: StepEnd::Missed, .. })));
    assert!(events.iter().any(|e| matches!(e, Event::Verdict { verdict: "ABORT" })));
    let c = fake.c.borrow();
    // nobody delivered the ABORT: the run did, after its margin
    assert_eq!(c.delivered_by_run, 2);
    assert_eq!((c.legs[&0], c.legs[&2]), (3, 3));
}

#[tokio::test]
async fn an_undelivered_commit_is_delivered_by_the_run_after_its_margin() {
    let plan = arbitrage();
    let mut fake = Fake::new(&plan);
    fake.relayers = false;
    let dir = tempfile::tempdir().unwrap();
    let (r, events) = run_once(&fake, &dir.path().join("run.redb"), &plan).await;
    assert_eq!(r.unwrap(), RunOutcome::Committed);
    assert_eq!(fake.c.borrow().delivered_by_run, 3);
    assert_eq!(events.iter().filter(|e| matches!(e, Event::Delivered { .. })).count(), 2, "alpha and beta");
}

/// Lock-and-mint: alice locks 100 on alpha, beta's Router mints 100 to her (protocol §13).
fn lock_and_mint() -> RunPlan {
    let (alice, router_a, router_b) = (acct(0x0a), acct(0xa1), acct(0xb1));
    let token = acct(0xa2);
    let lock = Leg {
        domain: ALPHA,
        router: router_a,
        depositor: alice,
        token,
        amount: Amount(U256::from(100u64)),
        recipient: router_a,
        action: None,
        kind: LegKind::Lock,
    };
    let mint = Leg {
        domain: BETA,
        router: router_b,
        depositor: router_b,
        recipient: alice,
        kind: LegKind::Mint { origin_domain: ALPHA },
        ..lock.clone()
    };
    let bundle = Bundle {
        creator: "inj1alice".into(),
        nonce: 3,
        lock_deadline: START + 40,
        settle_deadline: START + 140,
        legs: vec![lock, mint],
    };
    let w = |chain, from, to| written(chain, from, to, "USDC");
    RunPlan {
        creator_name: "alice".into(),
        bundle,
        legs: vec![w("alpha", "alice", "router"), w("beta", "router", "alice")],
        calls: vec![],
        // as the planner makes them: no lock step for the mint leg
        steps: vec![
            step(0, RunAction::Register, "alice", vec![]),
            step(1, RunAction::Lock { leg: 0 }, "alice", vec![0]),
            step(2, RunAction::Verdict, "relayers", vec![1]),
            step(3, RunAction::Deliver { chain: "alpha".into() }, "relayers", vec![2]),
            step(4, RunAction::Deliver { chain: "beta".into() }, "relayers", vec![2]),
        ],
    }
}

#[tokio::test]
async fn a_mint_leg_is_never_locked_and_an_undelivered_mint_is_delivered_by_the_run() {
    let plan = lock_and_mint();
    let mut fake = Fake::new(&plan);
    fake.held = vec!["alice"];
    fake.relayers = false;
    let dir = tempfile::tempdir().unwrap();
    let (r, events) = run_once(&fake, &dir.path().join("run.redb"), &plan).await;
    assert_eq!(r.unwrap(), RunOutcome::Committed);
    let c = fake.c.borrow();
    assert_eq!(c.executed, ["approve by approve the Router for leg 0", "lock leg 0"], "only the lock is sent");
    assert_eq!(c.delivered_by_run, 2, "the lock on alpha and the open mint on beta");
    assert_eq!(c.legs[&1], LEG_COMMITTED, "the mint committed");
    assert_eq!(events.iter().filter(|e| matches!(e, Event::Delivered { .. })).count(), 2, "alpha and beta");
}

#[tokio::test]
async fn an_aborted_lock_and_mint_refunds_the_lock_and_never_waits_on_the_mint() {
    let plan = lock_and_mint();
    let mut fake = Fake::new(&plan);
    fake.held = vec![]; // alice never locks
    fake.creator = true;
    fake.relayers = false;
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = run_once(&fake, &dir.path().join("run.redb"), &plan).await;
    assert_eq!(r.unwrap(), RunOutcome::Aborted);
    let c = fake.c.borrow();
    assert!(c.executed.is_empty(), "nothing was locked");
    assert_eq!((c.refunded_by_run, c.delivered_by_run), (0, 0), "nothing to refund, no ABORT owed to the mint");
    assert_eq!(c.legs.get(&1), None, "the mint leg was left alone");
}

#[tokio::test]
async fn a_stored_transaction_whose_nonce_another_took_is_an_error_and_never_re_signed() {
    let plan = arbitrage();
    let fake = Fake::new(&plan);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("run.redb");
    // killed right after the first transaction was signed and stored, before its broadcast
    // (actions: find_registered, register, sign, broadcast)
    fake.kill.set(Some(Kill::Before(4)));
    run_once(&fake, &state, &plan).await.0.unwrap_err();
    fake.kill.set(None);
    // carol's wallet sends something else with that nonce meanwhile
    *fake.c.borrow_mut().next_nonce.entry(acct("carol".len() as u8)).or_default() += 1;
    let err = run_once(&fake, &state, &plan).await.0.unwrap_err();
    assert!(matches!(err, RunError::Replaced { step: 1, nonce: 0, .. }), "{err}");
    assert_eq!(fake.c.borrow().signed, 1);
}

#[tokio::test]
async fn a_state_file_started_for_another_spec_is_refused_before_any_action() {
    let plan = arbitrage();
    let fake = Fake::new(&plan);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("run.redb");
    fake.kill.set(Some(Kill::Before(1)));
    run_once(&fake, &state, &plan).await.0.unwrap_err();
    let store = RunStore::open(&state).unwrap();
    let p = plan.clone();
    let err =
        run(&fake, &store, &mut Recorded::default(), &domain(), "spec-2", move || Ok(p), opts()).await.unwrap_err();
    assert!(matches!(err, RunError::OtherSpec { .. }), "{err}");
    assert_eq!(fake.actions.get(), 1);
}

#[test]
fn the_store_keeps_the_plan_steps_and_signed_transactions_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    let plan = arbitrage();
    let tx = StoredTx {
        chain: "alpha".into(),
        about: "lock leg 2".into(),
        raw: vec![1, 2, 3],
        hash: Hash32([9; 32].into()),
        from: acct(3),
        nonce: 4,
        mined: None,
        block: None,
    };
    {
        let s = RunStore::open(&path).unwrap();
        s.put_plan("abc", &plan).unwrap();
        s.put_tx(4, 1, &tx).unwrap();
        s.finish_step(0, &store::StepRecord { end: StepEnd::Done, note: "registered".into() }).unwrap();
    }
    let s = RunStore::open(&path).unwrap();
    assert_eq!(s.plan().unwrap(), Some(("abc".to_string(), plan)));
    assert_eq!(s.tx(4, 1).unwrap(), Some(tx.clone()));
    assert_eq!(s.tx(4, 0).unwrap(), None);
    assert_eq!(s.txs().unwrap(), vec![((4, 1), tx)]);
    assert_eq!(s.step(0).unwrap().unwrap().end, StepEnd::Done);
    assert_eq!(s.step(1).unwrap(), None);
}
