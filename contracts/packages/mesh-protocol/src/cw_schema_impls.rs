//! `cw_schema::Schemaifier` for the protocol types (feature `cw-schema`).
//!
//! cosmwasm-schema 3's `#[cw_serde]` derives both a JSON schema (schemars, already implemented
//! on the types) and a `cw_schema` schema; the orphan rule puts the latter here. The nodes
//! describe exactly the JSON forms of `types.rs`: string forms for addresses, hashes, amounts
//! and signatures, snake_case field names, `"commit"` / `"abort"` for verdicts.

use cw_schema::{
    reexport::BTreeMap, DefinitionReference, EnumCase, EnumValue, Node, NodeType, SchemaVisitor, Schemaifier,
    StructProperty, StructType,
};
use std::borrow::Cow;

use crate::types::*;

fn string_node<T: Schemaifier>(
    visitor: &mut SchemaVisitor,
    name: &'static str,
    description: &'static str,
) -> DefinitionReference {
    if let Some(r) = visitor.get_reference::<T>() {
        return r;
    }
    visitor.insert(
        T::id(),
        Node { name: Cow::Borrowed(name), description: Some(Cow::Borrowed(description)), value: NodeType::String },
    )
}

fn prop<T: Schemaifier>(
    visitor: &mut SchemaVisitor,
    name: &'static str,
    description: &'static str,
) -> (Cow<'static, str>, StructProperty) {
    (
        Cow::Borrowed(name),
        StructProperty {
            defaulting: false,
            description: Some(Cow::Borrowed(description)),
            value: T::visit_schema(visitor),
        },
    )
}

/// A property that may be left out (`#[serde(default)]`).
fn optional_prop<T: Schemaifier>(
    visitor: &mut SchemaVisitor,
    name: &'static str,
    description: &'static str,
) -> (Cow<'static, str>, StructProperty) {
    let (name, mut p) = prop::<Option<T>>(visitor, name, description);
    p.defaulting = true;
    (name, p)
}

fn struct_node<T: Schemaifier>(
    visitor: &mut SchemaVisitor,
    name: &'static str,
    description: &'static str,
    fields: impl FnOnce(&mut SchemaVisitor) -> Vec<(Cow<'static, str>, StructProperty)>,
) -> DefinitionReference {
    if let Some(r) = visitor.get_reference::<T>() {
        return r;
    }
    visitor.reserve_spot(T::id());
    let properties = BTreeMap::from_iter(fields(visitor));
    visitor.insert(
        T::id(),
        Node {
            name: Cow::Borrowed(name),
            description: Some(Cow::Borrowed(description)),
            value: NodeType::Struct(StructType::Named { properties }),
        },
    )
}

impl Schemaifier for EvmAddress {
    fn visit_schema(v: &mut SchemaVisitor) -> DefinitionReference {
        string_node::<Self>(v, "EvmAddress", "20-byte EVM address: 0x + 40 hex digits (mixed case must be EIP-55)")
    }
}

impl Schemaifier for Hash32 {
    fn visit_schema(v: &mut SchemaVisitor) -> DefinitionReference {
        string_node::<Self>(v, "Hash32", "32-byte hash: 0x + 64 hex digits")
    }
}

impl Schemaifier for AccountId {
    fn visit_schema(v: &mut SchemaVisitor) -> DefinitionReference {
        string_node::<Self>(
            v,
            "AccountId",
            "32-byte account id: 0x + 64 hex digits (a 20-byte address left-padded with zeros)",
        )
    }
}

impl Schemaifier for Amount {
    fn visit_schema(v: &mut SchemaVisitor) -> DefinitionReference {
        string_node::<Self>(v, "Amount", "uint256 as a decimal string without leading zeros")
    }
}

impl Schemaifier for Signature65 {
    fn visit_schema(v: &mut SchemaVisitor) -> DefinitionReference {
        string_node::<Self>(v, "Signature65", "65-byte ECDSA signature r ‖ s ‖ v: 0x + 130 hex digits")
    }
}

impl Schemaifier for Leg {
    fn visit_schema(v: &mut SchemaVisitor) -> DefinitionReference {
        struct_node::<Self>(v, "Leg", "One escrowed, conditional token transfer on one chain of the registry.", |v| {
            vec![
                prop::<u64>(v, "domain", "Hub-assigned domain id of the chain holding the escrow."),
                prop::<AccountId>(v, "router", "The domain's router that escrows the leg."),
                prop::<AccountId>(v, "depositor", "Who locks the tokens, and gets them back on ABORT."),
                prop::<AccountId>(v, "token", "The token escrowed."),
                prop::<Amount>(v, "amount", "Amount escrowed and delivered on COMMIT."),
                prop::<AccountId>(v, "recipient", "Who receives the tokens on COMMIT."),
                optional_prop::<Action>(
                    v,
                    "action",
                    "A call made with the escrowed tokens on COMMIT (absent: a transfer).",
                ),
                {
                    let (name, mut p) = prop::<LegKind>(v, "kind", "What the leg does (absent: escrow).");
                    p.defaulting = true;
                    (name, p)
                },
            ]
        })
    }
}

impl Schemaifier for LegKind {
    fn visit_schema(v: &mut SchemaVisitor) -> DefinitionReference {
        if let Some(r) = v.get_reference::<Self>() {
            return r;
        }
        v.reserve_spot(Self::id());
        let unit = |d: &'static str| EnumCase { description: Some(Cow::Borrowed(d)), value: EnumValue::Unit };
        let origin = |v: &mut SchemaVisitor, d: &'static str| EnumCase {
            description: Some(Cow::Borrowed(d)),
            value: EnumValue::Named {
                properties: BTreeMap::from_iter([prop::<u64>(v, "origin_domain", "The token's origin domain.")]),
            },
        };
        let mint = origin(v, "Nothing locked: COMMIT mints the wrapped origin token to the recipient.");
        let burn = origin(v, "Escrows the wrapped origin token: COMMIT burns it, ABORT refunds it.");
        v.insert(
            Self::id(),
            Node {
                name: Cow::Borrowed("LegKind"),
                description: Some(Cow::Borrowed("The kind of a leg (docs/protocol.md, leg kinds).")),
                value: NodeType::Enum {
                    discriminator: None,
                    cases: BTreeMap::from([
                        (Cow::Borrowed("escrow"), unit("Escrowed: COMMIT pays the recipient, ABORT refunds.")),
                        (Cow::Borrowed("lock"), unit("Escrowed on the origin domain: COMMIT keeps it as reserve.")),
                        (Cow::Borrowed("mint"), mint),
                        (Cow::Borrowed("burn"), burn),
                        (Cow::Borrowed("release"), unit("Nothing locked: COMMIT pays the recipient from the reserve.")),
                    ]),
                },
            },
        )
    }
}

impl Schemaifier for HexBytes {
    fn visit_schema(v: &mut SchemaVisitor) -> DefinitionReference {
        string_node::<Self>(v, "HexBytes", "bytes of any length: 0x + an even number of hex digits")
    }
}

impl Schemaifier for Action {
    fn visit_schema(v: &mut SchemaVisitor) -> DefinitionReference {
        struct_node::<Self>(
            v,
            "Action",
            "A call made on COMMIT with a leg's escrowed tokens; falls back to paying them.",
            |v| {
                vec![
                    prop::<AccountId>(v, "target", "The contract called, on the leg's chain."),
                    prop::<HexBytes>(
                        v,
                        "data",
                        "The call's input (EVM calldata; CosmWasm execute JSON), at most 16 KiB.",
                    ),
                    prop::<AccountId>(v, "output_token", "The token the recipient must receive."),
                    prop::<Amount>(v, "min_out", "The least amount of the output token the recipient must receive."),
                    prop::<u64>(v, "gas_limit", "Gas the call gets, 1 to MAX_ACTION_GAS."),
                ]
            },
        )
    }
}

impl Schemaifier for Bundle {
    fn visit_schema(v: &mut SchemaVisitor) -> DefinitionReference {
        struct_node::<Self>(v, "Bundle", "A cross-chain operation: every leg delivers, or every leg refunds.", |v| {
            vec![
                prop::<String>(v, "creator", "Hub account that registered the bundle (bech32)."),
                prop::<u64>(v, "nonce", "Creator-chosen number; (creator, nonce) is unique on the hub."),
                prop::<u64>(v, "lock_deadline", "Unix seconds: every leg must be locked at or before this time."),
                prop::<u64>(
                    v,
                    "settle_deadline",
                    "Unix seconds: from this time on any chain refunds without a signature.",
                ),
                prop::<Vec<Leg>>(v, "legs", "The legs, 1 to 16."),
            ]
        })
    }
}

impl Schemaifier for Verdict {
    fn visit_schema(v: &mut SchemaVisitor) -> DefinitionReference {
        if let Some(r) = v.get_reference::<Self>() {
            return r;
        }
        let case = |d: &'static str| EnumCase { description: Some(Cow::Borrowed(d)), value: EnumValue::Unit };
        v.insert(
            Self::id(),
            Node {
                name: Cow::Borrowed("Verdict"),
                description: Some(Cow::Borrowed("The one decision the hub takes per bundle.")),
                value: NodeType::Enum {
                    discriminator: None,
                    cases: BTreeMap::from([
                        (Cow::Borrowed("commit"), case("Deliver every leg to its recipient.")),
                        (Cow::Borrowed("abort"), case("Return every leg to its depositor.")),
                    ]),
                },
            },
        )
    }
}

impl Schemaifier for SettlementBatch {
    fn visit_schema(v: &mut SchemaVisitor) -> DefinitionReference {
        struct_node::<Self>(v, "SettlementBatch", "Batch `batch_index` of epoch `epoch` has Merkle root `root`.", |v| {
            vec![
                prop::<u64>(v, "epoch", "Signer-set epoch."),
                prop::<u64>(v, "batch_index", "Index of the batch on the hub."),
                prop::<Hash32>(v, "root", "Merkle root of the batch's settlement leaves."),
            ]
        })
    }
}

impl Schemaifier for WeightedSigner {
    fn visit_schema(v: &mut SchemaVisitor) -> DefinitionReference {
        struct_node::<Self>(v, "WeightedSigner", "One member of a signer set.", |v| {
            vec![
                prop::<EvmAddress>(v, "address", "The relayer's EVM signing address."),
                prop::<Amount>(v, "weight", "Voting weight."),
            ]
        })
    }
}

impl Schemaifier for SignerSet {
    fn visit_schema(v: &mut SchemaVisitor) -> DefinitionReference {
        struct_node::<Self>(v, "SignerSet", "The relayers whose signatures settle batches during one epoch.", |v| {
            vec![
                prop::<u64>(v, "epoch", "Epoch number."),
                prop::<Vec<WeightedSigner>>(v, "signers", "Strictly ascending by address."),
                prop::<Amount>(v, "threshold", "Weight that must sign."),
                prop::<u64>(v, "expires_at", "Unix time from which no chain accepts this set's signatures."),
            ]
        })
    }
}

impl Schemaifier for SignerSetUpdate {
    fn visit_schema(v: &mut SchemaVisitor) -> DefinitionReference {
        struct_node::<Self>(v, "SignerSetUpdate", "The statement that rotates every chain's Verifier.", |v| {
            vec![
                prop::<u64>(v, "new_epoch", "Epoch of the new set."),
                prop::<Hash32>(v, "signers_hash", "signer_set_hash of the new set."),
            ]
        })
    }
}
