"""Synthetic demo data for a program: partner files generated, then loaded through the pipeline.

The numbers are made up (seeded, so the same day always gives the same files) and every file
says so in its notes. ``run_demo`` only works on a database it created itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, func, select

from etl.archive import sha256_of
from etl.contract import COLUMN_NAMES
from etl.db import session_factory
from etl.errors import ConfigError
from etl.models import AppMeta, Submission, User
from etl.pipeline import Intake, process_file
from etl.program import Program
from etl.report import FileReport
from etl.settings import Settings

DEMO_MONTHS = 24
DEMO_MARK = "demo_database"
DEMO_NOTE = "SYNTHETIC demo data"
# Printed by `python -m etl demo` and shown on the sign-in page only while the demo database is in use.
DEMO_PASSWORD = "lead-demo-2026"  # noqa: S105 (a published demo credential, not a secret)
DEMO_PARTNER = "prestera"


@dataclass(frozen=True)
class DemoFile:
    partner: str
    path: Path
    received_at: dt.datetime


def demo_months(today: dt.date, count: int = DEMO_MONTHS) -> list[dt.date]:
    """The ``count`` months before the current one, oldest first."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        months.append(dt.date(year, month, 1))
    return months[::-1]


def _due(month: dt.date, due_day: int) -> dt.datetime:
    year, number = (month.year + 1, 1) if month.month == 12 else (month.year, month.month + 1)
    return dt.datetime(year, number, due_day, 17, 0, tzinfo=dt.UTC)


def _rows(program: Program, partner_code: str, month: dt.date, index: int) -> list[dict]:
    rng = np.random.default_rng(zlib.crc32(f"{partner_code}:{month:%Y-%m}".encode()))
    ramp = 0.5 + 0.5 * min(index / 12, 1)  # programs grow over their first year
    rows = []
    for fips in program.partner(partner_code).counties:
        county = program.county(fips)
        population = county.population or 20_000
        for pathway, per_person, assessed in (("arrest_diversion", 1 / 45_000, 0.78),
                                               ("social_contact", 1 / 80_000, 0.62)):
            referrals = int(rng.poisson(population * per_person * ramp))
            rows.append({
                "month": f"{month:%Y-%m}", "county": county.name, "referral_type": pathway,
                "referrals": referrals,
                "assessments_completed": int(rng.binomial(referrals, assessed)),
                "enrolled": int(rng.binomial(referrals, 0.9)),
                "notes": DEMO_NOTE,
            })
    return rows


def _write(path: Path, rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMN_NAMES), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != buffer.getvalue():
        path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


def generate_demo_files(program: Program, out_dir: Path, today: dt.date) -> list[DemoFile]:
    """Write the demo partner files under ``out_dir/<partner>/``; return them in sending order.

    Each partner sends one file a month. To show the dashboard's statuses the sample also has:
    the last partner late most months and missing the latest month, the first partner sending one
    month with a misspelled county (rejected) and then the fixed file, and the third partner
    sending a corrected file for one month (the first becomes superseded).
    """
    now = dt.datetime.combine(today, dt.time(12, 0), tzinfo=dt.UTC)
    months = demo_months(today)
    files: list[DemoFile] = []
    codes = [p.code for p in program.partners]
    for index, month in enumerate(months):
        due = _due(month, program.report_due_day)
        for number, code in enumerate(codes):
            late = number == len(codes) - 1 and len(codes) > 1
            if late and month == months[-1]:
                continue  # this partner has not sent the latest month yet
            received = due + dt.timedelta(days=6 if late and index % 3 else -2, hours=number)
            received = min(received, now)
            rows = _rows(program, code, month, index)
            stem = out_dir / code / f"{code}_{month:%Y-%m}"
            if number == 0 and index == len(months) - 3:
                bad = [dict(r) for r in rows]
                bad[0]["county"] = bad[0]["county"][:-1] + "h"  # a typo the validator catches
                _write(Path(f"{stem}_rejected.csv"), bad)
                files.append(DemoFile(code, Path(f"{stem}_rejected.csv"), received - dt.timedelta(hours=3)))
            _write(Path(f"{stem}.csv"), rows)
            files.append(DemoFile(code, Path(f"{stem}.csv"), received))
            if number == 2 % len(codes) and index == len(months) - 4:
                corrected = [dict(r, referrals=r["referrals"] + 1, notes=DEMO_NOTE + " (corrected)")
                             for r in rows]
                _write(Path(f"{stem}_corrected.csv"), corrected)
                files.append(DemoFile(code, Path(f"{stem}_corrected.csv"),
                                      min(received + dt.timedelta(days=9), now)))
    return files


def claim_database(engine: Engine) -> None:
    """Mark an empty database as the demo's; refuse one that holds anything else."""
    with session_factory(engine).begin() as session:
        if session.get(AppMeta, DEMO_MARK) is not None:
            return
        used = session.scalar(select(func.count()).select_from(Submission)) or session.scalar(
            select(func.count()).select_from(User))
        if used:
            raise ConfigError(
                "this database was not created by 'python -m etl demo' and already holds data; "
                "the demo only writes to its own database (point LEAD_DATABASE_URL at a new one)")
        session.add(AppMeta(key=DEMO_MARK, value=dt.datetime.now(dt.UTC).isoformat()))


def is_demo_database(engine: Engine) -> bool:
    with session_factory(engine)() as session:
        return session.get(AppMeta, DEMO_MARK) is not None


def load_demo(engine: Engine, program: Program, settings: Settings, progress=None) -> list[FileReport]:
    """Generate the demo files and load the ones not yet received, through the pipeline."""
    claim_database(engine)
    files = generate_demo_files(program, settings.data_dir / "demo", settings.today)
    with session_factory(engine)() as session:
        received = set(session.execute(select(Submission.sha256, Submission.filename)).all())
    reports = []
    for number, demo_file in enumerate(files, start=1):
        data = demo_file.path.read_bytes()
        if (sha256_of(data), demo_file.path.name) in received:
            continue  # running the demo again adds nothing
        if progress:
            progress(f"[{number}/{len(files)}] {demo_file.path.name}")
        reports.append(process_file(
            engine, program, partner_code=demo_file.partner, filename=demo_file.path.name, data=data,
            intake=Intake(source="demo", received_by="demo", received_at=demo_file.received_at),
            archive_dir=settings.archive_dir, today=settings.today, max_bytes=settings.max_file_bytes,
        ))
    return reports


def demo_accounts(program: Program) -> list[tuple[str, str, str, str | None]]:
    """(login, display name, role, partner) of the three demo accounts."""
    partner = DEMO_PARTNER if program.has_partner(DEMO_PARTNER) else program.partners[0].code
    return [
        ("demo-coordinator", "Demo coordinator", "coordinator", None),
        ("demo-partner", f"Demo partner ({program.partner(partner).name})", "partner", partner),
        ("demo-leadership", "Demo leadership", "leadership", None),
    ]


def create_demo_accounts(engine: Engine, program: Program) -> list[str]:
    """One account of each role, password DEMO_PASSWORD; only on the demo's own database."""
    from etl.users import add_user, get_account

    claim_database(engine)
    created = []
    for login, name, role, partner in demo_accounts(program):
        if get_account(engine, login) is None:
            add_user(engine, login=login, display_name=name, role=role, partner_code=partner,
                     password=DEMO_PASSWORD)
            created.append(login)
    return created
