"""Running the real app under streamlit.testing, signed in as a real account (or as nobody)."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from etl.users import add_user, get_account
from tests.conftest import ROOT

APP = str(ROOT / "dashboard" / "app.py")
PASSWORD = "correct horse battery"


def ensure_account(engine, login: str, role: str, partner: str | None = None) -> None:
    if get_account(engine, login) is None:
        add_user(engine, login=login, display_name=login.title(), role=role, partner_code=partner,
                 password=PASSWORD)


def app(login: str | None = None) -> AppTest:
    """The app, with the session signed in as ``login`` (an existing account) or not at all."""
    at = AppTest.from_file(APP, default_timeout=90)
    if login:
        at.session_state["auth"] = {"login": login, "last_seen": dt.datetime.now(dt.UTC), "method": "password"}
    return at


def next_run(at: AppTest) -> AppTest:
    """The app's next run, as the real server does it: from the entry point, same session.

    Under AppTest a rerun after the first one executes only the current page's script when the
    app has a ``pages/`` folder (the old multipage detection); the real server always runs
    ``dashboard/app.py`` first (checked in Chromium). So a test that needs the router to run
    again (after signing in, say) starts a fresh AppTest with the session's sign-in state.
    """
    fresh = AppTest.from_file(APP, default_timeout=90)
    for key in ("auth", "auth_message"):
        if key in at.session_state:
            fresh.session_state[key] = at.session_state[key]
    return fresh.run()


def texts(at: AppTest) -> str:
    """Everything a person could read on the page, as one string."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                                   "error", "success", "text") for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for table in list(at.table) + list(at.dataframe):
        parts.append(table.value.to_string())
    return "\n".join(str(p) for p in parts)
