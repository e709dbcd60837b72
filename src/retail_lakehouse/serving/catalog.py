"""The data catalog, built from the models' YAML and the tables as they are stored.

One :class:`TableDoc` per model (silver and gold) or stored table: description, grain,
key, owner, materialization, columns with types and descriptions, and lineage (the inputs
and readers of the model DAG). ``lakehouse tables``, ``lakehouse describe`` and
``lakehouse docs`` all read it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from retail_lakehouse.runner.project import Model, Project
from retail_lakehouse.storage import Lakehouse, TableRef

DOCUMENTED_LAYERS = ("silver", "gold")


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class TableDoc:
    ref: TableRef
    description: str
    grain: str
    unique_key: tuple[str, ...]
    owner: str
    materialized: str
    columns: list[ColumnDoc]
    upstream: list[str]
    downstream: list[str]
    rows: int | None
    stored: bool
    undocumented: list[str] = field(default_factory=list)
    """Stored columns the YAML does not describe."""


def column_docs(model: Model | None) -> dict[str, str]:
    """Column name → description from a model's YAML (plain or ``{type, description}``)."""
    if model is None:
        return {}
    docs: dict[str, str] = {}
    for name, spec in (model.config.get("columns") or {}).items():
        if isinstance(spec, Mapping):
            docs[str(name)] = str(spec.get("description", ""))
        else:
            docs[str(name)] = " ".join(str(spec).split())
    return docs


def stored_schema(lakehouse: Lakehouse, ref: TableRef) -> list[tuple[str, str]] | None:
    if not lakehouse.exists(ref):
        return None
    schema = lakehouse.table(ref).schema().to_arrow()
    return [(name, str(schema.field(name).type)) for name in schema.names]


def direct_readers(project: Project, ref: TableRef) -> list[str]:
    return sorted(str(r) for r, m in project.models.items() if ref in m.depends_on)


def materialization(model: Model | None) -> str:
    if model is None:
        return "stored"
    return model.materialized if model.sql is not None or model.is_union else "python"


def table_doc(
    project: Project,
    lakehouse: Lakehouse,
    ref: TableRef,
    *,
    count_rows: bool = True,
    readable: bool = True,
) -> TableDoc:
    """The catalog entry of one table (a model, a stored table, or both). A table that is
    not ``readable`` (damaged) is described from its model alone."""
    model = project.models.get(ref)
    config: Mapping[str, Any] = model.config if model else {}
    docs = column_docs(model)
    schema = stored_schema(lakehouse, ref) if readable else None
    if schema is not None:
        columns = [ColumnDoc(n, t, docs.get(n, "")) for n, t in schema]
    elif model is not None and model.is_union:
        columns = [ColumnDoc(c.name, c.type, c.description) for c in model.contract]
    else:
        columns = [ColumnDoc(n, "", d) for n, d in docs.items()]
    key = config.get("unique_key") or ()
    return TableDoc(
        ref=ref,
        description=" ".join(str(config.get("description", "")).split()),
        grain=str(config.get("grain", "")),
        unique_key=(key,) if isinstance(key, str) else tuple(key),
        owner=str(config.get("owner", "")),
        materialized=materialization(model),
        columns=columns,
        upstream=sorted(str(r) for r in model.depends_on) if model else [],
        downstream=direct_readers(project, ref),
        rows=lakehouse.count(ref) if count_rows and schema is not None else None,
        stored=schema is not None or not readable,
        undocumented=[n for n, _ in schema if n not in docs] if schema is not None else [],
    )


def catalog(
    project: Project,
    lakehouse: Lakehouse,
    *,
    layers: tuple[str, ...] = DOCUMENTED_LAYERS,
    count_rows: bool = True,
    unreadable: Collection[TableRef] = (),
) -> list[TableDoc]:
    """Every model of ``layers`` and every stored table of them, sorted by layer and name;
    ``unreadable`` (damaged) tables are described without reading them."""
    refs = {r for r in project.models if r.layer in layers}
    for layer in layers:
        refs |= set(lakehouse.tables(layer))
    return [
        table_doc(project, lakehouse, ref, count_rows=count_rows, readable=ref not in unreadable)
        for ref in sorted(refs, key=lambda r: (layers.index(r.layer), r.name))
    ]
