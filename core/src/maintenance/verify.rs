//! `verify`: every record's CRC and every metadata file, read only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{file_len, open_base, records_in, stray_files, Problem, Progress, VerifyReport};
use crate::error::{Error, Result};
use crate::meta;
use crate::scan::scan_part;

pub fn verify(base: impl AsRef<Path>, queue: &str) -> Result<VerifyReport> {
    verify_with(base, queue, &mut |_| {})
}

pub fn verify_with(base: impl AsRef<Path>, queue: &str, progress: &mut dyn FnMut(Progress)) -> Result<VerifyReport> {
    let paths = open_base(base.as_ref(), queue)?;
    let mut report = VerifyReport::default();
    let parts = paths.list_parts()?;
    let mut edges = BTreeMap::new();
    let whole = |file: PathBuf, part: Option<u32>, detail: String| Problem {
        file,
        part,
        offset: None,
        detail,
    };
    // A writer creates a part's directory and files before `_info_queue`
    // names it; a crash in between leaves a part with no record that the
    // metadata does not name yet. Readers pass over it; it is a leftover.
    let blank_from = |id: u32| -> Result<bool> {
        for &p in parts.iter().filter(|&&p| p >= id) {
            if records_in(&paths, p)? > 0 {
                return Ok(false);
            }
        }
        Ok(true)
    };
    match meta::read_info_queue(&paths) {
        Ok(Some(id)) => {
            if let Some(&newest) = parts.last() {
                if newest > id {
                    let detail = format!("names part {id} but part {newest} exists");
                    if blank_from(id + 1)? {
                        report.leftovers.push(whole(
                            paths.info_queue(),
                            None,
                            format!("{detail}, which holds no record (a writer stopped while starting it)"),
                        ));
                    } else {
                        report.problems.push(whole(paths.info_queue(), None, detail));
                    }
                }
            }
        }
        Ok(None) if blank_from(0)? => report.leftovers.push(whole(
            paths.info_queue(),
            None,
            "missing, and no part holds a record (a writer stopped while starting the queue)".into(),
        )),
        Ok(None) => report.problems.push(whole(paths.info_queue(), None, "missing".into())),
        Err(e) => report.problems.push(whole(paths.info_queue(), None, e.to_string())),
    }
    // Parts are numbered consecutively and cleanup only removes the oldest,
    // so a hole means a part was lost.
    for pair in parts.windows(2) {
        for missing in pair[0] + 1..pair[1] {
            report.problems.push(whole(
                paths.part_dir(missing),
                Some(missing),
                format!("part {missing} is missing between parts {} and {}", pair[0], pair[1]),
            ));
        }
    }
    let total: u64 = parts.iter().map(|&id| file_len(&paths.part_data(id))).sum();
    let mut done_before = 0;
    for &id in &parts {
        report.parts += 1;
        let file_size = file_len(&paths.part_data(id));
        let (limit, format, count) = match meta::read_info_push(&paths, id) {
            Ok(Some(i)) => (i.right_edge, Some(i.format), Some(i.count)),
            missing @ (Ok(None) | Err(Error::NotFound(_))) => {
                let what = if missing.is_ok() { "empty" } else { "missing" };
                match records_in(&paths, id)? {
                    0 if missing.is_err() => report.leftovers.push(whole(
                        paths.info_push(id),
                        Some(id),
                        "missing, and the part holds no record (a writer stopped while starting it)".into(),
                    )),
                    0 => {}
                    n => report.problems.push(whole(
                        paths.info_push(id),
                        Some(id),
                        format!("{what}, but the part holds {n} intact records (`repair` rebuilds it from them)"),
                    )),
                }
                (0, None, Some(0))
            }
            Err(e) => {
                report
                    .problems
                    .push(whole(paths.info_push(id), Some(id), e.to_string()));
                (file_size, None, None)
            }
        };
        if file_size < limit {
            report.problems.push(Problem {
                file: paths.part_data(id),
                part: Some(id),
                offset: Some(file_size),
                detail: format!("the file ends at byte {file_size} but its info_push promises {limit}"),
            });
        }
        let scan = scan_part(&paths, id, limit.min(file_size), format, true, &mut |pos| {
            progress(Progress {
                done_bytes: done_before + pos,
                total_bytes: total,
            })
        })?;
        let flaws: Vec<Problem> = scan
            .flaws
            .iter()
            .map(|f| Problem {
                file: paths.part_data(id),
                part: Some(id),
                offset: f.offset,
                detail: f.detail.clone(),
            })
            .collect();
        if let Some(count) = count {
            if scan.flaws.is_empty() && scan.count != count && file_size >= limit {
                report.problems.push(whole(
                    paths.info_push(id),
                    Some(id),
                    format!("says {count} records, the part holds {}", scan.count),
                ));
            }
        }
        done_before += file_size;
        report.records += scan.records;
        report.problems.extend(flaws);
        edges.insert(id, limit);
    }
    for file in stray_files(&paths, &parts)? {
        report
            .leftovers
            .push(whole(file, None, "temporary file left by a crash".into()));
    }
    for name in paths.list_consumers()? {
        let file = paths.info_pop(&name);
        match meta::read_position(&paths, &name) {
            Ok(Some(p)) => {
                if let Some(&edge) = edges.get(&p.part) {
                    if p.pos > edge {
                        report.problems.push(whole(
                            file,
                            Some(p.part),
                            format!("position {} is past the part's right edge {edge}", p.pos),
                        ));
                    }
                }
            }
            Ok(None) => {}
            Err(e) => report.problems.push(whole(file, None, e.to_string())),
        }
    }
    Ok(report)
}
