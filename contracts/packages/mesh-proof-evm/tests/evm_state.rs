//! State proofs without a node: the escrow slot arithmetic against `cast`, account decoding, and
//! properties of account + storage proofs over random states built with the `prover` helpers (a
//! verified value is always the true one; every one-byte change of a node is refused).
use mesh_proof_evm::state::*;
use mesh_proof_evm::ProofError;
use mesh_protocol::*;
use proptest::prelude::*;

fn b256(s: &str) -> B256 {
    s.parse().unwrap()
}

#[test]
fn escrow_slots_are_where_solidity_puts_them() {
    // cast keccak $(cast abi-encode "f(bytes32,uint256)" 0xabab…ab 7); cast index bytes32 <key> 0
    let bundle = B256::repeat_byte(0xab);
    assert_eq!(escrow_key(bundle, 7), b256("0xbd5c30b3c65f48fc42da750ecf4357eec4872c47a1b4ad75bdda2ed139747b19"));
    assert_eq!(
        escrow_slot(bundle, 7, ESCROW_STATUS_WORD),
        b256("0xed0227010081a5f1c7d3e55f1a68cacd953109c9807383f3fbecfaa08c35fc2f")
    );
    assert_eq!(
        escrow_slot(bundle, 7, ESCROW_LEG_HASH_WORD),
        b256("0xed0227010081a5f1c7d3e55f1a68cacd953109c9807383f3fbecfaa08c35fc32")
    );
    // Word 0: token in the low 20 bytes, settleDeadline in the next 8, then status.
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(&[0xee; 20]);
    w[4..12].copy_from_slice(&u64::MAX.to_be_bytes());
    assert_eq!(status_of_word(U256::from_be_bytes(w)), LegStatus::None);
    for (byte, status) in
        [(1u8, LegStatus::Locked), (2, LegStatus::Committed), (4, LegStatus::Refunded), (9, LegStatus::Other(9))]
    {
        w[3] = byte;
        w[2] = 1; // wideAmount
        assert_eq!(status_of_word(U256::from_be_bytes(w)), status);
    }
}

fn list(items: &[Vec<u8>]) -> Vec<u8> {
    let payload = items.concat();
    let mut out = Vec::new();
    alloy_rlp::Header { list: true, payload_length: payload.len() }.encode(&mut out);
    out.extend(payload);
    out
}

#[test]
fn accounts_decode_with_trailing_fields_and_are_refused_when_malformed() {
    let a = Account {
        nonce: 1,
        balance: U256::from(10u64).pow(U256::from(20u8)),
        storage_root: keccak256("s"),
        code_hash: keccak256("c"),
    };
    assert_eq!(decode_account(&a.rlp()).unwrap(), a);
    let fields = [
        alloy_rlp::encode(1u64),
        alloy_rlp::encode(a.balance),
        alloy_rlp::encode(a.storage_root),
        alloy_rlp::encode(a.code_hash),
    ];
    let extended = list(&[fields.to_vec(), vec![alloy_rlp::encode(Bytes::from_static(b"ext"))]].concat());
    assert_eq!(decode_account(&extended).unwrap(), a);
    assert_eq!(
        decode_account(&list(&fields[..3])),
        Err(ProofError::AccountField { field: "the list (fewer than 4 fields)" })
    );
    let short_root = list(&[
        fields[0].clone(),
        fields[1].clone(),
        alloy_rlp::encode(Bytes::from_static(&[1; 31])),
        fields[3].clone(),
    ]);
    assert_eq!(decode_account(&short_root), Err(ProofError::AccountField { field: "storageRoot" }));
    let mut trailing = a.rlp();
    trailing.push(0);
    assert!(matches!(decode_account(&trailing), Err(ProofError::TrailingBytes { what: "account", .. })));
    assert!(decode_account(&[0x80]).is_err());
}

fn router() -> Address {
    Address::repeat_byte(0x5f)
}

fn arb_state() -> impl Strategy<Value = (TestState, Vec<B256>)> {
    // A Router with up to 60 words, and up to 6 other accounts (some with storage).
    let words = prop::collection::vec((any::<[u8; 32]>(), 1u64..), 0..60);
    let others =
        prop::collection::vec((any::<[u8; 20]>(), any::<u64>(), prop::collection::vec(any::<[u8; 32]>(), 0..4)), 0..6);
    (words, others).prop_map(|(words, others)| {
        let slots: Vec<B256> = words.iter().map(|(s, _)| B256::from(*s)).collect();
        let account = TestAccount {
            nonce: 1,
            balance: U256::ZERO,
            code_hash: keccak256("router code"),
            storage: words.iter().map(|(s, w)| (B256::from(*s), U256::from(*w) << 100)).collect(),
        };
        let mut accounts = vec![(router(), account)];
        for (a, nonce, storage) in others {
            let storage = storage.into_iter().map(|s| (B256::from(s), U256::from(7u8))).collect();
            accounts.push((Address::from(a), TestAccount { nonce, storage, ..Default::default() }));
        }
        (TestState { accounts }, slots)
    })
}

fn truth(state: &TestState, address: Address, slot: B256) -> U256 {
    state
        .accounts
        .iter()
        .find(|(a, _)| *a == address)
        .and_then(|(_, acct)| acct.storage.iter().rev().find(|(s, _)| *s == slot).map(|(_, w)| *w))
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn state_proofs_show_every_word_and_every_absence((state, slots) in arb_state(), absent in any::<[u8; 32]>()) {
        let absent = B256::from(absent);
        for slot in slots.iter().take(8).copied().chain([absent]) {
            let p = state.prove(router(), slot);
            let word = verify_account_storage(p.state_root, router(), slot, &p.account_proof, &p.storage_proof).unwrap();
            prop_assert_eq!(word, truth(&state, router(), slot));
        }
        // An account that does not exist: exclusion, words zero.
        let nobody = Address::repeat_byte(0x01);
        let p = state.prove(nobody, absent);
        prop_assert_eq!(verify_account(p.state_root, nobody, &p.account_proof).unwrap(), None);
        prop_assert_eq!(
            verify_account_storage(p.state_root, nobody, absent, &p.account_proof, &p.storage_proof).unwrap(),
            U256::ZERO
        );
    }

    #[test]
    fn a_verified_word_is_always_the_true_one((state, slots) in arb_state(), pick in any::<prop::sample::Index>(), other in any::<[u8; 32]>()) {
        prop_assume!(!slots.is_empty());
        let slot = slots[pick.index(slots.len())];
        let p = state.prove(router(), slot);
        // The proof of one word used for another slot either fails or shows that slot's true value.
        for asked in [B256::from(other), slots[(pick.index(slots.len()) + 1) % slots.len()]] {
            if let Ok(w) = verify_account_storage(p.state_root, router(), asked, &p.account_proof, &p.storage_proof) {
                prop_assert_eq!(w, truth(&state, router(), asked));
            }
        }
    }

    #[test]
    fn a_one_byte_change_of_any_node_is_refused((state, slots) in arb_state(), absent in any::<[u8; 32]>(), at in any::<prop::sample::Index>(), flip in 1u8..) {
        let slot = slots.first().copied().unwrap_or(B256::from(absent));
        let p = state.prove(router(), slot);
        let check = |account_proof: &[Bytes], storage_proof: &[Bytes]| {
            verify_account_storage(p.state_root, router(), slot, account_proof, storage_proof)
        };
        for (i, node) in p.account_proof.iter().enumerate() {
            let mut t = p.account_proof.clone();
            let mut b = node.to_vec();
            let k = at.index(b.len());
            b[k] ^= flip;
            t[i] = b.into();
            prop_assert!(check(&t, &p.storage_proof).is_err(), "account node {} changed", i);
        }
        for (i, node) in p.storage_proof.iter().enumerate() {
            let mut t = p.storage_proof.clone();
            let mut b = node.to_vec();
            let k = at.index(b.len());
            b[k] ^= flip;
            t[i] = b.into();
            prop_assert!(check(&p.account_proof, &t).is_err(), "storage node {} changed", i);
        }
    }
}

#[test]
fn an_empty_state_proof_against_a_non_empty_root_is_a_root_mismatch() {
    let state = TestState {
        accounts: vec![(
            router(),
            TestAccount { nonce: 1, storage: vec![(B256::ZERO, U256::from(5u8))], ..Default::default() },
        )],
    };
    let root = state.root();
    assert_eq!(
        verify_account(root, router(), &[]),
        Err(ProofError::BadStateProof { trie: "account", root, reason: "root mismatch" })
    );
    let storage_root = state.accounts[0].1.account().storage_root;
    assert_eq!(
        verify_storage(storage_root, B256::ZERO, &[]),
        Err(ProofError::BadStateProof { trie: "storage", root: storage_root, reason: "root mismatch" })
    );
}
