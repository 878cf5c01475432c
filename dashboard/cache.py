"""The app's shared resources and cached queries.

``st.cache_data`` values are shared by every user, so every cached query takes the viewer's
scope and the data version as arguments: a new load is visible at once, and one viewer's result
is never served to a viewer with a narrower view.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import completeness, data
from dashboard.viewer import Viewer
from etl.demo import is_demo_database
from etl.runtime import Runtime, open_runtime


@st.cache_resource(show_spinner=False)
def runtime() -> Runtime:
    return open_runtime()


def current_version() -> tuple[int, int]:
    return data.data_version(runtime().engine)


@st.cache_data(show_spinner=False, max_entries=256)
def referral_totals(viewer: Viewer, version: tuple[int, int]) -> data.ReferralTotals:
    return data.referral_totals(runtime().engine, viewer)


@st.cache_data(show_spinner=False, max_entries=64)
def counties_by_partner(viewer: Viewer, version: tuple[int, int]):
    return data.counties_by_partner(runtime().engine, viewer)


@st.cache_data(show_spinner=False, ttl=300)
def is_demo(version: tuple[int, int]) -> bool:
    return is_demo_database(runtime().engine)


# --- Operations pages (issue 5) ------------------------------------------------------------------
# Submissions and the grid are keyed by the data version (a new file shows at once); contacts by
# their own version (a directory change does not touch submissions).


@st.cache_data(show_spinner=False, max_entries=64)
def submissions(viewer: Viewer, version: tuple[int, int]):
    return data.submissions(runtime().engine, viewer)


@st.cache_data(show_spinner=False, max_entries=64)
def reporting_grid(viewer: Viewer, version: tuple[int, int], first: dt.date, last: dt.date, now: dt.datetime):
    """The completeness grid of the partners ``viewer`` may see, from ``first`` to ``last`` month."""
    partners = data.counties_by_partner(runtime().engine, viewer)["code"].tolist()
    months = completeness.months_between(first, last)
    return completeness.reporting_grid(data.submissions(runtime().engine, viewer), partners, months,
                                       runtime().program.report_due_day, now)


@st.cache_data(show_spinner=False, max_entries=256)
def submission_detail(viewer: Viewer, version: tuple[int, int], submission_id: int) -> data.SubmissionDetail:
    return data.submission_detail(runtime().engine, viewer, submission_id)


def contacts_version() -> tuple[int, int]:
    return data.contacts_version(runtime().engine)


@st.cache_data(show_spinner=False, max_entries=16)
def contacts_directory(viewer: Viewer, version: tuple[int, int]):
    return data.contacts_directory(runtime().engine, viewer)


@st.cache_data(show_spinner=False, max_entries=16)
def directory_regions(viewer: Viewer, version: tuple[int, int]):
    return data.directory_regions(runtime().engine, viewer)
