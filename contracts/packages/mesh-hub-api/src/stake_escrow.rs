//! Messages of the `stake-escrow` contract: relayer bonds, unbonding, slashing, jailing and the
//! signer-set epochs.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Addr, Uint128};
use mesh_protocol::{EvmAddress, Signature65, SignerSet};

use crate::common::FraudKind;

/// Basis points in one whole.
pub const BPS: u16 = 10_000;
/// Default lifetime of a signer set: 30 days.
pub const DEFAULT_SIGNER_SET_LIFETIME: u64 = 30 * 24 * 3600;
/// Default cap on one signer's share of a set's weight: 3333 bps, so one signer never holds a
/// third or more of the weight (when the set has at least 4 members).
pub const DEFAULT_MAX_SIGNER_WEIGHT_BPS: u16 = 3_333;
/// Smallest `max_signer_weight_bps` accepted: `⌈10000 / MAX_SIGNERS⌉`, the cap a full set of
/// 64 members can still meet.
pub const MIN_MAX_SIGNER_WEIGHT_BPS: u16 = BPS.div_ceil(mesh_protocol::MAX_SIGNERS as u16);
/// Most unbonding entries one relayer may have at once.
pub const MAX_UNBONDING_ENTRIES: usize = 8;

/// Parameters of a new stake-escrow.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct InstantiateMsg {
    /// Administrator (wiring, unjailing); defaults to the instantiating account.
    pub admin: Option<String>,
    /// Hub chain id for the EIP-712 domain of proofs of possession. Must equal the chain's own
    /// id when given; defaults to it.
    pub hub_chain_id: Option<String>,
    /// The only denom accepted as stake.
    pub bond_denom: String,
    /// Bonded stake a relayer needs to be active (report, sign, join signer sets). Positive.
    pub min_bond: Uint128,
    /// Seconds unbonded stake stays slashable before it can be claimed; must exceed
    /// `dispute_window + delivery_margin`.
    pub unbonding_period: u64,
    /// The bundle-log's dispute window (seconds), to check `unbonding_period` against.
    pub dispute_window: u64,
    /// The bundle-log's delivery margin (seconds), to check `unbonding_period` against.
    pub delivery_margin: u64,
    /// Part of a relayer's whole stake (bonded and unbonding) taken per proven fraud, in basis
    /// points, 1 to 10000.
    pub slash_bps: u16,
    /// Part of the slashed amount paid to the disputer, in basis points, 0 to 10000.
    pub bounty_bps: u16,
    /// Where the rest of slashed funds goes; `None` keeps it in this contract for good
    /// (counted as `slashed_retained`).
    pub community_pool: Option<String>,
    /// Seconds between two signer-set rotations.
    pub rotation_delay: u64,
    /// Seconds a signer set stays valid after it is made: its `expires_at` (signed into its
    /// hash, enforced by every Verifier). Default [`DEFAULT_SIGNER_SET_LIFETIME`].
    #[serde(default)]
    pub signer_set_lifetime: Option<u64>,
    /// How long before the current set expires a rotation may renew it even when the active
    /// relayers would form the same set (only `expires_at` changes). Must be positive and below
    /// the lifetime, and `rotation_delay` must be below `lifetime - renewal_window`.
    /// Default `lifetime / 4`.
    #[serde(default)]
    pub renewal_window: Option<u64>,
    /// Cap on one signer's share of a set's total weight, in basis points,
    /// [`MIN_MAX_SIGNER_WEIGHT_BPS`] to 10000: stakes above the cap count only up to it
    /// (water-filling). A set with fewer than `⌈10000 / cap⌉` members cannot meet the cap; its
    /// members then all get the same weight (the smallest stake among them).
    /// Default [`DEFAULT_MAX_SIGNER_WEIGHT_BPS`].
    #[serde(default)]
    pub max_signer_weight_bps: Option<u16>,
    /// The dispute contract (the only caller of `Slash`); may be set once later with `SetDispute`.
    pub dispute: Option<String>,
}

/// Every action of the stake-escrow. Only `Bond` takes funds.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub enum ExecuteMsg {
    /// Bonds the attached funds (bond denom only). The first bond registers `evm_signer`,
    /// which must be unused by other relayers; later bonds must name the same signer.
    /// `proof_of_possession` is the signer's 65-byte signature over
    /// `relayer_key_digest(hub, sender)`.
    Bond { evm_signer: EvmAddress, proof_of_possession: Signature65 },
    /// Starts unbonding `amount` of bonded stake; it stays slashable for the unbonding period.
    Unbond { amount: Uint128 },
    /// Pays out every unbonding entry whose period has passed, once the relayer's signer is in
    /// no signer set that a chain may still accept (see `RelayerInfo::locked_until`).
    Claim {},
    /// Slashes a relayer for a proven fraud (dispute contract only): takes `slash_bps` of its
    /// stake (bonded first, then unbonding, newest first), pays `bounty_bps` of it to `disputer`
    /// and jails the relayer.
    Slash { relayer: String, kind: FraudKind, fraud_id: u64, disputer: String },
    /// Lifts a relayer's jail (admin only). It joins signer sets again from the next rotation.
    Unjail { relayer: String },
    /// Makes the next signer-set epoch from the active relayers (anyone), at most once per
    /// `rotation_delay`; the first call makes epoch 1. A set with the same members, weights and
    /// threshold as the current one is only made within `renewal_window` of its expiry (a
    /// renewal: same members, later `expires_at`).
    RotateSigners {},
    /// Sets the dispute contract (admin only, once).
    SetDispute { dispute: String },
    /// Hands the admin role to another account (admin only).
    UpdateAdmin { admin: String },
    /// Pays out `amount` of the slashed stake this contract kept (`slashed_retained`; admin
    /// only, in production governance).
    WithdrawRetained { to: RetainedDestination, amount: Uint128 },
}

/// Where `WithdrawRetained` sends kept slashed stake.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub enum RetainedDestination {
    /// The chain's community pool, through `DistributionMsg::FundCommunityPool`: works where a
    /// `BankMsg::Send` to the distribution module account is refused (module accounts are
    /// blocked bank recipients on Cosmos SDK chains).
    CommunityPool {},
    /// Any account, through `BankMsg::Send`.
    Account { address: String },
}

/// Every question the stake-escrow answers.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
#[derive(QueryResponses)]
pub enum QueryMsg {
    /// The configuration.
    #[returns(ConfigResponse)]
    Config {},
    /// One relayer, `None` if it never bonded.
    #[returns(Option<RelayerInfo>)]
    Relayer { address: String },
    /// The relayer that registered `evm_signer`, `None` if none did.
    #[returns(Option<RelayerInfo>)]
    RelayerBySigner { evm_signer: EvmAddress },
    /// A page of relayers by address.
    #[returns(RelayersResponse)]
    Relayers { start_after: Option<String>, limit: Option<u32> },
    /// Whether a relayer may report and sign now (bonded ≥ min bond, not jailed).
    #[returns(IsActiveResponse)]
    IsActive { address: String },
    /// The signer set of `epoch`, `None` if there is no such epoch.
    #[returns(Option<SignerSetResponse>)]
    SignerSet { epoch: u64 },
    /// The newest signer set, `None` before the first rotation.
    #[returns(Option<SignerSetResponse>)]
    CurrentSignerSet {},
    /// The set `RotateSigners` would make now, `None` if no relayer is active.
    #[returns(Option<SignerSet>)]
    NextSignerSet {},
    /// Stake accounting.
    #[returns(TotalsResponse)]
    Totals {},
}

/// The stake-escrow's configuration.
#[cw_serde]
pub struct ConfigResponse {
    pub admin: Addr,
    pub hub_chain_id: String,
    pub bond_denom: String,
    pub min_bond: Uint128,
    pub unbonding_period: u64,
    pub dispute_window: u64,
    pub delivery_margin: u64,
    pub slash_bps: u16,
    pub bounty_bps: u16,
    pub community_pool: Option<Addr>,
    pub rotation_delay: u64,
    pub dispute: Option<Addr>,
    pub signer_set_lifetime: u64,
    pub renewal_window: u64,
    pub max_signer_weight_bps: u16,
}

/// Stake on its way out.
#[cw_serde]
pub struct UnbondingEntry {
    pub amount: Uint128,
    /// Hub time from which it can be claimed.
    pub release_at: u64,
}

/// One relayer.
#[cw_serde]
pub struct RelayerInfo {
    pub address: Addr,
    pub evm_signer: EvmAddress,
    pub bonded: Uint128,
    pub unbonding: Vec<UnbondingEntry>,
    pub jailed: bool,
    pub jailed_at: Option<u64>,
    /// Total ever slashed from it.
    pub slashed: Uint128,
    /// Bonded ≥ min bond and not jailed.
    pub active: bool,
    /// Expiry of the newest signer set the relayer's signer is a member of (0 if none): some
    /// chain may accept its signatures until then, so its stake stays slashable.
    pub locked_until: u64,
    /// The epoch of that set (0 if none).
    pub locked_by_epoch: u64,
    /// When unbonding entries released by `unbonding_period` can be claimed at the earliest:
    /// `locked_until + unbonding_period` (0 if never in a set), so a signature made just before
    /// the set expires can still be proven and slashed.
    pub claimable_from: u64,
}

/// A page of relayers.
#[cw_serde]
pub struct RelayersResponse {
    pub relayers: Vec<RelayerInfo>,
}

/// Whether a relayer is active.
#[cw_serde]
pub struct IsActiveResponse {
    pub active: bool,
    pub bonded: Uint128,
    pub jailed: bool,
}

/// A signer set as the stake-escrow made it.
#[cw_serde]
pub struct SignerSetResponse {
    pub set: SignerSet,
    /// `signer_set_hash(set)`.
    pub signers_hash: mesh_protocol::Hash32,
    pub created_at: u64,
    /// Members whose relayer is jailed now: their signatures no longer count on the hub.
    pub jailed: Vec<EvmAddress>,
}

/// Stake accounting. Invariant: `total_deposited = total_bonded + total_unbonding +
/// total_claimed + total_slashed`, and `total_slashed = bounties_paid + sent_to_community_pool +
/// retained_withdrawn + slashed_retained`.
#[cw_serde]
pub struct TotalsResponse {
    pub total_deposited: Uint128,
    pub total_bonded: Uint128,
    pub total_unbonding: Uint128,
    pub total_claimed: Uint128,
    pub total_slashed: Uint128,
    pub bounties_paid: Uint128,
    pub sent_to_community_pool: Uint128,
    pub slashed_retained: Uint128,
    /// Kept slashed stake paid out since with `WithdrawRetained`.
    pub retained_withdrawn: Uint128,
}

/// Response data of `Slash`.
#[cw_serde]
pub struct SlashResponse {
    pub slashed: Uint128,
    pub bounty: Uint128,
}

crate::client::typed_queries!(QueryMsg {
    /// `QueryMsg::Config`.
    config => Config {} -> ConfigResponse;
    /// `QueryMsg::Relayer`.
    relayer => Relayer { address: String } -> Option<RelayerInfo>;
    /// `QueryMsg::RelayerBySigner`.
    relayer_by_signer => RelayerBySigner { evm_signer: EvmAddress } -> Option<RelayerInfo>;
    /// `QueryMsg::Relayers`.
    relayers => Relayers { start_after: Option<String>, limit: Option<u32> } -> RelayersResponse;
    /// `QueryMsg::IsActive`.
    is_active => IsActive { address: String } -> IsActiveResponse;
    /// `QueryMsg::SignerSet`.
    signer_set => SignerSet { epoch: u64 } -> Option<SignerSetResponse>;
    /// `QueryMsg::CurrentSignerSet`.
    current_signer_set => CurrentSignerSet {} -> Option<SignerSetResponse>;
    /// `QueryMsg::NextSignerSet`.
    next_signer_set => NextSignerSet {} -> Option<SignerSet>;
    /// `QueryMsg::Totals`.
    totals => Totals {} -> TotalsResponse;
});

impl ExecuteMsg {
    /// This message sent to the stake-escrow `contract` with `funds` (only `Bond` takes any).
    pub fn wasm_msg(
        &self,
        contract: impl Into<String>,
        funds: Vec<cosmwasm_std::Coin>,
    ) -> cosmwasm_std::StdResult<cosmwasm_std::WasmMsg> {
        crate::client::execute(contract, self, funds)
    }
}

/// The part of the stake-escrow's storage the bundle-log reads directly with
/// `query_wasm_raw` (issue 14): a raw read costs a store read, a smart query instantiates the
/// stake-escrow. Keys and values are defined here once for both contracts; the stake-escrow's
/// own tests check that its maps write exactly these keys.
pub mod raw {
    use cosmwasm_schema::cw_serde;
    use cosmwasm_std::{Addr, Uint128};
    use mesh_protocol::{EvmAddress, Hash32, SignerSet};

    /// `Map<&Addr, RelayerStatus>`: what the hub checks of a relayer, kept in step with its bond.
    pub const RELAYER_STATUS_NAMESPACE: &str = "relayer_status";
    /// `Map<&[u8], Addr>`: EVM signer address bytes → the relayer that registered it.
    pub const SIGNER_OWNER_NAMESPACE: &str = "signer_owner";
    /// `Map<u64, StoredSignerSet>`: epoch → signer set.
    pub const SIGNER_SETS_NAMESPACE: &str = "sets";
    /// `Item<u64>`: the newest epoch (absent before the first rotation).
    pub const CURRENT_EPOCH_KEY: &str = "epoch";

    /// A relayer's standing, written with every change of its bond or jailing.
    #[cw_serde]
    pub struct RelayerStatus {
        pub evm_signer: EvmAddress,
        pub bonded: Uint128,
        pub jailed: bool,
        /// Not jailed and bonded at least the minimum bond: may report.
        pub active: bool,
    }

    /// A signer set as stored.
    #[cw_serde]
    pub struct StoredSignerSet {
        pub set: SignerSet,
        /// `signer_set_hash(set)`.
        pub signers_hash: Hash32,
        pub created_at: u64,
    }

    /// The key of `key` in the `cw-storage-plus` map `namespace`: the namespace's length (two
    /// bytes, big-endian), the namespace, then the key.
    pub fn map_key(namespace: &str, key: &[u8]) -> Vec<u8> {
        let ns = namespace.as_bytes();
        let mut out = Vec::with_capacity(2 + ns.len() + key.len());
        out.extend_from_slice(&(ns.len() as u16).to_be_bytes());
        out.extend_from_slice(ns);
        out.extend_from_slice(key);
        out
    }
    pub fn relayer_status_key(relayer: &Addr) -> Vec<u8> {
        map_key(RELAYER_STATUS_NAMESPACE, relayer.as_bytes())
    }
    pub fn signer_owner_key(signer: &EvmAddress) -> Vec<u8> {
        map_key(SIGNER_OWNER_NAMESPACE, signer.0.as_slice())
    }
    pub fn signer_set_key(epoch: u64) -> Vec<u8> {
        map_key(SIGNER_SETS_NAMESPACE, &epoch.to_be_bytes())
    }
    pub fn current_epoch_key() -> Vec<u8> {
        CURRENT_EPOCH_KEY.as_bytes().to_vec()
    }
}
