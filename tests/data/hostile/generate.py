"""The hostile corpus: bad partner files, each with the outcome the pipeline must give.

``python tests/data/hostile/generate.py`` rewrites the small files in this folder and
``manifest.json``. The big inputs (10 MB of one line, a million columns, zip bombs, a million
rows, a file over the size limit) are never committed: ``big_files(folder)`` writes them at test
time, deterministically, into a temporary folder (see README.md).

Every input is for the sample partner ``prestera`` (Kanawha, Jackson, Wood) with LEAD_TODAY
2026-11-22. An outcome is ``refused`` (the reader refuses it: nothing written), ``rejected`` (a
table with bad rows: archived and recorded with its report, no count written) or ``loaded`` (its
text stored exactly as sent, never evaluated).
"""

from __future__ import annotations

import gzip
import io
import json
import random
import struct
import sys
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = "month,county,referral_type,referrals,assessments_completed,enrolled,notes"
OK_ROW = "2026-03,Kanawha,arrest_diversion,4,3,4,"


def csv_text(*rows: str, header: str = HEADER, newline: str = "\r\n") -> str:
    return newline.join([header, *rows]) + newline


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def workbook(rows: list[list[object]], text_cells: bool = True) -> bytes:
    """An .xlsx; with ``text_cells`` every string is stored as text, even one starting with '='."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if text_cells and isinstance(value, str):
                cell.data_type = "s"  # openpyxl would otherwise store '=1+2' as a formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


# Notes that must be stored exactly as sent (formula injection, HTML, SQL, COPY escapes, bidi).
INERT_NOTES = ["=1+2", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\t=1+2",
               "=HYPERLINK(\"http://evil.example\",\"click\")", "<script>alert('x')</script>",
               "<img src=x onerror=alert(1)>", "'); DROP TABLE monthly_count; --", "\\.", "\\N",
               "\u202eevil\u202c and zero\u200bwidth", "line one\r\nline two", "Kanawha – notes é"]


def inert_rows(notes: list[str], year: int) -> list[str]:
    """One row per note, each its own month, quoted as a spreadsheet quotes."""
    return [f'{year + i // 12}-{i % 12 + 1:02d},Kanawha,arrest_diversion,2,1,2,"{n.replace(chr(34), chr(34) * 2)}"'
            for i, n in enumerate(notes)]


def small_files() -> list[tuple[str, bytes, dict]]:
    """(file name, bytes, expectation) for every committed input."""
    rng = random.Random(20261122)
    cases: list[tuple[str, bytes, dict]] = []

    def add(name: str, data: bytes | str, outcome: str, code: str | None = None, why: str = "",
            notes: list[str] | None = None) -> None:
        body = data.encode("utf-8") if isinstance(data, str) else data
        expect = {"outcome": outcome, "code": code, "why": why}
        if notes is not None:
            expect["notes"] = notes
        cases.append((name, body, expect))

    # Not a table at all: refused by the reader, nothing written.
    add("empty.csv", b"", "refused", "empty-file", "0 bytes")
    add("bom_only.csv", b"\xef\xbb\xbf", "refused", "empty-file", "a UTF-8 byte-order mark and nothing else")
    add("blank_lines.csv", "\r\n \r\n\t\r\n", "refused", "empty-file", "only blank lines")
    add("header_only.csv", csv_text(), "refused", "no-data", "a header and no rows")
    add("header_and_empty_rows.csv", csv_text(",,,,,,", ",,,,,,"), "refused", "no-data", "Excel's empty rows only")
    add("png_renamed.csv", png(), "refused", "not-a-table", "a PNG image renamed .csv")
    add("pdf_renamed.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "refused", "not-a-table",
        "a PDF renamed .csv")
    add("jpeg_renamed.csv", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64), "refused", "not-a-table", "a JPEG")
    add("gzip_renamed.csv", gzip.compress(csv_text(OK_ROW).encode(), mtime=0), "refused", "not-a-table",
        "a gzip archive renamed .csv")
    add("old_xls.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "refused", "not-a-table",
        "an old-style .xls (OLE2) renamed .xlsx")
    add("utf16le_no_bom.csv", csv_text(OK_ROW).encode("utf-16-le"), "refused", "not-text", "UTF-16 LE, no BOM")
    add("utf16be_no_bom.csv", csv_text(OK_ROW).encode("utf-16-be"), "refused", "not-text", "UTF-16 BE, no BOM")
    add("random_bytes.csv", rng.randbytes(4096), "refused", "not-text", "4 KB of random bytes")
    add("nul_in_a_note.csv", csv_text(OK_ROW[:-1] + ",a\x00b"), "refused", "not-text",
        "a NUL byte inside a note (PostgreSQL text cannot hold it)")
    add("elf_binary.csv", b"\x7fELF\x02\x01\x01" + bytes(9) + rng.randbytes(1024), "refused", "not-text",
        "an executable renamed .csv")
    add("control_characters.csv", "".join(chr(rng.randrange(1, 9)) for _ in range(200)), "refused", "not-text",
        "text made of control characters")
    add("zip_not_workbook.xlsx", zip_of({"readme.txt": b"hello"}), "refused", "not-a-table",
        "a zip archive that is not a workbook")
    good_book = workbook([HEADER.split(","), ["2026-03", "Kanawha", "arrest_diversion", 4, 3, 4]])
    add("truncated.xlsx", good_book[: len(good_book) // 2], "refused", "not-a-table", "half a workbook")
    add("csv_named.xlsx", csv_text(OK_ROW).replace(",", "\x00"), "refused", "not-a-table",
        "text named .xlsx, with NUL separators")
    add("xml_workbook_garbage.xlsx", zip_of({"xl/workbook.xml": b"<not xml", "[Content_Types].xml": b"<<"}),
        "refused", "not-a-table", "a zip with a broken workbook.xml")
    add("unclosed_quote.csv", csv_text('2026-03,Kanawha,arrest_diversion,4,3,4,"never closed'), "refused",
        "unreadable-row", "a quote never closed")
    add("row_wider_than_header.csv", csv_text(OK_ROW, OK_ROW.replace("Kanawha", "Wood") + ",x,y"), "rejected",
        "unreadable-row", "a row with more cells than the header (reported; the other rows validated)")
    add("duplicate_header.csv", csv_text(OK_ROW + ",1", header=HEADER + ",Referrals"), "refused",
        "duplicate-column", "the same column twice")
    add("header_200_columns.csv", csv_text(OK_ROW, header=",".join(f"c{i}" for i in range(200))), "refused",
        "too-many-columns", "200 columns")

    # Tables breaking one rule each: rejected with a report, archived, nothing loaded.
    add("unknown_column.csv", csv_text(OK_ROW + ",x", header=HEADER + ",ssn"), "rejected", "unknown-column",
        "a column not in the contract (here: ssn)")
    add("missing_columns.csv", "month,county\r\n2026-03,Kanawha\r\n", "rejected", "missing-column",
        "required columns missing")
    add("county_other_region.csv", csv_text("2026-03,Mercer,arrest_diversion,4,3,4,"), "rejected", "bad-county",
        "another partner's county")
    add("county_other_state.csv", csv_text("2026-03,06037,arrest_diversion,4,3,4,"), "rejected", "bad-county",
        "a FIPS code of California")
    add("county_typo.csv", csv_text("2026-03,Kanawah,arrest_diversion,4,3,4,"), "rejected", "bad-county",
        "a misspelled county")
    add("county_sql_injection.csv", csv_text("2026-03,\"Kanawha'; DROP TABLE county; --\",arrest,4,3,4,"),
        "rejected", "bad-county", "SQL in the county cell")
    add("county_100kb_cell.csv", csv_text(f"2026-03,{'K' * 100_000},arrest,4,3,4,"), "rejected", "bad-county",
        "a 100 KB county cell (quoted back at most 80 characters)")
    add("referral_type_typo.csv", csv_text("2026-03,Kanawha,arest,4,3,4,"), "rejected", "bad-referral-type",
        "a misspelled referral type")
    add("month_future.csv", csv_text("2027-01,Kanawha,arrest,4,3,4,"), "rejected", "bad-month", "a future month")
    add("month_before_start.csv", csv_text("2018-12,Kanawha,arrest,4,3,4,"), "rejected", "bad-month",
        "before the program's start")
    add("month_garbage.csv", csv_text("=NOW(),Kanawha,arrest,4,3,4,"), "rejected", "bad-month",
        "a formula where the month goes")
    add("duplicate_rows.csv", csv_text(OK_ROW, "Mar 2026,kanawha county,arrest,1,1,1,"), "rejected",
        "duplicate-row", "the same county, month and pathway twice")
    add("count_fraction.csv", csv_text("2026-03,Kanawha,arrest,3.5,1,1,"), "rejected", "not-whole", "3.5")
    add("count_negative.csv", csv_text("2026-03,Kanawha,arrest,-1,0,0,"), "rejected", "negative", "-1")
    add("count_thousands.csv", csv_text('2026-03,Kanawha,arrest,"1,200",0,0,'), "rejected", "not-a-number",
        "1,200")
    add("count_blank.csv", csv_text("2026-03,Kanawha,arrest,,0,0,"), "rejected", "blank-count", "a blank count")
    add("count_huge.csv", csv_text(f"2026-03,Kanawha,arrest,{'9' * 400},0,0,"), "rejected", "too-large",
        "a 400-digit count")
    add("count_formula.csv", csv_text("2026-03,Kanawha,arrest,=2+2,0,0,"), "rejected", "not-a-number",
        "a formula where a count goes (never evaluated)")
    add("assessments_above_referrals.csv", csv_text("2026-03,Kanawha,arrest,4,5,4,"), "rejected",
        "assessments_completed-above-referrals", "more assessments than referrals")
    add("enrolled_above_referrals.csv", csv_text("2026-03,Kanawha,arrest,4,4,5,"), "rejected",
        "enrolled-above-referrals", "more enrolled than referrals")
    add("notes_501_characters.csv", csv_text(OK_ROW + "n" * 501), "rejected", "notes-too-long", "501 characters")
    add("notes_control_character.csv", csv_text(OK_ROW + "bell\x07"), "rejected", "control-character",
        "an invisible control character in a note")
    add("total_row.csv", csv_text(OK_ROW, "2026-03,Total,,4,3,4,"), "rejected", "total-row", "a Total row")

    # Accepted: the text is stored exactly as sent and never evaluated.
    add("formula_html_sql_notes.csv", csv_text(*inert_rows(INERT_NOTES, 2020)), "loaded", None,
        "formulas, HTML, SQL, COPY escapes, bidi controls, line breaks in notes", notes=INERT_NOTES)
    add("cp1252_semicolon_notes.csv",
        csv_text(*(r.replace(",", ";", 6) for r in inert_rows(["café – naïve ½", "=1;2"], 2022)),
                 header=HEADER.replace(",", ";")).encode("cp1252"), "loaded", None,
        "Windows-1252, semicolons", notes=["café – naïve ½", "=1;2"])
    add("utf16_with_bom.csv", ("\ufeff" + csv_text(*inert_rows(["utf-16 é"], 2023))).encode("utf-16-le"),
        "loaded", None, "UTF-16 with a byte-order mark is unambiguous", notes=["utf-16 é"])
    add("cr_only_line_endings.csv", csv_text(*inert_rows(["old Mac"], 2024), newline="\r"), "loaded", None,
        "classic Mac line endings", notes=["old Mac"])
    xlsx_notes = ["=1+2", "@SUM(A1)", "<b>bold</b>"]
    add("formula_text_cells.xlsx",
        workbook([HEADER.split(",")] + [[f"2025-{i + 1:02d}", "Kanawha", "arrest_diversion", 2, 1, 2, n]
                                        for i, n in enumerate(xlsx_notes)]),
        "loaded", None, "text cells that look like formulas in a workbook", notes=xlsx_notes)
    return cases


def big_files(folder: Path) -> list[tuple[Path, dict]]:
    """Write the big inputs into ``folder``; (path, expectation). Deterministic, ~110 MB on disk."""
    folder.mkdir(parents=True, exist_ok=True)
    made: list[tuple[Path, dict]] = []

    def expect(name: str, outcome: str, code: str, why: str) -> Path:
        path = folder / name
        made.append((path, {"outcome": outcome, "code": code, "why": why}))
        return path

    path = expect("one_line_10mb.csv", "refused", "bad-header", "10 MB of one line, no line break")
    path.write_bytes(b"a" * (10 * 1024 * 1024))

    path = expect("million_columns_header.csv", "refused", "too-many-columns", "a header of 1,000,000 columns")
    path.write_bytes(",".join(f"c{i}" for i in range(1_000_000)).encode() + b"\r\n" + OK_ROW.encode() + b"\r\n")

    path = expect("million_columns_row.csv", "refused", "unreadable-row", "a data row of 1,000,000 cells")
    path.write_bytes((HEADER + "\r\n" + OK_ROW + "\r\n").encode() + b"1," * 999_999 + b"1\r\n")

    path = expect("notes_10mb_cell.csv", "rejected", "notes-too-long", "a 10 MB note")
    path.write_bytes((HEADER + "\r\n" + OK_ROW).encode() + b"x" * (10 * 1024 * 1024) + b"\r\n")

    for name, size, why in (("zip_bomb_300mb.xlsx", 300, "inflates to 300 MB (over the 200 MB cap)"),
                            ("zip_bomb_ratio.xlsx", 100, "inflates 100 MB from ~100 KB (ratio ~1000)")):
        path = expect(name, "refused", "xlsx-too-large", why)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
                block = b"<c>0</c>" * (1024 * 128)  # 1 MB at a time: the generator stays small too
                for _ in range(size):
                    member.write(block)

    path = expect("million_rows.csv", "rejected", "duplicate-row",
                  "1,000,000 rows (~40 MB): all but 504 repeat a county, month and pathway")
    months = [f"{y}-{m:02d}" for y in range(2019, 2026) for m in range(1, 13)]
    keys = [f"{m},{c},{p}" for m in months for c in ("Kanawha", "Jackson", "Wood")
            for p in ("arrest_diversion", "social_contact")]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\r\n")
        for i in range(1_000_000):
            out.write(f"{keys[i % len(keys)]},{i % 50},{i % 50 // 2},{i % 50 // 3},\r\n")

    path = expect("over_the_limit.csv", "refused", "file-too-large",
                  "60 MB (sparse: zeros) against LEAD_MAX_FILE_MB=50; refused before parsing")
    with path.open("wb") as out:
        out.truncate(60 * 1024 * 1024)
    return made


def write_small_files() -> None:
    manifest = {}
    for name, data, expect in small_files():
        (HERE / name).write_bytes(data)
        manifest[name] = expect
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=True) + "\n", encoding="utf-8")
    print(f"wrote {len(manifest)} files and manifest.json to {HERE}", file=sys.stderr)


if __name__ == "__main__":
    write_small_files()
