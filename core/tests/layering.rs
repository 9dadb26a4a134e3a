//! The engine's modules depend on each other in one direction only, and only
//! `os` calls the operating system. Read from the sources, so a `use` that
//! breaks the order fails here rather than in review.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Layers from the bottom; a module may use modules of its own layer or
/// below, never above (the order is also written in `src/lib.rs`).
const LAYERS: [&[&str]; 5] = [
    &["types", "error", "warning", "os", "name"],
    &["record", "meta", "part", "compress"],
    &["lock", "scan"],
    &["writer", "consumer"],
    &["maintenance"],
];

/// What only `os` may name: the platform, the file system, raw syscalls.
const OS_ONLY: [&str; 9] = [
    "std::fs",
    "std::os",
    "libc::",
    "memmap2::",
    "OpenOptions",
    ".sync_all(",
    ".sync_data(",
    ".read_at(",
    // So that the power-loss recorder (`os/trace.rs`) sees every change
    // (maps are flushed through `os::MmapMut`, which records it).
    ".set_len(",
];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`consumer/cursor.rs` is
/// part of `consumer`); `None` for the crate root.
fn module_of(path: &Path) -> Option<String> {
    let rel = path.strip_prefix(src_dir()).expect("under src");
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (name != "lib").then_some(name)
}

/// Code lines only: comments say what a module is about, not what it uses.
fn code(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Top-level modules named as `crate::NAME` in `text`, including inside
/// grouped imports such as `use crate::{a, b::c}`.
fn uses(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect::<String>()
    };
    for (i, _) in text.match_indices("crate::") {
        // `$crate::` in a macro names an exported macro, not a module.
        if text[..i].ends_with('$') {
            continue;
        }
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name = ident(item.trim());
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            found.insert(ident(rest));
        }
    }
    found
}

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&module))
        .unwrap_or_else(|| panic!("module `{module}` is in no layer of tests/layering.rs; add it"))
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(module) = module_of(&file) else { continue };
        let text = code(&fs::read_to_string(&file).expect("read source"));
        let targets = edges.entry(module.clone()).or_default();
        for used in uses(&text) {
            if used != module && used != "self" {
                targets.insert(used);
            }
        }
    }
    edges
}

#[test]
fn every_module_uses_only_its_layer_and_below() {
    let edges = graph();
    let listed: BTreeSet<String> = LAYERS.iter().flat_map(|l| l.iter().map(|m| m.to_string())).collect();
    assert_eq!(
        edges.keys().cloned().collect::<BTreeSet<_>>(),
        listed,
        "modules on disk vs LAYERS"
    );
    let mut wrong = Vec::new();
    for (module, targets) in &edges {
        for t in targets {
            if layer_of(t) > layer_of(module) {
                wrong.push(format!("{module} uses {t}"));
            }
        }
    }
    assert!(wrong.is_empty(), "uses against the layer order: {wrong:?}");
}

#[test]
fn no_import_cycle() {
    let edges = graph();
    // Depth-first search with colours; a grey target is a back edge.
    fn visit<'a>(
        m: &'a str,
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) {
        state.insert(m, 1);
        stack.push(m);
        for t in edges.get(m).into_iter().flatten() {
            match state.get(t.as_str()) {
                Some(1) => panic!("import cycle: {} -> {t}", stack.join(" -> ")),
                Some(_) => {}
                None => visit(t, edges, state, stack),
            }
        }
        stack.pop();
        state.insert(m, 2);
    }
    let mut state = BTreeMap::new();
    for m in edges.keys() {
        if !state.contains_key(m.as_str()) {
            visit(m, &edges, &mut state, &mut Vec::new());
        }
    }
}

#[test]
fn the_format_writer_and_maintenance_stay_apart() {
    let edges = graph();
    let uses = |a: &str, b: &str| edges.get(a).is_some_and(|t| t.contains(b));
    for format in ["record", "meta", "part", "compress"] {
        for upper in ["lock", "scan", "writer", "consumer", "maintenance"] {
            assert!(!uses(format, upper), "format module {format} uses {upper}");
        }
    }
    for (a, b) in [
        ("writer", "maintenance"),
        ("consumer", "maintenance"),
        ("writer", "consumer"),
    ] {
        assert!(!uses(a, b) && !uses(b, a), "{a} and {b} use each other");
    }
}

#[test]
fn only_os_calls_the_operating_system() {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    let mut found = Vec::new();
    for file in files {
        if module_of(&file).as_deref() == Some("os") {
            continue;
        }
        let text = code(&fs::read_to_string(&file).expect("read source"));
        for word in OS_ONLY {
            if text.contains(word) {
                found.push(format!("{} names {word}", file.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_scanner_sees_grouped_imports() {
    let seen = uses("use crate::{meta::Paths, os};\nuse crate::types::Format;");
    assert_eq!(seen, ["meta", "os", "types"].map(String::from).into_iter().collect());
}
