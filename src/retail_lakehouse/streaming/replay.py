"""File replay: the same click events as JSON Lines files in ``landing/clickstream/``, for
users without Kafka. Only the reading differs from the Kafka consumer; parsing,
quarantine, bronze, ledger and sessionization are the shared :class:`ClickstreamPipeline`.

A file is loaded whole as one batch, at most once (its sha256 is recorded in
``ops.ingest_log``); a load interrupted by a crash is replaced when the file is loaded
again (bronze, quarantine and ledger rows are keyed by the file's checksum).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from retail_lakehouse import ops
from retail_lakehouse.bronze.ingest import discover_files, display_path, file_sha256
from retail_lakehouse.storage import Lakehouse
from retail_lakehouse.storage.delta import sql_string
from retail_lakehouse.streaming.events import BRONZE_TABLE, RAW_SCHEMA
from retail_lakehouse.streaming.pipeline import BatchCommit, BatchReport, ClickstreamPipeline
from retail_lakehouse.streaming.sessionize import DEFAULT_WATERMARK

SOURCE = "clickstream"
SUFFIXES = (".jsonl", ".ndjson", ".json")


def read_json_lines(path: Path, relative: str) -> pa.Table:
    """The lines of a JSON Lines file as raw messages (RAW_SCHEMA); line numbers from 1."""
    lines = path.read_bytes().split(b"\n")
    if lines and not lines[-1].strip():
        lines.pop()  # the newline that ends the last line
    lines = [line.removesuffix(b"\r") for line in lines]
    size = len(lines)
    return pa.table(
        {
            "_source_file": pa.array([relative] * size, pa.string()),
            "_source_part": pa.nulls(size, pa.string()),
            "_source_line": pa.array(range(1, size + 1), pa.int64()),
            "kafka_partition": pa.nulls(size, pa.int32()),
            "kafka_offset": pa.nulls(size, pa.int64()),
            "kafka_timestamp": pa.nulls(size, pa.timestamp("us", tz="UTC")),
            "payload": pa.array(lines, pa.binary()),
        },
        schema=RAW_SCHEMA,
    )


def ingest_clickstream_files(
    lakehouse: Lakehouse,
    landing: Path,
    *,
    run_id: str | None = None,
    watermark: dt.timedelta = DEFAULT_WATERMARK,
    on_file: Callable[[BatchReport], None] | None = None,
) -> list[BatchReport]:
    """Loads the new JSON Lines files of ``landing/clickstream/`` through the stream path.

    Returns one report per file loaded; files already loaded (same sha256) are skipped.
    """
    folder = landing / SOURCE
    if not folder.is_dir():
        return []
    run_id = run_id or ops.new_run_id()
    log = ops.read(lakehouse, "ingest_log")
    loaded = {
        sha
        for sha, source, status in zip(
            log.column("sha256").to_pylist(),
            log.column("source").to_pylist(),
            log.column("status").to_pylist(),
            strict=True,
        )
        if source == SOURCE and status == "loaded"
    }
    pipeline = ClickstreamPipeline(lakehouse, run_id=run_id, watermark=watermark)
    reports: list[BatchReport] = []
    try:
        pipeline.catch_up()
        for path in discover_files(folder):
            if not path.name.lower().endswith(SUFFIXES) or not path.is_file():
                continue
            sha = file_sha256(path)
            if sha in loaded:
                continue
            relative = display_path(path.relative_to(landing).as_posix())
            ledger_source = f"{relative} (sha256 {sha[:12]})"
            commit = BatchCommit(
                replace_predicate=f"_file_sha256 = {sql_string(sha)}",
                ledger_predicate=f"source = {sql_string(ledger_source)}",
            )
            report = pipeline.process(
                read_json_lines(path, relative),
                batch_id=sha,
                source=ledger_source,
                commit=commit,
            )
            ops.append(
                lakehouse,
                "ingest_log",
                [
                    {
                        "run_id": run_id,
                        "source": SOURCE,
                        "table_name": BRONZE_TABLE,
                        "file": relative,
                        "sha256": sha,
                        "status": "loaded",
                        "rows": report.rows_out,
                        "quarantined": report.quarantined,
                        "message": "",
                        "ingested_at": ops.utc_now(),
                    }
                ],
            )
            loaded.add(sha)
            reports.append(report)
            if on_file:
                on_file(report)
    finally:
        pipeline.close()
    return reports


def write_json_lines(path: Path, payloads: pa.Array) -> Path:
    """Writes event payloads (strings) as a JSON Lines file (the producer's replay export)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in payloads.to_pylist()), encoding="utf-8")
    return path
