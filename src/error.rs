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
    /// Boxed, so that a `Result` stays small on the paths that succeed.
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    message: String,
    location: Location,
    /// For an error of the file system: its kind and the operating system's error number.
    io: Option<(std::io::ErrorKind, Option<i32>)>,
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
    /// The 1-based column (in characters) on that line, for malformed JSON.
    pub column: Option<u64>,
    /// The 1-based record number where lines do not apply (a JSON array, Python rows).
    pub record: Option<u64>,
    /// The field of the record.
    pub field: Option<String>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                location: Location::default(),
                io: None,
            }),
        }
    }

    pub(crate) fn invalid_record(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidRecord, message)
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    /// A file that could not be read or written. The message is the system's ("No such file
    /// or directory"), without Rust's "(os error 2)"; [`Error::io_error_kind`] and
    /// [`Error::raw_os_error`] keep what a program branches on.
    pub(crate) fn io(path: &Path, err: std::io::Error) -> Error {
        Error::io_error(err).in_file(path)
    }

    /// A failure to read or write, of a file not known here.
    pub(crate) fn io_error(err: std::io::Error) -> Error {
        let text = err.to_string();
        let message = match (err.raw_os_error(), text.rfind(" (os error ")) {
            (Some(_), Some(at)) if text.ends_with(')') => text[..at].to_string(),
            _ => text,
        };
        let mut error = Error::new(ErrorKind::Io, message);
        error.inner.io = Some((err.kind(), err.raw_os_error()));
        error
    }

    /// Attaches the file this error happened in.
    pub(crate) fn in_file(mut self, path: &Path) -> Error {
        self.inner.location.file = Some(path.to_path_buf());
        self
    }

    /// Attaches the 1-based line, unless one is already known.
    pub(crate) fn at_line(mut self, line: u64) -> Error {
        self.inner.location.line.get_or_insert(line);
        self
    }

    /// Attaches the 1-based column on the line, unless one is already known.
    pub(crate) fn at_column(mut self, column: u64) -> Error {
        self.inner.location.column.get_or_insert(column);
        self
    }

    /// Attaches the 1-based record number, unless a line or record is already known.
    pub(crate) fn at_record(mut self, record: u64) -> Error {
        if self.inner.location.line.is_none() {
            self.inner.location.record.get_or_insert(record);
        }
        self
    }

    /// Attaches the field name, unless one is already known.
    pub(crate) fn in_field(mut self, field: &str) -> Error {
        self.inner
            .location
            .field
            .get_or_insert_with(|| field.to_string());
        self
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// Where the error happened, as far as it is known.
    pub fn location(&self) -> &Location {
        &self.inner.location
    }

    /// The message without the location.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// For a file that could not be read or written ([`ErrorKind::Io`]): why, as
    /// [`std::io::ErrorKind`] (`NotFound`, `PermissionDenied`, `IsADirectory`, ...).
    pub fn io_error_kind(&self) -> Option<std::io::ErrorKind> {
        self.inner.io.map(|(kind, _)| kind)
    }

    /// For a file that could not be read or written: the operating system's error number
    /// (`errno`), when it gave one.
    pub fn raw_os_error(&self) -> Option<i32> {
        self.inner.io.and_then(|(_, code)| code)
    }
}

impl fmt::Display for ErrorKind {
    /// The category in words: "invalid record", "parse error", "I/O error", "invalid saved
    /// file", "invalid argument", "interrupted".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::InvalidRecord => "invalid record",
            ErrorKind::Parse => "parse error",
            ErrorKind::Io => "I/O error",
            ErrorKind::InvalidSavedFile => "invalid saved file",
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::Interrupted => "interrupted",
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let loc = &self.inner.location;
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
            if let Some(column) = loc.column {
                write!(f, ", column {column}")?;
            }
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
        f.write_str(&self.inner.message)
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
    fn kinds_print_in_words() {
        assert_eq!(ErrorKind::InvalidRecord.to_string(), "invalid record");
        assert_eq!(format!("{}", ErrorKind::Io), "I/O error");
    }

    #[test]
    fn io_errors_keep_their_kind_without_the_os_error_suffix() {
        let err = Error::io(
            Path::new("missing.jsonl"),
            std::io::Error::from_raw_os_error(2),
        );
        assert_eq!(err.io_error_kind(), Some(std::io::ErrorKind::NotFound));
        assert_eq!(err.raw_os_error(), Some(2));
        assert!(!err.to_string().contains("os error"), "{err}");
        assert!(err.to_string().starts_with("missing.jsonl: "), "{err}");
        assert_eq!(Error::invalid_argument("x").io_error_kind(), None);
    }

    #[test]
    fn first_location_wins() {
        let err = Error::invalid_record("x").at_line(2).at_line(9);
        assert_eq!(err.location().line, Some(2));
    }
}
