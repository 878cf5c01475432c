"""The LEAD dashboard's entry point: a router. Run from the repository root:

    python -m streamlit run dashboard/app.py
"""

import logging

import streamlit as st
from sqlalchemy.exc import DBAPIError

from dashboard import cache
from dashboard.session import current_viewer
from etl.db import error_reason
from etl.errors import ConfigError, DatabaseUnavailableError

# Shown when the database is down or restarting: a passing condition, not a bug to report.
UNAVAILABLE = ("Data temporarily unavailable: the reporting database cannot be reached right now. "
               "Nothing is lost; reload this page in a minute.")

st.set_page_config(page_title="LEAD reporting", page_icon=":material/monitoring:", layout="wide")

try:
    runtime = cache.runtime()
except DatabaseUnavailableError as error:  # st.cache_resource keeps no failure: the next rerun retries
    logging.getLogger("dashboard").warning("database unavailable: %s", error)
    st.error(UNAVAILABLE, icon=":material/cloud_off:")
    st.stop()
except ConfigError as error:
    st.error(f"The dashboard cannot start: {error}")
    st.stop()

viewer = current_viewer()
pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
]
page = st.navigation(pages)
try:
    page.run()
except DBAPIError as error:
    # One place for every page: the pooled connections are checked before use (pool_pre_ping),
    # so the first rerun after the database is back works again without a restart of the app.
    logging.getLogger("dashboard").warning("database error on %s: %s", page.title, error_reason(error))
    st.error(UNAVAILABLE, icon=":material/cloud_off:")
