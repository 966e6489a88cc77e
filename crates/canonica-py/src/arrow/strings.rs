//! The rows of an Arrow column as names.
//!
//! Only columns of strings are read: `utf8` ("u"), `large_utf8` ("U"), `string_view` ("vu"),
//! dictionaries of those (pandas categoricals, polars enums) and the all-null type ("n"). The
//! strings are borrowed from the producer's buffers, never copied; a null is no name.
//!
//! The C interface gives no buffer sizes except for the data buffers of string views, so every
//! offset is checked against the others (non-negative, non-decreasing, within the last offset)
//! and every view against its buffer's size; text is checked to be UTF-8. Anything malformed is
//! an error naming the row, never a read out of bounds on account of an offset.

use std::ffi::CStr;

use super::ffi::{ArrowNames, FfiArray, FfiSchema};

impl ArrowNames<'_> {
    /// Every row as a name: `None` for nulls and empty strings.
    pub(crate) fn texts(&self) -> Result<Vec<Option<&str>>, String> {
        let schema = self.schema();
        let mut out = Vec::new();
        for array in self.arrays() {
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
