"""PostgreSQL going away under the dashboard and under the pull job.

RESTARTS THE SHARED POSTGRESQL SERVER (127.0.0.1:5432), three short outages in all, marked
``pg_restart``; deselect with ``-m "not pg_restart"`` while others need the server. Whatever
happens, the server is running again when each test ends (fixture ``postgres_control``).
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from etl import load as loader
from etl.db import session_factory
from etl.models import MonthlyCount, Submission
from etl.pipeline import Intake, process_file
from etl.runtime import Runtime, open_runtime
from etl.sources import pull_all
from tests.apptest import ensure_account
from tests.conftest import ROOT, create_postgres_database, drop_postgres_database, environment
from tests.helpers import csv_bytes, prestera_month, totals

pytestmark = [pytest.mark.postgresql, pytest.mark.pg_restart]
APP = str(ROOT / "dashboard" / "app.py")


def _cluster() -> list[str]:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]


def _pg(action: str) -> None:
    subprocess.run([*_cluster(), action], check=True, capture_output=True, timeout=120)


def _running() -> bool:
    return subprocess.run([*_cluster(), "status"], capture_output=True, timeout=30, check=False).returncode == 0


@pytest.fixture
def postgres_control(postgres_admin) -> Iterator[object]:
    """stop/start/restart the local cluster; it is always running again after the test."""

    class Control:
        stop = staticmethod(lambda: _pg("stop"))
        start = staticmethod(lambda: _pg("start"))
        restart = staticmethod(lambda: _pg("restart"))

    try:
        yield Control
    finally:
        if not _running():
            _pg("start")


@pytest.fixture
def pg_runtime(postgres_admin, postgres_control, tmp_path, monkeypatch) -> Iterator[Runtime]:
    url = create_postgres_database(postgres_admin)
    env = environment(url, tmp_path / "data")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        yield open_runtime(env, upgrade=True)
    finally:
        if not _running():  # the database must be dropped on a running server
            _pg("start")
        drop_postgres_database(postgres_admin, url)


def _referrals(runtime: Runtime) -> int:
    with session_factory(runtime.engine)() as session:
        return int(session.scalar(select(func.coalesce(func.sum(MonthlyCount.referrals), 0))))


def visit() -> AppTest:
    """One rerun of the app from its entry point, in this process (its cached engine and pool).

    A new AppTest per rerun, not ``at.run()`` again: AppTest resets Streamlit's "pages/ folder"
    flag before every run, so with ``dashboard/pages/`` beside app.py its reruns execute the last
    page file directly, skipping the router (the real server runs the router on every rerun).
    """
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["auth"] = {"login": "coord", "last_seen": dt.datetime.now(dt.UTC), "method": "password"}
    return at.run()


def referrals_shown(at: AppTest) -> str:
    assert not at.exception and not at.error
    return {m.label: m.value for m in at.metric}["Referrals loaded"]


def test_the_dashboard_says_data_is_unavailable_and_recovers_by_itself(pg_runtime, postgres_control):
    from dashboard import cache

    rows = prestera_month("2026-03")
    report = process_file(pg_runtime.engine, pg_runtime.program, partner_code="prestera", filename="m.csv",
                          data=csv_bytes(rows), intake=Intake("cli", "test"),
                          archive_dir=pg_runtime.settings.archive_dir, today=pg_runtime.settings.today,
                          max_bytes=pg_runtime.settings.max_file_bytes)
    assert report.status == "loaded"
    ensure_account(pg_runtime.engine, "coord", "coordinator")
    referrals = f"{totals(rows)['referrals']:,}"
    cache.runtime.clear()
    try:
        assert referrals_shown(visit()) == referrals
        engine = cache.runtime().engine

        postgres_control.restart()  # every pooled connection is dead now; pool_pre_ping replaces them
        assert referrals_shown(visit()) == referrals

        postgres_control.stop()
        try:
            during = visit()  # the app is up, its engine cached, the database gone
            assert not during.exception and not during.metric
            assert "Data temporarily unavailable" in during.error[0].value
            cache.runtime.clear()  # the app (re)starting while the database is down
            starting = visit()
            assert not starting.exception
            assert "Data temporarily unavailable" in starting.error[0].value
        finally:
            postgres_control.start()

        assert referrals_shown(visit()) == referrals  # the next rerun: nothing restarted on the app's side
        assert cache.runtime().engine is engine
    finally:
        cache.runtime.clear()


def test_a_pull_interrupted_by_a_restart_reports_the_file_and_loads_it_next_time(
        pg_runtime, postgres_control, monkeypatch):
    inbox = pg_runtime.settings.inbox_dir / "prestera"
    inbox.mkdir(parents=True)
    march, april = prestera_month("2026-03"), prestera_month("2026-04", base=6)
    (inbox / "a-march.csv").write_bytes(csv_bytes(march))
    (inbox / "b-april.csv").write_bytes(csv_bytes(april))

    replace_months = loader.replace_months
    restarts = []

    def restart_in_the_middle(*args, **kwargs):
        if not restarts:  # the first file: PostgreSQL restarts inside its load transaction
            restarts.append(1)
            postgres_control.restart()
        return replace_months(*args, **kwargs)

    monkeypatch.setattr(loader, "replace_months", restart_in_the_middle)
    first = pull_all(pg_runtime, partner="prestera")
    assert restarts == [1]
    assert first.exit_status == 1
    failed = [s for s in first.sources if s.status == "failed"]
    assert len(failed) == 1 and failed[0].message.startswith("a-march.csv: database unavailable (")
    assert "left in the inbox" in failed[0].message
    assert [(f.file, f.status) for f in first.files] == [("b-april.csv", "loaded")]  # the pool reconnected
    assert (inbox / "a-march.csv").exists() and not (inbox / "a-march.csv.report.json").exists()
    assert _referrals(pg_runtime) == totals(april)["referrals"]  # nothing of March half-loaded

    second = pull_all(pg_runtime, partner="prestera")
    assert second.exit_status == 0
    assert [(f.file, f.status) for f in second.files] == [("a-march.csv", "loaded")]
    assert not (inbox / "a-march.csv").exists()
    assert _referrals(pg_runtime) == totals(march)["referrals"] + totals(april)["referrals"]
    with session_factory(pg_runtime.engine)() as session:
        assert sorted(session.execute(select(Submission.filename, Submission.status)).all()) == [
            ("a-march.csv", "loaded"), ("b-april.csv", "loaded")]  # each file once
    assert pull_all(pg_runtime, partner="prestera").files == []
