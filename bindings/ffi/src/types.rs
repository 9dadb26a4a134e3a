//! Enums and records, each the core's type with a conversion both ways.

use std::path::Path;

use vqueue_core as core;

/// How a handle opens a queue. `Default` behaves as `Read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Mode {
    Read,
    ReadWrite,
    Default,
}

/// The type tag stored with every record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MsgType {
    String,
    Object,
}

/// On-disk format of the parts a writer creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Enum)]
pub enum Format {
    #[default]
    V2,
    V3,
}

/// What a successful push guarantees: `None` survives a crash of this
/// process, `Sync` also a power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Enum)]
pub enum Durability {
    #[default]
    None,
    Sync,
}

/// Where a read-only cursor starts.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Start {
    /// Record 0 of the oldest part still on disk.
    FirstPart,
    /// The saved position of the named consumer.
    Consumer { name: String },
    /// Record 0 of the writer's current part.
    CurrentPart,
}

/// One popped record: its body, type tag, and where it was read from.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Message {
    pub body: Vec<u8>,
    pub msg_type: MsgType,
    /// Part the record was read from.
    pub part: u32,
    /// Byte offset of the record's header in its part file.
    pub offset: u64,
}

/// Byte counts of a running verify or repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Progress {
    pub done_bytes: u64,
    pub total_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsumerInfo {
    pub name: String,
    pub part: u32,
    pub offset: u64,
    pub popped: u32,
    /// Unread records across all parts.
    pub lag: u64,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QueueInfo {
    pub name: String,
    pub writer_part: Option<u32>,
    pub writer_active: bool,
    pub parts: Vec<PartInfo>,
    pub consumers: Vec<ConsumerInfo>,
}

/// One finding of verify: the file, and where in it when known.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Problem {
    pub file: String,
    pub part: Option<u32>,
    pub offset: Option<u64>,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VerifyReport {
    pub parts: u32,
    pub records: u64,
    /// Empty when the queue is intact.
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RepairReport {
    pub parts: u32,
    pub records: u64,
    /// What was rewritten, one line each; empty when nothing needed repair.
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CleanupReport {
    pub removed: Vec<u32>,
    pub kept: Vec<u32>,
    pub bytes_freed: u64,
}

/// Paths cross the boundary as strings; the core gives them back as they
/// were given, so a lossy display form is only ever used for messages.
pub(crate) fn path_string(p: &Path) -> String {
    p.display().to_string()
}

/// `$a` and `$b` are the same enum in two crates: one match each way.
macro_rules! same_enum {
    ($ffi:ident, $core:path, $($v:ident),+) => {
        impl From<$ffi> for $core {
            fn from(v: $ffi) -> Self {
                match v { $($ffi::$v => <$core>::$v),+ }
            }
        }
        impl From<$core> for $ffi {
            fn from(v: $core) -> Self {
                match v { $(<$core>::$v => $ffi::$v),+ }
            }
        }
    };
}

same_enum!(Mode, core::Mode, Read, ReadWrite, Default);
same_enum!(MsgType, core::MsgType, String, Object);
same_enum!(Format, core::Format, V2, V3);
same_enum!(Durability, core::Durability, None, Sync);

impl From<Start> for core::Start {
    fn from(s: Start) -> Self {
        match s {
            Start::FirstPart => core::Start::FirstPart,
            Start::Consumer { name } => core::Start::Consumer(name),
            Start::CurrentPart => core::Start::CurrentPart,
        }
    }
}

impl From<core::Message> for Message {
    fn from(m: core::Message) -> Self {
        Message { body: m.body, msg_type: m.msg_type.into(), part: m.part, offset: m.offset }
    }
}

impl From<core::Progress> for Progress {
    fn from(p: core::Progress) -> Self {
        Progress { done_bytes: p.done_bytes, total_bytes: p.total_bytes }
    }
}

impl From<core::QueueInfo> for QueueInfo {
    fn from(i: core::QueueInfo) -> Self {
        QueueInfo {
            name: i.name,
            writer_part: i.writer_part,
            writer_active: i.writer_active,
            parts: i
                .parts
                .into_iter()
                .map(|p| PartInfo {
                    id: p.id,
                    format: p.format.into(),
                    count: p.count,
                    right_edge: p.right_edge,
                    file_size: p.file_size,
                    has_dict: p.has_dict,
                    problem: p.problem,
                })
                .collect(),
            consumers: i
                .consumers
                .into_iter()
                .map(|c| ConsumerInfo {
                    name: c.name,
                    part: c.part,
                    offset: c.offset,
                    popped: c.popped,
                    lag: c.lag,
                    problem: c.problem,
                })
                .collect(),
        }
    }
}

impl From<core::VerifyReport> for VerifyReport {
    fn from(r: core::VerifyReport) -> Self {
        VerifyReport {
            parts: r.parts,
            records: r.records,
            problems: r
                .problems
                .into_iter()
                .map(|p| Problem { file: path_string(&p.file), part: p.part, offset: p.offset, detail: p.detail })
                .collect(),
        }
    }
}

impl From<core::RepairReport> for RepairReport {
    fn from(r: core::RepairReport) -> Self {
        RepairReport { parts: r.parts, records: r.records, actions: r.actions }
    }
}

impl From<core::CleanupReport> for CleanupReport {
    fn from(r: core::CleanupReport) -> Self {
        CleanupReport { removed: r.removed, kept: r.kept, bytes_freed: r.bytes_freed }
    }
}
