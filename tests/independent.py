"""An independent reading of the Online Retail II KPI definitions, in plain Python.

Used by tests to check gold against a second computation from the raw file: it shares no
code with the pipeline (its own CSV reading, classification and arithmetic).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

PRODUCT_CODE = re.compile(r"^\d{5}")


@dataclass
class DayTotals:
    orders: set[str] = field(default_factory=set)
    customers: set[str] = field(default_factory=set)
    units: int = 0
    gross: float = 0.0
    returns: float = 0.0


def raw_lines_from_csv(path: Path) -> list[tuple[str, ...]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        return [tuple(row) for row in reader]


def normalise(line: tuple[str, ...]) -> tuple[str, str, str, int, str, float, str, str]:
    invoice, code, description, quantity, date, price, customer, country = line
    customer = customer.strip()
    if customer.endswith(".0"):
        customer = customer[:-2]
    return (
        invoice.strip(),
        code.strip(),
        description,
        int(float(quantity)),
        date[:19],
        float(price),
        customer,
        country.strip(),
    )


def daily_totals(lines: list[tuple[str, ...]]) -> dict[str, DayTotals]:
    """KPIs per day (all countries) following the issue's definitions."""
    days: dict[str, DayTotals] = defaultdict(DayTotals)
    for invoice, code, _desc, quantity, date, price, customer, _country in {
        normalise(line) for line in lines
    }:
        day = days[date[:10]]
        is_product = bool(PRODUCT_CODE.match(code))
        if is_product and invoice.startswith("C"):
            day.returns += abs(quantity) * price
        elif is_product and quantity > 0 and price > 0:
            day.orders.add(invoice)
            day.units += quantity
            day.gross += quantity * price
            if customer:
                day.customers.add(customer)
    return dict(days)
