use crate::error::{Error, Result};

pub const MAX_NAME_LEN: usize = 128;

/// Queue and consumer names become parts of file names and of `;`-separated
/// metadata lines, so only a conservative character set is accepted.
pub fn validate_name(name: &str) -> Result<()> {
    let reason = if name.is_empty() {
        Some("a name must not be empty".to_string())
    } else if name.len() > MAX_NAME_LEN {
        Some(format!(
            "a name is at most {MAX_NAME_LEN} bytes, this one has {}",
            name.len()
        ))
    } else if name == "." || name == ".." {
        Some("`.` and `..` are not names".to_string())
    } else {
        name.chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
            .map(|c| format!("character {c:?} is not allowed (use A-Z, a-z, 0-9, `_`, `.`, `-`)"))
    };
    match reason {
        Some(reason) => Err(Error::InvalidName {
            name: name.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Longest file name most file systems take.
const MAX_FILE_NAME: usize = 255;

/// Both names, and that the consumer's files (`Q_info_pop_C.lock`, the
/// longest) can exist: two long names may fit the rule but not a file name.
pub fn validate_pair(queue: &str, consumer: &str) -> Result<()> {
    validate_queue_name(queue)?;
    validate_name(consumer)?;
    if let Some(reason) = consumer_name_clash(consumer) {
        return Err(Error::InvalidName {
            name: consumer.to_string(),
            reason: reason.to_string(),
        });
    }
    let longest = queue.len() + "_info_pop_".len() + consumer.len() + ".lock".len();
    if longest > MAX_FILE_NAME {
        return Err(Error::InvalidName {
            name: consumer.to_string(),
            reason: format!(
                "with queue name of {} bytes, the consumer's lock file name would be {longest} bytes; \
                 file names are at most {MAX_FILE_NAME}",
                queue.len()
            ),
        });
    }
    Ok(())
}

/// The marker between a queue's name and a consumer's in a position file
/// name (`Q_info_pop_C`).
const INFO_POP: &str = "_info_pop_";

/// A queue name, and that none of its files could be read as another
/// queue's: every file of a queue `A_info_pop_B` (`A_info_pop_B_info_queue`,
/// `A_info_pop_B-0`, ...) is also a consumer file name of queue `A`.
pub fn validate_queue_name(queue: &str) -> Result<()> {
    validate_name(queue)?;
    if queue.contains(INFO_POP) {
        return Err(Error::InvalidName {
            name: queue.to_string(),
            reason: format!(
                "a queue name must not contain `{INFO_POP}` (its files would be consumer files of another queue)"
            ),
        });
    }
    Ok(())
}

/// Consumer names whose position file would be another file of the same
/// directory: `Q_info_pop_X.lock` is consumer X's lock; `Q_info_pop_B_info_queue`
/// is the part file of a queue `Q_info_pop_B`, `Q_info_pop_info_queue` and
/// `Q_info_pop_info_pop_C` belong to a queue named `Q_info_pop`, and
/// `Q_info_pop_X_info_pop_Y` to a queue `Q_info_pop_X`.
pub fn consumer_name_clash(consumer: &str) -> Option<&'static str> {
    if consumer.ends_with(".lock") {
        Some("a consumer name must not end in `.lock` (that is another consumer's lock file)")
    } else if consumer == "info_queue"
        || consumer.ends_with("_info_queue")
        || consumer.starts_with(&INFO_POP[1..])
        || consumer.contains(INFO_POP)
    {
        Some("`info_queue`, names ending in `_info_queue` and names containing `info_pop_` name files of another queue")
    } else {
        None
    }
}
