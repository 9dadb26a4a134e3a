//! Durable writes: pushes that are on stable storage when they return.
//!
//!     cargo bench -p vqueue-core --bench durable
//!
//! `Durability::Sync` single pushes against queue-file 2.0's default (it
//! syncs the file on every operation), `push_batch` of 10/100/1000 under
//! `Sync` (one flush per batch), and four threads pushing singly into one
//! writer under `Sync`, where pushes that arrive while a flush runs share
//! the next one (group commit). yaque 0.6 and v_queue 0.3.3 have no durable
//! mode and are not in this table. Each figure is the median of three runs,
//! the contenders interleaved so that they see the same disk.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{quick, rate, ratio, verdict, Table};
use vqueue_core::{Durability, Format, Mode, MsgType, Queue, WriterOptions};

const RUNS: usize = 3;
const THREADS: usize = 4;

fn sync_queue(dir: &Path) -> Queue {
    let opts = WriterOptions {
        format: Format::V2,
        durability: Durability::Sync,
    };
    Queue::open_with(dir, "q", Mode::ReadWrite, opts).unwrap()
}

fn core_single(bodies: &[Vec<u8>], n: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let q = sync_queue(dir.path());
    let start = Instant::now();
    for i in 0..n {
        q.push(&bodies[i % bodies.len()], MsgType::String).unwrap();
    }
    let took = start.elapsed();
    assert_eq!(q.count_pushed() as usize, n);
    took
}

fn core_batch(bodies: &[Vec<u8>], size: usize, batches: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let q = sync_queue(dir.path());
    let start = Instant::now();
    for k in 0..batches {
        let from = (k * size) % (bodies.len() - size);
        q.push_batch(&bodies[from..from + size], MsgType::String).unwrap();
    }
    let took = start.elapsed();
    assert_eq!(q.count_pushed() as usize, size * batches);
    took
}

/// `threads` threads sharing one writer, `per_thread` single pushes each.
fn core_threads(bodies: &[Vec<u8>], threads: usize, per_thread: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let q = sync_queue(dir.path());
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let q = &q;
            s.spawn(move || {
                for i in 0..per_thread {
                    q.push(&bodies[(t * per_thread + i) % bodies.len()], MsgType::String)
                        .unwrap();
                }
            });
        }
    });
    let took = start.elapsed();
    assert_eq!(q.count_pushed() as usize, threads * per_thread);
    took
}

/// queue-file as it opens: `sync_writes` on.
fn tape_single(bodies: &[Vec<u8>], n: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let mut q = queue_file::QueueFile::open(dir.path().join("q")).unwrap();
    assert!(q.sync_writes());
    let start = Instant::now();
    for i in 0..n {
        q.add(&bodies[i % bodies.len()]).unwrap();
    }
    start.elapsed()
}

fn tape_batch(bodies: &[Vec<u8>], size: usize, batches: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let mut q = queue_file::QueueFile::open(dir.path().join("q")).unwrap();
    let start = Instant::now();
    for k in 0..batches {
        let from = (k * size) % (bodies.len() - size);
        q.add_n(&bodies[from..from + size]).unwrap();
    }
    start.elapsed()
}

/// Median msg/s of ours and the peer's, runs interleaved.
fn pair(
    runs: usize,
    msgs: usize,
    mut ours: impl FnMut() -> Duration,
    mut peer: impl FnMut() -> Duration,
) -> (f64, f64) {
    let mut a = Vec::new();
    let mut b = Vec::new();
    for _ in 0..runs {
        a.push(msgs as f64 / ours().as_secs_f64());
        b.push(msgs as f64 / peer().as_secs_f64());
    }
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    (a[runs / 2], b[runs / 2])
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --benches` builds this; nothing to check here.
    }
    let q = quick();
    let small = common::ring(4096, 100);
    let large = common::ring(256, 4096);
    let singles = if q { 40 } else { 1500 };

    let mut t = Table::new(
        "Durable writes (`Durability::Sync`, v2)",
        &[
            "body",
            "operation",
            "vqueue-core msg/s",
            "comparison msg/s",
            "ratio",
            "target",
        ],
    );
    let mut missed = Vec::new();

    let (ours, peer) = pair(
        RUNS,
        singles,
        || core_single(&small, singles),
        || tape_single(&small, singles),
    );
    let single = ours;
    let met = ours >= 1.8 * peer;
    if !met {
        missed.push(format!(
            "single sync push {} of queue-file's default, target 1.8x",
            ratio(ours, peer)
        ));
    }
    t.row(vec![
        "100 B".into(),
        "push, one at a time".into(),
        rate(ours),
        format!("{} (queue-file 2.0 default)", rate(peer)),
        ratio(ours, peer),
        format!("≥ 1.8x: {}", verdict(met)),
    ]);
    let (o4, p4) = pair(
        RUNS,
        singles,
        || core_single(&large, singles),
        || tape_single(&large, singles),
    );
    t.row(vec![
        "4 KiB".into(),
        "push, one at a time".into(),
        rate(o4),
        format!("{} (queue-file 2.0 default)", rate(p4)),
        ratio(o4, p4),
        "-".into(),
    ]);

    for size in [10usize, 100, 1000] {
        let batches = if q { 5 } else { (20_000 / size).clamp(60, 600) };
        let msgs = size * batches;
        let (ours, peer) = pair(
            RUNS,
            msgs,
            || core_batch(&small, size, batches),
            || tape_batch(&small, size, batches),
        );
        let target = if size == 100 {
            let met = ours >= 50.0 * single;
            if !met {
                missed.push(format!(
                    "push_batch(100) under sync {} of the single sync push, target 50x",
                    ratio(ours, single)
                ));
            }
            format!("≥ 50x single push ({}): {}", ratio(ours, single), verdict(met))
        } else {
            format!("{} of single push", ratio(ours, single))
        };
        t.row(vec![
            "100 B".into(),
            format!("push_batch({size})"),
            rate(ours),
            format!("{} (queue-file add_n({size}))", rate(peer)),
            ratio(ours, peer),
            target,
        ]);
    }

    let per_thread = if q { 20 } else { 600 };
    let (many, one) = pair(
        RUNS,
        THREADS * per_thread,
        || core_threads(&small, THREADS, per_thread),
        || core_threads(&small, 1, THREADS * per_thread),
    );
    let met = many >= 3.0 * one;
    if !met {
        missed.push(format!(
            "{THREADS} threads under sync {} of one thread, target 3x",
            ratio(many, one)
        ));
    }
    t.row(vec![
        "100 B".into(),
        format!("{THREADS} threads pushing singly into one writer"),
        rate(many),
        format!("{} (one thread, same writer)", rate(one)),
        ratio(many, one),
        format!("≥ 3x: {}", verdict(met)),
    ]);

    t.note("Sync: the record is on stable storage before `push` returns (the writer flushes the part data; metadata is rebuilt from the records after a crash). queue-file 2.0 default: `sync_writes` on, the file synced on every `add`/`add_n`. Medians of three interleaved runs.");
    if missed.is_empty() {
        t.note("All targets met in this run.");
    } else {
        t.note(format!("Missed in this run: {}.", missed.join("; ")));
    }
    t.print();
}
