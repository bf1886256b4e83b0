//! The plan as a picture (SVG, hand-written): the hub on top, each chain a node below it with its
//! parties and pools inside; legs are arrows between parties with their amounts, calls are
//! arrows from a party to the contract it calls, an action is a dashed arrow from the leg to the
//! pool it sells on at COMMIT.
use std::fmt::Write;

use crate::spec::Plan;
use crate::units::show;

const CHAIN_W: i64 = 420;
const GAP: i64 = 60;
const ROW: i64 = 70;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The diagram of `p`.
pub fn plan_svg(p: &Plan) -> String {
    let mut chains: Vec<String> = Vec::new();
    for c in p.written.iter().map(|w| &w.chain).chain(p.calls.iter().map(|c| &c.chain)) {
        if !chains.contains(c) {
            chains.push(c.clone());
        }
    }
    // the nodes inside each chain: parties of its legs and calls, then called contracts
    let mut nodes: Vec<Vec<String>> = vec![Vec::new(); chains.len()];
    let ci = |c: &str| chains.iter().position(|x| x == c).unwrap_or(0);
    let mut add = |chain: usize, name: &str| {
        if !nodes[chain].iter().any(|n| n == name) {
            nodes[chain].push(name.to_string());
        }
    };
    for w in &p.written {
        add(ci(&w.chain), &w.from);
        add(ci(&w.chain), &w.to);
    }
    for c in &p.calls {
        add(ci(&c.chain), &c.party);
        add(ci(&c.chain), &target_name(p, &c.chain, &c.target));
    }
    for (i, l) in p.bundle.legs.iter().enumerate() {
        if let Some(a) = &l.action {
            add(ci(&p.written[i].chain), &target_name(p, &p.written[i].chain, &a.target));
        }
    }
    let rows = nodes.iter().map(Vec::len).max().unwrap_or(1) as i64;
    let width = chains.len() as i64 * (CHAIN_W + GAP) + GAP;
    let height = 160 + rows * ROW + 40 + (p.calls.len() + p.written.len()) as i64 * 4;
    let pos = |chain: usize, node: &str, nodes: &Vec<Vec<String>>| -> (i64, i64) {
        let row = nodes[chain].iter().position(|n| n == node).unwrap_or(0) as i64;
        let x0 = GAP + chain as i64 * (CHAIN_W + GAP);
        // parties on the left, contracts on the right, alternating down the box
        let x = if row % 2 == 0 { x0 + 90 } else { x0 + CHAIN_W - 90 };
        (x, 170 + row * ROW)
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"##
    );
    let _ = writeln!(
        s,
        r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>"##
    );
    let _ = writeln!(s, r##"<title>bundle {}</title>"##, p.id);
    let hub_x = width / 2;
    let _ = writeln!(
        s,
        r##"<rect class="hub" x="{}" y="10" width="240" height="44" rx="8" fill="#eef" stroke="#336"/><text x="{hub_x}" y="37" text-anchor="middle">hub: bundle {}…</text>"##,
        hub_x - 120,
        &p.id.to_string()[..10]
    );
    for (i, c) in chains.iter().enumerate() {
        let x0 = GAP + i as i64 * (CHAIN_W + GAP);
        let _ = writeln!(
            s,
            r##"<g class="chain" id="chain-{0}"><rect x="{x0}" y="110" width="{CHAIN_W}" height="{1}" rx="10" fill="#f8f8f8" stroke="#555"/><text x="{2}" y="130" text-anchor="middle" font-weight="bold">{0}</text></g>"##,
            esc(c),
            rows * ROW + 50,
            x0 + CHAIN_W / 2
        );
        let _ = writeln!(
            s,
            r##"<line x1="{hub_x}" y1="54" x2="{}" y2="110" stroke="#99a" stroke-dasharray="2 3"/>"##,
            x0 + CHAIN_W / 2
        );
        for n in &nodes[i] {
            let (x, y) = pos(i, n, &nodes);
            let _ = writeln!(
                s,
                r##"<g class="node"><circle cx="{x}" cy="{y}" r="16" fill="#fff" stroke="#333"/><text x="{x}" y="{}" text-anchor="middle">{}</text></g>"##,
                y + 30,
                esc(n)
            );
        }
    }
    let arrow = |s: &mut String, class: &str, from: (i64, i64), to: (i64, i64), label: &str, dash: bool, k: i64| {
        let bend = 30 + 14 * k;
        let (mx, my) = ((from.0 + to.0) / 2, (from.1 + to.1) / 2 - bend);
        let dash = if dash { r#" stroke-dasharray="6 4""# } else { "" };
        let _ = writeln!(
            s,
            r##"<g class="{class}"><path d="M {} {} Q {mx} {my} {} {}" fill="none" stroke="#333" marker-end="url(#arrow)"{dash}/><text x="{mx}" y="{}" text-anchor="middle">{}</text></g>"##,
            from.0,
            from.1 - 16,
            to.0,
            to.1 - 16,
            my + 8,
            esc(label)
        );
    };
    let mut k = 0;
    for (i, w) in p.written.iter().enumerate() {
        let c = ci(&w.chain);
        let amount = i128::try_from(p.bundle.legs[i].amount.0).unwrap_or(i128::MAX);
        let label = format!("leg {i}: {}", short(&show(amount, &p.units[i])));
        arrow(&mut s, "leg", pos(c, &w.from, &nodes), pos(c, &w.to, &nodes), &label, false, k);
        k += 1;
        if let Some(a) = &p.bundle.legs[i].action {
            let t = target_name(p, &w.chain, &a.target);
            let label = format!("on COMMIT: sells leg {i}, min {} out", a.min_out.0);
            arrow(&mut s, "action", pos(c, &w.to, &nodes), pos(c, &t, &nodes), &label, true, k);
            k += 1;
        }
    }
    for (i, call) in p.calls.iter().enumerate() {
        let c = ci(&call.chain);
        let t = target_name(p, &call.chain, &call.target);
        let spend = call.approve.as_ref().map(|a| format!(", spends {}", a.amount)).unwrap_or_default();
        let label = format!("call {i}{spend}");
        arrow(&mut s, "call", pos(c, &call.party, &nodes), pos(c, &t, &nodes), &label, false, k);
        k += 1;
    }
    s.push_str("</svg>\n");
    s
}

/// "10 WETH (10000000000000000000 base units)" → "10 WETH".
fn short(s: &str) -> String {
    s.split(" (").next().unwrap_or(s).to_string()
}

/// A contract's name for the picture: the chain's name for it when the plan's legs name it,
/// else the short address.
fn target_name(p: &Plan, chain: &str, a: &mesh_protocol::AccountId) -> String {
    if let Some(n) = p.sizing.iter().flat_map(|s| &s.names).find(|(c, x, _)| c == chain && x == a) {
        return n.2.clone();
    }
    for (i, l) in p.bundle.legs.iter().enumerate() {
        if p.written[i].chain == chain {
            if l.depositor == *a {
                return p.written[i].from.clone();
            }
            if l.recipient == *a {
                return p.written[i].to.clone();
            }
        }
    }
    let text = a.to_evm().map(|x| x.to_string()).unwrap_or_else(|| a.to_string());
    format!("{}…", &text[..10])
}
