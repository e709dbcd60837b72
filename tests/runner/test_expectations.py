"""A `fail` expectation writes nothing, fails the run, and `lakehouse check` reports it."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from retail_lakehouse import ops
from retail_lakehouse.checks import check_expectations
from retail_lakehouse.engines import Engine
from retail_lakehouse.runner.run import run_pipeline
from retail_lakehouse.storage import Lakehouse, TableRef

PROJECT = Path(__file__).parent.parent / "data" / "projects" / "failing"


def test_failing_expectation_blocks_the_write_and_is_reported(
    duckdb_engine: Engine, lakehouse: Lakehouse
) -> None:
    orders = pa.table({"order_id": ["o1", "o2", "o3"], "amount": [10.0, -5.0, -1.0]})
    lakehouse.write(TableRef("bronze", "test_orders"), orders, mode="append")
    duckdb_engine.refresh()
    report = run_pipeline(
        duckdb_engine,
        [],
        landing=lakehouse.home / "landing",
        run_id=ops.new_run_id(),
        models_dir=PROJECT,
        ingest=False,
    )
    [record] = report.models
    assert record["status"] == "failed"
    assert "range:amount (2 rows)" in record["message"]
    assert not lakehouse.exists(TableRef("silver", "positive_amounts"))
    [result] = ops.read(lakehouse, "dq_results").to_pylist()
    assert (result["expectation"], result["failing_rows"], result["passed"]) == (
        "range:amount",
        2,
        False,
    )
    problems = check_expectations(lakehouse)
    assert any("silver.positive_amounts: last build failed" in p for p in problems)
    assert any("expectation range:amount failed on 2 rows" in p for p in problems)
