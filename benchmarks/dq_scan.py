"""DQ cost on ~1M order lines: one scan for a table's checks vs one query per check.

    python benchmarks/dq_scan.py [--rows 1000000] [--engines duckdb spark]

Builds a synthetic fact_order_line-like table and a 50k-row customer dimension in a
throw-away lakehouse, stages it as the runner does, then times (best of 3, warm) the same
suite evaluated
1. by ``evaluate_expectations`` (one aggregate scan; samples only for failing checks), and
2. one ``count(*)`` query per check, as the runner did before,
and each check alone, so the cost per check is visible.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from retail_lakehouse.engines import Engine, open_engine
from retail_lakehouse.quality.evaluate import CheckContext, evaluate_expectations
from retail_lakehouse.quality.expectations import Expectation, failing_rows_sql, parse
from retail_lakehouse.storage import Lakehouse, TableRef

SUITE: list[dict[str, Any]] = [
    {"not_null": "order_line_key"},
    {"not_null": "order_id"},
    {"accepted_values": {"column": "line_type", "values": ["sale", "return", "non_product"]}},
    {"range": {"column": "quantity", "min": -10000, "max": 10000}},
    {"regex": {"column": "country_code", "pattern": "^[A-Z]{2}$"}},
    {"like": {"column": "customer_key", "pattern": "online_retail:%"}},
    {
        "expression": {
            "name": "net_is_quantity_times_price",
            "sql": "abs(net - quantity * unit_price) < 0.01",
        }
    },
    {"relationships": {"column": "customer_key", "to": "bronze.bench_customer"}},
    {"null_share": {"column": "customer_key", "max": 0.3}},
    {"mean_between": {"column": "unit_price", "min": 0.5, "max": 50}},
    {"row_count": {"min": 1}},
    {"unique": "order_line_key"},
]
AS_OF_SQL = "select max(order_ts) as m from bronze.bench_line"


def lines(n: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    quantity = rng.integers(1, 20, n)
    price = np.round(rng.uniform(0.5, 30, n), 2)
    customer = rng.integers(0, 50_000, n)
    keys = np.char.add("online_retail:", customer.astype(str))
    guest = rng.random(n) < 0.2
    return pa.table(
        {
            "order_line_key": np.char.add("ol-", np.arange(n).astype(str)),
            "order_id": np.char.add("o-", (np.arange(n) // 4).astype(str)),
            "line_type": rng.choice(["sale", "return", "non_product"], n, p=[0.9, 0.08, 0.02]),
            "quantity": quantity,
            "unit_price": price,
            "net": quantity * price,
            "country_code": rng.choice(
                ["GB", "FR", "DE", "NL", "EIRE"], n, p=[0.8, 0.05, 0.05, 0.0999, 0.0001]
            ),
            "customer_key": pa.array(np.where(guest, None, keys), pa.string()),
            "order_ts": pa.array(
                np.datetime64("2011-01-01")
                + rng.integers(0, 365 * 86400, n).astype("timedelta64[s]"),
                pa.timestamp("us", tz="UTC"),
            ),
        }
    )


def best(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def per_check_query(engine: Engine, check: Expectation, relation: str) -> int:
    """The former runner loop: one count(*) over the failing rows of each check."""
    if check.table_level:
        context = CheckContext(run_id="b", table_name="silver.bench", as_of=now(engine))
        return int(
            evaluate_expectations(engine, [check], relation, context).results[0]["failing_rows"]
        )
    sql = failing_rows_sql(check, f"({relation})")
    return int(engine.query(f"select count(*) as n from ({sql}) as f")["n"][0].as_py())


def now(engine: Engine) -> Any:
    return engine.query(AS_OF_SQL)["m"][0].as_py()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--engines", nargs="+", default=["duckdb", "spark"])
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="dq-bench-"))
    lakehouse = Lakehouse(home)
    lakehouse.write(TableRef("bronze", "bench_line"), lines(args.rows), mode="overwrite")
    lakehouse.write(
        TableRef("bronze", "bench_customer"),
        pa.table({"customer_key": [f"online_retail:{i}" for i in range(50_000)]}),
        mode="overwrite",
    )
    checks = [parse(e, "bench.yml") for e in SUITE]
    for name in args.engines:
        engine = open_engine(name, lakehouse)
        try:
            measure(engine, checks, args.rows)
        finally:
            engine.close()


def measure(engine: Engine, checks: list[Expectation], rows: int) -> None:
    # As in the runner: checks read the staged rows (a DuckDB temp table / Spark Delta stage).
    engine.create_stage("bench_stage", "select * from bronze.bench_line")
    relation = "select * from bench_stage"
    context = CheckContext(run_id="b", table_name="silver.bench", as_of=now(engine))
    evaluation = evaluate_expectations(engine, checks, relation, context)
    one_scan = best(lambda: evaluate_expectations(engine, checks, relation, context))
    each = {c.name: best(lambda c=c: per_check_query(engine, c, relation)) for c in checks}
    print(f"\n{engine.name}: {rows:,} rows, {len(checks)} checks")
    print(f"  one scan (evaluate_expectations): {one_scan:.3f} s, {evaluation.queries} queries")
    print(f"  one query per check:              {sum(each.values()):.3f} s")
    for check_name, seconds in each.items():
        print(f"    {check_name:<34} {seconds:.3f} s")
    failed = [r["expectation"] for r in evaluation.results if not r["passed"]]
    print(f"  failing: {failed}; rows valid {evaluation.table['rows_valid']:,}")
    engine.drop_stage("bench_stage")


if __name__ == "__main__":
    main()
