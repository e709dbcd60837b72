"""Load models (``models/<layer>/<table>.sql|.py`` + ``.yml``) and order them as a DAG.

Dependencies come from the SQL itself: SQLGlot finds every ``<layer>.<table>`` reference,
so no model declares its inputs by hand (Python models list them in ``DEPENDS_ON``).
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.util
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any, Literal

import sqlglot
import yaml
from sqlglot import exp

from retail_lakehouse.errors import ConfigError, ModelError
from retail_lakehouse.storage import LAYERS, TableRef

Materialized = Literal["table", "incremental", "scd2"]
MATERIALIZATIONS: tuple[Materialized, ...] = ("table", "incremental", "scd2")
DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


@dataclass(frozen=True)
class Scd2Config:
    tracked: tuple[str, ...]
    """Columns whose change opens a new version (hashed into ``record_hash``)."""
    valid_from: str
    """Model column holding the moment the row's state took effect."""
    version_key: str
    """Name of the per-version key column the materialization adds."""


@dataclass(frozen=True)
class Model:
    """One table of the lakehouse built by SQL (or a Python function)."""

    ref: TableRef
    path: Path
    config: Mapping[str, Any]
    sql: str | None = None
    build: Callable[..., Any] | None = None
    depends_on: frozenset[TableRef] = field(default_factory=frozenset)

    @property
    def materialized(self) -> Materialized:
        value = self.config.get("materialized", "table")
        if value not in MATERIALIZATIONS:
            raise ConfigError(
                f"{self.path.name}: materialized {value!r} is not one of {MATERIALIZATIONS}."
            )
        return value  # type: ignore[no-any-return]

    @property
    def unique_key(self) -> tuple[str, ...]:
        key = self.config.get("unique_key") or ()
        return (key,) if isinstance(key, str) else tuple(key)

    @property
    def partition_by(self) -> tuple[str, ...]:
        return tuple(self.config.get("partition_by") or ())

    @property
    def watermark(self) -> str | None:
        value = self.config.get("watermark")
        return str(value) if value else None

    @property
    def conserves(self) -> TableRef | None:
        """The table whose every row this model accounts for (row conservation)."""
        value = self.config.get("conserves")
        return TableRef.parse(value) if value else None

    @property
    def scd2(self) -> Scd2Config:
        raw = self.config.get("scd2") or {}
        if not raw.get("tracked") or not raw.get("valid_from"):
            raise ConfigError(
                f"{self.path.name}: scd2 models need scd2.tracked and scd2.valid_from."
            )
        return Scd2Config(
            tracked=tuple(raw["tracked"]),
            valid_from=str(raw["valid_from"]),
            version_key=str(raw.get("version_key", f"{self.ref.name}_version_key")),
        )

    @property
    def expectations(self) -> list[dict[str, Any]]:
        return list(self.config.get("expectations") or [])

    def fingerprint(self, upstream_versions: Mapping[str, int | None]) -> str:
        """Changes whenever the model's code, config or any input's Delta version changes."""
        code = self.sql if self.sql is not None else self.path.read_text()
        payload = json.dumps(
            {
                "code": code,
                "config": self.config,
                "inputs": dict(sorted(upstream_versions.items())),
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


def table_references(sql: str) -> set[TableRef]:
    """Every ``<layer>.<table>`` the SQL reads (CTE names are not tables)."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise ModelError(f"SQL does not parse: {exc}") from exc
    return {TableRef(t.db, t.name) for t in tree.find_all(exp.Table) if t.db in LAYERS and t.name}


def load_model(path: Path, layer: str) -> Model:
    ref = TableRef(layer, path.stem)
    config_path = path.with_suffix(".yml")
    config = yaml.safe_load(config_path.read_text()) if config_path.exists() else {}
    checked = {
        TableRef.parse(e["relationships"]["to"])
        for e in (config or {}).get("expectations") or []
        if isinstance(e.get("relationships"), dict)
    }
    if path.suffix == ".sql":
        sql = path.read_text()
        refs = frozenset(table_references(sql) | checked)
        return Model(ref, path, config or {}, sql=sql, depends_on=refs)
    spec = importlib.util.spec_from_file_location(f"_lakehouse_model_{layer}_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ModelError(f"cannot import the Python model {path}.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    depends = frozenset(TableRef.parse(d) for d in getattr(module, "DEPENDS_ON", ()))
    return Model(ref, path, config or {}, build=module.build, depends_on=depends)


@dataclass
class Project:
    """All models of a models folder, in dependency order."""

    models: dict[TableRef, Model]

    @classmethod
    def load(cls, models_dir: Path = DEFAULT_MODELS_DIR) -> Project:
        models: dict[TableRef, Model] = {}
        for layer in LAYERS:
            folder = models_dir / layer
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if path.suffix in (".sql", ".py") and not path.name.startswith("_"):
                    model = load_model(path, layer)
                    models[model.ref] = model
        return cls(models)

    def order(self, selected: Iterable[TableRef] | None = None) -> list[Model]:
        """Models in an order where every model comes after the models it reads."""
        graph = {
            ref: {d for d in m.depends_on if d in self.models} for ref, m in self.models.items()
        }
        try:
            ordered = list(TopologicalSorter(graph).static_order())
        except CycleError as exc:
            raise ModelError(f"models depend on each other in a cycle: {exc.args[1]}") from exc
        wanted = set(selected) if selected is not None else set(self.models)
        return [self.models[r] for r in ordered if r in wanted]

    def descendants(self, ref: TableRef) -> set[TableRef]:
        found: set[TableRef] = set()
        frontier = [ref]
        while frontier:
            current = frontier.pop()
            for other, model in self.models.items():
                if current in model.depends_on and other not in found:
                    found.add(other)
                    frontier.append(other)
        return found

    def ancestors(self, ref: TableRef) -> set[TableRef]:
        found: set[TableRef] = set()
        frontier = [ref]
        while frontier:
            current = frontier.pop()
            for dep in self.models[current].depends_on if current in self.models else ():
                if dep in self.models and dep not in found:
                    found.add(dep)
                    frontier.append(dep)
        return found

    def select(self, expression: str | None) -> list[Model]:
        """Models chosen by a selector: ``gold.sales_daily+``, ``+silver.x``, ``silver.*``.

        Several selectors may be separated by commas or spaces; the union runs in DAG order.
        """
        if not expression:
            return self.order()
        chosen: set[TableRef] = set()
        for token in expression.replace(",", " ").split():
            upstream, downstream = token.startswith("+"), token.endswith("+")
            pattern = token.strip("+").lower()
            if "." not in pattern:
                pattern += ".*"
            matches = {r for r in self.models if fnmatch.fnmatchcase(str(r), pattern)}
            if not matches:
                known = ", ".join(str(r) for r in sorted(self.models))
                raise ConfigError(f"--select {token!r} matches no model; models are: {known}")
            chosen |= matches
            for ref in matches:
                if downstream:
                    chosen |= self.descendants(ref)
                if upstream:
                    chosen |= self.ancestors(ref)
        return self.order(chosen)
