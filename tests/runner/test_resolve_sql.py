"""A model's SQL is made runnable without changing what it means."""

from __future__ import annotations

import duckdb
import pytest

from retail_lakehouse.runner.materialize import inline_table_ctes
from retail_lakehouse.runner.project import parse_sql

RENAMED_TWICE = """
    with lines as (select * from silver.fact_order_line),
    touched as (select distinct order_id from lines where qty > 1)
    select l.order_id, sum(l.qty) as qty
    from lines as l
    inner join touched as t on t.order_id = l.order_id
    group by l.order_id
    order by l.order_id
"""


def inlined(sql: str) -> str:
    return str(inline_table_ctes(parse_sql(sql)).sql(dialect="duckdb"))


def test_a_cte_that_only_renames_a_table_is_read_by_name() -> None:
    sql = inlined(RENAMED_TWICE)
    assert "lines AS (" not in sql
    assert sql.count("silver.fact_order_line AS lines") == 1
    assert "silver.fact_order_line AS l" in sql


@pytest.mark.parametrize(
    "body",
    [
        "select * from silver.fact_order_line where qty > 0",
        "select distinct * from silver.fact_order_line",
        "select order_id, qty from silver.fact_order_line",
        "select * from silver.fact_order_line limit 5",
        "select * from silver.fact_order_line as f join silver.dim_product using (order_id)",
    ],
)
def test_a_cte_that_does_more_than_rename_is_kept(body: str) -> None:
    sql = inlined(f"with lines as ({body}) select * from lines join lines as b using (order_id)")
    assert sql.upper().startswith("WITH LINES AS (")


def test_inlining_returns_the_same_rows() -> None:
    con = duckdb.connect()
    con.execute("create schema silver")
    con.execute(
        "create table silver.fact_order_line as "
        "select * from (values (1, 2), (1, 3), (2, 1), (3, 5)) as t(order_id, qty)"
    )
    assert con.sql(inlined(RENAMED_TWICE)).fetchall() == con.sql(RENAMED_TWICE).fetchall()
    assert con.sql(RENAMED_TWICE).fetchall() == [(1, 5), (3, 5)]
