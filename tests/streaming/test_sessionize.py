"""Sessions and hourly traffic, updated batch by batch, equal the full models."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import sqlglot

from retail_lakehouse import ops
from retail_lakehouse.storage import Lakehouse, TableRef
from retail_lakehouse.streaming.pipeline import BatchCommit, ClickstreamPipeline
from retail_lakehouse.streaming.sessionize import (
    BRONZE,
    HOURLY_TRAFFIC,
    WEB_SESSION,
    model_sql,
)
from tests.streaming.conftest import at, event, generated_payloads, raw_messages

SESSION_COLUMNS = ["session_id", "session_start", "session_end", "events", "revenue_eur"]


def load(pipeline: ClickstreamPipeline, docs: list[Any], name: str, offset: int = 0) -> None:
    pipeline.process(
        raw_messages(docs, first_offset=offset),
        batch_id=name,
        source=name,
        commit=BatchCommit(),
    )


def sessions(lakehouse: Lakehouse) -> list[tuple[Any, ...]]:
    table = lakehouse.read(WEB_SESSION, SESSION_COLUMNS).sort_by(
        [("session_id", "ascending"), ("session_start", "ascending")]
    )
    return [tuple(r.values()) for r in table.to_pylist()]


def traffic(lakehouse: Lakehouse) -> list[tuple[Any, ...]]:
    table = lakehouse.read(HOURLY_TRAFFIC, ["hour", "sessions", "bounce_sessions", "revenue_eur"])
    return [tuple(r.values()) for r in table.sort_by("hour").to_pylist()]


def full_models(lakehouse: Lakehouse) -> tuple[pa.Table, pa.Table]:
    """Both models run from scratch over all of bronze (what the model runner does)."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute("create schema bronze")
    con.execute("create schema silver")
    con.register("events", lakehouse.read(BRONZE))
    con.execute("create view bronze.clickstream_events as select * from events")
    web_session = con.sql(model_sql("web_session")).to_arrow_table()
    con.register("sessions", web_session)
    con.execute("create view silver.web_session as select * from sessions")
    hourly = con.sql(model_sql("hourly_traffic")).to_arrow_table()
    return web_session, hourly


def same_rows(a: pa.Table, b: pa.Table, key: str) -> bool:
    columns = sorted(a.column_names)
    left = a.select(columns).sort_by(key)
    right = b.select(columns).cast(left.schema).sort_by(key)
    return bool(left.equals(right))


def test_sessions_crossing_batches_are_stitched(lakehouse: Lakehouse) -> None:
    pipeline = ClickstreamPipeline(lakehouse)
    # batch 1: s1 browses 10:00-10:20; s2 looks once at 10:05
    load(
        pipeline,
        [
            event("a1", "s1", "10:00"),
            event("a2", "s1", "10:10", "product_view"),
            event("b1", "s2", "10:05"),
            event("a3", "s1", "10:20", "add_to_cart"),
        ],
        "batch-1",
    )
    assert sessions(lakehouse) == [
        ("s1", at("10:00"), at("10:20"), 3, Decimal("0.00")),
        ("s2", at("10:05"), at("10:05"), 1, Decimal("0.00")),
    ]
    # batch 2: s1 goes on at 10:45 (25 min gap: same session), pauses 45 min and buys at
    # 11:30 (a new session); s2 comes back after 45 min (a new session)
    load(
        pipeline,
        [
            event("a4", "s1", "10:45", "begin_checkout"),
            event("b2", "s2", "10:50"),
            event("a5", "s1", "11:30", "purchase", revenue_eur=40.0, order_id="o1"),
        ],
        "batch-2",
        offset=4,
    )
    assert sessions(lakehouse) == [
        ("s1", at("10:00"), at("10:45"), 4, Decimal("0.00")),
        ("s1", at("11:30"), at("11:30"), 1, Decimal("40.00")),
        ("s2", at("10:05"), at("10:05"), 1, Decimal("0.00")),
        ("s2", at("10:50"), at("10:50"), 1, Decimal("0.00")),
    ]
    assert traffic(lakehouse) == [
        (at("10:00"), 3, 2, Decimal("0.00")),
        (at("11:00"), 1, 1, Decimal("40.00")),
    ]
    # batch 3: a late s1 event at 11:10 bridges the pause (25 + 20 min): s1's two sessions
    # become one that started at 10:00, so its revenue moves to the 10:00 hour; s3 bounces
    load(
        pipeline,
        [event("c1", "s3", "11:59"), event("a6", "s1", "11:10", "product_view")],
        "batch-3",
        offset=7,
    )
    assert sessions(lakehouse) == [
        ("s1", at("10:00"), at("11:30"), 6, Decimal("40.00")),
        ("s2", at("10:05"), at("10:05"), 1, Decimal("0.00")),
        ("s2", at("10:50"), at("10:50"), 1, Decimal("0.00")),
        ("s3", at("11:59"), at("11:59"), 1, Decimal("0.00")),
    ]
    assert traffic(lakehouse) == [
        (at("10:00"), 3, 2, Decimal("40.00")),
        (at("11:00"), 1, 1, Decimal("0.00")),
    ]
    web_session, hourly = full_models(lakehouse)
    assert same_rows(lakehouse.read(WEB_SESSION), web_session, "session_key")
    assert same_rows(lakehouse.read(HOURLY_TRAFFIC), hourly, "hour")
    assert lakehouse.history(WEB_SESSION, 1)[0]["operation"] == "MERGE"
    pipeline.close()


def test_a_repeated_delivery_counts_once(lakehouse: Lakehouse) -> None:
    pipeline = ClickstreamPipeline(lakehouse)
    load(pipeline, [event("a1", "s1", "10:00"), event("a2", "s1", "10:01")], "batch-1")
    load(pipeline, [event("a2", "s1", "10:01")], "batch-2", offset=2)
    assert lakehouse.count(BRONZE) == 3  # bronze keeps what was delivered
    assert sessions(lakehouse) == [("s1", at("10:00"), at("10:01"), 2, Decimal("0.00"))]
    pipeline.close()


def test_incremental_equals_full_models_on_generated_stream(lakehouse: Lakehouse) -> None:
    payloads = generated_payloads(6_000, seed=11).column("payload").to_pylist()
    pipeline = ClickstreamPipeline(lakehouse)
    # uneven batches, so sessions and hours are cut at arbitrary points
    bounds = [0, 700, 1_900, 2_000, 4_100, 6_000]
    for number, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        load(pipeline, payloads[lo:hi], f"batch-{number}", offset=lo)
    pipeline.close()
    web_session, hourly = full_models(lakehouse)
    assert web_session.num_rows > 1_000
    assert same_rows(lakehouse.read(WEB_SESSION), web_session, "session_key")
    assert same_rows(lakehouse.read(HOURLY_TRAFFIC), hourly, "hour")


def test_event_beyond_watermark_waits_for_full_run_and_is_counted(lakehouse: Lakehouse) -> None:
    pipeline = ClickstreamPipeline(lakehouse, watermark=dt.timedelta(hours=1))
    load(pipeline, [event("a1", "s1", "10:00")], "batch-1")
    load(pipeline, [event("b1", "s2", "12:00")], "batch-2", offset=1)
    # 10:10 is 110 minutes behind the newest event (12:00), the watermark is 60
    load(pipeline, [event("a2", "s1", "10:10")], "batch-3", offset=2)
    pipeline.close()
    assert lakehouse.count(BRONZE) == 3  # kept in bronze
    assert sessions(lakehouse)[0] == ("s1", at("10:00"), at("10:00"), 1, Decimal("0.00"))
    ledger = ops.read(lakehouse, "row_ledger").filter(
        pc.equal(pc.field("table_name"), "silver.web_session")
    )
    assert ledger.select(
        ["source", "rows_in", "rows_out", "rows_dropped", "dropped_by_rule"]
    ).to_pylist() == [
        {
            "source": "batch-3",
            "rows_in": 1,
            "rows_out": 0,
            "rows_dropped": 1,
            "dropped_by_rule": '{"late_beyond_watermark": 1}',
        }
    ]


def test_catch_up_finishes_what_a_crash_left(lakehouse: Lakehouse, tmp_path: Path) -> None:
    """Bronze written, sessions not (a crash in between): the next start catches up."""
    pipeline = ClickstreamPipeline(lakehouse)
    load(pipeline, [event("a1", "s1", "10:00")], "batch-1")
    pipeline.close()
    no_sessions = ClickstreamPipeline(lakehouse, sessionize=False)
    load(no_sessions, [event("a2", "s1", "10:05"), event("b1", "s2", "10:30")], "batch-2", 1)
    no_sessions.close()
    restarted = ClickstreamPipeline(lakehouse)
    restarted.catch_up()
    restarted.close()
    assert sessions(lakehouse) == [
        ("s1", at("10:00"), at("10:05"), 2, Decimal("0.00")),
        ("s2", at("10:30"), at("10:30"), 1, Decimal("0.00")),
    ]
    assert traffic(lakehouse) == [(at("10:00"), 2, 1, Decimal("0.00"))]


def test_models_transpile_to_spark() -> None:
    for name in ("web_session", "hourly_traffic"):
        spark = sqlglot.transpile(model_sql(name), read="duckdb", write="spark")[0]
        assert "INTERVAL '30' MINUTE" in spark or name == "hourly_traffic"
        assert "QUALIFY" not in spark.upper()


def test_model_files_sit_beside_their_yaml() -> None:
    folder = Path(__file__).parents[2] / "src/retail_lakehouse/streaming/models"
    assert sorted(p.name for p in folder.iterdir() if p.suffix in (".sql", ".yml")) == [
        "hourly_traffic.sql",
        "hourly_traffic.yml",
        "web_session.sql",
        "web_session.yml",
    ]
    assert TableRef.parse("silver.web_session") == WEB_SESSION
