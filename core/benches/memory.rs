//! Memory: heap allocations per push and per pop on the hot path (a
//! counting allocator is this program's global allocator), and the peak
//! resident set of a process writing a 1 GiB queue and of one reading it.
//!
//!     cargo bench -p vqueue-core --bench memory
//!
//! Each RSS figure comes from a fresh child process (this program again),
//! so its peak (`VmHWM`) belongs to that one job.

mod common;
#[path = "../tests/common/counting_alloc.rs"]
mod counting_alloc;

use std::path::Path;
use std::process::Command;

use common::{quick, verdict, Table};
use counting_alloc::allocs;
use vqueue_core::{Consumer, Durability, Format, Mode, MsgType, Queue, WriterOptions};

const CHILD_ENV: &str = "VQUEUE_MEMORY_JOB";
/// Under the size from which the writer stages records and writes them with
/// `pwrite`, so the writes go through its map, whose pages are what grows.
const BODY: usize = 1024;

fn opts(format: Format) -> WriterOptions {
    WriterOptions {
        format,
        durability: Durability::None,
    }
}

/// (allocations per push, per pop+commit, per zero-copy pop+commit) after
/// `warm` pushes and pops that let buffers reach their working size.
fn per_op(format: Format, warm: usize, n: usize) -> (f64, f64, f64) {
    let bodies = common::ring(4096, 100);
    let dir = tempfile::tempdir().unwrap();
    let q = Queue::open_with(dir.path(), "q", Mode::ReadWrite, opts(format)).unwrap();
    for i in 0..warm {
        q.push(&bodies[i % bodies.len()], MsgType::String).unwrap();
    }
    let before = allocs();
    for i in 0..n {
        q.push(&bodies[i % bodies.len()], MsgType::String).unwrap();
    }
    let push = (allocs() - before) as f64 / n as f64;
    let mut c = Consumer::open(dir.path(), "c", "q").unwrap();
    for _ in 0..warm {
        assert!(c.pop_header().unwrap());
        c.pop_body().unwrap().unwrap();
        c.commit().unwrap();
    }
    let before = allocs();
    for _ in 0..n / 2 {
        assert!(c.pop_header().unwrap());
        c.pop_body().unwrap().unwrap();
        c.commit().unwrap();
    }
    let pop = (allocs() - before) as f64 / (n / 2) as f64;
    let before = allocs();
    for _ in 0..n / 2 {
        assert!(c.pop_header().unwrap());
        c.pop_body_with(|b| b.len()).unwrap().unwrap();
        c.commit().unwrap();
    }
    let lend = (allocs() - before) as f64 / (n / 2) as f64;
    (push, pop, lend)
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/self/status");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A child's job: `write`, `read` or `idle` on the queue under `base`.
fn job(spec: &str) {
    let (what, rest) = spec.split_once(':').unwrap();
    let (bytes, base) = rest.split_once(':').unwrap();
    let bytes: u64 = bytes.parse().unwrap();
    let base = Path::new(base);
    let n = bytes / (BODY as u64 + 25);
    match what {
        "write" => {
            let bodies = common::ring(1024, BODY);
            let q = Queue::open_with(base, "q", Mode::ReadWrite, opts(Format::V2)).unwrap();
            for i in 0..n as usize {
                q.push(&bodies[i % bodies.len()], MsgType::String).unwrap();
            }
        }
        "read" => {
            let mut c = Consumer::open(base, "c", "q").unwrap();
            for _ in 0..n {
                assert!(c.pop_header().unwrap());
                c.pop_body().unwrap().unwrap();
                c.commit().unwrap();
            }
            assert!(!c.pop_header().unwrap());
        }
        _ => {}
    }
    println!("PEAK_KIB {}", peak_rss_kib());
}

fn child(what: &str, bytes: u64, base: &Path) -> u64 {
    let out = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, format!("{what}:{bytes}:{}", base.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{what} job failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("PEAK_KIB "))
        .expect("the job's peak")
        .trim()
        .parse()
        .unwrap()
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        return job(&spec);
    }
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let q = quick();
    let mut missed = Vec::new();

    let mut t = Table::new(
        "Heap allocations on the hot path (100 B bodies)",
        &["format", "operation", "allocations per message", "target"],
    );
    let n = if q { 20_000 } else { 200_000 };
    for format in [Format::V2, Format::V3] {
        let (push, pop, lend) = per_op(format, 20_000, n);
        let mut row = |op: &str, v: f64, goal: Option<f64>| {
            let target = match goal {
                Some(g) => {
                    let met = v <= g;
                    if !met {
                        missed.push(format!("{format} {op}: {v:.3} allocations, target ≤ {g}"));
                    }
                    format!("≤ {g}: {}", verdict(met))
                }
                None => "-".into(),
            };
            t.row(vec![format.to_string(), op.into(), format!("{v:.3}"), target]);
        };
        let v2 = format == Format::V2;
        row("push", push, v2.then_some(0.0));
        row("pop_header + pop_body + commit", pop, v2.then_some(1.0));
        row("pop_header + pop_body_with + commit", lend, None);
    }
    t.note("Counted by a counting global allocator over the calling thread only, after 20,000 pushes and pops of warm-up; the one allocation of `pop_body` is the returned body. v3 targets are not set (the warm-up samples bodies, a compressed body is decoded into a new buffer).");
    t.print();

    let bytes: u64 = if q { 64 << 20 } else { 1 << 30 };
    let dir = tempfile::tempdir().unwrap();
    let idle = child("idle", bytes, dir.path());
    let write = child("write", bytes, dir.path());
    let read = child("read", bytes, dir.path());
    let mut t = Table::new(
        &format!("Peak resident set, {} MiB queue of 1 KiB bodies (v2)", bytes >> 20),
        &["process", "what", "peak RSS (VmHWM)", "target"],
    );
    let limit = 64 << 10;
    for (what, label, kib) in [
        ("idle", "starts and exits, for reference", idle),
        ("write", "single pushes until the queue holds it all", write),
        ("read", "pop_header + pop_body + commit of every record", read),
    ] {
        let target = if what == "idle" {
            "-".to_string()
        } else {
            let met = kib < limit;
            if !met {
                missed.push(format!("{what}: peak RSS {} MiB, target < 64 MiB", kib >> 10));
            }
            format!("< 64 MiB: {}", verdict(met))
        };
        t.row(vec![
            what.into(),
            label.into(),
            format!("{:.1} MiB", kib as f64 / 1024.0),
            target,
        ]);
    }
    t.note("Page cache is not part of a process's resident set, but the pages of a file it maps are while they are mapped.");
    if missed.is_empty() {
        t.note("All targets met in this run.");
    } else {
        t.note(format!("Missed in this run: {}.", missed.join("; ")));
    }
    t.print();
}
