//! `/health`, `/metrics` (Prometheus text format) and `/status` (JSON).
//!
//! `/health` answers 200 `{"status":"ok"}` until a role fails `http.unhealthy_after` rounds in a
//! row, then 503 with `{"status":"unhealthy","failing":[{"role","consecutive_failures",
//! "last_error",…}]}`; one good round of that role makes it healthy again.
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};

use crate::config::{Config, Role};
use crate::metrics::{ChainLabel, Metrics};
use crate::status::Health;
use crate::store::Store;

#[derive(Clone)]
struct AppState {
    metrics: Metrics,
    store: Arc<Store>,
    cfg: Arc<Config>,
    health: Health,
}

pub fn router(metrics: Metrics, store: Arc<Store>, cfg: Config, health: Health) -> Router {
    Router::new()
        .route("/health", get(health_check))
        .route("/metrics", get(|State(s): State<AppState>| async move { s.metrics.encode() }))
        .route("/status", get(status))
        .with_state(AppState { metrics, store, cfg: Arc::new(cfg), health })
}

fn threshold(cfg: &Config) -> u32 {
    cfg.http.as_ref().map_or_else(crate::config::default_unhealthy_after, |h| h.unhealthy_after)
}

async fn health_check(State(s): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let failing = s.health.failing(threshold(&s.cfg));
    if failing.is_empty() {
        return (StatusCode::OK, Json(serde_json::json!({"status": "ok"})));
    }
    let failing: Vec<serde_json::Value> = failing
        .into_iter()
        .map(|(role, r)| {
            serde_json::json!({
                "role": role,
                "consecutive_failures": r.consecutive_failures,
                "last_error": r.last_error,
                "last_error_at": r.last_error_at,
                "last_success": r.last_success,
            })
        })
        .collect();
    (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "unhealthy", "failing": failing})))
}

async fn status(State(s): State<AppState>) -> Json<serde_json::Value> {
    let chains: Vec<serde_json::Value> = s
        .cfg
        .chains
        .iter()
        .map(|c| {
            // head − cursor, as the reporter last measured it (only the reporter indexes)
            let lag = s.cfg.has(Role::Reporter).then(|| s.metrics.lag.get_or_create(&ChainLabel::new(&c.name)).get());
            serde_json::json!({
                "name": c.name,
                "chain_id": c.chain_id,
                "next_block": s.store.cursor(c.chain_id).ok().flatten(),
                "lag_blocks": lag,
            })
        })
        .collect();
    let (standing, standing_error) = s.health.standing();
    Json(serde_json::json!({
        "roles": s.health.roles(),
        "relayer": standing,
        "relayer_error": standing_error,
        "epoch": standing.as_ref().and_then(|r| r.epoch),
        "chains": chains,
        "pending_reports": s.store.pending().map(|p| p.len()).unwrap_or_default(),
        "unhealthy_after": threshold(&s.cfg),
    }))
}
