//! Material shared by the benchmarks: message bodies, the quick mode, and
//! the markdown tables that `ci/bench.sh` copies into docs/performance.md.
#![allow(dead_code)]

use std::time::Duration;

/// `VQUEUE_BENCH_QUICK=1`: every benchmark runs once, briefly, to show that
/// it still works and prints its table (`ci/suite-bench.sh`); its numbers
/// mean nothing.
pub fn quick() -> bool {
    std::env::var_os("VQUEUE_BENCH_QUICK").is_some_and(|v| v != "0" && !v.is_empty())
}

/// Distinct JSON-like bodies of exactly `len` bytes.
pub fn ring(n: usize, len: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let mut b = format!(
                "{{\"seq\":{i:08},\"type\":\"order\",\"user\":\"u{:05}\",\"amount\":{:06},\"note\":\"",
                (i * 7919) % 100_000,
                (i * 31) % 1_000_000
            )
            .into_bytes();
            let filler = b"express delivery, gift wrap ";
            let mut k = i % filler.len();
            while b.len() < len.saturating_sub(2) {
                b.push(filler[k % filler.len()]);
                k += 1;
            }
            b.extend_from_slice(b"\"}");
            b.truncate(len);
            assert_eq!(b.len(), len);
            b
        })
        .collect()
}

/// Sorted samples' value at quantile `q`.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted[(((sorted.len() - 1) as f64) * q).round() as usize]
}

pub fn micros(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 100.0 {
        format!("{us:.0} µs")
    } else {
        format!("{us:.1} µs")
    }
}

pub fn rate(r: f64) -> String {
    let s = format!("{:.0}", r);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn ratio(a: f64, b: f64) -> String {
    format!("{:.2}x", a / b)
}

/// "met" or "MISSED", for a target of the form `value >= goal`.
pub fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

/// A markdown table, printed between the marker lines that `ci/bench.sh`
/// looks for.
pub struct Table {
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<String>,
}

impl Table {
    pub fn new(title: &str, header: &[&str]) -> Table {
        Table {
            title: title.to_string(),
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        assert_eq!(cells.len(), self.header.len(), "row of table {:?}", self.title);
        self.rows.push(cells);
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    pub fn print(&self) {
        println!("<!-- table begin -->");
        println!("#### {}", self.title);
        println!();
        println!("| {} |", self.header.join(" | "));
        let align: Vec<&str> = self
            .header
            .iter()
            .enumerate()
            .map(|(i, _)| if i < 2 { "---" } else { "---:" })
            .collect();
        println!("| {} |", align.join(" | "));
        for r in &self.rows {
            println!("| {} |", r.join(" | "));
        }
        if !self.notes.is_empty() {
            println!();
            for n in &self.notes {
                println!("{n}");
            }
        }
        println!("<!-- table end -->");
    }
}

/// The median of `runs` measurements of `f` (seconds for `msgs` messages),
/// as msg/s.
pub fn median_rate(runs: usize, msgs: usize, mut f: impl FnMut() -> Duration) -> f64 {
    let mut r: Vec<f64> = (0..runs).map(|_| msgs as f64 / f().as_secs_f64()).collect();
    r.sort_by(f64::total_cmp);
    r[r.len() / 2]
}
