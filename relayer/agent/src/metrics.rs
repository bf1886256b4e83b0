//! Prometheus metrics of the relayer (`/metrics`).
use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChainLabel {
    pub chain: String,
}

impl ChainLabel {
    pub fn new(chain: &str) -> Self {
        ChainLabel { chain: chain.into() }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RoleLabel {
    pub role: String,
}

/// Every metric, cheap to clone (shared counters).
#[derive(Clone, Default)]
pub struct Metrics {
    pub events_indexed: Family<ChainLabel, Counter>,
    pub reorgs: Family<ChainLabel, Counter>,
    pub lag: Family<ChainLabel, Gauge>,
    pub reports_submitted: Counter,
    pub batches_signed: Counter,
    pub legs_settled: Family<ChainLabel, Counter>,
    pub rotations_delivered: Family<ChainLabel, Counter>,
    pub tx_fee_bumps: Family<ChainLabel, Counter>,
    pub rotations_triggered: Counter,
    pub frauds_found: Counter,
    pub unprovable_reports: Counter,
    pub errors: Family<RoleLabel, Counter>,
    pub reports_confirmed: Counter,
    pub objections_sent: Counter,
    pub reports_rejected: Counter,
    pub check_errors: Family<ChainLabel, Counter>,
    pub settlement_failures: Family<ChainLabel, Counter>,
    pub registry: Arc<std::sync::Mutex<Option<Registry>>>,
}

impl Metrics {
    pub fn new() -> Metrics {
        let m = Metrics::default();
        let mut r = Registry::with_prefix("mesh");
        r.register("events_indexed", "LegLocked events indexed", m.events_indexed.clone());
        r.register("reorgs", "Reorgs below the confirmation depth that made the indexer rewind", m.reorgs.clone());
        r.register("lag_blocks", "Blocks between a chain's head and the indexing cursor", m.lag.clone());
        r.register("reports_submitted", "Lock reports the hub recorded", m.reports_submitted.clone());
        r.register("batches_signed", "Batch roots and signer-set updates signed", m.batches_signed.clone());
        r.register("legs_settled", "Legs settled by this poster", m.legs_settled.clone());
        r.register(
            "rotations_delivered",
            "Signer-set rotations this poster delivered to a Verifier",
            m.rotations_delivered.clone(),
        );
        r.register(
            "tx_fee_bumps",
            "EVM transactions re-sent with higher fees (not mined in time)",
            m.tx_fee_bumps.clone(),
        );
        r.register(
            "rotations_triggered",
            "RotateSigners calls of this relayer that made a new epoch",
            m.rotations_triggered.clone(),
        );
        r.register("frauds_found", "Fraud proofs this disputer got accepted", m.frauds_found.clone());
        r.register(
            "unprovable_reports",
            "Suspicious reports this disputer could not prove from its node's data (logged, skipped)",
            m.unprovable_reports.clone(),
        );
        r.register("errors", "Recoverable errors per role (RPC and node trouble)", m.errors.clone());
        r.register(
            "reports_confirmed",
            "Other relayers' reports the checker confirmed on its node",
            m.reports_confirmed.clone(),
        );
        r.register("objections_sent", "Objections of the checker the hub counted", m.objections_sent.clone());
        r.register(
            "reports_rejected",
            "Reports rejected by objections (this checker's objection reached a third of the weight)",
            m.reports_rejected.clone(),
        );
        r.register(
            "check_errors",
            "Reports the checker could not read back from its node (retried next round)",
            m.check_errors.clone(),
        );
        r.register(
            "settlement_failures",
            "Deliveries that reverted or left an odd receipt (logged, skipped, retried later)",
            m.settlement_failures.clone(),
        );
        *m.registry.lock().expect("fresh mutex") = Some(r);
        m
    }

    /// The text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Some(r) = self.registry.lock().expect("metrics lock").as_ref() {
            let _ = prometheus_client::encoding::text::encode(&mut out, r);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The metric names of the exposition, without labels or the `# HELP`/`# TYPE` lines.
    fn exposed() -> std::collections::BTreeSet<String> {
        let m = Metrics::new();
        // a labelled family shows up only once it has a member
        let chain = ChainLabel::new("alpha");
        for f in [
            &m.events_indexed,
            &m.reorgs,
            &m.legs_settled,
            &m.rotations_delivered,
            &m.tx_fee_bumps,
            &m.check_errors,
            &m.settlement_failures,
        ] {
            f.get_or_create(&chain).inc();
        }
        m.lag.get_or_create(&chain).set(1);
        m.errors.get_or_create(&RoleLabel { role: "reporter".into() }).inc();
        m.encode()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| l.split(['{', ' ']).next().unwrap().to_string())
            .collect()
    }

    #[test]
    fn the_readme_lists_exactly_the_metrics_the_relayer_exposes() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
        let section = &readme[readme.find("## Observability").unwrap()..];
        let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
        let listed: std::collections::BTreeSet<String> = section
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|s| s.starts_with("mesh_"))
            .map(|s| s.split('{').next().unwrap().to_string())
            .collect();
        assert_eq!(listed, exposed());
    }
}
