"""Every expectation kind catches a hand-made violation and passes clean data, on both engines."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest

from retail_lakehouse.engines import Engine
from retail_lakehouse.quality.evaluate import CheckContext, evaluate_expectations
from retail_lakehouse.quality.expectations import parse
from retail_lakehouse.storage import Lakehouse, TableRef

UTC = dt.UTC
AS_OF = dt.datetime(2024, 1, 4, tzinfo=UTC)
Rows = list[dict[str, Any]]

# Three clean order lines: o1 = 10 + 20 = 30 EUR, o2 = 30 EUR; mean review 4; one guest.
CLEAN: Rows = [
    {
        "order_id": "o1",
        "line": 1,
        "country_code": "GB",
        "customer_key": "crm:1",
        "amount": 10.0,
        "review_score": 5,
        "order_ts": dt.datetime(2024, 1, 3, 10, tzinfo=UTC),
        "source_system": "crm",
    },
    {
        "order_id": "o1",
        "line": 2,
        "country_code": "FR",
        "customer_key": "crm:2",
        "amount": 20.0,
        "review_score": 4,
        "order_ts": dt.datetime(2024, 1, 3, 12, tzinfo=UTC),
        "source_system": "olist",
    },
    {
        "order_id": "o2",
        "line": 1,
        "country_code": "DE",
        "customer_key": None,
        "amount": 30.0,
        "review_score": 3,
        "order_ts": dt.datetime(2024, 1, 2, tzinfo=UTC),
        "source_system": "crm",
    },
]
SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("line", pa.int64()),
        ("country_code", pa.string()),
        ("customer_key", pa.string()),
        ("amount", pa.float64()),
        ("review_score", pa.int64()),
        ("order_ts", pa.timestamp("us", tz="UTC")),
        ("source_system", pa.string()),
    ]
)


def changed(index: int, **values: Any) -> Callable[[Rows], Rows]:
    return lambda rows: [({**r, **values} if i == index else r) for i, r in enumerate(rows)]


def every_row(**values: Any) -> Callable[[Rows], Rows]:
    return lambda rows: [{**r, **values} for r in rows]


CASES: list[tuple[str, dict[str, Any], Callable[[Rows], Rows], int]] = [
    ("not_null_catches_a_null_key", {"not_null": "order_id"}, changed(0, order_id=None), 1),
    (
        "compound_unique_catches_a_repeated_order_and_line",
        {"unique": ["order_id", "line"]},
        changed(1, line=1),
        1,
    ),
    (
        "accepted_values_catches_an_unknown_source",
        {"accepted_values": {"column": "source_system", "values": ["crm", "olist"]}},
        changed(2, source_system="shopify"),
        1,
    ),
    (
        "range_catches_a_negative_amount",
        {"range": {"column": "amount", "min": 0, "max": 100}},
        changed(0, amount=-5.0),
        1,
    ),
    (
        "regex_catches_a_lower_case_country_code",
        {"regex": {"column": "country_code", "pattern": "^[A-Z]{2}$"}},
        changed(0, country_code="gb"),
        1,
    ),
    (
        "regex_with_backslash_classes_catches_a_malformed_order_id",
        {"regex": {"column": "order_id", "pattern": r"^o\d+$"}},
        changed(2, order_id="ox"),
        1,
    ),
    (
        "like_catches_a_key_without_its_source_prefix",
        {"like": {"column": "customer_key", "pattern": "crm:%"}},
        changed(1, customer_key="crm2"),
        1,
    ),
    (
        "expression_catches_a_zero_amount",
        {"expression": {"name": "positive_amount", "sql": "amount > 0"}},
        changed(1, amount=0.0),
        1,
    ),
    (
        "relationships_catches_an_order_of_a_missing_customer",
        {"relationships": {"column": "customer_key", "to": "bronze.customers"}},
        changed(0, customer_key="crm:9"),
        1,
    ),
    (
        "row_count_catches_a_table_below_its_minimum",
        {"row_count": {"min": 2, "max": 10}},
        lambda rows: rows[:1],
        1,
    ),
    (
        "row_count_change_catches_a_drop_of_more_than_half",
        {"row_count_change": {"max_drop_pct": 50}},  # previous run: 4 rows
        lambda rows: rows[:1],
        1,
    ),
    (
        "freshness_catches_a_table_that_stopped_receiving_rows",
        {"freshness": {"column": "order_ts", "max_age_hours": 48}},
        every_row(order_ts=dt.datetime(2023, 12, 30, tzinfo=UTC)),
        1,
    ),
    (
        "freshness_by_source_catches_the_one_source_that_stopped",
        {"freshness": {"column": "order_ts", "max_age_hours": 48, "by": "source_system"}},
        changed(1, order_ts=dt.datetime(2023, 12, 30, tzinfo=UTC)),
        1,
    ),
    (
        "null_share_catches_too_many_guest_lines",
        {"null_share": {"column": "customer_key", "max": 0.4}},
        changed(0, customer_key=None),
        2,
    ),
    (
        "mean_between_catches_a_collapse_of_review_scores",
        {"mean_between": {"column": "review_score", "min": 3, "max": 5}},
        every_row(review_score=1),
        1,
    ),
    (
        "sql_catches_an_order_whose_payments_differ_from_its_total",
        {
            "sql": {
                "name": "payments_match_order_total",
                "sql": (
                    "select o.order_id, o.total, p.paid "
                    "from (select order_id, sum(amount) as total from this group by order_id) as o "
                    "join bronze.payments as p on p.order_id = o.order_id "
                    "where abs(o.total - p.paid) > 0.01"
                ),
            }
        },
        changed(0, amount=13.0),
        1,
    ),
]


@pytest.fixture
def parents(lakehouse: Lakehouse) -> None:
    lakehouse.write(
        TableRef("bronze", "customers"),
        pa.table({"customer_key": ["crm:1", "crm:2"]}),
        mode="overwrite",
    )
    lakehouse.write(
        TableRef("bronze", "payments"),
        pa.table({"order_id": ["o1", "o2"], "paid": [30.0, 30.0]}),
        mode="overwrite",
    )


def evaluate_on(engine: Engine, entry: dict[str, Any], rows: Rows) -> dict[str, Any]:
    engine.lakehouse.write(
        TableRef("bronze", "checked"), pa.Table.from_pylist(rows, SCHEMA), mode="overwrite"
    )
    engine.refresh()
    check = parse(entry, "test.yml")
    context = CheckContext(
        run_id="r2", table_name="bronze.checked", as_of=AS_OF, previous_row_counts={check.name: 4}
    )
    [result] = evaluate_expectations(
        engine, [check], "select * from bronze.checked", context
    ).results
    return result


@pytest.mark.usefixtures("parents")
@pytest.mark.parametrize(
    ("entry", "spoil", "failing"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_kind_passes_clean_rows_and_catches_its_violation(
    engine: Engine, entry: dict[str, Any], spoil: Callable[[Rows], Rows], failing: int
) -> None:
    clean = evaluate_on(engine, entry, CLEAN)
    assert (clean["passed"], clean["failing_rows"]) == (True, 0), clean
    bad = evaluate_on(engine, entry, spoil(CLEAN))
    assert (bad["passed"], bad["failing_rows"]) == (False, failing), bad
    assert json.loads(bad["sample"]), "a failing check explains itself with a sample"


def test_failing_rows_sample_shows_the_offending_row(engine: Engine, parents: None) -> None:
    result = evaluate_on(engine, {"not_null": "customer_key"}, CLEAN)
    [row] = json.loads(result["sample"])
    assert (row["order_id"], row["line"], row["customer_key"]) == ("o2", 1, None)


def test_row_count_change_records_rows_and_change_against_the_previous_run(
    engine: Engine, parents: None
) -> None:
    result = evaluate_on(engine, {"row_count_change": {"max_drop_pct": 50}}, CLEAN[:1])
    assert result["rows_checked"] == 1
    assert json.loads(result["observed"]) == {"rows": 1, "previous": 4, "change_pct": -75.0}
