//! JSON as knowledge bases are read: as `serde_json` reads it, except that an object that gives
//! one key twice is an error instead of keeping the last value.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::error::{Error, ErrorKind, Result};

/// Parses one JSON value; a key given twice in one object is an error whose field is the key
/// (or, deeper down, the key of the record that holds it).
pub(super) fn parse(text: &str) -> Result<Value> {
    let duplicate = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = Strict {
        top_key: None,
        depth: 0,
        duplicate: &duplicate,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    value.map_err(|e| {
        let err = Error::new(ErrorKind::Parse, format!("malformed JSON: {e}"));
        match duplicate.into_inner() {
            Some(field) => err.in_field(&field),
            None => err,
        }
    })
}

/// The line of a parse error, when serde_json gave one.
pub(super) fn error_line(message: &str) -> Option<u64> {
    let at = message.rfind(" at line ")?;
    let rest = &message[at + " at line ".len()..];
    rest.split(' ').next()?.parse().ok()
}

/// A JSON value, read with duplicate keys refused.
#[derive(Clone, Copy)]
struct Strict<'a> {
    /// The key of the record (the outermost object) this value is under.
    top_key: Option<&'a str>,
    depth: usize,
    duplicate: &'a RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> std::result::Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }

    fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> std::result::Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let inner = Strict {
            depth: self.depth + 1,
            ..self
        };
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            // The records of a JSON array sit one level down.
            let top_key = self.top_key.or(if self.depth <= 1 {
                Some(key.as_str())
            } else {
                None
            });
            let value = map.next_value_seed(Strict {
                top_key,
                depth: self.depth + 1,
                duplicate: self.duplicate,
            })?;
            if out.contains_key(&key) {
                let field = top_key.unwrap_or(&key).to_string();
                *self.duplicate.borrow_mut() = Some(field);
                return Err(de::Error::custom(format!(
                    "the key {key:?} is given twice in one object"
                )));
            }
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_errors_naming_the_field() {
        let err = parse(r#"{"id": "a", "name": "A", "id": "b"}"#).unwrap_err();
        assert_eq!(err.location().field.as_deref(), Some("id"));
        assert!(err.to_string().contains("given twice"), "{err}");
        let err = parse(r#"[{"id": "a", "name": "A", "data": {"x": 1, "x": 2}}]"#).unwrap_err();
        assert_eq!(err.location().field.as_deref(), Some("data"));
        assert_eq!(error_line(err.message()), Some(1));
        let ok = parse(r#"{"id": "a", "data": {"id": "b"}}"#).unwrap();
        assert_eq!(ok["data"]["id"], "b");
    }

    #[test]
    fn parses_what_serde_json_parses() {
        for text in [
            "null",
            "[1, -2, 3.5, 1e300, \"x\", true, {}]",
            "{\"a\": [{}]}",
        ] {
            assert_eq!(
                parse(text).unwrap(),
                serde_json::from_str::<Value>(text).unwrap()
            );
        }
        assert!(parse("[1] x").is_err());
        assert!(parse("1e999").is_err());
        assert!(parse(&"[".repeat(10_000)).is_err());
    }
}
