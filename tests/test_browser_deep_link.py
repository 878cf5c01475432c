"""A page's URL opened first on a freshly started server shows nothing but a way to sign in.

Streamlit 1.67 runs such a URL as a bare page script (its old ``pages/`` folder mode) until the
router has run once in the process, so the router's sign-in gate is skipped for that first
visit: the page's own check (``session.current_viewer``) must hold.
"""

import pytest

from tests.browser import chromium, run_etl, screenshot, streamlit_server
from tests.conftest import TODAY

pytestmark = pytest.mark.browser


def test_a_deep_link_on_a_fresh_server_shows_no_data(tmp_path):
    env = {"LEAD_DATA_DIR": str(tmp_path), "LEAD_TODAY": TODAY,
           "LEAD_DATABASE_URL": f"sqlite:///{tmp_path / 'lead.db'}"}
    assert run_etl(env, "demo").returncode == 0
    with streamlit_server(env) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.goto(f"{url}/overview")  # the very first request this server gets
        page.get_by_text("Please sign in").first.wait_for(timeout=60_000)
        assert page.locator('[data-testid="stMetric"]').count() == 0
        assert page.locator('[data-testid="stDataFrame"]').count() == 0
        assert page.locator(".js-plotly-plot").count() == 0
        screenshot(page, "deep-link-fresh-server")
        with page.context.expect_page() as opened:  # a link button opens a new tab
            page.get_by_role("link", name="Go to the sign-in page").click()
        opened.value.get_by_label("Password", exact=True).wait_for(timeout=60_000)
