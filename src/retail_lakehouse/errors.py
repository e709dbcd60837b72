"""One exception hierarchy. Every message says what went wrong *and* what to do about it."""


class LakehouseError(Exception):
    """Base class: the CLI prints the message in one line and exits with ``exit_code``."""

    exit_code = 2


class ConfigError(LakehouseError):
    """A setting, flag or model configuration is invalid."""


class SourceError(LakehouseError):
    """A source file or source name cannot be used."""


class ModelError(LakehouseError):
    """A model's SQL or YAML is invalid, or it failed while running."""


class EngineError(LakehouseError):
    """The execution engine could not be started or reached."""


class StreamingError(LakehouseError):
    """The Kafka broker cannot be reached or a stream cannot be consumed as recorded."""


class CheckFailed(LakehouseError):
    """A lakehouse check (row conservation, a `fail` expectation) found violations."""

    exit_code = 1


class QueryError(LakehouseError):
    """A query typed by a person cannot run as given (syntax, unknown table, not a SELECT)."""


class QueryLimitExceeded(QueryError):
    """A sandboxed query ran past its time limit or memory cap and was stopped."""


class TablesDamaged(LakehouseError):
    """Tables cannot be read (a commit or data file missing or cut short); ``problems``
    holds one line per table naming it and how to repair it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
