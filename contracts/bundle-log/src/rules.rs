//! The timing rules of a bundle, as pure functions of its record and the hub time.
//!
//! `W` = dispute window, `M` = delivery margin, `t` = hub time of the decision.
//! * A bundle is decided only when none of its reports is inside its window
//!   (`t ≥ reported_at + W` for every report; a lock proven against a light client has no
//!   window), so every report can still be disputed while the bundle is pending, and a reverted
//!   report can never change a decided verdict.
//! * Every leg reported: COMMIT if `t + M < settle_deadline`, else ABORT (too late to deliver).
//! * A leg missing: ABORT once `t > lock_deadline`.
//! * After a report was rejected (objections) or disproven (fraud proof), nothing is decided
//!   before `rereport_until`, so a relayer that front-ran the honest report with a false one
//!   cannot force an ABORT of a fully locked bundle (audit finding 6).

use crate::msg::VerdictReason;
use crate::state::{BundleHead, BundleInfo};
use mesh_protocol::Verdict;

/// End (exclusive) of the last open dispute window of the bundle's reports (each report's
/// `window_ends_at`: `reported_at + W`, or `reported_at` for a lock proven against a light
/// client), or of its re-report grace, 0 if none.
fn windows_end(h: &BundleHead) -> u64 {
    h.windows_end.max(h.rereport_until.unwrap_or(0))
}

/// Every leg that locks something is reported; mint and release legs lock nothing and are ready
/// from registration (the hub matched each of them with a lock or burn leg of the bundle).
fn all_reported(b: &BundleInfo, h: &BundleHead) -> bool {
    b.locking_legs().all(|(leg, _)| h.is_reported(leg))
}

/// The verdict the bundle gets at time `now`, `None` while it must wait.
pub fn decide(b: &BundleInfo, h: &BundleHead, now: u64, margin: u64) -> Option<(Verdict, VerdictReason)> {
    if now < windows_end(h) {
        return None;
    }
    if all_reported(b, h) {
        if now.saturating_add(margin) < b.bundle.settle_deadline {
            Some((Verdict::Commit, VerdictReason::AllLegsLocked))
        } else {
            Some((Verdict::Abort, VerdictReason::TooLateToCommit))
        }
    } else if now > b.bundle.lock_deadline {
        Some((Verdict::Abort, VerdictReason::LegMissing))
    } else {
        None
    }
}

/// The earliest time at which [`decide`] can return a verdict given the reports so far.
/// Whenever `decide(b, h, now)` is `None`, this is later than `now`.
pub fn next_check(b: &BundleInfo, h: &BundleHead) -> u64 {
    let end = windows_end(h);
    if all_reported(b, h) {
        end
    } else {
        end.max(b.bundle.lock_deadline.saturating_add(1))
    }
}

/// Hub time before which (strictly) a COMMIT is still possible.
pub fn commit_cutoff(b: &BundleInfo, margin: u64) -> u64 {
    b.bundle.settle_deadline.saturating_sub(margin)
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: u64 = 100;
    const M: u64 = 50;

    fn record(reports: Vec<Option<u64>>) -> (BundleInfo, BundleHead) {
        let info = crate::state::test_info(reports.len(), 1_000, 1_400);
        let mut head = BundleHead::default();
        for (i, r) in reports.iter().enumerate() {
            if let Some(t) = r {
                head.set_reported(info.leg(i as u32).unwrap(), true);
                head.windows_end = head.windows_end.max(t + W);
            }
        }
        (info, head)
    }

    #[test]
    fn commit_needs_every_window_passed_and_time_to_deliver() {
        let (b, h) = record(vec![Some(900), Some(950)]);
        assert_eq!(decide(&b, &h, 1_049, M), None, "second window still open");
        assert_eq!(next_check(&b, &h), 1_050);
        assert_eq!(decide(&b, &h, 1_050, M), Some((Verdict::Commit, VerdictReason::AllLegsLocked)));
        assert_eq!(decide(&b, &h, 1_349, M), Some((Verdict::Commit, VerdictReason::AllLegsLocked)));
        assert_eq!(decide(&b, &h, 1_350, M), Some((Verdict::Abort, VerdictReason::TooLateToCommit)));
        assert_eq!(commit_cutoff(&b, M), 1_350);
    }

    #[test]
    fn missing_leg_aborts_only_after_lock_deadline_and_open_windows() {
        let (b, h) = record(vec![Some(990), None]);
        assert_eq!(decide(&b, &h, 1_000, M), None);
        assert_eq!(decide(&b, &h, 1_089, M), None, "the report is still disputable");
        assert_eq!(next_check(&b, &h), 1_090);
        assert_eq!(decide(&b, &h, 1_090, M), Some((Verdict::Abort, VerdictReason::LegMissing)));
        let (none, hn) = record(vec![None, None]);
        assert_eq!(next_check(&none, &hn), 1_001);
        assert_eq!(decide(&none, &hn, 1_000, M), None);
        assert_eq!(decide(&none, &hn, 1_001, M), Some((Verdict::Abort, VerdictReason::LegMissing)));
    }

    #[test]
    fn a_rejected_report_keeps_the_bundle_undecided_through_the_rereport_grace() {
        // Leg 1's false report was rejected at 1_020 with a grace of 100: even past the lock
        // deadline, no ABORT before 1_120, so the honest relayer can re-report the real lock.
        let (b, mut h) = record(vec![Some(990), None]);
        h.rereport_until = Some(1_120);
        assert_eq!(decide(&b, &h, 1_119, M), None);
        assert_eq!(next_check(&b, &h), 1_120);
        assert_eq!(decide(&b, &h, 1_120, M), Some((Verdict::Abort, VerdictReason::LegMissing)));
    }

    #[test]
    fn next_check_is_always_later_than_an_undecided_now() {
        for a in [None, Some(0), Some(500), Some(999), Some(1_300)] {
            for c in [None, Some(10), Some(1_000), Some(1_390)] {
                let (b, h) = record(vec![a, c]);
                for now in (0..2_000).step_by(7) {
                    if decide(&b, &h, now, M).is_none() {
                        assert!(next_check(&b, &h) > now, "{a:?} {c:?} at {now}");
                    }
                }
            }
        }
    }
}
