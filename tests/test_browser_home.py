"""The real app in a real browser, on the demo data loaded by the real command."""

import csv
from pathlib import Path

import pytest

from tests.browser import chromium, screenshot, sign_in
from tests.browser import demo_site as browser_demo_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    with browser_demo_site(tmp_path_factory.mktemp("demo-site")) as site:
        yield site


def referrals_in_demo_files(demo_dir: Path) -> int:
    """Sum the demo files with the csv module: the current file for each partner and month."""
    current: dict[tuple[str, str], Path] = {}
    for path in sorted(demo_dir.glob("*/*.csv")):
        if path.stem.endswith("_rejected"):
            continue
        partner, month = path.parent.name, path.stem.split("_")[1]
        if path.stem.endswith("_corrected") or (partner, month) not in current:
            current[(partner, month)] = path
    total = 0
    for path in current.values():
        with path.open(encoding="utf-8") as handle:
            total += sum(int(record["referrals"]) for record in csv.DictReader(handle))
    return total


def test_the_home_page_shows_the_program_and_the_total_of_the_demo_files(demo_site):
    url, data_dir = demo_site
    expected = referrals_in_demo_files(data_dir / "demo")
    assert expected > 0
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        sign_in(page, url, "demo-coordinator")
        page.get_by_text("West Virginia LEAD").first.wait_for(timeout=30_000)
        metric = page.locator('[data-testid="stMetric"]').filter(has_text="Referrals loaded")
        metric.wait_for(timeout=30_000)
        shown = metric.locator('[data-testid="stMetricValue"]').inner_text()
        page.get_by_text("Prestera Center").first.wait_for(timeout=30_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        screenshot(page, "home")
    assert int(shown.replace(",", "")) == expected


def test_a_visitor_gets_the_sign_in_page_on_every_url(demo_site):
    url, _ = demo_site
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        for path in ("/", "/home", "/users", "/no-such-page"):
            page.goto(url + path)
            page.get_by_label("Password", exact=True).wait_for(timeout=30_000)
            assert page.locator('[data-testid="stMetric"]').count() == 0
            assert "Referrals loaded" not in page.content()
        screenshot(page, "sign-in")


def test_a_wrong_password_in_the_browser_shows_the_same_message_as_a_wrong_login(demo_site):
    url, _ = demo_site
    messages = []
    with chromium() as browser:
        for login in ("demo-partner", "nobody-at-all"):
            page = browser.new_page()
            page.goto(url)
            page.get_by_label("Login", exact=True).fill(login)
            page.get_by_label("Password", exact=True).fill("not the password")
            page.get_by_role("button", name="Sign in", exact=True).click()
            alert = page.locator('[data-testid="stAlertContentError"]')
            alert.wait_for(timeout=30_000)
            messages.append(alert.inner_text())
    assert messages[0] == messages[1]
    assert "Sign-in failed" in messages[0]


def test_a_partner_signs_in_and_sees_only_its_region(demo_site):
    url, _ = demo_site
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        sign_in(page, url, "demo-partner")
        page.get_by_text("Prestera Center").first.wait_for(timeout=30_000)
        assert page.get_by_text("Seneca Health Services").count() == 0
        nav = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "Accounts" not in nav
        screenshot(page, "home-partner")
        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("Password", exact=True).wait_for(timeout=30_000)
