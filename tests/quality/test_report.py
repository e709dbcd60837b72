"""``lakehouse dq``: pass rates, failing rules with samples, trends, the quality score, HTML."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from retail_lakehouse import ops
from retail_lakehouse.errors import ConfigError
from retail_lakehouse.quality.cli import dq, spark_text
from retail_lakehouse.quality.report import dq_report, layer_scores, write_html_report
from retail_lakehouse.storage import Lakehouse

UTC = dt.UTC


def at(day: int) -> dt.datetime:
    return dt.datetime(2024, 1, day, tzinfo=UTC)


def result(run: str, day: int, table: str, name: str, passed: bool, n: int = 0) -> dict[str, Any]:
    return ops.dq_result(
        run_id=run,
        table_name=table,
        expectation=name,
        kind=name.partition(":")[0],
        severity="fail",
        failing_rows=n,
        passed=passed,
        rows_checked=100,
        why="an order line is counted once" if name.startswith("unique") else "",
        sample='[{"order_line_key": "ol-7", "duplicates": 2}]' if not passed else "[]",
        checked_at=at(day),
    )


def summary(run: str, day: int, table: str, checked: int, valid: int) -> dict[str, Any]:
    return ops.dq_table(
        run_id=run,
        table_name=table,
        rows_checked=checked,
        rows_valid=valid,
        rows_quarantined=0,
        checks=2,
        checks_failed=0,
        dq_seconds=0.5,
        checked_at=at(day),
    )


@pytest.fixture
def history(lakehouse: Lakehouse) -> Lakehouse:
    """Two runs: r1 all good; r2 a duplicate order line in silver and 10 invalid gold rows."""
    fol, sd = "silver.fact_order_line", "gold.sales_daily"
    ops.append(
        lakehouse,
        "dq_results",
        [
            result("r1", 1, fol, "unique:order_line_key", True),
            result("r1", 1, fol, "not_null:order_line_key", True),
            result("r1", 1, sd, "not_null:date", True),
            result("r2", 2, fol, "unique:order_line_key", False, 1),
            result("r2", 2, fol, "not_null:order_line_key", True),
            result("r2", 2, sd, "not_null:date", False, 10),
        ],
    )
    ops.append(
        lakehouse,
        "dq_tables",
        [
            summary("r1", 1, fol, 900, 900),
            summary("r1", 1, sd, 100, 100),
            summary("r2", 2, fol, 1000, 1000),
            summary("r2", 2, sd, 100, 90),
        ],
    )
    ops.append(
        lakehouse,
        "runs",
        [{"run_id": "r2", "table_name": fol, "status": "failed", "duration_s": 2.0}],
    )
    return lakehouse


def test_report_shows_pass_rate_per_table_and_failing_rules_with_samples(
    history: Lakehouse,
) -> None:
    report = dq_report(history)
    rates = {t.table_name: (t.passed, t.checks, t.pass_rate) for t in report.tables}
    assert rates == {"gold.sales_daily": (0, 1, 0.0), "silver.fact_order_line": (1, 2, 0.5)}
    [fol] = [t for t in report.tables if t.table_name == "silver.fact_order_line"]
    assert fol.dq_share == 0.25  # 0.5 s of DQ in a 2 s build
    failing = {(r.table_name, r.expectation, r.failing_rows) for r in report.failing}
    assert failing == {
        ("gold.sales_daily", "not_null:date", 10),
        ("silver.fact_order_line", "unique:order_line_key", 1),
    }
    [dup] = [r for r in report.failing if r.kind == "unique"]
    assert dup.sample == [{"order_line_key": "ol-7", "duplicates": 2}]
    assert dup.why == "an order line is counted once"


def test_trend_lists_each_tables_pass_rate_over_the_runs(history: Lakehouse) -> None:
    report = dq_report(history, table="silver.fact_order_line")
    assert [(s.run_id, s.pass_rate) for s in report.trends["silver.fact_order_line"]] == [
        ("r1", 1.0),
        ("r2", 0.5),
    ]


def test_quality_score_is_valid_records_over_records_checked_per_layer_and_run(
    history: Lakehouse,
) -> None:
    scores = {(s.run_id, s.layer): s.score for s in dq_report(history).scores}
    assert scores == {
        ("r1", "gold"): 1.0,
        ("r1", "silver"): 1.0,
        ("r2", "gold"): 0.9,  # 90 valid of 100
        ("r2", "silver"): 1.0,  # a duplicated key is a table-level failure, not an invalid row
    }


def test_layer_score_sums_rows_over_the_layers_tables() -> None:
    rows = [summary("r1", 1, "silver.a", 300, 270), summary("r1", 1, "silver.b", 700, 700)]
    [score] = layer_scores(rows)
    assert (score.rows_checked, score.rows_valid, score.score) == (1000, 970, 0.97)


def test_run_option_shows_that_run_only(history: Lakehouse) -> None:
    report = dq_report(history, run_id="r1")
    assert {t.run_id for t in report.tables} == {"r1"}
    assert report.failing == []


def test_unknown_run_or_table_is_an_error_listing_what_exists(history: Lakehouse) -> None:
    with pytest.raises(ConfigError, match="recent runs: r1, r2"):
        dq_report(history, run_id="r9")
    with pytest.raises(ConfigError, match=r"tables with results: gold\.sales_daily"):
        dq_report(history, table="silver.fact_order")


def test_html_report_is_self_contained_and_holds_the_tables(
    history: Lakehouse, tmp_path: Path
) -> None:
    page = write_html_report(history, tmp_path / "dq.html").read_text()
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"<link[^>]*\bhref=", page)
    assert "http://" not in page and "https://" not in page
    assert "<svg" in page and "<style>" in page
    for text in ("silver.fact_order_line", "gold.sales_daily", "unique:order_line_key", "ol-7"):
        assert text in page
    assert "90.0%" in page  # gold's score in r2


def test_html_escapes_sample_values(lakehouse: Lakehouse, tmp_path: Path) -> None:
    row = result("r1", 1, "silver.x", "not_null:a", False, 1)
    row["sample"] = '[{"a": "<script>alert(1)</script>"}]'
    ops.append(lakehouse, "dq_results", [row])
    page = write_html_report(lakehouse, tmp_path / "dq.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_dq_command_prints_failing_rules_and_writes_html(
    history: Lakehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer

    app = typer.Typer()
    app.command("dq")(dq)
    app.command("noop")(lambda: None)  # a second command keeps `dq` a subcommand
    monkeypatch.setenv("LAKEHOUSE_HOME", str(history.home))
    out = CliRunner().invoke(app, ["dq", "--html", str(tmp_path / "r.html")])
    assert out.exit_code == 0, out.output
    assert "unique:order_line_key" in out.output
    assert "ol-7" in out.output
    assert (tmp_path / "r.html").exists()


def test_text_sparkline_runs_from_empty_to_full_bar() -> None:
    assert spark_text([0.0, 0.5, 1.0]) == "▁▅█"
