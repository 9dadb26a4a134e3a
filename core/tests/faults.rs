//! One regression test per known fault of the reference implementation
//! (`docs/format.md`, "Known faults"). Each test builds the situation that
//! exposes the fault — where the fault is about a crash window, the crash
//! state is written onto disk directly — and shows the engine does not have it.
//!
//! Tests that change process-wide state (a seccomp filter) run themselves in
//! a child process, so they stay isolated under `cargo test` as well as under
//! nextest.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{
    body, crc32, data_path, dict_path, drain_bodies, drain_skipping, info_pop_path, info_push_path, info_queue_path,
    isolated, json_body, parse_records, part_dir, session, sessions, snapshot, temp_base, write_info_queue,
};
use vqueue_core::*;

// ------------------------------------------------------ shared test code

const Q: &str = "q";

/// Makes every syscall that forces data to stable storage fail with EIO, for
/// all threads of this process. What still succeeds afterwards cannot have
/// claimed durability.
fn fail_all_syncs() {
    #[cfg(target_arch = "x86_64")]
    const ARCH: u32 = 0xC000_003E;
    #[cfg(target_arch = "aarch64")]
    const ARCH: u32 = 0xC000_00B7;
    let syncs: [libc::c_long; 6] = [
        libc::SYS_fsync,
        libc::SYS_fdatasync,
        libc::SYS_msync,
        libc::SYS_sync_file_range,
        libc::SYS_syncfs,
        libc::SYS_sync,
    ];
    let stmt = |code: u32, k: u32| libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    };
    let jump = |k: u32, jt: u8, jf: u8| libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
        jt,
        jf,
        k,
    };
    let ld = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
    let ret = libc::BPF_RET | libc::BPF_K;
    let mut prog = vec![
        stmt(ld, 4), // seccomp_data.arch
        jump(ARCH, 1, 0),
        stmt(ret, libc::SECCOMP_RET_ALLOW),
        stmt(ld, 0), // seccomp_data.nr
    ];
    let n = syncs.len() as u8;
    for (i, nr) in syncs.iter().enumerate() {
        // Matches jump to the ERRNO return after the ALLOW that follows the list.
        prog.push(jump(*nr as u32, n - i as u8, 0));
    }
    prog.push(stmt(ret, libc::SECCOMP_RET_ALLOW));
    prog.push(stmt(ret, libc::SECCOMP_RET_ERRNO | libc::EIO as u32));
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_mut_ptr(),
    };
    unsafe {
        assert_eq!(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0, "no_new_privs");
        let rc = libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            libc::SECCOMP_FILTER_FLAG_TSYNC,
            &fprog as *const libc::sock_fprog,
        );
        assert_eq!(rc, 0, "seccomp: {}", std::io::Error::last_os_error());
    }
    // The filter itself must work, or the test below shows nothing.
    let f = tempfile::tempfile().unwrap();
    let err = f.sync_all().expect_err("fsync must fail under the filter");
    assert_eq!(err.raw_os_error(), Some(libc::EIO));
}

/// A consumer position line `Q;c;POS;POPPED;PART` is whole and consistent:
/// in part `part0` records have the fixed size `rec`, and it never goes back.
fn check_position(line: &str, part0: u32, rec: u64, last_pos: &mut u64) -> std::result::Result<(), String> {
    let f: Vec<&str> = line.split(';').collect();
    if f.len() != 5 || f[0] != Q || f[1] != "c" {
        return Err(format!("malformed position {line:?}"));
    }
    let num = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("unparseable position {line:?}"))
    };
    let (pos, popped, part) = (num(f[2])?, num(f[3])?, num(f[4])?);
    if part == part0 as u64 {
        if pos != popped * rec {
            return Err(format!("inconsistent position {line:?}"));
        }
        if pos < *last_pos {
            return Err(format!("position went back: {line:?}"));
        }
        *last_pos = pos;
    }
    Ok(())
}

/// True when the file ends in a `~XXXXXXXX` checksum token (before the final
/// newline) that does not match its first line.
fn token_mismatch(bytes: &[u8]) -> bool {
    let len = bytes.len();
    let Some(nl) = bytes.iter().position(|&b| b == b'\n') else {
        return false;
    };
    if len < 11 || bytes[len - 10] != b'~' {
        return false;
    }
    let token = std::str::from_utf8(&bytes[len - 9..len - 1]).unwrap_or("");
    u32::from_str_radix(token, 16).ok() != Some(crc32(&[&bytes[..=nl]]))
}

/// Times this thread gave up the CPU to wait (sleep, lock, I/O).
fn voluntary_switches() -> i64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) };
    ru.ru_nvcsw as i64
}

fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

// ------------------------------------------------------------------ tests

/// Fault 1: the reference never calls fsync, so nothing it acknowledges
/// survives power loss. With `Durability::Sync` the engine must force data
/// and metadata to disk before `push` returns; with the default it must do so
/// on `sync()`. To see the calls without tracing, the test makes every sync
/// syscall fail (seccomp, EIO): a `Sync` push, a `Sync` writer starting a new
/// part, `Queue::sync` and `Consumer::sync` must then all report `Error::Io`,
/// and the failed push must not be published — an engine that never
/// syncs, or that ignores a failed sync, would report success. Pushes with
/// `Durability::None` keep working, so the error comes from the sync and not
/// from the filter breaking I/O. Before the filter, acknowledged `Sync`
/// pushes of a writer that vanishes without closing are all readable.
#[test]
fn fault_01_fsync_sync_durability_forces_data_to_disk() {
    isolated("fault_01_fsync_sync_durability_forces_data_to_disk", || {
        let dir = temp_base();
        let base = dir.path();
        let sync_opts = WriterOptions {
            format: Format::V2,
            durability: Durability::Sync,
        };

        let w = Queue::open_with(base, "durable", Mode::ReadWrite, sync_opts).unwrap();
        let acked: Vec<Vec<u8>> = (0..20).map(|i| body(i, 100)).collect();
        for b in &acked {
            w.push(b, MsgType::String).unwrap();
        }
        // A crashed process never runs Drop.
        std::mem::forget(w);
        let mut r = Consumer::open_reader(base, "durable", Start::FirstPart).unwrap();
        assert_eq!(drain_bodies(&mut r), acked);

        let synced = Queue::open_with(base, "s", Mode::ReadWrite, sync_opts).unwrap();
        synced.push(b"before", MsgType::String).unwrap();
        let lazy = Queue::open(base, "n", Mode::ReadWrite).unwrap();
        lazy.push(b"before", MsgType::String).unwrap();
        let mut consumer = Consumer::open(base, "c", "n").unwrap();
        consumer.pop().unwrap().unwrap();
        consumer.commit().unwrap();

        fail_all_syncs();

        match synced.push(b"after", MsgType::String) {
            Err(Error::Io { .. }) => {}
            other => panic!("a Sync push whose fsync failed must be Error::Io, got {other:?}"),
        }
        // Data is synced before info_push publishes it, so the refused
        // record was never published.
        let mut r = Consumer::open_reader(base, "s", Start::FirstPart).unwrap();
        assert_eq!(
            drain_bodies(&mut r),
            vec![b"before".to_vec()],
            "a push that failed to sync was published"
        );
        lazy.push(b"no sync needed", MsgType::String)
            .expect("a Durability::None push must not sync");
        match lazy.sync() {
            Err(Error::Io { .. }) => {}
            other => panic!("sync() whose fsync failed must be Error::Io, got {other:?}"),
        }
        // A consumer position can be forced to disk too.
        consumer.commit().expect("a commit itself does not sync");
        match consumer.sync() {
            Err(Error::Io { .. }) => {}
            other => panic!("Consumer::sync whose fsync failed must be Error::Io, got {other:?}"),
        }
        // A new part (directory, info_queue) must be durable before a Sync
        // push into it is acknowledged.
        let fresh =
            Queue::open_with(base, "fresh", Mode::ReadWrite, sync_opts).and_then(|q| q.push(b"x", MsgType::String));
        assert!(
            matches!(fresh, Err(Error::Io { .. })),
            "a Sync writer on a new part acknowledged without syncing: {fresh:?}"
        );
    });
}

/// Fault 2: the reference rewrites info_queue and info_pop by
/// truncate-then-write; a crash between the two leaves an empty file, and an
/// empty info_pop silently replays the queue from part 0.
/// Part one watches the files from another thread while a writer reopens
/// (rewriting info_queue) and a consumer commits thousands of times: every
/// read must see a complete, well-formed line, and the consumer position must
/// match its count (records have a fixed size) and never move backwards.
/// Part two writes the crash states directly — an empty and a half-written
/// info_pop, an empty info_queue — and shows the consumer neither restarts at
/// part 0 nor jumps past unread records: it either refuses with an error that
/// names the file or resumes exactly where it was.
#[test]
fn fault_02_metadata_rewrite_never_leaves_empty_or_torn_files() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let dir = temp_base();
    let base = dir.path().to_path_buf();
    let rec = 25 + 100u64;

    let w = Queue::open(&base, Q, Mode::ReadWrite).unwrap();
    let mut c = Consumer::open(&base, "c", Q).unwrap();
    let n = 3000;
    for i in 0..n {
        w.push(&body(i, 100), MsgType::String).unwrap();
    }
    let part0 = w.part_id();

    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let stop = stop.clone();
        let base = base.clone();
        std::thread::spawn(move || {
            let mut seen = 0u64;
            let mut last_pos = 0u64;
            let mut torn_detected = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let pop = fs::read(info_pop_path(&base, Q, "c")).unwrap();
                let text = String::from_utf8(pop.clone()).expect("info_pop is ASCII");
                let line = text.lines().next().unwrap_or("");
                assert!(!line.is_empty(), "empty info_pop seen: {text:?}");
                if let Err(why) = check_position(line, part0, rec, &mut last_pos) {
                    // A read racing an in-place update may see it half done;
                    // that is tolerable only if the checksum token in the
                    // padding exposes it, as readers rely on.
                    assert!(
                        token_mismatch(&pop),
                        "{why}, and its checksum token does not expose it: {text:?}"
                    );
                    torn_detected += 1;
                }

                let iq = fs::read(info_queue_path(&base, Q)).unwrap();
                let text = String::from_utf8(iq).expect("info_queue is ASCII");
                let line = text
                    .lines()
                    .next()
                    .unwrap_or_else(|| panic!("empty info_queue seen: {text:?}"));
                let (prefix, crc_s) = line
                    .rsplit_once(';')
                    .unwrap_or_else(|| panic!("torn info_queue: {text:?}"));
                let stored: u32 = crc_s
                    .trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("torn info_queue: {text:?}"));
                assert_eq!(
                    crc32(&[format!("{prefix};").as_bytes()]),
                    stored,
                    "torn info_queue: {text:?}"
                );
                seen += 1;
            }
            assert!(torn_detected * 10 <= seen, "{torn_detected} of {seen} looks were torn");
            seen
        })
    };

    for i in 0..n {
        let m = c.pop().unwrap().expect("record");
        assert_eq!(m.body, body(i, 100));
        c.commit().unwrap();
    }
    // Each writer session rewrites info_queue for its new part.
    drop(w);
    for s in 0..150 {
        session(&base, Q, &[body(n + s, 100)]);
    }
    stop.store(true, Ordering::Relaxed);
    let seen = watcher.join().expect("watcher saw a damaged metadata file");
    assert!(seen > 10, "the watcher barely ran ({seen} looks)");
    c.close().unwrap();

    // Crash states written directly. The consumer "k" has read all of part 0
    // and 2 records of part 1; parts 1 and 2 hold 3 records each.
    let dir = temp_base();
    let base = dir.path();
    let mut w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    let mut k = Consumer::open(base, "k", Q).unwrap();
    let mut all = Vec::new();
    for i in 0..3 {
        all.push(body(i, 100));
        w.push(&all[i], MsgType::String).unwrap();
    }
    w.close().unwrap();
    all.extend(sessions(base, Q, 1..3, 3, 100).concat());
    for expected in &all[..5] {
        assert_eq!(&k.pop().unwrap().unwrap().body, expected);
        k.commit().unwrap();
    }
    k.close().unwrap();
    let good_pop = fs::read(info_pop_path(base, Q, "k")).unwrap();
    let good_queue = fs::read(info_queue_path(base, Q)).unwrap();

    let line = String::from_utf8(good_pop.clone()).unwrap();
    let cut = line.find(';').unwrap() + 3; // "q;k" then part of the position
    let crash_states: Vec<(&str, PathBuf, Vec<u8>)> = vec![
        ("empty info_pop", info_pop_path(base, Q, "k"), Vec::new()),
        (
            "half-written info_pop",
            info_pop_path(base, Q, "k"),
            good_pop[..cut + 1].to_vec(),
        ),
        ("empty info_queue", info_queue_path(base, Q), Vec::new()),
    ];
    for (what, path, content) in crash_states {
        fs::write(info_pop_path(base, Q, "k"), &good_pop).unwrap();
        fs::write(info_queue_path(base, Q), &good_queue).unwrap();
        fs::write(&path, &content).unwrap();
        let file_name = path.file_name().unwrap().to_str().unwrap();
        match Consumer::open(base, "k", Q) {
            Err(e) => {
                assert!(
                    matches!(e.kind(), ErrorKind::Corrupt | ErrorKind::InvalidChecksum),
                    "{what}: unexpected error kind {e:?}"
                );
                assert!(
                    e.to_string().contains(file_name),
                    "{what}: error does not name {file_name}: {e}"
                );
            }
            Ok(mut k) => {
                let m = k.pop().unwrap().expect("a record");
                assert_eq!(m.body, all[5], "{what}: consumer did not resume at its saved position");
                k.close().unwrap();
            }
        }
    }
}

/// Fault 3: with a damaged info_queue the reference writer falls back to part
/// 0 (or to the part it names), opens that part and writes at offset 0 —
/// overwriting records. Whatever info_queue says (empty, wrong CRC, or a
/// valid line naming an old part), a writer must never write into a part that
/// already holds records: it refuses naming info_queue, or starts a part
/// after every existing one; all earlier records stay byte for byte and stay
/// readable.
#[test]
fn fault_03_corrupt_info_queue_never_overwrites_part_records() {
    type Damage = Box<dyn Fn(&Path)>;
    let variants: Vec<(&str, Damage)> = vec![
        (
            "empty",
            Box::new(|b: &Path| fs::write(info_queue_path(b, Q), b"").unwrap()),
        ),
        (
            "wrong CRC",
            Box::new(|b: &Path| {
                let p = format!("{Q};0;");
                fs::write(info_queue_path(b, Q), format!("{p}{}\n", crc32(&[p.as_bytes()]) ^ 1)).unwrap()
            }),
        ),
        (
            "garbage",
            Box::new(|b: &Path| fs::write(info_queue_path(b, Q), b"\x00\x17zz;;\n").unwrap()),
        ),
        (
            "valid line naming part 0",
            Box::new(|b: &Path| write_info_queue(b, Q, 0)),
        ),
    ];
    for (what, damage) in variants {
        let dir = temp_base();
        let base = dir.path();
        let mut all = Vec::new();
        for s in 0..2 {
            let bodies: Vec<Vec<u8>> = (0..5).map(|i| body(s * 5 + i, 60)).collect();
            all.extend(bodies.iter().cloned());
            assert_eq!(session(base, Q, &bodies), s as u32);
        }
        let before: Vec<Vec<u8>> = (0..2).map(|p| fs::read(data_path(base, Q, p)).unwrap()).collect();
        damage(base);

        match Queue::open(base, Q, Mode::ReadWrite) {
            Err(e) => {
                assert!(
                    matches!(e.kind(), ErrorKind::Corrupt | ErrorKind::InvalidChecksum),
                    "{what}: unexpected error {e:?}"
                );
                assert!(
                    e.to_string().contains(&format!("{Q}_info_queue")),
                    "{what}: error does not name info_queue: {e}"
                );
            }
            Ok(mut w) => {
                assert!(
                    w.part_id() > 1,
                    "{what}: writer reopened part {} which holds records",
                    w.part_id()
                );
                let extra: Vec<Vec<u8>> = (10..13).map(|i| body(i, 60)).collect();
                for b in &extra {
                    w.push(b, MsgType::String).unwrap();
                }
                w.close().unwrap();
                all.extend(extra);
                let mut r = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
                assert_eq!(drain_bodies(&mut r), all, "{what}");
            }
        }
        for p in 0..2u32 {
            assert_eq!(
                fs::read(data_path(base, Q, p)).unwrap(),
                before[p as usize],
                "{what}: part {p} changed"
            );
        }
    }
}

/// Fault 4: after power loss the reference can find info_push claiming more
/// than the data file holds; the consumer then waits in that part forever.
/// The crash state is built by cutting the last two records off part 0 (the
/// second one half-way). The consumer reads the intact records, reports the
/// damage as a typed error naming the data file and the first missing
/// record's offset (or passes it silently), `skip_corrupt` reports exactly the
/// two lost records, and the records of the next part follow.
#[test]
fn fault_04_info_push_ahead_of_data_does_not_stall_consumer() {
    let dir = temp_base();
    let base = dir.path();
    let mut w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    let mut c = Consumer::open(base, "c", Q).unwrap();
    let part0: Vec<Vec<u8>> = (0..10).map(|i| body(i, 80)).collect();
    for b in &part0 {
        w.push(b, MsgType::String).unwrap();
    }
    w.close().unwrap();
    let data0 = data_path(base, Q, 0);
    let recs = parse_records(&data0, u64::MAX);
    assert_eq!(recs.len(), 10);
    let cut_at = recs[8].offset;
    fs::OpenOptions::new()
        .write(true)
        .open(&data0)
        .unwrap()
        .set_len(cut_at + 10)
        .unwrap();

    let part1: Vec<Vec<u8>> = (10..15).map(|i| body(i, 80)).collect();
    session(base, Q, &part1);

    let (got, lost, errors) = drain_skipping(&mut c, true);
    let mut expected = part0[..8].to_vec();
    expected.extend(part1.iter().cloned());
    assert_eq!(got, expected);
    for e in &errors {
        match e {
            Error::Corrupt { path, offset, .. } | Error::InvalidChecksum { path, offset, .. } => {
                assert!(path.ends_with(format!("{Q}-0/{Q}_queue")), "{e}");
                assert_eq!(*offset, cut_at, "{e}");
                assert!(
                    e.to_string().contains(&cut_at.to_string()),
                    "message lacks the offset: {e}"
                );
            }
            other => panic!("unexpected error for a short data file: {other:?}"),
        }
    }
    if !errors.is_empty() {
        assert_eq!(lost, 2, "skip_corrupt must count the two lost records");
    }
    c.close().unwrap();
    let mut c = Consumer::open(base, "c", Q).unwrap();
    assert_eq!(c.backlog().unwrap(), 0);
    assert!(c.pop().unwrap().is_none());
}

/// Fault 5: a read-only consumer of the reference commits at a part boundary,
/// fails because it is read-only, and stops there. Here a `Mode::Read` (and
/// `Mode::Default`) consumer with a saved position at part 0, and readers
/// from the first part or from that consumer's position, read every record
/// of three parts plus an empty part in between, and write no file at all;
/// `commit` on them is `ReadOnly`.
#[test]
fn fault_05_read_only_consumer_crosses_part_boundaries() {
    let dir = temp_base();
    let base = dir.path();
    let mut w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    Consumer::open(base, "c", Q).unwrap().close().unwrap();
    let mut all = Vec::new();
    for i in 0..3 {
        all.push(body(i, 50));
        w.push(&all[i], MsgType::Object).unwrap();
    }
    w.close().unwrap();
    all.extend(sessions(base, Q, 1..3, 3, 50).concat());
    // Move part 2 to 3 and leave an empty part 2, as a writer that started a
    // part and died before its first push leaves it.
    fs::rename(part_dir(base, Q, 2), part_dir(base, Q, 3)).unwrap();
    fs::create_dir(part_dir(base, Q, 2)).unwrap();
    fs::write(data_path(base, Q, 2), b"").unwrap();
    fs::write(info_push_path(base, Q, 2), b"").unwrap();
    write_info_queue(base, Q, 3);

    let before = snapshot(base, true);
    for mode in [Mode::Read, Mode::Default] {
        let mut c = Consumer::open_with_mode(base, "c", Q, mode).unwrap();
        let mut got = Vec::new();
        while let Some(m) = c.pop().unwrap() {
            got.push(m.body);
            assert!(
                matches!(c.commit(), Err(Error::ReadOnly(_))),
                "commit on a {mode:?} consumer"
            );
        }
        assert_eq!(got, all, "{mode:?} consumer");
        c.close().unwrap();
    }
    for start in [Start::FirstPart, Start::Consumer("c".into())] {
        let mut r = Consumer::open_reader(base, Q, start).unwrap();
        assert_eq!(drain_bodies(&mut r), all);
        assert!(matches!(r.commit(), Err(Error::ReadOnly(_))));
    }
    let mut r = Consumer::open_reader(base, Q, Start::CurrentPart).unwrap();
    assert_eq!(drain_bodies(&mut r), all[6..].to_vec());
    assert_eq!(
        snapshot(base, true),
        before,
        "a read-only consumer wrote to the queue directory"
    );
}

/// Fault 6: a missing part directory stops the reference's consumers for
/// good. Here part 1 is deleted: a consumer positioned before it continues
/// with part 2 (passing the gap, or reporting it and recovering with
/// `skip_corrupt`), and a consumer whose saved position is inside the deleted
/// part resumes at part 2. Nothing of parts 0 and 2 is lost.
#[test]
fn fault_06_missing_part_directory_does_not_stop_consumers() {
    let dir = temp_base();
    let base = dir.path();
    let mut w = Queue::open(base, Q, Mode::ReadWrite).unwrap();
    let mut c = Consumer::open(base, "c", Q).unwrap();
    let mut d = Consumer::open(base, "d", Q).unwrap();
    let mut parts: Vec<Vec<Vec<u8>>> = vec![(0..3).map(|i| body(i, 40)).collect()];
    for b in &parts[0] {
        w.push(b, MsgType::String).unwrap();
    }
    w.close().unwrap();
    for s in 1..3 {
        parts.push((0..3).map(|i| body(s * 3 + i, 40)).collect());
        session(base, Q, &parts[s]);
    }
    for _ in 0..4 {
        d.pop().unwrap().unwrap();
        d.commit().unwrap();
    }
    assert_eq!(d.part_id(), 1);
    d.close().unwrap();
    fs::remove_dir_all(part_dir(base, Q, 1)).unwrap();

    let mut expected = parts[0].clone();
    expected.extend(parts[2].iter().cloned());
    let (got, _, _) = drain_skipping(&mut c, true);
    assert_eq!(got, expected, "consumer before the gap");
    c.close().unwrap();

    let mut r = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
    let (got, _, _) = drain_skipping(&mut r, false);
    assert_eq!(got, expected, "read-only reader");

    let mut d = Consumer::open(base, "d", Q).unwrap();
    let (got, _, _) = drain_skipping(&mut d, true);
    assert_eq!(got, parts[2], "consumer whose part vanished");
}

/// Fault 7: one bad CRC makes the reference consumer unusable; its resync
/// scan looks only 64 KiB ahead and counts every skip as one record. Here a
/// 200 KiB record has a flipped byte: `pop` returns `InvalidChecksum` with the
/// data file and the record's offset, keeps returning it (it does not skip
/// silently), `skip_corrupt` reports 1 lost record and the next record
/// follows with the right `count_popped`. In a second queue three headers in a
/// row are smashed: `skip_corrupt` reports 3 and reading continues after
/// them. `verify` reports the damaged offsets and the position survives a
/// reopen.
#[test]
fn fault_07_bad_crc_is_reported_skipped_and_counted() {
    let dir = temp_base();
    let base = dir.path();
    let lens = [100, 100, 100, 200 * 1024, 100, 100, 100, 100, 100, 100];
    let bodies: Vec<Vec<u8>> = lens.iter().enumerate().map(|(i, l)| body(i, *l)).collect();

    // Queue "a": body of the large record damaged.
    let mut w = Queue::open(base, "a", Mode::ReadWrite).unwrap();
    let mut c = Consumer::open(base, "c", "a").unwrap();
    for b in &bodies {
        w.push(b, MsgType::String).unwrap();
    }
    w.close().unwrap();
    let data = data_path(base, "a", 0);
    let recs = parse_records(&data, u64::MAX);
    let mut bytes = fs::read(&data).unwrap();
    bytes[recs[3].offset as usize + 25 + 150_000] ^= 0x01;
    fs::write(&data, &bytes).unwrap();

    for b in &bodies[..3] {
        assert_eq!(&c.pop().unwrap().unwrap().body, b);
    }
    for _ in 0..2 {
        match c.pop() {
            Err(e @ Error::InvalidChecksum { .. }) => {
                let Error::InvalidChecksum { path, offset, .. } = &e else {
                    unreachable!()
                };
                assert!(path.ends_with("a-0/a_queue"), "{e}");
                assert_eq!(*offset, recs[3].offset);
                let msg = e.to_string();
                assert!(
                    msg.contains("a_queue") && msg.contains(&recs[3].offset.to_string()),
                    "{msg}"
                );
            }
            other => panic!("expected InvalidChecksum, got {:?}", other.map(|m| m.map(|m| m.offset))),
        }
    }
    let report = verify(base, "a").unwrap();
    assert!(!report.is_ok());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.offset == Some(recs[3].offset) && p.part == Some(0) && p.file.ends_with("a-0/a_queue")),
        "verify does not locate the damage: {:?}",
        report
            .problems
            .iter()
            .map(|p| (&p.file, p.part, p.offset, &p.detail))
            .collect::<Vec<_>>()
    );
    assert_eq!(c.skip_corrupt().unwrap(), 1);
    let m = c.pop().unwrap().unwrap();
    assert_eq!(m.body, bodies[4]);
    assert_eq!(m.offset, recs[4].offset);
    assert_eq!(c.count_popped(), 5);
    c.commit().unwrap();
    c.close().unwrap();
    let mut c = Consumer::open(base, "c", "a").unwrap();
    assert_eq!(drain_bodies(&mut c), bodies[5..].to_vec());

    // Queue "b": headers of records 5, 6 and 7 smashed.
    let mut w = Queue::open(base, "b", Mode::ReadWrite).unwrap();
    let mut c = Consumer::open(base, "c", "b").unwrap();
    for b in &bodies {
        w.push(b, MsgType::String).unwrap();
    }
    w.close().unwrap();
    let data = data_path(base, "b", 0);
    let recs = parse_records(&data, u64::MAX);
    let mut bytes = fs::read(&data).unwrap();
    for r in &recs[5..8] {
        bytes[r.offset as usize..r.offset as usize + 25].fill(0xAB);
    }
    fs::write(&data, &bytes).unwrap();
    for b in &bodies[..5] {
        assert_eq!(&c.pop().unwrap().unwrap().body, b);
    }
    match c.pop() {
        Err(Error::Corrupt { offset, .. }) | Err(Error::InvalidChecksum { offset, .. }) => {
            assert_eq!(offset, recs[5].offset)
        }
        other => panic!(
            "expected a typed error at the smashed header, got {:?}",
            other.map(|m| m.is_some())
        ),
    }
    assert_eq!(c.skip_corrupt().unwrap(), 3, "lost records miscounted");
    assert_eq!(c.pop().unwrap().unwrap().body, bodies[8]);
    assert_eq!(c.count_popped(), 9);
    assert_eq!(c.pop().unwrap().unwrap().body, bodies[9]);
    assert!(c.pop().unwrap().is_none());
    assert_eq!(c.backlog().unwrap(), 0);
}

/// Fault 8: the reference splices names into paths and `;`-separated
/// metadata unchecked — a space or `;` breaks parsing, `/` and `..` escape
/// the base directory. Each such name is `InvalidName` for the queue and for
/// the consumer, and nothing is created inside or next to the base directory.
#[test]
fn fault_08_unsafe_names_are_rejected_before_touching_files() {
    let dir = temp_base();
    let base = dir.path().join("base");
    fs::create_dir(&base).unwrap();
    fs::create_dir(base.join("sub")).unwrap();
    let bad = ["a b", "a;b", "a/b", "../escape", "..", ".", "sub/../x", "/abs", ""];
    for name in bad {
        let e = Queue::open(&base, name, Mode::ReadWrite).map(|_| ()).unwrap_err();
        assert!(matches!(e, Error::InvalidName { .. }), "queue {name:?}: {e:?}");
        session(&base, "ok", &[]);
        let e = Consumer::open(&base, name, "ok").map(|_| ()).unwrap_err();
        assert!(matches!(e, Error::InvalidName { .. }), "consumer {name:?}: {e:?}");
        let e = Consumer::open(&base, "c", name).map(|_| ()).unwrap_err();
        assert!(matches!(e, Error::InvalidName { .. }), "consumer queue {name:?}: {e:?}");
        assert!(
            matches!(validate_name(name), Err(Error::InvalidName { .. })),
            "{name:?}"
        );
    }
    let mut top: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    top.sort();
    assert_eq!(
        top,
        vec![std::ffi::OsString::from("base")],
        "something escaped the base directory"
    );
    let mut inside: Vec<String> = fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    inside.retain(|n| !n.starts_with("ok"));
    assert_eq!(inside, vec!["sub".to_string()]);
    assert_eq!(fs::read_dir(base.join("sub")).unwrap().count(), 0);
}

/// Fault 9: the reference trains its zstd dictionary inside `push` (spikes
/// of tens of milliseconds) and starts over in every part. No push may cost
/// more than 5 ms of CPU time of the pushing thread (immune to scheduling
/// noise on a busy machine), nor sleep for more than 5 ms (waiting for a
/// training thread costs no CPU time but is a voluntary context switch of
/// the pushing thread, which preemption is not); the dictionary still gets
/// trained, is on disk before any record of the part uses it, and the next
/// writer session compresses from its first records instead of training
/// again. Every record reads back, also with the reference crate.
#[test]
fn fault_09_dictionary_training_stays_off_the_push_path() {
    let opts = WriterOptions {
        format: Format::V3,
        durability: Durability::None,
    };
    // A push may also sleep on the file system (a journal commit under a
    // page fault) when other tests load the disk; such a stall does not
    // repeat in a second queue, a wait for training does.
    let mut attempt = 0;
    let (dir, mut c, pushed) = loop {
        attempt += 1;
        let dir = temp_base();
        let base = dir.path();
        let mut w = Queue::open_with(base, Q, Mode::ReadWrite, opts).unwrap();
        let c = Consumer::open(base, "c", Q).unwrap();
        let (worst, waits, pushed) = push_until_compressed(&mut w, base);
        assert!(worst < Duration::from_millis(5), "a push took {worst:?} of CPU time");
        let recs = parse_records(&data_path(base, Q, 0), w.right_edge());
        assert!(
            recs.iter().any(|r| r.type_byte & 0x80 != 0),
            "no record compressed after {pushed} pushes"
        );
        assert!(
            dict_path(base, Q, 0).exists(),
            "compressed records without a dictionary on disk"
        );
        w.close().unwrap();
        if waits.is_empty() {
            break (dir, c, pushed);
        }
        assert!(attempt < 2, "pushes waited in two queues (index, wall time): {waits:?}");
    };
    let base = dir.path();

    // The next session must not start training from scratch.
    let mut w = Queue::open_with(base, Q, Mode::ReadWrite, opts).unwrap();
    assert_eq!(w.part_id(), 1);
    for i in 0..20 {
        w.push(&json_body(pushed + i, true), MsgType::Object).unwrap();
    }
    let recs1 = parse_records(&data_path(base, Q, 1), w.right_edge());
    assert!(
        recs1.iter().any(|r| r.type_byte & 0x80 != 0),
        "the second part compresses none of its first 20 records: the dictionary was not carried over"
    );
    assert!(dict_path(base, Q, 1).exists());
    w.close().unwrap();
    let total = pushed + 20;

    for i in 0..total {
        let m = c.pop().unwrap().unwrap_or_else(|| panic!("record {i} missing"));
        assert_eq!(m.body, json_body(i, true), "record {i}");
    }
    assert!(c.pop().unwrap().is_none());

    // The reference crate reads what the engine wrote.
    let b = base.to_str().unwrap();
    // A new upstream consumer starts at the current part; a saved position
    // points it at part 0.
    fs::write(info_pop_path(base, Q, "upstream"), format!("{Q};upstream;0;0;0\n")).unwrap();
    let mut up = v_queue::consumer::Consumer::new(b, "upstream", Q).unwrap();
    for i in 0..total {
        assert!(up.pop_header(), "upstream cannot read record {i}");
        let mut buf = vec![0u8; up.record_len()];
        up.pop_body(&mut buf)
            .unwrap_or_else(|e| panic!("upstream record {i}: {e:?}"));
        assert_eq!(buf, json_body(i, true), "upstream record {i}");
        up.commit();
    }
}

/// Pushes compressible bodies until a record of part 0 is compressed.
/// Returns the largest CPU time of one push, the pushes that slept for more
/// than 5 ms (index, wall time), and the number pushed.
fn push_until_compressed(w: &mut Queue, base: &Path) -> (Duration, Vec<(usize, Duration)>, usize) {
    let mut worst = Duration::ZERO;
    let mut waits = Vec::new();
    let mut pushed = 0usize;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        for _ in 0..1000 {
            let b = json_body(pushed, true);
            let (cpu, slept, wall) = (thread_cpu_time(), voluntary_switches(), Instant::now());
            w.push(&b, MsgType::String).unwrap();
            let (wall, slept) = (wall.elapsed(), voluntary_switches() - slept);
            worst = worst.max(thread_cpu_time() - cpu);
            // Blocking on another thread (a training in progress) costs no
            // CPU time but puts this thread to sleep: a voluntary switch,
            // which preemption by the scheduler is not.
            if slept > 0 && wall > Duration::from_millis(5) {
                waits.push((pushed, wall));
            }
            pushed += 1;
        }
        let compressed = parse_records(&data_path(base, Q, 0), w.right_edge())
            .iter()
            .any(|r| r.type_byte & 0x80 != 0);
        if compressed || Instant::now() > deadline {
            return (worst, waits, pushed);
        }
    }
}

/// Fault 10: bindings of the reference size the read buffer with the stored
/// length, which for a compressed record is the compressed size. For records
/// written by the reference crate in v3 (and by the engine), `record_len` is
/// the decoded length and `pop_body` returns exactly the original bytes,
/// whose length differs from the stored one.
#[test]
fn fault_10_read_buffer_sized_by_decoded_length() {
    let dir = temp_base();
    let base = dir.path();
    let b = base.to_str().unwrap();
    let n = 3000;
    let bodies: Vec<Vec<u8>> = (0..n).map(|i| json_body(i, true).repeat(1 + i % 5)).collect();
    {
        let mut up = v_queue::queue::Queue::new(b, Q, v_queue::record::Mode::ReadWrite).unwrap();
        for x in &bodies {
            up.push(x, v_queue::record::MsgType::String).unwrap();
        }
    }
    let recs = parse_records(&data_path(base, Q, 0), u64::MAX);
    assert_eq!(recs.len(), n);
    let compressed: Vec<usize> = (0..n).filter(|&i| recs[i].type_byte & 0x80 != 0).collect();
    assert!(
        compressed.len() > 100,
        "the reference compressed only {} records",
        compressed.len()
    );

    let mut r = Consumer::open_reader(base, Q, Start::FirstPart).unwrap();
    for (i, x) in bodies.iter().enumerate() {
        assert!(r.pop_header().unwrap(), "record {i}");
        assert_eq!(r.record_len(), Some(x.len() as u32), "record {i}: record_len");
        if recs[i].type_byte & 0x80 != 0 {
            assert_ne!(recs[i].stored_len as usize, x.len());
        }
        let got = r.pop_body_with(|s| s.to_vec()).unwrap().unwrap();
        assert_eq!(&got, x, "record {i}");
    }
    assert!(!r.pop_header().unwrap());

    // The same through the engine's own v3 writer.
    let opts = WriterOptions {
        format: Format::V3,
        durability: Durability::None,
    };
    let mut w = Queue::open_with(base, "own", Mode::ReadWrite, opts).unwrap();
    w.push_batch(&bodies, MsgType::Object).unwrap();
    w.close().unwrap();
    let mut r = Consumer::open_reader(base, "own", Start::FirstPart).unwrap();
    for (i, x) in bodies.iter().enumerate() {
        assert!(r.pop_header().unwrap(), "record {i}");
        assert_eq!(r.record_len(), Some(x.len() as u32), "record {i}");
        assert_eq!(r.msg_type(), Some(MsgType::Object));
        assert_eq!(r.pop_body().unwrap().as_ref(), Some(x), "record {i}");
    }
}
