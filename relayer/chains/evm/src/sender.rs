//! Sends the relayer's own EVM transactions (the poster's deliveries) and gets them mined.
//!
//! One nonce per transaction, read from the node's *latest* count: a transaction left pending by
//! an earlier run is then replaced (outbid) instead of queued behind. Each attempt is an EIP-1559
//! transaction; when none is mined within `tx_timeout`, the same nonce is re-sent with
//! `maxFeePerGas` and `maxPriorityFeePerGas` both multiplied by `fee_bump` (≥ 1.125, what nodes
//! require of a replacement), up to `max_fee_per_gas`. Every attempt's hash is watched until one
//! is mined: an earlier, cheaper attempt may well be the one that lands.
use std::sync::Mutex;
use std::time::{Duration, Instant};

use alloy::eips::Encodable2718;
use alloy::network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder};
use alloy::primitives::{Address, Bytes, B256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::{TransactionReceipt, TransactionRequest};
use alloy::transports::{RpcError, TransportErrorKind};
use prometheus_client::metrics::counter::Counter;

/// The smallest bump nodes accept for a replacement (geth's price bump is 10 %, some 12.5 %).
pub const MIN_FEE_BUMP: f64 = 1.125;

/// How the sender prices and re-prices a transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct FeePolicy {
    /// How long one attempt may stay unmined before it is re-sent with higher fees.
    pub tx_timeout: Duration,
    /// Factor applied to both fees on every re-send (≥ [`MIN_FEE_BUMP`]).
    pub fee_bump: f64,
    /// Highest `maxFeePerGas` (wei) the sender will ever offer.
    pub max_fee_per_gas: u128,
}

impl Default for FeePolicy {
    fn default() -> Self {
        FeePolicy { tx_timeout: Duration::from_secs(30), fee_bump: MIN_FEE_BUMP, max_fee_per_gas: 500_000_000_000 }
    }
}

impl FeePolicy {
    /// `fee` raised by the bump factor, rounded up, at least one wei more.
    pub fn bumped(&self, fee: u128) -> u128 {
        let per_mille = (self.fee_bump * 1000.0).ceil() as u128;
        (fee.saturating_mul(per_mille).div_ceil(1000)).max(fee + 1)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("EVM RPC {url}: {detail}")]
    Rpc { url: String, detail: String },
    /// The node refused to estimate the call: it would revert now (a race, or not yet allowed).
    #[error("EVM {url}: the transaction would revert: {detail}")]
    WouldRevert { url: String, detail: String },
    /// Every attempt up to the fee cap stayed unmined; the last one is still pending.
    #[error(
        "EVM {url}: nonce {nonce} not mined within the fee cap ({max_fee_per_gas} wei/gas offered, cap {cap}); \
         it stays pending until the base fee falls or the cap is raised"
    )]
    FeeCapReached { url: String, nonce: u64, max_fee_per_gas: u128, cap: u128 },
    /// Another transaction of this account (e.g. from a previous run) took the nonce.
    #[error("EVM {url}: nonce {nonce} was used by a transaction other than this one's attempts")]
    NonceConsumed { url: String, nonce: u64 },
    #[error("EVM {url}: signing the transaction: {detail}")]
    Signing { url: String, detail: String },
}

impl SendError {
    /// All of these pass once the chain, the fees or the competing sender move on; only a key that
    /// cannot sign is a configuration problem.
    pub fn is_recoverable(&self) -> bool {
        !matches!(self, SendError::Signing { .. })
    }
}

/// What the node said to one `eth_sendRawTransaction`.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    /// It already has this exact transaction.
    AlreadyKnown,
    /// A transaction with this nonce and a fee too close to ours is pending, or our fee is too low.
    Underpriced,
    /// The nonce was used by a mined transaction.
    NonceTooLow,
    Other(String),
}

fn classify(e: &RpcError<TransportErrorKind>) -> Refusal {
    let text = match e.as_error_resp() {
        Some(p) => p.message.to_lowercase(),
        None => return Refusal::Other(e.to_string()),
    };
    if text.contains("already known") || text.contains("known transaction") || text.contains("already imported") {
        Refusal::AlreadyKnown
    } else if text.contains("nonce too low") || text.contains("nonce has already been used") {
        Refusal::NonceTooLow
    } else if text.contains("underpriced") || text.contains("less than block base fee") || text.contains("fee too low")
    {
        Refusal::Underpriced
    } else {
        Refusal::Other(e.to_string())
    }
}

/// Sends transactions signed by one key on one chain, bumping fees until they are mined.
pub struct TxSender {
    url: String,
    provider: DynProvider,
    wallet: EthereumWallet,
    from: Address,
    chain_id: u64,
    policy: FeePolicy,
    /// Counts fee bumps (the `mesh_tx_fee_bumps` metric of this chain).
    bumps: Counter,
    /// Fees of a nonce left pending at the cap: the next send starts from them, not below.
    stuck: Mutex<Option<(u64, u128, u128)>>,
    /// How often receipts are polled.
    poll: Duration,
}

impl TxSender {
    /// `provider` needs no wallet: transactions are signed here with `wallet`, whose default
    /// signer is `from`.
    pub fn new(
        url: &str,
        provider: DynProvider,
        wallet: EthereumWallet,
        chain_id: u64,
        policy: FeePolicy,
        bumps: Counter,
    ) -> TxSender {
        let from = wallet.default_signer().address();
        let poll = (policy.tx_timeout / 10).clamp(Duration::from_millis(50), Duration::from_secs(1));
        TxSender { url: url.into(), provider, wallet, from, chain_id, policy, bumps, stuck: Mutex::new(None), poll }
    }

    pub fn from(&self) -> Address {
        self.from
    }

    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    fn rpc<E: std::fmt::Display>(&self) -> impl Fn(E) -> SendError + '_ {
        move |e| SendError::Rpc { url: self.url.clone(), detail: e.to_string() }
    }

    /// Sends a call of `input` to `to` and returns its receipt once mined (a reverted receipt
    /// included: the caller decides what a revert means).
    pub async fn send(&self, to: Address, input: Bytes) -> Result<TransactionReceipt, SendError> {
        self.send_priced(to, input, None).await
    }

    /// Like [`send`](Self::send), starting from the given `(maxFeePerGas, maxPriorityFeePerGas)`
    /// instead of the node's estimate (tests use it to start below what gets mined).
    pub async fn send_priced(
        &self,
        to: Address,
        input: Bytes,
        initial_fees: Option<(u128, u128)>,
    ) -> Result<TransactionReceipt, SendError> {
        let base = TransactionRequest::default().from(self.from).to(to).input(input.into());
        let gas = self.provider.estimate_gas(base.clone()).await.map_err(|e| match e.as_error_resp() {
            Some(p) => SendError::WouldRevert {
                url: self.url.clone(),
                detail: match p.as_revert_data() {
                    Some(data) if !data.is_empty() => crate::revert::describe(&data),
                    _ => p.to_string(),
                },
            },
            None => SendError::Rpc { url: self.url.clone(), detail: e.to_string() },
        })?;
        // a margin for state that changes between estimate and inclusion; unused gas is refunded
        let gas_limit = gas.saturating_mul(6) / 5 + 10_000;
        let nonce = self.provider.get_transaction_count(self.from).latest().await.map_err(self.rpc())?;
        let (mut max_fee, mut tip) = match initial_fees {
            Some(f) => f,
            None => {
                let est = self.provider.estimate_eip1559_fees().await.map_err(self.rpc())?;
                (est.max_fee_per_gas, est.max_priority_fee_per_gas)
            }
        };
        if let Some((n, f, t)) = *self.stuck.lock().expect("sender lock") {
            if n == nonce {
                (max_fee, tip) = (max_fee.max(f), tip.max(t));
            }
        }
        let cap = self.policy.max_fee_per_gas;
        max_fee = max_fee.min(cap);
        tip = tip.min(max_fee);

        let mut attempts: Vec<B256> = Vec::new();
        loop {
            let request = base
                .clone()
                .with_nonce(nonce)
                .with_chain_id(self.chain_id)
                .with_gas_limit(gas_limit)
                .with_max_fee_per_gas(max_fee)
                .with_max_priority_fee_per_gas(tip);
            let envelope = request
                .build(&self.wallet)
                .await
                .map_err(|e| SendError::Signing { url: self.url.clone(), detail: e.to_string() })?;
            let hash = *envelope.tx_hash();
            let outcome = self.provider.send_raw_transaction(&envelope.encoded_2718()).await;
            let refusal = match &outcome {
                Ok(_) => None,
                Err(e) => Some(classify(e)),
            };
            match refusal {
                None | Some(Refusal::AlreadyKnown) => {
                    attempts.push(hash);
                    tracing::debug!(url = %self.url, %hash, nonce, max_fee, tip, "transaction sent");
                    if let Some(receipt) = self.wait(&attempts, nonce, self.policy.tx_timeout).await? {
                        self.clear_stuck(nonce);
                        return Ok(receipt);
                    }
                    tracing::warn!(url = %self.url, nonce, max_fee, tip, timeout = ?self.policy.tx_timeout, "transaction not mined in time");
                }
                Some(Refusal::NonceTooLow) => {
                    // one of our attempts may have been mined meanwhile: look before giving up
                    return match self.wait(&attempts, nonce, Duration::ZERO).await? {
                        Some(receipt) => {
                            self.clear_stuck(nonce);
                            Ok(receipt)
                        }
                        None => Err(SendError::NonceConsumed { url: self.url.clone(), nonce }),
                    };
                }
                Some(Refusal::Underpriced) => {
                    // a pending transaction with this nonce (an earlier run's) outbids us: raise at once
                    tracing::debug!(url = %self.url, nonce, max_fee, "replacement underpriced");
                }
                Some(Refusal::Other(detail)) => {
                    if let Some(receipt) = self.wait(&attempts, nonce, Duration::ZERO).await? {
                        self.clear_stuck(nonce);
                        return Ok(receipt);
                    }
                    return Err(SendError::Rpc { url: self.url.clone(), detail });
                }
            }
            if max_fee >= cap {
                *self.stuck.lock().expect("sender lock") = Some((nonce, max_fee, tip));
                return Err(SendError::FeeCapReached { url: self.url.clone(), nonce, max_fee_per_gas: max_fee, cap });
            }
            // the base fee may have risen past a mere bump: never offer less than a fresh estimate
            let fresh = self.provider.estimate_eip1559_fees().await.map_err(self.rpc())?;
            max_fee = self.policy.bumped(max_fee).max(fresh.max_fee_per_gas).min(cap);
            tip = self.policy.bumped(tip).min(max_fee);
            self.bumps.inc();
            tracing::info!(url = %self.url, nonce, max_fee, tip, "re-sending with higher fees");
        }
    }

    fn clear_stuck(&self, nonce: u64) {
        let mut stuck = self.stuck.lock().expect("sender lock");
        if stuck.is_some_and(|(n, _, _)| n <= nonce) {
            *stuck = None;
        }
    }

    /// Polls the receipts of every attempt for up to `timeout` (at least one look). Fails when the
    /// nonce was consumed by none of them.
    async fn wait(
        &self,
        attempts: &[B256],
        nonce: u64,
        timeout: Duration,
    ) -> Result<Option<TransactionReceipt>, SendError> {
        let until = Instant::now() + timeout;
        loop {
            for hash in attempts {
                if let Some(r) = self.provider.get_transaction_receipt(*hash).await.map_err(self.rpc())? {
                    return Ok(Some(r));
                }
            }
            let mined = self.provider.get_transaction_count(self.from).latest().await.map_err(self.rpc())?;
            if mined > nonce {
                // the receipt and the count come from the same block: look once more, then conclude
                for hash in attempts {
                    if let Some(r) = self.provider.get_transaction_receipt(*hash).await.map_err(self.rpc())? {
                        return Ok(Some(r));
                    }
                }
                return Err(SendError::NonceConsumed { url: self.url.clone(), nonce });
            }
            if Instant::now() >= until {
                return Ok(None);
            }
            tokio::time::sleep(self.poll.min(until.saturating_duration_since(Instant::now()))).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bump_raises_a_fee_by_at_least_the_factor_and_at_least_one_wei() {
        let p = FeePolicy { fee_bump: 1.125, ..FeePolicy::default() };
        assert_eq!(p.bumped(1_000_000_000), 1_125_000_000);
        assert_eq!(p.bumped(7), 8);
        assert_eq!(p.bumped(1), 2);
        assert_eq!(p.bumped(0), 1);
        let p = FeePolicy { fee_bump: 1.5, ..FeePolicy::default() };
        assert_eq!(p.bumped(10), 15);
    }
}
