"""Properties of reading and validating, checked on generated inputs (hypothesis).

(a) No input makes read + validate raise: random bytes, random text and random tables with
    hostile cells always end in a report (issues or clean rows), never an exception.
(b) A valid generated file loads, on both databases, with the database's totals for its months
    equal to the file's totals, and its notes stored exactly as written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from etl.contract import COLUMN_NAMES, COUNT_COLUMNS
from etl.db import session_factory
from etl.models import MonthlyCount, Partner
from etl.read import ROW_COLUMN, read_table
from etl.validate import validate_table
from tests.intake import TEST_MAX_BYTES, run, shared_runtime

__all__ = ["shared_runtime"]  # a fixture used by the tests below

TODAY = dt.date(2026, 11, 22)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LOADS = settings(max_examples=30, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

HOSTILE_CELLS = ["", " ", '"', '""', ",", ";", "\n", "\r", "\r\n", "=1+2", "+cmd|' /C calc'!A0", "@SUM(A1)",
                 "-2+3", "<script>alert(1)</script>", "NaN", "inf", "-0", "1e400", "9" * 40, "3.5", "1,200",
                 "Total", "2026-03", "Kanawha", "Kanawah", "54039", "06037", "arrest", "social contact referral",
                 "\ufeff", "\x00", "\x7f", "é", "–", "🙂", "month", "NULL", "None", "TRUE", "\\N", "\\."]
cells = st.one_of(st.sampled_from(HOSTILE_CELLS), st.text(max_size=15))
headers = st.one_of(st.just(list(COLUMN_NAMES)), st.lists(st.sampled_from([*COLUMN_NAMES, "", "Notes", "x"]),
                                                          min_size=1, max_size=9))


def program_fixture():
    from etl.program import load_program
    from tests.conftest import ROOT

    return load_program(ROOT / "programs" / "west_virginia.toml")


PROGRAM = program_fixture()


def assert_report(data: bytes, name: str = "file.csv") -> None:
    """Read and validate ``data``; whatever it is, the outcome is a well-formed report."""
    result = read_table(data, name, TEST_MAX_BYTES)
    if result.issues:
        issues = result.issues
        assert result.frame is None
    elif result.frame is None:  # every data row was wider than the header: those rows are the report
        issues = result.row_issues
        assert issues
    else:
        assert ROW_COLUMN in result.frame.columns
        assert not set(result.frame[ROW_COLUMN]) & {i.row for i in result.row_issues}  # a row is read or reported
        validation = validate_table(result.frame, PROGRAM, "prestera", TODAY)
        issues = result.row_issues + validation.issues
        assert validation.valid == (validation.rows is not None)
        assert validation.issue_count >= len(validation.issues)
        if validation.valid:
            assert validation.rows[list(COUNT_COLUMNS)].ge(0).all().all()
    for issue in issues:
        assert issue.code and issue.message
        assert issue.row is None or (isinstance(issue.row, int) and issue.row >= 1)
        assert issue.value is None or (isinstance(issue.value, str) and len(issue.value) <= 120)


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_always_give_a_report(data):
    assert_report(data)
    assert_report(data, name="file.xlsx")


@FUZZ
@given(st.text(max_size=500), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_random_text_always_gives_a_report(text, encoding):
    assert_report(text.encode(encoding, "surrogatepass"))
    assert_report((",".join(COLUMN_NAMES) + "\n" + text).encode(encoding, "surrogatepass"))


@FUZZ
@given(headers, st.lists(st.lists(cells, max_size=10), max_size=8), st.sampled_from([",", ";"]),
       st.sampled_from(["\r\n", "\n", "\r"]), st.booleans())
def test_random_tables_with_hostile_cells_always_give_a_report(header, rows, delimiter, newline, quoted):
    buffer = io.StringIO()
    if quoted:  # as a spreadsheet writes them
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(rows)
        text = buffer.getvalue()
    else:  # as a careless script writes them: quotes and delimiters inside cells left bare
        text = newline.join(delimiter.join(r) for r in [header, *rows])
    assert_report(text.encode("utf-8", "surrogatepass"))


# (b) valid files: the keys are unique, the counts consistent, the notes hostile but legal.
KEYS = [(county, pathway) for county in ("Kanawha", "Jackson County", "54107")
        for pathway in ("arrest_diversion", "social_contact")]
PATHWAY_SPELLINGS = {"arrest_diversion": ["arrest_diversion", "Arrest", "arrest diversion"],
                     "social_contact": ["social_contact", "social", "Social Contact Referral"]}
MONTH_SPELLINGS = ["{d:%Y-%m}", "{d:%Y-%m-%d}", "{d:%m/%Y}", "{d:%b %Y}"]
notes = st.one_of(st.none(), st.sampled_from(HOSTILE_CELLS[4:]).filter(lambda s: "\x00" not in s and s != "\x7f"),
                  st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
                  st.text(st.sampled_from("ab =+-@\t\r\n\",;<>"), max_size=20))


@st.composite
def valid_files(draw) -> tuple[list[dict], list[dt.date]]:
    months = draw(st.lists(st.dates(dt.date(2019, 1, 1), TODAY).map(lambda d: d.replace(day=1)),
                           min_size=1, max_size=3, unique=True))
    rows = []
    for month in months:
        for county, pathway in draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=6, unique=True)):
            referrals = draw(st.integers(0, 500))
            rows.append({
                "month": draw(st.sampled_from(MONTH_SPELLINGS)).format(d=month.replace(day=draw(st.integers(1, 28)))),
                "county": county, "referral_type": draw(st.sampled_from(PATHWAY_SPELLINGS[pathway])),
                "referrals": referrals,
                "assessments_completed": draw(st.integers(0, referrals)),
                "enrolled": draw(st.integers(0, referrals)), "notes": draw(notes),
            })
    return rows, months


def database_totals(runtime, months: list[dt.date]) -> dict[str, int]:
    with session_factory(runtime.engine)() as session:
        sums = session.execute(
            select(*(func.coalesce(func.sum(getattr(MonthlyCount, c)), 0) for c in COUNT_COLUMNS))
            .join(Partner, Partner.id == MonthlyCount.partner_id)
            .where(Partner.code == "prestera", MonthlyCount.month.in_(months))).one()
        stored = sorted(n for n in session.scalars(
            select(MonthlyCount.notes).join(Partner, Partner.id == MonthlyCount.partner_id)
            .where(Partner.code == "prestera", MonthlyCount.month.in_(months))) if n is not None)
    return {**dict(zip(COUNT_COLUMNS, map(int, sums), strict=True)), "notes": stored}


@LOADS
@given(valid_files(), st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]), st.sampled_from([",", ";"]),
       st.sampled_from(["\r\n", "\n"]))
def test_a_valid_files_totals_in_the_database_equal_its_totals(shared_runtime, file, encoding, delimiter, newline):
    rows, months = file
    buffer = io.StringIO()
    # Quote every text cell, as spreadsheets do: with LF line endings the csv module would leave a
    # lone CR in a note bare, and that CR then really is part of a CRLF line ending.
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMN_NAMES), delimiter=delimiter, lineterminator=newline,
                            quoting=csv.QUOTE_NONNUMERIC)
    writer.writeheader()
    writer.writerows(rows)
    try:
        data = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:  # Windows-1252 cannot hold every character: such a partner sends UTF-8
        data = buffer.getvalue().encode("utf-8")
    if encoding == "cp1252" and not data.isascii():
        # Ambiguous by nature: Windows-1252 text whose bytes also form valid UTF-8 ("Â" then a
        # no-break space is C2 A0) is read as UTF-8, as any detector would. Real files rarely do this.
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            assume(False)
    report = run(shared_runtime, data)
    assert report.status in ("loaded", "already_loaded"), [str(e) for e in report.errors]
    expected = {c: sum(r[c] for r in rows) for c in COUNT_COLUMNS}
    assert report.totals == expected
    expected_notes = sorted(r["notes"] for r in rows if r["notes"])  # an empty cell is no note
    assert database_totals(shared_runtime, months) == {**expected, "notes": expected_notes}
