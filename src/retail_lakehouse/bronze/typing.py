"""Vectorised parsing of text columns into the types a contract declares.

Each parser returns the typed array and a mask of values that were present but did not
parse, so bad values are quarantined with their column instead of becoming silent NULLs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse.sources.contract import ColumnType

DEFAULT_TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
)
_INT = r"^[+-]?\d+(\.0*)?$"
_INT64_MAX = "9223372036854775807"
_FLOAT = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_DECIMAL_COMMA = r"^[+-]?\d+,\d+$"
_SURELY_DECIMAL_COMMA = r"^[+-]?\d+,(\d{1,2}|\d{4,})$"
_SURELY_DECIMAL_POINT = r"^[+-]?\d*\.(\d{1,2}|\d{4,})([eE][+-]?\d+)?$"
"""A separator followed by exactly three digits may group thousands (1,000 or 1.000)."""
_FRACTION = r"(?P<seconds>:\d{2})\.(?P<digits>\d{1,9})$"
"""Fractional seconds: only after a time's seconds, never the year of ``30.04.2010``."""
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")


@dataclass(frozen=True)
class Parsed:
    values: pa.Array
    invalid: pa.BooleanArray
    """True where a non-empty value did not parse."""
    detail: str = ""
    """What the parser chose (e.g. the timestamp format), for the ingest log."""
    warning: str = ""
    """A choice the data could not decide (day/month order), for the ingest log."""


def blank_to_null(values: pa.Array) -> pa.Array:
    """Empty and white-space-only strings become NULL (``values`` itself when none is)."""
    blank = pc.or_(pc.equal(values, ""), pc.utf8_is_space(values))  # no copy of the text
    if not blank.true_count:
        return values
    return pc.if_else(blank, pa.scalar(None, pa.string()), values)


def _invalid(present: pa.Array, parsed: pa.Array) -> pa.BooleanArray:
    return pc.and_(pc.is_valid(present), pc.is_null(parsed))


def parse_int(values: pa.Array) -> Parsed:
    """Whole numbers (``12``, ``+12``, ``12.0``) that fit in 64 bits; others are invalid."""
    text = pc.utf8_trim_whitespace(values)
    ok = pc.match_substring_regex(text, _INT)
    cleaned = pc.replace_substring_regex(pc.if_else(ok, text, None), r"\.0*$", "")
    cleaned = pc.replace_substring_regex(cleaned, r"^\+", "")
    digits = pc.replace_substring_regex(cleaned, r"^-?0*", "")
    length = pc.utf8_length(digits)
    fits = pc.or_(
        pc.less(length, len(_INT64_MAX)),
        pc.and_(pc.equal(length, len(_INT64_MAX)), pc.less_equal(digits, _INT64_MAX)),
    )
    parsed = pc.cast(pc.if_else(fits, cleaned, None), pa.int64())
    return Parsed(parsed, _invalid(values, parsed))


def parse_float(values: pa.Array) -> Parsed:
    """Decimal numbers, with a point or a decimal comma; overflow to infinity is invalid.

    The data decides, per file, which separator is the decimal one: a comma only if some
    value is surely a decimal comma (``6,95``) and none surely a decimal point (``6.95``).
    The other separator then groups thousands, so values holding it (``1,000`` in a
    decimal-point column, ``1.234`` in a decimal-comma one) are invalid rather than misread.
    """
    text = pc.utf8_trim_whitespace(values)
    comma_column = (
        pc.any(pc.match_substring(text, ",")).as_py()  # cheap: most columns have no comma
        and pc.any(pc.match_substring_regex(text, _SURELY_DECIMAL_COMMA)).as_py()
        and not pc.any(pc.match_substring_regex(text, _SURELY_DECIMAL_POINT)).as_py()
    )
    if comma_column:
        point = pc.match_substring(text, ".")
        comma = pc.match_substring_regex(text, _DECIMAL_COMMA)
        text = pc.if_else(
            point, None, pc.if_else(comma, pc.replace_substring(text, ",", "."), text)
        )
    ok = pc.match_substring_regex(text, _FLOAT)
    parsed = pc.cast(pc.if_else(ok, text, None), pa.float64())
    parsed = pc.if_else(pc.is_finite(parsed), parsed, None)
    return Parsed(parsed, _invalid(values, parsed))


_DIRECTIVES = {
    "Y": r"\d{4}",
    "y": r"\d{2}",
    "m": r"\d{1,2}",
    "d": r"(?P<day>\d{1,2})",
    "H": r"\d{1,2}",
    "I": r"\d{1,2}",
    "M": r"\d{1,2}",
    "S": r"(?P<second>\d{1,2})",
    "p": r"[AaPp][Mm]",
    "%": "%",
}


def _format_regex(fmt: str) -> str | None:
    """A regex capturing the day and second that ``fmt`` reads; None for other directives."""
    pieces = re.split(r"(%.)", fmt)
    out = []
    for piece in pieces:
        if piece.startswith("%") and len(piece) == 2:
            if piece[1] not in _DIRECTIVES:
                return None
            out.append(_DIRECTIVES[piece[1]])
        else:
            out.append(re.escape(piece))
    return "^" + "".join(out) + "$"


def _strptime(text: pa.Array, fmt: str) -> pa.Array:
    """``strptime`` that refuses impossible dates instead of rolling them over.

    Arrow reads 2009-02-30 as 2009-03-02 and 23:59:60 as the next minute: the day and
    second read from the text must be the day and second of the result.
    """
    parsed = pc.strptime(text, format=fmt, unit="us", error_is_null=True)
    pattern = _format_regex(fmt)
    if pattern is None or "?P<" not in pattern or parsed.null_count == len(parsed):
        return parsed
    fields = pc.extract_regex(text, pattern)
    for name, component in (("day", pc.day), ("second", pc.second)):
        if f"?P<{name}>" in pattern:
            given = pc.cast(pc.struct_field(fields, [name]), pa.int64())
            rolled = pc.fill_null(pc.not_equal(given, component(parsed)), False)
            parsed = pc.if_else(rolled, pa.scalar(None, parsed.type), parsed)
    return parsed


def _count(parsed: pa.Array, weights: pa.Array | None) -> int:
    """How many rows ``parsed`` holds a value for (each weighing ``weights``, else 1)."""
    if weights is None:
        return int(len(parsed) - parsed.null_count)
    return int(pc.sum(pc.filter(weights, pc.is_valid(parsed))).as_py() or 0)


def parse_timestamp(
    values: pa.Array, formats: Sequence[str] = (), *, weights: pa.Array | None = None
) -> Parsed:
    """Parses with the one format (per file) that reads the most values.

    ISO ``T`` separators, a trailing ``Z``/``+00:00`` and fractional seconds are accepted.
    Day-first vs month-first is decided by the data, never per value: the format that reads
    the most values wins (a day above 12 decides). When both orders read every value, the
    first listed (month-first among the defaults) is used and ``warning`` says so.
    ``weights`` (the distinct values of a column with the number of rows holding each)
    makes "most values" count rows.
    """
    text = pc.utf8_trim_whitespace(values)
    text = pc.replace_substring_regex(text, r"^(\d{4}-\d{2}-\d{2})T", r"\1 ")
    text = pc.replace_substring_regex(text, r"(Z|[+-]00:?00)$", "")
    fraction = pc.extract_regex(text, _FRACTION)
    base = pc.replace_substring_regex(text, _FRACTION, r"\1")
    best: pa.Array | None = None
    best_fmt, best_count = "", -1
    for fmt in formats or DEFAULT_TIMESTAMP_FORMATS:
        candidate = _strptime(base, fmt)
        count = _count(candidate, weights)
        if count > best_count:
            best, best_fmt, best_count = candidate, fmt, count
        if count == _count(base, weights):
            break
    assert best is not None
    warning = ""
    swapped = swap_day_month(best_fmt)
    if best_count > 0 and swapped in (formats or DEFAULT_TIMESTAMP_FORMATS):
        other = _strptime(base, swapped)
        if _count(other, weights) == best_count:
            order = "day" if best_fmt.index("%d") < best_fmt.index("%m") else "month"
            warning = (
                f"day and month cannot be told apart (no value has a day above 12); read "
                f"{order} first ({best_fmt}); deliver ISO dates (YYYY-MM-DD) to be sure"
            )
    for fmt in DEFAULT_TIMESTAMP_FORMATS:  # year-first formats are unambiguous: mix them in
        if fmt.startswith("%Y") and fmt != best_fmt and best.null_count > base.null_count:
            best = pc.coalesce(best, _strptime(base, fmt))
    if fraction.null_count < len(fraction):
        padded = pc.binary_join_element_wise(pc.struct_field(fraction, [1]), "000000", "")
        micros = pc.cast(pc.utf8_slice_codeunits(padded, 0, 6), pa.int64())
        best = pc.add(best, pc.cast(pc.fill_null(micros, 0), pa.duration("us")))
    parsed = pc.cast(best, pa.timestamp("us", tz="UTC"))
    chosen = best_fmt if best_count > 0 else ""
    return Parsed(parsed, _invalid(values, parsed), chosen, warning)


def swap_day_month(fmt: str) -> str:
    """``%m/%d/%Y`` → ``%d/%m/%Y`` (and back); formats without both stay as they are."""
    if "%d" not in fmt or "%m" not in fmt:
        return fmt
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def parse_date(
    values: pa.Array, formats: Sequence[str] = (), *, weights: pa.Array | None = None
) -> Parsed:
    stamp = parse_timestamp(values, formats, weights=weights)
    return Parsed(pc.cast(stamp.values, pa.date32()), stamp.invalid, stamp.detail, stamp.warning)


def parse_bool(values: pa.Array) -> Parsed:
    text = pc.utf8_lower(pc.utf8_trim_whitespace(values))
    true = pc.is_in(text, pa.array(_TRUE))
    false = pc.is_in(text, pa.array(_FALSE))
    parsed = pc.if_else(true, True, pc.if_else(false, False, None))
    return Parsed(parsed, _invalid(values, parsed))


def parse_json(values: pa.Array) -> Parsed:
    """Keeps the text; flags values that are not valid JSON.

    Each distinct value is parsed once (JSON columns repeat: products, promotions), and the
    verdicts are mapped back to the rows by Arrow.
    """
    distinct = pc.drop_null(pc.unique(values)).to_pylist()
    bad = [v for v in distinct if not _is_json(v)]
    invalid = pc.fill_null(pc.is_in(values, pa.array(bad, pa.string())), False)
    return Parsed(values, invalid)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


NULL_TOKENS = ("null", "none", "nan", "n/a", "na", "nat", "\\n")


def null_tokens_to_null(values: pa.Array) -> pa.Array:
    """``NULL``, ``None``, ``NaN``, ``N/A``, ``\\N`` become NULL (for typed columns only)."""
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(values))
    return pc.if_else(
        pc.is_in(lowered, pa.array(NULL_TOKENS)), pa.scalar(None, pa.string()), values
    )


def parse_column(
    values: pa.Array,
    type_: ColumnType,
    formats: Sequence[str] = (),
    *,
    weights: pa.Array | None = None,
) -> Parsed:
    """Parses one text column (empty strings already NULL) into ``type_``.

    Typed columns also read the usual null spellings (``NULL``, ``NaN``, ...) as NULL;
    text columns keep them, since they may be real values. ``weights``: see
    :func:`parse_timestamp`.
    """
    if type_ != "string":
        values = null_tokens_to_null(values)
    parsers: dict[str, Callable[[pa.Array], Parsed]] = {
        "string": lambda v: Parsed(v, pa.repeat(pa.scalar(False), len(v))),
        "int": parse_int,
        "float": parse_float,
        "decimal": parse_float,
        "bool": parse_bool,
        "json": parse_json,
        "timestamp": lambda v: parse_timestamp(v, formats, weights=weights),
        "date": lambda v: parse_date(v, formats, weights=weights),
    }
    return parsers[type_](values)


DISTINCT_SAMPLE_ROWS = 65_536


def _repeats(text: pa.Array) -> bool:
    """Whether ``text`` repeats its values enough to parse each distinct one once: dates,
    quantities and prices do (a million rows, tens of thousands of values), ids do not."""
    if len(text) < 2 * DISTINCT_SAMPLE_ROWS:
        return False
    sample = text.slice(0, DISTINCT_SAMPLE_ROWS)
    return 2 * len(pc.unique(sample)) <= len(sample)


def parse_text(text: pa.Array, type_: ColumnType, formats: Sequence[str] = ()) -> Parsed:
    """Parses one text column as read (blank values become NULL) into ``type_``.

    Every parser works value by value except the per-file choices (timestamp format,
    decimal comma), which count rows. So a column that repeats its values is parsed one
    distinct value at a time, each weighed by its rows, and the results are mapped back to
    the rows by Arrow: the same values and verdicts, for a fraction of the regex work.
    """
    if type_ in ("string", "json") or not _repeats(text):
        return parse_column(blank_to_null(text), type_, formats)
    encoded = pc.dictionary_encode(text)
    indices = encoded.indices
    rows_per_value = np.bincount(
        indices.drop_null().to_numpy(), minlength=len(encoded.dictionary)
    ).astype(np.int64)
    parsed = parse_column(
        blank_to_null(encoded.dictionary), type_, formats, weights=pa.array(rows_per_value)
    )
    invalid = pc.fill_null(pc.take(parsed.invalid, indices), False)
    return Parsed(pc.take(parsed.values, indices), invalid, parsed.detail, parsed.warning)


TYPE_WORDS = {
    "int": "an integer",
    "float": "a number",
    "decimal": "a number",
    "bool": "a boolean",
    "json": "valid JSON",
    "timestamp": "a timestamp",
    "date": "a date",
    "string": "text",
}
