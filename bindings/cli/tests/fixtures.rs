//! The golden queues (see the fixtures' README) read through `vqueue`.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use sha2::{Digest, Sha256};

struct Expected {
    lines: Vec<serde_json::Value>,
    count: u64,
    digest: String,
}

fn expected(fixtures: &Path, name: &str) -> Expected {
    let text = fs::read_to_string(fixtures.join(format!("{name}.expected.jsonl"))).unwrap();
    let mut lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let summary = lines.pop().unwrap();
    assert_eq!(summary["summary"], true);
    Expected {
        count: summary["messages"].as_u64().unwrap(),
        digest: summary["digest"].as_str().unwrap().to_string(),
        lines,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `vqueue cat --consumer fixture --json` gives exactly the expected messages.
fn assert_cat_matches(base: &Path, queue: &str, want: &Expected) {
    let o = run_on("cat", base, queue, &["--consumer", "fixture", "--json"], b"");
    assert_ok(&o);
    let got = parse_json_lines(&stdout(&o));
    assert_eq!(got.len() as u64, want.count);
    assert_eq!(got.len(), want.lines.len());
    let mut all = Sha256::new();
    for (i, (g, w)) in got.iter().zip(&want.lines).enumerate() {
        let sha = Sha256::digest(&g.body);
        all.update(sha);
        assert_eq!(g.part, w["part"].as_u64().unwrap(), "message {i}");
        assert_eq!(g.msg_type, w["type"].as_str().unwrap(), "message {i}");
        assert_eq!(g.len, w["len"].as_u64().unwrap(), "message {i}");
        assert_eq!(g.len, g.body.len() as u64, "message {i}");
        assert_eq!(hex(&sha), w["sha256"].as_str().unwrap(), "message {i}");
    }
    assert_eq!(hex(&all.finalize()), want.digest);
}

fn check_fixture(name: &str, queue: &str) {
    let Some(fixtures) = fixtures_dir() else {
        return;
    };
    let copy = fixture_copy(&fixtures, name);
    let want = expected(&fixtures, name);
    assert_ok(&run_on("verify", copy.path(), queue, &[], b""));
    assert_cat_matches(copy.path(), queue, &want);

    let o = run_on("info", copy.path(), queue, &["--json"], b"");
    assert_ok(&o);
    let info: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let fixture = info["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "fixture")
        .expect("the fixture consumer is listed");
    assert_eq!(fixture["lag"].as_u64().unwrap(), want.count, "nothing read yet");
}

#[test]
fn fixture_v2_generated_reads_as_expected() {
    check_fixture("v2-generated", "docs");
}

#[test]
fn fixture_v3_compressed_reads_as_expected() {
    check_fixture("v3-compressed", "docs");
}

#[test]
fn fixture_real_veda_v2_reads_as_expected() {
    check_fixture("real-veda-v2", "individuals-flow");
}

#[test]
fn fixture_real_veda_small_is_refused_then_repaired() {
    let Some(fixtures) = fixtures_dir() else {
        return;
    };
    let copy = fixture_copy(&fixtures, "real-veda-small");
    let want = expected(&fixtures, "real-veda-small");
    assert_eq!(want.count, 39);

    let o = run_on("verify", copy.path(), "test", &[], b"");
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("test_info_queue"), "{out}");
    assert!(out.contains("test_info_push"), "{out}");

    let o = run_on("info", copy.path(), "test", &["--json"], b"");
    assert_ok(&o);
    let info: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    for part in info["parts"].as_array().unwrap() {
        let problem = part["problem"].as_str().unwrap_or_default();
        assert!(problem.contains("test_info_push"), "info names the bad file: {part}");
    }

    let o = run_on("cat", copy.path(), "test", &["--consumer", "fixture"], b"");
    assert_eq!(code(&o), 3, "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.starts_with("vqueue: ") && err.contains("test_info"), "{err}");
    assert!(err.to_lowercase().contains("checksum"), "{err}");

    let o = run_on("repair", copy.path(), "test", &[], b"");
    assert_ok(&o);
    assert!(stdout(&o).contains("repair: 2 parts, 39 records"), "{}", stdout(&o));
    assert_ok(&run_on("verify", copy.path(), "test", &[], b""));
    assert_cat_matches(copy.path(), "test", &want);
    let o = run_on("info", copy.path(), "test", &["--json"], b"");
    let info: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(info["records"], 39);
    assert!(info["parts"].as_array().unwrap().iter().all(|p| p["problem"].is_null()));
}

#[test]
fn absent_fixtures_fail_only_when_required() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |require: bool| {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args(["--exact", "fixture_v2_generated_reads_as_expected", "--nocapture"])
            .env("VQUEUE_FIXTURES", tmp.path().join("absent"))
            .env_remove("VQUEUE_REQUIRE_FIXTURES");
        if require {
            cmd.env("VQUEUE_REQUIRE_FIXTURES", "1");
        }
        cmd.output().unwrap()
    };
    assert!(run(false).status.success());
    let strict = run(true);
    assert!(!strict.status.success());
    let out = String::from_utf8_lossy(&strict.stdout).into_owned() + &String::from_utf8_lossy(&strict.stderr);
    assert!(out.contains("VQUEUE_REQUIRE_FIXTURES=1"), "{out}");
}
