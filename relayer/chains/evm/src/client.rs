use alloy::eips::BlockNumberOrTag;
use alloy::eips::Encodable2718;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::Filter;
use alloy::sol_types::{SolCall, SolEvent};
use mesh_hub_api::dispute::SignedStatement;
use mesh_protocol::evm::{LegLocked, LegLockedLog, Log};
use mesh_protocol::{Address, Hash32, Signature65, B256};

use super::bindings::{MeshRouter, SettlementVerifier};
use super::{BlockRef, DeliveredSignature, EvmEvidence, EvmLocations, EvmSignatures, EvmSource, LockEvent, TxAtIndex};

#[derive(Debug, thiserror::Error)]
pub enum EvmError {
    #[error("EVM RPC {url}: {detail}")]
    Rpc { url: String, detail: String },
    #[error("EVM node {url} returned something unexpected: {detail}")]
    Unexpected { url: String, detail: String },
}

impl EvmError {
    pub fn is_recoverable(&self) -> bool {
        matches!(self, EvmError::Rpc { .. })
    }
}

/// An EVM chain over JSON-RPC (alloy).
#[derive(Clone)]
pub struct AlloyEvm {
    pub url: String,
    chain_id: u64,
    provider: DynProvider,
}

impl AlloyEvm {
    pub fn new(url: &str, chain_id: u64) -> Result<AlloyEvm, EvmError> {
        let parsed = url.parse().map_err(|e| EvmError::Rpc { url: url.into(), detail: format!("bad URL: {e}") })?;
        let provider = ProviderBuilder::new().connect_http(parsed).erased();
        Ok(AlloyEvm { url: url.into(), chain_id, provider })
    }

    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    fn rpc<E: std::fmt::Display>(&self) -> impl Fn(E) -> EvmError + '_ {
        move |e| EvmError::Rpc { url: self.url.clone(), detail: e.to_string() }
    }

    /// The node's answers disagree with each other (a reorg between two calls): try again.
    fn moved(&self, detail: impl Into<String>) -> EvmError {
        EvmError::Rpc { url: self.url.clone(), detail: detail.into() }
    }

    fn unexpected(&self, detail: impl Into<String>) -> EvmError {
        EvmError::Unexpected { url: self.url.clone(), detail: detail.into() }
    }
}

impl EvmSource for AlloyEvm {
    fn chain_id(&self) -> u64 {
        self.chain_id
    }

    async fn head(&self) -> Result<u64, EvmError> {
        self.provider.get_block_number().await.map_err(self.rpc())
    }

    async fn block(&self, number: u64) -> Result<Option<BlockRef>, EvmError> {
        let b = self.provider.get_block_by_number(BlockNumberOrTag::Number(number)).await.map_err(self.rpc())?;
        Ok(b.map(|b| BlockRef { number: b.header.number, hash: b.header.hash, timestamp: b.header.timestamp }))
    }

    async fn leg_locked(&self, router: Address, from: u64, to: u64) -> Result<Vec<LockEvent>, EvmError> {
        let filter =
            Filter::new().address(router).event_signature(LegLocked::SIGNATURE_HASH).from_block(from).to_block(to);
        let logs = self.provider.get_logs(&filter).await.map_err(self.rpc())?;
        let mut out = Vec::with_capacity(logs.len());
        let mut blocks: std::collections::BTreeMap<u64, BlockRef> = Default::default();
        for log in logs {
            if log.removed {
                continue;
            }
            let number = log.block_number.ok_or_else(|| self.unexpected("log without block number"))?;
            let tx_hash = log.transaction_hash.ok_or_else(|| self.unexpected("log without tx hash"))?;
            let tx_index = log.transaction_index.ok_or_else(|| self.unexpected("log without tx index"))?;
            let block_log_index = log.log_index.ok_or_else(|| self.unexpected("log without log index"))?;
            let block = match blocks.get(&number) {
                Some(b) => *b,
                None => {
                    let b =
                        self.block(number).await?.ok_or_else(|| self.unexpected(format!("block {number} vanished")))?;
                    blocks.insert(number, b);
                    b
                }
            };
            if log.block_hash.is_some_and(|h| h != block.hash) {
                // the chain moved under us between the two calls: let the caller retry
                return Err(EvmError::Rpc {
                    url: self.url.clone(),
                    detail: format!("block {number} changed while reading"),
                });
            }
            let receipt = match self.provider.get_transaction_receipt(tx_hash).await {
                Ok(r) => r.ok_or_else(|| self.unexpected(format!("no receipt for {tx_hash}")))?,
                // A receipt of a type this relayer (and the hub's decoder) cannot read — an
                // OP-stack deposit, an Arbitrum type, a future one: never report it, since the
                // hub would take an undecodable receipt at the reported position as a false lock,
                // and never let it stall the range either. The leg waits for another lock or ABORTs.
                Err(alloy::transports::RpcError::DeserError { err, .. }) => {
                    tracing::warn!(%tx_hash, error = %err, "lock in a receipt of an unknown type: not reported");
                    continue;
                }
                Err(e) => return Err(self.rpc()(e)),
            };
            // the receipt fetched by hash must belong to the block indexed (audit finding 8): a
            // node that moved in between answers for another fork; retry the range
            if receipt.block_hash != Some(block.hash)
                || receipt.block_number != Some(number)
                || receipt.transaction_index != Some(tx_index)
            {
                return Err(self.moved(format!(
                    "receipt of {tx_hash} is not in block {number} ({}) at index {tx_index}",
                    block.hash
                )));
            }
            let position = receipt
                .inner
                .logs()
                .iter()
                .position(|l| l.log_index == Some(block_log_index))
                .ok_or_else(|| self.unexpected("log missing from its receipt"))?;
            let inner = Log {
                address: log.inner.address,
                topics: log.inner.data.topics().to_vec(),
                data: log.inner.data.data.clone(),
            };
            let event = LegLockedLog::decode(&inner).map_err(|e| self.unexpected(e.to_string()))?;
            out.push(LockEvent { block, tx_hash, tx_index, log_index_in_receipt: position as u32, event });
        }
        Ok(out)
    }
}

impl EvmLocations for AlloyEvm {
    async fn tx_at(&self, block: BlockRef, tx_index: u64) -> Result<TxAtIndex, EvmError> {
        let b = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Number(block.number))
            .await
            .map_err(self.rpc())?
            .ok_or_else(|| self.moved(format!("block {} vanished", block.number)))?;
        if b.header.hash != block.hash {
            return Err(self.moved(format!("block {} changed while reading", block.number)));
        }
        let Some(tx_hash) = b.transactions.hashes().nth(tx_index as usize) else {
            return Ok(TxAtIndex::Missing);
        };
        let receipt = match self.provider.get_transaction_receipt(tx_hash).await {
            Ok(Some(r)) => r,
            Ok(None) => return Err(self.moved(format!("no receipt for {tx_hash} of block {}", block.number))),
            // the node answered, but with something that is no receipt alloy can read
            Err(alloy::transports::RpcError::DeserError { err, .. }) => {
                return Ok(TxAtIndex::Unreadable(err.to_string()))
            }
            Err(e) => return Err(self.rpc()(e)),
        };
        // the receipt must belong to the block and position that was read (finding 8)
        if receipt.block_hash != Some(block.hash)
            || receipt.block_number != Some(block.number)
            || receipt.transaction_index != Some(tx_index)
        {
            return Err(self.moved(format!(
                "receipt of {tx_hash} is for block {:?}/{:?} index {:?}, not block {}/{} index {tx_index}",
                receipt.block_number, receipt.block_hash, receipt.transaction_index, block.number, block.hash
            )));
        }
        let logs = receipt
            .inner
            .logs()
            .iter()
            .map(|l| Log {
                address: l.inner.address,
                topics: l.inner.data.topics().to_vec(),
                data: l.inner.data.data.clone(),
            })
            .collect();
        Ok(TxAtIndex::Mined { tx_hash, success: receipt.status(), logs })
    }
}

impl EvmEvidence for AlloyEvm {
    async fn header_rlp(&self, number: u64) -> Result<Vec<u8>, EvmError> {
        let b = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Number(number))
            .await
            .map_err(self.rpc())?
            .ok_or_else(|| self.unexpected(format!("no block {number}")))?;
        let rlp = alloy::rlp::encode(&b.header.inner);
        if alloy::primitives::keccak256(&rlp) != b.header.hash {
            return Err(self.unexpected(format!("header of block {number} does not re-encode to its hash")));
        }
        Ok(rlp)
    }

    async fn block_receipts(&self, number: u64) -> Result<Vec<Vec<u8>>, EvmError> {
        let receipts = self
            .provider
            .get_block_receipts(BlockNumberOrTag::Number(number).into())
            .await
            .map_err(self.rpc())?
            .ok_or_else(|| self.unexpected(format!("no receipts for block {number}")))?;
        let mut sorted = receipts;
        sorted.sort_by_key(|r| r.transaction_index.unwrap_or_default());
        Ok(sorted
            .into_iter()
            .map(|r| {
                let consensus = r.inner.into_primitives_receipt();
                consensus.encoded_2718()
            })
            .collect())
    }
}

/// The 65-byte signatures packed in a `bytes signatures` argument; a trailing partial one (only
/// possible where the contract did not check them, e.g. `settleBatch` of a cached root) is dropped.
fn split_signatures(packed: &[u8]) -> Vec<Signature65> {
    packed.chunks_exact(65).filter_map(|c| Signature65::from_slice(c).ok()).collect()
}

impl EvmSignatures for AlloyEvm {
    async fn delivered_signatures(
        &self,
        verifier: Address,
        router: Address,
        from: u64,
        to: u64,
    ) -> Result<Vec<DeliveredSignature>, EvmError> {
        // The Verifier's events mark `submitBatch` and `rotate`; the Router's settlement events
        // mark `settleBatch`, which checks signatures without caching the root (no Verifier event).
        let filter = Filter::new()
            .address(vec![verifier, router])
            .event_signature(vec![
                SettlementVerifier::BatchVerified::SIGNATURE_HASH,
                SettlementVerifier::SignerSetActivated::SIGNATURE_HASH,
                MeshRouter::LegSettled::SIGNATURE_HASH,
                MeshRouter::SettlementSkipped::SIGNATURE_HASH,
            ])
            .from_block(from)
            .to_block(to);
        let logs = self.provider.get_logs(&filter).await.map_err(self.rpc())?;
        // One entry per transaction, in chain order; a rotation's new epoch and signers hash come
        // from its event (the Verifier derives the epoch from its own state, not the calldata).
        type Rotation = Option<(u64, B256)>;
        let mut txs: Vec<(u64, B256, Rotation)> = Vec::new();
        for log in logs {
            if log.removed {
                continue;
            }
            let number = log.block_number.ok_or_else(|| self.unexpected("log without block number"))?;
            let tx_hash = log.transaction_hash.ok_or_else(|| self.unexpected("log without tx hash"))?;
            let rotation = if log.inner.address == verifier
                && log.topics().first() == Some(&SettlementVerifier::SignerSetActivated::SIGNATURE_HASH)
            {
                let ev = SettlementVerifier::SignerSetActivated::decode_log(&log.inner)
                    .map_err(|e| self.unexpected(format!("SignerSetActivated: {e}")))?;
                Some((ev.epoch, ev.signersHash))
            } else {
                None
            };
            // a transaction's logs are consecutive in a getLogs answer
            match txs.last_mut() {
                Some(entry) if entry.1 == tx_hash => entry.2 = entry.2.or(rotation),
                _ => txs.push((number, tx_hash, rotation)),
            }
        }
        let mut out = Vec::new();
        for (block, tx_hash, rotation) in txs {
            let tx = self
                .provider
                .get_transaction_by_hash(tx_hash)
                .await
                .map_err(self.rpc())?
                .ok_or_else(|| self.unexpected(format!("no transaction {tx_hash}")))?;
            let input = alloy::consensus::Transaction::input(&tx);
            let callee = alloy::consensus::Transaction::to(&tx);
            let statements: Vec<SignedStatement> = if callee == Some(verifier) {
                if let Ok(call) = SettlementVerifier::submitBatchCall::abi_decode(input) {
                    split_signatures(&call.signatures)
                        .into_iter()
                        .map(|signature| SignedStatement::Batch {
                            epoch: call.epoch,
                            batch_index: call.batchIndex,
                            root: Hash32(call.root),
                            signature,
                        })
                        .collect()
                } else if let (Ok(call), Some((new_epoch, hash))) =
                    (SettlementVerifier::rotateCall::abi_decode(input), rotation)
                {
                    split_signatures(&call.signatures)
                        .into_iter()
                        .map(|signature| SignedStatement::SignerSetUpdate {
                            new_epoch,
                            signers_hash: Hash32(hash),
                            signature,
                        })
                        .collect()
                } else {
                    Vec::new()
                }
            } else if callee == Some(router) {
                match MeshRouter::settleBatchCall::abi_decode(input) {
                    Ok(call) => split_signatures(&call.signatures)
                        .into_iter()
                        .map(|signature| SignedStatement::Batch {
                            epoch: call.epoch,
                            batch_index: call.batchIndex,
                            root: Hash32(call.batchRoot),
                            signature,
                        })
                        .collect(),
                    // settle / settleMany / settleMultiproof carry no signatures
                    Err(_) => Vec::new(),
                }
            } else if callee.is_none() {
                // a deployment: the constructor's genesis set is not signed by anyone
                Vec::new()
            } else {
                // Called through another contract (a multisig, a batcher): the signatures are in
                // an inner call that plain calldata does not show.
                tracing::warn!(%tx_hash, "verifier/router reached through another contract: its signatures are not checked");
                Vec::new()
            };
            out.extend(statements.into_iter().map(|statement| DeliveredSignature { block, tx_hash, statement }));
        }
        Ok(out)
    }
}
