//! The execution trace: for each step of a plan, the chain it lands on, the earliest and latest
//! block time it may land at for the bundle to COMMIT, the confirmations it waits, how the hub
//! comes to trust it (an EVM lock: the relayers' report standing through the dispute window; a
//! CosmWasm lock: a light-client proof) and who delivers it. As text and as JSON.
use std::fmt::Write;

use serde::Serialize;

use crate::directory::Vm;
use crate::render::utc;
use crate::spec::Plan;
use crate::steps::Action;

/// One step of the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TraceStep {
    pub id: usize,
    pub what: String,
    /// Who takes it.
    pub actor: String,
    /// "hub" or a chain of the network file.
    pub chain: String,
    /// Unix seconds: the earliest block time it can land at.
    pub earliest: u64,
    /// Unix seconds: the latest block time it may land at for the bundle to COMMIT.
    pub latest: u64,
    /// Blocks the relayers wait after it before reporting (locks).
    pub confirmations: Option<u32>,
    /// How the hub or the chain comes to trust it.
    pub proof: String,
    /// Who sends it.
    pub delivery: String,
    pub depends_on: Vec<usize>,
}

/// The plan's steps with their timing, in execution order.
pub fn trace(p: &Plan) -> Vec<TraceStep> {
    let steps = p.steps();
    let b = &p.bundle;
    let now = p.timing.first().map(|t| t.1).unwrap_or_default();
    let t = p.hub_timing;
    let chain = |name: &str| p.chains.iter().find(|(c, _)| c.name == name);
    let confirm_secs =
        |name: &str| chain(name).map(|(c, _)| (c.block_time * (c.confirmations + 1)).as_secs()).unwrap_or_default();
    let slowest = p.written.iter().map(|w| confirm_secs(&w.chain)).max().unwrap_or_default();
    // a COMMIT needs every lock reported (confirmations, a reporting round) and unchallenged
    let verdict_earliest = now + slowest + 5 + t.dispute_window.as_secs();
    let cutoff = b.settle_deadline.saturating_sub(t.delivery_margin.as_secs());
    let mut out = Vec::new();
    for id in steps.order().expect("a plan's steps have no cycle") {
        let s = &steps.0[id];
        let (what, chain_name, earliest, latest, confirmations, proof, delivery) = match &s.action {
            Action::Register => (
                "register the bundle on the hub".to_string(),
                "hub".to_string(),
                now,
                b.lock_deadline,
                None,
                "a hub transaction (final when included)".to_string(),
                format!("{} (creator's hub key)", p.creator_name),
            ),
            Action::Call { call } => {
                let c = &p.calls[*call];
                let bt = chain(&c.chain).map(|(e, _)| e.block_time.as_secs()).unwrap_or(1);
                (
                    format!("call {call}: {}", c.about),
                    c.chain.clone(),
                    now,
                    b.lock_deadline.saturating_sub(bt),
                    None,
                    "none: the party's own transaction, outside the bundle (it reverts rather than give less)".into(),
                    format!("{} (its own key: mesh bundle run, or its wallet)", c.party),
                )
            }
            Action::Lock { leg } => {
                let w = &p.written[*leg];
                let (confirmations, proof) = match chain(&w.chain) {
                    Some((c, Vm::Evm)) => (
                        Some(c.confirmations),
                        format!(
                            "relayers' signed report after {} confirmations, unchallenged through the {} s dispute window (optimistic)",
                            c.confirmations,
                            t.dispute_window.as_secs()
                        ),
                    ),
                    Some((c, Vm::CosmWasm)) => (
                        Some(c.confirmations),
                        "light-client proof of the lock against the hub's client of the chain".to_string(),
                    ),
                    None => (None, "unknown chain".into()),
                };
                let action = p.actions.get(*leg).cloned().flatten().map(|a| format!("; {a}")).unwrap_or_default();
                (
                    format!("lock leg {leg}: {} → {}{action}", w.from, w.to),
                    w.chain.clone(),
                    now,
                    b.lock_deadline,
                    confirmations,
                    proof,
                    format!("{} (depositor)", w.from),
                )
            }
            Action::Verdict => (
                "reports, dispute windows, verdict".to_string(),
                "hub".to_string(),
                verdict_earliest,
                cutoff,
                None,
                format!(
                    "stake-weighted reports of every lock; COMMIT once each stood {} s unchallenged",
                    t.dispute_window.as_secs()
                ),
                "relayers".to_string(),
            ),
            Action::Deliver { chain: c } => {
                let actions = p
                    .written
                    .iter()
                    .enumerate()
                    .filter(|(i, w)| w.chain == *c && p.bundle.legs[*i].action.is_some())
                    .map(|(i, _)| i.to_string())
                    .collect::<Vec<_>>();
                let settle = if actions.is_empty() {
                    String::new()
                } else {
                    format!("; action leg(s) {} by settleAction", actions.join(", "))
                };
                let proof = match chain(c).map(|x| x.1) {
                    Some(Vm::CosmWasm) => {
                        "the verdict's batch root, signed by the signer set, checked by the chain's Router".into()
                    }
                    _ => {
                        "the verdict's batch root, signed by the signer set, checked by the chain's SettlementVerifier"
                            .into()
                    }
                };
                (
                    format!("deliver the verdict to {c}{settle}"),
                    c.clone(),
                    verdict_earliest,
                    b.settle_deadline,
                    None,
                    proof,
                    "the relayers' poster, or anyone (mesh bundle deliver)".to_string(),
                )
            }
        };
        out.push(TraceStep {
            id,
            what,
            actor: s.actor.clone(),
            chain: chain_name,
            earliest,
            latest,
            confirmations,
            proof,
            delivery,
            depends_on: s.depends_on.clone(),
        });
    }
    out
}

/// The trace as text.
pub fn trace_text(p: &Plan) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "execution trace (block times UTC; each step after the ones in brackets):");
    for t in trace(p) {
        let after = if t.depends_on.is_empty() {
            String::new()
        } else {
            format!(" [{}]", t.depends_on.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "))
        };
        let _ = writeln!(s, "  {}. {} on {}{after}", t.id, t.what, t.chain);
        let _ = writeln!(s, "       lands between {} and {}", utc(t.earliest), utc(t.latest));
        if let Some(c) = t.confirmations {
            let _ = writeln!(s, "       confirmations {c}");
        }
        let _ = writeln!(s, "       trusted by: {}", t.proof);
        let _ = writeln!(s, "       sent by: {}", t.delivery);
    }
    s
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(2 + b.len() * 2);
    s.push_str("0x");
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// The plan as JSON: the bundle (as the hub takes it), the calls ready to send, the sizing and
/// the trace.
pub fn plan_json(p: &Plan, provisional: bool) -> serde_json::Value {
    use serde_json::json;
    let calls: Vec<_> = p
        .calls
        .iter()
        .map(|c| {
            json!({
                "about": c.about,
                "chain": c.chain,
                "party": c.party,
                "approve": c.approve.as_ref().map(|a| json!({
                    "token": a.token.to_evm().map(|x| x.to_string()).unwrap_or_else(|| a.token.to_string()),
                    "spender": a.spender.to_evm().map(|x| x.to_string()).unwrap_or_else(|| a.spender.to_string()),
                    "amount": a.amount.to_string(),
                })),
                "target": c.target.to_evm().map(|x| x.to_string()).unwrap_or_else(|| c.target.to_string()),
                "data": hex(&c.data),
                "value": c.value.to_string(),
            })
        })
        .collect();
    let sizing = p.sizing.as_ref().map(|s| {
        json!({
            "variables": s.vars.iter().map(|(n, v, u)| json!({"name": n, "value": v.to_string(), "token": u.symbol, "decimals": u.decimals})).collect::<Vec<_>>(),
            "candidates": s.candidates,
            "swaps": s.swaps,
            "gas": s.gas,
            "objective": s.objective,
            "composition": s.composition,
        })
    });
    json!({
        "bundle_id": p.id.to_string(),
        "provisional": provisional,
        "bundle": serde_json::to_value(&p.bundle).unwrap_or_default(),
        "legs": p.written.iter().enumerate().map(|(i, w)| json!({
            "chain": w.chain, "from": w.from, "to": w.to, "token": w.token,
            "amount": p.bundle.legs[i].amount.0.to_string(),
            "action": p.actions.get(i).cloned().flatten(),
        })).collect::<Vec<_>>(),
        "calls": calls,
        "sizing": sizing,
        "trace": trace(p),
    })
}
