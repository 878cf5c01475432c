"""Every query the dashboard runs. Each function takes the viewer and restricts the query to it.

Nothing here imports streamlit: pages call these through ``dashboard.cache``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

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


# --- Operations pages (issue 5): submissions, their files, contacts directory --------------------


class NotVisibleError(LookupError):
    """No such submission, or not one the viewer may see (the two look the same on purpose)."""


@dataclass(frozen=True)
class SubmissionDetail:
    """One submission the viewer may see, with its validation report (a dict, JSON shape of DESIGN 4)."""

    id: int
    partner: str
    region: str
    file: str
    source: str
    received_at: dt.datetime  # timezone-aware, UTC
    received_by: str
    status: str
    rows: int
    months: list
    sha256: str
    bytes: int
    report: dict


def _visible_submission(session, viewer: Viewer, submission_id: int):
    from etl.models import Submission

    query = _scoped(select(Submission, Partner.code, Partner.region)
                    .join(Partner, Partner.id == Submission.partner_id)
                    .where(Submission.id == submission_id), viewer, Partner.id)
    found = session.execute(query).one_or_none()
    if found is None:
        raise NotVisibleError(f"no submission {submission_id} you may see")
    return found


def _as_utc(moment):
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones. Always aware here."""
    return moment.replace(tzinfo=dt.UTC) if moment is not None and moment.tzinfo is None else moment


def submission_detail(engine: Engine, viewer: Viewer, submission_id: int) -> SubmissionDetail:
    """One submission and its report; NotVisibleError when missing or outside the viewer's scope."""
    with session_factory(engine)() as session:
        submission, code, region = _visible_submission(session, viewer, submission_id)
        return SubmissionDetail(
            id=submission.id, partner=code, region=region, file=submission.filename, source=submission.source,
            received_at=_as_utc(submission.received_at), received_by=submission.received_by, status=submission.status,
            rows=submission.row_count, months=json.loads(submission.months or "[]"), sha256=submission.sha256,
            bytes=submission.byte_size, report=json.loads(submission.report or "{}"))


def archived_submission(engine: Engine, viewer: Viewer, submission_id: int, archive_dir) -> tuple[str, Path]:
    """The original file of a submission: its name as sent and where the archive holds its bytes.

    Raises PermissionError for viewers who may not download files (leadership: DESIGN.md section 6),
    NotVisibleError for a submission outside the viewer's scope, FileNotFoundError when the archive
    does not hold it (a file refused for its size is never archived).
    """
    from etl.archive import archived_path

    if not viewer.can_download_files:
        raise PermissionError("leadership views are read-only and do not include partners' files")
    with session_factory(engine)() as session:
        submission, _code, _region = _visible_submission(session, viewer, submission_id)
        filename, sha256, size = submission.filename, submission.sha256, submission.byte_size
    path = archived_path(archive_dir, sha256)
    if not path.is_file() or path.stat().st_size != size:
        raise FileNotFoundError(f"the archive does not hold {filename!r} (sha256 {sha256[:12]}...)")
    return filename, path


def submission_file(engine: Engine, viewer: Viewer, submission_id: int, archive_dir) -> tuple[str, bytes]:
    """The original file's name and bytes; the same refusals as ``archived_submission``."""
    filename, path = archived_submission(engine, viewer, submission_id, archive_dir)
    return filename, path.read_bytes()


def contacts_directory(engine: Engine, viewer: Viewer) -> pd.DataFrame:
    """Every contact, state staff first, then by region, in each group's own order.

    The directory is the same for every signed-in role (DESIGN.md section 6: partners and
    leadership read it too), so ``viewer`` narrows nothing here; it is taken like every query's.
    Columns: id, partner (code, None for state staff), partner_name, region, name, title, phone,
    email, address, sort_order, updated_at, updated_by.
    """
    from etl.models import Contact

    query = (select(Contact.id, Partner.code, Partner.name, Partner.region, Contact.name, Contact.title,
                    Contact.phone, Contact.email, Contact.address, Contact.sort_order, Contact.updated_at,
                    Contact.updated_by)
             .outerjoin(Partner, Partner.id == Contact.partner_id)
             .where((Partner.id.is_(None)) | Partner.active.is_(True))
             .order_by(Partner.id.is_not(None), Partner.id, Contact.sort_order, Contact.id))
    with session_factory(engine)() as session:
        rows = session.execute(query).all()
    return pd.DataFrame(rows, columns=["id", "partner", "partner_name", "region", "name", "title", "phone",
                                       "email", "address", "sort_order", "updated_at", "updated_by"])


def directory_regions(engine: Engine, viewer: Viewer) -> pd.DataFrame:
    """Every active partner with its region and counties, for the contacts directory.

    Unlike ``counties_by_partner`` this is not narrowed to a partner viewer's own region: who
    serves which counties is directory information every role reads, not reported data.
    """
    query = (select(Partner.code, Partner.name, Partner.region, County.name)
             .join(PartnerCounty, PartnerCounty.partner_id == Partner.id)
             .join(County, County.fips == PartnerCounty.county_fips)
             .where(Partner.active.is_(True))
             .order_by(Partner.id, County.name))
    with session_factory(engine)() as session:
        rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=["code", "partner", "region", "county"])
    return frame.groupby(["code", "partner", "region"], sort=False)["county"].agg(", ".join).reset_index().rename(
        columns={"county": "counties"})


def contacts_version(engine: Engine) -> tuple[int, int]:
    """Changes whenever a contact is added, edited, moved or removed: the contacts cache key."""
    from etl.models import Contact, ContactChange

    with session_factory(engine)() as session:
        latest = session.scalar(select(func.max(ContactChange.id)))
        count = session.scalar(select(func.count(Contact.id)))
    return int(latest or 0), int(count or 0)
