//! Topic names and patterns: `validate_name`, `Pattern::parse` and `Pattern::matches` never
//! panic on any text and limit; a valid name is an exact pattern that matches itself; a
//! parsed pattern agrees with a plain reference matcher; errors are `INVALID_TOPIC_NAME`
//! with a short message.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wasm_pubsub::{validate_name, Pattern, QUOTE_MAX_CHARS};

#[derive(Arbitrary, Debug)]
struct Input {
    /// `limits.maxTopicNameLength`: small values reach the limit, `Huge` checks the edge.
    limit: Limit,
    text: String,
    topic: String,
}

#[derive(Arbitrary, Debug)]
enum Limit {
    Small(u8),
    Huge(u32),
}

impl Limit {
    fn get(&self) -> u32 {
        match *self {
            Limit::Small(n) => u32::from(n),
            Limit::Huge(n) => n,
        }
    }
}

fuzz_target!(|input: Input| {
    let max_len = input.limit.get();
    let name = validate_name("topic name", &input.text, max_len);
    let pattern = Pattern::parse(&input.text, max_len);
    for err in [name.as_ref().err(), pattern.as_ref().err()].into_iter().flatten() {
        assert_eq!(err.code(), "INVALID_TOPIC_NAME");
        assert_short_and_escaped(&err.to_string());
    }
    if name.is_ok() {
        assert!(!input.text.is_empty() && input.text.chars().count() <= max_len as usize);
        let pattern = pattern.as_ref().expect("a valid name is a valid pattern");
        assert!(pattern.is_exact(), "a valid name has no wildcard");
        assert!(pattern.matches(&input.text), "a valid name matches itself");
    }
    if let Ok(pattern) = &pattern {
        assert_eq!(pattern.as_str(), input.text);
        assert_eq!(pattern.is_exact(), !input.text.split('.').any(|l| l == "*" || l == ">"));
        let matched = pattern.matches(&input.topic);
        if validate_name("topic name", &input.topic, u32::MAX).is_ok() {
            assert_eq!(matched, reference_match(&input.text, &input.topic), "{pattern:?} vs {:?}", input.topic);
        }
    }
});

/// An error message quotes at most `QUOTE_MAX_CHARS` code points of user text, each
/// escaped to at most 10 (`\u{10ffff}`), and carries no raw control or line separator.
fn assert_short_and_escaped(message: &str) {
    assert!(message.chars().count() <= QUOTE_MAX_CHARS * 10 + 100, "a long message: {message}");
    let raw = |c: char| c.is_control() || c == '\u{2028}' || c == '\u{2029}';
    assert!(!message.chars().any(raw), "an unescaped character in {message:?}");
}

/// Level by level: `*` is one level, `>` (last only) one or more, anything else itself.
fn reference_match(pattern: &str, topic: &str) -> bool {
    let wanted: Vec<&str> = pattern.split('.').collect();
    let levels: Vec<&str> = topic.split('.').collect();
    match wanted.split_last() {
        Some((&">", head)) => levels.len() > head.len() && same(head, &levels[..head.len()]),
        _ => wanted.len() == levels.len() && same(&wanted, &levels),
    }
}

fn same(wanted: &[&str], levels: &[&str]) -> bool {
    wanted.iter().zip(levels).all(|(w, l)| *w == "*" || w == l)
}
