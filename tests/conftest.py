"""Shared fixtures: real SQLite and PostgreSQL databases built the way a user builds them.

Under CI=true nothing may be skipped: a missing PostgreSQL or Chromium fails the run.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl.runtime import Runtime, open_runtime

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-22"
POSTGRES_ADMIN_URL = os.environ.get("LEAD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CHROMIUM = Path(os.environ.get("LEAD_TEST_CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(condition: bool, reason: str) -> None:
    """Skip when a service is missing, except under CI, where that is a failure."""
    if not condition:
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: this test must run, not skip)")
        pytest.skip(reason)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if IN_CI and skipped and exitstatus == 0:
        session.exitstatus = 1
        if reporter:
            reporter.write_line(f"CI=true: {skipped} test(s) were skipped; every test must run in CI", red=True)


def _postgres_available() -> bool:
    import psycopg

    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    need(_postgres_available(), f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
    return POSTGRES_ADMIN_URL


def create_postgres_database(admin_url: str) -> str:
    import psycopg
    from sqlalchemy import make_url

    name = f"lead_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # name is generated above, never user input
    return make_url(admin_url).set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False)


def drop_postgres_database(admin_url: str, url: str) -> None:
    import psycopg
    from sqlalchemy import make_url

    from etl.db import get_engine

    get_engine(url).dispose()
    name = make_url(url).database
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request, tmp_path) -> Iterator[str]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lead.db'}"
        from etl.db import get_engine

        get_engine(f"sqlite:///{tmp_path / 'lead.db'}").dispose()
        return
    admin = request.getfixturevalue("postgres_admin")
    url = create_postgres_database(admin)
    yield url
    drop_postgres_database(admin, url)


def environment(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {"LEAD_DATABASE_URL": database_url, "LEAD_DATA_DIR": str(data_dir), "LEAD_TODAY": TODAY,
           "LEAD_PROGRAM_FILE": str(ROOT / "programs" / "west_virginia.toml")}
    env.update(extra)
    return env


@pytest.fixture
def runtime(database_url, tmp_path) -> Runtime:
    """A migrated database with the West Virginia sample program synced in."""
    return open_runtime(environment(database_url, tmp_path / "data"), upgrade=True)


@pytest.fixture
def today() -> dt.date:
    return dt.date.fromisoformat(TODAY)


@pytest.fixture
def app_env(runtime, monkeypatch, database_url, tmp_path) -> Iterator[Runtime]:
    """``runtime``, with the environment set so the Streamlit app (AppTest) opens the same database."""
    for name, value in environment(database_url, tmp_path / "data").items():
        monkeypatch.setenv(name, value)
    _clear_app_caches()
    yield runtime
    _clear_app_caches()


def _clear_app_caches() -> None:
    """Cached queries are keyed by viewer and data version, not by database: tests switch databases."""
    import streamlit as st

    from dashboard import cache

    cache.runtime.clear()
    st.cache_data.clear()


_DEMO_TEMPLATES: dict[str, tuple[str, Path]] = {}


def _demo_template(backend: str, tmp_path_factory) -> tuple[str, Path]:
    """The demo loaded once per backend and test session: (database URL or name, data folder)."""
    if backend not in _DEMO_TEMPLATES:
        from etl.db import get_engine
        from etl.demo import create_demo_accounts, load_demo

        data_dir = tmp_path_factory.mktemp(f"demo-template-{backend}")
        if backend == "sqlite":
            url = f"sqlite:///{data_dir / 'lead.db'}"
        else:
            url = create_postgres_database(POSTGRES_ADMIN_URL)
        template = open_runtime(environment(url, data_dir), upgrade=True)
        load_demo(template.engine, template.program, template.settings)
        create_demo_accounts(template.engine, template.program)
        get_engine(url).dispose()  # SQLite: checkpoints the WAL; PostgreSQL: a template must be idle
        _DEMO_TEMPLATES[backend] = (url, data_dir)
    return _DEMO_TEMPLATES[backend]


def pytest_unconfigure(config):
    for backend, (url, _data_dir) in _DEMO_TEMPLATES.items():
        if backend == "postgresql":
            drop_postgres_database(POSTGRES_ADMIN_URL, url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def demo_env(request, tmp_path, monkeypatch, tmp_path_factory) -> Iterator[Runtime]:
    """A copy of the demo database (121 files loaded, demo accounts), with the app's environment set.

    Built once per backend, then copied per test: a file copy on SQLite, CREATE DATABASE ...
    TEMPLATE on PostgreSQL, so tests stay independent without loading the demo each time.
    """
    import shutil

    from sqlalchemy import make_url

    if request.param == "postgresql":
        request.getfixturevalue("postgres_admin")
    template_url, template_dir = _demo_template(request.param, tmp_path_factory)
    data_dir = tmp_path / "data"
    shutil.copytree(template_dir, data_dir, ignore=shutil.ignore_patterns("lead.db-wal", "lead.db-shm"))
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'lead.db'}"
    else:
        import psycopg

        name = f"lead_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            # Both names are generated by these fixtures, never user input.
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template_url).database}"')
        url = make_url(template_url).set(database=name).render_as_string(hide_password=False)
    env = environment(url, data_dir)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    _clear_app_caches()
    runtime = open_runtime(env)
    yield runtime
    _clear_app_caches()
    from etl.db import get_engine

    get_engine(url).dispose()
    if request.param == "postgresql":
        drop_postgres_database(POSTGRES_ADMIN_URL, url)
