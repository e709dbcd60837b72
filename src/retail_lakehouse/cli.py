"""``lakehouse`` command line: parse, call, print. All logic lives in the modules it calls.

Start-up is kept small (``lakehouse --help`` and ``lakehouse sql`` answer in ≈ 0.3 s): DuckDB,
delta-rs, pyarrow, SQLGlot and the runner are imported inside the commands that use them, and
a test checks that importing this module loads none of them.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from retail_lakehouse import __version__
from retail_lakehouse.errors import LakehouseError, TablesDamaged
from retail_lakehouse.settings import Settings
from retail_lakehouse.sources import SOURCE_NAMES, Scale, get_source
from retail_lakehouse.terminal import format_value, is_numeric_type, safe, visible

if TYPE_CHECKING:
    from rich.console import Console

    from retail_lakehouse.engines import Engine
    from retail_lakehouse.engines.sandbox import QueryResult
    from retail_lakehouse.runner.run import RunReport
    from retail_lakehouse.storage import Lakehouse, TableRef


class EngineName(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class FileFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


def show_version(value: bool) -> None:
    if value:
        console().print(f"retail-lakehouse {__version__}")
        raise typer.Exit()


app = typer.Typer(
    help=(
        "retail-lakehouse: a medallion lakehouse (landing → bronze → silver → gold) on Delta "
        "Lake, run on DuckDB or on Spark Connect. The lakehouse lives in $LAKEHOUSE_HOME "
        "(default ./lakehouse)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Click's plain help: Typer's Rich help imports Markdown and Rich (~160 ms of a 350 ms
    # `--help`; issue 17 asks for 300 ms). Commands still print with Rich.
    rich_markup_mode=None,
    context_settings={"max_content_width": 100},
)


@app.callback()
def options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """retail-lakehouse: landing → bronze → silver → gold Delta tables on DuckDB or Spark."""


@cache
def console() -> Console:
    """Rich's console for results, made on first use: ``--help`` never loads Rich."""
    return _console(stderr=False)


@cache
def errors() -> Console:
    """Rich's console for messages and errors (standard error)."""
    return _console(stderr=True)


def _console(*, stderr: bool) -> Console:
    from rich.console import Console

    # Piped output (CI logs, `| less`) gets a width that fits table names instead of 80
    # columns. Messages are never wrapped (an error is one line, whatever its length) and
    # emoji codes are not replaced (a file called `:fire:.csv` is printed as it is named).
    stream = sys.stderr if stderr else sys.stdout
    return Console(
        stderr=stderr, width=None if stream.isatty() else 120, soft_wrap=True, emoji=False
    )


@contextmanager
def engine_for(
    settings: Settings, name: str, lakehouse: Lakehouse | None = None
) -> Iterator[Engine]:
    from retail_lakehouse.engines import open_engine
    from retail_lakehouse.storage import Lakehouse

    engine = open_engine(
        name,
        lakehouse or Lakehouse(settings.home),
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
        FileFormat,
        typer.Option("--format", help="online_retail: csv (Kaggle export) or xlsx (UCI)."),
    ] = FileFormat.csv,
) -> None:
    """Write demo files of a source into $LAKEHOUSE_HOME/landing/<source>/.

    Files follow each source's published layout, so the pipeline treats them exactly like
    real deliveries. The same seed always writes the same bytes.
    """
    settings = Settings.from_env()
    names = SOURCE_NAMES if source == "all" else (source,)
    for name in names:
        get_source(name)  # an unknown name fails before any file is written
    options: dict[str, dict[str, Any]] = {
        "shopmetrics": {"batches": batches},
        "online_retail": {"fmt": file_format.value},
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
        with console().status(f"generating {name} ({scale.value})..."):
            paths = src.generate(
                settings.landing / name, scale=scale, seed=seed, **(options or {}).get(name, {})
            )
        console().print(
            f"[green]✓[/] {name}: {len(paths)} file(s) in {safe(settings.landing / name)} "
            f"({time.perf_counter() - started:.1f}s)"
        )


@app.command()
def run(
    engine: Annotated[
        EngineName | None,
        typer.Option(
            help="duckdb (embedded) or spark (Spark Connect); default $LAKEHOUSE_ENGINE or duckdb."
        ),
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
    engine_name = engine.value if engine else settings.engine
    report = execute_run(settings, engine_name, select, full_refresh, skip_ingest)
    print_run(report)
    if report.failed:
        raise typer.Exit(1)


def execute_run(
    settings: Settings, engine_name: str, select: str | None, full_refresh: bool, skip_ingest: bool
) -> RunReport:
    from retail_lakehouse import ops
    from retail_lakehouse.bronze.ingest import IngestOptions
    from retail_lakehouse.logs import JsonLog
    from retail_lakehouse.progress import progress_display
    from retail_lakehouse.runner.run import run_pipeline
    from retail_lakehouse.sources import all_sources
    from retail_lakehouse.storage import Lakehouse

    settings.check_writable()
    run_id = ops.new_run_id()
    lakehouse = Lakehouse(settings.home)
    refuse_damaged_tables(lakehouse, select, full_refresh, run_id)
    log = JsonLog(settings.home / "ops" / "logs", run_id)
    with (
        engine_for(settings, engine_name, lakehouse) as engine,
        progress_display(console()) as progress,
        ctrl_c_seen() as interrupted,
    ):
        task = progress.add_task("ingesting landing files", total=None)

        def on_event(kind: str, data: dict[str, Any]) -> None:
            if interrupted.is_set():
                # Ctrl-C reached a DuckDB query, which stopped it as a failed model: stop the
                # run here, between two commits, as for a Ctrl-C anywhere else.
                raise KeyboardInterrupt
            log.event(kind, data)
            if kind == "ingest_file":
                progress.update(task, description=f"ingesting {safe(data['message'])}")
            elif kind == "models_start":
                progress.update(
                    task, description="building models", total=data["count"], completed=0
                )
            elif kind == "model_done":
                progress.update(task, advance=1, description=f"built {safe(data['table_name'])}")

        report = run_pipeline(
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
        if interrupted.is_set():  # e.g. during the serving file's DuckDB queries
            raise KeyboardInterrupt
        return report


@contextmanager
def ctrl_c_seen() -> Iterator[threading.Event]:
    """Ctrl-C raises KeyboardInterrupt as usual and is also remembered: a DuckDB query turns
    the KeyboardInterrupt into its own error (the model is recorded as failed, the run goes
    on), so the run checks the event after each step and stops there."""
    seen = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield seen
        return

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        seen.set()
        signal.default_int_handler(signum, frame)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)


def refuse_damaged_tables(
    lakehouse: Lakehouse, select: str | None, full_refresh: bool, run_id: str
) -> None:
    """A table that cannot be read (a commit file missing or garbled, a data file missing
    or cut short) stops the run before it starts, with ``lakehouse check``'s line naming it
    and its repair: a full refresh selecting it, which this run then is. A table whose log
    cannot be opened is then moved aside (as ``<layer>/.<table>.damaged-<run_id>``, kept for
    inspection) so it can be rebuilt: bronze from landing, silver and gold from their inputs.

    Reads each table's log (the engine reads it next, from the same cache) and its data
    files' footers: a fraction of a second on the demo lakehouse.
    """
    from retail_lakehouse.checks import damaged, damaged_tables, log_damage

    broken = damaged_tables(lakehouse)
    if not broken:
        return
    rebuilt = selected_for_rebuild(lakehouse, select) if full_refresh else set()
    left = [damaged(lakehouse, ref, why) for ref, why in broken.items() if ref not in rebuilt]
    if left:
        raise TablesDamaged(left)
    for ref in broken:
        if log_damage(lakehouse, ref) is not None:  # else the rebuild overwrites it
            path = lakehouse.path(ref)
            path.rename(path.with_name(f".{path.name}.damaged-{run_id}"))


def selected_for_rebuild(lakehouse: Lakehouse, select: str | None) -> set[TableRef]:
    """The tables a ``--full-refresh`` run with this ``--select`` rewrites from scratch."""
    from retail_lakehouse.runner.project import DEFAULT_MODELS_DIR, Project
    from retail_lakehouse.runner.run import split_bronze_selectors
    from retail_lakehouse.storage import TableRef

    bronze_tokens, model_select = split_bronze_selectors(select)
    chosen = {TableRef.parse(token.strip("+")) for token in bronze_tokens}
    if model_select or not bronze_tokens:
        project = Project.load(
            DEFAULT_MODELS_DIR, cache=lakehouse.home / "_tmp" / "sql-tables.json"
        )
        chosen |= {model.ref for model in project.select(model_select)}
    return chosen


def print_run(report: RunReport) -> None:
    from rich.table import Table
    from rich.text import Text

    if report.ingest is not None:
        ing = report.ingest
        others = ", ".join(
            f"{ing.count(status)} {status}"
            for status in ("skipped", "waiting", "removed")
            if ing.count(status)
        )
        console().print(
            f"ingest: {ing.count('loaded')} file(s) loaded ({ing.rows:,} rows, "
            f"{ing.quarantined:,} quarantined), {ing.count('skipped_duplicate')} already "
            f"loaded, {ing.count('rejected')} rejected" + (f", {others}" if others else "")
        )
        for f in ing.files:
            if f["status"] == "rejected":
                errors().print(f"[red]rejected[/] {safe(f['file'])}: {safe(f['message'])}")
            elif f["status"] == "waiting" or (f["status"] == "loaded" and f.get("message")):
                # still being written; or loaded with a caveat (dates read month first, a
                # corrected re-delivery replacing an earlier version)
                label = "waiting" if f["status"] == "waiting" else "note"
                errors().print(f"[yellow]{label}[/] {safe(f['file'])}: {safe(f['message'])}")
        if ing.count("skipped"):
            console().print(
                '  skipped files and why: lakehouse sql "select file, message from '
                "ops.ingest_log where status = 'skipped'\""
            )
        if ing.quarantined:
            console().print(
                "  quarantined rows, with file, line and reason: lakehouse sql "
                '"select _source_file, _source_line, _rule, _reason from ops.quarantine"'
            )
    table = Table(
        title=f"run {safe(report.run_id)} on {safe(report.engine)} ({report.seconds:.1f}s)"
    )
    for column in ("model", "status", "rows in", "rows out", "version", "seconds"):
        table.add_column(column, justify="right" if column not in ("model", "status") else "left")
    for m in report.models:
        colour = {"success": "green", "up_to_date": "dim", "failed": "red"}.get(
            m["status"], "yellow"
        )
        table.add_row(
            Text(visible(m["table_name"])),
            Text(visible(m["status"]), style=colour),
            fmt(m["rows_in"]),
            fmt(m["rows_out"]),
            fmt(m["delta_version"]),
            f"{m['duration_s']:.2f}",
        )
    console().print(table)
    for m in report.failed:
        errors().print(f"[red]failed[/] {safe(m['table_name'])}: {safe(m['message'])}")


def fmt(value: Any) -> str:
    return "" if value is None else f"{value:,}"


@app.command()
def demo(
    engine: Annotated[
        EngineName, typer.Option(help="duckdb (embedded) or spark (Spark Connect).")
    ] = EngineName.duckdb,
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 42,
) -> None:
    """Generate small demo data for every source, run the pipeline, and show what appeared."""
    settings = Settings.from_env()
    started = time.perf_counter()
    generate_sources(settings, SOURCE_NAMES, scale=Scale.small, seed=seed)
    report = execute_run(settings, engine.value, None, False, False)
    print_run(report)
    print_tables(settings)
    console().print(
        f"\n[bold]Done in {time.perf_counter() - started:.1f}s.[/] "
        f"Lakehouse: {safe(settings.home)}\n"
        '  query it:  lakehouse sql "select * from gold.sales_daily order by date desc limit 10"\n'
        "  check it:  lakehouse check   (data quality: lakehouse dq)\n"
        "  browse it: lakehouse tables, lakehouse describe gold.customer_360, lakehouse docs\n"
        f"  BI tools:  {safe(settings.home / 'serve' / 'lakehouse.duckdb')} (DuckDB, read-only)\n"
        f"  logs:      {safe(settings.home / 'ops' / 'logs')}"
    )
    if report.failed:
        raise typer.Exit(1)


def print_tables(settings: Settings) -> None:
    from rich.table import Table
    from rich.text import Text

    from retail_lakehouse.storage import Lakehouse

    lakehouse = Lakehouse(settings.home)
    refs = lakehouse.tables()
    if not refs:
        console().print(
            f"no tables in {safe(settings.home)} yet: run `lakehouse run` (or `lakehouse demo`)."
        )
        return
    table = Table(title="tables")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("version", justify="right")
    table.add_column("path")
    for ref in refs:
        table.add_row(
            str(ref),
            f"{lakehouse.count(ref):,}",
            str(lakehouse.version(ref)),
            Text(visible(lakehouse.path(ref))),
        )
    console().print(table)


@app.command()
def sql(
    query: Annotated[
        str,
        typer.Argument(
            metavar="QUERY", help="One SELECT over bronze.*, silver.*, gold.*, ops.* tables."
        ),
    ],
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            help="table (aligned, for reading), csv (header + rows) or json (one array).",
        ),
    ] = OutputFormat.table,
    limit: Annotated[
        int | None,
        typer.Option(
            min=0,
            show_default="100 for table, all rows for csv and json",
            help="At most this many rows; applied inside the query, so it stays cheap.",
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(
            min=0.001,
            envvar="LAKEHOUSE_SQL_TIMEOUT",
            help="Seconds the query may run before it is stopped.",
        ),
    ] = 60.0,
    memory_limit: Annotated[
        str,
        typer.Option(
            envvar="LAKEHOUSE_SQL_MEMORY_LIMIT",
            help="Memory the query may use (e.g. 512MB, 2GB); past it the query stops.",
        ),
    ] = "1GB",
) -> None:
    """Query the lakehouse with DuckDB SQL, read-only.

    One SELECT over the tables it names; no file, directory or network access.
    Stopped past --timeout or --memory-limit. Piped output keeps every value whole.
    """
    from retail_lakehouse.engines.sandbox import QueryLimits, sandboxed_query
    from retail_lakehouse.storage import Lakehouse

    settings = Settings.from_env()
    limits = QueryLimits(timeout_s=timeout, memory_limit=memory_limit)
    shown = limit if limit is not None else (100 if output is OutputFormat.table else None)
    # One row past the limit tells the table view whether rows were left out.
    max_rows = shown + 1 if output is OutputFormat.table and shown is not None else shown
    with sandboxed_query(
        Lakehouse(settings.home), query, max_rows=max_rows, limits=limits
    ) as result:
        if output is OutputFormat.json:
            write_json(result)
        elif output is OutputFormat.csv:
            write_csv(result)
        else:
            print_result(result, shown)


def write_json(result: QueryResult) -> None:
    """One JSON array of objects, written a batch at a time."""
    out = sys.stdout
    out.write("[")
    first = True
    for batch in result.batches:
        for row in batch:
            out.write(
                ("" if first else ",\n")
                + json.dumps(
                    dict(zip(result.columns, row, strict=True)), default=str, ensure_ascii=False
                )
            )
            first = False
    out.write("]\n")


def write_csv(result: QueryResult) -> None:
    """RFC 4180 CSV: a header line, then every value whole (floats at full precision)."""
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(result.columns)
    for batch in result.batches:
        writer.writerows(batch)


def print_result(result: QueryResult, shown: int | None) -> None:
    """An aligned table: numbers right-aligned, NULL spelled out, control characters
    visible. On a terminal long values are cut to fit; piped, every value is whole."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rows = [row for batch in result.batches for row in batch]
    more = shown is not None and len(rows) > shown
    rows = rows[:shown] if more else rows
    table = Table()
    for name, kind in zip(result.columns, result.types, strict=True):
        table.add_column(Text(visible(name)), justify="right" if is_numeric_type(kind) else "left")
    for row in rows:
        table.add_row(*(Text(format_value(v)) for v in row))
    target = console()
    if not console().is_terminal:
        # Rich cuts cells to the console width (`gros…`); piped output gets the width the
        # table needs instead.
        width = console().measure(table, options=console().options.update(width=10**6)).maximum
        target = Console(width=max(width, 20), emoji=False, highlight=False)
    target.print(table)
    if more:
        console().print(f"(first {shown} rows shown; use --limit N or --format csv for more)")


@app.command()
def sources(
    source: Annotated[
        str | None,
        typer.Argument(
            metavar="[SOURCE]", help=f"One of {', '.join(SOURCE_NAMES)}; all when omitted."
        ),
    ] = None,
) -> None:
    """Show what each source's files must look like: names, columns, types, keys.

    Drop files matching these contracts into $LAKEHOUSE_HOME/landing/<source>/.
    """
    from rich.table import Table
    from rich.text import Text

    names = SOURCE_NAMES if source is None else (source,)
    for name in names:
        src = get_source(name)
        console().rule(f"[bold]{name}[/] — {src.description}")
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
                    Text(visible(c.source_header + aliases)),
                    c.name,
                    c.type,
                    "yes" if c.required else "no",
                    "yes" if c.nullable else "no",
                )
            console().print(table)
            if contract.keys:
                console().print(f"  keys: {', '.join(contract.keys)}")


@app.command()
def check() -> None:
    """Verify row conservation and `fail` expectations; exit 1 and say why if violated."""
    from retail_lakehouse import checks
    from retail_lakehouse.storage import Lakehouse

    settings = Settings.from_env()
    with between_runs(settings.home):
        problems = checks.check_lakehouse(Lakehouse(settings.home))
    if problems:
        for p in problems:
            errors().print(f"[red]✗[/] {safe(p)}")
        raise typer.Exit(1)
    console().print("[green]✓[/] row conservation holds and no `fail` expectation failed")


@contextmanager
def between_runs(home: Path) -> Iterator[None]:
    """Holds the run lock (waiting for a run in progress to end first), so what is read is
    the lakehouse between two runs, never a run's half-committed tables. A home that does
    not exist or cannot be written is read as it is."""
    from retail_lakehouse.runner.lock import RunInProgress, run_lock

    held = ExitStack()
    told = False
    while home.is_dir():
        try:
            held.enter_context(run_lock(home))
            break
        except RunInProgress:
            if not told:
                errors().print(
                    f"[yellow]waiting:[/] a run is working on {safe(home)}; checking once it "
                    "has finished (Ctrl-C stops)"
                )
                told = True
            time.sleep(0.2)
        except OSError:  # a read-only lakehouse: no run can be writing it either
            break
    with held:
        yield


#: Commands that live beside their logic, imported only when run (keeps --help fast):
#: name → (module, attribute: a command function or a Typer app, one-line help).
EXTENSIONS: dict[str, tuple[str, str, str]] = {
    "dq": (
        "retail_lakehouse.quality.cli",
        "dq",
        "Data quality: pass rate per table, failing rules with samples, trends, quality score"
        " per layer; --html writes a self-contained report.",
    ),
    "tables": (
        "retail_lakehouse.serving.cli",
        "tables",
        "List silver and gold tables with row counts and descriptions.",
    ),
    "describe": (
        "retail_lakehouse.serving.cli",
        "describe",
        "Show a table's columns (type, description), grain, key, owner and lineage.",
    ),
    "docs": (
        "retail_lakehouse.serving.cli",
        "docs",
        "Write a self-contained HTML catalog: tables, columns, owners, lineage, KPI and RFM.",
    ),
    "maintain": (
        "retail_lakehouse.serving.cli",
        "maintain",
        "Compact small files and vacuum unreferenced ones in every table (not during a run).",
    ),
    "serve": (
        "retail_lakehouse.serving.cli",
        "serve",
        "(Re)write $LAKEHOUSE_HOME/serve/lakehouse.duckdb with every gold table.",
    ),
    "broker": (
        "retail_lakehouse.streaming.cli",
        "broker_command",
        "Run a local Kafka-compatible broker (Tansu) on loopback until stopped.",
    ),
    "stream": (
        "retail_lakehouse.streaming.cli",
        "stream_app",
        "Clickstream: `stream produce` events to Kafka, `stream consume` them into the "
        "lakehouse exactly once.",
    ),
}


def run_extension(name: str, args: list[str]) -> None:
    """Imports an extension command and runs it with the arguments given after its name."""
    import importlib

    import typer.main

    module, attribute, _help = EXTENSIONS[name]
    target = getattr(importlib.import_module(module), attribute)
    if not isinstance(target, typer.Typer):
        single = typer.Typer(
            add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None
        )
        single.command(name)(target)
        target = single
    typer.main.get_command(target).main(args=args, prog_name=f"lakehouse {name}")


def mount_extensions() -> None:
    for name, (_module, _attribute, help_text) in EXTENSIONS.items():

        def stub(ctx: typer.Context, _name: str = name) -> None:
            run_extension(_name, list(ctx.args))

        app.command(
            name,
            help=help_text,
            context_settings={
                "allow_extra_args": True,
                "ignore_unknown_options": True,
                "help_option_names": [],
            },
            add_help_option=False,
        )(stub)


mount_extensions()


def main() -> None:
    """Entry point: errors become one line and an exit code (LAKEHOUSE_DEBUG=1 shows more).

    Exit codes: 0 done, 1 a check or model failed, 2 a usage or lakehouse error (the line
    says what to do), 3 an unexpected error, 130 interrupted (Ctrl-C).
    """
    try:
        app()
    except SystemExit as exc:
        # Typer turns Ctrl-C inside a command into exit 130 without a word.
        if exc.code == 130:
            print_interrupted()
        raise
    except KeyboardInterrupt:
        print_interrupted()
        sys.exit(130)
    except TablesDamaged as exc:
        for problem in exc.problems:
            errors().print(f"[red]error:[/] {safe(problem)}")
        sys.exit(exc.exit_code)
    except LakehouseError as exc:
        errors().print(f"[red]error:[/] {safe(exc)}")
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        # `lakehouse sql ... | head`: the reader has what it wanted.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except Exception as exc:
        if os.environ.get("LAKEHOUSE_DEBUG"):
            raise
        damage = damaged_tables()
        if damage:  # the likely cause: say which table and how to repair it
            for problem in damage:
                errors().print(f"[red]error:[/] {safe(problem)}")
            sys.exit(2)
        errors().print(
            f"[red]unexpected error:[/] {safe(type(exc).__name__)}: {safe(exc)}\n"
            "Re-run with LAKEHOUSE_DEBUG=1 for the traceback, and please report it."
        )
        sys.exit(3)


def damaged_tables() -> list[str]:
    """``lakehouse check``'s line for each table of $LAKEHOUSE_HOME that cannot be read."""
    try:
        from retail_lakehouse.checks import damaged, damaged_tables
        from retail_lakehouse.storage import Lakehouse

        lakehouse = Lakehouse(Settings.from_env().home)
        return [damaged(lakehouse, ref, why) for ref, why in damaged_tables(lakehouse).items()]
    except Exception:  # the diagnosis must not hide the error it explains
        return []


def print_interrupted() -> None:
    errors().print(
        "[yellow]interrupted:[/] stopped; every table write is one Delta commit, so nothing is "
        "half-written. Run the command again to finish."
    )


if __name__ == "__main__":
    main()
