//! The v-queue engine: a persistent, file-based message queue that reads and
//! writes the `v_queue` on-disk format (v2, and v3 with zstd dictionaries).
//!
//! A [`Queue`] opened read-write appends records to a part; any number of
//! [`Consumer`]s read every record in push order and save their positions.
//! See `docs/format.md` for the files and `docs/core-api.md` for the API.

// Layers, each using only its own and those listed above it:
//   types, error, warning, os, name   values, failures, the OS
//   record, meta, part, compress      the on-disk format
//   lock, scan                        ownership; what the records say
//   writer, consumer                  the handles
//   maintenance                       inspect, verify, repair, cleanup
// `tests/layering.rs` checks this order.
mod compress;
mod consumer;
mod error;
mod lock;
mod maintenance;
mod meta;
mod name;
mod os;
mod part;
mod record;
mod scan;
mod types;
pub mod warning;
mod writer;

pub use consumer::Consumer;
pub use error::{Error, ErrorKind, Result};
pub use maintenance::{
    cleanup, inspect, repair, repair_with, verify, verify_with, CleanupReport, ConsumerInfo, PartInfo, Problem,
    Progress, QueueInfo, RepairReport, VerifyReport,
};
pub use name::{validate_name, validate_pair, validate_queue_name, MAX_NAME_LEN};
pub use types::{Durability, Format, Message, Mode, MsgType, Start, WriterOptions};
pub use warning::{set_warning_sink, Warning, WarningKind, WarningSink};
pub use writer::Queue;

/// The recorder of file changes and fsyncs behind the simulated power loss
/// (`core/tests/power_loss.rs`); not part of the API.
#[cfg(feature = "io-trace")]
#[doc(hidden)]
pub use os::trace as io_trace;

/// The format's parsers, for the fuzz targets in `core/fuzz` only (cargo-fuzz
/// builds with `--cfg fuzzing`); not part of the API.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::meta::{decode_backup, parse_info_pop, parse_info_push, parse_info_queue};
    pub use crate::record::{check_header, record_crc, Header, HEADER_SIZE};
}
