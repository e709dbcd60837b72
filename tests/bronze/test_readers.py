"""Readers turn any delivered file into text rows with the line each row started on."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from retail_lakehouse.bronze.readers import (
    cell_text,
    decode_text,
    parse_csv_fast,
    parse_csv_rows,
    parse_csv_text,
    parse_csv_utf8,
    read_bytes,
    read_file,
)
from retail_lakehouse.errors import SourceError


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        ("£5 café".encode(), "£5 café", "utf-8"),
        (b"\xef\xbb\xbf" + "£5".encode(), "£5", "utf-8-sig"),
        ("£5 café ção €".encode("cp1252"), "£5 café ção €", "cp1252"),
        ("ab".encode("utf-16"), "ab", "utf-16"),
        (b"\x81x", "\x81x", "latin-1"),
    ],
)
def test_decode_text_detects_the_encoding(data: bytes, text: str, encoding: str) -> None:
    assert decode_text(data) == (text, encoding)


def test_quoted_newline_keeps_the_line_number_of_the_row_start() -> None:
    table = parse_csv_text('a,b\n1,"two\nlines"\n3,x\n')
    assert table.rows == [["1", "two\nlines"], ["3", "x"]]
    assert table.lines == [2, 4]


def test_semicolon_files_are_sniffed_and_blank_lines_reported() -> None:
    table = parse_csv_text("a;b\n1;2\n\n3;4\n")
    assert table.rows == [["1", "2"], ["3", "4"]]
    assert table.lines == [2, 4]
    assert table.notes == ["skipped 1 blank lines"]


def test_spreadsheet_cells_are_written_as_a_csv_export_would() -> None:
    assert cell_text(22423.0) == "22423"
    assert cell_text(2.55) == "2.55"
    assert cell_text(None) == ""


def test_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(SourceError, match="empty"):
        read_file(path)


def test_gzip_and_zip_are_unpacked(tmp_path: Path) -> None:
    (tmp_path / "a.csv.gz").write_bytes(gzip.compress(b"x,y\n1,2\n"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inner.csv", "x,y\n3,4\n5,6\n")
    (tmp_path / "b.zip").write_bytes(buffer.getvalue())
    assert read_file(tmp_path / "a.csv.gz")[0].text_rows() == [["1", "2"]]
    inner = read_file(tmp_path / "b.zip")[0]
    assert (inner.part, inner.text_rows()) == ("inner.csv", [["3", "4"], ["5", "6"]])


def test_every_sheet_of_a_workbook_is_read_with_its_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    for name, rows in (("Year 1", [[1, "a"]]), ("Year 2", [[2, "b"], [3.5, None]])):
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, ["n", "s"])
        for i, row in enumerate(rows, start=1):
            sheet.write_row(i, 0, row)
    workbook.close()
    parts = read_file(path)
    assert [(p.part, p.text_rows(), p.row_lines()) for p in parts] == [
        ("Year 1", [["1", "a"]], [2]),
        ("Year 2", [["2", "b"], ["3.5", ""]], [2, 3]),
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet='ab,"\n é;', max_size=6), min_size=3, max_size=3),
        min_size=1,
        max_size=8,
    )
)
def test_arrow_and_row_by_row_readers_agree_whenever_arrow_is_used(
    rows: list[list[str]],
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([["h1", "h2", "h3"], *rows])
    text = buffer.getvalue()
    fast = parse_csv_fast(text, None)
    slow = parse_csv_rows(text, None)
    if fast is not None:
        width = len(slow.header)
        numbered = list(zip(slow.rows, slow.lines, strict=True))
        whole = [(row, line) for row, line in numbered if len(row) == width]
        ragged = [(line, row) for row, line in numbered if len(row) != width]
        assert fast.header == slow.header
        assert fast.text_rows() == [row for row, _ in whole]
        assert fast.row_lines() == [line for _, line in whole]
        assert [(b.line, b.fields) for b in fast.broken] == ragged


def test_a_plain_file_is_read_by_arrow_with_its_line_numbers() -> None:
    table = parse_csv_text('a,b\n1,"x, y"\n3,""""\n')
    assert table.columns is not None
    assert table.text_rows() == [["1", "x, y"], ["3", '"']]
    assert table.row_lines() == [2, 3]


def test_utf8_bytes_are_read_by_arrow_in_place_and_other_bytes_decoded_first() -> None:
    table = read_bytes("a,b\n1,café\n".encode(), "x.csv", part=None)[0]
    assert (table.columns is not None, table.text_rows(), table.notes) == (
        True,
        [["1", "café"]],
        [],
    )
    assert parse_csv_utf8("a,b\n1,café\n".encode("cp1252"), None) is None
    latin = read_bytes("a,b\n1,café\n".encode("cp1252"), "x.csv", part=None)[0]
    assert (latin.text_rows(), latin.notes) == ([["1", "café"]], ["decoded as cp1252"])


def test_ragged_rows_are_set_aside_with_their_lines_by_the_arrow_reader() -> None:
    table = parse_csv_utf8(b"a,b\r\n1,2\r\n3,4,5\r\n6\r\n7,8\r\n", None)
    assert table is not None and table.columns is not None
    assert (table.text_rows(), table.row_lines()) == ([["1", "2"], ["7", "8"]], [2, 5])
    assert [(b.line, b.rule, b.fields, b.reason) for b in table.broken] == [
        (
            3,
            "ragged_row",
            ["3", "4", "5"],
            "expected 2 fields, found 3: 1 beyond the last column 'b'",
        ),
        (4, "ragged_row", ["6"], "expected 2 fields, found 1: no value for 'b'"),
    ]
