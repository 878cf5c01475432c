"""Every LEAD_* setting, read from the environment in this one place.

All settings are optional:

``LEAD_DATABASE_URL``  SQLAlchemy URL of the central database (default: SQLite file ``lead.db``
                       under the data folder).
``LEAD_PROGRAM_FILE``  the program's TOML file (default: ``programs/west_virginia.toml``).
``LEAD_DATA_DIR``      archive, inboxes and caches (default: ``data/`` in the project).
``LEAD_TODAY``         fixes "today" as ``YYYY-MM-DD`` (tests and replays).
``LEAD_MAX_FILE_MB``   largest file the command line and the pull job accept (default 200).
``LEAD_SESSION_IDLE_MINUTES``  a dashboard session ends after this long without use (default 30).
``LEAD_CA_BUNDLE``     an extra CA certificate file (PEM) the pull job trusts for partners' HTTPS
                       exports, besides the usual public CAs (a state's internal CA; tests).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from etl.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROGRAM_FILE = PROJECT_ROOT / "programs" / "west_virginia.toml"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_MAX_FILE_MB = 200
DEFAULT_SESSION_IDLE_MINUTES = 30
# The web upload's limit is a product decision, not a setting: a partner's month is ~35 rows,
# ten years of backfill ~150 KB, so 5 MB leaves ample room and refuses accidents early.
UPLOAD_MAX_BYTES = 5 * 1024 * 1024

SETTING_NAMES = (
    "LEAD_DATABASE_URL",
    "LEAD_PROGRAM_FILE",
    "LEAD_DATA_DIR",
    "LEAD_TODAY",
    "LEAD_MAX_FILE_MB",
    "LEAD_SESSION_IDLE_MINUTES",
    "LEAD_CA_BUNDLE",
)


@dataclass(frozen=True)
class Settings:
    database_url: str
    program_file: Path
    data_dir: Path
    today: dt.date
    max_file_bytes: int
    session_idle_minutes: int = DEFAULT_SESSION_IDLE_MINUTES
    ca_bundle: Path | None = None  # extra trusted CA for HTTPS exports

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (default ``os.environ``); raise ConfigError if one is bad."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("LEAD_DATA_DIR") or DEFAULT_DATA_DIR).expanduser()
    database_url = env.get("LEAD_DATABASE_URL") or f"sqlite:///{data_dir / 'lead.db'}"
    program_file = Path(env.get("LEAD_PROGRAM_FILE") or DEFAULT_PROGRAM_FILE).expanduser()
    return Settings(
        database_url=database_url,
        program_file=program_file,
        data_dir=data_dir,
        today=_parse_today(env.get("LEAD_TODAY")),
        max_file_bytes=_positive(env, "LEAD_MAX_FILE_MB", DEFAULT_MAX_FILE_MB, "megabytes") * 1024 * 1024,
        session_idle_minutes=_positive(env, "LEAD_SESSION_IDLE_MINUTES", DEFAULT_SESSION_IDLE_MINUTES, "minutes"),
        ca_bundle=_parse_ca_bundle(env.get("LEAD_CA_BUNDLE")),
    )


def _parse_today(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(f"LEAD_TODAY={value!r} is not a date; use YYYY-MM-DD, e.g. 2026-03-31") from None


def _positive(env: Mapping[str, str], name: str, default: int, unit: str) -> int:
    value = env.get(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise ConfigError(f"{name}={value!r} must be a whole number of {unit} above 0")
    return number


def _parse_ca_bundle(value: str | None) -> Path | None:
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        raise ConfigError(f"LEAD_CA_BUNDLE={value!r} is not a file; give a PEM file of CA certificates")
    return path
