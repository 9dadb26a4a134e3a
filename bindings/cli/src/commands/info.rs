//! `vqueue info`

use std::io::{self, Write};
use std::path::Path;

use serde_json::json;
use vqueue_core::{inspect, QueueInfo};

use super::format_name;
use crate::exit::{CmdResult, Failure, OK};

pub fn run(base: &Path, queue: &str, as_json: bool) -> CmdResult {
    let info = inspect(base, queue)?;
    let mut out = io::stdout().lock();
    let written = if as_json {
        write_json(&mut out, &info)
    } else {
        write_tables(&mut out, &info)
    };
    written.and_then(|()| out.flush()).map_err(Failure::Output)?;
    Ok(OK)
}

fn write_json(out: &mut impl Write, info: &QueueInfo) -> io::Result<()> {
    let parts: Vec<_> = info
        .parts
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "format": format_name(p.format),
                "count": p.count,
                "right_edge": p.right_edge,
                "file_size": p.file_size,
                "has_dict": p.has_dict,
                "problem": p.problem,
            })
        })
        .collect();
    let consumers: Vec<_> = info
        .consumers
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "part": c.part,
                "offset": c.offset,
                "popped": c.popped,
                "lag": c.lag,
                "problem": c.problem,
            })
        })
        .collect();
    let doc = json!({
        "name": info.name,
        "writer_part": info.writer_part,
        "writer_active": info.writer_active,
        "records": total_records(info),
        "bytes": total_bytes(info),
        "parts": parts,
        "consumers": consumers,
    });
    writeln!(out, "{doc}")
}

fn write_tables(out: &mut impl Write, info: &QueueInfo) -> io::Result<()> {
    writeln!(out, "queue:   {}", info.name)?;
    let writer = match info.writer_part {
        Some(part) if info.writer_active => format!("part {part} (a writer has it open)"),
        Some(part) => format!("part {part} (no writer running)"),
        None => "none".to_string(),
    };
    writeln!(out, "writer:  {writer}")?;
    writeln!(
        out,
        "parts:   {}, {} records, {} on disk",
        info.parts.len(),
        total_records(info),
        human_bytes(total_bytes(info))
    )?;

    let mut rows = vec![row([
        "PART",
        "FORMAT",
        "RECORDS",
        "RIGHT_EDGE",
        "FILE_SIZE",
        "DICT",
        "PROBLEM",
    ])];
    for p in &info.parts {
        rows.push(vec![
            p.id.to_string(),
            format_name(p.format).to_string(),
            p.count.to_string(),
            p.right_edge.to_string(),
            p.file_size.to_string(),
            if p.has_dict { "yes" } else { "-" }.to_string(),
            p.problem.clone().unwrap_or_default(),
        ]);
    }
    writeln!(out)?;
    write_table(out, &rows)?;

    writeln!(out)?;
    if info.consumers.is_empty() {
        return writeln!(out, "no consumers");
    }
    let mut rows = vec![row(["CONSUMER", "PART", "OFFSET", "POPPED", "LAG", "PROBLEM"])];
    for c in &info.consumers {
        rows.push(vec![
            c.name.clone(),
            c.part.to_string(),
            c.offset.to_string(),
            c.popped.to_string(),
            c.lag.to_string(),
            c.problem.clone().unwrap_or_default(),
        ]);
    }
    write_table(out, &rows)
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// Left-aligned columns; a last column that is empty in every data row (the
/// usual PROBLEM column) is left out, header included.
fn write_table(out: &mut impl Write, rows: &[Vec<String>]) -> io::Result<()> {
    let mut columns = rows.first().map_or(0, Vec::len);
    if columns > 0 && rows[1..].iter().all(|r| r[columns - 1].is_empty()) {
        columns -= 1;
    }
    let widths: Vec<usize> = (0..columns)
        .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    for r in rows {
        let line: Vec<String> = r.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    Ok(())
}

fn total_records(info: &QueueInfo) -> u64 {
    info.parts.iter().map(|p| u64::from(p.count)).sum()
}

fn total_bytes(info: &QueueInfo) -> u64 {
    info.parts.iter().map(|p| p.file_size).sum()
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
