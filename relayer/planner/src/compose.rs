//! The composition check: walking the plan's steps in order (the parties' calls, then the
//! locks, then the actions on COMMIT), every input of a step must be held by its party (a live
//! balance) or produced by an earlier step of that party on that chain; the first step for which
//! neither is true is named with the numbers. Tokens a leg pays on COMMIT are not available to
//! any call or lock of the same bundle (those all run before the verdict), so they never count.
use std::collections::BTreeMap;

use alloy_primitives::U256;
use mesh_protocol::AccountId;

use crate::directory::Directory;
use crate::market::{Market, TokenRef};
use crate::sizing::{show_u, Priced};
use crate::spec::{BundleSpec, Plan, SpecError};
use crate::units::Unit;

#[derive(Default)]
struct Entry {
    held: U256,
    produced: U256,
    spent: U256,
    producers: Vec<String>,
}

/// Checks `plan` (sized as `p`) step by step; returns one line per step for the plan's text.
pub(crate) fn check(
    spec: &BundleSpec,
    d: &dyn Directory,
    m: &dyn Market,
    plan: &Plan,
    p: &Priced,
) -> Result<Vec<String>, SpecError> {
    let _ = d;
    let mut ledger: BTreeMap<(String, String, TokenRef), Entry> = BTreeMap::new();
    let mut lines = Vec::new();
    for (i, c) in p.calls.iter().enumerate() {
        let step = format!("call {i} ({})", c.planned.about);
        let chain = &c.planned.chain;
        for (token, unit, amount) in &c.spends {
            spend(
                &mut ledger,
                m,
                &step,
                &c.planned.party,
                &c.account,
                chain,
                token,
                unit,
                U256::from(*amount),
                &mut lines,
            )?;
        }
        for (token, unit, amount) in &c.produces {
            let key = (c.planned.party.clone(), chain.clone(), *token);
            let held = match ledger.get(&key) {
                Some(_) => U256::ZERO,
                None => m.balance(chain, token, &c.account).unwrap_or_default(),
            };
            let e = ledger.entry(key).or_insert_with(|| Entry { held, ..Default::default() });
            e.produced += U256::from(*amount);
            e.producers.push(format!("call {i}"));
            lines.push(format!(
                "{step}: produces {} for {} on {chain}",
                show_u(U256::from(*amount), unit),
                c.planned.party
            ));
        }
    }
    // a mint or release leg locks nothing: its Router pays on COMMIT
    for (i, (l, w)) in plan.bundle.legs.iter().zip(&spec.legs).enumerate().filter(|(_, (l, _))| l.kind.needs_lock()) {
        let step = format!("lock leg {i} ({} → {} on {})", w.from, w.to, w.chain);
        spend(
            &mut ledger,
            m,
            &step,
            &w.from,
            &l.depositor,
            &w.chain,
            &Some(l.token),
            &plan.units[i],
            l.amount.0,
            &mut lines,
        )?;
    }
    for (i, a) in plan.bundle.legs.iter().enumerate().filter_map(|(i, l)| l.action.as_ref().map(|a| (i, a))) {
        let _ = a;
        lines.push(format!("leg {i}'s action on COMMIT: spends the leg's own escrow (nothing else)"));
    }
    Ok(lines)
}

#[allow(clippy::too_many_arguments)]
fn spend(
    ledger: &mut BTreeMap<(String, String, TokenRef), Entry>,
    m: &dyn Market,
    step: &str,
    party: &str,
    who: &AccountId,
    chain: &str,
    token: &TokenRef,
    unit: &Unit,
    amount: U256,
    lines: &mut Vec<String>,
) -> Result<(), SpecError> {
    let key = (party.to_string(), chain.to_string(), *token);
    if !ledger.contains_key(&key) {
        let held = m
            .balance(chain, token, who)
            .ok_or_else(|| SpecError::Market(format!("no balance of {} for {party} on {chain}", unit.symbol)))?;
        ledger.insert(key.clone(), Entry { held, ..Default::default() });
    }
    let e = ledger.get_mut(&key).expect("inserted");
    let has = (e.held + e.produced).saturating_sub(e.spent);
    if has < amount {
        let by = if e.producers.is_empty() {
            "nothing earlier produces it".to_string()
        } else {
            format!("produced by {}", e.producers.join(", "))
        };
        return Err(SpecError::CompositionBreak {
            step: step.into(),
            party: party.into(),
            needs: format!("{} on {chain}", show_u(amount, unit)),
            has: show_u(has, unit),
            detail: format!(
                "holds {}, {by} ({}), spent earlier {}; fund {party} or add a call that produces it",
                show_u(e.held, unit),
                show_u(e.produced, unit),
                show_u(e.spent, unit)
            ),
        });
    }
    e.spent += amount;
    lines.push(format!(
        "{step}: {party} spends {} on {chain} (holds {}, produced earlier {})",
        show_u(amount, unit),
        show_u(e.held, unit),
        show_u(e.produced, unit)
    ));
    Ok(())
}
