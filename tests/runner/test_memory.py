"""Memory is bounded, not proportional to the data: past the limit DuckDB spills."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from retail_lakehouse import ops
from retail_lakehouse.engines import open_engine
from retail_lakehouse.runner.run import run_pipeline
from retail_lakehouse.storage import Lakehouse, TableRef

PROJECT = Path(__file__).parent.parent / "data" / "projects" / "memory"
ROWS = 1_000_000
ACCOUNTS = 1_000


@pytest.mark.slow
def test_a_model_whose_input_exceeds_the_memory_limit_builds(lakehouse: Lakehouse) -> None:
    ids = pa.array(range(ROWS), pa.int64())
    events = pa.table(
        {
            "account": pc.cast(pc.divide(ids, ROWS // ACCOUNTS), pa.int64()),
            # ~120 bytes a row: ~120 MB of payload (plus the join), past the 128 MB limit.
            "payload": pc.binary_join_element_wise(
                pc.cast(ids, pa.string()), pa.scalar("x" * 110), ""
            ),
        }
    )
    lakehouse.write(TableRef("bronze", "test_events"), events, mode="overwrite")
    engine = open_engine("duckdb", lakehouse, memory_limit="128MB")
    try:
        report = run_pipeline(
            engine,
            [],
            landing=lakehouse.home / "landing",
            run_id=ops.new_run_id(),
            models_dir=PROJECT,
            ingest=False,
        )
    finally:
        engine.close()
    assert [m["status"] for m in report.models] == ["success"]
    totals = lakehouse.read(TableRef("silver", "wide_totals"))
    assert totals.num_rows == ACCOUNTS
    assert pc.sum(totals["events"]).as_py() == ROWS
    assert pc.sum(totals["firsts"]).as_py() == ACCOUNTS
