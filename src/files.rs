//! Files: opened for reading within limits, and replaced atomically.
//!
//! Knowledge bases and saved resolvers are read from regular files only. A FIFO, a terminal, a
//! socket or a device such as `/dev/zero` or `/dev/urandom` is refused when it is opened, before
//! anything is read: it may never end, and reading it could wait forever. A file is read up to
//! [`MAX_FILE_BYTES`], a line of JSON Lines or a record of CSV up to [`MAX_LINE_BYTES`]; past
//! either the read stops with an error, so a file that grows while it is read cannot exhaust
//! memory either.
//!
//! [`replace`] writes a file whole or not at all: the bytes go to a temporary file of an
//! unpredictable name beside it, created exclusively (never through a link someone planted),
//! synced, given the permissions of the file it replaces, and renamed over it. Concurrent writers
//! each rename a complete file; the last rename wins.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::interrupt;

/// The largest file canonica reads: 4 GiB.
pub const MAX_FILE_BYTES: u64 = 4 << 30;

/// The longest line of JSON Lines, or record of CSV, canonica reads: 16 MiB.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// What a file that is not a regular file is, for messages.
fn describe(file_type: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        return "a directory";
    }
    "not a regular file"
}

/// The error for a file that is not a regular file: for a directory, the one the operating
/// system gives for reading one (`IsADirectory`), so that it is the same on every platform.
fn not_regular(path: &Path, file_type: &fs::FileType) -> Error {
    let kind = if file_type.is_dir() {
        io::ErrorKind::IsADirectory
    } else {
        io::ErrorKind::InvalidInput
    };
    let message = format!(
        "{}, not a regular file: canonica reads and writes regular files only, since \
         anything else may never end",
        describe(file_type)
    );
    Error::io(path, io::Error::new(kind, message))
}

fn too_large(path: &Path) -> Error {
    Error::new(
        ErrorKind::Io,
        format!(
            "the file is larger than {} bytes (4 GiB), the most canonica reads",
            MAX_FILE_BYTES
        ),
    )
    .in_file(path)
}

/// Opens a regular file for reading. The open does not wait: a FIFO without a writer is
/// refused like any other file that is not a regular one.
pub(crate) fn open(path: &Path) -> Result<Limited<File>> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| Error::io(path, e))?;
    let metadata = file.metadata().map_err(|e| Error::io(path, e))?;
    if !metadata.is_file() {
        return Err(not_regular(path, &metadata.file_type()));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(too_large(path));
    }
    Ok(Limited {
        inner: file,
        left: MAX_FILE_BYTES,
    })
}

/// The bytes of a regular file (see [`open`]).
pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    let mut file = open(path)?;
    // Room for the whole file up front (and a byte to see its end): a buffer grown as it fills
    // is copied on the way and held twice, which for a large saved index is hundreds of MB.
    let size = file.inner.metadata().map_or(0, |m| m.len() as usize);
    let mut bytes = Vec::with_capacity(size.saturating_add(1));
    file.read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    Ok(bytes)
}

/// A reader that fails once more than [`MAX_FILE_BYTES`] were read: a file that grows while it
/// is read.
pub(crate) struct Limited<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(
                    "the file grew past 4 GiB, the most canonica reads",
                )),
            };
        }
        let max = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Reads one line, its `\n` included, into `line` (cleared first); `Ok(false)` at the end of
/// the input. A line longer than [`MAX_LINE_BYTES`] is an error.
pub(crate) fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> Result<bool> {
    line.clear();
    let n = reader
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_until(b'\n', line)
        .map_err(Error::io_error)?;
    if line.len() > MAX_LINE_BYTES {
        return Err(line_too_long());
    }
    Ok(n > 0)
}

/// The error for a line or record longer than [`MAX_LINE_BYTES`].
pub(crate) fn line_too_long() -> Error {
    Error::new(
        ErrorKind::Parse,
        format!(
            "the line is longer than {} bytes (16 MiB), the most canonica reads",
            MAX_LINE_BYTES
        ),
    )
}

/// A random number no other process can guess, for the name of a temporary file.
fn unpredictable() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // RandomState is keyed from the operating system's random source.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    hasher.finish()
}

/// The file a write to `path` replaces: `path`, or the file a symbolic link there points to.
fn target_of(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path).unwrap_or(path.into()),
        _ => path.into(),
    }
}

/// Removes the temporary file unless it was renamed.
struct Temporary {
    path: Option<PathBuf>,
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = fs::remove_file(path);
        }
    }
}

/// Writes `bytes` to `path` atomically (see the module docs). The file it replaces must be a
/// regular file; a new one gets the permissions a new file gets (the umask applies). A write
/// interrupted (see [`crate::interrupt`]) before the rename leaves `path` as it was.
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let target = target_of(path);
    let existing = match fs::metadata(&target) {
        Ok(m) if !m.is_file() => return Err(not_regular(path, &m.file_type())),
        Ok(m) => Some(m),
        Err(_) => None,
    };
    let file_name = target
        .file_name()
        .ok_or_else(|| Error::invalid_argument("the path names no file").in_file(path))?
        .to_string_lossy()
        .into_owned();
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let io = |e: io::Error| Error::io(path, e);
    let (mut file, temporary) = create_temporary(&dir, &file_name).map_err(io)?;
    let mut guard = Temporary {
        path: Some(temporary.clone()),
    };
    file.write_all(bytes).map_err(io)?;
    if let Some(existing) = &existing {
        keep_owner_and_mode(&file, existing).map_err(io)?;
    }
    file.sync_all().map_err(io)?;
    drop(file);
    interrupt::check()?;
    fs::rename(&temporary, &target).map_err(io)?;
    guard.path = None;
    sync_directory(&dir);
    Ok(())
}

/// A new file of an unpredictable name in `dir`, created exclusively.
fn create_temporary(dir: &Path, file_name: &str) -> io::Result<(File, PathBuf)> {
    let mut attempts = 0;
    loop {
        let path = dir.join(format!(".{file_name}.{:016x}.tmp", unpredictable()));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((file, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => {
                attempts += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Gives the new file the permissions (and, where allowed, the owner) of the one it replaces.
fn keep_owner_and_mode(file: &File, existing: &fs::Metadata) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let new = file.metadata()?;
        if (new.uid(), new.gid()) != (existing.uid(), existing.gid()) {
            // Only a privileged process may give a file away; others keep their own.
            let _ = std::os::unix::fs::fchown(file, Some(existing.uid()), Some(existing.gid()));
        }
    }
    file.set_permissions(existing.permissions())
}

/// Syncs a directory after a rename in it, so that the rename survives a crash.
fn sync_directory(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_up_to_the_limit() {
        let mut text: &[u8] = b"one\ntwo";
        let mut line = Vec::new();
        assert!(read_line(&mut text, &mut line).unwrap());
        assert_eq!(line, b"one\n");
        assert!(read_line(&mut text, &mut line).unwrap());
        assert_eq!(line, b"two");
        assert!(!read_line(&mut text, &mut line).unwrap());
        let long = vec![b'x'; MAX_LINE_BYTES + 10];
        let err = read_line(&mut long.as_slice(), &mut line).unwrap_err();
        assert!(err.to_string().contains("longer than"), "{err}");
    }

    #[test]
    fn a_limited_reader_stops_a_growing_file() {
        let mut reader = Limited {
            inner: io::repeat(b'a'),
            left: 10,
        };
        let mut out = Vec::new();
        let err = reader.read_to_end(&mut out).unwrap_err();
        assert!(err.to_string().contains("grew"), "{err}");
        assert_eq!(out.len(), 10);
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_directories_are_refused() {
        for path in ["/dev/zero", "/dev/urandom", "/dev/null", "/"] {
            if Path::new(path).exists() {
                let err = open(Path::new(path)).err().expect(path);
                assert!(err.to_string().contains("not a regular file"), "{err}");
            }
        }
        let dir = tempfile::tempdir().unwrap();
        assert!(replace(Path::new("/dev/null"), b"x").is_err());
        let err = replace(dir.path(), b"x").unwrap_err();
        assert!(err.to_string().contains("directory"), "{err}");
    }

    #[test]
    fn replace_writes_whole_files_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        replace(&path, b"first").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"first");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
            replace(&path, b"second").unwrap();
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
            assert_eq!(mode, 0o640);
            // Through a symbolic link, the file it points to is replaced.
            let link = dir.path().join("link.bin");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            replace(&link, b"third").unwrap();
            assert!(fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink());
            assert_eq!(fs::read(&path).unwrap(), b"third");
        }
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert!(names.len() <= 2, "no temporary file is left");
    }
}
