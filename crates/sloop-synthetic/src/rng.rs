//! The deterministic arithmetic behind the synthetic traffic.
//!
//! Everything here is written out on purpose instead of taken from a crate
//! (`rand`, `libm`): a scenario's numbers are compared against golden values
//! in tests and fed to benchmarks whose results are compared across months,
//! so they must never change with a dependency update, a new Rust version or
//! another platform. Only IEEE 754 `+`, `-`, `*`, `/` and `floor` are used
//! on floats (each exactly rounded, so identical everywhere; Rust does not
//! fuse `a * b + c` on its own), and integer arithmetic that wraps.

/// The SplitMix64 increment: 2^64 divided by the golden ratio, made odd.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finaliser (Steele, Lea and Flood, 2014; the constants are
/// Stafford's "Mix13"). A bijection on `u64` whose output bits each depend on
/// every input bit, so consecutive or structured inputs come out looking
/// random.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The SplitMix64 generator: a 64-bit counter advanced by [`GOLDEN`] and
/// passed through [`mix`]. Tiny, fast, passes BigCrush, and fully specified
/// by these few lines.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// A uniform float in `[0, 1)`.
    pub(crate) fn next_f64(&mut self) -> f64 {
        unit(self.next_u64())
    }
}

/// A counter-based hash of several words: the random bits for "group g,
/// minute k, good events, pod level" are `hash(&[g, k, GOOD, POD])`, so any
/// one of them can be computed without generating the ones before it.
pub(crate) fn hash(parts: &[u64]) -> u64 {
    let mut h = GOLDEN;
    for &p in parts {
        h = mix(h ^ mix(p.wrapping_add(GOLDEN)));
    }
    h
}

/// FNV-1a of a string, to key a series group by its job name (so adding a
/// group to a scenario does not change the traffic of the others).
pub(crate) fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in s.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// The top 53 bits of `bits` as a float in `[0, 1)`.
pub(crate) fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Rounds `x >= 0` to an integer, down or up, with probability of going up
/// equal to the fractional part ("dithering"): the expected value is `x`
/// and an integer `x` is returned unchanged. `bits` supplies the coin.
pub(crate) fn dither(x: f64, bits: u64) -> u64 {
    if x <= 0.0 {
        return 0;
    }
    let floor = x.floor();
    let up = unit(bits) < x - floor;
    floor as u64 + u64::from(up)
}

/// `cos(2π·turns)`, from a Taylor polynomial after reduction to the first
/// quadrant. Absolute error below 1e-12, and the same bits on every machine
/// (unlike the platform `cos`, which may differ in the last place).
pub(crate) fn cos_turns(turns: f64) -> f64 {
    let mut t = turns - turns.floor(); // [0, 1)
    if t > 0.5 {
        t = 1.0 - t; // cos is even around 0 and 1
    }
    if t > 0.25 { -cos_quadrant(0.5 - t) } else { cos_quadrant(t) }
}

/// cos(2πt) for t in [0, 1/4] (angle in [0, π/2]), Horner form up to θ^18.
fn cos_quadrant(t: f64) -> f64 {
    let x = t * std::f64::consts::TAU;
    let x2 = x * x;
    // 1 - x²/2! + x⁴/4! - ... - x¹⁸/18!
    let mut sum = -1.0 / 6_402_373_705_728_000.0;
    for d in [20_922_789_888_000.0, -87_178_291_200.0, 479_001_600.0, -3_628_800.0, 40_320.0, -720.0, 24.0, -2.0] {
        sum = sum * x2 + 1.0 / d;
    }
    sum * x2 + 1.0
}

/// Splits `n` events between the leaves of a balanced binary tree over
/// `prefix.len() - 1` weighted leaves and returns the share of `leaf`.
///
/// `prefix` holds the running sums of the weights (`prefix[0] == 0`). At
/// each node the left child receives `dither(n · w_left / w_node)` and the
/// right child the rest, with the coin taken from `hash(key, node)`. The
/// shares of all leaves therefore add up to `n` exactly, and the share of one
/// leaf is computed alone in O(log leaves), without computing the others.
pub(crate) fn split(n: u64, prefix: &[f64], leaf: usize, key: u64) -> u64 {
    let (mut lo, mut hi, mut n) = (0usize, prefix.len() - 1, n);
    while hi - lo > 1 && n > 0 {
        let mid = (lo + hi) / 2;
        let share = (prefix[mid] - prefix[lo]) / (prefix[hi] - prefix[lo]);
        let node = ((lo as u64) << 32) | hi as u64;
        let left = dither(n as f64 * share, hash(&[key, node])).min(n);
        if leaf < mid {
            hi = mid;
            n = left;
        } else {
            lo = mid;
            n -= left;
        }
    }
    n
}

/// Running sums of `weights`, starting with 0.
pub(crate) fn prefix_sums(weights: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(weights.len() + 1);
    let mut acc = 0.0;
    out.push(acc);
    for w in weights {
        acc += w;
        out.push(acc);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // First outputs of the reference C implementation for seed 1234567.
        let mut g = SplitMix64::new(1_234_567);
        let got: Vec<u64> = (0..3).map(|_| g.next_u64()).collect();
        assert_eq!(got, [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423]);
    }

    #[test]
    fn cos_turns_is_accurate() {
        for i in 0..=1000 {
            let t = f64::from(i) / 997.0 - 0.3;
            let want = (t * std::f64::consts::TAU).cos();
            assert!((cos_turns(t) - want).abs() < 1e-12, "t = {t}: {} vs {want}", cos_turns(t));
        }
        assert_eq!(cos_turns(0.0), 1.0);
        assert_eq!(cos_turns(0.5), -1.0);
    }

    #[test]
    fn dither_keeps_integers_and_averages_to_x() {
        assert_eq!(dither(7.0, u64::MAX), 7);
        assert_eq!(dither(7.0, 0), 7);
        assert_eq!(dither(0.0, 0), 0);
        assert_eq!(dither(-3.0, 0), 0);
        let mut g = SplitMix64::new(9);
        let sum: u64 = (0..100_000).map(|_| dither(2.25, g.next_u64())).sum();
        assert!((224_000..226_000).contains(&sum), "{sum}");
    }

    #[test]
    fn split_shares_add_up_and_follow_the_weights() {
        let prefix = prefix_sums(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        let mut totals = [0u64; 5];
        for key in 0..2000 {
            let n = 1000 + key % 7;
            let shares: Vec<u64> = (0..5).map(|leaf| split(n, &prefix, leaf, key)).collect();
            assert_eq!(shares.iter().sum::<u64>(), n);
            for (t, s) in totals.iter_mut().zip(&shares) {
                *t += s;
            }
        }
        let all: u64 = totals.iter().sum();
        for (i, t) in totals.iter().enumerate() {
            let want = (i as f64 + 1.0) / 15.0;
            assert!((*t as f64 / all as f64 - want).abs() < 0.002, "leaf {i}: {t}");
        }
        // One leaf takes everything.
        assert_eq!(split(42, &prefix_sums(&[1.0]), 0, 5), 42);
    }
}
