"""Expectations declared per model, compiled to portable SQL (DuckDB dialect, SQLGlot → Spark).

Severity ``warn`` records, ``quarantine`` moves failing rows to ``ops.quarantine`` before the
write, ``fail`` stops the model (nothing written) and its downstream models.

Three families of kinds (every one accepts ``name``, ``severity`` and ``why``):

- **row-level** — a predicate per row; can ``quarantine``:
  ``not_null``, ``accepted_values``, ``range``, ``regex``, ``like``, ``expression``;
- **key-level** — rows judged against other rows or tables: ``unique`` (one or several
  columns), ``relationships`` (every non-null value exists in a parent table);
- **table-level** — one verdict for the whole table; cannot quarantine: ``row_count``,
  ``row_count_change``, ``freshness``, ``null_share``, ``mean_between``, ``sql``.

YAML forms::

    expectations:
      - not_null: customer_key
      - unique: [order_id, line_number]
      - accepted_values: {column: source_system, values: [online_retail]}
      - range: {column: quantity, min: -100000, max: 100000, severity: warn}
      - regex: {column: country_code, pattern: "^[A-Z]{2}$"}
      - like: {column: customer_key, pattern: "%:%"}
      - relationships: {column: customer_key, to: silver.dim_customer, field: customer_key}
      - expression: {name: positive_price_on_sales, sql: "not is_sale or unit_price > 0"}
      - row_count: {min: 1}
      - row_count_change: {max_drop_pct: 50, max_growth_pct: 200}
      - freshness: {column: order_ts, max_age_hours: 48, by: source_system}
      - null_share: {column: customer_key, max: 0.3}
      - mean_between: {column: review_score, min: 3, max: 5}
      - sql: {name: payments_match_order_total, sql: "select ... from this join silver.x ..."}

>>> parse({"regex": {"column": "code", "pattern": "^[A-Z]{2}$"}}, "x.yml").name
'regex:code'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlglot
from sqlglot import exp

from retail_lakehouse.errors import ConfigError
from retail_lakehouse.storage import LAYERS, TableRef
from retail_lakehouse.storage.delta import check_identifier, quote, sql_string

Severity = Literal["warn", "quarantine", "fail"]
SEVERITIES: tuple[Severity, ...] = ("warn", "quarantine", "fail")

ROW_LEVEL = ("not_null", "accepted_values", "range", "regex", "like", "expression")
KEY_LEVEL = ("unique", "relationships")
TABLE_LEVEL = ("row_count", "row_count_change", "freshness", "null_share", "mean_between", "sql")
KINDS = (*ROW_LEVEL, *KEY_LEVEL, *TABLE_LEVEL)

THIS = "this"
"""In a ``sql`` expectation, the rows being checked (the staged output of the model)."""

COMMON_PARAMS = frozenset({"name", "severity", "why"})
# kind → (required parameters, optional parameters). A kind given a bare value (not a
# mapping) takes it as its first required parameter: `not_null: customer_key`.
PARAMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "not_null": (("column",), ()),
    "accepted_values": (("column", "values"), ()),
    "range": (("column",), ("min", "max")),
    "regex": (("column", "pattern"), ()),
    "like": (("column", "pattern"), ()),
    "expression": (("sql",), ()),
    "unique": (("column",), ()),
    "relationships": (("column", "to"), ("field",)),
    "row_count": ((), ("min", "max")),
    "row_count_change": ((), ("max_drop_pct", "max_growth_pct")),
    "freshness": (("column", "max_age_hours"), ("by",)),
    "null_share": (("column", "max"), ()),
    "mean_between": (("column",), ("min", "max")),
    "sql": (("sql",), ()),
}
# Kinds with no column to name them after: the YAML must give a name.
NAMED = ("expression", "sql")
# Kinds where at least one optional bound is needed.
BOUNDED = {
    "range": ("min", "max"),
    "row_count": ("min", "max"),
    "row_count_change": ("max_drop_pct", "max_growth_pct"),
    "mean_between": ("min", "max"),
}


@dataclass(frozen=True)
class Expectation:
    kind: str
    name: str
    severity: Severity
    params: Mapping[str, Any]
    why: str = ""

    @property
    def row_level(self) -> bool:
        """A predicate per row: counted in the one-scan pass, can quarantine rows."""
        return self.kind in ROW_LEVEL

    @property
    def table_level(self) -> bool:
        return self.kind in TABLE_LEVEL

    @property
    def columns(self) -> tuple[str, ...]:
        column = self.params.get("column")
        if column is None:
            return ()
        return (column,) if isinstance(column, str) else tuple(column)


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'expectations'?)`` when a known word is close to ``word``, else ``""``."""
    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def parse(raw: Mapping[str, Any], where: str) -> Expectation:
    """One YAML entry → :class:`Expectation`, validating its kind, parameters and identifiers."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: an expectation is a mapping such as `not_null: <column>`.")
    kinds = [k for k in raw if k in KINDS]
    unknown = [k for k in raw if k not in KINDS and k not in COMMON_PARAMS]
    if unknown:
        raise ConfigError(
            f"{where}: unknown expectation kind {unknown[0]!r}{did_you_mean(unknown[0], KINDS)}; "
            f"kinds are {', '.join(KINDS)}."
        )
    if len(kinds) != 1:
        raise ConfigError(f"{where}: an expectation needs exactly one of {', '.join(KINDS)}.")
    kind = kinds[0]
    where = f"{where}: {kind}"
    required, optional = PARAMS[kind]
    value = raw[kind]
    if isinstance(value, Mapping):
        params = dict(value)
    elif required:
        params = {required[0]: value}
    else:
        raise ConfigError(f"{where} takes a mapping of {', '.join(optional)}.")
    for key in ("name", "severity", "why"):
        if key in raw and key in params:
            raise ConfigError(f"{where}: {key} is given twice (beside and inside the kind).")
        if key in raw:
            params[key] = raw[key]
    allowed = {*required, *optional, *COMMON_PARAMS}
    for key in params:
        if key not in allowed:
            raise ConfigError(
                f"{where}: unknown parameter {key!r}{did_you_mean(key, allowed)}; "
                f"{kind} takes {', '.join(sorted(allowed))}."
            )
    missing = [k for k in required if k not in params]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}.")
    bounds = BOUNDED.get(kind)
    if bounds and not any(b in params for b in bounds):
        raise ConfigError(f"{where} needs at least one of {', '.join(bounds)}.")
    severity = params.pop("severity", "fail")
    if severity not in SEVERITIES:
        raise ConfigError(f"{where}: severity {severity!r} is not one of {', '.join(SEVERITIES)}.")
    if severity == "quarantine" and kind not in ROW_LEVEL:
        raise ConfigError(
            f"{where}: only row-level expectations ({', '.join(ROW_LEVEL)}) can quarantine "
            "rows; use warn or fail."
        )
    why = params.pop("why", "")
    if not isinstance(why, str):
        raise ConfigError(f"{where}: why must be one line of text.")
    name = params.pop("name", None)
    if kind in NAMED and not name:
        raise ConfigError(f"{where} needs a name saying what it checks.")
    check_params(kind, params, where)
    if not name:
        column = params.get("column")
        label = "_".join(column) if isinstance(column, list) else column
        name = f"{kind}:{label}" if label else kind
    return Expectation(kind, str(name), severity, params, why)


def check_params(kind: str, params: Mapping[str, Any], where: str) -> None:
    """Raises :class:`ConfigError` when a parameter has the wrong type or an unsafe name."""
    column = params.get("column")
    if kind == "unique":
        columns = [column] if isinstance(column, str) else column
        if not isinstance(columns, list) or not columns:
            raise ConfigError(f"{where}: column is a column name or a list of column names.")
        for c in columns:
            _identifier(c, f"{where}: column")
    elif column is not None:
        _identifier(column, f"{where}: column")
    if "by" in params:
        _identifier(params["by"], f"{where}: by")
    if "field" in params:
        _identifier(params["field"], f"{where}: field")
    if "to" in params:
        if not isinstance(params["to"], str):
            raise ConfigError(f"{where}: to is a table name <layer>.<table>.")
        TableRef.parse(params["to"])
    for key in ("min", "max", "max_drop_pct", "max_growth_pct", "max_age_hours"):
        if key in params and (
            isinstance(params[key], bool) or not isinstance(params[key], int | float)
        ):
            raise ConfigError(f"{where}: {key} must be a number, not {params[key]!r}.")
    for key in ("max_drop_pct", "max_growth_pct", "max_age_hours"):
        if key in params and params[key] < 0:
            raise ConfigError(f"{where}: {key} must not be negative.")
    if kind == "null_share" and not 0 <= params["max"] <= 1:
        raise ConfigError(f"{where}: max is a share between 0 and 1 (0.05 = 5 %).")
    if kind == "accepted_values" and (
        not isinstance(params["values"], list) or not params["values"]
    ):
        raise ConfigError(f"{where}: values is a non-empty list.")
    for key in ("pattern", "sql"):
        if key in params and (not isinstance(params[key], str) or not params[key].strip()):
            raise ConfigError(f"{where}: {key} must be a non-empty string.")
    if kind == "sql":
        sql_references(params["sql"], where)
    if kind == "expression":
        try:
            sqlglot.parse_one(params["sql"], read="duckdb", into=exp.Condition)
        except sqlglot.errors.ParseError as exc:
            raise ConfigError(f"{where}: sql does not parse as a condition: {exc}") from exc


def _identifier(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{what} must be a column name, not {value!r}.")
    return check_identifier(value, what)


def parse_all(raw: Sequence[Mapping[str, Any]], where: str) -> list[Expectation]:
    """Every entry of a model's ``expectations:`` list; names must be unique within it."""
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: expectations is a list (each entry starts with `- `).")
    checks = [parse(entry, f"{where}: expectations[{i}]") for i, entry in enumerate(raw)]
    seen: set[str] = set()
    for check in checks:
        if check.name in seen:
            raise ConfigError(
                f"{where}: two expectations are named {check.name!r}; give one a `name:`."
            )
        seen.add(check.name)
    return checks


def sql_references(sql: str, where: str = "sql") -> set[TableRef]:
    """Lakehouse tables a custom ``sql`` expectation reads (``this`` and CTEs excluded).

    Raises :class:`ConfigError` unless ``sql`` is one SELECT over ``<layer>.<table>``,
    ``this`` and its own CTEs.
    """
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise ConfigError(f"{where}: sql does not parse: {exc}") from exc
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise ConfigError(f"{where}: sql is one SELECT returning the failing rows.")
    tree = statements[0]
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    refs = set()
    for table in tree.find_all(exp.Table):
        if not table.db and (table.name == THIS or table.name in ctes):
            continue
        if table.db not in LAYERS or table.catalog:
            raise ConfigError(
                f"{where}: {table.sql()} is not a lakehouse table: use <layer>.<table> or `this`."
            )
        refs.add(TableRef(table.db, table.name))
    return refs


def failing_predicate(e: Expectation) -> str:
    """SQL predicate true for a row that fails a row-level expectation (NULL never fails
    ``accepted_values``, ``range``, ``regex`` or ``like``: that is ``not_null``'s job)."""
    p = e.params
    if e.kind == "not_null":
        return f"{quote(p['column'])} is null"
    if e.kind == "expression":
        # Repository-authored SQL from the model's YAML, never user input.
        return f"not coalesce(({p['sql']}), false)"
    column = quote(p["column"])
    if e.kind == "accepted_values":
        values = ", ".join(literal(v) for v in p["values"])
        return f"({column} is not null and {column} not in ({values}))"
    if e.kind == "range":
        bounds = []
        if "min" in p:
            bounds.append(f"{column} < {float(p['min'])!r}")
        if "max" in p:
            bounds.append(f"{column} > {float(p['max'])!r}")
        return "(" + " or ".join(bounds) + ")"
    if e.kind == "regex":
        # regexp_matches searches (like Spark's rlike): anchor the pattern with ^…$.
        return (
            f"({column} is not null and not regexp_matches({column}, {sql_string(p['pattern'])}))"
        )
    if e.kind == "like":
        return f"({column} is not null and not ({column} like {sql_string(p['pattern'])}))"
    raise ConfigError(f"{e.name}: {e.kind} is not a row-level expectation.")


def failing_rows_sql(e: Expectation, relation: str) -> str:
    """SQL returning one row per failing row (or per duplicated key) of ``relation``.

    ``relation`` is a table name or a parenthesised query, without an alias. Table-level
    kinds other than ``sql`` have no failing rows: they are measured (see ``evaluate``).
    """
    if e.row_level:
        return f"select * from {relation} as checked where {failing_predicate(e)}"
    p = e.params
    if e.kind == "unique":
        cols = ", ".join(quote(c) for c in e.columns)
        return (
            f"select {cols}, count(*) as duplicates from {relation} as checked "
            f"group by {cols} having count(*) > 1"
        )
    if e.kind == "relationships":
        parent = TableRef.parse(p["to"])
        field_ = quote(p.get("field", p["column"]))
        child = quote(p["column"])
        return (
            f"select c.* from {relation} as c where c.{child} is not null and not exists "
            f"(select 1 from {parent} as p where p.{field_} = c.{child})"
        )
    if e.kind == "sql":
        return custom_sql(p["sql"], relation)
    if e.kind == "freshness" and "by" in p:
        by = quote(p["by"])
        return (
            f"select {by}, max({quote(p['column'])}) as latest from {relation} as checked "
            f"group by {by}"
        )
    raise ConfigError(f"{e.name}: {e.kind} is measured over the table, not row by row.")


def custom_sql(sql: str, relation: str) -> str:
    """A ``sql`` expectation with ``this`` replaced by the rows being checked."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    checked = sqlglot.parse_one(f"select * from {relation} as this_rows", read="duckdb")
    for table in list(tree.find_all(exp.Table)):
        if not table.db and table.name == THIS and THIS not in ctes:
            alias = table.alias or THIS
            table.replace(
                exp.Subquery(this=checked, alias=exp.TableAlias(this=exp.to_identifier(alias)))
            )
    return str(tree.sql(dialect="duckdb"))


def literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return sql_string(str(value))
