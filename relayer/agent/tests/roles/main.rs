//! Each role against in-memory mocks of its ports (`mesh_testkit::mocks`): one test binary, one
//! module per role; and the daemon's start-up self-checks and `/health` against a real anvil and
//! the fake CometBFT node (`selfcheck`).
mod checker;
mod disputer;
mod light_clients;
mod poster;
mod reporter;
mod selfcheck;
mod signature_fraud;
mod signer;
mod store;
