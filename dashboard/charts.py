"""Every figure the analytics pages show, built from the data module's frames. Pure plotly.

Colour is never the only cue: categorical colours (a colour-blind-safe set, each at least 3:1
against white, WCAG 1.4.11) come with distinct line dashes and marker symbols, bars carry their
numbers as text, the map uses the colour-blind-safe Viridis scale and names its grey categories
in the legend and in every hover.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import measures
from dashboard.data import IN_PROGRAM, NOT_IN_PROGRAM, NOT_YOUR_REGION

# Okabe-Ito / Tol hues, darkened where needed so each is >= 3:1 against white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#882255", "#332288", "#CC79A7", "#595959", "#117733")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "cross", "pentagon")
SEQUENTIAL = "Viridis"
REFERENCE_COLOUR = "#000000"
OUTLINE_COLOUR = "#000000"
GREYS = {NOT_IN_PROGRAM: "#E0E0E0", NOT_YOUR_REGION: "#B0B0B0"}
NO_DATA_FILL = "#FFFFFF"
PATHWAY_LABELS = {"arrest_diversion": "Arrest diversion", "social_contact": "Social contact referral"}
REFERENCE_NAME = f"National reference (~{measures.NATIONAL_ENROLLMENT_REFERENCE:.0%} enroll)"
FONT = {"family": "sans-serif", "size": 14, "color": "#262730"}
# A small template of our own: plotly deep-copies the template into every figure, and the
# built-in "plotly_white" costs ~0.1 s a figure to copy; this one looks the same for our charts.
_AXIS = {"gridcolor": "#E5E5E5", "linecolor": "#BDBDBD", "zerolinecolor": "#BDBDBD", "automargin": True}
TEMPLATE = go.layout.Template(layout={"paper_bgcolor": "#FFFFFF", "plot_bgcolor": "#FFFFFF", "xaxis": _AXIS,
                                      "yaxis": _AXIS, "hoverlabel": {"align": "left"}})


@dataclass(frozen=True)
class MapMetric:
    label: str
    column: str  # the value, computed by dashboard.measures
    numerator: str
    denominator: str
    is_rate: bool  # a share (0..1) shown as a percentage

    def format(self, value) -> str:
        if self.is_rate:
            return measures.format_rate(value)
        if self.column == "referrals_per_10k":
            return measures.format_per_10k(value)
        return measures.NO_DATA if measures._missing(value) else f"{int(value):,}"


MAP_METRICS = {
    "referrals": MapMetric("Referrals", "referrals", "referrals", "", False),
    "referrals_per_10k": MapMetric("Referrals per 10,000 residents", "referrals_per_10k", "referrals",
                                   "population", False),
    "enrollment_rate": MapMetric("Enrollment rate", "enrollment_rate", "enrolled", "referrals", True),
    "assessment_rate": MapMetric("30-day assessment rate", "assessment_rate", "assessments_completed",
                                 "referrals", True),
}


def _layout(figure: go.Figure, title: str, **extra) -> go.Figure:
    settings = {"title": {"text": title}, "font": FONT, "template": TEMPLATE,
                "margin": {"l": 10, "r": 10, "t": 60, "b": 10}, "legend": {"title": {"text": ""}}}
    figure.update_layout(**{**settings, **extra})
    return figure


def _style(index: int) -> dict:
    return {"color": PALETTE[index % len(PALETTE)], "dash": DASHES[index % len(DASHES)],
            "symbol": SYMBOLS[index % len(SYMBOLS)]}


def pathway_bars(totals: pd.DataFrame) -> go.Figure:
    """Referrals by pathway, horizontal bars labelled with their numbers."""
    labels = totals["pathway"].map(PATHWAY_LABELS).fillna(totals["pathway"])
    figure = go.Figure(go.Bar(
        x=totals["referrals"], y=labels, orientation="h", text=[f"{v:,}" for v in totals["referrals"]],
        textposition="auto", marker={"color": [PALETTE[i % len(PALETTE)] for i in range(len(totals))]},
        hovertemplate="%{y}: %{x:,} referrals<extra></extra>"))
    return _layout(figure, "Referrals by pathway", xaxis_title="Referrals", height=260, showlegend=False)


# -- the county map -----------------------------------------------------------------------------

def county_map_table(counties: pd.DataFrame) -> pd.DataFrame:
    """The map's numbers: every county, its status, counts and every map metric (NA = no data)."""
    table = measures.add_rates(counties.astype({"population": "Float64"}), population_column="population")
    shown = table["status"] == IN_PROGRAM
    for metric in MAP_METRICS.values():
        if metric.column != metric.numerator:  # a computed measure, not a count
            table[metric.column] = pd.array(table[metric.column], dtype="Float64")
        table.loc[~shown, metric.column] = pd.NA
    table["population"] = pd.array(counties["population"], dtype="Int64")
    return table


def _hover(row, metric: MapMetric) -> str:
    if row.status == NOT_YOUR_REGION:
        return "Another partner's region"
    name = f"<b>{row.county} County</b>"
    if row.status != IN_PROGRAM:
        return f"{name}<br>{row.status.capitalize()}"
    value = metric.format(getattr(row, metric.column))
    lines = [name, f"{row.partner_name} ({row.region})", f"{metric.label}: {value}"]
    numerator = getattr(row, metric.numerator)
    if metric.denominator:
        denominator = getattr(row, metric.denominator)
        den = "unknown" if measures._missing(denominator) else f"{int(denominator):,}"
        lines.append(f"{metric.numerator.replace('_', ' ')}: {int(numerator):,} of {den} "
                     f"{metric.denominator.replace('_', ' ')}")
    else:
        lines.append(f"enrolled {int(row.enrolled):,}, assessed within 30 days "
                     f"{int(row.assessments_completed):,}")
    return "<br>".join(lines)


def _features(geojson: dict, fips) -> dict:
    """Only the features a trace draws: the page then sends each county's shape once, not once a trace."""
    wanted = set(fips)
    return {"type": "FeatureCollection", "features": [f for f in geojson["features"] if f["id"] in wanted]}


def map_view(geojson: dict, width_px: int = 560, height_px: int = 480) -> tuple[dict, float]:
    """Centre and zoom that fit the GeoJSON's bounds in a map of the given size (web Mercator).

    The width is a narrow window's: on a wider screen the state is simply drawn with room around.
    """
    xs, ys = [], []
    for feature in geojson["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for polygon in polygons:
            for x, y in polygon[0]:
                xs.append(x)
                ys.append(y)
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)

    def mercator(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    span_x = (east - west) / 360
    span_y = (mercator(north) - mercator(south)) / (2 * math.pi)
    zoom = min(math.log2(width_px / 512 / span_x), math.log2(height_px / 512 / span_y)) - 0.15
    centre_y = math.degrees(math.atan(math.sinh((mercator(north) + mercator(south)) / 2)))
    return {"lon": (west + east) / 2, "lat": centre_y}, round(zoom, 2)


def county_map(table: pd.DataFrame, geojson: dict, metric_key: str,
               outlines: dict[str, tuple[list, list]] | None = None, region_names: dict[str, str] | None = None,
               height_px: int = 620) -> go.Figure:
    """Every county of the state: the viewer's program counties coloured by the metric, the rest grey.

    One ``choroplethmap`` trace per category (coloured, in the program with no data, not in the
    program, not your region), so the legend names each grey; partner regions are drawn as black
    outlines. ``map_style="white-bg"``: no tiles and nothing fetched from any network.
    """
    metric = MAP_METRICS[metric_key]
    table = table.copy()
    table["hover"] = [_hover(row, metric) for row in table.itertuples(index=False)]
    shown = table["status"] == IN_PROGRAM
    has_value = shown & table[metric.column].notna()
    figure = go.Figure()
    coloured = table[has_value]
    values = coloured[metric.column].astype("float64")
    figure.add_trace(go.Choroplethmap(
        geojson=_features(geojson, coloured["fips"]), locations=coloured["fips"], z=values, featureidkey="id",
        name=metric.label, colorscale=SEQUENTIAL, zmin=0,
        zmax=1 if metric.is_rate or not len(values) else max(float(values.max()), 1),
        marker={"line": {"color": "#FFFFFF", "width": 0.8}}, text=coloured["hover"],
        hovertemplate="%{text}<extra></extra>", showlegend=False,
        colorbar={"title": {"text": metric.label}, "tickformat": ".0%" if metric.is_rate else ",",
                  "thickness": 14, "len": 0.8}))
    for label, rows, fill in (("In the program, no data", table[shown & ~has_value], NO_DATA_FILL),
                              ("Not in the program", table[table["status"] == NOT_IN_PROGRAM],
                               GREYS[NOT_IN_PROGRAM]),
                              ("Not your region", table[table["status"] == NOT_YOUR_REGION],
                               GREYS[NOT_YOUR_REGION])):
        if rows.empty:
            continue
        figure.add_trace(go.Choroplethmap(
            geojson=_features(geojson, rows["fips"]), locations=rows["fips"], z=[0] * len(rows), featureidkey="id",
            name=label,
            colorscale=[[0, fill], [1, fill]], showscale=False, showlegend=True,
            marker={"line": {"color": "#767676", "width": 0.8}}, text=rows["hover"],
            hovertemplate="%{text}<extra></extra>"))
    for code, (lons, lats) in (outlines or {}).items():
        # As float arrays (None, between rings, becomes NaN: still a gap): plotly checks a list
        # point by point, ~0.2 s for a state of scattered regions (Texas), an array at once.
        figure.add_trace(go.Scattermap(
            lon=np.array(lons, dtype="float64"), lat=np.array(lats, dtype="float64"), mode="lines",
            line={"color": OUTLINE_COLOUR, "width": 2.5}, hoverinfo="skip",
            name=f"Region: {(region_names or {}).get(code, code)}", showlegend=False))
    centre, zoom = map_view(geojson, height_px=height_px - 140)
    return _layout(figure, f"{metric.label} by county", height=height_px,
                   map={"style": "white-bg", "center": centre, "zoom": zoom},
                   margin={"l": 10, "r": 10, "t": 60, "b": 60},
                   legend={"orientation": "h", "x": 0, "y": 0, "yanchor": "top", "title": {"text": "Also shown:"}})


# -- trends --------------------------------------------------------------------------------------

def monthly_lines(frame: pd.DataFrame, value: str, title: str, axis_title: str,
                  extra: str | None = None, extra_label: str = "") -> go.Figure:
    """One line per group over the months; months without a report are gaps (connectgaps off).

    ``extra`` names a second column (e.g. the 3-month rolling mean) drawn thinner, same colour.
    """
    figure = go.Figure()
    for index, (group, rows) in enumerate(frame.groupby("group", sort=False)):
        style = _style(index)
        label = PATHWAY_LABELS.get(group, group)
        figure.add_trace(go.Scatter(
            x=rows["month"], y=rows[value].astype("float64"), name=label, mode="lines+markers", connectgaps=False,
            line={"color": style["color"], "dash": style["dash"], "width": 2},
            marker={"symbol": style["symbol"], "size": 7}, legendgroup=label,
            hovertemplate=f"{label}<br>%{{x|%b %Y}}: %{{y:,}}<extra></extra>"))
        if extra:
            figure.add_trace(go.Scatter(
                x=rows["month"], y=rows[extra].astype("float64"), name=f"{label}: {extra_label}", mode="lines",
                connectgaps=False, line={"color": style["color"], "dash": "dot", "width": 3},
                legendgroup=label, hovertemplate=f"{label}, {extra_label}<br>%{{x|%b %Y}}: %{{y:,.1f}}<extra></extra>"))
    return _layout(figure, title, yaxis_title=axis_title, xaxis_title="Month of referral", height=420,
                   yaxis={"rangemode": "tozero"})


# -- rates ---------------------------------------------------------------------------------------

def _add_reference_line(figure: go.Figure) -> None:
    """The national ~90% enrollment reference: a dashed black line across the plot, in the legend.

    Drawn below the bars, so it never strikes through their value labels.
    """
    reference = measures.NATIONAL_ENROLLMENT_REFERENCE
    figure.add_shape(type="line", xref="paper", x0=0, x1=1, y0=reference, y1=reference, name=REFERENCE_NAME,
                     showlegend=True, line={"color": REFERENCE_COLOUR, "dash": "dash", "width": 2}, layer="below")


def rates_by_region(frame: pd.DataFrame) -> go.Figure:
    """Enrollment and 30-day assessment rates per region, bars labelled, with the 90% reference."""
    rates = measures.add_rates(frame)
    figure = go.Figure()
    # Labels sit inside the bars (white on blue 5.2:1, black on orange 5.4:1), so the reference
    # line, drawn below the bars, never crosses them; a rate with no data is labelled above the axis.
    for index, (column, label, pattern, ink) in enumerate((
            ("enrollment_rate", "Enrollment rate", "", "#FFFFFF"),
            ("assessment_rate", "30-day assessment rate", "/", "#000000"))):
        values = rates[column]
        figure.add_trace(go.Bar(
            x=rates["region"], y=values, name=label,
            marker={"color": PALETTE[index], "pattern": {"shape": pattern, "fillmode": "overlay",
                                                          "fgcolor": "#FFFFFF", "fgopacity": 0.45}},
            text=[measures.format_rate(v) for v in values], insidetextanchor="end",
            textposition=["outside" if pd.isna(v) else "inside" for v in values],
            textfont={"color": [REFERENCE_COLOUR if pd.isna(v) else ink for v in values]},
            hovertemplate=f"%{{x}}<br>{label}: %{{text}}<extra></extra>"))
    _add_reference_line(figure)
    figure.update_layout(barmode="group", xaxis={"type": "category"})
    return _layout(figure, "Enrollment and 30-day assessment rates by region", height=440,
                   yaxis={"tickformat": ".0%", "range": [0, 1.1], "title": {"text": "Share of referrals"}})


def rates_over_time(frame: pd.DataFrame) -> go.Figure:
    """Monthly enrollment and assessment rates (gaps where no report), with the 90% reference line."""
    rates = measures.add_rates(frame.astype({c: "float64" for c in ("referrals", "assessments_completed",
                                                                      "enrolled")}))
    figure = go.Figure()
    for index, (column, label) in enumerate((("enrollment_rate", "Enrollment rate"),
                                             ("assessment_rate", "30-day assessment rate"))):
        style = _style(index)
        figure.add_trace(go.Scatter(
            x=rates["month"], y=rates[column], name=label, mode="lines+markers", connectgaps=False,
            line={"color": style["color"], "dash": style["dash"], "width": 2},
            marker={"symbol": style["symbol"], "size": 7},
            hovertemplate=f"{label}<br>%{{x|%b %Y}}: %{{y:.1%}}<extra></extra>"))
    _add_reference_line(figure)
    return _layout(figure, "Rates by month of referral", height=420, xaxis_title="Month of referral",
                   yaxis={"tickformat": ".0%", "range": [0, 1.05], "title": {"text": "Share of referrals"}})


def referral_funnel(referrals: int, assessed: int, enrolled: int) -> go.Figure:
    """Referred -> assessed within 30 days -> enrolled, each stage with its count and share."""
    stages = ["Referred", "Assessed within 30 days", "Enrolled"]
    values = [referrals, assessed, enrolled]
    text = [f"{v:,} ({measures.format_rate(measures.rate(v, referrals))})" for v in values]
    figure = go.Figure(go.Funnel(y=stages, x=values, text=text, textinfo="text",
                                 marker={"color": [PALETTE[0], PALETTE[4], PALETTE[3]]},
                                 textfont={"color": "#FFFFFF", "size": 15}, connector={"line": {"color": "#595959"}},
                                 hovertemplate="%{y}: %{x:,}<extra></extra>"))
    return _layout(figure, "From referral to enrollment", height=320)
