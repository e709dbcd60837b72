"""Every source's files load into bronze with exactly their data lines, and nothing else."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from retail_lakehouse import ops
from retail_lakehouse.bronze.ingest import ingest_landing
from retail_lakehouse.bronze.readers import decode_text
from retail_lakehouse.checks import check_lakehouse
from retail_lakehouse.sources import SOURCE_NAMES, Scale, get_source
from retail_lakehouse.storage import Lakehouse, TableRef


def data_lines(path: Path) -> int:
    """Rows of a CSV file counted by the standard library (header excluded)."""
    text, _ = decode_text(path.read_bytes())
    return sum(1 for row in csv.reader(io.StringIO(text, newline="")) if row) - 1


@pytest.mark.parametrize("name", [n for n in SOURCE_NAMES if n != "online_retail"])
def test_generated_files_load_with_exact_row_counts(name: str, lakehouse: Lakehouse) -> None:
    source = get_source(name)
    paths = source.generate(lakehouse.home / "landing" / name, scale=Scale.small, seed=5)
    report = ingest_landing(lakehouse, lakehouse.home / "landing", [source], run_id="r1")
    assert {f["status"] for f in report.files} == {"loaded"}, report.files
    assert report.quarantined == 0
    expected: dict[str, int] = {}
    for path in paths:
        contract = source.table_for(path)
        assert contract is not None, path
        expected[contract.bronze_table] = expected.get(contract.bronze_table, 0) + data_lines(path)
    actual = {t: lakehouse.count(TableRef("bronze", t)) for t in expected}
    assert actual == expected
    assert check_lakehouse(lakehouse) == []


def test_every_table_has_a_bronze_name_of_source_and_table() -> None:
    names = {t.bronze_table for n in SOURCE_NAMES for t in get_source(n).tables}
    assert {
        "olist_orders",
        "olist_order_items",
        "olist_product_category_name_translation",
        "contoso_sales",
        "contoso_currencyexchange",
        "shopmetrics_customers",
        "crm_sales_orders",
        "online_retail_transactions",
    } <= names


def test_ingest_log_has_one_row_per_file_seen(lakehouse: Lakehouse) -> None:
    source = get_source("crm")
    source.generate(lakehouse.home / "landing" / "crm", scale=Scale.small, seed=1)
    ingest_landing(lakehouse, lakehouse.home / "landing", [source], run_id="r1")
    ingest_landing(lakehouse, lakehouse.home / "landing", [source], run_id="r2")
    log = ops.read(lakehouse, "ingest_log").to_pylist()
    assert sorted((r["run_id"], r["status"]) for r in log) == [
        ("r1", "loaded"),
        ("r1", "loaded"),
        ("r1", "loaded"),
        ("r2", "skipped_duplicate"),
        ("r2", "skipped_duplicate"),
        ("r2", "skipped_duplicate"),
    ]
