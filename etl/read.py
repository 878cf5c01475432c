"""Bytes -> table: the only code that knows about encodings, delimiters and Excel.

``read_table`` never raises on bad input: it returns a ``ReadResult`` whose ``issues`` say why
the file could not be read (too large, empty, not text, a PNG renamed .csv, ...). The size is
checked before anything is parsed.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from etl.archive import sha256_of
from etl.contract import COLUMN_NAMES, COUNT_COLUMNS, ROW_COLUMN, normalise_header
from etl.names import shorten
from etl.report import MAX_ISSUES, Issue

MAX_HEADER_CHARS = 64 * 1024
MAX_COLUMNS = 100
# An .xlsx is a zip: refuse one that would inflate past this (a zip bomb renamed .xlsx).
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
# Real workbooks inflate 5-20 times (a 1M-row contract sheet: about 8); a zip bomb, thousands of
# times. Past 20 MB inflated, more than 100 times the file's size is refused before openpyxl runs.
MAX_XLSX_RATIO = 100
XLSX_RATIO_FLOOR = 20 * 1024 * 1024
MAX_ROWS = 5_000_000

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
_FIRST_LINE = re.compile(r"[^\r\n]*")
_NOT_SPACE = re.compile(r"\S")
_HEX = re.compile(rb"0[xX]")


@dataclass
class ReadResult:
    frame: pd.DataFrame | None = None  # normalised column names, plus ROW_COLUMN
    columns: list[str] = field(default_factory=list)  # the header as the file wrote it
    issues: list[Issue] = field(default_factory=list)  # the file cannot be read: refused, nothing kept
    file_format: str = ""
    # Rows left out of ``frame`` because they cannot be rows of the table (a value past the
    # header's last column): the file is read, its other rows validated, and it is rejected.
    # The first MAX_ISSUES are built; ``row_issue_count`` is how many there are.
    row_issues: list[Issue] = field(default_factory=list)
    row_issue_count: int = 0

    @property
    def ok(self) -> bool:
        return self.frame is not None and not self.issues


def refuse(code: str, message: str) -> ReadResult:
    return ReadResult(issues=[Issue(None, None, None, code, message)])


@dataclass(frozen=True)
class FileContents:
    """A partner file from disk: its bytes, or None when it is over the size limit (never read
    whole, so a huge file costs no memory), with its size and SHA-256 either way."""

    data: bytes | None
    size: int
    sha256: str


def read_file(path: Path, max_bytes: int) -> FileContents:
    """The file's contents; over ``max_bytes`` only hashed, a block at a time."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            return FileContents(None, size, hashlib.file_digest(handle, "sha256").hexdigest())
        data = handle.read()
    return FileContents(data, len(data), sha256_of(data))


def too_large(size: int, max_bytes: int) -> ReadResult:
    actual, limit = _size(size), _size(max_bytes)
    if actual == limit:  # just over: rounded, the two would read the same
        actual, limit = f"{size:,} bytes", f"{max_bytes:,} bytes"
    return refuse("file-too-large", f"the file is {actual}; the limit is {limit}")


def read_table(data: bytes, filename: str, max_bytes: int) -> ReadResult:
    """Parse a partner file's bytes into a table, or say in one message why it cannot be."""
    if len(data) > max_bytes:
        return too_large(len(data), max_bytes)
    if len(data) == 0:
        return refuse("empty-file", "the file is empty (0 bytes)")
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return refuse("not-a-table", f"this is {what}, not a CSV or .xlsx file")
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        return refuse("not-a-table", "the file is named like an Excel file but is not a valid .xlsx")
    text, encoding, problem = _decode(data)
    if problem:
        return refuse("not-text", problem)
    # A UTF-8 file's own bytes (less the BOM) are its text in UTF-8: no need to encode it again.
    return _read_csv(text, data.removeprefix(codecs.BOM_UTF8) if encoding == "utf-8-sig" else None)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _decode(data: bytes) -> tuple[str, str, str | None]:
    """The text, the encoding it was read with, and the problem (None) or why it is not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", None
        except UnicodeDecodeError:
            return "", "", "the file starts like UTF-16 but is not valid UTF-16; save it as CSV UTF-8"
    if b"\x00" in data:  # the whole file (memchr-fast): PostgreSQL text cannot hold a NUL anywhere
        return "", "", ("the file contains NUL bytes: it is binary, or UTF-16 without a byte-order mark; "
                        "save it as 'CSV UTF-8' or '.xlsx'")
    encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        encoding = "cp1252"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            return "", "", "the file is neither UTF-8 nor Windows-1252 text; save it as 'CSV UTF-8' or '.xlsx'"
    # Real CSVs hold almost no control characters; random bytes decode as Windows-1252 text with
    # about one in ten characters a control character. A handful (a stray form feed) is tolerated.
    sample = text[:65536]
    controls = len(_CONTROL.findall(sample))
    if controls > 8 or controls * 100 > len(sample):
        return "", "", "the file contains control characters: it looks binary, not a CSV; save it as 'CSV UTF-8'"
    return text, encoding, None


def _read_csv(text: str, encoded: bytes | None = None) -> ReadResult:
    """``encoded``: the file's own bytes when they are already UTF-8 without a BOM (saves encoding again)."""
    if not _NOT_SPACE.search(text):
        return refuse("empty-file", "the file has no content (only blank lines or spaces)")
    # The first physical line picks the delimiter and the width; old Mac files end lines with CR only.
    first_line = _FIRST_LINE.match(text).group(0)
    if first_line.count("\t") >= 2 and "," not in first_line and ";" not in first_line:
        return refuse("tab-separated", "the file is separated by tabs (Excel's 'Text (Tab delimited)' or "
                                       "'Unicode Text'); save it as 'CSV UTF-8 (Comma delimited)' or as .xlsx")
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    width = first_line.count(delimiter) + 1
    if width > MAX_COLUMNS:  # checked before the length: a million commas is a width problem
        return refuse("too-many-columns", f"the header has {width:,} columns; the contract has {len(COLUMN_NAMES)}: "
                                          + ",".join(COLUMN_NAMES))
    if len(first_line) > MAX_HEADER_CHARS:
        return refuse("bad-header", f"the first line is {len(first_line):,} characters long; "
                                    "it should be the header: " + ",".join(COLUMN_NAMES))
    header = _csv_header(text, delimiter)
    if header is None:
        return refuse("bad-header", "the header (first line) cannot be read: check its quotes; it should be: "
                                    + ",".join(COLUMN_NAMES))
    if not any(cell.strip() for cell in header):
        return refuse("no-header", "the first line is empty: it should be the header "
                                   + ",".join(COLUMN_NAMES))
    if not _names_columns(header):
        for separator in (",", ";"):  # the title line may not say which delimiter the header uses
            lines = csv.reader(io.StringIO(text[: MAX_HEADER_CHARS * 2], newline=""), delimiter=separator)
            if refused := _header_further_down(enumerate(lines, start=1)):
                return refused
    # Bytes, not io.StringIO(text): both parsers re-encode a text stream chunk by chunk in Python.
    encoded = encoded if encoded is not None else text.encode("utf-8")
    frame = _arrow_frame(encoded, delimiter, header)
    if frame is None:
        frame = _pandas_frame(encoded, delimiter, header)
    if frame is None:  # a row too wide for the header: read wider, and report the rows with values past it
        return _wide_frame(encoded, delimiter, header) or _records_frame(text, delimiter, header)
    if len(frame) > MAX_ROWS:
        return refuse("too-many-rows", f"the file has more than {MAX_ROWS:,} rows")
    return _finish(frame, header, "csv", np.arange(len(frame)) + 2)


def _names_columns(header: list) -> bool:
    """Does this row name at least one of the contract's columns?"""
    return any(normalise_header(str(cell)) in COLUMN_NAMES for cell in header if cell is not None)


def _header_further_down(numbered_rows, looked_at: int = 20) -> ReadResult | None:
    """When row 1 is not the header (a title line above it), the row that is, as a refusal."""
    for number, cells in numbered_rows:
        if number > looked_at:
            break
        named = {normalise_header(str(c)) for c in cells if c is not None} & set(COLUMN_NAMES)
        if number > 1 and len(named) >= 3:
            above = "the row above it" if number == 2 else f"the {number - 1} rows above it"
            return refuse("header-not-first", f"row 1 should be the header, but the header is on row {number}: "
                                              f"delete {above} (a title or a blank line) and send the file again")
    return None


def _arrow_frame(encoded: bytes, delimiter: str, header: list[str]) -> pd.DataFrame | None:
    """The fast reader (pyarrow, multithreaded), or None for any file it does not take as is.

    Every cell is read as text and null only when empty, as the pandas reader reads it; the text
    columns become categoricals (a million rows repeat a few hundred counties and months), and a
    count column that is all whole numbers becomes int64 (float64 with NaN where blank). A row
    wider or narrower than the header, a stray quote, anything pyarrow refuses: None, and the
    pandas reader, which knows how to say what is wrong and where, reads the file instead.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if b'"' in encoded and not _quotes_are_whole_cells(encoded, delimiter):
        # pyarrow is lenient where spreadsheets and pandas are not (a quote never closed: the
        # rest of the file becomes one cell), so only cleanly quoted files are its to read.
        return None
    counts = {h for h in header if normalise_header(h) in COUNT_COLUMNS}
    table = None
    # Counts as whole numbers first; a file with some other count ('3.5', 'n/a', ' 4') is read
    # again with them as text, for the validator to say what each cell is. pyarrow takes '0x4'
    # for 4: a file with '0x' anywhere has its counts read as text from the start.
    count_types = (pa.string(),) if _HEX.search(encoded) else (pa.int64(), pa.string())
    for count_type in count_types:
        types = {h: count_type if h in counts else pa.dictionary(pa.int32(), pa.string()) for h in header}
        try:
            table = pacsv.read_csv(
                io.BytesIO(encoded),
                read_options=pacsv.ReadOptions(block_size=4 << 20),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                                 escape_char=False, newlines_in_values=True,
                                                 ignore_empty_lines=False),
                convert_options=pacsv.ConvertOptions(column_types=types, null_values=[""], strings_can_be_null=True,
                                                     quoted_strings_can_be_null=True),
            )
            break
        except (pa.ArrowException, ValueError, OverflowError):
            continue
    if table is None or table.column_names != header or table.num_rows > MAX_ROWS:
        return None  # pyarrow read the header differently from a spreadsheet; or refused below, by pandas
    columns = {}
    for i, column in enumerate(table.columns):
        if pa.types.is_integer(column.type):
            values = column.to_numpy()
            if column.null_count:
                values = values.astype("float64")  # what pandas makes of whole numbers with blanks
        else:
            if pa.types.is_string(column.type):
                column = column.dictionary_encode()
            coded = column.unify_dictionaries().combine_chunks() if column.num_chunks else pa.array(
                [], pa.dictionary(pa.int32(), pa.string()))
            values = pd.Categorical.from_codes(
                coded.indices.fill_null(-1).to_numpy(zero_copy_only=False),
                categories=pd.Index(coded.dictionary.to_pylist(), dtype=object))
        columns[f"c{i}"] = values
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))


def _quotes_are_whole_cells(encoded: bytes, delimiter: str) -> bool:
    """Is every quote in the file part of a quoted cell that starts and ends at a cell's edges?"""
    edge = re.escape(delimiter.encode()) + rb"\r\n"
    quoted_cell = re.compile(rb'(?<![^' + edge + rb'])"(?:[^"]|"")*"(?![^' + edge + rb'])')
    return b'"' not in quoted_cell.sub(b"", encoded)


def _pandas_frame(encoded: bytes, delimiter: str, header: list[str], width: int | None = None
                  ) -> pd.DataFrame | None:
    """The careful reader for files pyarrow does not take (odd quoting, short rows); None when a
    row cannot be read (a row wider than ``width`` cells, by default the header's; a quote never closed).
    Columns past the header are read as text, for ``_wide_frame``."""
    # Our own names by position: pandas then never renames, mangles or guesses the header, and the
    # text columns keep every character (keep_default_na=False: 'NA', 'NULL' and 'nan' are text).
    names = [f"c{i}" for i in range(width or len(header))]
    text_columns = {n: str for i, n in enumerate(names)
                    if i >= len(header) or normalise_header(header[i]) not in COUNT_COLUMNS}
    # Wider than the header, pandas refuses the header row as the names' row: skip its line instead.
    header_row = {"header": 0} if width is None else {"header": None, "skiprows": 1}
    try:
        frame = pd.read_csv(
            io.BytesIO(encoded), encoding="utf-8", sep=delimiter, names=names, **header_row,
            dtype=text_columns, keep_default_na=False, na_values=[""], skip_blank_lines=False, engine="c",
            nrows=MAX_ROWS + 1,
        )
    except (pd.errors.ParserError, ValueError, OverflowError):
        return None
    if not isinstance(frame.index, pd.RangeIndex):
        return None  # pandas turns the leading cells into an index when the first data row is wider than the header
    return frame


def _wide_frame(encoded: bytes, delimiter: str, header: list[str]) -> ReadResult | None:
    """A file with rows wider than its header, read as wide as its widest line: each row with a
    value past the header's last column is reported and left out, the others are read (cells
    past the header that are empty are nothing: trailing delimiters, as in a spreadsheet).
    None when even that cannot be read (a quote never closed, a cell over several lines)."""
    width = len(header)
    widest = max(line.count(delimiter.encode()) for line in encoded.splitlines()) + 1  # quoted delimiters too: a bound
    if widest <= width or widest > width + MAX_COLUMNS:
        return None
    frame = _pandas_frame(encoded, delimiter, header, widest)
    if frame is None:
        return None
    if len(frame) > MAX_ROWS:
        return refuse("too-many-rows", f"the file has more than {MAX_ROWS:,} rows")
    past = np.zeros(len(frame), dtype=bool)
    for column in frame.columns[width:]:
        past |= frame[column].notna().to_numpy() & frame[column].fillna("").str.strip().ne("").to_numpy()
    numbers = np.arange(len(frame)) + 2
    result = _finish(frame.iloc[~past, :width].copy(), header, "csv", numbers[~past])
    return _with_wide_rows(result, numbers[past], width)


def _records_frame(text: str, delimiter: str, header: list[str]) -> ReadResult:
    """The slowest reader, for what pandas cannot read: it names the row where the quotes go wrong
    (a quote never closed) and reads the rest the way pandas would (a cell like "a"b is a"b)."""
    width = len(header)
    limit = csv.field_size_limit(2**31 - 1)  # a cell as large as the file: the file's size limit applies
    try:
        for strict in (True, False):
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
            records, numbers, past = [], [], []
            number = 1
            try:
                next(reader)  # the header, read already
                for number, cells in enumerate(reader, start=2):
                    if len(cells) > width and any(c.strip() for c in cells[width:]):
                        past.append(number)
                        continue
                    records.append([c if c != "" else None for c in (cells + [""] * width)[:width]])
                    numbers.append(number)
                    if len(records) > MAX_ROWS:
                        return refuse("too-many-rows", f"the file has more than {MAX_ROWS:,} rows")
            except csv.Error as error:
                if "end of data" in str(error):  # the record being read when the file ended
                    return ReadResult(issues=[Issue(
                        number + 1, None, None, "unreadable-row",
                        'a quote (") opens a cell that is never closed, so the rest of the file would be one '
                        "cell: close the quote or remove it")])
                if strict:
                    continue  # "a"b: read it as pandas does
                return ReadResult(issues=[Issue(number + 1, None, None, "unreadable-row",
                                                f"the row cannot be read ({error})")])
            break
    finally:
        csv.field_size_limit(limit)
    frame = pd.DataFrame(records, columns=[f"c{i}" for i in range(width)], dtype=object)
    return _with_wide_rows(_finish(frame, header, "csv", np.array(numbers, dtype="int64")),
                           np.array(past, dtype="int64"), width)


def _with_wide_rows(result: ReadResult, wide_rows: np.ndarray, width: int) -> ReadResult:
    """The table read without its too-wide rows (Excel row numbers), and those rows' issues beside it."""
    result.row_issue_count = len(wide_rows)
    result.row_issues = [Issue(int(n), None, None, "unreadable-row", f"the row has a value to the right of the "
                                                                     f"header's last column ({width} columns); "
                                                                     "remove it or give its column a name")
                         for n in wide_rows[:MAX_ISSUES]]
    if len(wide_rows) and [i.code for i in result.issues] == ["no-data"]:
        result.issues = []  # every data row was too wide: those rows are the problems, not "no data"
        result.frame = None
    return result


def _csv_header(text: str, delimiter: str) -> list[str] | None:
    """The first record, read the way a spreadsheet reads it (quotes may hold the delimiter)."""
    try:
        # newline="": lines end at CR, LF or CRLF, as the csv module expects.
        return next(csv.reader(io.StringIO(text[: MAX_HEADER_CHARS * 2], newline=""), delimiter=delimiter), None)
    except csv.Error:
        return None


def _read_xlsx(data: bytes) -> ReadResult:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return refuse("not-a-table", "the file is a damaged zip/.xlsx; open it in Excel and save it again")
    if inflated > MAX_XLSX_UNCOMPRESSED or (inflated > XLSX_RATIO_FLOOR and inflated > MAX_XLSX_RATIO * len(data)):
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
                # Keep the row small, but remember a value far to the right (Excel has 16,384 columns).
                beyond = any(c not in (None, "") for c in values[MAX_COLUMNS:])
                values = values[:MAX_COLUMNS] + (f"column {MAX_COLUMNS + 1} or beyond" if beyond else None,)
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
    header_values = rows[0][1]
    if not _names_columns(header_values) and (refused := _header_further_down(rows)):
        return refused
    width = max(i for i, c in enumerate(header_values) if c not in (None, "")) + 1
    if width > MAX_COLUMNS:
        return refuse("too-many-columns", f"the header has more than {MAX_COLUMNS} columns; the contract has "
                                          f"{len(COLUMN_NAMES)}: " + ",".join(COLUMN_NAMES))
    header = [str(c) if c is not None else "" for c in header_values[:width]]
    outside = {n for n, v in rows[1:] if any(c not in (None, "") for c in v[width:])}
    body = [tuple(_cell_text(c) for c in (list(v) + [None] * width)[:width]) for n, v in rows[1:] if n not in outside]
    counts = [i for i, h in enumerate(header) if normalise_header(h) in COUNT_COLUMNS]
    numbers = [n for n, _ in rows[1:] if n not in outside]
    blank = {(n, i) for n, values in zip(numbers, body, strict=True) for i in counts if values[i] is None}
    if blank and _has_formulas(archive):  # a blank count may be a formula whose result the file does not hold
        formulas = _formulas(data, blank)
        body = [tuple(formulas.get((n, i), c) for i, c in enumerate(values))
                for n, values in zip(numbers, body, strict=True)]
    frame = pd.DataFrame(body, columns=pd.Index(header), dtype=object)
    return _with_wide_rows(
        _finish(frame, header, "xlsx", np.array([n for n, _ in rows[1:] if n not in outside], dtype="int64")),
        np.array(sorted(outside), dtype="int64"), width)


_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[ >/]")


def _has_formulas(archive: zipfile.ZipFile) -> bool:
    """Does any sheet of the workbook hold a formula (a ``<f>`` element)? Cheaper than parsing it again."""
    return any(_FORMULA_ELEMENT.search(archive.read(name)) for name in archive.namelist()
               if name.startswith("xl/worksheets/") and name.endswith(".xml"))


def _formulas(data: bytes, cells: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The formulas among ``cells`` (Excel row, column index) of the first sheet. A workbook saved
    by a program that does not calculate holds formulas without their results, which read as blank."""
    import openpyxl

    found = {}
    last = max(n for n, _ in cells)
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True, max_row=last), start=1):
            for i, value in enumerate(values[:MAX_COLUMNS]):
                if (number, i) in cells and isinstance(value, str) and value.startswith("="):
                    found[number, i] = value
    finally:
        workbook.close()
    return found


def _cell_text(value: object) -> object:
    """Excel cells to what a CSV would hold: dates as ISO text, whole floats as ints."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _finish(frame: pd.DataFrame, header: list[str], file_format: str, row_numbers: np.ndarray) -> ReadResult:
    """Name the columns as the contract does, number the rows as Excel does, drop empty rows."""
    normalised = [normalise_header(c) for c in header]
    frame.columns = pd.Index(normalised, dtype=object)
    frame[ROW_COLUMN] = row_numbers
    # A column with no header and no value is a stray delimiter or an Excel artefact, not data.
    unnamed = [i for i, name in enumerate(normalised) if not name and frame.iloc[:, i].isna().all()]
    if unnamed:
        frame = frame.iloc[:, [i for i in range(frame.shape[1]) if i not in unnamed]]
        header = [h for i, h in enumerate(header) if i not in unnamed]
        normalised = [n for i, n in enumerate(normalised) if i not in unnamed]
    issues = []
    seen: set[str] = set()
    for original, name in zip(header, normalised, strict=True):
        if name in seen:
            issues.append(Issue(1, name or None, shorten(original), "duplicate-column",
                                f"the column {shorten(original)!r} appears twice in the header" if name else
                                "two columns have no name in the header but hold values"))
        seen.add(name)
    if issues:
        return ReadResult(columns=header, issues=issues, file_format=file_format)
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
