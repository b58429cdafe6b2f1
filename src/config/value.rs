//! The neutral value tree that the binding builds from JavaScript, and the leaf readers
//! that turn one value into one typed setting or a key-naming error.

use super::Overflow;
use crate::error::{quote, Error};

/// The largest count or millisecond value accepted anywhere: 2³¹−1.
const MAX_INT: u32 = i32::MAX as u32;
/// The largest accepted `retryBackoff.multiplier`.
const MAX_MULTIPLIER: f64 = 1000.0;

/// A JavaScript value as the config parsers see it.
///
/// The binding converts the user's plain object into this tree, so the core needs no serde
/// and can name every offending key. Only the shape matters: an object is its own
/// enumerable string keys in order, and every type the parsers never accept is
/// [`ConfigValue::Other`] with its name.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{Config, ConfigValue};
///
/// let value = ConfigValue::Object(vec![("autoCreateTopics".into(), ConfigValue::Bool(true))]);
/// assert!(Config::from_value(&value).unwrap().auto_create_topics);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigValue {
    /// `undefined` or an absent key: the setting keeps its default.
    Undefined,
    /// `null`, which no setting accepts.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, possibly NaN or infinite (the readers reject those).
    Number(f64),
    /// A string.
    String(String),
    /// A plain object: its own enumerable string keys with their values, in order.
    Object(Vec<(String, ConfigValue)>),
    /// Any other JavaScript type, named: `"function"`, `"symbol"`, `"bigint"`, `"array"`, …
    Other(&'static str),
}

/// Where a value sits in the input: the name errors give it and the error kind to raise.
pub(super) struct Scope {
    name: String,
    prefix_children: bool,
    error: fn(String) -> Error,
}

impl Scope {
    /// The scope of a whole input; `prefix_children` decides whether keys below it are
    /// named `name.key` (`options.maxInFlight`) or just `key` (`limits.maxTopics`).
    pub(super) fn root(name: &str, prefix_children: bool, error: fn(String) -> Error) -> Scope {
        Scope {
            name: name.to_owned(),
            prefix_children,
            error,
        }
    }

    /// The scope of a schema key below this one.
    pub(super) fn child(&self, key: &str) -> Scope {
        let name = if self.prefix_children {
            format!("{}.{key}", self.name)
        } else {
            key.to_owned()
        };
        Scope {
            name,
            prefix_children: true,
            error: self.error,
        }
    }

    /// The scope of a user-chosen key below this one, quoted: `options.filter["region"]`.
    pub(super) fn entry(&self, key: &str) -> Scope {
        let name = format!("{}[{}]", self.name, quote(key));
        Scope {
            name,
            prefix_children: true,
            error: self.error,
        }
    }

    /// The error for `key`, unknown here but known under `home` (`delivery`, `limits`, …).
    pub(super) fn misplaced(&self, key: &str, home: &str) -> Error {
        (self.error)(format!("unknown key {} in {}: it belongs under {home}: {{ {key}: … }}", quote(key), self.name))
    }

    /// The error for a key that is known but refused here: `"{name} {why}"`.
    pub(super) fn refuse(&self, why: &str) -> Error {
        (self.error)(format!("{} {why}", self.name))
    }

    fn expected(&self, what: &str) -> Error {
        (self.error)(format!("{} must be {what}", self.name))
    }

    /// Visits every key of an object with its child scope; `field` returns `Ok(false)` for
    /// a key it does not know, which is an error. `undefined` visits nothing.
    pub(super) fn object<'v>(
        &self,
        value: &'v ConfigValue,
        mut field: impl FnMut(&Scope, &str, &'v ConfigValue) -> crate::Result<bool>,
    ) -> crate::Result<()> {
        let entries = match value {
            ConfigValue::Undefined => return Ok(()),
            ConfigValue::Object(entries) => entries,
            _ => return Err(self.expected("an object")),
        };
        for (key, value) in entries {
            if !field(&self.child(key), key, value)? {
                let msg = format!("unknown key {} in {}", quote(key), self.name);
                return Err((self.error)(msg));
            }
        }
        Ok(())
    }

    /// Reads an integer from `min` to 2³¹−1; also the reader for milliseconds (`min` 0).
    pub(super) fn int(&self, value: &ConfigValue, min: u32) -> crate::Result<Option<u32>> {
        match *value {
            ConfigValue::Undefined => Ok(None),
            ConfigValue::Number(n)
                if n.fract() == 0.0 && n >= f64::from(min) && n <= f64::from(MAX_INT) =>
            {
                Ok(Some(n as u32))
            }
            _ => Err(self.expected(&format!("an integer from {min} to {MAX_INT}"))),
        }
    }

    /// Reads a backoff multiplier: a finite number from 1 to [`MAX_MULTIPLIER`].
    pub(super) fn multiplier(&self, value: &ConfigValue) -> crate::Result<Option<f64>> {
        match *value {
            ConfigValue::Undefined => Ok(None),
            ConfigValue::Number(n) if (1.0..=MAX_MULTIPLIER).contains(&n) => Ok(Some(n)),
            _ => Err(self.expected("a number from 1 to 1000")),
        }
    }

    /// Reads a boolean.
    pub(super) fn bool(&self, value: &ConfigValue) -> crate::Result<Option<bool>> {
        match *value {
            ConfigValue::Undefined => Ok(None),
            ConfigValue::Bool(b) => Ok(Some(b)),
            _ => Err(self.expected("a boolean")),
        }
    }

    /// Reads a string.
    pub(super) fn string(&self, value: &ConfigValue) -> crate::Result<Option<String>> {
        match value {
            ConfigValue::Undefined => Ok(None),
            ConfigValue::String(s) => Ok(Some(s.clone())),
            _ => Err(self.expected("a string")),
        }
    }

    /// Reads an overflow policy: `"reject"` or `"deadLetterOldest"`.
    pub(super) fn overflow(&self, value: &ConfigValue) -> crate::Result<Option<Overflow>> {
        match value {
            ConfigValue::Undefined => Ok(None),
            ConfigValue::String(s) if s == "reject" => Ok(Some(Overflow::Reject)),
            ConfigValue::String(s) if s == "deadLetterOldest" => {
                Ok(Some(Overflow::DeadLetterOldest))
            }
            _ => Err(self.expected("\"reject\" or \"deadLetterOldest\"")),
        }
    }
}

/// Reads a millisecond count such as `close`'s `drainTimeoutMs`: an integer 0..=2³¹−1.
///
/// `undefined` means "not given" and reads as `None`, so the caller applies its default.
/// `key` names the argument in the error text.
///
/// # Errors
///
/// [`Error::InvalidArgument`] naming `key` for any other type, NaN, ±Infinity, a fraction
/// or a number out of range.
///
/// # Example
///
/// ```
/// use wasm_pubsub::{parse_millis, ConfigValue};
///
/// assert_eq!(parse_millis("drainTimeoutMs", &ConfigValue::Number(250.0)), Ok(Some(250)));
/// assert_eq!(parse_millis("drainTimeoutMs", &ConfigValue::Undefined), Ok(None));
/// let err = parse_millis("drainTimeoutMs", &ConfigValue::Number(-1.0)).unwrap_err();
/// assert_eq!(err.to_string(), "drainTimeoutMs must be an integer from 0 to 2147483647");
/// ```
pub fn parse_millis(key: &str, value: &ConfigValue) -> crate::Result<Option<u32>> {
    Scope::root(key, true, Error::InvalidArgument).int(value, 0)
}

/// Stores a value that was given; keeps the current one (the default) otherwise.
pub(super) fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConfigValue::{Null, Number, Object, Other, Undefined};

    fn scope() -> Scope {
        Scope::root("options", true, Error::InvalidArgument)
    }

    #[test]
    fn an_integer_reader_accepts_its_whole_range_and_nothing_else() {
        let field = scope().child("queueCapacity");
        assert_eq!(field.int(&Number(1.0), 1), Ok(Some(1)));
        assert_eq!(
            field.int(&Number(2147483647.0), 1),
            Ok(Some(i32::MAX as u32))
        );
        assert_eq!(field.int(&Undefined, 1), Ok(None));
        let expected = "options.queueCapacity must be an integer from 1 to 2147483647";
        for bad in [
            0.0,
            -1.0,
            1.5,
            2147483648.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert_eq!(
                field.int(&Number(bad), 1).unwrap_err().to_string(),
                expected,
                "{bad}"
            );
        }
        for bad in [
            Null,
            ConfigValue::Bool(true),
            ConfigValue::String("1".into()),
            Other("bigint"),
        ] {
            assert_eq!(
                field.int(&bad, 1).unwrap_err().to_string(),
                expected,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn negative_zero_is_zero_milliseconds() {
        assert_eq!(parse_millis("ms", &Number(-0.0)), Ok(Some(0)));
    }

    #[test]
    fn an_object_where_a_leaf_belongs_is_just_the_wrong_type() {
        let nested = Object(vec![("a".into(), Object(vec![]))]);
        let err = scope().child("maxInFlight").int(&nested, 1).unwrap_err();
        assert_eq!(err.code(), "INVALID_ARGUMENT");
    }

    #[test]
    fn a_multiplier_is_a_finite_number_from_one_to_a_thousand() {
        let field = scope().child("multiplier");
        assert_eq!(field.multiplier(&Number(1.5)), Ok(Some(1.5)));
        assert_eq!(
            field.multiplier(&Number(MAX_MULTIPLIER)),
            Ok(Some(MAX_MULTIPLIER))
        );
        for bad in [0.5, 1000.5, f64::NAN, f64::INFINITY] {
            assert!(field.multiplier(&Number(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_keys_are_quoted_in_paths_and_unknown_key_errors() {
        let filter = scope().child("filter");
        let err = filter.entry("a\u{7}").string(&Number(1.0)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "options.filter[\"a\\u{7}\"] must be a string"
        );
        let value = Object(vec![("x\"y".into(), Undefined)]);
        let err = filter.object(&value, |_, _, _| Ok(false)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown key \"x\\u{22}y\" in options.filter"
        );
    }

    #[test]
    fn a_root_that_does_not_prefix_names_its_children_plainly() {
        let root = Scope::root("config", false, Error::InvalidConfig);
        let err = root
            .child("limits")
            .child("maxTopics")
            .int(&Null, 1)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "limits.maxTopics must be an integer from 1 to 2147483647"
        );
        assert_eq!(
            root.object(&Null, |_, _, _| Ok(true))
                .unwrap_err()
                .to_string(),
            "config must be an object"
        );
    }
}
