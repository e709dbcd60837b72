"""silver.category_map — each source's own category → the canonical cross-source category.

One seed (``category_map.csv``) for every source; ``*`` as source_category gives a source's
default. Sources without categories are classified by ``silver.category_keyword``.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse.seeds import read_seed

DEPENDS_ON: list[str] = []


def build(engine: Any) -> pa.Table:
    seed = read_seed("category_map")
    return seed.append_column(
        "category_key", pc.utf8_lower(pc.utf8_trim_whitespace(seed["source_category"]))
    )
