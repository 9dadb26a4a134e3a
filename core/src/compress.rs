//! v3 compression: per-part zstd dictionaries.
//!
//! The writer trains a dictionary on a background thread from a bounded
//! sample of early bodies, so `push` never waits for training; the thread
//! persists the dictionary (temp file, fsync, rename, fsync of the directory)
//! before handing it back, so no record can reference a dictionary that is
//! not on disk. A new part reuses the previous part's dictionary instead of
//! training again.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, TryRecvError};

use zstd::bulk::{Compressor, Decompressor};

use crate::error::{Error, Result};
use crate::meta::Paths;
use crate::os;
use crate::record::MAX_BODY;
use crate::warning::{warn, WarningKind};

const LEVEL: i32 = 3;
/// Shorter bodies never shrink enough to pay for the length prefix and frame.
pub const MIN_COMPRESS: usize = 24;
const DICT_MAX: usize = 16 << 10;
const SAMPLE_MAX_BYTES: usize = 4 << 20;
const SAMPLE_MAX_ITEMS: usize = 8192;
const MAX_TRIES: u32 = 3;
/// Most bytes one byte of a zstd frame can decode to: the densest block is
/// an RLE block, 4 bytes (3-byte header and the repeated byte) for at most
/// 128 KiB.
const MAX_RATIO: u64 = (128 << 10) / 4;

enum State {
    Warmup { samples: Vec<Vec<u8>>, bytes: usize },
    Training(Receiver<Option<Vec<u8>>>),
    Ready(Box<Compressor<'static>>),
    Off,
}

pub struct DictWriter {
    state: State,
    tries: u32,
    dict_path: PathBuf,
}

impl DictWriter {
    /// `existing`: a dictionary already persisted as this part's `_dict`.
    pub fn new(dict_path: PathBuf, existing: Option<&[u8]>) -> DictWriter {
        let state = match existing.and_then(|d| Compressor::with_dictionary(LEVEL, d).ok()) {
            Some(c) => State::Ready(Box::new(c)),
            None => State::Warmup {
                samples: Vec::new(),
                bytes: 0,
            },
        };
        DictWriter {
            state,
            tries: 0,
            dict_path,
        }
    }

    fn threshold(&self) -> (usize, usize) {
        // Items and bytes before a training attempt; each failed attempt
        // waits for more data.
        (128 << self.tries, (64 << 10) << self.tries)
    }

    /// Compresses `body` into `out` (length prefix + frame) when that saves
    /// space; `false` leaves the body to be stored as is.
    pub fn encode(&mut self, body: &[u8], out: &mut Vec<u8>) -> bool {
        if let State::Training(rx) = &self.state {
            match rx.try_recv() {
                Ok(Some(dict)) => {
                    self.state = match Compressor::with_dictionary(LEVEL, &dict) {
                        Ok(c) => State::Ready(Box::new(c)),
                        Err(_) => State::Off,
                    }
                }
                Ok(None) | Err(TryRecvError::Disconnected) => {
                    self.tries += 1;
                    self.state = if self.tries >= MAX_TRIES {
                        State::Off
                    } else {
                        State::Warmup {
                            samples: Vec::new(),
                            bytes: 0,
                        }
                    };
                }
                Err(TryRecvError::Empty) => {}
            }
        }
        let State::Ready(c) = &mut self.state else { return false };
        if body.len() < MIN_COMPRESS {
            return false;
        }
        out.clear();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        let bound = zstd::zstd_safe::compress_bound(body.len());
        out.resize(4 + bound, 0);
        match c.compress_to_buffer(body, &mut out[4..]) {
            Ok(n) if 4 + n < body.len() => {
                out.truncate(4 + n);
                true
            }
            _ => false,
        }
    }

    /// Feeds a stored body to the warm-up sample; starts training in the
    /// background once there is enough.
    pub fn observe(&mut self, body: &[u8]) {
        let (min_items, min_bytes) = self.threshold();
        let State::Warmup { samples, bytes } = &mut self.state else {
            return;
        };
        if samples.len() < SAMPLE_MAX_ITEMS && *bytes + body.len() <= SAMPLE_MAX_BYTES {
            *bytes += body.len();
            samples.push(body.to_vec());
        }
        let full = samples.len() >= SAMPLE_MAX_ITEMS || *bytes + body.len() > SAMPLE_MAX_BYTES;
        if !(full || (samples.len() >= min_items && *bytes >= min_bytes)) {
            return;
        }
        let samples = std::mem::take(samples);
        let path = self.dict_path.clone();
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new().name("vqueue-dict".into()).spawn(move || {
            let dict = zstd::dict::from_samples(&samples, DICT_MAX)
                .ok()
                .filter(|d| !d.is_empty());
            let persisted = dict.filter(|d| match os::persist_atomically(&path, d) {
                Ok(()) => true,
                Err(e) => {
                    let message = format!(
                        "cannot persist dictionary {}: {e}; the part stays uncompressed",
                        path.display()
                    );
                    warn(WarningKind::DictionaryNotPersisted, Some(&path), message);
                    false
                }
            });
            let _ = tx.send(persisted);
        });
        self.state = match spawned {
            Ok(_) => State::Training(rx),
            Err(_) => State::Off,
        };
    }

    /// Waits for a training in progress (used on close so that its thread
    /// does not outlive the writer's ownership of the part).
    pub fn settle(&mut self) {
        if let State::Training(rx) = &self.state {
            let _ = rx.recv();
            self.state = State::Off;
        }
    }
}

/// Decompresses v3 bodies with the dictionary of the part being read.
#[derive(Default)]
pub struct DictReader {
    part: Option<u32>,
    dec: Option<Decompressor<'static>>,
}

impl DictReader {
    /// Decodes `stored` (length prefix + frame) of the record at `offset` into
    /// `out`, sized exactly to the original length.
    pub fn decode(&mut self, paths: &Paths, part: u32, stored: &[u8], offset: u64, out: &mut Vec<u8>) -> Result<()> {
        let data = paths.part_data(part);
        if stored.len() < 4 {
            return Err(Error::corrupt(
                &data,
                offset,
                "compressed body shorter than its length prefix",
            ));
        }
        let orig = u32::from_le_bytes(stored[..4].try_into().unwrap()) as u64;
        if orig > MAX_BODY {
            return Err(Error::corrupt(
                &data,
                offset,
                format!("compressed body claims {orig} bytes"),
            ));
        }
        // Check the claim against the frame before allocating for it: a frame
        // cannot decode to more than its declared content size, nor to more
        // than its length allows at zstd's densest encoding.
        let frame_len = (stored.len() - 4) as u64;
        if orig > frame_len.saturating_mul(MAX_RATIO) {
            return Err(Error::corrupt(
                &data,
                offset,
                format!("compressed body claims {orig} bytes, more than a frame of {frame_len} bytes can hold"),
            ));
        }
        if let Ok(Some(declared)) = zstd::zstd_safe::get_frame_content_size(&stored[4..]) {
            if declared != orig {
                return Err(Error::corrupt(
                    &data,
                    offset,
                    format!("compressed body claims {orig} bytes, its frame holds {declared}"),
                ));
            }
        }
        if self.part != Some(part) || self.dec.is_none() {
            let path = paths.dict(part);
            let dict = os::read(&path).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    Error::corrupt(&path, 0, "a record is compressed but the part has no dictionary")
                }
                _ => Error::io_at("read", &path, e),
            })?;
            let dec = Decompressor::with_dictionary(&dict)
                .map_err(|e| Error::corrupt(&path, 0, format!("unusable dictionary: {e}")))?;
            self.dec = Some(dec);
            self.part = Some(part);
        }
        out.clear();
        out.resize(orig as usize, 0);
        let dec = self.dec.as_mut().expect("loaded above");
        match dec.decompress_to_buffer(&stored[4..], &mut out[..]) {
            Ok(n) if n as u64 == orig => Ok(()),
            Ok(n) => Err(Error::corrupt(
                &data,
                offset,
                format!("decompressed to {n} bytes, the record says {orig}"),
            )),
            Err(e) => Err(Error::corrupt(&data, offset, format!("cannot decompress: {e}"))),
        }
    }
}
