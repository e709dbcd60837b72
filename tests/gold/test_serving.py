"""The served DuckDB file follows gold: each publish copies only the tables that changed."""

from __future__ import annotations

import shutil

import duckdb
import pyarrow as pa
import pytest

from retail_lakehouse.serving.publish import publish_serving_db, serving_path
from retail_lakehouse.storage import Lakehouse, TableRef

DAILY = TableRef("gold", "sales_daily")
KPIS = TableRef("gold", "exec_kpis")


def served(lakehouse: Lakehouse) -> dict[str, list[tuple[object, ...]]]:
    con = duckdb.connect(str(serving_path(lakehouse)), read_only=True)
    try:
        names = con.sql(
            "select table_name from duckdb_tables() where schema_name = 'gold' order by 1"
        ).fetchall()
        return {n: con.sql(f"select * from gold.{n} order by all").fetchall() for (n,) in names}
    finally:
        con.close()


@pytest.fixture
def gold(lakehouse: Lakehouse) -> Lakehouse:
    lakehouse.write(DAILY, pa.table({"day": [1, 2], "net": [10, 20]}), mode="overwrite")
    lakehouse.write(KPIS, pa.table({"kpi": ["orders"], "value": [2]}), mode="overwrite")
    publish_serving_db(lakehouse)
    return lakehouse


def test_every_gold_table_is_served(gold: Lakehouse) -> None:
    assert served(gold) == {
        "exec_kpis": [("orders", 2)],
        "sales_daily": [(1, 10), (2, 20)],
    }


def test_a_publish_copies_only_the_tables_that_changed(
    gold: Lakehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    gold.write(DAILY, pa.table({"day": [3], "net": [30]}), mode="append")
    copied: list[TableRef] = []
    dataset = gold.dataset
    monkeypatch.setattr(gold, "dataset", lambda ref: copied.append(ref) or dataset(ref))
    publish_serving_db(gold)
    assert copied == [DAILY]
    assert served(gold)["sales_daily"] == [(1, 10), (2, 20), (3, 30)]
    assert served(gold)["exec_kpis"] == [("orders", 2)]


def test_a_publish_with_nothing_new_copies_nothing(
    gold: Lakehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gold, "dataset", lambda ref: pytest.fail(f"{ref} copied again"))
    publish_serving_db(gold)
    assert set(served(gold)) == {"exec_kpis", "sales_daily"}


def test_a_table_gone_from_gold_leaves_the_served_file(gold: Lakehouse) -> None:
    shutil.rmtree(gold.path(KPIS))
    publish_serving_db(gold)
    assert set(served(gold)) == {"sales_daily"}


def test_a_recreated_table_is_copied_again(gold: Lakehouse) -> None:
    shutil.rmtree(gold.path(KPIS))  # re-created at the same version 0, other rows
    gold.write(KPIS, pa.table({"kpi": ["customers"], "value": [7]}), mode="overwrite")
    publish_serving_db(gold)
    assert served(gold)["exec_kpis"] == [("customers", 7)]


def test_an_unreadable_served_file_is_written_anew(gold: Lakehouse) -> None:
    serving_path(gold).write_bytes(b"not a duckdb file")
    publish_serving_db(gold)
    assert set(served(gold)) == {"exec_kpis", "sales_daily"}
    assert not list(serving_path(gold).parent.glob("*.tmp"))
