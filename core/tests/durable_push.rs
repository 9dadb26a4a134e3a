//! `Durability::Sync` pushes: one flush of the part data per acknowledged
//! push (or per group of concurrent pushes), metadata rebuilt from the
//! records after a crash.

mod common;

use std::fs;
use std::os::unix::fs::FileExt;
use std::path::Path;

use common::{body, drain_bodies, encode_record, info_push_path, published, temp_base};
use vqueue_core::{Consumer, Durability, Format, Mode, MsgType, Queue, Start, WriterOptions};

const Q: &str = "q";

fn sync_opts(format: Format) -> WriterOptions {
    WriterOptions {
        format,
        durability: Durability::Sync,
    }
}

/// Puts back the bytes an in-place metadata file had earlier: what the disk
/// holds when the later updates of its page never reached it.
fn restore(path: &Path, bytes: &[u8]) {
    let f = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open metadata file");
    f.write_all_at(bytes, 0).expect("restore metadata file");
}

fn all_records(base: &Path) -> Vec<Vec<u8>> {
    let mut r = Consumer::open_reader(base, Q, Start::FirstPart).expect("reader");
    drain_bodies(&mut r)
}

/// A crash after the data flush of acknowledged pushes but before their
/// metadata reached the disk: the next writer finds the records past the
/// stale right edge and publishes them, so no acknowledged push is lost.
fn lost_metadata_loses_no_push(format: Format, stale_after: usize) {
    let dir = temp_base();
    let base = dir.path();
    let w = Queue::open_with(base, Q, Mode::ReadWrite, sync_opts(format)).unwrap();
    let bodies: Vec<Vec<u8>> = (0..40).map(|i| body(i, 100 + i % 7)).collect();
    for b in &bodies[..stale_after] {
        w.push(b, MsgType::String).unwrap();
    }
    let stale = fs::read(info_push_path(base, Q, 0)).unwrap();
    for b in &bodies[stale_after..] {
        w.push(b, MsgType::String).unwrap();
    }
    // The process dies: nothing runs after the last acknowledged push.
    std::mem::forget(w);
    restore(&info_push_path(base, Q, 0), &stale);
    assert_eq!(
        published(base, Q, 0).1 as usize,
        stale_after,
        "the test restored the older metadata"
    );

    // Whatever durability the next writer asks for, it recovers them.
    let w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    assert_eq!(w.part_id(), 1, "the recovered part is kept, the writer moves on");
    assert_eq!(published(base, Q, 0).1 as usize, bodies.len());
    assert_eq!(all_records(base), bodies);
    assert!(vqueue_core::verify(base, Q).unwrap().problems.is_empty());
}

#[test]
fn sync_pushes_survive_metadata_that_never_reached_the_disk_v2() {
    lost_metadata_loses_no_push(Format::V2, 12);
}

#[test]
fn sync_pushes_survive_metadata_that_never_reached_the_disk_v3() {
    lost_metadata_loses_no_push(Format::V3, 12);
}

#[test]
fn sync_pushes_survive_when_no_push_metadata_reached_the_disk() {
    lost_metadata_loses_no_push(Format::V2, 0);
}

/// A `None` writer publishes before `push` returns, so a complete record
/// past its right edge is one whose push never returned; it stays ignored.
#[test]
fn unpublished_record_of_a_none_session_stays_ignored() {
    let dir = temp_base();
    let base = dir.path();
    let w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    let bodies: Vec<Vec<u8>> = (0..5).map(|i| body(i, 50)).collect();
    for b in &bodies {
        w.push(b, MsgType::String).unwrap();
    }
    std::mem::forget(w);
    let (edge, count, _) = published(base, Q, 0);
    let tail = encode_record(edge, count + 1, b'S', b"never acknowledged", false);
    let f = fs::OpenOptions::new()
        .write(true)
        .open(common::data_path(base, Q, 0))
        .unwrap();
    f.write_all_at(&tail, edge).unwrap();

    let _w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    assert_eq!(all_records(base), bodies);
}

/// Threads pushing through one handle under `Sync`: every push is
/// acknowledged once, lands once, and each thread's pushes stay in order.
#[test]
fn concurrent_sync_pushers_share_one_writer() {
    let dir = temp_base();
    let base = dir.path();
    let w = Queue::open_with(base, Q, Mode::ReadWrite, sync_opts(Format::V2)).unwrap();
    const THREADS: usize = 4;
    const EACH: usize = 40;
    let edges: Vec<Vec<u64>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let w = &w;
                s.spawn(move || {
                    (0..EACH)
                        .map(|i| w.push(format!("t{t}-{i:04}").as_bytes(), MsgType::String).unwrap())
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(w.count_pushed() as usize, THREADS * EACH);
    for e in &edges {
        assert!(
            e.windows(2).all(|p| p[0] < p[1]),
            "a thread's pushes end at growing edges"
        );
    }
    // Crash right away: every acknowledged push is on the disk and published.
    std::mem::forget(w);
    let got = all_records(base);
    assert_eq!(got.len(), THREADS * EACH);
    for t in 0..THREADS {
        let mine: Vec<String> = got
            .iter()
            .map(|b| String::from_utf8(b.clone()).unwrap())
            .filter(|b| b.starts_with(&format!("t{t}-")))
            .collect();
        let expected: Vec<String> = (0..EACH).map(|i| format!("t{t}-{i:04}")).collect();
        assert_eq!(mine, expected);
    }
}
