"""Olist through silver: staging models feed the conformed tables, checked on hand-made files.

The slice (ids shortened; Olist's are 32 hex characters):

- person u1 orders twice from two addresses: o1 (São Paulo, 2017-03-10: two items, two
  payments, delivered late) and o2 (Rio, 2017-06-01: one item, one negative-price item);
- person u2's order o3 was canceled; person u3's order o4 is shipped in the first delivery
  and delivered (late) in the second, which also brings u3's order o5 from a new address.

EUR amounts use the seed's yearly BRL rate: rate_to_eur = round(1 / units_per_eur, 12) and
amount_eur = round(amount × rate_to_eur, 2) (half up).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from retail_lakehouse import ops
from retail_lakehouse.checks import check_lakehouse
from retail_lakehouse.engines import Engine
from retail_lakehouse.runner.run import RunReport, run_pipeline
from retail_lakehouse.sources import get_source
from retail_lakehouse.storage import Lakehouse, TableRef
from tests.conftest import write_landing

UTC = dt.UTC
BRL_PER_EUR_2017 = Decimal("3.6054")  # seeds/fx_rates.csv, BRL from 2017-01-01
RATE_2017 = Decimal("0.277361735175")  # round(1 / 3.6054, 12)
BRL_PER_EUR_2018 = Decimal("4.3085")  # BRL from 2018-01-01
RATE_2018 = Decimal("0.232099338517")  # round(1 / 4.3085, 12)

ORDERS_HEADER = (
    "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,"
    "order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date"
)
O1 = "o1,c1,delivered,2017-03-10 09:15:00,2017-03-10 10:00:00,2017-03-13 14:00:00,2017-04-02 18:30:00,2017-03-30 00:00:00"  # noqa: E501
O2 = "o2,c2,delivered,2017-06-01 12:00:00,2017-06-01 12:30:00,2017-06-03 09:00:00,2017-06-08 15:00:00,2017-06-20 00:00:00"  # noqa: E501
O3 = "o3,c3,canceled,2017-05-05 08:00:00,2017-05-05 08:10:00,,,2017-05-25 00:00:00"
O4_SHIPPED = (
    "o4,c4,shipped,2018-01-15 10:00:00,2018-01-15 10:20:00,2018-01-17 11:00:00,,2018-02-05 00:00:00"
)
O4_DELIVERED = "o4,c4,delivered,2018-01-15 10:00:00,2018-01-15 10:20:00,2018-01-17 11:00:00,2018-02-10 16:00:00,2018-02-05 00:00:00"  # noqa: E501
O5 = "o5,c5,approved,2018-03-01 09:00:00,2018-03-01 09:30:00,,,2018-03-25 00:00:00"

ITEMS_HEADER = "order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value"
CUSTOMERS_HEADER = (
    "customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,customer_state"
)
PAYMENTS_HEADER = "order_id,payment_sequential,payment_type,payment_installments,payment_value"
REVIEWS_HEADER = (
    "review_id,order_id,review_score,review_comment_title,review_comment_message,"
    "review_creation_date,review_answer_timestamp"
)
PRODUCTS_HEADER = (
    "product_id,product_category_name,product_name_lenght,product_description_lenght,"
    "product_photos_qty,product_weight_g,product_length_cm,product_height_cm,product_width_cm"
)
TRANSLATION_HEADER = "product_category_name,product_category_name_english"


def csv_text(header: str, *rows: str) -> str:
    return "\n".join([header, *rows]) + "\n"


FIRST_DELIVERY = {
    "olist_orders_dataset.csv": csv_text(ORDERS_HEADER, O1, O2, O3, O4_SHIPPED),
    "olist_order_items_dataset.csv": csv_text(
        ITEMS_HEADER,
        "o1,1,p1,s1,2017-03-14 10:00:00,100.00,15.50",
        "o1,2,p2,s2,2017-03-14 10:00:00,49.90,10.25",
        "o2,1,p1,s1,2017-06-05 12:00:00,95.00,12.00",
        "o2,2,p3,s2,2017-06-05 12:00:00,-5.00,0.00",  # outlier: quarantined
        "o3,1,p2,s2,2017-05-09 08:00:00,49.90,9.00",
        "o4,1,p3,s1,2018-01-19 10:00:00,30.00,8.00",
    ),
    "olist_customers_dataset.csv": csv_text(
        CUSTOMERS_HEADER,
        "c1,u1,01310,sao paulo,SP",
        "c2,u1,20040,rio de janeiro,RJ",
        "c3,u2,13010,campinas,SP",
        "c4,u3,04538,sao paulo,SP",
    ),
    "olist_order_payments_dataset.csv": csv_text(
        PAYMENTS_HEADER,
        "o1,1,credit_card,8,150.00",
        "o1,2,voucher,1,25.65",
        "o2,1,boleto,1,107.00",
        "o3,1,credit_card,1,58.90",
        "o4,1,credit_card,2,38.00",
    ),
    "olist_order_reviews_dataset.csv": csv_text(
        REVIEWS_HEADER,
        "r1,o1,2,,Chegou atrasado,2017-04-03 00:00:00,2017-04-04 10:00:00",
        "r2,o2,5,,,2017-06-09 00:00:00,2017-06-10 08:00:00",
    ),
    "olist_products_dataset.csv": csv_text(
        PRODUCTS_HEADER,
        "p1,cama_mesa_banho,40.0,300.0,2.0,1200.0,30.0,10.0,20.0",
        "p2,informatica_acessorios,50.0,500.0,1.0,300.0,20.0,5.0,15.0",
        "p3,,,,,250.0,16.0,4.0,11.0",
    ),
    "product_category_name_translation.csv": csv_text(
        TRANSLATION_HEADER,
        "cama_mesa_banho,bed_bath_table",
        "informatica_acessorios,computers_accessories",
    ),
}

# A later delivery: a snapshot of the orders file (o4 now delivered, o5 new; o1-o3 restated
# unchanged), and the new order's customer row, item and payment.
SECOND_DELIVERY = {
    "olist_orders_dataset_2018-03.csv": csv_text(ORDERS_HEADER, O1, O2, O3, O4_DELIVERED, O5),
    "olist_customers_dataset_2018-03.csv": csv_text(
        CUSTOMERS_HEADER, "c5,u3,30110,belo horizonte,MG"
    ),
    "olist_order_items_dataset_2018-03.csv": csv_text(
        ITEMS_HEADER, "o5,1,p1,s1,2018-03-05 09:00:00,45.00,7.00"
    ),
    "olist_order_payments_dataset_2018-03.csv": csv_text(PAYMENTS_HEADER, "o5,1,boleto,1,52.00"),
}

OLIST_TABLES = (
    "silver.stg_olist__order",
    "silver.stg_olist__order_line",
    "silver.stg_olist__customer",
    "silver.stg_olist__product",
    "silver.stg_olist__payment",
    "silver.stg_olist__review",
    "silver.stg_olist__store",
    "silver.fact_order_line",
    "silver.fact_order",
    "silver.fact_payment",
    "silver.fact_review",
    "silver.dim_customer",
    "silver.dim_product",
    "silver.dim_store",
)


def land(lakehouse: Lakehouse, files: dict[str, str], skip: tuple[str, ...] = ()) -> None:
    for name, content in files.items():
        if name not in skip:
            write_landing(lakehouse, "olist", name, content)


def run(engine: Engine, *, full_refresh: bool = False) -> RunReport:
    report = run_pipeline(
        engine,
        [get_source("olist")],
        landing=engine.lakehouse.home / "landing",
        run_id=ops.new_run_id(),
        full_refresh=full_refresh,
    )
    assert not report.failed, report.failed
    return report


def by_key(lakehouse: Lakehouse, table: str, key: str) -> dict[str, dict[str, Any]]:
    return {str(r[key]): r for r in lakehouse.read(TableRef.parse(table)).to_pylist()}


def contents(lakehouse: Lakehouse, table: str) -> list[dict[str, Any]]:
    rows = lakehouse.read(TableRef.parse(table)).to_pylist()
    return sorted(rows, key=lambda r: json.dumps(r, default=str, sort_keys=True))


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def ledger(lakehouse: Lakehouse, table: str) -> list[tuple[int, int, int, int, str]]:
    rows = [
        r
        for r in ops.read(lakehouse, "row_ledger").sort_by("recorded_at").to_pylist()
        if r["table_name"] == table
    ]
    return [
        (
            r["rows_in"],
            r["rows_out"],
            r["rows_quarantined"],
            r["rows_dropped"],
            r["dropped_by_rule"],
        )
        for r in rows
    ]


@pytest.fixture
def first(lakehouse: Lakehouse, duckdb_engine: Engine) -> Lakehouse:
    land(lakehouse, FIRST_DELIVERY)
    run(duckdb_engine)
    return lakehouse


# --- the acceptance item -------------------------------------------------------------


def test_order_with_two_items_two_payments_and_a_late_delivery(
    lakehouse: Lakehouse, engine: Engine
) -> None:
    land(lakehouse, FIRST_DELIVERY)
    run(engine)
    assert (1 / BRL_PER_EUR_2017).quantize(Decimal("1e-12")) == RATE_2017

    lines = by_key(lakehouse, "silver.fact_order_line", "order_line_key")
    first_item, second_item = lines["olist:o1:1"], lines["olist:o1:2"]
    assert [
        (r["line_number"], r["product_key"], r["quantity"]) for r in (first_item, second_item)
    ] == [
        (1, "olist:p1", 1),
        (2, "olist:p2", 1),
    ]
    for line in (first_item, second_item):
        assert line["order_id"] == "olist:o1"
        assert line["source_system"] == "olist"
        assert line["customer_key"] == "olist:u1"
        assert line["customer_version_key"] == "olist:u1#1"  # the São Paulo address
        assert line["store_key"] == "olist:marketplace"
        assert line["order_ts"] == ts("2017-03-10 09:15:00")
        assert (line["currency"], line["fx_rate_to_eur"]) == ("BRL", RATE_2017)
        assert (line["line_type"], line["order_status"], line["is_return"]) == (
            "sale",
            "delivered",
            False,
        )
        assert (line["country_code"], line["region"]) == ("BR", "SP")
    assert first_item["unit_price"] == Decimal("100.0000")
    assert first_item["unit_price_eur"] == Decimal("27.7362")  # 100 × 0.277361735175
    assert first_item["net_amount_eur"] == Decimal("27.74")  # 27.7361735175 → 27.74
    assert second_item["unit_price"] == Decimal("49.9000")
    assert second_item["unit_price_eur"] == Decimal("13.8404")  # 49.90 × rate = 13.84035…
    assert second_item["net_amount_eur"] == Decimal("13.84")

    order = by_key(lakehouse, "silver.fact_order", "order_id")["olist:o1"]
    assert order["order_status"] == "delivered"
    assert (order["approved_ts"], order["shipped_ts"], order["delivered_ts"]) == (
        ts("2017-03-10 10:00:00"),
        ts("2017-03-13 14:00:00"),
        ts("2017-04-02 18:30:00"),
    )
    assert order["estimated_delivery_ts"] == ts("2017-03-30 00:00:00")
    assert order["delivery_days"] == 23  # 2017-03-10 → 2017-04-02: 21 days of March + 2
    assert order["is_late"] is True  # delivered 04-02, promised 03-30
    assert order["freight_amount"] == Decimal("25.75")  # 15.50 + 10.25
    assert order["freight_amount_eur"] == Decimal("7.14")  # 25.75 × rate = 7.1420…
    assert (order["lines"], order["units"]) == (2, 2)
    assert order["net_amount_eur"] == Decimal("41.58")  # 27.74 + 13.84
    assert order["customer_key"] == "olist:u1"
    assert order["store_key"] == "olist:marketplace"

    payments = by_key(lakehouse, "silver.fact_payment", "payment_key")
    assert [
        (p["payment_type"], p["installments"], p["amount"], p["amount_eur"])
        for p in (payments["olist:o1:1"], payments["olist:o1:2"])
    ] == [
        ("credit_card", 8, Decimal("150.00"), Decimal("41.60")),  # 41.6042…
        ("voucher", 1, Decimal("25.65"), Decimal("7.11")),  # 7.1143…
    ]
    # payments add up to the items' price plus freight: 149.90 + 25.75 = 175.65
    assert payments["olist:o1:1"]["amount"] + payments["olist:o1:2"]["amount"] == Decimal("175.65")


# --- lines, orders, customers, products --------------------------------------------------------


def test_cancelled_order_keeps_its_items_as_cancelled_lines_without_revenue(
    first: Lakehouse,
) -> None:
    line = by_key(first, "silver.fact_order_line", "order_line_key")["olist:o3:1"]
    assert (line["line_type"], line["order_status"]) == ("cancelled", "cancelled")
    assert line["line_amount"] == Decimal("49.90")
    assert (line["gross_amount_eur"], line["net_amount_eur"]) == (Decimal("0.00"), Decimal("0.00"))
    order = by_key(first, "silver.fact_order", "order_id")["olist:o3"]
    assert (order["order_status"], order["delivery_days"], order["is_late"]) == (
        "cancelled",
        None,
        None,
    )
    assert order["freight_amount"] == Decimal("9.00")


def test_negative_item_price_is_quarantined_with_its_rule(first: Lakehouse) -> None:
    lines = by_key(first, "silver.fact_order_line", "order_line_key")
    assert "olist:o2:2" not in lines and "olist:o2:1" in lines
    quarantined = [
        r
        for r in ops.read(first, "quarantine").to_pylist()
        if r["table_name"] == "silver.stg_olist__order_line"
    ]
    assert [(r["_rule"], r["_source_line"]) for r in quarantined] == [
        ("item_price_not_negative", 5)  # the fourth item, line 5 of its file
    ]
    assert json.loads(quarantined[0]["record"])["order_line_key"] == "olist:o2:2"
    # 6 items: 5 lines + 1 quarantined, nothing dropped
    assert ledger(first, "silver.stg_olist__order_line") == [(6, 5, 1, 0, "{}")]


def test_a_person_is_the_customer_unique_id_with_one_version_per_address(
    first: Lakehouse,
) -> None:
    versions = sorted(
        (
            r
            for r in first.read(TableRef("silver", "dim_customer")).to_pylist()
            if r["customer_key"] == "olist:u1"
        ),
        key=lambda r: r["version_number"],
    )
    assert [
        (v["customer_version_key"], v["postal_code"], v["city"], v["region"], v["country_code"])
        for v in versions
    ] == [
        ("olist:u1#1", "01310", "sao paulo", "SP", "BR"),
        ("olist:u1#2", "20040", "rio de janeiro", "RJ", "BR"),
    ]
    assert (versions[0]["valid_from"], versions[0]["valid_to"]) == (
        ts("2017-03-10 09:15:00"),
        ts("2017-06-01 12:00:00"),
    )
    assert (versions[1]["valid_to"], versions[1]["is_current"]) == (None, True)
    line = by_key(first, "silver.fact_order_line", "order_line_key")["olist:o2:1"]
    assert (line["customer_version_key"], line["region"]) == ("olist:u1#2", "RJ")


def test_products_take_the_portuguese_category_and_its_english_name(first: Lakehouse) -> None:
    products = by_key(first, "silver.dim_product", "product_key")
    assert {
        k: (p["source_category"], p["subcategory"], p["category"]) for k, p in products.items()
    } == {
        "olist:p1": ("cama_mesa_banho", "bed_bath_table", "Home & Furniture"),
        "olist:p2": ("informatica_acessorios", "computers_accessories", "Electronics & Computers"),
        "olist:p3": (None, None, "Other"),  # uncategorised product
    }
    stage = first.read(TableRef("silver", "stg_olist__product")).to_pylist()
    bronze_arrival = first.read(TableRef("bronze", "olist_products"))["_ingested_at"][0].as_py()
    assert {r["valid_from"] for r in stage} == {bronze_arrival}


def test_reviews_and_the_marketplace_store(first: Lakehouse) -> None:
    reviews = by_key(first, "silver.fact_review", "review_key")
    assert {k: (r["order_id"], r["score"], r["has_comment"]) for k, r in reviews.items()} == {
        "olist:r1:o1": ("olist:o1", 2, True),
        "olist:r2:o2": ("olist:o2", 5, False),
    }
    stores = by_key(first, "silver.dim_store", "store_key")
    store = stores["olist:marketplace"]
    assert (store["channel"], store["country_code"], store["source_system"]) == (
        "marketplace",
        "BR",
        "olist",
    )


# --- later deliveries ------------------------------------------------------------------------


def test_status_change_in_a_later_orders_file_merges_in(
    first: Lakehouse, duckdb_engine: Engine
) -> None:
    before = by_key(first, "silver.fact_order", "order_id")["olist:o4"]
    assert (before["order_status"], before["delivery_days"], before["is_late"]) == (
        "shipped",
        None,
        None,
    )
    land(first, SECOND_DELIVERY)
    run(duckdb_engine)

    orders = by_key(first, "silver.fact_order", "order_id")
    after = orders["olist:o4"]
    assert (after["order_status"], after["delivered_ts"]) == (
        "delivered",
        ts("2018-02-10 16:00:00"),
    )
    assert after["delivery_days"] == 26  # 2018-01-15 → 2018-02-10
    assert after["is_late"] is True  # promised 2018-02-05
    assert orders["olist:o5"]["order_status"] == "processing"  # approved
    assert len(orders) == 5
    line = by_key(first, "silver.fact_order_line", "order_line_key")["olist:o4:1"]
    assert line["order_status"] == "delivered"
    # the snapshot restated o1-o4: their older rows are dropped by the named rule
    assert ledger(first, "silver.stg_olist__order")[-1] == (
        9,
        5,
        0,
        4,
        '{"superseded_order_state": 4}',
    )
    new_line = by_key(first, "silver.fact_order_line", "order_line_key")["olist:o5:1"]
    assert new_line["net_amount_eur"] == Decimal("10.44")  # 45.00 × 0.232099338517 (2018)
    assert (1 / BRL_PER_EUR_2018).quantize(Decimal("1e-12")) == RATE_2018


def test_a_move_opens_a_new_version_and_the_earlier_order_keeps_the_old_one(
    first: Lakehouse, duckdb_engine: Engine
) -> None:
    land(first, SECOND_DELIVERY)
    run(duckdb_engine)
    versions = sorted(
        (
            r
            for r in first.read(TableRef("silver", "dim_customer")).to_pylist()
            if r["customer_key"] == "olist:u3"
        ),
        key=lambda r: r["version_number"],
    )
    assert [(v["region"], v["valid_from"], v["valid_to"]) for v in versions] == [
        ("SP", ts("2018-01-15 10:00:00"), ts("2018-03-01 09:00:00")),
        ("MG", ts("2018-03-01 09:00:00"), None),
    ]
    lines = by_key(first, "silver.fact_order_line", "order_line_key")
    assert lines["olist:o4:1"]["customer_version_key"] == "olist:u3#1"
    assert lines["olist:o5:1"]["customer_version_key"] == "olist:u3#2"


def test_incremental_runs_equal_a_full_refresh(lakehouse: Lakehouse, engine: Engine) -> None:
    land(lakehouse, FIRST_DELIVERY)
    run(engine)
    land(lakehouse, SECOND_DELIVERY)
    report = run(engine)
    modes = {m["table_name"]: m["build_mode"] for m in report.models}
    assert modes["silver.stg_olist__order_line"] == "incremental"
    incremental = {t: contents(lakehouse, t) for t in OLIST_TABLES}
    run(engine, full_refresh=True)
    for table in OLIST_TABLES:
        assert contents(lakehouse, table) == incremental[table], table
    assert check_lakehouse(lakehouse) == []


def test_redelivering_an_identical_batch_changes_nothing(
    first: Lakehouse, duckdb_engine: Engine
) -> None:
    data_tables = [t for t in first.tables() if t.layer != "ops"]
    before = {t: first.version(t) for t in data_tables}
    land(first, {f"copy_of_{name}": text for name, text in FIRST_DELIVERY.items()})
    report = run(duckdb_engine)
    assert report.ingest is not None
    assert {m["status"] for m in report.models} <= {"up_to_date", "no_input"}
    assert {t: first.version(t) for t in data_tables} == before


def test_olist_alone_runs_and_conserves_every_row(first: Lakehouse) -> None:
    runs = ops.read(first, "runs").to_pylist()
    online_retail = {r["status"] for r in runs if "online_retail" in r["table_name"]}
    assert online_retail == {"no_input"}
    assert check_lakehouse(first) == []
    # 1:1 staging models account for every bronze row (written, quarantined or dropped)
    assert ledger(first, "silver.stg_olist__order") == [(4, 4, 0, 0, "{}")]
    assert ledger(first, "silver.stg_olist__customer") == [(4, 4, 0, 0, "{}")]
    assert ledger(first, "silver.stg_olist__payment") == [(5, 5, 0, 0, "{}")]
    assert ledger(first, "silver.stg_olist__review") == [(2, 2, 0, 0, "{}")]
    assert ledger(first, "silver.stg_olist__product") == [(3, 3, 0, 0, "{}")]


def test_items_and_customer_rows_wait_in_quarantine_until_their_order_arrives(
    lakehouse: Lakehouse, duckdb_engine: Engine
) -> None:
    orders_file = "olist_orders_dataset.csv"
    land(lakehouse, FIRST_DELIVERY, skip=(orders_file,))
    write_landing(lakehouse, "olist", orders_file, csv_text(ORDERS_HEADER, O1, O2, O3))
    run(duckdb_engine)
    quarantined = {
        (r["table_name"], r["_rule"], json.loads(r["record"]).get("source_order_id"))
        for r in ops.read(lakehouse, "quarantine").to_pylist()
    }
    assert ("silver.stg_olist__order_line", "order_known", "o4") in quarantined
    assert "olist:o4:1" not in by_key(lakehouse, "silver.fact_order_line", "order_line_key")
    assert "olist:u3" not in by_key(lakehouse, "silver.dim_customer", "customer_key")

    write_landing(
        lakehouse, "olist", "olist_orders_dataset_late.csv", csv_text(ORDERS_HEADER, O4_SHIPPED)
    )
    run(duckdb_engine)
    line = by_key(lakehouse, "silver.fact_order_line", "order_line_key")["olist:o4:1"]
    assert (line["order_status"], line["customer_version_key"]) == ("shipped", "olist:u3#1")
    assert by_key(lakehouse, "silver.fact_order", "order_id")["olist:o4"]["freight_amount"] == (
        Decimal("8.00")
    )


def test_translation_file_is_optional_and_fills_the_subcategory_when_it_arrives(
    lakehouse: Lakehouse, duckdb_engine: Engine
) -> None:
    translation = "product_category_name_translation.csv"
    land(lakehouse, FIRST_DELIVERY, skip=(translation,))
    run(duckdb_engine)
    p1 = by_key(lakehouse, "silver.dim_product", "product_key")["olist:p1"]
    assert (p1["category"], p1["subcategory"]) == ("Home & Furniture", None)
    land(lakehouse, {translation: FIRST_DELIVERY[translation]})
    run(duckdb_engine)
    p1 = by_key(lakehouse, "silver.dim_product", "product_key")["olist:p1"]
    assert (p1["category"], p1["subcategory"]) == ("Home & Furniture", "bed_bath_table")


# --- the real generator ----------------------------------------------------------------------


def read_csv(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def address_versions(customers: list[dict[str, str]], orders: list[dict[str, str]]) -> int:
    """SCD2 versions of the persons, counted from the CSV files by a second method."""
    purchased = {o["customer_id"]: o["order_purchase_timestamp"] for o in orders}
    seen: dict[str, list[tuple[str, tuple[str, str, str]]]] = defaultdict(list)
    for c in customers:
        address = (c["customer_zip_code_prefix"], c["customer_city"], c["customer_state"])
        seen[c["customer_unique_id"]].append((purchased[c["customer_id"]], address))
    versions = 0
    for observations in seen.values():
        previous = None
        for _, address in sorted(observations):
            versions += address != previous
            previous = address
    return versions


@pytest.mark.slow
def test_generated_olist_reaches_silver_with_every_row_accounted(
    lakehouse: Lakehouse, duckdb_engine: Engine, tmp_path: Path
) -> None:
    from retail_lakehouse.sources.contract import Scale

    generated = tmp_path / "generated"
    get_source("olist").generate(generated, scale=Scale.small, seed=7)
    landing = lakehouse.home / "landing" / "olist"
    shutil.copytree(generated, landing)
    run(duckdb_engine)

    orders = read_csv(generated, "olist_orders_dataset.csv")
    items = read_csv(generated, "olist_order_items_dataset.csv")
    payments = read_csv(generated, "olist_order_payments_dataset.csv")
    reviews = read_csv(generated, "olist_order_reviews_dataset.csv")
    products = read_csv(generated, "olist_products_dataset.csv")
    customers = read_csv(generated, "olist_customers_dataset.csv")

    def count(table: str) -> int:
        return int(lakehouse.read(TableRef.parse(table)).num_rows)

    assert count("silver.fact_order") == len(orders)
    assert count("silver.fact_order_line") == len(items)  # no negative prices generated
    assert count("silver.fact_payment") == len(payments)
    assert count("silver.fact_review") == len(reviews)
    assert count("silver.dim_product") == len({p["product_id"] for p in products})
    assert count("silver.dim_customer") == address_versions(customers, orders)
    cancelled = {o["order_id"] for o in orders if o["order_status"] in ("canceled", "unavailable")}
    lines = lakehouse.read(TableRef("silver", "fact_order_line")).to_pylist()
    assert sum(r["line_type"] == "cancelled" for r in lines) == sum(
        i["order_id"] in cancelled for i in items
    )
    assert sum(r["line_amount"] for r in lines if r["line_type"] == "sale") == sum(
        Decimal(i["price"]) for i in items if i["order_id"] not in cancelled
    )
    freight = sum(
        r["freight_amount"] for r in lakehouse.read(TableRef("silver", "fact_order")).to_pylist()
    )
    assert freight == sum(Decimal(i["freight_value"]) for i in items)
    assert check_lakehouse(lakehouse) == []
