use alloy_primitives::Address;

/// Every way protocol input can be wrong. Each variant says what did not match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("bundle has no legs")]
    NoLegs,
    #[error("bundle has {count} legs, at most {max} are allowed")]
    TooManyLegs { count: usize, max: usize },
    #[error("lock deadline {lock_deadline} must be before settle deadline {settle_deadline}")]
    DeadlinesOutOfOrder { lock_deadline: u64, settle_deadline: u64 },
    #[error("leg {index}: {field} must not be the zero account")]
    ZeroAccount { index: usize, field: &'static str },
    #[error("leg {index}: amount must be positive")]
    ZeroAmount { index: usize },
    #[error("leg {index}: domain must be positive")]
    ZeroDomain { index: usize },
    #[error("bundle creator must not be empty")]
    EmptyCreator,
    #[error("leg {index}: action: {reason}")]
    BadAction { index: usize, reason: &'static str },
    #[error("leg {index}: only an escrow leg may carry an action")]
    ActionOnKind { index: usize },
    #[error("leg {index}: {reason}")]
    BadKind { index: usize, reason: &'static str },
    #[error("leg {index} (kind {kind}) is not matched one to one: every mint needs a lock of the same token and amount on its origin domain, every release a burn of the same origin, token and amount, and no lock or burn may be left over")]
    UnmatchedLeg { index: usize, kind: u8 },

    #[error("signer set is empty")]
    EmptySignerSet,
    #[error("signer set has {count} signers, at most {max} are allowed")]
    TooManySigners { count: usize, max: usize },
    #[error("signer {index} ({signer}) is not strictly after the previous signer")]
    SignersNotSorted { index: usize, signer: Address },
    #[error("signer {index} is the zero address")]
    ZeroSigner { index: usize },
    #[error("signer {signer} has zero weight")]
    ZeroWeight { signer: Address },
    #[error("threshold {threshold} must be positive and at most the total weight {total}")]
    BadThreshold { threshold: u128, total: u128 },
    #[error("total signer weight overflows")]
    WeightOverflow,

    #[error("signature must be 65 bytes, got {len}")]
    SignatureLength { len: usize },
    #[error("signature recovery id v must be 27 or 28, got {v}")]
    SignatureV { v: u8 },
    #[error("signature has r or s equal to zero or not below the curve order")]
    SignatureOutOfRange,
    #[error("signature s is in the upper half of the curve order (high-s signatures are malleable)")]
    HighS,
    #[error("public key could not be recovered from the signature")]
    Unrecoverable,
    #[error("public key must be 65 bytes uncompressed (0x04 prefix) or 64 bytes, got {len}")]
    PublicKeyLength { len: usize },

    #[error("hex: {0}")]
    Hex(&'static str),
    #[error("a Cosmos address must be 20 or 32 bytes, got {len}")]
    AccountLength { len: usize },
}
