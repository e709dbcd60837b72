"""CRM: customers, sales and sales_orders in the layout of Databricks' retail-org sample data."""

from retail_lakehouse.sources.contract import Source
from retail_lakehouse.sources.crm.contract import SOURCE_NAME, TABLES
from retail_lakehouse.sources.crm.generator import generate

SOURCE = Source(
    name=SOURCE_NAME,
    description=(
        "The sales & marketing CRM of a US consumer-electronics retailer (2018-2020), in the"
        " layout of Databricks' retail-org dataset: customer versions (SCD2 input with loyalty"
        " segments), denormalised sales lines and orders with JSON products, promotions and"
        " clicks."
    ),
    tables=TABLES,
    generate=generate,
)

__all__ = ["SOURCE", "TABLES", "generate"]
