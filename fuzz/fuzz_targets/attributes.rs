//! Attributes: `validate_attributes` never panics on any pairs and limits; an accepted set
//! keeps every rule and its size is the UTF-8 bytes of its keys and values; a refusal is
//! `INVALID_ATTRIBUTES` with a short message. `matches_filter` never panics and every subset
//! of the attributes matches.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wasm_pubsub::{matches_filter, validate_attributes, Limits, QUOTE_MAX_CHARS};

#[derive(Arbitrary, Debug)]
struct Input {
    pairs: Vec<(String, String)>,
    max_attributes: Limit,
    max_key_length: Limit,
    max_value_length: Limit,
    /// Which pairs form the filter (bit i picks pair i).
    filter_bits: u64,
}

/// A limit: mostly small so it is reached, sometimes any `u32`.
#[derive(Arbitrary, Debug)]
enum Limit {
    Small(u8),
    Any(u32),
}

impl Limit {
    fn get(&self) -> u32 {
        match *self {
            Limit::Small(n) => u32::from(n % 8),
            Limit::Any(n) => n,
        }
    }
}

fuzz_target!(|input: Input| {
    let limits = Limits {
        max_attributes: input.max_attributes.get(),
        max_attribute_key_length: input.max_key_length.get(),
        max_attribute_value_length: input.max_value_length.get(),
        ..Limits::default()
    };
    match validate_attributes(&input.pairs, &limits) {
        Ok(size) => accepted(&input.pairs, &limits, size),
        Err(err) => {
            assert_eq!(err.code(), "INVALID_ATTRIBUTES");
            let message = err.to_string();
            assert!(message.chars().count() <= QUOTE_MAX_CHARS * 10 + 120, "a long message: {message}");
        }
    }
    let filter: Vec<(String, String)> = input
        .pairs
        .iter()
        .enumerate()
        .filter(|(i, _)| *i < 64 && input.filter_bits & (1 << i) != 0)
        .map(|(_, pair)| pair.clone())
        .collect();
    assert!(matches_filter(&input.pairs, &filter), "a subset of the attributes matches");
    assert!(matches_filter(&input.pairs, &[]));
});

fn accepted(pairs: &[(String, String)], limits: &Limits, size: u64) {
    let bytes: usize = pairs.iter().map(|(k, v)| k.len() + v.len()).sum();
    assert_eq!(size, bytes as u64, "the size is the UTF-8 bytes of keys and values");
    assert!(pairs.len() <= limits.max_attributes as usize);
    for (i, (key, value)) in pairs.iter().enumerate() {
        assert!(!key.is_empty());
        assert!(key.chars().count() <= limits.max_attribute_key_length as usize);
        assert!(value.chars().count() <= limits.max_attribute_value_length as usize);
        assert!(pairs[..i].iter().all(|(other, _)| other != key), "keys are unique");
    }
}
