"""Paths, reads and atomic writes of the lakehouse's Delta tables.

Every write is one Delta commit, so a killed run never leaves a half-written table visible.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake
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


@dataclass
class Lakehouse:
    """The lakehouse root: one Delta table per ``<layer>/<table>`` folder."""

    home: Path

    def path(self, ref: TableRef) -> Path:
        return self.home / ref.layer / ref.name

    def uri(self, ref: TableRef) -> str:
        return str(self.path(ref))

    def exists(self, ref: TableRef) -> bool:
        return DeltaTable.is_deltatable(self.uri(ref))

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
        try:
            return DeltaTable(self.uri(ref))
        except TableNotFoundError as exc:
            raise ConfigError(
                f"table {ref} does not exist yet: run `lakehouse run` first."
            ) from exc

    def version(self, ref: TableRef) -> int | None:
        """Current Delta version, or None when the table does not exist."""
        if not self.exists(ref):
            return None
        return int(self.table(ref).version())

    def dataset(self, ref: TableRef) -> ds.Dataset:
        return self.table(ref).to_pyarrow_dataset()

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
    ) -> int:
        """Writes ``data`` in one commit and returns the new version.

        ``mode`` is stated by every caller (no accidental appends). ``overwrite`` with a
        ``predicate`` replaces only the matching rows (idempotent re-loads of one file).
        New columns are merged into the schema on append and predicate overwrite.
        """
        path = self.path(ref)
        path.parent.mkdir(parents=True, exist_ok=True)
        schema_mode: Literal["merge", "overwrite"] = (
            "overwrite" if mode == "overwrite" and predicate is None else "merge"
        )
        commit = None
        if app_transaction is not None:
            app_id, version = app_transaction
            commit = CommitProperties(
                app_transactions=[Transaction(app_id=app_id, version=version)]
            )
        write_deltalake(  # type: ignore[misc]
            str(path),
            data,
            mode=mode,  # type: ignore[arg-type]
            predicate=predicate,
            partition_by=list(partition_by) if partition_by else None,
            schema_mode=schema_mode if self.exists(ref) else None,
            commit_properties=commit,
        )
        return int(DeltaTable(str(path)).version())

    def merge(self, ref: TableRef, source: ArrowData, spec: MergeSpec) -> dict[str, Any]:
        """Runs ``spec`` against the table; returns delta-rs merge metrics."""
        merger = self.table(ref).merge(
            source=source,
            predicate=spec.predicate,
            source_alias="source",
            target_alias="target",
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

    def delete(self, ref: TableRef, predicate: str) -> None:
        if self.exists(ref):
            self.table(ref).delete(predicate)

    def history(self, ref: TableRef, limit: int | None = None) -> list[dict[str, Any]]:
        return list(self.table(ref).history(limit))


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
