"""A partner's inbox folder: ``LEAD_DATA_DIR/inbox/<code>/``.

Files are loaded in name order. A loaded (or already loaded) file is moved to
``LEAD_DATA_DIR/processed/<code>/``; a rejected one stays in the inbox with its report beside it
(``<name>.report.json``) and is not tried again until its content changes. A file that could not
be loaded because the database was unavailable stays in the inbox with no report: the next pull
tries it again. Partners should copy a file in under a temporary name starting with '.' or ending
in '.part' and rename it when complete. Excel's lock files ('~$...') and Windows' Thumbs.db and
desktop.ini are not partner files and are left alone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from etl.db import error_reason
from etl.errors import describe_os_error
from etl.pipeline import Intake, process_file
from etl.read import read_file
from etl.runtime import Runtime

REPORT_SUFFIX = ".report.json"
# What Windows Explorer leaves in a shared folder; Excel's lock files ('~$name.xlsx', present while
# a partner has the file open) are skipped by their prefix.
SYSTEM_FILES = {"thumbs.db", "desktop.ini"}


def _pending(inbox: Path) -> list[Path]:
    files = []
    for path in sorted(inbox.iterdir()):
        name = path.name
        if (not path.is_file() or path.is_symlink() or name.startswith((".", "~$"))
                or name.endswith((".part", ".tmp", REPORT_SUFFIX)) or name.lower() in SYSTEM_FILES):
            continue
        files.append(path)
    return files


def _already_rejected(path: Path, sha256: str) -> bool:
    report = path.with_name(path.name + REPORT_SUFFIX)
    if not report.exists():
        return False
    try:
        return json.loads(report.read_text(encoding="utf-8")).get("sha256") == sha256
    except (OSError, ValueError):
        return False


def pull_folder(runtime: Runtime, code: str, outcome) -> None:
    from etl.sources import SourceResult

    settings = runtime.settings
    inbox = settings.inbox_dir / code
    processed = settings.data_dir / "processed" / code
    try:
        inbox.mkdir(parents=True, exist_ok=True)
        pending = _pending(inbox)
    except OSError as error:
        outcome.sources.append(SourceResult(code, "folder", "failed", f"cannot read {inbox}: {error}"))
        return
    loaded = 0
    for path in pending:
        try:
            contents = read_file(path, settings.max_file_bytes)
        except OSError as error:
            outcome.sources.append(SourceResult(code, "folder", "failed", f"cannot read {path.name}: {error}"))
            continue
        if _already_rejected(path, contents.sha256):
            continue
        try:
            report = process_file(
                runtime.engine, runtime.program, partner_code=code, filename=path.name, data=contents,
                intake=Intake(source="folder", received_by="pull:folder"), archive_dir=settings.archive_dir,
                today=settings.today, max_bytes=settings.max_file_bytes,
            )
        except DBAPIError as error:
            # The database went away mid-file: its transaction rolled back whole, so the file is
            # left where it is, with no report, and the next pull tries it again.
            outcome.sources.append(SourceResult(
                code, "folder", "failed",
                f"{path.name}: database unavailable ({error_reason(error)}); nothing loaded from it, "
                "left in the inbox for the next pull"))
            continue
        except OSError as error:  # the archive could not be written: raised before the load began
            outcome.sources.append(SourceResult(
                code, "folder", "failed",
                f"{path.name}: {describe_os_error(error)}; nothing loaded from it, left in the inbox for the "
                "next pull"))
            continue
        outcome.files.append(report)
        report_path = path.with_name(path.name + REPORT_SUFFIX)
        try:
            if report.ok:
                processed.mkdir(parents=True, exist_ok=True)
                stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
                os.replace(path, processed / f"{stamp}_{path.name}")
                loaded += 1
                report_path.unlink(missing_ok=True)
            else:
                report_path.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
        except OSError as error:
            # The database already holds the outcome; the next pull finds the file already loaded
            # (or rejected again) and tries the move or the report once more.
            outcome.sources.append(SourceResult(
                code, "folder", "failed", f"{path.name}: {report.status}, but {describe_os_error(error)}"))
    outcome.sources.append(SourceResult(code, "folder", "ok", f"{len(pending)} file(s) found, {loaded} loaded"))
