"""Trends: monthly referrals by pathway, region or county, a 3-month mean and running totals."""

from dataclasses import replace

import streamlit as st

from dashboard import cache, charts, tables, widgets
from dashboard.data import with_trend_lines
from dashboard.filters import render_filters
from dashboard.session import current_viewer

GROUPINGS = {"total": "All referrals", "pathway": "Pathway", "region": "Region", "county": "County"}
MOST_COUNTIES = 8  # more lines than this cannot be told apart

viewer = current_viewer()
version = cache.current_version()
filters = render_filters(cache.filter_options(viewer, version))

st.title("Trends")
widgets.demo_notice(cache.is_demo(version))
by = st.segmented_control("Split by", list(GROUPINGS), key="trends_by", default="pathway",
                          format_func=GROUPINGS.get) or "pathway"
if by == "county" and not filters.counties:
    # A line per county is unreadable past a handful (and Texas has 254): show the busiest.
    filters = replace(filters, counties=cache.busiest_counties(viewer, filters, MOST_COUNTIES, version))
    st.caption(f"Showing the {MOST_COUNTIES} counties with the most referrals; choose counties in the sidebar "
               "to compare others.")
monthly = with_trend_lines(cache.monthly_counts(viewer, filters, by, version))

widgets.chart(charts.monthly_lines(monthly, "referrals", "Referrals per month", "Referrals",
                                   extra="rolling_3", extra_label="3-month mean"), key="trends-monthly")
st.caption("A gap is a month with no report, not a month with no referrals. The dotted line is the mean of the "
           "last three months, drawn only where all three were reported.")
widgets.chart(charts.monthly_lines(monthly, "cumulative", "Cumulative referrals", "Referrals to date"),
              key="trends-cumulative")
widgets.numbers(tables.trend_table(monthly, GROUPINGS[by]), f"referrals-by-month-{by}")
