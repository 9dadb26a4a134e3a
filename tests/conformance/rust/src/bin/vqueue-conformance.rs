//! `vqueue-conformance run --binding core|upstream`: JSON lines
//! `{"scenario": .., "base": DIR|null}` on stdin, one trace per line on stdout.
//! `vqueue-conformance generate --seed S --count N`: N random scenarios from
//! the proptest strategy, one per line.

use std::io::{BufRead, Write};
use std::path::Path;

use serde_json::Value;
use vqueue_conformance::{core_binding::Core, generate, run_scenario, upstream::Upstream, Binding};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = std::io::stdout();
    let mut out = out.lock();
    match args.get(1).map(String::as_str) {
        Some("generate") => {
            let seed: u64 = arg(&args, "--seed").and_then(|s| s.parse().ok()).unwrap_or(0);
            let count: usize = arg(&args, "--count").and_then(|s| s.parse().ok()).unwrap_or(10);
            for s in generate::scenarios(seed, count) {
                writeln!(out, "{s}").unwrap();
            }
        }
        Some("run") => {
            let mut binding: Box<dyn Binding> = match arg(&args, "--binding").as_deref() {
                Some("upstream") => Box::new(Upstream::default()),
                _ => Box::new(Core::default()),
            };
            for line in std::io::stdin().lock().lines() {
                let line = line.expect("stdin");
                if line.trim().is_empty() {
                    continue;
                }
                let req: Value = serde_json::from_str(&line).expect("request json");
                let trace = match req["base"].as_str() {
                    Some(b) => run_scenario(binding.as_mut(), &req["scenario"], Path::new(b)),
                    None => {
                        let dir = tempfile::Builder::new().prefix("vqc-").tempdir().expect("temp dir");
                        run_scenario(binding.as_mut(), &req["scenario"], dir.path())
                    }
                };
                writeln!(out, "{trace}").unwrap();
                out.flush().unwrap();
            }
        }
        _ => {
            eprintln!("usage: vqueue-conformance run --binding core|upstream | generate --seed S --count N");
            std::process::exit(2);
        }
    }
}
