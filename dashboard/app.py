"""The LEAD dashboard's entry point: a router. Run from the repository root:

    python -m streamlit run dashboard/app.py

Visitors who are not signed in get the sign-in page only, whatever the URL. Signed-in viewers get
the pages of their role (dashboard.access.PAGES); each page and data function checks again.
"""

import streamlit as st

from dashboard import cache, session
from dashboard.access import pages_for
from etl.errors import ConfigError

st.set_page_config(page_title="LEAD reporting", page_icon=":material/monitoring:", layout="wide")

try:
    runtime = cache.runtime()
except ConfigError as error:
    st.error(f"The dashboard cannot start: {error}")
    st.stop()

viewer = session.resolve_viewer(runtime.engine, runtime.settings.session_idle_minutes)
if viewer is None and (account := session.sso_account(runtime.engine)) is not None:
    session.sign_in(account, method="sso")
    st.rerun()
if viewer is None:
    st.navigation([st.Page("pages/sign_in.py", title="Sign in", icon=":material/login:", default=True)],
                  position="hidden").run()
    st.stop()

sections: dict[str, list] = {}
for spec in pages_for(viewer):
    sections.setdefault(spec.section, []).append(
        st.Page(spec.path, title=spec.title, icon=spec.icon, default=spec.default))
with st.sidebar:
    role = viewer.role + (f", {viewer.partner_code}" if viewer.partner_code else "")
    st.caption(f"Signed in as **{viewer.display_name}** ({role})")
    st.button("Sign out", on_click=session.sign_out, icon=":material/logout:")
st.navigation(sections).run()
