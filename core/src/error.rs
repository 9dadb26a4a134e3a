use std::path::PathBuf;

pub type Result<T> = std::result::Result<T, Error>;

/// Every failure the engine reports. Messages name the queue, file and byte
/// offset involved so that a user can act on them without a debugger.
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
    #[error("message of {len} bytes is larger than the format allows ({max} bytes)", max = crate::record::MAX_BODY)]
    TooLarge { len: u64 },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// Field-less mirror of [`Error`], for bindings that map variants to their
/// own exception or error types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    AlreadyOpen,
    NotFound,
    InvalidName,
    InvalidChecksum,
    Corrupt,
    ReadOnly,
    Closed,
    TooLarge,
    Io,
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

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io { context: context.into(), source }
    }

    /// Wraps an I/O error on `path`, turning "no such file" into `NotFound`.
    pub(crate) fn io_at(action: &str, path: &std::path::Path, source: std::io::Error) -> Error {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound(format!("{} ({action})", path.display()))
        } else {
            Error::Io { context: format!("{action} {}", path.display()), source }
        }
    }

    pub(crate) fn corrupt(path: &std::path::Path, offset: u64, detail: impl Into<String>) -> Error {
        Error::Corrupt { path: path.to_path_buf(), offset, detail: detail.into() }
    }

    pub(crate) fn checksum(path: &std::path::Path, offset: u64, detail: impl Into<String>) -> Error {
        Error::InvalidChecksum { path: path.to_path_buf(), offset, detail: detail.into() }
    }
}
