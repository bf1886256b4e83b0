//! Reading a CosmWasm chain: heads and blocks, the Router's `mesh_leg_locked` events with an
//! ICS23 proof of each escrow record ([`LegSource`]), and the signed headers and validator sets
//! the hub's light client takes ([`HeaderSource`]).
use cosmrs::rpc::query::Query;
use cosmrs::rpc::{Client, Order, Paging};
use mesh_chain::{BlockRef, Chain, DomainId, HeaderSource, LegSource, ObservedLock};
use mesh_cosmos::CosmosClient;
use mesh_hub_api::bundle_log::{ChainVm, CosmWasmLocation, LockLocation, LockReport, StateProof};
use mesh_hub_api::light_client::{LightHeader, ProofOp, ProofOps};
use mesh_hub_api::router_cw::{self, Escrow, LegStatus};
use mesh_protocol::{Hash32, B256};
use tendermint::block::Height;
use tendermint::validator::{Info, Set};
use tendermint_proto::Protobuf;

use crate::CwError;

/// The Router's lock event as the chain emits it (CosmWasm prefixes custom events with `wasm-`).
pub const LEG_LOCKED_EVENT: &str = "wasm-mesh_leg_locked";
/// The attribute wasmd adds to every event of a contract: the emitting contract's address.
pub const CONTRACT_ADDRESS_ATTRIBUTE: &str = "_contract_address";
/// The `abci_query` path of raw keys of the wasm module's store.
pub const WASM_KEY_PATH: &str = "store/wasm/key";
/// Results per `tx_search` page (CometBFT's maximum).
const TX_SEARCH_PER_PAGE: u8 = 100;
/// Validators per `/validators` page (CometBFT's maximum).
const VALIDATORS_PER_PAGE: u8 = 100;
/// Bound on `/validators` pages (10 000 validators): a node whose `total` never adds up cannot
/// keep the adapter looping.
const MAX_VALIDATOR_PAGES: usize = 100;

/// A CosmWasm chain with the Mesh Router `router`, read over CometBFT RPC.
#[derive(Clone)]
pub struct CwChain {
    pub name: String,
    /// The hub's domain id for this chain.
    pub domain: DomainId,
    /// The CometBFT chain id (`ChainVm::CosmWasm`, the hub's light client's).
    pub chain_id: String,
    /// The Router's bech32 address.
    pub router: String,
    pub client: CosmosClient,
}

/// One `mesh_leg_locked` event of the Router, with the block and tx it is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegLockedEvent {
    pub height: u64,
    /// Upper-case hex hash of the tx.
    pub tx: String,
    pub bundle_id: Hash32,
    pub index: u32,
    pub leg_hash: Hash32,
    pub settle_deadline: u64,
}

/// Reads a `mesh_leg_locked` event's attributes (as `(key, value)` pairs); `tx` names the tx in
/// errors. Attributes the hub does not need (depositor, token, amount) are not read.
pub fn parse_leg_locked(tx: &str, height: u64, attrs: &[(String, String)]) -> Result<LegLockedEvent, CwError> {
    let get = |attribute: &'static str| {
        attrs.iter().find(|(k, _)| k == attribute).map(|(_, v)| v.as_str()).ok_or_else(|| CwError::BadEvent {
            tx: tx.into(),
            attribute,
            detail: "missing".into(),
        })
    };
    let bad = |attribute: &'static str, value: &str, why: String| CwError::BadEvent {
        tx: tx.into(),
        attribute,
        detail: format!("{value:?}: {why}"),
    };
    let hash = |attribute: &'static str| -> Result<Hash32, CwError> {
        let v = get(attribute)?;
        Hash32::parse(v).map_err(|e| bad(attribute, v, e.to_string()))
    };
    let number = |attribute: &'static str| -> Result<u64, CwError> {
        let v = get(attribute)?;
        v.parse::<u64>().map_err(|e| bad(attribute, v, e.to_string()))
    };
    let index = number("index")?;
    let index = u32::try_from(index).map_err(|e| bad("index", &index.to_string(), e.to_string()))?;
    Ok(LegLockedEvent {
        height,
        tx: tx.into(),
        bundle_id: hash("bundle_id")?,
        index,
        leg_hash: hash("leg_hash")?,
        settle_deadline: number("settle_deadline")?,
    })
}

/// An `abci_query` proof as the hub's light client takes it: exactly an `ics23:iavl` op (key →
/// value in the wasm store) then an `ics23:simple` op (store name → store root in the app hash).
pub fn proof_ops(proof: &tendermint::merkle::proof::ProofOps) -> Result<ProofOps, CwError> {
    const EXPECTED: [&str; 2] = ["ics23:iavl", "ics23:simple"];
    let types: Vec<&str> = proof.ops.iter().map(|op| op.field_type.as_str()).collect();
    if types != EXPECTED {
        return Err(CwError::UnexpectedProof { detail: format!("ops {types:?}, expected {EXPECTED:?}") });
    }
    Ok(ProofOps {
        ops: proof
            .ops
            .iter()
            .map(|op| ProofOp {
                op_type: op.field_type.clone(),
                key: op.key.clone().into(),
                data: op.data.clone().into(),
            })
            .collect(),
    })
}

/// `(key, value)` pairs of an event's attributes (CometBFT 0.38+ sends text).
fn attributes(e: &tendermint::abci::Event) -> Vec<(String, String)> {
    e.attributes
        .iter()
        .map(|a| (a.key_str().unwrap_or_default().to_string(), a.value_str().unwrap_or_default().to_string()))
        .collect()
}

fn hash32(bytes: &[u8]) -> Option<Hash32> {
    (bytes.len() == 32).then(|| Hash32(B256::from_slice(bytes)))
}

/// The bech32-decoded bytes of `address`.
pub fn address_bytes(what: &'static str, address: &str) -> Result<Vec<u8>, CwError> {
    let id: cosmrs::AccountId = address.parse().map_err(|e: cosmrs::ErrorReport| CwError::BadAddress {
        what,
        address: address.into(),
        detail: e.to_string(),
    })?;
    Ok(id.to_bytes())
}

impl CwChain {
    pub(crate) fn rpc_err(&self, call: &'static str) -> impl Fn(cosmrs::rpc::Error) -> CwError + '_ {
        move |e| CwError::Rpc { chain: self.name.clone(), call, detail: mesh_cosmos::rpc_detail(&e) }
    }

    fn unexpected(&self, call: &'static str, detail: String) -> CwError {
        CwError::Unexpected { chain: self.name.clone(), call, detail }
    }

    /// Every `mesh_leg_locked` event of the Router in blocks `from..=to` of successful txs, in
    /// chain order.
    ///
    /// One `tx_search` (the node's tx index; on by default, and the hub client's `/tx` lookups
    /// need it too) filtered on the event's `_contract_address` and the height range, paged
    /// through: a range without locks, the common case, costs one call however many blocks it
    /// spans, where `block_results` would cost one call per block. The result set is stable
    /// between pages because `to` is below the head.
    pub async fn leg_locked_events(&self, from: u64, to: u64) -> Result<Vec<LegLockedEvent>, CwError> {
        if from > to {
            return Ok(vec![]);
        }
        let query = Query::eq(format!("{LEG_LOCKED_EVENT}.{CONTRACT_ADDRESS_ATTRIBUTE}"), self.router.as_str())
            .and_gte("tx.height", from)
            .and_lte("tx.height", to);
        let mut txs = Vec::new();
        for page in 1u32.. {
            let resp = self
                .client
                .rpc()
                .tx_search(query.clone(), false, page, TX_SEARCH_PER_PAGE, Order::Ascending)
                .await
                .map_err(self.rpc_err("tx_search"))?;
            let n = resp.txs.len();
            txs.extend(resp.txs);
            // a short page is the last: `total_count` counts matching events, so a tx with two
            // of them (a Router calling itself) counts twice and would ask for a page past the end
            if n < TX_SEARCH_PER_PAGE as usize || txs.len() >= resp.total_count as usize {
                break;
            }
        }
        let mut events = Vec::new();
        for tx in txs {
            let height = tx.height.value();
            if tx.tx_result.code.is_err() || !(from..=to).contains(&height) {
                continue;
            }
            let hash = tx.hash.to_string();
            for e in tx.tx_result.events.iter().filter(|e| e.kind == LEG_LOCKED_EVENT) {
                let attrs = attributes(e);
                let ours = attrs.iter().any(|(k, v)| k == CONTRACT_ADDRESS_ATTRIBUTE && *v == self.router);
                if ours {
                    events.push(parse_leg_locked(&hash, height, &attrs)?);
                }
            }
        }
        Ok(events)
    }

    /// The Router's escrow record of leg `index` of `bundle_id` in the state at the end of block
    /// `height`, with its proof against the app hash of header `height + 1`: `(record bytes,
    /// proof)`; `None` when the record does not exist at that height.
    pub async fn proven_escrow(
        &self,
        bundle_id: Hash32,
        index: u32,
        height: u64,
    ) -> Result<Option<(Vec<u8>, ProofOps)>, CwError> {
        let router = address_bytes("router", &self.router)?;
        let key = router_cw::escrow_abci_key(&router, &bundle_id, index);
        let at = Height::try_from(height).map_err(|e| self.unexpected("abci_query", e.to_string()))?;
        let resp = self
            .client
            .rpc()
            .abci_query(Some(WASM_KEY_PATH.to_string()), key, Some(at), true)
            .await
            .map_err(self.rpc_err("abci_query"))?;
        if resp.code.is_err() {
            return Err(mesh_cosmos::CosmosError::Query {
                path: WASM_KEY_PATH.into(),
                code: resp.code.value(),
                log: resp.log,
            }
            .into());
        }
        if resp.height.value() != height {
            return Err(self.unexpected("abci_query", format!("asked height {height}, answered {}", resp.height)));
        }
        if resp.value.is_empty() {
            return Ok(None);
        }
        let proof = resp.proof.as_ref().ok_or(CwError::MissingProof { bundle_id, index, height })?;
        Ok(Some((resp.value, proof_ops(proof)?)))
    }

    /// The validators at `height`, every page.
    async fn validators(&self, height: u64) -> Result<Vec<Info>, CwError> {
        let mut all = Vec::new();
        for page in 1..=MAX_VALIDATOR_PAGES {
            let resp = self
                .client
                .rpc()
                .validators(
                    Height::try_from(height).map_err(|e| self.unexpected("validators", e.to_string()))?,
                    Paging::Specific { page_number: page.into(), per_page: VALIDATORS_PER_PAGE.into() },
                )
                .await
                .map_err(self.rpc_err("validators"))?;
            let n = resp.validators.len();
            all.extend(resp.validators);
            if all.len() as i64 >= i64::from(resp.total) {
                return Ok(all);
            }
            if n == 0 {
                break;
            }
        }
        Err(self.unexpected("validators", format!("the pages of height {height} never add up to their total")))
    }

    /// Whether `height` is a block of this chain now (1..=head).
    async fn exists(&self, height: u64) -> Result<bool, CwError> {
        Ok(height >= 1 && height <= self.head().await?)
    }
}

impl Chain for CwChain {
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

impl LegSource for CwChain {
    async fn head(&self) -> Result<u64, CwError> {
        Ok(self.client.latest_block().await?.0)
    }

    async fn block(&self, number: u64) -> Result<Option<BlockRef>, CwError> {
        if !self.exists(number).await? {
            return Ok(None);
        }
        let resp = self
            .client
            .rpc()
            .header(Height::try_from(number).map_err(|e| self.unexpected("header", e.to_string()))?)
            .await
            .map_err(self.rpc_err("header"))?;
        let h = resp.header;
        if h.height.value() != number {
            return Err(self.unexpected("header", format!("asked height {number}, answered {}", h.height)));
        }
        let hash =
            hash32(h.hash().as_bytes()).ok_or_else(|| self.unexpected("header", "hash is not 32 bytes".into()))?;
        Ok(Some(BlockRef { number, hash, timestamp: h.time.unix_timestamp().max(0) as u64 }))
    }

    /// Every lock of the Router in blocks `from..=to`, each proven at height `to` (the state at
    /// the end of block `to`, against the app hash of header `to + 1`). A leg whose record at
    /// `to` is no longer `locked` (settled or refunded since) is skipped: the hub would refuse it.
    async fn leg_locks(&self, from: u64, to: u64) -> Result<Vec<ObservedLock>, CwError> {
        let head = self.head().await?;
        if to >= head {
            return Err(CwError::ProofHeightNotBelowHead { height: to, head });
        }
        let events = self.leg_locked_events(from, to).await?;
        let mut blocks: Vec<BlockRef> = Vec::new();
        let mut out = Vec::with_capacity(events.len());
        for ev in events {
            let (bundle_id, index) = (ev.bundle_id, ev.index);
            let (record, proof) = self.proven_escrow(bundle_id, index, to).await?.ok_or(CwError::RecordAbsent {
                bundle_id,
                index,
                height: to,
            })?;
            let escrow: Escrow = serde_json::from_slice(&record).map_err(|e| CwError::BadRecord {
                bundle_id,
                index,
                detail: e.to_string(),
            })?;
            if escrow.status != LegStatus::Locked {
                tracing::warn!(
                    chain = %self.name, %bundle_id, index, status = ?escrow.status, height = to,
                    "a locked leg is no longer locked at the proof height; not reported"
                );
                continue;
            }
            if escrow.leg_hash != ev.leg_hash {
                tracing::warn!(
                    chain = %self.name, %bundle_id, index, event = %ev.leg_hash, record = %escrow.leg_hash,
                    "the lock event and the escrow record name different leg hashes; reporting the record's"
                );
            }
            let block = match blocks.iter().find(|b| b.number == ev.height) {
                Some(b) => *b,
                None => {
                    let b = self.block(ev.height).await?.ok_or_else(|| {
                        self.unexpected("header", format!("block {} of a lock is missing", ev.height))
                    })?;
                    blocks.push(b);
                    b
                }
            };
            out.push(ObservedLock {
                block,
                report: LockReport {
                    bundle_id,
                    leg_index: index,
                    leg_hash: escrow.leg_hash,
                    settle_deadline: ev.settle_deadline,
                    location: LockLocation::CosmWasm(CosmWasmLocation { chain_id: self.chain_id.clone(), height: to }),
                    proof: Some(StateProof { record: record.into(), proof }),
                },
            });
        }
        Ok(out)
    }
}

/// Whether an RPC error is CometBFT's answer for a height the node has pruned ("height 5 is not
/// available, lowest height is 900").
pub fn is_pruned(e: &CwError) -> bool {
    matches!(e, CwError::Rpc { detail, .. } if detail.contains("is not available, lowest height is"))
}

/// `None` for a pruned height, as [`HeaderSource`] answers it.
fn unless_pruned<T>(r: Result<T, CwError>) -> Result<Option<T>, CwError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if is_pruned(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

impl CwChain {
    async fn light_header_at(&self, height: u64) -> Result<LightHeader, CwError> {
        let at = Height::try_from(height).map_err(|e| self.unexpected("commit", e.to_string()))?;
        let commit = self.client.rpc().commit(at).await.map_err(self.rpc_err("commit"))?;
        let signed_header = commit.signed_header;
        if signed_header.header.height.value() != height {
            return Err(
                self.unexpected("commit", format!("asked height {height}, answered {}", signed_header.header.height))
            );
        }
        let set = Set::without_proposer(self.validators(height).await?);
        Ok(LightHeader {
            signed_header: Protobuf::<tendermint_proto::types::SignedHeader>::encode_vec(signed_header).into(),
            validators: Protobuf::<tendermint_proto::types::ValidatorSet>::encode_vec(set).into(),
        })
    }
}

impl HeaderSource for CwChain {
    fn client_chain_id(&self) -> &str {
        &self.chain_id
    }

    /// `/commit` and every page of `/validators` at `height`, as protobuf (what
    /// `contracts/light-client/examples/light_header.rs` builds).
    async fn light_header(&self, height: u64) -> Result<Option<LightHeader>, CwError> {
        if !self.exists(height).await? {
            return Ok(None);
        }
        unless_pruned(self.light_header_at(height).await)
    }

    async fn validator_set(&self, height: u64) -> Result<Option<Vec<u8>>, CwError> {
        if !self.exists(height).await? {
            return Ok(None);
        }
        let set = unless_pruned(self.validators(height).await)?;
        Ok(set.map(|set| Protobuf::<tendermint_proto::types::ValidatorSet>::encode_vec(Set::without_proposer(set))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const ID: &str = "0x1111111111111111111111111111111111111111111111111111111111111111";
    const LEG: &str = "0x2222222222222222222222222222222222222222222222222222222222222222";

    fn event() -> Vec<(String, String)> {
        // as the Router emits it (docs/protocol.md §11), with wasmd's `_contract_address`
        attrs(&[
            ("_contract_address", "inj1router"),
            ("bundle_id", ID),
            ("index", "3"),
            ("leg_hash", LEG),
            ("depositor", "0x000000000000000000000000aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("depositor_address", "inj1depositor"),
            ("token", "0x8115bad1beb341a70111b14e92f905c48fc92ae74f31efe2de92e270e30323e3"),
            ("token_name", "bank:inj"),
            ("amount", "1000"),
            ("settle_deadline", "1800000000"),
        ])
    }

    #[test]
    fn a_lock_event_yields_the_reports_fields() {
        let e = parse_leg_locked("ABCD", 42, &event()).unwrap();
        assert_eq!(
            e,
            LegLockedEvent {
                height: 42,
                tx: "ABCD".into(),
                bundle_id: Hash32::parse(ID).unwrap(),
                index: 3,
                leg_hash: Hash32::parse(LEG).unwrap(),
                settle_deadline: 1_800_000_000,
            }
        );
    }

    #[test]
    fn a_malformed_lock_event_is_a_typed_error_naming_the_attribute() {
        let cases: [(&str, Option<&str>); 7] = [
            ("bundle_id", None),
            ("bundle_id", Some("0x1234")),
            ("index", Some("-1")),
            ("index", Some("4294967296")),
            ("leg_hash", Some("2222")),
            ("settle_deadline", Some("soon")),
            ("settle_deadline", None),
        ];
        for (attribute, value) in cases {
            let mut a = event();
            match value {
                Some(v) => a.iter_mut().find(|(k, _)| k == attribute).unwrap().1 = v.into(),
                None => a.retain(|(k, _)| k != attribute),
            }
            match parse_leg_locked("ABCD", 1, &a) {
                Err(CwError::BadEvent { tx, attribute: got, detail }) => {
                    assert_eq!((tx.as_str(), got), ("ABCD", attribute), "{detail}");
                    if value.is_none() {
                        assert_eq!(detail, "missing");
                    }
                }
                other => panic!("{attribute}={value:?}: {other:?}"),
            }
        }
    }

    fn op(kind: &str, key: &[u8], data: &[u8]) -> tendermint::merkle::proof::ProofOp {
        tendermint::merkle::proof::ProofOp { field_type: kind.into(), key: key.to_vec(), data: data.to_vec() }
    }

    #[test]
    fn proof_ops_convert_to_the_light_clients_shape() {
        let ops = tendermint::merkle::proof::ProofOps {
            ops: vec![op("ics23:iavl", b"\x03key", &[1, 2, 3]), op("ics23:simple", b"wasm", &[4, 5])],
        };
        let got = proof_ops(&ops).unwrap();
        assert_eq!(got.ops.len(), 2);
        assert_eq!(got.ops[0].op_type, "ics23:iavl");
        assert_eq!(got.ops[0].key.as_slice(), b"\x03key");
        assert_eq!(got.ops[0].data.as_slice(), &[1, 2, 3]);
        assert_eq!(got.ops[1].op_type, "ics23:simple");
        assert_eq!(got.ops[1].key.as_slice(), b"wasm");
        // the JSON the hub's messages carry: CometBFT's own `{"type", "key", "data"}` shape
        let json = serde_json::to_value(&got).unwrap();
        assert_eq!(json["ops"][1], serde_json::json!({"type": "ics23:simple", "key": "d2FzbQ==", "data": "BAU="}));
    }

    #[test]
    fn a_proof_of_another_shape_is_refused() {
        let swapped = tendermint::merkle::proof::ProofOps {
            ops: vec![op("ics23:simple", b"wasm", &[]), op("ics23:iavl", b"k", &[])],
        };
        let one = tendermint::merkle::proof::ProofOps { ops: vec![op("ics23:iavl", b"k", &[])] };
        let none = tendermint::merkle::proof::ProofOps { ops: vec![] };
        for p in [swapped, one, none] {
            assert!(matches!(proof_ops(&p), Err(CwError::UnexpectedProof { .. })), "{p:?}");
        }
    }

    #[test]
    fn a_pruned_height_is_told_from_other_rpc_errors() {
        let rpc = |detail: &str| CwError::Rpc { chain: "gamma".into(), call: "commit", detail: detail.into() };
        // CometBFT's answer for a height below the node's retained blocks
        let pruned =
            rpc("response error: Internal error: height 5 is not available, lowest height is 900 (code: -32603)");
        assert!(is_pruned(&pruned));
        assert!(matches!(unless_pruned::<()>(Err(pruned)), Ok(None)));
        let down = rpc("connection refused");
        assert!(!is_pruned(&down));
        assert!(matches!(unless_pruned::<()>(Err(down)), Err(CwError::Rpc { .. })));
    }

    #[test]
    fn addresses_decode_to_their_bytes() {
        // an Injective contract address (20 bytes)
        let address = cosmrs::AccountId::new("inj", &[7; 20]).unwrap().to_string();
        assert_eq!(address_bytes("router", &address).unwrap(), vec![7; 20]);
        assert!(matches!(address_bytes("router", "not-bech32"), Err(CwError::BadAddress { what: "router", .. })));
    }
}
