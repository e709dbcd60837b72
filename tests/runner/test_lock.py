"""Only one run at a time may work on a lakehouse."""

from __future__ import annotations

import pytest

from retail_lakehouse import ops
from retail_lakehouse.engines import Engine
from retail_lakehouse.runner.lock import RunInProgress, run_lock
from retail_lakehouse.runner.run import run_pipeline
from retail_lakehouse.storage import Lakehouse


def test_a_second_run_fails_fast_while_one_holds_the_lock(
    lakehouse: Lakehouse, duckdb_engine: Engine
) -> None:
    with run_lock(lakehouse.home), pytest.raises(RunInProgress, match="another run"):
        run_pipeline(
            duckdb_engine,
            [],
            landing=lakehouse.home / "landing",
            run_id=ops.new_run_id(),
            select="silver.dim_date",
        )


def test_the_lock_is_released_after_a_run(lakehouse: Lakehouse, duckdb_engine: Engine) -> None:
    for _ in range(2):
        report = run_pipeline(
            duckdb_engine,
            [],
            landing=lakehouse.home / "landing",
            run_id=ops.new_run_id(),
            select="silver.dim_date",
        )
        assert report.models[0]["status"] in ("success", "up_to_date")
