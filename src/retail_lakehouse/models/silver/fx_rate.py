"""silver.fx_rate — one row per currency and day: how many EUR one unit of the currency buys.

Built from the shipped seed ``fx_rates.csv`` (rates from a ``valid_from`` day on). Days
before a currency's first seed row take that first rate, flagged ``extrapolated``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa

from retail_lakehouse.seeds import read_seed

DEPENDS_ON: list[str] = []
FIRST_DAY = dt.date(2005, 1, 1)
LAST_DAY = dt.date(2035, 12, 31)


def build(engine: Any) -> pa.Table:
    seed = read_seed("fx_rates", {"valid_from": pa.date32(), "units_per_eur": pa.float64()})
    days = np.arange(np.datetime64(FIRST_DAY.isoformat()), np.datetime64(LAST_DAY.isoformat()) + 1)
    parts = []
    for currency in sorted(set(seed["currency"].to_pylist())):
        rows = seed.filter(pa.compute.equal(seed["currency"], currency)).sort_by("valid_from")
        starts = np.array(rows["valid_from"].to_pylist(), dtype="datetime64[D]")
        units = np.array(rows["units_per_eur"].to_pylist(), dtype=float)
        basis = np.array(rows["basis"].to_pylist(), dtype=object)
        index = np.searchsorted(starts, days, side="right") - 1
        before_first = index < 0
        index = np.clip(index, 0, None)
        parts.append(
            pa.table(
                {
                    "currency": pa.array([currency] * len(days)),
                    "rate_date": pa.array(days, pa.date32()),
                    "units_per_eur": pa.array(units[index]),
                    "rate_to_eur": pa.array(1.0 / units[index]),
                    "basis": pa.array(np.where(before_first, "extrapolated", basis[index])),
                }
            )
        )
    return pa.concat_tables(parts)
