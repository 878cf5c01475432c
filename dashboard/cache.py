"""The app's shared resources and cached queries.

``st.cache_data`` values are shared by every user, so every cached query takes the viewer's
scope and the data version as arguments: a new load is visible at once, and one viewer's result
is never served to a viewer with a narrower view.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import completeness, data
from dashboard.selection import Filters
from dashboard.viewer import Viewer
from etl.demo import is_demo_database
from etl.runtime import Runtime, open_runtime
from geo import counties as geo_counties
from geo import regions as geo_regions


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
    return completeness.reporting_grid(data.submission_months(runtime().engine, viewer), partners, months,
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
# ---------------------------------------------------------------------------------------------
# Analytics (issue 5): overview, county map, trends, rates. Same rule: viewer + data version in
# every key; Filters is a frozen dataclass, hashed by value.
# ---------------------------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=64)
def filter_options(viewer: Viewer, version: tuple[int, int]) -> data.FilterOptions:
    return data.filter_options(runtime().engine, viewer)


@st.cache_data(show_spinner=False, max_entries=256)
def totals_by_pathway(viewer: Viewer, filters: Filters, version: tuple[int, int]) -> pd.DataFrame:
    return data.totals_by_pathway(runtime().engine, viewer, filters)


@st.cache_data(show_spinner=False, max_entries=256)
def counts_by_county(viewer: Viewer, filters: Filters, version: tuple[int, int]) -> pd.DataFrame:
    return data.counts_by_county(runtime().engine, viewer, filters)


@st.cache_data(show_spinner=False, max_entries=256)
def region_counts(viewer: Viewer, filters: Filters, version: tuple[int, int]) -> pd.DataFrame:
    return data.region_counts(runtime().engine, viewer, filters)


@st.cache_data(show_spinner=False, max_entries=256)
def monthly_counts(viewer: Viewer, filters: Filters, by: str, version: tuple[int, int]) -> pd.DataFrame:
    return data.monthly_counts(runtime().engine, viewer, filters, by)


@st.cache_data(show_spinner=False, max_entries=256)
def busiest_counties(viewer: Viewer, filters: Filters, limit: int, version: tuple[int, int]) -> tuple[str, ...]:
    return data.busiest_counties(runtime().engine, viewer, filters, limit)


@st.cache_data(show_spinner=False, max_entries=64, ttl=3600)
def reporting_status(viewer: Viewer, today: dt.date, version: tuple[int, int]) -> data.ReportingStatus:
    """Keyed by the day too: a report becomes late when its due day passes, with no new file."""
    program = runtime().program
    now = dt.datetime.combine(today, dt.datetime.now(dt.UTC).time(), tzinfo=dt.UTC)
    options = data.filter_options(runtime().engine, viewer)
    first = options.months[0] if options.months else None
    return data.reporting_status(runtime().engine, viewer, first, program.report_due_day, now)


@st.cache_resource(show_spinner=False)
def county_geojson(state_fips: str) -> dict:
    """The state's simplified county shapes (not viewer data: the same for everyone)."""
    return geo_counties.county_geojson(state_fips, runtime().settings.cache_dir)


@st.cache_resource(show_spinner=False)
def region_outlines(state_fips: str, assignment: tuple[tuple[str, str], ...]) -> dict:
    """Each partner's counties dissolved into one outline; ``assignment`` is (county FIPS, partner)."""
    return geo_regions.region_outlines(county_geojson(state_fips), dict(assignment))
