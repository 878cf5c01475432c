"""Upload: send a partner file, see its validation report and what it would change, then load it."""

import streamlit as st

from dashboard import cache
from dashboard.plain_text import plain
from dashboard.session import current_viewer
from dashboard.table_downloads import download_buttons
from dashboard.upload import UPLOAD_TYPES, change_preview, check_upload, load_upload, months_preview, upload_partners
from etl.contract import data_dictionary_markdown, template_csv
from etl.report import ALREADY_LOADED, LOADED
from etl.settings import UPLOAD_MAX_BYTES

LOADED_KEY = "upload_loaded"  # (partner, sha256) -> the load's report, so a rerun shows the outcome

viewer = current_viewer()
runtime = cache.runtime()

st.title("Upload a file")
partners = upload_partners(viewer, runtime)
if not partners:
    st.info("Your access is read-only: leadership views do not upload files. Partners send their monthly "
            "files here, or the state coordinator does for them.", icon=":material/lock:")
    st.stop()

st.write("One row per county, month and referral type, as in the template. CSV or Excel (.xlsx), at most "
         f"{UPLOAD_MAX_BYTES // (1024 * 1024)} MB. A file with any problem is rejected whole and nothing is "
         "loaded; sending a month again replaces that month's numbers.")
template_col, dictionary_col = st.columns(2, width=520)
example = template_csv(runtime.program.example_county(partners[0])).encode("utf-8")
template_col.download_button("Download the template (CSV)", example,
                             file_name="lead-template.csv", mime="text/csv", on_click="ignore",
                             icon=":material/download:", key="template")
dictionary_col.download_button("Download the data dictionary", data_dictionary_markdown().encode("utf-8"),
                               file_name="lead-data-dictionary.md", mime="text/markdown", on_click="ignore",
                               icon=":material/download:", key="dictionary")

names = {p.code: f"{p.region} ({p.name})" for p in runtime.program.partners}
if len(partners) == 1:
    partner = partners[0]
    st.text(f"Uploading for: {names[partner]}")
else:
    partner = st.selectbox("Partner sending the file", partners, format_func=names.get, index=None,
                           placeholder="Choose the partner", key="upload_partner")
    if partner is None:
        st.stop()

uploaded = st.file_uploader("Partner file", type=list(UPLOAD_TYPES), max_upload_size=UPLOAD_MAX_BYTES // (1024 * 1024),
                            key=f"upload_file_{partner}")
if uploaded is None:
    st.stop()

data = uploaded.getvalue()
loaded = st.session_state.setdefault(LOADED_KEY, {})
report = check_upload(runtime, viewer, partner, uploaded.name, data)
outcome = loaded.get((partner, report.sha256))

if outcome is not None:
    verdict = {LOADED: "Loaded.", ALREADY_LOADED: "Already loaded: nothing changed."}.get(outcome.status,
                                                                                            "Rejected.")
    (st.success if outcome.ok else st.error)(verdict, icon=":material/task_alt:" if outcome.ok else None)
    st.text(outcome.summary())
    if outcome.submission_id is not None:
        st.page_link("pages/submissions.py", label="Open this submission's report", icon=":material/description:",
                     query_params={"submission": str(outcome.submission_id)})
    st.stop()

st.subheader("Validation report")
st.text(report.summary())
if not report.valid:
    st.error(f"The file cannot be loaded: {report.error_count:,} problem(s). Fix them and upload it again.")
    if report.error_count > len(report.errors):
        st.text(f"The first {len(report.errors):,} problems are listed.")
    errors = report.errors_frame()
    st.dataframe(errors, hide_index=True, width="stretch")
    download_buttons(errors, f"problems-{uploaded.name}", key="upload_errors")
    st.stop()

st.success("The file is valid.", icon=":material/check_circle:")
if report.message:  # e.g. its rows are already the current data
    st.info(report.message[0].upper() + report.message[1:] + ".", icon=":material/info:")
st.subheader("What loading it will change")
months = months_preview(report)
st.table(plain(months), hide_index=True)
download_buttons(months, f"months-{uploaded.name}", key="upload_months")
change = change_preview(report)
st.table(plain(change), hide_index=True)
download_buttons(change, f"totals-{uploaded.name}", key="upload_totals")

if st.button("Load this file", type="primary", icon=":material/upload:", key="upload_load"):
    with st.spinner("Loading..."):
        loaded[(partner, report.sha256)] = load_upload(runtime, viewer, partner, uploaded.name, data)
    st.rerun()
