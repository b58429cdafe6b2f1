//! Topic names, subscription names and patterns, through the public API only.

use proptest::prelude::*;
use wasm_pubsub::{validate_name, Pattern};

const LIMIT: u32 = 255;

fn check(name: &str) -> Result<(), String> {
    validate_name("topic name", name, LIMIT).map_err(|err| {
        assert_eq!(err.code(), "INVALID_TOPIC_NAME");
        err.to_string()
    })
}

#[test]
fn names_of_letters_marks_digits_dashes_and_underscores_in_any_script_are_valid() {
    let valid = [
        "orders",
        "orders.eu.paid",
        "注文.東京",
        "заказы",
        "e\u{301}",
        "\u{301}",
        "_",
        "-",
        "a_b-c.0",
        "٣٤",
        "Ⅻ",
        "ǅ",
    ];
    for name in valid {
        assert_eq!(check(name), Ok(()), "{name}");
    }
}

#[test]
fn each_broken_rule_is_named_in_the_error() {
    let bad_char = "has a character that is not a letter, mark, digit, '-' or '_'";
    let cases = [
        ("", "topic name is empty".to_string()),
        ("a..b", "topic name \"a..b\" has an empty level".to_string()),
        (".a", "topic name \".a\" has an empty level".to_string()),
        ("a.", "topic name \"a.\" has an empty level".to_string()),
        ("a b", format!("topic name \"a b\" {bad_char}")),
        ("a/b", "topic name \"a/b\" has '/': levels are separated by '.' (orders.eu)".to_string()),
        ("a\u{0}", format!("topic name \"a\\u{{0}}\" {bad_char}")),
        (
            "a\u{202e}b",
            format!("topic name \"a\\u{{202e}}b\" {bad_char}"),
        ),
        ("order😀", format!("topic name \"order😀\" {bad_char}")),
        ("Ⓐ", format!("topic name \"Ⓐ\" {bad_char}")),
        ("a*", "topic name \"a*\" has a wildcard: patterns ('*', '>') are for subscribing; publish to a topic name".to_string()),
    ];
    for (name, expected) in cases {
        assert_eq!(check(name), Err(expected), "{name:?}");
    }
}

#[test]
fn the_length_limit_counts_code_points_not_bytes() {
    let at_limit = "東".repeat(LIMIT as usize);
    assert_eq!(check(&at_limit), Ok(()));
    let above = format!("{at_limit}京");
    assert_eq!(
        check(&above),
        Err("topic name has 256 characters, above limits.maxTopicNameLength (255)".into())
    );
    let err = validate_name("subscription name", "abc", 2)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "subscription name has 3 characters, above limits.maxTopicNameLength (2)"
    );
}

#[test]
fn a_long_bad_name_is_quoted_cut_to_64_code_points() {
    let name = format!("{} x", "a".repeat(100));
    let text = check(&name).unwrap_err();
    assert!(
        text.starts_with(&format!("topic name \"{}\"… has", "a".repeat(64))),
        "{text}"
    );
}

fn matches(pattern: &str, topic: &str) -> bool {
    Pattern::parse(pattern, LIMIT).unwrap().matches(topic)
}

#[test]
fn wildcards_match_whole_levels() {
    let table = [
        ("*", "orders", true),
        ("*", "orders.eu", false),
        (">", "orders", true),
        (">", "orders.eu.paid", true),
        ("orders.*", "orders.eu", true),
        ("orders.*", "orders", false),
        ("orders.*", "orders.eu.paid", false),
        ("orders.*", "payments.eu", false),
        ("orders.>", "orders.eu", true),
        ("orders.>", "orders.eu.paid", true),
        ("orders.>", "orders", false),
        ("orders.>", "ordersx.eu", false),
        ("a.*.c", "a.b.c", true),
        ("a.*.c", "a.c", false),
        ("a.*.c", "a.b.d", false),
        ("a.*.c", "a.b.c.d", false),
        ("*.*", "a.b", true),
        ("*.>", "a", false),
        ("*.>", "a.b.c", true),
        ("orders.eu", "orders.eu", true),
        ("orders.eu", "orders.eu.paid", false),
        ("注文.*", "注文.東京", true),
    ];
    for (pattern, topic, expected) in table {
        assert_eq!(matches(pattern, topic), expected, "{pattern} ~ {topic}");
    }
}

#[test]
fn only_patterns_with_a_wildcard_level_are_inexact() {
    let table = [
        ("orders", true),
        ("orders.eu", true),
        ("*", false),
        (">", false),
        ("a.*.c", false),
    ];
    for (text, exact) in table {
        let pattern = Pattern::parse(text, LIMIT).unwrap();
        assert_eq!(pattern.is_exact(), exact, "{text}");
        assert_eq!(pattern.as_str(), text);
    }
}

#[test]
fn misplaced_or_mixed_wildcards_are_invalid_patterns() {
    let cases = [
        ("a.>.b", "pattern \"a.>.b\" has '>' before its last level"),
        (">.>", "pattern \">.>\" has '>' before its last level"),
        (
            "a*",
            "pattern \"a*\" has '*' inside a level; a wildcard must be a whole level",
        ),
        (
            ">b",
            "pattern \">b\" has '>' inside a level; a wildcard must be a whole level",
        ),
        (
            "a.**",
            "pattern \"a.**\" has '*' inside a level; a wildcard must be a whole level",
        ),
        ("a..*", "pattern \"a..*\" has an empty level"),
        ("", "topic name is empty"),
        (
            "a b.*",
            "pattern \"a b.*\" has a character that is not a letter, mark, digit, '-' or '_'",
        ),
    ];
    for (text, expected) in cases {
        let err = Pattern::parse(text, LIMIT).unwrap_err();
        assert_eq!(err.code(), "INVALID_TOPIC_NAME");
        assert_eq!(err.to_string(), expected, "{text}");
    }
}

/// A reference matcher over level slices, to compare against.
fn reference(pattern: &[&str], topic: &[&str]) -> bool {
    match (pattern.split_first(), topic.split_first()) {
        (None, None) => true,
        (Some((&">", [])), Some(_)) => true,
        (Some((&p, rest)), Some((&t, more))) => (p == "*" || p == t) && reference(rest, more),
        _ => false,
    }
}

fn valid_name() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-zA-Z0-9_\\-éж注\u{301}]{1,4}", 1..5)
        .prop_map(|levels| levels.join("."))
}

proptest! {
    #[test]
    fn validate_name_never_panics(name in any::<String>(), max_len in any::<u32>()) {
        let _ = validate_name("topic name", &name, max_len);
        let _ = Pattern::parse(&name, max_len);
    }

    #[test]
    fn validate_name_never_panics_on_dotted_near_misses(name in "[a.*> \u{0}😀é-]{0,12}") {
        if let Err(err) = validate_name("topic name", &name, 8) {
            prop_assert_eq!(err.code(), "INVALID_TOPIC_NAME");
        }
        if let Ok(pattern) = Pattern::parse(&name, 8) {
            prop_assert!(validate_name("topic name", &name, 8).is_ok() || !pattern.is_exact());
        }
    }

    #[test]
    fn a_pattern_equal_to_a_valid_name_matches_exactly_that_name(name in valid_name(), other in valid_name()) {
        prop_assert!(validate_name("topic name", &name, LIMIT).is_ok());
        let pattern = Pattern::parse(&name, LIMIT).unwrap();
        prop_assert!(pattern.is_exact());
        prop_assert!(pattern.matches(&name));
        prop_assert_eq!(pattern.matches(&other), other == name);
    }

    #[test]
    fn wildcard_matching_agrees_with_a_reference(
        pattern in prop::collection::vec(prop::sample::select(vec!["a", "b", "*", ">"]), 1..5),
        topic in prop::collection::vec(prop::sample::select(vec!["a", "b"]), 1..6),
    ) {
        let text = pattern.join(".");
        let parsed = Pattern::parse(&text, LIMIT);
        let misplaced = pattern[..pattern.len() - 1].contains(&">");
        prop_assert_eq!(parsed.is_err(), misplaced);
        if let Ok(parsed) = parsed {
            prop_assert_eq!(parsed.matches(&topic.join(".")), reference(&pattern, &topic));
        }
    }
}
