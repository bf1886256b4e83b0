//! Delivering to one CosmWasm chain ([`SettlementSink`]): the Router is its own verifier, so
//! rotations and settlements are all executes of `mesh-router-cw`, signed by the poster's key
//! through [`CosmosClient`] (simulated gas, the shared account sequencer).
use std::str::FromStr;

use cosmrs::rpc::Client;
use mesh_chain::{Chain, Delivery, DomainId, LegState, Sent, SettleItem, SettlementSink};
use mesh_cosmos::{CosmosClient, CosmosError, CosmosSigner};
use mesh_hub_api::bundle_log::ChainVm;
use mesh_hub_api::router_cw::{self, ConfigResponse, ExecuteMsg, LegStatus, QueryMsg, SignerSetResponse};
use mesh_protocol::{Hash32, B256};

use crate::CwError;

/// A poster's account on a CosmWasm chain with the Mesh Router `router`.
pub struct CwDelivery {
    pub name: String,
    /// The hub's domain id for this chain.
    pub domain: DomainId,
    pub chain_id: String,
    /// The Router's bech32 address.
    pub router: String,
    pub client: CosmosClient,
    pub signer: CosmosSigner,
}

/// The Router's settlement items.
fn settle_items(items: Vec<SettleItem>) -> Vec<router_cw::SettleItem> {
    items
        .into_iter()
        .map(|i| router_cw::SettleItem {
            bundle_id: i.bundle_id,
            index: i.leg_index,
            verdict: i.verdict,
            proof: i.proof,
        })
        .collect()
}

/// The Router's execute message of a delivery.
pub fn execute_msg(delivery: Delivery) -> Result<ExecuteMsg, CwError> {
    Ok(match delivery {
        Delivery::Rotate { set, signatures } => ExecuteMsg::Rotate { new_set: set, signatures },
        Delivery::SettleBatch { batch, signatures, items } => ExecuteMsg::SettleBatch {
            epoch: batch.epoch,
            batch_index: batch.batch_index,
            root: batch.root,
            signatures,
            items: settle_items(items),
        },
        Delivery::SettleMany { root, items } => ExecuteMsg::SettleMany { batch_root: root, items: settle_items(items) },
        Delivery::SubmitRoot { batch, signatures } => {
            ExecuteMsg::SubmitBatch { epoch: batch.epoch, batch_index: batch.batch_index, root: batch.root, signatures }
        }
        // The root is verified first (`SubmitRoot`); the Router checks the action against the
        // leg's hash and runs it under its own gas budget: the simulated gas covers the action's
        // (a transaction with less fails as a whole, it never forces the fallback).
        Delivery::SettleAction { root, item, action } => ExecuteMsg::SettleAction {
            bundle_id: item.bundle_id,
            index: item.leg_index,
            batch_root: root,
            proof: item.proof,
            action,
        },
        // nor a lock-and-mint leg (`KindNotSupported`): the hub refuses to register one on a
        // CosmWasm domain
        Delivery::SettleUnlocked { item, .. } => {
            return Err(CwError::KindNotSupported { bundle_id: item.bundle_id, index: item.leg_index })
        }
    })
}

/// A CometBFT tx hash (hex) as 32 bytes.
pub fn tx_hash(hex_hash: &str) -> Option<Hash32> {
    let bytes = hex::decode(hex_hash).ok()?;
    (bytes.len() == 32).then(|| Hash32(B256::from_slice(&bytes)))
}

/// The Router's leg status as the neutral state.
pub fn leg_state(status: LegStatus) -> LegState {
    match status {
        LegStatus::None => LegState::NotLocked,
        LegStatus::Locked => LegState::Locked,
        LegStatus::Committed => LegState::Committed,
        LegStatus::Aborted => LegState::Aborted,
        LegStatus::Refunded => LegState::Refunded,
    }
}

impl CwDelivery {
    async fn query<T: serde::de::DeserializeOwned>(&self, msg: &QueryMsg) -> Result<T, CwError> {
        Ok(self.client.query_smart(&self.router, msg).await?)
    }

    fn unexpected(&self, call: &'static str, detail: String) -> CwError {
        CwError::Unexpected { chain: self.name.clone(), call, detail }
    }
}

impl Chain for CwDelivery {
    type Error = CwError;
    fn domain(&self) -> DomainId {
        self.domain
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn vm(&self) -> ChainVm {
        ChainVm::CosmWasm { chain_id: self.chain_id.clone() }
    }
}

impl SettlementSink for CwDelivery {
    async fn current_epoch(&self) -> Result<u64, CwError> {
        Ok(self.query::<ConfigResponse>(&QueryMsg::Config {}).await?.current_epoch)
    }

    /// The Router's own rule: the current set was activated at least `min_rotation_delay`
    /// seconds before the latest block's time.
    async fn rotation_allowed(&self) -> Result<bool, CwError> {
        let cfg: ConfigResponse = self.query(&QueryMsg::Config {}).await?;
        let set: Option<SignerSetResponse> = self.query(&QueryMsg::SignerSet { epoch: cfg.current_epoch }).await?;
        let set = set.ok_or_else(|| {
            self.unexpected("signer_set", format!("no set for the current epoch {}", cfg.current_epoch))
        })?;
        let (_, now) = self.client.latest_block().await?;
        Ok(now >= set.activated_at.saturating_add(cfg.min_rotation_delay))
    }

    async fn is_verified_root(&self, root: Hash32) -> Result<bool, CwError> {
        self.query(&QueryMsg::IsVerifiedRoot { root }).await
    }

    async fn leg_state(&self, bundle_id: Hash32, index: u32) -> Result<LegState, CwError> {
        Ok(leg_state(self.query(&QueryMsg::LegStatus { bundle_id, index }).await?))
    }

    async fn tx_status(&self, tx: Hash32) -> Result<Option<bool>, CwError> {
        let hash = cosmrs::tendermint::Hash::from_str(&hex::encode_upper(tx.0))
            .map_err(|e| self.unexpected("tx", e.to_string()))?;
        match self.client.rpc().tx(hash, false).await {
            Ok(resp) => Ok(Some(resp.tx_result.code.is_ok())),
            Err(e) => {
                let detail = mesh_cosmos::rpc_detail(&e);
                // CometBFT: "tx (<HASH>) not found"
                if detail.contains("not found") {
                    Ok(None)
                } else {
                    Err(CwError::Rpc { chain: self.name.clone(), call: "tx", detail })
                }
            }
        }
    }

    /// Executes the delivery's Router message. A tx the chain included but whose execution
    /// failed is `Sent { success: false }` (as a reverted EVM receipt); a refusal before
    /// inclusion (simulation, CheckTx) is an error ([`AdapterError::would_revert`](mesh_chain::AdapterError)).
    async fn send(&self, delivery: Delivery) -> Result<Sent, CwError> {
        let msg = execute_msg(delivery)?;
        match self.client.execute(&self.signer, &self.router, &msg, vec![]).await {
            Ok(out) => {
                tracing::debug!(chain = %self.name, tx = %out.hash, gas_used = out.gas_used, "delivery included");
                let tx =
                    tx_hash(&out.hash).ok_or_else(|| self.unexpected("broadcast", format!("tx hash {}", out.hash)))?;
                Ok(Sent { tx, success: true })
            }
            Err(CosmosError::DeliverTx { hash, height, log, .. }) => {
                tracing::warn!(chain = %self.name, tx = %hash, height, reason = %mesh_cosmos::contract_reason(&log), "delivery failed in its block");
                let tx = tx_hash(&hash).ok_or_else(|| self.unexpected("broadcast", format!("tx hash {hash}")))?;
                Ok(Sent { tx, success: false })
            }
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mesh_protocol::{Amount, EvmAddress, SettlementBatch, Signature65, SignerSet, Verdict, WeightedSigner};

    fn item() -> SettleItem {
        SettleItem {
            bundle_id: Hash32(B256::repeat_byte(1)),
            leg_index: 2,
            verdict: Verdict::Commit,
            proof: vec![Hash32(B256::repeat_byte(3))],
        }
    }

    #[test]
    fn each_delivery_is_its_router_message() {
        let root = Hash32(B256::repeat_byte(9));
        let sig = Signature65([7; 65]);
        let batch = SettlementBatch { epoch: 4, batch_index: 11, root };
        let msg = execute_msg(Delivery::SettleBatch { batch, signatures: vec![sig], items: vec![item()] }).unwrap();
        let want = router_cw::SettleItem {
            bundle_id: Hash32(B256::repeat_byte(1)),
            index: 2,
            verdict: Verdict::Commit,
            proof: vec![Hash32(B256::repeat_byte(3))],
        };
        assert_eq!(
            msg,
            ExecuteMsg::SettleBatch {
                epoch: 4,
                batch_index: 11,
                root,
                signatures: vec![sig],
                items: vec![want.clone()]
            }
        );
        assert_eq!(
            execute_msg(Delivery::SettleMany { root, items: vec![item()] }).unwrap(),
            ExecuteMsg::SettleMany { batch_root: root, items: vec![want] }
        );
        let set = SignerSet {
            epoch: 2,
            signers: vec![WeightedSigner { address: EvmAddress([1; 20].into()), weight: Amount::from(1u128) }],
            threshold: Amount::from(1u128),
            expires_at: 5,
        };
        let action = mesh_protocol::Action {
            target: mesh_protocol::AccountId(B256::repeat_byte(5)),
            data: br#"{"swap":{}}"#.to_vec().into(),
            output_token: mesh_protocol::AccountId(B256::repeat_byte(6)),
            min_out: Amount::from(7u128),
            gas_limit: 300_000,
        };
        assert_eq!(
            execute_msg(Delivery::SettleAction { root, item: item(), action: action.clone() }).unwrap(),
            ExecuteMsg::SettleAction {
                bundle_id: Hash32(B256::repeat_byte(1)),
                index: 2,
                batch_root: root,
                proof: vec![Hash32(B256::repeat_byte(3))],
                action
            }
        );
        assert_eq!(
            execute_msg(Delivery::Rotate { set: set.clone(), signatures: vec![sig] }).unwrap(),
            ExecuteMsg::Rotate { new_set: set, signatures: vec![sig] }
        );
    }

    #[test]
    fn tx_hashes_and_leg_states_convert() {
        let h = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
        assert_eq!(tx_hash(h).unwrap().to_string(), format!("0x{}", h.to_lowercase()));
        assert_eq!(tx_hash("ABCD"), None);
        assert_eq!(tx_hash("not hex"), None);
        assert_eq!(leg_state(LegStatus::None), LegState::NotLocked);
        assert_eq!(leg_state(LegStatus::Committed), LegState::Committed);
    }
}
