"""Contracts of the Contoso Data Generator V2 CSV table set (sql-bi/Contoso-Data-Generator-V2).

The real tool writes one file per table (``sales.csv``, ``orders.csv``, ...), or numbered
chunks in sub-folders when ``CsvMaxOrdersPerFile`` is set (``sales/sales_0.csv``, optionally
``.gz``), all with ISO dates and ``.`` as decimal separator. Amounts in ``sales`` and
``orderrows`` are in USD; ``ExchangeRate`` converts them to ``CurrencyCode``. The
``inventory`` table is not part of V2: this project adds it (daily stock snapshot).

Aliases cover the column names of SQLBI's published ``dbo`` views over the same data
("Order Number", "Unit Cost", "Subcategory Code", ...); headers that differ only by spaces or
case ("Unit Price", "Line Number") already match through header normalization.
"""

from __future__ import annotations

from retail_lakehouse.sources.contract import Column, TableContract

SOURCE_NAME = "contoso"

#: V2 writes ISO dates; exports of the Parquet/Delta flavour carry a midnight time.
DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")

_ORDER_KEY = Column(
    "order_key", "int", header="OrderKey", aliases=("Order Number",), nullable=False
)
_LINE_NUMBER = Column("line_number", "int", header="LineNumber", nullable=False)
_CUSTOMER_KEY = Column("customer_key", "int", header="CustomerKey", nullable=False)
_STORE_KEY = Column("store_key", "int", header="StoreKey", nullable=False)
_PRODUCT_KEY = Column("product_key", "int", header="ProductKey", nullable=False)
_ORDER_DATE = Column("order_date", "date", header="OrderDate", nullable=False)
_DELIVERY_DATE = Column("delivery_date", "date", header="DeliveryDate", nullable=False)
_CURRENCY_CODE = Column("currency_code", header="CurrencyCode", nullable=False)
_QUANTITY = Column("quantity", "int", header="Quantity", nullable=False)
_UNIT_PRICE = Column("unit_price", "float", header="UnitPrice", nullable=False)
_NET_PRICE = Column("net_price", "float", header="NetPrice", nullable=False)
_UNIT_COST = Column("unit_cost", "float", header="UnitCost", nullable=False)

SALES = TableContract(
    source=SOURCE_NAME,
    table="sales",
    file_patterns=("sales*.csv",),
    columns=(
        _ORDER_KEY,
        _LINE_NUMBER,
        _ORDER_DATE,
        _DELIVERY_DATE,
        _CUSTOMER_KEY,
        _STORE_KEY,
        _PRODUCT_KEY,
        _QUANTITY,
        _UNIT_PRICE,
        _NET_PRICE,
        _UNIT_COST,
        _CURRENCY_CODE,
        Column("exchange_rate", "float", header="ExchangeRate", nullable=False),
    ),
    keys=("order_key", "line_number"),
    description=(
        "One row per order line, orders denormalized (the V2 'sales' flavour). Prices and "
        "cost are in USD; exchange_rate is the USD -> currency_code rate of the order date. "
        "LineNumber starts at 0 as in V2."
    ),
    timestamp_formats=DATE_FORMATS,
)

ORDERS = TableContract(
    source=SOURCE_NAME,
    table="orders",
    file_patterns=("orders*.csv",),
    columns=(
        _ORDER_KEY,
        _CUSTOMER_KEY,
        _STORE_KEY,
        _ORDER_DATE,
        _DELIVERY_DATE,
        _CURRENCY_CODE,
    ),
    keys=("order_key",),
    description="Order headers (the V2 'orders' flavour); same orders as sales.",
    timestamp_formats=DATE_FORMATS,
)

ORDER_ROWS = TableContract(
    source=SOURCE_NAME,
    table="orderrows",
    file_patterns=("orderrows*.csv", "order_rows*.csv"),
    columns=(
        _ORDER_KEY,
        _LINE_NUMBER,
        _PRODUCT_KEY,
        _QUANTITY,
        _UNIT_PRICE,
        _NET_PRICE,
        _UNIT_COST,
    ),
    keys=("order_key", "line_number"),
    description="Order lines (the V2 'orders' flavour); same lines as sales, amounts in USD.",
    timestamp_formats=DATE_FORMATS,
)

CUSTOMER = TableContract(
    source=SOURCE_NAME,
    table="customer",
    file_patterns=("customer*.csv",),
    columns=(
        _CUSTOMER_KEY,
        Column("geo_area_key", "int", header="GeoAreaKey", nullable=False),
        # Activity window: optional, so that customer extracts without it still load.
        Column("start_dt", "date", header="StartDT", required=False),
        Column("end_dt", "date", header="EndDT", required=False),
        Column("continent", header="Continent"),
        Column("gender", header="Gender"),
        Column("title", header="Title"),
        Column("given_name", header="GivenName"),
        Column("middle_initial", header="MiddleInitial"),
        Column("surname", header="Surname"),
        Column("street_address", header="StreetAddress"),
        Column("city", header="City"),
        Column("state", header="State"),
        Column("state_full", header="StateFull"),
        Column("zip_code", header="ZipCode"),
        Column("country", header="Country"),
        Column("country_full", header="CountryFull"),
        Column("birthday", "date", header="Birthday", nullable=False),
        Column("age", "int", header="Age", nullable=False),
        Column("occupation", header="Occupation"),
        Column("company", header="Company"),
        Column("vehicle", header="Vehicle"),
        Column("latitude", "float", header="Latitude", nullable=False),
        Column("longitude", "float", header="Longitude", nullable=False),
    ),
    keys=("customer_key",),
    description=(
        "Customers, one row each. State/Country are codes, StateFull/CountryFull names; "
        "StartDT..EndDT is the activity window (EndDT empty while the customer is active)."
    ),
    timestamp_formats=DATE_FORMATS,
)

PRODUCT = TableContract(
    source=SOURCE_NAME,
    table="product",
    file_patterns=("product*.csv",),
    columns=(
        _PRODUCT_KEY,
        Column("product_code", header="ProductCode", nullable=False),
        Column("product_name", header="ProductName"),
        Column("manufacturer", header="Manufacturer"),
        Column("brand", header="Brand"),
        Column("color", header="Color"),
        Column("weight_unit", header="WeightUnit", aliases=("Weight Unit Measure",)),
        Column("weight", "float", header="Weight"),
        Column("cost", "decimal", header="Cost", aliases=("Unit Cost",)),
        Column("price", "decimal", header="Price", aliases=("Unit Price",)),
        Column("category_key", "int", header="CategoryKey", aliases=("Category Code",)),
        Column("category_name", header="CategoryName", aliases=("Category",)),
        Column("sub_category_key", "int", header="SubCategoryKey", aliases=("Subcategory Code",)),
        Column("sub_category_name", header="SubCategoryName", aliases=("Subcategory",)),
    ),
    keys=("product_key",),
    description="Products with current list price and cost in USD, category and subcategory.",
    timestamp_formats=DATE_FORMATS,
)

STORE = TableContract(
    source=SOURCE_NAME,
    table="store",
    file_patterns=("store*.csv",),
    columns=(
        _STORE_KEY,
        Column("store_code", "int", header="StoreCode", nullable=False),
        Column("geo_area_key", "int", header="GeoAreaKey", nullable=False),
        Column("country_code", header="CountryCode"),
        Column("country_name", header="CountryName"),
        Column("state", header="State"),
        Column("open_date", "date", header="OpenDate"),
        Column("close_date", "date", header="CloseDate"),
        Column("description", header="Description", aliases=("Name",)),
        Column("square_meters", "int", header="SquareMeters"),
        Column("status", header="Status"),
    ),
    keys=("store_key",),
    description=(
        "Stores; StoreKey 999999 (GeoAreaKey -1, CountryName 'Online') is the online store. "
        "Status is 'Closed' or 'Restructured' when it applies, else empty."
    ),
    timestamp_formats=DATE_FORMATS,
)

CURRENCY_EXCHANGE = TableContract(
    source=SOURCE_NAME,
    table="currencyexchange",
    file_patterns=("currencyexchange*.csv", "currency_exchange*.csv"),
    columns=(
        Column("date", "date", header="Date", nullable=False),
        Column("from_currency", header="FromCurrency", nullable=False),
        Column("to_currency", header="ToCurrency", nullable=False),
        Column("exchange", "float", header="Exchange", nullable=False),
    ),
    keys=("date", "from_currency", "to_currency"),
    description=(
        "Daily rates for every ordered currency pair, identity pairs included (rate 1); "
        "non-fixing days carry the previous fixing, as V2 does with ECB data."
    ),
    timestamp_formats=DATE_FORMATS,
)

DATE = TableContract(
    source=SOURCE_NAME,
    table="date",
    file_patterns=("date*.csv",),
    columns=(
        Column("date", "date", header="Date", nullable=False),
        Column("date_key", header="DateKey", nullable=False),
        Column("year", "int", header="Year", nullable=False),
        Column("year_quarter", header="YearQuarter"),
        Column("year_quarter_number", "int", header="YearQuarterNumber"),
        Column("quarter", header="Quarter"),
        Column("year_month", header="YearMonth"),
        Column("year_month_short", header="YearMonthShort"),
        Column("year_month_number", "int", header="YearMonthNumber"),
        Column("month", header="Month"),
        Column("month_short", header="MonthShort"),
        Column("month_number", "int", header="MonthNumber"),
        Column("day_of_week", header="DayofWeek"),
        Column("day_of_week_short", header="DayofWeekShort"),
        Column("day_of_week_number", "int", header="DayofWeekNumber"),
        Column("working_day", "int", header="WorkingDay"),
        Column("working_day_number", "int", header="WorkingDayNumber"),
    ),
    keys=("date",),
    description=(
        "Calendar over whole years covering order and delivery dates. As in V2: DateKey "
        "'yyyyMMdd', YearQuarter 'Q1-2024', YearQuarterNumber = 4*year+quarter, "
        "YearMonthNumber = 12*year+month, DayofWeekNumber 1 = Sunday, WorkingDay 0/1, "
        "WorkingDayNumber a running count of working days."
    ),
    timestamp_formats=DATE_FORMATS,
)

INVENTORY = TableContract(
    source=SOURCE_NAME,
    table="inventory",
    file_patterns=("inventory*.csv",),
    columns=(
        Column("date", "date", header="Date", nullable=False),
        _STORE_KEY,
        _PRODUCT_KEY,
        Column("on_hand_quantity", "int", header="OnHandQuantity", nullable=False),
        Column("on_order_quantity", "int", header="OnOrderQuantity", nullable=False),
        Column("reorder_point", "int", header="ReorderPoint", nullable=False),
        Column("safety_stock", "int", header="SafetyStock", nullable=False),
        Column("unit_cost", "decimal", header="UnitCost", nullable=False),
    ),
    keys=("date", "store_key", "product_key"),
    description=(
        "End-of-day stock per store and tracked product (not part of V2). On-hand falls by "
        "the day's sales and rises when a replenishment order arrives; UnitCost in USD."
    ),
    timestamp_formats=DATE_FORMATS,
)

TABLES: tuple[TableContract, ...] = (
    SALES,
    ORDERS,
    ORDER_ROWS,
    CUSTOMER,
    PRODUCT,
    STORE,
    CURRENCY_EXCHANGE,
    DATE,
    INVENTORY,
)
