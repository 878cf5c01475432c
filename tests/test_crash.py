"""A load SIGKILLed at five points, on SQLite and PostgreSQL: all of the file or none of it.

Each kill runs the real command line in its own process (``tests/crash_load.py`` freezes it at
a named point; see there why) on a file of 101,420 rows. After each kill the database holds
exactly what it held before (or, after COMMIT, exactly the whole file), the archive holds only
complete files under their SHA-256, and the next plain ``python -m etl load`` loads normally.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from etl.db import session_factory
from etl.models import MonthlyCount, Submission
from etl.pipeline import Intake, process_file
from etl.runtime import open_runtime
from tests.browser import run_etl
from tests.conftest import ROOT, environment

PRE_COMMIT_POINTS = ("validating", "archiving", "inserting", "committing")
FIRST_MONTH, LAST_MONTH = (1950, 1), (2026, 10)  # 922 months x 55 counties x 2 pathways = 101,420 rows


def _months(first=FIRST_MONTH, last=LAST_MONTH) -> list[str]:
    (year, month), months = first, []
    while (year, month) <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@functools.cache
def _counties() -> tuple[str, ...]:
    with (ROOT / "geo" / "data" / "wv_counties.csv").open(encoding="utf-8") as handle:
        return tuple(row["fips"] for row in csv.DictReader(handle))


def statewide_program(path: Path) -> Path:
    """One partner serving all 55 counties since 1950: a file far larger than any real partner's."""
    counties = ", ".join(f'"{fips}"' for fips in _counties())
    path.write_text(f"""[program]
name = "Crash test program"
state_fips = "54"
start_month = "1950-01"
report_due_day = 15

[[partners]]
code = "statewide"
name = "Statewide test partner"
region = "All of West Virginia"
counties = [{counties}]
""", encoding="utf-8")
    return path


def partner_file(months: list[str], shift: int) -> tuple[bytes, dict[str, int], int]:
    """A valid file for every county, month and pathway; its bytes, totals and row count."""
    out = io.StringIO()
    out.write("month,county,referral_type,referrals,assessments_completed,enrolled,notes\n")
    sums = {"referrals": 0, "assessments_completed": 0, "enrolled": 0}
    rows = 0
    for m_index, month in enumerate(months):
        for c_index, fips in enumerate(_counties()):
            for pathway in ("arrest_diversion", "social_contact"):
                referrals = (m_index + c_index + shift) % 9 + 1
                assessed, enrolled = referrals - 1, referrals // 2
                out.write(f"{month},{fips},{pathway},{referrals},{assessed},{enrolled},\n")
                sums["referrals"] += referrals
                sums["assessments_completed"] += assessed
                sums["enrolled"] += enrolled
                rows += 1
    return out.getvalue().encode("utf-8"), sums, rows


def snapshot(engine) -> dict:
    """Everything a load writes: the counts (row number and sums) and the submissions."""
    with session_factory(engine)() as session:
        counts = session.execute(select(func.count(), func.coalesce(func.sum(MonthlyCount.referrals), 0),
                                        func.coalesce(func.sum(MonthlyCount.assessments_completed), 0),
                                        func.coalesce(func.sum(MonthlyCount.enrolled), 0))).one()
        submissions = session.execute(select(Submission.id, Submission.status, Submission.sha256)
                                      .order_by(Submission.id)).all()
    return {"rows": int(counts[0]), "totals": dict(zip(("referrals", "assessments_completed", "enrolled"),
                                                        map(int, counts[1:]), strict=True)),
            "submissions": [tuple(s) for s in submissions]}


def assert_archive_whole(archive: Path) -> list[Path]:
    """Every archived file is complete (its name is its SHA-256); return the leftover temporary files."""
    leftovers = []
    for path in archive.rglob("*") if archive.exists() else []:
        if path.is_dir():
            continue
        if path.name.startswith(".incoming-"):
            leftovers.append(path)  # a temporary name: never counted as archived
            continue
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name, path
    return leftovers


def kill_at(point: str, env: dict[str, str], file: Path, tmp_path: Path) -> None:
    """Run ``load`` frozen at ``point``, wait until it is there, SIGKILL it."""
    ready = tmp_path / f"ready-{point}"
    ready.unlink(missing_ok=True)
    log = tmp_path / f"crash-{point}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_load", "load", "--partner", "statewide", str(file)],
            cwd=ROOT, env={**os.environ, **env, "LEAD_CRASH_AT": point, "LEAD_CRASH_READY": str(ready)},
            stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 180  # a generous bound on a wait, not a timed assertion
            while not ready.exists():
                assert process.poll() is None, f"the load ended before {point}: {log.read_text()}"
                assert time.monotonic() < deadline, f"the load never reached {point}"
                time.sleep(0.05)
            assert ready.read_text().split()[0] == point
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def test_a_load_killed_anywhere_leaves_all_or_nothing(database_url, tmp_path):
    program = statewide_program(tmp_path / "statewide.toml")
    env = environment(database_url, tmp_path / "data", LEAD_PROGRAM_FILE=str(program))
    runtime = open_runtime(env, upgrade=True)
    engine = runtime.engine
    months = _months()

    # What the database holds before: the first 25 years, other numbers than the big file's.
    before_bytes, _, _ = partner_file(months[:300], shift=5)
    first = process_file(engine, runtime.program, partner_code="statewide", filename="before.csv",
                         data=before_bytes, intake=Intake("cli", "test"), archive_dir=runtime.settings.archive_dir,
                         today=runtime.settings.today, max_bytes=runtime.settings.max_file_bytes)
    assert first.status == "loaded", first.errors
    before = snapshot(engine)
    assert before["rows"] == 300 * 55 * 2

    data, file_totals, file_rows = partner_file(months, shift=0)
    assert file_rows == 101_420
    big = tmp_path / "statewide-all-months.csv"
    big.write_bytes(data)
    archived = runtime.settings.archive_dir / hashlib.sha256(data).hexdigest()[:2] / hashlib.sha256(data).hexdigest()

    survived = []
    for point in PRE_COMMIT_POINTS:
        kill_at(point, env, big, tmp_path)
        assert snapshot(engine) == before, point
        leftovers = assert_archive_whole(runtime.settings.archive_dir)
        if point == "archiving":
            assert not archived.exists() and len(leftovers) == 1  # only a temporary name was left behind
        survived.append(point)

    loaded = run_etl(env, "load", "--partner", "statewide", str(big))
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "loaded: 101,420 rows" in loaded.stdout
    after = snapshot(engine)
    assert after["rows"] == file_rows and after["totals"] == file_totals
    assert [s[1] for s in after["submissions"]] == ["superseded", "loaded"]
    assert archived.exists()

    # Killed after COMMIT: the whole second file is there, and loading it again changes nothing.
    second_bytes, second_totals, _ = partner_file(months, shift=3)
    second = tmp_path / "statewide-corrected.csv"
    second.write_bytes(second_bytes)
    kill_at("committed", env, second, tmp_path)
    survived.append("committed")
    committed = snapshot(engine)
    assert committed["rows"] == file_rows and committed["totals"] == second_totals
    assert [s[1] for s in committed["submissions"]] == ["superseded", "superseded", "loaded"]
    again = run_etl(env, "load", "--partner", "statewide", str(second))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "already loaded, nothing changed" in again.stdout
    assert snapshot(engine)["totals"] == second_totals
    assert_archive_whole(runtime.settings.archive_dir)
    assert survived == [*PRE_COMMIT_POINTS, "committed"]
    print(f"\n{engine.dialect.name}: survived {len(survived)} kills at {', '.join(survived)}")

