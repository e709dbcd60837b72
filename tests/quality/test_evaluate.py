"""One scan per table, valid-row counting, and the pure verdicts behind table-level checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pytest

from retail_lakehouse import ops
from retail_lakehouse.engines import Engine
from retail_lakehouse.quality.evaluate import (
    CheckContext,
    evaluate_expectations,
    freshness_problem,
    previous_row_counts,
    row_count_change_problem,
)
from retail_lakehouse.quality.expectations import parse
from retail_lakehouse.storage import Lakehouse, TableRef

UTC = dt.UTC
AS_OF = dt.datetime(2024, 1, 4, tzinfo=UTC)


class CountingEngine:
    """Wraps an engine and counts the queries evaluation sends to it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lakehouse = engine.lakehouse
        self.name = engine.name
        self.queries: list[str] = []

    def query(self, sql: str) -> pa.Table:
        self.queries.append(sql)
        return self.engine.query(sql)

    def key_hash(self, columns: Sequence[str]) -> str:
        return self.engine.key_hash(columns)


class CollidingEngine(CountingEngine):
    """Every key hashes alike: the worst case of the unique check's hash pre-pass."""

    def key_hash(self, columns: Sequence[str]) -> str:
        return "1"


def lines(amounts: list[float | None], codes: list[str | None]) -> pa.Table:
    n = len(amounts)
    return pa.table(
        {
            "line_key": [f"l{i}" for i in range(n)],
            "amount": pa.array(amounts, pa.float64()),
            "country_code": pa.array(codes, pa.string()),
            "order_date": [dt.date(2024, 1, 3)] * n,
        }
    )


SUITE: list[dict[str, Any]] = [
    {"not_null": "line_key"},
    {"not_null": "country_code"},
    {"range": {"column": "amount", "min": 0}},
    {"regex": {"column": "country_code", "pattern": "^[A-Z]{2}$"}},
    {"accepted_values": {"column": "country_code", "values": ["GB", "FR", "gb"]}},
    {"row_count": {"min": 1}},
    {"null_share": {"column": "amount", "max": 0.5}},
    {"mean_between": {"column": "amount", "min": 0, "max": 1000}},
    {"freshness": {"column": "order_date", "max_age_hours": 72}},
]


def run_suite(engine: Engine, table: pa.Table, suite: list[dict[str, Any]]) -> tuple[Any, int]:
    engine.lakehouse.write(TableRef("bronze", "lines"), table, mode="overwrite")
    engine.refresh()
    spy = CountingEngine(engine)
    checks = [parse(e, "lines.yml") for e in suite]
    context = CheckContext(run_id="r1", table_name="silver.lines", as_of=AS_OF)
    evaluation = evaluate_expectations(spy, checks, "select * from bronze.lines", context)  # type: ignore[arg-type]
    return evaluation, len(spy.queries)


def test_row_checks_and_table_measures_on_clean_data_cost_one_query(engine: Engine) -> None:
    evaluation, queries = run_suite(engine, lines([1.0, 2.0, 3.0], ["GB", "FR", "GB"]), SUITE)
    assert [r["passed"] for r in evaluation.results] == [True] * len(SUITE)
    assert queries == 1
    assert evaluation.queries == 1


def test_only_failing_checks_are_sampled(engine: Engine) -> None:
    # One negative amount (range fails) and one lower-case code (regex fails): 1 scan + 2 samples.
    evaluation, queries = run_suite(engine, lines([1.0, -2.0, 3.0], ["GB", "FR", "gb"]), SUITE)
    failed = [r["expectation"] for r in evaluation.results if not r["passed"]]
    assert failed == ["range:amount", "regex:country_code"]
    assert queries == 3


def test_a_row_failing_two_checks_counts_once_against_valid_rows(engine: Engine) -> None:
    # l1 fails not_null:country_code and range:amount (NULL itself passes the regex);
    # l2 fails the regex only. Valid: l0 and l3 → 2 of 4; three checks failed.
    table = lines([1.0, -2.0, 3.0, 4.0], ["GB", None, "gb", "FR"])
    evaluation, _ = run_suite(engine, table, SUITE)
    assert (evaluation.table["rows_checked"], evaluation.table["rows_valid"]) == (4, 2)
    assert evaluation.table["checks_failed"] == 3


def test_quarantined_rows_count_as_checked_and_invalid(duckdb_engine: Engine) -> None:
    duckdb_engine.lakehouse.write(
        TableRef("bronze", "lines"), lines([1.0, 2.0], ["GB", "FR"]), mode="overwrite"
    )
    duckdb_engine.refresh()
    check = parse({"range": {"column": "amount", "min": 0, "severity": "quarantine"}}, "l.yml")
    context = CheckContext(
        run_id="r1",
        table_name="silver.lines",
        as_of=AS_OF,
        quarantined_by_rule={"range:amount": 3},
    )
    evaluation = evaluate_expectations(
        duckdb_engine, [check], "select * from bronze.lines", context
    )
    [result] = evaluation.results
    assert (result["failing_rows"], result["passed"]) == (3, False)
    assert (evaluation.table["rows_checked"], evaluation.table["rows_valid"]) == (5, 2)
    assert evaluation.blocking == []


def test_failed_fail_check_blocks_and_warn_does_not(duckdb_engine: Engine) -> None:
    suite = [
        {"not_null": {"column": "country_code", "severity": "warn"}},
        {"row_count": {"max": 1}},
    ]
    evaluation, _ = run_suite(duckdb_engine, lines([1.0, 2.0], ["GB", None]), suite)
    assert [r["expectation"] for r in evaluation.blocking] == ["row_count"]


@pytest.mark.parametrize(
    ("rows", "previous", "expected"),
    [
        (100, None, None),  # first run: no baseline
        (100, 0, None),  # empty baseline: no ratio
        (50, 100, None),  # a drop of exactly the limit passes
        (49, 100, "rows fell 51.0 % (100 → 49), more than 50 %"),
        (300, 100, None),  # growth is not limited unless asked
    ],
)
def test_row_count_change_allows_drops_up_to_the_limit(
    rows: int, previous: int | None, expected: str | None
) -> None:
    assert row_count_change_problem(rows, previous, max_drop_pct=50) == expected


def test_row_count_change_limits_growth_when_asked() -> None:
    assert row_count_change_problem(300, 100, max_growth_pct=100) == (
        "rows grew 200.0 % (100 → 300), more than 100 %"
    )
    assert row_count_change_problem(200, 100, max_growth_pct=100) is None


def test_freshness_measures_age_from_the_runs_as_of_not_the_clock() -> None:
    latest = dt.datetime(2011, 12, 9, 12, 50, tzinfo=UTC)
    assert freshness_problem(latest, dt.datetime(2011, 12, 10, tzinfo=UTC), 24) is None
    problem = freshness_problem(latest, dt.datetime(2011, 12, 12, tzinfo=UTC), 24)
    assert problem is not None and "59.2 h old" in problem


def test_freshness_takes_naive_timestamps_as_utc_and_fails_an_empty_table() -> None:
    assert freshness_problem(dt.datetime(2024, 1, 3), AS_OF, 24) is None
    assert freshness_problem(None, AS_OF, 24) == "no rows: nothing was delivered"


def test_previous_row_count_comes_from_the_last_successful_run(lakehouse: Lakehouse) -> None:
    def result(run_id: str, rows: int, day: int) -> dict[str, Any]:
        return ops.dq_result(
            run_id=run_id,
            table_name="silver.lines",
            expectation="row_count_change",
            kind="row_count_change",
            severity="fail",
            failing_rows=0,
            passed=True,
            rows_checked=rows,
            checked_at=dt.datetime(2024, 1, day, tzinfo=UTC),
        )

    def run(run_id: str, status: str) -> dict[str, Any]:
        return {"run_id": run_id, "table_name": "silver.lines", "status": status}

    ops.append(lakehouse, "dq_results", [result("r1", 100, 1), result("r2", 10, 2)])
    ops.append(lakehouse, "runs", [run("r1", "success"), run("r2", "failed")])
    assert previous_row_counts(lakehouse, "silver.lines") == {"row_count_change": 100}
    assert previous_row_counts(lakehouse, "silver.other") == {}


def test_an_empty_build_passes_distribution_checks_and_fails_freshness(
    duckdb_engine: Engine,
) -> None:
    suite = [
        {"mean_between": {"column": "amount", "min": 1}},
        {"null_share": {"column": "amount", "max": 0.1}},
        {"freshness": {"column": "order_date", "max_age_hours": 72}},
    ]
    evaluation, _ = run_suite(duckdb_engine, lines([], []), suite)
    assert [(r["expectation"], r["passed"]) for r in evaluation.results] == [
        ("mean_between:amount", True),
        ("null_share:amount", True),
        ("freshness:order_date", False),
    ]


UNIQUE = [{"unique": "line_key"}, {"unique": ["country_code", "order_date"]}]


def test_unique_keys_are_proven_by_their_hashes_without_grouping_the_keys(engine: Engine) -> None:
    evaluation, queries = run_suite(engine, lines([1.0, 2.0], ["GB", "FR"]), UNIQUE)
    assert [r["passed"] for r in evaluation.results] == [True, True]
    assert queries == 1 + 2  # the scan, then one hash GROUP BY per unique check


def test_duplicated_keys_are_counted_exactly_after_the_hash_pass(engine: Engine) -> None:
    # GB twice on one day: one duplicated (country_code, order_date) key, sampled.
    evaluation, queries = run_suite(engine, lines([1.0, 2.0, 3.0], ["GB", "FR", "GB"]), UNIQUE)
    assert [(r["passed"], r["failing_rows"]) for r in evaluation.results] == [(True, 0), (False, 1)]
    assert queries == 1 + 2 + 1 + 1  # scan, hash passes, exact count, sample


def test_keys_that_only_share_a_hash_are_not_duplicates(duckdb_engine: Engine) -> None:
    duckdb_engine.lakehouse.write(
        TableRef("bronze", "lines"), lines([1.0, 2.0], ["GB", "FR"]), mode="overwrite"
    )
    duckdb_engine.refresh()
    spy = CollidingEngine(duckdb_engine)
    checks = [parse(e, "lines.yml") for e in UNIQUE]
    context = CheckContext(run_id="r1", table_name="silver.lines", as_of=AS_OF)
    evaluation = evaluate_expectations(spy, checks, "select * from bronze.lines", context)  # type: ignore[arg-type]
    assert [r["passed"] for r in evaluation.results] == [True, True]
    assert len(spy.queries) == 1 + 2 * 2  # each hash pass sees a "duplicate"; exact says no
