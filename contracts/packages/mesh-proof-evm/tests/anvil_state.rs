//! State proofs against a real node: anvil holds a Router-shaped contract whose `_escrows` words
//! are written with `anvil_setStorageAt` exactly where MeshRouter keeps them; the header RLP rebuilt
//! from the RPC fields hashes to anvil's block hash, and `eth_getProof` for the escrow words
//! verifies against the header's state root: the locked leg's `legHash` and status (inclusion),
//! an unlocked leg's zero word (exclusion), the state *after* a block (a write in the next block
//! is not in it), and a one-byte change anywhere is refused.
//!
//! Needs `scripts/setup-tools.sh` to have run (see anvil_receipts.rs).
mod common;

use mesh_proof_evm::state::*;
use mesh_proof_evm::*;
use mesh_protocol::*;
use serde_json::{json, Value};

use common::anvil::*;

const ROUTER: &str = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

fn word_hex(w: B256) -> String {
    format!("{w}")
}

struct Fetched {
    header: HeaderInfo,
    account_proof: Vec<Bytes>,
    storage_proofs: Vec<(B256, U256, Vec<Bytes>)>,
}

fn nodes(v: &Value) -> Vec<Bytes> {
    v.as_array().unwrap().iter().map(|n| Bytes::from(hex_bytes(n))).collect()
}

/// `eth_getProof(address, slots, number)` and the header of block `number`.
fn fetch(anvil: &Anvil, address: Address, slots: &[B256], number: u64) -> Fetched {
    let block = anvil.rpc("eth_getBlockByNumber", json!([format!("{number:#x}"), false]));
    let rlp = header_rlp(&block);
    let header = decode_header(&rlp).unwrap();
    assert_eq!(Hash32(header.hash).to_string(), block["hash"].as_str().unwrap(), "header hash = anvil's block hash");
    assert_eq!(format!("{}", header.state_root), block["stateRoot"].as_str().unwrap());
    let keys: Vec<String> = slots.iter().map(|s| word_hex(*s)).collect();
    let p = anvil.rpc("eth_getProof", json!([format!("{address}"), keys, format!("{number:#x}")]));
    let storage_proofs = p["storageProof"]
        .as_array()
        .unwrap()
        .iter()
        .zip(slots)
        .map(|(sp, slot)| {
            (
                *slot,
                U256::from_str_radix(sp["value"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap(),
                nodes(&sp["proof"]),
            )
        })
        .collect();
    Fetched { header, account_proof: nodes(&p["accountProof"]), storage_proofs }
}

fn set_word(anvil: &Anvil, address: Address, slot: B256, value: B256) {
    anvil.rpc("anvil_setStorageAt", json!([format!("{address}"), word_hex(slot), word_hex(value)]));
}

fn mine(anvil: &Anvil) -> u64 {
    anvil.rpc("evm_mine", json!([]));
    quantity(&anvil.rpc("eth_blockNumber", json!([]))) as u64
}

/// Word 0 of a locked escrow: token (low 20 bytes), settleDeadline (next 8), status, wideAmount.
fn status_word(token: Address, settle_deadline: u64, status: u8) -> B256 {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(token.as_slice());
    w[4..12].copy_from_slice(&settle_deadline.to_be_bytes());
    w[3] = status;
    B256::from(w)
}

#[test]
fn escrow_words_of_a_real_anvil_state_are_provable_against_the_header_state_root() {
    let anvil = Anvil::start();
    let router: Address = ROUTER.parse().unwrap();
    // Any runtime code: the account must exist with storage, as a deployed Router does.
    anvil.rpc("anvil_setCode", json!([ROUTER, "0x00"]));
    // Fill the Router's storage with other escrows so the storage trie has depth.
    for i in 0..40u32 {
        let other = keccak256(format!("other bundle {i}"));
        set_word(&anvil, router, escrow_slot(other, i % 3, ESCROW_LEG_HASH_WORD), keccak256(format!("leg {i}")));
    }
    let locked = (keccak256("locked bundle"), 1u32);
    let unlocked = (keccak256("never locked"), 0u32);
    let leg_hash = keccak256("the registered leg");
    let token = Address::repeat_byte(0x7a);
    set_word(&anvil, router, escrow_slot(locked.0, locked.1, ESCROW_STATUS_WORD), status_word(token, 1_800_000_000, 1));
    set_word(&anvil, router, escrow_slot(locked.0, locked.1, ESCROW_LEG_HASH_WORD), leg_hash);
    let n = mine(&anvil);

    let slots = [
        escrow_slot(locked.0, locked.1, ESCROW_LEG_HASH_WORD),
        escrow_slot(locked.0, locked.1, ESCROW_STATUS_WORD),
        escrow_slot(unlocked.0, unlocked.1, ESCROW_LEG_HASH_WORD),
    ];
    let f = fetch(&anvil, router, &slots, n);
    let root = f.header.state_root;
    let account = verify_account(root, router, &f.account_proof).unwrap().expect("the router exists");
    assert_eq!(account.code_hash, keccak256([0u8]));

    // Inclusion: the locked leg's legHash and status, as the node reports them.
    let [(s0, v0, p0), (s1, v1, p1), (s2, v2, p2)] = &f.storage_proofs[..] else { panic!("three proofs") };
    assert_eq!(verify_escrow_leg_hash(root, router, locked.0, locked.1, &f.account_proof, p0).unwrap(), leg_hash);
    assert_eq!(*v0, U256::from_be_bytes(leg_hash.0));
    let w = verify_account_storage(root, router, *s1, &f.account_proof, p1).unwrap();
    assert_eq!(w, *v1);
    assert_eq!(status_of_word(w), LegStatus::Locked);
    // Exclusion: the never-locked leg's word is absent, i.e. zero.
    assert_eq!(*v2, U256::ZERO);
    assert_eq!(verify_escrow_leg_hash(root, router, unlocked.0, unlocked.1, &f.account_proof, p2).unwrap(), B256::ZERO);

    // A proof of one word is not a proof of another.
    assert!(verify_account_storage(root, router, *s2, &f.account_proof, p0).is_err());
    assert!(verify_account_storage(root, router, *s0, &f.account_proof, p2).is_err());
    assert!(verify_account_storage(root, router, *s0, &f.account_proof, p1).is_err());
    // Nor against another root, nor for another account.
    assert!(verify_account(keccak256("other root"), router, &f.account_proof).is_err());
    assert!(verify_account(root, Address::repeat_byte(0x42), &f.account_proof).is_err());
    // A truncated proof is refused.
    let short = |p: &Vec<Bytes>| p[..p.len() - 1].to_vec();
    assert!(verify_account(root, router, &short(&f.account_proof)).is_err());
    assert!(verify_account_storage(root, router, *s0, &f.account_proof, &short(p0)).is_err());
    assert!(verify_account_storage(root, router, *s2, &f.account_proof, &short(p2)).is_err());
    // Every one-byte change of every node is refused.
    for (which, proof) in [("account", &f.account_proof), ("included word", p0), ("excluded word", p2)] {
        for (i, node) in proof.iter().enumerate() {
            for at in [0, node.len() / 2, node.len() - 1] {
                let mut tampered = proof.clone();
                let mut bytes = node.to_vec();
                bytes[at] ^= 0x01;
                tampered[i] = bytes.into();
                let res = match which {
                    "account" => verify_escrow_leg_hash(root, router, locked.0, locked.1, &tampered, p0),
                    "included word" => {
                        verify_escrow_leg_hash(root, router, locked.0, locked.1, &f.account_proof, &tampered)
                    }
                    _ => verify_escrow_leg_hash(root, router, unlocked.0, unlocked.1, &f.account_proof, &tampered),
                };
                assert!(res.is_err(), "{which} proof node {i} byte {at} changed: refused, got {res:?}");
            }
        }
    }

    // "After block N": a lock written in block N + 1 is absent from N's state, present in N + 1's.
    // (Anvil answers `eth_getProof` for an older block with the latest state's proof, which then
    // does not verify against that block's root: each proof is taken while its block is the latest.)
    let slot = [escrow_slot(unlocked.0, unlocked.1, ESCROW_LEG_HASH_WORD)];
    let before = fetch(&anvil, router, &slot, n);
    set_word(&anvil, router, slot[0], leg_hash);
    let n1 = mine(&anvil);
    let after = fetch(&anvil, router, &slot, n1);
    let hash_at = |f: &Fetched| {
        verify_escrow_leg_hash(
            f.header.state_root,
            router,
            unlocked.0,
            unlocked.1,
            &f.account_proof,
            &f.storage_proofs[0].2,
        )
        .unwrap()
    };
    assert_eq!(hash_at(&before), B256::ZERO);
    assert_eq!(hash_at(&after), leg_hash);

    // An address with no account: an exclusion proof of the account, its words are zero.
    let nobody = Address::repeat_byte(0x42);
    let f = fetch(&anvil, nobody, &slots[..1], n1);
    assert_eq!(verify_account(f.header.state_root, nobody, &f.account_proof).unwrap(), None);
    assert_eq!(
        verify_account_storage(f.header.state_root, nobody, slots[0], &f.account_proof, &f.storage_proofs[0].2)
            .unwrap(),
        U256::ZERO
    );
}
