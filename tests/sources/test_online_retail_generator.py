"""The Online Retail II generator writes files shaped like the published UCI data set.

Each test states one trait of the real file and checks it on a small-scale run.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import Counter, defaultdict
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from retail_lakehouse.sources.contract import Scale
from retail_lakehouse.sources.online_retail.generator import generate

SEED = 20091201
HEADER_LINE = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country"
PRODUCT_CODE = re.compile(r"\d{5}[A-Z]{0,2}")
SHEET_NAMES = ["Year 2009-2010", "Year 2010-2011"]

#: Non-product stock codes and their descriptions, as spelled in the real file.
NON_PRODUCT_CODES = {
    "POST": "POSTAGE",
    "DOT": "DOTCOM POSTAGE",
    "M": "Manual",
    "m": "Manual",
    "D": "Discount",
    "C2": "CARRIAGE",
    "BANK CHARGES": "Bank Charges",
    "AMAZONFEE": "AMAZON FEE",
    "B": "Adjust bad debt",
    "S": "SAMPLES",
    "PADS": "PADS TO MATCH ALL CUSHIONS",
    "CRUK": "CRUK Commission",
    "ADJUST": "Adjustment by john on 26/01/2010 16",
    "TEST001": "This is a test product.",
    "gift_0001_10": "Dotcomgiftshop Gift Voucher £10.00",
    "DCGS0003": "BOXED GLASS ASHTRAY",
}

#: Country spellings of the real file; a small run has every one of them.
COUNTRIES = {
    "United Kingdom", "EIRE", "Germany", "France", "Netherlands", "Spain", "Switzerland",
    "Belgium", "Portugal", "Australia", "Channel Islands", "Norway", "Italy", "Finland",
    "Sweden", "Cyprus", "Austria", "Denmark", "Greece", "Poland", "Japan",
    "United Arab Emirates", "USA", "Unspecified", "Singapore", "Israel", "Malta", "Canada",
    "Iceland", "Lithuania", "RSA", "Bahrain", "Hong Kong", "Brazil", "Thailand", "Korea",
    "European Community", "West Indies", "Lebanon", "Nigeria", "Bermuda", "Czech Republic",
    "Saudi Arabia",
}  # fmt: skip

Row = dict[str, str]


# ---------------------------------------------------------------------------------------------
# Fixtures: one small run per format, shared by the tests of this module
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("online_retail_csv")
    [path] = generate(landing, scale=Scale.small, seed=SEED)
    return path


@pytest.fixture(scope="module")
def csv_text(csv_path: Path) -> str:
    return csv_path.read_bytes().decode("utf-8")


@pytest.fixture(scope="module")
def rows(csv_text: str) -> list[Row]:
    return list(csv.DictReader(io.StringIO(csv_text, newline="")))


@pytest.fixture(scope="module")
def sheets(rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """The CSV split back into its two sheets: dates restart where the second sheet begins."""
    restart = next(i for i in range(1, len(rows)) if when(rows[i]) < when(rows[i - 1]))
    return rows[:restart], rows[restart:]


@pytest.fixture(scope="module")
def distinct_rows(sheets: tuple[list[Row], list[Row]]) -> list[Row]:
    """Every line once: the second sheet without the days it repeats from the first."""
    first, second = sheets
    last_day_of_first = when(first[-1]).date()
    return first + [r for r in second if when(r).date() > last_day_of_first]


@pytest.fixture(scope="module")
def xlsx_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("online_retail_xlsx")
    [path] = generate(landing, scale=Scale.small, seed=SEED, fmt="xlsx")
    return path


def when(row: Row) -> datetime:
    return datetime.strptime(row["InvoiceDate"], "%Y-%m-%d %H:%M:%S")


def is_cancellation(row: Row) -> bool:
    return row["Invoice"].startswith("C")


def is_product(row: Row) -> bool:
    return PRODUCT_CODE.fullmatch(row["StockCode"]) is not None


def by_invoice(rows: list[Row]) -> dict[str, list[Row]]:
    invoices: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        invoices[row["Invoice"]].append(row)
    return invoices


def month_counts(rows: list[Row]) -> Counter[str]:
    return Counter(r["InvoiceDate"][:7] for r in rows)


# ---------------------------------------------------------------------------------------------
# File layout
# ---------------------------------------------------------------------------------------------


def test_csv_starts_with_the_published_header(csv_text: str) -> None:
    assert csv_text.split("\n", 1)[0] == HEADER_LINE
    assert "\r" not in csv_text
    assert csv_text.endswith("\n")


def test_small_scale_has_about_fifty_thousand_rows(rows: list[Row]) -> None:
    assert len(rows) == pytest.approx(50_000, rel=0.02)


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        (Scale.medium, 300_000),
        pytest.param(Scale.full, 1_067_371, marks=pytest.mark.slow),
    ],
)
def test_larger_scales_have_the_published_row_counts(
    tmp_path: Path, scale: Scale, expected: int
) -> None:
    [path] = generate(tmp_path, scale=scale, seed=SEED)
    assert path.read_bytes().count(b"\n") - 1 == pytest.approx(expected, rel=0.02)


def test_same_seed_gives_identical_bytes_and_another_seed_differs(
    tmp_path: Path, csv_path: Path
) -> None:
    [again] = generate(tmp_path / "again", scale=Scale.small, seed=SEED)
    [other] = generate(tmp_path / "other", scale=Scale.small, seed=SEED + 1)
    assert again.read_bytes() == csv_path.read_bytes()
    assert other.read_bytes() != csv_path.read_bytes()


def test_quoting_is_minimal_and_round_trips(csv_text: str, rows: list[Row]) -> None:
    """Only fields with a comma or quote are quoted, quotes doubled, as pandas writes them."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER_LINE.split(","))
    writer.writerows(r.values() for r in rows)
    assert buffer.getvalue() == csv_text
    descriptions = {r["Description"] for r in rows}
    assert any('"' in d and "," in d for d in descriptions)  # DOORMAT "HOME, SWEET HOME"
    assert all(len(r) == 8 for r in rows)


def test_numbers_are_written_as_pandas_writes_floats(rows: list[Row]) -> None:
    """Prices are the shortest repr of a float (6.95, 2.1, 0.001); customer ids end in .0."""
    assert all(repr(float(r["Price"])) == r["Price"] for r in rows)
    assert all(re.fullmatch(r"-?\d+", r["Quantity"]) for r in rows)
    customer_ids = {r["Customer ID"] for r in rows} - {""}
    assert all(re.fullmatch(r"\d{5}\.0", c) for c in customer_ids)
    assert all(12346 <= float(c) <= 18287 for c in customer_ids)


def test_unknown_format_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        generate(tmp_path, scale=Scale.small, seed=SEED, fmt="parquet")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Sheets and the overlap quirk
# ---------------------------------------------------------------------------------------------


def test_sheets_cover_their_years_and_both_hold_the_first_days_of_december_2010(
    sheets: tuple[list[Row], list[Row]],
) -> None:
    first, second = sheets
    assert str(when(first[0]).date()) >= "2009-12-01"
    assert str(when(first[-1]).date()) <= "2010-12-09"
    assert str(when(second[0]).date()) >= "2010-12-01"
    assert str(when(second[-1]).date()) <= "2011-12-09"

    def overlap(sheet: list[Row]) -> list[tuple[str, ...]]:
        days = ("2010-12-01", "2010-12-09")
        return [tuple(r.values()) for r in sheet if days[0] <= r["InvoiceDate"][:10] <= days[1]]

    assert overlap(first)
    assert overlap(first) == overlap(second)


def test_xlsx_has_the_two_sheets_and_the_rows_of_the_csv(
    xlsx_path: Path, sheets: tuple[list[Row], list[Row]]
) -> None:
    workbook = CalamineWorkbook.from_path(str(xlsx_path))
    assert workbook.sheet_names == SHEET_NAMES
    for name, csv_rows in zip(SHEET_NAMES, sheets, strict=True):
        cells = workbook.get_sheet_by_name(name).to_python()
        assert cells[0] == HEADER_LINE.split(",")
        assert len(cells) - 1 == len(csv_rows)


def test_xlsx_cells_are_typed_as_in_the_real_file(xlsx_path: Path) -> None:
    """Numbers where the real file has numbers, text for C489449 or 85123A, real datetimes."""
    cells = CalamineWorkbook.from_path(str(xlsx_path)).get_sheet_by_name(SHEET_NAMES[0])
    body = cells.to_python()[1:]
    invoices = {type(r[0]) for r in body}
    assert invoices == {float, str}
    assert all(r[0].startswith(("C", "A")) for r in body if isinstance(r[0], str))
    assert any(isinstance(r[1], float) for r in body)  # 22423
    assert any(isinstance(r[1], str) and r[1][:5].isdigit() for r in body)  # 85123A
    assert all(isinstance(r[4], datetime) for r in body)
    assert all(isinstance(r[5], float) for r in body)
    assert {type(r[6]) for r in body} == {float, str}  # 13085.0, or an empty cell
    assert all(r[6] == "" for r in body if isinstance(r[6], str))


def test_xlsx_is_byte_identical_for_the_same_seed(tmp_path: Path, xlsx_path: Path) -> None:
    [again] = generate(tmp_path, scale=Scale.small, seed=SEED, fmt="xlsx")
    assert again.read_bytes() == xlsx_path.read_bytes()


# ---------------------------------------------------------------------------------------------
# Invoices and time
# ---------------------------------------------------------------------------------------------


def test_each_invoice_has_one_moment_one_customer_and_one_country(rows: list[Row]) -> None:
    for invoice, lines in by_invoice(rows).items():
        assert len({(r["InvoiceDate"], r["Customer ID"], r["Country"]) for r in lines}) == 1, (
            invoice
        )


def test_invoice_numbers_start_near_489434_and_increase_with_time(
    distinct_rows: list[Row],
) -> None:
    numbers = [int(r["Invoice"].lstrip("CA")) for r in distinct_rows]
    assert all(100_000 <= n <= 999_999 for n in numbers)
    assert numbers[0] == 489434
    assert numbers == sorted(numbers)
    assert [when(r) for r in distinct_rows] == sorted(when(r) for r in distinct_rows)


def test_baskets_are_long_tailed_around_twenty_lines(distinct_rows: list[Row]) -> None:
    sizes = [len(lines) for lines in by_invoice(distinct_rows).values()]
    assert 15 <= statistics.mean(sizes) <= 25
    assert statistics.median(sizes) < statistics.mean(sizes)
    assert max(sizes) >= 100


def test_trading_happens_on_the_minute_between_seven_and_nine_never_on_saturday(
    rows: list[Row],
) -> None:
    moments = [when(r) for r in rows]
    assert all(m.second == 0 for m in moments)
    assert all(7 <= m.hour <= 20 for m in moments)
    assert all(m.weekday() != 5 for m in moments)


def test_trade_builds_up_through_autumn_to_a_november_peak(
    distinct_rows: list[Row],
) -> None:
    months = month_counts(distinct_rows)
    for year in (2010, 2011):
        spring = statistics.mean(months[f"{year}-{m:02d}"] for m in (2, 3, 4))
        november = months[f"{year}-11"]
        assert november >= 1.5 * spring
        assert november > max(months[f"{year}-{m:02d}"] for m in range(1, 10))


# ---------------------------------------------------------------------------------------------
# Cancellations, guests, duplicates, stock adjustments
# ---------------------------------------------------------------------------------------------


def test_about_two_percent_of_lines_are_cancellations_with_negative_quantities(
    rows: list[Row],
) -> None:
    cancelled = [r for r in rows if is_cancellation(r)]
    assert len(cancelled) / len(rows) == pytest.approx(0.02, abs=0.005)
    assert all(int(r["Quantity"]) < 0 for r in cancelled)
    assert all(re.fullmatch(r"C\d{6}", r["Invoice"]) for r in cancelled)


def test_cancellations_take_back_what_the_customer_bought_before(rows: list[Row]) -> None:
    first_bought: dict[tuple[str, str], datetime] = {}
    for row in rows:
        if not is_cancellation(row) and row["Customer ID"]:
            key = (row["Customer ID"], row["StockCode"])
            first_bought[key] = min(first_bought.get(key, when(row)), when(row))
    returns = [r for r in rows if is_cancellation(r) and is_product(r)]
    assert returns
    for row in returns:
        bought = first_bought.get((row["Customer ID"], row["StockCode"]))
        assert bought is not None and bought <= when(row), row


def test_a_fifth_to_a_quarter_of_lines_are_guest_invoices_without_customer(
    rows: list[Row],
) -> None:
    missing = sum(1 for r in rows if r["Customer ID"] == "") / len(rows)
    assert 0.20 <= missing <= 0.25


def test_about_three_percent_of_lines_repeat_the_line_before(
    sheets: tuple[list[Row], list[Row]],
) -> None:
    repeats = sum(a == b for sheet in sheets for a, b in pairwise(sheet))
    assert repeats / sum(len(s) for s in sheets) == pytest.approx(0.03, abs=0.005)


def test_stock_adjustments_write_off_at_price_zero_with_a_lower_case_note(
    rows: list[Row],
) -> None:
    adjustments = [
        r for r in rows if r["Description"] in {"damaged", "?", "check", "mouldy, thrown away."}
    ]
    assert adjustments
    for row in adjustments:
        assert not is_cancellation(row)
        assert int(row["Quantity"]) < 0
        assert row["Price"] == "0.0"
        assert row["Customer ID"] == ""
    assert sum(r["Price"] == "0.0" for r in rows) > len(adjustments)


# ---------------------------------------------------------------------------------------------
# Stock codes, descriptions, prices
# ---------------------------------------------------------------------------------------------


def test_every_non_product_code_appears_with_its_real_description(rows: list[Row]) -> None:
    seen = {(r["StockCode"], r["Description"]) for r in rows if not is_product(r)}
    assert set(NON_PRODUCT_CODES.items()) <= seen
    share = sum(not is_product(r) for r in rows) / len(rows)
    assert 0.002 <= share <= 0.01


def test_non_product_codes_behave_as_in_the_real_file(rows: list[Row]) -> None:
    def lines(code: str) -> list[Row]:
        return [r for r in rows if r["StockCode"] == code]

    assert all(r["Customer ID"] == "" and float(r["Price"]) >= 20 for r in lines("DOT"))
    assert all(is_cancellation(r) and int(r["Quantity"]) < 0 for r in lines("D"))
    assert all(is_cancellation(r) and float(r["Price"]) >= 500 for r in lines("AMAZONFEE"))
    assert all(r["Price"] == "0.001" for r in lines("PADS"))
    for row in lines("B"):
        assert re.fullmatch(r"A\d{6}", row["Invoice"])
        assert row["Quantity"] == "1"
        assert float(row["Price"]) < 0


def test_product_codes_are_five_digits_with_an_optional_letter_suffix(rows: list[Row]) -> None:
    codes = {r["StockCode"] for r in rows if is_product(r)}
    assert 500 <= len(codes) <= 4_000
    assert any(c[-1].isalpha() for c in codes)
    assert any(c[-2:].isalpha() for c in codes)  # 15056BL
    assert sum(c.isdigit() for c in codes) > len(codes) / 2


def test_popularity_is_long_tailed(rows: list[Row]) -> None:
    counts = sorted(Counter(r["StockCode"] for r in rows if is_product(r)).values())
    assert counts[-1] >= 10 * statistics.median(counts)


def test_descriptions_are_upper_case_and_some_change_over_time(rows: list[Row]) -> None:
    sold = [r for r in rows if is_product(r) and float(r["Price"]) > 0]
    assert all(r["Description"] == r["Description"].upper() for r in sold)
    spellings: dict[str, set[str]] = defaultdict(set)
    for row in sold:
        spellings[row["StockCode"]].add(row["Description"])
    respelled = sum(len(s) > 1 for s in spellings.values()) / len(spellings)
    assert 0.01 <= respelled <= 0.10


def test_prices_are_mostly_under_ten_with_some_changes_over_time(rows: list[Row]) -> None:
    bought = [r for r in rows if is_product(r) and r["Customer ID"] and float(r["Price"]) > 0]
    prices = sorted(float(r["Price"]) for r in bought)
    assert 0.1 <= statistics.median(prices) <= 5
    assert prices[int(0.9 * len(prices))] <= 15
    price_lists: dict[str, set[str]] = defaultdict(set)
    for row in bought:
        if int(row["Quantity"]) < 100:  # no bulk discount
            price_lists[row["StockCode"]].add(row["Price"])
    assert any(len(p) > 1 for p in price_lists.values())


# ---------------------------------------------------------------------------------------------
# Customers and countries
# ---------------------------------------------------------------------------------------------


def test_countries_are_spelled_as_in_the_real_file_with_nine_in_ten_lines_british(
    rows: list[Row],
) -> None:
    countries = Counter(r["Country"] for r in rows)
    assert len(countries) >= 40
    assert set(countries) == COUNTRIES
    assert 0.85 <= countries["United Kingdom"] / len(rows) <= 0.95


def test_customers_keep_their_country_except_a_few_who_move_once(rows: list[Row]) -> None:
    countries: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["Customer ID"]:
            countries[row["Customer ID"]].add(row["Country"])
    moved = [c for c, places in countries.items() if len(places) > 1]
    assert 1 <= len(moved) <= max(2, 0.01 * len(countries))
    assert all(len(countries[c]) == 2 for c in moved)


def test_customers_come_back_heavy_tailed_and_some_stop_buying(
    distinct_rows: list[Row],
) -> None:
    orders: dict[str, set[str]] = defaultdict(set)
    last_order: dict[str, str] = {}
    for row in distinct_rows:
        if row["Customer ID"] and not is_cancellation(row):
            orders[row["Customer ID"]].add(row["Invoice"])
            last_order[row["Customer ID"]] = row["InvoiceDate"]
    counts = sorted(len(o) for o in orders.values())
    assert sum(c > 1 for c in counts) / len(counts) >= 0.4
    assert counts[-1] >= 10 * statistics.median(counts)
    regulars = [c for c, o in orders.items() if len(o) >= 3]
    churned = [c for c in regulars if last_order[c] < "2011-06-01"]
    assert 0.05 <= len(churned) / len(regulars) <= 0.6
