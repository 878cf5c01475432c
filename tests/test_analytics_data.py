"""The analytics queries, on SQLite and PostgreSQL, against totals computed from the rows sent."""

import datetime as dt

import pandas as pd
import pytest

from dashboard import data
from dashboard.selection import Filters
from dashboard.viewer import Viewer
from etl.pipeline import Intake, process_file
from tests.helpers import csv_bytes, prestera_month, row, totals

COORDINATOR = Viewer("state", "coordinator")
LEADERSHIP = Viewer("lead", "leadership")
PRESTERA = Viewer("p", "partner", "prestera")
SENECA_ROWS = [row("2026-02", "Greenbrier", "arrest_diversion", 10, 7, 9),
               row("2026-02", "Greenbrier", "social_contact", 3, 1, 2),
               row("2026-02", "Nicholas", "arrest_diversion", 0, 0, 0),
               row("2026-02", "Pocahontas", "social_contact", 2, 2, 1)]
PRESTERA_JAN, PRESTERA_MAR = prestera_month("2026-01", base=4), prestera_month("2026-03", base=6)


def send(runtime, partner: str, rows: list[dict], name: str) -> None:
    settings = runtime.settings
    report = process_file(runtime.engine, runtime.program, partner_code=partner, filename=name, data=csv_bytes(rows),
                          intake=Intake(source="cli", received_by="test"), archive_dir=settings.archive_dir,
                          today=settings.today, max_bytes=settings.max_file_bytes)
    assert report.status == "loaded", report.errors


@pytest.fixture
def loaded(runtime):
    """Prestera reports January and March (not February); Seneca reports February only."""
    send(runtime, "prestera", PRESTERA_JAN, "prestera_2026-01.csv")
    send(runtime, "prestera", PRESTERA_MAR, "prestera_2026-03.csv")
    send(runtime, "seneca", SENECA_ROWS, "seneca_2026-02.csv")
    return runtime


def by_pathway(rows: list[dict]) -> dict[str, dict[str, int]]:
    return {p: totals([r for r in rows if r["referral_type"] == p]) for p in ("arrest_diversion", "social_contact")}


def as_dict(frame: pd.DataFrame, key: str) -> dict:
    return {k: {c: int(v[c]) for c in data.COUNT_SUMS} for k, v in frame.set_index(key).iterrows()}


def test_totals_by_pathway_are_the_rows_sent_and_a_partner_sees_only_its_own(loaded):
    every = PRESTERA_JAN + PRESTERA_MAR + SENECA_ROWS
    assert as_dict(data.totals_by_pathway(loaded.engine, COORDINATOR, Filters()), "pathway") == by_pathway(every)
    assert as_dict(data.totals_by_pathway(loaded.engine, LEADERSHIP, Filters()), "pathway") == by_pathway(every)
    mine = data.totals_by_pathway(loaded.engine, PRESTERA, Filters())
    assert as_dict(mine, "pathway") == by_pathway(PRESTERA_JAN + PRESTERA_MAR)
    # A partner asking for another partner's region gets nothing, not that region's numbers.
    other = data.totals_by_pathway(loaded.engine, PRESTERA, Filters(partners=("seneca",)))
    assert other["referrals"].tolist() == [0, 0]


def test_filters_narrow_the_totals(loaded):
    march = Filters(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 1), pathways=("social_contact",))
    frame = data.totals_by_pathway(loaded.engine, COORDINATOR, march)
    assert as_dict(frame, "pathway")["social_contact"] == by_pathway(PRESTERA_MAR)["social_contact"]
    assert as_dict(frame, "pathway")["arrest_diversion"] == {"referrals": 0, "assessments_completed": 0,
                                                             "enrolled": 0}
    kanawha = data.totals_by_pathway(loaded.engine, COORDINATOR, Filters(counties=("54039",)))
    assert int(kanawha["referrals"].sum()) == sum(r["referrals"] for r in PRESTERA_JAN + PRESTERA_MAR
                                                  if r["county"] == "Kanawha")


def test_counts_by_county_cover_every_county_of_the_state(loaded):
    frame = data.counts_by_county(loaded.engine, COORDINATOR, Filters()).set_index("county")
    assert len(frame) == 55 and frame["fips"].is_unique
    assert (frame["status"] == data.IN_PROGRAM).sum() == 17
    assert (frame["status"] == data.NOT_IN_PROGRAM).sum() == 38
    kanawha = totals([r for r in PRESTERA_JAN + PRESTERA_MAR if r["county"] == "Kanawha"])
    assert {c: int(frame.loc["Kanawha", c]) for c in data.COUNT_SUMS} == kanawha
    assert frame.loc["Kanawha", "population"] == 180_745
    assert frame.loc["Kanawha", "region"] == "Kanawha and Ohio Valley"
    assert int(frame.loc["Nicholas", "referrals"]) == 0  # reported zero: a number, not "no data"
    assert int(frame.loc["Raleigh", "referrals"]) == 0  # in the program, nothing sent yet
    assert frame.loc["Cabell", "referrals"] is pd.NA and pd.isna(frame.loc["Cabell", "partner"])


def test_a_partner_sees_other_regions_without_numbers_or_partners(loaded):
    frame = data.counts_by_county(loaded.engine, PRESTERA, Filters()).set_index("county")
    assert len(frame) == 55
    assert sorted(frame.index[frame["status"] == data.IN_PROGRAM]) == ["Jackson", "Kanawha", "Wood"]
    others = frame[frame["status"] == data.NOT_YOUR_REGION]
    assert len(others) == 14 and "54025" in set(others["fips"])  # Greenbrier: its shape, not its name
    assert others.index.isna().all()
    assert others[list(data.COUNT_SUMS)].isna().all().all()
    assert others[["partner", "partner_name", "region", "population"]].isna().all().all()
    assert int(frame.loc["Wood", "referrals"]) == totals([r for r in PRESTERA_JAN + PRESTERA_MAR
                                                         if r["county"] == "Wood"])["referrals"]


def test_region_counts_list_every_region_the_viewer_may_see(loaded):
    frame = data.region_counts(loaded.engine, COORDINATOR, Filters())
    assert frame["partner"].tolist() == ["seneca", "southern-highlands", "prestera", "region-4", "region-5"]
    counts = as_dict(frame, "partner")
    assert counts["prestera"] == totals(PRESTERA_JAN + PRESTERA_MAR)
    assert counts["seneca"] == totals(SENECA_ROWS)
    assert counts["region-4"] == {"referrals": 0, "assessments_completed": 0, "enrolled": 0}
    assert data.region_counts(loaded.engine, PRESTERA, Filters())["partner"].tolist() == ["prestera"]
    assert data.region_counts(loaded.engine, COORDINATOR, Filters(partners=("seneca",)))["partner"].tolist() == [
        "seneca"]


def test_monthly_counts_keep_a_month_without_a_report_as_a_gap(loaded):
    regions = data.monthly_counts(loaded.engine, COORDINATOR, Filters(), by="region")
    prestera = regions[regions["group"] == "Kanawha and Ohio Valley"].set_index("month")
    assert list(prestera.index.strftime("%Y-%m")) == ["2026-01", "2026-02", "2026-03"]
    assert prestera["reported"].tolist() == [True, False, True]
    assert prestera.loc["2026-02-01", "referrals"] is pd.NA
    assert int(prestera.loc["2026-03-01", "referrals"]) == totals(PRESTERA_MAR)["referrals"]
    total = data.monthly_counts(loaded.engine, COORDINATOR, Filters(), by="total")
    assert total["referrals"].astype(int).tolist() == [totals(rows)["referrals"]
                                                      for rows in (PRESTERA_JAN, SENECA_ROWS, PRESTERA_MAR)]
    counties = data.monthly_counts(loaded.engine, PRESTERA, Filters(), by="county")
    assert sorted(counties["group"].unique()) == ["Jackson", "Kanawha", "Wood"]
    pathways = data.monthly_counts(loaded.engine, COORDINATOR, Filters(start=dt.date(2026, 2, 1)), by="pathway")
    social = pathways[pathways["group"] == "social_contact"]["referrals"].astype(int).tolist()
    assert social == [sum(r["referrals"] for r in rows if r["referral_type"] == "social_contact")
                      for rows in (SENECA_ROWS, PRESTERA_MAR)]
    with pytest.raises(ValueError):
        data.monthly_counts(loaded.engine, COORDINATOR, Filters(), by="partner; DROP TABLE county")


def test_rolling_means_and_running_totals_skip_months_without_a_report():
    months = pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"])
    frame = pd.DataFrame({"month": months, "group": "a",
                          "referrals": pd.array([3, 6, 9, None, 4, 5], dtype="Int64"),
                          "assessments_completed": pd.array([0] * 6, dtype="Int64"),
                          "enrolled": pd.array([0] * 6, dtype="Int64"),
                          "reported": [True, True, True, False, True, True]})
    out = data.with_trend_lines(frame)
    assert out["rolling_3"].isna().tolist() == [True, True, False, True, True, True]
    assert out.loc[2, "rolling_3"] == 6.0
    assert out["cumulative"].tolist()[:3] == [3, 9, 18]
    assert out.loc[3, "cumulative"] is pd.NA
    assert out["cumulative"].tolist()[4:] == [22, 27]


def test_reporting_status_names_the_late_partners_the_viewer_may_see(loaded):
    now = dt.datetime(2026, 4, 20, 12, tzinfo=dt.UTC)  # March's reports were due on 15 April
    first = dt.date(2026, 1, 1)
    status = data.reporting_status(loaded.engine, COORDINATOR, first, 15, now)
    assert status.latest_due_month == "2026-03"
    assert status.last_complete_month is None  # three regions never reported
    assert status.late["partner"].tolist() == ["seneca", "southern-highlands", "region-4", "region-5"]
    mine = data.reporting_status(loaded.engine, PRESTERA, first, 15, now)
    assert mine.late.empty and mine.last_complete_month == "2026-03"


def test_busiest_counties_are_ranked_by_referrals_within_the_viewers_scope(loaded):
    sent = PRESTERA_JAN + PRESTERA_MAR + SENECA_ROWS
    by_county: dict[str, int] = {}
    for record in sent:
        by_county[record["county"]] = by_county.get(record["county"], 0) + record["referrals"]
    names = {c.fips: c.name for c in loaded.program.counties}
    top = data.busiest_counties(loaded.engine, COORDINATOR, Filters(), 2)
    assert [by_county[names[f]] for f in top] == sorted(by_county.values(), reverse=True)[:2]
    mine = data.busiest_counties(loaded.engine, PRESTERA, Filters(), 10)
    assert sorted(names[f] for f in mine) == ["Jackson", "Kanawha", "Wood"]
