//! Delivering to one EVM chain ([`SettlementSink`]): read the Verifier and the Router, send
//! rotations and settlements through the fee-bumping [`TxSender`].
use alloy::primitives::{Address, Bytes};
use alloy::providers::Provider;
use alloy::sol_types::SolCall;
use mesh_chain::{AdapterError, Chain, Delivery, DomainId, LegState, Sent, SettleItem, SettlementSink};
use mesh_hub_api::bundle_log::ChainVm;
use mesh_protocol::{Hash32, Signature65};

use super::bindings::{IMeshRouter, MeshRouter, SettlementVerifier};
use super::sender::{SendError, TxSender};
use super::EvmError;

/// Why a read or a delivery failed: a node call, or the sender.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Read(#[from] EvmError),
    #[error(transparent)]
    Send(#[from] SendError),
}

impl AdapterError for DeliveryError {
    fn is_recoverable(&self) -> bool {
        match self {
            DeliveryError::Read(e) => e.is_recoverable(),
            DeliveryError::Send(e) => e.is_recoverable(),
        }
    }
    fn would_revert(&self) -> bool {
        matches!(self, DeliveryError::Send(SendError::WouldRevert { .. }))
    }
}

/// Signatures as a Verifier takes them: 65 bytes each, in the given (ascending signer) order.
fn packed(signatures: &[Signature65]) -> Bytes {
    signatures.iter().flat_map(|s| s.0).collect()
}

/// The Router's settlement items.
fn settle_items(items: Vec<SettleItem>) -> Vec<IMeshRouter::SettleItem> {
    items
        .into_iter()
        .map(|i| IMeshRouter::SettleItem {
            bundleId: i.bundle_id.0,
            index: i.leg_index,
            verdict: i.verdict.code(),
            proof: i.proof.into_iter().map(|h| h.0).collect(),
        })
        .collect()
}

/// A real chain over JSON-RPC.
pub struct EvmDelivery {
    pub name: String,
    /// The hub's domain id for this chain.
    pub domain: DomainId,
    pub chain_id: u64,
    pub url: String,
    pub router: Address,
    pub verifier: Address,
    pub sender: TxSender,
}

impl EvmDelivery {
    fn rpc<E: std::fmt::Display>(&self) -> impl Fn(E) -> EvmError + '_ {
        move |e| EvmError::Rpc { url: self.url.clone(), detail: e.to_string() }
    }
}

impl Chain for EvmDelivery {
    type Error = DeliveryError;
    fn domain(&self) -> DomainId {
        self.domain
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn vm(&self) -> ChainVm {
        ChainVm::Evm { chain_id: self.chain_id }
    }
}

impl SettlementSink for EvmDelivery {
    async fn current_epoch(&self) -> Result<u64, DeliveryError> {
        Ok(SettlementVerifier::new(self.verifier, self.sender.provider())
            .currentEpoch()
            .call()
            .await
            .map_err(self.rpc())?)
    }

    async fn rotation_allowed(&self) -> Result<bool, DeliveryError> {
        let v = SettlementVerifier::new(self.verifier, self.sender.provider());
        let epoch = v.currentEpoch().call().await.map_err(self.rpc())?;
        let activated = v.signerSet(epoch).call().await.map_err(self.rpc())?.activatedAt;
        let delay = v.MIN_ROTATION_DELAY().call().await.map_err(self.rpc())?;
        let latest = self
            .sender
            .provider()
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .map_err(self.rpc())?
            .ok_or_else(|| EvmError::Unexpected { url: self.url.clone(), detail: "no latest block".into() })?;
        Ok(latest.header.timestamp >= activated.saturating_add(delay))
    }

    async fn is_verified_root(&self, root: Hash32) -> Result<bool, DeliveryError> {
        Ok(SettlementVerifier::new(self.verifier, self.sender.provider())
            .isVerifiedRoot(root.0)
            .call()
            .await
            .map_err(self.rpc())?)
    }

    async fn leg_state(&self, bundle_id: Hash32, index: u32) -> Result<LegState, DeliveryError> {
        let code = MeshRouter::new(self.router, self.sender.provider())
            .legStatus(bundle_id.0, index)
            .call()
            .await
            .map_err(self.rpc())?;
        leg_state(code).ok_or_else(|| {
            EvmError::Unexpected { url: self.url.clone(), detail: format!("legStatus {code} is no LegStatus") }.into()
        })
    }

    async fn tx_status(&self, tx: Hash32) -> Result<Option<bool>, DeliveryError> {
        let r = self.sender.provider().get_transaction_receipt(tx.0).await.map_err(self.rpc())?;
        Ok(r.map(|r| r.status()))
    }

    async fn send(&self, delivery: Delivery) -> Result<Sent, DeliveryError> {
        let (to, input) = match delivery {
            Delivery::Rotate { set, signatures } => {
                let call = SettlementVerifier::rotateCall {
                    signers: set.signers.iter().map(|s| s.address.0).collect(),
                    weights: set.signers.iter().map(|s| s.weight.0).collect(),
                    threshold: set.threshold.0,
                    expiresAt: set.expires_at,
                    signatures: packed(&signatures),
                };
                (self.verifier, call.abi_encode())
            }
            Delivery::SettleBatch { batch, signatures, items } => {
                let call = MeshRouter::settleBatchCall {
                    epoch: batch.epoch,
                    batchIndex: batch.batch_index,
                    batchRoot: batch.root.0,
                    signatures: packed(&signatures),
                    items: settle_items(items),
                };
                (self.router, call.abi_encode())
            }
            Delivery::SettleMany { root, items } => {
                (self.router, MeshRouter::settleManyCall { batchRoot: root.0, items: settle_items(items) }.abi_encode())
            }
            Delivery::SubmitRoot { batch, signatures } => {
                let call = SettlementVerifier::submitBatchCall {
                    epoch: batch.epoch,
                    batchIndex: batch.batch_index,
                    root: batch.root.0,
                    signatures: packed(&signatures),
                };
                (self.verifier, call.abi_encode())
            }
            Delivery::SettleAction { root, item, action } => {
                // the gas estimate finds the gas the action needs: with less the Router reverts
                // (`ActionGasTooLow`) instead of falling back
                let call = MeshRouter::settleActionCall {
                    bundleId: item.bundle_id.0,
                    index: item.leg_index,
                    batchRoot: root.0,
                    proof: item.proof.into_iter().map(|h| h.0).collect(),
                    action: IMeshRouter::ActionCall {
                        target: action.target.0,
                        data: action.data.0.into(),
                        outputToken: action.output_token.0,
                        minOut: action.min_out.0,
                        gasLimit: action.gas_limit,
                    },
                };
                (self.router, call.abi_encode())
            }
            Delivery::SettleUnlocked { root, item, bundle } => {
                let i = item.leg_index as usize;
                let leg = bundle.legs.get(i).ok_or_else(|| EvmError::Unexpected {
                    url: self.url.clone(),
                    detail: format!("bundle {} has no leg {i}", item.bundle_id),
                })?;
                let call = MeshRouter::settleUnlockedCall {
                    index: item.leg_index,
                    verdict: item.verdict.code(),
                    batchRoot: root.0,
                    proof: item.proof.into_iter().map(|h| h.0).collect(),
                    p: MeshRouter::LegProof {
                        leg: crate::sol_leg!(MeshRouter::Leg, leg),
                        lockDeadline: bundle.lock_deadline,
                        settleDeadline: bundle.settle_deadline,
                        creatorHash: mesh_protocol::eip712::creator_hash(&bundle.creator),
                        nonce: bundle.nonce,
                        legHashes: bundle.legs.iter().map(mesh_protocol::eip712::leg_hash).collect(),
                    },
                };
                (self.router, call.abi_encode())
            }
        };
        let receipt = self.sender.send(to, input.into()).await?;
        Ok(Sent { tx: Hash32(receipt.transaction_hash), success: receipt.status() })
    }
}

/// `IMeshRouter.LegStatus` as the neutral state.
pub fn leg_state(code: u8) -> Option<LegState> {
    Some(match code {
        0 => LegState::NotLocked,
        1 => LegState::Locked,
        2 => LegState::Committed,
        3 => LegState::Aborted,
        4 => LegState::Refunded,
        _ => return None,
    })
}
