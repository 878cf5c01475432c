"""Enrollment and assessment: rates by region and over time, and the referral funnel."""

import streamlit as st

from dashboard import cache, charts, tables, widgets
from dashboard.filters import render_filters
from dashboard.session import current_viewer

viewer = current_viewer()
version = cache.current_version()
filters = render_filters(cache.filter_options(viewer, version))
regions = cache.region_counts(viewer, filters, version)
monthly = cache.monthly_counts(viewer, filters, "total", version)
referrals, assessed, enrolled = (int(regions[c].sum()) for c in ("referrals", "assessments_completed", "enrolled"))

st.title("Enrollment and assessment")
widgets.demo_notice(cache.is_demo(version))

widgets.chart(charts.referral_funnel(referrals, assessed, enrolled), key="rates-funnel")
st.caption("Both later stages are counted out of the same referrals: enrollment does not wait for the "
           "assessment, so the enrolled bar can be longer than the assessed one.")
widgets.numbers(tables.funnel_table(referrals, assessed, enrolled), "referral-funnel")

widgets.chart(charts.rates_by_region(regions), key="rates-regions")
widgets.numbers(tables.region_rates_table(regions), "rates-by-region")

widgets.chart(charts.rates_over_time(monthly), key="rates-months")
st.caption("The dashed black line is the national reference: about 90% of people referred to LEAD enroll. "
           "Gaps are months with no report.")
widgets.numbers(tables.monthly_rates_table(monthly), "rates-by-month")
