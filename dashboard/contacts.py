"""The contacts directory's changes: add, edit, move and remove contacts, each one audited.

Only coordinators may change the directory. Every function here takes the viewer and raises
PermissionError for anyone else, so the control is in the code path, not in which buttons a page
shows. Each change and its ``contact_change`` row (who, when, before and after as JSON) are
written in one transaction. No streamlit here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from dashboard.viewer import Viewer
from etl.contact_rules import email_problem, phone_problem
from etl.db import session_factory
from etl.models import Contact, ContactChange, Partner, utc_now

EDITABLE = ("name", "title", "phone", "email", "address")
LIMITS = {"name": 200, "title": 200, "phone": 40, "email": 254, "address": 500}


class ContactError(ValueError):
    """The contact's fields are not acceptable; ``problems`` maps each field to what is wrong."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems.items()))
        self.problems = problems


@dataclass(frozen=True)
class ContactFields:
    """What a coordinator types for one contact. ``partner`` is a partner code, or None for state staff."""

    name: str
    title: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    partner: str | None = None

    def cleaned(self) -> ContactFields:
        return ContactFields(*(getattr(self, f).strip() for f in EDITABLE),
                             partner=(self.partner or "").strip() or None)


def contact_problems(fields: ContactFields) -> dict[str, str]:
    """Every problem with ``fields`` at once (empty when acceptable), keyed by field name."""
    fields = fields.cleaned()
    problems: dict[str, str] = {}
    if not fields.name:
        problems["name"] = "a name or role is required"
    for name, limit in LIMITS.items():
        value = getattr(fields, name)
        if len(value) > limit:
            problems[name] = f"at most {limit} characters ({len(value)} given)"
    if "email" not in problems and (problem := email_problem(fields.email)):
        problems["email"] = problem
    if "phone" not in problems and (problem := phone_problem(fields.phone)):
        problems["phone"] = problem
    return problems


def _require_coordinator(viewer: Viewer) -> None:
    if not viewer.can_edit_contacts:
        raise PermissionError(f"{viewer.login!r} ({viewer.role}) may not change the contacts directory; "
                              "only state coordinators can")


def _snapshot(contact: Contact, partner_code: str | None) -> dict[str, Any]:
    data = {f: getattr(contact, f) for f in EDITABLE}
    data.update(partner=partner_code, sort_order=contact.sort_order)
    return data


def _partner_code(session: Session, partner_id: int | None) -> str | None:
    return None if partner_id is None else session.scalar(select(Partner.code).where(Partner.id == partner_id))


def _partner_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    partner_id = session.scalar(select(Partner.id).where(Partner.code == code, Partner.active.is_(True)))
    if partner_id is None:
        raise ContactError({"partner": f"{code!r} is not a partner of the program"})
    return partner_id


def _audit(session: Session, viewer: Viewer, contact_id: int, action: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    session.add(ContactChange(contact_id=contact_id, action=action, changed_by=viewer.login[:100],
                              changed_at=utc_now(),
                              before=None if before is None else json.dumps(before, ensure_ascii=False),
                              after=None if after is None else json.dumps(after, ensure_ascii=False)))


def _group(session: Session, partner_id: int | None) -> list[Contact]:
    """The contacts listed together (one partner's, or the state staff), in their order."""
    where = Contact.partner_id.is_(None) if partner_id is None else Contact.partner_id == partner_id
    return list(session.scalars(select(Contact).where(where).order_by(Contact.sort_order, Contact.id)))


def _get(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id, with_for_update=True)
    if contact is None:
        raise LookupError(f"no contact {contact_id}")
    return contact


def add_contact(engine: Engine, viewer: Viewer, fields: ContactFields) -> int:
    """Add a contact at the end of its group; return its id."""
    _require_coordinator(viewer)
    fields = fields.cleaned()
    if problems := contact_problems(fields):
        raise ContactError(problems)
    with session_factory(engine).begin() as session:
        partner_id = _partner_id(session, fields.partner)
        where = Contact.partner_id.is_(None) if partner_id is None else Contact.partner_id == partner_id
        last = session.scalar(select(func.max(Contact.sort_order)).where(where))
        contact = Contact(partner_id=partner_id, sort_order=(last + 1) if last is not None else 0,
                          updated_at=utc_now(), updated_by=viewer.login[:100],
                          **{f: getattr(fields, f) for f in EDITABLE})
        session.add(contact)
        session.flush()
        _audit(session, viewer, contact.id, "add", None, _snapshot(contact, fields.partner))
        return contact.id


def update_contact(engine: Engine, viewer: Viewer, contact_id: int, fields: ContactFields) -> bool:
    """Change a contact's fields (and group); return False when nothing changed (nothing recorded)."""
    _require_coordinator(viewer)
    fields = fields.cleaned()
    if problems := contact_problems(fields):
        raise ContactError(problems)
    with session_factory(engine).begin() as session:
        contact = _get(session, contact_id)
        before = _snapshot(contact, _partner_code(session, contact.partner_id))
        partner_id = _partner_id(session, fields.partner)
        if partner_id != contact.partner_id:
            where = Contact.partner_id.is_(None) if partner_id is None else Contact.partner_id == partner_id
            last = session.scalar(select(func.max(Contact.sort_order)).where(where))
            contact.partner_id, contact.sort_order = partner_id, (last + 1) if last is not None else 0
        for name in EDITABLE:
            setattr(contact, name, getattr(fields, name))
        after = _snapshot(contact, fields.partner)
        if after == before:
            return False
        contact.updated_at, contact.updated_by = utc_now(), viewer.login[:100]
        _audit(session, viewer, contact.id, "edit", before, after)
        return True


def move_contact(engine: Engine, viewer: Viewer, contact_id: int, offset: int) -> bool:
    """Move a contact ``offset`` places within its group (-1: up, 1: down); False if it cannot move."""
    _require_coordinator(viewer)
    with session_factory(engine).begin() as session:
        contact = _get(session, contact_id)
        group = _group(session, contact.partner_id)
        position = next(i for i, c in enumerate(group) if c.id == contact.id)
        target = position + offset
        if offset == 0 or not 0 <= target < len(group):
            return False
        code = _partner_code(session, contact.partner_id)
        befores = {c.id: _snapshot(c, code) for c in group}
        group.insert(target, group.pop(position))
        now = utc_now()
        for order, member in enumerate(group):  # renumber the group: orders stay 0..n-1, unique
            if member.sort_order != order:
                member.sort_order, member.updated_at, member.updated_by = order, now, viewer.login[:100]
                _audit(session, viewer, member.id, "move", befores[member.id], _snapshot(member, code))
        return True


def remove_contact(engine: Engine, viewer: Viewer, contact_id: int) -> None:
    """Delete a contact; its history stays in ``contact_change`` (the last row's ``before``)."""
    _require_coordinator(viewer)
    with session_factory(engine).begin() as session:
        contact = _get(session, contact_id)
        before = _snapshot(contact, _partner_code(session, contact.partner_id))
        session.delete(contact)
        _audit(session, viewer, contact_id, "remove", before, None)


def contact_history(engine: Engine, viewer: Viewer, contact_id: int | None = None) -> list[dict[str, Any]]:
    """The audit trail, newest first (coordinators only: it names who changed what)."""
    _require_coordinator(viewer)
    query = select(ContactChange).order_by(ContactChange.id.desc())
    if contact_id is not None:
        query = query.where(ContactChange.contact_id == contact_id)
    with session_factory(engine)() as session:
        return [{"id": c.id, "contact_id": c.contact_id, "action": c.action, "changed_by": c.changed_by,
                 "changed_at": c.changed_at, "before": json.loads(c.before) if c.before else None,
                 "after": json.loads(c.after) if c.after else None} for c in session.scalars(query)]
