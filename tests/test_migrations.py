from sqlalchemy import func, select

from etl.db import get_engine, session_factory
from etl.migrate import head_revision, is_up_to_date, schema_differences, upgrade
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
