"""Clickstream benchmark: sustained events/s into bronze and p95 latency from produce to
``gold.hourly_traffic`` (goal: ≥ 20k events/s, p95 ≤ 10 s).

Runs against a local Tansu broker on loopback and throw-away lakehouses in a temp dir:

1. **throughput** — ``events`` are produced first, then one consumer run drains them
   (``--until-idle``). events/s = events / (last gold commit − first batch start), i.e.
   the whole path: parse, quarantine check, bronze commit with offsets, ledger, sessions,
   hourly traffic. The same drain without sessionization gives bronze alone.
2. **latency** — a producer thread sends at ``rate`` events/s for ``seconds`` while the
   consumer runs (1 s micro-batches). An event's latency = the commit time of the gold
   write of its batch − its Kafka timestamp (set when the producer sent it).

``run()`` returns the figures as a dict (for ``make bench``); ``python
benchmarks/streaming.py`` prints them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse.storage import Lakehouse
from retail_lakehouse.streaming.broker import LocalBroker
from retail_lakehouse.streaming.consumer import ConsumeOptions, consume
from retail_lakehouse.streaming.generator import Catalog, ClickstreamGenerator
from retail_lakehouse.streaming.pipeline import BatchReport
from retail_lakehouse.streaming.producer import produce_events
from retail_lakehouse.streaming.sessionize import BRONZE

_PRODUCER = """
import json, sys
from retail_lakehouse.streaming.generator import (
    MEAN_EVENTS_PER_SESSION, Catalog, ClickstreamGenerator,
)
from retail_lakehouse.streaming.producer import produce_events
servers, topic = sys.argv[1], sys.argv[2]
rate, seconds, seed = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
generator = ClickstreamGenerator(Catalog.synthetic(seed=seed), seed=seed,
                                 sessions_per_second=rate / MEAN_EVENTS_PER_SESSION)
report = produce_events(servers, topic, generator.chunks(int(rate)), rate=rate, duration=seconds)
print(json.dumps({"events": report.events, "events_per_s": round(report.events_per_second)}))
"""


def drain(
    lakehouse: Lakehouse, servers: str, topic: str, *, sessionize: bool
) -> tuple[int, float, list[BatchReport]]:
    """Consumes everything in ``topic``; returns events, busy seconds and the batches."""
    batches: list[BatchReport] = []
    consume(
        lakehouse,
        servers,
        ConsumeOptions(
            topic=topic,
            batch_messages=50_000,
            batch_seconds=0.5,
            until_idle=True,
            idle_seconds=2.0,
            sessionize=sessionize,
        ),
        on_batch=batches.append,
    )
    events = sum(b.rows_out for b in batches)
    if not batches:
        return 0, 0.0, batches
    started = batches[0].committed_at - batches[0].seconds
    return events, batches[-1].committed_at - started, batches


def bench_throughput(root: Path, servers: str, events: int, seed: int) -> dict[str, Any]:
    generator = ClickstreamGenerator(Catalog.synthetic(seed=seed), seed=seed)
    produced = produce_events(servers, "bench-throughput", generator.take(events))
    figures: dict[str, Any] = {
        "events": events,
        "produce_events_per_s": round(produced.events_per_second),
    }
    for label, sessionize in (("bronze_only", False), ("end_to_end", True)):
        lakehouse = Lakehouse(root / f"throughput-{label}")
        loaded, seconds, batches = drain(
            lakehouse, servers, "bench-throughput", sessionize=sessionize
        )
        assert loaded == events == lakehouse.count(BRONZE), (loaded, events)
        figures[label] = {
            "events_per_s": round(loaded / seconds) if seconds else None,
            "seconds": round(seconds, 2),
            "batches": len(batches),
        }
    return figures


def bench_latency(
    root: Path, servers: str, rate: float, seconds: float, seed: int
) -> dict[str, Any]:
    topic = "bench-latency"
    produce_events(servers, topic, [])  # creates the topic before the consumer starts
    lakehouse = Lakehouse(root / "latency")
    # The producer is another process, as a web site would be: no shared interpreter lock.
    producer = subprocess.Popen(
        [sys.executable, "-c", _PRODUCER, servers, topic, str(rate), str(seconds), str(seed)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        stdout=subprocess.PIPE,
    )
    batches: list[BatchReport] = []
    consume(
        lakehouse,
        servers,
        ConsumeOptions(
            topic=topic,
            batch_messages=100_000,
            batch_seconds=1.0,
            until_idle=True,
            idle_seconds=10.0,  # the producer process needs a few seconds to start
        ),
        on_batch=batches.append,
    )
    out, _ = producer.communicate(timeout=600)
    sent = json.loads(out.decode().strip().splitlines()[-1])
    committed = pa.table(
        {
            "_file_sha256": [b.batch_id for b in batches],
            "committed_us": pa.array(
                [int(b.committed_at * 1_000_000) for b in batches], pa.int64()
            ),
        }
    )
    bronze = lakehouse.read(BRONZE, ["_file_sha256", "kafka_timestamp"])
    joined = bronze.join(committed, "_file_sha256")
    sent_us = pc.cast(pc.cast(joined.column("kafka_timestamp"), pa.timestamp("us")), pa.int64())
    latency_s = pc.divide(
        pc.cast(pc.subtract(joined.column("committed_us"), sent_us), pa.float64()), 1e6
    )
    p50, p95, p99 = pc.quantile(latency_s, q=[0.5, 0.95, 0.99]).to_pylist()
    return {
        "target_rate_per_s": rate,
        "seconds": seconds,
        "events": sent.get("events"),
        "produced_per_s": sent.get("events_per_s"),
        "consumed": joined.num_rows,
        "batches": len(batches),
        "latency_s": {"p50": round(p50, 2), "p95": round(p95, 2), "p99": round(p99, 2)},
    }


def run(
    *,
    events: int = 200_000,
    rate: float = 20_000,
    seconds: float = 20,
    seed: int = 42,
) -> dict[str, Any]:
    """Both benchmarks on a fresh local broker; the figures as a dict."""
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as scratch, LocalBroker() as broker:
        root = Path(scratch)
        throughput = bench_throughput(root, broker.bootstrap_servers, events, seed)
        latency = bench_latency(root, broker.bootstrap_servers, rate, seconds, seed + 1)
    return {
        "throughput": throughput,
        "latency": latency,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "goal": {"events_per_s": 20_000, "p95_latency_s": 10},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rate", type=float, default=20_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    figures = run(events=args.events, rate=args.rate, seconds=args.seconds, seed=args.seed)
    end_to_end = figures["throughput"]["end_to_end"]["events_per_s"]
    bronze_only = figures["throughput"]["bronze_only"]["events_per_s"]
    p95 = figures["latency"]["latency_s"]["p95"]
    print(json.dumps(figures, indent=2))
    print(
        f"sustained: {end_to_end:,} events/s end to end ({bronze_only:,}/s into bronze alone); "
        f"p95 produce → gold.hourly_traffic: {p95} s at "
        f"{figures['latency']['produced_per_s']:,} events/s offered"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
