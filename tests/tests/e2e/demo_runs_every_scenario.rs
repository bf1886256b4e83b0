//! The README's first command, `mesh demo`, as a test: on its own real devnet (injectived + two
//! anvil chains and a CosmWasm chain) every scenario — the loan-financed arbitrage of
//! `examples/arbitrage.bundle.toml` COMMITting, a bundle with a missing leg ABORTing with its
//! locked leg refunded, a fake lock proven and slashed, and a lock in a block that never existed
//! rejected by the signers' objections, the three-VM COMMIT and ABORT, lock-and-mint there and
//! back with the wrapped supply equal to the reserve — must each end as they should, and
//! again when the demo is run a second time on the same (reused) devnet.
use mesh_testkit::fixture::{devnet, DownOnDrop};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_demo_ends_every_scenario_as_it_should_on_a_fresh_and_on_a_reused_devnet() {
    let net = devnet("demo", 28500, 28490);
    let _down = DownOnDrop(&net);
    mesh_devnet::demo::run(&net).await.expect("every demo scenario ends as it should");
    mesh_devnet::demo::run(&net).await.expect("a second run on the running devnet ends the same way");
}
