//! Messages of the `mesh-router-cw` contract: the Router of a CosmWasm chain (docs/protocol.md,
//! section 11 "CosmWasm Router").
//!
//! The contract escrows legs of its own domain (bank denoms and cw20 tokens), verifies the hub's
//! signed settlement batches itself (the EVM side's `SettlementVerifier` and `MeshRouter` in one
//! contract) and pays each leg once: COMMIT to its recipient, ABORT (or, once refunds open,
//! `RefundExpired`) to its depositor.
//!
//! The hub proves a lock by an ICS23 proof of the escrow record: `abci_query` path
//! `store/wasm/key`, key `0x03 ‖ router address bytes ‖` [`escrow_storage_key`], value the JSON of
//! [`Escrow`]. Both are part of the protocol and must not change.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Addr, Binary, Uint128, Uint256};
use mesh_protocol::{keccak256, AccountId, Action, Bundle, Hash32, Signature65, SignerSet, Verdict};

/// Prefix of the preimage of a bank denom's token id: `keccak256("cosmos-bank/" ‖ denom)`.
pub const BANK_DENOM_PREFIX: &[u8] = b"cosmos-bank/";

/// The cw-storage-plus namespace of the escrow records (`Map<(&[u8], u32), Escrow>`).
pub const ESCROWS_NAMESPACE: &str = "escrows";

/// The store key prefix of a contract's storage in the wasm module (`ContractStorePrefix`).
pub const WASM_CONTRACT_STORE_PREFIX: u8 = 0x03;

/// The token id of a bank denom: `keccak256("cosmos-bank/" ‖ denom)`.
///
/// Never collides with an address id: a 20-byte address id has 12 leading zero bytes (a keccak
/// output with that prefix is a 96-bit preimage search), and a 32-byte address (a wasmd contract,
/// derived by SHA-256) equal to a keccak output would be a second-preimage across two hashes.
pub fn bank_denom_token_id(denom: &str) -> AccountId {
    let mut preimage = Vec::with_capacity(BANK_DENOM_PREFIX.len() + denom.len());
    preimage.extend_from_slice(BANK_DENOM_PREFIX);
    preimage.extend_from_slice(denom.as_bytes());
    AccountId(keccak256(preimage))
}

/// The raw storage key (inside the contract's store) of the escrow record of leg `index` of
/// bundle `bundle_id`: cw-storage-plus's `Map<(&[u8], u32), _>` key under namespace `"escrows"`:
///
/// `0x0007 ‖ "escrows" ‖ 0x0020 ‖ bundle_id (32 bytes) ‖ index (4 bytes, big-endian)`
///
/// (each element but the last is prefixed by its length as a big-endian `u16`).
pub fn escrow_storage_key(bundle_id: &Hash32, index: u32) -> Vec<u8> {
    let ns = ESCROWS_NAMESPACE.as_bytes();
    let mut key = Vec::with_capacity(2 + ns.len() + 2 + 32 + 4);
    key.extend_from_slice(&(ns.len() as u16).to_be_bytes());
    key.extend_from_slice(ns);
    key.extend_from_slice(&32u16.to_be_bytes());
    key.extend_from_slice(bundle_id.0.as_slice());
    key.extend_from_slice(&index.to_be_bytes());
    key
}

/// The key of the escrow record in the wasm module's IAVL store (what `abci_query` with path
/// `store/wasm/key` takes): `0x03 ‖ router address bytes ‖ escrow_storage_key`.
pub fn escrow_abci_key(router_canonical: &[u8], bundle_id: &Hash32, index: u32) -> Vec<u8> {
    let mut key = vec![WASM_CONTRACT_STORE_PREFIX];
    key.extend_from_slice(router_canonical);
    key.extend_from_slice(&escrow_storage_key(bundle_id, index));
    key
}

#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct InstantiateMsg {
    /// The hub's chain id (non-empty); with `deployment` it forms the EIP-712 domain salt.
    pub hub_chain_id: String,
    /// The bech32 address of the hub's bundle-log (non-empty).
    pub deployment: String,
    /// The domain id the hub's chain registry assigned to this chain (> 0).
    pub domain: u64,
    /// Seconds after a leg's settle deadline during which a COMMIT still applies (> 0).
    pub refund_grace: u64,
    /// Seconds a signer set must have been current before it can rotate.
    pub min_rotation_delay: u64,
    /// The genesis signer set (validated; its expiry must be in the future).
    pub genesis_set: SignerSet,
    /// The code id of `mesh-action-executor-cw`: the Router instantiates its own executor and
    /// runs actions on COMMIT (docs/protocol.md section 12). Absent: it refuses action legs
    /// (`ActionNotSupported`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_executor_code_id: Option<u64>,
}

/// One leg to settle under a verified root: the bundle's verdict, its Merkle proof, the leg.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct SettleItem {
    pub bundle_id: Hash32,
    pub index: u32,
    pub verdict: Verdict,
    /// Siblings from the leaf up (docs/protocol.md section 4).
    pub proof: Vec<Hash32>,
}

/// One leg of a multiproof: the leaf `settlement_leaf(bundle_id, verdict)` at `leaf_index`.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct MultiItem {
    pub bundle_id: Hash32,
    pub index: u32,
    pub verdict: Verdict,
    pub leaf_index: u32,
}

#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub enum ExecuteMsg {
    /// Locks leg `index` of `bundle` with the bank coin sent (exactly one coin, of the denom whose
    /// token id is the leg's token, at least the leg's amount; the amount sent is credited).
    /// The sender must be the leg's depositor. cw20 legs lock through `Receive` instead.
    Lock { bundle: Bundle, index: u32 },
    /// The cw20 `Send` hook: the sending cw20 contract is the token, `sender` the depositor,
    /// `amount` the amount credited; `msg` is a [`ReceiveMsg`].
    Receive(Cw20ReceiveMsg),
    /// Verifies a batch root signed by the set of `epoch` and caches it (a verified root is a
    /// no-op).
    SubmitBatch { epoch: u64, batch_index: u64, root: Hash32, signatures: Vec<Signature65> },
    /// Applies a verdict proven under a verified root to one leg; fails unless it applies.
    Settle { bundle_id: Hash32, index: u32, verdict: Verdict, batch_root: Hash32, proof: Vec<Hash32> },
    /// Applies verdicts proven under a verified root, skipping legs that cannot settle.
    SettleMany { batch_root: Hash32, items: Vec<SettleItem> },
    /// `SubmitBatch` (when the root is not verified yet) then `SettleMany`, in one message.
    SettleBatch { epoch: u64, batch_index: u64, root: Hash32, signatures: Vec<Signature65>, items: Vec<SettleItem> },
    /// Applies verdicts proven by one multiproof of a verified root of `leaf_count` leaves,
    /// skipping legs that cannot settle.
    SettleMultiproof { batch_root: Hash32, leaf_count: u32, items: Vec<MultiItem>, proof: Vec<Hash32> },
    /// Refunds a Locked leg to its depositor once refunds opened; anyone may call it.
    RefundExpired { bundle_id: Hash32, index: u32 },
    /// Rotates to `new_set` (epoch = current + 1), signed by the current set.
    Rotate { new_set: SignerSet, signatures: Vec<Signature65> },
    /// Applies a COMMIT proven under a verified root to a leg with an action, running `action`
    /// (which must hash to the leg's, `ActionMismatch` otherwise) through the executor; if the
    /// run fails the recipient is paid the escrowed tokens. The only way such a leg commits.
    SettleAction { bundle_id: Hash32, index: u32, batch_root: Hash32, proof: Vec<Hash32>, action: Action },
    /// Records the bank denom whose token id is `keccak256("cosmos-bank/" ‖ denom)`, so that an
    /// action's output token can name it (anyone may; a denom a leg locked is recorded already).
    RegisterDenom { denom: String },
    /// The Router's own sub-message of `SettleAction`: moves the escrow to the executor and runs
    /// the action. Only the Router itself may send it.
    RunAction { bundle_id: Hash32, index: u32, action: Action },
    /// The last message of a successful `RunAction`: records the outcome. Router itself only.
    EndAction { bundle_id: Hash32, index: u32 },
}

/// The message a cw20 contract delivers on `Send` (wire-compatible with `cw20::Cw20ReceiveMsg`).
#[cw_serde]
pub struct Cw20ReceiveMsg {
    pub sender: String,
    pub amount: Uint128,
    pub msg: Binary,
}

/// What the `msg` of a cw20 `Send` to the Router asks.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub enum ReceiveMsg {
    /// Locks leg `index` of `bundle` with the tokens sent.
    Lock { bundle: Bundle, index: u32 },
}

/// The part of the cw20 execute interface the Router calls (wire-compatible with
/// `cw20::Cw20ExecuteMsg`).
#[cw_serde]
pub enum Cw20ExecuteMsg {
    Transfer { recipient: String, amount: Uint128 },
    Send { contract: String, amount: Uint128, msg: Binary },
}

/// The token of an escrow.
#[cw_serde]
#[derive(Eq)]
pub enum CwToken {
    /// A bank denom; token id [`bank_denom_token_id`].
    Native { denom: String },
    /// A cw20 contract; token id `AccountId::from_cosmos_bytes(address bytes)`.
    Cw20 { address: Addr },
}

/// Where a leg is. A leg leaves `Locked` exactly once.
#[cw_serde]
#[derive(Copy, Eq)]
pub enum LegStatus {
    /// Never locked (no record).
    None,
    Locked,
    Committed,
    Aborted,
    Refunded,
}

/// The escrow record, stored as JSON under [`escrow_storage_key`] (the hub proves it by ICS23).
/// Field order is the JSON's order.
#[cw_serde]
pub struct Escrow {
    /// `locked`, then one of `committed`, `aborted`, `refunded`.
    pub status: LegStatus,
    /// `leg_hash` of the leg (binds domain, router, depositor, token, amount, recipient).
    pub leg_hash: Hash32,
    /// Who locked (the leg's depositor), paid back on ABORT and refund.
    pub depositor: Addr,
    /// Who is paid on COMMIT (the leg's recipient as a bech32 address).
    pub recipient: Addr,
    /// The token received.
    pub token: CwToken,
    /// The amount received (at least the leg's amount).
    pub amount: Uint256,
    pub lock_deadline: u64,
    pub settle_deadline: u64,
}

#[cw_serde]
pub struct ConfigResponse {
    pub hub_chain_id: String,
    pub deployment: String,
    /// The hub's EIP-712 domain separator (also the `hubDomain` of every bundle id).
    pub hub_domain: Hash32,
    pub domain: u64,
    pub refund_grace: u64,
    pub min_rotation_delay: u64,
    /// This contract's account id (what a leg's `router` must be).
    pub router: AccountId,
    pub current_epoch: u64,
    /// The executor that runs actions on COMMIT, absent when the Router runs none.
    #[serde(default)]
    pub action_executor: Option<Addr>,
}

/// A locked leg's action, as the Router resolved it at lock.
#[cw_serde]
pub struct LegActionResponse {
    /// `action_hash` of the leg's action (what `SettleAction` must supply).
    pub action_hash: Hash32,
    /// The contract called.
    pub target: Addr,
    /// The token the recipient must gain, resolved from the action's output token id.
    pub output: CwToken,
    /// `None` until the leg commits.
    pub outcome: Option<ActionOutcome>,
}

/// How a committed action leg ended (exactly one of the two).
#[cw_serde]
#[derive(Copy, Eq)]
pub enum ActionOutcome {
    /// The action ran and the recipient gained at least `min_out` of the output token.
    Executed,
    /// The action failed (reverted, ran out of gas, delivered less): the recipient was paid the
    /// escrowed tokens.
    FellBack,
}

#[cw_serde]
pub struct SignerSetResponse {
    pub set: SignerSet,
    /// Block time at which the set became current.
    pub activated_at: u64,
}

#[cw_serde]
pub struct RootRecord {
    pub epoch: u64,
    pub batch_index: u64,
    pub verified_at: u64,
}

#[cw_serde]
pub struct EscrowStorageKeyResponse {
    /// The key inside the contract's store ([`escrow_storage_key`]).
    pub storage_key: Binary,
    /// The key of `abci_query` path `store/wasm/key`: `0x03 ‖ router address bytes ‖ storage_key`.
    pub abci_key: Binary,
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(ConfigResponse)]
    Config {},
    /// The escrow record, `None` when the leg was never locked.
    #[returns(Option<Escrow>)]
    Escrow { bundle_id: Hash32, index: u32 },
    #[returns(LegStatus)]
    LegStatus { bundle_id: Hash32, index: u32 },
    /// The set of `epoch`, `None` when this Router never had it.
    #[returns(Option<SignerSetResponse>)]
    SignerSet { epoch: u64 },
    #[returns(bool)]
    IsVerifiedRoot { root: Hash32 },
    #[returns(Option<RootRecord>)]
    RootRecord { root: Hash32 },
    /// `settle_deadline + refund_grace` of a locked leg, `None` when never locked.
    #[returns(Option<u64>)]
    RefundOpensAt { bundle_id: Hash32, index: u32 },
    /// The storage keys of the escrow record (for the hub's ICS23 proof).
    #[returns(EscrowStorageKeyResponse)]
    EscrowStorageKey { bundle_id: Hash32, index: u32 },
    /// The id of `bundle` under this Router's hub domain.
    #[returns(Hash32)]
    BundleId { bundle: Bundle },
    /// The action of a locked leg, `None` when the leg has none (or was never locked).
    #[returns(Option<LegActionResponse>)]
    LegAction { bundle_id: Hash32, index: u32 },
    /// The bank denom recorded for a token id, `None` when none is.
    #[returns(Option<String>)]
    Denom { token_id: AccountId },
}
