"""``lakehouse stream produce|consume`` as a user runs them (the sub-app the CLI mounts)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from retail_lakehouse.storage import Lakehouse
from retail_lakehouse.streaming.broker import LocalBroker
from retail_lakehouse.streaming.cli import stream_app
from retail_lakehouse.streaming.sessionize import BRONZE, HOURLY_TRAFFIC

pytestmark = pytest.mark.broker


def test_produce_then_consume_fills_bronze_and_hourly_traffic(
    broker: LocalBroker, lakehouse: Lakehouse
) -> None:
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "LAKEHOUSE_HOME": str(lakehouse.home),
    }
    runner = CliRunner()
    produced = runner.invoke(
        stream_app, ["produce", "--events", "800", "--seed", "4", "--topic", "t-cli"], env=env
    )
    assert produced.exit_code == 0, produced.output
    assert re.search(r"sent 800 events to t-cli .* seed 4; .*synthetic catalog", produced.output)
    consumed = runner.invoke(
        stream_app,
        ["consume", "--until-idle", "--idle-seconds", "1.5", "--topic", "t-cli"],
        env=env,
    )
    assert consumed.exit_code == 0, consumed.output
    assert "800 events into bronze.clickstream_events, 0 quarantined" in consumed.output
    assert lakehouse.count(BRONZE) == 800
    assert lakehouse.count(HOURLY_TRAFFIC) >= 1
