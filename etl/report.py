"""The report every front door returns: one FileReport per file, each problem an Issue.

Bad data is a report, never an exception. JSON shape as in DESIGN.md section 4.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# A file with a million bad rows must not produce a million messages; the count stays exact.
MAX_ISSUES = 10_000
VALID, INVALID, LOADED, REJECTED, ALREADY_LOADED = "valid", "invalid", "loaded", "rejected", "already_loaded"


@dataclass(frozen=True)
class Issue:
    """One problem: Excel row number (None: the whole file), contract column, value, code, message."""

    row: int | None
    column: str | None
    value: str | None
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "code": self.code,
                "message": self.message}

    def __str__(self) -> str:
        where = ", ".join(p for p in (f"row {self.row}" if self.row else "", self.column or "") if p)
        return f"{where}: {self.message}" if where else self.message


@dataclass
class FileReport:
    file: str
    partner: str
    sha256: str = ""
    byte_size: int = 0
    status: str = VALID
    rows: int = 0
    months: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[Issue] = field(default_factory=list)
    error_count: int = 0
    submission_id: int | None = None
    message: str = ""
    already_current: bool = False  # a check found the file's rows already loaded: a load would change nothing

    @property
    def valid(self) -> bool:
        return self.error_count == 0

    @property
    def ok(self) -> bool:
        return self.status in (VALID, LOADED, ALREADY_LOADED)

    def add(self, issue: Issue) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ISSUES:
            self.errors.append(issue)

    def extend(self, issues: list[Issue], total: int | None = None) -> None:
        """Add issues; ``total`` is their real number when only the first ones were built."""
        room = max(MAX_ISSUES - len(self.errors), 0)
        self.errors.extend(issues[:room])
        self.error_count += len(issues) if total is None else total

    def to_dict(self) -> dict[str, Any]:
        data = {
            "file": self.file, "partner": self.partner, "sha256": self.sha256, "status": self.status,
            "rows": self.rows, "months": self.months, "totals": self.totals, "replaced": self.replaced,
            "errors": [e.to_dict() for e in self.errors], "error_count": self.error_count,
            "submission_id": self.submission_id,
        }
        if self.message:
            data["message"] = self.message
        if self.already_current:
            data["already_current"] = True
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileReport:
        errors = [Issue(**e) for e in data.get("errors", [])]
        return cls(file=data.get("file", ""), partner=data.get("partner", ""), sha256=data.get("sha256", ""),
                   status=data.get("status", ""), rows=data.get("rows", 0), months=data.get("months", []),
                   totals=data.get("totals", {}), replaced=data.get("replaced", {}), errors=errors,
                   error_count=data.get("error_count", len(errors)),
                   submission_id=data.get("submission_id"), message=data.get("message", ""),
                   already_current=data.get("already_current", False))

    def errors_frame(self) -> pd.DataFrame:
        """The problems as a table: row, column, value, problem."""
        return pd.DataFrame(
            [(e.row, e.column, e.value, e.message) for e in self.errors],
            columns=["row", "column", "value", "problem"],
        ).astype({"row": "Int64"})

    def summary(self) -> str:
        """One line for a person: what happened to the file."""
        months = f"{self.months[0]}..{self.months[-1]}" if len(self.months) > 1 else "".join(self.months)
        if self.status in (INVALID, REJECTED):
            more = f" (first {len(self.errors)} listed)" if self.error_count > len(self.errors) else ""
            verdict = "rejected, nothing loaded" if self.status == REJECTED else "invalid"
            return f"{self.file}: {verdict}: {self.error_count} problem(s){more}"
        totals = ", ".join(f"{k} {v:,}" for k, v in self.totals.items())
        text = {VALID: "valid", LOADED: "loaded", ALREADY_LOADED: "already loaded, nothing changed"}[self.status]
        line = f"{self.file}: {text}: {self.rows:,} rows, months {months or '-'}; {totals}"
        if self.message:
            line += f"; {self.message}"
        elif self.replaced:
            verb = "would replace" if self.status == VALID else "replaced"
            line += f"; {verb} {len(self.replaced)} month(s) of earlier data"
        return line

    def lines(self) -> list[str]:
        """The report as a person reads it: the summary, then each problem, then what was replaced."""
        lines = [self.summary()]
        lines.extend(f"  {issue}" for issue in self.errors)
        if not self.already_current:
            verb = "would replace" if self.status == VALID else "replaced"
            lines.extend(f"  {verb} {month}: " + ", ".join(f"{k} {v:,}" for k, v in before.items())
                         for month, before in self.replaced.items())
        return lines


@dataclass
class Report:
    files: list[FileReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    @property
    def exit_status(self) -> int:
        return 0 if self.ok else 1

    def to_dict(self) -> dict[str, Any]:
        return {"files": [f.to_dict() for f in self.files]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
