"""The click event contract: fields, types, and the vectorised parser shared by every source.

An event is one JSON object (one Kafka message value, or one line of a landing file)::

    {"schema_version": 1, "event_id": "…", "event_type": "add_to_cart",
     "event_ts": "2026-03-01T12:00:00.123Z", "session_id": "…", "visitor_id": "…",
     "customer_key": "shopmetrics:C00012", "product_key": "shopmetrics:P0042",
     "quantity": 2, "price_eur": 19.99, "revenue_eur": null, "order_id": null,
     "device": "mobile", "referrer": "google", "utm_campaign": "spring_sale", "country": "DE"}

Parsing runs in DuckDB over the whole micro-batch at once (``json_valid``, ``json_type`` and
casts), so each message gets its verdict and its reason without a Python loop; a message
that fails is quarantined with the rule it broke, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

SCHEMA_VERSION = 1
EVENT_TYPES = (
    "page_view",
    "product_view",
    "add_to_cart",
    "remove_from_cart",
    "begin_checkout",
    "purchase",
)
BRONZE_TABLE = "bronze.clickstream_events"
DEFAULT_TOPIC = "clickstream-events"

FieldKind = Literal["string", "int", "money", "timestamp"]


@dataclass(frozen=True)
class EventField:
    name: str
    kind: FieldKind
    required: bool = False


FIELDS: tuple[EventField, ...] = (
    EventField("event_id", "string", required=True),
    EventField("schema_version", "int", required=True),
    EventField("event_type", "string", required=True),
    EventField("event_ts", "timestamp", required=True),
    EventField("session_id", "string", required=True),
    EventField("visitor_id", "string", required=True),
    EventField("customer_key", "string"),
    EventField("product_key", "string"),
    EventField("quantity", "int"),
    EventField("price_eur", "money"),
    EventField("revenue_eur", "money"),
    EventField("order_id", "string"),
    EventField("device", "string"),
    EventField("referrer", "string"),
    EventField("utm_campaign", "string"),
    EventField("country", "string"),
)
MONEY = pa.decimal128(18, 2)
_TS = pa.timestamp("us", tz="UTC")
_ARROW: dict[FieldKind, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int64(),
    "money": MONEY,
    "timestamp": _TS,
}
EVENT_SCHEMA = pa.schema([pa.field(f.name, _ARROW[f.kind], not f.required) for f in FIELDS])

# Where a raw message came from: Kafka (partition, offset, timestamp) or a landing file
# (file, line). Every source produces this shape; everything after it is shared.
RAW_SCHEMA = pa.schema(
    [
        ("_source_file", pa.string()),
        ("_source_part", pa.string()),
        ("_source_line", pa.int64()),
        ("kafka_partition", pa.int32()),
        ("kafka_offset", pa.int64()),
        ("kafka_timestamp", _TS),
        ("payload", pa.binary()),
    ]
)
ORIGIN_COLUMNS = [f.name for f in RAW_SCHEMA if f.name != "payload"]
AUDIT_SCHEMA = pa.schema(
    [
        ("_ingested_at", _TS),
        ("_run_id", pa.string()),
        ("_file_sha256", pa.string()),
    ]
)
BRONZE_SCHEMA = pa.schema(
    [*EVENT_SCHEMA, *(f for f in RAW_SCHEMA if f.name != "payload"), *AUDIT_SCHEMA]
)
REJECT_SCHEMA = pa.schema(
    [
        ("_source_file", pa.string()),
        ("_source_part", pa.string()),
        ("_source_line", pa.int64()),
        ("_rule", pa.string()),
        ("_reason", pa.string()),
        ("record", pa.string()),
    ]
)

_TYPE_OK: dict[FieldKind, str] = {
    "string": "t_{n} = 'VARCHAR'",
    "int": "t_{n} in ('BIGINT', 'UBIGINT')",
    "money": "t_{n} in ('BIGINT', 'UBIGINT', 'DOUBLE') and v_{n} is not null",
    "timestamp": "t_{n} = 'VARCHAR' and v_{n} is not null",
}
_TYPE_WORD: dict[FieldKind, str] = {
    "string": "a string",
    "int": "an integer",
    "money": "a number with at most 16 digits before the point",
    "timestamp": "an ISO-8601 timestamp",
}
_VALUE: dict[FieldKind, str] = {
    "string": "d.{n} ->> '$'",
    "int": "try_cast(d.{n} ->> '$' as bigint)",
    "money": "try_cast(d.{n} ->> '$' as decimal(18, 2))",
    "timestamp": "try_cast(d.{n} ->> '$' as timestamptz)",
}
_STRUCTURE = "{" + ", ".join(f'"{f.name}": "JSON"' for f in FIELDS) + "}"
_FAST_CHUNK = 1024
"""Rows per retry of the fast parser when a batch holds a bad message: only the chunks
holding one go through the slower per-message checks."""


def _documents_sql(source: str) -> str:
    """Each message decoded once into a struct of its fields (as JSON values)."""
    origin = ", ".join(ORIGIN_COLUMNS)
    return f"""
with raw as (
    select {origin}, payload, try(decode(payload)) as text
    from {source}
),

checked as (
    select *, case when text is null then false else json_valid(text) end as is_json
    from raw
)

select
    *,
    case when is_json then json_type(text) = 'OBJECT' else false end as is_object,
    case
        when is_json and json_type(text) = 'OBJECT' then from_json(text, '{_STRUCTURE}')
    end as d
from checked
"""


def _verdicts_sql(source: str) -> str:
    """Types every field and names the first rule each message breaks, with a reason."""
    typed = ",\n        ".join(
        f"json_type(d.{f.name}) as t_{f.name}, {_VALUE[f.kind].format(n=f.name)} as v_{f.name}"
        for f in FIELDS
    )
    missing = ", ".join(
        f"case when t_{f.name} is null or t_{f.name} = 'NULL' then '{f.name}' end"
        for f in FIELDS
        if f.required
    )
    wrong = ", ".join(
        f"case when t_{f.name} is not null and t_{f.name} <> 'NULL' and not ("
        f"{_TYPE_OK[f.kind].format(n=f.name)}) then '{f.name} is not {_TYPE_WORD[f.kind]} "
        f"(found ' || lower(t_{f.name}) || ')' end"
        for f in FIELDS
    )
    event_types = ", ".join(f"'{t}'" for t in EVENT_TYPES)
    return f"""
with typed as (
    select *, {typed}
    from {source}
),

checked as (
    select
        *,
        concat_ws(', ', {missing}) as missing_fields,
        concat_ws('; ', {wrong}) as wrong_types
    from typed
),

verdicts as (
    select
        *,
        case
            when payload is null then 'empty_message'
            when text is null then 'not_utf8'
            when not is_json then 'malformed_json'
            when not is_object then 'not_an_object'
            when missing_fields <> '' then 'missing_field'
            when wrong_types <> '' then 'wrong_type'
            when v_schema_version <> {SCHEMA_VERSION} then 'unknown_schema_version'
            when v_event_type not in ({event_types}) then 'unknown_event_type'
        end as rule
    from checked
)

select
    *,
    case rule
        when 'empty_message' then 'the message has no value'
        when 'not_utf8' then 'the message is not UTF-8 text'
        when 'malformed_json' then 'the message is not valid JSON'
        when 'not_an_object' then 'the message is JSON but not an object'
        when 'missing_field' then 'required field(s) missing or null: ' || missing_fields
        when 'wrong_type' then wrong_types
        when 'unknown_schema_version' then 'schema_version ' || v_schema_version
            || ' is not a version this consumer reads ({SCHEMA_VERSION})'
        when 'unknown_event_type' then 'event_type ' || v_event_type
            || ' is not one of {", ".join(EVENT_TYPES)}'
    end as reason
from verdicts
"""


@dataclass
class ParsedBatch:
    """A micro-batch after parsing: typed events and the messages that broke a rule."""

    events: pa.Table
    """PARSED_SCHEMA: the event fields, then where each came from (no payload)."""
    rejects: pa.Table
    """REJECT_SCHEMA: where each bad message came from, the rule, the reason, the text."""

    @property
    def rows_in(self) -> int:
        return int(self.events.num_rows + self.rejects.num_rows)


PARSED_SCHEMA = pa.schema([*EVENT_SCHEMA, *(RAW_SCHEMA.field(c) for c in ORIGIN_COLUMNS)])
_FAST_SCHEMA = pa.schema(
    [pa.field(f.name, pa.string() if f.kind == "timestamp" else _ARROW[f.kind]) for f in FIELDS]
)
_FAST_OPTIONS = pj.ParseOptions(
    explicit_schema=_FAST_SCHEMA, unexpected_field_behavior="ignore", newlines_in_values=False
)


def parse_events(con: duckdb.DuckDBPyConnection, raw: pa.Table) -> ParsedBatch:
    """Types the messages of ``raw`` (RAW_SCHEMA) into events, and rejects the rest.

    Every message ends in exactly one of the two outputs (row conservation). A batch of
    good messages is parsed by Arrow's JSON reader in one call (≈ 5x faster than DuckDB's
    JSON functions, measured on 50k events); a batch holding a bad message is retried in
    chunks, and only the chunks that still fail get DuckDB's per-message verdicts.
    """
    raw = raw.cast(RAW_SCHEMA)
    events = _parse_fast(raw)
    if events is not None:
        return ParsedBatch(events, REJECT_SCHEMA.empty_table())
    good: list[pa.Table] = []
    bad: list[pa.Table] = []
    for start in range(0, raw.num_rows, _FAST_CHUNK):
        chunk = raw.slice(start, _FAST_CHUNK)
        events = _parse_fast(chunk)
        if events is None:
            parsed = _parse_checked(con, chunk)
            good.append(parsed.events)
            bad.append(parsed.rejects)
        else:
            good.append(events)
    return ParsedBatch(
        pa.concat_tables(good) if good else PARSED_SCHEMA.empty_table(),
        pa.concat_tables(bad) if bad else REJECT_SCHEMA.empty_table(),
    )


def _parse_fast(raw: pa.Table) -> pa.Table | None:
    """The events, when every message is one valid event; None when any is not.

    The messages are joined by newlines and read as JSON Lines. The join is checked to
    map one message to one line (each message is ``{…}`` without a newline), and the
    reader must return one row per line, so no message can merge with its neighbour.
    """
    size = raw.num_rows
    if size == 0:
        return PARSED_SCHEMA.empty_table()
    payload = raw.column("payload")
    if payload.null_count:
        return None
    text = b"\n".join(payload.to_pylist())
    if (
        not text.startswith(b"{")
        or not text.endswith(b"}")
        or text.count(b"\n") != size - 1
        or text.count(b"}\n{") != size - 1
    ):
        return None
    try:
        table = pj.read_json(pa.BufferReader(text), parse_options=_FAST_OPTIONS)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != size:
        return None
    try:
        event_ts = pc.cast(table.column("event_ts"), _TS)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    table = table.set_column(table.schema.get_field_index("event_ts"), "event_ts", event_ts)
    required_present = all(table.column(f.name).null_count == 0 for f in FIELDS if f.required)
    if (
        not required_present
        or not pc.all(pc.equal(table.column("schema_version"), SCHEMA_VERSION)).as_py()
        or not pc.all(pc.is_in(table.column("event_type"), pa.array(EVENT_TYPES))).as_py()
    ):
        return None
    for name in ORIGIN_COLUMNS:
        table = table.append_column(name, raw.column(name))
    return table.cast(PARSED_SCHEMA)


def _parse_checked(con: duckdb.DuckDBPyConnection, raw: pa.Table) -> ParsedBatch:
    """Per-message verdicts in DuckDB: the good events and each bad one with its reason."""
    name = "__clickstream_raw"
    con.register(name, raw)
    try:
        con.execute(f"create or replace temp table __clickstream_docs as {_documents_sql(name)}")
    finally:
        con.unregister(name)
    con.execute(
        "create or replace temp table __clickstream_parsed as "
        + _verdicts_sql("__clickstream_docs")
    )
    values = ", ".join(f"v_{f.name} as {f.name}" for f in FIELDS)
    origin = ", ".join(ORIGIN_COLUMNS)
    events = con.sql(
        f"select {values}, {origin} from __clickstream_parsed where rule is null"
    ).to_arrow_table()
    rejects = con.sql(
        "select _source_file, _source_part, _source_line, rule as _rule, reason as _reason, "
        "coalesce(text, 'base64:' || to_base64(payload)) as record "
        "from __clickstream_parsed where rule is not null"
    ).to_arrow_table()
    con.execute("drop table __clickstream_parsed")
    con.execute("drop table __clickstream_docs")
    return ParsedBatch(events.cast(PARSED_SCHEMA), rejects.cast(REJECT_SCHEMA))


def with_audit(events: pa.Table, *, run_id: str, batch_id: str, at: pa.Scalar) -> pa.Table:
    """Bronze rows: the parsed events plus the audit columns every bronze table carries."""
    size = events.num_rows
    table = events.append_column("_ingested_at", pa.repeat(at, size).cast(_TS))
    table = table.append_column("_run_id", pa.repeat(pa.scalar(run_id, pa.string()), size))
    table = table.append_column("_file_sha256", pa.repeat(pa.scalar(batch_id, pa.string()), size))
    return table.cast(BRONZE_SCHEMA)
