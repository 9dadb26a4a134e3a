//! Comparing a trace with a scenario's expected results.

use serde_json::Value;

/// The index and a description of every step whose result differs from its
/// `expect`, or that crashed.
pub fn differences(scenario: &Value, trace: &Value) -> Vec<String> {
    let steps = scenario["steps"].as_array().cloned().unwrap_or_default();
    let results = trace["results"].as_array().cloned().unwrap_or_default();
    let mut out = Vec::new();
    if steps.len() != results.len() {
        out.push(format!("{} steps but {} results", steps.len(), results.len()));
    }
    for (i, (step, got)) in steps.iter().zip(&results).enumerate() {
        if let Some(want) = step.get("expect") {
            if want != got {
                out.push(format!("step {i} ({}): expected {want}, got {got}", step["op"]));
            }
        }
    }
    out
}
