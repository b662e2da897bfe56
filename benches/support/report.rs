//! The report a bench prints at the end, as Markdown (every block after a blank line, progress
//! echoed on stderr), and the formats of its cells.

use std::fmt::Write as _;
use std::time::Duration;

const MB: f64 = 1e6;

/// Everything printed at the end, as Markdown.
#[derive(Default)]
pub struct Report {
    pub text: String,
}

impl Report {
    pub fn heading(&mut self, h: &str) {
        eprintln!("== {h}");
        let _ = write!(self.text, "\n### {h}\n");
    }

    pub fn table(&mut self, header: &[&str]) {
        let _ = writeln!(self.text, "\n| {} |", header.join(" | "));
        let _ = writeln!(
            self.text,
            "|{}",
            header.iter().map(|_| "---|").collect::<String>()
        );
    }

    pub fn row(&mut self, cells: &[String]) {
        eprintln!("   {}", cells.join("  "));
        let _ = writeln!(self.text, "| {} |", cells.join(" | "));
    }

    pub fn note(&mut self, s: &str) {
        eprintln!("   {s}");
        let _ = writeln!(self.text, "\n{s}");
    }
}

/// A latency: µs below `ms_from`, ms from there (two decimals below 10 ms, one above).
fn latency(d: Duration, ms_from: f64) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 10_000.0 {
        format!("{:.1} ms", us / 1000.0)
    } else if us >= ms_from {
        format!("{:.2} ms", us / 1000.0)
    } else if us >= 100.0 {
        format!("{us:.0} µs")
    } else {
        format!("{us:.1} µs")
    }
}

/// A latency in µs up to 10 ms (the `peer` tables).
pub fn us(d: Duration) -> String {
    latency(d, 10_000.0)
}

/// A latency in µs below 1 ms, in ms from there (the `chat` tables).
pub fn us_ms(d: Duration) -> String {
    latency(d, 1_000.0)
}

/// Milliseconds with two decimals (the `requests` tables).
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Seconds with two decimals.
pub fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// Seconds with two decimals, or ms with one below 0.1 s (the `sync` tables).
pub fn secs_ms(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 0.1 {
        format!("{:.1} ms", s * 1e3)
    } else {
        secs(d)
    }
}

/// Bytes as whole megabytes (10^6).
pub fn mb(b: u64) -> String {
    format!("{:.0} MB", b as f64 / MB)
}
