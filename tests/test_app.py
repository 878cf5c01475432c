"""The app's pages under streamlit.testing (no browser), on a real database."""

from dashboard.data import referral_totals
from dashboard.viewer import Viewer
from tests.apptest import app, ensure_account


def test_the_home_page_shows_the_program_partners_and_total(demo_env):
    app_env = demo_env
    ensure_account(app_env.engine, "coord", "coordinator")
    at = app("coord").run()
    assert not at.exception
    assert at.title[0].value == "West Virginia LEAD"
    metrics = {m.label: m.value for m in at.metric}
    expected = referral_totals(app_env.engine, Viewer("t", "coordinator")).referrals
    assert metrics["Referrals loaded"] == f"{expected:,}"
    assert metrics["Counties in the program"] == "17"
    assert "synthetic" in at.warning[0].value


def test_a_partner_home_page_counts_only_its_region(demo_env):
    app_env = demo_env
    ensure_account(app_env.engine, "pres", "partner", "prestera")
    at = app("pres").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    own = referral_totals(app_env.engine, Viewer("t", "partner", "prestera")).referrals
    assert metrics["Referrals loaded"] == f"{own:,}"
    assert metrics["Counties in the program"] == "3"
    assert "Seneca" not in at.table[0].value.to_string()


def test_a_bad_setting_shows_one_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("LEAD_PROGRAM_FILE", str(tmp_path / "missing.toml"))
    from dashboard import cache

    cache.runtime.clear()
    at = app().run()
    assert not at.exception
    assert "program file not found" in at.error[0].value
    cache.runtime.clear()
