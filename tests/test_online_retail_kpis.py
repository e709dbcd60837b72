"""Gold KPIs equal an independent computation from the raw generated file (CSV and XLSX)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from retail_lakehouse.bronze.readers import cell_text
from retail_lakehouse.checks import check_lakehouse
from retail_lakehouse.engines import Engine
from retail_lakehouse.sources import Scale
from retail_lakehouse.sources.online_retail.generator import generate
from retail_lakehouse.storage import Lakehouse, TableRef
from tests.compare import assert_same_rows
from tests.independent import daily_totals, raw_lines_from_csv
from tests.pipeline import run


def raw_lines(path: Path) -> list[tuple[str, ...]]:
    if path.suffix == ".csv":
        return raw_lines_from_csv(path)
    book = CalamineWorkbook.from_path(str(path))
    lines = []
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        lines += [tuple(cell_text(v) for v in row) for row in rows[1:]]
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_sales_daily_matches_the_raw_file(
    fmt: str, lakehouse: Lakehouse, duckdb_engine: Engine
) -> None:
    [path] = generate(
        lakehouse.home / "landing" / "online_retail", scale=Scale.small, seed=7, fmt=fmt
    )  # type: ignore[arg-type]
    run(duckdb_engine)
    # Days whose only lines are postage, fees or adjustments have no sales_daily row.
    expected = {d: t for d, t in daily_totals(raw_lines(path)).items() if t.orders or t.returns}
    gold = lakehouse.read(TableRef("gold", "sales_daily")).to_pylist()
    actual: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in gold:
        day = actual[str(row["date"])]
        for column in ("orders", "units", "gross_revenue_local", "returns_local"):
            day[column] += float(row[column] or 0)
    assert set(actual) == set(expected)
    for date, totals in expected.items():
        got = actual[date]
        assert got["orders"] == len(totals.orders), date
        assert got["units"] == totals.units, date
        assert got["gross_revenue_local"] == pytest.approx(totals.gross, rel=1e-9), date
        assert got["returns_local"] == pytest.approx(totals.returns, rel=1e-9, abs=1e-9), date
    buyers = {c for t in expected.values() for c in t.customers}
    c360 = lakehouse.read(TableRef("gold", "customer_360")).to_pylist()
    assert {str(r["customer_key"]).split(":")[1] for r in c360 if r["frequency"]} == buyers
    assert check_lakehouse(lakehouse) == []


@pytest.mark.slow
def test_csv_and_xlsx_of_the_same_data_give_the_same_gold(tmp_path: Path) -> None:
    from retail_lakehouse.engines import open_engine

    gold = {}
    for fmt in ("csv", "xlsx"):
        lakehouse = Lakehouse(tmp_path / fmt)
        generate(lakehouse.home / "landing" / "online_retail", scale=Scale.small, seed=3, fmt=fmt)  # type: ignore[arg-type]
        engine = open_engine("duckdb", lakehouse)
        try:
            run(engine)
        finally:
            engine.close()
        gold[fmt] = lakehouse.read(TableRef("gold", "sales_daily")).sort_by(
            [("date", "ascending"), ("country_code", "ascending")]
        )
    # _ingested_at says when each lakehouse loaded its file: the only column that may differ.
    same = {fmt: t.drop_columns(["_ingested_at"]) for fmt, t in gold.items()}
    assert_same_rows(same["csv"], same["xlsx"], name="gold.sales_daily")
