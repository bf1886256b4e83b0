//! Signatures delivered to the Router (the disputer's watch on statements the hub never made):
//! every signature in a successful `SubmitBatch`, `SettleBatch` or `Rotate` executed on the
//! Router, with the statement the contract checked it against. A colluding quorum can push a
//! root the hub never closed straight to this chain; its signatures are then evidence on the hub
//! (the proof is VM-neutral: statement and signature).
use cosmrs::proto::cosmwasm::wasm::v1::MsgExecuteContract;
use cosmrs::rpc::query::Query;
use cosmrs::rpc::{Client, Order};
use mesh_chain::{DeliveredSignature, SignatureWatch};
use mesh_hub_api::dispute::SignedStatement;
use mesh_hub_api::router_cw::ExecuteMsg;
use mesh_protocol::eip712::signer_set_hash;
use mesh_protocol::{Hash32, B256};
use prost::Message;

use crate::{CwChain, CwError};

const EXECUTE_TYPE_URL: &str = "/cosmwasm.wasm.v1.MsgExecuteContract";
const PER_PAGE: u8 = 100;

/// The statements signed in one Router message, each with its signature (nothing for messages
/// that carry no signature).
pub fn signed_statements(msg: &ExecuteMsg) -> Vec<SignedStatement> {
    match msg {
        ExecuteMsg::SubmitBatch { epoch, batch_index, root, signatures }
        | ExecuteMsg::SettleBatch { epoch, batch_index, root, signatures, .. } => signatures
            .iter()
            .map(|s| SignedStatement::Batch { epoch: *epoch, batch_index: *batch_index, root: *root, signature: *s })
            .collect(),
        ExecuteMsg::Rotate { new_set, signatures } => {
            let signers_hash = Hash32(signer_set_hash(new_set));
            signatures
                .iter()
                .map(|s| SignedStatement::SignerSetUpdate { new_epoch: new_set.epoch, signers_hash, signature: *s })
                .collect()
        }
        _ => vec![],
    }
}

/// The Router messages of a tx (its `MsgExecuteContract`s to `router`), decoded; other messages
/// and undecodable ones are skipped (they executed nothing on the Router a signature could count for).
pub fn router_messages(tx: &[u8], router: &str) -> Vec<ExecuteMsg> {
    let Ok(tx) = cosmrs::Tx::from_bytes(tx) else { return vec![] };
    tx.body
        .messages
        .iter()
        .filter(|any| any.type_url == EXECUTE_TYPE_URL)
        .filter_map(|any| MsgExecuteContract::decode(any.value.as_slice()).ok())
        .filter(|m| m.contract == router)
        .filter_map(|m| serde_json::from_slice(&m.msg).ok())
        .collect()
}

impl SignatureWatch for CwChain {
    async fn watch_head(&self) -> Result<u64, CwError> {
        mesh_chain::LegSource::head(self).await
    }

    /// One `tx_search` on the Router's `wasm` event (every execute on a contract emits it with
    /// `_contract_address`) over the height range, paged; only successful txs count.
    async fn delivered_signatures(&self, from: u64, to: u64) -> Result<Vec<DeliveredSignature>, CwError> {
        if from > to {
            return Ok(vec![]);
        }
        let query = Query::eq("wasm._contract_address", self.router.as_str())
            .and_gte("tx.height", from)
            .and_lte("tx.height", to);
        let mut out = Vec::new();
        let mut seen = 0usize;
        for page in 1u32.. {
            let resp = self
                .client
                .rpc()
                .tx_search(query.clone(), false, page, PER_PAGE, Order::Ascending)
                .await
                .map_err(self.rpc_err("tx_search"))?;
            let n = resp.txs.len();
            seen += n;
            for tx in resp.txs {
                let height = tx.height.value();
                if tx.tx_result.code.is_err() || !(from..=to).contains(&height) {
                    continue;
                }
                let hash: [u8; 32] = tx.hash.as_bytes().try_into().unwrap_or_default();
                for msg in router_messages(&tx.tx, &self.router) {
                    for statement in signed_statements(&msg) {
                        out.push(DeliveredSignature { block: height, tx: Hash32(B256::from(hash)), statement });
                    }
                }
            }
            // a short page is the last (`total_count` may count a tx once per matching event)
            if n < PER_PAGE as usize || seen >= resp.total_count as usize {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mesh_protocol::{Signature65, SignerSet};

    #[test]
    fn every_signature_of_a_batch_or_rotation_is_one_statement_and_other_messages_carry_none() {
        let sig = |b: u8| Signature65([b; 65]);
        let root = Hash32(B256::repeat_byte(7));
        let batch = ExecuteMsg::SubmitBatch { epoch: 2, batch_index: 9, root, signatures: vec![sig(1), sig(2)] };
        let s = signed_statements(&batch);
        assert_eq!(s.len(), 2);
        assert_eq!(s[1], SignedStatement::Batch { epoch: 2, batch_index: 9, root, signature: sig(2) });
        let settle =
            ExecuteMsg::SettleBatch { epoch: 2, batch_index: 9, root, signatures: vec![sig(3)], items: vec![] };
        assert_eq!(signed_statements(&settle).len(), 1);
        let set = SignerSet { epoch: 3, signers: vec![], threshold: 1u128.into(), expires_at: 10 };
        let rotate = ExecuteMsg::Rotate { new_set: set.clone(), signatures: vec![sig(4)] };
        assert_eq!(
            signed_statements(&rotate),
            vec![SignedStatement::SignerSetUpdate {
                new_epoch: 3,
                signers_hash: Hash32(signer_set_hash(&set)),
                signature: sig(4)
            }]
        );
        let refund = ExecuteMsg::RefundExpired { bundle_id: root, index: 0 };
        assert!(signed_statements(&refund).is_empty());
    }

    #[test]
    fn bytes_that_are_no_tx_hold_no_router_message() {
        assert!(router_messages(b"not a tx", "inj1router").is_empty());
    }
}
