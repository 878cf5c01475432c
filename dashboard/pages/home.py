"""Home: the program, its partners' counties and how much has been loaded."""

import streamlit as st

from dashboard import cache
from dashboard.session import current_viewer

viewer = current_viewer()
program = cache.runtime().program
version = cache.current_version()

st.title(program.name)
if cache.is_demo(version):
    st.warning("Demo database: every number on these pages is **synthetic**, generated for "
               "demonstration. It is not West Virginia's data.", icon=":material/science:")

totals = cache.referral_totals(viewer, version)
partners = cache.counties_by_partner(viewer, version)

left, middle, right = st.columns(3)
left.metric("Referrals loaded", f"{totals.referrals:,}")
middle.metric("Partners", f"{len(partners):,}")
right.metric("Counties in the program", f"{int(partners['county_count'].sum()):,}")

st.subheader("Counties by partner")
# A real HTML table (not a canvas grid): five rows, read by screen readers and found by search.
st.table(
    partners.loc[:, ["partner", "region", "counties", "county_count"]]
    .rename(columns={"partner": "Partner", "region": "Region", "counties": "Counties",
                     "county_count": "Number of counties"}),
    hide_index=True,
)

# Analytics (issue 5): where to go next.
st.subheader("Explore the numbers")
links = st.columns(4)
links[0].page_link("pages/overview.py", label="Overview: totals, rates, reporting", icon=":material/dashboard:")
links[1].page_link("pages/county_map.py", label="County map", icon=":material/map:")
links[2].page_link("pages/trends.py", label="Trends by month", icon=":material/show_chart:")
links[3].page_link("pages/rates.py", label="Enrollment and assessment", icon=":material/percent:")
