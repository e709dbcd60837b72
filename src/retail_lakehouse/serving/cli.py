"""``lakehouse tables | describe | docs | maintain | serve``: the catalog and upkeep commands.

Mounted on the main CLI with::

    from retail_lakehouse.serving import cli as serving_cli
    for name in ("tables", "describe", "docs", "maintain", "serve"):
        app.command(name)(getattr(serving_cli, name))
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from retail_lakehouse.checks import damaged, damaged_tables
from retail_lakehouse.errors import ConfigError, TablesDamaged
from retail_lakehouse.runner.project import Project
from retail_lakehouse.serving.catalog import catalog, table_doc
from retail_lakehouse.serving.maintain import DEFAULT_RETENTION_HOURS, maintain_lakehouse
from retail_lakehouse.serving.publish import publish_serving_db
from retail_lakehouse.serving.site import write_docs
from retail_lakehouse.settings import Settings
from retail_lakehouse.storage import Lakehouse, TableRef


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 120)


def tables(
    layer: Annotated[
        str | None, typer.Option(help="Only this layer (silver or gold); default both.")
    ] = None,
) -> None:
    """List silver and gold tables with row counts and descriptions (a damaged table is
    listed as such, and its repair printed after the list)."""
    settings = Settings.from_env()
    layers = (layer,) if layer else ("silver", "gold")
    if layer not in (None, "silver", "gold"):
        raise ConfigError(f"--layer {layer!r} is not silver or gold.")
    lakehouse = Lakehouse(settings.home)
    broken = damaged_tables(lakehouse, layers)
    docs = catalog(Project.load(), lakehouse, layers=layers, unreadable=set(broken))
    out = Table()
    for column in ("table", "rows", "grain", "description"):
        out.add_column(column, justify="right" if column == "rows" else "left")
    for doc in docs:
        if doc.materialized == "union":
            continue
        rows = "not built" if doc.rows is None else f"{doc.rows:,}"
        rows = "damaged" if doc.ref in broken else rows
        first = doc.description.split(". ")[0]
        first = first if len(first) <= 100 else first[:99] + "…"
        out.add_row(str(doc.ref), rows, doc.grain, first)
    _console().print(out)
    if broken:
        raise TablesDamaged([damaged(lakehouse, ref, why) for ref, why in broken.items()])


def describe(
    table: Annotated[str, typer.Argument(metavar="TABLE", help="A table, e.g. gold.sales_daily.")],
) -> None:
    """Show a table's columns (type, description), grain, key, owner and lineage."""
    settings = Settings.from_env()
    ref = TableRef.parse(table)
    project = Project.load()
    lakehouse = Lakehouse(settings.home)
    if ref not in project.models and not lakehouse.exists(ref):
        raise ConfigError(f"no table {ref}: `lakehouse tables` lists them.")
    doc = table_doc(project, lakehouse, ref)
    console = _console()
    console.print(
        f"[bold]{doc.ref}[/] ({doc.materialized})  rows: {doc.rows if doc.stored else 'not built'}"
    )
    console.print(doc.description)
    console.print(
        f"grain: {doc.grain or '–'}   key: {', '.join(doc.unique_key) or '–'}   "
        f"owner: {doc.owner or '–'}"
    )
    out = Table()
    for column in ("column", "type", "description"):
        out.add_column(column)
    for c in doc.columns:
        out.add_row(c.name, c.type, c.description or "[red]undocumented[/]")
    console.print(out)
    console.print(f"upstream:   {', '.join(doc.upstream) or '–'}")
    console.print(f"downstream: {', '.join(doc.downstream) or '–'}")


def docs(
    out: Annotated[Path, typer.Option(help="Folder to write index.html into.")] = Path("catalog"),
) -> None:
    """Write a self-contained HTML catalog: tables, columns, owners, lineage, KPI and RFM."""
    settings = Settings.from_env()
    path = write_docs(Project.load(), Lakehouse(settings.home), out)
    typer.echo(f"catalog: {path}")


def maintain(
    retention_hours: Annotated[
        int, typer.Option(help="Keep files needed by versions this recent (default 7 days).")
    ] = DEFAULT_RETENTION_HOURS,
) -> None:
    """Compact small files and vacuum unreferenced ones in every table (not during a run)."""
    settings = Settings.from_env()
    results = maintain_lakehouse(Lakehouse(settings.home), retention_hours=retention_hours)
    out = Table(title=f"maintained {len(results)} tables (retention {retention_hours} h)")
    for column in ("table", "files compacted", "files written", "files vacuumed", "version"):
        out.add_column(column, justify="left" if column == "table" else "right")
    for r in results:
        out.add_row(
            r.table, str(r.files_removed), str(r.files_added), str(r.files_vacuumed), str(r.version)
        )
    _console().print(out)


def serve() -> None:
    """Bring $LAKEHOUSE_HOME/serve/lakehouse.duckdb up to date with gold (runs do it too)."""
    settings = Settings.from_env()
    path = publish_serving_db(Lakehouse(settings.home))
    typer.echo(f"served: {path} (open read-only: duckdb.connect(path, read_only=True))")
