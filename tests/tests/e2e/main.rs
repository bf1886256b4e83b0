//! End-to-end tests on real devnets (injectived hub, anvil chains): one test binary, one module
//! per scenario, each on its own ports and folder, so libtest runs them side by side (in name order:
//! the longest scenarios sort first, so they overlap the others instead of running last, alone).
mod bundles_across_three_vms;
mod demo_runs_every_scenario;
mod devnet_four;
mod devnet_single;
mod disputer_slashes_a_false_report;
mod many_bundles_and_expiry;
mod objections_reject_a_lock_in_a_block_that_never_existed;
mod relayer_settles_bundles;
mod signature_fraud_slashes_the_signers;
mod signer_set_rotation;
