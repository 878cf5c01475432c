import io

import openpyxl
import pandas as pd

from dashboard.exports import neutralise_cell, to_csv_bytes, to_xlsx_bytes

HOSTILE = ["=1+1", "+SUM(A1)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)", "\tx", "\rx", "plain", "3-2"]


def test_formula_like_text_is_prefixed_and_plain_text_is_not():
    assert [neutralise_cell(v) for v in HOSTILE] == [
        "'=1+1", "'+SUM(A1)", "'-2+3+cmd|' /C calc'!A0", "'@SUM(1)", "'\tx", "'\rx", "plain", "3-2"]
    assert neutralise_cell(-5) == -5


def test_csv_export_is_neutralised():
    frame = pd.DataFrame({"notes": HOSTILE, "referrals": range(len(HOSTILE))})
    text = to_csv_bytes(frame).decode("utf-8-sig")
    lines = pd.read_csv(io.StringIO(text), keep_default_na=False)["notes"].tolist()
    assert all(not value.startswith(("=", "+", "-", "@")) for value in lines)
    assert lines[0] == "'=1+1"


def test_xlsx_export_holds_text_not_formulas():
    frame = pd.DataFrame({"notes": HOSTILE, "referrals": range(len(HOSTILE))})
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame))).active
    cells = [sheet.cell(row=i + 2, column=1) for i in range(len(HOSTILE))]
    assert all(cell.data_type == "s" for cell in cells)
    assert cells[0].value == "'=1+1"
    assert sheet.cell(row=2, column=2).value == 0
