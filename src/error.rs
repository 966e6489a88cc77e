//! The one error type of canonica.
//!
//! Every fallible operation returns [`Error`]. Its message says what went wrong, where (file, line,
//! field, when known) and, where it helps, how to fix it. [`Error::kind`] lets a program branch on
//! the category without parsing the message.

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong, and where.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    location: Location,
}

/// The broad category of an [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A record is not a valid entity: a missing or empty field, a field of the wrong type, a
    /// duplicate id.
    InvalidRecord,
    /// A file could not be parsed (malformed JSON, CSV, ...).
    Parse,
    /// A file could not be read or written.
    Io,
    /// A saved resolver is truncated, corrupted, from another format version or not a canonica
    /// file at all.
    InvalidSavedFile,
    /// An argument is out of its allowed range.
    InvalidArgument,
    /// The work was stopped early through its [`Interrupt`](crate::interrupt::Interrupt).
    Interrupted,
}

/// Where an error happened: any of file, line (1-based) and field may be known.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file being read, when the input came from a file.
    pub file: Option<PathBuf>,
    /// The 1-based line of a line-oriented file (JSONL, CSV).
    pub line: Option<u64>,
    /// The 1-based record number where lines do not apply (a JSON array, Python rows).
    pub record: Option<u64>,
    /// The field of the record.
    pub field: Option<String>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            location: Location::default(),
        }
    }

    pub(crate) fn invalid_record(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidRecord, message)
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    pub(crate) fn io(path: &Path, err: std::io::Error) -> Error {
        Error::new(ErrorKind::Io, err.to_string()).in_file(path)
    }

    /// Attaches the file this error happened in.
    pub(crate) fn in_file(mut self, path: &Path) -> Error {
        self.location.file = Some(path.to_path_buf());
        self
    }

    /// Attaches the 1-based line, unless one is already known.
    pub(crate) fn at_line(mut self, line: u64) -> Error {
        self.location.line.get_or_insert(line);
        self
    }

    /// Attaches the 1-based record number, unless a line or record is already known.
    pub(crate) fn at_record(mut self, record: u64) -> Error {
        if self.location.line.is_none() {
            self.location.record.get_or_insert(record);
        }
        self
    }

    /// Attaches the field name, unless one is already known.
    pub(crate) fn in_field(mut self, field: &str) -> Error {
        self.location.field.get_or_insert_with(|| field.to_string());
        self
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Where the error happened, as far as it is known.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The message without the location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let loc = &self.location;
        let mut wrote = false;
        if let Some(file) = &loc.file {
            write!(f, "{}", file.display())?;
            wrote = true;
        }
        if let Some(line) = loc.line {
            if wrote {
                write!(f, ", ")?;
            }
            write!(f, "line {line}")?;
            wrote = true;
        } else if let Some(record) = loc.record {
            if wrote {
                write!(f, ", ")?;
            }
            write!(f, "record {record}")?;
            wrote = true;
        }
        if let Some(field) = &loc.field {
            if wrote {
                write!(f, ", ")?;
            }
            write!(f, "field '{field}'")?;
            wrote = true;
        }
        if wrote {
            write!(f, ": ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Shorthand for results whose error is [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_field() {
        let err = Error::invalid_record("expected a string")
            .in_field("name")
            .at_line(3)
            .in_file(Path::new("kb.jsonl"));
        assert_eq!(
            err.to_string(),
            "kb.jsonl, line 3, field 'name': expected a string"
        );
        assert_eq!(err.kind(), ErrorKind::InvalidRecord);
    }

    #[test]
    fn first_location_wins() {
        let err = Error::invalid_record("x").at_line(2).at_line(9);
        assert_eq!(err.location().line, Some(2));
    }
}
