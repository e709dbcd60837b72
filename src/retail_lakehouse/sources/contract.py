"""File contracts: what a source table's files must contain, declared once per table.

Bronze ingestion reads these declarations; generators write files that satisfy them; the
docs are generated from them. A contract never holds logic, only facts about the files.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal, Protocol

ColumnType = Literal["string", "int", "float", "decimal", "timestamp", "date", "bool", "json"]

#: Compression suffixes stripped before a file name is matched against a contract.
COMPRESSION_SUFFIXES = (".gz", ".zip")


def normalize_header(name: str) -> str:
    """Header spelling used for matching: lower case, letters and digits only.

    >>> normalize_header(" Customer ID ")
    'customerid'
    """
    return re.sub(r"[^0-9a-z]", "", name.strip().lower())


@dataclass(frozen=True)
class Column:
    """One column of a source file and the bronze column it becomes."""

    name: str
    """Bronze column name (snake_case, safe as a Delta and SQL identifier)."""
    type: ColumnType = "string"
    header: str | None = None
    """Header as written in the file; defaults to ``name``."""
    aliases: tuple[str, ...] = ()
    """Other header spellings seen in the wild (e.g. older dataset versions)."""
    required: bool = True
    """The header must contain the column, else the whole file is rejected."""
    nullable: bool = True
    """An empty value is allowed; if not, the row goes to quarantine."""

    @property
    def source_header(self) -> str:
        return self.header or self.name

    def matches(self, header: str) -> bool:
        wanted = {normalize_header(h) for h in (self.source_header, self.name, *self.aliases)}
        return normalize_header(header) in wanted


@dataclass(frozen=True)
class TableContract:
    """The contract of one source table (one bronze table)."""

    source: str
    table: str
    file_patterns: tuple[str, ...]
    """Case-insensitive globs on the file name (compression suffix removed)."""
    columns: tuple[Column, ...]
    keys: tuple[str, ...] = ()
    """Business key columns (documentation and later uniqueness expectations)."""
    description: str = ""
    timestamp_formats: tuple[str, ...] = ()
    """strptime formats tried for timestamp/date columns, per file; empty = defaults.

    Spreadsheets: every sheet whose header holds the required columns is loaded; the others
    are skipped and named in the ingest log."""

    @property
    def bronze_table(self) -> str:
        """Bronze table name: ``<source>_<table>``."""
        return f"{self.source}_{self.table}"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def matches_file(self, path: Path) -> bool:
        name = path.name.lower()
        for suffix in COMPRESSION_SUFFIXES:
            if name.endswith(suffix):
                name = name[: -len(suffix)]
        return any(fnmatch.fnmatchcase(name, p.lower()) for p in self.file_patterns)


class Scale(StrEnum):
    """How much data a generator writes."""

    small = "small"
    medium = "medium"
    full = "full"


class Generator(Protocol):
    """Writes a source's demo files into its landing folder and returns their paths."""

    def __call__(self, landing_dir: Path, *, scale: Scale, seed: int) -> list[Path]: ...


@dataclass(frozen=True)
class Source:
    """A source system: its tables' contracts and its demo-data generator."""

    name: str
    description: str
    tables: tuple[TableContract, ...]
    generate: Generator | Callable[..., list[Path]]
    extra_generate_options: Sequence[str] = field(default_factory=tuple)

    def table_for(self, path: Path) -> TableContract | None:
        """The contract whose file patterns match ``path``; the first match wins."""
        return next((t for t in self.tables if t.matches_file(path)), None)
