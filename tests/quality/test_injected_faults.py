"""Injected faults on the demo data are caught by the shipped suites (issue 18).

The demo lakehouse (every source, small scale) is built once per module; each test copies
it, injects one fault where a user would meet it (a new landing file, or a row appended to
a bronze table), runs the pipeline again and reads what the shipped expectations said in
``ops.dq_results``. A ``fail`` expectation must also block its model, skip the model's
descendants (only them) and make ``lakehouse check`` report it.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from retail_lakehouse import ops
from retail_lakehouse.checks import check_lakehouse
from retail_lakehouse.engines import open_engine
from retail_lakehouse.quality.report import layer_scores
from retail_lakehouse.runner.run import RunReport, run_pipeline
from retail_lakehouse.sources import Scale, all_sources
from retail_lakehouse.storage import Lakehouse, TableRef

pytestmark = pytest.mark.slow

SEED = 18


@dataclass
class Outcome:
    lakehouse: Lakehouse
    report: RunReport

    @property
    def run_id(self) -> str:
        return self.report.run_id

    def results(self, table: str) -> dict[str, dict[str, Any]]:
        """This run's ``ops.dq_results`` of ``table``, by expectation name."""
        rows = ops.read(self.lakehouse, "dq_results").to_pylist()
        return {
            r["expectation"]: r
            for r in rows
            if r["run_id"] == self.run_id and r["table_name"] == table
        }

    def failed(self, table: str) -> set[str]:
        return {name for name, r in self.results(table).items() if not r["passed"]}

    def status(self, table: str) -> str:
        return str(next(m["status"] for m in self.report.models if m["table_name"] == table))


def run(home: Path, *, as_of: dt.datetime | None = None) -> Outcome:
    lakehouse = Lakehouse(home)
    engine = open_engine("duckdb", lakehouse)
    try:
        report = run_pipeline(
            engine,
            all_sources(),
            landing=home / "landing",
            run_id=ops.new_run_id(),
            as_of=as_of,
        )
    finally:
        engine.close()
    return Outcome(lakehouse, report)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """Every source's small demo data, generated and run once for the module."""
    home = tmp_path_factory.mktemp("demo") / "lakehouse"
    for source in all_sources():
        source.generate(home / "landing" / source.name, scale=Scale.small, seed=SEED)
    outcome = run(home)
    assert not outcome.report.failed, outcome.report.failed
    return outcome


@pytest.fixture
def copy(demo: Outcome, tmp_path: Path) -> Iterator[Path]:
    """A private copy of the demo lakehouse to inject one fault into."""
    home = tmp_path / "lakehouse"
    shutil.copytree(demo.lakehouse.home, home)
    yield home


def query(home: Path, sql: str) -> list[dict[str, Any]]:
    engine = open_engine("duckdb", Lakehouse(home))
    try:
        rows: list[dict[str, Any]] = engine.query(sql).to_pylist()
        return rows
    finally:
        engine.close()


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def append_bronze_row(home: Path, table: str, changes: dict[str, Any]) -> None:
    """Appends a copy of the first row of ``bronze.<table>`` with ``changes`` applied, as
    a loader that skipped the contract would (a new file, ingested now)."""
    lakehouse = Lakehouse(home)
    ref = TableRef("bronze", table)
    row = lakehouse.read(ref).slice(0, 1).to_pylist()[0]
    row |= {
        "_ingested_at": ops.utc_now(),
        "_source_file": f"landing/injected/{table}.csv",
        "_source_line": 1,
        **changes,
    }
    schema = lakehouse.read(ref).schema
    relaxed = pa.schema([f.with_nullable(True) for f in schema])
    lakehouse.write(ref, pa.Table.from_pylist([row], schema=relaxed), mode="append")


def assert_blocks(outcome: Outcome, table: str, rule: str, descendant: str) -> None:
    """A failed ``fail`` rule: nothing written, descendants skipped, check reports it."""
    result = outcome.results(table)[rule]
    assert result["severity"] == "fail" and not result["passed"], result
    assert outcome.status(table) == "failed"
    assert outcome.status(descendant) == "skipped"
    # independent branches go on: Contoso's staging never reads Online Retail
    assert outcome.status("silver.stg_contoso__order_line") in ("success", "up_to_date")
    problems = check_lakehouse(outcome.lakehouse)
    assert any(table in p and rule in p for p in problems), problems


# --- the faults ------------------------------------------------------------------------------


def test_clean_demo_data_passes_every_blocking_rule(demo: Outcome) -> None:
    rows = ops.read(demo.lakehouse, "dq_results").to_pylist()
    blocking = [r for r in rows if r["severity"] == "fail" and not r["passed"]]
    assert blocking == []
    assert check_lakehouse(demo.lakehouse) == []


def test_quality_score_per_layer_is_at_least_95_percent(demo: Outcome) -> None:
    scores = layer_scores(ops.read(demo.lakehouse, "dq_tables").to_pylist())
    latest = {s.layer: s for s in scores if s.run_id == demo.run_id}
    assert set(latest) == {"silver", "gold"}
    for layer, score in latest.items():
        assert score.score >= 0.95, (layer, score)


def test_a_null_key_is_quarantined_and_the_run_goes_on(copy: Path) -> None:
    append_bronze_row(copy, "online_retail_transactions", {"invoice": None})
    outcome = run(copy)
    table = "silver.stg_online_retail__order_line"
    result = outcome.results(table)["not_null:order_line_key"]
    assert result["severity"] == "quarantine" and result["failing_rows"] == 1
    assert not result["passed"]
    assert outcome.status(table) == "success"  # the other lines are written
    # not skipped: the run goes on (up to date, as the quarantined line was all that was new)
    assert outcome.status("silver.fact_order_line") in ("success", "up_to_date")
    quarantined = ops.read(outcome.lakehouse, "quarantine").to_pylist()
    assert [q["_rule"] for q in quarantined if q["run_id"] == outcome.run_id] == [
        "not_null:order_line_key"
    ]


def test_a_duplicate_order_line_blocks_the_staging_model(copy: Path) -> None:
    header, lines = read_csv(copy / "landing" / "online_retail" / "online_retail_II.csv")
    # a new invoice whose one line the exporter wrote twice, once with trailing blanks
    line = ["599999", *lines[0][1:]]
    twice = [line, [*line[:2], line[2] + "  ", *line[3:]]]
    write_csv(copy / "landing" / "online_retail" / "online_retail_II_resent.csv", header, twice)
    outcome = run(copy)
    assert_blocks(
        outcome,
        "silver.stg_online_retail__order_line",
        "one_line_per_business_key",
        "gold.sales_daily",
    )


def test_an_unknown_status_is_quarantined(copy: Path) -> None:
    path = copy / "landing" / "olist" / "olist_orders_dataset.csv"
    header, orders = read_csv(path)
    status = header.index("order_status")
    restated = [*orders[0][:status], "lost_in_transit", *orders[0][status + 1 :]]
    write_csv(path.with_name("olist_orders_dataset_update.csv"), header, [restated])
    outcome = run(copy)
    result = outcome.results("silver.stg_olist__order")["order_status_known"]
    assert not result["passed"] and result["failing_rows"] == 1
    assert result["severity"] == "quarantine"
    quarantined = ops.read(outcome.lakehouse, "quarantine").to_pylist()
    assert any(
        q["_rule"] == "order_status_known" and "lost_in_transit" in q["record"] for q in quarantined
    )


def test_an_order_referencing_a_missing_customer_is_reported(copy: Path) -> None:
    batch = copy / "landing" / "shopmetrics" / "batch_9999"
    write_csv(
        batch / "orders.csv",
        [
            "order_id",
            "customer_id",
            "order_ts",
            "status",
            "channel",
            "shipping_city",
            "shipping_country",
            "total_amount",
            "currency",
            "updated_at",
        ],
        [
            [
                "ORD-9999999",
                "CUST-NOBODY",
                "2025-06-01 10:00:00",
                "delivered",
                "web",
                "Dallas",
                "US",
                "19.99",
                "USD",
                "2025-06-03 10:00:00",
            ]
        ],
    )
    write_csv(
        batch / "order_items.csv",
        [
            "order_id",
            "line_number",
            "product_id",
            "quantity",
            "unit_price",
            "discount",
            "updated_at",
        ],
        [["ORD-9999999", "1", "PROD-000002", "1", "19.99", "0.00", "2025-06-01 10:00:00"]],
    )
    outcome = run(copy)
    assert "customer_exists" in outcome.failed("silver.fact_order")
    assert "customer_exists" in outcome.failed("silver.fact_order_line")
    sample = outcome.results("silver.fact_order_line")["customer_exists"]["sample"]
    assert "shopmetrics:CUST-NOBODY" in sample


def test_a_payment_total_off_by_ten_percent_is_reported(copy: Path) -> None:
    (order,) = query(
        copy,
        "select p.order_id, p.amount from silver.fact_payment as p "
        "where p.payment_sequential = 1 and p.order_id in ("
        "  select order_id from silver.fact_payment group by order_id having count(*) = 1) "
        "and p.order_id in (select order_id from silver.fact_order_line where line_type = 'sale') "
        "order by p.order_id limit 1",
    )
    path = copy / "landing" / "olist" / "olist_order_payments_dataset.csv"
    header, payments = read_csv(path)
    source_id = str(order["order_id"]).removeprefix("olist:")
    (row,) = [p for p in payments if p[0] == source_id]
    value = header.index("payment_value")
    row[value] = f"{float(row[value]) * 1.1:.2f}"
    write_csv(path.with_name("olist_order_payments_dataset_update.csv"), header, [row])
    outcome = run(copy)
    result = outcome.results("silver.fact_payment")["payments_match_order_total"]
    assert not result["passed"] and result["failing_rows"] == 1
    assert source_id in result["sample"]


def test_a_day_with_80_percent_fewer_rows_is_reported(copy: Path) -> None:
    (trailing,) = query(
        copy,
        "select max(order_date) as last_day, avg(lines) as lines from ("
        "  select order_date, count(*) as lines from silver.fact_order_line"
        "  where source_system = 'online_retail'"
        "  group by order_date order by order_date desc limit 7)",
    )
    keep = max(1, int(trailing["lines"] * 0.2))
    header, lines = read_csv(copy / "landing" / "online_retail" / "online_retail_II.csv")
    at = header.index("InvoiceDate")
    invoice = header.index("Invoice")
    day = trailing["last_day"] + dt.timedelta(days=1)
    sales = [line for line in lines if line[invoice].isdigit()][:keep]
    short_day = [
        [*line[:invoice], f"9{i:05d}", *line[invoice + 1 : at], f"{day} 10:00:00", *line[at + 1 :]]
        for i, line in enumerate(sales)
    ]
    write_csv(copy / "landing" / "online_retail" / f"online_retail_{day}.csv", header, short_day)
    outcome = run(copy)
    result = outcome.results("gold.sales_daily")["no_day_collapses"]
    assert not result["passed"], result
    assert "online_retail" in result["sample"] and str(day) in result["sample"]


def test_a_source_that_stopped_delivering_is_reported(demo: Outcome, copy: Path) -> None:
    # judged at the run's own clock, every source of the demo is fresh
    assert demo.results("gold.int_source_as_of")["every_source_delivering"]["passed"]
    # A new Online Retail invoice arrives (so the marts rebuild) and the run is judged 30
    # days on: every source's newest file is then a month old.
    header, lines = read_csv(copy / "landing" / "online_retail" / "online_retail_II.csv")
    write_csv(
        copy / "landing" / "online_retail" / "online_retail_late.csv",
        header,
        [["599998", *lines[0][1:]]],
    )
    outcome = run(copy, as_of=ops.utc_now() + dt.timedelta(days=30))
    result = outcome.results("gold.int_source_as_of")["every_source_delivering"]
    assert not result["passed"] and result["severity"] == "warn"
    assert "olist" in result["sample"] and "more than 96 h" in result["sample"]
    assert outcome.status("gold.int_source_as_of") == "success"  # warn: the table is written
