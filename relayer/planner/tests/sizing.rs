//! Planning from live state, against a market written down: the demo's arbitrage sized from the
//! two pools' reserves (the grid's best loan, checked against a brute force written apart), the
//! calls and the action ready to send, refusals for slippage and for unprofitability with their
//! numbers, the composition check naming the step that breaks it, and the trace, JSON and SVG.
mod common;

use alloy_primitives::U256;
use alloy_sol_types::SolCall;
use common::{directory, example};
use mesh_planner::directory::Directory;
use mesh_planner::market::{PoolState, Snapshot};
use mesh_planner::network::NetworkDirectory;
use mesh_planner::spec::*;
use mesh_protocol::AccountId;
use proptest::prelude::*;

alloy_sol_types::sol! {
    function swapExactIn(address tokenIn, uint256 amountIn, uint256 minOut, address to) external returns (uint256 amountOut);
    function deposit(address token, uint256 amount) external;
}

const E18: u128 = 1_000_000_000_000_000_000;
const E6: u128 = 1_000_000;
const NOW: u64 = 1_800_000_000;
const GWEI: u128 = 1_000_000_000;

fn acct(d: &NetworkDirectory, chain: &str, name: &str) -> AccountId {
    d.account(chain, name).or_else(|| d.token(chain, name).map(|t| t.address)).unwrap()
}

/// Both chains' WETH/USDC pools (WETH is token0) with the given reserves, the parties' balances,
/// gas at `gas_gwei`.
fn market(d: &NetworkDirectory, alpha: (u128, u128), beta: (u128, u128), carol_usdc: u128, gas_gwei: u128) -> Snapshot {
    let mut s = Snapshot::default();
    for (chain, (w, u)) in [("alpha", alpha), ("beta", beta)] {
        s.pools.insert(
            (chain.into(), acct(d, chain, "ConstantProductPool")),
            PoolState {
                token0: acct(d, chain, "WETH"),
                token1: acct(d, chain, "USDC"),
                reserve0: U256::from(w),
                reserve1: U256::from(u),
                fee_numerator: U256::from(997),
                fee_denominator: U256::from(1000),
            },
        );
        s.gas_prices.insert(chain.into(), gas_gwei * GWEI);
    }
    let mut bal = |chain: &str, token: Option<&str>, who: &str, v: u128| {
        s.balances.insert((chain.into(), token.map(|t| acct(d, chain, t)), acct(d, chain, who)), U256::from(v));
    };
    bal("alpha", Some("USDC"), "carol", carol_usdc);
    bal("alpha", Some("WETH"), "carol", 0);
    bal("alpha", Some("WETH"), "LendingPool", 500 * E18);
    bal("beta", Some("WETH"), "bob", 0);
    bal("beta", None, "bob", 1_000 * E18);
    s
}

/// The devnet's demo market: 100 WETH at 3 000 USDC on alpha, 3 900 on beta (same k).
fn demo_market(d: &NetworkDirectory) -> Snapshot {
    market(d, (100 * E18, 300_000 * E6), (87_705 * E18 / 1000, 342_049_500_000), 1_000_000 * E6, 1)
}

fn arbitrage() -> BundleSpec {
    BundleSpec::load(&example("arbitrage.bundle.toml")).unwrap()
}

/// The pool's formula, written apart from the planner's.
fn out(a: u128, r_in: u128, r_out: u128) -> u128 {
    let a = U256::from(a) * U256::from(997);
    (a * U256::from(r_out) / (U256::from(r_in) * U256::from(1000) + a)).to::<u128>()
}

/// The least input buying `want`, by bisection over the formula above.
fn cost(want: u128, r_in: u128, r_out: u128) -> Option<u128> {
    if want >= r_out {
        return None;
    }
    let (mut lo, mut hi) = (1u128, 1u128);
    while out(hi, r_in, r_out) < want {
        hi *= 2;
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if out(mid, r_in, r_out) >= want {
            hi = mid
        } else {
            lo = mid + 1
        }
    }
    Some(lo)
}

/// Carol's USDC after gas for a loan, by brute force: the sale's quote less the purchase's
/// cost less her gas (approve + swap on alpha, approve + lock on alpha) valued at alpha's mid
/// price; `None` when a swap is beyond the tolerance (bps) or cannot be priced.
fn carol_net(loan: u128, alpha: (u128, u128), beta: (u128, u128), gas_gwei: u128, tol: u128) -> Option<i128> {
    let (bridged, repay) = (loan * 999 / 1000, loan * 10009 / 10000);
    let sold = out(bridged, beta.0, beta.1);
    let ideal_sale = bridged * beta.1 / beta.0;
    let paid = cost(repay, alpha.1, alpha.0)?;
    let ideal_buy = paid * alpha.0 / alpha.1; // WETH the USDC is worth at alpha's mid price
    let bought = out(paid, alpha.1, alpha.0);
    let within = |quote: u128, ideal: u128| quote >= ideal * (10_000 - tol) / 10_000;
    if !within(sold, ideal_sale) || !within(bought, ideal_buy) {
        return None;
    }
    let gas = (110_000 + 50_000 + 150_000 + 50_000) as u128 * gas_gwei * GWEI;
    let gas_usdc = gas * alpha.1 / alpha.0;
    Some(sold as i128 - paid as i128 - gas_usdc as i128)
}

#[test]
fn the_arbitrage_is_one_diagram_sized_at_the_grids_best_loan() {
    let d = directory();
    let m = demo_market(&d);
    let p = arbitrage().plan_with(&d, Some(&m), NOW).unwrap();
    let z = p.sizing.as_ref().unwrap();
    let (name, loan, _) = &z.vars[0];
    assert_eq!((name.as_str(), z.candidates), ("loan", 1951));
    // the brute force over the same grid agrees on the loan and on carol's net
    let alpha = (100 * E18, 300_000 * E6);
    let beta = (87_705 * E18 / 1000, 342_049_500_000);
    let best = (50..=2000u128)
        .map(|c| c * E18 / 100)
        .filter_map(|l| carol_net(l, alpha, beta, 1, 1000).map(|n| (n, l)))
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
        .unwrap();
    assert_eq!((*loan as u128, z.objective.as_ref().unwrap().net), (best.1, best.0));
    assert!(*loan > 5 * E18 as i128 && *loan < 8 * E18 as i128, "about where the marginal prices meet: {loan}");
    let loan = *loan as u128;
    let legs = &p.bundle.legs;
    assert_eq!(
        [legs[0].amount.0, legs[1].amount.0, legs[2].amount.0],
        [loan, loan * 999 / 1000, loan * 10009 / 10000].map(U256::from)
    );

    // leg 1's action: the sale on beta's pool for carol, min_out = mid-price value less 10 %
    let a = legs[1].action.as_ref().expect("the sale on beta is the leg's action");
    let (pool_b, carol_b) = (acct(&d, "beta", "ConstantProductPool"), acct(&d, "beta", "carol"));
    assert_eq!((a.target, a.output_token), (pool_b, acct(&d, "beta", "USDC")));
    let ideal = U256::from(loan * 999 / 1000) * U256::from(beta.1) / U256::from(beta.0);
    assert_eq!(a.min_out.0, ideal * U256::from(9000) / U256::from(10_000));
    let call = swapExactInCall::abi_decode(&a.data.0).unwrap();
    assert_eq!(
        (call.tokenIn, call.amountIn, call.minOut, call.to),
        (
            acct(&d, "beta", "WETH").to_evm().unwrap(),
            U256::from(loan * 999 / 1000),
            a.min_out.0,
            carol_b.to_evm().unwrap()
        )
    );

    // call 0: carol's purchase of the repayment on alpha, exact output, approve first
    let c = &p.calls[0];
    let paid = cost(loan * 10009 / 10000, alpha.1, alpha.0).unwrap();
    let approve = c.approve.as_ref().unwrap();
    assert_eq!((approve.token, approve.spender, approve.amount), (acct(&d, "alpha", "USDC"), c.target, paid));
    assert_eq!((c.party.as_str(), c.chain.as_str(), c.value), ("carol", "alpha", 0));
    let s = swapExactInCall::abi_decode(&c.data).unwrap();
    assert_eq!(
        (s.amountIn, s.minOut),
        (U256::from(paid), U256::from(loan * 10009 / 10000)),
        "reverts rather than buy less"
    );
    // call 1: bob wraps what he bridges (a call by signature with a value)
    let w = &p.calls[1];
    assert_eq!(
        (w.data.as_slice(), w.value, w.approve.is_none()),
        (&[0xd0, 0xe3, 0x0d, 0xb0][..], loan * 999 / 1000, true)
    );

    // every step's input is held or produced earlier
    assert!(
        z.composition.iter().any(|l| l.starts_with("lock leg 1 (bob → carol on beta): bob spends")),
        "{:?}",
        z.composition
    );
    let text = mesh_planner::render::plan_text(&p, true);
    assert!(text.contains("sized from live state: loan = ") && text.contains("(best of 1951 candidates)"), "{text}");
    assert!(text.contains("objective: carol nets"), "{text}");
}

#[test]
fn a_plan_whose_slippage_exceeds_its_tolerance_is_refused_with_the_numbers() {
    let d = directory();
    let m = demo_market(&d);
    let text = std::fs::read_to_string(example("arbitrage.bundle.toml"))
        .unwrap()
        .replace("slippage = \"10%\"", "slippage = \"0.5%\"");
    let s: BundleSpec = toml::from_str(&text).unwrap();
    let err = s.plan_with(&d, Some(&m), NOW).unwrap_err();
    let SpecError::SlippageExceeded { vars, check } = &err else { panic!("{err}") };
    // the least slippy size is the smallest loan; even it loses more than 0.5 % to the mid price
    assert_eq!(vars, "loan = 0.5 WETH");
    assert_eq!(check.tolerance_bps, 50);
    assert!(check.slippage_bps > 50 && check.quote < check.min_out, "{check:?}");
    let msg = err.to_string();
    assert!(msg.starts_with("slippage exceeds the tolerance (at the best size: loan = 0.5 WETH): "), "{msg}");
    assert!(msg.contains(&format!("(slippage {} bps, tolerance 50 bps, min_out ", check.slippage_bps)), "{msg}");
}

#[test]
fn a_plan_that_loses_money_after_gas_is_refused_with_the_numbers() {
    let d = directory();
    let m = demo_market(&d);
    // past the point where the pools' prices cross, with room for the slippage of such sizes
    let text = std::fs::read_to_string(example("arbitrage.bundle.toml"))
        .unwrap()
        .replace("slippage = \"10%\"", "slippage = \"30%\"");
    let mut s: BundleSpec = toml::from_str(&text).unwrap();
    s.variables[0].min = "15 WETH".into();
    let err = s.plan_with(&d, Some(&m), NOW).unwrap_err();
    let SpecError::Unprofitable { vars, outcome } = &err else { panic!("{err}") };
    assert_eq!(vars, "loan = 15 WETH", "the least loss is at the smallest loan allowed");
    let alpha = (100 * E18, 300_000 * E6);
    let beta = (87_705 * E18 / 1000, 342_049_500_000);
    assert_eq!(outcome.net, carol_net(15 * E18, alpha, beta, 1, 3000).unwrap());
    assert!(outcome.net < 0 && outcome.gas > 0 && outcome.net == outcome.gross - outcome.gas);
    let msg = err.to_string();
    assert!(msg.contains("carol nets ") && msg.contains(", net after gas -"), "{msg}");
    // gas alone can make it lose: the same plan at 100 000 gwei
    let pricey = market(&d, alpha, beta, 1_000_000 * E6, 100_000);
    let err = arbitrage().plan_with(&d, Some(&pricey), NOW).unwrap_err();
    assert!(matches!(&err, SpecError::Unprofitable { outcome, .. } if outcome.gross > 0 && outcome.net < 0), "{err}");
}

#[test]
fn the_composition_check_names_the_step_that_breaks_it() {
    let d = directory();
    // carol holds 10 USDC: her purchase on alpha cannot be paid
    let poor = market(&d, (100 * E18, 300_000 * E6), (87_705 * E18 / 1000, 342_049_500_000), 10 * E6, 1);
    let err = arbitrage().plan_with(&d, Some(&poor), NOW).unwrap_err();
    let SpecError::CompositionBreak { step, party, has, .. } = &err else { panic!("{err}") };
    assert_eq!((step.as_str(), party.as_str()), ("call 0 (carol buys the repayment on alpha's pool)", "carol"));
    assert_eq!(has, "10 USDC (10000000 base units)");
    // without bob's wrap, nothing produces the WETH he locks
    let mut s = arbitrage();
    s.calls.truncate(1);
    let err = s.plan_with(&d, Some(&demo_market(&d)), NOW).unwrap_err();
    let SpecError::CompositionBreak { step, .. } = &err else { panic!("{err}") };
    assert_eq!(step, "lock leg 1 (bob → carol on beta)");
    assert!(err.to_string().contains("holds 0 WETH (0 base units), nothing earlier produces it"), "{err}");
}

#[test]
fn live_parts_without_a_market_and_unknown_or_originless_kinds_are_refused_by_name() {
    let d = directory();
    assert!(matches!(arbitrage().plan(&d, NOW), Err(SpecError::NeedsMarket)));
    let mut s = arbitrage();
    s.legs[1].kind = Some("mint".into());
    let err = s.plan_with(&d, Some(&demo_market(&d)), NOW).unwrap_err();
    assert!(matches!(&err, SpecError::KindNeedsOrigin { leg: 1, kind: "mint" }), "{err}");
    s.legs[1].kind = None;
    s.legs[1].origin = Some("alpha".into());
    let err = s.plan_with(&d, Some(&demo_market(&d)), NOW).unwrap_err();
    assert!(matches!(&err, SpecError::OriginOnKind { leg: 1, kind: "escrow" }), "{err}");
    s.legs[1].kind = Some("teleport".into());
    assert!(matches!(s.plan_with(&d, Some(&demo_market(&d)), NOW), Err(SpecError::UnknownLegKind { leg: 1, .. })));
    let mut s = arbitrage();
    s.objective = None;
    assert!(matches!(s.plan_with(&d, Some(&demo_market(&d)), NOW), Err(SpecError::BadVariable { .. })));
    let mut s = arbitrage();
    s.variables[0].step = "0.00001 WETH".into();
    let err = s.plan_with(&d, Some(&demo_market(&d)), NOW).unwrap_err();
    assert!(err.to_string().contains("more than 100000 candidates"), "{err}");
}

#[test]
fn a_call_by_signature_encodes_its_named_arguments_exactly() {
    let d = directory();
    let mut s = arbitrage();
    s.calls.push(CallSpec {
        about: None,
        party: "carol".into(),
        chain: "alpha".into(),
        swap: None,
        deposit: None,
        call: Some(CallBySignature {
            contract: "LendingPool".into(),
            signature: "deposit(address,uint256)".into(),
            args: vec!["WETH".into(), "loan * 0.000001".into()],
            value: None,
            spends: None,
            produces: None,
        }),
        gas: Some(60_000),
    });
    let p = s.plan_with(&d, Some(&demo_market(&d)), NOW).unwrap();
    let loan = p.sizing.as_ref().unwrap().vars[0].1 as u128;
    let want = depositCall { token: acct(&d, "alpha", "WETH").to_evm().unwrap(), amount: U256::from(loan / 1_000_000) };
    assert_eq!(p.calls[2].data, want.abi_encode());
    assert_eq!(p.calls[2].target, acct(&d, "alpha", "LendingPool"));
    // an argument that names nothing is refused with the call's index
    s.calls[2].call.as_mut().unwrap().args[0] = "nobody".into();
    assert!(matches!(s.plan_with(&d, Some(&demo_market(&d)), NOW), Err(SpecError::BadCall { call: 2, .. })));
}

#[test]
fn the_trace_json_and_svg_show_every_step_chain_and_arrow() {
    let d = directory();
    let p = arbitrage().plan_with(&d, Some(&demo_market(&d)), NOW).unwrap();
    let t = mesh_planner::trace::trace(&p);
    // register, 2 calls, 3 locks, the verdict, a delivery to each of 2 chains
    assert_eq!(t.len(), 9);
    for s in &t {
        assert!(s.earliest <= s.latest, "{s:?}");
    }
    let lock = t.iter().find(|s| s.what.starts_with("lock leg 1")).unwrap();
    assert_eq!((lock.chain.as_str(), lock.confirmations, lock.latest), ("beta", Some(2), p.bundle.lock_deadline));
    assert!(
        lock.proof.contains("15 s dispute window (optimistic)") && lock.what.contains("on COMMIT sells"),
        "{lock:?}"
    );
    let call = t.iter().find(|s| s.what.starts_with("call 0")).unwrap();
    assert!(call.latest < p.bundle.lock_deadline && call.delivery.starts_with("carol"));
    let deliver = t.iter().find(|s| s.what.starts_with("deliver the verdict to beta")).unwrap();
    assert!(deliver.what.contains("action leg(s) 1 by settleAction") && deliver.latest == p.bundle.settle_deadline);
    let verdict = t.iter().find(|s| s.chain == "hub" && s.what.starts_with("reports")).unwrap();
    assert_eq!(verdict.latest, p.bundle.settle_deadline - 20);
    let text = mesh_planner::trace::trace_text(&p);
    assert!(text.contains("trusted by: relayers' signed report after 2 confirmations"), "{text}");

    let j = mesh_planner::trace::plan_json(&p, true);
    assert_eq!(j["trace"].as_array().unwrap().len(), 9);
    assert_eq!(j["calls"][0]["party"], "carol");
    assert!(j["calls"][0]["data"].as_str().unwrap().starts_with("0x"));
    assert_eq!(j["sizing"]["variables"][0]["name"], "loan");
    assert_eq!(j["sizing"]["swaps"].as_array().unwrap().len(), 2);
    assert!(j["bundle"]["legs"][1]["action"].is_object());
    let back: serde_json::Value = serde_json::from_str(&j.to_string()).unwrap();
    assert_eq!(back, j);

    let svg = mesh_planner::svg::plan_svg(&p);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("class=\"chain\"").count(), 2);
    assert_eq!(svg.matches("class=\"leg\"").count(), 3);
    assert_eq!(svg.matches("class=\"call\"").count(), 2);
    assert_eq!(svg.matches("class=\"action\"").count(), 1);
    assert!(svg.contains(">alpha<") && svg.contains(">beta<") && svg.contains(">ConstantProductPool<"));
    assert!(svg.contains("leg 0: ") && svg.contains(" WETH<"), "amounts on the arrows");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Over random markets, tolerances and gas prices, the planner's size and net are the brute
    /// force's best over the same grid, and it refuses exactly when the brute force finds no
    /// size within the tolerance or none that makes money.
    #[test]
    fn the_optimum_is_the_brute_forces_best_over_the_grid(
        depth_a in 20u128..400, depth_b in 20u128..400,
        price_a in 1_000u128..5_000, premium in 0u128..60,
        tol_bps in 30u128..2_000, gas_gwei in 1u128..20_000,
    ) {
        let d = directory();
        let alpha = (depth_a * E18, depth_a * price_a * E6);
        let price_b = price_a * (100 + premium) / 100;
        let beta = (depth_b * E18, depth_b * price_b * E6);
        let m = market(&d, alpha, beta, 100_000_000 * E6, gas_gwei);
        let tol = format!("{tol_bps} bps");
        let text = std::fs::read_to_string(example("arbitrage.bundle.toml")).unwrap()
            .replace("slippage = \"10%\"", &format!("slippage = \"{tol}\""))
            .replace("step = \"0.01 WETH\"", "step = \"0.1 WETH\"");
        let s: BundleSpec = toml::from_str(&text).unwrap();
        let grid: Vec<u128> = (5..=200u128).map(|c| c * E18 / 10).collect();
        let best = grid.iter()
            .filter_map(|l| carol_net(*l, alpha, beta, gas_gwei, tol_bps).map(|n| (n, *l)))
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        match (s.plan_with(&d, Some(&m), NOW), best) {
            (Ok(p), Some((net, loan))) => {
                let z = p.sizing.unwrap();
                prop_assert_eq!((z.vars[0].1 as u128, z.objective.unwrap().net), (loan, net));
                prop_assert!(net >= 0);
            }
            (Err(SpecError::Unprofitable { outcome, .. }), Some((net, _))) => {
                prop_assert_eq!(outcome.net, net);
                prop_assert!(net < 0);
            }
            (Err(SpecError::SlippageExceeded { .. }), None) => {}
            (r, b) => prop_assert!(false, "planner {:?} vs brute force {:?}", r.map(|p| p.sizing), b),
        }
    }
}
