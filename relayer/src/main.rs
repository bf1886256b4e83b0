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
    match Cli::parse().command {
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
