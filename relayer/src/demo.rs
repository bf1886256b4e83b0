//! `mesh demo`: the whole mission, live, on the local devnet.
//!
//! 1. a 3-party cross-chain trade (lender, solver, arbitrageur; legs on both chains) COMMITs;
//! 2. a bundle whose last leg is never locked ABORTs and every locked leg is refunded;
//! 3. a dishonest relayer reports a lock that never happened: the disputer proves it, the relayer
//!    is slashed and jailed, and the affected bundle still ends correctly.
//!
//! Exits with an error unless every scenario ended as it should.
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy::primitives::U256;
use alloy::providers::Provider;
use anyhow::{bail, Context};
use mesh_hub_api::bundle_log::{BundleStatus, EvmLocation, LockReport};
use mesh_hub_api::{dispute, stake_escrow};
use mesh_protocol::eip712::{leg_hash, HubDomain};
use mesh_protocol::{Amount, Bundle, EvmAddress, Hash32, Leg, Verdict};
use tokio_util::sync::CancellationToken;

use crate::bundle::{balance_of, lock_leg, register, status, wallet_provider};
use crate::config::Role;
use crate::devnet::deploy::{bond, hub_client};
use crate::devnet::evm_deploy::ANVIL_DEPLOYER_KEY;
use crate::devnet::keys::DevIdentity;
use crate::devnet::manifest::Manifest;
use crate::devnet::{Devnet, UpOptions};
use crate::evm::bindings::MintableERC20;
use crate::hub::{HubClient, LiveHub, MeshHub};

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs()
}

fn addr(s: &str) -> EvmAddress {
    EvmAddress::parse(s).expect("manifest addresses are valid")
}

struct Ctx {
    m: Manifest,
    hub: HubClient,
    nonce: u64,
}

impl Ctx {
    fn usdc(&self, chain: usize) -> EvmAddress {
        addr(&self.m.evm[chain].contracts["USDC"])
    }

    fn leg(&self, chain: usize, from: &DevIdentity, to: &DevIdentity, amount: u128) -> Leg {
        Leg {
            chain_id: self.m.evm[chain].chain_id,
            router: addr(&self.m.evm[chain].contracts["MeshRouter"]),
            depositor: addr(&from.evm_address),
            token: self.usdc(chain),
            amount: Amount::from(amount),
            recipient: addr(&to.evm_address),
        }
    }

    async fn mint(
        &self,
        chain: usize,
        to: &DevIdentity,
        amount: u128,
    ) -> anyhow::Result<alloy::rpc::types::TransactionReceipt> {
        let p = wallet_provider(&self.m.evm[chain].rpc, ANVIL_DEPLOYER_KEY)?;
        let r = MintableERC20::new(self.usdc(chain).0, p)
            .mint(addr(&to.evm_address).0, U256::from(amount))
            .send()
            .await?
            .get_receipt()
            .await?;
        Ok(r)
    }

    async fn balance(&self, chain: usize, who: &DevIdentity) -> anyhow::Result<U256> {
        let p = wallet_provider(&self.m.evm[chain].rpc, ANVIL_DEPLOYER_KEY)?;
        Ok(balance_of(&p, self.usdc(chain).0, addr(&who.evm_address).0).await?)
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
    println!("Atomic Mesh demo — real injectived hub, two anvil chains, bonded relayers\n");
    let m = devnet.up(&UpOptions { validators: 1, evm_chains: 2, fresh: false }).await?;
    let hub = hub_client(&m)?;
    let data = crate::devnet::relayer_config::data_dir(&devnet.dir).join(format!("demo-{}", now()));
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
        let cfg = crate::devnet::relayer_config::relayer_config(&m, &m.accounts.relayers[i], roles_of(i), &data, None)?;
        daemons.spawn(crate::daemon::run(cfg, cancel.child_token()));
    }
    let dcfg =
        crate::devnet::relayer_config::relayer_config(&m, &m.accounts.disputer, vec![Role::Disputer], &data, None)?;
    daemons.spawn(crate::daemon::run(dcfg, cancel.child_token()));
    println!("started 3 bonded relayers (reporter+signer, one also poster) and 1 disputer\n");

    let mut ctx = Ctx { m: m.clone(), hub, nonce: now() };
    let mut results: Vec<(&str, bool, String)> = Vec::new();
    let r1 = scenario_trade(&mut ctx).await;
    results.push(("1. 3-party cross-chain trade COMMITs", r1.is_ok(), r1.unwrap_or_else(|e| format!("{e:#}"))));
    let r2 = scenario_abort(&mut ctx).await;
    results.push(("2. missing leg ABORTs, locked legs refunded", r2.is_ok(), r2.unwrap_or_else(|e| format!("{e:#}"))));
    let r3 = scenario_fraud(&mut ctx).await;
    results.push(("3. fake lock proven, relayer slashed", r3.is_ok(), r3.unwrap_or_else(|e| format!("{e:#}"))));

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

async fn scenario_trade(ctx: &mut Ctx) -> anyhow::Result<String> {
    println!("scenario 1: lender, solver and arbitrageur trade across alpha and beta, all or nothing");
    let (lender, solver, arb) =
        (ctx.m.accounts.users[0].clone(), ctx.m.accounts.users[1].clone(), ctx.m.accounts.users[2].clone());
    ctx.mint(0, &lender, 2_000).await?;
    ctx.mint(1, &solver, 2_000).await?;
    ctx.mint(0, &arb, 2_000).await?;
    let before = [
        ctx.balance(0, &lender).await?,
        ctx.balance(1, &solver).await?,
        ctx.balance(0, &arb).await?,
        ctx.balance(1, &arb).await?,
    ];
    // the lender funds the arbitrageur on alpha, the solver delivers on beta, the arbitrageur
    // repays the lender with a fee and pays the solver on alpha
    let legs = vec![
        ctx.leg(0, &lender, &arb, 1_000),
        ctx.leg(1, &solver, &arb, 990),
        ctx.leg(0, &arb, &lender, 1_005),
        ctx.leg(0, &arb, &solver, 995),
    ];
    let b = ctx.bundle(&lender, 40, legs);
    let id = register(&ctx.hub, &lender.hub_signer(), &ctx.m.contracts["bundle_log"], &b).await?;
    say(&format!("registered bundle {id} ({} legs)", b.legs.len()));
    let start = Instant::now();
    for (i, who, chain) in [(0, &lender, 0), (1, &solver, 1), (2, &arb, 0), (3, &arb, 0)] {
        let p = wallet_provider(&ctx.m.evm[chain].rpc, &who.evm_secret)?;
        lock_leg(&p, &ctx.m.hub.chain_id, &b, i).await?;
        say(&format!("{} locked leg {i} on {}", who.name, ctx.m.evm[chain].name));
    }
    let v = ctx.wait_decided(id, Duration::from_secs(90)).await?;
    say(&format!("hub verdict: {v:?} after {:.1} s", start.elapsed().as_secs_f64()));
    if v != Verdict::Commit {
        bail!("expected COMMIT, got {v:?}");
    }
    ctx.wait_balance(1, &arb, before[3] + U256::from(990), Duration::from_secs(60)).await?;
    ctx.wait_balance(0, &lender, before[0] - U256::from(1_000) + U256::from(1_005), Duration::from_secs(60)).await?;
    let after = [
        ctx.balance(0, &lender).await?,
        ctx.balance(1, &solver).await?,
        ctx.balance(0, &arb).await?,
        ctx.balance(1, &arb).await?,
    ];
    println!("  {:<24} {:>8} {:>8}", "USDC balance", "before", "after");
    for (name, b0, b1) in [
        ("lender on alpha", before[0], after[0]),
        ("solver on beta", before[1], after[1]),
        ("arbitrageur on alpha", before[2], after[2]),
        ("arbitrageur on beta", before[3], after[3]),
    ] {
        println!("  {name:<24} {b0:>8} {b1:>8}");
    }
    Ok(format!("COMMIT, settled on both chains {:.1} s after the first lock", start.elapsed().as_secs_f64()))
}

async fn scenario_abort(ctx: &mut Ctx) -> anyhow::Result<String> {
    println!("\nscenario 2: the last leg is never locked");
    let (alice, bob) = (ctx.m.accounts.users[0].clone(), ctx.m.accounts.users[1].clone());
    let before = ctx.balance(0, &alice).await?;
    let legs = vec![ctx.leg(0, &alice, &bob, 300), ctx.leg(1, &bob, &alice, 150)];
    let b = ctx.bundle(&alice, 15, legs);
    let id = register(&ctx.hub, &alice.hub_signer(), &ctx.m.contracts["bundle_log"], &b).await?;
    let p = wallet_provider(&ctx.m.evm[0].rpc, &alice.evm_secret)?;
    lock_leg(&p, &ctx.m.hub.chain_id, &b, 0).await?;
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
    let domain = HubDomain::new(m.hub.chain_id.clone());
    let bonded: Option<stake_escrow::RelayerInfo> =
        ctx.hub.query_smart(&escrow, &stake_escrow::QueryMsg::Relayer { address: liar.hub_address.clone() }).await?;
    if bonded.is_none() {
        bond(&ctx.hub, &escrow, &domain, &liar, m.profile.contracts.relayer_bond.parse()?).await?;
    }
    let stake_before = ctx
        .hub
        .query_smart::<Option<stake_escrow::RelayerInfo>>(
            &escrow,
            &stake_escrow::QueryMsg::Relayer { address: liar.hub_address.clone() },
        )
        .await?
        .context("bonded")?;
    say(&format!("{} bonded {} inj-wei", liar.name, stake_before.bonded));

    let mint = ctx.mint(0, &alice, 500).await?;
    let p = wallet_provider(&m.evm[0].rpc, ANVIL_DEPLOYER_KEY)?;
    let block = p.get_block_by_number(mint.block_number.context("mined")?.into()).await?.context("block")?;
    let before_bob = ctx.balance(0, &bob).await?;
    let legs = vec![ctx.leg(0, &alice, &bob, 200)];
    let b = ctx.bundle(&alice, 40, legs);
    let id = register(&ctx.hub, &alice.hub_signer(), &m.contracts["bundle_log"], &b).await?;
    let fake = LockReport {
        bundle_id: id,
        leg_index: 0,
        leg_hash: Hash32(leg_hash(&b.legs[0])),
        settle_deadline: b.settle_deadline,
        location: EvmLocation {
            chain_id: m.evm[0].chain_id,
            block_number: block.header.number,
            block_hash: Hash32(block.header.hash),
            block_timestamp: block.header.timestamp,
            tx_hash: Hash32(mint.transaction_hash),
            tx_index: mint.transaction_index.context("tx index")?,
            log_index: 0,
        },
    };
    let liar_hub = LiveHub {
        client: ctx.hub.clone(),
        signer: liar.hub_signer(),
        bundle_log: m.contracts["bundle_log"].clone(),
        stake_escrow: escrow.clone(),
        dispute: m.contracts["dispute"].clone(),
    };
    liar_hub.submit_reports(vec![fake]).await?;
    say(&format!(
        "{} reported leg 0 of {id} as locked in block {} (it is a token mint)",
        liar.name, block.header.number
    ));
    let start = Instant::now();
    let fraud = loop {
        let f: dispute::FraudsResponse = ctx
            .hub
            .query_smart(&m.contracts["dispute"], &dispute::QueryMsg::Frauds { start_after: None, limit: Some(30) })
            .await?;
        if let Some(rec) = f
            .frauds
            .into_iter()
            .find(|r| r.relayer.as_str() == liar.hub_address && r.proven_at + 1 >= now().saturating_sub(120))
        {
            break rec;
        }
        if start.elapsed() > Duration::from_secs(40) {
            bail!("the disputer did not prove the fraud within 40 s");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let after = ctx
        .hub
        .query_smart::<Option<stake_escrow::RelayerInfo>>(
            &escrow,
            &stake_escrow::QueryMsg::Relayer { address: liar.hub_address.clone() },
        )
        .await?
        .context("relayer")?;
    say(&format!(
        "disputer proved fraud #{} in {:.1} s: report reverted, {} slashed {} -> {}, jailed {}",
        fraud.id,
        start.elapsed().as_secs_f64(),
        liar.name,
        stake_before.bonded,
        after.bonded,
        after.jailed
    ));
    if !after.jailed || after.bonded >= stake_before.bonded {
        bail!("the liar was not slashed and jailed");
    }
    let p = wallet_provider(&m.evm[0].rpc, &alice.evm_secret)?;
    lock_leg(&p, &m.hub.chain_id, &b, 0).await?;
    say("alice now really locks the leg; honest relayers report it");
    let v = ctx.wait_decided(id, Duration::from_secs(90)).await?;
    if v != Verdict::Commit {
        bail!("expected COMMIT after the honest report, got {v:?}");
    }
    ctx.wait_balance(0, &bob, before_bob + U256::from(200), Duration::from_secs(60)).await?;
    say("the bundle COMMITs and bob is paid on alpha");
    Ok(format!("fraud #{} proven, stake {} -> {}, bundle still COMMITs", fraud.id, stake_before.bonded, after.bonded))
}
