//! Latency of single pushes, and of a push becoming visible to a consumer
//! in another process that waits for it.
//!
//!     cargo bench -p vqueue-core --bench latency
//!
//! - push: each of many single 100-byte pushes into a fresh queue timed on
//!   its own; v2, and v3 from an empty queue so that the dictionary warm-up
//!   (sampling, background training, switching compressors) is included.
//! - push-to-visible: a child process (this program again) blocks in
//!   `Consumer::wait`; the parent pushes bodies carrying the monotonic clock
//!   at irregular intervals, and the child records how long after that
//!   instant it held the body.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{micros, quantile, quick, verdict, Table};
use vqueue_core::{Consumer, Durability, Format, Mode, MsgType, Queue, WriterOptions};

const CHILD_ENV: &str = "VQUEUE_LATENCY_CONSUMER";

fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: plain syscall writing into a local.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

struct Summary {
    p50: Duration,
    p99: Duration,
    p999: Duration,
    max: Duration,
    n: usize,
}

fn summarize(mut v: Vec<Duration>) -> Summary {
    v.sort();
    Summary {
        p50: quantile(&v, 0.5),
        p99: quantile(&v, 0.99),
        p999: quantile(&v, 0.999),
        max: *v.last().unwrap(),
        n: v.len(),
    }
}

fn open(dir: &std::path::Path, format: Format) -> Queue {
    Queue::open_with(
        dir,
        "q",
        Mode::ReadWrite,
        WriterOptions {
            format,
            durability: Durability::None,
        },
    )
    .unwrap()
}

/// Each push timed on its own, from the queue's first record.
fn push_latencies(format: Format, n: usize) -> Vec<Duration> {
    let bodies = common::ring(8192, 100);
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path(), format);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let body = &bodies[i % bodies.len()];
        let t = Instant::now();
        q.push(body, MsgType::String).unwrap();
        out.push(t.elapsed());
    }
    out
}

/// The child: waits for records, answers each with how long ago it was
/// pushed, and prints the summary when the end marker (stamp 0) arrives.
fn consumer_child(base: &str) {
    let mut c = Consumer::open(base, "lat", "q").unwrap();
    println!("READY");
    let mut seen = Vec::new();
    loop {
        assert!(c.wait(Duration::from_secs(30)).unwrap(), "no record within 30 s");
        let stamp = c
            .pop_body_with(|b| u64::from_le_bytes(b[..8].try_into().unwrap()))
            .unwrap()
            .unwrap();
        let now = monotonic_ns();
        c.commit().unwrap();
        if stamp == 0 {
            break;
        }
        seen.push(Duration::from_nanos(now.saturating_sub(stamp)));
    }
    let s = summarize(seen);
    println!(
        "RESULT {} {} {} {} {}",
        s.p50.as_nanos(),
        s.p99.as_nanos(),
        s.p999.as_nanos(),
        s.max.as_nanos(),
        s.n
    );
}

fn push_to_visible(format: Format, n: usize) -> Summary {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path(), format);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "READY");
    // A body the size of the others, compressible like a real message.
    let mut body = common::ring(1, 100).pop().unwrap();
    for i in 0..n {
        // Irregular gaps of 0.1 to 2 ms, so the consumer is asleep in `wait`
        // at different points of its back-off.
        std::thread::sleep(Duration::from_micros(100 + (i as u64 * 7919) % 1900));
        body[..8].copy_from_slice(&monotonic_ns().to_le_bytes());
        q.push(&body, MsgType::Object).unwrap();
    }
    body[..8].copy_from_slice(&0u64.to_le_bytes());
    q.push(&body, MsgType::Object).unwrap();
    line.clear();
    out.read_line(&mut line).unwrap();
    assert!(child.wait().unwrap().success());
    let f: Vec<u64> = line
        .trim()
        .strip_prefix("RESULT ")
        .expect("the child's summary")
        .split(' ')
        .map(|x| x.parse().unwrap())
        .collect();
    let d = Duration::from_nanos;
    Summary {
        p50: d(f[0]),
        p99: d(f[1]),
        p999: d(f[2]),
        max: d(f[3]),
        n: f[4] as usize,
    }
}

fn main() {
    if let Ok(base) = std::env::var(CHILD_ENV) {
        return consumer_child(&base);
    }
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let q = quick();
    let pushes = if q { 20_000 } else { 300_000 };
    let warmup = if q { 2_000 } else { 10_000 };
    let visible = if q { 100 } else { 2_000 };

    let mut t = Table::new(
        "Latency (100 B bodies, page cache)",
        &["format", "what", "samples", "p50", "p99", "p99.9", "max", "target"],
    );
    let mut missed = Vec::new();
    let mut row = |t: &mut Table, format: &str, what: &str, s: &Summary, target: Option<Duration>| {
        let target = match target {
            Some(goal) => {
                let met = s.p999 < goal;
                if !met {
                    missed.push(format!(
                        "{format} {what}: p99.9 {} against {}",
                        micros(s.p999),
                        micros(goal)
                    ));
                }
                format!("p99.9 < {}: {}", micros(goal), verdict(met))
            }
            None => "-".into(),
        };
        t.row(vec![
            format.into(),
            what.into(),
            s.n.to_string(),
            micros(s.p50),
            micros(s.p99),
            micros(s.p999),
            micros(s.max),
            target,
        ]);
    };
    let v2 = push_latencies(Format::V2, pushes);
    row(
        &mut t,
        "v2",
        "single push",
        &summarize(v2),
        Some(Duration::from_micros(50)),
    );
    let v3 = push_latencies(Format::V3, pushes);
    row(
        &mut t,
        "v3",
        &format!("single push, first {warmup} (dictionary warm-up and training)"),
        &summarize(v3[..warmup].to_vec()),
        Some(Duration::from_millis(1)),
    );
    row(
        &mut t,
        "v3",
        "single push, all from an empty queue",
        &summarize(v3),
        Some(Duration::from_millis(1)),
    );
    for format in [Format::V2, Format::V3] {
        let s = push_to_visible(format, visible);
        row(
            &mut t,
            &format.to_string(),
            "push-to-visible, consumer in `wait` in another process",
            &s,
            None,
        );
    }
    t.note("push: `Instant` around each `push` into a fresh queue. push-to-visible: from the instant stamped into the body just before `push` to the instant the consumer process holds the body; `wait` polls with a back-off from 0.25 ms capped at 5 ms, which dominates these figures; pushes come 0.1-2 ms apart.");
    if missed.is_empty() {
        t.note("All targets met in this run.");
    } else {
        t.note(format!("Missed in this run: {}.", missed.join("; ")));
    }
    t.print();
}
