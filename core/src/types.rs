//! Value types shared by the handles, the format modules and the bindings.

use std::fmt;
use std::str::FromStr;

/// Largest body the format admits (the reference's cap).
pub(crate) const MAX_BODY: u64 = (u32::MAX / 2) as u64;

/// How a handle opens a queue. `Default` behaves as `Read`, as in the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Read = 0,
    ReadWrite = 1,
    Default = 2,
}

impl Mode {
    pub fn from_i32(v: i32) -> Option<Mode> {
        match v {
            0 => Some(Mode::Read),
            1 => Some(Mode::ReadWrite),
            2 => Some(Mode::Default),
            _ => None,
        }
    }

    pub(crate) fn writes(self) -> bool {
        self == Mode::ReadWrite
    }
}

/// The type tag stored with every record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MsgType {
    String,
    Object,
}

impl MsgType {
    pub fn as_byte(self) -> u8 {
        match self {
            MsgType::String => b'S',
            MsgType::Object => b'O',
        }
    }

    pub fn from_byte(b: u8) -> Option<MsgType> {
        match b {
            b'S' => Some(MsgType::String),
            b'O' => Some(MsgType::Object),
            _ => None,
        }
    }
}

/// On-disk format of a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    #[default]
    V2,
    V3,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::V2 => "v2",
            Format::V3 => "v3",
        })
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "v2" => Ok(Format::V2),
            "v3" => Ok(Format::V3),
            _ => Err(format!("unknown format {s:?} (expected \"v2\" or \"v3\")")),
        }
    }
}

/// What a successful `push` guarantees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Durability {
    /// Visible to other processes at once and survives a crash of this
    /// process; a power loss may drop the latest records.
    #[default]
    None,
    /// Data and metadata are on stable storage before `push` returns.
    Sync,
}

impl fmt::Display for Durability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Durability::None => "none",
            Durability::Sync => "sync",
        })
    }
}

impl FromStr for Durability {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "none" => Ok(Durability::None),
            "sync" => Ok(Durability::Sync),
            _ => Err(format!("unknown durability {s:?} (expected \"none\" or \"sync\")")),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterOptions {
    pub format: Format,
    pub durability: Durability,
}

/// Where a read-only cursor from [`Consumer::open_reader`] starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Record 0 of the oldest part still on disk.
    FirstPart,
    /// The saved position of the named consumer.
    Consumer(String),
    /// Record 0 of the writer's current part.
    CurrentPart,
}

/// One popped record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub body: Vec<u8>,
    pub msg_type: MsgType,
    /// Part the record was read from.
    pub part: u32,
    /// Byte offset of the record's header in its part file.
    pub offset: u64,
}
