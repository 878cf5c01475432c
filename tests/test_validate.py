"""etl.validate: one test per rule of the contract, each with its Excel row, column, value and message."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.read import read_table
from etl.validate import parse_month, validate_table
from tests.helpers import HEADER, csv_bytes, prestera_month, row
from tests.intake import TEST_MAX_BYTES, run, shared_runtime, stored_notes, written

__all__ = ["shared_runtime"]  # a fixture used by the tests below

TODAY = dt.date(2026, 11, 22)
PARTNER = "prestera"  # Kanawha, Jackson, Wood


@pytest.fixture(scope="module")
def program():
    from etl.program import load_program
    from tests.conftest import ROOT

    return load_program(ROOT / "programs" / "west_virginia.toml")


def check(program, data: bytes | str, today: dt.date = TODAY):
    """Read and validate; (issues as (row, column, value, message) tuples, clean rows or None)."""
    if isinstance(data, str):
        data = data.encode()
    result = read_table(data, "file.csv", TEST_MAX_BYTES)
    if result.issues:
        return [(i.row, i.column, i.value, i.message) for i in result.issues], None
    validation = validate_table(result.frame, program, PARTNER, today)
    assert validation.issue_count == len(validation.issues)
    return [(i.row, i.column, i.value, i.message) for i in validation.issues], validation.rows


def lines(*rows: str) -> str:
    return "\r\n".join([HEADER, *rows]) + "\r\n"


def test_a_valid_file_has_no_issues_and_every_row(program):
    issues, rows = check(program, csv_bytes(prestera_month()))
    assert issues == []
    assert len(rows) == 6


def test_unknown_columns_are_reported_with_a_suggestion_or_the_list(program):
    data = ("month,county,referral_type,referals,assessments_completed,enrolled,remarks\r\n"
            "2026-03,Kanawha,arrest,1,1,1,x\r\n")
    issues, _ = check(program, data)
    assert issues == [
        (None, "referrals", None, "the required column 'referrals' is missing"),
        (1, "referals", "referals", "'referals' is not a column of the contract; did you mean 'referrals'?"),
        (1, "remarks", "remarks", "'remarks' is not a column of the contract; the columns are: month, county, "
                                  "referral_type, referrals, assessments_completed, enrolled, notes"),
    ]


def test_missing_required_columns_are_each_named(program):
    issues, _ = check(program, "Month,County,Referrals\r\n2026-03,Kanawha,4\r\n")
    assert issues == [(None, name, None, f"the required column {name!r} is missing")
                      for name in ("referral_type", "assessments_completed", "enrolled")]


def test_notes_column_is_optional(program):
    data = "month,county,referral_type,referrals,assessments_completed,enrolled\r\n2026-03,Kanawha,arrest,1,1,1\r\n"
    issues, rows = check(program, data)
    assert issues == [] and rows["notes"].tolist() == [None]


def test_header_names_are_case_and_space_insensitive(program):
    data = (" MONTH ,County,Referral Type,REFERRALS,Assessments  Completed,Enrolled,  Notes\r\n"
            "2026-03,Kanawha,arrest,3,2,1,ok\r\n")
    issues, rows = check(program, data)
    assert issues == []
    assert rows.loc[0, ["county_fips", "referrals", "assessments_completed", "enrolled", "notes"]].tolist() == [
        "54039", 3, 2, 1, "ok"]


def test_county_outside_the_partners_region(program):
    issues, _ = check(program, lines("2026-03,Mercer,arrest,1,1,1,"))
    assert issues == [(2, "county", "Mercer",
                       "Mercer County is not in the region of partner 'prestera' (Jackson, Kanawha, Wood)")]


def test_county_fips_of_another_state(program):
    issues, _ = check(program, lines("2026-03,Kanawha,arrest,1,1,1,", "2026-03,06037,arrest,1,1,1,"))
    assert issues == [(3, "county", "06037", "'06037' is the FIPS code of a county in another state, "
                                             "not West Virginia")]


def test_unknown_county_with_did_you_mean(program):
    issues, _ = check(program, lines("2026-03,Kanawah,arrest,1,1,1,",
                                     "2026-03,Atlantis,arrest,1,1,1,"))
    assert issues == [
        (2, "county", "Kanawah", "'Kanawah' is not a county of West Virginia; did you mean 'Kanawha'?"),
        (3, "county", "Atlantis", "'Atlantis' is not a county of West Virginia"),
    ]


def test_county_spellings_accepted(program):
    issues, rows = check(program, lines("2026-03,KANAWHA COUNTY,arrest,1,1,1,", "2026-03,54035,arrest,1,1,1,",
                                        "2026-03, wood  county ,arrest,1,1,1,"))
    assert issues == [] and rows["county_fips"].tolist() == ["54039", "54035", "54107"]


def test_misspelled_referral_type_with_did_you_mean(program):
    issues, _ = check(program, lines("2026-03,Kanawha,arest_diversion,1,1,1,", "2026-03,Wood,walk-in,1,1,1,"))
    assert issues == [
        (2, "referral_type", "arest_diversion", "'arest_diversion' is not a referral type; use 'arrest_diversion' "
                                                "or 'social_contact'; did you mean 'arrest_diversion'?"),
        (3, "referral_type", "walk-in", "'walk-in' is not a referral type; use 'arrest_diversion' or "
                                        "'social_contact'"),
    ]


@pytest.mark.parametrize(("text", "month"), [
    ("2026-03", dt.date(2026, 3, 1)), ("2026-3", dt.date(2026, 3, 1)), ("2026-03-31", dt.date(2026, 3, 1)),
    ("2026-03-01 00:00:00", dt.date(2026, 3, 1)), ("03/2026", dt.date(2026, 3, 1)),
    ("3/2026", dt.date(2026, 3, 1)), ("Mar 2026", dt.date(2026, 3, 1)), ("march 2026", dt.date(2026, 3, 1)),
    ("Sept 2026", dt.date(2026, 9, 1)), ("Dec. 2025", dt.date(2025, 12, 1)), (" 2026-03 ", dt.date(2026, 3, 1)),
])
def test_every_accepted_month_format(text, month):
    assert parse_month(text) == month


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-02-30", "13/2026", "March", "2026", "26-03",
                                  "Mars 2026", "2026/03", "03-2026", "", "Marchy 2026"])
def test_bad_month_formats(text):
    assert parse_month(text) is None


def test_bad_month_message(program):
    issues, _ = check(program, lines("2026-13,Kanawha,arrest,1,1,1,", ",Wood,arrest,1,1,1,"))
    assert issues == [(2, "month", "2026-13", "'2026-13' is not a month; use YYYY-MM, e.g. 2026-11"),
                      (3, "month", None, "the month is blank; use YYYY-MM")]


def test_a_month_a_spreadsheet_turned_into_a_date_gets_a_hint(program):
    issues, _ = check(program, lines("10/15/2026,Kanawha,arrest,1,1,1,", "Oct-26,Wood,arrest,1,1,1,",
                                     "15/10/2026,Jackson,arrest,1,1,1,"))
    hint = ("a spreadsheet turned the month into a date when the file was opened and saved; format the month "
            "column as Text, or type the months again)")
    expected = "is not a month; use YYYY-MM, e.g. 2026-11 (if it means 2026-10: "
    assert issues == [
        (2, "month", "10/15/2026", f"'10/15/2026' {expected}{hint}"),
        (3, "month", "Oct-26", f"'Oct-26' {expected}{hint}"),
        (4, "month", "15/10/2026", "'15/10/2026' is not a month; use YYYY-MM, e.g. 2026-11")]  # no month 15: no guess


def test_future_month_relative_to_today(program):
    data = lines("2026-11,Kanawha,arrest,1,1,1,", "2026-12,Kanawha,social,1,1,1,")
    assert check(program, data)[0] == [(3, "month", "2026-12", "2026-12 is in the future (today is 2026-11-22)")]
    assert check(program, data, today=dt.date(2026, 12, 1))[0] == []
    assert check(program, data, today=dt.date(2026, 10, 31))[0] == [
        (2, "month", "2026-11", "2026-11 is in the future (today is 2026-10-31)"),
        (3, "month", "2026-12", "2026-12 is in the future (today is 2026-10-31)")]


def test_month_before_program_start(program):
    issues, _ = check(program, lines("2018-12,Kanawha,arrest,1,1,1,", "2019-01,Kanawha,arrest,1,1,1,"))
    assert issues == [(2, "month", "2018-12", "2018-12 is before the program's start (2019-01)")]


def test_duplicate_county_month_pathway_in_other_spellings(program):
    issues, _ = check(program, lines("2026-03,Kanawha,arrest_diversion,1,1,1,", "2026-03,Wood,arrest,1,1,1,",
                                     "Mar 2026,kanawha county,arrest,2,2,2,"))
    assert issues == [(4, "county", "kanawha county", "the same county, month and referral type as row 2")]


@pytest.mark.parametrize(("cell", "message"), [
    ("3.5", "'3.5' is not a whole number"),
    ("-1", "referrals cannot be negative (-1)"),
    ('"1,200"', "'1,200': write whole numbers without separators, e.g. 1200"),
    ("", "referrals is blank; write 0 if there were none"),
    ("four", "'four' is not a whole number (referrals must be 0, 1, 2, ...)"),
    ("inf", "'inf' is not a whole number (referrals must be 0, 1, 2, ...)"),
    ("99999999999999999999999", "99999999999999999999999 is too large for a monthly count"),
    ("2147483648", "2147483648 is too large for a monthly count"),
    ("9" * 400, "9" * 80 + "... (400 characters) is too large for a monthly count"),  # beyond float: inf
])
def test_bad_counts(program, cell, message):
    issues, _ = check(program, lines(f"2026-03,Kanawha,arrest,{cell},0,0,"))
    value = cell.strip('"') or None
    shown = value if value is None or len(value) <= 80 else value[:80] + f"... ({len(value)} characters)"
    assert issues == [(2, "referrals", shown, message)]


def test_largest_count_and_zero_are_accepted(program):
    issues, rows = check(program, lines("2026-03,Kanawha,arrest,2147483647,0,2147483647,",
                                        "2026-03,Wood,arrest,0,0,0,"))
    assert issues == [] and rows["referrals"].tolist() == [2147483647, 0]


def test_a_huge_unsigned_count_column_is_too_large_not_negative(program):
    # 2**64 - 1 makes pandas read the whole column as uint64; it used to wrap round to -1.
    issues, _ = check(program, lines("2026-03,Kanawha,arrest,18446744073709551615,0,0,",
                                     "2026-03,Wood,arrest,1,0,0,"))
    assert issues == [(2, "referrals", "18446744073709551615",
                       "18446744073709551615 is too large for a monthly count")]


def test_assessments_or_enrolled_above_referrals(program):
    issues, _ = check(program, lines("2026-03,Kanawha,arrest,4,5,4,", "2026-03,Wood,arrest,4,4,6,"))
    assert issues == [
        (2, "assessments_completed", "5", "assessments completed (5) is more than referrals (4) in the same row"),
        (3, "enrolled", "6", "enrolled (6) is more than referrals (4) in the same row"),
    ]


def test_notes_over_500_characters(program):
    issues, _ = check(program, lines("2026-03,Kanawha,arrest,1,1,1," + "n" * 500,
                                     "2026-03,Wood,arrest,1,1,1," + "n" * 501))
    assert issues == [(3, "notes", "n" * 80 + "... (501 characters)",
                       "the note has 501 characters; at most 500 are allowed")]


def test_notes_with_an_invisible_control_character(program):
    issues, _ = check(program, lines("2026-03,Kanawha,arrest,1,1,1,bell\x07here"))
    assert issues == [(2, "notes", "bell\x07here", "the note contains an invisible control character (code 7); "
                                                   "remove it")]


def test_empty_and_header_only_files(program):
    assert check(program, b"")[0] == [(None, None, None, "the file is empty (0 bytes)")]
    assert check(program, HEADER + "\r\n")[0] == [(None, None, None, "the file has a header but no data rows")]


def test_fully_empty_rows_are_skipped_and_rows_keep_their_numbers(program):
    issues, rows = check(program, lines("2026-03,Kanawha,arrest,1,1,1,", ",,,,,,", "2026-03,Wood,arrest,1,1,1,",
                                        ",,,,,,", ",,,,,,", ""))
    assert issues == [] and rows["_row"].tolist() == [2, 4]


def test_a_total_row_is_an_error(program):
    issues, _ = check(program, lines("2026-03,Kanawha,arrest,1,1,1,", "2026-03,Total,,1,1,1,",
                                     "Grand Total,,,1,1,1,"))
    assert issues == [
        (3, "county", "Total", "'Total' is a total row, not a county: remove total rows (the state adds the "
                               "counties up)"),
        (4, "month", "Grand Total", "'Grand Total' is a total row, not a county: remove total rows (the state "
                                    "adds the counties up)"),
    ]


def test_every_problem_of_a_file_is_reported_at_once_in_row_order(program):
    data = ("month,county,referral_type,referrals,assessments_completed,enrolled,notes,extra\r\n"
            "2030-01,Kanawah,arrest,1,1,1,,\r\n"
            "2026-03,Mercer,walk-in,-1,0,0,,\r\n"
            "2026-03,Wood,arrest,2,3,1,,\r\n")
    issues, rows = check(program, data)
    assert rows is None
    assert [(r, c) for r, c, _, _ in issues] == [
        (1, "extra"), (2, "month"), (2, "county"), (3, "county"), (3, "referral_type"), (3, "referrals"),
        (4, "assessments_completed")]


HOSTILE_NOTES = ["=1+2", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)",
                 '=HYPERLINK("http://x.example","y")', "<script>alert(1)</script>", "\t=1+2", "\\N"]


def test_formula_like_and_html_notes_are_stored_verbatim(shared_runtime):
    rows = [row(f"2019-{i + 1:02d}", "Kanawha", "arrest_diversion", 2, 1, 2, notes=note)
            for i, note in enumerate(HOSTILE_NOTES)]
    report = run(shared_runtime, csv_bytes(rows))
    assert report.status == "loaded", report.errors
    assert stored_notes(shared_runtime, report.submission_id) == HOSTILE_NOTES


def test_a_file_with_any_bad_row_is_rejected_whole_on_both_databases(shared_runtime):
    before = written(shared_runtime)
    rows = prestera_month("2020-05") + [row("2020-05", "Kanawah")]
    report = run(shared_runtime, csv_bytes(rows))
    assert report.status == "rejected"
    assert [(e.row, e.column, e.value) for e in report.errors] == [(8, "county", "Kanawah")]
    after = written(shared_runtime)
    # recorded and archived as rejected, with its report; no count row written
    assert (after.submissions, after.count_rows) == (before.submissions + 1, before.count_rows)
    assert report.sha256 in after.archived
