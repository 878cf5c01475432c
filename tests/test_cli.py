"""The command line: help that tells the truth, exit statuses, and no traceback for mistakes."""

import hashlib
import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from etl.cli import build_parser, main
from etl.contract import template_csv
from etl.db import session_factory
from etl.models import Submission
from tests.browser import run_etl
from tests.conftest import ROOT, environment
from tests.helpers import csv_bytes, prestera_month, row

COMMANDS = ["validate", "load", "pull", "template", "history", "db", "backup", "demo", "users"]
ACTIONS = [["db", "upgrade"], ["users", "add"], ["users", "list"], ["users", "deactivate"], ["users", "set-password"]]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    assert "usage: python -m etl " + command in capsys.readouterr().out


@pytest.mark.parametrize("command", ACTIONS, ids=" ".join)
def test_every_action_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    assert "usage: python -m etl " + " ".join(command) in capsys.readouterr().out


def test_the_template_is_the_contracts(capsys, tmp_path):
    assert main(["template"]) == 0
    assert capsys.readouterr().out == template_csv("Greenbrier")  # the first partner's first county
    assert main(["template", "--partner", "prestera"]) == 0
    assert "\r\n2026-03,Kanawha,arrest_diversion" in capsys.readouterr().out
    assert main(["template", "--output", str(tmp_path / "t.csv")]) == 0
    assert (tmp_path / "t.csv").read_bytes() == template_csv("Greenbrier").encode("utf-8")


@pytest.fixture
def cli_env(runtime, monkeypatch, database_url, tmp_path):
    for name, value in environment(database_url, tmp_path / "data").items():
        monkeypatch.setenv(name, value)
    return runtime


def test_load_validate_and_history_exit_statuses(cli_env, tmp_path, capsys):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_bytes(prestera_month()))
    bad.write_bytes(csv_bytes([row(county="Kanawah")]))
    assert main(["validate", "--partner", "prestera", str(good)]) == 0
    assert main(["validate", "--partner", "prestera", str(good), str(bad)]) == 1
    capsys.readouterr()
    assert main(["load", "--partner", "prestera", str(good), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files"][0]["status"] == "loaded"
    assert set(report["files"][0]) >= {"file", "partner", "sha256", "status", "rows", "months", "totals",
                                       "replaced", "errors"}
    assert main(["load", "--partner", "prestera", str(good)]) == 0
    assert "already loaded" in capsys.readouterr().out
    assert main(["load", "--partner", "prestera", str(bad)]) == 1
    assert "did you mean 'Kanawha'" in capsys.readouterr().out
    assert main(["history", "--json"]) == 0
    assert [r["status"] for r in json.loads(capsys.readouterr().out)] == ["rejected", "already_loaded", "loaded"]


def test_usage_mistakes_exit_2_with_one_line(cli_env, tmp_path, capsys):
    assert main(["load", "--partner", "nobody", str(tmp_path)]) == 2
    assert main(["load", "--partner", "prestera", str(tmp_path / "missing.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(prestera_month()))
    assert main(["load", "--partner", "nobody", str(good)]) == 2
    assert "unknown partner 'nobody'" in capsys.readouterr().err
    assert main(["history", "--partner", "nobody"]) == 2
    assert "unknown partner 'nobody'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        main(["load", "--partner"])
    assert done.value.code == 2
    assert capsys.readouterr().err == ("error: argument --partner: expected one argument "
                                       "(see: python -m etl load --help)\n")


def test_a_folder_that_cannot_be_written_is_one_line_and_exit_2(cli_env, database_url, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(prestera_month()))
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "archive").write_text("a file where the archive's folder should be")
    env = environment(database_url, data)
    for args in (["load", "--partner", "prestera", str(good)],
                 ["template", "--output", str(data / "archive" / "t.csv")]):
        result = run_etl(env, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Not a directory" in result.stderr
    with session_factory(cli_env.engine)() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 0  # nothing loaded


@pytest.mark.parametrize(("env", "words"), [
    ({"LEAD_DATABASE_URL": "not a url"}, "is not a database URL"),
    ({"LEAD_DATABASE_URL": "mysql://x@y/z"}, "unsupported database"),
    ({"LEAD_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nope"}, "cannot connect to database"),
    ({"LEAD_PROGRAM_FILE": "/nonexistent/program.toml"}, "program file not found"),
    ({"LEAD_TODAY": "yesterday"}, "LEAD_TODAY"),
])
def test_bad_settings_give_one_clear_line_and_no_traceback(env, words, tmp_path):
    result = run_etl({"LEAD_DATA_DIR": str(tmp_path), **env}, "history")
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_database_that_is_not_migrated_says_how_to_fix_it(tmp_path):
    result = run_etl({"LEAD_DATA_DIR": str(tmp_path)}, "history")
    assert result.returncode == 2
    assert "run: python -m etl db upgrade" in result.stderr


def test_the_parser_knows_every_documented_command():
    parser = build_parser()
    assert set(COMMANDS) <= set(parser._subparsers._group_actions[0].choices)


def test_a_file_over_the_limit_is_refused_with_its_real_size_and_never_read_whole(cli_env, tmp_path, monkeypatch,
                                                                                capsys):
    monkeypatch.setenv("LEAD_MAX_FILE_MB", "1")
    big = tmp_path / "big.csv"
    data = csv_bytes(prestera_month()) + b"2026-03,Kanawha,arrest_diversion,1,1,1,x\r\n" * 80_000
    big.write_bytes(data)
    assert main(["load", "--partner", "prestera", str(big), "--json"]) == 1
    [report] = json.loads(capsys.readouterr().out)["files"]
    assert report["status"] == "rejected"
    assert report["sha256"] == hashlib.sha256(data).hexdigest()
    assert report["errors"][0]["message"] == f"the file is {len(data) / 2**20:.1f} MB; the limit is 1.0 MB"


def test_a_file_that_cannot_be_archived_names_itself_after_the_reports_of_those_before(cli_env, tmp_path, capsys):
    march, april = tmp_path / "march.csv", tmp_path / "april.csv"
    march.write_bytes(csv_bytes(prestera_month("2026-03")))
    april.write_bytes(csv_bytes(prestera_month("2026-04")))
    folder = hashlib.sha256(april.read_bytes()).hexdigest()[:2]
    assert folder != hashlib.sha256(march.read_bytes()).hexdigest()[:2]
    archive = cli_env.settings.archive_dir
    archive.mkdir(parents=True)
    (archive / folder).write_text("a file where april's archive folder should be")
    assert main(["load", "--partner", "prestera", str(march), str(april)]) == 2
    out, err = capsys.readouterr()
    assert out.startswith("march.csv: loaded")  # loaded before april failed: said first
    assert err.startswith("error: april.csv: File exists: ") and err.endswith("nothing of this file was loaded\n")


def test_a_reader_that_goes_away_is_not_a_traceback(cli_env):
    # `true` reads nothing and exits long before Python has started, so the template's write fails.
    done = subprocess.run(["bash", "-c", f"{sys.executable} -m etl template | true; echo ${{PIPESTATUS[0]}}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.stderr == ""
    assert done.stdout.strip() == "141"  # as a shell reports a command killed by SIGPIPE


def test_an_os_error_is_described_with_both_sides_of_a_move(tmp_path):
    from etl.errors import describe_os_error

    source, missing = tmp_path / "march.csv", tmp_path / "processed" / "march.csv"
    source.write_text("x")
    with pytest.raises(OSError) as moved:
        os.replace(source, missing)
    assert describe_os_error(moved.value) == f"No such file or directory: {source} -> {missing}"
    with pytest.raises(OSError) as opened:
        missing.read_bytes()
    assert describe_os_error(opened.value) == f"No such file or directory: {missing}"


def test_history_has_a_header_in_utc_and_a_limit_of_at_least_one(cli_env, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(prestera_month()))
    assert main(["history", "--partner", "prestera"]) == 0
    assert capsys.readouterr().out == "no files received yet from prestera\n"
    assert main(["load", "--partner", "prestera", str(good)]) == 0
    capsys.readouterr()
    assert main(["history", "--limit", "1"]) == 0
    header, line = capsys.readouterr().out.splitlines()
    assert header.split()[:4] == ["id", "received", "(UTC)", "partner"]
    assert "prestera" in line and "good.csv" in line
    for limit in ("0", "-1", "ten"):
        with pytest.raises(SystemExit) as done:
            main(["history", "--limit", limit])
        assert done.value.code == 2
        assert capsys.readouterr().err == (f"error: argument --limit: expected a whole number of at least 1, "
                                           f"not {limit!r} (see: python -m etl history --help)\n")


def test_a_folder_given_as_a_file_is_called_a_folder(cli_env, tmp_path, capsys):
    assert main(["validate", "--partner", "prestera", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: a folder, not a file: {tmp_path}\n"


def test_a_database_file_that_does_not_exist_is_not_created(tmp_path):
    database = tmp_path / "not-yet" / "lead.db"
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(prestera_month()))
    result = run_etl({"LEAD_DATA_DIR": str(tmp_path / "data"), "LEAD_DATABASE_URL": f"sqlite:///{database}"},
                     "validate", "--partner", "prestera", str(good))
    assert result.returncode == 2
    assert result.stderr == f"error: the database {database} does not exist yet; run: python -m etl db upgrade\n"
    assert not database.parent.exists()


def test_a_database_error_on_a_later_file_prints_the_reports_of_those_loaded_first(cli_env, tmp_path, capsys,
                                                                                  monkeypatch):
    """The database going away between two files (simulated: the outage itself is tested for real in
    test_db_outage) must not hide that the first file was loaded."""
    from sqlalchemy.exc import OperationalError

    import etl.pipeline

    march, april, may = (tmp_path / f"{m}.csv" for m in ("march", "april", "may"))
    for path, month in ((march, "2026-03"), (april, "2026-04"), (may, "2026-05")):
        path.write_bytes(csv_bytes(prestera_month(month)))
    real = etl.pipeline.process_file

    def failing_on_april(*args, **kwargs):
        if kwargs["filename"] == "april.csv":
            raise OperationalError("INSERT ...", {}, Exception("server closed the connection unexpectedly"))
        return real(*args, **kwargs)

    monkeypatch.setattr(etl.pipeline, "process_file", failing_on_april)
    assert main(["load", "--partner", "prestera", str(march), str(april), str(may), "--json"]) == 2
    out, err = capsys.readouterr()
    assert [(f["file"], f["status"]) for f in json.loads(out)["files"]] == [("march.csv", "loaded")]
    assert err == ("error: april.csv: database error: server closed the connection unexpectedly; nothing of this "
                   "file was loaded (rolled back whole) and the files after it were not tried: run the command "
                   "again (files loaded already are then reported as already loaded)\n")
    assert main(["validate", "--partner", "prestera", str(april)]) == 2
    assert capsys.readouterr().err == ("error: april.csv: database error: server closed the connection "
                                       "unexpectedly; this file was not checked: run the command again\n")
