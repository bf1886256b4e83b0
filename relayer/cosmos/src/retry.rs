//! The one place retry policies live.
use std::future::Future;
use std::time::Duration;

/// Bounded exponential backoff.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
    pub attempts: u32,
}

impl Backoff {
    /// For RPC calls to a local or nearby node: 5 tries over about 3 seconds.
    pub const RPC: Backoff = Backoff { first: Duration::from_millis(200), max: Duration::from_secs(2), attempts: 5 };

    /// Delay before retry `n` (0-based).
    pub fn delay(&self, n: u32) -> Duration {
        self.first.saturating_mul(2u32.saturating_pow(n)).min(self.max)
    }

    /// Runs `op` until it succeeds, fails with an error `retryable` rejects, or attempts run out.
    pub async fn run<T, E, F, Fut>(&self, mut op: F, retryable: impl Fn(&E) -> bool) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut n = 0;
        loop {
            match op().await {
                Ok(v) => return Ok(v),
                Err(e) if n + 1 < self.attempts && retryable(&e) => {
                    tokio::time::sleep(self.delay(n)).await;
                    n += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn retries_back_off_exponentially_up_to_the_cap() {
        let b = Backoff { first: Duration::from_millis(100), max: Duration::from_millis(300), attempts: 4 };
        let calls = AtomicU32::new(0);
        let start = Instant::now();
        let r: Result<(), &str> = b
            .run(
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err("down")
                },
                |_| true,
            )
            .await;
        assert_eq!(r, Err("down"));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        // 100 + 200 + 300 (capped) ms of virtual time
        assert_eq!(start.elapsed(), Duration::from_millis(600));
    }

    #[tokio::test(start_paused = true)]
    async fn fatal_errors_are_not_retried() {
        let calls = AtomicU32::new(0);
        let r: Result<(), &str> = Backoff::RPC
            .run(
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err("fatal")
                },
                |e| *e != "fatal",
            )
            .await;
        assert_eq!(r, Err("fatal"));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_success_after_failures_is_returned() {
        let calls = AtomicU32::new(0);
        let r = Backoff::RPC
            .run(
                || async {
                    if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                        Err("flaky")
                    } else {
                        Ok(7)
                    }
                },
                |_| true,
            )
            .await;
        assert_eq!(r, Ok(7));
    }
}
