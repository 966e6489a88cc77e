//! The structs of the Arrow C Data and C Stream Interfaces, and a producer's export taken from
//! its PyCapsules: what this process owns and releases, what the capsules keep alive.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr::NonNull;

use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};

/// `struct ArrowSchema` of the C Data Interface.
#[repr(C)]
pub(super) struct FfiSchema {
    pub(super) format: *const c_char,
    name: *const c_char,
    metadata: *const c_char,
    flags: i64,
    n_children: i64,
    children: *mut *mut FfiSchema,
    pub(super) dictionary: *mut FfiSchema,
    release: Option<unsafe extern "C" fn(*mut FfiSchema)>,
    private_data: *mut c_void,
}

/// `struct ArrowArray` of the C Data Interface.
#[repr(C)]
pub(super) struct FfiArray {
    pub(super) length: i64,
    null_count: i64,
    pub(super) offset: i64,
    pub(super) n_buffers: i64,
    n_children: i64,
    pub(super) buffers: *mut *const c_void,
    children: *mut *mut FfiArray,
    pub(super) dictionary: *mut FfiArray,
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

    /// The schema of the exported column.
    pub(super) fn schema(&self) -> &FfiSchema {
        // SAFETY: the structs stay alive (and unreleased) while `self` is borrowed.
        unsafe { self.schema.as_ref() }
    }

    /// The exported column's chunks, in order.
    pub(super) fn arrays(&self) -> impl Iterator<Item = &FfiArray> {
        // SAFETY: as for `schema`.
        self.arrays.iter().map(|array| unsafe { array.as_ref() })
    }
}
