"""Download buttons for a table: CSV and Excel through ``dashboard.exports`` (formulas neutralised).

Streamlit's own table export is disabled in ``.streamlit/config.toml`` because it does not
neutralise formulas; every table a page shows gets these two buttons instead.

The files are written when a button is clicked, not on every run of the page: an Excel file of
a long table costs seconds (openpyxl writes cell by cell), and most runs download nothing.
"""

from __future__ import annotations

import re
from functools import partial

import pandas as pd
import streamlit as st

from dashboard import exports

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_stem(name: str) -> str:
    """A file-name stem from any text (partner-supplied names included): letters, digits, - and _."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:80] or "table"


def excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Timezone-aware columns as UTC without a zone: Excel cannot store a zone (the name says UTC)."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return out


def download_buttons(frame: pd.DataFrame, name: str, key: str) -> None:
    """Two buttons side by side, 'CSV' and 'Excel', downloading ``frame`` as ``name``.csv/.xlsx."""
    stem = safe_stem(name)
    frame = excel_ready(frame)
    left, right = st.columns([1, 1], width=320)
    left.download_button("Download CSV", partial(exports.to_csv_bytes, frame), file_name=f"{stem}.csv",
                         mime="text/csv", key=f"{key}_csv", on_click="ignore", icon=":material/download:")
    right.download_button("Download Excel", partial(exports.to_xlsx_bytes, frame, sheet_name=stem),
                          file_name=f"{stem}.xlsx", mime=XLSX_MIME, key=f"{key}_xlsx", on_click="ignore",
                          icon=":material/download:")
