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

from dashboard.selection import Filters
from dashboard.viewer import Viewer
from etl.db import session_factory
from etl.models import County, MonthlyCount, Partner, PartnerCounty
from etl.names import PATHWAYS


def _scoped(query: Select, viewer: Viewer, partner_column) -> Select:
    """Restrict ``query`` to the viewer's partner, in the query itself.

    An equality with a scalar subquery (partner codes are unique; an unknown code gives NULL, so
    no row), not ``IN``: SQLite then reads a partner's rows through an index instead of scanning.
    """
    if viewer.scope is not None:
        query = query.where(partner_column == select(Partner.id).where(Partner.code == viewer.scope).scalar_subquery())
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
    # Two single-aggregate subqueries: each is one index lookup (SQLite optimises a lone min or max
    # through the index, but scans every row for min and max together).
    first_query = _scoped(select(func.min(MonthlyCount.month)), viewer, MonthlyCount.partner_id).scalar_subquery()
    last_query = _scoped(select(func.max(MonthlyCount.month)), viewer, MonthlyCount.partner_id).scalar_subquery()
    with session_factory(engine)() as session:
        partners = pd.DataFrame(session.execute(partners_query).all(), columns=["code", "name", "region"])
        counties = pd.DataFrame(session.execute(counties_query).all(), columns=["fips", "name", "partner"])
        first, last = session.execute(select(first_query, last_query)).one()
    return FilterOptions(months=_month_range(first, last), partners=partners, counties=counties)


def _month_range(first, last) -> list:
    if first is None or last is None:
        return []
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(type(first)(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _frame(rows, columns: list[str]) -> pd.DataFrame:
    """Result rows as a DataFrame (as plain tuples: pandas takes ~5x longer over SQLAlchemy Row objects)."""
    return pd.DataFrame([tuple(row) for row in rows], columns=columns)


def _months_lists(texts) -> list:
    """The JSON month lists of many submissions, parsed in one call (one per text is ~5x slower)."""
    try:
        return json.loads("[" + ",".join(texts) + "]")
    except ValueError:  # one malformed text: parse one by one, so the error names it
        return [json.loads(text) for text in texts]


def _submission_frame(engine: Engine, viewer: Viewer, columns: dict, partner: str | None = None) -> pd.DataFrame:
    """Submissions the viewer may see, newest first: id, partner (code), region, then ``columns`` (name ->
    Submission column; received_at and months among them). No join in the query: the partners' names
    come from their small table. Built column by column: pandas is slow to guess the type of 30,000
    Row objects or timezone-aware datetimes, and the types are known."""
    from etl.models import Submission

    query = _scoped(select(Submission.id, Submission.partner_id, *columns.values()), viewer, Submission.partner_id)
    if partner:
        query = query.where(Submission.partner_id == select(Partner.id).where(Partner.code == partner)
                            .scalar_subquery())
    with engine.connect() as connection:  # Core rows: the ORM session costs ~2 us more a row
        rows = connection.execute(query).all()
        partners = {row.id: (row.code, row.region) for row in connection.execute(
            select(Partner.id, Partner.code, Partner.region))}
    if not rows:
        frame = pd.DataFrame(columns=["id", "partner", "region", *columns])
        frame["months"] = frame["months"].astype("object")
        frame["received_at"] = pd.to_datetime(frame["received_at"], utc=True)
        return frame
    ids, partner_ids, *values = zip(*rows, strict=True)
    data = dict(zip(columns, values, strict=True))
    data["received_at"] = pd.to_datetime(list(data["received_at"]), utc=True)
    data["months"] = _months_lists(data["months"])
    frame = pd.DataFrame({"id": ids, "partner": [partners[key][0] for key in partner_ids],
                          "region": [partners[key][1] for key in partner_ids], **data})
    return frame.sort_values(["received_at", "id"], ascending=False, kind="stable").reset_index(drop=True)


def submissions(engine: Engine, viewer: Viewer, partner: str | None = None) -> pd.DataFrame:
    """Every file received that the viewer may see, newest first (no report bodies, no bytes)."""
    from etl.models import Submission

    return _submission_frame(engine, viewer, {
        "file": Submission.filename, "source": Submission.source, "received_at": Submission.received_at,
        "received_by": Submission.received_by, "status": Submission.status, "rows": Submission.row_count,
        "months": Submission.months, "sha256": Submission.sha256, "bytes": Submission.byte_size}, partner)


def submission_months(engine: Engine, viewer: Viewer) -> pd.DataFrame:
    """What the completeness grid reads of every file the viewer may see, newest first: id, partner,
    region, received_at, status, months (a list of "YYYY-MM")."""
    from etl.models import Submission

    return _submission_frame(engine, viewer, {"received_at": Submission.received_at, "status": Submission.status,
                                              "months": Submission.months})


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
# ---------------------------------------------------------------------------------------------
# Analytics (issue 5): overview, county map, trends, rates. Every query sums in the database
# (GROUP BY) and returns one row per group; pandas only reshapes those few rows.
#
# The queries are shaped for monthly_count's only index, its key (month, county_fips, pathway): on
# SQLite the table itself is stored in that order (WITHOUT ROWID), on PostgreSQL the key's index
# carries the partner and the counts (INCLUDE). SQLite has no hash aggregation: a GROUP BY that
# does not follow the key's order pushes every row through a temporary B-tree (~0.5 s per
# 750,000 rows here). So groups follow the key where they can (by month), the two pathways are
# summed side by side in one pass (FILTER) instead of grouped, and the monthly sums by region
# are taken by month and partner first (30,000 rows at 750,000) before the regions are named.
# Sums by county or by partner over all months cannot follow the key: one B-tree pass each.
# PostgreSQL runs the same SQL with hash aggregates. docs/performance.md has the timings.
# ---------------------------------------------------------------------------------------------

COUNT_SUMS = ("referrals", "assessments_completed", "enrolled")
IN_PROGRAM, NOT_IN_PROGRAM, NOT_YOUR_REGION = "in the program", "not in the program", "not your region"
TREND_GROUPS = ("total", "pathway", "region", "county")


def _sums() -> list:
    return [func.coalesce(func.sum(getattr(MonthlyCount, name)), 0).label(name) for name in COUNT_SUMS]


def _pathway_sums() -> list:
    """Each count summed for each pathway, side by side, in one pass: sum(x) FILTER (WHERE pathway = p).

    NULL (not 0) where the pathway has no row at all, so a month without a report stays a gap.
    """
    return [func.sum(getattr(MonthlyCount, name)).filter(MonthlyCount.pathway == pathway).label(f"{name}_{i}")
            for i, pathway in enumerate(PATHWAYS) for name in COUNT_SUMS]


def _by_pathway(rows: list, keys: list[str]) -> pd.DataFrame:
    """Rows of ``keys`` + ``_pathway_sums()`` as one row per key and pathway that has data: keys,
    pathway, counts."""
    records = []
    width = len(keys)
    for row in rows:
        for i, pathway in enumerate(PATHWAYS):
            counts = row[width + i * len(COUNT_SUMS): width + (i + 1) * len(COUNT_SUMS)]
            if counts[0] is not None:
                records.append((*row[:width], pathway, *counts))
    return pd.DataFrame(records, columns=[*keys, "pathway", *COUNT_SUMS])


def _int_counts(frame: pd.DataFrame) -> pd.DataFrame:
    for name in COUNT_SUMS:
        frame[name] = pd.to_numeric(frame[name]).astype("int64")
    return frame


def totals_by_pathway(engine: Engine, viewer: Viewer, filters: Filters) -> pd.DataFrame:
    """One row per pathway (both always present): referrals, assessments_completed, enrolled."""
    query = _scoped(filters.apply(select(*_pathway_sums())), viewer, MonthlyCount.partner_id)
    with session_factory(engine)() as session:
        sums = _by_pathway([session.execute(query).one()], []).set_index("pathway")
    frame = pd.DataFrame(
        [{"pathway": p, **{n: sums.at[p, n] if p in sums.index else 0 for n in COUNT_SUMS}} for p in PATHWAYS],
        columns=["pathway", *COUNT_SUMS])
    return _int_counts(frame)


def counts_by_county(engine: Engine, viewer: Viewer, filters: Filters) -> pd.DataFrame:
    """Every county of the state, one row each, with its partner and the viewer's summed counts.

    ``status`` is "in the program", "not in the program" or, for a partner viewer, "not your
    region": such counties carry no name, partner, population or numbers (NA): only their FIPS,
    so the map can draw them grey. The counts are summed only over the viewer's own rows, in the query.
    """
    counts = _scoped(filters.apply(select(MonthlyCount.county_fips, *_sums()).group_by(MonthlyCount.county_fips)),
                     viewer, MonthlyCount.partner_id).subquery()
    query = (
        select(County.fips, County.name, County.population, Partner.code, Partner.name, Partner.region,
               *[counts.c[name] for name in COUNT_SUMS])
        .outerjoin(PartnerCounty, PartnerCounty.county_fips == County.fips)
        .outerjoin(Partner, (Partner.id == PartnerCounty.partner_id) & Partner.active.is_(True))
        .outerjoin(counts, counts.c.county_fips == County.fips)
        .order_by(County.fips)
    )
    with session_factory(engine)() as session:
        rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=["fips", "county", "population", "partner", "partner_name", "region",
                                        *COUNT_SUMS])
    frame["population"] = pd.array(frame["population"], dtype="Int64")
    in_program = frame["partner"].notna()
    mine = in_program if viewer.scope is None else frame["partner"] == viewer.scope
    frame["status"] = NOT_IN_PROGRAM
    frame.loc[in_program, "status"] = NOT_YOUR_REGION
    frame.loc[mine, "status"] = IN_PROGRAM
    hidden = frame["status"] != IN_PROGRAM
    # A partner sees none of another region's counties: the shape stays (the map is the whole
    # state), its name, partner and numbers do not.
    frame.loc[frame["status"] == NOT_YOUR_REGION, ["county", "partner", "partner_name", "region"]] = None
    frame.loc[(frame["status"] == NOT_YOUR_REGION).to_numpy(), "population"] = pd.NA
    for name in COUNT_SUMS:
        values = pd.array(pd.to_numeric(frame[name]).fillna(0), dtype="Int64")
        values[hidden.to_numpy()] = pd.NA
        frame[name] = values
    return frame


def region_counts(engine: Engine, viewer: Viewer, filters: Filters) -> pd.DataFrame:
    """One row per partner (region) the viewer may see, with summed counts (zeros when none)."""
    counts = _scoped(filters.apply(select(MonthlyCount.partner_id, *_sums()).group_by(MonthlyCount.partner_id)),
                     viewer, MonthlyCount.partner_id).subquery()
    query = _scoped(
        select(Partner.code, Partner.name, Partner.region, *[counts.c[name] for name in COUNT_SUMS])
        .outerjoin(counts, counts.c.partner_id == Partner.id)
        .where(Partner.active.is_(True))
        .order_by(Partner.id), viewer, Partner.id)
    if filters.partners:
        query = query.where(Partner.code.in_(filters.partners))
    with session_factory(engine)() as session:
        rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=["partner", "partner_name", "region", *COUNT_SUMS])
    for name in COUNT_SUMS:
        frame[name] = frame[name].fillna(0)
    return _int_counts(frame)


def monthly_counts(engine: Engine, viewer: Viewer, filters: Filters, by: str = "total") -> pd.DataFrame:
    """Counts per month and group (``by``: total, pathway, region or county), every month present.

    Columns: month (first day), group, referrals, assessments_completed, enrolled, reported. A
    month in which a group sent no report is kept with ``reported`` False and NA counts, so a
    chart shows a gap there, not a zero.
    """
    if by not in TREND_GROUPS:
        raise ValueError(f"by must be one of {TREND_GROUPS}, not {by!r}")
    frame = _monthly_sums(engine, viewer, filters, by)
    if by == "total":
        frame.insert(1, "group", "All referrals")
    frame["month"] = pd.to_datetime(frame["month"])
    first = filters.start or (frame["month"].min().date() if len(frame) else None)
    last = filters.end or (frame["month"].max().date() if len(frame) else None)
    months = pd.to_datetime(_month_range(first, last))
    groups = sorted(frame["group"].unique()) if len(frame) else []
    full = pd.MultiIndex.from_product([groups, months], names=["group", "month"])
    frame = frame.set_index(["group", "month"]).reindex(full).reset_index()
    frame["reported"] = frame["referrals"].notna()
    for name in COUNT_SUMS:
        frame[name] = pd.array(frame[name], dtype="Int64")
    return frame.loc[:, ["month", "group", *COUNT_SUMS, "reported"]]


def _monthly_sums(engine: Engine, viewer: Viewer, filters: Filters, by: str) -> pd.DataFrame:
    """The sums per month (and group, but for ``total``) that have rows, ordered by month and group."""
    def scoped(query: Select) -> Select:
        return _scoped(filters.apply(query), viewer, MonthlyCount.partner_id)

    if by == "total":
        query = scoped(select(MonthlyCount.month, *_sums()).group_by(MonthlyCount.month).order_by(MonthlyCount.month))
    elif by == "pathway":
        query = scoped(select(MonthlyCount.month, *_pathway_sums()).group_by(MonthlyCount.month)
                       .order_by(MonthlyCount.month))
    else:  # sum by month and partner (or county) first, then by the group's name over those few rows
        key = MonthlyCount.partner_id if by == "region" else MonthlyCount.county_fips
        inner = scoped(select(MonthlyCount.month, key.label("key"), *_sums()).group_by(MonthlyCount.month, key)
                       ).subquery()
        group = (Partner.region if by == "region" else County.name).label("group")
        named = select(inner.c.month, group, *[func.sum(inner.c[n]).label(n) for n in COUNT_SUMS])
        named = (named.join(Partner, Partner.id == inner.c.key) if by == "region"
                 else named.join(County, County.fips == inner.c.key))
        query = named.group_by(inner.c.month, group).order_by(inner.c.month, group)
    with session_factory(engine)() as session:
        rows = session.execute(query).all()
    if by == "pathway":
        return _by_pathway(rows, ["month"]).rename(columns={"pathway": "group"})
    return _frame(rows, ["month", *COUNT_SUMS] if by == "total" else ["month", "group", *COUNT_SUMS])


def with_trend_lines(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``rolling_3`` (mean referrals over the group's last three months) and ``cumulative``.

    Both are NA in a month without a report, and the rolling mean also needs all three of its
    months reported: an average over a missing month would quietly read as lower activity.
    """
    out = frame.sort_values(["group", "month"]).copy()
    referrals = out["referrals"].astype("float64")
    grouped = referrals.groupby(out["group"], sort=False)
    out["rolling_3"] = grouped.transform(lambda s: s.rolling(3, min_periods=3).mean())
    out["cumulative"] = pd.array(grouped.cumsum(), dtype="Int64")
    out.loc[~out["reported"], "cumulative"] = pd.NA
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class ReportingStatus:
    """Where reporting stands for the viewer's partners (from ``dashboard.completeness``)."""

    last_complete_month: str | None  # "YYYY-MM": every partner's report accepted
    latest_due_month: str | None  # the most recent month whose report is already due
    late: pd.DataFrame  # partner, partner_name, region: report for latest_due_month missing or rejected


def reporting_status(engine: Engine, viewer: Viewer, first_month: dt.date | None, due_day: int,
                     now: dt.datetime) -> ReportingStatus:
    """The last month with every partner's data, and who is late, over the viewer's partners."""
    from dashboard.completeness import last_complete_month, late_partners, months_between, reporting_grid

    options = filter_options(engine, viewer)
    partners = options.partners
    if first_month is None or partners.empty:
        return ReportingStatus(None, None, pd.DataFrame(columns=["partner", "partner_name", "region"]))
    last = (now.date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # the month before now's
    months = months_between(first_month, last) if first_month <= last else []
    grid = reporting_grid(submission_months(engine, viewer), partners["code"].tolist(), months, due_day, now)
    due = grid.loc[grid["status"] != "not_due", "month"]
    late = partners[partners["code"].isin(late_partners(grid))].rename(
        columns={"code": "partner", "name": "partner_name"}).reset_index(drop=True)
    return ReportingStatus(last_complete_month(grid), str(due.max()) if len(due) else None, late)


def busiest_counties(engine: Engine, viewer: Viewer, filters: Filters, limit: int) -> tuple[str, ...]:
    """FIPS of the ``limit`` counties with the most referrals in the selection, most first."""
    total = func.sum(MonthlyCount.referrals)
    query = _scoped(filters.apply(select(MonthlyCount.county_fips).group_by(MonthlyCount.county_fips)
                                  .order_by(total.desc(), MonthlyCount.county_fips).limit(limit)),
                    viewer, MonthlyCount.partner_id)
    with session_factory(engine)() as session:
        return tuple(session.scalars(query).all())
