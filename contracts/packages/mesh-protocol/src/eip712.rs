//! Typed-data hashing (EIP-712) of every protocol object.
//!
//! Struct hashes are computed by `alloy-sol-types` from the Solidity struct definitions below,
//! so the type strings, field order and encodings are exactly those a Solidity `abi.encode`
//! reproduces (docs/protocol.md lists them).

use std::borrow::Cow;

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_sol_types::{sol, Eip712Domain, SolStruct};

use crate::types::{Action, Bundle, Leg, SettlementBatch, SignerSet, SignerSetUpdate, Verdict};

/// EIP-712 domain name shared by every statement of the hub.
pub const DOMAIN_NAME: &str = "AtomicMesh";
/// EIP-712 domain version: "4" since a leg has a kind (lock-and-mint; version 3 added actions,
/// version 2 made legs VM-neutral), so that nothing signed under an earlier encoding verifies.
pub const DOMAIN_VERSION: &str = "4";

/// Solidity definitions of the hashed structs; the single source of the type strings.
pub mod sol_types {
    use super::sol;
    sol! {
        struct Leg {
            uint64 domain;
            bytes32 router;
            bytes32 depositor;
            bytes32 token;
            uint256 amount;
            bytes32 recipient;
            bytes32 action;
            uint8 kind;
            uint64 origin;
        }
        struct Action {
            bytes32 target;
            bytes32 dataHash;
            bytes32 outputToken;
            uint256 minOut;
            uint64 gasLimit;
        }
        struct Bundle {
            bytes32 hubDomain;
            bytes32 creator;
            uint64 nonce;
            uint64 lockDeadline;
            uint64 settleDeadline;
            Leg[] legs;
        }
        struct Settlement {
            bytes32 bundleId;
            uint8 verdict;
        }
        struct SettlementBatch {
            uint64 epoch;
            uint64 batchIndex;
            bytes32 root;
        }
        struct SignerSet {
            address[] signers;
            uint256[] weights;
            uint256 threshold;
            uint64 expiresAt;
        }
        struct SignerSetUpdate {
            uint64 newEpoch;
            bytes32 signersHash;
        }
        struct RelayerKey {
            string relayer;
        }
    }
}

/// Identifies one hub: the EIP-712 domain every hub statement is signed under.
///
/// The domain carries no `chainId` and no `verifyingContract` on purpose: one signature is
/// verified on every EVM chain. The `salt` binds it to one *deployment* instead: the hub's
/// chain id and the address of the contract whose statements are signed (the bundle-log for
/// batches, signer-set updates and bundle ids; the stake-escrow for a bonding key's proof of
/// possession), so two deployments on one hub chain (a migration, a staging copy) never share
/// a signature: `keccak256(abi.encode(keccak256(bytes(chainId)), keccak256(bytes(deployment))))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubDomain {
    pub hub_chain_id: String,
    /// Bech32 address of the contract the statements belong to.
    pub deployment: String,
}

impl HubDomain {
    pub fn new(hub_chain_id: impl Into<String>, deployment: impl Into<String>) -> Self {
        HubDomain { hub_chain_id: hub_chain_id.into(), deployment: deployment.into() }
    }

    /// `keccak256(abi.encode(keccak256(bytes(hub_chain_id)), keccak256(bytes(deployment))))`.
    pub fn salt(&self) -> B256 {
        let mut buf = [0u8; 64];
        buf[..32].copy_from_slice(keccak256(self.hub_chain_id.as_bytes()).as_slice());
        buf[32..].copy_from_slice(keccak256(self.deployment.as_bytes()).as_slice());
        keccak256(buf)
    }

    pub fn eip712_domain(&self) -> Eip712Domain {
        Eip712Domain::new(
            Some(Cow::Borrowed(DOMAIN_NAME)),
            Some(Cow::Borrowed(DOMAIN_VERSION)),
            None,
            None,
            Some(self.salt()),
        )
    }

    /// The domain separator; also the `hubDomain` field of every bundle id.
    pub fn separator(&self) -> B256 {
        self.eip712_domain().separator()
    }
}

fn sol_leg(leg: &Leg) -> sol_types::Leg {
    sol_types::Leg {
        domain: leg.domain,
        router: leg.router.0,
        depositor: leg.depositor.0,
        token: leg.token.0,
        amount: leg.amount.0,
        recipient: leg.recipient.0,
        action: leg.action.as_ref().map(action_hash).unwrap_or(B256::ZERO),
        kind: leg.kind.code(),
        origin: leg.kind.origin(),
    }
}

/// `hashStruct(Action)` with `dataHash = keccak256(data)`: a leg's `action` field.
pub fn action_hash(action: &Action) -> B256 {
    sol_types::Action {
        target: action.target.0,
        dataHash: keccak256(&action.data.0),
        outputToken: action.output_token.0,
        minOut: action.min_out.0,
        gasLimit: action.gas_limit,
    }
    .eip712_hash_struct()
}

/// `hashStruct(Leg)`: what the Router emits in `LegLocked` and the hub checks reports against.
pub fn leg_hash(leg: &Leg) -> B256 {
    sol_leg(leg).eip712_hash_struct()
}

/// `keccak256(bytes(creator))`: a hub address of any length as a fixed-size field.
pub fn creator_hash(creator: &str) -> B256 {
    keccak256(creator.as_bytes())
}

/// `hashStruct(Bundle)` with `hubDomain` = the hub's domain separator: the bundle's id.
pub fn bundle_id(hub: &HubDomain, bundle: &Bundle) -> B256 {
    sol_types::Bundle {
        hubDomain: hub.separator(),
        creator: creator_hash(&bundle.creator),
        nonce: bundle.nonce,
        lockDeadline: bundle.lock_deadline,
        settleDeadline: bundle.settle_deadline,
        legs: bundle.legs.iter().map(sol_leg).collect(),
    }
    .eip712_hash_struct()
}

/// `hashStruct(Settlement)`: the Merkle leaf for one bundle's verdict, identical on every chain.
pub fn settlement_leaf(bundle_id: B256, verdict: Verdict) -> B256 {
    sol_types::Settlement { bundleId: bundle_id, verdict: verdict.code() }.eip712_hash_struct()
}

/// The digest relayers sign for a batch root.
pub fn settlement_batch_digest(hub: &HubDomain, batch: &SettlementBatch) -> B256 {
    sol_types::SettlementBatch { epoch: batch.epoch, batchIndex: batch.batch_index, root: batch.root.0 }
        .eip712_signing_hash(&hub.eip712_domain())
}

/// `hashStruct(SignerSet)` over the signers in set order and the set's expiry; the epoch is
/// not part of it (the update that hands over to it carries it).
pub fn signer_set_hash(set: &SignerSet) -> B256 {
    sol_types::SignerSet {
        signers: set.signers.iter().map(|s| s.address.0).collect::<Vec<Address>>(),
        weights: set.signers.iter().map(|s| s.weight.0).collect::<Vec<U256>>(),
        threshold: set.threshold.0,
        expiresAt: set.expires_at,
    }
    .eip712_hash_struct()
}

/// The digest the current signer set signs to hand over to the next one.
pub fn signer_set_update_digest(hub: &HubDomain, update: &SignerSetUpdate) -> B256 {
    sol_types::SignerSetUpdate { newEpoch: update.new_epoch, signersHash: update.signers_hash.0 }
        .eip712_signing_hash(&hub.eip712_domain())
}

/// The digest a relayer's EVM key signs to prove it belongs to hub account `relayer` (bonding).
pub fn relayer_key_digest(hub: &HubDomain, relayer: &str) -> B256 {
    sol_types::RelayerKey { relayer: relayer.to_owned() }.eip712_signing_hash(&hub.eip712_domain())
}

/// Every type string, for documentation and for other implementations to check against.
pub fn type_strings() -> Vec<(&'static str, String)> {
    vec![
        ("Leg", sol_types::Leg::eip712_encode_type().into_owned()),
        ("Action", sol_types::Action::eip712_encode_type().into_owned()),
        ("Bundle", sol_types::Bundle::eip712_encode_type().into_owned()),
        ("Settlement", sol_types::Settlement::eip712_encode_type().into_owned()),
        ("SettlementBatch", sol_types::SettlementBatch::eip712_encode_type().into_owned()),
        ("SignerSet", sol_types::SignerSet::eip712_encode_type().into_owned()),
        ("SignerSetUpdate", sol_types::SignerSetUpdate::eip712_encode_type().into_owned()),
        ("RelayerKey", sol_types::RelayerKey::eip712_encode_type().into_owned()),
    ]
}
