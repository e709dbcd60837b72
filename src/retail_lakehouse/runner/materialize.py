"""Build one model: stage its rows, account for every row, check expectations, then write.

Nothing becomes visible before the checks pass, and each write is a single Delta commit.
The stage carries two control columns: ``_drop_rule`` (set by the model's SQL for rows a
named rule removes, e.g. exact duplicates) and ``_quarantine_rule`` (set here from the
model's ``quarantine`` expectations). Their counts feed the row ledger.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from retail_lakehouse import ops
from retail_lakehouse.engines import Engine
from retail_lakehouse.errors import ConfigError, ModelError
from retail_lakehouse.quality import expectations as dq
from retail_lakehouse.runner.project import Model
from retail_lakehouse.storage import MergeSpec, TableRef
from retail_lakehouse.storage.delta import quote, sql_string

DROP = "_drop_rule"
QUARANTINE = "_quarantine_rule"
CONTROL = (DROP, QUARANTINE)
STAGE = "__stage"
_SAMPLE_ROWS = 5


@dataclass
class BuildResult:
    rows_in: int = 0
    rows_out: int = 0
    rows_quarantined: int = 0
    dropped_by_rule: dict[str, int] = field(default_factory=dict)
    version: int | None = None
    dq_results: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""
    blocked: bool = False
    """A ``fail`` expectation failed: nothing was written."""

    @property
    def rows_dropped(self) -> int:
        return sum(self.dropped_by_rule.values())


def output_columns(engine: Engine, sql: str) -> list[str]:
    return list(engine.query(f"select * from ({sql}) as model_output limit 0").column_names)


def build_model(engine: Engine, model: Model, *, run_id: str, full_refresh: bool) -> BuildResult:
    """Stages, checks and writes ``model``; writes nothing when a ``fail`` check fails."""
    assert model.sql is not None
    lakehouse = engine.lakehouse
    exists = lakehouse.exists(model.ref)
    checks = dq.parse_all(model.expectations, f"{model.path.name}")
    columns = output_columns(engine, model.sql)
    incremental_filter = watermark_filter(model, exists=exists, full_refresh=full_refresh)
    stage_sql = staged_sql(model.sql, columns, checks, incremental_filter)
    engine.create_stage(STAGE, stage_sql)
    try:
        result = account_rows(engine, model, incremental_filter)
        result.quarantine = quarantined_records(engine, model, columns, run_id)
        data_columns = [c for c in columns if c not in CONTROL]
        out_sql = (
            f"select {', '.join(quote(c) for c in data_columns)} from {STAGE} "
            f"where {DROP} is null and {QUARANTINE} is null"
        )
        result.dq_results = evaluate(engine, model, checks, out_sql, run_id)
        failed = [r for r in result.dq_results if r["severity"] == "fail" and not r["passed"]]
        if failed:
            names = ", ".join(f"{r['expectation']} ({r['failing_rows']} rows)" for r in failed)
            result.blocked = True
            result.message = f"expectation(s) failed: {names}; nothing was written"
            return result
        if result.rows_out == 0 and exists and model.materialized != "table":
            result.version = lakehouse.version(model.ref)
            result.message = "no new rows"
        else:
            result.version = write(engine, model, out_sql, data_columns, exists, full_refresh)
    finally:
        engine.drop_stage(STAGE)
    return result


def watermark_filter(model: Model, *, exists: bool, full_refresh: bool) -> str | None:
    if model.materialized != "incremental" or not exists or full_refresh:
        return None
    if not model.watermark:
        return None
    wm = quote(model.watermark)
    return f"{wm} > (select max({wm}) from {model.ref})"


def staged_sql(
    sql: str, columns: Sequence[str], checks: Sequence[dq.Expectation], where: str | None
) -> str:
    quarantine_checks = [c for c in checks if c.severity == "quarantine"]
    cases = " ".join(
        f"when {dq.failing_predicate(c)} then {sql_string(c.name)}" for c in quarantine_checks
    )
    quarantine_rule = f"case {cases} end" if cases else "cast(null as varchar)"
    drop_rule = DROP if DROP in columns else f"cast(null as varchar) as {DROP}"
    passthrough = ", ".join(quote(c) for c in columns if c not in CONTROL)
    filtered = f" where {where}" if where else ""
    return (
        f"select {passthrough}, {drop_rule}, "
        f"case when {DROP} is null then {quarantine_rule} end as {QUARANTINE} "
        f"from (select *{'' if DROP in columns else f', cast(null as varchar) as {DROP}'} "
        f"from ({sql}) as model_output{filtered}) as model_rows"
    )


def account_rows(engine: Engine, model: Model, where: str | None) -> BuildResult:
    counts = engine.query(
        f"select {DROP} as drop_rule, {QUARANTINE} as quarantine_rule, count(*) as n "
        f"from {STAGE} group by {DROP}, {QUARANTINE}"
    ).to_pylist()
    result = BuildResult()
    for row in counts:
        n = int(row["n"])
        result.rows_in += n
        if row["drop_rule"] is not None:
            rule = str(row["drop_rule"])
            result.dropped_by_rule[rule] = result.dropped_by_rule.get(rule, 0) + n
        elif row["quarantine_rule"] is not None:
            result.rows_quarantined += n
        else:
            result.rows_out += n
    if model.conserves is not None:
        source = model.conserves
        filtered = f" where {where}" if where else ""
        expected = int(
            engine.query(f"select count(*) as n from {source}{filtered}")["n"][0].as_py()
        )
        if expected != result.rows_in:
            raise ModelError(
                f"{model.ref} accounts for {result.rows_in} rows but {source} has {expected}: "
                "the model's SQL loses or duplicates rows; fix its joins."
            )
    return result


def quarantined_records(
    engine: Engine, model: Model, columns: Sequence[str], run_id: str
) -> list[dict[str, Any]]:
    rows = engine.query(
        f"select * from {STAGE} where {DROP} is null and {QUARANTINE} is not null"
    ).to_pylist()
    now = ops.utc_now()
    records = []
    for row in rows:
        rule = row.pop(QUARANTINE)
        row.pop(DROP)
        records.append(
            {
                "run_id": run_id,
                "table_name": str(model.ref),
                "_source_file": row.get("_source_file"),
                "_source_part": row.get("_source_part"),
                "_source_line": row.get("_source_line"),
                "_rule": rule,
                "_reason": f"failed expectation {rule}",
                "_run_id": run_id,
                "_file_sha256": row.get("_file_sha256"),
                "record": json.dumps(row, default=str, ensure_ascii=False),
                "quarantined_at": now,
            }
        )
    return records


def evaluate(
    engine: Engine, model: Model, checks: Sequence[dq.Expectation], out_sql: str, run_id: str
) -> list[dict[str, Any]]:
    """Runs every non-quarantine expectation on the rows about to be written."""
    results = []
    now = ops.utc_now()
    for check in checks:
        if check.severity == "quarantine":
            continue
        failing_sql = dq.failing_rows_sql(check, f"({out_sql})")
        n = int(engine.query(f"select count(*) as n from ({failing_sql}) as f")["n"][0].as_py())
        sample = (
            engine.query(f"select * from ({failing_sql}) as f limit {_SAMPLE_ROWS}").to_pylist()
            if n
            else []
        )
        results.append(
            {
                "run_id": run_id,
                "table_name": str(model.ref),
                "expectation": check.name,
                "severity": check.severity,
                "failing_rows": n,
                "passed": n == 0,
                "sample": json.dumps(sample, default=str, ensure_ascii=False),
                "checked_at": now,
            }
        )
    return results


def write(
    engine: Engine,
    model: Model,
    out_sql: str,
    columns: Sequence[str],
    exists: bool,
    full_refresh: bool,
) -> int:
    kind = model.materialized
    if kind == "table" or not exists or full_refresh:
        if kind == "scd2":
            return engine.write(
                model.ref, scd2_initial_sql(model, out_sql, columns), mode="overwrite"
            )
        return engine.write(model.ref, out_sql, mode="overwrite", partition_by=model.partition_by)
    if kind == "incremental":
        return merge_incremental(engine, model, out_sql, columns)
    return merge_scd2(engine, model, out_sql, columns)


def merge_incremental(engine: Engine, model: Model, out_sql: str, columns: Sequence[str]) -> int:
    keys = model.unique_key
    if not keys:
        raise ConfigError(f"{model.path.name}: incremental models need a unique_key.")
    predicate = " and ".join(f"target.{quote(k)} = source.{quote(k)}" for k in keys)
    spec = MergeSpec(
        predicate=predicate,
        matched_update={c: f"source.{quote(c)}" for c in columns},
        insert_columns=list(columns),
    )
    return engine.merge(model.ref, out_sql, spec)


def record_hash_sql(tracked: Sequence[str]) -> str:
    parts = ", ".join(f"coalesce(cast({quote(c)} as varchar), '<null>')" for c in tracked)
    return f"md5(concat_ws('|', {parts}))"


def _scd2_key(model: Model) -> str:
    if len(model.unique_key) != 1:
        raise ConfigError(f"{model.path.name}: scd2 models need exactly one unique_key column.")
    return model.unique_key[0]


def scd2_initial_sql(model: Model, out_sql: str, columns: Sequence[str]) -> str:
    cfg = model.scd2
    key = quote(_scd2_key(model))
    cols = ", ".join(f"s.{quote(c)}" for c in columns)
    return (
        f"select {quote(cfg.version_key)}, {cols}, {quote('record_hash')}, "
        f"cast(null as timestamptz) as valid_to, true as is_current, version_number "
        f"from (select *, {key} || '#1' as {quote(cfg.version_key)}, "
        f"{record_hash_sql(cfg.tracked)} as record_hash, 1 as version_number "
        f"from ({out_sql}) as snap) as s"
    )


def merge_scd2(engine: Engine, model: Model, out_sql: str, columns: Sequence[str]) -> int:
    """Closes the current version of changed keys and inserts their new version, one commit."""
    cfg = model.scd2
    key = quote(_scd2_key(model))
    valid_from = quote(cfg.valid_from)
    cols = ", ".join(f"snap.{quote(c)}" for c in columns)
    # The hash is computed in a sub-select so both sides of the comparison use one expression.
    snap = f"select *, {record_hash_sql(cfg.tracked)} as snap_hash from ({out_sql}) as o"
    changes = (
        f"select {cols}, snap.snap_hash as record_hash, "
        f"coalesce(cur.version_number, 0) + 1 as version_number, "
        f"cur.{key} is not null as is_change "
        f"from ({snap}) as snap left join "
        f"(select * from {model.ref} where is_current) as cur on snap.{key} = cur.{key} "
        f"where cur.{key} is null or cur.record_hash <> snap.snap_hash"
    )
    n_changes = int(engine.query(f"select count(*) as n from ({changes}) as c")["n"][0].as_py())
    if n_changes == 0:
        return engine.lakehouse.version(model.ref) or 0
    target_cols = [
        cfg.version_key,
        *columns,
        "record_hash",
        "valid_to",
        "is_current",
        "version_number",
    ]
    new_rows = (
        f"{key} || '#' || cast(version_number as varchar) as {quote(cfg.version_key)}, "
        + ", ".join(quote(c) for c in columns)
        + ", record_hash, cast(null as timestamptz) as valid_to, true as is_current, version_number"
    )
    source_sql = (
        f"select {key} as _merge_key, {new_rows} from ({changes}) as c where is_change "
        f"union all "
        f"select cast(null as varchar) as _merge_key, {new_rows} from ({changes}) as c"
    )
    spec = MergeSpec(
        predicate=f"target.{key} = source._merge_key and target.is_current",
        matched_update={"valid_to": f"source.{valid_from}", "is_current": "false"},
        insert_columns=target_cols,
    )
    return engine.merge(model.ref, source_sql, spec)


def python_model_table(engine: Engine, model: Model) -> pa.Table:
    assert model.build is not None
    table = model.build(engine)
    if not isinstance(table, pa.Table):
        raise ModelError(f"{model.path.name}: build() must return a pyarrow.Table.")
    return table


def write_python_model(engine: Engine, model: Model) -> BuildResult:
    table = python_model_table(engine, model)
    version = engine.lakehouse.write(model.ref, table, mode="overwrite")
    engine.refresh(model.ref)
    return BuildResult(rows_in=table.num_rows, rows_out=table.num_rows, version=version)


def ledger_record(model: TableRef, result: BuildResult, run_id: str) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "layer": model.layer,
        "table_name": str(model),
        "source": None,
        "rows_in": result.rows_in,
        "rows_out": result.rows_out,
        "rows_quarantined": result.rows_quarantined,
        "rows_dropped": result.rows_dropped,
        "dropped_by_rule": json.dumps(result.dropped_by_rule, sort_keys=True),
        "table_version": result.version,
        "recorded_at": ops.utc_now(),
    }
