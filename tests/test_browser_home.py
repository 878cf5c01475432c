"""The real app in a real browser, on the demo data loaded by the real command."""

import csv
from pathlib import Path

import pytest

from tests.browser import chromium, run_etl, screenshot, streamlit_server
from tests.conftest import TODAY

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("demo-site")
    env = {"LEAD_DATA_DIR": str(data_dir), "LEAD_TODAY": TODAY,
           "LEAD_DATABASE_URL": f"sqlite:///{data_dir / 'lead.db'}"}
    result = run_etl(env, "demo")
    assert result.returncode == 0, result.stderr
    with streamlit_server(env) as url:
        yield url, data_dir


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
        page.goto(url)
        page.get_by_text("West Virginia LEAD").first.wait_for(timeout=30_000)
        metric = page.locator('[data-testid="stMetric"]').filter(has_text="Referrals loaded")
        metric.wait_for(timeout=30_000)
        shown = metric.locator('[data-testid="stMetricValue"]').inner_text()
        page.get_by_text("Prestera Center").first.wait_for(timeout=30_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        screenshot(page, "home")
    assert int(shown.replace(",", "")) == expected
