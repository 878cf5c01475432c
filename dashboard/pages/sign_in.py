"""Sign in: the only page a visitor who is not signed in can see, whatever the URL."""

import streamlit as st

from dashboard import cache, session
from etl.demo import DEMO_PASSWORD, demo_accounts
from etl.users import SIGN_IN_FAILED, authenticate

runtime = cache.runtime()
st.title(f"{runtime.program.name}: reporting")
st.caption("Law Enforcement Assisted Diversion: referrals, assessments and enrollment, county by county.")

if message := st.session_state.pop(session.MESSAGE_KEY, None):
    st.info(message)

with st.form("sign_in", enter_to_submit=True):
    login = st.text_input("Login", autocomplete="username")
    password = st.text_input("Password", type="password", autocomplete="current-password")
    submitted = st.form_submit_button("Sign in", type="primary")

if submitted:
    account = authenticate(runtime.engine, login, password)
    if account is None:
        st.error(SIGN_IN_FAILED)
    else:
        session.sign_in(account)
        st.rerun()

if session.sso_configured():
    st.divider()
    if st.user.is_logged_in:
        st.warning("Your single sign-on account is not registered for this dashboard. "
                   "Ask the state coordinator to add it.")
        st.button("Sign out of single sign-on", on_click=st.logout)
    else:
        st.button("Sign in with single sign-on", on_click=st.login)

if cache.is_demo(cache.current_version()):
    st.divider()
    st.markdown(f"**Demo database.** Try one account of each role, password `{DEMO_PASSWORD}`:")
    st.table([{"login": login, "role": role, "partner": partner or ""}
              for login, _name, role, partner in demo_accounts(runtime.program)], hide_index=True)
