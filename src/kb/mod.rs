//! The knowledge base: entities with their names and aliases, validated as they are added.
//!
//! Records come from JSONL, a JSON array, CSV, or (through the bindings) Python dicts and data
//! frames. Every record is checked: a missing or empty `id` or `name`, a field of the wrong type,
//! a duplicate id or a malformed line is an [`Error`] that names the file, the line (or record)
//! and the field. Nothing is silently dropped or coerced.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::files;
use crate::interrupt;
use crate::normalize::normalize;

mod csv_input;
mod fields;
mod json;
mod slots;
pub use fields::DEFAULT_ALIAS_SEPARATOR;
use fields::{describe, required_string};
pub(crate) use slots::EntitySlots;

/// One thing a name can refer to: a person, a country, an organisation.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    /// The canonical ID that every variant resolves to.
    pub id: String,
    /// The preferred display name.
    pub name: String,
    /// Other names the entity goes by.
    pub aliases: Vec<String>,
    /// An optional type ("person", "country", "org", ...) that queries can filter on. Entities of
    /// kind "person" may be found by surname alone.
    pub kind: Option<String>,
    /// A prior for breaking near-ties between entities: zero or positive, 1.0 by default. An
    /// entity of weight 0 (a place of population 0) resolves like any other and loses ties to
    /// every entity of positive weight.
    pub weight: f64,
    /// Any other fields of the record, kept as they were.
    pub data: Map<String, Value>,
}

impl Entity {
    /// An entity with an id and a name, no aliases, no kind, weight 1 and no data.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Entity {
        Entity {
            id: id.into(),
            name: name.into(),
            aliases: Vec::new(),
            kind: None,
            weight: 1.0,
            data: Map::new(),
        }
    }

    /// Adds aliases.
    pub fn with_aliases<I, S>(mut self, aliases: I) -> Entity
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.aliases.extend(aliases.into_iter().map(Into::into));
        self
    }

    /// Sets the kind.
    pub fn with_kind(mut self, kind: impl Into<String>) -> Entity {
        self.kind = Some(kind.into());
        self
    }

    /// Sets the weight.
    pub fn with_weight(mut self, weight: f64) -> Entity {
        self.weight = weight;
        self
    }

    /// The name followed by the aliases.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// True for entities whose kind is "person" (any case): these may be found by surname alone.
    pub fn is_person(&self) -> bool {
        self.kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case("person"))
    }

    /// Checks the entity on its own: non-empty id, a name and aliases that keep letters or digits
    /// after normalization, a finite weight of zero or more, a kind that is not blank and has
    /// no spaces at its ends.
    pub fn validate(&self) -> Result<()> {
        if self.id.trim().is_empty() {
            return Err(Error::invalid_record("the id is empty").in_field("id"));
        }
        if normalize(&self.name).is_empty() {
            return Err(Error::invalid_record(format!(
                "the name {:?} has no letters or digits",
                self.name
            ))
            .in_field("name"));
        }
        // An alias with nothing to compare (punctuation only, or a script without a Latin
        // reading, like cuneiform) is kept with the entity but cannot be matched; an empty one
        // is a mistake in the record.
        for (i, alias) in self.aliases.iter().enumerate() {
            if alias.trim().is_empty() {
                return Err(
                    Error::invalid_record(format!("alias {} is empty", i + 1)).in_field("aliases")
                );
            }
        }
        if !(self.weight.is_finite() && self.weight >= 0.0) {
            return Err(Error::invalid_record(format!(
                "the weight must be zero or a positive number, not {}",
                self.weight
            ))
            .in_field("weight"));
        }
        if let Some(kind) = &self.kind {
            if kind.trim().is_empty() {
                return Err(
                    Error::invalid_record("the kind is empty; leave it out instead")
                        .in_field("kind"),
                );
            }
            // Loaders trim a kind; one with spaces at its ends would not survive a save.
            if kind.trim() != kind {
                return Err(Error::invalid_record(format!(
                    "the kind {kind:?} has spaces at its ends; give it as {:?}",
                    kind.trim()
                ))
                .in_field("kind"));
            }
        }
        Ok(())
    }

    /// Builds an entity from one JSON object with the fields `id`, `name`, and optionally
    /// `aliases`, `kind`, `weight` and `data`; every other field is kept in `data`.
    ///
    /// Every loader reads the optional fields by the same rules, whatever the format (CSV
    /// cells are strings; JSON, Python rows and data frames may hold either):
    /// - `aliases`: a list of strings, or one string of aliases separated by `|` (blank ones
    ///   dropped, each trimmed), as a CSV cell is read;
    /// - `kind`: a string, trimmed; blank means none;
    /// - `weight`: a number, or a string holding one; blank means the default, 1;
    /// - `data`: an object, or a string holding a JSON object; its fields join the other
    ///   fields kept as data; blank means none;
    /// - null, for any of them, means absent.
    pub fn from_json(record: &Value) -> Result<Entity> {
        let Value::Object(fields) = record else {
            return Err(Error::invalid_record(format!(
                "expected an object with 'id' and 'name', found {}",
                describe(record)
            )));
        };
        let id = required_string(fields, "id")?;
        let name = required_string(fields, "name")?;
        let mut entity = Entity::new(id, name);
        for (key, value) in fields {
            if key == "data" {
                check_data_keys(fields, value)?;
            }
            if key != "id" && key != "name" {
                entity.set_field(key, value, DEFAULT_ALIAS_SEPARATOR)?;
            }
        }
        Ok(entity)
    }

    /// The entity as one JSON record that [`Entity::from_json`] reads back equal: `id`, `name`,
    /// `aliases`, `kind` and `weight` when they differ from the defaults, and the data under
    /// `data` (so that data keys named like the fields stay data).
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.fields()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    /// The fields of [`Entity::to_json`], in the order people write them (a JSON map would sort
    /// them).
    fn fields(&self) -> Vec<(&'static str, Value)> {
        let mut fields = vec![
            ("id", Value::from(self.id.as_str())),
            ("name", Value::from(self.name.as_str())),
        ];
        if !self.aliases.is_empty() {
            fields.push(("aliases", Value::from(self.aliases.clone())));
        }
        if let Some(kind) = &self.kind {
            fields.push(("kind", Value::from(kind.as_str())));
        }
        if self.weight != 1.0 {
            fields.push(("weight", Value::from(self.weight)));
        }
        if !self.data.is_empty() {
            fields.push(("data", Value::Object(self.data.clone())));
        }
        fields
    }
}

/// True for the keys of a record that are an entity's own fields, not data.
fn is_field(key: &str) -> bool {
    matches!(key, "id" | "name" | "aliases" | "kind" | "weight" | "data")
}

/// Refuses a record that gives one data key twice, in `data` (an object, or a string holding
/// one) and at its top level: one of the two values would be lost.
fn check_data_keys(fields: &Map<String, Value>, data: &Value) -> Result<()> {
    let parsed;
    let map = match data {
        Value::Object(map) => map,
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => {
                parsed = map;
                &parsed
            }
            _ => return Ok(()),
        },
        _ => return Ok(()),
    };
    match map.keys().find(|k| fields.contains_key(*k) && !is_field(k)) {
        Some(k) => Err(Error::invalid_record(format!(
            "the data key {k:?} is given twice: in 'data' and at the top level of the record"
        ))
        .in_field(k)),
        None => Ok(()),
    }
}

/// How to read a CSV knowledge base.
#[derive(Clone, Debug)]
pub struct CsvOptions {
    /// The field delimiter; `,` by default (`\t` for TSV).
    pub delimiter: u8,
    /// What separates several aliases within the `aliases` column; `|` by default.
    pub alias_separator: String,
}

impl Default for CsvOptions {
    fn default() -> CsvOptions {
        CsvOptions {
            delimiter: b',',
            alias_separator: DEFAULT_ALIAS_SEPARATOR.to_string(),
        }
    }
}

/// A validated set of entities, each with a unique id.
#[derive(Clone, Debug, Default)]
pub struct KnowledgeBase {
    entities: Vec<Entity>,
    by_id: HashMap<String, usize>,
}

impl KnowledgeBase {
    /// An empty knowledge base.
    pub fn new() -> KnowledgeBase {
        KnowledgeBase::default()
    }

    /// Adds one entity after validating it; a duplicate id is an error.
    pub fn add(&mut self, entity: Entity) -> Result<()> {
        entity.validate()?;
        if self.by_id.contains_key(&entity.id) {
            return Err(
                Error::invalid_record(format!("the id {:?} is already taken", entity.id))
                    .in_field("id"),
            );
        }
        self.by_id.insert(entity.id.clone(), self.entities.len());
        self.entities.push(entity);
        Ok(())
    }

    /// A knowledge base from entities read back from a saved resolver: ids are checked for
    /// uniqueness, the rest was validated when the resolver was built.
    pub(crate) fn from_saved(entities: Vec<Entity>) -> Result<KnowledgeBase> {
        let mut by_id = HashMap::with_capacity(entities.len());
        for (i, e) in entities.iter().enumerate() {
            if by_id.insert(e.id.clone(), i).is_some() {
                return Err(Error::invalid_record(format!(
                    "the id {:?} appears twice",
                    e.id
                )));
            }
        }
        Ok(KnowledgeBase { entities, by_id })
    }

    /// The position of the entity with this id, in the order entities were added.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The entity with this id.
    pub fn get(&self, id: &str) -> Option<&Entity> {
        self.by_id.get(id).map(|&i| &self.entities[i])
    }

    /// The number of entities.
    pub fn len(&self) -> usize {
        self.entities.len()
    }

    /// True when there are no entities.
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    /// The entities in the order they were added.
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// The entities, taken out.
    pub(crate) fn into_entities(self) -> Vec<Entity> {
        self.entities
    }

    /// Builds a knowledge base from JSON records (see [`Entity::from_json`]). Errors name the
    /// 1-based record number.
    pub fn from_records<'a, I>(records: I) -> Result<KnowledgeBase>
    where
        I: IntoIterator<Item = &'a Value>,
    {
        let mut kb = KnowledgeBase::new();
        for (i, record) in records.into_iter().enumerate() {
            let n = i as u64 + 1;
            interrupt::check()?;
            Entity::from_json(record)
                .and_then(|e| kb.add(e))
                .map_err(|e| e.at_record(n))?;
        }
        Ok(kb)
    }

    /// Reads JSON Lines: one object per line; blank lines are skipped. The file must be a
    /// regular file of at most [`MAX_FILE_BYTES`](crate::MAX_FILE_BYTES), its lines at most
    /// [`MAX_LINE_BYTES`](crate::MAX_LINE_BYTES) long; an object that gives one key twice is an
    /// error.
    pub fn from_jsonl(path: impl AsRef<Path>) -> Result<KnowledgeBase> {
        let path = path.as_ref();
        let file = files::open(path)?;
        KnowledgeBase::read_jsonl(BufReader::new(file)).map_err(|e| e.in_file(path))
    }

    /// Reads JSON Lines from any reader; see [`KnowledgeBase::from_jsonl`].
    pub fn read_jsonl(mut reader: impl BufRead) -> Result<KnowledgeBase> {
        let mut kb = KnowledgeBase::new();
        let mut line = Vec::new();
        for n in 1u64.. {
            interrupt::check()?;
            if !files::read_line(&mut reader, &mut line).map_err(|e| e.at_line(n))? {
                break;
            }
            let text = std::str::from_utf8(&line).map_err(|e| {
                Error::new(ErrorKind::Parse, format!("not valid UTF-8 ({e})")).at_line(n)
            })?;
            let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
            let text = text.strip_suffix('\n').unwrap_or(text);
            if text.trim().is_empty() {
                continue;
            }
            let record = json::parse(text).map_err(|e| e.into_error(text, n))?;
            Entity::from_json(&record)
                .and_then(|e| kb.add(e))
                .map_err(|e| e.at_line(n))?;
        }
        Ok(kb)
    }

    /// Writes the entities as JSON Lines, one [`Entity::to_json`] record per line, in the order
    /// they were added: what [`KnowledgeBase::read_jsonl`] reads back equal.
    ///
    /// ```
    /// use canonica::{Entity, KnowledgeBase};
    /// let mut kb = KnowledgeBase::new();
    /// kb.add(Entity::new("AE", "United Arab Emirates").with_aliases(["UAE"])).unwrap();
    /// let mut jsonl = Vec::new();
    /// kb.write_jsonl(&mut jsonl).unwrap();
    /// assert_eq!(
    ///     String::from_utf8(jsonl.clone()).unwrap(),
    ///     "{\"id\":\"AE\",\"name\":\"United Arab Emirates\",\"aliases\":[\"UAE\"]}\n"
    /// );
    /// let back = KnowledgeBase::read_jsonl(jsonl.as_slice()).unwrap();
    /// assert_eq!(back.entities(), kb.entities());
    /// ```
    pub fn write_jsonl(&self, mut writer: impl Write) -> Result<()> {
        let io = |e: std::io::Error| Error::new(ErrorKind::Io, e.to_string());
        let mut line = String::new();
        for entity in &self.entities {
            line.clear();
            for (i, (key, value)) in entity.fields().iter().enumerate() {
                line.push(if i == 0 { '{' } else { ',' });
                line.push_str(&format!("\"{key}\":{value}"));
            }
            line.push_str("}\n");
            writer.write_all(line.as_bytes()).map_err(io)?;
        }
        writer.flush().map_err(io)
    }

    /// Reads a JSON array of objects, from a regular file of at most
    /// [`MAX_FILE_BYTES`](crate::MAX_FILE_BYTES).
    pub fn from_json(path: impl AsRef<Path>) -> Result<KnowledgeBase> {
        let path = path.as_ref();
        let bytes = files::read(path)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            Error::new(
                ErrorKind::Parse,
                format!("not valid UTF-8 ({})", e.utf8_error()),
            )
            .at_line(line)
            .in_file(path)
        })?;
        KnowledgeBase::parse_json(&text).map_err(|e| e.in_file(path))
    }

    /// Parses a JSON array of objects from a string; an object that gives one key twice is an
    /// error.
    pub fn parse_json(text: &str) -> Result<KnowledgeBase> {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let value = json::parse(text).map_err(|e| {
            let line = e.line();
            let text = text
                .split('\n')
                .nth(line.saturating_sub(1) as usize)
                .unwrap_or("");
            e.into_error(text, line)
        })?;
        match value {
            Value::Array(records) => KnowledgeBase::from_records(&records),
            other => Err(Error::new(
                ErrorKind::Parse,
                format!(
                    "expected a JSON array of objects, found {}",
                    describe(&other)
                ),
            )),
        }
    }

    /// Reads CSV with a header row naming at least `id` and `name`; optional columns `aliases`
    /// (split on [`CsvOptions::alias_separator`]), `kind` and `weight`; every other column is kept
    /// in `data` as a string. Empty `aliases`, `kind` and `weight` cells mean "none". A header
    /// that names a column twice, a row with too many or too few cells, and a quoted cell that
    /// is never closed are errors naming the line (and the column). The file must be a regular
    /// file of at most [`MAX_FILE_BYTES`](crate::MAX_FILE_BYTES), each record at most
    /// [`MAX_LINE_BYTES`](crate::MAX_LINE_BYTES).
    pub fn from_csv(path: impl AsRef<Path>, options: &CsvOptions) -> Result<KnowledgeBase> {
        let path = path.as_ref();
        let file = files::open(path)?;
        KnowledgeBase::read_csv(file, options).map_err(|e| e.in_file(path))
    }

    /// Reads CSV from any reader; see [`KnowledgeBase::from_csv`].
    pub fn read_csv(reader: impl Read, options: &CsvOptions) -> Result<KnowledgeBase> {
        csv_input::read(reader, options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_keep_extra_fields_as_data() {
        let kb = KnowledgeBase::from_records(&[json!({
            "id": "Q1", "name": "Kazakhstan", "aliases": ["KZ"], "kind": "country",
            "weight": 2, "iso3": "KAZ"
        })])
        .unwrap();
        let e = kb.get("Q1").unwrap();
        assert_eq!(e.aliases, vec!["KZ"]);
        assert_eq!(e.kind.as_deref(), Some("country"));
        assert_eq!(e.weight, 2.0);
        assert_eq!(e.data["iso3"], json!("KAZ"));
    }

    #[test]
    fn a_kind_with_spaces_at_its_ends_is_refused_so_that_saves_read_back() {
        let padded = Entity::new("KZ", "Kazakhstan").with_kind(" country");
        let err = KnowledgeBase::new().add(padded).unwrap_err();
        assert!(err.to_string().contains("spaces at its ends"), "{err}");
        let read = KnowledgeBase::from_records(&[json!({
            "id": "KZ", "name": "Kazakhstan", "kind": " country "
        })]);
        assert_eq!(read.unwrap().entities()[0].kind.as_deref(), Some("country"));
    }

    #[test]
    fn every_format_reads_fields_alike() {
        let records = KnowledgeBase::from_records(&[json!({
            "id": "KZ", "name": "Kazakhstan", "aliases": "Qazaqstan| Казахстан ||",
            "kind": " country ", "weight": "2.5", "data": "{\"iso3\": \"KAZ\"}", "n": "7"
        })])
        .unwrap();
        let csv = "id,name,aliases,kind,weight,data,n\n\
                   KZ,Kazakhstan,Qazaqstan| Казахстан ||, country ,2.5,\"{\"\"iso3\"\": \"\"KAZ\"\"}\",7\n";
        let csv = KnowledgeBase::read_csv(csv.as_bytes(), &CsvOptions::default()).unwrap();
        assert_eq!(records.entities(), csv.entities());
        let e = records.get("KZ").unwrap();
        assert_eq!(e.aliases, ["Qazaqstan", "Казахстан"]);
        assert_eq!((e.kind.as_deref(), e.weight), (Some("country"), 2.5));
        assert_eq!(e.data["iso3"], json!("KAZ"));

        let blank = KnowledgeBase::from_records(&[json!({
            "id": "a", "name": "A", "aliases": "", "kind": " ", "weight": "", "data": ""
        })])
        .unwrap();
        assert_eq!(blank.get("a").unwrap(), &Entity::new("a", "A"));
        let err = KnowledgeBase::from_records(&[json!({"id": "a", "name": "A", "data": "[1]"})])
            .unwrap_err();
        assert_eq!(err.location().field.as_deref(), Some("data"));
    }

    #[test]
    fn errors_name_record_and_field() {
        let err = KnowledgeBase::from_records(&[
            json!({"id": "a", "name": "A"}),
            json!({"id": "b", "name": 5}),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "record 2, field 'name': expected a string, found the number 5"
        );

        let err = KnowledgeBase::from_records(&[
            json!({"id": "a", "name": "A"}),
            json!({"id": "a", "name": "B"}),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("already taken"), "{err}");

        let err = KnowledgeBase::from_records(&[json!({"id": "a", "name": "  "})]).unwrap_err();
        assert_eq!(err.location().field.as_deref(), Some("name"));
        let err = KnowledgeBase::from_records(&[json!({"id": "a", "name": "A", "aliases": 5})])
            .unwrap_err();
        assert_eq!(err.location().field.as_deref(), Some("aliases"));
        let err = KnowledgeBase::from_records(&[json!({"id": "a", "name": "A", "weight": -1})])
            .unwrap_err();
        assert_eq!(err.location().field.as_deref(), Some("weight"));
        let err = KnowledgeBase::from_records(&[json!(["a"])]).unwrap_err();
        assert!(err.to_string().starts_with("record 1: expected an object"));
    }

    #[test]
    fn jsonl_names_the_line() {
        let text = "{\"id\":\"a\",\"name\":\"A\"}\n\n{\"id\":\"b\",\"name\":\n";
        let err = KnowledgeBase::read_jsonl(text.as_bytes()).unwrap_err();
        assert_eq!(err.location().line, Some(3));
        assert_eq!(err.kind(), ErrorKind::Parse);
        assert_eq!(
            err.to_string(),
            "line 3, column 17: malformed JSON: EOF while parsing a value"
        );

        // Columns count characters of the line as the file has it, leading spaces included.
        let text = "  {\"id\": \"é\", \"name\" \"A\"}\n";
        let err = KnowledgeBase::read_jsonl(text.as_bytes()).unwrap_err();
        assert_eq!(
            (err.location().line, err.location().column),
            (Some(1), Some(22))
        );
        assert!(!err.to_string().contains("at line"), "{err}");

        let err =
            KnowledgeBase::parse_json("[\n  {\"id\": \"a\",\n   \"name\" \"A\"}\n]").unwrap_err();
        assert_eq!(
            (err.location().line, err.location().column),
            (Some(3), Some(11))
        );
        assert!(!err.to_string().contains("at line"), "{err}");
    }

    #[test]
    fn csv_with_aliases_and_data() {
        let text = "\u{FEFF}id,name,aliases,kind,population\r\nKZ,Kazakhstan,Qazaqstan|Казахстан,country,20000000\r\n";
        let kb = KnowledgeBase::read_csv(text.as_bytes(), &CsvOptions::default()).unwrap();
        let e = kb.get("KZ").unwrap();
        assert_eq!(e.aliases, vec!["Qazaqstan", "Казахстан"]);
        assert_eq!(e.data["population"], json!("20000000"));

        let bad = "id,name,weight\nKZ,Kazakhstan,heavy\n";
        let err = KnowledgeBase::read_csv(bad.as_bytes(), &CsvOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2, field 'weight': expected a number, found \"heavy\""
        );

        let no_name = "id,title\nKZ,Kazakhstan\n";
        let err = KnowledgeBase::read_csv(no_name.as_bytes(), &CsvOptions::default()).unwrap_err();
        assert_eq!(err.location().field.as_deref(), Some("name"));

        let ragged = "id,name\nKZ,Kazakhstan,extra\n";
        let err = KnowledgeBase::read_csv(ragged.as_bytes(), &CsvOptions::default()).unwrap_err();
        assert_eq!(err.location().line, Some(2));
    }
}
