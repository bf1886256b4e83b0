//! dispute: the three proof kinds against real evidence, each rejection, replay, and effects.

use cosmwasm_std::Binary;
use cw_multi_test::Executor;
use dispute::ContractError as E;
use mesh_hub_api::bundle_log::{BatchStatus, LockReport};
use mesh_hub_api::common::FraudKind;
use mesh_hub_api::dispute::{
    ConfigResponse, FalseLockEvidence, FalseLockFinding, FraudDetail, FraudProof, FraudRecord, FraudsResponse,
    QueryMsg, SignedStatement,
};
use mesh_hub_tests::evm::{enc, leg_locked, lock_receipt, receipt, rlp_list, transfer_log, EvmBlock};
use mesh_hub_tests::*;
use mesh_proof_evm::state::{escrow_slot, TestAccount, TestState, ESCROW_LEG_HASH_WORD, ESCROW_STATUS_WORD};
use mesh_proof_evm::{LegLockedLog, Log, ProofError};
use mesh_protocol::sig::{sign_digest, signing_key};
use mesh_protocol::{keccak256, Address, Amount, Bundle, Bytes, EvmAddress, Hash32, ProtocolError, B256, U256};

fn frauds(h: &Hub) -> Vec<FraudRecord> {
    let r: FraudsResponse =
        h.app.wrap().query_wasm_smart(&h.dispute, &QueryMsg::Frauds { start_after: None, limit: None }).unwrap();
    r.frauds
}

struct Case {
    h: Hub,
    id: Hash32,
    bundle: Bundle,
}

/// A hub with relayers 0..4 bonded, and a registered 2-leg bundle.
fn case() -> Case {
    let mut h = Hub::with_relayers(4);
    let (id, bundle) = h.register_sample(1, 2);
    Case { h, id, bundle }
}

impl Case {
    fn ev(&self, leg: usize) -> LegLockedLog {
        leg_locked(self.id, leg as u32, &self.bundle.legs[leg], self.bundle.settle_deadline)
    }
    /// A block on leg `leg`'s chain holding `special` at tx index 5 among 12 ordinary receipts.
    fn block(&self, leg: usize, special: Vec<u8>) -> EvmBlock {
        let chain = evm_chain(self.bundle.legs[leg].domain);
        EvmBlock::busy(chain, 1_000 + leg as u64, self.bundle.lock_deadline - 30, 12, vec![(5, special)])
    }
    fn report_at(&mut self, relayer: usize, leg: usize, block: &EvmBlock, tx: u64, log: u32) -> LockReport {
        let mut r = lock_report(&self.id, &self.bundle, leg);
        r.location = block.location(tx, log);
        self.h.report(relayer, vec![r.clone()]).unwrap();
        r
    }
    fn proof(&self, leg: usize, block: &EvmBlock, tx: u64) -> FraudProof {
        FraudProof::FalseLock {
            bundle_id: self.id,
            leg_index: leg as u32,
            evidence: FalseLockEvidence::EvmReceipt {
                header: block.header.clone().into(),
                receipt: block.receipts.get(tx as usize).cloned().unwrap_or_default().into(),
                receipt_proof: block.proof(tx),
            },
        }
    }
    #[track_caller]
    fn assert_unchanged(&self, relayer: usize, leg: usize) {
        assert!(self.h.bundle_info(&self.id).reports[leg].is_some(), "report still stands");
        let r = self.h.relayer_info(relayer);
        assert!(!r.jailed && r.slashed.is_zero(), "relayer untouched");
        assert!(frauds(&self.h).is_empty());
    }
}

#[track_caller]
fn assert_false_lock_proven(c: &mut Case, relayer: usize, leg: usize, proof: FraudProof, finding: FalseLockFinding) {
    let report_id = c.h.bundle_info(&c.id).reports[leg].as_ref().unwrap().report_id;
    c.h.submit_fraud(proof).unwrap();
    let f = frauds(&c.h).pop().unwrap();
    assert_eq!(f.kind, FraudKind::FalseLock);
    assert_eq!(f.relayer, c.h.relayers[relayer].addr);
    assert_eq!(f.disputer, c.h.addr("disputer"));
    assert_eq!(f.detail, FraudDetail::FalseLock { bundle_id: c.id, leg_index: leg as u32, report_id, finding });
    assert!(c.h.bundle_info(&c.id).reports[leg].is_none(), "report reverted");
    assert!(c.h.relayer_info(relayer).jailed);
}

// ------------------------------------------------------------------ false lock: proven

#[test]
fn false_lock_is_proven_when_the_transaction_reverted() {
    let mut c = case();
    let block = c.block(0, lock_receipt(2, false, &c.ev(0)));
    c.report_at(1, 0, &block, 5, 1);
    let p = c.proof(0, &block, 5);
    assert_false_lock_proven(&mut c, 1, 0, p, FalseLockFinding::ReceiptFailed);
}

#[test]
fn false_lock_is_proven_when_the_receipt_has_no_log_at_the_index() {
    let mut c = case();
    let block = c.block(1, lock_receipt(0, true, &c.ev(1)));
    c.report_at(1, 1, &block, 5, 2);
    let p = c.proof(1, &block, 5);
    assert_false_lock_proven(&mut c, 1, 1, p, FalseLockFinding::NoLogAtIndex { log_count: 2 });
}

#[test]
fn false_lock_is_proven_when_the_log_comes_from_another_contract() {
    let mut c = case();
    let ev = c.ev(0);
    let block = c.block(0, lock_receipt(2, true, &ev));
    // Log 0 is the token's Transfer, not the router's LegLocked.
    c.report_at(1, 0, &block, 5, 0);
    let p = c.proof(0, &block, 5);
    assert_false_lock_proven(
        &mut c,
        1,
        0,
        p,
        FalseLockFinding::WrongEmitter { emitter: EvmAddress(ev.token.to_evm().unwrap()) },
    );
}

#[test]
fn false_lock_is_proven_when_the_router_log_is_not_leg_locked() {
    let mut c = case();
    let router = c.bundle.legs[0].router.to_evm().unwrap();
    let block = c.block(0, receipt(2, true, 50_000, &[transfer_log(router, router, router, 1)]));
    c.report_at(1, 0, &block, 5, 0);
    let p = c.proof(0, &block, 5);
    assert_false_lock_proven(&mut c, 1, 0, p, FalseLockFinding::NotLegLocked);
}

#[test]
fn false_lock_is_proven_when_the_log_names_another_leg() {
    type Mutation = fn(&mut LegLockedLog);
    let mutations: [(&str, Mutation); 4] = [
        ("bundle_id", |e| e.bundle_id = keccak256("another bundle")),
        ("index", |e| e.index = 1),
        ("leg_hash", |e| e.leg_hash = keccak256("another leg")),
        ("settle_deadline", |e| e.settle_deadline += 1),
    ];
    for (field, mutate) in mutations {
        let mut c = case();
        let mut ev = c.ev(0);
        mutate(&mut ev);
        let block = c.block(0, lock_receipt(2, true, &ev));
        c.report_at(1, 0, &block, 5, 1);
        let p = c.proof(0, &block, 5);
        assert_false_lock_proven(&mut c, 1, 0, p, FalseLockFinding::OtherLeg { field: field.into() });
    }
}

#[test]
fn false_lock_is_proven_when_the_locked_amount_is_too_low() {
    let mut c = case();
    let mut ev = c.ev(1);
    ev.amount -= U256::from(1u8);
    let block = c.block(1, lock_receipt(4, true, &ev));
    c.report_at(1, 1, &block, 5, 1);
    let p = c.proof(1, &block, 5);
    let finding = FalseLockFinding::AmountTooLow { locked: Amount(ev.amount), required: c.bundle.legs[1].amount };
    assert_false_lock_proven(&mut c, 1, 1, p, finding);
}

#[test]
fn false_lock_is_proven_when_the_reported_block_time_or_number_is_not_the_header_s() {
    // The lock really happened, but after the lock deadline: the relayer reported an earlier time.
    let mut c = case();
    let late =
        EvmBlock::busy(CHAIN_A, 1_000, c.bundle.lock_deadline + 5, 12, vec![(5, lock_receipt(2, true, &c.ev(0)))]);
    let mut r = lock_report(&c.id, &c.bundle, 0);
    r.location = late.location(5, 1);
    r.location.as_evm_mut().unwrap().block_timestamp = c.bundle.lock_deadline;
    c.h.report(1, vec![r]).unwrap();
    let p = c.proof(0, &late, 5);
    let actual = c.bundle.lock_deadline + 5;
    assert_false_lock_proven(&mut c, 1, 0, p, FalseLockFinding::WrongBlockTimestamp { actual });

    let mut c = case();
    let block = c.block(0, lock_receipt(2, true, &c.ev(0)));
    let mut r = lock_report(&c.id, &c.bundle, 0);
    r.location = block.location(5, 1);
    r.location.as_evm_mut().unwrap().block_number += 1;
    c.h.report(1, vec![r]).unwrap();
    let p = c.proof(0, &block, 5);
    assert_false_lock_proven(&mut c, 1, 0, p, FalseLockFinding::WrongBlockNumber { actual: block.number });
}

#[test]
fn false_lock_is_proven_when_the_block_has_no_transaction_at_the_index() {
    let mut c = case();
    let block = c.block(0, lock_receipt(2, true, &c.ev(0)));
    c.report_at(1, 0, &block, 40, 1);
    let p = c.proof(0, &block, 40);
    assert!(matches!(
        &p,
        FraudProof::FalseLock { evidence: FalseLockEvidence::EvmReceipt { receipt, .. }, .. } if receipt.is_empty()
    ));
    assert_false_lock_proven(&mut c, 1, 0, p, FalseLockFinding::NoTransactionAtIndex);
}

// ------------------------------------------------------------------ false lock: refused

#[test]
fn false_lock_proof_is_rejected_as_correct_when_the_report_is_true() {
    for tx_type in [0u8, 1, 2, 3, 4] {
        let mut c = case();
        let block = c.block(0, lock_receipt(tx_type, true, &c.ev(0)));
        c.report_at(0, 0, &block, 5, 1);
        assert_err(c.h.submit_fraud(c.proof(0, &block, 5)), E::ReportIsCorrect);
        c.assert_unchanged(0, 0);
    }
}

#[test]
fn false_lock_proof_is_rejected_when_the_evidence_is_tampered() {
    let mut c = case();
    let block = c.block(0, lock_receipt(2, false, &c.ev(0)));
    c.report_at(1, 0, &block, 5, 1);
    let good = c.proof(0, &block, 5);
    let FraudProof::FalseLock { evidence: FalseLockEvidence::EvmReceipt { header, receipt, receipt_proof }, .. } =
        good.clone()
    else {
        unreachable!()
    };
    let with = |header: Binary, receipt: Binary, receipt_proof: Vec<Binary>| FraudProof::FalseLock {
        bundle_id: c.id,
        leg_index: 0,
        evidence: FalseLockEvidence::EvmReceipt { header, receipt, receipt_proof },
    };

    // A header that is not the reported block's.
    let other = EvmBlock::busy(CHAIN_A, 1_000, c.bundle.lock_deadline - 30, 11, vec![]);
    assert_err(
        c.h.submit_fraud(with(other.header.clone().into(), receipt.clone(), receipt_proof.clone())),
        E::HeaderHashMismatch { reported: block.hash, got: other.hash },
    );
    let mut flipped = header.to_vec();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    let got = Hash32(keccak256(&flipped));
    assert_err(
        c.h.submit_fraud(with(flipped.into(), receipt.clone(), receipt_proof.clone())),
        E::HeaderHashMismatch { reported: block.hash, got },
    );
    assert_err(
        c.h.submit_fraud(with(Binary::from(vec![0xc0]), receipt.clone(), receipt_proof.clone())),
        E::BadHeader(ProofError::HeaderTooShort { fields: 0, min: 15 }),
    );
    let not_in_trie = |reason| E::BadReceiptProof {
        tx_index: 5,
        reason: ProofError::BadReceiptProof { root: block.receipts_root, reason },
    };
    // A receipt that is not the one in the trie at that index.
    let mut bad = receipt.to_vec();
    bad[10] ^= 0x01;
    assert_err(
        c.h.submit_fraud(with(header.clone(), bad.into(), receipt_proof.clone())),
        not_in_trie("value mismatch"),
    );
    assert_err(
        c.h.submit_fraud(with(header.clone(), block.receipts[6].clone().into(), block.proof(6))),
        not_in_trie("value mismatch"),
    );
    let mut nodes = receipt_proof.clone();
    nodes.pop();
    assert_err(c.h.submit_fraud(with(header.clone(), receipt.clone(), nodes)), not_in_trie("value mismatch"));
    // An exclusion proof where a transaction exists.
    assert_err(
        c.h.submit_fraud(with(header.clone(), Binary::default(), receipt_proof.clone())),
        not_in_trie("exclusion proof does not verify"),
    );
    // Oversized evidence.
    assert_err(
        c.h.submit_fraud(with(header.clone(), receipt.clone(), vec![Binary::from(vec![0u8]); 33])),
        E::EvidenceTooLarge { what: "receipt proof node count", got: 33, max: 32 },
    );
    assert_err(
        c.h.submit_fraud(with(vec![0u8; 200 * 1024].into(), receipt.clone(), receipt_proof.clone())),
        E::EvidenceTooLarge {
            what: "evidence size",
            got: 200 * 1024 + receipt.len() + receipt_proof.iter().map(|n| n.len()).sum::<usize>(),
            max: mesh_hub_api::dispute::DEFAULT_MAX_EVIDENCE_BYTES,
        },
    );
    c.assert_unchanged(1, 0);
    // The genuine evidence still proves it.
    assert_false_lock_proven(&mut c, 1, 0, good, FalseLockFinding::ReceiptFailed);
}

#[test]
fn evidence_of_exactly_the_size_limits_is_examined_and_one_more_is_refused() {
    use mesh_hub_api::dispute::{DEFAULT_MAX_EVIDENCE_BYTES, DEFAULT_MAX_PROOF_NODES};
    let mut c = case();
    let block = c.block(0, lock_receipt(2, false, &c.ev(0)));
    c.report_at(1, 0, &block, 5, 1);
    let FraudProof::FalseLock { evidence: FalseLockEvidence::EvmReceipt { header, receipt, receipt_proof }, .. } =
        c.proof(0, &block, 5)
    else {
        unreachable!()
    };
    let with = |header: Binary, receipt_proof: Vec<Binary>| FraudProof::FalseLock {
        bundle_id: c.id,
        leg_index: 0,
        evidence: FalseLockEvidence::EvmReceipt { header, receipt: receipt.clone(), receipt_proof },
    };
    let max_nodes = DEFAULT_MAX_PROOF_NODES as usize;
    // As many nodes as allowed: the proof is checked (and fails as a proof).
    assert_err(
        c.h.submit_fraud(with(header.clone(), vec![Binary::from(vec![0u8]); max_nodes])),
        E::BadReceiptProof {
            tx_index: 5,
            reason: ProofError::BadReceiptProof { root: block.receipts_root, reason: "value mismatch" },
        },
    );
    assert_err(
        c.h.submit_fraud(with(header.clone(), vec![Binary::from(vec![0u8]); max_nodes + 1])),
        E::EvidenceTooLarge { what: "receipt proof node count", got: max_nodes + 1, max: DEFAULT_MAX_PROOF_NODES },
    );
    // Exactly as many bytes as allowed: the header is decoded (and is not one).
    let max_bytes = DEFAULT_MAX_EVIDENCE_BYTES as usize;
    let proof_bytes: usize = receipt_proof.iter().map(|n| n.len()).sum();
    let filler = max_bytes - receipt.len() - proof_bytes;
    assert_err(
        c.h.submit_fraud(with(vec![0u8; filler].into(), receipt_proof.clone())),
        E::BadHeader(ProofError::Rlp(alloy_rlp::Error::UnexpectedString)),
    );
    assert_err(
        c.h.submit_fraud(with(vec![0u8; filler + 1].into(), receipt_proof.clone())),
        E::EvidenceTooLarge { what: "evidence size", got: max_bytes + 1, max: DEFAULT_MAX_EVIDENCE_BYTES },
    );
    c.assert_unchanged(1, 0);
}

#[test]
fn false_lock_proof_is_rejected_when_there_is_no_report_or_its_window_closed() {
    let mut c = case();
    let block = c.block(0, lock_receipt(2, false, &c.ev(0)));
    assert_err(c.h.submit_fraud(c.proof(0, &block, 5)), E::NoReport { bundle_id: c.id, leg_index: 0 });
    let mut p = c.proof(0, &block, 5);
    let unknown = Hash32(keccak256("unknown"));
    if let FraudProof::FalseLock { bundle_id, .. } = &mut p {
        *bundle_id = unknown;
    }
    assert_err(c.h.submit_fraud(p), format!("bundle {unknown} leg 0 cannot be looked up"));
    c.report_at(1, 0, &block, 5, 1);
    let report = c.h.bundle_info(&c.id).reports[0].clone().unwrap();
    c.h.wait(WINDOW);
    assert_err(
        c.h.submit_fraud(c.proof(0, &block, 5)),
        E::DisputeWindowClosed { report_id: report.report_id, window_ends_at: report.window_ends_at, now: c.h.now() },
    );
    c.assert_unchanged(1, 0);
}

#[test]
fn a_reverted_false_lock_cannot_be_proven_twice() {
    let mut c = case();
    let block = c.block(0, lock_receipt(2, false, &c.ev(0)));
    c.report_at(1, 0, &block, 5, 1);
    c.h.submit_fraud(c.proof(0, &block, 5)).unwrap();
    assert_err(c.h.submit_fraud(c.proof(0, &block, 5)), E::NoReport { bundle_id: c.id, leg_index: 0 });
    assert_eq!(frauds(&c.h).len(), 1);
}

// ------------------------------------------------------------------ false lock: from the Router's state
//
// Audit finding 2: a report pointing at a receipt the receipt route cannot use (too large for the
// evidence limit, or of a type the decoder refuses) must still be disprovable. The Router's
// escrow word `legHash` after the reported block, proven against the header's state root, is
// bounded whatever the transaction did.

/// A Prague-shaped header (as `mesh_hub_tests::evm::header`) committing to `state_root`.
fn header_with_state(number: u64, timestamp: u64, state_root: B256, receipts_root: B256) -> Vec<u8> {
    rlp_list(&[
        enc(keccak256(format!("parent of {number}"))),
        enc(keccak256(rlp_list(&[]))),
        enc(Address::repeat_byte(0xfe)),
        enc(state_root),
        enc(keccak256(format!("txs {number}"))),
        enc(receipts_root),
        enc(alloy_primitives::Bloom::ZERO),
        enc(0u64),
        enc(number),
        enc(30_000_000u64),
        enc(1_234_567u64),
        enc(timestamp),
        enc(Bytes::new()),
        enc(keccak256(format!("prevrandao {number}"))),
        enc(alloy_primitives::B64::ZERO),
        enc(875_000_000u64),
        enc(keccak256("withdrawals")),
        enc(0u64),
        enc(0u64),
        enc(keccak256("beacon root")),
        enc(keccak256("requests")),
    ])
}

fn word(h: B256) -> U256 {
    U256::from_be_bytes(h.0)
}

/// Escrow word 0 of a locked leg: status Locked (byte 28) over the token.
fn locked_status_word(token: Address) -> U256 {
    (U256::from(1u8) << 224) | U256::from_be_slice(token.as_slice())
}

impl Case {
    fn router(&self, leg: usize) -> Address {
        self.bundle.legs[leg].router.to_evm().unwrap()
    }

    /// The state of leg `leg`'s chain after the reported block: the Router holds 30 other
    /// escrows, and leg `leg`'s escrow with `escrow_leg_hash` if given; a token and an EOA too.
    fn state(&self, leg: usize, escrow_leg_hash: Option<B256>) -> TestState {
        let mut storage: Vec<(B256, U256)> = (0..30u32)
            .map(|i| {
                let other = keccak256(format!("other bundle {i}"));
                (escrow_slot(other, i % 2, ESCROW_LEG_HASH_WORD), word(keccak256(format!("leg {i}"))))
            })
            .collect();
        if let Some(h) = escrow_leg_hash {
            let token = self.bundle.legs[leg].token.to_evm().unwrap();
            storage.push((escrow_slot(self.id.0, leg as u32, ESCROW_STATUS_WORD), locked_status_word(token)));
            storage.push((escrow_slot(self.id.0, leg as u32, ESCROW_LEG_HASH_WORD), word(h)));
        }
        let router = TestAccount { nonce: 1, code_hash: keccak256("MeshRouter"), storage, ..Default::default() };
        let token = TestAccount {
            nonce: 1,
            code_hash: keccak256("token"),
            storage: vec![(B256::repeat_byte(1), U256::from(5u8))],
            ..Default::default()
        };
        let eoa = TestAccount { nonce: 9, balance: U256::from(10u64).pow(U256::from(18u8)), ..Default::default() };
        TestState {
            accounts: vec![
                (self.router(leg), router),
                (self.bundle.legs[leg].token.to_evm().unwrap(), token),
                (self.bundle.legs[leg].depositor.to_evm().unwrap(), eoa),
            ],
        }
    }

    /// `self.block(leg, special)` with a header that commits to `state`.
    fn block_with_state(&self, leg: usize, special: Vec<u8>, state: &TestState) -> EvmBlock {
        let base = self.block(leg, special);
        let header = header_with_state(base.number, base.timestamp, state.root(), base.receipts_root);
        EvmBlock { hash: Hash32(keccak256(&header)), header, ..base }
    }

    /// What `eth_getProof(router, [legHash slot], block)` gives, as `FalseLockEvidence::EvmState`.
    fn state_proof(&self, leg: usize, block: &EvmBlock, state: &TestState) -> FraudProof {
        let p = state.prove(self.router(leg), escrow_slot(self.id.0, leg as u32, ESCROW_LEG_HASH_WORD));
        assert_eq!(p.state_root, mesh_proof_evm::decode_header(&block.header).unwrap().state_root);
        let bin = |nodes: Vec<Bytes>| nodes.into_iter().map(|n| Binary::from(n.to_vec())).collect();
        FraudProof::FalseLock {
            bundle_id: self.id,
            leg_index: leg as u32,
            evidence: FalseLockEvidence::EvmState {
                header: block.header.clone().into(),
                account_proof: bin(p.account_proof),
                storage_proof: bin(p.storage_proof),
            },
        }
    }
}

/// A receipt with one 70 KB log of some contract: over the evidence limit with its proof.
fn oversized_receipt() -> Vec<u8> {
    let log = Log {
        address: Address::repeat_byte(0x66),
        topics: vec![keccak256("Blob(bytes)")],
        data: Bytes::from(vec![0x5a; 70 * 1024]),
    };
    receipt(2, true, 3_000_000, &[log])
}

#[test]
fn a_report_pointing_at_an_oversized_receipt_is_still_proven_false_by_state() {
    let mut c = case();
    let state = c.state(0, None);
    let block = c.block_with_state(0, oversized_receipt(), &state);
    c.report_at(1, 0, &block, 5, 0);
    // The honest receipt proof carries the 70 KB receipt twice (as the value and in its leaf).
    let proof = c.proof(0, &block, 5);
    let FraudProof::FalseLock { evidence: FalseLockEvidence::EvmReceipt { header, receipt, receipt_proof }, .. } =
        &proof
    else {
        unreachable!()
    };
    let got = header.len() + receipt.len() + receipt_proof.iter().map(|n| n.len()).sum::<usize>();
    let by_receipt = c.h.submit_fraud(proof.clone());
    let max = mesh_hub_api::dispute::DEFAULT_MAX_EVIDENCE_BYTES;
    assert_err(by_receipt, E::EvidenceTooLarge { what: "evidence size", got, max });
    c.assert_unchanged(1, 0);
    // The Router's state shows that the leg was never locked.
    let p = c.state_proof(0, &block, &state);
    assert_false_lock_proven(&mut c, 1, 0, p, FalseLockFinding::EscrowNotLocked);
}

/// An OP-stack deposit receipt (`0x7e`): the four fields, then depositNonce and
/// depositReceiptVersion.
fn deposit_receipt(logs: &[Log]) -> Vec<u8> {
    let body = rlp_list(&[
        enc(1u8),
        enc(90_000u64),
        enc(alloy_primitives::Bloom::ZERO),
        enc(logs.to_vec()),
        enc(7u64),
        enc(1u64),
    ]);
    [vec![0x7e], body].concat()
}

#[test]
fn a_report_pointing_at_an_undecodable_receipt_type_is_proven_false() {
    let ev = |c: &Case| c.ev(0);
    type Make = fn(&LegLockedLog) -> Vec<u8>;
    let undecodable: [(&str, Make, u8); 5] = [
        // It even carries the leg's LegLocked log: the hub cannot read it, so no report may rest on it.
        ("OP-stack deposit", |ev| deposit_receipt(&[ev.to_log()]), 0x7e),
        ("Arbitrum internal", |ev| [vec![0x6a], lock_receipt(0, true, ev)].concat(), 0x6a),
        ("future type", |ev| [vec![0x05], lock_receipt(0, true, ev)].concat(), 0x05),
        // Three fields (no logs); real receipts are never below 32 bytes, so neither is this one.
        (
            "malformed typed",
            |_| [vec![0x02], rlp_list(&[enc(1u8), enc(90_000u64), enc(alloy_primitives::Bloom::ZERO)])].concat(),
            0x02,
        ),
        (
            "malformed legacy (status 7)",
            |_| rlp_list(&[enc(7u8), enc(1u64), enc(alloy_primitives::Bloom::ZERO), enc(Vec::<Log>::new())]),
            0xf9,
        ),
    ];
    for (what, make, type_byte) in undecodable {
        let mut c = case();
        let r = make(&ev(&c));
        assert_eq!(r[0], type_byte, "{what}");
        let block = c.block(0, r);
        c.report_at(1, 0, &block, 5, 1);
        let p = c.proof(0, &block, 5);
        assert_false_lock_proven(&mut c, 1, 0, p, FalseLockFinding::UndecodableReceipt { type_byte });
    }
}

#[test]
fn a_report_pointing_at_an_undecodable_receipt_type_is_also_proven_false_by_state() {
    let mut c = case();
    let state = c.state(0, None);
    let block = c.block_with_state(0, deposit_receipt(&[c.ev(0).to_log()]), &state);
    c.report_at(1, 0, &block, 5, 0);
    let p = c.state_proof(0, &block, &state);
    assert_false_lock_proven(&mut c, 1, 0, p, FalseLockFinding::EscrowNotLocked);
}

#[test]
fn a_report_whose_escrow_holds_another_leg_hash_is_proven_false_by_state() {
    let mut c = case();
    let other = keccak256("another leg");
    let state = c.state(1, Some(other));
    let block = c.block_with_state(1, lock_receipt(2, true, &c.ev(1)), &state);
    c.report_at(1, 1, &block, 5, 1);
    let p = c.state_proof(1, &block, &state);
    assert_false_lock_proven(&mut c, 1, 1, p, FalseLockFinding::EscrowOtherLegHash { leg_hash: Hash32(other) });
}

#[test]
fn a_report_on_a_chain_where_the_router_has_no_account_is_proven_false_by_state() {
    let mut c = case();
    let mut state = c.state(0, None);
    state.accounts.remove(0);
    let block = c.block_with_state(0, lock_receipt(2, true, &c.ev(0)), &state);
    c.report_at(1, 0, &block, 5, 1);
    let p = c.state_proof(0, &block, &state);
    assert_false_lock_proven(&mut c, 1, 0, p, FalseLockFinding::EscrowNotLocked);
}

#[test]
fn a_state_proof_shows_a_misreported_block_time_first() {
    let mut c = case();
    let state = c.state(0, Some(c.ev(0).leg_hash));
    let block = c.block_with_state(0, lock_receipt(2, true, &c.ev(0)), &state);
    let mut r = lock_report(&c.id, &c.bundle, 0);
    r.location = block.location(5, 1);
    r.location.as_evm_mut().unwrap().block_timestamp -= 1;
    c.h.report(1, vec![r]).unwrap();
    let p = c.state_proof(0, &block, &state);
    assert_false_lock_proven(&mut c, 1, 0, p, FalseLockFinding::WrongBlockTimestamp { actual: block.timestamp });
}

#[test]
fn a_state_proof_is_refused_when_the_leg_is_really_locked() {
    // Locked in the reported block, or in an earlier one (the state after the reported block is
    // the same): a real lock, not a fraud.
    let mut c = case();
    let state = c.state(0, Some(c.ev(0).leg_hash));
    let block = c.block_with_state(0, oversized_receipt(), &state);
    c.report_at(0, 0, &block, 5, 0);
    assert_err(
        c.h.submit_fraud(c.state_proof(0, &block, &state)),
        E::EscrowLockedInState { block_number: block.number },
    );
    c.assert_unchanged(0, 0);
}

#[test]
fn a_state_proof_is_refused_when_the_evidence_is_tampered() {
    let mut c = case();
    let state = c.state(0, None);
    let block = c.block_with_state(0, oversized_receipt(), &state);
    c.report_at(1, 0, &block, 5, 0);
    let good = c.state_proof(0, &block, &state);
    let FraudProof::FalseLock {
        evidence: FalseLockEvidence::EvmState { header, account_proof, storage_proof }, ..
    } = good.clone()
    else {
        unreachable!()
    };
    let with = |header: &Binary, account_proof: &[Binary], storage_proof: &[Binary]| FraudProof::FalseLock {
        bundle_id: c.id,
        leg_index: 0,
        evidence: FalseLockEvidence::EvmState {
            header: header.clone(),
            account_proof: account_proof.to_vec(),
            storage_proof: storage_proof.to_vec(),
        },
    };
    let state_root = state.root();
    let storage_root = state.accounts[0].1.account().storage_root;
    let bad_account = E::BadStateProof(ProofError::BadStateProof {
        trie: "account",
        root: state_root,
        reason: "node or value mismatch",
    });
    let bad_storage = E::BadStateProof(ProofError::BadStateProof {
        trie: "storage",
        root: storage_root,
        reason: "node or value mismatch",
    });

    // Another block's header (another state), and a header changed by one byte.
    let other = c.block_with_state(0, oversized_receipt(), &c.state(0, Some(c.ev(0).leg_hash)));
    assert_err(
        c.h.submit_fraud(with(&other.header.clone().into(), &account_proof, &storage_proof)),
        E::HeaderHashMismatch { reported: block.hash, got: other.hash },
    );
    let mut flipped = header.to_vec();
    flipped[10] ^= 1;
    let got = Hash32(keccak256(&flipped));
    assert_err(
        c.h.submit_fraud(with(&flipped.into(), &account_proof, &storage_proof)),
        E::HeaderHashMismatch { reported: block.hash, got },
    );
    // One byte changed in any node of either proof.
    for i in 0..account_proof.len() {
        let mut t = account_proof.clone();
        let mut node = t[i].to_vec();
        let k = node.len() / 2;
        node[k] ^= 0x10;
        t[i] = node.into();
        assert_err(c.h.submit_fraud(with(&header, &t, &storage_proof)), &bad_account);
    }
    for i in 0..storage_proof.len() {
        let mut t = storage_proof.clone();
        let mut node = t[i].to_vec();
        let k = node.len() - 1;
        node[k] ^= 0x01;
        t[i] = node.into();
        assert_err(c.h.submit_fraud(with(&header, &account_proof, &t)), &bad_storage);
    }
    // Truncated proofs, and another account's proof.
    assert_err(
        c.h.submit_fraud(with(&header, &account_proof[..account_proof.len() - 1], &storage_proof)),
        &bad_account,
    );
    // (a one-node storage proof truncated to nothing has no node that hashes to the root)
    let truncated_storage = E::BadStateProof(ProofError::BadStateProof {
        trie: "storage",
        root: storage_root,
        reason: if storage_proof.len() == 1 { "root mismatch" } else { "node or value mismatch" },
    });
    assert_err(
        c.h.submit_fraud(with(&header, &account_proof, &storage_proof[..storage_proof.len() - 1])),
        &truncated_storage,
    );
    let token = state.prove(c.bundle.legs[0].token.to_evm().unwrap(), B256::repeat_byte(1));
    let token_nodes: Vec<Binary> = token.account_proof.iter().map(|n| Binary::from(n.to_vec())).collect();
    assert_err(c.h.submit_fraud(with(&header, &token_nodes, &storage_proof)), &bad_account);
    // Leg 1's escrow proof is not leg 0's.
    let leg1 = state.prove(c.router(0), escrow_slot(c.id.0, 1, ESCROW_LEG_HASH_WORD));
    let leg1_nodes: Vec<Binary> = leg1.storage_proof.iter().map(|n| Binary::from(n.to_vec())).collect();
    assert_err(c.h.submit_fraud(with(&header, &account_proof, &leg1_nodes)), &bad_storage);
    // Oversized evidence.
    assert_err(
        c.h.submit_fraud(with(&header, &vec![Binary::from(vec![0u8]); 33], &storage_proof)),
        E::EvidenceTooLarge { what: "account proof node count", got: 33, max: 32 },
    );
    assert_err(
        c.h.submit_fraud(with(&header, &account_proof, &vec![Binary::from(vec![0u8]); 33])),
        E::EvidenceTooLarge { what: "storage proof node count", got: 33, max: 32 },
    );
    assert_err(
        c.h.submit_fraud(with(&header, &[Binary::from(vec![0u8; 130 * 1024])], &storage_proof)),
        E::EvidenceTooLarge {
            what: "evidence size",
            got: header.len() + 130 * 1024 + storage_proof.iter().map(|n| n.len()).sum::<usize>(),
            max: mesh_hub_api::dispute::DEFAULT_MAX_EVIDENCE_BYTES,
        },
    );
    c.assert_unchanged(1, 0);
    // The genuine evidence still proves it, once.
    assert_false_lock_proven(&mut c, 1, 0, good.clone(), FalseLockFinding::EscrowNotLocked);
    assert_err(c.h.submit_fraud(good), E::NoReport { bundle_id: c.id, leg_index: 0 });
}

#[test]
fn a_state_proof_is_refused_without_a_report_or_after_its_window() {
    let mut c = case();
    let state = c.state(0, None);
    let block = c.block_with_state(0, oversized_receipt(), &state);
    assert_err(c.h.submit_fraud(c.state_proof(0, &block, &state)), E::NoReport { bundle_id: c.id, leg_index: 0 });
    c.report_at(1, 0, &block, 5, 0);
    let report = c.h.bundle_info(&c.id).reports[0].clone().unwrap();
    c.h.wait(WINDOW);
    assert_err(
        c.h.submit_fraud(c.state_proof(0, &block, &state)),
        E::DisputeWindowClosed { report_id: report.report_id, window_ends_at: report.window_ends_at, now: c.h.now() },
    );
    c.assert_unchanged(1, 0);
}

#[test]
fn a_false_lock_proven_by_receipt_cannot_be_proven_again_by_state() {
    let mut c = case();
    let state = c.state(0, None);
    let block = c.block_with_state(0, lock_receipt(2, false, &c.ev(0)), &state);
    c.report_at(1, 0, &block, 5, 1);
    c.h.submit_fraud(c.proof(0, &block, 5)).unwrap();
    assert_err(c.h.submit_fraud(c.state_proof(0, &block, &state)), E::NoReport { bundle_id: c.id, leg_index: 0 });
    assert_eq!(frauds(&c.h).len(), 1);
}

#[test]
fn a_state_proof_with_an_unknown_field_is_refused() {
    let c = case();
    let state = c.state(0, None);
    let block = c.block_with_state(0, oversized_receipt(), &state);
    let msg = mesh_hub_api::dispute::ExecuteMsg::SubmitFraudProof { proof: c.state_proof(0, &block, &state) };
    let json = String::from_utf8(cosmwasm_std::to_json_vec(&msg).unwrap()).unwrap();
    assert!(cosmwasm_std::from_json::<mesh_hub_api::dispute::ExecuteMsg>(&json).is_ok());
    assert!(json.contains(r#""evidence":{"evm_state":{"#), "{json}");
    let extra = json.replace(r#""evm_state":{"#, r#""evm_state":{"receipt":"","#);
    let err = cosmwasm_std::from_json::<mesh_hub_api::dispute::ExecuteMsg>(&extra).unwrap_err();
    assert!(err.to_string().contains("unknown field `receipt`"), "{err}");
    // Beside the evidence too, and a VM arm the hub does not know is no evidence.
    let beside = json.replace(r#""evidence":{"#, r#""header":"","evidence":{"#);
    assert!(cosmwasm_std::from_json::<mesh_hub_api::dispute::ExecuteMsg>(&beside).is_err());
    let other_vm = json.replace(r#""evm_state":{"#, r#""cosmwasm_state":{"#);
    let err = cosmwasm_std::from_json::<mesh_hub_api::dispute::ExecuteMsg>(&other_vm).unwrap_err();
    assert!(err.to_string().contains("unknown variant `cosmwasm_state`"), "{err}");
}

// ------------------------------------------------------------------ equivocation

fn batch_stmt(h: &Hub, i: usize, epoch: u64, batch_index: u64, root: Hash32) -> SignedStatement {
    SignedStatement::Batch { epoch, batch_index, root, signature: h.batch_signature(i, epoch, batch_index, root) }
}
fn update_stmt(h: &Hub, i: usize, new_epoch: u64, signers_hash: Hash32) -> SignedStatement {
    SignedStatement::SignerSetUpdate {
        new_epoch,
        signers_hash,
        signature: h.update_signature(i, new_epoch, signers_hash),
    }
}
fn root(s: &str) -> Hash32 {
    Hash32(keccak256(s))
}

#[test]
fn equivocation_over_two_batch_roots_is_proven_once() {
    let mut h = Hub::with_relayers(3);
    let (a, b) = (batch_stmt(&h, 2, 1, 0, root("a")), batch_stmt(&h, 2, 1, 0, root("b")));
    let before = h.balance(&h.addr("disputer"));
    h.submit_fraud(FraudProof::Equivocation { first: a.clone(), second: b.clone() }).unwrap();
    let f = frauds(&h).pop().unwrap();
    assert_eq!(
        (f.kind, f.relayer.clone(), f.evm_signer),
        (FraudKind::Equivocation, h.relayers[2].addr.clone(), Some(h.relayers[2].evm))
    );
    assert!(h.relayer_info(2).jailed);
    assert!(h.balance(&h.addr("disputer")) > before, "bounty paid");
    // The same slot cannot be proven again, in either order or with a third root.
    assert_err(
        h.submit_fraud(FraudProof::Equivocation { first: b.clone(), second: a.clone() }),
        E::AlreadyProven { fraud_id: 0 },
    );
    let c = batch_stmt(&h, 2, 1, 0, root("c"));
    assert_err(h.submit_fraud(FraudProof::Equivocation { first: a, second: c }), E::AlreadyProven { fraud_id: 0 });
}

#[test]
fn a_signer_punished_for_a_slot_is_not_punished_again_under_the_other_proof_kind() {
    let mut h = Hub::with_relayers(3);
    let (index, real_root) = closed_batch(&mut h);
    // Proven as a wrong attestation first …
    let wrong = batch_stmt(&h, 1, 1, index, root("other"));
    let sig = h.batch_signature(1, 1, index, root("other"));
    h.submit_fraud(FraudProof::WrongAttestation { epoch: 1, batch_index: index, root: root("other"), signature: sig })
        .unwrap();
    // … the same slot and signer shown as an equivocation is the same fraud.
    let honest = batch_stmt(&h, 1, 1, index, real_root);
    assert_err(
        h.submit_fraud(FraudProof::Equivocation { first: honest, second: wrong }),
        E::AlreadyProven { fraud_id: 0 },
    );
    // And the other way round, for a signer-set update.
    let (a, b) = (update_stmt(&h, 0, 9, root("set a")), update_stmt(&h, 0, 9, root("set b")));
    h.submit_fraud(FraudProof::Equivocation { first: a, second: b }).unwrap();
    let sig = h.update_signature(0, 9, root("set a"));
    assert_err(
        h.submit_fraud(FraudProof::WrongSignerSetUpdate { new_epoch: 9, signers_hash: root("set a"), signature: sig }),
        E::AlreadyProven { fraud_id: 1 },
    );
    assert_eq!(frauds(&h).len(), 2);
}

#[test]
fn equivocation_over_two_signer_sets_for_one_epoch_is_proven() {
    let mut h = Hub::with_relayers(3);
    let (a, b) = (update_stmt(&h, 0, 2, root("set a")), update_stmt(&h, 0, 2, root("set b")));
    h.submit_fraud(FraudProof::Equivocation { first: a, second: b }).unwrap();
    assert!(h.relayer_info(0).jailed);
}

#[test]
fn equivocation_proof_is_rejected_when_the_statements_do_not_conflict() {
    let mut h = Hub::with_relayers(3);
    let eq = |first, second| FraudProof::Equivocation { first, second };
    let a = batch_stmt(&h, 0, 1, 0, root("a"));
    assert_err(
        h.submit_fraud(eq(a.clone(), a.clone())),
        E::NotConflicting { reason: "both batch statements have the same root" },
    );
    assert_err(
        h.submit_fraud(eq(a.clone(), batch_stmt(&h, 0, 1, 1, root("b")))),
        E::NotConflicting { reason: "the batches have different epochs or indexes" },
    );
    assert_err(
        h.submit_fraud(eq(a.clone(), update_stmt(&h, 0, 2, root("s")))),
        E::NotConflicting { reason: "the statements are of different kinds" },
    );
    let u = update_stmt(&h, 0, 2, root("s"));
    assert_err(
        h.submit_fraud(eq(u.clone(), u.clone())),
        E::NotConflicting { reason: "both updates have the same signers hash" },
    );
    assert_err(
        h.submit_fraud(eq(u, update_stmt(&h, 0, 3, root("t")))),
        E::NotConflicting { reason: "the updates are for different epochs" },
    );
    assert_err(
        h.submit_fraud(eq(a.clone(), batch_stmt(&h, 1, 1, 0, root("b")))),
        E::DifferentSigners { first: h.relayers[0].evm, second: h.relayers[1].evm },
    );
    // A key that no relayer registered.
    let stranger = signing_key(&[0x77; 32]).unwrap();
    let sign = |r: Hash32| SignedStatement::Batch {
        epoch: 1,
        batch_index: 0,
        root: r,
        signature: sign_digest(
            &stranger,
            mesh_protocol::eip712::settlement_batch_digest(
                &h.hub,
                &mesh_protocol::SettlementBatch { epoch: 1, batch_index: 0, root: r },
            ),
        ),
    };
    assert_err(
        h.submit_fraud(eq(sign(root("a")), sign(root("b")))),
        E::UnknownSigner { signer: EvmAddress(mesh_protocol::sig::signer_address(&stranger)) },
    );
    let SignedStatement::Batch { signature, .. } = &a else { unreachable!() };
    let mut broken = *signature;
    broken.0[64] = 30;
    let bad = SignedStatement::Batch { epoch: 1, batch_index: 0, root: root("b"), signature: broken };
    assert_err(
        h.submit_fraud(eq(a, bad)),
        E::InvalidSignature { which: "second", reason: ProtocolError::SignatureV { v: 30 } },
    );
    assert!(frauds(&h).is_empty());
}

// ------------------------------------------------------------------ wrong attestation

fn closed_batch(h: &mut Hub) -> (u64, Hash32) {
    h.register_sample(50, 1);
    h.wait(1_001);
    let index = h.advance().unwrap().closed_batches[0];
    (index, h.batch(index).root.unwrap())
}

#[test]
fn wrong_attestation_is_proven_for_a_batch_the_hub_never_closed() {
    let mut h = Hub::with_relayers(3);
    let (index, real_root) = closed_batch(&mut h);
    // Future index (the open batch has no root yet).
    let sig = h.batch_signature(1, 1, index + 1, root("made up"));
    h.submit_fraud(FraudProof::WrongAttestation {
        epoch: 1,
        batch_index: index + 1,
        root: root("made up"),
        signature: sig,
    })
    .unwrap();
    assert!(h.relayer_info(1).jailed);
    // Closed index, other root.
    let sig = h.batch_signature(0, 1, index, root("other"));
    h.submit_fraud(FraudProof::WrongAttestation { epoch: 1, batch_index: index, root: root("other"), signature: sig })
        .unwrap();
    // Closed index and root, other epoch.
    let sig = h.batch_signature(2, 7, index, real_root);
    h.submit_fraud(FraudProof::WrongAttestation { epoch: 7, batch_index: index, root: real_root, signature: sig })
        .unwrap();
    let kinds: Vec<_> = frauds(&h).iter().map(|f| f.kind).collect();
    assert_eq!(kinds, vec![FraudKind::WrongAttestation; 3]);
    let sig = h.batch_signature(2, 7, index, real_root);
    assert_err(
        h.submit_fraud(FraudProof::WrongAttestation { epoch: 7, batch_index: index, root: real_root, signature: sig }),
        E::AlreadyProven { fraud_id: 2 },
    );
}

#[test]
fn wrong_attestation_proof_is_rejected_when_the_hub_closed_that_batch() {
    let mut h = Hub::with_relayers(3);
    let (index, real_root) = closed_batch(&mut h);
    let sig = h.batch_signature(0, 1, index, real_root);
    assert_err(
        h.submit_fraud(FraudProof::WrongAttestation { epoch: 1, batch_index: index, root: real_root, signature: sig }),
        E::AttestationIsCorrect { epoch: 1, batch_index: index, root: real_root },
    );
    let mut high = sig;
    high.0[32] = 0xff;
    assert_err(
        h.submit_fraud(FraudProof::WrongAttestation { epoch: 1, batch_index: index, root: real_root, signature: high }),
        E::InvalidSignature { which: "attestation", reason: ProtocolError::HighS },
    );
    assert!(frauds(&h).is_empty());
}

#[test]
fn a_slashed_signer_is_refused_on_the_hub_and_left_out_of_the_next_set() {
    let mut h = Hub::with_relayers(4);
    let (index, _) = closed_batch(&mut h);
    let sig = h.batch_signature(3, 1, index + 5, root("x"));
    h.submit_fraud(FraudProof::WrongAttestation { epoch: 1, batch_index: index + 5, root: root("x"), signature: sig })
        .unwrap();
    assert_err(
        h.submit_batch_signatures(index, &[3]),
        bundle_log::ContractError::SignerJailed { position: 0, signer: h.relayers[3].evm },
    );
    h.submit_batch_signatures(index, &[0, 1, 2]).unwrap();
    assert_eq!(h.batch(index).status, BatchStatus::Attested);
    h.wait(ROTATION_DELAY);
    h.rotate().unwrap();
    let set = h.current_set().unwrap();
    assert_eq!(set.set.epoch, 2);
    assert!(!set.set.signers.iter().any(|s| s.address == h.relayers[3].evm));
}

// ------------------------------------------------------------------ wrong signer-set update

#[test]
fn wrong_signer_set_update_is_proven_and_a_correct_one_is_refused() {
    let mut h = Hub::with_relayers(3);
    h.bond(3, STAKE).unwrap();
    h.wait(ROTATION_DELAY);
    h.rotate().unwrap();
    let real = h.current_set().unwrap().signers_hash;
    let sig = h.update_signature(0, 2, real);
    assert_err(
        h.submit_fraud(FraudProof::WrongSignerSetUpdate { new_epoch: 2, signers_hash: real, signature: sig }),
        E::UpdateIsCorrect { new_epoch: 2, signers_hash: real },
    );
    let sig = h.update_signature(1, 2, root("forged"));
    h.submit_fraud(FraudProof::WrongSignerSetUpdate { new_epoch: 2, signers_hash: root("forged"), signature: sig })
        .unwrap();
    let sig = h.update_signature(2, 3, root("not yet made"));
    h.submit_fraud(FraudProof::WrongSignerSetUpdate {
        new_epoch: 3,
        signers_hash: root("not yet made"),
        signature: sig,
    })
    .unwrap();
    let f = frauds(&h);
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].detail, FraudDetail::WrongSignerSetUpdate { new_epoch: 2, signers_hash: root("forged") });
    assert!(h.relayer_info(1).jailed && h.relayer_info(2).jailed && !h.relayer_info(0).jailed);
}

// ------------------------------------------------------------------ instantiate and queries

#[test]
fn instantiate_is_refused_when_the_stake_escrow_is_not_the_bundle_log_s() {
    let mut h = Hub::new();
    let admin = h.admin.clone();
    let msg = mesh_hub_api::dispute::InstantiateMsg {
        bundle_log: h.log.to_string(),
        stake_escrow: h.addr("mallory").to_string(),
        max_proof_nodes: None,
        max_evidence_bytes: None,
    };
    let res = h.app.instantiate_contract(h.code_ids.2, admin.clone(), &msg, &[], "d", None);
    let reason = format!("is {}, but the bundle-log uses {}", h.addr("mallory"), h.stake);
    assert_err(res, E::InvalidConfig { field: "stake_escrow", reason });
    let msg =
        mesh_hub_api::dispute::InstantiateMsg { stake_escrow: h.stake.to_string(), max_proof_nodes: Some(0), ..msg };
    assert_err(
        h.app.instantiate_contract(h.code_ids.2, admin, &msg, &[], "d", None),
        E::InvalidConfig { field: "max_proof_nodes", reason: "must be positive".into() },
    );
    let c: ConfigResponse = h.app.wrap().query_wasm_smart(&h.dispute, &QueryMsg::Config {}).unwrap();
    assert_eq!((c.bundle_log, c.hub_chain_id), (h.log.clone(), h.hub.hub_chain_id.clone()));
    assert_err(
        h.app.wrap().query_wasm_smart::<FraudRecord>(&h.dispute, &QueryMsg::Fraud { id: 3 }),
        "fraud 3 not found",
    );
    let _ = Address::ZERO;
}
