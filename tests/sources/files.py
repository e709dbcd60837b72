"""What the generator tests share: reading the CSV files a generator wrote, checking them."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path

from retail_lakehouse.sources.contract import Scale, TableContract

Row = dict[str, str]


def read_rows(path: Path) -> list[Row]:
    """The rows of a CSV file as dicts keyed by its header (a UTF-8 BOM is skipped)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def fit_one_contract(
    path: Path, tables: Iterable[TableContract]
) -> tuple[TableContract, list[str]]:
    """The only contract whose file patterns match ``path``, and the file's header.

    Fails unless exactly one contract matches and the header holds its required columns.
    """
    matching = [t for t in tables if t.matches_file(path)]
    assert len(matching) == 1, (path.name, [t.table for t in matching])
    header = read_header(path)
    for column in matching[0].columns:
        assert not column.required or any(column.matches(h) for h in header), column.name
    return matching[0], header


def assert_seed_decides_the_bytes(generate: Callable[..., list[Path]], folder: Path) -> None:
    """The same seed writes byte-identical files; another seed writes other data."""
    first = generate(folder / "a", scale=Scale.small, seed=3)
    second = generate(folder / "b", scale=Scale.small, seed=3)
    other = generate(folder / "c", scale=Scale.small, seed=4)

    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert first[0].read_bytes() != other[0].read_bytes()
