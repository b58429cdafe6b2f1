//! Structured log records: codes, names and ids only, never payloads or attribute values.

use std::rc::Rc;

/// How much a record matters.
///
/// # Example
///
/// ```
/// use wasm_pubsub::Level;
/// assert_eq!(Level::Warn.as_str(), "warn");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Routine detail.
    Debug,
    /// A lifecycle step.
    Info,
    /// Something failed and was handled.
    Warn,
    /// Something failed and was not retried.
    Error,
}

impl Level {
    /// The name JavaScript sees.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::Level;
    /// assert_eq!(Level::Error.as_str(), "error");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// One structured log record.
///
/// `message` is text written by the broker (never user data or a handler's error text).
///
/// # Example
///
/// ```
/// use wasm_pubsub::{Level, LogRecord};
/// let record = LogRecord::new(Level::Info, "close.started");
/// assert_eq!(record.event, "close.started");
/// assert!(record.topic.is_none());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LogRecord {
    /// Severity.
    pub level: Level,
    /// What happened, e.g. `breaker.opened`.
    pub event: &'static str,
    /// The topic concerned.
    pub topic: Option<Rc<str>>,
    /// The subscription concerned.
    pub subscription: Option<Rc<str>>,
    /// The message concerned.
    pub message_id: Option<u64>,
    /// An error or reason code.
    pub code: Option<&'static str>,
    /// A short text written by the broker.
    pub message: Option<String>,
}

impl LogRecord {
    /// A record with only a level and an event.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::{Level, LogRecord};
    /// assert_eq!(LogRecord::new(Level::Debug, "x").level, Level::Debug);
    /// ```
    pub fn new(level: Level, event: &'static str) -> Self {
        LogRecord { level, event, topic: None, subscription: None, message_id: None, code: None, message: None }
    }
}
