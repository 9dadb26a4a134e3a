//! `cleanup`: deletes the parts every consumer has passed.

use std::path::Path;

use super::{open_base, stray_files, CleanupReport};
use crate::error::{Error, Result};
use crate::meta;
use crate::os;
use crate::scan::current_part;

pub fn cleanup(base: impl AsRef<Path>, queue: &str, dry_run: bool) -> Result<CleanupReport> {
    let paths = open_base(base.as_ref(), queue)?;
    let writer = current_part(&paths)?.unwrap_or(0);
    let parts = paths.list_parts()?;
    let mut report = CleanupReport::default();
    let mut positions = Vec::new();
    for name in paths.list_consumers()? {
        match meta::read_position(&paths, &name) {
            Ok(Some(p)) => positions.push(p),
            Ok(None) => {}
            // Its position cannot be known, so it cannot hold parts back;
            // `repair` restarts it at the oldest part still there.
            Err(Error::Corrupt { .. } | Error::InvalidChecksum { .. }) => report.notes.push(format!(
                "consumer {name}: position unreadable ({}); not taken into account (`repair` restarts it at the oldest part kept)",
                paths.info_pop(&name).display()
            )),
            Err(e) => return Err(e),
        }
    }
    let edge = |id: u32| {
        meta::read_info_push(&paths, id)
            .ok()
            .flatten()
            .map(|i| i.right_edge)
            .unwrap_or(0)
    };
    let passed = |id: u32| {
        positions
            .iter()
            .all(|p| p.part > id || (p.part == id && id < writer && p.pos >= edge(id)))
    };
    if !dry_run && !os::is_locked(&paths.queue_lock()) {
        for file in stray_files(&paths, &parts)? {
            os::remove_file(&file).map_err(|e| Error::io_at("remove", &file, e))?;
            report
                .notes
                .push(format!("removed {}, a temporary file left by a crash", file.display()));
        }
    }
    for id in parts {
        if id < writer && passed(id) {
            let dir = paths.part_dir(id);
            let bytes = os::dir_bytes(&dir);
            if !dry_run {
                os::remove_dir_all(&dir)?;
            }
            report.bytes_freed += bytes;
            report.removed.push(id);
        } else {
            report.kept.push(id);
        }
    }
    Ok(report)
}
