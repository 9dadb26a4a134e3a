//! Each `vqueue` subcommand, run as a separate process on queues made with the engine.

mod common;

use std::fs;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use vqueue_core::{inspect, Consumer, Mode, MsgType, Queue};

const HEADER: u64 = 25;

#[test]
fn help_documents_exit_codes() {
    let o = run(&["--help"], b"");
    assert_ok(&o);
    let help = stdout(&o);
    assert!(help.contains("Exit codes:"), "{help}");
    for line in [
        "  0  success",
        "  1  verify found problems",
        "  2  usage error",
        "  3  queue error",
    ] {
        assert!(help.contains(line), "missing `{line}` in:\n{help}");
    }
    for cmd in ["info", "cat", "verify", "repair", "cleanup", "push", "consume"] {
        assert!(help.contains(cmd), "subcommand {cmd} not in --help");
    }
}

#[test]
fn bad_arguments_exit_2() {
    assert_eq!(code(&run(&["info"], b"")), 2);
    assert_eq!(code(&run(&["frobnicate", "x", "y"], b"")), 2);
    assert_eq!(code(&run(&["push", "x", "q", "--format", "v9"], b"")), 2);
    assert_eq!(code(&run(&["consume", "x", "q", "c", "--wait", "-1"], b"")), 2);
}

#[test]
fn invalid_name_exits_2_and_touches_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("never-created");
    for name in ["a;b", "with space", "../escape", ".."] {
        let o = run_on("push", &base, name, &[], b"x\n");
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("vqueue: "), "{}", stderr(&o));
    }
    let o = run_on("consume", tmp.path(), "q", &["bad;consumer"], b"");
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(!base.exists(), "a refused name must not create the base directory");
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn missing_queue_exits_3_with_one_error_line() {
    let tmp = tempfile::tempdir().unwrap();
    for cmd in ["info", "cat", "verify", "repair", "cleanup"] {
        let o = run_on(cmd, tmp.path(), "nothere", &[], b"");
        assert_eq!(code(&o), 3, "{cmd}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.starts_with("vqueue: ") && err.lines().count() == 1, "{cmd}: {err}");
        assert!(stdout(&o).is_empty(), "{cmd} printed {}", stdout(&o));
    }
    let o = run_on("consume", tmp.path(), "nothere", &["c"], b"");
    assert_eq!(code(&o), 3, "{}", stderr(&o));
}

#[test]
fn push_prints_count_and_cat_prints_bodies() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_on("push", tmp.path(), "q", &[], b"alpha\nbeta\n\ngamma");
    assert_ok(&o);
    assert_eq!(stdout(&o), "4\n");

    let bodies = read_all(tmp.path(), "q");
    assert_eq!(bodies, [&b"alpha"[..], b"beta", b"", b"gamma"]);

    let o = run_on("cat", tmp.path(), "q", &[], b"");
    assert_ok(&o);
    assert_eq!(stdout(&o), "alpha\nbeta\n\ngamma\n");
}

#[test]
fn push_ack_reports_each_right_edge() {
    let tmp = tempfile::tempdir().unwrap();
    let lines = ["one", "three", "fifteen"];
    let input = lines.join("\n") + "\n";
    let o = run_on("push", tmp.path(), "q", &["--ack"], input.as_bytes());
    assert_ok(&o);
    let out = stdout(&o);
    let mut expected = String::new();
    let mut edge = 0;
    for (i, l) in lines.iter().enumerate() {
        edge += HEADER + l.len() as u64;
        expected.push_str(&format!("ack {} {edge}\n", i + 1));
    }
    expected.push_str("3\n");
    assert_eq!(out, expected);
}

#[test]
fn push_options_reach_the_engine() {
    let tmp = tempfile::tempdir().unwrap();
    let body = "{\"k\":\"a value long enough to be worth compressing, repeated, repeated\"}\n";
    let o = run_on(
        "push",
        tmp.path(),
        "q",
        &["--format", "v3", "--type", "O", "--durability", "sync"],
        body.repeat(50).as_bytes(),
    );
    assert_ok(&o);
    assert_eq!(stdout(&o), "50\n");
    let info = inspect(tmp.path(), "q").unwrap();
    assert_eq!(info.parts.len(), 1);
    assert_eq!(info.parts[0].format, vqueue_core::Format::V3);

    let o = run_on("cat", tmp.path(), "q", &["--json"], b"");
    assert_ok(&o);
    let msgs = parse_json_lines(&stdout(&o));
    assert_eq!(msgs.len(), 50);
    assert!(msgs
        .iter()
        .all(|m| m.msg_type == "O" && m.body == body.trim_end().as_bytes()));

    let o = run_on("push", tmp.path(), "q", &["--type", "o"], b"lower-case type\n");
    assert_ok(&o);
}

#[test]
fn cat_json_matches_what_the_engine_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let big = vec![0xABu8; 70_000];
    write_session(
        tmp.path(),
        "q",
        &[b"s1", b"\x00\xff binary \n newline"],
        MsgType::String,
    );
    write_session(tmp.path(), "q", &[b"o1", &big], MsgType::Object);

    let o = run_on("cat", tmp.path(), "q", &["--json"], b"");
    assert_ok(&o);
    let got = parse_json_lines(&stdout(&o));

    let mut reader = Consumer::open_reader(tmp.path(), "q", vqueue_core::Start::FirstPart).unwrap();
    let mut expected = Vec::new();
    while let Some(m) = reader.pop().unwrap() {
        expected.push(JsonMsg {
            part: u64::from(m.part),
            offset: m.offset,
            msg_type: (m.msg_type.as_byte() as char).to_string(),
            len: m.body.len() as u64,
            body: m.body,
        });
    }
    assert_eq!(expected.len(), 4);
    assert_eq!(got, expected);
    assert_eq!(got[0].part, 0);
    assert_eq!(got[2].part, 1);
    assert_eq!(got[3].msg_type, "O");
    assert_eq!(got[3].len, 70_000);
    assert_eq!(
        (got[0].offset, got[1].offset),
        (0, HEADER + 2),
        "offset is where the record starts"
    );
}

#[test]
fn cat_writes_no_state() {
    let tmp = tempfile::tempdir().unwrap();
    write_session(tmp.path(), "q", &[b"a", b"b", b"c"], MsgType::String);
    let mut c = Consumer::open(tmp.path(), "c", "q").unwrap();
    c.pop().unwrap().unwrap();
    c.commit().unwrap();
    c.close().unwrap();
    drop(c);

    let before = snapshot(tmp.path());
    for extra in [
        &[][..],
        &["--json"],
        &["--consumer", "c"],
        &["--consumer", "c", "--json"],
    ] {
        let o = run_on("cat", tmp.path(), "q", extra, b"");
        assert_ok(&o);
    }
    assert_eq!(snapshot(tmp.path()), before, "cat changed a file");
}

#[test]
fn cat_from_a_saved_consumer_position() {
    let tmp = tempfile::tempdir().unwrap();
    write_session(tmp.path(), "q", &[b"m1", b"m2", b"m3"], MsgType::String);
    let mut c = Consumer::open(tmp.path(), "c", "q").unwrap();
    write_session(tmp.path(), "q", &[b"m4", b"m5"], MsgType::String);
    for _ in 0..3 {
        c.pop().unwrap().unwrap();
    }
    c.commit().unwrap();
    drop(c);

    let o = run_on("cat", tmp.path(), "q", &["--consumer", "c"], b"");
    assert_ok(&o);
    assert_eq!(stdout(&o), "m4\nm5\n");

    let o = run_on("cat", tmp.path(), "q", &["--consumer", "nobody"], b"");
    assert_eq!(code(&o), 3, "stdout: {} stderr: {}", stdout(&o), stderr(&o));
    assert!(stderr(&o).starts_with("vqueue: "));
}

#[test]
fn info_shows_parts_consumers_and_lag() {
    let tmp = tempfile::tempdir().unwrap();
    write_session(tmp.path(), "q", &[b"a", b"bb", b"ccc"], MsgType::String);
    let mut c = Consumer::open(tmp.path(), "reader", "q").unwrap();
    write_session(tmp.path(), "q", &[b"d", b"e"], MsgType::String);
    c.pop().unwrap().unwrap();
    c.commit().unwrap();
    drop(c);

    let o = run_on("info", tmp.path(), "q", &["--json"], b"");
    assert_ok(&o);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["name"], "q");
    assert_eq!(v["writer_part"], 1);
    assert_eq!(v["writer_active"], false);
    assert_eq!(v["records"], 5);
    let parts = v["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(
        (parts[0]["id"].as_u64(), parts[0]["count"].as_u64()),
        (Some(0), Some(3))
    );
    assert_eq!(
        (parts[1]["id"].as_u64(), parts[1]["count"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(parts[0]["format"], "v2");
    assert_eq!(parts[0]["right_edge"], 3 * HEADER + 6);
    assert!(parts[0]["file_size"].as_u64().unwrap() >= 3 * HEADER + 6);
    let consumers = v["consumers"].as_array().unwrap();
    assert_eq!(consumers.len(), 1);
    assert_eq!(consumers[0]["name"], "reader");
    assert_eq!(consumers[0]["part"], 0);
    assert_eq!(consumers[0]["popped"], 1);
    assert_eq!(consumers[0]["offset"], HEADER + 1);
    assert_eq!(consumers[0]["lag"], 4);
    assert!(parts[0]["problem"].is_null() && consumers[0]["problem"].is_null());

    let o = run_on("info", tmp.path(), "q", &[], b"");
    assert_ok(&o);
    let text = stdout(&o);
    assert!(text.contains("queue:   q"), "{text}");
    assert!(text.contains("part 1 (no writer running)"), "{text}");
    assert!(text.contains("2, 5 records"), "{text}");
    let consumer_row = text.lines().find(|l| l.starts_with("reader ")).expect(&text);
    let cells: Vec<&str> = consumer_row.split_whitespace().collect();
    assert_eq!(cells, ["reader", "0", "26", "1", "4"], "{text}");
    let part_row = text.lines().find(|l| l.starts_with("1 ")).expect(&text);
    assert_eq!(
        part_row.split_whitespace().take(3).collect::<Vec<_>>(),
        ["1", "v2", "2"]
    );
}

#[test]
fn info_sees_a_live_writer() {
    let tmp = tempfile::tempdir().unwrap();
    let w = Queue::open(tmp.path(), "q", Mode::ReadWrite).unwrap();
    w.push(b"x", MsgType::String).unwrap();
    let o = run_on("info", tmp.path(), "q", &["--json"], b"");
    assert_ok(&o);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["writer_active"], true);
    assert_eq!(v["records"], 1);
    drop(w);
}

#[test]
fn verify_clean_queue_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    write_session(tmp.path(), "q", &[b"a", b"b"], MsgType::String);
    write_session(tmp.path(), "q", &[b"c", b"d", b"e"], MsgType::Object);
    let o = run_on("verify", tmp.path(), "q", &[], b"");
    assert_ok(&o);
    assert_eq!(stdout(&o), "verify: 2 parts, 5 records, 0 problems\n");
    assert!(
        stderr(&o).is_empty(),
        "no progress bar when stderr is not a terminal: {}",
        stderr(&o)
    );
}

#[test]
fn verify_names_file_part_and_offset_of_a_bad_crc() {
    let tmp = tempfile::tempdir().unwrap();
    write_session(tmp.path(), "q", &[b"first", b"second", b"third"], MsgType::String);
    let data = tmp.path().join("q-0").join("q_queue");
    let mut bytes = fs::read(&data).unwrap();
    let second = HEADER + 5;
    bytes[(second + HEADER + 2) as usize] ^= 0x20; // a body byte of the second record
    fs::write(&data, &bytes).unwrap();

    let o = run_on("verify", tmp.path(), "q", &[], b"");
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    let line = out
        .lines()
        .find(|l| l.contains("q_queue"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.starts_with(data.to_str().unwrap()) || line.contains("q-0/q_queue"),
        "{line}"
    );
    assert!(line.contains("part 0"), "{line}");
    assert!(line.contains(&format!("offset {second}")), "{line}");
    assert!(
        out.trim_end().ends_with("problems") && !out.contains(" 0 problems"),
        "{out}"
    );
}

#[test]
fn repair_rebuilds_metadata_and_keeps_every_record() {
    let tmp = tempfile::tempdir().unwrap();
    write_session(tmp.path(), "q", &[b"a", b"b", b"c"], MsgType::String);
    write_session(tmp.path(), "q", &[b"d"], MsgType::String);
    let records_before: Vec<Vec<u8>> = (0..2)
        .map(|p| fs::read(tmp.path().join(format!("q-{p}/q_queue"))).unwrap())
        .collect();

    let info_push = tmp.path().join("q-0").join("q_info_push");
    fs::write(&info_push, b"q;999;7;12345\n").unwrap();
    let o = run_on("verify", tmp.path(), "q", &[], b"");
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("q_info_push"), "{}", stdout(&o));

    let o = run_on("repair", tmp.path(), "q", &[], b"");
    assert_ok(&o);
    assert!(stdout(&o).contains("repair: 2 parts, 4 records"), "{}", stdout(&o));

    assert_ok(&run_on("verify", tmp.path(), "q", &[], b""));
    assert_eq!(read_all(tmp.path(), "q"), [&b"a"[..], b"b", b"c", b"d"]);
    for (p, before) in records_before.iter().enumerate() {
        let after = fs::read(tmp.path().join(format!("q-{p}/q_queue"))).unwrap();
        assert_eq!(
            &after[..before.len()],
            &before[..],
            "repair changed records of part {p}"
        );
    }

    let o = run_on("repair", tmp.path(), "q", &[], b"");
    assert_ok(&o);
    assert!(
        stdout(&o).ends_with("0 changes\n"),
        "a sound queue needs no change: {}",
        stdout(&o)
    );
}

#[test]
fn cleanup_dry_run_then_for_real() {
    let tmp = tempfile::tempdir().unwrap();
    write_session(tmp.path(), "q", &[b"p0"], MsgType::String);
    let mut c = Consumer::open(tmp.path(), "c", "q").unwrap();
    write_session(tmp.path(), "q", &[b"p1"], MsgType::String);
    write_session(tmp.path(), "q", &[b"p2"], MsgType::String);
    let mut read = Vec::new();
    while let Some(m) = c.pop().unwrap() {
        read.push(m.body);
    }
    c.commit().unwrap();
    drop(c);
    assert_eq!(read, [b"p0", b"p1", b"p2"]);

    let before = snapshot(tmp.path());
    let o = run_on("cleanup", tmp.path(), "q", &["--dry-run"], b"");
    assert_ok(&o);
    let out = stdout(&o);
    assert!(
        out.starts_with("would remove part 0\nwould remove part 1\ncleanup: would remove 2 parts ("),
        "{out}"
    );
    assert!(out.ends_with("kept 1\n"), "{out}");
    assert_eq!(snapshot(tmp.path()), before, "--dry-run changed a file");

    let o = run_on("cleanup", tmp.path(), "q", &[], b"");
    assert_ok(&o);
    assert!(stdout(&o).starts_with("removed part 0\nremoved part 1\ncleanup: removed 2 parts"));
    assert!(!tmp.path().join("q-0").exists() && !tmp.path().join("q-1").exists());
    assert!(tmp.path().join("q-2").exists());

    let o = run_on("cat", tmp.path(), "q", &[], b"");
    assert_ok(&o);
    assert_eq!(stdout(&o), "p2\n");
    assert_ok(&run_on("verify", tmp.path(), "q", &[], b""));
}

#[test]
fn consume_commits_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_on("push", tmp.path(), "q", &[], b"1\n2\n3\n4\n5\n");
    assert_ok(&o);

    let o = run_on("consume", tmp.path(), "q", &["c", "--max", "2"], b"");
    assert_ok(&o);
    assert_eq!(stdout(&o), "1\n2\n");

    let o = run_on("consume", tmp.path(), "q", &["c", "--json"], b"");
    assert_ok(&o);
    let msgs = parse_json_lines(&stdout(&o));
    let bodies: Vec<&[u8]> = msgs.iter().map(|m| &m.body[..]).collect();
    assert_eq!(bodies, [b"3", b"4", b"5"]);
    assert!(msgs.iter().all(|m| m.part == 0 && m.msg_type == "S" && m.len == 1));

    let o = run_on("consume", tmp.path(), "q", &["c"], b"");
    assert_ok(&o);
    assert_eq!(stdout(&o), "");

    let info = inspect(tmp.path(), "q").unwrap();
    let c = info.consumers.iter().find(|c| c.name == "c").unwrap();
    assert_eq!((c.lag, c.popped), (0, 5));

    // Another consumer still gets everything.
    let o = run_on("consume", tmp.path(), "q", &["other"], b"");
    assert_eq!(stdout(&o), "1\n2\n3\n4\n5\n");
}

#[test]
fn consume_wait_picks_up_a_late_message() {
    let tmp = tempfile::tempdir().unwrap();
    let writer = Queue::open(tmp.path(), "q", Mode::ReadWrite).unwrap();
    writer.push(b"early", MsgType::String).unwrap();

    let start = Instant::now();
    let child = vqueue()
        .args(["consume", base_arg(tmp.path()), "q", "c", "--max", "2", "--wait", "30"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    writer.push(b"late", MsgType::String).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_ok(&o);
    assert_eq!(stdout(&o), "early\nlate\n");
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
}

#[test]
fn consume_wait_gives_up_when_idle() {
    let tmp = tempfile::tempdir().unwrap();
    write_session(tmp.path(), "q", &[b"only"], MsgType::String);
    let start = Instant::now();
    let o = run_on("consume", tmp.path(), "q", &["c", "--wait", "0.3"], b"");
    let took = start.elapsed();
    assert_ok(&o);
    assert_eq!(stdout(&o), "only\n");
    assert!(took >= Duration::from_millis(300), "returned after {took:?}");
    assert!(took < Duration::from_secs(5), "returned after {took:?}");
}

#[test]
fn cat_stops_quietly_when_the_reader_goes_away() {
    let tmp = tempfile::tempdir().unwrap();
    let lines: String = numbered_lines("m", 1..=50_000).join("\n");
    assert_ok(&run_on("push", tmp.path(), "q", &[], lines.as_bytes()));
    let mut child = vqueue()
        .args(["cat", base_arg(tmp.path()), "q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut out, &mut first).unwrap();
    drop(out);
    let o = child.wait_with_output().unwrap();
    assert_eq!(&first[..9], b"m-000001\n");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
}

#[test]
fn push_reads_binary_safe_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let mut input = Vec::new();
    input.extend_from_slice(b"\x00\x01\xfe\xff\r\n");
    input.extend_from_slice("ünïcödé\n".as_bytes());
    let o = run_on("push", tmp.path(), "q", &[], &input);
    assert_ok(&o);
    assert_eq!(
        read_all(tmp.path(), "q"),
        [&b"\x00\x01\xfe\xff\r"[..], "ünïcödé".as_bytes()]
    );
}

#[test]
fn consume_wait_too_long_to_count_waits_for_the_next_message() {
    let tmp = tempfile::tempdir().unwrap();
    let writer = Queue::open(tmp.path(), "q", Mode::ReadWrite).unwrap();
    writer.push(b"early", MsgType::String).unwrap();
    // Each new consumer reads what is there, then waits for one more.
    for (consumer, max, wait) in [("c1", "2", "1e19"), ("c2", "3", "1e300")] {
        let child = vqueue()
            .args([
                "consume",
                base_arg(tmp.path()),
                "q",
                consumer,
                "--max",
                max,
                "--wait",
                wait,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        writer.push(b"late", MsgType::String).unwrap();
        let o = child.wait_with_output().unwrap();
        assert_ok(&o);
        assert!(stdout(&o).ends_with("late\n"), "--wait {wait}: {}", stdout(&o));
    }
}

#[test]
fn verify_lists_crash_leftovers_apart_and_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    write_session(tmp.path(), "q", &[b"a", b"b"], MsgType::String);
    // A writer killed while starting its part: directory and empty data file.
    fs::create_dir(tmp.path().join("q-1")).unwrap();
    fs::write(tmp.path().join("q-1/q_queue"), b"").unwrap();
    fs::write(tmp.path().join("q-0/q_dict.tmp.4194301"), b"half").unwrap();
    let o = run_on("verify", tmp.path(), "q", &[], b"");
    assert_ok(&o);
    let out = stdout(&o);
    assert!(out.contains("q_dict.tmp.4194301") && out.contains("q-1"), "{out}");
    assert!(
        out.ends_with("verify: 2 parts, 2 records, 0 problems, 3 crash leftovers (repair removes them)\n"),
        "{out}"
    );
    assert_ok(&run_on("repair", tmp.path(), "q", &[], b""));
    let o = run_on("verify", tmp.path(), "q", &[], b"");
    assert_eq!(stdout(&o), "verify: 2 parts, 2 records, 0 problems\n");
}

#[test]
fn warnings_go_to_stderr_unless_quiet() {
    let base = tempfile::tempdir().unwrap();
    assert_ok(&run_on("push", base.path(), "q", &[], b"one\ntwo\n"));
    let mut c = Consumer::open(base.path(), "c", "q").unwrap();
    c.pop().unwrap();
    c.commit().unwrap();
    c.close().unwrap();
    fs::write(base.path().join("q_info_queue"), b"garbage\n").unwrap();
    fs::write(base.path().join("q_info_pop_c"), b"torn").unwrap();
    let args = ["cat", base_arg(base.path()), "q", "--consumer", "c"];

    let o = run(&args, b"");
    assert_ok(&o);
    assert_eq!(stdout(&o), "two\n");
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.iter().all(|l| l.starts_with("vqueue: warning: ")), "{err}");
    assert!(err.contains("deriving the current part"), "{err}");
    assert!(err.contains("using the backup of the last commit"), "{err}");

    let o = run(&[&["-q"], &args[..]].concat(), b"");
    assert_ok(&o);
    assert_eq!((stdout(&o).as_str(), stderr(&o).as_str()), ("two\n", ""));

    let o = run(&[&["--verbose"], &args[..]].concat(), b"");
    assert_ok(&o);
    let err = stderr(&o);
    assert!(err.contains("vqueue: warning: CurrentPartDerived: "), "{err}");
    assert!(err.contains("vqueue: warning: PositionFromBackup: "), "{err}");
    assert!(err.contains("(file "), "{err}");
}
