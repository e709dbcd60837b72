"""Contracts of the nine CSV files of the Olist Brazilian e-commerce dataset (Kaggle).

The published files use ``YYYY-MM-DD HH:MM:SS`` timestamps, keep zip prefixes with their
leading zeros (hence typed ``string``), write the product measurements as floats (``40.0``)
and misspell two product headers (``product_name_lenght``); the translation file starts with
a UTF-8 byte-order mark, which header matching ignores.
"""

from __future__ import annotations

from retail_lakehouse.sources.contract import Column, TableContract

SOURCE_NAME = "olist"

#: Formats of the published files first, then spellings of re-saved copies (Excel, ISO).
TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)


def _id(name: str) -> Column:
    """A 32-character hex identifier; every row must carry it."""
    return Column(name, "string", nullable=False)


CUSTOMERS = TableContract(
    source=SOURCE_NAME,
    table="customers",
    file_patterns=("olist_customers_dataset*.csv",),
    columns=(
        _id("customer_id"),
        _id("customer_unique_id"),
        Column("customer_zip_code_prefix", "string", nullable=False),
        Column("customer_city"),
        Column("customer_state"),
    ),
    keys=("customer_id",),
    description=(
        "One row per order's customer record: customer_id is per order, "
        "customer_unique_id identifies the person across orders."
    ),
)

GEOLOCATION = TableContract(
    source=SOURCE_NAME,
    table="geolocation",
    file_patterns=("olist_geolocation_dataset*.csv",),
    columns=(
        Column("geolocation_zip_code_prefix", "string", nullable=False),
        Column("geolocation_lat", "float"),
        Column("geolocation_lng", "float"),
        Column("geolocation_city"),
        Column("geolocation_state"),
    ),
    keys=(),
    description=(
        "Many coordinates per zip prefix (exact duplicates included); city names with and "
        "without accents, a few points outside Brazil."
    ),
)

ORDER_ITEMS = TableContract(
    source=SOURCE_NAME,
    table="order_items",
    file_patterns=("olist_order_items_dataset*.csv",),
    columns=(
        _id("order_id"),
        Column("order_item_id", "int", nullable=False),
        _id("product_id"),
        _id("seller_id"),
        Column("shipping_limit_date", "timestamp"),
        Column("price", "decimal", nullable=False),
        Column("freight_value", "decimal", nullable=False),
    ),
    keys=("order_id", "order_item_id"),
    description="One row per unit sold: order_item_id runs 1..n within an order.",
    timestamp_formats=TIMESTAMP_FORMATS,
)

ORDER_PAYMENTS = TableContract(
    source=SOURCE_NAME,
    table="order_payments",
    file_patterns=("olist_order_payments_dataset*.csv",),
    columns=(
        _id("order_id"),
        Column("payment_sequential", "int", nullable=False),
        Column("payment_type", nullable=False),
        Column("payment_installments", "int"),
        Column("payment_value", "decimal", nullable=False),
    ),
    keys=("order_id", "payment_sequential"),
    description=(
        "Payment rows of an order (vouchers split an order into several sequential rows); "
        "values add up to the items' price plus freight."
    ),
)

ORDER_REVIEWS = TableContract(
    source=SOURCE_NAME,
    table="order_reviews",
    file_patterns=("olist_order_reviews_dataset*.csv",),
    columns=(
        _id("review_id"),
        _id("order_id"),
        Column("review_score", "int", nullable=False),
        Column("review_comment_title"),
        Column("review_comment_message"),
        Column("review_creation_date", "timestamp"),
        Column("review_answer_timestamp", "timestamp"),
    ),
    keys=("review_id", "order_id"),
    description=(
        "Satisfaction survey answers in Portuguese; messages may hold commas, quotes and "
        "line breaks inside quoted fields."
    ),
    timestamp_formats=TIMESTAMP_FORMATS,
)

ORDERS = TableContract(
    source=SOURCE_NAME,
    table="orders",
    file_patterns=("olist_orders_dataset*.csv",),
    columns=(
        _id("order_id"),
        _id("customer_id"),
        Column("order_status", nullable=False),
        Column("order_purchase_timestamp", "timestamp", nullable=False),
        Column("order_approved_at", "timestamp"),
        Column("order_delivered_carrier_date", "timestamp"),
        Column("order_delivered_customer_date", "timestamp"),
        Column("order_estimated_delivery_date", "timestamp"),
    ),
    keys=("order_id",),
    description=("Order lifecycle: a timestamp stays empty until the order reaches that step."),
    timestamp_formats=TIMESTAMP_FORMATS,
)

PRODUCTS = TableContract(
    source=SOURCE_NAME,
    table="products",
    file_patterns=("olist_products_dataset*.csv",),
    columns=(
        _id("product_id"),
        Column("product_category_name"),
        Column(
            "product_name_length",
            "float",
            header="product_name_lenght",
            aliases=("product_name_length",),
        ),
        Column(
            "product_description_length",
            "float",
            header="product_description_lenght",
            aliases=("product_description_length",),
        ),
        Column("product_photos_qty", "float"),
        Column("product_weight_g", "float"),
        Column("product_length_cm", "float"),
        Column("product_height_cm", "float"),
        Column("product_width_cm", "float"),
    ),
    keys=("product_id",),
    description=(
        "Product catalogue with Portuguese category names; measurements are written as "
        "floats and are empty for uncategorised products."
    ),
)

SELLERS = TableContract(
    source=SOURCE_NAME,
    table="sellers",
    file_patterns=("olist_sellers_dataset*.csv",),
    columns=(
        _id("seller_id"),
        Column("seller_zip_code_prefix", "string", nullable=False),
        Column("seller_city"),
        Column("seller_state"),
    ),
    keys=("seller_id",),
    description="Marketplace sellers; city names are free text and sometimes carry the state.",
)

PRODUCT_CATEGORY_NAME_TRANSLATION = TableContract(
    source=SOURCE_NAME,
    table="product_category_name_translation",
    file_patterns=("product_category_name_translation*.csv",),
    columns=(
        Column("product_category_name", nullable=False),
        Column("product_category_name_english", nullable=False),
    ),
    keys=("product_category_name",),
    description="Portuguese category name to English (file starts with a UTF-8 BOM).",
)

TABLES: tuple[TableContract, ...] = (
    CUSTOMERS,
    GEOLOCATION,
    ORDER_ITEMS,
    ORDER_PAYMENTS,
    ORDER_REVIEWS,
    ORDERS,
    PRODUCTS,
    SELLERS,
    PRODUCT_CATEGORY_NAME_TRANSLATION,
)
