"""silver.fx_rate_seed — one row per currency and day: how many EUR one unit buys (seed).

Built from the shipped seed ``fx_rates.csv`` (rates from a ``valid_from`` day on). Days
before a currency's first seed row take that first rate, flagged ``extrapolated``. Rates are
DECIMAL(16,12) so EUR amounts are exact sums of cents on every engine.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse.seeds import read_seed

DEPENDS_ON: list[str] = []
FIRST_DAY = dt.date(2005, 1, 1)
LAST_DAY = dt.date(2035, 12, 31)
RATE_TYPE = pa.decimal128(16, 12)
SEED_LOADED_AT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_QUANTUM = Decimal("0.000000000001")


def rate_to_eur(units_per_eur: str) -> Decimal:
    """EUR per unit, to 12 decimals: ``rate_to_eur("0.88305")`` → ``Decimal('1.132438712417')``."""
    return (Decimal(1) / Decimal(units_per_eur)).quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)


def build(engine: Any) -> pa.Table:
    """The seed's rates per day.

    ``_ingested_at`` is a fixed instant (:data:`SEED_LOADED_AT`) so builds are reproducible:
    a changed seed rewrites this table, and that rewrite makes ``silver.fx_rate`` rebuild.
    """
    loaded_at = SEED_LOADED_AT
    seed = read_seed("fx_rates", {"valid_from": pa.date32()})
    days = np.arange(np.datetime64(FIRST_DAY.isoformat()), np.datetime64(LAST_DAY.isoformat()) + 1)
    parts = []
    for currency in sorted(set(seed["currency"].to_pylist())):
        rows = seed.filter(pc.equal(seed["currency"], currency)).sort_by("valid_from")
        starts = np.array(rows["valid_from"].to_pylist(), dtype="datetime64[D]")
        rates = pa.array([rate_to_eur(u) for u in rows["units_per_eur"].to_pylist()], RATE_TYPE)
        units = pa.array([float(u) for u in rows["units_per_eur"].to_pylist()], pa.float64())
        basis = rows["basis"]
        index = np.searchsorted(starts, days, side="right") - 1
        before_first = index < 0
        picks = pa.array(np.clip(index, 0, None))
        parts.append(
            pa.table(
                {
                    "currency": pa.array([currency] * len(days)),
                    "rate_date": pa.array(days, pa.date32()),
                    "units_per_eur": units.take(picks),
                    "rate_to_eur": rates.take(picks),
                    "basis": pc.if_else(pa.array(before_first), "extrapolated", basis.take(picks)),
                }
            )
        )
    table = pa.concat_tables(parts)
    return table.append_column(
        "_ingested_at", pa.array([loaded_at] * table.num_rows, pa.timestamp("us", tz="UTC"))
    )
