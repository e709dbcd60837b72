"""ShopMetrics demo data: an online shop's exports, one historical batch then weekly deltas.

The shop's whole history (signups, address and email changes, segment moves, product
launches, price changes, orders and their status timelines) is simulated first as
timestamped events; each batch is then a cut of that history: ``batch_0000`` is the state
at the first cutoff, ``batch_000k`` holds only the rows whose latest event falls between
cutoff k-1 and cutoff k. The history does not depend on the number of batches, only on the
seed and scale: more batches just cut the same last weeks finer.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse.errors import ConfigError
from retail_lakehouse.sources.contract import Scale
from retail_lakehouse.sources.synth import (
    DATE_FORMAT,
    BoolArray,
    DemandCurve,
    FloatArray,
    IntArray,
    choose_weighted,
    cumsum_within,
    find_run_starts,
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
class ShopSize:
    customers: int
    products: int
    orders: int


SIZES: dict[Scale, ShopSize] = {
    Scale.small: ShopSize(customers=500, products=50, orders=5_000),
    Scale.medium: ShopSize(customers=2_500, products=250, orders=25_000),
    Scale.full: ShopSize(customers=10_000, products=1_000, orders=100_000),
}

DAY = 86_400
HOUR = 3_600
#: First day of trading; the last batch is cut at HISTORY_END (exclusive).
HISTORY_START = int(np.datetime64("2022-01-01", "s").astype(np.int64))
HISTORY_END = int(np.datetime64("2026-02-01", "s").astype(np.int64))
BATCH_DAYS = 7
#: A customer with no order (or signup) for this long becomes "lapsed".
LAPSE_AFTER = 180 * DAY
CURRENCY = "USD"

# --- vocabularies ---------------------------------------------------------------------

# fmt: off

#: (category, share of catalogue and demand, price range in USD, return rate, mean extra qty)
CATEGORIES: tuple[tuple[str, float, tuple[float, float], float, float], ...] = (
    ("Electronics", 0.18, (15.0, 400.0), 0.07, 0.10),
    ("Clothing", 0.20, (12.0, 150.0), 0.14, 0.25),
    ("Home & Kitchen", 0.15, (9.0, 220.0), 0.05, 0.15),
    ("Books", 0.08, (8.0, 60.0), 0.02, 0.20),
    ("Sports & Outdoors", 0.10, (8.0, 180.0), 0.06, 0.15),
    ("Beauty & Health", 0.12, (5.0, 90.0), 0.03, 0.50),
    ("Toys & Games", 0.09, (8.0, 130.0), 0.04, 0.20),
    ("Grocery", 0.08, (3.0, 50.0), 0.01, 0.90),
)
CATEGORY_CODES = ("ELE", "CLO", "HOM", "BOO", "SPO", "BEA", "TOY", "GRO")
PRODUCT_BASE_NAMES: tuple[tuple[str, ...], ...] = (
    ("Wireless Headphones", "Bluetooth Speaker", "USB-C Hub", "Power Bank", "Smart Watch",
     "HD Webcam", "Mechanical Keyboard", "Gaming Mouse", "Tablet Stand", "Streaming Mic"),
    ("Cotton T-Shirt", "Slim Fit Jeans", "Hoodie", "Denim Jacket", "Cargo Shorts", "Polo Shirt",
     "Wool Sweater", "Linen Trousers", "Rain Jacket", "Running Joggers"),
    ("Air Fryer", "Blender", "Coffee Maker", "Toaster Oven", "Cast Iron Skillet", "Knife Set",
     "Cutting Board", "Rice Cooker", "Tea Kettle", "Mixing Bowl Set"),
    ("Python Handbook", "Data Engineering Guide", "SQL Deep Dive", "Cloud Architecture",
     "Cookbook Classics", "Mystery Novel", "Travel Atlas", "Children's Picture Book"),
    ("Yoga Mat", "Resistance Bands", "Dumbbell Set", "Hiking Backpack", "Water Bottle",
     "Running Shoes", "Cycling Gloves", "Foam Roller", "Tennis Racket", "Camping Tent"),
    ("Sunscreen SPF50", "Moisturizer", "Vitamin C Serum", "Shampoo", "Conditioner",
     "Face Wash", "Lip Balm Set", "Body Lotion", "Electric Toothbrush", "Multivitamins"),
    ("Building Blocks", "Board Game", "1000-Piece Puzzle", "RC Car", "Card Game",
     "Action Figure", "Art Supply Kit", "Science Kit", "Chess Set", "Plush Bear"),
    ("Organic Honey", "Mixed Nuts", "Extra Virgin Olive Oil", "Protein Bars", "Green Tea",
     "Dark Chocolate", "Almond Butter", "Granola", "Ground Coffee", "Dried Fruit Mix"),
)
BRANDS: tuple[tuple[str, ...], ...] = (
    ("Voltix", "Nordtek", "Auralis", "Pixelon"),
    ("Urban Thread", "Northline", "Cotton & Co", "Redwood"),
    ("Casa Verde", "Hearthstone", "KitchenCraft"),
    ("Oakleaf Press", "Lumen Books", "Byte Publishing"),
    ("PeakForm", "TrailMate", "AquaFit"),
    ("Glowell", "PureDerm", "Botanica"),
    ("BrightPlay", "Tinkerly", "FunForge"),
    ("Harvest Lane", "Green Pantry", "Golden Hive"),
)
VARIANTS = ("", " Lite", " Pro", " Plus", " Mini", " XL", " Max", " V2")

#: (city, state/province code, ISO country, name locale, share of customers)
CITIES: tuple[tuple[str, str, str, str, float], ...] = (
    ("New York", "NY", "US", "en", 6.0), ("Los Angeles", "CA", "US", "en", 4.0),
    ("Chicago", "IL", "US", "en", 3.0), ("Houston", "TX", "US", "en", 2.5),
    ("Phoenix", "AZ", "US", "en", 1.8), ("Philadelphia", "PA", "US", "en", 1.7),
    ("San Diego", "CA", "US", "en", 1.5), ("Dallas", "TX", "US", "en", 1.5),
    ("Austin", "TX", "US", "en", 1.3), ("Seattle", "WA", "US", "en", 1.5),
    ("Denver", "CO", "US", "en", 1.2), ("Boston", "MA", "US", "en", 1.3),
    ("Atlanta", "GA", "US", "en", 1.3), ("Miami", "FL", "US", "en", 1.3),
    ("Portland", "OR", "US", "en", 0.9), ("Minneapolis", "MN", "US", "en", 0.9),
    ("Nashville", "TN", "US", "en", 0.8), ("San Francisco", "CA", "US", "en", 1.5),
    ("Toronto", "ON", "CA", "en", 2.0), ("Vancouver", "BC", "CA", "en", 1.2),
    ("Montreal", "QC", "CA", "fr", 1.2), ("Calgary", "AB", "CA", "en", 0.6),
    ("London", "ENG", "GB", "en", 4.0), ("Manchester", "ENG", "GB", "en", 1.2),
    ("Birmingham", "ENG", "GB", "en", 1.0), ("Edinburgh", "SCT", "GB", "en", 0.6),
    ("Berlin", "BE", "DE", "de", 2.0), ("Hamburg", "HH", "DE", "de", 1.2),
    ("München", "BY", "DE", "de", 1.2), ("Köln", "NW", "DE", "de", 0.9),
    ("Paris", "IDF", "FR", "fr", 2.2), ("Lyon", "ARA", "FR", "fr", 0.8),
    ("Marseille", "PAC", "FR", "fr", 0.7), ("Madrid", "MD", "ES", "es", 1.3),
    ("Barcelona", "CT", "ES", "es", 1.2), ("Milano", "MI", "IT", "it", 1.0),
    ("Roma", "RM", "IT", "it", 1.0), ("Amsterdam", "NH", "NL", "nl", 1.0),
    ("Rotterdam", "ZH", "NL", "nl", 0.5), ("Sydney", "NSW", "AU", "en", 1.6),
    ("Melbourne", "VIC", "AU", "en", 1.4), ("Brisbane", "QLD", "AU", "en", 0.6),
    ("Mumbai", "MH", "IN", "in", 1.2), ("Bengaluru", "KA", "IN", "in", 1.2),
    ("Delhi", "DL", "IN", "in", 1.0), ("Tokyo", "13", "JP", "ja", 1.2),
    ("Osaka", "27", "JP", "ja", 0.6), ("São Paulo", "SP", "BR", "pt", 1.0),
    ("Rio de Janeiro", "RJ", "BR", "pt", 0.6), ("Ciudad de México", "CMX", "MX", "es", 0.9),
    ("Guadalajara", "JAL", "MX", "es", 0.4), ("Dubai", "DU", "AE", "ar", 0.6),
    ("Johannesburg", "GP", "ZA", "en", 0.5), ("Cape Town", "WC", "ZA", "en", 0.4),
)
#: World region per country, in the original ShopMetrics spelling.
REGIONS = {
    "US": "North America", "CA": "North America", "GB": "Europe", "DE": "Europe",
    "FR": "Europe", "ES": "Europe", "IT": "Europe", "NL": "Europe", "AU": "Australia",
    "IN": "South Asia", "JP": "Asia Pacific", "BR": "Latin America", "MX": "Latin America",
    "AE": "Middle East", "ZA": "Africa",
}
CALLING_CODES = {
    "US": "1", "CA": "1", "GB": "44", "DE": "49", "FR": "33", "ES": "34", "IT": "39",
    "NL": "31", "AU": "61", "IN": "91", "JP": "81", "BR": "55", "MX": "52", "AE": "971",
    "ZA": "27",
}
#: Countries the (US-based) shop reaches by domestic or nearby carriers.
NEARBY_COUNTRIES = ("US", "CA", "MX")

#: Per locale: first names, last names, street names, house number before the street?
LOCALES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], bool]] = {
    "en": (
        ("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
         "David", "Emily", "William", "Sarah", "Daniel", "Jessica", "Olivia", "Ethan",
         "Sophia", "Noah", "Chloe", "Liam"),
        ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
         "Taylor", "Anderson", "Thomas", "Moore", "Martin", "Clark", "Walker", "Hall",
         "Young", "King", "Wright", "O'Brien"),
        ("Main Street", "Oak Avenue", "Maple Drive", "Park Road", "Cedar Lane",
         "Elm Street", "Washington Avenue", "Lake View Road", "Hill Street", "Church Lane"),
        True,
    ),
    "de": (
        ("Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Paul", "Sophie", "Maximilian",
         "Lena", "Jürgen", "Katrin"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
         "Schulz", "Hoffmann"),
        ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Lindenallee",
         "Goethestraße"),
        False,
    ),
    "fr": (
        ("Léa", "Hugo", "Chloé", "Louis", "Manon", "Gabriel", "Camille", "Jules", "Inès",
         "Théo"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
         "Lefèvre", "Moreau"),
        ("rue de la République", "avenue Victor Hugo", "rue des Lilas", "boulevard Voltaire",
         "rue Pasteur"),
        True,
    ),
    "es": (
        ("Lucía", "Hugo", "Sofía", "Mateo", "Martina", "Pablo", "Valeria", "Alejandro",
         "Camila", "Diego"),
        ("García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez",
         "Pérez", "Gómez", "Hernández"),
        ("Calle Mayor", "Avenida de la Paz", "Calle del Sol", "Paseo de Gracia",
         "Calle Real"),
        False,
    ),
    "it": (
        ("Giulia", "Leonardo", "Sofia", "Francesco", "Aurora", "Alessandro", "Chiara",
         "Lorenzo"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"),
        ("Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante", "Via Verdi"),
        False,
    ),
    "nl": (
        ("Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Finn", "Sara"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit"),
        ("Kerkstraat", "Dorpsstraat", "Stationsweg", "Molenweg", "Prinsengracht"),
        False,
    ),
    "in": (
        ("Aarav", "Priya", "Vihaan", "Ananya", "Arjun", "Diya", "Rohan", "Neha", "Vikram",
         "Kavya"),
        ("Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Mehta", "Nair"),
        ("MG Road", "Station Road", "Nehru Street", "Park Street", "Gandhi Nagar"),
        True,
    ),
    "ja": (
        ("Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "Yuto", "Sakura"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura"),
        ("Chuo-dori", "Sakura-dori", "Meiji-dori", "Ekimae-dori"),
        True,
    ),
    "pt": (
        ("João", "Maria", "Pedro", "Ana", "Lucas", "Beatriz", "Gabriel", "Júlia"),
        ("Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira", "Almeida", "Ferreira"),
        ("Rua Augusta", "Avenida Paulista", "Rua das Flores", "Rua da Consolação"),
        False,
    ),
    "ar": (
        ("Omar", "Fatima", "Ahmed", "Layla", "Yousef", "Mariam", "Khalid", "Noor"),
        ("Al Mansouri", "Haddad", "Khalil", "Nasser", "Saleh", "Hassan"),
        ("Al Wasl Road", "Jumeirah Street", "Sheikh Zayed Road", "Al Khail Road"),
        True,
    ),
}
EMAIL_DOMAINS = ("gmail.com", "gmail.com", "gmail.com", "yahoo.com", "outlook.com",
                 "hotmail.com", "icloud.com", "proton.me")

CHANNELS = ("web", "mobile_app", "marketplace")
CHANNEL_SHARES = (0.55, 0.35, 0.10)
#: A customer orders through their usual channel this often.
USUAL_CHANNEL_SHARE = 0.8
FAVOURITE_CATEGORY_SHARE = 0.45

STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")
CANCELLED_BEFORE_PAYMENT = 0.025
CANCELLED_BEFORE_SHIPPING = 0.035

SEGMENTS = ("new", "active", "loyal", "vip", "lapsed")
LAPSED = SEGMENTS.index("lapsed")
#: Orders placed so far that lift a customer to "active", "loyal" and "vip".
SEGMENT_ORDER_THRESHOLDS = (2, 5, 12)

EMAIL_CHANGES_PER_YEAR = 0.08
MOVES_PER_YEAR = 0.12
PRICE_CHANGES_PER_YEAR = 1.2
LAUNCHED_LATER_SHARE = 0.2
DISCONTINUED_SHARE = 0.1
WELCOME_DISCOUNT = 0.10

MONTH_DEMAND = (0.85, 0.80, 0.90, 0.92, 0.95, 0.90, 0.97, 0.92, 0.95, 1.00, 1.30, 1.50)
WEEKDAY_DEMAND = (1.08, 1.02, 1.00, 0.98, 0.95, 0.90, 1.07)  # Monday first
HOUR_DEMAND = (2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 7, 6, 6, 6, 7, 8, 9, 10, 10, 8, 5)
CYBER_WEEKEND_DEMAND = 2.2
YEARLY_GROWTH = 0.3
# fmt: on


# --- calendar ---------------------------------------------------------------------------


def _days(epoch_seconds: IntArray) -> npt.NDArray[np.datetime64]:
    return (epoch_seconds // DAY).astype("datetime64[D]")


def _demand_curve(start: int, end: int) -> DemandCurve:
    """Relative demand per day: growth, season, Cyber Weekend, weekday. Used to place events."""
    days = _days(np.arange(start, end, DAY, dtype=np.int64))
    years_in = np.arange(days.size) / 365.0
    weight = (
        (1.0 + YEARLY_GROWTH) ** years_in
        * np.asarray(MONTH_DEMAND)[month_of_year(days)]
        * np.asarray(WEEKDAY_DEMAND)[weekday_of(days)]
        * np.where(flag_black_friday_weekend(days), CYBER_WEEKEND_DEMAND, 1.0)
    )
    return DemandCurve.build(start, weight, HOUR_DEMAND)


# --- event logs -------------------------------------------------------------------------


@dataclass(frozen=True)
class EventLog:
    """Timestamped events of many entities, sorted by (entity, timestamp)."""

    entity: IntArray
    ts: IntArray

    @property
    def _keys(self) -> IntArray:
        return (self.entity << 32) | self.ts

    def latest(self, entities: IntArray, at: IntArray | int) -> IntArray:
        """Index of each entity's latest event at or before ``at``; -1 when there is none."""
        query = (entities << 32) | np.asarray(at, dtype=np.int64)
        index = np.searchsorted(self._keys, query, side="right") - 1
        found = (index >= 0) & (self.entity[np.clip(index, 0, None)] == entities)
        return np.where(found, index, -1)

    def delta(self, n_entities: int, since: int | None, until: int) -> tuple[IntArray, IntArray]:
        """Entities whose state at ``until`` was last changed after ``since``, and that event."""
        entities = np.arange(n_entities, dtype=np.int64)
        index = self.latest(entities, until)
        changed = index >= 0
        if since is not None:
            changed &= self.ts[np.clip(index, 0, None)] > since
        return entities[changed], index[changed]


def _sort_events(entity: IntArray, ts: IntArray, *tiebreak: IntArray) -> IntArray:
    """Permutation sorting events by entity, time, then the tie-breakers."""
    return np.lexsort((*reversed(tiebreak), ts, entity))


# --- catalogue --------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """Products, their launch and end of sale, and their price history as events."""

    number: IntArray
    """Product id number: launch order, so later products get higher ids."""
    category: IntArray
    brand: pa.Array
    name: pa.Array
    popularity: FloatArray
    launched: IntArray
    discontinued: IntArray
    """End of sale; HISTORY_END for products still sold."""
    cost_cents: IntArray
    events: EventLog
    event_price_cents: IntArray
    event_active: BoolArray

    @property
    def size(self) -> int:
        return int(self.category.size)

    def price_at(self, product: IntArray, ts: IntArray) -> IntArray:
        return self.event_price_cents[self.events.latest(product, ts)]

    def sold_at(self, product: IntArray, ts: IntArray) -> BoolArray:
        return (self.launched[product] <= ts) & (ts < self.discontinued[product])


def _shelf_price(cents: npt.NDArray[np.number[Any]]) -> IntArray:
    """Shelf prices end in .99."""
    dollars = np.maximum(np.rint(cents / 100.0), 1).astype(np.int64)
    return np.asarray(dollars * 100 - 1, dtype=np.int64)


def _allocate_categories(rng: np.random.Generator, n: int) -> IntArray:
    shares = np.asarray([c[1] for c in CATEGORIES])
    first = np.arange(min(n, len(CATEGORIES)))  # every category stocked, even at small scale
    rest = choose_weighted(rng, shares, n - first.size)
    return np.concatenate((first, rest)).astype(np.int64)


def _pick_in_groups(
    rng: np.random.Generator, vocabulary: tuple[tuple[str, ...], ...], group: IntArray
) -> pa.Array:
    """One random word per row from the vocabulary of that row's group."""
    flat = pa.array([word for words in vocabulary for word in words])
    counts = np.asarray([len(words) for words in vocabulary])
    offsets = find_run_starts(counts)
    return flat.take(
        pa.array(offsets[group] + rng.integers(0, 1 << 30, group.size) % counts[group])
    )


def build_catalogue(rng: np.random.Generator, n: int) -> Catalogue:
    """Products with a launch date, maybe an end of sale, and a drifting price."""
    category = _allocate_categories(rng, n)
    always_sold = np.zeros(n, dtype=bool)
    always_sold[np.unique(category, return_index=True)[1]] = True  # a fallback per category
    launched_later = (rng.random(n) < LAUNCHED_LATER_SHARE) & ~always_sold
    launched = np.where(
        launched_later,
        rng.integers(HISTORY_START, HISTORY_END - 28 * DAY, n),
        HISTORY_START - rng.integers(30 * DAY, 700 * DAY, n),
    ).astype(np.int64)
    on_sale = np.maximum(launched, HISTORY_START)
    end_of_sale = on_sale + (180 + rng.exponential(500.0, n)).astype(np.int64) * DAY
    discontinued = np.where(
        (rng.random(n) < DISCONTINUED_SHARE) & ~always_sold & (end_of_sale < HISTORY_END),
        end_of_sale,
        HISTORY_END,
    ).astype(np.int64)

    low, high = (np.asarray([c[2][i] for c in CATEGORIES])[category] for i in (0, 1))
    list_price = _shelf_price(np.exp(rng.uniform(np.log(low), np.log(high))) * 100)
    cost_cents = np.rint(list_price * rng.uniform(0.35, 0.7, n)).astype(np.int64)

    # Price history: the launch price, then changes by a few percent (mostly up).
    n_changes = rng.poisson(PRICE_CHANGES_PER_YEAR * (discontinued - on_sale) / (365 * DAY))
    changed = np.repeat(np.arange(n, dtype=np.int64), n_changes)
    product = np.concatenate((np.arange(n, dtype=np.int64), changed))
    ts = np.concatenate((launched, rng.integers(on_sale[changed], discontinued[changed])))
    factor = np.concatenate(
        (np.ones(n), np.clip(rng.lognormal(0.015, 0.09, changed.size), 0.7, 1.35))
    )
    order = _sort_events(product, ts)
    product, ts, factor = product[order], ts[order], factor[order]
    price = np.maximum(
        _shelf_price(list_price[product] * np.exp(cumsum_within(np.log(factor), product))),
        _shelf_price(cost_cents[product] * 1.1),
    )

    # End of sale: one more event keeping the last price, is_active false.
    stopped = np.flatnonzero(discontinued < HISTORY_END)
    last_event = np.r_[np.flatnonzero(product[1:] != product[:-1]), product.size - 1]
    product = np.concatenate((product, stopped))
    ts = np.concatenate((ts, discontinued[stopped]))
    price = np.concatenate((price, price[last_event][stopped]))
    active = np.concatenate((np.ones(order.size, dtype=bool), np.zeros(stopped.size, bool)))
    order = _sort_events(product, ts)

    brand = _pick_in_groups(rng, BRANDS, category)
    base = _pick_in_groups(rng, PRODUCT_BASE_NAMES, category)
    variant = take_words(VARIANTS, rng.integers(0, len(VARIANTS), n))
    number = np.empty(n, dtype=np.int64)
    number[np.argsort(launched, kind="stable")] = np.arange(1, n + 1)
    return Catalogue(
        number=number,
        category=category,
        brand=brand,
        name=join_text(brand, " ", base, variant),
        popularity=rng.permutation((np.arange(n) + 1.0) ** -0.9),
        launched=launched,
        discontinued=discontinued,
        cost_cents=cost_cents,
        events=EventLog(product[order], ts[order]),
        event_price_cents=price[order],
        event_active=active[order],
    )


def pick_products(
    rng: np.random.Generator, catalogue: Catalogue, favourite: IntArray, ts: IntArray
) -> IntArray:
    """A product on sale at ``ts`` per line: popular ones, often in the favourite category."""
    shares = np.asarray([c[1] for c in CATEGORIES])
    by_category = np.argsort(catalogue.category, kind="stable")
    cumulative = np.cumsum(catalogue.popularity[by_category])
    ends = np.searchsorted(catalogue.category[by_category], np.arange(len(CATEGORIES)), "right")
    starts = np.r_[0, ends[:-1]]
    low = np.where(starts > 0, cumulative[np.clip(starts - 1, 0, None)], 0.0)
    high = cumulative[np.clip(ends - 1, 0, None)]

    chosen = np.full(ts.size, -1, dtype=np.int64)
    todo = np.arange(ts.size)
    for _ in range(30):
        category = np.where(
            rng.random(todo.size) < FAVOURITE_CATEGORY_SHARE,
            favourite[todo],
            choose_weighted(rng, shares, todo.size),
        )
        u = low[category] + rng.random(todo.size) * (high[category] - low[category])
        slot = np.clip(
            np.searchsorted(cumulative, u, "right"), starts[category], ends[category] - 1
        )
        product = by_category[slot]
        ok = catalogue.sold_at(product, ts[todo])
        chosen[todo[ok]] = product[ok]
        todo = todo[~ok]
        if todo.size == 0:
            break
    # Products stocked since the start and never discontinued: one per category.
    fallback = by_category[starts]
    chosen[todo] = fallback[favourite[todo]]
    return chosen


# --- customers --------------------------------------------------------------------------


def _ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


@dataclass(frozen=True)
class People:
    """Customers' fixed attributes and purchase behaviour."""

    signup: IntArray
    first_name: pa.Array
    last_name: pa.Array
    phone: pa.Array
    usual_channel: IntArray
    favourite_category: IntArray
    active_until: IntArray
    """When the customer stops buying (churn), or HISTORY_END."""
    purchase_rate: FloatArray

    @property
    def size(self) -> int:
        return int(self.signup.size)


@dataclass(frozen=True)
class Addresses:
    """Every address ever recorded: the signup ones first, then the ones moved to."""

    customer: IntArray
    since: IntArray
    city: IntArray
    street: pa.Array

    def at(self, customer: IntArray, ts: IntArray) -> IntArray:
        """Index of the address each customer lived at, at ``ts``."""
        sort = _sort_events(self.customer, self.since)
        return sort[EventLog(self.customer[sort], self.since[sort]).latest(customer, ts)]


@dataclass(frozen=True)
class Emails:
    """Every email address ever recorded: the signup ones first, then the changed ones."""

    customer: IntArray
    since: IntArray
    text: pa.Array


LOCALE_NAMES = tuple(LOCALES)
CITY_LOCALE = np.asarray([LOCALE_NAMES.index(c[3]) for c in CITIES])
CITY_NAME = tuple(c[0] for c in CITIES)
CITY_COUNTRY = tuple(c[2] for c in CITIES)


def _draw_people(rng: np.random.Generator, n: int, curve: DemandCurve) -> tuple[People, IntArray]:
    city_share = np.asarray([c[4] for c in CITIES])
    city = choose_weighted(rng, city_share, n)
    locale = CITY_LOCALE[city]
    signup = np.sort(curve.sample(rng, np.full(n, HISTORY_START), np.full(n, HISTORY_END - DAY)))
    calling = pa.array([CALLING_CODES[c] for c in CITY_COUNTRY]).take(pa.array(city))
    digits = [format_integers(rng.integers(10**k // 10, 10**k, n)) for k in (3, 3, 4)]
    lifetime_days = 30 + rng.exponential(900.0, n)
    people = People(
        signup=signup,
        first_name=_pick_in_groups(rng, tuple(v[0] for v in LOCALES.values()), locale),
        last_name=_pick_in_groups(rng, tuple(v[1] for v in LOCALES.values()), locale),
        phone=join_text("+", calling, " ", digits[0], " ", digits[1], " ", digits[2]),
        usual_channel=choose_weighted(rng, CHANNEL_SHARES, n),
        favourite_category=_allocate_categories(rng, n)[rng.permutation(n)],
        active_until=np.minimum(signup + (lifetime_days * DAY).astype(np.int64), HISTORY_END),
        purchase_rate=rng.gamma(0.8, 1.0, n),
    )
    return people, city


def _streets(rng: np.random.Generator, city: IntArray) -> pa.Array:
    locale = CITY_LOCALE[city]
    street = _pick_in_groups(rng, tuple(v[2] for v in LOCALES.values()), locale)
    number = np.exp(rng.uniform(0.0, np.log(2500), city.size)).astype(np.int64)
    number_first = pa.array(np.asarray([v[3] for v in LOCALES.values()])[locale])
    text = format_integers(number)
    return pc.if_else(number_first, join_text(text, " ", street), join_text(street, " ", text))


def _occurrences(rng: np.random.Generator, people: People, per_year: float) -> IntArray:
    """Customers repeated once per occurrence of a yearly-rate event after their signup."""
    years = (HISTORY_END - people.signup) / (365 * DAY)
    return np.repeat(np.arange(people.size, dtype=np.int64), rng.poisson(per_year * years))


def _addresses(rng: np.random.Generator, people: People, first_city: IntArray) -> Addresses:
    """Signup addresses, then moves: mostly within the city, else to another city of the
    same country (customers stay in their country)."""
    movers = _occurrences(rng, people, MOVES_PER_YEAR)
    country = np.asarray(CITY_COUNTRY)
    by_country = np.argsort(country, kind="stable")
    home = country[first_city[movers]]
    low = np.searchsorted(country[by_country], home, "left")
    count = np.searchsorted(country[by_country], home, "right") - low
    other_city = by_country[low + rng.integers(0, 1 << 30, movers.size) % count]
    new_city = np.where(rng.random(movers.size) < 0.7, first_city[movers], other_city)
    city = np.concatenate((first_city, new_city))
    return Addresses(
        customer=np.concatenate((np.arange(people.size, dtype=np.int64), movers)),
        since=np.concatenate((people.signup, rng.integers(people.signup[movers] + 1, HISTORY_END))),
        city=city,
        street=_streets(rng, city),
    )


def _emails(rng: np.random.Generator, people: People) -> Emails:
    """Signup emails, then changes to a new address (another provider or spelling)."""
    changers = _occurrences(rng, people, EMAIL_CHANGES_PER_YEAR)
    who = np.concatenate((np.arange(people.size, dtype=np.int64), changers))
    slugs = [
        pa.array([_ascii_slug(s) for s in names.to_pylist()]).take(pa.array(who))
        for names in (people.first_name, people.last_name)
    ]
    first, last = slugs
    number = format_integers(rng.integers(1, 100, who.size))
    domain = take_words(EMAIL_DOMAINS, rng.integers(0, len(EMAIL_DOMAINS), who.size))
    local = pc.choose(
        pa.array(rng.integers(0, 3, who.size)),
        join_text(first, ".", last),
        join_text(first, ".", last, number),
        join_text(pc.utf8_slice_codeunits(first, 0, 1), last, number),
    )
    return Emails(
        customer=who,
        since=np.concatenate(
            (people.signup, rng.integers(people.signup[changers] + 1, HISTORY_END))
        ),
        text=join_text(local, "@", domain),
    )


# --- orders -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Orders:
    """Orders sorted by placement time (order_id = position + 1) and their lines."""

    customer: IntArray
    placed: IntArray
    channel: IntArray
    address: IntArray
    total_cents: IntArray
    line_order: IntArray
    line_number: IntArray
    line_product: IntArray
    line_quantity: IntArray
    line_unit_cents: IntArray
    line_discount_cents: IntArray
    status: EventLog
    status_code: IntArray

    @property
    def size(self) -> int:
        return int(self.placed.size)


def _place_orders(
    rng: np.random.Generator, people: People, n_orders: int, curve: DemandCurve
) -> tuple[IntArray, IntArray]:
    """Customer and time of each order: heavy buyers order often until they churn; the first
    order follows the signup closely; the rest follow the season."""
    weight = people.purchase_rate * np.maximum(people.active_until - people.signup, 0)
    counts = rng.multinomial(n_orders, weight / weight.sum())
    customer = np.repeat(np.arange(people.size, dtype=np.int64), counts)
    low, high = people.signup[customer] + 60, people.active_until[customer]
    first = rank_within(customer) == 0
    soon_after_signup = low + rng.exponential(2.0 * HOUR, customer.size).astype(np.int64)
    placed = np.where(first, np.minimum(soon_after_signup, high - 1), curve.sample(rng, low, high))
    order = np.lexsort((customer, placed))
    return customer[order], placed[order]


def _campaign_discount(ts: IntArray) -> FloatArray:
    """Discount rate of the sales campaign running at ``ts`` (0 outside campaigns)."""
    days = _days(ts)
    month = month_of_year(days)
    day_of_month = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    rate = np.zeros(ts.size)
    rate[(month == 0) & (day_of_month >= 2) & (day_of_month <= 15)] = 0.20  # winter sale
    rate[(month == 6) & (day_of_month >= 10) & (day_of_month <= 16)] = 0.15  # summer sale
    rate[(month == 11) & (day_of_month <= 20)] = 0.10  # Christmas
    rate[flag_black_friday_weekend(days)] = 0.25
    return rate


def _order_lines(
    rng: np.random.Generator,
    catalogue: Catalogue,
    people: People,
    customer: IntArray,
    placed: IntArray,
) -> tuple[IntArray, IntArray, IntArray]:
    """Order, product and quantity of each line; a product appears once per order."""
    n_lines = 1 + np.minimum(rng.poisson(0.9, placed.size), 7)
    line_order = np.repeat(np.arange(placed.size, dtype=np.int64), n_lines)
    product = pick_products(
        rng, catalogue, people.favourite_category[customer[line_order]], placed[line_order]
    )
    first = mark_first_pairs(line_order, product)
    line_order, product = line_order[first], product[first]
    extra = np.asarray([c[4] for c in CATEGORIES])[catalogue.category[product]]
    quantity = 1 + np.minimum(rng.poisson(extra), 9)
    return line_order, product, quantity


def _line_discounts(
    rng: np.random.Generator,
    placed: IntArray,
    line_order: IntArray,
    gross: IntArray,
    first_order: BoolArray,
) -> IntArray:
    """Campaign discounts on part of the lines; a welcome discount on a first order."""
    campaign = _campaign_discount(placed[line_order])
    in_campaign = rng.random(line_order.size) < np.where(campaign >= 0.25, 0.7, 0.35)
    rate = np.where(in_campaign, campaign, 0.0)
    rate = np.where(first_order[line_order], np.maximum(rate, WELCOME_DISCOUNT), rate)
    return np.rint(gross * rate).astype(np.int64)


def _status_timeline(
    rng: np.random.Generator,
    placed: IntArray,
    international: IntArray,
    return_rate: FloatArray,
) -> tuple[EventLog, IntArray]:
    """Each order's status events up to HISTORY_END: paid minutes after placing, shipped after
    handling (slower in the peak season), delivered after transit (slower abroad, a late
    tail), some cancelled before payment or shipping, some returned after delivery."""
    n = placed.size
    days = _days(placed)
    month = month_of_year(days)
    day_of_month = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    peak = ((month == 10) & (day_of_month >= 20)) | ((month == 11) & (day_of_month <= 24))
    paid = placed + 60 + rng.exponential(20.0 * 60, n).astype(np.int64)
    handling = (0.3 + rng.gamma(2.0, 0.5, n)) * np.where(peak, 1.6, 1.0)
    shipped = paid + (handling * DAY).astype(np.int64)
    transit = np.choose(international, (1.0, 3.0, 5.0)) + rng.gamma(2.0, 1.0, n)
    transit = transit * np.where(peak, 1.3, 1.0) + np.where(
        rng.random(n) < 0.05, rng.exponential(4.0, n), 0.0
    )
    delivered = shipped + (transit * DAY).astype(np.int64)
    returned = delivered + rng.integers(2 * DAY, 30 * DAY, n)

    never = np.iinfo(np.int64).max
    fate = rng.random(n)
    cancel_unpaid = fate < CANCELLED_BEFORE_PAYMENT
    cancel_paid = ~cancel_unpaid & (fate < CANCELLED_BEFORE_PAYMENT + CANCELLED_BEFORE_SHIPPING)
    cancelled = np.where(
        cancel_unpaid,
        placed + 300 + rng.exponential(3.0 * HOUR, n).astype(np.int64),
        paid + (rng.random(n) * (shipped - paid)).astype(np.int64),
    )
    cancelled = np.where(cancel_unpaid | cancel_paid, cancelled, never)
    paid = np.where(cancel_unpaid, never, paid)
    shipped = np.where(cancel_unpaid | cancel_paid, never, shipped)
    delivered = np.where(cancel_unpaid | cancel_paid, never, delivered)
    returned = np.where((delivered < never) & (rng.random(n) < return_rate), returned, never)

    times = np.stack((placed, paid, shipped, delivered, cancelled, returned), axis=1)
    order, status = np.nonzero(times < HISTORY_END)
    ts = times[order, status]
    sort = _sort_events(order.astype(np.int64), ts)
    return EventLog(order[sort].astype(np.int64), ts[sort]), status[sort].astype(np.int64)


def build_orders(
    rng: np.random.Generator,
    people: People,
    addresses: Addresses,
    catalogue: Catalogue,
    n_orders: int,
    curve: DemandCurve,
) -> Orders:
    customer, placed = _place_orders(rng, people, n_orders, curve)
    line_order, product, quantity = _order_lines(rng, catalogue, people, customer, placed)
    unit = catalogue.price_at(product, placed[line_order])
    first_order = np.zeros(placed.size, dtype=bool)
    first_order[np.unique(customer, return_index=True)[1]] = True
    discount = _line_discounts(rng, placed, line_order, quantity * unit, first_order)
    net = quantity * unit - discount
    total = np.bincount(line_order, weights=net, minlength=placed.size)

    address = addresses.at(customer, placed)
    country = np.asarray(CITY_COUNTRY)[addresses.city[address]]
    international = np.where(country == "US", 0, np.where(np.isin(country, NEARBY_COUNTRIES), 1, 2))
    line_keep = np.log1p(-np.asarray([c[3] for c in CATEGORIES])[catalogue.category[product]])
    return_rate = -np.expm1(np.bincount(line_order, weights=line_keep, minlength=placed.size))
    status, status_code = _status_timeline(rng, placed, international, return_rate)
    channel = np.where(
        rng.random(placed.size) < USUAL_CHANNEL_SHARE,
        people.usual_channel[customer],
        choose_weighted(rng, CHANNEL_SHARES, placed.size),
    )
    return Orders(
        customer=customer,
        placed=placed,
        channel=channel,
        address=address,
        total_cents=np.rint(total).astype(np.int64),
        line_order=line_order,
        line_number=rank_within(line_order) + 1,
        line_product=product,
        line_quantity=quantity,
        line_unit_cents=unit,
        line_discount_cents=discount,
        status=status,
        status_code=status_code,
    )


def _segment_changes(people: People, orders: Orders) -> tuple[IntArray, IntArray, IntArray]:
    """When each customer's segment changes: up a tier on the 2nd, 5th and 12th order, to
    "lapsed" after LAPSE_AFTER without an order, back to a tier on the next order."""
    customer = np.concatenate((np.arange(people.size, dtype=np.int64), orders.customer))
    ts = np.concatenate((people.signup, orders.placed))
    sort = _sort_events(
        customer, ts, np.r_[np.zeros(people.size, np.int64), np.ones(orders.size, np.int64)]
    )
    customer, ts = customer[sort], ts[sort]
    orders_so_far = rank_within(customer)  # the signup counts as activity zero
    tier = np.searchsorted(SEGMENT_ORDER_THRESHOLDS, orders_so_far, side="right")
    last_of_customer = np.r_[customer[1:] != customer[:-1], True]
    next_activity = np.where(last_of_customer, HISTORY_END, np.r_[ts[1:], HISTORY_END])
    lapses = ts + LAPSE_AFTER < next_activity

    customer = np.concatenate((customer, customer[lapses]))
    segment = np.concatenate((tier, np.full(int(lapses.sum()), LAPSED)))
    ts = np.concatenate((ts, ts[lapses] + LAPSE_AFTER))
    sort = _sort_events(customer, ts)
    customer, ts, segment = customer[sort], ts[sort], segment[sort]
    first = np.r_[True, customer[1:] != customer[:-1]]
    changes = ~first & (segment != np.r_[-1, segment[:-1]])
    return customer[changes], ts[changes], segment[changes]


# --- the shop ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerHistory:
    """Every version of every customer as events; -1-free state columns after each event."""

    events: EventLog
    email: IntArray
    address: IntArray
    segment: IntArray


@dataclass(frozen=True)
class Shop:
    people: People
    addresses: Addresses
    emails: Emails
    history: CustomerHistory
    catalogue: Catalogue
    orders: Orders


def simulate_shop(scale: Scale, seed: int) -> Shop:
    """The shop's full history from HISTORY_START to HISTORY_END."""
    size = SIZES[scale]
    curve = _demand_curve(HISTORY_START, HISTORY_END)
    catalogue = build_catalogue(np.random.default_rng([seed, 1]), size.products)
    rng = np.random.default_rng([seed, 2])
    people, first_city = _draw_people(rng, size.customers, curve)
    addresses = _addresses(rng, people, first_city)
    emails = _emails(rng, people)
    orders = build_orders(
        np.random.default_rng([seed, 3]), people, addresses, catalogue, size.orders, curve
    )
    history = _customer_history(people, addresses, emails, _segment_changes(people, orders))
    return Shop(people, addresses, emails, history, catalogue, orders)


def _customer_history(
    people: People,
    addresses: Addresses,
    emails: Emails,
    segment_changes: tuple[IntArray, IntArray, IntArray],
) -> CustomerHistory:
    """One event per signup, email change, move and segment change, with the customer's
    full state after it (the signup event sets every attribute)."""
    n = people.size
    segment_customer, segment_ts, segment = segment_changes
    n_emails, n_addresses, n_segments = emails.since.size, addresses.since.size, segment.size
    customer = np.concatenate((emails.customer, addresses.customer[n:], segment_customer))
    ts = np.concatenate((emails.since, addresses.since[n:], segment_ts))
    missing = np.full(customer.size, -1, dtype=np.int64)
    email, address, segment_state = missing.copy(), missing.copy(), missing.copy()
    email[:n_emails] = np.arange(n_emails)
    address[:n] = np.arange(n)
    address[n_emails : n_emails + n_addresses - n] = np.arange(n, n_addresses)
    segment_state[:n] = SEGMENTS.index("new")
    segment_state[customer.size - n_segments :] = segment
    # Ties: the signup (the first n rows) comes before anything else at the same second.
    sort = _sort_events(customer, ts, (np.arange(customer.size) >= n).astype(np.int64))
    return CustomerHistory(
        events=EventLog(customer[sort], ts[sort]),
        email=forward_fill(email[sort]),
        address=forward_fill(address[sort]),
        segment=forward_fill(segment_state[sort]),
    )


# --- batches ----------------------------------------------------------------------------


def _ids(prefix: str | pa.Array, numbers: IntArray, width: int) -> pa.Array:
    return join_text(prefix, format_zero_padded(numbers, width))


def customers_table(shop: Shop, since: int | None, until: int) -> pa.Table:
    """Customers new or changed in (since, until], as their state at ``until``."""
    who, event = shop.history.events.delta(shop.people.size, since, until)
    address = shop.history.address[event]
    city = shop.addresses.city[address]
    return pa.table(
        {
            "customer_id": _ids("CUST-", who + 1, 6),
            "first_name": shop.people.first_name.take(pa.array(who)),
            "last_name": shop.people.last_name.take(pa.array(who)),
            "email": shop.emails.text.take(pa.array(shop.history.email[event])),
            "phone": shop.people.phone.take(pa.array(who)),
            "address": shop.addresses.street.take(pa.array(address)),
            "city": take_words(CITY_NAME, city),
            "state": take_words(tuple(c[1] for c in CITIES), city),
            "country": take_words(CITY_COUNTRY, city),
            "region": take_words(tuple(REGIONS[c] for c in CITY_COUNTRY), city),
            "segment": take_words(SEGMENTS, shop.history.segment[event]),
            "signup_date": format_epoch_seconds(shop.people.signup[who], DATE_FORMAT),
            "updated_at": format_epoch_seconds(shop.history.events.ts[event]),
        }
    )


def products_table(shop: Shop, since: int | None, until: int) -> pa.Table:
    """Products launched or changed in (since, until], as their state at ``until``."""
    catalogue = shop.catalogue
    product, event = catalogue.events.delta(catalogue.size, since, until)
    by_id = np.argsort(catalogue.number[product])
    product, event = product[by_id], event[by_id]
    return pa.table(
        {
            "product_id": _ids("PROD-", catalogue.number[product], 6),
            "sku": _ids(
                join_text(take_words(CATEGORY_CODES, catalogue.category[product]), "-"),
                catalogue.number[product],
                5,
            ),
            "product_name": catalogue.name.take(pa.array(product)),
            "category": take_words(tuple(c[0] for c in CATEGORIES), catalogue.category[product]),
            "brand": catalogue.brand.take(pa.array(product)),
            "price": format_cents(catalogue.event_price_cents[event]),
            "cost": format_cents(catalogue.cost_cents[product]),
            "is_active": pa.array(catalogue.event_active[event]),
            "updated_at": format_epoch_seconds(catalogue.events.ts[event]),
        }
    )


def orders_table(shop: Shop, since: int | None, until: int) -> pa.Table:
    """Orders placed or moved to another status in (since, until], with the status at ``until``."""
    orders = shop.orders
    order, event = orders.status.delta(orders.size, since, until)
    customer = orders.customer[order]
    city = shop.addresses.city[orders.address[order]]
    return pa.table(
        {
            "order_id": _ids("ORD-", order + 1, 7),
            "customer_id": _ids("CUST-", customer + 1, 6),
            "order_ts": format_epoch_seconds(orders.placed[order]),
            "status": take_words(STATUSES, orders.status_code[event]),
            "channel": take_words(CHANNELS, orders.channel[order]),
            "shipping_city": take_words(CITY_NAME, city),
            "shipping_country": take_words(CITY_COUNTRY, city),
            "total_amount": format_cents(orders.total_cents[order]),
            "currency": pa.array([CURRENCY] * order.size, pa.string()),
            "updated_at": format_epoch_seconds(orders.status.ts[event]),
        }
    )


def order_items_table(shop: Shop, since: int | None, until: int) -> pa.Table:
    """Lines of the orders placed in (since, until]."""
    orders = shop.orders
    placed = orders.placed[orders.line_order]
    line = np.flatnonzero((placed <= until) & (placed > (since if since is not None else -1)))
    return pa.table(
        {
            "order_id": _ids("ORD-", orders.line_order[line] + 1, 7),
            "line_number": pa.array(orders.line_number[line]),
            "product_id": _ids("PROD-", shop.catalogue.number[orders.line_product[line]], 6),
            "quantity": pa.array(orders.line_quantity[line]),
            "unit_price": format_cents(orders.line_unit_cents[line]),
            "discount": format_cents(orders.line_discount_cents[line]),
            "updated_at": format_epoch_seconds(placed[line]),
        }
    )


TABLE_WRITERS = {
    "customers": customers_table,
    "products": products_table,
    "orders": orders_table,
    "order_items": order_items_table,
}


def batch_cutoffs(batches: int) -> list[int]:
    """End of each batch (inclusive): the last one is HISTORY_END, BATCH_DAYS apart."""
    return [HISTORY_END - (batches - k) * BATCH_DAYS * DAY for k in range(batches + 1)]


def generate(landing_dir: Path, *, scale: Scale, seed: int, batches: int = 2) -> list[Path]:
    """Writes ``batch_0000`` (snapshot) and ``batches`` weekly delta folders; returns the files."""
    if batches < 0:
        raise ConfigError(f"batches={batches} is negative; pass 0 or more delta batches.")
    shop = simulate_shop(scale, seed)
    paths: list[Path] = []
    since: int | None = None
    for k, until in enumerate(batch_cutoffs(batches)):
        folder = landing_dir / f"batch_{k:04d}"
        for name, build in TABLE_WRITERS.items():
            paths.append(write_csv(build(shop, since, until), folder / f"{name}.csv"))
        since = until
    return paths
