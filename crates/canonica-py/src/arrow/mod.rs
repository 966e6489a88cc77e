//! Names read straight from Arrow memory: a small reader of the Arrow C Data Interface, reached
//! through the Arrow PyCapsule interface (`__arrow_c_array__`, `__arrow_c_stream__`) that
//! pyarrow, polars, pandas and others implement.
//!
//! [`ffi`] takes the producer's export and keeps it alive; [`strings`] reads its rows as names.

mod ffi;
mod strings;

pub(crate) use ffi::ArrowNames;
