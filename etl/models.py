"""The tables of the central database (DESIGN.md section 2), as SQLAlchemy 2.0 typed models."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from etl.db import Base

PATHWAYS = ("arrest_diversion", "social_contact")
ROLES = ("coordinator", "partner", "leadership")
SUBMISSION_STATUSES = ("loaded", "rejected", "already_loaded", "superseded", "partly_superseded")
SOURCES = ("upload", "folder", "url", "cli", "demo")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class County(Base):
    __tablename__ = "county"

    fips: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    state_fips: Mapped[str] = mapped_column(String(2), index=True)
    population: Mapped[int | None] = mapped_column(Integer)


class Partner(Base):
    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    counties: Mapped[list[PartnerCounty]] = relationship(back_populates="partner")


class PartnerCounty(Base):
    """Which partner serves a county; the county is the key, so it has one partner at a time."""

    __tablename__ = "partner_county"

    county_fips: Mapped[str] = mapped_column(ForeignKey("county.fips"), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)

    partner: Mapped[Partner] = relationship(back_populates="counties")


class Contact(Base):
    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_by: Mapped[str] = mapped_column(String(100), default="program file")


class ContactChange(Base):
    """Who changed a contact, when, and what it was before and after (JSON)."""

    __tablename__ = "contact_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, index=True)  # no FK: history outlives deletes
    action: Mapped[str] = mapped_column(String(20))
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


class Submission(Base):
    """One row per file ever received, loaded or not; its bytes are in the archive by SHA-256."""

    __tablename__ = "submission"
    __table_args__ = (
        Index("ix_submission_partner_received", "partner_id", "received_at"),
        CheckConstraint(f"status IN {SUBMISSION_STATUSES!r}", name="status"),
        CheckConstraint(f"source IN {SOURCES!r}", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"))
    source: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    byte_size: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    received_by: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    months: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of "YYYY-MM"
    report: Mapped[str] = mapped_column(Text, default="{}")  # the file's report as JSON

    partner: Mapped[Partner] = relationship()


class MonthlyCount(Base):
    """The current counts: one row per county, month and pathway.

    Shaped for bulk loads: the key (month, county, pathway) is the table's only index. On SQLite
    the table is stored in key order (WITHOUT ROWID), so the dashboard's sums over a range of
    months read consecutive pages; on PostgreSQL the key's index also carries the partner and the
    counts (INCLUDE), so those sums read only the index. There are no foreign keys: each one cost
    a lookup per inserted row (on PostgreSQL a trigger; loads ran 3x slower). The loader is the
    only writer and checks the same facts once per file (``etl.load.check_references``);
    counties, partners and submissions are never deleted.
    """

    __tablename__ = "monthly_count"
    __table_args__ = (
        PrimaryKeyConstraint("month", "county_fips", "pathway",
                             postgresql_include=["partner_id", "referrals", "assessments_completed", "enrolled"]),
        CheckConstraint(f"pathway IN {PATHWAYS!r}", name="pathway"),
        CheckConstraint("referrals >= 0", name="referrals_not_negative"),
        CheckConstraint("assessments_completed >= 0 AND assessments_completed <= referrals",
                        name="assessments_within_referrals"),
        CheckConstraint("enrolled >= 0 AND enrolled <= referrals", name="enrolled_within_referrals"),
        {"sqlite_with_rowid": False},
    )

    month: Mapped[dt.date] = mapped_column(Date)
    county_fips: Mapped[str] = mapped_column(String(5))  # a county.fips
    pathway: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[int] = mapped_column(Integer)  # a partner.id
    referrals: Mapped[int] = mapped_column(Integer)
    assessments_completed: Mapped[int] = mapped_column(Integer)
    enrolled: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    submission_id: Mapped[int] = mapped_column(Integer)  # a submission.id: the file these numbers came from


class User(Base):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
        CheckConstraint("role <> 'partner' OR partner_id IS NOT NULL", name="partner_has_partner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None: single sign-on only
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    partner: Mapped[Partner | None] = relationship()


class AppMeta(Base):
    """Facts about this database itself, e.g. that ``python -m etl demo`` created it."""

    __tablename__ = "app_meta"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
