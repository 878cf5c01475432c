"""Matching what people type to the names the contract knows: counties and referral pathways.

Used by the program file and by the partner-file validator, so both accept the same spellings
and suggest the same corrections.
"""

from __future__ import annotations

import re

from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

PATHWAYS = ("arrest_diversion", "social_contact")
PATHWAY_ALIASES = {
    "arrest_diversion": "arrest_diversion",
    "arrest diversion": "arrest_diversion",
    "arrest": "arrest_diversion",
    "social_contact": "social_contact",
    "social contact": "social_contact",
    "social": "social_contact",
    "social contact referral": "social_contact",
    "social_contact_referral": "social_contact",
}
_SPACES = re.compile(r"[\s_]+")


def normalise(text: str) -> str:
    """Lower case, single spaces, no ' county' suffix: 'McDowell  County ' -> 'mcdowell'."""
    folded = _SPACES.sub(" ", str(text).strip().lower())
    if folded.endswith(" county"):
        folded = folded[: -len(" county")].rstrip()
    return folded


def normalise_pathway(text: str) -> str:
    return _SPACES.sub(" ", str(text).strip().lower())


def resolve_pathway(text: str) -> str | None:
    folded = normalise_pathway(text)
    return PATHWAY_ALIASES.get(folded) or PATHWAY_ALIASES.get(folded.replace(" ", "_"))


def suggest(text: str, choices: list[str]) -> str | None:
    """The closest of ``choices`` to ``text`` if it is close enough to be a likely typo."""
    if not text or not choices or len(str(text)) > 100:  # no typo of a county name is that long
        return None
    best = process.extractOne(str(text).strip(), choices, scorer=JaroWinkler.normalized_similarity,
                              processor=str.lower)
    if best and best[1] >= 0.85:
        return best[0]
    return None


def shorten(text: object, limit: int = 80) -> str:
    """A cell as a report quotes it: long cells cut, so a 10 MB cell never becomes a 10 MB message."""
    value = str(text)
    return value if len(value) <= limit else value[:limit] + f"... ({len(value):,} characters)"


def pathway_message(value: str) -> str:
    hint = suggest(value, list(PATHWAYS) + ["arrest", "social"])
    if hint in ("arrest", "social"):
        hint = PATHWAY_ALIASES[hint]
    message = f"{shorten(value)!r} is not a referral type; use 'arrest_diversion' or 'social_contact'"
    return message + (f"; did you mean {hint!r}?" if hint else "")


class CountyNames:
    """The counties of one state, by normalised name and by 5-digit FIPS."""

    def __init__(self, state_name: str, counties: list[tuple[str, str]]):
        self.state_name = state_name
        self.by_key: dict[str, str] = {}
        self.name_of: dict[str, str] = {}
        for fips, name in counties:
            self.by_key[normalise(name)] = fips
            self.by_key[fips] = fips
            self.name_of[fips] = name

    def known(self) -> bool:
        return bool(self.name_of)

    def resolve(self, text: str) -> str | None:
        """5-digit FIPS for a county name (any case, with or without 'County') or FIPS, or None."""
        return self.by_key.get(normalise(text))

    def unknown_message(self, value: str) -> str:
        hint = suggest(normalise(value), list(self.name_of.values()))
        message = f"{shorten(value)!r} is not a county of {self.state_name}"
        return message + (f"; did you mean {hint!r}?" if hint else "")
