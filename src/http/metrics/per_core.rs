//! Request counts and latencies kept per core and summed when scraped: every request of every
//! connection adds to them, so a request writes only lines its own core owns. (prometheus-client's
//! `Counter`, `Histogram` and `Gauge`, shared by both cores, moved four cache lines between the
//! cores a request, its histogram's lock among them: a Zopim GET one's server CPU was 9.4 µs a
//! request with them, 9.0 without any metrics: bench/profiles/journal-cost.md, "Sixth pass".)
//!
//! What is scraped is encoded through prometheus-client's own encoder ([`EncodeMetric`]), as the
//! crate's types would be: a counter family and a histogram family with the same names, labels
//! and buckets.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;

use crate::http::cores::PerCore;

/// The latency buckets' upper bounds: 50 µs doubling to about 3.3 s, then `+Inf`.
const BOUNDS: usize = 17;
const FIRST_BOUND_NS: u64 = 50_000;

/// One core's counts of a series.
#[derive(Default)]
struct Cell {
    count: AtomicU64,
    sum_ns: AtomicU64,
    /// Not cumulative; the last is `+Inf`.
    buckets: [AtomicU64; BOUNDS + 1],
}

/// The requests of one label set and their latencies, a [`Cell`] a core.
pub struct Series {
    cells: PerCore<Cell>,
}

impl Series {
    pub fn new() -> Self {
        Self {
            cells: PerCore::new(),
        }
    }

    /// Counts one request that took `took`.
    pub fn observe(&self, took: Duration) {
        let cell = self.cells.mine();
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        cell.count.fetch_add(1, Ordering::Relaxed);
        cell.sum_ns.fetch_add(ns, Ordering::Relaxed);
        cell.buckets[bucket_of(ns)].fetch_add(1, Ordering::Relaxed);
    }

    /// The requests counted, over every core.
    pub fn count(&self) -> u64 {
        self.snapshot().count
    }

    /// The series summed over every core, read once: its requests and their latencies agree.
    pub fn snapshot(&self) -> Latency {
        let mut latency = Latency::default();
        self.add_to(&mut latency);
        latency
    }

    /// Adds this series' latencies to `into`.
    pub fn add_to(&self, into: &mut Latency) {
        for cell in self.cells.all() {
            into.count += cell.count.load(Ordering::Relaxed);
            into.sum_ns += cell.sum_ns.load(Ordering::Relaxed);
            for (total, bucket) in into.buckets.iter_mut().zip(&cell.buckets) {
                *total += bucket.load(Ordering::Relaxed);
            }
        }
    }
}

impl std::fmt::Debug for Series {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Series({})", self.count())
    }
}

impl Default for Series {
    fn default() -> Self {
        Self::new()
    }
}

/// The bucket of a latency: the first whose bound (50 µs × 2^i) it does not exceed.
fn bucket_of(ns: u64) -> usize {
    if ns <= FIRST_BOUND_NS {
        return 0;
    }
    // ceil(log2(ns / 50 µs)), in integers.
    let ratio = ns.div_ceil(FIRST_BOUND_NS);
    let bucket = (u64::BITS - (ratio - 1).leading_zeros()) as usize;
    bucket.min(BOUNDS)
}

/// The upper bound of bucket `i`, in seconds.
fn bound(i: usize) -> f64 {
    if i == BOUNDS {
        f64::INFINITY
    } else {
        FIRST_BOUND_NS as f64 / 1e9 * f64::from(1u32 << i)
    }
}

/// A latency histogram summed over cores (and over series), as scraped.
#[derive(Default, Clone)]
pub struct Latency {
    count: u64,
    sum_ns: u64,
    buckets: [u64; BOUNDS + 1],
}

impl Latency {
    /// The requests counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Adds `other`'s requests and latencies to these.
    pub fn add(&mut self, other: &Latency) {
        self.count += other.count;
        self.sum_ns += other.sum_ns;
        for (total, bucket) in self.buckets.iter_mut().zip(&other.buckets) {
            *total += bucket;
        }
    }
}

/// A metric family as scraped: a value per label set, a counter's total or a histogram.
pub struct Scraped<L, V>(pub Vec<(L, V)>);

/// A value of a [`Scraped`] family.
pub trait ScrapedValue {
    const TYPE: MetricType;
    fn encode(&self, encoder: MetricEncoder) -> Result<(), std::fmt::Error>;
}

impl ScrapedValue for u64 {
    const TYPE: MetricType = MetricType::Counter;

    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        encoder.encode_counter::<NoLabelSet, _, u64>(self, None)
    }
}

impl ScrapedValue for Latency {
    const TYPE: MetricType = MetricType::Histogram;

    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let buckets: Vec<(f64, u64)> = self
            .buckets
            .iter()
            .enumerate()
            .map(|(i, &n)| (bound(i), n))
            .collect();
        encoder.encode_histogram::<NoLabelSet>(self.sum_ns as f64 / 1e9, self.count, &buckets, None)
    }
}

impl<L: EncodeLabelSet, V: ScrapedValue> EncodeMetric for Scraped<L, V> {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        for (labels, value) in &self.0 {
            value.encode(encoder.encode_family(labels)?)?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        V::TYPE
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<L, V> std::fmt::Debug for Scraped<L, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scraped({} label sets)", self.0.len())
    }
}

/// A gauge kept per core (each core adds and takes away; the sum is the value).
pub struct SummedGauge {
    cells: PerCore<AtomicI64>,
}

impl SummedGauge {
    pub fn new() -> Self {
        Self {
            cells: PerCore::new(),
        }
    }

    pub fn inc(&self) {
        self.cells.mine().fetch_add(1, Ordering::Relaxed);
    }

    pub fn dec(&self) {
        self.cells.mine().fetch_sub(1, Ordering::Relaxed);
    }

    pub fn get(&self) -> i64 {
        self.cells.all().map(|c| c.load(Ordering::Relaxed)).sum()
    }
}

impl Default for SummedGauge {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for SummedGauge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SummedGauge({})", self.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_latency_falls_in_the_first_bucket_whose_bound_it_does_not_exceed() {
        for (us, bucket) in [
            (0, 0),
            (50, 0),
            (51, 1),
            (100, 1),
            (101, 2),
            (200, 2),
            (399, 3),
            (3_276_800, 16),
            (3_276_801, 17),
            (60_000_000, 17),
        ] {
            assert_eq!(bucket_of(us * 1000), bucket, "{us} µs");
        }
        assert_eq!(bound(0), 0.000_05);
        assert_eq!(bound(16), 3.2768);
        assert_eq!(bound(17), f64::INFINITY);
    }

    #[test]
    fn a_series_sums_what_every_thread_counted() {
        let series = std::sync::Arc::new(Series::new());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let series = std::sync::Arc::clone(&series);
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        series.observe(Duration::from_micros(75));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let mut latency = Latency::default();
        series.add_to(&mut latency);
        assert_eq!(series.count(), 4000);
        assert_eq!(latency.count, 4000);
        assert_eq!(latency.sum_ns, 4000 * 75_000);
        assert_eq!(latency.buckets[1], 4000);
    }
}
