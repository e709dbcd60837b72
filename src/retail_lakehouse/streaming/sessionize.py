"""Incremental sessionization: after each micro-batch, ``silver.web_session`` and
``gold.hourly_traffic`` are brought up to date by recomputing only what the batch touched.

The SQL is the models' own (``models/web_session.sql``, ``models/hourly_traffic.sql``),
run over a slice of their input, so the incremental tables equal a full run of the models.

Which slice (for each client session id ``s`` with new events, first new event at ``t``):

* *touched* sessions of ``s`` are the existing ones that end at or after ``t - 30 min``:
  a new event can extend, merge or precede them; sessions that ended earlier cannot change
  (the gap to every new event is over 30 minutes);
* ``cutoff(s) = min(t, start of the first touched session)``: no session of ``s`` straddles
  it, so re-sessionizing the bronze events of ``s`` at or after the cutoff gives exactly
  the sessions that replace the touched ones (late events included);
* silver: the touched sessions are replaced by the recomputed ones in one commit;
* gold: the hours in which a touched or a recomputed session starts are recomputed from
  silver and replace those hours in one commit.

Watermark: an event more than ``watermark`` (default 2 h) older than the newest event seen
is *too late* for this path, because finding its session may mean reading far back in
bronze. It stays in bronze (nothing is lost), is counted in ``ops.row_ledger``
(``silver.web_session``, rule ``late_beyond_watermark``) and joins its session at the next
full run of the ``web_session`` model.

Both tables record the bronze version they reflect as a Delta app transaction, so a
consumer that crashed between writes catches up on restart (:meth:`Sessionizer.catch_up`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib.resources import files

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from retail_lakehouse import ops
from retail_lakehouse.storage import Lakehouse, TableRef
from retail_lakehouse.storage.delta import delta_compatible, sql_string

BRONZE = TableRef("bronze", "clickstream_events")
WEB_SESSION = TableRef("silver", "web_session")
HOURLY_TRAFFIC = TableRef("gold", "hourly_traffic")
INACTIVITY = dt.timedelta(minutes=30)
DEFAULT_WATERMARK = dt.timedelta(hours=2)
APP_ID = "sessionizer/bronze.clickstream_events"
"""App transaction id in silver.web_session and gold.hourly_traffic: the bronze version."""
SESSION_INPUT_COLUMNS = [
    "event_id",
    "event_type",
    "event_ts",
    "session_id",
    "visitor_id",
    "customer_key",
    "revenue_eur",
    "device",
    "referrer",
    "utm_campaign",
    "country",
]


def model_sql(name: str) -> str:
    """The SQL of one of the streaming models (``web_session`` or ``hourly_traffic``)."""
    return (files("retail_lakehouse.streaming") / "models" / f"{name}.sql").read_text("utf-8")


@dataclass
class SessionizeResult:
    events: int = 0
    late_events: int = 0
    sessions_written: int = 0
    sessions_replaced: int = 0
    hours_written: int = 0


class Sessionizer:
    """Keeps silver.web_session and gold.hourly_traffic current with bronze, batch by batch.

    ``con`` is an in-process DuckDB connection owned by the caller (the consumer); the
    models' inputs are bound in it as views over Arrow slices.
    """

    def __init__(
        self,
        lakehouse: Lakehouse,
        con: duckdb.DuckDBPyConnection,
        *,
        watermark: dt.timedelta = DEFAULT_WATERMARK,
        run_id: str | None = None,
    ) -> None:
        self.lakehouse = lakehouse
        self.con = con
        self.watermark = watermark
        self.run_id = run_id or ops.new_run_id()
        self.high_water: dt.datetime | None = None
        self.session_sql = model_sql("web_session")
        self.hourly_sql = model_sql("hourly_traffic")
        con.execute("set TimeZone = 'UTC'")
        con.execute("create schema if not exists bronze")
        con.execute("create schema if not exists silver")

    # -- entry points ------------------------------------------------------------------

    def catch_up(self) -> SessionizeResult:
        """Brings both tables to bronze's current version (after a crash, or on first use)."""
        bronze_version = self.lakehouse.version(BRONZE)
        if bronze_version is None:
            return SessionizeResult()
        done = self.lakehouse.transaction_version(WEB_SESSION, APP_ID)
        result = SessionizeResult()
        if done != bronze_version:
            pending = self.lakehouse.dataset_since(BRONZE, done)
            events = pending.to_table(columns=SESSION_INPUT_COLUMNS)
            result = self.apply(events, bronze_version, enforce_watermark=False)
        if self.lakehouse.transaction_version(HOURLY_TRAFFIC, APP_ID) != bronze_version:
            result.hours_written = self.rebuild_hourly(bronze_version)
        return result

    def apply(
        self,
        events: pa.Table,
        bronze_version: int,
        *,
        enforce_watermark: bool = True,
        batch_id: str | None = None,
    ) -> SessionizeResult:
        """Re-sessionizes the sessions that ``events`` (already in bronze) touch."""
        result = SessionizeResult(events=events.num_rows)
        if events.num_rows == 0:
            return result
        events = events.select(SESSION_INPUT_COLUMNS)
        newest = pc.max(events.column("event_ts")).as_py()
        if self.high_water is None:
            self.high_water = self._silver_high_water()
        self.high_water = max(self.high_water or newest, newest)
        if enforce_watermark:
            on_time = pc.greater_equal(
                events.column("event_ts"), pa.scalar(self.high_water - self.watermark, _TS)
            )
            result.late_events = events.num_rows - pc.sum(on_time).as_py()
            if result.late_events:
                events = events.filter(on_time)
                self._record_late(result, batch_id or self.run_id, bronze_version)
        if events.num_rows == 0:
            return result
        self._bind("new_events", events)
        self.con.execute(
            "create or replace temp table affected as "
            "select session_id, min(event_ts) as first_new from new_events group by session_id"
        )
        earliest = pc.min(events.column("event_ts")).as_py() - INACTIVITY
        existing = self._existing_sessions(earliest)
        if existing is None:
            sessions = self._run_session_model(events)
            self.con.execute(
                "create or replace temp table touched as select '' as session_key, "
                "cast(null as timestamptz) as session_start where false"
            )
        else:
            self._bind("existing", existing)
            self.con.execute(
                f"""
                create or replace temp table touched as
                select e.*
                from existing as e
                join affected as a on a.session_id = e.session_id
                where e.session_end >= a.first_new - interval {_minutes(INACTIVITY)} minute
                """
            )
            # fresh: no touched session; extend: every new event is after the session id's
            # last event (the usual, in-order case); rebuild: a late event in between.
            self.con.execute(
                """
                create or replace temp table cutoffs as
                select
                    a.session_id,
                    least(a.first_new, coalesce(min(t.session_start), a.first_new)) as cutoff,
                    case
                        when count(t.session_key) = 0 then 'fresh'
                        when a.first_new > max(t.session_end) then 'extend'
                        else 'rebuild'
                    end as mode
                from affected as a
                left join touched as t on t.session_id = a.session_id
                group by a.session_id, a.first_new
                """
            )
            sessions = self._run_session_model(self._events_to_resessionize())
            if self._query("select count(*) as n from cutoffs where mode = 'extend'")[0][0].as_py():
                sessions = self._extend_sessions(sessions)
        result.sessions_written = sessions.num_rows
        touched_keys = self._query("select session_key from touched")
        result.sessions_replaced = touched_keys.num_rows
        self._write_sessions(sessions, touched_keys.column("session_key"), bronze_version)
        self._bind("sessions_new", sessions)
        hours = self._query(
            "select distinct date_trunc('hour', session_start) as hour from ("
            "select session_start from touched union all select session_start from sessions_new"
            ") as starts order by hour"
        )
        result.hours_written = self._write_hours(hours.column("hour"), bronze_version)
        return result

    def rebuild_hourly(self, bronze_version: int) -> int:
        """Recomputes all of gold.hourly_traffic from silver.web_session (crash recovery)."""
        if not self.lakehouse.exists(WEB_SESSION):
            return 0
        self._bind_table("silver.web_session", self.lakehouse.read(WEB_SESSION))
        traffic = self._query(self.hourly_sql)
        self.lakehouse.write(
            HOURLY_TRAFFIC,
            traffic,
            mode="overwrite",
            app_transactions=[(APP_ID, bronze_version)],
        )
        return int(traffic.num_rows)

    # -- steps -------------------------------------------------------------------------

    def _silver_high_water(self) -> dt.datetime | None:
        if not self.lakehouse.exists(WEB_SESSION):
            return None
        value = pc.max(self.lakehouse.read(WEB_SESSION, ["session_end"]).column(0)).as_py()
        return value if isinstance(value, dt.datetime) else None

    def _existing_sessions(self, earliest_end: dt.datetime) -> pa.Table | None:
        """The silver sessions ending at or after ``earliest_end`` (the only ones a batch
        can touch), whole rows; None when silver does not exist yet.

        Filtered on a timestamp only: files written by a Delta merge may hold
        ``string_view`` columns, which a pushed-down string filter cannot compare.
        """
        if not self.lakehouse.exists(WEB_SESSION):
            return None
        return self.lakehouse.read(
            WEB_SESSION, filter=ds.field("session_end") >= pa.scalar(earliest_end, _TS)
        )

    def _events_to_resessionize(self) -> pa.Table:
        """New events of fresh and extended session ids; for rebuilt ones, their bronze
        events at or after the cutoff (the new events are in bronze already)."""
        fresh = self._query(
            "select n.* from new_events as n join cutoffs as c "
            "on c.session_id = n.session_id where c.mode <> 'rebuild'"
        )
        rebuild = self._query("select session_id, cutoff from cutoffs where mode = 'rebuild'")
        if rebuild.num_rows == 0:
            return fresh
        earliest = pc.min(rebuild.column("cutoff")).as_py()
        history = self.lakehouse.read(
            BRONZE,
            SESSION_INPUT_COLUMNS,
            filter=ds.field("event_ts") >= pa.scalar(earliest, _TS),
        )
        self._bind("history", history)
        old = self._query(
            "select h.* from history as h join cutoffs as c on c.session_id = h.session_id "
            "where c.mode = 'rebuild' and h.event_ts >= c.cutoff"
        )
        return pa.concat_tables([fresh, old.cast(fresh.schema)])

    def _extend_sessions(self, computed: pa.Table) -> pa.Table:
        """For extended session ids, folds the first session of the new events into the
        touched session they continue (sums add, flags or, the first event's attributes
        stay): the same row the model gives over all the events, without re-reading them.
        """
        self._bind("computed", computed)
        columns = ", ".join(computed.column_names)
        return self._query(
            f"""
            with ordered as (
                select
                    c.*,
                    m.mode,
                    row_number() over (partition by c.session_id order by c.session_start)
                        as new_rank
                from computed as c
                join cutoffs as m on m.session_id = c.session_id
            ),

            folded as (
                select
                    t.session_key,
                    t.session_id,
                    greatest(t.visitor_id, n.visitor_id) as visitor_id,
                    case
                        when t.customer_key is null then n.customer_key
                        when n.customer_key is null then t.customer_key
                        else greatest(t.customer_key, n.customer_key)
                    end as customer_key,
                    t.session_start,
                    n.session_end,
                    t.events + n.events as events,
                    t.page_views + n.page_views as page_views,
                    t.product_views + n.product_views as product_views,
                    t.add_to_cart + n.add_to_cart as add_to_cart,
                    t.remove_from_cart + n.remove_from_cart as remove_from_cart,
                    t.reached_checkout or n.reached_checkout as reached_checkout,
                    t.has_purchase or n.has_purchase as has_purchase,
                    cast(t.revenue_eur + n.revenue_eur as decimal(18, 2)) as revenue_eur,
                    t.device,
                    t.referrer,
                    t.utm_campaign,
                    t.country,
                    false as is_bounce
                from ordered as n
                join touched as t on t.session_id = n.session_id
                where n.mode = 'extend' and n.new_rank = 1
            )

            select {columns} from ordered where not (mode = 'extend' and new_rank = 1)
            union all
            select {columns} from folded
            """
        )

    def _run_session_model(self, events: pa.Table) -> pa.Table:
        self._bind_table("bronze.clickstream_events", events)
        return self._query(self.session_sql)

    def _write_sessions(
        self, sessions: pa.Table, touched_keys: pa.Array, bronze_version: int
    ) -> None:
        txn = [(APP_ID, bronze_version)]
        if not self.lakehouse.exists(WEB_SESSION):
            self.lakehouse.write(WEB_SESSION, sessions, mode="append", app_transactions=txn)
            return
        self.lakehouse.replace_keys(
            WEB_SESSION,
            sessions,
            key="session_key",
            remove=touched_keys.to_pylist(),
            app_transactions=txn,
        )

    def _write_hours(self, hours: pa.Array, bronze_version: int) -> int:
        if not self.lakehouse.exists(HOURLY_TRAFFIC):
            return self.rebuild_hourly(bronze_version)
        if len(hours) == 0:
            return 0
        low = pc.min(hours).as_py()
        high = pc.max(hours).as_py() + dt.timedelta(hours=1)
        in_range = self.lakehouse.read(
            WEB_SESSION,
            filter=(ds.field("session_start") >= pa.scalar(low, _TS))
            & (ds.field("session_start") < pa.scalar(high, _TS)),
        )
        self._bind("sessions_in_range", in_range)
        self._bind("hours", pa.table({"hour": hours}))
        self.con.execute(
            "create or replace view silver.web_session as select s.* from sessions_in_range as s "
            "where date_trunc('hour', s.session_start) in (select hour from hours)"
        )
        traffic = self._query(self.hourly_sql)
        predicate = (
            "hour IN (" + ", ".join(sql_string(h.isoformat()) for h in hours.to_pylist()) + ")"
        )
        self.lakehouse.write(
            HOURLY_TRAFFIC,
            traffic,
            mode="overwrite",
            predicate=predicate,
            app_transactions=[(APP_ID, bronze_version)],
        )
        return int(traffic.num_rows)

    def _record_late(self, result: SessionizeResult, batch_id: str, bronze_version: int) -> None:
        ops.append(
            self.lakehouse,
            "row_ledger",
            [
                {
                    "run_id": self.run_id,
                    "layer": "silver",
                    "table_name": str(WEB_SESSION),
                    "source": batch_id,
                    "rows_in": result.events,
                    "rows_out": result.events - result.late_events,
                    "rows_quarantined": 0,
                    "rows_dropped": result.late_events,
                    "dropped_by_rule": json.dumps({"late_beyond_watermark": result.late_events}),
                    "table_version": bronze_version,
                    "recorded_at": ops.utc_now(),
                }
            ],
        )

    # -- DuckDB plumbing ---------------------------------------------------------------

    def _bind(self, name: str, table: pa.Table) -> None:
        """Makes ``table`` queryable as the unqualified name ``name``."""
        self.con.register(name, table)

    def _bind_table(self, qualified: str, table: pa.Table) -> None:
        """Makes ``table`` queryable as ``<layer>.<name>``, the name the models read."""
        source = "__" + qualified.replace(".", "__")
        self.con.register(source, table)
        self.con.execute(f"create or replace view {qualified} as select * from {source}")

    def _query(self, sql: str) -> pa.Table:
        table = self.con.sql(sql).to_arrow_table()
        return table.cast(delta_compatible(table.schema))


_TS = pa.timestamp("us", tz="UTC")


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)
