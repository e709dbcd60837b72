"""Kafka → bronze exactly once; malformed messages quarantined; replay = Kafka."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from confluent_kafka import Producer

from retail_lakehouse import ops
from retail_lakehouse.errors import StreamingError
from retail_lakehouse.storage import Lakehouse
from retail_lakehouse.streaming.broker import LocalBroker
from retail_lakehouse.streaming.consumer import ConsumeOptions, consume, offset_app_id
from retail_lakehouse.streaming.events import EVENT_SCHEMA
from retail_lakehouse.streaming.generator import Catalog, ClickstreamGenerator
from retail_lakehouse.streaming.kafka import client_config, ensure_topic
from retail_lakehouse.streaming.producer import produce_events
from retail_lakehouse.streaming.replay import ingest_clickstream_files, write_json_lines
from retail_lakehouse.streaming.sessionize import BRONZE, HOURLY_TRAFFIC, WEB_SESSION
from tests.streaming.conftest import T0, event, generated_payloads

pytestmark = pytest.mark.broker

FAST = {"until_idle": True, "idle_seconds": 1.5, "batch_seconds": 0.3}


def events_of(seed: int, count: int) -> list[pa.Table]:
    generator = ClickstreamGenerator(Catalog.synthetic(seed=seed), seed=seed, start=T0)
    return list(generator.take(count))


def test_produced_events_land_in_bronze_once(broker: LocalBroker, lakehouse: Lakehouse) -> None:
    topic = "t-once"
    sent = produce_events(broker.bootstrap_servers, topic, events_of(1, 3_000))
    assert sent.events == 3_000
    first = consume(lakehouse, broker.bootstrap_servers, ConsumeOptions(topic=topic, **FAST))
    assert first.rows_out == 3_000
    # a second consumer run finds nothing new: offsets come from the bronze commits
    again = consume(lakehouse, broker.bootstrap_servers, ConsumeOptions(topic=topic, **FAST))
    assert again.rows_in == 0
    bronze = lakehouse.read(BRONZE, ["event_id", "kafka_partition", "kafka_offset"])
    assert bronze.num_rows == pc.count_distinct(bronze.column("event_id")).as_py() == 3_000
    for p in range(3):  # each partition's last offset is stored in the bronze commits
        in_p = pc.filter(
            bronze.column("kafka_offset"), pc.equal(bronze.column("kafka_partition"), p)
        )
        assert (
            lakehouse.transaction_version(BRONZE, offset_app_id(topic, p)) == pc.max(in_p).as_py()
        )
    assert lakehouse.count(WEB_SESSION) > 0 and lakehouse.count(HOURLY_TRAFFIC) > 0
    ledger = ops.read(lakehouse, "row_ledger")
    assert pc.sum(ledger.column("rows_in")).as_py() == 3_000


def test_malformed_message_is_quarantined_with_partition_offset_reason(
    broker: LocalBroker, lakehouse: Lakehouse
) -> None:
    topic = "t-bad"
    ensure_topic(broker.bootstrap_servers, topic, partitions=1)
    producer = Producer(client_config(broker.bootstrap_servers))
    for value in [
        json.dumps(event("e1", "s1", "10:00")),
        '{"event_id": "e2", "session_id": "s1"',
        json.dumps(event("e3", "s1", "10:02")),
    ]:
        producer.produce(topic, key=b"s1", value=value.encode())
    assert producer.flush(10) == 0
    report = consume(lakehouse, broker.bootstrap_servers, ConsumeOptions(topic=topic, **FAST))
    assert (report.rows_in, report.rows_out, report.quarantined) == (3, 2, 1)
    quarantine = ops.read(lakehouse, "quarantine")
    assert quarantine.select(
        ["table_name", "_source_file", "_source_part", "_source_line", "_rule", "_reason", "record"]
    ).to_pylist() == [
        {
            "table_name": "bronze.clickstream_events",
            "_source_file": f"kafka://{topic}/0",
            "_source_part": "0",
            "_source_line": 1,
            "_rule": "malformed_json",
            "_reason": "the message is not valid JSON",
            "record": '{"event_id": "e2", "session_id": "s1"',
        }
    ]
    ledger = ops.read(lakehouse, "row_ledger").filter(pc.equal(pc.field("layer"), "bronze"))
    assert ledger.select(["rows_in", "rows_out", "rows_quarantined"]).to_pylist() == [
        {"rows_in": 3, "rows_out": 2, "rows_quarantined": 1}
    ]


def test_replay_from_files_gives_the_same_bronze_rows_as_kafka(
    broker: LocalBroker, tmp_path: Path
) -> None:
    topic = "t-replay"
    chunks = events_of(5, 2_000)
    produce_events(broker.bootstrap_servers, topic, chunks)
    by_kafka = Lakehouse(tmp_path / "kafka")
    consume(by_kafka, broker.bootstrap_servers, ConsumeOptions(topic=topic, **FAST))
    by_files = Lakehouse(tmp_path / "files")
    payloads = generated_payloads(2_000, seed=5).column("payload")
    write_json_lines(by_files.home / "landing" / "clickstream" / "day-1.jsonl", payloads)
    reports = ingest_clickstream_files(by_files, by_files.home / "landing")
    assert [r.rows_out for r in reports] == [2_000]
    assert ingest_clickstream_files(by_files, by_files.home / "landing") == []  # loaded once
    columns = EVENT_SCHEMA.names
    kafka_rows = by_kafka.read(BRONZE, columns).sort_by("event_id")
    file_rows = by_files.read(BRONZE, columns).sort_by("event_id")
    assert kafka_rows.num_rows == 2_000
    assert kafka_rows.equals(file_rows)
    sessions = by_kafka.read(WEB_SESSION).sort_by("session_key")
    assert sessions.equals(by_files.read(WEB_SESSION).sort_by("session_key"))


def test_unreachable_broker_is_one_clear_error(lakehouse: Lakehouse) -> None:
    from retail_lakehouse.streaming.broker import free_port

    with pytest.raises(
        StreamingError, match=r"cannot reach Kafka at 127\.0\.0\.1:.*lakehouse broker"
    ):
        consume(lakehouse, f"127.0.0.1:{free_port()}", ConsumeOptions(topic="t", **FAST))


def test_missing_topic_says_to_produce_first(broker: LocalBroker, lakehouse: Lakehouse) -> None:
    with pytest.raises(StreamingError, match=r"does not exist .* produce events first"):
        consume(lakehouse, broker.bootstrap_servers, ConsumeOptions(topic="t-none", **FAST))
