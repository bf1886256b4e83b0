//! Protocol objects with their JSON form (serde) and JSON schema (schemars).
//!
//! JSON conventions: addresses, account ids and hashes as `0x`-prefixed hex, token amounts and weights as
//! decimal strings (they exceed JSON's safe integers), times as unix seconds.

use alloy_primitives::{Address, B256, U256};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{ProtocolError, MAX_ACTION_DATA, MAX_ACTION_GAS, MAX_LEGS, MAX_SIGNERS};

macro_rules! string_schema {
    ($ty:ty, $name:literal, $pattern:literal) => {
        impl JsonSchema for $ty {
            fn schema_name() -> String {
                $name.to_owned()
            }
            fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
                schemars::schema::SchemaObject {
                    instance_type: Some(schemars::schema::InstanceType::String.into()),
                    string: Some(Box::new(schemars::schema::StringValidation {
                        pattern: Some($pattern.to_owned()),
                        ..Default::default()
                    })),
                    ..Default::default()
                }
                .into()
            }
        }
    };
}

/// A 20-byte EVM address. JSON: `0x` + 40 hex digits; mixed case must be a valid EIP-55 checksum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EvmAddress(pub Address);

impl EvmAddress {
    pub const ZERO: EvmAddress = EvmAddress(Address::ZERO);

    /// Parses `0x…` hex; all-lower or all-upper case, or a correct EIP-55 checksum.
    pub fn parse(s: &str) -> Result<Self, ProtocolError> {
        let digits = s.strip_prefix("0x").ok_or(ProtocolError::Hex("address must start with 0x"))?;
        if digits.len() != 40 {
            return Err(ProtocolError::Hex("address must have 40 hex digits"));
        }
        let mut bytes = [0u8; 20];
        hex::decode_to_slice(digits, &mut bytes).map_err(|_| ProtocolError::Hex("address is not hex"))?;
        let addr = Address::from(bytes);
        let mixed = digits.chars().any(|c| c.is_ascii_lowercase()) && digits.chars().any(|c| c.is_ascii_uppercase());
        if mixed && addr.to_checksum(None) != s {
            return Err(ProtocolError::Hex("address has a wrong EIP-55 checksum"));
        }
        Ok(EvmAddress(addr))
    }

    pub fn is_zero(&self) -> bool {
        self.0 == Address::ZERO
    }
}

impl core::fmt::Display for EvmAddress {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "0x{}", hex::encode(self.0.as_slice()))
    }
}

impl From<Address> for EvmAddress {
    fn from(a: Address) -> Self {
        EvmAddress(a)
    }
}

impl Serialize for EvmAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for EvmAddress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        EvmAddress::parse(&s).map_err(serde::de::Error::custom)
    }
}
string_schema!(EvmAddress, "EvmAddress", "^0x[0-9a-fA-F]{40}$");

/// A 32-byte hash. JSON: `0x` + 64 hex digits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash32(pub B256);

impl Hash32 {
    pub fn parse(s: &str) -> Result<Self, ProtocolError> {
        let digits = s.strip_prefix("0x").ok_or(ProtocolError::Hex("hash must start with 0x"))?;
        if digits.len() != 64 {
            return Err(ProtocolError::Hex("hash must have 64 hex digits"));
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(digits, &mut bytes).map_err(|_| ProtocolError::Hex("hash is not hex"))?;
        Ok(Hash32(B256::from(bytes)))
    }
    pub fn is_zero(&self) -> bool {
        self.0 == B256::ZERO
    }
}

impl core::fmt::Display for Hash32 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "0x{}", hex::encode(self.0.as_slice()))
    }
}

impl From<B256> for Hash32 {
    fn from(h: B256) -> Self {
        Hash32(h)
    }
}

impl Serialize for Hash32 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Hash32 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Hash32::parse(&s).map_err(serde::de::Error::custom)
    }
}
string_schema!(Hash32, "Hash32", "^0x[0-9a-fA-F]{64}$");

/// A 32-byte account id, the VM-neutral form of every account a leg names (router, depositor,
/// token, recipient). JSON: `0x` + 64 hex digits.
///
/// * A 20-byte EVM address is its left-padded 32 bytes ([`AccountId::from_evm`]); an account
///   whose top 12 bytes are zero maps back ([`AccountId::to_evm`]).
/// * A Cosmos address maps by its raw (bech32-decoded) bytes: 20 bytes (Injective accounts and
///   contracts, ordinary secp256k1 accounts) are left-padded, 32 bytes (standard wasmd
///   contracts) are taken as they are ([`AccountId::from_cosmos_bytes`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(pub B256);

impl AccountId {
    pub const ZERO: AccountId = AccountId(B256::ZERO);

    /// A 20-byte EVM address, left-padded to 32 bytes (as `bytes32(uint256(uint160(a)))`).
    pub fn from_evm(address: Address) -> Self {
        AccountId(address.into_word())
    }

    /// The EVM address of an EVM-shaped account (top 12 bytes zero), `None` otherwise.
    pub fn to_evm(&self) -> Option<Address> {
        self.is_evm_shaped().then(|| Address::from_slice(&self.0[12..]))
    }

    /// Whether the top 12 bytes are zero: the account is a left-padded 20-byte address.
    pub fn is_evm_shaped(&self) -> bool {
        self.0[..12].iter().all(|b| *b == 0)
    }

    /// The raw bytes of a Cosmos address (bech32-decoded): 20 bytes are left-padded, 32 bytes
    /// taken as they are; any other length is refused.
    pub fn from_cosmos_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        match bytes.len() {
            20 => Ok(AccountId::from_evm(Address::from_slice(bytes))),
            32 => Ok(AccountId(B256::from_slice(bytes))),
            len => Err(ProtocolError::AccountLength { len }),
        }
    }

    /// The raw bytes of a Cosmos address this account maps to: 20 bytes when the top 12 bytes
    /// are zero (a 32-byte address with 12 leading zero bytes does not occur: those are hashes),
    /// else 32 bytes.
    pub fn to_cosmos_bytes(&self) -> Vec<u8> {
        if self.is_evm_shaped() {
            self.0[12..].to_vec()
        } else {
            self.0.to_vec()
        }
    }

    /// Parses `0x` + 64 hex digits (either case).
    pub fn parse(s: &str) -> Result<Self, ProtocolError> {
        let digits = s.strip_prefix("0x").ok_or(ProtocolError::Hex("account id must start with 0x"))?;
        if digits.len() != 64 {
            return Err(ProtocolError::Hex("account id must have 64 hex digits"));
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(digits, &mut bytes).map_err(|_| ProtocolError::Hex("account id is not hex"))?;
        Ok(AccountId(B256::from(bytes)))
    }

    pub fn is_zero(&self) -> bool {
        self.0 == B256::ZERO
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0 .0
    }
}

impl core::fmt::Display for AccountId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "0x{}", hex::encode(self.0.as_slice()))
    }
}

impl From<Address> for AccountId {
    fn from(a: Address) -> Self {
        AccountId::from_evm(a)
    }
}

impl From<EvmAddress> for AccountId {
    fn from(a: EvmAddress) -> Self {
        AccountId::from_evm(a.0)
    }
}

impl Serialize for AccountId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AccountId::parse(&s).map_err(serde::de::Error::custom)
    }
}
string_schema!(AccountId, "AccountId", "^0x[0-9a-fA-F]{64}$");

/// A uint256 token amount. JSON: a decimal string without sign, leading zeros or exponent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(pub U256);

impl Amount {
    pub fn parse(s: &str) -> Result<Self, ProtocolError> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
            return Err(ProtocolError::Hex("amount must be a decimal integer string"));
        }
        U256::from_str_radix(s, 10).map(Amount).map_err(|_| ProtocolError::Hex("amount exceeds uint256"))
    }
}

impl From<u128> for Amount {
    fn from(v: u128) -> Self {
        Amount(U256::from(v))
    }
}

impl core::fmt::Display for Amount {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Amount::parse(&s).map_err(serde::de::Error::custom)
    }
}
string_schema!(Amount, "Amount", "^(0|[1-9][0-9]*)$");

/// One escrowed, conditional token transfer on one chain of the hub's registry (VM-neutral).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Leg {
    /// Hub-assigned domain id of the chain holding the escrow (positive); the hub's chain
    /// registry maps it to a VM and that VM's native chain id.
    pub domain: u64,
    /// The router on that chain that escrows the leg (the domain's registered router).
    pub router: AccountId,
    /// Who locks the tokens, and gets them back on ABORT.
    pub depositor: AccountId,
    /// The token escrowed (an ERC-20 on EVM; native ETH goes through WETH).
    pub token: AccountId,
    /// Amount escrowed and delivered on COMMIT.
    pub amount: Amount,
    /// Who receives the tokens on COMMIT.
    pub recipient: AccountId,
    /// A call made with the escrowed tokens on COMMIT, on behalf of the recipient; absent for a
    /// plain transfer. Part of the leg hash (its [`crate::eip712::action_hash`], zero when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    /// What the leg does with tokens: a plain escrow (the default, absent from the JSON), or one
    /// side of a lock-and-mint transfer (docs/protocol.md, "Leg kinds"). Part of the leg hash
    /// ([`LegKind::code`] and [`LegKind::origin`]).
    #[serde(default, skip_serializing_if = "LegKind::is_escrow")]
    pub kind: LegKind,
}

/// The kind of a leg. A lock-and-mint transfer pairs a `Lock` on the token's origin domain with a
/// `Mint` elsewhere (the hub refuses a bundle whose mints are not matched one to one by locks of
/// the same token and amount); the way back pairs a `Burn` of the wrapped token with a `Release`
/// from the origin Router's reserve. `token` always names the origin token; the wrapped token is
/// the destination Router's for (origin domain, origin token). Where the leg has no holder, the
/// Router stands in: it is the recipient of `Lock` and `Burn` legs and the depositor of `Mint`
/// and `Release` legs.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LegKind {
    /// Escrowed from the depositor; COMMIT pays the recipient, ABORT refunds.
    #[default]
    Escrow,
    /// Escrowed from the depositor on the token's origin domain; COMMIT keeps it in the Router as
    /// the reserve backing the wrapped tokens minted elsewhere, ABORT refunds.
    Lock,
    /// Nothing locked: COMMIT mints `amount` of the Router's wrapped token of
    /// (`origin_domain`, `token`) to the recipient, ABORT does nothing.
    Mint { origin_domain: u64 },
    /// The depositor escrows the wrapped token of (`origin_domain`, `token`); COMMIT burns it,
    /// ABORT refunds it.
    Burn { origin_domain: u64 },
    /// Nothing locked, on the token's origin domain: COMMIT pays the recipient from the Router's
    /// reserve of `token`, ABORT does nothing.
    Release,
}

impl LegKind {
    pub fn is_escrow(&self) -> bool {
        *self == LegKind::Escrow
    }

    /// The `uint8 kind` of the EIP-712 `Leg`: 0 escrow, 1 lock, 2 mint, 3 burn, 4 release.
    pub fn code(&self) -> u8 {
        match self {
            LegKind::Escrow => 0,
            LegKind::Lock => 1,
            LegKind::Mint { .. } => 2,
            LegKind::Burn { .. } => 3,
            LegKind::Release => 4,
        }
    }

    /// The `uint64 origin` of the EIP-712 `Leg`: the origin domain of a mint or burn, else 0.
    pub fn origin(&self) -> u64 {
        match self {
            LegKind::Mint { origin_domain } | LegKind::Burn { origin_domain } => *origin_domain,
            _ => 0,
        }
    }

    /// Whether a depositor locks tokens for this leg (and a relayer reports the lock): false for
    /// `Mint` and `Release`, which the hub counts as ready from registration.
    pub fn needs_lock(&self) -> bool {
        !matches!(self, LegKind::Mint { .. } | LegKind::Release)
    }

    /// The domain where the leg's `token` lives, for a leg on `domain`.
    pub fn token_origin(&self, domain: u64) -> u64 {
        match self {
            LegKind::Mint { origin_domain } | LegKind::Burn { origin_domain } => *origin_domain,
            _ => domain,
        }
    }
}

/// What a leg's Router does on COMMIT instead of paying the recipient the escrowed tokens: it
/// hands them to an isolated executor that calls `target` with `data` (at most `gas_limit` gas)
/// and must deliver at least `min_out` of `output_token` to the recipient. If the call reverts,
/// runs out of gas or delivers less, the recipient is paid the escrowed tokens themselves: one
/// outcome per leg, never a refund after a COMMIT (docs/protocol.md, "Actions").
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// The contract called, on the leg's chain.
    pub target: AccountId,
    /// The call's input: calldata on EVM, the execute message's JSON bytes on CosmWasm. Kept by
    /// the hub with the bundle and supplied at settlement, where the Router checks it against
    /// the hash inside the leg hash. At most [`MAX_ACTION_DATA`] bytes.
    pub data: HexBytes,
    /// The token the recipient must receive.
    pub output_token: AccountId,
    /// The least amount of `output_token` the recipient must receive (0: any).
    pub min_out: Amount,
    /// Gas the call gets, 1 to [`MAX_ACTION_GAS`].
    pub gas_limit: u64,
}

impl Action {
    /// Structural checks of leg `index`'s action.
    pub fn validate(&self, index: usize) -> Result<(), ProtocolError> {
        let bad = |reason| Err(ProtocolError::BadAction { index, reason });
        if self.target.is_zero() {
            return bad("target must not be the zero account");
        }
        if self.output_token.is_zero() {
            return bad("output token must not be the zero account");
        }
        if self.gas_limit == 0 || self.gas_limit > MAX_ACTION_GAS {
            return bad("gas limit must be between 1 and MAX_ACTION_GAS");
        }
        if self.data.0.len() > MAX_ACTION_DATA {
            return bad("data exceeds MAX_ACTION_DATA bytes");
        }
        Ok(())
    }
}

/// Bytes of any length. JSON: `0x` + an even number of hex digits (`0x` alone is empty).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct HexBytes(pub Vec<u8>);

impl HexBytes {
    pub fn parse(s: &str) -> Result<Self, ProtocolError> {
        let digits = s.strip_prefix("0x").ok_or(ProtocolError::Hex("bytes must start with 0x"))?;
        hex::decode(digits).map(HexBytes).map_err(|_| ProtocolError::Hex("bytes are not an even number of hex digits"))
    }
}

impl core::fmt::Debug for HexBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "HexBytes({self})")
    }
}

impl core::fmt::Display for HexBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "0x{}", hex::encode(&self.0))
    }
}

impl From<Vec<u8>> for HexBytes {
    fn from(v: Vec<u8>) -> Self {
        HexBytes(v)
    }
}

impl Serialize for HexBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for HexBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        HexBytes::parse(&s).map_err(serde::de::Error::custom)
    }
}
string_schema!(HexBytes, "HexBytes", "^0x([0-9a-fA-F]{2})*$");

/// A cross-chain operation: every leg delivers, or every leg refunds.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Hub account that registered the bundle (its bech32 string, as the hub prints it).
    pub creator: String,
    /// Creator-chosen number; (creator, nonce) is unique on the hub.
    pub nonce: u64,
    /// Unix seconds: every leg must be locked (by block timestamp) at or before this time.
    pub lock_deadline: u64,
    /// Unix seconds: from this time on any chain refunds its legs without a signature.
    pub settle_deadline: u64,
    /// The legs, at most [`MAX_LEGS`].
    pub legs: Vec<Leg>,
}

impl Bundle {
    /// Structural checks that need no clock and no chain registry.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        if self.creator.is_empty() {
            return Err(ProtocolError::EmptyCreator);
        }
        if self.legs.is_empty() {
            return Err(ProtocolError::NoLegs);
        }
        if self.legs.len() > MAX_LEGS {
            return Err(ProtocolError::TooManyLegs { count: self.legs.len(), max: MAX_LEGS });
        }
        if self.lock_deadline >= self.settle_deadline {
            return Err(ProtocolError::DeadlinesOutOfOrder {
                lock_deadline: self.lock_deadline,
                settle_deadline: self.settle_deadline,
            });
        }
        for (index, leg) in self.legs.iter().enumerate() {
            if leg.domain == 0 {
                return Err(ProtocolError::ZeroDomain { index });
            }
            for (field, account) in [
                ("router", leg.router),
                ("depositor", leg.depositor),
                ("token", leg.token),
                ("recipient", leg.recipient),
            ] {
                if account.is_zero() {
                    return Err(ProtocolError::ZeroAccount { index, field });
                }
            }
            if leg.amount.0.is_zero() {
                return Err(ProtocolError::ZeroAmount { index });
            }
            if let Some(action) = &leg.action {
                if !leg.kind.is_escrow() {
                    return Err(ProtocolError::ActionOnKind { index });
                }
                action.validate(index)?;
            }
            leg.validate_kind(index)?;
        }
        self.validate_conservation()
    }

    /// Lock, then mint exactly what was locked: every `Mint` is matched by its own `Lock` of the
    /// same token and amount on its origin domain, every `Release` by its own `Burn` of the same
    /// origin, token and amount, and no `Lock` or `Burn` is left over (conservation is an
    /// equality: wrapped supply = escrowed origin tokens). Greedy matching is exact here: legs
    /// with equal keys are interchangeable.
    fn validate_conservation(&self) -> Result<(), ProtocolError> {
        let mut used = [false; MAX_LEGS];
        for (index, leg) in self.legs.iter().enumerate() {
            let wanted = match leg.kind {
                LegKind::Mint { origin_domain } => (LegKind::Lock, origin_domain),
                LegKind::Release => (LegKind::Burn { origin_domain: leg.domain }, 0),
                _ => continue,
            };
            let found = self.legs.iter().enumerate().position(|(j, other)| {
                !used[j]
                    && other.token == leg.token
                    && other.amount == leg.amount
                    && match wanted {
                        (LegKind::Lock, origin) => other.kind == LegKind::Lock && other.domain == origin,
                        (burn, _) => other.kind == burn,
                    }
            });
            match found {
                Some(j) => used[j] = true,
                None => return Err(ProtocolError::UnmatchedLeg { index, kind: leg.kind.code() }),
            }
        }
        for (index, leg) in self.legs.iter().enumerate() {
            if matches!(leg.kind, LegKind::Lock | LegKind::Burn { .. }) && !used[index] {
                return Err(ProtocolError::UnmatchedLeg { index, kind: leg.kind.code() });
            }
        }
        Ok(())
    }
}

impl Leg {
    /// The per-leg rules of its kind (leg `index`): a mint or burn is never on its origin domain
    /// and names a positive one; the Router stands for the side no one holds.
    fn validate_kind(&self, index: usize) -> Result<(), ProtocolError> {
        let bad = |reason| Err(ProtocolError::BadKind { index, reason });
        match self.kind {
            LegKind::Escrow => Ok(()),
            LegKind::Mint { origin_domain } | LegKind::Burn { origin_domain } if origin_domain == 0 => {
                bad("origin domain must be positive")
            }
            LegKind::Mint { origin_domain } | LegKind::Burn { origin_domain } if origin_domain == self.domain => {
                bad("a wrapped token is never minted or burned on its origin domain")
            }
            LegKind::Lock | LegKind::Burn { .. } if self.recipient != self.router => {
                bad("the recipient of a lock or burn leg must be its router")
            }
            LegKind::Mint { .. } | LegKind::Release if self.depositor != self.router => {
                bad("the depositor of a mint or release leg must be its router")
            }
            _ => Ok(()),
        }
    }
}

/// The one decision the hub takes per bundle.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Deliver every leg to its recipient.
    Commit,
    /// Return every leg to its depositor.
    Abort,
}

impl Verdict {
    /// The `uint8` the EVM side uses: 1 = COMMIT, 2 = ABORT.
    pub fn code(self) -> u8 {
        match self {
            Verdict::Commit => 1,
            Verdict::Abort => 2,
        }
    }
    pub fn from_code(code: u8) -> Option<Verdict> {
        match code {
            1 => Some(Verdict::Commit),
            2 => Some(Verdict::Abort),
            _ => None,
        }
    }
}

/// The statement relayers sign: "batch `batch_index` of epoch `epoch` has Merkle root `root`".
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SettlementBatch {
    pub epoch: u64,
    pub batch_index: u64,
    pub root: Hash32,
}

/// One member of a signer set.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightedSigner {
    /// The relayer's EVM signing address.
    pub address: EvmAddress,
    /// Voting weight (the relayer's bonded stake when the set was made).
    pub weight: Amount,
}

/// The relayers whose signatures settle batches during one epoch.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignerSet {
    pub epoch: u64,
    /// Strictly ascending by address, non-zero addresses, non-zero weights.
    pub signers: Vec<WeightedSigner>,
    /// Weight that must sign; positive and at most the total weight.
    pub threshold: Amount,
    /// Unix time from which no chain accepts anything signed by this set (batches or the
    /// rotation away from it). Signed into the set's hash, so every Verifier enforces the bound
    /// the hub's stake-escrow used to keep the members' stake slashable.
    pub expires_at: u64,
}

impl SignerSet {
    /// Total weight of the set, checked for overflow.
    pub fn total_weight(&self) -> Result<U256, ProtocolError> {
        self.signers
            .iter()
            .try_fold(U256::ZERO, |acc, s| acc.checked_add(s.weight.0))
            .ok_or(ProtocolError::WeightOverflow)
    }

    /// Checks the shape every chain relies on: bounded, sorted, unique, non-zero, threshold ≤ total.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        if self.signers.is_empty() {
            return Err(ProtocolError::EmptySignerSet);
        }
        if self.signers.len() > MAX_SIGNERS {
            return Err(ProtocolError::TooManySigners { count: self.signers.len(), max: MAX_SIGNERS });
        }
        for (index, s) in self.signers.iter().enumerate() {
            if s.address.is_zero() {
                return Err(ProtocolError::ZeroSigner { index });
            }
            if s.weight.0.is_zero() {
                return Err(ProtocolError::ZeroWeight { signer: s.address.0 });
            }
            if index > 0 && self.signers[index - 1].address >= s.address {
                return Err(ProtocolError::SignersNotSorted { index, signer: s.address.0 });
            }
        }
        let total = self.total_weight()?;
        if self.threshold.0.is_zero() || self.threshold.0 > total {
            return Err(ProtocolError::BadThreshold {
                threshold: self.threshold.0.saturating_to(),
                total: total.saturating_to(),
            });
        }
        Ok(())
    }

    /// Weight of `signer` in this set, if it is a member.
    pub fn weight_of(&self, signer: &EvmAddress) -> Option<U256> {
        self.signers.binary_search_by(|s| s.address.cmp(signer)).ok().map(|i| self.signers[i].weight.0)
    }
}

/// The statement that rotates every chain's Verifier to the next signer set.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignerSetUpdate {
    pub new_epoch: u64,
    /// [`crate::eip712::signer_set_hash`] of the new set.
    pub signers_hash: Hash32,
}

/// A 65-byte ECDSA signature `r ‖ s ‖ v`, `v` ∈ {27, 28}. JSON: `0x` + 130 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature65(pub [u8; 65]);

impl core::fmt::Debug for Signature65 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Signature65({self})")
    }
}

impl core::fmt::Display for Signature65 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl Signature65 {
    pub fn from_slice(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let arr: [u8; 65] = bytes.try_into().map_err(|_| ProtocolError::SignatureLength { len: bytes.len() })?;
        Ok(Signature65(arr))
    }
    pub fn parse(s: &str) -> Result<Self, ProtocolError> {
        let digits = s.strip_prefix("0x").ok_or(ProtocolError::Hex("signature must start with 0x"))?;
        let bytes = hex::decode(digits).map_err(|_| ProtocolError::Hex("signature is not hex"))?;
        Self::from_slice(&bytes)
    }
}

impl Serialize for Signature65 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Signature65 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Signature65::parse(&s).map_err(serde::de::Error::custom)
    }
}
string_schema!(Signature65, "Signature65", "^0x[0-9a-fA-F]{130}$");
