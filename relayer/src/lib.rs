//! Atomic Mesh relayer library: hub client, devnet orchestration and (later) the relayer roles.
//! `main.rs` is a thin command-line front over it.

pub mod devnet;
pub mod hub;
pub mod retry;
