//! The one error type of the broker, with a stable code per variant.
//!
//! Every fallible operation returns [`Error`]. Its [`Error::code`] is part of the public
//! contract (API.md "Errors"): JavaScript sees it as `PubSubError.code`, tests match on it,
//! and it never changes for a given failure. Messages are short, name the offending key or
//! limit and quote user strings only through [`quote`], so they never carry payloads or
//! characters that could spoof a log line.

use std::fmt::Write;

/// Everything that can go wrong when calling the broker.
///
/// # Example
///
/// ```
/// use wasm_pubsub::Error;
///
/// let err = Error::TopicNotFound("orders".into());
/// assert_eq!(err.code(), "TOPIC_NOT_FOUND");
/// assert_eq!(err.to_string(), "topic \"orders\" does not exist: create it with createTopic(\"orders\") or set autoCreateTopics: true");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An argument has the wrong type or shape; the text names it.
    #[error("{0}")]
    InvalidArgument(String),
    /// A configuration key is unknown, mistyped or out of range; the text names the key.
    #[error("{0}")]
    InvalidConfig(String),
    /// A topic name, subscription name or pattern breaks the naming rules.
    #[error("{0}")]
    InvalidTopicName(String),
    /// `create_topic` on a name that already exists (the name, unquoted).
    #[error("topic {} already exists", quote(.0))]
    TopicExists(String),
    /// A topic that does not exist, with `autoCreateTopics` off (the name, unquoted).
    #[error("topic {} does not exist: create it with createTopic({}) or set autoCreateTopics: true", quote(.0), quote(.0))]
    TopicNotFound(String),
    /// A subscription name already in use (the name, unquoted).
    #[error("subscription {} already exists", quote(.0))]
    SubscriptionExists(String),
    /// A message larger than `limits.maxMessageBytes`.
    #[error("message is {size} bytes, above limits.maxMessageBytes ({limit})")]
    MessageTooLarge {
        /// Measured size in bytes.
        size: u64,
        /// The configured limit.
        limit: u32,
    },
    /// Attributes that break a limit or are not a map of strings; the text names the rule.
    #[error("{0}")]
    InvalidAttributes(String),
    /// A batch with more messages than `limits.maxBatchSize`.
    #[error("batch has {size} messages, above limits.maxBatchSize ({limit})")]
    BatchTooLarge {
        /// Messages in the batch.
        size: usize,
        /// The configured limit.
        limit: u32,
    },
    /// A matching subscription's queue is full and its overflow policy is `reject`.
    #[error("queue of subscription {} is full ({capacity} messages): raise its queueCapacity, or set overflow: \"deadLetterOldest\" to make room by dead-lettering the oldest", quote(subscription))]
    QueueFull {
        /// The full subscription.
        subscription: String,
        /// Its `queueCapacity`.
        capacity: u32,
    },
    /// A count limit (`maxTopics`, `maxSubscriptionsPerTopic`) would be exceeded.
    #[error("{0}")]
    LimitExceeded(String),
    /// The bus is closing or closed.
    #[error("the bus is closed")]
    Closed,
    /// A subscription changed after it ended (unsubscribed, its topic deleted, the bus
    /// closed): code `CLOSED`.
    #[error("the subscription has ended: subscribe again")]
    SubscriptionEnded,
    /// A request got no reply within its `timeoutMs`.
    #[error("no reply to the request on {} within {ms} ms", quote(topic))]
    Timeout {
        /// The topic the request was published on.
        topic: String,
        /// Its `timeoutMs`.
        ms: u32,
    },
    /// A request reached no subscription and no bridge that carries its topic.
    #[error("no subscription and no bridge takes requests on {}: subscribe a responder first", quote(.0))]
    NoResponders(String),
    /// An `AbortSignal` aborted the operation.
    #[error("the operation was aborted")]
    Aborted,
    /// A handle used after it was disposed (`free()`, `Symbol.dispose`): code `CLOSED`.
    #[error("this {0} was disposed")]
    Disposed(&'static str),
    /// The bus stopped because a call into it was cut short (a stack overflow thrown through
    /// it): its state can no longer be trusted. Code `CLOSED`.
    #[error("the bus stopped: a call into it was cut short by a stack overflow or an internal error, so its state can no longer be trusted; create a new bus")]
    Halted,
}

impl Error {
    /// The stable code of this error, as JavaScript sees it in `PubSubError.code`.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::Error;
    /// assert_eq!(Error::Closed.code(), "CLOSED");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidArgument(_) => "INVALID_ARGUMENT",
            Error::InvalidConfig(_) => "INVALID_CONFIG",
            Error::InvalidTopicName(_) => "INVALID_TOPIC_NAME",
            Error::TopicExists(_) => "TOPIC_EXISTS",
            Error::TopicNotFound(_) => "TOPIC_NOT_FOUND",
            Error::SubscriptionExists(_) => "SUBSCRIPTION_EXISTS",
            Error::MessageTooLarge { .. } => "MESSAGE_TOO_LARGE",
            Error::InvalidAttributes(_) => "INVALID_ATTRIBUTES",
            Error::BatchTooLarge { .. } => "BATCH_TOO_LARGE",
            Error::QueueFull { .. } => "QUEUE_FULL",
            Error::LimitExceeded(_) => "LIMIT_EXCEEDED",
            Error::Closed | Error::Disposed(_) | Error::Halted | Error::SubscriptionEnded => "CLOSED",
            Error::Aborted => "ABORTED",
            Error::Timeout { .. } => "TIMEOUT",
            Error::NoResponders(_) => "NO_RESPONDERS",
        }
    }
}

/// Longest run of a user string that an error message quotes, in code points.
pub const QUOTE_MAX_CHARS: usize = 64;

/// Quotes a user string for an error or log message: at most [`QUOTE_MAX_CHARS`] code
/// points, inside double quotes, with control and format characters, line and paragraph
/// separators, quotes and backslashes escaped as `\u{…}`. A cut string ends in `…`.
///
/// # Example
///
/// ```
/// use wasm_pubsub::quote;
/// assert_eq!(quote("a\u{202e}b"), "\"a\\u{202e}b\"");
/// assert_eq!(quote(&"x".repeat(100)).chars().count(), 64 + 3);
/// ```
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(QUOTE_MAX_CHARS * 4) + 2);
    out.push('"');
    let mut chars = text.chars();
    for c in chars.by_ref().take(QUOTE_MAX_CHARS) {
        if needs_escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out.push('"');
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

fn needs_escape(c: char) -> bool {
    matches!(c, '"' | '\\' | '\u{fffd}') || crate::unicode::is_control_format_or_separator(c)
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
