"""Models form a DAG read from their SQL; selectors pick sub-graphs."""

from __future__ import annotations

import pytest

from retail_lakehouse.errors import ConfigError
from retail_lakehouse.runner.project import Project, table_references
from retail_lakehouse.storage import TableRef


def test_dependencies_come_from_the_sql_and_ignore_ctes() -> None:
    sql = """
        with lines as (select * from silver.fact_order_line),
        x as (select * from lines)
        select * from x join silver.dim_customer as c using (customer_key)
    """
    assert table_references(sql) == {
        TableRef("silver", "fact_order_line"),
        TableRef("silver", "dim_customer"),
    }


@pytest.fixture(scope="module")
def project() -> Project:
    return Project.load()


def names(models: list[object]) -> list[str]:
    return [str(m.ref) for m in models]  # type: ignore[attr-defined]


def test_every_model_comes_after_what_it_reads(project: Project) -> None:
    order = names(project.order())
    assert order.index("silver.dim_customer") < order.index("silver.fact_order_line")
    assert order.index("silver.fact_order_line") < order.index("gold.sales_daily")


def test_plus_after_a_model_selects_its_descendants(project: Project) -> None:
    assert set(names(project.select("silver.dim_customer+"))) == {
        "silver.dim_customer",
        "silver.fact_order_line",
        "gold.customer_360",
        "gold.sales_daily",
    }


def test_plus_before_a_model_selects_its_ancestors(project: Project) -> None:
    selected = set(names(project.select("+gold.sales_daily")))
    assert {"gold.sales_daily", "silver.fact_order_line", "silver.fx_rate"} <= selected
    assert "gold.customer_360" not in selected


def test_a_layer_name_selects_the_layer(project: Project) -> None:
    assert set(names(project.select("gold"))) == {"gold.sales_daily", "gold.customer_360"}


def test_unknown_selector_lists_the_models(project: Project) -> None:
    with pytest.raises(ConfigError, match="matches no model"):
        project.select("gold.nope")


@pytest.mark.parametrize("bad", ["silver.9x", "silver.x;drop", "nolayer", "gold.a b"])
def test_table_names_are_validated_identifiers(bad: str) -> None:
    with pytest.raises(ConfigError):
        TableRef.parse(bad)
