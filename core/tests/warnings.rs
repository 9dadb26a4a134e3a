//! Each warning the engine raises reaches the installed sink, with its kind,
//! a message and the file it concerns.

mod common;

use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::{data_path, info_pop_path, info_push_path, info_queue_path, make_body, part_dir, session, temp_base};
use vqueue_core::{
    inspect, set_warning_sink, Consumer, Format, Mode, MsgType, Queue, Start, Warning, WarningKind, WarningSink,
    WriterOptions,
};

#[derive(Default)]
struct Collect(Mutex<Vec<Warning>>);

impl WarningSink for Collect {
    fn warning(&self, w: &Warning) {
        self.0.lock().unwrap().push(w.clone());
    }
}

/// Runs `body` with a collecting sink; returns the warnings about files
/// under `base` (tests of one binary may share the process).
fn collect(base: &Path, body: impl FnOnce()) -> Vec<Warning> {
    // The sink is process-wide; `cargo test` runs tests on threads.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let sink = Arc::new(Collect::default());
    set_warning_sink(Some(sink.clone()));
    body();
    set_warning_sink(None);
    let all = sink.0.lock().unwrap().clone();
    let canonical = base.canonicalize().unwrap();
    all.into_iter()
        .filter(|w| {
            w.path
                .as_ref()
                .is_some_and(|p| p.starts_with(base) || p.starts_with(&canonical))
        })
        .collect()
}

fn only(warnings: &[Warning], kind: WarningKind) -> &Warning {
    let of_kind: Vec<_> = warnings.iter().filter(|w| w.kind == kind).collect();
    assert_eq!(of_kind.len(), 1, "{kind:?} in {warnings:#?}");
    of_kind[0]
}

#[test]
fn records_skipped() {
    let base = temp_base();
    session(base.path(), "q", &[b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]);
    let data = data_path(base.path(), "q", 0);
    let mut bytes = fs::read(&data).unwrap();
    bytes[25 + 3 + 25] ^= 0xff; // the first body byte of the second record
    fs::write(&data, bytes).unwrap();
    let warnings = collect(base.path(), || {
        let mut c = Consumer::open(base.path(), "c", "q").unwrap();
        assert_eq!(c.pop().unwrap().unwrap().body, b"one");
        assert!(c.pop().is_err());
        assert_eq!(c.skip_corrupt().unwrap(), 1);
    });
    let w = only(&warnings, WarningKind::RecordsSkipped);
    assert!(w.message.contains("1 record(s) lost"), "{}", w.message);
    assert!(w.path.as_ref().unwrap().ends_with("q-0/q_queue"));
}

#[test]
fn position_from_backup() {
    let base = temp_base();
    session(base.path(), "q", &[b"one".to_vec(), b"two".to_vec()]);
    let mut c = Consumer::open(base.path(), "c", "q").unwrap();
    c.pop().unwrap();
    c.commit().unwrap();
    c.close().unwrap();
    let pos = info_pop_path(base.path(), "q", "c");
    fs::write(&pos, b"torn").unwrap();
    let warnings = collect(base.path(), || {
        let mut c = Consumer::open(base.path(), "c", "q").unwrap();
        assert_eq!(c.pop().unwrap().unwrap().body, b"two");
    });
    let w = only(&warnings, WarningKind::PositionFromBackup);
    assert!(w.message.contains("backup"), "{}", w.message);
    assert!(w.path.as_ref().unwrap().ends_with("q_info_pop_c"));
}

#[test]
fn info_push_rebuilt() {
    let base = temp_base();
    session(base.path(), "q", &[b"one".to_vec(), b"two".to_vec()]);
    let info = info_push_path(base.path(), "q", 0);
    let len = fs::metadata(&info).unwrap().len() as usize;
    fs::write(&info, vec![b'x'; len]).unwrap();
    let warnings = collect(base.path(), || {
        Queue::open(base.path(), "q", Mode::ReadWrite).unwrap().close().unwrap();
    });
    let w = only(&warnings, WarningKind::InfoPushRebuilt);
    assert!(w.message.contains("rebuilt from 2 intact records"), "{}", w.message);
    assert!(w.path.as_ref().unwrap().ends_with("q-0/q_info_push"));
}

#[test]
fn current_part_derived() {
    let base = temp_base();
    session(base.path(), "q", &[b"one".to_vec()]);
    fs::write(info_queue_path(base.path(), "q"), b"garbage\n").unwrap();
    let warnings = collect(base.path(), || {
        assert_eq!(inspect(base.path(), "q").unwrap().writer_part, Some(0));
    });
    let w = only(&warnings, WarningKind::CurrentPartDerived);
    assert!(w.message.contains("deriving the current part"), "{}", w.message);
    assert!(w.path.as_ref().unwrap().ends_with("q_info_queue"));
}

#[test]
fn part_missing() {
    let base = temp_base();
    for body in [b"zero", b"one!", b"two!"] {
        session(base.path(), "q", &[body.to_vec()]);
    }
    fs::remove_dir_all(part_dir(base.path(), "q", 1)).unwrap();
    let warnings = collect(base.path(), || {
        let c = Consumer::open_reader(base.path(), "q", Start::FirstPart).unwrap();
        let bodies: Vec<Vec<u8>> = c.map(|m| m.unwrap().body).collect();
        assert_eq!(bodies, [b"zero".to_vec(), b"two!".to_vec()]);
    });
    let w = only(&warnings, WarningKind::PartMissing);
    assert!(w.message.contains("part 1 of queue q is missing"), "{}", w.message);
    assert!(w.path.as_ref().unwrap().ends_with("q-1"));
}

#[test]
fn no_sink_drops_warnings() {
    let base = temp_base();
    session(base.path(), "q", &[b"one".to_vec()]);
    fs::write(info_queue_path(base.path(), "q"), b"garbage\n").unwrap();
    let dropped = Arc::new(Collect::default());
    let seen = collect(base.path(), || {
        set_warning_sink(Some(dropped.clone()));
        set_warning_sink(None);
        inspect(base.path(), "q").unwrap();
    });
    assert!(seen.is_empty() && dropped.0.lock().unwrap().is_empty());
}

#[test]
fn dictionary_not_persisted() {
    let base = temp_base();
    let warnings = collect(base.path(), || {
        let opts = WriterOptions {
            format: Format::V3,
            ..Default::default()
        };
        let mut q = Queue::open_with(base.path(), "q", Mode::ReadWrite, opts).unwrap();
        // A directory where the dictionary file should go: the rename fails.
        fs::create_dir_all(base.path().join("q-0/q_dict/in-the-way")).unwrap();
        for i in 0..400 {
            q.push(&make_body(1000, i, true), MsgType::Object).unwrap();
        }
        // Closing waits for the training thread.
        q.close().unwrap();
    });
    let w = only(&warnings, WarningKind::DictionaryNotPersisted);
    assert!(w.message.contains("the part stays uncompressed"), "{}", w.message);
    assert!(w.path.as_ref().unwrap().ends_with("q-0/q_dict"));
    let c = Consumer::open_reader(base.path(), "q", Start::FirstPart).unwrap();
    assert_eq!(c.count(), 400, "every record reads back uncompressed");
}
