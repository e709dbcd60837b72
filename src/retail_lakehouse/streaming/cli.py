"""``lakehouse broker`` and ``lakehouse stream produce|consume``: parse, call, print.

Mounted by the main CLI (``retail_lakehouse.cli``)::

    app.command("broker")(broker_command)
    app.add_typer(stream_app, name="stream")

Settings are read here, once: ``LAKEHOUSE_HOME`` through :class:`Settings`, the Kafka
address from ``KAFKA_BOOTSTRAP_SERVERS`` (default: the local broker's 127.0.0.1:9092).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from typing import Annotated

import typer
from rich.console import Console

from retail_lakehouse.settings import Settings
from retail_lakehouse.storage import Lakehouse
from retail_lakehouse.streaming.broker import LocalBroker
from retail_lakehouse.streaming.events import DEFAULT_TOPIC
from retail_lakehouse.streaming.pipeline import BatchReport

DEFAULT_PORT = 9092
console = Console(width=None if sys.stdout.isatty() else 120)

stream_app = typer.Typer(
    help=(
        "Clickstream through Kafka: produce session-aware click events, consume them "
        "exactly once into bronze.clickstream_events, silver.web_session and "
        "gold.hourly_traffic. Kafka: $KAFKA_BOOTSTRAP_SERVERS (default 127.0.0.1:9092, "
        "the address of `lakehouse broker`)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help, like the main command's (cli.py)
)


def bootstrap_servers() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or f"127.0.0.1:{DEFAULT_PORT}"


def broker_command(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 to listen on.")] = DEFAULT_PORT,
) -> None:
    """Run a local Kafka-compatible broker (Tansu, in memory) until Ctrl-C.

    For trying the stream without a Kafka cluster: it listens on 127.0.0.1 only and
    forgets every message when stopped.
    """
    broker = LocalBroker(port).start()
    console.print(
        f"Kafka-compatible broker listening on [bold]{broker.bootstrap_servers}[/] "
        "(in memory; Ctrl-C stops it)."
    )
    if port != DEFAULT_PORT:
        console.print(f"export KAFKA_BOOTSTRAP_SERVERS={broker.bootstrap_servers}")
    previous = signal.signal(signal.SIGTERM, lambda *_: broker.stop())
    try:
        broker.wait()
    except KeyboardInterrupt:
        pass
    finally:
        broker.stop()
        signal.signal(signal.SIGTERM, previous)
    console.print("broker stopped.")


@stream_app.command("produce")
def produce_command(
    events: Annotated[
        int | None,
        typer.Option(help="Events to send (default: 10000, or endless with --duration)."),
    ] = None,
    rate: Annotated[
        float | None, typer.Option(help="Events per second (default: as fast as possible).")
    ] = None,
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
    seed: Annotated[
        int | None, typer.Option(help="Same seed and --start, same events (default: random).")
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="Event time of the first session, ISO-8601 (default: now).")
    ] = None,
    topic: Annotated[str, typer.Option(help="Kafka topic (created if missing).")] = DEFAULT_TOPIC,
) -> None:
    """Send session-aware click events (keyed by session id, idempotent producer).

    Customers and products come from silver.dim_customer and silver.dim_product when the
    lakehouse has them, else from a seeded synthetic catalog.
    """
    from retail_lakehouse.streaming.generator import (
        MEAN_EVENTS_PER_SESSION,
        Catalog,
        ClickstreamGenerator,
    )
    from retail_lakehouse.streaming.producer import produce_events

    settings = Settings.from_env()
    chosen_seed = seed if seed is not None else int.from_bytes(os.urandom(4), "big")
    catalog = Catalog.from_lakehouse(Lakehouse(settings.home), seed=chosen_seed)
    first = dt.datetime.fromisoformat(start) if start else None
    generator = ClickstreamGenerator(
        catalog,
        seed=chosen_seed,
        start=first,
        sessions_per_second=(rate / MEAN_EVENTS_PER_SESSION) if rate else 5.0,
    )
    count = events if events is not None else (None if duration is not None else 10_000)
    chunks = generator.take(count) if count is not None else generator.chunks()
    servers = bootstrap_servers()
    report = produce_events(
        servers,
        topic,
        chunks,
        rate=rate,
        duration=duration,
        on_progress=lambda sent: console.print(f"sent {sent:,} events", end="\r"),
    )
    where = "silver" if catalog.from_silver else "a synthetic catalog (silver has none yet)"
    console.print(
        f"sent {report.events:,} events to {topic} on {servers} in {report.seconds:.1f} s "
        f"({report.events_per_second:,.0f}/s); seed {chosen_seed}; customers and products "
        f"from {where}."
    )


@stream_app.command("consume")
def consume_command(
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Stop when no event arrived for --idle-seconds.")
    ] = False,
    max_batches: Annotated[
        int | None, typer.Option(help="Stop after this many micro-batches.")
    ] = None,
    topic: Annotated[str, typer.Option(help="Kafka topic.")] = DEFAULT_TOPIC,
    batch_messages: Annotated[
        int, typer.Option(help="Messages per micro-batch, at most.")
    ] = 50_000,
    batch_ms: Annotated[int, typer.Option(help="Milliseconds per micro-batch, at most.")] = 1_000,
    idle_seconds: Annotated[float, typer.Option(help="Idle time that ends --until-idle.")] = 3.0,
    watermark_minutes: Annotated[
        int, typer.Option(help="Events later than this behind the newest wait for a full run.")
    ] = 120,
) -> None:
    """Consume the topic in micro-batches: bronze exactly once, sessions and hourly traffic
    updated after each batch. Malformed messages go to ops.quarantine with their offset.
    """
    from retail_lakehouse.streaming.consumer import ConsumeOptions, consume

    settings = Settings.from_env()
    options = ConsumeOptions(
        topic=topic,
        batch_messages=batch_messages,
        batch_seconds=batch_ms / 1000,
        until_idle=until_idle,
        idle_seconds=idle_seconds,
        max_batches=max_batches,
        watermark=dt.timedelta(minutes=watermark_minutes),
    )

    def show(batch: BatchReport) -> None:
        late = f", {batch.late_events} late" if batch.late_events else ""
        console.print(
            f"{batch.source}: {batch.rows_out:,} events, {batch.quarantined} quarantined{late}, "
            f"{batch.sessions:,} sessions, {batch.hours} hours in {batch.seconds:.2f} s"
        )

    report = consume(Lakehouse(settings.home), bootstrap_servers(), options, on_batch=show)
    console.print(
        f"{len(report.batches)} batches: {report.rows_out:,} events into "
        f"bronze.clickstream_events, {report.quarantined} quarantined, "
        f"{report.late_events} beyond the watermark."
    )
