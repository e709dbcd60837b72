"""The same bronze gives the same silver and gold on DuckDB and on Spark (Sail)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retail_lakehouse import ops
from retail_lakehouse.bronze.ingest import ingest_landing
from retail_lakehouse.engines import open_engine
from retail_lakehouse.runner.run import run_pipeline
from retail_lakehouse.sources import Scale, all_sources
from retail_lakehouse.storage import Lakehouse
from tests.compare import assert_same_rows


@pytest.mark.spark
@pytest.mark.slow
def test_every_silver_and_gold_table_matches_across_engines(
    tmp_path: Path, sail_remote: str
) -> None:
    base = Lakehouse(tmp_path / "base")
    for source in all_sources():
        source.generate(base.home / "landing" / source.name, scale=Scale.small, seed=11)
    # One ingest, copied: both engines start from byte-identical bronze (same _ingested_at).
    ingest_landing(base, base.home / "landing", all_sources(), run_id=ops.new_run_id())
    homes = {}
    for name in ("duckdb", "spark"):
        lakehouse = Lakehouse(tmp_path / name)
        shutil.copytree(base.home, lakehouse.home)
        engine = open_engine(name, lakehouse, spark_remote=sail_remote)
        try:
            report = run_pipeline(
                engine,
                all_sources(),
                landing=lakehouse.home / "landing",
                run_id=ops.new_run_id(),
                ingest=False,
            )
        finally:
            engine.close()
        assert not report.failed, report.failed
        homes[name] = lakehouse
    duck, spark = homes["duckdb"], homes["spark"]
    tables = [t for t in duck.tables() if t.layer in ("silver", "gold")]
    assert {t.layer for t in tables} == {"silver", "gold"}
    assert tables == [t for t in spark.tables() if t.layer in ("silver", "gold")]
    for ref in tables:
        types = [[(f.name, f.type) for f in h.read(ref).schema] for h in (duck, spark)]
        assert types[0] == types[1], str(ref)  # nullability flags may differ, types may not
        assert_same_rows(duck.read(ref), spark.read(ref), name=str(ref))
