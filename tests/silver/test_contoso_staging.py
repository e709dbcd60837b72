"""Contoso staging as specifications: tiny hand-written V2 files in, conformed silver out.

Expected values are computed by hand next to each assertion. Contoso amounts arrive in USD
with the USD → order-currency rate (``ExchangeRate``); staging converts them to the order
currency, and the facts convert that to EUR at Contoso's own rate of the order day
(``currencyexchange``, ToCurrency = 'EUR').
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pytest

from retail_lakehouse import ops
from retail_lakehouse.checks import check_lakehouse
from retail_lakehouse.engines import Engine
from retail_lakehouse.runner.run import RunReport, run_pipeline
from retail_lakehouse.sources import get_source
from retail_lakehouse.sources.contoso.generator import generate as generate_contoso
from retail_lakehouse.sources.contract import Scale
from retail_lakehouse.storage import Lakehouse, TableRef
from tests.conftest import online_retail_csv, write_landing

STORE = (
    "StoreKey,StoreCode,GeoAreaKey,CountryCode,CountryName,State,OpenDate,CloseDate,"
    "Description,SquareMeters,Status"
)
CUSTOMER = (
    "CustomerKey,GeoAreaKey,StartDT,EndDT,Continent,Gender,Title,GivenName,MiddleInitial,"
    "Surname,StreetAddress,City,State,StateFull,ZipCode,Country,CountryFull,Birthday,Age,"
    "Occupation,Company,Vehicle,Latitude,Longitude"
)
PRODUCT = (
    "ProductKey,ProductCode,ProductName,Manufacturer,Brand,Color,WeightUnit,Weight,Cost,"
    "Price,CategoryKey,CategoryName,SubCategoryKey,SubCategoryName"
)
SALES = (
    "OrderKey,LineNumber,OrderDate,DeliveryDate,CustomerKey,StoreKey,ProductKey,Quantity,"
    "UnitPrice,NetPrice,UnitCost,CurrencyCode,ExchangeRate"
)
ORDERS = "OrderKey,CustomerKey,StoreKey,OrderDate,DeliveryDate,CurrencyCode"
ORDER_ROWS = "OrderKey,LineNumber,ProductKey,Quantity,UnitPrice,NetPrice,UnitCost"
RATES = "Date,FromCurrency,ToCurrency,Exchange"
INVENTORY = (
    "Date,StoreKey,ProductKey,OnHandQuantity,OnOrderQuantity,ReorderPoint,SafetyStock,UnitCost"
)

STORES = (
    "10,1,1,DE,Germany,Berlin,2012-03-01,,Contoso Store Berlin Kurfürstendamm,2400,",
    "290,29,40,GB,United Kingdom,England,2009-09-01,,Contoso Store London Oxford Street,3200,",
    "999999,999999,-1,,Online,Online,2010-01-01,,Contoso Online Store,,",
)
ANNA = (
    "1,1,2020-05-01,,Europe,female,Ms.,Anna,K,Krüger,Schulstraße 12,Berlin,BE,Berlin,10126,"
    "DE,Germany,1990-02-03,34,Architect,,,52.52,13.40"
)
ANNA_MOVED = ANNA.replace("Berlin,BE,Berlin,10126", "Hamburg,HH,Hamburg,20095")
EMILY = (
    '2,40,2019-03-10,,Europe,female,Ms.,Emily,,Smith,"12 High Street",London,ENG,England,'
    "SW1A 1AA,GB,United Kingdom,1985-07-01,39,Nurse,,,51.50,-0.12"
)
LUCA = (
    "3,45,2021-01-01,,Europe,male,Mr.,Luca,,Meier,Seestrasse 5,Zürich,ZH,Zürich,8001,CH,"
    "Switzerland,1979-11-11,45,Teacher,,,47.37,8.54"
)
DRESS = (
    "59,0101059,Contoso Basics Silk Dress Red,Contoso Ltd.,Contoso Basics,Red,grams,300,"
    "38.41,87.99,1,Women's Apparel,101,Dresses"
)
TOTE = (
    "50,0801050,Northwind Tote Bag Black,Northwind,Northwind,Black,grams,500,"
    "12.29,26.99,8,Bags,801,Totes"
)
RATE_ROWS = (
    # USD -> order currency (what ExchangeRate carries), and every currency -> EUR
    "2021-01-02,USD,GBP,0.74026",
    "2021-01-02,USD,EUR,0.82399",
    "2021-01-02,USD,CHF,0.88786",
    "2021-01-02,GBP,EUR,1.11309",
    "2021-01-02,EUR,EUR,1",
    "2021-01-02,CHF,EUR,0.92807",
    "2021-01-02,EUR,GBP,0.89840",  # not to EUR: dropped by the rule not_to_eur
)
# Order 300: Emily (GB) buys two dresses in the London store, paid in GBP; a tote online.
SALES_ROWS = (
    "300,0,2021-01-02,2021-01-02,2,290,59,2,87.99,61.59,38.41,GBP,0.74026",
    "300,1,2021-01-02,2021-01-02,2,290,50,1,26.99,26.99,12.29,GBP,0.74026",
    "301,0,2021-01-02,2021-01-06,1,999999,50,1,26.99,18.89,12.29,EUR,0.82399",
)
ORDER_HEADERS = (
    "300,2,290,2021-01-02,2021-01-02,GBP",
    "301,1,999999,2021-01-02,2021-01-06,EUR",
    "302,3,999999,2021-01-02,2021-01-08,CHF",
)
ORDER_ROW_LINES = (
    "300,0,59,2,87.99,61.59,38.41",
    "300,1,50,1,26.99,26.99,12.29",
    "301,0,50,1,26.99,18.89,12.29",
    "302,0,59,1,87.99,87.99,38.41",  # order 302 only in the orders flavour (CHF)
)


def csv_text(header: str, *rows: str) -> str:
    return "\n".join([header, *rows]) + "\n"


def deliver(lakehouse: Lakehouse, name: str, header: str, *rows: str) -> None:
    write_landing(lakehouse, "contoso", name, csv_text(header, *rows))


def deliver_reference(lakehouse: Lakehouse, suffix: str = "") -> None:
    """Stores, customers, products and rates: the files every flavour needs."""
    deliver(lakehouse, f"store{suffix}.csv", STORE, *STORES)
    deliver(lakehouse, f"customer{suffix}.csv", CUSTOMER, ANNA, EMILY, LUCA)
    deliver(lakehouse, f"product{suffix}.csv", PRODUCT, DRESS, TOTE)
    deliver(lakehouse, f"currencyexchange{suffix}.csv", RATES, *RATE_ROWS)


def run(
    engine: Engine,
    *,
    full_refresh: bool = False,
    sources: tuple[str, ...] = ("contoso",),
    select: str | None = "silver.*",
) -> RunReport:
    """Ingests the landing files and builds silver (gold is not under test here)."""
    report = run_pipeline(
        engine,
        [get_source(s) for s in sources],
        landing=engine.lakehouse.home / "landing",
        run_id=ops.new_run_id(),
        select=select,
        full_refresh=full_refresh,
    )
    assert not report.failed, report.failed
    return report


def rows(lakehouse: Lakehouse, table: str, key: str) -> dict[str, dict[str, Any]]:
    return {str(r[key]): r for r in lakehouse.read(TableRef.parse(table)).to_pylist()}


def ledger(lakehouse: Lakehouse, table: str) -> list[tuple[int, int, int, dict[str, int]]]:
    return [
        (r["rows_in"], r["rows_out"], r["rows_quarantined"], json.loads(r["dropped_by_rule"]))
        for r in lakehouse.read(TableRef("ops", "row_ledger")).sort_by("recorded_at").to_pylist()
        if r["table_name"] == table
    ]


def snapshot(lakehouse: Lakehouse, layer: str = "silver") -> dict[str, list[dict[str, Any]]]:
    """Every table of a layer as sorted rows (order-independent comparison)."""
    tables = {}
    for ref in lakehouse.tables(layer):
        data = lakehouse.read(ref).to_pylist()
        tables[str(ref)] = sorted(data, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return tables


# --- FX and amounts (issue 16: "FX conversion of a Contoso line matches hand computation") ---


def test_fx_conversion_of_a_contoso_line_matches_hand_computation(
    lakehouse: Lakehouse, engine: Engine
) -> None:
    deliver_reference(lakehouse)
    deliver(lakehouse, "sales.csv", SALES, *SALES_ROWS)
    run(engine)
    line = rows(lakehouse, "silver.fact_order_line", "order_line_key")["contoso:300:0"]
    # Staging: USD amounts × ExchangeRate 0.74026 (USD → GBP), Quantity 2.
    assert line["currency"] == "GBP"
    assert line["unit_price"] == Decimal("45.5926")  # 61.59 × 0.74026 = 45.5926134
    assert line["discount_amount"] == Decimal("39.09")  # (87.99 − 61.59) × 2 × 0.74026 = 39.085728
    assert line["unit_cost"] == Decimal("28.4334")  # 38.41 × 0.74026 = 28.4333866
    # Fact: Contoso's own GBP → EUR rate of 2021-01-02 (1.11309), not the seed's.
    assert line["fx_rate_to_eur"] == Decimal("1.113090000000")
    assert line["line_amount"] == Decimal("91.19")  # 2 × 45.5926 = 91.1852
    assert line["line_amount_eur"] == Decimal("101.50")  # 91.1852 × 1.11309 = 101.4973
    assert line["net_amount_eur"] == Decimal("101.50")
    assert line["unit_price_eur"] == Decimal("50.7487")  # 45.5926 × 1.11309 = 50.74866
    assert line["cost_amount_eur"] == Decimal("63.30")  # 2 × 28.4334 × 1.11309 = 63.2985
    assert line["order_ts"] == dt.datetime(2021, 1, 2, tzinfo=dt.UTC)
    assert (line["line_type"], line["is_return"], line["order_status"]) == (
        "sale",
        False,
        "delivered",
    )
    assert (line["customer_key"], line["product_key"], line["store_key"]) == (
        "contoso:2",
        "contoso:59",
        "contoso:290",
    )
    assert line["customer_version_key"] == "contoso:2#1"
    assert line["country_code"] == "GB"  # the buyer's country
    online = rows(lakehouse, "silver.fact_order_line", "order_line_key")["contoso:301:0"]
    assert online["unit_price"] == Decimal("15.5652")  # 18.89 × 0.82399 = 15.5651711
    assert online["discount_amount"] == Decimal("6.67")  # (26.99 − 18.89) × 1 × 0.82399
    assert online["fx_rate_to_eur"] == Decimal("1.000000000000")  # Contoso's EUR → EUR
    assert online["line_amount_eur"] == Decimal("15.57")
    assert online["store_key"] == "contoso:999999"
    assert online["country_code"] == "DE"  # Anna's country, though bought online


def test_orders_flavour_alone_gives_the_same_lines_as_sales(
    lakehouse: Lakehouse, duckdb_engine: Engine
) -> None:
    deliver_reference(lakehouse)
    deliver(lakehouse, "orders.csv", ORDERS, *ORDER_HEADERS)
    deliver(lakehouse, "orderrows.csv", ORDER_ROWS, *ORDER_ROW_LINES)
    run(duckdb_engine)
    lines = rows(lakehouse, "silver.stg_contoso__order_line", "order_line_key")
    assert sorted(lines) == ["contoso:300:0", "contoso:300:1", "contoso:301:0", "contoso:302:0"]
    dress = lines["contoso:300:0"]
    # The rate comes from currencyexchange (USD → GBP on the order day), not from the file.
    assert dress["usd_to_currency"] == Decimal("0.7402600000")
    assert (dress["unit_price"], dress["discount_amount"]) == (Decimal("45.5926"), Decimal("39.09"))
    assert dress["delivery_flavour"] == "orders"
    chf = lines["contoso:302:0"]
    assert (chf["currency"], chf["unit_price"]) == ("CHF", Decimal("78.1228"))  # 87.99 × 0.88786
    fact = rows(lakehouse, "silver.fact_order_line", "order_line_key")["contoso:302:0"]
    assert fact["line_amount_eur"] == Decimal("72.50")  # 78.1228 × 0.92807 = 72.5035


# --- delivery flavours, row accounting ------------------------------------------------------


def test_both_flavours_give_each_line_once_and_account_for_every_row(
    lakehouse: Lakehouse, duckdb_engine: Engine
) -> None:
    deliver_reference(lakehouse)
    deliver(lakehouse, "sales.csv", SALES, *SALES_ROWS)
    deliver(lakehouse, "orders.csv", ORDERS, *ORDER_HEADERS)
    deliver(lakehouse, "orderrows.csv", ORDER_ROWS, *ORDER_ROW_LINES)
    run(duckdb_engine)
    lines = rows(lakehouse, "silver.stg_contoso__order_line", "order_line_key")
    assert {k: v["delivery_flavour"] for k, v in lines.items()} == {
        "contoso:300:0": "sales",
        "contoso:300:1": "sales",
        "contoso:301:0": "sales",
        "contoso:302:0": "orders",  # only the orders flavour has order 302
    }
    # 3 sales rows + 4 orderrows rows in; the 3 orderrows that sales already holds dropped.
    assert ledger(lakehouse, "silver.stg_contoso__order_line") == [(7, 4, 0, {"line_in_sales": 3})]
    orders = rows(lakehouse, "silver.fact_order", "order_id")
    assert sorted(orders) == ["contoso:300", "contoso:301", "contoso:302"]
    chf = orders["contoso:302"]
    assert (chf["order_status"], chf["delivery_days"], chf["currency"]) == ("delivered", 6, "CHF")
    assert chf["freight_amount"] == Decimal("0.00")
    assert chf["net_amount_eur"] == Decimal("72.50")  # 87.99 × 0.88786 = 78.1228; × 0.92807
    assert orders["contoso:300"]["lines"] == 2 and orders["contoso:300"]["units"] == 3
    assert check_lakehouse(lakehouse) == []


def test_stores_products_rates_and_inventory_reach_their_tables(
    lakehouse: Lakehouse, duckdb_engine: Engine
) -> None:
    deliver_reference(lakehouse)
    deliver(lakehouse, "sales.csv", SALES, *SALES_ROWS)
    deliver(
        lakehouse,
        "inventory.csv",
        INVENTORY,
        "2021-01-02,10,50,4,0,2,1,13.09",
        "2021-01-02,999999,50,0,12,2,1,13.09",
    )
    run(duckdb_engine)
    stores = rows(lakehouse, "silver.dim_store", "store_key")
    online, berlin = stores["contoso:999999"], stores["contoso:10"]
    assert (online["channel"], online["country_code"], online["region"]) == ("online", "ZZ", None)
    assert (berlin["channel"], berlin["country_code"], berlin["region"]) == (
        "store",
        "DE",
        "Berlin",
    )
    assert berlin["store_name"] == "Contoso Store Berlin Kurfürstendamm"
    assert (berlin["open_date"], berlin["square_meters"]) == (dt.date(2012, 3, 1), 2400)
    dress = rows(lakehouse, "silver.dim_product", "product_key")["contoso:59"]
    assert (dress["category"], dress["source_category"], dress["subcategory"]) == (
        "Fashion & Apparel",
        "Women's Apparel",
        "Dresses",
    )
    assert (dress["brand"], dress["currency"]) == ("Contoso Basics", "USD")
    assert (dress["list_price"], dress["unit_cost"]) == (Decimal("87.9900"), Decimal("38.4100"))
    rates = rows(lakehouse, "silver.stg_contoso__fx_rate", "fx_rate_key")
    assert {k: v["rate_to_eur"] for k, v in rates.items()} == {
        "contoso:USD:2021-01-02": Decimal("0.823990000000"),
        "contoso:GBP:2021-01-02": Decimal("1.113090000000"),
        "contoso:EUR:2021-01-02": Decimal("1.000000000000"),
        "contoso:CHF:2021-01-02": Decimal("0.928070000000"),
    }
    # 7 rows in: 4 to EUR kept, USD→GBP, USD→CHF and EUR→GBP dropped.
    assert ledger(lakehouse, "silver.stg_contoso__fx_rate") == [(7, 4, 0, {"not_to_eur": 3})]
    stock = rows(lakehouse, "silver.fact_inventory", "inventory_key")
    shelf = stock["contoso:50|contoso:10|2021-01-02"]
    assert (shelf["on_hand_quantity"], shelf["currency"]) == (4, "USD")
    assert shelf["stock_value_eur"] == Decimal("43.14")  # 4 × 13.09 USD × 0.82399 = 43.1441
    assert stock["contoso:50|contoso:999999|2021-01-02"]["is_stockout"] is True
    assert check_lakehouse(lakehouse) == []


# --- history and re-deliveries --------------------------------------------------------------


def test_customer_change_opens_a_version_and_an_unchanged_redelivery_none(
    lakehouse: Lakehouse, duckdb_engine: Engine
) -> None:
    deliver_reference(lakehouse)
    deliver(lakehouse, "sales.csv", SALES, *SALES_ROWS)
    run(duckdb_engine)
    # A later customer.csv: Anna moved to Hamburg, Emily and Luca unchanged.
    deliver(lakehouse, "customer_2.csv", CUSTOMER, ANNA_MOVED, EMILY, LUCA)
    run(duckdb_engine)
    delivered_at = max(
        r["_ingested_at"]
        for r in lakehouse.read(TableRef("bronze", "contoso_customer")).to_pylist()
    )
    versions = lakehouse.read(TableRef("silver", "dim_customer")).to_pylist()
    anna = sorted(
        (v for v in versions if v["customer_key"] == "contoso:1"), key=lambda v: v["version_number"]
    )
    assert [(v["city"], v["region"], v["is_current"]) for v in anna] == [
        ("Berlin", "Berlin", False),
        ("Hamburg", "Hamburg", True),
    ]
    # First delivery: valid from StartDT; the change: valid from its delivery's _ingested_at.
    assert anna[0]["valid_from"] == dt.datetime(2020, 5, 1, tzinfo=dt.UTC)
    assert anna[0]["valid_to"] == delivered_at == anna[1]["valid_from"]
    emily = [v for v in versions if v["customer_key"] == "contoso:2"]
    assert [(v["valid_from"], v["valid_to"]) for v in emily] == [
        (dt.datetime(2019, 3, 10, tzinfo=dt.UTC), None)
    ]
    assert (
        emily[0]["customer_name"] == "Emily Smith" and anna[0]["customer_name"] == "Anna K. Krüger"
    )
    assert (emily[0]["country_code"], emily[0]["postal_code"]) == ("GB", "SW1A 1AA")
    # Six observations in, four versions out, Emily's and Luca's repeats dropped.
    assert ledger(lakehouse, "silver.dim_customer")[-1] == (6, 4, 0, {"unchanged_state": 2})
    # An order of 2021 (before the change was delivered) keeps Anna's first version.
    line = rows(lakehouse, "silver.fact_order_line", "order_line_key")["contoso:301:0"]
    assert line["customer_version_key"] == "contoso:1#1"

    # The same customer file delivered again under another name changes nothing.
    data_tables = [t for t in lakehouse.tables() if t.layer != "ops"]
    before = {t: lakehouse.version(t) for t in data_tables}
    deliver(lakehouse, "customer_3.csv", CUSTOMER, ANNA_MOVED, EMILY, LUCA)
    report = run(duckdb_engine)
    assert report.ingest is not None
    assert {m["status"] for m in report.models} <= {"up_to_date", "no_input"}
    assert {t: lakehouse.version(t) for t in data_tables} == before
    assert check_lakehouse(lakehouse) == []


def test_incremental_runs_equal_a_full_refresh(lakehouse: Lakehouse, engine: Engine) -> None:
    # Batch 1: the orders flavour; order 302's header and the CHF rates are not there yet.
    deliver(lakehouse, "store.csv", STORE, *STORES)
    deliver(lakehouse, "customer.csv", CUSTOMER, ANNA, EMILY)
    deliver(lakehouse, "product.csv", PRODUCT, DRESS, TOTE)
    deliver(lakehouse, "currencyexchange.csv", RATES, *(r for r in RATE_ROWS if "CHF" not in r))
    deliver(lakehouse, "orders.csv", ORDERS, *ORDER_HEADERS[:2])
    deliver(lakehouse, "orderrows.csv", ORDER_ROWS, *ORDER_ROW_LINES)
    run(engine)
    quarantined = [
        (r["table_name"], r["_rule"])
        for r in lakehouse.read(TableRef("ops", "quarantine")).to_pylist()
        if r["table_name"].startswith("silver.")
    ]
    assert quarantined == [("silver.stg_contoso__order_line", "missing_order_header")]
    assert "contoso:302:0" not in rows(
        lakehouse, "silver.stg_contoso__order_line", "order_line_key"
    )

    # Batch 2: 302's header and the CHF rates; the sales flavour of order 300 and a new order
    # 303; Anna moved; Luca is new; the dress costs more.
    deliver(lakehouse, "orders_2.csv", ORDERS, ORDER_HEADERS[2])
    deliver(lakehouse, "currencyexchange_2.csv", RATES, *(r for r in RATE_ROWS if "CHF" in r))
    deliver(
        lakehouse,
        "sales.csv",
        SALES,
        *SALES_ROWS[:2],
        "303,0,2021-01-02,2021-01-05,3,999999,50,5,26.99,26.99,12.29,CHF,0.88786",
    )
    deliver(lakehouse, "customer_2.csv", CUSTOMER, ANNA_MOVED, EMILY, LUCA)
    deliver(lakehouse, "product_2.csv", PRODUCT, DRESS.replace("87.99", "92.99"), TOTE)
    run(engine)
    lines = rows(lakehouse, "silver.stg_contoso__order_line", "order_line_key")
    assert lines["contoso:302:0"]["unit_price"] == Decimal("78.1228")  # 87.99 × 0.88786
    assert lines["contoso:300:0"]["delivery_flavour"] == "sales"
    assert lines["contoso:303:0"]["country"] == "CH"  # Luca arrived with the line

    # Batch 3: order 303 delivered again, corrected to 4 units; inventory.
    deliver(
        lakehouse,
        "sales_2.csv",
        SALES,
        "303,0,2021-01-02,2021-01-05,3,999999,50,4,26.99,26.99,12.29,CHF,0.88786",
    )
    deliver(lakehouse, "inventory.csv", INVENTORY, "2021-01-02,10,50,4,0,2,1,13.09")
    run(engine)
    assert (
        rows(lakehouse, "silver.fact_order_line", "order_line_key")["contoso:303:0"]["quantity"]
        == 4
    )
    prices = [
        (r["list_price"], r["is_current"])
        for r in lakehouse.read(TableRef("silver", "product_price_history")).to_pylist()
        if r["product_key"] == "contoso:59"
    ]
    assert sorted(prices) == [(Decimal("87.9900"), False), (Decimal("92.9900"), True)]

    incremental = snapshot(lakehouse)
    run(engine, full_refresh=True)
    assert snapshot(lakehouse) == incremental
    assert check_lakehouse(lakehouse) == []


# --- any subset of sources ------------------------------------------------------------------


def test_contoso_alone_runs_and_other_sources_skip(
    lakehouse: Lakehouse, duckdb_engine: Engine
) -> None:
    deliver_reference(lakehouse)
    deliver(lakehouse, "sales.csv", SALES, *SALES_ROWS)
    report = run(duckdb_engine, select=None)
    status = {m["table_name"]: m["status"] for m in report.models}
    assert status["silver.stg_online_retail__order_line"] == "no_input"
    contoso = {t: s for t, s in status.items() if "stg_contoso__" in t}
    assert contoso.pop("silver.stg_contoso__inventory") == "no_input"  # no inventory.csv
    assert set(contoso.values()) == {"success"} and len(contoso) == 6
    assert lakehouse.count(TableRef("gold", "sales_daily")) > 0
    assert check_lakehouse(lakehouse) == []


def test_without_contoso_files_its_staging_is_skipped(
    lakehouse: Lakehouse, duckdb_engine: Engine
) -> None:
    write_landing(
        lakehouse,
        "online_retail",
        "online_retail_II.csv",
        online_retail_csv(
            "500001,85123A,WHITE HEART,6,2010-11-01 10:00:00,2.5,13085.0,United Kingdom"
        ),
    )
    report = run(duckdb_engine, sources=("online_retail", "contoso"))
    status = {m["table_name"]: m["status"] for m in report.models}
    contoso = {t: s for t, s in status.items() if "stg_contoso__" in t}
    assert len(contoso) == 7 and set(contoso.values()) == {"no_input"}
    assert status["silver.fact_order_line"] == "success"
    assert check_lakehouse(lakehouse) == []


# --- the real generator ---------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_generated_contoso_reaches_silver_with_every_row_accounted(
    lakehouse: Lakehouse, duckdb_engine: Engine
) -> None:
    landing = lakehouse.home / "landing" / "contoso"
    generate_contoso(
        landing, scale=Scale.small, seed=16, start=dt.date(2023, 1, 1), end=dt.date(2023, 6, 30)
    )
    run(duckdb_engine)
    # Counts re-read from the CSV files with the csv module, independent of bronze and SQL.
    sales, rows_ = read_csv(landing / "sales.csv"), read_csv(landing / "orderrows.csv")
    line_keys = {(r["OrderKey"], r["LineNumber"]) for r in sales + rows_}
    order_keys = {r["OrderKey"] for r in sales} | {
        r["OrderKey"] for r in read_csv(landing / "orders.csv")
    }
    customers = read_csv(landing / "customer.csv")
    products = read_csv(landing / "product.csv")
    stores = read_csv(landing / "store.csv")
    to_eur = [r for r in read_csv(landing / "currencyexchange.csv") if r["ToCurrency"] == "EUR"]
    inventory = read_csv(landing / "inventory.csv")

    def count(table: str, where: str = "") -> int:
        data = lakehouse.read(TableRef.parse(table))
        if where:
            data = data.filter(pc.equal(data["source_system"], where))
        return int(data.num_rows)

    assert count("silver.stg_contoso__order_line") == len(line_keys)
    assert count("silver.fact_order_line") == len(line_keys)
    assert count("silver.fact_order") == len(order_keys)
    assert count("silver.dim_customer") == len({r["CustomerKey"] for r in customers})
    assert count("silver.dim_product") == len({r["ProductKey"] for r in products})
    assert count("silver.dim_store") == len(stores)
    assert count("silver.fx_rate", "contoso") == len(to_eur)
    assert count("silver.fact_inventory") == len(inventory)
    # Every sales and orderrows row is a line or the orderrows copy of a sales line.
    assert ledger(lakehouse, "silver.stg_contoso__order_line") == [
        (len(sales) + len(rows_), len(line_keys), 0, {"line_in_sales": len(rows_)})
    ]
    net_usd = sum(
        Decimal(r["NetPrice"]) * int(r["Quantity"]) for r in sales
    )  # the sales flavour alone, in USD
    lines = lakehouse.read(TableRef("silver", "stg_contoso__order_line")).to_pylist()
    assert sum(r["net_price_usd"] * r["quantity"] for r in lines) == net_usd
    assert check_lakehouse(lakehouse) == []
