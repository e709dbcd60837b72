"""Settings read once from ``LAKEHOUSE_*`` environment variables (in the CLI) and passed down."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from retail_lakehouse.errors import ConfigError

EngineName = Literal["duckdb", "spark"]
ENGINES: tuple[EngineName, ...] = ("duckdb", "spark")

_UNSUPPORTED_PATH_CHARACTERS = re.compile(r"[\[\]^|\\%\x00-\x1f\x7f]")
"""Characters the Delta library (delta-rs 1.6) cannot use in a table path, measured: ``[ ] ^ |``
panic inside its URL parser, a backslash splits the path, ``%`` and control characters are
refused. Neither a plain path nor a percent-encoded ``file://`` URI gets them through."""


DEFAULT_MEMORY_LIMIT = "512MB"
"""DuckDB's buffer limit unless ``LAKEHOUSE_MEMORY_LIMIT`` says otherwise: with it a run's
peak RSS stays near 1 GB at full scale and 1.5 GB at 10x (``make bench``); bigger
intermediate results spill to ``$LAKEHOUSE_HOME/_tmp/duckdb`` instead of growing with the data."""
_MEMORY_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_MEMORY_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_MEMORY_SIZE = re.compile(rf"^(\d+(?:\.\d+)?)\s*({'|'.join(_MEMORY_UNITS)})$", re.IGNORECASE)


def memory_bytes(text: str) -> int | None:
    """Bytes of a memory size as DuckDB reads it (``512MB``, ``1.5GiB``); None if not one.

    >>> memory_bytes("512MB"), memory_bytes("1KiB"), memory_bytes("lots")
    (512000000, 1024, None)
    """
    found = _MEMORY_SIZE.match(text)
    if found is None:
        return None
    return int(float(found.group(1)) * _MEMORY_UNITS[found.group(2).lower()])


def _memory_limit(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return DEFAULT_MEMORY_LIMIT
    if text.lower() == "none":
        return None
    if memory_bytes(text) is None:
        raise ConfigError(
            f"LAKEHOUSE_MEMORY_LIMIT={text!r} is not a size: use e.g. 512MB, 2GB, or none "
            "for no limit of the lakehouse's own."
        )
    return text


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a run.

    >>> Settings.from_env({"LAKEHOUSE_HOME": "/tmp/lh"}).home
    PosixPath('/tmp/lh')
    """

    home: Path
    engine: EngineName = "duckdb"
    spark_remote: str | None = None
    memory_limit: str | None = None
    """DuckDB memory limit (``LAKEHOUSE_MEMORY_LIMIT``, default :data:`DEFAULT_MEMORY_LIMIT`;
    ``none`` leaves DuckDB's own, 80 % of RAM); larger work spills to disk."""
    settle_seconds: float = 2.0
    """A landing file is read only once its size and mtime are this old (still being copied
    otherwise); ``LAKEHOUSE_SETTLE_SECONDS``."""
    max_unpacked_mb: float = 2048.0
    """A .gz/.zip may not unpack to more than this (``LAKEHOUSE_MAX_UNPACKED_MB``)."""
    max_unpack_ratio: float = 100.0
    """…nor to more than this many times its packed size (``LAKEHOUSE_MAX_UNPACK_RATIO``)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        engine = env.get("LAKEHOUSE_ENGINE", "duckdb")
        if engine not in ENGINES:
            raise ConfigError(
                f"LAKEHOUSE_ENGINE={engine!r} is not an engine; use one of {', '.join(ENGINES)}."
            )
        home = Path(env.get("LAKEHOUSE_HOME", "lakehouse")).expanduser().absolute()
        check_home(home)
        return cls(
            home=home,
            engine=engine,
            spark_remote=env.get("SPARK_REMOTE") or None,
            memory_limit=_memory_limit(env.get("LAKEHOUSE_MEMORY_LIMIT")),
            settle_seconds=_number(env, "LAKEHOUSE_SETTLE_SECONDS", 2.0, minimum=0.0),
            max_unpacked_mb=_number(env, "LAKEHOUSE_MAX_UNPACKED_MB", 2048.0, minimum=1.0),
            max_unpack_ratio=_number(env, "LAKEHOUSE_MAX_UNPACK_RATIO", 100.0, minimum=1.0),
        )

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    def check_writable(self) -> Path:
        """The home, if commands that write (run, demo, generate) can write there; else raises.

        Read-only commands (``sql``, ``check``) may work on a read-only home, so this is not
        part of :meth:`from_env`.
        """
        existing = self.home
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not os.access(existing, os.W_OK | os.X_OK):
            raise ConfigError(
                f"LAKEHOUSE_HOME {self.home} is not writable (no write permission on "
                f"{existing}); set LAKEHOUSE_HOME to a folder you can write to."
            )
        return self.home


def check_home(home: Path) -> Path:
    """``home`` if it can hold a lakehouse; raises a ConfigError saying why not."""
    bad = sorted(set(_UNSUPPORTED_PATH_CHARACTERS.findall(str(home))))
    if bad:
        shown = " ".join(repr(c)[1:-1] for c in bad)
        raise ConfigError(
            f"LAKEHOUSE_HOME {str(home)!r} contains {shown}, which the Delta library cannot "
            "use in a path; choose a folder whose path has none of [ ] ^ | \\ % or control "
            "characters."
        )
    if home.exists() and not home.is_dir():
        raise ConfigError(
            f"LAKEHOUSE_HOME {home} is a file, not a folder; point it to a folder "
            "(it is created if missing)."
        )
    parent = home
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(
            f"LAKEHOUSE_HOME {home} lies below {parent}, which is a file; point it to a folder."
        )
    return home


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value >= minimum or value == float("inf"):
        raise ConfigError(f"{name}={raw!r} is not a number ≥ {minimum:g}; unset it or fix it.")
    return value
