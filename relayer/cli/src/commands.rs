//! Operator commands: run the daemon, manage stake, prove fraud by hand.
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use cosmwasm_std::Uint128;
use mesh_hub_api::stake_escrow;
use mesh_protocol::eip712::relayer_key_digest;
use mesh_protocol::sig::{sign_digest, signer_address, signing_key};
use mesh_protocol::{EvmAddress, Hash32};
use tokio_util::sync::CancellationToken;

use mesh_chain::LockCheck;
use mesh_chain_evm::AlloyEvm;
use mesh_hub::{CosmosClient, CosmosClientConfig, LiveHub, MeshHub};
use mesh_relayer::config::Config;
use mesh_relayer::time::rfc3339;

pub enum Relayer {
    Run {
        config: PathBuf,
    },
    Check {
        config: PathBuf,
    },
    #[cfg(feature = "devnet")]
    Config {
        devnet_dir: PathBuf,
        relayer: Option<usize>,
        roles: Vec<String>,
        http: Option<std::net::SocketAddr>,
    },
}

pub enum Stake {
    Bond { config: PathBuf, amount: String },
    Unbond { config: PathBuf, amount: String },
    Claim { config: PathBuf },
    Status { config: PathBuf },
}

#[cfg(feature = "devnet")]
fn parse_role(s: &str) -> anyhow::Result<mesh_relayer::config::Role> {
    use mesh_relayer::config::Role;
    Ok(match s.trim() {
        "reporter" => Role::Reporter,
        "signer" => Role::Signer,
        "poster" => Role::Poster,
        "disputer" => Role::Disputer,
        "checker" => Role::Checker,
        other => bail!("unknown role {other:?} (reporter, signer, poster, disputer, checker)"),
    })
}

pub async fn relayer(cmd: Relayer) -> anyhow::Result<()> {
    match cmd {
        Relayer::Run { config } => {
            let cfg = Config::load(&config)?;
            let cancel = CancellationToken::new();
            let c = cancel.clone();
            tokio::spawn(async move {
                let mut term =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
                tracing::info!("shutting down");
                c.cancel();
            });
            mesh_relayer::daemon::run(cfg, cancel).await.context("relayer stopped")?;
        }
        Relayer::Check { config } => {
            let cfg = Config::load(&config)?;
            let report = mesh_relayer::selfcheck::run(&cfg).await;
            print!("{}", crate::report::checks(&report));
            let failed = report.failures().len();
            if failed > 0 {
                bail!("{failed} of {} checks failed: the relayer would refuse to start", report.checks.len());
            }
            println!("all {} checks passed", report.checks.len());
        }
        #[cfg(feature = "devnet")]
        Relayer::Config { devnet_dir, relayer, roles, http } => {
            let m = mesh_devnet::manifest::Manifest::load(&devnet_dir.join("manifest.json"))?;
            let id = match relayer {
                Some(i) => m.accounts.relayers.get(i).cloned().with_context(|| format!("no devnet relayer {i}"))?,
                None => m.accounts.disputer.clone(),
            };
            let roles = roles.iter().map(|r| parse_role(r)).collect::<anyhow::Result<Vec<_>>>()?;
            // absolute paths: the printed config is read relative to wherever it is saved
            let data = mesh_devnet::relayer_config::data_dir(&std::path::absolute(&devnet_dir)?);
            let cfg = mesh_devnet::relayer_config::relayer_config(&m, &id, roles, &data, http)?;
            print!("{}", toml::to_string_pretty(&cfg)?);
        }
    }
    Ok(())
}

fn live_hub(cfg: &Config) -> anyhow::Result<LiveHub> {
    let mut hc = CosmosClientConfig::devnet(&cfg.hub.rpc, &cfg.hub.chain_id);
    hc.fee_denom = cfg.hub.denom.clone();
    hc.gas_price = cfg.hub.gas_price.parse()?;
    Ok(LiveHub {
        client: CosmosClient::new(hc)?,
        signer: mesh_relayer::selfcheck::hub_signer(cfg)?,
        bundle_log: cfg.hub.bundle_log.clone(),
        stake_escrow: cfg.hub.stake_escrow.clone(),
        dispute: cfg.hub.dispute.clone(),
        light_client: Default::default(),
    })
}

pub async fn stake(cmd: Stake) -> anyhow::Result<()> {
    let path = match &cmd {
        Stake::Bond { config, .. }
        | Stake::Unbond { config, .. }
        | Stake::Claim { config }
        | Stake::Status { config } => config,
    };
    let cfg = Config::load(path)?;
    // one amount syntax everywhere: "1000 inj" (whole tokens) or 1e21 (base units)
    let unit = mesh_planner::units::Unit::new(cfg.hub.denom.clone(), cfg.hub.denom_decimals);
    let parse = |a: &str| mesh_planner::units::parse_amount(a, Some(&unit)).with_context(|| "--amount".to_string());
    let (msg, funds) = match &cmd {
        Stake::Bond { amount, .. } => (None, parse(amount)?),
        Stake::Unbond { amount, .. } => {
            (Some(stake_escrow::ExecuteMsg::Unbond { amount: Uint128::new(parse(amount)?) }), 0)
        }
        Stake::Claim { .. } => (Some(stake_escrow::ExecuteMsg::Claim {}), 0),
        Stake::Status { .. } => (None, 0),
    };
    let hub = live_hub(&cfg)?;
    let me = hub.signer.address().to_string();
    match (&cmd, msg) {
        (Stake::Bond { .. }, _) => {
            let src = cfg.evm_key.as_ref().context("bonding needs [evm_key] (the signer key to register)")?;
            let secret: [u8; 32] = hex::decode(src.load()?.trim_start_matches("0x"))?
                .try_into()
                .map_err(|_| anyhow::anyhow!("EVM key must be 32 bytes"))?;
            let key = signing_key(&secret).context("invalid EVM key")?;
            let proof = sign_digest(&key, relayer_key_digest(&cfg.hub.escrow_domain(), &me));
            let msg = stake_escrow::ExecuteMsg::Bond {
                evm_signer: EvmAddress(signer_address(&key)),
                proof_of_possession: proof,
            };
            let out = hub.client.execute(&hub.signer, &cfg.hub.stake_escrow, &msg, hub.client.coins(funds)).await?;
            println!(
                "bonded {} as {me} (tx {})",
                mesh_planner::units::show(funds.try_into().unwrap_or(i128::MAX), &unit),
                out.hash
            );
        }
        (Stake::Status { .. }, _) => {}
        (_, Some(msg)) => {
            let out = hub.client.execute(&hub.signer, &cfg.hub.stake_escrow, &msg, vec![]).await?;
            println!("done (tx {})", out.hash);
        }
        _ => unreachable!("every stake command is handled"),
    }
    let info: Option<stake_escrow::RelayerInfo> =
        hub.client.query_smart(&cfg.hub.stake_escrow, &stake_escrow::QueryMsg::Relayer { address: me.clone() }).await?;
    let stake_cfg: stake_escrow::ConfigResponse =
        hub.client.query_smart(&cfg.hub.stake_escrow, &stake_escrow::QueryMsg::Config {}).await?;
    print!("{}", crate::report::stake(&me, info.as_ref(), &stake_cfg, cfg.hub.denom_decimals));
    Ok(())
}

pub async fn prove_false_lock(config: &Path, chain: &str, bundle: &str, leg: u32, submit: bool) -> anyhow::Result<()> {
    let cfg = Config::load(config)?;
    let hub = live_hub(&cfg)?;
    let c = cfg.chains.iter().find(|c| c.name == chain).with_context(|| format!("no chain {chain:?} in the config"))?;
    let evm = AlloyEvm::new(&c.rpc, c.chain_id)?;
    let id = Hash32::parse(bundle).map_err(|e| anyhow::anyhow!("bundle id: {e}"))?;
    let r = hub.report(id, leg).await?.context("the hub knows no such bundle")?;
    let Some(report) = &r.report else { bail!("leg {leg} of {id} has no report to dispute") };
    let loc = report.location.as_evm().context("the report is not on an EVM chain")?;
    println!(
        "report {} by {} at {} block {} tx {} log {} (window ends {})",
        report.report_id,
        report.reporter,
        chain,
        loc.block_number,
        loc.tx_index,
        loc.log_index,
        rfc3339(report.window_ends_at)
    );
    let router = EvmAddress::parse(&c.router).map_err(|e| anyhow::anyhow!("{e}"))?.0;
    match mesh_chain_evm::chain::check_report(&evm, router, &r).await? {
        LockCheck::False { why, proof } => {
            println!("FALSE: {why}; the proof carries the header, the receipt and its trie proof");
            if submit {
                let tx = hub.submit_fraud(*proof).await?;
                println!("fraud proof accepted (tx {tx})");
            } else {
                println!("dry run: nothing submitted (run again without --dry-run to prove it on the hub)");
            }
        }
        LockCheck::NotYet => println!("this node has not reached the reported block yet: try again later"),
        LockCheck::UnknownBlock => {
            println!("the reported block is not on this node's chain: not provable with a receipt proof")
        }
        LockCheck::Unprovable(why) => {
            println!("this node's data cannot back a proof: {why}")
        }
        LockCheck::Honest => println!("honest: the chain has exactly this lock"),
    }
    Ok(())
}

pub async fn prove_signatures_cmd(
    config: &Path,
    files: mesh_relayer::fraud::SignatureFiles,
    dry_run: bool,
) -> anyhow::Result<()> {
    let cfg = Config::load(config)?;
    let hub = live_hub(&cfg)?;
    let domain = cfg.hub.bundle_domain();
    mesh_relayer::fraud::prove_signatures(&hub, &domain, &files, dry_run, &mut std::io::stdout()).await?;
    Ok(())
}
