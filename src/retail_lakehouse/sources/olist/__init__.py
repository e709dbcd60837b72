"""Olist: the Brazilian e-commerce marketplace dataset published on Kaggle (nine CSV files)."""

from __future__ import annotations

from retail_lakehouse.sources.contract import Source
from retail_lakehouse.sources.olist.contract import TABLES
from retail_lakehouse.sources.olist.generator import generate

SOURCE = Source(
    name="olist",
    description=(
        "Brazilian marketplace orders 2016-2018 as published by Olist on Kaggle: orders, "
        "items, payments, reviews, customers, sellers, products, category translations and "
        "zip-prefix geolocation."
    ),
    tables=TABLES,
    generate=generate,
)

__all__ = ["SOURCE", "TABLES", "generate"]
