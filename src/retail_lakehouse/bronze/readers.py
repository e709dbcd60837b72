"""Turn a delivered file into header + rows of text, whatever its encoding or packaging.

Readers never guess silently: the encoding used, blank lines skipped and NUL bytes removed
are reported back so the ingest log can say what happened to the file.

Hostile files are refused before they cost memory or time: a header wider than
``ReadLimits.max_columns`` or with a cell longer than ``max_header_cell_chars``, a name
repeated more than twice, and archives that unpack beyond ``max_unpacked_bytes`` or
``max_unpack_ratio`` times their packed size (decompression is streamed and stops there).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import io
import json
import re
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from retail_lakehouse.errors import SourceError
from retail_lakehouse.sources.contract import normalize_header

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
_DELIMITERS = (",", ";", "\t", "|")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
"""A multi-byte UTF-8 character: text holding one is UTF-8, at least in part."""
_ENCODING_NOTES = {
    "utf-8+cp1252": "decoded as utf-8, its lines that are not utf-8 as cp1252",
}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

MIB = 1 << 20
MAX_COLUMNS = 1_000
MAX_HEADER_CELL_CHARS = 256
MAX_NAME_REPEATS = 2
RATIO_FLOOR_BYTES = 16 * MIB
"""The ratio limit applies past this many unpacked bytes: a 2 KB gzip of a 1 MB file is fine."""


@dataclass(frozen=True)
class ReadLimits:
    """How much a file may unpack to, and how wide and long its header may be."""

    max_unpacked_bytes: int = 2048 * MIB
    max_unpack_ratio: float = 100.0
    max_columns: int = MAX_COLUMNS
    max_header_cell_chars: int = MAX_HEADER_CELL_CHARS


def check_header(header: Sequence[str], limits: ReadLimits) -> None:
    """Raises a SourceError for a header no real export has (too wide, absurd cells, or one
    name over and over), before any work proportional to it is done. Linear in the header.
    """
    if len(header) > limits.max_columns:
        raise SourceError(
            f"the header has {len(header):,} columns, more than the limit of "
            f"{limits.max_columns:,}; split the file or remove the extra columns"
        )
    longest = max(header, key=len, default="")
    if len(longest) > limits.max_header_cell_chars:
        raise SourceError(
            f"a header cell is {len(longest):,} characters long (limit "
            f"{limits.max_header_cell_chars}): {longest[:40]!r}…; fix the header row"
        )
    counts: dict[str, int] = {}
    for name in header:
        key = normalize_header(name)
        if key:
            counts[key] = counts.get(key, 0) + 1
    worst = max(counts, key=lambda k: counts[k], default="")
    if worst and counts[worst] > MAX_NAME_REPEATS:
        original = next(h for h in header if normalize_header(h) == worst)
        raise SourceError(
            f"the header repeats {original[:40]!r} {counts[worst]:,} times (at most "
            f"{MAX_NAME_REPEATS} allowed); give each column its own name"
        )


class _Counted:
    """Counts unpacked bytes against the limits while an archive is read."""

    def __init__(self, packed_size: int, limits: ReadLimits, what: str) -> None:
        self.packed = max(packed_size, 1)
        self.limits = limits
        self.what = what
        self.total = 0

    def add(self, size: int) -> None:
        self.total += size
        limit = self.limits.max_unpacked_bytes
        if self.total > limit:
            raise SourceError(
                f"{self.what} unpacks to more than {limit / MIB:,.0f} MB (the limit, "
                "LAKEHOUSE_MAX_UNPACKED_MB); split it or raise the limit"
            )
        ratio = self.limits.max_unpack_ratio
        if self.total > RATIO_FLOOR_BYTES and self.total > ratio * self.packed:
            raise SourceError(
                f"{self.what} unpacks to more than {ratio:g} times its packed size of "
                f"{self.packed:,} bytes (a decompression bomb?; the limit is "
                "LAKEHOUSE_MAX_UNPACK_RATIO); deliver it unpacked or raise the limit"
            )


def read_capped(
    stream: IO[bytes] | gzip.GzipFile, counter: _Counted, sink: IO[bytes] | None = None
) -> bytes:
    """Reads ``stream`` in 1 MB chunks, stopping as soon as ``counter`` exceeds a limit.

    With ``sink`` the chunks are written there (nothing kept in memory) and b"" returned.
    """
    chunks: list[bytes] = []
    while chunk := stream.read(MIB):
        counter.add(len(chunk))
        if sink is None:
            chunks.append(chunk)
        else:
            sink.write(chunk)
    return b"".join(chunks)


@dataclass(frozen=True)
class BrokenRow:
    """A row the reader could not split into fields; it goes to quarantine as it is."""

    line: int
    rule: str
    reason: str
    fields: list[str]


@dataclass
class RawTable:
    """One table of text read from a file (a CSV, a sheet, or a zip member)."""

    part: str | None
    """Sheet name or zip member; None for a plain text file."""
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    """Line (CSV) or row (sheet) number of each row, 1-based, as an editor shows it."""
    notes: list[str] = field(default_factory=list)
    broken: list[BrokenRow] = field(default_factory=list)
    """Rows that cannot be trusted field by field (e.g. an unclosed quote)."""
    columns: list[pa.Array] | None = None
    """Well-formed files read by Arrow: one text column per header field (``rows`` empty)."""
    line_numbers: pa.Array | None = None
    """With ``columns``: the line of each row."""

    @property
    def row_count(self) -> int:
        return len(self.line_numbers) if self.line_numbers is not None else len(self.rows)

    def text_rows(self) -> list[list[str]]:
        """The rows as lists of text, whichever reader produced them (for tests and tools)."""
        if self.columns is None:
            return self.rows
        columns = [c.to_pylist() for c in self.columns]
        return [list(map(str, values)) for values in zip(*columns, strict=True)]

    def row_lines(self) -> list[int]:
        return self.line_numbers.to_pylist() if self.line_numbers is not None else self.lines


def decode_text(data: bytes) -> tuple[str, str]:
    r"""Decodes bytes as UTF-8 (with or without BOM), UTF-16 with BOM, else CP1252/Latin-1.

    A file that is UTF-8 except for some lines (two exports concatenated) is decoded line by
    line, so neither part turns into mojibake.

    >>> decode_text("£5".encode("cp1252"))
    ('£5', 'cp1252')
    >>> decode_text("café\n".encode() + "£5".encode("cp1252"))
    ('café\n£5', 'utf-8+cp1252')
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _UTF8_SEQUENCE.search(data):
        return "".join(_decode_line(line) for line in data.splitlines(keepends=True)), (
            "utf-8+cp1252"
        )
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _decode_line(line: bytes) -> str:
    for encoding in ("utf-8", "cp1252"):
        try:
            return line.decode(encoding)
        except UnicodeDecodeError:
            pass
    return line.decode("latin-1")


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line most often (comma on ties)."""
    counts = {d: header_line.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 0 else ","


class _TrackedLines:
    """Physical lines fed to the CSV reader, remembering those of the current row."""

    def __init__(self, text: str) -> None:
        self._lines = iter(io.StringIO(text, newline=""))
        self.current: list[str] = []

    def __iter__(self) -> _TrackedLines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.current.append(line)
        return line


def parse_csv_text(
    text: str, part: str | None = None, limits: ReadLimits | None = None
) -> RawTable:
    """Parses CSV text, keeping each row's first physical line number.

    Well-formed files (one row per line, no blank lines, every row as wide as the header)
    are split by Arrow's multi-threaded CSV reader; anything else goes through the csv
    module row by row, which can say exactly which line is wrong. The header is checked
    against ``limits`` first, so a hostile header is refused before the rows are split.
    """
    first = _first_non_blank_line(text).replace("\x00", "")
    header = next(csv.reader([first.rstrip("\r\n")], delimiter=sniff_delimiter(first)), [])
    check_header(header, limits or ReadLimits())
    return parse_csv_fast(text, part) or parse_csv_rows(text, part)


def parse_csv_fast(text: str, part: str | None) -> RawTable | None:
    """Arrow's reading of a file that needs no line-by-line care, else None."""
    return parse_csv_utf8(text.encode("utf-8"), part)


def parse_csv_utf8(
    data: bytes, part: str | None, limits: ReadLimits | None = None
) -> RawTable | None:
    """Arrow's reading of UTF-8 CSV bytes that need no line-by-line care, else None.

    None for bytes that are not UTF-8 (Arrow checks every cell; the header is decoded
    here), hold NUL bytes, bare CRs, blank lines or quoted line breaks: the caller decodes
    the file and reads it row by row, which can say what is wrong. Ragged rows come back
    as ``broken`` with their lines, as the row-by-row reader would report them. The bytes
    are read in place (no decoded copy of the file). With ``limits`` the header is checked
    before the rows are split.
    """
    if not data or b"\x00" in data:
        return None
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None  # bare CRs (old Mac line ends)
    size = len(data) - 1 if data.endswith(b"\n") else len(data)
    first_end = data.find(b"\n", 0, size)
    if first_end <= 0:
        return None  # no data row, or a blank first line
    if data.find(b"\n\n", 0, size) >= 0 or data.find(b"\n\r\n", 0, size) >= 0:
        return None  # blank lines: the row-by-row reader reports them
    try:
        first_line = data[:first_end].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    if not first_line.strip() and (limits is not None or not data[:size].decode().strip()):
        return None  # all blank, or a header to find below blank lines: the row reader does
    physical_rows = data.count(b"\n", 0, size)  # lines after the header
    delimiter = sniff_delimiter(first_line)
    header = next(csv.reader([first_line], delimiter=delimiter), [])
    if not header:
        return None
    if limits is not None:
        check_header(header, limits)
    body = pa.py_buffer(data).slice(0, size)
    broken: list[BrokenRow] = []
    try:  # a ragged row raises (no Python callback per row: it would slow every block)
        table = _arrow_csv(body, len(header), delimiter)
    except (pa.ArrowInvalid, UnicodeError):
        # Ragged rows, or not UTF-8: read again on one thread, which knows each ragged
        # row's line, and set those rows aside as the row-by-row reader would.
        ragged: list[pacsv.InvalidRow] = []

        def keep(row: pacsv.InvalidRow) -> str:
            ragged.append(row)
            return "skip"

        try:
            table = _arrow_csv(body, len(header), delimiter, on_invalid=keep)
        except (pa.ArrowInvalid, UnicodeError):
            return None  # not UTF-8: the caller decodes it
        for row in ragged:
            fields = next(csv.reader([row.text], delimiter=delimiter), [])
            if row.number is None or len(fields) == len(header):
                return None  # Arrow and the csv module disagree: the row reader decides
            if len(fields) <= 1 and not "".join(fields).strip():
                return None  # a blank line (white space, or ""): the row reader notes it
            if _unclosed_quote_field(row.text, delimiter) is not None:
                return None  # a quote never closed: the row reader reports what it swallowed
            reason = ragged_reason(header, len(fields))
            broken.append(BrokenRow(row.number, "ragged_row", reason, fields))
    if table.num_rows + len(broken) != physical_rows:
        return None  # quoted line breaks: line numbers need the row-by-row reader
    columns = []
    for name in table.column_names:  # one column's copy at a time, each original freed
        columns.append(table.column(name).combine_chunks())
        table = table.drop_columns([name])
    lines = np.arange(2, physical_rows + 2, dtype=np.int64)
    if broken:
        lines = np.delete(lines, [b.line - 2 for b in broken])
    return RawTable(
        part, header, [], [], broken=broken, columns=columns, line_numbers=pa.array(lines)
    )


def _arrow_csv(
    body: pa.Buffer,
    width: int,
    delimiter: str,
    on_invalid: Callable[[pacsv.InvalidRow], str] | None = None,
) -> pa.Table:
    """The rows after the header as text columns c0..cN, read by pyarrow.csv: on all cores,
    or on one (which numbers each row) when ``on_invalid`` is given to collect bad rows."""
    names = [f"c{i}" for i in range(width)]
    return pacsv.read_csv(
        pa.BufferReader(body),
        read_options=pacsv.ReadOptions(
            column_names=names, skip_rows=1, use_threads=on_invalid is None
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def parse_csv_rows(text: str, part: str | None = None) -> RawTable:
    """Parses CSV text row by row with the csv module (exact lines for broken files).

    A quote that is never closed swallows the rest of the file into one field: that row is
    reported as broken (with the lines it swallowed) instead of being loaded or dropped.
    """
    notes: list[str] = []
    if "\x00" in text:
        notes.append(f"removed {text.count(chr(0))} NUL bytes")
        text = text.replace("\x00", "")
    delimiter = sniff_delimiter(_first_non_blank_line(text))
    physical = _TrackedLines(text)
    reader = csv.reader(physical, delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    blank = 0
    previous_end = 0
    last_raw: list[str] = []
    try:
        for row in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            last_raw, physical.current = physical.current, []
            if not row or (len(row) == 1 and not row[0].strip()):
                blank += 1
                continue
            if header is None:
                header = row
                continue
            rows.append(row)
            lines.append(start)
    except csv.Error as exc:
        raise SourceError(f"line {reader.line_num} cannot be read as CSV: {exc}") from exc
    broken: list[BrokenRow] = []
    unclosed = _unclosed_quote_field("".join(last_raw), delimiter) if last_raw else None
    if unclosed is not None:
        if not rows:
            raise SourceError(
                f"the header (line {previous_end - len(last_raw) + 1}) opens a quote that is "
                "never closed; fix the file and drop it again"
            )
        first, row = lines.pop(), rows.pop()
        column = header[unclosed] if header and unclosed < len(header) else f"#{unclosed + 1}"
        reason = f"column {column!r}: the quote opened on line {first} is never closed"
        if previous_end > first:
            reason += f", so lines {first}-{previous_end} were read as one row"
        broken.append(BrokenRow(first, "unclosed_quote", reason, row))
    if blank:
        notes.append(f"skipped {blank} blank lines")
    return RawTable(part, header or [], rows, lines, notes, broken)


def _first_non_blank_line(text: str) -> str:
    """The first line holding more than white space (ended by \\n, \\r\\n or \\r), without
    copying the rest of the text."""
    line_end = re.compile(r"\r\n|\r|\n")
    start = 0
    while start < len(text):
        match = line_end.search(text, start)
        end = match.end() if match else len(text)
        line = text[start:end]
        if line.strip():
            return line
        start = end
    return ""


def _unclosed_quote_field(raw: str, delimiter: str) -> int | None:
    """Index of the field whose quote ``raw`` (one CSV row) never closes, else None.

    Follows the csv module's non-strict rules: a quote opens a quoted field only as the
    field's first character, ``""`` inside it is an escaped quote.
    """
    quoted = re.compile(r'"(?:[^"]++|"")*+"')
    rest = re.compile(f"[^{re.escape(delimiter)}\r\n]*")
    position, index = 0, 0
    while position < len(raw):
        if raw[position] == '"':
            match = quoted.match(raw, position)
            if match is None:
                return index
            position = match.end()
        end = rest.match(raw, position)
        position = end.end() if end else position
        if position < len(raw) and raw[position] == delimiter:
            index += 1
            position += 1
            continue
        break
    return None


def cell_text(value: object) -> str:
    """Text of a spreadsheet cell as a CSV export would write it (22423.0 → '22423')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


def read_spreadsheet(source: Path | bytes, limits: ReadLimits | None = None) -> Iterator[RawTable]:
    """One :class:`RawTable` per non-empty sheet; the first non-empty row is the header.

    fastexcel (calamine in Rust) turns each sheet into Arrow string columns, one cell at a
    time in Rust, numbers written as a CSV export would (22423.0 → ``22423``), dates as
    ``2009-12-01 07:45:00``. Blank rows are dropped and each row keeps its sheet row number;
    a row with values beyond the header's last column is reported as ragged.
    """
    import fastexcel

    limits = limits or ReadLimits()
    location = str(source) if isinstance(source, Path) else source
    try:
        names = fastexcel.read_excel(location).sheet_names
    except Exception as exc:
        raise SourceError(f"cannot open the spreadsheet: {_first_line(exc)}") from exc

    def load(name: str) -> pa.RecordBatch:
        try:  # one reader per thread: fastexcel releases the GIL while it parses
            return fastexcel.read_excel(location).load_sheet(
                name, header_row=None, skip_rows=0, dtypes="string", eager=True
            )
        except Exception as exc:
            raise SourceError(f"cannot read sheet {name!r}: {_first_line(exc)}") from exc

    with ThreadPoolExecutor(max_workers=min(2, max(len(names), 1))) as pool:
        for name, batch in zip(names, pool.map(load, names), strict=True):
            table = sheet_table(name, batch, limits)
            if table is not None:
                yield table


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def sheet_table(name: str, batch: pa.RecordBatch, limits: ReadLimits) -> RawTable | None:
    """The sheet's header and rows as text columns, or None for a sheet without values."""
    if batch.num_columns > limits.max_columns:
        raise SourceError(
            f"sheet {name!r} has {batch.num_columns:,} columns, more than the limit of "
            f"{limits.max_columns:,}; remove the extra columns"
        )
    columns = [pc.fill_null(c, "") if c.null_count else c for c in batch.columns]
    if not columns:
        return None
    filled = [pc.not_equal(c, "") for c in columns]
    non_empty = filled[0]
    for mask in filled[1:]:
        non_empty = pc.or_(non_empty, mask)
    rows = pc.indices_nonzero(non_empty)
    if not len(rows):
        return None
    first = rows[0].as_py()
    header = [c[first].as_py() for c in columns]
    while header and header[-1] == "":
        header.pop()
    check_header(header, limits)
    data_rows = rows[1:]
    lines = pc.add(data_rows, 1).cast(pa.int64())  # row index 0 is the sheet's row 1
    width = len(header)
    if len(data_rows) and data_rows[-1].as_py() - data_rows[0].as_py() + 1 == len(data_rows):
        start = data_rows[0].as_py()  # no blank row among the data: a view, not a copy
        text_columns = [c.slice(start, len(data_rows)) for c in columns[:width]]
    else:
        text_columns = [pc.take(c, data_rows) for c in columns[:width]]
    broken: list[BrokenRow] = []
    if len(columns) > width:
        beyond = filled[width]
        for mask in filled[width + 1 :]:
            beyond = pc.or_(beyond, mask)
        ragged = pc.take(beyond, data_rows)
        if ragged.true_count:
            for local in pc.indices_nonzero(ragged).to_pylist():
                index = data_rows[local].as_py()
                row = [column[index].as_py() for column in columns]
                while row and row[-1] == "":
                    row.pop()
                line = lines[local].as_py()
                broken.append(BrokenRow(line, "ragged_row", ragged_reason(header, len(row)), row))
            keep = pc.invert(ragged)
            text_columns = [pc.filter(c, keep) for c in text_columns]
            lines = pc.filter(lines, keep)
    return RawTable(name, header, [], [], broken=broken, columns=text_columns, line_numbers=lines)


def ragged_reason(headers: Sequence[str], found: int) -> str:
    """``expected 8 fields, found 6: no value for 'Customer ID', 'Country'``."""
    width = len(headers)
    if found < width:
        lacking = ", ".join(repr(h) for h in headers[found:])
        return f"expected {width} fields, found {found}: no value for {lacking}"
    last = repr(headers[-1]) if headers else "the header"
    return f"expected {width} fields, found {found}: {found - width} beyond the last column {last}"


def read_file(path: Path, limits: ReadLimits | None = None) -> list[RawTable]:
    """Reads a delivered file (CSV/TSV, spreadsheet, .gz or .zip of those) into raw tables.

    Spreadsheets are read from the path (not copied into memory first); archives are
    unpacked as a stream that stops at the limits.
    """
    limits = limits or ReadLimits()
    name = path.name.lower()
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror}") from exc
    if not size:
        raise SourceError("the file is empty (0 bytes); deliver it again with a header row")
    if name.endswith(SPREADSHEET_SUFFIXES):
        return _workbook_tables(read_spreadsheet(path, limits), part=None)
    try:
        if name.endswith(".gz"):
            counter = _Counted(size, limits, "the gzip file")
            try:
                with gzip.open(path, "rb") as stream:
                    data = read_capped(stream, counter)
            except (OSError, EOFError, zlib.error) as exc:
                raise SourceError(f"not a valid gzip file: {exc}") from exc
            return read_bytes(data, name[:-3], part=None, limits=limits)
        if name.endswith(".zip"):
            return list(read_zip(path, size, limits))
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror}") from exc
    return read_bytes(data, name, part=None, limits=limits)


def read_zip(path: Path, size: int, limits: ReadLimits) -> Iterator[RawTable]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise SourceError(f"not a valid zip file: {exc}") from exc
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and not _is_hidden(m.filename)]
        if not members:
            raise SourceError("the zip archive holds no file")
        counter = _Counted(size, limits, "the zip archive")
        for member in members:
            try:
                with archive.open(member) as stream:
                    data = read_capped(stream, counter)
            except (
                zipfile.BadZipFile,
                zlib.error,
                RuntimeError,
                NotImplementedError,
                EOFError,
            ) as exc:
                raise SourceError(
                    f"zip member {member.filename!r} cannot be unpacked: {exc}"
                ) from exc
            try:
                yield from read_bytes(
                    data, member.filename.lower(), part=member.filename, limits=limits
                )
            except SourceError as exc:
                raise SourceError(f"zip member {member.filename!r}: {exc}") from exc


def _workbook_tables(tables: Iterator[RawTable], part: str | None) -> list[RawTable]:
    found = list(tables)
    if not found:
        raise SourceError("the workbook holds no sheet with data; deliver it again")
    if part is not None:
        for t in found:
            t.part = f"{part}#{t.part}"
    return found


def read_bytes(
    data: bytes, name: str, *, part: str | None, limits: ReadLimits | None = None
) -> list[RawTable]:
    limits = limits or ReadLimits()
    if name.endswith(SPREADSHEET_SUFFIXES):
        return _workbook_tables(read_spreadsheet(data, limits), part)
    if not data or data.isspace():  # as ``not data.strip()``, without copying the file
        raise SourceError("the file holds only white space; deliver it again with a header row")
    if not name.endswith(JSON_SUFFIXES) and not data.startswith(_UTF16_BOMS):
        bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        fast = parse_csv_utf8(data[bom:] if bom else data, part, limits)
        if fast is not None:
            return [fast]  # UTF-8, with or without BOM: no note, as decode_text would say
    text, encoding = decode_text(data)
    del data  # the text replaces the bytes: keep one copy of the file in memory
    if name.endswith(JSON_SUFFIXES):
        table = parse_json_text(text, part)
        check_header(table.header, limits)
    else:
        table = parse_csv_text(text, part, limits)
    if encoding not in ("utf-8", "utf-8-sig"):
        table.notes.insert(0, _ENCODING_NOTES.get(encoding, f"decoded as {encoding}"))
    return [table]


def json_cell(value: object) -> str:
    """Text of a JSON value as bronze stores it: nested values stay JSON, null is empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def parse_json_text(text: str, part: str | None = None) -> RawTable:
    """JSON Lines (one object per line, as Spark writes) or one JSON array of objects.

    The header is every key in order of first appearance; a row lacking a key gets an empty
    value. A line that is not a JSON object is reported as broken, with its line number.
    """
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(text)
        except ValueError as exc:
            raise SourceError(f"the file is not valid JSON: {exc}") from exc
        numbered = list(enumerate(items, start=1))
        where = "element"
    else:
        numbered = []
        broken_lines: list[BrokenRow] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                numbered.append((number, json.loads(line)))
            except ValueError as exc:
                reason = f"line {number} is not valid JSON: {exc}"
                broken_lines.append(BrokenRow(number, "unparsable_json", reason, [line]))
        where = "line"
    header: dict[str, None] = {}
    for _, item in numbered:
        if isinstance(item, dict):
            header.update(dict.fromkeys(item))
    keys = list(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    broken = [] if where == "element" else broken_lines
    for number, item in numbered:
        if not isinstance(item, dict):
            reason = f"{where} {number} is a JSON {type(item).__name__}, not an object"
            broken.append(BrokenRow(number, "unparsable_json", reason, [json_cell(item)]))
            continue
        rows.append([json_cell(item.get(key)) for key in keys])
        lines.append(number)
    if not keys and not broken:
        raise SourceError("the JSON holds no object; deliver it again")
    notes = [f"JSON {'array' if where == 'element' else 'lines'}; line = {where} number"]
    return RawTable(part, keys, rows, lines, notes, sorted(broken, key=lambda b: b.line))


def _is_hidden(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.startswith((".", "~$", "__MACOSX")) or name.startswith("__MACOSX")
