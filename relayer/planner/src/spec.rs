//! Bundle spec files (`mesh bundle plan|register|lock`): parties, chains, tokens and amounts by
//! name, deadlines as durations, resolved through a [`Directory`] into a protocol [`Bundle`]
//! and checked against the hub's timing rules before anything is sent.
use std::collections::BTreeMap;
use std::time::Duration;

use mesh_protocol::eip712::{bundle_id, leg_hash};
use mesh_protocol::{AccountId, Amount, Bundle, EvmAddress, Hash32, Leg, LegKind};
use serde::Deserialize;

use crate::directory::{ChainEntry, Directory, HubTiming, Vm};
use crate::market::Market;
use crate::sizing::{show_vars, Expr, Priced, Sizing, SwapCheck};
pub use crate::sizing::{
    ActionCall, ActionSpec, ActionSwap, CallBySignature, CallSpec, DepositSpec, ObjectiveSpec, SwapSpec, TokenAmount,
    VariableSpec,
};
use crate::units::Unit;

/// A bundle as a person writes it. See `examples/swap.bundle.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleSpec {
    /// The creator: a party of the network file (e.g. "alice") or a hub address.
    pub creator: String,
    /// Creator-chosen nonce; unique per creator.
    pub nonce: u64,
    /// Lock window, from registration.
    #[serde(with = "humantime_serde")]
    pub lock_within: Duration,
    /// Time between the lock deadline and the settle deadline.
    #[serde(with = "humantime_serde")]
    pub settle_after: Duration,
    pub legs: Vec<LegSpec>,
    /// What each party declares it must end with; `plan` refuses a bundle that breaks one.
    #[serde(default)]
    pub constraints: Vec<ConstraintSpec>,
    /// Quantities the optimiser chooses (e.g. the loan's size), used by name in amounts.
    #[serde(default)]
    pub variables: Vec<VariableSpec>,
    /// The parties' own transactions before their locks (swaps, deposits, calls by signature).
    #[serde(default)]
    pub calls: Vec<CallSpec>,
    /// What the variables maximise; with it, a plan that loses money after gas is refused.
    pub objective: Option<ObjectiveSpec>,
}

/// A declared outcome, checked against the bundle's flows on COMMIT (on ABORT every party gets
/// its deposits back, so only COMMIT can leave a party worse off). Exactly one bound is given.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstraintSpec {
    /// What the constraint means, for people ("lender receives principal + fee").
    pub about: Option<String>,
    /// The party, as named in the legs.
    pub party: String,
    /// Token symbol (as in the legs).
    pub token: String,
    /// Only this chain; when absent the token is summed over every chain (WETH on alpha and WETH
    /// on beta count as one asset).
    pub chain: Option<String>,
    /// Least the party must receive in total (deposits not subtracted).
    pub receives_at_least: Option<String>,
    /// Least net change (received − deposited); negative = "loses at most".
    pub net_at_least: Option<String>,
}

/// One constraint's outcome in the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstraintResult {
    /// The constraint, in words.
    pub about: String,
    /// Its measured value (received or net, in base units).
    pub actual: i128,
    pub required: i128,
    pub holds: bool,
    /// The token's unit, for showing the values in whole tokens.
    pub unit: Option<Unit>,
}

impl ConstraintResult {
    /// A value of this constraint for people: whole tokens and base units when the unit is known.
    pub fn show(&self, v: i128) -> String {
        match &self.unit {
            Some(u) => crate::units::show(v, u),
            None => format!("{v} base units"),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegSpec {
    /// Chain name from the network file.
    pub chain: String,
    /// Depositor: a party or named contract of the network file, or an account (0x address).
    pub from: String,
    /// Recipient: a party or named contract of the network file, or an account (0x address).
    pub to: String,
    /// Token symbol of that chain in the network file (e.g. "USDC"), or its address.
    pub token: String,
    /// Amount: whole tokens with the symbol ("100 USDC", "10.009 WETH"), or base units alone
    /// ("100", "10e18", "0.009e18"), exact or refused (see `units`); or a variable times a
    /// decimal ("loan", "loan * 0.999"), rounded down to a base unit.
    pub amount: String,
    /// What the leg does (protocol §13): "escrow" (the default), "lock" (on the token's origin
    /// chain, to "router"), "mint" (from "router", the wrapped token of `origin`'s `token`),
    /// "burn" (the wrapped token, to "router") or "release" (from "router", on the origin chain).
    pub kind: Option<String>,
    /// The origin chain of a mint or burn leg's token: `token` is then that chain's symbol.
    pub origin: Option<String>,
    /// A call the leg's tokens pay for on COMMIT, for the recipient (protocol §12).
    pub action: Option<ActionSpec>,
}

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("reading {path}: {detail}")]
    Read { path: String, detail: String },
    #[error("leg {leg}: unknown chain {chain:?} (known: {known})")]
    UnknownChain { leg: usize, chain: String, known: String },
    #[error("leg {leg}: {what} {name:?} is neither a party of the network file nor an account of the chain")]
    UnknownParty { leg: usize, what: &'static str, name: String },
    #[error("leg {leg}: token {token:?} is not in the network file for {chain} (add it under [chain.tokens] with its decimals)")]
    UnknownToken { leg: usize, token: String, chain: String },
    #[error("creator {0:?} is neither a party of the network file nor a hub address")]
    UnknownCreator(String),
    #[error("leg {leg}: amount {amount:?}: {source}")]
    BadAmount { leg: usize, amount: String, source: crate::units::AmountError },
    #[error(
        "cannot settle in time: settle_after {settle_after:?} must exceed dispute window {dispute:?} + delivery margin {margin:?} (+ confirmations ≈ {confirm:?} and a reporting round)"
    )]
    TooShort { settle_after: Duration, dispute: Duration, margin: Duration, confirm: Duration },
    #[error(
        "settle deadline too far: lock_within {lock:?} + settle_after {settle_after:?} exceeds the hub's horizon {horizon:?}"
    )]
    TooFar { lock: Duration, settle_after: Duration, horizon: Duration },
    #[error("lock window {lock:?} is shorter than the slowest chain's confirmations ({confirm:?})")]
    LockTooShort { lock: Duration, confirm: Duration },
    #[error("constraint {index}: {detail}")]
    BadConstraint { index: usize, detail: String },
    #[error("{} declared constraint(s) do not hold:{}", .0.len(), .0.iter().map(|c| format!("\n  - {}: {} but {} required", c.about, c.show(c.actual), c.show(c.required))).collect::<String>())]
    ConstraintsFail(Vec<ConstraintResult>),
    #[error("invalid bundle: {0}")]
    Invalid(#[from] mesh_protocol::ProtocolError),
    #[error("leg {leg}: a {kind} leg names the origin chain of its token (origin = \"alpha\")")]
    KindNeedsOrigin { leg: usize, kind: &'static str },
    #[error("leg {leg}: only mint and burn legs name an origin chain (this one is {kind})")]
    OriginOnKind { leg: usize, kind: &'static str },
    #[error("leg {leg}: unknown kind {kind:?} (escrow, lock, mint, burn, release)")]
    UnknownLegKind { leg: usize, kind: String },
    #[error("this spec has calls, leg actions, variables or an objective: it is planned from live state (`mesh bundle plan`)")]
    NeedsMarket,
    #[error("live state: {0}")]
    Market(String),
    #[error("variable {name}: {detail}")]
    BadVariable { name: String, detail: String },
    #[error("call {call}: {detail}")]
    BadCall { call: usize, detail: String },
    #[error("leg {leg}'s action: {detail}")]
    BadAction { leg: usize, detail: String },
    #[error("objective: {0}")]
    BadObjective(String),
    #[error("no size can be priced: {0}")]
    Unpriceable(String),
    #[error("slippage exceeds the tolerance{}: {}", at(.vars), .check)]
    SlippageExceeded { vars: String, check: Box<SwapCheck> },
    #[error("unprofitable{}: {}", at(.vars), .outcome)]
    Unprofitable { vars: String, outcome: Box<crate::sizing::ObjectiveOutcome> },
    /// `needs` names the chain ("10 USDC (… base units) on alpha").
    #[error("step {step} breaks the composition: {party} needs {needs} but has {has} ({detail})")]
    CompositionBreak { step: String, party: String, needs: String, has: String, detail: String },
}

fn at(vars: &str) -> String {
    if vars.is_empty() {
        String::new()
    } else {
        format!(" (at the best size: {vars})")
    }
}

pub use crate::units::parse_units;

/// A party: a person of the directory, a named contract of the leg's chain, or a 0x address.
fn party(
    d: &dyn Directory,
    chain: &ChainEntry,
    leg: usize,
    what: &'static str,
    name: &str,
) -> Result<AccountId, SpecError> {
    if let Some(a) = d.account(&chain.name, name) {
        return Ok(a);
    }
    // the Router stands for the side of a lock-and-mint leg nobody holds (protocol §13)
    if name == "router" {
        return Ok(chain.router);
    }
    account(name).ok_or_else(|| SpecError::UnknownParty { leg, what, name: name.into() })
}

/// A leg's kind word, checked against its `origin` (only mint and burn name one).
fn leg_kind(leg: usize, l: &LegSpec) -> Result<&'static str, SpecError> {
    let kind = match l.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("escrow") => "escrow",
        Some("lock") => "lock",
        Some("mint") => "mint",
        Some("burn") => "burn",
        Some("release") => "release",
        Some(k) => return Err(SpecError::UnknownLegKind { leg, kind: k.into() }),
    };
    match (kind, &l.origin) {
        ("mint" | "burn", None) => Err(SpecError::KindNeedsOrigin { leg, kind }),
        ("mint" | "burn", Some(_)) | (_, None) => Ok(kind),
        (_, Some(_)) => Err(SpecError::OriginOnKind { leg, kind }),
    }
}

/// A written account: a 0x EVM address.
fn account(s: &str) -> Option<AccountId> {
    EvmAddress::parse(s).ok().map(AccountId::from)
}

/// A token allowance a [`PlannedCall`] needs first (an ERC-20 `approve`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approve {
    pub token: AccountId,
    pub spender: AccountId,
    pub amount: u128,
}

/// A party's own transaction outside the bundle (e.g. buying the repayment on a pool), made
/// before its locks with its own key; the executor (`mesh bundle run`) sends it, a person can
/// send it from a wallet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedCall {
    /// What the call is for, for people ("carol buys 10.009 WETH on alpha's pool").
    pub about: String,
    /// Chain name of the network file.
    pub chain: String,
    /// The party (as named in the spec) whose key signs it.
    pub party: String,
    /// Approval sent before the call, if it spends a token.
    pub approve: Option<Approve>,
    pub target: AccountId,
    /// Calldata.
    pub data: Vec<u8>,
    /// Native value sent with the call, in base units.
    pub value: u128,
}

/// The resolved plan.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The creator as written in the spec.
    pub creator_name: String,
    pub bundle: Bundle,
    pub id: Hash32,
    pub leg_hashes: Vec<Hash32>,
    /// (party, chain, token) → net change (received − deposited) on COMMIT.
    pub net: BTreeMap<(String, String, String), i128>,
    pub timing: Vec<(String, u64)>,
    /// Every declared constraint with its outcome (all hold in a returned plan).
    pub constraints: Vec<ConstraintResult>,
    /// The legs as written (names, not addresses), for printing.
    pub written: Vec<LegSpec>,
    /// Each leg's token unit (symbol and decimals), by leg.
    pub units: Vec<Unit>,
    /// Each leg's depositor, recipient and token as its chain writes them.
    pub accounts: Vec<[String; 3]>,
    /// The parties' own calls before the locks, in order ([`crate::steps::Action::Call`]).
    pub calls: Vec<PlannedCall>,
    /// Each leg's action in words (`None`: a plain leg).
    pub actions: Vec<Option<String>>,
    /// How live state sized the plan (specs with calls, actions, variables or an objective).
    pub sizing: Option<Sizing>,
    /// The chains of the legs and calls, with their VMs (for the execution trace).
    pub chains: Vec<(ChainEntry, Vm)>,
    /// The hub's timing the plan was checked against.
    pub hub_timing: HubTiming,
}

impl Plan {
    /// The unit of `token` (as written in the legs) on `chain`, or of the first leg with that
    /// token when `chain` is `None`.
    pub fn unit(&self, chain: Option<&str>, token: &str) -> Option<&Unit> {
        self.written
            .iter()
            .zip(&self.units)
            .find(|(w, _)| w.token == token && chain.is_none_or(|c| c == w.chain))
            .map(|(_, u)| u)
    }
}

impl Plan {
    /// The plan as a coordination plan: steps with their actors, dependencies and deadlines.
    pub fn steps(&self) -> crate::steps::Steps {
        crate::steps::Steps::of(self)
    }
}

impl BundleSpec {
    pub fn load(path: &std::path::Path) -> Result<BundleSpec, SpecError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SpecError::Read { path: path.display().to_string(), detail: e.to_string() })?;
        toml::from_str(&text).map_err(|e| SpecError::Read { path: path.display().to_string(), detail: e.to_string() })
    }

    /// Resolves names through `d` and checks the hub's timing rules; `now` in unix seconds. A
    /// spec with live parts (calls, actions, variables, objective) needs [`Self::plan_with`].
    pub fn plan(&self, d: &dyn Directory, now: u64) -> Result<Plan, SpecError> {
        self.plan_with(d, None, now)
    }

    /// Plans with live state: sizes the variables for the objective (exhaustively over their
    /// grid), prices the calls and actions from the pools, refuses a plan whose slippage exceeds
    /// its tolerance or that loses money after gas, and checks the composition (every input of
    /// every step held or produced earlier).
    pub fn plan_with(&self, d: &dyn Directory, market: Option<&dyn Market>, now: u64) -> Result<Plan, SpecError> {
        for (leg, l) in self.legs.iter().enumerate() {
            leg_kind(leg, l)?;
        }
        if !self.needs_market() {
            return self.build(d, now, &BTreeMap::new(), None);
        }
        let m = market.ok_or(SpecError::NeedsMarket)?;
        let r = self.resolve(d, m)?;
        let units = r.units();
        let mut best: Option<Priced> = None;
        let mut least_slippage: Option<(u32, String, SwapCheck)> = None;
        let mut broken: Option<SpecError> = None;
        let mut unpriceable = None;
        let mut count = 0u64;
        for vars in r.candidates() {
            count += 1;
            let p = match r.price(&vars) {
                Ok(p) => p,
                Err(e) => {
                    unpriceable.get_or_insert(e);
                    continue;
                }
            };
            if let Some(bad) = p.swaps.iter().filter(|s| !s.within()).max_by_key(|s| s.slippage_bps) {
                if least_slippage.as_ref().is_none_or(|l| bad.slippage_bps < l.0) {
                    least_slippage = Some((bad.slippage_bps, self.show_assignment(&vars, &units), bad.clone()));
                }
                continue;
            }
            if let Err(e) = self.constraints_hold(&p) {
                broken.get_or_insert(e);
                continue;
            }
            let better = match (&best, &p.objective) {
                (None, _) => true,
                (Some(b), Some(o)) => o.net > b.objective.as_ref().map_or(i128::MIN, |x| x.net),
                _ => false,
            };
            if better {
                best = Some(p);
            }
        }
        let Some(best) = best else {
            if let Some((_, vars, check)) = least_slippage {
                return Err(SpecError::SlippageExceeded { vars, check: Box::new(check) });
            }
            return Err(broken.unwrap_or_else(|| SpecError::Unpriceable(unpriceable.unwrap_or_default())));
        };
        let vars_text = self.show_assignment(&best.vars, &units);
        if let Some(o) = &best.objective {
            if o.net < o.at_least {
                return Err(SpecError::Unprofitable { vars: vars_text, outcome: Box::new(o.clone()) });
            }
        }
        let mut plan = self.build(d, now, &best.vars, Some(&best.actions))?;
        let composition = crate::compose::check(self, d, m, &plan, &best)?;
        plan.calls = best.calls.iter().map(|c| c.planned.clone()).collect();
        plan.actions = best.action_about.clone();
        plan.sizing = Some(Sizing {
            vars: units.iter().map(|(n, u)| (n.clone(), best.vars[n], u.clone())).collect(),
            candidates: count,
            swaps: best.swaps.clone(),
            gas: best.gas.clone(),
            objective: best.objective.clone(),
            composition,
            names: self.contract_names(d),
        });
        Ok(plan)
    }

    fn show_assignment(&self, vars: &BTreeMap<String, i128>, units: &[(String, Unit)]) -> String {
        show_vars(&units.iter().map(|(n, u)| (n.clone(), vars[n], u.clone())).collect::<Vec<_>>())
    }

    /// The declared constraints at a candidate's amounts: `Err` with every broken one.
    fn constraints_hold(&self, p: &Priced) -> Result<(), SpecError> {
        let results = self.check_constraints_at(&p.legs, &p.vars, &p.units)?;
        let failing: Vec<_> = results.into_iter().filter(|c| !c.holds).collect();
        if failing.is_empty() {
            Ok(())
        } else {
            Err(SpecError::ConstraintsFail(failing))
        }
    }

    /// The bundle for `vars` with `actions` on its legs, checked against the hub's rules.
    fn build(
        &self,
        d: &dyn Directory,
        now: u64,
        vars: &BTreeMap<String, i128>,
        actions: Option<&[Option<mesh_protocol::Action>]>,
    ) -> Result<Plan, SpecError> {
        let creator = match d.hub_account(&self.creator) {
            Some(a) => a,
            None if self.creator.starts_with("inj1") => self.creator.clone(),
            None => return Err(SpecError::UnknownCreator(self.creator.clone())),
        };
        let c = d.timing();
        let chains = d.chains();
        let mut slowest = Duration::ZERO;
        let mut legs = Vec::new();
        let mut net = BTreeMap::new();
        let mut units = Vec::with_capacity(self.legs.len());
        let mut amounts = Vec::with_capacity(self.legs.len());
        for (i, l) in self.legs.iter().enumerate() {
            let chain = chains.iter().find(|e| e.name == l.chain).ok_or_else(|| SpecError::UnknownChain {
                leg: i,
                chain: l.chain.clone(),
                known: chains.iter().map(|e| e.name.clone()).collect::<Vec<_>>().join(", "),
            })?;
            let confirm = chain.block_time * (chain.confirmations + 1);
            slowest = slowest.max(confirm);
            let kind_word = leg_kind(i, l)?;
            // a mint or burn leg names its origin chain's token (the wrapped one is the Router's)
            let origin = match &l.origin {
                Some(o) => Some(chains.iter().find(|e| &e.name == o).ok_or_else(|| SpecError::UnknownChain {
                    leg: i,
                    chain: o.clone(),
                    known: chains.iter().map(|e| e.name.clone()).collect::<Vec<_>>().join(", "),
                })?),
                None => None,
            };
            let token_chain = origin.map_or(&chain.name, |o| &o.name);
            let token = d.token(token_chain, &l.token).ok_or_else(|| SpecError::UnknownToken {
                leg: i,
                token: l.token.clone(),
                chain: token_chain.clone(),
            })?;
            let kind = match kind_word {
                "lock" => LegKind::Lock,
                "mint" => LegKind::Mint { origin_domain: origin.map_or(0, |o| o.domain) },
                "burn" => LegKind::Burn { origin_domain: origin.map_or(0, |o| o.domain) },
                "release" => LegKind::Release,
                _ => LegKind::Escrow,
            };
            // a wrapped token is its own asset in the balances ("USDC@alpha" on beta)
            let asset = match &l.origin {
                Some(o) => format!("{}@{o}", l.token),
                None => l.token.clone(),
            };
            let names: Vec<String> = self.variables.iter().map(|v| v.name.clone()).collect();
            let value = Expr::parse(&l.amount, Some(&token.unit), &names)
                .map_err(|source| SpecError::BadAmount { leg: i, amount: l.amount.clone(), source })?
                .eval(vars);
            if value <= 0 {
                return Err(SpecError::BadAmount {
                    leg: i,
                    amount: l.amount.clone(),
                    source: crate::units::AmountError::NotPositive(l.amount.clone()),
                });
            }
            units.push(token.unit.clone());
            amounts.push(value);
            let token = token.address;
            let amount = Amount::from(value as u128);
            *net.entry((l.from.clone(), l.chain.clone(), asset.clone())).or_insert(0) -= value;
            *net.entry((l.to.clone(), l.chain.clone(), asset)).or_insert(0) += value;
            legs.push(Leg {
                domain: chain.domain,
                router: chain.router,
                depositor: party(d, chain, i, "depositor", &l.from)?,
                token,
                amount,
                recipient: party(d, chain, i, "recipient", &l.to)?,
                action: actions.and_then(|a| a.get(i).cloned().flatten()),
                kind,
            });
        }
        if self.lock_within < slowest {
            return Err(SpecError::LockTooShort { lock: self.lock_within, confirm: slowest });
        }
        // the hub needs settle ≥ lock + W + M + 1; a COMMIT also needs the reports (confirmations
        // and one reporting round) before the window starts
        let needed = c.dispute_window + c.delivery_margin + slowest + Duration::from_secs(5);
        if self.settle_after < needed {
            return Err(SpecError::TooShort {
                settle_after: self.settle_after,
                dispute: c.dispute_window,
                margin: c.delivery_margin,
                confirm: slowest,
            });
        }
        if self.lock_within + self.settle_after > c.max_horizon {
            return Err(SpecError::TooFar {
                lock: self.lock_within,
                settle_after: self.settle_after,
                horizon: c.max_horizon,
            });
        }
        let lock_deadline = now + self.lock_within.as_secs();
        let bundle = Bundle {
            creator,
            nonce: self.nonce,
            lock_deadline,
            settle_deadline: lock_deadline + self.settle_after.as_secs(),
            legs,
        };
        bundle.validate()?;
        let constraints = self.check_constraints_at(&amounts, vars, &units)?;
        let failing: Vec<_> = constraints.iter().filter(|c| !c.holds).cloned().collect();
        if !failing.is_empty() {
            return Err(SpecError::ConstraintsFail(failing));
        }
        let id = Hash32(bundle_id(&d.bundle_domain(), &bundle));
        let timing = vec![
            ("registration (now)".to_string(), now),
            ("lock deadline: every leg locked by this block time".to_string(), lock_deadline),
            (format!("latest report: + confirmations ≈ {}s", slowest.as_secs()), lock_deadline + slowest.as_secs() + 5),
            (
                format!("latest COMMIT decision: + dispute window {}s", c.dispute_window.as_secs()),
                lock_deadline + slowest.as_secs() + 5 + c.dispute_window.as_secs(),
            ),
            (
                format!("COMMIT cutoff: settle deadline − delivery margin {}s", c.delivery_margin.as_secs()),
                bundle.settle_deadline - c.delivery_margin.as_secs(),
            ),
            ("settle deadline: refunds open on every chain".to_string(), bundle.settle_deadline),
        ];
        let accounts = bundle
            .legs
            .iter()
            .zip(&self.legs)
            .map(|(l, w)| [&l.depositor, &l.recipient, &l.token].map(|a| d.account_text(&w.chain, a)))
            .collect();
        Ok(Plan {
            creator_name: self.creator.clone(),
            leg_hashes: bundle.legs.iter().map(|l| Hash32(leg_hash(l))).collect(),
            id,
            bundle,
            net,
            timing,
            constraints,
            accounts,
            written: self.legs.clone(),
            units,
            calls: Vec::new(),
            actions: vec![None; self.legs.len()],
            sizing: None,
            chains: chains
                .iter()
                .filter(|e| self.legs.iter().any(|l| l.chain == e.name) || self.calls.iter().any(|x| x.chain == e.name))
                .map(|e| (e.clone(), d.vm(&e.name)))
                .collect(),
            hub_timing: c,
        })
    }

    /// Evaluates every declared constraint on the COMMIT flows of the legs at `amounts` (a leg
    /// with an action pays its recipient the action's output, not the leg's token). Bounds may
    /// name variables ("loan * 1.0009").
    fn check_constraints_at(
        &self,
        amounts: &[i128],
        vars: &BTreeMap<String, i128>,
        units: &[Unit],
    ) -> Result<Vec<ConstraintResult>, SpecError> {
        let names: Vec<String> = self.variables.iter().map(|v| v.name.clone()).collect();
        let mut out = Vec::with_capacity(self.constraints.len());
        for (index, c) in self.constraints.iter().enumerate() {
            let bad = |detail: String| SpecError::BadConstraint { index, detail };
            if !self.legs.iter().any(|l| l.from == c.party || l.to == c.party) {
                return Err(bad(format!("party {:?} appears in no leg", c.party)));
            }
            if let Some(chain) = &c.chain {
                if !self.legs.iter().any(|l| &l.chain == chain) {
                    return Err(bad(format!("chain {chain:?} appears in no leg")));
                }
            }
            let in_scope: Vec<usize> = (0..self.legs.len())
                .filter(|i| {
                    let l = &self.legs[*i];
                    l.token == c.token && c.chain.as_ref().is_none_or(|ch| &l.chain == ch)
                })
                .collect();
            let unit = in_scope.first().map(|i| &units[*i]);
            if let Some(other) = in_scope.iter().map(|i| &units[*i]).find(|u| Some(*u) != unit) {
                return Err(bad(format!(
                    "{} has {} decimals on one chain and {} on another: name a chain",
                    c.token,
                    unit.map(|u| u.decimals).unwrap_or_default(),
                    other.decimals
                )));
            }
            let sum = |side: &dyn Fn(&LegSpec) -> bool| -> i128 {
                in_scope.iter().filter(|i| side(&self.legs[**i])).map(|i| amounts[*i]).sum()
            };
            let received = sum(&|l| l.to == c.party && l.action.is_none());
            let deposited = sum(&|l| l.from == c.party);
            let parse =
                |v: &str| Expr::parse(v, unit, &names).map(|e| e.eval(vars)).map_err(|e| bad(format!("bound: {e}")));
            let where_ = c.chain.as_ref().map(|ch| format!(" on {ch}")).unwrap_or_else(|| " on every chain".into());
            let (actual, required, what) = match (&c.receives_at_least, &c.net_at_least) {
                (Some(r), None) => (received, parse(r)?, "receives"),
                (None, Some(n)) => (received - deposited, parse(n)?, "nets"),
                _ => return Err(bad("give exactly one of receives_at_least, net_at_least".into())),
            };
            let about =
                c.about.clone().unwrap_or_else(|| format!("{} {what} ≥ {required} {}{where_}", c.party, c.token));
            out.push(ConstraintResult { about, actual, required, holds: actual >= required, unit: unit.cloned() });
        }
        Ok(out)
    }
}
