//! Human output of errors: one line per failure.

/// `e` and its causes joined with ": ", leaving out a cause whose text the message already holds
/// (errors that print their source inside their own message would otherwise say it twice).
pub fn one_line(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        let text = text.trim();
        if text.is_empty() || out.contains(text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(text);
    }
    out
}

/// `mesh relayer check`: one line per check, `ok` / `warn` / `FAILED`, then its finding.
pub fn checks(report: &mesh_relayer::selfcheck::Report) -> String {
    use mesh_relayer::selfcheck::Outcome;
    let width = report.checks.iter().map(|c| c.name.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for c in &report.checks {
        let (tag, text) = match &c.outcome {
            Outcome::Ok(t) => ("ok", t.clone()),
            Outcome::Warn(t) => ("warn", t.clone()),
            Outcome::Failed(e) => ("FAILED", e.to_string()),
        };
        out += &format!("{tag:<6}  {:<width$}  {text}\n", c.name);
    }
    out
}

/// `mesh stake …`: the relayer's stake, one fact per line, times in RFC 3339 UTC.
pub fn stake(
    me: &str,
    info: Option<&mesh_hub_api::stake_escrow::RelayerInfo>,
    cfg: &mesh_hub_api::stake_escrow::ConfigResponse,
    decimals: u8,
) -> String {
    use mesh_relayer::time::rfc3339;
    let unit = mesh_planner::units::Unit::new(cfg.bond_denom.clone(), decimals);
    let amount = |v: cosmwasm_std::Uint128| mesh_planner::units::show(v.u128().try_into().unwrap_or(i128::MAX), &unit);
    let Some(i) = info else {
        return format!("relayer    {me}\nstate      never bonded (minimum bond {})\n", amount(cfg.min_bond));
    };
    let state = if i.jailed {
        match i.jailed_at {
            Some(t) => format!("jailed since {}", rfc3339(t)),
            None => "jailed".into(),
        }
    } else if i.active {
        "active".into()
    } else if i.bonded.is_zero() {
        "not bonded".into()
    } else {
        format!("inactive: bonded below the minimum {}", amount(cfg.min_bond))
    };
    let mut out = format!("relayer    {me}\nstate      {state}\nbonded     {}\n", amount(i.bonded));
    for u in &i.unbonding {
        out += &format!("unbonding  {}, released {}\n", amount(u.amount), rfc3339(u.release_at));
    }
    if i.claimable_from > 0 {
        out += &format!("claimable  from {} at the earliest\n", rfc3339(i.claimable_from));
    }
    out += &format!("slashed    {}\nEVM signer {}\n", amount(i.slashed), i.evm_signer);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("config x.toml: {0}")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("unknown field `turbo`")]
    struct Inner;

    #[test]
    fn a_cause_already_in_the_message_is_said_once() {
        let e = anyhow::Error::new(Outer(Inner)).context("relayer stopped");
        assert_eq!(one_line(&e), "relayer stopped: config x.toml: unknown field `turbo`");
        let e = anyhow::Error::new(Inner).context("loading x.toml");
        assert_eq!(one_line(&e), "loading x.toml: unknown field `turbo`");
    }
}

#[cfg(test)]
mod stake_tests {
    use cosmwasm_std::{Addr, Uint128};
    use mesh_hub_api::stake_escrow::{ConfigResponse, RelayerInfo, UnbondingEntry};

    fn cfg() -> ConfigResponse {
        serde_json::from_value(serde_json::json!({
            "admin": "inj1admin", "hub_chain_id": "mesh-devnet-1", "bond_denom": "inj", "min_bond": "1000",
            "unbonding_period": 60, "dispute_window": 10, "delivery_margin": 10, "slash_bps": 1000,
            "bounty_bps": 5000, "community_pool": null, "rotation_delay": 10, "dispute": null,
            "signer_set_lifetime": 3600, "renewal_window": 600, "max_signer_weight_bps": 10000
        }))
        .expect("a stake-escrow config")
    }

    #[test]
    fn stake_status_prints_times_as_rfc3339_and_states_in_words() {
        let info = RelayerInfo {
            address: Addr::unchecked("inj1me"),
            evm_signer: mesh_protocol::EvmAddress::parse("0x2c7536e3605d9c16a7a3d7b1898e529396a65c23").unwrap(),
            bonded: Uint128::new(5000),
            unbonding: vec![UnbondingEntry { amount: Uint128::new(7), release_at: 1_764_674_820 }],
            jailed: true,
            jailed_at: Some(1_764_674_800),
            slashed: Uint128::new(500),
            active: false,
            locked_until: 0,
            locked_by_epoch: 0,
            claimable_from: 0,
        };
        let text = super::stake("inj1me", Some(&info), &cfg(), 18);
        assert!(text.contains("state      jailed since 2025-12-02T11:26:40Z"), "{text}");
        assert!(
            text.contains("unbonding  0.000000000000000007 inj (7 base units), released 2025-12-02T11:27:00Z"),
            "{text}"
        );
        assert!(!text.contains("1764674"), "no raw unix times: {text}");
        assert!(!text.contains("true") && !text.contains("Some("), "no debug forms: {text}");
        let never = super::stake("inj1me", None, &cfg(), 18);
        assert!(never.contains("never bonded (minimum bond 0.000000000000001 inj (1000 base units))"), "{never}");
    }
}
