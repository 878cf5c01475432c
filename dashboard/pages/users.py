"""Accounts (coordinators only): add, deactivate, reset a password, change a role."""

import pandas as pd
import streamlit as st

from dashboard import cache
from dashboard.session import current_viewer
from etl.users import MIN_PASSWORD_LENGTH, AccountError, add_user, list_accounts, set_active, set_password, set_role

ROLE_LABELS = {"coordinator": "Coordinator (everything)", "partner": "Partner (own region)",
               "leadership": "Leadership (read-only)"}

viewer = current_viewer()
if viewer.role != "coordinator":  # the page list hides this page; the functions below refuse anyway
    st.error("Only coordinators manage accounts.")
    st.stop()
runtime = cache.runtime()
partner_codes = [p.code for p in runtime.program.partners]

st.title("Accounts")
st.caption("Who can sign in, and what they see. Passwords are stored as argon2id hashes and never shown.")

accounts = list_accounts(runtime.engine, actor=viewer)
st.dataframe(
    pd.DataFrame([{"login": a.login, "name": a.display_name, "role": a.role, "partner": a.partner_code or "",
                   "active": a.active, "last sign-in": a.last_login_at, "locked until": a.locked_until}
                  for a in accounts]),
    hide_index=True, width="stretch",
)


def _done(action) -> None:
    try:
        action()
    except AccountError as error:
        st.error(str(error))
    else:
        st.success("Saved.")
        st.rerun()


with st.expander("Add an account", icon=":material/person_add:"), st.form("add_account", clear_on_submit=True):
    login = st.text_input("Login")
    name = st.text_input("Display name")
    email = st.text_input("E-mail (matches single sign-on, optional)")
    role = st.selectbox("Role", list(ROLE_LABELS), format_func=ROLE_LABELS.get)
    partner = st.selectbox("Partner (partner accounts only)", ["", *partner_codes])
    password = st.text_input(f"Password (at least {MIN_PASSWORD_LENGTH} characters)", type="password",
                             autocomplete="new-password")
    if st.form_submit_button("Add account", type="primary"):
        _done(lambda: add_user(runtime.engine, login=login, display_name=name, role=role,
                               partner_code=partner or None, email=email or None, password=password,
                               actor=viewer))

logins = [a.login for a in accounts]
if logins:
    with st.expander("Change an account", icon=":material/manage_accounts:"):
        chosen = st.selectbox("Account", logins, key="account_to_change")
        account = next(a for a in accounts if a.login == chosen)
        role_column, active_column = st.columns(2)
        with role_column, st.form("change_role"):
            new_role = st.selectbox("Role", list(ROLE_LABELS), index=list(ROLE_LABELS).index(account.role),
                                    format_func=ROLE_LABELS.get)
            new_partner = st.selectbox("Partner", ["", *partner_codes],
                                       index=([""] + partner_codes).index(account.partner_code or ""))
            if st.form_submit_button("Change role"):
                _done(lambda: set_role(runtime.engine, chosen, new_role, new_partner or None, actor=viewer))
        with active_column:
            if account.active:
                if st.button("Deactivate", icon=":material/block:"):
                    _done(lambda: set_active(runtime.engine, chosen, False, actor=viewer))
            elif st.button("Reactivate", icon=":material/check_circle:"):
                _done(lambda: set_active(runtime.engine, chosen, True, actor=viewer))
        with st.form("reset_password", clear_on_submit=True):
            new_password = st.text_input("New password", type="password", autocomplete="new-password")
            if st.form_submit_button("Reset password (and unlock)"):
                _done(lambda: set_password(runtime.engine, chosen, new_password, actor=viewer))
