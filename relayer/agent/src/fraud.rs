//! Signature fraud: what a signed statement proves against the hub, and the proof that shows it.
//!
//! Shared by the disputer's watch on EVM deliveries and by `mesh dispute prove-equivocation` /
//! `prove-wrong-attestation`, so both refuse exactly the same things before anything is sent.
//! Every check mirrors what the dispute contract verifies (contracts/dispute/src/execute.rs), so
//! a proof built here is refused on the hub only when the hub changed in between or someone
//! proved it first.
//!
//! A signature file is the JSON of [`SignedStatement`] (field names `snake_case`, hashes and
//! signatures `0x`-hex, unknown fields refused), e.g. `examples/signed-statement.json`:
//!
//! ```json
//! { "batch": { "epoch": 1, "batch_index": 0, "root": "0xc8d4…", "signature": "0x38db…1b" } }
//! { "signer_set_update": { "new_epoch": 2, "signers_hash": "0x…", "signature": "0x…" } }
//! ```
use std::path::{Path, PathBuf};

use mesh_hub_api::dispute::{FraudProof, SignedStatement};
use mesh_hub_api::stake_escrow::RelayerInfo;
use mesh_protocol::eip712::{settlement_batch_digest, signer_set_update_digest, HubDomain};
use mesh_protocol::sig::recover_signer;
use mesh_protocol::{EvmAddress, Hash32, ProtocolError, SettlementBatch, SignerSetUpdate, B256};

use mesh_hub::{CosmosError, MeshHub};

/// The slot a statement fills, as the dispute contract keys it.
pub use mesh_hub_api::dispute::SignatureSlot as Slot;

/// Why a signature proves nothing (or could not be checked).
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    #[error("reading {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "{path} is not a signed statement (JSON of SignedStatement, see examples/signed-statement.json): {detail}"
    )]
    Parse { path: PathBuf, detail: String },
    #[error("the {which} signature is invalid: {reason}")]
    BadSignature { which: &'static str, reason: ProtocolError },
    #[error("both statements are the same ({slot} = {content}): one statement signed twice is no conflict")]
    SameStatement { slot: Slot, content: Hash32 },
    #[error(
        "the statements are for different slots ({first} and {second}): equivocation needs two statements for one slot"
    )]
    DifferentSlots { first: Slot, second: Slot },
    #[error("the statements are signed by different keys ({first} and {second})")]
    DifferentSigners { first: EvmAddress, second: EvmAddress },
    #[error("signer {signer} is not a registered relayer on the hub: no stake answers for its signature")]
    UnknownSigner { signer: EvmAddress },
    #[error("the hub itself made this statement ({slot} = {content}): the signature is honest")]
    HubAgrees { slot: Slot, content: Hash32 },
    #[error("asking the hub: {0}")]
    Hub(#[from] CosmosError),
}

/// The slot a statement fills.
pub fn slot(s: &SignedStatement) -> Slot {
    Slot::of(s)
}

/// What a statement puts in its slot: the batch root or the signers hash.
pub fn content(s: &SignedStatement) -> Hash32 {
    match s {
        SignedStatement::Batch { root, .. } => *root,
        SignedStatement::SignerSetUpdate { signers_hash, .. } => *signers_hash,
    }
}

/// The EIP-712 digest the statement's signature signs.
pub fn digest(domain: &HubDomain, s: &SignedStatement) -> B256 {
    match s {
        SignedStatement::Batch { epoch, batch_index, root, .. } => {
            settlement_batch_digest(domain, &SettlementBatch { epoch: *epoch, batch_index: *batch_index, root: *root })
        }
        SignedStatement::SignerSetUpdate { new_epoch, signers_hash, .. } => {
            signer_set_update_digest(domain, &SignerSetUpdate { new_epoch: *new_epoch, signers_hash: *signers_hash })
        }
    }
}

/// The EVM key that signed the statement (low-s only, as the hub and the Verifiers accept).
pub fn signer(domain: &HubDomain, s: &SignedStatement, which: &'static str) -> Result<EvmAddress, ProofError> {
    let sig = match s {
        SignedStatement::Batch { signature, .. } | SignedStatement::SignerSetUpdate { signature, .. } => signature,
    };
    recover_signer(digest(domain, s), sig).map(EvmAddress).map_err(|reason| ProofError::BadSignature { which, reason })
}

/// Reads a signature file.
pub fn read_statement(path: &Path) -> Result<SignedStatement, ProofError> {
    let parse = |detail: String| ProofError::Parse { path: path.into(), detail };
    let text = std::fs::read_to_string(path).map_err(|source| ProofError::Read { path: path.into(), source })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| parse(e.to_string()))?;
    // serde's deny_unknown_fields does not reach into enum variants: a misspelt field would be
    // dropped silently, so the fields are checked here (docs/protocol.md: unknown fields are refused).
    if let Some((variant, serde_json::Value::Object(fields))) = value.as_object().and_then(|o| o.iter().next()) {
        let known: &[&str] = match variant.as_str() {
            "batch" => &["epoch", "batch_index", "root", "signature"],
            "signer_set_update" => &["new_epoch", "signers_hash", "signature"],
            _ => &[],
        };
        if let Some(unknown) = fields.keys().find(|k| !known.is_empty() && !known.contains(&k.as_str())) {
            return Err(parse(format!("unknown field `{unknown}` in `{variant}`, expected one of {known:?}")));
        }
    }
    serde_json::from_value(value).map_err(|e| parse(e.to_string()))
}

/// The replay key the dispute contract keeps for a single-signature fraud (one proof per slot and
/// signer, whatever the wrong content): the disputer records its outcome under the same key so it
/// never submits what the hub would refuse as already proven.
pub fn wrong_statement_key(s: &SignedStatement, signer: EvmAddress) -> Vec<u8> {
    slot(s).fraud_key(signer)
}

/// A signature fraud ready to submit, with what it shows.
#[derive(Clone, Debug)]
pub struct SignatureFraud {
    pub signer: EvmAddress,
    /// The relayer whose stake answers for the signer.
    pub relayer: RelayerInfo,
    pub slot: Slot,
    /// What the signer put in the slot: one content for a wrong statement, two for an equivocation.
    pub signed: Vec<Hash32>,
    /// What the hub holds for the slot, `None` when it never filled it.
    pub hub_has: Option<Hash32>,
    /// Whether the signer is a member of the hub's signer set that signs this slot (informative:
    /// the contract slashes any registered relayer's wrong signature).
    pub member: bool,
    pub proof: FraudProof,
}

impl SignatureFraud {
    /// A human summary: signer, slot, conflicting contents, stake at risk.
    pub fn describe(&self) -> String {
        let kind = match self.proof {
            FraudProof::Equivocation { .. } => "equivocation",
            FraudProof::WrongAttestation { .. } => "wrong attestation",
            FraudProof::WrongSignerSetUpdate { .. } => "wrong signer-set update",
            FraudProof::FalseLock { .. } => "false lock",
        };
        let unbonding: u128 = self.relayer.unbonding.iter().map(|u| u.amount.u128()).sum();
        let mut out = format!("proves {kind} by signer {} (relayer {})\n", self.signer, self.relayer.address);
        out += &format!("  slot:     {}\n", self.slot);
        for (i, c) in self.signed.iter().enumerate() {
            out += &format!("  signed {}: {c}\n", i + 1);
        }
        match self.hub_has {
            Some(h) => out += &format!("  hub has:  {h}\n"),
            None => out += "  hub has:  nothing (the hub never filled this slot)\n",
        }
        if !self.member {
            out += "  note:     the signer is not a member of the signing epoch's set on the hub\n";
        }
        let jailed = if self.relayer.jailed { "already jailed" } else { "not jailed yet" };
        out += &format!(
            "  at risk:  bonded {} + unbonding {} base units (slashed so far {}; {jailed})",
            self.relayer.bonded, unbonding, self.relayer.slashed
        );
        out
    }
}

/// What the hub holds for a slot, read the way the dispute contract reads it: a batch index at or
/// above the open batch was never closed, and a closed batch counts only under its own epoch.
pub async fn hub_content<H: MeshHub>(hub: &H, slot: Slot) -> Result<Option<Hash32>, CosmosError> {
    match slot {
        Slot::Batch { epoch, batch_index } => {
            if batch_index >= hub.current_batch().await?.index {
                return Ok(None);
            }
            let b = hub.batch(batch_index).await?;
            Ok(if b.epoch == Some(epoch) { b.root } else { None })
        }
        Slot::SignerSetUpdate { new_epoch } => Ok(hub.signer_set(new_epoch).await?.map(|s| s.signers_hash)),
    }
}

async fn member<H: MeshHub>(hub: &H, slot: Slot, signer: EvmAddress) -> Result<bool, CosmosError> {
    let epoch = match slot {
        Slot::Batch { epoch, .. } => epoch,
        Slot::SignerSetUpdate { new_epoch } => new_epoch.saturating_sub(1),
    };
    Ok(hub.signer_set(epoch).await?.is_some_and(|s| s.set.weight_of(&signer).is_some()))
}

async fn relayer<H: MeshHub>(hub: &H, signer: EvmAddress) -> Result<RelayerInfo, ProofError> {
    hub.relayer_by_signer(signer).await?.ok_or(ProofError::UnknownSigner { signer })
}

/// One signature over a statement the hub never made: a `WrongAttestation` (batch) or
/// `WrongSignerSetUpdate` proof, or why there is none.
pub async fn wrong_statement<H: MeshHub>(
    hub: &H,
    domain: &HubDomain,
    s: &SignedStatement,
) -> Result<SignatureFraud, ProofError> {
    let signer = signer(domain, s, "statement's")?;
    let slot = slot(s);
    let hub_has = hub_content(hub, slot).await?;
    if hub_has == Some(content(s)) {
        return Err(ProofError::HubAgrees { slot, content: content(s) });
    }
    let relayer = relayer(hub, signer).await?;
    let proof = match s.clone() {
        SignedStatement::Batch { epoch, batch_index, root, signature } => {
            FraudProof::WrongAttestation { epoch, batch_index, root, signature }
        }
        SignedStatement::SignerSetUpdate { new_epoch, signers_hash, signature } => {
            FraudProof::WrongSignerSetUpdate { new_epoch, signers_hash, signature }
        }
    };
    Ok(SignatureFraud {
        signer,
        relayer,
        slot,
        signed: vec![content(s)],
        hub_has,
        member: member(hub, slot, signer).await?,
        proof,
    })
}

/// The checks that need no hub: one signer, one slot, two different contents.
pub fn check_equivocation(
    domain: &HubDomain,
    first: &SignedStatement,
    second: &SignedStatement,
) -> Result<(EvmAddress, Slot), ProofError> {
    let (a, b) = (slot(first), slot(second));
    if a != b {
        return Err(ProofError::DifferentSlots { first: a, second: b });
    }
    if content(first) == content(second) {
        return Err(ProofError::SameStatement { slot: a, content: content(first) });
    }
    let s1 = signer(domain, first, "first")?;
    let s2 = signer(domain, second, "second")?;
    if s1 != s2 {
        return Err(ProofError::DifferentSigners { first: s1, second: s2 });
    }
    Ok((s1, a))
}

/// Two signatures by one registered signer over conflicting statements of one slot: an
/// `Equivocation` proof (whatever the hub holds for the slot), or why there is none.
pub async fn equivocation<H: MeshHub>(
    hub: &H,
    domain: &HubDomain,
    first: &SignedStatement,
    second: &SignedStatement,
) -> Result<SignatureFraud, ProofError> {
    let (signer, slot) = check_equivocation(domain, first, second)?;
    let relayer = relayer(hub, signer).await?;
    Ok(SignatureFraud {
        signer,
        relayer,
        slot,
        signed: vec![content(first), content(second)],
        hub_has: hub_content(hub, slot).await?,
        member: member(hub, slot, signer).await?,
        proof: FraudProof::Equivocation { first: first.clone(), second: second.clone() },
    })
}

/// Signature files (JSON of `SignedStatement`, see `examples/signed-statement.json`) to prove.
#[derive(Clone, Debug)]
pub enum SignatureFiles {
    /// Two statements by one signer for one slot with different contents.
    Equivocation { first: PathBuf, second: PathBuf },
    /// One statement the hub never made (a batch root or a signer-set update).
    WrongStatement { signature: PathBuf },
}

/// Reads the files and checks them against the hub; sends nothing.
pub async fn build_signature_proof<H: MeshHub>(
    hub: &H,
    domain: &HubDomain,
    files: &SignatureFiles,
) -> Result<SignatureFraud, ProofError> {
    match files {
        SignatureFiles::Equivocation { first, second } => {
            let (a, b) = (read_statement(first)?, read_statement(second)?);
            equivocation(hub, domain, &a, &b).await
        }
        SignatureFiles::WrongStatement { signature } => wrong_statement(hub, domain, &read_statement(signature)?).await,
    }
}

/// `mesh dispute prove-equivocation | prove-wrong-attestation`: writes what the files prove to
/// `out`, then submits the proof unless `dry_run`. Returns the tx hash when it submitted.
pub async fn prove_signatures<H: MeshHub>(
    hub: &H,
    domain: &HubDomain,
    files: &SignatureFiles,
    dry_run: bool,
    out: &mut impl std::io::Write,
) -> Result<Option<String>, ProveError> {
    let fraud = build_signature_proof(hub, domain, files).await.map_err(ProveError::NoFraud)?;
    writeln!(out, "{}", fraud.describe())?;
    if dry_run {
        writeln!(out, "dry run: nothing submitted")?;
        return Ok(None);
    }
    let tx = hub.submit_fraud(fraud.proof).await.map_err(ProveError::Refused)?;
    writeln!(out, "fraud proof accepted (tx {tx})")?;
    Ok(Some(tx))
}

/// Why `prove_signatures` proved or submitted nothing.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    #[error("the signature files prove no fraud: {0}")]
    NoFraud(#[source] ProofError),
    #[error("the hub refused the fraud proof: {0}")]
    Refused(#[source] CosmosError),
    #[error("writing the outcome: {0}")]
    Io(#[from] std::io::Error),
}
