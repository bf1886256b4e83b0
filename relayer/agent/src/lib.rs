//! The Atomic Mesh relayer agent: the roles (reporter, checker, signer, poster, disputer), the
//! daemon that runs them, their durable store, configuration, metrics and the HTTP endpoints.
//! Roles reach chains only through adapters ([`mesh_chain_evm`] today) and the hub only through
//! [`mesh_hub::MeshHub`].

pub mod chains;
pub mod config;
pub mod daemon;
pub mod fraud;
pub mod http;
pub mod metrics;
pub mod roles;
pub mod selfcheck;
pub mod status;
pub mod store;
pub mod time;
