"""``python -m etl backup`` on both databases: taken while a load is writing, restored to the same totals."""

from __future__ import annotations

import os
import shutil
import subprocess

from sqlalchemy import func, select

from etl.contract import COUNT_COLUMNS
from etl.db import session_factory
from etl.models import MonthlyCount, Submission
from etl.pipeline import Intake, process_file
from etl.runtime import open_runtime
from tests.browser import run_etl
from tests.conftest import create_postgres_database, drop_postgres_database, environment
from tests.helpers import csv_bytes, prestera_month, row, totals


def content(engine) -> dict:
    """What a restore must give back: the totals, the rows and the submissions with their statuses."""
    with session_factory(engine)() as session:
        sums = session.execute(select(func.count(), *(func.sum(getattr(MonthlyCount, c)) for c in COUNT_COLUMNS))).one()
        submissions = session.execute(select(Submission.filename, Submission.status, Submission.sha256)
                                      .order_by(Submission.id)).all()
    return {"rows": sums[0], "totals": dict(zip(COUNT_COLUMNS, map(int, sums[1:]), strict=True)),
            "submissions": [tuple(s) for s in submissions]}


def load(runtime, name: str, data: bytes, partner: str = "prestera"):
    settings = runtime.settings
    return process_file(runtime.engine, runtime.program, partner_code=partner, filename=name, data=data,
                        intake=Intake("cli", "test"), archive_dir=settings.archive_dir, today=settings.today,
                        max_bytes=settings.max_file_bytes)


def test_a_backup_taken_during_a_load_restores_to_the_same_totals(runtime, database_url, tmp_path, request):
    march, april = prestera_month("2026-03"), prestera_month("2026-04", base=9)
    assert load(runtime, "march.csv", csv_bytes(march + april)).status == "loaded"
    assert load(runtime, "april.csv", csv_bytes(prestera_month("2026-04", base=2))).status == "loaded"
    assert load(runtime, "bad.csv", csv_bytes([row(county="Kanawah")])).status == "rejected"
    before = content(runtime.engine)
    assert before["totals"] == {c: totals(march)[c] + totals(prestera_month("2026-04", base=2))[c]
                                for c in COUNT_COLUMNS}

    env = environment(database_url, tmp_path / "data")
    suffix = ".db" if runtime.engine.dialect.name == "sqlite" else ".dump"
    output = tmp_path / "backups" / f"lead{suffix}"
    # Another writer is in the middle of replacing everything: the backup must not see it.
    writing = session_factory(runtime.engine)()
    try:
        writing.begin()
        writing.execute(MonthlyCount.__table__.delete())
        backup = run_etl(env, "backup", "--output", str(output))
    finally:
        writing.rollback()
        writing.close()
    assert backup.returncode == 0, backup.stderr
    assert f"written to {output}" in backup.stdout
    assert output.is_file() and not list(output.parent.glob(".*.partial"))

    if runtime.engine.dialect.name == "sqlite":
        restored_url = f"sqlite:///{output}"
        restored = open_runtime(environment(restored_url, tmp_path / "restored"))  # no upgrade: schema came along
        assert content(restored.engine) == before
        restored.engine.dispose()
        return

    postgres_admin = request.getfixturevalue("postgres_admin")
    restored_url = create_postgres_database(postgres_admin)
    try:
        libpq = restored_url.replace("postgresql+psycopg://", "postgresql://")
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", libpq, str(output)],
                       check=True, capture_output=True, text=True)
        restored = open_runtime(environment(restored_url, tmp_path / "restored"))
        assert content(restored.engine) == before
    finally:
        drop_postgres_database(postgres_admin, restored_url)


def test_without_pg_dump_the_backup_says_what_to_run(runtime, database_url, tmp_path):
    env = environment(database_url, tmp_path / "data", PATH=str(tmp_path / "empty-bin"))
    result = run_etl(env, "backup")
    if runtime.engine.dialect.name == "sqlite":  # needs no outside tool
        assert result.returncode == 0, result.stderr
        backups = list((tmp_path / "data" / "backups").glob("lead-*.db"))
        assert len(backups) == 1
        return
    assert result.returncode == 2
    assert result.stderr.startswith("error: pg_dump is not installed")
    assert "pg_dump --format=custom --file" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_pg_dump_is_on_this_machine():
    """The restore test above runs pg_dump and pg_restore for real here (not a mock)."""
    assert shutil.which("pg_dump") and shutil.which("pg_restore"), os.environ.get("PATH")
