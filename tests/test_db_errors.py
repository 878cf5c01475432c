"""A database that cannot be reached, or fails mid-command: one line for the operator, never a traceback."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from etl import cli
from tests.browser import run_etl
from tests.conftest import environment


def test_an_unreachable_database_is_one_line_and_exit_status_2(tmp_path):
    env = environment("postgresql://postgres@127.0.0.1:1/nowhere", tmp_path / "data")  # nothing listens on port 1
    result = run_etl(env, "history")
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot connect to database postgresql+psycopg://postgres@127.0.0.1:1/")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_database_failing_mid_command_is_one_line_and_exit_status_2(monkeypatch, capsys):
    def database_gone(_args) -> int:
        raise OperationalError("DELETE FROM monthly_count", {}, Exception(
            "terminating connection due to administrator command\nSSL connection has been closed"))

    monkeypatch.setattr(cli, "_history", database_gone)
    assert cli.main(["history"]) == 2
    error = capsys.readouterr().err
    assert error == ("error: database error: terminating connection due to administrator command; nothing was "
                     "half-written (a file being loaded is rolled back whole): run the command again\n")
