"""What makes a contact's e-mail address and phone number acceptable (program file and app alike)."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_PHONE_DIGITS = re.compile(r"\d")
_PHONE_CHARS = re.compile(r"[0-9 ()+.\-x]+")


def email_problem(value: str) -> str | None:
    """None if ``value`` is a plausible e-mail address (or empty), else what is wrong."""
    if not value:
        return None
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        return f"{value!r} is not an e-mail address like name@agency.gov"
    return None


def phone_problem(value: str) -> str | None:
    """None if ``value`` is a plausible North American phone number (or empty), else what is wrong."""
    if not value:
        return None
    digits = len(_PHONE_DIGITS.findall(value))
    if not _PHONE_CHARS.fullmatch(value) or digits < 10 or digits > 15:
        return f"{value!r} is not a phone number like 304-555-0100"
    return None
