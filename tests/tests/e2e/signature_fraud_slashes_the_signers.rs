//! Signatures over statements the hub never made get their relayers slashed and jailed:
//! * a bonded relayer signs two roots for one batch; a disputer who does not run the daemon
//!   proves the equivocation from the two signature files (the `mesh dispute prove-equivocation`
//!   code path), after a dry run that sends nothing;
//! * a colluding quorum (all three devnet signers: the threshold is above two thirds) pushes a root the hub
//!   never closed straight to a SettlementVerifier; the disputer daemon finds the signatures in
//!   the `submitBatch` calldata and proves a wrong attestation for each signer;
//! * the same quorum settles through the Router's `settleBatch` under another fake root (no
//!   Verifier event: the Router only checks the signatures); the daemon proves those too.
use std::time::{Duration, Instant};

use alloy::primitives::Bytes;
use mesh_chain_evm::bindings::IMeshRouter::SettleItem;
use mesh_chain_evm::bindings::{MeshRouter, SettlementVerifier};
use mesh_chain_evm::locker::wallet_provider;
use mesh_devnet::evm_deploy::ANVIL_DEPLOYER_KEY;
use mesh_devnet::keys::DevIdentity;
use mesh_hub::CosmosClient;
use mesh_hub_api::dispute::{self, FraudDetail, SignedStatement};
use mesh_hub_api::stake_escrow;
use mesh_protocol::eip712::{settlement_leaf, HubDomain};
use mesh_protocol::sig::{sign_digest, signing_key};
use mesh_protocol::{EvmAddress, Hash32, Signature65, Verdict, B256};
use mesh_relayer::config::Role;
use mesh_relayer::fraud;
use mesh_relayer::fraud::{prove_signatures, SignatureFiles};
use mesh_testkit::fixture::TestNet;

/// `who`'s EVM signature over batch `batch_index` of `epoch` with `root`.
fn sign_batch(domain: &HubDomain, who: &DevIdentity, epoch: u64, batch_index: u64, root: B256) -> SignedStatement {
    let secret: [u8; 32] = hex::decode(&who.evm_secret).unwrap().try_into().unwrap();
    let unsigned = SignedStatement::Batch { epoch, batch_index, root: Hash32(root), signature: Signature65([0; 65]) };
    let signature = sign_digest(&signing_key(&secret).unwrap(), fraud::digest(domain, &unsigned));
    SignedStatement::Batch { epoch, batch_index, root: Hash32(root), signature }
}

async fn relayer_info(hub: &CosmosClient, escrow: &str, who: &DevIdentity) -> stake_escrow::RelayerInfo {
    let info: Option<stake_escrow::RelayerInfo> =
        hub.query_smart(escrow, &stake_escrow::QueryMsg::Relayer { address: who.hub_address.clone() }).await.unwrap();
    info.expect("a bonded relayer")
}

async fn frauds(hub: &CosmosClient, dispute_contract: &str) -> Vec<dispute::FraudRecord> {
    let f: dispute::FraudsResponse =
        hub.query_smart(dispute_contract, &dispute::QueryMsg::Frauds { start_after: None, limit: None }).await.unwrap();
    f.frauds
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signatures_over_roots_the_hub_never_closed_get_their_relayers_slashed_and_jailed() {
    let tn = TestNet::up("equivocation", 28300, 28290, 1, 1).await;
    let (net, m, hub) = (&tn.net, &tn.m, &tn.hub);
    let domain = m.bundle_domain();
    let escrow = m.contracts["stake_escrow"].clone();
    let dispute_contract = m.contracts["dispute"].clone();
    let set: Option<stake_escrow::SignerSetResponse> =
        hub.query_smart(&escrow, &stake_escrow::QueryMsg::CurrentSignerSet {}).await.unwrap();
    let epoch = set.expect("devnet made signer set 1").set.epoch;
    let relayers = &m.accounts.relayers;

    // ---- 1. equivocation proven from two signature files, as `mesh dispute prove-equivocation`
    let before = relayer_info(hub, &escrow, &relayers[0]).await;
    let dir = net.dir.join("signatures");
    std::fs::create_dir_all(&dir).unwrap();
    let files = SignatureFiles::Equivocation { first: dir.join("first.json"), second: dir.join("second.json") };
    let SignatureFiles::Equivocation { first, second } = &files else { unreachable!() };
    for (path, root) in [(first, B256::repeat_byte(0xa1)), (second, B256::repeat_byte(0xa2))] {
        let s = sign_batch(&domain, &relayers[0], epoch, 1000, root);
        std::fs::write(path, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    }
    let disputer_hub = tn.hub_as(&m.accounts.disputer);
    let mut out = Vec::new();
    assert_eq!(prove_signatures(&disputer_hub, &domain, &files, true, &mut out).await.unwrap(), None);
    let text = String::from_utf8(out).unwrap();
    eprintln!("{text}");
    assert!(text.contains("equivocation") && text.contains(&format!("batch 1000 of epoch {epoch}")), "{text}");
    assert!(frauds(hub, &dispute_contract).await.is_empty(), "a dry run sends nothing");

    // a relayer that never bonded cannot be proven against: refused before anything is sent
    let unbonded = SignatureFiles::WrongStatement { signature: dir.join("unbonded.json") };
    let s = sign_batch(&domain, &relayers[3], epoch, 1000, B256::repeat_byte(0xa3));
    std::fs::write(dir.join("unbonded.json"), serde_json::to_string(&s).unwrap()).unwrap();
    let err = prove_signatures(&disputer_hub, &domain, &unbonded, false, &mut Vec::new()).await.unwrap_err();
    assert!(format!("{err:#}").contains("not a registered relayer"), "{err:#}");

    let tx = prove_signatures(&disputer_hub, &domain, &files, false, &mut Vec::new()).await.unwrap();
    eprintln!("equivocation proven in tx {tx:?}");
    let proven = frauds(hub, &dispute_contract).await;
    assert_eq!(proven.len(), 1);
    assert!(matches!(proven[0].detail, FraudDetail::Equivocation { .. }), "{:?}", proven[0].detail);
    assert_eq!(proven[0].relayer.as_str(), relayers[0].hub_address);
    let after = relayer_info(hub, &escrow, &relayers[0]).await;
    assert!(after.jailed, "the equivocating relayer is jailed");
    assert!(after.bonded < before.bonded, "and slashed: {} -> {}", before.bonded, after.bonded);

    // ---- 2. a quorum pushes a root the hub never closed to the Verifier; the daemon proves it.
    // The threshold is strictly above two thirds: with three equal signers the quorum is all
    // three (relayer 0, jailed above, still holds a key the Verifier's epoch-1 set accepts).
    let colluders = [&relayers[0], &relayers[1], &relayers[2]];
    let before: Vec<_> = relayer_infos(hub, &escrow, &colluders).await;
    let disputer = tn.relayer(None, vec![Role::Disputer]);
    let fake = B256::repeat_byte(0xfa);
    let packed = quorum_signatures(&domain, &colluders, epoch, 1001, fake);
    let deployer = wallet_provider(&m.evm[0].rpc, ANVIL_DEPLOYER_KEY).unwrap();
    let verifier = EvmAddress::parse(&m.evm[0].contracts["SettlementVerifier"]).unwrap();
    let receipt = SettlementVerifier::new(verifier.0, deployer.clone())
        .submitBatch(epoch, 1001, fake, Bytes::from(packed))
        .send()
        .await
        .expect("the Verifier takes a quorum's signatures")
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status(), "the fake root is verified on the chain");
    let started = Instant::now();
    let proven = loop {
        let f = frauds(hub, &dispute_contract).await;
        if f.len() >= 4 {
            break f;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the daemon proved {} of 3 signatures in 60 s",
            f.len().saturating_sub(1)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    eprintln!("wrong attestations proven {:.1} s after the fake root landed", started.elapsed().as_secs_f64());
    assert_eq!(proven.len(), 4);
    for (r, b) in colluders.iter().zip(before) {
        let rec = proven
            .iter()
            .find(|f| f.relayer.as_str() == r.hub_address && matches!(f.detail, FraudDetail::WrongAttestation { .. }))
            .expect("each colluder proven");
        assert!(
            matches!(rec.detail, FraudDetail::WrongAttestation { batch_index: 1001, root, .. } if root.0 == fake),
            "{:?}",
            rec.detail
        );
        assert_eq!(rec.disputer.as_str(), m.accounts.disputer.hub_address);
        let after = relayer_info(hub, &escrow, r).await;
        assert!(after.jailed, "{} is jailed", r.hub_address);
        assert!(after.bonded < b.bonded, "{} is slashed: {} -> {}", r.hub_address, b.bonded, after.bonded);
    }

    // ---- 3. the same quorum settles through the Router under another fake root
    let bundle = B256::repeat_byte(0xbd);
    let root = settlement_leaf(bundle, Verdict::Commit); // a one-leaf batch: the root is the leaf
    let packed = quorum_signatures(&domain, &colluders, epoch, 1002, root);
    let router = EvmAddress::parse(&m.evm[0].contracts["MeshRouter"]).unwrap();
    let item = SettleItem { bundleId: bundle, index: 0, verdict: Verdict::Commit.code(), proof: vec![] };
    let receipt = MeshRouter::new(router.0, deployer)
        .settleBatch(epoch, 1002, root, Bytes::from(packed), vec![item])
        .send()
        .await
        .expect("the Router takes a quorum's signatures")
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status(), "the Router accepted the fake root (and skipped the unknown leg)");
    let started = Instant::now();
    let proven = loop {
        let f = frauds(hub, &dispute_contract).await;
        if f.len() >= 7 {
            break f;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "settleBatch signatures not proven in 60 s");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    eprintln!("settleBatch signatures proven {:.1} s after the call", started.elapsed().as_secs_f64());
    for r in colluders {
        assert!(proven.iter().any(|f| f.relayer.as_str() == r.hub_address
            && matches!(f.detail, FraudDetail::WrongAttestation { batch_index: 1002, root: x, .. } if x.0 == root)));
    }
    disputer.stop().await;
}

/// The signatures of `who` over batch `batch_index` of `epoch` with `root`, packed by ascending
/// signer as Verifiers and Routers take them.
fn quorum_signatures(domain: &HubDomain, who: &[&DevIdentity], epoch: u64, batch_index: u64, root: B256) -> Vec<u8> {
    let mut signed: Vec<(EvmAddress, Signature65)> = who
        .iter()
        .map(|r| {
            let s = sign_batch(domain, r, epoch, batch_index, root);
            let SignedStatement::Batch { signature, .. } = s else { unreachable!() };
            (fraud::signer(domain, &s, "colluder").unwrap(), signature)
        })
        .collect();
    signed.sort_by_key(|(a, _)| *a);
    signed.iter().flat_map(|(_, s)| s.0).collect()
}

async fn relayer_infos(hub: &CosmosClient, escrow: &str, who: &[&DevIdentity]) -> Vec<stake_escrow::RelayerInfo> {
    let mut out = Vec::new();
    for r in who {
        out.push(relayer_info(hub, escrow, r).await);
    }
    out
}
