"""The browser session's sign-in state (the only module that touches it)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.access import session_viewer, viewer_from_account
from dashboard.viewer import Viewer
from etl.users import Account

AUTH_KEY = "auth"  # {"login": str, "last_seen": datetime, "method": "password" | "sso"}
VIEWER_KEY = "viewer"  # derived from AUTH_KEY on every run; never trusted as input
MESSAGE_KEY = "auth_message"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def resolve_viewer(engine, idle_minutes: int) -> Viewer | None:
    """Who is signed in for this run (re-checked against the database), or None."""
    viewer, message = session_viewer(engine, st.session_state.get(AUTH_KEY), idle_minutes, _now())
    if viewer is None:
        if message:
            st.session_state[MESSAGE_KEY] = message
        st.session_state.pop(AUTH_KEY, None)
        st.session_state.pop(VIEWER_KEY, None)
        return None
    st.session_state[AUTH_KEY]["last_seen"] = _now()
    st.session_state[VIEWER_KEY] = viewer
    return viewer


def sign_in(account: Account, method: str = "password") -> None:
    # A fresh session state: nothing chosen before sign-in (or by another account) carries over.
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[AUTH_KEY] = {"login": account.login, "last_seen": _now(), "method": method}
    st.session_state[VIEWER_KEY] = viewer_from_account(account)


def sign_out() -> None:
    method = (st.session_state.get(AUTH_KEY) or {}).get("method")
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[MESSAGE_KEY] = "You are signed out."
    if method == "sso":
        st.logout()


def current_viewer() -> Viewer:
    """The signed-in viewer for a page, re-derived from the sign-in record (never from a stored
    Viewer, which a page run on its own might be handed); a page run without one shows nothing."""
    from dashboard import cache

    runtime = cache.runtime()
    viewer = resolve_viewer(runtime.engine, runtime.settings.session_idle_minutes)
    if viewer is None:
        # Reached when a page runs without the router: Streamlit runs a page URL opened first on a
        # freshly started server as a bare script (its old pages/ folder mode) until the router
        # has run once. Nothing of the page is shown; the visitor is sent to sign in.
        st.info(st.session_state.pop(MESSAGE_KEY, None) or "Please sign in to see this page.")
        st.link_button("Go to the sign-in page", "/")
        st.stop()
    return viewer


def sso_configured() -> bool:
    """True when the deployment configured an OpenID Connect provider ([auth] in secrets.toml)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises its own not-found error
        return False


def sso_account(engine) -> Account | None:
    """The account the identity provider's signed-in user maps to (by login, else e-mail)."""
    from etl.users import match_single_sign_on

    if not sso_configured() or not st.user.is_logged_in:
        return None
    login = st.user.get("preferred_username") or st.user.get("sub")
    return match_single_sign_on(engine, login, st.user.get("email"))
