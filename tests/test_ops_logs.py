"""The ops tables are logs every model of every run appends to: their Delta logs stay
short, and a run reads only what it needs of them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from retail_lakehouse import ops
from retail_lakehouse.runner.run import last_builds
from retail_lakehouse.storage import Lakehouse, TableRef
from retail_lakehouse.storage import delta as storage_delta

RUNS = TableRef("ops", "runs")


def a_run_record(n: int) -> dict[str, object]:
    return {"run_id": f"run-{n:03d}", "table_name": "silver.t", "status": "success"}


def commit_files(lakehouse: Lakehouse, ref: TableRef) -> list[str]:
    log = lakehouse.path(ref) / "_delta_log"
    return sorted(p.name for p in Path(log).glob("*.json"))


def test_an_ops_log_keeps_a_checkpoint_instead_of_every_commit(
    lakehouse: Lakehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commits older than the retention are folded into a checkpoint every 10 commits:
    the log holds at most ~10 commit files however many runs appended, every row is kept,
    and so is a stream consumer's offset committed with the first rows."""
    monkeypatch.setitem(
        storage_delta.LOG_PROPERTIES, "delta.logRetentionDuration", "interval 0 seconds"
    )
    lakehouse.write(
        RUNS, ops.to_table("runs", [a_run_record(0)]), mode="append", app_transaction=("c", 7)
    )
    for n in range(1, 35):
        ops.append(lakehouse, "runs", [a_run_record(n)])

    assert lakehouse.version(RUNS) == 34
    assert len(commit_files(lakehouse, RUNS)) <= 11
    assert "00000000000000000000.json" not in commit_files(lakehouse, RUNS)
    assert sorted(ops.read(lakehouse, "runs").column("run_id").to_pylist()) == [
        f"run-{n:03d}" for n in range(35)
    ]
    assert lakehouse.transaction_version(RUNS, "c") == 7
    assert lakehouse.changes_since(RUNS, 33) == "append"


def test_an_ops_table_created_before_the_log_settings_gets_them_on_its_next_append(
    lakehouse: Lakehouse,
) -> None:
    path = lakehouse.path(RUNS)
    write_deltalake(str(path), ops.to_table("runs", [a_run_record(0)]))  # an older lakehouse
    assert lakehouse.table(RUNS).metadata().configuration == {}

    ops.append(lakehouse, "runs", [a_run_record(1)])

    configuration = lakehouse.table(RUNS).metadata().configuration
    assert configuration == storage_delta.LOG_PROPERTIES
    assert ops.read(lakehouse, "runs").num_rows == 2


def test_data_tables_keep_every_commit_for_incremental_reads(lakehouse: Lakehouse) -> None:
    """Silver and gold models read what changed since a version (``changes_since``): their
    commits are kept (delta-rs' defaults), unlike the ops logs'."""
    ref = TableRef("silver", "t")
    for n in range(12):
        lakehouse.write(ref, pa.table({"id": [n]}), mode="append")
    assert lakehouse.table(ref).metadata().configuration == {}
    assert len(commit_files(lakehouse, ref)) == 12
    assert lakehouse.changes_since(ref, 0) == "append"


def test_the_last_build_of_each_table_is_its_latest_done_record(lakehouse: Lakehouse) -> None:
    """What a run reads of ``ops.runs`` to know each model's previous build: the latest
    ``success`` or ``up_to_date`` record per table; failed and skipped ones do not count."""
    day = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    records = [
        ("r1", "silver.a", "success", 1),
        ("r2", "silver.a", "up_to_date", 3),
        ("r3", "silver.a", "failed", 5),
        ("r1", "silver.b", "success", 2),
        ("r2", "silver.b", "skipped", 4),
        ("r3", "gold.c", "failed", 6),
    ]
    ops.append(
        lakehouse,
        "runs",
        [
            {"run_id": r, "table_name": t, "status": s, "ended_at": day + dt.timedelta(hours=h)}
            for r, t, s, h in reversed(records)  # stored order must not matter
        ],
    )

    builds = last_builds(lakehouse)

    assert {t: (b["run_id"], b["status"]) for t, b in builds.items()} == {
        "silver.a": ("r2", "up_to_date"),
        "silver.b": ("r1", "success"),
    }
