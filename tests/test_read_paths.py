"""etl.read has two CSV readers: pyarrow for speed, pandas for its exact error messages.

The fast reader hands a file it does not take as is (a stray quote, a row of the wrong width) to
the careful one. Wherever it does take a file, the two must agree: the same clean rows, and the
same issues (row, column, code; value and message too, to the letter, except for one thing). A
count cell that is a number but not a clean one (' 7', '1e3', '3.50') is quoted by the fast reader
as written, and by pandas as the number it parsed (pandas reads such a column as floats unless
some other cell is not a number at all): which rows are wrong, and why, is the same either way.
Checked on the hostile corpus and on generated tables of hostile cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from unittest import mock

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import read
from etl.contract import COUNT_COLUMNS
from etl.read import read_table
from etl.validate import validate_table
from tests.conftest import ROOT
from tests.test_properties import PROGRAM, cells, headers

TODAY = dt.date(2026, 11, 22)
SAMPLES = sorted(p for p in (ROOT / "tests" / "data" / "hostile").glob("*.csv"))


def seen(issue) -> tuple:
    if issue.column in COUNT_COLUMNS:
        return issue.row, issue.column, issue.code
    return issue.row, issue.column, issue.value, issue.code, issue.message


def outcome(data: bytes) -> tuple[list[tuple], list[dict] | None]:
    """Everything a partner would see of ``data``: the issues, and the clean rows if valid."""
    table = read_table(data, "file.csv", 10 * 1024 * 1024)
    if table.issues:
        return [seen(i) for i in table.issues], None
    issues = [seen(i) for i in table.row_issues]
    if table.frame is None:
        return issues, None
    validation = validate_table(table.frame, PROGRAM, "prestera", TODAY)
    issues = sorted(issues + [seen(i) for i in validation.issues], key=lambda i: (i[0] is not None, i[0] or 0))
    rows = None
    if validation.rows is not None:
        rows = validation.rows.astype(object).where(validation.rows.notna(), None).to_dict("records")
    return issues, rows


def careful_outcome(data: bytes) -> tuple[list[tuple], list[dict] | None]:
    with mock.patch.object(read, "_arrow_frame", return_value=None):
        return outcome(data)


def fast_reader_takes(data: bytes) -> bool:
    calls = []
    original = read._arrow_frame

    def spy(*args):
        calls.append(frame := original(*args))
        return frame

    with mock.patch.object(read, "_arrow_frame", spy):
        read_table(data, "file.csv", 10 * 1024 * 1024)
    return any(frame is not None for frame in calls)


def test_the_fast_reader_takes_an_ordinary_file_and_gives_categoricals_and_integers():
    data = (b"month,county,referral_type,referrals,assessments_completed,enrolled,notes\n"
            b"2026-03,Kanawha,arrest,4,3,4,\n2026-03,Wood,social,2,1,,a note\n")
    frame = read._arrow_frame(data, ",", data.decode().splitlines()[0].split(","))
    assert frame is not None
    assert isinstance(frame["c1"].dtype, pd.CategoricalDtype)
    assert frame["c3"].dtype == "int64" and frame["c5"].dtype == "float64"  # a blank: NaN, as pandas reads it
    assert outcome(data) == careful_outcome(data)


def test_a_quote_never_closed_goes_to_the_careful_reader():
    data = b'month,county\n2026-03,"Kanawha\n'
    assert not fast_reader_takes(data)
    issues, rows = outcome(data)
    assert [(i[0], i[-2]) for i in issues] == [(2, "unreadable-row")] and rows is None


def test_every_sample_file_gives_the_same_report_either_way():
    assert len(SAMPLES) >= 30
    taken = 0
    for path in SAMPLES:
        data = path.read_bytes()
        taken += fast_reader_takes(data)
        assert outcome(data) == careful_outcome(data), path.name
    assert taken >= 15  # most of the corpus really goes through the fast reader


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(headers, st.lists(st.lists(cells, max_size=10), max_size=8), st.sampled_from([",", ";"]),
       st.sampled_from(["\r\n", "\n", "\r"]), st.booleans())
def test_generated_tables_give_the_same_report_either_way(header, rows, delimiter, newline, quoted):
    buffer = io.StringIO()
    if quoted:
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(rows)
        text = buffer.getvalue()
    else:
        text = newline.join(delimiter.join(r) for r in [header, *rows])
    data = text.encode("utf-8", "surrogatepass")
    assert outcome(data) == careful_outcome(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["2026-03", "Mar 2026", "2026-13", "", " 2026-04"]),
                          st.sampled_from(["Kanawha", "Wood", "Kanawah", "", "Total", "54039"]),
                          st.sampled_from(["arrest", "social", "walk-in", ""]),
                          *[st.sampled_from(["0", "4", "12", "-1", "3.5", "1,200", " 7", "", "n/a", "9" * 25,
                                             "1e3", "+2", "007"])] * 3,
                          st.sampled_from(["", "a note", "=1+2", "x" * 501, "tab\there", "\x07"])),
                min_size=1, max_size=12))
def test_contract_shaped_files_give_the_same_report_either_way(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["month", "county", "referral_type", "referrals", "assessments_completed", "enrolled", "notes"])
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    assert outcome(data) == careful_outcome(data)


def test_a_hexadecimal_count_is_not_a_number_on_either_reader():
    """pyarrow alone would read '0x4' as 4: a count must be written as a whole number."""
    data = (b"month,county,referral_type,referrals,assessments_completed,enrolled,notes\n"
            b"2026-03,Kanawha,arrest,0x4,3,4,\n")
    assert fast_reader_takes(data)
    issues, rows = outcome(data)
    assert rows is None and [(i[0], i[1], i[2]) for i in issues] == [(2, "referrals", "not-a-number")]
    assert outcome(data) == careful_outcome(data)
