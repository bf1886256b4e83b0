use std::str::FromStr;
use std::time::{Duration, Instant};

use cosmrs::cosmwasm::{MsgExecuteContract, MsgInstantiateContract, MsgStoreCode};
use cosmrs::proto::cosmos::auth::v1beta1::{BaseAccount, QueryAccountRequest, QueryAccountResponse};
use cosmrs::proto::cosmos::bank::v1beta1::{QueryBalanceRequest, QueryBalanceResponse};
use cosmrs::proto::cosmos::base::abci::v1beta1::TxMsgData;
use cosmrs::proto::cosmos::tx::signing::v1beta1::SignMode;
use cosmrs::proto::cosmos::tx::v1beta1::TxRaw;
use cosmrs::proto::cosmos::tx::v1beta1::{SimulateRequest, SimulateResponse};
use cosmrs::proto::cosmwasm::wasm::v1::{QuerySmartContractStateRequest, QuerySmartContractStateResponse};
use cosmrs::rpc::client::CompatMode;
use cosmrs::rpc::{Client, HttpClient};
use cosmrs::tx::{Body, Fee, ModeInfo, Msg, SignDoc, SignerInfo, SignerPublicKey};
use cosmrs::{AccountId, Any, Coin, Denom};
use prost::Message;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::retry::Backoff;
use crate::{CosmosError, CosmosSigner};

/// Injective wraps the standard account: field 1 is the `BaseAccount`, field 2 the EVM code hash.
#[derive(Clone, PartialEq, prost::Message)]
struct EthAccount {
    #[prost(message, optional, tag = "1")]
    base_account: Option<BaseAccount>,
    #[prost(bytes = "vec", tag = "2")]
    code_hash: Vec<u8>,
}

/// CheckTx code of the SDK's `ErrWrongSequence`.
const CODE_WRONG_SEQUENCE: u32 = 32;
/// CheckTx code of the SDK's `ErrTxInMempoolCache` (same bytes already pending).
const CODE_TX_IN_MEMPOOL: u32 = 19;

#[derive(Clone, Debug)]
pub struct CosmosClientConfig {
    pub rpc_url: String,
    pub chain_id: String,
    pub fee_denom: String,
    /// Fee per unit of gas, in `fee_denom` base units.
    pub gas_price: u128,
    /// Multiplier applied to simulated gas (simulation under-estimates).
    pub gas_adjustment: f64,
    /// How long to wait for a broadcast tx to be included.
    pub inclusion_timeout: Duration,
}

impl CosmosClientConfig {
    pub fn devnet(rpc_url: impl Into<String>, chain_id: impl Into<String>) -> Self {
        CosmosClientConfig {
            rpc_url: rpc_url.into(),
            chain_id: chain_id.into(),
            fee_denom: "inj".into(),
            gas_price: 160_000_000,
            gas_adjustment: 1.3,
            inclusion_timeout: Duration::from_secs(30),
        }
    }
}

/// What a node says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeStatus {
    /// The chain id the node runs.
    pub network: String,
    pub height: u64,
    pub catching_up: bool,
}

/// What an included tx did.
#[derive(Clone, Debug)]
pub struct TxOutcome {
    pub hash: String,
    pub height: u64,
    pub gas_wanted: u64,
    pub gas_used: u64,
    /// `(event type, [(key, value)])` in emission order.
    pub events: Vec<(String, Vec<(String, String)>)>,
    /// Response data of each message, in order.
    pub msg_data: Vec<Vec<u8>>,
}

impl TxOutcome {
    /// First value of `key` in an event of type `kind`.
    pub fn attribute(&self, kind: &str, key: &str) -> Option<&str> {
        self.events
            .iter()
            .filter(|(k, _)| k == kind)
            .flat_map(|(_, attrs)| attrs.iter())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key` in events of type `kind`.
    pub fn attributes(&self, kind: &str, key: &str) -> Vec<&str> {
        self.events
            .iter()
            .filter(|(k, _)| k == kind)
            .flat_map(|(_, attrs)| attrs.iter())
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A connection to one hub node.
#[derive(Clone)]
pub struct CosmosClient {
    rpc: HttpClient,
    cfg: CosmosClientConfig,
}

fn rpc_err(url: &str) -> impl Fn(cosmrs::rpc::Error) -> CosmosError + '_ {
    move |e| CosmosError::Rpc { url: url.to_string(), detail: crate::error::rpc_detail(&e) }
}

impl CosmosClient {
    pub fn new(cfg: CosmosClientConfig) -> Result<Self, CosmosError> {
        let url = cfg.rpc_url.as_str().try_into().map_err(rpc_err(&cfg.rpc_url))?;
        let rpc = HttpClient::builder(url).compat_mode(CompatMode::V0_38).build().map_err(rpc_err(&cfg.rpc_url))?;
        Ok(CosmosClient { rpc, cfg })
    }

    pub fn config(&self) -> &CosmosClientConfig {
        &self.cfg
    }

    pub fn rpc(&self) -> &HttpClient {
        &self.rpc
    }

    /// Latest block height and time (unix seconds).
    pub async fn latest_block(&self) -> Result<(u64, u64), CosmosError> {
        let status = Backoff::RPC.run(|| self.rpc.status(), |_| true).await.map_err(rpc_err(&self.cfg.rpc_url))?;
        let time = status.sync_info.latest_block_time.unix_timestamp();
        Ok((status.sync_info.latest_block_height.value(), time.max(0) as u64))
    }

    /// The node's chain id (CometBFT `/status` `node_info.network`), latest height and whether
    /// it is still catching up.
    pub async fn node_status(&self) -> Result<NodeStatus, CosmosError> {
        let status = Backoff::RPC.run(|| self.rpc.status(), |_| true).await.map_err(rpc_err(&self.cfg.rpc_url))?;
        Ok(NodeStatus {
            network: status.node_info.network.to_string(),
            height: status.sync_info.latest_block_height.value(),
            catching_up: status.sync_info.catching_up,
        })
    }

    async fn abci_query<Req: Message, Resp: Message + Default>(
        &self,
        path: &str,
        req: Req,
    ) -> Result<Resp, CosmosError> {
        let data = req.encode_to_vec();
        let resp = Backoff::RPC
            .run(|| self.rpc.abci_query(Some(path.to_string()), data.clone(), None, false), |_| true)
            .await
            .map_err(rpc_err(&self.cfg.rpc_url))?;
        if resp.code.is_err() {
            return Err(CosmosError::Query { path: path.into(), code: resp.code.value(), log: resp.log });
        }
        Resp::decode(resp.value.as_slice())
            .map_err(|e| CosmosError::Decode { what: "query response", detail: e.to_string() })
    }

    /// Account number and sequence; understands `BaseAccount` and Injective's `EthAccount`.
    pub async fn account(&self, address: &AccountId) -> Result<(u64, u64), CosmosError> {
        let resp: QueryAccountResponse = match self
            .abci_query("/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest { address: address.to_string() })
            .await
        {
            Err(CosmosError::Query { log, .. }) if log.contains("not found") => {
                return Err(CosmosError::AccountNotFound(address.to_string()))
            }
            other => other?,
        };
        let any = resp.account.ok_or(CosmosError::AccountNotFound(address.to_string()))?;
        let base = decode_account(&any)?;
        Ok((base.account_number, base.sequence))
    }

    /// Balance of `address` in `denom`.
    pub async fn balance(&self, address: &str, denom: &str) -> Result<u128, CosmosError> {
        let resp: QueryBalanceResponse = self
            .abci_query(
                "/cosmos.bank.v1beta1.Query/Balance",
                QueryBalanceRequest { address: address.into(), denom: denom.into() },
            )
            .await?;
        let amount = resp.balance.map(|c| c.amount).unwrap_or_default();
        amount.parse().map_err(|_| CosmosError::Decode { what: "balance", detail: amount })
    }

    /// The node's consensus limits: (block max gas, -1 for none; block max bytes).
    pub async fn rpc_consensus_params(&self) -> Result<(i64, i64), CosmosError> {
        let (height, _) = self.latest_block().await?;
        let h = cosmrs::tendermint::block::Height::try_from(height)
            .map_err(|e| CosmosError::Decode { what: "height", detail: e.to_string() })?;
        let p = self.rpc.consensus_params(h).await.map_err(rpc_err(&self.cfg.rpc_url))?;
        Ok((p.consensus_params.block.max_gas, p.consensus_params.block.max_bytes as i64))
    }

    /// A contract's whole key-value state, walked page by page: (entries, bytes of keys and
    /// values). For benchmarks and operators sizing state; one query per 1 000 entries.
    pub async fn contract_state_size(&self, contract: &str) -> Result<(u64, u64), CosmosError> {
        use cosmrs::proto::cosmos::base::query::v1beta1::PageRequest;
        use cosmrs::proto::cosmwasm::wasm::v1::{QueryAllContractStateRequest, QueryAllContractStateResponse};
        let (mut entries, mut bytes, mut key) = (0u64, 0u64, Vec::new());
        loop {
            let req = QueryAllContractStateRequest {
                address: contract.into(),
                pagination: Some(PageRequest { key: key.clone(), limit: 1_000, ..Default::default() }),
            };
            let resp: QueryAllContractStateResponse =
                self.abci_query("/cosmwasm.wasm.v1.Query/AllContractState", req).await?;
            for m in &resp.models {
                entries += 1;
                bytes += (m.key.len() + m.value.len()) as u64;
            }
            match resp.pagination.map(|p| p.next_key).filter(|k| !k.is_empty()) {
                Some(next) => key = next,
                None => return Ok((entries, bytes)),
            }
        }
    }

    /// A contract's answer to a smart query.
    pub async fn query_smart<T: DeserializeOwned>(
        &self,
        contract: &str,
        msg: &impl Serialize,
    ) -> Result<T, CosmosError> {
        let query_data = serde_json::to_vec(msg).map_err(|e| CosmosError::Encode(e.to_string()))?;
        let resp: QuerySmartContractStateResponse = self
            .abci_query(
                "/cosmwasm.wasm.v1.Query/SmartContractState",
                QuerySmartContractStateRequest { address: contract.into(), query_data },
            )
            .await?;
        serde_json::from_slice(&resp.data)
            .map_err(|e| CosmosError::Decode { what: "smart query response", detail: e.to_string() })
    }

    fn sign(
        &self,
        signer: &CosmosSigner,
        msgs: &[Any],
        memo: &str,
        account_number: u64,
        sequence: u64,
        gas_limit: u64,
    ) -> Result<Vec<u8>, CosmosError> {
        let body = Body::new(msgs.to_vec(), memo, 0u32);
        let amount = Coin {
            denom: Denom::from_str(&self.cfg.fee_denom).map_err(|e| CosmosError::Encode(e.to_string()))?,
            amount: self.cfg.gas_price.saturating_mul(gas_limit as u128),
        };
        // the public key as an `Any`: cosmrs knows only the SDK's own key types, Injective's
        // eth_secp256k1 has its own type URL
        let signer_info = SignerInfo {
            public_key: Some(SignerPublicKey::Any(signer.public_key_any())),
            mode_info: ModeInfo::single(SignMode::Direct),
            sequence,
        };
        let auth_info = signer_info.auth_info(Fee::from_amount_and_gas(amount, gas_limit));
        let chain_id =
            self.cfg.chain_id.parse().map_err(|e: cosmrs::tendermint::Error| CosmosError::Encode(e.to_string()))?;
        let doc = SignDoc::new(&body, &auth_info, &chain_id, account_number)
            .map_err(|e| CosmosError::Encode(e.to_string()))?;
        let sign_bytes = doc.clone().into_bytes().map_err(|e| CosmosError::Encode(e.to_string()))?;
        let signature = signer.sign(&sign_bytes).map_err(CosmosError::Encode)?;
        let raw =
            TxRaw { body_bytes: doc.body_bytes, auth_info_bytes: doc.auth_info_bytes, signatures: vec![signature] };
        Ok(raw.encode_to_vec())
    }

    /// Gas the messages would use, as simulated by the node.
    pub async fn simulate(
        &self,
        signer: &CosmosSigner,
        msgs: &[Any],
        sequence: u64,
        account_number: u64,
    ) -> Result<u64, CosmosError> {
        let tx_bytes = self.sign(signer, msgs, "", account_number, sequence, 0)?;
        #[allow(deprecated)]
        let req = SimulateRequest { tx: None, tx_bytes };
        match self.abci_query::<_, SimulateResponse>("/cosmos.tx.v1beta1.Service/Simulate", req).await {
            Ok(resp) => Ok(resp.gas_info.map(|g| g.gas_used).unwrap_or_default()),
            Err(CosmosError::Query { log, .. }) => {
                tracing::debug!(%log, "simulation failed");
                Err(CosmosError::Simulation { log })
            }
            Err(e) => Err(e),
        }
    }

    /// Simulates, signs, broadcasts and waits for inclusion of one tx holding `msgs`.
    ///
    /// Every sender of one account in this process goes through that account's [`Sequencer`]:
    /// it holds the next sequence, so txs are signed one after the other without re-reading the
    /// account each time, and it is released as soon as the node has accepted the tx into its
    /// mempool — the wait for inclusion is outside, so one account can have several txs in one
    /// block (the reporter's reports, the signer's signatures, an `Advance`). A stale sequence
    /// (another process used the key, a tx fell out of the mempool) is corrected from the node's
    /// "expected N" or by re-reading the account, and the tx re-signed.
    ///
    /// A tx that ran out of gas in its block changed nothing: it is simulated and sent once more
    /// with twice the headroom (what a message does can grow between simulation and block).
    pub async fn send(&self, signer: &CosmosSigner, msgs: Vec<Any>, memo: &str) -> Result<TxOutcome, CosmosError> {
        match self.send_with(signer, &msgs, memo, self.cfg.gas_adjustment).await {
            Err(e) if e.ran_out_of_gas() => {
                tracing::debug!(error = %e, "tx ran out of gas; simulating again with more headroom");
                self.send_with(signer, &msgs, memo, self.cfg.gas_adjustment * 2.0).await
            }
            other => other,
        }
    }

    async fn send_with(
        &self,
        signer: &CosmosSigner,
        msgs: &[Any],
        memo: &str,
        gas_adjustment: f64,
    ) -> Result<TxOutcome, CosmosError> {
        const ATTEMPTS: u32 = 4;
        let sequencer = Sequencer::of(&self.cfg.rpc_url, &self.cfg.chain_id, signer.address());
        for attempt in 0..ATTEMPTS {
            let mut next = sequencer.lock().await;
            let (account_number, sequence) = match *next {
                Some(known) => known,
                None => self.account(signer.address()).await?,
            };
            let retry_pause = || async move {
                // the last attempt gives up at once
                if attempt + 1 < ATTEMPTS {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
            };
            let simulated = match self.simulate(signer, msgs, sequence, account_number).await {
                // another tx of this account landed between reading the account and simulating
                Err(CosmosError::Simulation { log }) if log.contains("account sequence mismatch") => {
                    tracing::debug!(%log, "sequence moved during simulation; retrying");
                    *next = expected_sequence(&log).map(|s| (account_number, s));
                    drop(next);
                    retry_pause().await;
                    continue;
                }
                other => other?,
            };
            let gas_limit = (simulated as f64 * gas_adjustment) as u64 + 20_000;
            let tx = self.sign(signer, msgs, memo, account_number, sequence, gas_limit)?;
            let in_cache = |e: &cosmrs::rpc::Error| e.to_string().contains("tx already exists in cache");
            let broadcast = Backoff::RPC.run(|| self.rpc.broadcast_tx_sync(tx.clone()), |e| !in_cache(e)).await;
            let resp = match broadcast {
                Ok(resp) => resp,
                // an earlier try of these very bytes reached the node but its answer was lost
                Err(e) if in_cache(&e) => {
                    *next = Some((account_number, sequence + 1));
                    drop(next);
                    return self.wait_numbered(&sequencer, &tx_hash(&tx)).await;
                }
                Err(e) => {
                    // whether the node took the tx is unknown: learn the sequence afresh next time
                    *next = None;
                    return Err(rpc_err(&self.cfg.rpc_url)(e));
                }
            };
            let hash = resp.hash.to_string();
            match resp.code.value() {
                0 | CODE_TX_IN_MEMPOOL => {
                    *next = Some((account_number, sequence + 1));
                    drop(next);
                    return self.wait_numbered(&sequencer, &hash).await;
                }
                CODE_WRONG_SEQUENCE => {
                    tracing::debug!(%hash, log = %resp.log, "account sequence mismatch; correcting the sequence");
                    *next = expected_sequence(&resp.log).map(|s| (account_number, s));
                    drop(next);
                    retry_pause().await;
                    continue;
                }
                // CheckTx refused the tx: the sequence was not used
                code => return Err(CosmosError::CheckTx { code, codespace: resp.codespace, log: resp.log }),
            }
        }
        Err(CosmosError::SequenceMismatch { attempts: ATTEMPTS })
    }

    /// Waits for a tx `sequencer` numbered; one never included may have been evicted, so its
    /// sequence is free again and the next tx reads the account afresh.
    async fn wait_numbered(&self, sequencer: &Sequencer, hash: &str) -> Result<TxOutcome, CosmosError> {
        self.wait_for_tx(hash).await.inspect_err(|e| {
            if matches!(e, CosmosError::NotIncluded { .. }) {
                sequencer.forget();
            }
        })
    }

    /// Waits until `hash` is in a block and returns its outcome (an error if it failed).
    pub async fn wait_for_tx(&self, hash: &str) -> Result<TxOutcome, CosmosError> {
        let h = cosmrs::tendermint::Hash::from_str(hash)
            .map_err(|e| CosmosError::Decode { what: "tx hash", detail: e.to_string() })?;
        let start = Instant::now();
        loop {
            match self.rpc.tx(h, false).await {
                Ok(resp) => {
                    let r = resp.tx_result;
                    let height = resp.height.value();
                    if r.code.is_err() {
                        return Err(CosmosError::DeliverTx {
                            hash: hash.into(),
                            height,
                            code: r.code.value(),
                            codespace: r.codespace,
                            log: r.log,
                        });
                    }
                    let msg_data = decode_tx_data(r.data.as_ref())?;
                    let events = r
                        .events
                        .into_iter()
                        .map(|e| {
                            let attrs = e
                                .attributes
                                .iter()
                                .map(|a| {
                                    (
                                        a.key_str().unwrap_or_default().to_string(),
                                        a.value_str().unwrap_or_default().to_string(),
                                    )
                                })
                                .collect();
                            (e.kind, attrs)
                        })
                        .collect();
                    return Ok(TxOutcome {
                        hash: hash.into(),
                        height,
                        gas_wanted: r.gas_wanted as u64,
                        gas_used: r.gas_used as u64,
                        events,
                        msg_data,
                    });
                }
                Err(_) if start.elapsed() < self.cfg.inclusion_timeout => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(_) => {
                    return Err(CosmosError::NotIncluded {
                        hash: hash.into(),
                        secs: self.cfg.inclusion_timeout.as_secs(),
                    })
                }
            }
        }
    }

    /// Uploads wasm (gzip-compressed on the wire; the node unpacks it); returns the code id.
    pub async fn store_code(&self, signer: &CosmosSigner, wasm: Vec<u8>) -> Result<(u64, TxOutcome), CosmosError> {
        let wasm = gzip(&wasm)?;
        let msg = MsgStoreCode { sender: signer.address().clone(), wasm_byte_code: wasm, instantiate_permission: None };
        let out = self.send(signer, vec![to_any(&msg)?], "").await?;
        let id = out
            .attribute("store_code", "code_id")
            .and_then(|v| v.parse().ok())
            .ok_or(CosmosError::Decode { what: "store_code event", detail: "no code_id".into() })?;
        Ok((id, out))
    }

    /// Instantiates `code_id`; returns the contract address.
    pub async fn instantiate(
        &self,
        signer: &CosmosSigner,
        code_id: u64,
        msg: &impl Serialize,
        label: &str,
        admin: Option<AccountId>,
        funds: Vec<Coin>,
    ) -> Result<(String, TxOutcome), CosmosError> {
        let m = MsgInstantiateContract {
            sender: signer.address().clone(),
            admin,
            code_id,
            label: Some(label.into()),
            msg: serde_json::to_vec(msg).map_err(|e| CosmosError::Encode(e.to_string()))?,
            funds,
        };
        let out = self.send(signer, vec![to_any(&m)?], "").await?;
        let addr = out
            .attribute("instantiate", "_contract_address")
            .map(str::to_string)
            .ok_or(CosmosError::Decode { what: "instantiate event", detail: "no _contract_address".into() })?;
        Ok((addr, out))
    }

    /// The `Any` of a contract execute, for batching several into one tx with [`Self::send`].
    pub fn execute_msg(
        &self,
        signer: &CosmosSigner,
        contract: &str,
        msg: &impl Serialize,
        funds: Vec<Coin>,
    ) -> Result<Any, CosmosError> {
        let m = MsgExecuteContract {
            sender: signer.address().clone(),
            contract: contract.parse().map_err(|e: cosmrs::ErrorReport| CosmosError::Encode(e.to_string()))?,
            msg: serde_json::to_vec(msg).map_err(|e| CosmosError::Encode(e.to_string()))?,
            funds,
        };
        to_any(&m)
    }

    /// Executes one contract message in its own tx.
    pub async fn execute(
        &self,
        signer: &CosmosSigner,
        contract: &str,
        msg: &impl Serialize,
        funds: Vec<Coin>,
    ) -> Result<TxOutcome, CosmosError> {
        let any = self.execute_msg(signer, contract, msg, funds)?;
        self.send(signer, vec![any], "").await
    }

    /// Coins of `amount` in the fee denom.
    pub fn coins(&self, amount: u128) -> Vec<Coin> {
        vec![Coin { denom: self.cfg.fee_denom.parse().expect("fee denom parses"), amount }]
    }
}

/// The next sequence of one account as this process knows it, shared by every [`CosmosClient`] that
/// signs for the account (each relayer role has its own client).
#[derive(Clone)]
struct Sequencer(std::sync::Arc<tokio::sync::Mutex<Option<(u64, u64)>>>);

impl Sequencer {
    fn of(rpc_url: &str, chain_id: &str, account: &AccountId) -> Sequencer {
        use std::collections::HashMap;
        use std::sync::{LazyLock, Mutex};
        type Key = (String, String, String);
        static ALL: LazyLock<Mutex<HashMap<Key, Sequencer>>> = LazyLock::new(Default::default);
        let mut all = ALL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        all.entry((rpc_url.to_string(), chain_id.to_string(), account.to_string()))
            .or_insert_with(|| Sequencer(Default::default()))
            .clone()
    }

    async fn lock(&self) -> tokio::sync::MutexGuard<'_, Option<(u64, u64)>> {
        self.0.lock().await
    }

    /// Drops what is known, so the next tx reads the account from the node. If another tx is
    /// being numbered right now it is left alone: a stale sequence is corrected from the node's
    /// "expected N" anyway.
    fn forget(&self) {
        if let Ok(mut next) = self.0.try_lock() {
            *next = None;
        }
    }
}

/// The sequence a node asks for in "account sequence mismatch, expected 6, got 5: …".
fn expected_sequence(log: &str) -> Option<u64> {
    let rest = &log[log.find("expected ")? + "expected ".len()..];
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// The CometBFT hash of a tx: upper-case hex SHA-256 of its bytes.
fn tx_hash(tx: &[u8]) -> String {
    use sha2::Digest;
    hex::encode_upper(sha2::Sha256::digest(tx))
}

/// `tx_result.data`: CometBFT 1.0 hands tendermint-rpc's V0_38 mode the base64 text itself,
/// older nodes the decoded bytes; both are accepted.
fn decode_tx_data(raw: &[u8]) -> Result<Vec<Vec<u8>>, CosmosError> {
    use base64::Engine;
    let decoded;
    let bytes = match base64::engine::general_purpose::STANDARD.decode(raw) {
        Ok(b)
            if !raw.is_empty() && raw.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=')) =>
        {
            decoded = b;
            decoded.as_slice()
        }
        _ => raw,
    };
    TxMsgData::decode(bytes)
        .map(|d| d.msg_responses.into_iter().map(|a| a.value).collect())
        .map_err(|e| CosmosError::Decode { what: "tx result data", detail: e.to_string() })
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>, CosmosError> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).map_err(|e| CosmosError::Encode(e.to_string()))?;
    enc.finish().map_err(|e| CosmosError::Encode(e.to_string()))
}

fn to_any(msg: &impl Msg) -> Result<Any, CosmosError> {
    msg.to_any().map_err(|e| CosmosError::Encode(e.to_string()))
}

fn decode_account(any: &Any) -> Result<BaseAccount, CosmosError> {
    let err = |e: prost::DecodeError| CosmosError::Decode { what: "account", detail: e.to_string() };
    match any.type_url.as_str() {
        "/cosmos.auth.v1beta1.BaseAccount" => BaseAccount::decode(any.value.as_slice()).map_err(err),
        "/injective.types.v1beta1.EthAccount" => EthAccount::decode(any.value.as_slice())
            .map_err(err)?
            .base_account
            .ok_or(CosmosError::Decode { what: "account", detail: "EthAccount without base account".into() }),
        other => Err(CosmosError::Decode { what: "account", detail: format!("unsupported account type {other}") }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_sequence_is_read_from_the_nodes_mismatch_log() {
        let log = "account sequence mismatch, expected 6, got 5: incorrect account sequence";
        assert_eq!(expected_sequence(log), Some(6));
        assert_eq!(expected_sequence("account sequence mismatch, expected 1234567, got 9"), Some(1234567));
        assert_eq!(expected_sequence("out of gas"), None);
        assert_eq!(expected_sequence("expected , got 5"), None);
    }

    #[test]
    fn a_tx_hash_is_the_upper_case_sha256_of_its_bytes() {
        assert_eq!(tx_hash(b"abc"), "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
    }

    #[test]
    fn eth_account_wrapper_yields_its_base_account() {
        let base = BaseAccount { address: "inj1x".into(), pub_key: None, account_number: 12, sequence: 34 };
        let eth = EthAccount { base_account: Some(base.clone()), code_hash: vec![0xc5; 32] };
        let any = Any { type_url: "/injective.types.v1beta1.EthAccount".into(), value: eth.encode_to_vec() };
        assert_eq!(decode_account(&any).unwrap(), base);
        let any = Any { type_url: "/cosmos.auth.v1beta1.BaseAccount".into(), value: base.encode_to_vec() };
        assert_eq!(decode_account(&any).unwrap(), base);
        let any = Any { type_url: "/x.Other".into(), value: vec![] };
        assert!(matches!(decode_account(&any), Err(CosmosError::Decode { .. })));
    }
}

#[cfg(test)]
mod data_tests {
    use super::*;

    #[test]
    fn tx_msg_data_of_an_execute_decodes_to_one_response_per_message() {
        // `tx_result.data` of a real injectived tx holding one MsgExecuteContract
        let raw = [
            0x12, 0x2e, 0x0a, 0x2c, b'/', b'c', b'o', b's', b'm', b'w', b'a', b's', b'm', b'.', b'w', b'a', b's', b'm',
            b'.', b'v', b'1', b'.', b'M', b's', b'g', b'E', b'x', b'e', b'c', b'u', b't', b'e', b'C', b'o', b'n', b't',
            b'r', b'a', b'c', b't', b'R', b'e', b's', b'p', b'o', b'n', b's', b'e',
        ];
        let d = TxMsgData::decode(raw.as_slice()).unwrap();
        assert_eq!(d.msg_responses.len(), 1);
        assert_eq!(d.msg_responses[0].type_url, "/cosmwasm.wasm.v1.MsgExecuteContractResponse");
        assert_eq!(decode_tx_data(&raw).unwrap(), vec![Vec::<u8>::new()]);
        // the same bytes as the base64 text CometBFT 1.0 returns to V0_38 clients
        use base64::Engine;
        let text = base64::engine::general_purpose::STANDARD.encode(raw);
        assert_eq!(decode_tx_data(text.as_bytes()).unwrap(), vec![Vec::<u8>::new()]);
    }
}
