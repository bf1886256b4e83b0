//! Poster: delivers attested batches to every chain and settles that chain's legs.
//!
//! For each attested batch and chain: if any leg of the batch is still escrowed there, the legs are
//! settled in one transaction — `settleBatch` with the hub's signatures when the Verifier does not
//! know the root yet, `settleMany` when it does (the Router skips legs someone else settled).
//! A (chain, batch) pair is recorded as posted after that transaction; a leg the Router skipped
//! (a COMMIT past its deadline, a token refusing the transfer) is left to `refundExpired`.
use std::collections::HashMap;
use std::sync::Arc;

use alloy::primitives::{Address, Bytes, FixedBytes};
use alloy::providers::DynProvider;
use mesh_protocol::{Hash32, Verdict};

use super::RoleError;
use crate::evm::bindings::{IMeshRouter, MeshRouter, SettlementVerifier};
use crate::evm::EvmError;
use crate::hub::MeshHub;
use crate::metrics::{ChainLabel, Metrics};
use crate::store::Store;

/// One chain the poster delivers to, with a provider that signs as the poster's EVM key.
pub struct PostChain {
    pub name: String,
    pub chain_id: u64,
    pub url: String,
    pub provider: DynProvider,
    pub router: Address,
    pub verifier: Address,
}

pub struct Poster<H> {
    pub chains: Vec<PostChain>,
    pub hub: H,
    pub store: Arc<Store>,
    pub metrics: Metrics,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct PosterTick {
    /// (chain id, batch index, legs settled)
    pub delivered: Vec<(u64, u64, usize)>,
}

/// `LegStatus.Locked` in the Router's enum.
const LEG_LOCKED: u8 = 1;

fn evm_err(url: &str) -> impl Fn(alloy::contract::Error) -> EvmError + '_ {
    move |e| EvmError::Rpc { url: url.into(), detail: e.to_string() }
}

impl<H: MeshHub> Poster<H> {
    pub async fn tick(&self) -> Result<PosterTick, RoleError> {
        let mut out = PosterTick::default();
        for index in self.hub.attested_batches(None).await? {
            if self.chains.iter().all(|c| self.store.is_posted(c.chain_id, index).unwrap_or(false)) {
                continue;
            }
            let batch = self.hub.batch(index).await?;
            let (Some(epoch), Some(root)) = (batch.epoch, batch.root) else { continue };
            let mut packed = Vec::with_capacity(batch.signatures.len() * 65);
            for s in &batch.signatures {
                packed.extend_from_slice(&s.signature.0);
            }
            // every bundle of the batch is read once, not once per chain
            let mut bundles = Vec::with_capacity(batch.entries.len());
            for entry in &batch.entries {
                bundles.push(self.hub.bundle(entry.bundle_id).await?);
            }
            let mut proofs: HashMap<Hash32, Vec<FixedBytes<32>>> = HashMap::new();
            for chain in &self.chains {
                if self.store.is_posted(chain.chain_id, index)? {
                    continue;
                }
                let router = MeshRouter::new(chain.router, chain.provider.clone());
                let mut items = Vec::new();
                for (entry, bundle) in batch.entries.iter().zip(&bundles) {
                    for (i, leg) in bundle.bundle.legs.iter().enumerate() {
                        if leg.chain_id != chain.chain_id {
                            continue;
                        }
                        let status: u8 =
                            router.legStatus(entry.bundle_id.0, i as u32).call().await.map_err(evm_err(&chain.url))?;
                        if status != LEG_LOCKED {
                            continue;
                        }
                        if let std::collections::hash_map::Entry::Vacant(slot) = proofs.entry(entry.bundle_id) {
                            let p = self.hub.merkle_proof(entry.bundle_id).await?;
                            slot.insert(p.proof.iter().map(|h| h.0).collect());
                        }
                        items.push(IMeshRouter::SettleItem {
                            bundleId: entry.bundle_id.0,
                            index: i as u32,
                            verdict: match entry.verdict {
                                Verdict::Commit => 1,
                                Verdict::Abort => 2,
                            },
                            proof: proofs[&entry.bundle_id].clone(),
                        });
                    }
                }
                if !items.is_empty() {
                    let verifier = SettlementVerifier::new(chain.verifier, chain.provider.clone());
                    let known = verifier.isVerifiedRoot(root.0).call().await.map_err(evm_err(&chain.url))?;
                    let n = items.len();
                    // One transaction either way: an unknown root is checked in place by
                    // `settleBatch` (no 20k-gas root cache write, docs/benchmarks.md); a root the
                    // verifier already knows goes through `settleMany`.
                    let call = if known {
                        router.settleMany(root.0, items).send().await
                    } else {
                        router.settleBatch(epoch, index, root.0, Bytes::from(packed.clone()), items).send().await
                    };
                    let receipt = call
                        .map_err(evm_err(&chain.url))?
                        .with_timeout(Some(std::time::Duration::from_secs(60)))
                        .get_receipt()
                        .await
                        .map_err(|e| EvmError::Rpc { url: chain.url.clone(), detail: e.to_string() })?;
                    if !receipt.status() {
                        return Err(RoleError::Fatal(format!("{}: settlement of batch {index} reverted", chain.name)));
                    }
                    self.metrics.legs_settled.get_or_create(&ChainLabel::new(&chain.name)).inc_by(n as u64);
                    tracing::info!(chain = %chain.name, batch = index, legs = n, tx = %receipt.transaction_hash, "settled legs");
                    out.delivered.push((chain.chain_id, index, n));
                }
                self.store.mark_posted(chain.chain_id, index)?;
            }
        }
        Ok(out)
    }
}
