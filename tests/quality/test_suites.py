"""The shipped suites follow the rules of docs/quality.md §6 (static checks, no engine).

Every stored silver and gold table has a suite; its grain is tested ``unique`` (one
compound rule when the grain is compound) and ``not_null`` on every grain column; every
rule says why it exists; and no ``not_null`` restates a ``coalesce`` of the model's SQL
(except on a grain column: the grain contract is stated in full even where the SQL
guarantees part of it).
"""

from __future__ import annotations

import re

import pytest

from retail_lakehouse.quality import expectations as dq
from retail_lakehouse.runner.project import DEFAULT_MODELS_DIR, Model, Project

PROJECT = Project.load(DEFAULT_MODELS_DIR)
MODELS = sorted(
    (m for m in PROJECT.models.values() if not m.is_union and m.ref.layer in ("silver", "gold")),
    key=lambda m: str(m.ref),
)


# `coalesce(<anything>, 'ZZ') as country_code`: a column the SQL never leaves NULL.
COALESCED_TO_LITERAL = (
    r"coalesce\((?:[^()]|\([^()]*\))*,\s*(?:'[^']*'|-?\d[\d.]*)\s*\)\s+as\s+(\w+)"
)


def suite(model: Model) -> list[dq.Expectation]:
    return dq.parse_all(model.expectations, model.path.name)


def grain(model: Model) -> tuple[str, ...]:
    """The columns one row stands for: an SCD2 table's version key, else its unique_key."""
    if model.materialized == "scd2":
        return (str(model.config["scd2"]["version_key"]),)
    return model.unique_key


@pytest.mark.parametrize("model", MODELS, ids=lambda m: str(m.ref))
def test_every_table_has_a_suite_and_every_rule_says_why(model: Model) -> None:
    checks = suite(model)
    assert checks, f"{model.path.name} has no expectations"
    assert [c.name for c in checks if not c.why.strip()] == []


@pytest.mark.parametrize("model", MODELS, ids=lambda m: str(m.ref))
def test_the_grain_is_unique_and_not_null(model: Model) -> None:
    key = grain(model)
    assert key, f"{model.path.name} declares no grain"
    checks = suite(model)
    uniques = [tuple(c.columns) for c in checks if c.kind == "unique"]
    assert key in uniques, f"{model.path.name}: no unique: {list(key)}"
    not_null = {c.columns[0] for c in checks if c.kind == "not_null"}
    assert set(key) <= not_null, f"{model.path.name}: grain columns without not_null"


@pytest.mark.parametrize("model", [m for m in MODELS if m.sql], ids=lambda m: str(m.ref))
def test_no_not_null_restates_a_coalesce(model: Model) -> None:
    assert model.sql is not None
    coalesced = set(re.findall(COALESCED_TO_LITERAL, model.sql, re.I))
    restated = [
        c.name
        for c in suite(model)
        if c.kind == "not_null"
        and c.columns[0] in coalesced
        and c.columns[0] not in grain(model)  # the grain contract is stated even so
        and c.severity != "quarantine"
    ]
    assert restated == [], f"{model.path.name}: not_null on a coalesced column cannot fail"


# Besides duplicate keys: missing FX rates, the calendar, broken money identities and key
# prefixes that keep two sources' keys apart (docs/quality.md §6).
MUST_BLOCK = {
    "fx_rate_found",
    "rate_positive",
    "not_null:rate_to_eur",
    "fx_rate_has_no_gaps",
    "freight_fx_rate_found",
    "stock_value_fx_found",
    "calendar_is_complete",
    "returns_are_negative",
    "gross_reconciles_with_order_lines",
    "customer_key_has_source_prefix",
    "product_key_has_source_prefix",
    "store_key_has_source_prefix",
    "not_null:customer_key",  # dim_customer: a version of nobody
}


def test_fail_is_kept_for_what_must_block() -> None:
    """fail: duplicate keys (and NULL grain keys of Python models and gold, which cannot
    quarantine), missing FX rates, broken money identities; distributions only warn."""
    for model in MODELS:
        for check in suite(model):
            if check.kind in ("freshness", "null_share", "mean_between", "row_count_change"):
                assert check.severity == "warn", (model.path.name, check.name)
            if check.severity != "fail" or check.kind == "unique":
                continue
            grain_null = check.kind == "not_null" and check.columns[0] in grain(model)
            assert grain_null or check.name in MUST_BLOCK, (model.path.name, check.name)


def test_the_olist_suites_of_seed_004_are_shipped() -> None:
    names = {(str(m.ref), c.name) for m in MODELS for c in suite(m)}
    for expected in [
        ("silver.stg_olist__order", "order_status_known"),
        ("silver.stg_olist__order", "delivered_after_purchase"),
        ("silver.fact_order", "delivered_after_purchase"),
        ("silver.fact_review", "review_score_1_to_5"),
        ("silver.fact_review", "order_exists"),
        ("silver.fact_payment", "order_exists"),
        ("silver.fact_payment", "payments_match_order_total"),
        ("gold.int_source_as_of", "every_source_delivering"),
        ("gold.sales_daily", "no_day_collapses"),
        ("gold.sales_daily", "gross_reconciles_with_order_lines"),
    ]:
        assert expected in names
