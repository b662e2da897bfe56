//! Latency percentiles of a series of timings.

use std::time::Duration;

pub struct Percentiles {
    pub n: usize,
    pub mean: Duration,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub p999: Duration,
    pub max: Duration,
}

/// The timing at quantile `q` of `sorted` (sorted ascending); zero when there is none.
pub fn at(sorted: &[Duration], q: f64) -> Duration {
    let n = sorted.len().max(1);
    sorted
        .get(((q * n as f64) as usize).min(n - 1))
        .copied()
        .unwrap_or_default()
}

pub fn percentiles(mut v: Vec<Duration>) -> Percentiles {
    v.sort_unstable();
    let n = v.len().max(1);
    Percentiles {
        n: v.len(),
        mean: v.iter().sum::<Duration>() / n as u32,
        p50: at(&v, 0.50),
        p90: at(&v, 0.90),
        p99: at(&v, 0.99),
        p999: at(&v, 0.999),
        max: v.last().copied().unwrap_or_default(),
    }
}

impl Percentiles {
    /// A latency table's figures in the unit `fmt` writes: count, mean, p50, p90, p99, p99.9,
    /// max.
    pub fn cells(&self, fmt: fn(Duration) -> String) -> [String; 7] {
        [
            self.n.to_string(),
            fmt(self.mean),
            fmt(self.p50),
            fmt(self.p90),
            fmt(self.p99),
            fmt(self.p999),
            fmt(self.max),
        ]
    }
}
