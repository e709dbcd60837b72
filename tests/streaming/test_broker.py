"""The local broker: starts on loopback, speaks Kafka, stops cleanly."""

from __future__ import annotations

import pytest
from confluent_kafka.admin import AdminClient

from retail_lakehouse.errors import StreamingError
from retail_lakehouse.streaming.broker import LocalBroker, accepts_connections, have_tansu
from retail_lakehouse.streaming.kafka import client_config, ensure_topic

pytestmark = [
    pytest.mark.broker,
    pytest.mark.skipif(not have_tansu(), reason="the Tansu broker is not installed"),
]


def test_broker_starts_on_loopback_and_stops() -> None:
    broker = LocalBroker().start()
    try:
        assert broker.bootstrap_servers.startswith("127.0.0.1:")
        assert ensure_topic(broker.bootstrap_servers, "t-broker", partitions=2) == [0, 1]
        assert ensure_topic(broker.bootstrap_servers, "t-broker") == [0, 1]  # exists: kept
        admin = AdminClient(client_config(broker.bootstrap_servers))
        assert "t-broker" in admin.list_topics(timeout=5).topics
    finally:
        broker.stop()
    assert not broker.running
    assert not accepts_connections(broker.port)


def test_port_in_use_is_a_clear_error() -> None:
    with (
        LocalBroker() as first,
        pytest.raises(StreamingError, match="already in use: choose another --port"),
    ):
        LocalBroker(first.port).start()
