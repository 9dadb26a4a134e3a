//! Warnings: things the engine recovered from that a user should hear about
//! (records lost past damage, a position restored from its backup, metadata
//! rebuilt). They go to one process-wide sink that a binding installs: the
//! Python package forwards them to `logging`, the command line to stderr.
//! Until a sink is installed they go to the `log` crate, as `log::warn!`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// What a warning is about; the message says the details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// `skip_corrupt` resumed past damage; the message says how many records
    /// were lost. `path` is the part file.
    RecordsSkipped,
    /// A consumer's position file was torn or empty, and the backup of its
    /// last commit was used instead. `path` is the position file.
    PositionFromBackup,
    /// A writer found its previous part's `_info_push` torn and rebuilt it
    /// from the records. `path` is the rebuilt file.
    InfoPushRebuilt,
    /// `_info_queue` was unreadable; the writer's part was taken from the
    /// part directories. `path` is `_info_queue`.
    CurrentPartDerived,
    /// A consumer passed over a part whose directory is missing. `path` is
    /// the missing directory.
    PartMissing,
    /// A v3 dictionary could not be written, so the part stays uncompressed.
    /// `path` is the dictionary file.
    DictionaryNotPersisted,
    /// Putting a handle's files in order failed while it was closed (by drop,
    /// or by a newer handle taking over) where no caller could receive the
    /// error.
    CloseFailed,
}

impl WarningKind {
    pub const ALL: &'static [WarningKind] = &[
        WarningKind::RecordsSkipped,
        WarningKind::PositionFromBackup,
        WarningKind::InfoPushRebuilt,
        WarningKind::CurrentPartDerived,
        WarningKind::PartMissing,
        WarningKind::DictionaryNotPersisted,
        WarningKind::CloseFailed,
    ];

    /// The name every language uses for this kind.
    pub fn name(self) -> &'static str {
        match self {
            WarningKind::RecordsSkipped => "RecordsSkipped",
            WarningKind::PositionFromBackup => "PositionFromBackup",
            WarningKind::InfoPushRebuilt => "InfoPushRebuilt",
            WarningKind::CurrentPartDerived => "CurrentPartDerived",
            WarningKind::PartMissing => "PartMissing",
            WarningKind::DictionaryNotPersisted => "DictionaryNotPersisted",
            WarningKind::CloseFailed => "CloseFailed",
        }
    }
}

/// One warning: its kind, a message naming the queue, file and byte offset
/// involved, and the file it concerns where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub kind: WarningKind,
    pub message: String,
    pub path: Option<PathBuf>,
}

/// Receives every warning of the process. Called on the thread that hit the
/// condition, possibly while the engine holds a handle's lock: a sink must
/// not call back into the engine.
pub trait WarningSink: Send + Sync + 'static {
    fn warning(&self, warning: &Warning);
}

enum Sink {
    Log,
    Drop,
    Custom(Arc<dyn WarningSink>),
}

static SINK: RwLock<Sink> = RwLock::new(Sink::Log);

/// Sends every later warning of this process to `sink`; `None` drops them.
pub fn set_warning_sink(sink: Option<Arc<dyn WarningSink>>) {
    let new = match sink {
        Some(s) => Sink::Custom(s),
        None => Sink::Drop,
    };
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = new;
}

pub(crate) fn warn(kind: WarningKind, path: Option<&Path>, message: String) {
    let warning = Warning {
        kind,
        message,
        path: path.map(Path::to_path_buf),
    };
    // Cloned out so a slow sink does not hold the lock.
    let custom = match &*SINK.read().unwrap_or_else(|p| p.into_inner()) {
        Sink::Log => {
            log::warn!("{}", warning.message);
            return;
        }
        Sink::Drop => return,
        Sink::Custom(s) => s.clone(),
    };
    custom.warning(&warning);
}
