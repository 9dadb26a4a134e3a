//! Every failure the engine reports, and the table of error kinds that every
//! binding derives its own error types from.

use std::path::{Path, PathBuf};

pub type Result<T> = std::result::Result<T, Error>;

/// The one table of error kinds: name and meaning, in the order bindings list
/// them. `ErrorKind` and [`with_error_kinds!`] are generated from it, so a kind
/// added here reaches every binding.
#[doc(hidden)]
#[macro_export]
macro_rules! __error_table {
    ($mode:ident $m:ident) => {
        $crate::__error_table! { @apply $mode $m
            AlreadyOpen => "The queue writer, or a read-write consumer of that name, is open in another process.",
            NotFound => "The queue, part or saved consumer does not exist.",
            InvalidName => "A queue or consumer name outside [A-Za-z0-9_.-]+ (at most 128 bytes, not . or ..), refused before any file is touched; name holds it.",
            InvalidChecksum => "A CRC does not match; path and offset say where.",
            Corrupt => "A structural error in a queue file (not a CRC); path and offset say where.",
            ReadOnly => "A write (such as commit) on a read-only handle.",
            Closed => "The handle was closed, or taken over by a newer handle in this process.",
            TooLarge => "A body longer than the format allows; length holds its size.",
            Io => "An operating-system error; errno holds its code when there is one.",
        }
    };
    (@apply names $m:ident $($kind:ident => $summary:literal,)*) => {
        $m! { $($kind),* }
    };
    (@apply full $m:ident $($kind:ident => $summary:literal,)*) => {
        $m! { $($kind => $summary),* }
    };
}

/// Calls `$m! { AlreadyOpen, NotFound, ... }` with every error kind, in table
/// order, so that a binding can generate its own enum or exception list from
/// the core's table instead of restating it.
#[macro_export]
macro_rules! with_error_kinds {
    ($m:ident) => {
        $crate::__error_table! { names $m }
    };
}

macro_rules! define_error_kind {
    ($($kind:ident => $summary:literal),*) => {
        /// Field-less mirror of [`Error`]: what went wrong, without the
        /// details. Bindings map each kind to their own error type.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorKind {
            $(#[doc = $summary] $kind,)*
        }

        impl ErrorKind {
            /// Every kind, in table order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$kind),*];

            /// The name every language uses for this kind.
            pub fn name(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => stringify!($kind),)*
                }
            }

            /// One line saying what the kind means (docstrings, KDoc).
            pub fn summary(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => $summary,)*
                }
            }
        }
    };
}

__error_table! { full define_error_kind }

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Every failure the engine reports. Messages name the queue, file and byte
/// offset involved so that a user can act on them without a debugger; the
/// accessors give the same facts to code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("already open: {0}")]
    AlreadyOpen(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid name {name:?}: {reason}")]
    InvalidName { name: String, reason: String },
    #[error("invalid checksum in {} at byte {offset}: {detail}", path.display())]
    InvalidChecksum { path: PathBuf, offset: u64, detail: String },
    #[error("corrupt data in {} at byte {offset}: {detail}", path.display())]
    Corrupt { path: PathBuf, offset: u64, detail: String },
    #[error("read-only: {0}")]
    ReadOnly(String),
    #[error("closed: {0}")]
    Closed(String),
    #[error("message of {len} bytes is larger than the format allows ({max} bytes)", max = crate::types::MAX_BODY)]
    TooLarge { len: u64 },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::AlreadyOpen(_) => ErrorKind::AlreadyOpen,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::InvalidName { .. } => ErrorKind::InvalidName,
            Error::InvalidChecksum { .. } => ErrorKind::InvalidChecksum,
            Error::Corrupt { .. } => ErrorKind::Corrupt,
            Error::ReadOnly(_) => ErrorKind::ReadOnly,
            Error::Closed(_) => ErrorKind::Closed,
            Error::TooLarge { .. } => ErrorKind::TooLarge,
            Error::Io { .. } => ErrorKind::Io,
        }
    }

    /// The damaged file (`InvalidChecksum`, `Corrupt`).
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::InvalidChecksum { path, .. } | Error::Corrupt { path, .. } => Some(path),
            _ => None,
        }
    }

    /// Byte offset of the damage in [`path`](Self::path).
    pub fn offset(&self) -> Option<u64> {
        match self {
            Error::InvalidChecksum { offset, .. } | Error::Corrupt { offset, .. } => Some(*offset),
            _ => None,
        }
    }

    /// The offending queue or consumer name (`InvalidName`).
    pub fn name(&self) -> Option<&str> {
        match self {
            Error::InvalidName { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The raw operating-system error code (`Io`), where there is one.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Error::Io { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }

    /// Size of the refused body (`TooLarge`).
    pub fn length(&self) -> Option<u64> {
        match self {
            Error::TooLarge { len } => Some(*len),
            _ => None,
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// Wraps an I/O error on `path`, turning "no such file" into `NotFound`.
    pub(crate) fn io_at(action: &str, path: &Path, source: std::io::Error) -> Error {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound(format!("{} ({action})", path.display()))
        } else {
            Error::Io {
                context: format!("{action} {}", path.display()),
                source,
            }
        }
    }

    pub(crate) fn corrupt(path: &Path, offset: u64, detail: impl Into<String>) -> Error {
        Error::Corrupt {
            path: path.to_path_buf(),
            offset,
            detail: detail.into(),
        }
    }

    pub(crate) fn checksum(path: &Path, offset: u64, detail: impl Into<String>) -> Error {
        Error::InvalidChecksum {
            path: path.to_path_buf(),
            offset,
            detail: detail.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One error of each kind, so a kind added to the table without an
    /// `Error` variant (or the reverse) fails here.
    fn one_of_each() -> Vec<Error> {
        let p = Path::new("q-0/q_queue");
        vec![
            Error::AlreadyOpen("q".into()),
            Error::NotFound("q".into()),
            Error::InvalidName {
                name: "a b".into(),
                reason: "space".into(),
            },
            Error::checksum(p, 7, "crc"),
            Error::corrupt(p, 9, "magic"),
            Error::ReadOnly("q".into()),
            Error::Closed("q".into()),
            Error::TooLarge { len: 1 << 40 },
            Error::io("write", std::io::Error::from_raw_os_error(28)),
        ]
    }

    #[test]
    fn every_kind_has_an_error_and_a_unique_name() {
        let kinds: Vec<ErrorKind> = one_of_each().iter().map(Error::kind).collect();
        assert_eq!(kinds, ErrorKind::ALL);
        let mut names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names[0], "AlreadyOpen");
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorKind::ALL.len());
        assert!(ErrorKind::ALL
            .iter()
            .all(|k| !k.summary().is_empty() && !k.summary().contains('\n')));
    }

    #[test]
    fn with_error_kinds_lists_the_table() {
        macro_rules! names {
            ($($kind:ident),*) => { [$(stringify!($kind)),*] };
        }
        let listed = with_error_kinds!(names);
        let table: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(listed.to_vec(), table);
    }

    #[test]
    fn accessors_give_the_fields() {
        let all = one_of_each();
        assert_eq!(all[2].name(), Some("a b"));
        assert_eq!(all[3].path(), Some(Path::new("q-0/q_queue")));
        assert_eq!(all[3].offset(), Some(7));
        assert_eq!(all[4].offset(), Some(9));
        assert_eq!(all[7].length(), Some(1 << 40));
        assert_eq!(all[8].errno(), Some(28));
        assert!(all[0].path().is_none() && all[0].offset().is_none() && all[0].name().is_none());
        assert!(all[0].errno().is_none() && all[0].length().is_none());
    }
}
