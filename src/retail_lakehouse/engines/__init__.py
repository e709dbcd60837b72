"""Execution engines: the only code that talks to DuckDB or Spark."""

from __future__ import annotations

from retail_lakehouse.engines.base import Engine, WriteMode
from retail_lakehouse.errors import ConfigError
from retail_lakehouse.storage import Lakehouse


def open_engine(
    name: str,
    lakehouse: Lakehouse,
    *,
    spark_remote: str | None = None,
    memory_limit: str | None = None,
) -> Engine:
    """Opens the engine ``name`` ("duckdb" or "spark") over ``lakehouse``.

    ``memory_limit`` (DuckDB, e.g. ``"1GB"``) bounds the engine's memory; past it DuckDB
    spills to ``<home>/_tmp/duckdb``.
    """
    if name == "duckdb":
        from retail_lakehouse.engines.duckdb import DuckDBEngine

        return DuckDBEngine(lakehouse, memory_limit=memory_limit)
    if name == "spark":
        from retail_lakehouse.engines.spark import SparkEngine

        return SparkEngine(lakehouse, remote=spark_remote)
    raise ConfigError(f"unknown engine {name!r}: use duckdb or spark.")


__all__ = ["Engine", "WriteMode", "open_engine"]
