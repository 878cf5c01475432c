"""Submissions: every file received that the viewer may see, its report, and the original file."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import cache
from dashboard.data import NotVisibleError, archived_submission
from dashboard.plain_text import plain
from dashboard.session import current_viewer
from dashboard.table_downloads import download_buttons, safe_stem
from etl.report import FileReport

STATUS_TEXT = {"loaded": "loaded", "rejected": "rejected (nothing loaded)",
               "already_loaded": "already loaded (nothing changed)", "superseded": "superseded by a later file",
               "partly_superseded": "partly superseded by a later file"}
QUERY_KEY = "submission"

viewer = current_viewer()
if not viewer.can_upload:  # leadership is read-only with no files (DESIGN.md section 6)
    st.info("The list of files received is for coordinators and partners. Reporting completeness shows "
            "which months have arrived.")
    st.stop()
runtime = cache.runtime()
version = cache.current_version()

st.title("Submissions")
st.write("Every file received, newest first: who sent it, when, and what became of it.")

frame = cache.submissions(viewer, version)
if frame.empty:
    st.info("No files received yet.")
    st.stop()

received = frame["received_at"].dt.strftime("%Y-%m-%d %H:%M")  # formatted once: the list and the choices
listing = pd.DataFrame({
    "id": frame["id"], "region": frame["region"], "file": frame["file"],
    "received (UTC)": received, "received by": frame["received_by"],
    "source": frame["source"], "status": frame["status"].map(STATUS_TEXT).fillna(frame["status"]),
    "rows": frame["rows"], "months": frame["months"].map(", ".join), "sha256": frame["sha256"],
})
# st.dataframe draws text as text (never HTML or markdown): file names are partner-supplied.
st.dataframe(listing, hide_index=True, width="stretch",
             column_config={"id": st.column_config.NumberColumn("id", format="%d"),
                            "sha256": st.column_config.TextColumn("sha256", width="small")})
download_buttons(listing, "submissions", key="listing")

st.subheader("One submission")
ids = frame["id"].tolist()
labels = dict(zip(ids, frame["id"].astype(str) + " · " + frame["region"] + " · " + frame["file"] + " · "
                  + received + " UTC", strict=True))
asked = st.query_params.get(QUERY_KEY)
try:
    asked_id = int(asked) if asked is not None else None
except ValueError:
    asked_id = None
if asked_id is not None and asked_id not in labels:
    st.warning(f"Submission {asked_id} is not one you can see; showing the most recent instead.")
# One widget key for the page, so a person's choice survives the rerun it causes; a link that
# names another submission (a changed ?submission=) moves the choice once.
PICK = "submission_pick"
if asked_id in labels and asked_id != st.session_state.get("submission_linked"):
    st.session_state[PICK] = asked_id
st.session_state["submission_linked"] = asked_id
if st.session_state.get(PICK) not in labels:
    st.session_state[PICK] = ids[0]
chosen = st.selectbox("Submission", ids, format_func=labels.get, key=PICK)
st.query_params[QUERY_KEY] = str(chosen)
st.session_state["submission_linked"] = chosen

try:
    detail = cache.submission_detail(viewer, version, int(chosen))
except NotVisibleError:
    st.error("That submission is not one you can see.")
    st.stop()
report = FileReport.from_dict(detail.report)

facts = pd.DataFrame([
    ("File", detail.file), ("Region", detail.region), ("Status", STATUS_TEXT.get(detail.status, detail.status)),
    ("Received", f"{detail.received_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"),
    ("Received by", detail.received_by), ("Source", detail.source), ("Rows", f"{detail.rows:,}"),
    ("Months", ", ".join(detail.months) or "-"), ("Size", f"{detail.bytes:,} bytes"), ("SHA-256", detail.sha256),
], columns=["detail", "value"])
st.table(plain(facts), hide_index=True)  # st.table renders Markdown: escape
st.text(report.summary() if report.file else "No report was recorded for this file.")

if report.totals:
    st.markdown("**Totals in the file**")
    st.table(plain(pd.DataFrame([report.totals])), hide_index=True)
if report.replaced:
    st.markdown("**Totals this file replaced when it was loaded**")
    replaced = pd.DataFrame.from_dict(report.replaced, orient="index").rename_axis("month").reset_index()
    st.table(plain(replaced), hide_index=True)

st.markdown("**Problems found**")
errors = report.errors_frame()
if errors.empty:
    st.text("None: every row was valid.")
else:
    if report.error_count > len(report.errors):
        st.text(f"{report.error_count:,} problems; the first {len(report.errors):,} are listed.")
    st.dataframe(errors, hide_index=True, width="stretch")
    download_buttons(errors, f"report-{detail.id}-{detail.file}", key="errors")

st.markdown("**Original file**")
if not viewer.can_download_files:
    st.text("Leadership views do not include partners' original files.")
else:
    try:
        name, path = archived_submission(runtime.engine, viewer, detail.id, runtime.settings.archive_dir)
    except FileNotFoundError:
        st.text("The archive does not hold this file (files refused for their size are not kept).")
    else:
        stem, dot, extension = name.rpartition(".")
        download_name = f"{safe_stem(stem)}.{safe_stem(extension)}" if dot else safe_stem(name)
        # Read only when clicked: a file loaded from the command line may be large.
        st.download_button(f"Download the file as received ({detail.bytes:,} bytes)", path.read_bytes,
                           file_name=download_name, mime="application/octet-stream", on_click="ignore",
                           icon=":material/download:", key="original")
