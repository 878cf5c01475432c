"""Download helpers: any table the pages show can become an Excel file; names are safe file names."""

import io

import openpyxl
import pandas as pd

from dashboard.exports import to_xlsx_bytes
from dashboard.table_downloads import excel_ready, safe_stem


def test_zoned_times_become_utc_so_excel_can_store_them():
    frame = pd.DataFrame({"changed_at": pd.to_datetime(["2026-11-22T10:00:00-05:00"], utc=True), "who": ["=cmd"]})
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(excel_ready(frame)))).active
    assert sheet["A2"].value == pd.Timestamp("2026-11-22 15:00").to_pydatetime()
    assert sheet["B2"].value == "'=cmd"


def test_file_names_from_partner_text_are_safe():
    assert safe_stem("report-12-../../etc/passwd .csv") == "report-12--etc-passwd-csv"
    assert safe_stem("***") == "table"
