//! Messages of the action executor: shared with the Router in `mesh-hub-api`.

pub use mesh_hub_api::action_executor::*;
