//! Test fixtures of Atomic Mesh, a dev-dependency only (never of a production crate): devnet
//! bring-up for end-to-end tests ([`fixture`]), in-memory mocks of the roles' ports ([`mocks`]),
//! and a fake CometBFT node for the Cosmos client's tests ([`fake_comet`]).

pub mod fake_comet;
pub mod fixture;
pub mod mocks;
