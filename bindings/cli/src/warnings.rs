//! The engine's warnings on stderr, as `vqueue: warning: ...` lines.

use std::io::Write;
use std::sync::Arc;

use vqueue_core::{set_warning_sink, Warning, WarningSink};

/// How much the command says beside its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// `-q`: no warnings.
    Quiet,
    /// Each warning's message.
    Normal,
    /// `-v`: also the warning's kind and the file it concerns.
    Verbose,
}

struct Stderr(Verbosity);

impl WarningSink for Stderr {
    fn warning(&self, w: &Warning) {
        let mut err = std::io::stderr().lock();
        let _ = match (self.0, &w.path) {
            (Verbosity::Verbose, Some(path)) => writeln!(
                err,
                "vqueue: warning: {}: {} (file {})",
                w.kind.name(),
                w.message,
                path.display()
            ),
            (Verbosity::Verbose, None) => {
                writeln!(err, "vqueue: warning: {}: {}", w.kind.name(), w.message)
            }
            _ => writeln!(err, "vqueue: warning: {}", w.message),
        };
    }
}

/// Sends the engine's warnings to stderr (none when quiet).
pub fn to_stderr(verbosity: Verbosity) {
    let sink: Option<Arc<dyn WarningSink>> = match verbosity {
        Verbosity::Quiet => None,
        v => Some(Arc::new(Stderr(v))),
    };
    set_warning_sink(sink);
}
