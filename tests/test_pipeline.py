"""The one pipeline, end to end on real databases: load, reject, replace, already loaded."""

import json

import pandas as pd
import pytest
from sqlalchemy import func, inspect, select

from etl import load as load_module
from etl import pipeline
from etl.archive import archived_path
from etl.contract import COUNT_COLUMNS
from etl.db import session_factory
from etl.load import check_references, in_key_order
from etl.models import MonthlyCount, Submission
from etl.pipeline import Intake, UnknownPartnerError, process_file
from etl.program import load_program
from etl.runtime import open_runtime
from etl.sync import sync_program
from tests.conftest import ROOT, create_postgres_database, drop_postgres_database, environment
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


def test_validate_says_what_a_load_would_do_without_doing_it(runtime):
    march = prestera_month("2026-03")
    fresh = run(runtime, csv_bytes(march), load=False)
    assert (fresh.replaced, fresh.message) == ({}, "")
    assert run(runtime, csv_bytes(march)).status == "loaded"

    same = run(runtime, csv_bytes(march), load=False, name="again.csv")
    assert same.status == "valid" and same.replaced == {"2026-03": totals(march)}
    assert same.message == pipeline.ALREADY_CURRENT
    assert same.summary().endswith("; these rows are already the current data: loading the file would change nothing")
    assert run(runtime, csv_bytes(march), name="again.csv").status == "already_loaded"  # as validate said

    assert same.lines() == [same.summary()]  # nothing "replaced" listed under it

    corrected = prestera_month("2026-03", base=6)
    would = run(runtime, csv_bytes(corrected), load=False, name="corrected.csv")
    assert would.replaced == {"2026-03": totals(march)} and would.message == "" and not would.already_current
    assert "; would replace 1 month(s) of earlier data" in would.summary()
    assert would.lines()[1] == ("  would replace 2026-03: " + ", ".join(f"{c} {totals(march)[c]:,}"
                                                                          for c in COUNT_COLUMNS))
    assert database_totals(runtime) == totals(march)  # still only checked

    # The same totals, other rows (two counties' counts swapped): not the current data.
    swapped = [dict(r) for r in march]
    for column in COUNT_COLUMNS:
        swapped[0][column], swapped[2][column] = march[2][column], march[0][column]
    assert totals(swapped) == totals(march) and swapped != march
    assert not run(runtime, csv_bytes(swapped), load=False, name="swapped.csv").already_current
    assert run(runtime, csv_bytes(swapped), name="swapped.csv").status == "loaded"


def test_validate_reports_a_month_another_partner_already_reported(runtime, tmp_path):
    assert run(runtime, csv_bytes(prestera_month("2026-03"))).status == "loaded"
    program = moved_kanawha(runtime, tmp_path)
    settings = runtime.settings
    report = process_file(runtime.engine, program, partner_code="region-4", filename="k.csv",
                          data=csv_bytes([row(county="Kanawha"), row(county="Kanawha", month="2026-04")]),
                          intake=Intake(source="cli", received_by="test"), archive_dir=settings.archive_dir,
                          today=settings.today, max_bytes=settings.max_file_bytes, load=False)
    assert report.status == "invalid"
    assert [(e.row, e.value, e.code) for e in report.errors] == [(2, "Kanawha", "held-by-another-partner")]
    assert report.errors[0].message == (
        "Kanawha, 2026-03, arrest_diversion is already reported by Prestera Center: each county's month is "
        "reported by one partner. If Kanawha has moved to your region, ask the state coordinator which partner "
        "reports 2026-03")


def test_rows_another_partner_holds_past_the_report_limit_are_counted(runtime, tmp_path, monkeypatch):
    assert run(runtime, csv_bytes(prestera_month("2026-03") + prestera_month("2026-04"))).status == "loaded"
    program = moved_kanawha(runtime, tmp_path)
    monkeypatch.setattr(pipeline, "MAX_ISSUES", 1)
    kanawha = [r for r in prestera_month("2026-03") + prestera_month("2026-04") if r["county"] == "Kanawha"]
    report = load_for(runtime, program, "region-4", csv_bytes(kanawha))
    assert report.status == "rejected"
    assert (len(report.errors), report.error_count) == (1, len(kanawha))


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


@pytest.mark.parametrize("bad_row", [False, True], ids=["valid", "rejected"])
def test_a_file_the_archive_cannot_hold_leaves_no_trace_in_the_database(runtime, tmp_path, bad_row):
    # The archive is written before the load transaction begins: its failure must leave nothing behind.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the archive's folder should be")
    rows = prestera_month() + ([row(county="Kanawah")] if bad_row else [])
    settings = runtime.settings
    with pytest.raises(OSError):
        process_file(runtime.engine, runtime.program, partner_code="prestera", filename="file.csv",
                     data=csv_bytes(rows), intake=Intake(source="cli", received_by="test"),
                     archive_dir=blocker / "archive", today=settings.today, max_bytes=settings.max_file_bytes)
    assert statuses(runtime) == []
    assert database_totals(runtime)["referrals"] == 0
    report = run(runtime, csv_bytes(rows))  # the same file, once the archive can be written
    assert report.status == ("rejected" if bad_row else "loaded")
    assert archived_path(settings.archive_dir, report.sha256).read_bytes() == csv_bytes(rows)


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


def test_a_file_in_any_row_order_loads_the_same_rows(runtime):
    rows = prestera_month("2026-03") + prestera_month("2026-04", base=7)
    report = run(runtime, csv_bytes(list(reversed(rows))))
    assert report.status == "loaded"
    with session_factory(runtime.engine)() as session:
        stored = session.execute(select(MonthlyCount.month, MonthlyCount.county_fips, MonthlyCount.pathway,
                                        MonthlyCount.referrals)).all()
    assert len(stored) == len(rows) and database_totals(runtime) == totals(rows)


def test_in_key_order_sorts_by_month_county_and_pathway():
    frame = pd.DataFrame({"month": pd.Categorical(["2026-04-01", "2026-03-01", "2026-03-01"]),
                          "county_fips": pd.Categorical(["54035", "54107", "54035"]),
                          "pathway": ["social_contact", "arrest_diversion", "social_contact"]})
    ordered = in_key_order(frame)
    assert ordered[["month", "county_fips"]].astype(str).values.tolist() == [
        ["2026-03-01", "54035"], ["2026-03-01", "54107"], ["2026-04-01", "54035"]]
    already = ordered.reset_index(drop=True)
    assert in_key_order(already) is already  # nothing copied when the file is in order


def test_counts_never_refer_to_a_county_the_database_does_not_know(runtime):
    """monthly_count has no foreign keys: the loader checks the same facts once per file."""
    rows = pd.DataFrame({"county_fips": ["54039", "99999"]})
    with session_factory(runtime.engine).begin() as session:
        submission = Submission(partner_id=1, source="cli", filename="x.csv", sha256="0" * 64, byte_size=1,
                                received_by="test", status="rejected")
        session.add(submission)
        session.flush()
        check_references(session, 1, submission.id, rows.iloc[:1])  # a known county: fine
        with pytest.raises(LookupError, match="1 unknown counties"):
            check_references(session, 1, submission.id, rows)
        with pytest.raises(LookupError, match="submission 999999"):
            check_references(session, 1, 999_999, rows.iloc[:1])


def moved_kanawha(runtime, tmp_path):
    """The program after Kanawha moved from prestera to region-4 (synced into the database)."""
    text = (ROOT / "programs" / "west_virginia.toml").read_text()
    text = text.replace('counties = ["Kanawha", "Jackson", "Wood"]', 'counties = ["Jackson", "Wood"]')
    text = text.replace('counties = ["Raleigh", "Summers", "Monroe"]', 'counties = ["Raleigh", "Summers", "Monroe", '
                                                                      '"Kanawha"]')
    path = tmp_path / "moved.toml"
    path.write_text(text)
    program = load_program(path)
    sync_program(runtime.engine, program)
    return program


def load_for(runtime, program, partner: str, data: bytes):
    settings = runtime.settings
    return process_file(runtime.engine, program, partner_code=partner, filename="file.csv", data=data,
                        intake=Intake(source="cli", received_by="test"), archive_dir=settings.archive_dir,
                        today=settings.today, max_bytes=settings.max_file_bytes)


@pytest.mark.parametrize(("bulk", "race"), [(False, False), (False, True), (True, True)],
                         ids=["checked", "race_row_by_row", "race_index_rebuilt"])
def test_a_month_another_partner_already_reported_is_rejected_not_doubled(runtime, tmp_path, monkeypatch, bulk,
                                                                          race):
    """Kanawha moved to region-4 after prestera reported its March: region-4's March for Kanawha
    would make two current rows for one county, month and pathway. The check before the load
    names the row; in a race past that check the key refuses it (on PostgreSQL also when a big
    load rebuilds the key's index). Either way the file is rejected whole, the report names the row
    and the partner, and the totals stay prestera's."""
    if bulk:
        monkeypatch.setattr(load_module, "BULK_ROWS", 1)  # every PostgreSQL load rebuilds the index
    march = prestera_month("2026-03")
    assert run(runtime, csv_bytes(march)).status == "loaded"
    program = moved_kanawha(runtime, tmp_path)
    if race:  # prestera's rows arrive after region-4's file was checked: the key refuses them
        real, calls = pipeline._check_other_partners, []

        def checked_too_early(*args, **kwargs):  # the first check sees nothing; the one after the refusal is real
            calls.append(1)
            return None if len(calls) == 1 else real(*args, **kwargs)

        monkeypatch.setattr(pipeline, "_check_other_partners", checked_too_early)
    region_4 = csv_bytes([row(county="Raleigh", referrals=5, enrolled=5),
                          row(county="Kanawha", referrals=9, enrolled=9)])
    report = load_for(runtime, program, "region-4", region_4)
    assert report.status == "rejected"
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (3, "county", "Kanawha", "held-by-another-partner")]
    assert report.errors[0].message.startswith(
        "Kanawha, 2026-03, arrest_diversion is already reported by Prestera Center: ")
    assert database_totals(runtime) == totals(march)
    assert inspect(runtime.engine).get_pk_constraint("monthly_count")["constrained_columns"] == [
        "month", "county_fips", "pathway"]
    assert statuses(runtime) == ["loaded", "rejected"]


@pytest.fixture
def postgresql_runtime(postgres_admin, tmp_path):
    """PostgreSQL alone: SQLite has no index to rebuild (its table is stored in key order)."""
    url = create_postgres_database(postgres_admin)
    yield open_runtime(environment(url, tmp_path / "data"), upgrade=True)
    drop_postgres_database(postgres_admin, url)


@pytest.mark.postgresql
def test_a_big_postgresql_load_rebuilds_the_key_index_only_when_the_table_is_smaller(postgresql_runtime,
                                                                                      monkeypatch):
    runtime = postgresql_runtime
    monkeypatch.setattr(load_module, "BULK_ROWS", 6)
    with session_factory(runtime.engine).begin() as session:
        assert load_module._rebuild_key_index(session, 6) is True  # an empty table
    with session_factory(runtime.engine).begin() as session:
        assert load_module._rebuild_key_index(session, 5) is False  # too few rows to be worth it
    first = prestera_month("2026-03") + prestera_month("2026-04")
    assert run(runtime, csv_bytes(first)).status == "loaded"  # 12 rows into an empty table: rebuilt
    with session_factory(runtime.engine).begin() as session:
        assert load_module._rebuild_key_index(session, 6) is False  # the table holds more than the file
    second = prestera_month("2026-05", base=6)
    assert run(runtime, csv_bytes(second)).status == "loaded"
    assert database_totals(runtime) == {c: totals(first)[c] + totals(second)[c] for c in COUNT_COLUMNS}
    assert inspect(runtime.engine).get_pk_constraint("monthly_count")["name"] == "pk_monthly_count"


def test_a_file_of_more_rows_than_one_insert_takes_loads_every_row(runtime):
    """SQLite inserts a hundred rows a statement and the rest one by one; PostgreSQL copies in slices."""
    months = [f"{year}-{month:02d}" for year in (2023, 2024, 2025) for month in range(1, 13)][:35]
    rows = [r for i, m in enumerate(months) for r in prestera_month(m, base=i % 9 + 1)]
    for i, each in enumerate(rows):
        each["notes"] = f"row {i}" if i % 3 else ""  # every row its own note, or none
        each["referrals"] += i % 7  # counts that differ row by row, so a row out of place shows
    assert len(rows) == 210 and len(rows) % load_module.SQLITE_ROWS_PER_INSERT
    report = run(runtime, csv_bytes(rows))
    assert report.status == "loaded" and report.rows == 210
    with session_factory(runtime.engine)() as session:
        assert session.scalar(select(func.count()).select_from(MonthlyCount)) == 210
        stored = {(r.county_fips, f"{r.month:%Y-%m}", r.pathway): (r.referrals, r.notes)
                  for r in session.scalars(select(MonthlyCount))}
    fips = {"Kanawha": "54039", "Jackson": "54035", "Wood": "54107"}
    assert stored == {(fips[r["county"]], r["month"], r["referral_type"]): (r["referrals"], r["notes"] or None)
                      for r in rows}
    assert database_totals(runtime) == totals(rows)
    assert run(runtime, csv_bytes(rows)).status == "already_loaded"  # every value where the file put it


def test_values_for_the_driver_are_plain_python_and_missing_is_none():
    categorical = pd.Series(pd.Categorical(["54039", None, "54035", "54039"]))
    assert load_module._python_values(categorical) == ["54039", None, "54035", "54039"]
    assert all(type(v) is str for v in load_module._python_values(categorical) if v is not None)
    assert load_module._python_values(pd.Series([3, 0, 12], dtype="int64")) == [3, 0, 12]
    assert load_module._python_values(pd.Series(["a note", None], dtype=object)) == ["a note", None]
