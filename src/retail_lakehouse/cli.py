"""``lakehouse`` command line: parse, call, print. All logic lives in the modules it calls."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from retail_lakehouse import checks, ops
from retail_lakehouse.bronze.ingest import IngestOptions
from retail_lakehouse.engines import Engine, open_engine
from retail_lakehouse.engines.duckdb import DuckDBEngine
from retail_lakehouse.errors import LakehouseError
from retail_lakehouse.logs import JsonLog
from retail_lakehouse.progress import progress_display
from retail_lakehouse.runner.run import RunReport, run_pipeline
from retail_lakehouse.settings import Settings
from retail_lakehouse.sources import SOURCE_NAMES, Scale, all_sources, get_source
from retail_lakehouse.storage import Lakehouse

app = typer.Typer(
    help=(
        "retail-lakehouse: a medallion lakehouse (landing → bronze → silver → gold) on Delta "
        "Lake, run on DuckDB or on Spark Connect. The lakehouse lives in $LAKEHOUSE_HOME "
        "(default ./lakehouse)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped output (CI logs, `| less`) gets a width that fits table names instead of 80 columns.
console = Console(width=None if sys.stdout.isatty() else 120)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


@contextmanager
def engine_for(settings: Settings, name: str) -> Iterator[Engine]:
    engine = open_engine(
        name,
        Lakehouse(settings.home),
        spark_remote=settings.spark_remote,
        memory_limit=settings.memory_limit,
    )
    try:
        yield engine
    finally:
        engine.close()


@app.command()
def generate(
    source: Annotated[
        str, typer.Option(help=f"Source to generate: {', '.join(SOURCE_NAMES)} or all.")
    ] = "all",
    scale: Annotated[
        Scale, typer.Option(help="small ≈ tests, medium ≈ 6x small, full = published size.")
    ] = Scale.small,
    seed: Annotated[int, typer.Option(help="Same seed, same files (byte for byte).")] = 42,
    batches: Annotated[
        int, typer.Option(help="shopmetrics: incremental batches after the historical one.")
    ] = 2,
    file_format: Annotated[
        str, typer.Option("--format", help="online_retail: csv (Kaggle export) or xlsx (UCI).")
    ] = "csv",
) -> None:
    """Write demo files of a source into $LAKEHOUSE_HOME/landing/<source>/.

    Files follow each source's published layout, so the pipeline treats them exactly like
    real deliveries. The same seed always writes the same bytes.
    """
    settings = Settings.from_env()
    names = SOURCE_NAMES if source == "all" else (source,)
    if file_format not in ("csv", "xlsx"):
        raise LakehouseError(f"--format {file_format!r} is not csv or xlsx.")
    options: dict[str, dict[str, Any]] = {
        "shopmetrics": {"batches": batches},
        "online_retail": {"fmt": file_format},
    }
    generate_sources(settings, names, scale=scale, seed=seed, options=options)


def generate_sources(
    settings: Settings,
    names: Sequence[str],
    *,
    scale: Scale,
    seed: int,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Runs each source's generator into its landing folder, one line per source."""
    settings.check_writable()
    for name in names:
        src = get_source(name)
        started = time.perf_counter()
        with console.status(f"generating {name} ({scale.value})..."):
            paths = src.generate(
                settings.landing / name, scale=scale, seed=seed, **(options or {}).get(name, {})
            )
        console.print(
            f"[green]✓[/] {name}: {len(paths)} file(s) in {settings.landing / name} "
            f"({time.perf_counter() - started:.1f}s)"
        )


@app.command()
def run(
    engine: Annotated[
        str | None, typer.Option(help="duckdb (embedded, default) or spark (Spark Connect).")
    ] = None,
    select: Annotated[
        str | None,
        typer.Option(
            help="Models to build: gold.sales_daily, silver.dim_customer+ (and descendants), "
            "+gold.customer_360 (and ancestors), silver.* or gold (a layer)."
        ),
    ] = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild models from scratch (SCD2 history too).")
    ] = False,
    skip_ingest: Annotated[
        bool, typer.Option("--skip-ingest", help="Do not look for new landing files.")
    ] = False,
) -> None:
    """Ingest every new file under landing/, then build silver and gold.

    With --engine spark, SPARK_REMOTE (sc://host:port) is used when set; otherwise a local
    Sail server is started for the run.
    """
    settings = Settings.from_env()
    report = execute_run(settings, engine or settings.engine, select, full_refresh, skip_ingest)
    print_run(report)
    if report.failed:
        raise typer.Exit(1)


def execute_run(
    settings: Settings, engine_name: str, select: str | None, full_refresh: bool, skip_ingest: bool
) -> RunReport:
    settings.check_writable()
    run_id = ops.new_run_id()
    log = JsonLog(settings.home / "ops" / "logs", run_id)
    with (
        engine_for(settings, engine_name) as engine,
        progress_display(console) as progress,
    ):
        task = progress.add_task("ingesting landing files", total=None)

        def on_event(kind: str, data: dict[str, Any]) -> None:
            log.event(kind, data)
            if kind == "ingest_file":
                progress.update(task, description=f"ingesting {data['message']}")
            elif kind == "models_start":
                progress.update(
                    task, description="building models", total=data["count"], completed=0
                )
            elif kind == "model_done":
                progress.update(task, advance=1, description=f"built {data['table_name']}")

        return run_pipeline(
            engine,
            all_sources(),
            landing=settings.landing,
            run_id=run_id,
            select=select,
            full_refresh=full_refresh,
            ingest=not skip_ingest,
            on_event=on_event,
            ingest_options=IngestOptions.from_settings(settings),
        )


def print_run(report: RunReport) -> None:
    if report.ingest is not None:
        ing = report.ingest
        console.print(
            f"ingest: {ing.count('loaded')} file(s) loaded ({ing.rows:,} rows, "
            f"{ing.quarantined:,} quarantined), {ing.count('skipped_duplicate')} already "
            f"loaded, {ing.count('rejected')} rejected"
        )
        for f in ing.files:
            if f["status"] == "rejected":
                errors.print(f"[red]rejected[/] {f['file']}: {f['message']}")
        if ing.quarantined:
            console.print(
                "  quarantined rows, with file, line and reason: lakehouse sql "
                '"select _source_file, _source_line, _rule, _reason from ops.quarantine"'
            )
    table = Table(title=f"run {report.run_id} on {report.engine} ({report.seconds:.1f}s)")
    for column in ("model", "status", "rows in", "rows out", "version", "seconds"):
        table.add_column(column, justify="right" if column not in ("model", "status") else "left")
    for m in report.models:
        colour = {"success": "green", "up_to_date": "dim", "failed": "red"}.get(
            m["status"], "yellow"
        )
        table.add_row(
            m["table_name"],
            f"[{colour}]{m['status']}[/]",
            fmt(m["rows_in"]),
            fmt(m["rows_out"]),
            fmt(m["delta_version"]),
            f"{m['duration_s']:.2f}",
        )
    console.print(table)
    for m in report.failed:
        errors.print(f"[red]failed[/] {m['table_name']}: {m['message']}")


def fmt(value: Any) -> str:
    return "" if value is None else f"{value:,}"


@app.command()
def demo(
    engine: Annotated[str, typer.Option(help="duckdb or spark.")] = "duckdb",
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 42,
) -> None:
    """Generate small demo data for every source, run the pipeline, and show what appeared."""
    settings = Settings.from_env()
    started = time.perf_counter()
    generate_sources(settings, SOURCE_NAMES, scale=Scale.small, seed=seed)
    report = execute_run(settings, engine, None, False, False)
    print_run(report)
    print_tables(Lakehouse(settings.home))
    console.print(
        f"\n[bold]Done in {time.perf_counter() - started:.1f}s.[/] Lakehouse: {settings.home}\n"
        '  query it:  lakehouse sql "select * from gold.sales_daily order by date desc limit 10"\n'
        "  check it:  lakehouse check\n"
        f"  logs:      {settings.home / 'ops' / 'logs'}"
    )
    if report.failed:
        raise typer.Exit(1)


def print_tables(lakehouse: Lakehouse) -> None:
    table = Table(title="tables")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("version", justify="right")
    table.add_column("path")
    for ref in lakehouse.tables():
        table.add_row(
            str(ref),
            f"{lakehouse.count(ref):,}",
            str(lakehouse.version(ref)),
            str(lakehouse.path(ref)),
        )
    console.print(table)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="A SELECT over bronze.*, silver.*, gold.*, ops.*.")],
    format: Annotated[str, typer.Option(help="table, csv or json (one JSON array).")] = "table",
    limit: Annotated[int, typer.Option(help="Rows shown in table format.")] = 100,
) -> None:
    """Query any table of the lakehouse with DuckDB SQL (read-only).

    One SELECT; it sees the lakehouse tables and nothing else (no file or network access).
    """
    settings = Settings.from_env()
    if format not in ("table", "csv", "json"):
        raise LakehouseError(f"--format {format!r} is not one of table, csv, json.")
    engine = DuckDBEngine(Lakehouse(settings.home), sandboxed=True)
    try:
        result = checks.read_only_query(engine, query)
    finally:
        engine.close()
    if format == "json":
        sys.stdout.write(json.dumps(result.to_pylist(), default=str, ensure_ascii=False) + "\n")
    elif format == "csv":
        import pyarrow.csv as pacsv

        sink = sys.stdout.buffer
        pacsv.write_csv(result, sink)
    else:
        table = Table()
        for name in result.column_names:
            table.add_column(name)
        for row in result.slice(0, limit).to_pylist():
            table.add_row(*(fmt_cell(v) for v in row.values()))
        console.print(table)
        if result.num_rows > limit:
            console.print(f"({result.num_rows:,} rows, {limit} shown; use --limit or --format csv)")


def fmt_cell(value: Any) -> str:
    return "NULL" if value is None else str(value)


@app.command()
def sources(
    source: Annotated[
        str | None, typer.Argument(help=f"One of {', '.join(SOURCE_NAMES)}; all when omitted.")
    ] = None,
) -> None:
    """Show what each source's files must look like: names, columns, types, keys.

    Drop files matching these contracts into $LAKEHOUSE_HOME/landing/<source>/.
    """
    names = SOURCE_NAMES if source is None else (source,)
    for name in names:
        src = get_source(name)
        console.rule(f"[bold]{name}[/] — {src.description}")
        for contract in src.tables:
            table = Table(
                title=f"bronze.{contract.bronze_table}  ←  {', '.join(contract.file_patterns)}",
                title_justify="left",
            )
            for column in ("header in the file", "bronze column", "type", "required", "nullable"):
                table.add_column(column)
            for c in contract.columns:
                aliases = f" (or {', '.join(c.aliases)})" if c.aliases else ""
                table.add_row(
                    c.source_header + aliases,
                    c.name,
                    c.type,
                    "yes" if c.required else "no",
                    "yes" if c.nullable else "no",
                )
            console.print(table)
            if contract.keys:
                console.print(f"  keys: {', '.join(contract.keys)}")


@app.command()
def check() -> None:
    """Verify row conservation and `fail` expectations; exit 1 and say why if violated."""
    settings = Settings.from_env()
    lakehouse = Lakehouse(settings.home)
    problems = checks.check_lakehouse(lakehouse)
    if problems:
        for p in problems:
            errors.print(f"[red]✗[/] {p}")
        raise typer.Exit(1)
    console.print("[green]✓[/] row conservation holds and no `fail` expectation failed")


def mount_commands() -> None:
    """Commands that live beside their logic (catalog and upkeep, data quality)."""
    from retail_lakehouse.quality.cli import dq
    from retail_lakehouse.serving import cli as serving_cli
    from retail_lakehouse.streaming.cli import broker_command, stream_app

    app.command("dq")(dq)
    app.command("broker")(broker_command)
    app.add_typer(stream_app, name="stream")
    for name in ("tables", "describe", "docs", "maintain", "serve"):
        app.command(name)(getattr(serving_cli, name))


mount_commands()


def main() -> None:
    """Entry point: errors become one line and an exit code (LAKEHOUSE_DEBUG=1 shows more)."""
    try:
        app()
    except LakehouseError as exc:
        errors.print(f"[red]error:[/] {exc}")
        sys.exit(exc.exit_code)
    except Exception as exc:
        if os.environ.get("LAKEHOUSE_DEBUG"):
            raise
        errors.print(
            f"[red]unexpected error:[/] {type(exc).__name__}: {exc}\n"
            "Re-run with LAKEHOUSE_DEBUG=1 for the traceback, and please report it."
        )
        sys.exit(3)
