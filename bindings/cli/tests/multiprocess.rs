//! Writers and consumers in separate `vqueue` processes, running at the same time.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use vqueue_core::{Consumer, Start};

fn spawn(args: &[&str]) -> Child {
    vqueue()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn vqueue")
}

fn push_cmd<'a>(base: &'a Path, queue: &'a str) -> Vec<&'a str> {
    vec!["push", base_arg(base), queue, "--ack"]
}

/// The `ack N RIGHT_EDGE` lines of a `vqueue push --ack` process.
struct Acks {
    out: BufReader<ChildStdout>,
    last: u64,
}

impl Acks {
    fn of(child: &mut Child) -> Acks {
        Acks {
            out: BufReader::new(child.stdout.take().unwrap()),
            last: 0,
        }
    }

    /// Reads acks until ack `n` has arrived.
    fn until(&mut self, n: u64) -> u64 {
        let mut line = String::new();
        while self.last < n {
            line.clear();
            if self.out.read_line(&mut line).unwrap() == 0 {
                panic!("writer stopped after ack {}, waiting for {n}", self.last);
            }
            self.take(&line);
        }
        self.last
    }

    fn take(&mut self, line: &str) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert!(fields.len() == 3 && fields[0] == "ack", "not an ack line: {line:?}");
        let seq: u64 = fields[1].parse().unwrap();
        assert_eq!(seq, self.last + 1, "acks come in order");
        self.last = seq;
    }

    /// Everything left until the writer closes its stdout: more acks, then
    /// (when it ends normally) the count. Returns that last line when it is not an ack.
    fn rest(&mut self) -> Option<String> {
        let mut line = String::new();
        loop {
            line.clear();
            if self.out.read_line(&mut line).unwrap_or(0) == 0 {
                return None;
            }
            if !line.starts_with("ack ") {
                let mut tail = String::new();
                std::io::Read::read_to_string(&mut self.out, &mut tail).unwrap();
                assert!(tail.is_empty(), "output after the count: {tail:?}");
                return Some(line.clone());
            }
            self.take(&line);
        }
    }
}

/// Feeds `lines` to a child's stdin from a thread, `pause` after each one;
/// stops quietly when the child goes away.
fn feed(child: &mut Child, lines: Vec<String>, pause: Duration) -> thread::JoinHandle<()> {
    feed_gated(child, lines, pause, |_| {})
}

/// Like `feed`, calling `gate(i)` before line `i` (it may block).
fn feed_gated(
    child: &mut Child,
    lines: Vec<String>,
    pause: Duration,
    gate: impl Fn(usize) + Send + 'static,
) -> thread::JoinHandle<()> {
    let mut stdin = child.stdin.take().unwrap();
    thread::spawn(move || {
        for (i, l) in lines.into_iter().enumerate() {
            gate(i);
            if writeln!(stdin, "{l}").and_then(|()| stdin.flush()).is_err() {
                return;
            }
            if !pause.is_zero() {
                thread::sleep(pause);
            }
        }
    })
}

/// A `vqueue push` process fed `lines` slowly, and two `vqueue consume`
/// processes started while it runs; every consumer must print exactly `lines`.
fn writer_and_two_consumers(base: &Path, push_args: &[&str], lines: &[String], gate: impl Fn(usize) + Send + 'static) {
    let n = lines.len();
    let mut args = push_cmd(base, "q");
    args.extend_from_slice(push_args);
    let mut writer = spawn(&args);
    let mut acks = Acks::of(&mut writer);
    // Slow enough that the consumers start well before the writer is done.
    let feeder = feed_gated(&mut writer, lines.to_vec(), Duration::from_micros(500), gate);
    acks.until(1);

    let max = n.to_string();
    let consumers: Vec<Child> = ["c1", "c2"]
        .iter()
        .map(|name| {
            let mut c = spawn(&["consume", base_arg(base), "q", name, "--max", &max, "--wait", "60"]);
            drop(c.stdin.take());
            c
        })
        .collect();

    // The consumers really overlap with the writer: they run while it is still being fed.
    assert!(
        !feeder.is_finished(),
        "the writer got all its input before the consumers started"
    );

    feeder.join().unwrap();
    acks.until(n as u64);
    assert_eq!(acks.rest(), Some(format!("{n}\n")), "the writer ends with its count");
    let status = writer.wait().unwrap();
    assert!(status.success());

    let expected: String = lines.iter().map(|l| format!("{l}\n")).collect();
    for c in consumers {
        let o = c.wait_with_output().unwrap();
        assert_ok(&o);
        let got = stdout(&o);
        assert!(
            got == expected,
            "a consumer read {} lines, expected {n}",
            got.lines().count()
        );
    }
}

#[test]
fn writer_and_two_consumers_run_concurrently_and_each_consumer_gets_everything() {
    let tmp = tempfile::tempdir().unwrap();
    writer_and_two_consumers(tmp.path(), &[], &numbered_lines("msg", 1..=3000), |_| {});
}

/// The same with v3: the dictionary is trained and starts being used while the
/// consumers are reading the part.
#[test]
fn v3_writer_and_two_consumers_run_concurrently_across_the_dictionary_switch() {
    let tmp = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (1..=3000)
        .map(|i| {
            format!(
                r#"{{"id":{i},"kind":"order","status":"{}","customer":"customer-{:04}","note":"the same words again and again"}}"#,
                ["new", "paid", "shipped"][i % 3],
                i % 97
            )
        })
        .collect();
    let base = tmp.path().to_path_buf();
    // From the middle on, trickle the input until the writer compresses: the
    // dictionary is trained in the background (slow on a busy machine) and
    // the writer adopts it at its next push, so it needs pushes to switch.
    let switched = std::sync::atomic::AtomicBool::new(false);
    writer_and_two_consumers(tmp.path(), &["--format", "v3"], &lines, move |i| {
        use std::sync::atomic::Ordering::Relaxed;
        if i >= 1_500 && !switched.load(Relaxed) {
            if compressed_records(&base) > 0 {
                switched.store(true, Relaxed);
            } else {
                thread::sleep(Duration::from_millis(50));
            }
        }
    });
    let (compressed, total) = (compressed_records(tmp.path()), lines.len());
    assert!(
        compressed > 0 && compressed < total,
        "{compressed} of {total} compressed"
    );
}

#[test]
fn a_second_writer_process_gets_already_open() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path();
    let mut first = spawn(&push_cmd(base, "q"));
    let mut first_in = first.stdin.take().unwrap();
    let mut acks = Acks::of(&mut first);
    writeln!(first_in, "from-first").unwrap();
    first_in.flush().unwrap();
    acks.until(1);

    let o = run_on("push", base, "q", &[], b"from-second\n");
    assert_eq!(code(&o), 3, "stdout: {} stderr: {}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    assert!(err.starts_with("vqueue: "), "{err}");
    assert!(err.to_lowercase().contains("already open"), "{err}");
    assert!(stdout(&o).is_empty());

    // The first writer is unharmed and keeps pushing.
    writeln!(first_in, "first-again").unwrap();
    drop(first_in);
    assert_eq!(acks.rest(), Some("2\n".to_string()));
    assert_eq!(acks.last, 2);
    assert!(first.wait().unwrap().success());

    // Once it is gone, a new writer opens.
    assert_ok(&run_on("push", base, "q", &[], b"third\n"));
    assert_eq!(read_all(base, "q"), [&b"from-first"[..], b"first-again", b"third"]);
}

#[test]
fn a_killed_writer_loses_no_acknowledged_message() {
    let tmp = tempfile::tempdir().unwrap();
    killed_writer(tmp.path(), &[], &numbered_lines("msg", 1..=200_000), |acks| {
        acks.until(2_000);
    });
}

/// The same with v3, killed after its dictionary is in use.
#[test]
fn a_killed_v3_writer_loses_no_acknowledged_message() {
    let tmp = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (1..=200_000)
        .map(|i| {
            format!(
                "{{\"id\":{i},\"text\":\"compressible text, compressible text, {}\"}}",
                i % 13
            )
        })
        .collect();
    let base = tmp.path();
    killed_writer(base, &["--format", "v3"], &lines, |acks| {
        // The dictionary is trained in the background and written to disk
        // before the writer may use it, so compression starts some time after
        // the warm-up; kill only once compressed records are stored.
        acks.until(2_000);
        while compressed_records(base) == 0 {
            assert!(acks.last < 190_000, "nothing compressed after {} messages", acks.last);
            acks.until(acks.last + 500);
        }
    });
    assert!(
        compressed_records(base) > 0,
        "no compressed record among the surviving ones"
    );
}

/// Compressed records in part 0 of queue `q`, walking its records up to the published right edge.
fn compressed_records(base: &Path) -> usize {
    let edge = vqueue_core::inspect(base, "q").unwrap().parts[0].right_edge as usize;
    let data = std::fs::read(base.join("q-0").join("q_queue")).unwrap();
    let (mut pos, mut compressed) = (0, 0);
    while pos < edge {
        let len = u32::from_le_bytes(data[pos + 8..pos + 12].try_into().unwrap()) as usize;
        compressed += usize::from(data[pos + 20] & 0x80 != 0);
        pos += 25 + len;
    }
    assert_eq!(pos, edge, "records do not end at the right edge");
    compressed
}

/// Feeds `lines` to `vqueue push --ack` as fast as it takes them, kills it
/// with SIGKILL once `until_kill` returns, then checks what is on disk.
fn killed_writer(base: &Path, push_args: &[&str], lines: &[String], until_kill: impl FnOnce(&mut Acks)) {
    let mut args = push_cmd(base, "q");
    args.extend_from_slice(push_args);
    let mut writer = spawn(&args);
    let mut acks = Acks::of(&mut writer);
    let feeder = feed(&mut writer, lines.to_vec(), Duration::ZERO);
    acks.until(1);
    // A consumer that exists before the crash must later read across it.
    assert_ok(&run_on("consume", base, "q", &["after", "--max", "0"], b""));
    until_kill(&mut acks);
    writer.kill().unwrap(); // SIGKILL: no destructor, no flush, no unlock
    let status = writer.wait().unwrap();
    assert!(!status.success());
    feeder.join().unwrap();
    // Acks the writer printed before it died also count as acknowledged.
    assert_eq!(acks.rest(), None, "a killed writer prints no count");
    let acked = acks.last;

    // The queue opens for writing again at once (the dead writer's lock is gone)...
    let o = run_on("push", base, "q", &[], b"after-restart\n");
    assert_ok(&o);
    assert_eq!(stdout(&o), "1\n");
    // ...verifies clean...
    let o = run_on("verify", base, "q", &[], b"");
    assert_ok(&o);

    // ...and reads back every acknowledged message, in order, with no gap or
    // repeat; messages pushed but not yet acknowledged may be there too.
    let o = run_on("cat", base, "q", &[], b"");
    assert_ok(&o);
    let out = stdout(&o);
    let got: Vec<&str> = out.lines().collect();
    assert_eq!(got.last(), Some(&"after-restart"));
    let from_killed = &got[..got.len() - 1];
    assert!(
        from_killed.len() as u64 >= acked,
        "{} messages read back, {acked} were acknowledged",
        from_killed.len()
    );
    for (i, body) in from_killed.iter().enumerate() {
        assert_eq!(*body, lines[i], "message {i}");
    }

    // A consumer process reads the same, crossing into the new writer's part.
    let o = run_on("consume", base, "q", &["after"], b"");
    assert_ok(&o);
    assert!(stdout(&o) == out, "the consumer read something else than cat");
}

#[test]
fn consumers_in_two_processes_each_get_every_message_and_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path();
    // Two writer sessions, so the consumers also cross a part boundary.
    assert_ok(&run_on("push", base, "q", &[], b"a1\na2\na3\n"));
    // Consumers that exist before the second session (a new consumer starts at the writer's part).
    let mut c1 = spawn(&["consume", base_arg(base), "q", "c1", "--max", "1"]);
    let mut c2 = spawn(&["consume", base_arg(base), "q", "c2", "--max", "1"]);
    drop((c1.stdin.take(), c2.stdin.take()));
    let (o1, o2) = (c1.wait_with_output().unwrap(), c2.wait_with_output().unwrap());
    assert_eq!((stdout(&o1), stdout(&o2)), ("a1\n".to_string(), "a1\n".to_string()));
    assert_ok(&run_on("push", base, "q", &[], b"b1\nb2\n"));

    let children: Vec<Child> = ["c1", "c2"]
        .iter()
        .map(|name| spawn(&["consume", base_arg(base), "q", name, "--json"]))
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert_ok(&o);
        let msgs = parse_json_lines(&stdout(&o));
        let bodies: Vec<(u64, &[u8])> = msgs.iter().map(|m| (m.part, &m.body[..])).collect();
        assert_eq!(bodies, [(0, &b"a2"[..]), (0, b"a3"), (1, b"b1"), (1, b"b2")]);
    }

    // Read-only readers agree and changed nothing.
    let mut r = Consumer::open_reader(base, "q", Start::Consumer("c1".into())).unwrap();
    assert!(r.pop().unwrap().is_none(), "c1 committed everything it printed");
}

#[test]
fn a_same_named_consumer_in_another_process_gets_already_open() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path();
    assert_ok(&run_on("push", base, "q", &[], b"one\n"));

    // Holds consumer `c` open while it waits for more messages.
    let mut holder = spawn(&["consume", base_arg(base), "q", "c", "--wait", "60", "--max", "2"]);
    drop(holder.stdin.take());
    let mut out = BufReader::new(holder.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert_eq!(first, "one\n");

    let o = run_on("consume", base, "q", &["c"], b"");
    assert_eq!(code(&o), 3, "stdout: {} stderr: {}", stdout(&o), stderr(&o));
    assert!(stderr(&o).to_lowercase().contains("already open"), "{}", stderr(&o));

    // Another name is independent; then a push releases the holder.
    let o = run_on("consume", base, "q", &["other"], b"");
    assert_eq!(stdout(&o), "one\n");
    let start = Instant::now();
    assert_ok(&run_on("push", base, "q", &[], b"two\n"));
    let status = holder.wait().unwrap();
    assert!(status.success());
    let mut second = String::new();
    out.read_line(&mut second).unwrap();
    assert_eq!(second, "two\n");
    assert!(start.elapsed() < Duration::from_secs(20));
}
