"""A consumer killed with SIGKILL mid-run, again and again, still loads every event once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.compute as pc
import pytest

from retail_lakehouse import ops
from retail_lakehouse.storage import Lakehouse
from retail_lakehouse.streaming.broker import LocalBroker
from retail_lakehouse.streaming.generator import Catalog, ClickstreamGenerator
from retail_lakehouse.streaming.producer import produce_events
from retail_lakehouse.streaming.sessionize import BRONZE, HOURLY_TRAFFIC, WEB_SESSION
from tests.streaming.conftest import T0
from tests.streaming.test_sessionize import full_models, same_rows

pytestmark = [pytest.mark.broker, pytest.mark.slow]

EVENTS = 100_000
KILLS = 4
CONSUMER = """
import sys
from pathlib import Path
from retail_lakehouse.storage import Lakehouse
from retail_lakehouse.streaming.consumer import ConsumeOptions, consume
consume(
    Lakehouse(Path(sys.argv[1])),
    sys.argv[2],
    ConsumeOptions(topic=sys.argv[3], batch_messages=4_000, batch_seconds=0.3,
                   until_idle=True, idle_seconds=3.0),
)
"""


def start_consumer(
    lakehouse: Lakehouse, broker: LocalBroker, topic: str
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(
        [sys.executable, "-c", CONSUMER, str(lakehouse.home), broker.bootstrap_servers, topic],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for_new_commit(
    lakehouse: Lakehouse, before: int | None, consumer: subprocess.Popen[bytes]
) -> None:
    """Returns once the consumer has committed a bronze batch (so the kill is mid-run)."""
    deadline = time.monotonic() + 120
    while lakehouse.version(BRONZE) == before:
        assert consumer.poll() is None, "the consumer ended before it was killed"
        assert time.monotonic() < deadline, "no bronze commit within 120 s"
        time.sleep(0.1)


def test_consumer_killed_mid_run_loads_every_event_exactly_once(
    broker: LocalBroker, tmp_path: Path
) -> None:
    topic = "t-kill"
    generator = ClickstreamGenerator(Catalog.synthetic(seed=3), seed=3, start=T0)
    assert produce_events(broker.bootstrap_servers, topic, generator.take(EVENTS)).events == EVENTS
    lakehouse = Lakehouse(tmp_path / "lakehouse")
    pause = random.Random(20)
    seen_mid_run = []
    for _ in range(KILLS):
        before = lakehouse.version(BRONZE)
        consumer = start_consumer(lakehouse, broker, topic)
        wait_for_new_commit(lakehouse, before, consumer)
        time.sleep(pause.uniform(0.0, 1.5))  # somewhere in the next batch's writes
        consumer.send_signal(signal.SIGKILL)
        consumer.wait()
        seen_mid_run.append(lakehouse.count(BRONZE))
    final = start_consumer(lakehouse, broker, topic)
    _, stderr = final.communicate(timeout=600)
    assert final.returncode == 0, stderr.decode()[-2000:]
    # the kills landed mid-run: bronze was growing and incomplete at each of them
    assert seen_mid_run == sorted(seen_mid_run)
    assert 0 < seen_mid_run[-1] < EVENTS, seen_mid_run
    bronze = lakehouse.read(BRONZE, ["event_id"])
    assert bronze.num_rows == EVENTS
    assert pc.count_distinct(bronze.column("event_id")).as_py() == EVENTS
    ledger = ops.read(lakehouse, "row_ledger").filter(pc.equal(pc.field("layer"), "bronze"))
    assert pc.sum(ledger.column("rows_in")).as_py() == EVENTS  # the ledger, too, once
    web_session, hourly = full_models(lakehouse)
    assert same_rows(lakehouse.read(WEB_SESSION), web_session, "session_key")
    assert same_rows(lakehouse.read(HOURLY_TRAFFIC), hourly, "hour")
