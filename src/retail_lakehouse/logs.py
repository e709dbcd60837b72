"""Structured JSON logs: one file per run under ``ops/logs/``, one JSON object per line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from retail_lakehouse import ops


class JsonLog:
    def __init__(self, folder: Path, run_id: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{run_id}.jsonl"
        self.run_id = run_id

    def event(self, kind: str, data: dict[str, Any]) -> None:
        record: dict[str, Any] = {"ts": ops.utc_now().isoformat(), "run_id": self.run_id}
        record["event"] = kind
        record.update({k: v for k, v in data.items() if k != "report"})
        if "report" in data:
            report = data["report"]
            record["files"] = getattr(report, "files", None)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, default=str) + "\n")
