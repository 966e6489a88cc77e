//! Python arguments to core values: paths, texts, optional names, numbers and flags, each
//! refused with a `CanonicaError` that names the argument; and Python values to JSON and back,
//! for entity records and their data; the names of a batch, read from any of the inputs the
//! batch methods take.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use crate::arrow::ArrowNames;
use crate::errors::{error, guard};
use crate::hooks;
use crate::signals::{check_every, refuse};

/// A file path from a `str` or `os.PathLike`, or a `CanonicaError` naming the wrong type.
pub(crate) fn path_of(obj: &Bound<'_, PyAny>) -> PyResult<std::path::PathBuf> {
    obj.extract().map_err(|err| {
        refuse(obj.py(), err, || {
            format!("path must be a str or os.PathLike, not {}", type_name(obj))
        })
    })
}

/// A Python string as UTF-8, or a `CanonicaError` for strings that cannot be (lone surrogates).
pub(crate) fn text_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    str_of(obj, what).map(str::to_string)
}

/// A Python string's UTF-8, borrowed (Python keeps it with the string), or a `CanonicaError`
/// as [`text_of`] gives.
pub(crate) fn str_of<'a>(obj: &'a Bound<'_, PyAny>, what: &str) -> PyResult<&'a str> {
    let s = obj
        .cast::<PyString>()
        .map_err(|_| error(format!("{what} must be a string, not {}", type_name(obj))))?;
    s.to_str().map_err(|_| {
        error(format!(
            "{what} is not valid Unicode (it holds a lone surrogate)"
        ))
    })
}

/// A string as Python writes it in a repr: single quotes, escaped.
pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The name of an object's type, for error messages.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// True for the values data frames use for "missing": None, NaN (of any float type, numpy's
/// `float32` too), pandas.NA, pandas' and numpy's NaT.
pub(crate) fn is_missing(obj: &Bound<'_, PyAny>) -> bool {
    if obj.is_none() {
        return true;
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return f.value().is_nan();
    }
    if matches!(type_name(obj).as_str(), "NAType" | "NaTType") {
        return true;
    }
    // numpy's scalars that are not Python floats (float16, float32, longdouble, datetime64,
    // timedelta64): NaN and NaT are the values unequal to themselves.
    let numpy = obj
        .get_type()
        .module()
        .is_ok_and(|m| m.to_str().is_ok_and(|m| m == "numpy"));
    numpy && type_name(obj) != "ndarray" && obj.ne(obj).unwrap_or(false)
}

/// An optional name: `None`, NaN, pandas.NA and "" are no name.
pub(crate) fn optional_text(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Option<String>> {
    if is_missing(obj) {
        return Ok(None);
    }
    let text = text_of(obj, what)?;
    Ok((!text.is_empty()).then_some(text))
}

/// An optional `kind` argument: None or a string.
pub(crate) fn kind_of(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => text_of(o, "kind").map(Some),
    }
}

/// An optional number in [0, 1] (`threshold`, `margin`): None, or anything `float()` accepts
/// except strings and bools; the range itself is checked by the core.
pub(crate) fn unit_of(obj: Option<&Bound<'_, PyAny>>, what: &str, default: f64) -> PyResult<f64> {
    match obj {
        None => Ok(default),
        Some(o) if o.is_none() => Ok(default),
        Some(o) if o.is_instance_of::<PyString>() => Err(error(format!(
            "{what} must be a number between 0 and 1, not a string"
        ))),
        Some(o) if o.is_instance_of::<PyBool>() => Err(error(format!(
            "{what} must be a number between 0 and 1, not bool"
        ))),
        Some(o) => o.extract::<f64>().map_err(|err| {
            refuse(o.py(), err, || {
                format!(
                    "{what} must be a number between 0 and 1, not {}",
                    type_name(o)
                )
            })
        }),
    }
}

/// A whole-number argument (`limit`, the number of threads): a Python int that fits in 64 bits.
pub(crate) fn whole_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<i64> {
    if obj.is_instance_of::<PyBool>() || obj.is_instance_of::<PyFloat>() {
        return Err(error(format!(
            "{what} must be a whole number, not {}",
            type_name(obj)
        )));
    }
    obj.extract::<i64>().map_err(|err| {
        refuse(obj.py(), err, || {
            format!(
                "{what} must be a whole number that fits in 64 bits, not {}",
                type_name(obj)
            )
        })
    })
}

/// A flag argument: True or False.
pub(crate) fn flag_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<bool> {
    obj.cast::<PyBool>().map(|b| b.is_true()).map_err(|_| {
        error(format!(
            "{what} must be True or False, not {}",
            type_name(obj)
        ))
    })
}

/// Argument types whose conversion errors are `CanonicaError`s naming the argument, for
/// arguments with a default (the others take `&Bound<PyAny>` and convert it themselves).
macro_rules! argument {
    ($(#[$doc:meta])* $name:ident($inner:ty) = $convert:ident, $what:literal) => {
        $(#[$doc])*
        pub(crate) struct $name(pub(crate) $inner);

        impl<'a, 'py> FromPyObject<'a, 'py> for $name {
            type Error = PyErr;

            fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                $convert(&obj, $what).map($name)
            }
        }
    };
}

argument!(
    /// `limit` of `candidates`.
    Limit(i64) = whole_of, "limit"
);
argument!(
    /// `overlapping` of `link`.
    Overlapping(bool) = flag_of, "overlapping"
);
argument!(
    /// `fuzzy` of `link`.
    Fuzzy(bool) = flag_of, "fuzzy"
);

/// The bytes of a saved resolver: bytes, bytearray, or any object with the buffer protocol
/// (memoryview, array, numpy). Nothing else is converted: `bytes(n)` of a number would be a
/// buffer of n zeros.
pub(crate) fn bytes_of(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let py = obj.py();
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(bytes.as_bytes().to_vec());
    }
    if let Ok(bytes) = obj.cast::<PyByteArray>() {
        return Ok(bytes.to_vec());
    }
    if obj.is_instance_of::<PyString>() {
        return Err(error("a saved resolver is bytes, not a string"));
    }
    let view = py
        .import("builtins")?
        .getattr("memoryview")?
        .call1((obj,))
        .map_err(|err| {
            refuse(py, err, || {
                format!("a saved resolver is bytes, not {}", type_name(obj))
            })
        })?;
    Ok(view
        .call_method0("tobytes")?
        .cast::<PyBytes>()?
        .as_bytes()
        .to_vec())
}

/// A Python value as JSON. NaN and the other missing markers of data frames become null.
pub(crate) fn to_json(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > 100 {
        return Err(error("data is nested more than 100 levels deep"));
    }
    if is_missing(obj) {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyString>() {
        return Ok(Value::String(text_of(obj, "a value")?));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| error(format!("the number {} cannot be stored", f.value())));
    }
    let py = obj.py();
    let cannot = || format!("a value of type {} cannot be stored", type_name(obj));
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (i, (k, v)) in d.iter().enumerate() {
            check_every(py, i + 1)?;
            let key = text_of(&k, "a key")?;
            map.insert(key, to_json(&v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, v) in obj.try_iter()?.enumerate() {
            check_every(py, i + 1)?;
            items.push(to_json(&v?, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    match obj.extract::<i64>() {
        Ok(i) => Ok(Value::Number(i.into())),
        Err(err) if obj.is_instance_of::<pyo3::types::PyInt>() => {
            // An int that does not fit in 64 bits, signed or not.
            match obj.extract::<u64>() {
                Ok(u) => Ok(Value::Number(u.into())),
                Err(_) => Err(refuse(py, err, cannot)),
            }
        }
        // A number type of Python code (`__index__`) may have run a signal's handler.
        Err(err) => Err(refuse(py, err, cannot)),
    }
}

/// JSON as a Python value.
pub(crate) fn from_json<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(from_json(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, from_json(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// The names of `names` as `resolve_many` and `cluster` read them, given to `f`: a data frame's
/// column through the package's hook, an Arrow array in place, any other iterable item by item
/// (None, NaN and "" are no name).
pub(crate) fn with_names<R>(
    py: Python<'_>,
    names: &Bound<'_, PyAny>,
    f: impl FnOnce(&[Option<&str>]) -> PyResult<R>,
) -> PyResult<R> {
    if names.is_instance_of::<PyString>() {
        return Err(error(
            "names must be a list of strings, not a single string",
        ));
    }
    let names = &hooks::names(py, names)?;
    if let Some(source) = ArrowNames::from_py(names)? {
        let source = source.map_err(error)?;
        let texts = guard(|| source.texts())?.map_err(error)?;
        return f(&texts);
    }
    let iter = names.try_iter().map_err(|err| {
        refuse(py, err, || {
            format!("names must be iterable, not {}", type_name(names))
        })
    })?;
    let mut owned: Vec<Option<String>> = Vec::new();
    for (i, item) in iter.enumerate() {
        check_every(py, i + 1)?;
        owned.push(optional_text(&item?, &format!("name {}", i + 1))?);
    }
    let texts: Vec<Option<&str>> = owned.iter().map(Option::as_deref).collect();
    f(&texts)
}
