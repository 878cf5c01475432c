"""The contacts directory's writes: validation, audit trail and refusal for non-coordinators (both databases)."""

import json

import pytest
from sqlalchemy import func, select

from dashboard.contacts import (
    ContactError,
    ContactFields,
    add_contact,
    contact_history,
    move_contact,
    remove_contact,
    update_contact,
)
from dashboard.data import contacts_directory, contacts_version
from dashboard.viewer import Viewer
from etl.db import session_factory
from etl.models import Contact, ContactChange

COORDINATOR = Viewer("ann.coordinator", "coordinator")
PARTNER = Viewer("pat.prestera", "partner", "prestera")
LEADERSHIP = Viewer("lee.leadership", "leadership")


def group(engine, partner):
    frame = contacts_directory(engine, COORDINATOR)
    rows = frame[frame["partner"].isna()] if partner is None else frame[frame["partner"] == partner]
    return rows["name"].tolist()


def changes(engine):
    with session_factory(engine)() as session:
        return session.scalars(select(ContactChange).order_by(ContactChange.id)).all()


def test_the_directory_is_seeded_from_the_program_file(runtime):
    frame = contacts_directory(runtime.engine, PARTNER)
    assert frame["partner"].isna().sum() == 1  # the state coordinator
    assert frame.iloc[0]["email"] == "gary.d.krushansky@wv.gov"
    assert set(frame["partner"].dropna()) == {"seneca", "southern-highlands", "prestera", "region-4", "region-5"}


def test_a_coordinator_adds_edits_moves_and_removes_and_every_change_is_recorded(runtime):
    engine = runtime.engine
    version = contacts_version(engine)
    new_id = add_contact(engine, COORDINATOR, ContactFields(
        name=" Case manager ", title="Prestera", phone="(304) 555-0199", email="cm@prestera.example.org",
        partner="prestera"))
    assert group(engine, "prestera") == ["LEAD coordinator", "Case manager"]
    assert contacts_version(engine) != version
    added = changes(engine)[-1]
    assert (added.contact_id, added.action, added.changed_by, added.before) == (new_id, "add", "ann.coordinator", None)
    assert json.loads(added.after)["name"] == "Case manager"  # trimmed
    assert added.changed_at is not None

    assert update_contact(engine, COORDINATOR, new_id, ContactFields(
        name="Case manager", title="Prestera Center", phone="(304) 555-0199", email="cm@prestera.example.org",
        partner="prestera"))
    edit = changes(engine)[-1]
    assert edit.action == "edit"
    assert (json.loads(edit.before)["title"], json.loads(edit.after)["title"]) == ("Prestera", "Prestera Center")
    count = len(changes(engine))
    assert not update_contact(engine, COORDINATOR, new_id, ContactFields(
        name="Case manager", title="Prestera Center", phone="(304) 555-0199", email="cm@prestera.example.org",
        partner="prestera"))
    assert len(changes(engine)) == count  # nothing changed, nothing recorded

    assert move_contact(engine, COORDINATOR, new_id, -1)
    assert group(engine, "prestera") == ["Case manager", "LEAD coordinator"]
    assert not move_contact(engine, COORDINATOR, new_id, -1)  # already first
    moves = [c for c in changes(engine) if c.action == "move"]
    assert len(moves) == 2  # both contacts' places changed
    assert {json.loads(c.after)["sort_order"] for c in moves} == {0, 1}

    remove_contact(engine, COORDINATOR, new_id)
    assert group(engine, "prestera") == ["LEAD coordinator"]
    removed = changes(engine)[-1]
    assert (removed.action, removed.after, json.loads(removed.before)["email"]) == (
        "remove", None, "cm@prestera.example.org")
    history = contact_history(engine, COORDINATOR, new_id)
    assert [h["action"] for h in history] == ["remove", "move", "edit", "add"]


def test_moving_a_contact_to_state_staff_puts_it_last_there(runtime):
    engine = runtime.engine
    contact_id = int(contacts_directory(engine, COORDINATOR).query("partner == 'seneca'")["id"].iloc[0])
    update_contact(engine, COORDINATOR, contact_id, ContactFields(name="Deputy coordinator", partner=None))
    assert group(engine, None) == ["LTC (R) Gary Krushansky", "Deputy coordinator"]
    assert group(engine, "seneca") == []


def test_bad_email_and_phone_are_reported_together_and_nothing_is_written(runtime):
    engine = runtime.engine
    before = len(changes(engine))
    with pytest.raises(ContactError) as caught:
        add_contact(engine, COORDINATOR, ContactFields(name="", phone="555-01", email="not-an-address",
                                                       partner="prestera"))
    assert set(caught.value.problems) == {"name", "phone", "email"}
    assert "304-555-0100" in caught.value.problems["phone"]
    with pytest.raises(ContactError) as unknown:
        add_contact(engine, COORDINATOR, ContactFields(name="Someone", partner="atlantis"))
    assert "partner" in unknown.value.problems
    assert len(changes(engine)) == before
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count(Contact.id))) == 6


@pytest.mark.parametrize("viewer", [PARTNER, LEADERSHIP], ids=["partner", "leadership"])
def test_only_coordinators_may_change_the_directory(runtime, viewer):
    engine = runtime.engine
    contact_id = int(contacts_directory(engine, viewer)["id"].iloc[0])
    fields = ContactFields(name="Intruder", phone="304-555-0100", partner="prestera")
    for attempt in (lambda: add_contact(engine, viewer, fields),
                    lambda: update_contact(engine, viewer, contact_id, fields),
                    lambda: move_contact(engine, viewer, contact_id, 1),
                    lambda: remove_contact(engine, viewer, contact_id),
                    lambda: contact_history(engine, viewer)):
        with pytest.raises(PermissionError):
            attempt()
    assert changes(engine) == []
    assert "Intruder" not in contacts_directory(engine, COORDINATOR)["name"].tolist()
