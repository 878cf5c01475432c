"""Contacts: each region's partner, counties and contacts, and the state program staff.

Everyone reads the directory; coordinators also add, edit, reorder and remove contacts here
(``dashboard.contacts`` refuses anyone else and records every change).
"""

import json

import pandas as pd
import streamlit as st

from dashboard import cache
from dashboard.contacts import (
    ContactError,
    ContactFields,
    add_contact,
    contact_history,
    move_contact,
    remove_contact,
    update_contact,
)
from dashboard.plain_text import escape_markdown, plain
from dashboard.session import current_viewer
from dashboard.table_downloads import download_buttons

SHOWN = ["name", "title", "phone", "email", "address"]
HEADINGS = {"name": "Name or role", "title": "Title", "phone": "Phone", "email": "E-mail", "address": "Address"}
STATE_STAFF = "State program staff"

viewer = current_viewer()
engine = cache.runtime().engine
version = cache.contacts_version()
contacts = cache.contacts_directory(viewer, version)
regions = cache.directory_regions(viewer, version)

st.title("Contacts")
st.write("Who to call in each region, and at the state program.")


def show_group(title: str, group: pd.DataFrame, caption: str | None = None) -> None:
    st.subheader(title)
    if caption:
        st.text(caption)
    if group.empty:
        st.text("No contacts listed.")
    else:
        # st.table renders Markdown; contact details are typed text, so they are escaped.
        st.table(plain(group.loc[:, SHOWN].rename(columns=HEADINGS)), hide_index=True)


show_group(STATE_STAFF, contacts[contacts["partner"].isna()])
for region in regions.itertuples(index=False):
    show_group(f"{escape_markdown(region.region)}: {escape_markdown(region.partner)}",
               contacts[contacts["partner"] == region.code], caption=f"Counties: {region.counties}")

everything = contacts.assign(group=contacts["region"].fillna(STATE_STAFF)).loc[:, ["group", "partner_name", *SHOWN]]
download_buttons(everything.rename(columns={"partner_name": "partner"}), "lead-contacts", key="contacts")

if not viewer.can_edit_contacts:
    st.stop()

# --- Coordinators only from here: the functions called below refuse anyone else. ---------------
st.divider()
st.header("Edit the directory")
groups = {None: STATE_STAFF, **{code: f"{region} ({name})" for code, region, name
                                in regions.loc[:, ["code", "region", "partner"]].itertuples(index=False)}}
labels = {int(r.id): f"{groups.get(r.partner if isinstance(r.partner, str) else None, STATE_STAFF)}: {r.name}"
          + (f", {r.title}" if r.title else "") for r in contacts.itertuples(index=False)}


def report_problems(error: ContactError) -> None:
    for field, message in error.problems.items():
        st.error(f"{HEADINGS.get(field, field)}: {escape_markdown(message)}")


add_tab, edit_tab, order_tab, history_tab = st.tabs(["Add", "Edit or remove", "Reorder", "History"])

with add_tab, st.form("contact_add", clear_on_submit=True):
    group = st.selectbox("Listed under", list(groups), format_func=groups.get, key="add_group")
    values = {name: st.text_input(HEADINGS[name], key=f"add_{name}") for name in SHOWN}
    if st.form_submit_button("Add contact", type="primary"):
        try:
            add_contact(engine, viewer, ContactFields(partner=group, **values))
        except ContactError as error:
            report_problems(error)
        else:
            st.toast("Contact added.")
            st.rerun()

with edit_tab:
    if labels:
        chosen = st.selectbox("Contact", list(labels), format_func=labels.get, key="edit_contact")
        record = contacts[contacts["id"] == chosen].iloc[0]
        current_group = record["partner"] if isinstance(record["partner"], str) else None
        with st.form(f"contact_edit_{chosen}"):
            group = st.selectbox("Listed under", list(groups), format_func=groups.get,
                                 index=list(groups).index(current_group) if current_group in groups else 0)
            values = {name: st.text_input(HEADINGS[name], value=record[name] or "") for name in SHOWN}
            save = st.form_submit_button("Save changes", type="primary")
        if save:
            try:
                changed = update_contact(engine, viewer, int(chosen), ContactFields(partner=group, **values))
            except ContactError as error:
                report_problems(error)
            else:
                st.toast("Contact saved." if changed else "Nothing changed.")
                st.rerun()
        confirm = st.checkbox("Yes, remove this contact", key=f"remove_confirm_{chosen}")
        if st.button("Remove contact", disabled=not confirm, key="remove_contact"):
            remove_contact(engine, viewer, int(chosen))
            st.toast("Contact removed.")
            st.rerun()

with order_tab:
    if labels:
        chosen = st.selectbox("Contact to move", list(labels), format_func=labels.get, key="move_contact")
        up, down = st.columns(2, width=320)
        if up.button("Move up", icon=":material/arrow_upward:", key="move_up"):
            if move_contact(engine, viewer, int(chosen), -1):
                st.rerun()
            st.info("Already first in its list.")
        if down.button("Move down", icon=":material/arrow_downward:", key="move_down"):
            if move_contact(engine, viewer, int(chosen), 1):
                st.rerun()
            st.info("Already last in its list.")

with history_tab:
    history = pd.DataFrame(contact_history(engine, viewer), columns=["id", "contact_id", "action", "changed_by",
                                                                     "changed_at", "before", "after"])
    history["changed_at"] = pd.to_datetime(history["changed_at"], utc=True)
    history = history.rename(columns={"changed_at": "changed_at (UTC)"})
    for side in ("before", "after"):
        history[side] = history[side].map(lambda v: "" if v is None else json.dumps(v, ensure_ascii=False))
    st.dataframe(history, hide_index=True, width="stretch")
    download_buttons(history, "lead-contact-changes", key="history")
