//! The messages, defined once in `mesh-hub-api`.
pub use mesh_hub_api::light_client::*;
