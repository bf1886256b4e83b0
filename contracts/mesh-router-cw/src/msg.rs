//! The messages, defined once in `mesh-hub-api` (`mesh_hub_api::router_cw`).
pub use mesh_hub_api::router_cw::*;
