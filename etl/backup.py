"""Backups of the central database: a consistent copy, taken while loads keep running.

- SQLite: the sqlite3 online backup API copies the database as of one moment (a read
  transaction: in WAL mode loads go on writing meanwhile), then the copy is checked
  (``PRAGMA quick_check``). Restore: stop the writers and put the file in place of the database,
  or point ``LEAD_DATABASE_URL`` at it.
- PostgreSQL: ``pg_dump --format=custom`` (one snapshot, loads go on) when ``pg_dump`` is on the
  PATH; without it, a BackupError says which command to run. Restore: ``pg_restore --no-owner
  --dbname <new database> FILE``. We call pg_dump rather than reimplement it: it is the
  server's own tool, matches its version, and its output is what a DBA expects to restore.

Either way the file appears under its final name only when complete (temporary name, rename).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.engine import URL

from etl.db import safe_url
from etl.errors import ConfigError
from etl.settings import Settings


class BackupError(ConfigError):
    """The backup could not be made; the message says why and what to do instead."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    database: str  # the database URL, password hidden
    method: str  # "sqlite online backup" or "pg_dump"
    byte_size: int

    def summary(self) -> str:
        return f"backup of {self.database} written to {self.path} ({self.byte_size:,} bytes, {self.method})"


def backup_database(settings: Settings, output: Path | None = None) -> BackupResult:
    """Back up the database of ``settings`` to ``output`` (default: LEAD_DATA_DIR/backups/lead-<UTC time>.*)."""
    url = make_url(settings.database_url)
    backend = url.get_backend_name()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    if backend == "sqlite":
        target = output or settings.data_dir / "backups" / f"lead-{stamp}.db"
        return _backup_sqlite(url, Path(target))
    if backend == "postgresql":
        target = output or settings.data_dir / "backups" / f"lead-{stamp}.dump"
        return _backup_postgresql(url, Path(target))
    raise BackupError(f"cannot back up {backend!r} databases; use sqlite or postgresql")


def _temporary(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.with_name(f".{target.name}.partial")


def _backup_sqlite(url: URL, target: Path) -> BackupResult:
    source_path = url.database
    if not source_path or source_path == ":memory:" or not Path(source_path).is_file():
        raise BackupError(f"no SQLite database file at {source_path!r} (LEAD_DATABASE_URL)")
    if Path(source_path).resolve() == target.resolve():
        raise BackupError("the backup file must not be the database itself")
    partial = _temporary(target)
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(source_path, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            # pages=-1: the whole database in one step, i.e. one read transaction, one moment.
            source.backup(copy, pages=-1)
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
            # The copy is a plain file: no -wal beside it to lose when it is moved or mailed.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"SQLite backup failed: {error}") from None
    finally:
        source.close()
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the backup copy failed its integrity check: {verdict}")
    os.replace(partial, target)
    return BackupResult(target, safe_url(url.render_as_string(hide_password=False)), "sqlite online backup",
                        target.stat().st_size)


def pg_dump_advice(url: URL, target: Path) -> str:
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return (f'pg_dump --format=custom --file "{target}" "{libpq}" '
            "(put the password in PGPASSWORD or ~/.pgpass, never on the command line)")


def _backup_postgresql(url: URL, target: Path) -> BackupResult:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client); "
                          f"on a machine that has it, run: {pg_dump_advice(url, target)}")
    partial = _temporary(target)
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # not in argv, where other users could read it
    completed = subprocess.run([pg_dump, "--format=custom", "--no-owner", "--file", str(partial), libpq],
                               env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        partial.unlink(missing_ok=True)
        reason = (completed.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"pg_dump failed: {reason}")
    os.replace(partial, target)
    return BackupResult(target, safe_url(url.render_as_string(hide_password=False)), "pg_dump",
                        target.stat().st_size)
