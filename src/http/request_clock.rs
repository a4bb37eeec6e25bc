//! A request's two moments, each read from the clock once and shared by everything that times
//! the request: when its head had been read ([`RequestClock::arrived`]) and when its answer was
//! ready ([`RequestClock::answered`]). The metrics' latency, the journal's time and duration,
//! the debug span's latency, the tenant's last use and the connection's header-read timeout all
//! take them from here: reading the clock for each of them was five reads a read request, about
//! 17 ns each in the benchmark's VM (bench/profiles/journal-cost.md, "Eighth pass").
//!
//! The wall-clock time of arrival, which the journal shows and the tenants keep, is derived
//! from the monotonic reading through the connection's [`WallAnchor`], read again once a second.

use std::cell::Cell;
use std::time::Duration;

use tokio::time::Instant;

use crate::model::Timestamp;

/// When a request arrived and when its answer was ready (see the module doc). It belongs to
/// one request and is lent to the pipeline for the request's synchronous part; work left for
/// later reads the clock again when it ends.
#[derive(Debug)]
pub struct RequestClock {
    arrived: Instant,
    arrived_unix_ms: i64,
    answered: Cell<Option<Instant>>,
}

impl RequestClock {
    /// A request arriving now, its wall-clock time through `anchor`.
    pub fn arriving(anchor: &Cell<WallAnchor>) -> Self {
        let arrived = Instant::now();
        let mut wall = anchor.get();
        let arrived_unix_ms = wall.unix_ms(arrived);
        anchor.set(wall);
        Self {
            arrived,
            arrived_unix_ms,
            answered: Cell::new(None),
        }
    }

    /// A request arriving now, with an anchor of its own (a caller that keeps none).
    pub fn now() -> Self {
        Self::arriving(&Cell::new(WallAnchor::now()))
    }

    /// When the request's head had been read.
    pub fn arrived(&self) -> Instant {
        self.arrived
    }

    /// [`arrived`](Self::arrived), in milliseconds since the Unix epoch.
    pub fn arrived_unix_ms(&self) -> i64 {
        self.arrived_unix_ms
    }

    /// When the answer was ready: read from the clock by the first to ask, once the answer is
    /// made, and the same for every later asker.
    pub fn answered(&self) -> Instant {
        match self.answered.get() {
            Some(at) => at,
            None => {
                let at = Instant::now();
                self.answered.set(Some(at));
                at
            }
        }
    }

    /// From arrival to the answer.
    pub fn took(&self) -> Duration {
        self.answered().saturating_duration_since(self.arrived)
    }
}

/// A monotonic reading and the wall-clock time read with it, so that a later monotonic reading
/// gives the wall-clock time without a second read. Read again when more than a second old, so
/// that a step of the system clock shows within a second.
#[derive(Debug, Clone, Copy)]
pub struct WallAnchor {
    at: Instant,
    unix_ms: i64,
}

impl WallAnchor {
    const FRESH_FOR: Duration = Duration::from_secs(1);

    /// Both clocks read now.
    pub fn now() -> Self {
        let at = Instant::now();
        Self {
            at,
            unix_ms: Timestamp::now().unix_millis(),
        }
    }

    /// The wall-clock time of `at`, in milliseconds since the Unix epoch; this anchor is read
    /// again first if `at` is more than a second after it (or before it).
    pub fn unix_ms(&mut self, at: Instant) -> i64 {
        match at.checked_duration_since(self.at) {
            Some(since) if since <= Self::FRESH_FOR => {
                self.unix_ms + i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
            }
            _ => {
                *self = Self {
                    at,
                    unix_ms: Timestamp::now().unix_millis(),
                };
                self.unix_ms
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_answer_is_read_once_and_the_same_for_every_asker() {
        let clock = RequestClock::now();
        tokio::time::advance(Duration::from_millis(7)).await;
        let first = clock.answered();
        tokio::time::advance(Duration::from_millis(5)).await;
        assert_eq!(clock.answered(), first);
        assert_eq!(clock.took(), Duration::from_millis(7));
    }

    #[test]
    fn the_wall_clock_time_follows_the_monotonic_clock_within_a_second() {
        let mut anchor = WallAnchor::now();
        let base = anchor;
        let later = base.at + Duration::from_millis(250);
        assert_eq!(anchor.unix_ms(later), base.unix_ms + 250);
        assert_eq!(anchor.at, base.at, "a fresh anchor is kept");
    }

    #[test]
    fn an_anchor_more_than_a_second_old_is_read_again() {
        let system_now = Timestamp::now().unix_millis();
        let mut anchor = WallAnchor {
            at: Instant::now(),
            // A system clock stepped back by an hour since the anchor was read.
            unix_ms: system_now + 3_600_000,
        };
        let later = anchor.at + Duration::from_secs(2);
        let shown = anchor.unix_ms(later);
        assert!(
            (shown - system_now).abs() < 60_000,
            "{shown} vs {system_now}"
        );
        assert_eq!(anchor.at, later);
    }

    #[test]
    fn arrival_is_shown_in_wall_clock_time() {
        let before = Timestamp::now().unix_millis();
        let clock = RequestClock::now();
        let after = Timestamp::now().unix_millis();
        assert!((before..=after).contains(&clock.arrived_unix_ms()));
    }
}
