"""The engine interface: what the runner, quality and bronze code may ask of an engine.

Every SQL string given to an engine is portable SQL in the DuckDB dialect that names tables
``<layer>.<table>``; the Spark engine transpiles it with SQLGlot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Protocol

from retail_lakehouse.storage import Lakehouse, MergeSpec, TableRef

if TYPE_CHECKING:
    import pyarrow as pa  # annotations only: importing engines stays cheap for `lakehouse sql`

WriteMode = Literal["overwrite", "append"]


class Engine(Protocol):
    """A SQL engine over the lakehouse's Delta tables."""

    name: str
    lakehouse: Lakehouse

    def refresh(self, ref: TableRef | None = None) -> None:
        """Makes the latest version of ``ref`` (or of every table) visible to queries."""

    def query(self, sql: str) -> pa.Table:
        """Runs a query and returns the (small) result as Arrow."""

    def columns(self, sql: str) -> list[str]:
        """The names of the columns ``sql`` returns, from planning it (no rows are read)."""

    def key_hash(self, columns: Sequence[str]) -> str:
        """A SQL expression: a 64-bit hash of the (quoted) ``columns``, equal for equal
        values (NULLs included). Cheap to group by where the values are wide."""

    def create_stage(self, name: str, sql: str) -> None:
        """Makes the result of ``sql`` queryable as the unqualified table ``name``."""

    def create_stage_from_arrow(self, name: str, table: pa.Table) -> None:
        """Makes a small in-memory table queryable as the unqualified table ``name``."""

    def drop_stage(self, name: str) -> None:
        """Forgets a stage created by :meth:`create_stage`."""

    def write(
        self,
        ref: TableRef,
        sql: str,
        *,
        mode: WriteMode,
        partition_by: Sequence[str] = (),
        cluster_by: Sequence[str] = (),
    ) -> int:
        """Writes the result of ``sql`` to ``ref`` in one commit; returns the new version.
        ``cluster_by``: the rows are written sorted by these columns."""

    def merge(self, ref: TableRef, source_sql: str, spec: MergeSpec) -> int:
        """Merges the result of ``source_sql`` into ``ref``; returns the new version."""

    def close(self) -> None:
        """Releases the engine's resources (sessions, servers)."""
