"""Any subset of the five sources runs: none, some, all — and `check` holds."""

from __future__ import annotations

import pytest

from retail_lakehouse import ops
from retail_lakehouse.checks import check_lakehouse
from retail_lakehouse.engines import Engine
from retail_lakehouse.runner.run import run_pipeline
from retail_lakehouse.sources import Scale, all_sources, get_source
from retail_lakehouse.storage import Lakehouse, TableRef


def run(engine: Engine) -> dict[str, str]:
    report = run_pipeline(
        engine,
        all_sources(),
        landing=engine.lakehouse.home / "landing",
        run_id=ops.new_run_id(),
    )
    assert not report.failed, report.failed
    return {m["table_name"]: m["status"] for m in report.models}


def test_with_no_source_files_every_staging_model_waits_and_the_rest_builds_empty(
    lakehouse: Lakehouse, duckdb_engine: Engine
) -> None:
    status = run(duckdb_engine)
    staging = {t: s for t, s in status.items() if ".stg_" in t}
    assert staging and set(staging.values()) == {"no_input"}
    assert status["silver.fact_order_line"] == "success"
    assert lakehouse.count(TableRef("silver", "fact_order_line")) == 0
    assert lakehouse.count(TableRef("gold", "sales_daily")) == 0
    assert check_lakehouse(lakehouse) == []


@pytest.mark.slow
def test_two_sources_feed_the_same_canonical_tables(
    lakehouse: Lakehouse, duckdb_engine: Engine
) -> None:
    for name in ("olist", "crm"):
        get_source(name).generate(lakehouse.home / "landing" / name, scale=Scale.small, seed=5)
    status = run(duckdb_engine)
    assert status["silver.stg_online_retail__order_line"] == "no_input"
    assert status["silver.stg_olist__order_line"] == "success"
    lines = lakehouse.read(TableRef("silver", "fact_order_line"), ["source_system"])
    assert set(lines["source_system"].to_pylist()) == {"olist", "crm"}
    daily = lakehouse.read(TableRef("gold", "sales_daily"), ["source_system"])
    assert set(daily["source_system"].to_pylist()) == {"olist", "crm"}
    assert check_lakehouse(lakehouse) == []
