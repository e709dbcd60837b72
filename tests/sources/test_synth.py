"""Specification of the generators' shared building blocks, the CSV writer first.

The writer must write what Python's ``csv`` module writes with its default (minimal) quoting,
rows ended by ``\\n``: the published files look like that, and pyarrow's own writer quotes
every string field instead.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from retail_lakehouse.sources.synth import (
    cumsum_within,
    find_repeated_pairs,
    flag_black_friday_weekend,
    forward_fill,
    mark_first_pairs,
    month_of_year,
    number_within_runs,
    quote_csv_fields,
    rank_within,
    weekday_of,
    write_csv,
    write_text_rows,
)

AWKWARD_TEXTS = [
    "plain",
    "HOME, SWEET HOME",
    'say "cheese"',
    '"',
    ",",
    "two\nlines",
    "carriage\rreturn",
    "windows\r\nline",
    ' padded "and, all" \r\n',
    "",
    "  spaces  ",
    "Dotcomgiftshop Gift Voucher £10.00",
    "São Paulo; Köln",
]


def written(table: pa.Table, tmp_path: Path, **options: bool) -> bytes:
    return write_csv(table, tmp_path / "out.csv", **options).read_bytes()


def python_csv(header: list[str], rows: list[list[str | int | None]]) -> bytes:
    """What Python's csv module writes (excel dialect, minimal quoting), rows ended by \\n.

    Each row is written alone with the default \\r\\n terminator, so that a lone \\r in a
    field is quoted too, and the terminator is then swapped for \\n.
    """
    lines = []
    for row in [header, *rows]:
        buffer = io.StringIO()
        csv.writer(buffer).writerow(row)
        lines.append(buffer.getvalue().removesuffix("\r\n") + "\n")
    return "".join(lines).encode("utf-8")


# --- the CSV writer -------------------------------------------------------------------------


def test_the_header_is_the_column_names_unquoted(tmp_path: Path) -> None:
    table = pa.table({"Customer ID": ["1"], "name": ["x"]})

    assert written(table, tmp_path).split(b"\n")[0] == b"Customer ID,name"


def test_plain_fields_are_written_without_quotes(tmp_path: Path) -> None:
    table = pa.table({"a": ["x", "y z"], "b": ["1.50", "-"]})

    assert written(table, tmp_path) == b"a,b\nx,1.50\ny z,-\n"


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("a,b", b'"a,b"'),
        ('say "hi"', b'"say ""hi"""'),
        ('"', b'""""'),
        ("two\nlines", b'"two\nlines"'),
        ("carriage\rreturn", b'"carriage\rreturn"'),
        ("crlf\r\nkept", b'"crlf\r\nkept"'),
    ],
)
def test_a_field_is_quoted_only_for_a_comma_a_quote_or_a_line_break(
    tmp_path: Path, value: str, field: bytes
) -> None:
    table = pa.table({"k": ["1"], "v": [value]})

    assert written(table, tmp_path) == b"k,v\n1," + field + b"\n"


def test_null_becomes_an_empty_field_wherever_it_stands(tmp_path: Path) -> None:
    table = pa.table(
        {"a": pa.array([None, "x"]), "b": pa.array([1, None]), "c": pa.array(["y", None])}
    )

    assert written(table, tmp_path) == b"a,b,c\n,1,y\nx,,\n"


def test_numbers_and_flags_are_written_as_arrow_renders_them(tmp_path: Path) -> None:
    table = pa.table({"n": [12, -3], "f": [2.5, 40.0], "b": [True, False]})

    assert written(table, tmp_path) == b"n,f,b\n12,2.5,true\n-3,40,false\n"


@pytest.mark.parametrize("value", AWKWARD_TEXTS)
def test_each_field_is_what_the_csv_module_writes(tmp_path: Path, value: str) -> None:
    table = pa.table({"id": [7], "text": [value], "after": [value]})

    assert written(table, tmp_path) == python_csv(["id", "text", "after"], [[7, value, value]])


def test_a_whole_table_is_what_the_csv_module_writes(tmp_path: Path) -> None:
    texts: list[str | None] = [*AWKWARD_TEXTS, None]
    rows: list[list[str | int | None]] = [[i, text, texts[-1 - i]] for i, text in enumerate(texts)]
    table = pa.table(
        {
            "id": [r[0] for r in rows],
            "text": [r[1] for r in rows],
            "reversed": [r[2] for r in rows],
        }
    )

    assert written(table, tmp_path) == python_csv(["id", "text", "reversed"], rows)


def test_the_csv_module_reads_back_every_value(tmp_path: Path) -> None:
    values = [*AWKWARD_TEXTS, None]
    table = pa.table({"k": list(range(len(values))), "v": values})

    path = write_csv(table, tmp_path / "round.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    assert [r["v"] for r in rows] == ["" if v is None else v for v in values]


def test_a_table_in_several_chunks_is_written_as_one(tmp_path: Path) -> None:
    part = pa.table({"a": ["x,y", "z"], "b": [1, None]})
    chunked = pa.concat_tables([part, part.slice(1), part])
    assert chunked.column("a").num_chunks == 3

    assert written(chunked, tmp_path) == python_csv(
        ["a", "b"],
        [["x,y", 1], ["z", None], ["z", None], ["x,y", 1], ["z", None]],
    )


def test_an_empty_table_writes_the_header_alone(tmp_path: Path) -> None:
    table = pa.table({"a": pa.array([], pa.string()), "b": pa.array([], pa.int64())})

    assert written(table, tmp_path) == b"a,b\n"


def test_bom_puts_a_utf8_byte_order_mark_before_the_header(tmp_path: Path) -> None:
    table = pa.table({"a": ["é"]})

    assert written(table, tmp_path, bom=True) == b"\xef\xbb\xbfa\n\xc3\xa9\n"
    assert written(table, tmp_path) == b"a\n\xc3\xa9\n"


def test_missing_folders_are_created_and_the_path_returned(tmp_path: Path) -> None:
    path = tmp_path / "batch_0001" / "orders.csv"

    assert write_csv(pa.table({"a": [1]}), path) == path
    assert path.read_bytes() == b"a\n1\n"


def test_quoting_a_column_leaves_nulls_null_for_the_writer_to_empty() -> None:
    quoted = quote_csv_fields(pa.array(["a,b", None, "c"]))

    assert quoted.to_pylist() == ['"a,b"', None, "c"]


@pytest.mark.parametrize(
    ("start", "stop", "expected"), [(0, None, b"a\nbb\nccc\n"), (1, 3, b"bb\nccc\n"), (2, 2, b"")]
)
def test_text_rows_are_written_back_to_back(start: int, stop: int | None, expected: bytes) -> None:
    text = pa.array(["zero\n", "a\n", "bb\n", "ccc\n"], pa.large_string()).slice(1)
    sink = io.BytesIO()

    write_text_rows(sink, text, start, stop)

    assert sink.getvalue() == expected


# --- runs -----------------------------------------------------------------------------------


def test_rows_are_numbered_within_their_run() -> None:
    groups = np.array([5, 5, 2, 2, 2, 5], dtype=np.int64)

    assert rank_within(groups).tolist() == [0, 1, 0, 1, 2, 0]
    assert number_within_runs(np.array([2, 3, 1], dtype=np.int64)).tolist() == [0, 1, 0, 1, 2, 0]
    assert rank_within(np.array([], dtype=np.int64)).tolist() == []


def test_running_sums_restart_with_each_run_for_ints_and_floats() -> None:
    groups = np.array([1, 1, 1, 4, 4], dtype=np.int64)

    ints = cumsum_within(np.array([1, 2, 3, 10, 20], dtype=np.int64), groups)
    floats = cumsum_within(np.array([0.5, 0.25, 1.0, 2.0, 0.5]), groups)

    assert (ints.tolist(), ints.dtype) == ([1, 3, 6, 10, 30], np.int64)
    assert (floats.tolist(), floats.dtype) == ([0.5, 0.75, 1.75, 2.0, 2.5], np.float64)
    assert cumsum_within(np.array([], dtype=np.int64), np.array([], dtype=np.int64)).size == 0


def test_forward_fill_carries_the_last_set_value_down() -> None:
    assert forward_fill(np.array([3, -1, -1, 0, -1, 7], dtype=np.int64)).tolist() == [
        3, 3, 3, 0, 0, 7,
    ]  # fmt: skip


def test_only_the_first_row_of_a_pair_is_kept() -> None:
    order = np.array([0, 0, 1, 0, 1, 0], dtype=np.int64)
    product = np.array([9, 8, 9, 9, 9, 9], dtype=np.int64)

    assert mark_first_pairs(order, product).tolist() == [True, True, True, False, False, False]
    assert find_repeated_pairs(order, product).tolist() == [3, 5, 4]


# --- calendar -------------------------------------------------------------------------------


def test_weekday_and_month_agree_with_the_datetime_module() -> None:
    days = [date(1969, 12, 29) + timedelta(days=n) for n in range(0, 25_000, 37)]
    as_numpy = np.array(days, dtype="datetime64[D]")

    assert weekday_of(as_numpy).tolist() == [d.weekday() for d in days]
    assert weekday_of(as_numpy.astype(np.int64)).tolist() == [d.weekday() for d in days]
    assert month_of_year(as_numpy).tolist() == [d.month - 1 for d in days]


@pytest.mark.parametrize("year", range(2009, 2027))
def test_black_friday_weekend_runs_from_the_friday_after_thanksgiving_to_monday(
    year: int,
) -> None:
    november = [date(year, 11, d) for d in range(1, 31)]
    thanksgiving = [d for d in november if d.weekday() == 3][3]
    weekend = {thanksgiving + timedelta(days=k) for k in range(1, 5)}
    days = [date(year, 1, 1) + timedelta(days=n) for n in range(365)]

    flags = flag_black_friday_weekend(np.array(days, dtype="datetime64[D]"))

    assert {d for d, flagged in zip(days, flags, strict=True) if flagged} == weekend
