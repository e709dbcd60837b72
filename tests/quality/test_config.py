"""Model YAML is validated: a misspelt key is an error naming the file, not a silent no-op."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from retail_lakehouse.errors import ConfigError
from retail_lakehouse.quality.config import referenced_tables, validate_model_config
from retail_lakehouse.quality.expectations import parse, parse_all
from retail_lakehouse.runner.project import DEFAULT_MODELS_DIR
from retail_lakehouse.storage import TableRef

WHERE = "models/silver/fact_order.yml"


def error(config: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        validate_model_config(config, WHERE)
    return str(caught.value)


def test_unknown_top_level_key_names_the_file_and_suggests_the_key() -> None:
    message = error({"unique_key": "order_id", "expectation": [{"not_null": "order_id"}]})
    assert message.startswith(f"{WHERE}: unknown key 'expectation' (did you mean 'expectations'?)")


def test_unknown_expectation_kind_names_the_file_and_suggests_the_kind() -> None:
    message = error({"expectations": [{"not_nul": "order_id"}]})
    assert WHERE in message
    assert "unknown expectation kind 'not_nul' (did you mean 'not_null'?)" in message


def test_unknown_expectation_parameter_is_an_error_with_a_suggestion() -> None:
    message = error({"expectations": [{"range": {"column": "amount", "minimum": 0}}]})
    assert "expectations[0]: range: unknown parameter 'minimum' (did you mean 'min'?)" in message


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ({"partition_by": "order_date"}, "partition_by is a list of names"),
        ({"materialized": "incremntal"}, "(did you mean 'incremental'?)"),
        ({"conserves": "fact_order"}, "write it as <layer>.<table>"),
        ({"scd2": {"tracked": ["city"], "valid_form": "x"}}, "did you mean 'valid_from'?"),
        ({"expectations": {"not_null": "order_id"}}, "expectations is a list"),
        ({"expectations": [{"range": {"column": "amount", "min": "0"}}]}, "min must be a number"),
        ({"expectations": [{"not_null": "Order ID"}]}, "is not a valid identifier"),
        ({"expectations": [{"range": {"column": "amount"}}]}, "needs at least one of min, max"),
        ({"expectations": [{"sql": "select 1"}]}, "needs a name"),
        ({"expectations": [{"null_share": {"column": "x", "max": 5}}]}, "share between 0 and 1"),
    ],
)
def test_wrong_types_and_values_are_errors_saying_what_to_write(
    config: dict[str, Any], says: str
) -> None:
    assert says in error(config)


@pytest.mark.parametrize(
    "entry",
    [
        {"row_count": {"min": 1, "severity": "quarantine"}},
        {"row_count_change": {"max_drop_pct": 50}, "severity": "quarantine"},
        {"freshness": {"column": "order_ts", "max_age_hours": 24, "severity": "quarantine"}},
        {"null_share": {"column": "x", "max": 0.1, "severity": "quarantine"}},
        {"mean_between": {"column": "x", "min": 1, "severity": "quarantine"}},
        {"sql": {"name": "n", "sql": "select * from this", "severity": "quarantine"}},
        {"unique": {"column": "order_id", "severity": "quarantine"}},
    ],
)
def test_table_level_checks_cannot_quarantine_rows(entry: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="only row-level expectations"):
        parse(entry, WHERE)


def test_custom_sql_may_read_lakehouse_tables_and_this_only() -> None:
    with pytest.raises(ConfigError, match="not a lakehouse table"):
        parse({"sql": {"name": "n", "sql": "select * from read_csv('/etc/passwd')"}}, WHERE)
    with pytest.raises(ConfigError, match="one SELECT"):
        parse({"sql": {"name": "n", "sql": "delete from silver.fact_order"}}, WHERE)


def test_two_checks_with_one_name_are_an_error() -> None:
    with pytest.raises(ConfigError, match="two expectations are named 'not_null:order_id'"):
        parse_all([{"not_null": "order_id"}, {"not_null": "order_id", "severity": "warn"}], WHERE)


def test_default_names_say_kind_and_columns() -> None:
    names = [
        parse(e, WHERE).name
        for e in [
            {"unique": ["order_id", "line_number"]},
            {"row_count": {"min": 1}},
            {"regex": {"column": "country_code", "pattern": "^[A-Z]{2}$"}, "why": "ISO codes"},
        ]
    ]
    assert names == ["unique:order_id_line_number", "row_count", "regex:country_code"]


def test_expectations_name_the_tables_they_read_so_the_model_runs_after_them() -> None:
    config = {
        "expectations": [
            {"relationships": {"column": "customer_key", "to": "silver.dim_customer"}},
            {
                "sql": {
                    "name": "payments_match",
                    "sql": "with p as (select * from silver.fact_payment) "
                    "select * from this join p using (order_id)",
                }
            },
        ]
    }
    assert referenced_tables(config) == {
        TableRef("silver", "dim_customer"),
        TableRef("silver", "fact_payment"),
    }


def test_every_shipped_model_yaml_is_valid() -> None:
    paths = sorted(DEFAULT_MODELS_DIR.rglob("*.yml"))
    assert paths
    for path in paths:
        validate_model_config(yaml.safe_load(path.read_text()) or {}, str(path))


def test_every_test_project_yaml_is_valid() -> None:
    for path in sorted((Path(__file__).parent.parent / "data" / "projects").rglob("*.yml")):
        validate_model_config(yaml.safe_load(path.read_text()) or {}, str(path))
