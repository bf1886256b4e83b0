//! The poster against an in-memory hub and in-memory Verifier/Router chains: signer-set
//! rotations reach every Verifier in epoch order before any batch that needs them.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use mesh_chain::{Chain, Delivery, DomainId, LegState, Sent, SettleItem, SettlementSink};
use mesh_chain_evm::delivery::{leg_state, DeliveryError};
use mesh_chain_evm::sender::SendError;
use mesh_hub_api::bundle_log::{BatchResponse, BatchStatus, ChainVm, SignerSetUpdateResponse, SignerSignature};
use mesh_protocol::eip712::{settlement_batch_digest, settlement_leaf, signer_set_hash, signer_set_update_digest};
use mesh_protocol::merkle::verify_merkle_proof;
use mesh_protocol::sig::{recover_signer, sign_digest, signer_address, signing_key};
use mesh_protocol::{
    Address, Amount, Hash32, SettlementBatch, Signature65, SignerSet, SignerSetUpdate, Verdict, B256, U256,
};
use mesh_relayer::metrics::{ChainLabel, Metrics};
use mesh_relayer::roles::poster::RETAINED_EPOCHS;
use mesh_relayer::roles::poster::{Poster, PosterTick};
use mesh_relayer::store::Store;
use mesh_testkit::mocks::*;

const CHAIN: u64 = 31337;
const ROUTER: Address = Address::repeat_byte(0x0e);
// Signers with real keys (secret bytes all 0x01, 0x03, 0x02), ascending: A < B < C. The mock
// Verifier checks their signatures as the contract does.
const A: Address = Address::new(hex_literal("1a642f0e3c3af545e7acbd38b07251b3990914f1"));
const B: Address = Address::new(hex_literal("3325a78425f17a7e487eb5666b2bfd93abb06c70"));
const C: Address = Address::new(hex_literal("5050a4f4b3f9338c3472dcc01a87c76a144b3c9c"));

const fn hex_literal(s: &str) -> [u8; 20] {
    let b = s.as_bytes();
    let mut out = [0u8; 20];
    let mut i = 0;
    while i < 20 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        _ => c - b'a' + 10,
    }
}

/// The key of test signer `a`.
fn key(a: Address) -> k256::ecdsa::SigningKey {
    let secret = match a {
        A => [0x01; 32],
        B => [0x03; 32],
        C => [0x02; 32],
        _ => panic!("{a} is no test signer"),
    };
    let k = signing_key(&secret).unwrap();
    assert_eq!(signer_address(&k), a, "test signer constants match their keys");
    k
}

/// Signatures of every member of `set` over `digest`, ascending by signer (as the hub lists them).
fn signed_by(set: &SignerSet, digest: B256) -> Vec<SignerSignature> {
    set.signers
        .iter()
        .map(|m| SignerSignature { signer: m.address, signature: sign_digest(&key(m.address.0), digest) })
        .collect()
}

/// Whether `signatures` (ascending by signer) carry at least `set`'s threshold over `digest`,
/// as `SettlementVerifier._checkSignatures` requires.
fn verifies(set: &SignerSet, digest: B256, signatures: &[Signature65]) -> bool {
    let mut weight = U256::ZERO;
    let mut last = Address::ZERO;
    for sig in signatures {
        let Ok(signer) = recover_signer(digest, sig) else { return false };
        if signer <= last {
            return false;
        }
        last = signer;
        match set.signers.iter().find(|m| m.address.0 == signer) {
            Some(m) => weight += m.weight.0,
            None => return false,
        }
    }
    weight >= set.threshold.0
}

/// What the mock chain was asked to send, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Call {
    Rotate(u64),
    SettleBatch(u64),
    SettleMany,
    SubmitRoot(u64),
    /// (leg index, the action's calldata)
    SettleAction(u32, Vec<u8>),
    /// (leg index) of a mint or release leg
    SettleUnlocked(u32),
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
    /// Unlocked legs (by index) whose COMMIT comes after refunds opened: `SettlementExpired`.
    expired_unlocked: BTreeSet<u32>,
}

/// A Verifier + Router pair in memory that checks what the contracts check: rotation signatures
/// by the current set over the new set's update, batch signatures by the batch epoch's set (one
/// of the retained epochs), each settled leg's Merkle proof against the root.
#[derive(Clone)]
struct MockVerifierChain(Arc<Mutex<ChainState>>, MockHub);

impl MockVerifierChain {
    /// A Verifier at `epoch`; the sets it knows are the hub's (rotations install exactly those).
    fn new(hub: &MockHub, epoch: u64) -> MockVerifierChain {
        MockVerifierChain(
            Arc::new(Mutex::new(ChainState { epoch, rotation_allowed: true, ..Default::default() })),
            hub.clone(),
        )
    }
    fn set(&self, epoch: u64) -> SignerSet {
        self.1.signer_set_now(epoch).expect("the hub holds every set the Verifier knows")
    }
    /// Every item's verdict is a leaf of `root`.
    fn proven(root: B256, items: &[SettleItem]) -> bool {
        items.iter().all(|i| {
            let proof: Vec<B256> = i.proof.iter().map(|h| h.0).collect();
            verify_merkle_proof(root, settlement_leaf(i.bundle_id.0, i.verdict), &proof)
        })
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
    fn settle(&self, items: &[SettleItem]) {
        let mut s = self.s();
        for i in items {
            s.legs.insert((i.bundle_id.0, i.leg_index), if i.verdict == Verdict::Commit { 2 } else { 3 });
        }
    }
}

fn would_revert(why: &str) -> DeliveryError {
    SendError::WouldRevert { url: "mock".into(), detail: why.into() }.into()
}

impl Chain for MockVerifierChain {
    type Error = DeliveryError;
    fn domain(&self) -> DomainId {
        CHAIN
    }
    fn name(&self) -> &str {
        "alpha"
    }
    fn vm(&self) -> ChainVm {
        ChainVm::Evm { chain_id: CHAIN }
    }
}

impl SettlementSink for MockVerifierChain {
    async fn current_epoch(&self) -> Result<u64, DeliveryError> {
        let s = self.s();
        Ok(s.shown_epoch.unwrap_or(s.epoch))
    }
    async fn rotation_allowed(&self) -> Result<bool, DeliveryError> {
        Ok(self.s().rotation_allowed)
    }
    async fn is_verified_root(&self, root: Hash32) -> Result<bool, DeliveryError> {
        Ok(self.s().verified_roots.contains(&root.0))
    }
    async fn leg_state(&self, bundle_id: Hash32, index: u32) -> Result<LegState, DeliveryError> {
        Ok(leg_state(self.s().legs.get(&(bundle_id.0, index)).copied().unwrap_or(0)).expect("a LegStatus"))
    }
    async fn tx_status(&self, tx: Hash32) -> Result<Option<bool>, DeliveryError> {
        Ok(self.s().receipts.get(&tx.0).copied())
    }
    /// Like the contracts: `rotate` installs exactly the next epoch with the current set's
    /// signatures, `settleBatch` needs an epoch the Verifier knows.
    async fn send(&self, delivery: Delivery) -> Result<Sent, DeliveryError> {
        let tx = self.tx();
        match delivery {
            Delivery::Rotate { set, signatures } => {
                let mut s = self.s();
                if s.other_poster_rotates_first {
                    s.other_poster_rotates_first = false;
                    s.epoch += 1;
                    return Err(would_revert("InsufficientWeight"));
                }
                if set.epoch != s.epoch + 1 {
                    return Err(would_revert("bad rotation"));
                }
                let update = SignerSetUpdate { new_epoch: set.epoch, signers_hash: Hash32(signer_set_hash(&set)) };
                let current = self.set(s.epoch);
                if !verifies(&current, signer_set_update_digest(&domain(), &update), &signatures) {
                    return Err(would_revert("InsufficientWeight"));
                }
                s.epoch += 1;
                s.calls.push(Call::Rotate(set.epoch));
                s.receipts.insert(tx, true);
            }
            Delivery::SettleBatch { batch, signatures, items } => {
                let (epoch, root) = (batch.epoch, batch.root.0);
                {
                    let mut s = self.s();
                    if s.revert_next_settlement {
                        s.revert_next_settlement = false;
                        s.receipts.insert(tx, false);
                        return Ok(Sent { tx: Hash32(tx), success: false });
                    }
                    if epoch > s.epoch || epoch + RETAINED_EPOCHS < s.epoch {
                        return Err(would_revert("EpochNotActive"));
                    }
                    if !verifies(&self.set(epoch), settlement_batch_digest(&domain(), &batch), &signatures) {
                        return Err(would_revert("InsufficientWeight"));
                    }
                    if !Self::proven(root, &items) {
                        return Err(would_revert("InvalidProof"));
                    }
                    s.verified_roots.insert(root);
                    s.calls.push(Call::SettleBatch(epoch));
                    s.receipts.insert(tx, true);
                }
                self.settle(&items);
            }
            Delivery::SubmitRoot { batch, signatures } => {
                let mut s = self.s();
                if batch.epoch > s.epoch || batch.epoch + RETAINED_EPOCHS < s.epoch {
                    return Err(would_revert("EpochNotActive"));
                }
                if !verifies(&self.set(batch.epoch), settlement_batch_digest(&domain(), &batch), &signatures) {
                    return Err(would_revert("InsufficientWeight"));
                }
                s.verified_roots.insert(batch.root.0);
                s.calls.push(Call::SubmitRoot(batch.epoch));
                s.receipts.insert(tx, true);
            }
            Delivery::SettleUnlocked { root, item, bundle } => {
                if !self.s().verified_roots.contains(&root.0) {
                    return Err(would_revert("RootNotVerified"));
                }
                if !Self::proven(root.0, std::slice::from_ref(&item)) {
                    return Err(would_revert("InvalidProof"));
                }
                if self.s().expired_unlocked.contains(&item.leg_index) {
                    return Err(would_revert("SettlementExpired"));
                }
                // like the Router: only a mint or release leg, and only once
                if bundle.legs[item.leg_index as usize].kind.needs_lock()
                    || self.s().legs.contains_key(&(item.bundle_id.0, item.leg_index))
                {
                    return Err(would_revert("LegNotLocked"));
                }
                self.s().calls.push(Call::SettleUnlocked(item.leg_index));
                self.s().receipts.insert(tx, true);
                self.settle(&[item]);
            }
            Delivery::SettleAction { root, item, action } => {
                if !self.s().verified_roots.contains(&root.0) {
                    return Err(would_revert("RootNotVerified"));
                }
                if item.verdict != Verdict::Commit || !Self::proven(root.0, std::slice::from_ref(&item)) {
                    return Err(would_revert("InvalidProof"));
                }
                if self.s().legs.get(&(item.bundle_id.0, item.leg_index)) != Some(&1) {
                    return Err(would_revert("LegNotLocked"));
                }
                self.s().calls.push(Call::SettleAction(item.leg_index, action.data.0.clone()));
                self.s().receipts.insert(tx, true);
                self.settle(&[item]);
            }
            Delivery::SettleMany { root, items } => {
                if !self.s().verified_roots.contains(&root.0) {
                    return Err(would_revert("RootNotVerified"));
                }
                if !Self::proven(root.0, &items) {
                    return Err(would_revert("InvalidProof"));
                }
                self.s().calls.push(Call::SettleMany);
                self.s().receipts.insert(tx, true);
                self.settle(&items);
            }
        }
        Ok(Sent { tx: Hash32(tx), success: true })
    }
}

fn poster(hub: &MockHub, chain: &MockVerifierChain, store: Arc<Store>) -> Poster<MockVerifierChain, MockHub> {
    Poster { chains: vec![chain.clone()], hub: hub.clone(), store, metrics: Metrics::new() }
}

/// The update to `new_epoch`, signed by every member of the hub's set of the epoch before.
fn update(hub: &MockHub, new_epoch: u64, members: &[Address], attested: bool) -> SignerSetUpdateResponse {
    let old = hub.signer_set_now(new_epoch - 1).expect("the previous set");
    let set = signer_set(new_epoch, members, &[]);
    hub.put_signer_set(set.clone());
    let digest = signer_set_update_digest(&domain(), &SignerSetUpdate { new_epoch, signers_hash: set.signers_hash });
    SignerSetUpdateResponse {
        update: SignerSetUpdate { new_epoch, signers_hash: set.signers_hash },
        new_set: set.set,
        signing_epoch: new_epoch - 1,
        signed_weight: Amount(U256::from(2u8)),
        threshold: Amount(U256::from(2u8)),
        attested,
        signatures: signed_by(&old, digest),
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
    let set = hub.signer_set_now(epoch).expect("the batch's set");
    let digest = settlement_batch_digest(
        &domain(),
        &SettlementBatch { epoch, batch_index: index, root: batch.root.expect("closed") },
    );
    batch.signatures = signed_by(&set, digest);
    hub.put_batch(batch.clone());
    batch
}

/// A COMMIT whose legs carry actions is delivered leg by leg with the calldata the hub keeps,
/// under a root recorded first (`SubmitRoot`); the plain leg of the same bundle goes through
/// `settleMany`. An ABORT of a bundle with an action leg is a plain refund: no action is sent.
#[tokio::test]
async fn action_legs_are_settled_one_by_one_with_their_calldata_under_a_submitted_root() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[A, B], &[]));
    let chain = MockVerifierChain::new(&hub, 1);
    let swap = |data: u8| mesh_protocol::Action {
        target: mesh_protocol::AccountId::from_evm(Address::repeat_byte(0xa0)),
        data: vec![data; 36].into(),
        output_token: mesh_protocol::AccountId::from_evm(Address::repeat_byte(0xa1)),
        min_out: Amount::from(9u128),
        gas_limit: 200_000,
    };
    let mut legs = vec![leg(CHAIN, ROUTER, 10), leg(CHAIN, ROUTER, 11), leg(CHAIN, ROUTER, 12)];
    legs[0].action = Some(swap(0x11));
    legs[2].action = Some(swap(0x22));
    let committed = hub.register(&bundle(1, 2_000, 3_000, legs.clone()));
    let aborted = hub.register(&bundle(2, 2_000, 3_000, legs));
    for (id, v) in [(committed, Verdict::Commit), (aborted, Verdict::Abort)] {
        hub.decide(id.0, v);
        for i in 0..3 {
            chain.lock_leg(id.0, i);
        }
    }
    put_attested_batch_0(&hub, &[(committed.0, Verdict::Commit), (aborted.0, Verdict::Abort)]);

    let p = poster(&hub, &chain, store.clone());
    let t = p.tick().await.unwrap();
    assert_eq!(t.delivered, vec![(CHAIN, 0, 6)]);
    assert_eq!(
        chain.calls(),
        vec![
            Call::SubmitRoot(1),
            Call::SettleMany,
            Call::SettleAction(0, vec![0x11; 36]),
            Call::SettleAction(2, vec![0x22; 36]),
        ]
    );
    for i in 0..3 {
        assert_eq!(chain.s().legs[&(committed.0, i)], 2, "committed leg {i}");
        assert_eq!(chain.s().legs[&(aborted.0, i)], 3, "aborted leg {i} refunded, no action");
    }
    assert!(store.is_posted(CHAIN, 0).unwrap());
    assert_eq!(p.tick().await.unwrap(), PosterTick::default(), "nothing left to send");
}

/// Batch 0 of epoch 1 with `entries`, closed and attested by the hub's epoch-1 set, on the hub.
fn put_attested_batch_0(hub: &MockHub, entries: &[(B256, Verdict)]) {
    let mut batch = closed_batch(0, 1, entries);
    batch.status = BatchStatus::Attested;
    let digest = settlement_batch_digest(
        &domain(),
        &SettlementBatch { epoch: 1, batch_index: 0, root: batch.root.expect("closed") },
    );
    batch.signatures = signed_by(&hub.signer_set_now(1).unwrap(), digest);
    hub.put_batch(batch);
}

/// A COMMITted bundle of a locked lock leg (leg 0) and one mint leg per origin domain in
/// `mints`, in attested batch 0.
fn committed_lock_and_mints(hub: &MockHub, chain: &MockVerifierChain, mints: &[u64]) -> mesh_protocol::Hash32 {
    let mut legs = vec![mesh_protocol::Leg { kind: mesh_protocol::LegKind::Lock, ..leg(CHAIN, ROUTER, 10) }];
    legs.extend(mints.iter().map(|&origin_domain| mesh_protocol::Leg {
        kind: mesh_protocol::LegKind::Mint { origin_domain },
        ..leg(CHAIN, ROUTER, 10)
    }));
    let id = hub.register(&bundle(1, 2_000, 3_000, legs));
    hub.decide(id.0, Verdict::Commit);
    chain.lock_leg(id.0, 0);
    put_attested_batch_0(hub, &[(id.0, Verdict::Commit)]);
    id
}

/// A mint leg locks nothing: the poster settles it while it is NotLocked, with `settleUnlocked`
/// under a root recorded first and after the lock leg of the batch (so a release would find the
/// reserve that lock builds); a lock leg goes through `settleMany` like any escrow.
#[tokio::test]
async fn mint_legs_are_settled_unlocked_after_the_lock_legs_under_a_submitted_root() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[A, B], &[]));
    let chain = MockVerifierChain::new(&hub, 1);
    let id = committed_lock_and_mints(&hub, &chain, &[99]);

    let p = poster(&hub, &chain, store.clone());
    let t = p.tick().await.unwrap();
    assert_eq!(t.delivered, vec![(CHAIN, 0, 2)]);
    assert_eq!(chain.calls(), vec![Call::SubmitRoot(1), Call::SettleMany, Call::SettleUnlocked(1)]);
    assert_eq!(chain.s().legs[&(id.0, 1)], 2, "the mint leg committed");
    assert_eq!(p.tick().await.unwrap(), PosterTick::default(), "nothing left to send");
}

/// A mint that can no longer be settled (its COMMIT arrives after refunds opened) reverts for
/// good; it is retried each round (a failed estimate costs nothing) but never holds back the
/// batch's other legs on that chain.
#[tokio::test]
async fn a_mint_that_reverts_for_good_does_not_hold_back_the_next_unlocked_leg() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[A, B], &[]));
    let chain = MockVerifierChain::new(&hub, 1);
    chain.s().expired_unlocked.insert(1);
    let id = committed_lock_and_mints(&hub, &chain, &[99, 98]);

    let p = poster(&hub, &chain, store.clone());
    let t = p.tick().await.unwrap();
    assert_eq!(t.failed, vec![(CHAIN, 0)], "the expired mint is not delivered");
    assert_eq!(chain.calls(), vec![Call::SubmitRoot(1), Call::SettleMany, Call::SettleUnlocked(2)]);
    assert_eq!(chain.s().legs[&(id.0, 2)], 2, "the next mint committed all the same");
    assert!(!chain.s().legs.contains_key(&(id.0, 1)));
    assert!(!store.is_posted(CHAIN, 0).unwrap(), "the batch stays open for its expired leg");
    let t = p.tick().await.unwrap();
    assert_eq!(t.failed, vec![(CHAIN, 0)], "retried, still refused");
    assert_eq!(chain.calls().len(), 3, "nothing else is sent again");
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
    let chain = MockVerifierChain::new(&hub, 1);
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
    let chain = MockVerifierChain::new(&hub, 1);
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
    let chain = MockVerifierChain::new(&hub, 1);
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
    let chain = MockVerifierChain::new(&hub, 2);
    attested_batch(&hub, &chain, 0, 2, 1);
    let t = poster(&hub, &chain, store).tick().await.unwrap();
    assert!(t.rotated.is_empty());
    assert_eq!(chain.calls(), vec![Call::SettleBatch(2)]);
}

#[tokio::test]
async fn a_rotation_another_poster_lands_first_is_skipped_not_an_error() {
    let (_dir, store) = temp_store();
    let hub = hub_rotated_to_2(true);
    let chain = MockVerifierChain::new(&hub, 1);
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
    let chain = MockVerifierChain::new(&hub, 1);
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
    let chain = MockVerifierChain::new(&hub, 1);
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
    let chain = MockVerifierChain::new(&hub, 1);
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
async fn rotation_signatures_are_sent_in_ascending_signer_order() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[A, B], &[]));
    let mut u = update(&hub, 2, &[A, B, C], true);
    u.signatures.reverse(); // the hub's answer in the wrong order: B, then A
    let (by_a, by_b) = (u.signatures[1].signature, u.signatures[0].signature);
    hub.put_update(u);
    let seen: Arc<Mutex<Option<Vec<Signature65>>>> = Arc::default();
    struct Spy(MockVerifierChain, Arc<Mutex<Option<Vec<Signature65>>>>);
    impl Chain for Spy {
        type Error = DeliveryError;
        fn domain(&self) -> DomainId {
            self.0.domain()
        }
        fn name(&self) -> &str {
            self.0.name()
        }
        fn vm(&self) -> ChainVm {
            self.0.vm()
        }
    }
    impl SettlementSink for Spy {
        async fn current_epoch(&self) -> Result<u64, DeliveryError> {
            self.0.current_epoch().await
        }
        async fn rotation_allowed(&self) -> Result<bool, DeliveryError> {
            self.0.rotation_allowed().await
        }
        async fn is_verified_root(&self, root: Hash32) -> Result<bool, DeliveryError> {
            self.0.is_verified_root(root).await
        }
        async fn leg_state(&self, bundle_id: Hash32, index: u32) -> Result<LegState, DeliveryError> {
            self.0.leg_state(bundle_id, index).await
        }
        async fn tx_status(&self, tx: Hash32) -> Result<Option<bool>, DeliveryError> {
            self.0.tx_status(tx).await
        }
        async fn send(&self, delivery: Delivery) -> Result<Sent, DeliveryError> {
            if let Delivery::Rotate { signatures, .. } = &delivery {
                *self.1.lock().unwrap() = Some(signatures.clone());
            }
            self.0.send(delivery).await
        }
    }
    let p = Poster {
        chains: vec![Spy(MockVerifierChain::new(&hub, 1), seen.clone())],
        hub: hub.clone(),
        store,
        metrics: Metrics::new(),
    };
    p.tick().await.unwrap();
    let sent = seen.lock().unwrap().clone().expect("rotation sent");
    assert_eq!(sent, vec![by_a, by_b], "ascending by signer: A, then B");
}

#[tokio::test]
async fn batches_beyond_the_hubs_first_page_are_delivered_and_posted_ones_are_not_paged_again() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[A, B], &[]));
    let chain = MockVerifierChain::new(&hub, 1);
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
    let chain = MockVerifierChain::new(&hub, 1);
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

/// The mock Verifier checks signatures as the contract does: a batch whose signatures are over
/// another root (a signer bug, a wrong packing) is refused, counted, and not marked as posted.
#[tokio::test]
async fn a_batch_whose_signatures_are_over_another_root_is_refused_and_not_posted() {
    let (_dir, store) = temp_store();
    let hub = MockHub::new();
    hub.put_signer_set(signer_set(1, &[A, B], &[]));
    let chain = MockVerifierChain::new(&hub, 1);
    let mut batch = attested_batch(&hub, &chain, 0, 1, 1);
    let other = SettlementBatch { epoch: 1, batch_index: 0, root: Hash32(B256::repeat_byte(0x99)) };
    batch.signatures = signed_by(&hub.signer_set_now(1).unwrap(), settlement_batch_digest(&domain(), &other));
    hub.put_batch(batch);
    let p = poster(&hub, &chain, store.clone());

    let t = p.tick().await.expect("a refused settlement never stops the poster");
    assert_eq!(t.failed, vec![(CHAIN, 0)]);
    assert!(chain.calls().is_empty(), "nothing was settled");
    assert!(!store.is_posted(CHAIN, 0).unwrap());
}
