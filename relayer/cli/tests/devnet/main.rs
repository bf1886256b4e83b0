//! The `mesh` binary on a real devnet: the bundle commands as a user runs them (the README's
//! bundle-creator section among them), `mesh bundle plan` sizing a bundle from live pools, a
//! relayer process killed and restarted, a relayer operator's checks, keys and errors, and the
//! hub commands (`mesh hub patch-genesis`, `mesh hub deploy`, `mesh hub pin-proposal`; the devnet pinning its codes by governance). One test binary; its tests run side by side on their own ports.
mod bundle_cli;
mod bundle_plan;
mod bundle_run;
mod devnet_reorg_and_crash;
mod hub_cli;
mod relayer_operator;
