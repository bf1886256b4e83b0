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
    /// Bundles from spec files on any network: plan, register, lock, status, deliver, refund.
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
    /// Run the roles of a config until SIGINT/SIGTERM (or a fatal error), after the start-up
    /// self-checks (`mesh relayer check`) passed.
    #[command(after_help = "Example:\n  mesh relayer run --config relayer0.toml\n\n\
        Logs go to stderr; MESH_LOG sets the filter (default info), e.g. MESH_LOG=mesh_relayer=debug,info.")]
    Run {
        /// Relayer config (relayer/mesh.example.toml documents every key); relative paths in it
        /// are taken from its folder.
        #[arg(long)]
        config: PathBuf,
    },
    /// Check a config against the nodes it names, print each check as ok / warn / FAILED, and
    /// exit non-zero if any failed (what `run` refuses to start with).
    #[command(after_help = "Example:\n  mesh relayer check --config relayer0.toml")]
    Check {
        /// Relayer config to check.
        #[arg(long)]
        config: PathBuf,
    },
    /// Print a complete config for a devnet identity (keys written as files next to its database).
    #[cfg(feature = "devnet")]
    #[command(after_help = "Example:\n  mesh relayer config --relayer 0 --http 127.0.0.1:9464 > relayer0.toml")]
    Config {
        /// Devnet state folder.
        #[arg(long, env = "MESH_DEVNET_DIR", default_value = ".devnet")]
        devnet_dir: PathBuf,
        /// Devnet relayer index; the disputer identity when absent.
        #[arg(long)]
        relayer: Option<usize>,
        /// Roles, comma-separated (reporter, signer, poster, disputer, checker).
        #[arg(long, value_delimiter = ',', default_value = "reporter,signer,poster,disputer")]
        roles: Vec<String>,
        /// Address for /health, /metrics and /status.
        #[arg(long)]
        http: Option<std::net::SocketAddr>,
    },
}

/// Where the network file is: `--network`, else MESH_NETWORK, else the devnet's
/// (`$MESH_DEVNET_DIR/network.toml`, `.devnet/network.toml` by default).
#[derive(clap::Args, Clone)]
struct NetworkArg {
    /// Network file: hub endpoint and contracts, chains, routers, tokens, parties
    /// (examples/network.example.toml) [env: MESH_NETWORK; default: $MESH_DEVNET_DIR/network.toml]
    #[arg(long, env = "MESH_NETWORK")]
    network: Option<PathBuf>,
}

impl NetworkArg {
    fn path(&self) -> PathBuf {
        self.network.clone().unwrap_or_else(|| {
            PathBuf::from(std::env::var("MESH_DEVNET_DIR").unwrap_or_else(|_| ".devnet".into())).join("network.toml")
        })
    }
}

/// A secret key, from an environment variable or a file (hex, first line), as in the relayer's
/// config.
#[derive(clap::Args, Clone)]
#[group(required = true, multiple = false)]
struct KeyArg {
    /// Environment variable holding the hex secret key.
    #[arg(long, value_name = "VAR")]
    key_env: Option<String>,
    /// File holding the hex secret key (first line), e.g. .devnet/keys/alice.hub.key.
    #[arg(long, value_name = "PATH")]
    key_file: Option<PathBuf>,
}

impl KeyArg {
    fn source(&self) -> mesh_relayer::config::KeySource {
        use mesh_relayer::config::KeySource;
        match (&self.key_env, &self.key_file) {
            (Some(var), _) => KeySource::Env(var.clone()),
            (None, Some(path)) => KeySource::File(path.clone()),
            (None, None) => unreachable!("clap requires one of --key-env, --key-file"),
        }
    }
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Resolve a spec through the network file and print legs, amounts, hashes, net flows,
    /// constraints, timing, steps and the execution trace; refuses what the hub would refuse
    /// (unknown chains, tokens or parties, deadlines the hub or the chains cannot meet, a used
    /// nonce).
    ///
    /// A spec with calls (`[[calls]]`: a swap on a named pool, a deposit, a call by ABI
    /// signature), leg actions (`[legs.action]`), variables and an `[objective]` is planned from
    /// the chains' live state: the variables are sized to maximise the objective over their
    /// grid, swaps are priced as the pool computes them with `min_out` from the slippage
    /// tolerance, gas is estimated at the chains' current prices, every step's input must be
    /// held or produced by an earlier step. Refused with the numbers: a plan whose slippage
    /// exceeds its tolerance, one that loses money after gas, one whose composition breaks
    /// (naming the step).
    ///
    /// Example: mesh bundle plan examples/arbitrage.bundle.toml --svg arbitrage.svg
    Plan {
        /// Bundle spec (TOML), e.g. examples/swap.bundle.toml.
        spec: PathBuf,
        #[command(flatten)]
        network: NetworkArg,
        /// Print the plan as JSON (bundle, calls ready to send, sizing, execution trace).
        #[arg(long)]
        json: bool,
        /// Write the diagram (chains as nodes, legs, calls and actions as arrows with amounts)
        /// to this SVG file.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
    },
    /// Register the planned bundle on the hub, signed by the creator's hub key; saves the
    /// registered bundle next to the spec (SPEC.registered.json) for `lock` and `refund`.
    ///
    /// Example: mesh bundle register examples/swap.bundle.toml --key-file .devnet/keys/alice.hub.key
    Register {
        /// Bundle spec (TOML).
        spec: PathBuf,
        #[command(flatten)]
        network: NetworkArg,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Lock leg N of a registered bundle: approve + lock signed with the depositor's EVM key, or
    /// print both calls (`--print-calls`) for the depositor's own wallet.
    ///
    /// Example: mesh bundle lock examples/swap.bundle.toml --leg 0 --key-file .devnet/keys/alice.evm.key
    Lock {
        /// Bundle spec (TOML) that was registered.
        spec: PathBuf,
        /// Index of the leg to lock (0 is the first in the spec).
        #[arg(long)]
        leg: usize,
        #[command(flatten)]
        network: NetworkArg,
        /// Environment variable holding the depositor's hex EVM key.
        #[arg(long, value_name = "VAR", conflicts_with_all = ["key_file", "print_calls"])]
        key_env: Option<String>,
        /// File holding the depositor's hex EVM key, e.g. .devnet/keys/alice.evm.key.
        #[arg(long, value_name = "PATH", conflicts_with = "print_calls")]
        key_file: Option<PathBuf>,
        /// Sign nothing: print the approve and lock transactions (target and calldata, and
        /// `cast send` lines) for the depositor's own wallet.
        #[arg(long)]
        print_calls: bool,
        /// With --print-calls: print only the two `cast send` commands, a script that signs with
        /// the key in $KEY.
        #[arg(long, requires = "print_calls")]
        cast: bool,
    },
    /// A bundle's timeline: each leg on its chain, reports, verdict, batch, delivery.
    ///
    /// Example: mesh bundle status 0x… --watch
    Status {
        /// Bundle id (0x + 64 hex digits), as `register` prints it.
        id: String,
        /// Follow the bundle until every leg is final on its chain.
        #[arg(long)]
        watch: bool,
        /// Print JSON (the hub's record, each leg's Router state, the batch).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        network: NetworkArg,
    },
    /// Deliver a decided bundle's verdict to every chain yourself, from the hub's public batch
    /// signatures and Merkle proof (`settleBatch`, or `settleMany` when the root is known); legs
    /// already final are skipped. The EVM key pays the gas.
    ///
    /// Example: mesh bundle deliver 0x… --key-file .devnet/keys/alice.evm.key
    Deliver {
        /// Bundle id.
        id: String,
        #[command(flatten)]
        network: NetworkArg,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Refund the escrowed legs of a registered bundle to their depositors with `refundExpired`
    /// (no signature needed; opens at the settle deadline plus the Router's refund grace). Anyone
    /// may call it; the EVM key pays the gas, the tokens go to each depositor.
    ///
    /// Example: mesh bundle refund examples/swap.bundle.toml --key-file .devnet/keys/alice.evm.key
    Refund {
        /// Bundle spec (TOML) that was registered.
        spec: PathBuf,
        /// Only this leg (every escrowed leg by default).
        #[arg(long)]
        leg: Option<usize>,
        /// Wait until refunds open instead of saying when they will.
        #[arg(long)]
        wait: bool,
        #[command(flatten)]
        network: NetworkArg,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Run a spec to its end as a coordination plan: register (with --hub-key), send the
    /// parties' own calls and lock the legs whose keys it holds, wait for the other parties'
    /// locks on their chains, follow the verdict until every leg is final (delivering it itself
    /// if the relayers have not after --deliver-after, refunding after the settle deadline).
    ///
    /// Crash-safe and idempotent: its state (the frozen plan, every signed transaction stored
    /// before its broadcast) is in an embedded store (SPEC.run.redb, or --state); run the same
    /// command again after a crash and it re-sends the same signed transactions, never new ones.
    /// Progress bars on a terminal; one JSON event per line with --json or when stdout is not a
    /// terminal. Exit code 0: COMMIT delivered on every chain; 3: ABORT with every leg returned;
    /// 4: a transaction reverted or its nonce was taken; 5: a transaction was not mined in time;
    /// 1: any other error.
    ///
    /// Example: mesh bundle run examples/arbitrage.bundle.toml --hub-key .devnet/keys/carol.hub.key \
    ///   --key carol=.devnet/keys/carol.evm.key --key bob=.devnet/keys/bob.evm.key \
    ///   --key LendingPool=.devnet/keys/contracts-owner.evm.key
    Run {
        /// Bundle spec (TOML).
        spec: PathBuf,
        #[command(flatten)]
        network: NetworkArg,
        /// A party's EVM key file: PARTY=FILE, repeated (a contract depositor such as the
        /// LendingPool by its name, with the key that locks for it: its owner's).
        #[arg(long = "key", value_name = "PARTY=FILE")]
        keys: Vec<String>,
        /// The creator's hub key file: the run registers the bundle (without it, it waits for
        /// the creator's registration).
        #[arg(long, value_name = "FILE")]
        hub_key: Option<PathBuf>,
        /// State file (redb) [default: SPEC with the extension .run.redb].
        #[arg(long, value_name = "PATH")]
        state: Option<PathBuf>,
        /// One JSON event per line (the default when stdout is not a terminal).
        #[arg(long)]
        json: bool,
        /// Seconds an attested verdict may go undelivered by the relayers before the run
        /// delivers it itself.
        #[arg(long, default_value_t = 20)]
        deliver_after: u64,
    },
}

#[derive(Subcommand)]
enum StakeCommand {
    /// Bond stake, proving possession of the config's EVM key.
    #[command(after_help = "Example:\n  mesh stake bond --config relayer0.toml --amount \"1000 inj\"")]
    Bond {
        /// Relayer config: its hub key pays and bonds, its EVM key is registered as the signer.
        #[arg(long)]
        config: PathBuf,
        /// Stake: whole tokens with the denom ("1000 inj") or base units (1e21).
        #[arg(long)]
        amount: String,
    },
    /// Start unbonding stake (claimable after the unbonding period; slashable until then).
    #[command(after_help = "Example:\n  mesh stake unbond --config relayer0.toml --amount \"500 inj\"")]
    Unbond {
        /// Relayer config (its hub key).
        #[arg(long)]
        config: PathBuf,
        /// Stake to unbond: "500 inj" or base units (5e20).
        #[arg(long)]
        amount: String,
    },
    /// Pay out unbonded stake whose period passed.
    #[command(after_help = "Example:\n  mesh stake claim --config relayer0.toml")]
    Claim {
        /// Relayer config (its hub key).
        #[arg(long)]
        config: PathBuf,
    },
    /// Bonded, unbonding, jailed, active.
    #[command(after_help = "Example:\n  mesh stake status --config relayer0.toml")]
    Status {
        /// Relayer config (its hub key's address is looked up).
        #[arg(long)]
        config: PathBuf,
    },
}

// The variants are the `mesh dispute prove-…` subcommands: the shared prefix is the CLI's wording.
#[allow(clippy::enum_variant_names)]
#[derive(Subcommand)]
enum DisputeCommand {
    /// Check one leg's lock report against your own EVM RPC; build the proof if it is false.
    #[command(after_help = "Example:\n  mesh dispute prove-false-lock --config disputer.toml --chain alpha \\\n    \
        --bundle 0x… --leg 0 --dry-run")]
    ProveFalseLock {
        /// Disputer config (its hub key submits the proof and earns the bounty).
        #[arg(long)]
        config: PathBuf,
        /// Chain name from the config.
        #[arg(long)]
        chain: String,
        /// Bundle id (0x + 64 hex digits).
        #[arg(long)]
        bundle: String,
        /// Leg index within the bundle.
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
    #[command(after_help = "Example:\n  mesh dispute prove-equivocation --config disputer.toml --first a.json \
        --second b.json --dry-run")]
    ProveEquivocation {
        /// Disputer config (its hub key submits the proof).
        #[arg(long)]
        config: PathBuf,
        /// The first signed statement (JSON).
        #[arg(long)]
        first: PathBuf,
        /// The conflicting signed statement (JSON).
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
    #[command(
        alias = "prove-wrong-signer-set-update",
        after_help = "Example:\n  mesh dispute prove-wrong-attestation --config disputer.toml \
            --signature examples/signed-statement.json --dry-run"
    )]
    ProveWrongAttestation {
        /// Disputer config (its hub key submits the proof).
        #[arg(long)]
        config: PathBuf,
        /// The signed statement (JSON).
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
    /// Devnet state folder (processes, logs, node homes, manifest, network file, keys).
    #[arg(long = "devnet-dir", alias = "dir", env = "MESH_DEVNET_DIR", default_value = ".devnet")]
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
        /// Number of CosmWasm chains (second injectived chains: gamma, from the profile's
        /// `[[cosmwasm]]` sections), each with mesh-router-cw and the hub's light client of it.
        #[arg(long, default_value_t = 1)]
        cosmwasm_chains: usize,
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
    /// Give a devnet party (or any 0x address) demo tokens or gas on one chain, paid by the
    /// devnet's deployer: USDC is minted, WETH wrapped and sent, ETH sent.
    ///
    /// Example: mesh devnet fund alice --chain alpha --amount "100 USDC"
    Fund {
        /// A devnet party (alice, bob, carol, relayer-0, …) or a 0x address.
        to: String,
        /// Chain name (alpha, beta).
        #[arg(long)]
        chain: String,
        /// Amount with its token: "100 USDC", "1.5 WETH", "2 ETH".
        #[arg(long)]
        amount: String,
        #[command(flatten)]
        args: DevnetArgs,
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
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("MESH_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        // colour codes only for a person at a terminal, never into log files or pipes
        .with_ansi(std::io::stderr().is_terminal())
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
        Command::Bundle(cmd) => tokio::runtime::Runtime::new()?.block_on(bundle_command(cmd))?,
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

async fn bundle_command(cmd: BundleCommand) -> anyhow::Result<()> {
    use mesh_client::bundle;
    match cmd {
        BundleCommand::Plan { spec, network, json, svg } => {
            bundle::plan(&network.path(), &spec, json, svg.as_deref()).await
        }
        BundleCommand::Register { spec, network, key } => {
            bundle::register(&network.path(), &spec, &key.source().load()?).await
        }
        BundleCommand::Lock { spec, leg, network, key_env, key_file, print_calls, cast } => {
            use mesh_relayer::config::KeySource;
            let key = match (key_env, key_file, print_calls) {
                (_, _, true) => None,
                (Some(var), _, _) => Some(KeySource::Env(var).load()?),
                (None, Some(path), _) => Some(KeySource::File(path).load()?),
                (None, None, false) => anyhow::bail!(
                    "give the depositor's key (--key-env VAR or --key-file PATH), or --print-calls for its own wallet"
                ),
            };
            let with = match &key {
                Some(k) => mesh_client::LockWith::Key(k.clone()),
                None => mesh_client::LockWith::PrintCalls { script_only: cast },
            };
            match bundle::lock(&network.path(), &spec, leg, with).await {
                // the demo's LendingPool locks its own legs when its owner (the key) asks it to
                #[cfg(feature = "devnet")]
                Err(e)
                    if matches!(
                        e.downcast_ref::<mesh_client::ClientError>(),
                        Some(mesh_client::ClientError::ContractDepositor { name, .. }) if name == "LendingPool"
                    ) && key.is_some() =>
                {
                    mesh_devnet::attack::lock_with_lending_pool(&network.path(), &spec, leg, &key.unwrap_or_default())
                        .await
                }
                other => other,
            }
        }
        BundleCommand::Status { id, watch, json, network } => bundle::status(&network.path(), &id, watch, json).await,
        BundleCommand::Deliver { id, network, key } => {
            bundle::deliver(&network.path(), &id, &key.source().load()?, &mut std::io::stdout()).await.map(|_| ())
        }
        BundleCommand::Run { spec, network, keys, hub_key, state, json, deliver_after } => {
            use mesh_client::run::chain::{default_state, run_spec, Keys, Output};
            use mesh_relayer::config::KeySource;
            use std::io::IsTerminal;
            let mut held = Keys::default();
            for k in keys {
                let Some((party, file)) = k.split_once('=') else {
                    anyhow::bail!("--key {k:?}: give PARTY=FILE, e.g. --key bob=.devnet/keys/bob.evm.key")
                };
                let secret = KeySource::File(file.into()).load()?;
                if held.evm.insert(party.to_string(), secret).is_some() {
                    anyhow::bail!("--key {party}=…: given twice");
                }
            }
            if let Some(file) = hub_key {
                held.hub = Some(KeySource::File(file).load()?);
            }
            let state = state.unwrap_or_else(|| default_state(&spec));
            let output = if json || !std::io::stdout().is_terminal() { Output::Json } else { Output::Bars };
            let opts = mesh_client::run::RunOptions {
                deliver_after: std::time::Duration::from_secs(deliver_after),
                ..Default::default()
            };
            match run_spec(&network.path(), &spec, &state, held, output, opts).await {
                Ok(mesh_client::run::RunOutcome::Committed) => Ok(()),
                Ok(outcome) => {
                    eprintln!("the bundle ended in ABORT: every escrowed leg is back with its depositor");
                    std::process::exit(outcome.exit_code())
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::exit(e.exit_code())
                }
            }
        }
        BundleCommand::Refund { spec, leg, wait, network, key } => {
            bundle::refund(&network.path(), &spec, leg, &key.source().load()?, wait, &mut std::io::stdout())
                .await
                .map(|_| ())
        }
    }
}

#[cfg(feature = "devnet")]
async fn devnet_command(cmd: DevnetCommand) -> anyhow::Result<()> {
    use mesh_devnet::{profile::Profile, Devnet, UpOptions};
    let open = |args: &DevnetArgs| -> anyhow::Result<Devnet> {
        Ok(Devnet::new(args.dir.clone(), Profile::load(&args.profile)?))
    };
    match cmd {
        DevnetCommand::Up { args, validators, evm_chains, cosmwasm_chains, fresh } => {
            let devnet = open(&args)?;
            devnet.up(&UpOptions { validators, evm_chains, cosmwasm_chains, fresh }).await?;
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
        DevnetCommand::Fund { to, chain, amount, args } => {
            let devnet = open(&args)?;
            let m = mesh_devnet::manifest::Manifest::load(&devnet.manifest_path())
                .with_context(|| format!("is the devnet in {} up?", devnet.dir.display()))?;
            let text = amount.trim();
            let symbol = &text[text.trim_end_matches(|c: char| c.is_ascii_alphabetic()).len()..];
            let (token, decimals) = mesh_devnet::fund::TOKENS
                .iter()
                .find(|(t, _)| t.eq_ignore_ascii_case(symbol))
                .copied()
                .with_context(|| format!("{amount:?}: give the token, e.g. \"100 USDC\" (USDC, WETH or ETH)"))?;
            let unit = mesh_planner::units::Unit::new(token, decimals);
            let base = mesh_planner::units::parse_amount(&amount, Some(&unit))?;
            let f = mesh_devnet::fund::fund(&m, &chain, &to, token, base).await?;
            println!(
                "{to} ({}) received {} on {} (tx {})",
                f.to,
                mesh_planner::units::show(base as i128, &unit),
                f.chain,
                f.tx
            );
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
        RelayerCommand::Check { config } => crate::commands::Relayer::Check { config },
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
