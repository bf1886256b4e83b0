//! EVM evidence built in the test: RLP headers of a post-Prague shape, typed receipts with
//! logs, and receipt-trie proofs from mesh-protocol's `prover`.

use alloy_primitives::{Bloom, Bytes, B256, B64, U256};
use alloy_rlp::Encodable;
use cosmwasm_std::Binary;
use mesh_hub_api::bundle_log::{EvmLocation, LockLocation};
use mesh_proof_evm::{build_receipt_proof, LegLockedLog, Log};
use mesh_protocol::{keccak256, Address, Hash32, Leg};

/// An RLP list of already-encoded items.
pub fn rlp_list(items: &[Vec<u8>]) -> Vec<u8> {
    let payload: Vec<u8> = items.concat();
    let mut out = Vec::new();
    alloy_rlp::Header { list: true, payload_length: payload.len() }.encode(&mut out);
    out.extend(payload);
    out
}

pub fn enc<T: Encodable>(v: T) -> Vec<u8> {
    alloy_rlp::encode(v)
}

/// A Prague-shaped header: the 15 classic fields then base fee, withdrawals root, blob gas
/// used, excess blob gas, parent beacon root and requests hash.
pub fn header(number: u64, timestamp: u64, receipts_root: B256) -> Vec<u8> {
    rlp_list(&[
        enc(keccak256(format!("parent of {number}"))),
        enc(keccak256(rlp_list(&[]))),
        enc(Address::repeat_byte(0xfe)),
        enc(keccak256(format!("state {number}"))),
        enc(keccak256(format!("txs {number}"))),
        enc(receipts_root),
        enc(Bloom::ZERO),
        enc(0u64),
        enc(number),
        enc(30_000_000u64),
        enc(1_234_567u64),
        enc(timestamp),
        enc(Bytes::new()),
        enc(keccak256(format!("prevrandao {number}"))),
        enc(B64::ZERO),
        enc(875_000_000u64),
        enc(keccak256("withdrawals")),
        enc(0u64),
        enc(0u64),
        enc(keccak256("beacon root")),
        enc(keccak256("requests")),
    ])
}

/// A receipt in its trie encoding: `rlp([status, cumulativeGas, bloom, logs])`, typed ones
/// prefixed with their type byte.
pub fn receipt(tx_type: u8, success: bool, cumulative_gas: u64, logs: &[Log]) -> Vec<u8> {
    let body = rlp_list(&[enc(success as u8), enc(cumulative_gas), enc(Bloom::ZERO), enc(logs.to_vec())]);
    if tx_type == 0 {
        body
    } else {
        [vec![tx_type], body].concat()
    }
}

/// An ERC-20 `Transfer(from, to, value)` log.
pub fn transfer_log(token: Address, from: Address, to: Address, value: u64) -> Log {
    Log {
        address: token,
        topics: vec![
            keccak256("Transfer(address,address,uint256)"),
            B256::left_padding_from(from.as_slice()),
            B256::left_padding_from(to.as_slice()),
        ],
        data: Bytes::from(U256::from(value).to_be_bytes::<32>().to_vec()),
    }
}

/// The `LegLocked` log a Router emits for `leg` (emitter = `leg.router`).
pub fn leg_locked(bundle_id: Hash32, index: u32, leg: &Leg, settle_deadline: u64) -> LegLockedLog {
    LegLockedLog {
        router: leg.router.to_evm().expect("an EVM router"),
        bundle_id: bundle_id.0,
        index,
        leg_hash: mesh_protocol::eip712::leg_hash(leg),
        depositor: leg.depositor,
        token: leg.token,
        amount: leg.amount.0,
        settle_deadline,
    }
}

/// A block: its receipts, header and hash.
#[derive(Clone, Debug)]
pub struct EvmBlock {
    pub chain_id: u64,
    pub number: u64,
    pub timestamp: u64,
    pub receipts: Vec<Vec<u8>>,
    pub receipts_root: B256,
    pub header: Vec<u8>,
    pub hash: Hash32,
}

impl EvmBlock {
    pub fn new(chain_id: u64, number: u64, timestamp: u64, receipts: Vec<Vec<u8>>) -> Self {
        let (receipts_root, _) = build_receipt_proof(&receipts, 0);
        let header = header(number, timestamp, receipts_root);
        EvmBlock { chain_id, number, timestamp, hash: Hash32(keccak256(&header)), receipts, receipts_root, header }
    }

    /// A busy block: `filler` receipts of mixed types (some failed, ERC-20 transfers) with
    /// `special` receipts placed at the given indexes.
    pub fn busy(chain_id: u64, number: u64, timestamp: u64, filler: usize, special: Vec<(usize, Vec<u8>)>) -> Self {
        let mut receipts: Vec<Vec<u8>> = (0..filler)
            .map(|i| {
                let token = Address::repeat_byte(0x30 + (i % 7) as u8);
                let logs = if i % 3 == 0 {
                    vec![]
                } else {
                    vec![transfer_log(token, Address::repeat_byte(i as u8), Address::repeat_byte(0x99), 10 + i as u64)]
                };
                receipt([0u8, 2, 2, 1, 4][i % 5], i % 11 != 5, 21_000 * (i as u64 + 1), &logs)
            })
            .collect();
        for (at, r) in special {
            receipts.insert(at.min(receipts.len()), r);
        }
        Self::new(chain_id, number, timestamp, receipts)
    }

    pub fn proof(&self, tx_index: u64) -> Vec<Binary> {
        let (root, nodes) = build_receipt_proof(&self.receipts, tx_index);
        assert_eq!(root, self.receipts_root);
        nodes.into_iter().map(|n| Binary::from(n.to_vec())).collect()
    }

    /// The report location of log `log_index` of transaction `tx_index` of this block.
    pub fn location(&self, tx_index: u64, log_index: u32) -> LockLocation {
        LockLocation::Evm(self.evm_location(tx_index, log_index))
    }

    pub fn evm_location(&self, tx_index: u64, log_index: u32) -> EvmLocation {
        EvmLocation {
            chain_id: self.chain_id,
            block_number: self.number,
            block_hash: self.hash,
            block_timestamp: self.timestamp,
            tx_hash: Hash32(keccak256(format!("tx {} {tx_index}", self.number))),
            tx_index,
            log_index,
        }
    }
}

/// The receipt of a `lock` transaction: the token's `Transfer` into the router, then `LegLocked`.
pub fn lock_receipt(tx_type: u8, success: bool, ev: &LegLockedLog) -> Vec<u8> {
    let evm = |a: mesh_protocol::AccountId| a.to_evm().expect("an EVM account");
    let transfer = transfer_log(evm(ev.token), evm(ev.depositor), ev.router, 1_000);
    receipt(tx_type, success, 90_000, &[transfer, ev.to_log()])
}
