"""silver.category_keyword — description keywords → canonical category (seed)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from retail_lakehouse.seeds import read_seed

DEPENDS_ON: list[str] = []


def build(engine: Any) -> pa.Table:
    return read_seed("category_keywords", {"priority": pa.int32()})
