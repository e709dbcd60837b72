"""Attacks on bronze ingestion (issue 21): each test is the file or the tamper, then the
correct numbers or the one-line error, and that nothing was lost."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import xlsxwriter

from retail_lakehouse import ops
from retail_lakehouse.bronze import ingest as bronze_ingest
from retail_lakehouse.bronze.ingest import (
    IngestOptions,
    ingest_landing,
    map_header,
    rebuild_bronze_table,
)
from retail_lakehouse.bronze.readers import MIB, ReadLimits
from retail_lakehouse.checks import check_bronze
from retail_lakehouse.errors import ConfigError, LakehouseError
from retail_lakehouse.settings import Settings
from retail_lakehouse.sources import get_source
from retail_lakehouse.storage import Lakehouse, TableRef
from tests.conftest import OR_HEADER

BRONZE = TableRef("bronze", "online_retail_transactions")
SOURCE = get_source("online_retail")
CONTRACT = SOURCE.tables[0]
ROW = "489434,85048,GLASS BALL,12,2009-12-01 07:45:00,6.95,13085,United Kingdom"
ROW2 = "489435,22041,RECORD FRAME,48,2009-12-01 07:46:00,2.10,13085,United Kingdom"
ROW3 = "489436,21232,STRAWBERRY MUG,6,2009-12-01 09:06:00,1.25,13078,United Kingdom"


def csv(*lines: str, header: str = OR_HEADER) -> bytes:
    return "".join(f"{line}\n" for line in (header, *lines)).encode()


def drop(lakehouse: Lakehouse, relative: str, content: bytes) -> Path:
    path = lakehouse.home / "landing" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def ingest(
    lakehouse: Lakehouse, run_id: str, options: IngestOptions | None = None
) -> list[dict[str, Any]]:
    landing = lakehouse.home / "landing"
    return ingest_landing(lakehouse, landing, [SOURCE], run_id=run_id, options=options).files


def logged(lakehouse: Lakehouse) -> list[dict[str, Any]]:
    return ops.read(lakehouse, "ingest_log").sort_by("ingested_at").to_pylist()


def bronze(lakehouse: Lakehouse) -> list[dict[str, Any]]:
    return lakehouse.read(BRONZE).sort_by("_source_line").to_pylist()


# ------------------------------------------------------------ 1. corrected re-delivery


def test_corrected_redelivery_replaces_the_old_rows(lakehouse: Lakehouse) -> None:
    drop(lakehouse, "online_retail/2009.csv", csv(ROW, ROW2, ROW3.replace(",6,", ",six,")))
    [first] = ingest(lakehouse, "run-1")
    version = lakehouse.version(BRONZE)
    # The supplier re-sends the same file: a price corrected, a line withdrawn, no bad row.
    drop(lakehouse, "online_retail/2009.csv", csv(ROW.replace(",6.95,", ",5.95,"), ROW3))
    [second] = ingest(lakehouse, "run-2")

    rows = bronze(lakehouse)
    assert [(r["invoice"], r["price"]) for r in rows] == [("489434", 5.95), ("489436", 1.25)]
    assert {r["_file_sha256"] for r in rows} == {second["sha256"]}
    assert {r["_run_id"] for r in rows} == {"run-2"}
    assert rows[0]["_ingested_at"] > first["ingested_at"]
    assert lakehouse.version(BRONZE) == version + 1  # one commit replaced the path's rows
    [commit] = lakehouse.history(BRONZE, 1)
    assert (
        commit["operation"] == "WRITE"
        and "_source_file" in commit["operationParameters"]["predicate"]
    )
    assert (second["status"], second["rows"], second["superseded_sha256"]) == (
        "loaded",
        2,
        first["sha256"],
    )
    assert second["message"].startswith("replaces the rows of this file's earlier version")
    assert ops.read(lakehouse, "quarantine").num_rows == 0  # the old version's bad row left
    [ledger] = ops.read(lakehouse, "row_ledger").to_pylist()
    assert (ledger["source"], ledger["rows_in"], ledger["rows_out"]) == (
        "online_retail/2009.csv",
        2,
        2,
    )
    assert check_bronze(lakehouse) == []


def test_an_unchanged_landing_file_is_not_read_again(
    lakehouse: Lakehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each run looked at every landing file's bytes: 1 GB at 10x scale, for nothing."""
    monkeypatch.setattr(bronze_ingest, "_RACY_NS", 0)  # the file was written just now
    drop(lakehouse, "online_retail/2009.csv", csv(ROW, ROW2))
    ingest(lakehouse, "run-1")
    version = lakehouse.version(BRONZE)
    hashed: list[Path] = []
    real = bronze_ingest.file_sha256
    monkeypatch.setattr(bronze_ingest, "file_sha256", lambda p: hashed.append(p) or real(p))

    assert [f["status"] for f in ingest(lakehouse, "run-2")] == ["skipped_duplicate"]
    assert hashed == [] and lakehouse.version(BRONZE) == version


def test_a_file_rewritten_with_its_size_and_mtime_is_still_a_correction(
    lakehouse: Lakehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cp -p`` or ``rsync -t`` can set a corrected file's mtime back to the old one's; its
    change time (ctime) moves anyway, and the hash kept for the old bytes is not used."""
    monkeypatch.setattr(bronze_ingest, "_RACY_NS", 0)
    path = drop(lakehouse, "online_retail/2009.csv", csv(ROW))
    ingest(lakehouse, "run-1")
    old = path.stat()
    time.sleep(0.05)  # past the tick of the kernel's file clock (a few ms)
    path.write_bytes(csv(ROW.replace(",6.95,", ",5.95,")))
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (old.st_size, old.st_mtime_ns)

    [log] = ingest(lakehouse, "run-2")
    assert (log["status"], log["superseded_sha256"] is not None) == ("loaded", True)
    assert [r["price"] for r in bronze(lakehouse)] == [5.95]


def test_an_unreadable_hash_cache_means_hashing_again(lakehouse: Lakehouse) -> None:
    cache = lakehouse.home / "ops" / bronze_ingest.LANDING_HASHES
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("{not json")
    drop(lakehouse, "online_retail/2009.csv", csv(ROW))
    [log] = ingest(lakehouse, "run-1")
    assert (log["status"], log["rows"]) == ("loaded", 1)
    assert str((lakehouse.home / "landing/online_retail/2009.csv").resolve()) in cache.read_text()


def test_a_file_that_only_grew_replaces_its_shorter_version(lakehouse: Lakehouse) -> None:
    drop(lakehouse, "online_retail/live.csv", csv(ROW))
    ingest(lakehouse, "run-1")
    drop(lakehouse, "online_retail/live.csv", csv(ROW, ROW2, ROW3))
    [log] = ingest(lakehouse, "run-2")
    assert (log["status"], log["rows"]) == ("loaded", 3)
    assert [r["invoice"] for r in bronze(lakehouse)] == ["489434", "489435", "489436"]
    assert check_bronze(lakehouse) == []


def test_a_path_corrected_into_a_copy_of_another_file_keeps_one_copy(lakehouse: Lakehouse) -> None:
    drop(lakehouse, "online_retail/a.csv", csv(ROW))
    drop(lakehouse, "online_retail/b.csv", csv(ROW2, ROW3))
    ingest(lakehouse, "run-1")
    drop(lakehouse, "online_retail/a.csv", csv(ROW2, ROW3))  # now the same bytes as b.csv
    logs = {log["file"]: log for log in ingest(lakehouse, "run-2")}
    assert logs["online_retail/a.csv"]["status"] == "skipped_duplicate"
    assert logs["online_retail/a.csv"]["superseded_sha256"] is not None
    assert sorted(r["invoice"] for r in bronze(lakehouse)) == ["489435", "489436"]
    assert check_bronze(lakehouse) == []


# ------------------------------------------------------------ 2. files still being copied


def test_a_file_still_being_copied_waits_and_loads_once_settled(lakehouse: Lakehouse) -> None:
    drop(lakehouse, "online_retail/big.csv", csv(ROW, ROW2))
    waits: list[float] = []
    copying = IngestOptions(settle_seconds=60, clock=time.time, sleep=waits.append)
    [first] = ingest(lakehouse, "run-1", copying)
    assert 59 < waits[0] <= 60  # the run waited once for it (here: the copy goes on)
    [again] = ingest(lakehouse, "run-2", copying)
    assert (first["status"], again["status"]) == ("waiting", "waiting")
    assert "still being written" in first["message"]
    assert not lakehouse.exists(BRONZE)
    assert [r["status"] for r in logged(lakehouse)] == ["waiting"]  # logged once, not per run

    later = IngestOptions(settle_seconds=60, clock=lambda: time.time() + 61, sleep=waits.append)
    [loaded] = ingest(lakehouse, "run-3", later)
    assert (loaded["status"], loaded["rows"]) == ("loaded", 2)
    assert lakehouse.count(BRONZE) == 2
    assert len(waits) == 2  # no wait once the file is old enough


def test_a_file_written_just_before_the_run_is_waited_for_then_loaded(
    lakehouse: Lakehouse,
) -> None:
    drop(lakehouse, "online_retail/fresh.csv", csv(ROW))
    started = time.monotonic()
    [log] = ingest(lakehouse, "run-1", IngestOptions(settle_seconds=0.3))
    assert time.monotonic() - started >= 0.2  # waited (0.3 s at most), then read it
    assert (log["status"], log["rows"]) == ("loaded", 1)


def test_a_file_newer_than_its_folders_success_marker_waits(lakehouse: Lakehouse) -> None:
    marker = drop(lakehouse, "online_retail/export/_SUCCESS", b"")
    early = drop(lakehouse, "online_retail/export/part-0.csv", csv(ROW))
    late = drop(lakehouse, "online_retail/export/part-1.csv", csv(ROW2))
    now = time.time()
    os.utime(early, (now - 20, now - 20))
    os.utime(marker, (now - 10, now - 10))
    os.utime(late, (now, now))
    logs = {log["file"]: log for log in ingest(lakehouse, "run-1")}
    assert logs["online_retail/export/part-0.csv"]["status"] == "loaded"
    assert logs["online_retail/export/part-1.csv"]["status"] == "waiting"
    assert "_SUCCESS" in logs["online_retail/export/part-1.csv"]["message"]
    assert logs["online_retail/export/_SUCCESS"]["status"] == "skipped"

    os.utime(marker, (now + 1, now + 1))  # the writer finished: a new marker
    logs = {log["file"]: log for log in ingest(lakehouse, "run-2")}
    assert logs["online_retail/export/part-1.csv"]["status"] == "loaded"
    assert lakehouse.count(BRONZE) == 2


def test_a_file_that_changes_while_it_is_read_waits(
    lakehouse: Lakehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = drop(lakehouse, "online_retail/growing.csv", csv(ROW))
    real = bronze_ingest.read_file

    def read_while_the_copy_goes_on(*args: Any, **kwargs: Any) -> Any:
        tables = real(*args, **kwargs)
        with path.open("ab") as handle:
            handle.write(f"{ROW2}\n".encode())
        return tables

    monkeypatch.setattr(bronze_ingest, "read_file", read_while_the_copy_goes_on)
    [log] = ingest(lakehouse, "run-1")
    assert (log["status"], log["message"]) == (
        "waiting",
        "the file changed while it was read; it is read again once settled",
    )
    assert not lakehouse.exists(BRONZE)
    monkeypatch.undo()
    [log] = ingest(lakehouse, "run-2")
    assert (log["status"], log["rows"]) == ("loaded", 2)


# --------------------------------------------------------- 6. every file seen is logged


def test_every_file_seen_gets_one_log_line_and_only_one(lakehouse: Lakehouse) -> None:
    drop(lakehouse, "online_retail/sales.csv", csv(ROW))
    for name in (".hidden.csv", "_notes.csv", "~$book.xlsx", "README.md", "x.csv.part"):
        drop(lakehouse, f"online_retail/{name}", b"x")
    drop(lakehouse, "online_retail/.git/config", b"x")
    drop(lakehouse, "stray.csv", csv(ROW))
    drop(lakehouse, "unknown_source/a.csv", csv(ROW))
    first = {log["file"]: (log["status"], log["message"]) for log in ingest(lakehouse, "run-1")}
    assert first == {
        "online_retail/.git": ("skipped", "a folder hidden (its name starts with '.')"),
        "online_retail/.hidden.csv": ("skipped", "hidden (its name starts with '.')"),
        "online_retail/README.md": ("skipped", "documentation (.md), not data"),
        "online_retail/_notes.csv": (
            "skipped",
            "its name starts with '_' (markers such as _SUCCESS, not data)",
        ),
        "online_retail/sales.csv": ("loaded", ""),
        "online_retail/x.csv.part": (
            "skipped",
            "a partial or temporary file; it is read once renamed",
        ),
        "online_retail/~$book.xlsx": ("skipped", "an Office lock file (~$), not data"),
        "stray.csv": (
            "skipped",
            "a file directly in landing/ belongs to no source; move it into its source folder "
            "(landing/online_retail/, landing/contoso/, landing/olist/, landing/shopmetrics/, "
            "landing/crm/)",
        ),
        "unknown_source/a.csv": (
            "skipped",
            "landing/unknown_source/ is not a source folder; move its files into one of "
            "landing/online_retail/, landing/contoso/, landing/olist/, landing/shopmetrics/, "
            "landing/crm/",
        ),
    }
    assert len(logged(lakehouse)) == 9
    second = ingest(lakehouse, "run-2")
    third = ingest(lakehouse, "run-3")
    assert len(second) == len(third) == 9  # every run reports every file...
    assert len(logged(lakehouse)) == 9 + 1  # ...the log adds one line: sales.csv, duplicate
    assert lakehouse.count(BRONZE) == 1


# ------------------------------------------------ 3. bronze can be rebuilt from landing


def damage_a_data_file(lakehouse: Lakehouse, ref: TableRef) -> None:
    parquet = sorted(lakehouse.path(ref).glob("*.parquet"))[0]
    data = parquet.read_bytes()
    parquet.write_bytes(data[: len(data) // 2])


def test_a_truncated_parquet_file_is_named_by_check_and_rebuilt_from_landing(
    lakehouse: Lakehouse,
) -> None:
    drop(lakehouse, "online_retail/a.csv", csv(ROW, ROW2.replace(",48,", ",lots,")))
    drop(lakehouse, "online_retail/b.csv", csv(ROW3))
    ingest(lakehouse, "run-1")
    expected = sorted(
        (r["invoice"], r["_source_file"], r["_source_line"]) for r in bronze(lakehouse)
    )
    damage_a_data_file(lakehouse, BRONZE)

    [problem] = check_bronze(lakehouse)
    assert problem.startswith("bronze.online_retail_transactions is damaged (")
    assert problem.endswith(
        "rebuild it from landing with "
        "`lakehouse run --full-refresh --select bronze.online_retail_transactions`"
    )
    report = rebuild_bronze_table(
        lakehouse, lakehouse.home / "landing", SOURCE, CONTRACT, run_id="rebuild"
    )
    assert [(f["file"], f["status"], f["rows"], f["quarantined"]) for f in report.files] == [
        ("online_retail/a.csv", "loaded", 1, 1),
        ("online_retail/b.csv", "loaded", 1, 0),
    ]
    rows = bronze(lakehouse)
    assert sorted((r["invoice"], r["_source_file"], r["_source_line"]) for r in rows) == expected
    assert {r["_run_id"] for r in rows} == {"rebuild"}
    assert ops.read(lakehouse, "quarantine").num_rows == 1
    assert [
        r["rows_in"] for r in ops.read(lakehouse, "row_ledger").sort_by("source").to_pylist()
    ] == [2, 1]
    assert check_bronze(lakehouse) == []
    assert ingest(lakehouse, "run-2")[0]["status"] == "skipped_duplicate"  # nothing reloads


def test_a_gapped_delta_log_is_named_and_the_table_rebuilt(lakehouse: Lakehouse) -> None:
    for number, row in enumerate((ROW, ROW2, ROW3)):
        drop(lakehouse, f"online_retail/{number}.csv", csv(row))
        ingest(lakehouse, f"run-{number}")
    (lakehouse.path(BRONZE) / "_delta_log" / "00000000000000000001.json").unlink()
    drop(lakehouse, "online_retail/3.csv", csv(ROW.replace("489434", "489437")))

    with pytest.raises(
        LakehouseError, match=r"bronze.online_retail_transactions cannot be written"
    ):
        ingest(lakehouse, "run-3")  # a one-line error, not a panic
    [problem] = check_bronze(lakehouse)
    assert "bronze.online_retail_transactions is damaged" in problem
    rebuild_bronze_table(lakehouse, lakehouse.home / "landing", SOURCE, CONTRACT, run_id="fix")
    assert sorted(r["invoice"] for r in bronze(lakehouse)) == [
        "489434",
        "489435",
        "489436",
        "489437",
    ]
    assert check_bronze(lakehouse) == []
    assert list(lakehouse.path(BRONZE).parent.glob(".online_retail_transactions.damaged-fix"))


def test_a_file_gone_from_landing_leaves_bronze_with_the_rebuild(lakehouse: Lakehouse) -> None:
    drop(lakehouse, "online_retail/a.csv", csv(ROW))
    gone = drop(lakehouse, "online_retail/b.csv", csv(ROW2))
    ingest(lakehouse, "run-1")
    gone.unlink()
    report = rebuild_bronze_table(
        lakehouse, lakehouse.home / "landing", SOURCE, CONTRACT, run_id="r"
    )
    assert [(f["file"], f["status"]) for f in report.files] == [
        ("online_retail/a.csv", "loaded"),
        ("online_retail/b.csv", "removed"),
    ]
    assert [r["invoice"] for r in bronze(lakehouse)] == ["489434"]
    assert check_bronze(lakehouse) == []


def test_a_damaged_ops_table_gives_one_line_naming_it(lakehouse: Lakehouse) -> None:
    drop(lakehouse, "online_retail/a.csv", csv(ROW))
    ingest(lakehouse, "run-1")
    log_dir = lakehouse.path(ops.ops_ref("ingest_log")) / "_delta_log"
    (log_dir / "00000000000000000000.json").write_text("{garbage")

    with pytest.raises(LakehouseError) as raised:
        ingest(lakehouse, "run-2")
    message = str(raised.value)
    assert message.startswith("ops.ingest_log cannot be read (") and "\n" not in message
    [problem] = check_bronze(lakehouse)
    assert problem.startswith("ops.ingest_log is damaged (")


# --------------------------------------------------------------- 4. hostile headers


def test_six_thousand_columns_named_x_are_rejected_at_once(lakehouse: Lakehouse) -> None:
    drop(lakehouse, "online_retail/x.csv", csv(",".join("1" * 6000), header=",".join("X" * 6000)))
    started = time.perf_counter()
    [log] = ingest(lakehouse, "run-1")
    assert time.perf_counter() - started < 5  # was 77 s and 2.2 GB
    assert (log["status"], log["message"]) == (
        "rejected",
        "the header has 6,000 columns, more than the limit of 1,000; split the file or "
        "remove the extra columns",
    )
    assert not lakehouse.exists(BRONZE)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            OR_HEADER + ",X,X,X",
            "the header repeats 'X' 3 times (at most 2 allowed); give each column its own name",
        ),
        (
            OR_HEADER + "," + "Y" * 300,
            f"a header cell is 300 characters long (limit 256): {'Y' * 40!r}…; fix the header row",
        ),
    ],
)
def test_absurd_headers_are_rejected_with_the_reason(
    lakehouse: Lakehouse, header: str, message: str
) -> None:
    drop(lakehouse, "online_retail/x.csv", csv(ROW + ",1,2,3", header=header))
    [log] = ingest(lakehouse, "run-1")
    assert (log["status"], log["message"]) == ("rejected", message)


def test_header_mapping_is_linear_in_the_header() -> None:
    header = OR_HEADER.split(",") + [f"extra {i}" for i in range(990)] + ["Price", "Price"]
    started = time.perf_counter()
    mapping, missing = map_header(header, CONTRACT)
    assert time.perf_counter() - started < 0.5
    assert missing == []
    assert mapping[-2:] == ["price_x", "price_x2"]


# ------------------------------------------------------------ 5. decompression limits


def test_a_gzip_bomb_is_rejected_before_it_is_unpacked(lakehouse: Lakehouse) -> None:
    body = csv(*[ROW] * 300_000)  # 22 MB of text, ≈ 100 KB packed
    drop(lakehouse, "online_retail/bomb.csv.gz", gzip.compress(body, compresslevel=6, mtime=0))
    options = IngestOptions(limits=ReadLimits(max_unpack_ratio=20))
    [log] = ingest(lakehouse, "run-1", options)
    assert log["status"] == "rejected"
    assert log["message"].startswith("the gzip file unpacks to more than 20 times its packed size")
    assert not lakehouse.exists(BRONZE)


def test_an_archive_beyond_the_size_limit_is_rejected(lakehouse: Lakehouse) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.csv", csv(*[ROW2] * 30_000))  # 2.2 MB
    drop(lakehouse, "online_retail/big.csv.zip", buffer.getvalue())
    drop(lakehouse, "online_retail/big.csv.gz", gzip.compress(csv(*[ROW] * 30_000)))
    options = IngestOptions(limits=ReadLimits(max_unpacked_bytes=1 * MIB))
    logs = ingest(lakehouse, "run-1", options)
    assert [(f["status"], f["message"]) for f in logs] == [
        (
            "rejected",
            "the gzip file unpacks to more than 1 MB (the limit, LAKEHOUSE_MAX_UNPACKED_MB); "
            "split it or raise the limit",
        ),
        (
            "rejected",
            "the zip archive unpacks to more than 1 MB (the limit, LAKEHOUSE_MAX_UNPACKED_MB); "
            "split it or raise the limit",
        ),
    ]
    assert [f["rows"] for f in ingest(lakehouse, "run-2")] == [30_000, 30_000]  # defaults
    assert lakehouse.count(BRONZE) == 60_000


# ------------------------------------------------------------------ 8. ambiguous dates


def test_ambiguous_day_month_dates_are_read_month_first_and_said_so(lakehouse: Lakehouse) -> None:
    drop(
        lakehouse,
        "online_retail/ambiguous.csv",
        csv(
            ROW.replace("2009-12-01 07:45:00", "01/12/2010 08:26"),
            ROW2.replace("2009-12-01 07:46:00", "02/11/2010 09:00"),
        ),
    )
    [log] = ingest(lakehouse, "run-1")
    assert log["date_formats"] == "invoice_date: %m/%d/%Y %H:%M"
    assert log["message"] == (
        "column 'InvoiceDate': day and month cannot be told apart (no value has a day above "
        "12); read month first (%m/%d/%Y %H:%M); deliver ISO dates (YYYY-MM-DD) to be sure"
    )
    assert [r["invoice_date"].month for r in bronze(lakehouse)] == [1, 2]


def test_a_day_above_twelve_decides_day_first_for_the_whole_file(lakehouse: Lakehouse) -> None:
    drop(
        lakehouse,
        "online_retail/uk.csv",
        csv(
            ROW.replace("2009-12-01 07:45:00", "01/12/2010 08:26"),
            ROW2.replace("2009-12-01 07:46:00", "13/11/2010 09:00"),
        ),
    )
    [log] = ingest(lakehouse, "run-1")
    assert (log["date_formats"], log["message"]) == ("invoice_date: %d/%m/%Y %H:%M", "")
    assert [r["invoice_date"].month for r in bronze(lakehouse)] == [12, 11]
    [logged_line] = logged(lakehouse)
    assert logged_line["date_formats"] == "invoice_date: %d/%m/%Y %H:%M"


# ------------------------------------------------------------ 9. ledger after a kill


class Killed(BaseException):
    """Stands for the process being killed between two ops commits."""


def test_a_kill_between_the_ledger_and_the_log_commits_leaves_one_ledger_row(
    lakehouse: Lakehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop(lakehouse, "online_retail/a.csv", csv(ROW, ROW2))
    real = ops.append

    def append(lakehouse: Lakehouse, name: str, records: Any) -> None:
        if name == "ingest_log":
            raise Killed
        real(lakehouse, name, records)

    with monkeypatch.context() as patch:
        patch.setattr(ops, "append", append)
        with pytest.raises(Killed):
            ingest(lakehouse, "run-1")
    ingest(lakehouse, "run-2")
    ingest(lakehouse, "run-3")
    [ledger] = ops.read(lakehouse, "row_ledger").to_pylist()
    assert (ledger["run_id"], ledger["rows_in"], ledger["rows_out"]) == ("run-2", 2, 2)
    assert lakehouse.count(BRONZE) == 2
    assert check_bronze(lakehouse) == []


# ------------------------------------------------------------ 10. spreadsheets (fastexcel)


def test_sheet_rows_keep_their_row_numbers_around_blank_rows_and_stray_cells(
    lakehouse: Lakehouse,
) -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Sales")
    sheet.write_row(2, 0, OR_HEADER.split(","))  # the header on row 3, rows 1-2 empty
    sheet.write_row(3, 0, ROW.split(","))  # row 4
    sheet.write_row(5, 0, ROW2.split(","))  # row 6, after a blank row 5
    sheet.write_row(6, 0, [*ROW3.split(","), "", "note"])  # row 7: a cell beyond the header
    book.close()
    drop(lakehouse, "online_retail/book.xlsx", buffer.getvalue())
    [log] = ingest(lakehouse, "run-1")
    assert (log["status"], log["rows"], log["quarantined"]) == ("loaded", 2, 1)
    assert [(r["_source_part"], r["_source_line"]) for r in bronze(lakehouse)] == [
        ("Sales", 4),
        ("Sales", 6),
    ]
    [bad] = ops.read(lakehouse, "quarantine").to_pylist()
    assert (bad["_source_line"], bad["_rule"], bad["_reason"]) == (
        7,
        "ragged_row",
        "expected 8 fields, found 10: 2 beyond the last column 'Country'",
    )


# ------------------------------------------------------------------ 7. home paths


@pytest.mark.parametrize("character", ["[", "]", "^", "|", "\\", "%", "\n"])
def test_a_home_path_the_delta_library_cannot_use_is_one_clear_line(
    tmp_path: Path, character: str
) -> None:
    home = tmp_path / f"lake{character}house"
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"LAKEHOUSE_HOME": str(home)})
    assert "which the Delta library cannot use in a path" in str(raised.value)


def test_a_home_that_is_a_file_or_read_only_is_one_clear_line(tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    with pytest.raises(ConfigError, match=r"is a file, not a folder"):
        Settings.from_env({"LAKEHOUSE_HOME": str(a_file)})
    with pytest.raises(ConfigError, match=r"which is a file; point it to a folder"):
        Settings.from_env({"LAKEHOUSE_HOME": str(a_file / "lakehouse")})
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o555)
    try:
        settings = Settings.from_env({"LAKEHOUSE_HOME": str(read_only / "lakehouse")})
        if os.access(read_only, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        with pytest.raises(ConfigError, match=r"is not writable"):
            settings.check_writable()
    finally:
        read_only.chmod(0o755)


def test_ingest_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "LAKEHOUSE_HOME": "/tmp/lh",
            "LAKEHOUSE_SETTLE_SECONDS": "5",
            "LAKEHOUSE_MAX_UNPACKED_MB": "100",
            "LAKEHOUSE_MAX_UNPACK_RATIO": "50",
        }
    )
    options = IngestOptions.from_settings(settings)
    assert (options.settle_seconds, options.limits.max_unpacked_bytes) == (5.0, 100 * MIB)
    assert options.limits.max_unpack_ratio == 50.0
    assert Settings.from_env({"LAKEHOUSE_HOME": "/tmp/lh"}).settle_seconds == 2.0
    with pytest.raises(ConfigError, match=r"LAKEHOUSE_SETTLE_SECONDS='soon' is not a number"):
        Settings.from_env({"LAKEHOUSE_HOME": "/tmp/lh", "LAKEHOUSE_SETTLE_SECONDS": "soon"})


def test_a_lakehouse_written_before_the_new_log_columns_still_reads(lakehouse: Lakehouse) -> None:
    old_schema = ops.SCHEMAS["ingest_log"]
    legacy = [
        f
        for f in old_schema
        if f.name not in ("superseded_sha256", "date_formats", "size_bytes", "modified_at")
    ]
    lakehouse.write(ops.ops_ref("ingest_log"), pa.schema(legacy).empty_table(), mode="append")
    drop(lakehouse, "online_retail/a.csv", csv(ROW))
    [log] = ingest(lakehouse, "run-1")
    assert log["status"] == "loaded"
    assert logged(lakehouse)[0]["date_formats"] == "invoice_date: %Y-%m-%d %H:%M:%S"
    shutil.rmtree(lakehouse.home / "landing")
