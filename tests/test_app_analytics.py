"""The analytics pages under streamlit.testing (no browser), on the demo data in a real database."""

import base64
import json
import math
import os

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.viewer import Viewer
from etl.db import get_engine
from tests.apptest import app, ensure_account
from tests.helpers import demo_file_totals


@pytest.fixture
def demo_app(demo_env):
    """A copy of the demo database (see conftest.demo_env) and the totals of the demo files."""
    return demo_env, demo_file_totals(demo_env.settings.data_dir / "demo")


def open_page(page: str, viewer: Viewer | None = None) -> AppTest:
    """The page as ``viewer`` (default: a coordinator) sees it, signed in as a real account."""
    viewer = viewer or Viewer("c", "coordinator")
    login = f"{viewer.role}-{viewer.partner_code or 'all'}"
    ensure_account(get_engine(os.environ["LEAD_DATABASE_URL"]), login, viewer.role, viewer.partner_code)
    at = app(login)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def figures(at: AppTest) -> list[dict]:
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def values(array) -> list:
    """A plotly JSON array: a list, or numbers packed as base64 (``{"dtype", "bdata"}``)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def test_the_overview_shows_the_demo_files_totals_rates_and_the_late_partner(demo_app):
    _, expected = demo_app
    at = open_page("pages/overview.py")
    metrics = {m.label: m.value for m in at.metric}
    referrals = sum(c["referrals"] for c in expected.values())
    enrolled = sum(c["enrolled"] for c in expected.values())
    assessed = sum(c["assessments_completed"] for c in expected.values())
    assert metrics["Referrals, all pathways"] == f"{referrals:,}"
    assert metrics["Arrest diversion"] == f"{expected['arrest_diversion']['referrals']:,}"
    assert metrics["Social contact referral"] == f"{expected['social_contact']['referrals']:,}"
    assert metrics["Enrollment rate"] == f"{enrolled / referrals:.1%}"
    assert metrics["30-day assessment rate"] == f"{assessed / referrals:.1%}"
    assert metrics["Last month with every partner's data"] == "2026-09"
    assert metrics["Partners late"] == "1"
    assert "Region 5 partner (sample)" in at.warning[0].value
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download Excel"]


def test_a_partner_sees_only_its_own_numbers_on_the_overview(demo_app):
    runtime, _ = demo_app
    from dashboard.data import totals_by_pathway
    from dashboard.selection import Filters

    viewer = Viewer("p", "partner", "prestera")
    at = open_page("pages/overview.py", viewer)
    own = int(totals_by_pathway(runtime.engine, viewer, Filters())["referrals"].sum())
    everyone = int(totals_by_pathway(runtime.engine, Viewer("c", "coordinator"), Filters())["referrals"].sum())
    assert own < everyone
    assert {m.label: m.value for m in at.metric}["Referrals, all pathways"] == f"{own:,}"
    assert not at.warning  # the late partner is another region's


def test_the_county_map_has_every_county_and_follows_the_measure(demo_app):
    at = open_page("pages/county_map.py")
    (figure,) = figures(at)
    maps = [t for t in figure["data"] if t["type"] == "choroplethmap"]
    assert sum(len(t["locations"]) for t in maps) == 55
    assert figure["layout"]["map"]["style"] == "white-bg"
    table = at.dataframe[0].value
    assert len(table) == 55 and (table["Status"] == "in the program").sum() == 17
    at.segmented_control(key="county_map_metric").set_value("enrollment_rate").run()
    assert not at.exception
    (figure,) = figures(at)
    assert figure["layout"]["title"]["text"] == "Enrollment rate by county"


def test_a_partners_map_shows_other_regions_grey_without_numbers(demo_app):
    at = open_page("pages/county_map.py", Viewer("p", "partner", "prestera"))
    (figure,) = figures(at)
    hidden = next(t for t in figure["data"] if t.get("name") == "Not your region")
    assert len(hidden["locations"]) == 14
    table = at.dataframe[0].value.set_index("County")
    hidden_rows = table[table["Status"] == "not your region"]
    assert (hidden_rows[["Referrals", "Enrolled", "Partner", "Region"]] == "").all().all()
    assert int(table.loc["Kanawha", "Referrals"].replace(",", "")) > 0
    outlines = [t for t in figure["data"] if t["type"] == "scattermap"]
    assert len(outlines) == 1  # only the viewer's own region is outlined


def test_the_trends_page_splits_by_region_with_a_gap_for_the_missing_report(demo_app):
    at = open_page("pages/trends.py")
    at.segmented_control(key="trends_by").set_value("region").run()
    assert not at.exception
    monthly, cumulative = figures(at)
    tygart = next(t for t in monthly["data"] if t["name"] == "Tygart Valley")
    assert math.isnan(values(tygart["y"])[-1]) and tygart["connectgaps"] is False  # region 5 has not sent October
    names = [t["name"] for t in monthly["data"]]
    assert "Tygart Valley: 3-month mean" in names and len(cumulative["data"]) == 5
    table = at.dataframe[0].value
    assert ((table["Region"] == "Tygart Valley") & (table["Report received"] == "no report")).sum() == 1
    at.segmented_control(key="trends_by").set_value("county").run()
    assert not at.exception
    monthly, _ = figures(at)
    counties = [t["name"] for t in monthly["data"] if not t["name"].endswith("3-month mean")]
    assert len(counties) == 8 and "Kanawha" in counties  # the busiest eight of the 17


def test_the_rates_page_has_the_funnel_and_the_reference_line(demo_app):
    _, expected = demo_app
    at = open_page("pages/rates.py")
    funnel, by_region, over_time = figures(at)
    referrals = sum(c["referrals"] for c in expected.values())
    assert values(funnel["data"][0]["x"]) == [referrals, sum(c["assessments_completed"] for c in expected.values()),
                                      sum(c["enrolled"] for c in expected.values())]
    for figure in (by_region, over_time):
        assert [s["y0"] for s in figure["layout"]["shapes"] if s["name"].startswith("National reference")] == [0.9]
    assert len(values(by_region["data"][0]["x"])) == 5


def test_the_home_page_links_to_every_analytics_page(demo_app):
    at = open_page("pages/home.py")
    assert not at.exception
    links = {link.proto.page: link.proto.label for link in at.get("page_link")}  # url path -> label
    assert {"overview", "county_map", "trends", "rates"} <= set(links)
