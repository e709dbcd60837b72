"""Specification of the Olist demo data: the nine Kaggle files, their links and their traits."""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from retail_lakehouse.sources.contract import Scale, TableContract
from retail_lakehouse.sources.olist import SOURCE, TABLES
from retail_lakehouse.sources.olist.generator import CITIES, generate
from tests.sources.files import fit_one_contract, read_rows

Rows = list[dict[str, str]]

SEED = 42
HEX_ID = re.compile(r"^[0-9a-f]{32}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MONEY = re.compile(r"^\d+\.\d{2}$")
NORTH_AND_NORTH_EAST = {
    "AC", "AP", "AM", "PA", "RO", "RR", "TO", "AL", "BA", "CE", "MA", "PB", "PE", "PI", "RN", "SE",
}  # fmt: skip

PUBLISHED_HEADERS = {
    "olist_customers_dataset.csv": (
        "customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,customer_state"
    ),
    "olist_geolocation_dataset.csv": (
        "geolocation_zip_code_prefix,geolocation_lat,geolocation_lng,geolocation_city,"
        "geolocation_state"
    ),
    "olist_order_items_dataset.csv": (
        "order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value"
    ),
    "olist_order_payments_dataset.csv": (
        "order_id,payment_sequential,payment_type,payment_installments,payment_value"
    ),
    "olist_order_reviews_dataset.csv": (
        "review_id,order_id,review_score,review_comment_title,review_comment_message,"
        "review_creation_date,review_answer_timestamp"
    ),
    "olist_orders_dataset.csv": (
        "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,"
        "order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date"
    ),
    "olist_products_dataset.csv": (
        "product_id,product_category_name,product_name_lenght,product_description_lenght,"
        "product_photos_qty,product_weight_g,product_length_cm,product_height_cm,product_width_cm"
    ),
    "olist_sellers_dataset.csv": "seller_id,seller_zip_code_prefix,seller_city,seller_state",
    "product_category_name_translation.csv": (
        "product_category_name,product_category_name_english"
    ),
}


# --------------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("olist")
    generate(folder, scale=Scale.small, seed=SEED)
    return folder


@pytest.fixture(scope="module")
def read(landing: Path) -> Callable[[str], Rows]:
    cache: dict[str, Rows] = {}

    def rows(table: str) -> Rows:
        if table not in cache:
            name = next(p for p in landing.iterdir() if _contract(p).table == table)
            cache[table] = read_rows(name)
        return cache[table]

    return rows


def _contract(path: Path) -> TableContract:
    table = SOURCE.table_for(path)
    assert table is not None, path.name
    return table


def _ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def _by_order(rows: Rows) -> dict[str, Rows]:
    grouped: dict[str, Rows] = defaultdict(list)
    for row in rows:
        grouped[row["order_id"]].append(row)
    return grouped


def _share(flags: list[bool]) -> float:
    return sum(flags) / len(flags)


# --------------------------------------------------------------------------------------------
# Files and contracts
# --------------------------------------------------------------------------------------------


def test_writes_the_nine_published_files(tmp_path: Path) -> None:
    paths = generate(tmp_path / "landing", scale=Scale.small, seed=SEED)
    assert sorted(p.name for p in paths) == sorted(PUBLISHED_HEADERS)
    assert all(p.parent == tmp_path / "landing" for p in paths)


@pytest.mark.parametrize("file_name", sorted(PUBLISHED_HEADERS))
def test_header_is_the_published_one(landing: Path, file_name: str) -> None:
    first_line = (landing / file_name).read_bytes().split(b"\n", 1)[0]
    assert first_line.decode("utf-8-sig") == PUBLISHED_HEADERS[file_name]


def test_translation_file_starts_with_a_utf8_bom_like_the_published_one(landing: Path) -> None:
    assert (landing / "product_category_name_translation.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert (landing / "olist_orders_dataset.csv").read_bytes()[:3] == b"ord"


@pytest.mark.parametrize("file_name", sorted(PUBLISHED_HEADERS))
def test_each_file_matches_exactly_one_contract_with_all_required_columns(
    landing: Path, file_name: str
) -> None:
    contract, header = fit_one_contract(landing / file_name, TABLES)
    assert all(any(c.matches(h) for c in contract.columns) for h in header)


def test_contract_tables_and_bronze_names() -> None:
    assert [t.table for t in TABLES] == [
        "customers", "geolocation", "order_items", "order_payments", "order_reviews",
        "orders", "products", "sellers", "product_category_name_translation",
    ]  # fmt: skip
    assert _contract(Path("olist_orders_dataset.csv.gz")).bronze_table == "olist_orders"
    assert _contract(Path("OLIST_ORDER_ITEMS_DATASET.csv")).bronze_table == "olist_order_items"
    assert (
        _contract(Path("product_category_name_translation.csv")).bronze_table
        == "olist_product_category_name_translation"
    )


def test_zip_prefixes_are_typed_as_strings_to_keep_leading_zeros() -> None:
    zip_columns = [c for t in TABLES for c in t.columns if "zip_code_prefix" in c.name]
    assert len(zip_columns) == 3
    assert {c.type for c in zip_columns} == {"string"}


@pytest.mark.parametrize("table", [t.table for t in TABLES])
def test_values_parse_as_the_contract_types_and_required_values_are_present(
    read: Callable[[str], Rows], table: str
) -> None:
    contract = next(t for t in TABLES if t.table == table)
    parsers: dict[str, Callable[[str], object]] = {
        "string": str,
        "int": int,
        "float": float,
        "decimal": Decimal,
        "timestamp": _ts,
    }
    for row in read(table):
        for column in contract.columns:
            value = row[column.source_header]
            if value == "":
                assert column.nullable, (table, column.name)
            else:
                parsers[column.type](value)


# --------------------------------------------------------------------------------------------
# Sizes and determinism
# --------------------------------------------------------------------------------------------


def test_small_scale_is_about_2000_orders_with_proportionate_files(
    read: Callable[[str], Rows],
) -> None:
    sizes = {t.table: len(read(t.table)) for t in TABLES}
    assert sizes == {
        "customers": 2_000,
        "geolocation": 20_116,
        "order_items": 2_266,
        "order_payments": 2_089,
        "order_reviews": 1_996,
        "orders": 2_000,
        "products": 663,
        "sellers": 62,
        "product_category_name_translation": 71,
    }


def test_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", scale=Scale.small, seed=7)
    second = generate(tmp_path / "b", scale=Scale.small, seed=7)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_another_seed_writes_other_orders(tmp_path: Path, landing: Path) -> None:
    other = generate(tmp_path, scale=Scale.small, seed=SEED + 1)
    orders = next(p for p in other if p.name == "olist_orders_dataset.csv")
    assert orders.read_bytes() != (landing / "olist_orders_dataset.csv").read_bytes()


# --------------------------------------------------------------------------------------------
# Identifiers and referential integrity
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("orders", "order_id"),
        ("customers", "customer_id"),
        ("products", "product_id"),
        ("sellers", "seller_id"),
        ("order_reviews", "review_id"),
    ],
)
def test_ids_are_unique_32_character_lowercase_hex(
    read: Callable[[str], Rows], table: str, column: str
) -> None:
    ids = [row[column] for row in read(table)]
    assert all(HEX_ID.match(i) for i in ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("child", "column", "parent", "key"),
    [
        ("orders", "customer_id", "customers", "customer_id"),
        ("customers", "customer_id", "orders", "customer_id"),
        ("order_items", "order_id", "orders", "order_id"),
        ("order_items", "product_id", "products", "product_id"),
        ("order_items", "seller_id", "sellers", "seller_id"),
        ("order_payments", "order_id", "orders", "order_id"),
        ("order_reviews", "order_id", "orders", "order_id"),
        ("products", "product_category_name", "product_category_name_translation",
         "product_category_name"),
        ("customers", "customer_zip_code_prefix", "geolocation", "geolocation_zip_code_prefix"),
        ("sellers", "seller_zip_code_prefix", "geolocation", "geolocation_zip_code_prefix"),
    ],
)  # fmt: skip
def test_every_foreign_key_resolves(
    read: Callable[[str], Rows], child: str, column: str, parent: str, key: str
) -> None:
    known = {row[key] for row in read(parent)}
    dangling = {row[column] for row in read(child) if row[column]} - known
    assert dangling == set()


def test_every_product_and_seller_sold_at_least_once(read: Callable[[str], Rows]) -> None:
    items = read("order_items")
    assert {r["product_id"] for r in items} == {r["product_id"] for r in read("products")}
    assert {r["seller_id"] for r in items} == {r["seller_id"] for r in read("sellers")}


def test_every_order_has_payments(read: Callable[[str], Rows]) -> None:
    paid = {row["order_id"] for row in read("order_payments")}
    assert paid == {row["order_id"] for row in read("orders")}


def test_city_zip_ranges_never_overlap() -> None:
    ranges = sorted((first, last) for _, _, first, last, _, _, _ in CITIES)
    assert all(last < next_first for (_, last), (next_first, _) in itertools.pairwise(ranges))


# --------------------------------------------------------------------------------------------
# Customers and geography
# --------------------------------------------------------------------------------------------


def test_zip_prefixes_have_five_digits_and_keep_leading_zeros(
    read: Callable[[str], Rows],
) -> None:
    zips = [row["customer_zip_code_prefix"] for row in read("customers")]
    assert all(re.fullmatch(r"\d{5}", z) for z in zips)
    assert any(z.startswith("0") for z in zips)  # São Paulo capital: 01000-05999


def test_sao_paulo_state_holds_about_42_percent_of_customers(
    read: Callable[[str], Rows],
) -> None:
    states = Counter(row["customer_state"] for row in read("customers"))
    assert 0.38 < states["SP"] / states.total() < 0.46
    assert states.most_common(3)[0][0] == "SP"
    assert len(states) >= 20


def test_about_3_percent_of_people_order_more_than_once(read: Callable[[str], Rows]) -> None:
    orders_per_person = Counter(row["customer_unique_id"] for row in read("customers"))
    repeat_share = _share([n > 1 for n in orders_per_person.values()])
    assert 0.02 < repeat_share < 0.045


def test_geolocation_has_many_rows_per_prefix_spelled_with_and_without_accents(
    read: Callable[[str], Rows],
) -> None:
    geo = read("geolocation")
    rows_per_zip = Counter(row["geolocation_zip_code_prefix"] for row in geo)
    assert rows_per_zip.most_common(1)[0][1] >= 20
    cities = {row["geolocation_city"] for row in geo}
    assert {"sao paulo", "são paulo"} <= cities


def test_geolocation_points_lie_in_brazil_except_a_few_bad_geocodes(
    read: Callable[[str], Rows],
) -> None:
    inside = [
        -34 < float(row["geolocation_lat"]) < 5.5 and -74 < float(row["geolocation_lng"]) < -34.5
        for row in read("geolocation")
    ]
    assert 0.999 < _share(inside) <= 1.0


def test_customer_cities_are_real_lower_case_names_without_accents(
    read: Callable[[str], Rows],
) -> None:
    cities = Counter(row["customer_city"] for row in read("customers"))
    assert cities.most_common(1)[0][0] == "sao paulo"
    assert {"rio de janeiro", "belo horizonte"} <= set(cities)
    assert all(city == city.lower() and city.isascii() for city in cities)


# --------------------------------------------------------------------------------------------
# Orders
# --------------------------------------------------------------------------------------------


def test_timestamps_run_from_september_2016_to_october_2018(read: Callable[[str], Rows]) -> None:
    purchases = [row["order_purchase_timestamp"] for row in read("orders")]
    assert all(TIMESTAMP.match(p) for p in purchases)
    assert min(purchases) >= "2016-09-04"
    assert max(purchases) < "2018-10-18"


def test_orders_grow_through_2017(read: Callable[[str], Rows]) -> None:
    months = Counter(row["order_purchase_timestamp"][:7] for row in read("orders"))
    assert months["2017-01"] < months["2017-06"] < months["2017-11"]
    assert months["2018-03"] > 2 * months["2017-03"]


def test_black_friday_2017_is_the_busiest_day(read: Callable[[str], Rows]) -> None:
    days = Counter(row["order_purchase_timestamp"][:10] for row in read("orders"))
    busiest, count = days.most_common(1)[0]
    assert busiest == "2017-11-24"
    assert count > 3 * days["2017-11-17"]


def test_almost_all_orders_are_delivered(read: Callable[[str], Rows]) -> None:
    statuses = Counter(row["order_status"] for row in read("orders"))
    assert 0.96 < statuses["delivered"] / statuses.total() < 0.98
    assert {"shipped", "canceled", "unavailable", "invoiced", "processing"} <= set(statuses)
    assert set(statuses) <= {
        "delivered", "shipped", "canceled", "unavailable", "invoiced", "processing", "created",
        "approved",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("status", "carrier", "customer"),
    [
        ("shipped", True, False),
        ("invoiced", False, False),
        ("processing", False, False),
        ("unavailable", False, False),
    ],
)
def test_lifecycle_timestamps_stay_empty_until_the_status_reaches_them(
    read: Callable[[str], Rows], status: str, carrier: bool, customer: bool
) -> None:
    orders = [row for row in read("orders") if row["order_status"] == status]
    assert orders
    assert all(row["order_approved_at"] for row in orders)
    assert all(bool(row["order_delivered_carrier_date"]) is carrier for row in orders)
    assert all(bool(row["order_delivered_customer_date"]) is customer for row in orders)
    assert all(row["order_estimated_delivery_date"] for row in orders)


def test_delivered_orders_move_forward_in_time(read: Callable[[str], Rows]) -> None:
    delivered = [
        row
        for row in read("orders")
        if row["order_status"] == "delivered" and row["order_approved_at"]
    ]
    assert all(
        _ts(r["order_purchase_timestamp"])
        <= _ts(r["order_approved_at"])
        <= _ts(r["order_delivered_carrier_date"])
        <= _ts(r["order_delivered_customer_date"])
        for r in delivered
    )


def test_estimated_delivery_dates_are_midnights(read: Callable[[str], Rows]) -> None:
    assert all(row["order_estimated_delivery_date"].endswith(" 00:00:00") for row in read("orders"))


def test_about_8_percent_of_deliveries_are_late(read: Callable[[str], Rows]) -> None:
    delivered = [row for row in read("orders") if row["order_delivered_customer_date"]]
    late = [
        row["order_delivered_customer_date"] > row["order_estimated_delivery_date"]
        for row in delivered
    ]
    assert 0.05 < _share(late) < 0.11


def test_north_and_north_east_wait_longer_than_sao_paulo(read: Callable[[str], Rows]) -> None:
    state = {row["customer_id"]: row["customer_state"] for row in read("customers")}
    waits: dict[bool, list[float]] = {True: [], False: []}
    for row in read("orders"):
        region = state[row["customer_id"]]
        if row["order_delivered_customer_date"] and (
            region == "SP" or region in NORTH_AND_NORTH_EAST
        ):
            days = _ts(row["order_delivered_customer_date"]) - _ts(row["order_purchase_timestamp"])
            waits[region in NORTH_AND_NORTH_EAST].append(days.total_seconds() / 86_400)
    far, sao_paulo = (sum(w) / len(w) for w in (waits[True], waits[False]))
    assert far > sao_paulo + 7


# --------------------------------------------------------------------------------------------
# Items and payments
# --------------------------------------------------------------------------------------------


def test_order_item_ids_run_1_to_n_within_each_order(read: Callable[[str], Rows]) -> None:
    for items in _by_order(read("order_items")).values():
        assert sorted(int(r["order_item_id"]) for r in items) == list(range(1, len(items) + 1))


def test_about_one_order_in_ten_has_several_items(read: Callable[[str], Rows]) -> None:
    sizes = [len(items) for items in _by_order(read("order_items")).values()]
    assert 0.06 < _share([n > 1 for n in sizes]) < 0.14


def test_prices_and_freight_have_two_decimals(read: Callable[[str], Rows]) -> None:
    items = read("order_items")
    assert all(MONEY.match(r["price"]) and MONEY.match(r["freight_value"]) for r in items)
    assert all(MONEY.match(r["payment_value"]) for r in read("order_payments"))


def test_payments_add_up_to_item_prices_plus_freight(read: Callable[[str], Rows]) -> None:
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for row in read("order_payments"):
        paid[row["order_id"]] += Decimal(row["payment_value"])
    for order_id, items in _by_order(read("order_items")).items():
        due = sum(Decimal(r["price"]) + Decimal(r["freight_value"]) for r in items)
        assert paid[order_id] == due


def test_credit_cards_pay_about_three_quarters_in_1_to_24_installments(
    read: Callable[[str], Rows],
) -> None:
    payments = read("order_payments")
    types = Counter(row["payment_type"] for row in payments)
    assert 0.70 < types["credit_card"] / types.total() < 0.78
    assert {"credit_card", "boleto", "voucher", "debit_card"} <= set(types)
    cards = [int(r["payment_installments"]) for r in payments if r["payment_type"] == "credit_card"]
    assert min(cards) == 1 and max(cards) <= 24 and max(cards) >= 10
    others = {r["payment_installments"] for r in payments if r["payment_type"] != "credit_card"}
    assert others == {"1"}


def test_vouchers_split_some_orders_into_sequential_payments(
    read: Callable[[str], Rows],
) -> None:
    split = [rows for rows in _by_order(read("order_payments")).values() if len(rows) > 1]
    assert split
    for rows in split:
        assert sorted(int(r["payment_sequential"]) for r in rows) == list(range(1, len(rows) + 1))
        assert any(r["payment_type"] == "voucher" for r in rows)


def test_shipping_limit_follows_the_purchase(read: Callable[[str], Rows]) -> None:
    purchased = {r["order_id"]: _ts(r["order_purchase_timestamp"]) for r in read("orders")}
    for row in read("order_items"):
        lead = _ts(row["shipping_limit_date"]) - purchased[row["order_id"]]
        assert 1 <= lead.days <= 17


# --------------------------------------------------------------------------------------------
# Reviews
# --------------------------------------------------------------------------------------------


def test_review_scores_are_1_to_5_and_mostly_5(read: Callable[[str], Rows]) -> None:
    scores = Counter(int(row["review_score"]) for row in read("order_reviews"))
    assert set(scores) == {1, 2, 3, 4, 5}
    assert 0.5 < scores[5] / scores.total() < 0.65


def test_late_orders_get_lower_scores(read: Callable[[str], Rows]) -> None:
    late = {
        r["order_id"]: r["order_delivered_customer_date"] > r["order_estimated_delivery_date"]
        for r in read("orders")
        if r["order_delivered_customer_date"]
    }
    scores: dict[bool, list[int]] = {True: [], False: []}
    for review in read("order_reviews"):
        if review["order_id"] in late:
            scores[late[review["order_id"]]].append(int(review["review_score"]))
    mean_late, mean_on_time = (sum(s) / len(s) for s in (scores[True], scores[False]))
    assert mean_late < mean_on_time - 1.0


def test_most_orders_have_one_review_some_none_a_few_two(read: Callable[[str], Rows]) -> None:
    per_order = Counter(row["order_id"] for row in read("order_reviews"))
    assert len(per_order) < len(read("orders"))
    assert set(per_order.values()) == {1, 2}


def test_review_texts_are_mostly_empty_portuguese_with_csv_hazards(
    read: Callable[[str], Rows],
) -> None:
    reviews = read("order_reviews")
    messages = [r["review_comment_message"] for r in reviews if r["review_comment_message"]]
    assert 0.3 < len(messages) / len(reviews) < 0.55
    assert _share([bool(r["review_comment_title"]) for r in reviews]) < 0.2
    assert any("," in m for m in messages)
    assert any('"' in m for m in messages)
    assert any("\n" in m for m in messages)
    assert any(re.search("[ãçéóô]", m) for m in messages)


def test_review_creation_dates_are_midnights_answered_later(read: Callable[[str], Rows]) -> None:
    for row in read("order_reviews"):
        assert row["review_creation_date"].endswith(" 00:00:00")
        assert row["review_answer_timestamp"] >= row["review_creation_date"]


# --------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------


def test_translation_lists_71_portuguese_categories_in_english(
    read: Callable[[str], Rows],
) -> None:
    translation = {
        r["product_category_name"]: r["product_category_name_english"]
        for r in read("product_category_name_translation")
    }
    assert len(translation) == 71
    assert translation["cama_mesa_banho"] == "bed_bath_table"
    assert translation["beleza_saude"] == "health_beauty"
    assert translation["relogios_presentes"] == "watches_gifts"


def test_product_measures_are_written_as_floats(read: Callable[[str], Rows]) -> None:
    measured = [r for r in read("products") if r["product_weight_g"]]
    assert all(r["product_weight_g"].endswith(".0") for r in measured)
    assert all(
        r["product_name_lenght"].endswith(".0") for r in measured if r["product_name_lenght"]
    )


def test_uncategorised_products_lack_name_description_and_photo_counts(
    read: Callable[[str], Rows],
) -> None:
    uncategorised = [r for r in read("products") if not r["product_category_name"]]
    assert 5 <= len(uncategorised) <= 30  # ~1.9% of 663
    assert all(
        not (r["product_name_lenght"] or r["product_description_lenght"] or r["product_photos_qty"])
        for r in uncategorised
    )


def test_bed_bath_beauty_and_sports_are_among_the_biggest_categories(
    read: Callable[[str], Rows],
) -> None:
    products = Counter(r["product_category_name"] for r in read("products"))
    top_ten = {name for name, _ in products.most_common(10)}
    assert {"cama_mesa_banho", "beleza_saude", "esporte_lazer"} <= top_ten


def test_a_few_sellers_type_their_state_into_the_city(read: Callable[[str], Rows]) -> None:
    cities = [row["seller_city"] for row in read("sellers")]
    typed = [c for c in cities if re.search(r"( - |/)[a-z]{2}$", c)]
    assert len(typed) == 1  # 1% of 62 sellers, rounded up to one


# --------------------------------------------------------------------------------------------
# Full scale
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_full_scale_writes_the_published_row_counts(tmp_path: Path) -> None:
    paths = generate(tmp_path, scale=Scale.full, seed=SEED)
    rows = {}
    for path in paths:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows[path.name] = sum(1 for _ in csv.reader(f)) - 1
    assert rows == {
        "olist_customers_dataset.csv": 99_441,
        "olist_geolocation_dataset.csv": 1_000_163,
        "olist_order_items_dataset.csv": 112_650,
        "olist_order_payments_dataset.csv": 103_886,
        "olist_order_reviews_dataset.csv": 99_224,
        "olist_orders_dataset.csv": 99_441,
        "olist_products_dataset.csv": 32_951,
        "olist_sellers_dataset.csv": 3_095,
        "product_category_name_translation.csv": 71,
    }
