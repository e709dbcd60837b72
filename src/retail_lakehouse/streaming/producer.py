"""Producer of session-aware click events to a Kafka topic (``lakehouse stream produce``).

Messages are keyed by session id, so a session's events stay in one partition and in
order; the producer is idempotent (``enable.idempotence``: a retried send is never written
twice). Values are the JSON documented in :mod:`retail_lakehouse.streaming.events`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import duckdb
import pyarrow as pa
from confluent_kafka import KafkaError, KafkaException, Message, Producer

from retail_lakehouse.errors import StreamingError
from retail_lakehouse.streaming.events import FIELDS
from retail_lakehouse.streaming.kafka import client_config, ensure_topic, unreachable

_FLUSH_TIMEOUT_S = 60.0
_PACE_SLICE_S = 0.05


@dataclass
class ProduceReport:
    events: int
    seconds: float
    first_produced_at: float | None = None
    """Wall-clock (``time.time()``) of the first send; benchmarks measure latency from it."""

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def to_json_lines(con: duckdb.DuckDBPyConnection, events: pa.Table) -> pa.Table:
    """``session_id`` and the JSON ``payload`` of each event, serialised by DuckDB."""
    members = ", ".join(
        f"{f.name}: strftime({f.name}, '%Y-%m-%dT%H:%M:%S.%fZ')"
        if f.kind == "timestamp"
        else f"{f.name}: {f.name}"
        for f in FIELDS
    )
    con.register("__events", events)
    try:
        return con.sql(
            f"select session_id, to_json({{{members}}})::varchar as payload from __events"
        ).to_arrow_table()
    finally:
        con.unregister("__events")


def produce_events(
    bootstrap_servers: str,
    topic: str,
    chunks: Iterable[pa.Table],
    *,
    rate: float | None = None,
    duration: float | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ProduceReport:
    """Sends every event of ``chunks`` (EVENT_SCHEMA tables) to ``topic``; waits for acks.

    ``rate`` paces sends to about that many events per second; ``duration`` stops after
    that many seconds. Raises StreamingError if any event is not acknowledged.
    """
    ensure_topic(bootstrap_servers, topic)
    producer = Producer(
        client_config(
            bootstrap_servers,
            **{"enable.idempotence": True, "linger.ms": 5, "compression.type": "lz4"},
        )
    )
    failures: list[KafkaError] = []

    def delivered(error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            failures.append(error)

    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    sent = 0
    started = time.monotonic()
    first_at: float | None = None
    try:
        for chunk in chunks:
            lines = to_json_lines(con, chunk)
            keys = lines.column("session_id").to_pylist()
            values = lines.column("payload").to_pylist()
            for lo, hi in _paced_slices(len(values), rate, started, sent):
                if first_at is None:
                    first_at = time.time()
                for key, value in zip(keys[lo:hi], values[lo:hi], strict=True):
                    _send(producer, topic, key, value, delivered)
                producer.poll(0)
                sent += hi - lo
                if duration is not None and time.monotonic() - started >= duration:
                    break
            if on_progress:
                on_progress(sent)
            if duration is not None and time.monotonic() - started >= duration:
                break
        remaining = producer.flush(_FLUSH_TIMEOUT_S)
    finally:
        con.close()
    if remaining:
        raise unreachable(bootstrap_servers, f"{remaining} events not acknowledged")
    if failures:
        raise StreamingError(
            f"{len(failures)} of {sent} events were not delivered to {topic} "
            f"(first: {failures[0].str()}); check the broker and produce again."
        )
    return ProduceReport(sent, time.monotonic() - started, first_at)


def _send(
    producer: Producer,
    topic: str,
    key: str,
    value: str,
    delivered: Callable[[KafkaError | None, Message], None],
) -> None:
    while True:
        try:
            producer.produce(topic, value=value, key=key, on_delivery=delivered)
            return
        except BufferError:  # the local queue is full: let deliveries drain it
            producer.poll(0.05)
        except KafkaException as exc:
            raise StreamingError(
                f"cannot send to {topic}: {exc.args[0].str()}; check the broker and retry."
            ) from exc


def _paced_slices(
    size: int, rate: float | None, started: float, already: int
) -> Iterator[tuple[int, int]]:
    """Index ranges of one chunk; with ``rate`` each waits until its time has come."""
    if rate is None or rate <= 0:
        yield 0, size
        return
    step = max(1, int(rate * _PACE_SLICE_S))
    for lo in range(0, size, step):
        due = started + (already + lo) / rate
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        yield lo, min(size, lo + step)
