"""The LEAD dashboard's entry point: a router. Run from the repository root:

    python -m streamlit run dashboard/app.py

Visitors who are not signed in get the sign-in page only, whatever the URL. Signed-in viewers get
the pages of their role (dashboard.access.PAGES); each page and data function checks again.
"""

import logging

import streamlit as st
from sqlalchemy.exc import DBAPIError

from dashboard import cache, session
from dashboard.access import pages_for
from etl.db import error_reason
from etl.errors import ConfigError, DatabaseUnavailableError

# Shown when the database is down or restarting: a passing condition, not a bug to report.
UNAVAILABLE = ("Data temporarily unavailable: the reporting database cannot be reached right now. "
               "Nothing is lost; reload this page in a minute.")
log = logging.getLogger("dashboard")

st.set_page_config(page_title="LEAD reporting", page_icon=":material/monitoring:", layout="wide")

try:
    runtime = cache.runtime()
except DatabaseUnavailableError as error:  # st.cache_resource keeps no failure: the next rerun retries
    log.warning("database unavailable: %s", error)
    st.error(UNAVAILABLE, icon=":material/cloud_off:")
    st.stop()
except ConfigError as error:
    st.error(f"The dashboard cannot start: {error}")
    st.stop()

try:
    viewer = session.resolve_viewer(runtime.engine, runtime.settings.session_idle_minutes)
    if viewer is None and (account := session.sso_account(runtime.engine)) is not None:
        session.sign_in(account, method="sso")
        st.rerun()
    if viewer is None:
        page = st.navigation([st.Page("pages/sign_in.py", title="Sign in", icon=":material/login:",
                                      default=True)], position="hidden")
    else:
        sections: dict[str, list] = {}
        for spec in pages_for(viewer):
            sections.setdefault(spec.section, []).append(
                st.Page(spec.path, title=spec.title, icon=spec.icon, default=spec.default))
        with st.sidebar:
            role = viewer.role + (f", {viewer.partner_code}" if viewer.partner_code else "")
            st.caption(f"Signed in as **{viewer.display_name}** ({role})")
            st.button("Sign out", on_click=session.sign_out, icon=":material/logout:")
        page = st.navigation(sections)
    page.run()
except DBAPIError as error:
    # One place for every page: pooled connections are checked before use (pool_pre_ping), so
    # the first rerun after the database is back works again without restarting the app.
    log.warning("database error: %s", error_reason(error))
    st.error(UNAVAILABLE, icon=":material/cloud_off:")
