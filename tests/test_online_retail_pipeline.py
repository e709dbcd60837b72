"""Online Retail II end to end: the issue's KPI definitions, checked on hand-made lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from retail_lakehouse.checks import check_lakehouse
from retail_lakehouse.engines import Engine
from retail_lakehouse.storage import Lakehouse, TableRef
from tests.conftest import online_retail_csv, write_landing
from tests.pipeline import run

GBP_PER_EUR_NOV_2010 = Decimal("0.85255")  # seed rate for 2010-11
TO_EUR = Decimal("1.172951732743")  # 1 / 0.85255 to 12 decimals (silver.fx_rate)


def eur(gbp: str) -> Decimal:
    """A GBP line amount in EUR as silver computes it: rounded to the cent per line."""
    return (Decimal(gbp) * TO_EUR).quantize(Decimal("0.01"))


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
    assert gb["gross_revenue_local"] == Decimal("42.50")  # 15 + 20 + 7.5
    assert gb["returns_local"] == Decimal("5.00")
    assert gb["net_revenue_local"] == Decimal("37.50")
    gross = eur("15") + eur("20") + eur("7.5")  # 17.59 + 23.46 + 8.80 = 49.85
    assert gb["gross_revenue_eur"] == gross == Decimal("49.85")
    assert gb["returns_eur"] == eur("5") == Decimal("5.86")
    assert gb["net_revenue_eur"] == Decimal("43.99")
    assert gb["aov_eur"] == pytest.approx(49.85 / 2)
    assert (ie["orders"], ie["units"], ie["customers"]) == (1, 1, 1)
    assert ie["gross_revenue_local"] == Decimal("10.00")
    assert ie["gross_revenue_eur"] == eur("10") == Decimal("11.73")
    assert str(gb["date"]) == "2010-11-01" and gb["local_currency"] == "GBP"


def test_exact_duplicate_is_dropped_and_counted_in_the_ledger(built: Lakehouse) -> None:
    stage = built.read(TableRef("silver", "stg_online_retail__order_line"))
    assert stage.num_rows == 8
    ledger = [
        r
        for r in built.read(TableRef("ops", "row_ledger")).to_pylist()
        if r["table_name"] == "silver.stg_online_retail__order_line"
    ]
    assert [
        (r["rows_in"], r["rows_out"], r["rows_dropped"], r["dropped_by_rule"]) for r in ledger
    ] == [(9, 8, 1, '{"exact_duplicate": 1}')]


def test_lines_are_classified_and_guests_kept(built: Lakehouse) -> None:
    lines = rows(built, "silver.fact_order_line", "order_line_key")
    by_line = {(str(r["order_id"]), r["_source_line"]): r for r in lines}
    assert by_line[("online_retail:C500003", 7)]["is_return"] is True
    assert by_line[("online_retail:C500003", 7)]["line_type"] == "return"
    assert by_line[("online_retail:C500003", 7)]["net_amount_eur"] == -eur("5")
    assert by_line[("online_retail:500002", 6)]["customer_key"] is None
    assert by_line[("online_retail:500001", 5)]["line_type"] == "non_product"
    assert by_line[("online_retail:A500006", 10)]["line_type"] == "non_product"
    assert by_line[("online_retail:500005", 9)]["line_type"] == "adjustment"
    first = by_line[("online_retail:500001", 2)]
    assert first["customer_version_key"] == "online_retail:13085#1"
    assert first["net_amount_eur"] == eur("15") == Decimal("17.59")
    assert str(first["order_line_key"]).startswith("online_retail:500001:")


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
    assert second["monetary_eur"] == eur("15") + eur("20") - eur("5")
    assert second["country_code"] == "GB" and first["country_code"] == "IE"
    assert second["recency_days"] == 0
    assert second["lifecycle_stage"] == "new"


def test_rerun_with_the_same_files_changes_no_table(
    built: Lakehouse, duckdb_engine: Engine
) -> None:
    data_tables = [t for t in built.tables() if t.layer != "ops"]
    before = {t: built.version(t) for t in data_tables}
    report = run(duckdb_engine)
    assert {m["status"] for m in report.models} == {"up_to_date", "no_input"}
    assert {t: built.version(t) for t in data_tables} == before


def test_full_refresh_rewrites_identical_data(built: Lakehouse, duckdb_engine: Engine) -> None:
    before = built.read(TableRef("gold", "sales_daily")).sort_by("country_code")
    run(duckdb_engine, full_refresh=True)
    after = built.read(TableRef("gold", "sales_daily")).sort_by("country_code")
    assert after.equals(before)


def test_check_passes_then_fails_when_a_table_is_tampered_with(built: Lakehouse) -> None:
    assert check_lakehouse(built) == []
    built.delete(TableRef("silver", "fact_order_line"), "order_id = 'online_retail:500002'")
    problems = check_lakehouse(built)
    assert any("silver.fact_order_line is at version 1" in p for p in problems), problems


def test_a_run_rebuilds_a_table_changed_outside_the_pipeline(
    built: Lakehouse, duckdb_engine: Engine
) -> None:
    ref = TableRef("silver", "fact_order_line")
    rows_before = built.count(ref)
    built.delete(ref, "order_id = 'online_retail:500002'")
    report = run(duckdb_engine)
    [record] = [m for m in report.models if m["table_name"] == str(ref)]
    assert record["status"] == "success" and "changed outside the pipeline" in record["message"]
    assert built.count(ref) == rows_before
    assert check_lakehouse(built) == []


def test_a_damaged_bronze_table_is_rebuilt_from_landing(
    built: Lakehouse, duckdb_engine: Engine
) -> None:
    ref = TableRef("bronze", "online_retail_transactions")
    [data_file] = list(built.path(ref).glob("*.parquet"))
    data_file.write_bytes(data_file.read_bytes()[:100])  # truncated Parquet
    assert any("bronze.online_retail_transactions" in p for p in check_lakehouse(built))
    run(duckdb_engine, select="bronze.online_retail_transactions+", full_refresh=True)
    assert built.count(ref) == len(LINES)
    assert check_lakehouse(built) == []
    gb, _ie = rows(built, "gold.sales_daily", "country_code")
    assert gb["gross_revenue_eur"] == Decimal("49.85")


def test_bronze_tables_are_rebuilt_only_with_full_refresh(
    built: Lakehouse, duckdb_engine: Engine
) -> None:
    from retail_lakehouse.errors import ConfigError

    with pytest.raises(ConfigError, match="--full-refresh --select bronze"):
        run(duckdb_engine, select="bronze.online_retail_transactions")


def test_a_file_of_only_duplicates_is_read_once_and_conserved(
    built: Lakehouse, duckdb_engine: Engine
) -> None:
    # The same lines in another order: new bytes (bronze loads it), nothing new for silver.
    write_landing(built, "online_retail", "again.csv", online_retail_csv(*reversed(LINES)))
    run(duckdb_engine)
    write_landing(
        built, "online_retail", "later.csv", online_retail_csv(LINES[0].replace("500001", "600001"))
    )
    report = run(duckdb_engine)
    [staging] = [
        m for m in report.models if m["table_name"] == "silver.stg_online_retail__order_line"
    ]
    assert (staging["build_mode"], staging["rows_in"], staging["rows_out"]) == (
        "incremental",
        1,
        1,
    )  # the duplicates file is not read again
    assert built.count(TableRef("bronze", "online_retail_transactions")) == 2 * len(LINES) + 1
    assert built.count(TableRef("silver", "stg_online_retail__order_line")) == 8 + 1
    assert check_lakehouse(built) == []
