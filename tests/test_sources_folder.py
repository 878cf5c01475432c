import hashlib
import json
from pathlib import Path

from etl.runtime import open_runtime
from etl.sources import pull_all
from tests.conftest import environment
from tests.helpers import csv_bytes, prestera_month, row, totals


def test_the_inbox_loads_good_files_moves_them_out_and_keeps_rejected_ones_with_a_report(runtime):
    inbox = runtime.settings.inbox_dir / "prestera"
    inbox.mkdir(parents=True)
    (inbox / "march.csv").write_bytes(csv_bytes(prestera_month("2026-03")))
    (inbox / "bad.csv").write_bytes(csv_bytes([row(county="Kanawah")]))
    (inbox / ".uploading.csv").write_bytes(b"partial")
    outcome = pull_all(runtime)
    assert sorted((f.file, f.status) for f in outcome.files) == [("bad.csv", "rejected"), ("march.csv", "loaded")]
    assert outcome.exit_status == 1
    assert not (inbox / "march.csv").exists()
    assert [p.name.split("_", 1)[1] for p in (runtime.settings.data_dir / "processed" / "prestera").iterdir()] == [
        "march.csv"]
    report = json.loads((inbox / "bad.csv.report.json").read_text())
    assert report["status"] == "rejected" and "Kanawha" in report["errors"][0]["message"]
    assert (inbox / ".uploading.csv").exists()

    again = pull_all(runtime)  # idempotent: the rejected file is not tried again until it changes
    assert again.files == []
    (inbox / "bad.csv").write_bytes(csv_bytes(prestera_month("2026-04")))
    assert [f.status for f in pull_all(runtime).files] == ["loaded"]
    assert not (inbox / "bad.csv.report.json").exists()


def test_office_lock_files_and_windows_clutter_are_left_alone(runtime):
    inbox = runtime.settings.inbox_dir / "prestera"
    inbox.mkdir(parents=True)
    clutter = {"~$march.xlsx": b"\x0bpartner   ", "Thumbs.db": b"\xd0\xcf\x11\xe0", "desktop.ini": b"[.ShellClassInfo]"}
    for name, data in clutter.items():
        (inbox / name).write_bytes(data)
    (inbox / "march.csv").write_bytes(csv_bytes(prestera_month("2026-03")))
    outcome = pull_all(runtime, partner="prestera")
    assert [(f.file, f.status) for f in outcome.files] == [("march.csv", "loaded")]
    assert outcome.exit_status == 0
    assert sorted(p.name for p in inbox.iterdir()) == sorted(clutter)  # untouched, and no report beside them


def test_the_pull_says_what_a_file_replaced_as_the_load_command_does(runtime):
    inbox = runtime.settings.inbox_dir / "prestera"
    inbox.mkdir(parents=True)
    (inbox / "march.csv").write_bytes(csv_bytes(prestera_month("2026-03", base=4)))
    pull_all(runtime, partner="prestera")
    (inbox / "march-corrected.csv").write_bytes(csv_bytes(prestera_month("2026-03", base=6)))
    outcome = pull_all(runtime, partner="prestera")
    [report] = outcome.files
    before = report.replaced["2026-03"]
    assert before == totals(prestera_month("2026-03", base=4))
    assert (f"  replaced 2026-03: referrals {before['referrals']:,}, "
            f"assessments_completed {before['assessments_completed']:,}, enrolled {before['enrolled']:,}"
            ) in outcome.lines()
    assert outcome.lines()[-1].startswith("  replaced 2026-03")  # under its file's line, as `load` prints it


def test_only_the_named_partner_is_pulled(runtime):
    outcome = pull_all(runtime, partner="seneca")
    assert [s.partner for s in outcome.sources] == ["seneca"]


def _oversized(path: Path, megabytes: float) -> bytes:
    """A CSV of about ``megabytes``: a valid header, then padding in the notes column."""
    data = csv_bytes(prestera_month()) + b"2026-03,Kanawha,arrest_diversion,1,1,1,x\r\n" * int(megabytes * 25_000)
    path.write_bytes(data)
    return data


def test_a_file_over_the_limit_is_refused_with_its_real_size_and_hash(database_url, tmp_path):
    runtime = open_runtime(environment(database_url, tmp_path / "data", LEAD_MAX_FILE_MB="1"), upgrade=True)
    inbox = runtime.settings.inbox_dir / "prestera"
    inbox.mkdir(parents=True)
    data = _oversized(inbox / "backfill.csv", 3.2)
    [report] = pull_all(runtime).files
    assert report.status == "rejected" and report.byte_size == len(data)
    assert report.sha256 == hashlib.sha256(data).hexdigest()  # the whole file's, read a block at a time
    assert [e.message for e in report.errors] == [f"the file is {len(data) / 2**20:.1f} MB; the limit is 1.0 MB"]
    assert json.loads((inbox / "backfill.csv.report.json").read_text())["sha256"] == report.sha256
    assert pull_all(runtime).files == []  # not tried again until it changes
    assert not runtime.settings.archive_dir.exists()  # never archived: refused before anything is written


def test_a_file_just_over_the_limit_says_by_how_many_bytes(database_url, tmp_path):
    runtime = open_runtime(environment(database_url, tmp_path / "data", LEAD_MAX_FILE_MB="1"), upgrade=True)
    inbox = runtime.settings.inbox_dir / "prestera"
    inbox.mkdir(parents=True)
    (inbox / "edge.csv").write_bytes(b"x" * (2**20 + 1))
    [report] = pull_all(runtime).files
    assert report.errors[0].message == "the file is 1,048,577 bytes; the limit is 1,048,576 bytes"


def test_an_archive_that_cannot_be_written_fails_each_file_and_stops_nothing(runtime):
    runtime.settings.data_dir.mkdir(parents=True, exist_ok=True)
    runtime.settings.archive_dir.write_text("a file where the archive's folder should be")
    for code, rows in (("prestera", prestera_month()), ("seneca", [row(county="Greenbrier")])):
        inbox = runtime.settings.inbox_dir / code
        inbox.mkdir(parents=True)
        (inbox / "march.csv").write_bytes(csv_bytes(rows))
    outcome = pull_all(runtime)
    failed = {s.partner: s.message for s in outcome.sources if s.status == "failed"}
    assert set(failed) == {"prestera", "seneca"}  # each partner's file tried and reported
    assert all("Not a directory" in m and "left in the inbox" in m for m in failed.values())
    assert outcome.files == [] and outcome.exit_status == 1
    for code in ("prestera", "seneca"):
        inbox = runtime.settings.inbox_dir / code
        assert [p.name for p in inbox.iterdir()] == ["march.csv"]  # no report: tried again next time
    runtime.settings.archive_dir.unlink()
    assert sorted(f.status for f in pull_all(runtime).files) == ["loaded", "loaded"]


def test_a_source_that_raises_does_not_stop_the_others(runtime, monkeypatch, caplog):
    import etl.sources.folder

    pull_folder = etl.sources.folder.pull_folder

    def broken_for_seneca(runtime_, code, outcome):  # stands in for a bug in one source
        if code == "seneca":
            raise RuntimeError("something no one foresaw")
        pull_folder(runtime_, code, outcome)

    monkeypatch.setattr(etl.sources.folder, "pull_folder", broken_for_seneca)
    inbox = runtime.settings.inbox_dir / "prestera"
    inbox.mkdir(parents=True)
    (inbox / "march.csv").write_bytes(csv_bytes(prestera_month()))
    outcome = pull_all(runtime)
    assert [f.status for f in outcome.files] == ["loaded"]
    [failed] = [s for s in outcome.sources if s.status == "failed"]
    assert failed.partner == "seneca" and "RuntimeError: something no one foresaw" in failed.message
    assert "seneca folder: the pull failed" in caplog.text
