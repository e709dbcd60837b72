"""``lakehouse maintain``: compact small files and vacuum old ones in every Delta table.

Holds the run lock, so it never races a run that writes; readers are safe throughout
(compaction is a new Delta version; vacuum only deletes files no version within the
retention still needs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from retail_lakehouse.errors import ConfigError
from retail_lakehouse.runner.lock import run_lock
from retail_lakehouse.storage import Lakehouse, TableRef

DEFAULT_RETENTION_HOURS = 7 * 24
ZORDER: dict[str, tuple[str, ...]] = {}
"""Tables Z-ordered on compaction, by measurement only (docs/gold.md: none pays today)."""


@dataclass(frozen=True)
class Maintained:
    table: str
    files_removed: int
    files_added: int
    files_vacuumed: int
    version: int


def maintain_table(
    lakehouse: Lakehouse, ref: TableRef, *, retention_hours: int = DEFAULT_RETENTION_HOURS
) -> Maintained:
    """Compacts (or Z-orders, when listed in ZORDER) and vacuums one table."""
    table = lakehouse.table(ref)
    columns = ZORDER.get(str(ref))
    metrics: dict[str, Any] = (
        table.optimize.z_order(list(columns)) if columns else table.optimize.compact()
    )
    vacuumed = table.vacuum(
        retention_hours=retention_hours,
        enforce_retention_duration=retention_hours >= DEFAULT_RETENTION_HOURS,
        dry_run=False,
    )
    return Maintained(
        table=str(ref),
        files_removed=int(metrics.get("numFilesRemoved", 0)),
        files_added=int(metrics.get("numFilesAdded", 0)),
        files_vacuumed=len(vacuumed),
        version=int(lakehouse.table(ref).version()),
    )


def maintain_lakehouse(
    lakehouse: Lakehouse,
    *,
    retention_hours: int = DEFAULT_RETENTION_HOURS,
    layers: tuple[str, ...] = ("bronze", "silver", "gold", "ops"),
) -> list[Maintained]:
    """Maintains every table of ``layers`` under the run lock (fails fast during a run)."""
    if retention_hours < 0:
        raise ConfigError("--retention-hours must be 0 or more (7 days = 168 is the default).")
    with run_lock(lakehouse.home):
        return [
            maintain_table(lakehouse, ref, retention_hours=retention_hours)
            for layer in layers
            for ref in lakehouse.tables(layer)
        ]
