"""Bronze ingestion loads every good row once and quarantines every bad one with its line."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse import ops
from retail_lakehouse.bronze.ingest import (
    constant,
    ingest_landing,
    spill_table,
    spilled_batches,
    write_bronze,
)
from retail_lakehouse.sources import get_source
from retail_lakehouse.storage import Lakehouse, TableRef
from tests.conftest import online_retail_csv, write_landing

BRONZE = TableRef("bronze", "online_retail_transactions")
GOOD = "489434,85048,GLASS BALL,12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom"


def ingest(lakehouse: Lakehouse, run_id: str = "run-1") -> list[dict[str, object]]:
    report = ingest_landing(
        lakehouse, lakehouse.home / "landing", [get_source("online_retail")], run_id=run_id
    )
    return report.files


def quarantine(lakehouse: Lakehouse) -> list[dict[str, object]]:
    return ops.read(lakehouse, "quarantine").sort_by("_source_line").to_pylist()


def test_good_rows_load_with_audit_columns(lakehouse: Lakehouse) -> None:
    write_landing(lakehouse, "online_retail", "or.csv", online_retail_csv(GOOD))
    [log] = ingest(lakehouse)
    assert (log["status"], log["rows"], log["quarantined"]) == ("loaded", 1, 0)
    [row] = lakehouse.read(BRONZE).to_pylist()
    assert row["invoice"] == "489434" and row["quantity"] == 12 and row["price"] == 6.95
    assert row["customer_id"] == "13085.0"
    assert (row["_source_file"], row["_source_line"], row["_run_id"]) == (
        "online_retail/or.csv",
        2,
        "run-1",
    )


def test_unparsable_and_ragged_rows_are_quarantined_with_line_and_reason(
    lakehouse: Lakehouse,
) -> None:
    content = online_retail_csv(
        GOOD,
        "489434,85049,BAD QTY,twelve,2009-12-01 07:45:00,1.0,,France",
        "489434,85050,BAD DATE,1,31/31/2009,1.0,,France",
        "489434,85051,TOO,MANY,FIELDS,1,2,3,4",
        ",85052,NO INVOICE,1,2009-12-01 07:45:00,1.0,,France",
    )
    write_landing(lakehouse, "online_retail", "mixed.csv", content)
    [log] = ingest(lakehouse)
    assert (log["rows"], log["quarantined"]) == (1, 4)
    rows = quarantine(lakehouse)
    assert [(r["_source_line"], r["_rule"]) for r in rows] == [
        (3, "unparsable_value"),
        (4, "unparsable_value"),
        (5, "ragged_row"),
        (6, "missing_value"),
    ]
    assert rows[0]["_reason"] == "column 'Quantity': 'twelve' is not an integer"
    assert json.loads(str(rows[0]["record"]))["Description"] == "BAD QTY"
    assert {r["table_name"] for r in rows} == {"bronze.online_retail_transactions"}


def test_a_file_missing_a_required_column_is_rejected_whole(lakehouse: Lakehouse) -> None:
    write_landing(lakehouse, "online_retail", "bad.csv", "Invoice,StockCode\n1,2\n")
    write_landing(lakehouse, "online_retail", "good.csv", online_retail_csv(GOOD))
    logs = {str(log["file"]): log for log in ingest(lakehouse)}
    bad = logs["online_retail/bad.csv"]
    assert bad["status"] == "rejected"
    assert "Quantity" in str(bad["message"]) and "InvoiceDate" in str(bad["message"])
    assert logs["online_retail/good.csv"]["status"] == "loaded"


def test_ingesting_three_times_or_under_a_new_name_loads_once(lakehouse: Lakehouse) -> None:
    write_landing(lakehouse, "online_retail", "or.csv", online_retail_csv(GOOD, GOOD))
    ingest(lakehouse, "run-1")
    ingest(lakehouse, "run-2")
    write_landing(lakehouse, "online_retail", "copy of or.csv", online_retail_csv(GOOD, GOOD))
    logs = ingest(lakehouse, "run-3")
    assert lakehouse.count(BRONZE) == 2
    assert sorted(str(log["status"]) for log in logs) == ["skipped_duplicate"] * 2


def test_a_run_killed_after_the_bronze_write_is_repaired_by_the_next_run(
    lakehouse: Lakehouse,
) -> None:
    path = write_landing(lakehouse, "online_retail", "or.csv", online_retail_csv(GOOD, GOOD))
    ingest(lakehouse, "run-1")
    source = get_source("online_retail")
    contract = source.tables[0]
    # Simulate the crash: the file's rows are committed again but no ingest log follows.
    from retail_lakehouse.bronze.ingest import LoadState, ingest_file

    ops_log = TableRef("ops", "ingest_log")
    lakehouse.delete(ops_log, "true")
    result = ingest_file(
        lakehouse,
        lakehouse.home / "landing",
        source,
        path,
        state=LoadState(),
        run_id="crashed",
        ingested_at=ops.utc_now(),
        write=False,
    )
    write_bronze(lakehouse, contract, result)
    write_bronze(lakehouse, contract, result)  # twice: still the file's rows once
    assert lakehouse.count(BRONZE) == 2
    ingest(lakehouse, "run-2")
    assert lakehouse.count(BRONZE) == 2
    runs = lakehouse.read(BRONZE)["_run_id"]
    assert pc.unique(runs).to_pylist() == ["run-2"]


def test_cp1252_file_decodes_pound_and_accents(lakehouse: Lakehouse) -> None:
    line = "489434,85048,CAFÉ £ SIGN,1,2009-12-01 07:45:00,1.5,,France"
    write_landing(lakehouse, "online_retail", "latin.csv", online_retail_csv(line).encode("cp1252"))
    [log] = ingest(lakehouse)
    assert log["message"] == "decoded as cp1252"
    assert lakehouse.read(BRONZE)["description"].to_pylist() == ["CAFÉ £ SIGN"]


def test_older_online_retail_headers_and_us_dates_load(lakehouse: Lakehouse) -> None:
    content = (
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom\n"
        "536366,22633,HAND WARMER,6,12/13/2010 8:28,1.85,17850,United Kingdom\n"
    )
    write_landing(lakehouse, "online_retail", "Online Retail.csv", content)
    [log] = ingest(lakehouse)
    assert (log["rows"], log["quarantined"]) == (2, 0)
    dates = [
        d.strftime("%Y-%m-%d %H:%M") for d in lakehouse.read(BRONZE)["invoice_date"].to_pylist()
    ]
    assert dates == ["2010-12-01 08:26", "2010-12-13 08:28"]


def test_hostile_file_names_stay_in_the_landing_folder(lakehouse: Lakehouse) -> None:
    name = 'it\'s "quoted"; DROP TABLE x; -- ünïcødé ' + "x" * 150 + ".csv"
    write_landing(lakehouse, "online_retail", name, online_retail_csv(GOOD))
    [log] = ingest(lakehouse)
    assert log["status"] == "loaded"
    assert lakehouse.read(BRONZE)["_source_file"].to_pylist() == [f"online_retail/{name}"]


def test_a_zip_of_several_tables_loads_each_member_into_its_table(lakehouse: Lakehouse) -> None:
    import io
    import zipfile

    from retail_lakehouse.sources import Scale

    olist = get_source("olist")
    folder = lakehouse.home / "generated"
    paths = olist.generate(folder, scale=Scale.small, seed=2)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.write(path, arcname=path.name)
    write_landing(lakehouse, "olist", "archive.zip", buffer.getvalue())
    report = ingest_landing(lakehouse, lakehouse.home / "landing", [olist], run_id="r1")
    assert len(report.files) == 9
    assert {f["status"] for f in report.files} == {"loaded"}
    orders = [f for f in report.files if f["table_name"] == "bronze.olist_orders"]
    assert [f["file"] for f in orders] == ["olist/archive.zip/olist_orders_dataset.csv"]
    assert lakehouse.count(TableRef("bronze", "olist_orders")) == 2000
    # The same CSV delivered later on its own is recognised by content.
    write_landing(
        lakehouse,
        "olist",
        "olist_orders_dataset.csv",
        (folder / "olist_orders_dataset.csv").read_bytes(),
    )
    again = ingest_landing(lakehouse, lakehouse.home / "landing", [olist], run_id="r2")
    assert {f["status"] for f in again.files} == {"skipped_duplicate"}


def test_json_lines_load_with_nested_values_kept_as_json(lakehouse: Lakehouse) -> None:
    orders = [
        {
            "clicked_items": [["AVpf", "2"]],
            "customer_id": 1234,
            "customer_name": "ANNA SMITH",
            "number_of_line_items": "1",
            "order_datetime": "1569465000",
            "order_number": 8177,
            "ordered_products": [{"curr": "USD", "id": "AVpf", "price": 155, "qty": 1}],
            "promo_info": None,
        },
        {"customer_id": 99, "order_datetime": "1569465001", "order_number": 8178},
    ]
    lines = [json.dumps(o) for o in orders] + ["{not json", "[1, 2]"]
    write_landing(lakehouse, "crm", "sales_orders.json", "\n".join(lines) + "\n")
    report = ingest_landing(lakehouse, lakehouse.home / "landing", [get_source("crm")], run_id="r")
    [log] = report.files
    assert (log["status"], log["rows"], log["quarantined"]) == ("loaded", 2, 2)
    rows = lakehouse.read(TableRef("bronze", "crm_sales_orders")).sort_by("order_number")
    first, second = rows.to_pylist()
    assert json.loads(first["ordered_products"]) == orders[0]["ordered_products"]
    assert (first["customer_id"], first["order_datetime"], first["_source_line"]) == (
        1234,
        1569465000,
        1,
    )
    assert (second["customer_name"], second["promo_info"]) == (None, None)
    assert [(q["_source_line"], q["_rule"]) for q in quarantine(lakehouse)] == [
        (3, "unparsable_json"),
        (4, "unparsable_json"),
    ]


def test_spilled_files_stream_as_their_concatenation_would(tmp_path: Path) -> None:
    contract = get_source("online_retail").tables[0]
    first = pa.table({"invoice": ["1", "2"], "_source_file": constant("a.csv", 2)})
    second = pa.table({"invoice": ["3"], "promo_code": ["X"], "_source_file": constant("b.csv", 1)})
    paths = [spill_table(first, tmp_path / "1"), spill_table(second, tmp_path / "2")]
    streamed = spilled_batches(paths, contract).read_all()
    assert streamed.schema.field("_source_file").type == pa.string()
    assert streamed.to_pylist() == [
        {"invoice": "1", "_source_file": "a.csv", "promo_code": None},
        {"invoice": "2", "_source_file": "a.csv", "promo_code": None},
        {"invoice": "3", "_source_file": "b.csv", "promo_code": "X"},
    ]


def test_audit_values_are_one_dictionary_entry_written_as_plain_text(
    lakehouse: Lakehouse,
) -> None:
    write_landing(lakehouse, "online_retail", "or.csv", online_retail_csv(GOOD, GOOD))
    ingest(lakehouse)
    bronze = lakehouse.read(BRONZE)
    assert bronze.schema.field("_source_file").type == pa.string()
    assert bronze["_source_file"].to_pylist() == ["online_retail/or.csv"] * 2
    assert bronze["_source_part"].to_pylist() == [None, None]
