"""Spark engine over Spark Connect: a remote cluster (``SPARK_REMOTE``) or a local Sail server.

Models are written once in the DuckDB dialect; SQLGlot transpiles them to Spark SQL and
rewrites ``<layer>.<table>`` into ``delta.`<path>``` so no metastore is needed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from retail_lakehouse.engines.base import WriteMode
from retail_lakehouse.errors import EngineError, ModelError
from retail_lakehouse.storage import LAYERS, Lakehouse, MergeSpec, TableRef


def to_spark_sql(sql: str, lakehouse: Lakehouse) -> str:
    """Transpiles portable (DuckDB-dialect) SQL to Spark SQL reading Delta paths."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise ModelError(f"SQLGlot could not parse the query: {exc}") from exc
    for table in list(tree.find_all(exp.Table)):
        if table.db in LAYERS and not table.catalog:
            ref = TableRef(table.db, table.name)
            replacement = exp.Table(
                this=exp.to_identifier(lakehouse.uri(ref), quoted=True),
                db=exp.to_identifier("delta"),
                alias=table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(ref.name)),
            )
            table.replace(replacement)
    mark_subscripts_safe(tree)
    return tree.sql(dialect="spark")


def mark_subscripts_safe(tree: exp.Expr) -> None:
    """Makes DuckDB list subscripts (``products[line_position]``) mean the same on Spark.

    DuckDB's ``list[i]`` is 1-based and NULL when out of range. SQLGlot writes it to Spark as
    ``list[i]`` (0-based) and re-bases only literal or typed-integer indexes; Sail accepts a
    subscript only with a literal. Marked *safe*, SQLGlot writes ``TRY_ELEMENT_AT(list, i)``:
    1-based, NULL out of range, any index expression. Struct fields (``s['name']``) are left
    alone.
    """
    for bracket in tree.find_all(exp.Bracket):
        index = bracket.expressions[0] if len(bracket.expressions) == 1 else None
        if (
            index is None
            or isinstance(index, exp.Slice)
            or (isinstance(index, exp.Literal) and index.is_string)
        ):
            continue
        bracket.set("safe", True)


def to_spark_expression(expression: str) -> str:
    return sqlglot.transpile(expression, read="duckdb", write="spark")[0]


class SparkEngine:
    """Runs models through Spark Connect; starts a local Sail server when no remote is given."""

    name = "spark"

    def __init__(self, lakehouse: Lakehouse, *, remote: str | None = None) -> None:
        self.lakehouse = lakehouse
        self._server: Any = None
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise EngineError(
                "the Spark engine needs the 'spark' extra: pip install 'retail-lakehouse[spark]'."
            ) from exc
        if remote is None:
            remote = self._start_sail()
        try:
            self.spark = SparkSession.builder.remote(remote).getOrCreate()
            self.spark.conf.set("spark.sql.session.timeZone", "UTC")
        except Exception as exc:
            self._stop_server()
            raise EngineError(
                f"could not connect to Spark Connect at {remote}: {exc}. "
                "Check SPARK_REMOTE (sc://host:port) or unset it to use a local Sail server."
            ) from exc

    def _start_sail(self) -> str:
        try:
            from pysail.spark import SparkConnectServer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise EngineError(
                "no SPARK_REMOTE is set and pysail is not installed: "
                "pip install 'retail-lakehouse[spark]' or set SPARK_REMOTE=sc://host:port."
            ) from exc
        # Sail logs every session start and shutdown at INFO/WARN; keep the CLI output clean
        # unless the user asked for Rust logs explicitly.
        os.environ.setdefault("RUST_LOG", "error")
        self._server = SparkConnectServer(ip="127.0.0.1", port=0)
        self._server.start(background=True)
        host, port = self._server.listening_address
        return f"sc://{host}:{port}"

    def _stop_server(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def _sql(self, sql: str) -> Any:
        spark_sql = to_spark_sql(sql, self.lakehouse)
        try:
            return self.spark.sql(spark_sql)
        except Exception as exc:
            raise ModelError(f"Spark could not run the query: {exc}\n{spark_sql}") from exc

    def refresh(self, ref: TableRef | None = None) -> None:
        """Nothing to do: every query reads the latest Delta snapshot of its paths."""

    def columns(self, sql: str) -> list[str]:
        try:
            return list(self._sql(sql).columns)
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"Spark could not run the query: {exc}") from exc

    def key_hash(self, columns: Sequence[str]) -> str:
        # Spark's hash() is 32-bit: ~12 k chance collisions among 10 M keys; xxhash64 is not.
        return f"xxhash64({', '.join(columns)})"

    def query(self, sql: str) -> pa.Table:
        try:
            return self._sql(sql).toArrow()
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"Spark could not run the query: {exc}") from exc

    def _stage_path(self, name: str) -> Path:
        return self.lakehouse.home / "_staging" / f"{name}_{id(self):x}"

    def create_stage(self, name: str, sql: str) -> None:
        """Materializes the stage once (a temp view alone is recomputed by every query)."""
        path = str(self._stage_path(name))
        try:
            self._sql(sql).write.format("delta").mode("overwrite").save(path)
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"Spark could not run the query: {exc}") from exc
        self.spark.read.format("delta").load(path).createOrReplaceTempView(name)

    def create_stage_from_arrow(self, name: str, table: pa.Table) -> None:
        path = self._stage_path(name)
        self.lakehouse.write_path(path, table)
        self.spark.read.format("delta").load(str(path)).createOrReplaceTempView(name)

    def drop_stage(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)
        shutil.rmtree(self._stage_path(name), ignore_errors=True)

    def write(
        self,
        ref: TableRef,
        sql: str,
        *,
        mode: WriteMode,
        partition_by: Sequence[str] = (),
        cluster_by: Sequence[str] = (),
    ) -> int:
        frame = self._sql(sql)
        if cluster_by:
            frame = frame.sortWithinPartitions(*cluster_by)
        writer = frame.write.format("delta").mode(mode)
        if mode == "overwrite":
            writer = writer.option("overwriteSchema", "true")
        else:
            writer = writer.option("mergeSchema", "true")
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        try:
            writer.save(self.lakehouse.uri(ref))
        except Exception as exc:
            raise ModelError(f"Spark could not write {ref}: {exc}") from exc
        return self.lakehouse.version(ref) or 0

    def merge(self, ref: TableRef, source_sql: str, spec: MergeSpec) -> int:
        source = to_spark_sql(source_sql, self.lakehouse)
        path = self.lakehouse.uri(ref).replace("`", "``")
        clauses = []
        if spec.matched_update:
            sets = ", ".join(
                f"target.`{col}` = {to_spark_expression(value)}"
                for col, value in spec.matched_update.items()
            )
            condition = (
                f" AND {to_spark_expression(spec.matched_predicate)}"
                if spec.matched_predicate
                else ""
            )
            clauses.append(f"WHEN MATCHED{condition} THEN UPDATE SET {sets}")
        if spec.insert_columns:
            cols = ", ".join(f"`{c}`" for c in spec.insert_columns)
            values = ", ".join(f"source.`{c}`" for c in spec.insert_columns)
            clauses.append(f"WHEN NOT MATCHED THEN INSERT ({cols}) VALUES ({values})")
        statement = (
            f"MERGE INTO delta.`{path}` AS target USING ({source}) AS source "
            f"ON {to_spark_expression(spec.predicate)} " + " ".join(clauses)
        )
        try:
            self.spark.sql(statement).collect()
        except Exception as exc:
            raise ModelError(f"Spark could not merge into {ref}: {exc}") from exc
        return self.lakehouse.version(ref) or 0

    def close(self) -> None:
        try:
            self.spark.stop()
        finally:
            self._stop_server()
