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
    # Analytics (issue 5)
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:"),
    st.Page("pages/county_map.py", title="County map", icon=":material/map:"),
    st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:"),
    st.Page("pages/rates.py", title="Enrollment and assessment", icon=":material/percent:"),
]
st.navigation(pages).run()
