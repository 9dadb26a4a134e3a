//! The API's documented semantics, scenario by scenario.

use std::time::Duration;

use vqueue_core::{Consumer, Durability, Error, Format, Mode, MsgType, Queue, Start, WriterOptions};

fn drain(c: &mut Consumer) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while c.pop_header().unwrap() {
        out.push(c.pop_body().unwrap().expect("a popped header has a body"));
        c.commit().unwrap();
    }
    out
}

fn bodies(range: std::ops::Range<u32>) -> Vec<Vec<u8>> {
    range.map(|i| format!("message {i}").into_bytes()).collect()
}

#[test]
fn one_producer_one_consumer_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let q = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
    let mut c = Consumer::open(dir.path(), "c", "q").unwrap();
    for b in bodies(0..100) {
        q.push(&b, MsgType::String).unwrap();
    }
    assert_eq!(q.count_pushed(), 100);
    assert_eq!(c.get_batch_size().unwrap(), 100);
    assert_eq!(drain(&mut c), bodies(0..100));
    assert_eq!(c.count_popped(), 100);
    assert_eq!(c.get_batch_size().unwrap(), 0);
}

#[test]
fn push_returns_right_edge() {
    let dir = tempfile::tempdir().unwrap();
    let q = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
    assert_eq!(q.push(b"abc", MsgType::String).unwrap(), 28);
    assert_eq!(q.push(b"", MsgType::Object).unwrap(), 53);
    assert_eq!(q.right_edge(), 53);
}

#[test]
fn every_consumer_gets_every_message() {
    let dir = tempfile::tempdir().unwrap();
    let q = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
    let mut cs: Vec<_> = (0..3)
        .map(|i| Consumer::open(dir.path(), &format!("c{i}"), "q").unwrap())
        .collect();
    q.push_batch(&bodies(0..10), MsgType::String).unwrap();
    for c in &mut cs {
        assert_eq!(drain(c), bodies(0..10));
    }
}

#[test]
fn second_writer_starts_a_part_old_consumer_crosses_new_consumer_starts_there() {
    let dir = tempfile::tempdir().unwrap();
    let q1 = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
    let mut old = Consumer::open(dir.path(), "old", "q").unwrap();
    q1.push(b"m1", MsgType::String).unwrap();
    q1.push(b"m2", MsgType::String).unwrap();
    let q2 = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
    assert!(!q1.is_ready());
    assert!(matches!(q1.push(b"lost?", MsgType::String), Err(Error::Closed(_))));
    assert_eq!(q2.part_id(), 1);
    q2.push(b"m3", MsgType::String).unwrap();
    q2.push(b"m4", MsgType::String).unwrap();
    let mut new = Consumer::open(dir.path(), "new", "q").unwrap();
    assert_eq!(
        drain(&mut old),
        vec![b"m1".to_vec(), b"m2".to_vec(), b"m3".to_vec(), b"m4".to_vec()]
    );
    assert_eq!(drain(&mut new), vec![b"m3".to_vec(), b"m4".to_vec()]);
}

#[test]
fn writer_reuses_an_empty_part() {
    let dir = tempfile::tempdir().unwrap();
    let q = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
    assert_eq!(q.part_id(), 0);
    drop(q);
    let q = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
    assert_eq!(q.part_id(), 0);
}

#[test]
fn uncommitted_messages_are_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let q = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
    let mut c = Consumer::open(dir.path(), "c", "q").unwrap();
    q.push_batch(&bodies(0..5), MsgType::String).unwrap();
    for _ in 0..2 {
        assert!(c.pop_header().unwrap());
        c.pop_body().unwrap().unwrap();
        c.commit().unwrap();
    }
    assert!(c.pop_header().unwrap());
    c.pop_body().unwrap().unwrap();
    drop(c);
    let mut c = Consumer::open(dir.path(), "c", "q").unwrap();
    assert_eq!(drain(&mut c), bodies(2..5));
}

#[test]
fn same_named_consumer_takes_over_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let q = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
    let mut a = Consumer::open(dir.path(), "c", "q").unwrap();
    q.push_batch(&bodies(0..4), MsgType::String).unwrap();
    assert!(a.pop_header().unwrap());
    a.pop_body().unwrap();
    a.commit().unwrap();
    let mut b = Consumer::open(dir.path(), "c", "q").unwrap();
    assert!(!a.is_ready());
    assert!(matches!(a.pop_header(), Err(Error::Closed(_))));
    assert_eq!(drain(&mut b), bodies(1..4));
}

#[test]
fn read_only_consumer_crosses_parts_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let q = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
    let mut rw = Consumer::open(dir.path(), "c", "q").unwrap();
    drop(rw.pop_header());
    q.push(b"a", MsgType::String).unwrap();
    drop(q);
    let q = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
    q.push(b"b", MsgType::Object).unwrap();
    drop(rw);
    let before = std::fs::read(dir.path().join("q_info_pop_c")).unwrap();
    let mut ro = Consumer::open_with_mode(dir.path(), "c", "q", Mode::Read).unwrap();
    let got: Vec<_> = ro.by_ref().map(|m| m.unwrap()).collect();
    assert_eq!(
        got.iter().map(|m| m.body.clone()).collect::<Vec<_>>(),
        vec![b"a".to_vec(), b"b".to_vec()]
    );
    assert_eq!(got[1].msg_type, MsgType::Object);
    assert_eq!(got[1].part, 1);
    assert!(matches!(ro.commit(), Err(Error::ReadOnly(_))));
    assert_eq!(std::fs::read(dir.path().join("q_info_pop_c")).unwrap(), before);
    assert!(!dir.path().join("q_info_pop_ghost").exists());
    let mut reader = Consumer::open_reader(dir.path(), "q", Start::FirstPart).unwrap();
    assert_eq!(reader.pop_batch(10).unwrap().len(), 2);
}

#[test]
fn wait_wakes_on_push_from_another_thread() {
    let dir = tempfile::tempdir().unwrap();
    let q = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
    let mut c = Consumer::open(dir.path(), "c", "q").unwrap();
    assert!(!c.wait(Duration::from_millis(20)).unwrap());
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        q.push(b"x", MsgType::String).unwrap();
        q
    });
    let start = std::time::Instant::now();
    assert!(c.wait(Duration::from_secs(5)).unwrap());
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(c.pop_body().unwrap().unwrap(), b"x");
    drop(t.join().unwrap());
}

#[test]
fn v3_compresses_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let opts = WriterOptions {
        format: Format::V3,
        durability: Durability::None,
    };
    let mut q = Queue::open_with(dir.path(), "q", Mode::ReadWrite, opts).unwrap();
    let mut c = Consumer::open(dir.path(), "c", "q").unwrap();
    let doc = |i: usize| {
        format!("{{\"id\":{i},\"kind\":\"document\",\"title\":\"title number {i}\",\"tags\":[\"a\",\"b\"]}}")
            .into_bytes()
    };
    // Training runs in the background: push until the dictionary is on disk
    // (bounded), then enough that compressed records dominate.
    let mut all = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !dir.path().join("q-0/q_dict").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "no dictionary after {} pushes",
            all.len()
        );
        let batch: Vec<Vec<u8>> = (all.len()..all.len() + 100).map(doc).collect();
        q.push_batch(&batch, MsgType::Object).unwrap();
        all.extend(batch);
        std::thread::sleep(Duration::from_millis(1));
    }
    let rest: Vec<Vec<u8>> = (all.len()..all.len() * 3 + 1000).map(doc).collect();
    for b in &rest {
        q.push(b, MsgType::Object).unwrap();
    }
    all.extend(rest);
    q.close().unwrap();
    let raw: usize = all.iter().map(|b| b.len() + 25).sum();
    let stored = std::fs::metadata(dir.path().join("q-0/q_queue")).unwrap().len() as usize;
    assert!(stored < raw, "stored {stored} raw {raw}");
    assert_eq!(drain(&mut c), all);
    assert!(vqueue_core::verify(dir.path(), "q").unwrap().is_ok());
}

#[test]
fn verify_reports_a_missing_middle_part_and_consumers_pass_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = {
        let q = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
        q.push(b"p0", MsgType::String).unwrap();
        Consumer::open(dir.path(), "c", "q").unwrap()
    };
    for body in [b"p1", b"p2"] {
        let q = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
        q.push(body, MsgType::String).unwrap();
    }
    std::fs::remove_dir_all(dir.path().join("q-1")).unwrap();
    let report = vqueue_core::verify(dir.path(), "q").unwrap();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert_eq!(report.problems[0].part, Some(1));
    assert!(
        report.problems[0].detail.contains("part 1 is missing"),
        "{}",
        report.problems[0].detail
    );
    assert_eq!(drain(&mut c), vec![b"p0".to_vec(), b"p2".to_vec()]);
}

#[test]
fn consumer_names_that_would_be_other_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path();
    Queue::open(b, "a", Mode::ReadWrite)
        .unwrap()
        .push(b"1", MsgType::String)
        .unwrap();
    for name in ["x.lock", "info_queue", "info_pop_c"] {
        match Consumer::open(b, name, "a") {
            Err(Error::InvalidName { name: n, reason }) => {
                assert_eq!(n, name);
                assert!(!reason.is_empty());
            }
            other => panic!("{name}: {:?}", other.map(|_| ())),
        }
    }
    // A queue whose name extends another's `_info_pop` prefix does not show
    // up as consumers of the shorter one.
    Queue::open(b, "a_info_pop", Mode::ReadWrite)
        .unwrap()
        .push(b"2", MsgType::String)
        .unwrap();
    assert!(vqueue_core::inspect(b, "a").unwrap().consumers.is_empty());
    assert!(vqueue_core::verify(b, "a").unwrap().is_ok());
    assert_eq!(vqueue_core::cleanup(b, "a", true).unwrap().removed, Vec::<u32>::new());
}

#[test]
fn large_bodies_between_small_ones_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let q = Queue::open(dir.path(), "q", Mode::ReadWrite).unwrap();
    let mut c = Consumer::open(dir.path(), "c", "q").unwrap();
    let big: Vec<u8> = (0..3 << 20).map(|i: u32| (i % 251) as u8).collect();
    let all = vec![b"small".to_vec(), big.clone(), b"after".to_vec(), big, b"last".to_vec()];
    for b in &all {
        q.push(b, MsgType::Object).unwrap();
    }
    assert_eq!(drain(&mut c), all);
}
