"""What happens to a micro-batch once a source has read it: parse → quarantine → bronze →
row ledger → sessions and hourly traffic. Kafka and file replay differ only in how they
read and in how they make their writes idempotent (:class:`BatchCommit`).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from retail_lakehouse import ops
from retail_lakehouse.storage import Lakehouse
from retail_lakehouse.streaming.events import BRONZE_TABLE, parse_events, with_audit
from retail_lakehouse.streaming.sessionize import (
    BRONZE,
    DEFAULT_WATERMARK,
    SESSION_INPUT_COLUMNS,
    Sessionizer,
    SessionizeResult,
)

Txn = tuple[str, int]


@dataclass
class BatchCommit:
    """How one batch's writes are made exactly-once.

    Kafka: app transactions (offsets) in the bronze, quarantine and ledger commits.
    Files: a predicate replacing the rows an earlier, interrupted load of the same file
    wrote (``_file_sha256 = …``).
    """

    bronze_txns: Sequence[Txn] = ()
    quarantine_txns: Sequence[Txn] = ()
    ledger_txns: Sequence[Txn] = ()
    replace_predicate: str | None = None
    ledger_predicate: str | None = None


@dataclass
class BatchReport:
    batch_id: str
    source: str
    rows_in: int
    rows_out: int
    quarantined: int
    late_events: int = 0
    sessions: int = 0
    hours: int = 0
    bronze_version: int | None = None
    seconds: float = 0.0
    committed_at: float = 0.0
    """Wall-clock time (``time.time()``) when gold.hourly_traffic held this batch."""
    reject_rules: dict[str, int] = field(default_factory=dict)


class ClickstreamPipeline:
    """The shared path from raw messages (RAW_SCHEMA) to bronze, silver and gold.

    Owns one in-process DuckDB connection (parsing and the session models); close it with
    :meth:`close`.
    """

    def __init__(
        self,
        lakehouse: Lakehouse,
        *,
        run_id: str | None = None,
        watermark: dt.timedelta = DEFAULT_WATERMARK,
        sessionize: bool = True,
    ) -> None:
        self.lakehouse = lakehouse
        self.run_id = run_id or ops.new_run_id()
        self.con = duckdb.connect()
        self.con.execute("set TimeZone = 'UTC'")
        self.sessionizer = (
            Sessionizer(lakehouse, self.con, watermark=watermark, run_id=self.run_id)
            if sessionize
            else None
        )

    def close(self) -> None:
        self.con.close()

    def catch_up(self) -> SessionizeResult:
        """Finishes sessionizing bronze rows an interrupted run left behind."""
        return self.sessionizer.catch_up() if self.sessionizer else SessionizeResult()

    def process(
        self,
        raw: pa.Table,
        *,
        batch_id: str,
        source: str,
        commit: BatchCommit,
        skip_quarantine: Callable[[dict[str, Any]], bool] | None = None,
    ) -> BatchReport:
        """Parses ``raw`` and writes every table for it; returns the batch's counts.

        ``skip_quarantine(reject_record) -> bool`` leaves out rejects an earlier attempt
        already quarantined (Kafka re-reads them after a crash before the bronze commit).
        """
        started = time.monotonic()
        at = ops.utc_now()
        parsed = parse_events(self.con, raw)
        rejects = parsed.rejects.to_pylist()
        records = [
            {
                "run_id": self.run_id,
                "table_name": BRONZE_TABLE,
                **reject,
                "_run_id": self.run_id,
                "_file_sha256": batch_id,
                "quarantined_at": at,
            }
            for reject in rejects
            if skip_quarantine is None or not skip_quarantine(reject)
        ]
        self._write_quarantine(records, commit)
        bronze = with_audit(parsed.events, run_id=self.run_id, batch_id=batch_id, at=at)
        version = self._write_bronze(bronze, commit)
        rules: dict[str, int] = {}
        for reject in rejects:
            rules[reject["_rule"]] = rules.get(reject["_rule"], 0) + 1
        report = BatchReport(
            batch_id=batch_id,
            source=source,
            rows_in=parsed.rows_in,
            rows_out=parsed.events.num_rows,
            quarantined=len(rejects),
            bronze_version=version,
            reject_rules=rules,
        )
        self._write_ledger(report, commit)
        if self.sessionizer is not None:
            result = self.sessionizer.apply(
                parsed.events.select(SESSION_INPUT_COLUMNS), version, batch_id=batch_id
            )
            report.late_events = result.late_events
            report.sessions = result.sessions_written
            report.hours = result.hours_written
        report.seconds = time.monotonic() - started
        report.committed_at = time.time()
        return report

    def _write_quarantine(self, records: list[dict[str, Any]], commit: BatchCommit) -> None:
        ref = ops.ops_ref("quarantine")
        if commit.replace_predicate is not None:
            if records or self.lakehouse.exists(ref):
                predicate = f"table_name = '{BRONZE_TABLE}' AND {commit.replace_predicate}"
                mode: Any = "overwrite" if self.lakehouse.exists(ref) else "append"
                self.lakehouse.write(
                    ref,
                    ops.to_table("quarantine", records),
                    mode=mode,
                    predicate=predicate if mode == "overwrite" else None,
                )
            return
        if records:
            self.lakehouse.write(
                ref,
                ops.to_table("quarantine", records),
                mode="append",
                app_transactions=commit.quarantine_txns,
            )

    def _write_bronze(self, bronze: pa.Table, commit: BatchCommit) -> int:
        if commit.replace_predicate is not None and self.lakehouse.exists(BRONZE):
            return self.lakehouse.write(
                BRONZE,
                bronze,
                mode="overwrite",
                predicate=commit.replace_predicate,
                app_transactions=commit.bronze_txns,
            )
        return self.lakehouse.write(
            BRONZE, bronze, mode="append", app_transactions=commit.bronze_txns
        )

    def _write_ledger(self, report: BatchReport, commit: BatchCommit) -> None:
        record = ledger_record(
            self.run_id,
            report.source,
            rows_out=report.rows_out,
            quarantined=report.quarantined,
            bronze_version=report.bronze_version,
        )
        ref = ops.ops_ref("row_ledger")
        if commit.ledger_predicate is not None and self.lakehouse.exists(ref):
            self.lakehouse.write(
                ref,
                ops.to_table("row_ledger", [record]),
                mode="overwrite",
                predicate=f"table_name = '{BRONZE_TABLE}' AND {commit.ledger_predicate}",
            )
            return
        self.lakehouse.write(
            ref,
            ops.to_table("row_ledger", [record]),
            mode="append",
            app_transactions=commit.ledger_txns,
        )


def ledger_record(
    run_id: str, source: str, *, rows_out: int, quarantined: int, bronze_version: int | None
) -> dict[str, Any]:
    """One ``ops.row_ledger`` row for a bronze batch: rows_in = out + quarantined."""
    return {
        "run_id": run_id,
        "layer": "bronze",
        "table_name": BRONZE_TABLE,
        "source": source,
        "rows_in": rows_out + quarantined,
        "rows_out": rows_out,
        "rows_quarantined": quarantined,
        "rows_dropped": 0,
        "dropped_by_rule": json.dumps({}),
        "table_version": bronze_version,
        "recorded_at": ops.utc_now(),
    }
