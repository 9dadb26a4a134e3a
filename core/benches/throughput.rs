//! Throughput of the engine against the queues a Rust user would pick
//! instead, in one criterion run on the same machine and file system:
//! `yaque` 0.6, `queue-file` 2.0 (the Rust port of Square's Tape) and the
//! reference crate `v_queue` 0.3.3. Single pushes, pop+commit (or the peer's
//! receive+commit, peek+remove) and batched pushes, with 100-byte and
//! 4 KiB bodies, v2; v3 (compression) against the reference for information.
//!
//!     cargo bench -p vqueue-core --bench throughput
//!
//! Every popped body is compared with the one pushed at that index, by every
//! contender, inside the timed loop: a reader that returned garbage quickly
//! would fail instead of winning. `main` first proves that this comparison
//! catches a wrong body, and that each push is visible to a reader as soon
//! as it returns (no buffering flatters the push numbers). At the end the
//! run prints a table of msg/s and ratios computed from the measured samples
//! of this run.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{quick, Table};
use criterion::{Criterion, Throughput};
use vqueue_core::{Consumer, Durability, Format, Mode, MsgType, Queue, WriterOptions};

const RING: usize = 4096;
const BATCH: usize = 1000;
/// Bytes of the queue a pop benchmark reads; a sample that needs more
/// records starts over on a fresh queue or consumer (outside the timing).
const POP_QUEUE_BYTES: usize = 48 << 20;
const SAMPLES: usize = 10;
const QUEUE: &str = "bench";

const CORE: &str = "vqueue-core";
const YAQUE: &str = "yaque 0.6";
const TAPE: &str = "queue-file 2.0";
const UPSTREAM: &str = "v_queue 0.3.3";

/// Bodies of one size: `RING` distinct ones, twice in a row so that any
/// `BATCH` consecutive ones are one slice.
struct Bodies {
    len: usize,
    ring: Vec<Vec<u8>>,
}

impl Bodies {
    fn new(len: usize) -> Bodies {
        let one = common::ring(RING, len);
        let mut ring = one.clone();
        ring.extend(one);
        Bodies { len, ring }
    }
    fn at(&self, i: usize) -> &[u8] {
        &self.ring[i % RING]
    }
    fn batch(&self, k: usize) -> &[Vec<u8>] {
        let from = (k * BATCH) % RING;
        &self.ring[from..from + BATCH]
    }
    /// The check every pop loop applies: the body popped as the `i`-th record
    /// is the one pushed as the `i`-th.
    fn ok(&self, i: usize, got: &[u8]) -> bool {
        got == self.at(i)
    }
    fn pop_queue_len(&self) -> usize {
        POP_QUEUE_BYTES / self.len
    }
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

/// Runs `f` on at least `min` iterations and scales its time to `n`:
/// every contender has fixed costs per call (a first read, a file to open,
/// a watcher to start) which must not decide the figure when criterion asks
/// for a handful of iterations.
fn scaled(n: u64, min: u64, f: impl FnOnce(u64) -> Duration) -> Duration {
    let m = n.max(min.max(1));
    f(m).mul_f64(n as f64 / m as f64)
}

fn min_run() -> u64 {
    if quick() {
        1_000
    } else {
        20_000
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

fn push_core(b: &Bodies, format: Format, iters: u64) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let mut q = Queue::open_with(dir.path(), QUEUE, Mode::ReadWrite, options(format)).unwrap();
    let start = Instant::now();
    for i in 0..iters as usize {
        q.push(b.at(i), MsgType::String).unwrap();
    }
    let took = start.elapsed();
    assert_eq!(q.count_pushed() as u64, iters);
    if format == Format::V2 {
        assert_eq!(q.right_edge(), iters * (25 + b.len as u64));
    }
    q.close().unwrap();
    took
}

fn push_upstream(b: &Bodies, format: Format, iters: u64) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_str().unwrap();
    let mut q =
        v_queue::queue::Queue::new_with_format(base, QUEUE, v_queue::record::Mode::ReadWrite, upstream_format(format))
            .unwrap();
    let mut edge = 0;
    let start = Instant::now();
    for i in 0..iters as usize {
        edge = q.push(b.at(i), v_queue::record::MsgType::String).unwrap();
    }
    let took = start.elapsed();
    assert_eq!(q.count_pushed as u64, iters);
    if format == Format::V2 {
        assert_eq!(edge, iters * (25 + b.len as u64));
    }
    took
}

fn push_yaque(b: &Bodies, iters: u64) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let mut tx = yaque::Sender::open(dir.path().join("q")).unwrap();
    let start = Instant::now();
    for i in 0..iters as usize {
        tx.try_send(b.at(i)).map_err(|e| e.to_string()).unwrap();
    }
    start.elapsed()
}

fn tape(path: &Path) -> queue_file::QueueFile {
    let mut q = queue_file::QueueFile::open(path).unwrap();
    // The page-cache comparison; its default (an fdatasync per operation)
    // is measured against `Durability::Sync` in the `durable` benchmark.
    q.set_sync_writes(false);
    q
}

fn push_tape(b: &Bodies, iters: u64) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let mut q = tape(&dir.path().join("q"));
    let start = Instant::now();
    for i in 0..iters as usize {
        q.add(b.at(i)).unwrap();
    }
    let took = start.elapsed();
    assert_eq!(q.size() as u64, iters);
    took
}

/// `iters` batches of `BATCH` records each.
fn push_batch_core(b: &Bodies, format: Format, iters: u64) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let mut q = Queue::open_with(dir.path(), QUEUE, Mode::ReadWrite, options(format)).unwrap();
    let start = Instant::now();
    for k in 0..iters as usize {
        q.push_batch(b.batch(k), MsgType::String).unwrap();
    }
    let took = start.elapsed();
    assert_eq!(q.count_pushed() as u64, iters * BATCH as u64);
    q.close().unwrap();
    took
}

fn push_batch_yaque(b: &Bodies, iters: u64) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let mut tx = yaque::Sender::open(dir.path().join("q")).unwrap();
    let start = Instant::now();
    for k in 0..iters as usize {
        tx.try_send_batch(b.batch(k)).map_err(|e| e.to_string()).unwrap();
    }
    start.elapsed()
}

fn push_batch_tape(b: &Bodies, iters: u64) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let mut q = tape(&dir.path().join("q"));
    let start = Instant::now();
    for k in 0..iters as usize {
        q.add_n(b.batch(k)).unwrap();
    }
    let took = start.elapsed();
    assert_eq!(q.size() as u64, iters * BATCH as u64);
    took
}

// ------------------------------------------------------------ pop+commit

/// A closed queue of `n` records, written by the engine and read by the
/// engine and the reference (the format is the same).
fn prepare_pop_queue(b: &Bodies, format: Format, n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut q = Queue::open_with(dir.path(), QUEUE, Mode::ReadWrite, options(format)).unwrap();
    let mut pushed = 0;
    while pushed < n {
        let from = pushed % RING;
        let take = BATCH.min(n - pushed);
        q.push_batch(&b.ring[from..from + take], MsgType::String).unwrap();
        pushed += take;
    }
    q.close().unwrap();
    dir
}

/// Pops `n` records with a new consumer of the engine; Err on a wrong body.
fn pop_core(b: &Bodies, base: &Path, consumer: &str, n: usize) -> Result<Duration, String> {
    let mut c = Consumer::open(base, consumer, QUEUE).map_err(|e| e.to_string())?;
    let start = Instant::now();
    for i in 0..n {
        if !c.pop_header().unwrap() {
            return Err(format!("record {i} missing"));
        }
        let body = c.pop_body().unwrap().unwrap();
        if !b.ok(i, &body) {
            return Err(format!("record {i} has a wrong body"));
        }
        c.commit().unwrap();
    }
    let took = start.elapsed();
    c.close().unwrap();
    Ok(took)
}

/// The same with the reference crate, sizing the buffer as its API asks.
fn pop_upstream(b: &Bodies, base: &Path, consumer: &str, n: usize) -> Result<Duration, String> {
    let mut c =
        v_queue::consumer::Consumer::new(base.to_str().unwrap(), consumer, QUEUE).map_err(|e| format!("{e:?}"))?;
    let start = Instant::now();
    for i in 0..n {
        if !c.pop_header() {
            return Err(format!("record {i} missing"));
        }
        let mut body = vec![0u8; c.record_len()];
        c.pop_body(&mut body).map_err(|e| format!("record {i}: {e:?}"))?;
        if !b.ok(i, &body) {
            return Err(format!("record {i} has a wrong body"));
        }
        assert!(c.commit());
    }
    Ok(start.elapsed())
}

type PopFn = fn(&Bodies, &Path, &str, usize) -> Result<Duration, String>;

/// Runs `iters` pop+commit on the shared queue, on as many fresh consumers
/// as needed; only the popping is timed.
fn pop_many(pop: PopFn, b: &Bodies, base: &Path, serial: &mut u64, iters: u64) -> Duration {
    let mut left = iters as usize;
    let mut took = Duration::ZERO;
    while left > 0 {
        let n = left.min(b.pop_queue_len());
        *serial += 1;
        took += pop(b, base, &format!("c{serial}"), n).unwrap_or_else(|e| panic!("benchmark read garbage: {e}"));
        left -= n;
    }
    took
}

/// A peer's queue is consumed destructively: each round fills a fresh one
/// (untimed) and times popping it.
fn pop_rounds(b: &Bodies, iters: u64, mut round: impl FnMut(&Path, usize) -> Duration) -> Duration {
    let mut left = iters as usize;
    let mut took = Duration::ZERO;
    while left > 0 {
        let n = left.min(b.pop_queue_len());
        let dir = tempfile::tempdir().unwrap();
        took += round(&dir.path().join("q"), n);
        left -= n;
    }
    took
}

fn fill_yaque(b: &Bodies, path: &Path, n: usize) {
    let mut tx = yaque::Sender::open(path).unwrap();
    let mut pushed = 0;
    while pushed < n {
        let from = pushed % RING;
        let take = BATCH.min(n - pushed);
        tx.try_send_batch(&b.ring[from..from + take])
            .map_err(|e| e.to_string())
            .unwrap();
        pushed += take;
    }
}

/// Receive + commit per message (the guard's commit), as yaque documents.
fn pop_yaque(b: &Bodies, path: &Path, n: usize) -> Result<Duration, String> {
    fill_yaque(b, path, n);
    let mut rx = yaque::Receiver::open(path).map_err(|e| e.to_string())?;
    let start = Instant::now();
    for i in 0..n {
        let guard = rx.try_recv().map_err(|_| format!("record {i} missing"))?;
        if !b.ok(i, &guard) {
            return Err(format!("record {i} has a wrong body"));
        }
        guard.commit().unwrap();
    }
    Ok(start.elapsed())
}

fn fill_tape(b: &Bodies, path: &Path, n: usize) {
    let mut q = tape(path);
    let mut pushed = 0;
    while pushed < n {
        let from = pushed % RING;
        let take = BATCH.min(n - pushed);
        q.add_n(&b.ring[from..from + take]).unwrap();
        pushed += take;
    }
}

/// peek + remove per message, Tape's consume loop.
fn pop_tape(b: &Bodies, path: &Path, n: usize) -> Result<Duration, String> {
    fill_tape(b, path, n);
    let mut q = tape(path);
    let start = Instant::now();
    for i in 0..n {
        let body = q.peek().unwrap().ok_or_else(|| format!("record {i} missing"))?;
        if !b.ok(i, &body) {
            return Err(format!("record {i} has a wrong body"));
        }
        q.remove().unwrap();
    }
    Ok(start.elapsed())
}

/// Shows that the pop loops reject a wrong body: a queue whose record 50 is
/// a different, well-formed body makes every contender fail.
fn self_check(b: &Bodies) {
    assert!(b.ok(5, b.at(5)));
    assert!(!b.ok(5, b.at(6)));
    let wrong = |i: usize| if i == 50 { b.at(51) } else { b.at(i) };
    let dir = tempfile::tempdir().unwrap();
    let mut q = Queue::open(dir.path(), QUEUE, Mode::ReadWrite).unwrap();
    for i in 0..100 {
        q.push(wrong(i), MsgType::String).unwrap();
    }
    q.close().unwrap();
    let expect = "record 50 has a wrong body";
    assert_eq!(pop_core(b, dir.path(), "check-core", 100).unwrap_err(), expect);
    assert_eq!(pop_upstream(b, dir.path(), "check-upstream", 100).unwrap_err(), expect);
    pop_core(b, dir.path(), "check-core-ok", 50).expect("the engine reads the records before it");
    pop_upstream(b, dir.path(), "check-upstream-ok", 50).expect("the reference reads the records before it");
    // The peers' loops: the same 100 bodies through their own push.
    let peer = |fill: &dyn Fn(&Path), pop: &dyn Fn(&Path) -> Result<Duration, String>| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q");
        fill(&path);
        pop(&path)
    };
    let bad_yaque = peer(
        &|p| {
            let mut tx = yaque::Sender::open(p).unwrap();
            for i in 0..100 {
                tx.try_send(wrong(i)).map_err(|e| e.to_string()).unwrap();
            }
        },
        &|p| {
            let mut rx = yaque::Receiver::open(p).unwrap();
            for i in 0..100 {
                let g = rx.try_recv().map_err(|_| format!("record {i} missing"))?;
                if !b.ok(i, &g) {
                    return Err(format!("record {i} has a wrong body"));
                }
                g.commit().unwrap();
            }
            Ok(Duration::ZERO)
        },
    );
    assert_eq!(bad_yaque.unwrap_err(), expect);
    let bad_tape = peer(
        &|p| {
            let mut q = tape(p);
            for i in 0..100 {
                q.add(wrong(i)).unwrap();
            }
        },
        &|p| {
            let mut q = tape(p);
            for i in 0..100 {
                let body = q.peek().unwrap().ok_or_else(|| format!("record {i} missing"))?;
                if !b.ok(i, &body) {
                    return Err(format!("record {i} has a wrong body"));
                }
                q.remove().unwrap();
            }
            Ok(Duration::ZERO)
        },
    );
    assert_eq!(bad_tape.unwrap_err(), expect);
    pop_yaque(b, &tempfile::tempdir().unwrap().path().join("q"), 100).expect("yaque reads what it wrote");
    pop_tape(b, &tempfile::tempdir().unwrap().path().join("q"), 100).expect("queue-file reads what it wrote");

    // The pushes measured are visible ones: a reader going through the files
    // sees each record as soon as `push` returns, with nothing buffered.
    let dir = tempfile::tempdir().unwrap();
    let q = Queue::open(dir.path(), QUEUE, Mode::ReadWrite).unwrap();
    let mut reader = Consumer::open_reader(dir.path(), QUEUE, vqueue_core::Start::CurrentPart).unwrap();
    for i in 0..1000 {
        q.push(b.at(i), MsgType::String).unwrap();
        let seen = reader
            .pop()
            .unwrap()
            .unwrap_or_else(|| panic!("push {i} is not visible when push returns"));
        assert!(b.ok(i, &seen.body));
    }
}

// ------------------------------------------------------------------ main

fn id(format: Format, len: usize, op: &str, who: &str) -> String {
    format!("{format}/{len}B/{op}/{who}")
}

fn bench_size(c: &mut Criterion, b: &Bodies, format: Format, peers: bool) {
    let len = b.len;
    let mut g = c.benchmark_group(format!("{format}/{len}B/push"));
    g.throughput(Throughput::Elements(1));
    let k = id(format, len, "push", CORE);
    g.bench_function(CORE, |bn| {
        bn.iter_custom(|n| record(&k, n, scaled(n, min_run(), |n| push_core(b, format, n))))
    });
    if peers {
        let k = id(format, len, "push", YAQUE);
        g.bench_function(YAQUE, |bn| {
            bn.iter_custom(|n| record(&k, n, scaled(n, min_run(), |n| push_yaque(b, n))))
        });
        let k = id(format, len, "push", TAPE);
        g.bench_function(TAPE, |bn| {
            bn.iter_custom(|n| record(&k, n, scaled(n, min_run(), |n| push_tape(b, n))))
        });
    }
    let k = id(format, len, "push", UPSTREAM);
    g.bench_function(UPSTREAM, |bn| {
        bn.iter_custom(|n| record(&k, n, scaled(n, min_run(), |n| push_upstream(b, format, n))))
    });
    g.finish();

    let mut g = c.benchmark_group(format!("{format}/{len}B/push_batch"));
    g.throughput(Throughput::Elements(BATCH as u64));
    let k = id(format, len, "push_batch", CORE);
    g.bench_function(format!("{CORE} x{BATCH}"), |bn| {
        bn.iter_custom(|n| {
            record(
                &k,
                n * BATCH as u64,
                scaled(n, min_run() / BATCH as u64, |n| push_batch_core(b, format, n)),
            )
        })
    });
    if peers {
        let k = id(format, len, "push_batch", YAQUE);
        g.bench_function(format!("{YAQUE} x{BATCH}"), |bn| {
            bn.iter_custom(|n| {
                record(
                    &k,
                    n * BATCH as u64,
                    scaled(n, min_run() / BATCH as u64, |n| push_batch_yaque(b, n)),
                )
            })
        });
        let k = id(format, len, "push_batch", TAPE);
        g.bench_function(format!("{TAPE} x{BATCH}"), |bn| {
            bn.iter_custom(|n| {
                record(
                    &k,
                    n * BATCH as u64,
                    scaled(n, min_run() / BATCH as u64, |n| push_batch_tape(b, n)),
                )
            })
        });
    }
    g.finish();

    // Under `cargo test`/nextest each benchmark runs once in its own process
    // and most never read it: built on first use there. A measured run
    // builds it first, so criterion's warm-up does not count its building.
    let queue = std::cell::OnceCell::new();
    if std::env::args().any(|a| a == "--bench") {
        let _ = queue.set(prepare_pop_queue(b, format, b.pop_queue_len()));
    }
    let queue = || {
        queue
            .get_or_init(|| prepare_pop_queue(b, format, b.pop_queue_len()))
            .path()
    };
    let mut serial = 0;
    let mut g = c.benchmark_group(format!("{format}/{len}B/pop_commit"));
    g.throughput(Throughput::Elements(1));
    let k = id(format, len, "pop_commit", CORE);
    g.bench_function(CORE, |bn| {
        bn.iter_custom(|n| {
            record(
                &k,
                n,
                scaled(n, min_run(), |n| pop_many(pop_core, b, queue(), &mut serial, n)),
            )
        })
    });
    if peers {
        let k = id(format, len, "pop_commit", YAQUE);
        g.bench_function(YAQUE, |bn| {
            bn.iter_custom(|n| {
                record(
                    &k,
                    n,
                    scaled(n, min_run(), |n| pop_rounds(b, n, |p, m| pop_yaque(b, p, m).unwrap())),
                )
            })
        });
        let k = id(format, len, "pop_commit", TAPE);
        g.bench_function(TAPE, |bn| {
            bn.iter_custom(|n| {
                record(
                    &k,
                    n,
                    scaled(n, min_run(), |n| pop_rounds(b, n, |p, m| pop_tape(b, p, m).unwrap())),
                )
            })
        });
    }
    let k = id(format, len, "pop_commit", UPSTREAM);
    g.bench_function(UPSTREAM, |bn| {
        bn.iter_custom(|n| {
            record(
                &k,
                n,
                scaled(n, min_run(), |n| pop_many(pop_upstream, b, queue(), &mut serial, n)),
            )
        })
    });
    g.finish();
}

/// msg/s over the measured samples (the last `SAMPLES` calls; the calls
/// before them are criterion's warm-up).
fn rate_of(id: &str) -> Option<f64> {
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

fn print_tables() {
    let cell = |r: Option<f64>| r.map_or("-".to_string(), common::rate);
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => common::ratio(a, b),
        _ => "-".to_string(),
    };
    let mut t = Table::new(
        "Throughput against the peers (v2, page cache)",
        &[
            "body",
            "operation",
            "vqueue-core msg/s",
            "yaque 0.6",
            "vs yaque",
            "queue-file 2.0",
            "vs queue-file",
            "v_queue 0.3.3",
            "vs v_queue",
            "target",
        ],
    );
    let mut missed = Vec::new();
    for len in [100usize, 4096] {
        for (label, op) in [
            ("push", "push"),
            ("pop+commit", "pop_commit"),
            ("push_batch(1000)", "push_batch"),
        ] {
            let get = |who| rate_of(&id(Format::V2, len, op, who));
            let (ours, y, t2) = (get(CORE), get(YAQUE), get(TAPE));
            // The reference has no batch call: its single push stands in.
            let up = if op == "push_batch" {
                rate_of(&id(Format::V2, len, "push", UPSTREAM))
            } else {
                get(UPSTREAM)
            };
            let ahead = |peer: Option<f64>| match (ours, peer) {
                (Some(a), Some(b)) => a >= b,
                _ => false,
            };
            let met = ahead(y) && ahead(t2);
            if !met {
                missed.push(format!("{len} B {label}"));
            }
            t.row(vec![
                format!("{len} B"),
                label.to_string(),
                cell(ours),
                cell(y),
                ratio(ours, y),
                cell(t2),
                ratio(ours, t2),
                cell(up),
                ratio(ours, up),
                format!("≥ 1x each peer: {}", common::verdict(met)),
            ]);
        }
    }
    t.note("Durability of each figure: vqueue-core `Durability::None` (every push visible to other processes when it returns, survives a process crash; no fsync); yaque: a `write` per send (no fsync), the receiver saves its position every 250 receives or 350 ms; queue-file with `set_sync_writes(false)` (header rewritten per operation, no fsync; its default fsyncs, see the durable-writes table); v_queue: page cache, no fsync. v_queue has no batch call: its single push is the batch row's comparison.");
    if missed.is_empty() {
        t.note("All targets met in this run.");
    } else {
        t.note(format!("Missed in this run: {}.", missed.join(", ")));
    }
    t.print();

    let mut t = Table::new(
        "v3 (zstd dictionary) against the reference, 100 B, for information",
        &["body", "operation", "vqueue-core msg/s", "v_queue 0.3.3 msg/s", "ratio"],
    );
    for (label, op, theirs) in [
        ("push", "push", "push"),
        ("pop+commit", "pop_commit", "pop_commit"),
        ("push_batch(1000) vs single push", "push_batch", "push"),
    ] {
        let a = rate_of(&id(Format::V3, 100, op, CORE));
        let b = rate_of(&id(Format::V3, 100, theirs, UPSTREAM));
        t.row(vec!["100 B".into(), label.into(), cell(a), cell(b), ratio(a, b)]);
    }
    t.print();
}

fn main() {
    let small = Bodies::new(100);
    let large = Bodies::new(4096);
    self_check(&small);
    let (warm, measure) = if quick() {
        (Duration::from_millis(20), Duration::from_millis(100))
    } else {
        (Duration::from_millis(300), Duration::from_millis(1500))
    };
    let mut c = Criterion::default()
        .sample_size(SAMPLES)
        .warm_up_time(warm)
        .measurement_time(measure)
        .configure_from_args();
    bench_size(&mut c, &small, Format::V2, true);
    bench_size(&mut c, &large, Format::V2, true);
    bench_size(&mut c, &small, Format::V3, false);
    c.final_summary();
    if std::env::args().any(|a| a == "--bench") {
        print_tables();
    }
}
