//! The hot path's heap allocations, counted by this test program's global
//! allocator: none per push, at most one (the returned body) per pop.

#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::allocs;
use vqueue_core::{Consumer, Mode, MsgType, Queue};

/// Allocations made by this thread while `f` runs.
fn count(f: impl FnOnce()) -> u64 {
    let before = allocs();
    f();
    allocs() - before
}

#[test]
fn push_allocates_nothing_and_pop_only_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let q = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
    let bodies: Vec<Vec<u8>> = (0..1000).map(|i| format!("{i:0100}").into_bytes()).collect();
    // Past a few growths of the reserved space and a release of written
    // pages, so those paths are inside the counted window too.
    const N: usize = 120_000;
    for b in bodies.iter().take(1000) {
        q.push(b, MsgType::String).unwrap();
    }
    let pushes = count(|| {
        for i in 0..N {
            q.push(&bodies[i % bodies.len()], MsgType::String).unwrap();
        }
    });
    assert_eq!(pushes, 0, "allocations in {N} pushes");
    // The first batch sizes the buffer batches are staged in.
    q.push_batch(&bodies, MsgType::Object).unwrap();
    let batches = count(|| {
        for _ in 0..10 {
            q.push_batch(&bodies, MsgType::Object).unwrap();
        }
    });
    assert_eq!(batches, 0, "allocations in 10 push_batch calls");
    // A single record of a page or more is written from the caller's buffer.
    let large: Vec<Vec<u8>> = (0..8u8).map(|i| vec![i; 4096]).collect();
    let large_pushes = count(|| {
        for b in &large {
            q.push(b, MsgType::Object).unwrap();
        }
    });
    assert_eq!(large_pushes, 0, "allocations in {} pushes of 4 KiB", large.len());

    let mut c = Consumer::open(dir.path(), "c", "q").unwrap();
    for _ in 0..2000 {
        assert!(c.pop_header().unwrap());
        c.pop_body().unwrap().unwrap();
        c.commit().unwrap();
    }
    let mut popped = 0;
    let pops = count(|| {
        for i in 0..N {
            assert!(c.pop_header().unwrap());
            let body = c.pop_body().unwrap().unwrap();
            assert_eq!(body, bodies[i % bodies.len()]);
            c.commit().unwrap();
            popped += 1;
        }
    });
    assert_eq!(popped, N);
    assert!(
        pops <= N as u64,
        "{pops} allocations in {N} pops (at most one each: the body)"
    );
    let lent = count(|| {
        for _ in 0..1000 {
            assert!(c.pop_header().unwrap());
            c.pop_body_with(|b| b.len()).unwrap().unwrap();
            c.commit().unwrap();
        }
    });
    assert_eq!(lent, 0, "allocations in 1000 pops lending the body");
}
