//! Signer: signs closed batches and signer-set updates of its epoch with its EVM key.
//!
//! Never signs a root the hub has not closed (it signs only what the hub's batch query shows
//! closed, after recomputing the root from the batch's leaves), and never signs two roots for one
//! (epoch, batch index): the root is recorded in the database *before* signing, and a different
//! root for a recorded slot stops the process (that would be a slashable equivocation).
//!
//! The signer also triggers the hub's signer-set rotations: when the active relayers (after a
//! bond, an unbond, a jailing) would form a set other than the current one and the rotation delay
//! is over, it calls `RotateSigners`. Anyone may; when several relayers race, the losers' calls
//! fail with `RotationTooEarly` or `SignerSetUnchanged`, which means "already done".
use k256::ecdsa::SigningKey;
use mesh_hub_api::bundle_log::BatchStatus;
use mesh_hub_api::stake_escrow::SignerSetResponse;
use mesh_protocol::eip712::{
    settlement_batch_digest, settlement_leaf, signer_set_hash, signer_set_update_digest, HubDomain,
};
use mesh_protocol::merkle::merkle_root;
use mesh_protocol::sig::{sign_digest, signer_address};
use mesh_protocol::{EvmAddress, SettlementBatch, SignerSetUpdate};

use super::RoleError;
use crate::metrics::Metrics;
use crate::store::Store;
use mesh_hub::MeshHub;

pub struct Signer<H> {
    pub hub: H,
    pub key: SigningKey,
    pub domain: HubDomain,
    pub store: std::sync::Arc<Store>,
    pub metrics: Metrics,
    /// The stake-escrow's `rotation_delay` (seconds between two signer sets).
    pub rotation_delay: u64,
    /// The stake-escrow's `renewal_window`: a set with unchanged members is renewed this long
    /// before it expires, so no Verifier is stranded with an expired set.
    pub renewal_window: u64,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SignerTick {
    pub batches_signed: Vec<u64>,
    pub updates_signed: Vec<u64>,
    /// The epoch this relayer's `RotateSigners` made, if it made one.
    pub rotated_to: Option<u64>,
}

/// Lowest update epoch that may still need this signer (every earlier one is attested).
const UPDATES_FROM: &str = "signer.updates_from";

/// Contract errors of `RotateSigners` that mean there is nothing to rotate (now).
fn rotation_not_needed(log: &str) -> bool {
    log.contains("next rotation is allowed at") || log.contains("same signer set as epoch")
}

impl<H: MeshHub> Signer<H> {
    pub fn address(&self) -> EvmAddress {
        EvmAddress(signer_address(&self.key))
    }

    pub async fn tick(&self) -> Result<SignerTick, RoleError> {
        let me = self.address();
        let mut out = SignerTick::default();
        for index in self.hub.unattested_batches().await? {
            let b = self.hub.batch(index).await?;
            if b.status != BatchStatus::Closed || b.signatures.iter().any(|s| s.signer == me) {
                continue;
            }
            let (Some(epoch), Some(root)) = (b.epoch, b.root) else { continue };
            let Some(set) = self.hub.signer_set(epoch).await? else { continue };
            if set.set.weight_of(&me).is_none() || set.jailed.contains(&me) {
                continue;
            }
            let leaves: Vec<_> = b.entries.iter().map(|e| settlement_leaf(e.bundle_id.0, e.verdict)).collect();
            if b.entries.iter().zip(&leaves).any(|(e, l)| e.leaf.0 != *l) || merkle_root(&leaves) != Some(root.0) {
                return Err(RoleError::Fatal(format!(
                    "batch {index}: the hub's root {root} does not match its leaves; refusing to sign"
                )));
            }
            self.store.record_batch_signature(epoch, index, root.0 .0)?;
            let digest = settlement_batch_digest(&self.domain, &SettlementBatch { epoch, batch_index: index, root });
            let sig = sign_digest(&self.key, digest);
            self.hub.submit_signatures(index, vec![sig]).await?;
            self.metrics.batches_signed.inc();
            tracing::info!(batch = index, epoch, %root, "signed batch root");
            out.batches_signed.push(index);
        }

        // Hand-over to a newer signer set: the previous set's members sign the update. Every
        // epoch not yet attested is looked at, not only the newest: a Verifier rotates one epoch
        // at a time and would stall on an unsigned intermediate update.
        if let Some(current) = self.hub.current_signer_set().await? {
            let from = self.store.counter(UPDATES_FROM)?.max(2);
            let mut all_attested = true;
            for new_epoch in from..=current.set.epoch {
                let Some(update) = self.hub.signer_set_update(new_epoch).await? else {
                    all_attested = false;
                    continue;
                };
                if update.attested {
                    if all_attested {
                        self.store.set_counter(UPDATES_FROM, new_epoch + 1)?;
                    }
                    continue;
                }
                all_attested = false;
                let already = update.signatures.iter().any(|s| s.signer == me);
                let member = self
                    .hub
                    .signer_set(update.signing_epoch)
                    .await?
                    .is_some_and(|s| s.set.weight_of(&me).is_some() && !s.jailed.contains(&me));
                if already || !member {
                    continue;
                }
                let hash = signer_set_hash(&update.new_set);
                if hash != update.update.signers_hash.0 {
                    return Err(RoleError::Fatal(format!("signer-set update {new_epoch}: hash mismatch")));
                }
                self.store.record_update_signature(new_epoch, hash.0)?;
                let digest = signer_set_update_digest(
                    &self.domain,
                    &SignerSetUpdate { new_epoch, signers_hash: update.update.signers_hash },
                );
                self.hub.submit_update_signatures(new_epoch, vec![sign_digest(&self.key, digest)]).await?;
                self.metrics.batches_signed.inc();
                tracing::info!(new_epoch, "signed signer-set update");
                out.updates_signed.push(new_epoch);
            }
            out.rotated_to = self.rotate_if_due(&current).await?;
        }
        Ok(out)
    }

    /// Calls `RotateSigners` when the delay is over and either the active relayers' set differs
    /// from `current` (members, weights or threshold: the expiry alone always differs) or
    /// `current` expires within the renewal window; returns the new epoch when this call made it.
    async fn rotate_if_due(&self, current: &SignerSetResponse) -> Result<Option<u64>, RoleError> {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        if now < current.created_at.saturating_add(self.rotation_delay) {
            return Ok(None);
        }
        let Some(next) = self.hub.next_signer_set().await? else { return Ok(None) };
        let same_members = next.signers == current.set.signers && next.threshold == current.set.threshold;
        let renewal_due = now.saturating_add(self.renewal_window) >= current.set.expires_at;
        if same_members && !renewal_due {
            return Ok(None);
        }
        match self.hub.rotate_signers().await {
            Ok(()) => {
                let epoch = current.set.epoch + 1;
                self.metrics.rotations_triggered.inc();
                tracing::info!(epoch, signers = next.signers.len(), "rotated the hub's signer set");
                Ok(Some(epoch))
            }
            Err(e) if e.contract_log().is_some_and(rotation_not_needed) => {
                tracing::debug!(error = %e, "rotation not needed (another relayer rotated first)");
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }
}
