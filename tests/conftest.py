"""Shared fixtures: a lakehouse in tmp_path and helpers to write landing files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from retail_lakehouse.engines import Engine, open_engine
from retail_lakehouse.storage import Lakehouse

OR_HEADER = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country"


@pytest.fixture
def lakehouse(tmp_path: Path) -> Lakehouse:
    return Lakehouse(tmp_path / "lakehouse")


@pytest.fixture
def duckdb_engine(lakehouse: Lakehouse) -> Iterator[Engine]:
    engine = open_engine("duckdb", lakehouse)
    yield engine
    engine.close()


def write_landing(lakehouse: Lakehouse, source: str, name: str, content: str | bytes) -> Path:
    """Drops a file into ``landing/<source>/`` and returns its path."""
    folder = lakehouse.home / "landing" / source
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def online_retail_csv(*lines: str) -> str:
    return "\n".join([OR_HEADER, *lines]) + "\n"
