"""The web upload's code path: same report as the command line, preview before load, refusals."""

import json

import pytest
from sqlalchemy import func, select

from dashboard.upload import change_preview, check_upload, load_upload, months_preview, upload_partners
from dashboard.viewer import Viewer
from etl.db import session_factory
from etl.models import MonthlyCount, Submission
from etl.pipeline import Intake, process_file
from etl.runtime import open_runtime
from etl.settings import UPLOAD_MAX_BYTES
from tests.browser import run_etl
from tests.conftest import create_postgres_database, drop_postgres_database, environment
from tests.helpers import csv_bytes, prestera_month, row, totals

COORDINATOR = Viewer("ann.coordinator", "coordinator")
PRESTERA = Viewer("pat.prestera", "partner", "prestera")
SENECA = Viewer("sam.seneca", "partner", "seneca")
LEADERSHIP = Viewer("lee.leadership", "leadership")
MARCH = csv_bytes(prestera_month("2026-03", base=4))
CORRECTION = csv_bytes(prestera_month("2026-03", base=6) + prestera_month("2026-04", base=2))


def load_march(runtime) -> None:
    """The state both databases start from: March already loaded from the partner's folder."""
    process_file(runtime.engine, runtime.program, partner_code="prestera", filename="march.csv", data=MARCH,
                 intake=Intake("folder", "pull"), archive_dir=runtime.settings.archive_dir,
                 today=runtime.settings.today, max_bytes=UPLOAD_MAX_BYTES)


def count_rows(engine) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(func.count(MonthlyCount.month)))


@pytest.fixture
def cli_database(database_url, request, tmp_path):
    """A second, empty database on the same backend, for the command line to load into."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'cli.db'}"
        return
    admin = request.getfixturevalue("postgres_admin")
    url = create_postgres_database(admin)
    yield url
    drop_postgres_database(admin, url)


def comparable(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "submission_id"}


@pytest.mark.parametrize("content", [CORRECTION, csv_bytes([row("2026-03", "Kanawah")])], ids=["valid", "invalid"])
def test_preview_then_load_gives_the_command_lines_report(runtime, cli_database, tmp_path, content):
    load_march(runtime)
    cli_env = environment(cli_database, tmp_path / "cli-data")
    load_march(open_runtime(cli_env, upgrade=True))
    path = tmp_path / "prestera_2026-04.csv"
    path.write_bytes(content)

    preview = check_upload(runtime, PRESTERA, "prestera", path.name, content)
    rows_before = count_rows(runtime.engine)
    loaded = load_upload(runtime, PRESTERA, "prestera", path.name, content)
    result = run_etl(cli_env, "load", "--partner", "prestera", str(path), "--json")
    cli = json.loads(result.stdout)["files"][0]

    assert comparable(loaded.to_dict()) == comparable(cli)
    assert loaded.status == ("loaded" if preview.valid else "rejected")
    assert result.returncode == (0 if preview.valid else 1)
    # The preview is the load's report before writing: same checks, same totals, same months replaced.
    previewed = preview.to_dict()
    for key in ("sha256", "rows", "months", "totals", "replaced", "errors", "error_count"):
        assert previewed[key] == cli[key], key
    assert count_rows(runtime.engine) == (12 if preview.valid else rows_before)
    with session_factory(runtime.engine)() as session:
        latest = session.scalars(select(Submission).order_by(Submission.id.desc())).first()
    assert (latest.source, latest.received_by, latest.filename) == ("upload", "pat.prestera", path.name)
    assert (runtime.settings.archive_dir / loaded.sha256[:2] / loaded.sha256).read_bytes() == content


def test_the_preview_shows_months_replaced_and_totals_before_and_after(runtime):
    load_march(runtime)
    report = check_upload(runtime, COORDINATOR, "prestera", "correction.csv", CORRECTION)
    assert report.status == "valid" and count_rows(runtime.engine) == 6  # nothing written
    months = months_preview(report)
    assert months["month"].tolist() == ["2026-03", "2026-04"]
    assert months["effect"].tolist() == ["replaces data loaded earlier", "new month"]
    assert months.loc[0, "referrals now"] == totals(prestera_month("2026-03", base=4))["referrals"]
    change = change_preview(report).set_index("count")
    expected_after = totals(prestera_month("2026-03", base=6) + prestera_month("2026-04", base=2))
    for column, after in expected_after.items():
        assert change.loc[column, "after loading this file"] == after
        assert change.loc[column, "loaded now"] == totals(prestera_month("2026-03", base=4))[column]
        assert change.loc[column, "change"] == after - change.loc[column, "loaded now"]


def test_a_file_above_five_megabytes_is_refused_before_parsing(runtime):
    big = b"x" * (UPLOAD_MAX_BYTES + 1)
    report = check_upload(runtime, PRESTERA, "prestera", "big.csv", big)
    assert not report.valid and report.errors[0].code == "file-too-large"


def test_who_may_upload_for_whom(runtime):
    assert upload_partners(LEADERSHIP, runtime) == []
    assert upload_partners(SENECA, runtime) == ["seneca"]
    assert len(upload_partners(COORDINATOR, runtime)) == 5
    for viewer, partner in ((LEADERSHIP, "prestera"), (SENECA, "prestera")):
        with pytest.raises(PermissionError):
            check_upload(runtime, viewer, partner, "march.csv", MARCH)
        with pytest.raises(PermissionError):
            load_upload(runtime, viewer, partner, "march.csv", MARCH)
    assert count_rows(runtime.engine) == 0
    with session_factory(runtime.engine)() as session:
        assert session.scalar(select(func.count(Submission.id))) == 0
    assert load_upload(runtime, COORDINATOR, "prestera", "march.csv", MARCH).status == "loaded"
