"""Models form a DAG read from their SQL; selectors pick sub-graphs."""

from __future__ import annotations

from pathlib import Path

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
    assert set(names(project.select("silver.dim_customer+"))) >= {
        "silver.dim_customer",
        "silver.fact_order_line",
        "silver.fact_order",
        "gold.customer_360",
        "gold.sales_daily",
    }
    assert "silver.dim_product" not in names(project.select("silver.dim_customer+"))


def test_plus_before_a_model_selects_its_ancestors(project: Project) -> None:
    selected = set(names(project.select("+gold.sales_daily")))
    assert {"gold.sales_daily", "silver.fact_order_line", "silver.fx_rate"} <= selected
    assert "gold.customer_360" not in selected


def test_a_layer_name_selects_the_layer(project: Project) -> None:
    assert {m.ref.layer for m in project.select("gold")} == {"gold"}


def test_unknown_selector_lists_the_models(project: Project) -> None:
    with pytest.raises(ConfigError, match="matches no model"):
        project.select("gold.nope")


@pytest.mark.parametrize("bad", ["silver.9x", "silver.x;drop", "nolayer", "gold.a b"])
def test_table_names_are_validated_identifiers(bad: str) -> None:
    with pytest.raises(ConfigError):
        TableRef.parse(bad)


def test_a_model_in_a_staging_folder_belongs_to_that_source(project: Project) -> None:
    model = project.models[TableRef("silver", "stg_online_retail__order_line")]
    assert model.source == "online_retail"
    assert project.models[TableRef("silver", "fact_order_line")].source is None


def test_a_union_stacks_every_staging_model_matching_its_members(project: Project) -> None:
    union = project.models[TableRef("silver", "int_order_line")]
    assert union.is_union
    members = {m.ref.name for m in project.members(union)}
    assert "stg_online_retail__order_line" in members
    assert all(name.startswith("stg_") and name.endswith("__order_line") for name in members)


def test_conformed_models_read_unions_not_a_source_staging_model(project: Project) -> None:
    """A sixth source adds a staging folder; nothing outside it names a source."""
    from retail_lakehouse.sources import SOURCE_NAMES

    for model in project.models.values():
        # gold.raw_vs_silver compares each source's raw bronze with silver: naming them is
        # its purpose; every other model outside a staging folder is source-agnostic.
        if model.source is not None or model.sql is None or model.ref.name == "raw_vs_silver":
            continue
        assert not any(ref.name.startswith("stg_") for ref in model.depends_on), model.ref
        named = [s for s in SOURCE_NAMES if f"'{s}" in model.sql or f"{s}:" in model.sql]
        assert named == [], f"{model.path.name} names {named}"


def test_two_models_with_one_table_name_are_refused(tmp_path: Path) -> None:
    for folder in ("silver/staging/a", "silver/staging/b"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "stg_x.sql").write_text("select 1 as x")
    with pytest.raises(ConfigError, match=r"two models are called silver\.stg_x"):
        Project.load(tmp_path)


def test_a_union_member_missing_a_contract_column_is_named(tmp_path: Path) -> None:
    silver = tmp_path / "silver"
    (silver / "staging" / "src").mkdir(parents=True)
    (silver / "int_thing.yml").write_text(
        "materialized: union\nmembers: 'stg_*__thing'\n"
        "columns:\n  a: {type: integer}\n  b: {type: varchar}\n"
    )
    (silver / "staging" / "src" / "stg_src__thing.sql").write_text("select 1 as a")
    project = Project.load(tmp_path)
    assert [
        m.ref.name for m in project.members(project.models[TableRef("silver", "int_thing")])
    ] == ["stg_src__thing"]
