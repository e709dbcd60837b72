"""Paths, reads and atomic writes of the lakehouse's Delta tables.

Every write is one Delta commit, so a killed run never leaves a half-written table visible.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from deltalake import CommitProperties, DeltaTable, Transaction, WriterProperties, write_deltalake
from deltalake.exceptions import TableNotFoundError

from retail_lakehouse.errors import ConfigError

if TYPE_CHECKING:
    # Imported where used: pyarrow costs ~0.5 s at start-up, and `lakehouse sql` and
    # `lakehouse --help` must not pay it (tests/test_cli.py guards this).
    import pyarrow as pa
    import pyarrow.dataset as ds

LAYERS = ("bronze", "silver", "gold", "ops")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,127}$")

ArrowData: TypeAlias = "pa.Table | pa.RecordBatchReader"

ROW_GROUP_ROWS = 131_072
"""Rows per Parquet row group of every file the lakehouse writes. delta-rs holds a row group
in memory until it is full; its default (1 M rows) held ~250 MB more while writing the
1 M-row fact, and readers parallelise over row groups anyway (measured: write 2.3 → 1.6 s)."""


CLUSTERED_FILE_BYTES = 8 * 1024 * 1024
"""Data file size of a table written sorted (``cluster_by``): a merge rewrites only the files
whose range of the sort columns overlaps its rows, so smaller files mean less rewritten. At
full scale the 1 M-line fact was one 44 MB file, and 160 re-pointed lines rewrote all of it."""

TARGET_FILE_SIZE = "delta.targetFileSize"
"""Table property naming a table's data file size. delta-rs merges honour it (they take no
size argument), as do Spark and Databricks writers: without it, the first merge into the
10x fact wrote its 1.3 M rewritten rows as one file, which every later merge rewrote whole."""

LOG_PROPERTIES = {
    "delta.checkpointInterval": "10",
    "delta.logRetentionDuration": "interval 5 minutes",
    "delta.enableExpiredLogCleanup": "true",
}
"""Table properties of the ``ops`` tables, logs that every model of every run appends to.
At each commit delta-rs lists the whole ``_delta_log`` folder and replays the commits since
the last checkpoint; with its defaults (a checkpoint every 100 commits, commits kept 30
days) a one-row append cost 11 ms on a fresh lakehouse and 40 ms after 40 runs (1,650
commit files), growing with every run. A checkpoint every 10 commits, after which commits
older than five minutes are deleted, keeps it at ~9 ms. No reader needs an ops table's past
versions (its rows are the history); five minutes keeps every commit that a reader opening
the table may still be reading."""


def writer_properties() -> WriterProperties:
    """Snappy, as delta-rs and Spark write by default: WriterProperties without a codec
    writes uncompressed files (the fact took 1.65x the disk space)."""
    return WriterProperties(max_row_group_size=ROW_GROUP_ROWS, compression="SNAPPY")


def check_identifier(name: str, what: str = "name") -> str:
    """Returns ``name`` if it is a safe SQL/Delta identifier (lower snake_case), else raises."""
    if not _IDENTIFIER.match(name):
        raise ConfigError(
            f"{what} {name!r} is not a valid identifier: use lower-case letters, digits and _."
        )
    return name


@dataclass(frozen=True, order=True)
class TableRef:
    """A table of the lakehouse, e.g. ``TableRef("silver", "dim_customer")``."""

    layer: str
    name: str

    def __post_init__(self) -> None:
        if self.layer not in LAYERS:
            raise ConfigError(f"unknown layer {self.layer!r}: use one of {', '.join(LAYERS)}.")
        check_identifier(self.name, "table name")

    @classmethod
    def parse(cls, qualified: str) -> TableRef:
        """``"silver.dim_customer"`` → ``TableRef("silver", "dim_customer")``."""
        layer, dot, name = qualified.strip().lower().partition(".")
        if not dot:
            raise ConfigError(f"{qualified!r} is not qualified: write it as <layer>.<table>.")
        return cls(layer, name)

    def __str__(self) -> str:
        return f"{self.layer}.{self.name}"


@dataclass(frozen=True)
class MergeSpec:
    """An upsert, in expressions over the aliases ``target`` and ``source``.

    Both engines run it: DuckDB through ``DeltaTable.merge``, Spark as ``MERGE INTO``.
    """

    predicate: str
    matched_update: Mapping[str, str] = field(default_factory=dict)
    matched_predicate: str | None = None
    insert_columns: Sequence[str] = ()
    """Columns inserted from ``source`` when no target row matches (empty = no insert)."""
    target_file_size: int | None = None
    """Bytes per data file the merge writes (kept as the table's ``delta.targetFileSize``);
    None = the table's own. Spark sizes its files itself."""


def _log_listing(log: Path) -> list[str]:
    try:
        return os.listdir(log)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _versions(names: list[str]) -> list[int]:
    return [
        int(name[:20])
        for name in names
        if name[:20].isdigit() and (name.endswith(".json") or ".checkpoint" in name)
    ]


def log_version(log: Path) -> int | None:
    """The latest version a ``_delta_log`` folder holds (commit or checkpoint file name),
    read from the folder listing alone; None when it holds none."""
    versions = _versions(_log_listing(log))
    return max(versions) if versions else None


def log_stamp(log: Path) -> tuple[int, int, int] | None:
    """(latest version, modification time of its commit file, number of log files): changes
    with every commit, when a table is re-created at the same version, and when a commit
    file goes missing."""
    names = _log_listing(log)
    versions = _versions(names)
    if not versions:
        return None
    version = max(versions)
    try:
        mtime = (log / f"{version:020d}.json").stat().st_mtime_ns
    except FileNotFoundError:
        mtime = 0
    return version, mtime, len(names)


@dataclass
class Lakehouse:
    """The lakehouse root: one Delta table per ``<layer>/<table>`` folder.

    Opened tables are cached per version: a run asks for the same tables' versions and
    datasets many times, and replaying a Delta log costs milliseconds each time.
    """

    home: Path
    _opened: dict[TableRef, tuple[tuple[int, int, int], DeltaTable]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def path(self, ref: TableRef) -> Path:
        return self.home / ref.layer / ref.name

    def uri(self, ref: TableRef) -> str:
        return str(self.path(ref))

    def exists(self, ref: TableRef) -> bool:
        return log_version(self.path(ref) / "_delta_log") is not None

    def tables(self, layer: str | None = None) -> list[TableRef]:
        """Every Delta table present, optionally of one layer, sorted."""
        layers = [layer] if layer else list(LAYERS)
        found = []
        for lay in layers:
            folder = self.home / lay
            if not folder.is_dir():
                continue
            for child in sorted(folder.iterdir()):
                if _IDENTIFIER.match(child.name) and (child / "_delta_log").is_dir():
                    found.append(TableRef(lay, child.name))
        return found

    def table(self, ref: TableRef) -> DeltaTable:
        """The table at its latest version (cached until a newer version appears)."""
        stamp = self.stamp(ref)
        cached = self._opened.get(ref)
        if cached is not None and stamp is not None:
            if cached[0] == stamp:
                return cached[1]
            if cached[0][0] < stamp[0] and cached[0][2] < stamp[2]:  # newer commits only
                table = cached[1]
                table.update_incremental()
                if table.version() == stamp[0]:
                    self._opened[ref] = (stamp, table)
                    return table
        try:
            table = DeltaTable(self.uri(ref))
        except TableNotFoundError as exc:
            self._opened.pop(ref, None)
            raise ConfigError(
                f"table {ref} does not exist yet: run `lakehouse run` first."
            ) from exc
        if stamp is not None and table.version() == stamp[0]:
            self._opened[ref] = (stamp, table)
        return table

    def stamp(self, ref: TableRef) -> tuple[int, int, int] | None:
        """Identifies the table's current state (see :func:`log_stamp`)."""
        return log_stamp(self.path(ref) / "_delta_log")

    def version(self, ref: TableRef) -> int | None:
        """Current Delta version, or None when the table does not exist."""
        return log_version(self.path(ref) / "_delta_log")

    def dataset(self, ref: TableRef) -> ds.Dataset:
        return self.table(ref).to_pyarrow_dataset()

    def arrow_schema(self, ref: TableRef) -> pa.Schema:
        """The table's Arrow schema, from its Delta log alone: the same as its dataset's,
        without listing the data files (opening a dataset per table cost 1.5 s at every
        engine start on the five-source full-scale lakehouse, 0.05 s this way)."""
        import pyarrow as pa

        return pa.schema(self.table(ref).schema().to_arrow())

    def parquet_files(self, ref: TableRef) -> list[str] | None:
        """The data files of the table's latest version when plain Parquet readers see
        exactly its rows (no deletion vectors, column mapping or partition columns), else
        None. An engine reading them directly gets row counts from the files' footers,
        which its join planner needs (an Arrow dataset reports none)."""
        table = self.table(ref)
        protocol = table.protocol()
        if protocol.reader_features or protocol.min_reader_version > 1:
            return None
        if table.metadata().partition_columns:
            return None
        return [str(uri) for uri in table.file_uris()]

    def dataset_since(self, ref: TableRef, version: int | None) -> ds.Dataset:
        """The rows of data files added after ``version`` (every row when None).

        For append-mostly tables such as bronze: what a reader that stopped at ``version``
        has not seen yet. Files rewritten since (a predicate overwrite, a compaction) count
        as added, so a reader may see some rows again but never misses one.
        """
        import pyarrow.dataset as ds  # here, not at import: `lakehouse sql` must not pay for it

        table = self.table(ref)
        current = table.to_pyarrow_dataset()
        if version is None:
            return current
        seen = set(DeltaTable(self.uri(ref), version=version).file_uris())
        added = [uri for uri in table.file_uris() if uri not in seen]
        return ds.dataset(added, schema=current.schema, format="parquet")

    def read(
        self, ref: TableRef, columns: Sequence[str] | None = None, *, filter: Any = None
    ) -> pa.Table:
        return self.dataset(ref).to_table(columns=list(columns) if columns else None, filter=filter)

    def count(self, ref: TableRef) -> int:
        return int(self.dataset(ref).count_rows()) if self.exists(ref) else 0

    def write(
        self,
        ref: TableRef,
        data: ArrowData,
        *,
        mode: Literal["overwrite", "append"],
        predicate: str | None = None,
        partition_by: Sequence[str] | None = None,
        app_transaction: tuple[str, int] | None = None,
        app_transactions: Sequence[tuple[str, int]] = (),
        target_file_size: int | None = None,
    ) -> int:
        """Writes ``data`` in one commit and returns the new version.

        ``mode`` is stated by every caller (no accidental appends). ``overwrite`` with a
        ``predicate`` replaces only the matching rows (idempotent re-loads of one file).
        New columns are merged into the schema on append and predicate overwrite.
        ``app_transaction(s)`` record ``(app_id, version)`` pairs in the same commit (how a
        stream consumer stores its offsets atomically with the data; read them back with
        :meth:`transaction_version`). ``target_file_size`` (bytes) closes a data file past
        that size (delta-rs' default: 100 MB) and is kept as the table's ``delta.targetFileSize``
        so later merges write files of that size too.
        """
        path = self.path(ref)
        path.parent.mkdir(parents=True, exist_ok=True)
        schema_mode: Literal["merge", "overwrite"] = (
            "overwrite" if mode == "overwrite" and predicate is None else "merge"
        )
        commit = None
        pairs = [*([app_transaction] if app_transaction is not None else []), *app_transactions]
        if pairs:
            commit = CommitProperties(
                app_transactions=[Transaction(app_id=a, version=v) for a, v in pairs]
            )
        properties = {
            **(LOG_PROPERTIES if ref.layer == "ops" else {}),
            **({TARGET_FILE_SIZE: str(target_file_size)} if target_file_size else {}),
        }
        existing = self.table(ref) if self.exists(ref) else None
        if existing is not None and properties:
            existing = self._configured(ref, existing, properties)
        write_deltalake(  # type: ignore[misc]
            existing if existing is not None else str(path),
            data,
            mode=mode,  # type: ignore[arg-type]
            predicate=predicate,
            partition_by=list(partition_by) if partition_by else None,
            schema_mode=schema_mode if existing is not None else None,
            commit_properties=commit,
            writer_properties=writer_properties(),
            target_file_size=target_file_size,
            configuration=properties if existing is None and properties else None,
        )
        written = self.version(ref)
        assert written is not None
        return written

    def write_path(self, path: Path, data: ArrowData) -> None:
        """Writes ``data`` as a new Delta table at ``path`` (engine stages, not lakehouse
        tables)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        write_deltalake(str(path), data, mode="overwrite", writer_properties=writer_properties())

    def transaction_version(self, ref: TableRef, app_id: str) -> int | None:
        """The version last committed by ``app_id`` with a write, or None (never, or no table)."""
        if not self.exists(ref):
            return None
        version = self.table(ref).transaction_version(app_id)
        return None if version is None else int(version)

    def _configured(
        self, ref: TableRef, table: DeltaTable, properties: Mapping[str, str]
    ) -> DeltaTable:
        """``table`` with ``properties`` set first where it lacks them (a table created
        before they were chosen: a write sets properties only when it creates the table)."""
        configuration = table.metadata().configuration
        if any(configuration.get(k) != v for k, v in properties.items()):
            table.alter.set_table_properties(dict(properties))  # a commit, no rows
            table = self.table(ref)
        return table

    def merge(self, ref: TableRef, source: ArrowData, spec: MergeSpec) -> dict[str, Any]:
        """Runs ``spec`` against the table; returns delta-rs merge metrics."""
        table = self.table(ref)
        if spec.target_file_size:
            table = self._configured(ref, table, {TARGET_FILE_SIZE: str(spec.target_file_size)})
        merger = table.merge(
            source=source,
            predicate=spec.predicate,
            source_alias="source",
            target_alias="target",
            writer_properties=writer_properties(),
        )
        if spec.matched_update:
            merger = merger.when_matched_update(
                updates=dict(spec.matched_update), predicate=spec.matched_predicate
            )
        if spec.insert_columns:
            merger = merger.when_not_matched_insert(
                updates={c: f"source.{quote(c)}" for c in spec.insert_columns}
            )
        return dict(merger.execute())

    def compact(self, ref: TableRef, *, min_files: int = 32) -> bool:
        """Rewrites a table of many small files (an ops log appended to by every model) into
        few; reads then open a handful of files instead of hundreds. One commit that
        changes no row (``dataChange = false``)."""
        table = self.table(ref)
        if len(table.file_uris()) < min_files:
            return False
        table.optimize.compact()
        return True

    def replace_keys(
        self,
        ref: TableRef,
        data: pa.Table,
        *,
        key: str,
        remove: Sequence[str] = (),
        app_transactions: Sequence[tuple[str, int]] = (),
    ) -> int:
        """Upserts ``data`` by ``key`` and deletes the ``remove`` keys it lacks, in one commit.

        A merge, not a predicate overwrite: replacing thousands of keys through a
        ``key IN (…)`` predicate costs seconds, the merge tens of milliseconds.
        Returns the new version.
        """
        import pyarrow as pa  # here, not at import: `lakehouse sql` must not pay for it

        columns = data.column_names
        removed = sorted(set(remove) - set(data.column(key).to_pylist()))
        flag = "__lakehouse_remove"
        upserts = data.append_column(flag, pa.repeat(pa.scalar(False), data.num_rows))
        deletes = pa.table(
            {
                c: pa.array(removed, data.schema.field(c).type)
                if c == key
                else pa.nulls(len(removed), data.schema.field(c).type)
                for c in columns
            }
        ).append_column(flag, pa.repeat(pa.scalar(True), len(removed)))
        source = pa.concat_tables([upserts, deletes.cast(upserts.schema)])
        commit = CommitProperties(
            app_transactions=[Transaction(app_id=a, version=v) for a, v in app_transactions]
        )
        k = quote(key)
        (
            self.table(ref)
            .merge(
                source=source,
                predicate=f"target.{k} = source.{k}",
                source_alias="source",
                target_alias="target",
                commit_properties=commit,
                writer_properties=writer_properties(),
            )
            .when_matched_delete(predicate=f"source.{flag}")
            .when_matched_update(
                updates={c: f"source.{quote(c)}" for c in columns},
                predicate=f"NOT source.{flag}",
            )
            .when_not_matched_insert(
                updates={c: f"source.{quote(c)}" for c in columns},
                predicate=f"NOT source.{flag}",
            )
            .execute()
        )
        return int(self.table(ref).version())

    def delete(self, ref: TableRef, predicate: str) -> None:
        if self.exists(ref):
            self.table(ref).delete(predicate)

    def history(self, ref: TableRef, limit: int | None = None) -> list[dict[str, Any]]:
        return list(self.table(ref).history(limit))

    def changes_since(self, ref: TableRef, version: int | None) -> ChangeKind:
        """What the commits after ``version`` did to the rows: ``none``, ``append`` (only
        added rows), ``update`` (merges that rewrote rows but deleted none) or ``delete``
        (rows removed or replaced, or the history is unknown: no version, a missing commit
        file, a table re-created with a lower version)."""
        current = self.version(ref)
        if version is None or current is None or current < version:
            return "delete"
        log = self.path(ref) / "_delta_log"
        found: ChangeKind = "none"
        for v in range(version + 1, current + 1):
            commit = log / f"{v:020d}.json"
            if not commit.is_file():
                return "delete"
            kind = commit_change(commit.read_text())
            if kind == "delete":
                return "delete"
            if kind == "update" or (kind == "append" and found == "none"):
                found = kind
        return found


ChangeKind = Literal["none", "append", "update", "delete"]


def commit_change(commit_json: str) -> ChangeKind:
    """The kind of row change one Delta commit (its JSON lines) made; see
    :meth:`Lakehouse.changes_since`. A merge that deleted no row is an ``update``; any
    other commit that removed data files (overwrite, delete, a merge without metrics) is a
    ``delete``."""
    removed = added = False
    info: dict[str, Any] = {}
    for line in commit_json.splitlines():
        if not line.strip():
            continue
        action = json.loads(line)
        if "remove" in action and action["remove"].get("dataChange", True):
            removed = True
        if "add" in action and action["add"].get("dataChange", True):
            added = True
        if "commitInfo" in action:
            info.update(action["commitInfo"])
    if not removed:
        return "append" if added else "none"
    metrics = info.get("operationMetrics") or {}
    deleted = metrics.get("num_target_rows_deleted", metrics.get("numTargetRowsDeleted"))
    if info.get("operation") == "MERGE" and deleted is not None and int(deleted) == 0:
        return "update"
    return "delete"


def quote(identifier: str) -> str:
    """Double-quotes an identifier for SQL (delta-rs predicates, DuckDB)."""
    return '"' + identifier.replace('"', '""') + '"'


def sql_string(value: str) -> str:
    """A single-quoted SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def delta_compatible(schema: pa.Schema) -> pa.Schema:
    """The schema Delta (and Spark) read back unchanged.

    Naive timestamps become UTC timestamps (Delta's ``timestamp``; ``timestamp_ntz`` needs a
    table feature not every reader has), views become plain strings.
    """
    import pyarrow as pa

    fields = []
    for f in schema:
        t = f.type
        if pa.types.is_timestamp(t):
            t = pa.timestamp("us", tz="UTC")
        elif pa.types.is_string_view(t) or pa.types.is_large_string(t):
            t = pa.string()
        elif pa.types.is_decimal(t) and t.scale == 0 and t.precision > 18:
            t = pa.int64()  # DuckDB HUGEINT sums of integers
        fields.append(pa.field(f.name, t, f.nullable))
    return pa.schema(fields)
