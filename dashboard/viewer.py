"""Who is looking: every data-module function takes a Viewer and restricts its query to it."""

from __future__ import annotations

from dataclasses import dataclass

COORDINATOR, PARTNER, LEADERSHIP = "coordinator", "partner", "leadership"


@dataclass(frozen=True)
class Viewer:
    login: str
    role: str
    partner_code: str | None = None  # set for partner viewers only
    display_name: str = ""

    def __post_init__(self) -> None:
        if self.role not in (COORDINATOR, PARTNER, LEADERSHIP):
            raise ValueError(f"unknown role {self.role!r}")
        if (self.role == PARTNER) != (self.partner_code is not None):
            raise ValueError("a partner viewer has a partner code, and only a partner viewer has one")

    @property
    def scope(self) -> str | None:
        """The partner whose data this viewer may see, or None for every partner.

        Hashable and part of every cache key, so a cached result is never served to a viewer
        with a narrower view.
        """
        return self.partner_code if self.role == PARTNER else None

    @property
    def can_upload(self) -> bool:
        return self.role in (COORDINATOR, PARTNER)

    @property
    def can_edit_contacts(self) -> bool:
        return self.role == COORDINATOR

    @property
    def can_download_files(self) -> bool:
        """Partners' original files: coordinators (all) and partners (their own); not leadership."""
        return self.role in (COORDINATOR, PARTNER)
