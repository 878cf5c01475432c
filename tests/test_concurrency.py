"""Five partners loading and re-submitting at the same time, in five processes, on both databases.

Each partner sends twenty files, one after the other, as fast as it can, while the four others
do the same; the files overlap month by month, so most of them replace earlier data, and one is
an exact copy of the file before it. Afterwards every month holds the numbers of the last file
that covered it, nothing is lost or doubled, and no load failed.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import sys
import types
from collections import defaultdict

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from etl import pipeline
from etl.contract import COUNT_COLUMNS
from etl.db import SQLITE_BUSY_TIMEOUT_MS, is_transient_conflict, session_factory
from etl.models import MonthlyCount, Partner, Submission
from tests.conftest import environment
from tests.helpers import csv_bytes, row

PARTNERS = ("seneca", "southern-highlands", "prestera", "region-4", "region-5")
FILES_PER_PARTNER = 20
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)] + [f"2026-{m:02d}" for m in range(1, 10)]
COPY_OF_PREVIOUS = 10  # file 10 repeats file 9 exactly: "already loaded"


def file_rows(partner: str, counties: list[str], number: int) -> list[dict]:
    """File ``number`` of ``partner``: three consecutive months, numbers unique to the file."""
    number_for_values = number - 1 if number == COPY_OF_PREVIOUS else number
    start = (number_for_values * 2) % (len(MONTHS) - 2)
    rows = []
    for m_index, month in enumerate(MONTHS[start:start + 3]):
        for c_index, fips in enumerate(counties):
            for p_index, pathway in enumerate(("arrest_diversion", "social_contact")):
                referrals = (number_for_values * 7 + c_index * 3 + m_index + p_index + len(partner)) % 13 + 1
                rows.append(row(month, fips, pathway, referrals, referrals // 2, referrals - 1))
    return rows


def partner_worker(env: dict[str, str], partner: str, barrier, results) -> None:
    """One partner's process: twenty loads through the pipeline, as soon as every partner is ready."""
    from etl.runtime import open_runtime

    retries = []

    class CountRetries(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            retries.append(record.getMessage())

    logging.getLogger("etl.pipeline").addHandler(CountRetries(level=logging.WARNING))
    outcome = {"partner": partner, "statuses": [], "errors": [], "retries": retries}
    try:
        runtime = open_runtime(env)
        counties = list(runtime.program.partner(partner).counties)
        barrier.wait()
        for number in range(1, FILES_PER_PARTNER + 1):
            report = pipeline.process_file(
                runtime.engine, runtime.program, partner_code=partner, filename=f"{partner}-{number:02d}.csv",
                data=csv_bytes(file_rows(partner, counties, number)),
                intake=pipeline.Intake("folder", f"test:{partner}"), archive_dir=runtime.settings.archive_dir,
                today=runtime.settings.today, max_bytes=runtime.settings.max_file_bytes)
            outcome["statuses"].append(report.status)
            outcome["errors"].extend(str(e) for e in report.errors)
    except Exception as error:  # reported to the test, which fails with it
        outcome["errors"].append(f"{type(error).__name__}: {error}")
    results.put(outcome)


def expected_by_month(partner: str, counties: list[str]) -> dict[str, dict[str, int]]:
    """Each month's totals from the last file that covered it."""
    last: dict[str, dict[str, int]] = {}
    for number in range(1, FILES_PER_PARTNER + 1):
        by_month: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNT_COLUMNS, 0))
        for r in file_rows(partner, counties, number):
            for column in COUNT_COLUMNS:
                by_month[r["month"]][column] += r[column]
        last.update(by_month)
    return dict(sorted(last.items()))


def test_five_partners_loading_at_once_lose_and_double_nothing(runtime, database_url, tmp_path, monkeypatch):
    env = environment(database_url, tmp_path / "data")
    # "spawn" re-runs the parent's __main__ in each child; after an AppTest in this process that
    # is dashboard/app.py, which must not run in a worker. The workers need only this module.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    context = multiprocessing.get_context("spawn")  # real processes, each with its own engine
    barrier, results = context.Barrier(len(PARTNERS)), context.Queue()
    workers = [context.Process(target=partner_worker, args=(env, code, barrier, results)) for code in PARTNERS]
    for worker in workers:
        worker.start()
    outcomes = {}
    for _ in PARTNERS:
        try:
            outcome = results.get(timeout=240)
        except queue.Empty:
            pytest.fail(f"a partner's process sent no result; exit codes {[w.exitcode for w in workers]}")
        outcomes[outcome["partner"]] = outcome
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0

    loads = sum(len(o["statuses"]) for o in outcomes.values())
    assert loads == len(PARTNERS) * FILES_PER_PARTNER
    for code, outcome in outcomes.items():
        assert outcome["errors"] == [], code
        expected_statuses = ["loaded"] * FILES_PER_PARTNER
        expected_statuses[COPY_OF_PREVIOUS - 1] = "already_loaded"
        assert outcome["statuses"] == expected_statuses, code

    with session_factory(runtime.engine)() as session:
        for code in PARTNERS:
            counties = list(runtime.program.partner(code).counties)
            partner_id = session.scalar(select(Partner.id).where(Partner.code == code))
            stored = {}
            for month, *sums in session.execute(
                    select(MonthlyCount.month, *(func.sum(getattr(MonthlyCount, c)) for c in COUNT_COLUMNS))
                    .where(MonthlyCount.partner_id == partner_id).group_by(MonthlyCount.month)):
                stored[f"{month:%Y-%m}"] = dict(zip(COUNT_COLUMNS, map(int, sums), strict=True))
            expected = expected_by_month(code, counties)
            assert stored == expected, code
            rows = session.scalar(select(func.count()).where(MonthlyCount.partner_id == partner_id))
            assert rows == len(expected) * len(counties) * 2, code  # nothing doubled
            statuses = list(session.scalars(select(Submission.status).where(Submission.partner_id == partner_id)))
            assert len(statuses) == FILES_PER_PARTNER and "rejected" not in statuses, code
    retried = sum(len(o["retries"]) for o in outcomes.values())
    print(f"\n{runtime.engine.dialect.name}: {loads} concurrent loads, all as expected; "
          f"{retried} transient conflict(s) retried")


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(runtime):
    if runtime.engine.dialect.name != "sqlite":
        with runtime.engine.connect() as connection:  # PostgreSQL: loads run READ COMMITTED
            assert connection.execute(text("SHOW transaction_isolation")).scalar() == "read committed"
        return
    with runtime.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS == 30_000


def test_a_transient_conflict_is_retried_and_a_lasting_one_is_not_hidden(monkeypatch):
    locked = OperationalError("INSERT ...", {}, Exception("database is locked"))
    gone = OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
    assert is_transient_conflict(locked) and not is_transient_conflict(gone)
    monkeypatch.setattr(pipeline, "RETRY_PAUSE_SECONDS", 0)
    attempts = []

    def locked_twice() -> None:
        attempts.append(1)
        if len(attempts) < 3:
            raise locked

    pipeline._with_retry(locked_twice, "f.csv")
    assert len(attempts) == 3

    def always_locked() -> None:
        attempts.append(1)
        raise locked

    attempts.clear()
    with pytest.raises(OperationalError, match="database is locked"):
        pipeline._with_retry(always_locked, "f.csv")
    assert len(attempts) == pipeline.LOAD_ATTEMPTS

    def connection_lost() -> None:
        attempts.append(1)
        raise gone

    attempts.clear()
    with pytest.raises(OperationalError, match="server closed"):
        pipeline._with_retry(connection_lost, "f.csv")
    assert len(attempts) == 1
