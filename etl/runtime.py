"""Everything a front door needs, opened and checked once: settings, program, database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine

from etl import migrate
from etl.db import check_connection, get_engine, safe_url, sqlite_file
from etl.errors import ConfigError
from etl.program import Program, load_program
from etl.settings import Settings, load_settings
from etl.sync import sync_program


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    program: Program
    engine: Engine


def open_runtime(environ: Mapping[str, str] | None = None, *, upgrade: bool = False) -> Runtime:
    """Read the settings and program file, connect, and make sure the schema is current.

    With ``upgrade`` the database is migrated first; otherwise an out-of-date database is a
    ConfigError telling the operator to run ``python -m etl db upgrade``. The program file is
    synced into the database (idempotent).
    """
    settings = load_settings(environ)
    program = load_program(settings.program_file)
    database_file = sqlite_file(settings.database_url)
    if not upgrade and database_file is not None and not database_file.exists():
        # Connecting would create an empty database (and its folder) only to refuse it.
        raise ConfigError(f"the database {database_file} does not exist yet; run: python -m etl db upgrade")
    engine = get_engine(settings.database_url)
    check_connection(engine)
    if upgrade:
        migrate.upgrade(engine)
    elif not migrate.is_up_to_date(engine):
        raise ConfigError(f"the database {safe_url(settings.database_url)} is not set up for this version; "
                          "run: python -m etl db upgrade")
    sync_program(engine, program)
    return Runtime(settings=settings, program=program, engine=engine)
