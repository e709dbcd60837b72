"""Building blocks the demo-data generators share: draws, runs, calendar, text and CSV.

The generators simulate whole populations as numpy arrays and render files column-wise with
pyarrow kernels; this module holds the pieces that are the same in more than one of them.
Each function is deterministic given its ``rng`` and consumes random numbers in a fixed
order, so a generator that calls it writes the same bytes for the same seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
#: Calendar days: numpy ``datetime64[D]`` values, or whole days since 1970-01-01.
DayArray = npt.NDArray[np.datetime64] | IntArray
NumberArray = TypeVar("NumberArray", IntArray, FloatArray)

SECONDS_PER_DAY = 86_400
SECONDS_PER_HOUR = 3_600
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"

#: Characters that force a CSV field into quotes (RFC 4180; what ``csv.QUOTE_MINIMAL`` does).
CSV_NEEDS_QUOTES = r'[",\r\n]'
UTF8_BOM = b"\xef\xbb\xbf"


# --- random draws ---------------------------------------------------------------------------


def choose_weighted(
    rng: np.random.Generator, weights: Sequence[float] | FloatArray, size: int
) -> IntArray:
    """``size`` indices into ``weights``, each drawn with probability proportional to it.

    Weights need not sum to one (shares, counts and relative demand all work).
    """
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(p.size, size=size, p=p / p.sum()).astype(np.int64)


# --- runs: rows grouped one group after another ---------------------------------------------


def find_run_starts(sizes: IntArray) -> IntArray:
    """First row of each run when runs of ``sizes`` rows are laid out one after another."""
    return np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)


def number_within_runs(sizes: IntArray) -> IntArray:
    """0-based row number inside its run, for runs of ``sizes`` rows one after another."""
    rows = np.arange(int(sizes.sum()), dtype=np.int64)
    return rows - np.repeat(find_run_starts(sizes), sizes)


def rank_within(groups: IntArray) -> IntArray:
    """0-based position of each row inside its run of equal, contiguous ``groups`` values."""
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    run_lengths = np.diff(np.r_[starts, groups.size])
    return np.asarray(np.arange(groups.size) - np.repeat(starts, run_lengths), dtype=np.int64)


def cumsum_within(values: NumberArray, groups: IntArray) -> NumberArray:
    """Running sum of ``values`` restarting at each new run of equal, contiguous ``groups``."""
    if values.size == 0:
        return values.copy()
    total = np.cumsum(values)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    before = np.repeat(total[starts] - values[starts], np.diff(np.r_[starts, groups.size]))
    return np.asarray(total - before, dtype=values.dtype)


def forward_fill(values: IntArray) -> IntArray:
    """Replace -1 ("unchanged") with the last value set above it; the first row must be set."""
    index = np.where(values >= 0, np.arange(values.size), 0)
    np.maximum.accumulate(index, out=index)
    return values[index]


def find_repeated_pairs(group: IntArray, item: IntArray) -> IntArray:
    """Rows repeating a (group, item) pair seen in an earlier row, in (group, item) order.

    The first row of each pair is kept out, so dropping the result leaves every pair once.
    """
    order = np.lexsort((item, group))
    same = (np.diff(group[order]) == 0) & (np.diff(item[order]) == 0)
    return np.asarray(order[1:][same], dtype=np.int64)


def mark_first_pairs(group: IntArray, item: IntArray) -> BoolArray:
    """True on the first row of each (group, item) pair, False on the rows repeating it."""
    first = np.ones(group.size, dtype=np.bool_)
    first[find_repeated_pairs(group, item)] = False
    return first


# --- calendar -------------------------------------------------------------------------------


def weekday_of(days: DayArray) -> IntArray:
    """Day of the week, Monday = 0 (1970-01-01 was a Thursday)."""
    return np.asarray((np.asarray(days).astype(np.int64) + 3) % 7, dtype=np.int64)


def month_of_year(days: DayArray) -> IntArray:
    """Month of the year, January = 0."""
    months = np.asarray(days).astype("datetime64[D]").astype("datetime64[M]")
    return np.asarray(months.astype(np.int64) % 12, dtype=np.int64)


def flag_black_friday_weekend(days: npt.NDArray[np.datetime64]) -> BoolArray:
    """Black Friday to Cyber Monday: the Friday after the fourth Thursday of November on."""
    november_first = (days.astype("datetime64[Y]").astype("datetime64[M]") + 10).astype(
        "datetime64[D]"
    )
    to_thursday = (3 - weekday_of(november_first)) % 7
    black_friday = november_first + (to_thursday + 22).astype("timedelta64[D]")
    offset = (days - black_friday).astype(np.int64)
    return np.asarray((offset >= 0) & (offset <= 3), dtype=np.bool_)


@dataclass(frozen=True)
class DemandCurve:
    """When things happen: relative demand per day from ``start``, and per hour of the day.

    Events drawn from it crowd on busy days and hours, which gives the files their season,
    weekly rhythm and peaks without a per-event loop.
    """

    start: int
    """Midnight of the first day, in epoch seconds."""
    cumulative: FloatArray
    """Demand before each day: one more entry than there are days."""
    hour_share: FloatArray
    """Share of a day's events in each of its 24 hours."""

    @classmethod
    def build(
        cls, start: int, day_weights: FloatArray, hour_weights: Sequence[float]
    ) -> DemandCurve:
        return cls(
            start=start,
            cumulative=np.concatenate(([0.0], np.cumsum(day_weights))),
            hour_share=np.asarray(hour_weights, dtype=np.float64) / sum(hour_weights),
        )

    def _position(self, ts: IntArray) -> FloatArray:
        """Demand before ``ts``, linear within a day."""
        at = (ts - self.start) / SECONDS_PER_DAY
        day = np.clip(np.floor(at).astype(np.int64), 0, self.cumulative.size - 2)
        low = self.cumulative[day]
        return np.asarray(low + (self.cumulative[day + 1] - low) * (at - day), dtype=np.float64)

    def sample(self, rng: np.random.Generator, low: IntArray, high: IntArray) -> IntArray:
        """One timestamp (epoch seconds) in each [low, high) window, by day and hour demand."""
        u = rng.uniform(self._position(low), self._position(high))
        last_day = self.cumulative.size - 2
        day = np.clip(np.searchsorted(self.cumulative, u, side="right") - 1, 0, last_day)
        hour = rng.choice(24, size=u.size, p=self.hour_share)
        seconds = hour * SECONDS_PER_HOUR + rng.integers(0, SECONDS_PER_HOUR, u.size)
        ts = self.start + day.astype(np.int64) * SECONDS_PER_DAY + seconds
        return _move_into_windows(rng, ts, low, high)


def _move_into_windows(
    rng: np.random.Generator, ts: IntArray, low: IntArray, high: IntArray
) -> IntArray:
    """``ts``, or where the hour of day put it outside [low, high), a time of that edge day."""
    early, late = ts < low, ts >= high
    width = np.minimum(high - low, SECONDS_PER_DAY)
    edge_low = low + (rng.random(ts.size) * width).astype(np.int64)
    edge_high = high - 1 - (rng.random(ts.size) * width).astype(np.int64)
    return np.where(early, edge_low, np.where(late, edge_high, ts)).astype(np.int64)


# --- text columns ---------------------------------------------------------------------------


def join_text(*parts: pa.Array | pa.ChunkedArray | str) -> pa.Array:
    """Row-wise concatenation of text columns and literals, without a separator."""
    return pc.binary_join_element_wise(*parts, "")


def take_words(vocabulary: Sequence[str], index: IntArray) -> pa.Array:
    """The word of ``vocabulary`` each row's ``index`` names, as a text column."""
    return pa.array(list(vocabulary)).take(pa.array(index))


def format_integers(numbers: IntArray) -> pa.Array:
    """Whole numbers as text."""
    return pa.array(numbers).cast(pa.string())


def format_zero_padded(numbers: IntArray, width: int) -> pa.Array:
    """Whole numbers as text with leading zeros up to ``width`` (zip codes, ids)."""
    return pc.utf8_lpad(format_integers(numbers), width, "0")


def format_cents(cents: IntArray) -> pa.Array:
    """Exact decimal text of amounts in cents (``5890`` -> ``58.90``), free of float rounding."""
    return join_text(format_integers(cents // 100), ".", format_zero_padded(cents % 100, 2))


def format_epoch_seconds(
    seconds: IntArray, fmt: str = TIMESTAMP_FORMAT, valid: BoolArray | None = None
) -> pa.Array:
    """Epoch seconds as text in ``fmt``; null (an empty CSV field) where not ``valid``."""
    mask = None if valid is None else ~valid
    timestamps = pa.array(seconds.astype("datetime64[s]"), type=pa.timestamp("s"), mask=mask)
    return pc.strftime(timestamps, format=fmt)


# --- CSV ------------------------------------------------------------------------------------


def quote_csv_fields(text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Text as CSV fields: quoted, quotes doubled, only where a character needs it.

    pyarrow's writer quotes every string field (``quoting_style="needed"`` included), while the
    published files and Python's ``csv`` module quote only these; nulls stay null.
    """
    quoted = join_text('"', pc.replace_substring(text, '"', '""'), '"')
    return pc.if_else(pc.match_substring_regex(text, CSV_NEEDS_QUOTES), quoted, text)


def write_csv(table: pa.Table, path: Path, *, bom: bool = False) -> Path:
    """UTF-8 CSV with an unquoted header, minimally quoted fields, nulls as empty fields.

    Columns are written as Arrow casts them to text, so callers format dates and amounts
    first. Lines end in ``\\n``; ``bom`` starts the file with a UTF-8 byte order mark.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = [quote_csv_fields(column.cast(pa.string())) for column in table.columns]
    lines = pc.binary_join_element_wise(*fields, ",", null_handling="replace", null_replacement="")
    with path.open("wb") as sink:
        sink.write((UTF8_BOM if bom else b"") + (",".join(table.column_names) + "\n").encode())
        for chunk in lines.chunks:
            write_text_rows(sink, join_text(chunk, "\n").cast(pa.large_string()))
    return path


def write_text_rows(
    sink: BinaryIO, text: pa.LargeStringArray, start: int = 0, stop: int | None = None
) -> None:
    """Writes rows ``start`` to ``stop - 1`` of ``text`` back to back.

    The bytes come straight from Arrow's data buffer: no Python string per row.
    """
    stop = len(text) if stop is None else stop
    if stop <= start:
        return
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)
    first, last = offsets[text.offset + start], offsets[text.offset + stop]
    sink.write(memoryview(text.buffers()[2])[first:last])
