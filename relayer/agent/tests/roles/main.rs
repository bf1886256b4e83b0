//! Each role against in-memory mocks of its ports (`mesh_testkit::mocks`): one test binary, one
//! module per role.
mod checker;
mod disputer;
mod poster;
mod reporter;
mod signature_fraud;
mod signer;
mod store;
