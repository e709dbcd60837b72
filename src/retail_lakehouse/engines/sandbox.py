"""Read-only DuckDB for SQL typed by a person (``lakehouse sql``).

The query sees the lakehouse tables it names, as ``<layer>.<table>`` views, and nothing else:
no file or directory (not even a spill folder), no network, no extension loading, settings
locked; it is stopped past a time limit and a memory cap, and a row limit is applied inside
the query so a ``--limit`` never materialises the whole result.

Start-up cost is the point of the design (``lakehouse sql`` should answer in ≈ 0.3 s):
DuckDB's own parser finds the tables (no SQLGlot import, ≈ 0.25 s) and a plain Delta table is
read by DuckDB straight from the data files its Delta log lists (no pyarrow import, ≈ 0.5 s
here, because pyarrow's dataset module pulls in pandas). Those files are the only paths the
sandbox may open. Tables a plain Parquet scan would misread (partitioned, deletion vectors,
column mapping) are read through delta-rs' Arrow dataset instead.
"""

from __future__ import annotations

import difflib
import json
import queue
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from retail_lakehouse.errors import ConfigError, QueryError, QueryLimitExceeded
from retail_lakehouse.storage import LAYERS, Lakehouse, TableRef
from retail_lakehouse.storage.delta import quote, sql_string

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_LIMIT = "1GB"
_BATCH_ROWS = 10_000
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)$", re.IGNORECASE)
_MISSING_TABLE = re.compile(r'Table with name "?([^"\s!]+)"? does not exist')
# Delta primitive types → DuckDB, to give an empty table its columns without reading a file.
_DUCKDB_TYPES = {
    "string": "VARCHAR",
    "long": "BIGINT",
    "integer": "INTEGER",
    "short": "SMALLINT",
    "byte": "TINYINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "binary": "BLOB",
    "date": "DATE",
    "timestamp": "TIMESTAMPTZ",
    "timestamp_ntz": "TIMESTAMP",
}


@dataclass(frozen=True)
class QueryLimits:
    """How long and how much memory one query may use.

    >>> QueryLimits(timeout_s=5, memory_limit="256MB").memory_limit
    '256MB'
    """

    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_limit: str = DEFAULT_MEMORY_LIMIT

    def __post_init__(self) -> None:
        if not self.timeout_s > 0:
            raise ConfigError(f"--timeout {self.timeout_s:g} must be a positive number of seconds.")
        if not _MEMORY.match(self.memory_limit.strip()):
            raise ConfigError(
                f"--memory-limit {self.memory_limit!r} is not a size: write e.g. 512MB or 2GB."
            )


@dataclass
class QueryResult:
    """Column names and DuckDB types, then the rows a batch at a time (read them once)."""

    columns: list[str]
    types: list[str]
    batches: Iterator[list[tuple[Any, ...]]] = field(repr=False)


@contextmanager
def sandboxed_query(
    lakehouse: Lakehouse,
    query: str,
    *,
    max_rows: int | None = None,
    limits: QueryLimits = QueryLimits(),
) -> Iterator[QueryResult]:
    """Runs one SELECT over the lakehouse's tables, read-only; yields its result.

    >>> with sandboxed_query(Lakehouse(home), "select count(*) as n from gold.sales_daily") as r:
    ...     r.columns, [row for batch in r.batches for row in batch]      # doctest: +SKIP
    (['n'], [(836,)])
    """
    con = duckdb.connect(
        config={
            "memory_limit": limits.memory_limit.strip(),
            # No spill folder: DuckDB's default one (``.tmp`` in the current directory) is a
            # directory queries may read and list even with external access disabled.
            "temp_directory": "",
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
    )
    worker: list[threading.Thread] = []
    try:
        con.execute("SET TimeZone = 'UTC'")
        statement = single_select(con, query)
        allowed: list[str] = []
        for layer in LAYERS:
            con.execute(f"CREATE SCHEMA {layer}")
        refs = referenced_tables(con, query, lakehouse)
        for ref in refs:
            try:
                allowed += _register(con, lakehouse, ref)
            except Exception as exc:  # a log that cannot be opened (DeltaError, ...)
                raise damaged_table(lakehouse, [ref]) or exc from exc
        if allowed:
            con.execute("SET allowed_paths = ?", [allowed])
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        if max_rows is not None:
            statement = f"SELECT * FROM (\n{statement}\n) LIMIT {int(max_rows)}"
        yield _execute(con, statement, lakehouse, refs, limits, worker)
    finally:
        for thread in worker:
            if thread.is_alive():  # stopped early (time limit, Ctrl-C, an error printing)
                con.interrupt()
                thread.join()
        con.close()


def single_select(con: duckdb.DuckDBPyConnection, query: str) -> str:
    """``query`` without its trailing semicolons, if it is exactly one SELECT; else raises a
    QueryError saying where the syntax breaks or what is refused."""
    tree = _parse(con, query)
    if tree.get("error"):
        message = str(tree.get("error_message", "cannot parse"))
        if tree.get("error_type") == "parser":
            where = _line_column(query, int(tree.get("position", 0)))
            raise QueryError(f"the query does not parse: {message} ({where}).")
        raise QueryError(
            "lakehouse sql runs exactly one SELECT (or WITH … SELECT); "
            "it never writes, attaches, copies or changes settings."
        )
    if len(tree["statements"]) != 1:
        raise QueryError("lakehouse sql runs exactly one SELECT statement; give one.")
    cut = len(query)
    for position, kind in reversed(duckdb.tokenize(query)):
        if kind == duckdb.token_type.comment:
            continue
        if kind == duckdb.token_type.operator and query[position] == ";":
            cut = position
            continue
        break
    return query[:cut]


def referenced_tables(
    con: duckdb.DuckDBPyConnection, query: str, lakehouse: Lakehouse
) -> list[TableRef]:
    """The lakehouse tables ``query`` names; unknown ones raise a QueryError naming what
    exists. Unqualified names (CTEs) are left to DuckDB."""
    found: set[TableRef] = set()
    for catalog, schema, name in _base_tables(_parse(con, query)):
        if not schema:
            continue
        qualified = ".".join(part for part in (catalog, schema, name) if part)
        if catalog or schema.lower() not in LAYERS:
            raise QueryError(
                f"{qualified} is not a lakehouse table: write <layer>.<table> with a layer "
                f"among {', '.join(LAYERS)}."
            )
        try:
            ref = TableRef(schema.lower(), name.lower())
        except ConfigError:
            raise missing_table(lakehouse, qualified) from None
        if not lakehouse.exists(ref):
            if (lakehouse.path(ref) / "_delta_log").is_dir():
                raise damaged_table(lakehouse, [ref]) or missing_table(lakehouse, qualified)
            raise missing_table(lakehouse, qualified)
        found.add(ref)
    return sorted(found)


def damaged_table(lakehouse: Lakehouse, refs: Sequence[TableRef]) -> QueryError | None:
    """The error naming the first of ``refs`` that cannot be read (a commit or data file
    missing or cut short) and how to repair it, as ``lakehouse check`` says it; None when
    they all read. Only asked after a failure: it reads every data file's footer."""
    from retail_lakehouse.checks import damaged, table_damage  # pyarrow: the error path only

    for ref in refs:
        reason = table_damage(lakehouse, ref)
        if reason is not None:
            return QueryError(damaged(lakehouse, ref, reason))
    return None


def missing_table(lakehouse: Lakehouse, wanted: str) -> QueryError:
    """The error for a table that does not exist: what does, and the nearest name."""
    existing = [str(ref) for ref in lakehouse.tables()]
    if not existing:
        return QueryError(
            f"{wanted} does not exist: the lakehouse at {lakehouse.home} has no tables yet; "
            "run `lakehouse run` (or `lakehouse demo`) first."
        )
    wanted = wanted.lower()
    by_name = {ref.partition(".")[2]: ref for ref in existing}
    close = difflib.get_close_matches(wanted, existing, n=3, cutoff=0.6) or [
        by_name[name]
        for name in difflib.get_close_matches(wanted.rpartition(".")[2], by_name, n=3, cutoff=0.6)
    ]
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    layer = wanted.partition(".")[0] if "." in wanted else "gold"
    same_layer = [ref for ref in existing if ref.startswith(layer + ".")] or existing
    listed = ", ".join(same_layer[:12]) + (", …" if len(same_layer) > 12 else "")
    return QueryError(
        f"{wanted} does not exist; {hint}tables: {listed} (`lakehouse tables` lists them all)."
    )


def _parse(con: duckdb.DuckDBPyConnection, query: str) -> dict[str, Any]:
    row = con.execute("SELECT json_serialize_sql(?)", [query]).fetchone()
    tree: dict[str, Any] = json.loads(row[0]) if row else {"error": True}
    return tree


def _base_tables(node: Any) -> Iterator[tuple[str, str, str]]:
    if isinstance(node, dict):
        if node.get("type") == "BASE_TABLE":
            yield node.get("catalog_name", ""), node.get("schema_name", ""), node["table_name"]
        for value in node.values():
            yield from _base_tables(value)
    elif isinstance(node, list):
        for value in node:
            yield from _base_tables(value)


def _line_column(text: str, position: int) -> str:
    before = text[:position]
    return f"line {before.count(chr(10)) + 1}, column {position - before.rfind(chr(10))}"


def _register(con: duckdb.DuckDBPyConnection, lakehouse: Lakehouse, ref: TableRef) -> list[str]:
    """Creates the view ``<layer>.<table>``; returns the files the sandbox must let it read."""
    table = lakehouse.table(ref)
    fields = table.schema().fields
    files: list[str] = list(table.file_uris())
    view = f"{ref.layer}.{ref.name}"
    if _plain_parquet(table) and all(Path(f).is_absolute() for f in files):
        if files:
            columns = ", ".join(quote(f.name) for f in fields)
            listed = ", ".join(sql_string(f) for f in files)
            try:
                con.execute(
                    f"CREATE VIEW {view} AS SELECT {columns} "
                    f"FROM read_parquet([{listed}], union_by_name = true)"
                )
                return files
            except duckdb.Error:
                pass  # e.g. a column no data file holds yet: delta-rs fills it in below
        else:
            types = [_duckdb_type(f.type) for f in fields]
            if all(types):
                columns = ", ".join(
                    f"CAST(NULL AS {t}) AS {quote(f.name)}"
                    for f, t in zip(fields, types, strict=True)
                )
                con.execute(f"CREATE VIEW {view} AS SELECT {columns} WHERE false")
                return []
    source = f"__delta__{ref.layer}__{ref.name}"
    con.register(source, lakehouse.dataset(ref))
    con.execute(f"CREATE VIEW {view} AS SELECT * FROM {quote(source)}")
    return []


def _duckdb_type(delta_type: Any) -> str | None:
    """The DuckDB type of a Delta primitive type; None for nested types."""
    name = str(getattr(delta_type, "type", ""))
    return _DUCKDB_TYPES.get(name) or (name.upper() if name.startswith("decimal(") else None)


def _plain_parquet(table: Any) -> bool:
    """Whether the table's rows are exactly the rows of its listed Parquet files."""
    protocol = table.protocol()
    features = set(protocol.reader_features or ())
    readable = protocol.min_reader_version == 1 or features <= {"timestampNtz"}
    return readable and not table.metadata().partition_columns


def _execute(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    lakehouse: Lakehouse,
    refs: Sequence[TableRef],
    limits: QueryLimits,
    worker: list[threading.Thread],
) -> QueryResult:
    """Runs ``sql`` in a worker thread, so the main thread can stop it: at the time limit,
    or on Ctrl-C (a running DuckDB query does not see Python's SIGINT by itself)."""
    results: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> None:
        while not stop.is_set():  # a reader that went away must not block the worker
            try:
                results.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def work() -> None:
        try:
            cursor = con.execute(sql)
            put(("columns", cursor.description or []))
            while not stop.is_set() and (batch := cursor.fetchmany(_BATCH_ROWS)):
                put(("rows", batch))
            put(("end", None))
        except BaseException as exc:  # handed to the main thread, which raises it
            put(("error", exc))

    thread = threading.Thread(target=work, name="lakehouse-sql", daemon=True)
    worker.append(thread)
    thread.start()
    budget = [limits.timeout_s]

    def receive() -> tuple[str, Any]:
        started = time.monotonic()
        try:
            # Short waits: a Ctrl-C the OS hands to a DuckDB thread only reaches Python
            # between two waits of the main thread, not during one.
            while True:
                remaining = budget[0] - (time.monotonic() - started)
                if remaining <= 0:
                    stop.set()
                    raise QueryLimitExceeded(
                        f"the query ran longer than {limits.timeout_s:g} s and was stopped: "
                        "narrow it (filter, aggregate, --limit) or raise --timeout."
                    )
                try:
                    kind, payload = results.get(timeout=min(remaining, 0.1))
                    break
                except queue.Empty:
                    continue
        except KeyboardInterrupt:
            stop.set()
            raise
        budget[0] -= time.monotonic() - started  # time spent printing is not the query's
        if kind == "error":
            raise _query_error(payload, lakehouse, refs, limits) from payload
        return kind, payload

    _, description = receive()

    def batches() -> Iterator[list[tuple[Any, ...]]]:
        while True:
            kind, payload = receive()
            if kind == "end":
                return
            yield payload

    return QueryResult(
        columns=[d[0] for d in description],
        types=[str(d[1]) for d in description],
        batches=batches(),
    )


def _query_error(
    exc: BaseException, lakehouse: Lakehouse, refs: Sequence[TableRef], limits: QueryLimits
) -> BaseException:
    if isinstance(exc, duckdb.InterruptException):
        return KeyboardInterrupt()
    if isinstance(exc, duckdb.OutOfMemoryException):
        return QueryLimitExceeded(
            f"the query needs more than {limits.memory_limit} of memory and was stopped: "
            "aggregate or filter more, or raise --memory-limit."
        )
    if isinstance(exc, duckdb.PermissionException):
        return QueryError(
            "lakehouse sql reads the lakehouse tables only: files, directories, the network "
            "and settings are not permitted."
        )
    if not isinstance(exc, duckdb.Error):
        return exc
    if isinstance(exc, duckdb.IOException | duckdb.InvalidInputException):
        # A data file missing or cut short: name the table and its repair, not Arrow's words.
        found = damaged_table(lakehouse, refs)
        if found is not None:
            return found
    missing = _MISSING_TABLE.search(str(exc))
    if isinstance(exc, duckdb.CatalogException) and missing:
        return missing_table(lakehouse, missing.group(1))
    return QueryError(one_line(str(exc)))


def one_line(message: str) -> str:
    """DuckDB's message without the echoed query and caret: its first paragraph, one line.

    >>> one_line('Binder Error: Referenced column "x" not found!\\n\\nLINE 1: select x\\n ^')
    'Binder Error: Referenced column "x" not found!'
    """
    head = message.split("\nLINE ")[0]
    return " ".join(line.strip() for line in head.splitlines() if line.strip())


__all__: Sequence[str] = (
    "DEFAULT_MEMORY_LIMIT",
    "DEFAULT_TIMEOUT_S",
    "QueryLimits",
    "QueryResult",
    "sandboxed_query",
)
