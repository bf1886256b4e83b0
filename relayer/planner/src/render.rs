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
    s.push_str(&sizing_text(p));
    let _ = writeln!(s, "net flows of the legs on COMMIT (ABORT returns everything):");
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

/// The live parts of a plan for people: the sizing, each swap against its tolerance, the
/// parties' own calls ready to send, gas per party, the objective, the composition check.
pub fn sizing_text(p: &Plan) -> String {
    let mut s = String::new();
    for (i, a) in p.actions.iter().enumerate() {
        if let Some(a) = a {
            let _ = writeln!(s, "leg {i}'s action: {a}");
        }
    }
    let Some(z) = &p.sizing else { return s };
    if !z.vars.is_empty() {
        let _ = writeln!(
            s,
            "sized from live state: {} (best of {} candidates)",
            crate::sizing::show_vars(&z.vars),
            z.candidates
        );
    }
    if !z.swaps.is_empty() {
        let _ = writeln!(s, "swaps (slippage from the pool's mid price, within tolerance):");
        for w in &z.swaps {
            let _ = writeln!(s, "  {w}");
        }
    }
    if !p.calls.is_empty() {
        let _ = writeln!(s, "the parties' own calls, before their locks (ready to send):");
        for (i, c) in p.calls.iter().enumerate() {
            let target = c.target.to_evm().map(|a| a.to_string()).unwrap_or_else(|| c.target.to_string());
            let _ = writeln!(s, "  call {i} by {} on {}: {}", c.party, c.chain, c.about);
            if let Some(a) = &c.approve {
                let token = a.token.to_evm().map(|x| x.to_string()).unwrap_or_default();
                let spender = a.spender.to_evm().map(|x| x.to_string()).unwrap_or_default();
                let _ = writeln!(s, "      approve {spender} for {} of token {token}", a.amount);
            }
            let data: String = c.data.iter().map(|b| format!("{b:02x}")).collect();
            let _ = writeln!(s, "      to {target}, value {}, data 0x{data}", c.value);
        }
    }
    if !z.gas.is_empty() {
        let _ = writeln!(s, "gas (estimates at the chains' current prices), per party:");
        for g in &z.gas {
            let valued = match (&g.valued, &z.objective) {
                (Some(v), Some(o)) => format!(" ≈ {}", show(*v, &o.unit)),
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "  {:<12} {:<8} {:>8} gas × {} = {} native base units{valued}",
                g.party, g.chain, g.gas, g.price, g.native
            );
        }
    }
    if let Some(o) = &z.objective {
        let _ = writeln!(s, "objective: {o}");
    }
    if !z.composition.is_empty() {
        let _ = writeln!(s, "composition (every input held or produced earlier):");
        for c in &z.composition {
            let _ = writeln!(s, "  {c}");
        }
    }
    s
}
