"""Progress on long files: the pipeline tells its stages and the rows sent; the command line draws
a bar on a terminal (a real pseudo-terminal here) and nothing when its output is not one."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

from etl.pipeline import Intake, process_file
from etl.runtime import open_runtime
from tests.conftest import ROOT, environment
from tests.test_crash import _months, partner_file, statewide_program

MONTHS = 273  # x 55 counties x 2 pathways = 30,030 rows: on SQLite, told at 10,000 and 20,000 rows, then the end


def _statewide(database_url: str, tmp_path: Path) -> tuple[dict[str, str], Path, int]:
    program = statewide_program(tmp_path / "statewide.toml")
    env = environment(database_url, tmp_path / "data", LEAD_PROGRAM_FILE=str(program))
    data, _, rows = partner_file(_months()[:MONTHS], shift=0)
    big = tmp_path / "statewide.csv"
    big.write_bytes(data)
    return env, big, rows


def test_the_pipeline_tells_each_stage_and_the_rows_sent_in_order(database_url, tmp_path):
    env, big, rows = _statewide(database_url, tmp_path)
    runtime = open_runtime(env, upgrade=True)
    told: list[tuple[str, float]] = []
    report = process_file(runtime.engine, runtime.program, partner_code="statewide", filename=big.name,
                          data=big.read_bytes(), intake=Intake("cli", "test"),
                          archive_dir=runtime.settings.archive_dir, today=runtime.settings.today,
                          max_bytes=runtime.settings.max_file_bytes, progress=lambda s, share: told.append((s, share)))
    assert report.status == "loaded" and report.rows == rows == 30_030
    stages = [stage for stage, _ in told]
    assert [s for i, s in enumerate(stages) if i == 0 or s != stages[i - 1]] == [
        "reading", "validating", "archiving", "loading", "done"]
    shares = [share for _, share in told]
    assert shares == sorted(shares) and shares[0] == 0 and shares[-1] == 1
    loading = [share for stage, share in told if stage == "loading"]
    assert loading[-1] == 1.0  # every row sent
    if runtime.engine.dialect.name == "sqlite":  # PostgreSQL tells once per COPY slice of 100,000 rows
        expected = [0.25 + 0.75 * sent / rows for sent in (10_000, 20_000)]
        assert [round(s, 6) for s in loading[1:-1]] == [round(s, 6) for s in expected]


def _run_on_a_terminal(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run ``python -m etl`` with standard error on a pseudo-terminal; (exit status, stdout, what the terminal got)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "etl", *args], cwd=ROOT, env={**os.environ, **env},
                               stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    terminal = b""
    while True:  # read as it comes: a full terminal buffer would block the command
        ready, _, _ = select.select([leader], [], [], 120)
        assert ready, "the command went quiet for two minutes"
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the command exited and closed the terminal
            break
        if not chunk:
            break
        terminal += chunk
    os.close(leader)
    stdout = process.stdout.read().decode()
    return process.wait(timeout=60), stdout, terminal.decode()


def test_a_terminal_sees_a_bar_that_moves_with_the_rows_and_ends_its_line(tmp_path):
    env, big, _ = _statewide(f"sqlite:///{tmp_path / 'lead.db'}", tmp_path)
    open_runtime(env, upgrade=True)
    status, stdout, terminal = _run_on_a_terminal(env, "load", "--partner", "statewide", str(big))
    assert status == 0 and "loaded" in stdout
    draws = [d for d in re.split(r"[\r\n]", terminal) if d.startswith("[")]
    percents = [int(m.group(1)) for d in draws if (m := re.search(r"\] +(\d+)% 1/1 statewide\.csv: loading", d))]
    assert percents == sorted(percents) and percents[-1] >= 99 and any(25 < p < 99 for p in percents), draws
    assert re.search(r"\[#{20}\] 100% 1/1 statewide\.csv: done \(\d+\.\d s\)", terminal)
    assert terminal.endswith("\r\n")  # the bar's line is ended: nothing printed after it runs onto it

    status, stdout, terminal = _run_on_a_terminal(env, "validate", "--partner", "statewide", str(big))
    assert status == 0 and stdout.startswith("statewide.csv: valid")
    assert "100% 1/1 statewide.csv: done" in terminal and terminal.endswith("\r\n")


def test_no_bar_when_standard_error_is_not_a_terminal(tmp_path):
    env, big, _ = _statewide(f"sqlite:///{tmp_path / 'lead.db'}", tmp_path)
    open_runtime(env, upgrade=True)
    done = subprocess.run([sys.executable, "-m", "etl", "load", "--partner", "statewide", str(big)], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0 and done.stderr == ""
