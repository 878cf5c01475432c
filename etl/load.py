"""Validated rows -> the database, inside the caller's transaction.

Bulk inserts go through the driver, not the ORM: PostgreSQL ``COPY`` (psycopg) and SQLite
``executemany`` with bound parameters are 4-7x faster than SQLAlchemy's executemany here.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from etl.contract import COUNT_COLUMNS
from etl.models import MonthlyCount, Submission

INSERT_COLUMNS = ("partner_id", "county_fips", "month", "pathway", "referrals", "assessments_completed",
                  "enrolled", "notes", "submission_id")
# Column names are the constants above; every value is a bound parameter.
SQLITE_INSERT = (f"INSERT INTO monthly_count ({', '.join(INSERT_COLUMNS)}) "  # noqa: S608
                 f"VALUES ({', '.join('?' for _ in INSERT_COLUMNS)})")
SQLITE_LOAD_CACHE_KB = 512 * 1024  # at most; only a file of millions of rows fills it
COMPARE_COLUMNS = ["county_fips", "month", "pathway", *COUNT_COLUMNS, "notes"]


def month_dates(months: list[str]) -> list[dt.date]:
    """'2026-03' -> date(2026, 3, 1)."""
    return [dt.date(int(m[:4]), int(m[5:7]), 1) for m in months]


def totals_by_month(session: Session, partner_id: int, months: list[str]) -> dict[str, dict[str, int]]:
    """The partner's current totals for each of ``months`` that has data."""
    query = (
        select(MonthlyCount.month, *(func.sum(getattr(MonthlyCount, c)) for c in COUNT_COLUMNS))
        .where(MonthlyCount.partner_id == partner_id, MonthlyCount.month.in_(month_dates(months)))
        .group_by(MonthlyCount.month)
    )
    result = {}
    for month, *sums in session.execute(query):
        result[f"{month:%Y-%m}"] = {c: int(v or 0) for c, v in zip(COUNT_COLUMNS, sums, strict=True)}
    return dict(sorted(result.items()))


def current_rows(session: Session, partner_id: int, months: list[str]) -> pd.DataFrame:
    query = select(MonthlyCount.county_fips, MonthlyCount.month, MonthlyCount.pathway,
                   *(getattr(MonthlyCount, c) for c in COUNT_COLUMNS), MonthlyCount.notes).where(
        MonthlyCount.partner_id == partner_id, MonthlyCount.month.in_(month_dates(months)))
    frame = pd.DataFrame(session.execute(query).all(), columns=COMPARE_COLUMNS)
    frame["month"] = frame["month"].map(lambda d: f"{d:%Y-%m-01}" if d is not None else None)
    return frame


def rows_equal(current: pd.DataFrame, incoming: pd.DataFrame) -> bool:
    """Do the database's rows for these months hold exactly the file's rows?"""
    if len(current) != len(incoming):
        return False

    def canonical(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.loc[:, COMPARE_COLUMNS].copy()
        frame["notes"] = frame["notes"].astype(object).where(frame["notes"].notna(), "")
        for column in COUNT_COLUMNS:
            frame[column] = frame[column].astype("int64")
        for column in ("county_fips", "month", "pathway", "notes"):
            frame[column] = frame[column].astype(str)
        return frame.sort_values(["county_fips", "month", "pathway"]).reset_index(drop=True)

    return canonical(current).equals(canonical(incoming))


def replace_months(session: Session, partner_id: int, submission_id: int, rows: pd.DataFrame,
                   months: list[str]) -> None:
    """Delete the partner's rows for ``months`` and insert ``rows`` in their place."""
    session.execute(delete(MonthlyCount).where(MonthlyCount.partner_id == partner_id,
                                               MonthlyCount.month.in_(month_dates(months))))
    session.flush()
    frame = rows.loc[:, ["county_fips", "month", "pathway", *COUNT_COLUMNS, "notes"]]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy_postgresql(connection, partner_id, submission_id, frame)
    else:
        _insert_sqlite(connection, partner_id, submission_id, frame)


def _copy_postgresql(connection, partner_id: int, submission_id: int, frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    frame = frame.assign(partner_id=partner_id, submission_id=submission_id)
    # CRLF rows: the csv module then quotes a cell holding a lone CR or LF, which COPY would
    # otherwise take for the end of the row (a note of one CR failed with "missing data for column").
    frame.loc[:, list(INSERT_COLUMNS)].to_csv(buffer, header=False, index=False, lineterminator="\r\n")
    driver = connection.connection.driver_connection
    statement = f"COPY monthly_count ({', '.join(INSERT_COLUMNS)}) FROM STDIN (FORMAT csv)"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(buffer.getvalue())


def _insert_sqlite(connection, partner_id: int, submission_id: int, frame: pd.DataFrame) -> None:
    n = len(frame)
    columns = [
        [partner_id] * n,
        frame["county_fips"].tolist(),
        frame["month"].tolist(),
        frame["pathway"].tolist(),
        *(frame[c].tolist() for c in COUNT_COLUMNS),
        frame["notes"].tolist(),
        [submission_id] * n,
    ]
    driver = connection.connection.driver_connection
    # SQLite's default page cache (2 MB) cannot hold the four indexes a big file touches, so pages
    # are evicted and re-read for every few rows (a million rows: ~35 s, mostly waiting on I/O).
    # A larger cache for this statement only; pages are allocated as needed, not up front.
    previous = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size=-{SQLITE_LOAD_CACHE_KB}")
    try:
        driver.executemany(SQLITE_INSERT, zip(*columns, strict=True))
    finally:
        driver.execute(f"PRAGMA cache_size={int(previous)}")


def update_superseded(session: Session, partner_id: int, new_submission_id: int, months: list[str]) -> None:
    """Mark the partner's earlier submissions whose months this one replaced."""
    touched = set(months)
    earlier = session.execute(
        select(Submission.id, Submission.months).where(
            Submission.partner_id == partner_id, Submission.id != new_submission_id,
            Submission.status.in_(("loaded", "partly_superseded")))
    ).all()
    candidates = {sid: set(json.loads(m)) for sid, m in earlier if touched & set(json.loads(m))}
    if not candidates:
        return
    remaining = dict(session.execute(
        select(MonthlyCount.submission_id, func.count(func.distinct(MonthlyCount.month)))
        .where(MonthlyCount.submission_id.in_(list(candidates)))
        .group_by(MonthlyCount.submission_id)
    ).all())
    changes = []
    for sid, its_months in candidates.items():
        left = remaining.get(sid, 0)
        status = "superseded" if left == 0 else ("partly_superseded" if left < len(its_months) else "loaded")
        changes.append({"id": sid, "status": status})
    session.execute(update(Submission), changes)  # ORM bulk UPDATE by primary key
