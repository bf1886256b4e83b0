//! Messages of the `light-client` contract: one CometBFT light client per registered Cosmos
//! chain, and ICS23 membership proofs against the app hashes it verified.
//!
//! CometBFT objects travel as their **protobuf** encodings (`Binary`, base64 in JSON), not as
//! their RPC JSON: the tendermint types have no JSON schema, and protobuf is compact (a validator
//! is 65 bytes of `ValidatorSet`, a commit signature ~110 bytes, where the RPC JSON of both cost
//! ~1.15 KB per validator in a message; transaction bytes dominate the gas of an update with many
//! validators). A whole 1-validator `update_client` message is ~1 KB. A relayer reads `/commit` and `/validators` from a node,
//! deserializes them into `tendermint::block::signed_header::SignedHeader` and
//! `tendermint::validator::Set` and encodes those with `tendermint_proto::Protobuf::encode_vec`:
//! * `signed_header`: `tendermint.types.SignedHeader` (header + commit);
//! * `validators`: `tendermint.types.ValidatorSet` (`proposer` may be absent,
//!   `total_voting_power` 0 or the exact sum).
//!
//! Membership proofs are the `proofOps` of an `abci_query` with `prove=true` exactly as
//! CometBFT's JSON-RPC returns them ([`ProofOps`]).

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Addr, Binary, HexBinary, Timestamp};

/// Default trust level: a skipping update needs signatures of more than 1/3 of the trusted
/// validator set's voting power.
pub const DEFAULT_TRUST_LEVEL: Fraction = Fraction { numerator: 1, denominator: 3 };
/// Default most consensus states kept per client (the oldest beyond it are pruned).
pub const DEFAULT_MAX_CONSENSUS_STATES: u32 = 1000;

/// Parameters of a new light-client contract.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct InstantiateMsg {
    /// May create clients (the hub's governance); defaults to the instantiating account.
    pub admin: Option<String>,
}

/// A fraction `numerator / denominator` (the trust level).
#[cw_serde]
#[derive(Copy, Eq)]
pub struct Fraction {
    pub numerator: u64,
    pub denominator: u64,
}

/// A header of the tracked chain with the validator set that signed it.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct LightHeader {
    /// Protobuf `tendermint.types.SignedHeader`.
    pub signed_header: Binary,
    /// Protobuf `tendermint.types.ValidatorSet`: the set whose hash is the header's
    /// `validators_hash`.
    pub validators: Binary,
}

/// One header of a misbehaviour, verified against a consensus state the client trusts.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct MisbehaviourHeader {
    pub header: LightHeader,
    /// Height of the stored consensus state the header is verified from.
    pub trusted_height: u64,
    /// Protobuf `tendermint.types.ValidatorSet` whose hash is the trusted state's
    /// `next_validators_hash`; needed unless the header is adjacent (`trusted_height + 1`).
    pub trusted_next_validators: Option<Binary>,
}

/// Every action of the light-client contract.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub enum ExecuteMsg {
    /// Registers a client for `chain_id` from a header the admin trusts (admin only, one client
    /// per chain id). The header's commit must be signed by more than 2/3 of `validators`, whose
    /// hash must be its `validators_hash`.
    CreateClient {
        chain_id: String,
        header: LightHeader,
        /// Default 1/3; at least 1/3 and at most 1.
        trust_level: Option<Fraction>,
        /// Seconds a consensus state can be trusted to verify newer headers (below the chain's
        /// unbonding period, typically 2/3 of it).
        trusting_period: u64,
        /// The chain's unbonding period in seconds; must exceed `trusting_period`.
        unbonding_period: u64,
        /// Seconds a header's time may be ahead of the hub's block time.
        max_clock_drift: u64,
        /// Most consensus states kept (default 1000).
        max_consensus_states: Option<u32>,
    },
    /// Moves the client forward (anyone): `header` is verified against the consensus state at
    /// `trusted_height` (within the trusting period) with `ProdVerifier::verify_update_header`.
    /// An adjacent header (`trusted_height + 1`) must be signed by the trusted state's next
    /// validators; a skipping one by more than the trust level of `trusted_next_validators`
    /// (whose hash must be the trusted `next_validators_hash`) and by more than 2/3 of its own
    /// set. A validly signed header that conflicts with a stored consensus state of the same
    /// height freezes the client instead.
    UpdateClient {
        chain_id: String,
        header: LightHeader,
        trusted_height: u64,
        /// Protobuf `tendermint.types.ValidatorSet`; required for a skipping update.
        trusted_next_validators: Option<Binary>,
    },
    /// Proves that the chain's validators signed two different headers at one height (anyone):
    /// each header is verified from a consensus state the client trusts. Freezes the client and
    /// keeps both headers as evidence.
    SubmitMisbehaviour { chain_id: String, header_1: MisbehaviourHeader, header_2: MisbehaviourHeader },
}

/// One proof operation of an `abci_query` answer (CometBFT's `ProofOp`), as the JSON-RPC
/// returns it: `{"type": "ics23:iavl", "key": base64, "data": base64}`.
#[cw_serde]
pub struct ProofOp {
    #[serde(rename = "type")]
    pub op_type: String,
    pub key: Binary,
    /// Protobuf `cosmos.ics23.v1.CommitmentProof`.
    pub data: Binary,
}

/// The `proofOps` of an `abci_query` answer: `{"ops": [...]}`.
#[cw_serde]
pub struct ProofOps {
    pub ops: Vec<ProofOp>,
}

/// Every question the light-client contract answers.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
#[derive(QueryResponses)]
pub enum QueryMsg {
    /// The configuration.
    #[returns(ConfigResponse)]
    Config {},
    /// One client's parameters and status.
    #[returns(ClientResponse)]
    Client { chain_id: String },
    /// The consensus state at `height`, or the latest one when `height` is `None`.
    #[returns(ConsensusStateResponse)]
    ConsensusState { chain_id: String, height: Option<u64> },
    /// The evidence that froze the client, if it is frozen.
    #[returns(Option<Misbehaviour>)]
    Misbehaviour { chain_id: String },
    /// Verifies that `key` holds `value` in store `store` of the chain's state at `height`:
    /// `proof` is the `proofOps` of an `abci_query` at `height` with `prove=true` and path
    /// `store/<store>/key` (an `ics23:iavl` op, then an `ics23:simple` op). The proof is checked
    /// against the app hash of the consensus state at `height + 1` (a block's header carries
    /// the app hash of the state after the previous block). Fails with the reason when it does
    /// not verify, when the client is unknown, frozen or expired, or when the client has no
    /// consensus state at `height + 1`.
    #[returns(MembershipResponse)]
    VerifyMembership { chain_id: String, height: u64, store: String, key: Binary, value: Binary, proof: ProofOps },
}

/// The contract's configuration.
#[cw_serde]
pub struct ConfigResponse {
    pub admin: Addr,
}

/// One client.
#[cw_serde]
pub struct ClientResponse {
    pub chain_id: String,
    pub trust_level: Fraction,
    pub trusting_period: u64,
    pub unbonding_period: u64,
    pub max_clock_drift: u64,
    pub max_consensus_states: u32,
    pub latest_height: u64,
    /// Oldest consensus state still kept.
    pub earliest_height: u64,
    pub consensus_states: u32,
    pub frozen: bool,
    /// `expired` when the latest consensus state is older than the trusting period (the client
    /// can then neither be updated nor verify proofs; governance must create a new one).
    pub status: ClientStatus,
}

/// Whether a client can be used.
#[cw_serde]
#[derive(Copy, Eq)]
pub enum ClientStatus {
    Active,
    Expired,
    Frozen,
}

/// What the client keeps of a verified header.
#[cw_serde]
pub struct ConsensusStateResponse {
    pub height: u64,
    /// The header's time.
    pub time: Timestamp,
    /// Hash of the header (the block hash).
    pub block_hash: HexBinary,
    /// The state root after block `height - 1`.
    pub app_hash: HexBinary,
    pub next_validators_hash: HexBinary,
}

/// The evidence that froze a client: two different headers at one height, each validly signed.
#[cw_serde]
pub struct Misbehaviour {
    pub height: u64,
    /// The first header (protobuf `SignedHeader`); `None` when it is a header the client had
    /// verified and stored before (its hash is then `block_hash_1`).
    pub header_1: Option<Binary>,
    pub block_hash_1: HexBinary,
    /// The conflicting header (protobuf `SignedHeader`).
    pub header_2: Binary,
    pub block_hash_2: HexBinary,
    /// Hub block time and height at which the client was frozen.
    pub frozen_at: Timestamp,
    pub frozen_at_height: u64,
}

/// A verified membership proof.
#[cw_serde]
pub struct MembershipResponse {
    /// The app hash the proof was checked against (of the header at `height + 1`).
    pub app_hash: HexBinary,
    /// The store's root the `ics23:iavl` op computes.
    pub store_root: HexBinary,
}

crate::client::typed_queries!(QueryMsg {
    /// The configuration.
    config => Config {} -> ConfigResponse;
    /// One client.
    client => Client { chain_id: String } -> ClientResponse;
    /// A consensus state (latest when `height` is `None`).
    consensus_state => ConsensusState { chain_id: String, height: Option<u64> } -> ConsensusStateResponse;
    /// The evidence that froze a client.
    misbehaviour => Misbehaviour { chain_id: String } -> Option<Misbehaviour>;
    /// A membership proof.
    verify_membership => VerifyMembership {
        chain_id: String, height: u64, store: String, key: Binary, value: Binary, proof: ProofOps
    } -> MembershipResponse;
});
