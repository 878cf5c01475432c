import csv

import pytest
from sqlalchemy import func, select

from etl.db import session_factory
from etl.demo import demo_months, generate_demo_files, load_demo
from etl.errors import ConfigError
from etl.models import MonthlyCount, Submission
from tests.helpers import csv_bytes, prestera_month
from tests.test_pipeline import run


def counts(runtime):
    with session_factory(runtime.engine)() as session:
        return (session.scalar(select(func.count()).select_from(Submission)),
                session.scalar(select(func.count()).select_from(MonthlyCount)),
                session.scalar(select(func.sum(MonthlyCount.referrals))))


def test_demo_months_are_the_24_before_the_current_one(today):
    months = demo_months(today)
    assert len(months) == 24
    assert f"{months[0]:%Y-%m}" == "2024-11" and f"{months[-1]:%Y-%m}" == "2026-10"


def test_the_demo_files_are_synthetic_and_cover_17_counties_both_pathways(runtime, tmp_path, today):
    files = generate_demo_files(runtime.program, tmp_path, today)
    counties, pathways = set(), set()
    for demo_file in files:
        with demo_file.path.open(encoding="utf-8") as handle:
            for record in csv.DictReader(handle):
                assert record["notes"].startswith("SYNTHETIC")
                counties.add(record["county"])
                pathways.add(record["referral_type"])
    assert len(counties) == 17 + 1  # the 17, plus the one misspelled on purpose in the rejected file
    assert pathways == {"arrest_diversion", "social_contact"}


def test_running_the_demo_twice_duplicates_nothing(runtime):
    first = load_demo(runtime.engine, runtime.program, runtime.settings)
    assert {r.status for r in first} == {"loaded", "rejected"}
    before = counts(runtime)
    assert load_demo(runtime.engine, runtime.program, runtime.settings) == []
    assert counts(runtime) == before


def test_the_demo_refuses_a_database_it_did_not_create(runtime):
    run(runtime, csv_bytes(prestera_month()))
    with pytest.raises(ConfigError, match="not created by 'python -m etl demo'"):
        load_demo(runtime.engine, runtime.program, runtime.settings)
