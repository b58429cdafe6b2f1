//! A config from environment variables: `PUBSUB_DELIVERY_MAX_DELIVERY_ATTEMPTS=3` is
//! `{ delivery: { maxDeliveryAttempts: 3 } }`.
//!
//! A variable's name is the prefix, then the setting's path with each key in
//! SCREAMING_SNAKE_CASE, joined by `_`. Its text is a number when it is a plain decimal
//! (`3`, `-1`, `1.5`), a boolean when it is `true` or `false`, and a string otherwise; the
//! setting's own rules then decide, exactly as for a config object.

use super::{schema, Config, ConfigValue};
use crate::error::{quote, Error};

/// Reads the variables whose names start with `prefix` into a config tree, ready for
/// [`Config::from_value`] (or `new PubSub(config)` in JavaScript). Other variables are
/// ignored.
///
/// # Errors
///
/// [`Error::InvalidConfig`] naming the variable, for a name under the prefix that is no
/// setting (with the closest one suggested), or a value the setting does not accept.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{config_from_env, Config};
///
/// let vars = [("PUBSUB_DELIVERY_MAX_DELIVERY_ATTEMPTS".to_owned(), "3".to_owned()), ("PATH".to_owned(), "/bin".to_owned())];
/// let tree = config_from_env(&vars, "PUBSUB_").unwrap();
/// assert_eq!(Config::from_value(&tree).unwrap().delivery.max_delivery_attempts, 3);
///
/// let typo = [("PUBSUB_DELIVERY_MAX_INFLIGHT".to_owned(), "3".to_owned())];
/// let err = config_from_env(&typo, "PUBSUB_").unwrap_err().to_string();
/// assert_eq!(err, "PUBSUB_DELIVERY_MAX_INFLIGHT is not a wasm-pubsub setting: did you mean PUBSUB_DELIVERY_MAX_IN_FLIGHT?");
/// ```
pub fn config_from_env(vars: &[(String, String)], prefix: &str) -> crate::Result<ConfigValue> {
    let settings: Vec<(String, Vec<&str>)> =
        schema::setting_paths().into_iter().map(|path| (variable_name(prefix, &path), path)).collect();
    let mut tree = ConfigValue::Object(Vec::new());
    for (name, text) in vars.iter().filter(|(name, _)| name.starts_with(prefix)) {
        let Some((_, path)) = settings.iter().find(|(known, _)| known == name) else {
            return Err(unknown_variable(name, &settings));
        };
        let value = parse_text(text);
        let alone = nest(path, value.clone());
        Config::from_value(&alone).map_err(|err| Error::InvalidConfig(format!("{name}={}: {err}", quote(text))))?;
        insert(&mut tree, path, value);
    }
    Ok(tree)
}

/// `PUBSUB_` + `["delivery", "maxInFlight"]` → `PUBSUB_DELIVERY_MAX_IN_FLIGHT`.
fn variable_name(prefix: &str, path: &[&str]) -> String {
    let mut name = prefix.to_owned();
    for (i, key) in path.iter().enumerate() {
        if i > 0 {
            name.push('_');
        }
        for c in key.chars() {
            if c.is_ascii_uppercase() {
                name.push('_');
            }
            name.push(c.to_ascii_uppercase());
        }
    }
    name
}

fn parse_text(text: &str) -> ConfigValue {
    match (text, decimal(text)) {
        ("true", _) => ConfigValue::Bool(true),
        ("false", _) => ConfigValue::Bool(false),
        (_, Some(number)) => ConfigValue::Number(number),
        _ => ConfigValue::String(text.to_owned()),
    }
}

/// A plain decimal (`3`, `-1`, `1.5`) as a number. Read digit by digit rather than with
/// `str::parse::<f64>`, whose general algorithm would add ~20 KB to the wasm module; the
/// settings are integers and one multiplier, far within f64's exact range.
fn decimal(text: &str) -> Option<f64> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let value = |part: &str| part.bytes().try_fold(0.0, |n: f64, b| b.is_ascii_digit().then(|| n * 10.0 + f64::from(b - b'0')));
    let (whole_value, fraction_value) = (value(whole)?, value(fraction)?);
    if whole.is_empty() || fraction.is_empty() || whole.len() > 15 || fraction.len() > 15 {
        return None;
    }
    Some(sign * (whole_value + fraction_value / 10f64.powi(fraction.len() as i32)))
}

/// `value` at `path` in an otherwise empty tree.
fn nest(path: &[&str], value: ConfigValue) -> ConfigValue {
    path.iter().rev().fold(value, |inner, key| ConfigValue::Object(vec![((*key).to_owned(), inner)]))
}

/// Puts `value` at `path` in `tree`, creating the objects on the way.
fn insert(tree: &mut ConfigValue, path: &[&str], value: ConfigValue) {
    let (ConfigValue::Object(entries), Some((key, rest))) = (tree, path.split_first()) else { return };
    let index = match entries.iter().position(|(k, _)| k == key) {
        Some(index) => index,
        None => {
            entries.push(((*key).to_owned(), ConfigValue::Object(Vec::new())));
            entries.len() - 1
        }
    };
    match rest.is_empty() {
        true => entries[index].1 = value,
        false => insert(&mut entries[index].1, rest, value),
    }
}

fn unknown_variable(name: &str, settings: &[(String, Vec<&str>)]) -> Error {
    let closest = settings.iter().map(|(known, _)| (edit_distance(name, known), known)).min();
    let hint = match closest {
        Some((distance, known)) if distance <= 3 => format!("did you mean {known}?"),
        _ => "the README's configFromEnv section lists the settings".to_owned(),
    };
    Error::InvalidConfig(format!("{} is not a wasm-pubsub setting: {hint}", quote(name).trim_matches('"')))
}

/// Levenshtein distance over bytes (the names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.bytes().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn every_setting_has_a_variable_named_after_its_path() {
        let names: Vec<String> = schema::setting_paths().iter().map(|p| variable_name("PUBSUB_", p)).collect();
        for expected in [
            "PUBSUB_AUTO_CREATE_TOPICS",
            "PUBSUB_LIMITS_MAX_DEAD_LETTERS",
            "PUBSUB_DELIVERY_RETRY_BACKOFF_INITIAL_MS",
            "PUBSUB_DELIVERY_CIRCUIT_BREAKER_HALF_OPEN_MAX_CALLS",
            "PUBSUB_DELIVERY_OVERFLOW",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
        }
        assert_eq!(names.len(), 1 + 9 + 5 + 3 + 3);
        assert!(!names.iter().any(|n| n.contains("CLOCK") || n.contains("LOGGER")));
    }

    #[test]
    fn variables_of_every_type_build_one_merged_tree() {
        let tree = config_from_env(
            &vars(&[
                ("APP_AUTO_CREATE_TOPICS", "true"),
                ("APP_DELIVERY_OVERFLOW", "deadLetterOldest"),
                ("APP_DELIVERY_RETRY_BACKOFF_MULTIPLIER", "1.5"),
                ("APP_DELIVERY_MAX_IN_FLIGHT", "4"),
                ("HOME", "/root"),
            ]),
            "APP_",
        )
        .unwrap();
        let config = Config::from_value(&tree).unwrap();
        assert!(config.auto_create_topics);
        assert_eq!(config.delivery.overflow, crate::Overflow::DeadLetterOldest);
        assert_eq!((config.delivery.retry_backoff.multiplier, config.delivery.max_in_flight), (1.5, 4));
    }

    #[test]
    fn a_malformed_value_is_refused_naming_the_variable_and_the_setting() {
        for (text, why) in [("three", "must be an integer"), ("1e3", "must be an integer"), ("2.5", "must be an integer"), (" 3", "must be an integer"), ("", "must be an integer")] {
            let err = config_from_env(&vars(&[("PUBSUB_DELIVERY_MAX_DELIVERY_ATTEMPTS", text)]), "PUBSUB_").unwrap_err();
            let text = err.to_string();
            assert!(text.starts_with("PUBSUB_DELIVERY_MAX_DELIVERY_ATTEMPTS="), "{text}");
            assert!(text.contains("delivery.maxDeliveryAttempts") && text.contains(why), "{text}");
            assert_eq!(err.code(), "INVALID_CONFIG");
        }
        let err = config_from_env(&vars(&[("PUBSUB_AUTO_CREATE_TOPICS", "yes")]), "PUBSUB_").unwrap_err();
        assert!(err.to_string().ends_with("autoCreateTopics must be a boolean"), "{err}");
    }

    #[test]
    fn plain_decimals_are_numbers_and_anything_else_stays_text() {
        assert_eq!(decimal("3"), Some(3.0));
        assert_eq!(decimal("-1"), Some(-1.0));
        assert_eq!(decimal("1.15"), Some(1.15));
        assert_eq!(decimal("2147483648"), Some(2147483648.0));
        for text in ["", "-", ".5", "5.", "1e3", "+3", " 3", "0x10", "NaN", "Infinity", "1.2.3", "1234567890123456"] {
            assert_eq!(decimal(text), None, "{text}");
        }
    }

    #[test]
    fn an_unknown_variable_under_the_prefix_is_refused_with_the_closest_setting() {
        let err = config_from_env(&vars(&[("PUBSUB_LIMITS_MAX_TOPIC", "3")]), "PUBSUB_").unwrap_err();
        assert_eq!(err.to_string(), "PUBSUB_LIMITS_MAX_TOPIC is not a wasm-pubsub setting: did you mean PUBSUB_LIMITS_MAX_TOPICS?");
        let err = config_from_env(&vars(&[("PUBSUB_URL", "nats://x")]), "PUBSUB_").unwrap_err();
        assert!(err.to_string().ends_with("the README's configFromEnv section lists the settings"), "{err}");
    }
}
