"""The LEAD dashboard's entry point: a router. Run from the repository root:

    python -m streamlit run dashboard/app.py
"""

import streamlit as st

from dashboard import cache
from dashboard.session import current_viewer
from etl.errors import ConfigError

st.set_page_config(page_title="LEAD reporting", page_icon=":material/monitoring:", layout="wide")

try:
    runtime = cache.runtime()
except ConfigError as error:
    st.error(f"The dashboard cannot start: {error}")
    st.stop()

viewer = current_viewer()
pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    # Operations (issue 5)
    st.Page("pages/completeness.py", title="Reporting completeness", icon=":material/event_available:"),
    st.Page("pages/submissions.py", title="Submissions", icon=":material/inventory_2:"),
    st.Page("pages/upload.py", title="Upload a file", icon=":material/upload_file:"),
    st.Page("pages/contacts.py", title="Contacts", icon=":material/contacts:"),
]
st.navigation(pages).run()
