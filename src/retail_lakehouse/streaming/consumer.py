"""Consumer of the clickstream topic: exactly-once micro-batches into bronze (``lakehouse
stream consume``).

Exactly once, without trusting Kafka's committed offsets: each bronze commit carries, as
Delta app transactions, the last offset it holds of every partition in the batch
(``app_id = "<topic>/<partition>"``). On start the consumer reads them back and seeks each
partition to the next offset, so a crash anywhere — before, during or after the Delta
commit, or before the Kafka offset commit — neither duplicates nor loses an event. The
Kafka group offsets are committed afterwards as a hint for lag monitoring only.

The other tables of a batch follow the same rule: quarantine records carry their own app
transactions (``quarantine/<topic>/<partition>``) and are written *before* bronze, so a
re-read batch does not quarantine a message twice; the row ledger (``row_ledger/…``) is
written after bronze and, if a crash came in between, rebuilt on start from what bronze
and quarantine hold; sessions and hourly traffic catch up from bronze's version.

Partitions are assigned by the consumer itself (all partitions of the topic), not by a
consumer-group rebalance: the offsets live in Delta, and one process per lakehouse writes
the session tables.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from retail_lakehouse import ops
from retail_lakehouse.errors import StreamingError
from retail_lakehouse.storage import Lakehouse
from retail_lakehouse.streaming.events import RAW_SCHEMA
from retail_lakehouse.streaming.kafka import DEFAULT_TOPIC, client_config, partitions_of
from retail_lakehouse.streaming.pipeline import (
    BatchCommit,
    BatchReport,
    ClickstreamPipeline,
    ledger_record,
)
from retail_lakehouse.streaming.sessionize import BRONZE, DEFAULT_WATERMARK

LOG = logging.getLogger(__name__)
DEFAULT_GROUP = "retail-lakehouse-clickstream"


@dataclass(frozen=True)
class ConsumeOptions:
    topic: str = DEFAULT_TOPIC
    group_id: str = DEFAULT_GROUP
    batch_messages: int = 50_000
    """A micro-batch ends at this many messages…"""
    batch_seconds: float = 1.0
    """…or after this long, whichever comes first."""
    until_idle: bool = False
    idle_seconds: float = 3.0
    """With ``until_idle``: stop after this long without a message."""
    max_batches: int | None = None
    watermark: dt.timedelta = DEFAULT_WATERMARK
    sessionize: bool = True


@dataclass
class ConsumeReport:
    batches: list[BatchReport] = field(default_factory=list)
    recovered_ledger_rows: int = 0

    @property
    def rows_in(self) -> int:
        return sum(b.rows_in for b in self.batches)

    @property
    def rows_out(self) -> int:
        return sum(b.rows_out for b in self.batches)

    @property
    def quarantined(self) -> int:
        return sum(b.quarantined for b in self.batches)

    @property
    def late_events(self) -> int:
        return sum(b.late_events for b in self.batches)


def offset_app_id(topic: str, partition: int) -> str:
    return f"{topic}/{partition}"


def quarantine_app_id(topic: str, partition: int) -> str:
    return f"quarantine/{topic}/{partition}"


def ledger_app_id(topic: str, partition: int) -> str:
    return f"row_ledger/{topic}/{partition}"


def source_file(topic: str, partition: int) -> str:
    return f"kafka://{topic}/{partition}"


def stored_offsets(lakehouse: Lakehouse, topic: str, partitions: list[int]) -> dict[int, int]:
    """The last offset of each partition that bronze holds (absent: none yet)."""
    found = {}
    for p in partitions:
        version = lakehouse.transaction_version(BRONZE, offset_app_id(topic, p))
        if version is not None:
            found[p] = version
    return found


def consume(
    lakehouse: Lakehouse,
    bootstrap_servers: str,
    options: ConsumeOptions | None = None,
    *,
    on_batch: Callable[[BatchReport], None] | None = None,
    run_id: str | None = None,
) -> ConsumeReport:
    """Consumes the topic into bronze, silver.web_session and gold.hourly_traffic."""
    options = options or ConsumeOptions()
    consumer = Consumer(
        client_config(
            bootstrap_servers,
            **{
                "group.id": options.group_id,
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                # An offset that is no longer in the topic is an error, never a silent skip.
                "auto.offset.reset": "error",
            },
        )
    )
    pipeline = ClickstreamPipeline(
        lakehouse, run_id=run_id, watermark=options.watermark, sessionize=options.sessionize
    )
    report = ConsumeReport()
    try:
        partitions = partitions_of(consumer, bootstrap_servers, options.topic)
        if not partitions:
            raise StreamingError(
                f"topic {options.topic!r} does not exist on {bootstrap_servers}: produce "
                "events first (`lakehouse stream produce`) or check --topic."
            )
        report.recovered_ledger_rows = recover_ledger(
            lakehouse, options.topic, partitions, pipeline.run_id
        )
        pipeline.catch_up()
        offsets = stored_offsets(lakehouse, options.topic, partitions)
        quarantined_upto = {
            p: v
            for p in partitions
            if (
                v := lakehouse.transaction_version(
                    ops.ops_ref("quarantine"), quarantine_app_id(options.topic, p)
                )
            )
            is not None
        }
        consumer.assign(
            [
                TopicPartition(
                    options.topic, p, offsets[p] + 1 if p in offsets else OFFSET_BEGINNING
                )
                for p in partitions
            ]
        )
        idle_since = time.monotonic()
        number = 0
        while options.max_batches is None or number < options.max_batches:
            messages = consumer.consume(options.batch_messages, options.batch_seconds)
            raw = to_raw(messages, options.topic)
            if raw.num_rows == 0:
                if options.until_idle and time.monotonic() - idle_since >= options.idle_seconds:
                    break
                continue
            idle_since = time.monotonic()
            number += 1
            batch = process_batch(
                pipeline,
                raw,
                options.topic,
                quarantined_upto,
                batch_id=f"{pipeline.run_id}-b{number:06d}",
            )
            report.batches.append(batch)
            commit_hint(consumer, options.topic, raw)
            if on_batch:
                on_batch(batch)
    finally:
        pipeline.close()
        consumer.close()
    return report


def to_raw(messages: list[Any], topic: str) -> pa.Table:
    """Kafka messages as a RAW_SCHEMA table; a consumer error stops with its reason."""
    good = []
    for message in messages:
        error = message.error()
        if error is None:
            good.append(message)
        elif error.code() != KafkaError._PARTITION_EOF:
            raise consume_error(error, topic)
    partitions = pa.array([m.partition() for m in good], pa.int32())
    offsets = pa.array([m.offset() for m in good], pa.int64())
    stamps = pa.array([m.timestamp()[1] for m in good], pa.int64())
    values = pa.array([m.value() for m in good], pa.binary())
    size = len(good)
    part_text = pc.cast(partitions, pa.string())
    return pa.table(
        {
            "_source_file": pc.binary_join_element_wise(f"kafka://{topic}/", part_text, ""),
            "_source_part": part_text,
            "_source_line": offsets,
            "kafka_partition": partitions,
            "kafka_offset": offsets,
            "kafka_timestamp": pc.cast(pc.multiply(stamps, 1000), pa.timestamp("us", tz="UTC"))
            if size
            else pa.array([], pa.timestamp("us", tz="UTC")),
            "payload": values,
        },
        schema=RAW_SCHEMA,
    )


def consume_error(error: KafkaError, topic: str) -> StreamingError:
    if error.code() == KafkaError._AUTO_OFFSET_RESET or "out of range" in error.str().lower():
        return StreamingError(
            f"an offset recorded in bronze is no longer in topic {topic!r} ({error.str()}): "
            "the topic was recreated or its data expired. Consume a new topic with --topic, "
            "or start from an empty lakehouse."
        )
    return StreamingError(f"cannot consume {topic!r}: {error.str()}; check the broker.")


def last_offsets(raw: pa.Table) -> dict[int, tuple[int, int]]:
    """(first, last) offset of each partition in the batch."""
    grouped = raw.group_by("kafka_partition").aggregate(
        [("kafka_offset", "min"), ("kafka_offset", "max")]
    )
    return {
        int(p): (int(lo), int(hi))
        for p, lo, hi in zip(
            grouped.column("kafka_partition").to_pylist(),
            grouped.column("kafka_offset_min").to_pylist(),
            grouped.column("kafka_offset_max").to_pylist(),
            strict=True,
        )
    }


def process_batch(
    pipeline: ClickstreamPipeline,
    raw: pa.Table,
    topic: str,
    quarantined_upto: dict[int, int],
    *,
    batch_id: str,
) -> BatchReport:
    ranges = last_offsets(raw)
    source = f"kafka://{topic}?" + "&".join(
        f"{p}={lo}-{hi}" for p, (lo, hi) in sorted(ranges.items())
    )

    def already_quarantined(reject: dict[str, Any]) -> bool:
        partition = int(reject["_source_part"])
        return int(reject["_source_line"]) <= quarantined_upto.get(partition, -1)

    commit = BatchCommit(
        bronze_txns=[(offset_app_id(topic, p), hi) for p, (_, hi) in ranges.items()],
        quarantine_txns=[(quarantine_app_id(topic, p), hi) for p, (_, hi) in ranges.items()],
        ledger_txns=[(ledger_app_id(topic, p), hi) for p, (_, hi) in ranges.items()],
    )
    report = pipeline.process(
        raw, batch_id=batch_id, source=source, commit=commit, skip_quarantine=already_quarantined
    )
    if report.quarantined:
        for p, (_, hi) in ranges.items():
            quarantined_upto[p] = max(quarantined_upto.get(p, -1), hi)
    return report


def commit_hint(consumer: Consumer, topic: str, raw: pa.Table) -> None:
    """Commits the group offsets (for lag tools); Delta holds the offsets that count."""
    offsets = [TopicPartition(topic, p, hi + 1) for p, (_, hi) in last_offsets(raw).items()]
    try:
        consumer.commit(offsets=offsets, asynchronous=True)
    except KafkaException as exc:  # only a monitoring hint: the data is already safe
        LOG.warning("group offset commit failed (bronze holds the offsets): %s", exc)


def recover_ledger(lakehouse: Lakehouse, topic: str, partitions: list[int], run_id: str) -> int:
    """Writes the ledger rows a crash between the bronze and ledger commits left out.

    Counts come from bronze and quarantine over the offsets bronze holds beyond the
    ledger's last recorded offset, per partition. Returns the number of rows written.
    """
    ledger_ref = ops.ops_ref("row_ledger")
    records: list[dict[str, Any]] = []
    txns: list[tuple[str, int]] = []
    for p in partitions:
        held = lakehouse.transaction_version(BRONZE, offset_app_id(topic, p))
        counted = lakehouse.transaction_version(ledger_ref, ledger_app_id(topic, p))
        if held is None or (counted is not None and counted >= held):
            continue
        low = -1 if counted is None else counted
        in_range = (
            (pc.field("kafka_partition") == p)
            & (pc.field("kafka_offset") > low)
            & (pc.field("kafka_offset") <= held)
        )
        rows_out = lakehouse.dataset(BRONZE).count_rows(filter=in_range)
        quarantined = 0
        if lakehouse.exists(ops.ops_ref("quarantine")):
            quarantined = lakehouse.dataset(ops.ops_ref("quarantine")).count_rows(
                filter=(pc.field("_source_file") == source_file(topic, p))
                & (pc.field("_source_line") > low)
                & (pc.field("_source_line") <= held)
            )
        records.append(
            ledger_record(
                run_id,
                f"kafka://{topic}?{p}={low + 1}-{held} (recovered)",
                rows_out=rows_out,
                quarantined=quarantined,
                bronze_version=lakehouse.version(BRONZE),
            )
        )
        txns.append((ledger_app_id(topic, p), held))
    if records:
        lakehouse.write(
            ledger_ref, ops.to_table("row_ledger", records), mode="append", app_transactions=txns
        )
    return len(records)
