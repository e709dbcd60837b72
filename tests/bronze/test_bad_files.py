"""A corpus of bad and odd files: each loads correctly or is reported, never a crash or a loss.

Every case is one file dropped into ``landing/<source>/`` and ingested once. Its expected
outcome sits next to it: the ingest log status and message, the bronze rows, and the exact
quarantine rows (line, rule, reason naming the column). Further tests cover what a single
file cannot show: the same file delivered again, a mixed folder, a run killed mid-ingest.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import xlsxwriter

from retail_lakehouse import ops
from retail_lakehouse.bronze import ingest as bronze_ingest
from retail_lakehouse.bronze.ingest import ingest_landing
from retail_lakehouse.sources import get_source
from retail_lakehouse.storage import Lakehouse, TableRef
from tests.conftest import OR_HEADER

# ------------------------------------------------------------------------- file builders

ROW = "489434,85048,GLASS BALL,12,2009-12-01 07:45:00,6.95,13085,United Kingdom"
ROW2 = "489435,22041,RECORD FRAME,48,2009-12-01 07:46:00,2.1,13085,United Kingdom"
ALL_COLUMNS = "Invoice, StockCode, Description, Quantity, InvoiceDate, Price, Customer ID, Country"

Builder = Callable[[Path], None]
"""Creates the landing file at the given path (links, pipes, names that are not UTF-8)."""


def text(*lines: str, header: str = OR_HEADER, nl: str = "\n", encoding: str = "utf-8") -> bytes:
    """An Online Retail CSV: the header, then ``lines``, each ended by ``nl``."""
    return "".join(f"{line}{nl}" for line in (header, *lines)).encode(encoding)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def damaged_zip() -> bytes:
    """A zip whose directory is intact but whose member's compressed bytes are flipped."""
    data = bytearray(zipped({"a.csv": text(ROW, ROW2, ROW, ROW2)}))
    start = data.index(b"a.csv") + len("a.csv")  # compressed data follows the local header
    for i in range(start, start + 16):
        data[i] ^= 0xFF
    return bytes(data)


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    """An .xlsx with one sheet per entry; datetimes are written as date-formatted cells."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, stamp)
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


HEADER_CELLS = OR_HEADER.split(",")
SALE = [489434, "85048", "GLASS BALL", 12, dt.datetime(2009, 12, 1, 7, 45), 6.95, 13085.0, "UK"]


def link_to_outside(path: Path) -> None:
    outside = path.parents[3] / "outside.csv"  # tmp_path, next to the lakehouse
    outside.write_bytes(text(ROW))
    path.symlink_to(outside)


def link_to_outside_folder(path: Path) -> None:
    outside = path.parents[3] / "outside"
    outside.mkdir()
    (outside / "sales.csv").write_bytes(text(ROW))
    path.symlink_to(outside, target_is_directory=True)


def link_loop(path: Path) -> None:
    path.symlink_to(path.name)


def dangling_link(path: Path) -> None:
    path.symlink_to("deleted.csv")


def named_pipe(path: Path) -> None:
    """A pipe nobody writes to: reading it would hang, so ingest must not open it."""
    os.mkfifo(path)

    def unblock_readers() -> None:  # should ingest open it anyway, fail the test, don't hang
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:  # no reader waiting
                time.sleep(0.05)

    threading.Thread(target=unblock_readers, daemon=True).start()


def latin1_named(path: Path) -> None:
    """A name written by an old tool in Latin-1: ``café.csv`` with the byte 0xE9."""
    Path(os.fsdecode(os.fsencode(path.parent) + b"/caf\xe9.csv")).write_bytes(text(ROW))


def ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


# ------------------------------------------------------------------------------ the corpus


class Q(NamedTuple):
    """An expected quarantine row."""

    line: int
    rule: str
    reason: str
    part: str | None = None


@dataclass(frozen=True)
class Case:
    name: str
    """File name in ``landing/<source>/``."""
    content: bytes | Builder
    status: str
    message: str
    """A fragment of the ingest log message; "" means the message is empty."""
    rows: int = 0
    quarantine: list[Q] = field(default_factory=list)
    bronze: dict[str, list[Any]] = field(default_factory=dict)
    """Expected bronze values per column, in (part, line) order."""
    schema_changes: list[str] = field(default_factory=list)
    records: list[Any] | None = None
    """Expected quarantine records (the row as read: fields, or header → value)."""
    source: str = "online_retail"
    table: str = "online_retail_transactions"


def case(id: str, *args: Any, **kwargs: Any) -> Any:
    return pytest.param(Case(*args, **kwargs), id=id)


OLIST_REVIEWS_HEADER = (
    "review_id,order_id,review_score,review_comment_title,review_comment_message,"
    "review_creation_date,review_answer_timestamp"
)
OLIST_ORDERS_HEADER = (
    "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,"
    "order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date"
)
REVIEW = "7bc2406110b926393aa56f80a40eba40"
ORDER = "73fc7af87114b39712e6da79b0a377eb"
CUSTOMER = "9ef432eb6251297304e76186b10a928d"
LONG_NAME = "sales " + "x" * 240 + ".csv"
SQL_NAME = "x'; DROP TABLE bronze.online_retail_transactions; --.csv"

CORPUS = [
    # --- encodings: £, é, ã, ç decoded right whatever the file's encoding
    case(
        "utf-8",
        "utf8.csv",
        text(ROW.replace("GLASS BALL", "CAFÉ £5 ã ç")),
        "loaded",
        "",
        rows=1,
        bronze={"description": ["CAFÉ £5 ã ç"]},
    ),
    case(
        "utf-8-with-bom",
        "bom.csv",
        b"\xef\xbb\xbf" + text(ROW.replace("GLASS BALL", "CAFÉ £5 ã ç")),
        "loaded",
        "",
        rows=1,
        bronze={"invoice": ["489434"], "description": ["CAFÉ £5 ã ç"]},
    ),
    case(
        "cp1252",
        "cp1252.csv",
        text(ROW.replace("GLASS BALL", "CAFÉ £5 ã ç €"), encoding="cp1252"),
        "loaded",
        "decoded as cp1252",
        rows=1,
        bronze={"description": ["CAFÉ £5 ã ç €"]},
    ),
    case(  # Latin-1 letters have the same bytes in CP1252, so the text is the same
        "latin-1",
        "latin1.csv",
        text(ROW.replace("GLASS BALL", "CAFÉ £5 ã ç"), encoding="latin-1"),
        "loaded",
        "decoded as cp1252",
        rows=1,
        bronze={"description": ["CAFÉ £5 ã ç"]},
    ),
    case(
        "utf-16-with-bom",
        "utf16.csv",
        text(ROW.replace("GLASS BALL", "CAFÉ £5 ã ç €"), encoding="utf-16"),
        "loaded",
        "decoded as utf-16",
        rows=1,
        bronze={"description": ["CAFÉ £5 ã ç €"]},
    ),
    case(  # two exports pasted together: neither half may turn into mojibake (Ã©)
        "utf-8-with-cp1252-lines",
        "pasted.csv",
        text(ROW.replace("GLASS BALL", "CAFÉ ç"))
        + ROW2.replace("RECORD FRAME", "£5 AÇÚCAR").encode("cp1252")
        + b"\n",
        "loaded",
        "decoded as utf-8, its lines that are not utf-8 as cp1252",
        rows=2,
        bronze={"description": ["CAFÉ ç", "£5 AÇÚCAR"]},
    ),
    # --- line ends: line numbers are what an editor shows
    case(
        "crlf",
        "crlf.csv",
        text(ROW, ROW.replace(",12,", ",twelve,"), ROW2, nl="\r\n"),
        "loaded",
        "",
        rows=2,
        quarantine=[Q(3, "unparsable_value", "column 'Quantity': 'twelve' is not an integer")],
        bronze={"_source_line": [2, 4], "country": ["United Kingdom"] * 2},
    ),
    case(
        "cr-only-line-ends",
        "mac.csv",
        text(ROW, ROW.replace(",12,", ",twelve,"), ROW2, nl="\r"),
        "loaded",
        "",
        rows=2,
        quarantine=[Q(3, "unparsable_value", "column 'Quantity': 'twelve' is not an integer")],
        bronze={"_source_line": [2, 4]},
    ),
    # --- rows that cannot be split into the header's columns
    case(
        "ragged-short-row",
        "short.csv",
        text(ROW, "489434,85049,SHORT,1,2009-12-01 07:45:00,1.0"),
        "loaded",
        "",
        rows=1,
        quarantine=[
            Q(3, "ragged_row", "expected 8 fields, found 6: no value for 'Customer ID', 'Country'")
        ],
        records=[["489434", "85049", "SHORT", "1", "2009-12-01 07:45:00", "1.0"]],
    ),
    case(
        "ragged-long-row",
        "long.csv",
        text(ROW, ROW + ",EXTRA,MORE"),
        "loaded",
        "",
        rows=1,
        quarantine=[
            Q(3, "ragged_row", "expected 8 fields, found 10: 2 beyond the last column 'Country'")
        ],
    ),
    case(
        "row-of-delimiters-only",
        "commas.csv",
        text(ROW, ",,,,,,,"),
        "loaded",
        "",
        rows=1,
        quarantine=[Q(3, "missing_value", "column 'Invoice' is empty but required")],
    ),
    # --- values that do not parse: the row is quarantined naming the column
    case(
        "unparsable-integers",
        "ints.csv",
        text(
            ROW.replace(",12,", ",twelve,"),
            ROW.replace(",12,", ",1.5,"),
            ROW.replace(",12,", ",99999999999999999999,"),  # beyond 64 bits
            ROW.replace(",12,", ",+12,"),
            ROW.replace(",12,", ",12.0,"),
        ),
        "loaded",
        "",
        rows=2,
        quarantine=[
            Q(2, "unparsable_value", "column 'Quantity': 'twelve' is not an integer"),
            Q(3, "unparsable_value", "column 'Quantity': '1.5' is not an integer"),
            Q(
                4,
                "unparsable_value",
                "column 'Quantity': '99999999999999999999' is not an integer",
            ),
        ],
        bronze={"quantity": [12, 12]},
    ),
    case(
        "unparsable-numbers",
        "prices.csv",
        text(
            ROW.replace(",6.95,", ",6.95 GBP,"),
            ROW.replace(",6.95,", ",1e400,"),  # overflows to infinity
            ROW.replace(",6.95,", ",.5,"),
            ROW.replace(",6.95,", ",-1.5e1,"),
        ),
        "loaded",
        "",
        rows=2,
        quarantine=[
            Q(2, "unparsable_value", "column 'Price': '6.95 GBP' is not a number"),
            Q(3, "unparsable_value", "column 'Price': '1e400' is not a number"),
        ],
        bronze={"price": [0.5, -15.0]},
    ),
    case(  # a column that writes decimals with a point uses its commas for thousands
        "thousands-commas-next-to-decimal-points",
        "thousands.csv",
        text(ROW, ROW.replace(",6.95,", ',"1,000",')),
        "loaded",
        "",
        rows=1,
        quarantine=[Q(3, "unparsable_value", "column 'Price': '1,000' is not a number")],
    ),
    case(
        "unparsable-dates",
        "dates.csv",
        text(
            ROW.replace("2009-12-01 07:45:00", "31/31/2009 07:45"),
            ROW.replace("2009-12-01 07:45:00", "2009-02-30 07:45:00"),
            ROW.replace("2009-12-01 07:45:00", "yesterday"),
            ROW.replace("2009-12-01 07:45:00", "2009-12-01T07:45:00Z"),
            ROW.replace("2009-12-01 07:45:00", "2009-12-01 07:45:00.250"),
        ),
        "loaded",
        "",
        rows=2,
        quarantine=[
            Q(2, "unparsable_value", "column 'InvoiceDate': '31/31/2009 07:45' is not a timestamp"),
            Q(
                3,
                "unparsable_value",
                "column 'InvoiceDate': '2009-02-30 07:45:00' is not a timestamp",
            ),
            Q(4, "unparsable_value", "column 'InvoiceDate': 'yesterday' is not a timestamp"),
        ],
        bronze={
            "invoice_date": [ts("2009-12-01 07:45:00"), ts("2009-12-01 07:45:00.250")],
        },
    ),
    case(  # the data decides day-first vs month-first, once per file
        "day-first-dates",
        "dayfirst.csv",
        text(
            ROW.replace("2009-12-01 07:45:00", "13/01/2010 08:26"),
            ROW.replace("2009-12-01 07:45:00", "01/02/2010 09:00"),
        ),
        "loaded",
        "",
        rows=2,
        bronze={"invoice_date": [ts("2010-01-13 08:26"), ts("2010-02-01 09:00")]},
    ),
    case(  # dd.mm.yyyy is a date, not seconds with a fraction; April has no 31st
        "dotted-dates-and-impossible-days",
        "dotted.csv",
        text(
            ROW.replace("2009-12-01 07:45:00", "30.04.2010"),
            ROW.replace("2009-12-01 07:45:00", "31.04.2010"),
            ROW.replace("2009-12-01 07:45:00", "29.02.2011"),
            ROW.replace("2009-12-01 07:45:00", "29.02.2012"),
        ),
        "loaded",
        "",
        rows=2,
        quarantine=[
            Q(3, "unparsable_value", "column 'InvoiceDate': '31.04.2010' is not a timestamp"),
            Q(4, "unparsable_value", "column 'InvoiceDate': '29.02.2011' is not a timestamp"),
        ],
        bronze={"invoice_date": [ts("2010-04-30 00:00"), ts("2012-02-29 00:00")]},
    ),
    case(  # typed columns read NULL spellings as no value; text columns keep the text
        "null-tokens",
        "nulls.csv",
        text(
            ROW.replace(",12,", ",N/A,"),
            ROW.replace(",6.95,", ",NaN,"),
            ROW.replace("2009-12-01 07:45:00", "NULL"),
            ROW.replace("13085", "NULL").replace("GLASS BALL", "null"),
            ROW.replace("13085", ""),
        ),
        "loaded",
        "",
        rows=2,
        quarantine=[
            Q(2, "missing_value", "column 'Quantity': 'N/A' means no value, but it is required"),
            Q(3, "missing_value", "column 'Price': 'NaN' means no value, but it is required"),
            Q(
                4,
                "missing_value",
                "column 'InvoiceDate': 'NULL' means no value, but it is required",
            ),
        ],
        bronze={"customer_id": ["NULL", None], "description": ["null", "GLASS BALL"]},
    ),
    case(
        "empty-required-values",
        "empties.csv",
        text(ROW.replace("489434,", ",", 1), ROW.replace(",12,", ",   ,"), ROW2),
        "loaded",
        "",
        rows=1,
        quarantine=[
            Q(2, "missing_value", "column 'Invoice' is empty but required"),
            Q(3, "missing_value", "column 'Quantity' is empty but required"),
        ],
    ),
    # --- quoting
    case(
        "quoted-newline",
        "multiline.csv",
        text(
            ROW.replace("GLASS BALL", '"GLASS\nBALL, ""XL"""'),
            ROW.replace(",12,", ",twelve,"),
            ROW2,
        ),
        "loaded",
        "",
        rows=2,
        quarantine=[Q(4, "unparsable_value", "column 'Quantity': 'twelve' is not an integer")],
        bronze={"description": ['GLASS\nBALL, "XL"', "RECORD FRAME"], "_source_line": [2, 5]},
    ),
    case(
        "unclosed-quote-at-the-end",
        "unclosed.csv",
        text(ROW, ROW2.replace("RECORD FRAME", '"RECORD FRAME')),
        "loaded",
        "",
        rows=1,
        quarantine=[
            Q(
                3,
                "unclosed_quote",
                "column 'Description': the quote opened on line 3 is never closed",
            )
        ],
    ),
    case(  # the open quote swallows the next lines: they are reported, not loaded as text
        "unclosed-quote-swallows-the-rest",
        "swallow.csv",
        text(ROW, ROW.replace("United Kingdom", '"United Kingdom'), ROW2, ROW2),
        "loaded",
        "",
        rows=1,
        quarantine=[
            Q(
                3,
                "unclosed_quote",
                "column 'Country': the quote opened on line 3 is never closed, "
                "so lines 3-5 were read as one row",
            )
        ],
        records=[[*ROW.split(",")[:7], f"United Kingdom\n{ROW2}\n{ROW2}\n"]],
    ),
    case(
        "nul-bytes",
        "nul.csv",
        text(ROW.replace("GLASS BALL", "GLA\x00SS BALL")),
        "loaded",
        "removed 1 NUL bytes",
        rows=1,
        bronze={"description": ["GLASS BALL"]},
    ),
    # --- files with nothing (or nothing but a header) in them
    case("empty-file", "empty.csv", b"", "rejected", "the file is empty (0 bytes)"),
    case(
        "header-only",
        "header.csv",
        text(),
        "loaded",
        "the file holds a header but no data rows",
    ),
    case(
        "whitespace-only",
        "blank.csv",
        b" \r\n\t\n   \n",
        "rejected",
        "the file holds only white space",
    ),
    case(
        "blank-lines",
        "gaps.csv",
        b"\n\n" + text(ROW, "   ", ROW2, ""),
        "loaded",
        "skipped 4 blank lines",
        rows=2,
        bronze={"_source_line": [4, 6]},
    ),
    case(
        "title-line-above-the-header",
        "report.csv",
        b"Sales report 2010\n" + text(ROW),
        "rejected",
        f"the header of report.csv lacks required column(s) {ALL_COLUMNS} "
        "(found: Sales report 2010); fix the file and drop it again",
    ),
    # --- headers
    case(  # the second Description is kept as an extra column, and in quarantine records
        "duplicate-header-names",
        "dupes.csv",
        text(
            ROW + ",GLASS BALL XL",
            ROW.replace(",12,", ",twelve,") + ",SECOND",
            header=OR_HEADER + ",Description",
        ),
        "loaded",
        "",
        rows=1,
        quarantine=[Q(3, "unparsable_value", "column 'Quantity': 'twelve' is not an integer")],
        bronze={"description": ["GLASS BALL"], "description_x": ["GLASS BALL XL"]},
        schema_changes=["description_x"],
        records=[
            {
                "Invoice": "489434",
                "StockCode": "85048",
                "Description": "GLASS BALL",
                "Quantity": "twelve",
                "InvoiceDate": "2009-12-01 07:45:00",
                "Price": "6.95",
                "Customer ID": "13085",
                "Country": "United Kingdom",
                "Description (2)": "SECOND",
            }
        ],
    ),
    case(
        "extra-unknown-columns",
        "extra.csv",
        text(ROW + ",SPRING10,web", ROW2 + ",,shop", header=OR_HEADER + ",Promo Code (EU),Channel"),
        "loaded",
        "",
        rows=2,
        bronze={"promo_code_eu": ["SPRING10", None], "channel": ["web", "shop"]},
        schema_changes=["promo_code_eu", "channel"],
    ),
    case(
        "missing-required-columns",
        "missing.csv",
        b"Invoice,StockCode,Description,Price,Customer ID,Country\n1,2,3,4,5,6\n",
        "rejected",
        "the header of missing.csv lacks required column(s) Quantity, InvoiceDate "
        "(found: Invoice, StockCode, Description, Price, Customer ID, Country); "
        "fix the file and drop it again",
    ),
    case(
        "columns-in-another-order",
        "reordered.csv",
        b"Country,Price,Quantity,Invoice,InvoiceDate,Customer ID,StockCode,Description\n"
        b"France,6.95,12,489434,2009-12-01 07:45:00,13085,85048,GLASS BALL\n",
        "loaded",
        "",
        rows=1,
        bronze={"invoice": ["489434"], "quantity": [12], "price": [6.95], "country": ["France"]},
    ),
    case(
        "header-case-and-spaces",
        "case.csv",
        text(
            ROW,
            header=" INVOICE ,stockcode,Description ,QUANTITY,Invoice Date,price,"
            "customer_id,COUNTRY",
        ),
        "loaded",
        "",
        rows=1,
        bronze={"invoice": ["489434"], "stock_code": ["85048"], "customer_id": ["13085"]},
    ),
    # --- delimiters
    case(
        "semicolons-and-decimal-commas",
        "eu.csv",
        text(
            "489434;85048;GLASS BALL;12;01.12.2009 07:45;6,95;13085;Deutschland",
            "489435;22041;RECORD FRAME;48;01.12.2009 07:46;2,10;;Deutschland",
            header=OR_HEADER.replace(",", ";"),
        ),
        "loaded",
        "",
        rows=2,
        bronze={
            "price": [6.95, 2.1],
            "invoice_date": [ts("2009-12-01 07:45"), ts("2009-12-01 07:46")],
        },
    ),
    case(  # in a decimal-comma column a point groups thousands: 1.234 is not read as 1.234
        "thousands-points-next-to-decimal-commas",
        "eu-thousands.csv",
        text(
            "489434;85048;GLASS BALL;12;01.12.2009 07:45;6,95;13085;Deutschland",
            "489435;22041;RECORD FRAME;48;01.12.2009 07:46;1.234;;Deutschland",
            header=OR_HEADER.replace(",", ";"),
        ),
        "loaded",
        "",
        rows=1,
        quarantine=[Q(3, "unparsable_value", "column 'Price': '1.234' is not a number")],
        bronze={"price": [6.95]},
    ),
    case(
        "tab-delimited",
        "sales.tsv",
        text(ROW.replace(",", "\t"), ROW2.replace(",", "\t"), header=OR_HEADER.replace(",", "\t")),
        "loaded",
        "",
        rows=2,
        bronze={"description": ["GLASS BALL", "RECORD FRAME"]},
    ),
    # --- compressed files
    case(
        "gzip",
        "sales.csv.gz",
        gz(text(ROW, ROW2)),
        "loaded",
        "",
        rows=2,
        bronze={"_source_file": ["online_retail/sales.csv.gz"] * 2},
    ),
    case(
        "zip-with-one-member",
        "sales.csv.zip",
        zipped({"2009/sales.csv": text(ROW)}),
        "loaded",
        "",
        rows=1,
        bronze={"_source_part": ["2009/sales.csv"], "_source_line": [2]},
    ),
    case(  # macOS resource forks are not members; each member keeps its own line numbers
        "zip-with-two-members",
        "years.csv.zip",
        zipped(
            {
                "2009.csv": text(ROW),
                "2010.csv": text(ROW2, ROW2.replace(",48,", ",lots,")),
                "__MACOSX/._2010.csv": b"\x00\x05\x16\x07",
            }
        ),
        "loaded",
        "",
        rows=2,
        quarantine=[
            Q(3, "unparsable_value", "column 'Quantity': 'lots' is not an integer", "2010.csv")
        ],
        bronze={"_source_part": ["2009.csv", "2010.csv"], "_source_line": [2, 2]},
    ),
    case(  # a member without the table's columns is skipped and said so, with its row count
        "zip-with-a-readme",
        "docs.csv.zip",
        zipped({"README.txt": b"Sales of 2009\nsee the CSV\n", "sales.csv": text(ROW)}),
        "loaded",
        "zip member 'README.txt' of docs.csv.zip skipped (1 row): it lacks Invoice",
        rows=1,
    ),
    case(
        "gzip-corrupt",
        "bad.csv.gz",
        gz(text(ROW))[:10] + b"\xff" * 40,
        "rejected",
        "not a valid gzip file",
    ),
    case(
        "gzip-truncated",
        "cut.csv.gz",
        gz(text(ROW, ROW2))[:30],
        "rejected",
        "not a valid gzip file: Compressed file ended before the end-of-stream marker",
    ),
    case(
        "zip-corrupt",
        "bad.csv.zip",
        b"PK\x03\x04 this is not really a zip archive",
        "rejected",
        "not a valid zip file: File is not a zip file",
    ),
    case(
        "zip-with-a-damaged-member",
        "damaged.csv.zip",
        damaged_zip(),
        "rejected",
        "zip member 'a.csv' cannot be unpacked",
    ),
    case(
        "zip-empty",
        "none.csv.zip",
        zipped({}),
        "rejected",
        "the zip archive holds no file",
    ),
    # --- spreadsheets
    case(  # rows of both data sheets load; the notes sheet is skipped and said so
        "xlsx-two-data-sheets-and-notes",
        "book.xlsx",
        workbook(
            {
                "Year 2009-2010": [HEADER_CELLS, SALE],
                "Year 2010-2011": [HEADER_CELLS, SALE, [*SALE[:3], "twelve", *SALE[4:]]],
                "Notes": [["Exported from the shop"], ["ask Ana for the 2012 sheet"]],
            }
        ),
        "loaded",
        "sheet 'Notes' of book.xlsx skipped (1 row): it lacks Invoice",
        rows=2,
        quarantine=[
            Q(
                3,
                "unparsable_value",
                "column 'Quantity': 'twelve' is not an integer",
                "Year 2010-2011",
            )
        ],
        bronze={"_source_part": ["Year 2009-2010", "Year 2010-2011"], "_source_line": [2, 2]},
    ),
    case(  # number cells read as a CSV export writes them; an unformatted date is reported
        "xlsx-number-cells",
        "numbers.xlsx",
        workbook({"Sheet1": [HEADER_CELLS, SALE, [*SALE[:4], 40148.5, *SALE[5:]]]}),
        "loaded",
        "",
        rows=1,
        quarantine=[
            Q(3, "unparsable_value", "column 'InvoiceDate': '40148.5' is not a timestamp", "Sheet1")
        ],
        bronze={
            "invoice": ["489434"],
            "quantity": [12],
            "invoice_date": [ts("2009-12-01 07:45:00")],
            "price": [6.95],
            "customer_id": ["13085"],
        },
    ),
    case(
        "xlsx-without-a-data-sheet",
        "notes.xlsx",
        workbook({"Read me": [["Sales follow"], ["soon"]], "Contacts": [["Ana"]]}),
        "rejected",
        "no part of notes.xlsx holds the required columns: sheet 'Read me' of notes.xlsx "
        "skipped (1 row): it lacks Invoice",
    ),
    case(
        "xlsx-without-data",
        "blank.xlsx",
        workbook({"Sheet1": []}),
        "rejected",
        "the workbook holds no sheet with data",
    ),
    case(
        "xlsx-that-is-not-a-workbook",
        "fake.xlsx",
        text(ROW),
        "rejected",
        "cannot open the spreadsheet",
    ),
    # --- names
    case(
        "unknown-name-pattern",
        "sales.pdf",
        b"%PDF-1.4",
        "rejected",
        "no table of source online_retail takes this file name; "
        "expected *.csv, *.tsv, *.txt, *.xlsx, *.xls",
    ),
    *[
        case(
            f"hostile-name-{label}",
            name,
            text(ROW),
            "loaded",
            "",
            rows=1,
            bronze={"_source_file": [f"online_retail/{name}"]},
        )
        for label, name in [
            ("spaces", "  my sales  2010 .csv"),
            ("quotes", 'it\'s "quoted" `x`.csv'),
            ("dot-dot", "x..\\..\\sales..2010.csv"),
            ("unicode", "ünïcødé 日本 ção 🛒.csv"),
            ("very-long", LONG_NAME),
            ("sql", SQL_NAME),
            ("newline", "two\nlines.csv"),
        ]
    ],
    case(
        "hostile-name-not-utf-8",
        "caf\\xe9.csv",
        latin1_named,
        "loaded",
        "",
        rows=1,
        bronze={"_source_file": ["online_retail/caf\\xe9.csv"]},
    ),
    case(
        "link-to-a-file-outside",
        "outside.csv",
        link_to_outside,
        "rejected",
        "the file links outside the landing folder; copy the file itself in",
    ),
    case(
        "link-to-a-folder-outside",
        "outside",
        link_to_outside_folder,
        "rejected",
        "the file links outside the landing folder; copy the file itself in",
    ),
    case(
        "link-loop",
        "loop.csv",
        link_loop,
        "rejected",
        "the file is a link that never resolves (a loop)",
    ),
    case(
        "link-to-a-missing-file",
        "gone.csv",
        dangling_link,
        "rejected",
        "the file is a link to a missing file",
    ),
    case(
        "named-pipe",
        "pipe.csv",
        named_pipe,
        "rejected",
        "the file is not a regular file",
    ),
    # --- Olist
    case(  # Portuguese in CP1252; messages span lines; the line after a long message is right
        "olist-reviews-cp1252-quoted-newlines",
        "olist_order_reviews_dataset.csv",
        text(
            f'{REVIEW},{ORDER},5,Ótimo,"Chegou antes do prazo.\nRecomendo a loja, ação rápida!"'
            ",2018-01-18 00:00:00,2018-01-18 21:46:59",
            f"{REVIEW[::-1]},{ORDER},cinco,,,2018-01-19 00:00:00,2018-01-20 10:00:00",
            f'{REVIEW[1:]}0,{ORDER},1,Péssimo,"não chegou\r\naté hoje",2018-03-01 00:00:00,',
            header=OLIST_REVIEWS_HEADER,
            encoding="cp1252",
        ),
        "loaded",
        "decoded as cp1252",
        rows=2,
        quarantine=[
            Q(4, "unparsable_value", "column 'review_score': 'cinco' is not an integer"),
        ],
        bronze={
            "review_comment_title": ["Ótimo", "Péssimo"],
            "review_comment_message": [
                "Chegou antes do prazo.\nRecomendo a loja, ação rápida!",
                "não chegou\r\naté hoje",
            ],
            "review_answer_timestamp": [ts("2018-01-18 21:46:59"), None],
            "_source_line": [2, 5],
        },
        source="olist",
        table="olist_order_reviews",
    ),
    case(  # a timestamp stays empty until the order reaches that step: NULL, not an error
        "olist-orders-empty-timestamps",
        "olist_orders_dataset.csv",
        text(
            f"{ORDER},{CUSTOMER},shipped,2017-10-02 10:56:33,2017-10-02 11:07:15,"
            "2017-10-04 19:55:00,,2017-10-18 00:00:00",
            f"{ORDER[::-1]},{CUSTOMER},created,2017-10-03T09:00:00,,,,",
            f"{ORDER[1:]}0,{CUSTOMER},created,,,,,",
            header=OLIST_ORDERS_HEADER,
        ),
        "loaded",
        "",
        rows=2,
        quarantine=[
            Q(4, "missing_value", "column 'order_purchase_timestamp' is empty but required")
        ],
        bronze={
            "order_purchase_timestamp": [ts("2017-10-02 10:56:33"), ts("2017-10-03 09:00:00")],
            "order_approved_at": [ts("2017-10-02 11:07:15"), None],
            "order_delivered_customer_date": [None, None],
        },
        source="olist",
        table="olist_orders",
    ),
    case(  # the published file misspells "length"; measurements are floats like 40.0
        "olist-products-misspelled-headers",
        "olist_products_dataset.csv.gz",
        gz(
            text(
                "1e9e8ef04dbcff4541ed26657ea517e5,perfumaria,40.0,287.0,1.0,225.0,16.0,10.0,14.0",
                "3aa071139cb16b67ca9e5dea641aaa2f,,,,,,,,",
                header="product_id,product_category_name,product_name_lenght,"
                "product_description_lenght,product_photos_qty,product_weight_g,"
                "product_length_cm,product_height_cm,product_width_cm",
            )
        ),
        "loaded",
        "",
        rows=2,
        bronze={"product_name_length": [40.0, None], "product_category_name": ["perfumaria", None]},
        source="olist",
        table="olist_products",
    ),
    case(  # re-saved by a Brazilian spreadsheet: decimal commas in quotes, a currency sign
        "olist-order-items-decimal-commas",
        "olist_order_items_dataset.csv",
        text(
            f'{ORDER},1,{REVIEW},{CUSTOMER},2017-09-19 09:45:35,"58,90","13,29"',
            f'{ORDER},2,{REVIEW},{CUSTOMER},2017-09-19 09:45:35,"R$ 10,00","13,29"',
            header="order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,"
            "freight_value",
        ),
        "loaded",
        "",
        rows=1,
        quarantine=[Q(3, "unparsable_value", "column 'price': 'R$ 10,00' is not a number")],
        bronze={"price": [58.9], "freight_value": [13.29]},
        source="olist",
        table="olist_order_items",
    ),
    case(
        "olist-translation-with-bom",
        "product_category_name_translation.csv",
        b"\xef\xbb\xbf"
        + text(
            "beleza_saude,health_beauty",
            "cama_mesa_banho,bed_bath_table",
            header="product_category_name,product_category_name_english",
        ),
        "loaded",
        "",
        rows=2,
        bronze={"product_category_name": ["beleza_saude", "cama_mesa_banho"]},
        source="olist",
        table="olist_product_category_name_translation",
    ),
]


def ingest(lakehouse: Lakehouse, source: str, run_id: str = "run-1") -> list[dict[str, Any]]:
    landing = lakehouse.home / "landing"
    return ingest_landing(lakehouse, landing, [get_source(source)], run_id=run_id).files


def bronze_rows(lakehouse: Lakehouse, table: str) -> list[dict[str, Any]]:
    ref = TableRef("bronze", table)
    if not lakehouse.exists(ref):
        return []
    data = lakehouse.read(ref)
    return data.sort_by([("_source_part", "ascending"), ("_source_line", "ascending")]).to_pylist()


def quarantine_rows(lakehouse: Lakehouse) -> list[dict[str, Any]]:
    data = ops.read(lakehouse, "quarantine")
    return data.sort_by([("_source_part", "ascending"), ("_source_line", "ascending")]).to_pylist()


@pytest.mark.parametrize("case", CORPUS)
def test_bad_file(lakehouse: Lakehouse, case: Case) -> None:
    folder = lakehouse.home / "landing" / case.source
    folder.mkdir(parents=True)
    if isinstance(case.content, bytes):
        (folder / case.name).write_bytes(case.content)
    else:
        case.content(folder / case.name)

    [log] = ingest(lakehouse, case.source)

    assert log["status"] == case.status
    if case.message:
        assert case.message in log["message"]
    else:
        assert log["message"] == ""
    assert (log["rows"], log["quarantined"]) == (case.rows, len(case.quarantine))
    rows = bronze_rows(lakehouse, case.table)
    assert len(rows) == case.rows
    for column, values in case.bronze.items():
        assert [r[column] for r in rows] == values, column
    quarantined = quarantine_rows(lakehouse)
    assert [
        Q(r["_source_line"], r["_rule"], r["_reason"], r["_source_part"]) for r in quarantined
    ] == case.quarantine
    assert {(r["_source_file"], r["table_name"]) for r in quarantined} <= {
        (log["file"], f"bronze.{case.table}")
    }
    if case.records is not None:
        assert [json.loads(r["record"]) for r in quarantined] == case.records
    [logged] = ops.read(lakehouse, "ingest_log").to_pylist()
    assert (logged["file"], logged["status"], logged["message"]) == (
        log["file"],
        log["status"],
        log["message"],
    )
    changes = ops.read(lakehouse, "schema_changes").to_pylist()
    assert [(c["file"], c["column_name"]) for c in changes] == [
        (log["file"], c) for c in case.schema_changes
    ]
    if log["status"] == "loaded":  # the row ledger accounts for every data row of the file
        [ledger] = ops.read(lakehouse, "row_ledger").to_pylist()
        assert (ledger["rows_in"], ledger["rows_out"]) == (
            case.rows + len(case.quarantine),
            case.rows,
        )


def test_the_corpus_holds_at_least_30_cases() -> None:
    assert len(CORPUS) >= 30


# ------------------------------------------------------------------- more than one file


def write(lakehouse: Lakehouse, name: str, content: bytes, source: str = "online_retail") -> None:
    path = lakehouse.home / "landing" / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def test_the_same_file_three_times_and_under_new_names_loads_once(lakehouse: Lakehouse) -> None:
    write(lakehouse, "sales.csv", text(ROW, ROW2))
    write(lakehouse, "sales (copy).csv", text(ROW, ROW2))
    first = ingest(lakehouse, "online_retail", "run-1")
    write(lakehouse, "archive/2009/sales-final.csv", text(ROW, ROW2))
    second = ingest(lakehouse, "online_retail", "run-2")
    third = ingest(lakehouse, "online_retail", "run-3")

    assert [(f["file"], f["status"]) for f in first] == [
        ("online_retail/sales (copy).csv", "loaded"),
        ("online_retail/sales.csv", "skipped_duplicate"),
    ]
    assert [(f["file"], f["status"], f["message"]) for f in second] == [
        (
            "online_retail/archive/2009/sales-final.csv",
            "skipped_duplicate",
            "same content (sha256) already loaded",
        ),
        (
            "online_retail/sales (copy).csv",
            "skipped_duplicate",
            "same content (sha256) already loaded",
        ),
        ("online_retail/sales.csv", "skipped_duplicate", "same content (sha256) already loaded"),
    ]
    assert {f["status"] for f in third} == {"skipped_duplicate"}
    rows = bronze_rows(lakehouse, "online_retail_transactions")
    assert [(r["invoice"], r["_source_file"], r["_run_id"]) for r in rows] == [
        ("489434", "online_retail/sales (copy).csv", "run-1"),
        ("489435", "online_retail/sales (copy).csv", "run-1"),
    ]
    log = ops.read(lakehouse, "ingest_log").to_pylist()
    assert sum(1 for f in log if f["status"] == "loaded") == 1


def test_a_mixed_folder_loads_the_good_files_and_reports_every_broken_row(
    lakehouse: Lakehouse,
) -> None:
    write(lakehouse, "a_good.csv", text(ROW, ROW2))
    write(
        lakehouse,
        "b_some_bad_rows.csv",
        text(ROW, "489434,85049,SHORT", ROW.replace(",6.95,", ",free,"), ROW2),
    )
    write(lakehouse, "c_missing_columns.csv", b"Invoice,StockCode\n489434,85048\n")
    write(
        lakehouse, "d_latin.csv.gz", gz(text(ROW.replace("GLASS BALL", "CAFÉ"), encoding="cp1252"))
    )
    write(lakehouse, "e_empty.csv", b"")
    write(
        lakehouse, "f_book.xlsx", workbook({"S": [HEADER_CELLS, SALE, [*SALE[:5], "?", *SALE[6:]]]})
    )
    write(lakehouse, "g_notes.pdf", b"%PDF")

    logs = ingest(lakehouse, "online_retail")

    assert [(f["file"].split("/")[1], f["status"], f["rows"], f["quarantined"]) for f in logs] == [
        ("a_good.csv", "loaded", 2, 0),
        ("b_some_bad_rows.csv", "loaded", 2, 2),
        ("c_missing_columns.csv", "rejected", 0, 0),
        ("d_latin.csv.gz", "loaded", 1, 0),
        ("e_empty.csv", "rejected", 0, 0),
        ("f_book.xlsx", "loaded", 1, 1),
        ("g_notes.pdf", "rejected", 0, 0),
    ]
    assert lakehouse.count(TableRef("bronze", "online_retail_transactions")) == 6
    quarantined = ops.read(lakehouse, "quarantine").sort_by("_source_file").to_pylist()
    assert [
        (q["_source_file"], q["_source_line"], q["_rule"], q["_reason"]) for q in quarantined
    ] == [
        (
            "online_retail/b_some_bad_rows.csv",
            3,
            "ragged_row",
            "expected 8 fields, found 3: no value for 'Quantity', 'InvoiceDate', 'Price', "
            "'Customer ID', 'Country'",
        ),
        (
            "online_retail/b_some_bad_rows.csv",
            4,
            "unparsable_value",
            "column 'Price': 'free' is not a number",
        ),
        (
            "online_retail/f_book.xlsx",
            3,
            "unparsable_value",
            "column 'Price': '?' is not a number",
        ),
    ]
    assert json.loads(quarantined[1]["record"])["Price"] == "free"
    ledger = ops.read(lakehouse, "row_ledger").to_pylist()
    assert sum(r["rows_in"] for r in ledger) == 6 + 3  # every data row of the loaded files


def test_a_new_column_in_a_later_file_is_added_and_recorded_once(lakehouse: Lakehouse) -> None:
    write(lakehouse, "2009.csv", text(ROW))
    ingest(lakehouse, "online_retail", "run-1")
    write(lakehouse, "2010.csv", text(ROW2 + ",web", header=OR_HEADER + ",Channel"))
    write(lakehouse, "2011.csv", text(ROW + ",shop", header=OR_HEADER + ",channel"))
    ingest(lakehouse, "online_retail", "run-2")
    ingest(lakehouse, "online_retail", "run-3")

    rows = bronze_rows(lakehouse, "online_retail_transactions")
    assert sorted((r["_source_file"], r["channel"]) for r in rows) == [
        ("online_retail/2009.csv", None),
        ("online_retail/2010.csv", "web"),
        ("online_retail/2011.csv", "shop"),
    ]
    changes = ops.read(lakehouse, "schema_changes").to_pylist()
    assert [(c["file"], c["column_name"], c["change"]) for c in changes] == [
        ("online_retail/2010.csv", "channel", "added_column")
    ]


# --------------------------------------------------------------------- a run killed mid-way


class Killed(BaseException):
    """Stands for the process being killed: nothing in ingest may catch it."""


KILL_FILES = {
    "a.csv": text(ROW, ROW.replace(",12,", ",twelve,")),
    "b.csv.gz": gz(text(ROW2 + ",web", ROW2 + ",shop", header=OR_HEADER + ",Channel")),
    "c.xlsx": workbook({"S": [HEADER_CELLS, SALE, SALE]}),
    "d.csv": b"Invoice\n1\n",
}


def kill_after_the_first_bronze_write(monkeypatch: pytest.MonkeyPatch) -> None:
    real = bronze_ingest.write_bronze

    def write_then_die(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        raise Killed

    monkeypatch.setattr(bronze_ingest, "write_bronze", write_then_die)


def kill_before_the_ops_records(monkeypatch: pytest.MonkeyPatch) -> None:
    def die(*args: Any, **kwargs: Any) -> None:
        raise Killed

    monkeypatch.setattr(bronze_ingest, "record_results", die)


def kill_before_the_ingest_log(monkeypatch: pytest.MonkeyPatch) -> None:
    real = ops.append

    def append(lakehouse: Lakehouse, name: str, records: Any) -> None:
        if name == "ingest_log":
            raise Killed
        real(lakehouse, name, records)

    monkeypatch.setattr(ops, "append", append)


def snapshot(lakehouse: Lakehouse) -> dict[str, list[tuple[Any, ...]]]:
    """Bronze and the ops records of its files, without the run id and load time."""

    def rows(data: pa.Table, drop: tuple[str, ...]) -> list[tuple[Any, ...]]:
        kept = [c for c in data.column_names if c not in drop]
        return sorted(tuple(str(r[c]) for c in kept) for r in data.select(kept).to_pylist())

    log = ops.read(lakehouse, "ingest_log")
    return {
        "bronze": rows(
            lakehouse.read(TableRef("bronze", "online_retail_transactions")),
            ("_run_id", "_ingested_at"),
        ),
        "quarantine": rows(
            ops.read(lakehouse, "quarantine"), ("run_id", "_run_id", "quarantined_at")
        ),
        "schema_changes": rows(ops.read(lakehouse, "schema_changes"), ("run_id", "recorded_at")),
        "loaded": rows(
            log.filter(pc.equal(log["status"], "loaded")), ("run_id", "ingested_at", "modified_at")
        ),
    }


@pytest.mark.parametrize(
    "kill",
    [kill_after_the_first_bronze_write, kill_before_the_ops_records, kill_before_the_ingest_log],
)
def test_a_run_killed_mid_ingest_and_rerun_ends_like_an_uninterrupted_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kill: Callable[[pytest.MonkeyPatch], None]
) -> None:
    uninterrupted, killed = Lakehouse(tmp_path / "once"), Lakehouse(tmp_path / "killed")
    for lakehouse in (uninterrupted, killed):
        for name, content in KILL_FILES.items():
            write(lakehouse, name, content)
    ingest(uninterrupted, "online_retail", "run-1")

    with monkeypatch.context() as patch:
        kill(patch)
        with pytest.raises(Killed):
            ingest(killed, "online_retail", "run-1")
    assert killed.count(TableRef("bronze", "online_retail_transactions")) > 0
    ingest(killed, "online_retail", "run-2")

    expected = snapshot(uninterrupted)
    assert len(expected["bronze"]) == 1 + 2 + 2
    assert len(expected["quarantine"]) == 1
    assert len(expected["schema_changes"]) == 1
    assert snapshot(killed) == expected
