"""The hostile corpus (tests/data/hostile) through the real pipeline, and the big inputs through the CLI.

Each small input goes through ``process_file`` on SQLite and PostgreSQL and ends as its manifest
says: ``refused`` (one clear message, nothing written, not even the archive), ``rejected`` (its
report names the rule; recorded and archived, no count written) or ``loaded`` (its notes stored
exactly as sent). Nothing raises and nothing hangs (an alarm fails a file after 20 s).

The big inputs (generated at test time by ``generate.big_files``) run through
``python -m etl validate --json`` in a child process, so that its peak memory can be measured
with ``getrusage(RUSAGE_CHILDREN)``. The bound, per file: the same command's peak on a one-line
file (the interpreter, pandas, SQLAlchemy, openpyxl: ~200 MB here) plus 12 times the bytes the
command reads plus 64 MB. Reading holds the bytes, the decoded text and pandas' columns of it,
and validation a few arrays per column: measured 9 times the file for the 1,000,000-row file,
2 to 9 times for the others. A zip bomb that were inflated, or a file over the limit that were
read whole, would break the bound by hundreds of megabytes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import ROOT, TODAY
from tests.intake import run, shared_runtime, stored_notes, written

__all__ = ["shared_runtime"]  # a fixture used by the tests below

HOSTILE = ROOT / "tests" / "data" / "hostile"
MANIFEST = json.loads((HOSTILE / "manifest.json").read_text(encoding="utf-8"))
sys.path.insert(0, str(HOSTILE))
from generate import big_files  # noqa: E402  (the generator lives beside its data, not in a package)

PER_FILE_SECONDS = 20
BIG_LIMIT_MB = 50  # LEAD_MAX_FILE_MB for the big inputs: the 40 MB file passes, the 60 MB one does not


@pytest.fixture(autouse=True)
def alarm() -> Iterator[None]:
    """Fail, rather than hang, a test that runs past PER_FILE_SECONDS."""
    def timeout(signum, frame):
        raise TimeoutError(f"the pipeline took more than {PER_FILE_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(PER_FILE_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_the_corpus_has_at_least_40_inputs_and_a_manifest_entry_for_each():
    files = {p.name for p in HOSTILE.iterdir() if p.is_file()} - {"manifest.json", "generate.py", "README.md"}
    assert files == set(MANIFEST)
    assert len(MANIFEST) + 8 >= 40  # plus the 8 big inputs generated at test time
    assert {e["outcome"] for e in MANIFEST.values()} == {"refused", "rejected", "loaded"}
    assert all(p.stat().st_size < 200 * 1024 for p in HOSTILE.iterdir())


def notes_in(name: str, data: bytes) -> list[str]:
    """The notes of an accepted input, read independently of etl.read (csv module, openpyxl)."""
    if name.endswith(".xlsx"):
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        return [r[6] for r in list(sheet.iter_rows(values_only=True))[1:] if r[6] is not None]
    for encoding in ("utf-16", "utf-8-sig", "cp1252"):
        if encoding != "utf-16" or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    delimiter = ";" if text.split("\n")[0].count(";") > 1 else ","
    return [r[6] for r in list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))[1:] if r[6]]


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_each_hostile_input_ends_as_its_manifest_says(shared_runtime, name):
    expect = MANIFEST[name]
    data = (HOSTILE / name).read_bytes()
    before = written(shared_runtime)
    report = run(shared_runtime, data, name=name)
    after = written(shared_runtime)
    codes = [e.code for e in report.errors]
    assert all(e.message and len(e.message) < 400 for e in report.errors)
    if expect["outcome"] == "refused":
        assert report.status == "rejected"
        assert codes == [expect["code"]], [str(e) for e in report.errors]  # one clear message
        assert after == before
    elif expect["outcome"] == "rejected":
        assert report.status == "rejected"
        assert expect["code"] in codes, [str(e) for e in report.errors]
        assert (after.submissions, after.count_rows) == (before.submissions + 1, before.count_rows)
        assert report.sha256 in after.archived
    else:
        assert report.status == "loaded", [str(e) for e in report.errors]
        assert stored_notes(shared_runtime, report.submission_id) == expect["notes"] == notes_in(name, data)


@pytest.fixture(scope="module")
def big_inputs(tmp_path_factory) -> list[tuple[Path, dict]]:
    return big_files(tmp_path_factory.mktemp("hostile-big"))


def peak_rss_of_validate(path: Path, tmp_path: Path) -> tuple[dict, int]:
    """Run ``python -m etl validate --json`` on ``path`` in a child; (its file report, peak RSS in bytes).

    A wrapper process runs the command, so RUSAGE_CHILDREN holds exactly that one command's peak.
    """
    environment = dict(os.environ, LEAD_DATABASE_URL=f"sqlite:///{tmp_path / 'lead.db'}",
                       LEAD_DATA_DIR=str(tmp_path / "data"), LEAD_TODAY=TODAY,
                       LEAD_PROGRAM_FILE=str(ROOT / "programs" / "west_virginia.toml"),
                       LEAD_MAX_FILE_MB=str(BIG_LIMIT_MB))
    wrapper = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, timeout=120)\n"
        "sys.stderr.buffer.write(done.stderr)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.stdout.buffer.write(done.stdout)\n"
    )
    command = [sys.executable, "-m", "etl", "validate", "--partner", "prestera", "--json", str(path)]
    done = subprocess.run([sys.executable, "-c", wrapper, *command], capture_output=True, env=environment,
                          cwd=ROOT, timeout=150, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    first, _, rest = done.stdout.partition(b"\n")
    assert not done.stderr.strip(), done.stderr.decode(errors="replace")[-2000:]  # no traceback
    return json.loads(rest)["files"][0], int(first) * 1024  # Linux reports ru_maxrss in KB


@pytest.fixture(scope="module")
def database_ready(tmp_path_factory) -> Path:
    """A migrated SQLite database for the CLI runs (validate writes nothing, so one is enough)."""
    folder = tmp_path_factory.mktemp("cli")
    environment = dict(os.environ, LEAD_DATABASE_URL=f"sqlite:///{folder / 'lead.db'}",
                       LEAD_DATA_DIR=str(folder / "data"), LEAD_TODAY=TODAY)
    subprocess.run([sys.executable, "-m", "etl", "db", "upgrade"], env=environment, cwd=ROOT, check=True,
                   capture_output=True, timeout=120)
    return folder


@pytest.fixture(scope="module")
def baseline_rss(database_ready) -> int:
    report, rss = peak_rss_of_validate(HOSTILE / "header_only.csv", database_ready)
    assert report["errors"][0]["code"] == "no-data"
    return rss


BIG_NAMES = ["one_line_10mb.csv", "million_columns_header.csv", "million_columns_row.csv", "notes_10mb_cell.csv",
             "zip_bomb_300mb.xlsx", "zip_bomb_ratio.xlsx", "million_rows.csv", "over_the_limit.csv"]


@pytest.mark.parametrize("name", BIG_NAMES)
def test_big_inputs_are_reported_with_bounded_memory(big_inputs, database_ready, baseline_rss, name, capsys):
    signal.alarm(180)  # a subprocess on a busy machine: the child has its own 120 s timeout
    path, expect = next((p, e) for p, e in big_inputs if p.name == name)
    report, rss = peak_rss_of_validate(path, database_ready)
    assert report["status"] == "invalid"
    assert expect["code"] in [e["code"] for e in report["errors"]]
    assert all(e["value"] is None or len(e["value"]) <= 120 for e in report["errors"])
    assert all(len(e["message"]) < 400 for e in report["errors"])
    read_bytes = min(path.stat().st_size, BIG_LIMIT_MB * 1024 * 1024 + 1)
    bound = baseline_rss + 12 * read_bytes + 64 * 1024 * 1024
    with capsys.disabled():  # the measured numbers, for the record (pytest -s shows them too)
        print(f"\n  {name}: {path.stat().st_size / 2**20:.1f} MB, peak RSS {rss / 2**20:.0f} MB "
              f"(baseline {baseline_rss / 2**20:.0f} MB, bound {bound / 2**20:.0f} MB)")
    assert rss <= bound
