"""Overview: referrals to date by pathway, the two rates against the national reference, reporting."""

import pandas as pd
import streamlit as st

from dashboard import cache, charts, measures, tables, widgets
from dashboard.filters import render_filters
from dashboard.session import current_viewer

viewer = current_viewer()
runtime = cache.runtime()
version = cache.current_version()
filters = render_filters(cache.filter_options(viewer, version))
totals = cache.totals_by_pathway(viewer, filters, version)
reporting = cache.reporting_status(viewer, runtime.settings.today, version)
summary = tables.pathway_table(totals)
everything = summary.iloc[-1]

st.title("Overview")
widgets.demo_notice(cache.is_demo(version))

st.subheader("Referrals to date")
columns = st.columns(3)
for column, row in zip(columns, summary.itertuples(index=False), strict=True):
    column.metric(row.Pathway if row.Pathway != "All pathways" else "Referrals, all pathways", f"{row.Referrals:,}")
widgets.chart(charts.pathway_bars(totals), key="overview-pathways")

st.subheader("Enrollment and assessment")
enrollment = measures.enrollment_rate(everything["Enrolled"], everything["Referrals"])
assessment = measures.assessment_rate(everything["Assessed within 30 days"], everything["Referrals"])
reference = measures.NATIONAL_ENROLLMENT_REFERENCE
left, right = st.columns(2)
left.metric("Enrollment rate", measures.format_rate(enrollment),
            delta=None if pd.isna(enrollment) else
            f"{(enrollment - reference) * 100:+.1f} points against the national ~{reference:.0%}",
            delta_color="off", help="Enrolled / referrals of the same referral months. Nationally about 90% of "
                                    "people referred to LEAD enroll.")
right.metric("30-day assessment rate", measures.format_rate(assessment),
             help="Assessments completed within 30 days of referral / referrals. People diverted at arrest have "
                  "30 days to complete the assessment, or an arrest warrant may issue.")
widgets.numbers(summary, "referrals-by-pathway")

st.subheader("Reporting")
left, right = st.columns(2)
left.metric("Last month with every partner's data", reporting.last_complete_month or "none yet")
if reporting.late.empty:
    right.metric("Partners late", "none", help=f"Reports for {reporting.latest_due_month or 'every month due'} "
                                               "are all in.")
else:
    right.metric("Partners late", f"{len(reporting.late):,}",
                 help=f"No accepted report yet for {reporting.latest_due_month}, which is past due.")
    st.warning(f"No accepted report for **{reporting.latest_due_month}** (past due) from: "
               + "; ".join(f"{r.partner_name} ({r.region})" for r in reporting.late.itertuples()),
               icon=":material/schedule:")
