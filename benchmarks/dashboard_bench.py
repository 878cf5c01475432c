"""Server time to render each analytics page, with the demo data and with large synthetic programs.

    python benchmarks/dashboard_bench.py [--quick] [--runs 3] [--no-postgres]

Each page is rendered the way Streamlit renders it (``AppTest``: the router, then the page),
with ``st.cache_data`` cleared before every timed run, so the time includes every query: what
the first viewer sees after a new file is loaded. The median of ``--runs`` runs is reported.

Scenarios: the West Virginia demo (``python -m etl demo``'s data), and a SYNTHETIC Texas program
(state FIPS 48, 254 counties, 20 invented partners, invented populations) holding about 150,000
and 750,000 monthly_count rows (254 counties x 2 pathways x 295 or 1,476 months), bulk-loaded
straight into the tables (COPY on PostgreSQL, executemany on SQLite): the pipeline's own speed is
etl_bench's subject, not this one's. Writes its section of docs/performance.md between
``<!-- dashboard_bench:start -->`` and ``<!-- dashboard_bench:end -->``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.db import get_engine  # noqa: E402
from etl.runtime import open_runtime  # noqa: E402

PAGES = {"Overview": "pages/overview.py", "County map": "pages/county_map.py", "Trends": "pages/trends.py",
         "Enrollment and assessment": "pages/rates.py"}
POSTGRES_ADMIN_URL = os.environ.get("LEAD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- dashboard_bench:start -->", "<!-- dashboard_bench:end -->"
TODAY = "2026-11-22"
TEXAS_PARTNERS = 20


def texas_program(folder: Path) -> Path:
    """A synthetic Texas program: 20 partners sharing all 254 counties; populations invented."""
    from geo.counties import county_table

    counties = county_table("48")["fips"].tolist()
    rng = np.random.default_rng(48)
    populations = folder / "texas_SYNTHETIC_populations.csv"
    populations.write_text("fips,population\n" + "".join(
        f"{fips},{int(rng.integers(1_000, 2_000_000))}\n" for fips in counties), encoding="utf-8")
    lines = ['# SYNTHETIC benchmark program: invented partners and populations, not Texas data.',
             "[program]", 'name = "Texas LEAD (SYNTHETIC benchmark)"', 'state_fips = "48"',
             'start_month = "1900-01"', "report_due_day = 15", f'populations = "{populations.name}"', ""]
    for number in range(TEXAS_PARTNERS):
        share = counties[number::TEXAS_PARTNERS]
        lines += ["[[partners]]", f'code = "tx-{number + 1:02d}"', f'name = "Synthetic partner {number + 1}"',
                  f'region = "Synthetic region {number + 1}"', "counties = " + json.dumps(share), ""]
    path = folder / "texas_synthetic.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def months_back(count: int) -> list[dt.date]:
    year, month, out = 2026, 10, []
    for _ in range(count):
        out.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def bulk_load(runtime, rows_wanted: int) -> int:
    """Synthetic monthly counts for every county and pathway over enough months; one submission per partner."""
    from sqlalchemy import select

    from etl.db import session_factory
    from etl.models import Partner, PartnerCounty, Submission

    with session_factory(runtime.engine).begin() as session:
        partners = {p.code: p.id for p in session.scalars(select(Partner))}
        county_partner = {pc.county_fips: pc.partner_id for pc in session.scalars(select(PartnerCounty))}
        submissions = {}
        for code, partner_id in partners.items():
            submission = Submission(partner_id=partner_id, source="cli", filename=f"{code}_synthetic.csv",
                                    sha256=uuid.uuid4().hex * 2, byte_size=0, received_by="benchmark",
                                    status="loaded", row_count=0, months="[]",
                                    received_at=dt.datetime(2026, 11, 10, tzinfo=dt.UTC))
            session.add(submission)
            session.flush()
            submissions[partner_id] = submission.id
    fips = sorted(county_partner)
    months = months_back(-(-rows_wanted // (len(fips) * 2)))
    rng = np.random.default_rng(7)
    n = len(fips) * 2 * len(months)
    referrals = rng.poisson(4, n)
    assessed = rng.binomial(referrals, 0.7)
    enrolled = rng.binomial(referrals, 0.9)
    buffer = io.StringIO()
    i = 0
    for month in months:
        for county in fips:
            partner_id = county_partner[county]
            for pathway in ("arrest_diversion", "social_contact"):
                buffer.write(f"{partner_id}\t{county}\t{month.isoformat()}\t{pathway}\t{referrals[i]}\t"
                             f"{assessed[i]}\t{enrolled[i]}\t{submissions[partner_id]}\n")
                i += 1
    columns = ("partner_id", "county_fips", "month", "pathway", "referrals", "assessments_completed", "enrolled",
               "submission_id")
    raw = runtime.engine.raw_connection()
    try:
        if runtime.engine.dialect.name == "postgresql":
            buffer.seek(0)
            with raw.cursor() as cursor, cursor.copy(
                    f"COPY monthly_count ({', '.join(columns)}) FROM STDIN") as copy:  # fixed names, no input
                while chunk := buffer.read(1 << 20):
                    copy.write(chunk)
            raw.commit()
        else:
            records = [line.split("\t") for line in buffer.getvalue().splitlines()]
            cursor = raw.cursor()
            cursor.executemany(f"INSERT INTO monthly_count ({', '.join(columns)}) VALUES (?,?,?,?,?,?,?,?)",
                               records)
            raw.commit()
            cursor.execute("ANALYZE")
    finally:
        raw.close()
    if runtime.engine.dialect.name == "postgresql":
        with runtime.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    return n


def time_pages(env: dict[str, str], runs: int) -> dict[str, float]:
    """Median seconds per page, cache_data cleared before each run (the runtime stays open)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboard import cache

    os.environ.update(env)
    cache.runtime.clear()
    cache.county_geojson.clear()
    cache.region_outlines.clear()
    app = str(ROOT / "dashboard" / "app.py")
    warm = AppTest.from_file(app, default_timeout=600).run()
    for page in PAGES.values():  # builds the per-process resources once (runtime, shapes)
        warm.switch_page(page).run()
        if warm.exception:
            raise RuntimeError(f"{page}: {warm.exception[0].message}")
    results = {}
    for name, page in PAGES.items():
        times = []
        for _ in range(runs):
            at = AppTest.from_file(app, default_timeout=600).run()
            st.cache_data.clear()
            start = time.perf_counter()
            at.switch_page(page).run()
            times.append(time.perf_counter() - start)
            if at.exception:
                raise RuntimeError(f"{page}: {at.exception[0].message}")
        results[name] = statistics.median(times)
    return results


def rows_in(engine) -> int:
    from sqlalchemy import func, select

    from etl.db import session_factory
    from etl.models import MonthlyCount

    with session_factory(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(MonthlyCount)))


def create_postgres() -> str:
    import psycopg
    from sqlalchemy import make_url

    name = f"lead_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # generated name, never input
    return make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False)


def drop_postgres(url: str) -> None:
    import psycopg
    from sqlalchemy import make_url

    get_engine(url).dispose()
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def scenario(label: str, backend: str, work: Path, program: Path | None, rows: int | None, runs: int) -> dict:
    data_dir = work / f"{label}-{backend}".replace(" ", "_")
    data_dir.mkdir(parents=True)
    url = f"sqlite:///{data_dir / 'lead.db'}" if backend == "sqlite" else create_postgres()
    env = {"LEAD_DATABASE_URL": url, "LEAD_DATA_DIR": str(data_dir), "LEAD_TODAY": TODAY,
           "LEAD_PROGRAM_FILE": str(program or ROOT / "programs" / "west_virginia.toml")}
    try:
        runtime = open_runtime(env, upgrade=True)
        started = time.perf_counter()
        if rows is None:
            from etl.demo import load_demo

            load_demo(runtime.engine, runtime.program, runtime.settings)
        else:
            bulk_load(runtime, rows)
        load_seconds = time.perf_counter() - started
        count = rows_in(runtime.engine)
        print(f"{label} on {backend}: {count:,} rows loaded in {load_seconds:.1f} s; timing pages", flush=True)
        pages = time_pages(env, runs)
        print("   " + ", ".join(f"{k} {v:.2f} s" for k, v in pages.items()), flush=True)
        return {"scenario": label, "backend": backend, "rows": count, "pages": pages}
    finally:
        get_engine(url).dispose()
        if backend == "postgresql":
            drop_postgres(url)


def geojson_sizes(work: Path) -> dict[str, int]:
    from geo.counties import county_geojson

    return {state: len(json.dumps(county_geojson(code, work / "geo"), separators=(",", ":")).encode())
            for state, code in (("West Virginia", "54"), ("Texas", "48"))}


def render(results: list[dict], sizes: dict[str, int], runs: int, command: str) -> str:
    lines = [START, "## Dashboard pages (issue 5)", "",
             f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'} "
             f"({os.cpu_count()} CPUs, shared with other work), Python {platform.python_version()}. "
             f"Command: `{command}`.", "",
             "Server time to render each page (Streamlit `AppTest`: router + page), `st.cache_data` cleared "
             f"before each run, so every query runs; median of {runs}. Targets: < 1 s with the demo data, "
             "< 2 s at 750,000 rows. The Texas program is SYNTHETIC (invented partners, populations and counts).",
             "", "| data | database | monthly_count rows | " + " | ".join(PAGES) + " |",
             "| --- | --- | ---: | " + " | ".join("---:" for _ in PAGES) + " |"]
    for result in results:
        cells = [f"{result['pages'][p]:.2f} s" for p in PAGES]
        lines.append(f"| {result['scenario']} | {result['backend']} | {result['rows']:,} | " + " | ".join(cells) + " |")
    lines += ["", "County GeoJSON sent to the browser (simplified, cached): "
              + ", ".join(f"{state} {size / 1024:.0f} KB" for state, size in sizes.items())
              + " (target for West Virginia: < 150 KB).", "",
              "Browser time is separate: DESIGN.md section 8 measured 4.5 s to polygons for one WV map in "
              "headless Chromium with software WebGL.", END]
    return "\n".join(lines)


def write_section(section: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="demo and 150k only")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    backends = ["sqlite"] if args.no_postgres else ["sqlite", "postgresql"]
    command = "python benchmarks/dashboard_bench.py" + (" --quick" if args.quick else "") + (
        " --no-postgres" if args.no_postgres else "") + (f" --runs {args.runs}" if args.runs != 3 else "")
    results = []
    with tempfile.TemporaryDirectory(prefix="dashboard-bench-") as folder:
        work = Path(folder)
        program = texas_program(work)
        sizes = geojson_sizes(work)
        for backend in backends:
            results.append(scenario("West Virginia demo", backend, work, None, None, args.runs))
            for rows in (150_000,) if args.quick else (150_000, 750_000):
                results.append(scenario(f"Texas SYNTHETIC {rows // 1000}k", backend, work, program, rows, args.runs))
    section = render(results, sizes, args.runs, command)
    write_section(section)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
