//! Header, receipt and receipt-proof handling on synthetic data; real blocks are in `anvil_receipts.rs`.
use alloy_rlp::Encodable;
use mesh_proof_evm::*;
use mesh_protocol::*;
use proptest::prelude::*;

/// An RLP list of already-encoded items.
fn rlp_list(items: &[Vec<u8>]) -> Vec<u8> {
    let payload: Vec<u8> = items.concat();
    let mut out = Vec::new();
    alloy_rlp::Header { list: true, payload_length: payload.len() }.encode(&mut out);
    out.extend(payload);
    out
}

fn enc<T: Encodable>(v: T) -> Vec<u8> {
    alloy_rlp::encode(v)
}

/// A header with `extra` fields after the 15 classic ones (London adds 1, Shanghai 2, Cancun 5, Prague 6).
fn header(number: u64, timestamp: u64, receipts_root: B256, extra: usize) -> Vec<u8> {
    let mut f = vec![
        enc(keccak256("parent")),
        enc(keccak256("ommers")),
        enc(Address::repeat_byte(1)),
        enc(keccak256("state")),
        enc(keccak256("txs")),
        enc(receipts_root),
        enc(alloy_primitives::Bloom::ZERO),
        enc(0u64),
        enc(number),
        enc(30_000_000u64),
        enc(21_000u64),
        enc(timestamp),
        enc(Bytes::from_static(b"mesh")),
        enc(B256::ZERO),
        enc(alloy_primitives::B64::ZERO),
    ];
    for i in 0..extra {
        f.push(enc(i as u64 + 7));
    }
    rlp_list(&f)
}

fn receipt(tx_type: u8, success: bool, logs: &[Log]) -> Vec<u8> {
    let body = rlp_list(&[enc(success as u8), enc(21_000u64), enc(alloy_primitives::Bloom::ZERO), enc(logs.to_vec())]);
    if tx_type == 0 {
        body
    } else {
        [vec![tx_type], body].concat()
    }
}

fn sample_log() -> LegLockedLog {
    LegLockedLog {
        router: Address::repeat_byte(0xaa),
        bundle_id: keccak256("bundle"),
        index: 2,
        leg_hash: keccak256("leg"),
        depositor: AccountId::from_evm(Address::repeat_byte(0xbb)),
        token: AccountId::from_evm(Address::repeat_byte(0xcc)),
        amount: U256::from(1_000u64),
        settle_deadline: 1_800_000_000,
    }
}

#[test]
fn headers_of_every_fork_shape_decode() {
    let root = keccak256("receipts");
    for extra in [0, 1, 2, 5, 6, 9] {
        let rlp = header(42, 1_700_000_000, root, extra);
        let h = decode_header(&rlp).unwrap();
        assert_eq!((h.number, h.timestamp, h.receipts_root), (42, 1_700_000_000, root));
        assert_eq!(h.hash, keccak256(&rlp));
        assert_eq!(h.parent_hash, keccak256("parent"));
    }
}

#[test]
fn truncated_or_padded_headers_are_refused() {
    let rlp = header(1, 2, keccak256("r"), 5);
    for cut in 0..rlp.len() {
        assert!(decode_header(&rlp[..cut]).is_err(), "prefix of {cut} bytes decoded");
    }
    let mut padded = rlp.clone();
    padded.push(0);
    assert!(matches!(decode_header(&padded), Err(ProofError::TrailingBytes { what: "header", extra: 1 })));
    let short = rlp_list(&vec![enc(1u64); 14]);
    assert_eq!(decode_header(&short), Err(ProofError::HeaderTooShort { fields: 14, min: 15 }));
    assert!(decode_header(&enc(Bytes::from_static(b"not a list"))).is_err());
}

#[test]
fn receipts_of_each_type_decode_with_their_logs() {
    let log = sample_log().to_log();
    for t in [0u8, 1, 2, 3, 4] {
        let r = decode_receipt(&receipt(t, true, std::slice::from_ref(&log))).unwrap();
        assert_eq!(r.tx_type, t);
        assert!(r.success);
        assert_eq!(r.logs, vec![log.clone()]);
        assert_eq!(leg_locked_logs(&r, Address::repeat_byte(0xaa)), vec![sample_log()]);
        assert!(leg_locked_logs(&r, Address::repeat_byte(0xab)).is_empty(), "another emitter is not the router");
    }
    let failed = decode_receipt(&receipt(2, false, &[])).unwrap();
    assert!(!failed.success);
    assert_eq!(decode_receipt(&[]), Err(ProofError::EmptyReceipt));
    assert_eq!(decode_receipt(&receipt(0x7e, true, &[])), Err(ProofError::UnknownReceiptType(0x7e)));
}

#[test]
fn leg_locked_round_trips_and_foreign_logs_are_not_mistaken_for_it() {
    let ev = sample_log();
    assert_eq!(LegLockedLog::decode(&ev.to_log()).unwrap(), ev);
    let mut other = ev.to_log();
    other.topics[0] = keccak256("Transfer(address,address,uint256)");
    assert_eq!(LegLockedLog::decode(&other), Err(ProofError::NotLegLocked));
    let mut short = ev.to_log();
    short.data = Bytes::from(short.data[..40].to_vec());
    assert_eq!(LegLockedLog::decode(&short), Err(ProofError::NotLegLocked));
    assert_eq!(LegLocked::SIGNATURE, "LegLocked(bytes32,uint32,bytes32,bytes32,bytes32,uint256,uint64)");
    // A v1 Router's event (20-byte `address` fields) has the same data layout but another
    // topic 0: it is not a v2 lock.
    let mut v1 = ev.to_log();
    v1.topics[0] = keccak256("LegLocked(bytes32,uint32,bytes32,address,address,uint256,uint64)");
    assert_eq!(LegLockedLog::decode(&v1), Err(ProofError::NotLegLocked));
}
use alloy_sol_types::SolEvent;

fn receipts(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| receipt((i % 3) as u8, i % 5 != 4, &[sample_log().to_log()])).collect()
}

#[test]
fn receipt_proofs_verify_at_their_index_only() {
    for n in [1usize, 2, 16, 17, 130, 300] {
        let rs = receipts(n);
        for i in [0, n / 2, n - 1] {
            let (root, proof) = build_receipt_proof(&rs, i as u64);
            verify_receipt_proof(root, i as u64, &rs[i], &proof).unwrap();
            if n > 1 {
                let j = (i + 1) % n;
                assert!(
                    verify_receipt_proof(root, j as u64, &rs[i], &proof).is_err(),
                    "index {j} accepted proof of {i}"
                );
            }
        }
    }
}

proptest! {
    #[test]
    fn tampered_receipts_and_proofs_are_refused(n in 1usize..40, pick in any::<prop::sample::Index>(), bit in any::<prop::sample::Index>()) {
        let rs = receipts(n);
        let i = pick.index(n);
        let (root, proof) = build_receipt_proof(&rs, i as u64);
        let mut bad = rs[i].clone();
        let b = bit.index(bad.len() * 8);
        bad[b / 8] ^= 1 << (b % 8);
        prop_assert!(verify_receipt_proof(root, i as u64, &bad, &proof).is_err());

        let node = bit.index(proof.len());
        let mut bad_proof = proof.clone();
        let mut bytes = bad_proof[node].to_vec();
        let b = bit.index(bytes.len() * 8);
        bytes[b / 8] ^= 1 << (b % 8);
        bad_proof[node] = Bytes::from(bytes);
        prop_assert!(verify_receipt_proof(root, i as u64, &rs[i], &bad_proof).is_err());

        let mut wrong_root = root;
        wrong_root.0[0] ^= 1;
        prop_assert!(verify_receipt_proof(wrong_root, i as u64, &rs[i], &proof).is_err());
    }

    #[test]
    fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600), idx in any::<u64>()) {
        let _ = decode_header(&bytes);
        let _ = decode_receipt(&bytes);
        let proof = vec![Bytes::from(bytes.clone())];
        let _ = verify_receipt_proof(keccak256(&bytes), idx, &bytes, &proof);
    }
}

#[test]
fn a_receipt_status_other_than_zero_or_one_is_refused() {
    for status in [2u8, 0x7f] {
        let body = rlp_list(&[enc(status), enc(21_000u64), enc(alloy_primitives::Bloom::ZERO), enc(Vec::<Log>::new())]);
        assert_eq!(decode_receipt(&body), Err(ProofError::ReceiptStatus), "status {status}");
        assert_eq!(decode_receipt(&[vec![2u8], body].concat()), Err(ProofError::ReceiptStatus), "status {status}");
    }
}

#[test]
fn trailing_bytes_after_a_header_or_receipt_are_counted_exactly() {
    let rlp = header(1, 2, keccak256("r"), 5);
    for extra in [1usize, 2, 3, 40] {
        let padded = [rlp.clone(), vec![0u8; extra]].concat();
        assert_eq!(decode_header(&padded), Err(ProofError::TrailingBytes { what: "header", extra }));
        let r = [receipt(2, true, &[]), vec![0u8; extra]].concat();
        assert_eq!(decode_receipt(&r), Err(ProofError::TrailingBytes { what: "receipt", extra }));
    }
}

#[test]
fn an_empty_receipt_proof_against_a_non_empty_root_is_a_root_mismatch() {
    let rs = receipts(3);
    let (root, _) = build_receipt_proof(&rs, 1);
    assert_eq!(
        verify_receipt_proof(root, 1, &rs[1], &[]),
        Err(ProofError::BadReceiptProof { root, reason: "root mismatch" })
    );
    assert_eq!(
        verify_receipt_proof(root, 1, &rs[1], &[Bytes::from_static(&[0x80])]),
        Err(ProofError::BadReceiptProof { root, reason: "root mismatch" })
    );
}
