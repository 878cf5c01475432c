"""The Accounts page: coordinators manage accounts; nobody else reaches it or its actions."""

import pytest
from streamlit.testing.v1 import AppTest

from etl.users import authenticate, get_account
from tests.apptest import app, ensure_account, texts
from tests.conftest import ROOT


def open_users(login):
    at = app(login).run()
    return at.switch_page("pages/users.py").run()


def test_a_coordinator_adds_an_account_through_the_page(app_env):
    ensure_account(app_env.engine, "coord", "coordinator")
    at = open_users("coord")
    assert not at.exception
    inputs = {t.label.split(" (")[0]: t for t in at.text_input}
    inputs["Login"].input("new-partner")
    inputs["Display name"].input("New Partner")
    inputs["Password"].input("a good long password")
    at.selectbox[0].select("partner")
    at.selectbox[1].select("seneca")
    at.button(key="FormSubmitter:add_account-Add account").click().run()
    assert not at.exception
    account = get_account(app_env.engine, "new-partner")
    assert (account.role, account.partner_code) == ("partner", "seneca")
    assert authenticate(app_env.engine, "new-partner", "a good long password") is not None


def test_a_short_password_is_refused_with_a_message(app_env):
    ensure_account(app_env.engine, "coord", "coordinator")
    at = open_users("coord")
    inputs = {t.label.split(" (")[0]: t for t in at.text_input}
    inputs["Login"].input("shorty")
    inputs["Display name"].input("Shorty")
    inputs["Password"].input("too short")
    at.button(key="FormSubmitter:add_account-Add account").click().run()
    assert "at least 12 characters" in texts(at)
    assert get_account(app_env.engine, "shorty") is None


def test_partners_and_leadership_cannot_open_the_accounts_page(app_env):
    ensure_account(app_env.engine, "pres", "partner", "prestera")
    ensure_account(app_env.engine, "lead", "leadership")
    for login in ("pres", "lead"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            open_users(login)  # not in their navigation at all
        # and the page itself refuses when run directly, signed in as them
        at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / "users.py"), default_timeout=60)
        at.session_state["auth"] = app(login).session_state["auth"]
        at.run()
        assert "Only coordinators manage accounts." in texts(at)
        assert not at.dataframe
