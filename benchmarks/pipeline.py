"""``make bench``: rows/s per layer on DuckDB and Spark (Sail), and bronze ingest per source.

Three sections, all on generated data in throw-away lakehouses under a temp dir:

1. **pipeline** — for each scale, the Online Retail II slice: generate (timed apart), ingest
   to bronze once (delta-rs, engine-independent), then for each engine a copy of that
   lakehouse builds silver and gold. Rows/s of a layer = rows written by its models / the
   sum of their build seconds (from the run report). The spark/duckdb time ratio per layer
   compares the engines on the same bronze, measured in the same process.
2. **re-run** — a second ``run`` (ingest + models) with unchanged inputs must be a no-op:
   no file loaded, every model ``up_to_date``, no bronze/silver/gold version moved.
3. **sources** — each source generated at full scale and ingested alone to bronze.

Every figure is also written as JSON (``benchmarks/.results/<timestamp>.json`` by default).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from retail_lakehouse import ops
from retail_lakehouse.bronze.ingest import IngestReport, ingest_landing
from retail_lakehouse.engines import Engine, open_engine
from retail_lakehouse.progress import progress_display
from retail_lakehouse.runner.run import RunReport, run_pipeline
from retail_lakehouse.sources import SOURCE_NAMES, Scale, all_sources, get_source
from retail_lakehouse.storage import Lakehouse

PIPELINE_SOURCE = "online_retail"
ENGINE_NAMES = ("duckdb", "spark")
MODEL_LAYERS = ("silver", "gold")
DATA_LAYERS = ("bronze", "silver", "gold")
RESULTS_DIR = Path(__file__).resolve().parent / ".results"

#: Wide tables when piped (rich would otherwise wrap them at 80 columns).
console = Console() if sys.stdout.isatty() or "COLUMNS" in os.environ else Console(width=150)


# --------------------------------------------------------------------------- results


@dataclass
class IngestFigures:
    """One timed bronze ingest."""

    source: str
    scale: str
    generate_s: float
    landing_files: int
    landing_bytes: int
    files_loaded: int
    files_rejected: int
    rows: int
    quarantined: int
    seconds: float

    @property
    def rows_per_s(self) -> float:
        return per_second(self.rows, self.seconds)


@dataclass
class LayerFigures:
    layer: str
    models: int
    rows: int
    seconds: float
    failed: list[str] = field(default_factory=list)

    @property
    def rows_per_s(self) -> float:
        return per_second(self.rows, self.seconds)


@dataclass
class RerunFigures:
    seconds: float
    noop: bool
    problems: list[str]


@dataclass
class EngineFigures:
    engine: str
    start_s: float
    models_wall_s: float
    layers: dict[str, LayerFigures]
    models: list[dict[str, Any]]
    rerun: RerunFigures | None = None
    error: str | None = None


@dataclass
class ScaleFigures:
    scale: str
    bronze: IngestFigures
    engines: dict[str, EngineFigures] = field(default_factory=dict)

    def ratio(self, layer: str, num: str = "spark", den: str = "duckdb") -> float | None:
        """Seconds on ``num`` / seconds on ``den`` for one layer (None when not comparable)."""
        a, b = self.engines.get(num), self.engines.get(den)
        if a is None or b is None or a.error or b.error:
            return None
        la, lb = a.layers.get(layer), b.layers.get(layer)
        if la is None or lb is None or la.failed or lb.failed or lb.seconds <= 0:
            return None
        return la.seconds / lb.seconds


def per_second(rows: int, seconds: float) -> float:
    return rows / seconds if seconds > 0 else 0.0


# --------------------------------------------------------------------------- helpers


def progress_bar(description: str) -> Progress:
    """A transient progress display; when output is not a terminal, one line per step instead."""
    if not console.is_terminal:
        console.print(f"[dim]{time.strftime('%H:%M:%S')} {description}...[/]")
    return progress_display(console)


@contextmanager
def step(description: str) -> Iterator[Progress]:
    """A transient spinner with elapsed time for one long step."""
    with progress_bar(description) as progress:
        progress.add_task(description, total=None)
        yield progress


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def generate_and_ingest(home: Path, source_name: str, scale: Scale, seed: int) -> IngestFigures:
    """Generates one source into ``home``'s landing folder, then times its bronze ingest."""
    source = get_source(source_name)
    landing = home / "landing"
    with step(f"generating {source_name} ({scale.value})"):
        clock = time.perf_counter()
        source.generate(landing / source_name, scale=scale, seed=seed)
        generate_s = time.perf_counter() - clock
    files, size = folder_size(landing / source_name)
    lakehouse = Lakehouse(home)
    with progress_bar(f"ingesting {source_name} ({scale.value})") as progress:
        task = progress.add_task(f"ingesting {source_name} ({scale.value})", total=files)

        def on_file(message: str) -> None:
            progress.update(task, description=f"ingesting {message}")
            progress.advance(task)

        clock = time.perf_counter()
        report: IngestReport = ingest_landing(
            lakehouse, landing, [source], run_id=ops.new_run_id(), progress=on_file
        )
        seconds = time.perf_counter() - clock
    for f in report.files:
        if f["status"] == "rejected":
            console.print(f"[red]rejected[/] {f['file']}: {f['message']}")
    return IngestFigures(
        source=source_name,
        scale=scale.value,
        generate_s=generate_s,
        landing_files=files,
        landing_bytes=size,
        files_loaded=report.count("loaded"),
        files_rejected=report.count("rejected"),
        rows=report.rows,
        quarantined=report.quarantined,
        seconds=seconds,
    )


def data_versions(lakehouse: Lakehouse) -> dict[str, int | None]:
    """Delta version of every bronze, silver and gold table (ops tables always move)."""
    return {
        str(ref): lakehouse.version(ref) for layer in DATA_LAYERS for ref in lakehouse.tables(layer)
    }


def run_models(engine: Engine, landing: Path, *, ingest: bool, label: str) -> RunReport:
    with progress_bar(label) as progress:
        task = progress.add_task(label, total=None)

        def on_event(kind: str, data: dict[str, Any]) -> None:
            if kind == "ingest_file":
                progress.update(task, description=f"{label}: ingesting {data['message']}")
            elif kind == "models_start":
                progress.update(task, total=data["count"], completed=0)
            elif kind == "model_done":
                progress.update(task, advance=1, description=f"{label}: {data['table_name']}")

        return run_pipeline(
            engine,
            all_sources(),
            landing=landing,
            run_id=ops.new_run_id(),
            ingest=ingest,
            on_event=on_event,
        )


def layer_figures(report: RunReport) -> dict[str, LayerFigures]:
    layers: dict[str, LayerFigures] = {}
    for m in report.models:
        layer = str(m["table_name"]).split(".", 1)[0]
        figures = layers.setdefault(layer, LayerFigures(layer, 0, 0, 0.0))
        figures.models += 1
        figures.rows += int(m["rows_out"] or 0)
        figures.seconds += float(m["duration_s"])
        if m["status"] not in ("success", "up_to_date"):
            figures.failed.append(f"{m['table_name']} {m['status']}: {m['message']}")
    return layers


def model_record(m: dict[str, Any]) -> dict[str, Any]:
    keys = ("table_name", "materialized", "status", "rows_in", "rows_out", "duration_s")
    return {**{k: m[k] for k in keys}, "message": str(m["message"])[:500]}


def bench_engine(name: str, home: Path, scale: str) -> EngineFigures:
    """Silver and gold on ``name`` over a lakehouse that already holds bronze, then a re-run."""
    lakehouse = Lakehouse(home)
    landing = home / "landing"
    with step(f"{scale}: starting {name}"):
        clock = time.perf_counter()
        engine = open_engine(name, lakehouse)
        start_s = time.perf_counter() - clock
    try:
        report = run_models(engine, landing, ingest=False, label=f"{scale} on {name}")
        figures = EngineFigures(
            engine=name,
            start_s=start_s,
            models_wall_s=report.seconds,
            layers=layer_figures(report),
            models=[model_record(m) for m in report.models],
        )
        for m in report.failed:
            console.print(f"[red]failed[/] {name} {m['table_name']}: {m['message'][:300]}")
        before = data_versions(lakehouse)
        clock = time.perf_counter()
        again = run_models(engine, landing, ingest=True, label=f"{scale} re-run on {name}")
        seconds = time.perf_counter() - clock
        figures.rerun = RerunFigures(seconds, *noop_problems(again, before, lakehouse))
    finally:
        engine.close()
    return figures


def noop_problems(
    report: RunReport, before: dict[str, int | None], lakehouse: Lakehouse
) -> tuple[bool, list[str]]:
    problems: list[str] = []
    if report.ingest is not None and report.ingest.count("loaded"):
        problems.append(f"{report.ingest.count('loaded')} file(s) loaded again")
    problems += [
        f"{m['table_name']} {m['status']}" for m in report.models if m["status"] != "up_to_date"
    ]
    after = data_versions(lakehouse)
    problems += [
        f"{ref} v{before.get(ref)} → v{version}"
        for ref, version in after.items()
        if before.get(ref) != version
    ]
    return not problems, problems


# --------------------------------------------------------------------------- sections


def bench_pipeline(
    root: Path, scales: Sequence[Scale], engines: Sequence[str], seed: int
) -> list[ScaleFigures]:
    results: list[ScaleFigures] = []
    for scale in scales:
        base = root / f"pipeline-{scale.value}" / "bronze"
        bronze = generate_and_ingest(base, PIPELINE_SOURCE, scale, seed)
        console.print(
            f"[green]✓[/] {scale.value}: generated {PIPELINE_SOURCE} in {bronze.generate_s:.1f}s, "
            f"bronze {bronze.rows:,} rows in {bronze.seconds:.1f}s"
        )
        figures = ScaleFigures(scale.value, bronze)
        for name in engines:
            home = root / f"pipeline-{scale.value}" / name
            shutil.copytree(base, home)
            try:
                figures.engines[name] = bench_engine(name, home, scale.value)
            except Exception as exc:  # one engine failing must not lose the other's figures
                console.print(f"[red]{scale.value} on {name} failed:[/] {exc}")
                figures.engines[name] = EngineFigures(name, 0.0, 0.0, {}, [], error=str(exc))
            finally:
                shutil.rmtree(home, ignore_errors=True)
            done = figures.engines[name]
            if not done.error:
                console.print(
                    f"[green]✓[/] {scale.value} on {name}: models {done.models_wall_s:.1f}s, "
                    f"re-run {done.rerun.seconds if done.rerun else float('nan'):.1f}s"
                )
        shutil.rmtree(base.parent, ignore_errors=True)
        results.append(figures)
        print_scale(figures, engines)
    return results


def bench_sources(root: Path, names: Sequence[str], seed: int) -> list[IngestFigures]:
    results: list[IngestFigures] = []
    for name in names:
        home = root / f"source-{name}"
        try:
            results.append(generate_and_ingest(home, name, Scale.full, seed))
        finally:
            shutil.rmtree(home, ignore_errors=True)
        done = results[-1]
        console.print(
            f"[green]✓[/] {name}: {done.rows:,} rows in {done.seconds:.1f}s "
            f"(generated in {done.generate_s:.1f}s)"
        )
    return results


# --------------------------------------------------------------------------- printing


def num(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def print_scale(figures: ScaleFigures, engines: Sequence[str]) -> None:
    b = figures.bronze
    table = Table(
        title=f"pipeline · {PIPELINE_SOURCE} · {figures.scale} "
        f"(generate {b.generate_s:.1f}s, not counted)",
        caption="bronze: delta-rs ingest, engine-independent, run once and shared by the engines; "
        "ratio = seconds on the last engine / seconds on the first",
    )
    table.add_column("layer")
    table.add_column("models", justify="right")
    table.add_column("rows", justify="right")
    for name in engines:
        table.add_column(f"{name} s", justify="right")
        table.add_column(f"{name} rows/s", justify="right")
    if len(engines) > 1:
        table.add_column(f"{engines[-1]}/{engines[0]}", justify="right")
    shared = [num(b.seconds, 2), num(b.rows_per_s)] * len(engines)
    table.add_row(
        "bronze",
        f"{b.landing_files} file",
        num(b.rows),
        *shared,
        *(["—"] if len(engines) > 1 else []),
    )
    for layer in MODEL_LAYERS:
        cells: list[str] = []
        rows: set[int] = set()
        models = 0
        for name in engines:
            e = figures.engines.get(name)
            lf = e.layers.get(layer) if e and not e.error else None
            if lf is None:
                cells += ["error", ""]
                continue
            rows.add(lf.rows)
            models = lf.models
            mark = " [red](failed)[/]" if lf.failed else ""
            cells += [num(lf.seconds, 2) + mark, num(lf.rows_per_s)]
        if len(engines) > 1:
            ratio = figures.ratio(layer, engines[-1], engines[0])
            cells.append("—" if ratio is None else f"{ratio:.2f}x")
        rows_cell = " / ".join(num(r) for r in sorted(rows)) or "—"
        table.add_row(layer, str(models), rows_cell, *cells)
    console.print(table)

    per_model = Table(title=f"models · {figures.scale} (seconds per model build)")
    per_model.add_column("model")
    per_model.add_column("rows out", justify="right")
    for name in engines:
        per_model.add_column(f"{name} s", justify="right")
        per_model.add_column(f"% of {name} layer", justify="right")
    if len(engines) > 1:
        per_model.add_column(f"{engines[-1]}/{engines[0]}", justify="right")
    by_engine = {
        name: {m["table_name"]: m for m in e.models}
        for name, e in figures.engines.items()
        if not e.error
    }
    order = next((list(v) for v in by_engine.values()), [])
    for model in order:
        seconds: list[float | None] = []
        cells = []
        rows_out = ""
        for name in engines:
            m = by_engine.get(name, {}).get(model)
            if m is None:
                seconds.append(None)
                cells += ["—", ""]
                continue
            rows_out = rows_out or num(int(m["rows_out"] or 0))
            lf = figures.engines[name].layers[model.split(".", 1)[0]]
            seconds.append(float(m["duration_s"]))
            share = 100 * float(m["duration_s"]) / lf.seconds if lf.seconds else 0.0
            status = "" if m["status"] == "success" else f" [red]{m['status']}[/]"
            cells += [num(float(m["duration_s"]), 2) + status, f"{share:.0f}%"]
        if len(engines) > 1:
            a, b2 = seconds[-1], seconds[0]
            cells.append(f"{a / b2:.2f}x" if a is not None and b2 else "—")
        per_model.add_row(model, rows_out, *cells)
    console.print(per_model)


def print_reruns(results: Sequence[ScaleFigures]) -> None:
    table = Table(title="engine start and re-run with unchanged inputs (must be a no-op)")
    for column in ("scale", "engine", "engine start s", "models wall s", "re-run s", "no-op"):
        table.add_column(column, justify="left" if column in ("scale", "engine") else "right")
    for figures in results:
        for e in figures.engines.values():
            if e.error or e.rerun is None:
                table.add_row(figures.scale, e.engine, "", "", "", "[red]error[/]")
                continue
            noop = "[green]yes[/]" if e.rerun.noop else "[red]no: " + "; ".join(e.rerun.problems)
            table.add_row(
                figures.scale,
                e.engine,
                num(e.start_s, 2),
                num(e.models_wall_s, 2),
                num(e.rerun.seconds, 2),
                noop,
            )
    console.print(table)


def print_sources(results: Sequence[IngestFigures]) -> None:
    table = Table(title="bronze ingest per source · full scale (one source per lakehouse)")
    columns = ("source", "files", "MB", "rows", "quarantined", "generate s", "ingest s", "rows/s")
    for column in columns:
        table.add_column(column, justify="left" if column == "source" else "right")
    for r in results:
        files = f"{r.files_loaded}" + (
            f" ({r.files_rejected} rejected)" if r.files_rejected else ""
        )
        table.add_row(
            r.source,
            files,
            num(r.landing_bytes / 1e6, 1),
            num(r.rows),
            num(r.quarantined),
            num(r.generate_s, 1),
            num(r.seconds, 2),
            num(r.rows_per_s),
        )
    console.print(table)


# --------------------------------------------------------------------------- main


def environment() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for package in ("retail-lakehouse", "duckdb", "deltalake", "pyarrow", "pysail", "sqlglot"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "packages": versions,
    }


def to_json(value: Any) -> Any:
    """Dataclasses as dicts, with each ``rows_per_s`` property written out too."""
    if isinstance(value, IngestFigures | LayerFigures):
        return {**asdict(value), "rows_per_s": round(value.rows_per_s, 1)}
    if isinstance(value, ScaleFigures):
        return {
            "scale": value.scale,
            "bronze": to_json(value.bronze),
            "engines": {k: to_json(v) for k, v in value.engines.items()},
            "ratio_spark_over_duckdb": {
                layer: value.ratio(layer) for layer in MODEL_LAYERS if len(value.engines) > 1
            },
        }
    if isinstance(value, EngineFigures):
        return {
            **{k: getattr(value, k) for k in ("engine", "start_s", "models_wall_s", "error")},
            "layers": {k: to_json(v) for k, v in value.layers.items()},
            "models": value.models,
            "rerun": asdict(value.rerun) if value.rerun else None,
        }
    return value


def csv_choice(value: str, allowed: Sequence[str], what: str) -> list[str]:
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(unknown)}: use {', '.join(allowed)}"
        )
    return chosen


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/pipeline.py",
        description="Time bronze/silver/gold (rows/s per layer) on DuckDB and Spark (Sail), "
        "and bronze ingest per source at full scale.",
    )
    scales = [s.value for s in Scale]
    parser.add_argument(
        "--scales",
        default="medium,full",
        type=lambda v: csv_choice(v, scales, "scale"),
        help="Online Retail scales for the pipeline section (comma-separated; '' skips it).",
    )
    parser.add_argument(
        "--engines",
        default="duckdb,spark",
        type=lambda v: csv_choice(v, ENGINE_NAMES, "engine"),
        help="Engines for the silver/gold phase (comma-separated).",
    )
    parser.add_argument(
        "--sources",
        default="all",
        help=f"Sources for the full-scale ingest section: all, none or some of "
        f"{','.join(SOURCE_NAMES)}.",
    )
    parser.add_argument("--seed", type=int, default=42, help="Seed of the generated data.")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON results file (default benchmarks/.results/<timestamp>.json).",
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the temp dir (for looking at the lakehouses)."
    )
    args = parser.parse_args(argv)
    if args.sources == "all":
        args.sources = list(SOURCE_NAMES)
    elif args.sources == "none":
        args.sources = []
    else:
        try:
            args.sources = csv_choice(args.sources, SOURCE_NAMES, "source")
        except argparse.ArgumentTypeError as exc:
            parser.error(str(exc))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started_at = dt.datetime.now(dt.UTC)
    out: Path = args.out or RESULTS_DIR / f"{started_at:%Y%m%dT%H%M%SZ}.json"
    scales = [Scale(s) for s in args.scales]
    root = Path(tempfile.mkdtemp(prefix="lakehouse-bench-"))
    pipeline: list[ScaleFigures] = []
    sources: list[IngestFigures] = []
    clock = time.perf_counter()
    try:
        if scales:
            pipeline = bench_pipeline(root, scales, args.engines, args.seed)
            print_reruns(pipeline)
        if args.sources:
            sources = bench_sources(root, args.sources, args.seed)
            print_sources(sources)
    finally:
        if args.keep:
            console.print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    total = time.perf_counter() - clock
    document = {
        "started_at": started_at.isoformat(),
        "seconds": round(total, 1),
        "argv": sys.argv[1:] if argv is None else list(argv),
        "seed": args.seed,
        "environment": environment(),
        "pipeline": [to_json(f) for f in pipeline],
        "sources": [to_json(s) for s in sources],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    console.print(f"\n[bold]Done in {total:.0f}s.[/] Figures: {out}")
    failed = any(
        e.error or any(lf.failed for lf in e.layers.values())
        for f in pipeline
        for e in f.engines.values()
    )
    not_noop = any(
        e.rerun is not None and not e.rerun.noop for f in pipeline for e in f.engines.values()
    )
    return 1 if failed or not_noop else 0


if __name__ == "__main__":
    sys.exit(main())
