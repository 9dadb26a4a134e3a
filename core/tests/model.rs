//! State-machine test of Queue and Consumer against an in-memory model of
//! the documented semantics: parts per writer session (an empty one is
//! reused), new consumers start at the writer's current part, saved
//! positions resume and cross parts, empty parts are passed over, and a
//! consumer closed without commit re-reads from its last commit.

mod common;

use std::path::PathBuf;

use common::{temp_base, torn, write_torn_tail, BodySpec, Torn};
use proptest::prelude::*;
use proptest::test_runner::Config;
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};
use tempfile::TempDir;
use vqueue_core::{Consumer, Error, Format, Message, Mode, MsgType, Queue, Start, WriterOptions};

const Q: &str = "model";
const HEADER: u64 = 25;

/// What a consumer handle slot opens.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// `Consumer::open_with_mode` with a consumer name.
    Named(&'static str, Mode),
    /// `Consumer::open_reader` from the first part.
    First,
    /// `Consumer::open_reader` from the writer's current part.
    Current,
    /// `Consumer::open_reader` from a consumer's saved position.
    SavedOf(&'static str),
}

/// Two read-write consumers, a read-only view of `a`'s saved position, a
/// read-only consumer that never saved one, and the three reader starts.
const SLOTS: [Kind; 7] = [
    Kind::Named("a", Mode::ReadWrite),
    Kind::Named("b", Mode::ReadWrite),
    Kind::Named("a", Mode::Read),
    Kind::Named("c", Mode::Read),
    Kind::First,
    Kind::Current,
    Kind::SavedOf("b"),
];

fn read_write(slot: usize) -> Option<&'static str> {
    match SLOTS[slot] {
        Kind::Named(name, Mode::ReadWrite) => Some(name),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum WriterEnd {
    Close,
    /// Leaked without any teardown, as in a crash.
    Crash,
    /// A second writer opens while the first is alive and takes over.
    Takeover,
}

#[derive(Clone, Debug)]
enum Transition {
    Push {
        body: BodySpec,
        object: bool,
    },
    PushBatch {
        bodies: Vec<BodySpec>,
        object: bool,
    },
    /// `torn`: what the old session leaves past its right edge.
    ReopenWriter {
        end: WriterEnd,
        torn: Option<Torn>,
    },
    /// Opens the slot's consumer; a live read-write handle is taken over.
    Open {
        slot: usize,
    },
    Pop {
        slot: usize,
    },
    /// pop_header, record_len, then pop_body (or pop_body_with).
    PopParts {
        slot: usize,
        with: bool,
    },
    PopBatch {
        slot: usize,
        max: usize,
    },
    Commit {
        slot: usize,
    },
    BatchSize {
        slot: usize,
    },
    Backlog {
        slot: usize,
    },
    /// `wait` with no time to wait: reports whether a record is readable
    /// without consuming it.
    Poll {
        slot: usize,
    },
    /// Without commit; `crash` leaks the handle instead of closing it.
    Close {
        slot: usize,
        crash: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
struct Msg {
    body: Vec<u8>,
    object: bool,
    /// Where a v2 writer puts the record's header.
    v2_offset: u64,
}

/// Next record to read: index `idx` of part `part`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Pos {
    part: u32,
    idx: usize,
}

#[derive(Clone, Debug)]
struct Model {
    /// Part id = index; the last one is the writer's current part.
    parts: Vec<Vec<Msg>>,
    /// Right edge of the current part for v2 records (header + body each).
    v2_edge: u64,
    saved: std::collections::BTreeMap<&'static str, Pos>,
    handles: [Option<Pos>; SLOTS.len()],
}

impl Model {
    fn current(&self) -> u32 {
        (self.parts.len() - 1) as u32
    }

    /// Where the next readable record is, passing over finished and empty parts.
    fn next(&self, pos: Pos) -> Option<Pos> {
        let mut p = pos;
        loop {
            if p.idx < self.parts[p.part as usize].len() {
                return Some(p);
            }
            if p.part >= self.current() {
                return None;
            }
            p = Pos {
                part: p.part + 1,
                idx: 0,
            };
        }
    }

    fn remaining(&self, pos: Pos) -> u64 {
        let mut n = (self.parts[pos.part as usize].len() - pos.idx) as u64;
        for part in &self.parts[pos.part as usize + 1..] {
            n += part.len() as u64;
        }
        n
    }

    /// Unread records of the part the consumer reads from next: its current
    /// part, or once that is finished, the next part holding records.
    fn batch_size(&self, pos: Pos) -> u32 {
        match self.next(pos) {
            Some(p) => (self.parts[p.part as usize].len() - p.idx) as u32,
            None => 0,
        }
    }

    fn msg(&self, p: Pos) -> &Msg {
        &self.parts[p.part as usize][p.idx]
    }

    fn push(&mut self, body: Vec<u8>, object: bool) {
        let v2_offset = self.v2_edge;
        self.v2_edge += HEADER + body.len() as u64;
        self.parts.last_mut().unwrap().push(Msg {
            body,
            object,
            v2_offset,
        });
    }

    fn pop(&mut self, slot: usize) -> Option<Pos> {
        let at = self.next(self.handles[slot].unwrap())?;
        self.handles[slot] = Some(Pos {
            part: at.part,
            idx: at.idx + 1,
        });
        Some(at)
    }

    /// Where a slot starts when opened; None when it cannot open.
    fn start(&self, slot: usize) -> Option<Pos> {
        let current = Pos {
            part: self.current(),
            idx: 0,
        };
        match SLOTS[slot] {
            Kind::Named(name, _) => Some(*self.saved.get(name).unwrap_or(&current)),
            Kind::First => Some(Pos { part: 0, idx: 0 }),
            Kind::Current => Some(current),
            Kind::SavedOf(name) => self.saved.get(name).copied(),
        }
    }
}

struct QueueModel;

fn body_spec() -> impl Strategy<Value = BodySpec> {
    common::body_spec(prop_oneof![8 => 0usize..200, 2 => 200usize..4096, 1 => 4096usize..40_000])
}

impl ReferenceStateMachine for QueueModel {
    type State = Model;
    type Transition = Transition;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model {
            parts: vec![Vec::new()],
            v2_edge: 0,
            saved: Default::default(),
            handles: [None; SLOTS.len()],
        })
        .boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Transition> {
        let reopen = prop_oneof![
            Just(WriterEnd::Close).prop_map(|end| Transition::ReopenWriter { end, torn: None }),
            torn().prop_map(|torn| Transition::ReopenWriter {
                end: WriterEnd::Crash,
                torn
            }),
            Just(WriterEnd::Takeover).prop_map(|end| Transition::ReopenWriter { end, torn: None }),
        ];
        let writer = prop_oneof![
            6 => (body_spec(), any::<bool>()).prop_map(|(body, object)| Transition::Push { body, object }),
            1 => (prop::collection::vec(body_spec(), 0..8), any::<bool>())
                .prop_map(|(bodies, object)| Transition::PushBatch { bodies, object }),
            2 => reopen,
            2 => (0..SLOTS.len()).prop_map(|slot| Transition::Open { slot }),
        ];
        let open: Vec<usize> = (0..SLOTS.len()).filter(|&s| state.handles[s].is_some()).collect();
        if open.is_empty() {
            return writer.boxed();
        }
        let slot = proptest::sample::select(open);
        let consumer = prop_oneof![
            4 => slot.clone().prop_map(|slot| Transition::Pop { slot }),
            2 => (slot.clone(), any::<bool>()).prop_map(|(slot, with)| Transition::PopParts { slot, with }),
            2 => (slot.clone(), 1usize..6).prop_map(|(slot, max)| Transition::PopBatch { slot, max }),
            3 => slot.clone().prop_map(|slot| Transition::Commit { slot }),
            1 => slot.clone().prop_map(|slot| Transition::BatchSize { slot }),
            1 => slot.clone().prop_map(|slot| Transition::Backlog { slot }),
            1 => slot.clone().prop_map(|slot| Transition::Poll { slot }),
            1 => (slot, any::<bool>()).prop_map(|(slot, crash)| Transition::Close { slot, crash }),
        ];
        prop_oneof![writer, consumer].boxed()
    }

    fn preconditions(state: &Model, t: &Transition) -> bool {
        match t {
            Transition::Pop { slot }
            | Transition::PopParts { slot, .. }
            | Transition::PopBatch { slot, .. }
            | Transition::Commit { slot }
            | Transition::BatchSize { slot }
            | Transition::Backlog { slot }
            | Transition::Poll { slot }
            | Transition::Close { slot, .. } => state.handles[*slot].is_some(),
            _ => true,
        }
    }

    fn apply(mut state: Model, t: &Transition) -> Model {
        match t {
            Transition::Push { body, object } => state.push(body.body(), *object),
            Transition::PushBatch { bodies, object } => {
                for b in bodies {
                    state.push(b.body(), *object);
                }
            }
            Transition::ReopenWriter { .. } => {
                if !state.parts.last().unwrap().is_empty() {
                    state.parts.push(Vec::new());
                    state.v2_edge = 0;
                }
            }
            Transition::Open { slot } => {
                let pos = state.start(*slot);
                if let (Some(name), Some(pos)) = (read_write(*slot), pos) {
                    // A read-write consumer records its start when it is created.
                    state.saved.insert(name, pos);
                }
                state.handles[*slot] = pos;
            }
            Transition::Pop { slot } | Transition::PopParts { slot, .. } => {
                state.pop(*slot);
            }
            Transition::PopBatch { slot, max } => {
                for _ in 0..*max {
                    if state.pop(*slot).is_none() {
                        break;
                    }
                }
            }
            Transition::Commit { slot } => {
                if let Some(name) = read_write(*slot) {
                    state.saved.insert(name, state.handles[*slot].unwrap());
                }
            }
            Transition::BatchSize { .. } | Transition::Backlog { .. } | Transition::Poll { .. } => {}
            Transition::Close { slot, .. } => state.handles[*slot] = None,
        }
        state
    }
}

struct Sut<const V3: bool> {
    _tmp: TempDir,
    base: PathBuf,
    writer: Queue,
    handles: [Option<Consumer>; SLOTS.len()],
    /// The model before the transition being applied, to know what a pop
    /// must return.
    before: Model,
}

fn writer_options<const V3: bool>() -> WriterOptions {
    WriterOptions {
        format: if V3 { Format::V3 } else { Format::V2 },
        ..Default::default()
    }
}

fn open_writer<const V3: bool>(base: &PathBuf) -> Queue {
    Queue::open_with(base, Q, Mode::ReadWrite, writer_options::<V3>()).expect("open writer")
}

fn open_slot(base: &PathBuf, slot: usize) -> vqueue_core::Result<Consumer> {
    match SLOTS[slot] {
        Kind::Named(name, mode) => Consumer::open_with_mode(base, name, Q, mode),
        Kind::First => Consumer::open_reader(base, Q, Start::FirstPart),
        Kind::Current => Consumer::open_reader(base, Q, Start::CurrentPart),
        Kind::SavedOf(name) => Consumer::open_reader(base, Q, Start::Consumer(name.to_string())),
    }
}

fn msg_type(object: bool) -> MsgType {
    if object {
        MsgType::Object
    } else {
        MsgType::String
    }
}

fn assert_msg<const V3: bool>(got: &Message, want: &Msg, at: Pos, what: &str) {
    assert_eq!(got.part, at.part, "{what}: part of the message at {at:?}");
    assert_eq!(got.msg_type, msg_type(want.object), "{what}: type at {at:?}");
    assert_eq!(got.body.len(), want.body.len(), "{what}: length at {at:?}");
    assert!(got.body == want.body, "{what}: body differs at {at:?}");
    if !V3 {
        assert_eq!(got.offset, want.v2_offset, "{what}: offset at {at:?}");
    }
}

/// What a pop must return given the model before it.
fn expect_pop(before: &Model, slot: usize) -> Option<(Pos, &Msg)> {
    before
        .next(before.handles[slot].unwrap())
        .map(|at| (at, before.msg(at)))
}

struct QueueMachine<const V3: bool>;

impl<const V3: bool> StateMachineTest for QueueMachine<V3> {
    type SystemUnderTest = Sut<V3>;
    type Reference = QueueModel;

    fn init_test(ref_state: &Model) -> Sut<V3> {
        let tmp = temp_base();
        let base = tmp.path().to_path_buf();
        let writer = open_writer::<V3>(&base);
        Sut {
            _tmp: tmp,
            base,
            writer,
            handles: Default::default(),
            before: ref_state.clone(),
        }
    }

    fn apply(mut sut: Sut<V3>, after: &Model, t: Transition) -> Sut<V3> {
        let before = std::mem::replace(&mut sut.before, after.clone());
        match t {
            Transition::Push { body, object } => {
                let edge = sut.writer.push(&body.body(), msg_type(object)).expect("push");
                check_writer::<V3>(&sut.writer, after, edge);
            }
            Transition::PushBatch { bodies, object } => {
                let bs: Vec<Vec<u8>> = bodies.iter().map(BodySpec::body).collect();
                let edge = sut.writer.push_batch(&bs, msg_type(object)).expect("push_batch");
                check_writer::<V3>(&sut.writer, after, edge);
            }
            Transition::ReopenWriter { end, torn } => {
                match end {
                    WriterEnd::Close => {
                        sut.writer.close().expect("close writer");
                        sut.writer = open_writer::<V3>(&sut.base);
                    }
                    WriterEnd::Crash => {
                        let old = std::mem::replace(&mut sut.writer, open_writer::<V3>(&sut.base));
                        std::mem::forget(old);
                        if let Some(t) = torn {
                            write_torn_tail(&sut.base, Q, before.current(), t.seed, t.len, t.whole_record);
                        }
                    }
                    WriterEnd::Takeover => {
                        let old = std::mem::replace(&mut sut.writer, open_writer::<V3>(&sut.base));
                        assert!(!old.is_ready(), "a taken-over writer still reports ready");
                        assert!(
                            matches!(old.push(b"late", MsgType::String), Err(Error::Closed(_))),
                            "a taken-over writer accepted a push"
                        );
                        drop(old);
                    }
                }
                assert_eq!(sut.writer.part_id(), after.current(), "writer part after reopening");
                assert_eq!(
                    sut.writer.count_pushed(),
                    0,
                    "a new writer session starts with an empty part"
                );
                assert_eq!(sut.writer.right_edge(), 0, "right edge of a new session");
            }
            Transition::Open { slot } => {
                let opened = open_slot(&sut.base, slot);
                match (opened, after.handles[slot]) {
                    (Ok(c), Some(_)) => {
                        let expected_mode = match SLOTS[slot] {
                            Kind::Named(_, Mode::ReadWrite) => Mode::ReadWrite,
                            _ => Mode::Read,
                        };
                        assert_eq!(c.mode(), expected_mode);
                        if let Some(mut old) = sut.handles[slot].replace(c) {
                            if let Some(name) = read_write(slot) {
                                assert!(
                                    !old.is_ready(),
                                    "consumer {name}: a taken-over handle still reports ready"
                                );
                                assert!(
                                    matches!(old.pop(), Err(Error::Closed(_))),
                                    "consumer {name}: a taken-over handle still pops"
                                );
                            }
                        }
                    }
                    (Err(Error::NotFound(_)), None) => {
                        sut.handles[slot] = None;
                    }
                    (Err(e), _) => panic!("slot {slot} ({:?}): open failed: {e:?}", SLOTS[slot]),
                    (Ok(_), None) => panic!("slot {slot} ({:?}) opened without a saved position", SLOTS[slot]),
                }
            }
            Transition::Pop { slot } => {
                let want = expect_pop(&before, slot);
                let c = sut.handles[slot].as_mut().unwrap();
                let got = c.pop().expect("pop");
                match (got, want) {
                    (Some(m), Some((at, msg))) => {
                        assert_msg::<V3>(&m, msg, at, "pop");
                        assert_eq!(c.part_id(), at.part, "consumer part after pop");
                        if !V3 {
                            let end = msg.v2_offset + HEADER + msg.body.len() as u64;
                            assert_eq!(Consumer::position(c), end, "position after pop");
                        }
                        assert_eq!(c.count_popped() as usize, at.idx + 1, "count_popped after pop");
                    }
                    (None, None) => {}
                    (got, want) => panic!(
                        "slot {slot}: pop returned {:?}, model expects {:?}",
                        got.map(|m| (m.part, m.offset, m.body.len())),
                        want.map(|(at, m)| (at, m.body.len()))
                    ),
                }
            }
            Transition::PopParts { slot, with } => {
                let want = expect_pop(&before, slot);
                let c = sut.handles[slot].as_mut().unwrap();
                let ready = c.pop_header().expect("pop_header");
                assert_eq!(ready, want.is_some(), "slot {slot}: pop_header");
                if let Some((at, msg)) = want {
                    assert_eq!(c.record_len(), Some(msg.body.len() as u32), "record_len");
                    assert_eq!(c.msg_type(), Some(msg_type(msg.object)), "msg_type");
                    let body = if with {
                        c.pop_body_with(|b| b.to_vec()).expect("pop_body_with")
                    } else {
                        c.pop_body().expect("pop_body")
                    };
                    let body = body.expect("a body after a popped header");
                    assert!(body == msg.body, "slot {slot}: body differs at {at:?}");
                    assert_eq!(c.part_id(), at.part, "consumer part after pop_body");
                    assert_eq!(c.count_popped() as usize, at.idx + 1, "count_popped after pop_body");
                }
                assert!(
                    c.pop_body().expect("pop_body").is_none(),
                    "pop_body without a popped header"
                );
            }
            Transition::PopBatch { slot, max } => {
                let mut model = before.clone();
                let mut want = Vec::new();
                for _ in 0..max {
                    match model.pop(slot) {
                        Some(at) => want.push(at),
                        None => break,
                    }
                }
                let got = sut.handles[slot].as_mut().unwrap().pop_batch(max).expect("pop_batch");
                assert_eq!(got.len(), want.len(), "slot {slot}: pop_batch({max}) size");
                for (m, at) in got.iter().zip(&want) {
                    assert_msg::<V3>(m, before.msg(*at), *at, "pop_batch");
                }
            }
            Transition::Commit { slot } => {
                let r = sut.handles[slot].as_mut().unwrap().commit();
                match read_write(slot) {
                    Some(_) => r.expect("commit"),
                    None => assert!(
                        matches!(r, Err(Error::ReadOnly(_))),
                        "commit on a read-only consumer: {r:?}"
                    ),
                }
            }
            Transition::BatchSize { slot } => {
                // As in the reference, the count may be a snapshot taken when
                // the consumer last looked at the part, so it can lag behind
                // newer pushes; it is never zero while a record is readable and
                // never more than what is unread.
                let n = sut.handles[slot]
                    .as_mut()
                    .unwrap()
                    .get_batch_size()
                    .expect("get_batch_size");
                let unread = before.batch_size(before.handles[slot].unwrap());
                if unread == 0 {
                    assert_eq!(n, 0, "slot {slot}: get_batch_size with nothing to read");
                } else {
                    assert!(
                        (1..=unread).contains(&n),
                        "slot {slot}: get_batch_size {n}, {unread} unread in the part"
                    );
                }
            }
            Transition::Poll { slot } => {
                let ready = sut.handles[slot]
                    .as_mut()
                    .unwrap()
                    .wait(std::time::Duration::ZERO)
                    .expect("wait");
                assert_eq!(ready, expect_pop(&before, slot).is_some(), "slot {slot}: wait(0)");
            }
            Transition::Backlog { slot } => {
                let n = sut.handles[slot].as_mut().unwrap().backlog().expect("backlog");
                assert_eq!(
                    n,
                    before.remaining(before.handles[slot].unwrap()),
                    "slot {slot}: backlog"
                );
            }
            Transition::Close { slot, crash } => {
                let mut c = sut.handles[slot].take().unwrap();
                if crash {
                    std::mem::forget(c);
                } else {
                    c.close().expect("close consumer");
                }
            }
        }
        sut
    }

    fn teardown(sut: Sut<V3>) {
        let model = &sut.before;
        let mut r = Consumer::open_reader(&sut.base, Q, Start::FirstPart).expect("reader from the first part");
        let mut n = 0;
        for (part, msgs) in model.parts.iter().enumerate() {
            for (idx, want) in msgs.iter().enumerate() {
                let m = r
                    .pop()
                    .expect("pop")
                    .unwrap_or_else(|| panic!("reader misses part {part} record {idx}"));
                assert_msg::<V3>(&m, want, Pos { part: part as u32, idx }, "reader from the first part");
                n += 1;
            }
        }
        assert!(r.pop().expect("pop").is_none(), "reader sees more than was pushed");
        let report = vqueue_core::verify(&sut.base, Q).expect("verify");
        assert!(
            report.is_ok(),
            "verify: {:?}",
            report.problems.iter().map(|p| &p.detail).collect::<Vec<_>>()
        );
        assert_eq!(report.records, n);
    }
}

fn check_writer<const V3: bool>(w: &Queue, after: &Model, edge: u64) {
    assert_eq!(
        w.count_pushed() as usize,
        after.parts.last().unwrap().len(),
        "count_pushed"
    );
    assert_eq!(w.right_edge(), edge, "push returns the right edge");
    assert_eq!(w.part_id(), after.current(), "writer part");
    if !V3 {
        assert_eq!(edge, after.v2_edge, "v2 right edge is the sum of header and body sizes");
    }
}

prop_state_machine! {
    #![proptest_config(Config {
        cases: 32,
        failure_persistence: None,
        max_shrink_iters: 1024,
        ..Config::default()
    })]

    #[test]
    fn queue_and_consumers_follow_the_model_v2(sequential 1..48 => QueueMachine<false>);

    #[test]
    fn queue_and_consumers_follow_the_model_v3(sequential 1..48 => QueueMachine<true>);
}

/// `backlog` counts every unread record, including those pushed after the
/// consumer last looked at its part.
#[test]
fn backlog_counts_records_pushed_after_the_consumer_looked() {
    let tmp = temp_base();
    let w = Queue::open(tmp.path(), Q, Mode::ReadWrite).expect("writer");
    w.push(b"one", MsgType::String).expect("push");
    let mut c = Consumer::open(tmp.path(), "a", Q).expect("consumer");
    assert_eq!(c.backlog().expect("backlog"), 1);
    w.push(b"two", MsgType::String).expect("push");
    assert_eq!(c.backlog().expect("backlog"), 2, "backlog after one more push");
    assert!(c.pop().expect("pop").is_some());
    w.push(b"three", MsgType::String).expect("push");
    assert_eq!(c.backlog().expect("backlog"), 2, "backlog after a pop and a push");
}
