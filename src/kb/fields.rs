//! How a record's fields become an entity's: the same rules for every loader (JSONL, JSON, CSV,
//! Python rows and data frames), so that a field means one thing whatever the format.

use serde_json::{Map, Value};

use super::Entity;
use crate::error::{Error, Result};

/// What separates several aliases given as one string (a CSV cell, or a string `aliases` value
/// in any other format).
pub const DEFAULT_ALIAS_SEPARATOR: &str = "|";

impl Entity {
    /// Sets one field of a record other than `id` and `name`, by the rules of
    /// [`Entity::from_json`]; `separator` splits a string of aliases.
    pub(super) fn set_field(&mut self, key: &str, value: &Value, separator: &str) -> Result<()> {
        match (key, value) {
            ("aliases" | "kind" | "weight" | "data", Value::Null) => {}
            ("aliases", Value::String(text)) => self.aliases = split_aliases(text, separator),
            ("aliases", value) => self.aliases = string_list(value, "aliases")?,
            ("kind", Value::String(kind)) => {
                self.kind = (!kind.trim().is_empty()).then(|| kind.trim().to_string())
            }
            ("kind", other) => {
                return Err(Error::invalid_record(format!(
                    "expected a string, found {}",
                    describe(other)
                ))
                .in_field("kind"))
            }
            ("weight", Value::Number(n)) => self.weight = n.as_f64().unwrap_or(f64::NAN),
            ("weight", Value::String(text)) if text.trim().is_empty() => {}
            ("weight", Value::String(text)) => {
                self.weight = text.trim().parse().map_err(|_| {
                    Error::invalid_record(format!("expected a number, found {text:?}"))
                        .in_field("weight")
                })?
            }
            ("weight", other) => {
                return Err(Error::invalid_record(format!(
                    "expected a number, found {}",
                    describe(other)
                ))
                .in_field("weight"))
            }
            ("data", Value::Object(map)) => self
                .data
                .extend(map.iter().map(|(k, v)| (k.clone(), v.clone()))),
            ("data", Value::String(text)) if text.trim().is_empty() => {}
            ("data", Value::String(text)) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => self.data.extend(map),
                _ => {
                    return Err(Error::invalid_record(format!(
                        "expected an object, or a string holding a JSON object, found {}",
                        describe(value)
                    ))
                    .in_field("data"))
                }
            },
            ("data", other) => {
                return Err(Error::invalid_record(format!(
                    "expected an object, found {}",
                    describe(other)
                ))
                .in_field("data"))
            }
            (key, value) => {
                self.data.insert(key.to_string(), value.clone());
            }
        }
        Ok(())
    }
}

pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

pub(super) fn required_string(fields: &Map<String, Value>, field: &str) -> Result<String> {
    match fields.get(field) {
        Some(Value::String(s)) => Ok(s.clone()),
        None | Some(Value::Null) => {
            Err(Error::invalid_record(format!("the field '{field}' is missing")).in_field(field))
        }
        Some(other) => Err(Error::invalid_record(format!(
            "expected a string, found {}",
            describe(other)
        ))
        .in_field(field)),
    }
}

/// Aliases given as one string: split on `separator`, each trimmed, blank ones dropped.
fn split_aliases(text: &str, separator: &str) -> Vec<String> {
    text.split(separator)
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(String::from)
        .collect()
}

fn string_list(value: &Value, field: &str) -> Result<Vec<String>> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(Error::invalid_record(format!(
                    "item {} must be a string, found {}",
                    i + 1,
                    describe(other)
                ))
                .in_field(field)),
            })
            .collect(),
        other => Err(Error::invalid_record(format!(
            "expected a list of strings, found {}",
            describe(other)
        ))
        .in_field(field)),
    }
}
