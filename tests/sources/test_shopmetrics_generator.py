"""ShopMetrics generator: a snapshot batch then weekly deltas, consistent with the contracts."""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from retail_lakehouse.errors import ConfigError
from retail_lakehouse.sources.contract import Scale, normalize_header
from retail_lakehouse.sources.shopmetrics import SOURCE, generate
from tests.sources.files import (
    Row,
    assert_seed_decides_the_bytes,
    fit_one_contract,
    read_rows,
)

TABLES = ("customers", "products", "orders", "order_items")
STATUS_STEP = {"placed": 0, "paid": 1, "shipped": 2, "delivered": 3, "returned": 4}


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shopmetrics")
    generate(path, scale=Scale.small, seed=7, batches=3)
    return path


def batches(landing: Path, table: str) -> list[list[Row]]:
    return [read_rows(folder / f"{table}.csv") for folder in sorted(landing.glob("batch_*"))]


def latest(landing: Path, table: str, key: str) -> dict[str, Row]:
    """The last row seen per key across batches: the source system's current state."""
    return {row[key]: row for batch in batches(landing, table) for row in batch}


def ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def test_writes_a_snapshot_then_one_folder_per_delta_batch(tmp_path: Path) -> None:
    paths = generate(tmp_path, scale=Scale.small, seed=1)

    assert sorted(p.relative_to(tmp_path).as_posix() for p in paths) == [
        f"batch_{b:04d}/{t}.csv" for b in range(3) for t in sorted(TABLES)
    ]


@pytest.mark.parametrize(
    ("table", "header"),
    [
        (
            "customers",
            "customer_id,first_name,last_name,email,phone,address,city,state,country,region,"
            "segment,signup_date,updated_at",
        ),
        ("products", "product_id,sku,product_name,category,brand,price,cost,is_active,updated_at"),
        (
            "orders",
            "order_id,customer_id,order_ts,status,channel,shipping_city,shipping_country,"
            "total_amount,currency,updated_at",
        ),
        ("order_items", "order_id,line_number,product_id,quantity,unit_price,discount,updated_at"),
    ],
)
def test_every_batch_has_the_exact_header(landing: Path, table: str, header: str) -> None:
    for folder in sorted(landing.glob("batch_*")):
        assert (folder / f"{table}.csv").read_text(encoding="utf-8").split("\n")[0] == header


def test_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    assert_seed_decides_the_bytes(generate, tmp_path)


def test_each_file_matches_one_contract_and_has_its_required_columns(landing: Path) -> None:
    for path in sorted(landing.rglob("*.csv")):
        contract, header = fit_one_contract(path, SOURCE.tables)
        assert contract.table == path.stem
        assert {normalize_header(h) for h in header} <= {
            normalize_header(c.source_header) for c in contract.columns
        }


def test_sizes_at_small_scale(landing: Path) -> None:
    assert len(latest(landing, "customers", "customer_id")) == 500
    assert len(latest(landing, "products", "product_id")) == 50
    assert len(latest(landing, "orders", "order_id")) == 5_000
    categories = {row["category"] for row in latest(landing, "products", "product_id").values()}
    assert len(categories) == 8


def test_every_foreign_key_resolves_to_a_row_of_the_same_or_an_earlier_batch(
    landing: Path,
) -> None:
    customers: set[str] = set()
    products: set[str] = set()
    orders: set[str] = set()
    for folder in sorted(landing.glob("batch_*")):
        customers |= {r["customer_id"] for r in read_rows(folder / "customers.csv")}
        products |= {r["product_id"] for r in read_rows(folder / "products.csv")}
        batch_orders = read_rows(folder / "orders.csv")
        orders |= {r["order_id"] for r in batch_orders}
        assert {r["customer_id"] for r in batch_orders} <= customers
        items = read_rows(folder / "order_items.csv")
        assert {r["order_id"] for r in items} <= orders
        assert {r["product_id"] for r in items} <= products


def test_order_total_is_the_sum_of_its_discounted_lines(landing: Path) -> None:
    line_totals: Counter[str] = Counter()
    for batch in batches(landing, "order_items"):
        for item in batch:
            cents = int(item["quantity"]) * cents_of(item["unit_price"]) - cents_of(
                item["discount"]
            )
            line_totals[item["order_id"]] += cents
    totals = {
        k: cents_of(r["total_amount"]) for k, r in latest(landing, "orders", "order_id").items()
    }

    assert totals == dict(line_totals)


def cents_of(amount: str) -> int:
    whole, cents = amount.split(".")
    return int(whole) * 100 + int(cents)


@pytest.mark.parametrize("table", TABLES)
def test_updated_at_increases_from_batch_to_batch(landing: Path, table: str) -> None:
    stamps = [[ts(r["updated_at"]) for r in batch] for batch in batches(landing, table)]

    for number, batch in enumerate(stamps[1:], start=1):
        earlier = [stamp for previous in stamps[:number] for stamp in previous]
        assert all(stamp > max(earlier) for stamp in batch)
    if table != "products":  # a few price changes a week at small scale: may be none
        assert all(stamps)


def test_delta_customers_are_new_or_changed_email_address_or_segment(landing: Path) -> None:
    seen: dict[str, Row] = {}
    changes: Counter[str] = Counter()
    for number, batch in enumerate(batches(landing, "customers")):
        for row in batch:
            before = seen.get(row["customer_id"])
            if number > 0 and before is not None:
                changed = [
                    c for c in ("email", "address", "city", "segment") if row[c] != before[c]
                ]
                assert changed, row
                changes.update(changed)
            seen[row["customer_id"]] = row

    assert changes["segment"] > 0
    assert changes["email"] + changes["address"] > 0


def test_order_statuses_only_move_forward_in_the_lifecycle(landing: Path) -> None:
    history: defaultdict[str, list[str]] = defaultdict(list)
    for batch in batches(landing, "orders"):
        for row in batch:
            history[row["order_id"]].append(row["status"])
    moved = [statuses for statuses in history.values() if len(statuses) > 1]

    assert moved
    for statuses in moved:
        for before, after in pairwise(statuses):
            if after == "cancelled":
                assert before in ("placed", "paid")
            else:
                assert STATUS_STEP[after] > STATUS_STEP[before]


def test_segment_follows_the_orders_placed_so_far(landing: Path) -> None:
    """active from the 2nd order, loyal from the 5th, vip from the 12th, lapsed after 180 days
    without an order."""
    placed: defaultdict[str, list[datetime]] = defaultdict(list)
    for order in latest(landing, "orders", "order_id").values():
        placed[order["customer_id"]].append(ts(order["order_ts"]))
    for stamps in placed.values():
        stamps.sort()
    tiers = ((12, "vip"), (5, "loyal"), (2, "active"), (0, "new"))

    for batch in batches(landing, "customers"):
        for row in batch:
            as_of = ts(row["updated_at"])
            orders = placed[row["customer_id"]]
            so_far = bisect.bisect_right(orders, as_of)
            if row["segment"] == "lapsed":
                assert so_far == 0 or orders[so_far - 1] <= as_of - timedelta(days=180)
            else:
                assert row["segment"] == next(name for low, name in tiers if so_far >= low)


def test_repeat_buyers_one_time_buyers_and_churners_all_occur(landing: Path) -> None:
    per_customer = Counter(r["customer_id"] for r in latest(landing, "orders", "order_id").values())
    segments = Counter(r["segment"] for r in latest(landing, "customers", "customer_id").values())

    assert sum(n >= 2 for n in per_customer.values()) / len(per_customer) > 0.5
    assert sum(n == 1 for n in per_customer.values()) > 0
    assert segments["lapsed"] > 0.1 * 500
    assert segments["vip"] > 0


def test_cancellations_and_returns_are_a_realistic_share(landing: Path) -> None:
    statuses = Counter(r["status"] for r in latest(landing, "orders", "order_id").values())

    assert 0.03 < statuses["cancelled"] / 5_000 < 0.10
    assert 0.03 < statuses["returned"] / 5_000 < 0.15
    assert statuses["delivered"] / 5_000 > 0.7


def test_november_and_december_are_the_busiest_months(landing: Path) -> None:
    orders = [
        r for r in latest(landing, "orders", "order_id").values() if r["order_ts"] < "2025-01-01"
    ]
    by_month = Counter(r["order_ts"][5:7] for r in orders)

    assert {month for month, _ in by_month.most_common(2)} == {"11", "12"}


def test_lines_bought_on_cyber_weekend_are_mostly_discounted(landing: Path) -> None:
    cyber_days = {"2022-11-25", "2022-11-26", "2022-11-27", "2022-11-28", "2023-11-24",
                  "2023-11-25", "2023-11-26", "2023-11-27", "2024-11-29", "2024-11-30",
                  "2024-12-01", "2024-12-02", "2025-11-28", "2025-11-29", "2025-11-30",
                  "2025-12-01"}  # fmt: skip
    discounted: defaultdict[bool, list[bool]] = defaultdict(list)
    for item in (i for batch in batches(landing, "order_items") for i in batch):
        discounted[item["updated_at"][:10] in cyber_days].append(item["discount"] != "0.00")

    cyber_share = sum(discounted[True]) / len(discounted[True])
    other_share = sum(discounted[False]) / len(discounted[False])
    assert cyber_share > 0.6
    assert cyber_share > 3 * other_share


def test_unit_price_is_the_product_price_when_the_order_was_placed(landing: Path) -> None:
    """Checked where the batches show that price: the product did not change during the
    batch, or changed before the order within it."""
    known_price: dict[str, Row] = {}
    checked = 0
    for products, items in zip(
        batches(landing, "products"), batches(landing, "order_items"), strict=True
    ):
        changed = {row["product_id"]: row for row in products}
        for item in items:
            row = changed.get(item["product_id"])
            if row is None:
                assert item["unit_price"] == known_price[item["product_id"]]["price"]
                checked += 1
            elif item["updated_at"] >= row["updated_at"]:
                assert item["unit_price"] == row["price"]
                checked += 1
        known_price |= changed

    assert checked > 1_000


def test_prices_change_over_time(landing: Path) -> None:
    unit_prices: defaultdict[str, set[str]] = defaultdict(set)
    for item in (i for batch in batches(landing, "order_items") for i in batch):
        unit_prices[item["product_id"]].add(item["unit_price"])

    assert sum(len(p) > 1 for p in unit_prices.values()) > 25


def test_the_number_of_batches_only_changes_how_history_is_cut(tmp_path: Path) -> None:
    generate(tmp_path / "one", scale=Scale.small, seed=5, batches=0)
    generate(tmp_path / "four", scale=Scale.small, seed=5, batches=4)

    for table, key in (("orders", "order_id"), ("customers", "customer_id")):
        assert latest(tmp_path / "one", table, key) == latest(tmp_path / "four", table, key)
    assert [p.name for p in sorted(tmp_path.joinpath("one").iterdir())] == ["batch_0000"]


def test_a_negative_number_of_batches_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="batches=-1"):
        generate(tmp_path, scale=Scale.small, seed=1, batches=-1)


@pytest.mark.slow
def test_full_scale_has_the_original_sizes(tmp_path: Path) -> None:
    generate(tmp_path, scale=Scale.full, seed=1)

    assert len(latest(tmp_path, "customers", "customer_id")) == 10_000
    assert len(latest(tmp_path, "products", "product_id")) == 1_000
    assert len(latest(tmp_path, "orders", "order_id")) == 100_000
