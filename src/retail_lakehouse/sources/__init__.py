"""Source systems: file contracts and demo-data generators, one sub-package per source."""

from __future__ import annotations

from importlib import import_module

from retail_lakehouse.errors import ConfigError
from retail_lakehouse.sources.contract import Scale, Source, TableContract

SOURCE_NAMES = ("online_retail", "contoso", "olist", "shopmetrics", "crm")


def get_source(name: str) -> Source:
    """The source called ``name``; raises a ConfigError listing the known ones."""
    if name not in SOURCE_NAMES:
        raise ConfigError(f"unknown source {name!r}: use one of {', '.join(SOURCE_NAMES)}.")
    source: Source = import_module(f"retail_lakehouse.sources.{name}").SOURCE
    return source


def all_sources() -> list[Source]:
    return [get_source(name) for name in SOURCE_NAMES]


def contract_for_bronze(table_name: str) -> TableContract | None:
    """The contract whose bronze table is ``table_name`` (``olist_orders``), if any."""
    for source in all_sources():
        for contract in source.tables:
            if contract.bronze_table == table_name:
                return contract
    return None


__all__ = [
    "SOURCE_NAMES",
    "Scale",
    "Source",
    "TableContract",
    "all_sources",
    "contract_for_bronze",
    "get_source",
]
