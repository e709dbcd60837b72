"""Expectations declared per model, compiled to SQL that counts (and samples) failing rows.

Severity ``warn`` records, ``quarantine`` moves failing rows to ``ops.quarantine`` before the
write, ``fail`` stops the model (nothing written) and fails the run.

YAML forms::

    expectations:
      - not_null: customer_key
      - unique: [order_line_key]
      - accepted_values: {column: source_system, values: [online_retail]}
      - range: {column: quantity, min: -100000, max: 100000, severity: warn}
      - relationships: {column: customer_key, to: silver.dim_customer, field: customer_key}
      - expression: {name: positive_price_on_sales, sql: "not is_sale or unit_price > 0"}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from retail_lakehouse.errors import ConfigError
from retail_lakehouse.storage import TableRef
from retail_lakehouse.storage.delta import check_identifier, quote, sql_string

Severity = Literal["warn", "quarantine", "fail"]
SEVERITIES: tuple[Severity, ...] = ("warn", "quarantine", "fail")
ROW_LEVEL = ("not_null", "accepted_values", "range", "expression")
KINDS = (*ROW_LEVEL, "unique", "relationships")


@dataclass(frozen=True)
class Expectation:
    kind: str
    name: str
    severity: Severity
    params: Mapping[str, Any]

    @property
    def row_level(self) -> bool:
        return self.kind in ROW_LEVEL


def parse(raw: Mapping[str, Any], where: str) -> Expectation:
    """One YAML entry → :class:`Expectation` (validating every identifier it names)."""
    kinds = [k for k in raw if k in KINDS]
    if len(kinds) != 1:
        raise ConfigError(f"{where}: an expectation needs exactly one of {', '.join(KINDS)}.")
    kind = kinds[0]
    value = raw[kind]
    params: dict[str, Any] = dict(value) if isinstance(value, Mapping) else {"column": value}
    severity = params.pop("severity", raw.get("severity", "fail"))
    if severity not in SEVERITIES:
        raise ConfigError(f"{where}: severity {severity!r} is not one of {SEVERITIES}.")
    columns = params.get("column")
    for column in [columns] if isinstance(columns, str) else list(columns or []):
        check_identifier(column, f"{where}: column")
    if severity == "quarantine" and kind not in ROW_LEVEL:
        raise ConfigError(f"{where}: only row-level expectations can quarantine rows.")
    label = columns if isinstance(columns, str) else "_".join(columns or [])
    name = str(params.pop("name", None) or raw.get("name") or f"{kind}:{label}")
    return Expectation(kind, name, severity, params)


def parse_all(raw: Sequence[Mapping[str, Any]], where: str) -> list[Expectation]:
    return [parse(entry, where) for entry in raw]


def failing_predicate(e: Expectation) -> str:
    """SQL predicate true for a row that fails a row-level expectation."""
    p = e.params
    if e.kind == "not_null":
        return f"{quote(p['column'])} is null"
    if e.kind == "accepted_values":
        values = ", ".join(literal(v) for v in p["values"])
        return f"({quote(p['column'])} is not null and {quote(p['column'])} not in ({values}))"
    if e.kind == "range":
        bounds = []
        if "min" in p:
            bounds.append(f"{quote(p['column'])} < {float(p['min'])!r}")
        if "max" in p:
            bounds.append(f"{quote(p['column'])} > {float(p['max'])!r}")
        return "(" + " or ".join(bounds or ["false"]) + ")"
    if e.kind == "expression":
        # Repository-authored SQL from the model's YAML, never user input.
        return f"not coalesce(({p['sql']}), false)"
    raise ConfigError(f"{e.name}: {e.kind} is not a row-level expectation.")


def failing_rows_sql(e: Expectation, relation: str) -> str:
    """SQL returning one row per failing row (or per duplicated key) of ``relation``.

    ``relation`` is a table name or a parenthesised query, without an alias.
    """
    if e.row_level:
        return f"select * from {relation} as checked where {failing_predicate(e)}"
    p = e.params
    if e.kind == "unique":
        columns = p["column"] if isinstance(p["column"], list) else [p["column"]]
        cols = ", ".join(quote(c) for c in columns)
        return (
            f"select {cols}, count(*) as duplicates from {relation} as checked "
            f"group by {cols} having count(*) > 1"
        )
    if e.kind == "relationships":
        parent = TableRef.parse(p["to"])
        field_ = quote(check_identifier(p.get("field", p["column"]), "relationships field"))
        child = quote(p["column"])
        return (
            f"select c.{child} from {relation} as c where c.{child} is not null and not exists "
            f"(select 1 from {parent} as p where p.{field_} = c.{child})"
        )
    raise ConfigError(f"unknown expectation kind {e.kind!r}.")


def literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return sql_string(str(value))
