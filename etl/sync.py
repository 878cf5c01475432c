"""Copy the program file (counties, partners, their counties, contacts) into the database.

Idempotent: running it again changes nothing unless the program file changed. Contacts are
seeded once: after that the contacts directory in the app is their source of truth.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete, select

from etl.db import session_factory
from etl.models import AppMeta, Contact, County, Partner, PartnerCounty
from etl.program import Program

CONTACTS_SEEDED = "contacts_seeded"


def sync_program(engine: Engine, program: Program) -> None:
    with session_factory(engine).begin() as session:
        counties = {c.fips: c for c in session.scalars(select(County))}
        for county in program.counties:
            row = counties.get(county.fips)
            if row is None:
                session.add(County(fips=county.fips, name=county.name, state_fips=program.state_fips,
                                   population=county.population))
            elif (row.name, row.population) != (county.name, county.population):
                row.name, row.population = county.name, county.population
        partners = {p.code: p for p in session.scalars(select(Partner))}
        for config in program.partners:
            partner = partners.get(config.code)
            if partner is None:
                partner = Partner(code=config.code, name=config.name, region=config.region)
                session.add(partner)
                partners[config.code] = partner
            elif (partner.name, partner.region, partner.active) != (config.name, config.region, True):
                partner.name, partner.region, partner.active = config.name, config.region, True
        for code, partner in partners.items():
            if not program.has_partner(code) and partner.active:
                partner.active = False  # kept: its submissions and counts stay in history
        session.flush()
        wanted = {fips: partners[p.code].id for p in program.partners for fips in p.counties}
        current = {row.county_fips: row for row in session.scalars(select(PartnerCounty))}
        for fips, row in current.items():
            if fips not in wanted:
                session.delete(row)
            elif row.partner_id != wanted[fips]:
                row.partner_id = wanted[fips]
        for fips, partner_id in wanted.items():
            if fips not in current:
                session.add(PartnerCounty(county_fips=fips, partner_id=partner_id))
        if session.get(AppMeta, CONTACTS_SEEDED) is None:
            session.execute(delete(Contact))
            for order, contact in enumerate(program.contacts):
                session.add(Contact(
                    partner_id=partners[contact.partner].id if contact.partner else None,
                    name=contact.name, title=contact.title, phone=contact.phone, email=contact.email,
                    address=contact.address, sort_order=order, updated_by="program file",
                ))
            session.add(AppMeta(key=CONTACTS_SEEDED, value="1"))
