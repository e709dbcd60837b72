"""Memory is bounded, not proportional to the data: past the limit DuckDB spills."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from retail_lakehouse import ops
from retail_lakehouse.engines import open_engine
from retail_lakehouse.errors import ConfigError, ModelError
from retail_lakehouse.runner.run import run_pipeline
from retail_lakehouse.settings import DEFAULT_MEMORY_LIMIT, Settings
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


def test_the_memory_limit_is_bounded_by_default_and_set_from_the_environment() -> None:
    def limit(value: str | None) -> str | None:
        env = {"LAKEHOUSE_HOME": "/tmp/lh"} | ({"LAKEHOUSE_MEMORY_LIMIT": value} if value else {})
        return Settings.from_env(env).memory_limit

    assert limit(None) == DEFAULT_MEMORY_LIMIT == "512MB"
    assert limit("4GB") == "4GB"
    assert limit(" 512 MiB ") == "512 MiB"
    assert limit("none") is None  # DuckDB's own default (80 % of RAM)
    with pytest.raises(ConfigError, match=r"LAKEHOUSE_MEMORY_LIMIT='lots' is not a size"):
        limit("lots")


def test_a_query_out_of_memory_says_which_setting_to_raise(lakehouse: Lakehouse) -> None:
    engine = open_engine("duckdb", lakehouse, memory_limit="16MB")
    try:
        with pytest.raises(ModelError) as raised:
            engine.query("select list(range) from range(10000000) group by range % 2")
    finally:
        engine.close()
    message = str(raised.value)
    assert message.startswith("DuckDB ran out of memory (16MB)")
    assert message.endswith("Raise LAKEHOUSE_MEMORY_LIMIT (e.g. 4GB) and run again.")


@pytest.mark.parametrize(
    ("limit", "while_writing", "otherwise"),
    [
        ("1GB", "476.8 MiB", "953.6 MiB"),
        ("256MB", "192.0 MiB", "244.1 MiB"),
        ("128MB", "122.0 MiB", "122.0 MiB"),
    ],
)
def test_duckdb_keeps_to_half_its_limit_while_delta_rs_writes(
    lakehouse: Lakehouse,
    monkeypatch: pytest.MonkeyPatch,
    limit: str,
    while_writing: str,
    otherwise: str,
) -> None:
    """delta-rs buffers outside DuckDB's accounting; DuckDB never goes below 192 MB for
    the sort of a clustered write, and never above the limit itself."""
    engine = open_engine("duckdb", lakehouse, memory_limit=limit)
    seen: list[str] = []
    write = lakehouse.write

    def spying_write(*args: object, **kwargs: object) -> int:
        setting = engine.con.cursor().sql("select current_setting('memory_limit')")  # type: ignore[attr-defined]
        seen.append(setting.fetchall()[0][0])
        return write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lakehouse, "write", spying_write)
    try:
        engine.write(TableRef("silver", "t"), "select 1 as a", mode="overwrite")
        after = engine.query("select current_setting('memory_limit') as m")["m"][0].as_py()
    finally:
        engine.close()
    assert seen == [while_writing]
    assert after == otherwise


def test_the_lakehouse_writes_snappy_compressed_files(lakehouse: Lakehouse) -> None:
    ref = TableRef("silver", "t")
    lakehouse.write(ref, pa.table({"a": ["x"] * 1000}), mode="overwrite")
    [file] = lakehouse.path(ref).glob("*.parquet")
    assert pq.ParquetFile(file).metadata.row_group(0).column(0).compression == "SNAPPY"
