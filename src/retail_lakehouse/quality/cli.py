"""``lakehouse dq``: the data-quality report in the terminal, or as one HTML file.

Mounted on the main CLI with ``app.command("dq")(dq)``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from retail_lakehouse.quality.report import LAST_RUNS, DqReport, dq_report, write_html_report
from retail_lakehouse.settings import Settings
from retail_lakehouse.storage import Lakehouse

_BARS = "▁▂▃▄▅▆▇█"


def spark_text(values: list[float]) -> str:
    """A text sparkline of values in [0, 1]: ``▁`` = 0, ``█`` = 1."""
    return "".join(_BARS[round(min(max(v, 0.0), 1.0) * (len(_BARS) - 1))] for v in values)


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def dq(
    run: Annotated[
        str | None, typer.Option("--run", help="A run id; default: each table's latest checks.")
    ] = None,
    table: Annotated[
        str | None, typer.Option("--table", help="One table, e.g. silver.fact_order.")
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Also write a self-contained HTML report to this path."),
    ] = None,
    last: Annotated[int, typer.Option(help="Runs shown in trends and scores.")] = LAST_RUNS,
) -> None:
    """Show data quality: pass rate per table, failing rules with sample rows, trends, and the
    quality score per layer (share of valid records)."""
    settings = Settings.from_env()
    lakehouse = Lakehouse(settings.home)
    report = dq_report(lakehouse, run_id=run, table=table, last=last)
    print_report(report, Console(width=None if sys.stdout.isatty() else 120))
    if html is not None:
        path = write_html_report(lakehouse, html, run_id=run, table=table, last=last)
        typer.echo(f"HTML report: {path}")


def print_report(report: DqReport, console: Console) -> None:
    if not report.tables:
        console.print("no DQ results yet: run `lakehouse run` first")
        return
    scores = Table(title="quality score per layer (share of valid records)")
    for column in ("layer", "last run", "checked", "valid", "score", "trend"):
        scores.add_column(column, justify="left" if column in ("layer", "last run") else "right")
    layers: dict[str, list[float]] = {}
    for s in report.scores:
        layers.setdefault(s.layer, []).append(s.score)
    for layer, values in sorted(layers.items()):
        last = [s for s in report.scores if s.layer == layer][-1]
        scores.add_row(
            layer,
            last.run_id,
            f"{last.rows_checked:,}",
            f"{last.rows_valid:,}",
            pct(last.score),
            spark_text(values),
        )
    console.print(scores)
    tables = Table(title="tables" + (f" in run {report.run_id}" if report.run_id else ""))
    for column in ("table", "run", "passed", "pass rate", "valid rows", "DQ s", "DQ share"):
        tables.add_column(column, justify="left" if column in ("table", "run") else "right")
    tables.add_column("trend")
    for t in report.tables:
        colour = "green" if t.pass_rate >= 0.999 else "red"
        trend = [s.pass_rate for s in report.trends.get(t.table_name, [])]
        tables.add_row(
            t.table_name,
            t.run_id,
            f"{t.passed}/{t.checks}",
            f"[{colour}]{pct(t.pass_rate)}[/]",
            pct(t.valid_share),
            "–" if t.dq_seconds is None else f"{t.dq_seconds:.3f}",
            pct(t.dq_share),
            spark_text(trend),
        )
    console.print(tables)
    if not report.failing:
        console.print("[green]✓[/] every expectation passed")
        return
    for rule in report.failing:
        colour = "red" if rule.severity == "fail" else "yellow"
        console.print(
            f"[{colour}]✗ {rule.severity}[/] {rule.table_name} [bold]{rule.expectation}[/]: "
            f"{rule.failing_rows:,} failing" + (f" — {rule.why}" if rule.why else "")
        )
        if rule.observed:
            console.print(f"    observed: {rule.observed}", markup=False)
        for row in rule.sample[:3]:
            console.print(
                "    " + json.dumps(row, default=str, ensure_ascii=False)[:200], markup=False
            )
