//! Topic names, subscription names and subscription patterns.
//!
//! A name is 1..=`limits.maxTopicNameLength` Unicode code points (never bytes) of levels
//! separated by `.`; every level is a non-empty run of letters, combining marks, digits,
//! `-` and `_` (`[\p{L}\p{M}\p{N}_-]+`), compared without any normalization. A [`Pattern`]
//! is a name whose levels may also be the wildcards `*` (exactly one level) and `>` (one or
//! more trailing levels, last only). Every check fails with [`Error::InvalidTopicName`],
//! whose text says which rule broke.

use crate::error::{quote, Error};

/// Checks a topic name or a subscription name against the naming rules.
///
/// `what` names the thing in the error text (`"topic name"` or `"subscription name"`) and
/// `max_len` is `limits.maxTopicNameLength`, which bounds both kinds of name. The name is
/// 1..=`max_len` code points of `.`-separated levels, each matching `[\p{L}\p{M}\p{N}_-]+`.
/// Wildcards are plain invalid characters here; use [`Pattern::parse`] for subscription
/// targets.
///
/// # Errors
///
/// [`Error::InvalidTopicName`] when the name is empty, longer than `max_len`, has an empty
/// level (a leading, trailing or doubled dot) or a character outside the allowed set.
///
/// # Example
///
/// ```
/// use wasm_pubsub::validate_name;
///
/// assert!(validate_name("topic name", "注文.東京", 255).is_ok());
/// let err = validate_name("topic name", "a..b", 255).unwrap_err();
/// assert_eq!(err.code(), "INVALID_TOPIC_NAME");
/// assert_eq!(err.to_string(), "topic name \"a..b\" has an empty level");
/// ```
pub fn validate_name(what: &str, name: &str, max_len: u32) -> crate::Result<()> {
    check(what, name, max_len, false)
}

/// A subscription target: an exact topic name or a pattern with `*` / `>` levels.
///
/// A level that is exactly `*` matches exactly one level of a topic; a level that is exactly
/// `>` matches one or more trailing levels and may only be the last. So `orders.*` matches
/// `orders.eu` but not `orders.eu.paid`, `orders.>` matches both (but not `orders`), `*`
/// matches every single-level topic and `>` alone matches every topic. A wildcard mixed
/// into a level (`a*`, `>b`) is invalid.
///
/// # Example
///
/// ```
/// use wasm_pubsub::Pattern;
///
/// let pattern = Pattern::parse("orders.>", 255).unwrap();
/// assert!(pattern.matches("orders.eu.paid"));
/// assert!(!pattern.matches("orders"));
/// assert!(!pattern.is_exact());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    exact: bool,
}

impl Pattern {
    /// Parses a topic name or a pattern (API.md "Subscribing").
    ///
    /// Text without a wildcard level is an exact topic name and follows [`validate_name`];
    /// otherwise the same rules hold with `*` and `>` allowed as whole levels, `>` only last.
    /// Error texts call the input a "pattern" when it contains `*` or `>`, else a "topic
    /// name".
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTopicName`] when the text breaks a naming rule, mixes a wildcard into
    /// a level or has `>` before its last level.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::Pattern;
    ///
    /// assert!(Pattern::parse("orders.*", 255).unwrap().matches("orders.eu"));
    /// let err = Pattern::parse("a.>.b", 255).unwrap_err();
    /// assert_eq!(err.to_string(), "pattern \"a.>.b\" has '>' before its last level");
    /// ```
    pub fn parse(text: &str, max_len: u32) -> crate::Result<Pattern> {
        let what = if text.contains(['*', '>']) {
            "pattern"
        } else {
            "topic name"
        };
        check(what, text, max_len, true)?;
        let exact = split_levels(text).all(|level| !is_wildcard(level));
        Ok(Pattern {
            text: text.to_owned(),
            exact,
        })
    }

    /// The text the pattern was parsed from.
    ///
    /// This is the topic-or-pattern string that subscriptions report as their `topic` and
    /// that `maxSubscriptionsPerTopic` counts by.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::Pattern;
    /// assert_eq!(Pattern::parse("orders.*", 255).unwrap().as_str(), "orders.*");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when the pattern has no wildcard level, so it names exactly one topic.
    ///
    /// An exact pattern matches only the topic of the same name; a broker can index such
    /// subscriptions by name instead of testing them on every publish.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::Pattern;
    /// assert!(Pattern::parse("orders.eu", 255).unwrap().is_exact());
    /// assert!(!Pattern::parse("orders.*", 255).unwrap().is_exact());
    /// ```
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// Whether a topic name matches this pattern.
    ///
    /// `topic` is expected to be a valid name (see [`validate_name`]); an invalid one gives
    /// a meaningless but harmless answer. Matching walks both strings level by level and
    /// never allocates.
    ///
    /// # Example
    ///
    /// ```
    /// use wasm_pubsub::Pattern;
    ///
    /// let pattern = Pattern::parse("a.*.c", 255).unwrap();
    /// assert!(pattern.matches("a.b.c"));
    /// assert!(!pattern.matches("a.b.b.c"));
    /// ```
    pub fn matches(&self, topic: &str) -> bool {
        if self.exact {
            return self.text == topic;
        }
        let mut levels = split_levels(topic);
        for wanted in split_levels(&self.text) {
            if wanted == ">" {
                return levels.next().is_some();
            }
            match levels.next() {
                Some(level) if wanted == "*" || wanted == level => {}
                _ => return false,
            }
        }
        levels.next().is_none()
    }
}

/// The number of code points of `text` when it has more than `max`, else `None`.
///
/// Counts only when the byte length could exceed the limit, so short strings cost nothing.
pub(crate) fn chars_above(text: &str, max: u32) -> Option<usize> {
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    if text.len() <= max {
        return None;
    }
    Some(text.chars().count()).filter(|&count| count > max)
}

fn check(what: &str, text: &str, max_len: u32, wildcards: bool) -> crate::Result<()> {
    if text.is_empty() {
        return Err(invalid(what, "", "is empty"));
    }
    if let Some(count) = chars_above(text, max_len) {
        let msg =
            format!("{what} has {count} characters, above limits.maxTopicNameLength ({max_len})");
        return Err(Error::InvalidTopicName(msg));
    }
    let mut levels = split_levels(text).peekable();
    while let Some(level) = levels.next() {
        let last = levels.peek().is_none();
        check_level(level, wildcards, last).map_err(|why| invalid(what, text, why))?;
    }
    Ok(())
}

/// Checks one level; the error is the reason, to be completed by the caller.
fn check_level(level: &str, wildcards: bool, last: bool) -> Result<(), &'static str> {
    match level {
        "" => Err("has an empty level"),
        ">" if wildcards && !last => Err("has '>' before its last level"),
        "*" | ">" if wildcards => Ok(()),
        _ => level.chars().try_for_each(|c| check_char(c, wildcards)),
    }
}

fn check_char(c: char, wildcards: bool) -> Result<(), &'static str> {
    match c {
        _ if is_level_char(c) => Ok(()),
        '*' if wildcards => Err("has '*' inside a level; a wildcard must be a whole level"),
        '>' if wildcards => Err("has '>' inside a level; a wildcard must be a whole level"),
        '*' | '>' => Err("has a wildcard: patterns ('*', '>') are for subscribing; publish to a topic name"),
        '#' => Err("has '#': the multi-level wildcard here is '>' (orders.>), and only subscriptions take patterns"),
        '+' => Err("has '+': the one-level wildcard here is '*' (orders.*), and only subscriptions take patterns"),
        '/' => Err("has '/': levels are separated by '.' (orders.eu)"),
        _ => Err("has a character that is not a letter, mark, digit, '-' or '_'"),
    }
}

/// `[\p{L}\p{M}\p{N}_-]`, with an ASCII fast path.
fn is_level_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_' || c == '-';
    }
    crate::unicode::is_letter_mark_or_number(c)
}

/// The `.`-separated levels of a name. One named predicate rather than `split('.')` keeps a
/// single, small copy of the splitting code in the wasm (no memchr-based searcher).
fn split_levels(text: &str) -> std::str::Split<'_, fn(char) -> bool> {
    text.split(is_dot as fn(char) -> bool)
}

fn is_dot(c: char) -> bool {
    c == '.'
}

fn is_wildcard(level: &str) -> bool {
    level == "*" || level == ">"
}

fn invalid(what: &str, text: &str, why: &str) -> Error {
    let msg = if text.is_empty() {
        format!("{what} {why}")
    } else {
        format!("{what} {} {why}", quote(text))
    };
    Error::InvalidTopicName(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(name: &str) -> String {
        validate_name("topic name", name, 10)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn given_a_limit_of_ten_a_name_of_ten_multi_byte_characters_fits_and_eleven_do_not() {
        assert!(validate_name("topic name", &"é".repeat(10), 10).is_ok());
        assert_eq!(
            reason(&"é".repeat(11)),
            "topic name has 11 characters, above limits.maxTopicNameLength (10)"
        );
    }

    #[test]
    fn an_over_long_name_is_never_quoted() {
        assert!(!reason(&"q".repeat(500)).contains('q'));
    }

    #[test]
    fn an_empty_name_and_empty_levels_say_so() {
        assert_eq!(reason(""), "topic name is empty");
        assert_eq!(reason(".a"), "topic name \".a\" has an empty level");
        assert_eq!(reason("a."), "topic name \"a.\" has an empty level");
        assert_eq!(reason("."), "topic name \".\" has an empty level");
    }

    #[test]
    fn a_subscription_name_is_called_so_in_its_error() {
        let err = validate_name("subscription name", "a b", 10).unwrap_err();
        let text = "subscription name \"a b\" has a character that is not a letter, mark, digit, '-' or '_'";
        assert_eq!(err.to_string(), text);
    }

    #[test]
    fn control_characters_in_a_bad_name_are_escaped_in_the_error() {
        assert!(reason("a\u{7}").contains("\\u{7}"));
    }

    #[test]
    fn a_wildcard_in_a_topic_name_says_patterns_are_for_subscribing() {
        assert!(reason("a.*").contains("patterns ('*', '>') are for subscribing"));
        assert!(reason(">").contains("publish to a topic name"));
    }

    #[test]
    fn other_brokers_wildcards_and_separators_name_ours() {
        assert!(reason("a.#").contains("the multi-level wildcard here is '>'"));
        assert!(reason("a.+").contains("the one-level wildcard here is '*'"));
        assert!(reason("a/b").contains("separated by '.'"));
        let pattern = Pattern::parse("orders.#", 255).unwrap_err().to_string();
        assert!(pattern.contains("'>'"), "{pattern}");
    }

    #[test]
    fn a_wildcard_inside_a_level_is_named_in_a_pattern_error() {
        let err = Pattern::parse("a*", 10).unwrap_err().to_string();
        assert_eq!(
            err,
            "pattern \"a*\" has '*' inside a level; a wildcard must be a whole level"
        );
        let err = Pattern::parse(">b", 10).unwrap_err().to_string();
        assert!(err.starts_with("pattern \">b\" has '>' inside a level"));
    }

    #[test]
    fn a_pattern_without_wildcards_is_an_exact_topic_name() {
        let pattern = Pattern::parse("orders.eu", 10).unwrap();
        assert!(pattern.is_exact());
        assert!(pattern.matches("orders.eu"));
        assert!(!pattern.matches("orders"));
        let err = Pattern::parse("a..b", 10).unwrap_err().to_string();
        assert_eq!(err, "topic name \"a..b\" has an empty level");
    }

    #[test]
    fn the_pattern_length_counts_its_wildcards() {
        assert!(Pattern::parse("a.>", 3).is_ok());
        let err = Pattern::parse("a.*.>", 3).unwrap_err().to_string();
        assert_eq!(
            err,
            "pattern has 5 characters, above limits.maxTopicNameLength (3)"
        );
    }

    #[test]
    fn a_trailing_wildcard_needs_at_least_one_level() {
        let pattern = Pattern::parse("a.>", 10).unwrap();
        assert!(!pattern.matches("a"));
        assert!(pattern.matches("a.b"));
        assert!(pattern.matches("a.b.c"));
        assert!(!pattern.matches("b.c"));
    }

    #[test]
    fn chars_above_counts_code_points_only_past_the_limit() {
        assert_eq!(chars_above("ééé", 3), None);
        assert_eq!(chars_above("éééé", 3), Some(4));
        assert_eq!(chars_above("", 0), None);
    }
}
