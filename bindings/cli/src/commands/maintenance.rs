//! `vqueue verify`, `vqueue repair` and `vqueue cleanup`.

use std::io::{self, Write};
use std::path::Path;

use vqueue_core::{cleanup as cleanup_parts, repair_with, verify_with, Problem};

use crate::exit::{CmdResult, Failure, OK, PROBLEMS_FOUND};
use crate::progress::ScanProgress;

pub fn verify(base: &Path, queue: &str) -> CmdResult {
    let mut progress = ScanProgress::new("verify");
    let report = verify_with(base, queue, &mut |p| progress.update(p));
    progress.finish();
    let report = report?;
    let mut out = io::stdout().lock();
    let mut print = || -> io::Result<()> {
        for problem in &report.problems {
            writeln!(out, "{}", describe(problem))?;
        }
        for leftover in &report.leftovers {
            writeln!(out, "leftover: {}", describe(leftover))?;
        }
        write!(
            out,
            "verify: {} parts, {} records, {} problems",
            report.parts,
            report.records,
            report.problems.len()
        )?;
        if !report.leftovers.is_empty() {
            write!(
                out,
                ", {} crash leftovers (repair removes them)",
                report.leftovers.len()
            )?;
        }
        writeln!(out)?;
        out.flush()
    };
    print().map_err(Failure::Output)?;
    Ok(if report.is_ok() { OK } else { PROBLEMS_FOUND })
}

fn describe(problem: &Problem) -> String {
    let mut place = problem.file.display().to_string();
    if let Some(part) = problem.part {
        place.push_str(&format!(": part {part}"));
    }
    if let Some(offset) = problem.offset {
        place.push_str(&format!(", offset {offset}"));
    }
    format!("{place}: {}", problem.detail)
}

pub fn repair(base: &Path, queue: &str) -> CmdResult {
    let mut progress = ScanProgress::new("repair");
    let report = repair_with(base, queue, &mut |p| progress.update(p));
    progress.finish();
    let report = report?;
    let mut out = io::stdout().lock();
    let mut print = || -> io::Result<()> {
        for action in &report.actions {
            writeln!(out, "{action}")?;
        }
        writeln!(
            out,
            "repair: {} parts, {} records, {} changes",
            report.parts,
            report.records,
            report.actions.len()
        )?;
        out.flush()
    };
    print().map_err(Failure::Output)?;
    Ok(OK)
}

pub fn cleanup(base: &Path, queue: &str, dry_run: bool) -> CmdResult {
    let report = cleanup_parts(base, queue, dry_run)?;
    let verb = if dry_run { "would remove" } else { "removed" };
    let mut out = io::stdout().lock();
    let mut print = || -> io::Result<()> {
        for part in &report.removed {
            writeln!(out, "{verb} part {part}")?;
        }
        for note in &report.notes {
            writeln!(out, "note: {note}")?;
        }
        writeln!(
            out,
            "cleanup: {verb} {} parts ({} bytes), kept {}",
            report.removed.len(),
            report.bytes_freed,
            report.kept.len()
        )?;
        out.flush()
    };
    print().map_err(Failure::Output)?;
    Ok(OK)
}
