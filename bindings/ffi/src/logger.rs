//! The engine's warnings, delivered to a logger the host language provides.

use std::sync::Arc;

#[allow(unused_imports)]
use crate::compat::{self as sink, WarningSink};

/// Something the engine noticed and recovered from on its own (a missing
/// part passed over, a backup file used): nothing failed, but an operator
/// may want to know.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Warning {
    /// What kind of recovery it was.
    pub kind: String,
    pub message: String,
    /// The file involved, when there is one.
    pub path: Option<String>,
}

/// Receives the engine's warnings, from whatever thread the engine runs on.
#[uniffi::export(with_foreign)]
pub trait Logger: Send + Sync {
    fn warning(&self, warning: Warning);
}

struct Forward(Arc<dyn Logger>);

impl WarningSink for Forward {
    fn warning(&self, w: &sink::Warning) {
        self.0.warning(Warning {
            kind: w.kind.to_string(),
            message: w.message.clone(),
            path: w.path.as_deref().map(crate::types::path_string),
        });
    }
}

/// Sends every later warning of the engine, in this process, to `logger`;
/// null stops the forwarding.
#[uniffi::export]
pub fn set_logger(logger: Option<Arc<dyn Logger>>) {
    sink::set_warning_sink(logger.map(|l| Arc::new(Forward(l)) as Arc<dyn WarningSink>));
}
