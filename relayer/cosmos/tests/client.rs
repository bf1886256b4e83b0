//! The real `CosmosClient` against a fake CometBFT node on a loopback port: a stale account
//! sequence is corrected from the node's "expected N" (or re-read) and the tx re-signed (at
//! simulation or at broadcast), senders of one account share its sequence so txs pipeline without
//! colliding, a sequence that stays wrong gives up after a bounded number of attempts, and transient RPC failures are retried per
//! `Backoff::RPC` (5 tries, 200 ms doubling).
//!
//! These run on real time (about 4 s for the file, the longest being the five-attempt give-up),
//! not `start_paused`: every request holds the RPC client's 30 s timeout as a pending tokio timer,
//! and a paused clock jumps to it as soon as the runtime finds nothing ready, so each request
//! would depend on the loopback reply being visible at that instant. Backoff is asserted as a
//! lower bound on elapsed time instead, which load cannot break.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use cosmrs::proto::cosmos::tx::v1beta1::{SignDoc, TxRaw};
use cosmrs::proto::cosmwasm::wasm::v1::MsgExecuteContractResponse;
use k256::ecdsa::signature::Verifier;
use mesh_cosmos::{CosmosClient, CosmosClientConfig, CosmosError, CosmosSigner, TxOutcome};
use mesh_testkit::fake_comet::{
    sequence_and_gas_limit, tx_hash, Call, FakeComet, Node, Rejection, CONTRACT_RESPONSE, SIMULATED_GAS,
};
use prost::Message;

const CHAIN_ID: &str = "injective-777";
const SECRET: [u8; 32] = [0x11; 32];
const ACCOUNT_NUMBER: u64 = 9;

fn signer() -> CosmosSigner {
    CosmosSigner::from_secret(&SECRET, "inj").expect("signer")
}

fn client(url: &str) -> CosmosClient {
    let mut cfg = CosmosClientConfig::devnet(url, CHAIN_ID);
    cfg.inclusion_timeout = Duration::from_secs(5);
    CosmosClient::new(cfg).expect("hub client")
}

/// Executes `{"ping":{}}` on a contract: one `send` of one message.
async fn ping(client: &CosmosClient, signer: &CosmosSigner) -> Result<TxOutcome, CosmosError> {
    let contract = CosmosSigner::from_secret(&[0x22; 32], "inj").expect("contract address").address().to_string();
    let msg = client.execute_msg(signer, &contract, &serde_json::json!({"ping": {}}), vec![]).expect("execute msg");
    client.send(signer, vec![msg], "").await
}

/// Whether `tx` carries a valid signature of `SECRET` for `CHAIN_ID` and `ACCOUNT_NUMBER`.
fn signed_by_the_signer(tx: &[u8]) -> bool {
    let raw = TxRaw::decode(tx).expect("TxRaw");
    let doc = SignDoc {
        body_bytes: raw.body_bytes,
        auth_info_bytes: raw.auth_info_bytes,
        chain_id: CHAIN_ID.into(),
        account_number: ACCOUNT_NUMBER,
    };
    let key = *k256::ecdsa::SigningKey::from_slice(&SECRET).expect("key").verifying_key();
    let Ok(sig) = k256::ecdsa::Signature::from_slice(&raw.signatures[0]) else { return false };
    key.verify(&doc.encode_to_vec(), &sig).is_ok()
}

fn position(calls: &[Call], nth: usize, pred: impl Fn(&Call) -> bool) -> usize {
    calls.iter().enumerate().filter(|(_, c)| pred(c)).nth(nth).map(|(i, _)| i).expect("call present")
}

#[tokio::test]
async fn a_stale_sequence_at_broadcast_is_corrected_from_the_nodes_expectation_and_the_tx_resent_once() {
    // another tx of the key is in the mempool: CheckTx wants 6 while the account read says 5
    let node = FakeComet::start(Node::with_account(ACCOUNT_NUMBER, 5).check_tx_expects(6)).await;
    let (client, signer) = (client(&node.url()), signer());

    let out = ping(&client, &signer).await.expect("the resent tx succeeds");

    let calls = node.calls();
    assert_eq!(node.broadcast_sequences(), vec![5, 6], "exactly two broadcasts, the second at sequence 6");
    assert_eq!(node.simulated_sequences(), vec![5, 6], "the resent tx was simulated again");
    assert_eq!(node.account_reads(), 1, "the node's \"expected 6\" is enough: no re-read");
    let read = position(&calls, 0, |c| matches!(c, Call::Account { .. }));
    let first_broadcast = position(&calls, 0, |c| matches!(c, Call::Broadcast { .. }));
    assert!(read < first_broadcast, "{calls:?}");

    // the resent tx, decoded from what the node received
    let txs = node.broadcast_txs();
    let resent = &txs[1];
    let (sequence, gas_limit) = sequence_and_gas_limit(resent);
    assert_eq!(sequence, 6);
    assert_eq!(cosmrs::Tx::from_bytes(resent).expect("cosmrs Tx").auth_info.signer_infos[0].sequence, 6);
    assert!(signed_by_the_signer(resent), "the resent tx is signed for the chain and account number");
    assert_ne!(txs[0], txs[1]);

    // the outcome is the resent tx's inclusion
    assert_eq!(out.hash, tx_hash(resent));
    assert_eq!(out.height, 101);
    assert_eq!(gas_limit, (SIMULATED_GAS as f64 * 1.3) as u64 + 20_000, "gas = simulated x adjustment + margin");
    assert_eq!(out.gas_wanted, gas_limit);
    assert_eq!(out.gas_used, SIMULATED_GAS);
    assert_eq!(out.attribute("wasm", "sequence"), Some("6"));
    assert_eq!(out.attribute("wasm", "action"), Some("ping"));
    let expected = MsgExecuteContractResponse { data: CONTRACT_RESPONSE.to_vec() }.encode_to_vec();
    assert_eq!(out.msg_data, vec![expected], "tx_result.data (base64 text on the wire) decoded");
    assert_eq!(calls.last(), Some(&Call::Tx { hash: out.hash.clone() }));
}

#[tokio::test]
async fn a_sequence_that_moves_during_simulation_is_corrected_before_anything_is_broadcast() {
    // a block lands between reading the account (5) and simulating: the simulation wants 6
    let node = FakeComet::start(
        Node::with_account(ACCOUNT_NUMBER, 5).check_tx_expects(6).reject_simulations([Rejection::wrong_sequence(6, 5)]),
    )
    .await;
    let (client, signer) = (client(&node.url()), signer());

    let out = ping(&client, &signer).await.expect("the tx succeeds after the correction");

    assert_eq!(node.simulated_sequences(), vec![5, 6]);
    assert_eq!(node.account_reads(), 1);
    assert_eq!(node.broadcast_sequences(), vec![6], "only the re-signed tx was broadcast");
    let txs = node.broadcast_txs();
    assert!(signed_by_the_signer(&txs[0]));
    assert_eq!(out.hash, tx_hash(&txs[0]));
    assert_eq!(out.attribute("wasm", "sequence"), Some("6"));
}

#[tokio::test]
async fn a_mismatch_log_without_the_expected_sequence_makes_the_account_be_read_again() {
    let vague = Rejection::wrong_sequence(6, 5).with_log("account sequence mismatch: incorrect account sequence");
    let node = FakeComet::start(
        Node::with_account(ACCOUNT_NUMBER, 5).account_reads([5, 6]).check_tx_expects(6).reject_broadcasts([vague]),
    )
    .await;
    let (client, signer) = (client(&node.url()), signer());

    ping(&client, &signer).await.expect("the tx succeeds after the re-read");

    assert_eq!(node.account_reads(), 2);
    assert_eq!(node.broadcast_sequences(), vec![5, 6]);
    let calls = node.calls();
    let first_broadcast = position(&calls, 0, |c| matches!(c, Call::Broadcast { .. }));
    let reread = position(&calls, 1, |c| matches!(c, Call::Account { .. }));
    assert!(first_broadcast < reread, "re-read after the rejected broadcast: {calls:?}");
}

#[tokio::test]
async fn senders_of_one_account_share_its_sequence_and_never_read_it_twice() {
    let node = FakeComet::start(Node::with_account(ACCOUNT_NUMBER, 5)).await;
    let signer = signer();
    // two clients, as two relayer roles have, sending at the same time, then once more
    let (a, b) = (client(&node.url()), client(&node.url()));
    let (x, y) = tokio::join!(ping(&a, &signer), ping(&b, &signer));
    x.expect("first");
    y.expect("second");
    ping(&a, &signer).await.expect("third");

    let mut seqs = node.broadcast_sequences();
    seqs.sort();
    assert_eq!(seqs, vec![5, 6, 7], "one sequence each, no collision, no resend");
    assert_eq!(node.account_reads(), 1, "the account is read once; after that the sequence is known");
}

#[tokio::test]
async fn a_sequence_that_stays_mismatched_gives_up_with_a_typed_error_after_four_attempts() {
    // a node that keeps refusing the sequence, whatever it is sent
    let mismatch = Rejection::wrong_sequence(6, 5);
    let node = FakeComet::start(Node::with_account(ACCOUNT_NUMBER, 5).reject_broadcasts(vec![mismatch; 10])).await;
    let (client, signer) = (client(&node.url()), signer());

    let err = tokio::time::timeout(Duration::from_secs(20), ping(&client, &signer))
        .await
        .expect("send gives up by itself")
        .expect_err("a persistent mismatch fails");

    assert!(matches!(err, CosmosError::SequenceMismatch { attempts: 4 }), "{err:?}");
    assert!(err.is_recoverable(), "the caller may try again later");
    assert_eq!(node.broadcast_sequences(), vec![5, 6, 6, 6]);
    assert!(!node.calls().iter().any(|c| matches!(c, Call::Tx { .. })), "nothing waited for");
}

#[tokio::test]
async fn a_sequence_mismatch_found_by_every_simulation_also_gives_up_after_four_attempts() {
    let mismatch = Rejection::wrong_sequence(6, 5);
    let node = FakeComet::start(Node::with_account(ACCOUNT_NUMBER, 5).reject_simulations(vec![mismatch; 10])).await;
    let (client, signer) = (client(&node.url()), signer());

    let err = ping(&client, &signer).await.expect_err("a persistent mismatch fails");

    assert!(matches!(err, CosmosError::SequenceMismatch { attempts: 4 }), "{err:?}");
    assert_eq!(node.simulated_sequences(), vec![5, 6, 6, 6]);
    assert!(node.broadcast_sequences().is_empty(), "nothing was broadcast");
}

#[tokio::test]
async fn a_tx_whose_accepted_broadcast_lost_its_answer_is_waited_for_not_sent_again_with_a_new_sequence() {
    let node = FakeComet::start(Node::with_account(ACCOUNT_NUMBER, 5).lose_broadcast_answers(1)).await;
    let (client, signer) = (client(&node.url()), signer());

    let out = ping(&client, &signer).await.expect("the first broadcast's tx is the outcome");

    let txs = node.broadcast_txs();
    assert_eq!(node.broadcast_sequences(), vec![5, 5], "the same bytes retried, refused as already in the cache");
    assert_eq!(txs[0], txs[1]);
    assert_eq!(out.hash, tx_hash(&txs[0]), "waited for by its locally computed hash");
    ping(&client, &signer).await.expect("next tx");
    assert_eq!(node.broadcast_sequences(), vec![5, 5, 6], "the sequence moved on exactly once");
}

#[tokio::test]
async fn a_check_tx_rejection_other_than_the_sequence_is_returned_without_a_resend() {
    let node =
        FakeComet::start(Node::with_account(ACCOUNT_NUMBER, 5).reject_broadcasts([Rejection::insufficient_fee()]))
            .await;
    let (client, signer) = (client(&node.url()), signer());

    let err = ping(&client, &signer).await.expect_err("rejected");

    match &err {
        CosmosError::CheckTx { code: 13, codespace, log } => {
            assert_eq!(codespace, "sdk");
            assert!(log.contains("insufficient fee"), "{log}");
        }
        other => panic!("expected CheckTx code 13, got {other:?}"),
    }
    assert!(!err.is_recoverable());
    assert_eq!(node.broadcast_sequences(), vec![5], "not resent");
    assert_eq!(node.account_reads(), 1);
}

#[tokio::test]
async fn a_query_answered_503_twice_is_retried_and_succeeds_on_the_third_attempt() {
    let node =
        FakeComet::start(Node::with_account(ACCOUNT_NUMBER, 5).fail_http(2, StatusCode::SERVICE_UNAVAILABLE)).await;
    let client = client(&node.url());
    let start = Instant::now();

    let (number, sequence) = client.account(signer().address()).await.expect("third attempt answers");

    assert_eq!((number, sequence), (ACCOUNT_NUMBER, 5));
    assert_eq!(node.http_requests(), 3, "two 503s, then the answer");
    assert_eq!(node.account_reads(), 1);
    // Backoff::RPC waits 200 ms, then 400 ms
    assert!(start.elapsed() >= Duration::from_millis(600), "backed off: {:?}", start.elapsed());
}

#[tokio::test]
async fn a_query_that_keeps_failing_gives_up_after_the_retry_policys_five_attempts() {
    let node =
        FakeComet::start(Node::with_account(ACCOUNT_NUMBER, 5).fail_http(100, StatusCode::SERVICE_UNAVAILABLE)).await;
    let client = client(&node.url());
    let start = Instant::now();

    let err = client.account(signer().address()).await.expect_err("the node never answers");

    assert!(matches!(err, CosmosError::Rpc { .. }), "{err:?}");
    assert!(err.is_recoverable());
    assert!(err.to_string().contains("503"), "the HTTP status is reported: {err}");
    assert_eq!(node.http_requests(), 5, "Backoff::RPC's five attempts, no more");
    assert_eq!(node.account_reads(), 0);
    // 200 + 400 + 800 + 1600 ms between the five attempts
    assert!(start.elapsed() >= Duration::from_millis(3000), "backed off: {:?}", start.elapsed());
}

#[tokio::test]
async fn a_broadcast_answered_503_is_retried_with_the_same_signed_tx() {
    let node = FakeComet::start(Node::with_account(ACCOUNT_NUMBER, 5).fail_http_on(
        "broadcast_tx_sync",
        1,
        StatusCode::SERVICE_UNAVAILABLE,
    ))
    .await;
    let (client, signer) = (client(&node.url()), signer());

    let out = ping(&client, &signer).await.expect("the retried broadcast succeeds");

    // account, simulate, broadcast (503), broadcast, tx
    assert_eq!(node.http_requests(), 5);
    assert_eq!(node.broadcast_sequences(), vec![5], "the node accepted one broadcast");
    assert_eq!(node.account_reads(), 1, "a transport retry does not re-read the account");
    assert_eq!(out.hash, tx_hash(&node.broadcast_txs()[0]));
}

#[tokio::test]
async fn a_refused_connection_is_retried_until_the_node_is_up() {
    // a free loopback port with nothing listening yet
    let addr = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let client = client(&format!("http://{addr}"));
    let late = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        FakeComet::start_on(addr, Node::with_account(ACCOUNT_NUMBER, 7)).await
    });
    let start = Instant::now();

    let (_, sequence) = client.account(signer().address()).await.expect("answered once the node is up");

    let node = late.await.expect("node started");
    assert_eq!(sequence, 7);
    assert_eq!(node.http_requests(), 1, "the refused attempts never reached it");
    assert!(start.elapsed() >= Duration::from_millis(300));
}
