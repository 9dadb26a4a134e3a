//! What the maintenance operations report.

use std::path::PathBuf;

use crate::types::Format;

/// How far a long scan (`verify_with`, `repair_with`) has got, in bytes of
/// part data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done_bytes: u64,
    pub total_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartInfo {
    pub id: u32,
    pub format: Format,
    pub count: u32,
    pub right_edge: u64,
    pub file_size: u64,
    pub has_dict: bool,
    /// Why the part's metadata could not be read, if it could not.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerInfo {
    pub name: String,
    pub part: u32,
    pub offset: u64,
    pub popped: u32,
    /// Unread records across all parts.
    pub lag: u64,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueInfo {
    pub name: String,
    pub writer_part: Option<u32>,
    pub writer_active: bool,
    pub parts: Vec<PartInfo>,
    pub consumers: Vec<ConsumerInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub part: Option<u32>,
    pub offset: Option<u64>,
    pub detail: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(p) = self.part {
            write!(f, " (part {p})")?;
        }
        if let Some(o) = self.offset {
            write!(f, " at byte {o}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub parts: u32,
    pub records: u64,
    pub problems: Vec<Problem>,
    /// What an interrupted writer or consumer normally leaves behind (a part
    /// it was starting, a temporary file); readers pass over these, and
    /// `repair` (or `cleanup`, for temporary files) removes them.
    pub leftovers: Vec<Problem>,
}

impl VerifyReport {
    /// True when there is no problem; leftovers do not count.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepairReport {
    pub parts: u32,
    pub records: u64,
    /// What was rewritten, one line each; empty when nothing needed repair.
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanupReport {
    pub removed: Vec<u32>,
    pub kept: Vec<u32>,
    pub bytes_freed: u64,
    /// What cleanup could not take into account, or removed besides parts
    /// (a consumer whose position is unreadable, a temporary file left by a
    /// crash), one line each.
    pub notes: Vec<String>,
}
