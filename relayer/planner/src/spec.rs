//! Bundle spec files (`mesh bundle plan|register|lock`): parties, chains, tokens and amounts by
//! name, deadlines as durations, resolved through a [`Directory`] into a protocol [`Bundle`]
//! and checked against the hub's timing rules before anything is sent.
use std::collections::BTreeMap;
use std::time::Duration;

use mesh_protocol::eip712::{bundle_id, leg_hash};
use mesh_protocol::{AccountId, Amount, Bundle, EvmAddress, Hash32, Leg};
use serde::Deserialize;

use crate::directory::{ChainEntry, Directory};
use crate::units::{parse_amount, parse_signed, Unit};

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
    /// ("100", "10e18", "0.009e18"), exact or refused (see `units`).
    pub amount: String,
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
    account(name).ok_or_else(|| SpecError::UnknownParty { leg, what, name: name.into() })
}

/// A written account: a 0x EVM address.
fn account(s: &str) -> Option<AccountId> {
    EvmAddress::parse(s).ok().map(AccountId::from)
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

    /// Resolves names through `d` and checks the hub's timing rules; `now` in unix seconds.
    pub fn plan(&self, d: &dyn Directory, now: u64) -> Result<Plan, SpecError> {
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
            let token = d.token(&chain.name, &l.token).ok_or_else(|| SpecError::UnknownToken {
                leg: i,
                token: l.token.clone(),
                chain: l.chain.clone(),
            })?;
            let value = parse_amount(&l.amount, Some(&token.unit)).map_err(|source| SpecError::BadAmount {
                leg: i,
                amount: l.amount.clone(),
                source,
            })?;
            let value = i128::try_from(value).map_err(|_| SpecError::BadAmount {
                leg: i,
                amount: l.amount.clone(),
                source: crate::units::AmountError::Overflow(l.amount.clone()),
            })?;
            units.push(token.unit.clone());
            amounts.push(value);
            let token = token.address;
            let amount = Amount::from(value as u128);
            *net.entry((l.from.clone(), l.chain.clone(), l.token.clone())).or_insert(0) -= value;
            *net.entry((l.to.clone(), l.chain.clone(), l.token.clone())).or_insert(0) += value;
            legs.push(Leg {
                domain: chain.domain,
                router: chain.router,
                depositor: party(d, chain, i, "depositor", &l.from)?,
                token,
                amount,
                recipient: party(d, chain, i, "recipient", &l.to)?,
                action: None,
                kind: Default::default(),
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
        let constraints = self.check_constraints(&units, &amounts)?;
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
        })
    }

    /// Evaluates every declared constraint on the COMMIT flows of the legs.
    fn check_constraints(&self, units: &[Unit], amounts: &[i128]) -> Result<Vec<ConstraintResult>, SpecError> {
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
            let received = sum(&|l| l.to == c.party);
            let deposited = sum(&|l| l.from == c.party);
            let parse = |v: &str| parse_signed(v, unit).map_err(|e| bad(format!("bound: {e}")));
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
