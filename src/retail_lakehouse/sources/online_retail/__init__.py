"""Online Retail II (UCI): a UK online gift retailer's invoice lines, 2009-12 to 2011-12."""

from __future__ import annotations

from retail_lakehouse.sources.contract import Source
from retail_lakehouse.sources.online_retail.contract import TABLES
from retail_lakehouse.sources.online_retail.generator import generate

SOURCE = Source(
    name="online_retail",
    description=(
        "UCI Online Retail II: invoice lines of a UK-based online gift retailer, delivered as "
        "online_retail_II.xlsx (two sheets) or as its CSV export."
    ),
    tables=TABLES,
    generate=generate,
)

__all__ = ["SOURCE", "TABLES", "generate"]
