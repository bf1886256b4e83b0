//! `mesh relayer run`: the configured roles as tasks under one cancellation token, plus the
//! HTTP endpoints. A fatal error in any task stops the whole process with that error.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use mesh_hub_api::{bundle_log, stake_escrow};
use mesh_protocol::EvmAddress;
use tokio_util::sync::CancellationToken;

use crate::chains::{cw_reader, cw_sink, cw_source, evm_source, reader, registered, registered_cosmwasm, sink};
use crate::config::{Config, Role};
use crate::metrics::{Metrics, RoleLabel};
use crate::roles::disputer::{Disputer, WatchedDeliveries};
use crate::roles::light_clients::LightClients;
use crate::roles::{checker, poster, reporter, signer::Signer, RoleError};
use crate::status::{Health, Standing};
use crate::store::Store;
use mesh_hub::{CosmosClient, CosmosClientConfig, LiveHub};

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("setting up {what}: {detail}")]
    Setup { what: &'static str, detail: String },
    #[error(transparent)]
    Chain(#[from] crate::chains::SetupError),
    #[error("role {role} stopped: {source}")]
    Role { role: &'static str, source: RoleError },
    /// The config does not match the nodes it names (`crate::selfcheck`).
    #[error(transparent)]
    SelfCheck(#[from] crate::selfcheck::SelfCheckFailed),
}

fn setup<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> DaemonError {
    move |e| DaemonError::Setup { what, detail: e.to_string() }
}

fn hub_for(cfg: &Config) -> Result<LiveHub, DaemonError> {
    let mut hc = CosmosClientConfig::devnet(&cfg.hub.rpc, &cfg.hub.chain_id);
    hc.fee_denom = cfg.hub.denom.clone();
    hc.gas_price = cfg.hub.gas_price.parse().map_err(setup("hub gas price"))?;
    let client = CosmosClient::new(hc).map_err(setup("hub client"))?;
    let signer = crate::selfcheck::hub_signer(cfg).map_err(setup("hub key"))?;
    Ok(LiveHub {
        client,
        signer,
        bundle_log: cfg.hub.bundle_log.clone(),
        stake_escrow: cfg.hub.stake_escrow.clone(),
        dispute: cfg.hub.dispute.clone(),
        light_client: Default::default(),
    })
}

fn evm_secret(cfg: &Config) -> Result<[u8; 32], DaemonError> {
    crate::selfcheck::evm_secret(cfg)
        .map_err(setup("evm key"))?
        .ok_or(DaemonError::Setup { what: "evm key", detail: "no [evm_key]".into() })
}

/// What every role's loop shares.
#[derive(Clone)]
struct RoleCtx {
    every: Duration,
    cancel: CancellationToken,
    metrics: Metrics,
    health: Health,
}

/// Runs one role's ticks until cancelled or a fatal error.
async fn run_role<F, Fut, T>(role: &'static str, ctx: RoleCtx, mut tick: F) -> Result<(), DaemonError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, RoleError>>,
{
    let RoleCtx { every, cancel, metrics, health } = ctx;
    health.register(role);
    let mut consecutive = 0u32;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            r = tick() => match r {
                Ok(_) => {
                    consecutive = 0;
                    health.success(role);
                }
                Err(e) if e.is_recoverable() => {
                    consecutive += 1;
                    health.failure(role, &e.to_string());
                    metrics.errors.get_or_create(&RoleLabel { role: role.into() }).inc();
                    tracing::warn!(role, error = %e, consecutive, "recoverable error; retrying");
                }
                Err(e) => {
                    tracing::error!(role, error = %e, "fatal error; stopping the relayer");
                    cancel.cancel();
                    return Err(DaemonError::Role { role, source: e });
                }
            }
        }
        // back off a little while things keep failing
        let wait = every * (1 + consecutive.min(10));
        tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// How often `/status` learns the relayer's stake and the signer set anew.
const STANDING_EVERY: Duration = Duration::from_secs(10);

/// The relayer's stake and signer-set membership as the hub sees them now.
async fn standing(hub: &LiveHub, evm_secret: Option<&[u8; 32]>) -> Result<Standing, String> {
    use mesh_hub::MeshHub;
    let me = hub.signer.address().to_string();
    let info: Option<stake_escrow::RelayerInfo> = hub
        .client
        .query_smart(&hub.stake_escrow, &stake_escrow::QueryMsg::Relayer { address: me.clone() })
        .await
        .map_err(|e| e.to_string())?;
    let set = hub.current_signer_set().await.map_err(|e| e.to_string())?;
    let signer = evm_secret
        .and_then(mesh_protocol::sig::signing_key)
        .map(|k| EvmAddress(mesh_protocol::sig::signer_address(&k)));
    Ok(Standing {
        address: me,
        bonded: info.as_ref().map_or_else(|| "0".into(), |i| i.bonded.to_string()),
        active: info.as_ref().is_some_and(|i| i.active),
        jailed: info.as_ref().is_some_and(|i| i.jailed),
        in_signer_set: set
            .as_ref()
            .zip(signer)
            .is_some_and(|(set, me)| set.set.signers.iter().any(|s| s.address == me)),
        epoch: set.as_ref().map(|s| s.set.epoch),
        checked_at: crate::time::rfc3339_time(std::time::SystemTime::now()),
    })
}

/// Starts every configured role and the HTTP endpoints; returns when cancelled or on a fatal error.
pub async fn run(cfg: Config, cancel: CancellationToken) -> Result<(), DaemonError> {
    cfg.validate()?;
    // refuse a config that does not match its nodes before anything is signed or sent
    let checks = crate::selfcheck::run(&cfg).await.into_result()?;
    for (check, warning) in checks.warnings() {
        tracing::warn!(check, "{warning}");
    }
    let store = Arc::new(Store::open(&cfg.relayer.db)?);
    let metrics = Metrics::new();
    let health = Health::default();
    let every = cfg.relayer.poll_interval;
    let ctx = RoleCtx { every, cancel: cancel.clone(), metrics: metrics.clone(), health: health.clone() };
    let mut tasks = tokio::task::JoinSet::new();

    let hub_probe = hub_for(&cfg)?;
    let hub_cfg: bundle_log::ConfigResponse = hub_probe
        .client
        .query_smart(&cfg.hub.bundle_log, &bundle_log::QueryMsg::Config {})
        .await
        .map_err(setup("reading the bundle-log config"))?;
    let stake_cfg: stake_escrow::ConfigResponse = hub_probe
        .client
        .query_smart(&cfg.hub.stake_escrow, &stake_escrow::QueryMsg::Config {})
        .await
        .map_err(setup("reading the stake-escrow config"))?;
    let chains_registered = registered(&cfg, &hub_probe).await?;
    let cosmwasm_registered = registered_cosmwasm(&cfg, &hub_probe).await?;
    let roles: Vec<&str> = cfg.relayer.roles.iter().map(|r| r.name()).collect();
    tracing::info!(relayer = %hub_probe.signer.address(), roles = %roles.join(","), "relayer starting");

    if cfg.has(Role::Reporter) {
        let mut chains = chains_registered
            .iter()
            .map(|r| {
                Ok(reporter::WatchedChain {
                    chain: evm_source(r)?,
                    confirmations: r.cfg.confirmations,
                    start_block: r.cfg.start_block,
                    max_range: r.cfg.max_range,
                })
            })
            .collect::<Result<Vec<_>, DaemonError>>()?;
        for r in &cosmwasm_registered {
            chains.push(reporter::WatchedChain {
                chain: cw_source(r)?,
                confirmations: r.cfg.confirmations,
                start_block: r.cfg.start_block,
                max_range: r.cfg.max_range,
            });
        }
        let light_clients = cosmwasm_registered.iter().map(cw_reader).collect::<Result<Vec<_>, _>>()?;
        let r = reporter::Reporter {
            chains,
            hub: hub_for(&cfg)?,
            light_clients: LightClients::new(light_clients),
            store: store.clone(),
            metrics: metrics.clone(),
            max_reports_per_msg: hub_cfg.max_reports_per_msg as usize,
            batch_max_age: hub_cfg.batch_max_age,
        };
        let ctx = ctx.clone();
        tasks.spawn(async move {
            let r = r;
            run_role("reporter", ctx, || r.tick()).await
        });
    }
    if cfg.has(Role::Signer) {
        let key = k256::ecdsa::SigningKey::from_slice(&evm_secret(&cfg)?).map_err(setup("evm key"))?;
        let s = Signer {
            hub: hub_for(&cfg)?,
            key,
            domain: cfg.hub.bundle_domain(),
            store: store.clone(),
            metrics: metrics.clone(),
            rotation_delay: stake_cfg.rotation_delay,
            renewal_window: stake_cfg.renewal_window,
        };
        tracing::info!(evm_signer = %s.address(), "signer role on");
        let ctx = ctx.clone();
        tasks.spawn(async move {
            let s = s;
            run_role("signer", ctx, || s.tick()).await
        });
    }
    if cfg.runs_checker() {
        let key = k256::ecdsa::SigningKey::from_slice(&evm_secret(&cfg)?).map_err(setup("evm key"))?;
        let chains = chains_registered
            .iter()
            .map(|r| Ok(checker::CheckedChain { chain: reader(r)?, confirmations: r.cfg.confirmations }))
            .collect::<Result<Vec<_>, DaemonError>>()?;
        let hub = hub_for(&cfg)?;
        let ch = checker::Checker {
            chains,
            me: hub.signer.address().to_string(),
            hub,
            signer: EvmAddress(mesh_protocol::sig::signer_address(&key)),
            store: store.clone(),
            metrics: metrics.clone(),
            max_objections_per_msg: hub_cfg.max_reports_per_msg as usize,
        };
        let ctx = ctx.clone();
        tasks.spawn(async move {
            let ch = ch;
            run_role("checker", ctx, || ch.tick()).await
        });
    }
    if cfg.has(Role::Poster) {
        let secret = evm_secret(&cfg)?;
        let mut chains = chains_registered.iter().map(|r| sink(r, &secret, &metrics)).collect::<Result<Vec<_>, _>>()?;
        let hub_secret = cfg.hub.key.load()?;
        for r in &cosmwasm_registered {
            chains.push(cw_sink(r, &hub_secret, cfg.hub.key_type)?);
        }
        let p = poster::Poster { chains, hub: hub_for(&cfg)?, store: store.clone(), metrics: metrics.clone() };
        let ctx = ctx.clone();
        tasks.spawn(async move {
            let p = p;
            run_role("poster", ctx, || p.tick()).await
        });
    }
    if cfg.has(Role::Disputer) {
        let mut chains = HashMap::new();
        let mut watches = HashMap::new();
        for r in &chains_registered {
            chains.insert(r.domain, reader(r)?);
            let deliveries = WatchedDeliveries {
                confirmations: r.cfg.confirmations,
                start_block: r.cfg.start_block,
                max_range: r.cfg.max_range,
            };
            watches.insert(r.domain, (evm_source(r)?, deliveries));
        }
        for r in &cosmwasm_registered {
            let deliveries = WatchedDeliveries {
                confirmations: r.cfg.confirmations,
                start_block: r.cfg.start_block,
                max_range: r.cfg.max_range,
            };
            watches.insert(r.domain, (cw_source(r)?, deliveries));
        }
        let d = Disputer {
            chains,
            watches,
            domain: cfg.hub.bundle_domain(),
            hub: hub_for(&cfg)?,
            store: store.clone(),
            metrics: metrics.clone(),
        };
        let ctx = ctx.clone();
        tasks.spawn(async move {
            let d = d;
            run_role("disputer", ctx, || d.tick()).await
        });
    }
    if cfg.http.is_some() {
        // the relayer's standing on the hub for /status, refreshed while it runs
        let hub = hub_for(&cfg)?;
        let (health, cancel, evm) = (health.clone(), cancel.clone(), evm_secret(&cfg).ok());
        tasks.spawn(async move {
            loop {
                health.set_standing(standing(&hub, evm.as_ref()).await);
                tokio::select! {
                    _ = cancel.cancelled() => return Ok(()),
                    _ = tokio::time::sleep(STANDING_EVERY) => {}
                }
            }
        });
    }
    if let Some(http) = &cfg.http {
        let listener = tokio::net::TcpListener::bind(http.listen).await.map_err(setup("HTTP listener"))?;
        let app = crate::http::router(metrics.clone(), store.clone(), cfg.clone(), health.clone());
        let c = cancel.clone();
        tasks.spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { c.cancelled().await })
                .await
                .map_err(|e| DaemonError::Setup { what: "HTTP server", detail: e.to_string() })
        });
    }

    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                cancel.cancel();
                first_error.get_or_insert(e);
            }
            Err(join) => {
                cancel.cancel();
                first_error.get_or_insert(DaemonError::Setup { what: "task", detail: join.to_string() });
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
