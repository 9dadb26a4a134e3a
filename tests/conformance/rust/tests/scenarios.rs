//! Every scenario of `tests/conformance/scenarios` on `vqueue-core`, and
//! random scenarios from the proptest strategy.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::{json, Value};
use vqueue_conformance::{check::differences, core_binding::Core, generate, run_scenario};

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn load(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn run(scenario: &Value) -> Value {
    let dir = tempfile::tempdir().unwrap();
    run_scenario(&mut Core::default(), scenario, dir.path())
}

#[test]
fn every_scenario_gives_its_expected_results() {
    let files = scenario_files();
    assert!(files.len() >= 60, "only {} scenarios", files.len());
    let mut failures = Vec::new();
    for f in &files {
        let s = load(f);
        for d in differences(&s, &run(&s)) {
            failures.push(format!("{}: {d}", f.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_changed_expected_result_is_reported() {
    let f = scenario_files()
        .into_iter()
        .find(|p| p.ends_with("api-push-pop-v2.json"))
        .unwrap();
    let mut s = load(&f);
    let trace = run(&s);
    assert!(differences(&s, &trace).is_empty());
    s["steps"][1]["expect"] = json!({ "ok": 27 });
    let d = differences(&s, &trace);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].starts_with("step 1 "), "{d:?}");
}

#[test]
fn generated_scenarios_are_deterministic_and_fixed_seeds_reproduce() {
    assert_eq!(generate::scenarios(7, 3), generate::scenarios(7, 3));
    assert_ne!(generate::scenarios(7, 1), generate::scenarios(8, 1));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// The core never crashes on a random sequence, and replaying it gives the
    /// same trace (what lets every binding be compared on it).
    #[test]
    fn random_scenarios_replay_identically(s in generate::scenario("proptest".into())) {
        let first = run(&s);
        prop_assert!(!first.to_string().contains("\"crash\""));
        prop_assert_eq!(first, run(&s));
    }
}
