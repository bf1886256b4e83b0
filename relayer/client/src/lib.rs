//! The bundle creator's client: a network file's hub and chains, and the actions of
//! `mesh bundle …` (plan, register, lock, status, deliver, refund) on any network. Secrets are
//! passed in already loaded; where they come from is the caller's business.
pub mod bundle;
pub mod market;

pub use bundle::{Client, ClientError, LockWith};
pub mod run;
