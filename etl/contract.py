"""The partner CSV contract, version 1 (DESIGN.md section 3): columns, their rules, the template."""

from __future__ import annotations

import re
from dataclasses import dataclass

CONTRACT_VERSION = 1
MAX_NOTES_CHARS = 500
COUNT_COLUMNS = ("referrals", "assessments_completed", "enrolled")
ROW_COLUMN = "_row"  # beside the contract's columns as read: the Excel row number of each data row (header = row 1)


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    accepted: str
    description: str
    example: str


COLUMNS = (
    Column("month", True, "`YYYY-MM`; also `YYYY-MM-DD` (any day: the month is taken), `MM/YYYY`, `Mon YYYY`",
           "The calendar month the counts are for. Not in the future, not before the program's start.",
           "2026-03"),
    Column("county", True, "county name with or without \" County\", any case, or 5-digit FIPS",
           "A county of the partner's own region.", ""),  # filled from the program: see template_csv
    Column("referral_type", True,
           "`arrest_diversion` / `social_contact` (also \"arrest\", \"social\", \"social contact referral\")",
           "The referral pathway: diverted at the point of arrest, or referred without an arrest.",
           "arrest_diversion"),
    Column("referrals", True, "whole number >= 0",
           "People referred to LEAD in this county, month and pathway.", "4"),
    Column("assessments_completed", True, "whole number >= 0 and <= referrals",
           "Of this month's referrals, how many completed the case-management assessment within 30 days.",
           "3"),
    Column("enrolled", True, "whole number >= 0 and <= referrals",
           "Of this month's referrals, how many enrolled in case management.", "4"),
    Column("notes", False, f"free text, at most {MAX_NOTES_CHARS} characters",
           "Anything the state should know about these numbers. Never names, dates of birth or case numbers.",
           ""),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
REQUIRED_COLUMNS = tuple(c.name for c in COLUMNS if c.required)
_HEADER_SPACES = re.compile(r"[\s_]+")


def normalise_header(name: object) -> str:
    """'Referral Type ' -> 'referral_type': headers are case- and space-insensitive."""
    return _HEADER_SPACES.sub("_", str(name).strip().lstrip("\ufeff").lower()).strip("_")


def template_csv(example_county: str) -> str:
    """The CSV template partners fill in: the header and one example row for ``example_county``
    (a county of the partner's own region: the program file decides, not this module)."""
    header = ",".join(COLUMN_NAMES)
    example = ",".join(example_county if c.name == "county" else c.example for c in COLUMNS)
    return f"{header}\r\n{example}\r\n"


def data_dictionary_markdown() -> str:
    """The data dictionary (docs/data-dictionary.md is this text; a test keeps them equal)."""
    lines = [
        "# Data dictionary: the partner file (contract version 1)",
        "",
        "One row per county, month and referral pathway. Header names are case- and space-insensitive",
        "(`Referral Type` is `referral_type`). Files may be CSV (UTF-8 with or without BOM, or",
        "Windows-1252; comma or semicolon; CRLF or LF) or Excel `.xlsx` (first sheet).",
        "Only aggregate counts: never names, dates of birth or case numbers.",
        "",
        "| column | required | accepted values | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for c in COLUMNS:
        lines.append(f"| `{c.name}` | {'yes' if c.required else 'no'} | {c.accepted} | {c.description} |")
    lines += [
        "",
        "## Rules",
        "",
        "- A file with any invalid row is rejected whole: nothing is loaded, and every problem is",
        "  listed at once with its row number as Excel shows it (the header is row 1), the column,",
        "  the value and what would be right.",
        "- Unknown columns and missing required columns are errors.",
        "- The same county, month and referral type twice in one file is an error.",
        "- Counts are whole numbers without separators (`1200`, not `1,200`; `3.5` and `-1` are errors).",
        "- Fully empty rows are skipped; a \"Total\" row is an error (it is not a county).",
        "- Notes may hold any text, including line breaks and tabs, but no invisible control characters.",
        "- A file that is not a table (empty, an image, binary, UTF-16 without a byte-order mark, a damaged",
        "  or oversized workbook, over the size limit) is refused with one message and not stored.",
        "- Sending a month again replaces all your numbers for that month, so send the whole month (every",
        "  county and referral type), not only the corrected row; the earlier file stays archived.",
        "- Each county's month is reported by one partner: a row for a county, month and referral type",
        "  that another partner has already sent is an error (ask the state coordinator if a county has",
        "  moved between regions).",
        "- Text is stored as sent and never run: on every export a cell starting with `=`, `+`, `-`, `@`,",
        "  a tab or a carriage return is prefixed with `'` so spreadsheets do not treat it as a formula.",
        "",
        "Get the template with `python -m etl template` or from the app's Upload page.",
        "",
    ]
    return "\n".join(lines)
