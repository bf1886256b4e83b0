//! `mesh demo`: the whole mission, live, on the local devnet.
//!
//! 1. a flash-loan-style arbitrage (`examples/arbitrage.bundle.toml`): alpha's LendingPool lends,
//!    a solver bridges, the arbitrageur repays; it COMMITs and the arbitrageur sells on beta's pool;
//! 2. a bundle whose last leg is never locked ABORTs and every locked leg is refunded;
//! 3. a dishonest relayer reports a lock that never happened: the disputer proves it, the relayer
//!    is slashed and jailed, and the affected bundle still ends correctly;
//! 4. a dishonest relayer reports a lock in a block that never existed — no fraud proof can
//!    exist for it, so only the stake check catches it: the honest signers re-check the report on
//!    their own nodes and object, the hub rejects it, the bundle ABORTs and nothing pays;
//! 5. a bundle across three VMs — alpha and beta (EVM) and gamma (CosmWasm, its lock proven to
//!    the hub's light client of gamma) — COMMITs and pays on all three;
//! 6. the same with one gamma leg never locked ABORTs and refunds on all three;
//! 7. lock-and-mint: alice's USDC locked on alpha is minted on beta as wrapped USDC, then burned
//!    there and released on alpha, each way one bundle; the wrapped supply stays the reserve.
//!
//! Exits with an error unless every scenario ended as it should.
use std::time::{Duration, Instant};

use alloy::primitives::U256;
use anyhow::{bail, Context};
use mesh_hub_api::bundle_log::BundleStatus;
use mesh_hub_api::{dispute, stake_escrow};
use mesh_protocol::{Bundle, Hash32, Leg, Verdict};
use tokio_util::sync::CancellationToken;

use crate::bindings::{ConstantProductPool, DemoWETH, MintableERC20};
use crate::deploy::{bond, hub_client};
use crate::evm_deploy::ANVIL_DEPLOYER_KEY;
use crate::helpers::{addr, now, try_mint_usdc, try_usdc_balance, usdc_leg};
use crate::keys::DevIdentity;
use crate::manifest::Manifest;
use crate::{Devnet, UpOptions};
use mesh_chain_evm::locker::{balance_of, lock_leg, mined, wallet_provider};
use mesh_hub::bundle::{register, status};
use mesh_hub::{CosmosClient, LiveHub, MeshHub};
use mesh_relayer::config::Role;

struct Ctx {
    m: Manifest,
    /// Where the network file is, for the `mesh bundle` commands the demo shows.
    network_path: std::path::PathBuf,
    hub: CosmosClient,
    nonce: u64,
}

impl Ctx {
    /// Bonds the dishonest identity. An earlier scenario or demo run on this devnet may have
    /// slashed and jailed it: the admin lifts the jail and it tops its bond up again, so every
    /// run shows the same story.
    async fn bond_liar(&self, liar: &DevIdentity) -> anyhow::Result<()> {
        let m = &self.m;
        let escrow = m.contracts["stake_escrow"].clone();
        let domain = m.escrow_domain();
        let q = stake_escrow::QueryMsg::Relayer { address: liar.hub_address.clone() };
        let bonded: Option<stake_escrow::RelayerInfo> = self.hub.query_smart(&escrow, &q).await?;
        let bond_amount: u128 = m.profile.contracts.relayer_bond.parse()?;
        match bonded {
            None => {
                bond(&self.hub, &escrow, &domain, liar, bond_amount).await?;
            }
            Some(info) => {
                if info.jailed {
                    let msg = stake_escrow::ExecuteMsg::Unjail { relayer: liar.hub_address.clone() };
                    self.hub.execute(&m.accounts.deployer.hub_signer(), &escrow, &msg, vec![]).await?;
                }
                if info.bonded.u128() < bond_amount {
                    bond(&self.hub, &escrow, &domain, liar, bond_amount - info.bonded.u128()).await?;
                }
            }
        }
        Ok(())
    }

    fn leg(&self, chain: usize, from: &DevIdentity, to: &DevIdentity, amount: u128) -> Leg {
        usdc_leg(&self.m, chain, &from.evm_address, &to.evm_address, amount)
    }

    async fn mint(
        &self,
        chain: usize,
        to: &DevIdentity,
        amount: u128,
    ) -> anyhow::Result<alloy::rpc::types::TransactionReceipt> {
        Ok(try_mint_usdc(&self.m, chain, &to.evm_address, amount).await?)
    }

    async fn balance(&self, chain: usize, who: &DevIdentity) -> anyhow::Result<U256> {
        Ok(try_usdc_balance(&self.m, chain, &who.evm_address).await?)
    }

    /// Frauds the dispute contract recorded after `start_after` (one page).
    async fn frauds_after(&self, start_after: Option<u64>) -> anyhow::Result<Vec<dispute::FraudRecord>> {
        let msg = dispute::QueryMsg::Frauds { start_after, limit: Some(30) };
        let page: dispute::FraudsResponse = self.hub.query_smart(&self.m.contracts["dispute"], &msg).await?;
        Ok(page.frauds)
    }

    /// `who`'s bond, jail state and signer key in the stake escrow.
    async fn relayer_info(&self, who: &DevIdentity) -> anyhow::Result<stake_escrow::RelayerInfo> {
        let msg = stake_escrow::QueryMsg::Relayer { address: who.hub_address.clone() };
        let info: Option<stake_escrow::RelayerInfo> =
            self.hub.query_smart(&self.m.contracts["stake_escrow"], &msg).await?;
        info.with_context(|| format!("{} is not a bonded relayer", who.name))
    }

    fn bundle(&mut self, creator: &DevIdentity, lock_in: u64, legs: Vec<Leg>) -> Bundle {
        self.nonce += 1;
        let t = now();
        Bundle {
            creator: creator.hub_address.clone(),
            nonce: self.nonce,
            lock_deadline: t + lock_in,
            settle_deadline: t + lock_in + 100,
            legs,
        }
    }

    async fn wait_decided(&self, id: Hash32, within: Duration) -> anyhow::Result<Verdict> {
        let start = Instant::now();
        loop {
            let s = status(&self.hub, &self.m.contracts["bundle_log"], id).await?;
            if s.status == BundleStatus::Decided {
                return s.verdict.context("decided without verdict");
            }
            if start.elapsed() > within {
                bail!("bundle {id} not decided within {within:?}");
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Waits until `who` holds `amount` on `chain` (the poster delivered).
    async fn wait_balance(
        &self,
        chain: usize,
        who: &DevIdentity,
        amount: U256,
        within: Duration,
    ) -> anyhow::Result<()> {
        let start = Instant::now();
        while self.balance(chain, who).await? != amount {
            if start.elapsed() > within {
                bail!(
                    "{} holds {} on {}, expected {amount}",
                    who.name,
                    self.balance(chain, who).await?,
                    self.m.evm[chain].name
                );
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        Ok(())
    }
}

fn say(msg: &str) {
    println!("  {msg}");
}

/// Runs the demo against the devnet in `devnet` (bringing it up if needed).
pub async fn run(devnet: &Devnet) -> anyhow::Result<()> {
    println!("Atomic Mesh demo — real injectived hub, two anvil chains, a CosmWasm chain, bonded relayers\n");
    let m = devnet.up(&UpOptions { validators: 1, evm_chains: 2, cosmwasm_chains: 1, fresh: false }).await?;
    let hub = hub_client(&m)?;
    let data = crate::relayer_config::data_dir(&devnet.dir).join(format!("demo-{}", now()));
    let cancel = CancellationToken::new();
    let mut daemons = tokio::task::JoinSet::new();
    let roles_of = |i: usize| {
        if i == 0 {
            vec![Role::Reporter, Role::Signer, Role::Poster]
        } else {
            vec![Role::Reporter, Role::Signer]
        }
    };
    for i in 0..3 {
        let cfg = crate::relayer_config::relayer_config(&m, &m.accounts.relayers[i], roles_of(i), &data, None)?;
        daemons.spawn(mesh_relayer::daemon::run(cfg, cancel.child_token()));
    }
    let dcfg = crate::relayer_config::relayer_config(&m, &m.accounts.disputer, vec![Role::Disputer], &data, None)?;
    daemons.spawn(mesh_relayer::daemon::run(dcfg, cancel.child_token()));
    println!("started 3 bonded relayers (reporter+signer, one also poster) and 1 disputer\n");

    let mut ctx = Ctx { m: m.clone(), network_path: devnet.network_path(), hub, nonce: now() };
    let mut results: Vec<(&str, bool, String)> = Vec::new();
    let r1 = scenario_arbitrage(&mut ctx).await;
    results.push(("1. cross-chain arbitrage with a loan COMMITs", r1.is_ok(), r1.unwrap_or_else(|e| format!("{e:#}"))));
    let r2 = scenario_abort(&mut ctx).await;
    results.push(("2. missing leg ABORTs, locked legs refunded", r2.is_ok(), r2.unwrap_or_else(|e| format!("{e:#}"))));
    let r3 = scenario_fraud(&mut ctx).await;
    results.push(("3. fake lock proven, relayer slashed", r3.is_ok(), r3.unwrap_or_else(|e| format!("{e:#}"))));
    let r4 = scenario_unprovable_lie(&mut ctx).await;
    results.push((
        "4. lock in a block that never existed rejected",
        r4.is_ok(),
        r4.unwrap_or_else(|e| format!("{e:#}")),
    ));

    if ctx.m.cosmwasm.is_empty() {
        let why = "this running devnet has no CosmWasm chain (it predates gamma): `mesh devnet down`, then run the demo again";
        results.push(("5-6. three-VM bundles", false, why.into()));
    } else {
        let r5 = scenario_three_vm(&mut ctx, true).await;
        results.push((
            "5. alpha + beta + gamma (CosmWasm) COMMITs",
            r5.is_ok(),
            r5.unwrap_or_else(|e| format!("{e:#}")),
        ));
        let r6 = scenario_three_vm(&mut ctx, false).await;
        results.push((
            "6. missing gamma leg ABORTs, refunds on all 3",
            r6.is_ok(),
            r6.unwrap_or_else(|e| format!("{e:#}")),
        ));
    }

    let r7 = scenario_mint(&mut ctx).await;
    results.push(("7. lock-and-mint there and back", r7.is_ok(), r7.unwrap_or_else(|e| format!("{e:#}"))));

    cancel.cancel();
    while daemons.join_next().await.is_some() {}

    println!("\n{:<46} {:<6} detail", "scenario", "result");
    println!("{}", "-".repeat(110));
    for (name, ok, detail) in &results {
        println!("{name:<46} {:<6} {detail}", if *ok { "OK" } else { "FAILED" });
    }
    if results.iter().all(|r| r.1) {
        println!("\nevery scenario ended as it should (devnet left running: `mesh devnet down` stops it)");
        Ok(())
    } else {
        bail!("some scenarios did not end as they should")
    }
}

/// Token amounts for people: base units over `10^decimals`.
fn units(v: U256, decimals: u32) -> f64 {
    let v: f64 = v.to_string().parse().unwrap_or(f64::MAX);
    v / 10f64.powi(decimals as i32)
}

/// The EVM address of a hex secret key.
fn key_address(secret: &str) -> anyhow::Result<alloy::primitives::Address> {
    let k: alloy::signers::local::PrivateKeySigner = secret.trim_start_matches("0x").parse()?;
    Ok(k.address())
}

const WETH_DECIMALS: u32 = 18;
const USDC_DECIMALS: u32 = 6;

impl Ctx {
    fn contract(&self, chain: usize, name: &str) -> alloy::primitives::Address {
        addr(&self.m.evm[chain].contracts[name]).0
    }

    fn deployer(&self, chain: usize) -> anyhow::Result<alloy::providers::DynProvider> {
        Ok(wallet_provider(&self.m.evm[chain].rpc, ANVIL_DEPLOYER_KEY)?)
    }

    async fn token_balance(&self, chain: usize, token: &str, who: alloy::primitives::Address) -> anyhow::Result<U256> {
        Ok(balance_of(&self.deployer(chain)?, self.contract(chain, token), who).await?)
    }

    /// The pool's (WETH, USDC) reserves.
    async fn reserves(&self, chain: usize) -> anyhow::Result<(U256, U256)> {
        let pool = ConstantProductPool::new(self.contract(chain, "ConstantProductPool"), self.deployer(chain)?);
        let (r0, r1) = (pool.reserve0().call().await?, pool.reserve1().call().await?);
        Ok(if pool.token0().call().await? == self.contract(chain, "DemoWETH") { (r0, r1) } else { (r1, r0) })
    }

    /// Mid price of the pool in USDC per WETH.
    async fn price(&self, chain: usize) -> anyhow::Result<f64> {
        let (w, u) = self.reserves(chain).await?;
        Ok(units(u, USDC_DECIMALS) / units(w, WETH_DECIMALS))
    }

    /// Swaps `amount_in` of `token_in` on `chain`'s pool as `key`'s account; returns the output.
    async fn swap(&self, chain: usize, key: &str, token_in: &str, amount_in: U256) -> anyhow::Result<U256> {
        let p = wallet_provider(&self.m.evm[chain].rpc, key)?;
        let me = key_address(key)?;
        let pool_addr = self.contract(chain, "ConstantProductPool");
        let token = MintableERC20::new(self.contract(chain, token_in), p.clone());
        let other = if token_in == "USDC" { "DemoWETH" } else { "USDC" };
        let before = self.token_balance(chain, other, me).await?;
        mined(token.approve(pool_addr, amount_in).send().await?, "approve").await?;
        let pool = ConstantProductPool::new(pool_addr, p);
        let what = format!("swap of {amount_in} {token_in} on {}", self.m.evm[chain].name);
        mined(pool.swapExactIn(*token.address(), amount_in, U256::ZERO, me).send().await?, &what).await?;
        Ok(self.token_balance(chain, other, me).await? - before)
    }

    /// The deployer trades `chain`'s pool to a mid price of `target` USDC per WETH (minting the
    /// USDC or wrapping the ETH it sells), so every demo run starts from the same market.
    async fn set_price(&self, chain: usize, target: f64) -> anyhow::Result<()> {
        let (w, u) = self.reserves(chain).await?;
        let (w, u) = (units(w, WETH_DECIMALS), units(u, USDC_DECIMALS));
        let k = w * u;
        let p = self.deployer(chain)?;
        let me = key_address(ANVIL_DEPLOYER_KEY)?;
        // constant product: at price P the reserves are (√(k/P), √(kP)); the 0.3 % fee is paid on top
        if u / w < target * 0.999 {
            let usdc_in = U256::from((((k * target).sqrt() - u) / 0.997 * 1e6) as u128);
            let usdc = MintableERC20::new(self.contract(chain, "USDC"), p.clone());
            mined(usdc.mint(me, usdc_in).send().await?, "USDC mint").await?;
            self.swap(chain, ANVIL_DEPLOYER_KEY, "USDC", usdc_in).await?;
        } else if u / w > target * 1.001 {
            let weth_in = U256::from((((k / target).sqrt() - w) / 0.997 * 1e18) as u128);
            let weth = DemoWETH::new(self.contract(chain, "DemoWETH"), p.clone());
            mined(weth.deposit().value(weth_in).send().await?, "WETH deposit").await?;
            self.swap(chain, ANVIL_DEPLOYER_KEY, "DemoWETH", weth_in).await?;
        }
        Ok(())
    }
}

/// The arbitrage of `examples/arbitrage.bundle.toml`, one diagram planned from the live market:
/// the planner sizes the loan from alpha's and beta's pool reserves (carol's best USDC after
/// gas), prices carol's purchase of the repayment on alpha and leg 1's sale on beta (an action
/// on COMMIT, min_out from the 10 % tolerance), and checks every step's input; the demo sends the
/// parties' own calls exactly as planned, registers, locks, and watches the COMMIT pay carol USDC
/// on beta.
async fn scenario_arbitrage(ctx: &mut Ctx) -> anyhow::Result<String> {
    println!("scenario 1: flash-loan-style arbitrage — borrow on alpha, bridge, sell on beta, repay on alpha");
    let m = ctx.m.clone();
    let (solver, arb) = (m.accounts.users[1].clone(), m.accounts.users[2].clone());
    let (alpha, beta) = (0, 1);
    ctx.set_price(alpha, 3_000.0).await?;
    ctx.set_price(beta, 3_900.0).await?;
    let (pa, pb) = (ctx.price(alpha).await?, ctx.price(beta).await?);
    say(&format!("market: WETH trades at {pa:.0} USDC on alpha's pool, {pb:.0} USDC on beta's"));

    // carol's working capital: USDC on alpha to buy the repayment with (the planner checks she
    // holds what its purchase costs)
    let arb_addr = addr(&arb.evm_address).0;
    let float = U256::from(100_000u64) * U256::from(10u64).pow(U256::from(USDC_DECIMALS));
    let held = ctx.token_balance(alpha, "USDC", arb_addr).await?;
    if held < float {
        let usdc = MintableERC20::new(ctx.contract(alpha, "USDC"), ctx.deployer(alpha)?);
        mined(usdc.mint(arb_addr, float - held).send().await?, "USDC mint").await?;
    }

    let mut spec: mesh_planner::spec::BundleSpec =
        toml::from_str(include_str!("../../../examples/arbitrage.bundle.toml"))?;
    ctx.nonce += 1;
    spec.nonce = ctx.nonce;
    let dir = m.directory();
    let market = mesh_client::market::snapshot(&dir.network, &spec.market_needs(&dir)).await?;
    let plan = spec.plan_with(&dir, Some(&market), now())?;
    say("plan of examples/arbitrage.bundle.toml, sized from both pools' reserves (constraints, slippage, gas and every step's input checked before anything is sent):");
    print!("{}", mesh_planner::render::plan_text(&plan, false));
    let b = plan.bundle.clone();
    let (loan, bridged, repay) = (b.legs[0].amount.0, b.legs[1].amount.0, b.legs[2].amount.0);
    let sizing = plan.sizing.as_ref().context("a live plan has its sizing")?;
    let action = b.legs[1].action.as_ref().context("leg 1 carries the sale on beta")?;
    let min_out = action.min_out.0;
    let sale = sizing.swaps.iter().find(|s| s.chain == "beta").context("the sale on beta is priced")?;
    say(&format!(
        "the planner borrows {:.2} WETH (best of {} sizes); leg 1 sells the bridged WETH on beta's pool on COMMIT: quote {:.2} USDC, at least {:.2} (else carol gets the WETH)",
        units(loan, WETH_DECIMALS),
        sizing.candidates,
        units(sale.quote, USDC_DECIMALS),
        units(min_out, USDC_DECIMALS)
    ));

    let lender = ctx.contract(alpha, "LendingPool");
    let before = [
        ctx.token_balance(alpha, "DemoWETH", lender).await?,
        ctx.token_balance(alpha, "USDC", arb_addr).await?,
        ctx.token_balance(beta, "USDC", arb_addr).await?,
        ctx.token_balance(beta, "DemoWETH", arb_addr).await?,
    ];
    // the parties' own calls, exactly as planned: carol's purchase on alpha, bob's wrap on beta
    let mut usdc_spent = U256::ZERO;
    for call in &plan.calls {
        let (who, chain) = match call.party.as_str() {
            "carol" => (&arb, alpha),
            "bob" => (&solver, beta),
            other => bail!("the plan has a call by {other}, who is not in this scenario"),
        };
        if m.evm[chain].name != call.chain {
            bail!("call {:?} is on {}, not {}", call.about, call.chain, m.evm[chain].name);
        }
        send_call(&m.evm[chain].rpc, &who.evm_secret, call).await?;
        if let Some(a) = &call.approve {
            if a.token.to_evm() == Some(ctx.contract(chain, "USDC")) {
                usdc_spent += U256::from(a.amount);
            }
        }
    }
    say(&format!(
        "carol buys {:.4} WETH on alpha for {:.2} USDC, for the repayment; bob wraps the {:.4} WETH he bridges",
        units(repay, WETH_DECIMALS),
        units(usdc_spent, USDC_DECIMALS),
        units(bridged, WETH_DECIMALS)
    ));

    let id = register(&ctx.hub, &arb.hub_signer(), &m.contracts["bundle_log"], &b).await?;
    say(&format!("registered bundle {id} ({} legs)", b.legs.len()));
    let start = Instant::now();
    crate::attack::lock_loan_leg(&ctx.deployer(alpha)?, lender, &m.bundle_domain(), &b, 0).await?;
    say(&format!("the LendingPool locked the {:.3} WETH loan on alpha (leg 0)", units(loan, WETH_DECIMALS)));
    lock_leg(&wallet_provider(&m.evm[beta].rpc, &solver.evm_secret)?, &m.bundle_domain(), &b, 1).await?;
    say(&format!("bob (solver) locked {:.3} WETH for carol on beta (leg 1)", units(bridged, WETH_DECIMALS)));
    lock_leg(&wallet_provider(&m.evm[alpha].rpc, &arb.evm_secret)?, &m.bundle_domain(), &b, 2).await?;
    say(&format!("carol locked the {:.4} WETH repayment on alpha (leg 2)", units(repay, WETH_DECIMALS)));
    let v = ctx.wait_decided(id, Duration::from_secs(90)).await?;
    say(&format!("hub verdict: {v:?} after {:.1} s", start.elapsed().as_secs_f64()));
    if v != Verdict::Commit {
        bail!("expected COMMIT, got {v:?}");
    }
    let until = Instant::now() + Duration::from_secs(60);
    while ctx.token_balance(beta, "USDC", arb_addr).await? < before[2] + min_out
        || ctx.token_balance(alpha, "DemoWETH", lender).await? != before[0] - loan + repay
    {
        if Instant::now() > until {
            bail!("the COMMIT was not delivered to both chains within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let settled = start.elapsed().as_secs_f64();
    say(&format!("`mesh bundle status {id}`:"));
    mesh_client::bundle::status(&ctx.network_path, &id.to_string(), true, false).await?;
    let sold = ctx.token_balance(beta, "USDC", arb_addr).await? - before[2];
    if ctx.token_balance(beta, "DemoWETH", arb_addr).await? != before[3] {
        bail!("carol holds the bridged WETH: the sale on COMMIT fell back");
    }
    say(&format!(
        "the COMMIT sold the bridged {:.3} WETH on beta for {:.2} USDC, paid to carol",
        units(bridged, WETH_DECIMALS),
        units(sold, USDC_DECIMALS)
    ));
    let after = [
        ctx.token_balance(alpha, "DemoWETH", lender).await?,
        ctx.token_balance(alpha, "USDC", arb_addr).await?,
        ctx.token_balance(beta, "USDC", arb_addr).await?,
    ];
    println!("  {:<30} {:>14} {:>14}", "balance", "before", "after");
    for (name, b0, b1, d) in [
        ("LendingPool WETH on alpha", before[0], after[0], WETH_DECIMALS),
        ("carol USDC on alpha", before[1], after[1], USDC_DECIMALS),
        ("carol USDC on beta", before[2], after[2], USDC_DECIMALS),
    ] {
        println!("  {name:<30} {:>14.4} {:>14.4}", units(b0, d), units(b1, d));
    }
    let profit = units(sold, USDC_DECIMALS) - units(usdc_spent, USDC_DECIMALS);
    say(&format!(
        "the lender earned {:.4} WETH, bob {:.4} WETH; carol's profit {profit:.2} USDC",
        units(repay - loan, WETH_DECIMALS),
        units(loan - bridged, WETH_DECIMALS)
    ));
    if after[0] != before[0] - loan + repay {
        bail!("the lender did not get principal + fee back");
    }
    Ok(format!("COMMIT, settled on both chains {settled:.1} s after registration; carol +{profit:.0} USDC"))
}

/// Sends a planned call with `secret`'s key: its approval first, then the call itself.
async fn send_call(rpc: &str, secret: &str, call: &mesh_planner::spec::PlannedCall) -> anyhow::Result<()> {
    use alloy::providers::Provider;
    let p = wallet_provider(rpc, secret)?;
    let evm = |a: &mesh_protocol::AccountId| a.to_evm().context("the demo's chains are EVM chains");
    if let Some(a) = &call.approve {
        let token = MintableERC20::new(evm(&a.token)?, p.clone());
        mined(token.approve(evm(&a.spender)?, U256::from(a.amount)).send().await?, "approve").await?;
    }
    let tx = alloy::rpc::types::TransactionRequest::default()
        .to(evm(&call.target)?)
        .input(call.data.clone().into())
        .value(U256::from(call.value));
    mined(p.send_transaction(tx).await?, &call.about).await?;
    Ok(())
}

async fn scenario_abort(ctx: &mut Ctx) -> anyhow::Result<String> {
    println!("\nscenario 2: the last leg is never locked");
    let (alice, bob) = (ctx.m.accounts.users[0].clone(), ctx.m.accounts.users[1].clone());
    ctx.mint(0, &alice, 300).await?;
    let before = ctx.balance(0, &alice).await?;
    let legs = vec![ctx.leg(0, &alice, &bob, 300), ctx.leg(1, &bob, &alice, 150)];
    let b = ctx.bundle(&alice, 15, legs);
    let id = register(&ctx.hub, &alice.hub_signer(), &ctx.m.contracts["bundle_log"], &b).await?;
    let p = wallet_provider(&ctx.m.evm[0].rpc, &alice.evm_secret)?;
    lock_leg(&p, &ctx.m.bundle_domain(), &b, 0).await?;
    say("alice locked leg 0 on alpha; bob never locks leg 1 (lock deadline in 15 s)");
    let v = ctx.wait_decided(id, Duration::from_secs(90)).await?;
    say(&format!("hub verdict: {v:?}"));
    if v != Verdict::Abort {
        bail!("expected ABORT, got {v:?}");
    }
    ctx.wait_balance(0, &alice, before, Duration::from_secs(60)).await?;
    say(&format!("alice's 300 USDC refunded on alpha (balance back to {before})"));
    Ok("ABORT, the locked leg refunded".into())
}

async fn scenario_fraud(ctx: &mut Ctx) -> anyhow::Result<String> {
    println!("\nscenario 3: a dishonest relayer reports a lock that never happened");
    let m = ctx.m.clone();
    let (alice, bob) = (m.accounts.users[0].clone(), m.accounts.users[1].clone());
    let liar = m.accounts.relayers[3].clone();
    let escrow = m.contracts["stake_escrow"].clone();
    ctx.bond_liar(&liar).await?;
    let stake_before = ctx.relayer_info(&liar).await?;
    say(&format!("{} bonded {} inj-wei", liar.name, stake_before.bonded));

    let mint = ctx.mint(0, &alice, 500).await?;
    let before_bob = ctx.balance(0, &bob).await?;
    let legs = vec![ctx.leg(0, &alice, &bob, 200)];
    let b = ctx.bundle(&alice, 40, legs);
    let id = register(&ctx.hub, &alice.hub_signer(), &m.contracts["bundle_log"], &b).await?;
    // log 0 of the mint is its Transfer, not a LegLocked
    let fake = crate::attack::report_pointing_at(&ctx.deployer(0)?, &m.bundle_domain(), &b, 0, &mint, 0).await?;
    let block_number = fake.location.as_evm().map(|l| l.block_number).unwrap_or_default();
    let liar_hub = LiveHub {
        client: ctx.hub.clone(),
        signer: liar.hub_signer(),
        bundle_log: m.contracts["bundle_log"].clone(),
        stake_escrow: escrow.clone(),
        dispute: m.contracts["dispute"].clone(),
        light_client: Default::default(),
    };
    // frauds proven before this scenario (earlier demo runs on this devnet) are not this one
    let mut last_fraud = None;
    while let Some(r) = ctx.frauds_after(last_fraud).await?.last() {
        last_fraud = Some(r.id);
    }
    liar_hub.submit_reports(vec![fake]).await?;
    say(&format!("{} reported leg 0 of {id} as locked in block {} (it is a token mint)", liar.name, block_number));
    let start = Instant::now();
    let fraud = loop {
        if let Some(rec) =
            ctx.frauds_after(last_fraud).await?.into_iter().find(|r| r.relayer.as_str() == liar.hub_address)
        {
            break rec;
        }
        if start.elapsed() > Duration::from_secs(40) {
            bail!("the disputer did not prove the fraud within 40 s");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let after = ctx.relayer_info(&liar).await?;
    say(&format!(
        "disputer proved fraud #{} in {:.1} s: report reverted, {} slashed from {} to {} inj, {}",
        fraud.id,
        start.elapsed().as_secs_f64(),
        liar.name,
        mesh_planner::units::format_units(stake_before.bonded.u128() as i128, 18),
        mesh_planner::units::format_units(after.bonded.u128() as i128, 18),
        if after.jailed { "and jailed" } else { "NOT jailed" }
    ));
    if !after.jailed || after.bonded >= stake_before.bonded {
        bail!("the liar was not slashed and jailed");
    }
    let p = wallet_provider(&m.evm[0].rpc, &alice.evm_secret)?;
    lock_leg(&p, &m.bundle_domain(), &b, 0).await?;
    say("alice now really locks the leg; honest relayers report it");
    let v = ctx.wait_decided(id, Duration::from_secs(90)).await?;
    if v != Verdict::Commit {
        bail!("expected COMMIT after the honest report, got {v:?}");
    }
    ctx.wait_balance(0, &bob, before_bob + U256::from(200), Duration::from_secs(60)).await?;
    say("the bundle COMMITs and bob is paid on alpha");
    Ok(format!("fraud #{} proven, stake {} -> {}, bundle still COMMITs", fraud.id, stake_before.bonded, after.bonded))
}

async fn scenario_unprovable_lie(ctx: &mut Ctx) -> anyhow::Result<String> {
    println!("\nscenario 4: a dishonest relayer reports a lock in a block that never existed");
    let m = ctx.m.clone();
    let (alice, bob) = (m.accounts.users[0].clone(), m.accounts.users[1].clone());
    let liar = m.accounts.relayers[3].clone();
    let log_addr = m.contracts["bundle_log"].clone();
    ctx.bond_liar(&liar).await?;

    ctx.mint(0, &alice, 200).await?;
    let (alice_before, bob_alpha, bob_beta) =
        (ctx.balance(0, &alice).await?, ctx.balance(0, &bob).await?, ctx.balance(1, &bob).await?);
    let legs = vec![ctx.leg(0, &alice, &bob, 200), ctx.leg(1, &alice, &bob, 300)];
    let b = ctx.bundle(&alice, 30, legs);
    let id = register(&ctx.hub, &alice.hub_signer(), &log_addr, &b).await?;
    let p = wallet_provider(&m.evm[0].rpc, &alice.evm_secret)?;
    let (lock_tx, _) = lock_leg(&p, &m.bundle_domain(), &b, 0).await?;
    say("alice locks 200 USDC on alpha; nobody locks the 300 USDC leg on beta");

    // The lie: leg 1 "locked" on beta in a block whose hash nobody can produce a header for, so no
    // receipt or state proof can ever show it false.
    use alloy::providers::Provider as _;
    let receipt = p.get_transaction_receipt(lock_tx).await?.context("alice's lock receipt")?;
    let mut fake = crate::attack::report_pointing_at(&p, &m.bundle_domain(), &b, 0, &receipt, 1).await?;
    let fabricated = Hash32(mesh_protocol::keccak256(format!("a block that never existed {id}")));
    fake.leg_index = 1;
    fake.leg_hash = Hash32(mesh_protocol::eip712::leg_hash(&b.legs[1]));
    let beta = m.evm.iter().find(|c| c.domain == b.legs[1].domain).context("leg 1's chain")?;
    if let Some(loc) = fake.location.as_evm_mut() {
        loc.chain_id = beta.chain_id;
        loc.block_hash = fabricated;
    }
    let liar_hub = LiveHub {
        client: ctx.hub.clone(),
        signer: liar.hub_signer(),
        bundle_log: log_addr.clone(),
        stake_escrow: m.contracts["stake_escrow"].clone(),
        dispute: m.contracts["dispute"].clone(),
        light_client: Default::default(),
    };
    liar_hub.submit_reports(vec![fake]).await?;
    say(&format!("{} reported leg 1 of {id} as locked on beta in block {fabricated}", liar.name));
    let start = Instant::now();
    let objectors = loop {
        let q = mesh_hub_api::bundle_log::QueryMsg::Report { bundle_id: id, leg_index: 1 };
        let r: mesh_hub_api::bundle_log::ReportResponse = ctx.hub.query_smart(&log_addr, &q).await?;
        if r.report.is_none() {
            if let Some(rejected) = r.rejected.last() {
                break rejected.objectors.len();
            }
        }
        if start.elapsed() > Duration::from_secs(40) {
            bail!("the honest signers did not reject the report within 40 s");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    say(&format!(
        "{objectors} honest signers found no such block on their own nodes and objected: the hub rejected the \
         report after {:.1} s (no fraud proof can exist for it; only the stake check catches it)",
        start.elapsed().as_secs_f64()
    ));
    let v = ctx.wait_decided(id, Duration::from_secs(120)).await?;
    if v != Verdict::Abort {
        bail!("expected ABORT (leg 1 was never locked), got {v:?}");
    }
    ctx.wait_balance(0, &alice, alice_before, Duration::from_secs(60)).await?;
    let (bob_alpha_after, bob_beta_after) = (ctx.balance(0, &bob).await?, ctx.balance(1, &bob).await?);
    if bob_alpha_after != bob_alpha || bob_beta_after != bob_beta {
        bail!("bob was paid on the strength of a block that never existed");
    }
    say("the bundle ABORTs: alice's 200 USDC come back on alpha, bob is paid nothing on either chain");
    Ok(format!("rejected by {objectors} signers' objections, bundle ABORTed, nothing paid"))
}

/// Scenario 5 (`commit`) or 6: alice pays bob on alpha, bob pays carol on beta, carol pays alice
/// on gamma (CosmWasm) in its bank denom and bob pays carol there in its cw20; in scenario 6 a
/// further gamma leg (alice pays carol) is never locked.
async fn scenario_three_vm(ctx: &mut Ctx, commit: bool) -> anyhow::Result<String> {
    use mesh_chain::LegLocker;
    let m = ctx.m.clone();
    let (alice, bob, carol) = (m.accounts.users[0].clone(), m.accounts.users[1].clone(), m.accounts.users[2].clone());
    let gamma = &m.cosmwasm[0];
    let denom = gamma.denoms.first().context("gamma has no demo denom")?.clone();
    let sym = (m.profile.cosmwasm.iter())
        .find(|p| p.chain_id == gamma.chain_id)
        .and_then(|p| p.demo_cw20.clone())
        .context("gamma has no demo cw20")?;
    if commit {
        println!("\nscenario 5: one bundle across alpha (EVM), beta (EVM) and gamma (CosmWasm)");
    } else {
        println!("\nscenario 6: the same across three VMs, one gamma leg never locked");
    }
    ctx.mint(0, &alice, 40).await?;
    ctx.mint(1, &bob, 20).await?;
    let usdc_before = [
        ctx.balance(0, &alice).await?,
        ctx.balance(0, &bob).await?,
        ctx.balance(1, &bob).await?,
        ctx.balance(1, &carol).await?,
    ];
    let g = |who: &DevIdentity| {
        let (m, who) = (m.clone(), who.hub_address.clone());
        async move { crate::helpers::try_cw_balance(&m, 0, &who).await }
    };
    let c20 = |who: &DevIdentity| {
        let (m, who) = (m.clone(), who.hub_address.clone());
        async move { crate::helpers::try_cw20_balance(&m, 0, &who).await }
    };
    let gammas = || async { anyhow::Ok([g(&alice).await?, g(&carol).await?, c20(&bob).await?, c20(&carol).await?]) };
    let gamma_before = gammas().await?;
    let mut legs = vec![
        ctx.leg(0, &alice, &bob, 40),
        ctx.leg(1, &bob, &carol, 20),
        crate::helpers::cw_leg(&m, 0, &carol.hub_address, &alice.hub_address, 5_000),
        crate::helpers::cw20_leg(&m, 0, &bob.hub_address, &carol.hub_address, 300),
    ];
    if !commit {
        legs.push(crate::helpers::cw_leg(&m, 0, &alice.hub_address, &carol.hub_address, 1_000));
    }
    let b = ctx.bundle(&alice, 25, legs);
    let id = register(&ctx.hub, &alice.hub_signer(), &m.contracts["bundle_log"], &b).await?;
    let missing = if commit { String::new() } else { format!(", 1000 {denom} alice→carol on gamma (never locked)") };
    say(&format!(
        "registered bundle {id}: 40 USDC alice→bob on alpha, 20 USDC bob→carol on beta, 5000 {denom} carol→alice and 300 {sym} (cw20) bob→carol on gamma{missing}"
    ));
    let started = Instant::now();
    lock_leg(&wallet_provider(&m.evm[0].rpc, &alice.evm_secret)?, &m.bundle_domain(), &b, 0).await?;
    lock_leg(&wallet_provider(&m.evm[1].rpc, &bob.evm_secret)?, &m.bundle_domain(), &b, 1).await?;
    let locked = crate::helpers::cw_locker(&m, 0, &carol)?.lock(&b, id, 2).await?;
    crate::helpers::cw_locker(&m, 0, &bob)?.lock(&b, id, 3).await?;
    say(&format!("locked on alpha, beta and gamma (gamma height {}; its reports carry ICS23 proofs the hub's light client checks)", locked.block));
    let v = ctx.wait_decided(id, Duration::from_secs(120)).await?;
    say(&format!("hub verdict: {v:?} ({:.1} s after the locks)", started.elapsed().as_secs_f64()));
    let want = if commit { Verdict::Commit } else { Verdict::Abort };
    if v != want {
        bail!("expected {want:?}, got {v:?}");
    }
    let u = U256::from;
    let (usdc_after, gamma_after) = if commit {
        (
            [usdc_before[0] - u(40), usdc_before[1] + u(40), usdc_before[2] - u(20), usdc_before[3] + u(20)],
            [gamma_before[0] + 5_000, gamma_before[1] - 5_000, gamma_before[2] - 300, gamma_before[3] + 300],
        )
    } else {
        (usdc_before, gamma_before)
    };
    ctx.wait_balance(0, &bob, usdc_after[1], Duration::from_secs(60)).await?;
    ctx.wait_balance(0, &alice, usdc_after[0], Duration::from_secs(60)).await?;
    ctx.wait_balance(1, &carol, usdc_after[3], Duration::from_secs(60)).await?;
    ctx.wait_balance(1, &bob, usdc_after[2], Duration::from_secs(60)).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while gammas().await? != gamma_after {
        if Instant::now() > deadline {
            bail!("gamma balances {:?}, expected {gamma_after:?}", gammas().await?);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    say(&format!("settled on all three chains {:.1} s after the locks", started.elapsed().as_secs_f64()));
    say(&format!(
        "alpha USDC: alice {} bob {}; beta USDC: bob {} carol {}; gamma {denom}: alice {:+} carol {:+}; gamma {sym}: bob {:+} carol {:+}",
        usdc_after[0],
        usdc_after[1],
        usdc_after[2],
        usdc_after[3],
        gamma_after[0] as i128 - gamma_before[0] as i128,
        gamma_after[1] as i128 - gamma_before[1] as i128,
        gamma_after[2] as i128 - gamma_before[2] as i128,
        gamma_after[3] as i128 - gamma_before[3] as i128
    ));
    Ok(if commit {
        "COMMIT, paid on alpha, beta and gamma".into()
    } else {
        "ABORT, refunded on alpha, beta and gamma".into()
    })
}

/// Polls `done` every 500 ms until it holds; an error naming `what` after 60 s.
async fn wait_until<F, Fut>(what: &str, mut done: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done().await? {
        if Instant::now() > deadline {
            bail!("{what}: not reached within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(())
}

/// Lock-and-mint (protocol §13): alice moves 50 USDC from alpha to beta, where USDC of alpha
/// exists only as beta's Mesh-wrapped token, and back. Each way is one bundle of two legs: a lock
/// on alpha and a mint on beta, then a burn on beta and a release on alpha. After each COMMIT the
/// wrapped supply on beta must equal alpha's reserve of USDC (conservation).
async fn scenario_mint(ctx: &mut Ctx) -> anyhow::Result<String> {
    use alloy::providers::Provider as _;
    use mesh_chain_evm::bindings::MeshRouter;
    use mesh_protocol::LegKind;
    println!("\nscenario 7: lock-and-mint: alpha's USDC to beta as wrapped USDC, and back");
    let m = ctx.m.clone();
    let alice = m.accounts.users[0].clone();
    let amount: u128 = 50_000_000; // 50 USDC
    let (alpha, beta) = (m.evm[0].domain, m.evm[1].domain);
    let usdc = ctx.contract(0, "USDC");
    let routers = [ctx.contract(0, "MeshRouter"), ctx.contract(1, "MeshRouter")];
    let router_id = |c: usize| mesh_protocol::AccountId::from(mesh_protocol::EvmAddress(routers[c]));
    let origin_router = MeshRouter::new(routers[0], ctx.deployer(0)?);
    let wrapped = MeshRouter::new(routers[1], ctx.deployer(1)?)
        .wrappedToken(alpha, mesh_protocol::AccountId::from(mesh_protocol::EvmAddress(usdc)).0)
        .call()
        .await?;
    let beta_p = ctx.deployer(1)?;
    // the wrapped token is deployed at its first mint (CREATE2): before that nothing is wrapped
    // (the supply and alice's balance are 0 until then)
    let token = MintableERC20::new(wrapped, beta_p.clone());
    let deployed = || async { anyhow::Ok(!beta_p.get_code_at(wrapped).await?.is_empty()) };
    let supply =
        || async { anyhow::Ok(if deployed().await? { token.totalSupply().call().await? } else { U256::ZERO }) };
    let wrapped_of = || async {
        let alice = addr(&alice.evm_address).0;
        anyhow::Ok(if deployed().await? { token.balanceOf(alice).call().await? } else { U256::ZERO })
    };
    let conserved = |what: &str, supply: U256, reserve: U256| {
        say(&format!("{what}: wrapped supply on beta {supply} = alpha's reserve {reserve} (base units)"));
        if supply != reserve {
            bail!("conservation broken {what}: wrapped supply {supply} ≠ reserve {reserve}");
        }
        Ok(())
    };
    ctx.mint(0, &alice, amount).await?;
    let usdc_before = ctx.balance(0, &alice).await?;
    let reserve_before = origin_router.reserveOf(usdc).call().await?;
    conserved("before", supply().await?, reserve_before)?;
    let wrapped_before = wrapped_of().await?;

    // there: lock on alpha (the Router keeps it as reserve), mint on beta
    let plain = ctx.leg(0, &alice, &alice, amount);
    let lock = Leg { kind: LegKind::Lock, recipient: router_id(0), ..plain.clone() };
    let mint = Leg {
        kind: LegKind::Mint { origin_domain: alpha },
        domain: beta,
        router: router_id(1),
        depositor: router_id(1),
        ..plain.clone()
    };
    let b = ctx.bundle(&alice, 20, vec![lock, mint]);
    let id = register(&ctx.hub, &alice.hub_signer(), &m.contracts["bundle_log"], &b).await?;
    say(&format!(
        "registered {id}: lock 50 USDC on alpha, mint 50 wrapped USDC on beta (the hub matched the mint with the lock)"
    ));
    lock_leg(&wallet_provider(&m.evm[0].rpc, &alice.evm_secret)?, &m.bundle_domain(), &b, 0).await?;
    say("alice locked 50 USDC on alpha; the mint leg locks nothing and needs no report");
    let v = ctx.wait_decided(id, Duration::from_secs(90)).await?;
    if v != Verdict::Commit {
        bail!("lock-and-mint: expected COMMIT, got {v:?}");
    }
    let minted = wrapped_before + U256::from(amount);
    wait_until("alice's 50 wrapped USDC on beta", || async { Ok(wrapped_of().await? == minted) }).await?;
    say(&format!("COMMIT: beta minted alice 50 wrapped USDC ({wrapped})"));
    // the mint may be delivered before the lock's COMMIT reaches alpha: wait for the reserve
    let reserve = || async { anyhow::Ok(origin_router.reserveOf(usdc).call().await?) };
    wait_until("alpha's reserve grown by the lock", || async {
        Ok(reserve().await? == reserve_before + U256::from(amount))
    })
    .await?;
    conserved("after the mint", supply().await?, reserve().await?)?;

    // and back: burn the wrapped tokens on beta, release from alpha's reserve
    let burn = Leg {
        kind: LegKind::Burn { origin_domain: alpha },
        domain: beta,
        router: router_id(1),
        recipient: router_id(1),
        ..plain.clone()
    };
    let release = Leg { kind: LegKind::Release, depositor: router_id(0), ..plain };
    let b = ctx.bundle(&alice, 20, vec![burn, release]);
    let id = register(&ctx.hub, &alice.hub_signer(), &m.contracts["bundle_log"], &b).await?;
    say(&format!("registered {id}: burn 50 wrapped USDC on beta, release 50 USDC on alpha"));
    lock_leg(&wallet_provider(&m.evm[1].rpc, &alice.evm_secret)?, &m.bundle_domain(), &b, 0).await?;
    say("alice escrowed her 50 wrapped USDC on beta (burned only on COMMIT; an ABORT refunds them)");
    let v = ctx.wait_decided(id, Duration::from_secs(90)).await?;
    if v != Verdict::Commit {
        bail!("burn-and-release: expected COMMIT, got {v:?}");
    }
    ctx.wait_balance(0, &alice, usdc_before, Duration::from_secs(60)).await?;
    wait_until("the burn delivered on beta", || async {
        Ok(supply().await? == reserve_before && wrapped_of().await? == wrapped_before)
    })
    .await?;
    say("COMMIT: alpha released alice's 50 USDC from its reserve, beta burned the wrapped ones");
    conserved("after the release", supply().await?, reserve().await?)?;
    Ok("lock+mint and burn+release COMMIT, wrapped supply = reserve".into())
}
