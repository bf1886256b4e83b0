//! `mesh bundle run`: a plan run as a coordination plan ([`mesh_planner::steps::Steps`]) —
//! register, the parties' own calls, the locks whose keys this run holds; the other parties'
//! steps are waited for on the hub and the chains; then the verdict is followed until every leg
//! is final on its chain, delivered here if the relayers have not after a margin, refunded here
//! once refunds open if no verdict reached a chain.
//!
//! Crash safety (the store's layout is in [`store`]):
//! - the plan (bundle, deadlines, legs, calls, steps) is frozen in the store before anything is
//!   sent; a restart never plans again, so the bundle it registers and locks is the same;
//! - every EVM transaction is signed, stored (raw bytes and hash), and only then broadcast; a
//!   restart re-broadcasts the *same* raw bytes and waits for their receipt, so a step never
//!   sends a second, different transaction (a swap run twice would lose money); a stored
//!   transaction whose nonce another transaction took is an error, never a re-sign;
//! - before a step, the hub and the chain are asked whether it is done already (bundle
//!   registered under this creator and nonce, leg locked): a step done by anyone is recognised;
//! - the registration itself is a hub transaction on (creator, nonce), which the hub accepts
//!   once: a re-sent registration of the frozen bundle can never make a second bundle;
//! - deliveries and refunds read each leg's Router state first and settle only legs still
//!   escrowed (the Router refuses to settle a leg twice), so repeating them moves nothing twice.
//!
//! The engine is generic over a [`World`] (the hub and the chains); [`chain::NetworkWorld`] is
//! the real one, the tests use a fake.
pub mod chain;
pub mod events;
pub mod store;

use std::time::Duration;

use alloy::sol_types::SolCall;
use mesh_chain_evm::bindings::{MeshRouter, MintableERC20};
use mesh_planner::spec::Plan;
use mesh_planner::steps::{Action, Steps};
use mesh_protocol::eip712::{bundle_id, creator_hash, leg_hash, HubDomain};
use mesh_protocol::{AccountId, Bundle, Hash32, Verdict};
use serde::{Deserialize, Serialize};

pub use events::{Event, Events};
use store::{RunStore, StepEnd, StepRecord, StoreError};

mod pool {
    #![allow(missing_docs, clippy::too_many_arguments)]
    alloy::sol!(LendingPool, "../abi/LendingPool.json");
}

/// A Router leg state (`IMeshRouter.LegStatus`): nothing locked (or, for a mint or release leg,
/// not yet settled).
pub const LEG_NOT_LOCKED: u8 = 0;
/// Locked, escrowed.
pub const LEG_LOCKED: u8 = 1;
/// Delivered to its recipient on COMMIT.
pub const LEG_COMMITTED: u8 = 2;

/// One leg as the spec writes it (names, for events and for finding keys).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunLeg {
    pub chain: String,
    pub from: String,
    pub to: String,
    pub token: String,
}

/// A party's own call ([`mesh_planner::spec::PlannedCall`]), frozen in the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCall {
    pub about: String,
    pub chain: String,
    pub party: String,
    /// (token, spender, amount) of the approval sent first.
    pub approve: Option<(AccountId, AccountId, u128)>,
    pub target: AccountId,
    #[serde(with = "hex_bytes")]
    pub data: Vec<u8>,
    pub value: u128,
}

/// A step ([`mesh_planner::steps::Step`]), frozen in the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStep {
    pub id: usize,
    pub action: RunAction,
    pub actor: String,
    pub depends_on: Vec<usize>,
    pub deadline: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunAction {
    Register,
    Call { call: usize },
    Lock { leg: usize },
    Verdict,
    Deliver { chain: String },
}

impl std::fmt::Display for RunAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunAction::Register => write!(f, "register"),
            RunAction::Call { call } => write!(f, "call {call}"),
            RunAction::Lock { leg } => write!(f, "lock leg {leg}"),
            RunAction::Verdict => write!(f, "verdict"),
            RunAction::Deliver { chain } => write!(f, "deliver on {chain}"),
        }
    }
}

/// What a run executes: the plan as it was on the first start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunPlan {
    /// The creator as the spec names it (the actor of the registration).
    pub creator_name: String,
    /// The bundle: as planned until registered, then as the hub registered it.
    pub bundle: Bundle,
    pub legs: Vec<RunLeg>,
    pub calls: Vec<RunCall>,
    pub steps: Vec<RunStep>,
}

impl RunPlan {
    pub fn of(plan: &Plan) -> RunPlan {
        let steps = Steps::of(plan)
            .0
            .into_iter()
            .map(|s| RunStep {
                id: s.id,
                action: match s.action {
                    Action::Register => RunAction::Register,
                    Action::Call { call } => RunAction::Call { call },
                    Action::Lock { leg } => RunAction::Lock { leg },
                    Action::Verdict => RunAction::Verdict,
                    Action::Deliver { chain } => RunAction::Deliver { chain },
                },
                actor: s.actor,
                depends_on: s.depends_on,
                deadline: s.deadline,
            })
            .collect();
        RunPlan {
            creator_name: plan.creator_name.clone(),
            bundle: plan.bundle.clone(),
            legs: plan
                .written
                .iter()
                .map(|w| RunLeg {
                    chain: w.chain.clone(),
                    from: w.from.clone(),
                    to: w.to.clone(),
                    token: w.token.clone(),
                })
                .collect(),
            calls: plan
                .calls
                .iter()
                .map(|c| RunCall {
                    about: c.about.clone(),
                    chain: c.chain.clone(),
                    party: c.party.clone(),
                    approve: c.approve.as_ref().map(|a| (a.token, a.spender, a.amount)),
                    target: c.target,
                    data: c.data.clone(),
                    value: c.value,
                })
                .collect(),
            steps,
        }
    }

    fn order(&self) -> Result<Vec<usize>, RunError> {
        let steps = Steps(
            self.steps
                .iter()
                .map(|s| mesh_planner::steps::Step {
                    id: s.id,
                    action: Action::Verdict,
                    actor: s.actor.clone(),
                    depends_on: s.depends_on.clone(),
                    deadline: s.deadline,
                })
                .collect(),
        );
        steps.order().map_err(|e| RunError::Plan(e.to_string()))
    }
}

/// An unsigned EVM transaction a step sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxRequest {
    pub chain: String,
    /// The party (as the spec names it) whose key signs.
    pub party: String,
    /// What it does, for people ("approve", "lock leg 2", "call 0: …").
    pub about: String,
    pub to: AccountId,
    pub data: Vec<u8>,
    pub value: u128,
}

/// A signed transaction, as stored before its broadcast.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredTx {
    pub chain: String,
    pub about: String,
    /// The signed transaction (EIP-2718 bytes), re-broadcast as is after a restart.
    #[serde(with = "hex_bytes")]
    pub raw: Vec<u8>,
    pub hash: Hash32,
    pub from: AccountId,
    pub nonce: u64,
    /// `Some(success)` once mined.
    pub mined: Option<bool>,
    pub block: Option<u64>,
}

/// A signed transaction's fate on its chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxOutcome {
    /// Not mined yet (or unknown to the node).
    Pending,
    Mined {
        success: bool,
        block: u64,
    },
    /// Its nonce was taken by another transaction of the same account.
    Replaced,
}

/// What the hub says about the bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct HubView {
    pub verdict: Option<Verdict>,
    /// The verdict's batch is attested: anyone can deliver it.
    pub attested: bool,
}

/// One party's balance of one token on one chain, at the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Balance {
    pub party: String,
    pub chain: String,
    pub token: String,
    /// Base units, as a decimal string.
    pub amount: String,
}

/// The hub and the chains, as the engine sees them. Every method is one question or one action;
/// a method that fails leaves the step to be tried again on the next run.
#[allow(async_fn_in_trait)]
pub trait World {
    /// Unix seconds (the deadlines are in it).
    fn now(&self) -> u64;
    async fn sleep(&self, d: Duration);
    /// This run holds `party`'s EVM key (for a contract depositor: the key that locks for it).
    fn holds(&self, party: &str) -> bool;
    /// This run holds the creator's hub key.
    fn holds_creator(&self) -> bool;
    /// `party` is a lending pool of `chain` that locks its loan legs itself (`lockMeshLoan`,
    /// signed by its owner's key, held under the pool's name).
    fn is_pool(&self, chain: &str, party: &str) -> bool;
    /// The bundle the hub registered under `creator` and `nonce`, if any.
    async fn find_registered(&self, creator: &str, nonce: u64) -> anyhow::Result<Option<(Hash32, Bundle)>>;
    async fn register(&self, bundle: &Bundle) -> anyhow::Result<Hash32>;
    async fn hub(&self, id: Hash32) -> anyhow::Result<HubView>;
    async fn leg_status(&self, chain: &str, id: Hash32, leg: usize) -> anyhow::Result<u8>;
    /// The token leg `leg` of `bundle` escrows at lock on `chain` (its depositor approves it): the
    /// leg's token, or for a burn leg the Router's wrapped token.
    async fn escrowed_token(&self, chain: &str, bundle: &Bundle, leg: usize) -> anyhow::Result<AccountId>;
    async fn sign(&self, tx: &TxRequest) -> anyhow::Result<StoredTx>;
    /// Broadcasts a signed transaction; one the node already has (or has mined) is no error.
    async fn broadcast(&self, tx: &StoredTx) -> anyhow::Result<()>;
    async fn outcome(&self, tx: &StoredTx) -> anyhow::Result<TxOutcome>;
    /// Delivers the decided verdict to the still-escrowed legs of `chain`; returns legs settled.
    async fn deliver(&self, chain: &str, id: Hash32) -> anyhow::Result<usize>;
    /// Refunds `legs` of `chain` with `refundExpired` if refunds are open; returns legs refunded.
    async fn refund(&self, chain: &str, bundle: &Bundle, legs: &[usize]) -> anyhow::Result<usize>;
    async fn balances(&self, plan: &RunPlan) -> anyhow::Result<Vec<Balance>>;
}

/// Why a run stopped without the planned outcome.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("plan: {0}")]
    Plan(String),
    #[error("the state file was started for another spec (keccak-256 {stored}, the spec now is {now}): use a new --state, or the spec it ran")]
    OtherSpec { stored: String, now: String },
    #[error("step {step} ({action}): transaction {hash} on {chain} ({about}) reverted")]
    Reverted { step: usize, action: String, chain: String, about: String, hash: Hash32 },
    #[error("step {step} ({action}): the nonce {nonce} of transaction {hash} on {chain} was taken by another transaction of {from}; nothing was re-signed (look at that account, then use a new --state)")]
    Replaced { step: usize, action: String, chain: String, hash: Hash32, from: String, nonce: u64 },
    #[error("step {step} ({action}): transaction {hash} on {chain} not mined within {secs} s; run again to keep waiting (the same signed transaction is re-sent)")]
    NotMined { step: usize, action: String, chain: String, hash: Hash32, secs: u64 },
    #[error("nonce {nonce} of the creator is used by bundle {found} on the hub, not by this run's bundle {planned}: choose another nonce")]
    NonceTaken { nonce: u64, found: Hash32, planned: Hash32 },
    #[error("the bundle was not registered by its creator before the lock deadline (this run does not hold the creator's hub key)")]
    NotRegistered,
    #[error("step {step} ({action}): {source:#}")]
    Step { step: usize, action: String, source: anyhow::Error },
    #[error("the legs ended neither all delivered nor all returned (Router states {codes:?})")]
    Split { codes: Vec<u8> },
}

impl RunError {
    /// The process exit code of a failed run (`1` for anything else than a named cause).
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Reverted { .. } | RunError::Replaced { .. } => 4,
            RunError::NotMined { .. } => 5,
            _ => 1,
        }
    }
}

/// How a finished run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// COMMIT, delivered on every chain: the planned outcome.
    Committed,
    /// ABORT (or no verdict): every escrowed leg back with its depositor.
    Aborted,
}

impl RunOutcome {
    /// 0 for the planned outcome; 3 for ABORT with every leg returned.
    pub fn exit_code(self) -> i32 {
        match self {
            RunOutcome::Committed => 0,
            RunOutcome::Aborted => 3,
        }
    }
}

/// Timings of a run.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    /// Between two looks at the hub or a chain.
    pub poll: Duration,
    /// How long a transaction may stay unmined before the run stops (a restart keeps waiting).
    pub tx_timeout: Duration,
    /// How long an attested verdict may go undelivered by the relayers before the run delivers it.
    pub deliver_after: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            poll: Duration::from_secs(1),
            tx_timeout: Duration::from_secs(120),
            deliver_after: Duration::from_secs(20),
        }
    }
}

/// The keccak-256 of a spec's text, which ties a state file to its spec.
pub fn spec_fingerprint(text: &[u8]) -> String {
    alloy::primitives::keccak256(text).to_string()
}

/// Runs `plan` (or, after a restart, the plan frozen in `store`) to its end.
pub async fn run<W: World, E: Events>(
    world: &W,
    store: &RunStore,
    events: &mut E,
    domain: &HubDomain,
    spec_sha: &str,
    fresh: impl FnOnce() -> Result<RunPlan, RunError>,
    opts: RunOptions,
) -> Result<RunOutcome, RunError> {
    let (plan, resumed) = match store.plan()? {
        Some((stored, plan)) => {
            if stored != spec_sha {
                return Err(RunError::OtherSpec { stored, now: spec_sha.to_string() });
            }
            (plan, true)
        }
        None => {
            let plan = fresh()?;
            store.put_plan(spec_sha, &plan)?;
            (plan, false)
        }
    };
    let mut e = Engine { world, store, events, plan, domain, spec_sha, opts, attested_at: None };
    e.events.emit(&Event::Started {
        bundle_id: e.id(),
        steps: e.plan.steps.len(),
        resumed,
        state: resumed.then(|| e.progress()).transpose()?.unwrap_or_default(),
    });
    e.run().await
}

struct Engine<'a, W, E> {
    world: &'a W,
    store: &'a RunStore,
    events: &'a mut E,
    plan: RunPlan,
    domain: &'a HubDomain,
    spec_sha: &'a str,
    opts: RunOptions,
    /// When this run first saw the verdict attested (for the delivery margin).
    attested_at: Option<u64>,
}

/// A passive step's look: finished, or not yet.
enum Look {
    Finished(StepEnd, String),
    NotYet,
}

impl<W: World, E: Events> Engine<'_, W, E> {
    fn id(&self) -> Hash32 {
        Hash32(bundle_id(self.domain, &self.plan.bundle))
    }

    fn progress(&self) -> Result<usize, RunError> {
        let mut n = 0;
        for s in &self.plan.steps {
            n += usize::from(self.store.step(s.id)?.is_some());
        }
        Ok(n)
    }

    fn step_err(&self, step: usize, source: anyhow::Error) -> RunError {
        RunError::Step { step, action: self.plan.steps[step].action.to_string(), source }
    }

    fn finish(&mut self, step: usize, end: StepEnd, note: String) -> Result<(), RunError> {
        self.store.finish_step(step, &StepRecord { end: end.clone(), note: note.clone() })?;
        let s = &self.plan.steps[step];
        self.events.emit(&Event::StepDone { step, action: s.action.to_string(), end, note });
        Ok(())
    }

    /// A step this run takes itself (it holds the actor's key); passive ones are watched.
    fn is_active(&self, step: usize) -> bool {
        let s = &self.plan.steps[step];
        match &s.action {
            RunAction::Register => self.world.holds_creator(),
            RunAction::Call { call } => self.world.holds(&self.plan.calls[*call].party),
            RunAction::Lock { leg } => self.world.holds(&self.plan.legs[*leg].from),
            RunAction::Verdict | RunAction::Deliver { .. } => false,
        }
    }

    async fn run(&mut self) -> Result<RunOutcome, RunError> {
        self.plan.order()?;
        let mut done: Vec<usize> = Vec::new();
        for s in &self.plan.steps {
            if self.store.step(s.id)?.is_some() {
                done.push(s.id);
            }
        }
        let mut waiting_told: Vec<usize> = Vec::new();
        loop {
            let ready = self.ready(&done);
            if ready.is_empty() {
                break;
            }
            // the run's own steps first, in id order; then one look at each step it waits for
            if let Some(&step) = ready.iter().find(|s| self.is_active(**s)) {
                self.started(step);
                self.active(step).await?;
                done.push(step);
                continue;
            }
            let mut progressed = false;
            for step in ready {
                if !waiting_told.contains(&step) {
                    waiting_told.push(step);
                    let s = &self.plan.steps[step];
                    self.events.emit(&Event::Waiting {
                        step,
                        action: s.action.to_string(),
                        actor: s.actor.clone(),
                        deadline: s.deadline,
                    });
                }
                if let Look::Finished(end, note) = self.look(step).await? {
                    self.finish(step, end, note)?;
                    done.push(step);
                    progressed = true;
                }
            }
            if !progressed {
                self.world.sleep(self.opts.poll).await;
            }
        }
        self.outcome().await
    }

    fn ready(&self, done: &[usize]) -> Vec<usize> {
        self.plan
            .steps
            .iter()
            .filter(|s| !done.contains(&s.id) && s.depends_on.iter().all(|d| done.contains(d)))
            .map(|s| s.id)
            .collect()
    }

    fn started(&mut self, step: usize) {
        let s = &self.plan.steps[step];
        self.events.emit(&Event::StepStarted { step, action: s.action.to_string(), actor: s.actor.clone() });
    }

    /// Takes one of the run's own steps, after checking whether anyone did it already.
    async fn active(&mut self, step: usize) -> Result<(), RunError> {
        match self.plan.steps[step].action.clone() {
            RunAction::Register => self.register(step).await,
            RunAction::Call { call } => {
                let txs = self.call_txs(call);
                self.send_all(step, &txs).await?;
                self.finish(step, StepEnd::Done, self.plan.calls[call].about.clone())
            }
            RunAction::Lock { leg } => {
                let chain = self.plan.legs[leg].chain.clone();
                let id = self.id();
                let status = self.world.leg_status(&chain, id, leg).await.map_err(|e| self.step_err(step, e))?;
                let signed_here = self.store.tx(step, 0)?.is_some();
                if status != 0 {
                    return self.finish(step, StepEnd::Found, format!("leg {leg} already locked on {chain}"));
                }
                if !signed_here && self.world.now() > self.plan.bundle.lock_deadline {
                    return self.finish(
                        step,
                        StepEnd::Missed,
                        format!("the lock deadline passed before leg {leg} was locked"),
                    );
                }
                let token = self
                    .world
                    .escrowed_token(&chain, &self.plan.bundle, leg)
                    .await
                    .map_err(|e| self.step_err(step, e))?;
                let txs = self.lock_txs(leg, token);
                self.send_all(step, &txs).await?;
                self.finish(step, StepEnd::Done, format!("leg {leg} locked on {chain}"))
            }
            RunAction::Verdict | RunAction::Deliver { .. } => unreachable!("watched, not taken"),
        }
    }

    async fn register(&mut self, step: usize) -> Result<(), RunError> {
        let planned = self.id();
        let (creator, nonce) = (self.plan.bundle.creator.clone(), self.plan.bundle.nonce);
        let found = self.world.find_registered(&creator, nonce).await.map_err(|e| self.step_err(step, e))?;
        match found {
            Some((id, _)) if id == planned => {
                self.store.put_registered(id)?;
                self.events.emit(&Event::Registered { bundle_id: id });
                self.finish(step, StepEnd::Found, format!("bundle {id} already registered"))
            }
            Some((found, _)) => Err(RunError::NonceTaken { nonce, found, planned }),
            None => {
                if self.world.now() > self.plan.bundle.lock_deadline {
                    return Err(self.step_err(
                        step,
                        anyhow::anyhow!("the planned lock deadline passed before the bundle was registered"),
                    ));
                }
                let id = self.world.register(&self.plan.bundle).await.map_err(|e| self.step_err(step, e))?;
                self.store.put_registered(id)?;
                self.events.emit(&Event::Registered { bundle_id: id });
                self.finish(step, StepEnd::Done, format!("bundle {id} registered"))
            }
        }
    }

    /// Looks once at a step another actor takes (or the hub, or the chains).
    async fn look(&mut self, step: usize) -> Result<Look, RunError> {
        let now = self.world.now();
        match self.plan.steps[step].action.clone() {
            RunAction::Register => {
                let (creator, nonce) = (self.plan.bundle.creator.clone(), self.plan.bundle.nonce);
                match self.world.find_registered(&creator, nonce).await.map_err(|e| self.step_err(step, e))? {
                    Some((id, bundle)) => {
                        // the creator registered its own deadlines: the run follows the hub's bundle
                        self.plan.bundle = bundle;
                        self.store.put_plan(self.spec_sha, &self.plan)?;
                        self.store.put_registered(id)?;
                        self.events.emit(&Event::Registered { bundle_id: id });
                        Ok(Look::Finished(StepEnd::Found, format!("bundle {id} registered by its creator")))
                    }
                    None if now > self.plan.bundle.lock_deadline => Err(RunError::NotRegistered),
                    None => Ok(Look::NotYet),
                }
            }
            RunAction::Call { call } => Ok(Look::Finished(
                StepEnd::LeftToParty,
                format!("{}'s own call ({})", self.plan.calls[call].party, self.plan.calls[call].about),
            )),
            RunAction::Lock { leg } => {
                let chain = self.plan.legs[leg].chain.clone();
                let status = self.world.leg_status(&chain, self.id(), leg).await.map_err(|e| self.step_err(step, e))?;
                if status != 0 {
                    Ok(Look::Finished(
                        StepEnd::Found,
                        format!("{} locked leg {leg} on {chain}", self.plan.legs[leg].from),
                    ))
                } else if now > self.plan.bundle.lock_deadline {
                    Ok(Look::Finished(
                        StepEnd::Missed,
                        format!("{} did not lock leg {leg} by the lock deadline", self.plan.legs[leg].from),
                    ))
                } else {
                    Ok(Look::NotYet)
                }
            }
            RunAction::Verdict => {
                let view = self.world.hub(self.id()).await.map_err(|e| self.step_err(step, e))?;
                match view.verdict {
                    Some(v) => {
                        self.store.put_verdict(v)?;
                        self.events.emit(&Event::Verdict { verdict: verdict_name(v) });
                        Ok(Look::Finished(StepEnd::Found, format!("the hub decided {}", verdict_name(v))))
                    }
                    None if now > self.plan.bundle.settle_deadline => Ok(Look::Finished(
                        StepEnd::Missed,
                        "no verdict by the settle deadline: the legs are refunded".into(),
                    )),
                    None => Ok(Look::NotYet),
                }
            }
            RunAction::Deliver { chain } => self.look_delivery(step, &chain).await,
        }
    }

    /// A chain's legs: final (nothing escrowed), or delivered here once the verdict has been
    /// attested for the margin, or refunded here once refunds open.
    async fn look_delivery(&mut self, step: usize, chain: &str) -> Result<Look, RunError> {
        let id = self.id();
        let mut escrowed = Vec::new();
        let mut unlocked = 0;
        // after an ABORT a mint or release leg has nothing to undo: only a COMMIT is owed to it
        let committed = self.store.verdict()? == Some(mesh_protocol::Verdict::Commit);
        for leg in (0..self.plan.legs.len()).filter(|l| self.plan.legs[*l].chain == chain) {
            let status = self.world.leg_status(chain, id, leg).await.map_err(|e| self.step_err(step, e))?;
            if status == LEG_LOCKED {
                escrowed.push(leg);
            } else if status == LEG_NOT_LOCKED && committed && !self.plan.bundle.legs[leg].kind.needs_lock() {
                // a mint or release leg is open until the verdict is delivered (protocol §13)
                unlocked += 1;
            }
        }
        if escrowed.is_empty() && unlocked == 0 {
            return Ok(Look::Finished(StepEnd::Found, format!("every leg on {chain} is final")));
        }
        let now = self.world.now();
        if self.store.verdict()?.is_some() {
            let view = self.world.hub(id).await.map_err(|e| self.step_err(step, e))?;
            if view.attested {
                let since = *self.attested_at.get_or_insert(now);
                if now.saturating_sub(since) >= self.opts.deliver_after.as_secs() {
                    let n = self.world.deliver(chain, id).await.map_err(|e| self.step_err(step, e))?;
                    if n > 0 {
                        self.events.emit(&Event::Delivered { chain: chain.to_string(), legs: n });
                        return Ok(Look::Finished(StepEnd::Done, format!("delivered {n} leg(s) on {chain}")));
                    }
                }
            }
        }
        if now >= self.plan.bundle.settle_deadline && !escrowed.is_empty() {
            let n = self.world.refund(chain, &self.plan.bundle, &escrowed).await.map_err(|e| self.step_err(step, e))?;
            if n == escrowed.len() {
                self.events.emit(&Event::Refunded { chain: chain.to_string(), legs: n });
                return Ok(Look::Finished(StepEnd::Done, format!("refunded {n} leg(s) on {chain}")));
            }
        }
        Ok(Look::NotYet)
    }

    /// Sends a step's transactions in order: each is signed and stored before its broadcast;
    /// one stored earlier is re-broadcast as is, one mined earlier is skipped.
    async fn send_all(&mut self, step: usize, txs: &[TxRequest]) -> Result<(), RunError> {
        for (index, req) in txs.iter().enumerate() {
            let (tx, resent) = match self.store.tx(step, index)? {
                Some(t) if t.mined == Some(true) => continue,
                Some(t) if t.mined == Some(false) => return Err(self.reverted(step, &t)),
                Some(t) => (t, true),
                None => {
                    let t = self.world.sign(req).await.map_err(|e| self.step_err(step, e))?;
                    self.store.put_tx(step, index, &t)?;
                    (t, false)
                }
            };
            self.world.broadcast(&tx).await.map_err(|e| self.step_err(step, e))?;
            self.events.emit(&Event::TxSent {
                step,
                chain: tx.chain.clone(),
                about: tx.about.clone(),
                hash: tx.hash,
                resent,
            });
            self.confirm(step, index, tx).await?;
        }
        Ok(())
    }

    async fn confirm(&mut self, step: usize, index: usize, mut tx: StoredTx) -> Result<(), RunError> {
        let started = self.world.now();
        loop {
            match self.world.outcome(&tx).await.map_err(|e| self.step_err(step, e))? {
                TxOutcome::Mined { success, block } => {
                    tx.mined = Some(success);
                    tx.block = Some(block);
                    self.store.put_tx(step, index, &tx)?;
                    if !success {
                        return Err(self.reverted(step, &tx));
                    }
                    self.events.emit(&Event::TxConfirmed { step, chain: tx.chain.clone(), hash: tx.hash, block });
                    return Ok(());
                }
                TxOutcome::Replaced => {
                    return Err(RunError::Replaced {
                        step,
                        action: self.plan.steps[step].action.to_string(),
                        chain: tx.chain,
                        hash: tx.hash,
                        from: tx.from.to_string(),
                        nonce: tx.nonce,
                    })
                }
                TxOutcome::Pending => {
                    let waited = self.world.now().saturating_sub(started);
                    if waited >= self.opts.tx_timeout.as_secs() {
                        return Err(RunError::NotMined {
                            step,
                            action: self.plan.steps[step].action.to_string(),
                            chain: tx.chain,
                            hash: tx.hash,
                            secs: waited,
                        });
                    }
                    self.world.sleep(self.opts.poll).await;
                    // a node that lost it (restarted, evicted) gets the same bytes again
                    self.world.broadcast(&tx).await.map_err(|e| self.step_err(step, e))?;
                }
            }
        }
    }

    fn reverted(&self, step: usize, tx: &StoredTx) -> RunError {
        RunError::Reverted {
            step,
            action: self.plan.steps[step].action.to_string(),
            chain: tx.chain.clone(),
            about: tx.about.clone(),
            hash: tx.hash,
        }
    }

    fn call_txs(&self, call: usize) -> Vec<TxRequest> {
        let c = &self.plan.calls[call];
        let mut txs = Vec::new();
        if let Some((token, spender, amount)) = c.approve {
            let data = MintableERC20::approveCall {
                spender: alloy::primitives::Address::from_slice(&spender.0[12..]),
                amount: alloy::primitives::U256::from(amount),
            }
            .abi_encode();
            txs.push(TxRequest {
                chain: c.chain.clone(),
                party: c.party.clone(),
                about: format!("approve for call {call}"),
                to: token,
                data,
                value: 0,
            });
        }
        txs.push(TxRequest {
            chain: c.chain.clone(),
            party: c.party.clone(),
            about: format!("call {call}: {}", c.about),
            to: c.target,
            data: c.data.clone(),
            value: c.value,
        });
        txs
    }

    /// A leg's lock: approve + `lock` by its depositor, or `lockMeshLoan` by a lending pool's
    /// owner for a loan leg.
    fn lock_txs(&self, leg: usize, token: AccountId) -> Vec<TxRequest> {
        let (b, w) = (&self.plan.bundle, &self.plan.legs[leg]);
        let l = &b.legs[leg];
        let id = self.id();
        let hashes: Vec<_> = b.legs.iter().map(leg_hash).collect();
        let addr = |a: &AccountId| alloy::primitives::Address::from_slice(&a.0[12..]);
        if self.world.is_pool(&w.chain, &w.from) {
            let data = pool::LendingPool::lockMeshLoanCall {
                router: addr(&l.router),
                bundleId: id.0,
                index: leg as u32,
                leg: mesh_chain_evm::sol_leg!(pool::LendingPool::Leg, l),
                lockDeadline: b.lock_deadline,
                settleDeadline: b.settle_deadline,
                creatorHash: creator_hash(&b.creator),
                nonce: b.nonce,
                legHashes: hashes,
            }
            .abi_encode();
            return vec![TxRequest {
                chain: w.chain.clone(),
                party: w.from.clone(),
                about: format!("lockMeshLoan of leg {leg}"),
                to: l.depositor,
                data,
                value: 0,
            }];
        }
        let (approve, lock) = lock_calls(b, id, leg);
        vec![
            TxRequest {
                chain: w.chain.clone(),
                party: w.from.clone(),
                about: format!("approve the Router for leg {leg}"),
                to: token,
                data: approve,
                value: 0,
            },
            TxRequest {
                chain: w.chain.clone(),
                party: w.from.clone(),
                about: format!("lock leg {leg}"),
                to: l.router,
                data: lock,
                value: 0,
            },
        ]
    }

    async fn outcome(&mut self) -> Result<RunOutcome, RunError> {
        let id = self.id();
        let mut codes = Vec::new();
        for (leg, w) in self.plan.legs.iter().enumerate() {
            let code = self.world.leg_status(&w.chain, id, leg).await.map_err(|e| RunError::Step {
                step: self.plan.steps.len().saturating_sub(1),
                action: "final state".into(),
                source: e,
            })?;
            codes.push(code);
        }
        match self.world.balances(&self.plan).await {
            Ok(balances) => self.events.emit(&Event::Balances { balances }),
            Err(e) => self.events.emit(&Event::Note { text: format!("final balances not read: {e:#}") }),
        }
        let outcome = if codes.iter().all(|c| *c == LEG_COMMITTED) {
            RunOutcome::Committed
        } else if codes.iter().all(|c| *c != LEG_COMMITTED && *c != LEG_LOCKED) {
            RunOutcome::Aborted
        } else {
            return Err(RunError::Split { codes });
        };
        self.events.emit(&Event::Outcome {
            outcome: match outcome {
                RunOutcome::Committed => "commit",
                RunOutcome::Aborted => "abort",
            },
            bundle_id: id,
            code: outcome.exit_code(),
        });
        Ok(outcome)
    }
}

/// The approve and `lock` calldata of leg `leg` of `bundle` (id `id`), signed by its depositor:
/// what `mesh bundle lock --print-calls` prints and `mesh bundle run` sends.
pub fn lock_calls(bundle: &Bundle, id: Hash32, leg: usize) -> (Vec<u8>, Vec<u8>) {
    let l = &bundle.legs[leg];
    let approve = MintableERC20::approveCall {
        spender: alloy::primitives::Address::from_slice(&l.router.0[12..]),
        amount: l.amount.0,
    };
    let lock = MeshRouter::lockCall {
        bundleId: id.0,
        index: leg as u32,
        leg: mesh_chain_evm::sol_leg!(MeshRouter::Leg, l),
        lockDeadline: bundle.lock_deadline,
        settleDeadline: bundle.settle_deadline,
        creatorHash: creator_hash(&bundle.creator),
        nonce: bundle.nonce,
        legHashes: bundle.legs.iter().map(leg_hash).collect(),
    };
    (approve.abi_encode(), lock.abi_encode())
}

pub fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Commit => "COMMIT",
        Verdict::Abort => "ABORT",
    }
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", alloy::primitives::hex::encode(b)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        alloy::primitives::hex::decode(s.trim_start_matches("0x")).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
