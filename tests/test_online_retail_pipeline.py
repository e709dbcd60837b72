"""Online Retail II end to end: the issue's KPI definitions, checked on hand-made lines."""

from __future__ import annotations

import pytest

from retail_lakehouse.checks import check_lakehouse
from retail_lakehouse.engines import Engine
from retail_lakehouse.storage import Lakehouse, TableRef
from tests.conftest import online_retail_csv, write_landing
from tests.pipeline import run

GBP_PER_EUR_NOV_2010 = 0.85255  # seed rate for 2010-11
TO_EUR = 1 / GBP_PER_EUR_NOV_2010

LINES = (
    "500001,85123A,WHITE HEART,6,2010-11-01 10:00:00,2.5,13085.0,United Kingdom",  # sale 15
    '500001,22423,"CAKE STAND, ""REGENCY""",2,2010-11-01 10:00:00,10.0,13085.0,United Kingdom',
    '500001,22423,"CAKE STAND, ""REGENCY""",2,2010-11-01 10:00:00,10.0,13085.0,United Kingdom',
    "500001,POST,POSTAGE,1,2010-11-01 10:00:00,18.0,13085.0,United Kingdom",  # non-product
    "500002,85123A,WHITE HEART,3,2010-11-01 11:00:00,2.5,,United Kingdom",  # guest sale 7.5
    "C500003,85123A,WHITE HEART,-2,2010-11-01 12:00:00,2.5,13085.0,United Kingdom",  # return 5
    "500004,22423,CAKE STAND,1,2010-11-01 13:00:00,10.0,12345.0,EIRE",  # sale 10, Ireland
    "500005,22423,damaged,-5,2010-11-01 14:00:00,0,,United Kingdom",  # stock adjustment
    "A500006,B,Adjust bad debt,1,2010-11-01 15:00:00,-100.0,,United Kingdom",  # non-product
)


@pytest.fixture
def built(lakehouse: Lakehouse, duckdb_engine: Engine) -> Lakehouse:
    write_landing(lakehouse, "online_retail", "online_retail_II.csv", online_retail_csv(*LINES))
    run(duckdb_engine)
    return lakehouse


def rows(lakehouse: Lakehouse, table: str, order_by: str) -> list[dict[str, object]]:
    return lakehouse.read(TableRef.parse(table)).sort_by(order_by).to_pylist()


def test_sales_daily_follows_the_definitions(built: Lakehouse) -> None:
    gb, ie = rows(built, "gold.sales_daily", "country_code")
    assert (gb["country_code"], ie["country_code"]) == ("GB", "IE")
    assert (gb["orders"], gb["units"], gb["customers"]) == (2, 11, 1)
    assert gb["gross_revenue_local"] == pytest.approx(42.5)
    assert gb["returns_local"] == pytest.approx(5.0)
    assert gb["net_revenue_local"] == pytest.approx(37.5)
    assert gb["gross_revenue_eur"] == pytest.approx(42.5 * TO_EUR)
    assert gb["net_revenue_eur"] == pytest.approx(37.5 * TO_EUR)
    assert gb["aov_eur"] == pytest.approx(42.5 * TO_EUR / 2)
    assert (ie["orders"], ie["units"], ie["customers"]) == (1, 1, 1)
    assert ie["gross_revenue_local"] == pytest.approx(10.0)
    assert str(gb["date"]) == "2010-11-01" and gb["local_currency"] == "GBP"


def test_exact_duplicate_is_dropped_and_counted_in_the_ledger(built: Lakehouse) -> None:
    stage = built.read(TableRef("silver", "stg_online_retail_order_line"))
    assert stage.num_rows == 8
    ledger = [
        r
        for r in built.read(TableRef("ops", "row_ledger")).to_pylist()
        if r["table_name"] == "silver.stg_online_retail_order_line"
    ]
    assert [
        (r["rows_in"], r["rows_out"], r["rows_dropped"], r["dropped_by_rule"]) for r in ledger
    ] == [(9, 8, 1, '{"exact_duplicate": 1}')]


def test_lines_are_classified_and_guests_kept(built: Lakehouse) -> None:
    lines = rows(built, "silver.fact_order_line", "order_line_key")
    by_key = {str(r["order_line_key"]): r for r in lines}
    assert by_key["online_retail:C500003:1"]["is_return"] is True
    assert by_key["online_retail:C500003:1"]["line_type"] == "return"
    assert by_key["online_retail:500002:1"]["customer_key"] is None
    assert by_key["online_retail:500001:3"]["line_type"] == "non_product"
    assert by_key["online_retail:A500006:1"]["line_type"] == "non_product"
    assert by_key["online_retail:500005:1"]["line_type"] == "adjustment"
    assert by_key["online_retail:500001:1"]["customer_version_key"] == "online_retail:13085#1"
    assert by_key["online_retail:500001:1"]["net_amount_eur"] == pytest.approx(15 * TO_EUR)


def test_non_product_codes_are_flagged_in_dim_product(built: Lakehouse) -> None:
    products = {str(r["product_key"]): r for r in rows(built, "silver.dim_product", "product_key")}
    assert products["online_retail:POST"]["is_product"] is False
    assert products["online_retail:POST"]["product_type"] == "shipping"
    assert products["online_retail:22423"]["is_product"] is True
    assert products["online_retail:22423"]["product_name"] == "CAKE STAND"  # latest wins
    assert products["online_retail:22423"]["category"] == "Kitchen & Dining"


def test_customer_360_has_rfm_and_monetary_net_of_returns(built: Lakehouse) -> None:
    first, second = rows(built, "gold.customer_360", "customer_key")
    assert first["customer_key"] == "online_retail:12345"
    assert second["customer_key"] == "online_retail:13085"
    assert second["frequency"] == 1
    assert second["monetary_eur"] == pytest.approx(30 * TO_EUR)
    assert second["country_code"] == "GB" and first["country_code"] == "IE"
    assert second["recency_days"] == 0
    assert second["lifecycle_stage"] == "new"


def test_rerun_with_the_same_files_changes_no_table(
    built: Lakehouse, duckdb_engine: Engine
) -> None:
    data_tables = [t for t in built.tables() if t.layer != "ops"]
    before = {t: built.version(t) for t in data_tables}
    report = run(duckdb_engine)
    assert {m["status"] for m in report.models} == {"up_to_date"}
    assert {t: built.version(t) for t in data_tables} == before


def test_full_refresh_rewrites_identical_data(built: Lakehouse, duckdb_engine: Engine) -> None:
    before = built.read(TableRef("gold", "sales_daily")).sort_by("country_code")
    run(duckdb_engine, full_refresh=True)
    after = built.read(TableRef("gold", "sales_daily")).sort_by("country_code")
    assert after.equals(before)


def test_check_passes_then_fails_when_a_table_is_tampered_with(built: Lakehouse) -> None:
    assert check_lakehouse(built) == []
    built.delete(TableRef("silver", "stg_online_retail_order_line"), "invoice = '500002'")
    problems = check_lakehouse(built)
    assert any("stg_online_retail_order_line has 7 rows" in p for p in problems)
