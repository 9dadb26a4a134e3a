//! `cleanup`: deletes the parts every consumer has passed.

use std::path::Path;

use super::{open_base, CleanupReport};
use crate::error::Result;
use crate::meta;
use crate::os;
use crate::scan::current_part;

pub fn cleanup(base: impl AsRef<Path>, queue: &str, dry_run: bool) -> Result<CleanupReport> {
    let paths = open_base(base.as_ref(), queue)?;
    let writer = current_part(&paths)?.unwrap_or(0);
    let parts = paths.list_parts()?;
    let mut positions = Vec::new();
    for name in paths.list_consumers()? {
        if let Some(p) = meta::read_position(&paths, &name)? {
            positions.push(p);
        }
    }
    let edge = |id: u32| meta::read_info_push(&paths, id).ok().flatten().map(|i| i.right_edge).unwrap_or(0);
    let passed = |id: u32| {
        positions.iter().all(|p| p.part > id || (p.part == id && id < writer && p.pos >= edge(id)))
    };
    let mut report = CleanupReport::default();
    for id in parts {
        if id < writer && passed(id) {
            report.bytes_freed += os::remove_dir_all(&paths.part_dir(id), dry_run)?;
            report.removed.push(id);
        } else {
            report.kept.push(id);
        }
    }
    Ok(report)
}
