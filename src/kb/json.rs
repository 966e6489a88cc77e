//! JSON as knowledge bases are read: as `serde_json` reads it, except that an object that gives
//! one key twice is an error instead of keeping the last value.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::error::{Error, ErrorKind};

/// A JSON value that could not be read: serde_json's error, and the key given twice when that
/// was the reason.
#[derive(Debug)]
pub(super) struct Malformed {
    error: serde_json::Error,
    field: Option<String>,
}

impl Malformed {
    /// The 1-based line of the error in the text parsed.
    pub(super) fn line(&self) -> u64 {
        self.error.line() as u64
    }

    /// The error on line `line` of a file, whose text is `text`: the line and the column (in
    /// characters) in the file's terms, serde_json's message without its own position, and the
    /// key given twice as the field.
    pub(super) fn into_error(self, text: &str, line: u64) -> Error {
        let err = &self.error;
        let message = err.to_string();
        let position = format!(" at line {} column {}", err.line(), err.column());
        let message = message.strip_suffix(&position).unwrap_or(&message);
        let mut bytes = err.column().min(text.len());
        while !text.is_char_boundary(bytes) {
            bytes -= 1;
        }
        let column = text[..bytes].chars().count().max(1) as u64;
        let error = Error::new(ErrorKind::Parse, format!("malformed JSON: {message}"))
            .at_line(line)
            .at_column(column);
        match &self.field {
            Some(field) => error.in_field(field),
            None => error,
        }
    }
}

/// Parses one JSON value; a key given twice in one object is an error whose field is the key
/// (or, deeper down, the key of the record that holds it).
pub(super) fn parse(text: &str) -> std::result::Result<Value, Malformed> {
    let duplicate = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = Strict {
        top_key: None,
        depth: 0,
        duplicate: &duplicate,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    value.map_err(|error| Malformed {
        error,
        field: duplicate.into_inner(),
    })
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
        let text = r#"{"id": "a", "name": "A", "id": "b"}"#;
        let err = parse(text).unwrap_err().into_error(text, 1);
        assert_eq!(err.location().field.as_deref(), Some("id"));
        assert!(err.to_string().contains("given twice"), "{err}");
        let text = r#"[{"id": "a", "name": "A", "data": {"x": 1, "x": 2}}]"#;
        let malformed = parse(text).unwrap_err();
        assert_eq!(malformed.line(), 1);
        let err = malformed.into_error(text, 1);
        assert_eq!(err.location().field.as_deref(), Some("data"));
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
