//! Prints the `LightHeader` JSON (protobuf `SignedHeader` + `ValidatorSet`, base64) of a CometBFT
//! `/commit` and `/validators` answer, as a relayer builds an `update_client` message:
//!
//!     cargo run -p mesh-light-client --example light_header -- commit.json validators.json
//!
//! Each file is either the JSON-RPC answer or its `result`. With only a validators file and
//! `--set`, prints the base64 `ValidatorSet` (for `trusted_next_validators`).

use cosmwasm_std::Binary;
use mesh_hub_api::light_client::LightHeader;
use tendermint::block::signed_header::SignedHeader;
use tendermint::validator::{Info, Set};
use tendermint_proto::Protobuf;

fn result(path: &str) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))).expect("json");
    v.get("result").cloned().unwrap_or(v)
}

fn set(path: &str) -> Set {
    let infos: Vec<Info> = serde_json::from_value(result(path)["validators"].clone()).expect("validators");
    Set::without_proposer(infos)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, validators] if flag == "--set" => {
            let bytes = Protobuf::<tendermint_proto::types::ValidatorSet>::encode_vec(set(validators));
            println!("{}", serde_json::to_string(&Binary::from(bytes)).unwrap());
        }
        [commit, validators] => {
            let sh: SignedHeader =
                serde_json::from_value(result(commit)["signed_header"].clone()).expect("signed header");
            let header = LightHeader {
                signed_header: Binary::from(Protobuf::<tendermint_proto::types::SignedHeader>::encode_vec(sh)),
                validators: Binary::from(Protobuf::<tendermint_proto::types::ValidatorSet>::encode_vec(set(
                    validators,
                ))),
            };
            println!("{}", serde_json::to_string(&header).unwrap());
        }
        _ => {
            eprintln!("usage: light_header COMMIT.json VALIDATORS.json | light_header --set VALIDATORS.json");
            std::process::exit(2);
        }
    }
}
