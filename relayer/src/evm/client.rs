use alloy::eips::BlockNumberOrTag;
use alloy::eips::Encodable2718;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::Filter;
use alloy::sol_types::SolEvent;
use mesh_protocol::evm::{LegLocked, LegLockedLog, Log};
use mesh_protocol::Address;

use super::{BlockRef, EvmEvidence, EvmSource, LockEvent};

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
            let receipt = self
                .provider
                .get_transaction_receipt(tx_hash)
                .await
                .map_err(self.rpc())?
                .ok_or_else(|| self.unexpected(format!("no receipt for {tx_hash}")))?;
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
