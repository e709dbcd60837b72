"""SCD2 invariants hold for any sequence of snapshots (property-based, DuckDB)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retail_lakehouse import ops
from retail_lakehouse.engines import open_engine
from retail_lakehouse.runner.run import run_pipeline
from retail_lakehouse.storage import Lakehouse, TableRef

PROJECT = Path(__file__).parent.parent / "data" / "projects" / "materializations"
CITIES = ("Paris", "Lyon", "Nice")
# A batch: for some customers (ids 1-4), the city they report that day.
batches = st.lists(
    st.dictionaries(st.integers(1, 4), st.sampled_from(CITIES), min_size=1, max_size=4),
    min_size=1,
    max_size=5,
)


def feed(lakehouse: Lakehouse, day: int, states: dict[int, str]) -> None:
    at = dt.datetime(2024, 1, day, tzinfo=dt.UTC)
    table = pa.table(
        {
            "customer_id": [str(k) for k in states],
            "email": [f"{k}@x" for k in states],
            "city": list(states.values()),
            "updated_at": pa.array([at] * len(states), pa.timestamp("us", tz="UTC")),
        }
    )
    lakehouse.write(TableRef("bronze", "test_customers"), table, mode="append")


@pytest.mark.slow
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=batches)
def test_versions_are_contiguous_with_one_current_per_key(
    tmp_path_factory: object, history: list[dict[int, str]]
) -> None:
    lakehouse = Lakehouse(tmp_path_factory.mktemp("scd2"))  # type: ignore[attr-defined]
    engine = open_engine("duckdb", lakehouse)
    try:
        for day, states in enumerate(history, start=1):
            feed(lakehouse, day, states)
            engine.refresh()
            run_pipeline(
                engine,
                [],
                landing=lakehouse.home / "landing",
                run_id=ops.new_run_id(),
                models_dir=PROJECT,
                ingest=False,
                select="silver.customer_versions",
            )
    finally:
        engine.close()
    rows = lakehouse.read(TableRef("silver", "customer_versions")).to_pylist()
    by_key: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_key.setdefault(str(row["customer_key"]), []).append(row)
    # Expected: the city changes of each customer, in order, without repeats.
    expected: dict[str, list[str]] = {}
    for states in history:
        for customer, city in states.items():
            cities = expected.setdefault(f"test:{customer}", [])
            if not cities or cities[-1] != city:
                cities.append(city)
    assert set(by_key) == set(expected)
    for key, versions in by_key.items():
        versions.sort(key=lambda r: r["version_number"])  # type: ignore[arg-type,return-value]
        assert [v["city"] for v in versions] == expected[key]
        assert [v["is_current"] for v in versions] == [False] * (len(versions) - 1) + [True]
        assert versions[-1]["valid_to"] is None
        for older, newer in itertools.pairwise(versions):
            assert older["valid_to"] == newer["valid_from"]
        assert [v["customer_version_key"] for v in versions] == [
            f"{key}#{n}" for n in range(1, len(versions) + 1)
        ]
