//! The one error type of the UniFFI surface, generated from the core's
//! error table: one variant per core `ErrorKind`, each with the same fields.

use vqueue_core::ErrorKind;

#[allow(unused_imports)]
use crate::compat::{with_error_kinds, ErrorFields};

macro_rules! queue_error {
    ($($kind:ident),* $(,)?) => {
        /// Every failure of a queue operation. The variant is the core's
        /// error kind; `text` is the core's full message (Kotlin reserves
        /// `message` on exceptions), the other fields are set when the
        /// failure has them.
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
        pub enum QueueError {
            $(
                #[error("{text}")]
                $kind {
                    /// The core's message: what failed, naming the queue, file and offset.
                    text: String,
                    /// The file involved.
                    path: Option<String>,
                    /// Byte offset in `path` where the damage is.
                    offset: Option<u64>,
                    /// The queue or consumer name that was refused.
                    name: Option<String>,
                    /// The operating system's error number.
                    errno: Option<i32>,
                },
            )*
        }

        impl QueueError {
            /// The core's kind of this error.
            pub fn kind(&self) -> ErrorKind {
                match self {
                    $(QueueError::$kind { .. } => ErrorKind::$kind,)*
                }
            }

            /// The core's message.
            pub fn text(&self) -> &str {
                match self {
                    $(QueueError::$kind { text, .. })|* => text,
                }
            }
        }

        impl From<vqueue_core::Error> for QueueError {
            fn from(e: vqueue_core::Error) -> Self {
                let text = e.to_string();
                let path = e.path().map(|p| p.display().to_string());
                let offset = e.offset();
                let name = e.name().map(str::to_owned);
                let errno = e.errno();
                match e.kind() {
                    $(ErrorKind::$kind => QueueError::$kind { text, path, offset, name, errno },)*
                }
            }
        }
    };
}

with_error_kinds!(queue_error);

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use vqueue_core::Error;

    use super::*;
    use crate::compat::ErrorKindTable;

    /// A core error of each kind, with every field that kind can carry.
    /// Exhaustive on purpose: a new kind in the core fails to compile here.
    fn sample(kind: ErrorKind) -> Error {
        let path = PathBuf::from("base/q-0/data");
        match kind {
            ErrorKind::AlreadyOpen => Error::AlreadyOpen("queue q in base".into()),
            ErrorKind::NotFound => Error::NotFound("queue q in base".into()),
            ErrorKind::InvalidName => Error::InvalidName { name: "a/b".into(), reason: "has a slash".into() },
            ErrorKind::InvalidChecksum => Error::InvalidChecksum { path, offset: 77, detail: "crc".into() },
            ErrorKind::Corrupt => Error::Corrupt { path, offset: 12, detail: "bad magic".into() },
            ErrorKind::ReadOnly => Error::ReadOnly("consumer c".into()),
            ErrorKind::Closed => Error::Closed("queue q".into()),
            ErrorKind::TooLarge => Error::TooLarge { len: u64::MAX },
            ErrorKind::Io => Error::Io { context: "reading".into(), source: std::io::Error::from_raw_os_error(28) },
        }
    }

    #[test]
    fn every_core_kind_maps_to_its_variant_with_its_fields() {
        assert_eq!(ErrorKind::ALL.len(), 9, "a kind was added: extend `sample`");
        for &kind in ErrorKind::ALL {
            let core = sample(kind);
            let text = core.to_string();
            let (path, offset, name, errno) =
                (core.path().map(|p| p.display().to_string()), core.offset(), core.name().map(String::from), core.errno());
            let ffi = QueueError::from(core);
            assert_eq!(ffi.kind(), kind);
            assert_eq!(ffi.text(), text);
            assert_eq!(ffi.to_string(), text);
            // The variant's name is the kind's name in every language.
            assert!(format!("{ffi:?}").starts_with(&format!("{} {{", kind.name())), "{ffi:?}");
            let (QueueError::AlreadyOpen { path: p, offset: o, name: n, errno: e, .. }
            | QueueError::NotFound { path: p, offset: o, name: n, errno: e, .. }
            | QueueError::InvalidName { path: p, offset: o, name: n, errno: e, .. }
            | QueueError::InvalidChecksum { path: p, offset: o, name: n, errno: e, .. }
            | QueueError::Corrupt { path: p, offset: o, name: n, errno: e, .. }
            | QueueError::ReadOnly { path: p, offset: o, name: n, errno: e, .. }
            | QueueError::Closed { path: p, offset: o, name: n, errno: e, .. }
            | QueueError::TooLarge { path: p, offset: o, name: n, errno: e, .. }
            | QueueError::Io { path: p, offset: o, name: n, errno: e, .. }) = ffi;
            assert_eq!((p, o, n, e), (path, offset, name, errno), "{kind:?}");
        }
    }

    #[test]
    fn fields_are_those_of_the_failure() {
        let e = QueueError::from(sample(ErrorKind::Corrupt));
        assert!(matches!(e, QueueError::Corrupt { ref path, offset: Some(12), name: None, errno: None, .. }
            if path.as_deref() == Some("base/q-0/data")));
        let e = QueueError::from(sample(ErrorKind::InvalidName));
        assert!(matches!(e, QueueError::InvalidName { ref name, path: None, .. } if name.as_deref() == Some("a/b")));
        let e = QueueError::from(sample(ErrorKind::Io));
        assert!(matches!(e, QueueError::Io { errno: Some(28), .. }));
    }
}
