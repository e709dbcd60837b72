"""File contracts of the CRM exports, laid out like Databricks' ``retail-org`` sample data.

Timestamps are epoch seconds, as in retail-org (``valid_from``, ``valid_to``,
``order_datetime``), so they are typed ``int`` here and converted in silver. JSON columns keep
retail-org's Spark-written spelling (``{"curr": "USD", "id": ...}``) and are typed ``json``.
Identifiers that look numeric but are codes (postcode, house number, order number) stay
strings: postcodes keep their leading zero and house numbers may carry letters.
"""

from __future__ import annotations

from retail_lakehouse.sources.contract import Column, TableContract

SOURCE_NAME = "crm"

CUSTOMERS = TableContract(
    source=SOURCE_NAME,
    table="customers",
    file_patterns=("customers*.csv", "customers*.json"),
    keys=("customer_id", "valid_from"),
    description=(
        "Customer versions (SCD2 input): a new row starts when the customer moves or reaches a"
        " higher loyalty segment; the previous row then gets valid_to = the new valid_from."
        " loyalty_segment 0-3 follows units_purchased (the units bought by the end of that"
        " version). Businesses carry tax_id/tax_code and a lower-case name, private customers"
        " are 'LAST,  FIRST M'. City spelling is not normalised (upper or title case)."
    ),
    columns=(
        Column("customer_id", "int", nullable=False),
        Column("tax_id"),
        Column("tax_code"),
        Column("customer_name", nullable=False),
        Column("state"),
        Column("city"),
        Column("postcode"),
        Column("street"),
        Column("number"),
        Column("unit"),
        Column("region"),
        Column("district"),
        Column("lon", "float"),
        Column("lat", "float"),
        Column("ship_to_address"),
        Column("valid_from", "int", nullable=False),
        Column("valid_to", "int"),
        Column("units_purchased", "int"),
        Column("loyalty_segment", "int"),
    ),
)

SALES = TableContract(
    source=SOURCE_NAME,
    table="sales",
    file_patterns=("sales.csv", "sales.json"),
    description=(
        "One row per product sold (denormalised): no order number, the same lines as the"
        " ordered_products of sales_orders. product is the line as JSON; total_price is"
        " price x qty less the line's promotion discount, in USD."
    ),
    timestamp_formats=("%Y-%m-%d",),
    columns=(
        Column("customer_id", "int", nullable=False),
        Column("customer_name"),
        Column("product_name"),
        Column("order_date", "date", nullable=False),
        Column("product_category"),
        Column("product", "json"),
        Column("total_price", "decimal"),
    ),
)

SALES_ORDERS = TableContract(
    source=SOURCE_NAME,
    table="sales_orders",
    file_patterns=("sales_orders*.csv", "sales_orders*.json", "part-*.json"),
    keys=("order_number",),
    description=(
        "One row per order: ordered_products is a JSON array of {curr, id, name, price,"
        " promotion_info, qty, unit}, promo_info the order's applied promotions (empty when"
        " none), clicked_items a JSON array of [product id, clicks] pairs browsed before"
        " ordering. order_datetime is epoch seconds (UTC)."
    ),
    columns=(
        Column("clicked_items", "json"),
        Column("customer_id", "int", nullable=False),
        Column("customer_name"),
        Column("number_of_line_items", "int"),
        Column("order_datetime", "int", nullable=False),
        Column("order_number", nullable=False),
        Column("ordered_products", "json"),
        Column("promo_info", "json"),
    ),
)

TABLES: tuple[TableContract, ...] = (CUSTOMERS, SALES, SALES_ORDERS)
