"""Server time to render every dashboard page, with the demo data and with large synthetic programs.

    python benchmarks/dashboard_bench.py [--quick] [--runs 3] [--no-postgres] [--profile]

Every page a coordinator has (dashboard.access.PAGES: the analytics, operations and
administration pages) is rendered the way Streamlit renders it (``AppTest``: the router, then
the page), signed in as a real coordinator account, with ``st.cache_data`` cleared before every
timed run, so the time includes every query: what the first viewer sees after a new file is
loaded. The median of ``--runs`` runs is reported. ``--profile`` also prints, for each page of
each scenario, the functions with the most cumulative time in one cProfiled run (not written to
the docs).

Scenarios: the West Virginia demo (``python -m etl demo``'s data), and a SYNTHETIC Texas program
(state FIPS 48, 254 counties, 20 invented partners with invented contacts and populations)
holding about 150,000 and 750,000 monthly_count rows (254 counties x 2 pathways x 296 or 1,477
months), bulk-loaded straight into the tables (COPY on PostgreSQL, executemany on SQLite): the
pipeline's own speed is etl_bench's subject, not this one's. The synthetic program also gets the
submissions a real one would have: one file per partner per month, each with its report (JSON),
about one in ten late, some rejected and re-sent, some corrected (superseded), and two partners
missing the latest month, so the completeness and submissions pages have their real work.
Writes its section of docs/performance.md between ``<!-- dashboard_bench:start -->`` and
``<!-- dashboard_bench:end -->``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import io
import json
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.access import PAGES as PAGE_SPECS  # noqa: E402
from dashboard.viewer import COORDINATOR  # noqa: E402
from etl.db import get_engine  # noqa: E402
from etl.runtime import open_runtime  # noqa: E402

# Every page a coordinator has (a coordinator sees every page, and every region's data).
PAGES = {spec.title: spec.path for spec in PAGE_SPECS if COORDINATOR in spec.roles}
POSTGRES_ADMIN_URL = os.environ.get("LEAD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- dashboard_bench:start -->", "<!-- dashboard_bench:end -->"
TODAY = "2026-11-22"
TEXAS_PARTNERS = 20
BENCH_LOGIN = "bench-coordinator"
BENCH_PASSWORD = "benchmark only, not a secret"  # noqa: S105 (a throwaway account in a throwaway database)
SIZES = {"150k": 150_000, "750k": 750_000}


def texas_program(folder: Path) -> Path:
    """A synthetic Texas program: 20 partners sharing all 254 counties; populations and contacts invented."""
    from geo.counties import county_table

    counties = county_table("48")["fips"].tolist()
    rng = np.random.default_rng(48)
    populations = folder / "texas_SYNTHETIC_populations.csv"
    populations.write_text("fips,population\n" + "".join(
        f"{fips},{int(rng.integers(1_000, 2_000_000))}\n" for fips in counties), encoding="utf-8")
    lines = ['# SYNTHETIC benchmark program: invented partners, contacts and populations, not Texas data.',
             "[program]", 'name = "Texas LEAD (SYNTHETIC benchmark)"', 'state_fips = "48"',
             'start_month = "1900-01"', "report_due_day = 15", f'populations = "{populations.name}"', ""]
    for number in range(TEXAS_PARTNERS):
        share = counties[number::TEXAS_PARTNERS]
        lines += ["[[partners]]", f'code = "tx-{number + 1:02d}"', f'name = "Synthetic partner {number + 1}"',
                  f'region = "Synthetic region {number + 1}"', "counties = " + json.dumps(share), ""]
    lines += ["[[contacts]]", 'name = "State LEAD coordinator (synthetic)"', 'title = "Program staff"',
              'phone = "512-555-0100"', 'email = "lead@state.example.org"', ""]
    for number in range(TEXAS_PARTNERS):
        for role in ("LEAD coordinator", "Case manager"):
            lines += ["[[contacts]]", f'partner = "tx-{number + 1:02d}"', f'name = "{role}"',
                      f'title = "Synthetic partner {number + 1}"', f'phone = "512-555-{number + 1:04d}"',
                      f'email = "lead@tx-{number + 1:02d}.example.org"', ""]
    path = folder / "texas_synthetic.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def months_back(count: int) -> list[dt.date]:
    year, month, out = 2026, 10, []
    for _ in range(count):
        out.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def _due(month: dt.date) -> dt.datetime:
    """The end of the program's due day (15) in the next month, as in dashboard.completeness."""
    year, number = (month.year + 1, 1) if month.month == 12 else (month.year, month.month + 1)
    return dt.datetime(year, number, 16, tzinfo=dt.UTC)


def synthetic_submissions(partners: dict[str, int], partner_counties: dict[int, int], months: list[dt.date],
                          totals: dict[tuple[int, int], dict[str, int]]) -> tuple[list[dict], dict]:
    """One file per partner per month, as a real program receives them, with each file's report.

    About one in ten arrives late; one in fifty is rejected first (two problems) and sent again;
    one in fifty is corrected later (the first becomes superseded); the last two partners have
    not sent the latest month. Returns the submission rows (ids given) and, for each (partner id,
    month index) with data, the id of the file its counts came from.
    """
    rng = np.random.default_rng(11)
    now = dt.datetime.fromisoformat(TODAY).replace(hour=12, tzinfo=dt.UTC)
    missing = set(list(partners.values())[-2:])
    rows: list[dict] = []
    current: dict[tuple[int, int], int] = {}

    def add(code: str, partner_id: int, index: int, received: dt.datetime, status: str, suffix: str = "",
            errors: list | None = None, replaced: dict | None = None) -> int:
        label = f"{months[index]:%Y-%m}"
        filename = f"{code}_{label}{suffix}.csv"
        count = 2 * partner_counties[partner_id]
        sha256 = hashlib.sha256(f"{filename}:{len(rows)}".encode()).hexdigest()
        report = {"file": filename, "partner": code, "sha256": sha256, "status": status,
                  "rows": count, "months": [label], "totals": {} if errors else totals[(partner_id, index)],
                  "replaced": replaced or {}, "errors": errors or [], "error_count": len(errors or []),
                  "submission_id": len(rows) + 1}
        rows.append({"id": len(rows) + 1, "partner_id": partner_id, "source": "cli", "filename": filename,
                     "sha256": sha256, "byte_size": 45 * count, "received_at": min(received, now),
                     "received_by": "benchmark", "status": status, "row_count": 0 if errors else count,
                     "months": json.dumps([label]), "report": json.dumps(report)})
        return len(rows)

    for index, month in enumerate(months):
        due = _due(month)
        for code, partner_id in partners.items():
            if index == len(months) - 1 and partner_id in missing:
                continue
            late = rng.random() < 0.1 and index < len(months) - 1
            received = due + dt.timedelta(hours=int(rng.integers(1, 20 * 24))) if late else \
                due - dt.timedelta(hours=int(rng.integers(1, 14 * 24)))
            if rng.random() < 0.02:
                problems = [{"row": 3, "column": "county", "value": "Harriss",
                             "message": "'Harriss' is not a county of Texas; did you mean 'Harris'?",
                             "code": "unknown_county"},
                            {"row": 7, "column": "enrolled", "value": "12",
                             "message": "enrolled (12) is more than referrals (9)", "code": "enrolled_above_referrals"}]
                add(code, partner_id, index, received - dt.timedelta(hours=3), "rejected", "_rejected", problems)
            corrected = rng.random() < 0.02 and index < len(months) - 1
            first = add(code, partner_id, index, received, "superseded" if corrected else "loaded")
            current[(partner_id, index)] = first
            if corrected:
                label = f"{month:%Y-%m}"
                current[(partner_id, index)] = add(code, partner_id, index, received + dt.timedelta(days=9),
                                                   "loaded", "_corrected",
                                                   replaced={label: totals[(partner_id, index)]})
    return rows, current


def bulk_load(runtime, rows_wanted: int) -> int:
    """Synthetic monthly counts for every county and pathway over enough months, and their submissions."""
    from sqlalchemy import insert, select, text

    from etl.db import session_factory
    from etl.models import Partner, PartnerCounty, Submission

    with session_factory(runtime.engine)() as session:
        partners = {p.code: p.id for p in session.scalars(select(Partner).order_by(Partner.id))}
        county_partner = {pc.county_fips: pc.partner_id for pc in session.scalars(select(PartnerCounty))}
    fips = sorted(county_partner)
    months = months_back(-(-rows_wanted // (len(fips) * 2)))
    rng = np.random.default_rng(7)
    shape = (len(months), len(fips), 2)
    referrals = rng.poisson(4, shape)
    assessed = rng.binomial(referrals, 0.7)
    enrolled = rng.binomial(referrals, 0.9)
    owner = np.array([county_partner[f] for f in fips])
    totals = {}
    for partner_id in partners.values():
        mine = owner == partner_id
        for name, values in (("referrals", referrals), ("assessments_completed", assessed), ("enrolled", enrolled)):
            sums = values[:, mine, :].sum(axis=(1, 2))
            for index in range(len(months)):
                totals.setdefault((partner_id, index), {})[name] = int(sums[index])
    partner_counties = {p: int((owner == p).sum()) for p in partners.values()}
    submission_rows, current = synthetic_submissions(partners, partner_counties, months, totals)
    with session_factory(runtime.engine).begin() as session:
        session.execute(insert(Submission), submission_rows)
        if runtime.engine.dialect.name == "postgresql":  # ids were given: move the sequence past them
            session.execute(text("SELECT setval(pg_get_serial_sequence('submission', 'id'), "
                                 "(SELECT max(id) FROM submission))"))
    buffer = io.StringIO()
    n = 0
    for m, month in enumerate(months):
        for c, county in enumerate(fips):
            partner_id = county_partner[county]
            submission = current.get((partner_id, m))
            if submission is None:  # the partner has not sent this month
                continue
            for p, pathway in enumerate(("arrest_diversion", "social_contact")):
                buffer.write(f"{partner_id}\t{county}\t{month.isoformat()}\t{pathway}\t{referrals[m, c, p]}\t"
                             f"{assessed[m, c, p]}\t{enrolled[m, c, p]}\t{submission}\n")
                n += 1
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
            # A throwaway database: no fsync, and a page cache big enough for the indexes (512 MB).
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA cache_size = -524288")
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


def signed_in_app(login: str):
    """The app as a real server runs it for a session signed in as ``login`` (the router, then Home)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=600)
    at.session_state["auth"] = {"login": login, "last_seen": dt.datetime.now(dt.UTC), "method": "password"}
    return at.run()


def check_rendered(at, page: str) -> None:
    """A timed run must be the page itself: no exception, not the sign-in form."""
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    if not at.title or any(field.label == "Password" for field in at.text_input):
        raise RuntimeError(f"{page}: the page did not render for the signed-in coordinator")


def profile_page(page: str, lines: int = 25) -> str:
    """One cProfiled run of ``page`` (caches cleared): the functions with the most cumulative time."""
    import streamlit as st
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    profiler = cProfile.Profile()
    original = LocalScriptRunner._run_script_thread

    def profiled(runner) -> None:  # AppTest runs the script in its own thread: profile that thread
        profiler.enable()
        try:
            original(runner)
        finally:
            profiler.disable()

    at = signed_in_app(BENCH_LOGIN)
    st.cache_data.clear()
    LocalScriptRunner._run_script_thread = profiled
    try:
        at.switch_page(page).run()
    finally:
        LocalScriptRunner._run_script_thread = original
    report = io.StringIO()
    pstats.Stats(profiler, stream=report).sort_stats("cumulative").print_stats(lines)
    return report.getvalue()


def time_pages(env: dict[str, str], runs: int, profile: bool = False) -> dict[str, float]:
    """Median seconds per page, cache_data cleared before each run (the runtime stays open)."""
    import streamlit as st

    from dashboard import cache

    os.environ.update(env)
    cache.runtime.clear()
    cache.county_geojson.clear()
    cache.region_outlines.clear()
    warm = signed_in_app(BENCH_LOGIN)
    for page in PAGES.values():  # builds the per-process resources once (runtime, shapes)
        warm.switch_page(page).run()
        check_rendered(warm, page)
    results = {}
    for name, page in PAGES.items():
        times = []
        for _ in range(runs):
            at = signed_in_app(BENCH_LOGIN)
            st.cache_data.clear()
            start = time.perf_counter()
            at.switch_page(page).run()
            times.append(time.perf_counter() - start)
            check_rendered(at, page)
        results[name] = statistics.median(times)
        if profile:
            print(f"--- profile: {name}\n{profile_page(page)}", flush=True)
    return results


def rows_in(engine) -> tuple[int, int]:
    """(monthly_count rows, submission rows)."""
    from sqlalchemy import func, select

    from etl.db import session_factory
    from etl.models import MonthlyCount, Submission

    with session_factory(engine)() as session:
        return (int(session.scalar(select(func.count()).select_from(MonthlyCount))),
                int(session.scalar(select(func.count()).select_from(Submission))))


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


def scenario(label: str, backend: str, work: Path, program: Path | None, rows: int | None, runs: int,
             profile: bool = False) -> dict:
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
        from etl.users import add_user

        add_user(runtime.engine, login=BENCH_LOGIN, display_name="Benchmark coordinator", role=COORDINATOR,
                 password=BENCH_PASSWORD)
        count, submissions = rows_in(runtime.engine)
        print(f"{label} on {backend}: {count:,} rows and {submissions:,} submissions loaded in {load_seconds:.1f} s; "
              "timing pages", flush=True)
        pages = time_pages(env, runs, profile)
        print("   " + ", ".join(f"{k} {v:.2f} s" for k, v in pages.items()), flush=True)
        return {"scenario": label, "backend": backend, "rows": count, "submissions": submissions, "pages": pages}
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
             "Server time to render each page a coordinator has (Streamlit `AppTest`: router + page, signed in "
             "as a coordinator account), `st.cache_data` cleared before each run, so every query runs; median "
             f"of {runs}. Targets: < 1 s with the demo data, < 2 s at 750,000 rows. The Texas program is "
             "SYNTHETIC (invented partners, contacts, populations, counts and files: one file a month per "
             "partner with its report, some late, rejected or corrected). Upload shows its form (no file "
             "chosen).",
             "", "| data | database | monthly_count rows | submissions | " + " | ".join(PAGES) + " |",
             "| --- | --- | ---: | ---: | " + " | ".join("---:" for _ in PAGES) + " |"]
    for result in results:
        cells = [f"{result['pages'][p]:.2f} s" for p in PAGES]
        lines.append(f"| {result['scenario']} | {result['backend']} | {result['rows']:,} | "
                     f"{result['submissions']:,} | " + " | ".join(cells) + " |")
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
    parser.add_argument("--only", choices=["demo", *SIZES], action="append",
                        help="run only these scenarios (repeatable); the docs are then not written")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of each page (one more run each); the docs are then not written")
    args = parser.parse_args(argv)
    backends = ["sqlite"] if args.no_postgres else ["sqlite", "postgresql"]
    wanted = args.only or ["demo", *(["150k"] if args.quick else SIZES)]
    command = "python benchmarks/dashboard_bench.py" + (" --quick" if args.quick else "") + (
        " --no-postgres" if args.no_postgres else "") + (f" --runs {args.runs}" if args.runs != 3 else "")
    results = []
    with tempfile.TemporaryDirectory(prefix="dashboard-bench-") as folder:
        work = Path(folder)
        program = texas_program(work)
        sizes = geojson_sizes(work)
        for backend in backends:
            if "demo" in wanted:
                results.append(scenario("West Virginia demo", backend, work, None, None, args.runs, args.profile))
            for size, rows in SIZES.items():
                if size in wanted:
                    results.append(scenario(f"Texas SYNTHETIC {size}", backend, work, program, rows, args.runs,
                                            args.profile))
    section = render(results, sizes, args.runs, command)
    if not args.only and not args.profile:
        write_section(section)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
