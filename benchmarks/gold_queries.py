"""p95 latency of typical dashboard queries on gold, two ways.

1. **engine** — what ``lakehouse sql`` does: the sandboxed query path
   (``engines.sandbox.sandboxed_query``), one read-only query at a time.
2. **served** — a plain DuckDB client on ``$LAKEHOUSE_HOME/serve/lakehouse.duckdb``,
   opened read-only, as DBeaver, R or a BI tool would.

``gold_query_p95(home)`` returns a dict for ``make bench``; ``python benchmarks/gold_queries.py
[HOME]`` prints it (HOME defaults to $LAKEHOUSE_HOME). Goal: ≤ 200 ms each.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from retail_lakehouse.engines.sandbox import sandboxed_query
from retail_lakehouse.serving.publish import publish_serving_db, serving_path
from retail_lakehouse.storage import Lakehouse

GOAL_MS = 200.0
QUERIES: dict[str, str] = {
    "exec_kpis_all_sources": (
        "select period, sum(gmv_eur) as gmv, sum(orders) as orders, "
        "sum(gmv_eur) / nullif(sum(orders), 0) as aov from gold.exec_kpis group by period"
    ),
    "net_revenue_by_country_last_month_vs_ly": (
        "select c.source_system, c.country_code, sum(c.net_revenue_eur) as net, "
        "sum(p.net_revenue_eur) as net_ly from gold.geo_performance as c "
        "left join gold.geo_performance as p on p.source_system = c.source_system "
        "and p.country_code = c.country_code and p.region = c.region "
        "and p.month = c.month - interval 1 year "
        "where c.month = (select max(month) from gold.geo_performance) "
        "group by c.source_system, c.country_code order by net desc limit 20"
    ),
    "daily_sales_last_90_days": (
        "select date, sum(net_revenue_eur) as net, sum(orders) as orders from gold.sales_daily "
        "where date > (select max(date) from gold.sales_daily) - interval 90 day "
        "group by date order by date"
    ),
    "revenue_monthly_trend": (
        "select month, source_system, net_revenue_eur, ytd_net_revenue_eur, yoy_growth "
        "from gold.revenue_monthly order by month"
    ),
    "top_products_by_category": (
        "select category, product_key, net_revenue_eur from gold.product_performance "
        "where category_rank <= 5 order by category, category_rank"
    ),
    "rfm_segment_sizes": (
        "select source_system, rfm_segment, count(*) as customers, avg(monetary_eur) as m "
        "from gold.customer_360 group by source_system, rfm_segment"
    ),
    "cohort_heatmap": (
        "select cohort_month, months_since_first_order, retention_rate "
        "from gold.cohort_retention where months_since_first_order <= 12"
    ),
}


def p95_ms(run: Callable[[], Any], repeats: int) -> float:
    run()  # warm-up (first scan of the files)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]


def gold_query_p95(home: Path, *, repeats: int = 30) -> dict[str, Any]:
    """p95 milliseconds per query and path, with the goal and whether each meets it."""
    lakehouse = Lakehouse(home)
    served = serving_path(lakehouse)
    if not served.exists():
        publish_serving_db(lakehouse)
    con = duckdb.connect(str(served), read_only=True)

    def through_sql(sql: str) -> None:
        with sandboxed_query(lakehouse, sql) as result:
            for _batch in result.batches:
                pass

    results: dict[str, Any] = {"goal_ms": GOAL_MS, "queries": {}}
    try:
        for name, sql in QUERIES.items():
            engine_ms = p95_ms(lambda sql=sql: through_sql(sql), repeats)
            served_ms = p95_ms(lambda sql=sql: con.sql(sql).to_arrow_table(), repeats)
            results["queries"][name] = {
                "engine_p95_ms": round(engine_ms, 1),
                "served_p95_ms": round(served_ms, 1),
                "meets_goal": max(engine_ms, served_ms) <= GOAL_MS,
            }
    finally:
        con.close()
    return results


if __name__ == "__main__":
    home = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LAKEHOUSE_HOME", "lakehouse"))
    print(json.dumps(gold_query_p95(home), indent=2))
