"""Compare two Arrow tables row by row: same rows, floats equal to a relative tolerance."""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa


def _sort_key(row: dict[str, Any], columns: list[str]) -> tuple[Any, ...]:
    return tuple(
        (0, "")
        if row[c] is None
        else (1, round(row[c], 6) if isinstance(row[c], float) else row[c])
        for c in columns
    )


def assert_same_rows(left: pa.Table, right: pa.Table, *, rel: float = 1e-9, name: str = "") -> None:
    assert left.column_names == right.column_names, name
    assert left.num_rows == right.num_rows, f"{name}: {left.num_rows} vs {right.num_rows} rows"
    columns = left.column_names
    a = sorted(left.to_pylist(), key=lambda r: _sort_key(r, columns))
    b = sorted(right.to_pylist(), key=lambda r: _sort_key(r, columns))
    for row_a, row_b in zip(a, b, strict=True):
        for column in columns:
            x, y = row_a[column], row_b[column]
            if isinstance(x, float) and isinstance(y, float):
                assert math.isclose(x, y, rel_tol=rel, abs_tol=1e-12), (name, column, row_a, row_b)
            else:
                assert x == y, (name, column, row_a, row_b)
