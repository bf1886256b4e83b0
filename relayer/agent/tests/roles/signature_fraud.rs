//! Signature fraud against an in-memory chain and hub: the disputer's watch on what signer-set
//! quorums deliver to EVM chains, and the file checks of `mesh dispute prove-equivocation` /
//! `prove-wrong-attestation`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use k256::ecdsa::SigningKey;
use mesh_chain_evm::EvmChain;
use mesh_hub_api::dispute::{FraudProof, SignedStatement};
use mesh_protocol::eip712::{signer_set_hash, HubDomain};
use mesh_protocol::sig::{sign_digest, signer_address, signing_key};
use mesh_protocol::{Address, Hash32, SignerSet, Verdict};
use mesh_relayer::fraud::{self, ProofError, Slot};
use mesh_relayer::fraud::{build_signature_proof, prove_signatures, SignatureFiles};
use mesh_relayer::metrics::Metrics;
use mesh_relayer::roles::disputer::{Disputer, ProvenSignature, WatchedDeliveries};
use mesh_relayer::store::Store;
use mesh_testkit::mocks::*;

const CHAIN: u64 = 31337;
const ROUTER: Address = Address::repeat_byte(0xa1);
const VERIFIER: Address = Address::repeat_byte(0xa2);
const CONFIRMATIONS: u64 = 2;

fn key(n: u8) -> SigningKey {
    signing_key(&[n; 32]).expect("valid key")
}

fn address(k: &SigningKey) -> Address {
    signer_address(k)
}

/// `k`'s signature over batch `batch_index` of `epoch` with `root`.
fn batch_statement(k: &SigningKey, epoch: u64, batch_index: u64, root: Hash32) -> SignedStatement {
    let mut s = SignedStatement::Batch { epoch, batch_index, root, signature: mesh_protocol::Signature65([0; 65]) };
    let sig = sign_digest(k, fraud::digest(&domain(), &s));
    if let SignedStatement::Batch { signature, .. } = &mut s {
        *signature = sig;
    }
    s
}

fn update_statement(k: &SigningKey, new_epoch: u64, signers_hash: Hash32) -> SignedStatement {
    let mut s =
        SignedStatement::SignerSetUpdate { new_epoch, signers_hash, signature: mesh_protocol::Signature65([0; 65]) };
    let sig = sign_digest(k, fraud::digest(&domain(), &s));
    if let SignedStatement::SignerSetUpdate { signature, .. } = &mut s {
        *signature = sig;
    }
    s
}

/// A hub with signer set epoch 1 = keys 1, 2, 3 (all bonded), batches 0 and 1 closed under
/// epoch 1 and batch 2 open. Key 9 signs too but nobody bonded it.
fn hub() -> MockHub {
    let hub = MockHub::new();
    let members: Vec<Address> = (1..=3).map(|n| address(&key(n))).collect();
    hub.put_signer_set(signer_set(1, &members, &[]));
    for (i, a) in members.iter().enumerate() {
        hub.put_relayer(*a, &format!("mesh1relayer{i}"), 10_000);
    }
    for index in 0..2u64 {
        hub.put_batch(closed_batch(index, 1, &[(h(0x10 + index as u8), Verdict::Commit)]));
    }
    hub.set_current_batch(open_batch(2, GENESIS_TIME, &[]));
    hub
}

fn hub_root(hub: &MockHub, index: u64) -> Hash32 {
    hub.batch_now(index).root.expect("closed batch")
}

fn disputer(
    chain: &MockChain,
    hub: &MockHub,
    store: Arc<Store>,
) -> Disputer<EvmChain<MockChain>, EvmChain<MockChain>, MockHub> {
    Disputer {
        chains: HashMap::from([(CHAIN, evm_chain("anvil-a", chain.clone(), ROUTER, VERIFIER))]),
        watches: HashMap::from([(
            CHAIN,
            (
                evm_chain("anvil-a", chain.clone(), ROUTER, VERIFIER),
                WatchedDeliveries { confirmations: CONFIRMATIONS, start_block: 0, max_range: 4 },
            ),
        )]),
        domain: domain(),
        hub: hub.clone(),
        store,
        metrics: Metrics::new(),
    }
}

/// The signers of the submitted proofs, each checked to recover over its own statement.
fn proven_signers(hub: &MockHub) -> Vec<Address> {
    hub.frauds()
        .iter()
        .map(|p| {
            let s = match p.clone() {
                FraudProof::WrongAttestation { epoch, batch_index, root, signature } => {
                    SignedStatement::Batch { epoch, batch_index, root, signature }
                }
                FraudProof::WrongSignerSetUpdate { new_epoch, signers_hash, signature } => {
                    SignedStatement::SignerSetUpdate { new_epoch, signers_hash, signature }
                }
                other => panic!("expected a wrong-statement proof, got {other:?}"),
            };
            fraud::signer(&domain(), &s, "proof").unwrap().0
        })
        .collect()
}

// ------------------------------------------------------------------------------ the watcher

#[tokio::test]
async fn a_root_the_hub_never_closed_delivered_to_a_verifier_is_proven_once_per_signer() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let hub = hub();
    let fake = Hash32(h(0xfa));
    // batch 1 is closed with another root; keys 1 and 2 push a fake one to the chain
    chain.deliver(vec![batch_statement(&key(1), 1, 1, fake), batch_statement(&key(2), 1, 1, fake)]);
    chain.mine_empty(CONFIRMATIONS);
    let d = disputer(&chain, &hub, store.clone());

    let t = d.tick().await.unwrap();
    let slot = Slot::Batch { epoch: 1, batch_index: 1 };
    assert_eq!(
        t.signatures_proven,
        vec![
            ProvenSignature { chain_id: CHAIN, signer: mesh_protocol::EvmAddress(address(&key(1))), slot },
            ProvenSignature { chain_id: CHAIN, signer: mesh_protocol::EvmAddress(address(&key(2))), slot },
        ]
    );
    assert_eq!(proven_signers(&hub), vec![address(&key(1)), address(&key(2))]);
    assert!(matches!(&hub.frauds()[0], FraudProof::WrongAttestation { root, .. } if *root == fake));
    assert_eq!(d.metrics.frauds_found.get(), 2);

    let t = d.tick().await.unwrap();
    assert!(t.signatures_proven.is_empty());
    assert_eq!(hub.frauds().len(), 2, "proven once");
}

#[tokio::test]
async fn a_root_for_a_batch_the_hub_has_not_reached_yet_counts_as_never_closed() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let hub = hub();
    chain.deliver(vec![batch_statement(&key(3), 1, 1000, Hash32(h(0xfb)))]);
    chain.mine_empty(CONFIRMATIONS);
    let t = disputer(&chain, &hub, store).tick().await.unwrap();
    assert_eq!(t.signatures_proven.len(), 1);
    assert_eq!(proven_signers(&hub), vec![address(&key(3))]);
}

#[tokio::test]
async fn signatures_over_the_hubs_own_root_prove_nothing() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let hub = hub();
    let root = hub_root(&hub, 0);
    chain.deliver(vec![batch_statement(&key(1), 1, 0, root), batch_statement(&key(2), 1, 0, root)]);
    chain.mine_empty(CONFIRMATIONS);
    let d = disputer(&chain, &hub, store);
    let batch_reads = hub.calls(HubMethod::Batch);
    let t = d.tick().await.unwrap();
    assert!(t.signatures_proven.is_empty());
    assert_eq!(hub.calls(HubMethod::SubmitFraud), 0);
    assert_eq!(d.metrics.frauds_found.get(), 0);
    assert_eq!(hub.calls(HubMethod::Batch), batch_reads + 1, "one honest statement, one hub check for both signatures");
}

#[tokio::test]
async fn the_hubs_root_under_another_epoch_is_a_wrong_statement() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let hub = hub();
    // the hub closed batch 0 under epoch 1, not 2
    chain.deliver(vec![batch_statement(&key(1), 2, 0, hub_root(&hub, 0))]);
    chain.mine_empty(CONFIRMATIONS);
    let t = disputer(&chain, &hub, store).tick().await.unwrap();
    assert_eq!(t.signatures_proven.len(), 1);
}

#[tokio::test]
async fn a_signature_by_a_key_nobody_bonded_or_an_unrecoverable_one_is_ignored() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let hub = hub();
    let mut garbage = batch_statement(&key(1), 1, 1, Hash32(h(0xfa)));
    if let SignedStatement::Batch { signature, .. } = &mut garbage {
        signature.0[64] = 99; // v out of range
    }
    chain.deliver(vec![batch_statement(&key(9), 1, 1, Hash32(h(0xfa))), garbage]);
    chain.mine_empty(CONFIRMATIONS);
    let t = disputer(&chain, &hub, store).tick().await.unwrap();
    assert!(t.signatures_proven.is_empty());
    assert_eq!(hub.calls(HubMethod::SubmitFraud), 0);
}

#[tokio::test]
async fn a_signer_set_the_hub_never_made_is_proven_as_a_wrong_signer_set_update() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let hub = hub();
    let honest_set = signer_set(2, &[address(&key(1)), address(&key(2))], &[]);
    hub.put_signer_set(honest_set.clone());
    let rogue = SignerSet { epoch: 2, signers: honest_set.set.signers[..1].to_vec(), ..honest_set.set.clone() };
    let rogue_hash = Hash32(signer_set_hash(&rogue));
    chain
        .deliver(vec![update_statement(&key(1), 2, honest_set.signers_hash), update_statement(&key(2), 2, rogue_hash)]);
    chain.mine_empty(CONFIRMATIONS);
    let t = disputer(&chain, &hub, store).tick().await.unwrap();
    assert_eq!(t.signatures_proven.len(), 1, "only the rotation to a set the hub never made");
    assert_eq!(t.signatures_proven[0].slot, Slot::SignerSetUpdate { new_epoch: 2 });
    assert_eq!(proven_signers(&hub), vec![address(&key(2))]);
    assert!(
        matches!(&hub.frauds()[0], FraudProof::WrongSignerSetUpdate { signers_hash, .. } if *signers_hash == rogue_hash)
    );
}

#[tokio::test]
async fn signatures_are_read_in_bounded_ranges_up_to_head_minus_confirmations() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 9); // head 9
    let hub = hub();
    let d = disputer(&chain, &hub, store.clone());
    d.tick().await.unwrap();
    assert_eq!(chain.delivered_calls(), vec![(0, 3), (4, 7)], "max_range 4, up to head 9 − 2");
    // a delivery above head − confirmations waits
    let block = chain.deliver(vec![batch_statement(&key(1), 1, 1, Hash32(h(0xfa)))]);
    assert_eq!(block.number, 10);
    let t = d.tick().await.unwrap();
    assert!(t.signatures_proven.is_empty());
    assert_eq!(chain.delivered_calls().last(), Some(&(8, 8)));
    chain.mine_empty(CONFIRMATIONS);
    let t = d.tick().await.unwrap();
    assert_eq!(t.signatures_proven.len(), 1);
    assert_eq!(chain.delivered_calls().last(), Some(&(9, 10)));
}

#[tokio::test]
async fn a_restart_never_submits_a_proof_twice() {
    let dir = tempfile::tempdir().unwrap();
    let chain = MockChain::new(CHAIN, 2);
    let hub = hub();
    let wrong = batch_statement(&key(1), 1, 1, Hash32(h(0xfa)));
    chain.deliver(vec![wrong.clone()]);
    chain.mine_empty(CONFIRMATIONS);
    {
        let store = Arc::new(Store::open(&db_path(dir.path())).unwrap());
        let t = disputer(&chain, &hub, store).tick().await.unwrap();
        assert_eq!(t.signatures_proven.len(), 1);
    }
    let reads = chain.delivered_calls().len();

    let store = Arc::new(Store::open(&db_path(dir.path())).unwrap());
    let d = disputer(&chain, &hub, store.clone());
    d.tick().await.unwrap();
    assert_eq!(chain.delivered_calls().len(), reads, "the cursor survived: nothing new to read");
    // the same signature delivered again (posted to another contract, or a range read twice
    // after a crash) is not proven again
    chain.deliver(vec![wrong.clone()]);
    chain.mine_empty(CONFIRMATIONS);
    let t = d.tick().await.unwrap();
    assert!(t.signatures_proven.is_empty());
    store.set_counter("disputer.signatures_next.31337", 0).unwrap();
    d.tick().await.unwrap();
    assert_eq!(hub.calls(HubMethod::SubmitFraud), 1);
}

#[tokio::test]
async fn a_proof_refused_as_already_proven_is_recorded_and_not_retried() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let hub = hub();
    let wrong = batch_statement(&key(1), 1, 1, Hash32(h(0xfa)));
    chain.deliver(vec![wrong.clone()]);
    chain.mine_empty(CONFIRMATIONS);
    hub.fail_next(HubMethod::SubmitFraud, Failure::Contract("this fraud was already proven (fraud 0)".into()));
    let d = disputer(&chain, &hub, store.clone());
    let t = d.tick().await.unwrap();
    assert!(t.signatures_proven.is_empty());
    assert_eq!(d.metrics.frauds_found.get(), 0);
    let signer = fraud::signer(&domain(), &wrong, "test").unwrap();
    assert_eq!(store.signature_fraud(&fraud::wrong_statement_key(&wrong, signer)).unwrap(), Some(2));

    chain.deliver(vec![wrong]);
    chain.mine_empty(CONFIRMATIONS);
    d.tick().await.unwrap();
    assert_eq!(hub.calls(HubMethod::SubmitFraud), 1);
}

#[tokio::test]
async fn a_proof_lost_to_a_hub_outage_is_submitted_next_round() {
    let (_dir, store) = temp_store();
    let chain = MockChain::new(CHAIN, 2);
    let hub = hub();
    chain.deliver(vec![batch_statement(&key(1), 1, 1, Hash32(h(0xfa)))]);
    chain.mine_empty(CONFIRMATIONS);
    hub.fail_next(HubMethod::SubmitFraud, Failure::Transient);
    let d = disputer(&chain, &hub, store);
    assert!(d.tick().await.unwrap_err().is_recoverable());
    assert!(hub.frauds().is_empty());
    let t = d.tick().await.unwrap();
    assert_eq!(t.signatures_proven.len(), 1);
    assert_eq!(hub.frauds().len(), 1);
}

// ---------------------------------------------------------------------------- the CLI path

fn write(dir: &Path, name: &str, s: &SignedStatement) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(s).unwrap()).unwrap();
    path
}

fn pair(first: &SignedStatement, second: &SignedStatement) -> (tempfile::TempDir, SignatureFiles) {
    let dir = tempfile::tempdir().unwrap();
    let files = SignatureFiles::Equivocation {
        first: write(dir.path(), "first.json", first),
        second: write(dir.path(), "second.json", second),
    };
    (dir, files)
}

fn single(s: &SignedStatement) -> (tempfile::TempDir, SignatureFiles) {
    let dir = tempfile::tempdir().unwrap();
    let files = SignatureFiles::WrongStatement { signature: write(dir.path(), "sig.json", s) };
    (dir, files)
}

async fn refusal(hub: &MockHub, files: &SignatureFiles) -> ProofError {
    let err = build_signature_proof(hub, &domain(), files).await.expect_err("the files prove nothing");
    assert_eq!(hub.calls(HubMethod::SubmitFraud), 0, "nothing is sent");
    err
}

#[tokio::test]
async fn two_roots_for_one_batch_by_one_signer_prove_equivocation_and_dry_run_sends_nothing() {
    let hub = hub();
    let k = key(2);
    let (a, b) = (Hash32(h(0xaa)), Hash32(h(0xbb)));
    let (_dir, files) = pair(&batch_statement(&k, 1, 7, a), &batch_statement(&k, 1, 7, b));

    let mut out = Vec::new();
    let tx = prove_signatures(&hub, &domain(), &files, true, &mut out).await.unwrap();
    assert_eq!(tx, None);
    assert_eq!(hub.calls(HubMethod::SubmitFraud), 0);
    let text = String::from_utf8(out).unwrap();
    for needle in [
        "equivocation".to_string(),
        mesh_protocol::EvmAddress(address(&k)).to_string(),
        "batch 7 of epoch 1".into(),
        a.to_string(),
        b.to_string(),
        "bonded 10000".into(),
        "mesh1relayer1".into(),
        "dry run".into(),
    ] {
        assert!(text.contains(&needle), "{needle:?} missing from:\n{text}");
    }

    let tx = prove_signatures(&hub, &domain(), &files, false, &mut Vec::new()).await.unwrap();
    assert!(tx.is_some());
    let frauds = hub.frauds();
    assert!(matches!(frauds.as_slice(), [FraudProof::Equivocation { .. }]), "{frauds:?}");
}

#[tokio::test]
async fn two_signer_sets_for_one_epoch_by_one_signer_prove_equivocation() {
    let hub = hub();
    let (_dir, files) = pair(&update_statement(&key(1), 2, Hash32(h(1))), &update_statement(&key(1), 2, Hash32(h(2))));
    let f = build_signature_proof(&hub, &domain(), &files).await.unwrap();
    assert_eq!(f.slot, Slot::SignerSetUpdate { new_epoch: 2 });
    assert!(f.member, "key 1 is in epoch 1, which signs the update to epoch 2");
}

#[tokio::test]
async fn the_same_statement_twice_is_refused() {
    let hub = hub();
    let s = batch_statement(&key(1), 1, 7, Hash32(h(0xaa)));
    let (_dir, files) = pair(&s, &s);
    assert!(matches!(refusal(&hub, &files).await, ProofError::SameStatement { .. }));
}

#[tokio::test]
async fn statements_for_different_slots_are_refused() {
    let hub = hub();
    let k = key(1);
    let (_d1, files) = pair(&batch_statement(&k, 1, 7, Hash32(h(0xaa))), &batch_statement(&k, 1, 8, Hash32(h(0xbb))));
    assert!(matches!(refusal(&hub, &files).await, ProofError::DifferentSlots { .. }));
    let (_d2, files) = pair(&batch_statement(&k, 1, 7, Hash32(h(0xaa))), &batch_statement(&k, 2, 7, Hash32(h(0xbb))));
    assert!(matches!(refusal(&hub, &files).await, ProofError::DifferentSlots { .. }));
    let (_d3, files) = pair(&batch_statement(&k, 1, 2, Hash32(h(0xaa))), &update_statement(&k, 2, Hash32(h(0xbb))));
    let err = refusal(&hub, &files).await;
    assert!(err.to_string().contains("different slots"), "{err}");
}

#[tokio::test]
async fn statements_by_different_signers_are_refused() {
    let hub = hub();
    let (_dir, files) =
        pair(&batch_statement(&key(1), 1, 7, Hash32(h(0xaa))), &batch_statement(&key(2), 1, 7, Hash32(h(0xbb))));
    assert!(matches!(refusal(&hub, &files).await, ProofError::DifferentSigners { .. }));
}

#[tokio::test]
async fn a_signer_nobody_bonded_is_refused() {
    let hub = hub();
    let k = key(9);
    let (_d1, files) = pair(&batch_statement(&k, 1, 7, Hash32(h(0xaa))), &batch_statement(&k, 1, 7, Hash32(h(0xbb))));
    assert!(matches!(refusal(&hub, &files).await, ProofError::UnknownSigner { .. }));
    let (_d2, files) = single(&batch_statement(&k, 1, 7, Hash32(h(0xaa))));
    let err = refusal(&hub, &files).await;
    assert!(err.to_string().contains("not a registered relayer"), "{err}");
}

#[tokio::test]
async fn a_statement_the_hub_made_itself_is_refused_as_honest() {
    let hub = hub();
    let (_d1, files) = single(&batch_statement(&key(1), 1, 1, hub_root(&hub, 1)));
    assert!(matches!(refusal(&hub, &files).await, ProofError::HubAgrees { .. }));
    let set = signer_set(2, &[address(&key(1))], &[]);
    hub.put_signer_set(set.clone());
    let (_d2, files) = single(&update_statement(&key(1), 2, set.signers_hash));
    assert!(matches!(refusal(&hub, &files).await, ProofError::HubAgrees { .. }));
}

#[tokio::test]
async fn a_root_the_hub_never_closed_proves_a_wrong_attestation() {
    let hub = hub();
    let fake = Hash32(h(0xfa));
    let (_dir, files) = single(&batch_statement(&key(3), 1, 1, fake));
    let mut out = Vec::new();
    prove_signatures(&hub, &domain(), &files, true, &mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("wrong attestation") && text.contains(&hub_root(&hub, 1).to_string()), "{text}");
    assert_eq!(hub.calls(HubMethod::SubmitFraud), 0);
    prove_signatures(&hub, &domain(), &files, false, &mut Vec::new()).await.unwrap();
    assert!(
        matches!(hub.frauds().as_slice(), [FraudProof::WrongAttestation { root, batch_index: 1, .. }] if *root == fake)
    );
}

#[tokio::test]
async fn a_file_that_is_not_a_signed_statement_is_refused_with_its_path() {
    let hub = hub();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    let mut json = serde_json::to_value(batch_statement(&key(1), 1, 7, Hash32(h(0xaa)))).unwrap();
    json["batch"]["extra"] = 1.into();
    std::fs::write(&path, json.to_string()).unwrap();
    let err = refusal(&hub, &SignatureFiles::WrongStatement { signature: path.clone() }).await;
    assert!(matches!(err, ProofError::Parse { .. }), "{err}");
    assert!(err.to_string().contains("bad.json"), "{err}");
    let missing = refusal(&hub, &SignatureFiles::WrongStatement { signature: dir.path().join("nope.json") }).await;
    assert!(matches!(missing, ProofError::Read { .. }), "{missing}");
}

#[test]
fn the_example_signature_files_parse_and_recover_to_the_vector_signer() {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    // the deployment of contracts/packages/mesh-protocol/vectors/protocol.json
    let devnet = HubDomain::new("mesh-devnet-1", "inj1qg5ega6dykkxc307y25pecuufrjkxkaggkkxh7");
    for name in ["signed-statement.json", "signed-signer-set-update.json"] {
        let s = fraud::read_statement(&examples.join(name)).unwrap();
        let signer = fraud::signer(&devnet, &s, "example").unwrap();
        assert_eq!(signer.to_string().to_lowercase(), "0x28bff213bc143045ef55cb2b77ef38f412970745", "{name}");
    }
}
