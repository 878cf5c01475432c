"""Bytes -> table: the only code that knows about encodings, delimiters and Excel.

``read_table`` never raises on bad input: it returns a ``ReadResult`` whose ``issues`` say why
the file could not be read (too large, empty, not text, a PNG renamed .csv, ...). The size is
checked before anything is parsed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl.contract import COUNT_COLUMNS, normalise_header
from etl.report import Issue

MAX_HEADER_BYTES = 64 * 1024
MAX_COLUMNS = 100
# An .xlsx is a zip: refuse one that would inflate past this (a zip bomb renamed .xlsx).
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_XLSX_RATIO = 200
MAX_ROWS = 5_000_000
ROW_COLUMN = "_row"  # Excel row number of each data row (header = row 1)

_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel .xls or Word file (save it as .xlsx or CSV)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PANDAS_LINE = re.compile(r"line (\d+)")


@dataclass
class ReadResult:
    frame: pd.DataFrame | None = None  # normalised column names, plus ROW_COLUMN
    columns: list[str] = field(default_factory=list)  # the header as the file wrote it
    issues: list[Issue] = field(default_factory=list)
    file_format: str = ""

    @property
    def ok(self) -> bool:
        return self.frame is not None and not self.issues


def refuse(code: str, message: str) -> ReadResult:
    return ReadResult(issues=[Issue(None, None, None, code, message)])


def read_table(data: bytes, filename: str, max_bytes: int) -> ReadResult:
    """Parse a partner file's bytes into a table, or say in one message why it cannot be."""
    if len(data) > max_bytes:
        return refuse("file-too-large", f"the file is {_size(len(data))}; the limit is {_size(max_bytes)}")
    if len(data) == 0:
        return refuse("empty-file", "the file is empty (0 bytes)")
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return refuse("not-a-table", f"this is {what}, not a CSV or .xlsx file")
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        return refuse("not-a-table", "the file is named like an Excel file but is not a valid .xlsx")
    text, problem = _decode(data)
    if problem:
        return refuse("not-text", problem)
    return _read_csv(text)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _decode(data: bytes) -> tuple[str, str | None]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            return "", "the file starts like UTF-16 but is not valid UTF-16; save it as CSV UTF-8"
    if b"\x00" in data[:65536]:
        return "", ("the file contains NUL bytes: it is binary, or UTF-16 without a byte-order mark; "
                    "save it as 'CSV UTF-8' or '.xlsx'")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return "", "the file is neither UTF-8 nor Windows-1252 text; save it as 'CSV UTF-8' or '.xlsx'"
    if len(_CONTROL.findall(text[:65536])) > 8:
        return "", "the file contains control characters: it looks binary, not a CSV; save it as 'CSV UTF-8'"
    return text, None


def _read_csv(text: str) -> ReadResult:
    newline = text.find("\n")
    header_line = text if newline < 0 else text[:newline]
    if len(header_line) > MAX_HEADER_BYTES:
        return refuse("bad-header", f"the first line is {len(header_line):,} characters long; "
                                    "it should be the header: month,county,referral_type,...")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    if header_line.count(delimiter) + 1 > MAX_COLUMNS:
        return refuse("too-many-columns", f"the header has {header_line.count(delimiter) + 1:,} columns; "
                                          "the contract has 7")
    if not header_line.strip(" \r\t" + delimiter):
        return refuse("no-header", "the first line is empty: it should be the header "
                                   "month,county,referral_type,referrals,assessments_completed,enrolled")
    header = next(iter(pd.read_csv(io.StringIO(header_line), sep=delimiter, header=None, dtype=str,
                                   keep_default_na=False).itertuples(index=False)), ())
    text_columns = {name: str for name in header if normalise_header(name) not in COUNT_COLUMNS}
    try:
        frame = pd.read_csv(
            # Bytes, not io.StringIO(text): pandas re-encodes a text stream chunk by chunk in Python;
            # encoding once is ~30 ms a million rows and makes read_csv ~1.5x faster.
            io.BytesIO(text.encode("utf-8")), encoding="utf-8", sep=delimiter, dtype=text_columns,
            keep_default_na=False, na_values=[""],
            skip_blank_lines=False, engine="c", skipinitialspace=True, nrows=MAX_ROWS + 1,
        )
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        line = _PANDAS_LINE.search(str(exc))
        row = int(line.group(1)) if line else None
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        return ReadResult(issues=[Issue(row, None, None, "unreadable-row",
                                        f"the file cannot be read as {delimiter!r}-separated CSV: {detail}")])
    if len(frame) > MAX_ROWS:
        return refuse("too-many-rows", f"the file has more than {MAX_ROWS:,} rows")
    return _finish(frame, [str(c) for c in header], "csv", first_data_row=2)


def _read_xlsx(data: bytes) -> ReadResult:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return refuse("not-a-table", "the file is a damaged zip/.xlsx; open it in Excel and save it again")
    if inflated > MAX_XLSX_UNCOMPRESSED or inflated > MAX_XLSX_RATIO * max(len(data), 1024 * 1024):
        return refuse("xlsx-too-large", f"the workbook would expand to {_size(inflated)}; "
                                        "save the sheet as CSV or split it")
    if "xl/workbook.xml" not in archive.namelist():
        return refuse("not-a-table", "the file is a zip archive, not an .xlsx workbook")
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if len(values) > MAX_COLUMNS:
                values = values[:MAX_COLUMNS + 1]
            rows.append((number, values))
            if len(rows) > MAX_ROWS + 1:
                return refuse("too-many-rows", f"the sheet has more than {MAX_ROWS:,} rows")
        workbook.close()
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        return refuse("not-a-table", f"the .xlsx cannot be read ({type(exc).__name__}); "
                                     "open it in Excel and save it again")
    rows = [(n, v) for n, v in rows if any(c not in (None, "") for c in v)]
    if not rows:
        return refuse("empty-file", "the first sheet is empty")
    header_number, header_values = rows[0]
    width = max(i for i, c in enumerate(header_values) if c not in (None, "")) + 1
    if width > MAX_COLUMNS:
        return refuse("too-many-columns", f"the header has more than {MAX_COLUMNS} columns; the contract has 7")
    header = [str(c) if c is not None else "" for c in header_values[:width]]
    body = [tuple(_cell_text(c) for c in (list(v) + [None] * width)[:width]) for _, v in rows[1:]]
    frame = pd.DataFrame(body, columns=pd.Index(header), dtype=object)
    frame.index = pd.RangeIndex(len(frame))
    result = _finish(frame, header, "xlsx", first_data_row=header_number + 1)
    if result.frame is not None:
        result.frame[ROW_COLUMN] = [n for n, _ in rows[1:]]
    return result


def _cell_text(value: object) -> object:
    """Excel cells to what a CSV would hold: dates as ISO text, whole floats as ints."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _finish(frame: pd.DataFrame, header: list[str], file_format: str, first_data_row: int) -> ReadResult:
    normalised = [normalise_header(c) for c in header]
    seen: dict[str, str] = {}
    issues = []
    for original, name in zip(header, normalised, strict=True):
        if name in seen and name:
            issues.append(Issue(1, name, original, "duplicate-column",
                                f"the column {original!r} appears twice in the header"))
        seen.setdefault(name, original)
    if issues:
        return ReadResult(columns=header, issues=issues, file_format=file_format)
    frame.columns = normalised
    frame[ROW_COLUMN] = frame.index.to_numpy() + first_data_row
    empty = _empty_rows(frame)
    if empty.any():
        frame = frame.loc[~empty]
    if frame.empty:
        return ReadResult(columns=header, issues=[Issue(None, None, None, "no-data",
                          "the file has a header but no data rows")], file_format=file_format)
    return ReadResult(frame=frame, columns=header, file_format=file_format)


def _empty_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows with no value at all; numeric columns first: one of them usually settles it at once."""
    empty = np.ones(len(frame), dtype=bool)
    columns = sorted((c for c in frame.columns if c != ROW_COLUMN),
                     key=lambda c: not pd.api.types.is_numeric_dtype(frame[c].dtype))
    for column in columns:
        empty &= frame[column].isna().to_numpy(dtype=bool)
        if not empty.any():
            break
    return empty
