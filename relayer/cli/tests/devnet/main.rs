//! The `mesh` binary on a real devnet: the bundle commands as a user runs them, and a relayer
//! process killed and restarted. One test binary; its tests run side by side on their own ports.
mod bundle_cli;
mod devnet_reorg_and_crash;
