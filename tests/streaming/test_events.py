"""The event contract: every message is either a typed event or a reject with its reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from retail_lakehouse.streaming.events import EVENT_SCHEMA, _parse_checked, parse_events
from tests.streaming.conftest import event, generated_payloads, raw_messages


def test_valid_event_is_typed(con: duckdb.DuckDBPyConnection) -> None:
    doc = event("e1", "s1", "10:00", "purchase", revenue_eur=59.97, quantity=2, order_id="o1")
    parsed = parse_events(con, raw_messages([doc], partition=2, first_offset=41))
    assert parsed.rejects.num_rows == 0
    row = parsed.events.to_pylist()[0]
    assert row["event_ts"] == dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    assert row["revenue_eur"] == Decimal("59.97")
    assert (row["kafka_partition"], row["kafka_offset"]) == (2, 41)
    assert row["customer_key"] is None


@pytest.mark.parametrize(
    ("payload", "rule", "reason"),
    [
        ("{not json", "malformed_json", "the message is not valid JSON"),
        (b"\xff\xfe", "not_utf8", "the message is not UTF-8 text"),
        (None, "empty_message", "the message has no value"),
        ("[1, 2]", "not_an_object", "the message is JSON but not an object"),
        (
            '{"schema_version": 1, "event_id": "e9"}',
            "missing_field",
            "required field(s) missing or null: event_type, event_ts, session_id, visitor_id",
        ),
        (
            event("e9", "s1", "10:00", quantity="2"),
            "wrong_type",
            "quantity is not an integer (found varchar)",
        ),
        (
            {**event("e9", "s1", "10:00"), "event_ts": "yesterday"},
            "wrong_type",
            "event_ts is not an ISO-8601 timestamp (found varchar)",
        ),
        (
            {**event("e9", "s1", "10:00"), "schema_version": 2},
            "unknown_schema_version",
            "schema_version 2 is not a version this consumer reads (1)",
        ),
        (
            event("e9", "s1", "10:00", "click"),
            "unknown_event_type",
            "event_type click is not one of page_view, product_view, add_to_cart, "
            "remove_from_cart, begin_checkout, purchase",
        ),
    ],
)
def test_bad_message_is_rejected_with_rule_and_reason(
    con: duckdb.DuckDBPyConnection, payload: object, rule: str, reason: str
) -> None:
    good = [event(f"g{i}", "s1", "10:00") for i in range(3)]
    parsed = parse_events(con, raw_messages([*good[:2], payload, good[2]], first_offset=100))
    assert parsed.events.column("event_id").to_pylist() == ["g0", "g1", "g2"]
    assert parsed.rejects.select(
        ["_source_file", "_source_line", "_rule", "_reason"]
    ).to_pylist() == [
        {
            "_source_file": "kafka://clickstream-events/0",
            "_source_line": 102,
            "_rule": rule,
            "_reason": reason,
        }
    ]


def test_fast_and_checked_parsers_agree_on_generated_events(
    con: duckdb.DuckDBPyConnection,
) -> None:
    payloads = generated_payloads(2_000).column("payload").to_pylist()
    raw = raw_messages(payloads)
    fast = parse_events(con, raw)
    checked = _parse_checked(con, raw)
    assert fast.rejects.num_rows == checked.rejects.num_rows == 0
    assert fast.events.equals(checked.events)
    assert fast.events.schema.field("price_eur").type == EVENT_SCHEMA.field("price_eur").type
