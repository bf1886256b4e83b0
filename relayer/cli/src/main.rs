//! `mesh`: the Atomic Mesh relayer, operator, bundle, dispute, devnet and demo commands.
mod cli;
mod commands;
mod hub;

fn main() -> anyhow::Result<()> {
    cli::main()
}
