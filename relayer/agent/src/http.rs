//! `/health`, `/metrics` (Prometheus text format) and `/status` (JSON).
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::config::Config;
use crate::metrics::Metrics;
use crate::store::Store;

#[derive(Clone)]
struct AppState {
    metrics: Metrics,
    store: Arc<Store>,
    cfg: Arc<Config>,
}

pub fn router(metrics: Metrics, store: Arc<Store>, cfg: Config) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/metrics", get(|State(s): State<AppState>| async move { s.metrics.encode() }))
        .route("/status", get(status))
        .with_state(AppState { metrics, store, cfg: Arc::new(cfg) })
}

async fn status(State(s): State<AppState>) -> Json<serde_json::Value> {
    let chains: Vec<serde_json::Value> = s
        .cfg
        .chains
        .iter()
        .map(|c| serde_json::json!({"name": c.name, "chain_id": c.chain_id, "next_block": s.store.cursor(c.chain_id).ok().flatten()}))
        .collect();
    Json(serde_json::json!({
        "roles": s.cfg.relayer.roles,
        "chains": chains,
        "pending_reports": s.store.pending().map(|p| p.len()).unwrap_or_default(),
    }))
}
