"""The shared sidebar filters, remembered while moving between pages.

Streamlit forgets a widget's value when a page without that widget runs, so each choice is also
kept under its own session-state key and restored into the widget on the next page. Stored
values are always intersected with the viewer's own options, so a forged session-state value
selects nothing it may not see (the data module enforces the scope regardless).
"""

from __future__ import annotations

import streamlit as st

from dashboard.data import FilterOptions
from dashboard.selection import Filters
from etl.names import PATHWAYS

PATHWAY_LABELS = {"arrest_diversion": "Arrest diversion", "social_contact": "Social contact referral"}
MONTHS, PARTNERS, COUNTIES, PATHWAY = "months", "partners", "counties", "pathways"
EVERYTHING = (MONTHS, PARTNERS, COUNTIES, PATHWAY)


def _restore(name: str, valid: list, default):
    """Put the remembered value (limited to ``valid``) back into the widget's key; return that key."""
    store, widget = f"filter_{name}", f"filter_widget_{name}"
    value = st.session_state.get(store, default)
    if isinstance(value, list | tuple):
        value = [v for v in value if v in valid]
    elif value not in valid:
        value = default
    st.session_state[widget] = value
    return widget, store


def _remember(store: str, widget: str) -> None:
    st.session_state[store] = st.session_state[widget]


def render_filters(options: FilterOptions, show: tuple[str, ...] = EVERYTHING) -> Filters:
    """Draw the filters the page uses in the sidebar; return the selection."""
    sidebar = st.sidebar
    sidebar.header("Filters")
    start = end = None
    labels = [f"{m:%Y-%m}" for m in options.months]
    if MONTHS in show and len(labels) > 1:
        # A select_slider is a range only when its ``value`` is a pair: a pair placed in session
        # state alone gives a one-month slider. So the remembered pair goes in as ``value``.
        store, widget = f"filter_{MONTHS}", f"filter_widget_{MONTHS}"
        remembered = st.session_state.get(store)
        value = (labels[0], labels[-1])
        if isinstance(remembered, list | tuple) and len(remembered) == 2 and all(v in labels for v in remembered):
            value = (remembered[0], remembered[1])
        chosen = sidebar.select_slider("Months", options=labels, value=value, key=widget,
                                       on_change=_remember, args=(store, widget))
        st.session_state[store] = chosen
        start, end = (options.months[labels.index(chosen[0])], options.months[labels.index(chosen[1])])
    partners: tuple[str, ...] = ()
    codes = options.partners["code"].tolist()
    names = dict(zip(options.partners["code"], options.partners["region"] + " (" + options.partners["name"] + ")",
                     strict=True))
    if PARTNERS in show and len(codes) > 1:
        widget, store = _restore(PARTNERS, codes, [])
        partners = tuple(sidebar.multiselect("Regions", codes, key=widget, format_func=names.get,
                                             placeholder="All regions", on_change=_remember, args=(store, widget)))
        st.session_state[store] = list(partners)
    counties: tuple[str, ...] = ()
    if COUNTIES in show:
        visible = options.counties
        if partners:
            visible = visible[visible["partner"].isin(partners)]
        fips = visible["fips"].tolist()
        county_names = dict(zip(visible["fips"], visible["name"], strict=True))
        widget, store = _restore(COUNTIES, fips, [])
        counties = tuple(sidebar.multiselect("Counties", fips, key=widget, format_func=county_names.get,
                                             placeholder="All counties", on_change=_remember,
                                             args=(store, widget)))
        st.session_state[store] = list(counties)
    pathways: tuple[str, ...] = ()
    if PATHWAY in show:
        widget, store = _restore(PATHWAY, list(PATHWAYS), [])
        pathways = tuple(sidebar.multiselect("Referral pathway", list(PATHWAYS), key=widget,
                                             format_func=PATHWAY_LABELS.get, placeholder="Both pathways",
                                             on_change=_remember, args=(store, widget)))
        st.session_state[store] = list(pathways)
    return Filters(start=start, end=end, partners=partners, counties=counties, pathways=pathways)
