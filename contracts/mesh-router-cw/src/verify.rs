//! The `SettlementVerifier` half: signer sets by epoch with expiry, batch roots verified once,
//! rotation signed by the current set. Signatures are recovered with the host's
//! `secp256k1_recover_pubkey` (as the hub's bundle-log does), low-s only, signers ascending.

use cosmwasm_std::{Api, Deps, Env, Storage};
use mesh_hub_api::router_cw::SignerSetResponse;
use mesh_protocol::eip712::HubDomain;
use mesh_protocol::sig::recover_signer_with;
use mesh_protocol::{Amount, EvmAddress, ProtocolError, Signature65, SignerSet, U256};

use crate::error::ContractError;
use crate::state::{Config, CURRENT_EPOCH, SETS};

/// How many epochs before the current one still verify batches (as the EVM verifier).
pub const RETAINED_EPOCHS: u64 = 3;

pub fn now(env: &Env) -> u64 {
    env.block.time.seconds()
}

pub fn hub(cfg: &Config) -> HubDomain {
    HubDomain::new(cfg.hub_chain_id.clone(), cfg.deployment.clone())
}

/// The set of `epoch`, which must be current or retained, and not expired.
pub fn set_of(storage: &dyn Storage, env: &Env, epoch: u64) -> Result<SignerSet, ContractError> {
    let current = CURRENT_EPOCH.load(storage)?;
    if epoch > current || current - epoch > RETAINED_EPOCHS {
        return Err(ContractError::EpochNotActive { epoch, current });
    }
    let stored = SETS.may_load(storage, epoch)?.ok_or(ContractError::EpochNotActive { epoch, current })?;
    if now(env) >= stored.set.expires_at {
        return Err(ContractError::SignerSetExpired { epoch, expires_at: stored.set.expires_at });
    }
    Ok(stored.set)
}

/// Checks that `signatures` (ascending signers) are valid signatures of `digest` by members of
/// `set` weighing at least its threshold; every signature must be valid and from a member.
/// Returns the signed weight.
pub fn verify_signatures(
    api: &dyn Api,
    set: &SignerSet,
    digest: &[u8; 32],
    signatures: &[Signature65],
) -> Result<U256, ContractError> {
    if signatures.is_empty() {
        return Err(ContractError::NoSignatures);
    }
    if signatures.len() > mesh_protocol::MAX_SIGNERS {
        return Err(ContractError::TooManySignatures { count: signatures.len(), max: mesh_protocol::MAX_SIGNERS });
    }
    let mut weight = U256::ZERO;
    let mut previous = EvmAddress::ZERO;
    for (index, sig) in signatures.iter().enumerate() {
        let signer: EvmAddress = recover_signer_with(digest, sig, |d, rs, v| api.secp256k1_recover_pubkey(d, rs, v))
            .map_err(|e| match e {
                ProtocolError::SignatureV { v } => ContractError::BadSignatureV { index, v },
                ProtocolError::SignatureOutOfRange => ContractError::SignatureOutOfRange { index },
                ProtocolError::HighS => ContractError::HighS { index },
                _ => ContractError::UnrecoverableSignature { index },
            })?
            .into();
        if signer.is_zero() {
            return Err(ContractError::UnrecoverableSignature { index });
        }
        if signer <= previous {
            return Err(ContractError::SignersNotAscending { index, signer, previous });
        }
        let w = set.weight_of(&signer).ok_or(ContractError::NotASigner { index, signer })?;
        // The set's total did not overflow when it was validated, and members are distinct.
        weight = weight.saturating_add(w);
        previous = signer;
    }
    if weight < set.threshold.0 {
        return Err(ContractError::InsufficientWeight { weight: Amount(weight), threshold: set.threshold });
    }
    Ok(weight)
}

/// Validates and stores `set` as the current one (its expiry is checked by the callers).
pub fn activate(storage: &mut dyn Storage, env: &Env, set: SignerSet) -> Result<(), ContractError> {
    set.validate().map_err(ContractError::InvalidSignerSet)?;
    let epoch = set.epoch;
    SETS.save(storage, epoch, &SignerSetResponse { set, activated_at: now(env) })?;
    CURRENT_EPOCH.save(storage, &epoch)?;
    Ok(())
}

/// The current set, which must not have expired (it signs rotations).
pub fn current_set(deps: Deps, env: &Env) -> Result<SignerSetResponse, ContractError> {
    let epoch = CURRENT_EPOCH.load(deps.storage)?;
    let stored = SETS.load(deps.storage, epoch)?;
    if now(env) >= stored.set.expires_at {
        return Err(ContractError::SignerSetExpired { epoch, expires_at: stored.set.expires_at });
    }
    Ok(stored)
}
