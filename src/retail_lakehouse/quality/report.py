"""What ``lakehouse dq`` shows: pass rates, failing rules with samples, trends, quality score.

Read from ``ops.dq_results`` (one row per expectation per build), ``ops.dq_tables`` (one row
per table per build) and ``ops.runs`` (model time).

Definitions (also in docs/quality.md):

- **pass rate** of a table in a run = expectations that passed / expectations evaluated.
- **valid record**: a row of the build that fails no row-level check (not_null,
  accepted_values, range, regex, like, expression) and no relationships check, and was not
  quarantined. Rows removed by a named drop rule (exact duplicates) are accounted in the row
  ledger, not here. Table-level checks (unique, row counts, freshness, distributions, sql)
  judge the table, not rows, and do not enter the score.
- **quality score** of a layer in a run = Σ valid records / Σ records checked over the
  layer's tables evaluated in that run (tables that were up to date are not re-checked and
  do not count). 1.0 when every record checked is valid.
- **DQ share** of a table = seconds spent evaluating its expectations / seconds of its build.

>>> quality_score(rows_valid=950, rows_checked=1000)
0.95
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retail_lakehouse import ops
from retail_lakehouse.errors import ConfigError
from retail_lakehouse.storage import Lakehouse

LAST_RUNS = 10


def quality_score(*, rows_valid: int, rows_checked: int) -> float:
    """Share of valid records (1.0 for nothing checked: no record is known to be bad)."""
    return rows_valid / rows_checked if rows_checked else 1.0


@dataclass(frozen=True)
class TableStatus:
    """One table's DQ verdicts in one run."""

    table_name: str
    layer: str
    run_id: str
    checked_at: dt.datetime
    checks: int
    passed: int
    rows_checked: int | None = None
    rows_valid: int | None = None
    dq_seconds: float | None = None
    model_seconds: float | None = None

    @property
    def pass_rate(self) -> float:
        return self.passed / self.checks if self.checks else 1.0

    @property
    def valid_share(self) -> float | None:
        if self.rows_checked is None or self.rows_valid is None:
            return None
        return quality_score(rows_valid=self.rows_valid, rows_checked=self.rows_checked)

    @property
    def dq_share(self) -> float | None:
        if not self.dq_seconds or not self.model_seconds:
            return None
        return self.dq_seconds / self.model_seconds


@dataclass(frozen=True)
class FailingRule:
    table_name: str
    run_id: str
    expectation: str
    kind: str
    severity: str
    failing_rows: int
    rows_checked: int | None
    observed: str
    why: str
    sample: list[dict[str, Any]]


@dataclass(frozen=True)
class LayerScore:
    run_id: str
    layer: str
    rows_checked: int
    rows_valid: int
    tables: int

    @property
    def score(self) -> float:
        return quality_score(rows_valid=self.rows_valid, rows_checked=self.rows_checked)


@dataclass
class DqReport:
    run_id: str | None
    """The run shown, or None for each table's latest evaluation."""
    tables: list[TableStatus]
    failing: list[FailingRule]
    trends: dict[str, list[TableStatus]] = field(default_factory=dict)
    """Per table, its evaluations in the last runs, oldest first."""
    scores: list[LayerScore] = field(default_factory=list)
    """Quality score per layer for the last runs, oldest run first."""


def table_statuses(
    results: Iterable[Mapping[str, Any]],
    tables: Iterable[Mapping[str, Any]] = (),
    runs: Iterable[Mapping[str, Any]] = (),
) -> list[TableStatus]:
    """One :class:`TableStatus` per (run, table) found in ``ops.dq_results`` rows."""
    grouped: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for row in results:
        grouped[(row["run_id"], row["table_name"])].append(row)
    summaries = {(t["run_id"], t["table_name"]): t for t in tables}
    durations = {(r["run_id"], r["table_name"]): r.get("duration_s") for r in runs}
    statuses = []
    for key, rows in grouped.items():
        summary = summaries.get(key, {})
        run_id, table_name = key
        statuses.append(
            TableStatus(
                table_name=table_name,
                layer=table_name.partition(".")[0],
                run_id=run_id,
                checked_at=max(r["checked_at"] for r in rows),
                checks=len(rows),
                passed=sum(1 for r in rows if r["passed"]),
                rows_checked=summary.get("rows_checked"),
                rows_valid=summary.get("rows_valid"),
                dq_seconds=summary.get("dq_seconds"),
                model_seconds=durations.get(key),
            )
        )
    return sorted(statuses, key=lambda s: (s.checked_at, s.table_name))


def layer_scores(tables: Iterable[Mapping[str, Any]]) -> list[LayerScore]:
    """Quality score per (run, layer) from ``ops.dq_tables`` rows, oldest run first."""
    totals: dict[tuple[str, str], list[int]] = {}
    first_seen: dict[str, dt.datetime] = {}
    for row in tables:
        key = (row["run_id"], row["layer"])
        total = totals.setdefault(key, [0, 0, 0])
        total[0] += int(row["rows_checked"] or 0)
        total[1] += int(row["rows_valid"] or 0)
        total[2] += 1
        seen = first_seen.get(row["run_id"])
        first_seen[row["run_id"]] = min(seen, row["checked_at"]) if seen else row["checked_at"]
    return [
        LayerScore(run_id, layer, checked, valid, n)
        for (run_id, layer), (checked, valid, n) in sorted(
            totals.items(), key=lambda item: (first_seen[item[0][0]], item[0][1])
        )
    ]


def failing_rules(results: Iterable[Mapping[str, Any]]) -> list[FailingRule]:
    rules = []
    for row in results:
        if row["passed"]:
            continue
        rules.append(
            FailingRule(
                table_name=row["table_name"],
                run_id=row["run_id"],
                expectation=row["expectation"],
                kind=row.get("kind") or "",
                severity=row["severity"],
                failing_rows=int(row["failing_rows"]),
                rows_checked=row.get("rows_checked"),
                observed=row.get("observed") or "",
                why=row.get("why") or "",
                sample=json.loads(row["sample"] or "[]"),
            )
        )
    order = {"fail": 0, "quarantine": 1, "warn": 2}
    return sorted(rules, key=lambda r: (order.get(r.severity, 3), r.table_name, r.expectation))


def dq_report(
    lakehouse: Lakehouse,
    *,
    run_id: str | None = None,
    table: str | None = None,
    last: int = LAST_RUNS,
) -> DqReport:
    """The DQ picture of one run (``run_id``) or, by default, of each table's latest
    evaluation; ``table`` narrows it to one table. Trends and scores cover ``last`` runs."""
    results = ops.read(lakehouse, "dq_results").to_pylist()
    summaries = ops.read(lakehouse, "dq_tables").to_pylist()
    runs = ops.read(lakehouse, "runs").to_pylist()
    if table is not None:
        known = sorted({r["table_name"] for r in results})
        if table not in known:
            raise ConfigError(
                f"no DQ results for {table!r}; tables with results: {', '.join(known) or 'none'}."
            )
        results = [r for r in results if r["table_name"] == table]
        summaries = [s for s in summaries if s["table_name"] == table]
    statuses = table_statuses(results, summaries, runs)
    if run_id is not None:
        shown = [s for s in statuses if s.run_id == run_id]
        if not shown:
            recent = sorted({s.run_id for s in statuses})[-5:]
            raise ConfigError(
                f"run {run_id!r} has no DQ results; recent runs: {', '.join(recent) or 'none'}."
            )
    else:
        latest: dict[str, TableStatus] = {}
        for status in statuses:  # oldest first: the last one wins
            latest[status.table_name] = status
        shown = sorted(latest.values(), key=lambda s: s.table_name)
    shown_keys = {(s.run_id, s.table_name) for s in shown}
    failing = failing_rules(r for r in results if (r["run_id"], r["table_name"]) in shown_keys)
    trends: dict[str, list[TableStatus]] = defaultdict(list)
    for status in statuses:
        trends[status.table_name].append(status)
    scores = layer_scores(summaries)
    recent_runs = list(dict.fromkeys(s.run_id for s in scores))[-last:]
    return DqReport(
        run_id=run_id,
        tables=sorted(shown, key=lambda s: (s.layer, s.table_name)),
        failing=failing,
        trends={t: trends[t][-last:] for t in sorted({s.table_name for s in shown})},
        scores=[s for s in scores if s.run_id in recent_runs],
    )


# --- HTML -----------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1d2330}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #dde}
table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.25rem .6rem;text-align:left;
vertical-align:top;border-bottom:1px solid #eef}th{background:#f4f6fa}td.n{text-align:right;
font-variant-numeric:tabular-nums}.ok{color:#11772d}.bad{color:#b3261e;font-weight:600}
.warn{color:#9a6700}.muted{color:#667}code{font-size:12px}details{margin:.2rem 0}
table.sample td,table.sample th{font-size:12px;padding:.1rem .4rem}
"""


def sparkline_svg(values: Sequence[float], *, width: int = 120, height: int = 24) -> str:
    """An inline SVG line of ``values`` in [0, 1] (1 at the top), no script, no external file."""
    if not values:
        return ""
    pad = 3
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = [
        (pad + i * step, pad + (1 - min(max(v, 0.0), 1.0)) * (height - 2 * pad))
        for i, v in enumerate(values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    last_x, last_y = points[-1]
    colour = "#11772d" if values[-1] >= 0.999 else "#b3261e"
    title = html.escape(" → ".join(f"{v:.1%}" for v in values))
    return (
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img"><title>{title}</title>'
        f'<polyline fill="none" stroke="#5b6b8c" stroke-width="1.5" points="{path}"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" fill="{colour}"/></svg>'
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _num(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _rate_class(value: float | None) -> str:
    if value is None:
        return "muted"
    return "ok" if value >= 0.999 else "bad"


def _sample_table(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return ""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row.get(c)))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return f'<table class="sample"><tr>{head}</tr>{body}</table>'


def render_html(report: DqReport, *, generated_at: dt.datetime | None = None) -> str:
    """A self-contained HTML page: inline CSS and SVG, no script, no external resource."""
    e = html.escape
    when = (generated_at or ops.utc_now()).strftime("%Y-%m-%d %H:%M UTC")
    scope = f"run {report.run_id}" if report.run_id else "latest evaluation of each table"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>retail-lakehouse data quality</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Data quality</h1>",
        f"<p class='muted'>{e(scope)} · generated {e(when)}</p>",
    ]
    by_layer: dict[str, list[LayerScore]] = defaultdict(list)
    for score in report.scores:
        by_layer[score.layer].append(score)
    parts.append("<h2>Quality score per layer</h2>")
    parts.append(
        "<p class='muted'>Share of valid records: rows failing no row-level or relationships "
        "check and not quarantined, over rows checked, in the tables evaluated in a run.</p>"
    )
    parts.append(
        "<table><tr><th>layer</th><th>last run</th><th>records checked</th>"
        "<th>valid</th><th>score</th><th>trend</th></tr>"
    )
    for layer, scores in sorted(by_layer.items()):
        last = scores[-1]
        parts.append(
            f"<tr><td>{e(layer)}</td><td><code>{e(last.run_id)}</code></td>"
            f"<td class='n'>{_num(last.rows_checked)}</td>"
            f"<td class='n'>{_num(last.rows_valid)}</td>"
            f"<td class='n {_rate_class(last.score)}'>{_pct(last.score)}</td>"
            f"<td>{sparkline_svg([s.score for s in scores])}</td></tr>"
        )
    parts.append("</table>")
    parts.append("<h2>Tables</h2>")
    parts.append(
        "<table><tr><th>table</th><th>run</th><th>checks passed</th><th>pass rate</th>"
        "<th>valid records</th><th>DQ s</th><th>DQ share of build</th>"
        "<th>pass-rate trend</th></tr>"
    )
    for t in report.tables:
        trend = [s.pass_rate for s in report.trends.get(t.table_name, [])]
        parts.append(
            f"<tr><td>{e(t.table_name)}</td><td><code>{e(t.run_id)}</code></td>"
            f"<td class='n'>{t.passed}/{t.checks}</td>"
            f"<td class='n {_rate_class(t.pass_rate)}'>{_pct(t.pass_rate)}</td>"
            f"<td class='n {_rate_class(t.valid_share)}'>{_pct(t.valid_share)}</td>"
            f"<td class='n'>{_num(t.dq_seconds, 3)}</td><td class='n'>{_pct(t.dq_share)}</td>"
            f"<td>{sparkline_svg(trend)}</td></tr>"
        )
    parts.append("</table>")
    parts.append(f"<h2>Failing rules ({len(report.failing)})</h2>")
    if not report.failing:
        parts.append("<p class='ok'>Every expectation passed.</p>")
    else:
        parts.append(
            "<table><tr><th>table</th><th>rule</th><th>severity</th><th>failing</th>"
            "<th>why it matters</th><th>observed and sample</th></tr>"
        )
        for rule in report.failing:
            css = "bad" if rule.severity == "fail" else "warn"
            parts.append(
                f"<tr><td>{e(rule.table_name)}</td><td><code>{e(rule.expectation)}</code>"
                f"<br><span class='muted'>{e(rule.kind)}</span></td>"
                f"<td class='{css}'>{e(rule.severity)}</td>"
                f"<td class='n'>{_num(rule.failing_rows)}</td><td>{e(rule.why)}</td>"
                f"<td><code>{e(rule.observed)}</code><details><summary>sample</summary>"
                f"{_sample_table(rule.sample)}</details></td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html_report(
    lakehouse: Lakehouse,
    path: Path,
    *,
    run_id: str | None = None,
    table: str | None = None,
    last: int = LAST_RUNS,
) -> Path:
    """Writes the DQ report as one self-contained HTML file (no CDN, no script) to ``path``."""
    report = dq_report(lakehouse, run_id=run_id, table=table, last=last)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path
