"""The record of files received: what the ``history`` command and the Submissions page list."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select

from etl.db import session_factory
from etl.models import Partner, Submission


def known_partner(engine: Engine, code: str) -> bool:
    """Whether the database has this partner (one the program file has dropped since included)."""
    with session_factory(engine)() as session:
        return session.scalar(select(Partner.id).where(Partner.code == code)) is not None


def submission_history(engine: Engine, partner: str | None = None, limit: int = 50) -> list[dict]:
    query = (select(Submission, Partner.code).join(Partner, Submission.partner_id == Partner.id)
             .order_by(Submission.received_at.desc(), Submission.id.desc()).limit(limit))
    if partner:
        query = query.where(Partner.code == partner)
    rows = []
    with session_factory(engine)() as session:
        for submission, code in session.execute(query):
            months = json.loads(submission.months)
            rows.append({
                "id": submission.id, "received_at": submission.received_at, "partner": code,
                "source": submission.source, "file": submission.filename, "status": submission.status,
                "rows": submission.row_count, "months": months, "received_by": submission.received_by,
                "sha256": submission.sha256,
                "months_label": (f"{months[0]}..{months[-1]}" if len(months) > 1 else "".join(months)) or "-",
            })
    return rows
