"""Validation of a model's YAML: a misspelt key is an error naming the file, never a no-op.

Without it, ``expectation:`` (singular) or ``unique_keys:`` would be read as "no
expectations" / "no key" and silently switch checks off. Every model — SQL or Python —
has its YAML validated when the project loads::

    validate_model_config(config, where="models/silver/fact_order.yml")

Adding a top-level key is one line in :data:`TOP_LEVEL_KEYS` (plus, optionally, its type in
:data:`KEY_TYPES`; keys without an entry there accept any value).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from retail_lakehouse.errors import ConfigError
from retail_lakehouse.quality.expectations import did_you_mean, parse_all, sql_references
from retail_lakehouse.storage import TableRef

TOP_LEVEL_KEYS: frozenset[str] = frozenset(
    {
        "description",  # what the table holds, for the catalog
        "grain",  # "one row per …"; the unique_key states it as columns
        "materialized",  # table | incremental | scd2 | union
        "unique_key",  # grain columns: one name or a list
        "partition_by",  # list of columns
        "cluster_by",  # list of columns the files are sorted by (merges skip other files)
        "watermark",  # column of the incremental high-water mark
        "incremental",  # incremental settings (mapping; the runner defines its keys)
        "conserves",  # <layer>.<table> whose every row this model accounts for
        "expectations",  # list of checks, see quality/expectations.py
        "columns",  # column → description
        "scd2",  # {tracked, valid_from, version_key}
        "pii",  # columns holding personal data
        "owner",  # who answers for the table
        "tags",  # free labels (list of strings)
        "members",  # union: name pattern of the models it stacks (stg_*__order_line)
        "optional_inputs",  # bronze tables the model reads as empty when they do not exist
    }
)
MATERIALIZATIONS: frozenset[str] = frozenset({"table", "incremental", "scd2", "union"})
INCREMENTAL_KEYS: frozenset[str] = frozenset(
    {"watermark", "on_existing_key", "update_when", "changes_handled_in_sql"}
)
SCD2_KEYS: frozenset[str] = frozenset({"tracked", "valid_from", "version_key"})

Validator = Callable[[Any, str], None]


def _text(value: Any, where: str) -> None:
    if not isinstance(value, str):
        raise ConfigError(f"{where} is text, not {type(value).__name__}.")


def _names(value: Any, where: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} is a list of names, e.g. [a, b].")


def _name_or_names(value: Any, where: str) -> None:
    if not isinstance(value, str):
        _names(value, where)


def _mapping(value: Any, where: str) -> None:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} is a mapping of key: value.")


def _materialized(value: Any, where: str) -> None:
    if value not in MATERIALIZATIONS:
        raise ConfigError(
            f"{where} {value!r} is not one of {', '.join(sorted(MATERIALIZATIONS))}"
            f"{did_you_mean(str(value), MATERIALIZATIONS)}."
        )


def _table(value: Any, where: str) -> None:
    _text(value, where)
    TableRef.parse(value)


def _columns(value: Any, where: str) -> None:
    _mapping(value, where)
    for column, doc in value.items():
        if not isinstance(doc, str | Mapping):
            raise ConfigError(f"{where}.{column} is a description (text).")


def _scd2(value: Any, where: str) -> None:
    _mapping(value, where)
    _known_keys(value, SCD2_KEYS, where)
    if "tracked" in value:
        _names(value["tracked"], f"{where}.tracked")
    for key in ("valid_from", "version_key"):
        if key in value:
            _text(value[key], f"{where}.{key}")


def _incremental(value: Any, where: str) -> None:
    _mapping(value, where)
    _known_keys(value, INCREMENTAL_KEYS, where)
    for table in value.get("changes_handled_in_sql") or ():
        _table(table, f"{where}.changes_handled_in_sql")


def _tables(value: Any, where: str) -> None:
    _names(value, where)
    for table in value:
        _table(table, where)


def _expectations(value: Any, where: str) -> None:
    parse_all(value, where)


KEY_TYPES: dict[str, Validator] = {
    "description": _text,
    "grain": _text,
    "materialized": _materialized,
    "unique_key": _name_or_names,
    "partition_by": _names,
    "cluster_by": _names,
    "watermark": _text,
    "incremental": _incremental,
    "members": _text,
    "optional_inputs": _tables,
    "conserves": _table,
    "expectations": _expectations,
    "columns": _columns,
    "scd2": _scd2,
    "pii": _names,
    "owner": _text,
    "tags": _names,
}


def _known_keys(config: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    for key in config:
        if key not in known:
            raise ConfigError(
                f"{where}: unknown key {key!r}{did_you_mean(str(key), known)}; "
                f"known keys are {', '.join(sorted(known))}."
            )


def validate_model_config(config: Mapping[str, Any], where: str) -> None:
    """Raises :class:`ConfigError` naming ``where`` (the YAML file) and the offending key for
    an unknown top-level key, an unknown expectation kind or parameter, or a wrong type.

    >>> validate_model_config({"expectation": []}, "fact_order.yml")
    Traceback (most recent call last):
    ...
    retail_lakehouse.errors.ConfigError: fact_order.yml: unknown key 'expectation' (did you mean 'expectations'?); known keys are ...
    """  # noqa: E501
    if not isinstance(config, Mapping):
        raise ConfigError(f"{where}: the model YAML is a mapping of key: value.")
    _known_keys(config, TOP_LEVEL_KEYS, where)
    for key, value in config.items():
        check = KEY_TYPES.get(key)
        if check is not None:
            check(value, f"{where}: {key}")


def referenced_tables(config: Mapping[str, Any]) -> set[TableRef]:
    """Tables the model's expectations read (relationships' parents, ``sql`` checks): the
    model must run after them, so they belong in its dependencies."""
    refs: set[TableRef] = set()
    for entry in config.get("expectations") or []:
        if not isinstance(entry, Mapping):
            continue
        rel = entry.get("relationships")
        if isinstance(rel, Mapping) and isinstance(rel.get("to"), str):
            refs.add(TableRef.parse(rel["to"]))
        custom = entry.get("sql")
        if isinstance(custom, Mapping) and isinstance(custom.get("sql"), str):
            refs |= sql_references(custom["sql"])
    return refs
