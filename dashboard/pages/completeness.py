"""Reporting completeness: for each partner and month, was the report received, on time, late or not at all."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import cache
from dashboard.completeness import (
    STATUS_LABELS,
    STATUS_SYMBOLS,
    grid_table,
    last_complete_month,
    last_submissions,
    late_partners,
    months_between,
    status_counts,
)
from dashboard.plain_text import escape_markdown, plain
from dashboard.session import current_viewer
from dashboard.table_downloads import download_buttons

SPANS = {"Last 12 months": 12, "Last 24 months": 24, "Since the program started": None}

viewer = current_viewer()
runtime = cache.runtime()
program = runtime.program
version = cache.current_version()
today = runtime.settings.today
now = dt.datetime.combine(today, dt.datetime.now(dt.UTC).time().replace(minute=0, second=0, microsecond=0),
                          dt.UTC)

st.title("Reporting completeness")
st.write(f"Each month's report is due by day {program.report_due_day} of the following month. "
         "A cell shows the first accepted file's timeliness; a corrected month keeps whether its first file "
         "was on time.")

span = st.segmented_control("Months shown", list(SPANS), default="Last 12 months", key="completeness_span")
count = SPANS.get(span or "Last 12 months")
current_month = today.replace(day=1)
all_months = months_between(program.start_month, current_month)
first = all_months[-count] if count and len(all_months) > count else all_months[0]

grid = cache.reporting_grid(viewer, version, first, current_month, now)
regions = cache.counties_by_partner(viewer, version)
names = dict(zip(regions["code"], regions["region"], strict=True))

complete, late = last_complete_month(grid), late_partners(grid)
left, right = st.columns(2)
left.metric("Latest month every region reported", complete or "none yet")
right.metric("Regions missing the latest report due", str(len(late)))
if late:
    st.warning("Latest report due not received from: " + ", ".join(escape_markdown(names.get(p, p)) for p in late),
               icon=":material/schedule:")

st.subheader("Reports by month and region")
st.caption("Key: " + " · ".join(f"{STATUS_SYMBOLS[s]} {label}" for s, label in STATUS_LABELS.items()))
table = grid_table(grid, names)
st.dataframe(table, hide_index=True, width="stretch", height="content" if len(table) <= 24 else "auto",
             column_config={"month": st.column_config.TextColumn("Month", pinned=True)})
download_buttons(table, f"reporting-completeness-{first:%Y-%m}-to-{current_month:%Y-%m}", key="grid")

st.subheader("Months in each status")
counts = status_counts(grid).rename(columns={"partner": "region"})
counts["region"] = counts["region"].map(lambda code: names.get(code, code))
st.table(plain(counts), hide_index=True)
download_buttons(counts, "reporting-status-counts", key="counts")

st.subheader("Last file received")
latest = last_submissions(grid)
if latest.empty:
    st.info("No files received for these months yet.")
for record in latest.itertuples(index=False):
    received = record.last_received.tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")
    label = f"{names.get(record.partner, record.partner)}: file received {received} (for {record.month})"
    if viewer.can_upload:  # leadership has no Submissions page (no files): the facts, without a link
        st.page_link("pages/submissions.py", icon=":material/description:",
                     label=f"{escape_markdown(label)} — open its report",
                     query_params={"submission": str(int(record.last_submission_id))})
    else:
        st.text(label)

st.subheader("Look up one month")
partner_codes = list(names)
pick_left, pick_right = st.columns(2)
partner = pick_left.selectbox("Region", partner_codes, format_func=lambda code: names.get(code, code),
                              key="completeness_partner")
month_labels = table["month"].tolist()
due_months = grid.loc[grid["status"] != "not_due", "month"]
latest_due = due_months.max() if not due_months.empty else None
month = pick_right.selectbox("Month", month_labels, key="completeness_month",
                             index=month_labels.index(latest_due) if latest_due in month_labels else 0)
cell = grid[(grid["partner"] == partner) & (grid["month"] == month)]
if not cell.empty:
    found = cell.iloc[0]
    due = found["due"] - dt.timedelta(days=1)
    st.text(f"{names.get(partner, partner)}, {month}: {STATUS_SYMBOLS[found['status']]} "
            f"{STATUS_LABELS[found['status']]} (due by the end of {due:%Y-%m-%d})")
    if pd.notna(found["last_submission_id"]):
        received = found["last_received"].tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")
        if viewer.can_upload:
            st.page_link("pages/submissions.py", icon=":material/description:",
                         label=f"Last file for this month, received {received}: open its report",
                         query_params={"submission": str(int(found["last_submission_id"]))})
        else:
            st.text(f"Last file for this month received {received}.")
