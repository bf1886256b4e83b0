//! `mesh`: the Atomic Mesh relayer and operator command line (all logic lives in the library).
fn main() -> anyhow::Result<()> {
    mesh_relayer::cli::main()
}
