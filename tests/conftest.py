"""Shared fixtures: a lakehouse in tmp_path and helpers to write landing files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from retail_lakehouse.engines import Engine, open_engine
from retail_lakehouse.storage import Lakehouse

# CI explores the same examples on every run (a red build is then reproducible locally with
# CI=1); developers' runs stay random and keep searching new inputs.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

OR_HEADER = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country"


@pytest.fixture
def lakehouse(tmp_path: Path) -> Lakehouse:
    return Lakehouse(tmp_path / "lakehouse")


@pytest.fixture
def duckdb_engine(lakehouse: Lakehouse) -> Iterator[Engine]:
    engine = open_engine("duckdb", lakehouse)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def sail_remote() -> Iterator[str]:
    """One local Sail (Spark Connect) server for the whole test session."""
    from pysail.spark import SparkConnectServer

    server = SparkConnectServer(ip="127.0.0.1", port=0)
    server.start(background=True)
    host, port = server.listening_address
    yield f"sc://{host}:{port}"
    server.stop()


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest, lakehouse: Lakehouse) -> Iterator[Engine]:
    """Each engine in turn, over the same kind of lakehouse (behaviour must match)."""
    remote = request.getfixturevalue("sail_remote") if request.param == "spark" else None
    opened = open_engine(request.param, lakehouse, spark_remote=remote)
    yield opened
    opened.close()


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
