"""Signing in through the app: the sign-in page is all a visitor sees; sessions expire; forgery fails."""

import datetime as dt

import pytest

from dashboard.viewer import Viewer
from etl.demo import DEMO_PASSWORD
from etl.users import SIGN_IN_FAILED, set_active
from tests.apptest import PASSWORD, app, ensure_account, next_run, texts


def sign_in(at, login, password):
    at.text_input[0].input(login)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run()


def test_a_visitor_sees_only_the_sign_in_page(demo_env):
    at = app().run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Login", "Password"]
    assert not at.metric
    assert "Referrals" not in texts(at)


def test_signing_in_through_the_form_shows_the_role_pages(app_env):
    ensure_account(app_env.engine, "coord", "coordinator")
    at = sign_in(app().run(), "coord", PASSWORD)
    assert not at.exception and not at.error
    assert at.session_state["auth"]["login"] == "coord"
    at = next_run(at)
    assert "Signed in as" in texts(at)
    assert any(m.label == "Referrals loaded" for m in at.metric)


def test_a_wrong_login_and_a_wrong_password_get_the_same_message(app_env):
    ensure_account(app_env.engine, "coord", "coordinator")
    wrong_password = sign_in(app().run(), "coord", "not the password")
    wrong_login = sign_in(app().run(), "nobody-here", "not the password")
    assert [e.value for e in wrong_password.error] == [SIGN_IN_FAILED] == [e.value for e in wrong_login.error]
    assert not wrong_password.metric


def test_an_idle_session_expires(app_env):
    ensure_account(app_env.engine, "coord", "coordinator")
    at = app("coord")
    at.session_state["auth"]["last_seen"] = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)
    at.run()
    assert not at.metric
    assert "period without use" in texts(at)


def test_a_deactivated_account_is_signed_out_at_its_next_click(app_env):
    ensure_account(app_env.engine, "coord", "coordinator")
    at = app("coord").run()
    assert at.metric
    set_active(app_env.engine, "coord", False)
    at.run()
    assert not at.metric
    assert "auth" not in at.session_state
    # Under AppTest this rerun runs the page alone (see tests/apptest.next_run); its own check
    # shows the reason. On the real server the router shows it on the sign-in page.
    assert "can no longer sign in" in texts(at)


def test_a_forged_viewer_in_session_state_does_not_widen_a_partners_view(demo_env):
    ensure_account(demo_env.engine, "pres", "partner", "prestera")
    at = app("pres")
    at.session_state["viewer"] = Viewer("pres", "coordinator")
    at.run()
    assert {m.label: m.value for m in at.metric}["Counties in the program"] == "3"


def test_a_forged_viewer_without_a_sign_in_shows_nothing(demo_env):
    at = app()
    at.session_state["viewer"] = Viewer("x", "coordinator")
    at.run()
    assert not at.metric


def test_the_demo_accounts_are_shown_only_on_the_demo_database(demo_env):
    at = next_run(app())  # the demo database, copied from the template
    assert DEMO_PASSWORD in texts(at)
    at = next_run(sign_in(at, "demo-partner", DEMO_PASSWORD))
    assert {m.label: m.value for m in at.metric}["Counties in the program"] == "3"


def test_no_demo_accounts_are_shown_on_a_database_the_demo_did_not_create(app_env):
    assert DEMO_PASSWORD not in texts(app().run())


@pytest.mark.parametrize("url_page", ["pages/home.py"])
def test_a_page_run_directly_without_sign_in_shows_nothing(demo_env, url_page):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "dashboard" / url_page), default_timeout=60)
    at.session_state["viewer"] = Viewer("x", "coordinator")
    at.run()
    assert not at.metric
