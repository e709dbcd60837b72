"""Publish every gold table into one DuckDB file readers open with a plain DuckDB client.

The runner calls :func:`publish_serving_db` after a run. The file is written next to its
final place and renamed over it, so a reader never opens a half-written database; a reader
that has the previous file open keeps reading it until it reconnects.

Each served table's comment names the Delta state it was copied from, so a publish copies
only the tables that changed since the last one (a run that touched three small gold tables
does not rewrite the large ones) and drops the tables that no longer exist.

>>> # import duckdb; duckdb.connect("lakehouse/serve/lakehouse.duckdb", read_only=True)
>>> # .sql("select * from gold.sales_daily limit 5")
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from retail_lakehouse.storage import Lakehouse, TableRef
from retail_lakehouse.storage.delta import quote, sql_string

SERVE_DIR = "serve"
SERVE_FILE = "lakehouse.duckdb"
_STATE = "Delta state "
"""Prefix of a served table's comment: ``Delta state <version>:<mtime>:<log files>``."""


def serving_path(lakehouse: Lakehouse) -> Path:
    """Where the served database lives: ``$LAKEHOUSE_HOME/serve/lakehouse.duckdb``."""
    return lakehouse.home / SERVE_DIR / SERVE_FILE


def delta_state(lakehouse: Lakehouse, ref: TableRef) -> str:
    """The comment of a table copied from ``ref`` in its current state."""
    stamp = lakehouse.stamp(ref)
    return _STATE + ":".join(map(str, stamp or ()))


def served_states(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """``(schema, table)`` → comment of every table in the served file."""
    rows = con.execute(
        "select schema_name, table_name, coalesce(comment, '') from duckdb_tables()"
    ).fetchall()
    return {(schema, table): comment for schema, table, comment in rows}


def open_copy(target: Path, temp: Path) -> duckdb.DuckDBPyConnection:
    """The served file copied to ``temp`` and opened; a fresh file when there is none or
    the old one cannot be opened (then every table is copied)."""
    temp.unlink(missing_ok=True)
    if target.exists():
        shutil.copyfile(target, temp)
        try:
            return duckdb.connect(str(temp))
        except duckdb.Error:
            temp.unlink(missing_ok=True)
    return duckdb.connect(str(temp))


def publish_serving_db(lakehouse: Lakehouse, *, layers: tuple[str, ...] = ("gold",)) -> Path:
    """Brings the served DuckDB file up to date with every table of ``layers`` (as
    ``<layer>.<table>``) in a temp copy renamed over it, and returns its path."""
    target = serving_path(lakehouse)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    con = open_copy(target, temp)
    try:
        served = served_states(con)
        for layer in layers:
            con.execute(f"create schema if not exists {quote(layer)}")
            current = {ref.name: ref for ref in lakehouse.tables(layer)}
            for schema, name in served:
                if schema == layer and name not in current:
                    con.execute(f"drop table {quote(layer)}.{quote(name)}")
            for name, ref in current.items():
                state = delta_state(lakehouse, ref)
                if served.get((layer, name)) == state:
                    continue
                qualified = f"{quote(layer)}.{quote(name)}"
                con.register("__source", lakehouse.dataset(ref))
                con.execute(f"create or replace table {qualified} as select * from __source")
                con.unregister("__source")
                con.execute(f"comment on table {qualified} is {sql_string(state)}")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        temp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(temp, target)
    return target
