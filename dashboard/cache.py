"""The app's shared resources and cached queries.

``st.cache_data`` values are shared by every user, so every cached query takes the viewer's
scope and the data version as arguments: a new load is visible at once, and one viewer's result
is never served to a viewer with a narrower view.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data
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
