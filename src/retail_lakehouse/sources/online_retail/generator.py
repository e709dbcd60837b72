"""Synthetic demo data in the exact layout of the UCI "Online Retail II" data set.

The real data set (a UK online gift shop's invoice lines, 2009-12-01 .. 2011-12-09) is the
model for every trait reproduced here, quirks included: two Excel sheets that overlap by nine
days, cancellations as ``C`` invoices, guest invoices without a customer, postage, fee and
bad-debt lines under non-product stock codes, stock adjustments, exact duplicate lines,
descriptions that change spelling, and a November peak. Bronze and silver must cope with all
of them, so the demo data has all of them.

Generation is vectorized with numpy: invoices and lines are drawn as arrays, sorted into file
order once, and the CSV is assembled column-wise with pyarrow. Only the xlsx writer loops over
rows, because xlsxwriter takes one cell at a time.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter
from numpy.typing import NDArray

from retail_lakehouse.sources.contract import Scale
from retail_lakehouse.sources.synth import (
    BoolArray,
    FloatArray,
    IntArray,
    choose_weighted,
    find_repeated_pairs,
    format_epoch_seconds,
    month_of_year,
    number_within_runs,
    quote_csv_fields,
    weekday_of,
    write_text_rows,
)

# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------

CSV_FILE_NAME = "online_retail_II.csv"
XLSX_FILE_NAME = "online_retail_II.xlsx"
HEADER = (
    "Invoice",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "Price",
    "Customer ID",
    "Country",
)


@dataclass(frozen=True)
class SheetSpan:
    """One sheet of the published workbook and the invoice days it covers (inclusive)."""

    name: str
    first_day: str
    last_day: str


#: The published sheets overlap: 2010-12-01 .. 2010-12-09 is in both (and so twice in the CSV).
SHEETS = (
    SheetSpan("Year 2009-2010", "2009-12-01", "2010-12-09"),
    SheetSpan("Year 2010-2011", "2010-12-01", "2011-12-09"),
)

#: Rows over both sheets; the full count is the published one.
ROWS_BY_SCALE: dict[Scale, int] = {
    Scale.small: 50_000,
    Scale.medium: 300_000,
    Scale.full: 1_067_371,
}
FULL_ROWS = ROWS_BY_SCALE[Scale.full]

#: Fixed workbook metadata, so that the same seed gives a byte-identical xlsx.
XLSX_CREATED = datetime(2019, 9, 21, 0, 0, 0)
XLSX_DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
EXCEL_EPOCH_DAYS = 25_569
"""Days from Excel's day zero (1899-12-30) to 1970-01-01."""
XLSX_CHUNK_ROWS = 50_000

# ---------------------------------------------------------------------------------------------
# Calendar: when the shop trades
# ---------------------------------------------------------------------------------------------

FIRST_DAY = SHEETS[0].first_day
LAST_DAY = SHEETS[-1].last_day
MINUTES_PER_DAY = 1_440
NEVER = np.iinfo(np.int64).max
SATURDAY, SUNDAY = 5, 6
CLOSING_MINUTE = 20 * 60 + 59
"""Latest invoice minute of a day: the shop trades about 07:00-20:00, a few invoices run late."""

#: No invoices over Christmas and on English bank holidays.
CLOSED_PERIODS = (
    ("2009-12-24", "2010-01-03"),
    ("2010-04-02", "2010-04-02"),
    ("2010-04-05", "2010-04-05"),
    ("2010-05-03", "2010-05-03"),
    ("2010-05-31", "2010-05-31"),
    ("2010-08-30", "2010-08-30"),
    ("2010-12-24", "2011-01-03"),
    ("2011-04-22", "2011-04-22"),
    ("2011-04-25", "2011-04-25"),
    ("2011-04-29", "2011-05-02"),
    ("2011-05-30", "2011-05-30"),
    ("2011-08-29", "2011-08-29"),
)
#: Relative trade per calendar month (January first): autumn build-up, November peak.
MONTH_WEIGHTS = (0.75, 0.72, 0.95, 0.85, 0.92, 0.95, 0.95, 0.95, 1.1, 1.3, 1.7, 1.35)
#: Relative trade per weekday (Monday first); closed on Saturdays, short Sundays.
WEEKDAY_WEIGHTS = (1.0, 1.1, 1.1, 1.25, 0.85, 0.0, 0.65)
YEARLY_GROWTH = -0.02
"""Trend of trade per active customer. The customer base itself grows (arrivals outnumber
churners), so overall the second sheet ends up ~3% longer than the first, as in the real file."""
WEEKDAY_HOUR_WEIGHTS = (
    (7, 0.4),
    (8, 2.5),
    (9, 6.0),
    (10, 10.5),
    (11, 12.5),
    (12, 15.0),
    (13, 14.0),
    (14, 12.5),
    (15, 11.0),
    (16, 7.0),
    (17, 4.5),
    (18, 2.0),
    (19, 1.2),
    (20, 0.2),
)
SUNDAY_HOUR_WEIGHTS = ((10, 8.0), (11, 16.0), (12, 20.0), (13, 20.0), (14, 18.0), (15, 14.0))

# ---------------------------------------------------------------------------------------------
# Countries and customers
# ---------------------------------------------------------------------------------------------

#: Share of customers' lines per country, spelled as in the real file.
CUSTOMER_COUNTRY_WEIGHTS = (
    ("United Kingdom", 0.875),
    ("EIRE", 0.0167),
    ("Germany", 0.0165),
    ("France", 0.0134),
    ("Netherlands", 0.0048),
    ("Spain", 0.0036),
    ("Switzerland", 0.0030),
    ("Belgium", 0.0029),
    ("Portugal", 0.0024),
    ("Australia", 0.0018),
    ("Channel Islands", 0.0015),
    ("Italy", 0.0014),
    ("Norway", 0.0014),
    ("Sweden", 0.0013),
    ("Cyprus", 0.0011),
    ("Finland", 0.0010),
    ("Austria", 0.0009),
    ("Denmark", 0.0008),
    ("Unspecified", 0.0007),
    ("Greece", 0.0006),
    ("Japan", 0.0005),
    ("Poland", 0.0005),
    ("USA", 0.0005),
    ("United Arab Emirates", 0.0005),
    ("Israel", 0.0003),
    ("Hong Kong", 0.0003),
    ("Singapore", 0.0003),
    ("Malta", 0.0003),
    ("Iceland", 0.0002),
    ("Canada", 0.0002),
    ("Lithuania", 0.0002),
    ("RSA", 0.0002),
    ("Bahrain", 0.0001),
    ("Brazil", 0.0001),
    ("Thailand", 0.0001),
    ("Korea", 0.0001),
    ("European Community", 0.0001),
    ("West Indies", 0.0001),
    ("Lebanon", 0.0001),
    ("Nigeria", 0.00003),
    ("Czech Republic", 0.00003),
    ("Bermuda", 0.00003),
    ("Saudi Arabia", 0.00001),
)
COUNTRIES = tuple(name for name, _ in CUSTOMER_COUNTRY_WEIGHTS)
HOME_COUNTRY = "United Kingdom"
#: Guest (web shop) invoices are nearly all British.
GUEST_COUNTRY_WEIGHTS = (
    ("United Kingdom", 0.975),
    ("EIRE", 0.008),
    ("Hong Kong", 0.004),
    ("Unspecified", 0.004),
    ("Bahrain", 0.002),
    ("France", 0.002),
    ("Switzerland", 0.002),
    ("Portugal", 0.002),
    ("Israel", 0.001),
)

FIRST_CUSTOMER_ID = 12_346
LAST_CUSTOMER_ID = 18_287
CUSTOMERS_AT_FULL = LAST_CUSTOMER_ID - FIRST_CUSTOMER_ID + 1
CUSTOMER_SCALE_EXPONENT = 0.8
"""Customers grow slower than rows, so small scales still have repeat buyers."""
EXISTING_CUSTOMER_SHARE = 0.55
"""Customers already buying when the data starts; the others arrive over time."""
CHURN_SHARE = 0.35
"""Customers who stop buying before the data ends."""
ORDER_COUNT_SIGMA = 1.2
"""Spread of the log-normal appetite behind each customer's (heavy-tailed) order count."""
LOYAL_CUSTOMER_SHARE = 0.1
"""The keenest buyers, who neither arrive late nor churn."""
COUNTRY_MOVE_SHARE = 0.002

# ---------------------------------------------------------------------------------------------
# Invoices and lines
# ---------------------------------------------------------------------------------------------

FIRST_INVOICE = 489_434
LAST_INVOICE = 581_587
CUSTOMER_BASKET_MEAN = 22.0
GUEST_BASKET_MEAN = 45.0
BASKET_SIGMA = 1.0
CUSTOMER_BASKET_CAP = 400
GUEST_BASKET_CAP = 800
GUEST_BASKET_LINE_SHARE = 0.226
"""Share of basket lines on guest invoices (no customer id); the real file has ~23%."""
CANCELLED_LINE_SHARE = 0.02
DUPLICATE_LINE_SHARE = 0.03
STOCK_ADJUSTMENT_LINE_SHARE = 0.0025
BLANK_DESCRIPTION_LINE_SHARE = 0.003
"""Price-0 lines without description or customer, as in the real file."""
BLANK_NEGATIVE_SHARE = 0.6
FREE_LINE_SHARE = 0.0003
"""Customer lines given away at price 0."""
BULK_ORDER_SHARE = 0.03
BULK_ORDER_FACTOR = 10
BULK_QUANTITY = 100
BULK_DISCOUNT = 0.85
GUEST_MARKUP = 1.65
"""Web-shop prices are the trade price marked up, which gives odd pennies (2.55 -> 4.21)."""
CANCELLATION_DELAY_P = 0.3
CANCELLATION_SIZE_P = 0.45
PARTIAL_CANCELLATION_SHARE = 0.25
STOCK_ADJUSTMENT_NOTES = (
    "damaged",
    "?",
    "check",
    "missing",
    "wet damaged",
    "smashed",
    "thrown away",
    "lost",
    "broken",
    "sold as set on dotcom",
    "wrongly marked",
    "mouldy, thrown away.",
    "dotcom",
    "crushed",
)

ROLE_CUSTOMER, ROLE_GUEST, ROLE_CANCELLATION, ROLE_FEE, ROLE_BAD_DEBT, ROLE_STOCK = range(6)
ROLE_ADJUSTMENT = 6
INVOICE_PREFIXES = ("", "C", "A")
#: Invoice-number prefix (index into INVOICE_PREFIXES) for each invoice role.
PREFIX_BY_ROLE = (0, 0, 1, 1, 2, 0, 0)

HostKind = Literal["customer", "foreign", "guest", "cancellation", "fee", "bad_debt", "adjustment"]


@dataclass(frozen=True)
class SpecialCode:
    """A non-product stock code and how the real file uses it.

    ``host`` says which invoices carry it: ``customer``/``foreign``/``guest`` add a line to a
    shopping invoice (foreign: a non-UK customer's), ``cancellation`` to a ``C`` invoice
    (negative quantity); ``fee``, ``bad_debt`` and ``adjustment`` get invoices of their own:
    a ``C`` invoice without customer, an ``A`` invoice with a negative price, and an invoice
    on the day of john's adjustments.
    """

    code: str
    description: str
    lines_at_full: int
    host: HostKind
    quantities: tuple[int, ...] = (1,)
    prices: tuple[float, ...] = ()
    """Prices to pick from; empty means log-uniform within ``price_range``."""
    price_range: tuple[float, float] = (1.0, 100.0)


SPECIAL_CODES = (
    SpecialCode(
        "POST", "POSTAGE", 2100, "foreign", (1, 1, 1, 2, 3), (18.0, 18.0, 15.0, 28.0, 40.0)
    ),
    SpecialCode("DOT", "DOTCOM POSTAGE", 1450, "guest", price_range=(20.0, 1500.0)),
    SpecialCode("M", "Manual", 1150, "customer", (1, 1, 1, 2, 6, 12), price_range=(0.19, 1200.0)),
    SpecialCode("M", "Manual", 250, "cancellation", price_range=(0.19, 1200.0)),
    SpecialCode("m", "Manual", 5, "customer", price_range=(0.5, 10.0)),
    SpecialCode("D", "Discount", 170, "cancellation", price_range=(1.0, 300.0)),
    SpecialCode("C2", "CARRIAGE", 270, "foreign", prices=(50.0,)),
    SpecialCode("BANK CHARGES", "Bank Charges", 100, "customer", prices=(15.0,)),
    SpecialCode("AMAZONFEE", "AMAZON FEE", 40, "fee", price_range=(500.0, 17000.0)),
    SpecialCode("B", "Adjust bad debt", 6, "bad_debt", price_range=(5000.0, 60000.0)),
    SpecialCode("S", "SAMPLES", 100, "cancellation", price_range=(1.0, 200.0)),
    SpecialCode("PADS", "PADS TO MATCH ALL CUSHIONS", 17, "customer", prices=(0.001,)),
    SpecialCode("CRUK", "CRUK Commission", 16, "cancellation", price_range=(1.0, 900.0)),
    SpecialCode(
        "ADJUST", "Adjustment by john on 26/01/2010 16", 30, "adjustment", price_range=(1.0, 500.0)
    ),
    SpecialCode("TEST001", "This is a test product.", 10, "customer", (1, 2, 5), (4.5,)),
    SpecialCode("gift_0001_10", "Dotcomgiftshop Gift Voucher £10.00", 12, "guest", prices=(8.5,)),
    SpecialCode("gift_0001_20", "Dotcomgiftshop Gift Voucher £20.00", 10, "guest", prices=(17.0,)),
    SpecialCode("DCGS0003", "BOXED GLASS ASHTRAY", 8, "guest", (1, 2), (2.46,)),
    SpecialCode("DCGS0069", "OOH LA LA DOGS COLLAR", 8, "guest", prices=(15.79,)),
    SpecialCode("DCGS0076", "SUNJAR LED NIGHT NIGHT LIGHT", 8, "guest", prices=(16.13,)),
    SpecialCode("DCGSSBOY", "BOYS PARTY BAG", 8, "guest", prices=(3.36,)),
    SpecialCode("DCGSSGIRL", "GIRLS PARTY BAG", 8, "guest", prices=(3.36,)),
)
ADJUSTMENT_DAY = "2010-01-26"
ADJUSTMENT_HOUR = 16
OWN_INVOICE_HOSTS = ("fee", "bad_debt", "adjustment")
NEGATIVE_QUANTITY_HOSTS = ("cancellation", "fee")

# ---------------------------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------------------------

PRODUCTS_AT_FULL = 4_000
PRODUCT_SCALE_EXPONENT = 0.4
ZIPF_OFFSET = 25.0
"""Popularity of the product at rank r is 1/(r + offset): the best seller has ~0.6% of lines."""
#: Stock-code number ranges (inclusive) and the share of product families in each.
STOCK_CODE_RANGES = (
    (10_002, 10_199, 0.01),
    (15_030, 17_999, 0.04),
    (20_600, 23_999, 0.75),
    (35_000, 37_999, 0.04),
    (40_000, 48_999, 0.05),
    (51_000, 72_999, 0.03),
    (79_000, 90_999, 0.08),
)
VARIANT_FAMILY_SHARE = 0.12
"""Families sold in several variants, coded by a letter suffix (84029E, 84029G)."""
TWO_LETTER_SUFFIX_SHARE = 0.1
VARIANT_LETTERS = ("A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "S", "W")
COLOUR_SUFFIXES = ("BL", "GR", "PK", "N", "P", "W")
TRAILING_SPACE_SHARE = 0.03
"""The real descriptions sometimes end in a space."""
DESCRIPTION_CHANGE_SHARE = 0.05
PRICE_CHANGE_SHARE = 0.08
BASE_PRICE_MEDIAN = 2.1
BASE_PRICE_SIGMA = 0.95
PRICE_POINTS = (
    0.12, 0.19, 0.21, 0.25, 0.29, 0.36, 0.39, 0.42, 0.55, 0.59, 0.65, 0.72, 0.79, 0.85, 0.95,
    1.25, 1.45, 1.65, 1.69, 1.95, 2.1, 2.55, 2.95, 3.25, 3.75, 3.95, 4.25, 4.95, 5.95, 6.75,
    6.95, 7.95, 8.5, 9.95, 10.95, 12.75, 14.95, 16.95, 19.95, 24.95, 29.95, 39.95, 49.95,
    65.0, 125.0, 165.0, 295.0,
)  # fmt: skip
#: Trade pack sizes by price ceiling: cheap things sell by the dozen.
PACK_SIZES_BY_PRICE = (
    (0.5, (12, 24, 25, 48)),
    (2.0, (6, 12, 12, 24)),
    (5.0, (1, 2, 3, 4, 6, 12)),
    (math.inf, (1, 1, 2, 4)),
)
REPRICE_STEPS = (1, 1, 1, 2, -1)

COLOURS = (
    "RED", "BLUE", "PINK", "GREEN", "WHITE", "IVORY", "CREAM", "BLACK", "SILVER", "GOLD",
    "PURPLE", "ORANGE", "YELLOW", "LILAC", "TURQUOISE", "ANTIQUE IVORY", "PASTEL", "NATURAL",
    "ZINC", "CHOCOLATE",
)  # fmt: skip
MOTIFS = (
    "RETROSPOT", "SPOTTY", "HEART", "FLORAL", "PAISLEY", "POLKADOT", "SKULL", "BIRD", "OWL",
    "BUTTERFLY", "STAR", "DAISY", "ROSE", "REGENCY", "PANTRY", "SPACEBOY", "DOLLY GIRL",
    "CHRISTMAS", "LOVE BIRD", "JUNGLE", "WOODLAND", "VINTAGE", "BAROQUE", "UNION JACK",
    "STRAWBERRY", "CHERRY", "GINGHAM", "ENCHANTED FOREST", "PARISIENNE", "50'S CHRISTMAS",
    "ALPHABET", "SWALLOW", "LEAF", "SNOWFLAKE", "REINDEER", "TEA PARTY", "CIRCUS PARADE",
    "DINOSAUR", "FAIRY", "FRENCH BLUE",
)  # fmt: skip
ITEMS = (
    "T-LIGHT HOLDER", "JUMBO BAG", "LUNCH BOX", "CAKE CASES", "TEA TOWEL", "CAKESTAND",
    "PHOTO FRAME", "CUSHION COVER", "DOORMAT", "MUG", "NAPKINS", "PAPER CHAIN KIT",
    "WATER BOTTLE", "HAND WARMER", "LANTERN", "CANDLE", "ALARM CLOCK", "BUNTING", "NOTEBOOK",
    "CHILDRENS APRON", "PURSE", "SHOPPER BAG", "PLASTERS IN TIN", "HOT WATER BOTTLE",
    "HANGING ORNAMENT", "METAL SIGN", "GLASS JAR", "DOOR HANGER", "TRINKET BOX", "COAT RACK",
    "PARTY BAG", "GIFT WRAP", "BIRTHDAY CARD", "WALL CLOCK", "STORAGE TIN", "SPOON", "EGG CUP",
    "TEA CUP AND SAUCER", "PICNIC BASKET", "CHARLOTTE BAG", "SNACK BOX", "RIBBONS",
    "STICKER SHEET", "PENCILS", "WASHBAG", "PLACEMATS", "DRAWER KNOB", "HEART DECORATION",
    "BAKING SET", "FAIRY CAKE CASES",
)  # fmt: skip
SIZES = ("SMALL", "LARGE", "MINI", "JUMBO", "MEDIUM")
SET_COUNTS = (2, 3, 4, 6, 8, 10, 12, 20, 24, 60, 72)
#: Quoted slogans: the real file has descriptions with commas and double quotes in them.
SLOGANS = (
    "HOME, SWEET HOME",
    "KEEP CALM, CARRY ON",
    "LOVE, LIVE, LAUGH",
    "TEA, COFFEE, SUGAR",
    "HELLO, SAILOR",
    "OOH, LA LA",
    "WELCOME",
    "NO SINGING",
    "BEWARE OF THE CAT",
    "GONE FISHING",
)
#: Description templates and their weights; those with {colour} also name variants.
DESCRIPTION_TEMPLATES = (
    ("{colour} {motif} {item}", 30.0),
    ("{item} {colour} {motif}", 15.0),
    ("{colour} HANGING {motif} {item}", 5.0),
    ("{motif} {item}, {colour}", 1.0),
    ("{size} {motif} {item}", 15.0),
    ("PACK OF {count} {motif} {item}", 10.0),
    ("SET OF {count} {motif} {item}", 10.0),
    ("{motif} {item}", 10.0),
    ('{item} "{slogan}"', 1.0),
)
#: How a description is respelled later on (the real file has WHITE -> CREAM HANGING HEART).
LATER_SPELLINGS = (
    ("T-LIGHT", "TLIGHT"),
    ("WHITE ", "CREAM "),
    ("CHRISTMAS", "XMAS"),
    ("SET OF ", "SET/"),
    ("PACK OF ", "PACK "),
    ("DOORMAT", "DOOR MAT"),
    ("RETROSPOT", "RETRO SPOT"),
    ("LARGE ", "LRG "),
    ("SMALL ", "SML "),
    ("CAKESTAND", "CAKE STAND"),
    ("JUMBO BAG", "JUMBO  BAG"),
    ("HOLDER", "HLDR"),
    ("GREEN", "GRN"),
    ("PINK", "PNK"),
    (" AND ", " & "),
    ("CHILDRENS", "CHILDREN'S"),
)


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def generate(
    landing_dir: Path, *, scale: Scale, seed: int, fmt: Literal["csv", "xlsx"] = "csv"
) -> list[Path]:
    """Writes the files into landing_dir (creating it) and returns their paths."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown format {fmt!r}; expected 'csv' or 'xlsx'")
    table = _simulate(_Plan.for_scale(Scale(scale)), np.random.default_rng(seed))
    landing_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        path = landing_dir / CSV_FILE_NAME
        _write_csv(table, path)
    else:
        path = landing_dir / XLSX_FILE_NAME
        _write_xlsx(table, path)
    return [path]


# ---------------------------------------------------------------------------------------------
# Sizing
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """How big each population is at one scale."""

    rows: int
    ratio: float
    products: int
    customers: int

    @classmethod
    def for_scale(cls, scale: Scale) -> _Plan:
        rows = ROWS_BY_SCALE[scale]
        ratio = rows / FULL_ROWS
        return cls(
            rows=rows,
            ratio=ratio,
            products=round(PRODUCTS_AT_FULL * ratio**PRODUCT_SCALE_EXPONENT),
            customers=round(CUSTOMERS_AT_FULL * ratio**CUSTOMER_SCALE_EXPONENT),
        )

    def special_lines(self, special: SpecialCode) -> int:
        """Lines carrying a special code: scaled down, but never to zero."""
        return max(1, round(special.lines_at_full * self.ratio))


@dataclass(frozen=True)
class _Budget:
    """Distinct lines to draw per kind, so that both sheets together hit the target rows."""

    customer_lines: int
    guest_lines: int
    cancelled_lines: int
    stock_adjustment_lines: int
    blank_lines: int


def _line_budget(plan: _Plan, calendar: _Calendar) -> _Budget:
    overlap = calendar.share_between(SHEETS[1].first_day, SHEETS[0].last_day)
    unique = plan.rows / (1.0 + overlap)
    special = sum(plan.special_lines(s) for s in SPECIAL_CODES)
    special_cancelled = sum(
        plan.special_lines(s) for s in SPECIAL_CODES if s.host in NEGATIVE_QUANTITY_HOSTS
    )
    cancelled = max(1, round(CANCELLED_LINE_SHARE * unique) - special_cancelled)
    stock = max(1, round(STOCK_ADJUSTMENT_LINE_SHARE * unique))
    blank = max(1, round(BLANK_DESCRIPTION_LINE_SHARE * unique))
    distinct = round(unique * (1.0 - DUPLICATE_LINE_SHARE))
    basket = distinct - cancelled - stock - blank - special
    guest = round(GUEST_BASKET_LINE_SHARE * basket)
    return _Budget(basket - guest, guest, cancelled, stock, blank)


# ---------------------------------------------------------------------------------------------
# Calendar
# ---------------------------------------------------------------------------------------------


def _day_number(day: str) -> int:
    """Days since 1970-01-01."""
    return int(np.datetime64(day, "D").astype(np.int64))


def _closed_days() -> IntArray:
    return np.concatenate(
        [np.arange(_day_number(a), _day_number(b) + 1) for a, b in CLOSED_PERIODS]
    ).astype(np.int64)


def _draw_weighted(
    rng: np.random.Generator, weighted: Sequence[tuple[Any, float]], count: int
) -> IntArray:
    """Indices into ``weighted`` (value, weight) pairs drawn by weight."""
    return choose_weighted(rng, [w for _, w in weighted], count)


def _draw_values(
    rng: np.random.Generator, weighted: Sequence[tuple[int, float]], count: int
) -> IntArray:
    values = np.array([v for v, _ in weighted], dtype=np.int64)
    return values[_draw_weighted(rng, weighted, count)]


@dataclass(frozen=True)
class _Calendar:
    """The shop's trading days and how trade is spread over them."""

    days: IntArray
    """Trading days, as days since 1970-01-01."""
    weekdays: IntArray
    """0 = Monday."""
    edges: FloatArray
    """Cumulative share of trade before each day; one more entry than ``days``, 0 to 1."""

    @classmethod
    def build(cls) -> _Calendar:
        days = np.arange(_day_number(FIRST_DAY), _day_number(LAST_DAY) + 1, dtype=np.int64)
        weekdays = weekday_of(days)
        open_days = (weekdays != SATURDAY) & ~np.isin(days, _closed_days())
        days, weekdays = days[open_days], weekdays[open_days]
        months = month_of_year(days)
        growth = 1.0 + YEARLY_GROWTH * (days - days[0]) / 365.0
        weights = np.asarray(MONTH_WEIGHTS)[months] * np.asarray(WEEKDAY_WEIGHTS)[weekdays]
        cumulative = np.cumsum(weights * growth)
        edges = np.concatenate([[0.0], cumulative / cumulative[-1]])
        return cls(days, weekdays, edges)

    def share_between(self, first_day: str, last_day: str) -> float:
        """Share of all trade on days first_day..last_day."""
        first = np.searchsorted(self.days, _day_number(first_day))
        stop = np.searchsorted(self.days, _day_number(last_day), side="right")
        return float(self.edges[stop] - self.edges[first])

    def sample_days(self, rng: np.random.Generator, count: int) -> IntArray:
        """Trading-day indices drawn by trade volume, stratified so that small samples
        still follow the seasonal curve closely."""
        shares = (rng.permutation(count) + rng.random(count)) / max(count, 1)
        drawn = np.searchsorted(self.edges, shares, "right").astype(np.int64) - 1
        return np.clip(drawn, 0, len(self.days) - 1)

    def sample_days_within(
        self, rng: np.random.Generator, first: IntArray, last: IntArray
    ) -> IntArray:
        """Trading-day indices drawn by trade volume, each within its own [first, last]."""
        low, high = self.edges[first], self.edges[last + 1]
        drawn = np.searchsorted(self.edges, low + rng.random(len(first)) * (high - low), "right")
        return np.clip(drawn.astype(np.int64) - 1, first, last)

    def sample_minutes(self, rng: np.random.Generator, day_index: IntArray) -> IntArray:
        """A moment on each given trading day (minutes since 1970), shaped by opening hours."""
        count = len(day_index)
        weekday_hours = _draw_values(rng, WEEKDAY_HOUR_WEIGHTS, count)
        sunday_hours = _draw_values(rng, SUNDAY_HOUR_WEIGHTS, count)
        hours = np.where(self.weekdays[day_index] == SUNDAY, sunday_hours, weekday_hours)
        minutes = rng.integers(0, 60, count)
        return np.asarray(self.days[day_index] * MINUTES_PER_DAY + hours * 60 + minutes)

    def day_index_of(self, minutes: IntArray) -> IntArray:
        return np.searchsorted(self.days, minutes // MINUTES_PER_DAY).astype(np.int64)

    def later_minutes(self, rng: np.random.Generator, minutes: IntArray) -> IntArray:
        """A trading moment on the same or a later trading day, never before ``minutes``."""
        day = self.day_index_of(minutes)
        delay = rng.geometric(CANCELLATION_DELAY_P, len(day)) - 1
        later_day = np.minimum(day + delay, len(self.days) - 1)
        closing = self.days[day] * MINUTES_PER_DAY + CLOSING_MINUTE
        soon = np.maximum(np.minimum(minutes + rng.integers(1, 121, len(day)), closing), minutes)
        return np.where(later_day == day, soon, self.sample_minutes(rng, later_day))


# ---------------------------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------------------------


class _Vocabulary:
    """Stock codes and descriptions, interned; lines refer to them by index."""

    def __init__(self) -> None:
        self.codes: list[str] = []
        self.descriptions: list[str] = []
        self._code_ids: dict[str, int] = {}
        self._description_ids: dict[str, int] = {}

    def code(self, text: str) -> int:
        return _intern(text, self.codes, self._code_ids)

    def description(self, text: str) -> int:
        return _intern(text, self.descriptions, self._description_ids)


def _intern(text: str, values: list[str], ids: dict[str, int]) -> int:
    if text not in ids:
        ids[text] = len(values)
        values.append(text)
    return ids[text]


@dataclass(frozen=True)
class _Catalogue:
    """The products; product ``i`` has stock code ``i`` in the vocabulary."""

    popularity: FloatArray
    pack: IntArray
    price_before: FloatArray
    price_after: FloatArray
    price_change: IntArray
    """Minute from which ``price_after`` applies (NEVER if the price never changes)."""
    description_before: IntArray
    description_after: IntArray
    description_change: IntArray

    def __len__(self) -> int:
        return len(self.popularity)

    def prices_at(self, product: IntArray, minute: IntArray) -> FloatArray:
        later = minute >= self.price_change[product]
        return np.where(later, self.price_after[product], self.price_before[product])

    def descriptions_at(self, product: IntArray, minute: IntArray) -> IntArray:
        later = minute >= self.description_change[product]
        return np.where(later, self.description_after[product], self.description_before[product])


def _make_catalogue(
    count: int, calendar: _Calendar, vocabulary: _Vocabulary, rng: np.random.Generator
) -> _Catalogue:
    codes, descriptions, family = _product_codes_and_descriptions(count, rng)
    descriptions = _with_some_trailing_spaces(descriptions, rng)
    for code in codes:
        vocabulary.code(code)
    later = _later_spellings(descriptions, rng)
    before = np.array([vocabulary.description(d) for d in descriptions], dtype=np.int64)
    after = before.copy()
    for product, text in later.items():
        after[product] = vocabulary.description(text)
    family_price = _snap_to_price_points(
        rng.lognormal(math.log(BASE_PRICE_MEDIAN), BASE_PRICE_SIGMA, int(family.max()) + 1)
    )
    price = family_price[family]
    return _Catalogue(
        popularity=_zipf_popularity(count, rng),
        pack=_pack_sizes(price, rng),
        price_before=price,
        price_after=_repriced(price, rng),
        price_change=_change_minutes(rng.random(count) < PRICE_CHANGE_SHARE, calendar, rng),
        description_before=before,
        description_after=after,
        description_change=_change_minutes(after != before, calendar, rng),
    )


def _product_codes_and_descriptions(
    count: int, rng: np.random.Generator
) -> tuple[list[str], list[str], IntArray]:
    """Codes like 22423 or 84029E, grouped in families of variants, with their descriptions."""
    codes: list[str] = []
    descriptions: list[str] = []
    families: list[int] = []
    seen: set[str] = set()
    for family, number in enumerate(_stock_code_numbers(count, rng)):
        suffixes = _variant_suffixes(rng)
        for suffix, description in zip(
            suffixes, _family_descriptions(len(suffixes), seen, rng), strict=True
        ):
            codes.append(f"{number}{suffix}")
            descriptions.append(description)
            families.append(family)
        if len(codes) >= count:
            break
    return codes[:count], descriptions[:count], np.array(families[:count], dtype=np.int64)


def _stock_code_numbers(count: int, rng: np.random.Generator) -> list[int]:
    pools = [np.arange(low, high + 1) for low, high, _ in STOCK_CODE_RANGES]
    weights = np.concatenate(
        [
            np.full(len(pool), share / len(pool))
            for pool, (_, _, share) in zip(pools, STOCK_CODE_RANGES, strict=True)
        ]
    )
    numbers = rng.choice(np.concatenate(pools), count, replace=False, p=weights / weights.sum())
    return [int(n) for n in numbers]


def _variant_suffixes(rng: np.random.Generator) -> tuple[str, ...]:
    if rng.random() >= VARIANT_FAMILY_SHARE:
        return ("",)
    letters = COLOUR_SUFFIXES if rng.random() < TWO_LETTER_SUFFIX_SHARE else VARIANT_LETTERS
    size = int(rng.integers(2, 6))
    start = int(rng.integers(0, len(letters) - size + 1))
    return letters[start : start + size]


def _family_descriptions(count: int, seen: set[str], rng: np.random.Generator) -> list[str]:
    """``count`` descriptions not used before, differing by colour when there are several."""
    for _ in range(1_000):
        descriptions = _describe_family(count, rng)
        if len(set(descriptions)) == count and seen.isdisjoint(descriptions):
            seen.update(descriptions)
            return descriptions
    raise RuntimeError("the description vocabulary is too small for this many products")


def _describe_family(count: int, rng: np.random.Generator) -> list[str]:
    templates = [t for t in DESCRIPTION_TEMPLATES if count == 1 or "{colour}" in t[0]]
    template = templates[int(_draw_weighted(rng, templates, 1)[0])][0]
    fields = {
        "motif": _pick(MOTIFS, rng),
        "item": _pick(ITEMS, rng),
        "size": _pick(SIZES, rng),
        "count": _pick(SET_COUNTS, rng),
        "slogan": _pick(SLOGANS, rng),
    }
    colours = rng.choice(len(COLOURS), count, replace=False)
    return [template.format(colour=COLOURS[c], **fields) for c in colours]


def _pick(values: Sequence[Any], rng: np.random.Generator) -> Any:
    return values[int(rng.integers(len(values)))]


def _with_some_trailing_spaces(descriptions: list[str], rng: np.random.Generator) -> list[str]:
    padded = rng.random(len(descriptions)) < TRAILING_SPACE_SHARE
    return [d + " " if pad else d for d, pad in zip(descriptions, padded, strict=True)]


def _later_spellings(descriptions: list[str], rng: np.random.Generator) -> dict[int, str]:
    """Respellings for ~5% of products, keyed by product index."""
    candidates = [
        i for i, d in enumerate(descriptions) if any(old in d for old, _ in LATER_SPELLINGS)
    ]
    wanted = max(1, round(DESCRIPTION_CHANGE_SHARE * len(descriptions)))
    chosen = rng.choice(candidates, min(wanted, len(candidates)), replace=False)
    later: dict[int, str] = {}
    for product in sorted(int(i) for i in chosen):
        text = descriptions[product]
        old, new = _pick([rule for rule in LATER_SPELLINGS if rule[0] in text], rng)
        later[product] = text.replace(old, new, 1)
    return later


def _change_minutes(changes: BoolArray, calendar: _Calendar, rng: np.random.Generator) -> IntArray:
    """Start of a random trading day (within the middle 80%) for each change, else NEVER."""
    count = len(calendar.days)
    day = rng.integers(count // 10, count - count // 10, len(changes))
    return np.where(changes, calendar.days[day] * MINUTES_PER_DAY, NEVER)


def _zipf_popularity(count: int, rng: np.random.Generator) -> FloatArray:
    weights = 1.0 / (rng.permutation(count) + ZIPF_OFFSET)
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def _snap_to_price_points(prices: FloatArray) -> FloatArray:
    points = np.asarray(PRICE_POINTS)
    nearest = np.abs(np.log(prices)[:, None] - np.log(points)[None, :]).argmin(axis=1)
    return np.asarray(points[nearest], dtype=np.float64)


def _repriced(prices: FloatArray, rng: np.random.Generator) -> FloatArray:
    """A neighbouring price point, mostly a step up."""
    points = np.asarray(PRICE_POINTS)
    step = np.asarray(REPRICE_STEPS)[rng.integers(0, len(REPRICE_STEPS), len(prices))]
    index = np.clip(np.searchsorted(points, prices) + step, 0, len(points) - 1)
    return np.asarray(points[index], dtype=np.float64)


def _pack_sizes(prices: FloatArray, rng: np.random.Generator) -> IntArray:
    packs = np.ones(len(prices), dtype=np.int64)
    floor = 0.0
    for ceiling, sizes in PACK_SIZES_BY_PRICE:
        tier = (prices >= floor) & (prices < ceiling)
        packs[tier] = np.asarray(sizes)[rng.integers(0, len(sizes), int(tier.sum()))]
        floor = ceiling
    return packs


# ---------------------------------------------------------------------------------------------
# Customers
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Customers:
    """Customers by index: their id, home country and (for a few) a later country."""

    ids: IntArray
    home: IntArray
    moved_to: IntArray
    moved_at: IntArray
    """Minute from which ``moved_to`` applies (NEVER for customers who stay)."""

    def country_at(self, customer: IntArray, minute: IntArray) -> IntArray:
        moved = minute >= self.moved_at[customer]
        return np.where(moved, self.moved_to[customer], self.home[customer])


def _make_customers(
    count: int, orders: int, calendar: _Calendar, rng: np.random.Generator
) -> tuple[_Customers, IntArray, IntArray]:
    """The customers and their ``orders`` orders, as (customer index, minute) per order."""
    count = min(count, orders)
    ids = np.sort(rng.choice(np.arange(FIRST_CUSTOMER_ID, LAST_CUSTOMER_ID + 1), count, False))
    appetite = rng.lognormal(0.0, ORDER_COUNT_SIGMA, count)
    first, last = _active_windows(appetite, calendar, rng)
    window_share = calendar.edges[last + 1] - calendar.edges[first]
    order_counts = _order_counts(orders, appetite * window_share, rng)
    order_customer = np.repeat(np.arange(count, dtype=np.int64), order_counts)
    days = calendar.sample_days_within(rng, first[order_customer], last[order_customer])
    order_minute = calendar.sample_minutes(rng, days)
    home = _home_countries(order_counts, rng)
    moved_to, moved_at = _country_moves(home, order_customer, order_minute, rng)
    customers = _Customers(ids.astype(np.int64), home, moved_to, moved_at)
    return customers, order_customer, order_minute


def _active_windows(
    appetite: FloatArray, calendar: _Calendar, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """First and last trading-day index of each customer: some arrive late, some churn.

    The keenest buyers are there throughout; were they to come and go, their orders would
    pile up in a few months and drown the seasonal curve at small scales.
    """
    count, final = len(appetite), len(calendar.days) - 1
    loyal = appetite >= np.quantile(appetite, 1.0 - LOYAL_CUSTOMER_SHARE)
    arrives = (rng.random(count) >= EXISTING_CUSTOMER_SHARE) & ~loyal
    first = np.where(arrives, rng.integers(0, final + 1, count), 0)
    churns = (rng.random(count) < CHURN_SHARE) & ~loyal
    stay = ((final - first) * rng.uniform(0.1, 0.9, count)).astype(np.int64)
    last = np.where(churns, first + stay, final)
    return first.astype(np.int64), last.astype(np.int64)


def _order_counts(orders: int, weights: FloatArray, rng: np.random.Generator) -> IntArray:
    """At least one order per customer, the rest shared out by weight."""
    extra = rng.multinomial(orders - len(weights), weights / weights.sum())
    return (1 + extra).astype(np.int64)


def _home_countries(order_counts: IntArray, rng: np.random.Generator) -> IntArray:
    """Countries by weight, and every country at least once (on the least active customers)."""
    home = _draw_weighted(rng, CUSTOMER_COUNTRY_WEIGHTS, len(order_counts))
    abroad = np.arange(1, len(COUNTRIES), dtype=np.int64)
    least_active = np.argsort(order_counts + rng.random(len(order_counts)), kind="stable")
    chosen = least_active[: len(abroad)]
    home[chosen] = abroad[: len(chosen)]
    return home


def _country_moves(
    home: IntArray, order_customer: IntArray, order_minute: IntArray, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """A few customers move once, between their first and last order."""
    count = len(home)
    first = np.full(count, NEVER, dtype=np.int64)
    last = np.zeros(count, dtype=np.int64)
    np.minimum.at(first, order_customer, order_minute)
    np.maximum.at(last, order_customer, order_minute)
    candidates = np.flatnonzero(last > first)
    movers = rng.choice(
        candidates, min(len(candidates), max(2, round(COUNTRY_MOVE_SHARE * count))), False
    )
    moved_at = np.full(count, NEVER, dtype=np.int64)
    span = last[movers] - first[movers]
    moved_at[movers] = first[movers] + 1 + (rng.random(len(movers)) * span).astype(np.int64)
    new_country = _draw_weighted(rng, CUSTOMER_COUNTRY_WEIGHTS, len(movers))
    new_country = np.where(
        new_country == home[movers], (new_country + 1) % len(COUNTRIES), new_country
    )
    moved_to = home.copy()
    moved_to[movers] = new_country
    return moved_to, moved_at


# ---------------------------------------------------------------------------------------------
# Invoices and lines as they are simulated
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Invoices:
    role: IntArray
    minute: IntArray
    customer: IntArray
    """Customer index, -1 for none."""
    country: IntArray
    """Index into COUNTRIES."""

    @classmethod
    def of(
        cls, role: int, minute: IntArray, country: IntArray, customer: IntArray | None = None
    ) -> _Invoices:
        count = len(minute)
        return cls(
            role=np.full(count, role, dtype=np.int64),
            minute=minute,
            customer=np.full(count, -1, dtype=np.int64) if customer is None else customer,
            country=country,
        )


@dataclass(frozen=True)
class _Lines:
    invoice: IntArray
    item: IntArray
    """Index into the stock-code vocabulary (products first)."""
    description: IntArray
    quantity: IntArray
    price: FloatArray
    position: FloatArray
    """Sort key within the invoice."""


class _Ledger:
    """Invoices and lines in creation order; invoice ids are positions in that order."""

    def __init__(self) -> None:
        self._invoices: list[_Invoices] = []
        self._lines: list[_Lines] = []
        self._invoice_count = 0

    def add_invoices(self, invoices: _Invoices) -> IntArray:
        ids = np.arange(self._invoice_count, self._invoice_count + len(invoices.minute))
        self._invoices.append(invoices)
        self._invoice_count += len(ids)
        return ids.astype(np.int64)

    def add_lines(self, lines: _Lines) -> None:
        self._lines.append(lines)

    def invoices(self) -> _Invoices:
        return _concatenate(self._invoices)

    def lines(self) -> _Lines:
        return _concatenate(self._lines)


_Batch = TypeVar("_Batch", _Invoices, _Lines)


def _concatenate(parts: list[_Batch]) -> _Batch:
    """The batches as one, field by field, in the order they were added."""
    columns = {
        f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(parts[0])
    }
    return type(parts[0])(**columns)


# ---------------------------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------------------------


def _simulate(plan: _Plan, rng: np.random.Generator) -> _Table:
    """All invoices and lines, built in dependency order: orders before the cancellations
    that take them back, shopping invoices before the postage and fee lines they host."""
    calendar = _Calendar.build()
    vocabulary = _Vocabulary()
    catalogue = _make_catalogue(plan.products, calendar, vocabulary, rng)
    budget = _line_budget(plan, calendar)
    basket_cap = max(1, plan.products // 3)  # leaves room for distinct products per invoice
    ledger = _Ledger()
    customers, orders, bought = _add_customer_orders(
        ledger, plan, budget.customer_lines, min(CUSTOMER_BASKET_CAP, basket_cap), catalogue,
        calendar, rng,
    )  # fmt: skip
    _add_guest_baskets(
        ledger, budget.guest_lines, min(GUEST_BASKET_CAP, basket_cap), catalogue, calendar, rng
    )
    _add_cancellations(ledger, bought, orders, budget.cancelled_lines, customers, calendar, rng)
    _add_special_codes(ledger, plan, vocabulary, customers, calendar, rng)
    _add_stock_adjustments(
        ledger, budget.stock_adjustment_lines, catalogue, vocabulary, calendar, rng
    )
    _add_blank_descriptions(ledger, budget.blank_lines, catalogue, vocabulary, calendar, rng)
    return _finalise(ledger, vocabulary, customers, len(catalogue), rng)


def _add_customer_orders(
    ledger: _Ledger,
    plan: _Plan,
    line_count: int,
    basket_cap: int,
    catalogue: _Catalogue,
    calendar: _Calendar,
    rng: np.random.Generator,
) -> tuple[_Customers, _Invoices, _Lines]:
    """The customers, their orders and what they bought."""
    sizes = _basket_sizes(line_count, CUSTOMER_BASKET_MEAN, basket_cap, rng)
    customers, customer, minute = _make_customers(plan.customers, len(sizes), calendar, rng)
    country = customers.country_at(customer, minute)
    orders = _Invoices.of(ROLE_CUSTOMER, minute, country, customer)
    ids = ledger.add_invoices(orders)
    bought = _basket_lines(ids, sizes, minute, catalogue, False, rng)
    ledger.add_lines(bought)
    return customers, orders, bought


def _basket_sizes(total: int, mean: float, cap: int, rng: np.random.Generator) -> IntArray:
    """Long-tailed (log-normal) basket sizes adding up to exactly ``total`` lines."""
    mu = math.log(mean - 0.5) - BASKET_SIGMA**2 / 2
    sizes = np.minimum(np.ceil(rng.lognormal(mu, BASKET_SIGMA, total)), cap).astype(np.int64)
    return _fit_to_total(sizes, total)


def _fit_to_total(sizes: IntArray, total: int) -> IntArray:
    """The shortest prefix of ``sizes`` (all >= 1) adding up to ``total``, last one trimmed."""
    cumulative = np.cumsum(sizes)
    count = int(np.searchsorted(cumulative, total)) + 1
    fitted = sizes[:count].copy()
    fitted[-1] -= cumulative[count - 1] - total
    return fitted


def _basket_lines(
    invoice_ids: IntArray,
    sizes: IntArray,
    invoice_minutes: IntArray,
    catalogue: _Catalogue,
    guest: bool,
    rng: np.random.Generator,
) -> _Lines:
    """Shopping lines: popular products, each at most once per invoice, priced at the time."""
    invoice = np.repeat(invoice_ids, sizes)
    minute = np.repeat(invoice_minutes, sizes)
    product = _distinct_products(invoice, catalogue.popularity, rng)
    kept = product >= 0
    invoice, minute, product = invoice[kept], minute[kept], product[kept]
    count = len(product)
    price = catalogue.prices_at(product, minute)
    if guest:
        quantity = rng.geometric(0.65, count).astype(np.int64)
        price = np.round(price * GUEST_MARKUP, 2)
    else:
        quantity = _trade_quantities(catalogue.pack[product], rng)
        price = _bulk_priced(price, quantity)
        price[rng.random(count) < FREE_LINE_SHARE] = 0.0
    return _Lines(
        invoice=invoice,
        item=product,
        description=catalogue.descriptions_at(product, minute),
        quantity=quantity,
        price=price,
        position=rng.random(count),
    )


def _distinct_products(
    invoice: IntArray, popularity: FloatArray, rng: np.random.Generator
) -> IntArray:
    """Products by popularity, redrawn where an invoice repeats one; -1 where that fails."""
    product = rng.choice(len(popularity), len(invoice), p=popularity).astype(np.int64)
    for attempt in range(12):
        repeated = find_repeated_pairs(invoice, product)
        if len(repeated) == 0:
            return product
        weights = popularity if attempt < 3 else None  # uniform redraws converge fast
        product[repeated] = rng.choice(len(popularity), len(repeated), p=weights)
    product[find_repeated_pairs(invoice, product)] = -1
    return product


def _trade_quantities(pack: IntArray, rng: np.random.Generator) -> IntArray:
    """Whole packs, a few per line, now and then a bulk order."""
    multiple = rng.geometric(0.55, len(pack))
    bulk = np.where(rng.random(len(pack)) < BULK_ORDER_SHARE, BULK_ORDER_FACTOR, 1)
    return (pack * multiple * bulk).astype(np.int64)


def _bulk_priced(price: FloatArray, quantity: IntArray) -> FloatArray:
    discounted = np.maximum(np.round(price * BULK_DISCOUNT, 2), 0.01)
    return np.where(quantity >= BULK_QUANTITY, discounted, price)


def _add_guest_baskets(
    ledger: _Ledger,
    line_count: int,
    cap: int,
    catalogue: _Catalogue,
    calendar: _Calendar,
    rng: np.random.Generator,
) -> None:
    sizes = _basket_sizes(line_count, GUEST_BASKET_MEAN, cap, rng)
    minute = calendar.sample_minutes(rng, calendar.sample_days(rng, len(sizes)))
    country = _guest_countries(len(sizes), rng)
    ids = ledger.add_invoices(_Invoices.of(ROLE_GUEST, minute, country))
    ledger.add_lines(_basket_lines(ids, sizes, minute, catalogue, True, rng))


def _guest_countries(count: int, rng: np.random.Generator) -> IntArray:
    index = np.array([COUNTRIES.index(name) for name, _ in GUEST_COUNTRY_WEIGHTS])
    return index[_draw_weighted(rng, GUEST_COUNTRY_WEIGHTS, count)].astype(np.int64)


def _add_cancellations(
    ledger: _Ledger,
    bought: _Lines,
    orders: _Invoices,
    line_count: int,
    customers: _Customers,
    calendar: _Calendar,
    rng: np.random.Generator,
) -> None:
    """``C`` invoices taking back (some of) what one earlier order of the customer bought."""
    first_id = int(bought.invoice[0])
    starts = np.searchsorted(bought.invoice, np.arange(len(orders.minute)) + first_id)
    sizes = np.diff(np.append(starts, len(bought.invoice))).astype(np.int64)
    source = rng.integers(0, len(sizes), line_count)
    per_invoice = _fit_to_total(
        np.minimum(rng.geometric(CANCELLATION_SIZE_P, line_count), sizes[source]), line_count
    )
    source = source[: len(per_invoice)]
    minute = calendar.later_minutes(rng, orders.minute[source])
    customer = orders.customer[source]
    ids = ledger.add_invoices(
        _Invoices.of(ROLE_CANCELLATION, minute, customers.country_at(customer, minute), customer)
    )
    owner = np.repeat(np.arange(len(source)), per_invoice)
    nth = number_within_runs(per_invoice)
    rotation = rng.integers(0, sizes[source])[owner]
    picked = starts[source][owner] + (rotation + nth) % sizes[source][owner]
    original = bought.quantity[picked]
    partial = rng.random(len(picked)) < PARTIAL_CANCELLATION_SHARE
    quantity = -np.where(partial, rng.integers(1, original + 1), original)
    ledger.add_lines(
        _Lines(
            invoice=ids[owner],
            item=bought.item[picked],
            description=bought.description[picked],
            quantity=quantity.astype(np.int64),
            price=bought.price[picked],
            position=rng.random(len(picked)),
        )
    )


def _add_special_codes(
    ledger: _Ledger,
    plan: _Plan,
    vocabulary: _Vocabulary,
    customers: _Customers,
    calendar: _Calendar,
    rng: np.random.Generator,
) -> None:
    """Postage, fees, manual lines and the like, at the end of their host invoices."""
    shopping = ledger.invoices()
    for special in SPECIAL_CODES:
        count = plan.special_lines(special)
        if special.host in OWN_INVOICE_HOSTS:
            own = _own_invoices(special.host, count, customers, calendar, rng)
            hosts = ledger.add_invoices(own)
        else:
            eligible = np.flatnonzero(_can_host(special.host, shopping))
            hosts = rng.choice(eligible, count, replace=count > len(eligible)).astype(np.int64)
        quantity = np.asarray(special.quantities)[rng.integers(0, len(special.quantities), count)]
        price = _special_prices(special, count, rng)
        ledger.add_lines(
            _Lines(
                invoice=hosts,
                item=np.full(count, vocabulary.code(special.code), dtype=np.int64),
                description=np.full(
                    count, vocabulary.description(special.description), dtype=np.int64
                ),
                quantity=(-quantity if special.host in NEGATIVE_QUANTITY_HOSTS else quantity),
                price=(-price if special.host == "bad_debt" else price),
                position=1.0 + rng.random(count),
            )
        )


def _can_host(host: HostKind, invoices: _Invoices) -> BoolArray:
    customer_orders = np.asarray(invoices.role == ROLE_CUSTOMER, dtype=np.bool_)
    if host == "foreign":
        abroad = customer_orders & (invoices.country != COUNTRIES.index(HOME_COUNTRY))
        return abroad if abroad.any() else customer_orders
    role = {"guest": ROLE_GUEST, "cancellation": ROLE_CANCELLATION}.get(host, ROLE_CUSTOMER)
    hosts = np.asarray(invoices.role == role, dtype=np.bool_)
    return hosts if hosts.any() else customer_orders


def _own_invoices(
    host: HostKind,
    count: int,
    customers: _Customers,
    calendar: _Calendar,
    rng: np.random.Generator,
) -> _Invoices:
    """One-line invoices: fees (C, no customer), bad debt (A), john's adjustments."""
    uk = np.full(count, COUNTRIES.index(HOME_COUNTRY), dtype=np.int64)
    if host == "adjustment":
        start = _day_number(ADJUSTMENT_DAY) * MINUTES_PER_DAY + ADJUSTMENT_HOUR * 60
        minute = start + np.sort(rng.integers(0, 60, count))
        customer = rng.integers(0, len(customers.ids), count).astype(np.int64)
        return _Invoices.of(
            ROLE_ADJUSTMENT, minute, customers.country_at(customer, minute), customer
        )
    minute = calendar.sample_minutes(rng, calendar.sample_days(rng, count))
    return _Invoices.of(ROLE_FEE if host == "fee" else ROLE_BAD_DEBT, minute, uk)


def _special_prices(special: SpecialCode, count: int, rng: np.random.Generator) -> FloatArray:
    if special.prices:
        return np.asarray(special.prices)[rng.integers(0, len(special.prices), count)]
    low, high = (math.log(p) for p in special.price_range)
    prices: FloatArray = np.exp(rng.uniform(low, high, count))
    return np.round(prices, 2)


def _warehouse_invoices(
    ledger: _Ledger, count: int, calendar: _Calendar, rng: np.random.Generator
) -> IntArray:
    """One-line invoices without a customer, for stock bookings."""
    minute = calendar.sample_minutes(rng, calendar.sample_days(rng, count))
    uk = np.full(count, COUNTRIES.index(HOME_COUNTRY), dtype=np.int64)
    return ledger.add_invoices(_Invoices.of(ROLE_STOCK, minute, uk))


def _stock_quantities(count: int, rng: np.random.Generator) -> IntArray:
    return np.ceil(rng.lognormal(2.3, 1.3, count)).astype(np.int64)


def _add_stock_adjustments(
    ledger: _Ledger,
    count: int,
    catalogue: _Catalogue,
    vocabulary: _Vocabulary,
    calendar: _Calendar,
    rng: np.random.Generator,
) -> None:
    """Write-offs: negative quantity, price 0, a lower-case note instead of a description."""
    notes = np.array([vocabulary.description(n) for n in STOCK_ADJUSTMENT_NOTES], dtype=np.int64)
    ledger.add_lines(
        _Lines(
            invoice=_warehouse_invoices(ledger, count, calendar, rng),
            item=rng.choice(len(catalogue), count, p=catalogue.popularity).astype(np.int64),
            description=notes[rng.integers(0, len(notes), count)],
            quantity=-_stock_quantities(count, rng),
            price=np.zeros(count),
            position=rng.random(count),
        )
    )


def _add_blank_descriptions(
    ledger: _Ledger,
    count: int,
    catalogue: _Catalogue,
    vocabulary: _Vocabulary,
    calendar: _Calendar,
    rng: np.random.Generator,
) -> None:
    """Stock bookings with no description at all (price 0, either sign), as the real file has."""
    sign = np.where(rng.random(count) < BLANK_NEGATIVE_SHARE, -1, 1)
    ledger.add_lines(
        _Lines(
            invoice=_warehouse_invoices(ledger, count, calendar, rng),
            item=rng.choice(len(catalogue), count, p=catalogue.popularity).astype(np.int64),
            description=np.full(count, vocabulary.description(""), dtype=np.int64),
            quantity=sign * _stock_quantities(count, rng),
            price=np.zeros(count),
            position=rng.random(count),
        )
    )


# ---------------------------------------------------------------------------------------------
# File order
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """Invoices numbered in time order and lines in file order, ready to write."""

    invoice_number: IntArray
    invoice_prefix: IntArray
    """Index into INVOICE_PREFIXES."""
    invoice_minute: IntArray
    invoice_customer_id: IntArray
    """-1 for none."""
    invoice_country: IntArray
    line_invoice: IntArray
    line_item: IntArray
    line_description: IntArray
    line_quantity: IntArray
    line_price: FloatArray
    codes: tuple[str, ...]
    descriptions: tuple[str, ...]
    sheet_rows: tuple[tuple[int, int], ...]
    """Per sheet, the [start, stop) range of lines it holds."""


def _finalise(
    ledger: _Ledger,
    vocabulary: _Vocabulary,
    customers: _Customers,
    product_count: int,
    rng: np.random.Generator,
) -> _Table:
    invoices, lines = ledger.invoices(), ledger.lines()
    count = len(invoices.minute)
    by_time = np.lexsort((rng.random(count), invoices.minute))
    rank = np.empty(count, dtype=np.int64)
    rank[by_time] = np.arange(count)
    line_invoice = rank[lines.invoice]
    file_order = np.lexsort((lines.position, line_invoice))
    shopping = (invoices.role == ROLE_CUSTOMER) | (invoices.role == ROLE_GUEST)
    copyable = shopping[lines.invoice[file_order]] & (lines.item[file_order] < product_count)
    file_order = _with_adjacent_duplicates(file_order, copyable, rng)
    customer = invoices.customer[by_time]
    invoice_minute = invoices.minute[by_time]
    line_invoice = line_invoice[file_order]
    return _Table(
        invoice_number=_invoice_numbers(count, rng),
        invoice_prefix=np.asarray(PREFIX_BY_ROLE, dtype=np.int64)[invoices.role[by_time]],
        invoice_minute=invoice_minute,
        invoice_customer_id=np.where(customer >= 0, customers.ids[customer], -1),
        invoice_country=invoices.country[by_time],
        line_invoice=line_invoice,
        line_item=lines.item[file_order],
        line_description=lines.description[file_order],
        line_quantity=lines.quantity[file_order],
        line_price=lines.price[file_order],
        codes=tuple(vocabulary.codes),
        descriptions=tuple(vocabulary.descriptions),
        sheet_rows=_sheet_rows(invoice_minute[line_invoice]),
    )


def _with_adjacent_duplicates(
    order: IntArray, copyable: BoolArray, rng: np.random.Generator
) -> IntArray:
    """Repeat some lines right after themselves, as the real file does."""
    count = round(DUPLICATE_LINE_SHARE / (1.0 - DUPLICATE_LINE_SHARE) * len(order))
    candidates = np.flatnonzero(copyable)
    chosen = rng.choice(candidates, min(count, len(candidates)), replace=False)
    repeats = np.ones(len(order), dtype=np.int64)
    repeats[chosen] = 2
    return np.repeat(order, repeats)


def _invoice_numbers(count: int, rng: np.random.Generator) -> IntArray:
    """Increasing numbers from FIRST_INVOICE, with gaps, ending near LAST_INVOICE."""
    span = max(LAST_INVOICE - FIRST_INVOICE + 1, count)
    later = np.sort(rng.choice(np.arange(1, span), count - 1, replace=False))
    return (FIRST_INVOICE + np.concatenate([[0], later])).astype(np.int64)


def _sheet_rows(line_minute: IntArray) -> tuple[tuple[int, int], ...]:
    """Line ranges per sheet; lines are in time order, so each sheet is a contiguous run."""
    rows = []
    for sheet in SHEETS:
        start = _day_number(sheet.first_day) * MINUTES_PER_DAY
        stop = (_day_number(sheet.last_day) + 1) * MINUTES_PER_DAY
        rows.append(
            (int(np.searchsorted(line_minute, start)), int(np.searchsorted(line_minute, stop)))
        )
    return tuple(rows)


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------


def _write_csv(table: _Table, path: Path) -> None:
    """The sheets one after the other, as the Kaggle CSV export of the workbook."""
    text = _csv_lines(table)
    with path.open("wb") as file:
        file.write((",".join(HEADER) + "\n").encode())
        for start, stop in table.sheet_rows:
            write_text_rows(file, text, start, stop)


def _csv_lines(table: _Table) -> pa.LargeStringArray:
    """Every line as CSV text ending in a newline, in file order."""
    per_line = table.line_invoice
    columns = [
        pc.take(_invoice_texts(table), per_line),
        pc.take(_large_strings(table.codes), table.line_item),
        pc.take(
            pc.cast(quote_csv_fields(pa.array(table.descriptions, pa.string())), pa.large_string()),
            table.line_description,
        ),
        pc.cast(pa.array(table.line_quantity), pa.large_string()),
        pc.take(_timestamp_texts(table.invoice_minute), per_line),
        _price_texts(table.line_price),
        pc.take(_customer_texts(table.invoice_customer_id), per_line),
        pc.take(_large_strings([c + "\n" for c in COUNTRIES]), table.invoice_country[per_line]),
    ]
    return pc.binary_join_element_wise(*columns, _large_string(","))


def _large_strings(values: Sequence[str]) -> pa.LargeStringArray:
    return pa.array(values, type=pa.large_string())


def _large_string(value: str) -> pa.LargeStringScalar:
    return pa.scalar(value, pa.large_string())


def _invoice_texts(table: _Table) -> pa.LargeStringArray:
    prefix = pc.take(_large_strings(INVOICE_PREFIXES), table.invoice_prefix)
    number = pc.cast(pa.array(table.invoice_number), pa.large_string())
    return pc.binary_join_element_wise(prefix, number, _large_string(""))


def _timestamp_texts(minutes: IntArray) -> pa.LargeStringArray:
    return pc.cast(format_epoch_seconds(minutes * 60), pa.large_string())


def _customer_texts(customer_ids: IntArray) -> pa.LargeStringArray:
    """Ids as pandas writes a float column (13085.0); empty where there is no customer."""
    ids = pc.cast(pa.array(customer_ids, mask=customer_ids < 0), pa.large_string())
    texts = pc.binary_join_element_wise(ids, _large_string(".0"), _large_string(""))
    return pc.fill_null(texts, _large_string(""))


def _price_texts(prices: FloatArray) -> pa.LargeStringArray:
    """Shortest round-tripping repr of each price (6.95, 2.1, 0.001), as pandas writes them."""
    values, inverse = np.unique(prices, return_inverse=True)
    return pc.take(_large_strings([repr(float(v)) for v in values]), inverse.ravel())


# ---------------------------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------------------------


def _write_xlsx(table: _Table, path: Path) -> None:
    """The published workbook: two overlapping sheets, cells typed as in the real file."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    workbook.set_properties(
        {
            "title": "Online Retail II (synthetic)",
            "author": "retail-lakehouse",
            "created": XLSX_CREATED,
        }
    )
    date_format = workbook.add_format({"num_format": XLSX_DATE_FORMAT})
    cells = _XlsxCells.of(table)
    for sheet, (start, stop) in zip(SHEETS, table.sheet_rows, strict=True):
        worksheet = workbook.add_worksheet(sheet.name)
        worksheet.write_row(0, 0, HEADER)
        row = 1
        for chunk in range(start, stop, XLSX_CHUNK_ROWS):
            rows = cells.rows(table, chunk, min(chunk + XLSX_CHUNK_ROWS, stop))
            row = _write_xlsx_rows(worksheet, row, rows, date_format)
    workbook.close()


@dataclass(frozen=True)
class _XlsxCells:
    """Cell values by invoice and by vocabulary entry, typed as in the real workbook."""

    invoice: NDArray[np.object_]
    """Invoice numbers as integers, prefixed ones (C489449, A563185) as text."""
    excel_date: FloatArray
    customer: FloatArray
    """Customer ids as floats (13085.0), NaN for an empty cell."""
    country: NDArray[np.object_]
    code: NDArray[np.object_]
    """All-digit stock codes as integers (22423), the rest (85123A, POST) as text."""
    description: NDArray[np.object_]

    @classmethod
    def of(cls, table: _Table) -> _XlsxCells:
        invoice = np.array(table.invoice_number.tolist(), dtype=object)
        prefixed = np.flatnonzero(table.invoice_prefix > 0)
        invoice[prefixed] = [
            f"{INVOICE_PREFIXES[p]}{n}"
            for p, n in zip(
                table.invoice_prefix[prefixed], table.invoice_number[prefixed], strict=True
            )
        ]
        customer = table.invoice_customer_id
        return cls(
            invoice=invoice,
            excel_date=table.invoice_minute / MINUTES_PER_DAY + EXCEL_EPOCH_DAYS,
            customer=np.where(customer >= 0, customer.astype(np.float64), np.nan),
            country=np.array(COUNTRIES, dtype=object)[table.invoice_country],
            code=np.array([int(c) if c.isdigit() else c for c in table.codes], dtype=object),
            description=np.array(table.descriptions, dtype=object),
        )

    def rows(self, table: _Table, start: int, stop: int) -> Iterator[tuple[Any, ...]]:
        """Cell values of lines start..stop-1, one tuple per row."""
        invoice = table.line_invoice[start:stop]
        return zip(
            self.invoice[invoice].tolist(),
            self.code[table.line_item[start:stop]].tolist(),
            self.description[table.line_description[start:stop]].tolist(),
            table.line_quantity[start:stop].tolist(),
            self.excel_date[invoice].tolist(),
            table.line_price[start:stop].tolist(),
            self.customer[invoice].tolist(),
            self.country[invoice].tolist(),
            strict=True,
        )


def _write_xlsx_rows(
    worksheet: Any, row: int, cells: Iterator[tuple[Any, ...]], date_format: Any
) -> int:
    """Writes rows from ``row`` on and returns the next free row."""
    write_number, write_string = worksheet.write_number, worksheet.write_string
    for invoice, code, description, quantity, date, price, customer, country in cells:
        (write_string if isinstance(invoice, str) else write_number)(row, 0, invoice)
        (write_string if isinstance(code, str) else write_number)(row, 1, code)
        if description:
            write_string(row, 2, description)
        write_number(row, 3, quantity)
        write_number(row, 4, date, date_format)
        write_number(row, 5, price)
        if customer == customer:  # NaN marks a guest invoice: leave the cell empty
            write_number(row, 6, customer)
        write_string(row, 7, country)
        row += 1
    return row
