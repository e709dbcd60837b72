"""ShopMetrics: an online shop's customer, product and order exports, snapshot then deltas."""

from retail_lakehouse.sources.contract import Source
from retail_lakehouse.sources.shopmetrics.contract import SOURCE_NAME, TABLES
from retail_lakehouse.sources.shopmetrics.generator import generate

SOURCE = Source(
    name=SOURCE_NAME,
    description=(
        "ShopMetrics Inc., a US-based online shop selling worldwide in USD: customers (SCD2),"
        " products (SCD1) and orders with status transitions, as a historical batch followed"
        " by weekly delta batches."
    ),
    tables=TABLES,
    generate=generate,
    extra_generate_options=("batches",),
)

__all__ = ["SOURCE", "TABLES", "generate"]
