"""Who may see which page, and whether a browser session is still signed in. No streamlit here.

The page list a viewer gets is a convenience: every data function restricts its query to the
viewer again, and pages that change things check the role again before acting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from dashboard.viewer import COORDINATOR, LEADERSHIP, PARTNER, Viewer
from etl.users import Account, get_account

EVERYONE = (COORDINATOR, PARTNER, LEADERSHIP)
UPLOADERS = (COORDINATOR, PARTNER)  # leadership is read-only: no uploads, no files
COORDINATORS = (COORDINATOR,)
SESSION_EXPIRED = "Your session ended after a period without use. Please sign in again."


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to dashboard/
    title: str
    icon: str
    roles: tuple[str, ...]
    section: str = "Reports"
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "Home", ":material/home:", EVERYONE, default=True),
    PageSpec("pages/overview.py", "Overview", ":material/dashboard:", EVERYONE),
    PageSpec("pages/county_map.py", "County map", ":material/map:", EVERYONE),
    PageSpec("pages/trends.py", "Trends", ":material/show_chart:", EVERYONE),
    PageSpec("pages/rates.py", "Enrollment and assessment", ":material/percent:", EVERYONE),
    PageSpec("pages/completeness.py", "Reporting completeness", ":material/event_available:", EVERYONE,
             section="Operations"),
    PageSpec("pages/submissions.py", "Submissions", ":material/inventory_2:", UPLOADERS, section="Operations"),
    PageSpec("pages/upload.py", "Upload a file", ":material/upload_file:", UPLOADERS, section="Operations"),
    PageSpec("pages/contacts.py", "Contacts", ":material/contacts:", EVERYONE, section="Operations"),
    PageSpec("pages/users.py", "Accounts", ":material/group:", COORDINATORS, section="Administration"),
)


def pages_for(viewer: Viewer) -> list[PageSpec]:
    return [page for page in PAGES if viewer.role in page.roles]


def viewer_from_account(account: Account) -> Viewer:
    return Viewer(login=account.login, role=account.role,
                  partner_code=account.partner_code if account.role == PARTNER else None,
                  display_name=account.display_name)


def session_viewer(engine: Engine, auth: dict | None, idle_minutes: int,
                   now: dt.datetime) -> tuple[Viewer | None, str | None]:
    """The viewer a session's sign-in record stands for, re-read from the database on every run.

    Returns (None, message) when the session is not signed in, has been idle too long, or its
    account was deactivated since; the role and partner always come from the database, never from
    what the session remembers.
    """
    if not isinstance(auth, dict) or not isinstance(auth.get("login"), str):
        return None, None
    last_seen = auth.get("last_seen")
    if not isinstance(last_seen, dt.datetime) or now - last_seen > dt.timedelta(minutes=idle_minutes):
        return None, SESSION_EXPIRED
    account = get_account(engine, auth["login"])
    if account is None or not account.active:
        return None, "This account can no longer sign in. Ask the state coordinator."
    return viewer_from_account(account), None
