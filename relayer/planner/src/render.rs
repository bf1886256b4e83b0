//! A plan for people: legs by name with amounts in whole tokens beside base units, net flows,
//! declared constraints, the timing trace in UTC, and the steps in order.
use std::fmt::Write;
use std::time::{Duration, UNIX_EPOCH};

use crate::spec::Plan;
use crate::units::{format_units, show};

/// Unix seconds as RFC 3339 UTC ("2026-12-02T11:00:00Z").
pub fn utc(t: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(t)).to_string()
}

/// The plan as text. A plan made before registration has a provisional id: the id binds the
/// lock deadline, which registration fixes.
pub fn plan_text(p: &Plan, provisional: bool) -> String {
    let mut s = String::new();
    let note = if provisional { "  (provisional: registration fixes the deadlines, and the id with them)" } else { "" };
    let _ = writeln!(s, "bundle id  {}{note}", p.id);
    let _ = writeln!(s, "creator    {} ({})  nonce {}", p.creator_name, p.bundle.creator, p.bundle.nonce);
    for (i, l) in p.bundle.legs.iter().enumerate() {
        let (w, u, [from, to, token]) = (&p.written[i], &p.units[i], &p.accounts[i]);
        let amount = i128::try_from(l.amount.0).unwrap_or(i128::MAX);
        let _ = writeln!(s, "leg {i} on {} (domain {}): {} → {}, {}", w.chain, l.domain, w.from, w.to, show(amount, u));
        let _ = writeln!(s, "      {from} → {to}, token {token}; leg hash {}", p.leg_hashes[i]);
    }
    let _ = writeln!(s, "net flows on COMMIT (ABORT returns everything):");
    for ((party, chain, token), v) in &p.net {
        match p.unit(Some(chain), token) {
            Some(u) => {
                let _ = writeln!(
                    s,
                    "  {party:<12} {:>+20} {} on {chain} ({v:+} base units)",
                    format_units(*v, u.decimals),
                    u.symbol
                );
            }
            None => {
                let _ = writeln!(s, "  {party:<12} {v:>+20} base units of {token} on {chain}");
            }
        }
    }
    if !p.constraints.is_empty() {
        let _ = writeln!(s, "declared constraints (on COMMIT):");
        for c in &p.constraints {
            let mark = if c.holds { "holds" } else { "FAILS" };
            let _ = writeln!(s, "  {mark:<6} {}: {} (≥ {})", c.about, c.show(c.actual), c.show(c.required));
        }
    }
    let _ = writeln!(s, "timing (UTC):");
    for (what, t) in &p.timing {
        let _ = writeln!(s, "  {}  (+{:>4}s)  {what}", utc(*t), t.saturating_sub(p.timing[0].1));
    }
    let steps = p.steps();
    let _ = writeln!(s, "steps (each after the ones in brackets):");
    for id in steps.order().expect("a plan's steps have no cycle") {
        let st = &steps.0[id];
        let by = st.deadline.map(|d| format!(", by {}", utc(d))).unwrap_or_default();
        let after = if st.depends_on.is_empty() {
            String::new()
        } else {
            format!(" [{}]", st.depends_on.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "))
        };
        let _ = writeln!(s, "  {id}. {} — {}{by}{after}", st.action, st.actor);
    }
    s
}
