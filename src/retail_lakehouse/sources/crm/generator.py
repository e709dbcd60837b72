"""CRM demo data in the layout of Databricks' ``retail-org``: customers, sales, sales_orders.

A US consumer-electronics retailer between 2018 and 2020. Customers join, order (heavy
buyers often, most a few times, many churn), move house and climb loyalty segments as their
units add up; each move or segment change is a new customer version. Promotions run around
Black Friday, the holidays, spring and back-to-school; deal seekers buy the promoted items.
``sales.csv`` repeats the order lines of ``sales_orders.csv`` one product per row, so the two
files reconcile per customer and day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse.sources.contract import Scale
from retail_lakehouse.sources.synth import (
    DATE_FORMAT,
    BoolArray,
    DemandCurve,
    FloatArray,
    IntArray,
    choose_weighted,
    cumsum_within,
    flag_black_friday_weekend,
    format_cents,
    format_epoch_seconds,
    format_integers,
    format_zero_padded,
    forward_fill,
    join_text,
    mark_first_pairs,
    month_of_year,
    rank_within,
    take_words,
    weekday_of,
    write_csv,
)


@dataclass(frozen=True)
class CrmSize:
    customers: int
    orders: int


SIZES: dict[Scale, CrmSize] = {
    Scale.small: CrmSize(customers=500, orders=3_000),
    Scale.medium: CrmSize(customers=2_500, orders=15_000),
    Scale.full: CrmSize(customers=50_000, orders=300_000),
}

DAY = 86_400
HISTORY_START = int(np.datetime64("2018-01-01", "s").astype(np.int64))
LAST_SIGNUP = int(np.datetime64("2020-10-01", "s").astype(np.int64))
HISTORY_END = int(np.datetime64("2021-01-01", "s").astype(np.int64))

#: Units bought so far that lift a customer to loyalty segment 1, 2 and 3.
LOYALTY_UNIT_THRESHOLDS = (5, 15, 40)
BUSINESS_SHARE = 0.08
MOVES_PER_YEAR = 0.1
PRODUCTS_PER_BRAND = 20
PROMOTED_ITEMS_PER_CAMPAIGN = 4
FAVOURITE_BRAND_SHARE = 0.5

# fmt: off
#: Brands double as retail-org's product_category.
BRANDS = ("Rony", "Opple", "Sioneer", "Zamaha", "Reagate", "Samsong", "Lenavo", "Boze")
#: (product type, lowest and highest list price in whole USD)
PRODUCT_TYPES: tuple[tuple[str, int, int], ...] = (
    ("Wireless Noise-Cancelling Headphones", 79, 399),
    ("Bluetooth Speaker", 39, 299),
    ("2.1-Channel TV Speaker Base", 99, 499),
    ("7.2-Channel AV Receiver", 299, 1499),
    ("Belt-Drive Turntable", 99, 599),
    ('55" 4K Ultra HD Smart TV', 399, 1999),
    ('13.3" Laptop - Core i5 - 8 GB RAM - 256 GB SSD', 699, 1899),
    ('10.2" Tablet 64 GB Wi-Fi', 249, 899),
    ("Lightning to VGA Adapter", 19, 49),
    ("2 TB USB 3.0 External Hard Drive", 59, 199),
    ("1 TB Portable SSD", 89, 299),
    ("24.2 MP Mirrorless Camera", 399, 1499),
    ("GPS Smartwatch", 149, 499),
    ("Wireless Mouse", 15, 89),
    ("5.1 Home Theater System", 299, 1299),
    ("Bluetooth Car Stereo Receiver", 99, 499),
    ('27" QHD Monitor', 199, 799),
    ("Mini-System with Bluetooth and NFC", 149, 999),
)
COLOURS = ("Black", "White", "Silver", "Blue", "Red")
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

#: (city, state, base ZIP, county, latitude, longitude, share of customers)
CITIES: tuple[tuple[str, str, int, str, float, float, float], ...] = (
    ("NEW YORK", "NY", 10001, "New York", 40.7128, -74.0060, 8.0),
    ("BROOKLYN", "NY", 11201, "Kings", 40.6782, -73.9442, 3.0),
    ("GLOVERSVILLE", "NY", 12078, "Fulton", 43.0526, -74.3435, 0.2),
    ("NEWARK", "NJ", 7102, "Essex", 40.7357, -74.1724, 1.0),
    ("BOSTON", "MA", 2108, "Suffolk", 42.3601, -71.0589, 1.8),
    ("PHILADELPHIA", "PA", 19107, "Philadelphia", 39.9526, -75.1652, 3.0),
    ("PITTSBURGH", "PA", 15222, "Allegheny", 40.4406, -79.9959, 1.2),
    ("BALTIMORE", "MD", 21202, "Baltimore City", 39.2904, -76.6122, 1.2),
    ("CHARLOTTE", "NC", 28202, "Mecklenburg", 35.2271, -80.8431, 1.8),
    ("RALEIGH", "NC", 27601, "Wake", 35.7796, -78.6382, 1.2),
    ("ATLANTA", "GA", 30303, "Fulton", 33.7490, -84.3880, 2.0),
    ("JACKSONVILLE", "FL", 32202, "Duval", 30.3322, -81.6557, 1.8),
    ("MIAMI", "FL", 33130, "Miami-Dade", 25.7617, -80.1918, 2.5),
    ("TAMPA", "FL", 33602, "Hillsborough", 27.9506, -82.4572, 1.5),
    ("ORLANDO", "FL", 32801, "Orange", 28.5383, -81.3792, 1.5),
    ("NASHVILLE", "TN", 37203, "Davidson", 36.1627, -86.7816, 1.5),
    ("COLUMBUS", "OH", 43215, "Franklin", 39.9612, -82.9988, 1.8),
    ("GROVE CITY", "OH", 43123, "Franklin", 39.8815, -83.0930, 0.4),
    ("CLEVELAND", "OH", 44113, "Cuyahoga", 41.4993, -81.6944, 1.2),
    ("DETROIT", "MI", 48226, "Wayne", 42.3314, -83.0458, 1.5),
    ("WYANDOTTE", "MI", 48192, "Wayne", 42.2142, -83.1499, 0.3),
    ("INDIANAPOLIS", "IN", 46204, "Marion", 39.7684, -86.1581, 1.5),
    ("CHICAGO", "IL", 60601, "Cook", 41.8781, -87.6298, 5.0),
    ("MILWAUKEE", "WI", 53202, "Milwaukee", 43.0389, -87.9065, 1.1),
    ("MINNEAPOLIS", "MN", 55401, "Hennepin", 44.9778, -93.2650, 1.4),
    ("KANSAS CITY", "MO", 64105, "Jackson", 39.0997, -94.5786, 1.2),
    ("HOUSTON", "TX", 77002, "Harris", 29.7604, -95.3698, 4.5),
    ("DALLAS", "TX", 75201, "Dallas", 32.7767, -96.7970, 3.0),
    ("AUSTIN", "TX", 78701, "Travis", 30.2672, -97.7431, 2.0),
    ("SAN ANTONIO", "TX", 78205, "Bexar", 29.4241, -98.4936, 2.5),
    ("DENVER", "CO", 80202, "Denver", 39.7392, -104.9903, 1.8),
    ("SALT LAKE CITY", "UT", 84101, "Salt Lake", 40.7608, -111.8910, 1.0),
    ("PHOENIX", "AZ", 85004, "Maricopa", 33.4484, -112.0740, 3.0),
    ("LAS VEGAS", "NV", 89101, "Clark", 36.1699, -115.1398, 1.6),
    ("LOS ANGELES", "CA", 90012, "Los Angeles", 34.0522, -118.2437, 6.0),
    ("SAN DIEGO", "CA", 92101, "San Diego", 32.7157, -117.1611, 2.5),
    ("BAKERSFIELD", "CA", 93311, "Kern", 35.3733, -119.0187, 1.0),
    ("PALO ALTO", "CA", 94306, "Santa Clara", 37.4419, -122.1430, 0.7),
    ("SAN JOSE", "CA", 95113, "Santa Clara", 37.3382, -121.8863, 2.0),
    ("SACRAMENTO", "CA", 95814, "Sacramento", 38.5816, -121.4944, 1.5),
    ("PORTLAND", "OR", 97204, "Multnomah", 45.5152, -122.6784, 1.5),
    ("SEATTLE", "WA", 98101, "King", 47.6062, -122.3321, 2.0),
    ("GIG HARBOR", "WA", 98335, "Pierce", 47.3293, -122.5801, 0.3),
    ("SPOKANE", "WA", 99201, "Spokane", 47.6588, -117.4260, 0.6),
)
FIRST_NAMES = (
    "JAMES", "MARY", "JOHN", "PATRICIA", "ROBERT", "JENNIFER", "MICHAEL", "LINDA", "WILLIAM",
    "ELIZABETH", "DAVID", "BARBARA", "RICHARD", "SUSAN", "JOSEPH", "JESSICA", "THOMAS", "SARAH",
    "CHARLES", "KAREN", "CHRISTOPHER", "NANCY", "DANIEL", "LISA", "MATTHEW", "BETTY", "ANTHONY",
    "MARGARET", "MARK", "SANDRA", "HENRY", "ZACHARY", "GEORGE", "YVONNE", "CARLOS", "MARIA",
    "JOSE", "ANA", "WEI", "MEI", "DEVON", "AALIYAH", "KEVIN", "ASHLEY", "BRIAN", "EMILY",
)
LAST_NAMES = (
    "SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS", "RODRIGUEZ",
    "MARTINEZ", "HERNANDEZ", "LOPEZ", "GONZALEZ", "WILSON", "ANDERSON", "THOMAS", "TAYLOR",
    "MOORE", "JACKSON", "MARTIN", "LEE", "PEREZ", "THOMPSON", "WHITE", "HARRIS", "SANCHEZ",
    "CLARK", "RAMIREZ", "LEWIS", "ROBINSON", "WALKER", "YOUNG", "ALLEN", "KING", "WRIGHT",
    "NGUYEN", "DELVALLE", "MAHER", "VASQUEZ", "O'CONNOR", "KIM", "PATEL", "CHEN", "WASHINGTON",
)
COMPANY_WORDS = (
    "hipro", "ab", "blue", "summit", "peak", "metro", "north", "star", "prime", "united",
    "pacific", "atlas", "crown", "eagle", "delta", "omega", "green", "river", "otbda", "bright",
)
COMPANY_TRADES = (
    "feeds", "digital", "solutions", "media", "systems", "supply", "studios", "electronics",
    "labs", "partners", "logistics", "marketing", "audio", "av services",
)
COMPANY_SUFFIXES = ("", "", ", llc", " inc", " corp", ", inc.", " co")
TAX_CODES = ("A", "A", "A", "B", "C")
STREET_NAMES = (
    "MAIN ST", "OAK AVE", "MAPLE DR", "PARK AVE", "CEDAR LN", "ELM ST", "WASHINGTON BLVD",
    "LAKE SHORE DR", "HIGHLAND AVE", "SUNSET BLVD", "LINCOLN AVE", "CHURCH ST", "MILL RD",
    "RIVER RD", "LOCKSLEY DR", "SIMMONS DR", "CORA ST", "LOMA VERDE AVE", "MARKET ST",
    "BROADWAY", "South Main Street", "Ridge Road",
)
STREET_KINDS = ("ST", "AVE", "ST NW", "ST SE", "AVE S")
UNITS = ("#D201", "APT 3", "Apartment 2", "UNIT 5", "APT 12B", "#104")
#: (month 1-12, first day, last day, discount rates offered): one campaign per year each.
CAMPAIGNS = (
    (3, 15, 31, (0.05, 0.1)),
    (7, 15, 17, (0.1, 0.15, 0.2)),
    (8, 1, 20, (0.05, 0.1, 0.15)),
    (12, 1, 24, (0.1, 0.15)),
)
BLACK_FRIDAY_RATES = (0.15, 0.2, 0.25, 0.3)
PROMO_QUANTITIES = (1, 1, 1, 2, 3)

MONTH_DEMAND = (0.80, 0.75, 0.90, 0.90, 0.90, 0.90, 1.00, 1.05, 0.95, 0.95, 1.30, 1.60)
WEEKDAY_DEMAND = (1.00, 1.00, 1.00, 1.00, 1.05, 1.15, 1.10)  # Monday first
HOUR_DEMAND = (1, 1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 8, 8, 8, 7, 7, 7, 8, 9, 10, 10, 8, 5, 3)
BLACK_FRIDAY_DEMAND = 2.5
#: Home-office and home-entertainment buying in the first lockdown.
LOCKDOWN_DEMAND = 1.4
LOCKDOWN = (np.datetime64("2020-03-15"), np.datetime64("2020-06-01"))
# fmt: on


# --- calendar ---------------------------------------------------------------------------


def demand_by_day(days: npt.NDArray[np.datetime64]) -> FloatArray:
    """Relative number of orders per day: season, weekday, Black Friday, lockdown."""
    lockdown = (days >= LOCKDOWN[0]) & (days < LOCKDOWN[1])
    return np.asarray(
        np.asarray(MONTH_DEMAND)[month_of_year(days)]
        * np.asarray(WEEKDAY_DEMAND)[weekday_of(days)]
        * np.where(flag_black_friday_weekend(days), BLACK_FRIDAY_DEMAND, 1.0)
        * np.where(lockdown, LOCKDOWN_DEMAND, 1.0),
        dtype=np.float64,
    )


def sample_times(rng: np.random.Generator, low: IntArray, high: IntArray) -> IntArray:
    """One timestamp per [low, high) window, following demand_by_day and HOUR_DEMAND."""
    days = np.arange(HISTORY_START // DAY, HISTORY_END // DAY).astype("datetime64[D]")
    curve = DemandCurve.build(HISTORY_START, demand_by_day(days), HOUR_DEMAND)
    return curve.sample(rng, low, high)


# --- list columns -----------------------------------------------------------------------


def _join_groups(items: pa.Array, group: IntArray, n_groups: int) -> pa.Array:
    """'[a, b]' per group from the items of each group (``group`` sorted); '[]' when none."""
    offsets = np.concatenate(([0], np.cumsum(np.bincount(group, minlength=n_groups))))
    lists = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), items)
    return join_text("[", pc.binary_join(lists, ", "), "]")


# --- catalogue and promotions -----------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    product_id: pa.Array
    name: pa.Array
    brand: IntArray
    price: IntArray
    popularity: FloatArray

    @property
    def size(self) -> int:
        return int(self.brand.size)


def _product_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """retail-org style ids: 'AV' and 18 characters of a URL-safe alphabet."""
    letters = np.asarray(list(ID_ALPHABET))[rng.integers(0, len(ID_ALPHABET), (n, 18))]
    return pa.array(["AV" + "".join(row) for row in letters])


def build_catalogue(rng: np.random.Generator) -> Catalogue:
    n = len(BRANDS) * PRODUCTS_PER_BRAND
    brand = np.repeat(np.arange(len(BRANDS), dtype=np.int64), PRODUCTS_PER_BRAND)
    kind = rng.integers(0, len(PRODUCT_TYPES), n)
    low = np.asarray([t[1] for t in PRODUCT_TYPES])[kind]
    high = np.asarray([t[2] for t in PRODUCT_TYPES])[kind]
    price = np.rint(np.exp(rng.uniform(np.log(low), np.log(high)))).astype(np.int64)
    model = join_text(
        take_words(tuple("ABCDEFGHJKLMNPRSTUVWXZ"), rng.integers(0, 22, n)),
        take_words(tuple("ABCDEFGHJKLMNPRSTUVWXZ"), rng.integers(0, 22, n)),
        "-",
        format_integers(rng.integers(100, 9999, n)),
    )
    name = join_text(
        take_words(BRANDS, brand),
        " ",
        model,
        " ",
        take_words(tuple(t[0] for t in PRODUCT_TYPES), kind),
        " (",
        take_words(COLOURS, rng.integers(0, len(COLOURS), n)),
        ")",
    )
    return Catalogue(
        product_id=_product_ids(rng, n),
        name=name,
        brand=brand,
        price=price,
        popularity=np.asarray((rng.permutation(n) + 1.0) ** -0.8, dtype=np.float64),
    )


@dataclass(frozen=True)
class Promotions:
    """Each promotion discounts one item bought in at least ``quantity`` within a window."""

    start: IntArray
    end: IntArray
    item: IntArray
    quantity: IntArray
    discount: FloatArray

    @property
    def size(self) -> int:
        return int(self.item.size)


def _campaign_windows() -> list[tuple[int, int, tuple[float, ...]]]:
    years = range(2018, 2021)
    windows: list[tuple[int, int, tuple[float, ...]]] = [
        (
            int(np.datetime64(f"{year}-{month:02d}-{first:02d}", "s").astype(np.int64)),
            int(np.datetime64(f"{year}-{month:02d}-{last:02d}", "s").astype(np.int64)) + DAY,
            rates,
        )
        for year in years
        for month, first, last, rates in CAMPAIGNS
    ]
    for year in years:
        november = np.arange(f"{year}-11-20", f"{year}-11-30", dtype="datetime64[D]")
        friday = november[flag_black_friday_weekend(november)][0].astype("datetime64[s]")
        start = int(friday.astype(np.int64))
        windows.append((start, start + 4 * DAY, BLACK_FRIDAY_RATES))
    return sorted(windows)


def build_promotions(rng: np.random.Generator, catalogue: Catalogue) -> Promotions:
    windows = _campaign_windows()
    k = PROMOTED_ITEMS_PER_CAMPAIGN
    start = np.repeat([w[0] for w in windows], k).astype(np.int64)
    end = np.repeat([w[1] for w in windows], k).astype(np.int64)
    items = np.concatenate([rng.choice(catalogue.size, k, replace=False) for _ in windows])
    discount = np.concatenate([rng.choice(w[2], k) for w in windows])
    return Promotions(
        start=start,
        end=end,
        item=items.astype(np.int64),
        quantity=rng.choice(PROMO_QUANTITIES, start.size).astype(np.int64),
        discount=np.round(discount, 2),
    )


# --- customers and orders ---------------------------------------------------------------


@dataclass(frozen=True)
class People:
    customer_id: IntArray
    name: pa.Array
    is_business: BoolArray
    tax_id: pa.Array
    tax_code: pa.Array
    joined: IntArray
    active_until: IntArray
    purchase_rate: FloatArray
    deal_seeking: FloatArray
    favourite_brand: IntArray
    title_case_city: BoolArray

    @property
    def size(self) -> int:
        return int(self.joined.size)


def _names(rng: np.random.Generator, is_business: BoolArray) -> pa.Array:
    n = is_business.size
    initial = pc.if_else(
        pa.array(rng.random(n) < 0.4),
        join_text(" ", take_words(tuple("ABCDEFGHJKLMNPRSTW"), rng.integers(0, 18, n))),
        "",
    )
    private = join_text(
        take_words(LAST_NAMES, rng.integers(0, len(LAST_NAMES), n)),
        ",  ",
        take_words(FIRST_NAMES, rng.integers(0, len(FIRST_NAMES), n)),
        initial,
    )
    company = join_text(
        take_words(COMPANY_WORDS, rng.integers(0, len(COMPANY_WORDS), n)),
        " ",
        take_words(COMPANY_TRADES, rng.integers(0, len(COMPANY_TRADES), n)),
        take_words(COMPANY_SUFFIXES, rng.integers(0, len(COMPANY_SUFFIXES), n)),
    )
    return pc.if_else(pa.array(is_business), company, private)


def draw_people(rng: np.random.Generator, n: int) -> People:
    is_business = rng.random(n) < BUSINESS_SHARE
    joined = sample_times(rng, np.full(n, HISTORY_START), np.full(n, LAST_SIGNUP))
    tax = pa.array(rng.integers(100_000_000, 999_999_999, n)).cast(pa.string())
    no_tax = pa.nulls(n, pa.string())
    lifetime_days = 60 + rng.exponential(700.0, n)
    return People(
        customer_id=10_000_000 + np.sort(rng.choice(30_000_000, n, replace=False)),
        name=_names(rng, is_business),
        is_business=is_business,
        tax_id=pc.if_else(pa.array(is_business), tax, no_tax),
        tax_code=pc.if_else(
            pa.array(is_business), take_words(TAX_CODES, rng.integers(0, 5, n)), no_tax
        ),
        joined=joined,
        active_until=np.minimum(joined + (lifetime_days * DAY).astype(np.int64), HISTORY_END),
        purchase_rate=rng.gamma(0.9, 1.0, n) * np.where(is_business, 2.0, 1.0),
        deal_seeking=rng.beta(1.2, 4.0, n),
        favourite_brand=rng.integers(0, len(BRANDS), n),
        title_case_city=rng.random(n) < 0.3,
    )


@dataclass(frozen=True)
class Orders:
    """Orders in time order (order_number increases with time) and their lines."""

    customer: IntArray
    placed: IntArray
    order_number: IntArray
    line_order: IntArray
    line_product: IntArray
    line_quantity: IntArray
    line_promotion: IntArray
    """Index into Promotions, -1 without one."""
    line_cents: IntArray

    @property
    def size(self) -> int:
        return int(self.placed.size)


def _place_orders(
    rng: np.random.Generator, people: People, n_orders: int
) -> tuple[IntArray, IntArray]:
    """Heavy buyers order often until they churn; the first order comes right after joining."""
    weight = people.purchase_rate * (people.active_until - people.joined)
    counts = rng.multinomial(n_orders, weight / weight.sum())
    customer = np.repeat(np.arange(people.size, dtype=np.int64), counts)
    low, high = people.joined[customer] + 60, people.active_until[customer]
    right_after = low + rng.exponential(DAY, customer.size).astype(np.int64)
    placed = np.where(
        rank_within(customer) == 0, np.minimum(right_after, high - 1), sample_times(rng, low, high)
    )
    order = np.lexsort((customer, placed))
    return customer[order], placed[order]


def _pick_products(
    rng: np.random.Generator, catalogue: Catalogue, favourite_brand: IntArray
) -> IntArray:
    """Popular products, half the time of the customer's favourite brand."""
    cumulative = np.cumsum(catalogue.popularity)
    any_product = np.searchsorted(cumulative, rng.random(favourite_brand.size) * cumulative[-1])
    brand_weights = catalogue.popularity.reshape(len(BRANDS), PRODUCTS_PER_BRAND)
    brand_cumulative = np.cumsum(brand_weights, axis=1)
    u = rng.random(favourite_brand.size) * brand_cumulative[favourite_brand, -1]
    within = (brand_cumulative[favourite_brand] < u[:, None]).sum(axis=1)
    favourite = favourite_brand * PRODUCTS_PER_BRAND + within
    use_favourite = rng.random(favourite_brand.size) < FAVOURITE_BRAND_SHARE
    chosen = np.where(use_favourite, favourite, np.minimum(any_product, catalogue.size - 1))
    return np.asarray(chosen, dtype=np.int64)


def _active_campaign_items(
    rng: np.random.Generator, promotions: Promotions, ts: IntArray
) -> tuple[BoolArray, IntArray]:
    """Whether a campaign runs at ``ts``, and one of its promoted items (random)."""
    k = PROMOTED_ITEMS_PER_CAMPAIGN
    starts, ends = promotions.start[::k], promotions.end[::k]
    campaign = np.searchsorted(starts, ts, side="right") - 1
    running = (campaign >= 0) & (ts < ends[np.clip(campaign, 0, None)])
    pick = np.clip(campaign, 0, None) * k + rng.integers(0, k, ts.size)
    return running, promotions.item[pick]


def _apply_promotions(
    promotions: Promotions,
    product: IntArray,
    quantity: IntArray,
    ts: IntArray,
    takes_deal: BoolArray,
) -> tuple[IntArray, IntArray]:
    """Quantity and promotion (-1 for none) of each line: a promotion applies to its item
    bought in its window in at least its quantity; deal seekers buy that quantity."""
    promotion = np.full(product.size, -1, dtype=np.int64)
    for p in range(promotions.size):
        applies = (product == promotions.item[p]) & (ts >= promotions.start[p])
        applies &= ts < promotions.end[p]
        quantity = np.where(
            applies & takes_deal, np.maximum(quantity, promotions.quantity[p]), quantity
        )
        applies &= (promotion < 0) & (quantity >= promotions.quantity[p])
        promotion = np.where(applies, p, promotion)
    return quantity, promotion


def build_orders(
    rng: np.random.Generator,
    people: People,
    catalogue: Catalogue,
    promotions: Promotions,
    n_orders: int,
) -> Orders:
    """Orders of 1-5 products; businesses buy several units, deal seekers promoted items."""
    customer, placed = _place_orders(rng, people, n_orders)
    n_lines = 1 + np.minimum(rng.poisson(0.6, placed.size), 4)
    line_order = np.repeat(np.arange(placed.size, dtype=np.int64), n_lines)
    line_customer = customer[line_order]
    product = _pick_products(rng, catalogue, people.favourite_brand[line_customer])
    running, promoted = _active_campaign_items(rng, promotions, placed[line_order])
    takes_deal = running & (rng.random(line_order.size) < people.deal_seeking[line_customer])
    product = np.where(takes_deal, promoted, product)
    quantity = 1 + np.where(
        people.is_business[line_customer],
        rng.poisson(2.5, line_order.size),
        rng.poisson(0.15, line_order.size),
    )
    keep = mark_first_pairs(line_order, product)
    line_order, product, quantity = line_order[keep], product[keep], quantity[keep]
    quantity, promotion = _apply_promotions(
        promotions, product, quantity, placed[line_order], takes_deal[keep]
    )
    discount = np.where(promotion >= 0, promotions.discount[np.clip(promotion, 0, None)], 0.0)
    cents = np.rint(catalogue.price[product] * quantity * 100 * (1.0 - discount))
    return Orders(
        customer=customer,
        placed=placed,
        order_number=300_000_000 + np.cumsum(rng.integers(1, 1_000, placed.size)),
        line_order=line_order,
        line_product=product,
        line_quantity=quantity,
        line_promotion=promotion,
        line_cents=cents.astype(np.int64),
    )


# --- customer versions ------------------------------------------------------------------


@dataclass(frozen=True)
class Addresses:
    """Every address ever recorded: the joining ones first, then the ones moved to."""

    customer: IntArray
    since: IntArray
    city: IntArray
    postcode: pa.Array
    street: pa.Array
    number: IntArray
    unit: pa.Array
    district: pa.Array
    lon: FloatArray
    lat: FloatArray


def _street_names(rng: np.random.Generator, n: int) -> pa.Array:
    """Named streets ('LOCKSLEY DR') or numbered ones ('47TH ST NW')."""
    number = rng.integers(1, 120, n)
    suffix = np.where((number % 100 >= 11) & (number % 100 <= 13), 0, np.minimum(number % 10, 4))
    numbered = join_text(
        format_integers(number),
        take_words(("TH", "ST", "ND", "RD", "TH"), suffix),
        " ",
        take_words(STREET_KINDS, rng.integers(0, len(STREET_KINDS), n)),
    )
    named = take_words(STREET_NAMES, rng.integers(0, len(STREET_NAMES), n))
    return pc.if_else(pa.array(rng.random(n) < 0.3), numbered, named)


def draw_addresses(rng: np.random.Generator, people: People) -> Addresses:
    """Joining addresses, then moves (private customers only): across town or to another city."""
    n = people.size
    share = np.asarray([c[6] for c in CITIES])
    first_city = choose_weighted(rng, share, n)
    years = (HISTORY_END - people.joined) / (365 * DAY)
    moves = rng.poisson(MOVES_PER_YEAR * years * ~people.is_business)
    movers = np.repeat(np.arange(n, dtype=np.int64), moves)
    elsewhere = choose_weighted(rng, share, movers.size)
    city = np.concatenate(
        (first_city, np.where(rng.random(movers.size) < 0.6, first_city[movers], elsewhere))
    )
    customer = np.concatenate((np.arange(n, dtype=np.int64), movers))
    total = city.size
    base_zip = np.asarray([c[2] for c in CITIES])[city]
    unit = pc.if_else(
        pa.array(rng.random(total) < np.where(people.is_business[customer], 0.4, 0.15)),
        pc.if_else(
            pa.array(people.is_business[customer]),
            join_text("STE ", format_integers(rng.integers(1, 30, total) * 100)),
            take_words(UNITS, rng.integers(0, len(UNITS), total)),
        ),
        pa.nulls(total, pa.string()),
    )
    return Addresses(
        customer=customer,
        since=np.concatenate((people.joined, rng.integers(people.joined[movers] + 1, HISTORY_END))),
        city=city,
        postcode=format_zero_padded(base_zip + rng.integers(0, 25, total), 5),
        street=_street_names(rng, total),
        number=np.exp(rng.uniform(0.0, np.log(20_000), total)).astype(np.int64),
        unit=unit,
        district=pc.if_else(
            pa.array(rng.random(total) < 0.4),
            take_words(tuple(c[3] for c in CITIES), city),
            pa.nulls(total, pa.string()),
        ),
        lat=np.round(np.asarray([c[4] for c in CITIES])[city] + rng.normal(0, 0.04, total), 5),
        lon=np.round(np.asarray([c[5] for c in CITIES])[city] + rng.normal(0, 0.05, total), 5),
    )


@dataclass(frozen=True)
class Versions:
    """Customer versions in (customer, valid_from) order."""

    customer: IntArray
    valid_from: IntArray
    valid_to: IntArray
    """-1 for the current version."""
    address: IntArray
    segment: IntArray
    units: IntArray


def _units_timeline(orders: Orders) -> tuple[IntArray, IntArray, IntArray]:
    """Per line in (customer, time) order: customer, time, units bought up to and with it."""
    customer = orders.customer[orders.line_order]
    ts = orders.placed[orders.line_order]
    order = np.lexsort((ts, customer))
    customer, ts = customer[order], ts[order]
    return customer, ts, cumsum_within(orders.line_quantity[order], customer)


def _loyalty_segment(units: IntArray) -> IntArray:
    return np.searchsorted(LOYALTY_UNIT_THRESHOLDS, units, side="right").astype(np.int64)


def build_versions(people: People, addresses: Addresses, orders: Orders) -> Versions:
    """A version per joining, move and loyalty upgrade; units are those bought by its end."""
    n = people.size
    line_customer, line_ts, units = _units_timeline(orders)
    segment_after = _loyalty_segment(units)
    previous_units = np.where(
        np.r_[True, line_customer[1:] != line_customer[:-1]], 0, np.r_[0, units[:-1]]
    )
    upgrade = segment_after > _loyalty_segment(previous_units)

    moved = np.arange(n, addresses.customer.size)
    customer = np.concatenate(
        (np.arange(n, dtype=np.int64), line_customer[upgrade], addresses.customer[moved])
    )
    ts = np.concatenate((people.joined, line_ts[upgrade], addresses.since[moved]))
    kind = np.repeat(np.arange(3, dtype=np.int64), (n, int(upgrade.sum()), moved.size))
    address = np.concatenate((np.arange(n), np.full(int(upgrade.sum()), -1), moved)).astype(
        np.int64
    )
    segment = np.concatenate(
        (np.zeros(n, np.int64), segment_after[upgrade], np.full(moved.size, -1))
    )
    order = np.lexsort((kind, ts, customer))
    customer, ts = customer[order], ts[order]
    address, segment = forward_fill(address[order]), forward_fill(segment[order])

    # Changes within the same second make one version.
    same_as_next = np.r_[(customer[1:] == customer[:-1]) & (ts[1:] == ts[:-1]), False]
    customer, ts, address, segment = (
        customer[~same_as_next],
        ts[~same_as_next],
        address[~same_as_next],
        segment[~same_as_next],
    )
    is_current = np.r_[customer[1:] != customer[:-1], True]
    valid_to = np.where(is_current, -1, np.r_[ts[1:], -1])
    units_at_end = _units_before(
        line_customer, line_ts, units, customer, np.where(is_current, HISTORY_END, valid_to)
    )
    return Versions(customer, ts, valid_to, address, segment, units_at_end)


def _units_before(
    line_customer: IntArray, line_ts: IntArray, units: IntArray, customer: IntArray, ts: IntArray
) -> IntArray:
    """Units each customer bought strictly before ``ts``."""
    keys = (line_customer << 32) | line_ts
    index = np.searchsorted(keys, (customer << 32) | ts, side="left") - 1
    found = (index >= 0) & (line_customer[np.clip(index, 0, None)] == customer)
    return np.where(found, units[np.clip(index, 0, None)], 0)


# --- files ------------------------------------------------------------------------------


def _nullable(values: IntArray) -> pa.Array:
    """-1 becomes an empty field."""
    return pa.array(values, mask=values < 0)


def customers_table(people: People, addresses: Addresses, versions: Versions) -> pa.Table:
    who = pa.array(versions.customer)
    address = versions.address
    city = addresses.city[address]
    city_name = take_words(tuple(c[0] for c in CITIES), city)
    state = take_words(tuple(c[1] for c in CITIES), city)
    postcode = addresses.postcode.take(pa.array(address))
    street = addresses.street.take(pa.array(address))
    number = format_integers(addresses.number[address])
    business = pa.array(people.is_business[versions.customer])
    return pa.table(
        {
            "customer_id": pa.array(people.customer_id[versions.customer]),
            "tax_id": people.tax_id.take(who),
            "tax_code": people.tax_code.take(who),
            "customer_name": people.name.take(who),
            "state": state,
            "city": pc.if_else(
                pa.array(people.title_case_city[versions.customer]),
                pc.utf8_title(city_name),
                city_name,
            ),
            "postcode": postcode,
            "street": street,
            "number": number,
            "unit": addresses.unit.take(pa.array(address)),
            "region": pc.if_else(business, pa.nulls(len(who), pa.string()), state),
            "district": addresses.district.take(pa.array(address)),
            "lon": pa.array(addresses.lon[address]),
            "lat": pa.array(addresses.lat[address]),
            "ship_to_address": join_text(state, ", ", postcode, ", ", street, ", ", number),
            "valid_from": pa.array(versions.valid_from),
            "valid_to": _nullable(versions.valid_to),
            "units_purchased": pa.array(versions.units),
            "loyalty_segment": pa.array(versions.segment),
        }
    )


def _line_json(catalogue: Catalogue, promotions: Promotions, orders: Orders) -> pa.Array:
    """Each order line as retail-org writes it: {curr, id, name, price, promotion_info, qty,
    unit}, keys sorted, Spark's ', ' and ': ' separators."""
    head = pa.array(
        [
            f'{{"curr": "USD", "id": "{pid}", "name": {json.dumps(name)}, "price": {price}, '
            '"promotion_info": '
            for pid, name, price in zip(
                catalogue.product_id.to_pylist(),
                catalogue.name.to_pylist(),
                catalogue.price.tolist(),
                strict=True,
            )
        ]
    )
    promotion = np.where(orders.line_promotion >= 0, orders.line_promotion, promotions.size)
    return join_text(
        head.take(pa.array(orders.line_product)),
        _promotion_json(catalogue, promotions).take(pa.array(promotion)),
        ', "qty": ',
        format_integers(orders.line_quantity),
        ', "unit": "pcs"}',
    )


def _promotion_json(catalogue: Catalogue, promotions: Promotions) -> pa.Array:
    """Each promotion as JSON, then 'null' for lines without one."""
    ids = catalogue.product_id.to_pylist()
    return pa.array(
        [
            json.dumps(
                {
                    "promo_disc": float(promotions.discount[p]),
                    "promo_id": p,
                    "promo_item": ids[int(promotions.item[p])],
                    "promo_qty": int(promotions.quantity[p]),
                }
            )
            for p in range(promotions.size)
        ]
        + ["null"]
    )


def _clicked_items(
    rng: np.random.Generator, people: People, catalogue: Catalogue, orders: Orders
) -> pa.Array:
    """Products browsed before ordering, as [id, clicks] pairs: the ordered ones, clicked
    more, and a few others of the customer's favourite brand or the best sellers."""
    extra = np.minimum(rng.poisson(1.5, orders.size), 4)
    extra_order = np.repeat(np.arange(orders.size, dtype=np.int64), extra)
    extra_product = _pick_products(
        rng, catalogue, people.favourite_brand[orders.customer[extra_order]]
    )
    order = np.concatenate((orders.line_order, extra_order))
    product = np.concatenate((orders.line_product, extra_product))
    clicks = np.concatenate(
        (1 + rng.geometric(0.25, orders.line_order.size), rng.geometric(0.5, extra_order.size))
    )
    keep = np.flatnonzero(mark_first_pairs(order, product))
    keep = keep[np.argsort(order[keep], kind="stable")]
    pairs = join_text(
        '["',
        catalogue.product_id.take(pa.array(product[keep])),
        '", "',
        format_integers(clicks[keep]),
        '"]',
    )
    return _join_groups(pairs, order[keep], orders.size)


def sales_orders_table(
    rng: np.random.Generator,
    people: People,
    catalogue: Catalogue,
    promotions: Promotions,
    orders: Orders,
    line_json: pa.Array,
) -> pa.Table:
    lines_per_order = np.bincount(orders.line_order, minlength=orders.size)
    promoted = np.flatnonzero(orders.line_promotion >= 0)
    promo_info = _join_groups(
        _promotion_json(catalogue, promotions).take(pa.array(orders.line_promotion[promoted])),
        orders.line_order[promoted],
        orders.size,
    )
    has_promo = np.bincount(orders.line_order[promoted], minlength=orders.size) > 0
    who = pa.array(orders.customer)
    return pa.table(
        {
            "clicked_items": _clicked_items(rng, people, catalogue, orders),
            "customer_id": pa.array(people.customer_id[orders.customer]),
            "customer_name": people.name.take(who),
            "number_of_line_items": pa.array(lines_per_order),
            "order_datetime": pa.array(orders.placed),
            "order_number": format_integers(orders.order_number),
            "ordered_products": _join_groups(line_json, orders.line_order, orders.size),
            "promo_info": pc.if_else(
                pa.array(has_promo), promo_info, pa.nulls(orders.size, pa.string())
            ),
        }
    )


def sales_table(
    people: People, catalogue: Catalogue, orders: Orders, line_json: pa.Array
) -> pa.Table:
    customer = orders.customer[orders.line_order]
    return pa.table(
        {
            "customer_id": pa.array(people.customer_id[customer]),
            "customer_name": people.name.take(pa.array(customer)),
            "product_name": catalogue.name.take(pa.array(orders.line_product)),
            "order_date": format_epoch_seconds(orders.placed[orders.line_order], DATE_FORMAT),
            "product_category": take_words(BRANDS, catalogue.brand[orders.line_product]),
            "product": line_json,
            "total_price": format_cents(orders.line_cents),
        }
    )


def generate(landing_dir: Path, *, scale: Scale, seed: int) -> list[Path]:
    """Writes customers.csv, sales.csv and sales_orders.csv into landing_dir."""
    size = SIZES[scale]
    catalogue = build_catalogue(np.random.default_rng([seed, 1]))
    promotions = build_promotions(np.random.default_rng([seed, 2]), catalogue)
    rng = np.random.default_rng([seed, 3])
    people = draw_people(rng, size.customers)
    addresses = draw_addresses(rng, people)
    orders = build_orders(
        np.random.default_rng([seed, 4]), people, catalogue, promotions, size.orders
    )
    versions = build_versions(people, addresses, orders)
    line_json = _line_json(catalogue, promotions, orders)
    clicks_rng = np.random.default_rng([seed, 5])
    return [
        write_csv(customers_table(people, addresses, versions), landing_dir / "customers.csv"),
        write_csv(sales_table(people, catalogue, orders, line_json), landing_dir / "sales.csv"),
        write_csv(
            sales_orders_table(clicks_rng, people, catalogue, promotions, orders, line_json),
            landing_dir / "sales_orders.csv",
        ),
    ]
