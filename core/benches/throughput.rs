//! Throughput of the engine against the reference crate `v_queue` 0.3.3, in
//! one run, on the same machine and files: single pushes, pop+commit
//! (pop_header + pop_body + commit per message) and `push_batch(1000)`, with
//! 100-byte bodies, v2 (the default) and v3 (compression, for information).
//!
//!     cargo bench -p vqueue-core --bench throughput
//!
//! Every popped body is compared with the one pushed at that index, by both
//! contenders, inside the timed loop: a reader that returned garbage quickly
//! would fail instead of winning. `main` first proves that this comparison
//! catches a wrong body, and that each push is visible to a reader as soon
//! as it returns (no buffering flatters the push numbers). At the end the run prints a table of msg/s and
//! ratios computed from the measured samples of this run.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use vqueue_core::{Consumer, Durability, Format, Mode, MsgType, Queue, WriterOptions};

const BODY_LEN: usize = 100;
const RING: usize = 4096;
const BATCH: usize = 1000;
/// Records in the queue the pop benchmarks read; a sample that needs more
/// opens another consumer on it (outside the timed part).
const POP_QUEUE_LEN: usize = 500_000;
const SAMPLES: usize = 10;
const QUEUE: &str = "bench";

const CORE: &str = "vqueue-core";
const UPSTREAM: &str = "v_queue 0.3.3";

/// `RING` distinct JSON-like bodies of exactly `BODY_LEN` bytes, twice in a
/// row so that any `BATCH` consecutive ones are one slice.
fn ring() -> Vec<Vec<u8>> {
    let one: Vec<Vec<u8>> = (0..RING)
        .map(|i| {
            let mut b = format!(
                "{{\"seq\":{i:08},\"type\":\"order\",\"user\":\"u{:05}\",\"amount\":{:06},\"note\":\"",
                (i * 7919) % 100_000,
                (i * 31) % 1_000_000
            )
            .into_bytes();
            let filler = b"express delivery, gift wrap ";
            let mut k = i % filler.len();
            while b.len() < BODY_LEN - 2 {
                b.push(filler[k % filler.len()]);
                k += 1;
            }
            b.extend_from_slice(b"\"}");
            assert_eq!(b.len(), BODY_LEN);
            b
        })
        .collect();
    let mut two = one.clone();
    two.extend(one);
    two
}

/// The check every pop loop applies: the body popped as the `i`-th record is
/// the one pushed as the `i`-th.
fn body_ok(ring: &[Vec<u8>], i: usize, got: &[u8]) -> bool {
    got == ring[i % RING].as_slice()
}

fn options(format: Format) -> WriterOptions {
    WriterOptions {
        format,
        durability: Durability::None,
    }
}

fn upstream_format(format: Format) -> v_queue::record::FormatVersion {
    match format {
        Format::V2 => v_queue::record::FormatVersion::V2,
        Format::V3 => v_queue::record::FormatVersion::V3,
    }
}

/// Measured (iterations, time) pairs per benchmark, for the table at the end.
static SAMPLES_SEEN: Mutex<BTreeMap<String, Vec<(u64, Duration)>>> = Mutex::new(BTreeMap::new());

fn record(id: &str, iters: u64, took: Duration) -> Duration {
    SAMPLES_SEEN
        .lock()
        .unwrap()
        .entry(id.to_string())
        .or_default()
        .push((iters, took));
    took
}

// ------------------------------------------------------------------ push

fn push_core(ring: &[Vec<u8>], format: Format, iters: u64) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let mut q = Queue::open_with(dir.path(), QUEUE, Mode::ReadWrite, options(format)).unwrap();
    let start = Instant::now();
    for i in 0..iters as usize {
        q.push(&ring[i % RING], MsgType::String).unwrap();
    }
    let took = start.elapsed();
    assert_eq!(q.count_pushed() as u64, iters);
    if format == Format::V2 {
        assert_eq!(q.right_edge(), iters * (25 + BODY_LEN as u64));
    }
    q.close().unwrap();
    took
}

fn push_upstream(ring: &[Vec<u8>], format: Format, iters: u64) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_str().unwrap();
    let mut q =
        v_queue::queue::Queue::new_with_format(base, QUEUE, v_queue::record::Mode::ReadWrite, upstream_format(format))
            .unwrap();
    let mut edge = 0;
    let start = Instant::now();
    for i in 0..iters as usize {
        edge = q.push(&ring[i % RING], v_queue::record::MsgType::String).unwrap();
    }
    let took = start.elapsed();
    assert_eq!(q.count_pushed as u64, iters);
    if format == Format::V2 {
        assert_eq!(edge, iters * (25 + BODY_LEN as u64));
    }
    took
}

/// `iters` batches of `BATCH` records each.
fn push_batch_core(ring: &[Vec<u8>], format: Format, iters: u64) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let mut q = Queue::open_with(dir.path(), QUEUE, Mode::ReadWrite, options(format)).unwrap();
    let start = Instant::now();
    for k in 0..iters as usize {
        let from = (k * BATCH) % RING;
        q.push_batch(&ring[from..from + BATCH], MsgType::String).unwrap();
    }
    let took = start.elapsed();
    assert_eq!(q.count_pushed() as u64, iters * BATCH as u64);
    q.close().unwrap();
    took
}

// ------------------------------------------------------------ pop+commit

/// A closed queue of `n` records, written by the engine and read by both
/// contenders (the format is the same).
fn prepare_pop_queue(ring: &[Vec<u8>], format: Format, n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut q = Queue::open_with(dir.path(), QUEUE, Mode::ReadWrite, options(format)).unwrap();
    let mut pushed = 0;
    while pushed < n {
        let from = pushed % RING;
        let take = BATCH.min(n - pushed);
        q.push_batch(&ring[from..from + take], MsgType::String).unwrap();
        pushed += take;
    }
    q.close().unwrap();
    dir
}

/// Pops `n` records with a new consumer of the engine; Err on a wrong body.
fn pop_core(ring: &[Vec<u8>], base: &Path, consumer: &str, n: usize) -> Result<Duration, String> {
    let mut c = Consumer::open(base, consumer, QUEUE).map_err(|e| e.to_string())?;
    let start = Instant::now();
    for i in 0..n {
        if !c.pop_header().unwrap() {
            return Err(format!("record {i} missing"));
        }
        let body = c.pop_body().unwrap().unwrap();
        if !body_ok(ring, i, &body) {
            return Err(format!("record {i} has a wrong body"));
        }
        c.commit().unwrap();
    }
    let took = start.elapsed();
    c.close().unwrap();
    Ok(took)
}

/// The same with the reference crate, sizing the buffer as its API asks.
fn pop_upstream(ring: &[Vec<u8>], base: &Path, consumer: &str, n: usize) -> Result<Duration, String> {
    let mut c =
        v_queue::consumer::Consumer::new(base.to_str().unwrap(), consumer, QUEUE).map_err(|e| format!("{e:?}"))?;
    let start = Instant::now();
    for i in 0..n {
        if !c.pop_header() {
            return Err(format!("record {i} missing"));
        }
        let mut body = vec![0u8; c.record_len()];
        c.pop_body(&mut body).map_err(|e| format!("record {i}: {e:?}"))?;
        if !body_ok(ring, i, &body) {
            return Err(format!("record {i} has a wrong body"));
        }
        assert!(c.commit());
    }
    Ok(start.elapsed())
}

type PopFn = fn(&[Vec<u8>], &Path, &str, usize) -> Result<Duration, String>;

/// Runs `iters` pop+commit, on as many fresh consumers as needed; only the
/// popping is timed.
fn pop_many(pop: PopFn, ring: &[Vec<u8>], base: &Path, serial: &mut u64, iters: u64) -> Duration {
    let mut left = iters as usize;
    let mut took = Duration::ZERO;
    while left > 0 {
        let n = left.min(POP_QUEUE_LEN);
        *serial += 1;
        took += pop(ring, base, &format!("c{serial}"), n).unwrap_or_else(|e| panic!("benchmark read garbage: {e}"));
        left -= n;
    }
    took
}

/// Shows that the pop loops reject a wrong body: a queue whose record 50 is
/// a different, well-formed body makes both fail.
fn self_check(ring: &[Vec<u8>]) {
    assert!(body_ok(ring, 5, &ring[5]));
    assert!(!body_ok(ring, 5, &ring[6]));
    let dir = tempfile::tempdir().unwrap();
    let mut q = Queue::open(dir.path(), QUEUE, Mode::ReadWrite).unwrap();
    for i in 0..100 {
        let body = if i == 50 { &ring[51] } else { &ring[i] };
        q.push(body, MsgType::String).unwrap();
    }
    q.close().unwrap();
    let bad_core = pop_core(ring, dir.path(), "check-core", 100);
    let bad_upstream = pop_upstream(ring, dir.path(), "check-upstream", 100);
    assert_eq!(bad_core.unwrap_err(), "record 50 has a wrong body");
    assert_eq!(bad_upstream.unwrap_err(), "record 50 has a wrong body");
    pop_core(ring, dir.path(), "check-core-ok", 50).expect("the engine reads the records before it");
    pop_upstream(ring, dir.path(), "check-upstream-ok", 50).expect("the reference reads the records before it");

    // The pushes measured are visible ones: a reader going through the files
    // sees each record as soon as `push` returns, with nothing buffered.
    let dir = tempfile::tempdir().unwrap();
    let mut q = Queue::open(dir.path(), QUEUE, Mode::ReadWrite).unwrap();
    let mut reader = Consumer::open_reader(dir.path(), QUEUE, vqueue_core::Start::CurrentPart).unwrap();
    for (i, body) in ring.iter().take(1000).enumerate() {
        q.push(body, MsgType::String).unwrap();
        let seen = reader
            .pop()
            .unwrap()
            .unwrap_or_else(|| panic!("push {i} is not visible when push returns"));
        assert!(body_ok(ring, i, &seen.body));
    }
}

// ------------------------------------------------------------------ main

fn bench_format(c: &mut Criterion, ring: &[Vec<u8>], format: Format) {
    let mut g = c.benchmark_group(format!("{format}/push"));
    g.throughput(Throughput::Elements(1));
    let id = format!("{format}/push/{CORE}");
    g.bench_function(CORE, |b| b.iter_custom(|n| record(&id, n, push_core(ring, format, n))));
    let id = format!("{format}/push/{UPSTREAM}");
    g.bench_function(UPSTREAM, |b| {
        b.iter_custom(|n| record(&id, n, push_upstream(ring, format, n)))
    });
    g.finish();

    let mut g = c.benchmark_group(format!("{format}/push_batch"));
    g.throughput(Throughput::Elements(BATCH as u64));
    let id = format!("{format}/push_batch/{CORE}");
    g.bench_function(format!("{CORE} x{BATCH}"), |b| {
        b.iter_custom(|n| record(&id, n * BATCH as u64, push_batch_core(ring, format, n)))
    });
    g.finish();

    let queue = prepare_pop_queue(ring, format, POP_QUEUE_LEN);
    let mut serial = 0;
    let mut g = c.benchmark_group(format!("{format}/pop_commit"));
    g.throughput(Throughput::Elements(1));
    let id = format!("{format}/pop_commit/{CORE}");
    g.bench_function(CORE, |b| {
        b.iter_custom(|n| record(&id, n, pop_many(pop_core, ring, queue.path(), &mut serial, n)))
    });
    let id = format!("{format}/pop_commit/{UPSTREAM}");
    g.bench_function(UPSTREAM, |b| {
        b.iter_custom(|n| record(&id, n, pop_many(pop_upstream, ring, queue.path(), &mut serial, n)))
    });
    g.finish();
}

/// msg/s over the measured samples (the last `SAMPLES` calls; the calls
/// before them are criterion's warm-up).
fn rate(id: &str) -> Option<f64> {
    let seen = SAMPLES_SEEN.lock().unwrap();
    let all = seen.get(id)?;
    if all.len() < SAMPLES {
        return None;
    }
    let last = &all[all.len() - SAMPLES..];
    let msgs: u64 = last.iter().map(|s| s.0).sum();
    let secs: f64 = last.iter().map(|s| s.1.as_secs_f64()).sum();
    Some(msgs as f64 / secs)
}

fn print_table() {
    let fmt = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{:.0}", r));
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => format!("{:.1}x", a / b),
        _ => "-".to_string(),
    };
    println!();
    println!("| format | operation | {CORE} msg/s | {UPSTREAM} msg/s | ratio | target |");
    println!("| --- | --- | ---: | ---: | ---: | ---: |");
    for format in ["v2", "v3"] {
        let rows = [
            ("push", "push", "push", "5x"),
            ("pop+commit", "pop_commit", "pop_commit", "5x"),
            ("push_batch(1000) vs single push", "push_batch", "push", "30x"),
        ];
        for (label, ours, theirs, target) in rows {
            let a = rate(&format!("{format}/{ours}/{CORE}"));
            let b = rate(&format!("{format}/{theirs}/{UPSTREAM}"));
            let target = if format == "v2" { target } else { "-" };
            println!(
                "| {format} | {label} | {} | {} | {} | {target} |",
                fmt(a),
                fmt(b),
                ratio(a, b)
            );
        }
    }
}

fn main() {
    let ring = ring();
    self_check(&ring);
    let mut c = Criterion::default()
        .sample_size(SAMPLES)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    bench_format(&mut c, &ring, Format::V2);
    bench_format(&mut c, &ring, Format::V3);
    c.final_summary();
    if std::env::args().any(|a| a == "--bench") {
        print_table();
    }
}
