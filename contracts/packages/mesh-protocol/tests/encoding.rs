//! Hashes are checked against an independent `abi.encode` of the documented field lists.
mod common;

use alloy_sol_types::SolValue;
use common::*;
use mesh_protocol::eip712::*;
use mesh_protocol::*;
use proptest::prelude::*;

fn manual_action_hash(a: &Action) -> B256 {
    let typehash =
        keccak256("Action(bytes32 target,bytes32 dataHash,bytes32 outputToken,uint256 minOut,uint64 gasLimit)");
    keccak256(
        (typehash, a.target.0, keccak256(&a.data.0), a.output_token.0, a.min_out.0, U256::from(a.gas_limit))
            .abi_encode(),
    )
}

fn manual_leg_hash(leg: &Leg) -> B256 {
    let typehash = keccak256(
        "Leg(uint64 domain,bytes32 router,bytes32 depositor,bytes32 token,uint256 amount,bytes32 recipient,bytes32 action,uint8 kind,uint64 origin)",
    );
    let action = leg.action.as_ref().map(manual_action_hash).unwrap_or_default();
    keccak256(
        (
            typehash,
            U256::from(leg.domain),
            leg.router.0,
            leg.depositor.0,
            leg.token.0,
            leg.amount.0,
            leg.recipient.0,
            action,
            U256::from(leg.kind.code()),
            U256::from(leg.kind.origin()),
        )
            .abi_encode(),
    )
}

fn manual_bundle_id(hub: &HubDomain, b: &Bundle) -> B256 {
    let typehash = keccak256(
        "Bundle(bytes32 hubDomain,bytes32 creator,uint64 nonce,uint64 lockDeadline,uint64 settleDeadline,Leg[] legs)\
         Leg(uint64 domain,bytes32 router,bytes32 depositor,bytes32 token,uint256 amount,bytes32 recipient,bytes32 action,uint8 kind,uint64 origin)",
    );
    let legs: Vec<u8> = b.legs.iter().flat_map(|l| manual_leg_hash(l).0).collect();
    keccak256(
        (
            typehash,
            hub.separator(),
            keccak256(b.creator.as_bytes()),
            U256::from(b.nonce),
            U256::from(b.lock_deadline),
            U256::from(b.settle_deadline),
            keccak256(legs),
        )
            .abi_encode(),
    )
}

#[test]
fn domain_separator_is_name_version_salt() {
    let hub = HubDomain::new("mesh-devnet-1", "inj1log");
    let typehash = keccak256("EIP712Domain(string name,string version,bytes32 salt)");
    let salt = keccak256((keccak256("mesh-devnet-1"), keccak256("inj1log")).abi_encode());
    let expected = keccak256((typehash, keccak256("AtomicMesh"), keccak256("4"), salt).abi_encode());
    assert_eq!(hub.separator(), expected);
    assert_ne!(hub.separator(), HubDomain::new("mesh-devnet-2", "inj1log").separator());
}

/// Audit finding 5: two deployments on one hub chain (a migration, a staging copy) must never
/// share a signature, or an honest relayer "equivocates" and attested roots replay between them.
#[test]
fn second_deployment_on_one_hub_chain_cannot_replay_a_signed_root() {
    let live = HubDomain::new("mesh-devnet-1", "inj1live");
    let staging = HubDomain::new("mesh-devnet-1", "inj1staging");
    let batch = SettlementBatch { epoch: 1, batch_index: 0, root: Hash32(keccak256("root")) };
    assert_ne!(live.separator(), staging.separator());
    assert_ne!(settlement_batch_digest(&live, &batch), settlement_batch_digest(&staging, &batch));
    assert_ne!(bundle_id(&live, &sample_bundle()), bundle_id(&staging, &sample_bundle()));
    // No ambiguity from concatenation: the parts are hashed apart.
    assert_ne!(HubDomain::new("ab", "c").separator(), HubDomain::new("a", "bc").separator());
}

#[test]
fn type_strings_are_the_documented_ones() {
    let strings: std::collections::BTreeMap<_, _> = type_strings().into_iter().collect();
    assert_eq!(strings["Settlement"], "Settlement(bytes32 bundleId,uint8 verdict)");
    assert_eq!(strings["SettlementBatch"], "SettlementBatch(uint64 epoch,uint64 batchIndex,bytes32 root)");
    assert_eq!(strings["SignerSetUpdate"], "SignerSetUpdate(uint64 newEpoch,bytes32 signersHash)");
    assert_eq!(
        strings["SignerSet"],
        "SignerSet(address[] signers,uint256[] weights,uint256 threshold,uint64 expiresAt)"
    );
    assert_eq!(strings["RelayerKey"], "RelayerKey(string relayer)");
}

#[test]
fn settlement_leaf_and_digests_match_manual_encoding() {
    let hub = HubDomain::new("mesh-devnet-1", "inj1log");
    let id = bundle_id(&hub, &sample_bundle());
    let th = keccak256("Settlement(bytes32 bundleId,uint8 verdict)");
    assert_eq!(settlement_leaf(id, Verdict::Commit), keccak256((th, id, U256::from(1)).abi_encode()));
    assert_eq!(settlement_leaf(id, Verdict::Abort), keccak256((th, id, U256::from(2)).abi_encode()));

    let batch = SettlementBatch { epoch: 3, batch_index: 9, root: Hash32(keccak256("root")) };
    let th = keccak256("SettlementBatch(uint64 epoch,uint64 batchIndex,bytes32 root)");
    let struct_hash = keccak256((th, U256::from(3), U256::from(9), batch.root.0).abi_encode());
    let mut pre = vec![0x19, 0x01];
    pre.extend_from_slice(hub.separator().as_slice());
    pre.extend_from_slice(struct_hash.as_slice());
    assert_eq!(settlement_batch_digest(&hub, &batch), keccak256(pre));
}

#[test]
fn signer_set_hash_covers_every_member_weight_and_threshold() {
    let set = SignerSet {
        epoch: 1,
        signers: vec![
            WeightedSigner { address: evm(1), weight: Amount::from(10) },
            WeightedSigner { address: evm(2), weight: Amount::from(20) },
        ],
        threshold: Amount::from(20),
        expires_at: 7_000,
    };
    let th = keccak256("SignerSet(address[] signers,uint256[] weights,uint256 threshold,uint64 expiresAt)");
    let signers: Vec<u8> = [evm(1), evm(2)].iter().flat_map(|a| a.0.into_word().0).collect();
    let weights: Vec<u8> = [10u64, 20].iter().flat_map(|w| U256::from(*w).to_be_bytes::<32>()).collect();
    let expected =
        keccak256((th, keccak256(signers), keccak256(weights), U256::from(20), U256::from(7_000)).abi_encode());
    assert_eq!(signer_set_hash(&set), expected);

    let mut other = set.clone();
    other.expires_at += 1;
    assert_ne!(signer_set_hash(&other), expected, "the expiry is signed into the set");

    let mut other = set.clone();
    other.threshold = Amount::from(21);
    assert_ne!(signer_set_hash(&other), expected);
    let mut other = set.clone();
    other.epoch = 2;
    assert_eq!(signer_set_hash(&other), expected, "the epoch is carried by SignerSetUpdate, not the set hash");
}

#[test]
fn bundle_validation_names_the_problem() {
    let mut b = sample_bundle();
    b.legs.clear();
    assert_eq!(b.validate(), Err(ProtocolError::NoLegs));
    let mut b = sample_bundle();
    b.legs = vec![sample_leg(1, 1, 1); MAX_LEGS + 1];
    assert_eq!(b.validate(), Err(ProtocolError::TooManyLegs { count: MAX_LEGS + 1, max: MAX_LEGS }));
    let mut b = sample_bundle();
    b.settle_deadline = b.lock_deadline;
    assert!(matches!(b.validate(), Err(ProtocolError::DeadlinesOutOfOrder { .. })));
    for field in ["router", "depositor", "token", "recipient"] {
        let mut b = sample_bundle();
        let leg = &mut b.legs[1];
        *match field {
            "router" => &mut leg.router,
            "depositor" => &mut leg.depositor,
            "token" => &mut leg.token,
            _ => &mut leg.recipient,
        } = AccountId::ZERO;
        assert_eq!(b.validate(), Err(ProtocolError::ZeroAccount { index: 1, field }));
    }
    let mut b = sample_bundle();
    b.legs[0].amount = Amount::from(0);
    assert_eq!(b.validate(), Err(ProtocolError::ZeroAmount { index: 0 }));
    let mut b = sample_bundle();
    b.legs[1].domain = 0;
    assert_eq!(b.validate(), Err(ProtocolError::ZeroDomain { index: 1 }));
    let mut b = sample_bundle();
    b.creator.clear();
    assert_eq!(b.validate(), Err(ProtocolError::EmptyCreator));
    assert_eq!(sample_bundle().validate(), Ok(()));
}

#[test]
fn signer_set_validation_names_the_problem() {
    let ws = |a: u8, w: u128| WeightedSigner { address: evm(a), weight: Amount::from(w) };
    let set = |signers: Vec<WeightedSigner>, t: u128| SignerSet {
        epoch: 0,
        signers,
        threshold: Amount::from(t),
        expires_at: 1,
    };
    assert_eq!(set(vec![], 1).validate(), Err(ProtocolError::EmptySignerSet));
    assert!(matches!(
        set(vec![ws(2, 1), ws(1, 1)], 1).validate(),
        Err(ProtocolError::SignersNotSorted { index: 1, .. })
    ));
    assert!(matches!(set(vec![ws(1, 1), ws(1, 1)], 1).validate(), Err(ProtocolError::SignersNotSorted { .. })));
    assert_eq!(set(vec![ws(0, 1)], 1).validate(), Err(ProtocolError::ZeroSigner { index: 0 }));
    assert!(matches!(set(vec![ws(1, 0)], 1).validate(), Err(ProtocolError::ZeroWeight { .. })));
    assert_eq!(set(vec![ws(1, 5)], 6).validate(), Err(ProtocolError::BadThreshold { threshold: 6, total: 5 }));
    assert_eq!(set(vec![ws(1, 5)], 0).validate(), Err(ProtocolError::BadThreshold { threshold: 0, total: 5 }));
    let many: Vec<_> = (1..=MAX_SIGNERS as u8 + 1).map(|i| ws(i, 1)).collect();
    assert!(matches!(set(many, 1).validate(), Err(ProtocolError::TooManySigners { .. })));
    let good = set(vec![ws(1, 5), ws(2, 7)], 9);
    assert_eq!(good.validate(), Ok(()));
    assert_eq!(good.weight_of(&evm(2)), Some(U256::from(7)));
    assert_eq!(good.weight_of(&evm(3)), None);
}

#[test]
fn json_form_is_strict() {
    let json = serde_json::to_value(sample_bundle()).unwrap();
    assert_eq!(json["legs"][0]["amount"], "200");
    assert_eq!(json["legs"][0]["router"], "0x0000000000000000000000001111111111111111111111111111111111111111");
    assert_eq!(json["legs"][0]["domain"], 31337);
    let back: Bundle = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, sample_bundle());

    let mut extra = json.clone();
    extra["surprise"] = 1.into();
    assert!(serde_json::from_value::<Bundle>(extra).is_err(), "unknown fields are refused");
    let mut bad = json.clone();
    bad["legs"][0]["amount"] = "01".into();
    assert!(serde_json::from_value::<Bundle>(bad).is_err(), "leading zeros are refused");
    let mut bad = json.clone();
    bad["legs"][0]["amount"] = "-1".into();
    assert!(serde_json::from_value::<Bundle>(bad).is_err());
    let mut bad = json;
    bad["legs"][0]["token"] = "0x111111111111111111111111111111111111111".into();
    assert!(serde_json::from_value::<Bundle>(bad.clone()).is_err(), "39 hex digits are refused");
    bad["legs"][0]["token"] = "0x1111111111111111111111111111111111111111".into();
    assert!(serde_json::from_value::<Bundle>(bad.clone()).is_err(), "a bare 20-byte address is refused: 64 digits");
    bad["legs"][0]["token"] = "1111111111111111111111111111111111111111111111111111111111111111".into();
    assert!(serde_json::from_value::<Bundle>(bad).is_err(), "the 0x prefix is required");
}

#[test]
fn evm_addresses_map_to_left_padded_account_ids_and_back() {
    let a = Address::repeat_byte(0xab);
    let id = AccountId::from_evm(a);
    assert_eq!(id.to_string(), format!("0x{}{}", "00".repeat(12), "ab".repeat(20)));
    assert_eq!(id, AccountId::from(EvmAddress(a)));
    assert_eq!(id.to_evm(), Some(a));
    assert!(id.is_evm_shaped());
    for byte in 0..12 {
        let mut wide = id;
        wide.0[byte] = 1;
        assert_eq!(wide.to_evm(), None, "byte {byte} set: not an EVM account");
    }
    assert_eq!(AccountId::parse(&id.to_string()), Ok(id));
    assert_eq!(AccountId::parse(&id.to_string().to_uppercase().replace("0X", "0x")), Ok(id));
}

#[test]
fn cosmos_addresses_of_20_or_32_bytes_map_to_account_ids() {
    // Injective accounts and contracts: 20 bytes, left-padded (the same id as the EVM address
    // with those bytes, which is what Injective's EVM view of the account is).
    let short = [0x5au8; 20];
    let id = AccountId::from_cosmos_bytes(&short).unwrap();
    assert_eq!(id, AccountId::from_evm(Address::from(short)));
    assert_eq!(id.to_cosmos_bytes(), short.to_vec());
    // Standard wasmd contracts: 32 bytes, taken as they are.
    let long = [0xc3u8; 32];
    let id = AccountId::from_cosmos_bytes(&long).unwrap();
    assert_eq!(id.0, B256::from(long));
    assert_eq!(id.to_evm(), None);
    assert_eq!(id.to_cosmos_bytes(), long.to_vec());
    for len in [0usize, 19, 21, 31, 33, 64] {
        assert_eq!(AccountId::from_cosmos_bytes(&vec![1; len]), Err(ProtocolError::AccountLength { len }));
    }
}

/// Replay across domains: the leg hash binds the domain and every 32-byte account, so a leg
/// signed into a bundle for one domain (or one router) is not a leg of any other.
#[test]
fn the_leg_hash_binds_the_domain_and_all_32_bytes_of_each_account() {
    let leg = sample_leg(7, 0x11, 200);
    let h = leg_hash(&leg);
    let mut other = leg.clone();
    other.domain = 8;
    assert_ne!(leg_hash(&other), h);
    for byte in [0usize, 11, 12, 31] {
        let mut other = leg.clone();
        other.router.0[byte] ^= 1;
        assert_ne!(leg_hash(&other), h, "router byte {byte}");
    }
}

/// Nothing signed under the v1 domain (20-byte legs) verifies under v2: the version is part of
/// the domain separator, hence of every digest and every bundle id.
#[test]
fn a_v1_signed_batch_digest_differs_from_v2() {
    let hub = HubDomain::new("mesh-devnet-1", "inj1log");
    let typehash = keccak256("EIP712Domain(string name,string version,bytes32 salt)");
    let v1 = keccak256((typehash, keccak256("AtomicMesh"), keccak256("1"), hub.salt()).abi_encode());
    assert_eq!(DOMAIN_VERSION, "4");
    assert_ne!(hub.separator(), v1);
    let batch = SettlementBatch { epoch: 1, batch_index: 0, root: Hash32(keccak256("root")) };
    let struct_hash = keccak256(
        (
            keccak256("SettlementBatch(uint64 epoch,uint64 batchIndex,bytes32 root)"),
            U256::from(1),
            U256::from(0),
            batch.root.0,
        )
            .abi_encode(),
    );
    let v1_digest = keccak256([&[0x19u8, 0x01][..], v1.as_slice(), struct_hash.as_slice()].concat());
    let current = keccak256([&[0x19u8, 0x01][..], hub.separator().as_slice(), struct_hash.as_slice()].concat());
    assert_eq!(settlement_batch_digest(&hub, &batch), current);
    assert_ne!(settlement_batch_digest(&hub, &batch), v1_digest);
}

/// Nothing signed under the v2 domain (legs without actions) verifies under v3.
#[test]
fn a_v2_signed_batch_digest_differs_from_v3() {
    let hub = HubDomain::new("mesh-devnet-1", "inj1log");
    let typehash = keccak256("EIP712Domain(string name,string version,bytes32 salt)");
    let v2 = keccak256((typehash, keccak256("AtomicMesh"), keccak256("2"), hub.salt()).abi_encode());
    assert_ne!(hub.separator(), v2);
    let batch = SettlementBatch { epoch: 1, batch_index: 0, root: Hash32(keccak256("root")) };
    let struct_hash = keccak256(
        (
            keccak256("SettlementBatch(uint64 epoch,uint64 batchIndex,bytes32 root)"),
            U256::from(1),
            U256::from(0),
            batch.root.0,
        )
            .abi_encode(),
    );
    let v2_digest = keccak256([&[0x19u8, 0x01][..], v2.as_slice(), struct_hash.as_slice()].concat());
    assert_ne!(settlement_batch_digest(&hub, &batch), v2_digest);
}

/// Every field of an action is bound by the leg hash, and a leg with an action never hashes
/// like the same leg without one (`action = 0`).
#[test]
fn every_action_field_changes_the_leg_hash() {
    let mut leg = sample_leg(31337, 7, 100);
    let plain = leg_hash(&leg);
    let action = Action {
        target: AccountId(B256::repeat_byte(1)),
        data: vec![1, 2, 3].into(),
        output_token: AccountId(B256::repeat_byte(2)),
        min_out: Amount::from(5u128),
        gas_limit: 100_000,
    };
    leg.action = Some(action.clone());
    let with = leg_hash(&leg);
    assert_ne!(with, plain);
    let variants = [
        Action { target: AccountId(B256::repeat_byte(9)), ..action.clone() },
        Action { data: vec![1, 2, 4].into(), ..action.clone() },
        Action { data: Vec::new().into(), ..action.clone() },
        Action { output_token: AccountId(B256::repeat_byte(9)), ..action.clone() },
        Action { min_out: Amount::from(6u128), ..action.clone() },
        Action { gas_limit: 100_001, ..action.clone() },
    ];
    for v in variants {
        leg.action = Some(v.clone());
        assert_ne!(leg_hash(&leg), with, "{v:?}");
    }
}

/// An action's JSON is strict: unknown fields and odd-length calldata are refused; a leg without
/// an action serialises without the field (so plain legs keep their JSON).
#[test]
fn action_json_is_strict_and_absent_for_plain_legs() {
    let leg = sample_leg(31337, 3, 100);
    let json = serde_json::to_value(&leg).unwrap();
    assert!(json.get("action").is_none());
    let mut with = json.clone();
    with["action"] = serde_json::json!({
        "target": AccountId(B256::repeat_byte(1)), "data": "0x0102", "output_token": AccountId(B256::repeat_byte(2)),
        "min_out": "5", "gas_limit": 100
    });
    let parsed: Leg = serde_json::from_value(with.clone()).unwrap();
    assert_eq!(parsed.action.unwrap().data.0, vec![1, 2]);
    let mut odd = with.clone();
    odd["action"]["data"] = "0x010".into();
    assert!(serde_json::from_value::<Leg>(odd).is_err());
    let mut extra = with;
    extra["action"]["calldata"] = "0x".into();
    assert!(serde_json::from_value::<Leg>(extra).is_err());
}

/// Nothing signed under the v3 domain (legs without a kind) verifies under v4.
#[test]
fn a_v3_domain_differs_from_v4() {
    let hub = HubDomain::new("mesh-devnet-1", "inj1log");
    let typehash = keccak256("EIP712Domain(string name,string version,bytes32 salt)");
    let v3 = keccak256((typehash, keccak256("AtomicMesh"), keccak256("3"), hub.salt()).abi_encode());
    assert_ne!(hub.separator(), v3);
}

/// A lock-and-mint pair: leg 0 locks on domain 1, leg 1 mints on domain 2; leg 2 burns on
/// domain 2, leg 3 releases on domain 1 (the way back).
fn mint_bundle() -> Bundle {
    let router = |d: u8| AccountId(B256::left_padding_from(&[d]));
    let user = AccountId(B256::repeat_byte(0x0a));
    let usdc = AccountId(B256::repeat_byte(0x0c));
    let leg = |domain: u64, kind: LegKind, amount: u128| {
        let r = router(domain as u8);
        let (depositor, recipient) = match kind {
            LegKind::Lock | LegKind::Burn { .. } => (user, r),
            _ => (r, user),
        };
        Leg { domain, router: r, depositor, token: usdc, amount: Amount::from(amount), recipient, action: None, kind }
    };
    Bundle {
        creator: "inj1c".into(),
        nonce: 1,
        lock_deadline: 10,
        settle_deadline: 20,
        legs: vec![
            leg(1, LegKind::Lock, 100),
            leg(2, LegKind::Mint { origin_domain: 1 }, 100),
            leg(2, LegKind::Burn { origin_domain: 1 }, 40),
            leg(1, LegKind::Release, 40),
        ],
    }
}

#[test]
fn a_mint_matched_by_a_lock_of_the_same_token_and_amount_is_valid() {
    assert_eq!(mint_bundle().validate(), Ok(()));
}

#[test]
fn a_mint_without_a_matching_lock_is_refused() {
    let mut b = mint_bundle();
    b.legs[1].amount = Amount::from(101u128);
    assert_eq!(b.validate(), Err(ProtocolError::UnmatchedLeg { index: 1, kind: 2 }), "more minted than locked");
    let mut b = mint_bundle();
    b.legs.remove(0);
    assert_eq!(b.validate(), Err(ProtocolError::UnmatchedLeg { index: 0, kind: 2 }), "no lock at all");
    let mut b = mint_bundle();
    b.legs[1].token = AccountId(B256::repeat_byte(0x0d));
    assert_eq!(b.validate(), Err(ProtocolError::UnmatchedLeg { index: 1, kind: 2 }), "another token");
    let mut b = mint_bundle();
    b.legs[1].kind = LegKind::Mint { origin_domain: 3 };
    assert_eq!(b.validate(), Err(ProtocolError::UnmatchedLeg { index: 1, kind: 2 }), "locked on another domain");
}

#[test]
fn one_lock_cannot_back_two_mints() {
    let mut b = mint_bundle();
    let second = b.legs[1].clone();
    b.legs.push(second);
    assert_eq!(b.validate(), Err(ProtocolError::UnmatchedLeg { index: 4, kind: 2 }));
}

#[test]
fn a_release_without_a_matching_burn_is_refused() {
    let mut b = mint_bundle();
    b.legs.remove(2);
    assert_eq!(b.validate(), Err(ProtocolError::UnmatchedLeg { index: 2, kind: 4 }));
    let mut b = mint_bundle();
    b.legs[3].amount = Amount::from(41u128);
    assert_eq!(b.validate(), Err(ProtocolError::UnmatchedLeg { index: 3, kind: 4 }));
}

#[test]
fn an_unmatched_lock_or_burn_is_refused_because_conservation_is_an_equality() {
    let mut b = mint_bundle();
    b.legs.truncate(3);
    assert_eq!(b.validate(), Err(ProtocolError::UnmatchedLeg { index: 2, kind: 3 }), "burn without release");
    let mut b = mint_bundle();
    b.legs.remove(1);
    assert_eq!(b.validate(), Err(ProtocolError::UnmatchedLeg { index: 0, kind: 1 }), "lock without mint");
}

#[test]
fn kinds_are_checked_leg_by_leg() {
    let mut b = mint_bundle();
    b.legs[1].kind = LegKind::Mint { origin_domain: 2 };
    assert!(matches!(b.validate(), Err(ProtocolError::BadKind { index: 1, .. })), "mint on its origin");
    let mut b = mint_bundle();
    b.legs[1].kind = LegKind::Mint { origin_domain: 0 };
    assert!(matches!(b.validate(), Err(ProtocolError::BadKind { index: 1, .. })));
    let mut b = mint_bundle();
    b.legs[0].recipient = b.legs[0].depositor;
    assert!(matches!(b.validate(), Err(ProtocolError::BadKind { index: 0, .. })), "a lock pays no one");
    let mut b = mint_bundle();
    b.legs[1].depositor = b.legs[1].recipient;
    assert!(matches!(b.validate(), Err(ProtocolError::BadKind { index: 1, .. })), "nobody deposits for a mint");
    let mut b = mint_bundle();
    b.legs[1].action = Some(Action {
        target: AccountId(B256::repeat_byte(1)),
        data: vec![].into(),
        output_token: AccountId(B256::repeat_byte(2)),
        min_out: Amount::from(0u128),
        gas_limit: 1,
    });
    assert_eq!(b.validate(), Err(ProtocolError::ActionOnKind { index: 1 }));
}

/// The kind and its origin are bound by the leg hash; a v3-shaped JSON leg (no kind) is an escrow
/// leg and serialises without the field.
#[test]
fn the_kind_changes_the_leg_hash_and_is_absent_from_escrow_json() {
    let b = mint_bundle();
    let mut seen = std::collections::HashSet::new();
    for kind in [
        LegKind::Escrow,
        LegKind::Lock,
        LegKind::Mint { origin_domain: 1 },
        LegKind::Mint { origin_domain: 3 },
        LegKind::Burn { origin_domain: 1 },
        LegKind::Release,
    ] {
        let leg = Leg { kind, ..b.legs[1].clone() };
        assert_eq!(leg_hash(&leg), manual_leg_hash(&leg));
        assert!(seen.insert(leg_hash(&leg)), "{kind:?}");
    }
    let plain = serde_json::to_value(sample_leg(31337, 3, 100)).unwrap();
    assert!(plain.get("kind").is_none());
    let mint = serde_json::to_value(&b.legs[1]).unwrap();
    assert_eq!(mint["kind"], serde_json::json!({ "mint": { "origin_domain": 1 } }));
    assert_eq!(serde_json::to_value(&b.legs[0]).unwrap()["kind"], "lock");
    assert_eq!(serde_json::from_value::<Leg>(mint).unwrap(), b.legs[1]);
}

#[test]
fn checksummed_addresses_are_checked() {
    let a = Address::repeat_byte(0xab).to_checksum(None);
    assert!(EvmAddress::parse(&a).is_ok());
    assert!(EvmAddress::parse(&a.to_lowercase()).is_ok());
    let mut wrong: Vec<char> = a.chars().collect();
    let pos = wrong.iter().rposition(|c| c.is_ascii_alphabetic() && *c != 'x').unwrap();
    wrong[pos] =
        if wrong[pos].is_ascii_uppercase() { wrong[pos].to_ascii_lowercase() } else { wrong[pos].to_ascii_uppercase() };
    let wrong: String = wrong.into_iter().collect();
    assert_eq!(EvmAddress::parse(&wrong), Err(ProtocolError::Hex("address has a wrong EIP-55 checksum")));
}

#[test]
fn verdict_codes_round_trip() {
    for v in [Verdict::Commit, Verdict::Abort] {
        assert_eq!(Verdict::from_code(v.code()), Some(v));
    }
    assert_eq!(Verdict::from_code(0), None);
    assert_eq!(Verdict::from_code(3), None);
}

proptest! {
    #[test]
    fn leg_hash_matches_abi_encoding(leg in arb_leg()) {
        prop_assert_eq!(leg_hash(&leg), manual_leg_hash(&leg));
    }

    #[test]
    fn bundle_id_matches_abi_encoding_and_binds_every_field(b in arb_bundle(), which in 0usize..6, flip in 1u64..1000) {
        let hub = HubDomain::new("mesh-devnet-1", "inj1log");
        let id = bundle_id(&hub, &b);
        prop_assert_eq!(id, manual_bundle_id(&hub, &b));
        let mut c = b.clone();
        match which {
            0 => c.creator.push('x'),
            1 => c.nonce = c.nonce.wrapping_add(flip),
            2 => c.lock_deadline = c.lock_deadline.wrapping_add(flip),
            3 => c.settle_deadline = c.settle_deadline.wrapping_add(flip),
            4 => c.legs[0].amount = Amount(c.legs[0].amount.0.wrapping_add(U256::from(flip))),
            _ => { let l = c.legs[0].clone(); c.legs.push(l); }
        }
        prop_assert_ne!(bundle_id(&hub, &c), id);
        prop_assert_ne!(bundle_id(&HubDomain::new("other-hub", "inj1log"), &b), id, "the hub domain is bound");
    }

    #[test]
    fn bundles_round_trip_through_json(b in arb_bundle()) {
        let s = serde_json::to_string(&b).unwrap();
        prop_assert_eq!(serde_json::from_str::<Bundle>(&s).unwrap(), b.clone());
        prop_assert!(b.validate().is_ok());
    }

    #[test]
    fn commit_and_abort_leaves_differ(id in any::<[u8; 32]>()) {
        let id = B256::from(id);
        prop_assert_ne!(settlement_leaf(id, Verdict::Commit), settlement_leaf(id, Verdict::Abort));
    }
}

/// `examples/bundle.json` (what `mesh protocol hash-bundle` reads) is a valid v2 bundle.
#[test]
fn the_example_bundle_is_a_valid_v2_bundle() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../examples/bundle.json");
    let b: Bundle = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(b.validate(), Ok(()));
    assert!(b.legs.iter().all(|l| l.router.to_evm().is_some() && l.depositor.to_evm().is_some()));
}
