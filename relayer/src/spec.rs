//! Bundle spec files (`mesh bundle plan|register|lock`): parties, chains, tokens and amounts by
//! name, deadlines as durations, resolved against the devnet manifest into a protocol [`Bundle`]
//! and checked against the hub's timing rules before anything is sent.
use std::collections::BTreeMap;
use std::time::Duration;

use mesh_protocol::eip712::{bundle_id, leg_hash, HubDomain};
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
    /// Amount in the token's base units.
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
    #[error("invalid bundle: {0}")]
    Invalid(#[from] mesh_protocol::ProtocolError),
}

fn identity<'a>(m: &'a Manifest, name: &str) -> Option<&'a DevIdentity> {
    std::iter::once(&m.accounts.deployer)
        .chain(&m.accounts.relayers)
        .chain(std::iter::once(&m.accounts.disputer))
        .chain(&m.accounts.users)
        .find(|i| i.name == name)
}

fn party(m: &Manifest, leg: usize, what: &'static str, name: &str) -> Result<EvmAddress, SpecError> {
    if let Some(id) = identity(m, name) {
        return Ok(EvmAddress::parse(&id.evm_address).expect("manifest"));
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
            let token = match chain.contracts.get(&l.token) {
                Some(a) => EvmAddress::parse(a).expect("manifest"),
                None => EvmAddress::parse(&l.token).map_err(|_| SpecError::UnknownToken {
                    leg: i,
                    token: l.token.clone(),
                    chain: l.chain.clone(),
                })?,
            };
            let amount = Amount::parse(&l.amount)
                .ok()
                .filter(|a| !a.0.is_zero())
                .ok_or_else(|| SpecError::BadAmount { leg: i, amount: l.amount.clone() })?;
            let value: i128 = amount.0.try_into().unwrap_or(i128::MAX);
            *net.entry((l.from.clone(), l.chain.clone(), l.token.clone())).or_insert(0) -= value;
            *net.entry((l.to.clone(), l.chain.clone(), l.token.clone())).or_insert(0) += value;
            legs.push(Leg {
                chain_id: chain.chain_id,
                router: EvmAddress::parse(&chain.contracts["MeshRouter"]).expect("manifest"),
                depositor: party(m, i, "depositor", &l.from)?,
                token,
                amount,
                recipient: party(m, i, "recipient", &l.to)?,
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
        let id = Hash32(bundle_id(&HubDomain::new(m.hub.chain_id.clone()), &bundle));
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
        Ok(Plan { leg_hashes: bundle.legs.iter().map(|l| Hash32(leg_hash(l))).collect(), id, bundle, net, timing })
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
        }
        m
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

    #[test]
    fn unknown_keys_in_a_spec_are_refused() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/swap.bundle.toml")).unwrap();
        let err = toml::from_str::<BundleSpec>(&text.replace("nonce = 7", "nonce = 7\nhurry = true")).unwrap_err();
        assert!(err.to_string().contains("hurry"), "{err}");
    }
}
