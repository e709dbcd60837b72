"""ShopMetrics staging as specifications: hand-written batches in, conformed silver rows out.

Each test writes tiny ``batch_NNNN/`` folders into ``landing/shopmetrics/`` (only this source
is present), runs the pipeline, and compares silver rows with values worked out by hand.
EUR amounts use the seed's 2024 USD rate: 1 EUR = 1.0824 USD, so rate_to_eur =
1 / 1.0824 = 0.923872875092 (12 decimals).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from retail_lakehouse import ops
from retail_lakehouse.checks import check_lakehouse
from retail_lakehouse.engines import Engine, open_engine
from retail_lakehouse.runner.run import RunReport, run_pipeline
from retail_lakehouse.sources import Scale, get_source
from retail_lakehouse.sources.shopmetrics.generator import generate
from retail_lakehouse.storage import Lakehouse, TableRef

UTC = dt.UTC
CUSTOMERS = (
    "customer_id,first_name,last_name,email,phone,address,city,state,country,region,segment,"
    "signup_date,updated_at"
)
PRODUCTS = "product_id,sku,product_name,category,brand,price,cost,is_active,updated_at"
ORDERS = (
    "order_id,customer_id,order_ts,status,channel,shipping_city,shipping_country,total_amount,"
    "currency,updated_at"
)
ORDER_ITEMS = "order_id,line_number,product_id,quantity,unit_price,discount,updated_at"
HEADERS = {
    "customers": CUSTOMERS,
    "products": PRODUCTS,
    "orders": ORDERS,
    "order_items": ORDER_ITEMS,
}
USD_2024 = Decimal("0.923872875092")

BO = (
    "CUST-2,Bo,Kim,bo@mail.de,+49 30 555 0102,Gartenweg 2,Berlin,BE,DE,Europe,new,2024-02-01,"
    "2024-02-01 10:00:00"
)
HONEY = (
    "PROD-2,GRO-00002,Golden Hive Organic Honey,Grocery,Golden Hive,9.99,4.00,true,"
    "2023-06-01 00:00:00"
)


def ann(email: str, updated_at: str) -> str:
    """A customers.csv row of Ann Lee (Austin, TX), who signed up on 2024-01-10."""
    return (
        f"CUST-1,Ann,Lee,{email},+1 512 555 0101,1 Main Street,Austin,TX,US,North America,new,"
        f"2024-01-10,{updated_at}"
    )


def power_bank(price: str, active: str, updated_at: str) -> str:
    """A products.csv row of PROD-1 (Electronics, cost 20.00)."""
    return (
        f"PROD-1,ELE-00001,Voltix Power Bank,Electronics,Voltix,{price},20.00,{active},{updated_at}"
    )


POWER_BANK = power_bank("40.00", "true", "2023-06-01 00:00:00")


def order(
    order_id: str, order_ts: str, status: str, channel: str, total: str, updated_at: str
) -> str:
    """An orders.csv row of Ann's, shipped to Austin, US, in USD."""
    return f"{order_id},CUST-1,{order_ts},{status},{channel},Austin,US,{total},USD,{updated_at}"


# --- helpers -------------------------------------------------------------------------------


def deliver(lakehouse: Lakehouse, batch: str, **tables: Iterable[str]) -> None:
    """Writes ``landing/shopmetrics/<batch>/<table>.csv`` for each table given (rows as text)."""
    folder = lakehouse.home / "landing" / "shopmetrics" / batch
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        (folder / f"{table}.csv").write_text("\n".join([HEADERS[table], *rows]) + "\n")


def run(engine: Engine, *, full_refresh: bool = False) -> RunReport:
    report = run_pipeline(
        engine,
        [get_source("shopmetrics")],
        landing=engine.lakehouse.home / "landing",
        run_id=ops.new_run_id(),
        select="silver.*",
        full_refresh=full_refresh,
    )
    assert not report.failed, report.failed
    return report


def rows(lakehouse: Lakehouse, table: str, *columns: str, key: str) -> list[dict[str, Any]]:
    data = lakehouse.read(TableRef("silver", table)).select(list(columns)).to_pylist()
    return sorted(data, key=lambda r: r[key])


def versions(lakehouse: Lakehouse) -> list[dict[str, Any]]:
    return rows(
        lakehouse,
        "dim_customer",
        "customer_version_key",
        "email",
        "valid_from",
        "valid_to",
        "is_current",
        key="customer_version_key",
    )


def line_versions(lakehouse: Lakehouse) -> dict[str, str | None]:
    lines = rows(
        lakehouse, "fact_order_line", "order_line_key", "customer_version_key", key="order_line_key"
    )
    return {r["order_line_key"]: r["customer_version_key"] for r in lines}


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def silver_state(lakehouse: Lakehouse) -> dict[str, list[dict[str, Any]]]:
    """Every silver table's rows, sorted, for before/after comparisons."""
    state = {}
    for path in sorted((lakehouse.home / "silver").iterdir()):
        ref = TableRef("silver", path.name)
        if not lakehouse.exists(ref):
            continue
        table = lakehouse.read(ref)
        state[path.name] = sorted(table.to_pylist(), key=lambda r: repr(sorted(r.items())))
    return state


def ledger(lakehouse: Lakehouse, table: str) -> list[dict[str, Any]]:
    data = ops.read(lakehouse, "row_ledger")
    mine = data.filter(pc.equal(data["table_name"], f"silver.{table}"))
    return sorted(mine.to_pylist(), key=lambda r: r["recorded_at"])


def json_rules(record: dict[str, Any]) -> dict[str, int]:
    rules: dict[str, int] = json.loads(record["dropped_by_rule"] or "{}")
    return rules


def deliver_signup(lakehouse: Lakehouse) -> None:
    """Batch 0: Ann signs up on 2024-01-10; ORD-1 is placed on 2024-03-14."""
    deliver(
        lakehouse,
        "batch_0000",
        customers=[ann("ann@old.com", "2024-01-10 09:00:00"), BO],
        products=[POWER_BANK, HONEY],
        orders=[
            order(
                "ORD-1", "2024-03-14 10:00:00", "delivered", "web", "110.00", "2024-03-18 10:00:00"
            )
        ],
        order_items=["ORD-1,1,PROD-1,3,40.00,10.00,2024-03-14 10:00:00"],
    )


def deliver_email_change(lakehouse: Lakehouse) -> None:
    """Batch 1: Ann changes her email on 2024-03-15 12:00 (ORD-1 was placed the day before);
    ORD-2 is placed on 2024-03-16."""
    deliver(
        lakehouse,
        "batch_0001",
        customers=[ann("ann@new.com", "2024-03-15 12:00:00")],
        orders=[
            order(
                "ORD-2",
                "2024-03-16 09:00:00",
                "placed",
                "mobile_app",
                "19.98",
                "2024-03-16 09:00:00",
            )
        ],
        order_items=["ORD-2,1,PROD-2,2,9.99,0.00,2024-03-16 09:00:00"],
    )


def email_change_batches(lakehouse: Lakehouse) -> None:
    deliver_signup(lakehouse)
    deliver_email_change(lakehouse)


# --- issue 16's acceptance tests -----------------------------------------------------------


def test_email_change_gives_one_closed_and_one_open_version(
    engine: Engine, lakehouse: Lakehouse
) -> None:
    deliver_signup(lakehouse)
    run(engine)
    assert [v for v in versions(lakehouse) if "CUST-1#" in v["customer_version_key"]] == [
        {
            "customer_version_key": "shopmetrics:CUST-1#1",
            "email": "ann@old.com",
            "valid_from": at("2024-01-10 09:00:00"),
            "valid_to": None,
            "is_current": True,
        }
    ]
    deliver_email_change(lakehouse)
    run(engine)
    cust_1 = [v for v in versions(lakehouse) if "CUST-1#" in v["customer_version_key"]]
    assert cust_1 == [
        {
            "customer_version_key": "shopmetrics:CUST-1#1",
            "email": "ann@old.com",
            "valid_from": at("2024-01-10 09:00:00"),
            "valid_to": at("2024-03-15 12:00:00"),
            "is_current": False,
        },
        {
            "customer_version_key": "shopmetrics:CUST-1#2",
            "email": "ann@new.com",
            "valid_from": at("2024-03-15 12:00:00"),
            "valid_to": None,
            "is_current": True,
        },
    ]


def test_order_the_day_before_the_change_joins_the_old_version(
    engine: Engine, lakehouse: Lakehouse
) -> None:
    email_change_batches(lakehouse)
    run(engine)
    assert line_versions(lakehouse) == {
        "shopmetrics:ORD-1:1": "shopmetrics:CUST-1#1",  # 2024-03-14, before the change
        "shopmetrics:ORD-2:1": "shopmetrics:CUST-1#2",  # 2024-03-16, after it
    }


def test_redelivered_identical_batch_changes_nothing(lakehouse: Lakehouse) -> None:
    engine = open_engine("duckdb", lakehouse)
    try:
        email_change_batches(lakehouse)
        run(engine)
        before = silver_state(lakehouse)
        landing = lakehouse.home / "landing" / "shopmetrics"
        # the same files again: bronze recognises the bytes and loads nothing
        shutil.copytree(landing / "batch_0001", landing / "batch_0001_copy")
        # the same rows re-exported (rows reversed, Windows line ends): new bytes, so bronze
        # loads them; silver drops them as re-deliveries
        reexport = landing / "batch_0000_reexport"
        reexport.mkdir()
        for table in HEADERS:
            header, *data = (landing / "batch_0000" / f"{table}.csv").read_text().splitlines()
            text = "\r\n".join([header, *reversed(data)]) + "\r\n"
            (reexport / f"{table}.csv").write_bytes(text.encode())
        report = run(engine)
    finally:
        engine.close()
    assert report.ingest is not None
    loaded = sorted(f["file"] for f in report.ingest.files if f["status"] == "loaded")
    assert len(loaded) == 4 and all("batch_0000_reexport" in f for f in loaded), loaded
    assert silver_state(lakehouse) == before
    keys = [v["customer_version_key"] for v in versions(lakehouse)]
    assert [k for k in keys if "CUST-1#" in k] == ["shopmetrics:CUST-1#1", "shopmetrics:CUST-1#2"]
    assert line_versions(lakehouse) == {
        "shopmetrics:ORD-1:1": "shopmetrics:CUST-1#1",
        "shopmetrics:ORD-2:1": "shopmetrics:CUST-1#2",
    }
    # the re-exported rows are counted, not lost
    assert json_rules(ledger(lakehouse, "stg_shopmetrics__customer")[-1]) == {
        "redelivered_observation": 2
    }
    assert json_rules(ledger(lakehouse, "stg_shopmetrics__product")[-1]) == {
        "redelivered_observation": 2
    }
    assert check_lakehouse(lakehouse) == []


def test_late_change_lands_in_order(engine: Engine, lakehouse: Lakehouse) -> None:
    deliver(
        lakehouse,
        "batch_0000",
        customers=[ann("a@mail.com", "2024-01-10 09:00:00")],
        products=[POWER_BANK],
    )
    run(engine)
    deliver(
        lakehouse,
        "batch_0001",
        customers=[ann("c@mail.com", "2024-06-01 08:00:00")],
        orders=[
            order(
                "ORD-5", "2024-04-01 15:00:00", "delivered", "web", "40.00", "2024-04-05 15:00:00"
            )
        ],
        order_items=["ORD-5,1,PROD-1,1,40.00,0.00,2024-04-01 15:00:00"],
    )
    run(engine)
    assert line_versions(lakehouse) == {"shopmetrics:ORD-5:1": "shopmetrics:CUST-1#1"}
    # batch 2 brings a change from March, older than June's it follows
    deliver(lakehouse, "batch_0002", customers=[ann("b@mail.com", "2024-03-01 18:00:00")])
    run(engine)
    assert versions(lakehouse) == [
        {
            "customer_version_key": "shopmetrics:CUST-1#1",
            "email": "a@mail.com",
            "valid_from": at("2024-01-10 09:00:00"),
            "valid_to": at("2024-03-01 18:00:00"),
            "is_current": False,
        },
        {
            "customer_version_key": "shopmetrics:CUST-1#2",
            "email": "b@mail.com",
            "valid_from": at("2024-03-01 18:00:00"),
            "valid_to": at("2024-06-01 08:00:00"),
            "is_current": False,
        },
        {
            "customer_version_key": "shopmetrics:CUST-1#3",
            "email": "c@mail.com",
            "valid_from": at("2024-06-01 08:00:00"),
            "valid_to": None,
            "is_current": True,
        },
    ]
    # the April order now joins the March version
    assert line_versions(lakehouse) == {"shopmetrics:ORD-5:1": "shopmetrics:CUST-1#2"}


# --- lines, amounts and statuses -----------------------------------------------------------


LINE_COLUMNS = (
    "order_line_key",
    "order_id",
    "line_number",
    "customer_key",
    "product_key",
    "store_key",
    "quantity",
    "unit_price",
    "discount_amount",
    "currency",
    "line_amount",
    "line_amount_eur",
    "gross_amount_eur",
    "return_amount_eur",
    "net_amount_eur",
    "line_type",
    "is_returned",
    "order_status",
    "country_code",
)


def test_lines_reach_the_fact_with_net_unit_price_and_eur(
    engine: Engine, lakehouse: Lakehouse
) -> None:
    email_change_batches(lakehouse)
    run(engine)
    lines = rows(lakehouse, "fact_order_line", *LINE_COLUMNS, key="order_line_key")
    assert lines == [
        {
            "order_line_key": "shopmetrics:ORD-1:1",
            "order_id": "shopmetrics:ORD-1",
            "line_number": 1,
            "customer_key": "shopmetrics:CUST-1",
            "product_key": "shopmetrics:PROD-1",
            "store_key": "shopmetrics:web",
            "quantity": 3,
            # (3 × 40.00 − 10.00) / 3 = 36.66666… → 36.6667
            "unit_price": Decimal("36.6667"),
            "discount_amount": Decimal("10.00"),
            "currency": "USD",
            # 3 × 36.6667 = 110.0001 → 110.00 = the order's total_amount
            "line_amount": Decimal("110.00"),
            # 110.0001 × 0.923872875092 = 101.6261… → 101.63
            "line_amount_eur": Decimal("101.63"),
            "gross_amount_eur": Decimal("101.63"),
            "return_amount_eur": Decimal("0.00"),
            "net_amount_eur": Decimal("101.63"),
            "line_type": "sale",
            "is_returned": False,
            "order_status": "delivered",
            "country_code": "US",
        },
        {
            "order_line_key": "shopmetrics:ORD-2:1",
            "order_id": "shopmetrics:ORD-2",
            "line_number": 1,
            "customer_key": "shopmetrics:CUST-1",
            "product_key": "shopmetrics:PROD-2",
            "store_key": "shopmetrics:mobile_app",
            "quantity": 2,
            "unit_price": Decimal("9.9900"),
            "discount_amount": Decimal("0.00"),
            "currency": "USD",
            "line_amount": Decimal("19.98"),
            # 19.98 × 0.923872875092 = 18.4589… → 18.46
            "line_amount_eur": Decimal("18.46"),
            "gross_amount_eur": Decimal("18.46"),
            "return_amount_eur": Decimal("0.00"),
            "net_amount_eur": Decimal("18.46"),
            "line_type": "sale",
            "is_returned": False,
            "order_status": "created",  # placed → created
            "country_code": "US",
        },
    ]
    assert (Decimal("110.0001") * USD_2024).quantize(Decimal("0.01")) == Decimal("101.63")
    assert check_lakehouse(lakehouse) == []


def test_status_changes_in_later_batches_re_emit_the_lines(lakehouse: Lakehouse) -> None:
    engine = open_engine("duckdb", lakehouse)
    try:
        email_change_batches(lakehouse)
        run(engine)
        # ORD-1 comes back on 2024-03-25; ORD-2 is cancelled before payment
        deliver(
            lakehouse,
            "batch_0002",
            orders=[
                order(
                    "ORD-1",
                    "2024-03-14 10:00:00",
                    "returned",
                    "web",
                    "110.00",
                    "2024-03-25 08:00:00",
                ),
                order(
                    "ORD-2",
                    "2024-03-16 09:00:00",
                    "cancelled",
                    "mobile_app",
                    "19.98",
                    "2024-03-16 12:00:00",
                ),
            ],
        )
        run(engine)
    finally:
        engine.close()
    lines = rows(
        lakehouse,
        "fact_order_line",
        "order_line_key",
        "line_type",
        "is_returned",
        "order_status",
        "gross_amount_eur",
        "return_amount_eur",
        "net_amount_eur",
        key="order_line_key",
    )
    assert lines == [
        {
            "order_line_key": "shopmetrics:ORD-1:1",
            "line_type": "sale",
            "is_returned": True,
            "order_status": "returned",
            "gross_amount_eur": Decimal("101.63"),  # sold …
            "return_amount_eur": Decimal("101.63"),  # … and returned
            "net_amount_eur": Decimal("0.00"),
        },
        {
            "order_line_key": "shopmetrics:ORD-2:1",
            "line_type": "cancelled",
            "is_returned": False,
            "order_status": "cancelled",
            "gross_amount_eur": Decimal("0.00"),
            "return_amount_eur": Decimal("0.00"),
            "net_amount_eur": Decimal("0.00"),
        },
    ]
    orders = rows(
        lakehouse,
        "fact_order",
        "order_id",
        "order_status",
        "delivered_ts",
        "delivery_days",
        "net_amount_eur",
        key="order_id",
    )
    assert orders == [
        {
            "order_id": "shopmetrics:ORD-1",
            "order_status": "returned",
            # seen delivered on 2024-03-18 in batch 0: 4 days after the 14th
            "delivered_ts": at("2024-03-18 10:00:00"),
            "delivery_days": 4,
            "net_amount_eur": Decimal("0.00"),
        },
        {
            "order_id": "shopmetrics:ORD-2",
            "order_status": "cancelled",
            "delivered_ts": None,
            "delivery_days": None,
            "net_amount_eur": Decimal("0.00"),
        },
    ]
    states = rows(
        lakehouse, "stg_shopmetrics__order", "order_id", "state_ts", "order_status", key="state_ts"
    )
    assert [(s["order_id"], s["order_status"]) for s in states] == [
        ("shopmetrics:ORD-2", "created"),
        ("shopmetrics:ORD-2", "cancelled"),
        ("shopmetrics:ORD-1", "delivered"),
        ("shopmetrics:ORD-1", "returned"),
    ]
    assert check_lakehouse(lakehouse) == []


def test_products_keep_the_latest_state_and_every_price(duckdb_engine: Engine) -> None:
    lakehouse = duckdb_engine.lakehouse
    deliver(lakehouse, "batch_0000", products=[POWER_BANK, HONEY])
    deliver(
        lakehouse,
        "batch_0001",
        products=[power_bank("44.00", "true", "2024-02-01 00:00:00")],
    )
    deliver(
        lakehouse,
        "batch_0002",
        products=[power_bank("44.00", "false", "2024-05-01 00:00:00")],
    )
    run(duckdb_engine)
    products = rows(
        lakehouse,
        "dim_product",
        "product_key",
        "category",
        "source_category",
        "list_price",
        "unit_cost",
        "currency",
        "list_price_eur",
        key="product_key",
    )
    assert products == [
        {
            "product_key": "shopmetrics:PROD-1",
            "category": "Electronics & Computers",
            "source_category": "Electronics",
            "list_price": Decimal("44.0000"),
            "unit_cost": Decimal("20.0000"),
            "currency": "USD",
            # 44.00 × 0.923872875092 = 40.650… → 40.65 (rate of 2024-05-01)
            "list_price_eur": Decimal("40.65"),
        },
        {
            "product_key": "shopmetrics:PROD-2",
            "category": "Food & Grocery",
            "source_category": "Grocery",
            "list_price": Decimal("9.9900"),
            "unit_cost": Decimal("4.0000"),
            "currency": "USD",
            # seed rate of 2023: 1 / 1.0813 = 0.924812725423; 9.99 × it = 9.2389 → 9.24
            "list_price_eur": Decimal("9.24"),
        },
    ]
    prices = rows(
        lakehouse,
        "product_price_history",
        "product_price_version_key",
        "list_price",
        "valid_from",
        "valid_to",
        key="product_price_version_key",
    )
    # the discontinuation (same price) opens no price version
    assert prices == [
        {
            "product_price_version_key": "shopmetrics:PROD-1#1",
            "list_price": Decimal("40.0000"),
            "valid_from": at("2023-06-01 00:00:00"),
            "valid_to": at("2024-02-01 00:00:00"),
        },
        {
            "product_price_version_key": "shopmetrics:PROD-1#2",
            "list_price": Decimal("44.0000"),
            "valid_from": at("2024-02-01 00:00:00"),
            "valid_to": None,
        },
        {
            "product_price_version_key": "shopmetrics:PROD-2#1",
            "list_price": Decimal("9.9900"),
            "valid_from": at("2023-06-01 00:00:00"),
            "valid_to": None,
        },
    ]


def test_channels_are_stores(duckdb_engine: Engine) -> None:
    email_change_batches(duckdb_engine.lakehouse)
    run(duckdb_engine)
    stores = rows(
        duckdb_engine.lakehouse,
        "dim_store",
        "store_key",
        "source_store_id",
        "channel",
        "country_code",
        key="store_key",
    )
    assert stores == [
        {
            "store_key": "shopmetrics:mobile_app",
            "source_store_id": "mobile_app",
            "channel": "mobile_app",
            "country_code": "US",
        },
        {
            "store_key": "shopmetrics:web",
            "source_store_id": "web",
            "channel": "online",
            "country_code": "US",
        },
    ]


def test_items_wait_in_quarantine_until_their_order_arrives(duckdb_engine: Engine) -> None:
    lakehouse = duckdb_engine.lakehouse
    deliver(
        lakehouse,
        "batch_0000",
        customers=[ann("ann@old.com", "2024-01-10 09:00:00")],
        products=[POWER_BANK],
        orders=[
            order(
                "ORD-1", "2024-03-14 09:00:00", "delivered", "web", "40.00", "2024-03-18 10:00:00"
            )
        ],
        order_items=[
            "ORD-1,1,PROD-1,1,40.00,0.00,2024-03-14 09:00:00",
            "ORD-9,1,PROD-1,1,40.00,0.00,2024-03-14 10:00:00",  # its order comes next week
        ],
    )
    run(duckdb_engine)
    quarantine = ops.read(lakehouse, "quarantine")
    held = quarantine.filter(
        pc.equal(quarantine["table_name"], "silver.stg_shopmetrics__order_line")
    ).to_pylist()
    assert [q["_rule"] for q in held] == ["order_header_received"]
    assert list(line_versions(lakehouse)) == ["shopmetrics:ORD-1:1"]
    deliver(
        lakehouse,
        "batch_0001",
        orders=[
            order("ORD-9", "2024-03-14 10:00:00", "paid", "web", "40.00", "2024-03-14 10:20:00")
        ],
    )
    run(duckdb_engine)
    assert line_versions(lakehouse) == {
        "shopmetrics:ORD-1:1": "shopmetrics:CUST-1#1",
        "shopmetrics:ORD-9:1": "shopmetrics:CUST-1#1",
    }
    assert check_lakehouse(lakehouse) == []


# --- incremental = full refresh ------------------------------------------------------------


def test_incremental_runs_equal_a_full_refresh(engine: Engine, lakehouse: Lakehouse) -> None:
    email_change_batches(lakehouse)
    run(engine)
    deliver(
        lakehouse,
        "batch_0002",
        customers=[ann("late@mail.com", "2024-02-01 00:00:00"), BO],
        orders=[
            order(
                "ORD-1", "2024-03-14 10:00:00", "returned", "web", "110.00", "2024-03-25 08:00:00"
            ),
            order(
                "ORD-2", "2024-03-16 09:00:00", "paid", "mobile_app", "19.98", "2024-03-16 09:30:00"
            ),
        ],
    )
    run(engine)
    deliver(
        lakehouse,
        "batch_0003",
        orders=[
            # a status older than the one already known: it fills ORD-1's timeline only
            order(
                "ORD-1", "2024-03-14 10:00:00", "shipped", "web", "110.00", "2024-03-15 07:00:00"
            ),
            order(
                "ORD-2",
                "2024-03-16 09:00:00",
                "shipped",
                "mobile_app",
                "19.98",
                "2024-03-17 09:30:00",
            ),
        ],
        order_items=["ORD-2,1,PROD-2,2,9.99,0.00,2024-03-16 09:00:00"],  # a copy
    )
    run(engine)
    incremental = silver_state(lakehouse)
    run(engine, full_refresh=True)
    assert silver_state(lakehouse) == incremental
    assert check_lakehouse(lakehouse) == []
    order_1 = [
        s
        for s in rows(
            lakehouse,
            "fact_order",
            "order_id",
            "order_status",
            "shipped_ts",
            "delivered_ts",
            key="order_id",
        )
        if s["order_id"] == "shopmetrics:ORD-1"
    ]
    assert order_1 == [
        {
            "order_id": "shopmetrics:ORD-1",
            "order_status": "returned",
            "shipped_ts": at("2024-03-15 07:00:00"),
            "delivered_ts": at("2024-03-18 10:00:00"),
        }
    ]


# --- the generator's files ------------------------------------------------------------------


def bronze_counts(landing: Path) -> dict[str, int]:
    """Data rows per table and distinct (order, line) items, read from the CSVs themselves."""
    counts: dict[str, int] = {}
    items: set[tuple[str, str]] = set()
    for path in sorted(landing.rglob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            data = list(csv.DictReader(handle))
        counts[path.stem] = counts.get(path.stem, 0) + len(data)
        if path.stem == "order_items":
            items |= {(r["order_id"], r["line_number"]) for r in data}
    counts["distinct_items"] = len(items)
    return counts


@pytest.mark.slow
def test_generated_batches_with_runs_between_equal_a_full_refresh(duckdb_engine: Engine) -> None:
    lakehouse = duckdb_engine.lakehouse
    landing = lakehouse.home / "landing" / "shopmetrics"
    generate(landing, scale=Scale.small, seed=42, batches=2)
    run(duckdb_engine)
    first = bronze_counts(landing)
    assert lakehouse.count(TableRef("silver", "fact_order_line")) == first["distinct_items"]
    assert lakehouse.count(TableRef("silver", "stg_shopmetrics__store")) == 3
    # the same history cut into 3 weekly batches: older snapshots and copies arrive late
    generate(landing, scale=Scale.small, seed=42, batches=3)
    run(duckdb_engine)
    incremental = silver_state(lakehouse)
    run(duckdb_engine, full_refresh=True)
    assert silver_state(lakehouse) == incremental
    assert check_lakehouse(lakehouse) == []

    # counts against the bronze tables
    def count(table: str) -> int:
        return lakehouse.count(TableRef("bronze", f"shopmetrics_{table}"))

    def silver(table: str) -> pa.Table:
        return lakehouse.read(TableRef("silver", table))

    def dropped(table: str) -> int:
        return sum(sum(json_rules(r).values()) for r in ledger(lakehouse, table)[-1:])

    items = silver("stg_shopmetrics__order_line")
    final = bronze_counts(landing)
    assert items.num_rows == final["distinct_items"]
    assert items.num_rows + dropped("stg_shopmetrics__order_line") == count("order_items")
    for table, bronze in (
        ("stg_shopmetrics__customer", "customers"),
        ("stg_shopmetrics__product", "products"),
        ("stg_shopmetrics__order", "orders"),
    ):
        assert silver(table).num_rows + dropped(table) == count(bronze), table
    assert silver("fact_order_line").num_rows == final["distinct_items"]
    orders = silver("fact_order")
    assert orders.num_rows == len(set(silver("stg_shopmetrics__order")["order_id"].to_pylist()))
    assert silver("dim_customer").num_rows >= len(
        set(silver("stg_shopmetrics__customer")["customer_key"].to_pylist())
    )
    # Σ quantity × net unit price of an order's lines = the order's total_amount
    totals = duckdb_engine.query(
        "with l as (select order_id, sum(line_amount) as amount from silver.fact_order_line "
        "group by order_id), o as (select order_id, max(total_amount) as total "
        "from silver.stg_shopmetrics__order group by order_id) "
        "select count(*) as n, sum(case when l.amount = o.total then 1 else 0 end) as equal "
        "from l inner join o on o.order_id = l.order_id"
    ).to_pylist()[0]
    assert totals["n"] == orders.num_rows and totals["equal"] == totals["n"]
