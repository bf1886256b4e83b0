//! The poster against an in-memory hub and in-memory Verifier/Router chains: signer-set
//! rotations reach every Verifier in epoch order before any batch that needs them.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use mesh_chain_evm::delivery::{Delivery, DeliveryChain, Sent};
use mesh_chain_evm::sender::SendError;
use mesh_chain_evm::EvmError;
use mesh_hub_api::bundle_log::{BatchResponse, BatchStatus, SignerSetUpdateResponse, SignerSignature};
use mesh_protocol::{Address, Amount, Bytes, EvmAddress, Signature65, SignerSetUpdate, Verdict, B256, U256};
use mesh_relayer::metrics::{ChainLabel, Metrics};
use mesh_relayer::roles::poster::{Poster, PosterTick};
use mesh_relayer::store::Store;
use mesh_testkit::mocks::*;

const CHAIN: u64 = 31337;
const ROUTER: Address = Address::repeat_byte(0x0e);
const A: Address = Address::repeat_byte(0x21);
const B: Address = Address::repeat_byte(0x22);
const C: Address = Address::repeat_byte(0x23);

/// What the mock chain was asked to send, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Call {
    Rotate(u64),
    SettleBatch(u64),
    SettleMany,
}

#[derive(Default)]
struct ChainState {
    epoch: u64,
    /// When set, `current_epoch` answers this (a node lagging behind the chain).
    shown_epoch: Option<u64>,
    rotation_allowed: bool,
    verified_roots: BTreeSet<B256>,
    legs: HashMap<(B256, u32), u8>,
    receipts: HashMap<B256, bool>,
    calls: Vec<Call>,
    /// Another poster's rotation lands just before ours (ours then fails to estimate).
    other_poster_rotates_first: bool,
    /// The next settlement is mined but reverts.
    revert_next_settlement: bool,
}

#[derive(Clone)]
struct MockVerifierChain(Arc<Mutex<ChainState>>);

impl MockVerifierChain {
    fn new(epoch: u64) -> MockVerifierChain {
        MockVerifierChain(Arc::new(Mutex::new(ChainState { epoch, rotation_allowed: true, ..Default::default() })))
    }
    fn s(&self) -> std::sync::MutexGuard<'_, ChainState> {
        self.0.lock().unwrap()
    }
    fn lock_leg(&self, bundle: B256, index: u32) {
        self.s().legs.insert((bundle, index), 1);
    }
    fn calls(&self) -> Vec<Call> {
        self.s().calls.clone()
    }
    fn epoch(&self) -> u64 {
        self.s().epoch
    }
    fn tx(&self) -> B256 {
        let s = self.s();
        B256::left_padding_from(&(s.calls.len() as u64 + 1).to_be_bytes())
    }
    fn settle(&self, items: &[mesh_chain_evm::bindings::IMeshRouter::SettleItem]) {
        let mut s = self.s();
        for i in items {
            s.legs.insert((i.bundleId, i.index), if i.verdict == 1 { 2 } else { 3 });
        }
    }
}

fn would_revert(why: &str) -> SendError {
    SendError::WouldRevert { url: "mock".into(), detail: why.into() }
}

impl DeliveryChain for MockVerifierChain {
    fn name(&self) -> &str {
        "alpha"
    }
    fn chain_id(&self) -> u64 {
        CHAIN
    }
    async fn current_epoch(&self) -> Result<u64, EvmError> {
        let s = self.s();
        Ok(s.shown_epoch.unwrap_or(s.epoch))
    }
    async fn rotation_allowed(&self) -> Result<bool, EvmError> {
        Ok(self.s().rotation_allowed)
    }
    async fn is_verified_root(&self, root: B256) -> Result<bool, EvmError> {
        Ok(self.s().verified_roots.contains(&root))
    }
    async fn leg_status(&self, bundle_id: B256, index: u32) -> Result<u8, EvmError> {
        Ok(self.s().legs.get(&(bundle_id, index)).copied().unwrap_or(0))
    }
    async fn tx_status(&self, tx: B256) -> Result<Option<bool>, EvmError> {
        Ok(self.s().receipts.get(&tx).copied())
    }
    /// Like the contracts: `rotate` installs exactly the next epoch with the current set's
    /// signatures, `settleBatch` needs an epoch the Verifier knows.
    async fn send(&self, delivery: Delivery) -> Result<Sent, SendError> {
        let tx = self.tx();
        match delivery {
            Delivery::Rotate { set, signatures } => {
                let mut s = self.s();
                if s.other_poster_rotates_first {
                    s.other_poster_rotates_first = false;
                    s.epoch += 1;
                    return Err(would_revert("InsufficientWeight"));
                }
                if set.epoch != s.epoch + 1 || signatures.is_empty() || signatures.len() % 65 != 0 {
                    return Err(would_revert("bad rotation"));
                }
                s.epoch += 1;
                s.calls.push(Call::Rotate(set.epoch));
                s.receipts.insert(tx, true);
            }
            Delivery::SettleBatch { epoch, root, items, .. } => {
                {
                    let mut s = self.s();
                    if s.revert_next_settlement {
                        s.revert_next_settlement = false;
                        s.receipts.insert(tx, false);
                        return Ok(Sent { tx_hash: tx, success: false });
                    }
                    if epoch > s.epoch {
                        return Err(would_revert("EpochNotActive"));
                    }
                    s.verified_roots.insert(root);
                    s.calls.push(Call::SettleBatch(epoch));
                    s.receipts.insert(tx, true);
                }
                self.settle(&items);
            }
            Delivery::SettleMany { items, .. } => {
                self.s().calls.push(Call::SettleMany);
                self.s().receipts.insert(tx, true);
                self.settle(&items);
            }
        }
        Ok(Sent { tx_hash: tx, success: true })
    }
}

fn poster(hub: &MockHub, chain: &MockVerifierChain, store: Arc<Store>) -> Poster<MockVerifierChain, MockHub> {
    Poster { chains: vec![chain.clone()], hub: hub.clone(), store, metrics: Metrics::new() }
}

/// The update to `new_epoch` with one (fake, well-formed) signature per member of the old set.
fn update(hub: &MockHub, new_epoch: u64, members: &[Address], attested: bool) -> SignerSetUpdateResponse {
    let set = signer_set(new_epoch, members, &[]);
    hub.put_signer_set(set.clone());
    SignerSetUpdateResponse {
        update: SignerSetUpdate { new_epoch, signers_hash: set.signers_hash },
        new_set: set.set,
        signing_epoch: new_epoch - 1,
        signed_weight: Amount(U256::from(2u8)),
        threshold: Amount(U256::from(2u8)),
        attested,
        signatures: [B, A]
            .iter()
            .map(|a| SignerSignature { signer: EvmAddress(*a), signature: Signature65([0x1b; 65]) })
            .collect(),
    }
}

/// An attested batch `index` of `epoch` settling one bundle whose only leg is locked on the chain.
fn attested_batch(hub: &MockHub, chain: &MockVerifierChain, index: u64, epoch: u64, nonce: u64) -> BatchResponse {
    let b = bundle(nonce, 2_000, 3_000, vec![leg(CHAIN, ROUTER, 10)]);
    let id = hub.register(&b);
    hub.decide(id.0, Verdict::Commit);
    chain.lock_leg(id.0, 0);
    let mut batch = closed_batch(index, epoch, &[(id.0, Verdict::Commit)]);
    batch.status = BatchStatus::Attested;
    batch.signatures = vec![SignerSignature { signer: EvmAddress(A), signature: Signature65([0x1c; 65]) }];
    hub.put_batch(batch.clone());
    batch
}

/// Hub at epoch 2 (sets 1 = {A, B}, 2 = {A, B, C}); the update to 2 attested or not.
fn hub_rotated_to_2(update_attested: bool) -> MockHub {
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[A, B], &[]));
    let u = update(&hub, 2, &[A, B, C], update_attested);
    hub.put_update(u);
    hub
}

#[tokio::test]
async fn a_batch_of_a_newer_epoch_waits_until_the_rotation_to_it_is_delivered_first() {
    let (_dir, store) = temp_store();
    let hub = hub_rotated_to_2(false);
    let chain = MockVerifierChain::new(1);
    attested_batch(&hub, &chain, 0, 2, 1);
    let p = poster(&hub, &chain, store.clone());

    // the update to epoch 2 is still collecting signatures: the batch waits, nothing is sent
    let t = p.tick().await.unwrap();
    assert_eq!(t, PosterTick { waiting: vec![(CHAIN, 0)], ..PosterTick::default() });
    assert!(chain.calls().is_empty());
    assert!(!store.is_posted(CHAIN, 0).unwrap());

    hub.attest_update(2);
    let t = p.tick().await.unwrap();
    assert_eq!(t.rotated, vec![(CHAIN, 2)]);
    assert_eq!(t.delivered, vec![(CHAIN, 0, 1)]);
    assert_eq!(chain.calls(), vec![Call::Rotate(2), Call::SettleBatch(2)]);
    assert_eq!(p.metrics.rotations_delivered.get_or_create(&ChainLabel::new("alpha")).get(), 1);

    assert_eq!(p.tick().await.unwrap(), PosterTick::default());
    assert_eq!(chain.calls().len(), 2);
}

#[tokio::test]
async fn a_batch_waits_while_the_verifiers_rotation_delay_is_not_over() {
    let (_dir, store) = temp_store();
    let hub = hub_rotated_to_2(true);
    let chain = MockVerifierChain::new(1);
    chain.s().rotation_allowed = false;
    attested_batch(&hub, &chain, 0, 2, 1);
    let p = poster(&hub, &chain, store);
    assert_eq!(p.tick().await.unwrap().waiting, vec![(CHAIN, 0)]);
    assert!(chain.calls().is_empty());
    chain.s().rotation_allowed = true;
    assert_eq!(p.tick().await.unwrap().delivered, vec![(CHAIN, 0, 1)]);
}

#[tokio::test]
async fn an_old_epoch_batch_is_delivered_without_waiting_for_a_newer_rotation() {
    let (_dir, store) = temp_store();
    let hub = hub_rotated_to_2(false);
    let chain = MockVerifierChain::new(1);
    attested_batch(&hub, &chain, 0, 1, 1);
    let t = poster(&hub, &chain, store).tick().await.unwrap();
    assert_eq!(t.delivered, vec![(CHAIN, 0, 1)]);
    assert_eq!(chain.calls(), vec![Call::SettleBatch(1)]);
}

#[tokio::test]
async fn a_rotation_already_on_the_verifier_is_skipped() {
    let (_dir, store) = temp_store();
    let hub = hub_rotated_to_2(true);
    // another poster delivered it before this one looked
    let chain = MockVerifierChain::new(2);
    attested_batch(&hub, &chain, 0, 2, 1);
    let t = poster(&hub, &chain, store).tick().await.unwrap();
    assert!(t.rotated.is_empty());
    assert_eq!(chain.calls(), vec![Call::SettleBatch(2)]);
}

#[tokio::test]
async fn a_rotation_another_poster_lands_first_is_skipped_not_an_error() {
    let (_dir, store) = temp_store();
    let hub = hub_rotated_to_2(true);
    let chain = MockVerifierChain::new(1);
    chain.s().other_poster_rotates_first = true;
    attested_batch(&hub, &chain, 0, 2, 1);
    let t = poster(&hub, &chain, store).tick().await.unwrap();
    assert!(t.rotated.is_empty());
    assert_eq!(t.delivered, vec![(CHAIN, 0, 1)]);
    assert_eq!(chain.calls(), vec![Call::SettleBatch(2)]);
}

#[tokio::test]
async fn rotations_are_delivered_in_epoch_order_up_to_the_first_unattested_update() {
    let (_dir, store) = temp_store();
    let hub = hub_rotated_to_2(true);
    let u3 = update(&hub, 3, &[A, C], true);
    hub.put_update(u3);
    let u4 = update(&hub, 4, &[A, B, C], false);
    hub.put_update(u4);
    let chain = MockVerifierChain::new(1);
    let p = poster(&hub, &chain, store);

    // no batch needs them: the Verifier follows the hub anyway
    let t = p.tick().await.unwrap();
    assert_eq!(t.rotated, vec![(CHAIN, 2), (CHAIN, 3)]);
    assert_eq!(chain.epoch(), 3);
    assert!(p.tick().await.unwrap().rotated.is_empty());
    hub.attest_update(4);
    assert_eq!(p.tick().await.unwrap().rotated, vec![(CHAIN, 4)]);
    assert_eq!(chain.calls(), vec![Call::Rotate(2), Call::Rotate(3), Call::Rotate(4)]);
}

#[tokio::test]
async fn verifiers_are_not_rotated_past_the_epochs_an_unsigned_batch_still_needs() {
    let (_dir, store) = temp_store();
    let hub = hub_rotated_to_2(true);
    for (epoch, members) in [(3, &[A, C][..]), (4, &[A, B, C]), (5, &[B, C])] {
        let u = update(&hub, epoch, members, true);
        hub.put_update(u);
    }
    // batch 0 of epoch 1 is closed but not attested yet: epoch 1 must stay within 3 retained epochs
    let chain = MockVerifierChain::new(1);
    let b = bundle(1, 2_000, 3_000, vec![leg(CHAIN, ROUTER, 10)]);
    let id = hub.register(&b);
    hub.put_batch(closed_batch(0, 1, &[(id.0, Verdict::Commit)]));
    let t = poster(&hub, &chain, store).tick().await.unwrap();
    assert_eq!(t.rotated, vec![(CHAIN, 2), (CHAIN, 3), (CHAIN, 4)]);
}

#[tokio::test]
async fn a_restarted_poster_does_not_resend_a_delivered_rotation_while_its_node_lags() {
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_rotated_to_2(true);
    let chain = MockVerifierChain::new(1);
    {
        let store = Arc::new(Store::open(&db_path(dir.path())).unwrap());
        assert_eq!(poster(&hub, &chain, store).tick().await.unwrap().rotated, vec![(CHAIN, 2)]);
    }
    // restart; the node it now reads from has not caught up with the rotation yet
    chain.s().shown_epoch = Some(1);
    let store = Arc::new(Store::open(&db_path(dir.path())).unwrap());
    let p = poster(&hub, &chain, store.clone());
    assert_eq!(p.tick().await.unwrap(), PosterTick::default());
    assert_eq!(chain.calls(), vec![Call::Rotate(2)]);

    // a reorg dropped the rotation: the receipt is gone and the Verifier is back at epoch 1
    {
        let mut s = chain.s();
        s.receipts.clear();
        s.epoch = 1;
        s.shown_epoch = None;
    }
    assert_eq!(p.tick().await.unwrap().rotated, vec![(CHAIN, 2)]);
    assert_eq!(chain.calls(), vec![Call::Rotate(2), Call::Rotate(2)]);
    assert!(store.delivered_rotation(CHAIN, 2).unwrap().is_some());
}

#[tokio::test]
async fn rotation_signatures_are_packed_in_ascending_signer_order() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[A, B], &[]));
    let mut u = update(&hub, 2, &[A, B, C], true);
    u.signatures = vec![
        SignerSignature { signer: EvmAddress(B), signature: Signature65([0xbb; 65]) },
        SignerSignature { signer: EvmAddress(A), signature: Signature65([0xaa; 65]) },
    ];
    hub.put_update(u);
    let seen: Arc<Mutex<Option<Bytes>>> = Arc::default();
    struct Spy(MockVerifierChain, Arc<Mutex<Option<Bytes>>>);
    impl DeliveryChain for Spy {
        fn name(&self) -> &str {
            self.0.name()
        }
        fn chain_id(&self) -> u64 {
            self.0.chain_id()
        }
        async fn current_epoch(&self) -> Result<u64, EvmError> {
            self.0.current_epoch().await
        }
        async fn rotation_allowed(&self) -> Result<bool, EvmError> {
            self.0.rotation_allowed().await
        }
        async fn is_verified_root(&self, root: B256) -> Result<bool, EvmError> {
            self.0.is_verified_root(root).await
        }
        async fn leg_status(&self, bundle_id: B256, index: u32) -> Result<u8, EvmError> {
            self.0.leg_status(bundle_id, index).await
        }
        async fn tx_status(&self, tx: B256) -> Result<Option<bool>, EvmError> {
            self.0.tx_status(tx).await
        }
        async fn send(&self, delivery: Delivery) -> Result<Sent, SendError> {
            if let Delivery::Rotate { signatures, .. } = &delivery {
                *self.1.lock().unwrap() = Some(signatures.clone());
            }
            self.0.send(delivery).await
        }
    }
    let p = Poster {
        chains: vec![Spy(MockVerifierChain::new(1), seen.clone())],
        hub: hub.clone(),
        store,
        metrics: Metrics::new(),
    };
    p.tick().await.unwrap();
    let packed = seen.lock().unwrap().clone().expect("rotation sent");
    assert_eq!(packed.len(), 130);
    assert_eq!((packed[0], packed[65]), (0xaa, 0xbb));
}

#[tokio::test]
async fn batches_beyond_the_hubs_first_page_are_delivered_and_posted_ones_are_not_paged_again() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[A, B], &[]));
    let chain = MockVerifierChain::new(1);
    for i in 0..60 {
        attested_batch(&hub, &chain, i, 1, i + 1);
    }
    let p = poster(&hub, &chain, store.clone());

    let t = p.tick().await.unwrap();
    assert_eq!(t.delivered.len(), 60, "the hub answers 50 per page: the last 10 are on the second");
    assert!((0..60).all(|i| store.is_posted(CHAIN, i).unwrap()));

    // the posted ones lie below the cursor: one page holding just the new batch, then an empty one
    let (pages, reads) = (hub.calls(HubMethod::AttestedBatches), hub.calls(HubMethod::Batch));
    attested_batch(&hub, &chain, 60, 1, 61);
    assert_eq!(p.tick().await.unwrap().delivered, vec![(CHAIN, 60, 1)]);
    assert_eq!(hub.calls(HubMethod::AttestedBatches), pages + 2, "not paged through the 60 posted batches again");
    assert_eq!(hub.calls(HubMethod::Batch), reads + 1, "only the new batch was read");
}

#[tokio::test]
async fn a_reverted_settlement_is_counted_and_retried_not_fatal() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[A, B], &[]));
    let chain = MockVerifierChain::new(1);
    attested_batch(&hub, &chain, 0, 1, 1);
    attested_batch(&hub, &chain, 1, 1, 2);
    chain.s().revert_next_settlement = true;
    let p = poster(&hub, &chain, store.clone());

    let t = p.tick().await.expect("a revert never stops the poster");
    assert_eq!(t.failed, vec![(CHAIN, 0)]);
    assert_eq!(t.delivered.len(), 1, "the next batch is still delivered");
    assert!(!store.is_posted(CHAIN, 0).unwrap());
    assert_eq!(p.metrics.settlement_failures.get_or_create(&ChainLabel::new("alpha")).get(), 1);

    let t = p.tick().await.unwrap();
    assert_eq!(t.delivered, vec![(CHAIN, 0, 1)], "retried next round");
    assert!(store.is_posted(CHAIN, 0).unwrap());
}
