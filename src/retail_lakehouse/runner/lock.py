"""One run at a time per lakehouse: two runs interleaving would race on the same tables."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from retail_lakehouse.errors import LakehouseError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, runs are not guarded
    fcntl = None  # type: ignore[assignment]


class RunInProgress(LakehouseError):
    """Another run holds the lakehouse lock."""


@contextmanager
def run_lock(home: Path) -> Iterator[None]:
    """Holds ``<home>/.run.lock`` for the duration; the OS releases it if the process dies."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / ".run.lock"
    with path.open("a+") as handle:
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                raise RunInProgress(
                    f"another run (pid {holder}) is working on {home}; wait for it to finish."
                ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
