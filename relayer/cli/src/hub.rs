//! `mesh hub …`: what a hub's validators and its deployer run — the genesis patch and the
//! contracts' deployment (`mesh_hub::{genesis, deploy}`, the code the devnet runs too). Built
//! without the devnet feature as well.
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use mesh_hub::deploy::{Artifacts, Progress, Rotation};
use mesh_hub::profile::Profile;
use mesh_hub_api::bundle_log::{ChainInfo, ChainVm};
use mesh_planner::network::{ChainSection, HubSection, Network};
use mesh_relayer::config::KeySource;

#[derive(Subcommand)]
pub enum HubCommand {
    /// Set the hub's denom, wasm permissions and governance/staking/block settings in a genesis.json.
    ///
    /// Reads the profile's [hub] and [genesis] sections; replaces the SDK default `stake` by
    /// hub.denom everywhere, sets wasm upload/instantiate permissions, governance periods and
    /// deposit, staking unbonding time and the block gas limit where the profile gives them, and
    /// prints every value it changed. A second run changes nothing. A genesis of another chain id,
    /// with another bond denom or without x/wasm is refused untouched.
    #[command(after_long_help = "Example:\n  injectived init val0 --chain-id mesh-1 --home ~/.injectived\n  \
                                 mesh hub patch-genesis --profile hub-config/my-network.toml \
                                 --genesis ~/.injectived/config/genesis.json")]
    PatchGenesis {
        /// Hub profile (hub-config/network-profile.example.toml is the template).
        #[arg(long)]
        profile: PathBuf,
        /// genesis.json to patch (in place unless --out is given).
        #[arg(long)]
        genesis: PathBuf,
        /// Write the patched genesis here instead of in place.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Store, instantiate and wire the hub contracts; register chains; make the first signer set.
    ///
    /// Checks artifacts/*.wasm against artifacts/checksums.txt, then on the hub: stores each code
    /// (a code with the same checksum is reused — e.g. one stored by a governance proposal),
    /// instantiates stake-escrow, bundle-log and dispute with the profile's [contracts]
    /// parameters, wires the dispute contract into the other two, writes the [hub] section of the
    /// network file, registers each profile [[evm]] chain whose [[chain]] (with its MeshRouter) is
    /// in the network file, and makes signer-set epoch 1 once a relayer is bonded. Every step
    /// reads the hub first: a second run (after a crash, or after adding chains to the network
    /// file) sends only what is missing.
    #[command(
        after_long_help = "Example:\n  MESH_DEPLOYER_KEY=… mesh hub deploy --profile hub-config/my-network.toml \
                                 --network network.toml --node http://127.0.0.1:26657 --key-env MESH_DEPLOYER_KEY"
    )]
    #[command(group(clap::ArgGroup::new("key").required(true).args(["key_env", "key_file"])))]
    Deploy {
        /// Hub profile: chain id, denom, gas price, contract parameters, chains to register.
        #[arg(long)]
        profile: PathBuf,
        /// Network file to write the [hub] section into (created if missing) and read [[chain]] routers from.
        #[arg(long)]
        network: PathBuf,
        /// CometBFT RPC of a hub node (default: the network file's hub.rpc).
        #[arg(long)]
        node: Option<String>,
        /// Folder with the optimised wasm and checksums.txt (scripts/build-wasm.sh writes it).
        #[arg(long, default_value = "artifacts")]
        wasm_dir: PathBuf,
        /// Environment variable holding the deployer's hex secret key (as `{ env = "VAR" }` in a relayer config).
        #[arg(long)]
        key_env: Option<String>,
        /// File whose first line is the deployer's hex secret key (as `{ file = "path" }` in a relayer config).
        #[arg(long)]
        key_file: Option<PathBuf>,
    },
    /// Print the governance proposal that pins the hub contracts' codes (MsgPinCodes), as JSON for
    /// `injectived tx gov submit-proposal`.
    ///
    /// Pinning keeps a code in every node's wasm cache: each execute message of its contracts
    /// then costs 2 000 gas of instance cost instead of 60 000 (wasmd), and nothing else changes.
    /// Its authority is the x/gov module account, so it is a proposal on any network. Finds the
    /// code ids by the artifacts' checksums (artifacts/checksums.txt), leaves out codes the hub
    /// pins already (prints nothing when all are), and takes the authority and the deposit (the
    /// gov params' min_deposit) from the hub.
    #[command(after_long_help = "Example:\n  mesh hub pin-proposal --profile hub-config/my-network.toml \\\n    \
                                 --node http://203.0.113.7:26657 > pin-proposal.json\n  \
                                 injectived tx gov submit-proposal pin-proposal.json --from operator …")]
    PinProposal {
        /// Hub profile: chain id, denom.
        #[arg(long)]
        profile: PathBuf,
        /// CometBFT RPC of a hub node.
        #[arg(long)]
        node: String,
        /// Folder with the optimised wasm and checksums.txt: the codes are found by their checksums.
        #[arg(long, default_value = "artifacts")]
        wasm_dir: PathBuf,
    },
}

pub fn run(cmd: HubCommand) -> anyhow::Result<()> {
    match cmd {
        HubCommand::PatchGenesis { profile, genesis, out } => patch_genesis(&profile, &genesis, out.as_deref()),
        HubCommand::Deploy { profile, network, node, wasm_dir, key_env, key_file } => {
            let key = match (key_env, key_file) {
                (Some(var), _) => KeySource::Env(var),
                (None, Some(path)) => KeySource::File(path),
                (None, None) => anyhow::bail!("give the deployer's key with --key-env VAR or --key-file PATH"),
            };
            tokio::runtime::Runtime::new()?.block_on(deploy(&profile, &network, node, &wasm_dir, &key))
        }
        HubCommand::PinProposal { profile, node, wasm_dir } => {
            tokio::runtime::Runtime::new()?.block_on(pin_proposal(&profile, &node, &wasm_dir))
        }
    }
}

/// `mesh hub pin-proposal`: the proposal JSON on stdout, what was found on stderr.
async fn pin_proposal(profile_path: &Path, rpc: &str, wasm_dir: &Path) -> anyhow::Result<()> {
    let profile = Profile::load(profile_path)?;
    let artifacts = Artifacts::load(wasm_dir)?;
    let gas_price: u128 = profile.hub.minimum_gas_price.parse().expect("validated by the profile");
    let hub = mesh_hub::deploy::client(rpc, &profile, gas_price)?;
    mesh_hub::deploy::check_chain(&hub, &profile).await?;
    let pinned = mesh_hub::gov::pinned_codes(&hub).await?;
    let stored = mesh_hub::deploy::StoredCodes::read(&hub).await?;
    let mut codes = Vec::new();
    for c in mesh_hub::deploy::HUB_CONTRACTS {
        let (_, sum) = artifacts.get(c.name);
        let id = stored.find(sum).with_context(|| {
            format!("{} (sha256 {}) is not stored on the hub yet: store the codes first (`mesh hub deploy`, hub-config/README.md step 5)", c.file, hex::encode(sum))
        })?;
        if pinned.contains(&id) {
            eprintln!("{}: code {id}, already pinned", c.file);
        } else {
            eprintln!("{}: code {id}, not pinned", c.file);
            codes.push(id);
        }
    }
    codes.sort_unstable();
    codes.dedup();
    if codes.is_empty() {
        eprintln!("every hub code is pinned: no proposal needed");
        return Ok(());
    }
    let authority = mesh_hub::gov::gov_address(&hub).await?;
    let params = mesh_hub::gov::gov_params(&hub).await?;
    let proposal = mesh_hub::gov::pin_proposal_json(&authority, &codes, &params.min_deposit);
    println!("{}", serde_json::to_string_pretty(&proposal)?);
    Ok(())
}

fn patch_genesis(profile: &Path, genesis: &Path, out: Option<&Path>) -> anyhow::Result<()> {
    let profile = Profile::load(profile)?;
    let changes = mesh_hub::genesis::patch_file(genesis, out, &profile)?;
    let target = out.unwrap_or(genesis).display();
    if changes.is_empty() {
        println!("{target}: already patched for {}, nothing changed", profile.hub.chain_id);
    } else {
        println!("{target}: {} value(s) changed for {}:", changes.len(), profile.hub.chain_id);
        for c in &changes {
            println!("  {c}");
        }
    }
    Ok(())
}

async fn deploy(
    profile_path: &Path,
    network_path: &Path,
    node: Option<String>,
    wasm_dir: &Path,
    key: &KeySource,
) -> anyhow::Result<()> {
    let profile = Profile::load(profile_path)?;
    let existing = if network_path.exists() { Some(Network::load(network_path)?) } else { None };
    if let Some(n) = &existing {
        anyhow::ensure!(
            n.hub.chain_id == profile.hub.chain_id,
            "network file {} is for hub chain {:?}, the profile for {:?}",
            network_path.display(),
            n.hub.chain_id,
            profile.hub.chain_id
        );
    }
    let rpc = node.or_else(|| existing.as_ref().map(|n| n.hub.rpc.clone())).with_context(|| {
        format!("no hub node: give --node URL ({} does not exist yet to name one)", network_path.display())
    })?;
    // checked before anything touches the hub
    let artifacts = Artifacts::load(wasm_dir)?;
    let secret = key.load().context("deployer key")?;
    let deployer = mesh_hub::CosmosSigner::from_hex(&secret, &profile.hub.account_prefix)
        .map_err(|e| anyhow::anyhow!("deployer key: {e}"))?;
    let gas_price: u128 = profile.hub.minimum_gas_price.parse().expect("validated by the profile");
    let hub = mesh_hub::deploy::client(&rpc, &profile, gas_price)?;
    mesh_hub::deploy::check_chain(&hub, &profile).await?;
    println!("deploying to {} at {rpc} as {}", profile.hub.chain_id, deployer.address());

    let mut progress = Progress::new(|line| println!("  {line}"));
    let d = mesh_hub::deploy::deploy_contracts(&hub, &deployer, &profile, &artifacts, &mut progress).await?;

    let hub_section = HubSection {
        chain_id: profile.hub.chain_id.clone(),
        rpc: rpc.clone(),
        denom: profile.hub.denom.clone(),
        denom_decimals: existing.as_ref().map(|n| n.hub.denom_decimals).unwrap_or(18),
        gas_price: format!("{}{}", profile.hub.minimum_gas_price, profile.hub.denom),
        account_prefix: profile.hub.account_prefix.clone(),
        bundle_log: d.bundle_log().into(),
        stake_escrow: d.stake_escrow().into(),
        dispute: d.dispute().into(),
    };
    let network = match existing {
        Some(mut n) => {
            if n.hub.bundle_log != hub_section.bundle_log {
                println!(
                    "  network file: its [hub] named bundle-log {}, replaced by this deployment's",
                    n.hub.bundle_log
                );
            }
            // a client's own endpoint and decimals stay as the file has them
            let rpc = n.hub.rpc.clone();
            n.hub = HubSection { rpc, ..hub_section };
            n
        }
        None => Network { hub: hub_section, chains: vec![], parties: Default::default() },
    };
    if !network_path.exists() || Network::load(network_path)? != network {
        network.save(network_path).with_context(|| format!("writing {}", network_path.display()))?;
        println!("  network file {}: [hub] written", network_path.display());
    } else {
        println!("  network file {}: [hub] already up to date", network_path.display());
    }

    let chains = chains_to_register(&profile, &network, &mut |l| println!("  {l}"))?;
    mesh_hub::deploy::register_chains(&hub, &deployer, d.bundle_log(), &chains, &mut progress).await?;
    let rotation = mesh_hub::deploy::first_rotation(&hub, &deployer, d.stake_escrow(), &mut progress).await?;

    if progress.sent == 0 {
        println!("nothing sent: the deployment was already complete");
    } else {
        println!("{} transaction(s) sent", progress.sent);
    }
    let pinned = mesh_hub::gov::pinned_codes(&hub).await?;
    let unpinned: Vec<u64> =
        mesh_hub::gov::hub_code_ids(&d.code_ids).into_iter().filter(|c| !pinned.contains(c)).collect();
    if !unpinned.is_empty() {
        println!(
            "next: pin codes {unpinned:?} by a governance proposal (`mesh hub pin-proposal`, hub-config/README.md \
             step 5b): each execute message of the hub contracts then costs ~58k gas less"
        );
    }
    if matches!(rotation, Rotation::NoActiveRelayer) || chains.len() < profile.evm.len() {
        println!(
            "next: relayers bond (`mesh stake bond`), epoch 1 is made, each chain's MeshRouter and \
             SettlementVerifier are deployed with it, their [[chain]] goes into {} and `mesh hub deploy` runs again \
             (hub-config/README.md)",
            network_path.display()
        );
    }
    Ok(())
}

/// The profile's chains whose Router the network file knows: the profile decides domain and
/// confirmations, the network file where the Router is.
fn chains_to_register(
    profile: &Profile,
    network: &Network,
    say: &mut dyn FnMut(&str),
) -> anyhow::Result<Vec<ChainInfo>> {
    let mut out = Vec::new();
    for e in &profile.evm {
        let Some(ChainSection::Evm(c)) = network.chain(&e.name) else {
            say(&format!(
                "chain {} (domain {}): no [[chain]] named {} in the network file yet, not registered",
                e.name, e.domain, e.name
            ));
            continue;
        };
        anyhow::ensure!(
            c.chain_id == e.chain_id,
            "chain {}: the profile says EIP-155 chain id {}, the network file {}",
            e.name,
            e.chain_id,
            c.chain_id
        );
        out.push(ChainInfo {
            domain: e.domain,
            name: e.name.clone(),
            vm: ChainVm::Evm { chain_id: e.chain_id },
            router: network.chains.iter().find(|x| x.name() == e.name).expect("found above").router(),
            confirmations: u32::try_from(e.confirmations).context("confirmations")?,
        });
    }
    for c in &network.chains {
        if !profile.evm.iter().any(|e| e.name == c.name()) {
            say(&format!(
                "chain {} is in the network file but not in the profile's [[evm]] (which decides its domain and \
                 confirmations): not registered",
                c.name()
            ));
        }
    }
    Ok(out)
}
