//! Message attributes: small string key/value pairs that travel with a message.
//!
//! Attributes are checked against [`Limits`](crate::Limits) when a message is published and
//! are what a subscription's `filter` is matched against. Error texts name the key (quoted
//! and cut by [`quote`]) and the limit, never a value: values may be secrets.

use crate::error::{quote, Error};
use crate::metrics::sorted_indices;
use crate::topic::chars_above;

/// Message attributes: key/value pairs in insertion order, keys unique.
///
/// A `Vec` rather than a map: messages carry a handful of attributes, a `Vec` keeps the
/// order the publisher gave and is the cheapest thing to build and hand to JavaScript.
///
/// # Example
///
/// ```
/// use wasm_pubsub::Attributes;
/// let attributes: Attributes = vec![("region".into(), "eu".into())];
/// assert_eq!(attributes[0].0, "region");
/// ```
pub type Attributes = Vec<(String, String)>;

/// Checks attributes against the limits and returns their size in UTF-8 bytes.
///
/// The rules: at most `limits.max_attributes` pairs; each key 1..=`max_attribute_key_length`
/// code points; each value 0..=`max_attribute_value_length` code points; no key twice. The
/// returned size is the sum of the UTF-8 bytes of every key and value, which counts towards
/// `limits.max_message_bytes`.
///
/// # Errors
///
/// [`Error::InvalidAttributes`] naming the first broken rule and limit.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{validate_attributes, Limits};
///
/// let limits = Limits::default();
/// let attributes = vec![("region".to_string(), "eu".to_string())];
/// assert_eq!(validate_attributes(&attributes, &limits), Ok(8));
///
/// let twice = vec![("a".to_string(), "1".to_string()), ("a".to_string(), "2".to_string())];
/// let err = validate_attributes(&twice, &limits).unwrap_err();
/// assert_eq!(err.to_string(), "attribute key \"a\" is given twice");
/// ```
pub fn validate_attributes(
    attributes: &[(String, String)],
    limits: &crate::Limits,
) -> crate::Result<u64> {
    check_count(attributes.len(), limits.max_attributes)?;
    let mut size = 0u64;
    for (key, value) in attributes {
        check_key(key, limits.max_attribute_key_length)?;
        check_value(key, value, limits.max_attribute_value_length)?;
        size = size
            .saturating_add(byte_len(key))
            .saturating_add(byte_len(value));
    }
    check_unique(attributes)?;
    Ok(size)
}

/// Whether `attributes` contain every (key, value) pair of `filter`.
///
/// This is how a subscription's `filter` selects messages: every pair must be present with
/// exactly the same value (no normalization, case-sensitive). An empty filter matches
/// every message.
///
/// # Example
///
/// ```
/// use wasm_pubsub::matches_filter;
///
/// let attributes = vec![("region".to_string(), "eu".to_string()), ("tier".to_string(), "gold".to_string())];
/// assert!(matches_filter(&attributes, &[("region".to_string(), "eu".to_string())]));
/// assert!(!matches_filter(&attributes, &[("region".to_string(), "us".to_string())]));
/// assert!(matches_filter(&[], &[]));
/// ```
pub fn matches_filter(attributes: &[(String, String)], filter: &[(String, String)]) -> bool {
    filter
        .iter()
        .all(|wanted| attributes.iter().any(|pair| pair == wanted))
}

fn check_count(count: usize, max: u32) -> crate::Result<()> {
    if u32::try_from(count).map_or(true, |count| count > max) {
        let msg = format!("message has {count} attributes, above limits.maxAttributes ({max})");
        return Err(Error::InvalidAttributes(msg));
    }
    Ok(())
}

fn check_key(key: &str, max: u32) -> crate::Result<()> {
    if key.is_empty() {
        return Err(Error::InvalidAttributes("attribute key is empty".into()));
    }
    match chars_above(key, max) {
        Some(count) => Err(Error::InvalidAttributes(format!(
            "attribute key {} has {count} characters, above limits.maxAttributeKeyLength ({max})",
            quote(key)
        ))),
        None => Ok(()),
    }
}

fn check_value(key: &str, value: &str, max: u32) -> crate::Result<()> {
    match chars_above(value, max) {
        Some(count) => Err(Error::InvalidAttributes(format!(
            "value of attribute {} has {count} characters, above limits.maxAttributeValueLength ({max})",
            quote(key)
        ))),
        None => Ok(()),
    }
}

/// Up to this many attributes (the default `maxAttributes`), duplicates are found by
/// comparing every pair: no allocation, and equality tests are cheap next to a sort's
/// comparisons for so few keys.
const PAIRWISE_MAX: usize = 32;

/// Rejects a key given twice (the smallest such key).
fn check_unique(attributes: &[(String, String)]) -> crate::Result<()> {
    match smallest_duplicate(attributes) {
        Some(key) => {
            Err(Error::InvalidAttributes(format!("attribute key {} is given twice", quote(key))))
        }
        None => Ok(()),
    }
}

/// The smallest key given twice: pairwise for a few attributes, through sorted key indices
/// beyond, so it stays fast for large limits.
fn smallest_duplicate(attributes: &[(String, String)]) -> Option<&str> {
    let key = |index: usize| attributes[index].0.as_str();
    if attributes.len() <= PAIRWISE_MAX {
        let twice = |index: usize| attributes[index + 1..].iter().any(|(other, _)| other == key(index));
        return (0..attributes.len()).filter(|&index| twice(index)).map(key).min();
    }
    let order = sorted_indices(attributes.len(), &|a, b| key(a).cmp(key(b)));
    order.windows(2).find(|pair| key(pair[0]) == key(pair[1])).map(|pair| key(pair[0]))
}

fn byte_len(text: &str) -> u64 {
    u64::try_from(text.len()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;

    fn pairs(items: &[(&str, &str)]) -> Attributes {
        items
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn small_limits() -> Limits {
        Limits {
            max_attributes: 2,
            max_attribute_key_length: 3,
            max_attribute_value_length: 4,
            ..Limits::default()
        }
    }

    fn reason(items: &[(&str, &str)]) -> String {
        validate_attributes(&pairs(items), &small_limits())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_smallest_duplicated_key_is_named_with_few_keys_and_with_many() {
        let attributes = |keys: &[String]| -> Attributes {
            keys.iter().map(|k| (k.clone(), String::new())).collect()
        };
        for count in [6, PAIRWISE_MAX, PAIRWISE_MAX + 1, 3 * PAIRWISE_MAX] {
            let unique: Vec<String> = (0..count - 4).map(|i| format!("k{i:03}")).collect();
            let mut keys = unique.clone();
            keys.extend(["z", "m", "z", "m"].map(String::from));
            keys.rotate_left(count / 3);
            assert_eq!(smallest_duplicate(&attributes(&keys)), Some("m"), "{count} keys");
            assert_eq!(smallest_duplicate(&attributes(&unique)), None, "{count} keys");
        }
    }

    #[test]
    fn given_limits_of_two_pairs_two_fit_and_three_do_not() {
        let limits = small_limits();
        assert_eq!(
            validate_attributes(&pairs(&[("a", "1"), ("b", "2")]), &limits),
            Ok(4)
        );
        let text = reason(&[("a", "1"), ("b", "2"), ("c", "3")]);
        assert_eq!(
            text,
            "message has 3 attributes, above limits.maxAttributes (2)"
        );
    }

    #[test]
    fn key_and_value_lengths_count_code_points_and_sizes_count_bytes() {
        let limits = small_limits();
        assert_eq!(
            validate_attributes(&pairs(&[("ééé", "éééé")]), &limits),
            Ok(14)
        );
        let text = reason(&[("éééé", "")]);
        assert_eq!(
            text,
            "attribute key \"éééé\" has 4 characters, above limits.maxAttributeKeyLength (3)"
        );
    }

    #[test]
    fn a_value_that_is_too_long_is_named_by_its_key_and_never_quoted() {
        let text = reason(&[("pin", "12345")]);
        assert_eq!(
            text,
            "value of attribute \"pin\" has 5 characters, above limits.maxAttributeValueLength (4)"
        );
        assert!(!text.contains("1234"));
    }

    #[test]
    fn an_empty_key_is_rejected_but_an_empty_value_is_fine() {
        assert_eq!(reason(&[("", "x")]), "attribute key is empty");
        assert_eq!(
            validate_attributes(&pairs(&[("k", "")]), &small_limits()),
            Ok(1)
        );
    }

    #[test]
    fn a_key_given_twice_is_named_without_its_values() {
        assert_eq!(
            reason(&[("k", "v1"), ("k", "v2")]),
            "attribute key \"k\" is given twice"
        );
    }

    #[test]
    fn a_filter_needs_every_pair_with_the_same_value() {
        let attributes = pairs(&[("region", "eu"), ("tier", "gold")]);
        assert!(matches_filter(&attributes, &pairs(&[])));
        assert!(matches_filter(
            &attributes,
            &pairs(&[("tier", "gold"), ("region", "eu")])
        ));
        assert!(!matches_filter(
            &attributes,
            &pairs(&[("tier", "gold"), ("x", "1")])
        ));
        assert!(!matches_filter(&attributes, &pairs(&[("region", "EU")])));
        assert!(!matches_filter(&[], &pairs(&[("region", "eu")])));
    }
}
