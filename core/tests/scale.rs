//! Scale: one writer process restarted every `RESTART` messages (a new part
//! each time) and four consumer processes — `wait` (blocks in `wait`),
//! `poll` (pops, sleeps when drained), `batch` (`pop_batch`) and `reader`
//! (a read-only cursor that writes nothing) — over `MESSAGES` messages, with
//! `cleanup` deleting passed parts alongside. Every consumer must read every
//! message exactly once and in order: each body carries its sequence number,
//! and each consumer's SHA-256 over the bodies must equal the writer's.
//!
//! Sizes: `VQUEUE_SCALE_MESSAGES` (default 20,000) and
//! `VQUEUE_SCALE_RESTART_EVERY` (default a tenth of it); the reliability
//! suite runs 1,000,000 and 100,000.
//!
//! The processes are this test binary run again with `VQUEUE_SCALE_ROLE`.

mod common;

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::temp_base;
use sha2::{Digest, Sha256};
use vqueue_core::*;

const Q: &str = "scale";
const TEST: &str = "writer_restarts_and_four_consumers_read_every_message_once_in_order";
const ROLES: [&str; 4] = ["wait", "poll", "batch", "reader"];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Message `seq`: its number, then 8..200 bytes that depend on it.
fn message(seq: u64) -> Vec<u8> {
    let mut b = seq.to_le_bytes().to_vec();
    let mut x = seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let len = 8 + (x % 193) as usize;
    while b.len() < 8 + len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b.push(b'a' + (x % 26) as u8);
    }
    b
}

/// Checks that `body` is message `expected`; feeds the digest.
fn accept(role: &str, body: &[u8], expected: u64, digest: &mut Sha256) {
    let seq = u64::from_le_bytes(body[..8].try_into().expect("a body holds its sequence number"));
    assert_eq!(seq, expected, "{role}: message {seq} where {expected} was due");
    assert!(
        body == message(seq).as_slice(),
        "{role}: message {seq} has the wrong bytes"
    );
    digest.update(body);
}

fn spawn(role: &str, base: &Path, extra: &[(&str, String)]) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env("VQUEUE_SCALE_ROLE", role)
        .env("VQUEUE_SCALE_BASE", base);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn a role process")
}

/// A writer process: pushes `[from, to)` (singles and batches), then closes.
fn writer(base: &Path, from: u64, to: u64) {
    let mut q = Queue::open(base, Q, Mode::ReadWrite).expect("writer opens");
    let mut seq = from;
    while seq < to {
        let n = ((seq % 7) + 1).min(to - seq);
        if n == 1 {
            q.push(&message(seq), MsgType::Object).expect("push");
        } else {
            let batch: Vec<Vec<u8>> = (seq..seq + n).map(message).collect();
            q.push_batch(&batch, MsgType::Object).expect("push_batch");
        }
        seq += n;
    }
    q.close().expect("writer closes");
}

/// A consumer process: reads `total` messages its way; prints its digest.
fn consumer(role: &str, base: &Path, total: u64) {
    let progress = base.with_extension(format!("{role}.part"));
    let mut digest = Sha256::new();
    let mut next = 0u64;
    let deadline = Instant::now() + Duration::from_secs(1800);
    let mut c = match role {
        "reader" => Consumer::open_reader(base, Q, Start::FirstPart),
        _ => Consumer::open(base, role, Q),
    }
    .expect("consumer opens");
    while next < total {
        assert!(Instant::now() < deadline, "{role}: stuck at message {next}");
        let got = match role {
            "wait" => {
                if c.wait(Duration::from_secs(5)).expect("wait") {
                    c.pop().expect("pop").into_iter().collect()
                } else {
                    Vec::new()
                }
            }
            "batch" => c.pop_batch(512).expect("pop_batch"),
            _ => c.pop().expect("pop").into_iter().collect(),
        };
        if got.is_empty() {
            std::thread::sleep(Duration::from_millis(1));
        }
        for m in &got {
            accept(role, &m.body, next, &mut digest);
            next += 1;
        }
        if role != "reader" && (role == "batch" || next.is_multiple_of(1000)) && !got.is_empty() {
            c.commit().expect("commit");
        }
        if role == "reader" && !got.is_empty() {
            // Cleanup alongside must not delete what this cursor, which no
            // saved position protects, has yet to read.
            std::fs::write(&progress, c.part_id().to_string()).expect("write progress");
        }
    }
    if role != "reader" {
        c.commit().expect("commit");
    }
    assert!(c.pop().expect("pop").is_none(), "{role}: a message past the last one");
    println!("{role} read {next} messages, digest {}", hex::encode(digest.finalize()));
}

#[test]
fn writer_restarts_and_four_consumers_read_every_message_once_in_order() {
    let total = env_usize("VQUEUE_SCALE_MESSAGES", 20_000) as u64;
    let restart = (env_usize("VQUEUE_SCALE_RESTART_EVERY", total as usize / 10) as u64).max(1);
    if let Ok(role) = std::env::var("VQUEUE_SCALE_ROLE") {
        let base = std::path::PathBuf::from(std::env::var("VQUEUE_SCALE_BASE").unwrap());
        match role.as_str() {
            "writer" => {
                let from: u64 = std::env::var("VQUEUE_SCALE_FROM").unwrap().parse().unwrap();
                writer(&base, from, (from + restart).min(total));
            }
            _ => consumer(&role, &base, total),
        }
        return;
    }

    let dir = temp_base();
    let base = dir.path().join("q");
    Queue::open(&base, Q, Mode::ReadWrite).unwrap().close().unwrap();
    for role in &ROLES[..3] {
        Consumer::open(&base, role, Q).unwrap().close().unwrap();
    }
    let mut expected = Sha256::new();
    for seq in 0..total {
        expected.update(message(seq));
    }
    let expected = hex::encode(expected.finalize());

    let readers: Vec<(&str, Child)> = ROLES
        .iter()
        .map(|&r| {
            let mut cmd = Command::new(std::env::current_exe().unwrap());
            cmd.args([TEST, "--exact", "--nocapture", "--test-threads=1"])
                .env("VQUEUE_SCALE_ROLE", r)
                .env("VQUEUE_SCALE_BASE", &base)
                .stdout(std::process::Stdio::piped());
            (r, cmd.spawn().unwrap())
        })
        .collect();

    let started = Instant::now();
    let mut from = 0;
    let mut writers = 0;
    let mut cleaned = Vec::new();
    let mut cleanups = 0;
    let mut run_cleanup = |cleaned: &mut Vec<u32>| {
        // The reader's part, as it last reported it; cleanup runs only when
        // every part it would delete lies before that.
        let reader_part: u32 = std::fs::read_to_string(base.with_extension("reader.part"))
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let dry = cleanup(&base, Q, true).expect("cleanup --dry-run");
        if dry.removed.iter().all(|&p| p < reader_part) {
            cleaned.extend(cleanup(&base, Q, false).expect("cleanup").removed);
            cleanups += 1;
        }
    };
    while from < total {
        let mut w = spawn("writer", &base, &[("VQUEUE_SCALE_FROM", from.to_string())]);
        writers += 1;
        loop {
            if let Some(status) = w.try_wait().unwrap() {
                assert!(
                    status.success(),
                    "writer process for messages from {from} failed: {status}"
                );
                break;
            }
            run_cleanup(&mut cleaned);
            std::thread::sleep(Duration::from_millis(50));
        }
        from += restart;
    }
    let mut verified = 0;
    for (role, child) in readers {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{role} failed ({}):\n{stdout}", out.status);
        let line = format!("{role} read {total} messages, digest {expected}");
        assert!(stdout.contains(&line), "{role}: expected {line:?}, got:\n{stdout}");
        verified += total;
    }
    run_cleanup(&mut cleaned);
    assert!(!cleaned.is_empty(), "cleanup never removed a part");
    let report = verify(&base, Q).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    println!(
        "scale: {total} messages through {writers} writer processes, {verified} messages verified by {} consumers \
         in {:.1}s; {cleanups} cleanups removed {} parts",
        ROLES.len(),
        started.elapsed().as_secs_f64(),
        cleaned.len()
    );
}
