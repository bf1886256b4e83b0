//! `mesh hub patch-genesis`: the hub's settings in a Cosmos SDK genesis file — its denom in place
//! of the SDK's default `stake`, wasm upload and instantiate permissions, governance and staking
//! periods, the block gas limit. The devnet patches its genesis with this same code.
//!
//! Patching twice changes nothing the second time; a genesis this code does not understand (not
//! a Cosmos SDK genesis with x/wasm, another chain id, another bond denom) is refused, never
//! half-patched.
use serde_json::{json, Value};

use crate::profile::{Access, AccessKeyword, Profile};

/// One value the patch changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Dotted path, e.g. `app_state.staking.params.bond_denom`.
    pub path: String,
    pub from: Value,
    pub to: Value,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} → {}", self.path, self.from, self.to)
    }
}

/// A genesis file the patch refuses.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    #[error("not a Cosmos SDK genesis with x/wasm: {missing} is missing (the hub needs a wasmd-based chain)")]
    Missing { missing: String },
    #[error("the genesis is for chain {genesis:?} but the profile's hub.chain_id is {profile:?}")]
    ChainId { genesis: String, profile: String },
    #[error("after the patch {detail}; set both in the profile's [genesis]")]
    Inconsistent { detail: String },
    #[error(
        "the genesis's bond denom is {genesis:?} and the profile's hub.denom {profile:?}: only the SDK's default \
         \"stake\" is replaced; start from a fresh `init` genesis or fix hub.denom"
    )]
    Denom { genesis: String, profile: String },
}

/// The SDK's default denom that `init` writes.
const SDK_DEFAULT_DENOM: &str = "stake";

/// Applies the profile's hub settings to `genesis`; returns what changed (empty when it was
/// already patched). On error `genesis` is unchanged.
pub fn patch(genesis: &mut Value, profile: &Profile) -> Result<Vec<Change>, GenesisError> {
    check(genesis, profile)?;
    let mut changes = Vec::new();
    let denom = profile.hub.denom.as_str();
    if denom != SDK_DEFAULT_DENOM {
        replace_denom(genesis, denom, &mut String::new(), &mut changes);
    }
    let g = &profile.genesis;
    let consensus = consensus_params_path(genesis);
    let mut set = |path: &str, to: Value, changes: &mut Vec<Change>| {
        let slot = pointer(genesis, path).expect("checked");
        if *slot != to {
            changes.push(Change { path: path.into(), from: slot.clone(), to: to.clone() });
            *slot = to;
        }
    };
    if let Some(access) = &g.code_upload {
        let to = match access {
            Access::Keyword(AccessKeyword::Everybody) => json!({"permission": "Everybody", "addresses": []}),
            Access::Keyword(AccessKeyword::Nobody) => json!({"permission": "Nobody", "addresses": []}),
            Access::Addresses(a) => json!({"permission": "AnyOfAddresses", "addresses": a}),
        };
        set("app_state.wasm.params.code_upload_access", to, &mut changes);
    }
    if let Some(k) = g.instantiate_default {
        let to = match k {
            AccessKeyword::Everybody => "Everybody",
            AccessKeyword::Nobody => "Nobody",
        };
        set("app_state.wasm.params.instantiate_default_permission", json!(to), &mut changes);
    }
    if let Some(d) = g.voting_period {
        set("app_state.gov.params.voting_period", json!(format!("{}s", d.as_secs())), &mut changes);
    }
    if let Some(d) = g.expedited_voting_period {
        set("app_state.gov.params.expedited_voting_period", json!(format!("{}s", d.as_secs())), &mut changes);
    }
    if let Some(amount) = &g.min_deposit {
        set("app_state.gov.params.min_deposit", json!([{"denom": denom, "amount": amount}]), &mut changes);
    }
    if let Some(amount) = &g.expedited_min_deposit {
        set("app_state.gov.params.expedited_min_deposit", json!([{"denom": denom, "amount": amount}]), &mut changes);
    }
    if let Some(d) = g.unbonding_time {
        set("app_state.staking.params.unbonding_time", json!(format!("{}s", d.as_secs())), &mut changes);
    }
    if let Some(gas) = g.max_block_gas {
        let path = format!("{}.block.max_gas", consensus.expect("checked"));
        set(&path, json!(gas.to_string()), &mut changes);
    }
    Ok(changes)
}

/// Everything `patch` will touch exists and the genesis is for this hub, before anything changes.
fn check(genesis: &mut Value, profile: &Profile) -> Result<(), GenesisError> {
    let missing = |p: &str| GenesisError::Missing { missing: p.into() };
    let chain_id = genesis.get("chain_id").and_then(Value::as_str).ok_or_else(|| missing("chain_id"))?;
    if chain_id != profile.hub.chain_id {
        return Err(GenesisError::ChainId { genesis: chain_id.into(), profile: profile.hub.chain_id.clone() });
    }
    let bond_denom = pointer(genesis, "app_state.staking.params.bond_denom")
        .and_then(|v| v.as_str().map(str::to_string))
        .ok_or_else(|| missing("app_state.staking.params.bond_denom"))?;
    if bond_denom != SDK_DEFAULT_DENOM && bond_denom != profile.hub.denom {
        return Err(GenesisError::Denom { genesis: bond_denom, profile: profile.hub.denom.clone() });
    }
    let mut needed =
        vec!["app_state.wasm.params.code_upload_access", "app_state.wasm.params.instantiate_default_permission"];
    let g = &profile.genesis;
    if g.voting_period.is_some() {
        needed.push("app_state.gov.params.voting_period");
    }
    if g.expedited_voting_period.is_some() {
        needed.push("app_state.gov.params.expedited_voting_period");
    }
    if g.min_deposit.is_some() || g.expedited_min_deposit.is_some() {
        needed.push("app_state.gov.params.min_deposit");
        needed.push("app_state.gov.params.expedited_min_deposit");
        // the SDK refuses a genesis whose expedited deposit is not above the normal one
        let amount = |p: &str, given: &Option<String>| -> Option<u128> {
            match given {
                Some(a) => a.parse().ok(),
                None => {
                    genesis.pointer(&format!("/{}", p.replace('.', "/")))?.get(0)?.get("amount")?.as_str()?.parse().ok()
                }
            }
        };
        let normal = amount("app_state.gov.params.min_deposit", &g.min_deposit);
        let expedited = amount("app_state.gov.params.expedited_min_deposit", &g.expedited_min_deposit);
        if let (Some(n), Some(e)) = (normal, expedited) {
            if e <= n {
                return Err(GenesisError::Inconsistent {
                    detail: format!("the expedited proposal deposit {e} would not exceed the minimum deposit {n}"),
                });
            }
        }
    }
    if g.unbonding_time.is_some() {
        needed.push("app_state.staking.params.unbonding_time");
    }
    for p in needed {
        pointer(genesis, p).ok_or_else(|| missing(p))?;
    }
    if g.max_block_gas.is_some() {
        let base = consensus_params_path(genesis).ok_or_else(|| missing("consensus.params.block.max_gas"))?;
        let p = format!("{base}.block.max_gas");
        pointer(genesis, &p).ok_or_else(|| missing(&p))?;
    }
    Ok(())
}

/// Where the consensus params are: `consensus.params` (SDK 0.50+) or `consensus_params` (older).
fn consensus_params_path(genesis: &mut Value) -> Option<&'static str> {
    if pointer(genesis, "consensus.params").is_some() {
        Some("consensus.params")
    } else if pointer(genesis, "consensus_params").is_some() {
        Some("consensus_params")
    } else {
        None
    }
}

fn pointer<'a>(v: &'a mut Value, dotted: &str) -> Option<&'a mut Value> {
    v.pointer_mut(&format!("/{}", dotted.replace('.', "/")))
}

/// Every string value `stake` becomes `denom` (bond, mint, gov, crisis … denoms).
fn replace_denom(v: &mut Value, denom: &str, path: &mut String, changes: &mut Vec<Change>) {
    match v {
        Value::String(s) if s == SDK_DEFAULT_DENOM => {
            changes.push(Change { path: path.clone(), from: json!(SDK_DEFAULT_DENOM), to: json!(denom) });
            *s = denom.to_string();
        }
        Value::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                replace_denom(x, denom, path, changes);
                path.truncate(len);
            }
        }
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                replace_denom(x, denom, path, changes);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// Reads, patches and writes a genesis file (to `out`, or in place); returns the changes. A file
/// that needed no change is not rewritten (unless `out` names another file).
pub fn patch_file(
    path: &std::path::Path,
    out: Option<&std::path::Path>,
    profile: &Profile,
) -> Result<Vec<Change>, GenesisFileError> {
    let text = std::fs::read(path).map_err(|e| GenesisFileError::Io { path: path.display().to_string(), source: e })?;
    let mut genesis: Value = serde_json::from_slice(&text)
        .map_err(|e| GenesisFileError::Json { path: path.display().to_string(), detail: e.to_string() })?;
    let changes = patch(&mut genesis, profile)
        .map_err(|source| GenesisFileError::Refused { path: path.display().to_string(), source })?;
    let target = out.unwrap_or(path);
    if !changes.is_empty() || target != path {
        let bytes = serde_json::to_vec_pretty(&genesis).expect("a JSON value serialises");
        let tmp = target.with_extension("json.tmp");
        std::fs::write(&tmp, bytes)
            .and_then(|_| std::fs::rename(&tmp, target))
            .map_err(|e| GenesisFileError::Io { path: target.display().to_string(), source: e })?;
    }
    Ok(changes)
}

#[derive(Debug, thiserror::Error)]
pub enum GenesisFileError {
    #[error("genesis file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("genesis file {path} is not JSON: {detail}")]
    Json { path: String, detail: String },
    #[error("genesis file {path}: {source}")]
    Refused { path: String, source: GenesisError },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../hub-config/devnet.toml")).unwrap();
        let mut p = Profile::parse(&text, "devnet.toml").unwrap();
        p.genesis.voting_period = Some(std::time::Duration::from_secs(60));
        p.genesis.max_block_gas = Some(-1);
        p
    }

    fn minimal() -> Value {
        json!({
            "chain_id": "mesh-devnet-1",
            "consensus": {"params": {"block": {"max_gas": "10000000"}}},
            "app_state": {
                "staking": {"params": {"bond_denom": "stake", "unbonding_time": "1814400s"}},
                "mint": {"params": {"mint_denom": "stake"}},
                "gov": {"params": {"voting_period": "172800s", "expedited_voting_period": "86400s", "min_deposit": [{"denom": "stake", "amount": "1"}],
                                   "expedited_min_deposit": [{"denom": "stake", "amount": "50"}]}},
                "wasm": {"params": {"code_upload_access": {"permission": "Nobody", "addresses": []},
                                    "instantiate_default_permission": "Nobody"}}
            }
        })
    }

    #[test]
    fn a_patch_names_every_change_and_a_second_patch_changes_nothing() {
        let mut g = minimal();
        let changes = patch(&mut g, &profile()).unwrap();
        let paths: Vec<_> = changes.iter().map(|c| c.path.as_str()).collect();
        for p in [
            "app_state.staking.params.bond_denom",
            "app_state.mint.params.mint_denom",
            "app_state.gov.params.min_deposit[0].denom",
            "app_state.wasm.params.code_upload_access",
            "app_state.wasm.params.instantiate_default_permission",
            "app_state.gov.params.voting_period",
            "consensus.params.block.max_gas",
        ] {
            assert!(paths.contains(&p), "{p} not in {paths:?}");
        }
        assert_eq!(g["app_state"]["staking"]["params"]["bond_denom"], "inj");
        assert_eq!(g["consensus"]["params"]["block"]["max_gas"], "-1");
        assert_eq!(g["app_state"]["gov"]["params"]["voting_period"], "60s");
        let again = g.clone();
        assert_eq!(patch(&mut g, &profile()).unwrap(), vec![]);
        assert_eq!(g, again);
    }

    #[test]
    fn a_genesis_of_another_chain_or_without_wasm_or_with_another_denom_is_refused_untouched() {
        let mut g = minimal();
        g["chain_id"] = json!("other-1");
        let before = g.clone();
        let err = patch(&mut g, &profile()).unwrap_err().to_string();
        assert!(err.contains("other-1") && err.contains("mesh-devnet-1"), "{err}");
        assert_eq!(g, before);

        let mut g = minimal();
        g["app_state"].as_object_mut().unwrap().remove("wasm");
        let before = g.clone();
        let err = patch(&mut g, &profile()).unwrap_err().to_string();
        assert!(err.contains("app_state.wasm.params"), "{err}");
        assert_eq!(g, before, "nothing is half-patched");

        let mut g = minimal();
        g["app_state"]["staking"]["params"]["bond_denom"] = json!("uatom");
        let err = patch(&mut g, &profile()).unwrap_err().to_string();
        assert!(err.contains("uatom"), "{err}");

        // a minimum deposit at or above the expedited one: the SDK would refuse the genesis later
        let mut p = profile();
        p.genesis.min_deposit = Some("50".into());
        let mut g = minimal();
        let err = patch(&mut g, &p).unwrap_err().to_string();
        assert!(err.contains("expedited proposal deposit 50 would not exceed the minimum deposit 50"), "{err}");
        p.genesis.expedited_min_deposit = Some("51".into());
        patch(&mut g, &p).unwrap();
        assert_eq!(g["app_state"]["gov"]["params"]["expedited_min_deposit"][0]["amount"], "51");

        let mut g = json!({"hello": "world"});
        assert!(patch(&mut g, &profile()).unwrap_err().to_string().contains("chain_id"));
    }
}
