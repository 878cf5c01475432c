"""Running files through the real pipeline in the reader, validator and hostile-input tests.

``shared_runtime`` is one migrated database per backend for a whole test module (building one
costs about a second; these modules push a hundred files through). Tests that share it never
assume an empty database: they compare what is written before and after their own file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from etl.contract import COUNT_COLUMNS
from etl.db import get_engine, session_factory
from etl.models import MonthlyCount, Submission
from etl.pipeline import Intake, process_file
from etl.report import FileReport
from etl.runtime import Runtime, open_runtime
from tests.conftest import create_postgres_database, drop_postgres_database, environment

TEST_MAX_BYTES = 5 * 1024 * 1024  # the web upload's limit (etl.settings.UPLOAD_MAX_BYTES)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def shared_runtime(request, tmp_path_factory) -> Iterator[Runtime]:
    """A migrated database with the West Virginia program, shared by one test module."""
    data_dir = tmp_path_factory.mktemp(f"data-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'lead.db'}"
        yield open_runtime(environment(url, data_dir), upgrade=True)
        get_engine(url).dispose()
        return
    admin = request.getfixturevalue("postgres_admin")
    url = create_postgres_database(admin)
    yield open_runtime(environment(url, data_dir), upgrade=True)
    drop_postgres_database(admin, url)


def run(runtime: Runtime, data: bytes, *, name: str = "file.csv", partner: str = "prestera", load: bool = True,
        today: dt.date | None = None, max_bytes: int = TEST_MAX_BYTES) -> FileReport:
    """One file through ``process_file``, as the command line and the upload page call it."""
    settings = runtime.settings
    return process_file(runtime.engine, runtime.program, partner_code=partner, filename=name, data=data,
                        intake=Intake(source="cli", received_by="test"), archive_dir=settings.archive_dir,
                        today=today or settings.today, max_bytes=max_bytes, load=load)


@dataclass(frozen=True)
class Written:
    """What the pipeline has written so far: submissions, count rows and archived files."""

    submissions: int
    count_rows: int
    archived: frozenset[str]


def written(runtime: Runtime) -> Written:
    with session_factory(runtime.engine)() as session:
        submissions = session.scalar(select(func.count()).select_from(Submission))
        rows = session.scalar(select(func.count()).select_from(MonthlyCount))
    archive = Path(runtime.settings.archive_dir)
    files = frozenset(p.name for p in archive.rglob("*") if p.is_file()) if archive.exists() else frozenset()
    return Written(int(submissions or 0), int(rows or 0), files)


def stored_notes(runtime: Runtime, submission_id: int) -> list[str | None]:
    """The notes a submission loaded, as the database holds them, in county/month/pathway order."""
    with session_factory(runtime.engine)() as session:
        return list(session.scalars(
            select(MonthlyCount.notes).where(MonthlyCount.submission_id == submission_id)
            .order_by(MonthlyCount.county_fips, MonthlyCount.month, MonthlyCount.pathway)))


def partner_totals(runtime: Runtime, partner_code: str) -> dict[str, int]:
    """Sums of the current counts of one partner, from the database."""
    from etl.models import Partner

    with session_factory(runtime.engine)() as session:
        sums = session.execute(
            select(*(func.coalesce(func.sum(getattr(MonthlyCount, c)), 0) for c in COUNT_COLUMNS))
            .join(Partner, Partner.id == MonthlyCount.partner_id).where(Partner.code == partner_code)).one()
    return dict(zip(COUNT_COLUMNS, map(int, sums), strict=True))
