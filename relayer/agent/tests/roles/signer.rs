//! The signer against an in-memory hub.

use std::sync::Arc;

use k256::ecdsa::SigningKey;
use mesh_hub_api::bundle_log::{SignerSetUpdateResponse, SignerSignature};
use mesh_protocol::eip712::{settlement_batch_digest, signer_set_update_digest};
use mesh_protocol::sig::{recover_signer, sign_digest, signer_address, signing_key};
use mesh_protocol::{Address, Amount, EvmAddress, Hash32, SettlementBatch, SignerSetUpdate, Verdict, U256};
use mesh_relayer::metrics::Metrics;
use mesh_relayer::roles::signer::{Signer, SignerTick};
use mesh_relayer::roles::RoleError;
use mesh_relayer::store::{Store, StoreError};
use mesh_testkit::mocks::*;

const OTHER_A: Address = Address::repeat_byte(0x22);
const OTHER_B: Address = Address::repeat_byte(0x33);

fn key() -> SigningKey {
    signing_key(&[0x11; 32]).unwrap()
}

fn me() -> Address {
    signer_address(&key())
}

fn signer(hub: &MockHub, store: Arc<Store>) -> Signer<MockHub> {
    Signer {
        hub: hub.clone(),
        key: key(),
        domain: domain(),
        store,
        metrics: Metrics::new(),
        rotation_delay: 10,
        renewal_window: 600,
    }
}

const ENTRIES: [(u8, Verdict); 3] = [(1, Verdict::Commit), (2, Verdict::Abort), (3, Verdict::Commit)];

fn entries() -> Vec<(mesh_protocol::B256, Verdict)> {
    ENTRIES.iter().map(|(b, v)| (h(*b), *v)).collect()
}

fn digest(epoch: u64, batch_index: u64, root: Hash32) -> mesh_protocol::B256 {
    settlement_batch_digest(&domain(), &SettlementBatch { epoch, batch_index, root })
}

/// A hub with closed batch 0 of epoch 1, whose signer set has this signer in it.
fn hub_with_batch() -> MockHub {
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[me(), OTHER_A, OTHER_B], &[]));
    hub.put_batch(closed_batch(0, 1, &entries()));
    hub
}

#[tokio::test]
async fn a_closed_batch_is_signed_once_with_a_signature_that_recovers_to_the_signer() {
    let (_dir, store) = temp_store();
    let hub = hub_with_batch();
    let s = signer(&hub, store);
    let root = hub.batch_now(0).root.unwrap();

    let t = s.tick().await.unwrap();
    assert_eq!(t, SignerTick { batches_signed: vec![0], ..SignerTick::default() });
    let subs = hub.signature_submissions();
    assert_eq!(subs.len(), 1);
    let (index, sigs) = &subs[0];
    assert_eq!((*index, sigs.len()), (0, 1));
    assert_eq!(recover_signer(digest(1, 0, root), &sigs[0]).unwrap(), me());
    assert_eq!(s.address(), EvmAddress(me()));
    assert_eq!(s.metrics.batches_signed.get(), 1);

    // the hub now shows the signature: nothing more to do
    let t = s.tick().await.unwrap();
    assert_eq!(t, SignerTick::default());
    assert_eq!(hub.signature_submissions().len(), 1);
    assert_eq!(s.metrics.batches_signed.get(), 1);
}

#[tokio::test]
async fn the_signature_binds_epoch_and_batch_index_not_only_the_root() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(3, &[me()], &[]));
    hub.put_batch(closed_batch(7, 3, &entries()));
    let s = signer(&hub, store);
    s.tick().await.unwrap();
    let root = hub.batch_now(7).root.unwrap();
    let sig = hub.signature_submissions()[0].1[0];
    assert_eq!(recover_signer(digest(3, 7, root), &sig).unwrap(), me());
    assert_ne!(recover_signer(digest(3, 6, root), &sig).unwrap(), me());
    assert_ne!(recover_signer(digest(2, 7, root), &sig).unwrap(), me());
}

#[tokio::test]
async fn a_batch_of_an_epoch_the_signer_is_not_a_member_of_is_skipped() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[OTHER_A, OTHER_B], &[]));
    hub.put_batch(closed_batch(0, 1, &entries()));
    let s = signer(&hub, store.clone());
    assert_eq!(s.tick().await.unwrap(), SignerTick::default());
    assert!(hub.signature_submissions().is_empty());
    // nothing was recorded for the slot either
    store.record_batch_signature(1, 0, [0x42; 32]).unwrap();
}

#[tokio::test]
async fn a_jailed_member_does_not_sign() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[me(), OTHER_A], &[me()]));
    hub.put_batch(closed_batch(0, 1, &entries()));
    assert_eq!(signer(&hub, store).tick().await.unwrap(), SignerTick::default());
    assert!(hub.signature_submissions().is_empty());
}

#[tokio::test]
async fn a_batch_that_already_carries_the_signers_signature_is_skipped() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[me(), OTHER_A], &[]));
    let mut b = closed_batch(0, 1, &entries());
    let sig = sign_digest(&key(), digest(1, 0, b.root.unwrap()));
    b.signatures.push(SignerSignature { signer: EvmAddress(me()), signature: sig });
    hub.put_batch(b);
    assert_eq!(signer(&hub, store).tick().await.unwrap(), SignerTick::default());
    assert!(hub.signature_submissions().is_empty());
}

#[tokio::test]
async fn a_batch_whose_root_does_not_match_its_leaves_is_refused_fatally() {
    let (_dir, store) = temp_store();
    let hub = hub_with_batch();
    let mut b = closed_batch(0, 1, &entries());
    b.root = Some(Hash32(h(0x99)));
    hub.put_batch(b);
    let err = signer(&hub, store.clone()).tick().await.unwrap_err();
    assert!(matches!(err, RoleError::Fatal(_)), "{err}");
    assert!(!err.is_recoverable());
    assert!(hub.signature_submissions().is_empty());
    // the refused root was not recorded as signed
    store.record_batch_signature(1, 0, [0x42; 32]).unwrap();
}

#[tokio::test]
async fn a_batch_whose_leaf_does_not_match_its_bundle_and_verdict_is_refused_fatally() {
    let (_dir, store) = temp_store();
    let hub = hub_with_batch();
    // the hub lists bundle 2 as COMMIT but its leaf (and the root over it) says ABORT
    let mut b = closed_batch(0, 1, &entries());
    b.entries[1].verdict = Verdict::Commit;
    hub.put_batch(b);
    let err = signer(&hub, store).tick().await.unwrap_err();
    assert!(matches!(err, RoleError::Fatal(_)), "{err}");
    assert!(hub.signature_submissions().is_empty());
}

#[tokio::test]
async fn a_hub_that_changes_a_signed_batch_root_hits_the_equivocation_guard_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with_batch();
    let first_root = hub.batch_now(0).root.unwrap();
    {
        let store = Arc::new(Store::open(&db_path(dir.path())).unwrap());
        assert_eq!(signer(&hub, store).tick().await.unwrap().batches_signed, vec![0]);
    }
    // the hub now shows batch 0 of epoch 1 with other leaves, a consistent other root, and no
    // signatures
    hub.put_batch(closed_batch(0, 1, &[(h(7), Verdict::Commit)]));
    let second_root = hub.batch_now(0).root.unwrap();
    assert_ne!(first_root, second_root);

    let store = Arc::new(Store::open(&db_path(dir.path())).unwrap());
    let err = signer(&hub, store).tick().await.unwrap_err();
    match &err {
        RoleError::Store(StoreError::WouldEquivocate { epoch, batch, signed, new }) => {
            assert_eq!((*epoch, *batch), (1, 0));
            assert_eq!(*signed, first_root.to_string());
            assert_eq!(*new, second_root.to_string());
        }
        other => panic!("expected the equivocation guard, got {other}"),
    }
    assert!(!err.is_recoverable());
    assert_eq!(hub.signature_submissions().len(), 1, "the second root was never signed");
}

#[tokio::test]
async fn a_signature_the_hub_lost_is_given_again_for_the_same_root() {
    let (_dir, store) = temp_store();
    let hub = hub_with_batch();
    hub.fail_next(HubMethod::SubmitSignatures, Failure::Transient);
    let s = signer(&hub, store);
    assert!(s.tick().await.unwrap_err().is_recoverable());
    assert!(hub.batch_now(0).signatures.is_empty());
    // the same root again is not equivocation
    assert_eq!(s.tick().await.unwrap().batches_signed, vec![0]);
    assert_eq!(hub.batch_now(0).signatures.len(), 1);
}

fn update_to_epoch_2() -> SignerSetUpdateResponse {
    let new = signer_set(2, &[OTHER_A, OTHER_B], &[]);
    SignerSetUpdateResponse {
        update: SignerSetUpdate { new_epoch: 2, signers_hash: new.signers_hash },
        new_set: new.set,
        signing_epoch: 1,
        signed_weight: Amount(U256::ZERO),
        threshold: Amount(U256::from(2u8)),
        attested: false,
        signatures: vec![],
    }
}

#[tokio::test]
async fn a_member_of_the_previous_set_signs_the_hand_over_to_the_next_once() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[me(), OTHER_A], &[]));
    hub.put_signer_set(signer_set(2, &[OTHER_A, OTHER_B], &[]));
    let update = update_to_epoch_2();
    hub.put_update(update.clone());
    let s = signer(&hub, store);

    let t = s.tick().await.unwrap();
    assert_eq!(t, SignerTick { updates_signed: vec![2], ..SignerTick::default() });
    let subs = hub.update_signature_submissions();
    assert_eq!(subs.len(), 1);
    let d = signer_set_update_digest(&domain(), &update.update);
    assert_eq!(recover_signer(d, &subs[0].1[0]).unwrap(), me());

    assert_eq!(s.tick().await.unwrap(), SignerTick::default());
    assert_eq!(hub.update_signature_submissions().len(), 1);
}

#[tokio::test]
async fn a_signer_set_update_whose_hash_does_not_match_its_set_is_refused_fatally() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[me(), OTHER_A], &[]));
    hub.put_signer_set(signer_set(2, &[OTHER_A, OTHER_B], &[]));
    let mut update = update_to_epoch_2();
    update.update.signers_hash = Hash32(h(0x66));
    hub.put_update(update);
    let err = signer(&hub, store).tick().await.unwrap_err();
    assert!(matches!(err, RoleError::Fatal(_)), "{err}");
    assert!(hub.update_signature_submissions().is_empty());
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn the_signer_rotates_the_hub_once_the_active_relayers_changed_and_the_delay_is_over() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    let mut genesis = signer_set(1, &[me(), OTHER_A], &[]);
    genesis.created_at = unix_now();
    hub.put_signer_set(genesis.clone());
    let s = signer(&hub, store);

    // a new relayer bonded, but the current set is younger than the rotation delay
    hub.set_next_signer_set(&[me(), OTHER_A, OTHER_B]);
    assert_eq!(s.tick().await.unwrap().rotated_to, None);
    assert_eq!(hub.calls(HubMethod::RotateSigners), 0);

    genesis.created_at = unix_now() - 11;
    hub.put_signer_set(genesis);
    assert_eq!(s.tick().await.unwrap().rotated_to, Some(2));
    assert_eq!(s.metrics.rotations_triggered.get(), 1);
    // the new set equals the active relayers: nothing more to rotate
    assert_eq!(s.tick().await.unwrap().rotated_to, None);
    assert_eq!(hub.calls(HubMethod::RotateSigners), 1);
}

#[tokio::test]
async fn an_unchanged_active_set_is_never_rotated() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[me(), OTHER_A], &[]));
    hub.set_next_signer_set(&[OTHER_A, me()]);
    let s = signer(&hub, store);
    assert_eq!(s.tick().await.unwrap(), SignerTick::default());
    assert_eq!(hub.calls(HubMethod::RotateSigners), 0);
}

#[tokio::test]
async fn a_rotation_another_relayer_made_first_is_nothing_to_do() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[me(), OTHER_A], &[]));
    hub.set_next_signer_set(&[me(), OTHER_A, OTHER_B]);
    let s = signer(&hub, store);
    hub.fail_next(HubMethod::RotateSigners, Failure::Contract("the next rotation is allowed at 200, it is 150".into()));
    assert_eq!(s.tick().await.unwrap().rotated_to, None);
    hub.fail_next(
        HubMethod::RotateSigners,
        Failure::Contract("the active relayers form the same signer set as epoch 2".into()),
    );
    assert_eq!(s.tick().await.unwrap().rotated_to, None);
    // anything else is an error the daemon retries
    hub.fail_next(HubMethod::RotateSigners, Failure::Transient);
    assert!(s.tick().await.unwrap_err().is_recoverable());
}

#[tokio::test]
async fn an_older_update_still_unsigned_is_signed_too_not_only_the_newest() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[me(), OTHER_A], &[]));
    hub.put_signer_set(signer_set(2, &[me(), OTHER_B], &[]));
    hub.put_signer_set(signer_set(3, &[OTHER_A, OTHER_B], &[]));
    for (epoch, set) in [(2, signer_set(2, &[me(), OTHER_B], &[])), (3, signer_set(3, &[OTHER_A, OTHER_B], &[]))] {
        hub.put_update(SignerSetUpdateResponse {
            update: SignerSetUpdate { new_epoch: epoch, signers_hash: set.signers_hash },
            new_set: set.set,
            signing_epoch: epoch - 1,
            signed_weight: Amount(U256::ZERO),
            threshold: Amount(U256::from(1u8)),
            attested: false,
            signatures: vec![],
        });
    }
    let s = signer(&hub, store);
    assert_eq!(s.tick().await.unwrap().updates_signed, vec![2, 3]);
}
