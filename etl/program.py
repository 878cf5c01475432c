"""The program file: one TOML file per state naming its partners, their counties and contacts.

``load_program(path)`` validates the whole file and raises one ``ProgramError`` listing every
problem, each naming the key (``partners[2].counties``) and, where it can be found, the line.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from etl.contact_rules import email_problem, phone_problem
from etl.errors import ConfigError
from etl.names import CountyNames

PROGRAM_KEYS = {"name", "state_fips", "start_month", "report_due_day", "populations"}
PARTNER_KEYS = {"code", "name", "region", "counties", "inbox", "export_url", "token_env"}
CONTACT_KEYS = {"partner", "name", "title", "phone", "email", "address"}
_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


class ProgramError(ConfigError):
    """The program file is invalid; ``problems`` lists every problem found."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "\n  ".join(["the program file has problems:", *problems]))


@dataclass(frozen=True)
class County:
    fips: str
    name: str
    population: int | None


@dataclass(frozen=True)
class PartnerConfig:
    code: str
    name: str
    region: str
    counties: tuple[str, ...]  # 5-digit FIPS
    inbox: bool = False
    export_url: str | None = None
    token_env: str | None = None


@dataclass(frozen=True)
class ContactConfig:
    partner: str | None
    name: str
    title: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True)
class Program:
    name: str
    state_fips: str
    state_name: str
    start_month: dt.date
    report_due_day: int
    counties: tuple[County, ...]  # every county of the state, not only the program's
    partners: tuple[PartnerConfig, ...]
    contacts: tuple[ContactConfig, ...]
    source_path: Path | None = None
    _by_code: dict[str, PartnerConfig] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_code.update({p.code: p for p in self.partners})

    def partner(self, code: str) -> PartnerConfig:
        return self._by_code[code]

    def has_partner(self, code: str) -> bool:
        return code in self._by_code

    @property
    def county_names(self) -> CountyNames:
        return CountyNames(self.state_name, [(c.fips, c.name) for c in self.counties])

    def county(self, fips: str) -> County:
        return next(c for c in self.counties if c.fips == fips)

    def example_county(self, code: str | None = None) -> str:
        """A county name for the template's example row: the partner's first (default: the program's)."""
        partner = self.partner(code) if code else self.partners[0]
        return self.county(partner.counties[0]).name

    def partner_of_county(self) -> dict[str, str]:
        """County FIPS -> partner code, for the program's counties only."""
        return {fips: p.code for p in self.partners for fips in p.counties}


def load_program(path: Path | str) -> Program:
    """Read and validate a program file; raise ConfigError/ProgramError with every problem."""
    from geo.counties import UnknownStateError, county_table, state_name
    from geo.population import PopulationFileError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"program file not found: {path} (set LEAD_PROGRAM_FILE)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read program file {path}: {exc}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None

    check = _Checker(text)
    section = raw.get("program")
    if not isinstance(section, dict):
        raise ProgramError(path, ["missing table [program] (with name, state_fips, start_month)"])
    check.unknown_keys(section, PROGRAM_KEYS, "program")
    name = check.text(section, "name", "program")
    state_fips = check.text(section, "state_fips", "program")
    start_month = check.month(section, "start_month", "program")
    due_day = section.get("report_due_day", 15)
    if not isinstance(due_day, int) or isinstance(due_day, bool) or not 1 <= due_day <= 28:
        check.problem("program.report_due_day", "must be a whole number from 1 to 28", due_day)
        due_day = 15

    counties: list[County] = []
    state = ""
    if state_fips:
        populations = section.get("populations")
        populations_path = (path.parent / populations) if isinstance(populations, str) else None
        try:
            state = state_name(state_fips)
            table = county_table(state_fips, populations_path)
            counties = [
                County(r.fips, r.name, None if r.population is None or r.population != r.population
                       else int(r.population))
                for r in table.astype(object).where(table.notna(), None).itertuples()
            ]
        except UnknownStateError as exc:
            check.problem("program.state_fips", str(exc), state_fips)
        except PopulationFileError as exc:
            check.problem("program.populations", str(exc), populations)
    names = CountyNames(state or "the state", [(c.fips, c.name) for c in counties])

    partners = _partners(raw.get("partners"), check, names)
    contacts = _contacts(raw.get("contacts"), check, {p.code for p in partners})
    extra = set(raw) - {"program", "partners", "contacts"}
    for key in sorted(extra):
        check.problem(key, "is not a key of the program file (expected program, partners, contacts)")
    if check.problems:
        raise ProgramError(path, check.problems)
    return Program(
        name=name, state_fips=state_fips, state_name=state, start_month=start_month,
        report_due_day=due_day, counties=tuple(counties), partners=tuple(partners),
        contacts=tuple(contacts), source_path=path,
    )


def _partners(raw: object, check: _Checker, names: CountyNames) -> list[PartnerConfig]:
    if not isinstance(raw, list) or not raw:
        check.problem("partners", "the program needs at least one [[partners]] table")
        return []
    partners: list[PartnerConfig] = []
    owner: dict[str, str] = {}
    for i, entry in enumerate(raw, start=1):
        where = f"partners[{i}]"
        if not isinstance(entry, dict):
            check.problem(where, "must be a table")
            continue
        check.unknown_keys(entry, PARTNER_KEYS, where)
        code = check.text(entry, "code", where)
        if code and not _CODE.fullmatch(code):
            check.problem(f"{where}.code", "use lower-case letters, digits and '-' (at most 40)", code)
        if code and any(p.code == code for p in partners):
            check.problem(f"{where}.code", "duplicate partner code", code)
        fips_list: list[str] = []
        counties = entry.get("counties")
        if not isinstance(counties, list) or not counties:
            check.problem(f"{where}.counties", "missing or empty: list the partner's counties")
            counties = []
        for county in counties:
            fips = names.resolve(str(county)) if names.known() else None
            if fips is None:
                if names.known():
                    check.problem(f"{where}.counties", names.unknown_message(str(county)), county)
                continue
            if fips in owner:
                check.problem(
                    f"{where}.counties",
                    f"county {county!r} is already served by partner {owner[fips]!r}"
                    " (a county belongs to one partner)",
                    county,
                )
                continue
            owner[fips] = code or where
            fips_list.append(fips)
        export_url = entry.get("export_url")
        if export_url is not None and (not isinstance(export_url, str)
                                       or not export_url.startswith("https://")):
            check.problem(f"{where}.export_url", "must be an https:// address", export_url)
        token_env = entry.get("token_env")
        if token_env is not None and (not isinstance(token_env, str) or not _ENV_NAME.fullmatch(token_env)):
            check.problem(f"{where}.token_env", "must be an environment variable name", token_env)
        inbox = entry.get("inbox", False)
        if not isinstance(inbox, bool):
            check.problem(f"{where}.inbox", "must be true or false", inbox)
        partners.append(PartnerConfig(
            code=code, name=check.text(entry, "name", where), region=check.text(entry, "region", where),
            counties=tuple(fips_list), inbox=bool(inbox),
            export_url=export_url if isinstance(export_url, str) else None,
            token_env=token_env if isinstance(token_env, str) else None,
        ))
    return partners


def _contacts(raw: object, check: _Checker, codes: set[str]) -> list[ContactConfig]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        check.problem("contacts", "must be a list of [[contacts]] tables")
        return []
    contacts = []
    for i, entry in enumerate(raw, start=1):
        where = f"contacts[{i}]"
        if not isinstance(entry, dict):
            check.problem(where, "must be a table")
            continue
        check.unknown_keys(entry, CONTACT_KEYS, where)
        partner = entry.get("partner")
        if partner is not None and partner not in codes:
            check.problem(f"{where}.partner", "is not the code of a partner in this file", partner)
        values = {k: entry.get(k, "") for k in ("title", "phone", "email", "address")}
        for key, value in values.items():
            if not isinstance(value, str):
                check.problem(f"{where}.{key}", "must be text", value)
                values[key] = ""
        for key, rule in (("email", email_problem), ("phone", phone_problem)):
            if problem := rule(values[key]):
                check.problem(f"{where}.{key}", problem, values[key])
        contacts.append(ContactConfig(partner=partner, name=check.text(entry, "name", where), **values))
    return contacts


class _Checker:
    """Collects problems, each naming its key and, where the value is found in the text, its line."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.problems: list[str] = []

    def line_of(self, key: str, value: object) -> int | None:
        """The line of ``value`` inside the table ``key`` names (``partners[2]`` is the second)."""
        start, table = 0, re.match(r"(partners|contacts)\[(\d+)\]", key)
        if table:
            headers = [n for n, line in enumerate(self.lines) if line.strip() == f"[[{table[1]}]]"]
            if int(table[2]) <= len(headers):
                start = headers[int(table[2]) - 1]
                if value is None or value == "":
                    return start + 1
        if value is None or value == "":
            return None
        needle = f'"{value}"' if isinstance(value, str) else str(value)
        for number in range(start, len(self.lines)):
            if needle in self.lines[number].split("#", 1)[0]:
                return number + 1
        return None

    def problem(self, key: str, message: str, value: object = None) -> None:
        line = self.line_of(key, value)
        at = f" (line {line})" if line else ""
        self.problems.append(f"{key}{at}: {message}")

    def text(self, table: dict, key: str, where: str) -> str:
        value = table.get(key)
        if value is None:
            self.problem(f"{where}.{key}", "missing key")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(f"{where}.{key}", "must be non-empty text", value)
            return ""
        return value.strip()

    def month(self, table: dict, key: str, where: str) -> dt.date:
        value = table.get(key)
        if value is None:
            self.problem(f"{where}.{key}", "missing key (a month as \"YYYY-MM\")")
        elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value.strip()):
            year, month = map(int, value.strip().split("-"))
            if 1 <= month <= 12 and year >= 1900:
                return dt.date(year, month, 1)
            self.problem(f"{where}.{key}", "is not a month", value)
        else:
            self.problem(f"{where}.{key}", "must be a month as \"YYYY-MM\"", value)
        return dt.date(1900, 1, 1)

    def unknown_keys(self, table: dict, allowed: set[str], where: str) -> None:
        for key in sorted(set(table) - allowed):
            self.problem(f"{where}.{key}", f"unknown key (expected one of: {', '.join(sorted(allowed))})")
