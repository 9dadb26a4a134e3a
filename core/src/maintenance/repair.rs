//! `repair`: rebuilds a queue's metadata from its records; never deletes one.

use std::collections::BTreeMap;
use std::path::Path;

use super::{file_len, open_base, stray_files, Progress, RepairReport};
use crate::error::{Error, Result};
use crate::meta::{self, PopInfo};
use crate::os;
use crate::scan::{rebuild_info_push, Edge};

pub fn repair(base: impl AsRef<Path>, queue: &str) -> Result<RepairReport> {
    repair_with(base, queue, &mut |_| {})
}

pub fn repair_with(base: impl AsRef<Path>, queue: &str, progress: &mut dyn FnMut(Progress)) -> Result<RepairReport> {
    let paths = open_base(base.as_ref(), queue)?;
    let _lock = os::lock_file(&paths.queue_lock())?
        .ok_or_else(|| Error::AlreadyOpen(format!("queue {queue:?} has a live writer; stop it before repairing")))?;
    let mut report = RepairReport::default();
    let parts = paths.list_parts()?;
    let total: u64 = parts.iter().map(|&id| file_len(&paths.part_data(id))).sum();
    let mut done_before = 0;
    let mut infos = BTreeMap::new();
    for &id in &parts {
        let (info, records, action) = rebuild_info_push(&paths, id, Edge::Keep, &mut |pos| {
            progress(Progress {
                done_bytes: done_before + pos,
                total_bytes: total,
            })
        })?;
        done_before += file_len(&paths.part_data(id));
        report.parts += 1;
        report.records += records;
        report.actions.extend(action);
        infos.insert(id, info);
    }
    if let Some(&newest) = parts.last() {
        let recorded = meta::read_info_queue(&paths);
        if !matches!(recorded, Ok(Some(id)) if id == newest) {
            os::rewrite(&paths.info_queue(), &meta::format_info_queue(queue, newest))?;
            let was = match recorded {
                Ok(Some(id)) => format!("part {id}"),
                Ok(None) => "missing".into(),
                Err(e) => e.to_string(),
            };
            report
                .actions
                .push(format!("info_queue set to part {newest}; was: {was}"));
        }
    }
    for file in stray_files(&paths, &parts)? {
        os::remove_file(&file).map_err(|e| Error::io_at("remove", &file, e))?;
        report
            .actions
            .push(format!("removed {}, a temporary file left by a crash", file.display()));
    }
    let first = parts.first().copied().unwrap_or(0);
    for name in paths.list_consumers()? {
        let fixed = match meta::read_position(&paths, &name) {
            Ok(Some(p)) => match infos.get(&p.part) {
                Some(i) if p.pos > i.right_edge => Some((
                    PopInfo {
                        pos: i.right_edge,
                        popped: i.count,
                        part: p.part,
                    },
                    format!("position {} was past the right edge {}", p.pos, i.right_edge),
                )),
                _ => None,
            },
            Ok(None) => None,
            // Unknown position: replay from the oldest part rather than skip.
            Err(e) => Some((
                PopInfo {
                    pos: 0,
                    popped: 0,
                    part: first,
                },
                e.to_string(),
            )),
        };
        if let Some((p, why)) = fixed {
            let (record, _) = meta::format_info_pop(queue, &name, &p);
            os::rewrite(&paths.info_pop(&name), &record)?;
            report.actions.push(format!(
                "consumer {name}: position set to part {}, byte {}; {why}",
                p.part, p.pos
            ));
        }
    }
    Ok(report)
}
