import datetime as dt
from pathlib import Path

import pytest

from etl.errors import ConfigError
from etl.settings import DEFAULT_PROGRAM_FILE, PROJECT_ROOT, load_settings


def test_defaults_live_under_the_project():
    settings = load_settings({})
    assert settings.data_dir == PROJECT_ROOT / "data"
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'data' / 'lead.db'}"
    assert settings.program_file == DEFAULT_PROGRAM_FILE
    assert settings.today == dt.date.today()
    assert settings.max_file_bytes == 200 * 1024 * 1024


def test_every_setting_can_be_set(tmp_path):
    settings = load_settings({
        "LEAD_DATABASE_URL": "postgresql://u@h/db", "LEAD_PROGRAM_FILE": str(tmp_path / "p.toml"),
        "LEAD_DATA_DIR": str(tmp_path), "LEAD_TODAY": "2026-03-31", "LEAD_MAX_FILE_MB": "7",
    })
    assert settings.database_url == "postgresql://u@h/db"
    assert settings.program_file == tmp_path / "p.toml"
    assert settings.archive_dir == tmp_path / "archive"
    assert settings.inbox_dir == Path(tmp_path) / "inbox"
    assert settings.today == dt.date(2026, 3, 31)
    assert settings.max_file_bytes == 7 * 1024 * 1024


def test_the_database_defaults_into_the_data_dir(tmp_path):
    assert load_settings({"LEAD_DATA_DIR": str(tmp_path)}).database_url == f"sqlite:///{tmp_path / 'lead.db'}"


@pytest.mark.parametrize(("name", "value", "words"), [
    ("LEAD_TODAY", "31/03/2026", "YYYY-MM-DD"),
    ("LEAD_TODAY", "2026-02-30", "not a date"),
    ("LEAD_MAX_FILE_MB", "lots", "whole number"),
    ("LEAD_MAX_FILE_MB", "0", "above 0"),
])
def test_a_bad_setting_is_one_clear_error(name, value, words):
    with pytest.raises(ConfigError, match=words) as error:
        load_settings({name: value})
    assert name in str(error.value)


def test_the_extra_ca_bundle_must_be_a_file(tmp_path):
    assert load_settings({}).ca_bundle is None
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    assert load_settings({"LEAD_CA_BUNDLE": str(tmp_path / "ca.pem")}).ca_bundle == tmp_path / "ca.pem"
    with pytest.raises(ConfigError, match=r"LEAD_CA_BUNDLE='/nonexistent/ca\.pem' is not a file"):
        load_settings({"LEAD_CA_BUNDLE": "/nonexistent/ca.pem"})
