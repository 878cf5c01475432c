"""Accounts: who may sign in, with which role, and the checks on every sign-in.

Passwords are hashed with argon2id at OWASP's parameters and never logged, shown or stored in
clear. Five wrong passwords in a row lock a login for ``LOCK_MINUTES``; the message for a wrong
login, a wrong password and a locked account is the same, so it never reveals which logins exist.
Managing accounts needs a coordinator: the functions refuse anyone else (PermissionError),
whatever the page shows.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, func, select

from etl.db import session_factory
from etl.models import ROLES, Partner, User, utc_now

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12
MAX_FAILED_SIGN_INS = 5
LOCK_MINUTES = 15
SIGN_IN_FAILED = ("Sign-in failed: check your login and password. After 5 failed attempts in a row, "
                  f"sign-in is paused for {LOCK_MINUTES} minutes.")
# OWASP Password Storage Cheat Sheet: argon2id, 19 MiB of memory, 2 iterations, 1 degree of parallelism.
HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)
# Verified against when the login does not exist, so both cases take the same time.
_DUMMY_HASH = HASHER.hash("not a real password, only for timing")
_LOGIN = re.compile(r"[a-z0-9][a-z0-9._@-]{1,99}")


class AccountError(ValueError):
    """A request about an account that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class Account:
    login: str
    display_name: str
    role: str
    partner_code: str | None
    email: str | None
    active: bool
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password must be at least {MIN_PASSWORD_LENGTH} characters long"
    if len(password) > 1024:
        return "a password must be at most 1024 characters long"
    return None


def _require_coordinator(actor) -> None:
    if actor is not None and getattr(actor, "role", None) != "coordinator":
        raise PermissionError("only a coordinator can manage accounts")


def _account(user: User, partner_code: str | None) -> Account:
    return Account(user.login, user.display_name, user.role, partner_code, user.email, user.active,
                   _as_utc(user.locked_until), _as_utc(user.last_login_at))


def _partner_id(session, role: str, partner_code: str | None) -> int | None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
    if role == "partner":
        if not partner_code:
            raise AccountError("a partner account needs a partner code")
        partner_id = session.scalar(select(Partner.id).where(Partner.code == partner_code,
                                                             Partner.active.is_(True)))
        if partner_id is None:
            raise AccountError(f"unknown partner {partner_code!r}")
        return partner_id
    if partner_code:
        raise AccountError(f"only partner accounts belong to a partner (role is {role!r})")
    return None


def add_user(engine: Engine, *, login: str, display_name: str, role: str, password: str | None,
             partner_code: str | None = None, email: str | None = None, actor=None) -> Account:
    """Create an account. ``actor`` is the signed-in viewer (None only for the command line)."""
    _require_coordinator(actor)
    login = login.strip().lower()
    if not _LOGIN.fullmatch(login):
        raise AccountError("a login is 2-100 characters: lower-case letters, digits, '.', '_', '@', '-'")
    if password is not None and (problem := password_problem(password)):
        raise AccountError(problem)
    with session_factory(engine).begin() as session:
        if session.scalar(select(func.count()).select_from(User).where(User.login == login)):
            raise AccountError(f"the login {login!r} is already taken")
        user = User(login=login, display_name=display_name.strip() or login, role=role,
                    partner_id=_partner_id(session, role, partner_code), email=(email or None),
                    password_hash=HASHER.hash(password) if password else None, active=True)
        session.add(user)
    log.info("account %s created (role %s)", login, role)
    return get_account(engine, login)


def get_account(engine: Engine, login: str) -> Account | None:
    with session_factory(engine)() as session:
        row = session.execute(select(User, Partner.code).outerjoin(Partner, Partner.id == User.partner_id)
                              .where(User.login == login.strip().lower())).first()
    return _account(*row) if row else None


def list_accounts(engine: Engine, actor=None) -> list[Account]:
    _require_coordinator(actor)
    with session_factory(engine)() as session:
        rows = session.execute(select(User, Partner.code).outerjoin(Partner, Partner.id == User.partner_id)
                               .order_by(User.login)).all()
    return [_account(user, code) for user, code in rows]


def _update(engine: Engine, login: str, actor, change) -> Account:
    _require_coordinator(actor)
    with session_factory(engine).begin() as session:
        user = session.scalar(select(User).where(User.login == login.strip().lower()))
        if user is None:
            raise AccountError(f"no account {login!r}")
        change(session, user)
    return get_account(engine, login)


def set_password(engine: Engine, login: str, password: str, actor=None) -> Account:
    if problem := password_problem(password):
        raise AccountError(problem)

    def change(_session, user: User) -> None:
        user.password_hash = HASHER.hash(password)
        user.failed_logins = 0
        user.locked_until = None

    account = _update(engine, login, actor, change)
    log.info("password of %s reset", account.login)
    return account


def set_active(engine: Engine, login: str, active: bool, actor=None) -> Account:
    if actor is not None and getattr(actor, "login", None) == login and not active:
        raise AccountError("you cannot deactivate your own account")

    def change(_session, user: User) -> None:
        user.active = active

    return _update(engine, login, actor, change)


def set_role(engine: Engine, login: str, role: str, partner_code: str | None = None, actor=None) -> Account:
    if actor is not None and getattr(actor, "login", None) == login and role != "coordinator":
        raise AccountError("you cannot take the coordinator role from your own account")

    def change(session, user: User) -> None:
        user.partner_id = _partner_id(session, role, partner_code)
        user.role = role

    return _update(engine, login, actor, change)


def authenticate(engine: Engine, login: str, password: str, now: dt.datetime | None = None) -> Account | None:
    """The account if ``login``/``password`` are right and it may sign in; else None (say SIGN_IN_FAILED)."""
    now = now or utc_now()
    login = (login or "").strip().lower()
    with session_factory(engine).begin() as session:
        user = session.scalar(select(User).where(User.login == login)) if login else None
        if user is None or not user.active or not user.password_hash:
            _verify(_DUMMY_HASH, password)
            log.info("sign-in refused for %r", login[:100])
            return None
        locked_until = _as_utc(user.locked_until)
        if locked_until and locked_until > now:
            _verify(_DUMMY_HASH, password)
            log.info("sign-in refused for %s: locked", login)
            return None
        if not _verify(user.password_hash, password):
            user.failed_logins = (user.failed_logins or 0) + 1
            if user.failed_logins >= MAX_FAILED_SIGN_INS:
                user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
                user.failed_logins = 0
                log.warning("login %s locked for %d minutes after %d failed attempts", login, LOCK_MINUTES,
                            MAX_FAILED_SIGN_INS)
            return None
        if HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = HASHER.hash(password)
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        code = session.scalar(select(Partner.code).where(Partner.id == user.partner_id)) if user.partner_id else None
        account = _account(user, code)
    log.info("signed in: %s", login)
    return account


def match_single_sign_on(engine: Engine, subject_login: str | None, email: str | None) -> Account | None:
    """The active account an identity provider's user maps to: by login, else by e-mail."""
    with session_factory(engine)() as session:
        for column, value in ((User.login, subject_login), (User.email, email)):
            if not value:
                continue
            row = session.execute(select(User, Partner.code).outerjoin(Partner, Partner.id == User.partner_id)
                                  .where(func.lower(column) == value.strip().lower(), User.active.is_(True))).first()
            if row:
                return _account(*row)
    return None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
