"""Reference CSVs shipped with the package (see README.md beside this file)."""

from __future__ import annotations

from importlib import resources

import pyarrow as pa
import pyarrow.csv as pacsv


def read_seed(name: str, column_types: dict[str, pa.DataType] | None = None) -> pa.Table:
    """The seed ``<name>.csv`` as an Arrow table (all text unless typed here)."""
    with resources.files(__package__).joinpath(f"{name}.csv").open("rb") as handle:
        names = handle.readline().decode().strip().split(",")
        handle.seek(0)
        types = {n: pa.string() for n in names} | (column_types or {})
        return pacsv.read_csv(handle, convert_options=pacsv.ConvertOptions(column_types=types))
