//! `mesh`: the Atomic Mesh relayer and operator command line.
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use mesh_protocol::eip712::{bundle_id, leg_hash, settlement_leaf, HubDomain};
use mesh_protocol::{Bundle, Hash32, Verdict};

#[derive(Parser)]
#[command(name = "mesh", version, about = "Atomic Mesh relayer and operator tools")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Protocol utilities: canonical hashes of protocol objects.
    #[command(subcommand)]
    Protocol(ProtocolCommand),
    /// The local mesh: hub validators, anvil chains, contracts, funded and bonded relayers.
    #[command(subcommand)]
    Devnet(DevnetCommand),
}

#[derive(clap::Args)]
struct DevnetArgs {
    /// Devnet state folder (processes, logs, node homes, manifest).
    #[arg(long, env = "MESH_DEVNET_DIR", default_value = ".devnet")]
    dir: PathBuf,
    /// Hub profile (genesis, node and contract parameters).
    #[arg(long, default_value = "hub-config/devnet.toml")]
    profile: PathBuf,
}

#[derive(Subcommand)]
enum DevnetCommand {
    /// Start everything (reuses a running devnet) and write the manifest.
    Up {
        #[command(flatten)]
        args: DevnetArgs,
        /// Number of hub validators (1 or 4).
        #[arg(long, default_value_t = 1, value_parser = parse_validators)]
        validators: usize,
        /// Number of anvil chains.
        #[arg(long, default_value_t = 2)]
        evm_chains: usize,
        /// Wipe any previous state first.
        #[arg(long)]
        fresh: bool,
    },
    /// Stop exactly the processes the devnet started.
    Down {
        #[command(flatten)]
        args: DevnetArgs,
        /// Also delete the devnet state.
        #[arg(long)]
        wipe: bool,
    },
    /// Heights, processes and contracts of the devnet.
    Status {
        #[command(flatten)]
        args: DevnetArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ProtocolCommand {
    /// Validate a bundle (JSON, docs/protocol.md §1) and print its leg hashes, id and settlement leaves.
    HashBundle {
        /// Bundle JSON file.
        file: PathBuf,
        /// Chain id of the hub the bundle is registered on (binds the bundle id).
        #[arg(long, env = "MESH_HUB_CHAIN_ID", default_value = "mesh-devnet-1")]
        hub_chain_id: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("MESH_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Devnet(cmd) => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(devnet_command(cmd))?;
        }
        Command::Protocol(ProtocolCommand::HashBundle { file, hub_chain_id, json }) => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let bundle: Bundle =
                serde_json::from_str(&text).with_context(|| format!("{} is not a valid bundle", file.display()))?;
            bundle.validate().with_context(|| format!("{} is not a valid bundle", file.display()))?;
            let hub = HubDomain::new(hub_chain_id);
            let id = bundle_id(&hub, &bundle);
            let legs: Vec<String> = bundle.legs.iter().map(|l| Hash32(leg_hash(l)).to_string()).collect();
            let commit = Hash32(settlement_leaf(id, Verdict::Commit));
            let abort = Hash32(settlement_leaf(id, Verdict::Abort));
            if json {
                let out = serde_json::json!({
                    "bundle_id": Hash32(id), "leg_hashes": legs, "commit_leaf": commit, "abort_leaf": abort,
                });
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!("bundle id    {}", Hash32(id));
                for (i, h) in legs.iter().enumerate() {
                    println!("leg {i:<2} hash  {h}");
                }
                println!("commit leaf  {commit}");
                println!("abort leaf   {abort}");
            }
        }
    }
    Ok(())
}

async fn devnet_command(cmd: DevnetCommand) -> anyhow::Result<()> {
    use mesh_relayer::devnet::{profile::Profile, Devnet, UpOptions};
    let open = |args: &DevnetArgs| -> anyhow::Result<Devnet> {
        Ok(Devnet::new(args.dir.clone(), Profile::load(&args.profile)?))
    };
    match cmd {
        DevnetCommand::Up { args, validators, evm_chains, fresh } => {
            let devnet = open(&args)?;
            devnet.up(&UpOptions { validators, evm_chains, fresh }).await?;
        }
        DevnetCommand::Down { args, wipe } => {
            let devnet = open(&args)?;
            let stopped = devnet.down(wipe)?;
            if stopped.is_empty() {
                eprintln!("nothing was running");
            } else {
                eprintln!("stopped {}", stopped.join(", "));
            }
        }
        DevnetCommand::Status { args, json } => {
            let devnet = open(&args)?;
            let status = devnet.status().await;
            if json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                print!("{status}");
            }
        }
    }
    Ok(())
}

fn parse_validators(s: &str) -> Result<usize, String> {
    match s {
        "1" => Ok(1),
        "4" => Ok(4),
        _ => Err(format!("the devnet runs 1 or 4 validators, not {s}")),
    }
}
