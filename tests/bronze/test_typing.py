"""Columns that repeat their values are parsed one distinct value at a time, same result."""

from __future__ import annotations

import pyarrow as pa
import pytest

from retail_lakehouse.bronze.typing import (
    DISTINCT_SAMPLE_ROWS,
    blank_to_null,
    parse_column,
    parse_text,
)
from retail_lakehouse.sources.contract import ColumnType

ROWS = 2 * DISTINCT_SAMPLE_ROWS  # long enough for the distinct-value path


def repeated(values: list[str]) -> pa.Array:
    return pa.array((values * (ROWS // len(values) + 1))[:ROWS], pa.string())


@pytest.mark.parametrize(
    ("type_", "values"),
    [
        (
            "int",
            [
                "12",
                " 12 ",
                "+5",
                "12.0",
                "007",
                "-0",
                "",
                "  ",
                "NULL",
                "N/A",
                "12.5",
                "0x1F",
                "99999999999999999999",
                "abc",
            ],
        ),
        ("float", ["6.95", "1,000", ".5", "-0.0", "inf", "1e400", "NaN", "", "abc", "+1.25"]),
        ("float", ["6,95", "1,5", "2", "1.000", ""]),
        (
            "timestamp",
            [
                "2009-12-01 07:45:00",
                "2009-02-30 10:00:00",
                "2009-12-01T07:45:00Z",
                "2009-12-01 07:45:00.123",
                "2009-12-01 23:59:60",
                "",
                "garbage",
                "12/1/2010 8:26",
            ],
        ),
        ("timestamp", ["01/02/2010 10:00", "12/11/2010 08:00", "2010-01-02 10:00:00"]),
        ("date", ["30.04.2010", "01.05.2010", "31.04.2010", "2010-05-01"]),
        ("bool", ["true", "No", "Y", "0", "maybe", ""]),
    ],
)
def test_a_repeated_column_parses_as_row_by_row_parsing_would(
    type_: ColumnType, values: list[str]
) -> None:
    text = repeated(values)
    direct = parse_column(blank_to_null(text), type_)
    via_distinct = parse_text(text, type_)
    assert via_distinct.values.equals(direct.values)
    assert via_distinct.invalid.equals(direct.invalid)
    assert (via_distinct.detail, via_distinct.warning) == (direct.detail, direct.warning)


def test_the_timestamp_format_is_chosen_by_rows_not_by_distinct_values() -> None:
    # One ISO value on almost every row; five month-first values on one row each: by
    # distinct values month-first would win (5 to 1), by rows ISO does and the five are bad.
    iso = ["2010-01-02 10:00:00"] * (ROWS - 5)
    us = [f"1/{day}/2010 10:00" for day in range(13, 18)]
    parsed = parse_text(pa.array(iso + us), "timestamp")
    assert parsed.detail == "%Y-%m-%d %H:%M:%S"
    assert parsed.invalid.true_count == 5


def test_blank_to_null_returns_the_column_itself_when_nothing_is_blank() -> None:
    text = pa.array(["a", " b "])
    assert blank_to_null(text) is text
    assert blank_to_null(pa.array(["a", "", " \u00a0", None])).to_pylist() == [
        "a",
        None,
        None,
        None,
    ]
