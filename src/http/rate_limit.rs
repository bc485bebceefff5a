//! [`RateLimiter`]: a token bucket per client IP address for mutating requests (POST and
//! WebSocket messages). A client may send `burst` at once and `rate` per second on
//! average; beyond that it is refused (HTTP 429) and counted. At most [`MAX_CLIENTS`]
//! buckets are kept; when full, the one idle longest is forgotten (a forgotten client
//! starts again with a full bucket).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

use parking_lot::Mutex;

/// Buckets kept at most.
pub const MAX_CLIENTS: usize = 1024;

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token buckets by client address.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// `rate` requests per second on average, `burst` at once.
    pub fn new(rate: f64, burst: u32) -> Self {
        RateLimiter {
            rate,
            burst: burst.max(1) as f64,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token of `client`'s bucket at `now`; false when it has none (refuse).
    pub fn allow(&self, client: IpAddr, now: Instant) -> bool {
        let mut buckets = self.buckets.lock();
        if !buckets.contains_key(&client) && buckets.len() >= MAX_CLIENTS {
            if let Some(oldest) = buckets.iter().min_by_key(|(_, b)| b.last).map(|(k, _)| *k) {
                buckets.remove(&oldest);
            }
        }
        let b = buckets.entry(client).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        let dt = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + dt * self.rate).min(self.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_the_rate() {
        let r = RateLimiter::new(10.0, 3);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let t = Instant::now();
        assert!((0..3).all(|_| r.allow(a, t)));
        assert!(!r.allow(a, t), "the bucket is empty");
        assert!(r.allow(b, t), "another client has its own bucket");
        assert!(
            r.allow(a, t + Duration::from_millis(100)),
            "refilled at 10/s"
        );
        assert!(!r.allow(a, t + Duration::from_millis(100)));
    }
}
