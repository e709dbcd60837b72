"""Session-aware synthetic click events, generated column-wise with numpy.

A visitor arrives (Poisson arrivals), browses pages and products, may add to cart, remove,
check out and buy; how deep a session goes follows a funnel (about 40% bounce, 3-5% buy).
Gaps between a session's events are log-normal (median 25 s); about 3% of sessions leave
the tab open for 35-90 minutes and come back, which the 30-minute inactivity rule splits
into two web sessions. Customers and products come from silver when it has them.

>>> chunk = next(ClickstreamGenerator(Catalog.synthetic(seed=1), seed=1).chunks(100))
>>> chunk.num_rows, chunk.column("event_type")[0].as_py()   # doctest: +SKIP
(100, 'page_view')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse.storage import Lakehouse, TableRef
from retail_lakehouse.streaming.events import EVENT_SCHEMA, MONEY, SCHEMA_VERSION

DEVICES = ("desktop", "mobile", "tablet")
DEVICE_WEIGHTS = (0.42, 0.48, 0.10)
REFERRERS = ("direct", "google", "facebook", "instagram", "email", "affiliate")
REFERRER_WEIGHTS = (0.30, 0.35, 0.10, 0.08, 0.12, 0.05)
# Campaigns only for paid and owned channels; organic search and direct carry none.
CAMPAIGNS = {
    "facebook": ("spring_sale", "retargeting"),
    "instagram": ("spring_sale", "influencer"),
    "email": ("newsletter", "cart_reminder"),
    "affiliate": ("partner_deals",),
}
COUNTRIES = ("GB", "DE", "FR", "NL", "ES", "IT", "US", "BR", "IE", "BE")
COUNTRY_WEIGHTS = (0.30, 0.14, 0.12, 0.07, 0.07, 0.06, 0.08, 0.08, 0.04, 0.04)
# Deepest funnel step reached: browse only, product views, cart, checkout, purchase.
FUNNEL_WEIGHTS = (0.40, 0.33, 0.15, 0.08, 0.04)
LOGGED_IN_SHARE = 0.45
LONG_PAUSE_SHARE = 0.03
MEAN_EVENTS_PER_SESSION = 4.8


@dataclass(frozen=True)
class Catalog:
    """Who can visit and what can be bought: keys, countries and list prices."""

    customer_keys: npt.NDArray[np.object_]
    customer_countries: npt.NDArray[np.object_]
    product_keys: npt.NDArray[np.object_]
    product_prices_cents: npt.NDArray[np.int64]
    from_silver: bool = False

    @classmethod
    def synthetic(cls, *, seed: int, customers: int = 2_000, products: int = 200) -> Catalog:
        """A seeded stand-in when silver has no customers or products yet."""
        rng = np.random.default_rng([seed, 7])
        return cls(
            customer_keys=np.array([f"clickstream:C{i:06d}" for i in range(customers)], object),
            customer_countries=rng.choice(
                np.array(COUNTRIES, object), customers, p=COUNTRY_WEIGHTS
            ),
            product_keys=np.array([f"clickstream:P{i:05d}" for i in range(products)], object),
            product_prices_cents=np.round(rng.lognormal(np.log(2500), 0.8, products)).astype(
                np.int64
            )
            + 99,
        )

    @classmethod
    def from_lakehouse(cls, lakehouse: Lakehouse, *, seed: int) -> Catalog:
        """Current customers and products of silver, else the synthetic catalog."""
        fallback = cls.synthetic(seed=seed)
        customers_ref, products_ref = (
            TableRef("silver", "dim_customer"),
            TableRef("silver", "dim_product"),
        )
        if not (lakehouse.exists(customers_ref) and lakehouse.exists(products_ref)):
            return fallback
        customers = lakehouse.read(customers_ref)
        products = lakehouse.read(products_ref)
        if customers.num_rows == 0 or products.num_rows == 0:
            return fallback
        con = duckdb.connect()
        try:
            con.register("customers", customers)
            con.register("products", products)
            current = "where is_current" if "is_current" in customers.column_names else ""
            country = (
                "coalesce(max(country_code), 'ZZ')"
                if "country_code" in customers.column_names
                else "'ZZ'"
            )
            people = con.sql(
                f"select customer_key, {country} as country from customers {current} "
                "group by customer_key order by customer_key"
            ).to_arrow_table()
            price = "max(list_price_eur)" if "list_price_eur" in products.column_names else "null"
            items = con.sql(
                f"select product_key, cast(round({price} * 100) as bigint) as cents "
                "from products group by product_key order by product_key"
            ).to_arrow_table()
        finally:
            con.close()
        cents = items.column("cents").to_numpy(zero_copy_only=False)
        cents = np.where(
            np.isnan(cents.astype(float)) | (cents.astype(float) <= 0),
            fallback.product_prices_cents[
                np.arange(len(cents)) % len(fallback.product_prices_cents)
            ],
            cents,
        ).astype(np.int64)
        return cls(
            customer_keys=np.array(people.column("customer_key").to_pylist(), object),
            customer_countries=np.array(people.column("country").to_pylist(), object),
            product_keys=np.array(items.column("product_key").to_pylist(), object),
            product_prices_cents=cents,
            from_silver=True,
        )


class ClickstreamGenerator:
    """Generates a stream of events in event-time order, as a site would emit them.

    Sessions are simulated in groups; a chunk holds the events that happened before the
    latest simulated arrival, the rest wait for later chunks (a session's later events
    arrive later). The same seed and start give the same events (ids included), so a file
    replay and a Kafka run of the same seed carry identical events.
    """

    def __init__(
        self,
        catalog: Catalog,
        *,
        seed: int,
        start: dt.datetime | None = None,
        sessions_per_second: float = 5.0,
    ) -> None:
        self.catalog = catalog
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.clock_us = int((start or dt.datetime.now(dt.UTC)).timestamp() * 1_000_000)
        self.sessions_per_second = sessions_per_second
        self.sessions = 0
        self.events = 0
        self.pending = EVENT_SCHEMA.empty_table()

    def chunks(self, events_per_chunk: int = 10_000) -> Iterator[pa.Table]:
        """Endless chunks of about ``events_per_chunk`` events (EVENT_SCHEMA)."""
        while True:
            yield self.next_chunk(events_per_chunk)

    def take(self, count: int, events_per_chunk: int = 10_000) -> Iterator[pa.Table]:
        """Exactly ``count`` events, in chunks (the last session may be cut short)."""
        left = count
        for chunk in self.chunks(events_per_chunk):
            if left <= 0:
                return
            yield chunk.slice(0, left)
            left -= min(left, chunk.num_rows)

    def next_chunk(self, events: int) -> pa.Table:
        """The events that happened up to the next simulated arrivals (about ``events``)."""
        simulated = pa.concat_tables([self.pending, self._simulate(events)])
        happened = pc.less_equal(
            simulated.column("event_ts"), pa.scalar(self.clock_us, pa.timestamp("us", tz="UTC"))
        )
        self.pending = simulated.filter(pc.invert(happened))
        chunk = simulated.filter(happened)
        return chunk.take(pc.sort_indices(chunk, [("event_ts", "ascending")]))

    def _simulate(self, events: int) -> pa.Table:
        """All events of the next group of sessions (about ``events``), in no order."""
        rng, cat = self.rng, self.catalog
        n = max(1, int(events / MEAN_EVENTS_PER_SESSION))
        first = self.sessions
        self.sessions += n
        # --- sessions -------------------------------------------------------------------
        gaps = rng.exponential(1_000_000 / self.sessions_per_second, n).astype(np.int64)
        starts = self.clock_us + np.cumsum(gaps)
        self.clock_us = int(starts[-1])
        depth = rng.choice(5, n, p=FUNNEL_WEIGHTS)
        bounce = (depth == 0) & (rng.random(n) < 0.95)
        page_views = np.where(bounce, 1, 1 + rng.geometric(0.45, n))
        product_views = np.where(depth >= 1, rng.geometric(0.35, n), 0)
        adds = np.where(depth >= 2, rng.geometric(0.6, n), 0)
        removes = ((adds >= 2) & (rng.random(n) < 0.3)).astype(np.int64)
        checkouts = (depth >= 3).astype(np.int64)
        purchases = (depth >= 4).astype(np.int64)
        logged_in = rng.random(n) < LOGGED_IN_SHARE
        customer = rng.integers(0, len(cat.customer_keys), n)
        device = rng.choice(len(DEVICES), n, p=DEVICE_WEIGHTS)
        referrer = rng.choice(len(REFERRERS), n, p=REFERRER_WEIGHTS)
        country_any = rng.choice(np.array(COUNTRIES, object), n, p=COUNTRY_WEIGHTS)
        campaign_pick = rng.integers(0, 2, n)
        session_tag = rng.integers(0, 1 << 62, n)
        # --- events: one block per type, then sorted by session and position ----------------
        kinds = (
            ("page_view", page_views, 0.0, 1.0),
            ("product_view", product_views, 0.05, 0.9),
            ("add_to_cart", adds, 0.2, 0.85),
            ("remove_from_cart", removes, 0.86, 0.9),
            ("begin_checkout", checkouts, 0.92, 0.93),
            ("purchase", purchases, 0.95, 0.96),
        )
        sess_parts, type_parts, pos_parts = [], [], []
        for code, (_, counts, low, high) in enumerate(kinds):
            idx = np.repeat(np.arange(n), counts)
            sess_parts.append(idx)
            type_parts.append(np.full(len(idx), code))
            pos_parts.append(rng.uniform(low, high, len(idx)))
        sess = np.concatenate(sess_parts)
        etype = np.concatenate(type_parts)
        pos = np.concatenate(pos_parts)
        # every session opens with a page view
        first_pv = np.zeros(len(sess), bool)
        pv_index = np.flatnonzero(etype == 0)
        _, first_of_session = np.unique(sess[pv_index], return_index=True)
        first_pv[pv_index[first_of_session]] = True
        pos[first_pv] = -1.0
        order = np.lexsort((pos, sess))
        sess, etype = sess[order], etype[order]
        m = len(sess)
        new_session = np.ones(m, bool)
        new_session[1:] = sess[1:] != sess[:-1]
        # --- time: log-normal gaps, sometimes a long pause (a second web session) -------
        step = rng.lognormal(np.log(25e6), 0.9, m).astype(np.int64)
        pause = rng.random(m) < LONG_PAUSE_SHARE / MEAN_EVENTS_PER_SESSION
        step = np.where(pause, rng.integers(35 * 60_000_000, 90 * 60_000_000, m), step)
        step[new_session] = 0
        # cumulative gaps within a session: global cumsum minus its value at session start
        total = np.cumsum(step)
        offset_at_start = np.maximum.accumulate(np.where(new_session, total, 0))
        ts_us = starts[sess] + (total - offset_at_start)
        # --- products, quantities, money -----------------------------------------------
        n_products = len(cat.product_keys)
        product = rng.integers(0, n_products, m)
        has_product = (etype >= 1) & (etype <= 3)
        quantity = np.where((etype == 2) | (etype == 3), rng.geometric(0.7, m), 0)
        # a removal takes back the session's first add_to_cart (same product and quantity)
        is_add = etype == 2
        add_idx = np.flatnonzero(is_add)
        first_add_of = np.full(n, -1)
        rev_sessions = sess[add_idx][::-1]
        first_add_of[rev_sessions] = add_idx[::-1]
        removal = etype == 3
        product[removal] = product[first_add_of[sess[removal]]]
        quantity[removal] = quantity[first_add_of[sess[removal]]]
        price = cat.product_prices_cents[product]
        line = np.where(is_add, price * quantity, 0) - np.where(removal, price * quantity, 0)
        basket = np.bincount(sess, weights=line, minlength=n).astype(np.int64)
        purchase = etype == 5
        revenue_cents = np.where(purchase, basket[sess], 0)
        # --- strings ---------------------------------------------------------------------
        event_ids = [f"{self.seed:x}-{self.events + i:09x}" for i in range(m)]
        self.events += m
        session_ids = np.array([f"s-{t:016x}" for t in session_tag], object)
        visitors = np.where(
            logged_in,
            np.array([f"v-{k}" for k in cat.customer_keys[customer]], object),
            np.array([f"v-{t ^ 0x5A5A5A5A:016x}" for t in session_tag], object),
        )
        countries = np.where(logged_in, cat.customer_countries[customer], country_any)
        referrer_names = np.array(REFERRERS, object)[referrer]
        campaigns = np.array(
            [
                CAMPAIGNS[r][c % len(CAMPAIGNS[r])] if r in CAMPAIGNS else None
                for r, c in zip(referrer_names, campaign_pick, strict=True)
            ],
            object,
        )
        order_ids = np.array([f"web-{first + s:09d}" for s in range(n)], object)
        types = np.array([k[0] for k in kinds], object)
        table = pa.table(
            {
                "event_id": pa.array(event_ids, pa.string()),
                "schema_version": pa.array(np.full(m, SCHEMA_VERSION), pa.int64()),
                "event_type": pa.array(types[etype], pa.string()),
                "event_ts": pa.array(ts_us, pa.timestamp("us", tz="UTC")),
                "session_id": pa.array(session_ids[sess], pa.string()),
                "visitor_id": pa.array(visitors[sess], pa.string()),
                "customer_key": pa.array(
                    cat.customer_keys[customer[sess]], pa.string(), mask=~logged_in[sess]
                ),
                "product_key": pa.array(cat.product_keys[product], pa.string(), mask=~has_product),
                "quantity": pa.array(
                    np.where(quantity > 0, quantity, 0), pa.int64(), mask=~(is_add | removal)
                ),
                "price_eur": _cents(price, ~has_product),
                "revenue_eur": _cents(revenue_cents, ~purchase),
                "order_id": pa.array(order_ids[sess], pa.string(), mask=~purchase),
                "device": pa.array(np.array(DEVICES, object)[device[sess]], pa.string()),
                "referrer": pa.array(referrer_names[sess], pa.string()),
                "utm_campaign": pa.array(campaigns[sess], pa.string()),
                "country": pa.array(countries[sess], pa.string()),
            },
            schema=EVENT_SCHEMA,
        )
        return table


def _cents(cents: npt.NDArray[np.int64], mask: npt.NDArray[np.bool_]) -> pa.Array:
    """Integer cents as DECIMAL(18, 2) euros (exact), null where ``mask``."""
    values = pa.array(cents, pa.int64(), mask=mask).cast(pa.decimal128(19, 0))
    return pc.multiply(values, pa.scalar(Decimal("0.01"), pa.decimal128(3, 2))).cast(MONEY)
