"""``lakehouse docs``: a static, self-contained HTML catalog (inline CSS and SVG, no CDN).

One ``index.html``: the KPI and RFM definitions, the lineage graph drawn from the model DAG
(one column per layer), and every table with its owner, grain, key, columns and lineage.
"""

from __future__ import annotations

import html
from pathlib import Path

from retail_lakehouse.runner.project import Project
from retail_lakehouse.serving.catalog import TableDoc, catalog
from retail_lakehouse.storage import LAYERS, Lakehouse, TableRef

KPI_DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("sale line", "fact_order_line.is_sale: line_type = 'sale', decided per source in staging"),
    ("return", "fact_order_line.is_return: a return line, or a sale whose goods came back"),
    ("GMV / gross revenue", "Σ gross_amount_eur: EUR amount of sale lines, before returns"),
    ("returns", "Σ return_amount_eur (positive)"),
    ("net revenue", "Σ net_amount_eur = gross − returns"),
    ("order", "a distinct order_id with at least one sale line"),
    ("customer", "a distinct known customer_key with a sale line (guests are not customers)"),
    ("AOV", "gross revenue / orders (DOUBLE)"),
    ("gross margin", "GMV of sale lines whose cost is known − Σ cost_amount_eur"),
    ("return rate", "returns / gross revenue"),
    ("as-of date ('today')", "a source's last day with a sale line (gold.int_source_as_of)"),
)
RFM_DEFINITION = (
    "RFM is scored per source only when the source holds at least 90 days of history "
    "(else 'Insufficient history'). Each score 1–5 (5 best) is a rank quintile "
    "1 + floor(5 × (rank − 1) / buyers), ties sharing the lowest rank's score, when the "
    "metric has ≥ 5 distinct values; otherwise fixed thresholds: R ≤30/≤60/≤90/≤180 days → "
    "5/4/3/2 else 1; F = min(orders, 5); M ≤50/≤100/≤250/≤1000 EUR → 1/2/3/4 else 5. "
    "Segments: Champions (R≥4, F≥4), Loyal (R≥3, F≥3), Promising (R≥4), Need Attention "
    "(R=3), Cannot Lose Them (F≥4), At Risk (F≥2), Hibernating; No purchases without a sale."
)
_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-top:1em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}.meta{color:#555}.warn{color:#b00}code{background:#f6f6f6}
nav a{margin-right:.8em}svg text{font-size:11px;font-family:system-ui,sans-serif}
"""
_LAYER_COLOURS = {"bronze": "#e8c39e", "silver": "#d9dde3", "gold": "#f5d76e", "ops": "#ccc"}


def esc(value: object) -> str:
    return html.escape(str(value))


def lineage_svg(project: Project) -> str:
    """The model DAG as an inline SVG: one column per layer, an edge per dependency."""
    nodes: set[TableRef] = set()
    for ref, model in project.models.items():
        if model.source is not None or model.is_union:
            continue  # per-source staging and unions are drawn as their conformed readers
        nodes.add(ref)
        nodes |= {d for d in model.depends_on if d.layer == "bronze"}
    nodes = {n for n in nodes if n.layer != "ops"}
    columns = [sorted(n for n in nodes if n.layer == layer) for layer in LAYERS]
    box_w, box_h, gap_y, col_w = 190, 18, 6, 300
    pos: dict[TableRef, tuple[int, int]] = {}
    for i, col in enumerate(c for c in columns if c):
        for j, ref in enumerate(col):
            pos[ref] = (10 + i * col_w, 30 + j * (box_h + gap_y))
    height = max((y for _, y in pos.values()), default=0) + 40
    width = 10 + len([c for c in columns if c]) * col_w
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">']
    for ref in project.models:
        if ref not in pos:
            continue
        x2, y2 = pos[ref]
        for dep in upstream_nodes(project, ref):
            if dep in pos and dep != ref:
                x1, y1 = pos[dep]
                parts.append(
                    f'<line x1="{x1 + box_w}" y1="{y1 + box_h // 2}" x2="{x2}" '
                    f'y2="{y2 + box_h // 2}" stroke="#999" stroke-width="0.6"/>'
                )
    for ref, (x, y) in pos.items():
        parts.append(
            f'<a href="#{esc(ref)}"><rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" '
            f'rx="3" fill="{_LAYER_COLOURS.get(ref.layer, "#eee")}" stroke="#777"/>'
            f'<text x="{x + 4}" y="{y + 13}">{esc(ref)}</text></a>'
        )
    parts.append("</svg>")
    return "".join(parts)


def upstream_nodes(project: Project, ref: TableRef) -> set[TableRef]:
    """Inputs of a model with staging models and unions replaced by their bronze inputs."""
    found: set[TableRef] = set()
    frontier = list(project.models[ref].depends_on)
    seen: set[TableRef] = set()
    while frontier:
        dep = frontier.pop()
        if dep in seen:
            continue
        seen.add(dep)
        model = project.models.get(dep)
        if model is not None and (model.is_union or model.source is not None):
            frontier.extend(model.depends_on)
        else:
            found.add(dep)
    return found


def table_section(doc: TableDoc) -> str:
    rows = "".join(
        f"<tr><td><code>{esc(c.name)}</code></td><td>{esc(c.type)}</td>"
        f"<td>{esc(c.description) or '<span class=warn>undocumented</span>'}</td></tr>"
        for c in doc.columns
    )
    links = " ".join(f'<a href="#{esc(u)}">{esc(u)}</a>' for u in doc.upstream) or "–"
    readers = " ".join(f'<a href="#{esc(d)}">{esc(d)}</a>' for d in doc.downstream) or "–"
    count = "" if doc.rows is None else f" · {doc.rows:,} rows"
    return (
        f'<h2 id="{esc(doc.ref)}">{esc(doc.ref)}</h2>'
        f'<p class="meta">{esc(doc.materialized)}{count} · owner: {esc(doc.owner or "–")} · '
        f"grain: {esc(doc.grain or '–')} · key: {esc(', '.join(doc.unique_key) or '–')}</p>"
        f"<p>{esc(doc.description)}</p>"
        f"<p class=meta>reads: {links}<br>read by: {readers}</p>"
        f"<table><tr><th>column</th><th>type</th><th>description</th></tr>{rows}</table>"
    )


def write_docs(project: Project, lakehouse: Lakehouse, out_dir: Path) -> Path:
    """Writes ``out_dir/index.html`` (self-contained) and returns its path."""
    docs = catalog(project, lakehouse)
    kpis = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in KPI_DEFINITIONS)
    nav = " ".join(f'<a href="#{esc(d.ref)}">{esc(d.ref)}</a>' for d in docs)
    page = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>retail-lakehouse catalog</title><style>{_CSS}</style></head><body>"
        "<h1>retail-lakehouse data catalog</h1>"
        f"<nav>{nav}</nav><h2>KPI definitions</h2>"
        f"<table><tr><th>term</th><th>definition</th></tr>{kpis}</table>"
        f"<h2>RFM</h2><p>{esc(RFM_DEFINITION)}</p>"
        f"<h2>Lineage</h2>{lineage_svg(project)}"
        + "".join(table_section(d) for d in docs)
        + "</body></html>"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
