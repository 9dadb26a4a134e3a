//! `inspect`: what a queue holds, read from its metadata.

use std::collections::BTreeMap;
use std::path::Path;

use super::{file_len, open_base, ConsumerInfo, PartInfo, QueueInfo};
use crate::error::Result;
use crate::meta::{self, PushInfo};
use crate::os;
use crate::scan::current_part;

pub fn inspect(base: impl AsRef<Path>, queue: &str) -> Result<QueueInfo> {
    let paths = open_base(base.as_ref(), queue)?;
    let writer_part = current_part(&paths)?;
    let mut parts = Vec::new();
    let mut counts = BTreeMap::new();
    for id in paths.list_parts()? {
        let (info, problem) = match meta::read_info_push(&paths, id) {
            Ok(i) => (i.unwrap_or_default(), None),
            Err(e) => (PushInfo::default(), Some(e.to_string())),
        };
        counts.insert(id, (info.count, info.right_edge));
        parts.push(PartInfo {
            id,
            format: info.format,
            count: info.count,
            right_edge: info.right_edge,
            file_size: file_len(&paths.part_data(id)),
            has_dict: paths.dict(id).exists(),
            problem,
        });
    }
    let mut consumers = Vec::new();
    for name in paths.list_consumers()? {
        consumers.push(match meta::read_position(&paths, &name) {
            Ok(Some(p)) => {
                let lag = counts
                    .range(p.part..)
                    .map(|(&id, &(count, _))| if id == p.part { count.saturating_sub(p.popped) } else { count } as u64)
                    .sum();
                ConsumerInfo {
                    name,
                    part: p.part,
                    offset: p.pos,
                    popped: p.popped,
                    lag,
                    problem: None,
                }
            }
            Ok(None) => continue,
            Err(e) => ConsumerInfo {
                name,
                part: 0,
                offset: 0,
                popped: 0,
                lag: 0,
                problem: Some(e.to_string()),
            },
        });
    }
    Ok(QueueInfo {
        name: queue.to_string(),
        writer_part,
        writer_active: os::is_locked(&paths.queue_lock()),
        parts,
        consumers,
    })
}
