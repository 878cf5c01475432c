"""The operations pages in a real browser, on the demo data; a real upload through the file chooser."""


import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, func, select

from etl.models import MonthlyCount, Partner, Submission
from tests.browser import chromium, screenshot, sign_in, wait_until_settled
from tests.browser import demo_site as browser_demo_site
from tests.helpers import csv_bytes, prestera_month, totals

pytestmark = pytest.mark.browser
WAIT = 30_000


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    with browser_demo_site(tmp_path_factory.mktemp("operations-site"),
                           # Show a page's exception in the page (production redacts it), so a failure names its cause.
                           STREAMLIT_CLIENT_SHOW_ERROR_DETAILS="full") as site:
        yield site


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def open_page(browser, url: str, heading: str, height: int = 1000):
    """A new tab signed in as the demo coordinator through the real form, moved to the page called
    ``heading`` through the sidebar (a full page load would start a new, signed-out session);
    ``height`` makes the screenshot show more of it."""
    page = browser.new_page(viewport={"width": 1400, "height": height})
    sign_in(page, url, "demo-coordinator")
    page.locator('[data-testid="stSidebarNav"]').get_by_text(heading, exact=True).click()
    page.get_by_role("heading", name=heading).first.wait_for(timeout=WAIT)
    wait_until_settled(page)
    return page


def no_exception(page) -> None:
    """After the run has shown what the test waited for: let it end, then look for an exception."""
    page.wait_for_load_state("networkidle")
    wait_until_settled(page)
    assert page.locator('[data-testid="stException"]').count() == 0


def prestera_october(engine) -> tuple[int, int]:
    """Prestera's October referrals now loaded, and how many files have been received in all."""
    with engine.connect() as connection:
        referrals = connection.execute(
            select(func.coalesce(func.sum(MonthlyCount.referrals), 0))
            .join(Partner, Partner.id == MonthlyCount.partner_id)
            .where(Partner.code == "prestera", MonthlyCount.month == "2026-10-01")).scalar_one()
        files = connection.execute(select(func.count(Submission.id))).scalar_one()
    return int(referrals), int(files)


def test_completeness_page(demo_site, browser):
    url, _data_dir = demo_site
    page = open_page(browser, url, "Reporting completeness", height=2000)
    page.get_by_text("Latest report due not received from").wait_for(timeout=WAIT)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=WAIT)
    page.get_by_text("Last file for this month").wait_for(timeout=WAIT)
    links = page.locator('[data-testid="stPageLink"]')
    assert links.count() == 6  # one per region, and the looked-up month's
    no_exception(page)
    screenshot(page, "operations-completeness")
    links.first.click()
    page.get_by_role("heading", name="Submissions").first.wait_for(timeout=WAIT)
    assert "submission=" in page.url
    no_exception(page)


def test_submissions_page_shows_a_rejected_files_report(demo_site, browser):
    url, data_dir = demo_site
    engine = create_engine(f"sqlite:///{data_dir / 'lead.db'}")
    with engine.connect() as connection:
        rejected = connection.execute(select(Submission.id).where(Submission.status == "rejected")).scalar_one()
    page = open_page(browser, url, "Submissions", height=2000)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Submission").click()
    page.keyboard.type(f"{rejected} · ")
    page.keyboard.press("Enter")
    # The page writes the chosen submission into the address during its run; then the run must end,
    # or the report of the submission shown before can still be on the page beside this one.
    page.wait_for_url(f"**submission={rejected}", timeout=WAIT)
    wait_until_settled(page)
    expect(page.get_by_text("Problems found", exact=True)).to_have_count(1)
    page.get_by_text("rejected (nothing loaded)").first.wait_for(timeout=WAIT)
    page.get_by_role("button", name="Download the file as received").wait_for(timeout=WAIT)
    no_exception(page)
    screenshot(page, "operations-submissions")


def test_contacts_page(demo_site, browser):
    url, _data_dir = demo_site
    page = open_page(browser, url, "Contacts", height=2200)
    page.get_by_text("gary.d.krushansky@wv.gov").wait_for(timeout=WAIT)
    page.get_by_role("heading", name="Edit the directory").wait_for(timeout=WAIT)
    no_exception(page)
    screenshot(page, "operations-contacts")


def test_a_real_upload_through_the_file_chooser_loads_the_file(demo_site, browser, tmp_path):
    url, data_dir = demo_site
    engine = create_engine(f"sqlite:///{data_dir / 'lead.db'}")
    before, files_before = prestera_october(engine)
    content = prestera_month("2026-10", base=40)
    path = tmp_path / "prestera_2026-10.csv"
    path.write_bytes(csv_bytes(content))

    page = open_page(browser, url, "Upload a file", height=1500)
    page.get_by_role("button", name="Download the template (CSV)").wait_for(timeout=WAIT)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Partner sending the file").click()
    page.get_by_role("option", name="Kanawha and Ohio Valley (Prestera Center)").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.get_by_text("The file is valid.").wait_for(timeout=WAIT)
    page.get_by_text("replaces data loaded earlier").wait_for(timeout=WAIT)
    no_exception(page)
    screenshot(page, "operations-upload-preview")
    assert prestera_october(engine) == (before, files_before)  # the preview wrote nothing

    page.get_by_role("button", name="Load this file").click()
    page.get_by_text("Loaded.", exact=True).wait_for(timeout=WAIT)
    no_exception(page)
    screenshot(page, "operations-upload-loaded")
    after, files_after = prestera_october(engine)
    assert after == totals(content)["referrals"] != before
    assert files_after == files_before + 1
    with engine.connect() as connection:
        latest = connection.execute(select(Submission.source, Submission.received_by, Submission.status)
                                    .order_by(Submission.id.desc()).limit(1)).one()
    assert tuple(latest) == ("upload", "demo-coordinator", "loaded")
