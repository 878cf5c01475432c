"""Every query the dashboard runs. Each function takes the viewer and restricts the query to it.

Nothing here imports streamlit: pages call these through ``dashboard.cache``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, Select, func, select

from dashboard.viewer import Viewer
from etl.db import session_factory
from etl.models import County, MonthlyCount, Partner, PartnerCounty


def _scoped(query: Select, viewer: Viewer, partner_column) -> Select:
    """Restrict ``query`` to the viewer's partner, in the query itself."""
    if viewer.scope is not None:
        query = query.where(partner_column.in_(select(Partner.id).where(Partner.code == viewer.scope)))
    return query


@dataclass(frozen=True)
class ReferralTotals:
    referrals: int
    assessments_completed: int
    enrolled: int
    rows: int


def referral_totals(engine: Engine, viewer: Viewer) -> ReferralTotals:
    """Totals of every count loaded that the viewer may see."""
    query = _scoped(select(func.coalesce(func.sum(MonthlyCount.referrals), 0),
                           func.coalesce(func.sum(MonthlyCount.assessments_completed), 0),
                           func.coalesce(func.sum(MonthlyCount.enrolled), 0),
                           func.count()), viewer, MonthlyCount.partner_id)
    with session_factory(engine)() as session:
        referrals, assessed, enrolled, rows = session.execute(query).one()
    return ReferralTotals(int(referrals), int(assessed), int(enrolled), int(rows))


def counties_by_partner(engine: Engine, viewer: Viewer) -> pd.DataFrame:
    """One row per partner: code, partner, region, counties (names, comma-separated), county count."""
    query = _scoped(
        select(Partner.code, Partner.name, Partner.region, County.name)
        .join(PartnerCounty, PartnerCounty.partner_id == Partner.id)
        .join(County, County.fips == PartnerCounty.county_fips)
        .where(Partner.active.is_(True))
        .order_by(Partner.id, County.name),
        viewer, Partner.id,
    )
    with session_factory(engine)() as session:
        rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=["code", "partner", "region", "county"])
    grouped = frame.groupby(["code", "partner", "region"], sort=False)["county"]
    return grouped.agg(counties=", ".join, county_count="count").reset_index()


@dataclass(frozen=True)
class FilterOptions:
    """What the viewer may choose from: only its own partners, counties and months."""

    months: list  # first-of-month dates with data, oldest first
    partners: pd.DataFrame  # code, name, region
    counties: pd.DataFrame  # fips, name, partner (code)


def filter_options(engine: Engine, viewer: Viewer) -> FilterOptions:
    partners_query = _scoped(select(Partner.code, Partner.name, Partner.region)
                             .where(Partner.active.is_(True)).order_by(Partner.id), viewer, Partner.id)
    counties_query = _scoped(
        select(County.fips, County.name, Partner.code)
        .join(PartnerCounty, PartnerCounty.county_fips == County.fips)
        .join(Partner, Partner.id == PartnerCounty.partner_id)
        .order_by(County.name), viewer, Partner.id)
    months_query = _scoped(select(func.min(MonthlyCount.month), func.max(MonthlyCount.month)), viewer,
                           MonthlyCount.partner_id)
    with session_factory(engine)() as session:
        partners = pd.DataFrame(session.execute(partners_query).all(), columns=["code", "name", "region"])
        counties = pd.DataFrame(session.execute(counties_query).all(), columns=["fips", "name", "partner"])
        first, last = session.execute(months_query).one()
    return FilterOptions(months=_month_range(first, last), partners=partners, counties=counties)


def _month_range(first, last) -> list:
    if first is None or last is None:
        return []
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(type(first)(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def submissions(engine: Engine, viewer: Viewer, partner: str | None = None) -> pd.DataFrame:
    """Every file received that the viewer may see, newest first (no report bodies, no bytes)."""
    from etl.models import Submission

    query = _scoped(
        select(Submission.id, Partner.code, Partner.region, Submission.filename, Submission.source,
               Submission.received_at, Submission.received_by, Submission.status, Submission.row_count,
               Submission.months, Submission.sha256, Submission.byte_size)
        .join(Partner, Partner.id == Submission.partner_id)
        .order_by(Submission.received_at.desc(), Submission.id.desc()),
        viewer, Partner.id)
    if partner:
        query = query.where(Partner.code == partner)
    with session_factory(engine)() as session:
        rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=["id", "partner", "region", "file", "source", "received_at", "received_by",
                                        "status", "rows", "months", "sha256", "bytes"])
    frame["months"] = frame["months"].map(json.loads)
    frame["received_at"] = pd.to_datetime(frame["received_at"], utc=True)
    return frame


def data_version(engine: Engine) -> tuple[int, int]:
    """Changes whenever a file is received or loaded: part of every cache key."""
    from etl.models import Submission

    with session_factory(engine)() as session:
        latest, count = session.execute(select(func.max(Submission.id), func.count(Submission.id))).one()
    return int(latest or 0), int(count)
