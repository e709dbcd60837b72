"""CRM (retail-org layout) into silver: hand-made customers and orders, expected values by hand.

USD → EUR uses the seed's 2020 yearly rate: 1.1422 USD per EUR, so rate_to_eur =
round(1 / 1.1422, 12) = 0.875503414463 and a line's EUR amount is round(USD × that, 2).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from retail_lakehouse import ops
from retail_lakehouse.checks import check_lakehouse
from retail_lakehouse.engines import Engine, open_engine
from retail_lakehouse.engines.spark import mark_subscripts_safe
from retail_lakehouse.runner.run import RunReport, run_pipeline
from retail_lakehouse.sources import get_source
from retail_lakehouse.sources.contract import Scale
from retail_lakehouse.sources.crm.contract import CUSTOMERS, SALES_ORDERS
from retail_lakehouse.storage import Lakehouse, TableRef
from tests.conftest import write_landing

D = Decimal
USD_TO_EUR_2020 = D("0.875503414463")  # round(1 / 1.1422, 12), seeds/fx_rates.csv USD 2020

# Epoch seconds (UTC) used below.
JAN_01_2020_1000 = 1577872800  # 2020-01-01 10:00:00
FEB_14_2020_1200 = 1581681600  # 2020-02-14 12:00:00
FEB_15_2020_0000 = 1581724800  # 2020-02-15 00:00:00
MAR_01_2020_0930 = 1583055000  # 2020-03-01 09:30:00
APR_01_2020_0000 = 1585699200  # 2020-04-01 00:00:00


# --- landing files ---------------------------------------------------------------------


def to_csv(header: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def customer(
    customer_id: int,
    valid_from: int,
    valid_to: int | None,
    *,
    city: str = "NEW YORK",
    state: str = "NY",
    postcode: str = "10001",
    segment: int = 0,
) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "customer_name": "LOPEZ,  BARBARA P",
        "state": state,
        "city": city,
        "postcode": postcode,
        "street": "MAPLE DR",
        "number": "604",
        "region": state,
        "ship_to_address": f"{state}, {postcode}, MAPLE DR, 604",
        "valid_from": valid_from,
        "valid_to": valid_to,
        "units_purchased": 4,
        "loyalty_segment": segment,
    }


def item(
    product_id: str, name: str, price: str, qty: int, promo: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "curr": "USD",
        "id": product_id,
        "name": name,
        "price": float(price) if "." in price else int(price),
        "promotion_info": promo,
        "qty": qty,
        "unit": "pcs",
    }


def order(
    number: str, customer_id: int, ts: int, items: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    promos = [i["promotion_info"] for i in items if i["promotion_info"]]
    return {
        "clicked_items": json.dumps([[i["id"], "2"] for i in items], separators=(", ", ": ")),
        "customer_id": customer_id,
        "customer_name": "LOPEZ,  BARBARA P",
        "number_of_line_items": len(items),
        "order_datetime": ts,
        "order_number": number,
        # Spark-written JSON as in retail-org: ', ' and ': ' separators
        "ordered_products": json.dumps(list(items), separators=(", ", ": ")),
        "promo_info": json.dumps(promos, separators=(", ", ": ")) if promos else None,
    }


PROMO = {"promo_disc": 0.15, "promo_id": 7, "promo_item": "AVmonitor", "promo_qty": 2}
THREE_PRODUCTS = order(
    "300000001",
    10000001,
    MAR_01_2020_0930,
    [
        item("AVspeaker", "Rony Bluetooth Speaker", "99", 2),  # 2 × 99 = 198.00
        item("AVmonitor", 'Opple 27" QHD Monitor, Black', "250", 3, PROMO),  # 3 × 212.50
        item("AVcable", "Boze Lightning to VGA Adapter", "19.99", 1),  # 19.99
    ],
)
EARLY_ORDER = order(
    "300000000",
    10000001,
    FEB_14_2020_1200,
    [item("AVspeaker", "Rony Bluetooth Speaker", "99", 1)],
)
HISTORY = [
    customer(10000001, JAN_01_2020_1000, FEB_15_2020_0000),
    customer(
        10000001, FEB_15_2020_0000, None, city="Boston", state="MA", postcode="02108", segment=1
    ),
]


def deliver(lakehouse: Lakehouse, name: str, table: str, rows: Sequence[dict[str, Any]]) -> None:
    header = {"customers": CUSTOMERS, "sales_orders": SALES_ORDERS}[table].columns
    write_landing(lakehouse, "crm", name, to_csv([c.name for c in header], rows))


def run(engine: Engine, *, full_refresh: bool = False) -> RunReport:
    report = run_pipeline(
        engine,
        [get_source("crm")],
        landing=engine.lakehouse.home / "landing",
        run_id=ops.new_run_id(),
        select="silver.*",
        full_refresh=full_refresh,
    )
    assert not report.failed, report.failed
    return report


def rows(lakehouse: Lakehouse, table: str, order_by: str | list[str]) -> list[dict[str, Any]]:
    keys = [order_by] if isinstance(order_by, str) else order_by
    return (
        lakehouse.read(TableRef.parse(table)).sort_by([(k, "ascending") for k in keys]).to_pylist()
    )


def ledger(lakehouse: Lakehouse, table: str) -> list[tuple[int, int, int, str]]:
    return [
        (r["rows_in"], r["rows_out"], r["rows_dropped"], r["dropped_by_rule"])
        for r in rows(lakehouse, "ops.row_ledger", "recorded_at")
        if r["table_name"] == table
    ]


# --- the explode -----------------------------------------------------------------------


def test_crm_json_lines_explode_right(engine: Engine, lakehouse: Lakehouse) -> None:
    deliver(lakehouse, "customers.csv", "customers", HISTORY)
    deliver(lakehouse, "sales_orders.csv", "sales_orders", [THREE_PRODUCTS])
    run(engine)

    lines = rows(lakehouse, "silver.fact_order_line", "order_line_key")
    assert [
        (
            r["order_line_key"],
            r["line_number"],
            r["product_key"],
            r["quantity"],
            r["unit_price"],
            r["discount_amount"],
            r["line_amount"],
            r["line_amount_eur"],
        )
        for r in lines
    ] == [
        ("crm:300000001:1", 1, "crm:AVspeaker", 2, D("99.0000"), D("0.00"), D("198.00"),
         D("173.35")),  # 198 × 0.875503414463 = 173.3497
        # promotion: 250 × (1 − 0.15) = 212.50 a unit; discount 250 × 3 × 0.15 = 112.50
        ("crm:300000001:2", 2, "crm:AVmonitor", 3, D("212.5000"), D("112.50"), D("637.50"),
         D("558.13")),  # 637.50 × 0.875503414463 = 558.1334
        ("crm:300000001:3", 3, "crm:AVcable", 1, D("19.9900"), D("0.00"), D("19.99"),
         D("17.50")),  # 19.99 × 0.875503414463 = 17.5013
    ]  # fmt: skip
    first = lines[0]
    assert (first["order_id"], first["customer_key"], first["store_key"]) == (
        "crm:300000001",
        "crm:10000001",
        "crm:online",
    )
    assert first["order_ts"].isoformat().startswith("2020-03-01T09:30:00")
    assert {
        (r["currency"], r["line_type"], r["order_status"], r["country_code"]) for r in lines
    } == {("USD", "sale", "completed", "US")}
    assert sum(r["net_amount_eur"] for r in lines) == D("748.98")  # 173.35 + 558.13 + 17.50

    stage = rows(lakehouse, "silver.stg_crm__order_line", "order_line_key")
    assert [(r["list_unit_price"], r["promo_id"]) for r in stage] == [
        (D("99.0000"), None),
        (D("250.0000"), "7"),
        (D("19.9900"), None),
    ]
    (header,) = rows(lakehouse, "silver.fact_order", "order_id")
    assert (header["order_id"], header["order_status"], header["lines"], header["units"]) == (
        "crm:300000001",
        "completed",
        3,
        6,
    )
    assert header["gross_amount_eur"] == D("748.98")
    products = {r["product_key"]: r for r in rows(lakehouse, "silver.dim_product", "product_key")}
    assert products["crm:AVmonitor"]["list_price"] == D("250.0000")  # before the promotion
    assert products["crm:AVmonitor"]["brand"] == "Opple"
    assert {r["category"] for r in products.values()} == {"Electronics & Computers"}
    (store,) = rows(lakehouse, "silver.dim_store", "store_key")
    assert (store["store_key"], store["channel"], store["country_code"]) == (
        "crm:online",
        "online",
        "US",
    )
    assert check_lakehouse(lakehouse) == []


def test_customer_history_gives_versions_and_orders_join_the_version_of_their_day(
    engine: Engine, lakehouse: Lakehouse
) -> None:
    deliver(lakehouse, "customers.csv", "customers", HISTORY)
    deliver(lakehouse, "sales_orders.csv", "sales_orders", [EARLY_ORDER, THREE_PRODUCTS])
    run(engine)

    versions = rows(lakehouse, "silver.dim_customer", "valid_from")
    assert [
        (
            r["customer_version_key"],
            r["city"],
            r["region"],
            r["postal_code"],
            r["country_code"],
            r["segment"],
            str(r["signup_date"]),
            r["is_current"],
        )
        for r in versions
    ] == [
        ("crm:10000001#1", "NEW YORK", "NY", "10001", "US", "0", "2020-01-01", False),
        ("crm:10000001#2", "Boston", "MA", "02108", "US", "1", "2020-01-01", True),
    ]
    assert versions[0]["valid_from"].isoformat().startswith("2020-01-01T10:00:00")
    assert versions[0]["valid_to"] == versions[1]["valid_from"]  # 2020-02-15 00:00 UTC
    assert versions[1]["valid_to"] is None
    assert versions[0]["customer_name"] == "LOPEZ,  BARBARA P"  # kept as the source writes it

    lines = rows(lakehouse, "silver.fact_order_line", "order_line_key")
    by_order = {r["order_id"]: r["customer_version_key"] for r in lines}
    assert by_order == {
        "crm:300000000": "crm:10000001#1",  # 2020-02-14, the day before the move
        "crm:300000001": "crm:10000001#2",
    }


# --- deliveries over time ----------------------------------------------------------------


def deliver_two_batches(lakehouse: Lakehouse, engine: Engine) -> None:
    """Batch 1: history and two orders. Batch 2: a fresh history export (the same two rows,
    the current one now closed, plus a segment upgrade) and orders with one old copy."""
    deliver(lakehouse, "customers.csv", "customers", HISTORY)
    deliver(lakehouse, "sales_orders.csv", "sales_orders", [EARLY_ORDER, THREE_PRODUCTS])
    run(engine)
    moved = HISTORY[1]
    closed = {**moved, "valid_to": APR_01_2020_0000}
    upgraded = {**moved, "valid_from": APR_01_2020_0000, "valid_to": None, "loyalty_segment": 2}
    deliver(lakehouse, "customers_2020-04.csv", "customers", [HISTORY[0], closed, upgraded])
    later = order(
        "300000002",
        10000001,
        APR_01_2020_0000 + 3600,
        [item("AVspeaker", "Rony Bluetooth Speaker", "89", 1)],  # new price 89
    )
    deliver(lakehouse, "sales_orders_2020-04.csv", "sales_orders", [THREE_PRODUCTS, later])
    run(engine)


def test_redelivered_rows_count_once_and_new_versions_land(
    duckdb_engine: Engine, lakehouse: Lakehouse
) -> None:
    deliver_two_batches(lakehouse, duckdb_engine)

    versions = rows(lakehouse, "silver.dim_customer", "valid_from")
    assert [(r["customer_version_key"], r["segment"], r["is_current"]) for r in versions] == [
        ("crm:10000001#1", "0", False),
        ("crm:10000001#2", "1", False),
        ("crm:10000001#3", "2", True),
    ]
    lines = rows(lakehouse, "silver.fact_order_line", "order_line_key")
    assert [r["order_line_key"] for r in lines] == [
        "crm:300000000:1",
        "crm:300000001:1",
        "crm:300000001:2",
        "crm:300000001:3",
        "crm:300000002:1",
    ]  # the re-delivered 300000001 is not counted twice
    assert lines[-1]["customer_version_key"] == "crm:10000001#3"
    # batch 2 brings 2 orders; the copy of 300000001 is dropped by a named rule
    assert ledger(lakehouse, "silver.stg_crm__order")[-1] == (2, 1, 1, '{"duplicate_order": 1}')
    assert ledger(lakehouse, "silver.stg_crm__order_line")[-1] == (
        4,
        1,
        3,
        '{"duplicate_order": 3}',
    )
    prices = rows(lakehouse, "silver.product_price_history", ["product_key", "valid_from"])
    speaker = [
        (r["list_price"], r["is_current"]) for r in prices if r["product_key"] == "crm:AVspeaker"
    ]
    assert speaker == [(D("99.0000"), False), (D("89.0000"), True)]
    assert check_lakehouse(lakehouse) == []


SILVER_TABLES = {
    "silver.stg_crm__customer": ["customer_key", "observation_id"],
    "silver.stg_crm__order": "order_id",
    "silver.stg_crm__order_line": "order_line_key",
    "silver.stg_crm__product": ["product_key", "observation_id"],
    "silver.stg_crm__store": "store_key",
    "silver.dim_customer": "customer_version_key",
    "silver.dim_product": "product_key",
    "silver.product_price_history": "product_price_version_key",
    "silver.fact_order_line": "order_line_key",
    "silver.fact_order": "order_id",
}


def test_incremental_runs_equal_a_full_refresh(engine: Engine, lakehouse: Lakehouse) -> None:
    deliver_two_batches(lakehouse, engine)
    incremental = {t: rows(lakehouse, t, k) for t, k in SILVER_TABLES.items()}
    run(engine, full_refresh=True)
    for table, key in SILVER_TABLES.items():
        assert rows(lakehouse, table, key) == incremental[table], table
    assert check_lakehouse(lakehouse) == []


def test_identical_redelivery_changes_nothing(duckdb_engine: Engine, lakehouse: Lakehouse) -> None:
    deliver(lakehouse, "customers.csv", "customers", HISTORY)
    deliver(lakehouse, "sales_orders.csv", "sales_orders", [EARLY_ORDER, THREE_PRODUCTS])
    run(duckdb_engine)
    versions = {t: lakehouse.version(TableRef.parse(t)) for t in SILVER_TABLES}
    # the same bytes under new names: bronze skips them by checksum
    deliver(lakehouse, "customers_copy.csv", "customers", HISTORY)
    deliver(lakehouse, "sales_orders_copy.csv", "sales_orders", [EARLY_ORDER, THREE_PRODUCTS])
    report = run(duckdb_engine)
    assert report.ingest is not None
    assert {t: lakehouse.version(TableRef.parse(t)) for t in SILVER_TABLES} == versions


def test_crm_alone_runs_without_other_sources(duckdb_engine: Engine, lakehouse: Lakehouse) -> None:
    # no other source's files, and no sales.csv (silver does not read it)
    deliver(lakehouse, "customers.csv", "customers", HISTORY)
    deliver(lakehouse, "sales_orders.csv", "sales_orders", [THREE_PRODUCTS])
    report = run(duckdb_engine)
    status = {m["table_name"]: m["status"] for m in report.models}
    assert status["silver.stg_online_retail__order_line"] == "no_input"
    assert {status[t] for t in SILVER_TABLES} == {"success"}
    assert len(rows(lakehouse, "silver.fact_order_line", "order_line_key")) == 3
    assert check_lakehouse(lakehouse) == []


def test_duckdb_list_subscripts_become_try_element_at_on_spark() -> None:
    tree = sqlglot.parse_one("select p[line_position], p[2], s['name'] from t", read="duckdb")
    mark_subscripts_safe(tree)
    assert tree.sql("spark") == (
        "SELECT TRY_ELEMENT_AT(p, line_position), TRY_ELEMENT_AT(p, 2), s['name'] FROM t"
    )


# --- the generator -----------------------------------------------------------------------


@pytest.mark.slow
def test_generated_crm_reaches_silver_with_counts_from_the_files(tmp_path: Path) -> None:
    lakehouse = Lakehouse(tmp_path / "lakehouse")
    landing = lakehouse.home / "landing" / "crm"
    landing.mkdir(parents=True)
    source = get_source("crm")
    source.generate(landing, scale=Scale.small, seed=7)
    # counted from the files with the csv and json modules, not through the lakehouse
    with (landing / "customers.csv").open(newline="") as f:
        customers = list(csv.DictReader(f))
    with (landing / "sales_orders.csv").open(newline="") as f:
        orders = list(csv.DictReader(f))
    with (landing / "sales.csv").open(newline="") as f:
        sales = list(csv.DictReader(f))
    products = [p for o in orders for p in json.loads(o["ordered_products"])]
    sales_total = sum(D(s["total_price"]) for s in sales)

    engine = open_engine("duckdb", lakehouse)
    try:
        run(engine)
    finally:
        engine.close()

    def count(table: str) -> int:
        return lakehouse.read(TableRef.parse(table)).num_rows

    assert count("silver.stg_crm__customer") == len(customers)
    assert count("silver.stg_crm__order") == len(orders)
    assert count("silver.stg_crm__order_line") == len(products) == len(sales)
    assert count("silver.fact_order_line") == len(products)
    assert count("silver.dim_product") == len({p["id"] for p in products})
    assert count("silver.dim_customer") <= len(customers)
    assert len(
        {r["customer_key"] for r in rows(lakehouse, "silver.dim_customer", "customer_key")}
    ) == len({c["customer_id"] for c in customers})
    lines = lakehouse.read(TableRef("silver", "fact_order_line")).to_pylist()
    # sales.csv repeats the lines with their charged total: revenue reconciles to the cent
    assert sum(r["line_amount"] for r in lines) == sales_total
    assert all(r["customer_version_key"] is not None for r in lines)
    assert check_lakehouse(lakehouse) == []
