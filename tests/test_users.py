"""Accounts: hashing, the 12-character rule, lockout, coordinator-only management."""

import datetime as dt

import pytest
from sqlalchemy import select

from dashboard.viewer import Viewer
from etl.db import session_factory
from etl.models import User
from etl.users import (
    LOCK_MINUTES,
    AccountError,
    add_user,
    authenticate,
    list_accounts,
    match_single_sign_on,
    set_active,
    set_password,
    set_role,
)

PASSWORD = "correct horse battery"
COORDINATOR = Viewer("boss", "coordinator")


def make(runtime, login="ann", role="coordinator", partner=None, password=PASSWORD, **extra):
    return add_user(runtime.engine, login=login, display_name=login.title(), role=role, partner_code=partner,
                    password=password, **extra)


def test_passwords_are_stored_as_argon2id_hashes_only(runtime):
    make(runtime)
    with session_factory(runtime.engine)() as session:
        stored = session.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in stored


def test_a_new_password_needs_12_characters(runtime):
    with pytest.raises(AccountError, match="at least 12 characters"):
        make(runtime, password="short-pass1")
    make(runtime)
    with pytest.raises(AccountError, match="at least 12 characters"):
        set_password(runtime.engine, "ann", "elevenchars")


def test_sign_in_succeeds_only_with_the_right_password(runtime):
    make(runtime, "pat", "partner", "prestera")
    account = authenticate(runtime.engine, "PAT ", PASSWORD)
    assert (account.login, account.role, account.partner_code) == ("pat", "partner", "prestera")
    assert authenticate(runtime.engine, "pat", PASSWORD + "x") is None
    assert authenticate(runtime.engine, "nobody", PASSWORD) is None


def test_five_wrong_passwords_lock_the_login_for_some_minutes(runtime):
    make(runtime)
    now = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
    for _ in range(5):
        assert authenticate(runtime.engine, "ann", "wrong password!", now=now) is None
    assert authenticate(runtime.engine, "ann", PASSWORD, now=now + dt.timedelta(minutes=1)) is None
    later = now + dt.timedelta(minutes=LOCK_MINUTES + 1)
    assert authenticate(runtime.engine, "ann", PASSWORD, now=later) is not None


def test_a_deactivated_account_cannot_sign_in(runtime):
    make(runtime)
    set_active(runtime.engine, "ann", False)
    assert authenticate(runtime.engine, "ann", PASSWORD) is None


def test_only_coordinators_manage_accounts(runtime):
    make(runtime, "lead", "leadership")
    for actor in (Viewer("lead", "leadership"), Viewer("p", "partner", "prestera")):
        with pytest.raises(PermissionError):
            make(runtime, "x-" + actor.role, actor=actor)
        with pytest.raises(PermissionError):
            set_role(runtime.engine, "lead", "coordinator", actor=actor)
        with pytest.raises(PermissionError):
            list_accounts(runtime.engine, actor=actor)
    make(runtime, "newbie", "leadership", actor=COORDINATOR)
    assert set_role(runtime.engine, "newbie", "partner", "seneca", actor=COORDINATOR).partner_code == "seneca"


def test_account_rules(runtime):
    with pytest.raises(AccountError, match="needs a partner code"):
        make(runtime, "pp", "partner")
    with pytest.raises(AccountError, match="unknown partner"):
        make(runtime, "pp", "partner", "nowhere")
    with pytest.raises(AccountError, match="only partner accounts"):
        make(runtime, "cc", "coordinator", "seneca")
    make(runtime, "ann")
    with pytest.raises(AccountError, match="already taken"):
        make(runtime, "ANN")
    with pytest.raises(AccountError, match="your own account"):
        set_active(runtime.engine, "ann", False, actor=Viewer("ann", "coordinator"))


def test_single_sign_on_matches_by_login_then_email(runtime):
    make(runtime, "ann", email="Ann.Smith@wv.gov")
    assert match_single_sign_on(runtime.engine, "ann", None).login == "ann"
    assert match_single_sign_on(runtime.engine, "someone-else", "ann.smith@WV.gov").login == "ann"
    assert match_single_sign_on(runtime.engine, "stranger", "stranger@example.org") is None
    set_active(runtime.engine, "ann", False)
    assert match_single_sign_on(runtime.engine, "ann", None) is None
