//! Replays the language-neutral conformance scenarios (`../scenarios/`) on
//! `vqueue-core`, and a subset of them on the upstream `v_queue` 0.3.3 crate,
//! producing the normalised trace described in `../schema.json`.

pub mod check;
pub mod core_binding;
pub mod generate;
pub mod scenario;
pub mod upstream;

use std::path::Path;

use serde_json::{json, Value};

/// One binding's meaning of the steps that are not file steps.
pub trait Binding {
    /// `Ok` value or normalised error (`{"error": ...}`) of one step;
    /// `{"absent": handle}` when the step names a handle that is not open.
    fn step(&mut self, base: &Path, step: &Value) -> Result<Value, Value>;
    /// Closes every handle left open at the end of a scenario.
    fn finish(&mut self);
}

/// Runs every step of `scenario` in `base`, one normalised result per step.
pub fn run_scenario(binding: &mut dyn Binding, scenario: &Value, base: &Path) -> Value {
    let mut results = Vec::new();
    for step in scenario["steps"].as_array().into_iter().flatten() {
        let op = step["op"].as_str().unwrap_or("");
        let r = if scenario::FILE_OPS.contains(&op) {
            scenario::file_step(base, step)
        } else {
            binding.step(base, step)
        };
        results.push(match r {
            Ok(v) if v.get("absent").is_some() => v,
            Ok(v) => json!({ "ok": v }),
            Err(e) => e,
        });
    }
    binding.finish();
    json!({ "name": scenario["name"], "results": results })
}
