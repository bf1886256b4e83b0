//! End-to-end tests of Atomic Mesh on the real devnet; the fixture lives in the relayer library
//! (`mesh_relayer::devnet::fixture`) so the relayer's process-level tests share it.
pub use mesh_relayer::devnet::fixture::*;
