import json

from etl.sources import pull_all
from tests.helpers import csv_bytes, prestera_month, row


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


def test_only_the_named_partner_is_pulled(runtime):
    outcome = pull_all(runtime, partner="seneca")
    assert [s.partner for s in outcome.sources] == ["seneca"]
