"""The operations pages (completeness, submissions, upload, contacts) under streamlit.testing, on a real database."""

import os
import re

import pandas as pd
import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from dashboard.data import contacts_directory, submissions
from dashboard.viewer import Viewer
from etl.db import get_engine, session_factory
from etl.models import ContactChange, MonthlyCount, Submission
from tests.apptest import app as signed_in_app
from tests.apptest import ensure_account
from tests.conftest import ROOT, environment
from tests.helpers import csv_bytes, prestera_month, row, totals

COORDINATOR = Viewer("ann.coordinator", "coordinator")
PRESTERA = Viewer("pat.prestera", "partner", "prestera")
LEADERSHIP = Viewer("lee.leadership", "leadership")


@pytest.fixture
def app(runtime, monkeypatch, database_url, tmp_path):
    """The app pointed at a migrated database holding the program (no counts yet)."""
    for name, value in environment(database_url, tmp_path / "data").items():
        monkeypatch.setenv(name, value)
    from dashboard import cache

    cache.runtime.clear()
    yield runtime
    for cached in (cache.runtime, cache.submissions, cache.reporting_grid, cache.contacts_directory,
                   cache.directory_regions, cache.submission_detail):
        cached.clear()


@pytest.fixture
def demo_app(demo_env):
    """The demo data loaded through the pipeline (a copy of the demo template), the app pointed at it."""
    return demo_env


def open_page(page: str, viewer: Viewer | None = None, query: dict | None = None) -> AppTest:
    """The page as ``viewer`` (default: a coordinator) sees it, signed in as a real account."""
    viewer = viewer or COORDINATOR
    ensure_account(get_engine(os.environ["LEAD_DATABASE_URL"]), viewer.login, viewer.role, viewer.partner_code)
    at = signed_in_app(viewer.login)
    at.run()
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_table(at: AppTest, index: int) -> pd.DataFrame:
    """An st.table's cells as people read them (the page escapes Markdown in them)."""
    frame = at.table[index].value
    unescape = lambda value: re.sub(r"\\(.)", r"\1", value) if isinstance(value, str) else value  # noqa: E731
    return frame.map(unescape).rename(columns=unescape)


def texts(at: AppTest) -> str:
    return "\n".join([t.value for t in at.text] + [m.value for m in at.markdown] + [c.value for c in at.caption])


def test_completeness_grid_for_a_coordinator_and_for_a_partner(demo_app):
    at = open_page("pages/completeness.py")
    assert at.title[0].value == "Reporting completeness"
    grid = at.dataframe[0].value
    assert len(grid) == 12 and grid["month"].iloc[0] == "2026-11"
    assert len(grid.columns) == 6  # month and five regions
    assert grid["month"].iloc[0] == "2026-11" and set(grid.iloc[0, 1:]) == {"· not due yet"}
    assert "— missing" in set(grid.iloc[1, 1:])  # region-5 has not sent October
    assert any("✔ received on time" in v for v in grid.iloc[2, 1:])
    assert "Latest report due not received from" in at.warning[0].value
    links = at.page_link
    assert len(links) == 6  # each region's last file, and the looked-up month's (October) last file
    assert all(link.value.endswith("open its report") for link in links)
    assert links[5].value.startswith("Last file for this month")
    assert all(link.proto.query_string.startswith("submission=") for link in links)

    partner = open_page("pages/completeness.py", PRESTERA)
    columns = partner.dataframe[0].value.columns.tolist()
    assert columns == ["month", "Kanawha and Ohio Valley"]


def test_a_partner_sees_only_its_own_submissions_and_reports(demo_app):
    engine = demo_app.engine
    own = submissions(engine, PRESTERA)
    others = submissions(engine, COORDINATOR).query("partner != 'prestera'")
    at = open_page("pages/submissions.py", PRESTERA)
    listing = at.dataframe[0].value
    assert set(listing["region"]) == {"Kanawha and Ohio Valley"}
    assert sorted(listing["id"]) == sorted(own["id"])
    assert len(at.selectbox[0].options) == len(own)

    forged = open_page("pages/submissions.py", PRESTERA, {"submission": str(int(others["id"].iloc[0]))})
    assert "not one you can see" in forged.warning[0].value
    assert len(forged.selectbox[0].options) == len(own)  # the forged id is not among the choices
    shown = shown_table(forged, 0)
    assert shown.set_index("detail")["value"]["Region"] == "Kanawha and Ohio Valley"


def test_a_rejected_submissions_report_and_file_for_a_coordinator(demo_app):
    rejected = submissions(demo_app.engine, COORDINATOR).query("status == 'rejected'")
    assert len(rejected) == 1
    at = open_page("pages/submissions.py", COORDINATOR, {"submission": str(int(rejected["id"].iloc[0]))})
    facts = shown_table(at, 0).set_index("detail")["value"]
    assert facts["Status"] == "rejected (nothing loaded)"
    errors = at.dataframe[1].value
    assert errors.columns.tolist() == ["row", "column", "value", "problem"]
    assert errors["column"].tolist() == ["county"] and "did you mean" in errors["problem"].iloc[0]
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("Download the file as received") for label in labels)

    # Leadership is read-only with no files (DESIGN.md section 6): the page is not in its navigation.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page("pages/submissions.py", LEADERSHIP, {"submission": str(int(rejected["id"].iloc[0]))})


def test_upload_preview_then_load_through_the_page(demo_app):
    engine = demo_app.engine
    at = open_page("pages/upload.py", PRESTERA)
    assert "Uploading for: Kanawha and Ohio Valley (Prestera Center)" in texts(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[:2] == ["Download the template (CSV)", "Download the data dictionary"]

    at.file_uploader[0].set_value(("bad.csv", csv_bytes([row("2026-10", "Kanawah")]), "text/csv")).run()
    assert not at.exception
    problems = at.dataframe[0].value
    assert problems.iloc[0].to_dict() == {"row": 2, "column": "county", "value": "Kanawah",
                                          "problem": "'Kanawah' is not a county of West Virginia; did you mean "
                                                     "'Kanawha'?"}
    assert len(at.button) == 0  # no load button for an invalid file

    with session_factory(engine)() as session:
        before = session.scalar(select(func.sum(MonthlyCount.referrals)))
        received = session.scalar(select(func.count(Submission.id)))
    correction = csv_bytes(prestera_month("2026-10", base=50))
    at.file_uploader[0].set_value(("prestera_2026-10.csv", correction, "text/csv")).run()
    assert not at.exception
    assert at.success[0].value == "The file is valid."
    months = shown_table(at, 0)
    assert months["month"].tolist() == ["2026-10"] and months["effect"].iloc[0] == "replaces data loaded earlier"
    at.button(key="upload_load").click().run()
    assert not at.exception
    assert at.success[0].value == "Loaded."
    with session_factory(engine)() as session:
        after = session.scalar(select(func.sum(MonthlyCount.referrals)))
        latest = session.scalars(select(Submission).order_by(Submission.id.desc())).first()
        assert session.scalar(select(func.count(Submission.id))) == received + 1
    assert (latest.source, latest.received_by, latest.status) == ("upload", "pat.prestera", "loaded")
    assert after - before == totals(prestera_month("2026-10", base=50))["referrals"] - int(
        months["referrals now"].iloc[0])
    assert at.page_link[0].proto.query_string == f"submission={latest.id}"

    # The same rows again, under another name: valid, and the page says a load would change nothing.
    again = open_page("pages/upload.py", PRESTERA)
    again.file_uploader[0].set_value(("prestera_2026-10_again.csv", correction, "text/csv")).run()
    assert not again.exception
    assert again.success[0].value == "The file is valid."
    assert [i.value for i in again.info] == [
        "These rows are already the current data: loading the file would change nothing."]
    assert shown_table(again, 0)["effect"].tolist() == ["the same as loaded now"]


def test_leadership_cannot_upload(app):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page("pages/upload.py", LEADERSHIP)  # not in leadership's navigation
    # and the page itself refuses when run directly, signed in as leadership
    ensure_account(app.engine, LEADERSHIP.login, LEADERSHIP.role)
    at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / "upload.py"), default_timeout=60)
    at.session_state["auth"] = signed_in_app(LEADERSHIP.login).session_state["auth"]
    at.run()
    assert "read-only" in at.info[0].value
    assert len(at.file_uploader) == 0


def test_contacts_read_by_partners_and_edited_by_coordinators(app):
    engine = app.engine
    partner = open_page("pages/contacts.py", PRESTERA)
    assert partner.subheader[0].value == "State program staff"
    assert len(partner.table) == 6 and len(partner.tabs) == 0
    assert "Counties: Jackson, Kanawha, Wood" in texts(partner)

    at = open_page("pages/contacts.py", COORDINATOR)
    at.text_input(key="add_name").input("Peer recovery coach")
    at.text_input(key="add_phone").input("304-555-0177")
    at.text_input(key="add_email").input("not an email")
    at.button[0].click().run()  # the form's submit button
    assert "E-mail" in at.error[0].value
    assert "Peer recovery coach" not in contacts_directory(engine, COORDINATOR)["name"].tolist()

    at.text_input(key="add_name").input("Peer recovery coach")
    at.text_input(key="add_phone").input("304-555-0177")
    at.text_input(key="add_email").input("coach@wv.gov")
    at.button[0].click().run()
    assert not at.exception
    assert "Peer recovery coach" in contacts_directory(engine, COORDINATOR)["name"].tolist()
    assert "Peer recovery coach" in shown_table(at, 0)["Name or role"].tolist()
    with session_factory(engine)() as session:
        change = session.scalars(select(ContactChange)).one()
    assert (change.action, change.changed_by) == ("add", "ann.coordinator")
