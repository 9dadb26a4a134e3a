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
use crate::name::validate_name;
use crate::os;

pub use cleanup::cleanup;
pub use inspect::inspect;
pub use repair::{repair, repair_with};
pub use report::{CleanupReport, ConsumerInfo, PartInfo, Problem, Progress, QueueInfo, RepairReport, VerifyReport};
pub use verify::{verify, verify_with};

pub(crate) fn open_base(base: &Path, queue: &str) -> Result<Paths> {
    validate_name(queue)?;
    if !base.is_dir() {
        return Err(Error::NotFound(format!("queue directory {}", base.display())));
    }
    let paths = Paths::new(base, queue);
    if !paths.info_queue().exists() && paths.list_parts()?.is_empty() {
        return Err(Error::NotFound(format!("queue {queue:?} in {}", base.display())));
    }
    Ok(paths)
}

/// Size of a file, 0 when it cannot be read.
pub(crate) fn file_len(path: &Path) -> u64 {
    os::file_len(path).unwrap_or(0)
}
