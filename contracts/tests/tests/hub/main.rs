//! The hub's three contracts wired together on cw-multi-test.

mod bundle_log;
mod dispute;
mod lifecycle;
mod light_client_reports;
mod mint;
mod report_attacks;
mod split_state;
mod stake_escrow;
mod stake_escrow_audit;
mod state_machine;
