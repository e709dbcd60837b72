"""Tiny silver tables of five sources, written straight to Delta; gold runs on top of them.

Amounts are chosen by hand so expected values can be computed in the tests by plain Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from retail_lakehouse import ops
from retail_lakehouse.engines import Engine, open_engine
from retail_lakehouse.runner.project import Project
from retail_lakehouse.runner.run import RunReport, run_pipeline
from retail_lakehouse.storage import Lakehouse, TableRef

D2 = pa.decimal128(18, 2)
TS = pa.timestamp("us", tz="UTC")
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
SOURCES = ("online_retail", "contoso", "olist", "shopmetrics", "crm")
CHANNEL = {
    "online_retail": "online",
    "contoso": "store",
    "olist": "marketplace",
    "shopmetrics": "mobile_app",
    "crm": "online",
}
LINE_SCHEMA = pa.schema(
    [
        ("order_line_key", pa.string()),
        ("order_id", pa.string()),
        ("source_system", pa.string()),
        ("order_ts", TS),
        ("order_date", pa.date32()),
        ("customer_key", pa.string()),
        ("product_key", pa.string()),
        ("store_key", pa.string()),
        ("quantity", pa.int64()),
        ("currency", pa.string()),
        ("gross_amount", D2),
        ("return_amount", D2),
        ("gross_amount_eur", D2),
        ("return_amount_eur", D2),
        ("net_amount_eur", D2),
        ("cost_amount_eur", D2),
        ("is_sale", pa.bool_()),
        ("is_return", pa.bool_()),
        ("line_type", pa.string()),
        ("region", pa.string()),
        ("country_code", pa.string()),
        ("_ingested_at", TS),
    ]
)


def money(value: float | str | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def line(
    source: str,
    order: str,
    n: int,
    day: dt.date,
    *,
    customer: str | None,
    product: str,
    qty: int,
    amount: str,
    kind: str = "sale",
    cost: str | None = None,
    region: str | None = None,
    country: str = "DE",
    batch: int = 0,
) -> dict[str, Any]:
    """One fact_order_line row; ``amount`` is the line's EUR amount (positive)."""
    value = money(amount)
    assert value is not None
    zero = Decimal("0.00")
    gross = value if kind in ("sale", "returned_sale") else zero
    ret = value if kind in ("return", "returned_sale") else zero
    return {
        "order_line_key": f"{source}:{order}:{n}",
        "order_id": f"{source}:{order}",
        "source_system": source,
        "order_ts": dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
        "order_date": day,
        "customer_key": f"{source}:{customer}" if customer else None,
        "product_key": f"{source}:{product}",
        "store_key": f"{source}:main",
        "quantity": -qty if kind == "return" else qty,
        "currency": "EUR",
        "gross_amount": gross,
        "return_amount": ret,
        "gross_amount_eur": gross,
        "return_amount_eur": ret,
        "net_amount_eur": gross - ret,
        "cost_amount_eur": money(cost) if kind in ("sale", "returned_sale") else None,
        "is_sale": kind in ("sale", "returned_sale"),
        "is_return": kind in ("return", "returned_sale"),
        "line_type": "sale" if kind == "returned_sale" else kind,
        "region": region,
        "country_code": country,
        "_ingested_at": T0 + dt.timedelta(days=batch),
    }


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def fixture_lines() -> list[dict[str, Any]]:
    """Five sources; two years for online_retail and contoso (YoY), a few days for crm."""
    rows: list[dict[str, Any] | None] = []
    for i, (src, base) in enumerate(zip(SOURCES, (100, 200, 50, 80, 30), strict=True)):
        p = "p1"
        rows += [
            line(
                src,
                "o1",
                1,
                d("2023-03-05"),
                customer="c1",
                product=p,
                qty=2,
                amount=f"{base}.10",
                cost=f"{base / 2}",
                region="north",
            )
            if src in ("online_retail", "contoso")
            else None,
            line(
                src,
                "o2",
                1,
                d("2024-02-10"),
                customer="c1",
                product=p,
                qty=1,
                amount=f"{base}.25",
                cost=f"{base / 4}",
                region="north",
            ),
            line(
                src,
                "o2",
                2,
                d("2024-02-10"),
                customer="c1",
                product="p2",
                qty=3,
                amount="12.34",
                region="north",
            ),
            line(
                src,
                "o2",
                3,
                d("2024-02-10"),
                customer="c1",
                product="post",
                qty=1,
                amount="5.00",
                kind="non_product",
            ),
            line(
                src,
                "o3",
                1,
                d("2024-03-01"),
                customer="c2",
                product="p2",
                qty=1,
                amount="20.00",
                region="south",
                country="FR",
            ),
            line(
                src,
                "o4",
                1,
                d("2024-03-05"),
                customer=None,
                product="p3",
                qty=4,
                amount="7.77",
                region="south",
            ),
            line(
                src,
                "o5",
                1,
                d("2024-03-05"),
                customer="c3",
                product="p1",
                qty=1,
                amount=f"{base}.00",
                kind="returned_sale" if src == "shopmetrics" else "sale",
                cost="1.00",
            ),
            line(
                src,
                "r1",
                1,
                d("2024-03-05"),
                customer="c1",
                product="p1",
                qty=1,
                amount="10.00",
                kind="return",
            ),
            line(
                src,
                "o6",
                1,
                d("2024-03-05"),
                customer="c4",
                product="p4",
                qty=1,
                amount="0.50",
                batch=1,
                region="north",
            ),
        ]
        assert i >= 0
    return [r for r in rows if r is not None]


def write(lakehouse: Lakehouse, name: str, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    lakehouse.write(TableRef("silver", name), pa.Table.from_pylist(rows, schema), mode="overwrite")


def write_silver(
    lakehouse: Lakehouse,
    lines: list[dict[str, Any]],
    *,
    dims_from: list[dict[str, Any]] | None = None,
) -> None:
    """The silver tables gold reads: facts from ``lines``, dims derived from ``dims_from``
    (default: the same lines)."""
    write(lakehouse, "fact_order_line", lines, LINE_SCHEMA)
    lines = lines if dims_from is None else dims_from
    products = sorted({(r["product_key"], r["source_system"]) for r in lines})
    category = {"p1": "Toys & Baby", "p2": "Kitchen & Dining", "p3": "Other", "p4": "Toys & Baby"}
    write(
        lakehouse,
        "dim_product",
        [
            {
                "product_key": k,
                "source_system": s,
                "product_name": k.split(":")[1],
                "is_product": not k.endswith("post"),
                "category": category.get(k.split(":")[1], "Non-product"),
            }
            for k, s in products
        ],
        pa.schema(
            [
                ("product_key", pa.string()),
                ("source_system", pa.string()),
                ("product_name", pa.string()),
                ("is_product", pa.bool_()),
                ("category", pa.string()),
            ]
        ),
    )
    write(
        lakehouse,
        "dim_store",
        [{"store_key": f"{s}:main", "source_system": s, "channel": CHANNEL[s]} for s in SOURCES],
        pa.schema(
            [("store_key", pa.string()), ("source_system", pa.string()), ("channel", pa.string())]
        ),
    )
    customers = sorted(
        {(r["customer_key"], r["source_system"]) for r in lines if r["customer_key"]}
    )
    write(
        lakehouse,
        "dim_customer",
        [
            {
                "customer_key": k,
                "customer_version_key": f"{k}#1",
                "source_system": s,
                "country_code": "DE",
                "segment": None,
                "is_current": True,
                "_ingested_at": T0,
            }
            for k, s in customers
        ]
        + [
            {
                "customer_key": "crm:prospect",
                "customer_version_key": "crm:prospect#1",
                "source_system": "crm",
                "country_code": "DE",
                "segment": None,
                "is_current": True,
                "_ingested_at": T0,
            }
        ],
        pa.schema(
            [
                ("customer_key", pa.string()),
                ("customer_version_key", pa.string()),
                ("source_system", pa.string()),
                ("country_code", pa.string()),
                ("segment", pa.string()),
                ("is_current", pa.bool_()),
                ("_ingested_at", TS),
            ]
        ),
    )
    write_orders(lakehouse)
    write_inventory(lakehouse)
    project = Project.load()
    for name in ("dim_date", "country"):
        model = project.models[TableRef("silver", name)]
        assert model.build is not None
        lakehouse.write(TableRef("silver", name), model.build(None), mode="overwrite")


def write_orders(lakehouse: Lakehouse) -> None:
    """Olist orders with delivery dates and reviews (the delivery SLA fixture)."""

    def ts(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)

    orders = [
        # order, purchase, delivered, estimated → delivery days, late?
        ("olist:o2", "2024-02-10 12:00", "2024-02-15 09:00", "2024-02-20 00:00"),  # 5 d, on time
        ("olist:o3", "2024-03-01 12:00", "2024-03-12 09:00", "2024-03-08 00:00"),  # 11 d, 4 late
        ("olist:o4", "2024-03-05 12:00", "2024-03-10 09:00", "2024-03-10 00:00"),  # 5 d, on time
        ("olist:o5", "2024-03-05 12:00", None, "2024-03-20 00:00"),  # not delivered
    ]
    rows = []
    for order_id, bought, delivered, estimated in orders:
        b = ts(bought)
        dl = ts(delivered) if delivered else None
        e = ts(estimated)
        rows.append(
            {
                "order_id": order_id,
                "source_system": "olist",
                "order_ts": b,
                "delivered_ts": dl,
                "estimated_delivery_ts": e,
                "delivery_days": (dl.date() - b.date()).days if dl else None,
                "is_late": dl.date() > e.date() if dl else None,
            }
        )
    write(
        lakehouse,
        "fact_order",
        rows,
        pa.schema(
            [
                ("order_id", pa.string()),
                ("source_system", pa.string()),
                ("order_ts", TS),
                ("delivered_ts", TS),
                ("estimated_delivery_ts", TS),
                ("delivery_days", pa.int64()),
                ("is_late", pa.bool_()),
            ]
        ),
    )
    write(
        lakehouse,
        "fact_review",
        [
            {"review_key": "olist:r1:o2", "order_id": "olist:o2", "score": 5},
            {"review_key": "olist:r2:o3", "order_id": "olist:o3", "score": 1},
            {"review_key": "olist:r3:o3", "order_id": "olist:o3", "score": 2},
            {"review_key": "olist:r4:o4", "order_id": "olist:o4", "score": 4},
        ],
        pa.schema([("review_key", pa.string()), ("order_id", pa.string()), ("score", pa.int32())]),
    )


def write_inventory(lakehouse: Lakehouse) -> None:
    """Contoso stock of p1 and p4 in contoso:main over 3 days (latest 2024-03-05)."""
    rows = []
    for day, p1, p4 in (("2024-03-03", 0, 40), ("2024-03-04", 5, 40), ("2024-03-05", 6, 40)):
        for product, qty in (("p1", p1), ("p4", p4)):
            rows.append(
                {
                    "inventory_key": f"contoso:{product}|contoso:main|{day}",
                    "snapshot_date": d(day),
                    "product_key": f"contoso:{product}",
                    "store_key": "contoso:main",
                    "source_system": "contoso",
                    "on_hand_quantity": qty,
                    "on_order_quantity": 0,
                    "reorder_point": 5,
                    "safety_stock": 1,
                    "below_reorder_point": qty <= 5,
                    "is_stockout": qty <= 0,
                    "stock_value_eur": money(qty * 2),
                }
            )
    write(
        lakehouse,
        "fact_inventory",
        rows,
        pa.schema(
            [
                ("inventory_key", pa.string()),
                ("snapshot_date", pa.date32()),
                ("product_key", pa.string()),
                ("store_key", pa.string()),
                ("source_system", pa.string()),
                ("on_hand_quantity", pa.int64()),
                ("on_order_quantity", pa.int64()),
                ("reorder_point", pa.int64()),
                ("safety_stock", pa.int64()),
                ("below_reorder_point", pa.bool_()),
                ("is_stockout", pa.bool_()),
                ("stock_value_eur", D2),
            ]
        ),
    )


def run_gold(engine: Engine, *, full_refresh: bool = False) -> RunReport:
    report = run_pipeline(
        engine,
        [],
        landing=engine.lakehouse.home / "landing",
        run_id=ops.new_run_id(),
        select="gold",
        ingest=False,
        full_refresh=full_refresh,
    )
    assert not report.failed, report.failed
    return report


@pytest.fixture
def gold(lakehouse: Lakehouse, duckdb_engine: Engine) -> Iterator[Lakehouse]:
    """A lakehouse with the fixture silver and every gold mart built on DuckDB."""
    write_silver(lakehouse, fixture_lines())
    duckdb_engine.refresh()
    run_gold(duckdb_engine)
    yield lakehouse


def read(lakehouse: Lakehouse, table: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = lakehouse.read(TableRef("gold", table)).to_pylist()
    return rows


__all__ = ["open_engine"]
