//! Shared by the CLI tests: running the built `vqueue`, temp queues, fixtures.
#![allow(dead_code)] // each test binary uses a different subset

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use vqueue_core::{Consumer, Mode, MsgType, Queue, Start};

pub const BIN: &str = env!("CARGO_BIN_EXE_vqueue");

pub fn vqueue() -> Command {
    Command::new(BIN)
}

/// Runs `vqueue ARGS` to completion with `stdin` as its input.
pub fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = vqueue()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn vqueue");
    let mut input = child.stdin.take().unwrap();
    // A command that fails early does not read its input.
    if let Err(e) = input.write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "writing stdin: {e}");
    }
    drop(input);
    child.wait_with_output().unwrap()
}

pub fn base_arg(base: &Path) -> &str {
    base.to_str().expect("temp dir path is UTF-8")
}

/// Like `run` but with BASE and QUEUE placed after the subcommand.
pub fn run_on(cmd: &str, base: &Path, queue: &str, extra: &[&str], stdin: &[u8]) -> Output {
    let mut args = vec![cmd, base_arg(base), queue];
    args.extend_from_slice(extra);
    run(&args, stdin)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("vqueue ended by a signal")
}

#[track_caller]
pub fn assert_ok(o: &Output) {
    assert_eq!(code(o), 0, "stdout:\n{}\nstderr:\n{}", stdout(o), stderr(o));
}

/// Writes one writer session of `bodies` with the engine.
pub fn write_session(base: &Path, queue: &str, bodies: &[&[u8]], msg_type: MsgType) {
    let mut q = Queue::open(base, queue, Mode::ReadWrite).unwrap();
    for b in bodies {
        q.push(b, msg_type).unwrap();
    }
    q.close().unwrap();
}

/// Everything a read-only engine reader sees from the first part.
pub fn read_all(base: &Path, queue: &str) -> Vec<Vec<u8>> {
    let mut r = Consumer::open_reader(base, queue, Start::FirstPart).unwrap();
    let mut out = Vec::new();
    while let Some(m) = r.pop().unwrap() {
        out.push(m.body);
    }
    out
}

/// One `--json` output line of `cat` or `consume`.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonMsg {
    pub part: u64,
    pub offset: u64,
    pub msg_type: String,
    pub len: u64,
    pub body: Vec<u8>,
}

pub fn parse_json_lines(text: &str) -> Vec<JsonMsg> {
    text.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            let obj = v.as_object().expect("one object per line");
            let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, ["body", "len", "offset", "part", "type"], "keys of {line}");
            JsonMsg {
                part: v["part"].as_u64().unwrap(),
                offset: v["offset"].as_u64().unwrap(),
                msg_type: v["type"].as_str().unwrap().to_string(),
                len: v["len"].as_u64().unwrap(),
                body: STANDARD.decode(v["body"].as_str().unwrap()).unwrap(),
            }
        })
        .collect()
}

/// Every file under `dir` with its bytes, sorted by path: a snapshot to prove a
/// command changed nothing.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                files.push((path, bytes));
            }
        }
    }
    files.sort();
    files
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
            // Fixtures are read-only inputs; the copy must be writable.
            let mut perm = fs::metadata(&target).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            fs::set_permissions(&target, perm).unwrap();
        }
    }
}

/// The golden queues: `$VQUEUE_FIXTURES`, else `../shared/fixtures` from the repository root.
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("VQUEUE_FIXTURES") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
    };
    if dir.join("README.md").is_file() {
        Some(dir)
    } else {
        // CI sets this, so a missing folder fails rather than checks nothing.
        assert!(
            std::env::var_os("VQUEUE_REQUIRE_FIXTURES").is_none_or(|v| v != "1"),
            "fixtures not found at {}, and VQUEUE_REQUIRE_FIXTURES=1 (set VQUEUE_FIXTURES)",
            dir.display()
        );
        eprintln!("fixtures not found at {}: this test checks nothing here", dir.display());
        None
    }
}

/// A writable copy of fixture `name` in a new temp dir.
pub fn fixture_copy(fixtures: &Path, name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixtures.join(name), tmp.path());
    tmp
}

pub fn numbered_lines(prefix: &str, range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix}-{i:06}")).collect()
}

/// Runs `vqueue ARGS` with stderr on a new pseudo-terminal; returns its exit
/// code, stdout and everything written to the terminal.
pub fn run_with_terminal_stderr(args: &[&str]) -> (i32, String, String) {
    let (mut master, mut slave) = (-1, -1);
    let size = libc::winsize {
        ws_row: 24,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two new descriptors into the out-parameters.
    let rc = unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), &size) };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just created and are owned here only.
    let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let child = {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(slave));
        cmd.spawn().expect("spawn vqueue")
        // `cmd` and with it this process's copy of the terminal end are dropped
        // here, so reading the master ends when the child exits.
    };
    let reader = std::thread::spawn(move || {
        let mut master = master;
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        // A pseudo-terminal master reports EIO once the last slave is closed.
        while let Ok(n @ 1..) = master.read(&mut buf) {
            seen.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&seen).into_owned()
    });
    let out = child.wait_with_output().unwrap();
    let terminal = reader.join().unwrap();
    (code(&out), stdout(&out), terminal)
}
