use crate::error::{Error, Result};

pub const MAX_NAME_LEN: usize = 128;

/// Queue and consumer names become parts of file names and of `;`-separated
/// metadata lines, so only a conservative character set is accepted.
pub fn validate_name(name: &str) -> Result<()> {
    let reason = if name.is_empty() {
        Some("a name must not be empty".to_string())
    } else if name.len() > MAX_NAME_LEN {
        Some(format!("a name is at most {MAX_NAME_LEN} bytes, this one has {}", name.len()))
    } else if name == "." || name == ".." {
        Some("`.` and `..` are not names".to_string())
    } else {
        name.chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
            .map(|c| format!("character {c:?} is not allowed (use A-Z, a-z, 0-9, `_`, `.`, `-`)"))
    };
    match reason {
        Some(reason) => Err(Error::InvalidName { name: name.to_string(), reason }),
        None => Ok(()),
    }
}
