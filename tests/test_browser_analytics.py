"""The analytics pages in a real browser, on the demo data loaded by the real command."""

from pathlib import Path

import pytest

from tests.browser import chromium, screenshot, sign_in, wait_until_settled
from tests.browser import demo_site as browser_demo_site
from tests.helpers import demo_file_totals

pytestmark = pytest.mark.browser

PAGES = {"Overview": "Overview", "County map": "County map", "Trends": "Trends",
         "Enrollment and assessment": "Enrollment and assessment"}
OUT_OF_PROGRAM_FILL = "rgb(224, 224, 224)"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    with browser_demo_site(tmp_path_factory.mktemp("analytics-site")) as site:
        yield site


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


def open_page(browser, url: str, title: str):
    """Sign in as the demo coordinator through the real form, then follow the sidebar link to ``title``."""
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    sign_in(page, url, "demo-coordinator")
    page.get_by_text("West Virginia LEAD").first.wait_for(timeout=60_000)
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    page.locator("h1").filter(has_text=PAGES[title]).first.wait_for(timeout=60_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    wait_until_settled(page, timeout=60_000)  # nothing of the page before left to read a number from
    return page


def metric_value(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    metric.wait_for(timeout=30_000)
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


def test_the_overview_shows_the_totals_of_the_demo_files(demo_site, browser):
    url, data_dir = demo_site
    expected = demo_file_totals(data_dir / "demo")
    page = open_page(browser, url, "Overview")
    shown = {label: int(metric_value(page, label).replace(",", ""))
             for label in ("Referrals, all pathways", "Arrest diversion", "Social contact referral")}
    enrollment = metric_value(page, "Enrollment rate")
    page.wait_for_timeout(1500)  # let the bar chart finish drawing before the picture
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "analytics-overview")
    page.close()
    referrals = sum(c["referrals"] for c in expected.values())
    assert shown == {"Referrals, all pathways": referrals,
                     "Arrest diversion": expected["arrest_diversion"]["referrals"],
                     "Social contact referral": expected["social_contact"]["referrals"]}
    enrolled = sum(c["enrolled"] for c in expected.values())
    assert enrollment == f"{enrolled / referrals:.1%}"


def test_the_map_draws_every_county_of_the_state_and_greys_those_outside_the_program(demo_site, browser):
    url, _ = demo_site
    page = open_page(browser, url, "County map")
    # choroplethmap draws in WebGL: ask the MapLibre map under the plotly div what it rendered.
    page.wait_for_function("""() => { const gd = document.querySelector('.js-plotly-plot');
        const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot
                    && gd._fullLayout.map._subplot.map;
        return map && map.loaded() && map.areTilesLoaded(); }""", timeout=60_000)
    page.wait_for_timeout(1000)
    rendered = page.evaluate("""() => {
        const map = document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map;
        const fills = map.getStyle().layers.filter(l => l.type === 'fill').map(l => l.id);
        const fill = {};
        for (const f of map.queryRenderedFeatures({layers: fills})) { fill[String(f.id)] = f.properties.fc; }
        return fill; }""")
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "analytics-county-map")
    page.close()
    assert len(rendered) == 55
    assert all(fips.startswith("54") for fips in rendered)
    grey = {fips for fips, colour in rendered.items() if colour == OUT_OF_PROGRAM_FILL}
    assert len(grey) == 55 - 17
    assert "54039" not in grey  # Kanawha is in the program, coloured by its referrals


@pytest.mark.parametrize("title", ["Trends", "Enrollment and assessment"])
def test_the_trend_and_rate_pages_draw_their_charts(demo_site, browser, title):
    url, _ = demo_site
    page = open_page(browser, url, title)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=60_000)
    page.wait_for_timeout(1500)
    charts = page.locator(".js-plotly-plot").count()
    lines = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')]"
                          ".map(gd => (gd._fullLayout.shapes || []).map(s => s.name))")
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "analytics-" + title.lower().replace(" ", "-"))
    page.close()
    assert charts >= 2
    if title == "Enrollment and assessment":
        assert sum(any(str(name).startswith("National reference") for name in names) for names in lines) == 2


def test_the_county_table_downloads_as_csv_and_excel_when_clicked(demo_site, browser):
    """The files are written on click (deferred): the browser must still receive both, whole."""
    import io

    import openpyxl

    url, _ = demo_site
    page = open_page(browser, url, "County map")
    received = {}
    for label in ("Download CSV", "Download Excel"):
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name=label).first.click()
        received[label] = (download.value.suggested_filename, Path(download.value.path()).read_bytes())
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()
    name, csv = received["Download CSV"]
    assert name == "counties.csv" and "Kanawha" in csv.decode("utf-8-sig")
    name, xlsx = received["Download Excel"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True).active
    cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None}
    assert name == "counties.xlsx" and {"Kanawha", "Greenbrier"} <= cells
