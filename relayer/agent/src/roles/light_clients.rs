//! The light-client updater: keeps the hub's CometBFT light client of every watched CosmWasm
//! chain able to verify the reports this relayer sends.
//!
//! A report proven at height `h` is checked against the app hash of header `h + 1`, so before
//! it is sent the client must hold a consensus state at `h + 1` ([`LightClients::ensure`]). The
//! update skips from the nearest trusted state below (the CometBFT skipping rule: more than the
//! trust level of the trusted next validators signed it); when the validator set changed too
//! much for that, it bisects — first to the midpoint, then on — as CometBFT's own light client
//! does. A validator-set change is thereby followed like any other header. Between reports,
//! [`LightClients::refresh`] moves a client whose newest state is a third of its trusting period
//! old, so it never expires while the chain is quiet.
use mesh_chain::{HeaderSource, LegSource};
use mesh_hub::MeshHub;
use mesh_hub_api::light_client::ClientStatus;

use super::{on, RoleError};

/// Most `UpdateClient`s one `ensure` may send (a bisection over 2^16 heights).
const MAX_UPDATES: usize = 16;

/// The watched chains whose locks the hub verifies with a light client.
pub struct LightClients<S> {
    chains: Vec<S>,
    /// When `refresh` last looked (it runs at most every [`REFRESH_EVERY`]).
    refreshed: std::sync::Mutex<Option<std::time::Instant>>,
}

/// How often [`LightClients::refresh`] looks at the clients' ages.
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

impl<S> LightClients<S> {
    pub fn new(chains: Vec<S>) -> Self {
        LightClients { chains, refreshed: std::sync::Mutex::new(None) }
    }
}

/// Why one `UpdateClient` did not land.
enum UpdateFailure {
    /// The header is signed by too little of the trusted validators' power: bisect.
    NotEnoughTrust,
    Other(RoleError),
}

fn not_yet(chain: &str, what: String) -> RoleError {
    // a header or set the node does not serve yet: the next round will find it
    RoleError::Chain { chain: chain.into(), recoverable: true, source: what.into() }
}

/// The client cannot be moved where a proof needs it (a fork, a pruned height, a validator set
/// that changed beyond what bisection crosses): logged loudly and retried every round, so this
/// chain's reports wait while every other chain's go on — never a reason to stop the relayer.
fn stuck(chain: &str, what: String) -> RoleError {
    tracing::error!(chain, "{what}");
    RoleError::Chain { chain: chain.into(), recoverable: true, source: what.into() }
}

impl<S: HeaderSource + LegSource> LightClients<S> {
    fn chain(&self, chain_id: &str) -> Option<&S> {
        self.chains.iter().find(|c| c.client_chain_id() == chain_id)
    }

    /// Makes the hub's light client of `chain_id` hold a consensus state at `height`; returns
    /// the number of `UpdateClient`s sent (0: it already did).
    pub async fn ensure<H: MeshHub>(&self, hub: &H, chain_id: &str, height: u64) -> Result<usize, RoleError> {
        let chain = self
            .chain(chain_id)
            .ok_or_else(|| RoleError::Fatal(format!("no watched CosmWasm chain has chain id {chain_id}")))?;
        if hub.has_consensus_state(chain_id, height).await? {
            return Ok(0);
        }
        let client = hub.light_client(chain_id).await?.ok_or_else(|| {
            not_yet(chain.name(), format!("the hub has no light client of {chain_id}: its admin must create one"))
        })?;
        // `status` is `Frozen` whenever the client is frozen
        if client.status != ClientStatus::Active {
            // governance has to replace the client; reports of this chain wait until it does
            return Err(not_yet(chain.name(), format!("the hub's light client of {chain_id} is {:?}", client.status)));
        }
        // the nearest state below `height` the client is sure to hold: its latest, or its oldest
        let trusted = if client.latest_height < height {
            client.latest_height
        } else if client.earliest_height < height {
            client.earliest_height
        } else {
            return Err(stuck(
                chain.name(),
                format!(
                    "height {height} of {chain_id} is below the hub's oldest consensus state {}",
                    client.earliest_height
                ),
            ));
        };
        self.update_from(hub, chain, trusted, height).await
    }

    /// Moves the client from `trusted` to `target`, bisecting where the validator set changed by
    /// more than the trust level allows in one step.
    async fn update_from<H: MeshHub>(&self, hub: &H, chain: &S, trusted: u64, target: u64) -> Result<usize, RoleError> {
        let (mut trusted, mut pending, mut sent) = (trusted, vec![target], 0);
        while let Some(&h) = pending.last() {
            if sent + pending.len() > MAX_UPDATES {
                return Err(stuck(
                    chain.name(),
                    format!(
                        "reaching height {target} from {trusted} needs more than {MAX_UPDATES} light-client updates"
                    ),
                ));
            }
            match self.update_once(hub, chain, trusted, h).await {
                Ok(()) => {
                    sent += 1;
                    trusted = h;
                    pending.pop();
                }
                Err(UpdateFailure::NotEnoughTrust) if h > trusted + 1 => pending.push(trusted + (h - trusted) / 2),
                Err(UpdateFailure::NotEnoughTrust) => {
                    return Err(stuck(
                        chain.name(),
                        format!("the adjacent header {h} is not signed by the trusted next validators"),
                    ))
                }
                Err(UpdateFailure::Other(e)) => return Err(e),
            }
        }
        tracing::info!(chain = %chain.name(), height = target, updates = sent, "hub light client updated");
        Ok(sent)
    }

    async fn update_once<H: MeshHub>(&self, hub: &H, chain: &S, trusted: u64, h: u64) -> Result<(), UpdateFailure> {
        let other = UpdateFailure::Other;
        let header = chain
            .light_header(h)
            .await
            .map_err(on(chain))
            .map_err(other)?
            .ok_or_else(|| other(not_yet(chain.name(), format!("header {h} is not available yet"))))?;
        let next = if h == trusted + 1 {
            None
        } else {
            Some(chain.validator_set(trusted + 1).await.map_err(on(chain)).map_err(other)?.ok_or_else(|| {
                other(not_yet(chain.name(), format!("the validator set at {} is not available", trusted + 1)))
            })?)
        };
        match hub.update_light_client(chain.client_chain_id(), header, trusted, next).await {
            Ok(()) => Ok(()),
            Err(e) if e.contract_log().is_some_and(|l| l.contains("the trust level needs more than")) => {
                Err(UpdateFailure::NotEnoughTrust)
            }
            // another relayer stored the same header first: the state is there, as wanted
            Err(e) if hub.has_consensus_state(chain.client_chain_id(), h).await.unwrap_or(false) => {
                tracing::debug!(chain = %chain.name(), height = h, error = %e, "header already stored");
                Ok(())
            }
            Err(e) => Err(other(e.into())),
        }
    }

    /// Updates every client whose newest consensus state is older than a third of its trusting
    /// period (to the chain's head − 1), so a quiet chain's client does not expire; returns the
    /// number of updates sent.
    pub async fn refresh<H: MeshHub>(&self, hub: &H, now: u64) -> Result<usize, RoleError> {
        {
            let mut last = self.refreshed.lock().expect("refresh clock");
            if self.chains.is_empty() || last.is_some_and(|t| t.elapsed() < REFRESH_EVERY) {
                return Ok(0);
            }
            *last = Some(std::time::Instant::now());
        }
        let mut sent = 0;
        for chain in &self.chains {
            let Some(client) = hub.light_client(chain.client_chain_id()).await? else { continue };
            if client.status != ClientStatus::Active {
                continue;
            }
            let Some(latest) = chain.block(client.latest_height).await.map_err(on(chain))? else { continue };
            if now.saturating_sub(latest.timestamp) < client.trusting_period / 3 {
                continue;
            }
            let head = chain.head().await.map_err(on(chain))?;
            if head > client.latest_height + 1 {
                sent += self.ensure(hub, chain.client_chain_id(), head - 1).await?;
            }
        }
        Ok(sent)
    }
}
