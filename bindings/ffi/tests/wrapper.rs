//! The UniFFI objects used as foreign code uses them: shared between
//! threads, failing with the kind the core reports, logging and reporting
//! progress through foreign-implemented interfaces.

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use vqueue_ffi::*;

fn base() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap().to_owned();
    (dir, path)
}

fn writer(base: &str) -> Queue {
    Queue::open(base.into(), "q".into(), Mode::ReadWrite).unwrap()
}

fn body(thread: u32, i: u32) -> Vec<u8> {
    format!("t{thread}-{i}").into_bytes()
}

#[test]
fn threads_share_one_writer_and_one_consumer_without_losing_a_record() {
    let (_dir, base) = base();
    let q = Arc::new(writer(&base));
    let c = Arc::new(Consumer::open(base.clone(), "c".into(), "q".into(), Mode::ReadWrite).unwrap());
    const THREADS: u32 = 4;
    const EACH: u32 = 200;
    let start = Arc::new(Barrier::new(THREADS as usize * 2));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for t in 0..THREADS {
        let (q, start) = (q.clone(), start.clone());
        handles.push(std::thread::spawn(move || {
            start.wait();
            for i in 0..EACH {
                if i % 10 == 0 {
                    q.push_batch(vec![body(t, i), body(t, i + 1)], MsgType::Object).unwrap();
                } else if i % 10 != 1 {
                    q.push(&body(t, i), MsgType::String).unwrap();
                }
            }
        }));
    }
    for _ in 0..THREADS {
        let (c, start, seen) = (c.clone(), start.clone(), seen.clone());
        handles.push(std::thread::spawn(move || {
            start.wait();
            let mut idle = 0;
            while idle < 200 {
                let got = c.pop_batch_commit(7).unwrap();
                if got.is_empty() {
                    idle += 1;
                    std::thread::sleep(Duration::from_millis(2));
                } else {
                    idle = 0;
                    seen.lock().unwrap().extend(got.into_iter().map(|m| m.body));
                }
            }
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    // Whatever the consumers had not reached when they went idle.
    let mut seen = std::mem::take(&mut *seen.lock().unwrap());
    while let Some(m) = c.pop_commit().unwrap() {
        seen.push(m.body);
    }
    let expected: BTreeSet<Vec<u8>> = (0..THREADS).flat_map(|t| (0..EACH).map(move |i| body(t, i))).collect();
    assert_eq!(seen.len(), expected.len(), "every record read exactly once");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), expected);
    assert_eq!(q.count_pushed(), THREADS * EACH);
    assert_eq!(c.backlog().unwrap(), 0);
}

#[test]
fn each_threads_records_keep_their_order() {
    let (_dir, base) = base();
    let q = Arc::new(writer(&base));
    let hs: Vec<_> = (0..3)
        .map(|t| {
            let q = q.clone();
            std::thread::spawn(move || (0..300).for_each(|i| drop(q.push(&body(t, i), MsgType::String).unwrap())))
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
    let c = Consumer::open_reader(base, "q".into(), Start::FirstPart).unwrap();
    let mut next = [0u32; 3];
    while let Some(m) = c.pop().unwrap() {
        let text = String::from_utf8(m.body).unwrap();
        let (t, i) = text[1..].split_once('-').unwrap();
        let t: usize = t.parse().unwrap();
        assert_eq!(i.parse::<u32>().unwrap(), next[t]);
        next[t] += 1;
    }
    assert_eq!(next, [300; 3]);
}

#[test]
fn errors_arrive_with_the_cores_kind_and_fields() {
    let (_dir, base) = base();
    let e = Queue::open(base.clone(), "no/slash".into(), Mode::ReadWrite).err().unwrap();
    assert!(matches!(&e, QueueError::InvalidName { name: Some(n), .. } if n == "no/slash"), "{e:?}");

    let e = inspect(base.clone(), "absent".into()).unwrap_err();
    assert!(matches!(e, QueueError::NotFound { .. }), "{e:?}");

    let q = writer(&base);
    q.push(b"x", MsgType::String).unwrap();
    let r = Consumer::open(base.clone(), "c".into(), "q".into(), Mode::Read).unwrap();
    assert!(r.pop().unwrap().is_some());
    assert!(matches!(r.commit().unwrap_err(), QueueError::ReadOnly { .. }));

    q.close().unwrap();
    q.close().unwrap();
    assert!(matches!(q.push(b"y", MsgType::String).unwrap_err(), QueueError::Closed { .. }));
    assert!(!q.is_ready());
}

#[test]
fn damaged_part_is_corrupt_with_its_file_and_offset() {
    let (_dir, base) = base();
    let q = writer(&base);
    for i in 0..5 {
        q.push(&body(0, i), MsgType::String).unwrap();
    }
    let part = q.part_id();
    q.close().unwrap();
    let data = std::path::Path::new(&base).join(format!("q-{part}")).join("q_queue");
    let report = verify(base.clone(), "q".into(), None).unwrap();
    assert!(report.problems.is_empty());
    assert_eq!(report.records, 5);
    // Overwrite the first record's header with garbage.
    let mut bytes = std::fs::read(&data).unwrap();
    bytes[..8].copy_from_slice(b"garbage!");
    std::fs::write(&data, bytes).unwrap();
    let c = Consumer::open(base.clone(), "c".into(), "q".into(), Mode::ReadWrite).unwrap();
    let e = c.pop().unwrap_err();
    match e {
        QueueError::Corrupt { path, offset, .. } | QueueError::InvalidChecksum { path, offset, .. } => {
            assert_eq!(path.as_deref(), data.to_str());
            assert_eq!(offset, Some(0));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.skip_corrupt().unwrap(), 1);
    assert_eq!(c.pop().unwrap().unwrap().body, body(0, 1));
}

struct Recorder(Mutex<Vec<Progress>>);

impl ProgressListener for Recorder {
    fn progress(&self, p: Progress) {
        self.0.lock().unwrap().push(p);
    }
}

#[test]
fn verify_and_repair_report_progress() {
    let (_dir, base) = base();
    let q = writer(&base);
    q.push_batch((0..50).map(|i| body(1, i)).collect(), MsgType::Object).unwrap();
    q.close().unwrap();
    for run in [0, 1] {
        let rec = Arc::new(Recorder(Mutex::new(Vec::new())));
        let listener: Arc<dyn ProgressListener> = rec.clone();
        if run == 0 {
            assert_eq!(verify(base.clone(), "q".into(), Some(listener)).unwrap().records, 50);
        } else {
            assert_eq!(repair(base.clone(), "q".into(), Some(listener)).unwrap().records, 50);
        }
        let seen = rec.0.lock().unwrap();
        assert!(!seen.is_empty());
        assert!(seen.windows(2).all(|w| w[0].done_bytes <= w[1].done_bytes));
        let last = seen.last().unwrap();
        assert_eq!(last.done_bytes, last.total_bytes);
    }
    let info = inspect(base.clone(), "q".into()).unwrap();
    assert_eq!(info.parts.iter().map(|p| p.count).sum::<u32>(), 50);
    let report = cleanup(base, "q".into(), true).unwrap();
    assert_eq!(report.bytes_freed, 0);
}

struct Collect(Mutex<Vec<Warning>>);

impl Logger for Collect {
    fn warning(&self, w: Warning) {
        self.0.lock().unwrap().push(w);
    }
}

#[test]
fn the_engines_warnings_reach_the_logger() {
    let (_dir, base) = base();
    // Three writer sessions, then the middle part vanishes: a consumer
    // passes over the missing part and warns.
    let mut parts = Vec::new();
    for body in ["one", "two", "three"] {
        let q = writer(&base);
        q.push(body.as_bytes(), MsgType::String).unwrap();
        parts.push(q.part_id());
        q.close().unwrap();
    }
    std::fs::remove_dir_all(std::path::Path::new(&base).join(format!("q-{}", parts[1]))).unwrap();
    let log = Arc::new(Collect(Mutex::new(Vec::new())));
    set_logger(Some(log.clone()));
    let c = Consumer::open_reader(base, "q".into(), Start::FirstPart).unwrap();
    let mut bodies = Vec::new();
    while let Some(m) = c.pop().unwrap() {
        bodies.push(m.body);
    }
    set_logger(None);
    assert_eq!(bodies, vec![b"one".to_vec(), b"three".to_vec()]);
    let got = log.0.lock().unwrap();
    assert!(got.iter().any(|w| w.message.contains("missing")), "{got:?}");
}

#[test]
fn wait_async_completes_when_a_record_arrives_from_another_thread() {
    let (_dir, base) = base();
    let q = Arc::new(writer(&base));
    let c = Arc::new(Consumer::open(base, "c".into(), "q".into(), Mode::ReadWrite).unwrap());
    let fut = c.clone().wait_async(Duration::from_secs(30));
    let pusher = {
        let q = q.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            q.push(b"late", MsgType::String).unwrap();
        })
    };
    assert!(block_on(fut).unwrap());
    pusher.join().unwrap();
    assert_eq!(c.pop_commit().unwrap().unwrap().body, b"late");
    assert!(!block_on(c.clone().wait_async(Duration::from_millis(20))).unwrap());
}

/// A minimal executor: the foreign languages poll through their own.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park(),
        }
    }
}
