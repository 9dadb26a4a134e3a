//! The few core interfaces the bindings are written against that the core
//! does not offer yet: the error table macro, per-error fields and the
//! warning sink. Each item has the core's name and signature, so removing
//! this module is the whole migration once the core provides them.

use std::path::Path;
use std::sync::{Arc, OnceLock, RwLock};

use vqueue_core::{Error, ErrorKind};

/// Calls `$m!` with every error kind, in the core's order.
macro_rules! with_error_kinds {
    ($m:ident) => {
        $m! { AlreadyOpen, NotFound, InvalidName, InvalidChecksum, Corrupt, ReadOnly, Closed, TooLarge, Io }
    };
}
pub(crate) use with_error_kinds;

/// The fields an error carries besides its message.
pub trait ErrorFields {
    fn path(&self) -> Option<&Path>;
    fn offset(&self) -> Option<u64>;
    fn name(&self) -> Option<&str>;
    fn errno(&self) -> Option<i32>;
}

impl ErrorFields for Error {
    fn path(&self) -> Option<&Path> {
        match self {
            Error::InvalidChecksum { path, .. } | Error::Corrupt { path, .. } => Some(path),
            _ => None,
        }
    }
    fn offset(&self) -> Option<u64> {
        match self {
            Error::InvalidChecksum { offset, .. } | Error::Corrupt { offset, .. } => Some(*offset),
            _ => None,
        }
    }
    fn name(&self) -> Option<&str> {
        match self {
            Error::InvalidName { name, .. } => Some(name),
            _ => None,
        }
    }
    fn errno(&self) -> Option<i32> {
        match self {
            Error::Io { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }
}

/// Every kind, and its name as the bindings spell it.
pub trait ErrorKindTable {
    const ALL: &'static [ErrorKind];
    fn name(self) -> &'static str;
}

macro_rules! kind_table {
    ($($kind:ident),*) => {
        impl ErrorKindTable for ErrorKind {
            const ALL: &'static [ErrorKind] = &[$(ErrorKind::$kind),*];
            fn name(self) -> &'static str {
                match self { $(ErrorKind::$kind => stringify!($kind)),* }
            }
        }
    };
}
with_error_kinds!(kind_table);

/// One warning of the engine: something it recovered from on its own.
pub struct Warning {
    pub kind: &'static str,
    pub message: String,
    pub path: Option<std::path::PathBuf>,
}

pub trait WarningSink: Send + Sync + 'static {
    fn warning(&self, warning: &Warning);
}

fn sink() -> &'static RwLock<Option<Arc<dyn WarningSink>>> {
    static SINK: RwLock<Option<Arc<dyn WarningSink>>> = RwLock::new(None);
    &SINK
}

/// The engine reports warnings through `log`; until it has a sink of its
/// own, a `log` logger forwards warnings to the installed sink.
struct Forward;

impl log::Log for Forward {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Warn
    }
    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let current = sink().read().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        if let Some(s) = current {
            s.warning(&Warning { kind: "Engine", message: record.args().to_string(), path: None });
        }
    }
    fn flush(&self) {}
}

pub fn set_warning_sink(new: Option<Arc<dyn WarningSink>>) {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        // Another logger may be installed by the host program; then the
        // engine's warnings go there, as they did before.
        if log::set_logger(&Forward).is_ok() {
            log::set_max_level(log::LevelFilter::Warn);
        }
    });
    *sink().write().unwrap_or_else(std::sync::PoisonError::into_inner) = new;
}
