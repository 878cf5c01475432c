"""The web upload's code path: check a file, preview what it would change, load it.

Both steps call ``etl.pipeline.process_file``, the one function every front door uses, so a
file checked here gets the same report as ``python -m etl validate`` / ``load``. Leadership and
partners uploading for another partner are refused here with PermissionError, whatever the page
shows. No streamlit here.
"""

from __future__ import annotations

import pandas as pd

from dashboard.viewer import COORDINATOR, Viewer
from etl.contract import COUNT_COLUMNS
from etl.pipeline import Intake, process_file
from etl.report import FileReport
from etl.runtime import Runtime
from etl.settings import UPLOAD_MAX_BYTES

UPLOAD_TYPES = ("csv", "xlsx")


def require_upload_right(viewer: Viewer, partner_code: str) -> None:
    """Raise PermissionError unless ``viewer`` may send files for ``partner_code``."""
    if not viewer.can_upload:
        raise PermissionError(f"{viewer.login!r} ({viewer.role}) has read-only access and cannot upload files")
    if viewer.role != COORDINATOR and viewer.partner_code != partner_code:
        raise PermissionError(f"{viewer.login!r} may upload files for {viewer.partner_code!r} only")


def upload_partners(viewer: Viewer, runtime: Runtime) -> list[str]:
    """The partner codes ``viewer`` may upload for: every active partner, its own, or none."""
    if not viewer.can_upload:
        return []
    codes = [p.code for p in runtime.program.partners]
    return codes if viewer.role == COORDINATOR else [c for c in codes if c == viewer.partner_code]


def check_upload(runtime: Runtime, viewer: Viewer, partner_code: str, filename: str, data: bytes) -> FileReport:
    """Validate the file and preview what loading it would replace; writes nothing."""
    require_upload_right(viewer, partner_code)
    return _process(runtime, viewer, partner_code, filename, data, load=False)


def load_upload(runtime: Runtime, viewer: Viewer, partner_code: str, filename: str, data: bytes) -> FileReport:
    """Validate, archive and load the file (rejected whole if any row is invalid), as the viewer."""
    require_upload_right(viewer, partner_code)
    return _process(runtime, viewer, partner_code, filename, data, load=True)


def _process(runtime: Runtime, viewer: Viewer, partner_code: str, filename: str, data: bytes,
             load: bool) -> FileReport:
    settings = runtime.settings
    return process_file(runtime.engine, runtime.program, partner_code=partner_code, filename=filename, data=data,
                        intake=Intake(source="upload", received_by=viewer.login), archive_dir=settings.archive_dir,
                        today=settings.today, max_bytes=UPLOAD_MAX_BYTES, load=load)


def change_preview(report: FileReport) -> pd.DataFrame:
    """What loading a valid file changes, one row per count: now loaded (for the file's months) and after.

    ``replaced`` holds the current totals of the file's months that already have data; months
    without data count as 0 now. After loading, those months hold exactly the file's totals.
    """
    rows = []
    for column in COUNT_COLUMNS:
        before = sum(month.get(column, 0) for month in report.replaced.values())
        after = int(report.totals.get(column, 0))
        rows.append({"count": column, "loaded now": before, "after loading this file": after,
                     "change": after - before})
    return pd.DataFrame(rows, columns=["count", "loaded now", "after loading this file", "change"])


def months_preview(report: FileReport) -> pd.DataFrame:
    """One row per month in the file: whether it replaces data already loaded, and that data's totals."""
    rows = []
    for month in report.months:
        current = report.replaced.get(month)
        effect = "new month" if not current else (
            "the same as loaded now" if report.already_current else "replaces data loaded earlier")
        rows.append({"month": month, "effect": effect,
                     **{f"{c} now": (current or {}).get(c, 0) for c in COUNT_COLUMNS}})
    return pd.DataFrame(rows, columns=["month", "effect", *(f"{c} now" for c in COUNT_COLUMNS)])
