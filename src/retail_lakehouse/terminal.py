"""What reaches the terminal: user-derived text made inert, query values made readable.

File names, headers, paths, table values and error messages come from outside; printed raw
they can crash Rich (``[/]`` is markup), hide text (``[bold]``) or drive the terminal (an
ANSI escape in a file name). :func:`safe` is the one way such text enters a Rich string.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

# C0 controls (but not tab), DEL, C1 controls, and the bidi overrides that reorder text.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NUMERIC_TYPES = re.compile(
    r"^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|U?HUGEINT|FLOAT|DOUBLE|REAL|DECIMAL.*)$"
)


def visible(text: object) -> str:
    r"""``text`` as a string whose control characters are shown, not obeyed.

    >>> visible("a\x1b[31mb\n")
    'a\\x1b[31mb\\n'
    """
    return _CONTROL.sub(_escape_control, str(text))


def _escape_control(match: re.Match[str]) -> str:
    char = match.group()
    return {"\n": "\\n", "\r": "\\r"}.get(char) or char.encode("unicode_escape").decode("ascii")


def safe(text: object) -> str:
    r"""``text`` ready to sit inside Rich markup: printed exactly as given, control characters
    visible, no markup or escape sequence interpreted.

    >>> safe("[/] [bold]x\x1b")
    '\\[/] \\[bold]x\\x1b'
    """
    from rich.markup import escape  # here: only messages that print need Rich

    return escape(visible(text))


def format_value(value: Any) -> str:
    """A query value as a person reads it: NULL spelled out, floats without binary noise
    (``0.1 + 0.2`` shows ``0.3``), DECIMAL and integers exactly as stored.

    >>> from decimal import Decimal
    >>> [format_value(v) for v in (None, 0.1 + 0.2, 1555.4599999999996, Decimal("12.50"), 7)]
    ['NULL', '0.3', '1555.46', '12.50', '7']
    """
    if value is None:
        return "NULL"
    if isinstance(value, float):
        # 15 significant digits is what a double holds exactly; the rest is rounding noise.
        return repr(float(f"{value:.15g}"))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return visible(value)


def is_numeric_type(duckdb_type: str) -> bool:
    """Whether a DuckDB column type holds numbers (shown right-aligned)."""
    return bool(_NUMERIC_TYPES.match(duckdb_type.upper()))
