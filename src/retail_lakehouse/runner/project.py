"""Load models (``models/<layer>/**/<table>.sql|.py|.yml``) and order them as a DAG.

Dependencies come from the SQL itself: SQLGlot finds every ``<layer>.<table>`` reference,
so no model declares its inputs by hand (Python models list them in ``DEPENDS_ON``).

Models live anywhere below ``models/<layer>/``; the file name is the table name. A model in
``models/silver/staging/<source>/`` belongs to that source. A YAML file without SQL whose
``materialized`` is ``union`` declares a *union*: an ephemeral table, the ``union all`` of
every model matching its ``members`` pattern, cast to its typed ``columns`` (the column
contract every member satisfies). Conformed tables read unions, never one source's staging,
so a new source adds a folder of staging models and nothing else.
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
from retail_lakehouse.quality.config import referenced_tables, validate_model_config
from retail_lakehouse.storage import LAYERS, TableRef

Materialized = Literal["table", "incremental", "scd2", "union"]
MATERIALIZATIONS: tuple[Materialized, ...] = ("table", "incremental", "scd2", "union")
DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
STAGING = "staging"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster
SINCE = "since"
"""Name of the SQL parameter (``:since``) an incremental model filters its new rows with."""


@dataclass(frozen=True)
class Scd2Config:
    tracked: tuple[str, ...]
    """Columns whose change opens a new version (hashed into ``record_hash``)."""
    valid_from: str
    """Model column holding the moment the observed state took effect."""
    version_key: str
    """Name of the per-version key column the materialization adds."""


@dataclass(frozen=True)
class IncrementalConfig:
    watermark: str
    """Column (of the model's output and of its driving inputs) that orders arrivals,
    normally ``_ingested_at``; ``:since`` in the SQL is its value at the last build."""
    on_existing_key: str | None = None
    """Drop rule for new rows whose unique key is already in the table (exact duplicates
    arriving in a later file); None = such rows update the existing row."""
    update_when: str | None = None
    """Merge condition (over ``source``/``target``) for updating an existing row."""
    changes_handled_in_sql: tuple[TableRef, ...] = ()
    """Inputs whose rewrites the SQL itself handles (it re-reads the rows they touch), so a
    rewrite of them does not force a full rebuild."""


@dataclass(frozen=True)
class ContractColumn:
    name: str
    type: str
    description: str = ""


@dataclass(frozen=True)
class Model:
    """One table of the lakehouse built by SQL (or a Python function), or a union."""

    ref: TableRef
    path: Path
    config: Mapping[str, Any]
    sql: str | None = None
    build: Callable[..., Any] | None = None
    depends_on: frozenset[TableRef] = field(default_factory=frozenset)
    source: str | None = None
    """The source system whose staging folder holds the model, if any."""
    driving: frozenset[TableRef] = field(default_factory=frozenset)
    """Inputs the SQL reads only past ``:since`` (new rows drive the build)."""
    checked_only: frozenset[TableRef] = field(default_factory=frozenset)
    """Inputs named only by expectations (they order the DAG, not the data)."""

    @property
    def materialized(self) -> Materialized:
        value = self.config.get("materialized", "table")
        if value not in MATERIALIZATIONS:
            raise ConfigError(
                f"{self.path.name}: materialized {value!r} is not one of {MATERIALIZATIONS}."
            )
        return value  # type: ignore[no-any-return]

    @property
    def is_union(self) -> bool:
        return self.materialized == "union"

    @property
    def unique_key(self) -> tuple[str, ...]:
        key = self.config.get("unique_key") or ()
        return (key,) if isinstance(key, str) else tuple(key)

    @property
    def partition_by(self) -> tuple[str, ...]:
        return tuple(self.config.get("partition_by") or ())

    @property
    def cluster_by(self) -> tuple[str, ...]:
        """Columns each write sorts its rows by, so a file covers a narrow range of them
        and a merge whose rows fall in a range rewrites only the files covering it."""
        return tuple(self.config.get("cluster_by") or ())

    @property
    def incremental(self) -> IncrementalConfig | None:
        if self.materialized != "incremental":
            return None
        raw = self.config.get("incremental") or {}
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{self.path.name}: incremental must be a mapping.")
        watermark = raw.get("watermark", self.config.get("watermark"))
        if not watermark:
            raise ConfigError(
                f"{self.path.name}: incremental models need incremental.watermark "
                "(usually _ingested_at)."
            )
        return IncrementalConfig(
            watermark=str(watermark),
            on_existing_key=raw.get("on_existing_key"),
            update_when=raw.get("update_when"),
            changes_handled_in_sql=tuple(
                TableRef.parse(t) for t in raw.get("changes_handled_in_sql") or ()
            ),
        )

    @property
    def watermark(self) -> str | None:
        inc = self.incremental
        return inc.watermark if inc else None

    @property
    def conserves(self) -> TableRef | None:
        """The table whose every row this model accounts for (row conservation)."""
        value = self.config.get("conserves")
        return TableRef.parse(value) if value else None

    @property
    def optional_inputs(self) -> frozenset[TableRef]:
        """Bronze inputs that may be missing (read as empty tables of their contract)."""
        return frozenset(TableRef.parse(t) for t in self.config.get("optional_inputs") or ())

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

    @property
    def members_pattern(self) -> str:
        pattern = self.config.get("members")
        if not isinstance(pattern, str) or not pattern:
            raise ConfigError(f"{self.path.name}: a union needs `members: <name pattern>`.")
        return pattern

    @property
    def contract(self) -> list[ContractColumn]:
        """Typed columns of a union (its column contract)."""
        columns = []
        for name, spec in (self.config.get("columns") or {}).items():
            if not isinstance(spec, Mapping) or "type" not in spec:
                raise ConfigError(
                    f"{self.path.name}: union column {name!r} needs a type "
                    "({type: varchar, description: ...})."
                )
            columns.append(
                ContractColumn(str(name), str(spec["type"]), str(spec.get("description", "")))
            )
        if not columns:
            raise ConfigError(f"{self.path.name}: a union declares its typed columns.")
        return columns

    def code(self) -> str:
        if self.sql is not None:
            return self.sql
        return self.path.read_text()

    def code_hash(self) -> str:
        """Changes whenever the model's code or config changes."""
        payload = json.dumps(
            {"code": self.code(), "config": self.config}, sort_keys=True, default=str
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def fingerprint(self, upstream_versions: Mapping[str, int | None]) -> str:
        """Changes whenever the model's code, config or any input's Delta version changes."""
        payload = json.dumps(
            {"code": self.code_hash(), "inputs": dict(sorted(upstream_versions.items()))},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


def parse_sql(sql: str) -> Any:
    """SQLGlot tree of one DuckDB-dialect statement (typed loosely: SQLGlot's node classes)."""
    try:
        return sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise ModelError(f"SQL does not parse: {exc}") from exc


def table_references(sql: str) -> set[TableRef]:
    """Every ``<layer>.<table>`` the SQL reads (CTE names are not tables)."""
    return sql_tables(sql)[0]


def driving_tables(sql: str) -> set[TableRef]:
    """Tables read by a SELECT whose WHERE compares with ``:since``: the model's new rows
    come from them (``select * from bronze.x where _ingested_at > :since``), directly or
    through the CTEs the SELECT reads."""
    return sql_tables(sql)[1]


_SQL_TABLES: dict[str, tuple[set[TableRef], set[TableRef]]] = {}


def sql_tables(sql: str) -> tuple[set[TableRef], set[TableRef]]:
    """(tables read, driving tables) of a model's SQL, parsed once per distinct text."""
    key = hashlib.sha256(sql.encode()).hexdigest()
    if key not in _SQL_TABLES:
        tree = parse_sql(sql)
        read = {
            TableRef(t.db, t.name) for t in tree.find_all(exp.Table) if t.db in LAYERS and t.name
        }
        _SQL_TABLES[key] = (read, find_driving(tree))
    read, driving = _SQL_TABLES[key]
    return set(read), set(driving)


def find_driving(tree: Any) -> set[TableRef]:
    def read_by(node: Any, ctes: dict[str, set[TableRef]]) -> set[TableRef]:
        refs: set[TableRef] = set()
        for table in node.find_all(exp.Table):
            if table.db in LAYERS and table.name:
                refs.add(TableRef(table.db, table.name))
            elif not table.db and table.name in ctes:
                refs |= ctes[table.name]
        return refs

    ctes: dict[str, set[TableRef]] = {}
    for cte in tree.find_all(exp.CTE):
        ctes[cte.alias_or_name] = read_by(cte.this, ctes)
    found: set[TableRef] = set()
    for select in tree.find_all(exp.Select):
        where = select.args.get("where")
        if where is None or not any(p.name == SINCE for p in where.find_all(exp.Placeholder)):
            continue
        source = select.args.get("from_") or select.args.get("from")
        joins = select.args.get("joins") or []
        for node in [source, *joins]:
            if node is not None:
                found |= read_by(node, ctes)
    return found


def reads_in_full(sql: str, table: TableRef) -> bool:
    """Whether the SQL also reads ``table`` without a ``:since`` filter: it re-derives the
    keys new rows touch from all their rows (so its rows_in counts old rows again)."""
    tree = parse_sql(sql)
    for node in tree.find_all(exp.Table):
        if node.db != table.layer or node.name != table.name:
            continue
        select = node.find_ancestor(exp.Select)
        where = select.args.get("where") if select is not None else None
        if where is None or not any(p.name == SINCE for p in where.find_all(exp.Placeholder)):
            return True
    return False


def load_sql_cache(path: Path) -> None:
    """Fills the parse cache from ``path`` (JSON written by :func:`save_sql_cache`): parsing
    every model with SQLGlot costs about a second per run otherwise."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    for key, (read, driving) in raw.items() if isinstance(raw, dict) else ():
        _SQL_TABLES.setdefault(
            key, ({TableRef.parse(r) for r in read}, {TableRef.parse(d) for d in driving})
        )


def save_sql_cache(path: Path) -> None:
    payload = {
        key: [sorted(map(str, read)), sorted(map(str, driving))]
        for key, (read, driving) in _SQL_TABLES.items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(payload, sort_keys=True))
    temporary.replace(path)


def read_config(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        config = yaml.load(path.read_text(), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path.name} is not valid YAML: {exc}") from exc
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise ConfigError(f"{path.name} must hold a mapping of settings.")
    return config


def source_of(path: Path, layer_dir: Path) -> str | None:
    """``staging/<source>/x.sql`` → ``<source>``."""
    parts = path.relative_to(layer_dir).parts
    if len(parts) >= 3 and parts[0] == STAGING:
        return parts[1]
    return None


def load_model(path: Path, layer: str, layer_dir: Path | None = None) -> Model:
    ref = TableRef(layer, path.stem)
    config_path = path.with_suffix(".yml")
    config = read_config(config_path)
    validate_model_config(config, config_path.name)
    source = source_of(path, layer_dir) if layer_dir else None
    checked = referenced_tables(config)
    if path.suffix == ".yml":
        return Model(ref, path, config, source=source)
    if path.suffix == ".sql":
        sql = path.read_text()
        read, driving = sql_tables(sql)
        return Model(
            ref,
            path,
            config,
            sql=sql,
            depends_on=frozenset((read | checked) - {ref}),
            source=source,
            driving=frozenset(driving - {ref}),
            checked_only=frozenset(checked - read - {ref}),
        )
    spec = importlib.util.spec_from_file_location(f"_lakehouse_model_{layer}_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ModelError(f"cannot import the Python model {path}.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    depends = frozenset(TableRef.parse(d) for d in getattr(module, "DEPENDS_ON", ()))
    return Model(ref, path, config, build=module.build, depends_on=depends, source=source)


def model_files(layer_dir: Path) -> list[Path]:
    """SQL/Python models and union YAMLs below a layer folder, in a stable order."""
    found = []
    for path in sorted(layer_dir.rglob("*")):
        if path.name.startswith(("_", ".")) or not path.is_file():
            continue
        if path.suffix in (".sql", ".py") or (path.suffix == ".yml" and is_union_file(path)):
            found.append(path)
    return found


def is_union_file(path: Path) -> bool:
    """A YAML with no SQL or Python beside it that declares ``materialized: union``."""
    if any(path.with_suffix(s).exists() for s in (".sql", ".py")):
        return False
    return read_config(path).get("materialized") == "union"


@dataclass
class Project:
    """All models of a models folder, in dependency order."""

    models: dict[TableRef, Model]

    @classmethod
    def load(cls, models_dir: Path = DEFAULT_MODELS_DIR, *, cache: Path | None = None) -> Project:
        """All models below ``models_dir``; ``cache`` (a JSON file) keeps SQL parse results
        between processes."""
        if cache is not None:
            load_sql_cache(cache)
        known = len(_SQL_TABLES)
        models: dict[TableRef, Model] = {}
        for layer in LAYERS:
            layer_dir = models_dir / layer
            if not layer_dir.is_dir():
                continue
            for path in model_files(layer_dir):
                model = load_model(path, layer, layer_dir)
                if model.ref in models:
                    raise ConfigError(
                        f"two models are called {model.ref}: {models[model.ref].path} and "
                        f"{path}; table names are unique within a layer."
                    )
                models[model.ref] = model
        if cache is not None and len(_SQL_TABLES) != known:
            save_sql_cache(cache)
        return cls(resolve_unions(models))

    def members(self, union: Model) -> list[Model]:
        """The models a union stacks, in name order."""
        return [self.models[r] for r in sorted(union.depends_on) if r in self.models]

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
                known = ", ".join(
                    str(r) for r in sorted(self.models) if not self.models[r].is_union
                )
                raise ConfigError(f"--select {token!r} matches no model; models are: {known}")
            chosen |= matches
            for ref in matches:
                if downstream:
                    chosen |= self.descendants(ref)
                if upstream:
                    chosen |= self.ancestors(ref)
        return self.order(chosen)


def resolve_unions(models: dict[TableRef, Model]) -> dict[TableRef, Model]:
    """Gives each union its members (models of its layer matching ``members``) as inputs."""
    resolved = dict(models)
    for ref, model in models.items():
        if not model.is_union:
            continue
        model.contract  # noqa: B018 - validates the contract early, naming the file
        members = frozenset(
            other
            for other, m in models.items()
            if other.layer == ref.layer
            and other != ref
            and not m.is_union
            and fnmatch.fnmatchcase(other.name, model.members_pattern)
        )
        resolved[ref] = Model(ref, model.path, model.config, depends_on=members)
    return resolved
