from sqlalchemy import func, inspect, select, text

from etl.db import get_engine, session_factory
from etl.migrate import downgrade, head_revision, is_up_to_date, schema_differences, upgrade
from etl.models import Contact, County, Partner, PartnerCounty
from etl.program import load_program
from etl.sync import sync_program
from tests.conftest import ROOT


def test_migrating_an_empty_database_gives_exactly_the_models(database_url):
    engine = get_engine(database_url)
    upgrade(engine)
    assert head_revision() is not None
    assert is_up_to_date(engine)
    assert schema_differences(engine) == []
    upgrade(engine)  # a second upgrade is a no-op
    assert schema_differences(engine) == []


def counts(engine):
    with session_factory(engine)() as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) for t in (County, Partner, PartnerCounty,
                                                                                   Contact))


def test_syncing_the_program_is_idempotent(runtime):
    first = counts(runtime.engine)
    assert first == (55, 5, 17, 6)
    sync_program(runtime.engine, runtime.program)
    sync_program(runtime.engine, runtime.program)
    assert counts(runtime.engine) == first


def test_a_changed_program_moves_counties_and_keeps_old_partners_inactive(runtime, tmp_path):
    text = (ROOT / "programs" / "west_virginia.toml").read_text()
    text = text.replace('counties = ["Raleigh", "Summers", "Monroe"]', 'counties = ["Raleigh", "Summers"]')
    text = text.replace('counties = ["Barbour", "Randolph", "Tucker", "Upshur"]',
                        'counties = ["Barbour", "Randolph", "Tucker", "Upshur", "Monroe"]')
    changed = tmp_path / "wv.toml"
    changed.write_text(text)
    sync_program(runtime.engine, load_program(changed))
    with session_factory(runtime.engine)() as session:
        owner = session.execute(select(Partner.code).join(PartnerCounty).where(
            PartnerCounty.county_fips == "54063")).scalar_one()
    assert owner == "region-5"
    assert counts(runtime.engine)[2] == 17


ROWS = [(1, "54039", "2026-03-01", "arrest_diversion", 4, 3, 4, "a note", 1),
        (1, "54039", "2026-03-01", "social_contact", 2, 1, 2, None, 1),
        (1, "54035", "2026-04-01", "arrest_diversion", 7, 7, 6, "=1+2", 1)]
COLUMNS = "partner_id, county_fips, month, pathway, referrals, assessments_completed, enrolled, notes, submission_id"


def stored_rows(engine) -> list[tuple]:
    with engine.connect() as connection:
        return sorted(tuple(str(v) if k == 2 else v for k, v in enumerate(row)) for row in connection.execute(
            text(f"SELECT {COLUMNS} FROM monthly_count")))


def test_0003_rebuilds_monthly_count_keeping_every_row_and_downgrades_back(database_url):
    """A database holding counts under 0002's schema (surrogate id, four indexes, foreign keys)
    keeps every row through 0003's rebuild, and through the way back."""
    engine = get_engine(database_url)
    upgrade(engine, "0002")
    sync_program(engine, load_program(ROOT / "programs" / "west_virginia.toml"))
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO submission (id, partner_id, source, filename, sha256, byte_size, "
                                "received_at, received_by, status, row_count, months, report) VALUES "
                                "(1, 1, 'cli', 'march.csv', 'x', 10, '2026-04-02 10:00:00+00', 'test', 'loaded', "
                                "3, '[\"2026-03\", \"2026-04\"]', '{}')"))
        connection.execute(text(f"INSERT INTO monthly_count ({COLUMNS}) VALUES "
                                "(:p, :c, :m, :w, :r, :a, :e, :n, :s)"),
                           [dict(zip("pcmwraens", row, strict=True)) for row in ROWS])
    upgrade(engine)
    assert schema_differences(engine) == []
    assert stored_rows(engine) == sorted(ROWS)
    assert inspect(engine).get_pk_constraint("monthly_count")["constrained_columns"] == ["month", "county_fips",
                                                                                        "pathway"]
    assert inspect(engine).get_indexes("monthly_count") == []
    assert inspect(engine).get_foreign_keys("monthly_count") == []
    downgrade(engine, "0002")
    assert stored_rows(engine) == sorted(ROWS)
    assert {i["name"] for i in inspect(engine).get_indexes("monthly_count")} >= {
        "ix_monthly_count_month_county", "ix_monthly_count_partner_month", "ix_monthly_count_submission_id",
        "ix_monthly_count_dashboard"}
    assert len(inspect(engine).get_foreign_keys("monthly_count")) == 3
    upgrade(engine)
    assert stored_rows(engine) == sorted(ROWS)
