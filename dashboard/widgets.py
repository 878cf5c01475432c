"""Small page pieces the analytics pages share: a chart's numbers as a table, with downloads."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from dashboard import exports, measures

PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["toImage", "sendDataToCloud", "lasso2d",
                                                                  "select2d"]}


def chart(figure, key: str) -> None:
    """A plotly figure with our own colours (not Streamlit's theme) and a small toolbar."""
    st.plotly_chart(figure, theme=None, config=PLOTLY_CONFIG, key=key)


def numbers(frame: pd.DataFrame, name: str, label: str = "Numbers behind this chart",
            expanded: bool = False) -> None:
    """The table in an expander, with CSV and Excel downloads (formulas neutralised).

    The files are written when a button is clicked (see ``dashboard.table_downloads``).
    """
    with st.expander(label, expanded=expanded):
        shown = readable(frame)
        if len(frame) <= 30:
            st.table(shown, hide_index=True)  # a real HTML table for screen readers
        else:
            st.dataframe(shown, hide_index=True)
        left, right = st.columns(2)
        left.download_button("Download CSV", partial(exports.to_csv_bytes, frame), file_name=f"{name}.csv",
                             mime="text/csv", key=f"{name}-csv", on_click="ignore", icon=":material/download:")
        right.download_button("Download Excel", partial(exports.to_xlsx_bytes, frame, sheet_name=name),
                              file_name=f"{name}.xlsx", key=f"{name}-xlsx", on_click="ignore",
                              mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                              icon=":material/download:")


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Text for the screen: thousands separators, percentages, and "no data" for a missing rate."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if str(column).endswith("(%)"):
            out[column] = [measures.NO_DATA if pd.isna(v) else f"{v:.1f}%" for v in values]
        elif pd.api.types.is_float_dtype(values.dtype):
            out[column] = [measures.NO_DATA if pd.isna(v) else f"{v:,.2f}".rstrip("0").rstrip(".") for v in values]
        elif pd.api.types.is_integer_dtype(values.dtype):
            out[column] = ["" if pd.isna(v) else f"{v:,}" for v in values]
        else:
            out[column] = ["" if pd.isna(v) else str(v) for v in values]
    return out


def demo_notice(is_demo: bool) -> None:
    if is_demo:
        st.caption(":material/science: Demo database: every number here is **synthetic**, not West Virginia's data.")
