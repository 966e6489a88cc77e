"""resolve_many reads pandas and polars Series and Arrow arrays in place, with the same results as
a list of the same names."""

from __future__ import annotations

import ctypes
import functools
import struct
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import canonica

from conftest import SEED_KB

# Short and long names (string views keep up to 12 bytes inline), nulls, empty strings, other
# scripts, names that match nothing.
NAMES: list[str | None] = [
    "President Tokayev",
    None,
    "UAE",
    "",
    "Kassym-Jomart Tokayev",
    "Токаев",
    "United Arab Emirates",
    "nothing like any name here at all",
    "U.A.E.",
    None,
    "Emirati",
    "President",
]


@pytest.fixture(scope="module")
def expected(seed_resolver: canonica.Resolver) -> list[canonica.Match | None]:
    found = seed_resolver.resolve_many(NAMES)
    assert sum(m is not None for m in found) >= 5  # the comparison below means something
    return found


def arrow_forms() -> dict[str, Any]:
    string = pa.array(NAMES, pa.string())
    return {
        "utf8": string,
        "large_utf8": pa.array(NAMES, pa.large_string()),
        "string_view": pa.array(NAMES, pa.string_view()),
        "chunked": pa.chunked_array([NAMES[:5], NAMES[5:9], [], NAMES[9:]], pa.string()),
        "chunked_views": pa.chunked_array([NAMES[:7], NAMES[7:]], pa.string_view()),
        "dictionary": string.dictionary_encode(),
        "sliced": pa.array(["padding", *NAMES, "tail"], pa.string()).slice(1, len(NAMES)),
        "sliced_views": pa.array(["padding long enough", *NAMES], pa.string_view()).slice(1),
        "polars": pl.Series("names", NAMES, dtype=pl.Utf8),
        "polars_categorical": pl.Series("names", NAMES, dtype=pl.Categorical),
        "pandas_object": pd.Series(NAMES, dtype="object"),
        "pandas_pyarrow_string": pd.Series(NAMES, dtype="string[pyarrow]"),
        "pandas_python_string": pd.Series(NAMES, dtype="string[python]"),
        "pandas_arrow_dtype": pd.Series(NAMES, dtype=pd.ArrowDtype(pa.large_string())),
        "pandas_categorical": pd.Series(NAMES, dtype="category"),
        "pandas_default_str": pd.Series(NAMES),
        "pandas_index": pd.Index(NAMES, dtype="object"),
        "pandas_nan": pd.Series([float("nan") if n is None else n for n in NAMES]),
    }


@pytest.mark.parametrize("form", list(arrow_forms()))
def test_every_form_gives_the_list_results(
    form: str, seed_resolver: canonica.Resolver, expected: list[canonica.Match | None]
) -> None:
    values = arrow_forms()[form]
    assert seed_resolver.resolve_many(values) == expected


def test_kind_is_applied(seed_resolver: canonica.Resolver) -> None:
    names = pa.array(["UAE", "Tokayev"])
    assert seed_resolver.resolve_many(names, kind="country") == seed_resolver.resolve_many(
        ["UAE", "Tokayev"], kind="country"
    )


class StreamOnly:
    """An Arrow producer that Python cannot iterate: the names must come through the capsule."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self.data.__arrow_c_stream__(requested_schema)

    def __iter__(self) -> Any:
        raise AssertionError("iterated in Python")


class ArrayOnly(StreamOnly):
    def __arrow_c_array__(self, requested_schema: object | None = None) -> object:
        return self.data.__arrow_c_array__(requested_schema)

    __arrow_c_stream__ = None  # type: ignore[assignment]


def test_names_are_read_through_the_capsules_not_by_iterating(
    seed_resolver: canonica.Resolver, expected: list[canonica.Match | None]
) -> None:
    assert seed_resolver.resolve_many(StreamOnly(pa.chunked_array([NAMES]))) == expected
    assert seed_resolver.resolve_many(ArrayOnly(pa.array(NAMES, pa.string_view()))) == expected


def test_empty_and_all_null_arrays(seed_resolver: canonica.Resolver) -> None:
    assert seed_resolver.resolve_many(pa.array([], pa.string())) == []
    assert seed_resolver.resolve_many(pa.chunked_array([], pa.large_string())) == []
    assert seed_resolver.resolve_many(pa.nulls(3)) == [None, None, None]
    assert seed_resolver.resolve_many(pl.Series([None, None], dtype=pl.Utf8)) == [None, None]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (pa.array([1, 2]), "integer"),
        (pa.array([b"UAE"], pa.binary()), "binary"),
        (pa.table({"name": ["UAE"]}), "one column"),
        (pl.Series([1.5]), "floating point"),
        (pa.array([["UAE"]]), "list"),
    ],
)
def test_columns_that_are_not_strings_are_refused(
    seed_resolver: canonica.Resolver, values: Any, message: str
) -> None:
    with pytest.raises(canonica.CanonicaError, match=message):
        seed_resolver.resolve_many(values)


def test_a_failed_export_is_an_error(seed_resolver: canonica.Resolver) -> None:
    class Failing:
        def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
            raise RuntimeError("no Arrow here")

    with pytest.raises(canonica.CanonicaError, match="could not be exported.*no Arrow here"):
        seed_resolver.resolve_many(Failing())


def test_pandas_objects_that_are_not_strings_are_refused(seed_resolver: canonica.Resolver) -> None:
    with pytest.raises(canonica.CanonicaError, match="name 2 must be a string"):
        seed_resolver.resolve_many(pd.Series(["UAE", 3]))


class ArrowSchema(ctypes.Structure):
    _fields_ = [
        ("format", ctypes.c_char_p),
        ("name", ctypes.c_char_p),
        ("metadata", ctypes.c_char_p),
        ("flags", ctypes.c_int64),
        ("n_children", ctypes.c_int64),
        ("children", ctypes.c_void_p),
        ("dictionary", ctypes.c_void_p),
        ("release", ctypes.c_void_p),
        ("private_data", ctypes.c_void_p),
    ]


class ArrowArray(ctypes.Structure):
    _fields_ = [
        ("length", ctypes.c_int64),
        ("null_count", ctypes.c_int64),
        ("offset", ctypes.c_int64),
        ("n_buffers", ctypes.c_int64),
        ("n_children", ctypes.c_int64),
        ("buffers", ctypes.c_void_p),
        ("children", ctypes.c_void_p),
        ("dictionary", ctypes.c_void_p),
        ("release", ctypes.c_void_p),
        ("private_data", ctypes.c_void_p),
    ]


# The structs are owned by the test, so release has nothing to free.
NO_RELEASE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda _: None)
NO_RELEASE_ADDRESS = ctypes.cast(NO_RELEASE, ctypes.c_void_p).value
ctypes.pythonapi.PyCapsule_New.restype = ctypes.py_object
ctypes.pythonapi.PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]


class RawArrow:
    """An Arrow producer made by hand, to hand canonica data no library would produce."""

    def __init__(
        self,
        format: str,
        length: int,
        buffers: list[bytes | None],
        offset: int = 0,
        dictionary: RawArrow | None = None,
    ) -> None:
        self.keep: list[Any] = [buffers]
        pointers = (ctypes.c_void_p * max(1, len(buffers)))(
            *[
                None if b is None else ctypes.cast(ctypes.c_char_p(b), ctypes.c_void_p).value
                for b in buffers
            ]
        )
        self.schema = ArrowSchema(format=format.encode(), release=NO_RELEASE_ADDRESS)
        self.array = ArrowArray(
            length=length,
            null_count=0,
            offset=offset,
            n_buffers=len(buffers),
            buffers=ctypes.cast(pointers, ctypes.c_void_p),
            release=NO_RELEASE_ADDRESS,
        )
        self.keep.append(pointers)
        if dictionary is not None:
            self.keep.append(dictionary)
            self.schema.dictionary = ctypes.addressof(dictionary.schema)
            self.array.dictionary = ctypes.addressof(dictionary.array)

    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]:
        schema = ctypes.pythonapi.PyCapsule_New(
            ctypes.addressof(self.schema), b"arrow_schema", None
        )
        array = ctypes.pythonapi.PyCapsule_New(ctypes.addressof(self.array), b"arrow_array", None)
        return schema, array


def ints(*values: int) -> bytes:
    return struct.pack(f"<{len(values)}i", *values)


def strings(offsets: list[int], data: bytes, length: int, offset: int = 0) -> RawArrow:
    return RawArrow("u", length, [None, ints(*offsets), data], offset=offset)


def views(
    rows: list[tuple[int, bytes, int, int]], data: bytes, sizes: list[int] | None = None
) -> RawArrow:
    """A string view array from raw views: (length, prefix, buffer index, offset) per row."""
    raw = b"".join(struct.pack("<i4sii", n, p, b, o) for n, p, b, o in rows)
    sizes_buffer = struct.pack("<q", len(data) if sizes is None else sizes[0])
    return RawArrow("vu", len(rows), [None, raw, data, sizes_buffer])


def without_dictionary_values() -> RawArrow:
    """A dictionary type whose array has no dictionary."""
    coded = RawArrow("i", 1, [None, ints(0)], dictionary=strings([0, 3], b"UAE", 1))
    coded.array.dictionary = None
    return coded


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (strings([0, 3, 1], b"UAEabc", 2), "name 1: the Arrow offsets 0..3"),
        (strings([0, 4, 3, 5], b"UAEabc", 3), "name 2: the Arrow offsets 4..3"),
        (strings([-4, 3], b"UAE", 1), "name 1: the Arrow offsets -4..3"),
        (strings([0, 3, 9, 5], b"UAEabc", 3), "name 2: the Arrow offsets 3..9"),
        (strings([0, 3, 5], b"UAE\xff\xfe", 2), "name 2 is not valid UTF-8"),
        (strings([0, 3, -2], b"UAE", 2), "last offset is negative"),
        (RawArrow("u", 1, [None, ints(0, 3)]), "has 2 buffers, not 3"),
        (RawArrow("u", -1, [None, ints(0), b""]), "negative length"),
        (RawArrow("u", 1, [None, ints(0, 3), b"UAE"], offset=-2), "negative length .* or offset"),
        (RawArrow("u", 1, [None, None, b"UAE"]), "no offsets buffer"),
        (RawArrow("u", 1, [None, ints(0, 3), None]), "data buffer is missing"),
        (RawArrow("vu", 1, [None, None]), "fewer than 3"),
        (views([(20, b"abcd", 0, 10)], b"x" * 16), "runs past its buffer"),
        (views([(20, b"abcd", 0, 0)], b"x" * 32, sizes=[8]), "runs past its buffer of 8"),
        (views([(20, b"abcd", 3, 0)], b"x" * 32), "data buffer 3 of 1"),
        (views([(-1, b"abcd", 0, 0)], b"x" * 32), "negative Arrow view length"),
        (views([(14, b"abcd", -1, 0)], b"x" * 32), "negative Arrow view buffer index"),
        (views([(14, b"abcd", 0, 0)], b"\xff" * 32), "name 1 is not valid UTF-8"),
        (RawArrow("i", 1, [None, ints(5)], dictionary=strings([0, 3], b"UAE", 1)), "index 5"),
        (RawArrow("i", 1, [None, ints(-1)], dictionary=strings([0, 3], b"UAE", 1)), "index -1"),
        (
            RawArrow("g", 1, [None, ints(0)], dictionary=strings([0, 3], b"UAE", 1)),
            "not an integer",
        ),
        (without_dictionary_values(), "no dictionary"),
        (RawArrow("u", 2**55, [None, ints(0, 3), b"UAE"]), "more than memory can hold"),
        (RawArrow("u", 2**62, [None, ints(0, 3), b"UAE"]), "too large"),
        (RawArrow("tss:", 1, [None, ints(0, 0)]), "temporal"),
    ],
)
def test_malformed_arrow_data_is_an_error_not_a_crash(
    seed_resolver: canonica.Resolver, values: RawArrow, message: str
) -> None:
    with pytest.raises(canonica.CanonicaError, match=message):
        seed_resolver.resolve_many(values)


def test_hand_made_buffers_that_are_valid_are_read(seed_resolver: canonica.Resolver) -> None:
    text = b"Kassym-Jomart TokayevUAE"
    got = seed_resolver.resolve_many(views([(21, text[:4], 0, 0), (3, b"UAE\0", 0, 0)], text))
    assert [m.id if m else None for m in got] == ["kassym_jomart_tokayev", "AE"]
    sliced = strings([0, 3, 6, 27], b"xxxUAEKassym-Jomart Tokayev", 2, offset=1)
    got = seed_resolver.resolve_many(sliced)
    assert [m.id if m else None for m in got] == ["AE", "kassym_jomart_tokayev"]
    coded = RawArrow(
        "C", 3, [bytes([0b101]), bytes([1, 0, 1])], dictionary=strings([0, 3, 6], b"xxxUAE", 2)
    )
    assert [m.id if m else None for m in seed_resolver.resolve_many(coded)] == ["AE", None, "AE"]


class BadProducer:
    def __init__(self, result: object) -> None:
        self.result = result

    def __arrow_c_array__(self, requested_schema: object | None = None) -> object:
        return self.result


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ("not a tuple", "did not return a tuple"),
        ((1, 2), "did not return a PyCapsule"),
        ((), "did not return two capsules"),
        (pa.chunked_array([["x"]]).__arrow_c_stream__(), "did not return a tuple"),
    ],
)
def test_broken_producers_are_errors(
    seed_resolver: canonica.Resolver, result: object, message: str
) -> None:
    with pytest.raises(canonica.CanonicaError, match=message):
        seed_resolver.resolve_many(BadProducer(result))


def test_capsules_with_the_wrong_names_are_errors(seed_resolver: canonica.Resolver) -> None:
    schema, array = pa.array(["x"]).__arrow_c_array__()
    with pytest.raises(canonica.CanonicaError, match="arrow_array"):
        seed_resolver.resolve_many(BadProducer((schema, schema)))
    del array


def test_frames_resolve_through_the_same_path(seed_resolver: canonica.Resolver) -> None:
    frame = pd.DataFrame({"mention": pd.Series(NAMES, dtype="string[pyarrow]")})
    out = seed_resolver.resolve_frame(frame, "mention")
    listed = seed_resolver.resolve_many(NAMES)
    assert out["canonica_id"].tolist() == [m.id if m else None for m in listed]
    polars_out = seed_resolver.resolve_frame(pl.DataFrame({"mention": NAMES}), "mention")
    assert polars_out["canonica_id"].to_list() == [m.id if m else None for m in listed]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=30), st.sampled_from(NAMES))))
def test_arrow_results_equal_the_list_results(names: list[str | None]) -> None:
    resolver = _resolver()
    expected = resolver.resolve_many(names)
    for arrow_type in (pa.string(), pa.large_string(), pa.string_view()):
        assert resolver.resolve_many(pa.array(names, arrow_type)) == expected
    assert resolver.resolve_many(pl.Series(names, dtype=pl.Utf8)) == expected


@functools.cache
def _resolver() -> canonica.Resolver:
    return canonica.Resolver(canonica.KnowledgeBase.from_jsonl(SEED_KB))
