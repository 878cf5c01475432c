"""The app's pages under streamlit.testing (no browser), on a real database."""

import os

import pytest
from streamlit.testing.v1 import AppTest

from etl.demo import load_demo
from tests.conftest import ROOT, environment


@pytest.fixture
def app_env(runtime, monkeypatch, database_url, tmp_path):
    for name, value in environment(database_url, tmp_path / "data").items():
        monkeypatch.setenv(name, value)
    from dashboard import cache

    cache.runtime.clear()
    yield runtime
    cache.runtime.clear()


def test_the_home_page_shows_the_program_partners_and_total(app_env):
    load_demo(app_env.engine, app_env.program, app_env.settings)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "West Virginia LEAD"
    metrics = {m.label: m.value for m in at.metric}
    from dashboard.data import referral_totals
    from dashboard.viewer import Viewer

    expected = referral_totals(app_env.engine, Viewer("t", "coordinator")).referrals
    assert metrics["Referrals loaded"] == f"{expected:,}"
    assert metrics["Counties in the program"] == "17"
    assert "synthetic" in at.warning[0].value
    assert os.environ["LEAD_DATA_DIR"].endswith("data")


def test_a_bad_setting_shows_one_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("LEAD_PROGRAM_FILE", str(tmp_path / "missing.toml"))
    from dashboard import cache

    cache.runtime.clear()
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "program file not found" in at.error[0].value
    cache.runtime.clear()
