/// Errors talking to the hub, classified so callers know whether trying again can help.
#[derive(Debug, thiserror::Error)]
pub enum CosmosError {
    /// `detail` is the RPC error's chain of causes on one line (see [`rpc_detail`]).
    #[error("hub RPC {url}: {detail}")]
    Rpc { url: String, detail: String },
    #[error("hub query {path} failed with code {code}: {log}")]
    Query { path: String, code: u32, log: String },
    #[error("account {0} does not exist on the hub (fund it first)")]
    AccountNotFound(String),
    /// `log` is the node's full text; the message shows only the contract's reason in it.
    #[error("the hub refused the transaction: {}", contract_reason(log))]
    Simulation { log: String },
    #[error("tx rejected by CheckTx (code {code}, {codespace}): {}", contract_reason(log))]
    CheckTx { code: u32, codespace: String, log: String },
    #[error("tx {hash} failed in block {height} (code {code}, {codespace}): {}", contract_reason(log))]
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

/// The SDK's code for a tx that ran out of gas (`sdkerrors.ErrOutOfGas`, codespace `sdk`).
const CODE_OUT_OF_GAS: u32 = 11;

impl CosmosError {
    /// A tx that ran out of its gas limit in its block: it changed nothing, and the same messages
    /// simulated afresh may fit (work that depends on block time, such as `Advance`, can grow
    /// between the simulation and the block).
    pub fn ran_out_of_gas(&self) -> bool {
        matches!(self, CosmosError::DeliverTx { code: CODE_OUT_OF_GAS, codespace, .. } if codespace == "sdk")
    }

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

/// A tendermint-rpc error's causes on one line. Its `Display` is the `Debug` form of an eyre
/// report, which ends in `Location: …/eyre.rs:10:9`; the alternate `Display` of the trace is
/// the plain chain.
pub fn rpc_detail(e: &cosmrs::rpc::Error) -> String {
    format!("{:#}", e.trace())
}

/// The contract's (or the SDK's) own reason inside a node's failure log.
///
/// injectived 1.18 answers a simulation of a contract execute the contract refuses with
/// `[reason:"execute wasm contract failed" metadata:{…}]: rpc error: code = Unknown desc = failed
/// to execute message; message index: 0: <reason>`; other SDK versions put the reason before
/// `: execute wasm contract failed [<module>/keeper.go:…] With gas wanted: '…' …`. The reason is
/// what an operator needs; the rest is the SDK's wrapping (logged in full at debug level where the
/// error is made, and kept in the error for callers).
pub fn contract_reason(log: &str) -> &str {
    const MESSAGE: &str = "failed to execute message; message index: ";
    let mut reason = log.trim();
    if let Some(i) = reason.find(MESSAGE) {
        let rest = &reason[i + MESSAGE.len()..];
        // skip the message index and its colon
        reason = rest.split_once(": ").map_or(rest, |(_, r)| r);
    }
    for tail in [": execute wasm contract failed", " With gas wanted:", ": query wasm contract failed"] {
        if let Some(i) = reason.find(tail) {
            reason = &reason[..i];
        }
    }
    reason = reason.strip_prefix("Generic error: ").unwrap_or(reason);
    let reason = reason.trim();
    if reason.is_empty() {
        log.trim()
    } else {
        reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contracts_reason_is_taken_out_of_the_sdks_simulation_text() {
        // as injectived 1.18 answers a simulation of an execute the contract refuses
        let log = "failed to execute message; message index: 0: inj1abc is not an active relayer (bonded 0, \
                   jailed false): execute wasm contract failed [!injective!labs/wasmd@v0.53.2-evm-comet1-inj/x/wasm/\
                   keeper/keeper.go:437] With gas wanted: '18446744073709551615' and gas used: '145893' : unknown request";
        assert_eq!(contract_reason(log), "inj1abc is not an active relayer (bonded 0, jailed false)");
        let e = CosmosError::Simulation { log: log.into() };
        assert_eq!(
            e.to_string(),
            "the hub refused the transaction: inj1abc is not an active relayer (bonded 0, jailed false)"
        );
        assert_eq!(e.contract_log(), Some(log), "callers still see the whole text");
        // injectived 1.18's answer to a simulated unbond of more than is bonded (from a devnet)
        let log = "[reason:\"execute wasm contract failed\" metadata:{key:\"ABCICode\" value:\"5\"} \
                   metadata:{key:\"Codespace\" value:\"wasm\"}]: rpc error: code = Unknown desc = failed to execute \
                   message; message index: 0: cannot unbond 5000000000000000000000: only 1000000000000000000000 is bonded";
        assert_eq!(contract_reason(log), "cannot unbond 5000000000000000000000: only 1000000000000000000000 is bonded");
        // text that is not of that shape stays whole
        assert_eq!(
            contract_reason("insufficient fees; got: 1inj required: 2inj"),
            "insufficient fees; got: 1inj required: 2inj"
        );
        assert_eq!(
            contract_reason("failed to execute message; message index: 0: Generic error: batch 7 is not closed: execute wasm contract failed"),
            "batch 7 is not closed"
        );
    }

    #[test]
    fn only_a_tx_that_ran_out_of_gas_in_its_block_is_sent_again_with_more_gas() {
        let deliver = |code: u32, codespace: &str| CosmosError::DeliverTx {
            hash: "AB".into(),
            height: 220,
            code,
            codespace: codespace.into(),
            // as injectived 1.18 reports an Advance simulated a block before more bundles were due
            log:
                "out of gas in location: Custom contract event attributes; gasWanted: 74977, gasUsed: 74998: out of gas"
                    .into(),
        };
        assert!(deliver(11, "sdk").ran_out_of_gas());
        assert!(!deliver(11, "wasm").ran_out_of_gas(), "a contract's own code 11 is its refusal");
        assert!(!deliver(5, "sdk").ran_out_of_gas());
        assert!(!CosmosError::Simulation { log: "out of gas".into() }.ran_out_of_gas(), "a simulation sent nothing");
    }
}
