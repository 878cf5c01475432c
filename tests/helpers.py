"""Small helpers the tests share: partner files written the way partners write them."""

from __future__ import annotations

import csv
import io

from etl.contract import COLUMN_NAMES, COUNT_COLUMNS

HEADER = ",".join(COLUMN_NAMES)


def csv_bytes(rows: list[dict], header: list[str] | None = None, delimiter: str = ",",
              encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header or list(COLUMN_NAMES), delimiter=delimiter,
                            lineterminator=newline, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def row(month="2026-03", county="Kanawha", referral_type="arrest_diversion", referrals=4,
        assessments_completed=3, enrolled=4, notes="") -> dict:
    return {"month": month, "county": county, "referral_type": referral_type, "referrals": referrals,
            "assessments_completed": assessments_completed, "enrolled": enrolled, "notes": notes}


def prestera_month(month: str = "2026-03", base: int = 4) -> list[dict]:
    """A complete month for the sample partner 'prestera' (Kanawha, Jackson, Wood; both pathways)."""
    rows = []
    for offset, county in enumerate(("Kanawha", "Jackson", "Wood")):
        for pathway in ("arrest_diversion", "social_contact"):
            n = base + offset
            rows.append(row(month, county, pathway, n, n - 1, n))
    return rows


def totals(rows: list[dict]) -> dict[str, int]:
    return {c: sum(int(r[c]) for r in rows) for c in COUNT_COLUMNS}


def demo_file_totals(demo_dir) -> dict[str, dict[str, int]]:
    """Counts per pathway summed with the csv module over the current demo file of each partner and month.

    The demo's rules: a ``_rejected`` file never loaded and a ``_corrected`` file replaced its month.
    """
    from pathlib import Path

    current: dict[tuple[str, str], Path] = {}
    for path in sorted(Path(demo_dir).glob("*/*.csv")):
        if path.stem.endswith("_rejected"):
            continue
        partner, month = path.parent.name, path.stem.split("_")[1]
        if path.stem.endswith("_corrected") or (partner, month) not in current:
            current[(partner, month)] = path
    sums: dict[str, dict[str, int]] = {}
    for path in current.values():
        with path.open(encoding="utf-8") as handle:
            for record in csv.DictReader(handle):
                counter = sums.setdefault(record["referral_type"], dict.fromkeys(COUNT_COLUMNS, 0))
                for column in COUNT_COLUMNS:
                    counter[column] += int(record[column])
    return sums
