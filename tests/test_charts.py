"""The analytics figures and tables, checked as structures (no browser)."""

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import charts, tables
from dashboard.data import IN_PROGRAM, NOT_IN_PROGRAM, NOT_YOUR_REGION, with_trend_lines
from dashboard.measures import NATIONAL_ENROLLMENT_REFERENCE
from geo.counties import county_geojson, county_table
from geo.regions import region_outlines


@pytest.fixture(scope="module")
def geojson(tmp_path_factory):
    return county_geojson("54", tmp_path_factory.mktemp("geo"))


def wv_counties(partner_fips: dict[str, str], hidden: set[str] = frozenset()) -> pd.DataFrame:
    """All 55 counties, as data.counts_by_county returns them, with made-up counts for the program's."""
    table = county_table("54")
    rows = []
    for number, record in enumerate(table.itertuples(index=False)):
        partner = partner_fips.get(record.fips)
        status = NOT_YOUR_REGION if record.fips in hidden else IN_PROGRAM if partner else NOT_IN_PROGRAM
        shown = status == IN_PROGRAM
        rows.append({"fips": record.fips, "county": record.name, "population": record.population,
                     "partner": partner if shown else None, "partner_name": f"{partner} name" if shown else None,
                     "region": f"{partner} region" if shown else None,
                     "referrals": number if shown else pd.NA, "assessments_completed": number // 2 if shown else pd.NA,
                     "enrolled": number // 3 if shown else pd.NA, "status": status})
    frame = pd.DataFrame(rows)
    for column in ("population", "referrals", "assessments_completed", "enrolled"):
        frame[column] = pd.array(frame[column], dtype="Int64")
    return frame


PROGRAM = {"54039": "prestera", "54035": "prestera", "54107": "prestera", "54025": "seneca", "54067": "seneca"}


@pytest.mark.parametrize("metric", list(charts.MAP_METRICS))
def test_the_map_has_all_55_counties_the_outside_ones_grey_and_no_tiles(geojson, metric):
    table = charts.county_map_table(wv_counties(PROGRAM))
    outlines = region_outlines(geojson, PROGRAM)
    figure = charts.county_map(table, geojson, metric, outlines, {"prestera": "Kanawha", "seneca": "Greenbrier"})
    maps = [t for t in figure.data if t.type == "choroplethmap"]
    locations = [fips for trace in maps for fips in trace.locations]
    assert len(locations) == 55 and len(set(locations)) == 55
    for trace in maps:  # each county's shape is sent once, with the trace that draws it
        assert sorted(f["id"] for f in trace.geojson["features"]) == sorted(trace.locations)
    grey = next(t for t in maps if t.name == "Not in the program")
    assert len(grey.locations) == 50
    assert {c for _, c in grey.colorscale} == {charts.GREYS[NOT_IN_PROGRAM]}
    assert figure.layout.map.style == "white-bg"
    assert all(t.type in ("choroplethmap", "scattermap") for t in figure.data)  # never the CDN-bound geo trace
    assert sum(t.type == "scattermap" for t in figure.data) == 2  # one outline per region
    kanawha = maps[0].text[list(maps[0].locations).index("54039")]
    assert "Kanawha County" in kanawha and "prestera name" in kanawha


def test_the_maps_hover_shows_numerator_and_denominator(geojson):
    table = charts.county_map_table(wv_counties(PROGRAM))
    figure = charts.county_map(table, geojson, "enrollment_rate")
    trace = figure.data[0]
    row = table.set_index("fips").loc["54039"]
    text = trace.text[list(trace.locations).index("54039")]
    assert f"enrolled: {int(row['enrolled'])} of {int(row['referrals'])} referrals" in text
    assert trace.zmin == 0 and trace.zmax == 1


def test_a_partner_viewers_map_greys_other_regions_with_no_numbers(geojson):
    table = charts.county_map_table(wv_counties(PROGRAM, hidden={"54025", "54067"}))
    figure = charts.county_map(table, geojson, "referrals")
    hidden = next(t for t in figure.data if t.name == "Not your region")
    assert sorted(hidden.locations) == ["54025", "54067"]
    assert all(text == "Another partner's region" for text in hidden.text)  # no name, no numbers
    assert table.set_index("fips").loc["54025", ["referrals_per_10k", "enrollment_rate"]].isna().all()


def test_a_county_in_the_program_with_no_referrals_shows_no_data_for_rates(geojson):
    counties = wv_counties(PROGRAM)
    counties.loc[counties["fips"] == "54039", ["referrals", "assessments_completed", "enrolled"]] = 0
    figure = charts.county_map(charts.county_map_table(counties), geojson, "assessment_rate")
    blank = next(t for t in figure.data if t.name == "In the program, no data")
    assert list(blank.locations) == ["54039"]
    assert "30-day assessment rate: no data" in blank.text[0]


def test_the_map_fits_the_state(geojson):
    centre, zoom = charts.map_view(geojson)
    assert 37.2 < centre["lat"] < 40.6 and -82.6 < centre["lon"] < -77.7
    assert 5 < zoom < 8


def test_region_outlines_are_one_ring_per_contiguous_region(geojson):
    outlines = region_outlines(geojson, {"54039": "a", "54035": "a", "54107": "a"})  # Kanawha, Jackson, Wood
    lons, lats = outlines["a"]
    assert lons.count(None) == 1 and len(lons) == len(lats) > 10


def test_region_outlines_go_to_the_map_as_arrays_with_a_gap_between_rings(geojson):
    """Arrays (fast to check and send); NaN where the outline had None, so rings stay apart
    (checked in Chromium: MapLibre gets the same line pieces as from the lists)."""
    import numpy as np

    scattered = {"54039": "a", "54001": "a"}  # Kanawha and Barbour: two rings, not touching
    outlines = region_outlines(geojson, scattered)
    figure = charts.county_map(charts.county_map_table(wv_counties(scattered)), geojson, "referrals", outlines)
    line = next(t for t in figure.data if t.type == "scattermap")
    lons, lats = outlines["a"]
    assert isinstance(line.lon, np.ndarray) and len(line.lon) == len(lons) == len(line.lat)
    assert np.isnan(line.lon).tolist() == [v is None for v in lons] and lons.count(None) == 2
    assert np.isnan(line.lat).tolist() == [v is None for v in lats]


def monthly(groups=("arrest_diversion", "social_contact")) -> pd.DataFrame:
    months = pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"])
    rows = []
    for index, group in enumerate(groups):
        for number, month in enumerate(months):
            missing = number == 2 and index == 0
            rows.append({"month": month, "group": group, "referrals": pd.NA if missing else 10 + number,
                         "assessments_completed": pd.NA if missing else 7, "enrolled": pd.NA if missing else 9,
                         "reported": not missing})
    frame = pd.DataFrame(rows)
    for column in ("referrals", "assessments_completed", "enrolled"):
        frame[column] = pd.array(frame[column], dtype="Int64")
    return frame


def test_monthly_lines_leave_gaps_and_tell_lines_apart_without_colour():


    figure = charts.monthly_lines(with_trend_lines(monthly()), "referrals", "t", "y", extra="rolling_3",
                                  extra_label="3-month mean")
    lines = [t for t in figure.data if not t.name.endswith("3-month mean")]
    assert [t.name for t in lines] == ["Arrest diversion", "Social contact referral"]
    assert all(t.connectgaps is False for t in figure.data)
    assert pd.isna(lines[0].y[2]) and lines[1].y[2] == 12
    assert lines[0].line.dash != lines[1].line.dash and lines[0].marker.symbol != lines[1].marker.symbol


def reference_lines(figure: go.Figure) -> list:
    return [s for s in figure.layout.shapes if s.name == charts.REFERENCE_NAME]


def test_rate_charts_carry_the_90_percent_reference_line():
    regions = pd.DataFrame({"partner": ["a", "b"], "partner_name": ["A", "B"], "region": ["North", "South"],
                            "referrals": [10, 0], "assessments_completed": [7, 0], "enrolled": [9, 0]})
    by_region = charts.rates_by_region(regions)
    over_time = charts.rates_over_time(monthly(("All referrals",)))
    for figure in (by_region, over_time):
        (line,) = reference_lines(figure)
        assert line.y0 == line.y1 == NATIONAL_ENROLLMENT_REFERENCE and line.showlegend
    bars = [t for t in by_region.data if t.type == "bar"]
    assert list(bars[0].text) == ["90.0%", "no data"]  # South has no referrals: no data, not 0%
    assert bars[0].marker.pattern.shape != bars[1].marker.pattern.shape


def test_the_funnel_shows_each_stage_with_its_share():
    figure = charts.referral_funnel(200, 150, 180)
    (funnel,) = figure.data
    assert funnel.type == "funnel" and list(funnel.x) == [200, 150, 180]
    assert list(funnel.text) == ["200 (100.0%)", "150 (75.0%)", "180 (90.0%)"]


def test_the_palette_passes_wcag_non_text_contrast_against_white():
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in (*charts.PALETTE, charts.REFERENCE_COLOUR, charts.OUTLINE_COLOUR):
        assert (1.05) / (luminance(colour) + 0.05) >= 3.0, colour


def test_tables_keep_rates_as_numbers_and_no_data_as_empty():
    totals = pd.DataFrame({"pathway": ["arrest_diversion", "social_contact"], "referrals": [8, 0],
                           "assessments_completed": [6, 0], "enrolled": [7, 0]})
    table = tables.pathway_table(totals).set_index("Pathway")
    assert table.loc["All pathways", "Referrals"] == 8
    assert table.loc["Arrest diversion", tables.ENROLLMENT] == 87.5
    assert pd.isna(table.loc["Social contact referral", tables.ASSESSMENT])
    trend = tables.trend_table(with_trend_lines(monthly()), "Pathway")
    assert trend.loc[trend["Month"] == "2026-03", "Report received"].tolist() == ["no report", "yes"]
    assert trend["Month"].tolist() == sorted(trend["Month"]) and len(trend) == 8
