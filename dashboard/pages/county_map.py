"""County map: every county of the state, the program's coloured by the chosen measure."""

import streamlit as st

from dashboard import cache, charts, tables, widgets
from dashboard.filters import MONTHS, PATHWAY, render_filters
from dashboard.session import current_viewer

viewer = current_viewer()
program = cache.runtime().program
version = cache.current_version()
options = cache.filter_options(viewer, version)
filters = render_filters(options, show=(MONTHS, PATHWAY))  # the map always shows the whole state

st.title("County map")
widgets.demo_notice(cache.is_demo(version))
metric = st.segmented_control("Measure", list(charts.MAP_METRICS), key="county_map_metric", default="referrals",
                              format_func=lambda key: charts.MAP_METRICS[key].label) or "referrals"
counties = charts.county_map_table(cache.counts_by_county(viewer, filters, version))
visible = set(options.partners["code"])
assignment = tuple(sorted((fips, code) for fips, code in program.partner_of_county().items() if code in visible))
outlines = cache.region_outlines(program.state_fips, assignment)
regions = dict(zip(options.partners["code"], options.partners["region"], strict=True))
widgets.chart(charts.county_map(counties, cache.county_geojson(program.state_fips), metric, outlines, regions),
              key="county-map")
st.caption("Black lines outline the partner regions. Light grey: counties outside the program"
           + ("; darker grey: other partners' regions" if viewer.scope else "")
           + ". White: in the program, but the measure has no data (no referrals in the months chosen, or no "
           "population figure).")
widgets.numbers(tables.county_table(counties), "counties", label="The map's numbers, county by county",
                expanded=True)
