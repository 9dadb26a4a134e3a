//! Maintenance of a queue on disk: inspect, verify, repair and clean up.
//! These work on the files alone, next to (never through) the handles.

mod cleanup;
mod inspect;
mod repair;
mod report;
mod verify;

use std::path::Path;

use crate::error::{Error, Result};
use crate::meta::Paths;
use crate::name::validate_queue_name;
use crate::os;

pub use cleanup::cleanup;
pub use inspect::inspect;
pub use repair::{repair, repair_with};
pub use report::{CleanupReport, ConsumerInfo, PartInfo, Problem, Progress, QueueInfo, RepairReport, VerifyReport};
pub use verify::{verify, verify_with};

pub(crate) fn open_base(base: &Path, queue: &str) -> Result<Paths> {
    validate_queue_name(queue)?;
    if !base.is_dir() {
        return Err(Error::NotFound(format!("queue directory {}", base.display())));
    }
    let paths = Paths::new(base, queue);
    if !paths.info_queue().exists() && paths.list_parts()?.is_empty() {
        return Err(Error::NotFound(format!("queue {queue:?} in {}", base.display())));
    }
    Ok(paths)
}

/// Temporary files a crash can leave: a dictionary being persisted in a part
/// directory (`Q_dict.tmp.PID`), a consumer's position file being created
/// (`.Q_info_pop_C.tmp.PID` in the base directory).
pub(crate) fn stray_files(paths: &Paths, parts: &[u32]) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    let position = format!(".{}_info_pop_", paths.queue);
    for (name, is_dir) in os::list_dir(&paths.base)? {
        if !is_dir && name.starts_with(&position) && name.contains(".tmp.") {
            out.push(paths.base.join(name));
        }
    }
    let dict = format!("{}_dict.tmp.", paths.queue);
    for &id in parts {
        for (name, is_dir) in os::list_dir(&paths.part_dir(id))? {
            if !is_dir && name.starts_with(&dict) {
                out.push(paths.part_dir(id).join(name));
            }
        }
    }
    Ok(out)
}

/// Intact records in a part's whole data file, whatever its metadata says.
pub(crate) fn records_in(paths: &Paths, id: u32) -> Result<u64> {
    let len = file_len(&paths.part_data(id));
    Ok(crate::scan::scan_part(paths, id, len, None, false, &mut |_| {})?.records)
}

/// Size of a file, 0 when it cannot be read.
pub(crate) fn file_len(path: &Path) -> u64 {
    os::file_len(path).unwrap_or(0)
}
