"""``make bench`` (second half): raw → gold at 1×, 5× and 10× the Online Retail II data.

For each scale (``full`` = one generated Online Retail II file at ``--scale full``, ≈ 1.07 M
lines; ``5x`` = seeds 1–5; ``10x`` = seeds 1–10, each seed its own landing file):

1. **pipeline** — a fresh lakehouse, ``lakehouse run`` (ingest + every model) in a child
   process: wall time and that child's own peak RSS (``os.wait4``), then ``ops.runs``,
   ``ops.ingest_log`` and the run's JSON log for seconds, rows and rows/s per layer.
2. **yardstick** — a bare DuckDB query (child process) computing the same daily KPIs straight
   from the same CSV files, just before and just after the pipeline; the ratio
   pipeline / yardstick uses their mean, so both sides see the same machine load. Then the
   **floor**: the least a bronze → silver → gold pipeline on this stack does (the CSV rows to
   a bronze Delta table, its distinct rows to silver, the same KPIs to gold; no checks, no
   ledger, no other model), as a ratio to the same yardstick.
3. **incremental** — one more file of ≈ 1 % of the lines (the last lines of another seed,
   invoice numbers rewritten so they are new), ``lakehouse run`` again: wall time, ratio to
   the full build, and every model's ``build_mode`` (a full rebuild is listed as a finding).
4. **no-op** — ``lakehouse run`` with nothing new: wall time, and whether anything moved.
5. **memory limit** — the builds above run with the lakehouse's default memory limit
   (``LAKEHOUSE_MEMORY_LIMIT``, 512MB) unless the environment sets one; for
   ``--limit-scales`` (default ``full``) a second fresh build with
   ``LAKEHOUSE_MEMORY_LIMIT=--memory-limit`` (default ``none``: DuckDB's own, 80 % of RAM)
   shows what the bound costs and saves: wall time and peak RSS side by side.

Generated files are cached under ``--data`` (keyed by the generator's source hash) and reused
across scales and reruns; generation time is shown apart and never counted. Children run the
code of this checkout (``src/`` first on ``PYTHONPATH``) on DuckDB. Figures go to
``benchmarks/.results/scale-<timestamp>.json``; exits 1 when a run fails or times out.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
if str(SRC) not in sys.path:  # measure this checkout, whatever is installed
    sys.path.insert(0, str(SRC))

import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
from deltalake import DeltaTable  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

SOURCE = "online_retail"
RESULTS_DIR = Path(__file__).resolve().parent / ".results"
DEFAULT_DATA = Path(tempfile.gettempdir()) / "lakehouse-bench-data"
INCREMENT_SEED = 11
"""The increment's lines come from this seed (≠ every seed of the default scales); their
invoice numbers are rewritten anyway, so they are new lines at every scale."""
INCREMENT_SHARE = 0.01
DATA_LAYERS = ("bronze", "silver", "gold")
MB = 1024 * 1024

#: The issue's goals (issue 17), checked in the closing table.
GOAL_RATIO = 3.0
GOAL_RSS_MB = {"full": 1024, "10x": 1536}
GOAL_INCREMENTAL_SHARE, GOAL_INCREMENTAL_EXTRA_S = 0.05, 1.0

LAKEHOUSE_CLI = (
    "import sys; sys.argv[0] = 'lakehouse'; from retail_lakehouse.cli import main; main()"
)

#: The yardstick: the daily KPIs of ``tests/independent.py`` in one DuckDB query. A product
#: code starts with five digits; a C invoice is a return; a sale is a product line with
#: quantity > 0, price > 0 and no C; exact duplicate lines count once.
READ_CSV = r"""read_csv($files, header = true, columns = {
        'Invoice': 'VARCHAR', 'StockCode': 'VARCHAR', 'Description': 'VARCHAR',
        'Quantity': 'BIGINT', 'InvoiceDate': 'TIMESTAMP', 'Price': 'DOUBLE',
        'Customer ID': 'VARCHAR', 'Country': 'VARCHAR'})"""
DAILY_KPIS = r"""lines as (
    select
        cast(InvoiceDate as date) as day,
        Invoice as invoice,
        Quantity as quantity,
        Price as price,
        regexp_matches(StockCode, '^\d{5}') as is_product,
        starts_with(Invoice, 'C') as is_c
    from raw
),
daily as (
    select
        day,
        count(distinct invoice) filter (
            where is_product and not is_c and quantity > 0 and price > 0) as orders,
        coalesce(sum(quantity) filter (
            where is_product and not is_c and quantity > 0 and price > 0), 0) as units,
        coalesce(sum(quantity * price) filter (
            where is_product and not is_c and quantity > 0 and price > 0), 0) as gross,
        coalesce(sum(abs(quantity) * price) filter (where is_product and is_c), 0) as returns
    from lines
    group by day
)
select day, orders, units, gross, returns, gross - returns as net from daily order by day"""
YARDSTICK_SQL = f"with raw as (\n    select distinct *\n    from {READ_CSV}\n),\n{DAILY_KPIS}\n"

#: The last line of the yardstick and the floor: the totals of their daily rows, as JSON.
PRINT_TOTALS = """
print(json.dumps({"days": len(rows), "orders": sum(r[1] for r in rows),
                  "units": sum(r[2] for r in rows), "net": sum(r[5] for r in rows)}))
"""

YARDSTICK_SCRIPT = (
    """
import json, sys, duckdb
sql, files = sys.argv[1], sys.argv[2:]
con = duckdb.connect()
con.execute("set enable_progress_bar = false")
rows = con.execute(sql, {"files": files}).fetchall()
"""
    + PRINT_TOTALS
)

#: The floor: the least any bronze → silver → gold pipeline on this stack does — the CSV
#: rows written to a bronze Delta table, its distinct rows to a silver one, the yardstick's
#: daily KPIs from silver to a gold one; record batches streamed, no checks, no ledger, no
#: other model. What a medallion of Delta copies costs before any of the product's work.
FLOOR_SCRIPT = (
    """
import json, sys, duckdb
from deltalake import DeltaTable, write_deltalake
read_csv, kpis, root, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
con = duckdb.connect()
con.execute("set enable_progress_bar = false")

def write(name, sql, **params):
    reader = con.sql(sql, params=params or None).to_arrow_reader(100_000)
    write_deltalake(f"{root}/{name}", reader, mode="overwrite")
    con.register(name, DeltaTable(f"{root}/{name}").to_pyarrow_dataset())

write("bronze", f"select * from {read_csv}", files=files)
write("silver", "select distinct * from bronze")
write("gold", f"with raw as (select * from silver),\\n{kpis}")
rows = con.execute(
    "select day, orders::bigint, units::bigint, gross::double, returns::double, net::double"
    " from gold order by day"
).fetchall()
"""
    + PRINT_TOTALS
)

#: Wide tables when piped (rich would otherwise wrap them at 80 columns).
console = Console() if sys.stdout.isatty() or "COLUMNS" in os.environ else Console(width=170)


# --------------------------------------------------------------------------- results


@dataclass
class Child:
    """One timed child process."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    timed_out: bool
    load: tuple[float, float]
    """1-minute load average just before and just after."""
    log: str
    stdout: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


@dataclass
class Layer:
    layer: str
    rows: int
    seconds: float

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass
class RunFigures:
    """One ``lakehouse run``: the child, and what its ops records say."""

    child: Child
    run_id: str | None = None
    layers: dict[str, Layer] = field(default_factory=dict)
    startup_s: float | None = None
    """Child spawn → ingest start (interpreter, imports, engine)."""
    plan_s: float | None = None
    """Ingest done → first model done, minus that model's own build (project, ops reads)."""
    tail_s: float | None = None
    """Last model done → exit (ops compaction, exit)."""
    files_loaded: int = 0
    models: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def failed_models(self) -> list[dict[str, Any]]:
        return [m for m in self.models if m["status"] not in ("success", "up_to_date", "no_input")]

    def rebuilt(self, *, incremental: bool) -> list[dict[str, Any]]:
        """Models built in full: ``incremental`` ones (a finding on an incremental run) or
        the others (``table``/``scd2``, recomputed by design)."""
        return [
            m
            for m in self.models
            if m["status"] == "success"
            and m["build_mode"] != "incremental"
            and (m["materialized"] == "incremental") == incremental
        ]


@dataclass
class ScaleFigures:
    scale: str
    seeds: int
    files: int
    lines: int
    csv_bytes: int
    generate_s: float
    yardstick: list[Child] = field(default_factory=list)
    yardstick_result: dict[str, Any] | None = None
    floor: Child | None = None
    floor_result: dict[str, Any] | None = None
    pipeline: RunFigures | None = None
    gold_check: dict[str, Any] | None = None
    increment_lines: int = 0
    incremental: RunFigures | None = None
    noop: RunFigures | None = None
    limited: RunFigures | None = None
    memory_limit: str | None = None

    @property
    def yardstick_s(self) -> float | None:
        done = [c.seconds for c in self.yardstick if c.ok]
        return sum(done) / len(done) if done else None

    @property
    def yardstick_rss_mb(self) -> float | None:
        done = [c.peak_rss_mb for c in self.yardstick if c.ok]
        return max(done) if done else None

    @property
    def ratio(self) -> float | None:
        y = self.yardstick_s
        return self.pipeline.child.seconds / y if self.pipeline and y else None

    @property
    def floor_ratio(self) -> float | None:
        y = self.yardstick_s
        return self.floor.seconds / y if self.floor and self.floor.ok and y else None

    @property
    def incremental_ratio(self) -> float | None:
        if not (self.pipeline and self.incremental):
            return None
        return self.incremental.child.seconds / self.pipeline.child.seconds

    @property
    def incremental_goal_s(self) -> float | None:
        if not self.pipeline:
            return None
        return GOAL_INCREMENTAL_SHARE * self.pipeline.child.seconds + GOAL_INCREMENTAL_EXTRA_S

    @property
    def failed(self) -> list[str]:
        out = [f"yardstick: exit {c.returncode}" for c in self.yardstick if not c.ok]
        if self.floor is not None and not self.floor.ok:
            out.append(f"floor: exit {self.floor.returncode} (log {self.floor.log})")
        for name in ("pipeline", "incremental", "noop", "limited"):
            run: RunFigures | None = getattr(self, name)
            if run is None:
                continue
            if not run.child.ok:
                why = "timed out" if run.child.timed_out else f"exit {run.child.returncode}"
                out.append(f"{name}: {why} (log {run.child.log})")
            out += [f"{name}: {m['table_name']} {m['status']}" for m in run.failed_models]
        return out


# --------------------------------------------------------------------------- data


@dataclass
class DataFile:
    path: Path
    lines: int
    bytes: int
    generate_s: float


def generator_stamp() -> str:
    """Hash of the generator's code: cached files are reused only while it is unchanged."""
    from retail_lakehouse.sources.online_retail import generator

    return hashlib.sha256(Path(generator.__file__).read_bytes()).hexdigest()[:10]


def count_lines(path: Path) -> int:
    """Data lines of a CSV (newlines minus the header; descriptions hold no newline)."""
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            count += chunk.count(b"\n")
    return count - 1


def described(path: Path, generate_s: float) -> DataFile:
    meta = path.with_suffix(".json")
    if meta.exists():
        return DataFile(path, **json.loads(meta.read_text()))
    data = DataFile(path, count_lines(path), path.stat().st_size, generate_s)
    meta.write_text(json.dumps({k: v for k, v in asdict(data).items() if k != "path"}))
    return data


def seed_file(cache: Path, seed: int) -> DataFile:
    """``online_retail_seed<N>.csv`` at full scale, generated once."""
    path = cache / f"{SOURCE}_seed{seed}.csv"
    if path.exists():
        return described(path, 0.0)
    from retail_lakehouse.sources import Scale, get_source

    cache.mkdir(parents=True, exist_ok=True)
    console.print(f"[dim]{time.strftime('%H:%M:%S')} generating {SOURCE} seed {seed}...[/]")
    clock = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        [written] = get_source(SOURCE).generate(Path(tmp), scale=Scale.full, seed=seed)
        generate_s = time.perf_counter() - clock
        path.with_suffix(".json").unlink(missing_ok=True)
        os.replace(written, path)
    return described(path, generate_s)


_INVOICE = re.compile(r"^([A-Za-z]?)\d")


def increment_file(cache: Path, lines: int) -> DataFile:
    """The last ``lines`` lines of seed ``INCREMENT_SEED`` (the latest days, as a new delivery
    would bring), each invoice's first digit (4 or 5 in the data) made a 9, so every line is
    new and still a valid six-digit invoice."""
    path = cache / f"{SOURCE}_increment6_seed{INCREMENT_SEED}_{lines}.csv"
    if path.exists():
        return described(path, 0.0)
    source = seed_file(cache, INCREMENT_SEED)
    clock = time.perf_counter()
    with source.path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        tail = deque(reader, maxlen=lines)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in tail:
            row[0] = _INVOICE.sub(r"\g<1>9", row[0], count=1)
            writer.writerow(row)
    os.replace(tmp, path)
    return described(path, time.perf_counter() - clock)


def place(files: Sequence[DataFile], folder: Path) -> None:
    """Hard links (or copies) of the files into a landing folder, names kept."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        target = folder / f.path.name
        try:
            os.link(f.path, target)
        except OSError:
            shutil.copy2(f.path, target)


# --------------------------------------------------------------------------- children


def child_env(home: Path | None, memory_limit: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    env["LAKEHOUSE_SETTLE_SECONDS"] = "0"  # files are complete; don't wait for them to settle
    env.pop("LAKEHOUSE_ENGINE", None)
    if home is not None:
        env["LAKEHOUSE_HOME"] = str(home)
    if memory_limit is not None:
        env["LAKEHOUSE_MEMORY_LIMIT"] = memory_limit
    return env


def measure(argv: Sequence[str], env: dict[str, str], log: Path, timeout: float | None) -> Child:
    """Runs one child; wall time and its own peak RSS (``ru_maxrss`` of ``wait4`` on it)."""
    load_before = os.getloadavg()[0]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        clock = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # the bench is stopped: stop the child too
            proc.kill()
            os.waitpid(proc.pid, 0)
            proc.returncode = -9
            raise
        finally:
            if timer:
                timer.cancel()
        seconds = time.perf_counter() - clock
    proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is KiB on Linux and bytes on macOS.
    rss = usage.ru_maxrss / (MB if sys.platform == "darwin" else 1024)
    text = log.read_text(encoding="utf-8", errors="replace")
    return Child(
        seconds=seconds,
        peak_rss_mb=rss,
        returncode=proc.returncode,
        timed_out=timed_out.is_set(),
        load=(load_before, os.getloadavg()[0]),
        log=str(log),
        stdout=text[-4000:],
    )


def run_yardstick(files: Sequence[Path], log: Path, timeout: float | None) -> Child:
    argv = [sys.executable, "-c", YARDSTICK_SCRIPT, YARDSTICK_SQL, *map(str, files)]
    return measure(argv, child_env(None), log, timeout)


def run_floor(files: Sequence[Path], root: Path, log: Path, timeout: float | None) -> Child:
    """The floor child, writing its three Delta tables under ``root`` (removed after)."""
    argv = [sys.executable, "-c", FLOOR_SCRIPT, READ_CSV, DAILY_KPIS, str(root), *map(str, files)]
    try:
        return measure(argv, child_env(None), log, timeout)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def same_totals(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Equal counts, and net revenue equal up to the order floats were summed in."""
    if a is None or b is None:
        return False
    counts = all(a.get(k) == b.get(k) for k in ("days", "orders", "units"))
    return counts and abs(a["net"] - b["net"]) <= 1e-9 * max(1.0, abs(b["net"]))


def yardstick_totals(child: Child) -> dict[str, Any] | None:
    """The totals the yardstick (or the floor) printed (its last JSON line)."""
    for line in reversed(child.stdout.splitlines()) if child.ok else []:
        if line.startswith("{"):
            try:
                return dict(json.loads(line))
            except ValueError:
                return None
    return None


# --------------------------------------------------------------------------- ops records


def read_delta(home: Path, layer: str, name: str) -> pa.Table | None:
    path = home / layer / name
    if not (path / "_delta_log").is_dir():
        return None
    return DeltaTable(str(path)).to_pyarrow_table()


def data_versions(home: Path) -> dict[str, int]:
    versions: dict[str, int] = {}
    for layer in DATA_LAYERS:
        folder = home / layer
        if not folder.is_dir():
            continue
        for child in sorted(folder.iterdir()):
            if (child / "_delta_log").is_dir():
                versions[f"{layer}.{child.name}"] = DeltaTable(str(child)).version()
    return versions


def run_ids(home: Path) -> set[str]:
    runs = read_delta(home, "ops", "runs")
    return set(runs["run_id"].to_pylist()) if runs is not None else set()


def lakehouse_run(
    home: Path,
    log: Path,
    timeout: float | None,
    *,
    memory_limit: str | None = None,
) -> RunFigures:
    """``lakehouse run`` on DuckDB in a child, then its figures from the ops tables."""
    before = run_ids(home)
    spawned = dt.datetime.now(dt.UTC)
    argv = [sys.executable, "-c", LAKEHOUSE_CLI, "run", "--engine", "duckdb"]
    child = measure(argv, child_env(home, memory_limit), log, timeout)
    figures = RunFigures(child)
    new = sorted(run_ids(home) - before)
    if not new:
        return figures
    run_id = figures.run_id = new[-1]
    runs = read_delta(home, "ops", "runs")
    assert runs is not None
    mine = runs.filter(pc.equal(runs["run_id"], run_id)).sort_by("started_at")
    keep = ("table_name", "materialized", "status", "build_mode", "rows_in", "rows_out")
    for row in mine.to_pylist():
        record = {k: row[k] for k in keep}
        record["duration_s"] = float(row["duration_s"] or 0.0)
        record["message"] = str(row["message"] or "")[:400]
        figures.models.append(record)
    for layer in ("silver", "gold"):
        done = [
            m
            for m in figures.models
            if m["table_name"].startswith(layer + ".") and m["status"] == "success"
        ]
        figures.layers[layer] = Layer(
            layer,
            sum(int(m["rows_out"] or 0) for m in done),
            sum(m["duration_s"] for m in figures.models if m["table_name"].startswith(layer)),
        )
    ingest = read_delta(home, "ops", "ingest_log")
    bronze_rows = 0
    if ingest is not None:
        loaded = ingest.filter(
            pc.and_(pc.equal(ingest["run_id"], run_id), pc.equal(ingest["status"], "loaded"))
        )
        figures.files_loaded = loaded.num_rows
        bronze_rows = int(pc.sum(loaded["rows"]).as_py() or 0)
    events = read_events(home, run_id)
    bronze_s = 0.0
    if "ingest_start" in events and "ingest_done" in events:
        bronze_s = (events["ingest_done"] - events["ingest_start"]).total_seconds()
        figures.startup_s = (events["ingest_start"] - spawned).total_seconds()
    if "ingest_done" in events and "first_model_done" in events and figures.models:
        first = (events["first_model_done"] - events["ingest_done"]).total_seconds()
        figures.plan_s = first - figures.models[0]["duration_s"]
    if "model_done" in events:
        figures.tail_s = child.seconds - (events["model_done"] - spawned).total_seconds()
    figures.layers = {"bronze": Layer("bronze", bronze_rows, bronze_s), **figures.layers}
    return figures


def read_events(home: Path, run_id: str) -> dict[str, dt.datetime]:
    """First time of each event kind in the run's JSON log (the last for ``model_done``)."""
    path = home / "ops" / "logs" / f"{run_id}.jsonl"
    seen: dict[str, dt.datetime] = {}
    if not path.exists():
        return seen
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        ts = dt.datetime.fromisoformat(record["ts"])
        if record["event"] == "model_done" and "model_done" not in seen:
            seen["first_model_done"] = ts
        if record["event"] == "model_done" or record["event"] not in seen:
            seen[record["event"]] = ts
    return seen


def gold_totals(home: Path) -> dict[str, Any] | None:
    """Days, orders and units of ``gold.sales_daily`` (Online Retail), to hold against the
    yardstick's: the pipeline and the bare query should agree on what they compute."""
    daily = read_delta(home, "gold", "sales_daily")
    if daily is None:
        return None
    daily = daily.filter(pc.equal(daily["source_system"], SOURCE))
    return {
        "days": len(set(daily["date"].to_pylist())),
        "orders": int(pc.sum(daily["orders"]).as_py() or 0),
        "units": int(pc.sum(daily["units"]).as_py() or 0),
    }


# --------------------------------------------------------------------------- one scale


def seeds_of(scale: str) -> int:
    if scale == "full":
        return 1
    match = re.fullmatch(r"(\d+)x", scale)
    if not match or int(match[1]) < 1:
        raise argparse.ArgumentTypeError(f"unknown scale {scale!r}: use full or <N>x (5x, 10x)")
    return int(match[1])


def say(message: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {message}")


def bench_scale(scale: str, cache: Path, root: Path, args: argparse.Namespace) -> ScaleFigures:
    seeds = seeds_of(scale)
    files = [seed_file(cache, seed) for seed in range(1, seeds + 1)]
    lines = sum(f.lines for f in files)
    figures = ScaleFigures(
        scale=scale,
        seeds=seeds,
        files=len(files),
        lines=lines,
        csv_bytes=sum(f.bytes for f in files),
        generate_s=sum(f.generate_s for f in files),
    )
    increment = increment_file(cache, max(1, round(lines * INCREMENT_SHARE)))
    figures.generate_s += increment.generate_s
    figures.increment_lines = increment.lines
    work = root / scale
    home = work / "home"
    landing = home / "landing" / SOURCE
    place(files, landing)
    csvs = [landing / f.path.name for f in files]
    timeout = args.timeout
    try:
        say(f"{scale}: yardstick (bare DuckDB over {len(csvs)} CSV file(s))")
        figures.yardstick.append(run_yardstick(csvs, work / "yardstick-1.log", timeout))
        say(f"{scale}: lakehouse run ({lines:,} lines)")
        figures.pipeline = lakehouse_run(home, work / "pipeline.log", timeout)
        say(f"{scale}: yardstick again")
        figures.yardstick.append(run_yardstick(csvs, work / "yardstick-2.log", timeout))
        figures.yardstick_result = yardstick_totals(figures.yardstick[-1])
        say(f"{scale}: floor (bare bronze → silver → gold Delta copies)")
        figures.floor = run_floor(csvs, work / "floor", work / "floor.log", timeout)
        figures.floor_result = yardstick_totals(figures.floor)
        if not same_totals(figures.floor_result, figures.yardstick_result):
            figures.floor.returncode = figures.floor.returncode or 1  # computed something else
        gold = gold_totals(home)
        if gold is not None and figures.yardstick_result:
            # Not orders: seeds reuse invoice numbers, and gold counts an invoice once per
            # country of its day (two seeds' same-numbered invoices in two countries: 2).
            keys = ("days", "units")
            figures.gold_check = {
                "gold": gold,
                "agrees": all(gold[k] == figures.yardstick_result[k] for k in keys),
            }
        if figures.pipeline.child.ok and not args.no_incremental:
            place([increment], landing)
            say(f"{scale}: incremental run (+{increment.lines:,} lines)")
            figures.incremental = lakehouse_run(home, work / "incremental.log", timeout)
        if figures.pipeline.child.ok:
            versions = data_versions(home)
            say(f"{scale}: no-op run")
            figures.noop = lakehouse_run(home, work / "noop.log", timeout)
            noop_problems(figures.noop, versions, data_versions(home))
        if scale in args.limit_scales and args.memory_limit:
            shutil.rmtree(home, ignore_errors=True)
            place(files, landing)
            figures.memory_limit = args.memory_limit
            say(f"{scale}: lakehouse run with LAKEHOUSE_MEMORY_LIMIT={args.memory_limit}")
            figures.limited = lakehouse_run(
                home, work / "limited.log", timeout, memory_limit=args.memory_limit
            )
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
    return figures


def noop_problems(run: RunFigures, before: dict[str, int], after: dict[str, int]) -> None:
    if run.files_loaded:
        run.problems.append(f"{run.files_loaded} file(s) loaded")
    run.problems += [
        f"{m['table_name']} {m['status']}"
        for m in run.models
        if m["status"] not in ("up_to_date", "no_input")
    ]
    run.problems += [
        f"{ref} v{before.get(ref)} → v{version}"
        for ref, version in after.items()
        if before.get(ref) != version
    ]


# --------------------------------------------------------------------------- printing


def fmt(value: float | None, digits: int = 1, suffix: str = "") -> str:
    return "—" if value is None else f"{value:,.{digits}f}{suffix}"


def growth(figures: ScaleFigures, base: ScaleFigures | None) -> str:
    if base is None or base.pipeline is None or figures.pipeline is None:
        return "—"
    if figures is base:
        return "1.00x (1.00x)"
    t = figures.pipeline.child.seconds / base.pipeline.child.seconds
    n = figures.lines / base.lines
    colour = "green" if t <= n else "red"
    return f"[{colour}]{t:.2f}x[/] ({n:.2f}x)"


def print_summary(results: Sequence[ScaleFigures]) -> None:
    base = next((r for r in results if r.scale == "full"), None)
    table = Table(
        title="raw → gold on DuckDB: lakehouse run vs a bare DuckDB query of the same CSV",
        caption="ratio = pipeline s / yardstick s (mean of the runs just before and after); "
        "floor = bare bronze → silver → gold Delta copies, s / yardstick s; "
        "growth = t / t(full) (lines / lines(full)); incr. = +1 % lines; "
        "load = 1-min load average around the pipeline run",
    )
    columns = (
        "scale", "lines", "CSV MB", "pipeline s", "peak RSS MB", "yardstick s",
        "yardstick RSS MB", "ratio", "floor", "growth vs full", "incr. s", "incr. ratio", "no-op s",
        "load",
    )  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == "scale" else "right")
    for r in results:
        p, i, n = r.pipeline, r.incremental, r.noop
        ratio = r.ratio
        ratio_cell = fmt(ratio, 2, "x")
        if ratio is not None and r.scale == "full":
            ratio_cell = f"[{'green' if ratio <= GOAL_RATIO else 'red'}]{ratio_cell}[/]"
        incr = r.incremental_ratio
        incr_cell = fmt(None if incr is None else 100 * incr, 1, " %")
        if i is not None and r.incremental_goal_s is not None:
            ok = i.child.seconds <= r.incremental_goal_s
            incr_cell = f"[{'green' if ok else 'red'}]{incr_cell}[/]"
        noop_cell = fmt(n.child.seconds, 2) if n else "—"
        if n is not None and n.problems:
            noop_cell += " [red](not a no-op)[/]"
        table.add_row(
            r.scale,
            f"{r.lines:,}",
            fmt(r.csv_bytes / 1e6, 0),
            fmt(p.child.seconds, 1) if p else "—",
            fmt(p.child.peak_rss_mb, 0) if p else "—",
            fmt(r.yardstick_s, 2),
            fmt(r.yardstick_rss_mb, 0),
            ratio_cell,
            fmt(r.floor_ratio, 2, "x"),
            growth(r, base),
            fmt(i.child.seconds, 1) if i else "—",
            incr_cell,
            noop_cell,
            f"{p.child.load[0]:.1f}→{p.child.load[1]:.1f}" if p else "—",
        )
    console.print(table)


def print_layers(results: Sequence[ScaleFigures]) -> None:
    table = Table(
        title="per layer (full build): rows written, seconds, rows/s",
        caption="bronze = ingest_start → ingest_done of the run log; silver/gold = sum of "
        "their models' duration_s (ops.runs); start-up = spawn → ingest start; plan = ingest "
        "done → first model (project load, ops reads); tail = last model → exit (ops "
        "compaction)",
    )
    for column in ("scale", "run", "layer", "rows", "seconds", "rows/s", "% of wall"):
        table.add_column(column, justify="left" if column in ("scale", "run", "layer") else "right")
    for r in results:
        for name in ("pipeline", "incremental", "limited"):
            run: RunFigures | None = getattr(r, name)
            if run is None:
                continue
            wall = run.child.seconds
            for lf in run.layers.values():
                table.add_row(
                    r.scale,
                    name,
                    lf.layer,
                    f"{lf.rows:,}",
                    fmt(lf.seconds, 2),
                    fmt(lf.rows_per_s, 0),
                    fmt(100 * lf.seconds / wall, 0, " %"),
                )
            phases = (("start-up", run.startup_s), ("plan", run.plan_s), ("tail", run.tail_s))
            for label, value in phases:
                if value is not None:
                    table.add_row(
                        r.scale,
                        name,
                        label,
                        "",
                        fmt(value, 2),
                        "",
                        fmt(100 * value / wall, 0, " %"),
                    )
    console.print(table)


def print_models(results: Sequence[ScaleFigures], top: int) -> None:
    for r in results:
        if r.pipeline is None or not r.pipeline.models:
            continue
        incremental = {m["table_name"]: m for m in (r.incremental.models if r.incremental else [])}
        table = Table(
            title=f"slowest models · {r.scale} (full build, then the +1 % incremental run)"
        )
        columns = (
            "model", "materialized", "rows out", "build s", "% of wall", "incr. s", "incr. mode",
            "incr. rows out",
        )  # fmt: skip
        for column in columns:
            table.add_column(
                column, justify="left" if column in ("model", "materialized") else "right"
            )
        wall = r.pipeline.child.seconds
        ordered = sorted(r.pipeline.models, key=lambda m: -m["duration_s"])
        for m in ordered[:top]:
            inc = incremental.get(m["table_name"], {})
            mode = inc.get("build_mode") or inc.get("status") or "—"
            if inc.get("status") == "success" and mode != "incremental":
                mode = f"[red]{mode}[/]"
            table.add_row(
                m["table_name"],
                m["materialized"],
                f"{int(m['rows_out'] or 0):,}",
                fmt(m["duration_s"], 2),
                fmt(100 * m["duration_s"] / wall, 0, " %"),
                fmt(inc.get("duration_s"), 2),
                mode,
                f"{int(inc['rows_out']):,}" if inc.get("rows_out") is not None else "—",
            )
        console.print(table)


def print_findings(results: Sequence[ScaleFigures]) -> None:
    for r in results:
        if r.incremental is not None:
            rebuilt = r.incremental.rebuilt(incremental=True)
            if rebuilt:
                console.print(
                    f"[yellow]{r.scale}: incremental models rebuilt in full on the incremental "
                    f"run[/] ({len(rebuilt)}, {sum(m['duration_s'] for m in rebuilt):.2f}s):"
                )
            for m in rebuilt:
                console.print(
                    f"  {m['table_name']} ({m['duration_s']:.2f}s, {m['rows_out']:,} rows): "
                    f"{m['message'] or 'no message'}"
                )
            recomputed = r.incremental.rebuilt(incremental=False)
            if recomputed:
                names = ", ".join(
                    f"{m['table_name']} {m['duration_s']:.2f}s"
                    for m in sorted(recomputed, key=lambda m: -m["duration_s"])
                )
                console.print(
                    f"{r.scale}: table/scd2 models recomputed from all rows on the incremental "
                    f"run ({sum(m['duration_s'] for m in recomputed):.2f}s): {names}"
                )
        if r.incremental is not None and r.incremental.child.ok:
            landed = sum(
                int(m["rows_out"] or 0)
                for m in r.incremental.models
                if m["table_name"] == "silver.fact_order_line"
            )
            if landed < 0.9 * r.increment_lines:
                console.print(
                    f"[red]{r.scale}: only {landed:,} of the increment's "
                    f"{r.increment_lines:,} lines reached silver.fact_order_line[/] "
                    "(quarantined or dropped): the incremental figure measures too little"
                )
        if r.noop is not None and r.noop.problems:
            console.print(
                f"[red]{r.scale}: the re-run was not a no-op:[/] {'; '.join(r.noop.problems)}"
            )
        if r.gold_check is not None and not r.gold_check["agrees"]:
            console.print(
                f"[yellow]{r.scale}: gold.sales_daily {r.gold_check['gold']} ≠ yardstick "
                f"{r.yardstick_result}[/]"
            )
        for problem in r.failed:
            console.print(f"[red]{r.scale}: {problem}[/]")


def print_limits(results: Sequence[ScaleFigures]) -> None:
    limited = [r for r in results if r.limited is not None]
    if not limited:
        return
    table = Table(
        title="fresh build with another LAKEHOUSE_MEMORY_LIMIT, next to the default build"
    )
    for column in (
        "scale",
        "limit",
        "seconds",
        "peak RSS MB",
        "default build s",
        "default build RSS MB",
        "exit",
    ):
        table.add_column(column, justify="left" if column == "scale" else "right")
    for r in limited:
        assert r.limited is not None
        c = r.limited.child
        table.add_row(
            r.scale,
            str(r.memory_limit),
            fmt(c.seconds, 1),
            fmt(c.peak_rss_mb, 0),
            fmt(r.pipeline.child.seconds if r.pipeline else None, 1),
            fmt(r.pipeline.child.peak_rss_mb if r.pipeline else None, 0),
            "timed out" if c.timed_out else str(c.returncode),
        )
    console.print(table)


def print_goals(results: Sequence[ScaleFigures]) -> None:
    """Issue 17's goals, each with the figure measured in this run."""
    by = {r.scale: r for r in results}
    rows: list[tuple[str, str, bool | None]] = []
    full = by.get("full")
    if full and full.ratio is not None:
        rows.append(
            (
                "full: pipeline ≤ 3× yardstick",
                f"{full.ratio:.2f}x (floor {fmt(full.floor_ratio, 2, 'x')})",
                full.ratio <= GOAL_RATIO,
            )
        )
    for r in results:
        if r is full or full is None or not (r.pipeline and full.pipeline):
            continue
        t = r.pipeline.child.seconds / full.pipeline.child.seconds
        n = r.lines / full.lines
        rows.append((f"{r.scale}: time grows ≤ data", f"{t:.2f}x time for {n:.2f}x lines", t <= n))
    for scale, limit in GOAL_RSS_MB.items():
        at = by.get(scale)
        run: RunFigures | None = at.pipeline if at else None
        if run is not None:
            rss = run.child.peak_rss_mb
            label = f"{scale}: peak RSS ≤ {limit / 1024:g} GB"
            rows.append((label, f"{rss:,.0f} MB", rss <= limit))
    for r in results:
        if r.incremental and r.incremental_goal_s is not None:
            s = r.incremental.child.seconds
            rows.append(
                (
                    f"{r.scale}: +1 % lines ≤ 5 % of the build + 1 s",
                    f"{s:.1f}s vs {r.incremental_goal_s:.1f}s allowed",
                    s <= r.incremental_goal_s,
                )
            )
    if not rows:
        return
    table = Table(title="issue 17 goals, measured in this run")
    table.add_column("goal")
    table.add_column("measured", justify="right")
    table.add_column("met", justify="center")
    for goal, measured, met in rows:
        table.add_row(goal, measured, "[green]yes[/]" if met else "[red]no[/]")
    console.print(table)


# --------------------------------------------------------------------------- main


def environment() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for package in ("retail-lakehouse", "duckdb", "deltalake", "pyarrow"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_mb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // MB,
        "commit": commit,
        "src": str(SRC),
        "packages": versions,
        "LAKEHOUSE_MEMORY_LIMIT": os.environ.get("LAKEHOUSE_MEMORY_LIMIT"),
    }


def to_json(value: Any) -> Any:
    if isinstance(value, ScaleFigures):
        out = asdict(value)
        for prop in (
            "yardstick_s", "yardstick_rss_mb", "ratio", "floor_ratio", "incremental_ratio", "failed"
        ):  # fmt: skip
            out[prop] = getattr(value, prop)
        for name in ("pipeline", "incremental", "noop", "limited"):
            run = getattr(value, name)
            if run is not None:
                out[name]["layers"] = {
                    k: {**asdict(v), "rows_per_s": round(v.rows_per_s, 1)}
                    for k, v in run.layers.items()
                }
                out[name]["child"].pop("stdout", None)
        for child in [*out["yardstick"], out["floor"] or {}]:
            child.pop("stdout", None)
        return out
    return value


def save(
    out: Path,
    started_at: dt.datetime,
    seconds: float,
    argv: Sequence[str] | None,
    env: dict[str, Any],
    results: Sequence[ScaleFigures],
    crashed: Sequence[str],
) -> None:
    """Writes the figures so far (after each scale, so a killed run keeps what it measured)."""
    document = {
        "started_at": started_at.isoformat(),
        "seconds": round(seconds, 1),
        "argv": sys.argv[1:] if argv is None else list(argv),
        "load_average_end": os.getloadavg(),
        "environment": env,
        "yardstick_sql": YARDSTICK_SQL,
        "scales": [to_json(r) for r in results],
        "crashed": list(crashed),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/scale.py",
        description="lakehouse run (DuckDB) at 1x/5x/10x Online Retail II against a bare DuckDB "
        "query of the same daily KPIs: wall time, peak RSS, rows/s per layer, the incremental "
        "(+1 % lines) and no-op runs.",
    )

    def scales(value: str) -> list[str]:
        chosen = [v.strip() for v in value.split(",") if v.strip()]
        for v in chosen:
            seeds_of(v)
        return chosen

    parser.add_argument(
        "--scales",
        type=scales,
        default="full,5x,10x",
        help="full = one generated file (~1.07 M lines); <N>x = seeds 1..N, one file each "
        "(default full,5x,10x).",
    )
    parser.add_argument(
        "--limit-scales",
        type=scales,
        default="full",
        help="Scales also built fresh with --memory-limit (default full; '' for none).",
    )
    parser.add_argument(
        "--memory-limit",
        default="none",
        help="LAKEHOUSE_MEMORY_LIMIT of those builds (default none: DuckDB's own limit).",
    )
    parser.add_argument(
        "--no-incremental", action="store_true", help="Skip the +1 %% incremental run."
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help=f"Cache of generated files, reused across runs (default {DEFAULT_DATA}).",
    )
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="Seconds before a child is killed."
    )
    parser.add_argument("--top", type=int, default=10, help="Slowest models shown per scale.")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON results file (default benchmarks/.results/scale-<timestamp>.json).",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="Keep the temp dir (lakehouses and child logs) instead of removing it.",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # A TERM (e.g. from `timeout`) ends the run through the ``finally`` below: the figures so
    # far are printed and saved, and the temp dir is removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started_at = dt.datetime.now(dt.UTC)
    out: Path = args.out or RESULTS_DIR / f"scale-{started_at:%Y%m%dT%H%M%SZ}.json"
    cache = args.data / f"{SOURCE}-full-{generator_stamp()}"
    root = Path(tempfile.mkdtemp(prefix="lakehouse-scale-"))
    env = environment()
    console.print(
        f"[bold]scale bench[/] · {env['cpus']} CPUs, {env['memory_mb']:,} MB · commit "
        f"{env['commit'] or '?'} · load {' '.join(f'{x:.1f}' for x in os.getloadavg())} · "
        f"data {cache}"
    )
    results: list[ScaleFigures] = []
    crashed: list[str] = []
    clock = time.perf_counter()
    try:
        for scale in args.scales:
            try:
                figures = bench_scale(scale, cache, root, args)
            except Exception:  # the other scales' figures still count
                console.print_exception()
                crashed.append(scale)
                continue
            results.append(figures)
            save(out, started_at, time.perf_counter() - clock, argv, env, results, crashed)
            p = figures.pipeline
            say(
                f"[green]✓[/] {scale}: pipeline {fmt(p.child.seconds if p else None)}s, "
                f"yardstick {fmt(figures.yardstick_s, 2)}s, ratio {fmt(figures.ratio, 2)}x"
                + (f" (generated in {figures.generate_s:.0f}s)" if figures.generate_s else "")
            )
    finally:
        total = time.perf_counter() - clock
        if results:
            print_summary(results)
            print_layers(results)
            print_models(results, args.top)
            print_limits(results)
            print_goals(results)
            print_findings(results)
        save(out, started_at, total, argv, env, results, crashed)
        if args.keep:
            console.print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
        console.print(f"\n[bold]Done in {total:.0f}s.[/] Figures: {out}")
    return 1 if crashed or any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
