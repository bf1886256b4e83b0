//! Bundle spec files (`mesh bundle plan|register|lock`): parties, chains, tokens and amounts by
//! name, deadlines as durations, resolved through a [`Directory`] into a protocol [`Bundle`]
//! and checked against the hub's timing rules before anything is sent.
use std::collections::BTreeMap;
use std::time::Duration;

use mesh_protocol::eip712::{bundle_id, leg_hash};
use mesh_protocol::{AccountId, Amount, Bundle, EvmAddress, Hash32, Leg};
use serde::Deserialize;

use crate::directory::{ChainEntry, Directory};

/// A bundle as a person writes it. See `examples/swap.bundle.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleSpec {
    /// Devnet identity (e.g. "alice") or hub address of the creator.
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
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegSpec {
    /// Chain name from the manifest.
    pub chain: String,
    /// Depositor: devnet identity name or 0x address.
    pub from: String,
    /// Recipient: devnet identity name or 0x address.
    pub to: String,
    /// Token symbol from the manifest's contracts of that chain (e.g. "USDC") or 0x address.
    pub token: String,
    /// Amount in the token's base units; scientific notation reads better for 18 decimals
    /// ("10e18", "0.009e18"), as long as it is a whole number of base units.
    pub amount: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("reading {path}: {detail}")]
    Read { path: String, detail: String },
    #[error("leg {leg}: unknown chain {chain:?} (known: {known})")]
    UnknownChain { leg: usize, chain: String, known: String },
    #[error("leg {leg}: {what} {name:?} is neither a devnet identity nor a 0x address")]
    UnknownParty { leg: usize, what: &'static str, name: String },
    #[error("leg {leg}: unknown token {token:?} on {chain}")]
    UnknownToken { leg: usize, token: String, chain: String },
    #[error("creator {0:?} is neither a devnet identity nor a hub address")]
    UnknownCreator(String),
    #[error("leg {leg}: amount {amount:?} is not a positive integer")]
    BadAmount { leg: usize, amount: String },
    #[error(
        "cannot settle in time: settle_after {settle_after:?} must exceed dispute window {dispute:?} + delivery margin {margin:?} (+ confirmations ≈ {confirm:?} and a reporting round)"
    )]
    TooShort { settle_after: Duration, dispute: Duration, margin: Duration, confirm: Duration },
    #[error("lock window {lock:?} is shorter than the slowest chain's confirmations ({confirm:?})")]
    LockTooShort { lock: Duration, confirm: Duration },
    #[error("constraint {index}: {detail}")]
    BadConstraint { index: usize, detail: String },
    #[error("{} declared constraint(s) do not hold:{}", .0.len(), .0.iter().map(|c| format!("\n  - {}: {} but {} required", c.about, c.actual, c.required)).collect::<String>())]
    ConstraintsFail(Vec<ConstraintResult>),
    #[error("invalid bundle: {0}")]
    Invalid(#[from] mesh_protocol::ProtocolError),
}

/// Parses "123", "10e18" or "0.009e18" into an exact integer; `None` for anything else,
/// fractions of a base unit included.
pub fn parse_units(s: &str) -> Option<i128> {
    let s = s.trim().replace('_', "");
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    let (mantissa, exp) = match s.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<u32>().ok()?),
        None => (s, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let frac = frac.trim_end_matches('0');
    let digits = format!("{int}{frac}");
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // fewer exponent places than fraction digits = a fraction of a base unit
    let shift = exp.checked_sub(frac.len() as u32)?;
    let v = digits.parse::<i128>().ok()?.checked_mul(10i128.checked_pow(shift)?)?;
    Some(if neg { -v } else { v })
}

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
        for (i, l) in self.legs.iter().enumerate() {
            let chain = chains.iter().find(|e| e.name == l.chain).ok_or_else(|| SpecError::UnknownChain {
                leg: i,
                chain: l.chain.clone(),
                known: chains.iter().map(|e| e.name.clone()).collect::<Vec<_>>().join(", "),
            })?;
            let confirm = chain.block_time * (chain.confirmations + 1);
            slowest = slowest.max(confirm);
            let token = match d.token(&chain.name, &l.token) {
                Some(a) => a,
                None => account(&l.token).ok_or_else(|| SpecError::UnknownToken {
                    leg: i,
                    token: l.token.clone(),
                    chain: l.chain.clone(),
                })?,
            };
            let value = parse_units(&l.amount)
                .filter(|v| *v > 0)
                .ok_or_else(|| SpecError::BadAmount { leg: i, amount: l.amount.clone() })?;
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
        let lock_deadline = now + self.lock_within.as_secs();
        let bundle = Bundle {
            creator,
            nonce: self.nonce,
            lock_deadline,
            settle_deadline: lock_deadline + self.settle_after.as_secs(),
            legs,
        };
        bundle.validate()?;
        let constraints = self.check_constraints()?;
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
        Ok(Plan {
            creator_name: self.creator.clone(),
            leg_hashes: bundle.legs.iter().map(|l| Hash32(leg_hash(l))).collect(),
            id,
            bundle,
            net,
            timing,
            constraints,
            written: self.legs.clone(),
        })
    }

    /// Evaluates every declared constraint on the COMMIT flows of the legs.
    fn check_constraints(&self) -> Result<Vec<ConstraintResult>, SpecError> {
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
            let in_scope = |l: &&LegSpec| l.token == c.token && c.chain.as_ref().is_none_or(|ch| &l.chain == ch);
            // amounts were validated when the legs were resolved
            let amount = |l: &LegSpec| parse_units(&l.amount).unwrap_or_default();
            let received: i128 = self.legs.iter().filter(in_scope).filter(|l| l.to == c.party).map(amount).sum();
            let deposited: i128 = self.legs.iter().filter(in_scope).filter(|l| l.from == c.party).map(amount).sum();
            let parse = |v: &str| parse_units(v).ok_or_else(|| bad(format!("bound {v:?} is not a whole number")));
            let where_ = c.chain.as_ref().map(|ch| format!(" on {ch}")).unwrap_or_else(|| " on every chain".into());
            let (actual, required, what) = match (&c.receives_at_least, &c.net_at_least) {
                (Some(r), None) => (received, parse(r)?, "receives"),
                (None, Some(n)) => (received - deposited, parse(n)?, "nets"),
                _ => return Err(bad("give exactly one of receives_at_least, net_at_least".into())),
            };
            let about =
                c.about.clone().unwrap_or_else(|| format!("{} {what} ≥ {required} {}{where_}", c.party, c.token));
            out.push(ConstraintResult { about, actual, required, holds: actual >= required });
        }
        Ok(out)
    }
}
