//! What the records of a part say, independently of its metadata: the
//! scanner that walks them past damage, and the recoveries built on it that
//! both a writer (on open) and maintenance (verify, repair) need.

use crate::compress::DictReader;
use crate::error::{Error, Result};
use crate::meta::{self, Paths, PushInfo};
use crate::os;
use crate::part::PartReader;
use crate::record::{Header, HEADER_SIZE, MAGIC_V3};
use crate::types::Format;
use crate::warning::{warn, WarningKind};

/// Something wrong with a part's records, at a byte offset when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flaw {
    pub offset: Option<u64>,
    pub detail: String,
}

/// The writer's current part: the metadata's word, but never lower than a
/// part directory that exists, so a lost or corrupt `_info_queue` cannot make
/// a writer reuse (and overwrite) an older part.
pub fn current_part(paths: &Paths) -> Result<Option<u32>> {
    let recorded = match meta::read_info_queue(paths) {
        Ok(id) => id,
        Err(e @ (Error::Corrupt { .. } | Error::InvalidChecksum { .. })) => {
            let message = format!("{e}; deriving the current part from the part directories");
            warn(WarningKind::CurrentPartDerived, Some(&paths.info_queue()), message);
            None
        }
        Err(e) => return Err(e),
    };
    let newest_dir = paths.list_parts()?.last().copied();
    Ok(match (recorded, newest_dir) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    })
}

/// What the records of one part say about it.
pub struct PartScan {
    pub records: u64,
    /// End of the last intact record.
    pub end: u64,
    /// Counter of the last intact record.
    pub count: u32,
    pub format: Format,
    pub flaws: Vec<Flaw>,
}

fn detect_format(reader: &mut PartReader, len: u64) -> Result<Format> {
    Ok(match reader.get(0, HEADER_SIZE, len)? {
        Ok(b) if Header::decode(b).magic == MAGIC_V3 => Format::V3,
        _ => Format::V2,
    })
}

/// Walks every record in `[0, limit)`, resynchronising past damage.
pub fn scan_part(
    paths: &Paths,
    id: u32,
    limit: u64,
    format: Option<Format>,
    decode: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<PartScan> {
    let data = paths.part_data(id);
    let mut scan = PartScan {
        records: 0,
        end: 0,
        count: 0,
        format: format.unwrap_or_default(),
        flaws: vec![],
    };
    let mut reader = match PartReader::open(&data) {
        Ok(r) => r,
        Err(Error::NotFound(_)) => {
            if limit > 0 {
                scan.flaws.push(Flaw {
                    offset: None,
                    detail: "the part's data file is missing".into(),
                });
            }
            return Ok(scan);
        }
        Err(e) => return Err(e),
    };
    if format.is_none() {
        scan.format = detect_format(&mut reader, limit)?;
    }
    let mut dict = DictReader::default();
    let mut out = Vec::new();
    let mut pos = 0;
    let problem = |offset: u64, detail: String| Flaw {
        offset: Some(offset),
        detail,
    };
    while pos < limit {
        match reader.record_at(pos, limit, scan.format)? {
            Some(h) => {
                if h.count_pushed != scan.count + 1 {
                    scan.flaws.push(problem(
                        pos,
                        format!("record counter jumps from {} to {}", scan.count, h.count_pushed),
                    ));
                }
                if decode && h.compressed() {
                    let stored = match reader.get(pos + HEADER_SIZE as u64, h.msg_length as usize, limit)? {
                        Ok(b) => b.to_vec(),
                        Err(_) => Vec::new(),
                    };
                    if let Err(e) = dict.decode(paths, id, &stored, pos, &mut out) {
                        scan.flaws.push(problem(pos, e.to_string()));
                    }
                }
                scan.records += 1;
                scan.count = h.count_pushed;
                pos = h.end();
                scan.end = pos;
                progress(pos);
            }
            None => {
                let next = reader.next_valid(pos + 1, limit, scan.format)?;
                let detail = match next {
                    Some(n) => format!(
                        "no intact record here; the next one starts at byte {} (record {}, {} lost)",
                        n.start_pos,
                        n.count_pushed,
                        n.count_pushed.saturating_sub(scan.count + 1)
                    ),
                    None => "no intact record from here to the end of the part".to_string(),
                };
                scan.flaws.push(problem(pos, detail));
                match next {
                    Some(n) => {
                        pos = n.start_pos;
                        // The gap is reported above, not again as a jump.
                        scan.count = n.count_pushed.saturating_sub(1);
                    }
                    None => break,
                }
            }
        }
    }
    Ok(scan)
}

/// How far a rebuilt `_info_push` may publish.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// Never past an intact `_info_push`: what readers were told stands.
    Keep,
    /// To the last intact record: a `sync` writer's recovery of its own part,
    /// whose pushes were acknowledged once their records were flushed.
    Records,
}

/// Rebuilds `_info_push` of one part from its records when it disagrees
/// with them; returns the part's state and what was done.
pub fn rebuild_info_push(
    paths: &Paths,
    id: u32,
    edge: Edge,
    progress: &mut dyn FnMut(u64),
) -> Result<(PushInfo, u64, Option<String>)> {
    let existing = meta::read_info_push(paths, id);
    let format = match &existing {
        Ok(Some(i)) => Some(i.format),
        _ => None,
    };
    // An intact info_push is what readers were told: never publish more than
    // it did (records past it are pushes that never returned), only less
    // when the data does not hold it all. Without one, the records decide.
    let file_len = os::file_len(&paths.part_data(id)).unwrap_or(0);
    let limit = match &existing {
        Ok(Some(i)) if edge == Edge::Keep => i.right_edge.min(file_len),
        _ => file_len,
    };
    let scan = scan_part(paths, id, limit, format, false, progress)?;
    let rebuilt = PushInfo {
        right_edge: scan.end,
        count: scan.count,
        format: scan.format,
    };
    let agrees = match &existing {
        Ok(Some(i)) => *i == rebuilt,
        Ok(None) => scan.records == 0,
        Err(_) => false,
    };
    if agrees {
        return Ok((rebuilt, scan.records, None));
    }
    let mut line = Vec::new();
    meta::format_info_push(&paths.queue, &rebuilt, &mut line);
    os::rewrite(&paths.info_push(id), &line)?;
    let was = match existing {
        Ok(Some(i)) => format!("right edge {}, {} records", i.right_edge, i.count),
        Ok(None) => "empty".to_string(),
        Err(e) => e.to_string(),
    };
    let action = format!(
        "part {id}: info_push rebuilt from {} intact records (right edge {}, count {}); was: {was}",
        scan.records, rebuilt.right_edge, rebuilt.count
    );
    Ok((rebuilt, scan.records, Some(action)))
}
