/// Errors talking to the hub, classified so callers know whether trying again can help.
#[derive(Debug, thiserror::Error)]
pub enum CosmosError {
    #[error("hub RPC {url}: {source}")]
    Rpc {
        url: String,
        #[source]
        source: Box<cosmrs::rpc::Error>,
    },
    #[error("hub query {path} failed with code {code}: {log}")]
    Query { path: String, code: u32, log: String },
    #[error("account {0} does not exist on the hub (fund it first)")]
    AccountNotFound(String),
    #[error("simulation failed: {log}")]
    Simulation { log: String },
    #[error("tx rejected by CheckTx (code {code}, {codespace}): {log}")]
    CheckTx { code: u32, codespace: String, log: String },
    #[error("tx {hash} failed in block {height} (code {code}, {codespace}): {log}")]
    DeliverTx { hash: String, height: u64, code: u32, codespace: String, log: String },
    #[error("tx {hash} was not included within {secs} s")]
    NotIncluded { hash: String, secs: u64 },
    #[error("account sequence still mismatched after {attempts} attempts")]
    SequenceMismatch { attempts: u32 },
    #[error("decoding {what}: {detail}")]
    Decode { what: &'static str, detail: String },
    #[error("encoding tx: {0}")]
    Encode(String),
}

impl CosmosError {
    /// Whether the same call may succeed later (node unreachable, tx not yet included).
    pub fn is_recoverable(&self) -> bool {
        matches!(self, CosmosError::Rpc { .. } | CosmosError::NotIncluded { .. } | CosmosError::SequenceMismatch { .. })
    }

    /// The contract's own error text when the failure came from a contract execution.
    pub fn contract_log(&self) -> Option<&str> {
        match self {
            CosmosError::Simulation { log } | CosmosError::CheckTx { log, .. } | CosmosError::DeliverTx { log, .. } => {
                Some(log)
            }
            _ => None,
        }
    }
}
