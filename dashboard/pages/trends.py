"""Trends: monthly referrals by pathway, region or county, a 3-month mean and running totals."""

import streamlit as st

from dashboard import cache, charts, tables, widgets
from dashboard.data import with_trend_lines
from dashboard.filters import render_filters
from dashboard.session import current_viewer

GROUPINGS = {"total": "All referrals", "pathway": "Pathway", "region": "Region", "county": "County"}
MOST_COUNTIES = 8  # more lines than this cannot be told apart; the table has every county

viewer = current_viewer()
version = cache.current_version()
filters = render_filters(cache.filter_options(viewer, version))

st.title("Trends")
widgets.demo_notice(cache.is_demo(version))
by = st.segmented_control("Split by", list(GROUPINGS), key="trends_by", default="pathway",
                          format_func=GROUPINGS.get) or "pathway"
monthly = with_trend_lines(cache.monthly_counts(viewer, filters, by, version))
shown = monthly
if by == "county" and monthly["group"].nunique() > MOST_COUNTIES:
    top = monthly.groupby("group")["referrals"].sum().nlargest(MOST_COUNTIES).index
    shown = monthly[monthly["group"].isin(top)]
    st.caption(f"The chart shows the {MOST_COUNTIES} counties with the most referrals; choose counties in the "
               "sidebar to compare others. The table below has every county.")

widgets.chart(charts.monthly_lines(shown, "referrals", "Referrals per month", "Referrals",
                                   extra="rolling_3", extra_label="3-month mean"), key="trends-monthly")
st.caption("A gap is a month with no report, not a month with no referrals. The dotted line is the mean of the "
           "last three months, drawn only where all three were reported.")
widgets.chart(charts.monthly_lines(shown, "cumulative", "Cumulative referrals", "Referrals to date"),
              key="trends-cumulative")
widgets.numbers(tables.trend_table(monthly, GROUPINGS[by]), f"referrals-by-month-{by}")
