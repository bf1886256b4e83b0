//! The poster's view of one chain: read the Verifier and the Router, send deliveries through the
//! fee-bumping [`TxSender`]. A trait, so the poster's ordering rules can be tested in memory.
use std::future::Future;

use alloy::primitives::{Address, Bytes, B256};
use alloy::providers::Provider;
use alloy::sol_types::SolCall;
use mesh_protocol::SignerSet;

use super::bindings::{IMeshRouter, MeshRouter, SettlementVerifier};
use super::sender::{SendError, TxSender};
use super::EvmError;

/// One delivery transaction.
#[derive(Clone, Debug)]
pub enum Delivery {
    /// `SettlementVerifier.rotate`: installs `set` (epoch = the Verifier's current epoch + 1),
    /// `signatures` by the current set over its `SignerSetUpdate`, packed, ascending by signer.
    Rotate { set: SignerSet, signatures: Bytes },
    /// `MeshRouter.settleBatch`: verifies an unknown root in place and settles `items`.
    SettleBatch { epoch: u64, batch_index: u64, root: B256, signatures: Bytes, items: Vec<IMeshRouter::SettleItem> },
    /// `MeshRouter.settleMany`: settles `items` under a root the Verifier knows.
    SettleMany { root: B256, items: Vec<IMeshRouter::SettleItem> },
}

/// A mined delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sent {
    pub tx_hash: B256,
    pub success: bool,
}

/// What the poster reads from and sends to one chain.
pub trait DeliveryChain: Send + Sync {
    fn name(&self) -> &str;
    fn chain_id(&self) -> u64;
    /// `SettlementVerifier.currentEpoch()`.
    fn current_epoch(&self) -> impl Future<Output = Result<u64, EvmError>> + Send;
    /// Whether the Verifier's current set has been current for its minimum rotation delay
    /// (judged at the latest block; `rotate` reverts before).
    fn rotation_allowed(&self) -> impl Future<Output = Result<bool, EvmError>> + Send;
    fn is_verified_root(&self, root: B256) -> impl Future<Output = Result<bool, EvmError>> + Send;
    /// `MeshRouter.legStatus` (1 = locked).
    fn leg_status(&self, bundle_id: B256, index: u32) -> impl Future<Output = Result<u8, EvmError>> + Send;
    /// The status of a mined transaction, `None` when the chain has no receipt for it.
    fn tx_status(&self, tx: B256) -> impl Future<Output = Result<Option<bool>, EvmError>> + Send;
    fn send(&self, delivery: Delivery) -> impl Future<Output = Result<Sent, SendError>> + Send;
}

/// A real chain over JSON-RPC.
pub struct EvmDelivery {
    pub name: String,
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

impl DeliveryChain for EvmDelivery {
    fn name(&self) -> &str {
        &self.name
    }

    fn chain_id(&self) -> u64 {
        self.chain_id
    }

    async fn current_epoch(&self) -> Result<u64, EvmError> {
        SettlementVerifier::new(self.verifier, self.sender.provider()).currentEpoch().call().await.map_err(self.rpc())
    }

    async fn rotation_allowed(&self) -> Result<bool, EvmError> {
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

    async fn is_verified_root(&self, root: B256) -> Result<bool, EvmError> {
        SettlementVerifier::new(self.verifier, self.sender.provider())
            .isVerifiedRoot(root)
            .call()
            .await
            .map_err(self.rpc())
    }

    async fn leg_status(&self, bundle_id: B256, index: u32) -> Result<u8, EvmError> {
        MeshRouter::new(self.router, self.sender.provider())
            .legStatus(bundle_id, index)
            .call()
            .await
            .map_err(self.rpc())
    }

    async fn tx_status(&self, tx: B256) -> Result<Option<bool>, EvmError> {
        let r = self.sender.provider().get_transaction_receipt(tx).await.map_err(self.rpc())?;
        Ok(r.map(|r| r.status()))
    }

    async fn send(&self, delivery: Delivery) -> Result<Sent, SendError> {
        let (to, input) = match delivery {
            Delivery::Rotate { set, signatures } => {
                let call = SettlementVerifier::rotateCall {
                    signers: set.signers.iter().map(|s| s.address.0).collect(),
                    weights: set.signers.iter().map(|s| s.weight.0).collect(),
                    threshold: set.threshold.0,
                    expiresAt: set.expires_at,
                    signatures,
                };
                (self.verifier, call.abi_encode())
            }
            Delivery::SettleBatch { epoch, batch_index, root, signatures, items } => {
                let call =
                    MeshRouter::settleBatchCall { epoch, batchIndex: batch_index, batchRoot: root, signatures, items };
                (self.router, call.abi_encode())
            }
            Delivery::SettleMany { root, items } => {
                (self.router, MeshRouter::settleManyCall { batchRoot: root, items }.abi_encode())
            }
        };
        let receipt = self.sender.send(to, input.into()).await?;
        Ok(Sent { tx_hash: receipt.transaction_hash, success: receipt.status() })
    }
}
