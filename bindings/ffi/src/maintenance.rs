//! inspect, verify, repair and cleanup of a queue on disk.

use std::sync::Arc;

use vqueue_core as core;

use crate::{CleanupReport, Progress, QueueError, QueueInfo, RepairReport, VerifyReport};

/// Hears how far a verify or repair has got.
#[uniffi::export(with_foreign)]
pub trait ProgressListener: Send + Sync {
    fn progress(&self, progress: Progress);
}

/// The queue's parts and consumers as their metadata describes them.
#[uniffi::export]
pub fn inspect(base: String, queue: String) -> Result<QueueInfo, QueueError> {
    Ok(core::inspect(base, &queue)?.into())
}

/// Reads every record and reports what is damaged; changes nothing.
#[uniffi::export(default(progress = None))]
pub fn verify(
    base: String,
    queue: String,
    progress: Option<Arc<dyn ProgressListener>>,
) -> Result<VerifyReport, QueueError> {
    let mut report = reporter(progress);
    Ok(core::verify_with(base, &queue, &mut report)?.into())
}

/// Rewrites the metadata to match the intact records.
#[uniffi::export(default(progress = None))]
pub fn repair(
    base: String,
    queue: String,
    progress: Option<Arc<dyn ProgressListener>>,
) -> Result<RepairReport, QueueError> {
    let mut report = reporter(progress);
    Ok(core::repair_with(base, &queue, &mut report)?.into())
}

/// Removes the parts every consumer has read past; `dry_run` only reports.
#[uniffi::export(default(dry_run = false))]
pub fn cleanup(base: String, queue: String, dry_run: bool) -> Result<CleanupReport, QueueError> {
    Ok(core::cleanup(base, &queue, dry_run)?.into())
}

fn reporter(listener: Option<Arc<dyn ProgressListener>>) -> impl FnMut(core::Progress) {
    move |p| {
        if let Some(l) = &listener {
            l.progress(p.into());
        }
    }
}
