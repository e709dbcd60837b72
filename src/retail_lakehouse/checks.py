"""``lakehouse check`` and ``lakehouse sql``: verify the lakehouse, query it read-only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse import ops
from retail_lakehouse.runner.project import DEFAULT_MODELS_DIR, Model, Project, reads_in_full
from retail_lakehouse.storage import Lakehouse, TableRef

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# What delta-rs and Arrow say about a damaged table → what a person needs to read.
_DAMAGE = (
    (
        re.compile(r"contiguous commit files, but found gap"),
        "a commit file of its _delta_log is missing",
    ),
    (
        re.compile(r"No table metadata or protocol found"),
        "its _delta_log has lost its first commit",
    ),
    (
        re.compile(r"Json error|parsing (object|value)|EOF while parsing"),
        "a commit file of its _delta_log is not valid JSON",
    ),
    (
        re.compile(
            r"magic bytes not found|Requested range was invalid|only \d+ bytes long|[Cc]orrupt"
        ),
        "a data file{file} is truncated or not Parquet",
    ),
    (re.compile(r"not found|No such file"), "a data file{file} is missing"),
)
_PARQUET_FILE = re.compile(r"([^/\s'\"]+\.parquet)")


def describe_damage(exc: BaseException) -> str:
    """What is wrong with a table, in words, from the storage error reading it raised.

    >>> describe_damage(OSError("Could not open 'part-1.snappy.parquet': magic bytes not found"))
    'a data file (part-1.snappy.parquet) is truncated or not Parquet'
    """
    text = _ANSI.sub("", str(exc))
    found = _PARQUET_FILE.search(text)
    for pattern, words in _DAMAGE:
        if pattern.search(text):
            return words.format(file=f" ({found.group(1)})" if found else "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else type(exc).__name__
    return first if len(first) <= 160 else first[:160] + "…"


def table_damage(lakehouse: Lakehouse, ref: TableRef) -> str | None:
    """Why ``ref`` cannot be read (its log or one of its data files), or None when its log
    opens and every data file's footer reads."""
    reason = log_damage(lakehouse, ref)
    if reason is not None or not lakehouse.exists(ref):
        return reason
    try:
        lakehouse.dataset(ref).count_rows()
    except Exception as exc:  # DeltaError, ArrowInvalid, FileNotFoundError, OSError, ...
        return describe_damage(exc)
    return None


def log_damage(lakehouse: Lakehouse, ref: TableRef) -> str | None:
    """Why ``ref``'s Delta log cannot be opened, or None; reads the log only (cheap)."""
    if not lakehouse.exists(ref):
        log = lakehouse.path(ref) / "_delta_log"
        return "its _delta_log holds no commit file" if log.is_dir() else None
    try:
        lakehouse.table(ref)
    except Exception as exc:
        return describe_damage(exc)
    return None


def repair(lakehouse: Lakehouse, ref: TableRef) -> str:
    """How to repair a damaged table: bronze is re-read from landing, silver and gold are
    rebuilt from their inputs, ops records are written again by the next run."""
    if ref.layer == "bronze":
        return f"rebuild it from landing with `lakehouse run --full-refresh --select {ref}`"
    if ref.layer == "ops":
        return (
            f"move {lakehouse.path(ref)} aside and run `lakehouse run` (ops records are "
            "written again for the files it loads)"
        )
    return f"rebuild it with `lakehouse run --full-refresh --select {ref}`"


def damaged(lakehouse: Lakehouse, ref: TableRef, reason: str) -> str:
    """The one line naming a damaged table, what is wrong and how to repair it."""
    return f"{ref} is damaged ({reason}): {repair(lakehouse, ref)}"


def damaged_tables(
    lakehouse: Lakehouse, layers: Iterable[str] | None = None
) -> dict[TableRef, str]:
    """Every table (of ``layers``; all by default) that cannot be read, with why."""
    found = {}
    for layer in layers or ("bronze", "silver", "gold", "ops"):
        for ref in lakehouse.tables(layer):
            reason = table_damage(lakehouse, ref)
            if reason is not None:
                found[ref] = reason
    return found


def latest_per_table(table: pa.Table, time_column: str) -> dict[str, dict[str, object]]:
    latest: dict[str, dict[str, object]] = {}
    for row in table.sort_by(time_column).to_pylist():
        latest[str(row["table_name"])] = row
    return latest


def check_lakehouse(lakehouse: Lakehouse, models_dir: Path = DEFAULT_MODELS_DIR) -> list[str]:
    """Every violation found, as a sentence saying what is wrong and where to look."""
    problems: list[str] = []
    if not lakehouse.exists(TableRef("ops", "row_ledger")):
        return ["nothing has run yet: run `lakehouse run` first"]
    ledger = ops.read(lakehouse, "row_ledger")
    for row in ledger.to_pylist():
        accounted = row["rows_out"] + row["rows_quarantined"] + row["rows_dropped"]
        if row["rows_in"] != accounted:
            where = f" ({row['source']})" if row["source"] else ""
            problems.append(
                f"{row['table_name']}{where} run {row['run_id']}: rows_in {row['rows_in']} ≠ "
                f"out {row['rows_out']} + quarantined {row['rows_quarantined']} + dropped "
                f"{row['rows_dropped']} ({json.loads(row['dropped_by_rule'] or '{}')})"
            )
    bronze_problems = check_bronze(lakehouse)
    problems += bronze_problems
    model_damage = damaged_tables(lakehouse, ("silver", "gold"))
    problems += [damaged(lakehouse, ref, reason) for ref, reason in model_damage.items()]
    if model_damage or any(" is damaged " in p for p in bronze_problems):
        return problems  # counting rows of damaged tables says nothing more
    problems += check_models(lakehouse, ledger, Project.load(models_dir))
    problems += check_expectations(lakehouse)
    return problems


def check_bronze(lakehouse: Lakehouse) -> list[str]:
    """Each bronze table holds exactly the rows its current files were logged with, and the
    quarantine exactly the rows they were logged as rejecting; damaged tables are named with
    how to repair them (bronze is rebuilt from landing; ops tables are moved aside)."""
    from retail_lakehouse.bronze.ingest import LoadState

    broken = damaged_tables(lakehouse, ("bronze", "ops"))
    problems = [damaged(lakehouse, ref, reason) for ref, reason in broken.items()]
    if {ops.ops_ref("ingest_log"), ops.ops_ref("quarantine")} & broken.keys():
        return problems
    log = ops.read(lakehouse, "ingest_log")
    state = LoadState.from_log(log)
    current = {
        (row["file"], row["sha256"]): row
        for row in log.filter(pc.equal(log["status"], "loaded")).to_pylist()
        if state.live.get(row["file"]) == row["sha256"]
    }
    quarantine = ops.read(lakehouse, "quarantine")
    held: dict[tuple[str, str], int] = {}
    for table_name, sha in zip(
        quarantine["table_name"].to_pylist(), quarantine["_file_sha256"].to_pylist(), strict=True
    ):
        held[(table_name, sha)] = held.get((table_name, sha), 0) + 1
    expected: dict[str, list[int]] = {}
    for row in current.values():
        expected.setdefault(row["table_name"], []).append(row["rows"])
        count = held.get((row["table_name"], row["sha256"]), 0)
        if count != row["quarantined"]:
            problems.append(
                f"{row['file']}: logged {row['quarantined']} quarantined rows, ops.quarantine "
                f"holds {count}: re-run `lakehouse run` to repair"
            )
    for table_name, files in sorted(expected.items()):
        ref = TableRef.parse(table_name)
        if ref in broken:
            continue
        actual = lakehouse.count(ref)
        if actual != sum(files):
            problems.append(
                f"{table_name} has {actual} rows but its {len(files)} loaded file(s) were "
                f"logged with {sum(files)}: rebuild it from landing with "
                f"`lakehouse run --full-refresh --select {table_name}`"
            )
    return problems


def check_models(lakehouse: Lakehouse, ledger: pa.Table, project: Project) -> list[str]:
    """Tables are at the version their last build wrote, hold what it recorded, and
    conserve their source's rows."""
    problems = []
    runs = ops.read(lakehouse, "runs")
    done = pa.compute.is_in(runs["status"], pa.array(["success", "up_to_date"]))
    builds = latest_per_table(runs.filter(done), "ended_at")
    for model in project.models.values():
        build = builds.get(str(model.ref))
        if build is None or build["delta_version"] is None or not lakehouse.exists(model.ref):
            continue
        current = lakehouse.version(model.ref)
        written = int(str(build["delta_version"]))
        moved = current != written and not (
            current is not None
            and current > written
            and lakehouse.changes_since(model.ref, written) == "none"
        )
        if moved:
            problems.append(
                f"{model.ref} is at version {current} but its last build wrote version "
                f"{build['delta_version']}: it was changed outside the pipeline; "
                "`lakehouse run` rebuilds it"
            )
    models = [m for m in project.models.values() if m.sql is not None]
    built = latest_per_table(
        ledger.filter(pa.compute.not_equal(ledger["layer"], "bronze")), "recorded_at"
    )
    problems += check_incremental_conservation(lakehouse, ledger, models)
    for model in models:
        record = built.get(str(model.ref))
        if record is None or not lakehouse.exists(model.ref) or model.materialized != "table":
            continue
        actual = lakehouse.count(model.ref)
        if actual != record["rows_out"]:
            problems.append(
                f"{model.ref} has {actual} rows, its last build wrote {record['rows_out']}"
            )
        if model.conserves is not None:
            source_rows = lakehouse.count(model.conserves)
            if source_rows != record["rows_in"]:
                problems.append(
                    f"{model.ref} accounted for {record['rows_in']} rows of {model.conserves}, "
                    f"which now has {source_rows}: run `lakehouse run`"
                )
    return problems


def check_incremental_conservation(
    lakehouse: Lakehouse, ledger: pa.Table, models: list[Model]
) -> list[str]:
    """An incremental model that conserves a table accounted, over its builds since its
    last full one, for exactly the rows that table holds now."""
    runs = ops.read(lakehouse, "runs").to_pylist()
    problems = []
    for model in models:
        if model.materialized != "incremental" or model.conserves is None:
            continue
        if model.sql is None or reads_in_full(model.sql, model.conserves):
            continue  # it re-reads old rows: each build's ledger row balances on its own
        if not lakehouse.exists(model.ref) or not lakehouse.exists(model.conserves):
            continue
        name = str(model.ref)
        builds = sorted(
            (r for r in runs if r["table_name"] == name and r["status"] == "success"),
            key=lambda r: r["ended_at"],
        )
        fulls = [i for i, r in enumerate(builds) if r.get("build_mode") == "full"]
        if not fulls:
            continue
        since_full = {r["run_id"] for r in builds[fulls[-1] :]}
        accounted = sum(
            int(r["rows_new"] if r.get("rows_new") is not None else r["rows_in"] or 0)
            for r in ledger.to_pylist()
            if r["table_name"] == name and r["run_id"] in since_full
        )
        held = lakehouse.count(model.conserves)
        if accounted != held:
            problems.append(
                f"{name} accounted for {accounted} rows of {model.conserves} since its last "
                f"full build, which holds {held}: `lakehouse run --full-refresh --select "
                f"{name}+` rebuilds it"
            )
    return problems


def check_expectations(lakehouse: Lakehouse) -> list[str]:
    problems = []
    runs = latest_per_table(ops.read(lakehouse, "runs"), "ended_at")
    for table_name, run in runs.items():
        if run["status"] == "failed":
            problems.append(f"{table_name}: last build failed: {run['message']}")
    results = ops.read(lakehouse, "dq_results").to_pylist()
    last_run: dict[str, str] = {}
    for row in sorted(results, key=lambda r: r["checked_at"]):
        last_run[row["table_name"]] = row["run_id"]
    for row in results:
        if (
            row["run_id"] == last_run[row["table_name"]]
            and row["severity"] == "fail"
            and not row["passed"]
        ):
            problems.append(
                f"{row['table_name']}: expectation {row['expectation']} failed on "
                f"{row['failing_rows']} rows (sample: {row['sample'][:200]})"
            )
    return problems
