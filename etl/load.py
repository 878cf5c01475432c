"""Validated rows -> the database, inside the caller's transaction.

Bulk inserts go through the driver, not the ORM: PostgreSQL ``COPY`` (psycopg) and SQLite
``executemany`` with bound parameters are 4-7x faster than SQLAlchemy's executemany here. Rows go
in the order of monthly_count's key, its only index (see ``etl.models.MonthlyCount``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, DropConstraint

from etl.contract import COUNT_COLUMNS, ROW_COLUMN
from etl.models import County, MonthlyCount, Partner, Submission

INSERT_COLUMNS = ("partner_id", "county_fips", "month", "pathway", "referrals", "assessments_completed",
                  "enrolled", "notes", "submission_id")
SQLITE_ROW_COLUMNS = INSERT_COLUMNS[1:-1]  # the values that differ from row to row
SQLITE_ROWS_PER_INSERT = 100  # rows per INSERT statement (702 bound values; SQLite allows 32,766)
SQLITE_LOAD_CACHE_KB = 512 * 1024  # at most; only a file of millions of rows fills it
COPY_SLICE_ROWS = 100_000
PROGRESS_ROWS = 10_000  # SQLite: tell the progress callback this often
BULK_ROWS = 100_000  # a PostgreSQL load of at least this many rows may rebuild the key's index
RowsDone = Callable[[int], None]  # told how many of a file's rows have been sent to the database
COMPARE_COLUMNS = ["county_fips", "month", "pathway", *COUNT_COLUMNS, "notes"]


def sqlite_insert(rows: int) -> str:
    """INSERT of ``rows`` rows, every value a bound parameter; column names are the constants above.

    ``?1`` (the partner) and ``?2`` (the submission) are bound once for all the rows; the other
    values ``?3``... row by row. Many rows a statement: SQLite then runs its insert program once
    for a hundred rows, not once a row (a million rows: ~20% faster than one row a statement).
    """
    width = len(SQLITE_ROW_COLUMNS)
    row_values = (", ".join(f"?{3 + row * width + i}" for i in range(width)) for row in range(rows))
    values = ", ".join(f"(?1, {one}, ?2)" for one in row_values)
    return f"INSERT INTO monthly_count ({', '.join(INSERT_COLUMNS)}) VALUES {values}"  # noqa: S608


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


def held_by_others(session: Session, partner_id: int, rows: pd.DataFrame) -> pd.DataFrame:
    """The file's rows whose (county, month, pathway) another partner already reports: their
    Excel row (``ROW_COLUMN``), county_fips, month, pathway and that partner's name, in file order.

    One county's month belongs to one partner (the table's key); this happens when a county has
    been moved between partners and both send the same month.
    """
    months = sorted({str(m) for m in pd.unique(rows["month"])})
    counties = [str(c) for c in pd.unique(rows["county_fips"])]
    query = (select(MonthlyCount.county_fips, MonthlyCount.month, MonthlyCount.pathway, Partner.name)
             .join(Partner, Partner.id == MonthlyCount.partner_id)
             .where(MonthlyCount.partner_id != partner_id,
                    MonthlyCount.month.in_(month_dates([m[:7] for m in months])),
                    MonthlyCount.county_fips.in_(counties)))
    held = pd.DataFrame(session.execute(query).all(), columns=["county_fips", "month", "pathway", "held_by"])
    columns = [ROW_COLUMN, "county_fips", "month", "pathway", "held_by"]
    if held.empty:
        return pd.DataFrame(columns=columns)
    held["month"] = held["month"].map(lambda d: f"{d:%Y-%m-01}")
    keyed = rows.loc[:, [ROW_COLUMN, "county_fips", "month", "pathway"]].astype(
        {"county_fips": str, "month": str, "pathway": str})
    return keyed.merge(held, on=["county_fips", "month", "pathway"]).sort_values(ROW_COLUMN).loc[:, columns]


def current_rows(session: Session, partner_id: int, months: list[str]) -> pd.DataFrame:
    query = select(MonthlyCount.county_fips, MonthlyCount.month, MonthlyCount.pathway,
                   *(getattr(MonthlyCount, c) for c in COUNT_COLUMNS), MonthlyCount.notes).where(
        MonthlyCount.partner_id == partner_id, MonthlyCount.month.in_(month_dates(months)))
    frame = pd.DataFrame(session.execute(query).all(), columns=COMPARE_COLUMNS)
    frame["month"] = frame["month"].map(lambda d: f"{d:%Y-%m-01}" if d is not None else None)
    return frame


def is_current(session: Session, partner_id: int, rows: pd.DataFrame, months: list[str],
               current_totals: dict[str, dict[str, int]]) -> bool:
    """Do the partner's rows for ``months`` in the database hold exactly ``rows``?

    ``current_totals`` is ``totals_by_month`` of those months: when the file's own totals differ
    (a correction, the usual case), the answer is no without reading every stored row.
    """
    if sorted(current_totals) != sorted(months):
        return False
    sums = rows.groupby("month", observed=True)[list(COUNT_COLUMNS)].sum()
    file_totals = {str(month)[:7]: {c: int(v) for c, v in counts.items()} for month, counts in sums.iterrows()}
    if file_totals != current_totals:
        return False
    return rows_equal(current_rows(session, partner_id, months), rows)


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
                   months: list[str], on_rows: RowsDone | None = None) -> None:
    """Delete the partner's rows for ``months`` and insert ``rows`` in their place.

    ``on_rows`` is told, now and then, how many of the rows have been sent (for a progress bar).
    """
    on_rows = on_rows or (lambda _done: None)
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    rebuild = postgresql and _rebuild_key_index(session, len(rows))
    session.execute(delete(MonthlyCount).where(MonthlyCount.month.in_(month_dates(months)),
                                               MonthlyCount.partner_id == partner_id))
    session.flush()
    check_references(session, partner_id, submission_id, rows)
    frame = in_key_order(rows.loc[:, ["county_fips", "month", "pathway", *COUNT_COLUMNS, "notes"]])
    if not postgresql:
        _insert_sqlite(connection, partner_id, submission_id, frame, on_rows=on_rows)
    elif rebuild:
        key = MonthlyCount.__table__.primary_key
        session.execute(DropConstraint(key))
        _copy_postgresql(connection, partner_id, submission_id, frame, on_rows=on_rows)
        # Building the index sorts every row: in memory, not in temporary files (64 MB by default;
        # a million rows need ~100 MB). For this transaction only.
        session.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        session.execute(AddConstraint(key))  # a duplicate key fails here
    else:
        _copy_postgresql(connection, partner_id, submission_id, frame, on_rows=on_rows)


def _rebuild_key_index(session: Session, incoming: int) -> bool:
    """Should this PostgreSQL load drop the key's index and build it again after the COPY?

    Inserting into the index costs a search per row; building it is one sort, and is cheaper
    once the file holds at least as many rows as the table (a first backfill: PostgreSQL's
    documentation advises the same for bulk loads). The table is then locked for the load,
    readers included, so it is done only for big files (``BULK_ROWS``). The same transaction
    drops and rebuilds the index, so nothing is ever seen without it.
    """
    if incoming < BULK_ROWS or session.scalar(select(func.count()).select_from(MonthlyCount)) > incoming:
        return False
    # Taken before the delete: upgrading a lock later could deadlock with another partner's load.
    session.execute(text("LOCK TABLE monthly_count IN ACCESS EXCLUSIVE MODE"))
    return True


def check_references(session: Session, partner_id: int, submission_id: int, rows: pd.DataFrame) -> None:
    """What monthly_count's foreign keys would check, once per file instead of once per row.

    The validator already took every county from the program, and the program's counties are
    synced into ``county``; a failure here is a bug, not bad data, so it raises.
    """
    counties = [str(c) for c in pd.unique(rows["county_fips"])]
    known = session.scalar(select(func.count()).select_from(County).where(County.fips.in_(counties)))
    partner = session.scalar(select(func.count()).select_from(Partner).where(Partner.id == partner_id))
    submission = session.scalar(select(func.count()).select_from(Submission).where(Submission.id == submission_id))
    if known != len(counties) or partner != 1 or submission != 1:
        raise LookupError(f"monthly_count would refer to what does not exist: {len(counties) - known} unknown "
                          f"counties, partner {partner_id} ({partner}), submission {submission_id} ({submission})")


def in_key_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by the table's key (month, county, pathway): each insert lands next to the last."""
    key = np.zeros(len(frame), dtype="int64")
    for column in ("month", "county_fips", "pathway"):
        codes, uniques = pd.factorize(frame[column])
        rank = np.argsort(np.argsort(np.asarray(uniques, dtype=object)))  # each distinct value's place
        key = key * len(uniques) + rank[codes]
    if len(key) < 2 or (key[1:] > key[:-1]).all():  # already in order, as most files are
        return frame
    return frame.iloc[np.argsort(key, kind="stable")]


def _copy_postgresql(connection, partner_id: int, submission_id: int, frame: pd.DataFrame, *,
                     on_rows: RowsDone) -> None:
    """COPY in CSV written by pyarrow (C++; pandas' to_csv took 2 s a million rows), in slices, so
    the server inserts one slice while the next is written."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    n = len(frame)
    table = pa.table({
        "partner_id": pa.array(np.full(n, partner_id, dtype="int64")),
        "county_fips": _text_array(frame["county_fips"]),
        "month": _text_array(frame["month"]),
        "pathway": _text_array(frame["pathway"]),
        **{c: pa.array(frame[c].to_numpy(dtype="int64")) for c in COUNT_COLUMNS},
        "notes": pa.array(frame["notes"].to_numpy(dtype=object), type=pa.string(), from_pandas=True),
        "submission_id": pa.array(np.full(n, submission_id, dtype="int64")),
    })
    driver = connection.connection.driver_connection
    statement = f"COPY monthly_count ({', '.join(table.column_names)}) FROM STDIN (FORMAT csv)"
    # Every text cell is quoted (so a note of '\.' or one holding CR or LF is a cell, never an
    # end of data or of a row); an empty unquoted cell is NULL.
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    with _as_sqlalchemy_errors(connection, statement), driver.cursor() as cursor, cursor.copy(statement) as copy:
        for start in range(0, n, COPY_SLICE_ROWS):
            buffer = io.BytesIO()
            pacsv.write_csv(table.slice(start, COPY_SLICE_ROWS), buffer, options)
            copy.write(buffer.getbuffer())
            on_rows(min(start + COPY_SLICE_ROWS, n))


@contextlib.contextmanager
def _as_sqlalchemy_errors(connection, statement: str) -> Iterator[None]:
    """The driver's own errors, raised as SQLAlchemy's (IntegrityError, OperationalError, ...), as
    statements sent through SQLAlchemy raise them: the pipeline tells a duplicate key (another
    partner holds the county) and a lost race (try again) apart by those classes."""
    dbapi = connection.dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as error:
        raise DBAPIError.instance(statement, None, error, dbapi.Error) from error


def _text_array(column: pd.Series):
    """A text column as an Arrow string array, built once per distinct value for a categorical."""
    import pyarrow as pa

    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = pa.array([str(c) for c in column.cat.categories], type=pa.string())
        return categories.take(pa.array(column.cat.codes.to_numpy(dtype="int32")))
    return pa.array(column.to_numpy(dtype=object), type=pa.string(), from_pandas=True)


def _python_values(column: pd.Series) -> list:
    """A column as Python values for the driver, missing ones None. A categorical's values are its
    categories, taken by code (a tenth of the time of pandas' ``tolist`` for a million rows)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        by_code = np.empty(len(column.cat.categories) + 1, dtype=object)  # code -1 (missing): the last, None
        by_code[:-1] = [str(c) for c in column.cat.categories]
        return by_code[column.cat.codes.to_numpy()].tolist()
    return column.tolist()


def _insert_sqlite(connection, partner_id: int, submission_id: int, frame: pd.DataFrame, *,
                   on_rows: RowsDone) -> None:
    n, width = len(frame), len(SQLITE_ROW_COLUMNS)
    values = [None] * (n * width)  # the file's rows, one after the other, in SQLITE_ROW_COLUMNS order
    for i, column in enumerate(SQLITE_ROW_COLUMNS):
        values[i::width] = _python_values(frame[column])
    step = SQLITE_ROWS_PER_INSERT * width
    whole = (n - n % SQLITE_ROWS_PER_INSERT) * width
    batches = [(sqlite_insert(SQLITE_ROWS_PER_INSERT), SQLITE_ROWS_PER_INSERT, 0,
                ([partner_id, submission_id, *values[i:i + step]] for i in range(0, whole, step))),
               (sqlite_insert(1), 1, whole // width,
                ([partner_id, submission_id, *values[i:i + width]] for i in range(whole, n * width, width)))]
    driver = connection.connection.driver_connection
    # SQLite's default page cache (2 MB) is too small for a big file's pages: they would be
    # written out and read back again. A larger cache for this statement only; pages are
    # allocated as needed, not up front.
    previous = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size=-{SQLITE_LOAD_CACHE_KB}")
    try:
        for statement, rows_each, done_before, parameters in batches:
            with _as_sqlalchemy_errors(connection, statement):
                driver.executemany(statement, _telling(parameters, rows_each, done_before, on_rows))
    finally:
        driver.execute(f"PRAGMA cache_size={int(previous)}")
    on_rows(n)


def _telling(parameters: Iterator[list], rows_each: int, done_before: int, on_rows: RowsDone) -> Iterator[list]:
    """``parameters`` as they are, telling ``on_rows`` every PROGRESS_ROWS rows how many have gone in."""
    for number, batch in enumerate(parameters):
        done = done_before + number * rows_each
        if number and done % PROGRESS_ROWS == 0:
            on_rows(done)
        yield batch


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
    # Each of the partner's months is held by one submission (a load replaces whole months), so
    # the months still held come from the partner's rows in those months, read by the table's key.
    their_months = sorted(set().union(*candidates.values()))
    remaining = dict(session.execute(
        select(MonthlyCount.submission_id, func.count(func.distinct(MonthlyCount.month)))
        .where(MonthlyCount.month.in_(month_dates(their_months)), MonthlyCount.partner_id == partner_id,
               MonthlyCount.submission_id.in_(list(candidates)))
        .group_by(MonthlyCount.submission_id)
    ).all())
    changes = []
    for sid, its_months in candidates.items():
        left = remaining.get(sid, 0)
        status = "superseded" if left == 0 else ("partly_superseded" if left < len(its_months) else "loaded")
        changes.append({"id": sid, "status": status})
    session.execute(update(Submission), changes)  # ORM bulk UPDATE by primary key
