"""One run: ingest new landing files, then build the selected models in DAG order.

Every model run is recorded in ``ops.runs``; a model whose code, config and input versions
are unchanged since its last successful build is skipped (``up_to_date``), so re-running
with the same input changes no table.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse import ops
from retail_lakehouse.bronze.ingest import (
    IngestOptions,
    IngestReport,
    ingest_landing,
    rebuild_bronze_table,
)
from retail_lakehouse.engines import Engine
from retail_lakehouse.errors import ConfigError, LakehouseError
from retail_lakehouse.runner.lock import run_lock
from retail_lakehouse.runner.materialize import (
    BuildResult,
    build_model,
    ledger_record,
    physical_inputs,
    stored_tables,
    write_python_model,
)
from retail_lakehouse.runner.project import DEFAULT_MODELS_DIR, Model, Project
from retail_lakehouse.serving.publish import publish_serving_db
from retail_lakehouse.sources import Source, contract_for_bronze
from retail_lakehouse.storage import Lakehouse, TableRef
from retail_lakehouse.streaming.replay import ingest_clickstream_files

EventFn = Callable[[str, dict[str, Any]], None]
_DONE = ("success", "up_to_date")
_NOTHING_WRITTEN = ("up_to_date", "no_input", "skipped")
"""Statuses whose ``ops.runs`` records wait for the next write (one commit, not one per
model: a run of up-to-date models costs one ops append). Losing them to a kill changes
nothing: the previous build record still describes the table."""


@dataclass
class RunReport:
    run_id: str
    engine: str
    ingest: IngestReport | None = None
    models: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [m for m in self.models if m["status"] == "failed"]


def last_builds(lakehouse: Lakehouse) -> dict[str, dict[str, Any]]:
    """Each table's latest successful (or up-to-date) build record.

    Picked in Arrow: ``ops.runs`` gains a record per model per run, and turning every one
    into a Python dict cost 0.77 s of each run once it held 300 runs' records (71 k rows).
    """
    runs = ops.read(lakehouse, "runs")
    done = runs.filter(pc.is_in(runs["status"], pa.array(_DONE)))
    newest_first = done.sort_by([("ended_at", "descending")])
    names = newest_first["table_name"]
    latest = newest_first.take(pc.index_in(pc.unique(names), value_set=names))
    return {row["table_name"]: row for row in latest.to_pylist()}


def run_pipeline(
    engine: Engine,
    sources: Sequence[Source],
    *,
    landing: Path,
    run_id: str,
    select: str | None = None,
    full_refresh: bool = False,
    ingest: bool = True,
    models_dir: Path = DEFAULT_MODELS_DIR,
    on_event: EventFn | None = None,
    ingest_options: IngestOptions | None = None,
    as_of: dt.datetime | None = None,
) -> RunReport:
    """Ingests landing files and builds models; failures are recorded, never half-written.

    ``as_of`` is the moment freshness checks judge the data against (default: now); a test
    or a backfill passes a later or earlier one. Holds the lakehouse's run lock, so a second
    run on the same lakehouse fails fast.
    """
    with run_lock(engine.lakehouse.home):
        emit = on_event or (lambda _kind, _data: None)
        lakehouse = engine.lakehouse
        started = time.perf_counter()
        report = RunReport(run_id=run_id, engine=engine.name)
        if ingest:
            emit("ingest_start", {})
            report.ingest = ingest_landing(
                lakehouse,
                landing,
                sources,
                run_id=run_id,
                progress=lambda message: emit("ingest_file", {"message": message}),
                options=ingest_options,
            )
            replayed = ingest_clickstream_files(lakehouse, landing, run_id=run_id)
            for batch in replayed:
                emit(
                    "ingest_file",
                    {"message": f"clickstream {batch.source}: {batch.rows_out:,} events"},
                )
            engine.refresh()
            emit("ingest_done", {"report": report.ingest})
        project = Project.load(models_dir, cache=lakehouse.home / "_tmp" / "sql-tables.json")
        bronze_tokens, model_select = split_bronze_selectors(select)
        if bronze_tokens:
            report.ingest = rebuild_bronze(
                engine,
                project,
                sources,
                bronze_tokens,
                landing,
                run_id,
                full_refresh,
                ingest_options,
            )
            descendants = {
                d
                for token in bronze_tokens
                if token.endswith("+")
                for d in project.descendants(TableRef.parse(token.strip("+")))
            }
            chosen = project.select(model_select) if model_select else []
            models = project.order({m.ref for m in chosen} | descendants)
        else:
            models = project.select(select)
        builds = last_builds(lakehouse)
        as_of = as_of or ops.utc_now()
        failed: set[TableRef] = set()
        unwritten: list[dict[str, Any]] = []
        emit("models_start", {"count": sum(not m.is_union for m in models)})
        for model in models:
            if model.is_union:
                if model.depends_on & failed:
                    failed.add(model.ref)
                continue
            record = run_model(
                engine,
                project,
                model,
                run_id=run_id,
                full_refresh=full_refresh,
                previous=builds.get(str(model.ref)),
                upstream_failed=bool(model.depends_on & failed),
                as_of=as_of,
            )
            if record["status"] in ("failed", "skipped"):
                failed.add(model.ref)
            unwritten.append(record)
            if record["status"] not in _NOTHING_WRITTEN:
                ops.append(lakehouse, "runs", unwritten)
                unwritten.clear()
            report.models.append(record)
            emit("model_done", record)
        ops.append(lakehouse, "runs", unwritten)
        compact_ops(lakehouse)
        if any(
            m["status"] == "success" and m["table_name"].startswith("gold.") for m in report.models
        ):
            publish_serving_db(lakehouse)
        report.seconds = time.perf_counter() - started
        return report


def compact_ops(lakehouse: Lakehouse) -> None:
    """Keeps the ops logs (appended to by every model of every run) quick to read."""
    for ref in lakehouse.tables("ops"):
        lakehouse.compact(ref)


def split_bronze_selectors(select: str | None) -> tuple[list[str], str | None]:
    """``"bronze.x+ gold"`` → ``(["bronze.x+"], "gold")``: bronze tables are rebuilt from
    landing, the rest selects models."""
    if not select:
        return [], select
    tokens = select.replace(",", " ").split()
    bronze = [t for t in tokens if t.strip("+").lower().startswith("bronze.")]
    rest = [t for t in tokens if t not in bronze]
    return bronze, " ".join(rest) or None


def rebuild_bronze(
    engine: Engine,
    project: Project,
    sources: Sequence[Source],
    tokens: Sequence[str],
    landing: Path,
    run_id: str,
    full_refresh: bool,
    options: IngestOptions | None,
) -> IngestReport:
    """Rewrites the selected bronze tables from the landing files (the repair of a damaged
    or tampered bronze table)."""
    if not full_refresh:
        raise ConfigError(
            "bronze tables are loaded from landing files, not built: "
            "`lakehouse run --full-refresh --select bronze.<table>` rebuilds one from them."
        )
    by_name = {s.name: s for s in sources}
    report = IngestReport()
    for token in tokens:
        ref = TableRef.parse(token.strip("+"))
        contract = contract_for_bronze(ref.name)
        if contract is None or contract.source not in by_name:
            known = ", ".join(f"bronze.{c.bronze_table}" for s in sources for c in s.tables)
            raise ConfigError(f"--select {token!r}: no source table {ref}; known: {known}")
        rebuilt = rebuild_bronze_table(
            engine.lakehouse,
            landing,
            by_name[contract.source],
            contract,
            run_id=run_id,
            options=options,
        )
        report.files.extend(rebuilt.files)
    engine.refresh()
    return report


def missing_inputs(lakehouse: Lakehouse, project: Project, model: Model) -> list[TableRef]:
    """Inputs a model needs that do not exist (a source without files, a skipped model).

    Optional inputs may be missing one at a time; when every one of them is missing and the
    model reads nothing else from bronze (a source with no files yet), they are all reported,
    so the model is skipped as ``no_input`` instead of building an empty table.
    """
    missing = []
    for ref in sorted(model.depends_on):
        other = project.models.get(ref)
        if other is not None and other.is_union:
            continue
        if ref not in model.optional_inputs and not lakehouse.exists(ref):
            missing.append(ref)
    bronze = {r for r in model.depends_on if r.layer == "bronze"}
    optional = sorted(bronze & model.optional_inputs)
    if optional and bronze <= model.optional_inputs and not any(map(lakehouse.exists, optional)):
        missing.extend(optional)
    return missing


def full_rebuild_reason(
    lakehouse: Lakehouse,
    project: Project,
    model: Model,
    previous: dict[str, Any] | None,
    versions: dict[str, int | None],
) -> str | None:
    """Why an incremental model must be rebuilt from all its input (None: new rows suffice).

    New rows of a *driving* input (read past ``:since``) are picked up by the watermark, and
    so are updated ones (they carry a newer ``_ingested_at``); only deleted rows need a
    rebuild. Any change to a *lookup* input (a dimension, a rate) does, unless the SQL
    handles it (``changes_handled_in_sql``). Tables named only by expectations don't count.
    """
    if previous is None or not lakehouse.exists(model.ref):
        return "first build"
    if previous.get("code_hash") != model.code_hash():
        return "its code or configuration changed"
    before = json.loads(previous.get("input_versions") or "null")
    if not isinstance(before, dict) or set(before) != set(versions):
        return "its set of inputs changed"
    incremental = model.incremental
    handled = set(incremental.changes_handled_in_sql) if incremental else set()
    driving = stored_tables(project, model.driving)
    checked_only = stored_tables(project, model.checked_only) - driving
    ignored = checked_only | stored_tables(project, handled)
    for name, version in sorted(before.items()):
        ref = TableRef.parse(name)
        if version == versions[name] or ref in ignored:
            continue
        change = lakehouse.changes_since(ref, version)
        if change == "delete" or (change == "update" and ref not in driving):
            return f"{name} had rows {'removed or replaced' if change == 'delete' else 'updated'}"
    return None


def tampered(lakehouse: Lakehouse, model: Model, previous: dict[str, Any] | None) -> str | None:
    """A message when the table's rows changed since its last build wrote it (a delete, a
    restore); maintenance commits that move no data (compaction) don't count."""
    if previous is None or previous.get("delta_version") is None:
        return None
    current = lakehouse.version(model.ref)
    written = int(previous["delta_version"])
    if current is None or current == written:
        return None
    if current > written and lakehouse.changes_since(model.ref, written) == "none":
        return None
    return (
        f"{model.ref} is at version {current} but its last build wrote version "
        f"{written} (changed outside the pipeline): rebuilt"
    )


def run_model(
    engine: Engine,
    project: Project,
    model: Model,
    *,
    run_id: str,
    full_refresh: bool,
    previous: dict[str, Any] | None,
    upstream_failed: bool,
    as_of: dt.datetime,
) -> dict[str, Any]:
    """Builds one model (or says why not) and returns its ``ops.runs`` record.

    ``as_of`` is the run's clock for freshness checks (one value for the whole run)."""
    lakehouse = engine.lakehouse
    started_at = ops.utc_now()
    clock = time.perf_counter()
    inputs = physical_inputs(project, model)
    versions = {str(ref): lakehouse.version(ref) for ref in sorted(inputs)}
    fingerprint = model.fingerprint(versions)
    record: dict[str, Any] = {
        "run_id": run_id,
        "table_name": str(model.ref),
        "engine": engine.name,
        "materialized": model.materialized if model.sql else "python",
        "status": "success",
        "started_at": started_at,
        "rows_in": None,
        "rows_out": None,
        "delta_version": lakehouse.version(model.ref),
        "fingerprint": fingerprint,
        "message": "",
        "build_mode": None,
        "code_hash": model.code_hash(),
        "input_versions": json.dumps(versions, sort_keys=True),
        "watermark": (previous or {}).get("watermark"),
    }
    result: BuildResult | None = None
    changed_outside = tampered(lakehouse, model, previous)
    missing = missing_inputs(lakehouse, project, model)
    if upstream_failed:
        record.update(status="skipped", message="an upstream model failed")
    elif missing:
        names = ", ".join(str(r) for r in missing)
        record.update(status="no_input", message=f"no data yet in {names}")
    elif (
        previous is not None
        and previous["fingerprint"] == fingerprint
        and lakehouse.exists(model.ref)
        and not full_refresh
        and changed_outside is None
    ):
        record.update(status="up_to_date", message="inputs and code unchanged since last build")
    else:
        reason = changed_outside or (
            "--full-refresh"
            if full_refresh
            else full_rebuild_reason(lakehouse, project, model, previous, versions)
        )
        try:
            if model.sql is not None:
                result = build_model(
                    engine,
                    project,
                    model,
                    run_id=run_id,
                    full=reason is not None,
                    as_of=as_of,
                    previous_watermark=(previous or {}).get("watermark"),
                )
            else:
                result = write_python_model(engine, model, run_id=run_id, as_of=as_of)
        except LakehouseError as exc:
            record.update(status="failed", message=str(exc))
        except Exception as exc:  # a model failing must not stop the ledger or other branches
            record.update(status="failed", message=f"{type(exc).__name__}: {exc}")
        if result is not None and result.blocked:
            record.update(status="failed", message=result.message)
            record_checks(lakehouse, result)
        elif result is not None:
            notes = [n for n in (changed_outside, result.message) if n]
            if result.mode == "full" and reason and model.materialized == "incremental":
                notes.insert(0, f"full rebuild: {reason}")
            record.update(
                rows_in=result.rows_in,
                rows_out=result.rows_out,
                delta_version=result.version,
                message="; ".join(notes),
                build_mode=result.mode,
                watermark=result.watermark,
            )
            record_build(lakehouse, model, result, run_id)
    record["ended_at"] = ops.utc_now()
    record["duration_s"] = round(time.perf_counter() - clock, 3)
    return record


def record_build(lakehouse: Lakehouse, model: Model, result: BuildResult, run_id: str) -> None:
    """Ledger, DQ results and quarantine of one successful build."""
    writes: list[Callable[[], None]] = [
        partial(ops.append, lakehouse, "row_ledger", [ledger_record(model.ref, result, run_id)]),
        *check_writes(lakehouse, result),
    ]
    if result.quarantine or result.mode == "full":
        writes.append(
            partial(
                ops.replace_table_quarantine,
                lakehouse,
                str(model.ref),
                result.quarantine,
                replace=result.mode == "full",
            )
        )
    in_parallel(writes)


def record_checks(lakehouse: Lakehouse, result: BuildResult) -> None:
    """A build's expectation results and its per-table quality record."""
    in_parallel(check_writes(lakehouse, result))


def check_writes(lakehouse: Lakehouse, result: BuildResult) -> list[Callable[[], None]]:
    writes: list[Callable[[], None]] = [
        partial(ops.append, lakehouse, "dq_results", result.dq_results)
    ]
    if result.dq_table is not None:
        writes.append(partial(ops.append, lakehouse, "dq_tables", [result.dq_table]))
    return writes


def in_parallel(writes: Sequence[Callable[[], None]]) -> None:
    """Runs writes to *different* ops tables at once and waits for all of them; raises the
    first error. Each is a Delta commit of ~10 ms CPU in delta-rs, which releases the GIL:
    a build's three or four took 54 ms one after the other and 30 ms together."""
    if len(writes) < 2:
        for write in writes:
            write()
        return
    with ThreadPoolExecutor(max_workers=len(writes), thread_name_prefix="ops-write") as pool:
        for future in [pool.submit(write) for write in writes]:
            future.result()
