//! Header decoding and verification: `tendermint-light-client-verifier`'s predicates, with the
//! ed25519 checks done by the host.
//!
//! The verifier's signature check is a static trait function (`signature::Verifier::verify`)
//! with no way to reach `deps.api`, so [`HostEd25519`] *defers* it: it records each
//! (key, sign bytes, signature) the verifier asks about and answers "valid"; once the verdict is
//! in, every recorded signature is checked at once with the host's `ed25519_batch_verify`, and
//! any invalid one refuses the header. This is equivalent to checking them one by one: the
//! verifier treats an invalid signature of a validator it counts as a hard error (never as
//! "skip this vote"), so a header that passes with every counted signature valid is exactly one
//! that passes here. The host check costs a fraction of the pure-Rust `ed25519-consensus` one
//! (both follow the same ZIP-215 rules).

use std::cell::RefCell;
use std::time::Duration;

use cosmwasm_std::{Api, Binary, HexBinary, Timestamp};
use tendermint::block::signed_header::SignedHeader;
use tendermint::chain::Id as ChainId;
use tendermint::crypto::signature::{Error as SigError, Verifier as SigVerifier};
use tendermint::validator::Set as ValidatorSet;
use tendermint::{Hash, PublicKey, Signature, Time};
use tendermint_light_client_verifier::errors::VerificationErrorDetail;
use tendermint_light_client_verifier::operations::{ProdCommitValidator, ProvidedVotingPowerCalculator};
use tendermint_light_client_verifier::options::Options;
use tendermint_light_client_verifier::predicates::ProdPredicates;
use tendermint_light_client_verifier::types::{TrustThreshold, TrustedBlockState, UntrustedBlockState};
use tendermint_light_client_verifier::{PredicateVerifier, Verdict, Verifier};
use tendermint_proto::Protobuf;

use crate::error::ContractError;
use crate::msg::{Fraction, LightHeader};
use crate::state::{ClientState, ConsensusState};

/// `ProdVerifier` with the host's ed25519.
pub type HubVerifier =
    PredicateVerifier<ProdPredicates, ProvidedVotingPowerCalculator<HostEd25519>, ProdCommitValidator>;

/// One signature the verifier asked about.
struct Pending {
    key: [u8; 32],
    msg: Vec<u8>,
    sig: [u8; 64],
}

thread_local! {
    static PENDING: RefCell<Vec<Pending>> = const { RefCell::new(Vec::new()) };
}

/// The deferred ed25519 check (see the module doc). Other key types are refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostEd25519;

impl SigVerifier for HostEd25519 {
    fn verify(pubkey: PublicKey, msg: &[u8], signature: &Signature) -> Result<(), SigError> {
        let PublicKey::Ed25519(pk) = pubkey else { return Err(SigError::UnsupportedKeyType) };
        let key: [u8; 32] = pk.as_bytes().try_into().map_err(|_| SigError::MalformedPublicKey)?;
        let sig: [u8; 64] = signature.as_bytes().try_into().map_err(|_| SigError::MalformedSignature)?;
        PENDING.with(|p| p.borrow_mut().push(Pending { key, msg: msg.to_vec(), sig }));
        Ok(())
    }
}

/// Runs `f` (a verifier call), then checks every signature it recorded with the host. `Ok` only
/// when all are valid; the error names the first invalid one.
fn with_host_signatures<T>(api: &dyn Api, f: impl FnOnce() -> T) -> (T, Result<usize, String>) {
    PENDING.with(|p| p.borrow_mut().clear());
    let out = f();
    let pending = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
    (out, check_all(api, &pending))
}

fn check_all(api: &dyn Api, pending: &[Pending]) -> Result<usize, String> {
    match pending {
        [] => return Ok(0),
        [one] => {
            return match api.ed25519_verify(&one.msg, &one.sig, &one.key) {
                Ok(true) => Ok(1),
                Ok(false) => Err(format!("signature of key {} does not verify", HexBinary::from(one.key.as_slice()))),
                Err(e) => Err(format!(
                    "signature of key {}: {}",
                    HexBinary::from(one.key.as_slice()),
                    crate::error::plain(&e)
                )),
            };
        }
        _ => {}
    }
    let msgs: Vec<&[u8]> = pending.iter().map(|p| p.msg.as_slice()).collect();
    let sigs: Vec<&[u8]> = pending.iter().map(|p| p.sig.as_slice()).collect();
    let keys: Vec<&[u8]> = pending.iter().map(|p| p.key.as_slice()).collect();
    if matches!(api.ed25519_batch_verify(&msgs, &sigs, &keys), Ok(true)) {
        return Ok(pending.len());
    }
    // name the culprit (only on failure: costs one check per signature)
    for p in pending {
        if !matches!(api.ed25519_verify(&p.msg, &p.sig, &p.key), Ok(true)) {
            return Err(format!("signature of key {} does not verify", HexBinary::from(p.key.as_slice())));
        }
    }
    Err("the batch of signatures does not verify".into())
}

/// A decoded [`LightHeader`].
pub struct Header {
    pub signed_header: SignedHeader,
    pub validators: ValidatorSet,
}

impl Header {
    pub fn height(&self) -> u64 {
        self.signed_header.header.height.value()
    }

    /// What the client keeps of this header.
    pub fn consensus_state(&self) -> Result<ConsensusState, ContractError> {
        let h = &self.signed_header.header;
        Ok(ConsensusState {
            height: self.height(),
            time: to_timestamp(h.time)?,
            block_hash: HexBinary::from(h.hash().as_bytes()),
            app_hash: HexBinary::from(h.app_hash.as_bytes()),
            next_validators_hash: HexBinary::from(h.next_validators_hash.as_bytes()),
        })
    }
}

pub fn decode_header(h: &LightHeader) -> Result<Header, ContractError> {
    let signed_header =
        <SignedHeader as Protobuf<tendermint_proto::types::SignedHeader>>::decode_vec(h.signed_header.as_slice())
            .map_err(|e| ContractError::Decode { what: "signed_header", reason: crate::error::plain(&e) })?;
    let validators = decode_validators(&h.validators, "validators")?;
    Ok(Header { signed_header, validators })
}

pub fn decode_validators(b: &Binary, what: &'static str) -> Result<ValidatorSet, ContractError> {
    <ValidatorSet as Protobuf<tendermint_proto::types::ValidatorSet>>::decode_vec(b.as_slice())
        .map_err(|e| ContractError::Decode { what, reason: crate::error::plain(&e) })
}

pub fn to_timestamp(t: Time) -> Result<Timestamp, ContractError> {
    u64::try_from(t.unix_timestamp_nanos())
        .map(Timestamp::from_nanos)
        .map_err(|_| ContractError::Decode { what: "header time", reason: format!("{t} is before 1970") })
}

pub fn to_time(t: Timestamp) -> Time {
    Time::from_unix_timestamp(t.seconds() as i64, t.subsec_nanos() as u32).expect("a u64 timestamp is a valid time")
}

pub fn trust_threshold(f: Fraction) -> Result<TrustThreshold, ContractError> {
    TrustThreshold::new(f.numerator, f.denominator).map_err(|e| ContractError::InvalidParams {
        field: "trust_level",
        reason: format!("{}/{}: {}", f.numerator, f.denominator, crate::error::plain(&e)),
    })
}

fn chain_id(client: &ClientState) -> Result<ChainId, ContractError> {
    ChainId::try_from(client.chain_id.clone())
        .map_err(|e| ContractError::InvalidParams { field: "chain_id", reason: crate::error::plain(&e) })
}

/// Checks a header on its own (for a new client): its chain id, that `validators` hash to its
/// `validators_hash`, that the commit is for it, and that more than 2/3 of `validators` signed.
pub fn verify_standalone(api: &dyn Api, client: &ClientState, header: &Header) -> Result<(), ContractError> {
    check_chain_id(client, header)?;
    let untrusted = UntrustedBlockState {
        signed_header: &header.signed_header,
        validators: &header.validators,
        next_validators: None,
    };
    let v = HubVerifier::default();
    let (verdict, sigs) = with_host_signatures(api, || match v.verify_validator_sets(&untrusted) {
        Verdict::Success => v.verify_commit(&untrusted),
        other => other,
    });
    verdict_to_result(header.height(), verdict, None, sigs)
}

/// Which of the verifier's two checks.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `verify_update_header`: headers in the future beyond the clock drift are refused.
    Update,
    /// `verify_misbehaviour_header`: no check against the hub's clock.
    Misbehaviour,
}

/// Verifies `header` from the trusted consensus state `trusted` of `client`.
pub fn verify_from_trusted(
    api: &dyn Api,
    client: &ClientState,
    trusted: &ConsensusState,
    trusted_next_validators: Option<&Binary>,
    header: &Header,
    now: Timestamp,
    mode: Mode,
) -> Result<(), ContractError> {
    check_chain_id(client, header)?;
    let height = header.height();
    let adjacent = trusted.height.checked_add(1) == Some(height);
    let next_hash =
        Hash::Sha256(trusted.next_validators_hash.as_slice().try_into().map_err(|_| {
            ContractError::Std(cosmwasm_std::StdError::msg("stored next_validators_hash is not 32 bytes"))
        })?);
    let trusted_next = match trusted_next_validators {
        Some(b) => {
            let set = decode_validators(b, "trusted_next_validators")?;
            let got = set.hash();
            if got != next_hash {
                return Err(ContractError::TrustedValidatorsMismatch {
                    trusted_height: trusted.height,
                    expected: next_hash.to_string(),
                    got: got.to_string(),
                });
            }
            Some(set)
        }
        None if adjacent => None,
        None => return Err(ContractError::MissingTrustedValidators { trusted_height: trusted.height, height }),
    };
    let chain_id = chain_id(client)?;
    let trusted_state = TrustedBlockState {
        chain_id: &chain_id,
        header_time: to_time(trusted.time),
        height: trusted
            .height
            .try_into()
            .map_err(|e: tendermint::Error| ContractError::InvalidHeader { height, reason: crate::error::plain(&e) })?,
        // adjacent: the verifier compares the header's validators_hash with next_validators_hash
        // and does not read this set
        next_validators: trusted_next.as_ref().unwrap_or(&header.validators),
        next_validators_hash: next_hash,
    };
    let untrusted = UntrustedBlockState {
        signed_header: &header.signed_header,
        validators: &header.validators,
        next_validators: None,
    };
    let options = Options {
        trust_threshold: trust_threshold(client.trust_level)?,
        trusting_period: Duration::from_secs(client.trusting_period),
        clock_drift: Duration::from_secs(client.max_clock_drift),
    };
    let v = HubVerifier::default();
    let now = to_time(now);
    let (verdict, sigs) = with_host_signatures(api, || match mode {
        Mode::Update => v.verify_update_header(untrusted, trusted_state, &options, now),
        Mode::Misbehaviour => v.verify_misbehaviour_header(untrusted, trusted_state, &options, now),
    });
    verdict_to_result(height, verdict, Some(trusted.height), sigs)
}

fn check_chain_id(client: &ClientState, header: &Header) -> Result<(), ContractError> {
    let got = header.signed_header.header.chain_id.as_str();
    if got != client.chain_id {
        return Err(ContractError::WrongChainId { expected: client.chain_id.clone(), got: got.to_string() });
    }
    Ok(())
}

fn verdict_to_result(
    height: u64,
    verdict: Verdict,
    trusted_height: Option<u64>,
    sigs: Result<usize, String>,
) -> Result<(), ContractError> {
    match verdict {
        Verdict::Success => sigs.map(|_| ()).map_err(|reason| ContractError::InvalidSignature { height, reason }),
        Verdict::NotEnoughTrust(tally) => Err(ContractError::NotEnoughTrust {
            height,
            tallied: tally.tallied,
            total: tally.total,
            threshold: tally.trust_threshold.to_string(),
        }),
        Verdict::Invalid(detail) => Err(match detail {
            VerificationErrorDetail::NotWithinTrustPeriod(e) => ContractError::TrustedStateExpired {
                trusted_height: trusted_height.unwrap_or_default(),
                reason: crate::error::plain(&e),
            },
            VerificationErrorDetail::HeaderFromTheFuture(e) => {
                ContractError::HeaderInFuture { height, reason: crate::error::plain(&e) }
            }
            VerificationErrorDetail::InvalidSignature(e) => {
                ContractError::InvalidSignature { height, reason: crate::error::plain(&e) }
            }
            other => ContractError::InvalidHeader { height, reason: crate::error::plain(&other) },
        }),
    }
}
