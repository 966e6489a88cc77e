//! Names read straight from Arrow memory: a small reader of the Arrow C Data Interface, reached
//! through the Arrow PyCapsule interface (`__arrow_c_array__`, `__arrow_c_stream__`) that
//! pyarrow, polars, pandas and others implement.
//!
//! Only columns of strings are read: `utf8` ("u"), `large_utf8` ("U"), `string_view` ("vu"),
//! dictionaries of those (pandas categoricals, polars enums) and the all-null type ("n"). The
//! strings are borrowed from the producer's buffers, never copied; a null is no name.
//!
//! The C interface gives no buffer sizes except for the data buffers of string views, so every
//! offset is checked against the others (non-negative, non-decreasing, within the last offset)
//! and every view against its buffer's size; text is checked to be UTF-8. Anything malformed is
//! an error naming the row, never a read out of bounds on account of an offset.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr::NonNull;

use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};

/// `struct ArrowSchema` of the C Data Interface.
#[repr(C)]
struct FfiSchema {
    format: *const c_char,
    name: *const c_char,
    metadata: *const c_char,
    flags: i64,
    n_children: i64,
    children: *mut *mut FfiSchema,
    dictionary: *mut FfiSchema,
    release: Option<unsafe extern "C" fn(*mut FfiSchema)>,
    private_data: *mut c_void,
}

/// `struct ArrowArray` of the C Data Interface.
#[repr(C)]
struct FfiArray {
    length: i64,
    null_count: i64,
    offset: i64,
    n_buffers: i64,
    n_children: i64,
    buffers: *mut *const c_void,
    children: *mut *mut FfiArray,
    dictionary: *mut FfiArray,
    release: Option<unsafe extern "C" fn(*mut FfiArray)>,
    private_data: *mut c_void,
}

/// `struct ArrowArrayStream` of the C Stream Interface.
#[repr(C)]
struct FfiStream {
    get_schema: Option<unsafe extern "C" fn(*mut FfiStream, *mut FfiSchema) -> c_int>,
    get_next: Option<unsafe extern "C" fn(*mut FfiStream, *mut FfiArray) -> c_int>,
    get_last_error: Option<unsafe extern "C" fn(*mut FfiStream) -> *const c_char>,
    release: Option<unsafe extern "C" fn(*mut FfiStream)>,
    private_data: *mut c_void,
}

impl FfiSchema {
    fn empty() -> FfiSchema {
        FfiSchema {
            format: std::ptr::null(),
            name: std::ptr::null(),
            metadata: std::ptr::null(),
            flags: 0,
            n_children: 0,
            children: std::ptr::null_mut(),
            dictionary: std::ptr::null_mut(),
            release: None,
            private_data: std::ptr::null_mut(),
        }
    }
}

impl FfiArray {
    fn empty() -> FfiArray {
        FfiArray {
            length: 0,
            null_count: 0,
            offset: 0,
            n_buffers: 0,
            n_children: 0,
            buffers: std::ptr::null_mut(),
            children: std::ptr::null_mut(),
            dictionary: std::ptr::null_mut(),
            release: None,
            private_data: std::ptr::null_mut(),
        }
    }
}

/// A schema this process owns (from a stream): released when dropped.
struct OwnedSchema(Box<FfiSchema>);

impl Drop for OwnedSchema {
    fn drop(&mut self) {
        if let Some(release) = self.0.release {
            // SAFETY: the producer filled the struct and gave it to us; released once.
            unsafe { release(&mut *self.0) };
        }
    }
}

/// An array this process owns (a chunk of a stream): released when dropped.
struct OwnedArray(Box<FfiArray>);

impl Drop for OwnedArray {
    fn drop(&mut self) {
        if let Some(release) = self.0.release {
            // SAFETY: as for OwnedSchema.
            unsafe { release(&mut *self.0) };
        }
    }
}

/// Names exported by an Arrow producer, kept alive (capsules and owned chunks) for as long as
/// the strings borrowed from them are used.
pub(crate) struct ArrowNames<'py> {
    /// The capsules: they own what they point to and release it when Python frees them.
    _capsules: Vec<Bound<'py, PyCapsule>>,
    schema: NonNull<FfiSchema>,
    _owned_schema: Option<OwnedSchema>,
    /// Borrowed from a capsule (`__arrow_c_array__`) or owned (`__arrow_c_stream__` chunks).
    arrays: Vec<NonNull<FfiArray>>,
    _owned_arrays: Vec<OwnedArray>,
}

fn capsule<'py>(obj: &Bound<'py, PyAny>, what: &str) -> Result<Bound<'py, PyCapsule>, String> {
    obj.cast::<PyCapsule>()
        .cloned()
        .map_err(|_| format!("{what} did not return a PyCapsule"))
}

fn pointer<T>(capsule: &Bound<'_, PyCapsule>, name: &CStr) -> Result<NonNull<T>, String> {
    capsule
        .pointer_checked(Some(name))
        .map(NonNull::cast)
        .map_err(|_| format!("expected a PyCapsule named {name:?}"))
}

impl<'py> ArrowNames<'py> {
    /// The Arrow export of `obj` when it has one (`__arrow_c_array__` preferred, then
    /// `__arrow_c_stream__`); `Ok(None)` for objects that are not Arrow producers.
    /// A producer that fails to export (a column of objects Arrow cannot hold, say) is an
    /// error of its own, given as the `Err` of the inner result.
    pub(crate) fn from_py(obj: &Bound<'py, PyAny>) -> PyResult<Option<Result<Self, String>>> {
        let export = |method: &str| {
            obj.call_method0(method)
                .map_err(|e| format!("the names could not be exported to Arrow ({method}): {e}"))
        };
        if obj.hasattr("__arrow_c_array__")? {
            return Ok(Some(
                export("__arrow_c_array__").and_then(|pair| Self::from_array_pair(&pair)),
            ));
        }
        if obj.hasattr("__arrow_c_stream__")? {
            return Ok(Some(
                export("__arrow_c_stream__").and_then(|stream| Self::from_stream(&stream)),
            ));
        }
        Ok(None)
    }

    fn from_array_pair(pair: &Bound<'py, PyAny>) -> Result<Self, String> {
        let pair = pair
            .cast::<PyTuple>()
            .map_err(|_| "__arrow_c_array__ did not return a tuple".to_string())?;
        if pair.len() != 2 {
            return Err("__arrow_c_array__ did not return two capsules".into());
        }
        let schema_capsule = capsule(
            &pair.get_item(0).map_err(|e| e.to_string())?,
            "__arrow_c_array__",
        )?;
        let array_capsule = capsule(
            &pair.get_item(1).map_err(|e| e.to_string())?,
            "__arrow_c_array__",
        )?;
        let schema = pointer::<FfiSchema>(&schema_capsule, c"arrow_schema")?;
        let array = pointer::<FfiArray>(&array_capsule, c"arrow_array")?;
        // SAFETY: the capsules point to live structs that they own.
        if unsafe { schema.as_ref().release.is_none() || array.as_ref().release.is_none() } {
            return Err("the Arrow array was already released".into());
        }
        Ok(ArrowNames {
            _capsules: vec![schema_capsule, array_capsule],
            schema,
            _owned_schema: None,
            arrays: vec![array],
            _owned_arrays: Vec::new(),
        })
    }

    fn from_stream(obj: &Bound<'py, PyAny>) -> Result<Self, String> {
        let stream_capsule = capsule(obj, "__arrow_c_stream__")?;
        let stream = pointer::<FfiStream>(&stream_capsule, c"arrow_array_stream")?.as_ptr();
        // SAFETY: the capsule owns a live stream; its callbacks are called as the C Stream
        // Interface prescribes, and every struct they fill is released by its owner wrapper.
        unsafe {
            let (Some(get_schema), Some(get_next), Some(_)) =
                ((*stream).get_schema, (*stream).get_next, (*stream).release)
            else {
                return Err("the Arrow stream was already released".into());
            };
            let last_error = |code: c_int| -> String {
                let detail = (*stream)
                    .get_last_error
                    .map(|f| f(stream))
                    .filter(|p| !p.is_null())
                    .map(|p| CStr::from_ptr(p).to_string_lossy().into_owned());
                match detail {
                    Some(d) => format!("the Arrow stream failed (error {code}): {d}"),
                    None => format!("the Arrow stream failed (error {code})"),
                }
            };
            let mut schema = OwnedSchema(Box::new(FfiSchema::empty()));
            let code = get_schema(stream, &mut *schema.0);
            if code != 0 {
                return Err(last_error(code));
            }
            if schema.0.release.is_none() {
                return Err("the Arrow stream gave a released schema".into());
            }
            let mut owned = Vec::new();
            loop {
                let mut chunk = OwnedArray(Box::new(FfiArray::empty()));
                let code = get_next(stream, &mut *chunk.0);
                if code != 0 {
                    return Err(last_error(code));
                }
                if chunk.0.release.is_none() {
                    break; // the end of the stream
                }
                owned.push(chunk);
            }
            let arrays = owned.iter().map(|a| NonNull::from(&*a.0)).collect();
            let schema_ptr = NonNull::from(&*schema.0);
            Ok(ArrowNames {
                _capsules: vec![stream_capsule],
                schema: schema_ptr,
                _owned_schema: Some(schema),
                arrays,
                _owned_arrays: owned,
            })
        }
    }

    /// Every row as a name: `None` for nulls and empty strings.
    pub(crate) fn texts(&self) -> Result<Vec<Option<&str>>, String> {
        // SAFETY: the structs stay alive (and unreleased) while `self` is borrowed.
        let schema = unsafe { self.schema.as_ref() };
        let mut out = Vec::new();
        for array in &self.arrays {
            let array = unsafe { array.as_ref() };
            read(schema, array, &mut out, true)?;
        }
        for text in &mut out {
            if text.is_some_and(str::is_empty) {
                *text = None;
            }
        }
        Ok(out)
    }
}

fn format_of(schema: &FfiSchema) -> Result<&str, String> {
    if schema.format.is_null() {
        return Err("the Arrow schema has no format".into());
    }
    // SAFETY: a non-null format is a NUL-terminated string owned by the schema.
    unsafe { CStr::from_ptr(schema.format) }
        .to_str()
        .map_err(|_| "the Arrow schema's format is not UTF-8".into())
}

/// A readable name of an Arrow format string, for error messages.
fn describe(format: &str) -> String {
    let name = match format {
        "b" => "bool",
        "c" | "C" | "s" | "S" | "i" | "I" | "l" | "L" => "integer",
        "e" | "f" | "g" => "floating point",
        "z" | "Z" | "vz" => "binary",
        "+s" => "struct (a table or record batch: pass one column)",
        "+l" | "+L" | "+vl" | "+vL" => "list",
        f if f.starts_with("td") || f.starts_with("ts") || f.starts_with("tt") => "temporal",
        f if f.starts_with('d') => "decimal",
        _ => "unsupported",
    };
    format!("{name} (Arrow format {format:?})")
}

/// Where one row starts in the array's buffers.
struct Rows {
    /// The array's offset plus the number of rows.
    end: usize,
    offset: usize,
}

fn rows(array: &FfiArray) -> Result<Rows, String> {
    let (Ok(len), Ok(offset)) = (usize::try_from(array.length), usize::try_from(array.offset))
    else {
        return Err(format!(
            "the Arrow array has a negative length ({}) or offset ({})",
            array.length, array.offset
        ));
    };
    let end = offset
        .checked_add(len)
        .filter(|&e| e < isize::MAX as usize / 16)
        .ok_or("the Arrow array's length and offset are too large")?;
    Ok(Rows { end, offset })
}

/// Buffer `i` of the array (null when the producer left it out).
fn buffer(array: &FfiArray, i: usize) -> Result<*const u8, String> {
    let n = usize::try_from(array.n_buffers).unwrap_or(0);
    if i >= n || array.buffers.is_null() {
        return Err(format!(
            "the Arrow array has {} buffers, too few for its type",
            array.n_buffers
        ));
    }
    // SAFETY: `buffers` holds `n_buffers` pointers.
    Ok(unsafe { *array.buffers.add(i) }.cast())
}

fn expect_buffers(array: &FfiArray, n: i64, format: &str) -> Result<(), String> {
    if array.n_buffers != n || array.buffers.is_null() {
        return Err(format!(
            "the Arrow array of format {format:?} has {} buffers, not {n}",
            array.n_buffers
        ));
    }
    Ok(())
}

/// Whether row `i` (counted from the buffer's start, offset included) is valid.
fn valid(validity: *const u8, i: usize) -> bool {
    // SAFETY: a validity bitmap holds a bit for every row of the array and its offset.
    validity.is_null() || unsafe { (*validity.add(i / 8) >> (i % 8)) & 1 == 1 }
}

/// One row's text, after checking its UTF-8.
fn text<'a>(data: *const u8, start: usize, len: usize, row: usize) -> Result<&'a str, String> {
    if len == 0 {
        return Ok("");
    }
    if data.is_null() {
        return Err(format!(
            "name {}: the Arrow data buffer is missing",
            row + 1
        ));
    }
    // SAFETY: the caller checked that `start..start + len` lies within the buffer.
    let bytes = unsafe { std::slice::from_raw_parts(data.add(start), len) };
    std::str::from_utf8(bytes).map_err(|_| format!("name {} is not valid UTF-8", row + 1))
}

/// Appends the rows of `array` to `out`.
fn read<'a>(
    schema: &'a FfiSchema,
    array: &'a FfiArray,
    out: &mut Vec<Option<&'a str>>,
    dictionary_allowed: bool,
) -> Result<(), String> {
    let format = format_of(schema)?;
    let Rows { end, offset } = rows(array)?;
    let base = out.len();
    out.try_reserve(end - offset).map_err(|_| {
        format!(
            "the Arrow array claims {} rows, more than memory can hold",
            end - offset
        )
    })?;
    if !schema.dictionary.is_null() {
        if !dictionary_allowed {
            return Err("the Arrow dictionary's values are themselves a dictionary".into());
        }
        return read_dictionary(schema, array, format, out);
    }
    match format {
        "n" => out.extend(std::iter::repeat_n(None, end - offset)),
        "u" => {
            expect_buffers(array, 3, format)?;
            read_offsets::<4>(array, offset, end, base, out)?;
        }
        "U" => {
            expect_buffers(array, 3, format)?;
            read_offsets::<8>(array, offset, end, base, out)?;
        }
        "vu" => read_views(array, offset, end, base, out)?,
        other => {
            return Err(format!(
                "names must be strings; the Arrow array holds {}",
                describe(other)
            ))
        }
    }
    Ok(())
}

/// Reads offset `i` (32 or 64 bits wide) without assuming alignment.
fn offset_at<const W: usize>(offsets: *const u8, i: usize) -> i64 {
    // SAFETY: an offsets buffer holds one entry more than the array's rows and offset.
    unsafe {
        if W == 4 {
            i64::from(offsets.cast::<i32>().add(i).read_unaligned())
        } else {
            offsets.cast::<i64>().add(i).read_unaligned()
        }
    }
}

fn read_offsets<'a, const W: usize>(
    array: &'a FfiArray,
    offset: usize,
    end: usize,
    base: usize,
    out: &mut Vec<Option<&'a str>>,
) -> Result<(), String> {
    if end == offset {
        return Ok(());
    }
    let validity = buffer(array, 0)?;
    let offsets = buffer(array, 1)?;
    let data = buffer(array, 2)?;
    if offsets.is_null() {
        return Err("the Arrow array has no offsets buffer".into());
    }
    let last = offset_at::<W>(offsets, end);
    if last < 0 {
        return Err(format!(
            "the Arrow array's last offset is negative ({last})"
        ));
    }
    for i in offset..end {
        let row = base + i - offset;
        if !valid(validity, i) {
            out.push(None);
            continue;
        }
        let (start, stop) = (offset_at::<W>(offsets, i), offset_at::<W>(offsets, i + 1));
        if start < 0 || start > stop || stop > last {
            return Err(format!(
                "name {}: the Arrow offsets {start}..{stop} are out of order or past the \
                 data's end ({last})",
                row + 1
            ));
        }
        out.push(Some(text(
            data,
            start as usize,
            (stop - start) as usize,
            row,
        )?));
    }
    Ok(())
}

fn read_views<'a>(
    array: &'a FfiArray,
    offset: usize,
    end: usize,
    base: usize,
    out: &mut Vec<Option<&'a str>>,
) -> Result<(), String> {
    // validity, views, the data buffers, then the data buffers' sizes.
    let n_buffers = usize::try_from(array.n_buffers)
        .ok()
        .filter(|&n| n >= 3 && !array.buffers.is_null())
        .ok_or_else(|| {
            format!(
                "the Arrow string view array has {} buffers, fewer than 3",
                array.n_buffers
            )
        })?;
    if end == offset {
        return Ok(());
    }
    let n_data = n_buffers - 3;
    let validity = buffer(array, 0)?;
    let views = buffer(array, 1)?;
    let sizes = buffer(array, n_buffers - 1)?;
    if views.is_null() {
        return Err("the Arrow string view array has no views buffer".into());
    }
    if sizes.is_null() && n_data > 0 {
        return Err("the Arrow string view array has no buffer sizes".into());
    }
    let read_i32 = |p: *const u8, at: usize| -> i32 {
        // SAFETY: `p` points to a 16-byte view.
        unsafe { p.add(at).cast::<i32>().read_unaligned() }
    };
    for i in offset..end {
        let row = base + i - offset;
        if !valid(validity, i) {
            out.push(None);
            continue;
        }
        // SAFETY: the views buffer holds 16 bytes per row of the array and its offset.
        let view = unsafe { views.add(i * 16) };
        let len = read_i32(view, 0);
        let Ok(len) = usize::try_from(len) else {
            return Err(format!(
                "name {}: negative Arrow view length {len}",
                row + 1
            ));
        };
        if len <= 12 {
            out.push(Some(text(view, 4, len, row)?));
            continue;
        }
        let (index, start) = (read_i32(view, 8), read_i32(view, 12));
        let (Ok(index), Ok(start)) = (usize::try_from(index), usize::try_from(start)) else {
            return Err(format!(
                "name {}: negative Arrow view buffer index {index} or offset {start}",
                row + 1
            ));
        };
        if index >= n_data {
            return Err(format!(
                "name {}: the Arrow view names data buffer {index} of {n_data}",
                row + 1
            ));
        }
        // SAFETY: the sizes buffer holds one i64 per data buffer.
        let size = unsafe { sizes.cast::<i64>().add(index).read_unaligned() };
        if start as u64 + len as u64 > size.max(0) as u64 {
            return Err(format!(
                "name {}: the Arrow view {start}+{len} runs past its buffer of {size} bytes",
                row + 1
            ));
        }
        let data = buffer(array, 2 + index)?;
        out.push(Some(text(data, start, len, row)?));
    }
    Ok(())
}

fn read_dictionary<'a>(
    schema: &'a FfiSchema,
    array: &'a FfiArray,
    format: &str,
    out: &mut Vec<Option<&'a str>>,
) -> Result<(), String> {
    if array.dictionary.is_null() {
        return Err("the Arrow array has a dictionary type but no dictionary".into());
    }
    // SAFETY: both dictionaries are live structs owned by their parents.
    let (value_schema, values) = unsafe { (&*schema.dictionary, &*array.dictionary) };
    let mut dictionary = Vec::new();
    read(value_schema, values, &mut dictionary, false)?;
    let width = match format {
        "c" | "C" => 1,
        "s" | "S" => 2,
        "i" | "I" => 4,
        "l" | "L" => 8,
        other => {
            return Err(format!(
                "the Arrow dictionary's indices have format {other:?}, not an integer"
            ))
        }
    };
    let signed = format.chars().all(|c| c.is_ascii_lowercase());
    expect_buffers(array, 2, format)?;
    let Rows { end, offset } = rows(array)?;
    if end == offset {
        return Ok(());
    }
    let validity = buffer(array, 0)?;
    let indices = buffer(array, 1)?;
    if indices.is_null() {
        return Err("the Arrow dictionary array has no indices buffer".into());
    }
    let base = out.len();
    for i in offset..end {
        let row = base + i - offset;
        if !valid(validity, i) {
            out.push(None);
            continue;
        }
        // SAFETY: the indices buffer holds `width` bytes per row of the array and its offset.
        let index: i128 = unsafe {
            let p = indices.add(i * width);
            match (width, signed) {
                (1, true) => p.cast::<i8>().read().into(),
                (1, false) => p.read().into(),
                (2, true) => p.cast::<i16>().read_unaligned().into(),
                (2, false) => p.cast::<u16>().read_unaligned().into(),
                (4, true) => p.cast::<i32>().read_unaligned().into(),
                (4, false) => p.cast::<u32>().read_unaligned().into(),
                (_, true) => p.cast::<i64>().read_unaligned().into(),
                (_, false) => p.cast::<u64>().read_unaligned().into(),
            }
        };
        let value = usize::try_from(index)
            .ok()
            .and_then(|k| dictionary.get(k))
            .ok_or_else(|| {
                format!(
                    "name {}: Arrow dictionary index {index} is out of range (0..{})",
                    row + 1,
                    dictionary.len()
                )
            })?;
        out.push(*value);
    }
    Ok(())
}
