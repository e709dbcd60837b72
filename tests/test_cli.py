"""The command line: the issue's command forms, one clear line on errors, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retail_lakehouse.cli import app, main
from tests.conftest import online_retail_csv

runner = CliRunner()
LINE = "489434,85048,GLASS BALL,12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom"


@dataclass
class Outcome:
    """What a person sees: the exit code, stdout, stderr."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


Cli = Callable[..., Outcome]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``cli("sql", "select 1")`` runs ``lakehouse sql "select 1"`` as the console script does."""

    def invoke(*args: str) -> Outcome:
        capsys.readouterr()
        monkeypatch.setattr("sys.argv", ["lakehouse", *args])
        with pytest.raises(SystemExit) as exit_info:
            main()
        captured = capsys.readouterr()
        return Outcome(int(exit_info.value.code or 0), captured.out, captured.err)

    return invoke


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path / "lh"))
    landing = tmp_path / "lh" / "landing" / "online_retail"
    landing.mkdir(parents=True)
    (landing / "or.csv").write_text(online_retail_csv(LINE, LINE))
    return tmp_path / "lh"


def test_run_then_sql_as_json_then_check(home: Path) -> None:
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 0, result.output
    assert "1 file(s) loaded" in result.output
    result = runner.invoke(
        app, ["sql", "select units, orders from gold.sales_daily", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"units": 12, "orders": 1}]
    result = runner.invoke(
        app,
        ["sql", "select count(*) as n from bronze.online_retail_transactions", "--format", "csv"],
    )
    assert result.stdout.splitlines() == ["n", "2"]
    assert runner.invoke(app, ["check"]).exit_code == 0


def test_check_before_any_run_exits_1_and_says_why(home: Path) -> None:
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 1
    assert "run `lakehouse run` first" in result.output


def test_sql_refuses_statements_that_write(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.argv", ["lakehouse", "sql", "drop table gold.sales_daily"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "exactly one SELECT" in err and "Traceback" not in err


def test_unknown_selector_is_one_clear_line(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.argv", ["lakehouse", "run", "--select", "gold.nope"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    assert "matches no model" in capsys.readouterr().err


def test_every_command_has_help() -> None:
    for command in ("generate", "run", "demo", "sql", "check", "sources"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


def test_sources_shows_each_contract() -> None:
    result = runner.invoke(app, ["sources", "online_retail"])
    assert result.exit_code == 0, result.output
    assert "bronze.online_retail_transactions" in result.output
    assert "Customer ID (or CustomerID)" in result.output


def test_sql_cannot_read_files_outside_the_lakehouse(home: Path, cli: Cli) -> None:
    assert cli("run").code == 0
    result = cli("sql", "select * from read_text('/etc/hostname')")
    assert result.code == 2
    assert result.err_lines == [
        "error: lakehouse sql reads the lakehouse tables only: files, directories, the network "
        "and settings are not permitted."
    ]
