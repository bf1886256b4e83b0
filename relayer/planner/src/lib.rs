//! Bundle planning for creators: specs (TOML), the checks a plan must pass before the hub sees
//! it, and the plan itself (legs, who locks what, the bundle to register). Names are resolved
//! through a [`directory::Directory`], never a particular network's files.

pub mod compose;
pub mod directory;
pub mod market;
pub mod network;
pub mod render;
pub mod sizing;
pub mod spec;
pub mod steps;
pub mod svg;
pub mod trace;
pub mod units;
