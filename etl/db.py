"""The database: declarative base, engine (SQLite or PostgreSQL) and session factory.

Callers frame their own transactions: ``with session_factory(engine).begin() as session: ...``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, event, exc, make_url, text
from sqlalchemy.orm import DeclarativeBase, sessionmaker

from etl.errors import ConfigError, DatabaseUnavailableError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLITE_BUSY_TIMEOUT_MS = 30_000


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "<unparseable database URL>"


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (None for PostgreSQL, in-memory SQLite or a URL that cannot be parsed)."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser()


@functools.cache
def get_engine(url: str) -> Engine:
    """One engine per URL for the process; raises ConfigError for a URL that cannot be used."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise ConfigError(
            f"LEAD_DATABASE_URL {url!r} is not a database URL; use e.g. sqlite:///data/lead.db "
            "or postgresql+psycopg://user@host/dbname"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"LEAD_DATABASE_URL: unsupported database {backend!r}; use sqlite or postgresql")
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if (database_file := sqlite_file(url)) is not None:
        database_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed, pool_pre_ping=True,
                               connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
                               if backend == "sqlite" else {"connect_timeout": 10})
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as error:
        raise ConfigError(f"LEAD_DATABASE_URL {safe_url(url)}: {error}") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; emit it ourselves so a load's
        # replace-then-insert is one atomic transaction, taking the write lock up front.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see get_engine)
    cursor = dbapi_connection.cursor()
    # WAL lets the dashboard read while a load writes; the busy timeout makes concurrent
    # loads wait for each other instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def error_reason(error: exc.DBAPIError) -> str:
    """The driver's first line: what went wrong, without SQL, parameters or a traceback."""
    text_ = str(error.orig) if error.orig is not None else str(error)
    return (text_.strip().splitlines() or ["unknown database error"])[0]


def check_connection(engine: Engine) -> None:
    """Connect once; raise DatabaseUnavailableError (a ConfigError) with a one-line reason if that fails."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except exc.DBAPIError as error:
        raise DatabaseUnavailableError(
            f"cannot connect to database {safe_url(str(engine.url))}: {error_reason(error)}") from None


# PostgreSQL SQLSTATEs of a transaction that lost a race and may simply be run again:
# serialization_failure, deadlock_detected, lock_not_available.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def is_transient_conflict(error: exc.DBAPIError) -> bool:
    """Did this error roll back a transaction only because another one was running at the same time?

    Lost connections are not included: the pull job reports them and retries on its next run.
    """
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate in TRANSIENT_SQLSTATES:
        return True
    message = str(error.orig).lower() if error.orig is not None else ""
    return isinstance(error, exc.OperationalError) and ("database is locked" in message
                                                         or "database is busy" in message)


def session_factory(engine: Engine) -> sessionmaker:
    return _session_factory(engine)


@functools.cache
def _session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
