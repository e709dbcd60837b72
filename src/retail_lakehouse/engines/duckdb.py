"""DuckDB engine: Delta tables exposed as ``<layer>.<table>`` views over Arrow datasets.

DuckDB's own delta extension downloads itself at first use, which fails offline; delta-rs
datasets give the same filter and projection push-down without a download.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from retail_lakehouse.engines.base import WriteMode
from retail_lakehouse.errors import ModelError
from retail_lakehouse.storage import LAYERS, Lakehouse, MergeSpec, TableRef
from retail_lakehouse.storage.delta import delta_compatible, quote

_BATCH_ROWS = 250_000


class DuckDBEngine:
    """In-process engine; one connection per run, never created at import time."""

    name = "duckdb"

    def __init__(self, lakehouse: Lakehouse, *, threads: int | None = None) -> None:
        """SQL typed by a person or sent by a client goes to ``engines.sandbox`` instead."""
        self.lakehouse = lakehouse
        self.con = duckdb.connect(config={"threads": threads} if threads else {})
        self.con.execute("SET TimeZone = 'UTC'")
        for layer in LAYERS:
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
        self.refresh()

    def refresh(self, ref: TableRef | None = None) -> None:
        for table in [ref] if ref else self.lakehouse.tables():
            if not self.lakehouse.exists(table):
                continue
            source = f"__delta__{table.layer}__{table.name}"
            self.con.register(source, self.lakehouse.dataset(table))
            self.con.execute(
                f"CREATE OR REPLACE VIEW {table.layer}.{table.name} AS "
                f"SELECT * FROM {quote(source)}"
            )

    def query(self, sql: str) -> pa.Table:
        try:
            return self.con.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            raise ModelError(f"DuckDB could not run the query: {exc}") from exc

    def create_stage(self, name: str, sql: str) -> None:
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(name)} AS {sql}")
        except duckdb.Error as exc:
            raise ModelError(f"DuckDB could not run the query: {exc}") from exc

    def drop_stage(self, name: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {quote(name)}")

    def _reader(self, sql: str) -> pa.RecordBatchReader:
        try:
            reader = self.con.sql(sql).to_arrow_reader(_BATCH_ROWS)
        except duckdb.Error as exc:
            raise ModelError(f"DuckDB could not run the query: {exc}") from exc
        target = delta_compatible(reader.schema)
        return reader if target == reader.schema else reader.cast(target)

    def write(
        self,
        ref: TableRef,
        sql: str,
        *,
        mode: WriteMode,
        partition_by: Sequence[str] = (),
    ) -> int:
        version = self.lakehouse.write(ref, self._reader(sql), mode=mode, partition_by=partition_by)
        self.refresh(ref)
        return version

    def merge(self, ref: TableRef, source_sql: str, spec: MergeSpec) -> int:
        source = self._reader(source_sql).read_all()
        self.lakehouse.merge(ref, source, spec)
        self.refresh(ref)
        return self.lakehouse.version(ref) or 0

    def close(self) -> None:
        self.con.close()
