"""The ``ops`` layer: run ledger, row ledger, ingest log, quarantine, DQ results, schema log.

``dq_results`` holds one row per expectation evaluated in a build; ``dq_tables`` one row per
table evaluated in a build (rows checked and valid, DQ time), from which the quality score
per layer is computed (see ``quality/report.py``).

Schemas are fixed here so every writer (bronze, runner, quality) appends the same shape.
Records are written by run-keyed append: a re-run adds its own rows, never duplicates.
Bronze's per-file records (quarantine, row ledger) replace the file's earlier rows instead,
so a run killed between two ops commits and re-run cannot hold a file twice.

``ingest_log`` columns added after the first release (``superseded_sha256``,
``date_formats``, ``size_bytes``, ``modified_at``) read as NULL from older lakehouses.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse.errors import LakehouseError
from retail_lakehouse.storage import Lakehouse, TableRef
from retail_lakehouse.storage.delta import sql_string

_TS = pa.timestamp("us", tz="UTC")

SCHEMAS: dict[str, pa.Schema] = {
    "runs": pa.schema(
        [
            ("run_id", pa.string()),
            ("table_name", pa.string()),
            ("engine", pa.string()),
            ("materialized", pa.string()),
            ("status", pa.string()),
            ("started_at", _TS),
            ("ended_at", _TS),
            ("duration_s", pa.float64()),
            ("rows_in", pa.int64()),
            ("rows_out", pa.int64()),
            ("delta_version", pa.int64()),
            ("fingerprint", pa.string()),
            ("message", pa.string()),
            ("build_mode", pa.string()),
            ("code_hash", pa.string()),
            ("input_versions", pa.string()),
            ("watermark", pa.string()),
        ]
    ),
    "row_ledger": pa.schema(
        [
            ("run_id", pa.string()),
            ("layer", pa.string()),
            ("table_name", pa.string()),
            ("source", pa.string()),
            ("rows_in", pa.int64()),
            ("rows_out", pa.int64()),
            ("rows_quarantined", pa.int64()),
            ("rows_dropped", pa.int64()),
            ("rows_new", pa.int64()),
            ("dropped_by_rule", pa.string()),
            ("table_version", pa.int64()),
            ("recorded_at", _TS),
        ]
    ),
    "ingest_log": pa.schema(
        [
            ("run_id", pa.string()),
            ("source", pa.string()),
            ("table_name", pa.string()),
            ("file", pa.string()),
            ("sha256", pa.string()),
            ("status", pa.string()),
            ("rows", pa.int64()),
            ("quarantined", pa.int64()),
            ("message", pa.string()),
            ("ingested_at", _TS),
            ("superseded_sha256", pa.string()),
            ("date_formats", pa.string()),
            ("size_bytes", pa.int64()),
            ("modified_at", _TS),
        ]
    ),
    "quarantine": pa.schema(
        [
            ("run_id", pa.string()),
            ("table_name", pa.string()),
            ("_source_file", pa.string()),
            ("_source_part", pa.string()),
            ("_source_line", pa.int64()),
            ("_rule", pa.string()),
            ("_reason", pa.string()),
            ("_run_id", pa.string()),
            ("_file_sha256", pa.string()),
            ("record", pa.string()),
            ("quarantined_at", _TS),
        ]
    ),
    "dq_results": pa.schema(
        [
            ("run_id", pa.string()),
            ("table_name", pa.string()),
            ("expectation", pa.string()),
            ("severity", pa.string()),
            ("failing_rows", pa.int64()),
            ("passed", pa.bool_()),
            ("sample", pa.string()),
            ("checked_at", _TS),
            # Added with the table-level kinds; older rows read these as NULL.
            ("kind", pa.string()),
            ("rows_checked", pa.int64()),
            ("observed", pa.string()),
            ("why", pa.string()),
        ]
    ),
    "dq_tables": pa.schema(
        [
            ("run_id", pa.string()),
            ("table_name", pa.string()),
            ("layer", pa.string()),
            ("rows_checked", pa.int64()),
            ("rows_valid", pa.int64()),
            ("rows_quarantined", pa.int64()),
            ("checks", pa.int64()),
            ("checks_failed", pa.int64()),
            ("dq_seconds", pa.float64()),
            ("checked_at", _TS),
        ]
    ),
    "schema_changes": pa.schema(
        [
            ("run_id", pa.string()),
            ("table_name", pa.string()),
            ("file", pa.string()),
            ("column_name", pa.string()),
            ("change", pa.string()),
            ("recorded_at", _TS),
        ]
    ),
}


def new_run_id(now: dt.datetime | None = None) -> str:
    """Sortable, unique run id: ``20261123T193800Z-1a2b3c4d``."""
    now = now or utc_now()
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ops_ref(name: str) -> TableRef:
    return TableRef("ops", name)


def to_table(name: str, records: Sequence[Mapping[str, Any]]) -> pa.Table:
    schema = SCHEMAS[name]
    return pa.Table.from_pylist([dict(r) for r in records], schema=schema)


def append(lakehouse: Lakehouse, name: str, records: Sequence[Mapping[str, Any]]) -> None:
    """Appends records to ``ops.<name>`` (creating it with its fixed schema)."""
    if not records and lakehouse.exists(ops_ref(name)):
        return
    lakehouse.write(ops_ref(name), to_table(name, records), mode="append")


def replace_for_files(
    lakehouse: Lakehouse,
    name: str,
    records: Sequence[Mapping[str, Any]],
    *,
    table_name: str,
    file_hashes: Sequence[str],
) -> None:
    """Replaces the rows of ``ops.<name>`` for these files of one table, in one commit."""
    ref = ops_ref(name)
    if not lakehouse.exists(ref):
        lakehouse.write(ref, to_table(name, records), mode="append")
        return
    if not file_hashes:
        return
    if not records and not has_rows(lakehouse, ref, table_name, set(file_hashes)):
        return  # nothing to add, nothing to replace: no empty commit
    hashes = ", ".join(sql_string(h) for h in sorted(set(file_hashes)))
    predicate = f"table_name = {sql_string(table_name)} AND _file_sha256 IN ({hashes})"
    lakehouse.write(ref, to_table(name, records), mode="overwrite", predicate=predicate)


def has_rows(
    lakehouse: Lakehouse, ref: TableRef, table_name: str, file_hashes: set[str] | None = None
) -> bool:
    """Whether ``ref`` holds rows of ``table_name`` (optionally of these files)."""
    condition = pc.field("table_name") == table_name
    if file_hashes is not None:
        condition &= pc.field("_file_sha256").isin(sorted(file_hashes))
    return bool(lakehouse.dataset(ref).count_rows(filter=condition))


class DamagedTable(LakehouseError):
    """A Delta table's log or data files cannot be read."""


def damage(exc: BaseException) -> str:
    """The first line of a storage error, short enough for a one-line message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 160 else text[:160] + "…"


def read(lakehouse: Lakehouse, name: str) -> pa.Table:
    """The whole ops table, or an empty table of its schema when it does not exist yet.

    Columns added to the schema later are filled with NULL; a damaged table raises
    :class:`DamagedTable` naming it and saying how to repair it.
    """
    ref = ops_ref(name)
    schema = SCHEMAS[name]
    try:
        if not lakehouse.exists(ref):
            return schema.empty_table()
        table = lakehouse.read(ref)
    except LakehouseError:
        raise
    except Exception as exc:  # DeltaError (gap or garbage in _delta_log), ArrowInvalid
        # (a truncated Parquet file), FileNotFoundError (a data file gone)
        raise DamagedTable(
            f"{ref} cannot be read ({damage(exc)}); move {lakehouse.path(ref)} aside, then "
            "run `lakehouse run` (bronze files are re-checked against landing) and "
            "`lakehouse check`."
        ) from exc
    for field in schema:
        if field.name not in table.column_names:
            table = table.append_column(field, pa.nulls(table.num_rows, field.type))
    return table


def replace_bronze_ledger(
    lakehouse: Lakehouse,
    records: Sequence[Mapping[str, Any]],
    *,
    files: Sequence[str],
    table_name: str | None = None,
) -> None:
    """Replaces the bronze row-ledger rows of these landing files (or, with ``table_name``,
    all of that table's), in one commit.

    A file's ledger row describes its current rows in bronze: a re-run after a kill, or a
    corrected re-delivery of the same path, replaces it rather than adding a second one.
    """
    ref = ops_ref("row_ledger")
    if not lakehouse.exists(ref):
        append(lakehouse, "row_ledger", records)
        return
    if table_name is not None:
        predicate = f"layer = 'bronze' AND table_name = {sql_string(table_name)}"
    elif files:
        names = ", ".join(sql_string(f) for f in sorted(set(files)))
        predicate = f"layer = 'bronze' AND source IN ({names})"
    else:
        return
    lakehouse.write(ref, to_table("row_ledger", records), mode="overwrite", predicate=predicate)


def replace_table_quarantine(
    lakehouse: Lakehouse, table_name: str, records: Sequence[Mapping[str, Any]], *, replace: bool
) -> None:
    """Quarantine of a model build: a full rebuild replaces the table's earlier rows."""
    ref = ops_ref("quarantine")
    if replace and lakehouse.exists(ref):
        if not records and not has_rows(lakehouse, ref, table_name):
            return
        lakehouse.write(
            ref,
            to_table("quarantine", records),
            mode="overwrite",
            predicate=f"table_name = {sql_string(table_name)}",
        )
    elif records:
        append(lakehouse, "quarantine", records)


def dq_result(
    *,
    run_id: str,
    table_name: str,
    expectation: str,
    kind: str,
    severity: str,
    failing_rows: int,
    passed: bool,
    rows_checked: int,
    observed: str = "",
    why: str = "",
    sample: str = "[]",
    checked_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """One ``ops.dq_results`` record: the verdict of one expectation in one build."""
    return {
        "run_id": run_id,
        "table_name": table_name,
        "expectation": expectation,
        "severity": severity,
        "failing_rows": failing_rows,
        "passed": passed,
        "sample": sample,
        "checked_at": checked_at or utc_now(),
        "kind": kind,
        "rows_checked": rows_checked,
        "observed": observed,
        "why": why,
    }


def dq_table(
    *,
    run_id: str,
    table_name: str,
    rows_checked: int,
    rows_valid: int,
    rows_quarantined: int,
    checks: int,
    checks_failed: int,
    dq_seconds: float,
    checked_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """One ``ops.dq_tables`` record: how many rows of one build passed every row-level check."""
    return {
        "run_id": run_id,
        "table_name": table_name,
        "layer": TableRef.parse(table_name).layer,
        "rows_checked": rows_checked,
        "rows_valid": rows_valid,
        "rows_quarantined": rows_quarantined,
        "checks": checks,
        "checks_failed": checks_failed,
        "dq_seconds": round(dq_seconds, 4),
        "checked_at": checked_at or utc_now(),
    }
