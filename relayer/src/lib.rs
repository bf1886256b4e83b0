//! Atomic Mesh relayer library: hub client, devnet orchestration and (later) the relayer roles.
//! `main.rs` is a thin command-line front over it.

pub mod bundle;
pub mod bundle_cmd;
pub mod cli;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod demo;
pub mod devnet;
pub mod evm;
pub mod fraud;
pub mod http;
pub mod hub;
pub mod metrics;
pub mod retry;
pub mod roles;
pub mod spec;
pub mod store;
