"""etl.read: every encoding, delimiter and line ending the contract accepts, .xlsx, and refusals.

Accepted files are read and validated into the same rows; refused files get one clear message
through the real pipeline, and nothing is written to the database or the archive.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import struct
import time
import zlib

import openpyxl
import pytest

from etl import read
from etl.read import ROW_COLUMN, read_table
from etl.validate import validate_table
from tests.helpers import HEADER
from tests.intake import TEST_MAX_BYTES, run, shared_runtime, written

__all__ = ["shared_runtime"]  # a fixture used by the tests below

TODAY = dt.date(2026, 11, 22)
NOTE = "Kanawha – notes é"  # an en dash (Windows-1252 0x96) and an e acute (0xE9)
LINES = [HEADER,
         f"2026-03,Kanawha,arrest_diversion,4,3,4,{NOTE}",
         "2026-03,Jackson County,social contact referral,2,1,2,",
         "Mar 2026,Wood,arrest,1,0,1,"]
EXPECTED = [
    {ROW_COLUMN: 2, "month": "2026-03-01", "county_fips": "54039", "pathway": "arrest_diversion",
     "referrals": 4, "assessments_completed": 3, "enrolled": 4, "notes": NOTE},
    {ROW_COLUMN: 3, "month": "2026-03-01", "county_fips": "54035", "pathway": "social_contact",
     "referrals": 2, "assessments_completed": 1, "enrolled": 2, "notes": None},
    {ROW_COLUMN: 4, "month": "2026-03-01", "county_fips": "54107", "pathway": "arrest_diversion",
     "referrals": 1, "assessments_completed": 0, "enrolled": 1, "notes": None},
]


def rows_of(data: bytes, program, name: str = "file.csv") -> list[dict]:
    """Read and validate ``data`` for the partner 'prestera'; the clean rows as dicts."""
    result = read_table(data, name, TEST_MAX_BYTES)
    assert result.ok, [str(i) for i in result.issues]
    validation = validate_table(result.frame, program, "prestera", TODAY)
    assert validation.valid, [str(i) for i in validation.issues]
    return validation.rows.to_dict("records")


@pytest.fixture(scope="module")
def program():
    from etl.program import load_program
    from tests.conftest import ROOT

    return load_program(ROOT / "programs" / "west_virginia.toml")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_every_accepted_text_encoding_delimiter_and_line_ending_gives_the_same_rows(
        program, encoding, delimiter, newline):
    text = newline.join(line.replace(",", delimiter) for line in LINES) + newline
    data = text.encode(encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
    assert rows_of(data, program) == EXPECTED


def test_a_semicolon_file_keeps_commas_inside_its_notes(program):
    data = (HEADER.replace(",", ";") + "\n2026-03;Kanawha;arrest;4;3;4;one, two, three\n").encode()
    assert rows_of(data, program)[0]["notes"] == "one, two, three"


def test_quoted_cells_may_hold_the_delimiter_and_line_breaks_and_rows_keep_excel_numbers(program):
    data = (HEADER + '\r\n2026-03,Kanawha,arrest,4,3,4,"first line\r\nsecond, line"\r\n'
            "2026-03,Wood,arrest,1,1,1,\r\n").encode()
    rows = rows_of(data, program)
    assert rows[0]["notes"] == "first line\r\nsecond, line"
    assert [r[ROW_COLUMN] for r in rows] == [2, 3]  # a spreadsheet shows the two-line cell in row 2


def test_text_cells_keep_leading_spaces_and_tabs(program):
    data = (HEADER + "\n2026-03, Kanawha ,arrest, 4 ,3,4,\t=1+2  \n").encode()
    row = rows_of(data, program)[0]
    assert (row["county_fips"], row["referrals"], row["notes"]) == ("54039", 4, "\t=1+2  ")


def workbook_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for values in rows:
            sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_first_sheet_with_date_and_numeric_cells_second_sheet_ignored(program):
    header = HEADER.split(",")
    data = workbook_bytes({
        "March": [header,
                  [dt.datetime(2026, 3, 1), "Kanawha", "arrest_diversion", 4, 3.0, 4, NOTE],
                  [dt.date(2026, 3, 17), 54035, "social_contact", 2.0, 1, 2, None],
                  [None] * 7,
                  ["Mar 2026", "Wood", "arrest", 1, 0, 1]],
        "Scratch": [["not", "the", "data"], ["Total", 99, "x"]],
    })
    rows = rows_of(data, program, name="march.xlsx")
    assert [(r["month"], r["county_fips"], r["referrals"], r["assessments_completed"]) for r in rows] == [
        ("2026-03-01", "54039", 4, 3), ("2026-03-01", "54035", 2, 1), ("2026-03-01", "54107", 1, 0)]
    assert rows[0]["notes"] == NOTE
    assert [r[ROW_COLUMN] for r in rows] == [2, 3, 5]  # the empty row 4 is skipped, numbering kept


def test_xlsx_fractional_numeric_cell_is_reported_with_its_excel_row(program):
    data = workbook_bytes({"Sheet": [HEADER.split(","), ["2026-03", "Kanawha", "arrest", 3.5, 1, 1]]})
    result = read_table(data, "x.xlsx", TEST_MAX_BYTES)
    issues = validate_table(result.frame, program, "prestera", TODAY).issues
    assert [(i.row, i.column, i.value, i.message) for i in issues] == [
        (2, "referrals", "3.5", "'3.5' is not a whole number")]


def test_xlsx_value_right_of_the_header_is_reported_not_dropped():
    data = workbook_bytes({"Sheet": [HEADER.split(","), ["2026-03", "Kanawha", "arrest", 1, 1, 1],
                                     [None] * 9 + ["stray"]]})
    result = read_table(data, "x.xlsx", TEST_MAX_BYTES)
    assert result.issues == []
    assert [(i.row, i.code) for i in result.row_issues] == [(3, "unreadable-row")]
    assert "right of the header" in result.row_issues[0].message
    assert result.frame["_row"].tolist() == [2]  # the other rows are read, to be validated


def png_bytes() -> bytes:
    """A real 1x1 PNG."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


REFUSED = {
    "png renamed .csv": (png_bytes(), "not-a-table", "this is a PNG image, not a CSV or .xlsx file"),
    "utf-16 without BOM": ((HEADER + "\r\n2026-03,Kanawha,arrest,1,1,1,\r\n").encode("utf-16-le"), "not-text",
                           "the file contains NUL bytes: it is binary, or UTF-16 without a byte-order mark; "
                           "save it as 'CSV UTF-8' or '.xlsx'"),
    "random bytes": (random.Random(7).randbytes(4096), "not-text", None),
    "0-byte file": (b"", "empty-file", "the file is empty (0 bytes)"),
    "only blank lines": (b"\r\n\r\n  \r\n", "empty-file", "the file has no content (only blank lines or spaces)"),
    "a header and no rows": ((HEADER + "\r\n,,,,,,\r\n").encode(), "no-data", "the file has a header but no data rows"),
    "zip that is not a workbook": (b"PK\x03\x04" + b"\x00" * 40, "not-a-table", None),
}


@pytest.mark.parametrize("case", REFUSED)
def test_unreadable_files_are_refused_with_one_message_and_nothing_written(shared_runtime, case):
    data, code, message = REFUSED[case]
    before = written(shared_runtime)
    report = run(shared_runtime, data, name="upload.csv")
    assert report.status == "rejected"
    assert [(e.row, e.column, e.code) for e in report.errors] == [(None, None, code)]
    if message:
        assert report.errors[0].message == message
    assert written(shared_runtime) == before


def test_random_bytes_are_refused_as_not_text_whatever_the_seed():
    codes = {read_table(random.Random(seed).randbytes(2048), "x.csv", TEST_MAX_BYTES).issues[0].code
             for seed in range(50)}
    assert codes == {"not-text"}


def test_a_file_over_the_limit_is_refused_before_any_parsing(shared_runtime, monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("a file over the limit must not be decoded or parsed")

    for name in ("_decode", "_read_csv", "_read_xlsx"):
        monkeypatch.setattr(read, name, must_not_run)
    data = (HEADER + "\n") .encode() + b"2026-03,Kanawha,arrest,1,1,1,\n" * 400_000  # 12 MB
    before = written(shared_runtime)
    started = time.perf_counter()
    report = run(shared_runtime, data, max_bytes=1024 * 1024)
    elapsed = time.perf_counter() - started
    assert report.status == "rejected"
    assert [(e.code, e.message) for e in report.errors] == [
        ("file-too-large", f"the file is {len(data) / 1024 / 1024:.1f} MB; the limit is 1.0 MB")]
    assert written(shared_runtime) == before
    assert elapsed < 1.0  # hashing 12 MB takes ~0.03 s; parsing it would take several times that


def test_a_file_exactly_at_the_limit_is_read():
    data = (HEADER + "\n2026-03,Kanawha,arrest,1,1,1,\n").encode()
    assert read_table(data, "x.csv", len(data)).ok
    assert read_table(data, "x.csv", len(data) - 1).issues[0].code == "file-too-large"


def test_a_first_row_wider_than_the_header_is_reported_not_a_crash():
    data = (HEADER + "\n2026-03,Kanawha,arrest,1,1,1,,extra,cells\n").encode()
    result = read_table(data, "x.csv", TEST_MAX_BYTES)
    assert (result.issues, result.frame) == ([], None)  # its only row is the problem, not "no data rows"
    assert [(i.row, i.code) for i in result.row_issues] == [(2, "unreadable-row")]


def test_a_later_row_wider_than_the_header_is_reported_with_its_line():
    data = (HEADER + "\n2026-03,Kanawha,arrest,1,1,1,\n2026-03,Wood,arrest,1,1,1,,extra\n").encode()
    issues = read_table(data, "x.csv", TEST_MAX_BYTES).row_issues
    assert [(i.row, i.code) for i in issues] == [(3, "unreadable-row")]
    assert issues[0].message == ("the row has a value to the right of the header's last column (7 columns); "
                                 "remove it or give its column a name")


def test_an_empty_unnamed_column_from_a_trailing_delimiter_is_ignored(program):
    data = (HEADER + ",\n2026-03,Kanawha,arrest,4,3,4,,\n").encode()
    assert rows_of(data, program)[0]["referrals"] == 4


def test_an_unclosed_quote_is_reported_not_a_crash():
    issues = read_table((HEADER + '\n2026-03,Kanawha,arrest,1,1,1,\n2026-03,Wood,arrest,1,1,1,"never closed\n'
                         '2026-03,Jackson,arrest,1,1,1,\n').encode(), "x.csv", TEST_MAX_BYTES).issues
    assert [(i.row, i.code) for i in issues] == [(3, "unreadable-row")]  # the row the quote opens on
    assert issues[0].message == ('a quote (") opens a cell that is never closed, so the rest of the file would be '
                                 "one cell: close the quote or remove it")


def test_xlsx_value_far_right_of_the_header_is_reported():
    rows = [HEADER.split(","), ["2026-03", "Kanawha", "arrest", 1, 1, 1], [None] * 5000 + ["far away"]]
    result = read_table(workbook_bytes({"Sheet": rows}), "x.xlsx", TEST_MAX_BYTES)
    assert [(i.row, i.code) for i in result.row_issues] == [(3, "unreadable-row")]


def test_xlsx_header_wider_than_the_limit_is_refused():
    result = read_table(workbook_bytes({"Sheet": [[f"c{i}" for i in range(300)]]}), "x.xlsx", TEST_MAX_BYTES)
    assert [(i.code, i.message) for i in result.issues] == [
        ("too-many-columns", "the header has more than 100 columns; the contract has 7: "
                             "month,county,referral_type,referrals,assessments_completed,enrolled,notes")]


def test_a_file_over_the_limit_is_hashed_a_block_at_a_time_never_read_whole(tmp_path):
    import hashlib
    import tracemalloc

    path = tmp_path / "huge.csv"
    data = HEADER.encode() + b"\r\n" + b"2026-03,Kanawha,arrest_diversion,1,1,1,padding\r\n" * 200_000  # ~9.4 MB
    path.write_bytes(data)
    tracemalloc.start()
    try:
        contents = read.read_file(path, max_bytes=1024 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert contents.data is None and contents.size == len(data)
    assert contents.sha256 == hashlib.sha256(data).hexdigest()
    assert peak < 1024 * 1024  # a whole read would hold 9 MB at once
    within = read.read_file(path, max_bytes=len(data))  # at the limit: read whole
    assert within.data == data and within.sha256 == contents.sha256


def test_every_row_wider_than_the_header_is_reported_with_the_other_rows_problems(shared_runtime):
    """Not only the first: each wide row, and the validator's problems in the rows that could be read."""
    data = (HEADER + "\r\n2026-03,Kanawha,arrest_diversion,4,3,4,,x\r\n2026-03,Wood,arrest_diversion,4,3,4,,y,z\r\n"
            "2026-03,Kanawah,arrest_diversion,4,3,4,\r\n2026-03,Jackson,arrest_diversion,4,3,4,,,\r\n").encode()
    before = written(shared_runtime)
    report = run(shared_runtime, data, name="wide.csv")
    assert report.status == "rejected"
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (2, None, "unreadable-row"), (3, None, "unreadable-row"), (4, "county", "bad-county")]
    assert report.errors[1].message.startswith("the row has a value to the right of the header's last column")
    assert report.error_count == 3
    assert report.rows == 4  # the rows it holds, though none was loaded
    assert (report.months, report.totals) == ([], {})  # nothing of a rejected file is counted
    after = written(shared_runtime)  # a table with bad rows: archived and recorded, as any rejected file
    assert (after.submissions, after.count_rows) == (before.submissions + 1, before.count_rows)


def test_a_file_whose_only_problem_is_a_wide_row_counts_all_its_rows(shared_runtime):
    data = (HEADER + "\n2026-03,Kanawha,arrest_diversion,4,3,4,\n2026-03,Wood,arrest_diversion,4,3,4,,x\n").encode()
    report = run(shared_runtime, data, name="one-wide.csv")
    assert (report.status, report.rows, report.months, report.totals) == ("rejected", 2, [], {})
    assert [(e.row, e.code) for e in report.errors] == [(3, "unreadable-row")]


def test_a_quote_read_as_pandas_reads_it_does_not_hide_a_wide_row():
    data = (HEADER + '\n2026-03,Kanawha,arrest,4,3,4,"quoted"then text\n2026-03,Wood,arrest,4,3,4,,extra\n').encode()
    result = read_table(data, "x.csv", TEST_MAX_BYTES)
    assert result.issues == []
    assert [(i.row, i.code) for i in result.row_issues] == [(3, "unreadable-row")]
    assert result.frame["notes"].tolist() == ['quotedthen text']


def test_a_quote_never_closed_before_a_long_rest_of_file_says_so():
    rest = "".join(f"2026-03,Wood,arrest,4,3,4,note {i} {'x' * 40}\n" for i in range(4000))  # > 128 KB
    data = (HEADER + '\n2026-03,Kanawha,arrest,4,3,4,"never closed\n' + rest).encode()
    issues = read_table(data, "x.csv", TEST_MAX_BYTES).issues
    assert [(i.row, i.code) for i in issues] == [(2, "unreadable-row")]
    assert "never closed" in issues[0].message


def test_wide_rows_past_the_report_limit_are_counted_not_all_listed(monkeypatch):
    monkeypatch.setattr(read, "MAX_ISSUES", 5)
    data = (HEADER + "\n" + "2026-03,Kanawha,arrest_diversion,4,3,4,,x\n" * 12).encode()
    result = read_table(data, "x.csv", TEST_MAX_BYTES)
    assert (len(result.row_issues), result.row_issue_count, result.frame) == (5, 12, None)


def test_empty_cells_past_the_header_are_nothing_as_in_a_spreadsheet(program):
    data = (HEADER + "\n2026-03,Kanawha,arrest,4,3,4,\n2026-03,Wood,arrest,2,1,2,note,,\n").encode()
    result = read_table(data, "x.csv", TEST_MAX_BYTES)
    assert (result.issues, result.row_issues) == ([], [])
    rows = validate_table(result.frame, program, "prestera", TODAY).rows
    assert rows["notes"].tolist() == [None, "note"] and rows[ROW_COLUMN].tolist() == [2, 3]


@pytest.mark.parametrize("file_format", ["csv", "semicolon csv", "xlsx"])
def test_a_title_above_the_header_says_which_row_the_header_is_on(file_format):
    lines = [["Prestera LEAD monthly report"], [], HEADER.split(","), ["2026-03", "Kanawha", "arrest", 4, 3, 4]]
    if file_format.endswith("csv"):
        delimiter = ";" if file_format.startswith("semicolon") else ","
        data = "\r\n".join(delimiter.join(str(c) for c in line) for line in lines).encode()
    else:
        data = workbook_bytes({"Sheet": lines})
    result = read_table(data, "x.xlsx" if file_format == "xlsx" else "x.csv", TEST_MAX_BYTES)
    assert [(i.row, i.code, i.message) for i in result.issues] == [
        (None, "header-not-first", "row 1 should be the header, but the header is on row 3: delete the 2 rows "
                                   "above it (a title or a blank line) and send the file again")]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])  # Excel's 'Unicode Text' is UTF-16 with tabs
def test_a_tab_separated_file_is_refused_with_how_to_save_it(encoding):
    data = (HEADER.replace(",", "\t") + "\r\n2026-03\tKanawha\tarrest\t4\t3\t4\t\r\n").encode(encoding)
    assert [(i.code, i.message) for i in read_table(data, "x.txt", TEST_MAX_BYTES).issues] == [
        ("tab-separated", "the file is separated by tabs (Excel's 'Text (Tab delimited)' or 'Unicode Text'); "
                          "save it as 'CSV UTF-8 (Comma delimited)' or as .xlsx")]


def test_an_xlsx_formula_without_its_result_is_called_a_formula_not_blank(program):
    """openpyxl (and other programs that write .xlsx without calculating) save a formula with no
    result: read for values, the cell is blank. The partner is told it is a formula."""
    data = workbook_bytes({"Sheet": [HEADER.split(","), ["2026-03", "Kanawha", "arrest", "=2+2", 3, "=D2"],
                                     ["2026-03", "Wood", "arrest", 4, None, 4]]})
    result = read_table(data, "x.xlsx", TEST_MAX_BYTES)
    issues = validate_table(result.frame, program, "prestera", TODAY).issues
    formula = ("is a formula, not a number; formulas are never calculated here: type the number, or open the file "
               "in Excel and save it again (Excel saves each formula's result)")
    assert [(i.row, i.column, i.value, i.message) for i in issues] == [
        (2, "referrals", "=2+2", f"'=2+2' {formula}"), (2, "enrolled", "=D2", f"'=D2' {formula}"),
        (3, "assessments_completed", None, "assessments completed is blank; write 0 if there were none")]
