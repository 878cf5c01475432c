"""The operations pages' queries: submissions, their reports and original files, scoped to the viewer."""

import datetime as dt

import pytest

from dashboard.data import (
    NotVisibleError,
    archived_submission,
    directory_regions,
    submission_detail,
    submission_file,
    submissions,
)
from dashboard.viewer import Viewer
from etl.pipeline import Intake, process_file
from etl.settings import UPLOAD_MAX_BYTES
from tests.helpers import csv_bytes, prestera_month, row

COORDINATOR = Viewer("ann.coordinator", "coordinator")
PRESTERA = Viewer("pat.prestera", "partner", "prestera")
SENECA = Viewer("sam.seneca", "partner", "seneca")
LEADERSHIP = Viewer("lee.leadership", "leadership")


def send(runtime, partner: str, name: str, data: bytes):
    return process_file(runtime.engine, runtime.program, partner_code=partner, filename=name, data=data,
                        intake=Intake("upload", f"{partner}-user"), archive_dir=runtime.settings.archive_dir,
                        today=runtime.settings.today, max_bytes=UPLOAD_MAX_BYTES)


@pytest.fixture
def two_partners(runtime):
    """Prestera sent a valid file; Seneca a rejected one (a county of another region) and a too-large one."""
    prestera = send(runtime, "prestera", "=HYPERLINK(march).csv", csv_bytes(prestera_month("2026-03")))
    seneca = send(runtime, "seneca", "seneca_2026-03.csv", csv_bytes([row("2026-03", "Kanawha")]))
    too_big = send(runtime, "seneca", "huge.csv", b"x" * (UPLOAD_MAX_BYTES + 1))
    return runtime, prestera, seneca, too_big


def test_submissions_are_scoped_to_the_viewers_partner(two_partners):
    runtime, prestera, seneca, too_big = two_partners
    # A file refused before parsing (over the size limit) writes nothing at all (issue 4, item 1).
    assert too_big.status == "rejected" and too_big.submission_id is None
    assert set(submissions(runtime.engine, COORDINATOR)["id"]) == {prestera.submission_id, seneca.submission_id}
    assert submissions(runtime.engine, PRESTERA)["id"].tolist() == [prestera.submission_id]
    assert set(submissions(runtime.engine, SENECA)["partner"]) == {"seneca"}
    assert set(submissions(runtime.engine, LEADERSHIP)["id"]) == {prestera.submission_id, seneca.submission_id}


def test_a_submissions_detail_carries_its_report_and_is_hidden_from_other_partners(two_partners):
    runtime, prestera, seneca, _too_big = two_partners
    detail = submission_detail(runtime.engine, SENECA, seneca.submission_id)
    assert (detail.partner, detail.status, detail.received_by, detail.file) == (
        "seneca", "rejected", "seneca-user", "seneca_2026-03.csv")
    assert detail.received_at.tzinfo is not None
    assert detail.received_at <= dt.datetime.now(dt.UTC)
    assert [e["column"] for e in detail.report["errors"]] == ["county"]
    assert "Kanawha" in detail.report["errors"][0]["message"]
    with pytest.raises(NotVisibleError):
        submission_detail(runtime.engine, PRESTERA, seneca.submission_id)
    with pytest.raises(NotVisibleError):
        submission_detail(runtime.engine, COORDINATOR, 99_999)
    assert submission_detail(runtime.engine, LEADERSHIP, prestera.submission_id).status == "loaded"


def test_original_files_only_for_viewers_who_may_see_them(two_partners):
    runtime, prestera, seneca, _too_big = two_partners
    archive = runtime.settings.archive_dir
    name, content = submission_file(runtime.engine, PRESTERA, prestera.submission_id, archive)
    assert name == "=HYPERLINK(march).csv"
    assert content == csv_bytes(prestera_month("2026-03"))
    assert submission_file(runtime.engine, COORDINATOR, seneca.submission_id, archive)[1] == csv_bytes(
        [row("2026-03", "Kanawha")])
    with pytest.raises(NotVisibleError):
        submission_file(runtime.engine, PRESTERA, seneca.submission_id, archive)
    with pytest.raises(NotVisibleError):
        archived_submission(runtime.engine, SENECA, prestera.submission_id, archive)
    with pytest.raises(PermissionError):  # leadership: read-only, no partners' files
        submission_file(runtime.engine, LEADERSHIP, prestera.submission_id, archive)
    archived = [p for p in archive.rglob("*") if p.is_file()]
    assert all(p.stat().st_size <= UPLOAD_MAX_BYTES for p in archived)  # refused for its size: never archived


def test_the_directory_lists_every_region_for_every_role(runtime):
    for viewer in (COORDINATOR, PRESTERA, LEADERSHIP):
        regions = directory_regions(runtime.engine, viewer)
        assert len(regions) == 5
        assert regions.set_index("code").loc["prestera", "counties"] == "Jackson, Kanawha, Wood"
