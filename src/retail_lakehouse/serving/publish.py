"""Publish every gold table into one DuckDB file readers open with a plain DuckDB client.

The runner calls :func:`publish_serving_db` after a run. The file is written next to its
final place and renamed over it, so a reader never opens a half-written database; a reader
that has the previous file open keeps reading it until it reconnects.

>>> # import duckdb; duckdb.connect("lakehouse/serve/lakehouse.duckdb", read_only=True)
>>> # .sql("select * from gold.sales_daily limit 5")
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from retail_lakehouse.storage import Lakehouse
from retail_lakehouse.storage.delta import quote

SERVE_DIR = "serve"
SERVE_FILE = "lakehouse.duckdb"


def serving_path(lakehouse: Lakehouse) -> Path:
    """Where the served database lives: ``$LAKEHOUSE_HOME/serve/lakehouse.duckdb``."""
    return lakehouse.home / SERVE_DIR / SERVE_FILE


def publish_serving_db(lakehouse: Lakehouse, *, layers: tuple[str, ...] = ("gold",)) -> Path:
    """Writes every table of ``layers`` as ``<layer>.<table>`` into the served DuckDB file
    (temp file, then atomic rename) and returns its path."""
    target = serving_path(lakehouse)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temp.unlink(missing_ok=True)
    con = duckdb.connect(str(temp))
    try:
        for layer in layers:
            con.execute(f"create schema if not exists {layer}")
            for ref in lakehouse.tables(layer):
                con.register("__source", lakehouse.dataset(ref))
                con.execute(f"create table {layer}.{quote(ref.name)} as select * from __source")
                con.unregister("__source")
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(temp, target)
    return target
