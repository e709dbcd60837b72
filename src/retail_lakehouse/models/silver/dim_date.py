"""silver.dim_date — one row per calendar day, 2005-01-01 to 2035-12-31.

A fixed calendar (not derived from the facts) so every source and every later load joins
to the same days without rebuilding the dimension.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

DEPENDS_ON: list[str] = []
FIRST_DAY = dt.date(2005, 1, 1)
LAST_DAY = dt.date(2035, 12, 31)


def build(engine: Any) -> pa.Table:
    days = pc.cast(
        pa.array(range(FIRST_DAY.toordinal(), LAST_DAY.toordinal() + 1), pa.int64()), pa.int64()
    )
    dates = pc.cast(
        pc.subtract(days, dt.date(1970, 1, 1).toordinal()).cast(pa.int32()), pa.date32()
    )
    iso = pc.iso_calendar(dates)
    day_of_week = pc.struct_field(iso, [2])
    month = pc.month(dates)
    return pa.table(
        {
            "date_key": dates,
            "year": pc.year(dates).cast(pa.int32()),
            "quarter": pc.quarter(dates).cast(pa.int32()),
            "month": month.cast(pa.int32()),
            "month_name": pc.strftime(dates, format="%B"),
            "year_month": pc.strftime(dates, format="%Y-%m"),
            "day_of_month": pc.day(dates).cast(pa.int32()),
            "day_of_week": day_of_week.cast(pa.int32()),
            "day_name": pc.strftime(dates, format="%A"),
            "iso_year": pc.struct_field(iso, [0]).cast(pa.int32()),
            "iso_week": pc.struct_field(iso, [1]).cast(pa.int32()),
            "is_weekend": pc.greater_equal(day_of_week, 6),
        }
    )
