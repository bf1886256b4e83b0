//! The relayer process the devnet crash test kills (`tests/devnet/devnet_reorg_and_crash.rs`):
//! a relayer daemon, as `mesh relayer run` runs it, that aborts the process right after the hub
//! included its `ReportLocks` and before its database records them — through the hub port's test
//! seam, so no production path checks for fault injection. Run by the crash test with
//! `MESH_CRASH_RELAYER_CONFIG` naming the relayer config; on its own (as `cargo test` runs every
//! test target) it has nothing to do.
fn main() {
    let Some(config) = std::env::var_os("MESH_CRASH_RELAYER_CONFIG") else {
        println!("crash_relayer: a helper process of the devnet crash test; nothing to do on its own");
        return;
    };
    mesh_hub::set_after_reports_included(|| std::process::abort());
    let cfg = mesh_relayer::config::Config::load(std::path::Path::new(&config)).expect("relayer config");
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(mesh_relayer::daemon::run(cfg, tokio_util::sync::CancellationToken::new())).expect("relayer");
}
