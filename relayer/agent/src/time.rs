//! Times in human output: RFC 3339 UTC, never raw unix seconds.
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `unix_secs` (hub and chain times are unix seconds) as RFC 3339 UTC, e.g. `2026-12-02T11:27:00Z`.
pub fn rfc3339(unix_secs: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(unix_secs)).to_string()
}

/// A `SystemTime` as RFC 3339 UTC with millisecond precision.
pub fn rfc3339_time(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    #[test]
    fn unix_seconds_print_as_rfc3339_utc() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_764_674_820), "2025-12-02T11:27:00Z");
    }
}
