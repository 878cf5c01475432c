"""The pull job's inputs: each partner's inbox folder (``folder``) and HTTPS export (``https``).

``pull_all`` visits every configured source; a failing source is reported and does not stop
the others. Every file goes through ``etl.pipeline.process_file``, like any other front door.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from etl.report import FileReport
from etl.runtime import Runtime

if TYPE_CHECKING:
    from etl.sources.https import HttpPolicy

log = logging.getLogger(__name__)


@dataclass
class SourceResult:
    partner: str
    source: str  # "folder" or "url"
    status: str  # "ok", "unchanged", "failed"
    message: str = ""

    def to_dict(self) -> dict:
        return {"partner": self.partner, "source": self.source, "status": self.status, "message": self.message}


@dataclass
class PullOutcome:
    files: list[FileReport] = field(default_factory=list)
    sources: list[SourceResult] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        failed = any(s.status == "failed" for s in self.sources)
        return 1 if failed or any(not f.ok for f in self.files) else 0

    def to_dict(self) -> dict:
        return {"files": [f.to_dict() for f in self.files], "sources": [s.to_dict() for s in self.sources]}

    def lines(self) -> list[str]:
        lines = [f"{s.partner} {s.source}: {s.status}" + (f": {s.message}" if s.message else "")
                 for s in self.sources]
        for report in self.files:
            first, *rest = report.lines()
            lines.append(f"{report.partner}: {first}")
            lines.extend(rest)
        return lines or ["no sources configured"]


def pull_all(runtime: Runtime, partner: str | None = None, *, http: HttpPolicy | None = None) -> PullOutcome:
    """Pull every configured source (only ``partner``'s, if given); ``http``: time-outs and retries."""
    from etl.sources.folder import pull_folder
    from etl.sources.https import DEFAULT_POLICY, pull_https

    outcome = PullOutcome()
    for config in runtime.program.partners:
        if partner and config.code != partner:
            continue
        if config.inbox:
            _guarded(outcome, config.code, "folder", pull_folder, runtime, config.code, outcome)
        if config.export_url:
            _guarded(outcome, config.code, "url", pull_https, runtime, config, outcome, http or DEFAULT_POLICY)
    return outcome


def _guarded(outcome: PullOutcome, partner: str, source: str, pull: Callable[..., None], *args) -> None:
    """``pull(*args)`` for one source; whatever it raises is that source's failure, not the whole
    job's: a cron job goes on to the other partners' sources."""
    try:
        pull(*args)
    except Exception as error:
        log.exception("%s %s: the pull failed", partner, source)
        outcome.sources.append(SourceResult(partner, source, "failed",
                                            f"unexpected error ({type(error).__name__}: {error}); see the log"))
