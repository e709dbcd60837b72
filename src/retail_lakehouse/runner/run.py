"""One run: ingest new landing files, then build the selected models in DAG order.

Every model run is recorded in ``ops.runs``; a model whose code, config and input versions
are unchanged since its last successful build is skipped (``up_to_date``), so re-running
with the same input changes no table.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse import ops
from retail_lakehouse.bronze.ingest import IngestOptions, IngestReport, ingest_landing
from retail_lakehouse.engines import Engine
from retail_lakehouse.errors import LakehouseError
from retail_lakehouse.runner.lock import run_lock
from retail_lakehouse.runner.materialize import (
    BuildResult,
    build_model,
    ledger_record,
    write_python_model,
)
from retail_lakehouse.runner.project import DEFAULT_MODELS_DIR, Model, Project
from retail_lakehouse.sources import Source
from retail_lakehouse.storage import Lakehouse, TableRef

EventFn = Callable[[str, dict[str, Any]], None]
_DONE = ("success", "up_to_date")


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


def last_fingerprints(lakehouse: Lakehouse) -> dict[str, str]:
    """Fingerprint of each table's latest successful build."""
    runs = ops.read(lakehouse, "runs")
    done = runs.filter(pc.is_in(runs["status"], pa.array(_DONE))).sort_by("ended_at")
    return dict(zip(done["table_name"].to_pylist(), done["fingerprint"].to_pylist(), strict=True))


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
) -> RunReport:
    """Ingests landing files and builds models; failures are recorded, never half-written.

    Holds the lakehouse's run lock, so a second run on the same lakehouse fails fast.
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
            engine.refresh()
            emit("ingest_done", {"report": report.ingest})
        project = Project.load(models_dir)
        models = project.select(select)
        fingerprints = last_fingerprints(lakehouse)
        failed: set[TableRef] = set()
        emit("models_start", {"count": len(models)})
        for model in models:
            record = run_model(
                engine,
                model,
                run_id=run_id,
                full_refresh=full_refresh,
                previous=fingerprints.get(str(model.ref)),
                upstream_failed=bool(model.depends_on & failed),
            )
            if record["status"] in ("failed", "skipped"):
                failed.add(model.ref)
            report.models.append(record)
            emit("model_done", record)
        report.seconds = time.perf_counter() - started
        return report


def run_model(
    engine: Engine,
    model: Model,
    *,
    run_id: str,
    full_refresh: bool,
    previous: str | None,
    upstream_failed: bool,
) -> dict[str, Any]:
    lakehouse = engine.lakehouse
    started_at = ops.utc_now()
    clock = time.perf_counter()
    versions = {str(ref): lakehouse.version(ref) for ref in model.depends_on}
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
    }
    result: BuildResult | None = None
    if upstream_failed:
        record.update(status="skipped", message="an upstream model failed")
    elif previous == fingerprint and lakehouse.exists(model.ref) and not full_refresh:
        record.update(status="up_to_date", message="inputs and code unchanged since last build")
    else:
        try:
            if model.sql is not None:
                result = build_model(engine, model, run_id=run_id, full_refresh=full_refresh)
            else:
                result = write_python_model(engine, model)
        except LakehouseError as exc:
            record.update(status="failed", message=str(exc))
        except Exception as exc:  # a model failing must not stop the ledger or other branches
            record.update(status="failed", message=f"{type(exc).__name__}: {exc}")
        if result is not None and result.blocked:
            record.update(status="failed", message=result.message)
            ops.append(lakehouse, "dq_results", result.dq_results)
        elif result is not None:
            record.update(
                rows_in=result.rows_in,
                rows_out=result.rows_out,
                delta_version=result.version,
                message=result.message,
            )
            record_build(lakehouse, model, result, run_id)
    record["ended_at"] = ops.utc_now()
    record["duration_s"] = round(time.perf_counter() - clock, 3)
    ops.append(lakehouse, "runs", [record])
    return record


def record_build(lakehouse: Lakehouse, model: Model, result: BuildResult, run_id: str) -> None:
    """Ledger, DQ results and quarantine of one successful build."""
    ops.append(lakehouse, "row_ledger", [ledger_record(model.ref, result, run_id)])
    ops.append(lakehouse, "dq_results", result.dq_results)
    if result.quarantine or model.materialized == "table":
        ops.replace_table_quarantine(
            lakehouse,
            str(model.ref),
            result.quarantine,
            replace=model.materialized == "table",
        )
