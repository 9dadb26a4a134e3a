//! One regression test per fault found by testing the engine as a hostile
//! user would (names that collide, damaged or missing metadata, forged
//! lengths, absurd timeouts, a full disk, crash leftovers). Each test builds
//! the state on disk directly and shows the engine handles it.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fs;
use std::path::Path;
use std::time::Duration;

use common::{
    body, crc32, data_path, dict_path, drain_bodies, drain_skipping, encode_record, info_pop_path, info_push_path,
    isolated, limit_file_size, part_dir, restore_file_size, session, sessions, temp_base, write_info_queue,
    write_torn_tail,
};
use vqueue_core::*;

const Q: &str = "q";

// ------------------------------------------------ largest allocation seen

/// Counts the largest single allocation made by the current thread while a
/// measurement is running, so a test can show that a forged length does not
/// turn into a huge buffer.
struct Measuring;

thread_local! {
    static LARGEST: Cell<Option<usize>> = const { Cell::new(None) };
}

unsafe impl GlobalAlloc for Measuring {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|l| {
        if let Some(max) = l.get() {
            l.set(Some(max.max(size)));
        }
    });
}

#[global_allocator]
static ALLOC: Measuring = Measuring;

/// Runs `f` and returns its result with the largest allocation it made.
fn largest_allocation<R>(f: impl FnOnce() -> R) -> (R, usize) {
    LARGEST.with(|l| l.set(Some(0)));
    let r = f();
    let max = LARGEST.with(|l| l.replace(None)).unwrap_or(0);
    (r, max)
}

// ------------------------------------------------------ shared test code

fn info_push_line(q: &str, edge: u64, count: u32, v3: bool) -> String {
    let p = format!("{}{q};{edge};{count};", if v3 { "v3;" } else { "" });
    format!("{p}{}\n", crc32(&[p.as_bytes()]))
}

/// A single-part queue whose part holds exactly `data`, published whole.
fn forged_part(base: &Path, data: &[u8], count: u32, v3: bool) {
    fs::create_dir_all(part_dir(base, Q, 0)).unwrap();
    fs::write(data_path(base, Q, 0), data).unwrap();
    fs::write(
        info_push_path(base, Q, 0),
        info_push_line(Q, data.len() as u64, count, v3),
    )
    .unwrap();
    write_info_queue(base, Q, 0);
}

// ------------------- fault: forged lengths allocate what they claim (5)

/// A zstd frame that does not declare its content size, so only the record's
/// length prefix claims how large the body is.
fn frame_without_content_size(body: &[u8]) -> Vec<u8> {
    let mut c = zstd::bulk::Compressor::new(3).unwrap();
    c.set_parameter(zstd::zstd_safe::CParameter::ContentSizeFlag(false))
        .unwrap();
    let frame = c.compress(body).unwrap();
    assert!(matches!(zstd::zstd_safe::get_frame_content_size(&frame), Ok(None)));
    frame
}

/// A v3 record of a few dozen bytes: header, a length prefix claiming 2 GiB
/// and a small valid frame.
fn forged_v3_record() -> Vec<u8> {
    // The longest body the format admits: 2 GiB - 1.
    let mut stored = (u32::MAX / 2).to_le_bytes().to_vec();
    stored.extend(frame_without_content_size(&[b'x'; 200]));
    // 0x80: the compressed flag on the type byte.
    let r = encode_record(0, 1, b'S' | 0x80, &stored, true);
    assert!(r.len() <= 100, "forged record is {} bytes", r.len());
    r
}

const BOUND: usize = 16 << 20;

#[test]
fn a_forged_compressed_length_is_refused_before_allocating_it() {
    let dir = temp_base();
    let base = dir.path();
    forged_part(base, &forged_v3_record(), 1, true);
    // Any dictionary will do: the frame references none.
    fs::write(dict_path(base, Q, 0), b"raw content dictionary of a forged part").unwrap();

    let (popped, largest) = largest_allocation(|| {
        let mut c = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
        c.pop()
    });
    let err = popped.expect_err("the forged record must be refused");
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    assert!(largest < BOUND, "reading a tiny record allocated {largest} bytes");

    let (report, largest) = largest_allocation(|| verify(base, Q).unwrap());
    assert!(!report.is_ok());
    assert!(largest < BOUND, "verifying a tiny record allocated {largest} bytes");
}

#[test]
fn a_forged_body_length_past_the_file_is_refused_before_allocating_it() {
    let dir = temp_base();
    let base = dir.path();
    // An uncompressed record whose header claims 1 GiB of body in a file of
    // 60 bytes, with an info_push that promises all of it.
    let mut r = encode_record(0, 1, b'S', b"0123456789012345678901234567890123", false);
    r[8..12].copy_from_slice(&(1u32 << 30).to_le_bytes());
    let crc = crc32(&[&r[..21], &[0; 4], &r[25..]]);
    r[21..25].copy_from_slice(&crc.to_le_bytes());
    forged_part(base, &r, 1, false);
    fs::write(info_push_path(base, Q, 0), info_push_line(Q, 25 + (1 << 30), 1, false)).unwrap();

    let (popped, largest) = largest_allocation(|| {
        let mut c = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
        c.pop()
    });
    let err = popped.expect_err("a record past the end of its file must be refused");
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    assert!(largest < BOUND, "reading a 60-byte part allocated {largest} bytes");
}

// ------------------------------------- fault: huge wait timeouts panic (6)

#[test]
fn wait_treats_a_timeout_too_large_to_count_as_forever() {
    let dir = temp_base();
    let base = dir.path();
    let q = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    let mut c = Consumer::open(base, "c", Q).unwrap();
    q.push(b"ready", MsgType::String).unwrap();
    assert!(c.wait(Duration::MAX).unwrap());
    assert_eq!(c.pop().unwrap().unwrap().body, b"ready");

    // Drained: a huge timeout waits until a record arrives.
    let pusher = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        q.push(b"late", MsgType::String).unwrap();
        q
    });
    assert!(c.wait(Duration::from_secs_f64(1e19)).unwrap());
    assert_eq!(c.pop().unwrap().unwrap().body, b"late");
    pusher.join().unwrap();
}

// ------------------------------- fault: two names write one file (1)

/// The reported pair: consumer `b_info_queue` of queue `a` and the queue
/// `a_info_pop_b` both own `a_info_pop_b_info_queue`.
#[test]
fn names_whose_files_collide_are_refused_at_every_entry_point() {
    let dir = temp_base();
    let base = dir.path();
    session(base, "a", &[b"one".to_vec()]);
    let mut c = Consumer::open(base, "c", "a").unwrap();
    c.pop().unwrap().unwrap();
    c.commit().unwrap();
    c.close().unwrap();
    let before = common::snapshot(base, true);

    let refused = |what: &str, r: Result<()>| match r {
        Err(Error::InvalidName { .. }) => {}
        other => panic!("{what}: expected InvalidName, got {other:?}"),
    };
    let q2 = "a_info_pop_b";
    refused("writer", Queue::open(base, q2, Mode::ReadWrite).map(drop));
    refused("reader", Queue::open(base, q2, Mode::Read).map(drop));
    refused("consumer of it", Consumer::open(base, "c", q2).map(drop));
    refused(
        "reader of it",
        Consumer::open_reader(base, q2, Start::FirstPart).map(drop),
    );
    refused("inspect", inspect(base, q2).map(drop));
    refused("verify", verify(base, q2).map(drop));
    refused("repair", repair(base, q2).map(drop));
    refused("cleanup", cleanup(base, q2, true).map(drop));
    for consumer in ["b_info_queue", "x_info_pop_y", "info_pop_b", "info_queue", "b.lock"] {
        refused(consumer, Consumer::open(base, consumer, "a").map(drop));
        refused(
            consumer,
            Consumer::open_with_mode(base, consumer, "a", Mode::Read).map(drop),
        );
        refused(
            consumer,
            Consumer::open_reader(base, "a", Start::Consumer(consumer.into())).map(drop),
        );
    }
    assert_eq!(
        common::snapshot(base, true),
        before,
        "a refused name touched the directory"
    );

    // Files another program left for such a queue are not queue `a`'s.
    fs::create_dir(base.join("a_info_pop_b-0")).unwrap();
    fs::write(base.join("a_info_pop_b-0").join("a_info_pop_b_queue"), b"").unwrap();
    let p = "a_info_pop_b;0;";
    fs::write(
        base.join("a_info_pop_b_info_queue"),
        format!("{p}{}\n", crc32(&[p.as_bytes()])),
    )
    .unwrap();
    fs::write(base.join("a_info_pop_b_queue.lock"), b"").unwrap();
    let info = inspect(base, "a").unwrap();
    assert_eq!(
        info.consumers.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["c"]
    );
    let report = verify(base, "a").unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    cleanup(base, "a", false).expect("cleanup of `a` beside the foreign files");
    repair(base, "a").expect("repair of `a` beside the foreign files");
}

/// Every file of every accepted (queue, consumer) pair built from pieces of
/// the file name patterns has exactly one owner.
#[test]
fn the_mapping_from_names_to_files_is_injective() {
    let pieces = [
        "a",
        "_",
        "-",
        "0",
        ".lock",
        "_info_pop",
        "_info_pop_",
        "_info_queue",
        "_queue.lock",
        "info_pop_",
        "info_queue",
    ];
    let join = |n: usize| {
        let mut names = vec![String::new()];
        for _ in 0..n {
            let longer: Vec<String> = names
                .iter()
                .flat_map(|n| pieces.iter().map(move |p| format!("{n}{p}")))
                .collect();
            names.extend(longer);
        }
        names.sort();
        names.dedup();
        names.retain(|n| validate_name(n).is_ok());
        names
    };
    // Queue names of up to three pieces, consumer names of up to two: enough
    // for every collision of one queue's files with another's.
    let (names, consumers) = (join(3), join(2));
    let queues: Vec<&String> = names.iter().filter(|q| validate_queue_name(q).is_ok()).collect();
    assert!(queues.len() > 100 && queues.len() < names.len());
    let mut owner: std::collections::HashMap<String, String> = Default::default();
    let mut claim = |file: String, who: String| {
        if let Some(prev) = owner.insert(file.clone(), who.clone()) {
            panic!("{file} belongs to {prev} and to {who}");
        }
    };
    for q in &queues {
        claim(format!("{q}_info_queue"), format!("queue {q}"));
        claim(format!("{q}_queue.lock"), format!("queue {q} lock"));
        for n in 0..12 {
            claim(format!("{q}-{n}"), format!("queue {q} part {n}"));
        }
        for c in &consumers {
            if validate_pair(q, c).is_ok() {
                claim(format!("{q}_info_pop_{c}"), format!("consumer {c} of {q}"));
                claim(format!("{q}_info_pop_{c}.lock"), format!("consumer {c} of {q} lock"));
            }
        }
    }
}

// --------------------- fault: an empty or missing info_push skips (2)

/// Parts 0..3 of ten records each; the writer has moved on to part 3.
fn three_parts(base: &Path) -> Vec<Vec<u8>> {
    let parts = sessions(base, Q, 0..3, 10, 40);
    Queue::open(base, Q, Mode::ReadWrite).unwrap().close().unwrap();
    parts.concat()
}

#[test]
fn a_part_with_records_but_no_info_push_is_never_skipped_silently() {
    for damage in ["missing", "empty"] {
        let dir = temp_base();
        let base = dir.path();
        let all = three_parts(base);
        match damage {
            "missing" => fs::remove_file(info_push_path(base, Q, 1)).unwrap(),
            _ => fs::write(info_push_path(base, Q, 1), b"").unwrap(),
        }
        let report = verify(base, Q).unwrap();
        assert!(
            report.problems.iter().any(|p| p.file == info_push_path(base, Q, 1)),
            "{damage}: verify does not report the part: {:?}",
            report.problems
        );
        let mut c = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
        let (got, lost, errors) = drain_skipping(&mut c, false);
        assert_eq!(errors.len(), 1, "{damage}: {errors:?}");
        assert!(errors[0].to_string().contains("q-1"), "{damage}: {}", errors[0]);
        assert_eq!(lost, 0, "{damage}");
        assert_eq!(got, all, "{damage}: records of the part were skipped");

        repair(base, Q).unwrap();
        assert!(verify(base, Q).unwrap().is_ok());
        let mut c = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
        assert_eq!(drain_bodies(&mut c), all, "{damage}: after repair");
    }
}

#[test]
fn the_writer_rebuilds_a_missing_info_push_of_its_last_part() {
    let dir = temp_base();
    let base = dir.path();
    let bodies: Vec<Vec<u8>> = (0..55).map(|i| body(i, 30)).collect();
    session(base, Q, &bodies);
    fs::remove_file(info_push_path(base, Q, 0)).unwrap();
    let mut w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    w.push(b"after", MsgType::String).unwrap();
    w.close().unwrap();
    let mut c = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
    let got = drain_bodies(&mut c);
    assert_eq!(got.len(), 56, "a consumer got {} of 56 messages", got.len());
    assert_eq!(&got[..55], &bodies[..]);
    assert!(verify(base, Q).unwrap().is_ok());
}

// ---------------------- fault: a damaged info_push stops a consumer (3)

fn damage_info_push(base: &Path, part: u32, how: &str) {
    let path = info_push_path(base, Q, part);
    let mut line = fs::read(&path).unwrap();
    match how {
        "crc" => {
            // The CRC's last digit, one up.
            let nl = line.iter().position(|&b| b == b'\n').unwrap();
            line[nl - 1] = b'0' + (line[nl - 1] - b'0' + 1) % 10;
        }
        _ => line[..4].copy_from_slice(b"%%%%"),
    }
    fs::write(&path, line).unwrap();
}

#[test]
fn skip_corrupt_passes_a_damaged_info_push_of_a_middle_part() {
    for how in ["crc", "garbage"] {
        let dir = temp_base();
        let base = dir.path();
        let all = three_parts(base);
        damage_info_push(base, 1, how);
        let mut c = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
        let (got, _, errors) = drain_skipping(&mut c, false);
        assert!(!errors.is_empty(), "{how}: the damage went unreported");
        assert_eq!(&got[..10], &all[..10], "{how}");
        assert_eq!(
            &got[got.len() - 10..],
            &all[20..],
            "{how}: the consumer did not get past part 1"
        );
        assert_eq!(got, all, "{how}: the intact records of part 1 were not read");
    }
}

#[test]
fn a_damaged_info_push_of_the_last_part_does_not_stop_a_consumer_opening() {
    for how in ["crc", "garbage"] {
        let dir = temp_base();
        let base = dir.path();
        let bodies: Vec<Vec<u8>> = (0..20).map(|i| body(i, 40)).collect();
        session(base, Q, &bodies);
        damage_info_push(base, 0, how);
        let mut reader = Consumer::open_reader(base, Q, Start::FirstPart).expect("open a reader");
        let (got, _, errors) = drain_skipping(&mut reader, false);
        assert_eq!(errors.len(), 1, "{how}: {errors:?}");
        assert_eq!(got, bodies, "{how}");
        let mut c = Consumer::open(base, "c", Q).expect("open a consumer");
        let (got, _, _) = drain_skipping(&mut c, true);
        assert_eq!(got, bodies, "{how}");
    }
}

// ---------------- fault: repair publishes pushes that never returned (4)

#[test]
fn repair_never_changes_what_a_consumer_that_passed_a_part_read() {
    let dir = temp_base();
    let base = dir.path();
    let first: Vec<Vec<u8>> = (0..5).map(|i| body(i, 30)).collect();
    session(base, Q, &first);
    // A push that never returned: its record is whole but not published.
    write_torn_tail(base, Q, 0, 7, 30, true);
    let later: Vec<Vec<u8>> = (5..10).map(|i| body(i, 30)).collect();
    session(base, Q, &later);
    let expected: Vec<Vec<u8>> = first.iter().chain(&later).cloned().collect();

    let mut passed = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
    assert_eq!(drain_bodies(&mut passed), expected);
    let report = repair(base, Q).unwrap();
    let mut fresh = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
    assert_eq!(
        drain_bodies(&mut fresh),
        expected,
        "repair changed the readable history: {:?}",
        report.actions
    );
}

// -------------------- fault: disk full while creating a consumer (7)

#[test]
fn a_consumer_whose_creation_ran_out_of_space_opens_later() {
    isolated("a_consumer_whose_creation_ran_out_of_space_opens_later", || {
        let dir = temp_base();
        let base = dir.path();
        let bodies: Vec<Vec<u8>> = (0..5).map(|i| body(i, 30)).collect();
        session(base, Q, &bodies);
        Queue::open(base, Q, Mode::ReadWrite).unwrap().close().unwrap();
        let old = limit_file_size(0);
        let err = Consumer::open(base, "c", Q)
            .map(drop)
            .expect_err("nothing can be written");
        restore_file_size(old);
        assert_eq!(err.kind(), ErrorKind::Io, "{err}");
        let left = fs::read(info_pop_path(base, Q, "c")).ok();
        assert!(left.is_none(), "a failed creation left a position file: {left:?}");
        let mut c = Consumer::open(base, "c", Q).expect("the consumer opens once space is back");
        assert!(c.pop().unwrap().is_none());
        c.commit().unwrap();
        c.close().unwrap();
        cleanup(base, Q, false).unwrap();
    });
}

#[test]
fn an_empty_position_file_left_by_an_older_version_opens_as_a_new_consumer() {
    let dir = temp_base();
    let base = dir.path();
    session(base, Q, &[b"old".to_vec()]);
    fs::write(info_pop_path(base, Q, "c"), b"").unwrap();
    let w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    w.push(b"new", MsgType::String).unwrap();
    let mut c = Consumer::open(base, "c", Q).expect("open");
    assert_eq!(c.pop().unwrap().unwrap().body, b"new");
}

#[test]
fn one_unreadable_consumer_file_does_not_stop_cleanup() {
    let dir = temp_base();
    let base = dir.path();
    let all = three_parts(base);
    // A readable consumer that has read everything...
    let mut c = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
    assert_eq!(drain_bodies(&mut c), all);
    let mut done = Consumer::open(base, "done", Q).unwrap();
    assert!(done.pop().unwrap().is_none());
    done.commit().unwrap();
    done.close().unwrap();
    // ...and one whose position file is garbage, with no backup.
    fs::write(info_pop_path(base, Q, "broken"), b"\x00garbage\n").unwrap();
    let report = cleanup(base, Q, false).expect("cleanup with one unreadable consumer");
    assert_eq!(report.removed, [0, 1, 2]);
    assert!(
        report.notes.iter().any(|n| n.contains("broken")),
        "cleanup does not say why it ignored the unreadable consumer: {:?}",
        report.notes
    );
}

// -------------- fault: a push after disk full needs a whole step (8)

#[test]
fn after_disk_full_a_push_needs_only_the_room_of_its_record() {
    isolated("after_disk_full_a_push_needs_only_the_room_of_its_record", || {
        let dir = temp_base();
        let base = dir.path();
        let mut w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
        // Grow the part until its reservation step is several MiB.
        let big = body(0, 64 << 10);
        while fs::metadata(data_path(base, Q, 0)).unwrap().len() < (4 << 20) {
            w.push(&big, MsgType::String).unwrap();
        }
        // ...and the data until the reservation is nearly used up.
        let reserved = fs::metadata(data_path(base, Q, 0)).unwrap().len();
        while w.right_edge() + (128 << 10) < reserved {
            w.push(&big, MsgType::String).unwrap();
        }
        assert_eq!(fs::metadata(data_path(base, Q, 0)).unwrap().len(), reserved);
        let old = limit_file_size(reserved + (1536 << 10));
        let small: Vec<Vec<u8>> = (0..1200).map(|i| body(i, 1000)).collect();
        let mut result = Ok(0);
        for (i, b) in small.iter().enumerate() {
            result = w
                .push(b, MsgType::String)
                .map_err(|e| format!("push {i} of 1000 bytes: {e}"));
            if result.is_err() {
                break;
            }
        }
        restore_file_size(old);
        result.expect("1.5 MiB free holds 1.2 MB of small pushes");
        w.close().unwrap();
    });
}

// ------------------------ fault: verify calls crash leftovers problems (9)

#[test]
fn verify_lists_crash_leftovers_apart_from_problems() {
    let dir = temp_base();
    let base = dir.path();
    let bodies: Vec<Vec<u8>> = (0..5).map(|i| body(i, 30)).collect();
    session(base, Q, &bodies);
    // A writer killed while starting part 1: the directory and an empty data
    // file exist, the info_push does not, info_queue still names part 0; and
    // a dictionary being persisted when a writer died.
    fs::create_dir(part_dir(base, Q, 1)).unwrap();
    fs::write(data_path(base, Q, 1), b"").unwrap();
    let stray = part_dir(base, Q, 0).join("q_dict.tmp.4194301");
    fs::write(&stray, b"half a dictionary").unwrap();

    let report = verify(base, Q).unwrap();
    assert!(
        report.problems.is_empty(),
        "crash leftovers reported as problems: {:?}",
        report.problems
    );
    assert!(report.is_ok());
    let listed: Vec<String> = report.leftovers.iter().map(|p| p.to_string()).collect();
    assert!(listed.iter().any(|l| l.contains("q_dict.tmp.4194301")), "{listed:?}");
    assert!(listed.iter().any(|l| l.contains("q-1")), "{listed:?}");
    let mut c = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
    assert_eq!(drain_bodies(&mut c), bodies);

    repair(base, Q).unwrap();
    assert!(!stray.exists(), "repair left the stray dictionary");
    let report = verify(base, Q).unwrap();
    assert!(report.is_ok() && report.leftovers.is_empty(), "{report:?}");
}

// ------- fault: a saved position past the data, decided per mode (11)

#[test]
fn a_position_past_the_data_gets_the_same_decision_in_every_mode() {
    let dir = temp_base();
    let base = dir.path();
    let parts = sessions(base, Q, 0..2, 4, 30);
    let (edge0, _, _) = common::published(base, Q, 0);
    let line = format!("{Q};c;{};4;0\n", edge0 + 1000);
    fs::write(info_pop_path(base, Q, "c"), line).unwrap();
    type Open = fn(&Path) -> Result<Consumer>;
    let opens: [(&str, Open); 3] = [
        ("read-write", |b| Consumer::open(b, "c", Q)),
        ("read-only consumer", |b| {
            Consumer::open_with_mode(b, "c", Q, Mode::Read)
        }),
        ("reader", |b| Consumer::open_reader(b, Q, Start::Consumer("c".into()))),
    ];
    for (mode, open) in opens {
        let mut c = open(base).unwrap_or_else(|e| panic!("{mode}: cannot open: {e}"));
        let err = c.pop().expect_err(mode);
        assert_eq!(err.kind(), ErrorKind::Corrupt, "{mode}: {err}");
        assert!(err.to_string().contains("q_info_pop_c"), "{mode}: {err}");
        c.skip_corrupt().unwrap();
        assert_eq!(drain_bodies(&mut c), parts[1], "{mode}");
    }
}
