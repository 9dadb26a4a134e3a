//! Differential tests against the upstream `v_queue` 0.3.3 crate: queues one
//! implementation writes must read back identically with the other, in both
//! formats, across writer reopenings, crashes and consumer handovers.

mod common;

use std::fs;
use std::path::Path;

use common::{make_body, path_str, temp_base, write_torn_tail, BodySpec, Torn};
use proptest::prelude::*;
use proptest::test_runner::Config;
use v_queue as up;
use vqueue_core::{Consumer, Format, Mode, MsgType, Queue, Start, WriterOptions};

const Q: &str = "diff";
const C: &str = "c1";
const FULL: &str = "full";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Imp {
    Up,
    Core,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fmt {
    V2,
    V3,
}

/// How a reader handle ends a step: closed without commit, kept for the next
/// step, or lost as in a crash (never closed, never dropped).
#[derive(Clone, Copy, Debug, PartialEq)]
enum End {
    Close,
    Keep,
    Crash,
}

#[derive(Clone, Debug)]
enum Step {
    Push {
        body: BodySpec,
        object: bool,
    },
    PushBatch {
        bodies: Vec<BodySpec>,
        object: bool,
    },
    /// `torn`: bytes a crash mid-push leaves past the old part's right edge.
    Reopen {
        imp: Imp,
        fmt: Fmt,
        crash: bool,
        torn: Option<Torn>,
    },
    /// `n == None` reads until the reader reports nothing more;
    /// `via_header` makes a core reader use pop_header and pop_body.
    Read {
        imp: Imp,
        n: Option<usize>,
        commit: bool,
        end: End,
        via_header: bool,
    },
}

/// One pushed message as the model knows it.
#[derive(Clone, Debug)]
struct Sent {
    body: Vec<u8>,
    object: bool,
    part: u32,
}

enum Writer {
    Up(up::queue::Queue),
    Core(Queue),
}

enum Reader {
    Up(up::consumer::Consumer),
    Core(Consumer),
}

impl Reader {
    fn imp(&self) -> Imp {
        match self {
            Reader::Up(_) => Imp::Up,
            Reader::Core(_) => Imp::Core,
        }
    }
}

fn up_format(f: Fmt) -> up::record::FormatVersion {
    match f {
        Fmt::V2 => up::record::FormatVersion::V2,
        Fmt::V3 => up::record::FormatVersion::V3,
    }
}

fn core_format(f: Fmt) -> Format {
    match f {
        Fmt::V2 => Format::V2,
        Fmt::V3 => Format::V3,
    }
}

fn open_writer(base: &Path, imp: Imp, fmt: Fmt) -> Writer {
    match imp {
        Imp::Up => Writer::Up(
            up::queue::Queue::new_with_format(path_str(base), Q, up::record::Mode::ReadWrite, up_format(fmt))
                .unwrap_or_else(|e| panic!("upstream writer open: {e:?}")),
        ),
        Imp::Core => Writer::Core(
            Queue::open_with(
                base,
                Q,
                Mode::ReadWrite,
                WriterOptions {
                    format: core_format(fmt),
                    ..Default::default()
                },
            )
            .unwrap_or_else(|e| panic!("core writer open: {e:?}")),
        ),
    }
}

fn open_reader(base: &Path, imp: Imp, name: &str) -> Reader {
    match imp {
        Imp::Up => Reader::Up(
            up::consumer::Consumer::new(path_str(base), name, Q)
                .unwrap_or_else(|e| panic!("upstream consumer {name} open: {e:?}")),
        ),
        Imp::Core => {
            Reader::Core(Consumer::open(base, name, Q).unwrap_or_else(|e| panic!("core consumer {name} open: {e:?}")))
        }
    }
}

fn push(w: &mut Writer, body: &[u8], object: bool) {
    match w {
        Writer::Up(q) => {
            let t = if object {
                up::record::MsgType::Object
            } else {
                up::record::MsgType::String
            };
            q.push(body, t).unwrap_or_else(|e| panic!("upstream push: {e:?}"));
        }
        Writer::Core(q) => {
            let t = if object { MsgType::Object } else { MsgType::String };
            q.push(body, t).unwrap_or_else(|e| panic!("core push: {e:?}"));
        }
    }
}

/// Next message as (body, object, part), or None when nothing more is ready.
fn pop(r: &mut Reader) -> Option<(Vec<u8>, bool, u32)> {
    pop_via(r, false)
}

fn pop_via(r: &mut Reader, via_header: bool) -> Option<(Vec<u8>, bool, u32)> {
    match r {
        Reader::Up(c) => {
            if !c.pop_header() {
                return None;
            }
            let mut buf = vec![0u8; c.record_len()];
            let n = c
                .pop_body(&mut buf)
                .unwrap_or_else(|e| panic!("upstream pop_body: {e:?}"));
            assert_eq!(n, buf.len(), "upstream read a short body");
            Some((buf, c.header.msg_type == up::record::MsgType::Object, c.id))
        }
        Reader::Core(c) if via_header => {
            if !c.pop_header().unwrap_or_else(|e| panic!("core pop_header: {e:?}")) {
                return None;
            }
            let len = c.record_len().expect("record_len after pop_header");
            let t = c.msg_type().expect("msg_type after pop_header");
            let part = c.part_id();
            let body = c
                .pop_body()
                .unwrap_or_else(|e| panic!("core pop_body: {e:?}"))
                .expect("body");
            assert_eq!(body.len() as u32, len, "record_len is the decoded length");
            Some((body, t == MsgType::Object, part))
        }
        Reader::Core(c) => {
            let m = c.pop().unwrap_or_else(|e| panic!("core pop: {e:?}"))?;
            Some((m.body, m.msg_type == MsgType::Object, m.part))
        }
    }
}

fn commit(r: &mut Reader) {
    match r {
        Reader::Up(c) => assert!(c.commit(), "upstream commit failed"),
        Reader::Core(c) => c.commit().unwrap_or_else(|e| panic!("core commit: {e:?}")),
    }
}

/// Ends a reader handle; a crash leaks it so nothing of its teardown runs.
/// The upstream consumer holds its lock in the leaked handle and could never
/// be reopened in this process, so for it a crash is a plain drop (it has no
/// teardown that saves anything).
fn end_reader(r: Reader, crash: bool) {
    match r {
        Reader::Core(c) if crash => std::mem::forget(c),
        other => drop(other),
    }
}

fn end_writer(w: Writer, crash: bool) {
    match w {
        Writer::Core(q) if crash => std::mem::forget(q),
        other => drop(other),
    }
}

fn assert_same(got: &(Vec<u8>, bool, u32), want: &Sent, what: &str, i: usize) {
    assert_eq!(got.2, want.part, "{what}: message #{i}: part");
    assert_eq!(got.1, want.object, "{what}: message #{i}: type");
    assert_eq!(got.0.len(), want.body.len(), "{what}: message #{i}: length");
    assert!(got.0 == want.body, "{what}: message #{i}: body differs");
}

/// Reads until nothing more and compares with `want`.
fn read_rest(r: &mut Reader, want: &[Sent], what: &str) {
    for (i, w) in want.iter().enumerate() {
        let got = pop(r).unwrap_or_else(|| panic!("{what}: message #{i} of {} missing", want.len()));
        assert_same(&got, w, what, i);
    }
    assert!(pop(r).is_none(), "{what}: more messages than were pushed");
}

/// A writer session starts a new part unless the current one is empty.
fn new_session(part: &mut u32, part_len: &mut usize) {
    if *part_len > 0 {
        *part += 1;
        *part_len = 0;
    }
}

/// Runs `steps` against a fresh queue and checks every read against the
/// model; `first` is the writer the queue starts with and `full_reader` the
/// implementation that reads the untouched consumer at the end.
fn run(first: (Imp, Fmt), full_reader: Imp, steps: &[Step]) {
    let tmp = temp_base();
    let base = tmp.path();

    let mut sent: Vec<Sent> = Vec::new();
    let mut part: u32 = 0;
    let mut part_len: usize = 0;
    let mut writer = Some(open_writer(base, first.0, first.1));

    // Created before any push, so both start at part 0 and see everything.
    drop(open_reader(base, full_reader, FULL));
    drop(open_reader(base, Imp::Core, C));

    let mut cursor = 0usize;
    let mut committed = 0usize;
    let mut live: Option<Reader> = None;
    let mut leaked_core_reader = false;

    for (si, step) in steps.iter().enumerate() {
        match step {
            Step::Push { body, object } => {
                let b = body.body();
                push(writer.as_mut().unwrap(), &b, *object);
                sent.push(Sent {
                    body: b,
                    object: *object,
                    part,
                });
                part_len += 1;
            }
            Step::PushBatch { bodies, object } => {
                let bs: Vec<Vec<u8>> = bodies.iter().map(BodySpec::body).collect();
                match writer.as_mut().unwrap() {
                    Writer::Core(q) => {
                        let t = if *object { MsgType::Object } else { MsgType::String };
                        q.push_batch(&bs, t)
                            .unwrap_or_else(|e| panic!("core push_batch: {e:?}"));
                    }
                    w @ Writer::Up(_) => {
                        for b in &bs {
                            push(w, b, *object);
                        }
                    }
                }
                for b in bs {
                    sent.push(Sent {
                        body: b,
                        object: *object,
                        part,
                    });
                    part_len += 1;
                }
            }
            Step::Reopen { imp, fmt, crash, torn } => {
                let old_part = part;
                let old = writer.take().unwrap();
                let leaked_core = *crash && matches!(old, Writer::Core(_));
                end_writer(old, *crash);
                if leaked_core && *imp == Imp::Up {
                    // The leaked handle still holds the writer lock, which a
                    // real crash would release; a core takeover closes it
                    // before the upstream writer tries to lock.
                    drop(open_writer(base, Imp::Core, *fmt));
                    new_session(&mut part, &mut part_len);
                }
                writer = Some(open_writer(base, *imp, *fmt));
                new_session(&mut part, &mut part_len);
                if let Some(t) = torn {
                    write_torn_tail(base, Q, old_part, t.seed, t.len, t.whole_record);
                }
            }
            Step::Read {
                imp,
                n,
                commit: do_commit,
                end,
                via_header,
            } => {
                if live.as_ref().is_some_and(|r| r.imp() != *imp) {
                    drop(live.take());
                    cursor = committed;
                }
                if leaked_core_reader && *imp == Imp::Up && live.is_none() {
                    // As for the writer: a core takeover closes the leaked
                    // handle and its lock, as a real crash would have.
                    drop(open_reader(base, Imp::Core, C));
                }
                leaked_core_reader = false;
                let mut r = match live.take() {
                    Some(r) => r,
                    None => open_reader(base, *imp, C),
                };
                let what = format!("step {si} ({imp:?} reader)");
                let limit = n.unwrap_or(usize::MAX);
                let mut read = 0;
                while read < limit {
                    match pop_via(&mut r, *via_header) {
                        Some(got) => {
                            let want = sent
                                .get(cursor)
                                .unwrap_or_else(|| panic!("{what}: read a message beyond the {} pushed", sent.len()));
                            assert_same(&got, want, &what, cursor);
                            cursor += 1;
                            read += 1;
                        }
                        None => {
                            assert_eq!(cursor, sent.len(), "{what}: stopped before message #{cursor}");
                            break;
                        }
                    }
                }
                // The upstream consumer saves its position by itself when it
                // crosses into a new part, so only a commit makes its saved
                // position predictable.
                if *do_commit || *imp == Imp::Up {
                    commit(&mut r);
                    committed = cursor;
                }
                match end {
                    End::Keep => live = Some(r),
                    End::Close | End::Crash => {
                        leaked_core_reader = *end == End::Crash && r.imp() == Imp::Core;
                        end_reader(r, *end == End::Crash);
                        cursor = committed;
                    }
                }
            }
        }
    }

    if let Some(r) = live.take() {
        drop(r);
        cursor = committed;
    }
    let mut r = open_reader(base, Imp::Core, C);
    read_rest(&mut r, &sent[cursor..], "core consumer resuming at the end");
    drop(r);

    let mut full = open_reader(base, full_reader, FULL);
    read_rest(&mut full, &sent, "untouched consumer");
    drop(full);

    let mut reader = Reader::Core(Consumer::open_reader(base, Q, Start::FirstPart).expect("core reader"));
    read_rest(&mut reader, &sent, "core reader from the first part");

    drop(writer);
    let report = vqueue_core::verify(base, Q).expect("verify");
    assert!(
        report.is_ok(),
        "verify: {:?}",
        report
            .problems
            .iter()
            .map(|p| (&p.file, p.offset, &p.detail))
            .collect::<Vec<_>>()
    );
    assert_eq!(report.records, sent.len() as u64, "verify counted records");
}

fn body_spec() -> impl Strategy<Value = BodySpec> {
    common::body_spec(prop_oneof![
        6 => 0usize..256,
        3 => 256usize..8192,
        1 => 8192usize..=100 * 1024,
    ])
}

fn imp_of(choices: &'static [Imp]) -> impl Strategy<Value = Imp> {
    proptest::sample::select(choices)
}

fn fmt() -> impl Strategy<Value = Fmt> {
    prop_oneof![Just(Fmt::V2), Just(Fmt::V3)]
}

fn end() -> impl Strategy<Value = End> {
    prop_oneof![Just(End::Close), Just(End::Keep), Just(End::Crash)]
}

/// Torn tails only where every reader is the core: the upstream reader
/// takes bytes past the right edge of its current part for records.
fn torn(readers: &'static [Imp]) -> BoxedStrategy<Option<Torn>> {
    if readers.contains(&Imp::Up) {
        return Just(None).boxed();
    }
    common::torn().boxed()
}

fn step(writers: &'static [Imp], readers: &'static [Imp]) -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (body_spec(), any::<bool>()).prop_map(|(body, object)| Step::Push { body, object }),
        1 => (prop::collection::vec(body_spec(), 0..12), any::<bool>())
            .prop_map(|(bodies, object)| Step::PushBatch { bodies, object }),
        2 => (imp_of(writers), fmt(), any::<bool>(), torn(readers))
            .prop_map(|(imp, fmt, crash, torn)| Step::Reopen { imp, fmt, crash: crash || torn.is_some(), torn }),
        3 => (imp_of(readers), prop::option::weighted(0.8, 1usize..8), any::<bool>(), end(), any::<bool>())
            .prop_map(|(imp, n, commit, end, via_header)| Step::Read { imp, n, commit, end, via_header }),
    ]
}

fn config() -> Config {
    Config {
        cases: 24,
        failure_persistence: None,
        max_shrink_iters: 512,
        ..Config::default()
    }
}

const UP: &[Imp] = &[Imp::Up];
const CORE: &[Imp] = &[Imp::Core];
const BOTH: &[Imp] = &[Imp::Up, Imp::Core];

proptest! {
    #![proptest_config(config())]

    /// Upstream writes (v2 and v3 sessions), vqueue-core reads.
    #[test]
    fn upstream_writes_core_reads(first in fmt(), steps in prop::collection::vec(step(UP, CORE), 1..40)) {
        run((Imp::Up, first), Imp::Core, &steps);
    }

    /// vqueue-core writes (v2 and v3 sessions), upstream reads.
    #[test]
    fn core_writes_upstream_reads(first in fmt(), steps in prop::collection::vec(step(CORE, UP), 1..40)) {
        run((Imp::Core, first), Imp::Up, &steps);
    }

    /// Writers and readers alternate between the implementations: a position
    /// saved by one is resumed by the other, parts of both formats interleave.
    #[test]
    fn mixed_writers_and_readers(
        first in (imp_of(BOTH), fmt()),
        full in imp_of(BOTH),
        steps in prop::collection::vec(step(BOTH, BOTH), 1..40),
    ) {
        run(first, full, &steps);
    }
}

/// Compressible bodies with some variety, as the dictionary trainers need.
fn doc(i: u64) -> Vec<u8> {
    make_body(300 + (i * 7919 % 900) as usize, i, true)
}

fn part_files(base: &Path, part: u32) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = base.join(format!("{Q}-{part}"));
    (dir.join(format!("{Q}_queue")), dir.join(format!("{Q}_dict")))
}

#[test]
fn upstream_v3_compressed_part_decodes_in_core() {
    let tmp = temp_base();
    let base = tmp.path();
    let mut w = open_writer(base, Imp::Up, Fmt::V3);
    drop(open_reader(base, Imp::Core, C));

    let bodies: Vec<Vec<u8>> = (0..3000).map(doc).collect();
    for (i, b) in bodies.iter().enumerate() {
        push(&mut w, b, i % 3 == 0);
    }
    let (data, dict) = part_files(base, 0);
    assert!(
        dict.is_file(),
        "upstream trained no dictionary; the test data is not compressible enough"
    );
    let raw: u64 = bodies.iter().map(|b| b.len() as u64).sum();
    let stored = fs::metadata(&data).unwrap().len();
    assert!(
        stored < raw,
        "upstream did not compress: {stored} bytes stored for {raw} raw"
    );

    let sent: Vec<Sent> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| Sent {
            body,
            object: i % 3 == 0,
            part: 0,
        })
        .collect();
    let mut r = open_reader(base, Imp::Core, C);
    read_rest(&mut r, &sent, "core consumer of an upstream v3 part");
    drop(r);
    let mut r = Reader::Core(Consumer::open_reader(base, Q, Start::FirstPart).unwrap());
    read_rest(&mut r, &sent, "core reader of an upstream v3 part");
    drop(w);
}

/// Pushes compressible bodies to a core v3 writer until the part's
/// dictionary is on disk (training runs off the push path, so this is
/// bounded by time and count), then as many again so that compressed
/// records dominate. Returns the bodies pushed; object type every third.
fn fill_until_compressed(base: &Path, w: &mut Writer, part: u32, first: u64) -> Vec<Vec<u8>> {
    let (_, dict) = part_files(base, part);
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !dict.is_file() {
        assert!(
            std::time::Instant::now() < deadline && bodies.len() < 200_000,
            "core wrote no dictionary for part {part} after {} compressible pushes",
            bodies.len()
        );
        for _ in 0..200 {
            let b = doc(first + bodies.len() as u64);
            push(w, &b, bodies.len().is_multiple_of(3));
            bodies.push(b);
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    for _ in 0..bodies.len().max(2000) {
        let b = doc(first + bodies.len() as u64);
        push(w, &b, bodies.len().is_multiple_of(3));
        bodies.push(b);
    }
    bodies
}

fn assert_compressed(w: &mut Writer, bodies: &[Vec<u8>], what: &str) -> u64 {
    let raw: u64 = bodies.iter().map(|b| b.len() as u64).sum();
    let Writer::Core(q) = w else { unreachable!() };
    let edge = q.right_edge();
    assert!(
        edge < raw,
        "{what}: core did not compress: {edge} bytes stored for {raw} raw"
    );
    edge
}

fn as_sent(bodies: Vec<Vec<u8>>, part: u32) -> Vec<Sent> {
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| Sent {
            body,
            object: i % 3 == 0,
            part,
        })
        .collect()
}

#[test]
fn core_v3_compressed_part_decodes_in_upstream() {
    let tmp = temp_base();
    let base = tmp.path();
    let mut w = open_writer(base, Imp::Core, Fmt::V3);
    drop(open_reader(base, Imp::Up, C));
    let bodies = fill_until_compressed(base, &mut w, 0, 0);
    let edge = assert_compressed(&mut w, &bodies, "part 0");
    drop(w);
    let (data, _) = part_files(base, 0);
    assert_eq!(
        fs::metadata(&data).unwrap().len(),
        edge,
        "a closed part file ends at its right edge"
    );

    let mut r = open_reader(base, Imp::Up, C);
    read_rest(&mut r, &as_sent(bodies, 0), "upstream consumer of a core v3 part");
}

/// The next writer session (after a clean close or a crash) starts its part
/// with a dictionary at once; upstream must find it as that part's `_dict`.
#[test]
fn core_v3_next_part_compresses_from_its_first_record_and_decodes_in_upstream() {
    for crash in [false, true] {
        let tmp = temp_base();
        let base = tmp.path();
        let mut w = open_writer(base, Imp::Core, Fmt::V3);
        drop(open_reader(base, Imp::Up, C));
        let mut sent = as_sent(fill_until_compressed(base, &mut w, 0, 0), 0);
        end_writer(w, crash);
        let mut w = open_writer(base, Imp::Core, Fmt::V3);
        let bodies: Vec<Vec<u8>> = (0..500).map(|i| doc(1_000_000 + i)).collect();
        for (i, b) in bodies.iter().enumerate() {
            push(&mut w, b, i % 3 == 0);
        }
        let (_, dict1) = part_files(base, 1);
        assert!(dict1.is_file(), "crash={crash}: part 1 has no dictionary file");
        assert_compressed(&mut w, &bodies, &format!("crash={crash}: part 1"));
        sent.extend(as_sent(bodies, 1));
        let mut r = open_reader(base, Imp::Up, C);
        read_rest(
            &mut r,
            &sent,
            &format!("crash={crash}: upstream consumer across two core v3 parts"),
        );
        drop(r);
        let mut r = Reader::Core(Consumer::open_reader(base, Q, Start::FirstPart).unwrap());
        read_rest(
            &mut r,
            &sent,
            &format!("crash={crash}: core reader across two core v3 parts"),
        );
        drop(w);
    }
}

/// A position committed mid-part by one implementation is resumed exactly by
/// the other, in both directions and both formats.
#[test]
fn committed_position_is_resumed_by_the_other_implementation() {
    for (writer, fmt) in [
        (Imp::Up, Fmt::V2),
        (Imp::Up, Fmt::V3),
        (Imp::Core, Fmt::V2),
        (Imp::Core, Fmt::V3),
    ] {
        for (a, b) in [(Imp::Up, Imp::Core), (Imp::Core, Imp::Up)] {
            let tmp = temp_base();
            let base = tmp.path();
            let mut w = open_writer(base, writer, fmt);
            drop(open_reader(base, a, C));
            let mut sent = Vec::new();
            for i in 0..10u64 {
                let body = make_body(10 + i as usize * 13, i, i % 2 == 0);
                push(&mut w, &body, i % 2 == 1);
                sent.push(Sent {
                    body,
                    object: i % 2 == 1,
                    part: 0,
                });
            }
            let what = format!("{writer:?} {fmt:?} writer, {a:?} then {b:?} reader");
            let mut r = open_reader(base, a, C);
            for (i, want) in sent.iter().take(4).enumerate() {
                assert_same(&pop(&mut r).expect("message"), want, &what, i);
            }
            commit(&mut r);
            // Read past the commit without committing: must be read again.
            assert!(pop(&mut r).is_some());
            drop(r);
            let mut r = open_reader(base, b, C);
            read_rest(&mut r, &sent[4..], &what);
            drop(r);
            drop(w);
        }
    }
}

/// An upstream consumer that reopens at the end of a part a live core writer
/// is still appending to must find nothing more to read: the upstream reader
/// takes any 25 bytes past its position for a header, so space reserved past
/// the right edge makes it resync onto an older record and miscount.
#[test]
fn upstream_consumer_at_end_of_live_core_part_reads_nothing_more() {
    let tmp = temp_base();
    let base = tmp.path();
    let mut w = open_writer(base, Imp::Core, Fmt::V2);
    drop(open_reader(base, Imp::Up, C));
    let sent: Vec<Sent> = (0..2u64)
        .map(|i| {
            let body = make_body(i as usize * 10, i, false);
            push(&mut w, &body, false);
            Sent {
                body,
                object: false,
                part: 0,
            }
        })
        .collect();
    let mut r = open_reader(base, Imp::Up, C);
    read_rest(&mut r, &sent, "first upstream pass");
    commit(&mut r);
    drop(r);
    for pass in ["second", "third"] {
        let mut r = open_reader(base, Imp::Up, C);
        read_rest(&mut r, &[], &format!("{pass} upstream pass, reopened at the end"));
        commit(&mut r);
        drop(r);
    }
    drop(w);
}
