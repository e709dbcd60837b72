"""Ingest every new landing file into its bronze table, exactly once, losing no row.

Per file: settled? → checksum → already loaded? → match a contract → read → map the header
→ parse values → write good rows (one commit) → quarantine the rest with file, line and
reason. The ingest log, quarantine and row ledger are written per source after its files,
keyed by file, so a run killed at any point and re-run ends with the same bronze as an
uninterrupted run.

The rules a downstream reader may rely on (see docs/architecture.md, "Bronze"):

* A bronze table changes only by commits that add a new file's rows, and by single commits
  that replace the rows of one landing path (``_source_file``): a *corrected re-delivery*
  (same path, new bytes — also a file that only grew) replaces that path's rows, and
  ``ops.ingest_log`` records the superseded checksum in ``superseded_sha256``.
* Every row keeps ``_source_file``, ``_source_part``, ``_source_line``, ``_ingested_at``
  (shared by all rows of one load, strictly later than any earlier load), ``_run_id`` and
  ``_file_sha256``.
* A file is read only once it has settled (unchanged for ``settle_seconds``, or older than
  its folder's ``_SUCCESS`` marker when there is one); until then it is logged ``waiting``.
* Every file seen gets a line in ``ops.ingest_log``; a file that is not loaded (skipped,
  waiting, rejected, duplicate) is logged once per (path, status, checksum, size, mtime,
  message), so the log does not grow on every run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc

from retail_lakehouse import ops
from retail_lakehouse.bronze.readers import (
    MIB,
    SPREADSHEET_SUFFIXES,
    RawTable,
    ReadLimits,
    _Counted,
    check_header,
    ragged_reason,
    read_capped,
    read_file,
)
from retail_lakehouse.bronze.typing import TYPE_WORDS, blank_to_null, parse_text
from retail_lakehouse.errors import LakehouseError, SourceError
from retail_lakehouse.sources import SOURCE_NAMES
from retail_lakehouse.sources.contract import Column, Source, TableContract, normalize_header
from retail_lakehouse.storage import Lakehouse, TableRef
from retail_lakehouse.storage.delta import sql_string

if TYPE_CHECKING:
    from retail_lakehouse.settings import Settings

AUDIT_COLUMNS = (
    "_source_file",
    "_source_part",
    "_source_line",
    "_ingested_at",
    "_run_id",
    "_file_sha256",
)
SUCCESS_MARKER = "_SUCCESS"
_SKIPPED_PREFIXES = (
    ("~$", "an Office lock file (~$), not data"),
    (".", "hidden (its name starts with '.')"),
    ("_", "its name starts with '_' (markers such as _SUCCESS, not data)"),
)
_SKIPPED_SUFFIXES = (
    (
        (".tmp", ".part", ".crdownload", ".swp"),
        "a partial or temporary file; it is read once renamed",
    ),
    ((".md",), "documentation (.md), not data"),
)

ProgressFn = Callable[[str], None]


@dataclass(frozen=True)
class IngestOptions:
    """Knobs of one ingest, filled from :class:`Settings` by the CLI.

    ``settle_seconds`` defaults to 0 here (tests write a file and ingest it at once); the
    CLI passes ``LAKEHOUSE_SETTLE_SECONDS`` (2 s by default) through :meth:`from_settings`.
    """

    settle_seconds: float = 0.0
    limits: ReadLimits = field(default_factory=ReadLimits)
    clock: Callable[[], float] = time.time
    """Seconds since the epoch, as file mtimes are (injectable for tests)."""
    sleep: Callable[[float], None] = time.sleep
    """How a run waits (once, at most ``settle_seconds``) for fresh files to settle."""

    @classmethod
    def from_settings(cls, settings: Settings) -> IngestOptions:
        return cls(
            settle_seconds=settings.settle_seconds,
            limits=ReadLimits(
                max_unpacked_bytes=int(settings.max_unpacked_mb * MIB),
                max_unpack_ratio=settings.max_unpack_ratio,
            ),
        )


@dataclass
class FileResult:
    """What happened to one file: its log record, good rows and quarantined rows."""

    log: dict[str, Any]
    bronze: pa.Table | None = None
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    new_columns: list[str] = field(default_factory=list)
    contract: TableContract | None = None
    spilled: Path | None = None
    """Where ``bronze`` was set aside (an Arrow file) for a rebuild, which writes every
    file's rows in one commit without holding them all in memory."""


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


@dataclass(frozen=True)
class Entry:
    """Something found below ``landing/``: a file to read, or one skipped with a reason."""

    path: Path
    relative: str
    skip: str | None = None


LogKey = tuple[str, str, str, int | None, dt.datetime | None, str]


def log_key(log: dict[str, Any]) -> LogKey:
    """Identity of a log line that is not a load: written once, not on every run."""
    return (
        str(log["file"]),
        str(log["status"]),
        str(log.get("sha256") or ""),
        log.get("size_bytes"),
        log.get("modified_at"),
        str(log.get("message") or ""),
    )


@dataclass
class LoadState:
    """Which version (sha256) of each landing path bronze holds, for one source."""

    live: dict[str, str] = field(default_factory=dict)
    """file → sha256 of the version whose rows bronze holds."""
    holder: dict[str, str] = field(default_factory=dict)
    """sha256 → the file whose rows bronze holds with that content."""
    logged: set[LogKey] = field(default_factory=set)

    @classmethod
    def from_log(cls, log: pa.Table, source: str | None = None) -> LoadState:
        """Replays the ingest log in time order: loads set a path's version, supersessions
        without a load (a removal) clear it."""
        state = cls()
        if source is not None:
            log = log.filter(pc.equal(log["source"], source))
        columns = ["file", "status", "sha256", "superseded_sha256", "ingested_at"]
        rows = log.select(columns).to_pylist()
        for row in sorted(rows, key=lambda r: r["ingested_at"]):
            if row["status"] == "loaded":
                state.load(row["file"], row["sha256"])
            elif row["superseded_sha256"]:
                state.drop(row["file"])
        state.logged = {
            log_key(r) for r in log.filter(pc.not_equal(log["status"], "loaded")).to_pylist()
        }
        return state

    def load(self, file: str, sha: str) -> None:
        self.drop(file)
        self.live[file] = sha
        self.holder[sha] = file

    def drop(self, file: str) -> None:
        old = self.live.pop(file, None)
        if old is not None and self.holder.get(old) == file:
            del self.holder[old]

    def apply(self, log: dict[str, Any]) -> None:
        if log["status"] == "loaded":
            self.load(log["file"], log["sha256"])
        elif log.get("superseded_sha256"):
            self.drop(log["file"])


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


LANDING_HASHES = ".landing_sha256.json"
"""Below ``$LAKEHOUSE_HOME/ops/``: the sha256 of each landing file last read, by its stat."""

_RACY_NS = 2_000_000_000
"""A file changed this close to its hashing may change again within one timestamp tick
(coarse on some file systems): its hash is not trusted on the next run."""


@dataclass
class LandingHashes:
    """The sha256 of landing files, kept by their stat so an unchanged file is not read
    again at every run (10x: 1 GB, 1.1 s of each 5.7 s no-op run).

    The stat is size, mtime, ctime and inode, as git's index keeps it: writing, replacing
    or renaming a file in any way gives it a new ctime, which no copy tool sets back, so
    a matching stat means the bytes hashed before. A missing or unreadable cache file only
    means hashing everything, as before it existed.
    """

    path: Path | None = None
    entries: dict[str, list[Any]] = field(default_factory=dict)
    seen: dict[str, list[Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> LandingHashes:
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entries = {}
        return cls(path, entries if isinstance(entries, dict) else {})

    def sha256(self, file: Path) -> str:
        key = str(file.resolve())
        stat = _full_stat(file)
        entry = self.entries.get(key)
        if (
            isinstance(entry, list)
            and len(entry) == 6
            and entry[:4] == stat
            and entry[4] - max(stat[1], stat[2]) > _RACY_NS
        ):
            self.seen[key] = entry
            return str(entry[5])
        # Kept with the stat taken before reading: bytes changed while read give the file
        # another stat, or (same clock tick) a ctime too close to ``started`` to be trusted.
        started = time.time_ns()
        sha = file_sha256(file)
        self.seen[key] = [*stat, started, sha]
        return sha

    def save(self) -> None:
        """Keeps the files seen by this run; written whole or not at all."""
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(self.path.name + ".partial")
            partial.write_text(json.dumps(self.seen), encoding="utf-8")
            os.replace(partial, self.path)
        except OSError:
            pass  # a cache: the next run hashes again


def _full_stat(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def snake_case(header: str) -> str:
    """A safe identifier for an unknown header: ``"Promo Code (EU)"`` → ``promo_code_eu``."""
    name = re.sub(r"[^0-9a-z]+", "_", header.strip().lower()).strip("_")[:60] or "column"
    return f"c_{name}" if name[0].isdigit() else name


def skip_reason(name: str) -> str | None:
    """Why a file or folder of this name is not data, or None if it may be."""
    for prefix, reason in _SKIPPED_PREFIXES:
        if name.startswith(prefix):
            return reason
    lowered = name.lower()
    for suffixes, reason in _SKIPPED_SUFFIXES:
        if lowered.endswith(suffixes):
            return reason
    return None


def display_path(relative: str) -> str:
    """A file name as valid text: bytes that are not UTF-8 are shown as ``\\xe9``."""
    return relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def discover(folder: Path, landing: Path) -> list[Entry]:
    """Everything below ``folder`` in a stable order (sorted by path parts).

    Hidden, ``_``-prefixed, lock, partial and ``.md`` entries come with the reason they are
    skipped (a skipped folder is one entry, not read). Links to folders are listed, not
    followed, so ingest reports them.
    """
    found: list[Entry] = []

    def relative(path: Path) -> str:
        return display_path(path.relative_to(landing).as_posix())

    def walk(directory: Path) -> None:
        try:
            children = sorted(directory.iterdir())
        except OSError as exc:
            found.append(Entry(directory, relative(directory), f"cannot list: {exc.strerror}"))
            return
        for child in children:
            is_dir = child.is_dir() and not child.is_symlink()
            reason = skip_reason(child.name)
            if reason is not None:
                found.append(
                    Entry(child, relative(child), ("a folder " if is_dir else "") + reason)
                )
            elif is_dir:
                walk(child)
            else:
                found.append(Entry(child, relative(child)))

    walk(folder)
    return found


def discover_files(folder: Path) -> list[Path]:
    """Data files below ``folder`` (the entries of :func:`discover` that are not skipped)."""
    return [e.path for e in discover(folder, folder) if e.skip is None]


def _fingerprint(path: Path) -> tuple[int | None, dt.datetime | None]:
    """Size and mtime (µs, UTC) of the entry itself (a link is not followed)."""
    try:
        info = path.lstat()
    except OSError:
        return None, None
    modified = dt.datetime.fromtimestamp(info.st_mtime_ns // 1000 / 1e6, dt.UTC)
    return info.st_size, modified


def new_log(
    *, run_id: str, source: str, file: str, ingested_at: dt.datetime, status: str = "rejected"
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "source": source,
        "table_name": None,
        "file": file,
        "sha256": None,
        "status": status,
        "rows": 0,
        "quarantined": 0,
        "message": "",
        "ingested_at": ingested_at,
        "superseded_sha256": None,
        "date_formats": None,
        "size_bytes": None,
        "modified_at": None,
    }


def entry_result(
    entry: Entry, *, status: str, message: str, source: str, run_id: str, at: dt.datetime
) -> FileResult:
    log = new_log(run_id=run_id, source=source, file=entry.relative, ingested_at=at, status=status)
    log["message"] = message
    log["size_bytes"], log["modified_at"] = _fingerprint(entry.path)
    return FileResult(log)


def next_ingested_at(log: pa.Table) -> dt.datetime:
    """Now, or just after the latest logged load if the clock is behind it (strictly later)."""
    now = ops.utc_now()
    latest: dt.datetime | None = pc.max(log["ingested_at"]).as_py() if log.num_rows else None
    if latest is not None and latest >= now:
        return latest + dt.timedelta(microseconds=1)
    return now


def ingest_landing(
    lakehouse: Lakehouse,
    landing: Path,
    sources: Sequence[Source],
    *,
    run_id: str,
    progress: ProgressFn | None = None,
    options: IngestOptions | None = None,
) -> IngestReport:
    """Ingests the new files of every source that has a landing folder.

    Entries of ``landing/`` that belong to no source (files directly in it, folders named
    after no source) are logged as ``skipped`` with what to do.
    """
    options = options or IngestOptions()
    report = IngestReport()
    log = ops.read(lakehouse, "ingest_log")
    wait_for_fresh_files([landing / s.name for s in sources], landing, options)
    ingested_at = next_ingested_at(log)
    hashes = LandingHashes.load(lakehouse.home / "ops" / LANDING_HASHES)
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
                options=options,
                state=LoadState.from_log(log, source.name),
                hashes=hashes,
            )
            report.files.extend(r.log for r in results)
    hashes.save()
    strays = stray_entries(landing, run_id=run_id, at=ingested_at)
    if strays:
        record_log(lakehouse, strays, LoadState.from_log(log, ""))
        report.files.extend(r.log for r in strays)
    return report


STREAM_FOLDERS = ("clickstream",)
"""Landing folders read by the stream path (file replay of Kafka events), not by bronze."""


def stray_entries(landing: Path, *, run_id: str, at: dt.datetime) -> list[FileResult]:
    """What lies in ``landing/`` outside every source folder, each with what to do."""
    if not landing.is_dir():
        return []
    folders = ", ".join(f"landing/{name}/" for name in SOURCE_NAMES)
    results = []
    for child in sorted(landing.iterdir()):
        name = display_path(child.name)
        is_dir = child.is_dir() and not child.is_symlink()
        if is_dir and child.name in (*SOURCE_NAMES, *STREAM_FOLDERS):
            continue  # a source folder (read by its source, when that source is selected)
        reason = skip_reason(child.name)
        if reason is not None:
            entries = [Entry(child, name, ("a folder " if is_dir else "") + reason)]
        elif not is_dir:
            entries = [
                Entry(
                    child,
                    name,
                    f"a file directly in landing/ belongs to no source; "
                    f"move it into its source folder ({folders})",
                )
            ]
        else:
            why = f"landing/{name}/ is not a source folder; move its files into one of {folders}"
            entries = [Entry(e.path, e.relative, e.skip or why) for e in discover(child, landing)]
        results += [
            entry_result(e, status="skipped", message=str(e.skip), source="", run_id=run_id, at=at)
            for e in entries
        ]
    return results


def settle_reason(path: Path, options: IngestOptions) -> str | None:
    """Why ``path`` may still be being written (so is not read yet), or None once settled.

    With a ``_SUCCESS`` marker in its folder, a file is complete when it is not newer than
    the marker. Without one, when its mtime is at least ``settle_seconds`` old (a copy in
    progress keeps touching it; its size cannot change without its mtime changing).
    """
    try:
        modified = path.stat().st_mtime
    except OSError:
        return None  # links to nowhere and the like: ingest_file reports them
    marker = path.parent / SUCCESS_MARKER
    try:
        marked = marker.stat().st_mtime
    except OSError:
        marked = None
    if marked is not None:
        if modified > marked:
            return (
                f"written after its folder's {SUCCESS_MARKER} marker; it is read once a newer "
                f"{SUCCESS_MARKER} is written"
            )
        return None
    age = options.clock() - modified
    if age < options.settle_seconds:
        return (
            f"still being written (modified less than {options.settle_seconds:g}s ago); it is "
            "read once unchanged that long"
        )
    return None


def wait_for_fresh_files(folders: Sequence[Path], landing: Path, options: IngestOptions) -> None:
    """Waits once, at most ``settle_seconds``, until files modified just now would settle.

    So ``lakehouse generate && lakehouse run`` loads the files just written, while a file
    still being copied (touched again during the wait) stays ``waiting``.
    """
    if options.settle_seconds <= 0:
        return
    youngest = None
    for folder in folders:
        if not folder.is_dir():
            continue
        for entry in discover(folder, landing):
            if entry.skip is None and not (entry.path.parent / SUCCESS_MARKER).exists():
                try:
                    modified = entry.path.stat().st_mtime
                except OSError:
                    continue
                youngest = modified if youngest is None else max(youngest, modified)
    if youngest is not None:
        remaining = options.settle_seconds - (options.clock() - youngest)
        if remaining > 0:
            options.sleep(min(remaining, options.settle_seconds))


def ingest_source(
    lakehouse: Lakehouse,
    landing: Path,
    source: Source,
    *,
    run_id: str,
    ingested_at: dt.datetime,
    progress: ProgressFn | None = None,
    options: IngestOptions | None = None,
    state: LoadState | None = None,
    only: TableContract | None = None,
    write: bool = True,
    spill: Path | None = None,
    hashes: LandingHashes | None = None,
) -> list[FileResult]:
    """Ingests the files of one source (``only``: those of one table, for a rebuild).

    With ``write=False`` nothing is written: the caller gets the results to write at once,
    each file's rows set aside in an Arrow file below ``spill`` when given (else in memory).
    """
    options = options or IngestOptions()
    if state is None:
        state = LoadState.from_log(ops.read(lakehouse, "ingest_log"), source.name)
    recorded = recorded_columns(lakehouse)
    results: list[FileResult] = []
    with tempfile.TemporaryDirectory(prefix="lakehouse-unzip-") as scratch:
        for entry in discover(landing / source.name, landing):
            if only is not None and not _may_hold(source, entry.path, only):
                continue
            if entry.skip is not None:
                results.append(
                    entry_result(
                        entry,
                        status="skipped",
                        message=entry.skip,
                        source=source.name,
                        run_id=run_id,
                        at=ingested_at,
                    )
                )
                continue
            waiting = settle_reason(entry.path, options)
            if waiting is not None:
                results.append(
                    entry_result(
                        entry,
                        status="waiting",
                        message=waiting,
                        source=source.name,
                        run_id=run_id,
                        at=ingested_at,
                    )
                )
                continue
            members = expand_archive(entry.path, landing, source, Path(scratch), options.limits)
            for path, member in members:
                if only is not None and member is not None and source.table_for(path) != only:
                    continue
                if progress:
                    progress(f"{source.name}: {display_path(path.name)}")
                result = ingest_file(
                    lakehouse,
                    landing,
                    source,
                    path,
                    state=state,
                    run_id=run_id,
                    ingested_at=ingested_at,
                    relative=member,
                    options=options,
                    write=write,
                    hashes=hashes,
                )
                remember(result, state, recorded)
                if spill is not None and result.bronze is not None:
                    result.spilled = spill_table(result.bronze, spill / f"{len(results):06d}")
                if write or spill is not None:
                    result.bronze = None  # written: a run holds one file's rows at a time
                results.append(result)
    if write:
        record_results(lakehouse, results, run_id=run_id, state=state)
    return results


def _may_hold(source: Source, path: Path, contract: TableContract) -> bool:
    """Whether ``path`` may hold rows of ``contract``'s table (itself, or a zip of tables)."""
    matched = source.table_for(path)
    return matched == contract or (matched is None and path.name.lower().endswith(".zip"))


def expand_archive(
    path: Path, landing: Path, source: Source, scratch: Path, limits: ReadLimits
) -> list[tuple[Path, str | None]]:
    """The file itself, or for a zip that no contract names by itself (a Kaggle
    ``archive.zip`` of nine CSVs) each member extracted to ``scratch`` with its name for the
    log, so each member loads into its own table. Extraction streams and stops at the
    limits; a zip that cannot be extracted whole is returned as itself, and ingest_file
    rejects it with the reader's message.
    """
    if not path.name.lower().endswith(".zip") or source.table_for(path) is not None:
        return [(path, None)]
    relative = display_path(path.relative_to(landing).as_posix())
    extracted: list[tuple[Path, str | None]] = []
    try:
        counter = _Counted(path.stat().st_size, limits, "the zip archive")
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            for number, member in enumerate(members):
                name = PurePosixPath(member.filename).name
                if not name or name.startswith((".", "~$")) or "__MACOSX" in member.filename:
                    continue
                target = scratch / f"{number:05d}" / name
                target.parent.mkdir(parents=True)
                with archive.open(member) as src, target.open("wb") as dst:
                    read_capped(src, counter, sink=dst)
                extracted.append((target, f"{relative}/{display_path(member.filename)}"))
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, SourceError, RuntimeError):
        return [(path, None)]
    return extracted


def remember(result: FileResult, state: LoadState, recorded: set[tuple[str, str]]) -> None:
    """Notes a loaded file's version and new columns so later files of the run see them."""
    state.apply(result.log)
    if result.log["status"] == "loaded":
        table_name = result.log["table_name"]
        result.new_columns = [c for c in result.new_columns if (table_name, c) not in recorded]
        recorded.update((table_name, c) for c in result.new_columns)


def loaded_hashes(lakehouse: Lakehouse, source: str) -> set[str]:
    """Checksums of the file versions whose rows bronze holds for ``source``."""
    return set(LoadState.from_log(ops.read(lakehouse, "ingest_log"), source).holder)


def recorded_columns(lakehouse: Lakehouse) -> set[tuple[str, str]]:
    """(table, column) of every added column already in ``ops.schema_changes``.

    Keyed on the ops record rather than the bronze schema, so a run killed between the
    bronze write and the ops records still records the change when it is re-run.
    """
    changes = ops.read(lakehouse, "schema_changes")
    return set(
        zip(changes["table_name"].to_pylist(), changes["column_name"].to_pylist(), strict=True)
    )


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


def ingest_file(
    lakehouse: Lakehouse,
    landing: Path,
    source: Source,
    path: Path,
    *,
    state: LoadState,
    run_id: str,
    ingested_at: dt.datetime,
    relative: str | None = None,
    options: IngestOptions | None = None,
    write: bool = True,
    hashes: LandingHashes | None = None,
) -> FileResult:
    """Loads one file; ``relative`` names a member extracted from an archive in landing.

    A file whose path bronze already holds with other content is a correction: its rows
    replace the earlier version's in one commit, and the log names the superseded sha256.
    """
    options = options or IngestOptions()
    extracted = relative is not None
    relative = relative or display_path(path.relative_to(landing).as_posix())
    log = new_log(run_id=run_id, source=source.name, file=relative, ingested_at=ingested_at)
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
    log["size_bytes"], log["modified_at"] = _fingerprint(path)
    before = _stat(path)
    try:
        sha = hashes.sha256(path) if hashes is not None and not extracted else file_sha256(path)
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
    previous = state.live.get(relative)
    if previous == sha or sha in state.holder:
        log["status"] = "skipped_duplicate"
        log["message"] = "same content (sha256) already loaded"
        result = FileResult(log, contract=contract)
        if previous is not None and previous != sha:  # now a copy of another file
            log["superseded_sha256"] = previous
            log["message"] += (
                f" as {state.holder[sha]}; the rows of this file's earlier version "
                f"(sha256 {previous[:12]}…) leave bronze"
            )
            result.bronze = empty_bronze(contract)
            if write:
                write_bronze(lakehouse, contract, result)
        return result
    try:  # the raw text is dropped once parsed: only the bronze rows stay until written
        result = load_parts(
            read_file(path, options.limits),
            contract,
            relative,
            sha=sha,
            run_id=run_id,
            at=ingested_at,
        )
    except SourceError as exc:
        log["message"] = str(exc)
        return FileResult(log, contract=contract)
    except Exception as exc:  # one unreadable file must not stop the run
        log["message"] = (
            f"the file could not be read ({type(exc).__name__}: {exc}); "
            "please report it with the file"
        )
        return FileResult(log, contract=contract)
    if not extracted and _stat(path) != before:
        log["status"] = "waiting"
        log["sha256"] = None
        log["message"] = "the file changed while it was read; it is read again once settled"
        return FileResult(log, contract=contract)
    if previous is not None:
        result.log["superseded_sha256"] = previous
        correction = f"replaces the rows of this file's earlier version (sha256 {previous[:12]}…)"
        result.log["message"] = "; ".join(m for m in (correction, result.log["message"]) if m)
    result.log = {**log, **result.log}
    if write:
        write_bronze(lakehouse, contract, result)
    return result


def map_header(
    header: Sequence[str], contract: TableContract
) -> tuple[list[Column | str], list[str]]:
    """Each header position → its contract column, or the snake_case name of an extra column.

    Returns the mapping and the contract's required columns the header lacks. Linear in the
    header: contract columns are looked up by normalised spelling, and a repeated extra name
    gets the next free suffix (``description_x``, ``description_x2``, ...).
    """
    spellings: dict[str, list[Column]] = {}
    for column in contract.columns:
        for spelling in {
            normalize_header(h) for h in (column.source_header, column.name, *column.aliases)
        }:
            spellings.setdefault(spelling, []).append(column)
    reserved = {c.name for c in contract.columns} | set(AUDIT_COLUMNS)
    mapping: list[Column | str] = []
    used: set[str] = set()
    suffixes: dict[str, int] = {}
    for raw in header:
        candidates = spellings.get(normalize_header(raw), [])
        match = next((c for c in candidates if c.name not in used), None)
        if match is not None:
            used.add(match.name)
            mapping.append(match)
            continue
        base = snake_case(raw)
        name = base
        while name in used or name in reserved:
            suffixes[base] = suffixes.get(base, 0) + 1
            count = suffixes[base]
            name = f"{base}_x" if count == 1 else f"{base}_x{count}"
        used.add(name)
        mapping.append(name)
    missing = [c.source_header for c in contract.columns if c.required and c.name not in used]
    return mapping, missing


ParsedPart = tuple[pa.Table, list[dict[str, Any]], list[tuple[str, str, str]]]
"""A part's good rows, quarantine records, and per date column (name, format, warning)."""


def load_parts(
    parts: Sequence[RawTable],
    contract: TableContract,
    relative: str,
    *,
    sha: str,
    run_id: str,
    at: dt.datetime,
) -> FileResult:
    """Parses the raw tables of one file into bronze rows and quarantine records.

    The parts of a workbook (its sheets) are parsed side by side: Arrow's kernels release
    the GIL, so two sheets take the time of one on two cores.
    """
    tables: list[pa.Table] = []
    quarantine: list[dict[str, Any]] = []
    notes: list[str] = []
    extra_columns: list[str] = []
    formats: dict[str, list[str]] = {}
    matched = 0
    name = relative.rsplit("/", 1)[-1]
    mappings: list[list[Column | str] | str] = []
    """Per part: its header mapping, or why it is skipped."""
    for part in parts:
        check_header(part.header, ReadLimits())
        mapping, missing = map_header(part.header, contract)
        if missing:
            where = _part_label(part, name)
            if len(parts) > 1 and part.part:
                size = part.row_count + len(part.broken)
                rows_text = "1 row" if size == 1 else f"{size} rows"
                mappings.append(f"{where} skipped ({rows_text}): it lacks {', '.join(missing)}")
                continue
            found = ", ".join(part.header) or "nothing"
            found = found if len(found) <= 200 else found[:200] + "…"
            raise SourceError(
                f"{where} lacks required column(s) {', '.join(missing)} "
                f"(found: {found}); fix the file and drop it again"
            )
        mappings.append(mapping)

    def parse(index: int) -> ParsedPart | None:
        mapping = mappings[index]
        if isinstance(mapping, str):
            return None
        return parse_part(parts[index], mapping, contract, relative, sha=sha, run_id=run_id, at=at)

    if sum(not isinstance(m, str) for m in mappings) > 1:
        with ThreadPoolExecutor(max_workers=2) as pool:
            parsed = list(pool.map(parse, range(len(parts))))
    else:
        parsed = [parse(i) for i in range(len(parts))]
    for part, plan, result in zip(parts, mappings, parsed, strict=True):
        notes.extend(part.notes)
        if isinstance(plan, str) or result is None:
            notes.append(str(plan))
            continue
        matched += 1
        good, bad, chosen = result
        for column, fmt, warning in chosen:
            if fmt and fmt not in formats.setdefault(column, []):
                formats[column].append(fmt)
            if warning and warning not in notes:
                notes.append(warning)
        tables.append(good)
        quarantine.extend(bad)
        extra_columns.extend(m for m in plan if isinstance(m, str) and m not in extra_columns)
    if parts and not matched:
        raise SourceError(f"no part of {name} holds the required columns: " + "; ".join(notes))
    bronze = concat(tables, contract) if tables else empty_bronze(contract)
    rows = bronze.num_rows
    if not rows and not quarantine:
        notes.append("the file holds a header but no data rows")
    message = "; ".join(notes)
    date_formats = "; ".join(f"{c}: {' | '.join(f)}" for c, f in formats.items()) or None
    return FileResult(
        {
            "status": "loaded",
            "rows": rows,
            "quarantined": len(quarantine),
            "message": message,
            "date_formats": date_formats,
        },
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


def parse_part(
    part: RawTable,
    mapping: Sequence[Column | str],
    contract: TableContract,
    relative: str,
    *,
    sha: str,
    run_id: str,
    at: dt.datetime,
) -> ParsedPart:
    """Good rows, quarantine records, and per date column (header, format chosen, warning)."""
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
    failed = pa.repeat(pa.scalar(False), len(lines))
    reasons: list[tuple[pa.BooleanArray, str, int, Column]] = []
    formats = contract.timestamp_formats
    chosen: list[tuple[str, str, str]] = []
    for position, target in enumerate(mapping):
        if isinstance(target, str):
            arrays[target] = blank_to_null(columns_text[position])
            continue
        parsed = parse_text(columns_text[position], target.type, formats)
        arrays[target.name] = parsed.values
        if target.type in ("timestamp", "date"):
            warning = f"column {headers[position]!r}: {parsed.warning}" if parsed.warning else ""
            chosen.append((target.name, parsed.detail, warning))
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
            "_source_file": constant(relative, size),
            "_source_part": constant(part.part, size),
            "_source_line": lines,
            "_ingested_at": pa.repeat(pa.scalar(at, pa.timestamp("us", tz="UTC")), size),
            "_run_id": constant(run_id, size),
            "_file_sha256": constant(sha, size),
        }
    )
    if failed.true_count:
        table = table.filter(pc.invert(failed))
    return table, quarantine, chosen


def constant(value: str | None, size: int) -> pa.Array:
    """``size`` copies of one audit value, dictionary-encoded: one string, not a million.

    Delta gets plain strings (see :func:`plain_batches`), one batch at a time.
    """
    index = pa.scalar(None if value is None else 0, pa.int32())
    values = pa.array([] if value is None else [value], pa.string())
    return pa.DictionaryArray.from_arrays(pa.repeat(index, size), values)


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


WRITE_BATCH_ROWS = 65_536


def plain_batches(table: pa.Table) -> pa.RecordBatchReader:
    """``table`` as a stream of batches with its dictionary columns decoded to plain values,
    one batch at a time (so a million-row file never holds a million copies of its path).
    """
    schema = pa.schema(
        [
            f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f
            for f in table.schema
        ]
    )
    batches = (b.cast(schema) for b in table.to_batches(max_chunksize=WRITE_BATCH_ROWS))
    return pa.RecordBatchReader.from_batches(schema, batches)


def spill_table(table: pa.Table, path: Path) -> Path:
    """Writes ``table`` to an Arrow IPC file (read back mapped, not loaded) and returns it."""
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=WRITE_BATCH_ROWS)
    return path


def spilled_batches(paths: Sequence[Path], contract: TableContract) -> pa.RecordBatchReader:
    """The rows of the spilled files as one stream, in the schema :func:`concat` would give
    (columns of later files appended, missing ones NULL), dictionaries decoded."""
    schemas = []
    for path in paths:
        with pa.memory_map(str(path)) as source:
            schemas.append(pa.ipc.open_file(source).schema)
    if not schemas:
        return plain_batches(empty_bronze(contract))
    unified = pa.unify_schemas(schemas, promote_options="permissive")
    schema = pa.schema(
        [f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in unified]
    )

    def batches() -> Iterator[pa.RecordBatch]:
        for path in paths:
            with pa.memory_map(str(path)) as source:
                reader = pa.ipc.open_file(source)
                for i in range(reader.num_record_batches):
                    batch = reader.get_batch(i)
                    yield pa.record_batch(
                        [
                            batch.column(f.name).cast(f.type)
                            if f.name in batch.schema.names
                            else pa.nulls(batch.num_rows, f.type)
                            for f in schema
                        ],
                        schema=schema,
                    )

    return pa.RecordBatchReader.from_batches(schema, batches())


def write_bronze(lakehouse: Lakehouse, contract: TableContract, result: FileResult) -> None:
    """Replaces this path's rows (and any rows of the same content) in one commit.

    Idempotent on re-run, and the way a corrected re-delivery replaces the earlier version.
    """
    ref = TableRef("bronze", contract.bronze_table)
    assert result.bronze is not None
    file = result.log["file"]
    sha = result.log["sha256"]
    try:
        if not lakehouse.exists(ref):
            if result.bronze.num_rows or result.log["status"] == "loaded":
                lakehouse.write(ref, plain_batches(result.bronze), mode="append")
            return
        predicate = f"_source_file = {sql_string(file)}"
        if result.log["status"] == "loaded":  # and rows of the same content under another name
            predicate += f" OR _file_sha256 = {sql_string(sha)}"
        lakehouse.write(ref, plain_batches(result.bronze), mode="overwrite", predicate=predicate)
    except LakehouseError:
        raise
    except Exception as exc:
        raise ops.DamagedTable(
            f"{ref} cannot be written ({ops.damage(exc)}); run `lakehouse check`, then rebuild "
            f"it from landing with `lakehouse run --full-refresh --select {ref}`"
        ) from exc


def _replaced_hashes(result: FileResult) -> list[str]:
    log = result.log
    hashes = [log["sha256"]] if log["status"] == "loaded" else []
    return hashes + ([log["superseded_sha256"]] if log.get("superseded_sha256") else [])


def record_results(
    lakehouse: Lakehouse,
    results: Sequence[FileResult],
    *,
    run_id: str,
    state: LoadState | None = None,
) -> None:
    """Writes quarantine, schema changes, row ledger and ingest log for one source's files.

    Quarantine and ledger rows replace the file's earlier ones (by checksum, by path), so a
    re-run after a kill between two of these commits cannot duplicate them.
    """
    by_table: dict[str, list[FileResult]] = {}
    for r in results:
        if _replaced_hashes(r) and r.contract is not None:
            by_table.setdefault(f"bronze.{r.contract.bronze_table}", []).append(r)
    now = ops.utc_now()
    for table_name, changed in by_table.items():
        ops.replace_for_files(
            lakehouse,
            "quarantine",
            [q for r in changed for q in r.quarantine],
            table_name=table_name,
            file_hashes=[h for r in changed for h in _replaced_hashes(r)],
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
    ledger = [ledger_record(r, run_id=run_id, at=now) for r in results if _replaced_hashes(r)]
    ops.replace_bronze_ledger(lakehouse, ledger, files=[str(r["source"]) for r in ledger])
    record_log(lakehouse, results, state or LoadState())


def ledger_record(result: FileResult, *, run_id: str, at: dt.datetime) -> dict[str, Any]:
    log = result.log
    return {
        "run_id": run_id,
        "layer": "bronze",
        "table_name": log["table_name"],
        "source": log["file"],
        "rows_in": log["rows"] + log["quarantined"],
        "rows_out": log["rows"],
        "rows_quarantined": log["quarantined"],
        "rows_dropped": 0,
        "dropped_by_rule": "{}",
        "table_version": None,
        "recorded_at": at,
    }


def record_log(lakehouse: Lakehouse, results: Sequence[FileResult], state: LoadState) -> None:
    """Appends the log lines: every load, and each other outcome once (see module doc)."""
    lines = []
    for r in results:
        if r.log["status"] != "loaded":
            key = log_key(r.log)
            if key in state.logged:
                continue
            state.logged.add(key)
        lines.append(r.log)
    ops.append(lakehouse, "ingest_log", lines)


def rebuild_bronze_table(
    lakehouse: Lakehouse,
    landing: Path,
    source: Source,
    contract: TableContract,
    *,
    run_id: str,
    options: IngestOptions | None = None,
    progress: ProgressFn | None = None,
) -> IngestReport:
    """Re-reads every landing file of ``contract``'s table and rewrites bronze in one commit.

    The repair for a damaged bronze table (a truncated Parquet file, a gapped ``_delta_log``;
    the damaged folder is kept as ``bronze/.<table>.damaged-<run_id>``) and the bronze half
    of ``lakehouse run --full-refresh``: the table is overwritten with
    the rows of the files now in landing (first path wins for identical content); its
    quarantine and ledger rows are replaced; each file gets a fresh ``loaded`` line, and a
    file bronze held that is no longer in landing gets a ``removed`` line.
    """
    # Here, not at import: checks loads the model project (SQLGlot), which ingest never needs.
    from retail_lakehouse.checks import table_damage

    options = options or IngestOptions()
    table_name = f"bronze.{contract.bronze_table}"
    log = ops.read(lakehouse, "ingest_log")
    wait_for_fresh_files([landing / source.name], landing, options)
    ingested_at = next_ingested_at(log)
    before = LoadState.from_log(log, source.name)
    held_before = {
        file
        for file, table in zip(log["file"].to_pylist(), log["table_name"].to_pylist(), strict=True)
        if table == table_name and file in before.live
    }
    state = LoadState(logged=before.logged)
    results = []
    scratch = lakehouse.home / "_tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bronze-rebuild-", dir=scratch) as spill:
        if (landing / source.name).is_dir():
            results = ingest_source(
                lakehouse,
                landing,
                source,
                run_id=run_id,
                ingested_at=ingested_at,
                progress=progress,
                options=options,
                state=state,
                only=contract,
                write=False,
                spill=Path(spill),
            )
        loaded = [r for r in results if r.log["status"] == "loaded" and r.contract == contract]
        data = spilled_batches([r.spilled for r in loaded if r.spilled is not None], contract)
        ref = TableRef("bronze", contract.bronze_table)
        path = lakehouse.path(ref)
        if path.exists() and table_damage(lakehouse, ref) is not None:
            # Its log cannot be read, so it cannot be overwritten: keep it aside for
            # inspection (a name that is not an identifier is not a table), write a new one.
            path.rename(path.with_name(f".{path.name}.damaged-{run_id}"))
        lakehouse.write(ref, data, mode="overwrite")
    for r in loaded:
        r.log["superseded_sha256"] = None  # the whole table was replaced, not one path
    removed = []
    for file in sorted(held_before - set(state.live)):
        line = new_log(
            run_id=run_id,
            source=source.name,
            file=file,
            ingested_at=ingested_at,
            status="removed",
        )
        line.update(
            table_name=table_name,
            sha256=before.live[file],
            superseded_sha256=before.live[file],
            message="no longer in landing (or not loadable now): its rows left bronze "
            "with the rebuild",
        )
        removed.append(FileResult(line, contract=contract))
    now = ops.utc_now()
    ops.replace_table_quarantine(
        lakehouse, table_name, [q for r in loaded for q in r.quarantine], replace=True
    )
    ops.replace_bronze_ledger(
        lakehouse,
        [ledger_record(r, run_id=run_id, at=now) for r in loaded],
        files=[],
        table_name=table_name,
    )
    changes = [
        {
            "run_id": run_id,
            "table_name": table_name,
            "file": r.log["file"],
            "column_name": c,
            "change": "added_column",
            "recorded_at": now,
        }
        for r in loaded
        for c in r.new_columns
    ]
    ops.append(lakehouse, "schema_changes", changes)
    outcomes = [r for r in results if r.contract in (None, contract)] + removed
    record_log(lakehouse, outcomes, state)
    return IngestReport(files=[r.log for r in outcomes])
