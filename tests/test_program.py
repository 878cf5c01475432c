from pathlib import Path

import pytest

from etl.errors import ConfigError
from etl.program import ProgramError, load_program

ROOT = Path(__file__).resolve().parent.parent
WV = ROOT / "programs" / "west_virginia.toml"
DATA = Path(__file__).resolve().parent / "data"
STATE_PAGE_COUNTIES = {"Barbour", "Greenbrier", "Jackson", "Kanawha", "McDowell", "Mercer", "Monroe",
                       "Nicholas", "Pocahontas", "Raleigh", "Randolph", "Summers", "Tucker", "Upshur",
                       "Webster", "Wood", "Wyoming"}


def test_the_west_virginia_sample_has_five_partners_and_the_state_pages_17_counties():
    program = load_program(WV)
    assert program.state_name == "West Virginia"
    assert len(program.partners) == 5
    names = {program.county(f).name for p in program.partners for f in p.counties}
    assert names == STATE_PAGE_COUNTIES
    assert sum(len(p.counties) for p in program.partners) == 17
    assert len(program.counties) == 55


def test_the_state_coordinator_is_the_published_contact():
    staff = [c for c in load_program(WV).contacts if c.partner is None]
    assert [(c.name, c.title, c.phone, c.email) for c in staff] == [
        ("LTC (R) Gary Krushansky", "WV LEAD Coordinator", "304-951-9475", "gary.d.krushansky@wv.gov")]


def test_partner_contacts_use_reserved_fictitious_numbers_and_example_addresses():
    for contact in load_program(WV).contacts:
        if contact.partner:
            assert contact.phone.startswith("304-555-01")
            assert contact.email.endswith(".example.org")


def test_another_state_loads_with_its_own_counties_and_populations():
    program = load_program(DATA / "delaware.toml")
    assert program.state_name == "Delaware"
    assert [c.name for c in program.counties] == ["Kent", "New Castle", "Sussex"]
    assert program.partner("south").counties == ("10001", "10005")
    assert program.county("10003").population == 200000


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "program.toml"
    path.write_text(text, encoding="utf-8")
    return path


HEADER = '[program]\nname = "T"\nstate_fips = "54"\nstart_month = "2020-01"\n'


def problems(path: Path) -> list[str]:
    with pytest.raises(ProgramError) as error:
        load_program(path)
    return error.value.problems


def test_an_unknown_county_is_named_with_its_key_line_and_a_suggestion(tmp_path):
    path = write(tmp_path, HEADER + '[[partners]]\ncode = "a"\nname = "A"\nregion = "R"\ncounties = ["Kanawah"]\n')
    assert problems(path) == [
        "partners[1].counties (line 9): 'Kanawah' is not a county of West Virginia; did you mean 'Kanawha'?"]


def test_a_county_in_two_partners_is_an_error(tmp_path):
    text = HEADER + ('[[partners]]\ncode = "a"\nname = "A"\nregion = "R"\ncounties = ["Wood"]\n'
                     '[[partners]]\ncode = "b"\nname = "B"\nregion = "R"\ncounties = ["54107"]\n')
    assert problems(write(tmp_path, text)) == [
        "partners[2].counties (line 14): county '54107' is already served by partner 'a' "
        "(a county belongs to one partner)"]


def test_a_duplicate_partner_code_is_an_error(tmp_path):
    text = HEADER + ('[[partners]]\ncode = "a"\nname = "A"\nregion = "R"\ncounties = ["Wood"]\n'
                     '[[partners]]\ncode = "a"\nname = "B"\nregion = "R"\ncounties = ["Jackson"]\n')
    assert problems(write(tmp_path, text)) == ["partners[2].code (line 11): duplicate partner code"]


def test_missing_and_unknown_keys_are_named(tmp_path):
    text = '[program]\nname = "T"\nstate_fips = "54"\n' + (
        '[[partners]]\ncode = "a"\nname = "A"\ncounties = ["Wood"]\ncolour = "red"\n')
    found = problems(write(tmp_path, text))
    assert 'program.start_month: missing key (a month as "YYYY-MM")' in found
    assert "partners[1].region (line 4): missing key" in found
    assert any(p.startswith("partners[1].colour (line 4): unknown key") for p in found)


def test_bad_values_are_reported_all_at_once(tmp_path):
    text = ('[program]\nname = "T"\nstate_fips = "99"\nstart_month = "2020-13"\nreport_due_day = 31\n'
            '[[partners]]\ncode = "Bad Code"\nname = "A"\nregion = "R"\ncounties = ["X"]\n'
            'export_url = "http://insecure"\n'
            '[[contacts]]\npartner = "nobody"\nname = "N"\nemail = "not-an-email"\nphone = "12"\n')
    found = " | ".join(problems(write(tmp_path, text)))
    for words in ("program.start_month", "program.report_due_day", "program.state_fips",
                  "partners[1].code", "partners[1].export_url", "contacts[1].partner", "contacts[1].email",
                  "contacts[1].phone"):
        assert words in found


def test_a_missing_file_and_bad_toml_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="program file not found"):
        load_program(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_program(write(tmp_path, "[program\n"))
