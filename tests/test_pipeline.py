"""The one pipeline, end to end on real databases: load, reject, replace, already loaded."""

import json

import pytest
from sqlalchemy import func, select

from etl.archive import archived_path
from etl.contract import COUNT_COLUMNS
from etl.db import session_factory
from etl.models import MonthlyCount, Submission
from etl.pipeline import Intake, UnknownPartnerError, process_file
from tests.helpers import csv_bytes, prestera_month, row, totals


def run(runtime, data: bytes, partner="prestera", load=True, name="file.csv"):
    settings = runtime.settings
    return process_file(runtime.engine, runtime.program, partner_code=partner, filename=name, data=data,
                        intake=Intake(source="cli", received_by="test"), archive_dir=settings.archive_dir,
                        today=settings.today, max_bytes=settings.max_file_bytes, load=load)


def database_totals(runtime, partner_id=None) -> dict[str, int]:
    with session_factory(runtime.engine)() as session:
        sums = session.execute(select(*(func.coalesce(func.sum(getattr(MonthlyCount, c)), 0)
                                        for c in COUNT_COLUMNS))).one()
    return dict(zip(COUNT_COLUMNS, map(int, sums), strict=True))


def statuses(runtime) -> list[str]:
    with session_factory(runtime.engine)() as session:
        return list(session.scalars(select(Submission.status).order_by(Submission.id)))


def test_a_valid_file_loads_and_its_totals_are_the_databases(runtime):
    rows = prestera_month("2026-03") + prestera_month("2026-04", base=7)
    report = run(runtime, csv_bytes(rows))
    assert report.status == "loaded", report.errors
    assert report.rows == 12
    assert report.months == ["2026-03", "2026-04"]
    assert report.totals == totals(rows)
    assert database_totals(runtime) == totals(rows)
    assert archived_path(runtime.settings.archive_dir, report.sha256).read_bytes() == csv_bytes(rows)


def test_validate_only_writes_nothing(runtime):
    report = run(runtime, csv_bytes(prestera_month()), load=False)
    assert report.status == "valid"
    assert database_totals(runtime)["referrals"] == 0
    assert statuses(runtime) == []
    assert not runtime.settings.archive_dir.exists()


def test_an_invalid_file_is_rejected_whole_but_archived_with_its_report(runtime):
    rows = prestera_month() + [row(county="Kanawah")]
    report = run(runtime, csv_bytes(rows))
    assert report.status == "rejected"
    assert [(e.row, e.column) for e in report.errors] == [(8, "county")]
    assert database_totals(runtime)["referrals"] == 0
    assert statuses(runtime) == ["rejected"]
    with session_factory(runtime.engine)() as session:
        stored = json.loads(session.scalars(select(Submission.report)).one())
    assert stored["errors"][0]["message"].startswith("'Kanawah' is not a county of West Virginia")
    assert archived_path(runtime.settings.archive_dir, report.sha256).exists()


def test_resubmitting_a_month_replaces_it_and_supersedes_the_first_file(runtime):
    march, april = prestera_month("2026-03"), prestera_month("2026-04")
    run(runtime, csv_bytes(march + april))
    corrected = prestera_month("2026-04", base=9)
    report = run(runtime, csv_bytes(corrected))
    assert report.status == "loaded"
    assert report.replaced == {"2026-04": totals(april)}
    assert database_totals(runtime) == {c: totals(march)[c] + totals(corrected)[c] for c in COUNT_COLUMNS}
    assert statuses(runtime) == ["partly_superseded", "loaded"]
    run(runtime, csv_bytes(prestera_month("2026-03", base=2)))
    assert statuses(runtime) == ["superseded", "loaded", "loaded"]


def test_the_same_rows_again_change_nothing_and_say_so(runtime):
    rows = prestera_month()
    run(runtime, csv_bytes(rows))
    again = run(runtime, csv_bytes(list(reversed(rows)), delimiter=";"))  # other bytes, same rows
    assert again.status == "already_loaded"
    assert database_totals(runtime) == totals(rows)
    assert statuses(runtime) == ["loaded", "already_loaded"]


def test_reloading_an_older_file_on_purpose_applies_it_again(runtime):
    first, second = prestera_month(base=4), prestera_month(base=8)
    run(runtime, csv_bytes(first))
    run(runtime, csv_bytes(second))
    report = run(runtime, csv_bytes(first))
    assert report.status == "loaded"
    assert database_totals(runtime) == totals(first)


def test_an_unknown_partner_is_a_usage_error(runtime):
    with pytest.raises(UnknownPartnerError, match="unknown partner 'nobody'"):
        run(runtime, csv_bytes(prestera_month()), partner="nobody")
