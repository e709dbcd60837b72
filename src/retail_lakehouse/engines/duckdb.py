"""DuckDB engine: Delta tables exposed as ``<layer>.<table>`` views over Arrow datasets.

DuckDB's own delta extension downloads itself at first use, which fails offline; delta-rs
datasets give the same filter and projection push-down without a download.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa

from retail_lakehouse.engines.base import WriteMode
from retail_lakehouse.errors import ModelError
from retail_lakehouse.settings import memory_bytes
from retail_lakehouse.storage import LAYERS, Lakehouse, MergeSpec, TableRef
from retail_lakehouse.storage.delta import (
    CLUSTERED_FILE_BYTES,
    delta_compatible,
    quote,
    sql_string,
)

_BATCH_ROWS = 8_192
"""Rows per Arrow batch handed from DuckDB to delta-rs: a few batches are in flight between
them, and a fact row is ~1.8 kB in Arrow (DECIMALs, repeated lineage strings). Writing the
1 M-row fact, 65 k-row batches held ~270 MB more than these and were slower (measured)."""


_MIN_WRITE_BYTES = 192 * 1024 * 1024
"""DuckDB's floor while delta-rs writes: sorting a clustered table's rows for the write needs
some memory of its own (128 MB failed on the 1 M-row fact). Never above the limit itself."""

_DISABLED_OPTIMIZERS = "build_side_probe_side"
"""The models join a large relation (first) to small ones (joined after it: dimensions, the
`touched` keys of an incremental run). DuckDB's build-side swap, trusting its estimates, hashed
the large side instead whenever it could not size the small one (a ``select distinct`` of the
new rows is estimated as large as the table): ``gold.int_customer_order`` with no new order
took 14.7 s on nine seeds instead of 0.15 s, and the models' queries of a full build 265 s
instead of 150 s (measured). The join order optimizer still runs."""


class DuckDBEngine:
    """In-process engine; one connection per run, never created at import time."""

    name = "duckdb"

    def __init__(
        self,
        lakehouse: Lakehouse,
        *,
        threads: int | None = None,
        memory_limit: str | None = None,
    ) -> None:
        """SQL typed by a person or sent by a client goes to ``engines.sandbox`` instead.
        ``memory_limit``: DuckDB's buffer limit; larger intermediate results spill to
        ``<home>/_tmp/duckdb``."""
        self.lakehouse = lakehouse
        self.memory_limit = memory_limit
        limit = memory_bytes(memory_limit) if memory_limit else None
        self._write_budget = min(limit, max(limit // 2, _MIN_WRITE_BYTES)) if limit else None
        """DuckDB's limit while delta-rs writes (see :meth:`_delta_rs_writing`)."""
        self._registered: dict[TableRef, tuple[int, int, int]] = {}
        config: dict[str, Any] = {
            "preserve_insertion_order": False,
            "disabled_optimizers": _DISABLED_OPTIMIZERS,
        }
        if threads:
            config["threads"] = threads
        if memory_limit:
            spill = lakehouse.home / "_tmp" / "duckdb"
            spill.mkdir(parents=True, exist_ok=True)
            config |= {"memory_limit": memory_limit, "temp_directory": str(spill)}
        self.con = duckdb.connect(config=config)
        self.con.execute("SET TimeZone = 'UTC'")
        for layer in LAYERS:
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
        self.refresh()

    def refresh(self, ref: TableRef | None = None) -> None:
        """Points each view at its table's latest version (only tables that changed)."""
        for table in [ref] if ref else self.lakehouse.tables():
            stamp = self.lakehouse.stamp(table)
            if stamp is None or self._registered.get(table) == stamp:
                continue
            self._registered[table] = stamp
            self.con.execute(
                f"CREATE OR REPLACE VIEW {table.layer}.{table.name} AS {self._scan(table)}"
            )

    def _scan(self, table: TableRef) -> str:
        """A SELECT of the table's rows in its Delta schema.

        DuckDB's own Parquet reader where the files are plain Parquet: it knows each file's
        row count, so joins build their hash table on the small side (over an Arrow dataset
        it estimates one row per table and may hash a million-row fact instead). Other
        tables (deletion vectors, partitions, no file, a damaged file) go through delta-rs."""
        source = f"__delta__{table.layer}__{table.name}"
        parquet = self._parquet_scan(table, source, self.lakehouse.arrow_schema(table))
        if parquet is not None:
            return parquet
        self.con.register(source, self.lakehouse.dataset(table))
        return f"SELECT * FROM {quote(source)}"

    def _parquet_scan(self, table: TableRef, source: str, schema: pa.Schema) -> str | None:
        """``read_parquet`` over the table's files, every column cast to the table's type
        (columns the table gained later are NULL in older files); None when the files are
        not plain Parquet, there are none, or a footer cannot be read — the dataset fails
        only when read, so a run that rebuilds a damaged table (the repair `lakehouse
        check` names) can still open the lakehouse."""
        files = self.lakehouse.parquet_files(table)
        if not files:
            return None
        listing = ", ".join(sql_string(file) for file in files)
        scan = f"read_parquet([{listing}], union_by_name = true)"
        try:  # reads the files' footers
            found = self.con.sql(f"SELECT * FROM {scan}")
        except duckdb.Error:
            return None
        found_types = dict(zip(found.columns, found.types, strict=True))
        self.con.register(source, schema.empty_table())
        wanted = self.con.table(source)
        columns = []
        for name, kind in zip(wanted.columns, wanted.types, strict=True):
            column = quote(name)
            if found_types.get(name) == kind:
                columns.append(column)
            elif name in found_types:
                columns.append(f"CAST({column} AS {kind}) AS {column}")
            else:
                columns.append(f"CAST(NULL AS {kind}) AS {column}")
        return f"SELECT {', '.join(columns)} FROM {scan}"

    def query(self, sql: str) -> pa.Table:
        try:
            return self.con.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            raise self._query_error(exc) from exc

    def columns(self, sql: str) -> list[str]:
        try:  # binds the query only; a LIMIT 0 query still plans and starts every scan
            return list(self.con.sql(sql).columns)
        except duckdb.Error as exc:
            raise self._query_error(exc) from exc

    def key_hash(self, columns: Sequence[str]) -> str:
        return f"hash({', '.join(columns)})"

    def create_stage(self, name: str, sql: str) -> None:
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(name)} AS {sql}")
        except duckdb.Error as exc:
            raise self._query_error(exc) from exc

    def create_stage_from_arrow(self, name: str, table: pa.Table) -> None:
        self.con.register("__arrow_stage", table)
        try:
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE {quote(name)} AS SELECT * FROM __arrow_stage"
            )
        finally:
            self.con.unregister("__arrow_stage")

    def drop_stage(self, name: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {quote(name)}")

    def _reader(self, sql: str) -> pa.RecordBatchReader:
        try:
            reader = self.con.sql(sql).to_arrow_reader(_BATCH_ROWS)
        except duckdb.Error as exc:
            raise self._query_error(exc) from exc
        target = delta_compatible(reader.schema)
        return reader if target == reader.schema else reader.cast(target)

    @contextmanager
    def _delta_rs_writing(self) -> Iterator[None]:
        """DuckDB keeps to half its limit while delta-rs writes what it produces: the
        writer's own buffers (~300 MB writing the 1 M-row fact) are outside DuckDB's
        accounting, and the stage it reads can wait on disk. Full scale, the fact's build
        peaked at 965 MB with the whole limit and 734 MB with half, in the same time."""
        if self._write_budget is None:
            yield
            return
        self.con.execute(f"SET memory_limit = '{self._write_budget}B'")
        try:
            yield
        finally:
            self.con.execute(f"SET memory_limit = {sql_string(self.memory_limit or '')}")

    def write(
        self,
        ref: TableRef,
        sql: str,
        *,
        mode: WriteMode,
        partition_by: Sequence[str] = (),
        cluster_by: Sequence[str] = (),
    ) -> int:
        if cluster_by:
            order = ", ".join(f"{quote(c)} NULLS LAST" for c in cluster_by)
            sql = f"SELECT * FROM ({sql}) AS clustered ORDER BY {order}"
        with self._delta_rs_writing():
            version = self.lakehouse.write(
                ref,
                self._reader(sql),
                mode=mode,
                partition_by=partition_by,
                target_file_size=CLUSTERED_FILE_BYTES if cluster_by else None,
            )
        self.refresh(ref)
        return version

    def merge(self, ref: TableRef, source_sql: str, spec: MergeSpec) -> int:
        # Streamed: delta-rs consumes the record batches as DuckDB produces them; the
        # reader is closed after, or DuckDB keeps the connection busy with its result.
        with self._delta_rs_writing():
            reader = self._reader(source_sql)
            try:
                self.lakehouse.merge(ref, reader, spec)
            finally:
                reader.close()
        self.refresh(ref)
        return self.lakehouse.version(ref) or 0

    def _query_error(self, exc: duckdb.Error) -> ModelError:
        if isinstance(exc, duckdb.OutOfMemoryException):
            limit = self.memory_limit or "80% of RAM"
            first_line = str(exc).splitlines()[0]
            return ModelError(
                f"DuckDB ran out of memory ({limit}) and could not spill this query to disk: "
                f"{first_line}. Raise LAKEHOUSE_MEMORY_LIMIT (e.g. 4GB) and run again."
            )
        return ModelError(f"DuckDB could not run the query: {exc}")

    def close(self) -> None:
        self.con.close()
