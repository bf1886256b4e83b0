//! Bundle spec files (`mesh bundle plan|register|lock`): parties, chains, tokens and amounts by
//! name, deadlines as durations, resolved against the devnet manifest into a protocol [`Bundle`]
//! and checked against the hub's timing rules before anything is sent.
use std::collections::BTreeMap;
use std::time::Duration;

use mesh_protocol::eip712::{bundle_id, leg_hash};
use mesh_protocol::{Amount, Bundle, EvmAddress, Hash32, Leg};
use serde::Deserialize;

use crate::devnet::keys::DevIdentity;
use crate::devnet::manifest::Manifest;

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

/// Symbols people write for the demo contracts the manifest lists under their contract names.
fn token_key(symbol: &str) -> &str {
    match symbol {
        "WETH" => "DemoWETH",
        other => other,
    }
}

fn identity<'a>(m: &'a Manifest, name: &str) -> Option<&'a DevIdentity> {
    std::iter::once(&m.accounts.deployer)
        .chain(&m.accounts.relayers)
        .chain(std::iter::once(&m.accounts.disputer))
        .chain(&m.accounts.users)
        .find(|i| i.name == name)
}

/// A party: a devnet identity, a contract of the leg's chain by its manifest name (e.g.
/// "LendingPool", which locks its own legs), or a 0x address.
fn party(
    m: &Manifest,
    chain: &crate::devnet::manifest::EvmInfo,
    leg: usize,
    what: &'static str,
    name: &str,
) -> Result<EvmAddress, SpecError> {
    if let Some(id) = identity(m, name) {
        return Ok(EvmAddress::parse(&id.evm_address).expect("manifest"));
    }
    if let Some(a) = chain.contracts.get(name) {
        return Ok(EvmAddress::parse(a).expect("manifest"));
    }
    EvmAddress::parse(name).map_err(|_| SpecError::UnknownParty { leg, what, name: name.into() })
}

/// The resolved plan.
#[derive(Clone, Debug)]
pub struct Plan {
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

impl BundleSpec {
    pub fn load(path: &std::path::Path) -> Result<BundleSpec, SpecError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SpecError::Read { path: path.display().to_string(), detail: e.to_string() })?;
        toml::from_str(&text).map_err(|e| SpecError::Read { path: path.display().to_string(), detail: e.to_string() })
    }

    /// Resolves names against the manifest and checks the timing rules; `now` in unix seconds.
    pub fn plan(&self, m: &Manifest, now: u64) -> Result<Plan, SpecError> {
        let creator = match identity(m, &self.creator) {
            Some(id) => id.hub_address.clone(),
            None if self.creator.starts_with("inj1") => self.creator.clone(),
            None => return Err(SpecError::UnknownCreator(self.creator.clone())),
        };
        let c = &m.profile.contracts;
        let mut slowest = Duration::ZERO;
        let mut legs = Vec::new();
        let mut net = BTreeMap::new();
        for (i, l) in self.legs.iter().enumerate() {
            let chain = m.evm.iter().find(|e| e.name == l.chain).ok_or_else(|| SpecError::UnknownChain {
                leg: i,
                chain: l.chain.clone(),
                known: m.evm.iter().map(|e| e.name.clone()).collect::<Vec<_>>().join(", "),
            })?;
            let profile_chain = m.profile.evm.iter().find(|e| e.chain_id == chain.chain_id);
            let confirm = profile_chain.map(|p| p.block_time * (p.confirmations as u32 + 1)).unwrap_or_default();
            slowest = slowest.max(confirm);
            let token = match chain.contracts.get(token_key(&l.token)) {
                Some(a) => EvmAddress::parse(a).expect("manifest"),
                None => EvmAddress::parse(&l.token).map_err(|_| SpecError::UnknownToken {
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
                chain_id: chain.chain_id,
                router: EvmAddress::parse(&chain.contracts["MeshRouter"]).expect("manifest"),
                depositor: party(m, chain, i, "depositor", &l.from)?,
                token,
                amount,
                recipient: party(m, chain, i, "recipient", &l.to)?,
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
        let id = Hash32(bundle_id(&m.bundle_domain(), &bundle));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devnet::keys::DevKeys;
    use crate::devnet::profile::Profile;

    fn manifest() -> Manifest {
        let profile =
            Profile::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../hub-config/devnet.toml")).unwrap();
        let chains = profile.evm.clone();
        let mut m = Manifest::new(&profile, 1, &chains, &DevKeys::new(4));
        for (i, c) in m.evm.iter_mut().enumerate() {
            c.contracts.insert("MeshRouter".into(), format!("0x{:040x}", 0x100 + i));
            c.contracts.insert("USDC".into(), format!("0x{:040x}", 0x200 + i));
            c.contracts.insert("DemoWETH".into(), format!("0x{:040x}", 0x300 + i));
            c.contracts.insert("LendingPool".into(), format!("0x{:040x}", 0x400 + i));
        }
        m
    }

    fn arbitrage() -> BundleSpec {
        BundleSpec::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/arbitrage.bundle.toml"))
            .unwrap()
    }

    #[test]
    fn amounts_parse_exactly_or_not_at_all() {
        assert_eq!(parse_units("100"), Some(100));
        assert_eq!(parse_units("10e18"), Some(10_000_000_000_000_000_000));
        assert_eq!(parse_units("0.009e18"), Some(9_000_000_000_000_000));
        assert_eq!(parse_units("-0.019e18"), Some(-19_000_000_000_000_000));
        assert_eq!(parse_units("1_000"), Some(1000));
        assert_eq!(parse_units("1.50e1"), Some(15));
        assert_eq!(parse_units("1.5"), None, "half a base unit");
        assert_eq!(parse_units("1.23e1"), None);
        for bad in ["", "e18", "abc", "1e", "1e99", "0x10", "1.2.3", "--1"] {
            assert_eq!(parse_units(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_arbitrage_spec_plans_with_every_constraint_holding() {
        let m = manifest();
        let p = arbitrage().plan(&m, 1_800_000_000).unwrap();
        assert_eq!(p.bundle.legs.len(), 3);
        assert_eq!(p.bundle.legs[0].depositor.to_string(), m.evm[0].contracts["LendingPool"], "contracts are parties");
        assert_eq!(p.bundle.legs[0].token.to_string(), m.evm[0].contracts["DemoWETH"], "WETH names the demo WETH");
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
        s.legs[2].amount = "10e18".into(); // repayment without the fee
        let err = s.plan(&manifest(), 0).unwrap_err();
        let SpecError::ConstraintsFail(failing) = &err else { panic!("{err}") };
        assert_eq!(failing.len(), 1, "carol now pays less, so only the lender's constraint breaks: {err}");
        assert_eq!(failing[0].about, "lender receives ≥ principal + fee");
        assert_eq!(failing[0].actual, 10_000_000_000_000_000_000);
        assert!(err.to_string().contains("10009000000000000000 required"), "{err}");
    }

    #[test]
    fn a_party_ending_worse_than_declared_is_refused() {
        let mut s = arbitrage();
        s.legs[1].amount = "9.9e18".into(); // the solver keeps 0.1 WETH: carol pays 0.109 in fees
        let err = s.plan(&manifest(), 0).unwrap_err();
        let SpecError::ConstraintsFail(failing) = &err else { panic!("{err}") };
        assert_eq!(failing.len(), 1);
        assert_eq!(failing[0].actual, -109_000_000_000_000_000);
        assert!(!failing[0].holds);
    }

    #[test]
    fn constraints_that_name_nothing_or_bound_nothing_are_refused() {
        let m = manifest();
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
        toml::from_str(
            &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/swap.bundle.toml")).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn the_example_spec_plans_into_a_valid_bundle_with_balanced_flows() {
        let m = manifest();
        let p = spec().plan(&m, 1_800_000_000).unwrap();
        assert_eq!(p.bundle.legs.len(), 2);
        assert_eq!(p.bundle.lock_deadline, 1_800_000_090);
        assert_eq!(p.bundle.settle_deadline, 1_800_000_210);
        assert_eq!(p.bundle.creator, m.accounts.users[0].hub_address);
        assert_eq!(p.bundle.legs[0].depositor.to_string(), m.accounts.users[0].evm_address);
        assert_eq!(p.net[&("alice".into(), "alpha".into(), "USDC".into())], -100);
        assert_eq!(p.net[&("bob".into(), "alpha".into(), "USDC".into())], 100);
        let per_token: i128 = p.net.values().sum();
        assert_eq!(per_token, 0, "what one party deposits another receives");
        assert!(p.timing.windows(2).all(|w| w[0].1 <= w[1].1), "the timing trace is in order");
    }

    #[test]
    fn unknown_chains_tokens_parties_and_amounts_are_refused_by_name() {
        let m = manifest();
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
        let m = manifest();
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
            let m = manifest();
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
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/swap.bundle.toml")).unwrap();
        let err = toml::from_str::<BundleSpec>(&text.replace("nonce = 7", "nonce = 7\nhurry = true")).unwrap_err();
        assert!(err.to_string().contains("hurry"), "{err}");
    }
}
