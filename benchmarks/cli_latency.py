"""``make bench``: how long a person waits for ``lakehouse --help`` and ``lakehouse sql``.

Each command runs ``--runs`` times as a fresh process (the console script, as a person types
it) after one warm-up run; the table gives the median and minimum wall time and the median
CPU time (user + sys, less sensitive to other load on the machine) against the 300 ms target
of issue 17. The ``sql`` case queries ``gold.sales_daily`` of a small demo lakehouse built in
a temp dir first (``--home`` to use an existing one instead).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

TARGET_MS = 300
LAKEHOUSE = str(Path(sys.executable).with_name("lakehouse"))
CASES = {
    "lakehouse --help": ["--help"],
    "lakehouse sql (gold table)": [
        "sql",
        "select * from gold.sales_daily order by date desc limit 10",
    ],
}


def measure(args: list[str], env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each run of ``lakehouse *args`` (after one warm-up run)."""
    walls: list[float] = []
    cpus: list[float] = []
    for i in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([LAKEHOUSE, *args], env=env, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i:
            walls.append(wall)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--home", type=Path, help="an existing lakehouse (default: a demo one)")
    options = parser.parse_args()
    temp = None if options.home else Path(tempfile.mkdtemp(prefix="cli-latency-"))
    home = options.home or temp / "lakehouse"  # type: ignore[operator]
    env = dict(os.environ, LAKEHOUSE_HOME=str(home))
    try:
        if temp is not None:
            subprocess.run([LAKEHOUSE, "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
        table = Table(title=f"CLI latency ({options.runs} runs, {os.cpu_count()} cores)")
        for column in ("command", "wall median ms", "wall min ms", "cpu median ms", "target"):
            table.add_column(column, justify="left" if column == "command" else "right")
        for name, args in CASES.items():
            walls, cpus = measure(args, env, options.runs)
            median = statistics.median(walls) * 1000
            table.add_row(
                name,
                f"{median:.0f}",
                f"{min(walls) * 1000:.0f}",
                f"{statistics.median(cpus) * 1000:.0f}",
                f"{'✓' if median <= TARGET_MS else '✗'} ≤ {TARGET_MS}",
            )
        Console().print(table)
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
