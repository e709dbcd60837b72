"""Turn a delivered file into header + rows of text, whatever its encoding or packaging.

Readers never guess silently: the encoding used, blank lines skipped and NUL bytes removed
are reported back so the ingest log can say what happened to the file.
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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from retail_lakehouse.errors import SourceError

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
_DELIMITERS = (",", ";", "\t", "|")
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
"""A multi-byte UTF-8 character: text holding one is UTF-8, at least in part."""
_ENCODING_NOTES = {
    "utf-8+cp1252": "decoded as utf-8, its lines that are not utf-8 as cp1252",
}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


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


def parse_csv_text(text: str, part: str | None = None) -> RawTable:
    """Parses CSV text, keeping each row's first physical line number.

    Well-formed files (one row per line, no blank lines, every row as wide as the header)
    are split by Arrow's multi-threaded CSV reader; anything else goes through the csv
    module row by row, which can say exactly which line is wrong.
    """
    return parse_csv_fast(text, part) or parse_csv_rows(text, part)


def parse_csv_fast(text: str, part: str | None) -> RawTable | None:
    """Arrow's reading of a file that needs no line-by-line care, else None."""
    if not text or "\x00" in text or text.count("\r") != text.count("\r\n"):
        return None
    body = text[:-1] if text.endswith("\n") else text
    if "\n\n" in body or "\n\r\n" in body or body.startswith(("\n", "\r")) or not body.strip():
        return None  # blank lines: the row-by-row reader reports them
    physical_rows = body.count("\n")  # lines after the header
    if physical_rows == 0:
        return None
    first_line = body[: body.find("\n")].rstrip("\r")  # no copy of the rest
    delimiter = sniff_delimiter(first_line)
    header = next(csv.reader([first_line], delimiter=delimiter), [])
    if not header:
        return None
    invalid: list[object] = []

    def on_invalid(row: object) -> str:
        invalid.append(row)
        return "skip"

    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeError):
        return None
    if invalid or table.num_rows != physical_rows:
        return None  # ragged rows or quoted line breaks: line numbers need the slow reader
    columns = [c.combine_chunks() for c in table.columns]
    lines = pa.array(range(2, physical_rows + 2), pa.int64())
    return RawTable(part, header, [], [], columns=columns, line_numbers=lines)


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
    for line in io.StringIO(text, newline=""):
        if line.strip():
            return line
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


def read_spreadsheet(source: Path | io.BytesIO) -> Iterator[RawTable]:
    """One :class:`RawTable` per non-empty sheet; the first non-empty row is the header."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = (
            CalamineWorkbook.from_path(str(source))
            if isinstance(source, Path)
            else CalamineWorkbook.from_filelike(source)
        )
    except Exception as exc:
        raise SourceError(f"cannot open the spreadsheet: {exc}") from exc
    for name in workbook.sheet_names:
        try:
            cells = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise SourceError(f"cannot read sheet {name!r}: {exc}") from exc
        header: list[str] | None = None
        rows: list[list[str]] = []
        lines: list[int] = []
        for number, raw in enumerate(cells, start=1):
            row = [cell_text(v) for v in raw]
            while row and row[-1] == "":
                row.pop()
            if not row:
                continue
            if header is None:
                header = row
                continue
            rows.append(row + [""] * (len(header) - len(row)))  # sheets trim empty cells
            lines.append(number)
        if header is not None:
            yield RawTable(name, header, rows, lines)


def read_file(path: Path) -> list[RawTable]:
    """Reads a delivered file (CSV/TSV, spreadsheet, .gz or .zip of those) into raw tables."""
    name = path.name.lower()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror}") from exc
    if not data:
        raise SourceError("the file is empty (0 bytes); deliver it again with a header row")
    if name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise SourceError(f"not a valid gzip file: {exc}") from exc
        return read_bytes(data, name[:-3], part=None)
    if name.endswith(".zip"):
        return list(read_zip(data))
    return read_bytes(data, name, part=None)


def read_zip(data: bytes) -> Iterator[RawTable]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise SourceError(f"not a valid zip file: {exc}") from exc
    members = [m for m in archive.infolist() if not m.is_dir() and not _is_hidden(m.filename)]
    if not members:
        raise SourceError("the zip archive holds no file")
    for member in members:
        try:
            data = archive.read(member)
        except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError) as exc:
            raise SourceError(f"zip member {member.filename!r} cannot be unpacked: {exc}") from exc
        try:
            yield from read_bytes(data, member.filename.lower(), part=member.filename)
        except SourceError as exc:
            raise SourceError(f"zip member {member.filename!r}: {exc}") from exc


def read_bytes(data: bytes, name: str, *, part: str | None) -> list[RawTable]:
    if name.endswith(SPREADSHEET_SUFFIXES):
        tables = list(read_spreadsheet(io.BytesIO(data)))
        if not tables:
            raise SourceError("the workbook holds no sheet with data; deliver it again")
        if part is not None:
            for t in tables:
                t.part = f"{part}#{t.part}"
        return tables
    if not data.strip():
        raise SourceError("the file holds only white space; deliver it again with a header row")
    text, encoding = decode_text(data)
    table = (
        parse_json_text(text, part) if name.endswith(JSON_SUFFIXES) else parse_csv_text(text, part)
    )
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
