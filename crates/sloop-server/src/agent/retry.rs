//! Retrying transient provider failures: exponential backoff with jitter.
//!
//! Each retry waits twice as long as the one before, from `initial` up to
//! `max`, and a random share of the wait is taken off ("full jitter" halved)
//! so that many objectives failing together do not retry in lockstep. A
//! provider that says when to come back (a 429 with a reset time) is obeyed.

use std::time::Duration;

/// How to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first wait.
    pub initial: Duration,
    /// The longest wait.
    pub max: Duration,
    /// How many attempts in all before giving up until the next tick.
    pub attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { initial: Duration::from_millis(500), max: Duration::from_secs(30), attempts: 5 }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (after `attempt` failures,
    /// `attempt ≥ 1`), with `jitter` in `[0, 1)` taking up to half of it off.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = self.initial.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let capped = exp.min(self.max);
        capped.mul_f64(1.0 - 0.5 * jitter.clamp(0.0, 1.0))
    }
}

/// A small xorshift generator for jitter: no need for cryptographic
/// randomness, only for waits that differ between tasks.
#[derive(Debug, Clone)]
pub(crate) struct Jitter(u64);

impl Jitter {
    pub(crate) fn seeded(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub(crate) fn next(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_and_jitter_only_shortens() {
        let p = RetryPolicy { initial: Duration::from_secs(1), max: Duration::from_secs(10), attempts: 9 };
        assert_eq!(p.backoff(1, 0.0), Duration::from_secs(1));
        assert_eq!(p.backoff(2, 0.0), Duration::from_secs(2));
        assert_eq!(p.backoff(4, 0.0), Duration::from_secs(8));
        assert_eq!(p.backoff(5, 0.0), Duration::from_secs(10));
        assert_eq!(p.backoff(40, 0.0), Duration::from_secs(10));
        assert_eq!(p.backoff(3, 0.5), Duration::from_secs(3));
        let mut j = Jitter::seeded(42);
        for _ in 0..1000 {
            let x = j.next();
            assert!((0.0..1.0).contains(&x));
            let w = p.backoff(3, x);
            assert!(w <= Duration::from_secs(4) && w >= Duration::from_secs(2), "{w:?}");
        }
    }
}
