"""The same landing files give the same silver and gold on DuckDB and on Spark (Sail)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retail_lakehouse.engines import open_engine
from retail_lakehouse.sources import Scale
from retail_lakehouse.sources.online_retail.generator import generate
from retail_lakehouse.storage import Lakehouse
from tests.compare import assert_same_rows
from tests.pipeline import run


@pytest.mark.spark
@pytest.mark.slow
def test_every_silver_and_gold_table_matches_across_engines(
    tmp_path: Path, sail_remote: str
) -> None:
    landing = tmp_path / "landing" / "online_retail"
    generate(landing, scale=Scale.small, seed=11)
    homes = {}
    for name in ("duckdb", "spark"):
        lakehouse = Lakehouse(tmp_path / name)
        shutil.copytree(landing, lakehouse.home / "landing" / "online_retail")
        engine = open_engine(name, lakehouse, spark_remote=sail_remote)
        try:
            run(engine)
        finally:
            engine.close()
        homes[name] = lakehouse
    duck, spark = homes["duckdb"], homes["spark"]
    tables = [t for t in duck.tables() if t.layer in ("silver", "gold")]
    assert {t.layer for t in tables} == {"silver", "gold"}
    assert tables == [t for t in spark.tables() if t.layer in ("silver", "gold")]
    for ref in tables:
        types = [[(f.name, f.type) for f in h.read(ref).schema] for h in (duck, spark)]
        assert types[0] == types[1], str(ref)  # nullability flags may differ, types may not
        assert_same_rows(duck.read(ref), spark.read(ref), name=str(ref))
