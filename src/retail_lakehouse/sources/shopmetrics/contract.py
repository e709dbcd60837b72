"""File contracts of the ShopMetrics exports: a historical batch, then delta batches.

Each batch folder (``batch_0000/``, ``batch_0001/`` …) holds ``customers.csv``,
``products.csv``, ``orders.csv`` and ``order_items.csv``. The contracts also accept the
original ShopMetrics notebook exports (``customers_historical.csv``,
``orders_incremental_<date>.csv`` …), which carry fewer columns, a date-only ``order_date``
and one product per order; the columns those files lack are marked ``required=False``.
"""

from __future__ import annotations

from retail_lakehouse.sources.contract import Column, TableContract

SOURCE_NAME = "shopmetrics"

#: ``updated_at`` / ``order_ts`` as generated, ISO with a ``T``, and the original date-only
#: ``order_date`` / ``signup_date``.
TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")

CUSTOMERS = TableContract(
    source=SOURCE_NAME,
    table="customers",
    file_patterns=("customers*.csv",),
    keys=("customer_id",),
    description=(
        "Customer master rows: a full snapshot in the historical batch, then only new customers"
        " and customers whose email, address or segment changed. Several rows per customer"
        " across batches feed the SCD2 customer dimension, ordered by updated_at."
    ),
    timestamp_formats=TIMESTAMP_FORMATS,
    columns=(
        Column("customer_id", nullable=False),
        Column("first_name", required=False),
        Column("last_name", required=False),
        Column("email"),
        Column("phone", required=False),
        Column("address", required=False),
        Column("city", required=False),
        Column("state", required=False),
        Column("country", required=False),
        Column("region"),
        Column("segment", required=False),
        Column("signup_date", "date"),
        Column("updated_at", "timestamp", required=False),
    ),
)

PRODUCTS = TableContract(
    source=SOURCE_NAME,
    table="products",
    file_patterns=("products*.csv",),
    keys=("product_id",),
    description=(
        "Product catalogue in USD: a full snapshot, then new products, price changes and"
        " discontinued products (is_active false). Overwritten in place (SCD1)."
    ),
    timestamp_formats=TIMESTAMP_FORMATS,
    columns=(
        Column("product_id", nullable=False),
        Column("sku", required=False),
        Column("product_name", aliases=("name",)),
        Column("category"),
        Column("brand", required=False),
        Column("price", "decimal"),
        Column("cost", "decimal", required=False),
        Column("is_active", "bool", required=False),
        Column("updated_at", "timestamp", required=False),
    ),
)

ORDERS = TableContract(
    source=SOURCE_NAME,
    table="orders",
    file_patterns=("orders*.csv",),
    keys=("order_id",),
    description=(
        "Order headers: new orders and orders whose status moved (placed, paid, shipped,"
        " delivered, cancelled, returned) since the previous batch; merge on order_id keeping"
        " the latest updated_at. total_amount equals the sum of the order's item lines."
        " product_id appears only in the original one-product-per-order exports."
    ),
    timestamp_formats=TIMESTAMP_FORMATS,
    columns=(
        Column("order_id", nullable=False),
        Column("customer_id", nullable=False),
        Column("order_ts", "timestamp", aliases=("order_date",), nullable=False),
        Column("status", nullable=False),
        Column("channel", required=False),
        Column("shipping_city", required=False),
        Column("shipping_country", required=False),
        Column("total_amount", "decimal"),
        Column("currency", required=False),
        Column("product_id", required=False),
        Column("updated_at", "timestamp", required=False),
    ),
)

ORDER_ITEMS = TableContract(
    source=SOURCE_NAME,
    table="order_items",
    file_patterns=("order_items*.csv",),
    keys=("order_id", "line_number"),
    description=(
        "Order lines, written once in the batch where their order is placed: unit_price is"
        " the product price at order time, discount an amount in USD for the whole line."
    ),
    timestamp_formats=TIMESTAMP_FORMATS,
    columns=(
        Column("order_id", nullable=False),
        Column("line_number", "int", nullable=False),
        Column("product_id", nullable=False),
        Column("quantity", "int", nullable=False),
        Column("unit_price", "decimal", nullable=False),
        Column("discount", "decimal"),
        Column("updated_at", "timestamp"),
    ),
)

TABLES: tuple[TableContract, ...] = (CUSTOMERS, PRODUCTS, ORDERS, ORDER_ITEMS)
