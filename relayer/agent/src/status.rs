//! What the relayer knows about itself for `/health` and `/status`: each role's last good round,
//! its run of failures and last error, and the relayer's standing on the hub.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde::Serialize;

use crate::time::rfc3339_time;

/// One role's recent rounds.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct RoleHealth {
    /// Rounds that ended without error since start.
    pub rounds_ok: u64,
    /// Failed rounds since the last good one (0 when the last round was good).
    pub consecutive_failures: u32,
    /// RFC 3339 UTC.
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    /// RFC 3339 UTC.
    pub last_error_at: Option<String>,
}

/// The relayer as the hub sees it (refreshed by the daemon every few seconds).
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Standing {
    /// The relayer's hub account.
    pub address: String,
    /// Bonded stake in base units of the bond denom (0 when never bonded).
    pub bonded: String,
    pub active: bool,
    pub jailed: bool,
    /// Whether its EVM signer is in the current signer set.
    pub in_signer_set: bool,
    /// The current signer set's epoch (`None` before the first set).
    pub epoch: Option<u64>,
    /// RFC 3339 UTC.
    pub checked_at: String,
}

#[derive(Default)]
struct State {
    roles: BTreeMap<&'static str, RoleHealth>,
    standing: Option<Standing>,
    standing_error: Option<String>,
}

/// Shared by the roles' loops, the standing refresher and the HTTP handlers.
#[derive(Clone, Default)]
pub struct Health(Arc<Mutex<State>>);

impl Health {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        // a panic elsewhere while holding the lock leaves plain data behind: keep serving it
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut s)
    }

    /// Lists `role` before its first round.
    pub fn register(&self, role: &'static str) {
        self.with(|s| {
            s.roles.entry(role).or_default();
        });
    }

    pub fn success(&self, role: &'static str) {
        self.with(|s| {
            let r = s.roles.entry(role).or_default();
            r.rounds_ok += 1;
            r.consecutive_failures = 0;
            r.last_success = Some(rfc3339_time(SystemTime::now()));
        });
    }

    pub fn failure(&self, role: &'static str, error: &str) {
        self.with(|s| {
            let r = s.roles.entry(role).or_default();
            r.consecutive_failures += 1;
            r.last_error = Some(error.to_string());
            r.last_error_at = Some(rfc3339_time(SystemTime::now()));
        });
    }

    pub fn set_standing(&self, standing: Result<Standing, String>) {
        self.with(|s| match standing {
            Ok(v) => {
                s.standing = Some(v);
                s.standing_error = None;
            }
            Err(e) => s.standing_error = Some(e),
        });
    }

    pub fn roles(&self) -> BTreeMap<&'static str, RoleHealth> {
        self.with(|s| s.roles.clone())
    }

    /// The last standing read, and the error of the last read if it failed.
    pub fn standing(&self) -> (Option<Standing>, Option<String>) {
        self.with(|s| (s.standing.clone(), s.standing_error.clone()))
    }

    /// Roles that failed at least `threshold` rounds in a row.
    pub fn failing(&self, threshold: u32) -> Vec<(&'static str, RoleHealth)> {
        self.with(|s| {
            s.roles.iter().filter(|(_, r)| r.consecutive_failures >= threshold).map(|(n, r)| (*n, r.clone())).collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_is_failing_after_the_threshold_and_recovers_with_one_good_round() {
        let h = Health::default();
        h.register("reporter");
        h.register("signer");
        for _ in 0..2 {
            h.failure("reporter", "hub RPC down");
        }
        assert!(h.failing(3).is_empty());
        h.failure("reporter", "hub RPC down");
        let failing = h.failing(3);
        assert_eq!(failing.len(), 1);
        assert_eq!(failing[0].0, "reporter");
        assert_eq!(failing[0].1.consecutive_failures, 3);
        assert_eq!(failing[0].1.last_error.as_deref(), Some("hub RPC down"));
        h.success("reporter");
        assert!(h.failing(1).is_empty());
        let r = &h.roles()["reporter"];
        assert_eq!((r.rounds_ok, r.consecutive_failures), (1, 0));
        assert!(r.last_error.is_some(), "the last error stays visible in /status");
    }
}
