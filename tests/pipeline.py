"""Helpers to run the whole pipeline in tests."""

from __future__ import annotations

from retail_lakehouse import ops
from retail_lakehouse.engines import Engine
from retail_lakehouse.runner.run import RunReport, run_pipeline
from retail_lakehouse.sources import get_source


def run(engine: Engine, *, select: str | None = None, full_refresh: bool = False) -> RunReport:
    report = run_pipeline(
        engine,
        [get_source("online_retail")],
        landing=engine.lakehouse.home / "landing",
        run_id=ops.new_run_id(),
        select=select,
        full_refresh=full_refresh,
    )
    assert not report.failed, report.failed
    return report
