"""Ingest every new landing file into its bronze table, exactly once, losing no row.

Per file: checksum → skip if already loaded → match a contract → read → map the header →
parse values → write good rows (one commit, replacing any earlier partial load of the same
file) → quarantine the rest with file, line and reason. The ingest log, quarantine and row
ledger are written per source after its files, keyed by file checksum, so a run killed at
any point and re-run ends with the same bronze as an uninterrupted run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse import ops
from retail_lakehouse.bronze.readers import SPREADSHEET_SUFFIXES, RawTable, read_file
from retail_lakehouse.bronze.typing import TYPE_WORDS, blank_to_null, parse_column
from retail_lakehouse.errors import SourceError
from retail_lakehouse.sources.contract import Column, Source, TableContract
from retail_lakehouse.storage import Lakehouse, TableRef
from retail_lakehouse.storage.delta import sql_string

AUDIT_COLUMNS = (
    "_source_file",
    "_source_part",
    "_source_line",
    "_ingested_at",
    "_run_id",
    "_file_sha256",
)
_IGNORED_PREFIXES = (".", "~$", "_")
_IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload", ".swp", ".md")

ProgressFn = Callable[[str], None]


@dataclass
class FileResult:
    """What happened to one file: its log record, good rows and quarantined rows."""

    log: dict[str, Any]
    bronze: pa.Table | None = None
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    new_columns: list[str] = field(default_factory=list)
    contract: TableContract | None = None


@dataclass
class IngestReport:
    files: list[dict[str, Any]] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f["status"] == status)

    @property
    def rows(self) -> int:
        return sum(int(f["rows"]) for f in self.files if f["status"] == "loaded")

    @property
    def quarantined(self) -> int:
        return sum(int(f["quarantined"]) for f in self.files)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def snake_case(header: str) -> str:
    """A safe identifier for an unknown header: ``"Promo Code (EU)"`` → ``promo_code_eu``."""
    name = re.sub(r"[^0-9a-z]+", "_", header.strip().lower()).strip("_")[:60] or "column"
    return f"c_{name}" if name[0].isdigit() else name


def discover_files(folder: Path) -> list[Path]:
    """Data files below ``folder`` in a stable order, skipping hidden and partial files.

    Links to folders are listed too (they are not followed), so ingest reports them.
    """
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(_IGNORED_PREFIXES) for part in relative.parts):
            continue
        if path.is_dir() and not path.is_symlink():
            continue
        if path.name.lower().endswith(_IGNORED_SUFFIXES):
            continue
        found.append(path)
    return found


def display_path(relative: str) -> str:
    """A file name as valid text: bytes that are not UTF-8 are shown as ``\\xe9``."""
    return relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def ingest_landing(
    lakehouse: Lakehouse,
    landing: Path,
    sources: Sequence[Source],
    *,
    run_id: str,
    progress: ProgressFn | None = None,
) -> IngestReport:
    """Ingests the new files of every source that has a landing folder."""
    report = IngestReport()
    ingested_at = ops.utc_now()
    for source in sources:
        folder = landing / source.name
        if folder.is_dir():
            results = ingest_source(
                lakehouse,
                landing,
                source,
                run_id=run_id,
                ingested_at=ingested_at,
                progress=progress,
            )
            report.files.extend(r.log for r in results)
    return report


def ingest_source(
    lakehouse: Lakehouse,
    landing: Path,
    source: Source,
    *,
    run_id: str,
    ingested_at: dt.datetime,
    progress: ProgressFn | None = None,
) -> list[FileResult]:
    seen = loaded_hashes(lakehouse, source.name)
    recorded = recorded_columns(lakehouse)
    results: list[FileResult] = []
    with tempfile.TemporaryDirectory(prefix="lakehouse-unzip-") as scratch:
        for path, member in expand_archives(
            discover_files(landing / source.name), landing, source, Path(scratch)
        ):
            if progress:
                progress(f"{source.name}: {display_path(path.name)}")
            result = ingest_file(
                lakehouse,
                landing,
                source,
                path,
                seen=seen,
                run_id=run_id,
                ingested_at=ingested_at,
                relative=member,
            )
            remember(result, seen, recorded)
            results.append(result)
    record_results(lakehouse, results, run_id=run_id)
    return results


def expand_archives(
    paths: Iterable[Path], landing: Path, source: Source, scratch: Path
) -> Iterator[tuple[Path, str | None]]:
    """Each file, or for a zip that no contract names by itself (a Kaggle ``archive.zip`` of
    nine CSVs) each member extracted to ``scratch`` with its name for the log, so each
    member loads into its own table.
    """
    for path in paths:
        if not path.name.lower().endswith(".zip") or source.table_for(path) is not None:
            yield path, None
            continue
        relative = display_path(path.relative_to(landing).as_posix())
        try:
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                for number, member in enumerate(members):
                    name = PurePosixPath(member.filename).name
                    if not name or name.startswith((".", "~$")) or "__MACOSX" in member.filename:
                        continue
                    target = scratch / f"{number:05d}" / name
                    target.parent.mkdir(parents=True)
                    with archive.open(member) as src, target.open("wb") as dst:
                        shutil.copyfileobj(src, dst)
                    yield target, f"{relative}/{display_path(member.filename)}"
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
            yield path, None  # ingest_file rejects it with the reader's message


def remember(result: FileResult, seen: set[str], recorded: set[tuple[str, str]]) -> None:
    """Notes a loaded file's checksum and new columns so later files of the run see them."""
    if result.log["status"] == "loaded":
        seen.add(result.log["sha256"])
        table_name = result.log["table_name"]
        result.new_columns = [c for c in result.new_columns if (table_name, c) not in recorded]
        recorded.update((table_name, c) for c in result.new_columns)


def loaded_hashes(lakehouse: Lakehouse, source: str) -> set[str]:
    log = ops.read(lakehouse, "ingest_log")
    mask = pc.and_(pc.equal(log["source"], source), pc.equal(log["status"], "loaded"))
    return set(log.filter(mask)["sha256"].to_pylist())


def recorded_columns(lakehouse: Lakehouse) -> set[tuple[str, str]]:
    """(table, column) of every added column already in ``ops.schema_changes``.

    Keyed on the ops record rather than the bronze schema, so a run killed between the
    bronze write and the ops records still records the change when it is re-run.
    """
    changes = ops.read(lakehouse, "schema_changes")
    return set(
        zip(changes["table_name"].to_pylist(), changes["column_name"].to_pylist(), strict=True)
    )


def ingest_file(
    lakehouse: Lakehouse,
    landing: Path,
    source: Source,
    path: Path,
    *,
    seen: set[str],
    run_id: str,
    ingested_at: dt.datetime,
    relative: str | None = None,
) -> FileResult:
    """Loads one file; ``relative`` names a member extracted from an archive in landing."""
    extracted = relative is not None
    relative = relative or display_path(path.relative_to(landing).as_posix())
    log: dict[str, Any] = {
        "run_id": run_id,
        "source": source.name,
        "table_name": None,
        "file": relative,
        "sha256": None,
        "status": "rejected",
        "rows": 0,
        "quarantined": 0,
        "message": "",
        "ingested_at": ingested_at,
    }
    try:
        inside = extracted or path.resolve().is_relative_to(landing.resolve())
    except (OSError, RuntimeError):  # a symbolic link loop
        log["message"] = "the file is a link that never resolves (a loop); copy the file itself in"
        return FileResult(log)
    if not inside:
        log["message"] = "the file links outside the landing folder; copy the file itself in"
        return FileResult(log)
    if path.is_symlink() and path.is_dir():
        log["message"] = "a link to a folder is not followed; move the folder itself in"
        return FileResult(log)
    if not path.is_file():
        what = "a link to a missing file" if path.is_symlink() else "not a regular file"
        log["message"] = f"the file is {what}; copy the file itself in"
        return FileResult(log)
    try:
        sha = file_sha256(path)
    except OSError as exc:
        log["message"] = f"cannot read the file: {exc.strerror}"
        return FileResult(log)
    log["sha256"] = sha
    contract = source.table_for(path)
    if contract is None:
        patterns = ", ".join(p for t in source.tables for p in t.file_patterns)
        log["message"] = (
            f"no table of source {source.name} takes this file name; expected {patterns}"
        )
        return FileResult(log)
    log["table_name"] = f"bronze.{contract.bronze_table}"
    if sha in seen:
        log["status"] = "skipped_duplicate"
        log["message"] = "same content (sha256) already loaded"
        return FileResult(log, contract=contract)
    try:
        parts = read_file(path)
        result = load_parts(parts, contract, relative, sha=sha, run_id=run_id, at=ingested_at)
    except SourceError as exc:
        log["message"] = str(exc)
        return FileResult(log, contract=contract)
    except Exception as exc:  # one unreadable file must not stop the run
        log["message"] = (
            f"the file could not be read ({type(exc).__name__}: {exc}); "
            "please report it with the file"
        )
        return FileResult(log, contract=contract)
    result.log = {**log, **result.log}
    write_bronze(lakehouse, contract, result)
    return result


def map_header(
    header: Sequence[str], contract: TableContract
) -> tuple[list[Column | str], list[str]]:
    """Each header position → its contract column, or the snake_case name of an extra column.

    Returns the mapping and the contract's required columns the header lacks.
    """
    mapping: list[Column | str] = []
    used: set[str] = set()
    for raw in header:
        column = next((c for c in contract.columns if c.name not in used and c.matches(raw)), None)
        if column is not None:
            used.add(column.name)
            mapping.append(column)
            continue
        name = snake_case(raw)
        while (
            name in used or name in AUDIT_COLUMNS or any(c.name == name for c in contract.columns)
        ):
            name += "_x"
        used.add(name)
        mapping.append(name)
    missing = [c.source_header for c in contract.columns if c.required and c.name not in used]
    return mapping, missing


def load_parts(
    parts: Sequence[RawTable],
    contract: TableContract,
    relative: str,
    *,
    sha: str,
    run_id: str,
    at: dt.datetime,
) -> FileResult:
    """Parses the raw tables of one file into bronze rows and quarantine records."""
    tables: list[pa.Table] = []
    quarantine: list[dict[str, Any]] = []
    notes: list[str] = []
    extra_columns: list[str] = []
    matched = 0
    name = relative.rsplit("/", 1)[-1]
    for part in parts:
        notes.extend(part.notes)
        mapping, missing = map_header(part.header, contract)
        if missing:
            where = _part_label(part, name)
            if len(parts) > 1 and part.part:
                size = part.row_count + len(part.broken)
                rows_text = "1 row" if size == 1 else f"{size} rows"
                notes.append(f"{where} skipped ({rows_text}): it lacks {', '.join(missing)}")
                continue
            found = ", ".join(part.header) or "nothing"
            found = found if len(found) <= 200 else found[:200] + "…"
            raise SourceError(
                f"{where} lacks required column(s) {', '.join(missing)} "
                f"(found: {found}); fix the file and drop it again"
            )
        matched += 1
        good, bad = parse_part(part, mapping, contract, relative, sha=sha, run_id=run_id, at=at)
        tables.append(good)
        quarantine.extend(bad)
        extra_columns.extend(m for m in mapping if isinstance(m, str) and m not in extra_columns)
    if parts and not matched:
        raise SourceError(f"no part of {name} holds the required columns: " + "; ".join(notes))
    bronze = concat(tables, contract) if tables else empty_bronze(contract)
    rows = bronze.num_rows
    if not rows and not quarantine:
        notes.append("the file holds a header but no data rows")
    message = "; ".join(notes)
    return FileResult(
        {"status": "loaded", "rows": rows, "quarantined": len(quarantine), "message": message},
        bronze=bronze,
        quarantine=quarantine,
        new_columns=extra_columns,
        contract=contract,
    )


def _part_label(part: RawTable, name: str) -> str:
    """How a message names a part: ``the header of x.csv``, ``sheet 'Notes' of b.xlsx``."""
    if part.part is None:
        return f"the header of {name}"
    spreadsheet = "#" in part.part or name.lower().endswith(SPREADSHEET_SUFFIXES)
    kind = "sheet" if spreadsheet else "zip member"
    return f"{kind} {part.part!r} of {name}"


def unique_headers(headers: Sequence[str]) -> list[str]:
    """Header texts made unique for a quarantine record: a second ``Qty`` is ``Qty (2)``."""
    seen: dict[str, int] = {}
    unique = []
    for header in headers:
        seen[header] = seen.get(header, 0) + 1
        unique.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return unique


def ragged_reason(headers: Sequence[str], found: int) -> str:
    """``expected 8 fields, found 6: no value for 'Customer ID', 'Country'``."""
    width = len(headers)
    if found < width:
        lacking = ", ".join(repr(h) for h in headers[found:])
        return f"expected {width} fields, found {found}: no value for {lacking}"
    last = repr(headers[-1]) if headers else "the header"
    return f"expected {width} fields, found {found}: {found - width} beyond the last column {last}"


def parse_part(
    part: RawTable,
    mapping: Sequence[Column | str],
    contract: TableContract,
    relative: str,
    *,
    sha: str,
    run_id: str,
    at: dt.datetime,
) -> tuple[pa.Table, list[dict[str, Any]]]:
    width = len(mapping)
    headers = list(part.header)
    record_keys = unique_headers(headers)
    quarantine: list[dict[str, Any]] = []

    def reject(line: int, rule: str, reason: str, record: Any) -> None:
        quarantine.append(
            {
                "run_id": run_id,
                "table_name": f"bronze.{contract.bronze_table}",
                "_source_file": relative,
                "_source_part": part.part,
                "_source_line": line,
                "_rule": rule,
                "_reason": reason,
                "_run_id": run_id,
                "_file_sha256": sha,
                "record": json.dumps(record, ensure_ascii=False),
                "quarantined_at": at,
            }
        )

    for broken in part.broken:
        reject(broken.line, broken.rule, broken.reason, broken.fields)
    columns_text, lines = split_columns(part, width, headers, reject)

    def row_values(local: int) -> list[str]:
        return [str(column[local].as_py() or "") for column in columns_text]

    arrays: dict[str, pa.Array] = {}
    failed = pa.array([False] * len(lines), pa.bool_())
    reasons: list[tuple[pa.BooleanArray, str, int, Column]] = []
    formats = contract.timestamp_formats
    for position, target in enumerate(mapping):
        text = blank_to_null(columns_text[position])
        if isinstance(target, str):
            arrays[target] = text
            continue
        parsed = parse_column(text, target.type, formats)
        arrays[target.name] = parsed.values
        if parsed.invalid.true_count:
            reasons.append((parsed.invalid, "unparsable_value", position, target))
        if not target.nullable:  # empty, or a null spelling such as NULL or N/A
            missing = pc.and_(pc.is_null(parsed.values), pc.invert(parsed.invalid))
            if missing.true_count:
                reasons.append((missing, "missing_value", position, target))
    for mask, _, _, _ in reasons:
        failed = pc.or_(failed, mask)
    if failed.true_count:
        for local in pc.indices_nonzero(failed).to_pylist():
            for mask, rule, position, column in reasons:
                if mask[local].as_py():
                    values = row_values(local)
                    header, value = headers[position], values[position]
                    if rule == "unparsable_value":
                        reason = f"column {header!r}: {value!r} is not {TYPE_WORDS[column.type]}"
                    elif value.strip():
                        reason = f"column {header!r}: {value!r} means no value, but it is required"
                    else:
                        reason = f"column {header!r} is empty but required"
                    record = dict(zip(record_keys, values, strict=True))
                    reject(lines[local].as_py(), rule, reason, record)
                    break
    size = len(lines)
    table = pa.table(
        {
            **{
                c.name: arrays.get(c.name, pa.nulls(size, bronze_type(c))) for c in contract.columns
            },
            **{k: v for k, v in arrays.items() if not any(c.name == k for c in contract.columns)},
            "_source_file": pa.array([relative] * size, pa.string()),
            "_source_part": pa.array([part.part] * size, pa.string()),
            "_source_line": lines,
            "_ingested_at": pa.array([at] * size, pa.timestamp("us", tz="UTC")),
            "_run_id": pa.array([run_id] * size, pa.string()),
            "_file_sha256": pa.array([sha] * size, pa.string()),
        }
    )
    if failed.true_count:
        table = table.filter(pc.invert(failed))
    return table, quarantine


def split_columns(
    part: RawTable, width: int, headers: Sequence[str], reject: Callable[..., None]
) -> tuple[list[pa.Array], pa.Array]:
    """Text columns of the rows as wide as the header, and their lines; ragged rows rejected."""
    if part.columns is not None and part.line_numbers is not None:
        return part.columns, part.line_numbers
    keep: list[int] = []
    for i, row in enumerate(part.rows):
        if len(row) == width:
            keep.append(i)
        else:
            reject(part.lines[i], "ragged_row", ragged_reason(headers, len(row)), row)
    rows = [part.rows[i] for i in keep]
    columns = (
        [pa.array(col, pa.string()) for col in zip(*rows, strict=True)]
        if rows
        else [pa.array([], pa.string()) for _ in range(width)]
    )
    return columns, pa.array([part.lines[i] for i in keep], pa.int64())


def bronze_type(column: Column) -> pa.DataType:
    return {
        "string": pa.string(),
        "json": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "decimal": pa.float64(),
        "bool": pa.bool_(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "date": pa.date32(),
    }[column.type]


def empty_bronze(contract: TableContract) -> pa.Table:
    fields = [pa.field(c.name, bronze_type(c)) for c in contract.columns]
    fields += [
        pa.field("_source_file", pa.string()),
        pa.field("_source_part", pa.string()),
        pa.field("_source_line", pa.int64()),
        pa.field("_ingested_at", pa.timestamp("us", tz="UTC")),
        pa.field("_run_id", pa.string()),
        pa.field("_file_sha256", pa.string()),
    ]
    return pa.schema(fields).empty_table()


def concat(tables: Iterable[pa.Table], contract: TableContract) -> pa.Table:
    return pa.concat_tables(
        [t.cast(pa.schema([t.schema.field(n) for n in t.column_names])) for t in tables],
        promote_options="permissive",
    )


def write_bronze(lakehouse: Lakehouse, contract: TableContract, result: FileResult) -> None:
    """Replaces this file's rows in the bronze table (one commit; idempotent on re-run)."""
    ref = TableRef("bronze", contract.bronze_table)
    assert result.bronze is not None
    sha = result.log["sha256"]
    if not lakehouse.exists(ref):
        lakehouse.write(ref, result.bronze, mode="append")
        return
    lakehouse.write(
        ref, result.bronze, mode="overwrite", predicate=f"_file_sha256 = {sql_string(sha)}"
    )


def record_results(lakehouse: Lakehouse, results: Sequence[FileResult], *, run_id: str) -> None:
    """Writes quarantine, schema changes, ingest log and row ledger for one source's files."""
    by_table: dict[str, list[FileResult]] = {}
    for r in results:
        if r.log["status"] == "loaded" and r.contract is not None:
            by_table.setdefault(f"bronze.{r.contract.bronze_table}", []).append(r)
    now = ops.utc_now()
    for table_name, loaded in by_table.items():
        ops.replace_for_files(
            lakehouse,
            "quarantine",
            [q for r in loaded for q in r.quarantine],
            table_name=table_name,
            file_hashes=[r.log["sha256"] for r in loaded],
        )
    changes = [
        {
            "run_id": run_id,
            "table_name": r.log["table_name"],
            "file": r.log["file"],
            "column_name": c,
            "change": "added_column",
            "recorded_at": now,
        }
        for r in results
        for c in r.new_columns
    ]
    ops.append(lakehouse, "schema_changes", changes)
    ledger = [
        {
            "run_id": run_id,
            "layer": "bronze",
            "table_name": r.log["table_name"],
            "source": r.log["file"],
            "rows_in": r.log["rows"] + r.log["quarantined"],
            "rows_out": r.log["rows"],
            "rows_quarantined": r.log["quarantined"],
            "rows_dropped": 0,
            "dropped_by_rule": "{}",
            "table_version": None,
            "recorded_at": now,
        }
        for r in results
        if r.log["status"] == "loaded"
    ]
    ops.append(lakehouse, "row_ledger", ledger)
    ops.append(lakehouse, "ingest_log", [r.log for r in results])
