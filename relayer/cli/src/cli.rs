//! The `mesh` command line: argument parsing and dispatch to the library.
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
    #[cfg(feature = "devnet")]
    #[command(subcommand)]
    Devnet(DevnetCommand),
    /// The relayer daemon and its configuration.
    #[command(subcommand)]
    Relayer(RelayerCommand),
    /// Relayer stake on the hub: bond, unbond, claim, status.
    #[command(subcommand)]
    Stake(StakeCommand),
    /// Fraud proofs for disputers who do not run the daemon.
    #[command(subcommand)]
    Dispute(DisputeCommand),
    /// A hub network's setup: patch its genesis, deploy and wire the hub contracts.
    #[command(subcommand)]
    Hub(crate::hub::HubCommand),
    /// Bundles from spec files: plan, register, lock legs, follow status (devnet manifest).
    #[cfg(feature = "devnet")]
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// The live demo: a trade COMMITs, a missing leg ABORTs, a fraudster is slashed.
    #[cfg(feature = "devnet")]
    Demo {
        #[command(flatten)]
        args: DevnetArgs,
    },
}

#[derive(Subcommand)]
enum RelayerCommand {
    /// Run the roles of a config until SIGINT/SIGTERM (or a fatal error).
    Run {
        #[arg(long)]
        config: PathBuf,
    },
    /// Print a complete config for a devnet identity (keys written as files next to its database).
    #[cfg(feature = "devnet")]
    Config {
        #[arg(long, env = "MESH_DEVNET_DIR", default_value = ".devnet")]
        devnet_dir: PathBuf,
        /// Devnet relayer index; the disputer identity when absent.
        #[arg(long)]
        relayer: Option<usize>,
        /// Roles, comma-separated (reporter, signer, poster, disputer).
        #[arg(long, value_delimiter = ',', default_value = "reporter,signer,poster,disputer")]
        roles: Vec<String>,
        /// Address for /health, /metrics and /status.
        #[arg(long)]
        http: Option<std::net::SocketAddr>,
    },
}

#[cfg(feature = "devnet")]
#[derive(Subcommand)]
enum BundleCommand {
    /// Resolve a spec (examples/swap.bundle.toml) and print legs, hashes, net flows and timing;
    /// refuses unknown chains, tokens or parties and deadlines that cannot settle in time.
    Plan {
        spec: PathBuf,
        #[arg(long, default_value = ".devnet/manifest.json")]
        manifest: PathBuf,
    },
    /// Register the planned bundle on the hub as its creator.
    Register {
        spec: PathBuf,
        #[arg(long, default_value = ".devnet/manifest.json")]
        manifest: PathBuf,
    },
    /// Approve and lock leg N as its depositor.
    Lock {
        spec: PathBuf,
        #[arg(long)]
        leg: usize,
        #[arg(long, default_value = ".devnet/manifest.json")]
        manifest: PathBuf,
    },
    /// A bundle's timeline: reports, verdict, batch, attestation.
    Status {
        id: String,
        #[arg(long)]
        watch: bool,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = ".devnet/manifest.json")]
        manifest: PathBuf,
    },
    /// Deliver a decided bundle's verdict to every chain yourself, from the hub's public batch
    /// signatures and Merkle proof (`settleBatch`, or `settleMany` when the root is known); legs
    /// already final are skipped. Pays gas with the EVM key in MESH_EVM_KEY, or the devnet
    /// deployer's.
    Deliver {
        id: String,
        #[arg(long, default_value = ".devnet/manifest.json")]
        manifest: PathBuf,
    },
}

#[derive(Subcommand)]
enum StakeCommand {
    /// Bond stake (base units of the hub denom), proving possession of the config's EVM key.
    Bond {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        amount: u128,
    },
    /// Start unbonding stake (claimable after the unbonding period; slashable until then).
    Unbond {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        amount: u128,
    },
    /// Pay out unbonded stake whose period passed.
    Claim {
        #[arg(long)]
        config: PathBuf,
    },
    /// Bonded, unbonding, jailed, active.
    Status {
        #[arg(long)]
        config: PathBuf,
    },
}

// The variants are the `mesh dispute prove-…` subcommands: the shared prefix is the CLI's wording.
#[allow(clippy::enum_variant_names)]
#[derive(Subcommand)]
enum DisputeCommand {
    /// Check one leg's lock report against your own EVM RPC; build the proof if it is false.
    ProveFalseLock {
        #[arg(long)]
        config: PathBuf,
        /// Chain name from the config.
        #[arg(long)]
        chain: String,
        #[arg(long)]
        bundle: String,
        #[arg(long)]
        leg: u32,
        /// Only show what the proof proves; submit nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Prove from two signature files that one signer signed two conflicting statements.
    ///
    /// Conflicting: two roots for one batch of an epoch, or two signer sets for one epoch. Each file is the JSON of a
    /// SignedStatement, e.g. {"batch":{"epoch":1,"batch_index":7,"root":"0x…","signature":"0x…"}}
    /// (see examples/signed-statement.json). Prints signer, slot, both roots and the stake at
    /// risk, refuses files that prove nothing, then submits.
    ProveEquivocation {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        first: PathBuf,
        #[arg(long)]
        second: PathBuf,
        /// Only show what the proof proves.
        #[arg(long)]
        dry_run: bool,
    },
    /// Prove from a signature file that a signer signed a statement the hub never made.
    ///
    /// A batch root the hub never closed under that epoch (or, for a {"signer_set_update":{…}} file, a signer set the hub never made). The file is the JSON of
    /// a SignedStatement (see examples/signed-statement.json). Refuses a statement the hub made
    /// itself or a signer nobody bonded, then submits.
    #[command(alias = "prove-wrong-signer-set-update")]
    ProveWrongAttestation {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        signature: PathBuf,
        /// Only show what the proof proves.
        #[arg(long)]
        dry_run: bool,
    },
}

#[cfg(feature = "devnet")]
#[derive(clap::Args)]
struct DevnetArgs {
    /// Devnet state folder (processes, logs, node homes, manifest).
    #[arg(long, env = "MESH_DEVNET_DIR", default_value = ".devnet")]
    dir: PathBuf,
    /// Hub profile (genesis, node and contract parameters).
    #[arg(long, default_value = "hub-config/devnet.toml")]
    profile: PathBuf,
}

#[cfg(feature = "devnet")]
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
        /// Bech32 address of the hub's bundle-log (the EIP-712 domain binds the deployment).
        #[arg(long, env = "MESH_BUNDLE_LOG")]
        bundle_log: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Parses the command line and runs the command.
pub fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("MESH_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Relayer(cmd) => {
            tokio::runtime::Runtime::new()?.block_on(crate::commands::relayer(cmd_relayer(cmd)))?
        }
        Command::Hub(cmd) => crate::hub::run(cmd)?,
        Command::Stake(cmd) => tokio::runtime::Runtime::new()?.block_on(crate::commands::stake(cmd_stake(cmd)))?,
        Command::Dispute(DisputeCommand::ProveFalseLock { config, chain, bundle, leg, dry_run }) => {
            tokio::runtime::Runtime::new()?
                .block_on(crate::commands::prove_false_lock(&config, &chain, &bundle, leg, !dry_run))?
        }
        Command::Dispute(DisputeCommand::ProveEquivocation { config, first, second, dry_run }) => {
            let files = mesh_relayer::fraud::SignatureFiles::Equivocation { first, second };
            tokio::runtime::Runtime::new()?.block_on(crate::commands::prove_signatures_cmd(&config, files, dry_run))?
        }
        Command::Dispute(DisputeCommand::ProveWrongAttestation { config, signature, dry_run }) => {
            let files = mesh_relayer::fraud::SignatureFiles::WrongStatement { signature };
            tokio::runtime::Runtime::new()?.block_on(crate::commands::prove_signatures_cmd(&config, files, dry_run))?
        }
        #[cfg(feature = "devnet")]
        Command::Bundle(cmd) => {
            let rt = tokio::runtime::Runtime::new()?;
            match cmd {
                BundleCommand::Plan { spec, manifest } => {
                    rt.block_on(mesh_devnet::bundle_cmd::plan_cmd(&spec, &manifest))?
                }
                BundleCommand::Register { spec, manifest } => {
                    rt.block_on(mesh_devnet::bundle_cmd::register_cmd(&spec, &manifest))?
                }
                BundleCommand::Lock { spec, leg, manifest } => {
                    rt.block_on(mesh_devnet::bundle_cmd::lock_cmd(&spec, &manifest, leg))?
                }
                BundleCommand::Status { id, watch, json, manifest } => {
                    rt.block_on(mesh_devnet::bundle_cmd::status_cmd(&id, &manifest, watch, json))?
                }
                BundleCommand::Deliver { id, manifest } => {
                    let key = std::env::var("MESH_EVM_KEY")
                        .unwrap_or_else(|_| mesh_devnet::evm_deploy::ANVIL_DEPLOYER_KEY.to_string());
                    rt.block_on(mesh_devnet::bundle_cmd::deliver_cmd(&id, &manifest, &key, &mut std::io::stdout()))
                        .map(|_| ())?
                }
            }
        }
        #[cfg(feature = "devnet")]
        Command::Demo { args } => {
            let devnet =
                mesh_devnet::Devnet::new(args.dir.clone(), mesh_devnet::profile::Profile::load(&args.profile)?);
            tokio::runtime::Runtime::new()?.block_on(mesh_devnet::demo::run(&devnet))?;
        }
        #[cfg(feature = "devnet")]
        Command::Devnet(cmd) => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(devnet_command(cmd))?;
        }
        Command::Protocol(ProtocolCommand::HashBundle { file, hub_chain_id, bundle_log, json }) => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let bundle: Bundle =
                serde_json::from_str(&text).with_context(|| format!("{} is not a valid bundle", file.display()))?;
            bundle.validate().with_context(|| format!("{} is not a valid bundle", file.display()))?;
            let hub = HubDomain::new(hub_chain_id, bundle_log);
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

#[cfg(feature = "devnet")]
async fn devnet_command(cmd: DevnetCommand) -> anyhow::Result<()> {
    use mesh_devnet::{profile::Profile, Devnet, UpOptions};
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

#[cfg(feature = "devnet")]
fn parse_validators(s: &str) -> Result<usize, String> {
    match s {
        "1" => Ok(1),
        "4" => Ok(4),
        _ => Err(format!("the devnet runs 1 or 4 validators, not {s}")),
    }
}

fn cmd_relayer(cmd: RelayerCommand) -> crate::commands::Relayer {
    match cmd {
        RelayerCommand::Run { config } => crate::commands::Relayer::Run { config },
        #[cfg(feature = "devnet")]
        RelayerCommand::Config { devnet_dir, relayer, roles, http } => {
            crate::commands::Relayer::Config { devnet_dir, relayer, roles, http }
        }
    }
}

fn cmd_stake(cmd: StakeCommand) -> crate::commands::Stake {
    use crate::commands::Stake;
    match cmd {
        StakeCommand::Bond { config, amount } => Stake::Bond { config, amount },
        StakeCommand::Unbond { config, amount } => Stake::Unbond { config, amount },
        StakeCommand::Claim { config } => Stake::Claim { config },
        StakeCommand::Status { config } => Stake::Status { config },
    }
}
