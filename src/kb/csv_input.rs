//! Knowledge bases in CSV, read as strictly as the command line reads CSV input: a header that
//! names a column twice, a ragged row, a record over the line limit and a quoted cell that is
//! never closed are errors naming the line and the column.

use std::io::Read;

use serde_json::Value;

use super::{CsvOptions, Entity, KnowledgeBase};
use crate::error::{Error, ErrorKind, Result};
use crate::files;
use crate::interrupt;

/// Reads a CSV knowledge base (see [`KnowledgeBase::from_csv`]).
pub(super) fn read(reader: impl Read, options: &CsvOptions) -> Result<KnowledgeBase> {
    if options.alias_separator.is_empty() {
        return Err(Error::invalid_argument(
            "the alias separator must not be empty",
        ));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(options.delimiter)
        .flexible(false)
        .from_reader(Quotes::new(reader, options.delimiter));
    let csv_error = |e: csv::Error| {
        let line = e.position().map(|p| p.line());
        let err = Error::new(ErrorKind::Parse, format!("malformed CSV: {e}"));
        match line {
            Some(l) => err.at_line(l),
            None => err,
        }
    };
    let headers = rdr.headers().map_err(csv_error).and_then(header)?;
    // A quote opened in the header and never closed swallowed the whole file into it.
    if let Some(open) = rdr.get_ref().unclosed {
        return Err(unclosed(open, &[]));
    }
    let mut kb = KnowledgeBase::new();
    let mut row = csv::StringRecord::new();
    loop {
        interrupt::check()?;
        let read = rdr.read_record(&mut row);
        let line = row.position().map_or(0, |p| p.line());
        // The record a quote was never closed in runs to the end of the file: whatever else is
        // wrong with it follows from that.
        if let Some(open) = rdr.get_ref().unclosed {
            if read.is_err() || rdr.position().byte() >= rdr.get_ref().total {
                return Err(unclosed(open, &headers));
            }
        }
        if !read.map_err(csv_error)? {
            break;
        }
        if row.as_byte_record().as_slice().len() > files::MAX_LINE_BYTES {
            return Err(files::line_too_long().at_line(line));
        }
        let entity = entity(&headers, &row, options).map_err(|e| e.at_line(line))?;
        kb.add(entity).map_err(|e| e.at_line(line))?;
    }
    Ok(kb)
}

/// The column names of the header row: trimmed, a byte order mark dropped, each at most once,
/// `id` and `name` among them.
fn header(record: &csv::StringRecord) -> Result<Vec<String>> {
    let mut headers: Vec<String> = Vec::with_capacity(record.len());
    for (i, h) in record.iter().enumerate() {
        let h = if i == 0 {
            h.trim_start_matches('\u{FEFF}')
        } else {
            h
        };
        let h = h.trim().to_string();
        if headers.contains(&h) {
            return Err(Error::new(
                ErrorKind::Parse,
                format!("the header names the column {h:?} twice"),
            )
            .in_field(&h)
            .at_line(1));
        }
        headers.push(h);
    }
    for required in ["id", "name"] {
        if !headers.iter().any(|h| h == required) {
            return Err(Error::invalid_record(format!(
                "the header has no '{required}' column (found: {})",
                headers.join(", ")
            ))
            .in_field(required)
            .at_line(1));
        }
    }
    Ok(headers)
}

fn entity(headers: &[String], row: &csv::StringRecord, options: &CsvOptions) -> Result<Entity> {
    let mut entity = Entity::new(String::new(), String::new());
    for (header, cell) in headers.iter().zip(row.iter()) {
        match header.as_str() {
            "id" => entity.id = cell.to_string(),
            "name" => entity.name = cell.to_string(),
            // The other fields by the rules every format shares (see `Entity::from_json`).
            other => entity.set_field(
                other,
                &Value::String(cell.to_string()),
                &options.alias_separator,
            )?,
        }
    }
    if entity.name.trim().is_empty() {
        return Err(Error::invalid_record("the name is empty").in_field("name"));
    }
    Ok(entity)
}

/// Where a quoted cell that was never closed opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Open {
    /// The 1-based line of its opening quote.
    line: u64,
    /// The 0-based column of the cell.
    column: usize,
}

fn unclosed(open: Open, headers: &[String]) -> Error {
    let err = Error::new(
        ErrorKind::Parse,
        format!(
            "malformed CSV: the quoted cell that opens on line {} is never closed",
            open.line
        ),
    )
    .at_line(open.line);
    match headers.get(open.column) {
        Some(name) => err.in_field(name),
        None => err,
    }
}

/// Where the reader is, as a CSV reader would see it.
#[derive(Clone, Copy)]
enum State {
    CellStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted cell: the end of the cell, or the first of two.
    QuoteInQuoted,
}

/// The bytes of a CSV file as they are read, followed through their quoting, so that a quoted
/// cell still open at the end of the file is noticed: the CSV parser takes the rest of the
/// file into it without a word.
struct Quotes<R> {
    inner: R,
    delimiter: u8,
    state: State,
    line: u64,
    column: usize,
    opened: Open,
    /// How many bytes were read.
    total: u64,
    /// Set at the end of the input when a quoted cell is still open.
    unclosed: Option<Open>,
}

impl<R: Read> Quotes<R> {
    fn new(inner: R, delimiter: u8) -> Quotes<R> {
        Quotes {
            inner,
            delimiter,
            state: State::CellStart,
            line: 1,
            column: 0,
            opened: Open { line: 1, column: 0 },
            total: 0,
            unclosed: None,
        }
    }

    fn follow(&mut self, bytes: &[u8]) {
        for &b in bytes {
            let end_of_record = b == b'\n' || b == b'\r';
            self.state = match self.state {
                State::Quoted if b == b'"' => State::QuoteInQuoted,
                State::Quoted => State::Quoted,
                State::CellStart if b == b'"' => {
                    self.opened = Open {
                        line: self.line,
                        column: self.column,
                    };
                    State::Quoted
                }
                State::QuoteInQuoted if b == b'"' => State::Quoted,
                _ if b == self.delimiter => {
                    self.column += 1;
                    State::CellStart
                }
                _ if end_of_record => {
                    self.column = 0;
                    State::CellStart
                }
                _ => State::Unquoted,
            };
            if b == b'\n' {
                self.line += 1;
            }
        }
    }
}

impl<R: Read> Read for Quotes<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() && matches!(self.state, State::Quoted) {
            self.unclosed = Some(self.opened);
        }
        self.follow(&buf[..n]);
        self.total += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::KnowledgeBase;

    fn read_text(text: &str) -> Result<KnowledgeBase> {
        KnowledgeBase::read_csv(text.as_bytes(), &CsvOptions::default())
    }

    #[test]
    fn an_unclosed_quote_is_an_error_naming_line_and_column() {
        for (text, line, field) in [
            ("id,name\nKZ,\"Kazakhstan\nAE,UAE\n", 2, Some("name")),
            ("id,name\nKZ,Kazakhstan\nAE,\"UAE", 3, Some("name")),
            (
                "id,name,note\nKZ,Kazakhstan,\"a \"\"b\"\" c\n",
                2,
                Some("note"),
            ),
            ("id,\"name\n", 1, None),
        ] {
            let err = read_text(text).unwrap_err();
            assert!(err.to_string().contains("never closed"), "{text:?}: {err}");
            assert_eq!(err.location().line, Some(line), "{text:?}");
            assert_eq!(err.location().field.as_deref(), field, "{text:?}");
        }
        // Quotes that close, escaped quotes, and quotes inside unquoted cells are fine.
        let kb = read_text("id,name,note\nKZ,\"Kaz, \"\"akh\"\"\",\"x\ny\"\nAE,U\"AE,n\n").unwrap();
        assert_eq!(kb.get("KZ").unwrap().name, "Kaz, \"akh\"");
        assert_eq!(kb.len(), 2);
    }

    #[test]
    fn a_column_named_twice_is_an_error() {
        for text in [
            "id,name,name\nKZ,a,b\n",
            "id,name, id \nKZ,a,b\n",
            "id,name,x,x\n",
        ] {
            let err = read_text(text).unwrap_err();
            assert!(err.to_string().contains("twice"), "{err}");
            assert_eq!(err.location().line, Some(1));
            assert!(err.location().field.is_some());
        }
    }
}
