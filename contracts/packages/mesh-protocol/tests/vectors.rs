//! Cross-language test vectors: generated here, asserted by the Solidity tests.
//!
//! `vectors/protocol.json` must equal what this code produces; regenerate with
//! `MESH_UPDATE_VECTORS=1 cargo test -p mesh-protocol --test vectors`.
mod common;

use mesh_protocol::eip712::*;
use mesh_protocol::merkle::*;
use mesh_protocol::sig::*;
use mesh_protocol::*;
use serde_json::{json, Value};

const HUB_CHAIN_ID: &str = "mesh-devnet-1";
/// A bundle-log address: the deployment the domain binds.
const DEPLOYMENT: &str = "inj1qg5ega6dykkxc307y25pecuufrjkxkaggkkxh7";

fn h(b: B256) -> String {
    Hash32(b).to_string()
}

fn key(i: u8) -> k256::ecdsa::SigningKey {
    signing_key(&keccak256(format!("atomic-mesh vector signer {i}")).0).unwrap()
}

/// An EVM-shaped account: the left-padded address `keccak256(s)[12..]`.
fn evm_account(s: &str) -> AccountId {
    AccountId::from_evm(Address::from_slice(&keccak256(s)[12..]))
}

/// A full 32-byte account (a standard wasmd contract address, say): `keccak256(s)`.
fn wide_account(s: &str) -> AccountId {
    AccountId(keccak256(s))
}

fn vector_bundles() -> Vec<Bundle> {
    let a = evm_account;
    let leg = |domain, router: &str, dep: &str, token: &str, amount: u128, rcpt: &str| Leg {
        domain,
        router: a(router),
        depositor: a(dep),
        token: a(token),
        amount: Amount::from(amount),
        recipient: a(rcpt),
        action: None,
        kind: Default::default(),
    };
    vec![
        Bundle {
            creator: "inj1creator0000000000000000000000000000".into(),
            nonce: 1,
            lock_deadline: 1_800_000_000,
            settle_deadline: 1_800_000_600,
            legs: vec![leg(31337, "routerA", "alice", "WETH", 200_000_000_000_000_000_000, "bob")],
        },
        Bundle {
            creator: "inj1creator0000000000000000000000000000".into(),
            nonce: 2,
            lock_deadline: 1_800_000_000,
            settle_deadline: 1_800_003_600,
            legs: vec![
                leg(31337, "routerA", "lender", "WETH", 200_000_000_000_000_000_000, "arb"),
                leg(31338, "routerB", "solver", "WETH", 199_000_000_000_000_000_000, "arb"),
                leg(31338, "routerB", "arb", "USDC", 1_000_000_000, "solver"),
                leg(31337, "routerA", "arb", "WETH", 200_400_000_000_000_000_000, "lender"),
            ],
        },
        Bundle {
            creator: "inj1another".into(),
            nonce: u64::MAX,
            lock_deadline: 0,
            settle_deadline: u64::MAX,
            legs: vec![leg(1, "r", "d", "t", u128::MAX, "x"), leg(u64::MAX, "r2", "d2", "t2", 1, "x2")],
        },
        // A leg on a domain whose accounts are 32 bytes (a CosmWasm chain with wasmd contract
        // addresses) beside an EVM leg whose recipient is such an account's 20-byte form.
        Bundle {
            creator: "inj1creator0000000000000000000000000000".into(),
            nonce: 3,
            lock_deadline: 1_800_000_000,
            settle_deadline: 1_800_003_600,
            legs: vec![
                Leg {
                    domain: 3,
                    router: wide_account("wasm router"),
                    depositor: AccountId::from_cosmos_bytes(&keccak256("wasm depositor")[..20]).unwrap(),
                    token: wide_account("wasm cw20"),
                    amount: Amount::from(5_000_000u128),
                    recipient: wide_account("wasm recipient"),
                    action: None,
                    kind: Default::default(),
                },
                leg(31337, "routerA", "lender", "WETH", 1, "arb"),
            ],
        },
        // Legs with actions on COMMIT: a swap on a pool (EVM calldata), a CosmWasm execute
        // message, and an extreme one (empty data, every field at its bound).
        Bundle {
            creator: "inj1creator0000000000000000000000000000".into(),
            nonce: 4,
            lock_deadline: 1_800_000_000,
            settle_deadline: 1_800_003_600,
            legs: vector_actions()
                .into_iter()
                .map(|action| Leg { action: Some(action), ..leg(31338, "routerB", "arb", "WETH", 5, "arb") })
                .chain([leg(31337, "routerA", "lender", "WETH", 1, "arb")])
                .collect(),
        },
        // Lock-and-mint (protocol version 4): USDC locked on 31337 and minted on 31338 in
        // wrapped form, and wrapped USDC burned on 31338 and released on 31337. `token` is the
        // origin token throughout; the router stands for the side nobody holds.
        Bundle {
            creator: "inj1creator0000000000000000000000000000".into(),
            nonce: 5,
            lock_deadline: 1_800_000_000,
            settle_deadline: 1_800_003_600,
            legs: vec![
                Leg { kind: LegKind::Lock, ..leg(31337, "routerA", "alice", "USDC", 1_000_000, "routerA") },
                Leg {
                    kind: LegKind::Mint { origin_domain: 31337 },
                    ..leg(31338, "routerB", "routerB", "USDC", 1_000_000, "bob")
                },
                Leg {
                    kind: LegKind::Burn { origin_domain: 31337 },
                    ..leg(31338, "routerB", "bob", "USDC", 400_000, "routerB")
                },
                Leg { kind: LegKind::Release, ..leg(31337, "routerA", "routerA", "USDC", 400_000, "alice") },
            ],
        },
    ]
}

fn vector_actions() -> Vec<Action> {
    // swap(address tokenIn, uint256 amountIn, uint256 minOut, address to), ABI-encoded
    let mut swap = keccak256("swap(address,uint256,uint256,address)")[..4].to_vec();
    for word in
        [evm_account("WETH").0, B256::from(U256::from(5u64)), B256::from(U256::from(9_000u64)), evm_account("arb").0]
    {
        swap.extend_from_slice(word.as_slice());
    }
    vec![
        Action {
            target: evm_account("pool"),
            data: HexBytes(swap),
            output_token: evm_account("USDC"),
            min_out: Amount::from(9_000u128),
            gas_limit: 300_000,
        },
        Action {
            target: wide_account("wasm pool"),
            data: HexBytes(br#"{"swap":{"belief_price":null,"max_spread":"0.01"}}"#.to_vec()),
            output_token: wide_account("wasm cw20"),
            min_out: Amount::from(1u128),
            gas_limit: 1,
        },
        Action {
            target: wide_account("target"),
            data: HexBytes(Vec::new()),
            output_token: wide_account("output"),
            min_out: Amount(U256::MAX),
            gas_limit: MAX_ACTION_GAS,
        },
    ]
}

fn build() -> Value {
    let hub = HubDomain::new(HUB_CHAIN_ID, DEPLOYMENT);
    let types: serde_json::Map<String, Value> = type_strings()
        .into_iter()
        .map(|(name, s)| (name.to_string(), json!({ "typeString": s, "typeHash": h(keccak256(&s)) })))
        .collect();

    let bundles = vector_bundles();
    let bundle_vectors: Vec<Value> = bundles
        .iter()
        .map(|b| {
            json!({
                "bundle": b,
                "creatorHash": h(creator_hash(&b.creator)),
                "legHashes": b.legs.iter().map(|l| h(leg_hash(l))).collect::<Vec<_>>(),
                "legActionHashes": b
                    .legs
                    .iter()
                    .map(|l| h(l.action.as_ref().map(action_hash).unwrap_or_default()))
                    .collect::<Vec<_>>(),
                "legKinds": b.legs.iter().map(|l| l.kind.code()).collect::<Vec<_>>(),
                "legOrigins": b.legs.iter().map(|l| l.kind.origin()).collect::<Vec<_>>(),
                "bundleId": h(bundle_id(&hub, b)),
                "commitLeaf": h(settlement_leaf(bundle_id(&hub, b), Verdict::Commit)),
                "abortLeaf": h(settlement_leaf(bundle_id(&hub, b), Verdict::Abort)),
            })
        })
        .collect();

    let trees: Vec<Value> = [1usize, 2, 3, 5, 8, 13]
        .iter()
        .map(|&n| {
            let leaves: Vec<B256> = (0..n)
                .map(|i| settlement_leaf(keccak256(format!("bundle {i}")), if i % 3 == 2 { Verdict::Abort } else { Verdict::Commit }))
                .collect();
            json!({
                "leaves": leaves.iter().map(|l| h(*l)).collect::<Vec<_>>(),
                "root": h(merkle_root(&leaves).unwrap()),
                "proofs": (0..n).map(|i| merkle_proof(&leaves, i).unwrap().into_iter().map(h).collect::<Vec<_>>()).collect::<Vec<_>>(),
            })
        })
        .collect();

    let signers: Vec<(k256::ecdsa::SigningKey, Address)> = {
        let mut v: Vec<_> = (1..=4u8)
            .map(|i| {
                let k = key(i);
                let a = signer_address(&k);
                (k, a)
            })
            .collect();
        v.sort_by_key(|(_, a)| *a);
        v
    };
    let batch = SettlementBatch { epoch: 1, batch_index: 0, root: Hash32(keccak256("batch root")) };
    let batch_digest = settlement_batch_digest(&hub, &batch);
    let set = SignerSet {
        epoch: 1,
        signers: signers
            .iter()
            .enumerate()
            .map(|(i, (_, a))| WeightedSigner { address: EvmAddress(*a), weight: Amount::from(100 + i as u128) })
            .collect(),
        threshold: Amount::from(271),
        expires_at: 1_900_000_000,
    };
    set.validate().unwrap();
    let update = SignerSetUpdate { new_epoch: 2, signers_hash: Hash32(signer_set_hash(&set)) };
    let update_digest = signer_set_update_digest(&hub, &update);
    let signatures: Vec<Value> = signers
        .iter()
        .map(|(k, a)| {
            let bs = sign_digest(k, batch_digest);
            let us = sign_digest(k, update_digest);
            assert_eq!(recover_signer(batch_digest, &bs).unwrap(), *a);
            json!({
                "privateKey": h(B256::from_slice(&k.to_bytes())),
                "address": EvmAddress(*a),
                "batchSignature": bs,
                "updateSignature": us,
            })
        })
        .collect();
    let first = sign_digest(&signers[0].0, batch_digest);
    let mut high = first.0;
    let s = U256::from_be_slice(&high[32..64]);
    high[32..64].copy_from_slice(&(SECP256K1_N - s).to_be_bytes::<32>());
    high[64] = if high[64] == 27 { 28 } else { 27 };

    let relayer = "inj1relayer000000000000000000000000000000";
    let relayer_digest = relayer_key_digest(&hub, relayer);

    let locked = mesh_proof_evm::LegLocked {
        bundleId: bundle_id(&hub, &bundles[1]),
        index: 0,
        legHash: leg_hash(&bundles[1].legs[0]),
        depositor: bundles[1].legs[0].depositor.0,
        token: bundles[1].legs[0].token.0,
        amount: bundles[1].legs[0].amount.0,
        settleDeadline: bundles[1].settle_deadline,
    };
    let log = locked.encode_log_data();
    let emitter = bundles[1].legs[0].router.to_evm().unwrap();

    let evm_address = Address::from_slice(&keccak256("routerA")[12..]);
    let cosmos20 = keccak256("an injective account")[..20].to_vec();
    let cosmos32 = keccak256("a wasmd contract").to_vec();
    let accounts = json!({
        "evm": {
            "address": EvmAddress(evm_address),
            "accountId": AccountId::from_evm(evm_address),
        },
        "cosmos20": {
            "bytes": format!("0x{}", hex::encode(&cosmos20)),
            "accountId": AccountId::from_cosmos_bytes(&cosmos20).unwrap(),
        },
        "cosmos32": {
            "bytes": format!("0x{}", hex::encode(&cosmos32)),
            "accountId": AccountId::from_cosmos_bytes(&cosmos32).unwrap(),
        },
    });

    json!({
        "description": "Atomic Mesh cross-language vectors; generated by contracts/packages/mesh-protocol/tests/vectors.rs, see docs/protocol.md",
        "hub": {
            "chainId": HUB_CHAIN_ID,
            "deployment": DEPLOYMENT,
            "salt": h(hub.salt()),
            "domainTypeString": "EIP712Domain(string name,string version,bytes32 salt)",
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "domainSeparator": h(hub.separator()),
        },
        "types": types,
        "bundles": bundle_vectors,
        "actions": vector_actions()
            .iter()
            .map(|a| json!({
                "target": a.target,
                "data": a.data,
                "dataHash": h(keccak256(&a.data.0)),
                "outputToken": a.output_token,
                "minOut": a.min_out,
                "gasLimit": a.gas_limit,
                "hash": h(action_hash(a)),
            }))
            .collect::<Vec<_>>(),
        "merkle": trees,
        "batch": {
            "epoch": batch.epoch,
            "batchIndex": batch.batch_index,
            "root": batch.root,
            "digest": h(batch_digest),
        },
        "signerSet": {
            "epoch": set.epoch,
            "signers": set.signers.iter().map(|s| s.address).collect::<Vec<_>>(),
            "weights": set.signers.iter().map(|s| s.weight).collect::<Vec<_>>(),
            "threshold": set.threshold,
            "expiresAt": set.expires_at,
            "hash": h(signer_set_hash(&set)),
            "updateNewEpoch": update.new_epoch,
            "updateDigest": h(update_digest),
        },
        "signatures": signatures,
        "highSSignature": Signature65(high),
        "relayerKey": {
            "relayer": relayer,
            "digest": h(relayer_digest),
            "signer": EvmAddress(signers[0].1),
            "signature": sign_digest(&signers[0].0, relayer_digest),
        },
        "accounts": accounts,
        "legLocked": {
            "signature": mesh_proof_evm::LegLocked::SIGNATURE,
            "topic0": h(mesh_proof_evm::LegLocked::SIGNATURE_HASH),
            "emitter": EvmAddress(emitter),
            "topics": log.topics().iter().map(|t| h(*t)).collect::<Vec<_>>(),
            "data": format!("0x{}", hex::encode(&log.data)),
        },
    })
}
use alloy_sol_types::SolEvent as _;

#[test]
fn vectors_file_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/protocol.json");
    let fresh = serde_json::to_string_pretty(&build()).unwrap() + "\n";
    if std::env::var_os("MESH_UPDATE_VECTORS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == fresh,
        "{} is stale: regenerate with `MESH_UPDATE_VECTORS=1 cargo test -p mesh-protocol --test vectors`",
        path.display()
    );
}
