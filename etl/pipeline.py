"""read -> validate -> archive -> load: the one function every front door calls.

The command line, the pull job (folder inbox, HTTPS export) and the web upload all call
``process_file`` and get the same ``FileReport``. With ``load=False`` it only checks the file
and previews what a load would replace; it writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from etl import load as loader
from etl.archive import archive_bytes, sha256_of
from etl.contract import COUNT_COLUMNS, ROW_COLUMN
from etl.db import error_reason, is_transient_conflict, session_factory
from etl.models import Partner, Submission, utc_now
from etl.program import Program
from etl.read import FileContents, read_table, too_large
from etl.report import ALREADY_LOADED, INVALID, LOADED, MAX_ISSUES, REJECTED, VALID, FileReport, Issue
from etl.validate import validate_table

Progress = Callable[[str, float], None]
"""Told the stage a file is at and how much of its work is done (0 to 1), for a progress bar."""
# Where each stage starts, as a share of a big file's time (a million rows: reading and validating
# ~20%, inserting ~75%); "loading" then moves on with the rows sent.
STAGE_STARTS = {"reading": 0.0, "validating": 0.1, "archiving": 0.2, "loading": 0.25, "recording": 0.25,
                "done": 1.0}
log = logging.getLogger(__name__)
# A load that loses a race (SQLite still locked after its busy timeout, a PostgreSQL deadlock or
# serialisation failure) is rolled back whole, so trying it again is safe; a few tries with a
# growing, jittered pause turn those races into a wait instead of an error the partner cannot act on.
LOAD_ATTEMPTS = 4
RETRY_PAUSE_SECONDS = 0.25


HELD_BY_ANOTHER = "held-by-another-partner"
ALREADY_CURRENT = "these rows are already the current data: loading the file would change nothing"


class UnknownPartnerError(ValueError):
    """The partner code is not in the program file."""


@dataclass(frozen=True)
class Intake:
    """Where a file came from and who sent it."""

    source: str  # upload, folder, url, cli, demo
    received_by: str  # a login, or the job's name
    received_at: dt.datetime | None = None  # default: now (the demo back-dates its files)


def process_file(
    engine: Engine,
    program: Program,
    *,
    partner_code: str,
    filename: str,
    data: bytes | FileContents,
    intake: Intake,
    archive_dir,
    today: dt.date,
    max_bytes: int,
    load: bool = True,
    progress: Progress | None = None,
) -> FileReport:
    """Validate one file for one partner and, if ``load``, archive it and load it in one transaction.

    ``data``: the file's bytes, or, for a file on disk, ``etl.read.read_file`` of it (a file over
    ``max_bytes`` is then refused without being read into memory).
    """
    if not program.has_partner(partner_code):
        known = ", ".join(p.code for p in program.partners)
        raise UnknownPartnerError(f"unknown partner {partner_code!r}; the program's partners are: {known}")
    tell = progress or (lambda _stage, _share: None)

    def step(stage: str) -> None:
        tell(stage, STAGE_STARTS[stage])

    most_sent = 0

    def rows_sent(done: int) -> None:
        nonlocal most_sent  # a retried transaction sends its rows again: the bar does not go back
        if done > most_sent:
            most_sent = done
            start = STAGE_STARTS["loading"]
            tell("loading", start + (1 - start) * done / max(report.rows or 0, 1))

    if not isinstance(data, FileContents):
        data = FileContents(data, len(data), sha256_of(data))
    report = FileReport(file=filename, partner=partner_code, sha256=data.sha256, byte_size=data.size)
    step("reading")
    table = too_large(data.size, max_bytes) if data.data is None else read_table(data.data, filename, max_bytes)
    rows = None
    if table.issues:
        report.extend(table.issues)
    else:
        step("validating")
        # Rows the reader could not take (too wide) are reported with the validator's, in row order.
        issues, count = list(table.row_issues), table.row_issue_count
        # The rows the file holds, valid or not (empty rows are not rows): a rejected file's too.
        report.rows = table.row_issue_count + (len(table.frame) if table.frame is not None else 0)
        if table.frame is not None:
            validation = validate_table(table.frame, program, partner_code, today)
            issues, count = issues + validation.issues, count + validation.issue_count
            rows = validation.rows
        report.extend(sorted(issues, key=lambda i: (i.row is not None, i.row or 0)), total=count)
        if report.valid:
            report.months = sorted({m[:7] for m in rows["month"].unique()})
            report.totals = {c: int(rows[c].sum()) for c in COUNT_COLUMNS}
            _check_other_partners(engine, program, report, rows)
        if report.valid and not load:
            _preview_load(engine, report, rows)
    if not load:
        report.status = VALID if report.valid else INVALID
        step("done")
        return report

    if table.issues:
        # Not a readable table (too large, empty, binary, a zip bomb): refused before anything is
        # written, archive included, so hostile bytes cost no storage. A table with bad rows is
        # still archived and recorded as rejected below, with its report.
        report.status = REJECTED
        step("done")
        return report
    step("archiving")
    archive_bytes(archive_dir, data.data, data.sha256)
    step("loading" if report.valid else "recording")
    try:
        _with_retry(lambda: _record(engine, report, rows, intake, rows_sent), report.file)
    except IntegrityError:
        report = _conflict(engine, program, report, rows, intake)
    step("done")
    return report


def _check_other_partners(engine: Engine, program: Program, report: FileReport, rows) -> None:
    """Rows whose county's month another partner already reports: each an issue, as any other rule
    (only the database can tell)."""
    with session_factory(engine)() as session:
        partner_id = session.scalar(select(Partner.id).where(Partner.code == report.partner))
        held = loader.held_by_others(session, partner_id, rows)
    if held.empty:
        return
    names = {c.fips: c.name for c in program.counties}
    report.extend([_held_issue(names[r["county_fips"]], r["month"][:7], r["pathway"], r["held_by"],
                               int(r[ROW_COLUMN])) for r in held.head(MAX_ISSUES).to_dict("records")],
                  total=len(held))


def _preview_load(engine: Engine, report: FileReport, rows) -> None:
    """For a check without a load: what loading the file would replace, and whether its rows are
    already the current data (a load would then change nothing)."""
    with session_factory(engine)() as session:
        partner_id = session.scalar(select(Partner.id).where(Partner.code == report.partner))
        report.replaced = loader.totals_by_month(session, partner_id, report.months)
        if loader.is_current(session, partner_id, rows, report.months, report.replaced):
            report.already_current = True
            report.message = ALREADY_CURRENT


def _held_issue(county: str, month: str, pathway: str, held_by: str, row: int) -> Issue:
    return Issue(row, "county", county, HELD_BY_ANOTHER,
                 f"{county}, {month}, {pathway} is already reported by {held_by}: each county's month is "
                 f"reported by one partner. If {county} has moved to your region, ask the state coordinator "
                 f"which partner reports {month}")


def _with_retry(record: Callable[[], None], filename: str) -> None:
    """Run one load transaction, again after a transient conflict (it rolled back whole)."""
    for attempt in range(1, LOAD_ATTEMPTS + 1):
        try:
            record()
            return
        except DBAPIError as error:
            if isinstance(error, IntegrityError) or attempt == LOAD_ATTEMPTS or not is_transient_conflict(error):
                raise
            pause = RETRY_PAUSE_SECONDS * 2 ** (attempt - 1) * (1 + random.random())
            log.warning("%s: transient database conflict (%s); trying again in %.1f s",
                        filename, error_reason(error), pause)
            time.sleep(pause)


def _record(engine: Engine, report: FileReport, rows, intake: Intake,
            rows_sent: loader.RowsDone | None = None) -> None:
    report.replaced = {}  # a retried attempt starts from what the database holds now
    with session_factory(engine).begin() as session:
        # Locking the partner's row serialises that partner's loads (PostgreSQL); SQLite's
        # BEGIN IMMEDIATE already serialises every writer.
        partner = session.scalars(
            select(Partner).where(Partner.code == report.partner).with_for_update()).one()
        submission = Submission(
            partner_id=partner.id, source=intake.source, filename=report.file[:255], sha256=report.sha256,
            byte_size=report.byte_size, received_at=intake.received_at or utc_now(),
            received_by=intake.received_by[:100], status=REJECTED, row_count=report.rows,
            months=json.dumps(report.months),
        )
        session.add(submission)
        session.flush()
        report.submission_id = submission.id
        if not report.valid:
            report.status = REJECTED
        elif loader.is_current(session, partner.id, rows, report.months,
                               before := loader.totals_by_month(session, partner.id, report.months)):
            report.status = ALREADY_LOADED
        else:
            report.replaced = before
            loader.replace_months(session, partner.id, submission.id, rows, report.months, on_rows=rows_sent)
            loader.update_superseded(session, partner.id, submission.id, report.months)
            report.status = LOADED
        submission.status = report.status
        submission.report = json.dumps(report.to_dict(), ensure_ascii=False)


def _conflict(engine: Engine, program: Program, report: FileReport, rows, intake: Intake) -> FileReport:
    """The key refused a row another partner loaded after this file was checked (two loads at
    once, a county reassigned since): reject the file, naming those rows."""
    rejected = FileReport(file=report.file, partner=report.partner, sha256=report.sha256,
                          byte_size=report.byte_size, rows=report.rows, months=report.months,
                          totals=report.totals)
    _check_other_partners(engine, program, rejected, rows)
    if rejected.valid:  # not found again: say what the database said
        rejected.add(Issue(None, "county", None, "conflict",
                           "some county, month and referral type in this file is already reported by another "
                           "partner (was a county moved between regions?); ask the state coordinator"))
    _with_retry(lambda: _record(engine, rejected, None, intake), report.file)
    return rejected
