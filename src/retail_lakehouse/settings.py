"""Settings read once from ``LAKEHOUSE_*`` environment variables (in the CLI) and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from retail_lakehouse.errors import ConfigError

EngineName = Literal["duckdb", "spark"]
ENGINES: tuple[EngineName, ...] = ("duckdb", "spark")


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
    """DuckDB memory limit (``LAKEHOUSE_MEMORY_LIMIT``, e.g. ``1GB``); larger work spills."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        engine = env.get("LAKEHOUSE_ENGINE", "duckdb")
        if engine not in ENGINES:
            raise ConfigError(
                f"LAKEHOUSE_ENGINE={engine!r} is not an engine; use one of {', '.join(ENGINES)}."
            )
        return cls(
            home=Path(env.get("LAKEHOUSE_HOME", "lakehouse")).expanduser().absolute(),
            engine=engine,
            spark_remote=env.get("SPARK_REMOTE") or None,
            memory_limit=env.get("LAKEHOUSE_MEMORY_LIMIT") or None,
        )

    @property
    def landing(self) -> Path:
        return self.home / "landing"
