//! Signer-set weights and threshold, pure so they are tested (and proptested) alone.

use mesh_protocol::U256;

use crate::msg::BPS;

/// The weights of a set whose members have bonded `stakes`, no weight above `cap_bps` of the
/// total weight when the set has enough members for that.
///
/// Water-filling: the largest stakes are cut down to one common cap `c`, the largest `c` such
/// that `c · 10000 ≤ cap_bps · (total capped weight)`; stakes at or below `c` keep their weight.
/// Every weight stays ≤ its stake and positive. With fewer than `⌈10000 / cap_bps⌉` members no
/// weights meet the cap; then every member gets the same weight, the smallest stake (the
/// most even split there is). The order of `stakes` is kept. Empty in, empty out.
pub fn capped_weights(stakes: &[u128], cap_bps: u16) -> Vec<U256> {
    let n = stakes.len();
    if n == 0 {
        return vec![];
    }
    let bps = U256::from(BPS);
    let cap = U256::from(cap_bps);
    let mut sorted: Vec<U256> = stakes.iter().map(|&s| U256::from(s)).collect();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    // suffix[k] = sum of sorted[k..]: the stake of the members left uncapped when k are capped.
    let mut suffix = vec![U256::ZERO; n + 1];
    for k in (0..n).rev() {
        suffix[k] = suffix[k + 1] + sorted[k];
    }
    // No cut needed: the largest stake already is within the cap share.
    let c = if sorted[0] * bps <= cap * suffix[0] {
        None
    } else {
        (1..=n)
            .find_map(|k| {
                // k members capped at c, the rest uncapped: c · (BPS − k·cap) ≤ cap · suffix[k].
                let k_cap = U256::from(k) * cap;
                let bound = if k_cap >= bps { sorted[k - 1] } else { cap * suffix[k] / (bps - k_cap) };
                let c = bound.min(sorted[k - 1]);
                let next = if k < n { sorted[k] } else { U256::ZERO };
                (!c.is_zero() && c >= next).then_some(c)
            })
            // Unreachable cap (too few members): everyone gets the smallest stake.
            .or(Some(sorted[n - 1]))
    };
    stakes.iter().map(|&s| c.map_or(U256::from(s), |c| U256::from(s).min(c))).collect()
}

/// Weight that must sign: strictly more than two thirds of `total`, `⌊2·total / 3⌋ + 1`
/// (at most `total` for every `total ≥ 1`).
pub fn threshold(total: U256) -> U256 {
    // 2·total / 3 computed without overflowing near U256::MAX: total = 3q + r.
    let three = U256::from(3u8);
    let (q, r) = (total / three, total % three);
    q * U256::from(2u8) + (r * U256::from(2u8)) / three + U256::from(1u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn u(v: u128) -> U256 {
        U256::from(v)
    }

    fn total(w: &[U256]) -> U256 {
        w.iter().fold(U256::ZERO, |a, b| a + *b)
    }

    #[test]
    fn the_threshold_is_strictly_more_than_two_thirds_at_small_totals() {
        let expected = [(1, 1), (2, 2), (3, 3), (4, 3), (5, 4), (6, 5), (30_000, 20_001), (40_000, 26_667)];
        for (t, th) in expected {
            assert_eq!(threshold(u(t)), u(th), "total {t}");
        }
    }

    #[test]
    fn the_threshold_is_strictly_more_than_two_thirds_at_huge_totals() {
        for t in [U256::MAX, U256::MAX - U256::from(1u8), U256::MAX - U256::from(2u8), u(u128::MAX) * u(64)] {
            let th = threshold(t);
            // 3·th > 2·t and 3·(th − 1) ≤ 2·t, compared as 3q+r forms to stay in range.
            assert!(th <= t);
            let two_thirds_floor = (t / u(3)) * u(2) + (t % u(3)) * u(2) / u(3);
            assert_eq!(th, two_thirds_floor + u(1));
        }
        let t = u(u128::MAX) * u(64);
        let th = threshold(t);
        assert!(th * u(3) > t * u(2) && (th - u(1)) * u(3) <= t * u(2));
    }

    #[test]
    fn a_flash_bond_of_seven_times_the_others_is_cut_below_a_third() {
        let stakes = [1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 7_000];
        let w = capped_weights(&stakes, 3_333);
        let t = total(&w);
        assert!(w[6] * u(10_000) <= u(3_333) * t, "{w:?}");
        assert_eq!(&w[..6], &[u(1_000); 6][..], "the honest stakes keep their weight");
        // c·(10000 − 3333) ≤ 3333 · 6000 → c = 2999.
        assert_eq!(w[6], u(2_999));
    }

    #[test]
    fn sets_too_small_for_the_cap_get_equal_weights() {
        assert_eq!(capped_weights(&[5, 9, 7], 3_333), vec![u(5); 3]);
        assert_eq!(capped_weights(&[5], 3_333), vec![u(5)]);
        assert_eq!(capped_weights(&[4, 4, 4, 100], 3_333).iter().filter(|w| **w == u(4)).count(), 3);
        // 4 members can meet 3333 bps: the big one is cut to c with c·6667 ≤ 3333·12 → 5.
        assert_eq!(capped_weights(&[4, 4, 4, 100], 3_333)[3], u(5));
        assert_eq!(capped_weights(&[1, 2, 3], 10_000), vec![u(1), u(2), u(3)], "10000 bps caps nothing");
    }

    fn stakes() -> impl Strategy<Value = Vec<u128>> {
        let one = prop_oneof![1u128..1_000, 1u128..=u128::MAX, (u128::MAX - 1_000)..=u128::MAX, Just(u128::MAX)];
        prop::collection::vec(one, 1..=64)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]
        #[test]
        fn no_weight_exceeds_the_cap_share_when_achievable(stakes in stakes(), cap in 157u16..=10_000) {
            let w = capped_weights(&stakes, cap);
            prop_assert_eq!(w.len(), stakes.len());
            // 64 weights ≤ u128::MAX each: the total fits far inside 256 bits.
            let t = w.iter().try_fold(U256::ZERO, |a, b| a.checked_add(*b));
            prop_assert!(t.is_some());
            let t = t.unwrap();
            for (wi, si) in w.iter().zip(&stakes) {
                prop_assert!(!wi.is_zero() && *wi <= U256::from(*si));
            }
            let achievable = stakes.len() * cap as usize >= BPS as usize;
            if achievable {
                for wi in &w {
                    prop_assert!(*wi * u(10_000) <= U256::from(cap) * t, "{} of {}", wi, t);
                }
            } else {
                prop_assert!(w.iter().all(|x| *x == w[0]), "too few members: equal weights");
            }
            // The threshold is strictly more than 2/3 and reachable.
            let th = threshold(t);
            prop_assert!(th * u(3) > t * u(2) && (th - u(1)) * u(3) <= t * u(2) && th <= t);
        }

        #[test]
        fn the_cut_is_the_largest_cap_that_holds(stakes in stakes(), cap in 157u16..=10_000) {
            let w = capped_weights(&stakes, cap);
            let achievable = stakes.len() * cap as usize >= BPS as usize;
            let max = w.iter().max().unwrap();
            let max_stake = U256::from(*stakes.iter().max().unwrap());
            if achievable && *max < max_stake {
                // Raising the common cap by one would break it: (c+1)·BPS > cap·(T + k).
                let k = w.iter().zip(&stakes).filter(|(wi, si)| *wi < &U256::from(**si)).count();
                let t = total(&w);
                prop_assert!((*max + u(1)) * u(10_000) > U256::from(cap) * (t + U256::from(k)));
            }
        }
    }
}
