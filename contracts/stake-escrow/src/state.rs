//! Storage, private behind small functions.

use cosmwasm_std::{Addr, Order, StdResult, Storage, Uint128};
use cw_storage_plus::{Bound, Item, Map};
use mesh_hub_api::stake_escrow::raw::{
    RelayerStatus, CURRENT_EPOCH_KEY, RELAYER_STATUS_NAMESPACE, SIGNER_OWNER_NAMESPACE, SIGNER_SETS_NAMESPACE,
};
use mesh_protocol::EvmAddress;
use serde::{Deserialize, Serialize};

use crate::msg::UnbondingEntry;

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Config {
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
    pub signer_set_lifetime: u64,
    pub renewal_window: u64,
    pub max_signer_weight_bps: u16,
    pub dispute: Option<Addr>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Relayer {
    pub evm_signer: EvmAddress,
    pub bonded: Uint128,
    /// Sorted by `release_at` ascending (appended in time order).
    pub unbonding: Vec<UnbondingEntry>,
    pub jailed: bool,
    pub jailed_at: Option<u64>,
    pub slashed: Uint128,
    /// Expiry of the newest signer set that includes this relayer's signer (0: never in one).
    #[serde(default)]
    pub locked_until: u64,
    /// Epoch of that set.
    #[serde(default)]
    pub locked_by_epoch: u64,
}

impl Relayer {
    pub fn is_active(&self, cfg: &Config) -> bool {
        !self.jailed && self.bonded >= cfg.min_bond
    }
    pub fn unbonding_total(&self) -> Uint128 {
        self.unbonding.iter().map(|e| e.amount).sum()
    }
    /// Earliest time released unbonding entries may be paid out: the newest set that includes
    /// the relayer expires, then the unbonding period passes (so a signature made just before the
    /// expiry can still be proven); 0 if it was never in a set.
    pub fn claimable_from(&self, cfg: &Config) -> u64 {
        if self.locked_by_epoch == 0 {
            0
        } else {
            self.locked_until.saturating_add(cfg.unbonding_period)
        }
    }
}

/// A signer set as stored (the bundle-log reads it raw: its layout is shared).
pub use mesh_hub_api::stake_escrow::raw::StoredSignerSet as StoredSet;

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Totals {
    pub deposited: Uint128,
    pub bonded: Uint128,
    pub unbonding: Uint128,
    pub claimed: Uint128,
    pub slashed: Uint128,
    pub bounties_paid: Uint128,
    pub sent_to_community_pool: Uint128,
    pub slashed_retained: Uint128,
    #[serde(default)]
    pub retained_withdrawn: Uint128,
}

const CONFIG: Item<Config> = Item::new("config");
const RELAYERS: Map<&Addr, Relayer> = Map::new("relayers");
/// Relayer → its standing, written with every `RELAYERS` change of bond or jailing; the
/// bundle-log reads it raw on every report (`mesh_hub_api::stake_escrow::raw`).
const RELAYER_STATUS: Map<&Addr, RelayerStatus> = Map::new(RELAYER_STATUS_NAMESPACE);
/// EVM signer address bytes → relayer (read raw by the bundle-log).
const SIGNER_OWNER: Map<&[u8], Addr> = Map::new(SIGNER_OWNER_NAMESPACE);
/// Active relayers by (bonded, address): rotation takes the highest stakes without scanning all.
const ACTIVE: Map<(u128, &Addr), ()> = Map::new("active");
/// Read raw by the bundle-log.
const SETS: Map<u64, StoredSet> = Map::new(SIGNER_SETS_NAMESPACE);
/// Read raw by the bundle-log.
const CURRENT_EPOCH: Item<u64> = Item::new(CURRENT_EPOCH_KEY);
const TOTALS: Item<Totals> = Item::new("totals");

pub fn save_config(s: &mut dyn Storage, c: &Config) -> StdResult<()> {
    CONFIG.save(s, c)
}
pub fn config(s: &dyn Storage) -> StdResult<Config> {
    CONFIG.load(s)
}

pub fn relayer(s: &dyn Storage, addr: &Addr) -> StdResult<Option<Relayer>> {
    RELAYERS.may_load(s, addr)
}

/// Saves a relayer and keeps the active index in step with it.
pub fn save_relayer(
    s: &mut dyn Storage,
    cfg: &Config,
    addr: &Addr,
    before: Option<&Relayer>,
    after: &Relayer,
) -> StdResult<()> {
    if let Some(b) = before {
        if b.is_active(cfg) {
            ACTIVE.remove(s, (b.bonded.u128(), addr));
        }
    }
    if after.is_active(cfg) {
        ACTIVE.save(s, (after.bonded.u128(), addr), &())?;
    }
    let status = RelayerStatus {
        evm_signer: after.evm_signer,
        bonded: after.bonded,
        jailed: after.jailed,
        active: after.is_active(cfg),
    };
    if before.is_none_or(|b| b.evm_signer != after.evm_signer || b.bonded != after.bonded || b.jailed != after.jailed) {
        RELAYER_STATUS.save(s, addr, &status)?;
    }
    RELAYERS.save(s, addr, after)
}

/// Records that `addr` is a member of the set of `epoch` expiring at `expires_at` (sets are made
/// in time order with one lifetime, so the newest expiry is the latest). The active index does not
/// change: bonded stake and jailing are untouched.
pub fn lock_member(s: &mut dyn Storage, addr: &Addr, epoch: u64, expires_at: u64) -> StdResult<()> {
    let mut r = RELAYERS.load(s, addr)?;
    if expires_at >= r.locked_until {
        r.locked_until = expires_at;
        r.locked_by_epoch = epoch;
    }
    RELAYERS.save(s, addr, &r)
}

pub fn relayers_page(s: &dyn Storage, start_after: Option<&Addr>, limit: usize) -> StdResult<Vec<(Addr, Relayer)>> {
    RELAYERS.range(s, start_after.map(Bound::exclusive), None, Order::Ascending).take(limit).collect()
}

pub fn signer_owner(s: &dyn Storage, signer: &EvmAddress) -> StdResult<Option<Addr>> {
    SIGNER_OWNER.may_load(s, signer.0.as_slice())
}
pub fn set_signer_owner(s: &mut dyn Storage, signer: &EvmAddress, owner: &Addr) -> StdResult<()> {
    SIGNER_OWNER.save(s, signer.0.as_slice(), owner)
}

/// Up to `limit` active relayers, highest bonded stake first.
pub fn top_active(s: &dyn Storage, limit: usize) -> StdResult<Vec<(u128, Addr)>> {
    ACTIVE.keys(s, None, None, Order::Descending).take(limit).collect()
}

pub fn current_epoch(s: &dyn Storage) -> StdResult<u64> {
    Ok(CURRENT_EPOCH.may_load(s)?.unwrap_or(0))
}
pub fn signer_set(s: &dyn Storage, epoch: u64) -> StdResult<Option<StoredSet>> {
    SETS.may_load(s, epoch)
}
pub fn save_signer_set(s: &mut dyn Storage, set: &StoredSet) -> StdResult<()> {
    SETS.save(s, set.set.epoch, set)?;
    CURRENT_EPOCH.save(s, &set.set.epoch)
}

pub fn totals(s: &dyn Storage) -> StdResult<Totals> {
    Ok(TOTALS.may_load(s)?.unwrap_or_default())
}
pub fn save_totals(s: &mut dyn Storage, t: &Totals) -> StdResult<()> {
    TOTALS.save(s, t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mesh_hub_api::stake_escrow::raw;

    /// The bundle-log reads these keys raw: they must be the ones this contract writes.
    #[test]
    fn the_raw_keys_the_bundle_log_reads_are_the_keys_written_here() {
        let relayer = Addr::unchecked("inj1relayer");
        let signer = EvmAddress(mesh_protocol::Address::repeat_byte(7));
        assert_eq!(RELAYER_STATUS.key(&relayer).to_vec(), raw::relayer_status_key(&relayer));
        assert_eq!(SIGNER_OWNER.key(signer.0.as_slice()).to_vec(), raw::signer_owner_key(&signer));
        assert_eq!(SETS.key(42).to_vec(), raw::signer_set_key(42));
        assert_eq!(CURRENT_EPOCH.as_slice(), raw::current_epoch_key().as_slice());
    }
}
