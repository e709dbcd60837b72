"""CRM generator: retail-org style customers, sales and sales_orders that reconcile."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from retail_lakehouse.sources.contract import Scale, normalize_header
from retail_lakehouse.sources.crm import SOURCE, generate
from tests.sources.files import (
    Row,
    assert_seed_decides_the_bytes,
    fit_one_contract,
    read_rows,
)

LINE_KEYS = ["curr", "id", "name", "price", "promotion_info", "qty", "unit"]
PROMO_KEYS = ["promo_disc", "promo_id", "promo_item", "promo_qty"]


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crm")
    generate(path, scale=Scale.small, seed=7)
    return path


@pytest.fixture(scope="module")
def customers(landing: Path) -> list[Row]:
    return read_rows(landing / "customers.csv")


@pytest.fixture(scope="module")
def sales(landing: Path) -> list[Row]:
    return read_rows(landing / "sales.csv")


@pytest.fixture(scope="module")
def orders(landing: Path) -> list[Row]:
    return read_rows(landing / "sales_orders.csv")


def lines_of(order: Row) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = json.loads(order["ordered_products"])
    return lines


def versions_by_customer(customers: list[Row]) -> dict[str, list[Row]]:
    versions: defaultdict[str, list[Row]] = defaultdict(list)
    for row in customers:
        versions[row["customer_id"]].append(row)
    for rows in versions.values():
        rows.sort(key=lambda r: int(r["valid_from"]))
    return versions


def test_writes_the_three_retail_org_files(tmp_path: Path) -> None:
    paths = generate(tmp_path, scale=Scale.small, seed=1)

    assert [p.name for p in paths] == ["customers.csv", "sales.csv", "sales_orders.csv"]


@pytest.mark.parametrize(
    ("name", "header"),
    [
        (
            "customers.csv",
            "customer_id,tax_id,tax_code,customer_name,state,city,postcode,street,number,unit,"
            "region,district,lon,lat,ship_to_address,valid_from,valid_to,units_purchased,"
            "loyalty_segment",
        ),
        (
            "sales.csv",
            "customer_id,customer_name,product_name,order_date,product_category,product,"
            "total_price",
        ),
        (
            "sales_orders.csv",
            "clicked_items,customer_id,customer_name,number_of_line_items,order_datetime,"
            "order_number,ordered_products,promo_info",
        ),
    ],
)
def test_each_file_has_the_retail_org_header(landing: Path, name: str, header: str) -> None:
    assert (landing / name).read_text(encoding="utf-8").split("\n")[0] == header


def test_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    assert_seed_decides_the_bytes(generate, tmp_path)


def test_each_file_matches_one_contract_and_has_its_required_columns(landing: Path) -> None:
    for path in sorted(landing.glob("*.csv")):
        contract, header = fit_one_contract(path, SOURCE.tables)
        assert contract.table == path.stem
        assert [normalize_header(h) for h in header] == [
            normalize_header(c.source_header) for c in contract.columns
        ]


def test_sizes_at_small_scale(customers: list[Row], orders: list[Row], sales: list[Row]) -> None:
    assert len({r["customer_id"] for r in customers}) == 500
    assert len({r["order_number"] for r in orders}) == 3_000
    assert len(sales) == sum(int(o["number_of_line_items"]) for o in orders)


def test_every_customer_id_resolves_to_a_customer(
    customers: list[Row], orders: list[Row], sales: list[Row]
) -> None:
    known = {r["customer_id"] for r in customers}

    assert {o["customer_id"] for o in orders} <= known
    assert {s["customer_id"] for s in sales} <= known


def test_order_rows_carry_the_customer_name_of_the_customer_file(
    customers: list[Row], orders: list[Row]
) -> None:
    names = {r["customer_id"]: r["customer_name"] for r in customers}

    assert all(o["customer_name"] == names[o["customer_id"]] for o in orders)


def test_json_columns_are_retail_org_shaped(orders: list[Row]) -> None:
    for order in orders:
        lines = lines_of(order)
        assert len(lines) == int(order["number_of_line_items"]) >= 1
        for line in lines:
            assert list(line) == LINE_KEYS
            assert line["curr"] == "USD" and line["unit"] == "pcs"
            assert isinstance(line["price"], int) and line["qty"] >= 1
            assert line["promotion_info"] is None or list(line["promotion_info"]) == PROMO_KEYS
        clicked = json.loads(order["clicked_items"])
        assert all(len(pair) == 2 and pair[1].isdigit() for pair in clicked)
        assert {line["id"] for line in lines} <= {product for product, _ in clicked}
        if order["promo_info"]:
            assert json.loads(order["promo_info"]) == [
                line["promotion_info"] for line in lines if line["promotion_info"]
            ]
        else:
            assert all(line["promotion_info"] is None for line in lines)


def test_a_product_id_always_names_the_same_product(orders: list[Row], sales: list[Row]) -> None:
    products: defaultdict[str, set[tuple[str, int]]] = defaultdict(set)
    for line in (line for order in orders for line in lines_of(order)):
        products[line["id"]].add((line["name"], line["price"]))
    categories = {(s["product_name"], s["product_category"]) for s in sales}

    assert all(len(v) == 1 for v in products.values())
    assert all(name.startswith(f"{category} ") for name, category in categories)
    assert len({category for _, category in categories}) == 8


def test_sales_are_the_order_lines_one_product_per_row(orders: list[Row], sales: list[Row]) -> None:
    from_orders = Counter(
        (o["customer_id"], utc_date(o["order_datetime"]), json.dumps(line))
        for o in orders
        for line in lines_of(o)
    )
    from_sales = Counter(
        (s["customer_id"], s["order_date"], json.dumps(json.loads(s["product"]))) for s in sales
    )

    assert from_sales == from_orders


def utc_date(epoch_seconds: str) -> str:
    return datetime.fromtimestamp(int(epoch_seconds), UTC).strftime("%Y-%m-%d")


def test_total_price_is_price_times_quantity_less_the_promotion(sales: list[Row]) -> None:
    for row in sales:
        line = json.loads(row["product"])
        discount = line["promotion_info"]["promo_disc"] if line["promotion_info"] else 0.0
        expected = round(line["price"] * line["qty"] * 100 * (1 - discount))
        assert row["total_price"] == f"{expected // 100}.{expected % 100:02d}"


def test_promotions_apply_to_their_item_from_their_quantity(orders: list[Row]) -> None:
    promoted = [
        line for order in orders for line in lines_of(order) if line["promotion_info"] is not None
    ]

    assert len(promoted) > 50
    for line in promoted:
        assert line["id"] == line["promotion_info"]["promo_item"]
        assert line["qty"] >= line["promotion_info"]["promo_qty"]
        assert 0 < line["promotion_info"]["promo_disc"] <= 0.3


def test_customer_versions_chain_without_gaps(customers: list[Row]) -> None:
    for rows in versions_by_customer(customers).values():
        assert [r["valid_to"] for r in rows[:-1]] == [r["valid_from"] for r in rows[1:]]
        assert rows[-1]["valid_to"] == ""
        assert all(int(r["valid_from"]) < int(r["valid_to"]) for r in rows[:-1])


def test_some_customers_have_several_versions_that_each_change_something(
    customers: list[Row],
) -> None:
    versions = versions_by_customer(customers)
    tracked = ("street", "number", "city", "postcode", "loyalty_segment")

    assert sum(len(rows) > 1 for rows in versions.values()) > 100
    for rows in versions.values():
        for before, after in pairwise(rows):
            assert any(before[c] != after[c] for c in tracked)


def test_loyalty_segment_follows_the_units_purchased(customers: list[Row]) -> None:
    """Segment 1 from 5 units, 2 from 15, 3 from 40; units only grow."""
    for rows in versions_by_customer(customers).values():
        units = [int(r["units_purchased"]) for r in rows]
        assert units == sorted(units)
        for row, bought in zip(rows, units, strict=True):
            assert int(row["loyalty_segment"]) == sum(bought >= t for t in (5, 15, 40))


def test_current_units_purchased_are_the_units_ordered(
    customers: list[Row], orders: list[Row]
) -> None:
    ordered: Counter[str] = Counter()
    for order in orders:
        ordered[order["customer_id"]] += sum(line["qty"] for line in lines_of(order))
    current = {r["customer_id"]: int(r["units_purchased"]) for r in customers if not r["valid_to"]}

    assert current == {c: ordered.get(c, 0) for c in current}


def test_higher_loyalty_segments_spend_more(customers: list[Row], sales: list[Row]) -> None:
    segment = {r["customer_id"]: r["loyalty_segment"] for r in customers if not r["valid_to"]}
    spend: defaultdict[str, float] = defaultdict(float)
    for row in sales:
        spend[row["customer_id"]] += float(row["total_price"])
    by_segment: defaultdict[str, list[float]] = defaultdict(list)
    for customer, seg in segment.items():
        by_segment[seg].append(spend[customer])
    means = [sum(v) / len(v) for _, v in sorted(by_segment.items())]

    assert len(means) == 4
    assert means == sorted(means)


def test_customers_exist_before_their_first_order(customers: list[Row], orders: list[Row]) -> None:
    joined = {c: int(rows[0]["valid_from"]) for c, rows in versions_by_customer(customers).items()}
    first_order: dict[str, int] = {}
    for order in orders:
        at = int(order["order_datetime"])
        first_order[order["customer_id"]] = min(at, first_order.get(order["customer_id"], at))

    assert all(joined[c] < at for c, at in first_order.items())


def test_most_buyers_come_back(orders: list[Row]) -> None:
    per_customer = Counter(o["customer_id"] for o in orders)

    assert sum(n >= 2 for n in per_customer.values()) / len(per_customer) > 0.5


def test_orders_peak_in_the_holiday_season(orders: list[Row]) -> None:
    months = Counter(utc_date(o["order_datetime"])[5:7] for o in orders if o["order_datetime"])

    assert {month for month, _ in months.most_common(2)} == {"11", "12"}


def test_orders_are_time_ordered_within_2018_to_2020(orders: list[Row]) -> None:
    stamps = [int(o["order_datetime"]) for o in orders]
    numbers = [int(o["order_number"]) for o in orders]

    assert stamps == sorted(stamps) and numbers == sorted(numbers)
    assert utc_date(str(stamps[0])) >= "2018-01-01"
    assert utc_date(str(stamps[-1])) <= "2020-12-31"


def test_businesses_have_a_tax_id_and_private_customers_a_last_first_name(
    customers: list[Row],
) -> None:
    business = [r for r in customers if r["tax_id"]]
    private = [r for r in customers if not r["tax_id"]]

    assert 0.02 < len(business) / len(customers) < 0.2
    assert all(r["customer_name"] == r["customer_name"].lower() for r in business)
    assert all(r["region"] == "" and r["tax_code"] in "ABC" for r in business)
    assert all(re.fullmatch(r"[A-Z' ]+,  [A-Z]+( [A-Z])?", r["customer_name"]) for r in private)
    assert all(r["region"] == r["state"] for r in private)


def test_ship_to_address_repeats_the_address_columns(customers: list[Row]) -> None:
    for row in customers:
        assert row["ship_to_address"] == ", ".join(
            (row["state"], row["postcode"], row["street"], row["number"])
        )
        assert re.fullmatch(r"\d{5}", row["postcode"])
        assert 24 < float(row["lat"]) < 49 and -125 < float(row["lon"]) < -70


@pytest.mark.slow
def test_full_scale_has_50_000_customers_and_300_000_orders(tmp_path: Path) -> None:
    generate(tmp_path, scale=Scale.full, seed=1)

    assert len({r["customer_id"] for r in read_rows(tmp_path / "customers.csv")}) == 50_000
    assert len({r["order_number"] for r in read_rows(tmp_path / "sales_orders.csv")}) == 300_000
