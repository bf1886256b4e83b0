use alloy_primitives::B256;

/// Every way EVM evidence can be malformed or fail to verify. Each variant says what did not match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("RLP: {0}")]
    Rlp(alloy_rlp::Error),
    #[error("{what}: {extra} unexpected bytes after the RLP item")]
    TrailingBytes { what: &'static str, extra: usize },
    #[error("block header has {fields} fields, at least {min} are required")]
    HeaderTooShort { fields: usize, min: usize },
    #[error("header field {field} is malformed")]
    HeaderField { field: &'static str },
    #[error("receipt is empty")]
    EmptyReceipt,
    #[error("receipt type {0:#04x} is not a known EIP-2718 receipt type")]
    UnknownReceiptType(u8),
    #[error("receipt status field is not 0 or 1 (pre-Byzantium receipts are not supported)")]
    ReceiptStatus,
    #[error("receipt-trie proof does not verify against root {root}: {reason}")]
    BadReceiptProof { root: B256, reason: &'static str },
    #[error("{trie} proof does not verify against root {root}: {reason}")]
    BadStateProof { trie: &'static str, root: B256, reason: &'static str },
    #[error("state-trie account: {field} is malformed")]
    AccountField { field: &'static str },
    #[error("storage-trie value is not a canonical RLP word")]
    StorageValue,
    #[error("log is not a LegLocked event")]
    NotLegLocked,
}

impl From<alloy_rlp::Error> for ProofError {
    fn from(e: alloy_rlp::Error) -> Self {
        ProofError::Rlp(e)
    }
}
