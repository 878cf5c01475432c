"""Table -> validated rows and issues: every rule of the contract, vectorised.

Rules run on whole columns (text columns are factorised, so a month or county spelling is parsed
once however many rows repeat it); messages are built only for the rows that fail. Nothing here
raises on bad data: problems are ``Issue``s.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl.contract import COLUMN_NAMES, COUNT_COLUMNS, MAX_NOTES_CHARS, REQUIRED_COLUMNS, ROW_COLUMN
from etl.names import CountyNames, pathway_message, resolve_pathway, shorten, suggest
from etl.program import Program
from etl.report import MAX_ISSUES, Issue

MAX_COUNT = 2_147_483_647  # the database column is a 32-bit integer
_MONTH_NAMES = {name: i for i, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_YYYY_MM = re.compile(r"(\d{4})-(\d{1,2})")
_YYYY_MM_DD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][0-9:.]*)?")
_MM_YYYY = re.compile(r"(\d{1,2})/(\d{4})")
_MON_YYYY = re.compile(r"([A-Za-z]{3,9})\.?[ -](\d{4})")
_EXCEL_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")  # how US Excel writes a date back to CSV
_EXCEL_MON_YY = re.compile(r"([A-Za-z]{3})-(\d{2})")  # how Excel shows "2026-10" once it took it for a date
_THOUSANDS = re.compile(r"\d{1,3}([,.\s]\d{3})+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TOTAL = re.compile(r"(grand )?totals?:?|all counties|sum", re.IGNORECASE)


@dataclass
class Validation:
    """What the validator found: issues (first MAX_ISSUES built, count exact) and clean rows."""

    issues: list[Issue] = field(default_factory=list)
    issue_count: int = 0
    rows: pd.DataFrame | None = None  # county_fips, month (YYYY-MM-01), pathway, counts, notes, _row

    @property
    def valid(self) -> bool:
        return self.issue_count == 0


class _Issues:
    def __init__(self) -> None:
        self.items: list[Issue] = []
        self.count = 0

    def add(self, issue: Issue) -> None:
        self.count += 1
        if len(self.items) < MAX_ISSUES:
            self.items.append(issue)

    def rows(self, mask: np.ndarray, frame: pd.DataFrame, column: str, code: str, message) -> None:
        """One issue per row where ``mask`` holds; ``message(value, position)`` is called only for those."""
        positions = np.flatnonzero(mask)
        self.count += len(positions)
        room = MAX_ISSUES - len(self.items)
        if room <= 0 or not len(positions):
            return
        positions = positions[:room]
        # Only the failing cells are taken out of the frame (a whole text column costs ~80 ms/1M rows).
        rows = frame[ROW_COLUMN].to_numpy()
        values = frame[column].iloc[positions].to_numpy(dtype=object) if column in frame.columns else None
        for k, position in enumerate(positions):
            text = _cell_text(None if values is None else values[k])
            shown = None if text is None else shorten(text)
            self.items.append(Issue(int(rows[position]), column, shown, code, message(text, position)))


def _cell_text(value: object) -> str | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)


def parse_month(text: str) -> dt.date | None:
    """First day of the month a cell names, for every format the contract accepts; else None."""
    value = text.strip()
    for pattern, year_group, month_group in ((_YYYY_MM, 1, 2), (_MM_YYYY, 2, 1)):
        if match := pattern.fullmatch(value):
            return _first_of(int(match.group(year_group)), int(match.group(month_group)))
    if match := _YYYY_MM_DD.fullmatch(value):
        year, month, day = (int(g) for g in match.groups())
        try:
            dt.date(year, month, day)
        except ValueError:
            return None
        return _first_of(year, month)
    if match := _MON_YYYY.fullmatch(value):
        name = match.group(1).lower()
        number = _MONTH_NAMES.get(name[:3])
        full = dt.date(2000, number, 1).strftime("%B").lower() if number else ""
        if number and (len(name) == 3 or full.startswith(name) or name == "sept"):
            return _first_of(int(match.group(2)), number)
    return None


def _first_of(year: int, month: int) -> dt.date | None:
    return dt.date(year, month, 1) if 1 <= month <= 12 and 1900 <= year <= 9999 else None


def validate_table(frame: pd.DataFrame, program: Program, partner_code: str, today: dt.date) -> Validation:
    """Check every row of ``frame`` (as ``etl.read`` made it) for ``partner_code``; never raises."""
    issues = _Issues()
    present = [c for c in frame.columns if c != ROW_COLUMN]
    for name in present:
        if not name:  # read.py drops empty unnamed columns; this one holds values
            issues.add(Issue(1, None, None, "unknown-column",
                             "a column has no name in the header but holds values; name it or delete it"))
        elif name not in COLUMN_NAMES:
            hint = suggest(name, list(COLUMN_NAMES))
            issues.add(Issue(1, name, name, "unknown-column",
                             f"{shorten(name)!r} is not a column of the contract"
                             + (f"; did you mean {hint!r}?" if hint else
                                f"; the columns are: {', '.join(COLUMN_NAMES)}")))
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    for name in missing:
        issues.add(Issue(None, name, None, "missing-column", f"the required column {name!r} is missing"))

    frame = _drop_total_rows(frame, present, issues)
    n = len(frame)
    row_ok = np.ones(n, dtype=bool)
    out = pd.DataFrame(index=frame.index)
    out[ROW_COLUMN] = frame[ROW_COLUMN].to_numpy()

    if "month" in present:
        months, ok = _check_months(frame, program, today, issues)
        out["month"] = months
        row_ok &= ok
    if "county" in present:
        fips, ok = _check_counties(frame, program, partner_code, issues)
        out["county_fips"] = fips
        row_ok &= ok
    if "referral_type" in present:
        pathways, ok = _check_pathways(frame, issues)
        out["pathway"] = pathways
        row_ok &= ok
    counts_ok = np.ones(n, dtype=bool)
    for name in COUNT_COLUMNS:
        if name in present:
            values, ok = _check_count(frame, name, issues)
            out[name] = values
            counts_ok &= ok
    row_ok &= counts_ok
    if all(c in present for c in COUNT_COLUMNS):
        referrals = out["referrals"].to_numpy()
        for name, label in (("assessments_completed", "assessments completed"), ("enrolled", "enrolled")):
            above = counts_ok & (out[name].to_numpy() > referrals)
            issues.rows(above, frame, name, f"{name}-above-referrals",
                        lambda v, i, label=label: f"{label} ({v}) is more than referrals ({referrals[i]}) "
                                                  "in the same row")
            row_ok &= ~above
    if "notes" in present:
        codes, uniques = _factorise(frame["notes"])
        texts = pd.Series([str(u) for u in uniques], dtype="string")
        long_value = np.append((texts.str.len() > MAX_NOTES_CHARS).to_numpy(dtype=bool), False)
        # Invisible control characters (NUL cannot even be stored in PostgreSQL text); tab and
        # line breaks are ordinary text.
        control_value = np.append(texts.str.contains(_CONTROL, regex=True).to_numpy(dtype=bool), False)
        too_long = long_value[codes]
        issues.rows(too_long, frame, "notes", "notes-too-long",
                    lambda v, i: f"the note has {len(v):,} characters; at most {MAX_NOTES_CHARS} are allowed")
        control = control_value[codes] & ~too_long
        issues.rows(control, frame, "notes", "control-character",
                    lambda v, i: "the note contains an invisible control character "
                                 f"(code {ord(_CONTROL.search(v).group(0))}); remove it")
        row_ok &= ~(too_long | control)
        # Kept as Python objects: pandas would convert a million notes to its string type (~0.1 s).
        out["notes"] = pd.Series(np.array([str(u) for u in uniques] + [None], dtype=object)[codes],
                                 index=out.index, dtype=object)
    else:
        out["notes"] = None
    if {"month", "county", "referral_type"} <= set(present):
        _check_duplicates(frame, out, row_ok, issues)

    items = sorted(issues.items, key=lambda i: (i.row is not None, i.row or 0, _column_order(i.column)))
    if issues.count:
        return Validation(issues=items, issue_count=issues.count)
    out = out.astype({name: "int64" for name in COUNT_COLUMNS})
    return Validation(rows=out.reset_index(drop=True))


def _drop_total_rows(frame: pd.DataFrame, present: list[str], issues: _Issues) -> pd.DataFrame:
    """Report a 'Total' row once (it is not a county), and leave it out of the other rules."""
    mask = np.zeros(len(frame), dtype=bool)
    for column in ("county", "month"):
        if column in present:
            # Matched once per distinct value (a million rows hold a few hundred), then mapped back.
            codes, uniques = _factorise(frame[column])
            hit = np.array([_TOTAL.fullmatch(str(u).strip()) is not None for u in uniques] + [False], dtype=bool)
            found = hit[codes] & ~mask
            issues.rows(found, frame, column, "total-row",
                        lambda v, i: f"{v!r} is a total row, not a county: remove total rows "
                                     "(the state adds the counties up)")
            mask |= found
    return frame.loc[~mask] if mask.any() else frame


def _column_order(column: str | None) -> int:
    return COLUMN_NAMES.index(column) if column in COLUMN_NAMES else -1


def _factorise(series: pd.Series) -> tuple[np.ndarray, list]:
    """Each row's code (-1 for blank) and the distinct values: rules then run once per value."""
    if isinstance(series.dtype, pd.CategoricalDtype):  # etl.read's fast reader: already coded
        return series.cat.codes.to_numpy(dtype="int64"), list(series.cat.categories)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, list(uniques)


def _check_months(frame, program: Program, today: dt.date, issues: _Issues):
    codes, uniques = _factorise(frame["month"])
    this_month = dt.date(today.year, today.month, 1)
    labels, problems = [], []
    for value in uniques:
        month = parse_month(str(value))
        if month is None:
            problems.append(_not_a_month_message(str(value), this_month))
        elif month > this_month:
            problems.append(f"{month:%Y-%m} is in the future (today is {today:%Y-%m-%d})")
        elif month < program.start_month:
            problems.append(f"{month:%Y-%m} is before the program's start ({program.start_month:%Y-%m})")
        else:
            problems.append(None)
        labels.append(f"{month:%Y-%m-01}" if month else None)
    return _apply(frame, "month", codes, labels, problems, issues, "bad-month",
                  blank="the month is blank; use YYYY-MM")


def _not_a_month_message(value: str, this_month: dt.date) -> str:
    """Why a month cell is not a month, with what Excel may have done to it when that is likely."""
    message = f"{shorten(value)!r} is not a month; use YYYY-MM, e.g. {this_month:%Y-%m}"
    excel = None
    if match := _EXCEL_DATE.fullmatch(value.strip()):  # 10/15/2026: Excel's date for 2026-10-15
        month, day, year = (int(g) for g in match.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            excel = f"{year:04d}-{month:02d}"
    elif match := _EXCEL_MON_YY.fullmatch(value.strip()):  # Oct-26: Excel's display of 2026-10
        number = _MONTH_NAMES.get(match.group(1).lower())
        if number:
            excel = f"20{match.group(2)}-{number:02d}"
    if excel:
        message += (f" (if it means {excel}: a spreadsheet turned the month into a date when the file was "
                    "opened and saved; format the month column as Text, or type the months again)")
    return message


def _check_counties(frame, program: Program, partner_code: str, issues: _Issues):
    names: CountyNames = program.county_names
    partner = program.partner(partner_code)
    region = ", ".join(sorted(names.name_of[f] for f in partner.counties))
    codes, uniques = _factorise(frame["county"])
    fips_values, problems = [], []
    for value in uniques:
        text = str(value).strip()
        fips = names.resolve(text)
        problem = None
        if fips is None:
            if re.fullmatch(r"\d{5}", text) and not text.startswith(program.state_fips):
                problem = f"{text!r} is the FIPS code of a county in another state, not {program.state_name}"
            else:
                problem = names.unknown_message(text)
        elif fips not in partner.counties:
            problem = (f"{names.name_of[fips]} County is not in the region of partner {partner_code!r} "
                       f"({region})")
        fips_values.append(fips if problem is None else None)
        problems.append(problem)
    return _apply(frame, "county", codes, fips_values, problems, issues, "bad-county",
                  blank="the county is blank")


def _check_pathways(frame, issues: _Issues):
    codes, uniques = _factorise(frame["referral_type"])
    values = [resolve_pathway(str(u)) for u in uniques]
    problems = [None if v else pathway_message(str(u)) for u, v in zip(uniques, values, strict=True)]
    return _apply(frame, "referral_type", codes, values, problems, issues, "bad-referral-type",
                  blank="the referral type is blank; use arrest_diversion or social_contact")


def _apply(frame, column, codes, values, problems, issues: _Issues, code, blank):
    """Map per-unique results back to rows; report each failing row with its unique's message."""
    problem_of_code = np.array([p is not None for p in problems] + [True], dtype=bool)
    failing = problem_of_code[codes]  # code -1 (blank) picks the trailing True
    messages = problems + [blank]
    issues.rows(failing, frame, column, code, lambda v, i: messages[codes[i]])
    # A categorical, built from the per-unique results: no per-row Python strings to create, hash
    # (duplicate check) or convert (pandas would infer a string dtype for an object array).
    value_codes, categories = pd.factorize(pd.Series(values + [None], dtype=object), use_na_sentinel=True)
    mapped = pd.Series(pd.Categorical.from_codes(value_codes[codes], categories=categories), index=frame.index)
    return mapped, ~failing


def _check_count(frame, name: str, issues: _Issues):
    """Whole numbers 0..MAX_COUNT; every check runs on one float64 array (exact below 2**53)."""
    column = frame[name]
    n = len(column)
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        # int64, uint64 (pandas' choice for huge values) and float columns: no text to parse.
        floats = column.to_numpy(dtype="float64", na_value=np.nan)
        blank = np.isnan(floats)
        not_number = np.zeros(n, dtype=bool)
    else:
        codes, uniques = _factorise(column)
        stripped = [str(u).strip() for u in uniques]
        blank = np.array([not t for t in stripped] + [True], dtype=bool)[codes]
        floats = np.append(pd.to_numeric(pd.Series([t or None for t in stripped], dtype=object), errors="coerce")
                           .to_numpy(dtype="float64", na_value=np.nan), np.nan)[codes]
        not_number = np.isnan(floats) & ~blank
    infinite = ~np.isfinite(floats) & ~blank & ~not_number  # 'inf', 'NaN', or digits beyond float range
    too_long = np.zeros(n, dtype=bool)
    if infinite.any():  # rare: look at those cells only
        where = np.flatnonzero(infinite)
        too_long[where] = column.iloc[where].astype("string").str.strip().str.fullmatch(r"\d+").fillna(False)
    not_number |= infinite & ~too_long
    number = ~blank & ~not_number & ~too_long
    safe = np.where(number, floats, 0.0)
    fraction = number & (np.floor(safe) != safe)
    negative = number & ~fraction & (safe < 0)
    too_big = (number & ~fraction & (safe > MAX_COUNT)) | too_long  # before the cast: int64 would wrap around
    ok = ~(blank | not_number | fraction | negative | too_big)
    numbers = np.where(ok, safe, 0.0).astype("int64")
    label = name.replace("_", " ")
    issues.rows(blank, frame, name, "blank-count", lambda v, i: f"{label} is blank; write 0 if there were none")
    issues.rows(not_number, frame, name, "not-a-number", lambda v, i: _not_number_message(v, label))
    issues.rows(fraction, frame, name, "not-whole", lambda v, i: f"{shorten(v)!r} is not a whole number")
    issues.rows(negative, frame, name, "negative", lambda v, i: f"{label} cannot be negative ({shorten(v)})")
    issues.rows(too_big, frame, name, "too-large", lambda v, i: f"{shorten(v)} is too large for a monthly count")
    return numbers, ok


def _not_number_message(value: str | None, label: str) -> str:
    if value and _THOUSANDS.fullmatch(value.strip()):
        return f"{value!r}: write whole numbers without separators, e.g. {re.sub(r'[^0-9]', '', value)}"
    if value and value.startswith("="):
        return (f"{shorten(value)!r} is a formula, not a number; formulas are never calculated here: type the "
                "number, or open the file in Excel and save it again (Excel saves each formula's result)")
    return f"{shorten(value)!r} is not a whole number ({label} must be 0, 1, 2, ...)"


def _repeated(key: np.ndarray) -> np.ndarray:
    """True for every occurrence of a key after its first."""
    space = int(key.max()) + 1 if len(key) else 0
    if space > 8 * len(key) + 1_000_000:  # a sparse key space: hash instead of counting
        return pd.Index(key).duplicated(keep="first")
    if not (np.bincount(key, minlength=space) > 1).any():  # the usual file: one pass, no hashing
        return np.zeros(len(key), dtype=bool)
    return pd.Index(key).duplicated(keep="first")


def _check_duplicates(frame, out: pd.DataFrame, row_ok: np.ndarray, issues: _Issues) -> None:
    keyed = out.loc[:, ["county_fips", "month", "pathway", ROW_COLUMN]]
    complete = keyed[["county_fips", "month", "pathway"]].notna().all(axis=1).to_numpy()
    candidates = keyed.loc[complete]
    # One int64 key per row from the three columns' codes: hashing integers is ~5x faster than
    # hashing rows of three strings (the factors are small: counties x months x 2 pathways).
    key = np.zeros(len(candidates), dtype="int64")
    for column in ("county_fips", "month", "pathway"):
        codes, uniques = pd.factorize(candidates[column])
        key = key * max(len(uniques), 1) + codes
    repeated = pd.Series(_repeated(key), index=candidates.index)
    if not repeated.any():
        return
    first_row = candidates.groupby(["county_fips", "month", "pathway"], sort=False)[ROW_COLUMN].transform("first")
    mask = np.zeros(len(frame), dtype=bool)
    mask[np.flatnonzero(complete)[repeated.to_numpy()]] = True
    first = np.zeros(len(frame), dtype="int64")
    first[np.flatnonzero(complete)] = first_row.to_numpy()
    issues.rows(mask, frame, "county", "duplicate-row",
                lambda v, i: f"the same county, month and referral type as row {first[i]}")
    row_ok &= ~mask
