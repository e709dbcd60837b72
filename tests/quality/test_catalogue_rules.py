"""The custom-SQL rules of docs/quality.md's catalogue catch their fault on both engines."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pyarrow as pa

from retail_lakehouse.engines import Engine
from retail_lakehouse.quality.evaluate import CheckContext, evaluate_expectations
from retail_lakehouse.quality.expectations import parse
from retail_lakehouse.storage import TableRef

FX_RATE_HAS_NO_GAPS = """
select currency, min(rate_date) as first_day, max(rate_date) as last_day, count(*) as days
from this group by currency
having count(*) <> date_diff('day', min(rate_date), max(rate_date)) + 1
"""
NO_DAY_COLLAPSES = """
select date, source_system, orders, trailing_avg from (
    select date, source_system, sum(orders) as orders,
        avg(sum(orders)) over (
            partition by source_system order by date rows between 7 preceding and 1 preceding
        ) as trailing_avg
    from this group by date, source_system
) as daily
where trailing_avg >= 20 and orders < 0.2 * trailing_avg
"""
VALIDITY_IS_CONTIGUOUS = """
select customer_key, customer_version_key, valid_to, next_valid_from from (
    select customer_key, customer_version_key, valid_to,
        lead(valid_from) over (partition by customer_key order by valid_from) as next_valid_from
    from this
) as versions
where (next_valid_from is null) <> (valid_to is null) or valid_to <> next_valid_from
"""
ONE_CURRENT_VERSION = """
select customer_key, sum(case when is_current then 1 else 0 end) as current_versions
from this group by customer_key
having sum(case when is_current then 1 else 0 end) <> 1
"""


def failing(engine: Engine, sql: str, table: pa.Table) -> list[dict[str, Any]]:
    engine.lakehouse.write(TableRef("bronze", "checked"), table, mode="overwrite")
    engine.refresh()
    check = parse({"sql": {"name": "rule", "sql": sql}}, "catalogue")
    context = CheckContext(run_id="r", table_name="silver.x", as_of=dt.datetime.now(dt.UTC))
    [result] = evaluate_expectations(
        engine, [check], "select * from bronze.checked", context
    ).results
    assert result["passed"] == (result["failing_rows"] == 0)
    return [] if result["passed"] else list(json.loads(result["sample"]))


def test_fx_rate_gap_is_caught(engine: Engine) -> None:
    days = [dt.date(2024, 1, 1) + dt.timedelta(d) for d in range(10)]
    full = pa.table({"currency": ["GBP"] * 10, "rate_date": days, "rate_to_eur": [1.17] * 10})
    assert failing(engine, FX_RATE_HAS_NO_GAPS, full) == []
    gap = full.filter(pa.array([d != dt.date(2024, 1, 5) for d in days]))
    [row] = failing(engine, FX_RATE_HAS_NO_GAPS, gap)
    assert (row["currency"], row["days"]) == ("GBP", 9)  # 10 calendar days, 9 rates


def test_a_day_with_80_percent_fewer_orders_is_caught(engine: Engine) -> None:
    days = [dt.date(2024, 1, 1) + dt.timedelta(d) for d in range(10)]
    steady = pa.table({"date": days, "source_system": ["olist"] * 10, "orders": [100] * 10})
    assert failing(engine, NO_DAY_COLLAPSES, steady) == []
    collapsed = steady.set_column(2, "orders", pa.array([100] * 8 + [19, 100]))
    [row] = failing(engine, NO_DAY_COLLAPSES, collapsed)
    assert (str(row["date"]), int(row["orders"])) == ("2024-01-09", 19)


def test_scd2_overlap_and_double_current_version_are_caught(engine: Engine) -> None:
    def versions(valid_to: list[int | None], current: list[bool]) -> pa.Table:
        return pa.table(
            {
                "customer_key": ["a", "a", "a", "b"],
                "customer_version_key": ["a#1", "a#2", "a#3", "b#1"],
                "valid_from": [1, 5, 9, 3],
                "valid_to": pa.array(valid_to, pa.int64()),
                "is_current": current,
            }
        )

    good = versions([5, 9, None, None], [False, False, True, True])
    assert failing(engine, VALIDITY_IS_CONTIGUOUS, good) == []
    assert failing(engine, ONE_CURRENT_VERSION, good) == []
    [gap] = failing(
        engine, VALIDITY_IS_CONTIGUOUS, versions([5, 8, None, None], [False] * 2 + [True] * 2)
    )
    assert gap["customer_version_key"] == "a#2"
    [double] = failing(
        engine, ONE_CURRENT_VERSION, versions([5, 9, None, None], [False, True, True, True])
    )
    assert (double["customer_key"], int(double["current_versions"])) == ("a", 2)
