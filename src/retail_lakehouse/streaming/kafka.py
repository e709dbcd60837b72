"""Kafka client settings and checks shared by the producer and the consumer.

Only this module and its two callers import ``confluent_kafka``; nothing connects at import.
"""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from retail_lakehouse.errors import StreamingError
from retail_lakehouse.streaming.events import DEFAULT_TOPIC

DEFAULT_PARTITIONS = 3
_TIMEOUT_S = 10.0
# librdkafka logs connection retries itself; they go to Python logging, not to stderr.
__all__ = ["DEFAULT_TOPIC", "client_config", "ensure_topic", "partitions_of"]
LOG = logging.getLogger("retail_lakehouse.streaming.kafka")


def client_config(bootstrap_servers: str, **extra: Any) -> dict[str, Any]:
    return {"bootstrap.servers": bootstrap_servers, "logger": LOG, **extra}


def unreachable(bootstrap_servers: str, detail: object) -> StreamingError:
    return StreamingError(
        f"cannot reach Kafka at {bootstrap_servers} ({detail}): start a local broker with "
        "`lakehouse broker` or set KAFKA_BOOTSTRAP_SERVERS to a running one."
    )


def partitions_of(admin_or_client: Any, bootstrap_servers: str, topic: str) -> list[int]:
    """The topic's partition numbers, or [] when the topic does not exist."""
    try:
        # All topics, not list_topics(topic=…): asking for one may auto-create it.
        metadata = admin_or_client.list_topics(timeout=_TIMEOUT_S)
    except KafkaException as exc:
        raise unreachable(bootstrap_servers, exc.args[0].str()) from exc
    found = metadata.topics.get(topic)
    if found is None or found.error is not None:
        return []
    return sorted(found.partitions)


def ensure_topic(
    bootstrap_servers: str, topic: str, partitions: int = DEFAULT_PARTITIONS
) -> list[int]:
    """Creates ``topic`` when missing; returns its partition numbers."""
    admin = AdminClient(client_config(bootstrap_servers))
    existing = partitions_of(admin, bootstrap_servers, topic)
    if existing:
        return existing
    futures = admin.create_topics([NewTopic(topic, partitions, 1)], operation_timeout=_TIMEOUT_S)
    try:
        futures[topic].result(_TIMEOUT_S)
    except KafkaException as exc:
        error: KafkaError = exc.args[0]
        if error.code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise StreamingError(
                f"cannot create topic {topic!r} on {bootstrap_servers} ({error.str()}): "
                "create it with your Kafka tools, then retry."
            ) from exc
    return partitions_of(admin, bootstrap_servers, topic) or list(range(partitions))
