//! Stored forms of what the hub writes most — registered bundles ([`BundleInfo`]), leg reports
//! and log entries: raw bytes, not JSON.
//!
//! The hub's store charges 30 gas per byte written and 3 per byte read. As JSON a two-leg
//! bundle is 1 086 bytes (field names, 66-character hex for every 32-byte account, decimal
//! strings for amounts); this form is 418 (issue 14). `varint` is unsigned LEB128 (at most 10
//! bytes), `text` a varint length and UTF-8, the amount form a length byte and the big-endian
//! bytes without leading zeros.
//!
//! A bundle, in order:
//! * version byte (1), registered_at, nonce, lock_deadline, settle_deadline (varints),
//!   creator (text: varint length + UTF-8);
//! * leg count (varint), then per leg: domain (varint), router, depositor, token, recipient
//!   (32 bytes each), amount (length byte + big-endian bytes without leading zeros: the amount form), kind code
//!   (byte; mint and burn followed by the origin domain as a varint), action flag (byte; 1 is
//!   followed by target (32), data (varint length + bytes), output token (32), min_out (amount
//!   form), gas_limit (varint)), leg hash (32), VM (byte 0 + chain id varint for EVM, byte 1 +
//!   chain id text for CosmWasm);
//! * deposit flag (byte; 1 is followed by denom (text) and amount (amount form)).
//!
//! A report: report id, reporter (text), reported_at, window_ends_at (varints), objectors
//! (varint count, 20 bytes each), objected weight (amount form), then the location: byte 0 and
//! an EVM location (chain id, block number (varints), block hash (32), block timestamp
//! (varint), tx hash (32), tx index, log index (varints)), or byte 1 and any other location as
//! JSON to the end.
//!
//! A log entry: height, time (varints), then byte 0 and a registration (bundle id (32), creator
//! (text), nonce), byte 1 and a leg report whose id is the entry's sequence number (bundle id,
//! leg index, reporter), byte 2 and a verdict (bundle id, verdict byte, reason byte, batch
//! index), byte 3 a rejected report (bundle id, leg index, report id, epoch, objected weight),
//! byte 4 a closed batch (index, epoch, root (32), size), byte 5 an attested batch (index,
//! epoch), byte 6 a pruned bundle (bundle id), or byte 255 and any other event as JSON to the
//! end.
//!
//! Only the contract writes these bytes, so a decoding failure means corrupt state: it is an
//! error, never a default.

use cosmwasm_std::{from_json, to_json_vec, Addr, Coin, StdError, StdResult, Uint256};
use mesh_protocol::{
    AccountId, Action, Address, Amount, Bundle, EvmAddress, Hash32, HexBytes, Leg, LegKind, Verdict, U256,
};

use crate::msg::{BatchStatus, ChainVm, EvmLocation, LegReport, LockLocation, LogEntry, LogEvent, VerdictReason};
use crate::state::BundleHead;
use crate::state::{BatchRecord, BundleInfo};

const VERSION: u8 = 1;

pub fn encode(info: &BundleInfo) -> StdResult<Vec<u8>> {
    let b = &info.bundle;
    if info.leg_hashes.len() != b.legs.len() || info.vms.len() != b.legs.len() {
        return Err(StdError::msg("a bundle is stored with one hash and one VM per leg"));
    }
    let mut w = Writer(Vec::with_capacity(64 + b.legs.len() * 200));
    w.byte(VERSION);
    for n in [info.registered_at, b.nonce, b.lock_deadline, b.settle_deadline] {
        w.varint(n);
    }
    w.text(&b.creator);
    w.varint(b.legs.len() as u64);
    for (i, leg) in b.legs.iter().enumerate() {
        w.varint(leg.domain);
        for a in [leg.router, leg.depositor, leg.token, leg.recipient] {
            w.bytes(a.0.as_slice());
        }
        w.amount(&leg.amount);
        w.byte(leg.kind.code());
        if let LegKind::Mint { origin_domain } | LegKind::Burn { origin_domain } = leg.kind {
            w.varint(origin_domain);
        }
        match &leg.action {
            None => w.byte(0),
            Some(a) => {
                w.byte(1);
                w.bytes(a.target.0.as_slice());
                w.varint(a.data.0.len() as u64);
                w.bytes(&a.data.0);
                w.bytes(a.output_token.0.as_slice());
                w.amount(&a.min_out);
                w.varint(a.gas_limit);
            }
        }
        w.bytes(info.leg_hashes[i].0.as_slice());
        match &info.vms[i] {
            ChainVm::Evm { chain_id } => {
                w.byte(0);
                w.varint(*chain_id);
            }
            ChainVm::CosmWasm { chain_id } => {
                w.byte(1);
                w.text(chain_id);
            }
        }
    }
    match &info.deposit {
        None => w.byte(0),
        Some(c) => {
            w.byte(1);
            w.text(&c.denom);
            w.be(&c.amount.to_be_bytes());
        }
    }
    Ok(w.0)
}

pub fn decode(id: Hash32, bytes: &[u8]) -> StdResult<BundleInfo> {
    let mut r = Reader(bytes);
    if r.byte()? != VERSION {
        return Err(corrupt("unknown version"));
    }
    let registered_at = r.varint()?;
    let nonce = r.varint()?;
    let lock_deadline = r.varint()?;
    let settle_deadline = r.varint()?;
    let creator = r.text()?;
    let count = r.len()?;
    if count > mesh_protocol::MAX_LEGS {
        return Err(corrupt("too many legs"));
    }
    let (mut legs, mut leg_hashes, mut vms) = (Vec::with_capacity(count), Vec::with_capacity(count), vec![]);
    for _ in 0..count {
        let domain = r.varint()?;
        let (router, depositor, token, recipient) = (r.account()?, r.account()?, r.account()?, r.account()?);
        let amount = r.amount()?;
        let kind = match r.byte()? {
            0 => LegKind::Escrow,
            1 => LegKind::Lock,
            2 => LegKind::Mint { origin_domain: r.varint()? },
            3 => LegKind::Burn { origin_domain: r.varint()? },
            4 => LegKind::Release,
            _ => return Err(corrupt("unknown leg kind")),
        };
        let action = match r.byte()? {
            0 => None,
            1 => {
                let target = r.account()?;
                let data_len = r.len()?;
                let data = HexBytes(r.take(data_len)?.to_vec());
                Some(Action { target, data, output_token: r.account()?, min_out: r.amount()?, gas_limit: r.varint()? })
            }
            _ => return Err(corrupt("bad action flag")),
        };
        legs.push(Leg { domain, router, depositor, token, amount, recipient, action, kind });
        leg_hashes.push(r.hash()?);
        vms.push(match r.byte()? {
            0 => ChainVm::Evm { chain_id: r.varint()? },
            1 => ChainVm::CosmWasm { chain_id: r.text()? },
            _ => return Err(corrupt("unknown VM")),
        });
    }
    let deposit = match r.byte()? {
        0 => None,
        1 => {
            let denom = r.text()?;
            Some(Coin { denom, amount: Uint256::from_be_bytes(r.be()?) })
        }
        _ => return Err(corrupt("bad deposit flag")),
    };
    r.end()?;
    Ok(BundleInfo {
        id,
        bundle: Bundle { creator, nonce, lock_deadline, settle_deadline, legs },
        leg_hashes,
        registered_at,
        vms,
        deposit,
    })
}

pub fn encode_report(r: &LegReport) -> StdResult<Vec<u8>> {
    let mut w = Writer(Vec::with_capacity(160));
    w.varint(r.report_id);
    w.text(r.reporter.as_str());
    w.varint(r.reported_at);
    w.varint(r.window_ends_at);
    w.varint(r.objectors.len() as u64);
    for o in &r.objectors {
        w.bytes(o.0.as_slice());
    }
    w.amount(&r.objected_weight);
    match &r.location {
        LockLocation::Evm(e) => {
            w.byte(0);
            w.varint(e.chain_id);
            w.varint(e.block_number);
            w.bytes(e.block_hash.0.as_slice());
            w.varint(e.block_timestamp);
            w.bytes(e.tx_hash.0.as_slice());
            w.varint(e.tx_index);
            w.varint(e.log_index as u64);
        }
        other => {
            w.byte(1);
            w.bytes(&to_json_vec(other)?);
        }
    }
    Ok(w.0)
}

pub fn decode_report(bytes: &[u8]) -> StdResult<LegReport> {
    let mut r = Reader(bytes);
    let report_id = r.varint()?;
    let reporter = Addr::unchecked(r.text()?);
    let reported_at = r.varint()?;
    let window_ends_at = r.varint()?;
    let count = r.varint()?;
    if count > mesh_protocol::MAX_SIGNERS as u64 {
        return Err(corrupt("too many objectors"));
    }
    let objectors =
        (0..count).map(|_| Ok(EvmAddress(Address::from_slice(r.take(20)?)))).collect::<StdResult<Vec<_>>>()?;
    let objected_weight = r.amount()?;
    let location = match r.byte()? {
        0 => {
            let e = EvmLocation {
                chain_id: r.varint()?,
                block_number: r.varint()?,
                block_hash: r.hash()?,
                block_timestamp: r.varint()?,
                tx_hash: r.hash()?,
                tx_index: r.varint()?,
                log_index: r.u32()?,
            };
            r.end()?;
            LockLocation::Evm(e)
        }
        1 => from_json(r.rest())?,
        _ => return Err(corrupt("unknown location")),
    };
    Ok(LegReport { report_id, reporter, reported_at, window_ends_at, location, objectors, objected_weight })
}

pub fn encode_log(seq: u64, height: u64, time: u64, event: &LogEvent) -> StdResult<Vec<u8>> {
    let mut w = Writer(Vec::with_capacity(96));
    w.varint(height);
    w.varint(time);
    match event {
        LogEvent::BundleRegistered { bundle_id, creator, nonce } => {
            w.byte(0);
            w.bytes(bundle_id.0.as_slice());
            w.text(creator.as_str());
            w.varint(*nonce);
        }
        LogEvent::LegReported { bundle_id, leg_index, report_id, reporter } if *report_id == seq => {
            w.byte(1);
            w.bytes(bundle_id.0.as_slice());
            w.varint(*leg_index as u64);
            w.text(reporter.as_str());
        }
        LogEvent::VerdictFinal { bundle_id, verdict, reason, batch_index } => {
            w.byte(2);
            w.bytes(bundle_id.0.as_slice());
            w.byte(verdict.code());
            w.byte(reason_code(*reason));
            w.varint(*batch_index);
        }
        LogEvent::ReportRejected { bundle_id, leg_index, report_id, epoch, objected_weight } => {
            w.byte(3);
            w.bytes(bundle_id.0.as_slice());
            w.varint(*leg_index as u64);
            w.varint(*report_id);
            w.varint(*epoch);
            w.amount(objected_weight);
        }
        LogEvent::BatchClosed { batch_index, epoch, root, size } => {
            w.byte(4);
            w.varint(*batch_index);
            w.varint(*epoch);
            w.bytes(root.0.as_slice());
            w.varint(*size as u64);
        }
        LogEvent::BatchAttested { batch_index, epoch } => {
            w.byte(5);
            w.varint(*batch_index);
            w.varint(*epoch);
        }
        LogEvent::BundlePruned { bundle_id } => {
            w.byte(6);
            w.bytes(bundle_id.0.as_slice());
        }
        other => {
            w.byte(255);
            w.bytes(&to_json_vec(other)?);
        }
    }
    Ok(w.0)
}

/// The hub time of a stored log entry, without decoding its event.
pub fn log_time(bytes: &[u8]) -> StdResult<u64> {
    let mut r = Reader(bytes);
    r.varint()?;
    r.varint()
}

pub fn decode_log(seq: u64, bytes: &[u8]) -> StdResult<LogEntry> {
    let mut r = Reader(bytes);
    let height = r.varint()?;
    let time = r.varint()?;
    let event = match r.byte()? {
        0 => {
            LogEvent::BundleRegistered { bundle_id: r.hash()?, creator: Addr::unchecked(r.text()?), nonce: r.varint()? }
        }
        1 => LogEvent::LegReported {
            bundle_id: r.hash()?,
            leg_index: r.u32()?,
            report_id: seq,
            reporter: Addr::unchecked(r.text()?),
        },
        2 => LogEvent::VerdictFinal {
            bundle_id: r.hash()?,
            verdict: Verdict::from_code(r.byte()?).ok_or_else(|| corrupt("unknown verdict"))?,
            reason: reason_of(r.byte()?)?,
            batch_index: r.varint()?,
        },
        3 => LogEvent::ReportRejected {
            bundle_id: r.hash()?,
            leg_index: r.u32()?,
            report_id: r.varint()?,
            epoch: r.varint()?,
            objected_weight: r.amount()?,
        },
        4 => LogEvent::BatchClosed { batch_index: r.varint()?, epoch: r.varint()?, root: r.hash()?, size: r.u32()? },
        5 => LogEvent::BatchAttested { batch_index: r.varint()?, epoch: r.varint()? },
        6 => LogEvent::BundlePruned { bundle_id: r.hash()? },
        255 => from_json(r.rest())?,
        _ => return Err(corrupt("unknown log event")),
    };
    r.end()?;
    Ok(LogEntry { seq, height, time, event })
}

/// A batch head: status byte (0 open, 1 closed, 2 attested), size, opened_at (varints), a byte
/// of flags for the optional fields that follow in order (bit 0 first_entry_at, 1 epoch, 2 root
/// (32), 3 closed_at, 4 attested_at, 5 threshold (amount form)), signed weight (amount form),
/// latest settle deadline (varint).
pub fn encode_batch(b: &BatchRecord) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(96));
    w.byte(match b.status {
        BatchStatus::Open => 0,
        BatchStatus::Closed => 1,
        BatchStatus::Attested => 2,
    });
    w.varint(b.size as u64);
    w.varint(b.opened_at);
    let flags = [
        b.first_entry_at.is_some(),
        b.epoch.is_some(),
        b.root.is_some(),
        b.closed_at.is_some(),
        b.attested_at.is_some(),
        b.threshold.is_some(),
    ];
    w.flags(&flags);
    for n in [b.first_entry_at, b.epoch].into_iter().flatten() {
        w.varint(n);
    }
    if let Some(root) = b.root {
        w.bytes(root.0.as_slice());
    }
    for n in [b.closed_at, b.attested_at].into_iter().flatten() {
        w.varint(n);
    }
    if let Some(t) = &b.threshold {
        w.amount(t);
    }
    w.amount(&b.signed_weight);
    w.varint(b.latest_deadline);
    // the open batch's Merkle frontier (empty once closed): one node per set bit of `size`
    w.varint(b.frontier.len() as u64);
    for n in &b.frontier {
        w.bytes(n.0.as_slice());
    }
    w.0
}

pub fn decode_batch(index: u64, bytes: &[u8]) -> StdResult<BatchRecord> {
    let mut r = Reader(bytes);
    let status = match r.byte()? {
        0 => BatchStatus::Open,
        1 => BatchStatus::Closed,
        2 => BatchStatus::Attested,
        _ => return Err(corrupt("unknown batch status")),
    };
    let size = r.u32()?;
    let opened_at = r.varint()?;
    let flags = r.flags(6, "unknown batch flags")?;
    let has = |bit: u8| flags & (1 << bit) != 0;
    let first_entry_at = if has(0) { Some(r.varint()?) } else { None };
    let epoch = if has(1) { Some(r.varint()?) } else { None };
    let root = if has(2) { Some(r.hash()?) } else { None };
    let closed_at = if has(3) { Some(r.varint()?) } else { None };
    let attested_at = if has(4) { Some(r.varint()?) } else { None };
    let threshold = if has(5) { Some(r.amount()?) } else { None };
    let signed_weight = r.amount()?;
    let latest_deadline = r.varint()?;
    let nodes = r.varint()?;
    if nodes > 32 {
        return Err(corrupt("batch frontier longer than 32 nodes"));
    }
    let frontier = (0..nodes).map(|_| r.hash()).collect::<StdResult<Vec<_>>>()?;
    r.end()?;
    Ok(BatchRecord {
        frontier,
        index,
        status,
        entries: vec![],
        size,
        opened_at,
        first_entry_at,
        epoch,
        root,
        closed_at,
        attested_at,
        signed_weight,
        threshold,
        latest_deadline,
    })
}

fn corrupt(what: &str) -> StdError {
    StdError::msg(format!("stored bundle is corrupt: {what}"))
}

fn reason_code(reason: VerdictReason) -> u8 {
    match reason {
        VerdictReason::AllLegsLocked => 0,
        VerdictReason::LegMissing => 1,
        VerdictReason::TooLateToCommit => 2,
    }
}

fn reason_of(code: u8) -> StdResult<VerdictReason> {
    match code {
        0 => Ok(VerdictReason::AllLegsLocked),
        1 => Ok(VerdictReason::LegMissing),
        2 => Ok(VerdictReason::TooLateToCommit),
        _ => Err(corrupt("unknown verdict reason")),
    }
}

/// A bundle's head, rewritten by reports, objections and its verdict: a byte of which optional
/// parts follow, then the leg bit sets and times as varints (~20 bytes instead of ~80 of JSON).
pub fn encode_head(h: &BundleHead) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(32));
    // a verdict is always decided with its reason
    let verdict = h.verdict.zip(h.reason);
    let flags = [
        verdict.is_some(),
        h.decided_at.is_some(),
        h.batch_index.is_some(),
        h.position.is_some(),
        h.next_check.is_some(),
        h.rereport_until.is_some(),
    ];
    w.flags(&flags);
    if let Some((v, r)) = verdict {
        w.byte(v.code());
        w.byte(reason_code(r));
    }
    for n in
        [h.decided_at, h.batch_index, h.position.map(u64::from), h.next_check, h.rereport_until].into_iter().flatten()
    {
        w.varint(n);
    }
    for n in [h.reported as u64, h.windows_end, h.rejected as u64, h.rejected_here as u64] {
        w.varint(n);
    }
    w.0
}

pub fn decode_head(bytes: &[u8]) -> StdResult<BundleHead> {
    let mut r = Reader(bytes);
    let flags = r.flags(6, "unknown head flags")?;
    let has = |bit: u8| flags & (1 << bit) != 0;
    let (verdict, reason) = if has(0) {
        let v = Verdict::from_code(r.byte()?).ok_or_else(|| corrupt("unknown verdict"))?;
        (Some(v), Some(reason_of(r.byte()?)?))
    } else {
        (None, None)
    };
    let decided_at = if has(1) { Some(r.varint()?) } else { None };
    let batch_index = if has(2) { Some(r.varint()?) } else { None };
    let position = if has(3) { Some(r.u32()?) } else { None };
    let next_check = if has(4) { Some(r.varint()?) } else { None };
    let rereport_until = if has(5) { Some(r.varint()?) } else { None };
    let head = BundleHead {
        verdict,
        reason,
        decided_at,
        batch_index,
        position,
        next_check,
        rereport_until,
        reported: r.u32()?,
        windows_end: r.varint()?,
        rejected: r.u32()?,
        rejected_here: r.u32()?,
    };
    r.end()?;
    Ok(head)
}

/// An objector's weight (its stored form under the objector's key).
pub fn encode_amount(a: &Amount) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(33));
    w.amount(a);
    w.0
}

pub fn decode_amount(bytes: &[u8]) -> StdResult<Amount> {
    let mut r = Reader(bytes);
    let a = r.amount()?;
    r.end()?;
    Ok(a)
}

struct Writer(Vec<u8>);

impl Writer {
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
    fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push(n as u8 | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }
    fn text(&mut self, s: &str) {
        self.varint(s.len() as u64);
        self.bytes(s.as_bytes());
    }
    fn amount(&mut self, a: &Amount) {
        self.be(&a.0.to_be_bytes::<32>());
    }
    /// A byte of which optional parts follow, bit `i` for `present[i]`.
    fn flags(&mut self, present: &[bool]) {
        self.byte(present.iter().enumerate().map(|(i, f)| (*f as u8) << i).sum());
    }
    /// A 256-bit number: a length byte and its big-endian bytes without leading zeros.
    fn be(&mut self, be: &[u8; 32]) {
        let skip = be.iter().take_while(|b| **b == 0).count();
        self.byte((32 - skip) as u8);
        self.bytes(&be[skip..]);
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> StdResult<&'a [u8]> {
        if self.0.len() < n {
            return Err(corrupt("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn byte(&mut self) -> StdResult<u8> {
        Ok(self.take(1)?[0])
    }
    fn varint(&mut self) -> StdResult<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = (b & 0x7f) as u64;
            if shift == 63 && bits > 1 {
                return Err(corrupt("varint overflows u64"));
            }
            n |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(corrupt("varint longer than 10 bytes"))
    }
    /// A byte of `count` presence flags (see [`Writer::flags`]); other bits set are corrupt.
    fn flags(&mut self, count: u32, what: &str) -> StdResult<u8> {
        let flags = self.byte()?;
        if flags.checked_shr(count).unwrap_or(0) != 0 {
            return Err(corrupt(what));
        }
        Ok(flags)
    }
    fn u32(&mut self) -> StdResult<u32> {
        u32::try_from(self.varint()?).map_err(|_| corrupt("number past u32"))
    }
    /// A length, checked against what is left so a corrupt one cannot ask for a huge buffer.
    fn len(&mut self) -> StdResult<usize> {
        let n = self.varint()?;
        if n > self.0.len() as u64 {
            return Err(corrupt("length past the end"));
        }
        Ok(n as usize)
    }
    fn text(&mut self) -> StdResult<String> {
        let n = self.len()?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| corrupt("not UTF-8"))
    }
    fn b256(&mut self) -> StdResult<[u8; 32]> {
        Ok(self.take(32)?.try_into().expect("took 32 bytes"))
    }
    fn hash(&mut self) -> StdResult<Hash32> {
        Ok(Hash32(self.b256()?.into()))
    }
    /// What is left (a JSON tail).
    fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.0)
    }
    fn end(&self) -> StdResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(corrupt("trailing bytes"))
        }
    }
    fn account(&mut self) -> StdResult<AccountId> {
        Ok(AccountId(self.b256()?.into()))
    }
    fn amount(&mut self) -> StdResult<Amount> {
        Ok(Amount(U256::from_be_bytes(self.be()?)))
    }
    fn be(&mut self) -> StdResult<[u8; 32]> {
        let n = self.byte()? as usize;
        if n > 32 {
            return Err(corrupt("number longer than 32 bytes"));
        }
        let mut out = [0u8; 32];
        out[32 - n..].copy_from_slice(self.take(n)?);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::test_info;

    #[test]
    fn a_stored_bundle_reads_back_exactly_as_written() {
        let mut info = test_info(3, 1_700_000_000, 1_700_003_600);
        info.bundle.legs[1].kind = LegKind::Burn { origin_domain: u64::MAX };
        info.bundle.legs[2].kind = LegKind::Mint { origin_domain: 7 };
        info.bundle.legs[0].amount = Amount(U256::MAX);
        info.bundle.legs[0].action = Some(Action {
            target: AccountId([0xaa; 32].into()),
            data: HexBytes(vec![1, 2, 3, 0, 255]),
            output_token: AccountId([0xbb; 32].into()),
            min_out: Amount(U256::from(1u64)),
            gas_limit: u64::MAX,
        });
        info.vms[1] = ChainVm::CosmWasm { chain_id: "gamma-1".into() };
        info.deposit = Some(Coin { denom: "inj".into(), amount: Uint256::MAX });
        info.registered_at = u64::MAX;
        let bytes = encode(&info).unwrap();
        assert_eq!(decode(info.id, &bytes).unwrap(), info);

        info.deposit = None;
        info.bundle.legs[0].amount = Amount(U256::from(0u64));
        assert_eq!(decode(info.id, &encode(&info).unwrap()).unwrap(), info);
    }

    #[test]
    fn a_two_leg_bundle_is_stored_in_under_half_the_bytes_of_its_json() {
        let mut info = test_info(2, 1_700_000_000, 1_700_003_600);
        info.bundle.creator = "inj1qg5ega6dykkxc307y25pecuufrjkxkaggkkxh7".into();
        for (i, leg) in info.bundle.legs.iter_mut().enumerate() {
            leg.domain = 31_337 + i as u64;
            for (j, a) in
                [&mut leg.router, &mut leg.depositor, &mut leg.token, &mut leg.recipient].into_iter().enumerate()
            {
                *a = AccountId(mesh_protocol::keccak256([i as u8, j as u8]));
            }
            leg.amount = Amount(U256::from(1_000_000_000_000_000_000u128));
        }
        info.leg_hashes = vec![Hash32(mesh_protocol::keccak256("leg")); 2];
        info.deposit = Some(Coin { denom: "inj".into(), amount: Uint256::from(1_000_000u128) });
        let json = cosmwasm_std::to_json_vec(&(&info.bundle, &info.leg_hashes, &info.vms, &info.deposit)).unwrap();
        let raw = encode(&info).unwrap();
        assert!(raw.len() * 2 < json.len(), "raw {} bytes, json {} bytes", raw.len(), json.len());
        assert_eq!(decode(info.id, &raw).unwrap(), info);
    }

    #[test]
    fn truncated_or_extended_bytes_are_corrupt_state_not_a_bundle() {
        let info = test_info(2, 1_700_000_000, 1_700_003_600);
        let bytes = encode(&info).unwrap();
        for cut in 0..bytes.len() {
            assert!(decode(info.id, &bytes[..cut]).is_err(), "decoded a bundle cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(info.id, &longer).is_err());
        let mut versioned = bytes;
        versioned[0] = 2;
        assert!(decode(info.id, &versioned).is_err());
    }

    #[test]
    fn truncated_reports_and_log_entries_are_corrupt_state() {
        let mut report = crate::state::test_report();
        report.reporter = Addr::unchecked("inj1reporter");
        report.location.as_evm_mut().expect("an EVM location").log_index = u32::MAX;
        report.objectors = vec![EvmAddress(Address::repeat_byte(9)); 2];
        report.objected_weight = Amount(U256::MAX);
        let bytes = encode_report(&report).unwrap();
        assert_eq!(decode_report(&bytes).unwrap(), report);
        for cut in 0..bytes.len() {
            assert!(decode_report(&bytes[..cut]).is_err(), "decoded a report cut at {cut}");
        }
        let weight = encode_amount(&Amount(U256::MAX));
        assert_eq!(decode_amount(&weight).unwrap(), Amount(U256::MAX));
        assert_eq!(decode_amount(&encode_amount(&Amount::default())).unwrap(), Amount::default());
        for cut in 0..weight.len() {
            assert!(decode_amount(&weight[..cut]).is_err(), "decoded a weight cut at {cut}");
        }
        assert!(decode_amount(&[weight.as_slice(), &[0]].concat()).is_err());
        let event = LogEvent::LegReported {
            bundle_id: Hash32::default(),
            leg_index: 3,
            report_id: 9,
            reporter: report.reporter,
        };
        let bytes = encode_log(9, 1, 2, &event).unwrap();
        assert_eq!(decode_log(9, &bytes).unwrap().event, event);
        for cut in 0..bytes.len() {
            assert!(decode_log(9, &bytes[..cut]).is_err(), "decoded a log entry cut at {cut}");
        }
    }

    #[test]
    fn bundle_heads_read_back_exactly_as_written_and_a_cut_one_is_corrupt() {
        let pending = BundleHead {
            next_check: Some(1_700_000_015),
            reported: 0b101,
            windows_end: 1_700_000_015,
            ..Default::default()
        };
        let decided = BundleHead {
            verdict: Some(Verdict::Abort),
            reason: Some(VerdictReason::TooLateToCommit),
            decided_at: Some(u64::MAX),
            batch_index: Some(7),
            position: Some(u32::MAX),
            next_check: None,
            rereport_until: Some(3),
            reported: u32::MAX,
            windows_end: u64::MAX,
            rejected: 8,
            rejected_here: 1 << 31,
        };
        for head in [BundleHead::default(), pending, decided] {
            let bytes = encode_head(&head);
            assert_eq!(decode_head(&bytes).unwrap(), head);
            for cut in 0..bytes.len() {
                assert!(decode_head(&bytes[..cut]).is_err(), "decoded a head cut at {cut}");
            }
            assert!(decode_head(&[bytes.as_slice(), &[0]].concat()).is_err());
        }
        assert!(
            encode_head(&BundleHead {
                next_check: Some(1_700_000_015),
                windows_end: 1_700_000_015,
                reported: 3,
                ..Default::default()
            })
            .len()
                < 16
        );
    }

    #[test]
    fn batch_heads_read_back_exactly_as_written_in_every_state() {
        let open = BatchRecord::open(3, 1_700_000_000);
        assert_eq!(decode_batch(3, &encode_batch(&open)).unwrap(), open);
        let filling = BatchRecord {
            size: 3,
            first_entry_at: Some(1),
            frontier: vec![Hash32(mesh_protocol::keccak256("01")), Hash32(mesh_protocol::keccak256("2"))],
            ..open.clone()
        };
        let bytes = encode_batch(&filling);
        assert_eq!(decode_batch(3, &bytes).unwrap(), filling);
        for cut in 0..bytes.len() {
            assert!(decode_batch(3, &bytes[..cut]).is_err(), "decoded an open batch cut at {cut}");
        }
        let attested = BatchRecord {
            status: BatchStatus::Attested,
            size: 64,
            first_entry_at: Some(1),
            epoch: Some(u64::MAX),
            root: Some(Hash32(mesh_protocol::keccak256("root"))),
            closed_at: Some(2),
            attested_at: Some(3),
            signed_weight: Amount(U256::MAX),
            threshold: Some(Amount(U256::from(20u8))),
            latest_deadline: u64::MAX,
            ..open.clone()
        };
        let bytes = encode_batch(&attested);
        assert_eq!(decode_batch(3, &bytes).unwrap(), attested);
        for cut in 0..bytes.len() {
            assert!(decode_batch(3, &bytes[..cut]).is_err(), "decoded a batch cut at {cut}");
        }
    }

    #[test]
    fn a_varint_past_u64_is_refused() {
        let mut r = Reader(&[0xff; 11]);
        assert!(r.varint().is_err());
        let mut r = Reader(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]);
        assert!(r.varint().is_err());
        let mut r = Reader(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        assert_eq!(r.varint().unwrap(), u64::MAX);
    }
}
