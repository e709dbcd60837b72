"""Specification of the Contoso V2 demo data (European fashion retailer) and its contracts."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from retail_lakehouse.sources.contoso import SOURCE
from retail_lakehouse.sources.contoso.contract import TABLES
from retail_lakehouse.sources.contract import Scale, TableContract
from tests.sources.files import fit_one_contract, read_header

SEED = 7
ONLINE = 999_999

EXPECTED_HEADERS = {
    "sales.csv": "OrderKey,LineNumber,OrderDate,DeliveryDate,CustomerKey,StoreKey,ProductKey,"
    "Quantity,UnitPrice,NetPrice,UnitCost,CurrencyCode,ExchangeRate",
    "orders.csv": "OrderKey,CustomerKey,StoreKey,OrderDate,DeliveryDate,CurrencyCode",
    "orderrows.csv": "OrderKey,LineNumber,ProductKey,Quantity,UnitPrice,NetPrice,UnitCost",
    "customer.csv": "CustomerKey,GeoAreaKey,StartDT,EndDT,Continent,Gender,Title,GivenName,"
    "MiddleInitial,Surname,StreetAddress,City,State,StateFull,ZipCode,Country,CountryFull,"
    "Birthday,Age,Occupation,Company,Vehicle,Latitude,Longitude",
    "product.csv": "ProductKey,ProductCode,ProductName,Manufacturer,Brand,Color,WeightUnit,"
    "Weight,Cost,Price,CategoryKey,CategoryName,SubCategoryKey,SubCategoryName",
    "store.csv": "StoreKey,StoreCode,GeoAreaKey,CountryCode,CountryName,State,OpenDate,"
    "CloseDate,Description,SquareMeters,Status",
    "currencyexchange.csv": "Date,FromCurrency,ToCurrency,Exchange",
    "date.csv": "Date,DateKey,Year,YearQuarter,YearQuarterNumber,Quarter,YearMonth,"
    "YearMonthShort,YearMonthNumber,Month,MonthShort,MonthNumber,DayofWeek,DayofWeekShort,"
    "DayofWeekNumber,WorkingDay,WorkingDayNumber",
    "inventory.csv": "Date,StoreKey,ProductKey,OnHandQuantity,OnOrderQuantity,ReorderPoint,"
    "SafetyStock,UnitCost",
}


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("contoso")
    SOURCE.generate(directory, scale=Scale.small, seed=SEED)
    return directory


def read(landing: Path, name: str, **types: pa.DataType) -> pa.Table:
    options = pacsv.ConvertOptions(column_types=types, strings_can_be_null=True)
    return pacsv.read_csv(landing / f"{name}.csv", convert_options=options)


def column(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table[name].to_numpy(zero_copy_only=False))


def rows(table: pa.Table, *names: str) -> zip[tuple[Any, ...]]:
    """The named columns, row by row."""
    return zip(*(table[n].to_pylist() for n in names), strict=True)


def lookup(table: pa.Table, key: str, value: str) -> dict[Any, Any]:
    return dict(rows(table, key, value))


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 for datetime64[D] values."""
    return (days.astype("datetime64[D]").astype(np.int64) + 3) % 7


@pytest.fixture(scope="module")
def sales(landing: Path) -> pa.Table:
    return read(landing, "sales")


@pytest.fixture(scope="module")
def stores(landing: Path) -> pa.Table:
    return read(landing, "store", CountryCode=pa.string())


@pytest.fixture(scope="module")
def customers(landing: Path) -> pa.Table:
    return read(landing, "customer", ZipCode=pa.string(), EndDT=pa.date32())


@pytest.fixture(scope="module")
def inventory(landing: Path) -> pa.Table:
    return read(landing, "inventory")


# ------------------------------------------------------------------ files and contracts


def test_generate_writes_the_nine_tables_and_returns_their_paths(tmp_path: Path) -> None:
    paths = SOURCE.generate(tmp_path / "landing", scale=Scale.small, seed=SEED)

    assert [p.name for p in paths] == list(EXPECTED_HEADERS)
    assert all(p.parent == tmp_path / "landing" for p in paths)


@pytest.mark.parametrize("file_name", list(EXPECTED_HEADERS))
def test_each_file_has_the_contoso_v2_header(landing: Path, file_name: str) -> None:
    assert ",".join(read_header(landing / file_name)) == EXPECTED_HEADERS[file_name]


def test_same_seed_writes_byte_identical_files(landing: Path, tmp_path: Path) -> None:
    SOURCE.generate(tmp_path, scale=Scale.small, seed=SEED)

    for name in EXPECTED_HEADERS:
        assert (tmp_path / name).read_bytes() == (landing / name).read_bytes(), name


def test_another_seed_writes_other_sales(landing: Path, tmp_path: Path) -> None:
    SOURCE.generate(tmp_path, scale=Scale.small, seed=SEED + 1)

    assert (tmp_path / "sales.csv").read_bytes() != (landing / "sales.csv").read_bytes()


@pytest.mark.parametrize("file_name", list(EXPECTED_HEADERS))
def test_each_file_matches_exactly_one_contract_with_all_required_columns(
    landing: Path, file_name: str
) -> None:
    contract, columns = fit_one_contract(landing / file_name, TABLES)

    assert contract.table == file_name.removesuffix(".csv")
    assert all(sum(c.matches(h) for c in contract.columns) == 1 for h in columns)


@pytest.mark.parametrize(
    ("file_name", "table"),
    [
        ("Sales.csv", "sales"),
        ("sales_0.csv", "sales"),
        ("sales_12.csv.gz", "sales"),
        ("orders_3.csv", "orders"),
        ("orderrows_3.csv", "orderrows"),
        ("OrderRows.csv.gz", "orderrows"),
        ("CurrencyExchange.csv", "currencyexchange"),
        ("customer.csv.zip", "customer"),
    ],
)
def test_file_patterns_accept_real_v2_file_names(file_name: str, table: str) -> None:
    matching = [t.table for t in TABLES if t.matches_file(Path(file_name))]

    assert matching == [table]


def test_bronze_table_names_are_prefixed_with_the_source() -> None:
    assert [t.bronze_table for t in TABLES] == [
        "contoso_sales",
        "contoso_orders",
        "contoso_orderrows",
        "contoso_customer",
        "contoso_product",
        "contoso_store",
        "contoso_currencyexchange",
        "contoso_date",
        "contoso_inventory",
    ]


_PARSERS = {
    "int": re.compile(r"-?\d+"),
    "float": re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?"),
    "decimal": re.compile(r"-?\d+(\.\d+)?"),
}


@pytest.mark.parametrize("contract", TABLES, ids=lambda t: t.table)
def test_every_value_parses_as_its_contract_type(landing: Path, contract: TableContract) -> None:
    path = landing / f"{contract.table}.csv"
    names = read_header(path)
    as_text = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()))
    table = pacsv.read_csv(path, convert_options=as_text)
    for name in names:
        col = next(c for c in contract.columns if c.matches(name))
        values = [v for v in table[name].to_pylist() if v not in (None, "")]
        assert col.nullable or len(values) == table.num_rows, f"{name} has empty values"
        if col.type in _PARSERS:
            assert all(_PARSERS[col.type].fullmatch(v) for v in values), name
        elif col.type == "date":
            assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in values), name


# ---------------------------------------------------------------- referential integrity


def test_sales_keys_resolve_to_customers_stores_and_products(
    landing: Path, sales: pa.Table, stores: pa.Table, customers: pa.Table
) -> None:
    products = read(landing, "product")

    assert np.isin(column(sales, "CustomerKey"), column(customers, "CustomerKey")).all()
    assert np.isin(column(sales, "StoreKey"), column(stores, "StoreKey")).all()
    assert np.isin(column(sales, "ProductKey"), column(products, "ProductKey")).all()


def test_orders_and_orderrows_hold_exactly_the_sales_orders_and_lines(
    landing: Path, sales: pa.Table
) -> None:
    orders = read(landing, "orders")
    rows = read(landing, "orderrows")
    order_columns = ["OrderKey", "CustomerKey", "StoreKey", "OrderDate", "DeliveryDate"]
    line_columns = ["OrderKey", "LineNumber", "ProductKey", "Quantity", "UnitPrice", "NetPrice"]

    headers_from_sales = sales.select([*order_columns, "CurrencyCode"]).group_by(
        [*order_columns, "CurrencyCode"]
    )
    assert orders.num_rows == headers_from_sales.aggregate([]).num_rows
    assert orders.num_rows == len(np.unique(column(sales, "OrderKey")))
    assert rows.select(line_columns).equals(sales.select(line_columns))


def test_inventory_keys_resolve_to_stores_and_products(
    landing: Path, inventory: pa.Table, stores: pa.Table
) -> None:
    products = read(landing, "product")

    assert np.isin(column(inventory, "StoreKey"), column(stores, "StoreKey")).all()
    assert np.isin(column(inventory, "ProductKey"), column(products, "ProductKey")).all()


def test_date_table_covers_order_and_delivery_dates_in_whole_years(
    landing: Path, sales: pa.Table
) -> None:
    dates = column(read(landing, "date"), "Date").astype("datetime64[D]")

    assert dates[0] == np.datetime64("2021-01-01")
    assert str(dates[-1]).endswith("-12-31")
    assert (np.diff(dates).astype(int) == 1).all()
    assert np.isin(column(sales, "DeliveryDate").astype("datetime64[D]"), dates).all()


def test_exchange_rate_is_the_usd_rate_of_the_order_date(landing: Path, sales: pa.Table) -> None:
    rates = read(landing, "currencyexchange").filter(pc.field("FromCurrency") == "USD")
    usd_rate = {(d, c): r for d, c, r in rows(rates, "Date", "ToCurrency", "Exchange")}

    for day, currency, rate in rows(sales, "OrderDate", "CurrencyCode", "ExchangeRate"):
        assert usd_rate[(day, currency)] == rate


# -------------------------------------------------------------------------- the business


def test_online_store_is_store_999999_without_country(stores: pa.Table) -> None:
    online = stores.filter(pc.equal(pc.field("StoreKey"), ONLINE)).to_pylist()

    assert online == [
        {
            "StoreKey": ONLINE,
            "StoreCode": ONLINE,
            "GeoAreaKey": -1,
            "CountryCode": None,
            "CountryName": "Online",
            "State": "Online",
            "OpenDate": date(2010, 1, 1),
            "CloseDate": None,
            "Description": "Contoso Online Store",
            "SquareMeters": None,
            "Status": None,
        }
    ]


def test_physical_stores_are_in_the_six_countries(stores: pa.Table) -> None:
    countries = set(stores.filter(pc.field("StoreKey") != ONLINE)["CountryName"].to_pylist())

    assert countries == {"Germany", "France", "Italy", "Spain", "Netherlands", "United Kingdom"}


def test_store_orders_are_delivered_the_same_day_online_in_two_to_ten_days(
    sales: pa.Table,
) -> None:
    online = column(sales, "StoreKey") == ONLINE
    days = (
        (column(sales, "DeliveryDate") - column(sales, "OrderDate"))
        .astype("timedelta64[D]")
        .astype(int)
    )

    assert (days[~online] == 0).all()
    assert days[online].min() == 2
    assert days[online].max() <= 10


def test_store_sales_happen_only_while_the_store_is_open(sales: pa.Table, stores: pa.Table) -> None:
    opened = lookup(stores, "StoreKey", "OpenDate")
    closed = lookup(stores, "StoreKey", "CloseDate")

    assert any(d is not None for d in closed.values())  # small scale has a store closing...
    assert any(d > date(2021, 1, 1) for d in opened.values())
    for store, day in rows(sales, "StoreKey", "OrderDate"):
        assert opened[store] <= day
        assert closed[store] is None or day <= closed[store]


def test_german_and_french_stores_sell_nothing_on_sundays(
    sales: pa.Table, stores: pa.Table
) -> None:
    closed_sunday = stores.filter(pc.is_in(pc.field("CountryCode"), pa.array(["DE", "FR"])))
    in_those = np.isin(column(sales, "StoreKey"), column(closed_sunday, "StoreKey"))
    sunday = weekday(column(sales, "OrderDate")) == 6

    assert in_those.any()
    assert not (in_those & sunday).any()
    assert (sunday & (column(sales, "StoreKey") == ONLINE)).any()


def test_customers_buy_only_inside_their_activity_window(
    sales: pa.Table, customers: pa.Table
) -> None:
    start = lookup(customers, "CustomerKey", "StartDT")
    end = lookup(customers, "CustomerKey", "EndDT")

    for customer, day in rows(sales, "CustomerKey", "OrderDate"):
        assert start[customer] <= day
        assert end[customer] is None or day <= end[customer]


def test_some_customers_churned_and_others_buy_again_and_again(
    landing: Path, customers: pa.Table
) -> None:
    orders = read(landing, "orders")
    per_customer = np.unique(column(orders, "CustomerKey"), return_counts=True)[1]

    assert customers["EndDT"].null_count < customers.num_rows  # churners have an EndDT
    assert customers["EndDT"].null_count > customers.num_rows / 2
    assert (per_customer == 1).sum() > 50  # one-off buyers
    assert (per_customer >= 10).sum() > 10  # loyal repeat customers


def test_order_currency_follows_the_customer_country(sales: pa.Table, customers: pa.Table) -> None:
    country = lookup(customers, "CustomerKey", "Country")
    expected = {"DE": "EUR", "FR": "EUR", "IT": "EUR", "ES": "EUR", "NL": "EUR", "GB": "GBP",
                "CH": "CHF", "SE": "SEK", "US": "USD"}  # fmt: skip

    for customer, currency in rows(sales, "CustomerKey", "CurrencyCode"):
        assert expected[country[customer]] == currency
    assert set(sales["CurrencyCode"].to_pylist()) == {"EUR", "GBP", "CHF", "SEK", "USD"}


def test_swiss_swedish_and_us_customers_buy_only_online(sales: pa.Table) -> None:
    abroad = pc.is_in(sales["CurrencyCode"], pa.array(["CHF", "SEK", "USD"]))

    assert set(sales.filter(abroad)["StoreKey"].to_pylist()) == {ONLINE}


def test_customers_live_in_real_cities_of_their_country(customers: pa.Table) -> None:
    country_of_city = lookup(customers, "City", "Country")
    zip_code = lookup(customers, "Country", "ZipCode")

    assert country_of_city["Berlin"] == "DE"
    assert country_of_city["Paris"] == "FR"
    assert country_of_city["London"] == "GB"
    assert re.fullmatch(r"\d{5}", str(zip_code["DE"]))
    assert re.fullmatch(r"\d{4} [A-Z]{2}", str(zip_code["NL"]))
    assert re.fullmatch(r"[A-Z]{1,2}\d{1,2} \d[A-Z]{2}", str(zip_code["GB"]))


def test_net_price_never_exceeds_unit_price_and_mostly_covers_cost(sales: pa.Table) -> None:
    unit, net, cost = (
        column(sales, "UnitPrice"),
        column(sales, "NetPrice"),
        column(sales, "UnitCost"),
    )

    assert (net <= unit).all()
    assert (net < unit).mean() > 0.1
    assert (cost < net).mean() > 0.97


def test_winter_and_summer_sales_discount_most_lines(sales: pa.Table) -> None:
    month = column(sales, "OrderDate").astype("datetime64[M]").astype(int) % 12 + 1
    discounted = column(sales, "NetPrice") < column(sales, "UnitPrice")

    assert discounted[month == 1].mean() > 0.4
    assert discounted[month == 7].mean() > 0.4
    assert discounted[np.isin(month, [3, 4, 5, 9, 10])].mean() < 0.2


def test_december_sells_far_more_than_february(sales: pa.Table) -> None:
    month = column(sales, "OrderDate").astype("datetime64[M]").astype(int) % 12 + 1

    assert (month == 12).sum() > 2 * (month == 2).sum()


def test_list_prices_rise_from_year_to_year(sales: pa.Table) -> None:
    price_in: dict[int, dict[int, float]] = {2021: {}, 2024: {}}
    for product, price, day in rows(sales, "ProductKey", "UnitPrice", "OrderDate"):
        price_in.get(day.year, {})[product] = price
    both = price_in[2021].keys() & price_in[2024].keys()

    assert len(both) > 20
    assert all(price_in[2024][p] > price_in[2021][p] for p in both)


def test_line_numbers_count_from_zero_within_each_order(sales: pa.Table) -> None:
    keys, lines = column(sales, "OrderKey"), column(sales, "LineNumber")
    first_line = np.r_[True, keys[1:] != keys[:-1]]

    assert (np.diff(keys) >= 0).all()
    assert (lines[first_line] == 0).all()
    assert (lines[~first_line] == lines[np.flatnonzero(~first_line) - 1] + 1).all()


def test_currency_table_has_every_pair_every_day_with_identity_rates(landing: Path) -> None:
    rates = read(landing, "currencyexchange")
    days = len(np.unique(column(rates, "Date")))
    identity = pc.equal(rates["FromCurrency"], rates["ToCurrency"])

    assert rates.num_rows == days * 5 * 5
    assert set(rates.filter(identity)["Exchange"].to_pylist()) == {1.0}


def test_weekend_rates_repeat_fridays_fixing(landing: Path) -> None:
    usd_eur = read(landing, "currencyexchange").filter(
        (pc.field("FromCurrency") == "USD") & (pc.field("ToCurrency") == "EUR")
    )
    rate = lookup(usd_eur, "Date", "Exchange")
    friday, saturday, sunday = date(2023, 3, 10), date(2023, 3, 11), date(2023, 3, 12)

    assert rate[friday] == rate[saturday] == rate[sunday]
    assert 0.85 < rate[friday] < 1.0


def test_date_table_follows_v2_conventions(landing: Path) -> None:
    dates = read(landing, "date", DateKey=pa.string()).to_pylist()
    christmas_2023 = next(d for d in dates if d["Date"] == date(2023, 12, 25))

    assert christmas_2023 == {
        "Date": date(2023, 12, 25),
        "DateKey": "20231225",
        "Year": 2023,
        "YearQuarter": "Q4-2023",
        "YearQuarterNumber": 4 * 2023 + 4,
        "Quarter": "Q4",
        "YearMonth": "December 2023",
        "YearMonthShort": "Dec 2023",
        "YearMonthNumber": 12 * 2023 + 12,
        "Month": "December",
        "MonthShort": "Dec",
        "MonthNumber": 12,
        "DayofWeek": "Monday",
        "DayofWeekShort": "Mon",
        "DayofWeekNumber": 2,
        "WorkingDay": 0,
        "WorkingDayNumber": christmas_2023["WorkingDayNumber"],
    }
    previous = next(d for d in dates if d["Date"] == date(2023, 12, 22))
    assert christmas_2023["WorkingDayNumber"] == previous["WorkingDayNumber"]


# --------------------------------------------------------------------------- inventory


def test_inventory_tracks_thirty_products_at_every_store(
    inventory: pa.Table, stores: pa.Table
) -> None:
    assert len(np.unique(column(inventory, "ProductKey"))) == 30
    assert set(column(inventory, "StoreKey")) == set(column(stores, "StoreKey"))


def test_stock_falls_by_the_days_sales_and_rises_only_on_replenishment(
    inventory: pa.Table, sales: pa.Table
) -> None:
    keys = ["OrderDate", "StoreKey", "ProductKey"]
    sold = sales.group_by(keys).aggregate([("Quantity", "sum")])
    units_sold = {(d, s, p): q for d, s, p, q in rows(sold, *keys, "Quantity_sum")}
    stock = inventory.sort_by([("StoreKey", "ascending"), ("ProductKey", "ascending")])
    previous = None
    for day, store, product, on_hand, on_order in rows(
        stock, "Date", "StoreKey", "ProductKey", "OnHandQuantity", "OnOrderQuantity"
    ):
        if previous is not None and previous[:2] == (store, product):
            _, _, last_on_hand, last_on_order = previous
            received = last_on_order if on_order < last_on_order else 0
            sold_today = units_sold.get((day, store, product), 0)
            assert on_hand == last_on_hand + received - sold_today, (day, store, product)
        previous = (store, product, on_hand, on_order)


def test_shelves_sometimes_run_empty_but_never_below_zero(inventory: pa.Table) -> None:
    on_hand = column(inventory, "OnHandQuantity")

    assert on_hand.min() == 0
    assert 0 < (on_hand == 0).mean() < 0.05


def test_replenishment_is_ordered_at_the_reorder_point(inventory: pa.Table) -> None:
    on_hand, on_order = column(inventory, "OnHandQuantity"), column(inventory, "OnOrderQuantity")
    reorder_point = column(inventory, "ReorderPoint")
    safety = column(inventory, "SafetyStock")

    assert (reorder_point >= safety).all()
    assert (on_order[on_hand > reorder_point] == 0).mean() > 0.95
    assert (on_order > 0).any()


def test_inventory_unit_cost_is_the_cost_on_sales_lines(
    inventory: pa.Table, sales: pa.Table
) -> None:
    stock_cost = {(d, p): c for d, p, c in rows(inventory, "Date", "ProductKey", "UnitCost")}
    sold_cost = {(d, p): c for d, p, c in rows(sales, "OrderDate", "ProductKey", "UnitCost")}
    both = stock_cost.keys() & sold_cost.keys()

    assert len(both) > 500
    assert all(stock_cost[k] == sold_cost[k] for k in both)


# ------------------------------------------------------------------------------ scales


def test_the_period_can_be_chosen(tmp_path: Path) -> None:
    SOURCE.generate(
        tmp_path, scale=Scale.small, seed=SEED, start=date(2023, 1, 1), end=date(2023, 12, 31)
    )

    sales = read(tmp_path, "sales")
    dates = read(tmp_path, "date")
    assert pc.min(sales["OrderDate"]).as_py() >= date(2023, 1, 1)
    assert pc.max(sales["OrderDate"]).as_py() <= date(2023, 12, 31)
    assert pc.min(dates["Date"]).as_py() == date(2023, 1, 1)


@pytest.mark.slow
def test_full_scale_writes_about_a_million_sales_lines(tmp_path: Path) -> None:
    SOURCE.generate(tmp_path, scale=Scale.full, seed=SEED)

    lines = sum(1 for _ in (tmp_path / "sales.csv").open("rb")) - 1
    inventory_rows = sum(1 for _ in (tmp_path / "inventory.csv").open("rb")) - 1
    assert 950_000 < lines < 1_050_000
    assert inventory_rows < 5_000_000
