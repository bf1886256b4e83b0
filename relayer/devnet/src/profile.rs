//! The hub profile (`hub-config/*.toml`) lives with the hub's deployment code in
//! [`mesh_hub::profile`]: the devnet reads the same file type validators do.
pub use mesh_hub::profile::*;
