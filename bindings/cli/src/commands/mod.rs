//! One module per group of subcommands.

pub mod info;
pub mod maintenance;
pub mod read;
pub mod write;

use vqueue_core::Format;

pub fn format_name(f: Format) -> &'static str {
    match f {
        Format::V2 => "v2",
        Format::V3 => "v3",
    }
}
