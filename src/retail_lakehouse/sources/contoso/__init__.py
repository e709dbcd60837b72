"""Contoso Data Generator V2 table set (sql-bi/Contoso-Data-Generator-V2 CSV output) for a
European fashion retailer, plus a daily inventory snapshot."""

from __future__ import annotations

from retail_lakehouse.sources.contoso.contract import TABLES
from retail_lakehouse.sources.contoso.generator import generate
from retail_lakehouse.sources.contract import Source

SOURCE = Source(
    name="contoso",
    description=(
        "Contoso Data Generator V2 CSV tables (sales, orders, orderrows, customer, product, "
        "store, currencyexchange, date) of a European fashion retailer with stores in six "
        "countries and an online shop, plus inventory.csv (daily stock of best sellers)."
    ),
    tables=TABLES,
    generate=generate,
    extra_generate_options=("start", "end"),
)

__all__ = ["SOURCE", "TABLES", "generate"]
